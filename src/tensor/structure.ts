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
  const n = diagonal.get(data);
  if (n === undefined) return false;
  const r = shape.length;
  return r >= 2 && shape[r - 1] === n && shape[r - 2] === n;
}
