/**
 * Small dense helpers for the matrix-function kernels (expm, sqrtm, logm,
 * Sylvester, Schur). Row-major Float64Array, explicit dimensions. Matrix
 * products go through `backend().gemm` so a faster backend speeds these up too.
 *
 * These are deliberately self-contained (the general LU / triangular kernels
 * live elsewhere); only what the matrix functions need is here.
 */
import { backend } from "./backend.js";

/** n×n identity. */
export function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/** ‖A‖₁ = max column absolute sum of the m×n row-major A. */
export function norm1(a: Float64Array, m: number, n: number): number {
  const s = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) s[j] += Math.abs(a[r + j]);
  }
  let mx = 0;
  for (let j = 0; j < n; j++) if (s[j] > mx || s[j] !== s[j]) mx = s[j];
  return mx;
}

/** Frobenius norm of a vector/matrix (scaled to avoid overflow). */
export function normFro(a: Float64Array): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > scale || v !== v) scale = v;
  }
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  const inv = 1 / scale;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] * inv;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

/** max |a_ij|. */
export function normMax(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || v !== v) m = v;
  }
  return m;
}

/** Transpose of the m×n row-major A (returns n×m). */
export function transpose(a: Float64Array, m: number, n: number, out?: Float64Array): Float64Array {
  const t = out ?? new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) t[j * m + i] = a[r + j];
  }
  return t;
}

/**
 * C = op(A) op(B) with op(A) m×k, op(B) k×n (row-major, tight leading dims).
 * Writes into `out` when given (must not alias A or B).
 */
export function matmul(
  a: Float64Array,
  b: Float64Array,
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
  out?: Float64Array,
): Float64Array {
  const c = out ?? new Float64Array(m * n);
  backend().gemm(transA, transB, m, n, k, 1, a, 0, transA ? m : k, b, 0, transB ? k : n, 0, c, 0, n);
  return c;
}

/** C = alpha·op(A)·op(B) + beta·C for square n×n operands (in place on C). */
export function gemmSq(
  n: number,
  alpha: number,
  a: Float64Array,
  b: Float64Array,
  beta: number,
  c: Float64Array,
  transA = false,
  transB = false,
): void {
  backend().gemm(transA, transB, n, n, n, alpha, a, 0, n, b, 0, n, beta, c, 0, n);
}

/** Z T Zᵀ for square n×n Z, T (used to transform back from Schur form). */
export function similarity(z: Float64Array, t: Float64Array, n: number): Float64Array {
  const zt = matmul(z, t, n, n, n);
  return matmul(zt, z, n, n, n, false, true);
}

/** Zᵀ C W for Z m×m, C m×n, W n×n (transform into Schur coordinates). */
export function congruence(z: Float64Array, c: Float64Array, w: Float64Array, m: number, n: number): Float64Array {
  const zc = matmul(z, c, m, m, n, true, false);
  return matmul(zc, w, m, n, n);
}

const LU_NB = 48;

/**
 * In-place LU factorization with partial pivoting, P A = L U (LAPACK dgetrf,
 * right-looking blocked: unblocked panel, row-oriented TRSM for U12, then the
 * trailing update A22 -= L21 U12 through GEMM). Row-major n×n.
 * piv[j] = row swapped with row j at step j (sequential, like ipiv but 0-based).
 * Returns 0, or j+1 if U[j,j] is exactly zero (the factorization is completed).
 */
export function luFactor(a: Float64Array, n: number, piv: Int32Array): number {
  let info = 0;
  const gemm = backend().gemm;
  for (let j0 = 0; j0 < n; j0 += LU_NB) {
    const jend = Math.min(j0 + LU_NB, n);
    const jb = jend - j0;
    for (let j = j0; j < jend; j++) {
      let p = j;
      let pmax = Math.abs(a[j * n + j]);
      for (let i = j + 1; i < n; i++) {
        const v = Math.abs(a[i * n + j]);
        if (v > pmax) {
          pmax = v;
          p = i;
        }
      }
      piv[j] = p;
      if (p !== j) {
        const rj = j * n;
        const rp = p * n;
        for (let c = 0; c < n; c++) {
          const t = a[rj + c];
          a[rj + c] = a[rp + c];
          a[rp + c] = t;
        }
      }
      const rj = j * n;
      const d = a[rj + j];
      if (d === 0) {
        if (info === 0) info = j + 1;
        continue;
      }
      const inv = 1 / d;
      for (let i = j + 1; i < n; i++) {
        const r = i * n;
        const l = (a[r + j] *= inv);
        if (l !== 0) for (let c = j + 1; c < jend; c++) a[r + c] -= l * a[rj + c];
      }
    }
    if (jend < n) {
      // U12 = L11⁻¹ A12 (unit lower triangular, row-oriented)
      for (let i = j0 + 1; i < jend; i++) rowUpdate(a, i * n + jend, a, i * n, j0, i, n, n - jend, jend);
      // A22 -= L21 U12
      gemm(false, false, n - jend, n - jend, jb, -1, a, jend * n + j0, n, a, j0 * n + jend, n, 1, a, jend * n + jend, n);
    }
  }
  return info;
}

