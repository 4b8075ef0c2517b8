/**
 * Gather / scatter along one axis with an index array of the same rank
 * (PyTorch's gather, scatter, scatter_add, scatter_reduce): pure loops over
 * typed arrays. Index values are float64 numbers that must hold integers;
 * the kernels check and wrap them (−n ≤ i < n, negative counts from the end)
 * in the same pass that uses them, and report the first bad position instead
 * of reading out of bounds: the caller turns that into a typed error naming
 * its op.
 *
 * Layout, for `axis` a: the index (and the output of gather, the source of
 * scatter) has shape s; x has shape t with s[d] ≤ t[d] for d ≠ a. Entry p of
 * the index, at multi-index (i₀, …, i_{r−1}), addresses
 *   x[i₀, …, i_{a−1}, idx[p], i_{a+1}, …]
 * whose flat offset is base(outer) + idx[p]·stride_a + inner(c), with
 * base(outer) the offset of (i₀…i_{a−1}) in x and inner(c) the offset of
 * (i_{a+1}…) in x. When s and t agree past the axis (the usual case) inner(c)
 * is just c; otherwise a small table of inner offsets (one per inner index
 * position, never larger than the index) is built once.
 */
import { alloc, allocUninit, SMALL_MAX } from "./alloc.js";

/**
 * How scatter combines a source value with the value already there:
 * "overwrite" (the last write in row-major order of the index wins), "add",
 * "prod", "max" / "min" (NaN-propagating: a NaN anywhere at a target gives
 * NaN there).
 */
export type ScatterMode = "overwrite" | "add" | "prod" | "max" | "min";

/** The value a target starts from when x's own value is left out (include_self = false): the mode's identity. */
const IDENTITY: Record<ScatterMode, number> = { overwrite: 0, add: 0, prod: 1, max: -Infinity, min: Infinity };

/** Strides, the inner-offset table and the odometer shared by the kernels. */
interface Walk {
  /** outer positions (product of s[0..a)) and their x offsets */
  outerCount: number;
  /** entries along the axis in the index */
  k: number;
  /** inner positions per (outer, axis) entry (product of s(a..r)) */
  inner: number;
  /** x stride of the axis (= product of t(a..r)) */
  axisStride: number;
  /** x's size along the axis (for the range check) */
  n: number;
  /** x offsets of the inner positions, or null when they are 0, 1, 2, … (s and t agree past the axis) */
  innerOff: Int32Array | null;
  /** x offset of each outer position, or null when they are 0, n·axisStride, 2·n·axisStride, … (s and t agree before the axis) */
  outerOff: Int32Array | null;
}

/** The x offset of outer position o. */
const outerBase = (w: Walk, o: number): number => (w.outerOff === null ? o * w.n * w.axisStride : w.outerOff[o]);

/**
 * The x offsets of one row of index entries — p0 … p0 + inner − 1, one
 * (outer, axis) position, its outer block at x offset b — into
 * dst[d0 … d0 + inner), each entry checked and wrapped; returns the first
 * bad entry's position, or −1. The general (inner > 1) walk of every kernel
 * here: the targets of a row land in a scratch row (L1-sized) or, for
 * scatterTargets, in place.
 */
function rowTargets(w: Walk, idx: Float64Array, p0: number, b: number, dst: Int32Array, d0: number): number {
  const { inner, axisStride, n, innerOff } = w;
  for (let c = 0; c < inner; c++) {
    const j = wrap(idx[p0 + c], n);
    if (j < 0) return p0 + c;
    dst[d0 + c] = b + j * axisStride + (innerOff === null ? c : innerOff[c]);
  }
  return -1;
}

