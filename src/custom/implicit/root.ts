/**
 * Implicit functions: x*(θ) defined by F(x*, θ) = 0, differentiated by the
 * implicit function theorem instead of through the solver.
 *
 *   reverse:  solve (∂ₓF)ᵀ w = x̄ (matrix-free, VJPs of F),  θ̄ = −(∂_θF)ᵀ w
 *   forward:  solve (∂ₓF) ẋ = −(∂_θF) θ̇ (matrix-free, JVPs of F)
 *
 * at x = x*. The forward solver is any plain function; it is never
 * differentiated. F is traced once at (x*, θ) (../linsolve/trace.ts): tensors
 * that F closes over and that take part in autodiff (weights, …) become
 * explicit inputs of a Rule created at runtime and applied with `applyMulti`,
 * so they get gradients too. Both derivative solves go through the
 * differentiable linear solve, with F re-evaluated at the rule's own output,
 * so second and higher derivatives (grad of grad, hvp, jvp of grad) are exact
 * as well — they cost one more linear solve per order.
 */
import { checkOptions } from "../../validate.js";
import { Tensor } from "../../tensor/tensor.js";
import { isGradEnabled, type Rule } from "../../tensor/meta.js";
import { fmtShape, type Shape } from "../../tensor/shape.js";
import { applyMulti } from "../../ops/dispatch.js";
import { asTensor, neg, type TensorLike } from "../../ops/api.js";
import { enableGrad } from "../../autodiff/engine.js";
import { jvp, vjp } from "../../autodiff/transforms.js";
import { ArgumentError, BatchingError, ConvergenceError, ShapeError } from "../../errors.js";
import { batchByLoop } from "../../ops/batching.js";
import { mapExamples } from "../examples.js";
import { nrm2 } from "../linsolve/krylov.js";
import { plain, replay, replayNumeric, trace, type Program } from "../../autodiff/trace.js";
import { implicitOf } from "../introspect.js";
import {
  resolveLinearOptions, solveLinearFn, type LinearSolveOptions, type ResolvedLinearOptions, type SolveContext,
} from "../linsolve/solve.js";

/** What a forward solver returns: the solution, optionally with its iteration count (reported in errors). */
export type SolverResult = Tensor | { x: Tensor; iterations?: number };

/**
 * Options of the implicit functions' backward pass: the check of the forward solution and the linear solve with
 * (∂ₓF)ᵀ.
 */
export interface ImplicitOptions {
  /**
   * Check of the forward solve: ‖F(x*, θ)‖₂ ≤ tol · max(1, ‖x*‖₂), else
   * ConvergenceError (the IFT gradient is only as good as the root).
   * Default 1e-8; Infinity disables the check.
   */
  tol?: number;
  /**
   * Options of the adjoint (VJP) and tangent (JVP) linear solves. Default
   * solver "auto": dense LU up to 64 unknowns, else GMRES (CG if `symmetric`:
   * set it when ∂ₓF is symmetric, e.g. F is the gradient of an objective).
   */
  linearSolve?: LinearSolveOptions;
  /** Name of the op in errors and on the tape. */
  name?: string;
}

/** Options of {@link implicitRoot}. */
export interface ImplicitRootOptions<Theta extends Tensor[] = Tensor[]> extends ImplicitOptions {
  /** Initial guess handed to the solver as its last argument: a tensor, or a function of θ (values only). */
  x0?: Tensor | ((...theta: Theta) => Tensor);
}

/** A resolved solve for given θ values: the solution and the iterations used (NaN if unknown). */
export type Resolve = (theta: Tensor[]) => { x: Tensor; iterations: number };

export interface ImplicitCore {
  op: string;
  residual: (x: Tensor, ...theta: Tensor[]) => Tensor;
  tol: number;
  lin: ResolvedLinearOptions;
  resolve: Resolve;
}

/** The keys of LinearSolveOptions (linearSolve sub-options are checked like top-level ones). */
export const LINEAR_SOLVE_KEYS = ["solver", "rtol", "atol", "maxIter", "restart", "preconditioner", "symmetric", "denseThreshold", "onInfo", "x0"] as const;

export function checkTol(op: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !(v >= 0)) throw new ArgumentError(op, `option ${name} must be a number ≥ 0, got ${String(v)}`);
  return v;
}

export function unpackSolverResult(op: string, r: unknown, what: string): { x: Tensor; iterations: number } {
  if (r instanceof Tensor) return { x: plain(r), iterations: NaN };
  if (r !== null && typeof r === "object" && (r as { x?: unknown }).x instanceof Tensor) {
    const it = (r as { iterations?: unknown }).iterations;
    return { x: plain((r as { x: Tensor }).x), iterations: typeof it === "number" ? it : NaN };
  }
  throw new ArgumentError(op, `${what} must return a Tensor or { x: Tensor, iterations?: number }, got ${r === null ? "null" : typeof r}`);
}

