/**
 * Newton–Krylov root finding (the forward solver of inverseOf, usable as the
 * solver of implicitRoot). Matrix-free: each Newton step linearizes F at x by
 * tracing the JVP v ↦ ∂ₓF(x, θ) v once (../linsolve/trace.ts), then solves
 * ∂ₓF δ = −F inexactly with GMRES (dense LU for small problems) to the
 * Eisenstat–Walker forcing tolerance, and globalizes with a backtracking
 * (Armijo) line search on ‖F‖. Not differentiated: derivatives of the root
 * come from the implicit function theorem (root.ts).
 *
 * References: Kelley, "Solving Nonlinear Equations with Newton's Method"
 * (SIAM 2003), ch. 3; Eisenstat & Walker (1996), choice 2 of the forcing term.
 */
import { checkOptions } from "../../validate.js";
import { Tensor } from "../../tensor/tensor.js";
import { fmtShape, shapesEqual } from "../../tensor/shape.js";
import { jvp } from "../../autodiff/transforms.js";
import { enableGrad } from "../../autodiff/engine.js";
import { ArgumentError, ConvergenceError, ShapeError } from "../../errors.js";
import { nrm2 } from "../linsolve/krylov.js";
import { plain, trace } from "../../autodiff/trace.js";
import {
  deterministicProbe, numericMatvec, resolveLinearOptions, runLinearSolver, type LinearSolveOptions,
} from "../linsolve/solve.js";
import { checkTol } from "./root.js";

/** Options of {@link newtonKrylov}: tolerances, iteration limits and the inner Krylov solver. */
export interface NewtonKrylovOptions {
  /**
   * Converged when ‖F(x)‖₂ ≤ max(atol, rtol · max(1, ‖x‖₂)), or when the Newton
   * correction is at the rounding level of x. Default 1e-12.
   */
  rtol?: number;
  /** Default 0. */
  atol?: number;
  /** Maximum Newton iterations. Default 50. */
  maxIter?: number;
  /**
   * Inner linear solves (solver, maxIter, restart, denseThreshold). Their
   * tolerance is the Newton forcing term, at most `rtol` here (default 0.1).
   */
  linearSolve?: Omit<LinearSolveOptions, "x0" | "preconditioner" | "onInfo">;
  /** Backtracking line search on ‖F‖ (default true); false takes full Newton steps. */
  lineSearch?: boolean;
  /** Called after each accepted step. */
  onIteration?: (info: NewtonIterationInfo) => void;
  /** Op name in errors. */
  name?: string;
}

/** What the callback of {@link newtonKrylov} sees after each Newton step. */
export interface NewtonIterationInfo {
  iteration: number;
  /** ‖F(x)‖₂ after the step. */
  residual: number;
  /** Step length factor accepted by the line search (1 = full Newton step). */
  stepLength: number;
  /** Iterations of the inner linear solve. */
  linearIterations: number;
}

/** The result of {@link newtonKrylov}: the root, the iteration count and the final residual. */
export interface NewtonResult {
  x: Tensor;
  iterations: number;
  residual: number;
}

/**
 * Solve F(x, θ) = 0 for x from x0 (θ fixed, values only). Throws
 * ConvergenceError with the residual norm and the iteration count when
 * Newton does not converge, the line search cannot decrease ‖F‖, or the
 * Jacobian is singular.
 */
