/**
 * Layout and structured-matrix ops (issue 15, point 2): unbind, movedim /
 * moveaxis, repeat, tile, repeatInterleave, flip / fliplr / flipud, roll, pad,
 * meshgrid, blockDiag, vander, toeplitz, hankel, circulant.
 *
 * Every op here except unbind is a composite of differentiable primitives
 * (slice, take, unslice, broadcastTo, reshape, concat, where, mul), so it
 * needs no rule of its own: its VJP and JVP are those of the primitives
 * (second order included), and under vmap it is batched by their batching
 * rules. unbind is one multi-output node (see unbindRule). Ops that
 * move entries around by a computed pattern (roll, pad's reflect / replicate
 * / circular modes, repeatInterleave, toeplitz, hankel, circulant) are *one*
 * `take` with a precomputed index array, not a chain of slices and concats:
 * the forward allocates the output once, and the VJP is one scatter-add
 * (`untake`), which sums the cotangent over every output position that read
 * the same input entry (the reflected border of `pad`, the constant diagonals
 * of `toeplitz`).
 *
 * Index arguments (`repeats`) follow `take`: a number, a number[], an integer
 * typed array or a tensor holding integers; a fractional, NaN or negative
 * entry raises ArgumentError.
 */
import { Tensor } from "../tensor/tensor.js";
import type { Rule } from "../tensor/meta.js";
import { sliceCopy } from "../kernels/layout.js";
import { checkShape, ones, tensorArg, zeros } from "../tensor/create.js";
import { broadcastShapes, fmtShape, normAxes, normAxis, sizeOf } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { checkBool, checkInt, checkNumber, checkOptions, describe, isOptionsObject } from "../validate.js";
import { apply, applyMulti } from "./dispatch.js";
import { rules } from "./registry.js";
import { broadcastTo, concat, permute, reshape, slice, stack, where, type SliceSpec, type TensorLike } from "./api.js";
import type { IntegerTypedArray } from "./indexing.js";
import { cumprod } from "./scan.js";

// ---------------------------------------------------------------------------
// helpers

/** One `take` along `axis` with an index array computed here (valid by construction: no per-entry checks). */
function takeAxis(x: Tensor, axis: number, idx: Int32Array): Tensor {
  return apply(rules.take, [x], { axis, indices: idx, n: x.shape[axis] });
}

/** True when idx is 0, 1, …, n − 1 (the take would copy x). */
function isIdentity(idx: Int32Array, n: number): boolean {
  if (idx.length !== n) return false;
  for (let i = 0; i < n; i++) if (idx[i] !== i) return false;
  return true;
}

/**
 * out[…, o_a, …] = x[…, map_a(o_a), …] for the axes a with a map (null: the
 * axis is kept as it is). One take: over the trailing block of axes starting
 * at the first mapped one, flattened, with the block's flat index
 * Σ_a map_a(o_a)·stride_a — so the index array has the block's size, and
 * leading (batch) axes cost nothing.
 */
function gatherAxes(x: Tensor, maps: readonly (Int32Array | null)[]): Tensor {
  const r = x.ndim;
  let first = -1, count = 0;
  for (let a = 0; a < r; a++) {
    const m = maps[a];
    if (m !== null && m !== undefined && !isIdentity(m, x.shape[a])) {
      if (first < 0) first = a;
      count++;
    }
  }
  if (count === 0) return x;
  if (count === 1) return takeAxis(x, first, maps[first] as Int32Array);
  const inDims = x.shape.slice(first);
  const k = inDims.length;
  const outDims = inDims.map((d, j) => maps[first + j]?.length ?? d);
  // contrib[j][o] = (input index along axis first+j of output index o) · (its stride in the block)
  const contrib = new Array<Int32Array>(k);
  let stride = 1;
  for (let j = k - 1; j >= 0; j--) {
    const m = maps[first + j] ?? null, len = outDims[j];
    const c = new Int32Array(len);
    for (let o = 0; o < len; o++) c[o] = (m === null ? o : m[o]) * stride;
    contrib[j] = c;
    stride *= inDims[j];
  }
  const total = sizeOf(outDims);
  const idx = new Int32Array(total);
  if (total > 0) {
    // odometer over the output block, keeping s = Σ_j contrib[j][pos[j]]
    const pos = new Int32Array(k);
    let s = 0;
    for (let j = 0; j < k; j++) s += contrib[j][0];
    for (let i = 0; i < total; i++) {
      idx[i] = s;
      for (let j = k - 1; j >= 0; j--) {
        const c = contrib[j];
        s -= c[pos[j]];
        if (++pos[j] < c.length) {
          s += c[pos[j]];
          break;
        }
        pos[j] = 0;
        s += c[0];
      }
    }
  }
  const lead = x.shape.slice(0, first);
  const flat = reshape(x, [...lead, stride]);
  const out = apply(rules.take, [flat], { axis: first, indices: idx, n: stride });
  return reshape(out, [...lead, ...outDims]);
}

