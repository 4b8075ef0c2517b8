/**
 * Order statistics: sort, argsort, topk, argmax / argmin, kthvalue, median,
 * nanmedian, quantile, nanquantile. Names, argument order, defaults and
 * tie-breaking follow PyTorch (camelCase; `axis` for torch's `dim`, `keepdims`
 * for `keepdim`); the axis may also be given positionally, as torch's `dim`.
 *
 * One primitive sorts (a stable kernel, src/kernels/sort.ts; NaN last
 * ascending, first descending); every other op here selects entries of the
 * sorted lanes with indexing's gather along the axis (torch.gather), so the
 * derivative of a selected value goes to the entry it was selected from (ties:
 * to the entry the stable order picked, as PyTorch's index), and quantile's
 * linear interpolation weighs the two neighbours. argmax / argmin have their
 * own one-pass kernel. Indices are float64 tensors holding integers (exact
 * below 2⁵³), with no derivative. Positions that depend on the values (the
 * NaN count of a lane for median and quantile) are computed with ops, so
 * everything here works under vmap and every derivative order.
 */
import { Tensor } from "../tensor/tensor.js";
import { tensorArg } from "../tensor/create.js";
import { fmtShape, normAxis, sizeOf } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { checkBool, checkInt, checkOptions, describe, isOptionsObject } from "../validate.js";
import { apply, applyMulti } from "./dispatch.js";
import { rules } from "./registry.js";
import { gatherP } from "./rules/indexing.js";
import { liftValues } from "./batching.js";
import {
  add, gt, lt, mul, permute, reshape, slice, sub, where, type SliceSpec, type TensorLike,
} from "./api.js";
import { ceil, floor, round } from "./math.js";

/**
 * A result of values and indices: an array `[values, indices]` that also
 * carries the named fields, like torch.return_types (`const [v, i] = sort(x)`
 * and `const { values, indices } = sort(x)` both work).
 */
export type ValuesIndices = [values: Tensor, indices: Tensor] & { values: Tensor; indices: Tensor };

function named(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.assign([values, indices], { values, indices }) as ValuesIndices;
}

/** Options of {@link sort} and {@link argsort}. */
export interface SortOptions {
  /** The axis to sort along (default −1, the last). */
  axis?: number;
  /** Largest first (default false). NaN sorts last ascending, first descending. */
  descending?: boolean;
  /** Accepted for PyTorch compatibility: matgrad's sort is always stable (default true). */
  stable?: boolean;
}

/** Options of {@link topk}. */
export interface TopkOptions {
  /** The axis to select along (default −1). */
  axis?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch compatibility: the k entries always come sorted (default true). */
  sorted?: boolean;
}

/** Options of {@link kthvalue}. */
export interface KthvalueOptions {
  /** The axis to select along (default −1). */
  axis?: number;
  /** Keep the reduced axis with size 1 (default false). */
  keepdims?: boolean;
}

/** Options of {@link argmax}, {@link argmin}, {@link median} and {@link nanmedian}: no axis = over all entries. */
export interface ArgReduceOptions {
  /** The axis to reduce (default: all entries, flattened). */
  axis?: number | null;
  /** Keep the reduced axis (all axes when there is no axis) with size 1 (default false). */
  keepdims?: boolean;
}

/** How {@link quantile} picks a value between two neighbours i < j of the sorted lane (NumPy's and PyTorch's methods). */
export type QuantileInterpolation = "linear" | "lower" | "higher" | "midpoint" | "nearest";

/** Options of {@link quantile} and {@link nanquantile}. */
export interface QuantileOptions extends ArgReduceOptions {
  /** Default "linear": x[i] + (x[j] − x[i])·frac; "nearest" rounds the rank half to even. */
  interpolation?: QuantileInterpolation;
}

const INTERPOLATIONS: readonly string[] = ["linear", "lower", "higher", "midpoint", "nearest"];

