/**
 * Scans, diff, std, truth reductions, predicates, logical ops and
 * round(decimals) beyond the OpInfo table: PyTorch's semantics on the tricky
 * cases (ties, NaN, −∞, zeros, empty axes, negative axes), derivatives at the
 * points where the textbook formula fails (cumprod at zeros, to second order;
 * logcumsumexp at −∞), no gradient through the 0/1 ops, vmap, and errors.
 * Expected values are PyTorch's, worked out by hand from its definitions.
 */
import { describe, expect, it } from "vitest";
import {
  tensor, zeros, grad, jvp, hessian, vmap, variance, sum, mul, where, ArgumentError, ShapeError, type Tensor,
  cumsum, cumprod, cummax, cummin, logcumsumexp, diff, std, any, all, countNonzero,
  isnan, isfinite, isinf, isposinf, isneginf, logicalNot, logicalAnd, logicalOr, logicalXor, round,
} from "../../src/index.js";

const arr = (t: Tensor): number[] => Array.from(t.toArray() as ArrayLike<number>);
const close = (a: number[], b: number[], tol = 1e-12): void => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]), `entry ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]))));
};

describe("cumsum", () => {
  it("along each axis, negative axes, batches (inner > 1)", () => {
    const x = tensor([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
    expect(arr(cumsum(x, 1))).toEqual([1, 2, 4, 6, 9, 12, 7, 8, 16, 18, 27, 30]);
    expect(arr(cumsum(x, -2))).toEqual(arr(cumsum(x, 1)));
    expect(arr(cumsum(x, 0))).toEqual([1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 18]);
    expect(arr(cumsum(x, -1))).toEqual([1, 3, 3, 7, 5, 11, 7, 15, 9, 19, 11, 23]);
  });
  it("0-d (axis 0 or −1, as PyTorch) and empty axes", () => {
    expect(cumsum(tensor(3), 0).item()).toBe(3);
    expect(cumsum(tensor(3), -1).item()).toBe(3);
    expect(cumsum(zeros([0, 3]), 0).shape).toEqual([0, 3]);
    expect(cumsum(zeros([3, 0]), 1).shape).toEqual([3, 0]);
  });
  it("VJP is the reverse cumulative sum (along an inner axis too)", () => {
    const w = tensor([[1, 10, 100], [2, 20, 200]]);
    const g = grad((x: Tensor) => sum(mul(cumsum(x, 1), w)))(zeros([2, 3]));
    expect(arr(g)).toEqual([111, 110, 100, 222, 220, 200]);
    const g0 = grad((x: Tensor) => sum(mul(cumsum(x, 0), w)))(zeros([2, 3]));
    expect(arr(g0)).toEqual([3, 30, 300, 2, 20, 200]);
  });
  it("Tensor method", () => {
    expect(arr(tensor([1, 2, 3]).cumsum(0))).toEqual([1, 3, 6]);
  });
  it("errors name the op and the axis", () => {
    expect(() => cumsum(tensor([1, 2]), 1)).toThrow(new ArgumentError("cumsum", "axis 1 is out of range for a tensor of rank 1"));
    expect(() => (cumsum as (x: Tensor) => Tensor)(tensor([1, 2]))).toThrow(/^cumsum: argument axis is required/);
    expect(() => cumsum(tensor([1, 2]), 0.5)).toThrow(/^cumsum: axis must be an integer; got the number 0.5/);
    expect(() => cumsum("x" as never, 0)).toThrow(/^cumsum: argument x must be/);
  });
});

/** ∂/∂xᵢ Σⱼ wⱼ Π_{m≤j} xₘ by brute force: Σ_{j≥i} wⱼ Π_{m≤j, m≠i} xₘ. */
function cumprodGrad(x: number[], w: number[]): number[] {
  return x.map((_, i) => {
    let s = 0;
    for (let j = i; j < x.length; j++) {
      let p = w[j];
      for (let m = 0; m <= j; m++) if (m !== i) p *= x[m];
      s += p;
    }
    return s;
  });
}

/** ∂²/∂xᵢ∂xₖ Σⱼ Π_{m≤j} xₘ: Σ_{j≥max(i,k)} Π_{m≤j, m∉{i,k}} xₘ for i ≠ k, 0 on the diagonal. */
function cumprodHessian(x: number[]): number[] {
  const n = x.length, h: number[] = [];
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      let s = 0;
      if (i !== k)
        for (let j = Math.max(i, k); j < n; j++) {
          let p = 1;
          for (let m = 0; m <= j; m++) if (m !== i && m !== k) p *= x[m];
          s += p;
        }
      h.push(s);
    }
  return h;
}

describe("cumprod", () => {
  const w = [0.5, -1, 2, 3, -0.25, 1.5];
  const cases: [string, number[]][] = [
    ["no zero", [1.5, -2, 0.5, 3, 1.25, -0.75]],
    ["one zero", [1.5, -2, 0, 3, 1.25, -0.75]],
    ["zero first", [0, -2, 0.5, 3, 1.25, -0.75]],
    ["zero last", [1.5, -2, 0.5, 3, 1.25, 0]],
    ["two zeros", [1.5, 0, 0.5, 0, 1.25, -0.75]],
    ["adjacent zeros", [1.5, 0, 0, 3, 1.25, -0.75]],
    ["all zeros", [0, 0, 0, 0, 0, 0]],
  ];
  for (const [name, x] of cases) {
    it(`gradient with ${name}: the product of the other factors, exactly`, () => {
      const f = (v: Tensor): Tensor => sum(mul(cumprod(v, 0), tensor(w)));
      close(arr(grad(f)(tensor(x))), cumprodGrad(x, w));
      // forward mode agrees (the JVP along each basis vector)
      const jv = x.map((_, i) => (jvp(f, [tensor(x)], [tensor(x.map((_, k) => (k === i ? 1 : 0)))]).tangent as Tensor).item());
      close(jv, cumprodGrad(x, w));
    });
    it(`second derivatives with ${name}`, () => {
      const h = hessian((v: Tensor) => sum(cumprod(v, 0)))(tensor(x)) as Tensor;
      close(arr(h), cumprodHessian(x));
    });
  }
  it("along an inner axis of a batch, with zeros", () => {
    const x = tensor([[[1, 0], [0, 2], [3, 4]], [[2, 1], [0.5, 0], [1, 3]]]);
    expect(arr(cumprod(x, 1))).toEqual([1, 0, 0, 0, 0, 0, 2, 1, 1, 0, 1, 0]);
    const g = grad((v: Tensor) => sum(cumprod(v, 1)))(x);
    // lane [a, b, c]: ∂a = 1 + b + bc, ∂b = a + ac, ∂c = ab. Lanes [1, 0, 3] → (1, 4, 0), [0, 2, 4] → (11, 0, 0),
    // [2, 0.5, 1] → (2, 4, 1), [1, 0, 3] → (1, 4, 0), laid out [batch, position, lane]
    expect(arr(g)).toEqual([1, 11, 4, 0, 0, 0, 2, 1, 4, 4, 1, 0]);
  });
});

describe("cummax / cummin", () => {
  it("ties go to the last index; a NaN takes over and stays (later NaNs move the index), as PyTorch", () => {
    const [v, i] = cummax(tensor([1, 3, 2, 3, 5, NaN, 1, NaN, 9]), 0);
    expect(arr(v)).toEqual([1, 3, 3, 3, 5, NaN, NaN, NaN, NaN]);
    expect(arr(i)).toEqual([0, 1, 1, 3, 4, 5, 5, 7, 7]);
    const [w, j] = cummin(tensor([2, 1, 1, 4, 1, -Infinity, -Infinity]), 0);
    expect(arr(w)).toEqual([2, 1, 1, 1, 1, -Infinity, -Infinity]);
    expect(arr(j)).toEqual([0, 1, 2, 2, 4, 5, 6]);
  });
  it("±∞ and equal runs", () => {
    const [v, i] = cummax(tensor([-Infinity, -Infinity, Infinity, 7, Infinity]), 0);
    expect(arr(v)).toEqual([-Infinity, -Infinity, Infinity, Infinity, Infinity]);
    expect(arr(i)).toEqual([0, 1, 2, 2, 4]);
  });
  it("along axis 0 of a matrix and along the last axis", () => {
    const x = tensor([[1, 5], [3, 2], [3, 6]]);
    const [v, i] = cummax(x, 0);
    expect(arr(v)).toEqual([1, 5, 3, 5, 3, 6]);
    expect(arr(i)).toEqual([0, 0, 1, 0, 2, 2]);
    const [w, j] = x.cummin(-1);
    expect(arr(w)).toEqual([1, 1, 3, 2, 3, 3]);
    expect(arr(j)).toEqual([0, 0, 0, 1, 0, 0]);
  });
  it("the gradient of values[j] goes to x[indices[j]] (ties: the last index)", () => {
    const x = tensor([1, 3, 2, 3, 0]);
    const g = grad((v: Tensor) => sum(mul(cummax(v, 0)[0], tensor([1, 10, 100, 1000, 10000]))))(x);
    expect(arr(g)).toEqual([1, 110, 0, 11000, 0]);
    const t = jvp((v: Tensor) => cummax(v, 0)[0], [x], [tensor([1, 2, 3, 4, 5])]).tangent as Tensor;
    expect(arr(t)).toEqual([1, 2, 2, 4, 4]);
  });
  it("0-d and empty; indices are float64 integers", () => {
    const [v, i] = cummax(tensor(4), 0);
    expect([v.item(), i.item()]).toEqual([4, 0]);
    const [e, k] = cummin(zeros([2, 0]), 1);
    expect([e.shape, k.shape]).toEqual([[2, 0], [2, 0]]);
    expect(cummax(tensor([1, 2]), 0)[1].dtype).toBe("float64");
  });
});

describe("logcumsumexp", () => {
  it("no overflow, −∞ entries, against the direct formula", () => {
    expect(arr(logcumsumexp(tensor([1000, 1000, -1000]), 0))).toEqual([1000, 1000 + Math.LN2, 1000 + Math.LN2]);
    expect(arr(logcumsumexp(tensor([-Infinity, -Infinity, 0, -Infinity]), 0))).toEqual([-Infinity, -Infinity, 0, 0]);
    const x = [0.3, -1.2, 2.5, 0.7];
    const direct = x.map((_, j) => Math.log(x.slice(0, j + 1).reduce((s, v) => s + Math.exp(v), 0)));
    close(arr(logcumsumexp(tensor(x), 0)), direct, 1e-15);
  });
  it("gradient: x̄ᵢ = Σ_{j≥i} ctⱼ e^(xᵢ − outⱼ); 0 (not NaN) at −∞ entries, at every order", () => {
    const x = [-Infinity, -Infinity, 0.5, -Infinity, 1.5];
    const ct = [1, 2, 3, 4, 5];
    const g = grad((v: Tensor) => sum(mul(logcumsumexp(v, 0), tensor(ct))))(tensor(x));
    const out = [-Infinity, -Infinity, 0.5, 0.5, Math.log(Math.exp(0.5) + Math.exp(1.5))];
    const expected = x.map((xi, i) => (xi === -Infinity ? 0 : ct.reduce((s, c, j) => (j >= i ? s + c * Math.exp(xi - out[j]) : s), 0)));
    close(arr(g), expected);
    const h = hessian((v: Tensor) => sum(mul(logcumsumexp(v, 0), tensor(ct))))(tensor(x)) as Tensor;
    expect(arr(h).every((v) => Number.isFinite(v))).toBe(true);
  });
  it("large inputs: finite gradient (softmax weights of each prefix)", () => {
    const g = grad((v: Tensor) => sum(logcumsumexp(v, 0)))(tensor([1000, 1000]));
    close(arr(g), [1.5, 0.5]);
  });
});

describe("diff", () => {
  it("n, axis, prepend / append (tensors or numbers), as torch.diff", () => {
    const x = tensor([[1, 3, 6, 10], [0, 5, 5, 0]]);
    expect(arr(diff(x))).toEqual([2, 3, 4, 5, 0, -5]);
    expect(arr(diff(x, { axis: 0 }))).toEqual([-1, 2, -1, -10]);
    expect(arr(diff(x, { n: 2 }))).toEqual([1, 1, -5, -5]);
    expect(arr(diff(x, { n: 0 }))).toEqual(arr(x));
    expect(diff(x, { n: 4 }).shape).toEqual([2, 0]);
    expect(diff(x, { n: 9 }).shape).toEqual([2, 0]);
    expect(arr(diff(x, { prepend: tensor([[0], [1]]), append: 100 }))).toEqual([1, 2, 3, 4, 90, -1, 5, 0, -5, 100]);
    expect(arr(x.diff({ axis: -2, prepend: 0 }))).toEqual([1, 3, 6, 10, -1, 2, -1, -10]);
  });
  it("linear: the gradient is the adjoint difference", () => {
    const g = grad((v: Tensor) => sum(mul(diff(v), tensor([1, 10, 100]))))(zeros([4]));
    expect(arr(g)).toEqual([-1, -9, -90, 100]);
  });
  it("errors", () => {
    expect(() => diff(tensor(1))).toThrow(new ShapeError("diff", "x must have at least one dimension; got a 0-d tensor"));
    expect(() => diff(tensor([1, 2]), { n: -1 })).toThrow(/^diff: option n must be an integer ≥ 0; got -1/);
    expect(() => diff(tensor([1, 2]), { axis: 1 })).toThrow(/^diff: axis 1 is out of range for a tensor of rank 1/);
    expect(() => diff(tensor([[1, 2]]), { append: tensor([[1, 2], [3, 4]]) })).toThrow(/^diff: option append has shape \[2, 2\], but must match x's shape \[1, 2\] except along axis 1/);
    expect(() => diff(tensor([1, 2]), { dim: 0 } as never)).toThrow(/^diff: unknown option "dim"/);
  });
});

describe("std", () => {
  const x = tensor([[1, 2, 3, 4], [2, 2, 2, 8]]);
  it("is √variance with the same default correction (1, as torch.std / torch.var)", () => {
    close(arr(std(x)), [Math.sqrt(variance(x).item())]);
    close(arr(std(x, 1)), [Math.sqrt(5 / 3), Math.sqrt(27 / 3)]);
    close(arr(variance(tensor([1, 2, 3, 4]))), [5 / 3]);
    close(arr(std(x, { axes: 1, correction: 0, keepdims: true })), [Math.sqrt(5 / 4), Math.sqrt(27 / 4)]);
    expect(std(x, 1, true, 0).shape).toEqual([2, 1]);
    expect(x.std(-1).shape).toEqual([2]);
  });
  it("one entry with correction 1 is NaN (0/0), as PyTorch", () => {
    expect(Number.isNaN(std(tensor([3])).item())).toBe(true);
  });
  it("takes any finite real correction, as torch.std / torch.var (PyTorch 2.13 values)", () => {
    const v = tensor([1, 2, 4]);
    close(arr(variance(v, { correction: 0.5 })), [1.8666666666666665]);
    close(arr(std(v, { correction: 1.5 })), [1.7638342073763935]);
    close(arr(variance(v, { correction: -1 })), [1.1666666666666665]);
    close(arr(std(v, 0, false, -0.5)), [1.1547005383792515]);
    // N − correction ≤ 0: the divisor is max(N − correction, 0) = 0 → +∞, or NaN where the sum of squares is 0
    expect(variance(v, { correction: 3 }).item()).toBe(Infinity);
    expect(std(v, { correction: 3.5 }).item()).toBe(Infinity);
    expect(Number.isNaN(variance(tensor([2, 2]), { correction: 2.5 }).item())).toBe(true);
    expect(Number.isNaN(std(tensor([]), { correction: 0.5 }).item())).toBe(true);
    // the gradient at a real correction: (x − mean)/((N − c)·std)
    const m = 7 / 3, ss = [1, 2, 4].reduce((p, q) => p + (q - m) ** 2, 0);
    const sd = Math.sqrt(ss / 2.5);
    close(arr(grad((t: Tensor) => std(t, { correction: 0.5 }))(v)), [1, 2, 4].map((q) => (q - m) / (2.5 * sd)));
    expect(() => std(v, { correction: NaN })).toThrow(/^std: correction must be a finite number .*; got the number NaN/);
    expect(() => variance(v, 0, false, -Infinity)).toThrow(/^variance: correction must be a finite number .*; got the number -Infinity/);
  });
  it("gradient (x − mean)/((N − 1)·std)", () => {
    const v = [1, 2, 4];
    const m = 7 / 3, s = Math.sqrt(v.reduce((p, q) => p + (q - m) ** 2, 0) / 2);
    close(arr(grad((t: Tensor) => std(t))(tensor(v))), v.map((q) => (q - m) / (2 * s)));
  });
  it("errors name std", () => {
    expect(() => std(x, { dim: 1 } as never)).toThrow(/^std: unknown option "dim"; did you mean "axes"\?/);
    expect(() => std(x, 3)).toThrow(/^std: axis 3 is out of range/);
    expect(() => std(x, { correction: 1 }, false, 1)).toThrow(/^std: give correction either in the options object or as the fourth argument/);
    expect(() => std(x, 1, "yes" as never)).toThrow(/^std: argument keepdims must be true or false/);
  });
});

describe("any / all / countNonzero", () => {
  const x = tensor([[0, 1, NaN], [0, 0, 0], [2, -0, 3]]);
  it("NaN is true; over no entries any = 0, all = 1", () => {
    expect(arr(any(x, 1))).toEqual([1, 0, 1]);
    expect(arr(all(x, 1))).toEqual([0, 0, 0]);
    expect(arr(all(tensor([[NaN, 1], [2, 3]]), -1))).toEqual([1, 1]);
    expect(any(x).item()).toBe(1);
    expect(all(x).item()).toBe(0);
    expect(any(zeros([0])).item()).toBe(0);
    expect(all(zeros([0])).item()).toBe(1);
    expect(arr(all(zeros([2, 0]), 1))).toEqual([1, 1]);
    expect(any(x, { axes: [0, 1], keepdims: true }).shape).toEqual([1, 1]);
    expect(arr(x.any(0))).toEqual([1, 1, 1]);
  });
  it("countNonzero", () => {
    expect(countNonzero(x).item()).toBe(4); // 1, NaN, 2, 3 (−0 is zero)
    expect(arr(countNonzero(x, 0))).toEqual([1, 1, 2]);
    expect(arr(x.countNonzero([1]))).toEqual([2, 0, 2]);
    expect(() => countNonzero(x, "a" as never)).toThrow(/^countNonzero: argument axes must be/);
  });
});

describe("predicates and logical ops", () => {
  const x = tensor([1, NaN, Infinity, -Infinity, 0, -0]);
  it("values", () => {
    expect(arr(isnan(x))).toEqual([0, 1, 0, 0, 0, 0]);
    expect(arr(isfinite(x))).toEqual([1, 0, 0, 0, 1, 1]);
    expect(arr(isinf(x))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(arr(isposinf(x))).toEqual([0, 0, 1, 0, 0, 0]);
    expect(arr(isneginf(x))).toEqual([0, 0, 0, 1, 0, 0]);
    expect(arr(logicalNot(x))).toEqual([0, 0, 0, 0, 1, 1]);
    expect(arr(x.isnan())).toEqual(arr(isnan(x)));
  });
  it("logical ops broadcast; NaN is true", () => {
    const a = tensor([[0], [1], [NaN]]), b = tensor([0, 2]);
    expect(arr(logicalAnd(a, b))).toEqual([0, 0, 0, 1, 0, 1]);
    expect(arr(logicalOr(a, b))).toEqual([0, 1, 1, 1, 1, 1]);
    expect(arr(logicalXor(a, b))).toEqual([0, 1, 1, 0, 1, 0]);
    expect(logicalAnd(a, b).shape).toEqual([3, 2]);
    expect(arr(b.logicalOr(0))).toEqual([0, 1]);
    expect(() => logicalAnd(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/^logicalAnd: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => logicalXor(tensor([1]), "b" as never)).toThrow(/^logicalXor: argument b must be/);
  });
  it("no gradient flows through them (constants, as PyTorch's bool outputs)", () => {
    const g = grad((v: Tensor) => sum(mul(isfinite(v), v)))(tensor([1, Infinity, 2]));
    expect(arr(g)).toEqual([1, 0, 1]);
    const g2 = grad((v: Tensor) => sum(where(logicalAnd(v, 1), v, 0)))(tensor([0, 3]));
    expect(arr(g2)).toEqual([0, 1]);
    expect(logicalAnd(tensor([1]).requiresGrad_(), 1).requiresGrad).toBe(false);
  });
  it("under vmap", () => {
    const x2 = tensor([[1, NaN], [0, 2]]);
    expect(arr(vmap((r: Tensor) => isnan(r))(x2))).toEqual([0, 1, 0, 0]);
    expect(arr(vmap((r: Tensor) => logicalOr(r, tensor([0, 1])))(x2))).toEqual([1, 1, 0, 1]);
    expect(arr(vmap((r: Tensor) => any(r))(x2))).toEqual([1, 1]);
    expect(arr(vmap((r: Tensor) => cumprod(r, 0))(x2))).toEqual([1, NaN, 0, 0]);
  });
});

describe("round with decimals (torch.round(x, decimals=d))", () => {
  it("ties to even on the scaled value", () => {
    expect(arr(round(tensor([0.5, 1.5, 2.5, -0.5, -2.5])))).toEqual([0, 2, 2, -0, -2]);
    // 0.125·100 = 12.5 → 12, 0.375·100 = 37.5 → 38 (both exact in binary)
    expect(arr(round(tensor([0.125, 0.375, -0.125]), { decimals: 2 }))).toEqual([0.12, 0.38, -0.12]);
    expect(arr(round(tensor([1.23456, -9.87654]), { decimals: 3 }))).toEqual([1.235, -9.877]);
    expect(arr(round(tensor([15, 25, 35, -25, 149]), { decimals: -1 }))).toEqual([20, 20, 40, -20, 150]);
    expect(arr(round(tensor([1250, 1350]), { decimals: -2 }))).toEqual([1200, 1400]);
    expect(arr(round(tensor([2.5]), { decimals: 0 }))).toEqual([2]);
    expect(arr(tensor([0.125]).round({ decimals: 2 }))).toEqual([0.12]);
  });
  it("NaN and ±∞ pass through; gradient 0", () => {
    expect(arr(round(tensor([NaN, Infinity, -Infinity]), { decimals: 2 }))).toEqual([NaN, Infinity, -Infinity]);
    expect(arr(grad((v: Tensor) => sum(round(v, { decimals: 1 })))(tensor([1.23, 4.56])))).toEqual([0, 0]);
  });
  it("errors", () => {
    expect(() => round(tensor(1), { decimals: 1.5 })).toThrow(/^round: option decimals must be an integer; got the number 1.5/);
    expect(() => round(tensor(1), { digits: 1 } as never)).toThrow(/^round: unknown option "digits"/);
    expect(() => round(tensor(1), 2 as never)).toThrow(/^round: argument options must be an options object/);
  });
});
