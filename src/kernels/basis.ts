/**
 * Products with a slice of the identity (jacobian's basis, see UnitBasis in
 * tensor/structure.ts): every GEMM of a Jacobian's first linear step has one
 * as a factor, and E·B (E with one 1 per row) is a copy of rows of B, B·E a
 * copy of columns — O(output) work instead of the O(output·k) of a GEMM. The
 * results equal the GEMM's exactly when the other factor is finite (each
 * entry is one product 1·b plus exact zeros; with Inf or NaN in the other
 * factor the GEMM's 0·Inf = NaN would be lost, so callers check finiteness),
 * except that a zero entry is +0 where the dense products may give −0.
 */
import type { UnitBasis } from "../tensor/structure.js";

/** Products taken by basisGemm so far (for tests: the path is really used). */
export const basisStats = { calls: 0 };

/**
 * Strided batched C_t = beta·C_t + op(A_t)·op(B_t) (t < batch; m×n results,
 * inner dimension k; row-major storage with leading dimensions lda / ldb / ldc
 * and batch strides sA / sB / sC, 0 for a shared operand), where the factor
 * `which` is the unit basis `basis`, stored from offset 0 of its array.
 * beta is 0 (C is overwritten, never read) or 1 (accumulated).
 */
export function basisGemm(
  which: "a" | "b", basis: UnitBasis,
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  A: Float64Array, lda: number, sA: number,
  B: Float64Array, ldb: number, sB: number,
  beta: 0 | 1, C: Float64Array, ldc: number, sC: number, batch: number,
): void {
  basisStats.calls++;
  if (beta === 0) for (let t = 0; t < batch; t++) for (let i = 0; i < m; i++) C.fill(0, t * sC + i * ldc, t * sC + i * ldc + n);
  // the basis operand's storage: rows × cols per matrix, batch stride s (a shared basis: one matrix)
  const isA = which === "a";
  const rowsStored = isA ? (transA ? k : m) : (transB ? n : k);
  const cols = isA ? lda : ldb;
  const s = isA ? sA : sB;
  const trans = isA ? transA : transB;
  const span = s === 0 ? rowsStored * cols : s;
  for (let r = 0; r < basis.rows; r++) {
    const c = r + basis.shift;
    if (c < 0 || c >= basis.n) continue;
    const f = r * basis.n + c; // flat position of the 1
    const t0 = Math.floor(f / span), w = f - t0 * span;
    const p = Math.floor(w / cols), q = w - p * cols;
    const [row, col] = trans ? [q, p] : [p, q]; // its position in op(basis)
    // the products it enters: every t when the basis is shared, else its own t
    const tFrom = s === 0 ? 0 : t0, tTo = s === 0 ? batch : t0 + 1;
    for (let t = tFrom; t < tTo; t++) {
      const co = t * sC;
      if (isA) {
        // op(A)[row, col] = 1: C[row, :] += op(B)[col, :]
        const bo = t * sB, ci = co + row * ldc;
        if (!transB) for (let j = 0, bi = bo + col * ldb; j < n; j++) C[ci + j] += B[bi + j];
        else for (let j = 0; j < n; j++) C[ci + j] += B[bo + j * ldb + col];
      } else {
        // op(B)[row, col] = 1: C[:, col] += op(A)[:, row]
        const ao = t * sA;
        if (!transA) for (let i = 0; i < m; i++) C[co + i * ldc + col] += A[ao + i * lda + row];
        else for (let i = 0; i < m; i++) C[co + i * ldc + col] += A[ao + row * lda + i];
      }
    }
  }
}

/**
 * basis ∘ b with b broadcast to the basis's shape (`bStrides`: b's strides in
 * that shape, 0 on broadcast axes; `shape` the basis's shape): zero except
 * where the basis holds its 1s, which take b's value there — c writes into a
 * zeroed array instead of a multiply per entry. Equal to the elementwise
 * product when b is finite (callers check: 0·Inf = NaN).
 */
export function basisMul(basis: UnitBasis, shape: readonly number[], b: Float64Array, bStrides: readonly number[], out: Float64Array): Float64Array {
  basisStats.calls++;
  const rank = shape.length;
  for (let r = 0; r < basis.rows; r++) {
    const c = r + basis.shift;
    if (c < 0 || c >= basis.n) continue;
    let f = r * basis.n + c, bi = 0;
    const flat = f;
    for (let ax = rank - 1; ax >= 0; ax--) {
      const d = shape[ax], i = f % d;
      bi += i * bStrides[ax];
      f = (f - i) / d;
    }
    out[flat] = b[bi];
  }
  return out;
}
