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
import { matmul, mT, sub, type TensorLike } from "../ops/api.js";
import { checkOptions } from "../validate.js";
import { apply } from "../ops/dispatch.js";
import { rules } from "../ops/registry.js";
import { broadcastBatch, cols, needMatrix, needSquare, rows, sym } from "../ops/rules/linalg/common.js";
import { newCache, solvePrim } from "../ops/rules/linalg/prims.js";
import type { SchurF } from "../ops/rules/linalg/matfun.js";
import type { LuEntry } from "../ops/rules/linalg/lu.js";

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

/** Options of `linalg.solveContinuousAre` and `linalg.solveDiscreteAre` (SciPy's e and s). */
export interface AreOptions {
  /** The descriptor matrix E (n×n, invertible) of the generalized equation; default the identity. */
  e?: TensorLike;
  /** The cross term S (n×m); default zero. */
  s?: TensorLike;
}

/**
 * A, B, Q, R (and E, S) of a Riccati equation, validated, reduced to the standard form
 * (differentiable ops): S by Ã = A − B R⁻¹ Sᵀ, Q̃ = Q − S R⁻¹ Sᵀ; E by Â = E⁻¹ Ã, B̂ = E⁻¹ B,
 * solving for Y = Eᵀ X E. Returns G = B̂ R⁻¹ B̂ᵀ, Q's symmetric part and E (null when absent).
 */
function riccatiInputs(op: string, A: TensorLike, B: TensorLike, Q: TensorLike, R: TensorLike, opts: AreOptions): [Tensor, Tensor, Tensor, Tensor | null] {
  const a0 = tensorArg(A, op, "A"), b0 = tensorArg(B, op, "B"), q0 = tensorArg(Q, op, "Q"), r = tensorArg(R, op, "R");
  checkOptions(op, opts, ["e", "s"]);
  needSquare(op, a0);
  needMatrix(op, b0, "B");
  needSquare(op, q0, "Q");
  needSquare(op, r, "R");
  const n = rows(a0), m = cols(b0);
  if (rows(b0) !== n) throw new ShapeError(op, `B has shape ${fmtShape(b0.shape)}, expected [..., ${n}, m] for A of shape ${fmtShape(a0.shape)}`);
  if (rows(q0) !== n) throw new ShapeError(op, `Q has shape ${fmtShape(q0.shape)}, expected [..., ${n}, ${n}] for A of shape ${fmtShape(a0.shape)}`);
  if (rows(r) !== m) throw new ShapeError(op, `R has shape ${fmtShape(r.shape)}, expected [..., ${m}, ${m}] for B of shape ${fmtShape(b0.shape)}`);
  const e = opts?.e === undefined || opts.e === null ? null : tensorArg(opts.e, op, "option e");
  const s = opts?.s === undefined || opts.s === null ? null : tensorArg(opts.s, op, "option s");
  if (e !== null) {
    needSquare(op, e, "option e");
    if (rows(e) !== n) throw new ShapeError(op, `option e has shape ${fmtShape(e.shape)}, expected [..., ${n}, ${n}] for A of shape ${fmtShape(a0.shape)}`);
  }
  if (s !== null) {
    needMatrix(op, s, "option s");
    if (rows(s) !== n || cols(s) !== m) throw new ShapeError(op, `option s has shape ${fmtShape(s.shape)}, expected [..., ${n}, ${m}] (the shape of B)`);
  }
  broadcastBatch(op, ...[a0, b0, q0, r, ...(e === null ? [] : [e]), ...(s === null ? [] : [s])]);
  const rs = sym(r);
  let a = a0, q = sym(q0), b = b0;
  if (s !== null) {
    // (X B + S) R⁻¹ (Bᵀ X + Sᵀ) = X G X + X B R⁻¹ Sᵀ + S R⁻¹ Bᵀ X + S R⁻¹ Sᵀ: absorbed into A and Q
    const rinvSt = solvePrim(rs, mT(s), false, newCache(), op); // R⁻¹ Sᵀ
    a = sub(a, matmul(b, rinvSt));
    q = sym(sub(q, matmul(s, rinvSt)));
  }
  if (e !== null) {
    // Eᵀ X A = Y E⁻¹ A and Eᵀ X B = Y E⁻¹ B with Y = Eᵀ X E
    const einv = newCache<LuEntry[]>();
    a = solvePrim(e, a, false, einv, op);
    b = solvePrim(e, b, false, einv, op);
  }
  // G = B R⁻¹ Bᵀ (R's symmetric part; SingularMatrixError naming the op when R is singular)
  const g = matmul(b, solvePrim(rs, mT(b), false, newCache(), op));
  return [a, g, q, e];
}

/** X = E⁻ᵀ Y E⁻¹ (the generalized equation's solution from the standard one's). */
function undoE(y: Tensor, e: Tensor | null, op: string): Tensor {
  if (e === null) return y;
  const c = newCache<LuEntry[]>();
  return mT(solvePrim(e, mT(solvePrim(e, y, true, c, op)), true, c, op));
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
 * the closed-loop matrix A − B R⁻¹ Bᵀ X (docs/linalg.md). Options `e` (descriptor, invertible) and
 * `s` (cross term) as SciPy's: Aᵀ X E + Eᵀ X A − (Eᵀ X B + S) R⁻¹ (Bᵀ X E + Sᵀ) + Q = 0.
 */
export function solveContinuousAre(A: TensorLike, B: TensorLike, Q: TensorLike, R: TensorLike, opts: AreOptions = {}): Tensor {
  const op = "linalg.solveContinuousAre";
  const [a, g, q, e] = riccatiInputs(op, A, B, Q, R, opts ?? {});
  return undoE(apply(rules.care, [a, g, q], { op }), e, op);
}

/**
 * The stabilizing solution X of the discrete algebraic Riccati equation
 * Aᵀ X A − X − Aᵀ X B (R + Bᵀ X B)⁻¹ Bᵀ X A + Q = 0 (scipy.linalg.solve_discrete_are; shapes
 * as solveContinuousAre). Q and R enter through their symmetric parts; R must be invertible.
 * Solved by the structure-preserving doubling algorithm and Newton (Hewer) refinement; the
 * residual is checked. DomainError when no stabilizing solution exists, ConvergenceError when
 * the solver does not converge. Differentiable by the implicit function theorem: the derivative
 * solves a Stein equation with the closed-loop matrix (I + B R⁻¹ Bᵀ X)⁻¹ A (docs/linalg.md).
 * Options `e` and `s` as SciPy's: Aᵀ X A − Eᵀ X E − (Aᵀ X B + S)(R + Bᵀ X B)⁻¹(Bᵀ X A + Sᵀ) + Q = 0.
 */
export function solveDiscreteAre(A: TensorLike, B: TensorLike, Q: TensorLike, R: TensorLike, opts: AreOptions = {}): Tensor {
  const op = "linalg.solveDiscreteAre";
  const [a, g, q, e] = riccatiInputs(op, A, B, Q, R, opts ?? {});
  return undoE(apply(rules.dare, [a, g, q], { op }), e, op);
}