export function newtonSolve(
  residual: (x: Tensor, ...theta: Tensor[]) => Tensor,
  x0: Tensor,
  theta: readonly Tensor[],
  options: NewtonKrylovOptions = {},
): NewtonResult {
  const op = options.name ?? "newtonKrylov";
  const rtol = checkTol(op, "rtol", options.rtol, 1e-12);
  const atol = checkTol(op, "atol", options.atol, 0);
  const maxIter = options.maxIter ?? 50;
  if (!Number.isInteger(maxIter) || maxIter < 0) throw new ArgumentError(op, `option maxIter must be a non-negative integer, got ${maxIter}`);
  const lin = resolveLinearOptions(op, options.linearSolve, "linearSolve.");
  const etaMax = Math.min(options.linearSolve?.rtol ?? 0.1, 0.5);
  const lineSearch = options.lineSearch ?? true;
  const th = theta.map(plain);
  const F = (x: Tensor): Tensor => {
    const f = enableGrad(() => residual(x, ...th));
    if (!(f instanceof Tensor)) throw new ArgumentError(op, "the residual must return a Tensor");
    return f;
  };
  let x = plain(x0);
  let f = F(x);
  if (f.size !== x.size)
    throw new ShapeError(op, `the residual has shape ${fmtShape(f.shape)} (${f.size} entries) but x has shape ${fmtShape(x.shape)} (${x.size} entries); Newton needs a square Jacobian`);
  let fn = nrm2(f.data);
  const tolOf = (xx: Tensor): number => Math.max(atol, rtol * Math.max(1, nrm2(xx.data)));
  let eta = etaMax;
  for (let k = 0; ; k++) {
    const tolF = tolOf(x);
    if (!Number.isFinite(fn))
      throw new ConvergenceError(op, `the residual is not finite at iteration ${k}`, fn, k, tolF);
    if (fn <= tolF) return { x, iterations: k, residual: fn };
    if (k >= maxIter)
      throw new ConvergenceError(op, `Newton–Krylov did not converge in maxIter = ${maxIter} iterations: ‖F(x)‖ = ${fn.toExponential(3)} > tolerance ${tolF.toExponential(3)}`, fn, k, tolF);
    // linearize at x: the JVP program v ↦ ∂ₓF(x, θ) v, traced once, replayed numerically
    const xk = x;
    const { program } = trace(op, (v) => jvp((xx: Tensor) => residual(xx, ...th), [xk], [v]).tangent as Tensor, [deterministicProbe(x.shape, 17)]);
    if (!shapesEqual(program.outShape, f.shape)) throw new ShapeError(op, "the residual's shape changed between calls");
    const J = numericMatvec(program, program.captured, x.shape);
    const rhs = new Float64Array(f.size);
    for (let i = 0; i < rhs.length; i++) rhs[i] = -f.data[i];
    const linTol = Math.max(eta, 0.5 * tolF / fn, 1e-13);
    const inner = runLinearSolver(op, { ...lin, rtol: Math.min(linTol, 0.5), atol: 0 }, J, rhs, { x: x.shape, b: f.shape }, undefined, undefined, null);
    const r = inner.result;
    // inexact Newton accepts a partial inner solve that still reduces the linear model's residual
    if (!(r.residual < 0.9999 * fn) || !r.x.every(Number.isFinite))
      throw new ConvergenceError(
        op,
        `singular or ill-conditioned Jacobian at Newton iteration ${k}: the inner ${inner.name} solve made no progress (${r.reason ?? "no reduction"}); ‖F(x)‖ = ${fn.toExponential(3)}`,
        fn, k, tolF,
      );
    const delta = r.x;
    // backtracking line search with safeguarded quadratic interpolation
    let s = 1;
    let xt: Tensor, ft: Tensor, ftn: number;
    for (;;) {
      const d = new Float64Array(x.size);
      for (let i = 0; i < d.length; i++) d[i] = x.data[i] + s * delta[i];
      xt = new Tensor(d, x.shape);
      ft = F(xt);
      ftn = nrm2(ft.data);
      if (!lineSearch && Number.isFinite(ftn)) break;
      if (Number.isFinite(ftn) && ftn <= (1 - 1e-4 * s) * fn) break;
      // model φ(s) = ‖F(x + sδ)‖², φ(0) = fn², φ'(0) ≈ −2 fn² (Newton direction)
      const sq = Number.isFinite(ftn) ? (fn * fn * s * s) / (ftn * ftn - fn * fn + 2 * fn * fn * s) : 0.1 * s;
      s = Math.min(0.5 * s, Math.max(0.1 * s, sq));
      // a Newton correction at the rounding level of x: x is a root as far as float64 can tell
      if (nrm2(delta) <= 1e-13 * Math.max(1, nrm2(x.data))) return { x, iterations: k, residual: fn };
      if (s < 1e-10)
        throw new ConvergenceError(
          op,
          `the line search could not decrease ‖F‖ at Newton iteration ${k} (‖F(x)‖ = ${fn.toExponential(3)}, tolerance ${tolF.toExponential(3)}): ` +
            "the Jacobian may be singular, the initial guess too far, or the tolerance below rounding level",
          fn, k, tolF,
        );
    }
    // Eisenstat–Walker choice 2 with safeguards
    const etaNew = 0.9 * (ftn / fn) ** 2;
    const safe = 0.9 * eta * eta;
    eta = Math.min(etaMax, safe > 0.1 ? Math.max(etaNew, safe) : etaNew);
    x = xt;
    f = ft;
    fn = ftn;
    options.onIteration?.({ iteration: k + 1, residual: fn, stepLength: s, linearIterations: r.iterations });
  }
}

/** The keys of NewtonKrylovOptions, and of its linearSolve (no x0, preconditioner or onInfo there). */
export const NEWTON_KEYS = ["rtol", "atol", "maxIter", "linearSolve", "lineSearch", "onIteration", "name"] as const;
const NEWTON_LINEAR_KEYS = ["solver", "rtol", "atol", "maxIter", "restart", "symmetric", "denseThreshold"] as const;

/**
 * A Newton–Krylov solver for implicitRoot: `newtonKrylov(F, options)` is
 * `(...theta, x0) => { x, iterations }` solving F(x, θ) = 0 from x0.
 */
export function newtonKrylov<Theta extends Tensor[]>(
  residual: (x: Tensor, ...theta: Theta) => Tensor,
  options: NewtonKrylovOptions = {},
): (...args: [...theta: Theta, x0: Tensor | undefined]) => NewtonResult {
  checkOptions("newtonKrylov", options, NEWTON_KEYS);
  options ??= {};
  const op = options.name ?? "newtonKrylov";
  checkOptions(op, options.linearSolve, NEWTON_LINEAR_KEYS, "options.linearSolve");
  if (typeof residual !== "function") throw new ArgumentError(op, "residual must be a function (x, ...theta) ↦ F(x, theta)");
  return ((...args: (Tensor | undefined)[]) => {
    const x0 = args[args.length - 1];
    if (!(x0 instanceof Tensor))
      throw new ArgumentError(op, "needs an initial guess: pass x0 (for implicitRoot: its option x0) as a Tensor");
    return newtonSolve(residual as (x: Tensor, ...t: Tensor[]) => Tensor, x0, args.slice(0, -1) as Tensor[], options);
  }) as unknown as (...args: [...theta: Theta, x0: Tensor | undefined]) => NewtonResult;
}
