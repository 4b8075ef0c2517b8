/**
 * Sylvester and Lyapunov equations by the Bartels–Stewart method
 * (Bartels & Stewart 1972; Golub & Van Loan §7.6.3; blocks as LAPACK dtrsyl):
 *
 *   A X + X B = C,  A = U S Uᵀ, B = V T Vᵀ (real Schur forms)
 *   ⇒ S Y + Y T = F  with  F = Uᵀ C V,  X = U Y Vᵀ.
 *
 * With S, T upper quasi-triangular, block (k, l) of Y solves the small
 * (≤ 4 unknowns) Sylvester equation
 *   S_kk Y_kl + Y_kl T_ll = F_kl − Σ_{j>k} S_kj Y_jl − Σ_{i<l} Y_ki T_il,
 * taken column block by column block (left to right), bottom to top inside.
 * The equation is singular iff λ(A) ∩ −λ(B) ≠ ∅; small pivots are perturbed to
 * smin = max(ε·max|S|, ε·max|T|, tiny) and reported through info = 1.
 *
 * Transposed equations reuse the same factors: Aᵀ = (U J)(J Sᵀ J)(U J)ᵀ with J the
 * reversal permutation, and J Sᵀ J is again upper quasi-triangular — so
 * Aᵀ Y + Y Bᵀ = G (the VJP of A X + X B = C) costs no new Schur decomposition.
 */
import { realSchur, schurEigenvalues } from "./schur.js";
import { matmul, normMax, quasiBlocks, solveSmallSylvester } from "./matfun-util.js";

const EPS = 2.220446049250313e-16;
const SAFMIN = 2.2250738585072014e-308;

export interface SylvesterResult {
  /** The solution X (m×n row-major). */
  x: Float64Array;
  /**
   * 0: solved. 1: the equation is singular to working precision (some
   * λᵢ(A) + μⱼ(B) was below smin and was perturbed; X is then a solution of a
   * nearby equation and may be huge). 2: the Schur decomposition of A or B
   * failed to converge (X is NaN).
   */
  info: number;
  /**
   * min over eigenvalue pairs |λᵢ(A) + μⱼ(B)| (complex moduli), computed from the
   * Schur diagonals; Infinity when m·n = 0. This is an upper bound on
   * sep(A, −B) = σ_min(I⊗A + Bᵀ⊗I), which can be much smaller for non-normal A, B.
   */
  minSep: number;
}

export interface SylvesterSchurFactors {
  /** Real Schur factors of A (A = za ta zaᵀ) and of B (B = zb tb zbᵀ), for reuse in backward passes. */
  ta: Float64Array;
  za: Float64Array;
  tb: Float64Array;
  zb: Float64Array;
}

/**
 * Solve S Y + Y T = F in place (F ← Y) for S (m×m) and T (n×n) upper
 * quasi-triangular (real Schur form; a 2×2 diagonal block starts at i when
 * the subdiagonal entry (i+1, i) is nonzero). Returns true if some small
 * system was perturbed (singular to working precision).
 */
