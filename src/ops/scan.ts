/**
 * Scans, differences, standard deviation, truth reductions, predicates and
 * logical ops (PyTorch's names in camelCase).
 *
 * - Scans (`cumsum`, `cumprod`, `cummax`, `cummin`, `logcumsumexp`) are
 *   primitives with O(n) kernels along any axis (src/kernels/scan.ts) and
 *   derivatives written with differentiable ops (src/ops/rules/scan.ts);
 *   `diff` and `std` are composites.
 * - Booleans are float64 tensors holding 0 and 1 (matgrad has one dtype);
 *   truthiness is PyTorch's: any nonzero value is true, NaN included. The
 *   predicates and logical ops are constants for autodiff (no gradient, like
 *   PyTorch's bool outputs) and run under vmap through `liftValues`.
 * - Indices (cummax / cummin) are float64 tensors holding integers, exact
 *   below 2⁵³, as everywhere in matgrad.
 */
import { Tensor } from "../tensor/tensor.js";
import { tensorArg, zerosLike } from "../tensor/create.js";
import { broadcastShapes, fmtShape, normAxes, normAxis } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { checkCorrection, checkInt, checkOptions, describe, isOptionsObject } from "../validate.js";
import * as pk from "../kernels/predicate.js";
import { apply, applyMulti } from "./dispatch.js";
import { liftValues } from "./batching.js";
import { rules } from "./registry.js";
import {
  broadcastTo, concat, eq, gt, ne, slice, sqrt, sub, sum, variance,
  type Axes, type ReduceOptions, type SliceSpec, type TensorLike, type VarianceOptions,
} from "./api.js";

// ---------------------------------------------------------------------------
// Scans

/** x as a tensor and its scan axis (a 0-d tensor has the axes 0 and −1, as in PyTorch). */
function scanArgs(op: string, x: TensorLike, axis: number): [Tensor, number] {
  const t = tensorArg(x, op, "x");
  if (axis === undefined) throw new ArgumentError(op, "argument axis is required (the axis to scan along; PyTorch's dim)");
  if (typeof axis !== "number") throw new ArgumentError(op, `argument axis must be an integer; got ${describe(axis)}`);
  return [t, normAxis(op, axis, Math.max(t.ndim, 1))];
}

/**
 * Cumulative sum along `axis`: out[…, j, …] = Σ_{i≤j} x[…, i, …] (torch.cumsum).
 * Derivative: JVP cumsum(dx), VJP the reverse cumulative sum of the cotangent.
 */
export function cumsum(x: TensorLike, axis: number): Tensor {
  const [t, a] = scanArgs("cumsum", x, axis);
  if (t.ndim === 0) return t;
  return apply(rules.cumsum, [t], { axis: a, reverse: false });
}

/**
 * Cumulative product along `axis`: out[…, j, …] = Π_{i≤j} x[…, i, …] (torch.cumprod).
 * The derivative is exact with zeros in x (one or many) and at every order:
 * x̄ᵢ = Π_{m<i} xₘ · Σ_{j≥i} ctⱼ Π_{i<m≤j} xₘ, computed in O(n) by a linear
 * recurrence, never by dividing by xᵢ.
 */
export function cumprod(x: TensorLike, axis: number): Tensor {
  const [t, a] = scanArgs("cumprod", x, axis);
  if (t.ndim === 0) return t;
  return apply(rules.cumprod, [t], { axis: a });
}

/**
 * log Σ_{i≤j} exp(x[…, i, …]) along `axis` (torch.logcumsumexp), computed by
 * a running log-add-exp: no overflow for large x, exact −∞ for leading −∞
 * entries. Derivative: x̄ᵢ = Σ_{j≥i} ctⱼ e^(xᵢ − outⱼ) (softmax weights of each prefix).
 */
export function logcumsumexp(x: TensorLike, axis: number): Tensor {
  const [t, a] = scanArgs("logcumsumexp", x, axis);
  if (t.ndim === 0) return t;
  return apply(rules.logcumsumexp, [t], { axis: a });
}

function cumExtremum(op: "cummax" | "cummin", x: TensorLike, axis: number): [values: Tensor, indices: Tensor] {
  const [t, a] = scanArgs(op, x, axis);
  if (t.ndim === 0) return [t, zerosLike(t)];
  const [values, indices] = applyMulti(rules[op], [t], { axis: a });
  return [values, indices];
}

/**
 * Running maximum along `axis` and where it was attained → [values, indices]
 * (torch.cummax). Ties go to the *last* index (an entry equal to the running
 * maximum takes over, as PyTorch); a NaN takes over and stays. Indices are
 * float64 integers. The gradient of values[j] goes to x[indices[j]].
 */