/** The options object from an options object or a positional axis (torch's `dim`). */
function optionsOf<T extends object>(op: string, arg: unknown, valid: readonly string[]): T {
  if (typeof arg === "number") return { axis: arg } as T;
  if (arg === undefined || arg === null) return {} as T;
  if (!isOptionsObject(arg))
    throw new ArgumentError(op, `argument options must be an axis (an integer) or an options object with keys among {${valid.join(", ")}}; got ${describe(arg)}`);
  return checkOptions(op, arg as T, valid);
}

/**
 * The tensor to work on and the normalized axis: a 0-d tensor takes axis 0 or
 * −1 (as PyTorch) and is seen as one entry of shape [1]; `back` restores the
 * 0-d shape of a result.
 */
function laneView(op: string, t: Tensor, axis: unknown): [Tensor, number, (r: Tensor) => Tensor] {
  if (typeof axis !== "number") throw new ArgumentError(op, `option axis must be an integer; got ${describe(axis)}`);
  if (t.ndim === 0) {
    if (axis !== 0 && axis !== -1) throw new ArgumentError(op, `axis ${describe(axis).replace("the number ", "")} is out of range for a tensor of rank 0 (0 or -1)`);
    return [reshape(t, [1]), 0, (r) => reshape(r, [])];
  }
  return [t, normAxis(op, axis, t.ndim), (r) => r];
}

/** The axis' size must be positive when the reduction has any output (the extremum or median of no numbers is undefined). */
function needEntries(op: string, t: Tensor, axis: number, what: string): void {
  if (t.shape[axis] === 0 && t.size === 0 && sizeOf(t.shape.filter((_, i) => i !== axis)) > 0)
    throw new ShapeError(op, `cannot reduce over axis ${axis} of size 0 (input shape ${fmtShape(t.shape)}): the ${what} of no numbers is undefined`);
}

/** The sort primitive: the first k entries of every lane along `axis`, [values, indices]. */
function sortPrim(t: Tensor, axis: number, descending: boolean, k: number): [Tensor, Tensor] {
  const [v, i] = applyMulti(rules.sort, [t], { axis, descending, k });
  return [v, i];
}

/** Entry `pos` along `axis` (kept with size 1). */
function at(t: Tensor, axis: number, pos: number): Tensor {
  const spec: SliceSpec[] = t.shape.map(() => null);
  spec[axis] = [pos, pos + 1];
  return slice(t, ...spec);
}

/** Drop a size-1 `axis` unless keepdims. */
function dropAxis(t: Tensor, axis: number, keepdims: boolean): Tensor {
  return keepdims ? t : reshape(t, t.shape.filter((_, i) => i !== axis));
}

// ---------------------------------------------------------------------------
// sort, argsort, topk

/**
 * Sort along `axis` (default −1): `[values, indices]` with `values` the
 * sorted entries and `indices` their positions along the axis (float64
 * integers), as torch.sort. Stable (ties keep their order; PyTorch's
 * `stable: true`), NaN last ascending and first descending, −0 equal to 0.
 * The derivative of `values` is the tangent gathered at `indices`; the VJP
 * scatters the cotangent back to those positions.
 */
export function sort(x: TensorLike, options?: SortOptions | number): ValuesIndices {
  const [v, i] = sortWhole("sort", x, options);
  return named(v, i);
}

/** The indices that sort `x` along `axis` (default −1): `sort(x, options).indices` (stable, NaN last ascending). */
export function argsort(x: TensorLike, options?: SortOptions | number): Tensor {
  return sortWhole("argsort", x, options)[1];
}

/** sort and argsort: the options checked under the op's name, the whole lane sorted → [values, indices]. */
function sortWhole(op: "sort" | "argsort", x: TensorLike, options: SortOptions | number | undefined): [Tensor, Tensor] {
  const t = tensorArg(x, op, "x");
  const o = optionsOf<SortOptions>(op, options, ["axis", "descending", "stable"]);
  const descending = checkBool(op, "option descending", o.descending, false);
  checkBool(op, "option stable", o.stable, true);
  const [u, a, back] = laneView(op, t, o.axis ?? -1);
  const [v, i] = sortPrim(u, a, descending, u.shape[a]);
  return [back(v), back(i)];
}

