/**
 * The differentiable op functions. Primitives go through `apply` with their
 * rule; composites are written in terms of primitives and need no rule.
 */
import { Tensor, type NestedArray } from "../tensor/tensor.js";
import { checkShape, fromNested, scalar, tensorArg, zeros } from "../tensor/create.js";
import {
  broadcastShapes, fmtShape, normAxes, normAxis, reducedShape, resolveReshape, shapesEqual, sizeOf, type Shape,
} from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { checkCorrection, checkInt, checkOptions, describe, isOptionsObject } from "../validate.js";
import { apply, applyMulti } from "./dispatch.js";
import { sliceCopy } from "../kernels/layout.js";
import type { Rule } from "../tensor/meta.js";
import { liftValues } from "./batching.js";
import { checkedIndices } from "./index-args.js";
import { rules } from "./registry.js";
import * as ew from "../kernels/elementwise.js";

/**
 * What an op accepts where it needs a tensor: a tensor, a number or nested
 * arrays of numbers. (A typed array is converted too, as a vector or as the
 * rows of nested arrays, but is not in this type: it would make the transforms'
 * inferred function types too deep; use tensor(typedArray) in typed code.)
 */
export type TensorLike = Tensor | number | NestedArray;

/**
 * A tensor from a tensor-like (a tensor is returned as is); usable as
 * `xs.map(asTensor)`. Op functions use tensorArg (tensor/create.ts) instead,
 * whose errors name the op and the argument.
 */
export function asTensor(x: TensorLike): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") return scalar(x);
  return fromNested(x, "asTensor", "x");
}

/** A list of tensor-likes (concat, stack): each converted, named `xs[i]` in errors. */
function tensorList(op: string, xs: readonly TensorLike[]): Tensor[] {
  if (!Array.isArray(xs)) throw new ArgumentError(op, `argument xs must be an array of tensors; got ${describe(xs)}`);
  if (xs.length === 0) throw new ArgumentError(op, "argument xs must hold at least one tensor; got an empty array");
  const out = new Array<Tensor>(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as TensorLike;
    out[i] = x instanceof Tensor ? x : tensorArg(x, op, `xs[${i}]`);
  }
  return out;
}

/** keepdims: true or false (a number or an axis list here is a misplaced argument). */
function keepdimsArg(op: string, keepdims: unknown): boolean {
  if (keepdims === false || keepdims === true) return keepdims;
  if (keepdims === undefined) return false;
  throw new ArgumentError(op, `argument keepdims must be true or false; got ${describe(keepdims)}`);
}

// ---------------------------------------------------------------------------
// Elementwise

/** Elementwise sum a + b, broadcasting. */
export const add = (a: TensorLike, b: TensorLike): Tensor => apply(rules.add, [tensorArg(a, "add", "a"), tensorArg(b, "add", "b")], null);
/** Elementwise difference a − b, broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => apply(rules.sub, [tensorArg(a, "sub", "a"), tensorArg(b, "sub", "b")], null);
/** a·b (broadcasting); a number factor is a parameter of the op rather than a constant tensor. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === "number") return apply(rules.mulScalar, [tensorArg(a, "mul", "a")], { s: b });
  if (typeof a === "number") return apply(rules.mulScalar, [tensorArg(b, "mul", "b")], { s: a });
  return apply(rules.mul, [tensorArg(a, "mul", "a"), tensorArg(b, "mul", "b")], null);
}
/** Elementwise quotient a / b, broadcasting. */
export const div = (a: TensorLike, b: TensorLike): Tensor => apply(rules.div, [tensorArg(a, "div", "a"), tensorArg(b, "div", "b")], null);
/** Elementwise maximum, broadcasting; at ties the gradient is shared evenly. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => apply(rules.maximum, [tensorArg(a, "maximum", "a"), tensorArg(b, "maximum", "b")], null);
/** Elementwise minimum, broadcasting; at ties the gradient is shared evenly. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => apply(rules.minimum, [tensorArg(a, "minimum", "a"), tensorArg(b, "minimum", "b")], null);

/** x ** y; a number exponent uses the scalar-power rule (no gradient for the exponent). */
export function pow(x: TensorLike, y: TensorLike): Tensor {
  if (typeof y === "number") return apply(rules.powScalar, [tensorArg(x, "pow", "x")], { p: y });
  return apply(rules.pow, [tensorArg(x, "pow", "x"), tensorArg(y, "pow", "y")], null);
}

