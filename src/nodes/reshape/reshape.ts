import { defineNode, tensorPort } from '../define.ts';
import { p } from '../params.ts';
import { formatDims, productOf } from '../shapes.ts';
import type { Dim, ShapeIssue, TensorType } from '../types.ts';

function symbolsOf(dims: readonly Dim[]): string[] {
  return dims.filter((d): d is string => typeof d === 'string').sort();
}

function numericProduct(dims: readonly Dim[]): number {
  return dims.reduce<number>((n, d) => (typeof d === 'number' ? n * d : n), 1);
}

/** Removes `sub` from the sorted multiset `all`, or null when `sub` is not inside it. */
function without(all: string[], sub: string[]): string[] | null {
  const rest = [...all];
  for (const s of sub) {
    const i = rest.indexOf(s);
    if (i < 0) return null;
    rest.splice(i, 1);
  }
  return rest;
}

/**
 * The target shape of torch.reshape with its -1 filled in. With symbols the sizes must cancel
 * exactly: every symbol of the target is one of the input's, and the numbers divide.
 */
export function reshapeDims(x: TensorType, target: readonly Dim[]): Dim[] | ShapeIssue {
  const invalid = (): ShapeIssue => ({
    severity: 'error',
    code: 'reshape',
    port: 'input',
    message: `shape '${formatDims(target)}' is invalid for input of size ${productOf(x.dims)}`,
  });
  const known = target.filter((d) => d !== -1);
  const restSymbols = without(symbolsOf(x.dims), symbolsOf(known));
  if (!restSymbols) return invalid();
  const inNumeric = numericProduct(x.dims);
  const outNumeric = numericProduct(known);
  const hole = target.indexOf(-1);
  if (hole < 0) return restSymbols.length === 0 && inNumeric === outNumeric ? [...target] : invalid();
  if (outNumeric === 0 || inNumeric % outNumeric !== 0) return invalid();
  const filled = productOf([...restSymbols, inNumeric / outNumeric]);
  return target.map((d) => (d === -1 ? filled : d));
}

/** torch.reshape: the same values under another shape (one dim may be -1). */
export const Reshape = defineNode({
  type: 'Reshape',
  group: 'reshape',
  aliases: ['reshape', 'view'],
  doc: 'Gives the same values another shape; one dim may be -1 (inferred). Symbols must match.',
  formula: 'y = x with shape s, Π s = Π x.shape (row-major order kept)',
  params: { shape: p.dims({ default: ['N', -1], allowInfer: true }) },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params, ctx) {
    if (!x) return [{ severity: 'error', code: 'missing_input', message: 'Reshape needs an input' }];
    const dims = reshapeDims(
      x,
      params.shape.map((d) => ctx.resolve(d)),
    );
    return Array.isArray(dims) ? [{ dtype: x.dtype, dims }] : [dims];
  },
  lower: (b, [x], _params, shapes) => b.op('reshape', [x], { shape: shapes.outputs[0] }),
  paramCount: () => 0,
});
