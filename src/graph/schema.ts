/**
 * Loading documents from untrusted input (files, links). Structure is checked with valibot,
 * then meaning (node types, params, ports, ids, cycles) by hand; every problem is a LoadError
 * with a path like `nodes[3].params.out_features`. Loading never throws and never changes
 * anything: the caller swaps documents only on success. Older format versions migrate.
 */
import * as v from 'valibot';
import type { Catalog } from '../nodes/catalog.ts';
import { describeValue } from '../nodes/params.ts';
import type { ParamValue } from '../nodes/types.ts';
import {
  COMPOSITE_TYPE,
  DOCUMENT_FORMAT,
  DOCUMENT_VERSION,
  DocumentIndex,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  type NodeId,
  portsOf,
  type Subgraph,
  topologicalOrder,
} from './document.ts';

export type LoadErrorCode =
  | 'json'
  | 'format'
  | 'version'
  | 'schema'
  | 'unknown_type'
  | 'invalid_param'
  | 'unknown_param'
  | 'duplicate_id'
  | 'dangling_edge'
  | 'unknown_port'
  | 'port_kind'
  | 'input_taken'
  | 'cycle'
  | 'too_large';

export interface LoadError {
  code: LoadErrorCode;
  /** where in the document, e.g. `nodes[3].params.out_features` ('' for the whole) */
  path: string;
  message: string;
}

export type LoadResult =
  | { ok: true; doc: GraphDocument; migratedFrom?: number }
  | { ok: false; errors: LoadError[] };

/** Limits that keep a hostile file from stalling the tab. */
export const LOAD_LIMITS = { nodes: 20_000, edges: 50_000, nesting: 8, paramDepth: 4 };

const expected = (words: string) => (issue: v.BaseIssue<unknown>) =>
  `expected ${words}, got ${describeValue(issue.input)}`;

const idSchema = (prefix: 'node' | 'edge') =>
  v.pipe(
    v.string(expected(`an id like '${prefix}:…'`)),
    v.regex(new RegExp(`^${prefix}:\\S{1,120}$`), expected(`an id like '${prefix}:…'`)),
  );

const finite = v.pipe(v.number(expected('a number')), v.finite(expected('a finite number')));

const paramValue: v.GenericSchema<ParamValue> = v.union(
  [
    v.number(),
    v.pipe(v.string(), v.maxLength(200)),
    v.boolean(),
    v.null(),
    v.pipe(v.array(v.lazy(() => paramValue)), v.maxLength(64)),
  ],
  expected('a number, text, true/false, null or a list of them'),
);

const portRef = v.object({ node: idSchema('node'), port: v.string(expected('a port name')) });

const edgeSchema = v.object({ id: idSchema('edge'), from: portRef, to: portRef });

const exposedPort = v.object({
  name: v.string(expected('a port name')),
  node: idSchema('node'),
  port: v.string(expected('a port name')),
});

const nodeSchema: v.GenericSchema<unknown, GraphNode> = v.object({
  id: idSchema('node'),
  type: v.string(expected('a node type name')),
  params: v.optional(v.record(v.string(), paramValue, expected('an object of params')), {}),
  position: v.optional(v.object({ x: finite, y: finite }, expected('a position {x, y}')), { x: 0, y: 0 }),
  label: v.optional(v.pipe(v.string(expected('a text')), v.maxLength(200))),
  subgraph: v.optional(
    v.lazy(() =>
      v.object({
        nodes: v.array(nodeSchema, expected('a list of nodes')),
        edges: v.array(edgeSchema, expected('a list of edges')),
        inputs: v.array(exposedPort, expected('a list of exposed ports')),
        outputs: v.array(exposedPort, expected('a list of exposed ports')),
      }),
    ),
  ),
}) as v.GenericSchema<unknown, GraphNode>;

