/**
 * Cholesky factorization A = L·Lᵀ of a symmetric positive definite matrix,
 * row-major float64, one matrix per call.
 *
 * Layer-1 kernel: a non-positive pivot is reported through `info` /
 * `pivotValue`, never thrown; RangeError only for bad dimensions.
 */
import { checkDim, checkLen, gemmRM } from "./util.js";
import { trsm } from "./triangular.js";
import { RESIDENT_MIN_RHS, residentGemmWanted, residentWanted, scratch, withWorkspace } from "./workspace.js";
import { backend } from "./backend.js";

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

/** Blocks up to this size are factored unblocked. */
const NB = 16;

/**
 * Cholesky factorization (LAPACK potrf, lower). Reads only the lower triangle
 * (incl. diagonal) of `a` (n×n row-major), which is not modified. Recursive
 * (halves; trsm and one GEMM per level), so nearly all flops are in GEMM.
 * `out` (optional, ≥ n² entries) receives L (every entry written), so that a
 * batch of factorizations writes into one result with no array per matrix.
 */
export function choleskyFactor(a: Float64Array, n: number, out?: Float64Array): CholeskyResult {
  checkDim("choleskyFactor", "n", n);
  checkLen("choleskyFactor", "a", a, n * n);
  if (out !== undefined) checkLen("choleskyFactor", "out", out, n * n);
  // native backend: LAPACK's potrf (declines non-SPD and non-finite input: the
  // failing pivot is then reported by the kernel below)
  const lp = backend().lapack;
  if (lp !== undefined && n >= lp.minN) {
    const r = lp.cholesky(a, n);
    if (r !== null) {
      if (out === undefined) return r;
      out.set(r.l.subarray(0, n * n));
      return { ...r, l: out };
    }
  }
  if (residentWanted(n)) {
    // WASM backend: factor in a resident workspace (GEMMs in place, SIMD solves)
    const r = withWorkspace(n * n + (n * n) / 4 + 1024, (ws) => choleskyFactorInto(a, n, ws.alloc(n * n), out ?? true));
    if (r !== undefined) return r;
  }
  return choleskyFactorInto(a, n, out ?? new Float64Array(n * n), false);
}

/** Factor into `l`; `copyOut`: return a copy of l (true) or write it into the given array (l is a workspace view). */
function choleskyFactorInto(a: Float64Array, n: number, l: Float64Array, copyOut: boolean | Float64Array): CholeskyResult {
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j <= i; j++) l[r + j] = a[r + j];
  }
  const st = { info: -1, pivotValue: 0 };
  cholRec(l, n, 0, n, st);
  // clear the strictly upper part (the diagonal-block GEMMs wrote there)
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = i + 1; j < n; j++) l[r + j] = 0;
  }
  const res = copyOut === true ? l.slice() : copyOut === false ? l : copyOut;
  if (typeof copyOut === "object") copyOut.set(l.subarray(0, n * n));
  return { l: res, info: st.info, pivotValue: st.pivotValue };
}

/**
 * Recursive Cholesky of the diagonal block [j0, j1) (already updated by the
 * columns before j0): factor the leading half, L21 = A21·L11⁻ᵀ (trsm),
 * A22 −= L21·L21ᵀ (one GEMM; it also writes the upper part of the A22 block,
 * which is cleared at the end), factor the trailing half.
 */
function cholRec(l: Float64Array, n: number, j0: number, j1: number, st: { info: number; pivotValue: number }): void {
  const w = j1 - j0;
  if (w <= NB) {
    cholSmall(l, n, j0, j1, st);
    return;
  }
  let h = w >> 1;
  if (h >= 2 * NB) h -= h % NB;
  const jm = j0 + h;
  cholRec(l, n, j0, jm, st);
  if (st.info >= 0) return;
  trsm(false, true, true, false, j1 - jm, h, 1, l, j0 * n + j0, n, l, jm * n + j0, n);
  syrkLower(j1 - jm, h, l, jm * n + j0, n, l, jm * n + jm, n);
  cholRec(l, n, jm, j1, st);
}

/** Diagonal blocks of `syrkLower` up to this order are updated by one (full) GEMM. */
const SYRK_BASE = 32;

/**
 * SYRK-like update of the lower triangle: C −= A·Aᵀ for the m×m block C (only
 * its lower triangle and diagonal are needed) and the m×k block A. Recursive:
 * the off-diagonal block is one GEMM, the two diagonal blocks recurse, so the
 * strictly upper part is skipped down to SYRK_BASE-sized blocks (≈ m²k flops
 * instead of 2m²k). Each entry gets the same single product as from one GEMM.
 */
