/**
 * Test helpers for the factorization kernels: a seeded PRNG and naive,
 * independent reference linear algebra (no backend GEMM, so a bug there cannot
 * hide a bug in a kernel).
 */

/** mulberry32: tiny seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** m×n row-major matrix with entries uniform in [-1, 1). */
export function randMat(rng: () => number, m: number, n: number): Float64Array {
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = 2 * rng() - 1;
  return a;
}

/** Random symmetric n×n matrix. */
export function randSym(rng: () => number, n: number): Float64Array {
  const a = randMat(rng, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  return a;
}

/** Random SPD matrix: G Gᵀ + n I. */
export function randSpd(rng: () => number, n: number): Float64Array {
  const g = randMat(rng, n, n);
  const a = matmul(g, g, n, n, n, false, true);
  for (let i = 0; i < n; i++) a[i * n + i] += n;
  return a;
}

/** Naive C = op(A)·op(B); op(A) is m×k, op(B) is k×n, all row-major. */
export function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number, ta = false, tb = false): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const a = ta ? A[p * m + i] : A[i * k + p];
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j] += a * (tb ? B[j * k + p] : B[p * n + j]);
    }
  }
  return C;
}

export function transpose(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

export function eye(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

export function frob(A: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i] * A[i];
  return Math.sqrt(s);
}

/** ‖A − B‖_F / max(‖A‖_F, tiny). */
export function relDiff(A: ArrayLike<number>, B: ArrayLike<number>): number {
  if (A.length !== B.length) throw new Error(`length mismatch ${A.length} vs ${B.length}`);
  let s = 0;
  for (let i = 0; i < A.length; i++) s += (A[i] - B[i]) ** 2;
  const d = Math.sqrt(s);
  const na = frob(A);
  return na === 0 ? d : d / na;
}

/** max |A − B| */
export function maxAbsDiff(A: ArrayLike<number>, B: ArrayLike<number>): number {
  if (A.length !== B.length) throw new Error(`length mismatch ${A.length} vs ${B.length}`);
  let m = 0;
  for (let i = 0; i < A.length; i++) m = Math.max(m, Math.abs(A[i] - B[i]));
  return m;
}

/** ‖QᵀQ − I‖_max for Q m×k (orthonormal columns). */
export function orthError(Q: Float64Array, m: number, k: number): number {
  return maxAbsDiff(matmul(Q, Q, k, m, k, true, false), eye(k));
}

export function isFiniteArray(A: ArrayLike<number>): boolean {
  for (let i = 0; i < A.length; i++) if (!Number.isFinite(A[i])) return false;
  return true;
}
