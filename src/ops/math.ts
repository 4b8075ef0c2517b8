/**
 * The elementwise math functions (PyTorch's names in camelCase): inverse
 * trigonometric and hyperbolic functions, log1p / expm1 / log2 / log10 / exp2,
 * erf / erfc / erfinv, lgamma / digamma / polygamma, softplus / silu / gelu /
 * logit / sinc / xlogy, and the rounding and remainder functions. Each is a
 * primitive with its own accurate kernel (src/ops/rules/elementwise.ts) or a
 * composite of primitives that keeps the accuracy (silu, gelu).
 * Derivative conventions are listed in docs/tensors.md.
 */
import { Tensor } from "../tensor/tensor.js";
import { tensorArg } from "../tensor/create.js";
import { ArgumentError } from "../errors.js";
import { checkFinite, checkInt, checkOptions, describe } from "../validate.js";
import { apply } from "./dispatch.js";
import { rules } from "./registry.js";
import { clamp, div, mul, sigmoid, type TensorLike } from "./api.js";

type UnaryPrim = "asin" | "acos" | "atan" | "sinh" | "cosh" | "asinh" | "acosh" | "atanh" | "log1p" | "expm1" | "log2" | "log10"
  | "exp2" | "erf" | "erfc" | "erfinv" | "lgamma" | "digamma" | "sinc" | "floor" | "ceil" | "trunc";
type BinaryPrim = "atan2" | "hypot" | "xlogy" | "fmod" | "remainder";

const un = (op: UnaryPrim) => (x: TensorLike): Tensor => apply(rules[op], [tensorArg(x, op, "x")], null);
const bin = (op: BinaryPrim, an: string, bn: string) => (a: TensorLike, b: TensorLike): Tensor =>
  apply(rules[op], [tensorArg(a, op, an), tensorArg(b, op, bn)], null);

/** Elementwise arcsine (NaN outside [−1, 1]); derivative 1/√(1 − x²). */
export const asin = un("asin");
/** Elementwise arccosine (NaN outside [−1, 1]); derivative −1/√(1 − x²). */
export const acos = un("acos");
/** Elementwise arctangent; derivative 1/(1 + x²). */
export const atan = un("atan");
/** Elementwise hyperbolic sine; derivative cosh x. */
export const sinh = un("sinh");
/** Elementwise hyperbolic cosine; derivative sinh x. */
export const cosh = un("cosh");
/** Elementwise inverse hyperbolic sine; derivative 1/√(x² + 1). */
export const asinh = un("asinh");
/** Elementwise inverse hyperbolic cosine (NaN below 1); derivative 1/√(x² − 1). */
export const acosh = un("acosh");
/** Elementwise inverse hyperbolic tangent (±∞ at ±1, NaN outside); derivative 1/(1 − x²). */
export const atanh = un("atanh");
/** Elementwise log(1 + x), accurate near 0; derivative 1/(1 + x). */
export const log1p = un("log1p");
/** Elementwise eˣ − 1, accurate near 0; derivative eˣ. */
export const expm1 = un("expm1");
/** Elementwise base-2 logarithm; derivative 1/(x ln 2). */
export const log2 = un("log2");
/** Elementwise base-10 logarithm; derivative 1/(x ln 10). */
export const log10 = un("log10");
/** Elementwise 2ˣ (exact at integers); derivative 2ˣ ln 2. */
export const exp2 = un("exp2");
/** Elementwise error function erf x = (2/√π) ∫₀ˣ e^(−t²) dt; derivative (2/√π) e^(−x²). */
export const erf = un("erf");
/** Elementwise complementary error function 1 − erf x, accurate in the right tail; derivative −(2/√π) e^(−x²). */
export const erfc = un("erfc");
/** Elementwise inverse error function on [−1, 1] (±∞ at ±1, NaN outside); derivative (√π/2) e^(erfinv(x)²). */
export const erfinv = un("erfinv");
/** Elementwise log |Γ(x)| (+∞ at 0 and the negative integers); derivative ψ(x) (digamma). */
export const lgamma = un("lgamma");
/** Elementwise digamma ψ(x) = Γ′(x)/Γ(x) (−∞ at 0, NaN at the negative integers); derivative ψ⁽¹⁾(x). */
export const digamma = un("digamma");
/** Elementwise normalized sinc sin(πx)/(πx), 1 at 0; derivative (cos πx − sinc x)/x, 0 at 0. */
export const sinc = un("sinc");
/** Elementwise floor; gradient 0 (PyTorch's convention). */
export const floor = un("floor");
/** Elementwise ceiling; gradient 0 (PyTorch's convention). */
export const ceil = un("ceil");
/** Options of {@link round} (torch.round's keyword). */
export interface RoundOptions {
  /** Round to this many decimal places (default 0; negative: to tens, hundreds, …). */
  decimals?: number;
}

/**
 * Elementwise rounding to the nearest integer, ties to even (as torch.round: 0.5 → 0, 1.5 → 2); gradient 0.
 * With `decimals` d, as torch.round(x, decimals=d): round(x·10ᵈ)/10ᵈ for d > 0 and
 * round(x/10⁻ᵈ)·10⁻ᵈ for d < 0 — ties to even on the *scaled* float64 value, so
 * round(2.675, {decimals: 2}) is 2.67 or 2.68 exactly as PyTorch gives it.
 */
