import { AttrError } from '../errors.ts';

/**
 * Hyperparameter schemas shared by optimizers and schedulers: each entry says its kind,
 * PyTorch default, valid range and a one-line doc. A node declaration reads the same table
 * for its inspector; `resolveHyperparams` fills the defaults and rejects bad values with an
 * AttrError naming the parameter and its valid range.
 */

/** A numeric interval; an absent bound is unbounded, `open` bounds exclude the end. */
export interface Range {
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
}

interface SpecBase {
  doc: string;
}

export interface NumberSpec extends SpecBase, Range {
  kind: 'number';
  default: number;
}

export interface IntegerSpec extends SpecBase, Range {
  kind: 'integer';
  /** null: the parameter may be left unset (OneCycleLR's total_steps) */
  default: number | null;
  nullable?: boolean;
}

export interface BooleanSpec extends SpecBase {
  kind: 'boolean';
  default: boolean;
}

export interface ChoiceSpec extends SpecBase {
  kind: 'choice';
  default: string;
  options: readonly string[];
}

/** A fixed-length list of numbers, each with its own range (Adam's betas). */
export interface TupleSpec extends SpecBase {
  kind: 'tuple';
  default: readonly number[];
  ranges: readonly Range[];
}

/** A list of integers (MultiStepLR's milestones); `ascending` requires a non-decreasing list. */
export interface IntegerListSpec extends SpecBase, Range {
  kind: 'integer-list';
  default: readonly number[];
  ascending?: boolean;
}

/** Nested scheduler configs (SequentialLR); checked by the scheduler itself. */
export interface ScheduleListSpec extends SpecBase {
  kind: 'schedule-list';
  default: readonly never[];
}

export type HyperSpec =
  | NumberSpec
  | IntegerSpec
  | BooleanSpec
  | ChoiceSpec
  | TupleSpec
  | IntegerListSpec
  | ScheduleListSpec;

/** One spec per field of H: a field without a spec is a compile error. */
export type HyperSchema<H> = { [K in keyof H]-?: HyperSpec };

/**
 * Names PyTorch accepts that choose an implementation, not a result (`foreach`, `fused`, ...):
 * accepted and ignored, so configs copied from PyTorch load.
 */
const IMPLEMENTATION_FLAGS = new Set(['foreach', 'fused', 'capturable', 'differentiable', 'verbose']);

export function rangeText(r: Range): string {
  const { min, max } = r;
  if (min !== undefined && max !== undefined)
    return `in ${r.minOpen ? '(' : '['}${min}, ${max}${r.maxOpen ? ')' : ']'}`;
  if (min !== undefined) return `${r.minOpen ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `${r.maxOpen ? '<' : '≤'} ${max}`;
  return 'finite';
}

export function inRange(x: number, r: Range): boolean {
  if (!Number.isFinite(x)) return false;
  if (r.min !== undefined && (r.minOpen ? x <= r.min : x < r.min)) return false;
  if (r.max !== undefined && (r.maxOpen ? x >= r.max : x > r.max)) return false;
  return true;
}

const show = (x: unknown) => JSON.stringify(x) ?? String(x);

function checkNumber(owner: string, name: string, x: unknown, r: Range, integer: boolean): number {
  const wanted = integer ? `an integer ${rangeText(r)}` : rangeText(r);
  if (typeof x !== 'number' || Number.isNaN(x)) {
    throw new AttrError(owner, name, `must be ${integer ? wanted : `a number ${wanted}`}, got ${show(x)}`);
  }
  if ((integer && !Number.isInteger(x)) || !inRange(x, r))
    throw new AttrError(owner, name, `must be ${wanted}, got ${x}`);
  return x;
}

/** Check one value against its spec; returns it (copied when it is a list). */
export function checkHyper(owner: string, name: string, spec: HyperSpec, x: unknown): unknown {
  switch (spec.kind) {
    case 'number':
      return checkNumber(owner, name, x, spec, false);
    case 'integer':
      if (x === null && spec.nullable) return null;
      return checkNumber(owner, name, x, spec, true);
    case 'boolean':
      if (typeof x !== 'boolean') throw new AttrError(owner, name, `must be true or false, got ${show(x)}`);
      return x;
    case 'choice':
      if (typeof x !== 'string' || !spec.options.includes(x)) {
        throw new AttrError(
          owner,
          name,
          `must be one of ${spec.options.map((o) => `'${o}'`).join(', ')}, got ${show(x)}`,
        );
      }
      return x;
    case 'tuple': {
      if (!Array.isArray(x) || x.length !== spec.ranges.length) {
        throw new AttrError(owner, name, `must be a list of ${spec.ranges.length} numbers, got ${show(x)}`);
      }
      return x.map((v, i) => checkNumber(owner, `${name}[${i}]`, v, spec.ranges[i], false));
    }
    case 'integer-list': {
      if (!Array.isArray(x)) throw new AttrError(owner, name, `must be a list of integers, got ${show(x)}`);
      const list = x.map((v, i) => checkNumber(owner, `${name}[${i}]`, v, spec, true));
      if (spec.ascending && list.some((v, i) => i > 0 && v < list[i - 1])) {
        throw new AttrError(owner, name, `must be in increasing order, got ${show(list)}`);
      }
      return list;
    }
    case 'schedule-list':
      if (!Array.isArray(x)) throw new AttrError(owner, name, `must be a list of schedulers, got ${show(x)}`);
      return x;
  }
}

/**
 * Fill PyTorch's defaults and check every value. Unknown names are an error (a typo must not
 * silently train with a default), except PyTorch's implementation flags.
 */
export function resolveHyperparams<H>(
  owner: string,
  schema: HyperSchema<H>,
  given: Record<string, unknown> = {},
): H {
  for (const name of Object.keys(given)) {
    if (!(name in schema) && !IMPLEMENTATION_FLAGS.has(name)) {
      throw new AttrError(
        owner,
        name,
        `is not a parameter of ${owner} (expected one of ${Object.keys(schema).join(', ')})`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema) as [string, HyperSpec][]) {
    const value = given[name] === undefined ? spec.default : given[name];
    out[name] = checkHyper(owner, name, spec, value);
  }
  return out as H;
}

/** The defaults of a schema, as a config object. */
export function defaultsOf<H>(schema: HyperSchema<H>): H {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema) as [string, HyperSpec][]) {
    out[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return out as H;
}
