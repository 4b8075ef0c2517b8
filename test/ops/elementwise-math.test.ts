/**
 * The elementwise math functions (src/ops/math.ts): accuracy in ulps against
 * mpmath references (test/ops/fixtures/elementwise-math.json, made by the
 * committed script next to it), special values and PyTorch's conventions
 * (rounding ties, remainder signs, xlogy at 0, gradients of the step functions),
 * derivatives of every order through the special functions, and argument errors.
 */
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import {
  tensor, grad, sum, sign, Tensor, ArgumentError, ShapeError,
  asin, acos, atan, sinh, cosh, asinh, acosh, atanh, log1p, expm1, log2, log10, exp2, erf, erfc, erfinv, lgamma, digamma,
  polygamma, sinc, floor, ceil, round, trunc, atan2, hypot, xlogy, fmod, remainder, softplus, silu, gelu, logit,
} from "../../src/index.js";

interface Fixtures {
  unary: Record<string, [string, string][]>;
  binary: Record<string, [string, string, string][]>;
}
const fx = JSON.parse(readFileSync(new URL("./fixtures/elementwise-math.json", import.meta.url), "utf8")) as Fixtures;

/** The spacing of float64 numbers at |v| (the ulp of the reference). */
function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2.2250738585072014e-308) return 5e-324;
  let u = Math.pow(2, Math.floor(Math.log2(a)) - 52);
  // Math.log2 may round across a power of two: correct the exponent
  if (a / u >= 2 ** 53) u *= 2;
  else if (a / u < 2 ** 52) u /= 2;
  return u;
}
const ulpErr = (got: number, ref: number): number => (got === ref ? 0 : Math.abs(got - ref) / ulp(ref));

/**
 * Max ulp error per function over its fixture points (the bound is what was measured,
 * rounded up). The larger ones: erfc in the tail (Cody's approximation, ~4 ulp, which
 * gelu inherits), lgamma / digamma / polygamma for negative x near the poles (the
 * functions' own conditioning there).
 */
const UNARY: Record<string, [(x: Tensor) => Tensor, number]> = {
  asin: [asin, 1], acos: [acos, 1], atan: [atan, 1], sinh: [sinh, 1], cosh: [cosh, 1], asinh: [asinh, 1], acosh: [acosh, 1],
  atanh: [atanh, 1], log1p: [log1p, 1], expm1: [expm1, 1], log2: [log2, 1], log10: [log10, 1], exp2: [exp2, 1],
  erf: [erf, 2], erfc: [erfc, 4], erfinv: [erfinv, 4], lgamma: [lgamma, 6], digamma: [digamma, 8],
  polygamma1: [(x) => polygamma(1, x), 6], polygamma2: [(x) => polygamma(2, x), 6], polygamma3: [(x) => polygamma(3, x), 6],
  softplus: [(x) => softplus(x), 2], silu: [silu, 3], gelu: [(x) => gelu(x), 4], geluTanh: [(x) => gelu(x, { approximate: "tanh" }), 2],
  logit: [(x) => logit(x), 2], sinc: [sinc, 2],
};
const BINARY: Record<string, [(a: Tensor, b: Tensor) => Tensor, number]> = { atan2: [atan2, 1], hypot: [hypot, 1], xlogy: [xlogy, 1] };

describe("accuracy against mpmath (max ulp error)", () => {
  it("covers every fixture", () => {
    expect(Object.keys(fx.unary).sort()).toEqual(Object.keys(UNARY).sort());
    expect(Object.keys(fx.binary).sort()).toEqual(Object.keys(BINARY).sort());
  });
  for (const [name, [f, bound]] of Object.entries(UNARY)) {
    it(`${name}: ≤ ${bound} ulp over ${fx.unary[name].length} points`, () => {
      const pts = fx.unary[name];
      const xs = pts.map((p) => Number(p[0])), ref = pts.map((p) => Number(p[1]));
      const out = f(tensor(xs)).data;
      let worst = 0, at = NaN;
      for (let i = 0; i < xs.length; i++) {
        const e = ulpErr(out[i], ref[i]);
        if (!(e <= worst)) { worst = e; at = xs[i]; }
      }
      expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(bound);
    });
  }
  for (const [name, [f, bound]] of Object.entries(BINARY)) {
    it(`${name}: ≤ ${bound} ulp over ${fx.binary[name].length} points`, () => {
      const pts = fx.binary[name];
      const a = pts.map((p) => Number(p[0])), b = pts.map((p) => Number(p[1])), ref = pts.map((p) => Number(p[2]));
      const out = f(tensor(a), tensor(b)).data;
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, ulpErr(out[i], ref[i]));
      expect(worst).toBeLessThanOrEqual(bound);
    });
  }
});

const vals = (t: Tensor): number[] => Array.from(t.data);

