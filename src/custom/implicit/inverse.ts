/**
 * The differentiable inverse of a map: given X ↦ A(X, ...p) written with
 * matgrad ops, inverseOf(A) is Y ↦ X with A(X, ...p) = Y.
 *
 * Forward: Newton–Krylov on F(X, Y, p) = A(X, p) − Y (matrix-free: the
 * Newton systems use JVPs of A and are solved by GMRES, dense LU when small),
 * with a line search, from a given initial guess (default X₀ = Y).
 * Derivatives by the implicit function theorem: ∂ₓF = A′(X) and ∂_Y F = −I, so
 *
 *   Ȳ = A′(X)⁻ᵀ X̄,   p̄ = −(∂_p A)ᵀ Ȳ,   Ẋ = A′(X)⁻¹ (Ẏ − ∂_p A ṗ).
 *
 * Example: inverseOf((X) => matmul(X, X)) is a matrix square root (the
 * principal one when started from X₀ = Y for Y with no eigenvalues on the
 * closed negative real axis); its VJP solves the Sylvester equation
 * Xᵀ Ȳ + Ȳ Xᵀ = X̄ matrix-free.
 */
import { checkOptions } from "../../validate.js";
import { Tensor } from "../../tensor/tensor.js";
import { fmtShape, shapesEqual } from "../../tensor/shape.js";
import { asTensor, sub, type TensorLike } from "../../ops/api.js";
import { enableGrad } from "../../autodiff/engine.js";
import { ArgumentError, ShapeError } from "../../errors.js";
import { plain } from "../../autodiff/trace.js";
import { resolveLinearOptions } from "../linsolve/solve.js";
import { LINEAR_SOLVE_KEYS, checkTol, implicitSolution, solveExamples, type ImplicitCore, type ImplicitOptions } from "./root.js";
import { NEWTON_KEYS, newtonSolve, type NewtonKrylovOptions } from "./newton.js";

/** Options of {@link inverseOf}: the Newton solve of f(x) = y and the implicit backward solve. */
export interface InverseOfOptions<P extends Tensor[] = Tensor[]> extends ImplicitOptions {
  /** Initial guess: a tensor, or a function of (Y, ...p) (values only). Default: Y itself. */
  x0?: Tensor | ((y: Tensor, ...params: P) => Tensor);
  /** Options of the Newton–Krylov forward solve. */
  newton?: NewtonKrylovOptions;
}

/**
 * inverseOf(A, options) → (Y, ...params) ↦ X with A(X, ...params) = Y,
 * differentiable in Y and in the params (and in tensors A closes over), to
 * any order, forward and reverse.
 */
export function inverseOf<P extends Tensor[]>(
  A: (x: Tensor, ...params: P) => Tensor,
  options: InverseOfOptions<P> = {},
): (y: TensorLike, ...params: P) => Tensor {
  checkOptions("inverseOf", options, ["tol", "linearSolve", "name", "x0", "newton"]);
  options ??= {};
  const op = options.name ?? "inverseOf";
  checkOptions(op, options.linearSolve, LINEAR_SOLVE_KEYS, "options.linearSolve");
  checkOptions(op, options.newton, NEWTON_KEYS, "options.newton");
  if (typeof A !== "function") throw new ArgumentError(op, "A must be a function (X, ...params) ↦ A(X, params)");
  if (options.x0 !== undefined && !(options.x0 instanceof Tensor) && typeof options.x0 !== "function")
    throw new ArgumentError(op, "option x0 must be a Tensor or a function of (Y, ...params)");
  const tol = checkTol(op, "tol", options.tol, 1e-8);
  const lin = resolveLinearOptions(op, options.linearSolve, "linearSolve.");
  const Af = A as (x: Tensor, ...p: Tensor[]) => Tensor;
  // θ = [Y, ...params]
  const residual = (x: Tensor, y: Tensor, ...p: Tensor[]): Tensor => sub(Af(x, ...p), y);
  /** The Newton solve from the initial guess (option x0, or Y), or from `start` when the root is known. */
  const resolveFrom = (theta: Tensor[], start: Tensor | undefined): { x: Tensor; iterations: number } => {
    const [y, ...p] = theta;
    let x0: Tensor;
    if (start !== undefined) x0 = start;
    else if (options.x0 === undefined) x0 = y;
    else if (options.x0 instanceof Tensor) x0 = plain(options.x0);
    else x0 = plain(enableGrad(() => (options.x0 as (y: Tensor, ...p: Tensor[]) => Tensor)(y, ...p)));
    const ax = enableGrad(() => Af(x0, ...p));
    if (!(ax instanceof Tensor)) throw new ArgumentError(op, "A must return a Tensor");
    if (!shapesEqual(ax.shape, y.shape))
      throw new ShapeError(op, `A maps the initial guess of shape ${fmtShape(x0.shape)} to shape ${fmtShape(ax.shape)}, but Y has shape ${fmtShape(y.shape)}` +
        (options.x0 === undefined ? " (the default initial guess is Y itself; pass option x0 when A changes the shape)" : ""));
    const r = newtonSolve(residual as (x: Tensor, ...t: Tensor[]) => Tensor, x0, theta, { ...options.newton, name: options.newton?.name ?? op });
    return { x: r.x, iterations: r.iterations };
  };
  const resolve = (theta: Tensor[]): { x: Tensor; iterations: number } => resolveFrom(theta, undefined);
  const core: ImplicitCore = { op, residual: residual as ImplicitCore["residual"], tol, lin, resolve };
  return (yIn: TensorLike, ...params: P) => {
    const theta = [asTensor(yIn), ...params.map((p) => asTensor(p))];
    // under vmap: per example; the derivatives restart Newton at the known X, where it stops at once
    return solveExamples(op, theta, (th) => {
      const { x, iterations } = resolve(th.map(plain));
      return implicitSolution(core, x, iterations, th);
    }, (th, x) => {
      const r = resolveFrom(th.map(plain), x);
      return implicitSolution(core, r.x, r.iterations, th);
    });
  };
}
