/**
 * Known structure of a tensor's values, recorded by the ops that create it, so
 * that kernels can take cheaper paths with identical results. Keyed on the
 * (immutable) data array, so views that share the data (reshape, detach,
 * tape aliases) keep it; the recorded size is checked against the shape in use.
 */
const diagonal = new WeakMap<Float64Array, number>();

/** Record that `data` holds (a batch of) n×n diagonal matrices. */
export function markDiagonal(data: Float64Array, n: number): void {
  diagonal.set(data, n);
}

/** True if t's values are known to be a batch of square diagonal matrices of its last two dimensions. */
export function isKnownDiagonal(data: Float64Array, shape: readonly number[]): boolean {
  const r = shape.length;
  // a diagonal matrix with n ≥ 2 has data[1] = 0 (row 0, column 1): most products skip the WeakMap lookup
  if (r >= 2 && shape[r - 1] >= 2 && data.length > 1 && data[1] !== 0) return false;
  const n = diagonal.get(data);
  if (n === undefined) return false;
  return r >= 2 && shape[r - 1] === n && shape[r - 2] === n;
}

/** Matrix transposes: out.data ↦ the data it is the 2-D transpose of. */
const transposeOf = new WeakMap<Float64Array, Float64Array>();

/** Record that `out` holds the transpose of the 2-D matrix in `src` (same size). */
export function markTransposeOf(out: Float64Array, src: Float64Array): void {
  transposeOf.set(out, src);
}

/** The data `data` is known to be the 2-D transpose of, if any. */
export function transposeSource(data: Float64Array): Float64Array | undefined {
  return transposeOf.get(data);
}
