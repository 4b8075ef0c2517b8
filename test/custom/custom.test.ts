/**
 * customVjp / customJvp: values and derivatives against closed forms, reverse
 * mode from a JVP by transposition (matgrad ops) and by materializing a
 * black-box linear operator, with its size limit and its once-differentiability.
 */
import type { Rule } from "../../src/tensor/meta.js";
import { describe, it, expect } from "vitest";
import {
  Tensor, tensor, randn, matmul, mul, add, sum, exp, mT, noGrad, grad, jvp, vjp, gradients, hessian,
  customVjp, customJvp, gradcheck, gradgradcheck, AutogradError, ShapeError, DEFAULT_MATERIALIZE_LIMIT,
} from "../../src/index.js";

function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

const X = randn([3, 3], { seed: 41 });
const V = randn([3, 3], { seed: 42 });
const G = randn([3, 3], { seed: 43 });
const square = (x: Tensor): Tensor => matmul(x, x);
const squareVjp = (g: Tensor, x: Tensor): Tensor => add(matmul(g, mT(x)), matmul(mT(x), g));

/** dX·X + X·dX evaluated on raw arrays: a black-box linear operator (nothing on the tape). */
let blackBoxCalls = 0;
function squareJvpBlackBox([x]: Tensor[], [dx]: Tensor[]): Tensor {
  blackBoxCalls++;
  const n = x.shape[0];
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += dx.data[i * n + k] * x.data[k * n + j] + x.data[i * n + k] * dx.data[k * n + j];
      out[i * n + j] = s;
    }
  return new Tensor(out, [n, n]);
}

describe("customVjp", () => {
  const sq = customVjp(square, { fwd: (x: Tensor) => [square(x), { x }], bwd: ({ x }: { x: Tensor }, g: Tensor) => squareVjp(g, x) }, { name: "sq" });

  it("uses bwd for the gradient and f's value", () => {
    const { out, vjpFn } = vjp(sq, X);
    expect(maxDiff(out, square(X))).toBe(0);
    expect(maxDiff(vjpFn(G)[0], squareVjp(G, X))).toBeLessThan(1e-14);
    expect(gradcheck(sq, [X]).ok).toBe(true);
  });

  it("re-binds residual inputs: double backward and Hessian are right", () => {
    expect(gradgradcheck(sq, [X]).ok).toBe(true);
    const f = (x: Tensor) => sum(mul(matmul(sq(x), x), G));
    const fb = (x: Tensor) => sum(mul(matmul(square(x), x), G));
    expect(maxDiff(hessian(f)(X), hessian(fb)(X))).toBeLessThan(1e-12);
  });

  it("defaults fwd to [f(...args), args]; derives forward mode from bwd", () => {
    const sq2 = customVjp(square, { bwd: ([x]: Tensor[], g: Tensor) => squareVjp(g, x) });
    expect(maxDiff(grad((x: Tensor) => sum(mul(sq2(x), G)))(X), squareVjp(G, X))).toBeLessThan(1e-14);
    expect(maxDiff(jvp(sq2, [X], [V]).tangent, add(matmul(V, X), matmul(X, V)))).toBeLessThan(1e-13);
  });

  it("handles several outputs and non-tensor arguments", () => {
    // (x, k) ↦ [k·x, exp(x)]
    const f = customVjp((x: Tensor, k: number) => [mul(x, k), exp(x)], {
      fwd: (x: Tensor, k: number) => {
        const e = exp(x);
        return [[mul(x, k), e], { e, k }];
      },
      bwd: ({ e, k }: { e: Tensor; k: number }, [g0, g1]: Tensor[]) => [add(mul(g0, k), mul(g1, e)), null],
    }, { name: "scaleExp" });
    const r = gradcheck((x: Tensor) => f(x, 2.5), [X]);
    expect(r.ok).toBe(true);
  });

  it("calls f directly when nothing is differentiated", () => {
    let fwdCalls = 0;
    const f = customVjp(square, { fwd: (x: Tensor) => (fwdCalls++, [square(x), x]), bwd: (x: Tensor, g: Tensor) => squareVjp(g, x) });
    f(X);
    noGrad(() => f(X.detach().requiresGrad_()));
    expect(fwdCalls).toBe(0);
    f(X.detach().requiresGrad_());
    expect(fwdCalls).toBe(1);
  });

  it("names the function in shape errors and can be onceDifferentiable", () => {
    const bad = customVjp(square, { bwd: (_r: unknown, g: Tensor) => g.sum(0) }, { name: "badSq" });
    const x = X.detach().requiresGrad_();
    expect(() => sum(bad(x)).backward()).toThrow(ShapeError);
    expect(() => sum(bad(X.detach().requiresGrad_())).backward()).toThrow(/^badSq: backward returned a gradient of shape \[3\] for input 0 of shape \[3, 3\]/);
    const once = customVjp(square, { bwd: ([x_]: Tensor[], g: Tensor) => squareVjp(g, x_) }, { name: "onceSq", onceDifferentiable: true });
    expect(() => gradgradcheck(once, [X], { forward: false })).toThrow(/^onceSq: is marked onceDifferentiable/);
  });
});

