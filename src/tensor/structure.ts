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

/**
 * A slice of the identity: `rows` rows of length `n`, row r holding a single
 * 1 at column r + shift (when that column is in [0, n)) and zeros elsewhere.
 * jacobian's basis chunks are such slices (one per input leaf); a product with
 * one is a copy of rows or columns of the other factor (src/kernels/basis.ts).
 */
export interface UnitBasis {
  readonly rows: number;
  readonly n: number;
  readonly shift: number;
}

const unitBasis = new WeakMap<Float64Array, UnitBasis>();

/** Record that `data` (rows·n entries) is a slice of the identity (see UnitBasis). */
export function markUnitBasis(data: Float64Array, basis: UnitBasis): void {
  unitBasis.set(data, basis);
}

/** The identity slice `data` holds, if it was made as one (the whole array: rows·n entries). */
export function unitBasisOf(data: Float64Array): UnitBasis | undefined {
  const b = unitBasis.get(data);
  return b !== undefined && b.rows * b.n === data.length ? b : undefined;
}