/** Elementwise negation −x. */
export const neg = (x: TensorLike): Tensor => apply(rules.neg, [tensorArg(x, "neg", "x")], null);
/** Elementwise exponential eˣ. */
export const exp = (x: TensorLike): Tensor => apply(rules.exp, [tensorArg(x, "exp", "x")], null);
/** Elementwise natural logarithm (NaN below 0, −∞ at 0). */
export const log = (x: TensorLike): Tensor => apply(rules.log, [tensorArg(x, "log", "x")], null);
/** Elementwise square root. */
export const sqrt = (x: TensorLike): Tensor => apply(rules.sqrt, [tensorArg(x, "sqrt", "x")], null);
/** Elementwise absolute value (subgradient 0 at 0). */
export const abs = (x: TensorLike): Tensor => apply(rules.abs, [tensorArg(x, "abs", "x")], null);
/** Elementwise sine. */
export const sin = (x: TensorLike): Tensor => apply(rules.sin, [tensorArg(x, "sin", "x")], null);
/** Elementwise cosine. */
export const cos = (x: TensorLike): Tensor => apply(rules.cos, [tensorArg(x, "cos", "x")], null);
/** Elementwise tangent. */
export const tan = (x: TensorLike): Tensor => apply(rules.tan, [tensorArg(x, "tan", "x")], null);
/** Elementwise hyperbolic tangent. */
export const tanh = (x: TensorLike): Tensor => apply(rules.tanh, [tensorArg(x, "tanh", "x")], null);
/** Elementwise logistic function 1 / (1 + e⁻ˣ). */
export const sigmoid = (x: TensorLike): Tensor => apply(rules.sigmoid, [tensorArg(x, "sigmoid", "x")], null);
/** Elementwise max(x, 0) (subgradient 0 at 0). */
export const relu = (x: TensorLike): Tensor => apply(rules.relu, [tensorArg(x, "relu", "x")], null);
/** Elementwise square x². */
export const square = (x: TensorLike): Tensor => pow(tensorArg(x, "square", "x"), 2);
/** Elementwise reciprocal 1 / x. */
export const reciprocal = (x: TensorLike): Tensor => pow(tensorArg(x, "reciprocal", "x"), -1);

/** Elementwise select: cond ≠ 0 picks x, else y (broadcasting). cond is not differentiated. */
export function where(cond: TensorLike, x: TensorLike, y: TensorLike): Tensor {
  return apply(rules.where, [tensorArg(cond, "where", "cond"), tensorArg(x, "where", "x"), tensorArg(y, "where", "y")], null);
}

/**
 * Clamp into [min, max] (either bound may be omitted; min > max gives max, as in PyTorch).
 * PyTorch's subgradient: gradient 1 for x inside the closed interval (bounds included),
 * 0 outside; a tensor bound gets the gradient where it is selected. NaN in x or in a
 * bound gives NaN. Written as where(x beyond the bound, bound, x) with a constant mask.
 */
export function clamp(x: TensorLike, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  let out = tensorArg(x, "clamp", "x");
  const noMin = min === undefined || min === null, noMax = max === undefined || max === null;
  if ((noMin || typeof min === "number") && (noMax || typeof max === "number")) {
    // number bounds: where(lo ≤ x ≤ hi, x, c) with the constant c = min(max(x, lo), hi) — three
    // arrays of x's size (mask, c, result), not four (a mask and a where per side)
    const lo = noMin ? -Infinity : (min as number), hi = noMax ? Infinity : (max as number);
    const values = (f: (v: number) => number) => liftValues([out], ([u]) => {
      const o = new Float64Array(u.size), d = u._data;
      for (let i = 0; i < o.length; i++) o[i] = f(d[i]);
      return new Tensor(o, u.shape);
    });
    const inside = values((v) => (v >= lo && v <= hi ? 1 : 0));
    return where(inside, out, values((v) => Math.min(Math.max(v, lo), hi)));
  }
  if (min !== undefined && min !== null) out = clampSide(out, tensorArg(min, "clamp", "min"), "belowOrNaN");
  if (max !== undefined && max !== null) out = clampSide(out, tensorArg(max, "clamp", "max"), "aboveOrNaN");
  return out;
}

function clampSide(x: Tensor, bound: Tensor, op: "belowOrNaN" | "aboveOrNaN"): Tensor {
  broadcastShapes("clamp", x.shape, bound.shape);
  const mask = liftValues([x, bound], ([a, b]) => {
    const shape = broadcastShapes("clamp", a.shape, b.shape);
    return new Tensor(ew.binary(op, a._data, a.shape, b._data, b.shape, shape), shape);
  });
  return where(mask, bound, x);
}

// Non-differentiable elementwise functions: their results are constants.
function nondiffBinary(op: ew.BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const ta = tensorArg(a, op, "a"), tb = tensorArg(b, op, "b");
  broadcastShapes(op, ta.shape, tb.shape);
  // (batch-aware: under vmap the kernel runs once on the physical tensors)
  return liftValues([ta, tb], ([x, y]) => {
    const shape = broadcastShapes(op, x.shape, y.shape);
    return new Tensor(ew.binary(op, x._data, x.shape, y._data, y.shape, shape), shape);
  });
}
/** Elementwise a > b as 1 / 0, broadcasting (not differentiable: a constant). */
export const gt = (a: TensorLike, b: TensorLike): Tensor => nondiffBinary("gt", a, b);
/** Elementwise a ≥ b as 1 / 0, broadcasting (not differentiable: a constant). */
export const ge = (a: TensorLike, b: TensorLike): Tensor => nondiffBinary("ge", a, b);
/** Elementwise a < b as 1 / 0, broadcasting (not differentiable: a constant). */
export const lt = (a: TensorLike, b: TensorLike): Tensor => nondiffBinary("lt", a, b);
/** Elementwise a ≤ b as 1 / 0, broadcasting (not differentiable: a constant). */
export const le = (a: TensorLike, b: TensorLike): Tensor => nondiffBinary("le", a, b);
/** Elementwise a = b as 1 / 0, broadcasting (not differentiable: a constant). */
export const eq = (a: TensorLike, b: TensorLike): Tensor => nondiffBinary("eq", a, b);
/** Elementwise a ≠ b as 1 / 0, broadcasting (not differentiable: a constant). */
export const ne = (a: TensorLike, b: TensorLike): Tensor => nondiffBinary("ne", a, b);
/** Elementwise sign: −1, 0 or 1 (NaN stays NaN); its derivative is 0. */
export function sign(x: TensorLike): Tensor {
  const t = tensorArg(x, "sign", "x");
  return liftValues([t], ([u]) => new Tensor(ew.unary("sign", u._data), u.shape));
}
/** 1 where x > 0, 0 where x ≤ 0, NaN where x is NaN (a constant; the derivative of relu, so relu′(NaN) = NaN). */
export function step(x: TensorLike): Tensor {
  const t = tensorArg(x, "step", "x");
  return liftValues([t], ([u]) => new Tensor(ew.unary("step", u._data), u.shape));
}

