/**
 * The Schur family of linalg: the real Schur form, the Hessenberg reduction
 * (SciPy's scipy.linalg.schur / hessenberg conventions), the polar
 * decomposition (scipy.linalg.polar) and the product of Householder
 * reflectors (torch.linalg.householder_product / LAPACK orgqr). Derivations
 * in src/ops/rules/linalg/schur.ts; conventions in docs/linalg.md.
 */
import type { Tensor } from "../tensor/tensor.js";
import { eye, tensorArg } from "../tensor/create.js";
import { fmtShape } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { checkOptions, describe } from "../validate.js";
import { add, diagEmbed, matmul, matmulT, mT, mul, sub, tril, triu, unsqueeze, type TensorLike } from "../ops/api.js";
import { block, cols, needMatrix, needSquare, rows } from "../ops/rules/linalg/common.js";
import { hessenbergPrim, polarPrim, schurPrim } from "../ops/rules/linalg/schur.js";
import { triSolvePrim } from "../ops/rules/linalg/prims.js";

function named<R>(values: Tensor[], fields: Record<string, Tensor>): R {
  return Object.assign(values, fields) as R;
}

/** `[T, Z]` with the named fields (A = Z T Zᵀ). */
export type SchurResult = [T: Tensor, Z: Tensor] & { T: Tensor; Z: Tensor };
/** `[H, Q]` with the named fields (A = Q H Qᵀ). */
export type HessenbergResult = [H: Tensor, Q: Tensor] & { H: Tensor; Q: Tensor };
/** `[U, P]` with the named fields (A = U P for side "right", A = P U for "left"). */
export type PolarResult = [U: Tensor, P: Tensor] & { U: Tensor; P: Tensor };

/** Options of `linalg.schur`. */
export interface SchurOptions {
  /** "real" (the only form: tensors are real): T quasi-triangular with 2×2 blocks for complex-conjugate pairs. */
  output?: "real";
}

/**
 * The real Schur decomposition A = Z T Zᵀ (scipy.linalg.schur with
 * output="real"): Z orthogonal, T upper quasi-triangular — 1×1 blocks for real
 * eigenvalues, standardized 2×2 blocks [[a, b], [c, a]] (b·c < 0) for complex
 * pairs a ± i√(−bc). Hessenberg reduction + Francis double-shift QR (LAPACK
 * dlahqr). Batched over leading axes. Differentiable where the eigenvalues
 * are distinct (and no 2×2 block is normal); elsewhere the derivative raises
 * NonDifferentiableError. Z's columns have a sign gauge (as any Schur
 * routine's), so a loss should depend on them through gauge-invariant
 * quantities (Z T Zᵀ, products of columns with themselves, diag(T), …).
 */
export function schur(A: TensorLike, opts: SchurOptions = {}): SchurResult {
  const op = "linalg.schur";
  const a = tensorArg(A, op, "A");
  needSquare(op, a);
  checkOptions(op, opts, ["output"]);
  const output = opts?.output ?? "real";
  if (output !== "real")
    throw new ArgumentError(op, `option output must be "real" (matgrad's tensors are real; the complex Schur form is not available); got ${describe(output)}`);
  const [T, Z] = schurPrim(a, op);
  return named([T, Z], { T, Z });
}

/**
 * The Hessenberg reduction A = Q H Qᵀ (scipy.linalg.hessenberg with
 * calc_q=True): H upper Hessenberg, Q orthogonal with Q e₁ = e₁, by
 * Householder reflectors (LAPACK dgehrd + dorghr conventions). Batched.
 * Differentiable where H is unreduced (every subdiagonal entry H[c, c−1] ≠ 0):
 * the reduction is unique there (implicit-Q theorem); elsewhere the
 * derivative raises NonDifferentiableError.
 */
export function hessenberg(A: TensorLike): HessenbergResult {
  const op = "linalg.hessenberg";
  const a = tensorArg(A, op, "A");
  needSquare(op, a);
  const [H, Q] = hessenbergPrim(a, op);
  return named([H, Q], { H, Q });
}

/** Options of `linalg.polar`. */
export interface PolarOptions {
  /** "right" (default): A = U P with P = (AᵀA)^{1/2} (n×n); "left": A = P U with P = (AAᵀ)^{1/2} (m×m). */
  side?: "right" | "left";
}

/**
 * The polar decomposition (scipy.linalg.polar): A = U P (side "right") or
 * A = P U ("left"), U m×n with orthonormal columns (rows, when m < n), P
 * symmetric positive semidefinite. Computed from the SVD A = W S Vᵀ:
 * U = W Vᵀ, P = V S Vᵀ (right) or W S Wᵀ (left). Batched.
 *
 * Differentiable for A of full rank — right with m ≥ n, left with m ≤ n, and
 * the other cases through P = Uᵀ A or A Uᵀ — by the SVD-free formula
 * (U = A (AᵀA)^{-1/2}, P dP + dP P = d(AᵀA), a Lyapunov equation), which stays
 * finite at repeated singular values (e.g. at orthogonal A). A rank-deficient
 * A raises SingularMatrixError when differentiated (U is not unique there).
 */
