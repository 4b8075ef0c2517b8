/**
 * The layout and structured-matrix ops beyond the OpInfo table: PyTorch's and
 * SciPy's documented examples (values copied from their docs / computed with
 * NumPy 2.4 and SciPy 1.17), tricky cases (negative axes, repeated axes,
 * empty axes, cropping pads, broadcast batches), gradients with repeated
 * reads (the copies' cotangents add up), the index-argument story, errors,
 * and the op count of the forward (one take per pattern op).
 */
import { describe, expect, it } from "vitest";
import {
  tensor, arange, zeros, randn, grad, sum, mul, stack, jvp, vmap, ArgumentError, ShapeError, autogradGraph, type Tensor,
  unbind, movedim, moveaxis, repeat, tile, repeatInterleave, flip, fliplr, flipud, roll, pad, meshgrid, blockDiag, vander,
  toeplitz, hankel, circulant,
} from "../../src/index.js";

const nested = (t: Tensor): unknown => t.toNested();
/** The primitive ops recorded for `f(x)` with x requiring grad (the forward's op count). */
const opsOf = (f: (x: Tensor) => Tensor, x: Tensor): string[] =>
  autogradGraph(f(tensor(x, { requiresGrad: true }))).nodes.filter((n) => n.kind === "op").map((n) => n.op ?? "");

describe("unbind", () => {
  const x = arange(6).reshape(2, 3);
  it("slices along an axis, negative axes count from the end", () => {
    expect(unbind(x).map(nested)).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(unbind(x, -1).map(nested)).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(x.unbind(1).length).toBe(3);
    expect(unbind(zeros([0, 3]), 0)).toEqual([]);
    expect(unbind(zeros([2, 0]), 0).map((t) => t.shape)).toEqual([[0], [0]]);
  });
  it("one node with an output per slice; the gradient stacks the slices' cotangents (zeros for unused ones)", () => {
    const g = grad((t: Tensor) => unbind(t, 1).reduce((acc, s, i) => acc.add(sum(mul(s, i + 1))), tensor(0)))(x);
    expect(nested(g)).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(nested(grad((t: Tensor) => sum(unbind(t, 0)[1]))(x))).toEqual([[0, 0, 0], [1, 1, 1]]);
    expect(opsOf((t) => stack(unbind(t, 1), 0), x)).toEqual(["unbind", "reshape", "reshape", "reshape", "concat"]);
  });
  it("errors", () => {
    expect(() => unbind(tensor(1))).toThrow(new ShapeError("unbind", "a 0-d tensor has no axis to unbind (shape [])"));
    expect(() => unbind(x, 2)).toThrow(/^unbind: axis 2 is out of range for a tensor of rank 2/);
  });
});

describe("movedim / moveaxis", () => {
  const t = zeros([3, 2, 1]);
  it("PyTorch's examples", () => {
    expect(movedim(t, 1, 0).shape).toEqual([2, 3, 1]);
    expect(movedim(t, [1, 2], [0, 1]).shape).toEqual([2, 1, 3]);
    expect(moveaxis(t, -1, 0).shape).toEqual([1, 3, 2]);
    expect(t.movedim(0, -1).shape).toEqual([2, 1, 3]);
  });
  it("values: out[i, j, k] = x[k, i, j] for movedim(x, 0, -1)", () => {
    const x = arange(24).reshape(2, 3, 4);
    const y = movedim(x, 0, -1);
    expect(y.slice(1, 2).toArray()).toEqual([6, 18]);
    expect(nested(movedim(tensor(5), 0, -1))).toBe(5);
  });
  it("errors name the op that was called", () => {
    expect(() => movedim(t, [0, 1], [0])).toThrow(/^movedim: source \[0, 1\] and destination \[0\] must have the same number of axes/);
    expect(() => moveaxis(t, [0, 0], [1, 2])).toThrow(/^moveaxis: repeated axis in source \[0, 0\]/);
    expect(() => moveaxis(t, 0, 3)).toThrow(/^moveaxis: axis 3 is out of range/);
    expect(() => movedim(t, 0.5, 1)).toThrow(ArgumentError);
  });
});

