/** Shared by the pooling layers: a nullable kernel-size-like param, and the window checks. */
import { describeValue, type ParamSpec, p } from '../params.ts';
import type { ShapeIssue } from '../types.ts';
import { rangeIssue } from './checks.ts';

/** `stride` of a pool: null (PyTorch's None) means the kernel size. */
export function nullableTuple(o: {
  default: null;
  length: number;
  min: number;
  doc?: string;
}): ParamSpec<number | number[] | null> {
  const inner = p.intTuple({ default: 1, length: o.length, min: o.min });
  return {
    ...inner,
    default: null,
    doc: o.doc,
    nullable: true,
    check: (v) => (v === null ? null : (inner.check(v)?.replace(/^expected /, 'expected null or ') ?? null)),
  };
}

/** PyTorch: "pad should be at most half of effective kernel size" — names padding and its range. */
export function poolPaddingIssue(
  node: string,
  padding: number[],
  kernel: number[],
  dilation: number[],
  given: unknown,
): ShapeIssue[] {
  const limit = kernel.map((k, i) => Math.floor((dilation[i] * (k - 1) + 1) / 2));
  if (padding.every((pd, i) => pd <= limit[i])) return [];
  return rangeIssue(
    node,
    'padding',
    `at most half the (dilated) kernel size, ≤ ${limit.join(', ')}`,
    given,
    `pad should be at most half of effective kernel size, but got pad=${padding[0]}, kernel_size=${kernel[0]} and dilation=${dilation[0]}`,
  );
}

/** An output of zero (or fewer) positions: the window does not fit. */
export function poolFitIssue(node: string, input: number[], out: number[], kernel: unknown): ShapeIssue[] {
  if (out.every((o) => o > 0)) return [];
  return rangeIssue(
    node,
    'kernel_size',
    `at most the padded input size ${input.join(' x ')}`,
    kernel,
    `Given input size: (${input.join('x')}). Calculated output size: (${out.join('x')}). Output size is too small (${describeValue(kernel)})`,
  );
}
