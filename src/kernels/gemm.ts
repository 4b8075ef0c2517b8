/**
 * Reference / portable float64 GEMM, BLAS-style, row-major:
 *
 *   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C
 *
 * op(X) = X or Xᵀ according to transA / transB. Each matrix is addressed as
 * (array, offset, leading dimension): element (i, j) of a row-major matrix stored
 * at `off` with leading dimension `ld` is `X[off + i*ld + j]`.
 * When beta === 0, C is not read (so it may hold garbage / NaN).
 *
 * This is the portable TypeScript kernel; faster backends (WASM SIMD, threads,
 * native BLAS) implement the same signature, see backend.ts.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  // scale C by beta first
  for (let i = 0; i < m; i++) {
    const row = cOff + i * ldc;
    if (beta === 0) for (let j = 0; j < n; j++) C[row + j] = 0;
    else if (beta !== 1) for (let j = 0; j < n; j++) C[row + j] *= beta;
  }
  if (alpha === 0 || k === 0) return;
  // A element (i,p): transA ? A[aOff + p*lda + i] : A[aOff + i*lda + p]
  // B element (p,j): transB ? B[bOff + j*ldb + p] : B[bOff + p*ldb + j]
  for (let i = 0; i < m; i++) {
    const crow = cOff + i * ldc;
    for (let p = 0; p < k; p++) {
      const a = alpha * (transA ? A[aOff + p * lda + i] : A[aOff + i * lda + p]);
      if (a === 0) continue;
      if (!transB) {
        const brow = bOff + p * ldb;
        for (let j = 0; j < n; j++) C[crow + j] += a * B[brow + j];
      } else {
        for (let j = 0; j < n; j++) C[crow + j] += a * B[bOff + j * ldb + p];
      }
    }
  }
}