describe("repeat / tile", () => {
  const x = tensor([1, 2, 3]);
  it("PyTorch's x.repeat examples (tile-like; extra sizes add leading axes)", () => {
    expect(nested(x.repeat(4, 2))).toEqual(Array.from({ length: 4 }, () => [1, 2, 3, 1, 2, 3]));
    expect(x.repeat(4, 2, 1).shape).toEqual([4, 2, 3]);
    expect(repeat(x, [2]).toArray()).toEqual([1, 2, 3, 1, 2, 3]);
    expect(nested(repeat(tensor(7), []))).toBe(7);
    expect(repeat(x, 0, 2).shape).toEqual([0, 6]);
  });
  it("tile pads reps with leading 1s (torch.tile), an integer is one rep", () => {
    expect(tile(x, [2]).toArray()).toEqual([1, 2, 3, 1, 2, 3]);
    const y = tensor([[1, 2], [3, 4]]);
    expect(nested(tile(y, [2, 2]))).toEqual([[1, 2, 1, 2], [3, 4, 3, 4], [1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(nested(y.tile(2))).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(tile(zeros([2, 1, 3]), [2, 2]).shape).toEqual([2, 2, 6]);
  });
  it("the gradient sums the copies; one broadcast, no per-copy op", () => {
    expect(grad((t: Tensor) => sum(mul(repeat(t, 2, 3), arange(18).reshape(2, 9))))(x).toArray()).toEqual([0 + 3 + 6 + 9 + 12 + 15, 1 + 4 + 7 + 10 + 13 + 16, 2 + 5 + 8 + 11 + 14 + 17]);
    expect(opsOf((t) => repeat(t, 50, 20), x).filter((o) => o !== "reshape")).toEqual(["broadcastTo"]);
  });
  it("errors", () => {
    expect(() => repeat(zeros([2, 2]), 3)).toThrow(/^repeat: sizes \[3\] has 1 entries, fewer than the 2 axes of x \(shape \[2, 2\]\)/);
    expect(() => repeat(x, 1.5)).toThrow(/^repeat: sizes\[0\] must be an integer ≥ 0; got the number 1.5/);
    expect(() => tile(x, "2" as never)).toThrow(/^tile: argument reps must be an integer or an array of integers; got the string "2"/);
    expect(() => repeat(x, 2 ** 20, 2 ** 12)).toThrow(/^repeat: the result's shape \[1048576, 12288\] has \d+ entries, more than the limit/);
  });
});

describe("repeatInterleave", () => {
  const y = tensor([[1, 2], [3, 4]]);
  it("PyTorch's examples", () => {
    expect(tensor([1, 2, 3]).repeatInterleave(2).toArray()).toEqual([1, 1, 2, 2, 3, 3]);
    expect(repeatInterleave(y, 2).toArray()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(nested(repeatInterleave(y, 3, 1))).toEqual([[1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4]]);
    expect(nested(repeatInterleave(y, tensor([1, 2]), 0))).toEqual([[1, 2], [3, 4], [3, 4]]);
  });
  it("repeats as number[], Int32Array, a 0-d tensor or one entry for all; zeros drop entries", () => {
    expect(nested(repeatInterleave(y, new Int32Array([0, 2]), -1))).toEqual([[2, 2], [4, 4]]);
    expect(nested(repeatInterleave(y, [2], 0))).toEqual([[1, 2], [1, 2], [3, 4], [3, 4]]);
    expect(repeatInterleave(y, tensor(1), 0).shape).toEqual([2, 2]);
    expect(repeatInterleave(y, 0, 1).shape).toEqual([2, 0]);
  });
  it("the gradient of an entry is the sum over its copies", () => {
    const g = grad((t: Tensor) => sum(mul(repeatInterleave(t, [3, 1]), tensor([1, 2, 3, 10]))))(tensor([5, 6]));
    expect(g.toArray()).toEqual([6, 10]);
  });
  it("errors: fractional, negative, wrong count, 2-d repeats", () => {
    expect(() => repeatInterleave(y, tensor([1.5, 1]), 0)).toThrow(new ArgumentError("repeatInterleave", "repeats[0] must be an integer ≥ 0; got 1.5"));
    expect(() => repeatInterleave(y, [1, NaN], 0)).toThrow(/^repeatInterleave: repeats\[1\] must be an integer ≥ 0; got NaN/);
    expect(() => repeatInterleave(y, -1)).toThrow(/^repeatInterleave: argument repeats must be an integer ≥ 0; got -1/);
    expect(() => repeatInterleave(y, [1, 2, 3], 0)).toThrow(ShapeError);
    expect(() => repeatInterleave(y, tensor([[1, 2]]), 0)).toThrow(/^repeatInterleave: argument repeats must be a 0-d or 1-d tensor; got shape \[1, 2\]/);
  });
});

describe("flip / fliplr / flipud", () => {
  const x = arange(8).reshape(2, 2, 2);
  it("PyTorch's examples", () => {
    expect(nested(flip(x, [0, 1]))).toEqual([[[6, 7], [4, 5]], [[2, 3], [0, 1]]]);
    expect(nested(fliplr(arange(4).reshape(2, 2)))).toEqual([[1, 0], [3, 2]]);
    expect(nested(flipud(arange(4).reshape(2, 2)))).toEqual([[2, 3], [0, 1]]);
    expect(x.flip(-1).slice(0, 0).toArray()).toEqual([1, 0]);
    expect(flip(x, []).toArray()).toEqual(x.toArray());
    expect(flip(zeros([0, 2]), 0).shape).toEqual([0, 2]);
  });
  it("one slice with step −1; the gradient is flipped back", () => {
    expect(opsOf((t) => flip(t, [0, 2]), x)).toEqual(["slice"]);
    const g = grad((t: Tensor) => sum(mul(flip(t, 0), tensor([1, 2, 3]))))(tensor([0, 0, 0]));
    expect(g.toArray()).toEqual([3, 2, 1]);
  });
  it("errors", () => {
    expect(() => flip(x, [0, 0])).toThrow(/^flip: axis 0 repeated in \[0, 0\]/);
    expect(() => flip(x, undefined as never)).toThrow(/^flip: argument axes is missing/);
    expect(() => fliplr(tensor([1, 2]))).toThrow(new ShapeError("fliplr", "x must have at least 2 axes; got shape [2]"));
    expect(() => flipud(tensor(1))).toThrow(/^flipud: x must have at least 1 axis/);
  });
});

describe("roll", () => {
  const x = tensor([1, 2, 3, 4, 5, 6, 7, 8]).reshape(4, 2);
  it("PyTorch's examples", () => {
    expect(nested(roll(x, 1))).toEqual([[8, 1], [2, 3], [4, 5], [6, 7]]);
    expect(nested(roll(x, 1, 0))).toEqual([[7, 8], [1, 2], [3, 4], [5, 6]]);
    expect(nested(roll(x, -1, 0))).toEqual([[3, 4], [5, 6], [7, 8], [1, 2]]);
    expect(nested(roll(x, [2, 1], [0, 1]))).toEqual([[6, 5], [8, 7], [2, 1], [4, 3]]);
  });
  it("shifts wrap modulo the size; an axis listed twice is shifted twice; empty axes are fine", () => {
    expect(nested(roll(x, 9, 0))).toEqual(nested(roll(x, 1, 0)));
    expect(nested(roll(x, [1, 1], [0, -2]))).toEqual(nested(roll(x, 2, 0)));
    expect(nested(x.roll(4, 0))).toEqual(nested(x));
    expect(roll(zeros([0, 3]), 2, 0).shape).toEqual([0, 3]);
    expect(nested(roll(tensor(3), 5))).toBe(3);
  });
  it("one take for several axes; the gradient is the cotangent rolled back", () => {
    expect(opsOf((t) => roll(t, [1, 1], [0, 1]), x).filter((o) => o !== "reshape")).toEqual(["take"]);
    const g = grad((t: Tensor) => sum(mul(roll(t, 1), tensor([1, 2, 3]))))(tensor([0, 0, 0]));
    expect(g.toArray()).toEqual([2, 3, 1]);
  });
  it("errors", () => {
    expect(() => roll(x, [1, 2])).toThrow(/^roll: shifts \[1, 2\] has 2 entries; without axes, roll takes one shift/);
    expect(() => roll(x, [1], [0, 1])).toThrow(/^roll: shifts \[1\] and axes \[0, 1\] must have the same number of entries/);
    expect(() => roll(x, 0.5)).toThrow(/^roll: argument shifts must be an integer; got the number 0.5/);
    expect(() => roll(x, 1, 2)).toThrow(/^roll: axis 2 is out of range/);
  });
});

describe("pad", () => {
  const x = arange(1, 7).reshape(2, 3);
  it("last axis first, as torch.nn.functional.pad; constant with a value; negative pads crop", () => {
    expect(nested(pad(tensor([1, 2]), [1, 2]))).toEqual([0, 1, 2, 0, 0]);
    expect(nested(pad(x, [1, 0, 0, 1], { value: -1 }))).toEqual([[-1, 1, 2, 3], [-1, 4, 5, 6], [-1, -1, -1, -1]]);
    expect(nested(pad(x, [-1, 1], "constant", 9))).toEqual([[2, 3, 9], [5, 6, 9]]);
    expect(pad(zeros([2, 3, 4]), [1, 1]).shape).toEqual([2, 3, 6]);
    expect(nested(pad(zeros([0]), [1, 1], { value: NaN }))).toEqual([NaN, NaN]);
  });
  it("reflect / replicate / circular agree with np.pad reflect / edge / wrap", () => {
    expect(nested(pad(x, [2, 1, 1, 1], "reflect"))).toEqual([[6, 5, 4, 5, 6, 5], [3, 2, 1, 2, 3, 2], [6, 5, 4, 5, 6, 5], [3, 2, 1, 2, 3, 2]]);
    expect(nested(pad(x, [3, 2, 1, 1], { mode: "replicate" }))).toEqual([[1, 1, 1, 1, 2, 3, 3, 3], [1, 1, 1, 1, 2, 3, 3, 3], [4, 4, 4, 4, 5, 6, 6, 6], [4, 4, 4, 4, 5, 6, 6, 6]]);
    expect(nested(pad(x, [3, 1, 2, 1], "circular"))).toEqual([[1, 2, 3, 1, 2, 3, 1], [4, 5, 6, 4, 5, 6, 4], [1, 2, 3, 1, 2, 3, 1], [4, 5, 6, 4, 5, 6, 4], [1, 2, 3, 1, 2, 3, 1]]);
    // any number of trailing axes of any rank (PyTorch restricts these modes to the last 1–3 axes of an (N, C, …) input)
    expect(pad(zeros([2, 3]), [1, 1], "reflect").shape).toEqual([2, 5]);
  });
  it("the gradient of a reflected border entry is added to the entry it copies (one take, one scatter-add)", () => {
    const g = grad((t: Tensor) => sum(pad(t, [2, 2], "reflect")))(tensor([1, 2, 3, 4, 5]));
    expect(g.toArray()).toEqual([1, 2, 3, 2, 1]);
    const gc = grad((t: Tensor) => sum(pad(t, [2, 1], { value: 5 })))(tensor([1, 2]));
    expect(gc.toArray()).toEqual([1, 1]);
    expect(opsOf((t) => pad(t, [2, 2, 1, 1], "reflect"), zeros([3, 4, 5])).filter((o) => o !== "reshape")).toEqual(["take"]);
    const { tangent } = jvp((t: Tensor) => pad(t, [1, 1], "replicate"), [tensor([1, 2])], [tensor([10, 20])]);
    expect(tangent.toArray()).toEqual([10, 10, 20, 20]);
  });
  it("errors", () => {
    expect(() => pad(x, [3, 0], "reflect")).toThrow(new ArgumentError("pad", 'mode "reflect" needs each padding < the axis size; got padding (3, 0) for axis 1 of size 3 (shape [2, 3])'));
    expect(() => pad(x, [4, 0], "circular")).toThrow(/^pad: mode "circular" needs each padding ≤ the axis size/);
    expect(() => pad(zeros([0, 2]), [0, 0, 1, 0], "replicate")).toThrow(/^pad: mode "replicate" cannot pad the empty axis 0/);
    expect(() => pad(x, [1, 1], { mode: "reflect", value: 1 })).toThrow(/^pad: mode "reflect" takes no value/);
    expect(() => pad(x, [1])).toThrow(/^pad: padding \[1\] must have an even number of entries/);
    expect(() => pad(x, [0, 0, 0, 0, 1, 1])).toThrow(/^pad: padding \[0, 0, 0, 0, 1, 1\] pads 3 axes; x has 2/);
    expect(() => pad(x, [1.5, 0])).toThrow(/^pad: padding\[0\] must be an integer; got the number 1.5/);
    expect(() => pad(x, [-3, -1])).toThrow(/^pad: padding \(-3, -1\) of axis 1 \(size 3, shape \[2, 3\]\) gives a negative size -1/);
    expect(() => pad(x, [1, 1], "edge" as never)).toThrow(/^pad: mode must be one of "constant", "reflect", "replicate", "circular"; got the string "edge"/);
    expect(() => pad(x, [1, 1], { mod: "reflect" } as never)).toThrow(/^pad: unknown option "mod"; did you mean "mode"\?/);
  });
});

describe("meshgrid", () => {
  const x = tensor([1, 2, 3]), y = tensor([4, 5, 6]);
  it("PyTorch's example (indexing 'ij', the default)", () => {
    const [gx, gy] = meshgrid(x, y);
    expect(nested(gx)).toEqual([[1, 1, 1], [2, 2, 2], [3, 3, 3]]);
    expect(nested(gy)).toEqual([[4, 5, 6], [4, 5, 6], [4, 5, 6]]);
  });
  it("'xy' swaps the first two axes (NumPy's default); 0-d inputs are size 1", () => {
    const [a, b, c] = meshgrid(tensor([1, 2]), tensor([3, 4, 5]), tensor(7), { indexing: "xy" });
    expect([a.shape, b.shape, c.shape]).toEqual([[3, 2, 1], [3, 2, 1], [3, 2, 1]]);
    expect(a.reshape(3, 2).toNested()).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(meshgrid(x).map(nested)).toEqual([[1, 2, 3]]);
  });
  it("the gradient of an input sums its grid over the other axes", () => {
    const g = grad((t: Tensor) => sum(meshgrid(t, tensor([1, 1, 1, 1]))[0]))(x);
    expect(g.toArray()).toEqual([4, 4, 4]);
  });
  it("errors", () => {
    expect(() => meshgrid()).toThrow(/^meshgrid: needs at least one tensor/);
    expect(() => meshgrid(x, zeros([2, 2]))).toThrow(/^meshgrid: xs\[1\] must be 0-d or 1-d; got shape \[2, 2\]/);
    expect(() => meshgrid(x, { indexing: "ij", axis: 0 } as never)).toThrow(/^meshgrid: unknown option "axis"/);
  });
});

describe("blockDiag", () => {
  it("PyTorch's example: 2-d, 0-d, 1-d (a row) and column blocks (= scipy.linalg.block_diag)", () => {
    const A = tensor([[0, 1], [1, 0]]), B = tensor([[3, 4, 5], [6, 7, 8]]), C = tensor(7), D = tensor([1, 2, 3]), E = tensor([[4], [5], [6]]);
    expect(nested(blockDiag(A, B, C, D, E))).toEqual([
      [0, 1, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 3, 4, 5, 0, 0, 0, 0, 0], [0, 0, 6, 7, 8, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 7, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1, 2, 3, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 4], [0, 0, 0, 0, 0, 0, 0, 0, 0, 5],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 6],
    ]);
  });
  it("no blocks gives [1, 0] (PyTorch); empty blocks add rows or columns", () => {
    expect(blockDiag().shape).toEqual([1, 0]);
    expect(blockDiag(zeros([0, 2]), tensor([[1]])).toNested()).toEqual([[0, 0, 1]]);
  });
  it("gradient: each block gets its own cotangent block", () => {
    const g = grad((a: Tensor) => sum(mul(blockDiag(a, tensor([[1]])), arange(9).reshape(3, 3))))(zeros([2, 2]));
    expect(nested(g)).toEqual([[0, 1], [3, 4]]);
  });
  it("errors", () => {
    expect(() => blockDiag(zeros([1, 1, 1]))).toThrow(/^blockDiag: mats\[0\] must have at most 2 axes/);
  });
});

describe("vander", () => {
  const x = tensor([1, 2, 3, 5]);
  it("PyTorch's examples: decreasing powers by default, N columns, increasing", () => {
    expect(nested(vander(x))).toEqual([[1, 1, 1, 1], [8, 4, 2, 1], [27, 9, 3, 1], [125, 25, 5, 1]]);
    expect(nested(vander(x, 3))).toEqual([[1, 1, 1], [4, 2, 1], [9, 3, 1], [25, 5, 1]]);
    expect(nested(vander(x, 3, true))).toEqual([[1, 1, 1], [1, 2, 4], [1, 3, 9], [1, 5, 25]]);
    expect(nested(vander(x, { N: 3, increasing: true }))).toEqual([[1, 1, 1], [1, 2, 4], [1, 3, 9], [1, 5, 25]]);
    expect(vander(x, 0).shape).toEqual([4, 0]);
    expect(vander(zeros([2, 3])).shape).toEqual([2, 3, 3]);
  });
  it("the derivative k·x^(k−1) is finite at 0 (products, not pow)", () => {
    const g = grad((t: Tensor) => sum(vander(t, 4)))(tensor([0, 1]));
    expect(g.toArray()).toEqual([1, 6]); // d/dx (x³ + x² + x + 1) = 3x² + 2x + 1
  });
  it("errors", () => {
    expect(() => vander(x, 1.5)).toThrow(/^vander: N must be an integer ≥ 0; got the number 1.5/);
    expect(() => vander(x, { N: 2 }, true)).toThrow(/^vander: argument increasing comes after a number N/);
    expect(() => vander(x, 2, 1 as never)).toThrow(/^vander: argument increasing must be true or false; got the number 1/);
    expect(() => vander(tensor(1))).toThrow(/^vander: x must have at least 1 axis/);
  });
});

describe("toeplitz / hankel / circulant (SciPy)", () => {
  it("SciPy's examples", () => {
    expect(nested(toeplitz(tensor([1, 2, 3]), tensor([1, 4, 5, 6])))).toEqual([[1, 4, 5, 6], [2, 1, 4, 5], [3, 2, 1, 4]]);
    expect(nested(toeplitz(tensor([1, 2, 3])))).toEqual([[1, 2, 3], [2, 1, 2], [3, 2, 1]]);
    expect(nested(hankel(tensor([1, 17, 99])))).toEqual([[1, 17, 99], [17, 99, 0], [99, 0, 0]]);
    expect(nested(hankel(tensor([1, 2, 3, 4]), tensor([4, 7, 7, 8, 9])))).toEqual([[1, 2, 3, 4, 7], [2, 3, 4, 7, 7], [3, 4, 7, 7, 8], [4, 7, 7, 8, 9]]);
    expect(nested(circulant(tensor([1, 2, 3])))).toEqual([[1, 3, 2], [2, 1, 3], [3, 2, 1]]);
  });
  it("r[0] is ignored (the corner is c's entry); 0-d arguments are one entry; empty ones give empty matrices", () => {
    expect(nested(toeplitz(tensor([1, 2]), tensor([99, 3])))).toEqual([[1, 3], [2, 1]]);
    expect(nested(hankel(tensor([1, 2]), tensor([99, 3])))).toEqual([[1, 2], [2, 3]]);
    expect(nested(toeplitz(tensor(4)))).toEqual([[4]]);
    expect(toeplitz(zeros([0]), tensor([1, 2])).shape).toEqual([0, 2]);
    expect(hankel(tensor([1, 2]), zeros([0])).shape).toEqual([2, 0]);
    expect(circulant(zeros([0])).shape).toEqual([0, 0]);
  });
  it("leading axes are batch axes and broadcast (SciPy ≥ 1.17's toeplitz / circulant)", () => {
    expect(toeplitz(zeros([2, 3]), zeros([4])).shape).toEqual([2, 3, 4]);
    expect(toeplitz(zeros([2, 1, 3]), zeros([5, 2])).shape).toEqual([2, 5, 3, 2]);
    const C = circulant(tensor([[1, 2], [3, 4]]));
    expect(nested(C)).toEqual([[[1, 2], [2, 1]], [[3, 4], [4, 3]]]);
  });
  it("the gradient of a generator entry sums the cotangent over its diagonal", () => {
    expect(grad((c: Tensor) => sum(toeplitz(c)))(tensor([1, 2, 3])).toArray()).toEqual([3, 4, 2]);
    const [gc, gr] = [0, 1].map((i) => grad((c: Tensor, r: Tensor) => sum(toeplitz(c, r)), { argnums: i })(tensor([1, 2, 3]), tensor([0, 1, 2, 3])));
    expect(gc.toArray()).toEqual([3, 2, 1]);
    expect(gr.toArray()).toEqual([0, 3, 2, 1]);
    expect(grad((c: Tensor) => sum(hankel(c)))(tensor([1, 2, 3])).toArray()).toEqual([1, 2, 3]);
    expect(grad((c: Tensor) => sum(circulant(c)))(tensor([1, 2, 3])).toArray()).toEqual([3, 3, 3]);
    expect(opsOf((c) => toeplitz(c), tensor([1, 2, 3])).filter((o) => o !== "reshape")).toEqual(["slice", "concat", "take"]);
  });
  it("errors", () => {
    expect(() => toeplitz(zeros([2, 3]), zeros([3, 2]))).toThrow(/^toeplitz: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => hankel("c" as never)).toThrow(/^hankel: argument c must be/);
  });
});

describe("under vmap: the same as one call per example (the ops are composites of batched primitives)", () => {
  const X = randn([3, 4, 5], { seed: 7 });
  const C = randn([3, 4], { seed: 8 });
  const perExample = (f: (x: Tensor) => Tensor | Tensor[], xs: Tensor): Tensor[] => unbind(xs, 0).map((x) => {
    const r = f(x);
    return Array.isArray(r) ? stack(r, 0) : r;
  });
  const cases: [string, (x: Tensor) => Tensor | Tensor[], Tensor][] = [
    ["unbind", (x) => unbind(x, -1), X],
    ["movedim", (x) => movedim(x, 0, -1), X],
    ["repeat", (x) => repeat(x, 2, 1, 3), X],
    ["tile", (x) => tile(x, [2]), X],
    ["repeatInterleave", (x) => repeatInterleave(x, [1, 0, 2, 1], 0), X],
    ["repeatInterleave (flattened)", (x) => repeatInterleave(x, 2), X],
    ["flip", (x) => flip(x, [0, 1]), X],
    ["roll", (x) => roll(x, [1, -2], [0, 1]), X],
    ["roll (flattened)", (x) => roll(x, 3), X],
    ["pad constant", (x) => pad(x, [1, -1, 2, 0], { value: 3 }), X],
    ["pad reflect", (x) => pad(x, [2, 1, 1, 2], "reflect"), X],
    ["pad circular", (x) => pad(x, [2, 1], "circular"), X],
    ["meshgrid", (c) => meshgrid(c, tensor([1, 2]), { indexing: "xy" }), C],
    ["blockDiag", (x) => blockDiag(x, tensor([[1]])), X],
    ["vander", (c) => vander(c, 3), C],
    ["toeplitz", (c) => toeplitz(c, tensor([0, 5, 6])), C],
    ["hankel", (c) => hankel(c), C],
    ["circulant", (c) => circulant(c), C],
  ];
  for (const [name, f, xs] of cases)
    it(name, () => {
      const out = vmap((x: Tensor) => {
        const r = f(x);
        return Array.isArray(r) ? stack(r, 0) : r;
      })(xs);
      expect(out.toNested()).toEqual(stack(perExample(f, xs), 0).toNested());
    });
  it("gradients through vmap (per-example gradients of a reflect pad)", () => {
    const g = vmap(grad((x: Tensor) => sum(pad(x, [1, 1], "reflect"))))(tensor([[1, 2, 3], [4, 5, 6]]));
    expect(g.toNested()).toEqual([[1, 3, 1], [1, 3, 1]]);
  });
});
