/**
 * Rules of the elementwise math primitives (inverse trigonometric and hyperbolic
 * functions, log1p / expm1 / log2 / log10 / exp2, the special functions, rounding
 * and remainders): forward through the scalar kernels (Math.* where V8's fdlibm
 * port is accurate, src/kernels/special.ts otherwise), VJP and JVP written with
 * differentiable ops so that every order can be taken.
 */
import { Tensor } from "../../tensor/tensor.js";
import type { Rule } from "../../tensor/meta.js";
import { broadcastShapes, shapesEqual } from "../../tensor/shape.js";
import { alloc } from "../../kernels/alloc.js";
import * as ew from "../../kernels/elementwise.js";
import * as sp from "../../kernels/special.js";
import { add, sub, mul, div, neg, exp, sqrt, cos, square, sigmoid, where, eq, ne } from "../api.js";
import { cosh, sinh, hypot, digamma, polygamma, xlogy, trunc, floor, erfc } from "../math.js";
import { apply } from "../dispatch.js";
import { batchBroadcast } from "../batching.js";

/** Parameters of the elementwise math primitives. */
export interface ElementwiseParams {
  asin: null; acos: null; atan: null; sinh: null; cosh: null; asinh: null; acosh: null; atanh: null;
  log1p: null; expm1: null; log2: null; log10: null; exp2: null;
  erf: null; erfc: null; erfinv: null; lgamma: null; digamma: null;
  /** ψ⁽ⁿ⁾, n ≥ 1 (n = 0 is digamma). */
  polygamma: { n: number };
  logit: null; sinc: null;
  /** log(1 + e^(βx))/β. */
  softplus: { beta: number };
  /** x·Φ(x), or its tanh approximation. */
  gelu: { tanh: boolean };
  floor: null; ceil: null; round: null; trunc: null;
  atan2: null; hypot: null; xlogy: null; fmod: null; remainder: null;
  /**
   * a × b along an axis of size 3, broadcasting; `axis` counted from the end
   * (negative), so it is unchanged when leading (batch) axes are prepended.
   */
  cross: { axis: number };
}

type R<P extends keyof ElementwiseParams> = Rule<ElementwiseParams[P]>;

const LN2 = Math.LN2, LN10 = Math.LN10;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const SQRT_PI_OVER_2 = 0.886226925452758;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const GELU_C1 = 1.5957691216057308; // 2√(2/π)
const GELU_C2 = 0.07135481627260025; // 2·0.044715·√(2/π)

function plus(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}

function map1(f: (v: number) => number) {
  return ([x]: Tensor[]): Tensor => {
    const d = x._data, n = d.length, o = alloc(n);
    for (let i = 0; i < n; i++) o[i] = f(d[i]);
    return new Tensor(o, x.shape);
  };
}

/** A unary rule with derivative f′(x, out): VJP ct·f′, JVP dx·f′. */
function unary<P>(name: string, f: (v: number, p: P) => number, deriv: (x: Tensor, out: Tensor, p: P) => Tensor): Rule<P> {
  const rule: Rule<P> = {
    name,
    // entrywise: the physical tensor as it is
    batch: ([x], _b, p) => apply(rule, [x], p),
    forward: ([x], p) => {
      const d = x._data, n = d.length, o = alloc(n);
      for (let i = 0; i < n; i++) o[i] = f(d[i], p);
      return new Tensor(o, x.shape);
    },
    vjp: (ct: Tensor, [x], out: Tensor, p) => [mul(ct, deriv(x, out, p))],
    jvp: ([dx], [x], out: Tensor, p) => (dx === null ? null : mul(dx, deriv(x, out, p))),
  };
  return rule;
}

/** A piecewise-constant unary rule (floor, ceil, round, trunc): derivative 0 almost everywhere (PyTorch's convention, 0 everywhere). */
function stepwise(name: string, f: (v: number) => number): Rule<null> {
  const rule: Rule<null> = { name, forward: map1(f), vjp: () => [null], jvp: () => null, batch: ([x]) => apply(rule, [x], null) };
  return rule;
}

/** A broadcasting binary forward from a scalar function. */
function map2(name: string, f: (a: number, b: number) => number) {
  return ([a, b]: Tensor[]): Tensor => {
    const shape = broadcastShapes(name, a.shape, b.shape);
    const ad = shapesEqual(a.shape, shape) ? a._data : ew.broadcastTo(a._data, a.shape, shape);
    const bd = shapesEqual(b.shape, shape) ? b._data : ew.broadcastTo(b._data, b.shape, shape);
    const o = alloc(ad.length);
    for (let i = 0; i < o.length; i++) o[i] = f(ad[i], bd[i]);
    return new Tensor(o, shape);
  };
}

