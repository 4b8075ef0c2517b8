/**
 * optim.minimize: SciPy's `scipy.optimize.minimize` over pytrees, with exact
 * gradients (one reverse pass per evaluation) and exact Hessian–vector products
 * (forward-over-reverse) instead of finite differences.
 *
 * Methods (all stop when the gradient's inf-norm ‖∇f‖∞ ≤ gtol — the projected
 * gradient's with bounds — as SciPy's L-BFGS-B and BFGS do):
 * - "lbfgs": limited-memory BFGS (two-loop recursion, m pairs, H₀ = sᵀy/yᵀy·I)
 *   with the Moré–Thuente line search (ftol 1e-3, gtol 0.9, xtol 0.1) and the
 *   step conventions of L-BFGS-B (first step 1/‖d‖, then 1; skip a pair when
 *   sᵀy ≤ ε·(−gᵀs); after a failed line search, drop the memory and retry
 *   once along −g), so without bounds it takes SciPy's L-BFGS-B's steps.
 *   With `bounds` it is L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995; see lbfgsb
 *   below): the generalized Cauchy point of the L-BFGS model along the projected
 *   gradient path, subspace minimization over the free variables, and the same
 *   line search no further than the box; it also stops when the model's
 *   predicted decrease is below the rounding of f.
 * - "bfgs": dense inverse-Hessian BFGS from H₀ = I (unscaled, as SciPy, whose
 *   iteration counts it reproduces), Moré–Thuente line search (c₁ 1e-4, c₂ 0.9),
 *   first trial step min(1, 1.01·2(fₖ − fₖ₋₁)/gᵀd).
 * - "cg": nonlinear conjugate gradients, Polak–Ribière+ (β = max(0, gₖ₊₁ᵀ(gₖ₊₁−gₖ)/‖gₖ‖²)),
 *   restarted along −g when the direction is not a descent direction; c₂ = 0.4 as SciPy.
 * - "newton-cg": truncated Newton: CG on ∇²f p = −∇f with Hessian–vector products,
 *   stopped at residual min(½, √‖g‖₁)·‖g‖₁ or at negative curvature, then a Wolfe
 *   line search whose first trial is SciPy's (1, then min(1, 1.01·2(fₖ − fₖ₋₁)/gᵀp)).
 * - "trust-ncg": trust-region Newton with Steihaug's CG (radius 1 → ≤ 1000, accept when ρ > 0.15).
 * - "rcg", "rtr" with option `manifold`: Riemannian conjugate gradients and trust
 *   region, run by manifolds.minimize (src/manifolds/minimize.ts).
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError } from "../errors.js";
import { Dcsrch } from "./linesearch.js";
import { Objective, dot, normInf, allFinite, axpy } from "./problem.js";
import { flattenLike, packLeaves } from "./tree.js";
import type { Manifold } from "../manifolds/manifold.js";
import { riemannianMinimize } from "../manifolds/minimize.js";

/** The methods of `optim.minimize`, after SciPy's names. */
export type MinimizeMethod = "lbfgs" | "bfgs" | "cg" | "newton-cg" | "trust-ncg";

/** What the callback sees after each iteration. */
export interface IterationInfo<P> {
  nit: number;
  x: P;
  fun: number;
  /** ‖∇f‖∞ (projected with bounds). */
  gradNorm: number;
}

/** The Riemannian methods, used when a `manifold` is given (conjugate gradients, trust region). */
export type ManifoldMethod = "rcg" | "rtr";

/** Options of `optim.minimize`: method, tolerances, limits, bounds and callback. */
export interface MinimizeOptions<P> {
  /**
   * Default "lbfgs", or "rtr" with a manifold. "rcg" and "rtr" need `manifold`;
   * the other methods are Euclidean and refuse one.
   */
  method?: MinimizeMethod | ManifoldMethod;
  /**
   * Minimize over a manifold (manifolds.stiefel(n, p), …): x0 must be a point on
   * it (a Tensor of its shape, or a tree of its keys for manifolds.product) and the run is manifolds.minimize's (gtol is then
   * on the Riemannian gradient norm ‖grad f‖ₓ, default 1e-6, and maxIter's
   * default is 1000). bounds, ftol and memory do not apply.
   */
  manifold?: Manifold;
  /** Sets gtol and (for lbfgs) ftol, as SciPy's `tol`. */
  tol?: number;
  /** Stop when ‖∇f‖∞ ≤ gtol (default 1e-5). */
  gtol?: number;
  /** lbfgs: stop when (fₖ − fₖ₊₁)/max(|fₖ|, |fₖ₊₁|, 1) ≤ ftol (default 2.22e-9, SciPy's factr·ε). */
  ftol?: number;
  /** Maximum iterations (default 15000 for lbfgs, 200·n otherwise, as SciPy). */
  maxIter?: number;
  /** lbfgs: number of stored (s, y) pairs (default 10). */
  memory?: number;
  /** Called after each iteration; return true to stop (success false, as SciPy's StopIteration). */
  callback?: (info: IterationInfo<P>) => boolean | void;
  /**
   * Box bounds (lbfgs only): a number for every entry or a tree of x0's structure;
   * ±Infinity for none. x0 is clipped into the box.
   */
  bounds?: { lower?: number | P; upper?: number | P };
}

