/**
 * Matrix-free Krylov solvers on flat float64 vectors: preconditioned CG,
 * restarted GMRES(m) with right preconditioning, and right-preconditioned
 * BiCGSTAB. The operator is a function v ↦ A v; nothing here knows about
 * tensors or autodiff (src/custom/linsolve/solve.ts wraps these for tensors).
 *
 * Numbers only: failures are reported in the result (`converged`, `reason`),
 * never thrown; the tensor layer turns them into ConvergenceError with the
 * op's name. Convergence always means the *true* residual ‖b − A x‖₂ is at
 * most tol = max(rtol·‖b‖₂, atol): recursively updated residuals are
 * re-checked against a freshly computed one before success is reported.
 *
 * References: Saad, "Iterative Methods for Sparse Linear Systems" (2003),
 * Alg. 9.1 (PCG), 9.5 (right-preconditioned GMRES), 7.7 (BiCGSTAB);
 * Paige, Rozložník & Strakoš (2006) for the backward stability of MGS-GMRES.
 */

import { pairwiseDot } from "../../kernels/reduce.js";

export type MatVec = (v: Float64Array) => Float64Array;

export interface KrylovOptions {
  /** Relative tolerance on ‖b − A x‖₂ / ‖b‖₂. */
  rtol: number;
  /** Absolute tolerance on ‖b − A x‖₂. */
  atol: number;
  /** Maximum iterations (CG and GMRES: one matvec each; BiCGSTAB: two). */
  maxIter: number;
  /** Initial guess (warm start); zero when omitted. */
  x0?: Float64Array;
  /** Preconditioner v ↦ M v ≈ A⁻¹ v (for CG it must be symmetric positive definite). */
  precond?: MatVec;
  /** GMRES restart length m (Krylov basis size per cycle). */
  restart?: number;
}

export interface KrylovResult {
  x: Float64Array;
  converged: boolean;
  /** Iterations performed. */
  iterations: number;
  /** Operator applications (including true-residual checks). */
  matvecs: number;
  /** Final true residual ‖b − A x‖₂ (or the best estimate when the method broke down). */
  residual: number;
  /** ‖b‖₂. */
  bnorm: number;
  /** The tolerance that was to be met: max(rtol·‖b‖₂, atol). */
  tol: number;
  /** Why the method stopped without converging. */
  reason?: string;
}

// ---------------------------------------------------------------------------
// BLAS-1 helpers (no allocation)

/** ⟨a, b⟩, summed pairwise (kernels/reduce.ts: error ∝ log n, not n, for long vectors). */
export function dot(a: Float64Array, b: Float64Array): number {
  return pairwiseDot(a, b);
}

/** ‖a‖₂ without overflow for huge entries (scaled sum of squares only when needed). */
export function nrm2(a: Float64Array): number {
  const s = pairwiseDot(a, a);
  if (s < 1e290 && s > 1e-290) return Math.sqrt(s);
  if (s === 0) return 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  if (!(scale > 0) || !Number.isFinite(scale)) return scale;
  let t = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] / scale;
    t += v * v;
  }
  return scale * Math.sqrt(t);
}

/** y += alpha x */
function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

function checkLen(v: Float64Array, n: number, what: string): Float64Array {
  if (v.length !== n) throw new RangeError(`krylov: ${what} returned a vector of length ${v.length}, expected ${n}`);
  return v;
}

function wrapOp(A: MatVec, n: number, what: string): MatVec {
  return (v) => checkLen(A(v), n, what);
}

/** r = b − A x; returns [r, ‖r‖]. */
function trueResidual(A: MatVec, b: Float64Array, x: Float64Array): [Float64Array, number] {
  const Ax = A(x);
  const r = new Float64Array(b.length);
  for (let i = 0; i < r.length; i++) r[i] = b[i] - Ax[i];
  return [r, nrm2(r)];
}

/** What every solver starts from: the length-checked operator and preconditioner, x = x0 (or zero), r = b − A x and the tolerance. */
interface Start {
  n: number;
  A: MatVec;
  M: MatVec | null;
  x: Float64Array;
  bnorm: number;
  tol: number;
  r: Float64Array;
  rnorm: number;
  matvecs: number;
  /** The result when there is nothing to iterate (x0 already meets the tolerance, or r is not finite); null otherwise. */
  early: KrylovResult | null;
}

