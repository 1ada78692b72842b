/**
 * C[M,N] = A[M,K]·B[K,N] on flat row-major arrays, added into `c` at the given offsets.
 * i-k-j order keeps the inner loop streaming over contiguous rows of B and C.
 */
export function gemm(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  c: Float32Array,
  cOff: number,
  M: number,
  K: number,
  N: number,
): void {
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * N;
    const ai = aOff + i * K;
    for (let k = 0; k < K; k++) {
      const aik = a[ai + k];
      if (aik === 0) continue;
      const bk = bOff + k * N;
      for (let j = 0; j < N; j++) c[ci + j] += aik * b[bk + j];
    }
  }
}