describe("customJvp: reverse mode from a Gateaux derivative written with matgrad ops", () => {
  const sqJ = customJvp(square, ([x]: Tensor[], [dx]: Tensor[]) => add(matmul(dx, x), matmul(x, dx)), { name: "sqJ" });

  it("forward mode uses the rule; reverse mode is its transpose G·Xᵀ + Xᵀ·G", () => {
    expect(maxDiff(jvp(sqJ, [X], [V]).tangent, add(matmul(V, X), matmul(X, V)))).toBeLessThan(1e-14);
    expect(maxDiff(vjp(sqJ, X).vjpFn(G)[0], squareVjp(G, X))).toBeLessThan(1e-13);
  });

  it("passes gradcheck and gradgradcheck (the transposition is recorded with createGraph)", () => {
    expect(gradcheck(sqJ, [X]).ok).toBe(true);
    expect(gradgradcheck(sqJ, [X]).ok).toBe(true);
  });

  it("works with several inputs, a non-tensor argument and several outputs", () => {
    // (A, B, s) ↦ [s·A·B, A + B]
    const f = customJvp((A: Tensor, B: Tensor, s: number) => [mul(matmul(A, B), s), add(A, B)],
      ([A, B, s]: [Tensor, Tensor, number], [dA, dB, ds]: [Tensor, Tensor, null]) => {
        expect(ds).toBeNull();
        return [mul(add(matmul(dA, B), matmul(A, dB)), s), add(dA, dB)];
      }, { name: "pair" });
    const r = gradcheck((A: Tensor, B: Tensor) => f(A, B, 0.7), [X, randn([3, 3], { seed: 44 })]);
    expect(r.ok).toBe(true);
  });
});

