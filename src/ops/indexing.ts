/**
 * Indexing with index tensors and masks, after PyTorch: indexSelect,
 * multi-axis advanced indexing (`index`, PyTorch's x[...]), maskedSelect,
 * maskedFill, gather, scatter (overwrite, or reduce "sum" / "prod" / "mean" /
 * "amax" / "amin"), scatterAdd, indexAdd and nonzero — all functional (a new tensor,
 * never in place).
 *
 * dtype story (docs/tensors.md): matgrad is float64 only, so index results
 * (nonzero) are float64 tensors holding integers (exact below 2⁵³) and index
 * arguments are a tensor of integer values, a (nested) array of integers or
 * an integer typed array. A fractional, NaN or out-of-range entry raises an
 * ArgumentError naming the op, the argument and the entry — never truncated;
 * negative entries count from the end as in PyTorch (−n … −1), below −n is
 * an error. Masks are float64 tensors of 0 and 1 (what the comparisons gt,
 * eq, … return); another value in a mask is an error.
 *
 * Derivatives: gather, take, indexSelect, index and maskedSelect send the
 * cotangent back to the positions read (scatter-add: repeated indices
 * accumulate); scatterAdd and indexAdd pass it to x unchanged and gather it
 * for the source; scatter (overwrite) zeroes it at the overwritten positions
 * of x and gives it to the source entries whose write survived (the last one
 * in row-major order of the index, the value actually computed); maskedFill
 * zeroes it where the mask is 1 and sums it there for a tensor value.
 * Indices and masks are never differentiated.
 */
import { Tensor, type NestedArray } from "../tensor/tensor.js";
import { tensorArg, fromNested, zeros, ones, full, arange } from "../tensor/create.js";
import { broadcastShapes, fmtShape, sizeOf, type Shape } from "../tensor/shape.js";
import { ArgumentError, BatchingError, ShapeError } from "../errors.js";
import { checkInt, checkNumber, checkOptions, describe } from "../validate.js";
import { apply } from "./dispatch.js";
import { rules } from "./registry.js";
import { add, div, eq, mul, permute, reshape, slice, where, broadcastTo, type SliceSpec, type TensorLike } from "./api.js";
import { nonzeroIndices } from "../kernels/gather.js";
import { badIndexEntry, checkedIndices, wrappedIndices } from "./index-args.js";

/** Integer typed arrays accepted as index lists (a Float64Array of integers works too). */
export type IntegerTypedArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/**
 * An index argument: a tensor of integer values (float64), a number, a
 * (nested) array of integers, or an integer typed array (a 1-D list).
 */
export type IndexLike = Tensor | NestedArray | IntegerTypedArray | Float64Array;

/** A slice of one axis in {@link index}: Python's start:stop:step (each optional; negative counts from the end). */
export interface IndexSlice {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}

/** Nested arrays of booleans (a mask written as literal data). */
export type NestedBooleans = boolean | NestedBooleans[];

/** A mask argument: a float64 tensor of 0 / 1 (what the comparisons return), nested 0/1 numbers or nested booleans. */
export type MaskLike = Tensor | NestedArray | readonly NestedBooleans[];

/** A boolean mask in {@link index}: a float64 tensor of 0 / 1 or nested booleans, covering as many axes as it has. */
export interface IndexMask {
  mask: Tensor | readonly NestedBooleans[];
}

/**
 * One entry of {@link index}'s specification (PyTorch's x[...]):
 * - `null`: the whole axis (`:`);
 * - a number: one position (the axis is dropped);
 * - `{ start, stop, step }`: a slice (`start:stop:step`);
 * - a tensor of integers, a (nested) number array or an integer typed array: an advanced index;
 * - an array of booleans, or `{ mask }`: a boolean mask over as many axes as it has.
 */
export type IndexSpec = null | number | IndexSlice | IndexMask | Tensor | readonly NestedArray[] | readonly NestedBooleans[] | IntegerTypedArray | Float64Array;

const INDEX_EXPECTED = "a tensor of integers, an array of integers or an integer typed array";

/** The tensor of an index argument (values are checked where they are used). */
function indexTensor(op: string, arg: string, v: unknown): Tensor {
  if (v instanceof Tensor) return tensorArg(v, op, arg);
  if (typeof v === "number") return new Tensor(Float64Array.of(v), []);
  // a number typed array (a 1-D list): one converting copy (the tensor owns its values), no element walk
  if (v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint32Array || v instanceof Int16Array ||
    v instanceof Uint16Array || v instanceof Int8Array || v instanceof Uint8Array || v instanceof Uint8ClampedArray)
    return new Tensor(new Float64Array(v), [v.length]);
  if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) return fromNested(v, op, arg);
  throw new ArgumentError(op, `argument ${arg} must be ${INDEX_EXPECTED}; got ${describe(v)}`);
}

/** The entries of a list of indices into an axis of size n, checked and wrapped (negative from the end). */
function indexList(op: string, arg: string, idx: Tensor, n: number, axisText: string): Int32Array {
  return checkedIndices(op, arg, idx._data, n, axisText);
}

