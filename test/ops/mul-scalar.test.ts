/** Multiplication by a number (the mulScalar primitive behind mul(x, s) and mul(s, x)): values, gradients of every order, forward mode. */
import { describe, it, expect } from "vitest";
import { tensor, randn, mul, sum, tanh, gradcheck, gradgradcheck, gradients, jvp, linearize, Tensor } from "../../src/index.js";

describe("mul by a number", () => {
  it("matches elementwise multiplication, either operand order, NaN/Inf and 0-d included", () => {
    const x = tensor([[1.5, -2], [Infinity, NaN]]);
    const a = mul(x, -0.5), b = mul(-0.5, x);
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual([-0.75, 1, -Infinity, NaN]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(mul(tensor(3), 2).item()).toBe(6);
    expect(mul(tensor(3), 2).shape).toEqual([]);
    expect(mul(2, 3).item()).toBe(6);
  });

  it("is recorded as mul on the tape", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(mul(x, 3).toString()).toMatch(/gradFn=mul\)$/);
  });

  it("gradients (reverse, forward, second order) against finite differences", () => {
    const f = (x: Tensor) => sum(tanh(mul(mul(3, x), x).mul(0.7)));
    const x = randn([3, 2], { seed: 11 });
    const r = gradcheck(f, [x], { raise: false });
    expect(r.ok, r.report).toBe(true);
    const r2 = gradgradcheck(f, [x], { raise: false });
    expect(r2.ok, r2.report).toBe(true);
  });

  it("d/dx Σ s·x = s, and the second derivative is 0 (createGraph through the VJP)", () => {
    const x = tensor([1, -2, 4], { requiresGrad: true });
    const [g] = gradients(sum(mul(x, 2.5)), [x], { createGraph: true });
    expect(Array.from(g!.data)).toEqual([2.5, 2.5, 2.5]);
    const [h] = gradients(sum(mul(g!, x)), [x]); // Σ 2.5·x ⇒ 2.5
    expect(Array.from(h!.data)).toEqual([2.5, 2.5, 2.5]);
  });

  it("forward mode: jvp and linearize scale the tangent", () => {
    const x = tensor([1, 2]), dx = tensor([0.5, -1]);
    const { tangent } = jvp((v: Tensor) => mul(v, -4), [x], [dx]);
    expect(Array.from((tangent as Tensor).data)).toEqual([-2, 4]);
    const { jvpFn } = linearize((v: Tensor) => mul(v, -4), x);
    expect(Array.from((jvpFn(dx) as Tensor).data)).toEqual([-2, 4]);
  });
});
