/**
 * LU factorization with partial pivoting of a rectangular m×n matrix,
 * P·A = L·U with L m×k unit lower trapezoidal, U k×n upper trapezoidal,
 * k = min(m, n) (LAPACK getrf semantics). Row-major float64, one matrix per call.
 *
 * Layer-1 kernel: a zero pivot is reported through `info`, never thrown.
 * Square matrices go to the blocked kernel (kernels/lu.ts). Wide matrices
 * (m < n) factor the leading m×m block with it and solve for the rest (the
 * pivots only look at the first m columns); tall ones up to m = 2n factor
 * [A 0] with it; taller ones run the right-looking unblocked loop here (a
 * rank-1 update per step, m·n·k flops, small when n ≪ m).
 */
import { checkDim, checkLen } from "./util.js";
import { luFactor } from "./lu.js";

export interface RectLuResult {
  /** m×n row-major: strictly lower part = L (unit diagonal implied), upper part (incl. diagonal) = U. */
  lu: Float64Array;
  /** k pivots, 0-based: at step i, row i was swapped with row piv[i] ≥ i. */
  piv: Int32Array;
  /** −1 when U[i, i] ≠ 0 for every i < k, else the first i with U[i, i] = 0 exactly. */
  info: number;
}

/** P·A = L·U for A m×n (row-major, not modified). */
export function luFactorRect(a: Float64Array, m: number, n: number): RectLuResult {
  checkDim("luFactorRect", "m", m);
  checkDim("luFactorRect", "n", n);
  checkLen("luFactorRect", "a", a, m * n);
  const k = Math.min(m, n);
  if (m === n) {
    const r = luFactor(a, n);
    return { lu: r.lu, piv: r.piv, info: r.info };
  }
  if (m < n) return wide(a, m, n);
  if (m <= 2 * n) return tallPadded(a, m, n);
  const lu = a.slice(0, m * n);
  const piv = new Int32Array(k);
  let info = -1;
  for (let j = 0; j < k; j++) {
    // pivot: the first row of largest |a[i, j]|, i ≥ j (LAPACK idamax); a NaN entry is never chosen over a number
    let p = j, best = Math.abs(lu[j * n + j]);
    for (let i = j + 1; i < m; i++) {
      const v = Math.abs(lu[i * n + j]);
      if (v > best || (best !== best && v === v)) {
        best = v;
        p = i;
      }
    }
    piv[j] = p;
    if (p !== j) {
      for (let c = 0; c < n; c++) {
        const t = lu[j * n + c];
        lu[j * n + c] = lu[p * n + c];
        lu[p * n + c] = t;
      }
    }
    const d = lu[j * n + j];
    if (d === 0) {
      if (info < 0) info = j;
      continue; // getrf: the column is zero below the diagonal too; no elimination step
    }
    const inv = 1 / d;
    for (let i = j + 1; i < m; i++) {
      const r = i * n;
      const l = (lu[r + j] *= inv);
      if (l === 0) continue;
      for (let c = j + 1, u = j * n + j + 1; c < n; c++, u++) lu[r + c] -= l * lu[u];
    }
  }
  return { lu, piv, info };
}

/**
 * m > n, not much taller than wide: the blocked square kernel on [A 0] (m×m). The pivots of the
 * first n steps depend on A's columns only, and the zero columns add nothing to them; the
 * trailing zero block gives zero pivots at steps ≥ n (no interchanges), which are not part of
 * A's factorization. Costs 2m³/3 flops in GEMMs instead of mn² − n³/3 in rank-1 updates.
 */
function tallPadded(a: Float64Array, m: number, n: number): RectLuResult {
  const sq = new Float64Array(m * m);
  for (let i = 0; i < m; i++) sq.set(a.subarray(i * n, (i + 1) * n), i * m);
  const r = luFactor(sq, m);
  const lu = new Float64Array(m * n);
  for (let i = 0; i < m; i++) lu.set(r.lu.subarray(i * m, i * m + n), i * n);
  return { lu, piv: r.piv.slice(0, n), info: r.info >= 0 && r.info < n ? r.info : -1 };
}

/** m < n: the blocked LU of the leading m×m block, then U₂ = L⁻¹ P A₂ (forward substitution). */
function wide(a: Float64Array, m: number, n: number): RectLuResult {
  const a1 = new Float64Array(m * m);
  for (let i = 0; i < m; i++) a1.set(a.subarray(i * n, i * n + m), i * m);
  const r = luFactor(a1, m);
  const lu = new Float64Array(m * n);
  // rows of A in pivoted order: apply the swaps to row indices
  const rowOf = new Int32Array(m);
  for (let i = 0; i < m; i++) rowOf[i] = i;
  for (let i = 0; i < m; i++) {
    const p = r.piv[i], t = rowOf[i];
    rowOf[i] = rowOf[p];
    rowOf[p] = t;
  }
  const w = n - m;
  for (let i = 0; i < m; i++) {
    lu.set(r.lu.subarray(i * m, (i + 1) * m), i * n);
    lu.set(a.subarray(rowOf[i] * n + m, rowOf[i] * n + n), i * n + m);
  }
  // U₂ = L⁻¹ (P A₂), L unit lower: row i −= Σ_{j<i} L[i, j] row j
  for (let i = 1; i < m; i++) {
    const ri = i * n + m;
    for (let j = 0; j < i; j++) {
      const l = lu[i * n + j];
      if (l === 0) continue;
      const rj = j * n + m;
      for (let c = 0; c < w; c++) lu[ri + c] -= l * lu[rj + c];
    }
  }
  return { lu, piv: r.piv, info: r.info };
}