export function cummax(x: TensorLike, axis: number): [values: Tensor, indices: Tensor] {
  return cumExtremum("cummax", x, axis);
}

/** Running minimum along `axis` and where it was attained → [values, indices] (torch.cummin); ties and NaN as {@link cummax}. */
export function cummin(x: TensorLike, axis: number): [values: Tensor, indices: Tensor] {
  return cumExtremum("cummin", x, axis);
}

/** Options of {@link diff} (torch.diff's keywords). */
export interface DiffOptions {
  /** How many times to take the difference (default 1; 0 returns x). */
  n?: number;
  /** The axis (default −1). */
  axis?: number;
  /** Values joined before x along the axis first: a tensor of x's shape except along the axis, or a number (one slice of it). */
  prepend?: TensorLike;
  /** Values joined after x along the axis first (as prepend). */
  append?: TensorLike;
}

/** prepend / append as a tensor joinable with t along axis a. */
function joinable(t: Tensor, v: TensorLike, a: number, name: "prepend" | "append"): Tensor {
  const p = tensorArg(v, "diff", `option ${name}`);
  if (p.ndim === 0) {
    // a number stands for one slice of that value (NumPy's broadcasting of a scalar)
    const shape = t.shape.slice();
    shape[a] = 1;
    return broadcastTo(p, shape);
  }
  if (p.ndim !== t.ndim || p.shape.some((d, i) => i !== a && d !== t.shape[i]))
    throw new ShapeError("diff", `option ${name} has shape ${fmtShape(p.shape)}, but must match x's shape ${fmtShape(t.shape)} except along axis ${a} (or be a number)`);
  return p;
}

/**
 * The n-th forward difference along `axis` (torch.diff): out[j] = x[j+1] − x[j],
 * applied n times, after joining `prepend` / `append`. The axis shrinks by n
 * (to 0 when n reaches its length). Linear, hence differentiable at every order.
 */
export function diff(x: TensorLike, options?: DiffOptions): Tensor {
  const t = tensorArg(x, "diff", "x");
  const o = checkOptions("diff", options, ["n", "axis", "prepend", "append"]);
  const n = checkInt("diff", "option n", o.n ?? 1, 0);
  if (t.ndim === 0) throw new ShapeError("diff", "x must have at least one dimension; got a 0-d tensor");
  const a = normAxis("diff", checkInt("diff", "option axis", o.axis ?? -1), t.ndim);
  const parts: Tensor[] = [];
  if (o.prepend !== undefined) parts.push(joinable(t, o.prepend, a, "prepend"));
  parts.push(t);
  if (o.append !== undefined) parts.push(joinable(t, o.append, a, "append"));
  let cur = parts.length === 1 ? t : concat(parts, a);
  for (let i = 0; i < n; i++) {
    const len = cur.shape[a];
    if (len === 0) break;
    const hi: SliceSpec[] = cur.shape.map(() => null), lo: SliceSpec[] = cur.shape.map(() => null);
    hi[a] = [1, len];
    lo[a] = [0, len - 1];
    cur = sub(slice(cur, ...hi), slice(cur, ...lo));
  }
  return cur;
}

// ---------------------------------------------------------------------------
// Reductions: std, any, all, countNonzero

/** (axes, keepdims, extra options) of a reduction from its positional or options form. */
function reduceOptions<O extends ReduceOptions>(op: string, axesArg: Axes | O, keepdimsArg: unknown, valid: readonly string[]): [Axes, boolean, O | null] {
  let axes = axesArg as Axes, keepdims = keepdimsArg, opts: O | null = null;
  if (axesArg !== null && typeof axesArg === "object" && !Array.isArray(axesArg) && isOptionsObject(axesArg)) {
    opts = checkOptions(op, axesArg as O, valid, "axes");
    if (keepdimsArg !== undefined && keepdimsArg !== false)
      throw new ArgumentError(op, "give keepdims either in the options object or as the third argument, not both");
    axes = opts.axes;
    keepdims = opts.keepdims;
  }
  if (keepdims !== undefined && keepdims !== true && keepdims !== false)
    throw new ArgumentError(op, `argument keepdims must be true or false; got ${describe(keepdims)}`);
  return [axes, keepdims === true, opts];
}

/**
 * Standard deviation over `axes`: √(Σ(x − mean)² / (N − correction)), with
 * `correction` 1 by default (Bessel's, as torch.std) and any finite real
 * (e.g. 0.5); the square root of {@link variance} (N − correction ≤ 0: +∞, or
 * NaN for a constant input, as PyTorch). Its gradient
 * (x − mean)/((N − correction)·std) is NaN where std = 0 (constant input), as
 * in PyTorch.
 */
