/**
 * Algebraic Riccati equations, one n×n problem per call, with G = B R⁻¹ Bᵀ
 * formed by the caller (G and Q symmetric):
 *
 *   continuous (CARE)  Aᵀ X + X A − X G X + Q = 0,       closed loop A − G X stable (Re λ < 0);
 *   discrete   (DARE)  Aᵀ X (I + G X)⁻¹ A + Q − X = 0,   closed loop (I + G X)⁻¹ A stable (|λ| < 1)
 *                      (= SciPy's Aᵀ X A − Aᵀ X B (R + Bᵀ X B)⁻¹ Bᵀ X A + Q − X by Woodbury).
 *
 * CARE: the matrix sign function of the Hamiltonian H = [[A, −G], [−Q, −Aᵀ]]
 * by the scaled Newton iteration Z ← (Z/c + c Z⁻¹)/2, c = |det Z|^(1/2n)
 * (Roberts 1971; Byers 1987); the stabilizing X spans the stable invariant
 * subspace, W [I; X] = −[I; X] for W = sign(H), solved in least squares from
 * [W₁₂; W₂₂ + I] X = −[W₁₁ + I; W₂₁].
 * DARE: the structure-preserving doubling algorithm (Chu, Fan & Lin 2005):
 *   A₊ = A (I + G H)⁻¹ A,  G₊ = G + A (I + G H)⁻¹ G Aᵀ,  H₊ = H + Aᵀ H (I + G H)⁻¹ A,
 * from (A, G, Q); H converges quadratically to X.
 * Both are then refined by Newton's method (Kleinman 1968; Hewer 1971), whose
 * step is a Lyapunov / Stein equation with the closed-loop matrix Ac:
 *   CARE  Acᵀ dX + dX Ac = −F(X),   DARE  Acᵀ dX Ac − dX + F(X) = 0,
 * and the closed loop's eigenvalues (from the Schur form the step used) decide
 * whether the solution is stabilizing.
 *
 * Layer-1 kernel: failures are reported in `status`, never thrown.
 */
import { luFactor, luInverse, luSolve } from "./lu.js";
import { matmul, normFro } from "./matfun-util.js";
import { realSchur, schurEigenvalues } from "./schur.js";
import { solveLyapunovSchur } from "./sylvester.js";
import { solveSteinSchur } from "./stein.js";

const EPS = 2.220446049250313e-16;

export interface RiccatiResult {
  /** The stabilizing solution (n×n row-major, symmetric), NaN unless status is "ok". */
  x: Float64Array;
  /**
   * "ok"; "noStabilizing": the Hamiltonian / symplectic pencil has eigenvalues on the imaginary axis /
   * unit circle (a singular iterate) or the closed loop of the solution found is not stable;
   * "noConvergence": the iteration or the final residual did not reach its tolerance.
   */
  status: "ok" | "noStabilizing" | "noConvergence";
  /** Relative residual ‖F(X)‖_F / (‖Q‖_F + ‖Aᵀ X‖_F + ‖X A‖_F + ‖X G X‖_F). */
  residual: number;
  iterations: number;
  /** The spectral abscissa (CARE: max Re λ) or radius (DARE: max |λ|) of the closed loop. */
  closedLoop: number;
}

function symmetrize(x: Float64Array, n: number): void {
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (x[i * n + j] + x[j * n + i]);
      x[i * n + j] = v;
      x[j * n + i] = v;
    }
}

function norm1(a: Float64Array, n: number): number {
  let m = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a[i * n + j]);
    if (s > m) m = s;
  }
  return m;
}

const fail = (n: number, status: RiccatiResult["status"], iterations: number, residual = NaN, closedLoop = NaN): RiccatiResult => ({
  x: new Float64Array(n * n).fill(NaN), status, residual, iterations, closedLoop,
});

// ---------------------------------------------------------------------------
// CARE

/** F(X) = Aᵀ X + X A − X G X + Q and its scale (the sum of the terms' norms). */
function careResidual(a: Float64Array, g: Float64Array, q: Float64Array, x: Float64Array, n: number): { f: Float64Array; scale: number } {
  const ax = matmul(a, x, n, n, n, true, false); // Aᵀ X
  const xg = matmul(x, g, n, n, n);
  const xgx = matmul(xg, x, n, n, n);
  const f = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) f[i * n + j] = ax[i * n + j] + ax[j * n + i] - xgx[i * n + j] + q[i * n + j];
  return { f, scale: 2 * normFro(ax) + normFro(xgx) + normFro(q) };
}

