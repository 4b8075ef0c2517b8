/**
 * The discrete Lyapunov (Stein) equation A X Aᵀ − X + Q = 0 by the real
 * Schur method (Barraud 1977; the discrete analogue of Bartels–Stewart):
 * with A = Z T Zᵀ and Y = Zᵀ X Z it becomes T Y Tᵀ − Y = F, F = −Zᵀ Q Z, and
 * block (i, j) of Y (1×1 or 2×2 blocks of the quasi-triangular T) solves
 *   T_ii Y_ij T_jjᵀ − Y_ij = F_ij − Σ_{k ≥ i, l ≥ j, (k,l) ≠ (i,j)} T_ik Y_kl T_jlᵀ,
 * taken from the last block row and column backwards. The double sum is
 *   Σ_{k > i} T_ik (Y Tᵀ)_kj + T_ii Σ_{l > j} Y_il T_jlᵀ,
 * where (Y Tᵀ) is formed once per finished block row: O(n³) in all.
 * The equation is singular exactly when λᵢ(A) λⱼ(A) = 1 for some pair.
 */
import { matmul, normMax, quasiBlocks, solveSmall } from "./matfun-util.js";
import { schurEigenvalues } from "./schur.js";

const EPS = 2.220446049250313e-16;
const SAFMIN = 2.2250738585072014e-308;

export interface SteinResult {
  /** The solution X (n×n row-major). */
  x: Float64Array;
  /** 0: solved; 1: some λᵢλⱼ − 1 was below working precision and was perturbed (X may be huge). */
  info: number;
  /** min |λᵢ λⱼ − 1| over eigenvalue pairs of A (complex moduli); Infinity when n = 0. */
  minSep: number;
}

/**
 * Solve T Y Tᵀ − Y = F in place (F ← Y) for T n×n upper quasi-triangular.
 * Returns true when a tiny system was perturbed (singular to working precision).
 */
export function solveQuasiTriangularStein(t: Float64Array, n: number, f: Float64Array): boolean {
  if (n === 0) return false;
  const tn = normMax(t.subarray(0, n * n));
  const smin = Math.max((SAFMIN * n * n) / EPS, EPS * Math.max(1, tn * tn));
  const blocks = quasiBlocks(t, n);
  const nbk = blocks.length - 1;
  const v = new Float64Array(n * n); // rows of Y Tᵀ of the finished block rows
  const w = new Float64Array(2 * n);
  const s = new Float64Array(4);
  const r = new Float64Array(4);
  const M = new Float64Array(16);
  let perturbed = false;
  for (let bi = nbk - 1; bi >= 0; bi--) {
    const i0 = blocks[bi], isz = blocks[bi + 1] - i0, iend = i0 + isz;
    // W = T[i, > i] (Y Tᵀ)[> i, :]
    w.fill(0, 0, isz * n);
    for (let rr = 0; rr < isz; rr++) {
      const trow = (i0 + rr) * n, wrow = rr * n;
      for (let k = iend; k < n; k++) {
        const tv = t[trow + k];
        if (tv === 0) continue;
        const vrow = k * n;
        for (let c = 0; c < n; c++) w[wrow + c] += tv * v[vrow + c];
      }
    }
    for (let bj = nbk - 1; bj >= 0; bj--) {
      const j0 = blocks[bj], jsz = blocks[bj + 1] - j0, jend = j0 + jsz;
      // S = Y[i, > j] T[j, > j]ᵀ  (isz × jsz)
      for (let rr = 0; rr < isz; rr++)
        for (let c = 0; c < jsz; c++) {
          let acc = 0;
          const yrow = (i0 + rr) * n, trow = (j0 + c) * n;
          for (let l = jend; l < n; l++) acc += f[yrow + l] * t[trow + l];
          s[rr * jsz + c] = acc;
        }
      // rhs = F_ij − W_ij − T_ii S
      for (let rr = 0; rr < isz; rr++)
        for (let c = 0; c < jsz; c++) {
          let acc = f[(i0 + rr) * n + j0 + c] - w[rr * n + j0 + c];
          for (let a = 0; a < isz; a++) acc -= t[(i0 + rr) * n + i0 + a] * s[a * jsz + c];
          r[rr * jsz + c] = acc;
        }
      // (T_jj ⊗ T_ii − I) vec(Y_ij) = rhs: unknown Y[p, c] at p·jsz + c
      const q = isz * jsz;
      for (let p = 0; p < isz; p++)
        for (let c = 0; c < jsz; c++) {
          const row = (p * jsz + c) * q;
          for (let a = 0; a < isz; a++)
            for (let b = 0; b < jsz; b++)
              M[row + a * jsz + b] = t[(i0 + p) * n + i0 + a] * t[(j0 + c) * n + j0 + b] - (a === p && b === c ? 1 : 0);
        }
      if (solveSmall(M, q, r, smin)) perturbed = true;
      for (let rr = 0; rr < isz; rr++) for (let c = 0; c < jsz; c++) f[(i0 + rr) * n + j0 + c] = r[rr * jsz + c];
    }
    // V[i, :] = Y[i, :] Tᵀ  (T[c, l] = 0 for l < c − 1)
    for (let rr = i0; rr < iend; rr++)
      for (let c = 0; c < n; c++) {
        let acc = 0;
        for (let l = Math.max(0, c - 1); l < n; l++) acc += f[rr * n + l] * t[c * n + l];
        v[rr * n + c] = acc;
      }
  }
  return perturbed;
}