/** An axis argument: an integer in [−rank, rank). */
function axisArg(op: string, axis: unknown, rank: number): number {
  checkInt(op, "argument axis", axis);
  const a = (axis as number) < 0 ? (axis as number) + rank : (axis as number);
  if (a < 0 || a >= rank) throw new ArgumentError(op, `argument axis is ${axis as number}, out of range for a tensor of rank ${rank}; expected an integer in [${-rank}, ${rank - 1}]`);
  return a;
}

/** A 0/1 mask's tensor; its values are checked when they can be read (not a batched tensor under vmap). */
function maskTensor(op: string, arg: string, v: unknown): Tensor {
  let m: Tensor;
  if (v instanceof Tensor) m = tensorArg(v, op, arg);
  else if (Array.isArray(v)) m = booleansOrNumbers(op, arg, v);
  else throw new ArgumentError(op, `argument ${arg} must be a mask: a tensor of 0 and 1 (as the comparisons return) or nested arrays of booleans; got ${describe(v)}`);
  if (m._bt === null) {
    const d = m._data;
    for (let i = 0; i < d.length; i++)
      if (d[i] !== 0 && d[i] !== 1)
        throw new ArgumentError(op, `argument ${arg} must hold 0 and 1 only (a boolean mask as float64); got ${d[i]} at flat position ${i} (shape ${fmtShape(m.shape)})`);
  }
  return m;
}

/** Nested booleans (or 0/1 numbers) as a float64 tensor. */
function booleansOrNumbers(op: string, arg: string, v: readonly unknown[]): Tensor {
  const conv = (a: unknown): unknown => (typeof a === "boolean" ? (a ? 1 : 0) : Array.isArray(a) ? a.map(conv) : a);
  return fromNested(conv(v), op, arg);
}

/** A copy-free reshape of a 0-d tensor to one entry (the primitives work on rank ≥ 1). */
const atLeast1 = (t: Tensor): Tensor => (t.ndim === 0 ? reshape(t, [1]) : t);

// ---------------------------------------------------------------------------
// gather / scatter

/**
 * Checks shared by gather and the scatters: index has x's rank (0-d counts as
 * one axis) and fits in x on every axis but `axis`.
 */
function checkAlong(op: string, x: Tensor, idx: Tensor, a: number): void {
  const xs = x.ndim === 0 ? [1] : x.shape, is = idx.ndim === 0 ? [1] : idx.shape;
  if (xs.length !== is.length)
    throw new ShapeError(op, `argument index must have as many axes as x: index shape ${fmtShape(idx.shape)}, x shape ${fmtShape(x.shape)}`);
  for (let d = 0; d < xs.length; d++)
    if (d !== a && is[d] > xs[d])
      throw new ShapeError(op, `argument index has ${is[d]} entries along axis ${d}, more than x's ${xs[d]} (index shape ${fmtShape(idx.shape)}, x shape ${fmtShape(x.shape)}); on every axis but ${a} the index must fit in x`);
}

/**
 * PyTorch's gather: out[i][j][k] = x[i][index[i][j][k]][k] for axis 1 (and
 * likewise for other axes). index has x's rank, at most x's size on every
 * other axis, and gives the output's shape. Derivative: the cotangent is
 * scatter-added back (repeated indices accumulate); the index is not
 * differentiated.
 */
export function gather(x: TensorLike, axis: number, index: IndexLike): Tensor {
  const t = tensorArg(x, "gather", "x");
  const a = axisArg("gather", axis, Math.max(t.ndim, 1));
  if (t.ndim === 1 && index instanceof Int32Array) {
    // a 1-D gather with an Int32Array is a take: the list is range-checked and wrapped as int32 (no
    // float64 copy of it for an index tensor), then one read pass; the error is gather's own
    const n = t.shape[0], list = wrappedIndices(index, n);
    if (typeof list === "number")
      throw badIndexEntry("gather", "index", index[list], `[${list}]`, "axis 0", n, `index shape [${index.length}], x shape [${n}]`);
    return apply(rules.take, [t], { axis: 0, indices: list, n });
  }
  const idx = indexTensor("gather", "index", index);
  checkAlong("gather", t, idx, a);
  const out = apply(rules.gather, [atLeast1(t), atLeast1(idx)], { axis: a, op: "gather" });
  return idx.ndim === 0 ? reshape(out, []) : out;
}