// ---------------------------------------------------------------------------
// Reductions

/** Axes of a reduction: one axis, a list, or null / undefined for all (negative axes count from the end). */
export type Axes = number | readonly number[] | null | undefined;

/** The options form of a reduction's arguments: `sum(x, { axes: 1, keepdims: true })`. */
export interface ReduceOptions {
  axes?: Axes;
  keepdims?: boolean;
}

const REDUCE_OPTIONS = ["axes", "keepdims"] as const;

/**
 * A reduction's (axes, keepdims) from either the positional form or an options
 * object (checked: `{ dim: 1 }` raises with a did-you-mean for axes). The
 * common cases (undefined, a number, an array) take one type test.
 */
function reduceArgs(op: string, axes: Axes | ReduceOptions, keepdims: unknown, extra: readonly string[] = REDUCE_OPTIONS): [Axes, boolean] {
  if (axes !== null && typeof axes === "object" && !Array.isArray(axes) && isOptionsObject(axes)) {
    const o = checkOptions(op, axes as ReduceOptions, extra, "axes");
    if (keepdims !== undefined && keepdims !== false)
      throw new ArgumentError(op, "give keepdims either in the options object or as the third argument, not both");
    return [o.axes, keepdimsArg(op, o.keepdims)];
  }
  return [axes as Axes, keepdimsArg(op, keepdims)];
}

