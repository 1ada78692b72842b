/**
 * Single-threaded float32 GEMM for the CPU backend, in the GotoBLAS shape: B is packed into
 * 4-column panels one K-block at a time, A into 4-row panels one (M, K)-block at a time, and
 * a 4×4 register-tiled micro-kernel runs over the packed panels. Packing makes every operand
 * layout (plain, transposed A, transposed B) feed the same inner loop, and keeps the panels
 * the inner loop touches in L1/L2 (B panel: KC·4 floats; A block: MC·KC floats).
 *
 * Every entry point ADDS into `c` (row-major, leading dimension N), like BLAS with beta = 1.
 * A float64 `c` takes its own loop (gemmFloat64) instead: the packed panels are float32.
 */
import type { FloatStorage } from '../../tensor.ts';

/** K-block depth: a packed B panel (KC × 4 floats = 4 KiB) stays in L1. */
const KC = 256;
/** M-block height: a packed A block (MC × KC floats = 64 KiB) stays in L2. */
const MC = 64;
/** Below this many multiply-adds the packing costs more than it saves. */
const SMALL = 4096;

// Scratch panels, grown on demand and reused: no allocation per call once warm.
const packedA = new Float32Array(MC * KC);
let packedB = new Float32Array(KC * 64);
const edgeTile = new Float64Array(16);

/**
 * C[M,N] += A·B where A(i,k) = a[aOff + i·aRow + k·aCol] and B(k,j) = b[bOff + k·bRow + j·bCol].
 * The strides let one routine serve A, Aᵀ, B and Bᵀ without copying the operands.
 */
export function gemmStrided(
  a: ArrayLike<number>,
  aOff: number,
  aRow: number,
  aCol: number,
  b: ArrayLike<number>,
  bOff: number,
  bRow: number,
  bCol: number,
  c: FloatStorage,
  cOff: number,
  M: number,
  K: number,
  N: number,
): void {
  if (M === 0 || N === 0 || K === 0) return;
  if (c instanceof Float64Array) {
    gemmFloat64(a, b, c, { aOff, aRow, aCol, bOff, bRow, bCol, cOff, cRow: N, cCol: 1, M, K, N });
    return;
  }
  if (M * N * K <= SMALL) {
    gemmSimple(a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff, M, K, N);
    return;
  }
  const panelsB = (N + 3) >> 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    if (packedB.length < panelsB * kc * 4) packedB = new Float32Array(panelsB * KC * 4);
    packPanels(b, bOff + k0 * bRow, bCol, bRow, N, kc, packedB);
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = Math.min(MC, M - i0);
      packPanels(a, aOff + i0 * aRow + k0 * aCol, aRow, aCol, mc, kc, packedA);
      for (let jp = 0; jp < panelsB; jp++) {
        const j0 = jp * 4;
        const nr = Math.min(4, N - j0);
        for (let ip = 0; ip * 4 < mc; ip++) {
          const mr = Math.min(4, mc - ip * 4);
          microKernel(
            packedA,
            ip * kc * 4,
            packedB,
            jp * kc * 4,
            kc,
            c,
            cOff + (i0 + ip * 4) * N + j0,
            N,
            mr,
            nr,
          );
        }
      }
    }
  }
}

/**
 * Pack `count` lines (rows of A, or columns of B) of a K-block into 4-line panels, k-major
 * inside a panel, lines past `count` zero. `lineStride` steps to the next line, `kStride`
 * along K, so one routine serves both operands in any layout.
 */
function packPanels(
  src: ArrayLike<number>,
  off: number,
  lineStride: number,
  kStride: number,
  count: number,
  kc: number,
  p: Float32Array,
) {
  const panels = (count + 3) >> 2;
  for (let panel = 0; panel < panels; panel++) {
    const first = panel * 4;
    const lines = Math.min(4, count - first);
    let d = panel * kc * 4;
    let at = off + first * lineStride;
    if (lines === 4) {
      const l1 = lineStride;
      const l2 = 2 * lineStride;
      const l3 = 3 * lineStride;
      for (let k = 0; k < kc; k++, d += 4, at += kStride) {
        p[d] = src[at];
        p[d + 1] = src[at + l1];
        p[d + 2] = src[at + l2];
        p[d + 3] = src[at + l3];
      }
    } else {
      for (let k = 0; k < kc; k++, d += 4, at += kStride) {
        for (let q = 0; q < 4; q++) p[d + q] = q < lines ? src[at + q * lineStride] : 0;
      }
    }
  }
}