function walkOf(xShape: readonly number[], idxShape: readonly number[], axis: number): Walk {
  const r = idxShape.length;
  let axisStride = 1;
  for (let d = axis + 1; d < r; d++) axisStride *= xShape[d];
  let inner = 1, innerSame = true;
  for (let d = axis + 1; d < r; d++) {
    inner *= idxShape[d];
    if (idxShape[d] !== xShape[d]) innerSame = false;
  }
  let outerCount = 1, outerSame = true;
  for (let d = 0; d < axis; d++) {
    outerCount *= idxShape[d];
    if (idxShape[d] !== xShape[d]) outerSame = false;
  }
  // when s and t agree past the axis the inner offsets are 0, 1, 2, …; before it, the outer
  // positions are contiguous blocks of x of size n·axisStride: no tables then
  const innerOff = !innerSame && inner > 0 ? offsetsOf(xShape, idxShape, axis + 1, r, inner) : null;
  const outerOff = !outerSame && outerCount > 0 ? offsetsOf(xShape, idxShape, 0, axis, outerCount) : null;
  return { outerCount, k: idxShape[axis], inner, axisStride, n: xShape[axis], innerOff, outerOff };
}

/**
 * The offsets in x (row-major, shape xShape) of the `count` positions of the
 * index's axes [from, to) in row-major order (the other axes at 0): an
 * odometer over those axes of idxShape, stepping by x's strides.
 */
function offsetsOf(xShape: readonly number[], idxShape: readonly number[], from: number, to: number, count: number): Int32Array {
  const r = xShape.length;
  const xs = new Array<number>(r).fill(1);
  for (let d = r - 2; d >= 0; d--) xs[d] = xs[d + 1] * xShape[d + 1];
  const pos = new Array<number>(r).fill(0);
  const out = new Int32Array(count);
  let off = 0;
  for (let c = 0; c < count; c++) {
    out[c] = off;
    for (let d = to - 1; d >= from; d--) {
      pos[d]++;
      off += xs[d];
      if (pos[d] < idxShape[d]) break;
      off -= xs[d] * idxShape[d];
      pos[d] = 0;
    }
  }
  return out;
}

/**
 * The wrapped index value v into an axis of size n, or −1 when v is not an
 * integer in [−n, n). `v | 0` differs from v for NaN, fractions and anything
 * outside int32 (sizes are < 2³¹), so one comparison checks integrality; it
 * is the one test every loop below makes per index entry (small enough for
 * V8 to inline into them).
 */
function wrap(v: number, n: number): number {
  let j = v | 0;
  if (j !== v) return -1;
  if (j < 0) j += n;
  return j >= 0 && j < n ? j : -1;
}

/**
 * out[p] = x[offset of index entry p]; returns the output, or the flat
 * position of the first bad index entry (a number) when one is not an
 * integer in [−n, n).
 */
export function gatherAlong(
  x: Float64Array, xShape: readonly number[], axis: number, idx: Float64Array, idxShape: readonly number[],
): Float64Array | number {
  if (idxShape.length === 1) return gatherVector(x, idx, xShape[0]); // x is 1-D too (same rank)
  const out = allocUninit(idx.length); // every entry is written (or the output is dropped for the error)
  if (idx.length === 0) return out;
  const w = walkOf(xShape, idxShape, axis);
  const { k, inner, axisStride, n } = w;
  const tg = inner === 1 ? null : new Int32Array(inner);
  for (let o = 0, p = 0; o < w.outerCount; o++) {
    const base = outerBase(w, o);
    if (tg === null) {
      // the common 1-D / last-axis case: one index per output entry, the check inline
      for (const end = p + k; p < end; p++) {
        const j = wrap(idx[p], n);
        if (j < 0) return p;
        out[p] = x[base + j * axisStride];
      }
      continue;
    }
    for (let t = 0; t < k; t++, p += inner) {
      const bad = rowTargets(w, idx, p, base, tg, 0);
      if (bad >= 0) return bad;
      for (let c = 0; c < inner; c++) out[p + c] = x[tg[c]];
    }
  }
  return out;
}