/** A partial derivative: a tensor, 1 (the cotangent passes unchanged), or null when not needed. */
type Partial = Tensor | 1 | null;
const times = (c: Tensor, f: Partial): Tensor | null => (f === null ? null : f === 1 ? c : mul(c, f));

/** A binary rule with partial derivatives (∂f/∂a, ∂f/∂b) (the engine un-broadcasts cotangents). */
function binary(name: string, f: (a: number, b: number) => number, partials: (a: Tensor, b: Tensor, out: Tensor, needs: readonly boolean[]) => [Partial, Partial]): Rule<null> {
  const rule: Rule<null> = {
    name,
    batch: batchBroadcast(() => rule),
    forward: map2(name, f),
    vjp: (ct: Tensor, [a, b], out: Tensor, _p, needs) => {
      const [fa, fb] = partials(a, b, out, needs);
      return [needs[0] ? times(ct, fa) : null, needs[1] ? times(ct, fb) : null];
    },
    jvp: ([da, db], [a, b], out: Tensor) => {
      const [fa, fb] = partials(a, b, out, [da !== null, db !== null]);
      return plus(da && times(da, fa), db && times(db, fb));
    },
  };
  return rule;
}

/** a × b along `axis` (negative: counted from the end) through the cross primitive. */
const crossOf = (a: Tensor, b: Tensor, axis: number): Tensor => apply(elementwiseRules.cross, [a, b], { axis });

/** (1 − x)(1 + x) = 1 − x² without cancellation near |x| = 1. */
const oneMinusSq = (x: Tensor): Tensor => mul(sub(1, x), add(1, x));