/**
 * x[xo + c] -= Σ_{k=k0}^{k1-1} coef[co + k] · x[k·ld + off + c] for c < len — the
 * row-oriented triangular-solve update, unrolled by 4 over k (x rows k are the
 * already-solved rows; `off` is their column offset).
 */
function rowUpdate(
  x: Float64Array,
  xo: number,
  coef: Float64Array,
  co: number,
  k0: number,
  k1: number,
  ld: number,
  len: number,
  off = 0,
): void {
  let k = k0;
  for (; k + 3 < k1; k += 4) {
    const l0 = coef[co + k];
    const l1 = coef[co + k + 1];
    const l2 = coef[co + k + 2];
    const l3 = coef[co + k + 3];
    const r0 = k * ld + off;
    const r1 = r0 + ld;
    const r2 = r1 + ld;
    const r3 = r2 + ld;
    for (let c = 0; c < len; c++) x[xo + c] -= l0 * x[r0 + c] + l1 * x[r1 + c] + l2 * x[r2 + c] + l3 * x[r3 + c];
  }
  for (; k < k1; k++) {
    const l = coef[co + k];
    if (l === 0) continue;
    const r0 = k * ld + off;
    for (let c = 0; c < len; c++) x[xo + c] -= l * x[r0 + c];
  }
}

/**
 * Solve A X = B in place given luFactor's output; B is n×nrhs row-major.
 * Blocked forward/back substitution with GEMM for the off-diagonal blocks.
 */
export function luSolve(lu: Float64Array, piv: Int32Array, n: number, b: Float64Array, nrhs: number): void {
  const gemm = backend().gemm;
  for (let i = 0; i < n; i++) {
    const p = piv[i];
    if (p !== i) {
      const ri = i * nrhs;
      const rp = p * nrhs;
      for (let c = 0; c < nrhs; c++) {
        const t = b[ri + c];
        b[ri + c] = b[rp + c];
        b[rp + c] = t;
      }
    }
  }
  // L Y = P B (unit lower)
  for (let i0 = 0; i0 < n; i0 += LU_NB) {
    const iend = Math.min(i0 + LU_NB, n);
    if (i0 > 0) gemm(false, false, iend - i0, nrhs, i0, -1, lu, i0 * n, n, b, 0, nrhs, 1, b, i0 * nrhs, nrhs);
    for (let i = i0 + 1; i < iend; i++) rowUpdate(b, i * nrhs, lu, i * n, i0, i, nrhs, nrhs);
  }
  // U X = Y
  const nblk = Math.ceil(n / LU_NB);
  for (let blk = nblk - 1; blk >= 0; blk--) {
    const i0 = blk * LU_NB;
    const iend = Math.min(i0 + LU_NB, n);
    if (iend < n)
      gemm(false, false, iend - i0, nrhs, n - iend, -1, lu, i0 * n + iend, n, b, iend * nrhs, nrhs, 1, b, i0 * nrhs, nrhs);
    for (let i = iend - 1; i >= i0; i--) {
      const ri = i * nrhs;
      rowUpdate(b, ri, lu, i * n, i + 1, iend, nrhs, nrhs);
      const inv = 1 / lu[i * n + i];
      for (let c = 0; c < nrhs; c++) b[ri + c] *= inv;
    }
  }
}

/**
 * Solve the k×k system M x = r (k ≤ 4, M row-major, overwritten) by Gaussian
 * elimination with complete pivoting (as LAPACK dlasy2). Pivots smaller than
 * `smin` are replaced by `smin` (the system is then singular to working
 * precision); returns true in that case. Solution overwrites r.
 */