/**
 * The 1-D gather, out[i] = x[wrap(idx[i])]: the float64 index read, its
 * check and the read of x per entry, nothing else. A loop of its own bounded
 * by idx.length (V8 then drops the bounds checks of idx[i] and out[i]; the
 * general walk's running position does not allow that), four entries per
 * step with one combined test (integral, ≥ 0, < n for all four): more
 * independent reads of x in flight per branch. Measured on Node 20, 1e6
 * entries: 3.3 → 2.2 ms (minimums of alternating runs), against 2.4 ms for
 * a plain unchecked Int32 loop over constant arrays. A step with a negative
 * or a bad entry is redone entry by entry (wrap, or report the first bad
 * position).
 */
function gatherVector(x: Float64Array, idx: Float64Array, n: number): Float64Array | number {
  const out = allocUninit(idx.length); // every entry is written (or the output is dropped for the error)
  const len = idx.length, m = len & ~3;
  let i = 0;
  while (i < len) {
    for (; i < m; i += 4) {
      const v0 = idx[i], v1 = idx[i + 1], v2 = idx[i + 2], v3 = idx[i + 3];
      const j0 = v0 | 0, j1 = v1 | 0, j2 = v2 | 0, j3 = v3 | 0;
      if (j0 !== v0 || j1 !== v1 || j2 !== v2 || j3 !== v3 || (j0 | j1 | j2 | j3) < 0 || j0 >= n || j1 >= n || j2 >= n || j3 >= n) break;
      out[i] = x[j0];
      out[i + 1] = x[j1];
      out[i + 2] = x[j2];
      out[i + 3] = x[j3];
    }
    for (const end = Math.min(i + 4, len); i < end; i++) {
      const v = idx[i];
      let j = v | 0;
      if (j !== v) return i;
      if (j < 0) j += n;
      if (j < 0 || j >= n) return i;
      out[i] = x[j];
    }
  }
  return out;
}

/**
 * A private copy of x, which the scatter then updates at random positions:
 * a slice above the pooled size, a pooled view below it. Not allocUninit
 * (Node's unzeroed Buffer memory): measured on Node 20, the random
 * read-modify-writes of a 1e6-entry scatter-add into such a copy took ≈ 2 ms
 * more (7.2–9.5 ms against 5.4–7.8 ms, minimums of alternating runs) than
 * into a slice or a zeroed array filled by set; sequential writes (gather's
 * output) show no such cost.
 */
function copyOf(x: Float64Array): Float64Array {
  if (x.length > SMALL_MAX) return x.slice();
  const out = alloc(x.length);
  out.set(x);
  return out;
}

/**
 * A copy of `base` (shape xShape) with src (shape idxShape, one value per
 * index entry) combined in at the indexed positions by `mode`. Returns the
 * output, or the flat position of the first bad index entry. With
 * `includeSelf` false (PyTorch's include_self = False) the indexed positions
 * start from the mode's identity instead of x's value: a first pass over
 * the targets, only then.
 */