/** SciPy's OptimizeResult. */
export interface MinimizeResult<P> {
  /** The solution, in x0's tree structure. */
  x: P;
  fun: number;
  /** ∇f at x, in x0's structure. */
  grad: P;
  nit: number;
  nfev: number;
  /** Gradient evaluations (each evaluation computes f and ∇f together, so ngev = nfev). */
  ngev: number;
  /** Hessian–vector products (newton-cg, trust-ncg). */
  nhev: number;
  success: boolean;
  /** 0 converged, 1 iteration limit, 2 line-search failure, 3 non-finite value, 99 stopped by the callback. */
  status: 0 | 1 | 2 | 3 | 99;
  message: string;
}

interface State {
  x: Float64Array;
  f: number;
  g: Float64Array;
  nit: number;
}

interface Outcome {
  status: 0 | 1 | 2 | 3 | 99;
  message: string;
}

const EPS = 2.220446049250313e-16;
const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(2) : String(v));

function nonFinite(op: string, nit: number, f: number, g: Float64Array, where: string): Outcome {
  const what = !Number.isFinite(f) ? `the loss is ${f}` : "the gradient has non-finite entries";
  return { status: 3, message: `${op}: ${what} at iteration ${nit} (${where}); x is the last iterate with finite values` };
}

/** Minimizes a scalar function of a pytree (scipy.optimize.minimize). */
export function minimize<P>(fun: (x: P) => Tensor, x0: P, opts: MinimizeOptions<P> = {}): MinimizeResult<P> {
  const op = "optim.minimize";
  const methods: MinimizeMethod[] = ["lbfgs", "bfgs", "cg", "newton-cg", "trust-ncg"];
  const rMethods: ManifoldMethod[] = ["rcg", "rtr"];
  const quoted = (ms: string[]) => ms.map((m) => `"${m}"`).join(", ");
  if (opts === null || typeof opts !== "object") throw new ArgumentError(op, `argument opts must be an options object; got ${String(opts)}`);
  if (opts.manifold !== undefined) {
    const m = opts.method ?? "rtr";
    if (!(rMethods as string[]).includes(m))
      throw new ArgumentError(op, `option method must be ${quoted(rMethods)} with a manifold (${String((opts.manifold as { name?: unknown })?.name ?? opts.manifold)}); got ${JSON.stringify(m)}${(methods as string[]).includes(m) ? ", a Euclidean method that would leave the manifold" : ""}`);
    for (const k of ["bounds", "ftol", "memory"] as const)
      if (opts[k] !== undefined) throw new ArgumentError(op, `option ${k} does not apply with a manifold (method "${m}"); got ${k} = ${String(opts[k])}`);
    return riemannianMinimize<P>(op, fun, x0, {
      manifold: opts.manifold, method: m as ManifoldMethod, gtol: opts.gtol, tol: opts.tol, maxIter: opts.maxIter, callback: opts.callback,
    });
  }
  const method = (opts.method ?? "lbfgs") as MinimizeMethod;
  if ((rMethods as string[]).includes(method))
    throw new ArgumentError(op, `option method "${method}" is a Riemannian method and needs option manifold (e.g. manifolds.stiefel(n, p)); got no manifold`);
  if (!(methods as string[]).includes(method)) throw new ArgumentError(op, `option method must be one of ${quoted(methods)} (or ${quoted(rMethods)} with a manifold); got ${JSON.stringify(method)}`);
  const P = new Objective(op, fun as (x: never) => Tensor, x0);
  const posOpt = (name: string, v: number | undefined, dflt: number, allowZero = true): number => {
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !(v >= 0) || (!allowZero && v === 0) || Number.isNaN(v))
      throw new ArgumentError(op, `option ${name} must be a number ${allowZero ? "≥ 0" : "> 0"}; got ${String(v)}`);
    return v;
  };
  const gtol = posOpt("gtol", opts.gtol ?? opts.tol, 1e-5);
  const ftol = posOpt("ftol", opts.ftol ?? opts.tol, 2.220446049250313e-9);
  const maxIter = posOpt("maxIter", opts.maxIter, method === "lbfgs" ? 15000 : 200 * P.n);
  if (!Number.isInteger(maxIter)) throw new ArgumentError(op, `option maxIter must be an integer; got ${maxIter}`);
  const memory = posOpt("memory", opts.memory, 10, false);
  if (!Number.isInteger(memory)) throw new ArgumentError(op, `option memory must be a positive integer; got ${memory}`);
  if (opts.callback !== undefined && typeof opts.callback !== "function") throw new ArgumentError(op, `option callback must be a function; got ${String(opts.callback)}`);
  let lower: Float64Array | null = null, upper: Float64Array | null = null;
  if (opts.bounds !== undefined) {
    if (method !== "lbfgs") throw new ArgumentError(op, `option bounds is supported by method "lbfgs" only; got method "${method}"`);
    const side = (v: number | P | undefined, name: string, dflt: number): Float64Array => {
      if (v === undefined) return new Float64Array(P.n).fill(dflt);
      if (typeof v === "number") {
        if (Number.isNaN(v)) throw new ArgumentError(op, `option bounds.${name} is NaN`);
        return new Float64Array(P.n).fill(v);
      }
      return packLeaves(flattenLike(op, `bounds.${name}`, v, P.treedef, P.shapes, "x0"));
    };
    lower = side(opts.bounds.lower, "lower", -Infinity);
    upper = side(opts.bounds.upper, "upper", Infinity);
    for (let i = 0; i < P.n; i++)
      if (!(lower[i] <= upper[i])) throw new ArgumentError(op, `bounds: lower ${lower[i]} > upper ${upper[i]} at flat index ${i}`);
  }

  const x = P.x0.slice();
  if (lower !== null && upper !== null) for (let i = 0; i < x.length; i++) x[i] = Math.min(Math.max(x[i], lower[i]), upper[i]);
  const first = P.fg(x);
  const st: State = { x, f: first.f, g: first.g, nit: 0 };
  const report = (gn: number): boolean => {
    if (opts.callback === undefined) return false;
    return opts.callback({ nit: st.nit, x: P.tree<P>(st.x), fun: st.f, gradNorm: gn }) === true;
  };
  let out: Outcome;
  if (!Number.isFinite(st.f) || !allFinite(st.g)) out = nonFinite(op, 0, st.f, st.g, "at x0");
  else {
    const ctx: Ctx = { op, P, st, gtol, ftol, maxIter, memory, report };
    switch (method) {
      case "lbfgs":
        out = lower !== null && upper !== null ? lbfgsb(ctx, lower, upper) : lbfgs(ctx);
        break;
      case "bfgs":
        out = bfgs(ctx);
        break;
      case "cg":
        out = cg(ctx);
        break;
      case "newton-cg":
        out = newtonCg(ctx);
        break;
      case "trust-ncg":
        out = trustNcg(ctx);
        break;
    }
  }
  return {
    x: P.tree<P>(st.x), fun: st.f, grad: P.tree<P>(st.g), nit: st.nit, nfev: P.nfev, ngev: P.ngev, nhev: P.nhev,
    success: out.status === 0, status: out.status, message: out.message,
  };
}

