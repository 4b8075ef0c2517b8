/**
 * Principal square root of a real matrix by the real Schur method
 * (Higham 1987, "Computing real square roots of a real matrix", LAA 88/89):
 *
 *   A = Z T Zᵀ (real Schur),  U² = T with U upper quasi-triangular,  X = Z U Zᵀ.
 *
 * Diagonal blocks: U_ii = √λ for a 1×1 block; for a 2×2 block with eigenvalues
 * θ ± iμ and α + iβ = √(θ + iμ) (principal, α > 0),
 *   U_ii = α I + (T_ii − θ I)/(2α)        (Higham 1987, Lemma 2 / eq. (4.6)),
 * since (T_ii − θI)² = −μ² I. Off-diagonal blocks, column by column upwards:
 *   U_ii U_ij + U_ij U_jj = T_ij − Σ_{i<k<j} U_ik U_kj     (a ≤ 2×2 Sylvester equation),
 * nonsingular because the eigenvalues of U_ii and U_jj lie in the open right half plane.
 *
 * The principal root exists (and is real) iff A has no eigenvalue on the closed
 * negative real axis; a negative real eigenvalue is reported with info = 1, a
 * zero eigenvalue with info = 2 (the root may still exist, e.g. for a simple zero
 * eigenvalue, and is then returned, but it is not differentiable there).
 */
import { realSchur } from "./schur.js";
import { csqrt, quasiBlocks, similarity, solveSmallSylvester } from "./matfun-util.js";

const EPS = 2.220446049250313e-16;
const SAFMIN = 2.2250738585072014e-308;

export interface SqrtmResult {
  /** The principal square root X (n×n), X² = A. NaN-filled when info is 1 or 3. */
  x: Float64Array;
  /**
   * 0: success. 1: A has a negative real eigenvalue (no real principal square
   * root; see `eigenvalue`). 2: A has a zero eigenvalue (singular: X is returned
   * when the recurrence allows it, but √ is not differentiable at A). 3: the Schur
   * decomposition failed to converge.
   */
  info: number;
  /** The offending eigenvalue (real part) when info is 1 or 2, NaN otherwise. */
  eigenvalue: number;
}

export interface SqrtmSchurResult extends SqrtmResult {
  /** Real Schur form of A: A = z t zᵀ. */
  t: Float64Array;
  z: Float64Array;
  /**
   * Upper quasi-triangular U = √T (same block structure as t, standardized 2×2
   * blocks), so X = z u zᵀ is a real Schur form of X. The VJP solves
   * Xᵀ Ā + Ā Xᵀ = X̄, i.e. `solveSylvesterSchur(u, z, n, u, z, n, xbar, true)`.
   */
  u: Float64Array;
}

/**
 * Square root of an upper quasi-triangular T (real Schur form) by Higham's
 * recurrence; returns U with U² = T. Used by sqrtm and by logm's repeated roots.
 */
