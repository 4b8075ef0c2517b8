/**
 * The structured linear solves behind the derivatives of the real Schur and
 * Hessenberg reductions (row-major Float64Array, n×n).
 *
 * Both reductions are A = Q M Qᵀ with Q orthogonal and M structured (T upper
 * quasi-triangular, H upper Hessenberg). Differentiating, with
 * Ω = Qᵀ dQ antisymmetric and C = Qᵀ dA Q:
 *
 *   dM = C + M Ω − Ω M,
 *
 * and dM must keep M's structure: its entries below the structure vanish.
 * Writing Ω = X − Xᵀ with X strictly lower (on a support S_in), the
 * conditions P_out(M Ω − Ω M) = −P_out(C) (P_out the positions below the
 * structure) are a square linear system N(X) = G, triangular in a suitable
 * order — so it is solved by substitution, like a triangular Sylvester equation
 * (the Bartels–Stewart step):
 *
 *   schur:      S_in = S_out = the block-lower positions (rows and columns in
 *               different diagonal blocks of T). Block (I, J), I > J, reads
 *                 T_II X_IJ − X_IJ T_JJ + Σ_{K>I} T_IK X_KJ − Σ_{K<J} X_IK T_KJ = G_IJ,
 *               solved for I descending, J ascending; a 1×1 / 2×2 Sylvester
 *               equation per block, singular iff T_II and T_JJ share an
 *               eigenvalue (the derivative exists for distinct eigenvalues).
 *   hessenberg: S_in = {i > j ≥ 1} (Q e₁ = e₁ fixes Ω's first column),
 *               S_out = {i ≥ j + 2}. Equation (i, c − 1) holds X_{i,c} with
 *               coefficient −H_{c,c−1}:
 *                 X_{i,c} = (Σ_{k≥i−1} H_ik X_{k,c−1} − Σ_{k<c} X_ik H_{k,c−1} − G_{i,c−1}) / H_{c,c−1},
 *               columns c ascending; singular iff a subdiagonal entry is 0 (H
 *               reduced: the reduction is then not unique — the implicit-Q theorem).
 *
 * The adjoint map (the VJP) is Nᵀ(Y) = P_in(Mᵀ Y − Y Mᵀ) for Y on S_out (the
 * term with Yᵀ vanishes on S_in for both structures), solved by the same
 * substitution in the reverse order (`transposed`). Entries of G outside the
 * support the solve reads are ignored; the solution is exactly 0 outside its
 * support.
 */
import { solveSmall } from "./matfun-util.js";
import { quasiBlocks } from "./matfun-util.js";

export interface StructuredSolveResult {
  /** The solution (n×n, zero outside its support). */
  x: Float64Array;
  /** 0: solved. 1: singular — a pivot below smin (x is then not meaningful). */
  info: number;
  /** The smallest pivot modulus met (schur: eigenvalue separation of two blocks; hessenberg: |H_{c,c−1}|). */
  minPivot: number;
}

const M4 = new Float64Array(16);
const R4 = new Float64Array(4);

/**
 * Solve N(X) = G (or Nᵀ(Y) = G when `transposed`) for the real Schur form T
 * (upper quasi-triangular, exact zeros below its diagonal blocks).
 */
export function schurStructuredSolve(t: Float64Array, n: number, g: Float64Array, transposed: boolean, smin: number): StructuredSolveResult {
  const blocks = quasiBlocks(t, n);
  const nb = blocks.length - 1;
  const x = new Float64Array(n * n);
  let info = 0, minPivot = Infinity;
  const solveBlock = (I: number, J: number): void => {
    const si = blocks[I], ei = blocks[I + 1], sj = blocks[J], ej = blocks[J + 1];
    const p = ei - si, q = ej - sj, m = p * q;
    for (let r = si; r < ei; r++)
      for (let c = sj; c < ej; c++) {
        let v = g[r * n + c];
        if (!transposed) {
          // − Σ_{K>I} T_IK X_KJ + Σ_{K<J} X_IK T_KJ
          for (let k = ei; k < n; k++) v -= t[r * n + k] * x[k * n + c];
          for (let k = 0; k < sj; k++) v += x[r * n + k] * t[k * n + c];
        } else {
          // − Σ_{J<K<I} (Tᵀ)_IK Y_KJ + Σ_{J<K<I} Y_IK (Tᵀ)_KJ
          for (let k = ej; k < si; k++) v -= t[k * n + r] * x[k * n + c] - x[r * n + k] * t[c * n + k];
        }
        R4[(r - si) * q + (c - sj)] = v;
      }
    // the small system op(T_II) Y − Y op(T_JJ) = R, unknown (a, b) at a·q + b
    M4.fill(0, 0, m * m);
    for (let a = 0; a < p; a++)
      for (let b = 0; b < q; b++) {
        const row = (a * q + b) * m;
        for (let j = 0; j < p; j++) M4[row + j * q + b] += transposed ? t[(si + j) * n + si + a] : t[(si + a) * n + si + j];
        for (let i = 0; i < q; i++) M4[row + a * q + i] -= transposed ? t[(sj + b) * n + sj + i] : t[(sj + i) * n + sj + b];
      }
    // separation of the two blocks' eigenvalues (the pivot that decides singularity)
    minPivot = Math.min(minPivot, blockSeparation(t, n, si, p, sj, q));
    if (solveSmall(M4, m, R4, smin)) info = 1;
    for (let a = 0; a < p; a++) for (let b = 0; b < q; b++) x[(si + a) * n + sj + b] = R4[a * q + b];
  };
  if (!transposed) {
    for (let I = nb - 1; I >= 0; I--) for (let J = 0; J < I; J++) solveBlock(I, J);
  } else {
    for (let I = 0; I < nb; I++) for (let J = I - 1; J >= 0; J--) solveBlock(I, J);
  }
  if (minPivot <= smin) info = 1;
  return { x, info, minPivot };
}

