/**
 * LU factorization with partial pivoting and what is built on it (solve,
 * inverse, 1-norm condition estimate). Row-major float64, one matrix per call.
 *
 * Layer-1 kernel: numerical failure (a zero pivot) is reported through `info`,
 * never thrown; RangeError is thrown only for bad dimensions.
 */
import { checkDim, checkLen, gemmRM } from "./util.js";
import { trsm, invertUpperInPlace } from "./triangular.js";
import { activeFor, RESIDENT_MIN_RHS, residentWanted, withWorkspace } from "./workspace.js";

export interface LuResult {
  /**
   * n×n row-major: strictly lower part = L (unit diagonal implied), upper part
   * incl. diagonal = U, with P·A = L·U.
   */
  lu: Float64Array;
  /**
   * LAPACK getrf pivots, 0-based: at step i, row i was swapped with row piv[i]
   * (piv[i] ≥ i). P is the product of these transpositions in order i = 0, 1, ….
   */
  piv: Int32Array;
  /** Parity of P: +1 or −1 (det A = sign · Π U[i,i]). */
  sign: number;
  /** −1 if every pivot is nonzero, else the index of the first exactly-zero pivot U[info, info]. */
  info: number;
}

/** Width below which a column panel is factored unblocked. */
const NB = 16;

/**
 * LU factorization with partial (row) pivoting, P·A = L·U (LAPACK getrf
 * semantics). Recursive (left half, trsm for U12, one GEMM for A22, right
 * half), so nearly all the work is in large GEMMs. A zero pivot does not stop the factorization (like
 * getrf); it is reported in `info`. `a` (n×n row-major) is not modified.
 * `into` (optional) receives the factors (`lu` ≥ n·n, `piv` ≥ n entries,
 * e.g. views of one array per batch), so that a batch of factorizations makes
 * no arrays per matrix.
 */
export function luFactor(a: Float64Array, n: number, into?: { lu: Float64Array; piv: Int32Array }): LuResult {
  checkDim("luFactor", "n", n);
  checkLen("luFactor", "a", a, n * n);
  if (residentWanted(n)) {
    // WASM backend: factor in a resident workspace (GEMMs in place, SIMD panel and solves)
    const r = withWorkspace(n * n + n + n * NB + 64, (ws) => {
      const lu = ws.alloc(n * n);
      lu.set(a.subarray(0, n * n));
      const piv = ws.allocI32(n);
      const st = { info: -1, swaps: 0 };
      luRec(lu, n, 0, n, piv, st);
      const sign = st.swaps % 2 === 0 ? 1 : -1;
      if (into === undefined) return { lu: lu.slice(), piv: piv.slice(), sign, info: st.info };
      into.lu.set(lu);
      into.piv.set(piv);
      return { lu: into.lu, piv: into.piv, sign, info: st.info };
    });
    if (r !== undefined) return r;
  }
  let lu: Float64Array, piv: Int32Array;
  if (into === undefined) {
    lu = a.slice(0, n * n);
    piv = new Int32Array(n);
  } else {
    lu = into.lu;
    lu.set(a.subarray(0, n * n));
    piv = into.piv;
  }
  const st = { info: -1, swaps: 0 };
  luRec(lu, n, 0, n, piv, st);
  return { lu, piv, sign: st.swaps % 2 === 0 ? 1 : -1, info: st.info };
}

/**
 * Recursive LU (Toledo / Gustavson) of the column panel [c0, c1) over rows
 * c0..n−1, in place in the row-major n×n `lu`: factor the left half, solve for
 * U12, update A22 with one GEMM, factor the right half. Pivoting swaps whole
 * rows, so no swaps are left to apply afterwards.
 */
function luRec(lu: Float64Array, n: number, c0: number, c1: number, piv: Int32Array, st: { info: number; swaps: number }): void {
  const w = c1 - c0;
  if (w <= NB) {
    luPanel(lu, n, c0, c1, piv, st);
    return;
  }
  let h = w >> 1;
  if (h >= 2 * NB) h -= h % NB;
  const cm = c0 + h;
  luRec(lu, n, c0, cm, piv, st);
  // U12 = L11⁻¹·A12
  trsm(true, true, false, true, h, c1 - cm, 1, lu, c0 * n + c0, n, lu, c0 * n + cm, n);
  // A22 −= L21·U12
  gemmRM(false, false, n - cm, c1 - cm, h, -1, lu, cm * n + c0, n, lu, c0 * n + cm, n, 1, lu, cm * n + cm, n);
  luRec(lu, n, cm, c1, piv, st);
}

