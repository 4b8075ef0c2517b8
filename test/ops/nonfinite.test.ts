/**
 * The elementwise and reduction side of the non-finite policy (NaN in → NaN
 * out, as PyTorch) and the subgradient conventions at kinks and ties, which
 * follow PyTorch (docs/reliability.md has the table).
 */
import { describe, it, expect } from "vitest";
import {
  Tensor, tensor, zeros, grad, sum, relu, abs, clamp, maximum, minimum, max, min, logsumexp, softmax, sign, exp, ShapeError,
} from "../../src/index.js";

const N = NaN;
const arr = (t: Tensor): number[] => t.toArray() as number[];

describe("NaN in → NaN out (elementwise)", () => {
  it("relu(NaN) is NaN (was 0); relu(−0) is 0", () => {
    const out = arr(relu(tensor([N, -1, 2, -0])));
    expect(out[0]).toBeNaN();
    expect(out.slice(1)).toEqual([0, 2, 0]);
  });

  it("maximum / minimum propagate a NaN from either side (torch.maximum)", () => {
    expect(arr(maximum(tensor([N, 1, 3]), tensor([0, N, 2]))).slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(arr(minimum(tensor([N, 1]), tensor([0, N]))).every(Number.isNaN)).toBe(true);
    expect(arr(maximum(tensor([1, 3]), tensor([2, 2])))).toEqual([2, 3]);
  });

  it("clamp propagates NaN from x and from a bound (torch.clamp)", () => {
    expect(arr(clamp(tensor([N, 0.5, 2]), 0, 1))[0]).toBeNaN();
    expect(arr(clamp(tensor([N, 0.5, 2]), 0, 1)).slice(1)).toEqual([0.5, 1]);
    expect(arr(clamp(tensor([0.5]), N, 1))[0]).toBeNaN();
    expect(arr(clamp(tensor([0.5]), 0, N))[0]).toBeNaN();
    // min > max: every value becomes max, as in PyTorch
    expect(arr(clamp(tensor([-5, 0, 5]), 2, 1))).toEqual([1, 1, 1]);
  });

  it("max / min / logsumexp / softmax over a slice with a NaN are NaN there only", () => {
    const x = tensor([[1, N, 3], [4, 5, 6]]);
    for (const r of [max(x, 1), min(x, 1), logsumexp(x, 1)]) {
      expect(arr(r)[0]).toBeNaN();
      expect(Number.isFinite(arr(r)[1])).toBe(true);
    }
    expect(arr(softmax(x, 1)).slice(0, 3).every(Number.isNaN)).toBe(true);
  });

  it("the derivative at a NaN is NaN for relu and abs (step(NaN) = sign(NaN) = NaN), not 0", () => {
    expect(arr(grad((x: Tensor) => sum(relu(x)))(tensor([N])))[0]).toBeNaN();
    expect(arr(grad((x: Tensor) => sum(abs(x)))(tensor([N])))[0]).toBeNaN();
    expect(arr(sign(tensor([N, -0, 0, -2])))[0]).toBeNaN();
  });

  it("the derivative of maximum / minimum at a NaN is NaN on both sides (not 0 to both)", () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => sum(maximum(a, b)), { argnums: [0, 1] })(tensor([N, 2, Infinity]), tensor([1, 1, 1]));
    expect(arr(ga)[0]).toBeNaN();
    expect(arr(gb)[0]).toBeNaN();
    expect(arr(ga).slice(1)).toEqual([1, 1]);
    expect(arr(gb).slice(1)).toEqual([0, 0]);
    const [ha] = grad((a: Tensor, b: Tensor) => sum(minimum(a, b)), { argnums: [0, 1] })(tensor([1]), tensor([N]));
    expect(arr(ha)[0]).toBeNaN();
  });

  it("max / min over an empty axis raise ShapeError naming the op (was ±Infinity); logsumexp of nothing is −∞", () => {
    expect(() => max(zeros([0, 3]), 0)).toThrow(ShapeError);
    expect(() => min(zeros([0, 3]), 0)).toThrow(/^min: cannot reduce over axis 0 of size 0/);
    expect(arr(max(zeros([3, 0]), 0))).toEqual([]); // nothing is reduced over an empty set here
    expect(arr(logsumexp(zeros([0, 2]), 0))).toEqual([-Infinity, -Infinity]);
  });
});

describe("subgradient conventions (PyTorch's)", () => {
  it("relu′(0) = 0 and abs′(0) = 0 (also at −0)", () => {
    expect(arr(grad((x: Tensor) => sum(relu(x)))(tensor([0, -0, 1, -1])))).toEqual([0, 0, 1, 0]);
    expect(arr(grad((x: Tensor) => sum(abs(x)))(tensor([0, -0, 2, -2])))).toEqual([0, 0, 1, -1]);
  });

  it("clamp: gradient 1 at the bounds (x inside the closed interval), 0 outside; a tensor bound gets the rest", () => {
    expect(arr(grad((x: Tensor) => sum(clamp(x, 0, 1)))(tensor([-1, 0, 0.5, 1, 2])))).toEqual([0, 1, 1, 1, 0]);
    const [gx, glo] = grad((x: Tensor, lo: Tensor) => sum(clamp(x, lo, 1)), { argnums: [0, 1] })(tensor([-1, 0, 0.5]), tensor([0, 0, 0]));
    expect(arr(gx)).toEqual([0, 1, 1]);
    expect(arr(glo)).toEqual([1, 0, 0]);
  });

  it("maximum / minimum at a tie: 0.5 to each argument", () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => sum(maximum(a, b)), { argnums: [0, 1] })(tensor([1, 3, 2]), tensor([1, 2, 5]));
    expect(arr(ga)).toEqual([0.5, 1, 0]);
    expect(arr(gb)).toEqual([0.5, 0, 1]);
    const [ha, hb] = grad((a: Tensor, b: Tensor) => sum(minimum(a, b)), { argnums: [0, 1] })(tensor([1]), tensor([1]));
    expect([arr(ha)[0], arr(hb)[0]]).toEqual([0.5, 0.5]);
  });

  it("max / min reductions at ties share the gradient evenly (torch.amax / torch.max without dim)", () => {
    expect(arr(grad((x: Tensor) => max(x))(tensor([1, 3, 3])))).toEqual([0, 0.5, 0.5]);
    expect(arr(grad((x: Tensor) => sum(min(x, 1)))(tensor([[2, 2, 2], [0, 1, 0]])))).toEqual([1 / 3, 1 / 3, 1 / 3, 0.5, 0, 0.5]);
  });

  it("exp of a huge input is +Inf and its gradient +Inf (no silent clamping)", () => {
    expect(arr(exp(tensor([1000])))[0]).toBe(Infinity);
    expect(arr(grad((x: Tensor) => sum(exp(x)))(tensor([1000])))[0]).toBe(Infinity);
  });
});