/** min |λᵢ λⱼ − 1| over the eigenvalues of a quasi-triangular T. */
function minProductSep(t: Float64Array, n: number): number {
  if (n === 0) return Infinity;
  const e = schurEigenvalues(t, n);
  let mn = Infinity;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const re = e.re[i] * e.re[j] - e.im[i] * e.im[j] - 1, im = e.re[i] * e.im[j] + e.im[i] * e.re[j];
      mn = Math.min(mn, Math.hypot(re, im));
    }
  return mn;
}

/** (J Tᵀ J, Z J): a real Schur form of Aᵀ from one of A = Z T Zᵀ (J the reversal). */
function flip(t: Float64Array, z: Float64Array, n: number): { t: Float64Array; z: Float64Array } {
  const tf = new Float64Array(n * n), zf = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      tf[i * n + j] = t[(n - 1 - j) * n + (n - 1 - i)];
      zf[i * n + j] = z[i * n + (n - 1 - j)];
    }
  return { t: tf, z: zf };
}

/**
 * Solve A X Aᵀ − X + Q = 0 given the real Schur form A = z t zᵀ; with
 * `transposed`, Aᵀ X A − X + Q = 0 (the adjoint equation, same factors).
 * Cost: 4 GEMMs + O(n³) for the quasi-triangular solve.
 */
export function solveSteinSchur(t: Float64Array, z: Float64Array, n: number, q: Float64Array, transposed = false): SteinResult {
  if (t.length < n * n || z.length < n * n || q.length < n * n) throw new RangeError(`solveSteinSchur: arrays shorter than ${n}×${n}`);
  if (n === 0) return { x: new Float64Array(0), info: 0, minSep: Infinity };
  const fz = transposed ? flip(t, z, n) : { t, z };
  // F = −Zᵀ Q Z
  const f = matmul(matmul(fz.z, q, n, n, n, true, false), fz.z, n, n, n);
  for (let i = 0; i < n * n; i++) f[i] = -f[i];
  const perturbed = solveQuasiTriangularStein(fz.t, n, f);
  const x = matmul(matmul(fz.z, f, n, n, n), fz.z, n, n, n, false, true);
  return { x, info: perturbed ? 1 : 0, minSep: minProductSep(t, n) };
}