export function solveQuasiTriangularSylvester(
  s: Float64Array,
  m: number,
  t: Float64Array,
  n: number,
  f: Float64Array,
): boolean {
  if (s.length < m * m || t.length < n * n || f.length < m * n)
    throw new RangeError("solveQuasiTriangularSylvester: array shorter than its dimensions");
  if (m === 0 || n === 0) return false;
  const smlnum = (SAFMIN * (m * n)) / EPS;
  const smin = Math.max(smlnum, EPS * normMax(s.subarray(0, m * m)), EPS * normMax(t.subarray(0, n * n)));
  const sb = quasiBlocks(s, m);
  const tb = quasiBlocks(t, n);
  const y0 = new Float64Array(m);
  const y1 = new Float64Array(m);
  const r = new Float64Array(4);
  let perturbed = false;
  for (let lb = 0; lb + 1 < tb.length; lb++) {
    const l0 = tb[lb];
    const lsz = tb[lb + 1] - l0;
    const lend = l0 + lsz;
    for (let i = 0; i < m; i++) y0[i] = f[i * n + l0];
    if (lsz === 2) for (let i = 0; i < m; i++) y1[i] = f[i * n + l0 + 1];
    for (let kb = sb.length - 2; kb >= 0; kb--) {
      const k0 = sb[kb];
      const ksz = sb[kb + 1] - k0;
      const kend = k0 + ksz;
      // rhs_{rc} = F_{rc} − Σ_{j ≥ kend} S[r, j] Y[j, c]
      for (let rr = 0; rr < ksz; rr++) {
        const row = (k0 + rr) * m;
        let a0 = y0[k0 + rr];
        let a1 = lsz === 2 ? y1[k0 + rr] : 0;
        if (lsz === 2) {
          for (let j = kend; j < m; j++) {
            const sv = s[row + j];
            a0 -= sv * y0[j];
            a1 -= sv * y1[j];
          }
          r[rr * 2] = a0;
          r[rr * 2 + 1] = a1;
        } else {
          for (let j = kend; j < m; j++) a0 -= s[row + j] * y0[j];
          r[rr] = a0;
        }
      }
      if (solveSmallSylvester(s, m, k0, ksz, t, n, l0, lsz, r, smin)) perturbed = true;
      for (let rr = 0; rr < ksz; rr++) {
        y0[k0 + rr] = r[rr * lsz];
        if (lsz === 2) y1[k0 + rr] = r[rr * lsz + 1];
      }
    }
    // write back Y[:, l] and update the later columns: F[:, j] -= Y[:, l] T[l, j], j ≥ lend
    for (let i = 0; i < m; i++) {
      const row = i * n;
      const ya = y0[i];
      f[row + l0] = ya;
      if (lsz === 2) {
        const yb = y1[i];
        f[row + l0 + 1] = yb;
        const ta = l0 * n;
        const tb2 = ta + n;
        for (let j = lend; j < n; j++) f[row + j] -= ya * t[ta + j] + yb * t[tb2 + j];
      } else if (ya !== 0) {
        const ta = l0 * n;
        for (let j = lend; j < n; j++) f[row + j] -= ya * t[ta + j];
      }
    }
  }
  return perturbed;
}

/** min |λᵢ + μⱼ| over the eigenvalues of two quasi-triangular matrices. */
function minEigSum(s: Float64Array, m: number, t: Float64Array, n: number): number {
  if (m === 0 || n === 0) return Infinity;
  const a = schurEigenvalues(s, m);
  const b = schurEigenvalues(t, n);
  let mn = Infinity;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const v = Math.hypot(a.re[i] + b.re[j], a.im[i] + b.im[j]);
      if (v < mn) mn = v;
    }
  return mn;
}

/** (J Tᵀ J, Z J): a real Schur form of Aᵀ from one of A = Z T Zᵀ. */
function flipSchur(t: Float64Array, z: Float64Array, n: number): { t: Float64Array; z: Float64Array } {
  const tf = new Float64Array(n * n);
  const zf = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      tf[i * n + j] = t[(n - 1 - j) * n + (n - 1 - i)];
      zf[i * n + j] = z[i * n + (n - 1 - j)];
    }
  return { t: tf, z: zf };
}

function checkLen(name: string, arr: Float64Array, len: number, what: string): void {
  if (arr.length < len) throw new RangeError(`${name}: ${what} has ${arr.length} elements, expected ${len}`);
}

function solveFactored(
  ta: Float64Array,
  za: Float64Array,
  m: number,
  tb: Float64Array,
  zb: Float64Array,
  n: number,
  c: Float64Array,
): SylvesterResult {
  if (m === 0 || n === 0) return { x: new Float64Array(m * n), info: 0, minSep: Infinity };
  // F = Zaᵀ C Zb
  const f = matmul(matmul(za, c, m, m, n, true, false), zb, m, n, n);
  const perturbed = solveQuasiTriangularSylvester(ta, m, tb, n, f);
  // X = Za Y Zbᵀ
  const x = matmul(matmul(za, f, m, m, n), zb, m, n, n, false, true);
  return { x, info: perturbed ? 1 : 0, minSep: minEigSum(ta, m, tb, n) };
}