function reduceWith(prim: "sum" | "max" | "min" | "prod", x: TensorLike, axesArg: Axes | ReduceOptions, keepdimsArg: unknown): Tensor {
  const t = tensorArg(x, prim, "x");
  const [axes, keepdims] = reduceArgs(prim, axesArg, keepdimsArg);
  const ax = normAxes(prim, axes, t.ndim);
  if (ax.length === 0) return t;
  if ((prim === "max" || prim === "min") && t.size === 0) {
    // the maximum of no numbers is undefined (PyTorch raises too); ±Infinity would be a silently wrong number
    const empty = ax.find((a) => t.shape[a] === 0);
    if (empty !== undefined && sizeOf(reducedShape(t.shape, ax, false)) > 0)
      throw new ShapeError(prim, `cannot reduce over axis ${empty} of size 0 (input shape ${fmtShape(t.shape)}): the ${prim === "max" ? "maximum" : "minimum"} of no numbers is undefined`);
  }
  return apply(rules[prim], [t], { axes: ax, keepdims });
}
/** Sum over `axes` (all when omitted), keeping them as size 1 with `keepdims`. */
export const sum = (x: TensorLike, axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor => reduceWith("sum", x, axes, keepdims);
/** Maximum over `axes` (all when omitted); tied maxima share the gradient evenly. */
export const max = (x: TensorLike, axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor => reduceWith("max", x, axes, keepdims);
/** Minimum over `axes` (all when omitted); tied minima share the gradient evenly. */
export const min = (x: TensorLike, axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor => reduceWith("min", x, axes, keepdims);
/** Product over `axes` (all when omitted), keeping them as size 1 with `keepdims`. */
export const prod = (x: TensorLike, axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor => reduceWith("prod", x, axes, keepdims);

/** Mean over `axes` (all when omitted), keeping them as size 1 with `keepdims`. */
export function mean(x: TensorLike, axesArg?: Axes | ReduceOptions, keepdimsArg?: boolean): Tensor {
  const t = tensorArg(x, "mean", "x");
  const [axes, keepdims] = reduceArgs("mean", axesArg, keepdimsArg);
  const ax = normAxes("mean", axes, t.ndim);
  const count = ax.reduce((p, a) => p * t.shape[a], 1);
  return div(sum(t, ax, keepdims), count);
}

/** The options form of variance's arguments: `variance(x, { axes: 0, correction: 0 })`. */
export interface VarianceOptions extends ReduceOptions {
  /**
   * Subtracted from the count in the divisor (1: Bessel's correction, the default; 0: the population
   * variance); any finite real, as PyTorch (0.5, or negative). The divisor is max(N − correction, 0).
   */
  correction?: number;
}

/**
 * Variance over `axes`: Σ(x − mean)² / max(N − correction, 0), `correction` 1 by default (Bessel's, as
 * PyTorch) and any finite real. As torch.var, degrees of freedom N − correction ≤ 0 divide by 0: +∞, or
 * NaN where the sum of squares is 0 (a constant or empty input); its gradient there is ±∞ / NaN.
 */
export function variance(x: TensorLike, axesArg?: Axes | VarianceOptions, keepdimsArg?: boolean, correctionArg?: number): Tensor {
  const t = tensorArg(x, "variance", "x");
  let correction = correctionArg;
  if (axesArg !== null && typeof axesArg === "object" && !Array.isArray(axesArg) && isOptionsObject(axesArg)) {
    if (correction !== undefined) throw new ArgumentError("variance", "give correction either in the options object or as the fourth argument, not both");
    correction = (axesArg as VarianceOptions).correction;
  }
  const [axes, keepdims] = reduceArgs("variance", axesArg, keepdimsArg, ["axes", "keepdims", "correction"]);
  if (correction === undefined) correction = 1;
  else checkCorrection("variance", correction);
  const ax = normAxes("variance", axes, t.ndim);
  const count = ax.reduce((p, a) => p * t.shape[a], 1);
  // one primitive (two passes per lane: the mean, then Σ (x − mean)² as it goes): no arrays of x's size
  return apply(rules.variance, [t], { axes: ax, keepdims, divisor: Math.max(count - correction, 0) });
}

/** log Σ exp(x), stabilized by the (constant) maximum. */
export function logsumexp(x: TensorLike, axesArg?: Axes | ReduceOptions, keepdimsArg?: boolean): Tensor {
  const t = tensorArg(x, "logsumexp", "x");
  const [axes, keepdims] = reduceArgs("logsumexp", axesArg, keepdimsArg);
  const ax = normAxes("logsumexp", axes, t.ndim);
  // one primitive (max, then log Σ exp(x − max) per lane in one pass): no arrays of x's size; over an
  // empty axis the result is log 0 = −∞
  return apply(rules.logsumexp, [t], { axes: ax, keepdims });
}

/** Softmax along `axis` (default −1): exp(x − logsumexp(x)), computed stably. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const t = tensorArg(x, "softmax", "x");
  normAxis("softmax", axis, t.ndim); // validated here, so that errors name softmax rather than logsumexp
  return exp(sub(t, logsumexp(t, axis, true)));
}

/** Log-softmax along `axis` (default −1): x − logsumexp(x), computed stably. */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const t = tensorArg(x, "logSoftmax", "x");
  normAxis("logSoftmax", axis, t.ndim);
  return sub(t, logsumexp(t, axis, true));
}

/** Sum `g` down to `shape` (the adjoint of broadcasting to g.shape). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (!(g instanceof Tensor)) throw new ArgumentError("sumToShape", `argument g must be a tensor; got ${describe(g)}`);
  if (shapesEqual(g.shape, shape)) return g;
  checkShape("sumToShape", shape);
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new ShapeError("sumToShape", `cannot sum shape ${fmtShape(g.shape)} to ${fmtShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== g.shape[i])
      throw new ShapeError("sumToShape", `cannot sum shape ${fmtShape(g.shape)} to ${fmtShape(shape)}`);
  }
  const s = axes.length > 0 ? sum(g, axes, true) : g;
  return reshape(s, shape);
}

// ---------------------------------------------------------------------------
// Layout

/** The same entries in a new shape (one −1 entry is inferred); a view, no copy. */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = tensorArg(x, "reshape", "x");
  if (!Array.isArray(shape)) throw new ArgumentError("reshape", `argument shape must be an array of integers; got ${describe(shape)}`);
  const target = resolveReshape("reshape", t.shape, shape);
  if (shapesEqual(target, t.shape)) return t;
  return apply(rules.reshape, [t], { shape: target });
}

/** Axes `startAxis` … `endAxis` (default: all) merged into one. */
export function flatten(x: TensorLike, startAxis = 0, endAxis = -1): Tensor {
  const t = tensorArg(x, "flatten", "x");
  if (t.ndim === 0) {
    // a 0-d tensor has the axes 0 and -1 only (as in PyTorch)
    for (const [name, a] of [["startAxis", startAxis], ["endAxis", endAxis]] as const)
      if (a !== 0 && a !== -1) throw new ArgumentError("flatten", `${name} ${describe(a).replace("the number ", "")} is out of range for a tensor of rank 0 (0 or -1)`);
    return reshape(t, [1]);
  }
  const s = normAxis("flatten", startAxis, t.ndim), e = normAxis("flatten", endAxis, t.ndim);
  if (s > e)
    throw new ArgumentError("flatten", `startAxis ${startAxis} comes after endAxis ${endAxis} for a tensor of rank ${t.ndim} (axes ${s} > ${e})`);
  const shape = [...t.shape.slice(0, s), sizeOf(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return reshape(t, shape);
}

/** A size-1 axis inserted at `axis` (negative counts from the end). */
export function unsqueeze(x: TensorLike, axis: number): Tensor {
  const t = tensorArg(x, "unsqueeze", "x");
  const a = normAxis("unsqueeze", axis, t.ndim + 1);
  const shape = t.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(t, shape);
}

/** Size-1 axes removed: all of them, or those in `axes`. */
export function squeeze(x: TensorLike, axes?: Axes): Tensor {
  const t = tensorArg(x, "squeeze", "x");
  const ax = axes === undefined || axes === null
    ? t.shape.flatMap((d, i) => (d === 1 ? [i] : []))
    : normAxes("squeeze", axes, t.ndim);
  for (const a of ax)
    if (t.shape[a] !== 1) throw new ShapeError("squeeze", `cannot squeeze axis ${a} of size ${t.shape[a]} (shape ${fmtShape(t.shape)})`);
  return reshape(t, t.shape.filter((_, i) => !ax.includes(i)));
}

/** Axes reordered: axis i of the result is axis `perm[i]` of `x`. */
export function permute(x: TensorLike, perm: readonly number[]): Tensor {
  const t = tensorArg(x, "permute", "x");
  if (!Array.isArray(perm)) throw new ArgumentError("permute", `argument perm must be an array of axes; got ${describe(perm)}`);
  if (perm.length !== t.ndim)
    throw new ArgumentError("permute", `permutation ${fmtShape(perm)} has ${perm.length} entries for a tensor of rank ${t.ndim}`);
  const p = perm.map((a) => normAxis("permute", a, t.ndim));
  if (new Set(p).size !== p.length) throw new ArgumentError("permute", `${fmtShape(perm)} is not a permutation`);
  if (p.every((a, i) => a === i)) return t;
  return apply(rules.permute, [t], { perm: p });
}

/** Swap two axes (default: the last two, i.e. the matrix transpose). */
export function transpose(x: TensorLike, axis0 = -2, axis1 = -1): Tensor {
  const t = tensorArg(x, "transpose", "x");
  if (t.ndim < 2) return t;
  const a = normAxis("transpose", axis0, t.ndim), b = normAxis("transpose", axis1, t.ndim);
  const perm = Array.from({ length: t.ndim }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(t, perm);
}

/** Matrix transpose of the last two axes (batched). */
export function mT(x: TensorLike): Tensor {
  const t = tensorArg(x, "mT", "x");
  if (t.ndim < 2) throw new ShapeError("mT", `needs a tensor with at least 2 dimensions, got shape ${fmtShape(t.shape)}`);
  return transpose(t, -2, -1);
}

/** `x` broadcast to `shape` (NumPy's rules); the gradient sums over the broadcast axes. */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = tensorArg(x, "broadcastTo", "x");
  checkShape("broadcastTo", shape);
  if (shapesEqual(t.shape, shape)) return t;
  const target = broadcastShapes("broadcastTo", t.shape, shape);
  if (!shapesEqual(target, shape))
    throw new ShapeError("broadcastTo", `cannot broadcast shape ${fmtShape(t.shape)} to ${fmtShape(shape)}`);
  return apply(rules.broadcastTo, [t], { shape: shape.slice() });
}

/** One entry of a slice specification: an index (drops the axis), a [start, end, step] range, or null (whole axis). */
export type SliceSpec = number | null | readonly [number | null | undefined, (number | null | undefined)?, (number | null | undefined)?];

/**
 * NumPy-style basic slicing: `slice(x, 0, [1, 3], null)` is `x[0, 1:3, :]`.
 * Negative indices count from the end; missing trailing specs mean whole axes.
 */
export function slice(x: TensorLike, ...specs: SliceSpec[]): Tensor {
  const t = tensorArg(x, "slice", "x");
  if (specs.length > t.ndim)
    throw new ArgumentError("slice", `${specs.length} indices for a tensor of rank ${t.ndim} (shape ${fmtShape(t.shape)})`);
  const starts: number[] = [], steps: number[] = [], outShape: number[] = [], keptShape: number[] = [];
  for (let ax = 0; ax < t.ndim; ax++) {
    const d = t.shape[ax];
    const s = ax < specs.length ? specs[ax] : null;
    if (typeof s === "number") {
      if (!Number.isInteger(s) || s < -d || s >= d)
        throw new ArgumentError("slice", `index ${s} is out of range for axis ${ax} of size ${d}`);
      starts.push(s < 0 ? s + d : s);
      steps.push(1);
      outShape.push(1);
    } else {
      if (s !== null && s !== undefined && !Array.isArray(s))
        throw new ArgumentError("slice", `index ${ax} must be an integer, a [start, end, step] array or null; got ${describe(s)}`);
      const [b0, e0, st0] = s === null || s === undefined ? [null, null, null] : s;
      for (const v of [b0, e0, st0])
        if (v !== null && v !== undefined && (typeof v !== "number" || !Number.isInteger(v)))
          throw new ArgumentError("slice", `the range for axis ${ax} must hold integers or null; got ${describe(v)} in [${[b0, e0, st0].map(String).join(", ")}]`);
      const step = st0 ?? 1;
      if (!Number.isInteger(step) || step === 0) throw new ArgumentError("slice", `step must be a nonzero integer, got ${step}`);
      const norm = (v: number | null | undefined, def: number): number => {
        if (v === null || v === undefined) return def;
        const w = v < 0 ? v + d : v;
        return step > 0 ? Math.min(Math.max(w, 0), d) : Math.min(Math.max(w, -1), d - 1);
      };
      const begin = norm(b0, step > 0 ? 0 : d - 1);
      const end = norm(e0, step > 0 ? d : -1);
      const len = step > 0 ? Math.max(0, Math.ceil((end - begin) / step)) : Math.max(0, Math.ceil((begin - end) / -step));
      starts.push(len > 0 ? begin : 0);
      steps.push(step);
      outShape.push(len);
      keptShape.push(len);
    }
  }
  const full = starts.every((s) => s === 0) && steps.every((s) => s === 1) && shapesEqual(outShape, t.shape);
  const sliced = full ? t : apply(rules.slice, [t], { starts, steps, outShape });
  return reshape(sliced, keptShape);
}

/** Select entries along `axis` by integer indices (like torch.index_select / NumPy take). */
export function take(x: TensorLike, indices: readonly number[] | Int32Array | Tensor, axis = 0): Tensor {
  const t = tensorArg(x, "take", "x");
  const a = normAxis("take", axis, t.ndim);
  const n = t.shape[a];
  // an index tensor (float64 holding integers) of any shape, as numpy.take along
  // an axis: out.shape = x.shape[:a] + indices.shape + x.shape[a+1:]; its
  // entries are checked like an array's (a fraction is an error, never truncated)
  const it = indices instanceof Tensor ? tensorArg(indices, "take", "indices") : null;
  if (it !== null && it._bt !== null) {
    // an index tensor batched under vmap (values unknown here; its shape fixes the result's):
    // a gather along the axis, the index laid along it and spread over the other axes
    const pre = t.shape.slice(0, a), post = t.shape.slice(a + 1), k = it.size;
    const at = broadcastTo(reshape(it, [...pre.map(() => 1), k, ...post.map(() => 1)]), [...pre, k, ...post]);
    const out = apply(rules.gather, [t, at], { axis: a, op: "take", arg: { name: "indices", axis: a } });
    return reshape(out, [...pre, ...it.shape, ...post]);
  }
  if (it !== null && t.ndim === 1) {
    // a 1-D x: the gather kernel checks and reads in one pass (the list is not first converted to int32)
    const out = apply(rules.gather, [t, it.ndim === 1 ? it : reshape(it, [it.size])], { axis: 0, op: "take", arg: { name: "indices", axis: 0 } });
    return it.ndim === 1 ? out : reshape(out, it.shape);
  }
  const idxShape = it === null ? null : it.shape;
  const list = it === null ? indices : it._data;
  if (!Array.isArray(list) && !ArrayBuffer.isView(list))
    throw new ArgumentError("take", `argument indices must be an array of integers or a tensor of integers; got ${describe(indices)}`);
  const idx = checkedIndices("take", "indices", list, n, `axis ${a}`);
  const out = apply(rules.take, [t], { axis: a, indices: idx, n });
  if (idxShape === null || idxShape.length === 1) return out;
  return reshape(out, [...t.shape.slice(0, a), ...idxShape, ...t.shape.slice(a + 1)]);
}

/** Tensors joined along an existing `axis` (the other axes must agree). */
export function concat(xs: readonly TensorLike[], axis = 0): Tensor {
  const ts = tensorList("concat", xs);
  const r = ts[0].ndim;
  if (r === 0) throw new ShapeError("concat", "zero-dimensional tensors cannot be concatenated (use stack)");
  const a = normAxis("concat", axis, r);
  for (let i = 1; i < ts.length; i++) {
    const s = ts[i].shape;
    if (s.length !== r || s.some((d, j) => j !== a && d !== ts[0].shape[j]))
      throw new ShapeError("concat", `tensor ${i} has shape ${fmtShape(s)}, incompatible with tensor 0 of shape ${fmtShape(ts[0].shape)} along axis ${a}`);
  }
  if (ts.length === 1) return ts[0];
  return apply(rules.concat, ts, { axis: a });
}

/** Tensors of one shape stacked along a new `axis`. */
export function stack(xs: readonly TensorLike[], axis = 0): Tensor {
  const ts = tensorList("stack", xs);
  for (let i = 1; i < ts.length; i++)
    if (!shapesEqual(ts[i].shape, ts[0].shape))
      throw new ShapeError("stack", `tensor ${i} has shape ${fmtShape(ts[i].shape)}, tensor 0 has ${fmtShape(ts[0].shape)}`);
  const a = normAxis("stack", axis, ts[0].ndim + 1);
  return concat(ts.map((t) => unsqueeze(t, a)), a);
}

/** Split into pieces of the given sizes along an axis (a number = equal pieces of that size). */
export function split(x: TensorLike, sizes: number | readonly number[], axis = 0): Tensor[] {
  const t = tensorArg(x, "split", "x");
  const a = normAxis("split", axis, t.ndim);
  const d = t.shape[a];
  if (typeof sizes === "number") checkInt("split", "argument sizes", sizes, 1);
  else if (!Array.isArray(sizes)) throw new ArgumentError("split", `argument sizes must be a positive integer or an array of non-negative integers; got ${describe(sizes)}`);
  else sizes.forEach((v, i) => checkInt("split", `sizes[${i}]`, v, 0));
  // an integer size: pieces of that size, the last one shorter; an empty axis is one empty piece (as torch.split)
  const list = typeof sizes === "number" ? Array.from({ length: Math.max(1, Math.ceil(d / sizes)) }, (_, i) => Math.min(sizes, d - i * sizes)) : sizes;
  if (list.reduce((p, s) => p + s, 0) !== d)
    throw new ArgumentError("split", `sizes ${fmtShape(list)} do not add up to ${d} (axis ${a} of shape ${fmtShape(t.shape)})`);
  if (list.length === 1) return [t];
  return applyMulti(splitRule(list), [t], { axis: a });
}

/**
 * The rule of splitting into pieces of `sizes` along an axis: one node with
 * a output per piece, so that the backward is one `concat` of the pieces'
 * cotangents (zeros for pieces that got none) — O(x.size) — rather than one
 * slice node per piece each writing a zero array of x's shape (O(pieces ·
 * x.size)). Made per call (the piece count is the rule's nOut), as unbind's.
 * Batching: the same rule one axis further.
 */
function splitRule(sizes: readonly number[]): Rule<{ axis: number }> {
  const rule: Rule<{ axis: number }> = {
    name: "split",
    nOut: sizes.length,
    forward: ([x], { axis }) => {
      const starts = x.shape.map(() => 0), steps = x.shape.map(() => 1);
      return sizes.map((n) => {
        const shape = x.shape.slice();
        shape[axis] = n;
        const out = new Tensor(sliceCopy(x._data, x.shape, shape, starts, steps, false), shape);
        starts[axis] += n;
        return out;
      });
    },
    vjp: (ct, [x], _out, { axis }) => {
      const cts = ct as (Tensor | null)[];
      if (cts.every((c) => c === null)) return [null];
      return [concat(cts.map((c, i) => {
        if (c !== null) return c;
        const shape = x.shape.slice();
        shape[axis] = sizes[i];
        return zeros(shape);
      }), axis)];
    },
    jvp: ([dx], _x, _out, p) => (dx === null ? new Array<Tensor | null>(sizes.length).fill(null) : applyMulti(rule, [dx], p)),
    batch: ([x], _batched, { axis }) => applyMulti(rule, [x], { axis: axis + 1 }),
  };
  return rule;
}

// ---------------------------------------------------------------------------
// Matrix ops

/** Matrix product with NumPy semantics: batched over leading axes with broadcasting; 1-D operands are vectors. */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  const ta = tensorArg(a, "matmul", "a"), tb = tensorArg(b, "matmul", "b");
  if (ta.ndim === 0 || tb.ndim === 0)
    throw new ShapeError("matmul", `operands must have at least 1 dimension, got ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`);
  const av = ta.ndim === 1, bv = tb.ndim === 1;
  const A = av ? reshape(ta, [1, ta.shape[0]]) : ta;
  const B = bv ? reshape(tb, [tb.shape[0], 1]) : tb;
  const k1 = A.shape[A.ndim - 1], k2 = B.shape[B.ndim - 2];
  if (k1 !== k2)
    throw new ShapeError("matmul", `inner dimensions differ: a has shape ${fmtShape(ta.shape)}, b has shape ${fmtShape(tb.shape)} (${k1} ≠ ${k2})`);
  let out = apply(rules.matmul, [A, B], NN);
  if (av) out = squeeze(out, -2);
  if (bv) out = squeeze(out, -1);
  return out;
}

const NN = { ta: false, tb: false };

function badMatmulT(a: unknown, b: unknown, ta: unknown, tb: unknown): never {
  const [name, v] = !(a instanceof Tensor) ? ["a", a] : !(b instanceof Tensor) ? ["b", b] : typeof ta !== "boolean" ? ["ta", ta] : ["tb", tb];
  throw new ArgumentError("matmulT", `argument ${name} must be ${name.length === 1 ? "a tensor (matrices, at least 2 dimensions)" : "true or false"}; got ${describe(v)}`);
}
const TRANS_PARAMS = [NN, { ta: false, tb: true }, { ta: true, tb: false }, { ta: true, tb: true }] as const;

/**
 * op(a)·op(b) for (batched) matrices with at least 2 dimensions, where op
 * transposes the last two axes when ta / tb is set; the transposes are GEMM
 * flags, not copies.
 */
export function matmulT(a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor) || typeof ta !== "boolean" || typeof tb !== "boolean") badMatmulT(a, b, ta, tb);
  const ka = ta ? a.shape[a.ndim - 2] : a.shape[a.ndim - 1];
  const kb = tb ? b.shape[b.ndim - 1] : b.shape[b.ndim - 2];
  if (a.ndim < 2 || b.ndim < 2 || ka !== kb)
    throw new ShapeError("matmul", `inner dimensions differ: ${ta ? "aᵀ" : "a"} with a of shape ${fmtShape(a.shape)}, ${tb ? "bᵀ" : "b"} with b of shape ${fmtShape(b.shape)}`);
  return apply(rules.matmul, [a, b], TRANS_PARAMS[(ta ? 2 : 0) + (tb ? 1 : 0)]);
}

/** Inner product of two vectors. */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const ta = tensorArg(a, "dot", "a"), tb = tensorArg(b, "dot", "b");
  if (ta.ndim !== 1 || tb.ndim !== 1 || ta.shape[0] !== tb.shape[0])
    throw new ShapeError("dot", `expects two vectors of equal length, got ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`);
  return sum(mul(ta, tb));
}

