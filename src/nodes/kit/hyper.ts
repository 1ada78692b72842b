/**
 * Node params generated from the runtime's hyperparameter tables (src/engine/runtime): same
 * names, PyTorch defaults, ranges and docs, so the inspector and the optimizer agree by
 * construction. A fixed-length tuple (Adam's betas) becomes one number param per entry
 * (beta1, beta2), which the inspector shows as two fields; `toHyperparams` joins them back.
 */
import { type HyperSpec, inRange, type Range, rangeText } from '../../engine/runtime/index.ts';
import { describeValue, type ParamSchema, type ParamSpec } from '../params.ts';

/** Names of a tuple's entries as node params: betas → beta1, beta2; others name_1, name_2, … */
export function tupleEntryNames(name: string, length: number): string[] {
  const stem = name === 'betas' ? 'beta' : `${name}_`;
  return Array.from({ length }, (_, i) => `${stem}${i + 1}`);
}

const numberCheck = (r: Range, integer: boolean, nullable: boolean) => (v: unknown) => {
  if (v === null && nullable) return null;
  const ok = typeof v === 'number' && inRange(v, r) && (!integer || Number.isInteger(v));
  if (ok) return null;
  const want = `${integer ? 'an integer' : 'a number'} ${rangeText(r)}`;
  return `expected ${nullable ? 'null or ' : ''}${want}, got ${describeValue(v)}`;
};

const bounds = (r: Range) => ({ min: r.min, max: r.max });

/** The node params of one hyperparameter (none for nested schedule lists: those arrive on ports). */
export function paramsOfHyper(
  name: string,
  spec: HyperSpec,
  fallback?: unknown,
): Record<string, ParamSpec<any>> {
  const doc = spec.doc;
  switch (spec.kind) {
    case 'number':
      return {
        [name]: {
          kind: 'float',
          default: fallback ?? spec.default,
          doc,
          ...bounds(spec),
          check: numberCheck(spec, false, false),
        },
      };
    case 'integer':
      return {
        [name]: {
          kind: 'int',
          default: fallback ?? spec.default,
          doc,
          nullable: spec.nullable,
          ...bounds(spec),
          check: numberCheck(spec, true, !!spec.nullable),
        },
      };
    case 'boolean':
      return {
        [name]: {
          kind: 'bool',
          default: spec.default,
          doc,
          check: (v) => (typeof v === 'boolean' ? null : `expected true or false, got ${describeValue(v)}`),
        },
      };
    case 'choice':
      return {
        [name]: {
          kind: 'enum',
          default: spec.default,
          options: spec.options,
          doc,
          check: (v) =>
            typeof v === 'string' && spec.options.includes(v)
              ? null
              : `expected one of ${spec.options.map((o) => `'${o}'`).join(', ')}, got ${describeValue(v)}`,
        },
      };
    case 'tuple': {
      const names = tupleEntryNames(name, spec.ranges.length);
      return Object.fromEntries(
        names.map((entry, i) => [
          entry,
          {
            kind: 'float',
            default: spec.default[i],
            doc: `${doc} (entry ${i + 1})`,
            ...bounds(spec.ranges[i]),
            check: numberCheck(spec.ranges[i], false, false),
          },
        ]),
      );
    }
    case 'integer-list':
      return {
        [name]: {
          kind: 'intTuple',
          default: fallback ?? [...spec.default],
          doc,
          min: spec.min,
          check: (v) => {
            if (!Array.isArray(v) || v.length > 64)
              return `expected a list of integers ${rangeText(spec)}, got ${describeValue(v)}`;
            const bad = v.find((x) => numberCheck(spec, true, false)(x) !== null);
            if (bad !== undefined)
              return `expected a list of integers ${rangeText(spec)}, got ${describeValue(v)}`;
            if (spec.ascending && v.some((x, i) => i > 0 && x < v[i - 1]))
              return `expected an increasing list, got ${describeValue(v)}`;
            return null;
          },
        },
      };
    case 'schedule-list':
      return {};
  }
}

/** Every param of a hyperparameter table; `defaults` overrides a table default for the node (e.g. a plot-ready total_steps). */
export function paramsOfTable(
  table: Record<string, HyperSpec>,
  defaults: Record<string, unknown> = {},
): ParamSchema {
  return Object.assign(
    {},
    ...Object.entries(table).map(([name, spec]) => paramsOfHyper(name, spec, defaults[name])),
  );
}

/** Node params back to the runtime's hyperparameters (PyTorch's names; tuples joined). */
export function toHyperparams(
  table: Record<string, HyperSpec>,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    if (spec.kind === 'schedule-list') continue;
    if (spec.kind === 'tuple') out[name] = tupleEntryNames(name, spec.ranges.length).map((n) => params[n]);
    else if (name in params) out[name] = params[name];
  }
  return out;
}

/** The runtime's hyperparameters (e.g. a PyTorch config) as node params: tuples split. */
export function fromHyperparams(
  table: Record<string, HyperSpec>,
  hyper: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(hyper)) {
    const spec = table[name];
    if (spec?.kind === 'tuple' && Array.isArray(value)) {
      tupleEntryNames(name, spec.ranges.length).forEach((n, i) => {
        out[n] = value[i];
      });
    } else out[name] = value;
  }
  return out;
}
