/**
 * optim.leastSquares: min over a pytree x of cost(x) = ½‖r(x)‖² (scipy.optimize.least_squares).
 *
 * Jacobian products come from autodiff: J·v by jvp (forward mode), Jᵀ·u by vjp
 * (one forward pass, then one reverse pass per product). A dense J is formed
 * (n JVPs) only when m·n ≤ denseLimit (default 4096 entries); otherwise every
 * method is matrix-free.
 *
 * - "lm": Levenberg–Marquardt, (JᵀJ + λD) p = −Jᵀr with Marquardt's scaling
 *   D = diag(JᵀJ) (dense) or D = I (matrix-free, solved by CG), and Nielsen's
 *   damping update: on a gain ratio ρ > 0, λ ← λ·max(⅓, 1 − (2ρ − 1)³), else λ ← λν, ν ← 2ν.
 * - "trf": a trust-region Gauss–Newton method: Steihaug CG on the model
 *   ½‖r + Jp‖² within ‖p‖ ≤ Δ (radius updates as trust-ncg). SciPy's "trf" is
 *   *reflective* (for bounds); bounds are not supported here, so this is the
 *   unbounded trust-region part of it.
 *
 * Stopping as SciPy: ftol (relative cost decrease), xtol (‖Δx‖ ≤ xtol(xtol + ‖x‖)),
 * gtol (‖Jᵀr‖∞ ≤ gtol), each 1e-8 by default; maxNfev (default 100·n).
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError } from "../errors.js";
import { jvp, vjp } from "../autodiff/transforms.js";
import { treeUnflatten } from "../tree/index.js";
import { packLeaves } from "./tree.js";
import { FlatParams, dot, normInf, allFinite, axpy } from "./problem.js";
import { steihaug } from "./minimize.js";

/**
 * Options of `optim.leastSquares`: the method (Levenberg–Marquardt or trust-region Gauss–Newton), tolerances and
 * limits.
 */
export interface LeastSquaresOptions {
  /** Default "trf" (as SciPy). */
  method?: "lm" | "trf";
  ftol?: number;
  xtol?: number;
  gtol?: number;
  /** Maximum residual evaluations (default 100·n). */
  maxNfev?: number;
  /** Form the dense Jacobian when m·n ≤ denseLimit (default 4096). */
  denseLimit?: number;
}

/** SciPy's least_squares result. */
export interface LeastSquaresResult<P> {
  x: P;
  /** ½‖r(x)‖². */
  cost: number;
  /** The residuals r(x), in the shape the function returns. */
  fun: Tensor;
  /** Jᵀr at x (the gradient of the cost), in x's structure. */
  grad: P;
  /** The dense Jacobian (m × n) when it was formed, else null. */
  jac: Tensor | null;
  /** ‖Jᵀr‖∞. */
  optimality: number;
  nfev: number;
  /** Jacobian evaluations (dense) or linearizations (matrix-free). */
  njev: number;
  nit: number;
  /** 1 gtol, 2 ftol, 3 xtol (SciPy's codes), 0 maxNfev reached, −3 non-finite. */
  status: -3 | 0 | 1 | 2 | 3;
  success: boolean;
  message: string;
}

class Residual extends FlatParams {
  nfev = 0;
  njev = 0;
  outShape: readonly number[] = [];
  private readonly fn: (...ls: Tensor[]) => Tensor;

  constructor(op: string, fun: (x: never) => Tensor, x0: unknown) {
    super(op, fun, "residuals must be a function of the parameters returning a Tensor", x0);
    const treedef = this.treedef;
    const call = fun as (x: unknown) => unknown;
    this.fn = (...ls: Tensor[]) => {
      const r = call(treeUnflatten(treedef, ls));
      if (!(r instanceof Tensor)) throw new ArgumentError(op, `residuals must return a Tensor; it returned ${typeof r}`);
      return r;
    };
  }

  /** r(x) with its linearization: J·v (jvp) and Jᵀ·u (the vjp pullback, reused). */
  at(x: Float64Array): { r: Float64Array; Jv: (v: Float64Array) => Float64Array; JTu: (u: Float64Array) => Float64Array } {
    this.nfev++;
    const ls = this.leaves(x);
    const { out, vjpFn } = vjp(this.fn, ...ls) as { out: Tensor; vjpFn: (ct: Tensor) => Tensor[] };
    this.outShape = out.shape;
    const r = out._data.slice();
    const shape = out.shape;
    return {
      r,
      Jv: (v) => (jvp(this.fn, ls, this.leaves(v)) as { tangent: Tensor }).tangent._data.slice(),
      JTu: (u) => packLeaves(vjpFn(new Tensor(u, shape))),
    };
  }