/** Outer product of two vectors. */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  const ta = tensorArg(a, "outer", "a"), tb = tensorArg(b, "outer", "b");
  if (ta.ndim !== 1 || tb.ndim !== 1) throw new ShapeError("outer", `expects two vectors, got ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`);
  return mul(reshape(ta, [ta.shape[0], 1]), reshape(tb, [1, tb.shape[0]]));
}

function needMatrix(op: string, t: Tensor): void {
  if (t.ndim < 2) throw new ShapeError(op, `expects a (batch of) matrices with at least 2 dimensions, got shape ${fmtShape(t.shape)}`);
}

/** The k-th diagonal of the last two axes (batched). */
export function diagonal(x: TensorLike, k = 0): Tensor {
  const t = tensorArg(x, "diagonal", "x");
  needMatrix("diagonal", t);
  checkInt("diagonal", "argument k (the diagonal offset)", k);
  return apply(rules.diagonal, [t], { k });
}

/** Place the last axis as the k-th diagonal of (batched) square matrices. */
export function diagEmbed(v: TensorLike, k = 0): Tensor {
  const t = tensorArg(v, "diagEmbed", "v");
  if (t.ndim < 1) throw new ShapeError("diagEmbed", `expects at least 1 dimension, got shape ${fmtShape(t.shape)}`);
  checkInt("diagEmbed", "argument k (the diagonal offset)", k);
  const n = t.shape[t.ndim - 1] + Math.abs(k);
  return apply(rules.diagEmbed, [t], { k, m: n, n });
}