describe("customJvp: black-box linear operator", () => {
  it("materializes the Jacobian (one JVP per input entry, cached) and gets the VJP right", () => {
    const f = customJvp(square, squareJvpBlackBox, { name: "sqBB" });
    const x = X.detach().requiresGrad_();
    const y = f(x);
    blackBoxCalls = 0;
    const [g1] = gradients(sum(mul(y, G)), [x], { retainGraph: true });
    expect(maxDiff(g1!, squareVjp(G, X))).toBeLessThan(1e-13);
    // 1 autodiff attempt + 1 probe + 9 columns
    expect(blackBoxCalls).toBe(11);
    blackBoxCalls = 0;
    const [g2] = gradients(sum(mul(y, V)), [x], { retainGraph: true });
    expect(maxDiff(g2!, squareVjp(V, X))).toBeLessThan(1e-13);
    expect(blackBoxCalls).toBe(2); // the Jacobian is cached
    expect(gradcheck(f, [X]).ok).toBe(true);
  });

  it("transpose: 'materialize' skips the autodiff attempt; 'autodiff' refuses a black box", () => {
    const m = customJvp(square, squareJvpBlackBox, { name: "sqM", transpose: "materialize" });
    blackBoxCalls = 0;
    const g = vjp(m, X).vjpFn(G)[0];
    expect(blackBoxCalls).toBe(9);
    expect(maxDiff(g, squareVjp(G, X))).toBeLessThan(1e-13);
    const a = customJvp(square, squareJvpBlackBox, { name: "sqA", transpose: "autodiff" });
    expect(() => vjp(a, X).vjpFn(G)).toThrow(/^sqA: the JVP's result does not depend on the tangent of input 0 through matgrad ops/);
  });

  it("refuses above the documented size limit, with a clear error", () => {
    expect(DEFAULT_MATERIALIZE_LIMIT).toBe(1024);
    const f = customJvp(square, squareJvpBlackBox, { name: "sqBig", materializeLimit: 8 });
    let err: unknown = null;
    try {
      vjp(f, X).vjpFn(G);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AutogradError);
    expect((err as Error).message).toMatch(/^sqBig: cannot form the VJP of a black-box linear operator/);
    expect((err as Error).message).toMatch(/input 0 of shape \[3, 3\]: materializing its 9×9 Jacobian takes one JVP per input entry, and 9 entries exceed the limit of 8/);
    const big = randn([33, 33], { seed: 1 });
    const fd = customJvp(square, squareJvpBlackBox, { name: "sqDefault" });
    expect(() => vjp(fd, big).vjpFn(randn([33, 33], { seed: 2 }))).toThrow(/1089 entries exceed the limit of 1024/);
  });

  it("its VJP is once differentiable: double backward raises", () => {
    const f = customJvp(square, squareJvpBlackBox, { name: "sqBB2" });
    expect(() => gradgradcheck(f, [X], { forward: false })).toThrow(/^sqBB2: has a VJP from a materialized \(black-box\) Jacobian.*cannot be differentiated again/);
  });

  it("a zero JVP gives zero gradients without materializing", () => {
    const f = customJvp((x: Tensor) => mul(x, 0), ([x]: Tensor[]) => new Tensor(new Float64Array(x.size), x.shape), { name: "zero" });
    const [g] = vjp(f, X).vjpFn(G);
    expect(g.toArray().every((v) => v === 0)).toBe(true);
  });

  it("hand-checked 1-D example: f(x) = [x₀x₁, x₁²]", () => {
    const f = customJvp((x: Tensor) => tensor([x.data[0] * x.data[1], x.data[1] ** 2]),
      ([x]: Tensor[], [dx]: Tensor[]) => tensor([dx.data[0] * x.data[1] + x.data[0] * dx.data[1], 2 * x.data[1] * dx.data[1]]));
    // J = [[x₁, x₀], [0, 2x₁]] at x = (2, 3): Jᵀ·(1, 1) = (3, 2 + 6)
    expect(vjp(f, tensor([2, 3])).vjpFn(tensor([1, 1]))[0].toArray()).toEqual([3, 8]);
  });
});

describe("onceDifferentiableRule", () => {
  it("guards any Rule: first order right, double backward refused with the rule's name", async () => {
    const { onceDifferentiableRule } = await import("../../src/custom/core.js");
    const { apply } = await import("../../src/ops/dispatch.js");
    const { batchByLoop } = await import("../../src/ops/batching.js");
    const rule: Rule<null> = onceDifferentiableRule<null>({
      name: "rawSquare",
      forward: ([x]) => matmul(x, x),
      vjp: (g: Tensor, [x]) => [squareVjp(g, x)],
      jvp: ([dx], [x]) => (dx === null ? null : add(matmul(dx, x), matmul(x, dx))),
      batch: batchByLoop(() => rule),
    });
    expect(rule.onceDifferentiable).toBe(true);
    const f = (x: Tensor): Tensor => apply(rule, [x], null);
    expect(gradcheck(f, [X]).ok).toBe(true);
    const x = X.detach().requiresGrad_();
    const [g] = gradients(sum(mul(f(x), G)), [x], { createGraph: true });
    expect(maxDiff(g!, squareVjp(G, X))).toBeLessThan(1e-14);
    expect(() => sum(g!).backward()).toThrow(/^rawSquare: is marked onceDifferentiable: its backward cannot be differentiated again/);
  });
});
