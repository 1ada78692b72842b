/**
 * The catalog: every node type, passed in as a list (no registration side effects). Each
 * group below is kept by one owner; add imports and entries under your group's markers.
 */
import type { AnyNodeDef } from './define.ts';
import { ReLU } from './activations/relu.ts';
import { Conv2d } from './layers/conv2d.ts';
import { Linear } from './layers/linear.ts';
import { CrossEntropyLoss } from './losses/cross_entropy.ts';
import { Add, Div, Maximum, Mul, Sub } from './math/elementwise.ts';
import { MatMul } from './math/matmul.ts';
import { Flatten } from './reshape/flatten.ts';
import { Reshape } from './reshape/reshape.ts';
import { Transpose } from './reshape/transpose.ts';
import { Unsqueeze } from './reshape/unsqueeze.ts';
import { Input } from './sources/input.ts';
// @group catalog-imports
import { MNIST } from './sources/mnist.ts';

/** Node types in palette order. */
export const nodeDefs: AnyNodeDef[] = [
  Input,
  Linear,
  Conv2d,
  ReLU,
  Add,
  Sub,
  Mul,
  Div,
  Maximum,
  MatMul,
  Flatten,
  Reshape,
  Transpose,
  Unsqueeze,
  CrossEntropyLoss,
  // @group catalog
  MNIST,
];

/** Node types looked up by name or alias. */
export interface Catalog {
  readonly all: readonly AnyNodeDef[];
  get(type: string): AnyNodeDef | undefined;
  has(type: string): boolean;
  /** group name → its node types, in palette order */
  groups(): Map<string, AnyNodeDef[]>;
  /** types whose name, alias or doc contains the query (case-insensitive), best first */
  search(query: string): AnyNodeDef[];
}

export function createCatalog(defs: readonly AnyNodeDef[]): Catalog {
  const byType = new Map<string, AnyNodeDef>();
  for (const def of defs) {
    if (byType.has(def.type)) throw new Error(`node catalog: type '${def.type}' is declared twice`);
    byType.set(def.type, def);
  }
  return {
    all: defs,
    get: (type) => byType.get(type),
    has: (type) => byType.has(type),
    groups() {
      const groups = new Map<string, AnyNodeDef[]>();
      for (const def of defs) groups.set(def.group, [...(groups.get(def.group) ?? []), def]);
      return groups;
    },
    search(query) {
      const q = query.trim().toLowerCase();
      if (!q) return [...defs];
      const score = (def: AnyNodeDef) => {
        if (def.type.toLowerCase() === q) return 0;
        if (def.type.toLowerCase().startsWith(q)) return 1;
        if (def.aliases.some((a) => a.toLowerCase().includes(q))) return 2;
        if (def.type.toLowerCase().includes(q)) return 3;
        return def.doc.toLowerCase().includes(q) ? 4 : -1;
      };
      return defs
        .map((def) => ({ def, s: score(def) }))
        .filter((x) => x.s >= 0)
        .sort((a, b) => a.s - b.s)
        .map((x) => x.def);
    },
  };
}

/** The default catalog of every declared node type. */
export const catalog: Catalog = createCatalog(nodeDefs);