export const elementwiseRules: { [P in keyof ElementwiseParams]: R<P> } = {
  // d asin x = dx/√(1 − x²), d acos x = −dx/√(1 − x²), d atan x = dx/(1 + x²)
  asin: unary("asin", Math.asin, (x) => div(1, sqrt(oneMinusSq(x)))),
  acos: unary("acos", Math.acos, (x) => div(-1, sqrt(oneMinusSq(x)))),
  atan: unary("atan", Math.atan, (x) => div(1, add(square(x), 1))),
  sinh: unary("sinh", Math.sinh, (x) => cosh(x)),
  cosh: unary("cosh", Math.cosh, (x) => sinh(x)),
  // d asinh x = dx/√(x² + 1) = dx/hypot(x, 1) (no overflow of x²); d acosh x = dx/√((x − 1)(x + 1)); d atanh x = dx/(1 − x²)
  asinh: unary("asinh", Math.asinh, (x) => div(1, hypot(x, 1))),
  acosh: unary("acosh", Math.acosh, (x) => div(1, sqrt(mul(sub(x, 1), add(x, 1))))),
  atanh: unary("atanh", Math.atanh, (x) => div(1, oneMinusSq(x))),
  log1p: unary("log1p", Math.log1p, (x) => div(1, add(x, 1))),
  // d expm1 x = eˣ = expm1(x) + 1
  expm1: unary("expm1", Math.expm1, (_x, out) => add(out, 1)),
  log2: unary("log2", Math.log2, (x) => div(1, mul(x, LN2))),
  log10: unary("log10", Math.log10, (x) => div(1, mul(x, LN10))),
  // 2ˣ: Math.pow(2, x) is exact at integers; d 2ˣ = 2ˣ ln 2 dx
  exp2: unary("exp2", (v) => Math.pow(2, v), (_x, out) => mul(out, LN2)),
  // d erf x = (2/√π) e^(−x²) dx, d erfc x = −(2/√π) e^(−x²) dx
  erf: unary("erf", sp.erf, (x) => mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)),
  erfc: unary("erfc", sp.erfc, (x) => mul(exp(neg(square(x))), -TWO_OVER_SQRT_PI)),
  // y = erfinv x ⇒ x = erf y, dx = (2/√π) e^(−y²) dy ⇒ dy = (√π/2) e^(y²) dx
  erfinv: unary("erfinv", sp.erfinv, (_x, out) => mul(exp(square(out)), SQRT_PI_OVER_2)),
  // (log Γ)′ = ψ, ψ′ = ψ⁽¹⁾, (ψ⁽ⁿ⁾)′ = ψ⁽ⁿ⁺¹⁾
  lgamma: unary("lgamma", sp.lgamma, (x) => digamma(x)),
  digamma: unary("digamma", sp.digamma, (x) => polygamma(1, x)),
  polygamma: unary<{ n: number }>("polygamma", (v, { n }) => sp.polygamma(n, v), (x, _out, { n }) => polygamma(n + 1, x)),
  // d logit x = dx/(x(1 − x))
  logit: unary("logit", sp.logit, (x) => div(1, mul(x, sub(1, x)))),
  // sinc′(x) = (cos πx − sinc x)/x, 0 at x = 0 (the limit; sinc is even)
  sinc: unary("sinc", sp.sinc, (x, out) => {
    const zero = eq(x, 0);
    return where(zero, 0, div(sub(cos(mul(x, Math.PI)), out), where(zero, 1, x)));
  }),
  // softplus(x) = log(1 + e^(βx))/β, computed as max(x, 0) + log1p(e^(−β|x|))/β (no overflow, no cancellation);
  // its derivative is σ(βx)
  softplus: unary<{ beta: number }>("softplus", (v, { beta }) => {
    const t = beta * v;
    return (Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)))) / beta;
  }, (x, _out, { beta }) => sigmoid(mul(x, beta))),
  // gelu(x) = x·Φ(x): gelu′ = Φ(x) + x·φ(x) = erfc(−x/√2)/2 + x e^(−x²/2)/√(2π).
  // tanh form x·σ(t), t = x(c₁ + c₂x²): derivative σ(t) + x·σ(t)(1 − σ(t))·(c₁ + 3c₂x²)
  gelu: unary<{ tanh: boolean }>("gelu", (v, { tanh }) => (tanh ? sp.geluTanh(v) : sp.gelu(v)), (x, _out, { tanh }) => {
    if (!tanh) return add(mul(erfc(mul(x, -Math.SQRT1_2)), 0.5), mul(x, mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI)));
    const x2 = square(x);
    const s = sigmoid(mul(x, add(mul(x2, GELU_C2), GELU_C1)));
    return add(s, mul(mul(x, mul(s, sub(1, s))), add(mul(x2, 3 * GELU_C2), GELU_C1)));
  }),
  floor: stepwise("floor", Math.floor),
  ceil: stepwise("ceil", Math.ceil),
  round: stepwise("round", sp.roundHalfEven),
  trunc: stepwise("trunc", Math.trunc),
  // atan2(y, x): ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²)
  atan2: binary("atan2", Math.atan2, (y, x) => {
    const r2 = add(square(x), square(y));
    return [div(x, r2), neg(div(y, r2))];
  }),
  // hypot(a, b) = √(a² + b²) without overflow: ∂/∂a = a/out, ∂/∂b = b/out
  hypot: binary("hypot", sp.hypot, (a, b, out) => [div(a, out), div(b, out)]),
  // xlogy(x, y) = x log y (0 at x = 0): ∂/∂x = log y where x ≠ 0 (0 where x = 0, as PyTorch), ∂/∂y = x/y
  xlogy: binary("xlogy", sp.xlogy, (x, y, _out, needs) => [needs[0] ? xlogy(ne(x, 0), y) : null, needs[1] ? div(x, y) : null]),
  // fmod(a, b) = a − trunc(a/b)·b: ∂/∂a = 1, ∂/∂b = −trunc(a/b) (a constant); JavaScript's % is the exact fmod
  fmod: binary("fmod", (a, b) => a % b, (a, b, _out, needs) => [1, needs[1] ? neg(trunc(div(a, b))) : null]),
  // remainder(a, b) = a − floor(a/b)·b (sign of the divisor): ∂/∂a = 1, ∂/∂b = −floor(a/b)
  remainder: binary("remainder", sp.remainder, (a, b, _out, needs) => [1, needs[1] ? neg(floor(div(a, b))) : null]),
  // c = a × b is bilinear: dc = da × b + a × db. By the scalar triple product
  // ⟨c̄, da × b⟩ = ⟨b × c̄, da⟩ and ⟨c̄, a × db⟩ = ⟨c̄ × a, db⟩, so ā = b × c̄ and
  // b̄ = c̄ × a (the engine sums them over broadcast axes).
  cross: {
    name: "cross",
    // broadcasting, and the axis is counted from the end: prepending the batch axis changes nothing
    batch: batchBroadcast(() => elementwiseRules.cross),
    forward: ([a, b], { axis }) => {
      const shape = broadcastShapes("cross", a.shape, b.shape);
      const ax = shape.length + axis;
      let outer = 1, inner = 1;
      for (let i = 0; i < ax; i++) outer *= shape[i];
      for (let i = ax + 1; i < shape.length; i++) inner *= shape[i];
      const ad = shapesEqual(a.shape, shape) ? a._data : ew.broadcastTo(a._data, a.shape, shape);
      const bd = shapesEqual(b.shape, shape) ? b._data : ew.broadcastTo(b._data, b.shape, shape);
      return new Tensor(ew.cross3(ad, bd, outer, inner), shape);
    },
    vjp: (ct: Tensor, [a, b], _out, { axis }, needs) => [needs[0] ? crossOf(b, ct, axis) : null, needs[1] ? crossOf(ct, a, axis) : null],
    jvp: ([da, db], [a, b], _out, { axis }) => plus(da && crossOf(da, b, axis), db && crossOf(a, db, axis)),
  },
};
