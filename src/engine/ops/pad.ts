import { run } from '../dispatch.ts';
import { AttrError, type OpError, ShapeError } from '../errors.ts';
import type { CpuTensor } from '../op.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { sameShape } from '../shape.ts';
import { allocStorage, floatFrom, type Shape, sizeOf, stridesOf } from '../tensor.ts';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

export interface PadAttrs {
  /** F.pad order: [last_lo, last_hi, 2nd_last_lo, 2nd_last_hi, …] */
  pad: number[];
  mode: PadMode;
  /** the fill of constant mode */
  value: number;
}

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/** Padding before and after each dim of the input, in dim order (0 where F.pad gives none). */
export function padsPerDim(rank: number, pad: readonly number[]): [number, number][] {
  const pairs: [number, number][] = Array.from({ length: rank }, () => [0, 0]);
  for (let k = 0; 2 * k < pad.length; k++) pairs[rank - 1 - k] = [pad[2 * k], pad[2 * k + 1]];
  return pairs;
}

/** F.pad's checks on the attrs, with PyTorch 1.13's messages (aten PadNd.cpp). */
function attrProblem(shape: Shape, { pad, mode, value }: PadAttrs): OpError | null {
  if (!MODES.includes(mode)) {
    return new AttrError('pad', 'mode', `must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
  if (!Array.isArray(pad) || pad.some((p) => !Number.isInteger(p))) {
    return new AttrError('pad', 'pad', `must be a list of ints, got ${JSON.stringify(pad)}`);
  }
  if (pad.length % 2 !== 0) return new AttrError('pad', 'pad', 'Padding length must be divisible by 2');
  if (pad.length > 2 * shape.length) return new AttrError('pad', 'pad', 'Padding length too large');
  if (mode === 'constant') {
    return typeof value === 'number'
      ? null
      : new AttrError('pad', 'value', `must be a number, got ${JSON.stringify(value)}`);
  }
  if (value !== 0 && value !== undefined) {
    return new AttrError('pad', 'value', `Padding mode "${mode}" doesn't take in value argument`);
  }
  // PyTorch has 1-, 2- and 3-d kernels for these modes, each with or without a batch dim
  const spatial = pad.length / 2;
  if (spatial < 1 || (shape.length !== spatial + 1 && shape.length !== spatial + 2)) {
    return new ShapeError(
      'pad',
      'Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now',
    );
  }
  return null;
}

/** The padded shape, or the error F.pad would raise. */
export function paddedShape(shape: Shape, attrs: PadAttrs): number[] | OpError {
  const problem = attrProblem(shape, attrs);
  if (problem) return problem;
  const { pad, mode } = attrs;
  const pairs = padsPerDim(shape.length, pad);
  if (mode !== 'constant') {
    // PyTorch's kernels check the last dim (width) first
    for (let d = shape.length - 1; d >= 0; d--) {
      const problem = nonConstantProblem(mode, shape, d, pairs[d][0], pairs[d][1]);
      if (problem) return problem;
    }
  }
  const result: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const [lo, hi] = pairs[d];
    const n = shape[d];
    const size = n + lo + hi;
    if (mode === 'constant' && size < 0) {
      return new ShapeError(
        'pad',
        `The input size ${n}, plus negative padding ${lo} and ${hi} resulted in a negative output size, which is invalid. Check dimension ${d} of your input.`,
        [{ input: 0, dim: d }],
      );
    }
    result.push(size);
  }
  return result;
}

function nonConstantProblem(mode: PadMode, shape: Shape, d: number, lo: number, hi: number): OpError | null {
  if (lo === 0 && hi === 0) return null;
  const n = shape[d];
  if (lo < 0 || hi < 0)
    return new AttrError(
      'pad',
      'pad',
      `negative padding is only supported in constant mode, got (${lo}, ${hi})`,
    );
  if (mode === 'reflect' && (lo >= n || hi >= n)) {
    const argument = 4 + 2 * (shape.length - 1 - d);
    return new ShapeError(
      'pad',
      `Argument #${argument}: Padding size should be less than the corresponding input dimension, but got: padding (${lo}, ${hi}) at dimension ${d} of input [${shape.join(', ')}]`,
      [{ input: 0, dim: d }],
    );
  }
  if (mode === 'replicate' && n === 0) {
    return new ShapeError(
      'pad',
      `replicate padding needs a non-empty dimension ${d} of input [${shape.join(', ')}]`,
    );
  }
  if (mode === 'circular' && (lo > n || hi > n)) {
    return new ShapeError('pad', 'Padding value causes wrapping around more than once.', [
      { input: 0, dim: d },
    ]);
  }
  return null;
}

