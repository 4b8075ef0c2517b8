/**
 * Fixed points x* = T(x*, θ) with implicit gradients (deep-equilibrium
 * layers, stationary distributions, self-consistent equations).
 *
 * The forward pass iterates T (plain iteration with optional damping, or
 * Anderson acceleration) without recording a tape; the derivatives come from
 * the implicit function theorem applied to F(x, θ) = T(x, θ) − x:
 *
 *   reverse:  w = x̄ + (∂ₓT)ᵀ w,   θ̄ = (∂_θT)ᵀ w
 *   forward:  ẋ = (∂ₓT) ẋ + (∂_θT) θ̇
 *
 * solved as linear systems with (I − ∂ₓT)ᵀ and (I − ∂ₓT) (GMRES or dense LU by
 * default). Memory is independent of the number of forward iterations.
 */
import { checkOptions, describe } from "../../validate.js";
import { tensorArg } from "../../tensor/create.js";
import { Tensor } from "../../tensor/tensor.js";
import { fmtShape, shapesEqual } from "../../tensor/shape.js";
import { sub, type TensorLike } from "../../ops/api.js";
import { enableGrad } from "../../autodiff/engine.js";
import { ArgumentError, ConvergenceError, ShapeError } from "../../errors.js";
import { nrm2 } from "../linsolve/krylov.js";
import { plain } from "../../autodiff/trace.js";
import { resolveLinearOptions } from "../linsolve/solve.js";
import { LINEAR_SOLVE_KEYS, checkTol, implicitSolution, solveExamples, type ImplicitCore, type ImplicitOptions } from "./root.js";

/** Options of {@link fixedPointIteration}: the iteration, its damping and stopping rule. */
export interface FixedPointIterationOptions {
  /** "iteration" (default): x ← (1 − β) x + β T(x); "anderson": Anderson acceleration (type II). */
  method?: "iteration" | "anderson";
  /** Converged when ‖T(x) − x‖₂ ≤ max(atol, rtol · max(1, ‖x‖₂)). Default 1e-10. */
  rtol?: number;
  /** Default 0. */
  atol?: number;
  /** Maximum iterations (default 1000). */
  maxIter?: number;
  /** Damping β ∈ (0, 1] (default 1: plain iteration / undamped Anderson mixing). */
  damping?: number;
  /** Anderson memory (default 5). */
  memory?: number;
  /** Called after each iteration with ‖T(x) − x‖₂. */
  onIteration?: (info: { iteration: number; residual: number }) => void;
  /** Op name in errors. */
  name?: string;
}

/** Options of {@link fixedPoint}: the forward iteration's and the implicit backward solve's. */
export interface FixedPointOptions extends FixedPointIterationOptions, ImplicitOptions {}

/** Small dense symmetric positive definite solve (Cholesky), in place on b; false if not SPD. */
function spdSolve(a: Float64Array, b: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    let d = a[j * m + j];
    for (let k = 0; k < j; k++) d -= a[j * m + k] * a[j * m + k];
    if (!(d > 0)) return false;
    d = Math.sqrt(d);
    a[j * m + j] = d;
    for (let i = j + 1; i < m; i++) {
      let s = a[i * m + j];
      for (let k = 0; k < j; k++) s -= a[i * m + k] * a[j * m + k];
      a[i * m + j] = s / d;
    }
  }
  for (let i = 0; i < m; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= a[i * m + k] * b[k];
    b[i] = s / a[i * m + i];
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < m; k++) s -= a[k * m + i] * b[k];
    b[i] = s / a[i * m + i];
  }
  return true;
}

/**
 * Iterate x ← T(x, θ) from x0 to a fixed point (values only, nothing recorded).
 * Throws ConvergenceError with the residual ‖T(x) − x‖ and the iteration
 * count when the tolerance is not met within maxIter (or values blow up).
 */