function syrkLower(m: number, k: number, A: Float64Array, aOff: number, lda: number, C: Float64Array, cOff: number, ldc: number): void {
  if (m <= SYRK_BASE) {
    gemmRM(false, true, m, m, k, -1, A, aOff, lda, A, aOff, lda, 1, C, cOff, ldc);
    return;
  }
  let h = m >> 1;
  if (h >= 2 * SYRK_BASE) h -= h % SYRK_BASE;
  syrkLower(h, k, A, aOff, lda, C, cOff, ldc);
  // C21 −= A2·A1ᵀ
  gemmRM(false, true, m - h, h, k, -1, A, aOff + h * lda, lda, A, aOff, lda, 1, C, cOff + h * ldc, ldc);
  syrkLower(m - h, k, A, aOff + h * lda, lda, C, cOff + h * ldc + h, ldc);
}

/** Unblocked Cholesky of the (updated) diagonal block [j0, j1): dot-product form on rows. */
function cholSmall(l: Float64Array, n: number, j0: number, j1: number, st: { info: number; pivotValue: number }): void {
  for (let j = j0; j < j1; j++) {
    const rj = j * n;
    let d = l[rj + j];
    for (let k = j0; k < j; k++) d -= l[rj + k] * l[rj + k];
    if (!(d > 0)) {
      st.info = j;
      st.pivotValue = d;
      return;
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
  const solve = (f: Float64Array, x: Float64Array): void => {
    trsm(true, true, false, false, n, nrhs, 1, f, 0, n, x, 0, nrhs);
    trsm(true, true, true, false, n, nrhs, 1, f, 0, n, x, 0, nrhs);
  };
  if (nrhs >= RESIDENT_MIN_RHS && residentWanted(n)) {
    const r = withWorkspace(n * n + n * nrhs, (ws) => {
      const f = ws.alloc(n * n);
      f.set(l.subarray(0, n * n));
      const x = ws.alloc(n * nrhs);
      x.set(b.subarray(0, n * nrhs));
      solve(f, x);
      return x.slice();
    });
    if (r !== undefined) return r;
  }
  const x = b.slice(0, n * nrhs);
  solve(l, x);
  return x;
}

/** Row-block height of `lowerHalfTN`. */
const NB_TN = 32;

/**
 * Φ(Lᵀ·G): the lower triangle of Lᵀ·G with its diagonal halved (the inner
 * step of the Cholesky derivative), for L lower triangular (only its lower
 * triangle is read) and G n×n. Entry (i, j), i ≥ j, is Σ_{k ≥ i} L[k,i]·G[k,j],
 * so only G's lower triangle matters. One GEMM per block of NB_TN output rows,
 * skipping the zero rows of Lᵀ and the (discarded) upper triangle: ≈ n³/3
 * flops instead of the 2n³ of the full product. Returns a new n×n array.
 */
export function lowerHalfTN(l: Float64Array, g: Float64Array, n: number): Float64Array {
  checkDim("lowerHalfTN", "n", n);
  checkLen("lowerHalfTN", "l", l, n * n);
  checkLen("lowerHalfTN", "g", g, n * n);
  if (residentGemmWanted(n)) {
    const r = withWorkspace(3 * n * n, (ws) => {
      const gr = ws.alloc(n * n);
      gr.set(g.subarray(0, n * n));
      return lowerHalfTNInto(l, gr, n, ws.alloc(n * n), ws.alloc(n * n)).slice();
    });
    if (r !== undefined) return r;
  }
  return lowerHalfTNInto(l, g, n, new Float64Array(n * n), new Float64Array(n * n));
}

function lowerHalfTNInto(l: Float64Array, g: Float64Array, n: number, lc: Float64Array, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j <= i; j++) lc[r + j] = l[r + j];
  }
  // small n: one full product is as fast as the row blocks
  const nb = n <= 4 * NB_TN ? Math.max(n, 1) : NB_TN;
  for (let i0 = 0; i0 < n; i0 += nb) {
    const i1 = Math.min(n, i0 + nb);
    // out[i0:i1, 0:i1] = Lc[i0:n, i0:i1]ᵀ · G[i0:n, 0:i1]  (Lc[k, i] = 0 for k < i)
    gemmRM(true, false, i1 - i0, i1, n - i0, 1, lc, i0 * n + i0, n, g, i0 * n, n, 0, out, i0 * n, n);
  }
  for (let i = 0; i < n; i++) {
    const r = i * n;
    out[r + i] *= 0.5;
    for (let j = i + 1; j < n; j++) out[r + j] = 0;
  }
  return out;
}

/** Block size of `choleskyBackward`. */
const NB_REV = 32;

/**
 * Reverse mode of the Cholesky factorization: given L (lower, A = L·Lᵀ) and
 * L̄ (only its lower triangle is read), returns the symmetric
 *   Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹)
 * (Φ = lower triangle with the diagonal halved) as a new n×n array. Murray's
 * blocked algorithm (I. Murray, "Differentiation of the Cholesky decomposition",
 * 2016, arXiv:1602.07527, chol_blocked_rev / chol_unblocked_rev): the forward
 * steps reversed block by block, in place on the lower triangle, with a
 * triangular solve and three GEMMs per block of NB_REV columns: ≈ 2n³/3 flops
 * instead of the ≈ 7n³/3 of the formula's product and two full triangular
 * solves. The lower-triangle adjoint T it produces is the gradient with respect
 * to A's lower triangle; the symmetric gradient is sym(T) (diagonal kept,
 * off-diagonal halved).
 */