/** For one dim: the input index each output index reads, or −1 for the constant fill. */
function sourceIndices(mode: PadMode, n: number, lo: number, size: number): Int32Array {
  const map = new Int32Array(size);
  for (let j = 0; j < size; j++) {
    const i = j - lo;
    if (i >= 0 && i < n) map[j] = i;
    else if (mode === 'constant') map[j] = -1;
    else if (mode === 'reflect') map[j] = i < 0 ? -i : 2 * (n - 1) - i;
    else if (mode === 'replicate') map[j] = i < 0 ? 0 : n - 1;
    else map[j] = ((i % n) + n) % n;
  }
  return map;
}

/**
 * Walk the padded shape and hand each output position with the input offset it reads
 * (−1 for a constant fill). Forward gathers with it; the gradient scatter-adds.
 */
function eachSource(
  inShape: Shape,
  outShape: Shape,
  attrs: PadAttrs,
  visit: (o: number, src: number) => void,
): void {
  const rank = outShape.length;
  const size = sizeOf(outShape);
  if (rank === 0) {
    visit(0, 0);
    return;
  }
  const pairs = padsPerDim(rank, attrs.pad);
  const maps = outShape.map((s, d) => sourceIndices(attrs.mode, inShape[d], pairs[d][0], s));
  const strides = stridesOf(inShape);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < size; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) {
      const i = maps[d][index[d]];
      if (i < 0) {
        src = -1;
        break;
      }
      src += i * strides[d];
    }
    visit(o, src);
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
}

function padForward(x: CpuTensor, outShape: Shape, attrs: PadAttrs) {
  const result = allocStorage(x.dtype, sizeOf(outShape));
  const src = x.data;
  eachSource(x.shape, outShape, attrs, (o, i) => {
    result[o] = i < 0 ? attrs.value : src[i];
  });
  return result;
}

export const pad: OpDef<PadAttrs> = defineOp<PadAttrs>({
  name: 'pad',
  kind: 'movement',
  inputs: [{ name: 'x' }],
  defaults: { mode: 'constant', value: 0 },
  shape([x], attrs) {
    const s = paddedShape(x!.shape, attrs);
    return s instanceof Error ? s : out(s, x!.dtype);
  },
  forward: { cpu: ([x], attrs, [o]) => [padForward(x!, o.shape, attrs)] },
  vjp({ inputs: [x] }, [dy], attrs) {
    // constant padding is undone by cropping (padding by the negated amounts)
    if (attrs.mode === 'constant') {
      return [run('pad', [dy], { pad: attrs.pad.map((p) => -p), mode: 'constant', value: 0 })];
    }
    return [run('pad_backward', [dy], { ...attrs, shape: [...x!.shape] })];
  },
  formula: 'dX = dY cropped to X (reflect/replicate: edge copies add into their source)',
});

export interface PadBackwardAttrs extends PadAttrs {
  /** the padded input's shape */
  shape: number[];
}

/** Reflect/replicate/circular pad's gradient: every output position adds into the input it copied. */
export const pad_backward: OpDef<PadBackwardAttrs> = defineOp<PadBackwardAttrs>({
  name: 'pad_backward',
  kind: 'backward',
  inputs: [{ name: 'dy' }],
  shape([dy], attrs) {
    const padded = paddedShape(attrs.shape, attrs);
    if (padded instanceof Error) return padded;
    if (!sameShape(padded, dy!.shape)) {
      return new ShapeError(
        'pad_backward',
        `pad_backward: gradient [${dy!.shape}] does not match padded shape [${padded}]`,
      );
    }
    return out(attrs.shape, dy!.dtype);
  },
  forward: {
    cpu([dy], attrs, [o]) {
      const acc = new Float64Array(sizeOf(o.shape));
      const g = dy!.data;
      eachSource(attrs.shape, dy!.shape, attrs, (j, i) => {
        if (i >= 0) acc[i] += g[j];
      });
      return [floatFrom(o.dtype, acc)];
    },
  },
  formula: 'dX[i] = Σ dY[j] over the padded positions j that copy X[i]',
});