export function solveFixedPoint(
  T: (x: Tensor, ...theta: Tensor[]) => Tensor,
  x0: Tensor,
  theta: readonly Tensor[],
  options: FixedPointIterationOptions = {},
): { x: Tensor; iterations: number; residual: number } {
  const op = options.name ?? "fixedPoint";
  const method = options.method ?? "iteration";
  if (method !== "iteration" && method !== "anderson")
    throw new ArgumentError(op, `option method must be "iteration" or "anderson", got ${String(method)}`);
  const rtol = checkTol(op, "rtol", options.rtol, 1e-10);
  const atol = checkTol(op, "atol", options.atol, 0);
  const maxIter = options.maxIter ?? 1000;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new ArgumentError(op, `option maxIter must be a positive integer, got ${maxIter}`);
  const beta = options.damping ?? 1;
  if (!(beta > 0 && beta <= 1)) throw new ArgumentError(op, `option damping must be in (0, 1], got ${beta}`);
  const mem = options.memory ?? 5;
  if (!Number.isInteger(mem) || mem < 1) throw new ArgumentError(op, `option memory must be a positive integer, got ${mem}`);
  const th = theta.map(plain);
  const shape = x0.shape;
  const n = x0.size;
  const apply = (x: Float64Array): Float64Array => {
    const y = enableGrad(() => T(new Tensor(x, shape), ...th));
    if (!(y instanceof Tensor)) throw new ArgumentError(op, "T must return a Tensor");
    if (!shapesEqual(y.shape, shape))
      throw new ShapeError(op, `T(x, θ) has shape ${fmtShape(y.shape)} but x has shape ${fmtShape(shape)}; a fixed point needs T to map x's shape to itself`);
    return y.data;
  };
  let x = plain(x0).data.slice();
  // Anderson history: differences of residuals g = T(x) − x and of T values
  const dG: Float64Array[] = [], dTx: Float64Array[] = [];
  let gPrev: Float64Array | null = null, tPrev: Float64Array | null = null;
  let res = Infinity;
  for (let it = 0; it < maxIter; it++) {
    const tx = apply(x);
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) g[i] = tx[i] - x[i];
    res = nrm2(g);
    const tol = Math.max(atol, rtol * Math.max(1, nrm2(x)));
    options.onIteration?.({ iteration: it, residual: res });
    if (!Number.isFinite(res))
      throw new ConvergenceError(op, `the iteration diverged (non-finite values at iteration ${it}); T may not be contractive`, res, it, tol);
    if (res <= tol) return { x: new Tensor(x, shape), iterations: it, residual: res };
    const next = new Float64Array(n);
    if (method === "anderson" && gPrev !== null && tPrev !== null) {
      const dg = new Float64Array(n), dt = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        dg[i] = g[i] - gPrev[i];
        dt[i] = tx[i] - tPrev[i];
      }
      dG.push(dg);
      dTx.push(dt);
      if (dG.length > mem) {
        dG.shift();
        dTx.shift();
      }
      // γ = argmin ‖g − ΔG γ‖ (regularized normal equations), then mix
      const m = dG.length;
      const a = new Float64Array(m * m), rhs = new Float64Array(m);
      let trace = 0;
      for (let p = 0; p < m; p++) {
        for (let q = 0; q <= p; q++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += dG[p][i] * dG[q][i];
          a[p * m + q] = a[q * m + p] = s;
        }
        trace += a[p * m + p];
        let s = 0;
        for (let i = 0; i < n; i++) s += dG[p][i] * g[i];
        rhs[p] = s;
      }
      for (let p = 0; p < m; p++) a[p * m + p] += 1e-10 * trace + 1e-300;
      if (spdSolve(a, rhs, m) && rhs.every(Number.isFinite)) {
        for (let i = 0; i < n; i++) {
          let xa = x[i], ta = tx[i];
          for (let p = 0; p < m; p++) {
            xa -= rhs[p] * (dTx[p][i] - dG[p][i]);
            ta -= rhs[p] * dTx[p][i];
          }
          next[i] = (1 - beta) * xa + beta * ta;
        }
      } else {
        dG.length = 0;
        dTx.length = 0;
        for (let i = 0; i < n; i++) next[i] = x[i] + beta * g[i];
      }
    } else {
      for (let i = 0; i < n; i++) next[i] = x[i] + beta * g[i];
    }
    gPrev = g;
    tPrev = tx;
    x = next;
  }
  const tol = Math.max(atol, rtol * Math.max(1, nrm2(x)));
  throw new ConvergenceError(
    op,
    `the ${method === "anderson" ? "Anderson-accelerated " : ""}fixed-point iteration did not converge in maxIter = ${maxIter} iterations: ‖T(x) − x‖ = ${res.toExponential(3)} > tolerance ${tol.toExponential(3)}` +
      (method === "iteration" ? " (T may not be contractive; try damping or method \"anderson\")" : ""),
    res,
    maxIter,
    tol,
  );
}

const FIXED_POINT_ITERATION_KEYS = ["method", "rtol", "atol", "maxIter", "damping", "memory", "onIteration", "name"] as const;

/**
 * A fixed-point solver for implicitRoot: `(...theta, x0) => { x, iterations }`
 * (x0 is required).
 */