/** An integer or an array of integers (shifts, axes, sizes) as a list; ArgumentError naming the argument otherwise. */
function intList(op: string, arg: string, v: unknown, min = -Infinity): number[] {
  if (typeof v === "number") return [checkInt(op, `argument ${arg}`, v, min)];
  if (!Array.isArray(v)) throw new ArgumentError(op, `argument ${arg} must be an integer or an array of integers; got ${describe(v)}`);
  return v.map((e: unknown, i) => checkInt(op, `${arg}[${i}]`, e, min));
}

/** The result's shape must be allocatable (at most 2³¹ − 1 entries), as for the creation functions. */
function checkResult(op: string, shape: readonly number[]): void {
  checkShape(op, shape, "the result's shape");
}

/** x as a tensor of rank ≥ 1 (a 0-d tensor as one entry, as SciPy's structured matrices ravel a scalar). */
function atLeast1d(t: Tensor): Tensor {
  return t.ndim === 0 ? reshape(t, [1]) : t;
}

// ---------------------------------------------------------------------------
// unbind, movedim

/** Parameters of an unbind rule: the axis (the number of outputs is the rule's own nOut). */
interface UnbindParams {
  axis: number;
}

/**
 * The rule of unbinding n ≥ 2 slices: one node with n outputs, so that the
 * backward is one `stack` of the slices' cotangents (zeros for slices that
 * got none) — O(x.size) — instead of n single-slice nodes each writing a
 * zero array of x's shape (O(n · x.size); a 300×300 unbind was ≈50× slower
 * than its whole-tensor equivalent that way). The output count is part of
 * the rule (`nOut`), so it is made per call, as the custom-function rules
 * are, and explain shows it as an opaque operator. Batching: the same rule
 * on the physical tensor, one axis further (the batch axis is never unbound).
 */
function unbindRule(n: number): Rule<UnbindParams> {
  const rule: Rule<UnbindParams> = {
    name: "unbind",
    nOut: n,
    forward: ([x], { axis }) => {
      // slice i = x[…, i, …]: n strided copies, x.size entries written in all
      const outShape = x.shape.slice();
      outShape[axis] = 1;
      const sliceShape = x.shape.filter((_, a) => a !== axis);
      const starts = x.shape.map(() => 0), steps = x.shape.map(() => 1);
      const outs = new Array<Tensor>(n);
      for (let i = 0; i < n; i++) {
        starts[axis] = i;
        outs[i] = new Tensor(sliceCopy(x._data, x.shape, outShape, starts, steps, false), sliceShape);
      }
      return outs;
    },
    vjp: (ct, [x], _out, { axis }) => {
      const cts = ct as (Tensor | null)[];
      if (cts.every((c) => c === null)) return [null];
      const sliceShape = x.shape.filter((_, a) => a !== axis);
      return [stack(cts.map((c) => c ?? zeros(sliceShape)), axis)];
    },
    jvp: ([dx], _x, _out, p) => (dx === null ? new Array<Tensor | null>(n).fill(null) : applyMulti(rule, [dx], p)),
    batch: ([x], _batched, { axis }) => applyMulti(rule, [x], { axis: axis + 1 }),
  };
  return rule;
}

/**
 * The slices of `x` along `axis` (default 0), each without that axis:
 * `unbind(x, 0)[i]` is `x[i]` (torch.unbind). Differentiable: the gradient
 * stacks the slices' cotangents back along the axis (zeros for unused slices).
 */
export function unbind(x: TensorLike, axis = 0): Tensor[] {
  const t = tensorArg(x, "unbind", "x");
  if (t.ndim === 0) throw new ShapeError("unbind", "a 0-d tensor has no axis to unbind (shape [])");
  const a = normAxis("unbind", axis, t.ndim);
  const n = t.shape[a];
  if (n === 0) return [];
  if (n === 1) return [reshape(t, t.shape.filter((_, i) => i !== a))];
  return applyMulti(unbindRule(n), [t], { axis: a });
}

function moveAxes(op: string, x: TensorLike, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  const t = tensorArg(x, op, "x");
  const src = intList(op, "source", source), dst = intList(op, "destination", destination);
  if (src.length !== dst.length)
    throw new ArgumentError(op, `source ${fmtShape(src)} and destination ${fmtShape(dst)} must have the same number of axes`);
  const r = t.ndim;
  if (r === 0) {
    // a 0-d tensor has the axes 0 and −1 only (as in PyTorch); nothing moves
    for (const v of [...src, ...dst]) if (v !== 0 && v !== -1) throw new ArgumentError(op, `axis ${v} is out of range for a tensor of rank 0 (0 or -1)`);
    return t;
  }
  const s = src.map((a) => normAxis(op, a, r)), d = dst.map((a) => normAxis(op, a, r));
  for (const [name, list, orig] of [["source", s, src], ["destination", d, dst]] as const)
    if (new Set(list).size !== list.length) throw new ArgumentError(op, `repeated axis in ${name} ${fmtShape(orig)}`);
  // out axis d[k] is x's axis s[k]; the other axes keep their order in the free slots
  const perm = new Array<number>(r).fill(-1);
  for (let k = 0; k < s.length; k++) perm[d[k]] = s[k];
  const rest = Array.from({ length: r }, (_, i) => i).filter((i) => !s.includes(i));
  let next = 0;
  for (let i = 0; i < r; i++) if (perm[i] < 0) perm[i] = rest[next++];
  return permute(t, perm);
}

