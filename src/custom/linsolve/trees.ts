/**
 * customLinearSolve over pytrees: A x = b where x and b are nested objects /
 * arrays of tensors. Both are raveled into vectors (see ../implicit/trees.ts),
 * so the matrix-free machinery of solve.ts — forward solvers, the transposed
 * solves of the VJP, the JVP — runs on one vector; matvec (and the
 * preconditioner) map trees to trees. By default x has b's structure (A
 * square on the raveled vectors); option x0 gives another one.
 */
import { Tensor } from "../../tensor/tensor.js";
import type { TensorLike } from "../../ops/api.js";
import type { TransformArg } from "../../autodiff/transforms.js";
import { topArg } from "../../autodiff/transforms.js";
import { Raveler } from "../implicit/trees.js";
import { customLinearSolve as customLinearSolveTensors, type LinearSolveOptions as LinearSolveTensorOptions } from "./solve.js";

/** Options of {@link customLinearSolve}; x0 and the preconditioner follow x's and b's structures. */
export type LinearSolveOptions<X = Tensor, B = X> = Omit<LinearSolveTensorOptions, "x0" | "preconditioner"> & {
  /** Initial guess (warm start) for the forward solve, of x's structure. Not differentiated. */
  x0?: X;
  /** Preconditioner r ↦ M r ≈ A⁻¹ r (b's structure to x's), linear in r, written with matgrad ops. */
  preconditioner?: (r: B) => X;
};

/**
 * x = customLinearSolve(matvec, b) solves A x = b with A x := matvec(x),
 * differentiably (JAX's custom_linear_solve; see solve.ts). x and b may be
 * tensors or pytrees.
 */
export function customLinearSolve(matvec: (x: Tensor) => Tensor, b: TensorLike, options?: LinearSolveOptions): Tensor;
export function customLinearSolve<X, B = X>(matvec: (x: X) => B, b: TransformArg<B>, options?: LinearSolveOptions<X, B>): X;
export function customLinearSolve(matvecIn: unknown, b: unknown, options: unknown = {}): unknown {
  type X = unknown;
  type B = unknown;
  const matvec = matvecIn as (x: X) => B;
  const op = "customLinearSolve";
  const bt = topArg(b);
  const opts = (options ?? {}) as LinearSolveOptions<X, B>;
  const x0 = opts.x0 === undefined ? undefined : topArg(opts.x0);
  if (bt instanceof Tensor && (x0 === undefined || x0 instanceof Tensor))
    return customLinearSolveTensors(matvec as unknown as (x: Tensor) => Tensor, bt, options as LinearSolveTensorOptions);
  const rb = new Raveler(op, "b", bt);
  const rx = x0 === undefined ? rb : new Raveler(op, "x0", x0);
  const mv = matvec as unknown as (x: unknown) => unknown;
  const flatMatvec = (xv: Tensor): Tensor => rb.ravel(op, "matvec(x)", mv(rx.unravel(xv)));
  const { x0: _x0, preconditioner, ...rest } = opts;
  const flat: LinearSolveTensorOptions = { ...rest };
  if (x0 !== undefined) flat.x0 = rx.ravel(op, "x0", x0);
  if (preconditioner !== undefined) {
    const pc = preconditioner as unknown as (r: unknown) => unknown;
    flat.preconditioner = (rv: Tensor): Tensor => rx.ravel(op, "preconditioner(r)", pc(rb.unravel(rv)));
  }
  return rx.unravel(customLinearSolveTensors(flatMatvec, rb.ravel(op, "b", bt), flat));
}