export function round(x: TensorLike, options?: RoundOptions): Tensor {
  const t = tensorArg(x, "round", "x");
  if (options === undefined) return apply(rules.round, [t], null);
  const { decimals = 0 } = checkOptions("round", options, ["decimals"]);
  checkInt("round", "option decimals", decimals);
  if (decimals === 0) return apply(rules.round, [t], null);
  // 10^|d| parsed from its decimal literal: correctly rounded (and exact up to 10²²), as C's pow(10, n)
  const scale = Number(`1e${Math.abs(decimals)}`);
  return decimals > 0
    ? div(apply(rules.round, [mul(t, scale)], null), scale)
    : mul(apply(rules.round, [div(t, scale)], null), scale);
}
/** Elementwise rounding toward zero; gradient 0 (PyTorch's convention). */
export const trunc = un("trunc");

/** Elementwise atan2(y, x): the angle of the point (x, y) in (−π, π], broadcasting; ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²). */
export const atan2 = bin("atan2", "y", "x");
/** Elementwise √(a² + b²) without overflow, broadcasting; ∂/∂a = a/hypot, ∂/∂b = b/hypot. */
export const hypot = bin("hypot", "a", "b");
/** Elementwise x·log y with 0 where x = 0 (unless y is NaN), broadcasting; ∂/∂x = log y (0 where x = 0), ∂/∂y = x/y. */
export const xlogy = bin("xlogy", "x", "y");
/** Elementwise C fmod: a − trunc(a/b)·b, with the sign of the dividend a, broadcasting; ∂/∂a = 1, ∂/∂b = −trunc(a/b). */
export const fmod = bin("fmod", "a", "b");
/** Elementwise a − floor(a/b)·b, with the sign of the divisor b (PyTorch's remainder, Python's %), broadcasting; ∂/∂a = 1, ∂/∂b = −floor(a/b). */
export const remainder = bin("remainder", "a", "b");

/**
 * Elementwise polygamma ψ⁽ⁿ⁾(x), the n-th derivative of digamma (n = 0: digamma); derivative ψ⁽ⁿ⁺¹⁾(x).
 * n is at most 170 (n! overflows float64 beyond, and so does ψ⁽ⁿ⁾ for x ≤ 1).
 */
export function polygamma(n: number, x: TensorLike): Tensor {
  checkInt("polygamma", "argument n (the order)", n, 0, 170);
  const t = tensorArg(x, "polygamma", "x");
  if (n === 0) return apply(rules.digamma, [t], null);
  return apply(rules.polygamma, [t], { n });
}

/**
 * Elementwise softplus log(1 + e^(βx))/β (β > 0, default 1), computed as
 * max(x, 0) + log1p(e^(−β|x|))/β: no overflow, and exact to a few ulp everywhere
 * (PyTorch switches to x above its `threshold`; this is the function itself).
 * Derivative σ(βx).
 */
export function softplus(x: TensorLike, beta = 1): Tensor {
  const t = tensorArg(x, "softplus", "x");
  checkFinite("softplus", "argument beta", beta);
  if (beta <= 0) throw new ArgumentError("softplus", `argument beta must be a positive number; got ${beta}`);
  return apply(rules.softplus, [t], { beta });
}

/** Elementwise SiLU (swish) x·σ(x); derivative σ(x)(1 + x(1 − σ(x))). */
export function silu(x: TensorLike): Tensor {
  const t = tensorArg(x, "silu", "x");
  return mul(t, sigmoid(t));
}


/** GELU's options: `approximate: "tanh"` uses the tanh approximation (as PyTorch's `approximate`). */
export interface GeluOptions {
  approximate?: "none" | "tanh";
}

/**
 * Elementwise GELU x·Φ(x) (Φ the standard normal CDF), computed as x·erfc(−x/√2)/2
 * so that the left tail keeps its relative accuracy (1 + erf would cancel), with
 * −x/√2 carried in double-double. With `approximate: "tanh"`:
 * x(1 + tanh(√(2/π)(x + 0.044715x³)))/2, computed as x·σ(2z) (the same function,
 * since (1 + tanh z)/2 = σ(2z), without the cancellation). Derivative Φ(x) + x·φ(x)
 * (or the tanh form's own derivative).
 */
export function gelu(x: TensorLike, options?: GeluOptions | "none" | "tanh"): Tensor {
  const t = tensorArg(x, "gelu", "x");
  let approx: unknown = "none";
  if (typeof options === "string") approx = options;
  else if (options !== undefined && options !== null) {
    if (typeof options !== "object") throw new ArgumentError("gelu", `argument options must be { approximate: "none" | "tanh" }; got ${describe(options)}`);
    for (const k of Object.keys(options))
      if (k !== "approximate") throw new ArgumentError("gelu", `unknown option ${JSON.stringify(k)}; the only option is approximate ("none" or "tanh")`);
    approx = options.approximate ?? "none";
  }
  if (approx === "none" || approx === "tanh") return apply(rules.gelu, [t], { tanh: approx === "tanh" });
  throw new ArgumentError("gelu", `option approximate must be "none" or "tanh"; got ${describe(approx)}`);
}

/**
 * Elementwise logit log(x/(1 − x)), the inverse of sigmoid (±∞ at 1 and 0, NaN outside [0, 1]).
 * With `eps`, x is first clamped to [eps, 1 − eps] (as PyTorch; the gradient is 0 where clamped).
 * Derivative 1/(x(1 − x)).
 */
export function logit(x: TensorLike, eps?: number | null): Tensor {
  let t = tensorArg(x, "logit", "x");
  if (eps !== undefined && eps !== null) {
    checkFinite("logit", "argument eps", eps);
    if (eps < 0 || eps > 0.5) throw new ArgumentError("logit", `argument eps must be in [0, 0.5]; got ${eps}`);
    t = clamp(t, eps, 1 - eps);
  }
  return apply(rules.logit, [t], null);
}