/** min |λ − μ| over the eigenvalues λ of the diagonal block at si (size p) and μ of the block at sj (size q). */
function blockSeparation(t: Float64Array, n: number, si: number, p: number, sj: number, q: number): number {
  const ev = (s: number, k: number): [number, number] => {
    if (k === 1) return [t[s * n + s], 0];
    const a = t[s * n + s], b = t[s * n + s + 1], c = t[(s + 1) * n + s], d = t[(s + 1) * n + s + 1];
    const disc = ((a - d) / 2) ** 2 + b * c;
    return disc < 0 ? [(a + d) / 2, Math.sqrt(-disc)] : [(a + d) / 2, 0];
  };
  const [re1, im1] = ev(si, p), [re2, im2] = ev(sj, q);
  // conjugate pairs ±im: the closest pair of eigenvalues
  return Math.hypot(re1 - re2, Math.abs(im1) - Math.abs(im2));
}

/**
 * Solve N(X) = G (or Nᵀ(Y) = G when `transposed`) for an upper Hessenberg H
 * (see the module comment for the supports and the recurrences).
 */
export function hessenbergStructuredSolve(h: Float64Array, n: number, g: Float64Array, transposed: boolean, smin: number): StructuredSolveResult {
  const x = new Float64Array(n * n);
  let minPivot = Infinity;
  for (let c = 1; c + 1 < n; c++) minPivot = Math.min(minPivot, Math.abs(h[c * n + c - 1]));
  if (minPivot <= smin) return { x, info: 1, minPivot };
  if (!transposed) {
    for (let c = 1; c + 1 < n; c++) {
      const piv = h[c * n + c - 1];
      for (let i = c + 1; i < n; i++) {
        let v = -g[i * n + c - 1];
        for (let k = i - 1; k < n; k++) v += h[i * n + k] * x[k * n + c - 1];
        for (let k = 1; k < c; k++) v -= x[i * n + k] * h[k * n + c - 1];
        x[i * n + c] = v / piv;
      }
    }
  } else {
    // Y on {i ≥ j + 2}: Y_{i,c−1} = (Σ_{k=c+2}^{i+1} H_ki Y_kc − Σ_{k=c}^{i−2} Y_ik H_ck − G_ic) / H_{c,c−1}
    for (let c = n - 2; c >= 1; c--) {
      const piv = h[c * n + c - 1];
      for (let i = c + 1; i < n; i++) {
        let v = -g[i * n + c];
        for (let k = c + 2; k <= Math.min(i + 1, n - 1); k++) v += h[k * n + i] * x[k * n + c];
        for (let k = c; k <= i - 2; k++) v -= x[i * n + k] * h[c * n + k];
        x[i * n + c - 1] = v / piv;
      }
    }
  }
  return { x, info: 0, minPivot };
}

/**
 * Fix the gauge of a real Schur form A = Z T Zᵀ in place, so that the factors
 * are locally smooth functions of A (the QR iteration's own choice flips with
 * tiny perturbations): for a standardized 2×2 block [[a, b], [c, a]] the
 * rotation by π/2 inside the block (b, c) → (−c, −b) makes |b| ≥ |c|; then
 * each column of Z is signed so that its entry of largest magnitude is
 * positive — for a 2×2 block the first column, the second one so that b > 0.
 * T and Z change as T ← Sᵀ T S, Z ← Z S (S orthogonal), so A = Z T Zᵀ holds.
 */
export function normalizeSchurGauge(t: Float64Array, z: Float64Array, n: number): void {
  const blocks = quasiBlocks(t, n);
  const sign = new Float64Array(n);
  for (let bk = 0; bk + 1 < blocks.length; bk++) {
    const i = blocks[bk];
    if (blocks[bk + 1] - i === 2) {
      const j = i + 1;
      if (Math.abs(t[i * n + j]) < Math.abs(t[j * n + i])) {
        // R = [[0, −1], [1, 0]]:  Z ← Z R (col i ← col j, col j ← −col i), T ← Rᵀ T R
        for (let r = 0; r < n; r++) {
          const zi = z[r * n + i];
          z[r * n + i] = z[r * n + j];
          z[r * n + j] = -zi;
        }
        for (let c = 0; c < n; c++) {
          const ti = t[i * n + c];
          t[i * n + c] = t[j * n + c];
          t[j * n + c] = -ti;
        }
        for (let r = 0; r < n; r++) {
          const ti = t[r * n + i];
          t[r * n + i] = t[r * n + j];
          t[r * n + j] = -ti;
        }
      }
      sign[i] = largestSign(z, n, i);
      sign[j] = t[i * n + j] * sign[i] >= 0 ? 1 : -1;
    } else sign[i] = largestSign(z, n, i);
  }
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      // + 0: an exact zero stays +0 (not −0) below the blocks
      z[r * n + c] = z[r * n + c] * sign[c] + 0;
      t[r * n + c] = t[r * n + c] * sign[r] * sign[c] + 0;
    }
}

/** The sign making column c's entry of largest magnitude positive (the first one on ties). */
function largestSign(z: Float64Array, n: number, c: number): number {
  let best = 0, v = 0;
  for (let r = 0; r < n; r++) {
    const a = Math.abs(z[r * n + c]);
    if (a > best) {
      best = a;
      v = z[r * n + c];
    }
  }
  return v < 0 ? -1 : 1;
}
