/**
 * Gram products C = op(A)·op(A)ᵀ (SYRK): AᵀA or AAᵀ of one operand, row-major.
 *
 * The result is symmetric, so only its lower triangle is computed and the upper
 * one is mirrored: recursively, with A split into leading / trailing halves,
 *   C = [C₁₁  ·  ]    C₁₁ = gram(A₁), C₂₂ = gram(A₂)   (recursion)
 *       [C₂₁ C₂₂]    C₂₁ = A₂·A₁ᵀ                      (one GEMM through the backend)
 * which needs n²k + O(n·b·k) multiply-adds instead of GEMM's 2n²k/2·2 — close to
 * half of a GEMM for n ≫ b — and makes C exactly symmetric (a plain GEMM may
 * round C[i][j] and C[j][i] differently). Blocks at or below GRAM_BASE rows go
 * to one GEMM: the saving there is not worth a smaller, slower product.
 */
import { backend } from "./backend.js";

/** Diagonal blocks of at most this many rows are computed as one full GEMM. */
export const GRAM_BASE = 96;

/**
 * C[cOff…] (n×n, leading dimension ldc) = alpha·op(A)·op(A)ᵀ with op(A) the n×k
 * matrix A (trans = false: A is n×k, C = A·Aᵀ) or Aᵀ (trans = true: A is k×n,
 * C = Aᵀ·A); A at aOff with leading dimension lda. beta = 0 semantics: C is
 * overwritten.
 */
export function gram(
  trans: boolean,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  if (n <= 0) return;
  lowerRec(trans, n, k, alpha, A, aOff, lda, C, cOff, ldc);
  // mirror the strictly lower triangle into the upper one
  for (let i = 0; i < n; i++) {
    const row = cOff + i * ldc;
    for (let j = i + 1; j < n; j++) C[row + j] = C[cOff + j * ldc + i];
  }
}

/** Lower triangle (and, inside base blocks, the full block) of C = alpha·op(A)·op(A)ᵀ. */
function lowerRec(
  trans: boolean,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  const gemm = backend().gemm;
  if (n <= GRAM_BASE) {
    gemm(trans, !trans, n, n, k, alpha, A, aOff, lda, A, aOff, lda, 0, C, cOff, ldc);
    return;
  }
  // split at a multiple of 8 near the middle (keeps the GEMM's tiles whole)
  const n1 = Math.max(8, (n >> 4) << 3);
  const n2 = n - n1;
  // offset of op(A)'s row n1: a column of A when transposed, a row otherwise
  const a2 = aOff + (trans ? n1 : n1 * lda);
  lowerRec(trans, n1, k, alpha, A, aOff, lda, C, cOff, ldc);
  // C₂₁ = op(A)₂ · op(A)₁ᵀ
  gemm(trans, !trans, n2, n1, k, alpha, A, a2, lda, A, aOff, lda, 0, C, cOff + n1 * ldc, ldc);
  lowerRec(trans, n2, k, alpha, A, a2, lda, C, cOff + n1 * ldc + n1, ldc);
}
