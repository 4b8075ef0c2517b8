/**
 * take with an index tensor (float64 holding integers), as numpy.take along an
 * axis: out.shape = x.shape[:axis] + indices.shape + x.shape[axis+1:]. Before,
 * a tensor of indices silently gave an empty result.
 */
import { describe, expect, it } from "vitest";
import { arange, tensor, take, grad, gradcheck, gather, index, indexSelect, vmap, stack, randn, ArgumentError, type Tensor } from "../../src/index.js";

describe("take with index tensors", () => {
  const X = arange(12).reshape(3, 4);
  it("1-D and N-D index tensors, negative indices wrap, values as with an array", () => {
    expect(take(X, tensor([2, 0]), 0).toArray()).toEqual(take(X, [2, 0], 0).toArray());
    const out = X.take(tensor([[0, 3], [-1, 1]]), 1);
    expect(out.shape).toEqual([3, 2, 2]);
    // out[i, j, k] = X[i, idx[j, k]]
    expect(out.toNested()).toEqual([[[0, 3], [3, 1]], [[4, 7], [7, 5]], [[8, 11], [11, 9]]]);
    expect(take(X, tensor(1), 0).shape).toEqual([4]); // a 0-d index drops the axis
  });
  it("is differentiable (repeated indices accumulate)", () => {
    const idx = tensor([[0, 2], [2, 2]]);
    const f = (x: Tensor): Tensor => take(x, idx, 0).sum();
    expect(grad(f)(tensor([1, 2, 3])).toArray()).toEqual([1, 0, 3]);
    expect(gradcheck((x: Tensor) => take(x, idx, 1).square(), [X.add(0.5)]).ok).toBe(true);
  });
  it("fractional or out-of-range entries are errors, never truncated", () => {
    expect(() => take(X, tensor([0.5]), 0)).toThrow(ArgumentError);
    // the same words as indexSelect / gather / index: "is not an integer" for a fraction, "is out of range" beyond [−n, n)
    expect(() => take(X, tensor([0.5]), 0)).toThrow(/^take: argument indices holds 0.5 at position 0, which is not an integer for axis 0 of size 3; expected integers in \[-3, 2\]/);
    expect(() => take(X, tensor([3]), 0)).toThrow(/^take: argument indices holds 3 at position 0, which is out of range for axis 0 of size 3/);
    expect(() => take(X, [0, -4], 0)).toThrow(/^take: argument indices holds -4 at position 1, which is out of range/);
    expect(() => take(X, tensor([NaN]), 0)).toThrow(/^take: argument indices holds NaN at position 0, which is not an integer/);
    expect(() => take(X, ["1" as unknown as number], 0)).toThrow(/^take: argument indices holds the string "1" at position 0, which is not an integer/);
    // the indexing ops tell the same story for the same entries
    expect(() => indexSelect(X, 0, [0.5])).toThrow(/^indexSelect: argument index holds 0.5 at position 0, which is not an integer for axis 0 of size 3/);
    expect(() => gather(X, 0, [[0.5]])).toThrow(/^gather: argument index holds 0.5 at \[0, 0\], which is not an integer for axis 0 of size 3/);
    expect(() => index(X, [0.5])).toThrow(/^index: argument specs\[0\] holds 0.5 at position 0, which is not an integer for axis 0 of size 3/);
    expect(() => index(X, 0.5)).toThrow(/^index: argument specs\[0\] is the index 0.5, which is not an integer for axis 0 of size 3/);
  });
  it("a batched index tensor under vmap (its shape is the result's) takes through gather, as a loop over the examples", () => {
    const x = randn([3, 4, 2], { seed: 3 });
    const xs = randn([2, 3, 4, 2], { seed: 4 });
    const idx = tensor([[[0, -1, 2]], [[3, 3, -4]]]); // two examples of a [1, 3] index into size 4
    const loop = (f: (...a: Tensor[]) => Tensor, ...args: Tensor[]): Tensor =>
      stack(Array.from({ length: 2 }, (_, b) => f(...args.map((t) => t.slice(b).reshape(...t.shape.slice(1))))));
    for (const [got, want] of [
      [vmap((i: Tensor) => take(x, i, 1))(idx), loop((i) => take(x, i, 1), idx)],
      [vmap((y: Tensor, i: Tensor) => take(y, i, -2))(xs, idx), loop((y, i) => take(y, i, -2), xs, idx)],
      [vmap((y: Tensor, i: Tensor) => grad((z: Tensor) => take(z, i, 1).square().sum())(y))(xs, idx), loop((y, i) => grad((z: Tensor) => take(z, i, 1).square().sum())(y), xs, idx)],
    ]) {
      expect(got.shape).toEqual(want.shape);
      expect(got.sub(want).abs().max().item()).toBeLessThanOrEqual(1e-12);
    }
    expect(() => vmap((i: Tensor) => take(x, i, 1))(tensor([[0], [4]]))).toThrow(/^take: argument indices holds 4 at position \d+, which is out of range for axis 1 of size 4/);
  });
});