/** The source of a scatter: src (or a number filling the index's shape) cut to the index's shape as PyTorch reads it. */
function scatterSource(op: string, idx: Tensor, src: unknown): Tensor {
  if (typeof src === "number") return full(idx.shape, src);
  const s = tensorArg(src, op, "src");
  const ss = s.ndim === 0 ? [1] : s.shape, is = idx.ndim === 0 ? [1] : idx.shape;
  if (ss.length !== is.length)
    throw new ShapeError(op, `argument src must have as many axes as index: src shape ${fmtShape(s.shape)}, index shape ${fmtShape(idx.shape)}`);
  for (let d = 0; d < is.length; d++)
    if (is[d] > ss[d])
      throw new ShapeError(op, `argument src has ${ss[d]} entries along axis ${d}, fewer than index's ${is[d]} (src shape ${fmtShape(s.shape)}, index shape ${fmtShape(idx.shape)})`);
  // PyTorch reads src only where the index has entries: the leading block of the index's shape
  if (ss.every((n, d) => n === is[d])) return s;
  return slice(atLeast1(s), ...is.map((n): SliceSpec => [0, n]));
}

function scatterArgs(op: string, x: TensorLike, axis: number, index: IndexLike, src: unknown): [Tensor, Tensor, Tensor, number] {
  const t = tensorArg(x, op, "x");
  const a = axisArg(op, axis, Math.max(t.ndim, 1));
  const idx = indexTensor(op, "index", index);
  checkAlong(op, t, idx, a);
  const s = scatterSource(op, idx, src);
  return [atLeast1(t), atLeast1(idx), atLeast1(s), a];
}

const back = (out: Tensor, x: TensorLike): Tensor => ((x as Tensor).ndim === 0 ? reshape(out, []) : out);

/**
 * PyTorch's scatter_add, functional: a copy of x with src[i][j][k] added at
 * x[i][index[i][j][k]][k] (axis 1; likewise for others); repeated indices
 * accumulate. src has index's rank and at least its size on every axis (only
 * the leading index-shaped block is read). Derivative: x̄ = ct,
 * src̄ = gather(ct, axis, index).
 */
export function scatterAdd(x: TensorLike, axis: number, index: IndexLike, src: TensorLike): Tensor {
  const [t, idx, s, a] = scatterArgs("scatterAdd", x, axis, index, src);
  return back(apply(rules.scatterAdd, [t, idx, s], { axis: a, op: "scatterAdd" }), tensorArg(x, "scatterAdd", "x"));
}

/**
 * How {@link scatter} combines: PyTorch's scatter_reduce names ("add" and "multiply" are PyTorch's
 * scatter names for "sum" and "prod").
 */
export type ScatterReduce = "sum" | "add" | "prod" | "multiply" | "mean" | "amax" | "amin";

/** Options of {@link scatter}. */
export interface ScatterOptions {
  /** Combine instead of overwrite: "sum" (= scatterAdd), "prod", "mean", "amax", "amin". */
  reduce?: ScatterReduce;
  /**
   * With `reduce`: whether x's own value at an indexed position takes part (PyTorch's include_self,
   * default true). False: an indexed position gets the reduction of its sources only; the others keep x.
   */
  includeSelf?: boolean;
}

const REDUCES: readonly ScatterReduce[] = ["sum", "add", "prod", "multiply", "mean", "amax", "amin"];

/**
 * PyTorch's scatter, functional: a copy of x with x[i][index[i][j][k]][k] =
 * src[i][j][k] (axis 1; likewise for others); src may be a number. With
 * repeated indices PyTorch leaves the result unspecified; here the last write
 * in row-major order of the index wins, and the derivative follows that
 * value: x̄ is ct with the overwritten positions zeroed, src̄ is gather(ct)
 * at the surviving entries and 0 at the overwritten ones.
 *
 * `reduce` (PyTorch's scatter_reduce) combines instead: "sum" (or "add"),
 * "prod" (or "multiply"), "mean", "amax", "amin"; x's own value takes part
 * (as one entry of the mean) unless `includeSelf` is false, when an indexed
 * position gets the reduction of its sources alone. Derivatives: tied
 * entries of amax / amin (x's own included when it takes part) share the
 * derivative evenly; a factor of prod gets the product of the other factors
 * of its position, exact with zeros (no 0/0) and to second order whatever the
 * number of zeros, to every order with at most two zeros per position.
 */