/**
 * The `k` largest (or, with `largest: false`, smallest) entries along `axis`
 * (default −1), sorted, with their indices: `[values, indices]` as
 * torch.topk. Ties keep their order in x (the lower index first); NaN counts
 * as larger than every number. `sorted: false` is accepted (the result is
 * sorted anyway). The derivative goes to the selected entries.
 */
export function topk(x: TensorLike, k: number, options?: TopkOptions | number): ValuesIndices {
  const t = tensorArg(x, "topk", "x");
  const o = optionsOf<TopkOptions>("topk", options, ["axis", "largest", "sorted"]);
  const largest = checkBool("topk", "option largest", o.largest, true);
  checkBool("topk", "option sorted", o.sorted, true);
  const [u, a, back] = laneView("topk", t, o.axis ?? -1);
  const n = u.shape[a];
  checkInt("topk", `argument k (at most the size ${n} of axis ${a})`, k, 0, n);
  const [v, i] = sortPrim(u, a, largest, k);
  // a 0-d x with k = 0 gives an empty [0] (there is no 0-d shape with no entries)
  if (k === 0) return named(v, i);
  return named(back(v), back(i));
}

// ---------------------------------------------------------------------------
// argmax, argmin

function argReduce(op: "argmax" | "argmin", x: TensorLike, options: ArgReduceOptions | number | undefined): Tensor {
  const t = tensorArg(x, op, "x");
  const o = optionsOf<ArgReduceOptions>(op, options, ["axis", "keepdims"]);
  const keepdims = checkBool(op, "option keepdims", o.keepdims, false);
  const what = op === "argmax" ? "maximum" : "minimum";
  if (o.axis === undefined || o.axis === null) {
    if (t.size === 0) throw new ShapeError(op, `the ${what} of an empty tensor (shape ${fmtShape(t.shape)}) is undefined`);
    // the flat index (row-major) of the first extremum
    const flat = apply(rules[op], [reshape(t, [t.size])], { axis: 0 });
    return reshape(flat, keepdims ? t.shape.map(() => 1) : []);
  }
  const [u, a, back] = laneView(op, t, o.axis);
  needEntries(op, u, a, what);
  return back(dropAxis(apply(rules[op], [u], { axis: a }), a, keepdims));
}

/**
 * The index of the maximum along `axis` (no axis: the flat row-major index
 * over all entries), as torch.argmax: the first occurrence of the maximum,
 * and a NaN counts as the maximum (the first NaN's index). A float64 tensor
 * holding integers, without derivative.
 */
export function argmax(x: TensorLike, options?: ArgReduceOptions | number): Tensor {
  return argReduce("argmax", x, options);
}

/** The index of the minimum along `axis` (no axis: flat), as torch.argmin: the first minimum; a NaN counts as the minimum. */
export function argmin(x: TensorLike, options?: ArgReduceOptions | number): Tensor {
  return argReduce("argmin", x, options);
}

// ---------------------------------------------------------------------------
// kthvalue, median, nanmedian

/**
 * The `k`-th smallest entry along `axis` (default −1; k is 1-based, as
 * torch.kthvalue) and its index: `[values, indices]`. Among equal entries the
 * one earlier in x comes first; NaN counts as larger than every number. The
 * derivative goes to the selected entry.
 */
export function kthvalue(x: TensorLike, k: number, options?: KthvalueOptions | number): ValuesIndices {
  const t = tensorArg(x, "kthvalue", "x");
  const o = optionsOf<KthvalueOptions>("kthvalue", options, ["axis", "keepdims"]);
  const keepdims = checkBool("kthvalue", "option keepdims", o.keepdims, false);
  const [u, a, back] = laneView("kthvalue", t, o.axis ?? -1);
  const n = u.shape[a];
  if (n === 0 && u.size === 0 && sizeOf(u.shape.filter((_, i) => i !== a)) > 0)
    throw new ShapeError("kthvalue", `cannot select along axis ${a} of size 0 (input shape ${fmtShape(u.shape)})`);
  checkInt("kthvalue", `argument k (1-based, at most the size ${n} of axis ${a})`, k, 1, Math.max(n, 1));
  const [v, i] = sortPrim(u, a, false, Math.min(k, n));
  if (n === 0) return named(back(dropAxis(v, a, keepdims)), back(dropAxis(i, a, keepdims)));
  return named(back(dropAxis(at(v, a, k - 1), a, keepdims)), back(dropAxis(at(i, a, k - 1), a, keepdims)));
}