export function scatterAlong(
  base: Float64Array, xShape: readonly number[], axis: number, idx: Float64Array, idxShape: readonly number[],
  src: Float64Array, mode: ScatterMode, includeSelf = true,
): Float64Array | number {
  const out = copyOf(base);
  if (idx.length === 0) return out;
  if (!includeSelf) {
    const tg = scatterTargets(xShape, axis, idx, idxShape);
    if (typeof tg === "number") return tg;
    const id = IDENTITY[mode];
    for (let p = 0; p < tg.length; p++) out[tg[p]] = id;
  }
  if (idxShape.length === 1 && mode === "add") return addVector(out, idx, src, xShape[0]);
  if (idxShape.length === 1 && mode === "overwrite") return writeVector(out, idx, src, xShape[0]);
  const w = walkOf(xShape, idxShape, axis);
  const { k, inner, axisStride, n } = w;
  const m = mode === "overwrite" ? 0 : mode === "add" ? 1 : mode === "max" ? 2 : mode === "min" ? 3 : 4;
  const tg = new Int32Array(inner === 1 && m <= 1 ? 0 : inner);
  for (let o = 0, p = 0; o < w.outerCount; o++) {
    const b = outerBase(w, o);
    if (tg.length === 0) {
      // the common 1-D / last-axis case of add and overwrite: one index per source entry, the check inline
      for (const end = p + k; p < end; p++) {
        const j = wrap(idx[p], n);
        if (j < 0) return p;
        if (m === 1) out[b + j * axisStride] += src[p];
        else out[b + j * axisStride] = src[p];
      }
      continue;
    }
    for (let t = 0; t < k; t++, p += inner) {
      const bad = rowTargets(w, idx, p, b, tg, 0);
      if (bad >= 0) return bad;
      for (let c = 0; c < inner; c++) {
        const q = tg[c], v = src[p + c];
        if (m === 1) out[q] += v;
        else if (m === 0) out[q] = v;
        else if (m === 2) { if (v > out[q] || v !== v) out[q] = v; }
        else if (m === 3) { if (v < out[q] || v !== v) out[q] = v; }
        else out[q] *= v;
      }
    }
  }
  return out;
}

/**
 * The 1-D scatter-add into out (already a copy of x, n entries):
 * out[wrap(idx[i])] += src[i], in index order. As gatherVector: a loop of
 * its own bounded by idx.length, four entries per step under one combined
 * test, a step with a negative or bad entry redone entry by entry. Measured
 * on Node 20, 1e6 entries: 6.8 → 5.1 ms (first quartiles of alternating
 * runs). The four updates keep their order, so repeated targets sum in the
 * same order as one by one (bit-identical results).
 */
function addVector(out: Float64Array, idx: Float64Array, src: Float64Array, n: number): Float64Array | number {
  const len = idx.length, m = len & ~3;
  let i = 0;
  while (i < len) {
    for (; i < m; i += 4) {
      const v0 = idx[i], v1 = idx[i + 1], v2 = idx[i + 2], v3 = idx[i + 3];
      const j0 = v0 | 0, j1 = v1 | 0, j2 = v2 | 0, j3 = v3 | 0;
      if (j0 !== v0 || j1 !== v1 || j2 !== v2 || j3 !== v3 || (j0 | j1 | j2 | j3) < 0 || j0 >= n || j1 >= n || j2 >= n || j3 >= n) break;
      out[j0] += src[i];
      out[j1] += src[i + 1];
      out[j2] += src[i + 2];
      out[j3] += src[i + 3];
    }
    for (const end = Math.min(i + 4, len); i < end; i++) {
      const v = idx[i];
      let j = v | 0;
      if (j !== v) return i;
      if (j < 0) j += n;
      if (j < 0 || j >= n) return i;
      out[j] += src[i];
    }
  }
  return out;
}

/** The 1-D overwriting scatter into out (a copy of x): out[wrap(idx[i])] = src[i] in index order, the last write winning; steps of four as addVector. */
function writeVector(out: Float64Array, idx: Float64Array, src: Float64Array, n: number): Float64Array | number {
  const len = idx.length, m = len & ~3;
  let i = 0;
  while (i < len) {
    for (; i < m; i += 4) {
      const v0 = idx[i], v1 = idx[i + 1], v2 = idx[i + 2], v3 = idx[i + 3];
      const j0 = v0 | 0, j1 = v1 | 0, j2 = v2 | 0, j3 = v3 | 0;
      if (j0 !== v0 || j1 !== v1 || j2 !== v2 || j3 !== v3 || (j0 | j1 | j2 | j3) < 0 || j0 >= n || j1 >= n || j2 >= n || j3 >= n) break;
      out[j0] = src[i];
      out[j1] = src[i + 1];
      out[j2] = src[i + 2];
      out[j3] = src[i + 3];
    }
    for (const end = Math.min(i + 4, len); i < end; i++) {
      const v = idx[i];
      let j = v | 0;
      if (j !== v) return i;
      if (j < 0) j += n;
      if (j < 0 || j >= n) return i;
      out[j] = src[i];
    }
  }
  return out;
}

