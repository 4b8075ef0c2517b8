/**
 * The native backend's factorizations: OpenBLAS's LAPACK (getrf/getri, potrf,
 * syevd, gesdd) behind the same row-major contracts and gauges as matgrad's own
 * kernels (lu.ts, cholesky.ts, eigh.ts, svd.ts), so a kernel can hand a matrix
 * to `backend().lapack` and get the same result, faster.
 *
 * Layout: a row-major r×c array read column-major is the c×r transpose, so
 *  - Cholesky and eigh (symmetric input; matgrad reads the lower triangle) run
 *    on the array as it is, asking LAPACK for the upper triangle;
 *  - the SVD of A is read off the SVD of Aᵀ = U′ΣV′ᵀ: U = V′ (VT′ column-major
 *    is exactly U row-major) and V = U′ (one transpose);
 *  - LU with row pivoting and the inverse transpose in and out (O(n²) copies
 *    beside O(n³) work).
 * Gauges are applied after the call (eigenvectors and left singular vectors:
 * largest-magnitude entry positive, first on ties). Inputs with NaN or ±Inf,
 * and LAPACK failures, return null: the caller then runs its own kernel, whose
 * reporting (info, pivot values) is the reference.
 */
import type { LuResult } from "../lu.js";
import type { CholeskyResult } from "../cholesky.js";
import type { EighResult } from "../eigh.js";
import type { SvdMode, SvdResult } from "../svd.js";

/** The LAPACK exports of the addon (column-major, see native/matgrad_blas.c). */
export interface LapackAddon {
  dgetrf(m: number, n: number, A: Float64Array, aOff: number, lda: number, ipiv: Int32Array): number;
  dgetri(n: number, A: Float64Array, aOff: number, lda: number, ipiv: Int32Array): number;
  dpotrf(lower: boolean, n: number, A: Float64Array, aOff: number, lda: number): number;
  dsyevd(wantV: boolean, lower: boolean, n: number, A: Float64Array, aOff: number, lda: number, W: Float64Array): number;
  dgesdd(
    job: 0 | 1 | 2,
    m: number,
    n: number,
    A: Float64Array,
    aOff: number,
    lda: number,
    S: Float64Array,
    U: Float64Array,
    ldu: number,
    VT: Float64Array,
    ldvt: number,
  ): number;
}

/** Factorizations a backend may run natively; each returns null to decline. */
export interface Lapack {
  /** Smallest n worth the call (below it the in-process kernels are as fast). */
  readonly minN: number;
  /** P·A = L·U (luFactor's contract); null if A is not finite. */
  luFactor(a: Float64Array, n: number): LuResult | null;
  /** A⁻¹ from luFactor's factors (getri); null with a zero pivot (the caller's kernel reports it). */
  luInverse(lu: Float64Array, piv: Int32Array, n: number): Float64Array | null;
  /** Lower L with A = L·Lᵀ from A's lower triangle; null unless A is finite and positive definite. */
  cholesky(a: Float64Array, n: number): CholeskyResult | null;
  /** Ascending eigenvalues and gauged eigenvectors (columns) from A's lower triangle. */
  eigh(a: Float64Array, n: number, wantVectors: boolean): EighResult | null;
  /** svd.ts's contract (V, not Vᵀ; gauge on U's columns). */
  svd(a: Float64Array, m: number, n: number, mode: SvdMode): SvdResult | null;
}

function allFinite(a: Float64Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[i] - a[i] !== 0) return false;
  return true;
}

/** Only the lower triangle (incl. diagonal) of a symmetric row-major matrix is read. */
function lowerFinite(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = 0, r = i * n; j <= i; j++) if (a[r + j] - a[r + j] !== 0) return false;
  return true;
}

/** out (c×r) = transpose of the r×c row-major x. */
function transpose(x: Float64Array, r: number, c: number, out = new Float64Array(r * c)): Float64Array {
  const B = 32;
  for (let i0 = 0; i0 < r; i0 += B)
    for (let j0 = 0; j0 < c; j0 += B) {
      const i1 = Math.min(r, i0 + B), j1 = Math.min(c, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * r + i] = x[i * c + j];
    }
  return out;
}

/**
 * Columns [c0, c1) of the rows×cols row-major x: flip each column whose entry
 * of largest magnitude (the first on ties) is negative, and the same columns
 * of `partner` (rows2×cols2, may be null). In place.
 */
