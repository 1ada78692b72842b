/**
 * Param values to and from what a text field holds. Parsing never guesses past the spec:
 * the result goes through the spec's own `check`, whose message the inspector shows.
 */
import type { ParamSpec, ParamValue } from '../../nodes/index.ts';

export function toText(value: ParamValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** Text typed for a param → its value (or the raw text, which `check` then rejects). */
export function fromText(spec: ParamSpec, text: string): ParamValue {
  const t = text.trim();
  if (t === '' && spec.nullable) return null;
  switch (spec.kind) {
    case 'int':
    case 'float':
      return t === '' || Number.isNaN(Number(t)) ? t : Number(t);
    case 'intTuple': {
      const parts = t.split(/[\s,×x]+/).filter(Boolean);
      const nums = parts.map(Number);
      if (nums.some(Number.isNaN)) return t;
      return nums.length === 1 ? nums[0] : nums;
    }
    case 'dims':
      return t
        .replace(/^\[|\]$/g, '')
        .split(/[\s,×]+/)
        .filter(Boolean)
        .map((p) => (/^-?\d+$/.test(p) ? Number(p) : p));
    case 'bool':
      return t === 'true';
    default:
      return text;
  }
}

/** Null when valid, else the spec's message. */
export function validate(spec: ParamSpec, text: string): { value: ParamValue; error: string | null } {
  const value = fromText(spec, text);
  return { value, error: spec.check(value) };
}