/**
 * Axes moved: axis `source[k]` of `x` becomes axis `destination[k]` of the
 * result, the other axes keep their order (torch.movedim). `source` and
 * `destination` are both integers or both arrays of the same length; negative
 * axes count from the end.
 */
export function movedim(x: TensorLike, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  return moveAxes("movedim", x, source, destination);
}

/** The same as {@link movedim} (torch.moveaxis, NumPy's name). */
export function moveaxis(x: TensorLike, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  return moveAxes("moveaxis", x, source, destination);
}

// ---------------------------------------------------------------------------
// repeat, tile, repeatInterleave

/**
 * Tile x by `sizes` (one per axis, at least x.ndim of them; extra leading
 * entries add leading axes): out[i₀, …] = x[i₀ mod d₀, …]. As a view of x
 * with a size-1 axis in front of every repeated axis, broadcast to the
 * repeat count and reshaped — the output is the only array written, and the
 * VJP is a sum over the repeat axes.
 */
function repeatCore(op: string, t: Tensor, sizes: readonly number[]): Tensor {
  const R = sizes.length;
  const s = [...new Array<number>(R - t.ndim).fill(1), ...t.shape];
  const view: number[] = [], big: number[] = [], outShape: number[] = [];
  for (let i = 0; i < R; i++) {
    const r = sizes[i], d = s[i];
    if (r !== 1 && d !== 1) {
      view.push(1, d);
      big.push(r, d);
    } else {
      view.push(d);
      big.push(r * d);
    }
    outShape.push(r * d);
  }
  checkResult(op, outShape);
  return reshape(broadcastTo(reshape(t, view), big), outShape);
}

/**
 * PyTorch's `x.repeat(*sizes)`: x tiled `sizes[i]` times along axis i —
 * `repeat(tensor([1, 2]), 2)` is `[1, 2, 1, 2]`. `sizes` (integers ≥ 0, given
 * as arguments or as one array) has at least x.ndim entries; extra entries
 * add leading axes (`repeat(tensor([1, 2]), 3, 2)` has shape [3, 4]). NumPy's
 * `repeat` is {@link repeatInterleave}. The gradient sums the copies.
 */
export function repeat(x: TensorLike, sizes: readonly number[]): Tensor;
/** `repeat(x, 2, 3)`: the sizes as arguments (see the overload with an array). */
export function repeat(x: TensorLike, ...sizes: number[]): Tensor;
export function repeat(x: TensorLike, ...args: unknown[]): Tensor {
  const t = tensorArg(x, "repeat", "x");
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const sizes = list.map((v, i) => checkInt("repeat", `sizes[${i}]`, v, 0));
  if (sizes.length < t.ndim)
    throw new ArgumentError("repeat", `sizes ${fmtShape(sizes)} has ${sizes.length} entries, fewer than the ${t.ndim} axes of x (shape ${fmtShape(t.shape)})`);
  return repeatCore("repeat", t, sizes);
}

/**
 * x tiled `reps` times (torch.tile / numpy.tile): as {@link repeat}, except
 * that `reps` (an integer or an array of integers ≥ 0) may have fewer entries
 * than x has axes — it is then padded with leading 1s.
 */
export function tile(x: TensorLike, reps: number | readonly number[]): Tensor {
  const t = tensorArg(x, "tile", "x");
  const list = intList("tile", "reps", reps, 0);
  const sizes = list.length < t.ndim ? [...new Array<number>(t.ndim - list.length).fill(1), ...list] : list;
  return repeatCore("tile", t, sizes);
}

/** Entries of an index-like argument (number[], integer typed array, tensor of integers) as a list, checked. */
function indexEntries(op: string, arg: string, v: unknown): { list: ArrayLike<number> } {
  if (v instanceof Tensor) {
    const t = tensorArg(v, op, arg);
    if (t.ndim > 1) throw new ShapeError(op, `argument ${arg} must be a 0-d or 1-d tensor; got shape ${fmtShape(t.shape)}`);
    return { list: t._data };
  }
  if (Array.isArray(v)) return { list: v as number[] };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array))
    return { list: v as unknown as ArrayLike<number> };
  throw new ArgumentError(op, `argument ${arg} must be an integer, an array of integers, an integer typed array or a tensor of integers; got ${describe(v)}`);
}

