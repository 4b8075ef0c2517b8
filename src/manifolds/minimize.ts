/**
 * Riemannian optimization of a scalar function of one manifold point:
 *
 * - "rcg": Riemannian conjugate gradients (Absil et al. 2008 §8.3; Manopt's
 *   conjugategradient): Polak–Ribière+ β = max(0, ⟨gₖ₊₁, gₖ₊₁ − T(gₖ)⟩/‖gₖ‖²) with
 *   transported gradient and direction, Armijo backtracking along the retraction
 *   curve t ↦ R_x(t·d) (first trial 2(fₖ − fₖ₋₁)/⟨g, d⟩, then halving).
 * - "rtr": Riemannian trust region with Steihaug–Toint truncated CG in the tangent
 *   space (Absil, Baker & Gallivan 2007; Manopt's trustregions), using the exact
 *   Riemannian Hessian: ehess2rhess of the Euclidean Hessian–vector product
 *   (forward-over-reverse hvp). Radius Δ̄ = √dim, Δ₀ = Δ̄/8, accept when ρ > 0.1.
 *
 * Both stop when the Riemannian gradient norm ‖grad f(x)‖ₓ ≤ gtol (default 1e-6).
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { fmtShape } from "../tensor/shape.js";
import { valueAndGrad, hvp } from "../autodiff/transforms.js";
import { noGrad } from "../autodiff/engine.js";
import { allFinite } from "../optim/problem.js";
import { steihaug } from "../optim/minimize.js";
import type { MinimizeResult, IterationInfo } from "../optim/minimize.js";
import { requireOnManifold, type Manifold } from "./manifold.js";
import { isProduct } from "./product.js";

/** Options of `manifolds.minimize`: the manifold, the method (Riemannian trust region or CG), tolerances and limits. */
export interface RiemannianMinimizeOptions<P = Tensor> {
  /** The manifold; with manifolds.product(…) the points (x0, x, grad) are trees `{ [key]: Tensor }`. */
  manifold: Manifold;
  /** Default "rtr". */
  method?: "rcg" | "rtr";
  /** Stop when ‖grad f‖ₓ ≤ gtol (default 1e-6). */
  gtol?: number;
  /** Sets gtol. */
  tol?: number;
  /** Default 1000. */
  maxIter?: number;
  /** Called after each iteration; returning true stops the run. */
  callback?: (info: IterationInfo<P>) => boolean | void;
}

/**
 * Minimizes fun over a manifold, starting from a point x0 on it. With a
 * product manifold, x0 and the result's x and grad are trees of its keys.
 */
export function minimize<P = Tensor>(fun: (x: P) => Tensor, x0: P, opts: RiemannianMinimizeOptions<P>): MinimizeResult<P> {
  return riemannianMinimize("manifolds.minimize", fun, x0, opts);
}

/** manifolds.minimize with the op name its errors and messages start with (optim.minimize delegates here). */
export function riemannianMinimize<P>(op: string, fun: (x: P) => Tensor, x0: P, opts: RiemannianMinimizeOptions<P>): MinimizeResult<P> {
  const M = opts?.manifold;
  if (M !== undefined && M !== null && typeof M === "object" && isProduct(M)) {
    // a tree point: run on the packed vector, the loss reading differentiable slices of it
    if (typeof fun !== "function") throw new ArgumentError(op, `argument fun must be a function of a point returning a scalar Tensor; got ${String(fun)}`);
    const xp = M.pack(x0, op, "x0", true);
    const cb = opts.callback;
    const r = minimizeCore(op, (t) => fun(M.unpackDiff(t) as P), xp, {
      ...opts,
      callback: cb === undefined ? undefined : (info) => cb({ ...info, x: M.unpack(info.x) as P }),
    });
    return { ...r, x: M.unpack(r.x) as P, grad: M.unpack(r.grad) as P };
  }
  return minimizeCore(op, fun as unknown as (x: Tensor) => Tensor, x0 as unknown as Tensor, opts as unknown as RiemannianMinimizeOptions<Tensor>) as unknown as MinimizeResult<P>;
}