export function fixedPointIteration<Theta extends Tensor[]>(
  T: (x: Tensor, ...theta: Theta) => Tensor,
  options: FixedPointIterationOptions = {},
): (...args: [...theta: Theta, x0: Tensor | undefined]) => { x: Tensor; iterations: number } {
  checkOptions("fixedPointIteration", options, FIXED_POINT_ITERATION_KEYS);
  options ??= {};
  const op = options.name ?? "fixedPointIteration";
  if (typeof T !== "function") throw new ArgumentError(op, `argument T must be a function (x, ...theta) ↦ T(x, theta); got ${describe(T)}`);
  return ((...args: (Tensor | undefined)[]) => {
    const x0 = args[args.length - 1];
    if (!(x0 instanceof Tensor)) throw new ArgumentError(op, "needs an initial guess x0 (a Tensor) as its last argument");
    return solveFixedPoint(T as (x: Tensor, ...t: Tensor[]) => Tensor, x0, args.slice(0, -1) as Tensor[], { ...options, name: op });
  }) as unknown as (...args: [...theta: Theta, x0: Tensor | undefined]) => { x: Tensor; iterations: number };
}

function makeFixedPoint(
  T: (x: Tensor, ...theta: Tensor[]) => Tensor,
  options: FixedPointOptions,
): (x0: TensorLike, ...theta: TensorLike[]) => Tensor {
  const op = options.name ?? "fixedPoint";
  if (typeof T !== "function") throw new ArgumentError(op, "T must be a function (x, ...theta) ↦ T(x, theta)");
  const tol = checkTol(op, "tol", options.tol, 1e-8);
  const lin = resolveLinearOptions(op, options.linearSolve, "linearSolve.");
  // F(x, θ) = T(x, θ) − x: ∂ₓF = ∂ₓT − I, and the IFT gives w = x̄ + (∂ₓT)ᵀ w, θ̄ = (∂_θT)ᵀ w
  const residual = (x: Tensor, ...theta: Tensor[]): Tensor => sub(T(x, ...theta), x);
  /** x* from the start x0 (values) at θ. */
  const solveFrom = (x0: Tensor, theta: Tensor[]): Tensor => {
    const core: ImplicitCore = {
      op, residual, tol, lin,
      resolve: (th) => solveFixedPoint(T, x0, th, { ...options, name: op }),
    };
    const { x, iterations } = core.resolve(theta.map(plain));
    return implicitSolution(core, x, iterations, theta);
  };
  return (x0In: TensorLike, ...thetaIn: TensorLike[]) => {
    const x0 = plain(tensorArg(x0In, op, "x0"));
    const theta = thetaIn.map((t, i) => tensorArg(t, op, `theta[${i}]`));
    // under vmap: per example (x0 may be batched too); the derivatives restart at x*, which converges at once
    return solveExamples(op, [x0, ...theta], ([x0b, ...th]) => solveFrom(plain(x0b), th), ([, ...th], x) => solveFrom(x, th));
  };
}

/**
 * The fixed point x* = T(x*, θ) reached from x0, differentiable in θ (and in
 * tensors T closes over) by implicit differentiation — never by unrolling.
 *
 * - `fixedPoint(T, x0, ...theta)` solves with default options.
 * - `fixedPoint(T, options)` returns `(x0, ...theta) => x*`.
 *
 * x0 is only a starting point: it receives no gradient.
 */
export function fixedPoint(T: (x: Tensor, ...theta: Tensor[]) => Tensor, x0: TensorLike, ...theta: TensorLike[]): Tensor;
export function fixedPoint(T: (x: Tensor, ...theta: Tensor[]) => Tensor, options?: FixedPointOptions): (x0: TensorLike, ...theta: TensorLike[]) => Tensor;
export function fixedPoint(
  T: (x: Tensor, ...theta: Tensor[]) => Tensor,
  x0OrOptions?: TensorLike | FixedPointOptions,
  ...theta: TensorLike[]
): Tensor | ((x0: TensorLike, ...theta: TensorLike[]) => Tensor) {
  const isOptions = x0OrOptions === undefined || (typeof x0OrOptions === "object" && !(x0OrOptions instanceof Tensor) && !Array.isArray(x0OrOptions));
  if (isOptions) {
    const o = checkOptions("fixedPoint", x0OrOptions as FixedPointOptions | undefined, [...FIXED_POINT_ITERATION_KEYS, "tol", "linearSolve"]);
    checkOptions(o.name ?? "fixedPoint", o.linearSolve, LINEAR_SOLVE_KEYS, "options.linearSolve");
    return makeFixedPoint(T, o);
  }
  return makeFixedPoint(T, {})(x0OrOptions as TensorLike, ...theta);
}