function start(Aop: MatVec, b: Float64Array, o: KrylovOptions): Start {
  const n = b.length;
  const A = wrapOp(Aop, n, "the operator");
  const M = o.precond === undefined ? null : wrapOp(o.precond, n, "the preconditioner");
  const x = o.x0 !== undefined ? checkLen(o.x0.slice(), n, "x0") : new Float64Array(n);
  const bnorm = nrm2(b);
  const tol = Math.max(o.rtol * bnorm, o.atol);
  let matvecs = 0;
  let r: Float64Array;
  let rnorm: number;
  if (o.x0 !== undefined) {
    [r, rnorm] = trueResidual(A, b, x);
    matvecs++;
  } else {
    r = b.slice();
    rnorm = bnorm;
  }
  let early: KrylovResult | null = null;
  if (rnorm <= tol || !Number.isFinite(rnorm)) {
    const converged = rnorm <= tol;
    const reason = converged ? undefined : "the right-hand side or initial residual is not finite";
    early = { x, converged, iterations: 0, matvecs, residual: rnorm, bnorm, tol, reason };
  }
  return { n, A, M, x, bnorm, tol, r, rnorm, matvecs, early };
}

// ---------------------------------------------------------------------------
// Conjugate gradients (symmetric positive definite A, SPD preconditioner)

export function cg(Aop: MatVec, b: Float64Array, o: KrylovOptions): KrylovResult {
  const s0 = start(Aop, b, o);
  if (s0.early !== null) return s0.early;
  const { n, A, M, x, bnorm, tol } = s0;
  let { r, rnorm, matvecs } = s0;
  const result = (converged: boolean, it: number, reason?: string): KrylovResult =>
    ({ x, converged, iterations: it, matvecs, residual: rnorm, bnorm, tol, reason });

  let z = M === null ? r.slice() : M(r);
  let p = z.slice();
  let rz = dot(r, z);
  if (!(rz > 0)) return result(false, 0, `the preconditioner is not positive definite (rᵀMr = ${rz.toPrecision(3)})`);
  let it = 0;
  let restarts = 0;
  while (it < o.maxIter) {
    const Ap = A(p);
    matvecs++;
    it++;
    const pAp = dot(p, Ap);
    if (!(pAp > 0)) {
      if (!Number.isFinite(pAp)) return result(false, it, "non-finite values in the operator's output");
      return result(false, it, `the operator is not positive definite (pᵀAp = ${pAp.toPrecision(3)} ≤ 0); use GMRES or BiCGSTAB`);
    }
    const alpha = rz / pAp;
    axpy(alpha, p, x);
    axpy(-alpha, Ap, r);
    rnorm = nrm2(r);
    if (rnorm <= tol) {
      // guard against drift between the recursive and the true residual
      [r, rnorm] = trueResidual(A, b, x);
      matvecs++;
      if (rnorm <= tol) return result(true, it);
      if (++restarts > 5) return result(false, it, "the recursively updated residual drifted from the true residual (tolerance below attainable accuracy?)");
      z = M === null ? r.slice() : M(r);
      p = z.slice();
      rz = dot(r, z);
      continue;
    }
    z = M === null ? r : M(r);
    const rzNew = dot(r, z);
    if (!(rzNew > 0)) return result(false, it, `the preconditioner is not positive definite (rᵀMr = ${rzNew.toPrecision(3)})`);
    const beta = rzNew / rz;
    rz = rzNew;
    for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
  }
  [, rnorm] = trueResidual(A, b, x);
  matvecs++;
  if (rnorm <= tol) return result(true, it);
  return result(false, it, `maxIter = ${o.maxIter} reached`);
}

// ---------------------------------------------------------------------------
// Restarted GMRES(m), right preconditioned: A M u = r, x = x0 + M u.
// The residual norm of the small least-squares problem equals the true
// residual in exact arithmetic; the true residual is recomputed per cycle.