interface Ctx {
  op: string;
  P: Objective;
  st: State;
  gtol: number;
  ftol: number;
  maxIter: number;
  memory: number;
  report: (gradNorm: number) => boolean;
}

const converged = (gn: number, gtol: number, projected = false): Outcome => ({
  status: 0, message: `converged: ${projected ? "projected " : ""}‖∇f‖∞ = ${fmt(gn)} ≤ gtol = ${fmt(gtol)}`,
});
const maxIterOut = (n: number): Outcome => ({ status: 1, message: `stopped: the iteration limit maxIter = ${n} was reached` });
const stopped = (nit: number): Outcome => ({ status: 99, message: `stopped by the callback at iteration ${nit}` });

type LineSearch = { ok: true; x: Float64Array; f: number; g: Float64Array; stp: number } | { ok: false; reason: string; nonFinite?: { f: number; g: Float64Array } };

/** The outcome of a failed line search: stopped at a non-finite trial point, or SciPy's status 2 with its wording. */
function lineSearchFailed(c: Ctx, ls: Extract<LineSearch, { ok: false }>, scipyNote: string): Outcome {
  const it = c.st.nit + 1;
  if (ls.nonFinite !== undefined) return nonFinite(c.op, it, ls.nonFinite.f, ls.nonFinite.g, "at a line-search trial point");
  return { status: 2, message: `line search failed at iteration ${it}: ${ls.reason} (${scipyNote})` };
}

/** Moves the iterate to the line search's point (x, f, ∇f), counts the iteration, and returns ‖∇f‖∞. */
function acceptStep(st: State, x: Float64Array, ls: Extract<LineSearch, { ok: true }>): number {
  st.x = x;
  st.f = ls.f;
  st.g = ls.g;
  st.nit++;
  return normInf(st.g);
}

/** Moré–Thuente search along d from (x, f, g); at most maxEval evaluations. */
function wolfeSearch(P: Objective, x: Float64Array, f: number, g: Float64Array, d: Float64Array, stp0: number,
  ftol: number, gtol: number, xtol: number, maxEval: number, acceptWarning = false, stpmax = 1e10): LineSearch {
  const gd0 = dot(g, d);
  const ls = new Dcsrch({ ftol, gtol, xtol, stpmin: 0, stpmax });
  let stp = ls.iterate(stp0, f, gd0);
  if (ls.task.startsWith("ERROR")) return { ok: false, reason: ls.task };
  let last: { x: Float64Array; f: number; g: Float64Array } | null = null;
  let n = 0;
  while (ls.task === "FG") {
    if (n >= maxEval) return { ok: false, reason: `no step satisfying the strong Wolfe conditions in ${maxEval} evaluations` };
    const xt = axpy(x, stp, d);
    const r = P.fg(xt);
    n++;
    if (!Number.isFinite(r.f) || !allFinite(r.g)) return { ok: false, reason: "non-finite", nonFinite: r };
    last = { x: xt, f: r.f, g: r.g };
    stp = ls.iterate(stp, r.f, dot(r.g, d));
  }
  if (ls.task.startsWith("ERROR") || last === null) return { ok: false, reason: ls.task };
  // L-BFGS-B accepts the last evaluated point after a WARNING too, unless f did not decrease (then it is a failure here);
  // SciPy's BFGS / CG / Newton-CG treat a warning as a failed search
  if (ls.task !== "CONVERGENCE" && (!acceptWarning || !(last.f < f))) return { ok: false, reason: `Moré–Thuente: ${ls.task.toLowerCase()}` };
  return { ok: true, ...last, stp };
}

