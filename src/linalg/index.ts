/**
 * linalg — differentiable linear algebra, batched over leading axes, float64.
 * Names and semantics follow torch.linalg in camelCase (eigh returns
 * { eigenvalues, eigenvectors }, svd { U, S, Vh }, qr { Q, R }, slogdet
 * { sign, logabsdet }). Every function has VJP and JVP rules written with
 * differentiable ops (so higher derivatives work); see docs/linalg.md for the
 * rule, the cost and the hazards of each.
 */
import { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "../tensor/meta.js";
import { broadcastShapes, fmtShape, normAxis, sizeOf } from "../tensor/shape.js";
import { eye, tensorArg, zeros } from "../tensor/create.js";
import { ArgumentError, DomainError, ShapeError } from "../errors.js";
import { checkBool, checkFinite, checkOptions, describe } from "../validate.js";
import {
  abs, add, broadcastTo, concat, div, matmul, matmulT, max, min, mT, mul, ne, permute, pow, sub, sum, unsqueeze, squeeze,
  type TensorLike,
} from "../ops/api.js";
import { enableGrad } from "../autodiff/engine.js";
import { grad } from "../autodiff/transforms.js";
import { eigh as eighKernel } from "../kernels/eigh.js";
import {
  EPS, block, forEachBatch, inspectValues, isFiniteLower, needMatrix, needSquare, permutationRows, permuteRows, permuteRowsBy, rows, cols, batchShape, mat,
} from "../ops/rules/linalg/common.js";
import { liftValues } from "../ops/batching.js";
import {
  choleskyPrim, detPrim, eighPrim, expmFrechetPrim, expmPrim, invPrim, logmPrim, luPrim, lyapunovPrim, newCache, pinvPrim,
  qrPrim, slogdetPrim, solvePrim, sqrtmPrim, svdPrim, sylvesterPrim, symMatrixFunctionPrim, triSolvePrim, vectorNormPrim,
  type ScalarFn,
} from "../ops/rules/linalg/prims.js";
import { permutationMatrix, pivotsTensor, type LuEntry } from "../ops/rules/linalg/lu.js";
import { DEFAULT_DEGENERACY_TOL } from "../ops/rules/linalg/spectral.js";
import { svdValues } from "../ops/rules/linalg/svd.js";
import { luRect, luFactorRect } from "./lu-rect.js";

export { DEFAULT_DEGENERACY_TOL };
export { multiDot, vecdot, type VecdotOptions } from "./contractions.js";
export { schur, hessenberg, polar, householderProduct, type SchurResult, type SchurOptions, type HessenbergResult, type PolarResult, type PolarOptions } from "./schur.js";
export { funm, type FunmName, type FunmCallback, type Complex } from "./funm.js";
export { solveDiscreteLyapunov, solveContinuousAre, solveDiscreteAre, type AreOptions } from "./riccati.js";
export { ldlFactor, ldlSolve, type LdlFactorResult, type LdlFactorOptions, type LdlSolveOptions } from "./ldl.js";
export { invEx, solveEx, choleskyEx, type InvExResult, type SolveExResult, type CholeskyExResult, type InvExOptions, type SolveExOptions, type CholeskyExOptions } from "./ex.js";

/**
 * True when a derivative of x may be requested (reverse recording or a forward tangent). Under vmap
 * the batched tensor's physical tensor may be the one recorded or carrying a tangent (grad or jvp
 * outside the vmap): it is consulted too.
 */
function mayDifferentiate(x: Tensor): boolean {
  return (isGradEnabled() && x._node !== null) || x._fw !== null || (x._bt !== null && mayDifferentiate(x._bt.value));
}

function sq(op: string, x: TensorLike, arg = "A"): Tensor {
  const t = tensorArg(x, op, arg);
  needSquare(op, t, arg);
  return t;
}

// ---------------------------------------------------------------------------
// Named results: tuples with named fields (PyTorch's named tuples)

/**
 * The results of factorizations are arrays in PyTorch's order that also carry
 * named fields, like torch.return_types: `const [w, V] = linalg.eigh(A)` and
 * `const { eigenvalues, eigenvectors } = linalg.eigh(A)` both work, and the
 * tuple type types each position.
 */
function named<R>(values: Tensor[], fields: Record<string, Tensor>): R {
  return Object.assign(values, fields) as R;
}

/** `[P, L, U]` with the named fields. */
export type LuResult = [P: Tensor, L: Tensor, U: Tensor] & { P: Tensor; L: Tensor; U: Tensor };
/** `[LU, pivots]` with the named fields. */
export type LuFactorResult = [LU: Tensor, pivots: Tensor] & { LU: Tensor; pivots: Tensor };
/** `[sign, logabsdet]` with the named fields. */
export type SlogdetResult = [sign: Tensor, logabsdet: Tensor] & { sign: Tensor; logabsdet: Tensor };
/** `[Q, R]` with the named fields. */
export type QrResult = [Q: Tensor, R: Tensor] & { Q: Tensor; R: Tensor };
/** `[eigenvalues, eigenvectors]` with the named fields. */
export type EighResult = [eigenvalues: Tensor, eigenvectors: Tensor] & { eigenvalues: Tensor; eigenvectors: Tensor };
/** `[U, S, Vh]` with the named fields. */
export type SvdResult = [U: Tensor, S: Tensor, Vh: Tensor] & { U: Tensor; S: Tensor; Vh: Tensor };
/** `[solution, residuals, rank, singularValues]` with the named fields (torch.linalg.lstsq's order). */
export type LstsqResult = [solution: Tensor, residuals: Tensor, rank: Tensor, singularValues: Tensor] & {
  solution: Tensor;
  residuals: Tensor;
  rank: Tensor;
  singularValues: Tensor;
};

/** A non-negative finite tolerance option. */
function tolOption(op: string, name: string, v: unknown): void {
  if (v !== undefined && (checkFinite(op, `option ${name}`, v) < 0))
    throw new ArgumentError(op, `option ${name} must be ≥ 0; got ${String(v)}`);
}

// ---------------------------------------------------------------------------
// Inverse, solves and the LU factorization

/** A⁻¹ (partial-pivoting LU). Singular (or singular to working precision) A raises SingularMatrixError. */
export function inv(A: TensorLike): Tensor {
  return invPrim(sq("linalg.inv", A), newCache<LuEntry[]>(), "linalg.inv");
}

/** Whether B is a (batch of) vectors for a system with matrix A (torch.linalg.solve rule). */
function isVectorRhs(a: Tensor, b: Tensor): boolean {
  return b.ndim === 1 || (b.ndim === a.ndim - 1 && b.shape.every((d, i) => d === a.shape[i]));
}

/** Options of `linalg.solve`. */
export interface SolveOptions {
  /** Solve A X = B (true, default) or X A = B (false). */
  left?: boolean;
}

/**
 * The solution X of A X = B (or X A = B with left: false). B is [..., n, k],
 * or a vector [..., n] (then X is a vector); batches broadcast. One LU of A
 * serves the forward and both derivative solves.
 */
export function solve(A: TensorLike, B: TensorLike, opts: SolveOptions = {}): Tensor {
  opts ??= {};
  const op = "linalg.solve";
  checkOptions(op, opts, ["left"]);
  const a = sq(op, A), b = tensorArg(B, op, "B");
  const n = rows(a);
  const left = checkBool(op, "option left", opts.left, true);
  if (isVectorRhs(a, b)) {
    if (b.shape[b.ndim - 1] !== n) throw new ShapeError(op, `B has shape ${fmtShape(b.shape)}, incompatible with A of shape ${fmtShape(a.shape)}`);
    return squeeze(solvePrim(a, unsqueeze(b, -1), !left, newCache<LuEntry[]>(), op), -1);
  }
  needMatrix(op, b, "B");
  if ((left ? rows(b) : cols(b)) !== n)
    throw new ShapeError(op, `B has shape ${fmtShape(b.shape)}, incompatible with A of shape ${fmtShape(a.shape)} (${left ? "A X = B" : "X A = B"})`);
  if (left) return solvePrim(a, b, false, newCache<LuEntry[]>(), op);
  return mT(solvePrim(a, mT(b), true, newCache<LuEntry[]>(), op));
}

/** Options of `linalg.triangularSolve`. */
export interface TriangularSolveOptions {
  /** A is upper triangular (only that triangle is read). Required, as in torch. */
  upper: boolean;
  /** Solve A X = B (default) or X A = B. */
  left?: boolean;
  /** Assume a unit diagonal (not read). */
  unitriangular?: boolean;
}

/** torch.linalg.solve_triangular: A X = B (or X A = B) for triangular A, reading only one triangle. */
export function triangularSolve(A: TensorLike, B: TensorLike, opts: TriangularSolveOptions): Tensor {
  const op = "linalg.triangularSolve";
  const a = sq(op, A), b = tensorArg(B, op, "B");
  needMatrix(op, b, "B");
  checkOptions(op, opts, ["upper", "left", "unitriangular"]);
  if (typeof opts?.upper !== "boolean") throw new ArgumentError(op, `the option upper (true or false) is required; got ${describe(opts?.upper)}`);
  const left = checkBool(op, "option left", opts.left, true);
  checkBool(op, "option unitriangular", opts.unitriangular, false);
  if ((left ? rows(b) : cols(b)) !== rows(a))
    throw new ShapeError(op, `B has shape ${fmtShape(b.shape)}, incompatible with A of shape ${fmtShape(a.shape)} (${left ? "A X = B" : "X A = B"})`);
  return triSolvePrim(a, b, { upper: opts.upper, left, unitriangular: opts.unitriangular ?? false, trans: false }, op);
}

/**
 * A = P L U with partial pivoting (torch.linalg.lu): for A m×n, P is m×m, L m×k unit lower
 * trapezoidal and U k×n upper trapezoidal, k = min(m, n). Differentiable (rectangular A: the
 * leading k×k block of U must be invertible).
 */
export function lu(A: TensorLike): LuResult {
  const op = "linalg.lu";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  if (rows(a) !== cols(a)) return luRect(a);
  const cache = newCache<LuEntry[]>();
  const [L, U] = luPrim(a, cache);
  const P = liftValues([a], ([pa]) => permutationMatrix(pa, cache)); // a constant (batched like A under vmap)
  return named([P, L, U], { P, L, U });
}

/**
 * Compact LU (torch.linalg.lu_factor): LU (m×n) holds L (strictly lower, unit diagonal implied)
 * and U; pivots [..., min(m, n)] are LAPACK's row interchanges, 0-based (torch's are 1-based):
 * at step i, row i was swapped with row pivots[i]. Differentiable in A.
 */
export function luFactor(A: TensorLike): LuFactorResult {
  const op = "linalg.luFactor";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  if (rows(a) !== cols(a)) return luFactorRect(a);
  const cache = newCache<LuEntry[]>();
  const [L, U] = luPrim(a, cache);
  const n = rows(a);
  const LU = add(sub(L, eye(n)), U), pivots = liftValues([a], ([pa]) => pivotsTensor(pa, cache));
  return named([LU, pivots], { LU, pivots });
}

/** Options of `linalg.luSolve`. */
export interface LuSolveOptions {
  left?: boolean;
  /** Solve with Aᵀ instead of A. */
  adjoint?: boolean;
}

/**
 * The row permutation of every element of the broadcast batch `batch` from LAPACK pivots
 * [...bp, n] (bp broadcasts to batch): (P B)[i] = B[perm[i]].
 */
function pivotsToPerm(op: string, pivots: Tensor, n: number, batch: readonly number[]): Int32Array {
  if (pivots.ndim < 1 || pivots.shape[pivots.ndim - 1] !== n)
    throw new ShapeError(op, `pivots has shape ${fmtShape(pivots.shape)}, expected [..., ${n}] matching LU (n = ${n})`);
  const bp = pivots.shape.slice(0, -1);
  const nb = sizeOf(batch);
  const perm = new Int32Array(nb * n);
  const pd = pivots.data;
  forEachBatch(batch, [bp], (b, [ip]) => {
    const p = perm.subarray(b * n, (b + 1) * n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = 0; i < n; i++) {
      const j = pd[ip * n + i];
      if (!Number.isInteger(j) || j < i || j >= n)
        throw new ArgumentError(op, `pivots[${i}] = ${j}${sizeOf(bp) > 1 ? ` (batch element ${ip})` : ""} is not a valid 0-based LAPACK pivot (an integer with ${i} ≤ pivot < ${n})`);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
  });
  return perm;
}

/**
 * Solve A X = B from luFactor's output (LU, pivots), torch.linalg.lu_solve; differentiable in LU
 * and B. adjoint solves Aᵀ X = B, left: false solves X A = B. The batch axes of LU, pivots and B
 * broadcast (as in linalg.solve).
 */
export function luSolve(LU: TensorLike, pivots: TensorLike, B: TensorLike, opts: LuSolveOptions = {}): Tensor {
  const op = "linalg.luSolve";
  const f = sq(op, LU, "LU"), pv = tensorArg(pivots, op, "pivots"), b0 = tensorArg(B, op, "B");
  needMatrix(op, b0, "B");
  checkOptions(op, opts, ["left", "adjoint"]);
  const n = rows(f);
  const left = checkBool(op, "option left", opts.left, true), adjoint = checkBool(op, "option adjoint", opts.adjoint, false);
  if (!left) {
    if (cols(b0) !== n) throw new ShapeError(op, `B has shape ${fmtShape(b0.shape)}, incompatible with LU of shape ${fmtShape(f.shape)} (X A = B)`);
    return mT(luSolve(f, pv, mT(b0), { adjoint: !adjoint }));
  }
  if (rows(b0) !== n) throw new ShapeError(op, `B has shape ${fmtShape(b0.shape)}, incompatible with LU of shape ${fmtShape(f.shape)}`);
  if (pv.ndim < 1) throw new ShapeError(op, `pivots has shape ${fmtShape(pv.shape)}, expected [..., ${n}] matching LU (n = ${n})`);
  const batch = broadcastShapes(op, broadcastShapes(op, batchShape(f), pv.shape.slice(0, -1)), batchShape(b0));
  // pivots batched under vmap: each example has its own permutation, applied as a batched permutation matrix
  const permBy = pv._bt === null ? null : liftValues([pv], ([pp]) => permutationRows(pivotsToPerm(op, pp, n, pp.shape.slice(0, -1)), n, pp.shape.slice(0, -1)));
  const perm = permBy === null ? pivotsToPerm(op, pv, n, batch) : null;
  const reorder = (x: Tensor, inverse: boolean): Tensor => (perm !== null ? permuteRows(x, perm, inverse) : permuteRowsBy(x, permBy as Tensor, inverse));
  // B over the whole batch (one row permutation per element); LU broadcasts in the triangular solves
  const b = batchShape(b0).join() === batch.join() ? b0 : broadcastTo(b0, [...batch, n, cols(b0)]);
  const unitLower = { upper: false, left: true, unitriangular: true, trans: adjoint };
  const upperOpts = { upper: true, left: true, unitriangular: false, trans: adjoint };
  if (!adjoint) {
    // A = Pᵀ L U:  X = U⁻¹ L⁻¹ (P B)
    const y = triSolvePrim(f, reorder(b, false), unitLower, op);
    return triSolvePrim(f, y, upperOpts, op);
  }
  // Aᵀ = Uᵀ Lᵀ P:  X = Pᵀ L⁻ᵀ U⁻ᵀ B
  const y = triSolvePrim(f, b, upperOpts, op);
  return reorder(triSolvePrim(f, y, unitLower, op), true);
}

// ---------------------------------------------------------------------------
// Determinants

/** det A (LU); its gradient is the cofactor matrix, also at singular A (by the SVD). */
export function det(A: TensorLike): Tensor {
  return detPrim(sq("linalg.det", A), newCache<LuEntry[]>());
}

/** { sign, logabsdet } with det A = sign·exp(logabsdet); sign 0 and logabsdet −∞ for singular A. */
export function slogdet(A: TensorLike): SlogdetResult {
  const [sign, logabsdet] = slogdetPrim(sq("linalg.slogdet", A), newCache<LuEntry[]>());
  return named([sign, logabsdet], { sign, logabsdet });
}

/** log det A; −∞ for singular A; DomainError when det A < 0 (use slogdet). */
export function logdet(A: TensorLike): Tensor {
  const [sign, logabsdet] = slogdetPrim(sq("linalg.logdet", A), newCache<LuEntry[]>(), "linalg.logdet");
  // on the values (under vmap: of every example)
  inspectValues([sign], ([s]) => {
    for (let i = 0; i < s.size; i++)
      if (s._data[i] < 0)
        throw new DomainError("linalg.logdet", `det(A) < 0${s.size > 1 ? ` (batch element ${i})` : ""}: the real logarithm is undefined; use linalg.slogdet for log|det A| and the sign`);
  });
  return logabsdet;
}

// ---------------------------------------------------------------------------
// Cholesky and QR

/** Options of `linalg.cholesky`. */
export interface CholeskyOptions {
  /** Return U = Lᵀ (A = Uᵀ U) instead of L. */
  upper?: boolean;
}

/** A = L Lᵀ for symmetric positive definite A (reads the lower triangle); NotPositiveDefiniteError otherwise. */
export function cholesky(A: TensorLike, opts: CholeskyOptions = {}): Tensor {
  const op = "linalg.cholesky";
  checkOptions(op, opts, ["upper"]);
  const a = sq(op, A);
  const upper = checkBool(op, "option upper", opts?.upper, false);
  const L = choleskyPrim(a);
  return upper ? mT(L) : L;
}

/** torch.cholesky_solve(B, L): X with A X = B where A = L Lᵀ (or Uᵀ U with upper: true); two triangular solves. */
export function choleskySolve(B: TensorLike, L: TensorLike, opts: CholeskyOptions = {}): Tensor {
  const op = "linalg.choleskySolve";
  const f = sq(op, L, "L"), b = tensorArg(B, op, "B");
  needMatrix(op, b, "B");
  checkOptions(op, opts, ["upper"]);
  checkBool(op, "option upper", opts?.upper, false);
  if (rows(b) !== rows(f)) throw new ShapeError(op, `B has shape ${fmtShape(b.shape)}, incompatible with L of shape ${fmtShape(f.shape)}`);
  const upper = opts.upper ?? false;
  // lower: L Y = B, Lᵀ X = Y.  upper: Uᵀ Y = B, U X = Y.
  const y = triSolvePrim(f, b, { upper, left: true, unitriangular: false, trans: upper }, op);
  return triSolvePrim(f, y, { upper, left: true, unitriangular: false, trans: !upper }, op);
}

/** Options of `linalg.qr`. */
export interface QrOptions {
  /** "reduced" (default): Q m×k, R k×n; "complete": Q m×m, R m×n; "r": R only (Q empty). k = min(m, n). */
  mode?: "reduced" | "complete" | "r";
}

/** Householder QR with the sign gauge diag(R) ≥ 0. */
export function qr(A: TensorLike, opts: QrOptions = {}): QrResult {
  const op = "linalg.qr";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  checkOptions(op, opts, ["mode"]);
  const mode = opts?.mode ?? "reduced";
  if (mode !== "reduced" && mode !== "complete" && mode !== "r") throw new ArgumentError(op, `option mode must be "reduced", "complete" or "r"; got ${describe(mode)}`);
  const m = rows(a), n = cols(a);
  let Q: Tensor, R: Tensor;
  if (m >= n) [Q, R] = qrPrim(a, mode === "complete" ? "complete" : "reduced");
  else {
    // wide: A = [X Y] with X m×m; Q R₁ = X and R₂ = Qᵀ Y (the derivative follows from the composite)
    const [q, r1] = qrPrim(block(a, null, [0, m]), "reduced");
    Q = q;
    R = concat([r1, matmulT(q, block(a, null, [m, n]), true, false)], -1);
  }
  const Qout = mode === "r" ? zeros([0]) : Q;
  return named([Qout, R], { Q: Qout, R });
}

// ---------------------------------------------------------------------------
// Symmetric eigendecomposition and matrix functions

/** Options of `linalg.eigh` and `linalg.eigvalsh`. */
export interface EighOptions {
  /** Which triangle is read: "L" (default) or "U". */
  UPLO?: "L" | "U";
  /**
   * Relative gap |λᵢ − λⱼ| ≤ tol·max|λ| under which two eigenvalues count as
   * degenerate in the derivative (default DEFAULT_DEGENERACY_TOL = 1e-12); see docs/linalg.md.
   */
  degeneracyTol?: number;
}

function uplo(op: string, a: Tensor, o: EighOptions, valid: readonly string[]): Tensor {
  checkOptions(op, o, valid);
  const u = o?.UPLO ?? "L";
  if (u !== "L" && u !== "U") throw new ArgumentError(op, `option UPLO must be "L" or "U"; got ${describe(u)}`);
  tolOption(op, "degeneracyTol", o?.degeneracyTol);
  return u === "U" ? mT(a) : a;
}

/**
 * A = U diag(λ) Uᵀ for symmetric A (reads one triangle): eigenvalues ascending,
 * eigenvectors as columns. Derivatives are symmetric; a loss depending on the
 * basis inside a degenerate eigenspace raises NonDifferentiableError.
 */
export function eigh(A: TensorLike, opts: EighOptions = {}): EighResult {
  const op = "linalg.eigh";
  const a = uplo(op, sq(op, A), opts, ["UPLO", "degeneracyTol"]);
  const [eigenvalues, eigenvectors] = eighPrim(a, newCache(), opts?.degeneracyTol ?? DEFAULT_DEGENERACY_TOL);
  return named([eigenvalues, eigenvectors], { eigenvalues, eigenvectors });
}

/** Eigenvalues (ascending) of symmetric A; always differentiable (Ā = U diag(λ̄) Uᵀ). */
export function eigvalsh(A: TensorLike, opts: Pick<EighOptions, "UPLO"> = {}): Tensor {
  const op = "linalg.eigvalsh";
  const a = uplo(op, sq(op, A), opts, ["UPLO"]);
  if (mayDifferentiate(a)) return eighPrim(a, newCache(), DEFAULT_DEGENERACY_TOL)[0];
  return liftValues([a], ([pa]) => eigenvalues(pa)); // a constant (batched like A under vmap)
}

/** The eigenvalues of the symmetric matrices of a (lower triangles), no vectors: a constant tensor. */
function eigenvalues(a: Tensor): Tensor {
  const n = rows(a), nb = sizeOf(batchShape(a));
  const w = new Float64Array(nb * n);
  for (let b = 0; b < nb; b++) {
    if (!isFiniteLower(a.data, b * n * n, n)) w.fill(NaN, b * n, (b + 1) * n); // non-finite policy
    else w.set(eighKernel(mat(a.data, b, n), n, false).w, b * n);
  }
  return new Tensor(w, [...batchShape(a), n]);
}

/**
 * f(A) = U f(Λ) Uᵀ for symmetric A (reads the lower triangle), with the exact
 * Daleckii–Krein derivative (finite at repeated eigenvalues). f must act
 * elementwise and be written with matgrad ops; df is its derivative (by
 * default computed by reverse-mode autodiff of f; f″, needed for second
 * derivatives, always is).
 */
export function matrixFunction(A: TensorLike, f: ScalarFn, df?: ScalarFn): Tensor {
  const op = "linalg.matrixFunction";
  const a = sq(op, A);
  if (typeof f !== "function") throw new ArgumentError(op, "f must be a function from a tensor to a tensor (elementwise)");
  // derivatives by reverse mode of Σ g(x) (g acts elementwise), recorded so that they are differentiable again
  const derivative = (g: ScalarFn): ScalarFn => (x: Tensor) => enableGrad(() => grad((v: Tensor) => sum(g(v)))(x) as Tensor);
  const d1 = df ?? derivative(f);
  return symMatrixFunctionPrim(a, { f, df: d1, d2f: derivative(d1) }, newCache(), op);
}

// ---------------------------------------------------------------------------
// SVD and what is built on it

/** Options of `linalg.svd`. */
export interface SvdOptions {
  /** Full U (m×m) and Vh (n×n) (true, torch's default) or thin (k = min(m, n) columns). */
  fullMatrices?: boolean;
  /** Relative gap under which two singular values count as degenerate in the derivative. */
  degeneracyTol?: number;
}

/**
 * A = U diag(S) Vh, S descending. Derivatives of U and Vh are defined for
 * gauge-invariant losses (see docs/linalg.md); with fullMatrices the extra
 * columns are an arbitrary completion, differentiable only through quantities
 * invariant under its rotations.
 */
export function svd(A: TensorLike, opts: SvdOptions = {}): SvdResult {
  const op = "linalg.svd";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  checkOptions(op, opts, ["fullMatrices", "degeneracyTol"]);
  const full = checkBool(op, "option fullMatrices", opts?.fullMatrices, true);
  tolOption(op, "degeneracyTol", opts?.degeneracyTol);
  const [U, S, Vh] = svdPrim(a, full, newCache(), opts?.degeneracyTol ?? DEFAULT_DEGENERACY_TOL);
  return named([U, S, Vh], { U, S, Vh });
}

/** Singular values, descending; always differentiable (Ā = U diag(S̄) Vᵀ). */
export function svdvals(A: TensorLike): Tensor {
  const op = "linalg.svdvals";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  if (mayDifferentiate(a)) return svdPrim(a, false, newCache(), DEFAULT_DEGENERACY_TOL)[1];
  return liftValues([a], ([pa]) => svdValues(pa)); // a constant (batched like A under vmap)
}

/** Tolerances of `linalg.matrixRank` and `linalg.pinv`: singular values below max(atol, rtol·σ_max) count as zero. */
export interface RankTolOptions {
  /** Absolute tolerance on singular values. */
  atol?: number;
  /** Relative tolerance (times the largest singular value). Default ε·max(m, n) when atol is not given, else 0. */
  rtol?: number;
  /** A is symmetric: use |eigenvalues| (reads the lower triangle). */
  hermitian?: boolean;
}

function rankTols(op: string, a: Tensor, o: RankTolOptions): { atol: number; rtol: number } {
  checkOptions(op, o, ["atol", "rtol", "hermitian"]);
  tolOption(op, "atol", o.atol);
  tolOption(op, "rtol", o.rtol);
  checkBool(op, "option hermitian", o.hermitian, false);
  const atol = o.atol ?? 0;
  const rtol = o.rtol ?? (o.atol !== undefined && o.atol > 0 ? 0 : EPS * Math.max(rows(a), cols(a)));
  return { atol, rtol };
}

/** Moore–Penrose pseudo-inverse (singular values ≤ max(atol, rtol·σ₁) are treated as zero; the derivative assumes constant rank). */
export function pinv(A: TensorLike, opts: RankTolOptions = {}): Tensor {
  const op = "linalg.pinv";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  const { atol, rtol } = rankTols(op, a, opts ?? {});
  if (opts.hermitian) needSquare(op, a);
  return pinvPrim(a, atol, rtol, opts.hermitian ?? false);
}

/** Numerical rank: the number of singular values > max(atol, rtol·σ₁). Not differentiable (a constant). */
export function matrixRank(A: TensorLike, opts: RankTolOptions = {}): Tensor {
  const op = "linalg.matrixRank";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  const { atol, rtol } = rankTols(op, a, opts ?? {});
  if (opts.hermitian) needSquare(op, a);
  // constants computed from the values (batched like A under vmap)
  const s = liftValues([a], ([pa]) => (opts.hermitian ? abs(eigenvalues(pa)) : svdValues(pa)));
  return liftValues([s], ([ps]) => countAbove(ps, atol, rtol));
}

/** Per matrix: the number of values s > max(atol, rtol·max s) (a constant tensor). */
function countAbove(s: Tensor, atol: number, rtol: number): Tensor {
  const k = s.shape[s.ndim - 1];
  const nb = sizeOf(s.shape.slice(0, -1));
  const out = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    let smax = 0;
    for (let i = 0; i < k; i++) smax = Math.max(smax, s.data[b * k + i]);
    const tol = Math.max(atol, rtol * smax);
    let nan = false;
    for (let i = 0; i < k; i++) {
      const v = s.data[b * k + i];
      if (v > tol) out[b]++;
      else if (v !== v) nan = true;
    }
    if (nan) out[b] = NaN; // non-finite input: the rank is NaN, not a count that skipped the NaN values

  }
  return new Tensor(out, s.shape.slice(0, -1));
}

/** Options of `linalg.lstsq`. */
export interface LstsqOptions {
  /** Relative cutoff for small singular values in the rank decision (default ε·max(m, n)). */
  rcond?: number;
}

/**
 * Least squares min ‖A X − B‖_F (minimum-norm X when A is wide or rank deficient):
 * QR for full-rank A (differentiable through qr and triangular solves), the
 * pseudo-inverse otherwise. residuals = Σ (A X − B)² per column when m > n and
 * A has full rank (else an empty tensor); rank and singularValues are constants.
 */
export function lstsq(A: TensorLike, B: TensorLike, opts: LstsqOptions = {}): LstsqResult {
  const op = "linalg.lstsq";
  const a = tensorArg(A, op, "A");
  let b = tensorArg(B, op, "B");
  needMatrix(op, a);
  const vec = b.ndim === a.ndim - 1;
  if (vec) b = unsqueeze(b, -1);
  needMatrix(op, b, "B");
  checkOptions(op, opts, ["rcond"]);
  tolOption(op, "rcond", opts?.rcond);
  const m = rows(a), n = cols(a);
  if (rows(b) !== m) throw new ShapeError(op, `B has shape ${fmtShape(tensorArg(B, op, "B").shape)}, incompatible with A of shape ${fmtShape(a.shape)}`);
  broadcastShapes(op, batchShape(a), batchShape(b)); // batch axes must broadcast (raised here, naming lstsq)
  const rtol = opts.rcond ?? EPS * Math.max(m, n);
  const singularValues = liftValues([a], ([pa]) => svdValues(pa)); // constants (batched like A under vmap)
  const rank = liftValues([singularValues], ([ps]) => countAbove(ps, 0, rtol));
  const k = Math.min(m, n);
  // one method for the whole batch (under vmap: the pseudo-inverse as soon as one example is rank deficient; it agrees with QR at full rank)
  const full = inspectValues([rank], ([r]) => r._data.every((v) => v === k));
  let x: Tensor;
  if (full && m >= n) {
    const { Q, R } = qr(a);
    x = triSolvePrim(R, matmulT(Q, b, true, false), { upper: true, left: true, unitriangular: false, trans: false }, op);
  } else if (full) {
    // minimum norm: Aᵀ = Q R, X = Q R⁻ᵀ B
    const { Q, R } = qr(mT(a));
    x = matmul(Q, triSolvePrim(R, b, { upper: true, left: true, unitriangular: false, trans: true }, op));
  } else {
    x = matmul(pinvPrim(a, 0, rtol, false), b);
  }
  const residuals = full && m > n ? sum(pow(sub(matmul(a, x), b), 2), -2) : zeros([0]);
  const solution = vec ? squeeze(x, -1) : x, res = vec && residuals.size > 0 ? squeeze(residuals, -1) : residuals;
  return named([solution, res, rank, singularValues], { solution, residuals: res, rank, singularValues });
}

// ---------------------------------------------------------------------------
// Norms and condition numbers

/** Order p ≥ 0 of a vector norm: ‖x‖_p = (Σ|xᵢ|ᵖ)^(1/p); Infinity / −Infinity for max / min |xᵢ|. */
export type VectorOrd = number;
/**
 * Order of a matrix norm: "fro" (Frobenius), "nuc" (nuclear: Σσᵢ), 1 / −1 (max / min column sum of |aᵢⱼ|),
 * Infinity / −Infinity (max / min row sum), 2 / −2 (largest / smallest singular value).
 */
export type MatrixOrd = "fro" | "nuc" | number;

/** Options of the norms: the axes reduced and keepdims. */
export interface NormOptions {
  /** Axes to reduce (vectorNorm: default all; matrixNorm: default [-2, -1]). */
  dim?: number | readonly number[] | null;
  keepdim?: boolean;
}

/** ‖x‖_ord over dim: ord ∈ (0, ∞) (p-norms), ∞, −∞ (max/min |x|), 0 (count of nonzeros, a constant). */
const NORM_OPTIONS = ["dim", "keepdim"] as const;

/** The dim option of the norms: null (default axes), or the axes as a list. */
function dimOption(op: string, dim: unknown): readonly number[] | null {
  if (dim === undefined || dim === null) return null;
  if (typeof dim === "number") return [dim];
  if (Array.isArray(dim)) return dim as number[];
  throw new ArgumentError(op, `option dim must be an axis, an array of axes or null; got ${describe(dim)}`);
}

/**
 * Vector p-norm over `dim` (default all entries) as PyTorch's `linalg.vector_norm`; its gradient at 0 is 0 (a
 * subgradient).
 */
export function vectorNorm(x: TensorLike, ord: VectorOrd = 2, opts: NormOptions = {}): Tensor {
  const op = "linalg.vectorNorm";
  const t = tensorArg(x, op, "x");
  checkOptions(op, opts, NORM_OPTIONS);
  const keep = checkBool(op, "option keepdim", opts?.keepdim, false);
  const dimOpt = dimOption(op, opts?.dim);
  const dims = dimOpt === null ? t.shape.map((_, i) => i) : dimOpt.map((d) => normAxis(op, d, t.ndim));
  if (new Set(dims).size !== dims.length) throw new ArgumentError(op, `dim ${fmtShape(dims)} has repeated axes`);
  if (typeof ord !== "number" || Number.isNaN(ord) || (ord < 0 && ord !== -Infinity))
    throw new ArgumentError(op, `ord must be a number ≥ 0, Infinity or -Infinity, got ${String(ord)}`);
  if (dims.length === 0) return abs(t);
  if ((ord === Infinity || ord === -Infinity) && dims.some((d) => t.shape[d] === 0) && t.size === 0 && sizeOf(t.shape.filter((_, i) => !dims.includes(i))) > 0)
    // as torch.linalg.vector_norm: max/min |x| over no entries has no value (no identity)
    throw new ShapeError(op, `cannot compute the ${ord > 0 ? "" : "−"}∞-norm over an empty axis (x has shape ${fmtShape(t.shape)}, dim ${fmtShape(dims)}): max/min |x| of no entries is undefined`);
  if (ord === Infinity) return max(abs(t), dims, keep);
  if (ord === -Infinity) return min(abs(t), dims, keep);
  if (ord === 0) return sum(ne(t, 0), dims, keep);
  if (ord === 1) return sum(abs(t), dims, keep);
  return vectorNormPrim(t, ord, dims.slice().sort((p, q) => p - q), keep);
}

/**
 * Matrix norms over two axes: "fro", "nuc" (sum of singular values), 2 / −2
 * (largest / smallest singular value), 1 / −1 (max / min column abs sum),
 * ∞ / −∞ (max / min row abs sum).
 */
export function matrixNorm(A: TensorLike, ord: MatrixOrd = "fro", opts: NormOptions = {}): Tensor {
  const op = "linalg.matrixNorm";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  checkOptions(op, opts, NORM_OPTIONS);
  const dimIn = dimOption(op, opts?.dim) ?? [-2, -1];
  if (dimIn.length !== 2) throw new ArgumentError(op, `dim must name two axes, got ${fmtShape(dimIn)}`);
  const [d0, d1] = dimIn.map((d) => normAxis(op, d, a.ndim));
  if (d0 === d1) throw new ArgumentError(op, `dim must name two different axes, got ${fmtShape(dimIn)}`);
  const keep = checkBool(op, "option keepdim", opts?.keepdim, false);
  // move the two axes last: [..., d0, d1]
  const rest = a.shape.map((_, i) => i).filter((i) => i !== d0 && i !== d1);
  const x = permute(a, [...rest, d0, d1]);
  let out: Tensor;
  if (ord !== "fro" && ord !== "nuc" && ![1, -1, 2, -2, Infinity, -Infinity].includes(ord))
    throw new ArgumentError(op, `ord must be "fro", "nuc", 1, -1, 2, -2, Infinity or -Infinity, got ${String(ord)}`);
  // an empty matrix is the zero map R⁰ → Rᵐ or Rⁿ → R⁰: every norm of it is 0 (a differentiable 0 of the batch shape)
  if (rows(x) * cols(x) === 0) out = sum(x, [-2, -1]);
  else if (ord === "fro") out = vectorNormPrim(x, 2, [x.ndim - 2, x.ndim - 1], false);
  else if (ord === "nuc") out = sum(svdvals(x), -1);
  else if (ord === 2) out = max(svdvals(x), -1);
  else if (ord === -2) out = min(svdvals(x), -1);
  else if (ord === 1) out = max(sum(abs(x), -2), -1);
  else if (ord === -1) out = min(sum(abs(x), -2), -1);
  else if (ord === Infinity) out = max(sum(abs(x), -1), -1);
  else if (ord === -Infinity) out = min(sum(abs(x), -1), -1);
  else throw new ArgumentError(op, `ord must be "fro", "nuc", 1, -1, 2, -2, Infinity or -Infinity, got ${String(ord)}`);
  if (!keep) return out;
  const [lo, hi] = d0 < d1 ? [d0, d1] : [d1, d0];
  return unsqueeze(unsqueeze(out, lo), hi);
}

/**
 * Condition number: σ₁/σₙ for p = 2 (default, any shape) and σₙ/σ₁ for −2;
 * ‖A‖_p ‖A⁻¹‖_p for "fro", "nuc", 1, −1, ∞, −∞ (square A).
 */
export function cond(A: TensorLike, p: MatrixOrd | null = null): Tensor {
  const op = "linalg.cond";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  if (p !== null && p !== "fro" && p !== "nuc" && ![1, -1, 2, -2, Infinity, -Infinity].includes(p as number))
    throw new ArgumentError(op, `p must be null, "fro", "nuc", 1, -1, 2, -2, Infinity or -Infinity; got ${describe(p)}`);
  if (rows(a) * cols(a) === 0)
    throw new ShapeError(op, `A has shape ${fmtShape(a.shape)}: the condition number of an empty matrix is undefined (it has no singular values)`);
  if (p === null || p === 2 || p === -2) {
    const s = svdvals(a);
    const r = div(max(s, -1), min(s, -1));
    return p === -2 ? div(1, r) : r;
  }
  needSquare(op, a);
  return mul(matrixNorm(a, p), matrixNorm(invPrim(a, newCache<LuEntry[]>(), op), p));
}

// ---------------------------------------------------------------------------
// Matrix powers and functions of general matrices

/** Aᵏ for an integer k (negative: powers of A⁻¹), by repeated squaring (⌈log₂|k|⌉ + popcount products). */
export function matrixPower(A: TensorLike, k: number): Tensor {
  const op = "linalg.matrixPower";
  const a = sq(op, A);
  if (!Number.isInteger(k)) throw new ArgumentError(op, `k must be an integer, got ${k}`);
  const n = rows(a);
  if (k === 0) return add(mul(a, 0), eye(n));
  let base = k < 0 ? invPrim(a, newCache<LuEntry[]>(), op) : a;
  let e = Math.abs(k);
  let result: Tensor | null = null;
  for (;;) {
    if (e & 1) result = result === null ? base : matmul(result, base);
    e = Math.floor(e / 2);
    if (e === 0) break;
    base = matmul(base, base);
  }
  return result as Tensor;
}

/** e^A by scaling and squaring (Higham 2005); derivatives by the Al-Mohy–Higham Fréchet algorithm. */
export function expm(A: TensorLike): Tensor {
  const a = sq("linalg.expm", A);
  return expmPrim(a, newCache(), mayDifferentiate(a));
}

/** torch.linalg.matrix_exp. */
export const matrixExp = expm;

/** The Fréchet derivative L(A, E) = d/dt e^{A + tE} at t = 0 (Al-Mohy & Higham 2009); differentiable in A and E. */
export function expmFrechet(A: TensorLike, E: TensorLike): Tensor {
  const op = "linalg.expmFrechet";
  const a = sq(op, A), e = sq(op, E, "E");
  if (rows(e) !== rows(a)) throw new ShapeError(op, `E has shape ${fmtShape(e.shape)}, A has shape ${fmtShape(a.shape)}`);
  return expmFrechetPrim(a, e, false, newCache());
}

/** Principal logarithm (inverse scaling and squaring); DomainError for eigenvalues on the closed negative real axis. */
export function logm(A: TensorLike): Tensor {
  return logmPrim(sq("linalg.logm", A));
}

/** Principal square root (real Schur method); DomainError for negative real eigenvalues. */
export function sqrtm(A: TensorLike): Tensor {
  return sqrtmPrim(sq("linalg.sqrtm", A), newCache());
}

/** X with A X + X B = C (Bartels–Stewart); SingularMatrixError when A and −B share an eigenvalue. */
export function solveSylvester(A: TensorLike, B: TensorLike, C: TensorLike): Tensor {
  const op = "linalg.solveSylvester";
  const a = sq(op, A), b = sq(op, B, "B"), c = tensorArg(C, op, "C");
  needMatrix(op, c, "C");
  if (rows(c) !== rows(a) || cols(c) !== rows(b))
    throw new ShapeError(op, `C has shape ${fmtShape(c.shape)}, expected [..., ${rows(a)}, ${rows(b)}] for A ${fmtShape(a.shape)} and B ${fmtShape(b.shape)}`);
  return sylvesterPrim(a, b, c, false, newCache(), op);
}

/** X with A X + X Aᵀ = Q (continuous Lyapunov equation, scipy's solve_continuous_lyapunov). */
export function solveLyapunov(A: TensorLike, Q: TensorLike): Tensor {
  const op = "linalg.solveLyapunov";
  const a = sq(op, A), q = sq(op, Q, "Q");
  if (rows(q) !== rows(a)) throw new ShapeError(op, `Q has shape ${fmtShape(q.shape)}, A has shape ${fmtShape(a.shape)}`);
  return lyapunovPrim(a, q, false, newCache());
}

/** scipy.linalg.solve_continuous_lyapunov: X with A X + X Aᵀ = Q (the same function as solveLyapunov). */
export const solveContinuousLyapunov = solveLyapunov;