/** Unblocked panel factorization (columns c0..c1−1, rows c0..n−1). */
function luPanel(lu: Float64Array, n: number, c0: number, c1: number, piv: Int32Array, st: { info: number; swaps: number }): void {
  const ws = activeFor(lu, piv);
  if (ws !== null && ws.free >= (n - c0) * (c1 - c0) + 8) {
    // The same operations in the SIMD module, on a column-major copy of the
    // panel (contiguous columns); the interchanges are then applied to the
    // other columns (they commute with the panel's arithmetic). info / swaps
    // pass through two i32s.
    const m = n - c0;
    const w = c1 - c0;
    const mark = ws.mark();
    const s = ws.allocI32(2);
    const pt = ws.alloc(m * w);
    s[0] = st.info;
    s[1] = st.swaps;
    const at = ws.addr(lu, c0 * n + c0);
    ws.k.transpose(at, n, ws.addr(pt), m, m, w);
    ws.k.luPanel(ws.addr(pt), m, w, c0, ws.addr(piv), ws.addr(s));
    ws.k.transpose(ws.addr(pt), m, at, n, w, m);
    ws.k.rowSwapsOutside(ws.addr(lu), n, c0, c1, ws.addr(piv));
    st.info = s[0];
    st.swaps = s[1];
    ws.release(mark);
    return;
  }
  for (let j = c0; j < c1; j++) {
    let p = j;
    let amax = Math.abs(lu[j * n + j]);
    for (let i = j + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + j]);
      if (v > amax) {
        amax = v;
        p = i;
      }
    }
    piv[j] = p;
    if (amax !== 0 && amax === amax) {
      if (p !== j) {
        st.swaps++;
        const rj = j * n;
        const rp = p * n;
        for (let c = 0; c < n; c++) {
          const t = lu[rj + c];
          lu[rj + c] = lu[rp + c];
          lu[rp + c] = t;
        }
      }
      const d = lu[j * n + j];
      for (let i = j + 1; i < n; i++) lu[i * n + j] /= d;
    } else if (st.info < 0) {
      st.info = j;
    }
    // rank-1 update of the rest of the panel
    const rj = j * n;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      const l = lu[ri + j];
      if (l === 0) continue;
      for (let c = j + 1; c < c1; c++) lu[ri + c] -= l * lu[rj + c];
    }
  }
}

function applyRowSwaps(piv: Int32Array, n: number, x: Float64Array, nrhs: number, forward: boolean): void {
  if (nrhs === 0) return;
  for (let s = 0; s < n; s++) {
    const i = forward ? s : n - 1 - s;
    const p = piv[i];
    if (p === i) continue;
    const ri = i * nrhs;
    const rp = p * nrhs;
    for (let c = 0; c < nrhs; c++) {
      const t = x[ri + c];
      x[ri + c] = x[rp + c];
      x[rp + c] = t;
    }
  }
}

/** In-place solve on x (n×nrhs row-major) given LU factors. */
function luSolveInPlace(lu: Float64Array, piv: Int32Array, n: number, x: Float64Array, nrhs: number, trans: boolean): void {
  if (!trans) {
    // A = Pᵀ L U:  x ← U⁻¹ L⁻¹ P b
    applyRowSwaps(piv, n, x, nrhs, true);
    trsm(true, true, false, true, n, nrhs, 1, lu, 0, n, x, 0, nrhs);
    trsm(true, false, false, false, n, nrhs, 1, lu, 0, n, x, 0, nrhs);
  } else {
    // Aᵀ = Uᵀ Lᵀ P:  x ← Pᵀ L⁻ᵀ U⁻ᵀ b
    trsm(true, false, true, false, n, nrhs, 1, lu, 0, n, x, 0, nrhs);
    trsm(true, true, true, true, n, nrhs, 1, lu, 0, n, x, 0, nrhs);
    applyRowSwaps(piv, n, x, nrhs, false);
  }
}

/**
 * Solve A·X = B (or Aᵀ·X = B when `trans`) from the factors of `luFactor`.
 * B is n×nrhs row-major; returns a new n×nrhs array, or `out` (its first
 * n·nrhs entries overwritten) when given. With a zero pivot the result
 * contains ±Infinity/NaN (check `info` first).
 */
