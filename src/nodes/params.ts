/**
 * Param declarations: type, PyTorch default, range or options, and a check that says what
 * was expected and what was given ("expected a positive integer, got -2"). Loading,
 * the inspector and edits all validate through the same `check`.
 */
import type { Dim, ParamValue } from './types.ts';

export interface ParamSpec<T extends ParamValue = ParamValue> {
  kind: 'int' | 'float' | 'bool' | 'enum' | 'intTuple' | 'dims' | 'string';
  /** PyTorch's default where PyTorch has one; otherwise a sensible starting value */
  default: T;
  doc?: string;
  min?: number;
  max?: number;
  /** enum choices */
  options?: readonly string[];
  /** intTuple: how many entries a list must have (a single int means "all the same") */
  length?: number;
  /** null is allowed (PyTorch's `None`) */
  nullable?: boolean;
  /** null when `value` is valid, else "expected …, got …" */
  check(value: unknown): string | null;
}

/** The params type a schema describes: `{ in_features: number, bias: boolean }`. */
export type ParamsOf<S> = { [K in keyof S]: S[K] extends ParamSpec<infer T> ? T : never };

export type ParamSchema = Record<string, ParamSpec<any>>;

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  if (text === undefined) return typeof value;
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function integerWord(min?: number, max?: number): string {
  if (max === undefined) {
    if (min === 1) return 'a positive integer';
    if (min === 0) return 'a non-negative integer';
    if (min !== undefined) return `an integer >= ${min}`;
    return 'an integer';
  }
  return `an integer in [${min ?? '-inf'}, ${max}]`;
}

function isIntIn(v: unknown, min?: number, max?: number): v is number {
  return (
    typeof v === 'number' &&
    Number.isInteger(v) &&
    (min === undefined || v >= min) &&
    (max === undefined || v <= max)
  );
}

function withNull<T extends ParamValue>(spec: ParamSpec<T>, nullable?: boolean): ParamSpec<T> {
  if (!nullable) return spec;
  const inner = spec.check;
  return {
    ...spec,
    nullable: true,
    check: (v) => (v === null ? null : (inner(v)?.replace(/^expected /, 'expected null or ') ?? null)),
  };
}

interface Common<T> {
  default: T;
  doc?: string;
}

/** Declare params with these: `params: { out_features: p.int({ default: 10, min: 1 }) }`. */
export const p = {
  int<N extends boolean = false>(
    o: Common<N extends true ? number | null : number> & { min?: number; max?: number; nullable?: N },
  ): ParamSpec<N extends true ? number | null : number> {
    const want = integerWord(o.min, o.max);
    const spec: ParamSpec<any> = {
      kind: 'int',
      ...o,
      check: (v) => (isIntIn(v, o.min, o.max) ? null : `expected ${want}, got ${describeValue(v)}`),
    };
    return withNull(spec, o.nullable);
  },

  float<N extends boolean = false>(
    o: Common<N extends true ? number | null : number> & {
      min?: number;
      max?: number;
      /** min itself is not allowed (lr > 0) */
      exclusiveMin?: boolean;
      nullable?: N;
    },
  ): ParamSpec<N extends true ? number | null : number> {
    const low = o.min === undefined ? '' : `${o.exclusiveMin ? '>' : '>='} ${o.min}`;
    const high = o.max === undefined ? '' : `<= ${o.max}`;
    const want = `a number${low || high ? ` ${[low, high].filter(Boolean).join(' and ')}` : ''}`;
    const ok = (v: unknown) =>
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (o.min === undefined || (o.exclusiveMin ? v > o.min : v >= o.min)) &&
      (o.max === undefined || v <= o.max);
    const spec: ParamSpec<any> = {
      kind: 'float',
      ...o,
      check: (v) => (ok(v) ? null : `expected ${want}, got ${describeValue(v)}`),
    };
    return withNull(spec, o.nullable);
  },

  bool(o: Common<boolean>): ParamSpec<boolean> {
    return {
      kind: 'bool',
      ...o,
      check: (v) => (typeof v === 'boolean' ? null : `expected true or false, got ${describeValue(v)}`),
    };
  },

  enum<const O extends readonly string[]>(options: O, o: Common<O[number]>): ParamSpec<O[number]> {
    const want = options.map((x) => `'${x}'`).join(', ');
    return {
      kind: 'enum',
      options,
      ...o,
      check: (v) =>
        typeof v === 'string' && options.includes(v)
          ? null
          : `expected one of ${want}, got ${describeValue(v)}`,
    };
  },

  /** kernel_size-like: one int for every spatial dim, or a list of `length` ints */
  intTuple(o: Common<number | number[]> & { length: number; min?: number }): ParamSpec<number | number[]> {
    const want = `${integerWord(o.min)} or a list of ${o.length} of them`;
    const ok = (v: unknown) =>
      isIntIn(v, o.min) || (Array.isArray(v) && v.length === o.length && v.every((x) => isIntIn(x, o.min)));
    return {
      kind: 'intTuple',
      ...o,
      check: (v) => (ok(v) ? null : `expected ${want}, got ${describeValue(v)}`),
    };
  },

  /** a shape: sizes and symbol names, e.g. ['N', 1, 28, 28]; `allowInfer` lets one entry be -1 */
  dims(o: Common<Dim[]> & { allowInfer?: boolean }): ParamSpec<Dim[]> {
    const entry = (d: unknown) => isIntIn(d, 0) || isSymbol(d) || (o.allowInfer === true && d === -1);
    const ok = (v: unknown) =>
      Array.isArray(v) && v.length <= 8 && v.every(entry) && v.filter((d) => d === -1).length <= 1;
    const want = `a list of at most 8 sizes (non-negative integers or names like 'N'${o.allowInfer ? ', at most one -1' : ''})`;
    return { kind: 'dims', ...o, check: (v) => (ok(v) ? null : `expected ${want}, got ${describeValue(v)}`) };
  },

  string(o: Common<string> & { maxLength?: number }): ParamSpec<string> {
    const max = o.maxLength ?? 200;
    return {
      kind: 'string',
      ...o,
      check: (v) =>
        typeof v === 'string' && v.length <= max
          ? null
          : `expected a text of at most ${max} characters, got ${describeValue(v)}`,
    };
  },
};

/** A symbol name: a letter or underscore, then letters, digits, underscores or primes. */
export function isSymbol(d: unknown): d is string {
  return typeof d === 'string' && /^[A-Za-z_][A-Za-z0-9_']{0,31}$/.test(d);
}

/** Expand a kernel_size-like value to one entry per spatial dim. */
export function tuple(v: number | readonly number[], length: number): number[] {
  return typeof v === 'number' ? new Array<number>(length).fill(v) : [...v];
}

/** Every param at its default. */
export function defaultParams<S extends ParamSchema>(schema: S): ParamsOf<S> {
  const out: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(schema)) out[name] = spec.default;
  return out as ParamsOf<S>;
}
