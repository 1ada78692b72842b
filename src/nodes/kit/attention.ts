/** The key-padding mask shared by the attention layers: 1 marks a padding key to ignore (nn.MultiheadAttention's convention). */
import type { OpBuilder } from '../define.ts';
import { formatDims } from '../shapes.ts';
import type { Dim, ShapeIssue, TensorType } from '../types.ts';
import { fail } from './checks.ts';

/** What a masked score becomes: large enough to vanish in softmax, finite for float32 and WGSL. */
export const MASKED = -1e30;

export const MASK_MODES = ['none', 'causal', 'padding'] as const;

/** A key_padding_mask must be [B, S] for batch B and S keys. */
export function paddingMaskIssue(
  mask: TensorType | null,
  batch: Dim | null,
  keys: Dim,
  unify: (a: Dim, b: Dim) => boolean,
): ShapeIssue[] {
  if (!mask) {
    return fail('missing_input', "mask 'padding' needs a key_padding_mask input (1 where a key is padding)", {
      port: 'key_padding_mask',
    });
  }
  const want = batch === null ? [keys] : [batch, keys];
  if (mask.dims.length === want.length && mask.dims.every((d, i) => unify(d, want[i]))) return [];
  return fail(
    'key_padding_mask',
    `Expected key_padding_mask of shape ${formatDims(want)}, got ${formatDims(mask.dims)}`,
    {
      port: 'key_padding_mask',
    },
  );
}

/** The padding mask as additive scores shaped to broadcast over `shape` (…, 1 row, S keys). */
export function additivePadding<V>(b: OpBuilder<V>, mask: V, shape: number[]): V {
  const [scaled] = b.op('mul', [mask, b.constant([MASKED], [])]);
  return b.op('reshape', [scaled], { shape })[0];
}
