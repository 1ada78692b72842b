import { broadcastStrides } from '../backends/cpu/elementwise.ts';
import { gemm } from '../backends/cpu/matmul.ts';
import { DTypeError } from '../errors.ts';
import { matmul as mm, reshape, sumTo, transpose } from '../functional.ts';
import { defineOp, type NoAttrs, type OpDef, out } from '../op.ts';
import { matmulShape } from '../shape.ts';
import { allocFloat, floatTypeOf, isFloat, sizeOf, type Shape, type Tensor } from '../tensor.ts';

/** torch.matmul's operand promotion: a 1-D left gets a 1 prepended, a 1-D right a 1 appended. */
function promoted(a: Shape, b: Shape): { a: number[]; b: number[]; batch: number[] } {
  const pa = a.length === 1 ? [1, a[0]] : [...a];
  const pb = b.length === 1 ? [b[0], 1] : [...b];
  const ba = pa.slice(0, -2);
  const bb = pb.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const batch = Array.from({ length: rank }, (_, i) => {
    const x = ba[i - (rank - ba.length)] ?? 1;
    const y = bb[i - (rank - bb.length)] ?? 1;
    return x === 1 ? y : x;
  });
  return { a: pa, b: pb, batch };
}

export const matmul: OpDef<NoAttrs> = defineOp({
  name: 'matmul',
  kind: 'matmul',
  inputs: [{ name: 'a' }, { name: 'b' }],
  shape([a, b]) {
    if (!isFloat(a!.dtype) || !isFloat(b!.dtype)) {
      return new DTypeError(
        'matmul',
        `expected float32 or float64 operands, got ${a!.dtype} and ${b!.dtype}`,
      );
    }
    const s = matmulShape(a!.shape, b!.shape);
    return s instanceof Error ? s : out(s, floatTypeOf(a, b));
  },
  forward: {
    cpu([a, b], _attrs, [o]) {
      const p = promoted(a!.shape, b!.shape);
      const [M, K] = p.a.slice(-2);
      const N = p.b[p.b.length - 1];
      const batches = sizeOf(p.batch);
      const c = allocFloat(o.dtype, batches * M * N);
      const sa = broadcastStrides(p.a.slice(0, -2), p.batch);
      const sb = broadcastStrides(p.b.slice(0, -2), p.batch);
      const idx = new Array<number>(p.batch.length).fill(0);
      for (let t = 0; t < batches; t++) {
        let oa = 0;
        let ob = 0;
        for (let d = 0; d < idx.length; d++) {
          oa += idx[d] * sa[d];
          ob += idx[d] * sb[d];
        }
        gemm(a!.data, oa * M * K, b!.data, ob * K * N, c, t * M * N, M, K, N);
        for (let d = idx.length - 1; d >= 0; d--) {
          if (++idx[d] < p.batch[d]) break;
          idx[d] = 0;
        }
      }
      return [c];
    },
  },
  vjp({ inputs: [a, b], needsGrad }, [dy]) {
    const p = promoted(a!.shape, b!.shape);
    const A = reshape(a!, p.a);
    const B = reshape(b!, p.b);
    const dY = reshape(dy, [...p.batch, p.a[p.a.length - 2], p.b[p.b.length - 1]]);
    const back = (g: Tensor, promotedShape: number[], shape: Shape) =>
      reshape(sumTo(g, [...promotedShape]), [...shape]);
    return [
      needsGrad[0] ? back(mm(dY, transpose(B, -2, -1)), p.a, a!.shape) : null,
      needsGrad[1] ? back(mm(transpose(A, -2, -1), dY), p.b, b!.shape) : null,
    ];
  },
  formula: 'dA = dY·Bᵀ, dB = Aᵀ·dY (summed over broadcast batch dims)',
});