export function luSolve(lu: Float64Array, piv: Int32Array, n: number, b: Float64Array, nrhs: number, trans: boolean, out?: Float64Array): Float64Array {
  checkDim("luSolve", "n", n);
  checkDim("luSolve", "nrhs", nrhs);
  checkLen("luSolve", "lu", lu, n * n);
  checkLen("luSolve", "piv", piv, n);
  checkLen("luSolve", "b", b, n * nrhs);
  if (out !== undefined) checkLen("luSolve", "out", out, n * nrhs);
  if (nrhs >= RESIDENT_MIN_RHS && residentWanted(n)) {
    const r = withWorkspace(n * n + n * nrhs, (ws) => {
      const f = ws.alloc(n * n);
      f.set(lu.subarray(0, n * n));
      const x = ws.alloc(n * nrhs);
      x.set(b.subarray(0, n * nrhs));
      luSolveInPlace(f, piv, n, x, nrhs, trans);
      if (out === undefined) return x.slice();
      out.set(x);
      return out;
    });
    if (r !== undefined) return r;
  }
  let x: Float64Array;
  if (out === undefined) x = b.slice(0, n * nrhs);
  else {
    x = out;
    x.set(b.subarray(0, n * nrhs));
  }
  luSolveInPlace(lu, piv, n, x, nrhs, trans);
  return x;
}

/**
 * A⁻¹ from the factors of `luFactor` (LAPACK getri: invert U, solve X·L = U⁻¹,
 * then undo the pivoting on the columns; 4n³/3 flops, mostly GEMM). Returns a new n×n row-major array,
 * or `out` (its first n² entries overwritten) when given — no intermediate copy.
 * `work` (optional, ≥ n² entries, any contents) is the scratch for L, so that a
 * batch of inverses shares one. With a zero pivot the result contains
 * ±Infinity/NaN (check `info` first).
 */
export function luInverse(lu: Float64Array, piv: Int32Array, n: number, out?: Float64Array, work?: Float64Array): Float64Array {
  checkDim("luInverse", "n", n);
  checkLen("luInverse", "lu", lu, n * n);
  checkLen("luInverse", "piv", piv, n);
  if (out !== undefined) checkLen("luInverse", "out", out, n * n);
  if (work !== undefined) checkLen("luInverse", "work", work, n * n);
  if (residentWanted(n)) {
    // WASM backend: invert in a resident workspace (GEMMs in place, SIMD solves)
    const r = withWorkspace(3 * n * n + n + 1024, (ws) => {
      const w = ws.alloc(n * n);
      w.set(lu.subarray(0, n * n));
      const l = ws.alloc(n * n);
      const p = ws.allocI32(n);
      p.set(piv.subarray(0, n));
      luInverseInPlace(w, l, p, n);
      if (out === undefined) return w.slice();
      out.set(w);
      return out;
    });
    if (r !== undefined) return r;
  }
  let w: Float64Array;
  if (out === undefined) w = lu.slice(0, n * n);
  else {
    w = out;
    w.set(lu.subarray(0, n * n));
  }
  if (n === 0) return w;
  // (the scratch need not be zero: step 2 of luInverseInPlace writes every strictly lower entry, the only ones read)
  luInverseInPlace(w, work ?? new Float64Array(n * n), piv, n);
  return w;
}

/**
 * The VJP of the inverse, −Cᵀ·G·Cᵀ for C = A⁻¹ and the cotangent G (both n×n
 * row-major): two GEMMs with the negation folded into the second one's alpha
 * (no separate pass). Returns `out` (its first n² entries) or a new array;
 * `work` (optional, ≥ n² entries, any contents) holds Cᵀ·G, so that a batch shares one.
 */
export function invVjp(c: Float64Array, g: Float64Array, n: number, out?: Float64Array, work?: Float64Array): Float64Array {
  checkDim("invVjp", "n", n);
  checkLen("invVjp", "c", c, n * n);
  checkLen("invVjp", "g", g, n * n);
  if (out !== undefined) checkLen("invVjp", "out", out, n * n);
  const res = out ?? new Float64Array(n * n);
  if (n === 0) return res;
  if (work !== undefined) checkLen("invVjp", "work", work, n * n);
  const tmp = work ?? new Float64Array(n * n); // (beta 0: its contents are not read)
  gemmRM(true, false, n, n, n, 1, c, 0, n, g, 0, n, 0, tmp, 0, n); // Cᵀ·G
  gemmRM(false, true, n, n, n, -1, tmp, 0, n, c, 0, n, 0, res, 0, n); // −(Cᵀ·G)·Cᵀ
  return res;
}