function lbfgs(c: Ctx): Outcome {
  const { P, st } = c;
  const S: Float64Array[] = [], Y: Float64Array[] = [], R: number[] = [];
  let gn = normInf(st.g);
  if (gn <= c.gtol) return converged(gn, c.gtol);
  for (;;) {
    if (st.nit >= c.maxIter) return maxIterOut(c.maxIter);
    const d = twoLoop(st.g, S, Y, R);
    const dnorm = Math.sqrt(dot(d, d));
    const stp0 = st.nit === 0 ? Math.min(1 / dnorm, 1e10) : 1;
    const ls = dot(st.g, d) >= 0 ? ({ ok: false, reason: "the direction is not a descent direction" } as LineSearch) : wolfeSearch(P, st.x, st.f, st.g, d, stp0, 1e-3, 0.9, 0.1, 20, true);
    if (!ls.ok) {
      if (ls.nonFinite === undefined && S.length > 0) {
        // L-BFGS-B: refresh the memory and retry from the same point along −g
        S.length = Y.length = R.length = 0;
        continue;
      }
      return lineSearchFailed(c, ls, "SciPy: ABNORMAL_TERMINATION_IN_LNSRCH");
    }
    const s = new Float64Array(st.x.length), y = new Float64Array(st.x.length);
    for (let i = 0; i < s.length; i++) {
      s[i] = ls.x[i] - st.x[i];
      y[i] = ls.g[i] - st.g[i];
    }
    const gsOld = -dot(st.g, s);
    const fold = st.f;
    gn = acceptStep(st, ls.x, ls);
    if (c.report(gn)) return stopped(st.nit);
    if (gn <= c.gtol) return converged(gn, c.gtol);
    if (fold - st.f <= c.ftol * Math.max(Math.abs(fold), Math.abs(st.f), 1))
      return { status: 0, message: `converged: relative reduction of f ≤ ftol = ${fmt(c.ftol)} (‖∇f‖∞ = ${fmt(gn)})` };
    const sy = dot(s, y);
    if (sy > EPS * gsOld) {
      if (S.length === c.memory) {
        S.shift();
        Y.shift();
        R.shift();
      }
      S.push(s);
      Y.push(y);
      R.push(1 / sy);
    }
  }
}

/** d = −H g by the two-loop recursion with H₀ = (sᵀy / yᵀy)·I from the newest pair. */
function twoLoop(g: Float64Array, S: Float64Array[], Y: Float64Array[], R: number[]): Float64Array {
  const q = g.slice();
  const k = S.length, alpha = new Float64Array(k);
  for (let j = k - 1; j >= 0; j--) {
    alpha[j] = R[j] * dot(S[j], q);
    const y = Y[j];
    for (let i = 0; i < q.length; i++) q[i] -= alpha[j] * y[i];
  }
  if (k > 0) {
    const y = Y[k - 1];
    const gamma = 1 / (R[k - 1] * dot(y, y));
    for (let i = 0; i < q.length; i++) q[i] *= gamma;
  }
  for (let j = 0; j < k; j++) {
    const s = S[j];
    const b = R[j] * dot(Y[j], q);
    for (let i = 0; i < q.length; i++) q[i] += (alpha[j] - b) * s[i];
  }
  for (let i = 0; i < q.length; i++) q[i] = -q[i];
  return q;
}

/** Projected-gradient inf-norm ‖P(x − g) − x‖∞. */
function projGradNorm(x: Float64Array, g: Float64Array, lo: Float64Array, hi: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const p = Math.min(Math.max(x[i] - g[i], lo[i]), hi[i]) - x[i];
    m = Math.max(m, Math.abs(p));
  }
  return m;
}

/** SciPy's first trial step for bfgs / cg: min(1, 1.01·2(f − f_old)/gᵀd), with f_old = f + ‖g‖/2 at the start. */
function initialStep(f: number, fOld: number, gd: number): number {
  const a = (1.01 * 2 * (f - fOld)) / gd;
  return Number.isFinite(a) && a > 0 ? Math.min(1, a) : 1;
}

function bfgs(c: Ctx): Outcome {
  const { P, st } = c;
  const n = st.x.length;
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) H[i * n + i] = 1;
  let fOld = st.f + Math.sqrt(dot(st.g, st.g)) / 2;
  let gn = normInf(st.g);
  if (gn <= c.gtol) return converged(gn, c.gtol);
  const d = new Float64Array(n), Hy = new Float64Array(n);
  for (;;) {
    if (st.nit >= c.maxIter) return maxIterOut(c.maxIter);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s -= H[i * n + j] * st.g[j];
      d[i] = s;
    }
    const gd = dot(st.g, d);
    const ls = gd >= 0 ? ({ ok: false, reason: "the direction is not a descent direction" } as LineSearch) : wolfeSearch(P, st.x, st.f, st.g, d, initialStep(st.f, fOld, gd), 1e-4, 0.9, 1e-14, 50);
    if (!ls.ok) return lineSearchFailed(c, ls, "desired error not necessarily achieved due to precision loss");
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = ls.x[i] - st.x[i];
      y[i] = ls.g[i] - st.g[i];
    }
    fOld = st.f;
    gn = acceptStep(st, ls.x, ls);
    if (c.report(gn)) return stopped(st.nit);
    if (gn <= c.gtol) return converged(gn, c.gtol);
    const sy = dot(s, y);
    if (!(sy > 0)) continue; // curvature condition failed numerically: keep H
    // H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ = H − ρ(Hy sᵀ + s yᵀH) + (ρ²·yᵀHy + ρ) ssᵀ
    const rho = 1 / sy;
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let j = 0; j < n; j++) t += H[i * n + j] * y[j];
      Hy[i] = t;
    }
    const coef = rho * rho * dot(y, Hy) + rho;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) H[i * n + j] += -rho * (Hy[i] * s[j] + s[i] * Hy[j]) + coef * s[i] * s[j];
  }
}