/**
 * Each entry repeated along `axis` (torch.repeat_interleave, numpy.repeat):
 * `repeatInterleave(tensor([1, 2]), 2)` is `[1, 1, 2, 2]`. `repeats` is an
 * integer ≥ 0, or one per entry along the axis (a number[], an integer typed
 * array or a tensor of integers; one entry is used for all). With `axis`
 * omitted (or null), x is flattened first and the result is 1-d. One `take`;
 * the gradient sums the copies of each entry.
 */
export function repeatInterleave(x: TensorLike, repeats: number | readonly number[] | IntegerTypedArray | Tensor, axis?: number | null): Tensor {
  const op = "repeatInterleave";
  let t = tensorArg(x, op, "x");
  let a: number;
  if (axis === undefined || axis === null) {
    t = reshape(t, [t.size]);
    a = 0;
  } else {
    if (t.ndim === 0) t = reshape(t, [1]);
    a = normAxis(op, axis, t.ndim);
  }
  const n = t.shape[a];
  let reps: number[];
  if (typeof repeats === "number") reps = new Array<number>(n).fill(checkInt(op, "argument repeats", repeats, 0));
  else {
    const { list } = indexEntries(op, "repeats", repeats);
    const len = list.length;
    if (len !== n && len !== 1)
      throw new ShapeError(op, `argument repeats has ${len} entries; expected one per entry along axis ${a} (${n}) or a single one`);
    const check = (v: number, i: number): number => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
        throw new ArgumentError(op, `repeats[${i}] must be an integer ≥ 0; got ${typeof v === "number" ? v : describe(v)}`);
      return v;
    };
    reps = len === 1 ? new Array<number>(n).fill(check(list[0], 0)) : Array.from({ length: n }, (_, i) => check(list[i], i));
  }
  let total = 0;
  for (const r of reps) total += r;
  const outShape = t.shape.slice();
  outShape[a] = total;
  checkResult(op, outShape);
  const idx = new Int32Array(total);
  for (let i = 0, k = 0; i < n; i++) for (let j = 0; j < reps[i]; j++) idx[k++] = i;
  return isIdentity(idx, n) ? t : takeAxis(t, a, idx);
}

// ---------------------------------------------------------------------------
// flip, roll

function flipAxes(t: Tensor, axes: readonly number[]): Tensor {
  if (axes.length === 0) return t;
  const spec: SliceSpec[] = t.shape.map(() => null);
  for (const a of axes) spec[a] = [null, null, -1];
  return slice(t, ...spec);
}

/**
 * Entries reversed along `axes` (an axis or an array of distinct axes;
 * torch.flip). A slice with step −1: its gradient is the cotangent flipped back.
 */
export function flip(x: TensorLike, axes: number | readonly number[]): Tensor {
  const t = tensorArg(x, "flip", "x");
  if (axes === undefined || axes === null) throw new ArgumentError("flip", `argument axes is missing (got ${describe(axes)}); pass an axis or an array of axes`);
  return flipAxes(t, normAxes("flip", axes, t.ndim));
}

/** Columns reversed: {@link flip} along axis 1 (torch.fliplr; x needs at least 2 axes). */
export function fliplr(x: TensorLike): Tensor {
  const t = tensorArg(x, "fliplr", "x");
  if (t.ndim < 2) throw new ShapeError("fliplr", `x must have at least 2 axes; got shape ${fmtShape(t.shape)}`);
  return flipAxes(t, [1]);
}

/** Rows reversed: {@link flip} along axis 0 (torch.flipud; x needs at least 1 axis). */
export function flipud(x: TensorLike): Tensor {
  const t = tensorArg(x, "flipud", "x");
  if (t.ndim < 1) throw new ShapeError("flipud", `x must have at least 1 axis; got shape ${fmtShape(t.shape)}`);
  return flipAxes(t, [0]);
}

/**
 * Entries shifted cyclically (torch.roll): out[i] = x[(i − shift) mod n]
 * along each axis of `axes`, with `shifts` one integer per axis (negative
 * shifts go the other way; an axis listed twice is shifted twice). With
 * `axes` omitted, x is flattened, rolled by the single shift and given its
 * shape back. One `take`; the gradient is the cotangent rolled back.
 */