export function gmres(Aop: MatVec, b: Float64Array, o: KrylovOptions): KrylovResult {
  const s0 = start(Aop, b, o);
  if (s0.early !== null) return s0.early;
  const { n, A, M, x, bnorm, tol } = s0;
  let { r, rnorm, matvecs } = s0;
  const m = Math.max(1, Math.min(o.restart ?? 30, n));
  const result = (converged: boolean, it: number, reason?: string): KrylovResult =>
    ({ x, converged, iterations: it, matvecs, residual: rnorm, bnorm, tol, reason });

  const V: Float64Array[] = [];
  for (let j = 0; j <= m; j++) V.push(new Float64Array(n));
  const H = new Float64Array((m + 1) * m); // column-major: H[i + j*(m+1)]
  const cs = new Float64Array(m), sn = new Float64Array(m), g = new Float64Array(m + 1), y = new Float64Array(m);
  let it = 0;
  let stalls = 0;
  while (true) {
    const beta = rnorm;
    const v0 = V[0];
    for (let i = 0; i < n; i++) v0[i] = r[i] / beta;
    g.fill(0);
    g[0] = beta;
    H.fill(0);
    let k = 0; // basis vectors used in this cycle
    let breakdown = false;
    while (k < m && it < o.maxIter) {
      const w = A(M === null ? V[k] : M(V[k])).slice(); // the operator may return shared storage
      matvecs++;
      it++;
      const col = k * (m + 1);
      // modified Gram–Schmidt; each update w −= hᵢ vᵢ is fused with the next
      // inner product ⟨w, vᵢ₊₁⟩ (one pass over w per basis vector). MGS-GMRES is
      // backward stable without re-orthogonalization (Paige, Rozložník &
      // Strakoš 2006), so there is no second pass.
      const before = nrm2(w);
      let h = dot(w, V[0]);
      for (let i = 0; i <= k; i++) {
        H[col + i] = h;
        const vi = V[i];
        if (i < k) {
          const vn = V[i + 1];
          let s = 0;
          for (let t = 0; t < n; t++) {
            const wt = w[t] - h * vi[t];
            w[t] = wt;
            s += wt * vn[t];
          }
          h = s;
        } else axpy(-h, vi, w);
      }
      const hnext = nrm2(w);
      if (!Number.isFinite(hnext)) {
        rnorm = NaN;
        return result(false, it, "non-finite values in the operator's output");
      }
      H[col + k + 1] = hnext;
      // apply the previous Givens rotations to the new column, then make a new one
      for (let i = 0; i < k; i++) {
        const a = H[col + i], bb = H[col + i + 1];
        H[col + i] = cs[i] * a + sn[i] * bb;
        H[col + i + 1] = -sn[i] * a + cs[i] * bb;
      }
      const a = H[col + k], bb = H[col + k + 1];
      const rho = Math.hypot(a, bb);
      if (rho === 0) {
        cs[k] = 1;
        sn[k] = 0;
      } else {
        cs[k] = a / rho;
        sn[k] = bb / rho;
      }
      H[col + k] = rho;
      H[col + k + 1] = 0;
      g[k + 1] = -sn[k] * g[k];
      g[k] = cs[k] * g[k];
      k++;
      if (hnext <= 1e-14 * before || hnext === 0) {
        breakdown = true; // invariant subspace: the LS solution is the best this Krylov space allows
        break;
      }
      const vn = V[k];
      for (let i = 0; i < n; i++) vn[i] = w[i] / hnext;
      if (Math.abs(g[k]) <= tol) break;
    }
    // back substitution R y = g (R = the rotated H, upper triangular k×k); skip tiny pivots
    let rmax = 0;
    for (let j = 0; j < k; j++) rmax = Math.max(rmax, Math.abs(H[j * (m + 1) + j]));
    for (let i = k - 1; i >= 0; i--) {
      let s = g[i];
      for (let j = i + 1; j < k; j++) s -= H[j * (m + 1) + i] * y[j];
      const d = H[i * (m + 1) + i];
      y[i] = Math.abs(d) > 1e-14 * rmax && d !== 0 ? s / d : 0;
    }
    const u = new Float64Array(n);
    for (let j = 0; j < k; j++) axpy(y[j], V[j], u);
    const du = M === null ? u : M(u);
    axpy(1, du, x);
    const prev = rnorm;
    [r, rnorm] = trueResidual(A, b, x);
    matvecs++;
    if (rnorm <= tol) return result(true, it);
    if (!Number.isFinite(rnorm)) return result(false, it, "non-finite values in the iterate");
    if (breakdown)
      return result(false, it, "breakdown: the Krylov space became invariant before the tolerance was met (the operator is singular, or the system is inconsistent)");
    if (it >= o.maxIter) return result(false, it, `maxIter = ${o.maxIter} reached`);
    // a restart cycle that makes no progress will never make any: the operator is (numerically) singular
    if (rnorm > prev * (1 - 1e-9)) {
      if (++stalls >= 2) return result(false, it, `stagnation: a full restart cycle of ${m} iterations did not reduce the residual (singular operator, or increase restart)`);
    } else stalls = 0;
  }
}