export function std(x: TensorLike, axesArg?: Axes | VarianceOptions, keepdimsArg?: boolean, correctionArg?: number): Tensor {
  const t = tensorArg(x, "std", "x");
  const [axes, keepdims, opts] = reduceOptions<VarianceOptions>("std", axesArg, keepdimsArg, ["axes", "keepdims", "correction"]);
  let correction = correctionArg;
  if (opts !== null) {
    if (correction !== undefined) throw new ArgumentError("std", "give correction either in the options object or as the fourth argument, not both");
    correction = opts.correction;
  }
  checkCorrection("std", correction ?? 1);
  const ax = normAxes("std", axes, t.ndim);
  return sqrt(variance(t, ax, keepdims, correction ?? 1));
}

/**
 * True (1) where any entry over `axes` (all when omitted) is nonzero — NaN counts
 * as true — else 0 (torch.any). Over no entries: 0. Not differentiable (a constant).
 */
export function any(x: TensorLike, axesArg?: Axes | ReduceOptions, keepdimsArg?: boolean): Tensor {
  const t = tensorArg(x, "any", "x");
  const [axes, keepdims] = reduceOptions("any", axesArg, keepdimsArg, ["axes", "keepdims"]);
  const ax = normAxes("any", axes, t.ndim);
  return gt(sum(ne(t, 0), ax, keepdims), 0);
}

/**
 * True (1) where every entry over `axes` (all when omitted) is nonzero — NaN
 * counts as true — else 0 (torch.all). Over no entries: 1. Not differentiable.
 */
export function all(x: TensorLike, axesArg?: Axes | ReduceOptions, keepdimsArg?: boolean): Tensor {
  const t = tensorArg(x, "all", "x");
  const [axes, keepdims] = reduceOptions("all", axesArg, keepdimsArg, ["axes", "keepdims"]);
  const ax = normAxes("all", axes, t.ndim);
  return eq(sum(eq(t, 0), ax, keepdims), 0);
}

/** The number of nonzero entries (NaN included) over `axes`, all when omitted (torch.count_nonzero), as a float64 integer. Not differentiable. */
export function countNonzero(x: TensorLike, axes?: Axes): Tensor {
  const t = tensorArg(x, "countNonzero", "x");
  if (axes !== undefined && axes !== null && typeof axes !== "number" && !Array.isArray(axes))
    throw new ArgumentError("countNonzero", `argument axes must be an axis, an array of axes or null; got ${describe(axes)}`);
  return sum(ne(t, 0), normAxes("countNonzero", axes, t.ndim));
}

// ---------------------------------------------------------------------------
// Predicates and logical ops: 0 / 1 results, no gradient

const predicate = (op: pk.PredicateOp) => (x: TensorLike): Tensor => {
  const t = tensorArg(x, op, "x");
  return liftValues([t], ([u]) => new Tensor(pk.predicate(op, u._data), u.shape));
};

/** 1 where x is NaN, else 0 (torch.isnan). Not differentiable. */
export const isnan = predicate("isnan");
/** 1 where x is finite (not ±∞, not NaN), else 0 (torch.isfinite). Not differentiable. */
export const isfinite = predicate("isfinite");
/** 1 where x is +∞ or −∞, else 0 (torch.isinf). Not differentiable. */
export const isinf = predicate("isinf");
/** 1 where x is +∞, else 0 (torch.isposinf). Not differentiable. */
export const isposinf = predicate("isposinf");
/** 1 where x is −∞, else 0 (torch.isneginf). Not differentiable. */
export const isneginf = predicate("isneginf");
/** 1 where x is 0, else 0 (torch.logical_not; NaN is true, so its negation is 0). Not differentiable. */
export const logicalNot = predicate("logicalNot");

const logical = (op: pk.LogicalOp, name: string) => (a: TensorLike, b: TensorLike): Tensor => {
  const ta = tensorArg(a, name, "a"), tb = tensorArg(b, name, "b");
  broadcastShapes(name, ta.shape, tb.shape);
  return liftValues([ta, tb], ([u, v]) => {
    const shape = broadcastShapes(name, u.shape, v.shape);
    return new Tensor(pk.logical(op, u._data, u.shape, v._data, v.shape, shape), shape);
  });
};

/** 1 where both a and b are nonzero (NaN is true), else 0, broadcasting (torch.logical_and). Not differentiable. */
export const logicalAnd = logical("and", "logicalAnd");
/** 1 where a or b is nonzero (NaN is true), else 0, broadcasting (torch.logical_or). Not differentiable. */
export const logicalOr = logical("or", "logicalOr");
/** 1 where exactly one of a and b is nonzero (NaN is true), else 0, broadcasting (torch.logical_xor). Not differentiable. */
export const logicalXor = logical("xor", "logicalXor");