function residualError(op: string, fnorm: number, bound: number, iterations: number, xnorm: number): ConvergenceError {
  const it = Number.isNaN(iterations) ? "" : ` after ${iterations} iterations`;
  const what = Number.isFinite(fnorm)
    ? `‖F(x*, θ)‖ = ${fnorm.toExponential(3)} exceeds tol·max(1, ‖x*‖) = ${bound.toExponential(3)} (‖x*‖ = ${xnorm.toExponential(3)})`
    : "F(x*, θ) is not finite";
  return new ConvergenceError(
    op,
    `the forward solve did not find a root${it}: ${what}. The implicit gradient would be wrong; tighten the solver or raise tol`,
    fnorm,
    iterations,
    bound,
  );
}

function sameData(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function dropTape(t: Tensor | null): Tensor | null {
  if (t === null || t._node === null) return t;
  const d = t._alias();
  d._fw = t._fw;
  return d;
}

/**
 * The differentiable x*(θ) given the root x (values) at θ: traces F, checks
 * the root, and applies the implicit Rule with inputs [θ…, captured…].
 */
export function implicitSolution(core: ImplicitCore, x: Tensor, iterations: number, theta: Tensor[]): Tensor {
  const { op, residual, tol, lin } = core;
  const k = theta.length;
  const { program: F, value } = trace(op, residual, [x, ...theta.map(plain)]);
  if (value.size !== x.size)
    throw new ShapeError(op, `the residual F(x, θ) has shape ${fmtShape(value.shape)} (${value.size} entries) but x has shape ${fmtShape(x.shape)} (${x.size} entries); ∂ₓF must be square`);
  checkRoot(op, value.data, x, tol, iterations);
  const xShape = x.shape;
  const state = { x: x.data, theta: theta.map((t) => t.data), caps: F.captured.map((c) => c.data) };
  const rule: Rule<null> = {
    name: op,
    forward: (inputs) => {
      const th = inputs.slice(0, k), cs = inputs.slice(k);
      if (th.every((t, i) => sameData(t.data, state.theta[i])) && cs.every((c, i) => sameData(c.data, state.caps[i])))
        return new Tensor(state.x, xShape);
      // replayed at other parameter values: solve again and check the root with the traced residual
      const r = core.resolve(th.map(plain));
      const fval = replayNumeric(F, [r.x, ...th.map(plain)], cs.map(plain));
      checkRoot(op, fval.data, r.x, tol, r.iterations);
      return r.x._alias(xShape);
    },
    vjp: (ct: Tensor, inputs, out: Tensor) => {
      const record = isGradEnabled();
      const grads = enableGrad(() => implicitVjp(op, F, lin, k, ct, inputs, out));
      return record ? grads : grads.map(dropTape);
    },
    jvp: (dx, inputs, out: Tensor) => implicitJvp(op, F, lin, k, dx, inputs, out, xShape),
    // a value-dependent forward (a solve per parameter value): one application per example
    batch: batchByLoop(() => rule),
  };
  implicitOf.set(rule, { residual: F, k });
  return applyMulti(rule, [...theta, ...F.captured], null)[0];
}

/**
 * Under vmap, a solver sees each example's θ (mapExamples), but tensors that
 * the residual or the solver close over are seen as they are: a batched one
 * cannot be read. Such a failure is reported as the implicit function's,
 * with what to do.
 */
export function closureBatchingHint<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BatchingError && !e.message.startsWith(`${op}: `) && /random numbers drawn inside vmap/.test(e.message))
      throw new BatchingError(op, "a function it calls (solver, residual, initial guess) drew random numbers under vmap, where random creation functions refuse to draw " +
        "or draw batched values that a solver cannot read: draw them outside and pass them in (as a parameter or the initial guess)");
    if (e instanceof BatchingError && !e.message.startsWith(`${op}: `))
      throw new BatchingError(op, `under vmap it solves example by example for its arguments, but a function it calls (solver, residual, initial guess) ` +
        `met a batched tensor it closes over and ${e.message.replace(/^vmap: /, "")}. Pass such tensors as arguments (θ) instead of closing over them`);
    throw e;
  }
}

/**
 * x*(θ) for θ batched by vmap: one solve per example (an iterative solve
 * stops at its own iteration count for each), stacked; the derivatives
 * restart from the known roots (see mapExamples). Without batched θ, solve(θ).
 */
export function solveExamples(op: string, theta: Tensor[], solve: (theta: Tensor[]) => Tensor, warm: (theta: Tensor[], x: Tensor) => Tensor): Tensor {
  return mapExamples(op, theta, (th) => [closureBatchingHint(op, () => solve(th))], (th, [x]) => [closureBatchingHint(op, () => warm(th, x))])[0];
}

function checkRoot(op: string, f: Float64Array, x: Tensor, tol: number, iterations: number): void {
  const fnorm = nrm2(f), xnorm = nrm2(x.data);
  const bound = tol * Math.max(1, xnorm);
  if (!(fnorm <= bound) || !Number.isFinite(xnorm)) throw residualError(op, fnorm, bound, iterations, xnorm);
}