export function choleskyBackward(l: Float64Array, gl: Float64Array, n: number): Float64Array {
  checkDim("choleskyBackward", "n", n);
  checkLen("choleskyBackward", "l", l, n * n);
  checkLen("choleskyBackward", "gl", gl, n * n);
  if (residentWanted(n)) {
    // WASM backend: in a resident workspace (GEMMs in place, SIMD solves)
    const r = withWorkspace(2 * n * n + 32 * n + 2048, (ws) => {
      const lr = ws.alloc(n * n);
      lr.set(l.subarray(0, n * n));
      return choleskyBackwardInto(lr, gl, n, ws.alloc(n * n)).slice();
    });
    if (r !== undefined) return r;
  }
  return choleskyBackwardInto(l, gl, n, new Float64Array(n * n));
}

function choleskyBackwardInto(l: Float64Array, gl: Float64Array, n: number, ab: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j <= i; j++) ab[r + j] = gl[r + j];
  }
  const tmp = scratch(NB_REV * NB_REV);
  for (let k = n; k > 0; k -= NB_REV) {
    const j = Math.max(0, k - NB_REV);
    const w = k - j;
    const m2 = n - k;
    // blocks: R = L[j:k, :j], D = L[j:k, j:k], B = L[k:, :j], C = L[k:, j:k] (and their adjoints in ab)
    if (m2 > 0) {
      trsm(false, true, false, false, m2, w, 1, l, j * n + j, n, ab, k * n + j, n); // C̄ ← C̄ D⁻¹
      if (j > 0) gemmRM(false, false, m2, j, w, -1, ab, k * n + j, n, l, j * n, n, 1, ab, k * n, n); // B̄ −= C̄ R
      gemmRM(true, false, w, w, m2, 1, ab, k * n + j, n, l, k * n + j, n, 0, tmp, 0, w); // C̄ᵀ C
      for (let a = 0; a < w; a++) {
        const r = (j + a) * n + j;
        for (let b = 0; b <= a; b++) ab[r + b] -= tmp[a * w + b]; // D̄ −= tril(C̄ᵀ C)
      }
    }
    cholRevUnblocked(l, ab, n, j, k);
    if (j > 0) {
      if (m2 > 0) gemmRM(true, false, w, j, m2, -1, ab, k * n + j, n, l, k * n, n, 1, ab, j * n, n); // R̄ −= C̄ᵀ B
      // R̄ −= (D̄ + D̄ᵀ) R, D̄ lower triangular (diagonal doubled)
      for (let a = 0; a < w; a++) {
        const r = (j + a) * n + j;
        for (let b = 0; b < a; b++) {
          const v = ab[r + b];
          tmp[a * w + b] = v;
          tmp[b * w + a] = v;
        }
        tmp[a * w + a] = 2 * ab[r + a];
      }
      gemmRM(false, false, w, j, w, -1, tmp, 0, w, l, j * n, n, 1, ab, j * n, n);
    }
  }
  // symmetric gradient: sym(tril(ab))
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j < i; j++) {
      const v = 0.5 * ab[r + j];
      ab[r + j] = v;
      ab[j * n + i] = v;
    }
  }
  return ab;
}

/** Murray's unblocked reverse Cholesky on the diagonal block [j0, j1) of the lower-triangle adjoint `ab` (in place). */
function cholRevUnblocked(l: Float64Array, ab: Float64Array, n: number, j0: number, j1: number): void {
  for (let j = j1 - 1; j >= j0; j--) {
    const rj = j * n;
    const ljj = l[rj + j];
    let s = 0;
    for (let i = j + 1; i < j1; i++) s += l[i * n + j] * ab[i * n + j];
    ab[rj + j] -= s / ljj;
    for (let i = j; i < j1; i++) ab[i * n + j] /= ljj;
    // ab[j, j0:j] −= ab[j:j1, j]ᵀ · L[j:j1, j0:j]
    for (let i = j; i < j1; i++) {
      const a = ab[i * n + j];
      if (a === 0) continue;
      const ri = i * n;
      for (let c = j0; c < j; c++) ab[rj + c] -= a * l[ri + c];
    }
    // ab[j+1:j1, j0:j] −= ab[j+1:j1, j] ⊗ L[j, j0:j]
    for (let i = j + 1; i < j1; i++) {
      const a = ab[i * n + j];
      if (a === 0) continue;
      const ri = i * n;
      for (let c = j0; c < j; c++) ab[ri + c] -= a * l[rj + c];
    }
    ab[rj + j] *= 0.5;
  }
}