/** torch.diag: a vector becomes a diagonal matrix; a matrix gives its diagonal. */
export function diag(x: TensorLike, k = 0): Tensor {
  const t = tensorArg(x, "diag", "x");
  checkInt("diag", "argument k (the diagonal offset)", k);
  if (t.ndim === 1) return diagEmbed(t, k);
  if (t.ndim === 2) return diagonal(t, k);
  throw new ShapeError("diag", `expects a vector or a matrix, got shape ${fmtShape(t.shape)} (use diagonal / diagEmbed for batches)`);
}

/** Sum of the diagonal of the last two axes (batched). */
export function trace(x: TensorLike): Tensor {
  const t = tensorArg(x, "trace", "x");
  needMatrix("trace", t);
  return sum(diagonal(t), -1);
}

/** Upper triangle (j − i ≥ k) of the last two axes. */
export function triu(x: TensorLike, k = 0): Tensor {
  const t = tensorArg(x, "triu", "x");
  needMatrix("triu", t);
  checkInt("triu", "argument k (the diagonal offset)", k);
  return apply(rules.triangle, [t], { k, upper: true });
}

/** Lower triangle (j − i ≤ k) of the last two axes. */
export function tril(x: TensorLike, k = 0): Tensor {
  const t = tensorArg(x, "tril", "x");
  needMatrix("tril", t);
  checkInt("tril", "argument k (the diagonal offset)", k);
  return apply(rules.triangle, [t], { k, upper: false });
}

