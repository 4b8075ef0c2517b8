/**
 * Rules of the scan primitives: cumsum, cumprod, logcumsumexp, cummax /
 * cummin and the first-order linear recurrence `linearScan` that the
 * derivatives of the others are written with. Forwards are the kernels of
 * src/kernels/scan.ts; VJPs and JVPs are differentiable ops, exact at every
 * order and O(n) — in particular no division by x in cumprod's derivative,
 * so zeros (one or many) need no special case.
 *
 * Notation along the scan axis: positions 0 … n−1; L(a, b) is the forward
 * recurrence h[j] = a[j]·h[j−1] + b[j], Lᵀ(a, c) the reverse one
 * h[j] = a[j+1]·h[j+1] + c[j] — the transpose of b ↦ L(a, b).
 */
import { Tensor } from "../../tensor/tensor.js";
import type { Rule } from "../../tensor/meta.js";
import { full } from "../../tensor/create.js";
import { broadcastShapes } from "../../tensor/shape.js";
import * as k from "../../kernels/scan.js";
import { apply, applyMulti } from "../dispatch.js";
import { materialize } from "../batching.js";
import { add, broadcastTo, concat, eq, exp, mul, reshape, slice, sub, where, type SliceSpec } from "../api.js";

/** Parameters of the scan primitives (axis: normalized, non-negative). */
export interface ScanParams {
  /** Running sum; `reverse` sums from the end of the axis (the transpose of the forward sum). */
  cumsum: { axis: number; reverse: boolean };
  cumprod: { axis: number };
  logcumsumexp: { axis: number };
  /** Outputs [values, indices] (indices: float64 integers, not differentiated). */
  cummax: { axis: number };
  cummin: { axis: number };
  /** h = L(a, b) (forward) or Lᵀ(a, b) (reverse) of two tensors of one shape. */
  linearScan: { axis: number; reverse: boolean };
}

type R<P extends keyof ScanParams> = Rule<ScanParams[P]>;

const plus = (a: Tensor | null, b: Tensor | null): Tensor | null => (a === null ? b : b === null ? a : add(a, b));

/** The forward of a single-input scan kernel. */
const scanForward = (op: k.ScanOp) => ([x]: Tensor[], p: { axis: number; reverse?: boolean }): Tensor =>
  new Tensor(k.scan(op, x._data, ...k.splitAt(x.shape, p.axis), p.reverse === true), x.shape);

/**
 * t moved one position along `axis`: towards the end (dir = +1: out[j] = t[j−1])
 * or the start (dir = −1: out[j] = t[j+1]); the vacated position holds `fill`,
 * or ("edge", dir = +1 only) t[0]. Slices and a concat: differentiable.
 */
export function shiftAlong(t: Tensor, axis: number, dir: 1 | -1, fill: number | "edge"): Tensor {
  const n = t.shape[axis];
  if (n === 0) return t;
  const part = (s: number, e: number): Tensor => {
    const spec: SliceSpec[] = t.shape.map(() => null);
    spec[axis] = [s, e];
    return slice(t, ...spec);
  };
  const slabShape = t.shape.slice();
  slabShape[axis] = 1;
  const slab = fill === "edge" ? part(0, 1) : full(slabShape, fill);
  if (n === 1) return slab;
  return dir === 1 ? concat([slab, part(0, n - 1)], axis) : concat([part(1, n), slab], axis);
}

/** L(a, b) or Lᵀ(a, b) along `axis` (a and b broadcast to one shape first). */
export function linScan(a: Tensor, b: Tensor, axis: number, reverse: boolean): Tensor {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    // the rules only ever pair tensors of one logical shape, except a tangent or cotangent that broadcasts
    const shape = broadcastShapes("linearScan", a.shape, b.shape);
    a = broadcastTo(a, shape);
    b = broadcastTo(b, shape);
  }
  return apply(scanRules.linearScan, [a, b], { axis, reverse });
}

/** 1 where the running extremum was attained at this very position (a new record), else 0: idx = j along the axis. */
function records(idx: Tensor, axis: number): Tensor {
  const n = idx.shape[axis];
  const shape = idx.shape.map((_, i) => (i === axis ? n : 1));
  const pos = new Float64Array(n);
  for (let j = 0; j < n; j++) pos[j] = j;
  return eq(idx, reshape(new Tensor(pos, [n]), shape));
}

/**
 * cummax / cummin: out[j] = x[idx[j]], idx nondecreasing, so the entries that
 * feed one output run are contiguous. With r = 1 at the records (idx[j] = j)
 * and the coupling c = 1 − r (1 where the output repeats its predecessor):
 * JVP dout = L(c, r ⊙ dx) (carry the record's tangent forward), VJP
 * x̄ = r ⊙ Lᵀ(c, ct) (each record collects the cotangents of its run).
 */
function extremumRule(name: "cummax" | "cummin"): R<"cummax"> {
  const rule: R<"cummax"> = {
    name,
    nOut: 2,
    forward: ([x], { axis }) => {
      const [v, i] = k.scanExtremum(name === "cummax" ? "max" : "min", x._data, ...k.splitAt(x.shape, axis));
      return [new Tensor(v, x.shape), new Tensor(i, x.shape)];
    },
    batch: ([x], _b, { axis }) => applyMulti(rule, [x], { axis: axis + 1 }),
    vjp: (ct: (Tensor | null)[], _x, out: Tensor[], { axis }) => {
      const g = ct[0];
      if (g === null) return [null];
      const r = records(out[1], axis);
      return [mul(r, linScan(sub(1, r), g, axis, true))];
    },
    jvp: ([dx], _x, out: Tensor[], { axis }) => {
      if (dx === null) return [null, null];
      const r = records(out[1], axis);
      return [linScan(sub(1, r), mul(r, dx), axis, false), null];
    },
  };
  return rule;
}