/** getri on w (holding the LU factors; overwritten with A⁻¹), with l an n×n work array (only its strictly lower part is written and read). */
function luInverseInPlace(w: Float64Array, l: Float64Array, piv: Int32Array, n: number): void {
  // 1. upper triangle ← U⁻¹ (recursive, GEMM-rich)
  invertUpperInPlace(w, 0, n, n, false);
  // 2. move L out (strictly lower part), leaving w = U⁻¹ (upper triangular)
  for (let i = 1; i < n; i++) {
    const r = i * n;
    for (let j = 0; j < i; j++) {
      l[r + j] = w[r + j];
      w[r + j] = 0;
    }
  }
  // 3. solve X·L = U⁻¹ (X = U⁻¹·L⁻¹), unit lower, in place
  trsm(false, true, false, true, n, n, 1, l, 0, n, w, 0, n);
  // 4. A⁻¹ = X·P: swap columns j and piv[j] in reverse order
  const ws = activeFor(w, piv);
  if (ws !== null) {
    ws.k.colSwapsReverse(ws.addr(w), n, n, n, ws.addr(piv));
    return;
  }
  for (let j = n - 2; j >= 0; j--) {
    const p = piv[j];
    if (p === j) continue;
    for (let i = 0; i < n; i++) {
      const r = i * n;
      const t = w[r + j];
      w[r + j] = w[r + p];
      w[r + p] = t;
    }
  }
}

/** ‖A‖₁ = max column abs sum of an m×n row-major matrix; `work` (optional, ≥ n entries, any contents): the column sums' scratch. */
export function matrixNorm1(a: Float64Array, m: number, n: number, work?: Float64Array): number {
  checkDim("matrixNorm1", "m", m);
  checkDim("matrixNorm1", "n", n);
  checkLen("matrixNorm1", "a", a, m * n);
  if (work !== undefined) checkLen("matrixNorm1", "work", work, n);
  const s = work === undefined ? new Float64Array(n) : work.fill(0, 0, n);
  let i = 0;
  // four rows per pass: a quarter of the loads and stores of the column sums
  for (; i + 3 < m; i += 4) {
    const r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    for (let j = 0; j < n; j++) s[j] += Math.abs(a[r0 + j]) + Math.abs(a[r1 + j]) + (Math.abs(a[r2 + j]) + Math.abs(a[r3 + j]));
  }
  for (; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) s[j] += Math.abs(a[r + j]);
  }
  let mx = 0;
  for (let j = 0; j < n; j++) {
    const v = s[j];
    if (v > mx || v !== v) mx = v;
  }
  return mx;
}

/**
 * Estimate of the reciprocal 1-norm condition number 1 / (‖A‖₁ · ‖A⁻¹‖₁) from
 * the LU factors (Hager's method with Higham's refinements, as LAPACK gecon /
 * lacn2): a few solves with A and Aᵀ, O(n²). `anorm` is ‖A‖₁ of the original
 * matrix (see `matrixNorm1`). Returns 0 for an exactly singular factorization
 * (zero pivot) or a zero matrix, 1 for n = 0. The estimate of ‖A⁻¹‖₁ is a lower
 * bound, almost always within a factor of 3, so rcond is at least the truth and
 * usually within 3× of it.
 */
export function rcondEstimate(lu: Float64Array, piv: Int32Array, n: number, anorm: number): number {
  checkDim("rcondEstimate", "n", n);
  checkLen("rcondEstimate", "lu", lu, n * n);
  checkLen("rcondEstimate", "piv", piv, n);
  if (n === 0) return 1;
  if (!(anorm > 0)) return anorm === 0 ? 0 : NaN;
  for (let i = 0; i < n; i++) {
    const d = lu[i * n + i];
    if (d === 0) return 0;
    if (d !== d) return NaN;
  }
  const ainv = invNorm1Estimate(lu, piv, n);
  if (ainv !== ainv) return NaN;
  if (ainv === Infinity) return 0;
  return ainv === 0 ? Infinity : 1 / anorm / ainv;
}

/**
 * In-place solve with one right-hand side x (length n) from the LU factors:
 * A x = b, or Aᵀ x = b when `trans`. Plain loops over contiguous rows (dot
 * products for the no-transpose substitutions, row axpys for the transposed
 * ones): O(n²) without the GEMM calls of the blocked solve, which do not pay
 * for a single vector (the condition estimate runs several of these).
 */