export function scatter(x: TensorLike, axis: number, index: IndexLike, src: TensorLike, options?: ScatterOptions): Tensor {
  const op = "scatter";
  const o = checkOptions(op, options, ["reduce", "includeSelf"]);
  const reduce = o.reduce;
  if (reduce !== undefined && !REDUCES.includes(reduce))
    throw new ArgumentError(op, `option reduce must be one of ${REDUCES.map((r) => `"${r}"`).join(", ")}; got ${describe(reduce)}`);
  if (o.includeSelf !== undefined && typeof o.includeSelf !== "boolean")
    throw new ArgumentError(op, `option includeSelf must be true or false; got ${describe(o.includeSelf)}`);
  if (o.includeSelf !== undefined && reduce === undefined)
    throw new ArgumentError(op, `option includeSelf needs option reduce (it says whether x's own value takes part in the reduction; an overwriting scatter has none)`);
  const self = o.includeSelf !== false;
  const [t, idx, s, a] = scatterArgs(op, x, axis, index, src);
  // include_self = false for sum / prod / mean: the indexed positions of x first overwritten by the
  // reduction's identity (an overwriting scatter of a constant: x's derivative there is 0), then reduced
  const base = (identity: number): Tensor => (self ? t : apply(rules.scatter, [t, idx, full(idx.shape, identity)], { axis: a, op }));
  let out: Tensor;
  if (reduce === undefined) out = apply(rules.scatter, [t, idx, s], { axis: a, op });
  else if (reduce === "sum" || reduce === "add") out = apply(rules.scatterAdd, [base(0), idx, s], { axis: a, op });
  else if (reduce === "prod" || reduce === "multiply") out = apply(rules.scatterProd, [base(1), idx, s], { axis: a, op });
  else if (reduce === "mean") {
    // (x + Σ src) / (1 + count), or Σ src / count without x (x itself where nothing is written):
    // the count of writes per target is a constant
    const count = apply(rules.scatterAdd, [zeros(t.shape), idx, ones(idx.shape)], { axis: a, op });
    const divisor = self ? add(count, 1) : where(eq(count, 0), 1, count);
    out = div(apply(rules.scatterAdd, [base(0), idx, s], { axis: a, op }), divisor);
  } else out = apply(rules.scatterExtremum, [t, idx, s], { axis: a, max: reduce === "amax", self, op });
  return back(out, tensorArg(x, op, "x"));
}

// ---------------------------------------------------------------------------
// index lists along one axis

/** A 1-D (or 0-d: one entry) index list along axis a of x, checked and wrapped. */
function axisIndexList(op: string, t: Tensor, a: number, index: unknown): Int32Array {
  const idx = indexTensor(op, "index", index);
  if (idx.ndim > 1) throw new ShapeError(op, `argument index must be a list of indices (0-d or 1-D); got shape ${fmtShape(idx.shape)}`);
  const n = t.ndim === 0 ? 1 : t.shape[a];
  return indexList(op, "index", idx, n, `axis ${a}`);
}

/**
 * An index list that is a batched tensor under vmap (its values differ per
 * example and cannot be read here), shaped to x's rank with its entries on
 * axis a (1 elsewhere) for gather / scatterAdd, whose kernels check the
 * entries; null for a concrete list (the fast take / untake path).
 */
function batchedList(op: string, t: Tensor, a: number, index: unknown): Tensor | null {
  if (!(index instanceof Tensor) || index._bt === null) return null;
  if (index.ndim > 1) throw new ShapeError(op, `argument index must be a list of indices (0-d or 1-D); got shape ${fmtShape(index.shape)}`);
  const k = index.ndim === 0 ? 1 : index.shape[0];
  const shape = (t.ndim === 0 ? [1] : t.shape).map((d, i) => (i === a ? k : 1));
  const col = reshape(index, shape);
  if (t.ndim === 0 && k !== 1) throw new ShapeError(op, `a 0-d x takes an index of one entry; got ${k}`);
  return broadcastTo(col, (t.ndim === 0 ? [1] : t.shape).map((d, i) => (i === a ? k : d)));
}

/**
 * PyTorch's index_select: the entries at `index` (a list) along `axis`; the
 * result keeps x's rank, with index's length on that axis. Negative indices
 * count from the end. Derivative: scatter-add back (repeats accumulate).
 */
export function indexSelect(x: TensorLike, axis: number, index: IndexLike): Tensor {
  const op = "indexSelect";
  const t = tensorArg(x, op, "x");
  const a = axisArg(op, axis, Math.max(t.ndim, 1));
  const batched = batchedList(op, t, a, index);
  if (batched !== null) {
    const out = apply(rules.gather, [atLeast1(t), batched], { axis: a, op });
    return t.ndim === 0 ? reshape(out, []) : out;
  }
  // a 1-D x and an index tensor: the gather kernel checks and reads in one pass (take would first
  // convert the whole list to checked int32 offsets, a second pass and array)
  if (t.ndim === 1 && index instanceof Tensor && index.ndim === 1)
    return apply(rules.gather, [t, index], { axis: 0, op, arg: { name: "index", axis: 0 } });
  const list = axisIndexList(op, t, a, index);
  if (t.ndim === 0) {
    if (list.length !== 1) throw new ShapeError(op, `a 0-d x takes an index of one entry; got ${list.length}`);
    return t;
  }
  return apply(rules.take, [t], { axis: a, indices: list, n: t.shape[a] });
}

/** Options of {@link indexAdd}. */
export interface IndexAddOptions {
  /** Factor of the source (default 1). */
  alpha?: number;
}

/**
 * PyTorch's index_add, functional: a copy of x with alpha·source[…, i, …]
 * added at x[…, index[i], …] along `axis` (repeated indices accumulate).
 * source has x's shape with index's length on `axis`. Derivative: x̄ = ct,
 * sourcē = alpha·ct at the indexed positions.
 */
