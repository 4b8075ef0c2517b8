/**
 * linalg.ldlFactor and linalg.ldlSolve (torch.linalg.ldl_factor / ldl_solve):
 * the Bunch–Kaufman LDLᵀ factorization of symmetric indefinite matrices,
 * differentiable (PyTorch's are not).
 * Rules and the derivative conventions: src/ops/rules/linalg/ldl.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { tensorArg } from "../tensor/create.js";
import { fmtShape } from "../tensor/shape.js";
import { ShapeError } from "../errors.js";
import { checkBool, checkOptions } from "../validate.js";
import type { TensorLike } from "../ops/api.js";
import { needMatrix, needSquare, rows } from "../ops/rules/linalg/common.js";
import { ldlFactorPrim, ldlSolvePrim } from "../ops/rules/linalg/ldl.js";

/** `[LD, pivots]` with the named fields. */
export type LdlFactorResult = [LD: Tensor, pivots: Tensor] & { LD: Tensor; pivots: Tensor };

/** Options of `linalg.ldlFactor`. */
export interface LdlFactorOptions {
  /** A is Hermitian rather than symmetric: the same for real matrices (accepted for PyTorch compatibility). */
  hermitian?: boolean;
}

/** Options of `linalg.ldlSolve`. */
export interface LdlSolveOptions {
  /** As in ldlFactor: no effect for real matrices. */
  hermitian?: boolean;
}

/**
 * torch.linalg.ldl_factor: A = P L D Lᵀ Pᵀ for symmetric, possibly indefinite A (reads the lower
 * triangle) with Bunch–Kaufman pivoting (LAPACK sytrf). LD [..., n, n] holds D's 1×1 and 2×2
 * blocks and L's multipliers in the lower triangle (LAPACK's storage, zeros above); pivots
 * [..., n] are 0-based: pivots[k] ≥ 0 marks a 1×1 block (rows/columns k and pivots[k] were
 * interchanged), pivots[k] = pivots[k+1] < 0 a 2×2 block (rows/columns k+1 and −pivots[k] − 1
 * were interchanged) — torch's 1-based pivots minus 1 for 1×1 blocks, torch's values for 2×2
 * blocks. SingularMatrixError when D is singular. Differentiable (for the pivots chosen, which are
 * piecewise constant): dLD gathers dL̃ = L̃ SBL(M) D⁻¹ and dD = BD(M), M = L̃⁻¹ Pᵀ dA P L̃⁻ᵀ, in the
 * standard form Pᵀ A P = L̃ D L̃ᵀ (docs/linalg.md); so ldlSolve(ldlFactor(A), B) has the derivative
 * of A⁻¹B in A.
 */
export function ldlFactor(A: TensorLike, opts: LdlFactorOptions = {}): LdlFactorResult {
  const op = "linalg.ldlFactor";
  const a = tensorArg(A, op, "A");
  needSquare(op, a);
  checkOptions(op, opts, ["hermitian"]);
  checkBool(op, "option hermitian", opts?.hermitian, false);
  const [LD, pivots] = ldlFactorPrim(a, op);
  return Object.assign([LD, pivots], { LD, pivots }) as LdlFactorResult;
}

/**
 * torch.linalg.ldl_solve: X with A X = B from ldlFactor's `[LD, pivots]` (LAPACK sytrs). B is
 * [..., n, k]; the batch axes of LD, pivots and B broadcast. Differentiable in B
 * (B̄ = A⁻¹ X̄, A symmetric) and in LD (through the matrix A = P L̃ D L̃ᵀ Pᵀ it represents:
 * dX = −A⁻¹ dA X); the pivots are constants.
 */
export function ldlSolve(LD: TensorLike, pivots: TensorLike, B: TensorLike, opts: LdlSolveOptions = {}): Tensor {
  const op = "linalg.ldlSolve";
  const ld = tensorArg(LD, op, "LD"), pv = tensorArg(pivots, op, "pivots"), b = tensorArg(B, op, "B");
  needSquare(op, ld, "LD");
  needMatrix(op, b, "B");
  checkOptions(op, opts, ["hermitian"]);
  checkBool(op, "option hermitian", opts?.hermitian, false);
  const n = rows(ld);
  if (pv.ndim < 1 || pv.shape[pv.ndim - 1] !== n)
    throw new ShapeError(op, `pivots has shape ${fmtShape(pv.shape)}, expected [..., ${n}] for LD of shape ${fmtShape(ld.shape)}`);
  if (rows(b) !== n) throw new ShapeError(op, `B has shape ${fmtShape(b.shape)}, incompatible with LD of shape ${fmtShape(ld.shape)} (expected [..., ${n}, k])`);
  return ldlSolvePrim(ld, pv, b, op);
}