export const scanRules: { [P in keyof ScanParams]: R<P> } = {
  // out = Σ_{i≤j} x[i]: linear, so JVP = cumsum(dx), VJP = the reverse cumsum of ct (a kernel flag, no flips)
  cumsum: {
    name: "cumsum",
    forward: scanForward("sum"),
    batch: ([x], _b, p) => apply(scanRules.cumsum, [x], { axis: p.axis + 1, reverse: p.reverse }),
    vjp: (ct: Tensor, _x, _out, p) => [apply(scanRules.cumsum, [ct], { axis: p.axis, reverse: !p.reverse })],
    jvp: ([dx], _x, _out, p) => (dx === null ? null : apply(scanRules.cumsum, [dx], p)),
  },
  // out[j] = x[j]·out[j−1]. With the exclusive product E[j] = out[j−1] (E[0] = 1):
  // JVP dout = L(x, E ⊙ dx) (differentiate the recurrence); VJP its transpose
  // x̄ = E ⊙ Lᵀ(x, ct), i.e. x̄[i] = Π_{m<i} x[m] · Σ_{j≥i} ct[j] Π_{i<m≤j} x[m] —
  // the product of the *other* factors written without dividing by x[i], so it
  // is exact with any number of zeros, and (being ops) at every order.
  cumprod: {
    name: "cumprod",
    forward: scanForward("prod"),
    batch: ([x], _b, { axis }) => apply(scanRules.cumprod, [x], { axis: axis + 1 }),
    vjp: (ct: Tensor, [x], out: Tensor, { axis }) => [mul(shiftAlong(out, axis, 1, 1), linScan(x, ct, axis, true))],
    jvp: ([dx], [x], out: Tensor, { axis }) => (dx === null ? null : linScan(x, mul(dx, shiftAlong(out, axis, 1, 1)), axis, false)),
  },
  // out[j] = log Σ_{i≤j} e^(x[i]) = logaddexp(out[j−1], x[j]):
  // dout[j] = a[j]·dout[j−1] + e[j]·dx[j] with a[j] = e^(out[j−1] − out[j]) ≤ 1 and
  // e[j] = e^(x[j] − out[j]) ≤ 1 (never overflow: out is nondecreasing and ≥ x).
  // JVP L(a, e ⊙ dx), VJP e ⊙ Lᵀ(a, ct). Where out[j−1] = −∞ (only −∞ so far) the
  // coupling is 0, and where x[j] = −∞ the weight is 0 (e^(−∞ − (−∞)) would be NaN);
  // both are masked *inside* the exp too, so no NaN reaches second derivatives.
  logcumsumexp: {
    name: "logcumsumexp",
    forward: scanForward("logsumexp"),
    batch: ([x], _b, { axis }) => apply(scanRules.logcumsumexp, [x], { axis: axis + 1 }),
    vjp: (ct: Tensor, [x], out: Tensor, { axis }) => {
      const [a, e] = lcseWeights(x, out, axis);
      return [mul(e, linScan(a, ct, axis, true))];
    },
    jvp: ([dx], [x], out: Tensor, { axis }) => {
      if (dx === null) return null;
      const [a, e] = lcseWeights(x, out, axis);
      return linScan(a, mul(e, dx), axis, false);
    },
  },
  cummax: extremumRule("cummax"),
  cummin: extremumRule("cummin"),
  // h = M⁻¹ b with M unit bidiagonal (−a[j] coupling j−1 and j). b̄ = M⁻ᵀ ct: the
  // same recurrence in the other direction (λ). ā[j] = λ[j]·h[j−1] (forward) or
  // λ[j−1]·h[j] (reverse), 0 at j = 0 (a[0] is never read). JVP: the same
  // recurrence on db + da ⊙ (h shifted by one).
  linearScan: {
    name: "linearScan",
    forward: ([a, b], { axis, reverse }) => new Tensor(k.linearScan(a._data, b._data, ...k.splitAt(b.shape, axis), reverse), b.shape),
    batch: (xs, batched, { axis, reverse }, size) => apply(scanRules.linearScan, materialize(xs, batched, size), { axis: axis + 1, reverse }),
    vjp: (ct: Tensor, [a], out: Tensor, { axis, reverse }, needs) => {
      const lam = linScan(a, ct, axis, !reverse);
      const abar = !needs[0] ? null : reverse ? mul(shiftAlong(lam, axis, 1, 0), out) : mul(lam, shiftAlong(out, axis, 1, 0));
      return [abar, needs[1] ? lam : null];
    },
    jvp: ([da, db], [a], out: Tensor, { axis, reverse }) => {
      const src = da === null ? null : reverse ? shiftAlong(mul(da, out), axis, -1, 0) : mul(da, shiftAlong(out, axis, 1, 0));
      const rhs = plus(src, db);
      return rhs === null ? null : linScan(a, rhs, axis, reverse);
    },
  },
};

/** logcumsumexp's coupling a[j] = e^(out[j−1] − out[j]) (a[0] = 1) and weight e[j] = e^(x[j] − out[j]), masked at −∞. */
function lcseWeights(x: Tensor, out: Tensor, axis: number): [Tensor, Tensor] {
  // "edge": a[0] = e^(out[0] − out[0]) = 1, a harmless value (a[0] is never read, and its derivative is 0)
  const prev = shiftAlong(out, axis, 1, "edge");
  const deadA = eq(prev, -Infinity), deadE = eq(x, -Infinity);
  const a = where(deadA, 0, exp(where(deadA, 0, sub(prev, out))));
  const e = where(deadE, 0, exp(where(deadE, 0, sub(x, out))));
  return [a, e];
}