export function indexAdd(x: TensorLike, axis: number, index: IndexLike, source: TensorLike, options?: IndexAddOptions): Tensor {
  const op = "indexAdd";
  const t = tensorArg(x, op, "x");
  const a = axisArg(op, axis, Math.max(t.ndim, 1));
  const batched = batchedList(op, t, a, index);
  const list = batched === null ? axisIndexList(op, t, a, index) : new Int32Array(batched.shape[a]);
  const s = tensorArg(source, op, "source");
  const o = checkOptions(op, options, ["alpha"]);
  const alpha = o.alpha === undefined ? 1 : checkNumber(op, "option alpha", o.alpha);
  const xs = t.ndim === 0 ? [1] : t.shape;
  const want = xs.slice();
  want[a] = list.length;
  const ss = s.ndim === 0 && t.ndim === 0 ? [1] : s.shape;
  if (ss.length !== want.length || ss.some((d, i) => d !== want[i]))
    throw new ShapeError(op, `argument source must have shape ${fmtShape(t.ndim === 0 ? [] : want)} (x's shape with the index's length ${list.length} on axis ${a}); got ${fmtShape(s.shape)}`);
  const scaled = alpha === 1 ? s : mul(s, alpha);
  if (batched !== null) {
    // an index batched under vmap (values unknown here): scatter-add with the list spread over source's shape
    const out = apply(rules.scatterAdd, [atLeast1(t), batched, atLeast1(scaled)], { axis: a, op });
    return t.ndim === 0 ? reshape(out, []) : out;
  }
  const added = apply(rules.untake, [atLeast1(scaled)], { axis: a, indices: list, n: xs[a] });
  return add(t, t.ndim === 0 ? reshape(added, []) : added);
}

// ---------------------------------------------------------------------------
// masks

/**
 * PyTorch's masked_fill, functional: x with `value` where the mask is 1. The
 * mask (0 / 1, as the comparisons return) broadcasts to x's shape; value is
 * a number or a 0-d tensor. Derivative: x̄ = ct where the mask is 0 (zeroed
 * where it is 1); a tensor value gets the sum of ct over the masked entries.
 */
export function maskedFill(x: TensorLike, mask: MaskLike, value: TensorLike): Tensor {
  const op = "maskedFill";
  const t = tensorArg(x, op, "x");
  const m = maskTensor(op, "mask", mask);
  const v = typeof value === "number" ? value : tensorArg(value, op, "value");
  if (v instanceof Tensor && v.ndim !== 0)
    throw new ShapeError(op, `argument value must be a number or a 0-d tensor; got a tensor of shape ${fmtShape(v.shape)}`);
  const shape = broadcastShapes(op, t.shape, m.shape);
  if (shape.length !== t.ndim || shape.some((d, i) => d !== t.shape[i]))
    throw new ShapeError(op, `argument mask of shape ${fmtShape(m.shape)} does not broadcast to x's shape ${fmtShape(t.shape)}`);
  return where(m, v, t);
}

/** The flat positions of the nonzero entries of a 0/1 tensor. */
function positions(m: Float64Array): Int32Array {
  let n = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) n++;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) out[k++] = i;
  return out;
}

/**
 * PyTorch's masked_select: the entries of x where the mask is 1, as a 1-D
 * tensor in row-major order; x and the mask broadcast together. Derivative:
 * the cotangent goes back to the selected positions (summed over broadcast
 * copies). Its length depends on the mask's values, so it cannot run under
 * vmap with a batched mask.
 */
export function maskedSelect(x: TensorLike, mask: MaskLike): Tensor {
  const op = "maskedSelect";
  const t = tensorArg(x, op, "x");
  const m = maskTensor(op, "mask", mask);
  const shape = broadcastShapes(op, t.shape, m.shape);
  const mb = m.ndim === shape.length && m.shape.every((d, i) => d === shape[i]) ? m : broadcastTo(m, shape);
  const list = positions(mb._data);
  const n = sizeOf(shape);
  const flat = reshape(t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : broadcastTo(t, shape), [n]);
  return apply(rules.take, [flat], { axis: 0, indices: list, n });
}

/** Options of {@link nonzero}. */
export interface NonzeroOptions {
  /** Return one 1-D tensor of indices per axis instead of one [count, rank] tensor. */
  asTuple?: boolean;
}

/**
 * PyTorch's nonzero: the multi-indices of the nonzero entries of x in
 * row-major order, as a [count, rank] float64 tensor of integers — or, with
 * `asTuple`, one 1-D tensor per axis (a 0-d x counts as 1-D, as in
 * PyTorch). NaN is nonzero. The result is a constant (not differentiable).
 */