export function sqrtmQuasiTriangular(t: Float64Array, n: number): { u: Float64Array; info: number; eigenvalue: number } {
  if (t.length < n * n) throw new RangeError(`sqrtmQuasiTriangular: expected ${n * n} elements, got ${t.length}`);
  const u = new Float64Array(n * n);
  const blocks = quasiBlocks(t, n);
  const nb = blocks.length - 1;
  let info = 0;
  let eigenvalue = NaN;
  // diagonal blocks
  for (let b = 0; b < nb; b++) {
    const i = blocks[b];
    if (blocks[b + 1] - i === 1) {
      const lam = t[i * n + i];
      if (lam < 0 || lam !== lam) return { u: u.fill(NaN), info: 1, eigenvalue: lam };
      if (lam === 0 && info === 0) {
        info = 2;
        eigenvalue = 0;
      }
      u[i * n + i] = Math.sqrt(lam);
      continue;
    }
    const a = t[i * n + i];
    const bb = t[i * n + i + 1];
    const c = t[(i + 1) * n + i];
    const d = t[(i + 1) * n + i + 1];
    const theta = 0.5 * (a + d);
    const p = 0.5 * (a - d);
    const disc = p * p + bb * c;
    let alpha: number;
    if (disc < 0) {
      // complex pair θ ± iμ: α = Re √(θ + iμ) > 0
      alpha = csqrt(theta, Math.sqrt(-disc))[0];
    } else {
      // (non-standardized input) real pair λ₁ ≥ λ₂: need λ₂ > 0; √M = (M + √det I)/√(tr + 2√det)
      const l2 = theta - Math.sqrt(disc);
      if (l2 < 0) return { u: u.fill(NaN), info: 1, eigenvalue: l2 };
      if (l2 === 0 && info === 0) {
        info = 2;
        eigenvalue = 0;
      }
      const l1 = theta + Math.sqrt(disc);
      alpha = 0.5 * (Math.sqrt(l1) + Math.sqrt(l2)); // τ/2 with τ = √λ₁ + √λ₂
    }
    if (alpha === 0) {
      u[i * n + i] = u[i * n + i + 1] = u[(i + 1) * n + i] = u[(i + 1) * n + i + 1] = 0;
      continue;
    }
    const inv = 1 / (2 * alpha);
    u[i * n + i] = alpha + (a - theta) * inv;
    u[i * n + i + 1] = bb * inv;
    u[(i + 1) * n + i] = c * inv;
    u[(i + 1) * n + i + 1] = alpha + (d - theta) * inv;
  }
  // off-diagonal blocks: column block j, row blocks i = j−1 … 0
  let dmax = 0;
  for (let b = 0; b < nb; b++) {
    const i = blocks[b];
    for (let r = i; r < blocks[b + 1]; r++)
      for (let c = i; c < blocks[b + 1]; c++) dmax = Math.max(dmax, Math.abs(u[r * n + c]));
  }
  const smin = Math.max(EPS * dmax, SAFMIN * n);
  const c0 = new Float64Array(n);
  const c1 = new Float64Array(n);
  const rhs = new Float64Array(4);
  for (let jb = 1; jb < nb; jb++) {
    const j0 = blocks[jb];
    const jsz = blocks[jb + 1] - j0;
    for (let ib = jb - 1; ib >= 0; ib--) {
      const i0 = blocks[ib];
      const isz = blocks[ib + 1] - i0;
      const iend = i0 + isz;
      for (let p = 0; p < isz; p++) {
        const row = (i0 + p) * n;
        let s0 = t[row + j0];
        if (jsz === 2) {
          let s1 = t[row + j0 + 1];
          for (let k = iend; k < j0; k++) {
            const v = u[row + k];
            s0 -= v * c0[k];
            s1 -= v * c1[k];
          }
          rhs[p * 2] = s0;
          rhs[p * 2 + 1] = s1;
        } else {
          for (let k = iend; k < j0; k++) s0 -= u[row + k] * c0[k];
          rhs[p] = s0;
        }
      }
      solveSmallSylvester(u, n, i0, isz, u, n, j0, jsz, rhs, smin);
      for (let p = 0; p < isz; p++) {
        const row = (i0 + p) * n;
        const y0 = rhs[p * jsz];
        c0[i0 + p] = y0;
        u[row + j0] = y0;
        if (jsz === 2) {
          const y1 = rhs[p * 2 + 1];
          c1[i0 + p] = y1;
          u[row + j0 + 1] = y1;
        }
      }
    }
  }
  return { u, info, eigenvalue };
}

/**
 * Principal square root with the Schur pieces kept for the backward pass.
 * Cost: one real Schur decomposition + n³/3 flops for the recurrence + 2 GEMMs.
 */
export function sqrtmSchur(a: Float64Array, n: number): SqrtmSchurResult {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sqrtm: invalid dimension ${n}`);
  if (a.length < n * n) throw new RangeError(`sqrtm: expected ${n * n} elements, got ${a.length}`);
  const s = realSchur(a, n);
  if (s.info !== 0)
    return { x: new Float64Array(n * n).fill(NaN), info: 3, eigenvalue: NaN, t: s.t, z: s.z, u: new Float64Array(n * n).fill(NaN) };
  const r = sqrtmQuasiTriangular(s.t, n);
  const x = r.info === 1 ? new Float64Array(n * n).fill(NaN) : similarity(s.z, r.u, n);
  return { x, info: r.info, eigenvalue: r.eigenvalue, t: s.t, z: s.z, u: r.u };
}

/** Principal square root X of A (X² = A, eigenvalues of X in the open right half plane). */
export function sqrtm(a: Float64Array, n: number): SqrtmResult {
  const r = sqrtmSchur(a, n);
  return { x: r.x, info: r.info, eigenvalue: r.eigenvalue };
}