/** C[4×4 tile] += A panel · B panel, sixteen accumulators kept in registers. */
// biome-ignore format: the 4×4 register tile reads best as a grid
function microKernel(
  pa: Float32Array,
  aBase: number,
  pb: Float32Array,
  bBase: number,
  kc: number,
  c: Float32Array,
  cAt: number,
  ldc: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = aBase + kc * 4;
  for (let ia = aBase, ib = bBase; ia < end; ia += 4, ib += 4) {
    const b0 = pb[ib];
    const b1 = pb[ib + 1];
    const b2 = pb[ib + 2];
    const b3 = pb[ib + 3];
    const x0 = pa[ia];
    const x1 = pa[ia + 1];
    const x2 = pa[ia + 2];
    const x3 = pa[ia + 3];
    c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
    c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
    c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
    c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3;
  }
  if (mr === 4 && nr === 4) {
    let r = cAt;
    c[r] += c00; c[r + 1] += c01; c[r + 2] += c02; c[r + 3] += c03;
    r += ldc;
    c[r] += c10; c[r + 1] += c11; c[r + 2] += c12; c[r + 3] += c13;
    r += ldc;
    c[r] += c20; c[r + 1] += c21; c[r + 2] += c22; c[r + 3] += c23;
    r += ldc;
    c[r] += c30; c[r + 1] += c31; c[r + 2] += c32; c[r + 3] += c33;
    return;
  }
  // an edge tile: park the accumulators in scratch and store only the rows/columns inside C
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  for (let i = 0; i < mr; i++) for (let j = 0; j < nr; j++) c[cAt + i * ldc + j] += t[i * 4 + j];
}

/** Plain triple loop for tiny products, where packing would dominate. */
function gemmSimple(
  a: ArrayLike<number>,
  aOff: number,
  aRow: number,
  aCol: number,
  b: ArrayLike<number>,
  bOff: number,
  bRow: number,
  bCol: number,
  c: Float32Array,
  cOff: number,
  M: number,
  K: number,
  N: number,
): void {
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * N;
    for (let k = 0; k < K; k++) {
      const aik = a[aOff + i * aRow + k * aCol];
      const bk = bOff + k * bRow;
      for (let j = 0; j < N; j++) c[ci + j] += aik * b[bk + j * bCol];
    }
  }
}

interface StridedLayout {
  aOff: number;
  aRow: number;
  aCol: number;
  bOff: number;
  bRow: number;
  bCol: number;
  cOff: number;
  cRow: number;
  cCol: number;
  M: number;
  K: number;
  N: number;
}

/**
 * The float64 path (gradient checks): dot products summed in registers, four outputs of a row
 * at a time so each A element is loaded once per four. A narrow C (N < 4: a conv with one output
 * position) is computed as Cᵀ = Bᵀ·Aᵀ, whose rows are long.
 */
function gemmFloat64(a: ArrayLike<number>, b: ArrayLike<number>, c: Float64Array, g: StridedLayout): void {
  if (g.N < 4 && g.M > g.N) {
    const t = { aOff: g.bOff, aRow: g.bCol, aCol: g.bRow, bOff: g.aOff, bRow: g.aCol, bCol: g.aRow };
    gemmFloat64(b, a, c, { ...t, cOff: g.cOff, cRow: g.cCol, cCol: g.cRow, M: g.N, K: g.K, N: g.M });
    return;
  }
  const { aRow, aCol, bRow, bCol, cRow, cCol, M, K, N } = g;
  for (let i = 0; i < M; i++) {
    const ai = g.aOff + i * aRow;
    const ci = g.cOff + i * cRow;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0, x = ai, y = g.bOff + j * bCol; k < K; k++, x += aCol, y += bRow) {
        const v = a[x];
        s0 += v * b[y];
        s1 += v * b[y + bCol];
        s2 += v * b[y + 2 * bCol];
        s3 += v * b[y + 3 * bCol];
      }
      c[ci + j * cCol] += s0;
      c[ci + (j + 1) * cCol] += s1;
      c[ci + (j + 2) * cCol] += s2;
      c[ci + (j + 3) * cCol] += s3;
    }
    for (; j < N; j++) {
      let sum = 0;
      for (let k = 0, x = ai, y = g.bOff + j * bCol; k < K; k++, x += aCol, y += bRow) sum += a[x] * b[y];
      c[ci + j * cCol] += sum;
    }
  }
}

/** C[M,N] += A[M,K]·B[K,N], all row-major. */
export function gemm(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  c: FloatStorage,
  cOff: number,
  M: number,
  K: number,
  N: number,
): void {
  gemmStrided(a, aOff, K, 1, b, bOff, N, 1, c, cOff, M, K, N);
}

/** C[M,N] += Aᵀ·B where A is stored row-major as [K,M] (e.g. dW = dYᵀ·X), B as [K,N]. */
export function gemmTransA(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  c: FloatStorage,
  cOff: number,
  M: number,
  K: number,
  N: number,
): void {
  gemmStrided(a, aOff, 1, M, b, bOff, N, 1, c, cOff, M, K, N);
}

/** C[M,N] += A·Bᵀ where A is [M,K] and B is stored row-major as [N,K] (e.g. y = x·Wᵀ). */
export function gemmTransB(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  c: FloatStorage,
  cOff: number,
  M: number,
  K: number,
  N: number,
): void {
  gemmStrided(a, aOff, K, 1, b, bOff, 1, K, c, cOff, M, K, N);
}