export function nonzero(x: TensorLike, options: NonzeroOptions & { asTuple: true }): Tensor[];
export function nonzero(x: TensorLike, options?: NonzeroOptions & { asTuple?: false }): Tensor;
export function nonzero(x: TensorLike, options?: NonzeroOptions): Tensor | Tensor[];
export function nonzero(x: TensorLike, options?: NonzeroOptions): Tensor | Tensor[] {
  const op = "nonzero";
  const t = tensorArg(x, op, "x");
  const o = checkOptions(op, options, ["asTuple"]);
  if (o.asTuple !== undefined && typeof o.asTuple !== "boolean") throw new ArgumentError(op, `option asTuple must be true or false; got ${describe(o.asTuple)}`);
  const { data, count } = nonzeroIndices(t._data, t.shape);
  const r = t.ndim;
  if (o.asTuple !== true) return new Tensor(data, [count, r]);
  if (r === 0) return [new Tensor(new Float64Array(count), [count])];
  const cols: Tensor[] = [];
  for (let d = 0; d < r; d++) {
    const c = new Float64Array(count);
    for (let i = 0; i < count; i++) c[i] = data[i * r + d];
    cols.push(new Tensor(c, [count]));
  }
  return cols;
}

// ---------------------------------------------------------------------------
// advanced indexing

/** One parsed spec of `index`. */
type Parsed =
  | { kind: "full" }
  | { kind: "int"; i: number }
  | { kind: "slice"; range: [number | null, number | null, number | null] }
  | { kind: "adv"; lists: Tensor[]; axes: number; at: number };

const isIntegerTyped = (v: unknown): boolean => ArrayBuffer.isView(v) && !(v instanceof DataView);

function parseSpec(op: string, s: unknown, i: number, x: Tensor, axis: number): Parsed {
  const arg = `specs[${i}]`;
  const dim = (k: number): number => (axis + k < x.ndim ? x.shape[axis + k] : 0);
  if (s === null || s === undefined) return { kind: "full" };
  if (typeof s === "number") {
    const n = dim(0);
    if (!Number.isInteger(s) || s < -n || s >= n) {
      const what = Number.isInteger(s) ? "is out of range" : "is not an integer";
      throw new ArgumentError(op, `argument ${arg} is the index ${s}, which ${what} for axis ${axis} of size ${n}; expected an integer in [${-n}, ${n - 1}]`);
    }
    return { kind: "int", i: s < 0 ? s + n : s };
  }
  if (s instanceof Tensor || isIntegerTyped(s) || (Array.isArray(s) && !containsBoolean(s))) {
    const t = indexTensor(op, arg, s);
    return { kind: "adv", lists: [t], axes: 1, at: i };
  }
  if (Array.isArray(s) || (typeof s === "object" && s !== null && "mask" in s)) {
    const raw = Array.isArray(s) ? s : (s as IndexMask).mask;
    if (!Array.isArray(s)) checkOptions(op, s as IndexMask, ["mask"], arg);
    const m = maskTensor(op, Array.isArray(s) ? arg : `${arg}.mask`, raw);
    if (m.ndim === 0) throw new ArgumentError(op, `argument ${arg} is a 0-d mask; a mask needs at least one axis`);
    if (m._bt !== null)
      throw new BatchingError(op, `argument ${Array.isArray(s) ? arg : `${arg}.mask`} is a boolean mask batched under vmap: its count of ones decides the result's shape, which would differ between examples; use where / maskedFill, or an integer index tensor (its shape is the result's)`);
    const want = x.shape.slice(axis, axis + m.ndim);
    if (axis + m.ndim > x.ndim || m.shape.some((d, k) => d !== want[k]))
      throw new ShapeError(op, `argument ${arg} is a mask of shape ${fmtShape(m.shape)}, which does not match x's axes ${axis}…${axis + m.ndim - 1} of shape ${fmtShape(want)} (x shape ${fmtShape(x.shape)})`);
    // a k-axis mask is k index lists: the multi-indices of its ones (nonzero)
    const { data, count } = nonzeroIndices(m._data, m.shape);
    const lists: Tensor[] = [];
    for (let d = 0; d < m.ndim; d++) {
      const c = new Float64Array(count);
      for (let q = 0; q < count; q++) c[q] = data[q * m.ndim + d];
      lists.push(new Tensor(c, [count]));
    }
    return { kind: "adv", lists, axes: m.ndim, at: i };
  }
  if (typeof s === "object") {
    const o = checkOptions(op, s as IndexSlice, ["start", "stop", "step"], arg);
    const part = (v: unknown, name: string): number | null => {
      if (v === undefined || v === null) return null;
      if (typeof v !== "number" || !Number.isInteger(v))
        throw new ArgumentError(op, `argument ${arg}.${name} must be an integer or null; got ${describe(v)}`);
      return v;
    };
    const step = part(o.step, "step");
    if (step === 0) throw new ArgumentError(op, `argument ${arg}.step must be a nonzero integer; got 0`);
    return { kind: "slice", range: [part(o.start, "start"), part(o.stop, "stop"), step] };
  }
  throw new ArgumentError(op, `argument ${arg} must be null (a whole axis), an integer, a slice { start, stop, step }, ${INDEX_EXPECTED} or a boolean mask; got ${describe(s)}`);
}

function containsBoolean(a: readonly unknown[]): boolean {
  for (const v of a) if (typeof v === "boolean" || (Array.isArray(v) && containsBoolean(v))) return true;
  return false;
}

