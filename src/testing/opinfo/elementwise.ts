/**
 * OpInfo entries of the elementwise math functions (src/ops/math.ts). Hand-checked
 * values are mpmath's, rounded to float64; the accuracy over a few hundred points
 * per function (tails included) is measured separately in
 * test/ops/elementwise-math.test.ts against committed mpmath fixtures. Samples
 * stay inside each function's domain and away from its kinks and jumps
 * (finite differences there would measure the jump, not the derivative).
 */
import { Tensor, type NestedArray } from "../../tensor/tensor.js";
import { tensor, rand } from "../../tensor/create.js";
import * as ops from "../../ops/api.js";
import * as m from "../../ops/math.js";
import { ArgumentError, ShapeError } from "../../errors.js";
import type { OpInfo, Sample } from "../opinfo.js";

// own seed sequence: the core table's shared counter stays as it was
let seed = 91000;
const ru = (lo: number, hi: number) => (shape: number[]): Tensor => {
  const t = rand(shape, { seed: seed++ });
  return new Tensor(t.data.map((v) => lo + (hi - lo) * v), t.shape);
};
/** Uniform in [lo, hi), moved away from the integers (and half-integers when `halves`) by at least 0.05: the rounding functions jump there. */
const ruOff = (lo: number, hi: number, halves = false) => (shape: number[]): Tensor => {
  const t = ru(lo, hi)(shape);
  const step = halves ? 0.5 : 1;
  return new Tensor(t.data.map((v) => {
    const d = v / step - Math.round(v / step);
    return Math.abs(d) * step < 0.05 ? v + 0.1 : v;
  }), t.shape);
};
const mapRef = (f: (...v: number[]) => number) => (...xs: Tensor[]): Tensor =>
  new Tensor(xs[0].data.map((_, i) => f(...xs.map((x) => x.data[i]))), xs[0].shape);

function unaryInfo(name: string, fn: (x: Tensor) => Tensor, gen: (s: number[]) => Tensor, hand: [NestedArray, NestedArray], ref?: (v: number) => number, opts: Partial<OpInfo> = {}): OpInfo {
  const expected = ref === undefined ? undefined : mapRef(ref);
  return {
    name,
    fn,
    samples: (): Sample[] => [
      { name: "hand-checked", inputs: [tensor(hand[0])], expected: hand[1] },
      { name: "0-d", inputs: [gen([])], expected },
      { name: "vector", inputs: [gen([5])], expected },
      { name: "batched 2×2×3", inputs: [gen([2, 2, 3])], expected },
      { name: "empty 0×3", inputs: [gen([0, 3])], expected: (x: Tensor) => new Tensor(new Float64Array(0), x.shape) },
    ].map((s) => (s.expected === undefined ? { name: s.name, inputs: s.inputs } : s) as Sample),
    errors: [{ name: "a string argument", inputs: () => [fn("x" as unknown as Tensor)], error: ArgumentError, message: new RegExp(`^${name.split(/[ (]/)[0]}: argument x must be`) }],
    ...opts,
  };
}

function binaryInfo(name: string, fn: (a: Tensor, b: Tensor) => Tensor, f: (a: number, b: number) => number, genA: (s: number[]) => Tensor, genB: (s: number[]) => Tensor, hand: [NestedArray, NestedArray, NestedArray], opts: Partial<OpInfo> = {}): OpInfo {
  const bcastRef = (a: Tensor, b: Tensor): Tensor => mapRef(f)(ops.broadcastTo(a, [3, 4]), ops.broadcastTo(b, [3, 4]));
  return {
    name,
    fn,
    samples: () => [
      { name: "hand-checked", inputs: [tensor(hand[0]), tensor(hand[1])], expected: hand[2] },
      { name: "0-d", inputs: [genA([]), genB([])], expected: mapRef(f) },
      { name: "same shape 3×4", inputs: [genA([3, 4]), genB([3, 4])], expected: mapRef(f) },
      { name: "broadcast column 3×1 ∘ 1×4", inputs: [genA([3, 1]), genB([1, 4])], expected: bcastRef },
      { name: "scalar ∘ matrix", inputs: [genA([]), genB([3, 4])], expected: bcastRef },
      { name: "empty 0×3 ∘ 3", inputs: [genA([0, 3]), genB([3])], expected: () => new Tensor(new Float64Array(0), [0, 3]) },
    ],
    errors: [
      { name: "incompatible shapes", inputs: () => [ru(1, 2)([3, 4]), ru(1, 2)([5])], error: ShapeError, message: new RegExp(`^${name}: shapes \\[3, 4\\] and \\[5\\] cannot be broadcast`) },
    ],
    ...opts,
  };
}