const documentSchema = v.object({
  format: v.literal(DOCUMENT_FORMAT, expected(`'${DOCUMENT_FORMAT}'`)),
  version: v.literal(DOCUMENT_VERSION),
  meta: v.optional(
    v.object({
      title: v.optional(v.pipe(v.string(expected('a text')), v.maxLength(500)), 'Untitled'),
      description: v.optional(v.pipe(v.string(expected('a text')), v.maxLength(20_000))),
      // template metadata (src/templates): what the graph teaches, and gallery tags
      teaches: v.optional(v.pipe(v.string(expected('a text')), v.maxLength(5_000))),
      tags: v.optional(
        v.pipe(
          v.array(v.pipe(v.string(expected('a tag')), v.maxLength(40)), expected('a list of tags')),
          v.maxLength(20),
        ),
      ),
      symbols: v.optional(
        v.record(
          v.string(),
          v.pipe(v.number(), v.integer(), v.minValue(1)),
          expected('symbol sizes (positive integers)'),
        ),
      ),
    }),
    { title: 'Untitled' },
  ),
  nodes: v.pipe(v.array(nodeSchema, expected('a list of nodes')), v.maxLength(LOAD_LIMITS.nodes)),
  edges: v.pipe(v.array(edgeSchema, expected('a list of edges')), v.maxLength(LOAD_LIMITS.edges)),
});

function pathOf(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key = item.key as string | number;
    out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : String(key);
  }
  return out;
}

/** The deepest issue of a union tells what was really wrong. */
function leafIssue(issue: v.BaseIssue<unknown>): v.BaseIssue<unknown> {
  return issue.type === 'union' || !issue.issues ? issue : leafIssue(issue.issues[0]);
}

/** Format migrations, oldest first: each takes the previous version's plain JSON. */
const migrations: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {
  // v1 stored edges flat: {id, source, sourcePort, target, targetPort}
  1: (doc) => ({
    ...doc,
    version: 2,
    edges: Array.isArray(doc.edges)
      ? doc.edges.map((e: Record<string, unknown>) =>
          e && typeof e === 'object' && 'source' in e
            ? {
                id: e.id,
                from: { node: e.source, port: e.sourcePort },
                to: { node: e.target, port: e.targetPort },
              }
            : e,
        )
      : doc.edges,
  }),
};

function migrate(
  input: Record<string, unknown>,
): { doc: Record<string, unknown>; from?: number } | LoadError {
  const version = input.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return {
      code: 'version',
      path: 'version',
      message: `expected a format version (1..${DOCUMENT_VERSION}), got ${describeValue(version)}`,
    };
  }
  if (version > DOCUMENT_VERSION) {
    return {
      code: 'version',
      path: 'version',
      message: `this document is format version ${version}, made by a newer Shapeflow; this one reads up to ${DOCUMENT_VERSION}`,
    };
  }
  let doc = input;
  for (let k = version; k < DOCUMENT_VERSION; k++) doc = migrations[k](doc);
  return version === DOCUMENT_VERSION ? { doc } : { doc, from: version };
}

/** The closest known type name, for "did you mean" hints. */
function closest(name: string, names: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const here = row[j];
        row[j] = Math.min(
          row[j] + 1,
          row[j - 1] + 1,
          prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
        );
        prev = here;
      }
    }
    return row[b.length];
  };
  let best: string | undefined;
  let bestDistance = 3;
  for (const n of names) {
    const d = distance(name, n);
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  return best;
}

function paramDepth(value: ParamValue): number {
  return Array.isArray(value) ? 1 + Math.max(0, ...value.map(paramDepth)) : 0;
}