function cg(c: Ctx): Outcome {
  const { P, st } = c;
  const n = st.x.length;
  let gn = normInf(st.g);
  if (gn <= c.gtol) return converged(gn, c.gtol);
  let d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = -st.g[i];
  let fOld = st.f + Math.sqrt(dot(st.g, st.g)) / 2;
  for (;;) {
    if (st.nit >= c.maxIter) return maxIterOut(c.maxIter);
    let gd = dot(st.g, d);
    if (gd >= 0) {
      d = new Float64Array(n);
      for (let i = 0; i < n; i++) d[i] = -st.g[i];
      gd = dot(st.g, d);
    }
    const ls = wolfeSearch(P, st.x, st.f, st.g, d, initialStep(st.f, fOld, gd), 1e-4, 0.4, 1e-14, 50);
    if (!ls.ok) return lineSearchFailed(c, ls, "desired error not necessarily achieved due to precision loss");
    // Polak–Ribière+: β = max(0, gₖ₊₁ᵀ(gₖ₊₁ − gₖ) / gₖᵀgₖ)
    const g0 = st.g, g1 = ls.g;
    let num = 0;
    for (let i = 0; i < n; i++) num += g1[i] * (g1[i] - g0[i]);
    const beta = Math.max(0, num / dot(g0, g0));
    const dn = new Float64Array(n);
    for (let i = 0; i < n; i++) dn[i] = -g1[i] + beta * d[i];
    d = dn;
    fOld = st.f;
    gn = acceptStep(st, ls.x, ls);
    if (c.report(gn)) return stopped(st.nit);
    if (gn <= c.gtol) return converged(gn, c.gtol);
  }
}

function newtonCg(c: Ctx): Outcome {
  const { P, st } = c;
  const n = st.x.length;
  let gn = normInf(st.g);
  if (gn <= c.gtol) return converged(gn, c.gtol);
  let fOld: number | null = null;
  for (;;) {
    if (st.nit >= c.maxIter) return maxIterOut(c.maxIter);
    // truncated CG on H p = −g (SciPy's _minimize_newtoncg): tolerance min(½, √‖g‖₁)·‖g‖₁
    let g1 = 0;
    for (let i = 0; i < n; i++) g1 += Math.abs(st.g[i]);
    const termcond = Math.min(0.5, Math.sqrt(g1)) * g1;
    const p = new Float64Array(n), r = st.g.slice(), dir = new Float64Array(n);
    for (let i = 0; i < n; i++) dir[i] = -r[i];
    let rr = dot(r, r);
    for (let k = 0; k < 20 * n; k++) {
      let rsum = 0;
      for (let i = 0; i < n; i++) rsum += Math.abs(r[i]);
      if (rsum <= termcond) break;
      const Hd = P.hv(st.x, dir);
      if (!allFinite(Hd)) return nonFinite(c.op, st.nit + 1, st.f, Hd, "in a Hessian–vector product");
      const curv = dot(dir, Hd);
      if (curv <= 3 * EPS) {
        // non-positive curvature at once: steepest descent, scaled by ‖g‖²/|dᵀHd| where that is finite (SciPy's rule)
        if (k === 0) {
          const scale = curv < 0 ? rr / -curv : 1;
          for (let i = 0; i < n; i++) p[i] = -scale * st.g[i];
        }
        break;
      }
      const alpha = rr / curv;
      for (let i = 0; i < n; i++) {
        p[i] += alpha * dir[i];
        r[i] += alpha * Hd[i];
      }
      const rr1 = dot(r, r);
      const beta = rr1 / rr;
      rr = rr1;
      for (let i = 0; i < n; i++) dir[i] = -r[i] + beta * dir[i];
    }
    const ls = dot(st.g, p) >= 0 ? ({ ok: false, reason: "the Newton direction is not a descent direction" } as LineSearch) : wolfeSearch(P, st.x, st.f, st.g, p, fOld === null ? 1 : initialStep(st.f, fOld, dot(st.g, p)), 1e-4, 0.9, 1e-14, 50);
    if (!ls.ok) return lineSearchFailed(c, ls, "warning: desired error not necessarily achieved due to precision loss");
    fOld = st.f;
    gn = acceptStep(st, ls.x, ls);
    if (c.report(gn)) return stopped(st.nit);
    if (gn <= c.gtol) return converged(gn, c.gtol);
  }
}

/**
 * Steihaug's truncated CG for min gᵀp + ½pᵀBp, ‖p‖ ≤ Δ: stops on the boundary at
 * negative curvature or when the iterate leaves the region. Returns p, Bp (tracked,
 * so the model value needs no extra product) and whether p hit the boundary.
 */