function luSolveVec(lu: Float64Array, piv: Int32Array, n: number, x: Float64Array, trans: boolean): void {
  if (!trans) {
    for (let i = 0; i < n; i++) {
      const p = piv[i];
      if (p !== i) {
        const t = x[i];
        x[i] = x[p];
        x[p] = t;
      }
    }
    // L y = P b (unit lower): y_i = b_i − Σ_{k<i} L_ik y_k
    for (let i = 1; i < n; i++) {
      const r = i * n;
      let s0 = 0, s1 = 0;
      let k = 0;
      for (; k + 1 < i; k += 2) {
        s0 += lu[r + k] * x[k];
        s1 += lu[r + k + 1] * x[k + 1];
      }
      if (k < i) s0 += lu[r + k] * x[k];
      x[i] -= s0 + s1;
    }
    // U x = y: x_i = (y_i − Σ_{k>i} U_ik x_k) / U_ii
    for (let i = n - 1; i >= 0; i--) {
      const r = i * n;
      let s0 = 0, s1 = 0;
      let k = i + 1;
      for (; k + 1 < n; k += 2) {
        s0 += lu[r + k] * x[k];
        s1 += lu[r + k + 1] * x[k + 1];
      }
      if (k < n) s0 += lu[r + k] * x[k];
      x[i] = (x[i] - (s0 + s1)) / lu[r + i];
    }
  } else {
    // Uᵀ y = b: y_i = b_i / U_ii, then b_k −= U_ik y_i for k > i (row i of U)
    for (let i = 0; i < n; i++) {
      const r = i * n;
      const yi = x[i] / lu[r + i];
      x[i] = yi;
      if (yi !== 0) for (let k = i + 1; k < n; k++) x[k] -= lu[r + k] * yi;
    }
    // Lᵀ z = y (unit): z_i = y_i, then y_k −= L_ik z_i for k < i (row i of L), i descending
    for (let i = n - 1; i > 0; i--) {
      const r = i * n;
      const zi = x[i];
      if (zi !== 0) for (let k = 0; k < i; k++) x[k] -= lu[r + k] * zi;
    }
    for (let i = n - 1; i >= 0; i--) {
      const p = piv[i];
      if (p !== i) {
        const t = x[i];
        x[i] = x[p];
        x[p] = t;
      }
    }
  }
}

/** Hager–Higham estimate of ‖A⁻¹‖₁ (LAPACK dlacn2 logic). */
function invNorm1Estimate(lu: Float64Array, piv: Int32Array, n: number): number {
  const x = new Float64Array(n);
  const xi = new Float64Array(n); // sign vector
  const ITMAX = 5;
  x.fill(1 / n);
  luSolveVec(lu, piv, n, x, false);
  if (n === 1) return Math.abs(x[0]);
  let est = asum(x);
  for (let i = 0; i < n; i++) {
    xi[i] = x[i] >= 0 ? 1 : -1;
    x[i] = xi[i];
  }
  luSolveVec(lu, piv, n, x, true);
  let j = argmaxAbs(x);
  let iter = 2;
  for (;;) {
    // x = e_j; x ← A⁻¹ x
    x.fill(0);
    x[j] = 1;
    luSolveVec(lu, piv, n, x, false);
    const estOld = est;
    est = asum(x);
    let same = true;
    for (let i = 0; i < n; i++) {
      const s = x[i] >= 0 ? 1 : -1;
      if (s !== xi[i]) same = false;
    }
    if (same || est <= estOld) {
      if (est < estOld) est = estOld;
      break;
    }
    for (let i = 0; i < n; i++) {
      xi[i] = x[i] >= 0 ? 1 : -1;
      x[i] = xi[i];
    }
    luSolveVec(lu, piv, n, x, true);
    const jlast = j;
    j = argmaxAbs(x);
    if (Math.abs(x[jlast]) === Math.abs(x[j]) || iter >= ITMAX) break;
    iter++;
  }
  // alternating-sign test vector guards against pathological cases
  let altsgn = 1;
  for (let i = 0; i < n; i++) {
    x[i] = altsgn * (1 + i / (n - 1));
    altsgn = -altsgn;
  }
  luSolveVec(lu, piv, n, x, false);
  const temp = (2 * asum(x)) / (3 * n);
  return temp > est ? temp : est;
}

function asum(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s;
}

function argmaxAbs(x: Float64Array): number {
  let j = 0;
  let m = -1;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (v > m) {
      m = v;
      j = i;
    }
  }
  return j;
}