/**
 * The flat offset in x of every index entry (Int32Array of the index's
 * size), or the flat position of the first bad index entry. For the
 * derivative helpers (winners of an overwrite, tie weights of max / min),
 * which walk the targets more than once.
 */
export function scatterTargets(xShape: readonly number[], axis: number, idx: Float64Array, idxShape: readonly number[]): Int32Array | number {
  const out = new Int32Array(idx.length);
  if (idx.length === 0) return out;
  const w = walkOf(xShape, idxShape, axis);
  for (let o = 0, p = 0; o < w.outerCount; o++) {
    const b = outerBase(w, o);
    for (let t = 0; t < w.k; t++, p += w.inner) {
      const bad = rowTargets(w, idx, p, b, out, p);
      if (bad >= 0) return bad;
    }
  }
  return out;
}

/**
 * 1 at the index entries whose write survives an overwriting scatter into x
 * of `xSize` entries (the last one, in row-major order, of the entries with
 * one target), 0 at the overwritten ones. `targets` from scatterTargets.
 */
export function scatterWinners(targets: Int32Array, xSize: number): Float64Array {
  const out = alloc(targets.length);
  const claimed = new Uint8Array(xSize);
  // walking backwards, the first time a target is met is its last write going forwards
  for (let p = targets.length - 1; p >= 0; p--) {
    const q = targets[p];
    if (claimed[q] === 0) {
      claimed[q] = 1;
      out[p] = 1;
    }
  }
  return out;
}

/**
 * Tie weights of a scatter max / min: with out the result, the entries equal
 * to out at their target (x's own value included, unless `includeSelf` is
 * false and the position is a target) share the derivative evenly —
 * wx[q] = [x[q] = out[q]] / count[q], ws[p] = [src[p] = out[target p]] /
 * count[target p]. A NaN result has no equal entry: count 0, weights NaN (a
 * NaN derivative at a NaN value).
 */
export function extremumWeights(
  x: Float64Array, targets: Int32Array, src: Float64Array, out: Float64Array, includeSelf = true,
): { wx: Float64Array; ws: Float64Array } {
  const count = alloc(x.length);
  for (let q = 0; q < x.length; q++) count[q] = x[q] === out[q] ? 1 : 0;
  // without x's own value, a target's x entry takes no part: its weight is 0 (count reset, then x not counted)
  const own = includeSelf ? null : new Uint8Array(x.length).fill(1);
  if (own !== null) for (let p = 0; p < targets.length; p++) { own[targets[p]] = 0; count[targets[p]] = 0; }
  for (let p = 0; p < targets.length; p++) if (src[p] === out[targets[p]]) count[targets[p]]++;
  const wx = alloc(x.length), ws = alloc(targets.length);
  for (let q = 0; q < x.length; q++) wx[q] = own !== null && own[q] === 0 ? 0 : (x[q] === out[q] ? 1 : 0) / count[q];
  for (let p = 0; p < targets.length; p++) {
    const q = targets[p];
    ws[p] = (src[p] === out[q] ? 1 : 0) / count[q];
  }
  return { wx, ws };
}

/**
 * The multi-indices of the nonzero entries of x (shape `shape`), row-major:
 * an [nnz, rank] array of integers. NaN counts as nonzero (it is not 0), as
 * in PyTorch.
 */
export function nonzeroIndices(x: Float64Array, shape: readonly number[]): { data: Float64Array; count: number } {
  const r = shape.length;
  let count = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) count++;
  const out = alloc(count * r);
  if (count === 0 || r === 0) return { data: out, count };
  const pos = new Array<number>(r).fill(0);
  let q = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== 0) for (let d = 0; d < r; d++) out[q++] = pos[d];
    for (let d = r - 1; d >= 0; d--) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
  return { data: out, count };
}