/** The stabilizing solution of Aᵀ X + X A − X G X + Q = 0 (see the module comment). */
export function solveCare(a: Float64Array, g: Float64Array, q: Float64Array, n: number): RiccatiResult {
  if (n === 0) return { x: new Float64Array(0), status: "ok", residual: 0, iterations: 0, closedLoop: -Infinity };
  const N = 2 * n;
  // H = [[A, −G], [−Q, −Aᵀ]]
  let z = new Float64Array(N * N);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      z[i * N + j] = a[i * n + j];
      z[i * N + n + j] = -g[i * n + j];
      z[(n + i) * N + j] = -q[i * n + j];
      z[(n + i) * N + n + j] = -a[j * n + i];
    }
  let it = 0, converged = false, scale = true;
  // the iteration's arrays, made once (z and zn swap roles each step): no arrays per iteration
  let zn = new Float64Array(N * N);
  const luBuf = new Float64Array(N * N), pivBuf = new Int32Array(N), zi = new Float64Array(N * N), work = new Float64Array(N * N);
  for (; it < 100 && !converged; it++) {
    const f = luFactor(z, N, { lu: luBuf, piv: pivBuf });
    if (f.info >= 0) return fail(n, "noStabilizing", it);
    luInverse(f.lu, f.piv, N, zi, work);
    let c = 1;
    if (scale) {
      let ld = 0;
      for (let i = 0; i < N; i++) ld += Math.log(Math.abs(f.lu[i * N + i]));
      c = Math.exp(ld / N);
      if (!(c > 0 && Number.isFinite(c))) c = 1;
    }
    let diff = 0;
    for (let i = 0; i < N * N; i++) {
      zn[i] = 0.5 * (z[i] / c + c * zi[i]);
      if (!Number.isFinite(zn[i])) return fail(n, "noStabilizing", it);
    }
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += Math.abs(zn[i * N + j] - z[i * N + j]);
      diff = Math.max(diff, s);
    }
    const rel = diff / Math.max(norm1(zn, N), Number.MIN_VALUE);
    const prev = z;
    z = zn;
    zn = prev;
    if (rel < 1e-2) scale = false; // near convergence the unscaled iteration converges quadratically
    if (rel <= 1e2 * N * EPS) converged = true;
  }
  // the Newton sign iteration converges (globally, quadratically in the end) unless H has eigenvalues on the imaginary axis
  if (!converged) return fail(n, "noStabilizing", it);
  // normal equations of [W₁₂; W₂₂ + I] X = −[W₁₁ + I; W₂₁]
  const m = new Float64Array(N * n), r = new Float64Array(N * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      m[i * n + j] = z[i * N + n + j];
      m[(n + i) * n + j] = z[(n + i) * N + n + j] + (i === j ? 1 : 0);
      r[i * n + j] = -(z[i * N + j] + (i === j ? 1 : 0));
      r[(n + i) * n + j] = -z[(n + i) * N + j];
    }
  const mtm = matmul(m, m, n, N, n, true, false), mtr = matmul(m, r, n, N, n, true, false);
  const fm = luFactor(mtm, n);
  if (fm.info >= 0) return fail(n, "noStabilizing", it);
  let x = luSolve(fm.lu, fm.piv, n, mtr, n, false);
  symmetrize(x, n);
  // Newton–Kleinman refinement: Acᵀ dX + dX Ac = −F(X), Ac = A − G X
  let res = careResidual(a, g, q, x, n);
  let closedLoop = NaN;
  for (let k = 0; k < 10; k++) {
    const gx = matmul(g, x, n, n, n);
    const act = new Float64Array(n * n); // Acᵀ
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) act[j * n + i] = a[i * n + j] - gx[i * n + j];
    const s = realSchur(act, n);
    if (s.info !== 0) return fail(n, "noConvergence", it + k);
    const ev = schurEigenvalues(s.t, n);
    closedLoop = Math.max(...ev.re);
    const rhs = res.f.map((v) => -v);
    const step = solveLyapunovSchur(s.t, s.z, n, rhs); // Acᵀ dX + dX Ac = −F
    const fn = normFro(res.f);
    if (!(fn > 4 * EPS * res.scale) || step.info !== 0) break;
    const xn = x.map((v, i) => v + step.x[i]);
    symmetrize(xn, n);
    const rn = careResidual(a, g, q, xn, n);
    if (!(normFro(rn.f) < fn)) break;
    x = xn;
    res = rn;
    it++;
  }
  const residual = normFro(res.f) / Math.max(res.scale, Number.MIN_VALUE);
  if (!(closedLoop < 0)) return fail(n, "noStabilizing", it, residual, closedLoop);
  if (!(residual <= 1e-8)) return fail(n, "noConvergence", it, residual, closedLoop);
  return { x, status: "ok", residual, iterations: it, closedLoop };
}

// ---------------------------------------------------------------------------
// DARE

/** Ac = (I + G X)⁻¹ A, or null when I + G X is singular. */
function dareClosedLoop(a: Float64Array, g: Float64Array, x: Float64Array, n: number): Float64Array | null {
  const w = matmul(g, x, n, n, n);
  for (let i = 0; i < n; i++) w[i * n + i] += 1;
  const f = luFactor(w, n);
  if (f.info >= 0) return null;
  return luSolve(f.lu, f.piv, n, a, n, false);
}