describe("special values and PyTorch's conventions", () => {
  it("round: ties to even (torch.round), keeping the sign of zero", () => {
    expect(vals(round([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999999999999996, 4503599627370497, -0]))).toEqual([0, 2, 2, -0, -2, -2, 2, 4503599627370497, -0]);
  });
  it("floor / ceil / trunc", () => {
    expect(vals(floor([1.5, -1.5, -0]))).toEqual([1, -2, -0]);
    expect(vals(ceil([1.5, -1.5, -0.5]))).toEqual([2, -1, -0]);
    expect(vals(trunc([1.5, -1.5, Infinity]))).toEqual([1, -1, Infinity]);
  });
  it("fmod has the sign of the dividend, remainder the sign of the divisor (torch)", () => {
    expect(vals(fmod([5, -5, 5, -5, 5.5, 1e17], [3, 3, -3, -3, 2, 3]))).toEqual([2, -2, 2, -2, 1.5, 1e17 % 3]);
    expect(vals(remainder([5, -5, 5, -5, -3, 3], [3, 3, -3, -3, 3, -3]))).toEqual([2, 1, -1, -2, -0, 0]); // −3 rem 3 = −0: torch's fmod-then-fix gives the dividend's zero
    expect(Number.isNaN(fmod(1, 0).item())).toBe(true);
    expect(Number.isNaN(remainder(1, 0).item())).toBe(true);
  });
  it("xlogy: 0 where x = 0 (even for y = 0 or ∞), NaN where y is NaN", () => {
    expect(vals(xlogy([0, 0, 0, 2], [0, Infinity, 5, Math.E]))).toEqual([0, 0, 0, 2]);
    expect(Number.isNaN(xlogy(0, NaN).item())).toBe(true);
  });
  it("values at the ends of the domains", () => {
    expect(vals(erfinv([1, -1, 0, -0]))).toEqual([Infinity, -Infinity, 0, -0]);
    expect(vals(erfinv([1.5, -2])).every(Number.isNaN)).toBe(true);
    expect(vals(erf([Infinity, -Infinity, 30]))).toEqual([1, -1, 1]);
    expect(vals(erfc([Infinity, -Infinity, 27]))).toEqual([0, 2, 0]);
    expect(vals(lgamma([0, -1, -2, Infinity, 1, 2]))).toEqual([Infinity, Infinity, Infinity, Infinity, 0, 0]);
    expect(digamma(0).item()).toBe(-Infinity);
    expect(Number.isNaN(digamma(-2).item())).toBe(true);
    expect(polygamma(1, 0).item()).toBe(Infinity);
    // large negative non-integers go through the reflection formula, not 10¹⁵ recurrence steps: ψ⁽¹⁾(−n + ½) ≈ π²
    expect(polygamma(1, -1e15 + 0.5).item()).toBeCloseTo(Math.PI ** 2, 12);
    expect(vals(logit([0, 1, 0.5]))).toEqual([-Infinity, Infinity, 0]);
    expect(vals(sinc([0, 1, -3, 1e300]))).toEqual([1, 0, 0, 0]);
    expect(vals(atanh([1, -1]))).toEqual([Infinity, -Infinity]);
    expect(vals(softplus([800, -800, 0]))).toEqual([800, 0, Math.LN2]);
    expect(vals(gelu([-40, 40]))).toEqual([-0, 40]);
    expect(vals(silu([-800, 800]))).toEqual([-0, 800]);
    expect(vals(exp2([10, -1074, 1024]))).toEqual([1024, 5e-324, Infinity]);
    expect(vals(hypot([1e300, 3], [1e300, 4]))).toEqual([1.4142135623730952e300, 5]);
    expect(vals(atan2([0, 0, -0, 1], [1, -1, -1, 0]))).toEqual([0, Math.PI, -Math.PI, Math.PI / 2]);
  });
  it("NaN in, NaN out (hypot too: matgrad's policy, where C gives hypot(NaN, ∞) = ∞)", () => {
    const fs = [asin, acos, atan, sinh, cosh, asinh, acosh, atanh, log1p, expm1, log2, log10, exp2, erf, erfc, erfinv, lgamma, digamma,
      (x: Tensor) => polygamma(2, x), sinc, floor, ceil, round, trunc, (x: Tensor) => softplus(x), silu, (x: Tensor) => gelu(x), (x: Tensor) => logit(x)];
    for (const f of fs) expect(Number.isNaN(f(tensor([NaN])).data[0])).toBe(true);
    for (const f of [atan2, hypot, xlogy, fmod, remainder]) {
      expect(Number.isNaN(f(tensor([NaN]), tensor([Infinity])).data[0])).toBe(true);
      expect(Number.isNaN(f(tensor([Infinity]), tensor([NaN])).data[0])).toBe(true);
    }
  });
  it("binary ops broadcast like add", () => {
    const out = atan2(tensor([[1], [2]]), tensor([1, 2, 3]));
    expect(out.shape).toEqual([2, 3]);
    expect(out.data[5]).toBe(Math.atan2(2, 3));
  });
});

