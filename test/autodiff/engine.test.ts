import { batchByLoop } from "../../src/ops/batching.js";
import { describe, it, expect } from "vitest";
import {
  tensor, randn, ones, zeros, Tensor, noGrad, enableGrad, detectAnomaly, sqrt, gradients, backward, AutogradError, ShapeError, matmul, sum, mul, add, exp,
} from "../../src/index.js";
import { applyMulti, apply } from "../../src/ops/dispatch.js";
import type { Rule } from "../../src/tensor/meta.js";

const close = (a: Tensor, b: Tensor | number[] | number[][], tol = 1e-12): void => {
  const bt = b instanceof Tensor ? b : tensor(b);
  expect(a.shape).toEqual(bt.shape);
  a.data.forEach((v, i) => expect(Math.abs(v - bt.data[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(bt.data[i]))));
};

describe("reverse-mode engine", () => {
  it("accumulates fan-out with += (y = x·x + x ⇒ dy/dx = 2x + 1)", () => {
    const x = tensor([1, -2, 3], { requiresGrad: true });
    x.mul(x).add(x).sum().backward();
    close(x.grad!, [3, -3, 7]);
  });

  it("accumulates .grad across backward calls until zeroGrad", () => {
    const x = tensor([2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    close(x.grad!, [6]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(5).sum().backward();
    close(x.grad!, [5]);
  });

  it("un-broadcasts gradients in the engine (vector + matrix, scalar · matrix)", () => {
    const v = tensor([1, 2, 3], { requiresGrad: true });
    const s = tensor(2, { requiresGrad: true });
    const M = randn([4, 3], { seed: 1 });
    v.add(M).mul(s).sum().backward();
    close(v.grad!, [8, 8, 8]);
    close(s.grad!, tensor(M.add(v.detach()).sum().item()));
  });

  it("uses an explicit cotangent for a non-scalar output", () => {
    const X = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const ct = tensor([[1, 0], [0, 2]]);
    X.mul(X).backward(ct);
    close(X.grad!, [[2, 0], [0, 16]]);
  });

  it("refuses backward on a non-scalar output without a cotangent, naming the shape", () => {
    const X = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    expect(() => X.mul(2).backward()).toThrow(AutogradError);
    expect(() => X.mul(2).backward()).toThrow(/backward: a cotangent must be given for non-scalar output 0 of shape \[2, 2\]/);
  });

  it("refuses a cotangent of the wrong shape", () => {
    const X = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    expect(() => X.mul(2).backward(ones([2]))).toThrow(/backward: cotangent 0 has shape \[2\] but output 0 has shape \[2, 2\]/);
  });

  it("frees the graph after backward unless retainGraph", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/^sum: trying to backward through the graph a second time/);
    const z = x.exp().sum();
    x.zeroGrad();
    z.backward(null, { retainGraph: true });
    z.backward();
    close(x.grad!, x.detach().exp().mul(2));
  });

  it("createGraph makes gradients differentiable (d²/dx² x³ = 6x)", () => {
    const x = tensor([2, -1], { requiresGrad: true });
    const [g] = gradients(x.pow(3).sum(), [x], { createGraph: true });
    close(g!, [12, 3]);
    const [gg] = gradients(g!.sum(), [x]);
    close(gg!, [12, -6]);
  });

  it("gradients() with respect to non-leaf tensors and allowUnused", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    const w = tensor([5], { requiresGrad: true });
    const out = y.square().sum();
    const [gy, gw] = gradients(out, [y, w], { allowUnused: true });
    close(gy!, [6, 12]);
    expect(gw).toBeNull();
    expect(() => gradients(y.square().sum(), [w])).toThrow(/^gradients: input 0 \(shape \[1\]\) was not used/);
  });

  it("noGrad records nothing; detach cuts the tape", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    const z = x.mul(2).detach();
    expect(z.requiresGrad).toBe(false);
    expect(() => z.sum().backward()).toThrow(/backward: output 0 .* does not require grad/);
  });

  it("requiresGrad_ only on leaves", () => {
    const x = tensor([1]);
    x.requiresGrad_();
    expect(x.requiresGrad).toBe(true);
    expect(() => x.mul(2).requiresGrad_()).toThrow(/requiresGrad_: can only change requiresGrad of leaf tensors; this one was computed by mul/);
  });

  it("shape-mismatched operands raise a ShapeError naming the op and both shapes", () => {
    expect(() => add(zeros([2, 3]), zeros([3, 2]))).toThrow(ShapeError);
    expect(() => add(zeros([2, 3]), zeros([3, 2]))).toThrow(/^add: shapes \[2, 3\] and \[3, 2\] cannot be broadcast together/);
    expect(() => matmul(zeros([2, 3]), zeros([2, 3]))).toThrow(/^matmul: inner dimensions differ: a has shape \[2, 3\], b has shape \[2, 3\] \(3 ≠ 2\)/);
  });

  it("a VJP rule that returns a wrongly shaped cotangent is reported with the op name", () => {
    const bad: Rule<null> = {
      name: "badRule",
      forward: ([x]) => new Tensor(x.data.slice(), x.shape),
      vjp: () => [ones([5])],
      jvp: ([dx]) => dx,
      batch: batchByLoop(() => bad),
    };
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => apply(bad, [x], null).sum().backward()).toThrow(/^badRule: VJP rule returned a cotangent of shape \[5\] for input 0 of shape \[3\]/);
    const arity: Rule<null> = { ...bad, name: "arityRule", vjp: () => [] };
    expect(() => apply(arity, [x], null).sum().backward()).toThrow(/^arityRule: VJP rule returned 0 cotangents for 1 inputs/);
  });

  it("a backward pass nested inside a rule's VJP leaves the outer pass intact", () => {
    // a rule whose VJP itself runs reverse mode on a graph that shares nodes with the outer one
    const x = tensor([0.5, -1.5], { requiresGrad: true });
    const h = x.exp(); // shared node
    const nested: Rule<null> = {
      name: "nestedVjp",
      forward: ([a]) => new Tensor(a.data.map((v) => v * v), a.shape),
      vjp: (ct: Tensor, [a]) => {
        const [g] = enableGrad(() => gradients(sum(mul(a, a)), [a])); // = 2a, via a nested backward
        return [mul(ct, g!)];
      },
      jvp: ([da], [a]) => (da === null ? null : mul(da, mul(a, 2))),
      batch: batchByLoop(() => nested),
    };
    const out = applyMulti(nested, [h], null)[0].sum().add(h.sum());
    out.backward();
    // d/dx (e^{2x} + e^x) = 2e^{2x} + e^x
    close(x.grad!, x.detach().mul(2).exp().mul(2).add(exp(x.detach())), 1e-12);
  });

  it("backward over several outputs sums their contributions", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    backward([x.sum(), x.square().sum()]);
    close(x.grad!, [3, 5]);
  });

  it("detectAnomaly names the op whose VJP turns finite numbers into NaN/Inf", () => {
    const x = tensor([0, 4], { requiresGrad: true });
    // d√x/dx = 1/(2√x) is unbounded at 0
    expect(() => detectAnomaly(() => sqrt(x).sum().backward())).toThrow(/^sqrt: the VJP produced Infinity at flat index 0 of the cotangent for input 0 \(shape \[2\]\) from finite inputs/);
    // without anomaly mode the infinite gradient is returned, as in PyTorch
    const y = tensor([0, 4], { requiresGrad: true });
    sqrt(y).sum().backward();
    expect(y.grad!.data[0]).toBe(Infinity);
  });
});
