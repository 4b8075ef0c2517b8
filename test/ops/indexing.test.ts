/**
 * Indexing with index tensors and masks beyond the OpInfo table: PyTorch's
 * semantics on the tricky cases (ties of repeated writes, negative indices and
 * axes, empty and 0-d inputs, where advanced-indexing dimensions go), the
 * derivative conventions (last write wins, gather ↔ scatterAdd), vmap with
 * batched indices, and the typed errors. Values marked "numpy" were computed
 * with NumPy 2.4 (advanced indexing without integer scalars agrees with
 * PyTorch there) and are written here as numbers.
 */
import { describe, expect, it } from "vitest";
import {
  arange, tensor, zeros, take, gather, scatter, scatterAdd, indexSelect, indexAdd, index, maskedFill, maskedSelect, nonzero,
  grad, vjp, jvp, vmap, hessian, gradcheck, gradgradcheck, gt, sum, mul, stack, randn, ArgumentError, ShapeError, BatchingError, type Tensor,
} from "../../src/index.js";

const X = arange(12).reshape(3, 4);
const Y = arange(24).reshape(2, 3, 4);

describe("gather", () => {
  it("PyTorch's semantics: out[i][j] = x[i][index[i][j]] (axis 1), x[index[i][j]][j] (axis 0)", () => {
    expect(gather(tensor([[1, 2], [3, 4]]), 1, [[0, 0], [1, 0]]).toNested()).toEqual([[1, 1], [4, 3]]);
    expect(gather(X, 0, [[2, 0, 1, -1]]).toNested()).toEqual([[8, 1, 6, 11]]);
    expect(X.gather(-1, [[3], [-4], [1]]).toNested()).toEqual([[3], [4], [9]]);
  });
  it("an index smaller than x on the other axes reads the leading block; 0-d and empty", () => {
    expect(gather(X, 1, [[1, 1], [0, 3]]).toNested()).toEqual([[1, 1], [4, 7]]);
    expect(gather(tensor(5), 0, tensor(0)).toNested()).toEqual(5);
    expect(gather(X, 1, zeros([3, 0])).shape).toEqual([3, 0]);
  });
  it("accepts index tensors, nested arrays and integer typed arrays alike", () => {
    const v = tensor([10, 20, 30]);
    const want = [30, 10, 30];
    expect(gather(v, 0, tensor([2, 0, 2])).toArray()).toEqual(want);
    expect(gather(v, 0, [2, 0, 2]).toArray()).toEqual(want);
    expect(gather(v, 0, Int32Array.of(2, 0, 2)).toArray()).toEqual(want);
    expect(gather(v, 0, Uint8Array.of(2, 0, 2)).toArray()).toEqual(want);
  });
  it("derivative: the cotangent is scatter-added back (repeats accumulate); second order", () => {
    const idx = tensor([[0, 0, 2], [1, 1, 1]]);
    expect(grad((x: Tensor) => sum(gather(x, 1, idx)))(zeros([2, 3])).toNested()).toEqual([[2, 0, 1], [0, 3, 0]]);
    // gather's VJP is scatterAdd into zeros; scatterAdd's VJP for src is gather
    const ct = tensor([[1, 2, 3], [4, 5, 6]]);
    const { vjpFn } = vjp((x: Tensor) => gather(x, 1, idx), zeros([2, 3]));
    expect((vjpFn(ct) as Tensor[])[0].toNested()).toEqual(scatterAdd(zeros([2, 3]), 1, idx, ct).toNested());
    const f = (x: Tensor): Tensor => mul(gather(x, 1, idx), gather(x, 1, idx)).sum();
    expect(gradgradcheck(f, [X.reshape(4, 3).slice([0, 2]).add(0.5)]).ok).toBe(true);
  });
  it("bad indices are typed errors naming gather, the argument, the entry and its position", () => {
    expect(() => gather(X, 1, [[0.5]])).toThrow(ArgumentError);
    expect(() => gather(X, 1, [[0.5]])).toThrow(/^gather: argument index holds 0\.5 at \[0, 0\], which is not an integer for axis 1 of size 4 \(index shape \[1, 1\], x shape \[3, 4\]\); expected integers in \[-4, 3\]$/);
    expect(() => gather(X, 1, [[0], [NaN]])).toThrow(/^gather: argument index holds NaN at \[1, 0\], which is not an integer/);
    expect(() => gather(X, 1, [[-5]])).toThrow(/^gather: argument index holds -5 at \[0, 0\], which is out of range/);
    expect(() => gather(X, 1, [[4]])).toThrow(/^gather: argument index holds 4 at \[0, 0\], which is out of range/);
    expect(() => gather(X, 1, [0, 1])).toThrow(new ShapeError("gather", "argument index must have as many axes as x: index shape [2], x shape [3, 4]"));
    expect(() => gather(X, 1, [[0], [0], [0], [0]])).toThrow(/^gather: argument index has 4 entries along axis 0, more than x's 3/);
    expect(() => gather(X, 2, [[0]])).toThrow(/^gather: argument axis is 2, out of range for a tensor of rank 2/);
    expect(() => gather(X, 1, "0" as never)).toThrow(/^gather: argument index must be a tensor of integers, an array of integers or an integer typed array; got the string "0"/);
  });
});

describe("scatter, scatterAdd", () => {
  const idx = tensor([[0, 0, 2], [1, 1, 1]]);
  const src = tensor([[10, 20, 30], [40, 50, 60]]);
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  it("scatter: the last write in row-major order of the index wins", () => {
    expect(scatter(x, 1, idx, src).toNested()).toEqual([[20, 2, 30], [4, 60, 6]]);
    expect(x.scatter(0, [[1, 0, 1]], 9).toNested()).toEqual([[1, 9, 3], [9, 5, 9]]); // a number src
  });
  it("scatter's derivative follows the value: overwritten x entries and losing src entries get 0", () => {
    expect(grad((t: Tensor) => sum(mul(scatter(t, 1, idx, src), x)))(x).toNested()).toEqual([[0, 2, 0], [4, 0, 6]]);
    expect(grad((s: Tensor) => sum(mul(scatter(x, 1, idx, s), x)))(src).toNested()).toEqual([[0, 1, 3], [0, 0, 5]]);
    const t = tensor([[0.3, -1.2, 2], [0.7, 1.1, -0.4]]);
    const { tangent } = jvp((a: Tensor, s: Tensor) => scatter(a, 1, idx, s), [x, src], [t, t]);
    expect(tangent.toNested()).toEqual([[-1.2, -1.2, 2], [0.7, -0.4, -0.4]]);
  });
  it("scatterAdd accumulates repeats; x̄ = ct, src̄ = gather(ct)", () => {
    expect(scatterAdd(x, 1, idx, src).toNested()).toEqual([[31, 2, 33], [4, 155, 6]]);
    expect(grad((s: Tensor) => sum(mul(scatterAdd(x, 1, idx, s), x)))(src).toNested()).toEqual([[1, 1, 3], [5, 5, 5]]);
    expect(gradcheck((a: Tensor, s: Tensor) => scatterAdd(a, 1, idx, s).square(), [x.add(0.1), src.mul(0.1)]).ok).toBe(true);
  });
  it("reduce: sum / add, mean (x counts as one entry), amax / amin (ties share the derivative)", () => {
    expect(scatter(x, 1, idx, src, { reduce: "sum" }).toNested()).toEqual(scatterAdd(x, 1, idx, src).toNested());
    expect(scatter(x, 1, idx, src, { reduce: "add" }).toNested()).toEqual(scatterAdd(x, 1, idx, src).toNested());
    expect(scatter(x, 1, idx, src, { reduce: "mean" }).toNested()).toEqual([[31 / 3, 2, 16.5], [4, 155 / 4, 6]]);
    expect(scatter(x, 1, idx, tensor([[-1, 0, 30], [4, 4, 4]]), { reduce: "amax" }).toNested()).toEqual([[1, 2, 30], [4, 5, 6]]);
    expect(scatter(x, 1, idx, tensor([[-1, 0, 30], [4, 4, 4]]), { reduce: "amin" }).toNested()).toEqual([[-1, 2, 3], [4, 4, 6]]);
    // x[1][1] = 5 and three writes of 5: four tied entries share the derivative
    const s = tensor([[0, 0, 0], [5, 5, 5]]);
    expect(grad((t: Tensor) => sum(scatter(x, 1, idx, t, { reduce: "amax" })))(s).toNested()).toEqual([[0, 0, 0], [0.25, 0.25, 0.25]]);
    expect(grad((t: Tensor) => sum(scatter(t, 1, idx, s, { reduce: "amax" })))(x).toNested()).toEqual([[1, 1, 1], [1, 0.25, 1]]);
  });
  describe("reduce prod and includeSelf (PyTorch 2.13 scatter_reduce values)", () => {
    // zeros in x and src: position [0][0] gets x = 2 and the sources 0, 3, 2 (one zero), [0][1] x = 0 and
    // the source 0 (two zeros), [1][3] x = 4 and the sources 0, 0, 2 (two zeros among the sources)
    const x2 = tensor([[2, 0, 3, -1], [1.5, 2, 0, 4]]);
    const i2 = tensor([[0, 0, 2, 0, 1], [3, 3, 3, 2, 0]]);
    const s2 = tensor([[0, 3, 0.5, 2, 0], [0, 0, 2, 5, -2]]);
    const w = arange(1, 9).reshape(2, 4);
    const grads = (reduce: "prod" | "sum" | "mean" | "amax", includeSelf: boolean): [number[][], number[][], number[][]] => {
      const f = (a: Tensor, s: Tensor): Tensor => sum(mul(scatter(a, 1, i2, s, { reduce, includeSelf }), w));
      const [gx, gs] = grad(f, { argnums: [0, 1] })(x2, s2);
      return [scatter(x2, 1, i2, s2, { reduce, includeSelf }).toNested() as number[][], gx.toNested() as number[][], gs.toNested() as number[][]];
    };
    it("prod: values and gradients with zeros, x's own value included or not", () => {
      expect(grads("prod", true)).toEqual([[[0, 0, 1.5, -1], [-3, 2, 0, 0]], [[0, 0, 1.5, 4], [-10, 6, 35, 0]], [[12, 0, 9, 0, 0], [0, 0, 0, 0, 7.5]]]);
      expect(grads("prod", false)).toEqual([[[0, 0, 0.5, -1], [-2, 2, 5, 0]], [[0, 0, 0, 4], [0, 6, 0, 0]], [[6, 0, 3, 0, 2], [0, 0, 0, 7, 5]]]);
      expect(scatter(x2, 1, i2, s2, { reduce: "multiply" }).toNested()).toEqual(scatter(x2, 1, i2, s2, { reduce: "prod" }).toNested());
    });
    it("sum and mean without x's own value", () => {
      expect(grads("sum", false)).toEqual([[[5, 0, 0.5, -1], [-2, 2, 5, 2]], [[0, 0, 0, 4], [0, 6, 0, 0]], [[1, 1, 3, 1, 2], [8, 8, 8, 7, 5]]]);
      const [out, gx, gs] = grads("mean", false);
      expect(out).toEqual([[5 / 3, 0, 0.5, -1], [-2, 2, 5, 2 / 3]]);
      expect(gx).toEqual([[0, 0, 0, 4], [0, 6, 0, 0]]);
      expect(gs.flat().map((v) => Math.round(v * 3))).toEqual([1, 1, 9, 1, 6, 8, 8, 8, 21, 15]);
    });
    it("amax without x's own value: x takes no part in the ties either (PyTorch splits a tie with the left-out x, losing that share)", () => {
      const [out, gx, gs] = grads("amax", false);
      expect(out).toEqual([[3, 0, 0.5, -1], [-2, 2, 5, 2]]);
      expect(gx).toEqual([[0, 0, 0, 4], [0, 6, 0, 0]]);
      // [0][1] = 0 comes from src[0][4] alone: PyTorch gives it 1 (half of w = 2, tied with x[0][1] = 0); here 2
      expect(gs).toEqual([[0, 1, 3, 0, 2], [0, 0, 8, 7, 5]]);
    });
    it("prod's second derivatives at zeros (PyTorch refuses double backward with two source zeros at one position)", () => {
      // out = x·s0·s1·s2 at one position, x = 2, s = [0, 0, 3]: ∂²out/∂s0∂s1 = x·s2 = 6, ∂²out/∂x∂s0 = s1·s2 = 0
      const f = (v: Tensor): Tensor => sum(scatter(v.slice([0, 1]), 0, [0, 0, 0], v.slice([1, 4]), { reduce: "prod" }));
      const H = hessian(f)(tensor([2, 0, 0, 3])).toNested();
      expect(H).toEqual([[0, 0, 0, 0], [0, 0, 6, 0], [0, 6, 0, 0], [0, 0, 0, 0]]);
      // one zero among x and the sources: ∂²/∂x∂s0 = s1·s2
      expect(hessian(f)(tensor([0, 0, 5, 3])).toNested()).toEqual([[0, 15, 0, 0], [15, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
      expect(gradgradcheck((a: Tensor) => scatter(a, 0, [0, 0, 1, 1], tensor([0, 2, 0, 0]), { reduce: "prod" }), [tensor([0, 1.5, 0, -0.5])]).ok).toBe(true);
      expect(gradgradcheck((s: Tensor) => scatter(tensor([2, 0, 0.5]), 0, [0, 0, 1, 2, 2, 2], s, { reduce: "prod" }), [tensor([0, 0, 1.5, 0, 0, 0])]).ok).toBe(true);
    });
    it("under vmap: per-example gradients of prod equal a loop over the examples", () => {
      const xs = tensor([[2, 0, 1], [0, 3, -1]]), ss = tensor([[0, 2, 0, 4], [1, 0, 0, 5]]);
      const ix = [0, 0, 1, 2];
      const g = (a: Tensor, s: Tensor): Tensor => grad((t: Tensor) => sum(scatter(a, 0, ix, t, { reduce: "prod" })))(s);
      const batched = vmap(g)(xs, ss).toNested();
      expect(batched).toEqual([g(xs.slice(0).reshape(3), ss.slice(0).reshape(4)).toNested(), g(xs.slice(1).reshape(3), ss.slice(1).reshape(4)).toNested()]);
    });
  });
  it("errors: reduce names, options, src shapes", () => {
    expect(() => scatter(x, 1, idx, src, { reduce: "product" } as never)).toThrow(/^scatter: option reduce must be one of "sum", "add", "prod", "multiply", "mean", "amax", "amin"; got the string "product"/);
    expect(() => scatter(x, 1, idx, src, { includeSelf: false })).toThrow(/^scatter: option includeSelf needs option reduce/);
    expect(() => scatter(x, 1, idx, src, { reduce: "prod", includeSelf: 0 } as never)).toThrow(/^scatter: option includeSelf must be true or false; got the number 0/);
    expect(() => scatter(x, 1, idx, src, { reduction: "sum" } as never)).toThrow(/^scatter: unknown option "reduction"/);
    expect(() => scatterAdd(x, 1, idx, tensor([[1, 2]]))).toThrow(/^scatterAdd: argument src has 1 entries along axis 0, fewer than index's 2/);
    expect(() => scatterAdd(x, 1, [[3]], [[1]])).toThrow(/^scatterAdd: argument index holds 3 at \[0, 0\], which is out of range for axis 1 of size 3/);
    expect(() => scatter(x, 1, [[0.5]], [[1]])).toThrow(/^scatter: argument index holds 0\.5/);
  });
  it("0-d x and index", () => {
    expect(scatter(tensor(1), 0, tensor(0), tensor(7)).toNested()).toEqual(7);
    expect(scatterAdd(tensor(1), -1, tensor(0), tensor(7)).toNested()).toEqual(8);
  });
});

describe("1-D fast paths (one-pass gather kernel; Int32Array lists as take)", () => {
  const v = tensor([10, 11, 12, 13, 14]);
  it("take / indexSelect of a 1-D x with an index tensor, gather with an Int32Array: values, negative wrap, gradients", () => {
    expect(take(v, tensor([4, -5, 2, 2])).toNested()).toEqual([14, 10, 12, 12]);
    expect(take(v, tensor([[4, -1], [0, 1]])).toNested()).toEqual([[14, 14], [10, 11]]);
    expect(take(v, tensor(3)).toNested()).toEqual(13);
    expect(indexSelect(v, 0, tensor([1, -1, 1])).toNested()).toEqual([11, 14, 11]);
    expect(gather(v, 0, Int32Array.of(0, -1, 3, 3)).toNested()).toEqual([10, 14, 13, 13]);
    expect(gather(v, -1, new Int32Array(0)).toNested()).toEqual([]);
    // repeated indices accumulate in the gradient
    expect(grad((t: Tensor) => sum(mul(take(t, tensor([2, 2, -1])), tensor([1, 2, 3]))))(v).toNested()).toEqual([0, 0, 3, 0, 3]);
    expect(grad((t: Tensor) => sum(indexSelect(t, 0, tensor([0, 0]))))(v).toNested()).toEqual([2, 0, 0, 0, 0]);
    expect(grad((t: Tensor) => sum(gather(t, 0, Int32Array.of(4, -1, 1))))(v).toNested()).toEqual([0, 1, 0, 0, 2]);
  });
  it("errors keep each op's format", () => {
    expect(() => take(v, tensor([0, 2.5]))).toThrow(/^take: argument indices holds 2\.5 at position 1, which is not an integer for axis 0 of size 5; expected integers in \[-5, 4\]/);
    expect(() => take(v, tensor([[0, 1], [5, 0]]))).toThrow(/^take: argument indices holds 5 at position 2, which is out of range for axis 0 of size 5/);
    expect(() => indexSelect(v, 0, tensor([-6]))).toThrow(/^indexSelect: argument index holds -6 at position 0, which is out of range for axis 0 of size 5/);
    expect(() => indexSelect(v, 0, tensor([NaN]))).toThrow(/^indexSelect: argument index holds NaN at position 0, which is not an integer/);
    expect(() => gather(v, 0, Int32Array.of(1, 5))).toThrow(/^gather: argument index holds 5 at \[1\], which is out of range for axis 0 of size 5 \(index shape \[2\], x shape \[5\]\); expected integers in \[-5, 4\]/);
    expect(() => gather(v, 0, Int32Array.of(-6))).toThrow(ArgumentError);
    expect(() => gather(v, 0, Float64Array.of(0.5))).toThrow(/^gather: argument index holds 0\.5 at \[0\], which is not an integer/);
  });
});

describe("indexSelect, indexAdd", () => {
  it("indexSelect keeps the rank; negative indices wrap; a 0-d x takes one index", () => {
    expect(indexSelect(X, 1, [3, -4, 3]).toNested()).toEqual([[3, 0, 3], [7, 4, 7], [11, 8, 11]]);
    expect(X.indexSelect(0, tensor(2)).toNested()).toEqual([[8, 9, 10, 11]]);
    expect(indexSelect(tensor(4), 0, [0]).toNested()).toEqual(4);
    expect(() => indexSelect(tensor(4), 0, [0, 0])).toThrow(/^indexSelect: a 0-d x takes an index of one entry; got 2/);
    expect(() => indexSelect(X, 0, [3])).toThrow(/^indexSelect: argument index holds 3 at position 0, which is out of range for axis 0 of size 3; expected integers in \[-3, 2\]/);
    expect(() => indexSelect(X, 0, [1.5])).toThrow(/^indexSelect: argument index holds 1\.5 at position 0, which is not an integer/);
  });
  it("indexAdd: alpha·source added at the indexed rows, repeats accumulate", () => {
    const out = indexAdd(zeros([3, 2]), 0, [0, 2, 0], tensor([[1, 2], [3, 4], [5, 6]]), { alpha: 2 });
    expect(out.toNested()).toEqual([[12, 16], [0, 0], [6, 8]]);
    expect(grad((s: Tensor) => sum(mul(indexAdd(zeros([3, 2]), 0, [0, 2, 0], s, { alpha: 2 }), tensor([[1, 2], [3, 4], [5, 6]]))))(zeros([3, 2])).toNested())
      .toEqual([[2, 4], [10, 12], [2, 4]]);
    expect(() => indexAdd(zeros([3, 2]), 0, [0], zeros([2, 2]))).toThrow(/^indexAdd: argument source must have shape \[1, 2\]/);
    expect(() => indexAdd(zeros([3, 2]), 0, [0], zeros([1, 2]), { alpha: "2" } as never)).toThrow(/^indexAdd: option alpha must be a number/);
  });
});

describe("index (PyTorch's x[...])", () => {
  it("index arrays broadcast together; adjacent ones stay in place (numpy)", () => {
    expect(index(X, [0, 2], [1, 3]).toNested()).toEqual([1, 11]);
    expect(index(X, null, [0, 2]).toNested()).toEqual([[0, 2], [4, 6], [8, 10]]);
    expect(index(Y, null, [[0], [2]], [1, 2]).toNested()).toEqual([[[1, 2], [9, 10]], [[13, 14], [21, 22]]]);
    expect(index(Y, { step: -1 }, { start: 1 }, [0, 0]).toNested()).toEqual([[[16, 16], [20, 20]], [[4, 4], [8, 8]]]);
  });
  it("separated index arrays put the broadcast axes first (numpy)", () => {
    expect(index(Y, [1, 0], null, [3, -1]).toNested()).toEqual([[15, 19, 23], [3, 7, 11]]);
  });
  it("integers are applied first, as in PyTorch (x[0, :, [1, 2]] has shape [3, 2]; NumPy gives [2, 3])", () => {
    const out = index(Y, 0, null, [1, 2]);
    expect(out.shape).toEqual([3, 2]);
    expect(out.toNested()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(index(Y, 1, [0, 2], [1, 3]).toNested()).toEqual([13, 23]);
  });
  it("masks: an array of booleans or { mask } (a 0/1 tensor) over as many axes as they have (numpy)", () => {
    const m = [[true, false, true], [false, true, true]];
    expect(index(Y, { mask: tensor([[1, 0, 1], [0, 1, 1]]) }).toNested()).toEqual([[0, 1, 2, 3], [8, 9, 10, 11], [16, 17, 18, 19], [20, 21, 22, 23]]);
    expect(index(Y, { mask: m }).shape).toEqual([4, 4]);
    expect(index(Y, m).toNested()).toEqual(index(Y, { mask: m }).toNested());
    expect(index(Y, null, [false, true, false], [1, 3]).toNested()).toEqual([[5, 7], [17, 19]]);
    expect(index(X, [true, false, true]).toNested()).toEqual([[0, 1, 2, 3], [8, 9, 10, 11]]);
    expect(index(X, { mask: gt(X, 8) }).toNested()).toEqual([9, 10, 11]);
    // a float64 tensor alone is an index: 0/1 entries pick rows 0 and 1
    expect(index(X, tensor([1, 0])).toNested()).toEqual([[4, 5, 6, 7], [0, 1, 2, 3]]);
  });
  it("no advanced index: basic slicing; the method form", () => {
    expect(index(X, 1, { start: 1, stop: 3 }).toNested()).toEqual([5, 6]);
    expect(X.index(null, -1).toNested()).toEqual([3, 7, 11]);
    expect(index(X).toNested()).toEqual(X.toNested());
  });
  it("derivative: scatter-add back to the positions read", () => {
    const g = grad((x: Tensor) => sum(index(x, [0, 0, 2], [1, 1, -1])))(zeros([3, 4]));
    expect(g.toNested()).toEqual([[0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]);
    expect(gradcheck((x: Tensor) => index(x, [1, 0], null, [3, -1]).square(), [Y.mul(0.1)]).ok).toBe(true);
  });
  it("errors name index, the spec and the value", () => {
    expect(() => index(X, 3)).toThrow(/^index: argument specs\[0\] is the index 3, which is out of range for axis 0 of size 3/);
    expect(() => index(X, null, [4])).toThrow(/^index: argument specs\[1\] holds 4 at position 0, which is out of range for axis 1 of size 4/);
    expect(() => index(X, [0.5])).toThrow(/^index: argument specs\[0\] holds 0\.5 at position 0, which is not an integer/);
    expect(() => index(X, 0, 0, 0)).toThrow(/^index: too many indices: specs index 3 axes of a tensor of rank 2/);
    expect(() => index(X, { begin: 1 } as never)).toThrow(/^index: unknown option "begin"/);
    expect(() => index(X, { step: 0 })).toThrow(/^index: argument specs\[0\]\.step must be a nonzero integer; got 0/);
    expect(() => index(X, { mask: tensor([1, 0]) })).toThrow(/^index: argument specs\[0\] is a mask of shape \[2\], which does not match x's axes 0…0 of shape \[3\]/);
    expect(() => index(X, { mask: tensor([1, 0, 2]) })).toThrow(/^index: argument specs\[0\]\.mask must hold 0 and 1 only/);
    expect(() => index(X, [0, 1], [0, 1, 2])).toThrow(/^index: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => index(X, "a" as never)).toThrow(/^index: argument specs\[0\] must be null \(a whole axis\), an integer, a slice/);
  });
});

describe("maskedFill, maskedSelect, nonzero", () => {
  it("maskedFill: value where the mask is 1 (broadcast); a 0-d tensor value gets the masked cotangent", () => {
    expect(maskedFill(X, gt(X, 9), -1).toNested()).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, -1, -1]]);
    expect(X.maskedFill([1, 0, 0, 1], 0).toNested()).toEqual([[0, 1, 2, 0], [0, 5, 6, 0], [0, 9, 10, 0]]);
    const m = tensor([1, 0, 0, 1]);
    expect(grad((v: Tensor) => maskedFill(X, m, v).sum())(tensor(3)).toNested()).toEqual(6);
    expect(grad((x: Tensor) => maskedFill(x, m, 0).sum())(X).toNested()).toEqual([[0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0]]);
    expect(() => maskedFill(X, tensor([0, 0.5, 0, 0]), 1)).toThrow(/^maskedFill: argument mask must hold 0 and 1 only \(a boolean mask as float64\); got 0\.5 at flat position 1/);
    expect(() => maskedFill(X, zeros([2, 1, 4]), 1)).toThrow(/^maskedFill: argument mask of shape \[2, 1, 4\] does not broadcast to x's shape \[3, 4\]/);
    expect(() => maskedFill(X, tensor([[1], [0], [1], [0]]), 1)).toThrow(/^maskedFill: shapes \[3, 4\] and \[4, 1\] cannot be broadcast/);
    expect(() => maskedFill(X, m, tensor([1, 2]))).toThrow(/^maskedFill: argument value must be a number or a 0-d tensor; got a tensor of shape \[2\]/);
  });
  it("maskedSelect: row-major, broadcasting x against the mask; the gradient sums broadcast copies", () => {
    expect(maskedSelect(X, gt(X, 8)).toNested()).toEqual([9, 10, 11]);
    expect(maskedSelect(tensor([1, 2, 3]), [[true, false, true], [false, true, true]]).toNested()).toEqual([1, 3, 2, 3]);
    expect(grad((x: Tensor) => maskedSelect(x, tensor([[1, 0, 1], [0, 1, 1]])).sum())(tensor([1, 2, 3])).toNested()).toEqual([1, 1, 2]);
    expect(maskedSelect(zeros([0, 3]), tensor([1, 0, 1])).shape).toEqual([0]);
  });
  it("nonzero: [count, rank] of integers in row-major order, asTuple, 0-d, NaN counts", () => {
    const t = tensor([[0, 1.5, 0], [NaN, 0, -2]]);
    expect(nonzero(t).toNested()).toEqual([[0, 1], [1, 0], [1, 2]]);
    expect(nonzero(t, { asTuple: true }).map((c) => c.toNested())).toEqual([[0, 1, 1], [1, 0, 2]]);
    expect(t.nonzero().shape).toEqual([3, 2]);
    expect(nonzero(tensor(5)).shape).toEqual([1, 0]);
    expect(nonzero(tensor(0)).shape).toEqual([0, 0]);
    expect(nonzero(tensor(5), { asTuple: true }).map((c) => c.toNested())).toEqual([[0]]);
    expect(nonzero(zeros([2, 0])).shape).toEqual([0, 2]);
    expect(() => nonzero(t, { as_tuple: true } as never)).toThrow(/^nonzero: unknown option "as_tuple"; did you mean "asTuple"\?/);
  });
});

describe("under vmap", () => {
  it("gather with per-example labels (batched index, unbatched x read in place), and batched both", () => {
    const table = tensor([[1, 2, 3], [4, 5, 6]]);
    const labels = tensor([[[2], [0]], [[1], [1]], [[0], [2]]]); // three examples of a [2, 1] index
    const out = vmap((i: Tensor) => gather(table, 1, i), { inAxes: 0 })(labels);
    expect(out.toNested()).toEqual([[[3], [4]], [[2], [5]], [[1], [6]]]);
    const xs = tensor([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]);
    const both = vmap((x: Tensor, i: Tensor) => gather(x, 1, i))(xs, labels.slice([0, 2]));
    expect(both.toNested()).toEqual([[[3], [4]], [[8], [11]]]);
  });
  it("per-example gradients through scatter and indexSelect with a batched index", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const idx = tensor([[0, 0], [2, 1]]); // per example: a list of two columns
    const f = (v: Tensor, i: Tensor): Tensor => sum(scatter(v, 0, i, tensor([10, 20])));
    const g = vmap((v: Tensor, i: Tensor) => grad((w: Tensor) => f(w, i))(v))(x, idx);
    expect(g.toNested()).toEqual([[0, 1, 1], [1, 0, 0]]);
    const sel = vmap((v: Tensor, i: Tensor) => indexSelect(v, 0, i))(x, idx);
    expect(sel.toNested()).toEqual([[1, 1], [6, 5]]);
  });
  it("index with concrete index arrays and masks over a batched x; nonzero raises", () => {
    expect(vmap((y: Tensor) => index(y, [2, 0], [1, -1]))(Y).toNested()).toEqual([[9, 3], [21, 15]]);
    expect(vmap((y: Tensor) => index(y, { mask: tensor([[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 0, 0]]) }))(Y).toNested()).toEqual([[0, 3, 9], [12, 15, 21]]);
    expect(vmap((y: Tensor) => grad((z: Tensor) => sum(index(z, [2, 2], null)))(y))(Y).slice(1).toNested()).toEqual([[0, 0, 0, 0], [0, 0, 0, 0], [2, 2, 2, 2]]);
    expect(() => vmap((y: Tensor) => nonzero(y))(Y)).toThrow(BatchingError);
  });
  // per-example results, stacked: the reference every batched index is checked against
  const loop = (f: (...a: Tensor[]) => Tensor, ...args: Tensor[]): Tensor =>
    stack(Array.from({ length: args[0].shape[0] }, (_, b) => f(...args.map((a) => a.slice(b).reshape(...a.shape.slice(1))))));
  const close = (a: Tensor, b: Tensor): void => {
    expect(a.shape).toEqual(b.shape);
    expect(a.sub(b).abs().max().item()).toBeLessThanOrEqual(1e-12);
  };
  it("index with batched integer index tensors (fixed shape: the result's) goes through gather, as a loop over the examples", () => {
    const x = randn([3, 4, 5], { seed: 7 });
    const xs = randn([4, 3, 4, 5], { seed: 8 });
    const i = tensor([[[0, -1], [2, 1]], [[1, 1], [-3, 0]], [[2, 0], [0, 2]], [[-2, 2], [1, -1]]]); // 4 examples of [2, 2] into size 3
    const j = tensor([[3], [-4], [0], [2]]); // 4 examples of [1] into size 4 / 5
    const cases: [string, (...a: Tensor[]) => Tensor, Tensor[], (number | null)[]][] = [
      ["one axis, shared x", (ii) => index(x, ii), [i], [0]],
      ["one axis, batched x", (y, ii) => index(y, ii), [xs, i], [0, 0]],
      ["adjacent axes, broadcast together (one batched, one concrete)", (y, ii) => index(y, null, ii, [[0, 4]]), [xs, i.add(1).remainder(4)], [0, 0]],
      ["adjacent axes, both batched", (y, ii, jj) => index(y, ii, jj), [xs, i, j], [0, 0, 0]],
      ["separated axes: the index shape first", (y, ii, jj) => index(y, ii, null, jj), [xs, i, j], [0, 0, 0]],
      ["separated, x shared, with an integer and a slice", (ii, jj) => index(x, ii, { start: 1, step: 2 }, jj), [i, j], [0, 0]],
      ["an integer then a batched list", (y, jj) => index(y, -1, jj), [xs, j], [0, 0]],
    ];
    for (const [name, f, args, inAxes] of cases) {
      const got = vmap(f, { inAxes })(...args);
      const want = loop((...a: Tensor[]) => f(...args.map((t, k) => (inAxes[k] === null ? t : a[k]))), ...args);
      expect(got.shape, name).toEqual(want.shape);
      close(got, want);
    }
  });
  it("per-example gradients through index with a batched index tensor (repeats accumulate), to second order", () => {
    const xs = randn([3, 4, 5], { seed: 9 });
    const i = tensor([[[1, 1, 3]], [[0, -1, 0]], [[2, 2, 2]]]); // [1, 3] per example
    const f = (y: Tensor, ii: Tensor): Tensor => sum(mul(index(y, ii, [[0], [4]]), index(y, ii, [[0], [4]])).mul(index(y, 0, 0)));
    const g = (y: Tensor, ii: Tensor): Tensor => grad((z: Tensor) => f(z, ii))(y);
    close(vmap(g)(xs, i), loop(g, xs, i));
    const h = (y: Tensor, ii: Tensor): Tensor => grad((z: Tensor) => sum(mul(g(z, ii), g(z, ii))))(y);
    close(vmap(h)(xs, i), loop(h, xs, i));
    const { tangent } = jvp((z: Tensor) => vmap((y: Tensor, ii: Tensor) => index(y, null, ii))(z, i), [xs], [xs.mul(2)]);
    close(tangent, loop((y: Tensor, ii: Tensor) => index(y, null, ii), xs.mul(2), i));
  });
  it("a batched index's bad entry is the same typed error; a batched boolean mask cannot be mapped", () => {
    expect(() => vmap((ii: Tensor) => index(X, null, ii))(tensor([[0], [4]]))).toThrow(/^index: argument specs\[1\] holds 4 at position 1, which is out of range for axis 1 of size 4; expected integers in \[-4, 3\]/);
    expect(() => vmap((ii: Tensor) => index(X, ii))(tensor([[0], [0.5]]))).toThrow(/^index: argument specs\[0\] holds 0.5 at position 1, which is not an integer for axis 0 of size 3/);
    expect(() => vmap((m: Tensor) => index(X, { mask: m }))(tensor([[1, 0, 1], [0, 1, 0]]))).toThrow(BatchingError);
    expect(() => vmap((m: Tensor) => index(X, { mask: m }))(tensor([[1, 0, 1], [0, 1, 0]]))).toThrow(/^index: argument specs\[0\]\.mask is a boolean mask batched under vmap: its count of ones decides the result's shape/);
  });
  it("maskedSelect with a batched mask cannot be batched (the length depends on the values)", () => {
    expect(() => vmap((m: Tensor) => maskedSelect(tensor([1, 2]), m))(tensor([[1, 0], [1, 1]]))).toThrow(BatchingError);
  });
});