export function roll(x: TensorLike, shifts: number | readonly number[], axes?: number | readonly number[] | null): Tensor {
  const t = tensorArg(x, "roll", "x");
  const sh = intList("roll", "shifts", shifts);
  if (axes === undefined || axes === null) {
    if (sh.length !== 1)
      throw new ArgumentError("roll", `shifts ${fmtShape(sh)} has ${sh.length} entries; without axes, roll takes one shift (of the flattened tensor)`);
    return reshape(roll(reshape(t, [t.size]), sh[0], 0), t.shape);
  }
  const ax = intList("roll", "axes", axes);
  if (ax.length !== sh.length)
    throw new ArgumentError("roll", `shifts ${fmtShape(sh)} and axes ${fmtShape(ax)} must have the same number of entries`);
  const total = new Array<number>(t.ndim).fill(0);
  for (let k = 0; k < ax.length; k++) total[normAxis("roll", ax[k], t.ndim)] += sh[k];
  const maps = total.map((s, a) => {
    const n = t.shape[a];
    if (n === 0) return null;
    const m = ((s % n) + n) % n;
    if (m === 0) return null;
    const idx = new Int32Array(n);
    for (let o = 0; o < n; o++) idx[o] = (o - m + n) % n;
    return idx;
  });
  return gatherAxes(t, maps);
}

// ---------------------------------------------------------------------------
// pad

/** The padding modes of {@link pad}. */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/** Options of {@link pad}. */
export interface PadOptions {
  /** "constant" (default): the fill `value`; "reflect": mirrored without repeating the edge; "replicate": the edge repeated; "circular": wrapped around. */
  mode?: PadMode;
  /** The fill value of mode "constant" (default 0). */
  value?: number;
}

const PAD_MODES: readonly PadMode[] = ["constant", "reflect", "replicate", "circular"];

/**
 * x padded as torch.nn.functional.pad: `padding` lists (before, after) pairs
 * for the last axes, last axis first — `[left, right]` pads the last axis,
 * `[left, right, top, bottom]` the last two. Negative entries crop. Modes:
 * "constant" (fill with `value`, default 0), "reflect" (mirror without the
 * edge entry: needs each pad < the axis size), "replicate" (repeat the edge
 * entry: needs a non-empty axis), "circular" (wrap around: needs each pad ≤
 * the axis size). The options may also be given as PyTorch's positional
 * `pad(x, padding, mode, value)`. Unlike PyTorch, the non-constant modes pad
 * any number of trailing axes of a tensor of any rank. Differentiable in x:
 * the gradient of a reflected / replicated / wrapped border entry is added
 * to the entry it copies; the constant border has none.
 */
export function pad(x: TensorLike, padding: readonly number[], options?: PadOptions | PadMode, value?: number): Tensor {
  const op = "pad";
  const t = tensorArg(x, op, "x");
  let mode: PadMode = "constant", fill: number | undefined;
  if (typeof options === "string") {
    mode = options;
    if (value !== undefined) fill = checkNumber(op, "argument value", value);
  } else {
    const o = checkOptions(op, options, ["mode", "value"]);
    if (value !== undefined) throw new ArgumentError(op, "argument value comes after a mode string; with an options object use { value }");
    if (o.mode !== undefined) mode = o.mode;
    if (o.value !== undefined) fill = checkNumber(op, "option value", o.value);
  }
  if (!PAD_MODES.includes(mode)) throw new ArgumentError(op, `mode must be one of ${PAD_MODES.map((m) => `"${m}"`).join(", ")}; got ${describe(mode)}`);
  if (fill !== undefined && mode !== "constant") throw new ArgumentError(op, `mode "${mode}" takes no value (only mode "constant" fills with a value)`);
  if (!Array.isArray(padding)) throw new ArgumentError(op, `argument padding must be an array of integers (before, after pairs, last axis first); got ${describe(padding)}`);
  const p = padding.map((v: unknown, i) => checkInt(op, `padding[${i}]`, v));
  if (p.length % 2 !== 0) throw new ArgumentError(op, `padding ${fmtShape(p)} must have an even number of entries (before, after pairs)`);
  if (p.length / 2 > t.ndim)
    throw new ArgumentError(op, `padding ${fmtShape(p)} pads ${p.length / 2} axes; x has ${t.ndim} (shape ${fmtShape(t.shape)})`);
  const r = t.ndim;
  const before = new Array<number>(r).fill(0), after = new Array<number>(r).fill(0);
  for (let k = 0; k < p.length / 2; k++) {
    before[r - 1 - k] = p[2 * k];
    after[r - 1 - k] = p[2 * k + 1];
  }
  const outShape = t.shape.map((d, a) => d + before[a] + after[a]);
  for (let a = 0; a < r; a++) {
    const d = t.shape[a], b = before[a], e = after[a];
    if (outShape[a] < 0)
      throw new ArgumentError(op, `padding (${b}, ${e}) of axis ${a} (size ${d}, shape ${fmtShape(t.shape)}) gives a negative size ${outShape[a]}`);
    if (mode === "reflect" && (b >= d || e >= d) && (b > 0 || e > 0))
      throw new ArgumentError(op, `mode "reflect" needs each padding < the axis size; got padding (${b}, ${e}) for axis ${a} of size ${d} (shape ${fmtShape(t.shape)})`);
    if (mode === "circular" && (b > d || e > d))
      throw new ArgumentError(op, `mode "circular" needs each padding ≤ the axis size (wrapping around once); got padding (${b}, ${e}) for axis ${a} of size ${d} (shape ${fmtShape(t.shape)})`);
    if (mode === "replicate" && d === 0 && outShape[a] > 0)
      throw new ArgumentError(op, `mode "replicate" cannot pad the empty axis ${a} (shape ${fmtShape(t.shape)})`);
  }
  checkResult(op, outShape);
  if (mode === "constant") return padConstant(t, before, after, outShape, fill ?? 0);
  // out[o] = x[map(o)] along each padded axis, with i = o − before mapped into [0, d)
  const maps = t.shape.map((d, a) => {
    if (before[a] === 0 && after[a] === 0) return null;
    const len = outShape[a], b = before[a];
    const idx = new Int32Array(len);
    for (let o = 0; o < len; o++) {
      let i = o - b;
      if (mode === "reflect") i = i < 0 ? -i : i >= d ? 2 * (d - 1) - i : i;
      else if (mode === "replicate") i = i < 0 ? 0 : i >= d ? d - 1 : i;
      else i = ((i % d) + d) % d;
      idx[o] = i;
    }
    return idx;
  });
  return gatherAxes(t, maps);
}