/** F(X) = Aᵀ X Ac + Q − X and its scale. */
function dareResidual(a: Float64Array, q: Float64Array, x: Float64Array, ac: Float64Array, n: number): { f: Float64Array; scale: number } {
  const xac = matmul(x, ac, n, n, n);
  const t = matmul(a, xac, n, n, n, true, false);
  const f = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) f[i] = t[i] + q[i] - x[i];
  return { f, scale: normFro(t) + normFro(q) + normFro(x) };
}

/** The stabilizing solution of Aᵀ X (I + G X)⁻¹ A + Q − X = 0 (see the module comment). */
export function solveDare(a: Float64Array, g: Float64Array, q: Float64Array, n: number): RiccatiResult {
  if (n === 0) return { x: new Float64Array(0), status: "ok", residual: 0, iterations: 0, closedLoop: 0 };
  let ak: Float64Array = a.slice(0, n * n), gk: Float64Array = g.slice(0, n * n), hk: Float64Array = q.slice(0, n * n);
  let it = 0, converged = false;
  // the iteration's arrays, made once (the iterates and their successors swap roles each step): no arrays per iteration
  const nn = n * n;
  const w = new Float64Array(nn), luBuf = new Float64Array(nn), pivBuf = new Int32Array(n);
  const v1 = new Float64Array(nn), v2 = new Float64Array(nn), tmp = new Float64Array(nn);
  let an: Float64Array = new Float64Array(nn), gn: Float64Array = new Float64Array(nn), hn: Float64Array = new Float64Array(nn);
  for (; it < 100 && !converged; it++) {
    matmul(gk, hk, n, n, n, false, false, w);
    for (let i = 0; i < n; i++) w[i * n + i] += 1;
    const f = luFactor(w, n, { lu: luBuf, piv: pivBuf });
    if (f.info >= 0) return fail(n, "noStabilizing", it);
    luSolve(f.lu, f.piv, n, ak, n, false, v1); // (I + G H)⁻¹ A
    luSolve(f.lu, f.piv, n, gk, n, false, v2); // (I + G H)⁻¹ G
    matmul(ak, v1, n, n, n, false, false, an);
    matmul(matmul(ak, v2, n, n, n, false, false, tmp), ak, n, n, n, false, true, gn);
    matmul(matmul(ak, hk, n, n, n, true, false, tmp), v1, n, n, n, false, false, hn);
    let diff = 0;
    for (let i = 0; i < n * n; i++) {
      gn[i] += gk[i];
      hn[i] += hk[i];
      if (!Number.isFinite(hn[i]) || !Number.isFinite(gn[i])) return fail(n, "noStabilizing", it);
      diff = Math.max(diff, Math.abs(hn[i] - hk[i]));
    }
    let hmax = 0;
    for (let i = 0; i < n * n; i++) hmax = Math.max(hmax, Math.abs(hn[i]));
    [ak, an] = [an, ak];
    [gk, gn] = [gn, gk];
    [hk, hn] = [hn, hk];
    symmetrize(gk, n);
    symmetrize(hk, n);
    if (diff <= 1e2 * n * EPS * Math.max(hmax, Number.MIN_VALUE)) converged = true;
  }
  // doubling converges quadratically when a stabilizing solution exists; it stalls or diverges when the pencil has unit-circle eigenvalues
  if (!converged) return fail(n, "noStabilizing", it);
  let x = hk;
  // Newton (Hewer) refinement: Acᵀ dX Ac − dX + F(X) = 0
  let ac = dareClosedLoop(a, g, x, n);
  if (ac === null) return fail(n, "noStabilizing", it);
  let res = dareResidual(a, q, x, ac, n);
  let closedLoop = NaN;
  for (let k = 0; k < 10; k++) {
    const s = realSchur(ac, n);
    if (s.info !== 0) return fail(n, "noConvergence", it + k);
    const ev = schurEigenvalues(s.t, n);
    closedLoop = 0;
    for (let i = 0; i < n; i++) closedLoop = Math.max(closedLoop, Math.hypot(ev.re[i], ev.im[i]));
    const fn = normFro(res.f);
    if (!(fn > 4 * EPS * res.scale)) break;
    const step = solveSteinSchur(s.t, s.z, n, res.f, true);
    if (step.info !== 0) break;
    const xn = x.map((v, i) => v + step.x[i]);
    symmetrize(xn, n);
    const acn = dareClosedLoop(a, g, xn, n);
    if (acn === null) break;
    const rn = dareResidual(a, q, xn, acn, n);
    if (!(normFro(rn.f) < fn)) break;
    x = xn;
    ac = acn;
    res = rn;
    it++;
  }
  const residual = normFro(res.f) / Math.max(res.scale, Number.MIN_VALUE);
  if (!(closedLoop < 1)) return fail(n, "noStabilizing", it, residual, closedLoop);
  if (!(residual <= 1e-8)) return fail(n, "noConvergence", it, residual, closedLoop);
  return { x, status: "ok", residual, iterations: it, closedLoop };
}
