import fc from 'fast-check';
import { deflateSync } from 'fflate';
import { beforeEach, describe, expect, it } from 'vitest';
import { type GraphDocument, inferShapes, parseDocument } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { listTemplateNames, loadTemplateFile } from '../../src/templates/node-loader.ts';
import {
  decodeLink,
  encodeLinkFragment,
  importFile,
  LINK_PREFIX,
  ShareError,
  toBase64Url,
} from '../../src/templates/share.ts';

const SHARE_CODES = [
  'link_too_long',
  'not_a_link',
  'corrupt_link',
  'too_large',
  'json',
  'invalid_document',
  'invalid_run',
];

/** The templates small enough to mutate thousands of times in seconds (the big ones repeat the same node kinds). */
const templates: GraphDocument[] = listTemplateNames()
  .map((name) => {
    const r = loadTemplateFile(name, catalog);
    if (!r.ok) throw new Error(`${name} does not load`);
    return r.template.doc;
  })
  .filter((doc) => doc.nodes.length <= 25);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every location in a JSON tree: the container and the key, so it can be replaced or deleted. */
function locations(root: Json): { parent: Json[] | { [k: string]: Json }; key: string | number }[] {
  const out: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = [];
  const walk = (x: Json) => {
    const entries: [string | number, Json][] = Array.isArray(x)
      ? x.map((v, i) => [i, v])
      : x && typeof x === 'object'
        ? Object.entries(x)
        : [];
    for (const [key, v] of entries) {
      out.push({ parent: x as Json[] | { [k: string]: Json }, key });
      walk(v);
    }
  };
  walk(root);
  return out;
}

/** Values that tend to break loaders: wrong types, huge and odd numbers, ids, deep nesting, markup. */
const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<Json>(
    null,
    -1,
    0,
    1e308,
    -0,
    2 ** 53,
    '',
    'node:x',
    'edge:x',
    '<img src=x onerror=alert(1)>',
    '__proto__',
    'constructor',
    [[[[[[[[[[1]]]]]]]]]],
    { x: 1e9, y: -1e9 },
    'Composite',
    'Linear',
  ),
  fc.constantFrom<Json>(Number.MAX_SAFE_INTEGER, 0.5, 'N', ['N', -1], [0, 0, 0]),
);

const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'delete', 'duplicate', 'retarget'),
  value: nasty,
});

function mutate(doc: GraphDocument, steps: { at: number; kind: string; value: unknown }[]): Json {
  const root = structuredClone(doc) as unknown as Json;
  for (const step of steps) {
    const places = locations(root);
    if (places.length === 0) break;
    const { parent, key } = places[step.at % places.length];
    const p = parent as Record<string | number, Json>;
    if (step.kind === 'replace') p[key] = structuredClone(step.value) as Json;
    else if (step.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete p[key];
    } else if (step.kind === 'duplicate' && Array.isArray(parent))
      parent.push(structuredClone(parent[key as number]));
    else if (step.kind === 'retarget') {
      // point an id or port somewhere else in the same document (dangling, self-loops, cycles)
      const ids = places.filter(
        (x) => typeof (x.parent as Record<string | number, Json>)[x.key] === 'string',
      );
      if (ids.length)
        p[key] = (ids[step.at % ids.length].parent as Record<string | number, Json>)[
          ids[step.at % ids.length].key
        ];
    }
  }
  return root;
}

/** A value is acceptable from any loader: a typed error, or a document that validates again. */
function expectTypedErrorOrValid(result: GraphDocument | ShareError): void {
  if (result instanceof ShareError) {
    expect(SHARE_CODES).toContain(result.code);
    expect(result.message.length).toBeGreaterThan(0);
    return;
  }
  expect(parseDocument(structuredClone(result), catalog).ok).toBe(true);
  // inference must also finish on whatever validated (errors are diagnostics, not exceptions)
  expect(() => inferShapes(result, catalog)).not.toThrow();
}

/** No single case may take this long: a loader that loops or blows up on a crafted input is a hang. */
const HANG_MS = 2_000;
let slowest = { ms: 0, what: '' };
function timed(started: number, what: string): void {
  const ms = performance.now() - started;
  if (ms > slowest.ms) slowest = { ms, what };
}

describe('fuzzing loaders with broken templates and random links', () => {
  beforeEach(() => {
    slowest = { ms: 0, what: '' };
  });

  it('10,000 random mutations of valid templates: a typed error or a valid document, through file and link', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: templates.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (which, steps) => {
          const started = performance.now();
          const mutated = mutate(templates[which], steps);
          expectTypedErrorOrValid(importFile(JSON.stringify(mutated), catalog));
          // every fourth one also travels as a link (deflating is the slow part)
          if (steps[0].at % 4 === 0) {
            const fragment = encodeLinkFragment({ doc: mutated as unknown as GraphDocument });
            if (!(fragment instanceof ShareError)) {
              const opened = decodeLink(`#${fragment}`, catalog);
              expectTypedErrorOrValid(opened instanceof ShareError ? opened : opened.doc);
            }
          }
          timed(started, `template ${which}, ${JSON.stringify(steps).slice(0, 200)}`);
        },
      ),
      { numRuns: 10_000, seed: 8 },
    );
    expect(slowest.ms, `slowest case: ${slowest.what}`).toBeLessThan(HANG_MS);
  }, 300_000);

  it('10,000 random byte strings and texts as links: a typed error or a valid document, never an exception', () => {
    const asLink = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((bytes) => `#${LINK_PREFIX}${toBase64Url(bytes)}`),
      // valid deflate streams of random JSON: past the decompression, into the validator
      fc
        .jsonValue({ maxDepth: 4 })
        .map(
          (v) =>
            `#${LINK_PREFIX}${toBase64Url(deflateSync(new TextEncoder().encode(JSON.stringify({ doc: v, seed: v }))))}`,
        ),
      fc.string({ maxLength: 300 }).map((s) => `#${LINK_PREFIX}${s}`),
      fc.string({ maxLength: 300 }),
    );
    fc.assert(
      fc.property(asLink, (link) => {
        const started = performance.now();
        const opened = decodeLink(link, catalog);
        expectTypedErrorOrValid(opened instanceof ShareError ? opened : opened.doc);
        timed(started, link.slice(0, 80));
      }),
      { numRuns: 10_000, seed: 9 },
    );
    expect(slowest.ms, `slowest case: ${slowest.what}`).toBeLessThan(HANG_MS);
  }, 120_000);
});