/** Round half to even (torch.round; Math.round rounds halves up). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The number of NaNs of each lane along `axis` of a sorted tensor, kept with size 1 (a constant). */
function nanCount(sorted: Tensor, axis: number): Tensor {
  return fromNanCount(sorted, axis, (c) => c);
}

/** f(the number of NaNs) for each lane along `axis` of a sorted tensor, kept with size 1 (a constant made in one pass). */
function fromNanCount(sorted: Tensor, axis: number, f: (nans: number) => number): Tensor {
  // NaNs sort last: each lane is counted from its end (no mask of the sorted tensor's size)
  return liftValues([sorted], ([u]) => {
    const ax = axis + u.ndim - sorted.ndim; // under vmap u has leading batch axes
    const n = u.shape[ax], inner = sizeOf(u.shape.slice(ax + 1)), outer = sizeOf(u.shape.slice(0, ax));
    const out = new Float64Array(outer * inner), d = u._data;
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < inner; j++) {
        let c = 0;
        for (let k = n - 1; k >= 0 && d[(o * n + k) * inner + j] !== d[(o * n + k) * inner + j]; k--) c++;
        out[o * inner + j] = f(c);
      }
    return new Tensor(out, u.shape.map((v: number, i: number) => (i === ax ? 1 : v)));
  });
}

/**
 * The median selection along `axis` of u: the lower median (entry ⌊(n−1)/2⌋
 * of the sorted lane); with a NaN in the lane, the lane's first NaN (median),
 * or the lower median of the other entries (nanmedian; NaN when all are NaN).
 */
function medianAlong(u: Tensor, a: number, ignoreNan: boolean): [Tensor, Tensor] {
  const n = u.shape[a];
  const [sv, si] = sortPrim(u, a, false, n);
  if (n === 0) return [sv, si];
  // NaNs sort last and stably: the first NaN of the lane is at position n − count
  const pos = fromNanCount(sv, a, ignoreNan ? (c) => Math.max(Math.floor((n - 1 - c) * 0.5), 0) : (c) => (c > 0 ? n - c : (n - 1) >> 1));
  const op = ignoreNan ? "nanmedian" : "median";
  return [gatherP(sv, pos, a, op), gatherP(si, pos, a, op)];
}

function medianImpl(op: "median" | "nanmedian", x: TensorLike, options: ArgReduceOptions | number | undefined): Tensor | ValuesIndices {
  const t = tensorArg(x, op, "x");
  const o = optionsOf<ArgReduceOptions>(op, options, ["axis", "keepdims"]);
  const keepdims = checkBool(op, "option keepdims", o.keepdims, false);
  if (o.axis === undefined || o.axis === null) {
    if (t.size === 0) throw new ShapeError(op, `the median of an empty tensor (shape ${fmtShape(t.shape)}) is undefined`);
    const [v] = medianAlong(reshape(t, [t.size]), 0, op === "nanmedian");
    return reshape(v, keepdims ? t.shape.map(() => 1) : []);
  }
  const [u, a, back] = laneView(op, t, o.axis);
  needEntries(op, u, a, "median");
  const [v, i] = medianAlong(u, a, op === "nanmedian");
  return named(back(dropAxis(v, a, keepdims)), back(dropAxis(i, a, keepdims)));
}

/**
 * The lower median (torch.median: entry ⌊(n−1)/2⌋ of the sorted entries, not
 * the mean of the two middle ones). Without an axis: the median of all
 * entries, a 0-d tensor. With an axis: `[values, indices]` along it. A lane
 * with a NaN has median NaN (index: its first NaN). The derivative goes to
 * the selected entry (among ties, the one the stable sort put there).
 */
