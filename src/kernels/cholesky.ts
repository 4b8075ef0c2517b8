/**
 * Cholesky factorization A = L·Lᵀ of a symmetric positive definite matrix,
 * row-major float64, one matrix per call.
 *
 * Layer-1 kernel: a non-positive pivot is reported through `info` /
 * `pivotValue`, never thrown; RangeError only for bad dimensions.
 */
import { checkDim, checkLen, gemmRM } from "./util.js";
import { trsm } from "./triangular.js";

export interface CholeskyResult {
  /**
   * n×n row-major lower-triangular L with A = L·Lᵀ; the strictly upper part is
   * zero. When info ≥ 0 only the leading info×info block is a valid factor
   * (the rest of `l` is unspecified).
   */
  l: Float64Array;
  /** −1 on success, else the 0-based index of the first pivot that is not positive (or NaN). */
  info: number;
  /**
   * The failing pivot value: the diagonal of the Schur complement at `info`
   * (A[i,i] − Σ_k L[i,k]², ≤ 0 or NaN). 0 when info = −1.
   */
  pivotValue: number;
}

const NB = 32;

/**
 * Cholesky factorization (LAPACK potrf, lower). Reads only the lower triangle
 * (incl. diagonal) of `a` (n×n row-major), which is not modified. Blocked
 * left-looking: GEMM updates of the diagonal block and of the block column,
 * unblocked diagonal factorization, trsm for the block column.
 */
export function choleskyFactor(a: Float64Array, n: number): CholeskyResult {
  checkDim("choleskyFactor", "n", n);
  checkLen("choleskyFactor", "a", a, n * n);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j <= i; j++) l[r + j] = a[r + j];
  }
  let info = -1;
  let pivotValue = 0;
  outer: for (let j0 = 0; j0 < n; j0 += NB) {
    const j1 = Math.min(n, j0 + NB);
    const jb = j1 - j0;
    // A[J,J] -= L[J,0:j0]·L[J,0:j0]ᵀ (full square block; the upper part is cleared below)
    if (j0 > 0) gemmRM(false, true, jb, jb, j0, -1, l, j0 * n, n, l, j0 * n, n, 1, l, j0 * n + j0, n);
    // unblocked factorization of the diagonal block
    for (let j = j0; j < j1; j++) {
      const rj = j * n;
      let d = l[rj + j];
      for (let k = j0; k < j; k++) d -= l[rj + k] * l[rj + k];
      if (!(d > 0)) {
        info = j;
        pivotValue = d;
        break outer;
      }
      const ljj = Math.sqrt(d);
      l[rj + j] = ljj;
      for (let i = j + 1; i < j1; i++) {
        const ri = i * n;
        let s = l[ri + j];
        for (let k = j0; k < j; k++) s -= l[ri + k] * l[rj + k];
        l[ri + j] = s / ljj;
      }
    }
    if (j1 < n) {
      // A[j1:n, J] -= L[j1:n, 0:j0]·L[J, 0:j0]ᵀ
      if (j0 > 0) gemmRM(false, true, n - j1, jb, j0, -1, l, j1 * n, n, l, j0 * n, n, 1, l, j1 * n + j0, n);
      // L[j1:n, J] = A[j1:n, J]·L[J,J]⁻ᵀ
      trsm(false, true, true, false, n - j1, jb, 1, l, j0 * n + j0, n, l, j1 * n + j0, n);
    }
  }
  // clear the strictly upper part (the diagonal-block GEMMs wrote there)
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = i + 1; j < n; j++) l[r + j] = 0;
  }
  return { l, info, pivotValue };
}

/**
 * Solve A·X = B with A = L·Lᵀ from `choleskyFactor`. Only the lower triangle
 * of `l` is read. B is n×nrhs row-major; returns a new n×nrhs array.
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array {
  checkDim("choleskySolve", "n", n);
  checkDim("choleskySolve", "nrhs", nrhs);
  checkLen("choleskySolve", "l", l, n * n);
  checkLen("choleskySolve", "b", b, n * nrhs);
  const x = b.slice(0, n * nrhs);
  trsm(true, true, false, false, n, nrhs, 1, l, 0, n, x, 0, nrhs);
  trsm(true, true, true, false, n, nrhs, 1, l, 0, n, x, 0, nrhs);
  return x;
}
