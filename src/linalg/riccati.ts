/**
 * Matrix equations of control theory, after SciPy: the discrete Lyapunov
 * (Stein) equation and the continuous and discrete algebraic Riccati
 * equations. Batched over leading axes (batches broadcast); differentiable by
 * the implicit function theorem (rules: src/ops/rules/linalg/riccati.ts).
 */
import type { Tensor } from "../tensor/tensor.js";
import { tensorArg } from "../tensor/create.js";
import { fmtShape } from "../tensor/shape.js";
import { ShapeError } from "../errors.js";
import { matmul, mT, type TensorLike } from "../ops/api.js";
import { apply } from "../ops/dispatch.js";
import { rules } from "../ops/registry.js";
import { broadcastBatch, cols, needMatrix, needSquare, rows, sym } from "../ops/rules/linalg/common.js";
import { newCache, solvePrim } from "../ops/rules/linalg/prims.js";
import type { SchurF } from "../ops/rules/linalg/matfun.js";

/**
 * The solution X of A X Aᵀ − X + Q = 0 (scipy.linalg.solve_discrete_lyapunov; A, Q [..., n, n],
 * batches broadcast), by the real Schur method (Barraud 1977) — SciPy's "direct" and "bilinear"
 * methods give the same X. SingularMatrixError when A has eigenvalues with λᵢλⱼ = 1. Differentiable
 * in A and Q: dX solves the same equation with Q → dQ + dA X Aᵀ + A X dAᵀ; Q̄ = W with
 * Aᵀ W A − W + X̄ = 0, Ā = W A Xᵀ + Wᵀ A X.
 */
export function solveDiscreteLyapunov(A: TensorLike, Q: TensorLike): Tensor {
  const op = "linalg.solveDiscreteLyapunov";
  const a = tensorArg(A, op, "A"), q = tensorArg(Q, op, "Q");
  needSquare(op, a);
  needSquare(op, q, "Q");
  if (rows(q) !== rows(a)) throw new ShapeError(op, `Q has shape ${fmtShape(q.shape)}, A has shape ${fmtShape(a.shape)} (expected [..., ${rows(a)}, ${rows(a)}])`);
  broadcastBatch(op, a, q);
  return apply(rules.stein, [a, q], { transposed: false, cache: newCache<SchurF[]>(), op });
}

/** A, B, Q, R of a Riccati equation, validated; G = B R⁻¹ Bᵀ and Q's symmetric part, differentiable. */
function riccatiInputs(op: string, A: TensorLike, B: TensorLike, Q: TensorLike, R: TensorLike): [Tensor, Tensor, Tensor] {
  const a = tensorArg(A, op, "A"), b = tensorArg(B, op, "B"), q = tensorArg(Q, op, "Q"), r = tensorArg(R, op, "R");
  needSquare(op, a);
  needMatrix(op, b, "B");
  needSquare(op, q, "Q");
  needSquare(op, r, "R");
  const n = rows(a), m = cols(b);
  if (rows(b) !== n) throw new ShapeError(op, `B has shape ${fmtShape(b.shape)}, expected [..., ${n}, m] for A of shape ${fmtShape(a.shape)}`);
  if (rows(q) !== n) throw new ShapeError(op, `Q has shape ${fmtShape(q.shape)}, expected [..., ${n}, ${n}] for A of shape ${fmtShape(a.shape)}`);
  if (rows(r) !== m) throw new ShapeError(op, `R has shape ${fmtShape(r.shape)}, expected [..., ${m}, ${m}] for B of shape ${fmtShape(b.shape)}`);
  broadcastBatch(op, a, b, q, r);
  // G = B R⁻¹ Bᵀ (R's symmetric part; SingularMatrixError naming the op when R is singular)
  const g = matmul(b, solvePrim(sym(r), mT(b), false, newCache(), op));
  return [a, g, sym(q)];
}

/**
 * The stabilizing solution X of the continuous algebraic Riccati equation
 * Aᵀ X + X A − X B R⁻¹ Bᵀ X + Q = 0 (scipy.linalg.solve_continuous_are; A n×n, B n×m, Q n×n,
 * R m×m, batches broadcast). Q and R enter through their symmetric parts (SciPy requires them
 * symmetric); R must be invertible. Solved by the matrix sign function of the Hamiltonian and
 * Newton–Kleinman refinement; the residual is checked. DomainError when no stabilizing solution
 * exists (Hamiltonian eigenvalues on the imaginary axis: (A, B) not stabilizable or (Q, A) not
 * detectable), ConvergenceError when the solver does not reach a relative residual of 1e-8.
 * Differentiable by the implicit function theorem: the derivative solves a Lyapunov equation with
 * the closed-loop matrix A − B R⁻¹ Bᵀ X (docs/linalg.md).
 */
export function solveContinuousAre(A: TensorLike, B: TensorLike, Q: TensorLike, R: TensorLike): Tensor {
  const op = "linalg.solveContinuousAre";
  const [a, g, q] = riccatiInputs(op, A, B, Q, R);
  return apply(rules.care, [a, g, q], { op });
}

/**
 * The stabilizing solution X of the discrete algebraic Riccati equation
 * Aᵀ X A − X − Aᵀ X B (R + Bᵀ X B)⁻¹ Bᵀ X A + Q = 0 (scipy.linalg.solve_discrete_are; shapes
 * as solveContinuousAre). Q and R enter through their symmetric parts; R must be invertible.
 * Solved by the structure-preserving doubling algorithm and Newton (Hewer) refinement; the
 * residual is checked. DomainError when no stabilizing solution exists, ConvergenceError when
 * the solver does not converge. Differentiable by the implicit function theorem: the derivative
 * solves a Stein equation with the closed-loop matrix (I + B R⁻¹ Bᵀ X)⁻¹ A (docs/linalg.md).
 */
export function solveDiscreteAre(A: TensorLike, B: TensorLike, Q: TensorLike, R: TensorLike): Tensor {
  const op = "linalg.solveDiscreteAre";
  const [a, g, q] = riccatiInputs(op, A, B, Q, R);
  return apply(rules.dare, [a, g, q], { op });
}