// ---------------------------------------------------------------------------
// BiCGSTAB, right preconditioned (van der Vorst 1992)

export function bicgstab(Aop: MatVec, b: Float64Array, o: KrylovOptions): KrylovResult {
  const s0 = start(Aop, b, o);
  if (s0.early !== null) return s0.early;
  const { n, A, M, x, bnorm, tol } = s0;
  let { r, rnorm, matvecs } = s0;
  const result = (converged: boolean, it: number, reason?: string): KrylovResult =>
    ({ x, converged, iterations: it, matvecs, residual: rnorm, bnorm, tol, reason });

  let rhat: Float64Array = r.slice();
  let rho = 1, alpha = 1, omega = 1;
  let v: Float64Array = new Float64Array(n), p: Float64Array = new Float64Array(n);
  const s = new Float64Array(n);
  let it = 0;
  let restarts = 0;
  const restart = (): void => {
    rhat = r.slice();
    rho = alpha = omega = 1;
    v = new Float64Array(n);
    p = new Float64Array(n);
  };
  const verify = (): KrylovResult | null => {
    [r, rnorm] = trueResidual(A, b, x);
    matvecs++;
    if (rnorm <= tol) return result(true, it);
    if (++restarts > 10) return result(false, it, "the recursively updated residual drifted from the true residual (tolerance below attainable accuracy?)");
    restart();
    return null;
  };
  while (it < o.maxIter) {
    const rhoNew = dot(rhat, r);
    if (Math.abs(rhoNew) <= 1e-300 || Math.abs(rhoNew) < 1e-15 * nrm2(rhat) * rnorm) {
      // the shadow residual became orthogonal to r: restart with r as the new shadow
      if (++restarts > 10) return result(false, it, "breakdown: ρ = r̂ᵀr vanished repeatedly");
      restart();
      continue;
    }
    const beta = (rhoNew / rho) * (alpha / omega);
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * (p[i] - omega * v[i]);
    const phat = M === null ? p : M(p);
    v = A(phat);
    matvecs++;
    it++;
    const rv = dot(rhat, v);
    if (rv === 0 || !Number.isFinite(rv)) {
      if (!Number.isFinite(rv)) return result(false, it, "non-finite values in the operator's output");
      if (++restarts > 10) return result(false, it, "breakdown: r̂ᵀAp vanished repeatedly (singular operator?)");
      restart();
      continue;
    }
    alpha = rhoNew / rv;
    for (let i = 0; i < n; i++) s[i] = r[i] - alpha * v[i];
    const snorm = nrm2(s);
    if (snorm <= tol) {
      axpy(alpha, phat, x);
      const done = verify();
      if (done !== null) return done;
      continue;
    }
    const shat = M === null ? s : M(s);
    const t = A(shat);
    matvecs++;
    const tt = dot(t, t);
    omega = tt > 0 ? dot(t, s) / tt : 0;
    axpy(alpha, phat, x);
    axpy(omega, shat, x);
    for (let i = 0; i < n; i++) r[i] = s[i] - omega * t[i];
    rho = rhoNew;
    rnorm = nrm2(r);
    if (!Number.isFinite(rnorm)) return result(false, it, "non-finite values in the iterate");
    if (rnorm <= tol) {
      const done = verify();
      if (done !== null) return done;
      continue;
    }
    if (omega === 0) {
      if (++restarts > 10) return result(false, it, "breakdown: ω = 0 repeatedly (stagnation; singular operator?)");
      restart();
    }
  }
  [, rnorm] = trueResidual(A, b, x);
  matvecs++;
  if (rnorm <= tol) return result(true, it);
  return result(false, it, `maxIter = ${o.maxIter} reached`);
}
