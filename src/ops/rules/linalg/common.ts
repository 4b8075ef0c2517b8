/**
 * Shared helpers of the linear-algebra rules: batch iteration over leading
 * axes (with broadcasting), per-call factor caches, shape checks and the
 * small differentiable building blocks (sym, symbolic-zero arithmetic) that
 * the rules are written with.
 */
import { Tensor } from "../../../tensor/tensor.js";
import { broadcastShapes, fmtShape, sizeOf } from "../../../tensor/shape.js";
import { ShapeError } from "../../../errors.js";
import { broadcastStrides } from "../../../kernels/elementwise.js";
import { add, matmul, matmulT, neg, reshape, slice, sub, take, type SliceSpec } from "../../api.js";
import { apply } from "../../dispatch.js";
import { rules } from "../../registry.js";
import { innermostBatchLevel, withBatch } from "../../batching.js";

/**
 * A cache for a factorization computed in a primitive's forward and reused by
 * its VJP/JVP (and by the further primitives those rules apply to the same
 * matrix, e.g. the transposed solve in solve's VJP). It lives in the params of
 * the tape node, so it is freed with the graph. Tensors are immutable, so the
 * identity of the data arrays is a sound key: a cache consulted for different
 * data recomputes.
 */
export class FactorCache<T> {
  private keys: readonly Float64Array[] | null = null;
  private value: T | null = null;

  get(keys: readonly Float64Array[], compute: () => T): T {
    const k = this.keys;
    if (k !== null && k.length === keys.length && k.every((d, i) => d === keys[i])) return this.value as T;
    const v = compute();
    this.keys = keys.slice();
    this.value = v;
    return v;
  }

  /** Store a value computed elsewhere (e.g. the Schur form of sqrtm's result) for these keys. */
  set(keys: readonly Float64Array[], value: T): void {
    this.keys = keys.slice();
    this.value = value;
  }

  /** The cached value if it was computed for these keys, else null. */
  peek(keys: readonly Float64Array[]): T | null {
    const k = this.keys;
    if (k !== null && k.length === keys.length && k.every((d, i) => d === keys[i])) return this.value;
    return null;
  }
}

/**
 * The non-finite policy of linalg (docs/reliability.md): a matrix with a NaN or
 * ±Infinity entry (in the part the function reads) gives NaN in every entry of
 * the results computed from it — never a finite number, never "singular". The
 * scan is O(n²) against the factorization's O(n³).
 */
export function isFiniteRange(x: Float64Array, off: number, len: number): boolean {
  for (let i = off, e = off + len; i < e; i++) if (x[i] - x[i] !== 0) return false;
  return true;
}

/** Whether the lower triangle (diagonal included) of the n×n matrix at `off` is finite. */
export function isFiniteLower(x: Float64Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = 0, r = off + i * n; j <= i; j++) if (x[r + j] - x[r + j] !== 0) return false;
  return true;
}

/** Per batch element: 1 when the m×n matrix has a non-finite entry (the lower triangle only when `lower`). */
export function nonFiniteMatrices(t: Tensor, lower = false): Uint8Array {
  const m = t.shape[t.ndim - 2], n = t.shape[t.ndim - 1];
  const nb = sizeOf(t.shape.slice(0, -2));
  const out = new Uint8Array(nb);
  for (let b = 0; b < nb; b++) out[b] = (lower ? isFiniteLower(t._data, b * m * n, n) : isFiniteRange(t._data, b * m * n, m * n)) ? 0 : 1;
  return out;
}

/** Leading (batch) shape of a matrix tensor. */
export function batchShape(t: Tensor): number[] {
  return t.shape.slice(0, -2) as number[];
}

export function rows(t: Tensor): number {
  return t.shape[t.ndim - 2];
}

export function cols(t: Tensor): number {
  return t.shape[t.ndim - 1];
}

/** Require a (batch of) matrices. */
export function needMatrix(op: string, t: Tensor, arg = "A"): void {
  if (t.ndim < 2)
    throw new ShapeError(op, `${arg} must be a matrix or a batch of matrices (at least 2 dimensions), got shape ${fmtShape(t.shape)}`);
}

/** Require a (batch of) square matrices. */
export function needSquare(op: string, t: Tensor, arg = "A"): void {
  needMatrix(op, t, arg);
  if (rows(t) !== cols(t))
    throw new ShapeError(op, `${arg} must be square (or a batch of square matrices), got shape ${fmtShape(t.shape)}`);
}

/**
 * Iterate over a broadcast batch: calls body(t, offsets) for t = 0..nb−1 with
 * the batch index of each operand (in units of whole matrices).
 */
export function forEachBatch(outBatch: readonly number[], batches: readonly (readonly number[])[], body: (t: number, idx: number[]) => void): void {
  const nb = sizeOf(outBatch);
  const strides = batches.map((b) => broadcastStrides(b, outBatch));
  const rank = outBatch.length;
  const pos = new Array<number>(rank).fill(0);
  const off = batches.map(() => 0);
  for (let t = 0; t < nb; t++) {
    body(t, off.slice());
    for (let ax = rank - 1; ax >= 0; ax--) {
      pos[ax]++;
      for (let k = 0; k < off.length; k++) off[k] += strides[k][ax];
      if (pos[ax] < outBatch[ax]) break;
      for (let k = 0; k < off.length; k++) off[k] -= strides[k][ax] * outBatch[ax];
      pos[ax] = 0;
    }
  }
}