/**
 * Constant padding: crop the negative pads (a slice), write the block into
 * zeros of the output shape (unslice, the slice's adjoint), then fill the
 * border with `value` by `where` on a constant mask — three arrays of the
 * output's size at most, and none of the mask or where for value 0.
 */
function padConstant(t: Tensor, before: readonly number[], after: readonly number[], outShape: readonly number[], value: number): Tensor {
  let x = t;
  if (before.some((b) => b < 0) || after.some((e) => e < 0)) {
    const spec: SliceSpec[] = t.shape.map((d, a) => [Math.max(0, -before[a]), d - Math.max(0, -after[a])]);
    x = slice(t, ...spec);
  }
  const starts = before.map((b) => Math.max(0, b));
  if (starts.every((s) => s === 0) && after.every((e) => e <= 0)) return x;
  const steps = starts.map(() => 1);
  const padded = apply(rules.unslice, [x], { starts, steps, fullShape: outShape.slice() });
  if (Object.is(value, 0)) return padded;
  // mask: 1 on the block, 0 on the border (the unslice kernel's own layout, from a block of ones)
  const ones = new Tensor(new Float64Array(x.size).fill(1), x.shape);
  const mask = apply(rules.unslice, [ones], { starts, steps, fullShape: outShape.slice() });
  return where(mask, padded, value);
}

// ---------------------------------------------------------------------------
// meshgrid, blockDiag

/** Options of {@link meshgrid}. */
export interface MeshgridOptions {
  /** "ij" (default, matrix indexing: output i varies along axis i) or "xy" (Cartesian: the first two axes swapped). */
  indexing?: "ij" | "xy";
}

/**
 * The result type of {@link meshgrid}: one tensor per tensor argument (a
 * tuple of the arguments' length; a trailing options object is not counted).
 */
export type Grids<A extends readonly unknown[]> = A extends readonly [...infer H, infer L]
  ? L extends Tensor | number | readonly unknown[] ? { -readonly [K in keyof A]: Tensor } : { -readonly [K in keyof H]: Tensor }
  : Tensor[];

/**
 * Coordinate grids (torch.meshgrid): for 1-d (or 0-d) tensors x₀ … x_{k−1}
 * of sizes n₀ … n_{k−1}, k tensors of shape [n₀, …, n_{k−1}] where output i
 * holds x_i along axis i. With `{ indexing: "xy" }` the first two axes are
 * swapped (shape [n₁, n₀, …], NumPy's default). An options object may come
 * last. Each output is x_i broadcast; its gradient sums over the other axes.
 */
export function meshgrid<const A extends readonly (TensorLike | MeshgridOptions)[]>(...args: A): Grids<A>;
export function meshgrid(...args: (TensorLike | MeshgridOptions)[]): Tensor[] {
  const op = "meshgrid";
  const last = args.length > 0 ? args[args.length - 1] : undefined;
  const hasOpts = last !== undefined && isOptionsObject(last);
  const o = hasOpts ? checkOptions(op, last as MeshgridOptions, ["indexing"]) : {};
  const indexing = o.indexing ?? "ij";
  if (indexing !== "ij" && indexing !== "xy") throw new ArgumentError(op, `option indexing must be "ij" or "xy"; got ${describe(indexing)}`);
  const xs = (hasOpts ? args.slice(0, -1) : args).map((v, i) => tensorArg(v, op, `xs[${i}]`));
  if (xs.length === 0) throw new ArgumentError(op, "needs at least one tensor");
  xs.forEach((t, i) => {
    if (t.ndim > 1) throw new ShapeError(op, `xs[${i}] must be 0-d or 1-d; got shape ${fmtShape(t.shape)}`);
  });
  const k = xs.length;
  const swap = indexing === "xy" && k >= 2;
  const axisOf = (i: number): number => (swap && i < 2 ? 1 - i : i);
  const shape = new Array<number>(k);
  xs.forEach((t, i) => (shape[axisOf(i)] = t.size));
  checkResult(op, shape);
  return xs.map((t, i) => {
    const view = new Array<number>(k).fill(1);
    view[axisOf(i)] = t.size;
    return broadcastTo(reshape(t, view), shape);
  });
}