export function polar(A: TensorLike, opts: PolarOptions = {}): PolarResult {
  const op = "linalg.polar";
  const a = tensorArg(A, op, "A");
  needMatrix(op, a);
  checkOptions(op, opts, ["side"]);
  const side = opts?.side ?? "right";
  if (side !== "right" && side !== "left") throw new ArgumentError(op, `option side must be "right" or "left"; got ${describe(side)}`);
  const m = rows(a), n = cols(a);
  let U: Tensor, P: Tensor;
  if (side === "right") {
    if (m >= n) [U, P] = polarPrim(a);
    else {
      // wide: the U of Aᵀ = U' P' (tall), U = U'ᵀ; P = Uᵀ A = V S Vᵀ
      U = mT(polarPrim(mT(a))[0]);
      P = matmulT(U, a, true, false);
    }
  } else if (m <= n) {
    // A = P U ⇔ Aᵀ = Uᵀ P: the right factors of Aᵀ
    const [ut, pt] = polarPrim(mT(a));
    U = mT(ut);
    P = pt;
  } else {
    // tall: U from A = U P', P = A Uᵀ = W S Wᵀ
    U = polarPrim(a)[0];
    P = matmulT(a, U, false, true);
  }
  return named([U, P], { U, P });
}

/**
 * The first n columns of the product of Householder reflectors
 * H₀ H₁ ⋯ H_{k−1}, Hᵢ = I − τᵢ vᵢ vᵢᵀ with vᵢ = [0, …, 0, 1, A[i+1:, i]]
 * (torch.linalg.householder_product, LAPACK orgqr): A [..., m, n] with m ≥ n,
 * tau [..., k] with k ≤ n and the same batch shape. Differentiable in A (its
 * strictly lower part of the first k columns) and tau: a composite of matrix
 * products and one k×k triangular solve (the compact WY form), O(m·k² + m·n·k).
 */
export function householderProduct(A: TensorLike, tau: TensorLike): Tensor {
  const op = "linalg.householderProduct";
  const a = tensorArg(A, op, "A"), t = tensorArg(tau, op, "tau");
  needMatrix(op, a);
  const m = rows(a), n = cols(a);
  if (m < n) throw new ShapeError(op, `A must have at least as many rows as columns (m ≥ n); got shape ${fmtShape(a.shape)}`);
  if (t.ndim < 1) throw new ShapeError(op, `tau must have at least 1 dimension (the reflector coefficients [..., k]); got shape ${fmtShape(t.shape)}`);
  const k = t.shape[t.ndim - 1];
  if (k > n) throw new ShapeError(op, `tau has ${k} coefficients (shape ${fmtShape(t.shape)}), more than the ${n} columns of A (shape ${fmtShape(a.shape)}): expected k ≤ n`);
  const batch = a.shape.slice(0, -2);
  if (t.ndim - 1 !== batch.length || t.shape.slice(0, -1).some((d, i) => d !== batch[i]))
    throw new ShapeError(op, `tau has batch shape ${fmtShape(t.shape.slice(0, -1))}, expected A's batch shape ${fmtShape(batch)} (tau of shape [..., k] with A [..., m, n])`);
  // Compact WY form (Schreiber & Van Loan 1989): H₀ ⋯ H_{k−1} = I − V T Vᵀ with V = [v₀ … v_{k−1}] (unit lower
  // trapezoidal) and T upper triangular, T⁻¹ = diag(τ)⁻¹ + striu(VᵀV) (check k = 2: T = [[τ₀, −τ₀τ₁ v₀ᵀv₁], [0, τ₁]]).
  // Without dividing by τ (τᵢ = 0 is Hᵢ = I): T = (I + diag(τ) striu(VᵀV))⁻¹ diag(τ), a unit upper triangular solve.
  // Then Q = [I_n; 0] − V T V₁ᵀ, V₁ the first n rows of V: O(mk² + mnk) flops and a constant number of m×n arrays.
  const V = add(tril(block(a, null, [0, k]), -1), eye(m, k));
  const G = matmulT(V, V, true, false);
  const M = mul(unsqueeze(t, -1), triu(G, 1));
  const T = triSolvePrim(M, diagEmbed(t), { upper: true, left: true, unitriangular: true, trans: false }, op);
  return sub(eye(m, n), matmul(V, matmulT(T, block(V, [0, n], null), false, true)));
}
