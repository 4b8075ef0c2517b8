/**
 * linalg.invEx, linalg.solveEx, linalg.choleskyEx: PyTorch's *_ex functions,
 * which report failure in an `info` tensor per batch element instead of
 * raising (rules and conventions in src/ops/rules/linalg/ex.ts).
 */
import type { Tensor } from "../tensor/tensor.js";
import { tensorArg } from "../tensor/create.js";
import { fmtShape } from "../tensor/shape.js";
import { NotPositiveDefiniteError, ShapeError, SingularMatrixError } from "../errors.js";
import { checkBool, checkOptions } from "../validate.js";
import { mT, squeeze, unsqueeze, type TensorLike } from "../ops/api.js";
import { applyMulti } from "../ops/dispatch.js";
import { rules } from "../ops/registry.js";
import { cols, inspectValues, needMatrix, needSquare, rows } from "../ops/rules/linalg/common.js";
import { newCache } from "../ops/rules/linalg/prims.js";
import type { LuEntry } from "../ops/rules/linalg/lu.js";

/** `[inverse, info]` with the named fields. */
export type InvExResult = [inverse: Tensor, info: Tensor] & { inverse: Tensor; info: Tensor };
/** `[result, info]` with the named fields. */
export type SolveExResult = [result: Tensor, info: Tensor] & { result: Tensor; info: Tensor };
/** `[L, info]` with the named fields. */
export type CholeskyExResult = [L: Tensor, info: Tensor] & { L: Tensor; info: Tensor };

/** Options of `linalg.invEx`. */
export interface InvExOptions {
  /** Raise (as linalg.inv would for an exactly singular matrix) when some info is nonzero. Default false. */
  checkErrors?: boolean;
}

/** Options of `linalg.solveEx`. */
export interface SolveExOptions extends InvExOptions {
  /** Solve A X = B (true, default) or X A = B (false). */
  left?: boolean;
}

/** Options of `linalg.choleskyEx`. */
export interface CholeskyExOptions extends InvExOptions {
  /** Return U = Lᵀ (A = Uᵀ U) instead of L. */
  upper?: boolean;
}

function named<R>(values: Tensor[], fields: Record<string, Tensor>): R {
  return Object.assign(values, fields) as R;
}

/** checkErrors: the first failed batch element raises (under vmap: checked on every example's info). */
function raiseOnInfo(op: string, info: Tensor, what: "lu" | "cholesky"): void {
  inspectValues([info], ([i]) => raiseOnInfoValues(op, i, what));
}

function raiseOnInfoValues(op: string, info: Tensor, what: "lu" | "cholesky"): void {
  const d = info._data;
  for (let b = 0; b < d.length; b++) {
    const k = d[b];
    if (k === 0) continue;
    const where = d.length > 1 ? ` (batch element ${b})` : "";
    if (what === "cholesky")
      throw new NotPositiveDefiniteError(op, `the matrix${where} is not positive definite: the leading minor of order ${k} is not positive (info = ${k})`, k - 1, NaN);
    throw new SingularMatrixError(op, `the matrix${where} is singular: U[${k - 1}, ${k - 1}] = 0 in its LU factorization (info = ${k})`, 0, k - 1);
  }
}

/**
 * torch.linalg.inv_ex: `[inverse, info]` without raising. info (A's batch
 * shape, integers as float64) is 0 where A was inverted and k > 0 where
 * U[k−1, k−1] = 0 exactly in its LU factorization (LAPACK getrf's 1-based
 * info); those elements' inverse is NaN. No condition check: a matrix singular
 * only to working precision is inverted (info 0; linalg.inv raises there).
 * Differentiable where info = 0 (as inv), gradient 0 elsewhere.
 */
export function invEx(A: TensorLike, opts: InvExOptions = {}): InvExResult {
  const op = "linalg.invEx";
  const a = tensorArg(A, op, "A");
  needSquare(op, a);
  checkOptions(op, opts, ["checkErrors"]);
  const check = checkBool(op, "option checkErrors", opts?.checkErrors, false);
  const [inverse, info] = applyMulti(rules.invEx, [a], { cache: newCache<LuEntry[]>() });
  if (check) raiseOnInfo(op, info, "lu");
  return named([inverse, info], { inverse, info });
}

/**
 * torch.linalg.solve_ex: `[result, info]`, the solution of A X = B (X A = B
 * with left: false) without raising. B is [..., n, k] or a vector [..., n];
 * batches broadcast. info has A's batch shape: 0 = solved, k > 0 = U[k−1, k−1]
 * = 0 exactly (getrf's info), and the result is NaN for those elements.
 * Differentiable in A and B where info = 0 (as solve), gradient 0 elsewhere.
 */
export function solveEx(A: TensorLike, B: TensorLike, opts: SolveExOptions = {}): SolveExResult {
  const op = "linalg.solveEx";
  const a = tensorArg(A, op, "A"), b = tensorArg(B, op, "B");
  needSquare(op, a);
  checkOptions(op, opts, ["left", "checkErrors"]);
  const left = checkBool(op, "option left", opts?.left, true);
  const check = checkBool(op, "option checkErrors", opts?.checkErrors, false);
  const n = rows(a);
  const vector = b.ndim === 1 || (b.ndim === a.ndim - 1 && b.shape.every((d, i) => d === a.shape[i]));
  let rhs: Tensor;
  if (vector) {
    if (b.shape[b.ndim - 1] !== n) throw new ShapeError(op, `B has shape ${fmtShape(b.shape)}, incompatible with A of shape ${fmtShape(a.shape)}`);
    rhs = unsqueeze(b, -1);
  } else {
    needMatrix(op, b, "B");
    if ((left ? rows(b) : cols(b)) !== n)
      throw new ShapeError(op, `B has shape ${fmtShape(b.shape)}, incompatible with A of shape ${fmtShape(a.shape)} (${left ? "A X = B" : "X A = B"})`);
    rhs = left ? b : mT(b);
  }
  // X A = B  ⇔  Aᵀ Xᵀ = Bᵀ: the adjoint solve with the same LU
  const [x, info] = applyMulti(rules.solveEx, [a, rhs], { adjoint: !vector && !left, cache: newCache<LuEntry[]>() });
  if (check) raiseOnInfo(op, info, "lu");
  const result = vector ? squeeze(x, -1) : left ? x : mT(x);
  return named([result, info], { result, info });
}

/**
 * torch.linalg.cholesky_ex: `[L, info]` with A = L Lᵀ, without raising. Reads
 * the lower triangle. info has A's batch shape: 0 = success, k > 0 = the
 * leading minor of order k is not positive (potrf's info); L is NaN for those
 * elements. Differentiable where info = 0 (as cholesky), gradient 0 elsewhere.
 */
export function choleskyEx(A: TensorLike, opts: CholeskyExOptions = {}): CholeskyExResult {
  const op = "linalg.choleskyEx";
  const a = tensorArg(A, op, "A");
  needSquare(op, a);
  checkOptions(op, opts, ["upper", "checkErrors"]);
  const upper = checkBool(op, "option upper", opts?.upper, false);
  const check = checkBool(op, "option checkErrors", opts?.checkErrors, false);
  const [l, info] = applyMulti(rules.choleskyEx, [a], null);
  if (check) raiseOnInfo(op, info, "cholesky");
  const L = upper ? mT(l) : l;
  return named([L, info], { L, info });
}