/**
 * The block-diagonal matrix with the given blocks on its diagonal
 * (torch.block_diag, scipy.linalg.block_diag): 2-d blocks as they are, a 1-d
 * one as a row, a 0-d one as 1×1; shape [Σ rows, Σ cols] (an empty list gives
 * shape [1, 0], as PyTorch). Each block is written into zero columns (unslice)
 * and the rows are joined: twice the output's size in all, whatever the
 * number of blocks.
 */
export function blockDiag(...mats: TensorLike[]): Tensor {
  const op = "blockDiag";
  const ts = mats.map((m, i) => {
    const t = tensorArg(m, op, `mats[${i}]`);
    if (t.ndim > 2) throw new ShapeError(op, `mats[${i}] must have at most 2 axes; got shape ${fmtShape(t.shape)}`);
    return t.ndim === 2 ? t : reshape(t, [1, t.size]);
  });
  if (ts.length === 0) return zeros([1, 0]);
  let cols = 0, rows = 0;
  for (const t of ts) {
    cols += t.shape[1];
    rows += t.shape[0];
  }
  checkResult(op, [rows, cols]);
  let c0 = 0;
  const strips = ts.map((t) => {
    const s = apply(rules.unslice, [t], { starts: [0, c0], steps: [1, 1], fullShape: [t.shape[0], cols] });
    c0 += t.shape[1];
    return s;
  });
  return strips.length === 1 ? strips[0] : concat(strips, 0);
}

// ---------------------------------------------------------------------------
// structured matrices: vander, toeplitz, hankel, circulant

/** Options of {@link vander}. */
export interface VanderOptions {
  /** Number of columns (default: the length of x). */
  N?: number | null;
  /** Powers increasing from the left (x⁰, x¹, …) instead of decreasing (default false, as torch.vander and numpy.vander). */
  increasing?: boolean;
}

/**
 * The Vandermonde matrix (torch.vander, numpy.vander): for x of length n, the
 * n×N matrix of powers x^(N−1), …, x, 1 (decreasing, the default) or 1, x, …,
 * x^(N−1) with `increasing` (torch.linalg.vander's order). N defaults to n;
 * `vander(x, N, increasing)` as PyTorch's positional form, or
 * `vander(x, { N, increasing })`. Leading axes of x are batch axes (x of shape
 * [..., n] gives [..., n, N]). The powers are built by repeated products, so
 * the derivative k·x^(k−1) is exact and finite at x = 0 (no 0·x⁻¹).
 */
export function vander(x: TensorLike, N?: number | null | VanderOptions, increasing?: boolean): Tensor {
  const op = "vander";
  const t = tensorArg(x, op, "x");
  let cols: number | null | undefined, inc: boolean;
  if (N !== null && typeof N === "object") {
    const o = checkOptions(op, N, ["N", "increasing"]);
    if (increasing !== undefined) throw new ArgumentError(op, "argument increasing comes after a number N; with an options object use { increasing }");
    cols = o.N;
    inc = checkBool(op, "option increasing", o.increasing, false);
  } else {
    if (N !== undefined && N !== null && typeof N !== "number")
      throw new ArgumentError(op, `argument N must be an integer ≥ 0, null or an options object { N, increasing }; got ${describe(N)}`);
    cols = N;
    inc = checkBool(op, "argument increasing", increasing, false);
  }
  if (t.ndim === 0) throw new ShapeError(op, "x must have at least 1 axis (shape [])");
  const n = t.shape[t.ndim - 1];
  const m = cols === undefined || cols === null ? n : checkInt(op, "N", cols, 0);
  checkResult(op, [...t.shape, m]);
  if (m === 0) return zeros([...t.shape, 0]);
  // column k = x^k as x·x·…·x (k products, as numpy's multiply.accumulate): the running product of
  // m − 1 copies of x along a new last axis — a constant number of ops (and arrays of the result's
  // size) in the forward and the backward pass, not one product per column
  const one = ones([...t.shape, 1]);
  if (m === 1) return one;
  const powers = concat([one, cumprod(broadcastTo(reshape(t, [...t.shape, 1]), [...t.shape, m - 1]), -1)], -1);
  return inc ? powers : flip(powers, -1);
}