function minimizeCore(op: string, fun: (x: Tensor) => Tensor, x0: Tensor, opts: RiemannianMinimizeOptions<Tensor>): MinimizeResult<Tensor> {
  if (typeof fun !== "function") throw new ArgumentError(op, `argument fun must be a function of a point returning a scalar Tensor; got ${String(fun)}`);
  const M = opts?.manifold;
  if (M === undefined || M === null || typeof M.retr !== "function") throw new ArgumentError(op, `option manifold must be a manifold (manifolds.stiefel(n, p), …); got ${String(M)}`);
  const method = opts.method ?? "rtr";
  if (method !== "rcg" && method !== "rtr") throw new ArgumentError(op, `option method must be "rcg" or "rtr"; got ${JSON.stringify(method)}`);
  const gtol = opts.gtol ?? opts.tol ?? 1e-6, maxIter = opts.maxIter ?? 1000;
  if (!(gtol >= 0)) throw new ArgumentError(op, `option gtol must be ≥ 0; got ${String(gtol)}`);
  if (!Number.isInteger(maxIter) || maxIter < 0) throw new ArgumentError(op, `option maxIter must be an integer ≥ 0; got ${String(maxIter)}`);
  let x = requireOnManifold(op, M, x0);
  const f1 = (t: Tensor): Tensor => {
    const v = fun(t);
    if (!(v instanceof Tensor)) throw new ArgumentError(op, `fun must return a scalar Tensor; it returned ${typeof v}`);
    if (v.size !== 1) throw new ShapeError(op, `fun must return a scalar (one element); it returned shape ${fmtShape(v.shape)}`);
    return v;
  };
  const vg = valueAndGrad(f1) as (x: Tensor) => { value: Tensor; grad: Tensor };
  let nfev = 0, ngev = 0, nhev = 0, nit = 0;
  const evalFG = (p: Tensor) => {
    nfev++;
    ngev++;
    const r = vg(p);
    return { f: r.value._data[0], eg: r.grad };
  };
  const evalF = (p: Tensor) => {
    nfev++;
    return noGrad(() => f1(p))._data[0];
  };
  let { f, eg } = evalFG(x);
  let g = M.egrad2rgrad(x, eg);
  let gn = M.norm(x, g);
  const result = (status: MinimizeResult<Tensor>["status"], message: string): MinimizeResult<Tensor> => ({
    x, fun: f, grad: g, nit, nfev, ngev, nhev, success: status === 0, status, message,
  });
  const nonFinite = (where: string) => result(3, `${op}: the loss or its gradient is non-finite at iteration ${nit + 1} (${where}); x is the last iterate with finite values`);
  if (!Number.isFinite(f) || !allFinite(eg._data)) return result(3, `${op}: the loss or its gradient is non-finite at iteration 0 (at x0)`);
  const conv = () => result(0, `converged: ‖grad f‖ₓ = ${gn.toExponential(2)} ≤ gtol = ${gtol}`);
  const cb = () => opts.callback !== undefined && opts.callback({ nit, x, fun: f, gradNorm: gn }) === true;
  if (gn <= gtol) return conv();

  if (method === "rcg") {
    let dT = new Tensor(g._data.map((v) => -v), x.shape);
    let fPrev = NaN;
    while (nit < maxIter) {
      let df0 = M.inner(x, g, dT);
      if (!(df0 < 0)) {
        dT = new Tensor(g._data.map((v) => -v), x.shape);
        df0 = -gn * gn;
      }
      let alpha = Number.isFinite(fPrev) ? Math.min((2 * (f - fPrev)) / df0, 4 / M.norm(x, dT)) : 1 / M.norm(x, dT);
      if (!(alpha > 0)) alpha = 1 / M.norm(x, dT);
      let xn: Tensor | null = null, fn = NaN;
      for (let k = 0; k < 30; k++) {
        const xt = M.retr(x, noGrad(() => dT.mul(alpha)));
        const ft = evalF(xt);
        if (Number.isNaN(ft) || ft === -Infinity) return nonFinite("at a line-search trial point");
        if (ft <= f + 1e-4 * alpha * df0) {
          xn = xt;
          fn = ft;
          break;
        }
        alpha *= 0.5;
      }
      if (xn === null) return result(2, `line search failed at iteration ${nit + 1}: no sufficient decrease along the retraction in 30 halvings (‖grad f‖ₓ = ${gn.toExponential(2)})`);
      const r = evalFG(xn);
      fn = r.f;
      if (!Number.isFinite(r.f) || !allFinite(r.eg._data)) return nonFinite("at the accepted point");
      const gNew = M.egrad2rgrad(xn, r.eg);
      const gOldT = M.transp(x, xn, g), dTr = M.transp(x, xn, dT);
      const diff = noGrad(() => gNew.sub(gOldT));
      const beta = Math.max(0, M.inner(xn, gNew, diff) / (gn * gn));
      dT = noGrad(() => gNew.neg().add(dTr.mul(beta)));
      fPrev = f;
      x = xn;
      f = fn;
      eg = r.eg;
      g = gNew;
      gn = M.norm(x, g);
      nit++;
      if (cb()) return result(99, `stopped by the callback at iteration ${nit}`);
      if (gn <= gtol) return conv();
    }
    return result(1, `stopped: the iteration limit maxIter = ${maxIter} was reached (‖grad f‖ₓ = ${gn.toExponential(2)})`);
  }

  // rtr
  const maxRadius = Math.sqrt(M.dim);
  let radius = maxRadius / 8;
  while (nit < maxIter) {
    const xc = x, egc = eg;
    const inner = (a: Float64Array, b: Float64Array) => M.inner(xc, new Tensor(a, xc.shape), new Tensor(b, xc.shape));
    const Hv = (v: Float64Array): Float64Array => {
      nhev++;
      const u = new Tensor(v, xc.shape);
      const eh = hvp(f1, [xc], [u]) as Tensor[];
      return M.ehess2rhess(xc, egc, eh[0], u)._data;
    };
    // tCG stopping rule ‖r‖ ≤ ‖r₀‖·min(‖r₀‖, 0.1) (θ = 1, κ = 0.1)
    const sub = steihaug(g._data, Hv, radius, gn * Math.min(gn, 0.1), Math.max(M.dim, 10), inner);
    if (sub.bad) return nonFinite("in a Hessian–vector product");
    const eta = new Tensor(sub.p, x.shape);
    const xt = M.retr(x, eta);
    const r = evalFG(xt);
    if (!Number.isFinite(r.f) || !allFinite(r.eg._data)) return nonFinite("at a trial point");
    const predicted = -(inner(g._data, sub.p) + 0.5 * inner(sub.p, sub.Bp));
    const actual = f - r.f;
    // ρ with Manopt's regularization against round-off near convergence
    const reg = 1e3 * 2.220446049250313e-16 * Math.max(1, Math.abs(f));
    const rho = predicted + reg > 0 ? (actual + reg) / (predicted + reg) : -1;
    if (rho < 0.25) radius *= 0.25;
    else if (rho > 0.75 && sub.boundary) radius = Math.min(2 * radius, maxRadius);
    nit++;
    if (rho > 0.1) {
      x = xt;
      f = r.f;
      eg = r.eg;
      g = M.egrad2rgrad(x, eg);
      gn = M.norm(x, g);
    }
    if (cb()) return result(99, `stopped by the callback at iteration ${nit}`);
    if (gn <= gtol) return conv();
    if (radius < 1e-14 * maxRadius) return result(2, `trust region collapsed at iteration ${nit} (radius ${radius.toExponential(2)}): ‖grad f‖ₓ = ${gn.toExponential(2)} cannot be reduced further at this precision`);
  }
  return result(1, `stopped: the iteration limit maxIter = ${maxIter} was reached (‖grad f‖ₓ = ${gn.toExponential(2)})`);
}