/** Broadcast batch shape of several matrix tensors (ShapeError naming the op). */
export function broadcastBatch(op: string, ...ts: Tensor[]): number[] {
  let b: number[] = batchShape(ts[0]);
  for (let i = 1; i < ts.length; i++) b = broadcastShapes(op, b, batchShape(ts[i]));
  return b;
}

/** The n×n matrix number `i` of a batch, as a view. */
export function mat(data: Float64Array, i: number, m: number, n = m): Float64Array {
  return data.subarray(i * m * n, (i + 1) * m * n);
}

// ---------------------------------------------------------------------------
// Differentiable helpers

/** sym(M) = (M + Mᵀ)/2 over the last two axes (one fused, differentiable pass; M square). */
export function sym(m: Tensor): Tensor {
  return apply(rules.symPart, [m], null);
}

/** a + b with null as a symbolic zero. */
export function plus(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}

/** a − b with null as a symbolic zero. */
export function minus(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (b === null) return a;
  if (a === null) return neg(b);
  return sub(a, b);
}

/** A constant (non-differentiable) tensor from data. */
export function constant(data: Float64Array, shape: readonly number[]): Tensor {
  return new Tensor(data, shape);
}

/** Machine epsilon of float64 (2⁻⁵²). */
export const EPS = 2.220446049250313e-16;

/**
 * Reorder the rows of X [..., n, k] by a permutation per batch matrix
 * (`perm` concatenated over the flattened batch): row i of the result is row
 * perm[i] of X, or with `inverse` row perm[i] of the result is row i of X.
 * Differentiable (a take along the flattened rows).
 */
export function permuteRows(x: Tensor, perm: Int32Array, inverse: boolean): Tensor {
  const n = x.shape[x.ndim - 2], k = x.shape[x.ndim - 1];
  if (n === 0 || x.size === 0) return x;
  const nb = perm.length / n;
  if (nb !== sizeOf(batchShape(x))) throw new ShapeError("permuteRows", `internal: ${perm.length} pivots for a batch of shape ${fmtShape(x.shape)}`);
  const idx = new Int32Array(nb * n);
  let identity = true;
  for (let b = 0; b < nb; b++) {
    for (let i = 0; i < n; i++) {
      const p = perm[b * n + i];
      if (p !== i) identity = false;
      if (inverse) idx[b * n + p] = b * n + i;
      else idx[b * n + i] = b * n + p;
    }
  }
  if (identity) return x;
  return reshape(take(reshape(x, [nb * n, k]), idx, 0), x.shape);
}

/**
 * The constant permutation matrices M [...batch, n, n] with M[i, perm[i]] = 1
 * (`perm` concatenated over the flattened batch): M X = permuteRows(X, perm, false)
 * and Mᵀ X = permuteRows(X, perm, true).
 */
export function permutationRows(perm: Int32Array, n: number, batch: readonly number[]): Tensor {
  const out = new Float64Array(perm.length * n);
  for (let b = 0; b < perm.length / n; b++) for (let i = 0; i < n; i++) out[(b * n + i) * n + perm[b * n + i]] = 1;
  return new Tensor(out, [...batch, n, n]);
}

/**
 * Reorder rows by permutation matrices M from permutationRows (a tensor, so it
 * can be batched under vmap, where each example has its own permutation):
 * M X, or Mᵀ X with `inverse`. Multiplying by 0 and 1 is exact for finite X.
 */
export function permuteRowsBy(x: Tensor, m: Tensor, inverse: boolean): Tensor {
  return inverse ? matmulT(m, x, true, false) : matmul(m, x);
}

/**
 * Inspect the values behind xs: a value-dependent decision or error check of
 * a derivative rule (a degenerate point raising NonDifferentiableError, a
 * choice between two formulas). Under vmap the rules see batched tensors,
 * which have no values of their own: the physical tensors are unwrapped level
 * by level (innermost first), every input is given that level's batch axis
 * (unbatched ones are broadcast to it), so `fn` receives plain tensors with the
 * same leading batch axes, one per vmap level, before their logical shapes —
 * all examples at once. The check then raises exactly when the unbatched
 * check raises for one of the examples (its "batch element" is the index into
 * the flattened physical batch). Without vmap, `fn(xs)`.
 */
export function inspectValues<T>(xs: Tensor[], fn: (xs: Tensor[]) => T): T {
  const level = innermostBatchLevel(xs);
  if (level < 0) return fn(xs);
  let size = 0;
  for (const x of xs) if (x._bt !== null && x._bt.level === level) size = x._bt.size;
  const phys = xs.map((x) => (x._bt !== null && x._bt.level === level ? x._bt.value : withBatch(x, false, size)));
  return inspectValues(phys, fn);
}

/** The plain tensor behind t (t itself outside vmap): all batch axes leading, innermost level's last. */
export function plainOf(t: Tensor): Tensor {
  return inspectValues([t], ([p]) => p);
}

/** x[..., r0:r1, c0:c1] (null = the whole axis). Differentiable. */
export function block(x: Tensor, r: readonly [number, number] | null, c: readonly [number, number] | null): Tensor {
  const specs: SliceSpec[] = x.shape.slice(0, -2).map(() => null);
  specs.push(r, c);
  return slice(x, ...specs);
}