  value(x: Float64Array): Float64Array {
    this.nfev++;
    const out = this.fn(...this.leaves(x));
    return out._data.slice();
  }
}

/** Dense J (m × n, row-major) from n JVPs. */
function denseJac(n: number, m: number, Jv: (v: Float64Array) => Float64Array): Float64Array {
  const J = new Float64Array(m * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = Jv(e);
    for (let i = 0; i < m; i++) J[i * n + j] = col[i];
  }
  return J;
}

/** Solves the SPD system A p = b (n × n, row-major) by Cholesky; null if A is not numerically SPD. */
function cholSolve(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    for (let k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
    if (!(s > 0)) return null;
    const d = Math.sqrt(s);
    L[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / d;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= L[i * n + k] * y[k];
    y[i] = t / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let t = y[i];
    for (let k = i + 1; k < n; k++) t -= L[k * n + i] * y[k];
    y[i] = t / L[i * n + i];
  }
  return y;
}

/** Nonlinear least squares (scipy.optimize.least_squares). */
export function leastSquares<P>(residuals: (x: P) => Tensor, x0: P, opts: LeastSquaresOptions = {}): LeastSquaresResult<P> {
  const op = "optim.leastSquares";
  const method = opts.method ?? "trf";
  if (method !== "lm" && method !== "trf") throw new ArgumentError(op, `option method must be "lm" or "trf"; got ${JSON.stringify(method)}`);
  const R = new Residual(op, residuals as (x: never) => Tensor, x0);
  const tol = (name: string, v: number | undefined, d: number) => {
    if (v === undefined) return d;
    if (typeof v !== "number" || !(v >= 0)) throw new ArgumentError(op, `option ${name} must be a number ≥ 0; got ${String(v)}`);
    return v;
  };
  const ftol = tol("ftol", opts.ftol, 1e-8), xtol = tol("xtol", opts.xtol, 1e-8), gtol = tol("gtol", opts.gtol, 1e-8);
  const maxNfev = tol("maxNfev", opts.maxNfev, 100 * R.n), denseLimit = tol("denseLimit", opts.denseLimit, 4096);
  const n = R.n;
  let x: Float64Array = R.x0.slice();
  let lin = R.at(x);
  const m = lin.r.length;
  const dense = m * n <= denseLimit;
  let r = lin.r;
  let cost = 0.5 * dot(r, r);
  let J: Float64Array | null = null;
  const relin = () => {
    R.njev++;
    if (dense) J = denseJac(n, m, lin.Jv);
  };
  // products with the current linearization (dense: from J; else: autodiff)
  const Jv = (v: Float64Array): Float64Array => {
    if (J === null) return lin.Jv(v);
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += J[i * n + j] * v[j];
      out[i] = s;
    }
    return out;
  };
  const JTu = (u: Float64Array): Float64Array => {
    if (J === null) return lin.JTu(u);
    const out = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j] += J[i * n + j] * u[i];
    return out;
  };
  const JTJv = (v: Float64Array) => JTu(Jv(v));
  relin();
  let g = JTu(r);
  let nit = 0;
  let status: LeastSquaresResult<P>["status"] = 0;
  let message = `the maximum number of residual evaluations maxNfev = ${maxNfev} was reached`;
  const finish = (): LeastSquaresResult<P> => {
    let jac: Tensor | null = null;
    if (J !== null) jac = new Tensor(Float64Array.from(J), [m, n]);
    return {
      x: R.tree<P>(x), cost, fun: new Tensor(r.slice(), R.outShape), grad: R.tree<P>(g), jac, optimality: normInf(g),
      nfev: R.nfev, njev: R.njev, nit, status, success: status > 0, message,
    };
  };
  if (!allFinite(r)) {
    status = -3;
    message = `${op}: the residuals are non-finite at iteration 0 (at x0)`;
    return finish();
  }
  if (normInf(g) <= gtol) {
    status = 1;
    message = `converged: ‖Jᵀr‖∞ = ${normInf(g).toExponential(2)} ≤ gtol`;
    return finish();
  }
  // LM state
  let lambda = 0, nu = 2;
  if (method === "lm") {
    let dmax = 0;
    if (J !== null) for (let j = 0; j < n; j++) { let s = 0; for (let i = 0; i < m; i++) s += J[i * n + j] ** 2; dmax = Math.max(dmax, s); }
    lambda = 1e-3 * (J !== null ? dmax : 1);
  }
  let radius = Math.max(1, Math.sqrt(dot(x, x)));
  while (R.nfev < maxNfev) {
    nit++;
    let p: Float64Array, predicted: number, boundary = false;
    if (method === "lm") {
      const b = g.map((v) => -v);
      let sol: Float64Array | null = null;
      if (J !== null) {
        const A = new Float64Array(n * n);
        for (let i = 0; i < m; i++) for (let a = 0; a < n; a++) { const ja = J[i * n + a]; if (ja !== 0) for (let c = 0; c < n; c++) A[a * n + c] += ja * J[i * n + c]; }
        for (let a = 0; a < n; a++) A[a * n + a] += lambda * Math.max(A[a * n + a], 1e-12);
        sol = cholSolve(A, b, n);
      }
      if (sol === null) {
        // matrix-free: CG on (JᵀJ + λI) p = −Jᵀr, which is SPD for λ > 0
        sol = new Float64Array(n);
        const res = b.slice(), d = b.slice();
        let rr = dot(res, res);
        const stop = 1e-10 * rr;
        for (let k = 0; k < 2 * n && rr > stop; k++) {
          const Ad = axpy(JTJv(d), lambda, d);
          const a = rr / dot(d, Ad);
          for (let i = 0; i < n; i++) { sol[i] += a * d[i]; res[i] -= a * Ad[i]; }
          const rr1 = dot(res, res);
          const beta = rr1 / rr;
          rr = rr1;
          for (let i = 0; i < n; i++) d[i] = res[i] + beta * d[i];
        }
      }
      p = sol;
      const Jp = Jv(p);
      predicted = -(dot(g, p) + 0.5 * dot(Jp, Jp));
    } else {
      const g2 = Math.sqrt(dot(g, g));
      const sub = steihaug(g, JTJv, radius, Math.min(0.5, Math.sqrt(g2)) * g2, Math.max(2 * n, 50));
      p = sub.p;
      boundary = sub.boundary;
      predicted = -(dot(g, p) + 0.5 * dot(p, sub.Bp));
    }
    const xt = axpy(x, 1, p);
    const rt = R.value(xt);
    if (!allFinite(rt)) {
      status = -3;
      message = `${op}: the residuals are non-finite at iteration ${nit} (at a trial point); x is the last iterate with finite values`;
      return finish();
    }
    const costT = 0.5 * dot(rt, rt);
    const actual = cost - costT;
    const rho = predicted > 0 ? actual / predicted : -1;
    if (method === "lm") {
      if (rho > 0) {
        lambda *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
        nu = 2;
      } else {
        lambda *= nu;
        nu *= 2;
      }
    } else {
      if (rho < 0.25) radius *= 0.25;
      else if (rho > 0.75 && boundary) radius *= 2;
    }
    if (rho > (method === "lm" ? 0 : 1e-4)) {
      const pn = Math.sqrt(dot(p, p)), xn = Math.sqrt(dot(xt, xt));
      x = xt;
      lin = R.at(x);
      R.nfev--; // the residuals at xt were just evaluated; the linearization reuses that point
      r = lin.r;
      cost = costT;
      relin();
      g = JTu(r);
      const gi = normInf(g);
      if (gi <= gtol) { status = 1; message = `converged: ‖Jᵀr‖∞ = ${gi.toExponential(2)} ≤ gtol = ${gtol}`; return finish(); }
      if (actual < ftol * (cost + actual)) { status = 2; message = `converged: the relative cost decrease ${(actual / (cost + actual)).toExponential(2)} < ftol = ${ftol}`; return finish(); }
      if (pn < xtol * (xtol + xn)) { status = 3; message = `converged: the step ${pn.toExponential(2)} < xtol·(xtol + ‖x‖)`; return finish(); }
    } else if ((method === "trf" && radius < xtol * (xtol + Math.sqrt(dot(x, x)))) || (method === "lm" && lambda > 1e16)) {
      status = 3;
      message = `converged: no further decrease is possible (${method === "trf" ? `trust radius ${radius.toExponential(2)}` : `damping λ = ${lambda.toExponential(2)}`}) at ‖Jᵀr‖∞ = ${normInf(g).toExponential(2)}`;
      return finish();
    }
  }
  return finish();
}
