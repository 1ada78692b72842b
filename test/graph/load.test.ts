import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GraphStore,
  type LoadResult,
  loadDocument,
  parseDocument,
  saveDocument,
} from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { baseDocument } from './random-edits.ts';

const errorsOf = (r: LoadResult) => (r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`));

function withChange(change: (doc: any) => void): unknown {
  const doc = structuredClone(baseDocument()) as any;
  change(doc);
  return doc;
}

describe('loading a document', () => {
  it('round-trips a saved document', () => {
    const doc = baseDocument();
    const r = loadDocument(saveDocument(doc), catalog);
    expect(r.ok && r.doc).toEqual(doc);
  });

  it('names the param, what was expected and what was given', () => {
    const r = parseDocument(
      withChange((d) => (d.nodes[3].params.out_features = -2)),
      catalog,
    );
    expect(errorsOf(r)).toEqual(['nodes[3].params.out_features: expected a positive integer, got -2']);
  });

  it('rejects unknown node types by name, with a suggestion', () => {
    const r = parseDocument(
      withChange((d) => (d.nodes[1].type = 'Lienar')),
      catalog,
    );
    expect(errorsOf(r)).toEqual(["nodes[1].type: unknown node type 'Lienar' (did you mean 'Linear'?)"]);
  });

  it('rejects dangling edges, duplicate ids and unknown ports', () => {
    expect(
      errorsOf(
        parseDocument(
          withChange((d) => (d.edges[0].to.node = 'node:gone')),
          catalog,
        ),
      ),
    ).toEqual(['edges[0].to.node: no node node:gone']);
    expect(
      errorsOf(
        parseDocument(
          withChange((d) => (d.nodes[2].id = 'node:x')),
          catalog,
        ),
      )[0],
    ).toBe('nodes[2].id: duplicate node id node:x (also nodes[0])');
    expect(
      errorsOf(
        parseDocument(
          withChange((d) => (d.edges[3].to.port = 'c')),
          catalog,
        ),
      ),
    ).toEqual(["edges[3].to.port: Add node:res has no input 'c'"]);
    expect(
      errorsOf(
        parseDocument(
          withChange((d) => d.edges.push({ ...d.edges[0], id: 'edge:dup' })),
          catalog,
        ),
      ),
    ).toEqual(['edges[7].to: input node:fc1.input is already fed by edges[0]']);
  });

  it('rejects a cycle and says where it runs', () => {
    const r = parseDocument(
      withChange((d) => {
        d.edges[0].from.node = 'node:fc2';
      }),
      catalog,
    );
    expect(errorsOf(r)).toEqual(['edges: the edges form a cycle: node:fc1 → node:act → node:fc2 → node:fc1']);
  });

  it('reports structural problems with their paths', () => {
    expect(
      errorsOf(
        parseDocument(
          withChange((d) => (d.nodes[0].position = { x: 'left', y: 0 })),
          catalog,
        ),
      ),
    ).toEqual(['nodes[0].position.x: expected a number, got "left"']);
    expect(
      errorsOf(
        parseDocument(
          withChange((d) => (d.edges[1].id = 'e1')),
          catalog,
        ),
      ),
    ).toEqual(['edges[1].id: expected an id like \'edge:…\', got "e1"']);
    expect(errorsOf(parseDocument([], catalog))).toEqual([
      ': expected a Shapeflow graph document (an object), got []',
    ]);
    expect(errorsOf(loadDocument('{"format":', catalog))[0]).toMatch(/^: not valid JSON/);
    expect(
      errorsOf(
        parseDocument(
          withChange((d) => (d.version = 9)),
          catalog,
        ),
      )[0],
    ).toContain('newer Shapeflow');
  });

  it('fills missing params with their defaults', () => {
    const r = parseDocument(
      withChange((d) => delete d.nodes[1].params.bias),
      catalog,
    );
    expect(r.ok && r.doc.nodes[1].params.bias).toBe(true);
  });

  it('migrates format version 1 (flat edges)', () => {
    const v1 = withChange((d) => {
      d.version = 1;
      d.edges = d.edges.map((e: any) => ({
        id: e.id,
        source: e.from.node,
        sourcePort: e.from.port,
        target: e.to.node,
        targetPort: e.to.port,
      }));
    });
    const r = parseDocument(v1, catalog);
    expect(r.ok).toBe(true);
    expect(r.ok && r.migratedFrom).toBe(1);
    expect(r.ok && r.doc).toEqual(baseDocument());
  });

  it('leaves the store untouched when a load fails', () => {
    const store = new GraphStore({ doc: baseDocument() });
    const before = store.doc;
    const seen: unknown[] = [];
    store.doc$.subscribe((d) => seen.push(d));
    const r = store.load(withChange((d) => (d.nodes[3].params.out_features = -2)));
    expect(r.ok).toBe(false);
    expect(store.doc).toBe(before);
    expect(seen).toEqual([before]);
  });

  it('turns random malformed documents into typed load errors, never another exception', () => {
    const valid = baseDocument() as unknown as Record<string, unknown>;
    // a valid document with one value somewhere replaced by arbitrary JSON
    const mutated = fc
      .tuple(fc.array(fc.nat(40), { minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }))
      .map(([path, value]) => {
        const doc = structuredClone(valid) as any;
        let at = doc;
        for (let i = 0; i < path.length - 1; i++) {
          const keys = Object.keys(at);
          const next = at[keys[path[i] % keys.length]];
          if (next === null || typeof next !== 'object') break;
          at = next;
        }
        const keys = Object.keys(at);
        if (keys.length > 0) at[keys[path[path.length - 1] % keys.length]] = value;
        return doc;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.anything(), fc.jsonValue()), (input) => {
        const r = parseDocument(input, catalog);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(typeof e.path).toBe('string');
            expect(e.message.length).toBeGreaterThan(0);
            expect(e.code).not.toBe('too_large');
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the published JSON Schema', () => {
  const schema = JSON.parse(readFileSync('src/graph/graph.schema.json', 'utf8'));

  /** Every key of a value is described by the schema (resolving local $refs). */
  function described(value: unknown, node: any, path: string, missing: string[]): void {
    while (node?.$ref)
      node = node.$ref
        .split('/')
        .slice(1)
        .reduce((o: any, k: string) => o[k], schema);
    if (node?.anyOf) return;
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) described(v, node?.items, `${path}[${i}]`, missing);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const sub = node?.properties?.[k] ?? node?.additionalProperties;
        if (!sub) missing.push(`${path}.${k}`);
        else described(v, sub, `${path}.${k}`, missing);
      }
    }
  }

  it('describes every field of a saved document, composites included', () => {
    const store = new GraphStore({ doc: baseDocument() });
    store.apply({ kind: 'group', ids: ['node:fc1', 'node:act'], compositeId: 'node:block', label: 'block' });
    store.apply({
      kind: 'setMeta',
      meta: { description: 'd', symbols: { N: 8 }, tags: ['mlp'], teaches: 't' },
    });
    const missing: string[] = [];
    described(JSON.parse(saveDocument(store.doc)), schema, '', missing);
    expect(missing).toEqual([]);
    expect(schema.properties.version.const).toBe(2);
  });
});