export function steihaug(g: Float64Array, Bv: (v: Float64Array) => Float64Array, radius: number, tol: number, maxIter: number,
  inner: (a: Float64Array, b: Float64Array) => number = dot): { p: Float64Array; Bp: Float64Array; boundary: boolean; bad: boolean } {
  const n = g.length;
  const z = new Float64Array(n), Bz = new Float64Array(n), r = g.slice(), d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = -r[i];
  let rr = inner(r, r);
  if (Math.sqrt(rr) < tol) return { p: z, Bp: Bz, boundary: false, bad: false };
  const toBoundary = (Bd: Float64Array) => {
    // τ ≥ 0 with ‖z + τd‖ = Δ: a τ² + b τ + c = 0
    const a = inner(d, d), b = 2 * inner(z, d), cc = inner(z, z) - radius * radius;
    const tau = (-b + Math.sqrt(Math.max(0, b * b - 4 * a * cc))) / (2 * a);
    const p = new Float64Array(n), Bp = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = z[i] + tau * d[i];
      Bp[i] = Bz[i] + tau * Bd[i];
    }
    return { p, Bp, boundary: true, bad: false };
  };
  for (let k = 0; k < maxIter; k++) {
    const Bd = Bv(d);
    if (!allFinite(Bd)) return { p: z, Bp: Bz, boundary: false, bad: true };
    const dBd = inner(d, Bd);
    if (dBd <= 0) return toBoundary(Bd);
    const alpha = rr / dBd;
    const zn = new Float64Array(n);
    for (let i = 0; i < n; i++) zn[i] = z[i] + alpha * d[i];
    if (Math.sqrt(inner(zn, zn)) >= radius) return toBoundary(Bd);
    z.set(zn);
    for (let i = 0; i < n; i++) {
      Bz[i] += alpha * Bd[i];
      r[i] += alpha * Bd[i];
    }
    const rr1 = inner(r, r);
    if (Math.sqrt(rr1) < tol) break;
    const beta = rr1 / rr;
    rr = rr1;
    for (let i = 0; i < n; i++) d[i] = -r[i] + beta * d[i];
  }
  return { p: z, Bp: Bz, boundary: false, bad: false };
}

function trustNcg(c: Ctx): Outcome {
  const { P, st } = c;
  const n = st.x.length;
  let radius = 1;
  const maxRadius = 1000, eta = 0.15;
  let gn = normInf(st.g);
  if (gn <= c.gtol) return converged(gn, c.gtol);
  for (;;) {
    if (st.nit >= c.maxIter) return maxIterOut(c.maxIter);
    const g2 = Math.sqrt(dot(st.g, st.g));
    const x = st.x;
    const sub = steihaug(st.g, (v) => P.hv(x, v), radius, Math.min(0.5, Math.sqrt(g2)) * g2, Math.max(2 * n, 50));
    if (sub.bad) return nonFinite(c.op, st.nit + 1, st.f, new Float64Array([NaN]), "in a Hessian–vector product");
    const xt = axpy(st.x, 1, sub.p);
    const r = P.fg(xt);
    if (!Number.isFinite(r.f) || !allFinite(r.g)) return nonFinite(c.op, st.nit + 1, r.f, r.g, "at a trial point");
    const predicted = -(dot(st.g, sub.p) + 0.5 * dot(sub.p, sub.Bp));
    const actual = st.f - r.f;
    const rho = predicted > 0 ? actual / predicted : actual >= 0 && actual === predicted ? 1 : -1;
    if (rho < 0.25) radius *= 0.25;
    else if (rho > 0.75 && sub.boundary) radius = Math.min(2 * radius, maxRadius);
    st.nit++;
    if (rho > eta) {
      st.x = xt;
      st.f = r.f;
      st.g = r.g;
    }
    gn = normInf(st.g);
    if (c.report(gn)) return stopped(st.nit);
    if (gn <= c.gtol) return converged(gn, c.gtol);
    if (radius < 1e-15 * Math.max(1, Math.sqrt(dot(st.x, st.x))))
      return { status: 2, message: `trust region collapsed at iteration ${st.nit} (radius ${fmt(radius)}): no model decrease is realized; ‖∇f‖∞ = ${fmt(gn)}` };
  }
}

/** LU factorization with partial pivoting of a small dense k×k matrix (row-major), for the 2m×2m middle matrix of L-BFGS-B. */
function luFactor(A: Float64Array, k: number): { lu: Float64Array; piv: Int32Array; ok: boolean } {
  const lu = A.slice(), piv = new Int32Array(k);
  let ok = true;
  for (let j = 0; j < k; j++) {
    let p = j;
    for (let i = j + 1; i < k; i++) if (Math.abs(lu[i * k + j]) > Math.abs(lu[p * k + j])) p = i;
    piv[j] = p;
    if (p !== j) for (let c = 0; c < k; c++) [lu[j * k + c], lu[p * k + c]] = [lu[p * k + c], lu[j * k + c]];
    const d = lu[j * k + j];
    if (!(Math.abs(d) > 0)) {
      ok = false;
      continue;
    }
    for (let i = j + 1; i < k; i++) {
      const l = (lu[i * k + j] /= d);
      for (let c = j + 1; c < k; c++) lu[i * k + c] -= l * lu[j * k + c];
    }
  }
  return { lu, piv, ok };
}

function luSolve(f: { lu: Float64Array; piv: Int32Array }, b: Float64Array): Float64Array {
  const k = b.length, x = b.slice(), { lu, piv } = f;
  // whole rows (multipliers included) were swapped while factoring: permute b first, then substitute
  for (let j = 0; j < k; j++) {
    const p = piv[j];
    if (p !== j) [x[j], x[p]] = [x[p], x[j]];
  }
  for (let j = 0; j < k; j++) for (let i = j + 1; i < k; i++) x[i] -= lu[i * k + j] * x[j];
  for (let i = k - 1; i >= 0; i--) {
    let s = x[i];
    for (let c = i + 1; c < k; c++) s -= lu[i * k + c] * x[c];
    x[i] = s / lu[i * k + i];
  }
  return x;
}