/** c and r (structured-matrix generators) as tensors of rank ≥ 1 with the same (broadcast) leading axes. */
function generators(op: string, c: TensorLike, r: TensorLike | undefined | null): [Tensor, Tensor | null, number[]] {
  const ct = atLeast1d(tensorArg(c, op, "c"));
  const rt = r === undefined || r === null ? null : atLeast1d(tensorArg(r, op, "r"));
  if (rt === null) return [ct, null, ct.shape.slice(0, -1)];
  const batch = broadcastShapes(op, ct.shape.slice(0, -1), rt.shape.slice(0, -1));
  const cb = broadcastTo(ct, [...batch, ct.shape[ct.ndim - 1]]);
  const rb = broadcastTo(rt, [...batch, rt.shape[rt.ndim - 1]]);
  return [cb, rb, batch];
}

/** vals[..., idx] reshaped to [..., m, n]: the one take every structured matrix is. */
function fromIndex(vals: Tensor, idx: Int32Array, batch: readonly number[], m: number, n: number): Tensor {
  return reshape(takeAxis(vals, vals.ndim - 1, idx), [...batch, m, n]);
}

/** The last-axis slice [start, end) of t. */
function lastSlice(t: Tensor, start: number, end: number | null, step = 1): Tensor {
  const spec: SliceSpec[] = t.shape.map(() => null);
  spec[t.ndim - 1] = [start, end, step];
  return slice(t, ...spec);
}

/**
 * The Toeplitz matrix with first column `c` and first row `r`
 * (scipy.linalg.toeplitz): T[i, j] = c[i − j] for i ≥ j, r[j − i] for i < j,
 * of shape [len(c), len(r)]; `r` defaults to `c` (the symmetric Toeplitz
 * matrix; conj(c) = c for real data), and r[0] is ignored (the diagonal is
 * c[0]). Leading axes are batch axes and broadcast (SciPy ≥ 1.17); a 0-d
 * argument is one entry. One take from [r_{n−1}, …, r_1, c_0, …, c_{m−1}]:
 * the gradient of c[k] (r[k]) sums the cotangent over its diagonal.
 */
export function toeplitz(c: TensorLike, r?: TensorLike | null): Tensor {
  const op = "toeplitz";
  const [ct, rt0, batch] = generators(op, c, r);
  const rt = rt0 ?? ct;
  const m = ct.shape[ct.ndim - 1], n = rt.shape[rt.ndim - 1];
  checkResult(op, [...batch, m, n]);
  const vals = n > 1 ? concat([lastSlice(rt, n - 1, 0, -1), ct], -1) : ct;
  // T[i, j] = vals[(n − 1) + i − j]
  const idx = new Int32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) idx[i * n + j] = n - 1 + i - j;
  return fromIndex(vals, idx, batch, m, n);
}

/**
 * The Hankel matrix with first column `c` and last row `r`
 * (scipy.linalg.hankel): H[i, j] = c[i + j] for i + j < len(c), else
 * r[i + j − len(c) + 1], of shape [len(c), len(r)]; `r` defaults to zeros of
 * c's length, and r[0] is ignored (the anti-diagonal through the corner is
 * c's last entry). Leading axes are batch axes and broadcast (SciPy ravels
 * them until 1.19); a 0-d argument is one entry. One take; the gradient of an
 * entry sums the cotangent over its anti-diagonal.
 */
export function hankel(c: TensorLike, r?: TensorLike | null): Tensor {
  const op = "hankel";
  const [ct, rt, batch] = generators(op, c, r);
  const m = ct.shape[ct.ndim - 1], n = rt === null ? m : rt.shape[rt.ndim - 1];
  checkResult(op, [...batch, m, n]);
  // vals = [c_0, …, c_{m−1}, r_1, …, r_{n−1}]; H[i, j] = vals[i + j]
  const tail = n <= 1 ? null : rt === null ? zeros([...batch, n - 1]) : lastSlice(rt, 1, null);
  const vals = tail === null ? ct : concat([ct, tail], -1);
  const idx = new Int32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) idx[i * n + j] = i + j;
  return fromIndex(vals, idx, batch, m, n);
}

/**
 * The circulant matrix with first column `c` (scipy.linalg.circulant):
 * C[i, j] = c[(i − j) mod n], n×n. Leading axes are batch axes; a 0-d
 * argument is one entry. One take; the gradient of c[k] sums the cotangent
 * over its wrapped diagonal.
 */
export function circulant(c: TensorLike): Tensor {
  const op = "circulant";
  const ct = atLeast1d(tensorArg(c, op, "c"));
  const n = ct.shape[ct.ndim - 1];
  const batch = ct.shape.slice(0, -1);
  checkResult(op, [...batch, n, n]);
  const idx = new Int32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) idx[i * n + j] = (i - j + n) % n;
  return fromIndex(ct, idx, batch, n, n);
}
