/**
 * Test helpers for the matrix-function kernels (schur, sylvester, expm, sqrtm,
 * logm): the shared seeded PRNG and naive reference algebra of
 * factor-helpers.ts, plus normally distributed random matrices.
 *
 * Note the two random-matrix generators: factor-helpers' `randMat` draws
 * entries uniform in [-1, 1); `randnMat` here draws standard normal entries.
 */
import { frob, matmul } from "./factor-helpers.js";

export { mulberry32, matmul, transpose, frob } from "./factor-helpers.js";

/** Standard normal sample (Box–Muller, cosine branch; consumes two uniforms). */
export function randn(rng: () => number): number {
  const u = Math.max(rng(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** m×n row-major matrix (square by default) with standard normal entries. */
export function randnMat(rng: () => number, m: number, n = m): Float64Array {
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = randn(rng);
  return a;
}

/** Naive n×n product C = op(A)·op(B). */
export function mul(a: Float64Array, b: Float64Array, n: number, ta = false, tb = false): Float64Array {
  return matmul(a, b, n, n, n, ta, tb);
}

/** ‖got − want‖_F / ‖want‖_F */
export function relErr(got: Float64Array, want: Float64Array): number {
  return frob(got.map((v, i) => v - want[i])) / frob(want);
}

/** Well-conditioned random matrix with spectrum in the disk |z − 2| ≤ ~1 (positive real parts). */
export function posSpectrum(rng: () => number, n: number): Float64Array {
  const a = randnMat(rng, n).map((v) => v / Math.sqrt(n));
  for (let i = 0; i < n; i++) a[i * n + i] += 2;
  return a;
}