/**
 * Solve A X + X B = C given real Schur factors A = za ta zaᵀ (m×m) and
 * B = zb tb zbᵀ (n×n); C is m×n. With `transposed`, solve instead
 * Aᵀ X + X Bᵀ = C with the same factors — exactly the adjoint equation the VJP
 * of A X + X B = C needs (C̄ solves Aᵀ C̄ + C̄ Bᵀ = X̄; then Ā = −C̄ Xᵀ, B̄ = −Xᵀ C̄).
 * Cost: 4 GEMMs + O(m²n + mn²) for the quasi-triangular solve.
 */
export function solveSylvesterSchur(
  ta: Float64Array,
  za: Float64Array,
  m: number,
  tb: Float64Array,
  zb: Float64Array,
  n: number,
  c: Float64Array,
  transposed = false,
): SylvesterResult {
  const name = "solveSylvesterSchur";
  checkLen(name, ta, m * m, "ta");
  checkLen(name, za, m * m, "za");
  checkLen(name, tb, n * n, "tb");
  checkLen(name, zb, n * n, "zb");
  checkLen(name, c, m * n, "c");
  if (!transposed) return solveFactored(ta, za, m, tb, zb, n, c);
  const fa = flipSchur(ta, za, m);
  const fb = flipSchur(tb, zb, n);
  return solveFactored(fa.t, fa.z, m, fb.t, fb.z, n, c);
}

/**
 * Solve A X + X B = C (A m×m, B n×n, C m×n) by Bartels–Stewart. Also returns
 * the Schur factors so a backward pass can call
 * `solveSylvesterSchur(ta, za, m, tb, zb, n, xbar, true)`.
 */
export function solveSylvester(
  a: Float64Array,
  m: number,
  b: Float64Array,
  n: number,
  c: Float64Array,
): SylvesterResult & SylvesterSchurFactors {
  const name = "solveSylvester";
  checkLen(name, a, m * m, "a");
  checkLen(name, b, n * n, "b");
  checkLen(name, c, m * n, "c");
  const sa = realSchur(a, m);
  const sb = realSchur(b, n);
  const factors = { ta: sa.t, za: sa.z, tb: sb.t, zb: sb.z };
  if (sa.info !== 0 || sb.info !== 0)
    return { x: new Float64Array(m * n).fill(NaN), info: 2, minSep: NaN, ...factors };
  return { ...solveFactored(sa.t, sa.z, m, sb.t, sb.z, n, c), ...factors };
}

/**
 * Solve A X + X Aᵀ = Q given A = z t zᵀ (one Schur decomposition serves both
 * sides: Aᵀ = (zJ)(J tᵀ J)(zJ)ᵀ). With `transposed`, solve Aᵀ X + X A = Q —
 * the adjoint equation of the Lyapunov map (its VJP: Q̄ solves Aᵀ Q̄ + Q̄ A = X̄,
 * Ā = −(Q̄ Xᵀ + Q̄ᵀ X)).
 */
export function solveLyapunovSchur(
  t: Float64Array,
  z: Float64Array,
  n: number,
  q: Float64Array,
  transposed = false,
): SylvesterResult {
  const name = "solveLyapunovSchur";
  checkLen(name, t, n * n, "t");
  checkLen(name, z, n * n, "z");
  checkLen(name, q, n * n, "q");
  const f = flipSchur(t, z, n);
  return transposed ? solveFactored(f.t, f.z, n, t, z, n, q) : solveFactored(t, z, n, f.t, f.z, n, q);
}

/** Solve the continuous Lyapunov equation A X + X Aᵀ = Q (n×n). Returns the Schur factors of A too. */
export function solveLyapunov(
  a: Float64Array,
  n: number,
  q: Float64Array,
): SylvesterResult & { t: Float64Array; z: Float64Array } {
  const name = "solveLyapunov";
  checkLen(name, a, n * n, "a");
  checkLen(name, q, n * n, "q");
  const s = realSchur(a, n);
  if (s.info !== 0) return { x: new Float64Array(n * n).fill(NaN), info: 2, minSep: NaN, t: s.t, z: s.z };
  return { ...solveLyapunovSchur(s.t, s.z, n, q), t: s.t, z: s.z };
}