/** Kronecker product of the last two axes (batched with broadcasting): (A ⊗ B)[i p + r, j q + s] = A[i, j] B[r, s]. */
export function kron(a: TensorLike, b: TensorLike): Tensor {
  const A = tensorArg(a, "kron", "a"), B = tensorArg(b, "kron", "b");
  needMatrix("kron", A);
  needMatrix("kron", B);
  const [m, n] = A.shape.slice(-2), [p, q] = B.shape.slice(-2);
  broadcastShapes("kron", A.shape.slice(0, -2), B.shape.slice(0, -2)); // the batch axes must broadcast
  const A4 = reshape(A, [...A.shape.slice(0, -2), m, 1, n, 1]);
  const B4 = reshape(B, [...B.shape.slice(0, -2), 1, p, 1, q]);
  const prodT = mul(A4, B4);
  return reshape(prodT, [...prodT.shape.slice(0, -4), m * p, n * q]);
}

/** Frobenius inner product ⟨A, B⟩ = tr(Aᵀ B) = Σ A∘B over the last two axes (batched). */
export function frobeniusInner(a: TensorLike, b: TensorLike): Tensor {
  const A = tensorArg(a, "frobeniusInner", "a"), B = tensorArg(b, "frobeniusInner", "b");
  needMatrix("frobeniusInner", A);
  needMatrix("frobeniusInner", B);
  broadcastShapes("frobeniusInner", A.shape, B.shape);
  return sum(mul(A, B), [-2, -1]);
}

/** Σ a∘b over all entries (the Euclidean inner product of flattened tensors). */
export function vdot(a: TensorLike, b: TensorLike): Tensor {
  const ta = tensorArg(a, "vdot", "a"), tb = tensorArg(b, "vdot", "b");
  broadcastShapes("vdot", ta.shape, tb.shape);
  return sum(mul(ta, tb));
}