/**
 * PyTorch's x[...] (advanced indexing), functional: one spec per leading
 * axis (missing trailing specs are whole axes) — `null` (`:`), an integer
 * (drops the axis), a slice `{ start, stop, step }`, an index tensor / array
 * of integers / integer typed array, or a boolean mask (an array of booleans,
 * or `{ mask: t }` for a 0/1 tensor: a float64 tensor alone is always an
 * index, since 0/1 are valid indices too) covering as many axes as it has.
 *
 * As in PyTorch, integers and slices are applied first; the index arrays
 * (a k-axis mask is the k index arrays of its ones) broadcast together to a
 * shape B, and the result holds B in place of the indexed axes when they are
 * adjacent, otherwise first (x[:, i, :, j] has shape [...B, x₀, x₂]).
 * Negative indices count from the end. Derivative: the cotangent is
 * scatter-added back to the positions read (repeats accumulate).
 */
export function index(x: TensorLike, ...specs: IndexSpec[]): Tensor {
  const op = "index";
  const t = tensorArg(x, op, "x");
  const parsed: Parsed[] = [];
  let axis = 0;
  for (let i = 0; i < specs.length; i++) {
    if (axis >= t.ndim)
      throw new ArgumentError(op, `too many indices: specs index ${axis + 1} axes of a tensor of rank ${t.ndim} (shape ${fmtShape(t.shape)})`);
    const p = parseSpec(op, specs[i], i, t, axis);
    const used = p.kind === "adv" ? p.axes : 1;
    if (axis + used > t.ndim)
      throw new ArgumentError(op, `too many indices: specs index ${axis + used} axes of a tensor of rank ${t.ndim} (shape ${fmtShape(t.shape)})`);
    parsed.push(p);
    axis += used;
  }
  // 1. integers and slices (basic indexing); advanced axes kept whole
  const basic: SliceSpec[] = [];
  const advAt: number[] = []; // position of each advanced axis in the sliced tensor
  const lists: Tensor[] = [];
  let pos = 0;
  for (const p of parsed) {
    if (p.kind === "int") basic.push(p.i);
    else if (p.kind === "slice") {
      basic.push(p.range);
      pos++;
    } else if (p.kind === "full") {
      basic.push(null);
      pos++;
    } else
      for (let k = 0; k < p.axes; k++) {
        basic.push(null);
        advAt.push(pos++);
        lists.push(p.lists[k]);
      }
  }
  const y = basic.length === 0 ? t : slice(t, ...basic);
  if (lists.length === 0) return y;
  // 2. the index arrays broadcast together, checked against their axes and wrapped
  let B: number[] = [];
  for (const l of lists) B = broadcastShapes(op, B, l.shape);
  const specOf = (l: Tensor): number => parsed.findIndex((p) => p.kind === "adv" && p.lists.includes(l));
  if (lists.some((l) => l._bt !== null)) {
    // the axis of x each list indexes (a k-axis mask's lists: consecutive axes from its spec's)
    const axes = lists.map((l) => { const i = specOf(l), p = parsed[i]; return axisOfSpec(parsed, i) + (p.kind === "adv" ? p.lists.indexOf(l) : 0); });
    return indexByGather(y, advAt, lists, lists.map(specOf), axes, B);
  }
  const nB = sizeOf(B);
  const wrapped = lists.map((l, k) => {
    const n = y.shape[advAt[k]];
    const spec = specOf(l);
    const flat = indexList(op, `specs[${spec}]`, l, n, `axis ${axisOfSpec(parsed, spec)}`);
    return l.ndim === B.length && l.shape.every((d, i) => d === B[i]) ? flat : broadcastInts(flat, l.shape, B);
  });
  const Y = y.shape;
  const adjacent = advAt.every((p, k) => k === 0 || p === advAt[k - 1] + 1);
  if (adjacent) {
    // 3a. the indexed axes form one block: flatten it and take along it (x is read in place)
    const p0 = advAt[0], p1 = advAt[advAt.length - 1];
    const blk = Y.slice(p0, p1 + 1);
    const A = sizeOf(blk);
    const lin = new Int32Array(nB);
    let stride = 1;
    for (let k = blk.length - 1; k >= 0; k--) {
      const w = wrapped[k];
      for (let b = 0; b < nB; b++) lin[b] += w[b] * stride;
      stride *= blk[k];
    }
    const y3 = reshape(y, [...Y.slice(0, p0), A, ...Y.slice(p1 + 1)]);
    const out = apply(rules.take, [y3], { axis: p0, indices: lin, n: A });
    return reshape(out, [...Y.slice(0, p0), ...B, ...Y.slice(p1 + 1)]);
  }
  // 3b. separated: the result is [...B, ...other axes]; one flat offset per output entry
  const strides = new Array<number>(Y.length);
  let s = 1;
  for (let d = Y.length - 1; d >= 0; d--) { strides[d] = s; s *= Y[d]; }
  const rest = Y.map((_, d) => d).filter((d) => !advAt.includes(d));
  const restShape = rest.map((d) => Y[d]);
  const R = sizeOf(restShape);
  const restOff = new Int32Array(R);
  const ctr = new Array<number>(rest.length).fill(0);
  for (let r = 0, off = 0; r < R; r++) {
    restOff[r] = off;
    for (let q = rest.length - 1; q >= 0; q--) {
      ctr[q]++;
      off += strides[rest[q]];
      if (ctr[q] < restShape[q]) break;
      off -= strides[rest[q]] * restShape[q];
      ctr[q] = 0;
    }
  }
  const lin = new Int32Array(nB * R);
  for (let b = 0; b < nB; b++) {
    let base = 0;
    for (let k = 0; k < advAt.length; k++) base += wrapped[k][b] * strides[advAt[k]];
    for (let r = 0; r < R; r++) lin[b * R + r] = base + restOff[r];
  }
  const n = sizeOf(Y);
  const out = apply(rules.take, [reshape(y, [n])], { axis: 0, indices: lin, n });
  return reshape(out, [...B, ...restShape]);
}