/** Semantic checks of one graph level (the document, or a composite's subgraph). */
function checkGraph(
  graph: { nodes: GraphNode[]; edges: GraphEdge[] },
  catalog: Catalog,
  prefix: string,
  depth: number,
  errors: LoadError[],
): void {
  const where = new Map<NodeId, number>();
  graph.nodes.forEach((node, i) => {
    const at = `${prefix}nodes[${i}]`;
    if (where.has(node.id)) {
      errors.push({
        code: 'duplicate_id',
        path: `${at}.id`,
        message: `duplicate node id ${node.id} (also ${prefix}nodes[${where.get(node.id)}])`,
      });
      return;
    }
    where.set(node.id, i);
    if (node.type === COMPOSITE_TYPE) {
      checkComposite(node, catalog, at, depth, errors);
      return;
    }
    const def = catalog.get(node.type);
    if (!def) {
      const hint = closest(
        node.type,
        catalog.all.map((d) => d.type),
      );
      errors.push({
        code: 'unknown_type',
        path: `${at}.type`,
        message: `unknown node type '${node.type}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
      });
      return;
    }
    for (const [name, value] of Object.entries(node.params)) {
      if (!(name in def.params)) {
        errors.push({
          code: 'unknown_param',
          path: `${at}.params.${name}`,
          message: `${node.type} has no param '${name}'`,
        });
      } else if (paramDepth(value) > LOAD_LIMITS.paramDepth) {
        errors.push({
          code: 'invalid_param',
          path: `${at}.params.${name}`,
          message: 'expected a flat value, got deeply nested lists',
        });
      }
    }
    for (const [name, spec] of Object.entries(def.params)) {
      // a missing param takes its default: hand-written templates may leave them out
      if (!(name in node.params)) node.params[name] = spec.default;
      const problem = spec.check(node.params[name]);
      if (problem && !errors.some((e) => e.path === `${at}.params.${name}`)) {
        errors.push({ code: 'invalid_param', path: `${at}.params.${name}`, message: problem });
      }
    }
  });
  const edgeAt = new Map<string, number>();
  const fedBy = new Map<string, number>();
  const validEdges: GraphEdge[] = [];
  graph.edges.forEach((edge, i) => {
    const at = `${prefix}edges[${i}]`;
    if (edgeAt.has(edge.id)) {
      errors.push({
        code: 'duplicate_id',
        path: `${at}.id`,
        message: `duplicate edge id ${edge.id} (also ${prefix}edges[${edgeAt.get(edge.id)}])`,
      });
      return;
    }
    edgeAt.set(edge.id, i);
    const from = where.has(edge.from.node) ? graph.nodes[where.get(edge.from.node) as number] : undefined;
    const to = where.has(edge.to.node) ? graph.nodes[where.get(edge.to.node) as number] : undefined;
    if (!from)
      return void errors.push({
        code: 'dangling_edge',
        path: `${at}.from.node`,
        message: `no node ${edge.from.node}`,
      });
    if (!to)
      return void errors.push({
        code: 'dangling_edge',
        path: `${at}.to.node`,
        message: `no node ${edge.to.node}`,
      });
    const fromPorts = portsOf(from, catalog);
    const toPorts = portsOf(to, catalog);
    if (!fromPorts || !toPorts) return; // unknown type, already reported
    const out = fromPorts.outputs.find((p) => p.name === edge.from.port);
    const inp = toPorts.inputs.find((p) => p.name === edge.to.port);
    if (!out)
      return void errors.push({
        code: 'unknown_port',
        path: `${at}.from.port`,
        message: `${from.type} ${from.id} has no output '${edge.from.port}'`,
      });
    if (!inp)
      return void errors.push({
        code: 'unknown_port',
        path: `${at}.to.port`,
        message: `${to.type} ${to.id} has no input '${edge.to.port}'`,
      });
    if (out.kind !== inp.kind) {
      return void errors.push({
        code: 'port_kind',
        path: at,
        message: `cannot connect a ${out.kind} output to a ${inp.kind} input`,
      });
    }
    const key = `${edge.to.node}\u0000${edge.to.port}`;
    if (fedBy.has(key)) {
      return void errors.push({
        code: 'input_taken',
        path: `${at}.to`,
        message: `input ${edge.to.node}.${edge.to.port} is already fed by ${prefix}edges[${fedBy.get(key)}]`,
      });
    }
    fedBy.set(key, i);
    validEdges.push(edge);
  });
  if (errors.length > 0) return;
  const index = new DocumentIndex({ nodes: graph.nodes, edges: validEdges });
  const isFeedback = (e: GraphEdge) => {
    const node = index.nodes.get(e.to.node);
    return !!(node && portsOf(node, catalog)?.inputs.find((p) => p.name === e.to.port)?.feedback);
  };
  const { cyclic } = topologicalOrder(index, isFeedback);
  if (cyclic.length > 0) {
    const path = findCycle(index, new Set(cyclic), isFeedback);
    errors.push({
      code: 'cycle',
      path: `${prefix}edges`,
      message: `the edges form a cycle: ${path.join(' → ')}`,
    });
  }
}

function findCycle(
  index: DocumentIndex,
  cyclic: Set<NodeId>,
  isFeedback: (e: GraphEdge) => boolean,
): NodeId[] {
  const start = [...cyclic][0];
  const seen = new Map<NodeId, number>();
  const path: NodeId[] = [];
  let at: NodeId | undefined = start;
  // every node left by Kahn's algorithm has a predecessor also left: walk forward until a repeat
  while (at && !seen.has(at)) {
    seen.set(at, path.length);
    path.push(at);
    at = (index.outgoing.get(at) ?? []).find((e) => cyclic.has(e.to.node) && !isFeedback(e))?.to.node;
  }
  return at ? [...path.slice(seen.get(at)), at] : path;
}

function checkComposite(
  node: GraphNode,
  catalog: Catalog,
  at: string,
  depth: number,
  errors: LoadError[],
): void {
  const sub = node.subgraph as Subgraph | undefined;
  if (!sub)
    return void errors.push({
      code: 'schema',
      path: `${at}.subgraph`,
      message: 'expected a subgraph for a Composite node',
    });
  if (depth >= LOAD_LIMITS.nesting) {
    return void errors.push({
      code: 'too_large',
      path: `${at}.subgraph`,
      message: `composites nest deeper than ${LOAD_LIMITS.nesting} levels`,
    });
  }
  const before = errors.length;
  checkGraph(sub, catalog, `${at}.subgraph.`, depth + 1, errors);
  if (errors.length > before) return;
  const inner = new Map(sub.nodes.map((n) => [n.id, n]));
  const side = (list: typeof sub.inputs, kind: 'inputs' | 'outputs') => {
    const names = new Set<string>();
    list.forEach((x, i) => {
      const path = `${at}.subgraph.${kind}[${i}]`;
      const target = inner.get(x.node);
      const ports = target && portsOf(target, catalog);
      if (names.has(x.name))
        errors.push({
          code: 'duplicate_id',
          path: `${path}.name`,
          message: `duplicate exposed port '${x.name}'`,
        });
      names.add(x.name);
      if (!target)
        errors.push({ code: 'dangling_edge', path: `${path}.node`, message: `no inner node ${x.node}` });
      else if (ports && !ports[kind].some((p) => p.name === x.port)) {
        errors.push({
          code: 'unknown_port',
          path: `${path}.port`,
          message: `${target.type} ${target.id} has no ${kind === 'inputs' ? 'input' : 'output'} '${x.port}'`,
        });
      }
    });
  };
  side(sub.inputs, 'inputs');
  side(sub.outputs, 'outputs');
}

/**
 * Validate and migrate an untrusted value (parsed JSON) into a document. Never throws: every
 * problem, however malformed the input, comes back as a LoadError.
 */
export function parseDocument(input: unknown, catalog: Catalog): LoadResult {
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return {
        ok: false,
        errors: [
          {
            code: 'format',
            path: '',
            message: `expected a Shapeflow graph document (an object), got ${describeValue(input)}`,
          },
        ],
      };
    }
    const raw = input as Record<string, unknown>;
    if (raw.format !== DOCUMENT_FORMAT) {
      return {
        ok: false,
        errors: [
          {
            code: 'format',
            path: 'format',
            message: `expected '${DOCUMENT_FORMAT}', got ${describeValue(raw.format)}`,
          },
        ],
      };
    }
    const migrated = migrate(raw);
    if ('code' in migrated) return { ok: false, errors: [migrated] };
    const parsed = v.safeParse(documentSchema, migrated.doc);
    if (!parsed.success) {
      const errors = parsed.issues.slice(0, 20).map((issue): LoadError => {
        const leaf = leafIssue(issue);
        return { code: 'schema', path: pathOf(leaf), message: leaf.message };
      });
      return { ok: false, errors };
    }
    const doc = parsed.output as GraphDocument;
    const errors: LoadError[] = [];
    checkGraph(doc, catalog, '', 0, errors);
    if (errors.length > 0) return { ok: false, errors: errors.slice(0, 50) };
    return migrated.from === undefined ? { ok: true, doc } : { ok: true, doc, migratedFrom: migrated.from };
  } catch (e) {
    // e.g. a stack overflow on absurdly nested input: still a load error, never a crash
    return {
      ok: false,
      errors: [
        {
          code: 'too_large',
          path: '',
          message: `the document could not be read: ${e instanceof Error ? e.message : String(e)}`,
        },
      ],
    };
  }
}

/** Parse JSON text, then validate it (see parseDocument). */
export function loadDocument(text: string, catalog: Catalog): LoadResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      errors: [
        { code: 'json', path: '', message: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` },
      ],
    };
  }
  return parseDocument(value, catalog);
}

/** Deterministic JSON for saving (2-space indent). */
export function saveDocument(doc: GraphDocument): string {
  return JSON.stringify(doc, null, 2);
}