const noGradOrder2 = { secondOrder: true };

/** The OpInfo entries of the elementwise math functions. */
export const elementwiseOpInfos: OpInfo[] = [
  unaryInfo("asin", m.asin, ru(-0.9, 0.9), [[0, 0.5], [0, Math.PI / 6]], Math.asin),
  unaryInfo("acos", m.acos, ru(-0.9, 0.9), [[0.5, -0.5], [Math.PI / 3, 2 * Math.PI / 3]], Math.acos),
  unaryInfo("atan", m.atan, ru(-3, 3), [[0, 1], [0, Math.PI / 4]], Math.atan),
  unaryInfo("sinh", m.sinh, ru(-3, 3), [[0, 1], [0, 1.1752011936438014]], Math.sinh),
  unaryInfo("cosh", m.cosh, ru(-3, 3), [[0, 1], [1, 1.5430806348152437]], Math.cosh),
  unaryInfo("asinh", m.asinh, ru(-3, 3), [[0, 1], [0, 0.881373587019543]], Math.asinh),
  unaryInfo("acosh", m.acosh, ru(1.2, 4), [[2], [1.3169578969248168]], Math.acosh),
  unaryInfo("atanh", m.atanh, ru(-0.9, 0.9), [[0, 0.5], [0, 0.5493061443340549]], Math.atanh),
  unaryInfo("log1p", m.log1p, ru(-0.5, 3), [[0, 1e-20, Math.E - 1], [0, 1e-20, 1]], Math.log1p),
  unaryInfo("expm1", m.expm1, ru(-2, 2), [[0, 1e-20, 1], [0, 1e-20, Math.E - 1]], Math.expm1),
  unaryInfo("log2", m.log2, ru(0.3, 4), [[1, 8, 0.5], [0, 3, -1]], Math.log2),
  unaryInfo("log10", m.log10, ru(0.3, 4), [[1, 1000, 0.01], [0, 3, -2]], Math.log10),
  unaryInfo("exp2", m.exp2, ru(-3, 3), [[0, 10, -1], [1, 1024, 0.5]], (v) => Math.pow(2, v)),
  unaryInfo("erf", m.erf, ru(-2.5, 2.5), [[0, 0.5, -0.5], [0, 0.5204998778130465, -0.5204998778130465]]),
  unaryInfo("erfc", m.erfc, ru(-2.5, 2.5), [[0, 3], [1, 2.209049699858544e-5]]),
  unaryInfo("erfinv", m.erfinv, ru(-0.9, 0.9), [[0, 0.5, -0.5], [0, 0.4769362762044699, -0.4769362762044699]]),
  unaryInfo("lgamma", m.lgamma, ru(0.3, 5), [[1, 2, 0.5], [0, 0, 0.5723649429247001]]),
  unaryInfo("digamma", m.digamma, ru(0.3, 5), [[1], [-0.5772156649015329]]),
  unaryInfo("polygamma(1, x)", (x) => m.polygamma(1, x), ru(0.5, 5), [[1], [1.6449340668482264]], undefined, {
    errors: [{ name: "negative order", inputs: () => [m.polygamma(-1, 1)], error: ArgumentError, message: /^polygamma: argument n \(the order\) must be an integer in \[0, 170\]; got -1/ }],
  }),
  unaryInfo("polygamma(2, x)", (x) => m.polygamma(2, x), ru(0.5, 5), [[2], [-0.4041138063191886]]),
  unaryInfo("softplus", (x) => m.softplus(x), ru(-4, 4), [[0, 1], [Math.LN2, 1.3132616875182228]], (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))),
  unaryInfo("softplus (beta=2)", (x) => m.softplus(x, 2), ru(-4, 4), [[0], [Math.LN2 / 2]], (v) => (Math.max(2 * v, 0) + Math.log1p(Math.exp(-Math.abs(2 * v)))) / 2, {
    errors: [{ name: "beta ≤ 0", inputs: () => [m.softplus(1, 0)], error: ArgumentError, message: /^softplus: argument beta must be a positive number; got 0/ }],
  }),
  unaryInfo("silu", m.silu, ru(-4, 4), [[0, 1], [0, 0.7310585786300049]], (v) => v / (1 + Math.exp(-v))),
  unaryInfo("gelu", (x) => m.gelu(x), ru(-3, 3), [[0, 1], [0, 0.8413447460685429]]),
  unaryInfo("gelu (tanh)", (x) => m.gelu(x, { approximate: "tanh" }), ru(-3, 3), [[0, 1], [0, 0.8411919906082767]], undefined, {
    errors: [{ name: "unknown approximation", inputs: () => [m.gelu(1, { approximate: "erf" } as never)], error: ArgumentError, message: /^gelu: option approximate must be "none" or "tanh"; got .*erf/ }],
  }),
  unaryInfo("logit", (x) => m.logit(x), ru(0.1, 0.9), [[0.5, 0.75], [0, Math.log(3)]], (v) => Math.log(v / (1 - v))),
  unaryInfo("logit (eps)", (x) => m.logit(x, 0.05), ru(0.1, 0.9), [[0.5, 0.75, 0.01, 0.99], [0, Math.log(3), Math.log(0.05 / 0.95), Math.log(0.95 / 0.05)]], undefined, {
    errors: [{ name: "eps out of range", inputs: () => [m.logit(0.5, 0.7)], error: ArgumentError, message: /^logit: argument eps must be in \[0, 0\.5\]; got 0\.7/ }],
  }),
  unaryInfo("sinc", m.sinc, ru(-3, 3), [[0.5, 1, -2], [0.6366197723675814, 0, 0]]),
  unaryInfo("floor", m.floor, ruOff(-4, 4), [[1.5, -1.5, 2.25], [1, -2, 2]], Math.floor, noGradOrder2),
  unaryInfo("ceil", m.ceil, ruOff(-4, 4), [[1.5, -1.5, 2.25], [2, -1, 3]], Math.ceil, noGradOrder2),
  unaryInfo("round", m.round, ruOff(-4, 4, true), [[2.4, 2.6, -1.3], [2, 3, -1]], undefined, noGradOrder2),
  unaryInfo("sign", ops.sign, ruOff(-4, 4), [[1.5, -1.5, -0.25], [1, -1, -1]], Math.sign, noGradOrder2),
  unaryInfo("trunc", m.trunc, ruOff(-4, 4), [[1.5, -1.5, 2.25], [1, -1, 2]], Math.trunc, noGradOrder2),
  binaryInfo("atan2", m.atan2, Math.atan2, ru(-2, 2), ru(0.3, 2), [[1, 1, -1], [1, -1, -1], [Math.PI / 4, 3 * Math.PI / 4, -3 * Math.PI / 4]]),
  binaryInfo("hypot", m.hypot, Math.hypot, ru(0.3, 2), ru(-2, -0.3), [[3, 5], [4, 12], [5, 13]]),
  binaryInfo("xlogy", m.xlogy, (x, y) => (x === 0 ? 0 : x * Math.log(y)), ru(-2, 2), ru(0.3, 3), [[0, 2], [1, Math.E], [0, 2]]),
  binaryInfo("fmod", m.fmod, (a, b) => a % b, ruOff(-5, 5), ru(0.7, 0.9), [[5, -5, 5, -5, 5.5], [3, 3, -3, -3, 2], [2, -2, 2, -2, 1.5]]),
  binaryInfo("remainder", m.remainder, (a, b) => a - Math.floor(a / b) * b, ruOff(-5, 5), ru(0.7, 0.9), [[5, -5, 5, -5, 5.5], [3, 3, -3, -3, 2], [2, 1, -1, -2, 1.5]]),
];