/**
 * `index` when an index array is batched under vmap: its values differ per
 * example and cannot be read here, but its shape (hence the result's) is
 * fixed, so the selection is written with ops — gathers, which batch. Each
 * array, broadcast to B and flattened, is checked and wrapped by a gather
 * from arange(n): arange(n)[l] = l for 0 ≤ l < n and l + n for −n ≤ l < 0,
 * and the gather kernel raises for a fraction or an entry outside [−n, n)
 * (naming the spec). The wrapped arrays combine into one row-major offset
 * over the indexed axes, lin = Σₖ wₖ·strideₖ (exact: integers below 2⁵³),
 * and the result gathers y at lin along the flattened block of indexed axes
 * — in place when they are adjacent, after moving them first otherwise
 * (the result is then [...B, ...other axes], as PyTorch).
 */
function indexByGather(y: Tensor, advAt: readonly number[], lists: readonly Tensor[], specs: readonly number[], axes: readonly number[], B: Shape): Tensor {
  const Y = y.shape, nB = sizeOf(B);
  let lin: Tensor | null = null;
  let stride = 1;
  for (let k = lists.length - 1; k >= 0; k--) {
    const n = Y[advAt[k]];
    const flat = reshape(broadcastTo(lists[k], B), [nB]);
    const w = apply(rules.gather, [arange(n), flat], { axis: 0, op: "index", arg: { name: `specs[${specs[k]}]`, axis: axes[k] } });
    const term = stride === 1 ? w : mul(w, stride);
    lin = lin === null ? term : add(lin, term);
    stride *= n;
  }
  const A = stride;
  const adjacent = advAt.every((p, k) => k === 0 || p === advAt[k - 1] + 1);
  if (adjacent) {
    const pre = Y.slice(0, advAt[0]), post = Y.slice(advAt[advAt.length - 1] + 1);
    const y3 = reshape(y, [...pre, A, ...post]);
    const at = broadcastTo(reshape(lin as Tensor, [...pre.map(() => 1), nB, ...post.map(() => 1)]), [...pre, nB, ...post]);
    return reshape(apply(rules.gather, [y3, at], { axis: pre.length, op: "index" }), [...pre, ...B, ...post]);
  }
  const rest = Y.map((_, d) => d).filter((d) => !advAt.includes(d));
  const restShape = rest.map((d) => Y[d]);
  const R = sizeOf(restShape);
  const y2 = reshape(permute(y, [...advAt, ...rest]), [A, R]);
  const at = broadcastTo(reshape(lin as Tensor, [nB, 1]), [nB, R]);
  return reshape(apply(rules.gather, [y2, at], { axis: 0, op: "index" }), [...B, ...restShape]);
}

/** The axis of x that spec i indexes (for messages). */
function axisOfSpec(parsed: readonly Parsed[], i: number): number {
  let a = 0;
  for (let k = 0; k < i; k++) {
    const p = parsed[k];
    a += p.kind === "adv" ? p.axes : 1;
  }
  return a;
}

/** An Int32Array of shape `from` broadcast to `to` (NumPy's rules; `from` broadcasts to `to`). */
function broadcastInts(v: Int32Array, from: Shape, to: Shape): Int32Array {
  const n = sizeOf(to);
  const out = new Int32Array(n);
  const r = to.length, off = r - from.length;
  const st = new Array<number>(r).fill(0);
  let s = 1;
  for (let d = from.length - 1; d >= 0; d--) {
    st[d + off] = from[d] === 1 ? 0 : s;
    s *= from[d];
  }
  const ctr = new Array<number>(r).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    out[i] = v[src];
    for (let d = r - 1; d >= 0; d--) {
      ctr[d]++;
      src += st[d];
      if (ctr[d] < to[d]) break;
      src -= st[d] * to[d];
      ctr[d] = 0;
    }
  }
  return out;
}