/** F replayed at (x, inputs) where inputs = [θ…, captured…]. */
function evalF(F: Program, k: number, x: Tensor, inputs: readonly Tensor[]): Tensor {
  return replay(F, [x, ...inputs.slice(0, k)], inputs.slice(k));
}

function implicitVjp(
  op: string, F: Program, lin: ResolvedLinearOptions, k: number,
  ct: Tensor, inputs: Tensor[], out: Tensor,
): (Tensor | null)[] {
  // one evaluation of F at (x*, θ) with a tape; its pullback serves both the
  // adjoint operator v ↦ (∂ₓF)ᵀ v and the final θ̄ = −(∂_θF)ᵀ w
  const { vjpFn } = vjp((x: Tensor, ...rest: Tensor[]) => evalF(F, k, x, rest), out, ...inputs);
  const ctx: SolveContext = { op, stage: "adjoint (VJP)", opts: lin, precond: null };
  const w = solveLinearFn(ctx, (v) => vjpFn(v)[0], ct, F.outShape, [out, ...inputs]);
  return vjpFn(w).slice(1).map((g) => neg(g));
}

function implicitJvp(
  op: string, F: Program, lin: ResolvedLinearOptions, k: number,
  dx: (Tensor | null)[], inputs: Tensor[], out: Tensor, xShape: Shape,
): Tensor | null {
  const idx: number[] = [];
  dx.forEach((d, i) => {
    if (d !== null) idx.push(i);
  });
  if (idx.length === 0) return null;
  // −(∂_θF) θ̇ at x = x*
  const dF = jvp(
    (...sel: Tensor[]) => {
      const full = inputs.slice();
      idx.forEach((i, j) => (full[i] = sel[j]));
      return evalF(F, k, out, full);
    },
    idx.map((i) => inputs[i]),
    idx.map((i) => dx[i] as Tensor),
  ).tangent as Tensor;
  const ctx: SolveContext = { op, stage: "tangent (JVP)", opts: lin, precond: null };
  const matvec = (v: Tensor): Tensor => jvp((x: Tensor) => evalF(F, k, x, inputs), [out], [v]).tangent as Tensor;
  return solveLinearFn(ctx, matvec, neg(dF), xShape, [out, ...inputs]);
}

/**
 * Differentiate through a root-finding solver by the implicit function
 * theorem (JAX's custom_root / jaxopt's custom_root).
 *
 * `residual(x, ...θ)` is F, written with matgrad ops. `solver(...θ, x0)` is
 * any plain function returning x with F(x, θ) ≈ 0 (Newton, a fixed-point
 * iteration, a closed form, an external routine); it receives θ's values
 * without autodiff and is never differentiated. Returns the differentiable
 * function θ ↦ x*(θ): gradients, JVPs and higher derivatives with respect to
 * every θ (any shapes) and to tensors F closes over.
 *
 * Loud failures: a root that misses `tol`, an adjoint or tangent solve that
 * does not converge, or a singular ∂ₓF raise ConvergenceError with the
 * residual norm and the iteration count.
 */
export function implicitRoot<Theta extends Tensor[]>(
  residual: (x: Tensor, ...theta: Theta) => Tensor,
  solver: (...args: [...theta: Theta, x0: Tensor | undefined]) => SolverResult,
  options: ImplicitRootOptions<Theta> = {},
): (...theta: Theta) => Tensor {
  checkOptions("implicitRoot", options, ["tol", "linearSolve", "name", "x0"]);
  options ??= {};
  const op = options.name ?? "implicitRoot";
  if (typeof residual !== "function") throw new ArgumentError(op, "residual must be a function (x, ...theta) ↦ F(x, theta)");
  if (typeof solver !== "function") throw new ArgumentError(op, "solver must be a function (...theta, x0) ↦ x");
  if (options.x0 !== undefined && !(options.x0 instanceof Tensor) && typeof options.x0 !== "function")
    throw new ArgumentError(op, "option x0 must be a Tensor or a function of theta");
  const tol = checkTol(op, "tol", options.tol, 1e-8);
  checkOptions(op, options.linearSolve, LINEAR_SOLVE_KEYS, "options.linearSolve");
  const lin = resolveLinearOptions(op, options.linearSolve, "linearSolve.");
  const resolve: Resolve = (theta) => {
    const x0 = options.x0 === undefined ? undefined
      : options.x0 instanceof Tensor ? plain(options.x0)
      : plain(enableGrad(() => (options.x0 as (...t: Tensor[]) => Tensor)(...theta)));
    const r = enableGrad(() => (solver as (...a: (Tensor | undefined)[]) => SolverResult)(...theta, x0));
    return unpackSolverResult(op, r, "the solver");
  };
  const core: ImplicitCore = { op, residual: residual as ImplicitCore["residual"], tol, lin, resolve };
  return ((...thetaIn: TensorLike[]) => {
    const theta = thetaIn.map(asTensor);
    return solveExamples(op, theta, (th) => {
      const { x, iterations } = resolve(th.map(plain));
      return implicitSolution(core, x, iterations, th);
    }, (th, x) => implicitSolution(core, x, NaN, th));
  }) as unknown as (...theta: Theta) => Tensor;
}