export function median(x: TensorLike, options?: { axis?: null; keepdims?: boolean }): Tensor;
export function median(x: TensorLike, options: { axis: number; keepdims?: boolean } | number): ValuesIndices;
export function median(x: TensorLike, options?: ArgReduceOptions | number): Tensor | ValuesIndices {
  return medianImpl("median", x, options);
}

/** The lower median ignoring NaNs (torch.nanmedian); NaN where a lane is all NaN. Forms as {@link median}. */
export function nanmedian(x: TensorLike, options?: { axis?: null; keepdims?: boolean }): Tensor;
export function nanmedian(x: TensorLike, options: { axis: number; keepdims?: boolean } | number): ValuesIndices;
export function nanmedian(x: TensorLike, options?: ArgReduceOptions | number): Tensor | ValuesIndices {
  return medianImpl("nanmedian", x, options);
}

// ---------------------------------------------------------------------------
// quantile, nanquantile

/** q as a tensor of shape [Q] (checked in [0, 1]) and whether it was a scalar. */
function quantilesArg(op: string, q: unknown): [Tensor, boolean] {
  const qt = typeof q === "number" ? null : tensorArg(q as TensorLike, op, "q");
  if (qt !== null && qt.ndim > 1) throw new ShapeError(op, `argument q must be a number, a 0-d or a 1-d tensor of quantiles; got shape ${fmtShape(qt.shape)}`);
  const check = (v: number): void => {
    if (!(v >= 0 && v <= 1)) throw new ArgumentError(op, `argument q must hold quantiles in [0, 1]; got ${describe(v)}`);
  };
  if (qt === null) {
    check(q as number);
    return [tensorArg([q as number], op, "q"), true];
  }
  // a batched q (inside vmap) has no values to check here
  if (qt._bt === null) for (let i = 0; i < qt.size; i++) check(qt._data[i]);
  return [qt.ndim === 0 ? reshape(qt, [1]) : qt, qt.ndim === 0];
}