describe("derivative conventions", () => {
  it("floor, ceil, round, trunc, sign have gradient 0", () => {
    expect(vals(sign([2, -3, 0]))).toEqual([1, -1, 0]);
    for (const f of [floor, ceil, round, trunc, sign]) expect(vals(grad((x: Tensor) => sum(f(x)))(tensor([0.5, 1.3, -2.7])))).toEqual([0, 0, 0]);
  });
  it("fmod: ∂/∂a = 1, ∂/∂b = −trunc(a/b); remainder: ∂/∂b = −floor(a/b)", () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => sum(fmod(a, b)), { argnums: [0, 1] })(tensor([-7, 7]), tensor([2, 2])) as Tensor[];
    expect(vals(ga)).toEqual([1, 1]);
    expect(vals(gb)).toEqual([3, -3]);
    const [, gr] = grad((a: Tensor, b: Tensor) => sum(remainder(a, b)), { argnums: [0, 1] })(tensor([-7, 7]), tensor([2, 2])) as Tensor[];
    expect(vals(gr)).toEqual([4, -3]);
  });
  it("xlogy: ∂/∂x = 0 where x = 0 (PyTorch), log y elsewhere", () => {
    expect(vals(grad((x: Tensor) => sum(xlogy(x, tensor([3, 3]))))(tensor([0, 2])))).toEqual([0, Math.log(3)]);
  });
  it("sinc: derivative 0 at 0", () => {
    expect(grad((x: Tensor) => sinc(x))(tensor(0)).item()).toBe(0);
  });
  it("higher orders through the special functions: lgamma″ = ψ⁽¹⁾, lgamma‴ = ψ⁽²⁾", () => {
    const d2 = grad(grad((x: Tensor) => lgamma(x)));
    const d3 = grad(d2);
    expect(d2(tensor(1)).item()).toBeCloseTo(Math.PI ** 2 / 6, 14);
    expect(d3(tensor(2)).item()).toBeCloseTo(-0.4041138063191886, 14);
  });
  it("erfinv′(x) = (√π/2) e^(erfinv(x)²); erfinv(erf(x)) has derivative 1", () => {
    expect(grad((x: Tensor) => erfinv(x))(tensor(0)).item()).toBeCloseTo(Math.sqrt(Math.PI) / 2, 15);
    expect(grad((x: Tensor) => erfinv(erf(x)))(tensor(0.7)).item()).toBeCloseTo(1, 12);
  });
  it("gelu′ = Φ(x) + x φ(x); softplus′ = σ(βx)", () => {
    const x = 0.7;
    const phi = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    expect(grad((t: Tensor) => gelu(t))(tensor(x)).item()).toBeCloseTo(0.5 * erfc(-x / Math.SQRT2).item() + x * phi, 14);
    expect(grad((t: Tensor) => softplus(t, 3))(tensor(x)).item()).toBeCloseTo(1 / (1 + Math.exp(-3 * x)), 14);
  });
});

describe("argument errors name the op and the argument", () => {
  it("tensor arguments", () => {
    expect(() => erf("x" as never)).toThrow(ArgumentError);
    expect(() => erf("x" as never)).toThrow(/^erf: argument x/);
    expect(() => atan2(1, "x" as never)).toThrow(/^atan2: argument x/);
    expect(() => xlogy([1, 2], [1, 2, 3])).toThrow(ShapeError);
    expect(() => xlogy([1, 2], [1, 2, 3])).toThrow(/^xlogy: shapes \[2\] and \[3\] cannot be broadcast/);
  });
  it("parameters", () => {
    expect(() => polygamma(1.5, 1)).toThrow(/^polygamma: argument n \(the order\) must be an integer in \[0, 170\]; got the number 1\.5/);
    expect(() => softplus(1, -1)).toThrow(/^softplus: argument beta must be a positive number; got -1/);
    expect(() => softplus(1, NaN)).toThrow(/^softplus: argument beta must be a finite number/);
    expect(() => gelu(1, "erf" as never)).toThrow(/^gelu: option approximate must be "none" or "tanh"/);
    expect(() => gelu(1, { approx: "tanh" } as never)).toThrow(/^gelu: unknown option "approx"/);
    expect(() => logit(0.5, 0.6)).toThrow(/^logit: argument eps must be in \[0, 0\.5\]; got 0.6/);
  });
});

describe("Tensor methods", () => {
  it("alias the functions", () => {
    const x = tensor([0.25, 0.5]);
    expect(vals(x.erf())).toEqual(vals(erf(x)));
    expect(vals(x.atan2(2))).toEqual(vals(atan2(x, 2)));
    expect(vals(x.polygamma(1))).toEqual(vals(polygamma(1, x)));
    expect(vals(x.gelu({ approximate: "tanh" }))).toEqual(vals(gelu(x, { approximate: "tanh" })));
    expect(vals(x.softplus(2))).toEqual(vals(softplus(x, 2)));
    expect(vals(x.logit(0.3))).toEqual(vals(logit(x, 0.3)));
    expect(vals(tensor([2.5]).round())).toEqual([2]);
    expect(vals(tensor([-5]).remainder(3))).toEqual([1]);
  });
});