/**
 * L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995) with the compact representation
 * B = θI − W M Wᵀ, W = [Y  θS] (n × 2k), M = [[−D, Lᵀ], [L, θSᵀS]]⁻¹, D = diag(sᵢᵀyᵢ),
 * Lᵢⱼ = sᵢᵀyⱼ (i > j):
 *
 * 1. the generalized Cauchy point: the first local minimizer of the quadratic model
 *    along the projected steepest-descent path x(t) = P(x − t g), walking the
 *    breakpoints in order and updating the model's slope f′ and curvature f″ with
 *    O(k) work per breakpoint (§4, Algorithm CP);
 * 2. subspace minimization over the variables the Cauchy point leaves free (the
 *    direct primal method, §5.1): d_F = −(1/θ) r − (1/θ²) ZᵀW (I − (1/θ) M WᵀZ ZᵀW)⁻¹ M WᵀZ r
 *    with the reduced gradient r = Zᵀ(g + θ(x_cp − x) − W M c), then backtracking
 *    into the box, x̄ = x_cp + α* d_F;
 * 3. the Moré–Thuente line search along x̄ − x (step ≤ the largest feasible one).
 */
function lbfgsb(c: Ctx, lo: Float64Array, hi: Float64Array): Outcome {
  const { P, st } = c;
  const n = st.x.length;
  const S: Float64Array[] = [], Y: Float64Array[] = [];
  let gn = projGradNorm(st.x, st.g, lo, hi);
  if (gn <= c.gtol) return converged(gn, c.gtol, true);
  let boxed = true;
  for (let i = 0; i < n; i++) if (!Number.isFinite(lo[i]) || !Number.isFinite(hi[i])) boxed = false;
  for (;;) {
    if (st.nit >= c.maxIter) return maxIterOut(c.maxIter);
    const x = st.x, g = st.g, k = S.length, m2 = 2 * k;
    const theta = k > 0 ? dot(Y[k - 1], Y[k - 1]) / dot(S[k - 1], Y[k - 1]) : 1;
    // the middle matrix K = M⁻¹ (factored once per iteration)
    const K = new Float64Array(m2 * m2);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        if (i === j) K[i * m2 + j] = -dot(S[i], Y[i]);
        else if (i > j) {
          const l = dot(S[i], Y[j]);
          K[(k + i) * m2 + j] = l; // L
          K[j * m2 + (k + i)] = l; // Lᵀ
        }
        K[(k + i) * m2 + (k + j)] = theta * dot(S[i], S[j]);
      }
    const fac = luFactor(K, m2);
    if (!fac.ok) {
      S.length = Y.length = 0;
      continue;
    }
    const Mv = (v: Float64Array) => (m2 === 0 ? v : luSolve(fac, v));
    const wRow = (i: number): Float64Array => {
      const w = new Float64Array(m2);
      for (let j = 0; j < k; j++) {
        w[j] = Y[j][i];
        w[k + j] = theta * S[j][i];
      }
      return w;
    };
    const dot2 = (a: Float64Array, b: Float64Array) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * b[i];
      return s;
    };
    // 1. generalized Cauchy point
    const tb = new Float64Array(n), d = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      tb[i] = g[i] < 0 ? (x[i] - hi[i]) / g[i] : g[i] > 0 ? (x[i] - lo[i]) / g[i] : Infinity;
      d[i] = tb[i] === 0 ? 0 : -g[i];
    }
    const order: number[] = [];
    for (let i = 0; i < n; i++) if (tb[i] > 0 && Number.isFinite(tb[i])) order.push(i);
    order.sort((a, b) => tb[a] - tb[b]);
    const p = new Float64Array(m2);
    for (let i = 0; i < n; i++) if (d[i] !== 0) for (let j = 0; j < k; j++) {
      p[j] += Y[j][i] * d[i];
      p[k + j] += theta * S[j][i] * d[i];
    }
    const cc = new Float64Array(m2);
    let fp = -dot(d, d);
    let fpp = -theta * fp - dot2(p, Mv(p));
    let dtMin = fpp > 0 ? -fp / fpp : Infinity;
    let tOld = 0, nb = 0;
    const xcp = x.slice();
    const atBound = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (tb[i] === 0) atBound[i] = 1;
    while (nb < order.length) {
      const b = order[nb], t = tb[b], dt = t - tOld;
      if (dtMin < dt) break;
      nb++;
      xcp[b] = d[b] > 0 ? hi[b] : lo[b];
      atBound[b] = 1;
      const zb = xcp[b] - x[b], gb = g[b];
      for (let j = 0; j < m2; j++) cc[j] += dt * p[j];
      const wb = wRow(b), Mwb = Mv(wb);
      fp += dt * fpp + gb * gb + theta * gb * zb - gb * dot2(Mwb, cc); // wᵦᵀMc (M symmetric)
      fpp += -theta * gb * gb - 2 * gb * dot2(Mwb, p) - gb * gb * dot2(wb, Mwb);
      for (let j = 0; j < m2; j++) p[j] += gb * wb[j];
      d[b] = 0;
      dtMin = fpp > 0 ? -fp / fpp : Infinity;
      tOld = t;
      if (fp >= 0) {
        dtMin = 0;
        break;
      }
    }
    if (!Number.isFinite(dtMin)) dtMin = nb < order.length ? tb[order[nb]] - tOld : 0;
    dtMin = Math.max(dtMin, 0);
    tOld += dtMin;
    for (let i = 0; i < n; i++) if (!atBound[i]) xcp[i] = Math.min(Math.max(x[i] + tOld * d[i], lo[i]), hi[i]);
    for (let j = 0; j < m2; j++) cc[j] += dtMin * p[j];
    // 2. subspace minimization over the free variables of the Cauchy point
    const free: number[] = [];
    for (let i = 0; i < n; i++) if (xcp[i] > lo[i] && xcp[i] < hi[i]) free.push(i);
    const xbar = xcp.slice();
    if (free.length > 0) {
      const Mc = Mv(cc);
      const r = new Float64Array(free.length);
      for (let a = 0; a < free.length; a++) {
        const i = free[a];
        r[a] = g[i] + theta * (xcp[i] - x[i]) - (m2 > 0 ? dot2(wRow(i), Mc) : 0);
      }
      const du = new Float64Array(free.length);
      for (let a = 0; a < free.length; a++) du[a] = -r[a] / theta;
      if (m2 > 0) {
        const ZW = free.map(wRow); // rows of ZᵀW
        const WZr = new Float64Array(m2);
        for (let a = 0; a < free.length; a++) for (let j = 0; j < m2; j++) WZr[j] += ZW[a][j] * r[a];
        const v = Mv(WZr);
        // N = I − (1/θ) M (WᵀZ ZᵀW)
        const G = new Float64Array(m2 * m2);
        for (let a = 0; a < free.length; a++) for (let i2 = 0; i2 < m2; i2++) for (let j = 0; j < m2; j++) G[i2 * m2 + j] += ZW[a][i2] * ZW[a][j];
        const N = new Float64Array(m2 * m2);
        for (let j = 0; j < m2; j++) {
          const col = new Float64Array(m2);
          for (let i2 = 0; i2 < m2; i2++) col[i2] = G[i2 * m2 + j];
          const Mcol = Mv(col);
          for (let i2 = 0; i2 < m2; i2++) N[i2 * m2 + j] = (i2 === j ? 1 : 0) - Mcol[i2] / theta;
        }
        const nf = luFactor(N, m2);
        if (nf.ok) {
          const u = luSolve(nf, v);
          for (let a = 0; a < free.length; a++) du[a] -= dot2(ZW[a], u) / (theta * theta);
        }
      }
      // backtrack into the box: the largest α ≤ 1 keeping x_cp + α d_F feasible
      let alpha = 1;
      for (let a = 0; a < free.length; a++) {
        const i = free[a];
        if (du[a] > 0) alpha = Math.min(alpha, (hi[i] - xcp[i]) / du[a]);
        else if (du[a] < 0) alpha = Math.min(alpha, (lo[i] - xcp[i]) / du[a]);
      }
      for (let a = 0; a < free.length; a++) xbar[free[a]] = xcp[free[a]] + alpha * du[a];
    }
    // 3. line search along x̄ − x, no further than the box allows
    const dir = new Float64Array(n);
    for (let i = 0; i < n; i++) dir[i] = xbar[i] - x[i];
    const gd = dot(g, dir);
    let stpmax = 1e10;
    if (st.nit === 0 && k === 0) stpmax = 1;
    else
      for (let i = 0; i < n; i++) {
        if (dir[i] > 0 && Number.isFinite(hi[i])) stpmax = Math.min(stpmax, (hi[i] - x[i]) / dir[i]);
        else if (dir[i] < 0 && Number.isFinite(lo[i])) stpmax = Math.min(stpmax, (lo[i] - x[i]) / dir[i]);
      }
    // a model decrease −gᵀd below the rounding of f cannot show in f: the run is done at this precision
    // (where SciPy's factr test fires after a step that did not change f)
    if (-gd >= 0 && -gd <= 10 * EPS * Math.abs(st.f))
      return { status: 0, message: `converged: the predicted decrease −gᵀd = ${fmt(-gd)} is below the rounding of f = ${fmt(st.f)} (projected ‖∇f‖∞ = ${fmt(gn)})` };
    const dnorm = Math.sqrt(dot(dir, dir));
    const stp0 = st.nit === 0 && k === 0 && !boxed ? Math.min(1 / dnorm, stpmax) : Math.min(1, stpmax);
    const ls = !(gd < 0) ? ({ ok: false, reason: "the direction is not a descent direction" } as LineSearch) : wolfeSearch(P, x, st.f, g, dir, stp0, 1e-3, 0.9, 0.1, 20, true, stpmax);
    if (!ls.ok) {
      if (ls.nonFinite === undefined && k > 0) {
        S.length = Y.length = 0;
        continue;
      }
      return lineSearchFailed(c, ls, "SciPy: ABNORMAL_TERMINATION_IN_LNSRCH");
    }
    // the step may overshoot the box by rounding: clip (a no-op in exact arithmetic)
    const xn = ls.x;
    for (let i = 0; i < n; i++) xn[i] = Math.min(Math.max(xn[i], lo[i]), hi[i]);
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xn[i] - x[i];
      y[i] = ls.g[i] - g[i];
    }
    const gsOld = -dot(g, s);
    const fold = st.f;
    st.x = xn;
    st.f = ls.f;
    st.g = ls.g;
    st.nit++;
    gn = projGradNorm(st.x, st.g, lo, hi);
    if (c.report(gn)) return stopped(st.nit);
    if (gn <= c.gtol) return converged(gn, c.gtol, true);
    if (fold - st.f <= c.ftol * Math.max(Math.abs(fold), Math.abs(st.f), 1))
      return { status: 0, message: `converged: relative reduction of f ≤ ftol = ${fmt(c.ftol)} (projected ‖∇f‖∞ = ${fmt(gn)})` };
    if (dot(s, y) > EPS * gsOld) {
      if (S.length === c.memory) {
        S.shift();
        Y.shift();
      }
      S.push(s);
      Y.push(y);
    }
  }
}