function gaugeColumns(
  x: Float64Array,
  rows: number,
  cols: number,
  c0: number,
  c1: number,
  partner: Float64Array | null,
  rows2: number,
  cols2: number,
): void {
  for (let j = c0; j < c1; j++) {
    let best = -1, at = 0;
    for (let i = 0; i < rows; i++) {
      const v = Math.abs(x[i * cols + j]);
      if (v > best) {
        best = v;
        at = i;
      }
    }
    if (x[at * cols + j] < 0) {
      for (let i = 0; i < rows; i++) x[i * cols + j] = -x[i * cols + j];
      if (partner !== null) for (let i = 0; i < rows2; i++) partner[i * cols2 + j] = -partner[i * cols2 + j];
    }
  }
}

export function makeLapack(a: LapackAddon, minN = 24): Lapack {
  return {
    minN,

    luFactor(x, n) {
      if (!allFinite(x, n * n)) return null;
      // column-major copy of A (= row-major Aᵀ), factored in place
      const t = transpose(x, n, n);
      const ipiv = new Int32Array(n);
      const info = a.dgetrf(n, n, t, 0, Math.max(1, n), ipiv);
      const piv = new Int32Array(n);
      let swaps = 0;
      for (let i = 0; i < n; i++) {
        piv[i] = ipiv[i] - 1;
        if (piv[i] !== i) swaps++;
      }
      // LAPACK's info: first exactly-zero pivot, 1-based (0: none)
      return { lu: transpose(t, n, n), piv, sign: swaps % 2 === 0 ? 1 : -1, info: info > 0 ? info - 1 : -1 };
    },

    luInverse(lu, piv, n) {
      if (n === 0) return new Float64Array(0);
      // luFactor's row-major factors, transposed: LAPACK's column-major ones (pivots 1-based)
      const t = transpose(lu, n, n);
      const ipiv = new Int32Array(n);
      for (let i = 0; i < n; i++) ipiv[i] = piv[i] + 1;
      if (a.dgetri(n, t, 0, n, ipiv) !== 0) return null;
      return transpose(t, n, n);
    },

    cholesky(x, n) {
      if (!lowerFinite(x, n)) return null;
      // row-major lower triangle = column-major upper: A = UᵀU with U (column-major) = Lᵀ
      const l = x.slice(0, n * n);
      const info = n === 0 ? 0 : a.dpotrf(false, n, l, 0, n);
      if (info !== 0) return null;
      for (let i = 0; i < n; i++) {
        // LAPACK leaves the other triangle as it was: zero it (and reject a NaN pivot it let through)
        if (!(l[i * n + i] > 0)) return null;
        l.fill(0, i * n + i + 1, (i + 1) * n);
      }
      return { l, info: -1, pivotValue: 0 };
    },

    eigh(x, n, wantVectors) {
      if (!lowerFinite(x, n)) return null;
      const z = x.slice(0, n * n);
      const w = new Float64Array(n);
      if (n > 0 && a.dsyevd(wantVectors, false, n, z, 0, n, w) !== 0) return null;
      if (!wantVectors) return { w, v: new Float64Array(0), info: -1 };
      // z column-major: column j = eigenvector j; matgrad's v is row-major with the same columns
      const v = transpose(z, n, n);
      gaugeColumns(v, n, n, 0, n, null, 0, 0);
      return { w, v, info: -1 };
    },

    svd(x, m, n, mode) {
      const k = Math.min(m, n);
      if (k === 0 || !allFinite(x, m * n)) return null;
      // Aᵀ (n×m, column-major: the array as it is) = U′ Σ V′ᵀ, so U = V′, V = U′
      const t = x.slice(0, m * n);
      const s = new Float64Array(k);
      const job = mode === "none" ? 0 : mode === "thin" ? 1 : 2;
      const uc = mode === "full" ? n : k; // columns of U′ (n rows)
      const vr = mode === "full" ? m : k; // rows of V′ᵀ (m columns)
      const U1 = new Float64Array(job === 0 ? 0 : n * uc);
      const VT1 = new Float64Array(job === 0 ? 0 : vr * m);
      if (a.dgesdd(job, n, m, t, 0, n, s, U1, n, VT1, Math.max(1, vr)) !== 0) return null;
      if (job === 0) return { u: new Float64Array(0), s, v: new Float64Array(0), info: -1 };
      // U = V′: VT′ column-major (vr×m, ld vr) is U row-major (m×vr)
      const u = VT1;
      // V = U′: column-major n×uc → row-major n×uc
      const v = transpose(U1, uc, n);
      gaugeColumns(u, m, vr, 0, k, v, n, uc);
      if (mode === "full") {
        gaugeColumns(u, m, vr, k, vr, null, 0, 0);
        gaugeColumns(v, n, uc, k, uc, null, 0, 0);
      }
      return { u, s, v, info: -1 };
    },
  };
}