function quantileImpl(op: "quantile" | "nanquantile", x: TensorLike, q: TensorLike, options: QuantileOptions | number | undefined): Tensor {
  const t = tensorArg(x, op, "x");
  const [qv, scalarQ] = quantilesArg(op, q);
  const o = optionsOf<QuantileOptions>(op, options, ["axis", "keepdims", "interpolation"]);
  const keepdims = checkBool(op, "option keepdims", o.keepdims, false);
  const interp = o.interpolation ?? "linear";
  if (!INTERPOLATIONS.includes(interp as string))
    throw new ArgumentError(op, `option interpolation must be one of ${INTERPOLATIONS.map((s) => `"${s}"`).join(", ")}; got ${describe(interp)}`);
  const all = o.axis === undefined || o.axis === null;
  const [u, a] = all ? [reshape(t, [t.size]), 0] : laneView(op, t, o.axis);
  if (t.size === 0) throw new ShapeError(op, `argument x must be non-empty; got shape ${fmtShape(t.shape)}`);
  // the quantile axis last, the others merged: sorted lanes [B, n]
  const r = u.ndim, n = u.shape[a];
  const perm = [...Array.from({ length: r }, (_, i) => i).filter((i) => i !== a), a];
  const rest = perm.slice(0, -1).map((i) => u.shape[i]);
  const B = sizeOf(rest), Q = qv.shape[0];
  const [sv] = sortPrim(reshape(permute(u, perm), [B, n]), 1, false, n);
  // the (fractional) rank of each quantile in its sorted lane: q·(n − 1) (PyTorch's),
  // over the non-NaN entries for nanquantile; a lane with a NaN gives NaN (rank n − 1: its last entry)
  const rankOf = (nans: number, q: number): number => {
    if (op === "nanquantile") {
      const rk = q * (n - nans - 1);
      return rk < 0 ? 0 : rk;
    }
    return nans > 0 ? n - 1 : q * (n - 1);
  };
  const integral = interp === "lower" || interp === "higher" || interp === "nearest";
  let ranks: Tensor;
  if (qv._node === null && qv._fw === null && qv._bt === null) {
    // q a constant (no derivative wanted): the ranks, rounded as `interpolation` says, as one constant made
    // in one pass over the sorted lanes (no NaN mask, no broadcast arithmetic on [B, Q] arrays)
    const qs = qv._data;
    const snap = interp === "lower" ? Math.floor : interp === "higher" ? Math.ceil : interp === "nearest" ? roundHalfEven : (v: number) => v;
    ranks = liftValues([sv], ([u]) => {
      const lanes = n === 0 ? 0 : u.size / n, d = u._data, out = new Float64Array(lanes * Q);
      for (let l = 0; l < lanes; l++) {
        let nans = 0;
        for (let k = n - 1; k >= 0 && d[l * n + k] !== d[l * n + k]; k--) nans++; // NaNs sort last
        for (let j = 0; j < Q; j++) out[l * Q + j] = snap(rankOf(nans, qs[j]));
      }
      return new Tensor(out, [...u.shape.slice(0, -1), Q]);
    });
  } else {
    const cnt = nanCount(sv, 1); // [B, 1]
    const qRow = reshape(qv, [1, Q]);
    ranks = op === "nanquantile"
      ? (() => { const rk = mul(qRow, sub(sub(n, cnt), 1)); return where(lt(rk, 0), 0, rk); })()
      : where(gt(cnt, 0), n - 1, mul(qRow, n - 1));
    if (interp === "lower") ranks = floor(ranks);
    else if (interp === "higher") ranks = ceil(ranks);
    else if (interp === "nearest") ranks = round(ranks); // half to even, as torch.round
  }
  // ranks is [B, Q] (a lane's NaN count [B, 1] broadcast against q [1, Q]); rounded ranks are their own floor
  const below = integral ? ranks : floor(ranks);
  let out = gatherP(sv, below, 1, op);
  if (interp === "linear" || interp === "midpoint") {
    const above = gatherP(sv, ceil(ranks), 1, op);
    // torch.lerp: x + w·(y − x) for w < 1/2, y − (y − x)·(1 − w) otherwise (exact at both ends);
    // w = rank − ⌊rank⌋ depends on q (so q gets a derivative, as in PyTorch), not on x
    const w = interp === "midpoint" ? 0.5 : sub(ranks, below);
    const d = sub(above, out);
    out = interp === "midpoint"
      ? add(out, mul(d, 0.5))
      : where(lt(w, 0.5), add(out, mul(w, d)), sub(above, mul(d, sub(1, w))));
  }
  // [B, Q] → [Q, …rest] (a scalar q: […rest]), the reduced axis kept with size 1 when keepdims
  let res = reshape(permute(out, [1, 0]), [Q, ...rest]);
  if (keepdims) {
    const kept = all ? t.shape.map(() => 1) : t.ndim === 0 ? [] : t.shape.map((d, i) => (i === a ? 1 : d));
    res = reshape(res, [Q, ...kept]);
  } else if (all || t.ndim === 0) res = reshape(res, [Q]);
  return scalarQ ? reshape(res, res.shape.slice(1)) : res;
}

/**
 * The q-th quantiles of x along `axis` (no axis: of all entries), as
 * torch.quantile: q is a number or a 0-d / 1-d tensor of numbers in [0, 1];
 * with a 1-d q the result has a leading axis of its length. The rank of q in
 * a lane of n sorted entries is q·(n − 1), between the neighbours
 * i = ⌊rank⌋ and j = ⌈rank⌉; `interpolation` picks "linear" (default:
 * x[i] + (x[j] − x[i])·(rank − i)), "lower", "higher", "midpoint" or
 * "nearest" (rank rounded half to even). A lane with a NaN gives NaN.
 * Differentiable in x (the weights fall on the two neighbours) and, for
 * "linear", in q.
 */
export function quantile(x: TensorLike, q: number | TensorLike, options?: QuantileOptions | number): Tensor {
  return quantileImpl("quantile", x, q, options);
}

/** {@link quantile} ignoring NaNs (torch.nanquantile): ranks over each lane's non-NaN entries; NaN where a lane is all NaN. */
export function nanquantile(x: TensorLike, q: number | TensorLike, options?: QuantileOptions | number): Tensor {
  return quantileImpl("nanquantile", x, q, options);
}