export function solveSmall(M: Float64Array, k: number, r: Float64Array, smin: number): boolean {
  let perturbed = false;
  // column permutation record
  const colp = SMALL_COLP;
  for (let i = 0; i < k; i++) colp[i] = i;
  for (let s = 0; s < k; s++) {
    // complete pivot in the trailing (k-s)×(k-s) block
    let pi = s;
    let pj = s;
    let pv = -1;
    for (let i = s; i < k; i++)
      for (let j = s; j < k; j++) {
        const v = Math.abs(M[i * k + j]);
        if (v > pv) {
          pv = v;
          pi = i;
          pj = j;
        }
      }
    if (pi !== s) {
      for (let j = 0; j < k; j++) {
        const t = M[s * k + j];
        M[s * k + j] = M[pi * k + j];
        M[pi * k + j] = t;
      }
      const t = r[s];
      r[s] = r[pi];
      r[pi] = t;
    }
    if (pj !== s) {
      for (let i = 0; i < k; i++) {
        const t = M[i * k + s];
        M[i * k + s] = M[i * k + pj];
        M[i * k + pj] = t;
      }
      const t = colp[s];
      colp[s] = colp[pj];
      colp[pj] = t;
    }
    if (!(Math.abs(M[s * k + s]) >= smin)) {
      M[s * k + s] = smin;
      perturbed = true;
    }
    const d = M[s * k + s];
    for (let i = s + 1; i < k; i++) {
      const l = M[i * k + s] / d;
      if (l === 0) continue;
      for (let j = s + 1; j < k; j++) M[i * k + j] -= l * M[s * k + j];
      r[i] -= l * r[s];
    }
  }
  const x = SMALL_X;
  for (let i = k - 1; i >= 0; i--) {
    let v = r[i];
    for (let j = i + 1; j < k; j++) v -= M[i * k + j] * x[j];
    x[i] = v / M[i * k + i];
  }
  for (let i = 0; i < k; i++) r[colp[i]] = x[i];
  return perturbed;
}
const SMALL_COLP = new Int32Array(4);
const SMALL_X = new Float64Array(4);
const SMALL_M = new Float64Array(16);

/**
 * Solve the tiny Sylvester equation S_kk Y + Y T_ll = R (as LAPACK dlasy2), where
 * S_kk = s[k0:k0+ksz, k0:k0+ksz] (leading dim lds), T_ll = t[l0:l0+lsz, l0:l0+lsz]
 * (leading dim ldt), ksz, lsz ∈ {1, 2}. R (ksz×lsz row-major, in r) is overwritten
 * by Y. Unknown Y[p, c] is entry p·lsz + c of the ≤ 4×4 system
 *   Σ_j S[p, j] Y[j, c] + Σ_i Y[p, i] T[i, c] = R[p, c].
 * Returns true if a pivot below smin was perturbed (singular to working precision).
 */
export function solveSmallSylvester(
  s: Float64Array,
  lds: number,
  k0: number,
  ksz: number,
  t: Float64Array,
  ldt: number,
  l0: number,
  lsz: number,
  r: Float64Array,
  smin: number,
): boolean {
  if (ksz === 1 && lsz === 1) {
    let d = s[k0 * lds + k0] + t[l0 * ldt + l0];
    let perturbed = false;
    if (!(Math.abs(d) >= smin)) {
      d = smin;
      perturbed = true;
    }
    r[0] /= d;
    return perturbed;
  }
  const q = ksz * lsz;
  const M = SMALL_M;
  M.fill(0, 0, q * q);
  for (let p = 0; p < ksz; p++)
    for (let c = 0; c < lsz; c++) {
      const idx = (p * lsz + c) * q;
      for (let j = 0; j < ksz; j++) M[idx + j * lsz + c] += s[(k0 + p) * lds + k0 + j];
      for (let i = 0; i < lsz; i++) M[idx + p * lsz + i] += t[(l0 + i) * ldt + l0 + c];
    }
  return solveSmall(M, q, r, smin);
}

/**
 * Diagonal block structure of an upper quasi-triangular n×n T (real Schur
 * form): returns the block start indices followed by n, e.g. [0, 2, 3, n].
 * A 2×2 block starts at i when T[i+1, i] ≠ 0.
 */
export function quasiBlocks(t: Float64Array, n: number): Int32Array {
  const starts: number[] = [];
  let i = 0;
  while (i < n) {
    starts.push(i);
    i += i + 1 < n && t[(i + 1) * n + i] !== 0 ? 2 : 1;
  }
  starts.push(n);
  return Int32Array.from(starts);
}

/** Principal square root of the complex number (re, im): returns [sr, si] with sr ≥ 0. */
export function csqrt(re: number, im: number): [number, number] {
  if (re === 0 && im === 0) return [0, im];
  const r = Math.hypot(re, im);
  if (re >= 0) {
    const sr = Math.sqrt(0.5 * (r + re));
    return [sr, im / (2 * sr)];
  }
  const si0 = Math.sqrt(0.5 * (r - re));
  const si = im < 0 || Object.is(im, -0) ? -si0 : si0;
  return [Math.abs(im) / (2 * si0), si];
}
