/**
 * OpInfo entries of indexing with index tensors and masks: gather, scatter
 * (overwrite; sum, prod, mean, amax, amin with and without x's own value), scatterAdd, indexSelect, indexAdd, index
 * (advanced indexing), maskedFill, maskedSelect, and take with an index
 * tensor. Index and mask inputs are listed in `nondiff`. The references are
 * written from the definitions (PyTorch's docs: out[i][j][k] =
 * x[i][index[i][j][k]][k] and its scatter mirror) with multi-index loops,
 * independently of the kernels they check; small cases are hand-checked.
 */
import { Tensor } from "../../tensor/tensor.js";
import { randn, tensor } from "../../tensor/create.js";
import { add, mul, take } from "../../ops/api.js";
import {
  gather, scatter, scatterAdd, indexSelect, indexAdd, index, maskedFill, maskedSelect, type ScatterOptions,
} from "../../ops/indexing.js";
import { ArgumentError, ShapeError } from "../../errors.js";
import type { OpInfo, Sample } from "../opinfo.js";

let seed = 16000;
/** Seeded standard-normal sample (an own seed sequence: other tables' samples stay as they were). */
const rn = (shape: number[]): Tensor => randn(shape, { seed: seed++ });

/** Every multi-index of a shape, row-major. */
function* positionsOf(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((p, d) => p * d, 1);
  const pos = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    yield pos.slice();
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
}

const offsetOf = (shape: readonly number[], pos: readonly number[]): number => pos.reduce((o, p, d) => o * shape[d] + p, 0);
const wrap = (i: number, n: number): number => (i < 0 ? i + n : i);

/** The definition of gather: out[pos] = x[pos with pos[axis] replaced by index[pos]]. */
export function refGather(x: Tensor, axis: number, idx: Tensor): Tensor {
  const xs = x.ndim === 0 ? [1] : x.shape, is = idx.ndim === 0 ? [1] : idx.shape;
  const a = axis < 0 ? axis + xs.length : axis;
  const out = new Float64Array(idx.size);
  for (const pos of positionsOf(is)) {
    const src = pos.slice();
    src[a] = wrap(idx.data[offsetOf(is, pos)], xs[a]);
    out[offsetOf(is, pos)] = x.data[offsetOf(xs, src)];
  }
  return new Tensor(out, idx.shape);
}

/** The reductions of the reference scatter. */
type RefReduce = "sum" | "prod" | "mean" | "amax" | "amin";

/**
 * The definition of scatter: a copy of x, then src[pos] combined into x[pos with pos[axis] = index[pos]]
 * in row-major order; without x's own value (includeSelf false) a position's first write replaces it.
 */
export function refScatter(x: Tensor, axis: number, idx: Tensor, src: Tensor, reduce?: RefReduce, includeSelf = true): Tensor {
  const xs = x.ndim === 0 ? [1] : x.shape, is = idx.ndim === 0 ? [1] : idx.shape, ss = src.ndim === 0 ? [1] : src.shape;
  const a = axis < 0 ? axis + xs.length : axis;
  const out = Float64Array.from(x.data);
  const count = new Float64Array(x.size).fill(1);
  const written = new Uint8Array(x.size);
  for (const pos of positionsOf(is)) {
    const dst = pos.slice();
    dst[a] = wrap(idx.data[offsetOf(is, pos)], xs[a]);
    const q = offsetOf(xs, dst), v = src.data[offsetOf(ss, pos)];
    if (!includeSelf && reduce !== undefined && written[q] === 0) {
      written[q] = 1;
      out[q] = v;
      count[q] = 1;
      continue;
    }
    if (reduce === undefined) out[q] = v;
    else if (reduce === "sum" || reduce === "mean") { out[q] += v; count[q]++; }
    else if (reduce === "prod") out[q] *= v;
    else if (reduce === "amax") out[q] = Math.max(out[q], v);
    else out[q] = Math.min(out[q], v);
  }
  if (reduce === "mean") for (let q = 0; q < out.length; q++) out[q] /= count[q];
  return new Tensor(out, x.shape);
}

const gatherInfo = (axis: number, samples: () => Sample[]): OpInfo => ({
  name: `gather (axis ${axis})`,
  fn: (x, idx) => gather(x, axis, idx),
  nondiff: [1],
  samples,
  errors: [
    { name: "fractional index", inputs: () => [rn([2, 3]), tensor([[0.5], [1]])], error: ArgumentError, message: /^gather: argument index holds 0\.5 at \[0, 0\], which is not an integer for axis \d of size \d/ },
    { name: "index out of range", inputs: () => [rn([2, 3]), tensor([[0], [-4]])], error: ArgumentError, message: /^gather: argument index holds -4 at \[1, 0\], which is out of range/ },
    { name: "index of another rank", inputs: () => [rn([2, 3]), tensor([0, 1])], error: ShapeError, message: /^gather: argument index must have as many axes as x: index shape \[2\], x shape \[2, 3\]/ },
  ],
});

const scatterInfo = (label: string, run: (x: Tensor, idx: Tensor, src: Tensor) => Tensor, reduce: RefReduce | undefined, extraSamples: () => Sample[] = () => [], includeSelf = true): OpInfo => ({
  name: label,
  fn: run,
  nondiff: [1],
  samples: () => [
    ...extraSamples(),
    // distinct targets per column except where noted; the values are random, so there are no ties for amax / amin
    { name: "3-D, axis 1, repeated and negative indices", inputs: [rn([2, 3, 4]), tensor([[[0, 2, -1, 1], [2, 2, 0, 1]], [[1, 0, 0, 2], [-3, 1, 2, 2]]]), rn([2, 2, 4])], expected: (x, i, s) => refScatter(x, 1, i, s, reduce, includeSelf) },
    { name: "src larger than index", inputs: [rn([3, 4]), tensor([[1, 0], [2, 1]]), rn([3, 5])], expected: (x, i, s) => refScatter(x, 1, i, s, reduce, includeSelf) },
    { name: "empty index", inputs: [rn([2, 3]), new Tensor(new Float64Array(0), [2, 0]), new Tensor(new Float64Array(0), [2, 0])], expected: (x) => x },
  ],
  errors: [
    { name: "index out of range", inputs: () => [rn([2, 3]), tensor([[3]]), rn([1, 1])], error: ArgumentError, message: new RegExp(`^${label.split(" ")[0]}: argument index holds 3 at \\[0, 0\\], which is out of range for axis 1 of size 3`) },
    { name: "src smaller than index", inputs: () => [rn([2, 3]), tensor([[0, 1]]), rn([1, 1])], error: ShapeError, message: new RegExp(`^${label.split(" ")[0]}: argument src has 1 entries along axis 1, fewer than index's 2`) },
  ],
});

const withReduce = (reduce: ScatterOptions["reduce"], includeSelf?: boolean) => (x: Tensor, i: Tensor, s: Tensor): Tensor =>
  scatter(x, 1, i, s, reduce === undefined ? undefined : includeSelf === undefined ? { reduce } : { reduce, includeSelf });

/**
 * Products with zeros, x [2, 4] and 6 sources per row along axis 1. Row 0: position 0 gets x = 0 and
 * one zero source (two zeros), position 1 one zero source (x ≠ 0), position 2 no zero, position 3
 * nothing. Row 1: position 1 gets three zero factors (x and two sources), position 2 a zero x only.
 * Values away from ties: a product is multilinear, so central differences are exact up to rounding
 * even across the zeros.
 */
const prodZeros = (): Sample => ({
  name: "zeros: one, two and three per position",
  inputs: [
    tensor([[0, 1.5, -0.7, 2], [1.2, 0, 0, -0.4]]),
    tensor([[0, 1, 2, 0, 2, 1], [1, 1, 0, 1, 2, 0]]),
    tensor([[0, 0.8, 1.3, -1.1, 0.6, 0], [0, 0.9, -1.4, 0, 0.5, 1.7]]),
  ],
  expected: (x, i, s) => refScatter(x, 1, i, s, "prod"),
});

/** The OpInfo entries of indexing with index tensors and masks. */
export const indexingOpInfos: OpInfo[] = [
  gatherInfo(1, () => [
    // PyTorch's documentation example
    { name: "hand-checked (PyTorch's example)", inputs: [tensor([[1, 2], [3, 4]]), tensor([[0, 0], [1, 0]])], expected: [[1, 1], [4, 3]] },
    { name: "3-D with repeats and negative indices", inputs: [rn([2, 3, 4]), tensor([[[0, 2, -1, 1], [2, 2, 0, 1], [1, 1, 1, 1]], [[1, 0, 0, 2], [-3, 1, 2, 2], [0, 0, 0, 0]]])], expected: (x, i) => refGather(x, 1, i) },
    { name: "index smaller than x on other axes", inputs: [rn([3, 5]), tensor([[4, 0, 4], [1, 2, 3]])], expected: (x, i) => refGather(x, 1, i) },
    { name: "empty index", inputs: [rn([2, 3]), new Tensor(new Float64Array(0), [2, 0])], expected: new Tensor(new Float64Array(0), [2, 0]) },
  ]),
  gatherInfo(0, () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1, 0, 1], [1, 1, 0], [0, 0, 0]])], expected: [[4, 2, 6], [4, 5, 3], [1, 2, 3]] },
    { name: "batched 4×2×3 along axis 0", inputs: [rn([4, 2, 3]), tensor([[[3, 0, 1], [2, 2, -1]], [[0, 0, 0], [1, 3, 2]]])], expected: (x, i) => refGather(x, 0, i) },
    { name: "0-d", inputs: [rn([]), tensor(0)], expected: (x) => x },
  ]),
  scatterInfo("scatterAdd (axis 1)", (x, i, s) => scatterAdd(x, 1, i, s), "sum", () => [
    { name: "hand-checked (repeats accumulate)", inputs: [tensor([[1, 2, 3], [4, 5, 6]]), tensor([[0, 0, 2], [1, 1, 1]]), tensor([[10, 20, 30], [40, 50, 60]])], expected: [[31, 2, 33], [4, 155, 6]] },
  ]),
  scatterInfo("scatter (axis 1, overwrite)", withReduce(undefined), undefined, () => [
    // repeated targets: the last write wins (x[0][0] ← 20, x[1][1] ← 60)
    { name: "hand-checked (last write wins)", inputs: [tensor([[1, 2, 3], [4, 5, 6]]), tensor([[0, 0, 2], [1, 1, 1]]), tensor([[10, 20, 30], [40, 50, 60]])], expected: [[20, 2, 30], [4, 60, 6]] },
  ]),
  scatterInfo("scatter (axis 1, reduce prod)", withReduce("prod"), "prod", () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3]]), tensor([[0, 0, 2]]), tensor([[10, -2, 0.5]])], expected: [[-20, 2, 1.5]] },
    prodZeros(),
  ]),
  scatterInfo("scatter (axis 1, reduce prod, includeSelf false)", withReduce("prod", false), "prod", () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3]]), tensor([[0, 0, 2]]), tensor([[10, -2, 0.5]])], expected: [[-20, 2, 0.5]] },
    { ...prodZeros(), expected: (x, i, s) => refScatter(x, 1, i, s, "prod", false) },
  ], false),
  scatterInfo("scatter (axis 1, reduce sum, includeSelf false)", withReduce("sum", false), "sum", () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3]]), tensor([[0, 0, 2]]), tensor([[10, -2, 0.5]])], expected: [[8, 2, 0.5]] },
  ], false),
  scatterInfo("scatter (axis 1, reduce mean, includeSelf false)", withReduce("mean", false), "mean", () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3]]), tensor([[0, 0, 2]]), tensor([[10, -2, 0.5]])], expected: [[4, 2, 0.5]] },
  ], false),
  scatterInfo("scatter (axis 1, reduce amax, includeSelf false)", withReduce("amax", false), "amax", () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3]]), tensor([[0, 0, 2]]), tensor([[-10, -2, 0.5]])], expected: [[-2, 2, 0.5]] },
  ], false),
  scatterInfo("scatter (axis 1, reduce amin, includeSelf false)", withReduce("amin", false), "amin", () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3]]), tensor([[0, 0, 2]]), tensor([[10, -2, 5]])], expected: [[-2, 2, 5]] },
  ], false),
  scatterInfo("scatter (axis 1, reduce mean)", withReduce("mean"), "mean", () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3]]), tensor([[0, 0, 2]]), tensor([[10, 20, 30]])], expected: [[31 / 3, 2, 16.5]] },
  ]),
  scatterInfo("scatter (axis 1, reduce amax)", withReduce("amax"), "amax", () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3]]), tensor([[0, 0, 2]]), tensor([[10, -20, -30]])], expected: [[10, 2, 3]] },
  ]),
  scatterInfo("scatter (axis 1, reduce amin)", withReduce("amin"), "amin", () => [
    { name: "hand-checked", inputs: [tensor([[1, 2, 3]]), tensor([[0, 0, 2]]), tensor([[10, -20, -30]])], expected: [[-20, 2, -30]] },
  ]),
  {
    name: "scatterAdd (axis 0, 1-D and 0-d)",
    fn: (x, i, s) => scatterAdd(x, 0, i, s),
    nondiff: [1],
    samples: () => [
      { name: "1-D with repeats", inputs: [rn([4]), tensor([3, -1, 0, 3, 1]), rn([5])], expected: (x, i, s) => refScatter(x, 0, i, s, "sum") },
      { name: "0-d", inputs: [rn([]), tensor(0), rn([])], expected: (x, i, s) => refScatter(x, 0, i, s, "sum") },
    ],
  },
  {
    name: "scatter (axis 0, 1-D and 0-d, overwrite)",
    fn: (x, i, s) => scatter(x, 0, i, s),
    nondiff: [1],
    samples: () => [
      { name: "1-D with repeats", inputs: [rn([4]), tensor([3, -1, 0, 3, 1]), rn([5])], expected: (x, i, s) => refScatter(x, 0, i, s) },
      { name: "0-d", inputs: [rn([]), tensor(0), rn([])], expected: (x, i, s) => refScatter(x, 0, i, s) },
    ],
  },
  {
    name: "indexSelect (axis 1)",
    fn: (x, i) => indexSelect(x, 1, i),
    nondiff: [1],
    samples: () => [
      { name: "hand-checked (repeats, negative)", inputs: [tensor([[1, 2, 3], [4, 5, 6]]), tensor([2, -3, 2])], expected: [[3, 1, 3], [6, 4, 6]] },
      { name: "batched 2×4×3", inputs: [rn([2, 4, 3]), tensor([3, 0])], expected: (x) => refGather(x, 1, tensor([[[3, 3, 3], [0, 0, 0]], [[3, 3, 3], [0, 0, 0]]])) },
      { name: "empty index", inputs: [rn([2, 3]), new Tensor(new Float64Array(0), [0])], expected: new Tensor(new Float64Array(0), [2, 0]) },
    ],
    errors: [
      { name: "index out of range", inputs: () => [rn([2, 3]), tensor([3])], error: ArgumentError, message: /^indexSelect: argument index holds 3 at position 0, which is out of range for axis 1 of size 3/ },
      { name: "2-D index", inputs: () => [rn([2, 3]), tensor([[0]])], error: ShapeError, message: /^indexSelect: argument index must be a list of indices \(0-d or 1-D\); got shape \[1, 1\]/ },
    ],
  },
  {
    name: "indexAdd (axis 0, alpha 2)",
    fn: (x, i, s) => indexAdd(x, 0, i, s, { alpha: 2 }),
    nondiff: [1],
    samples: () => [
      { name: "hand-checked (repeats accumulate)", inputs: [tensor([[1, 1], [1, 1], [1, 1]]), tensor([0, 2, 0]), tensor([[1, 2], [3, 4], [5, 6]])], expected: [[13, 17], [1, 1], [7, 9]] },
      { name: "batched 3×2×2", inputs: [rn([3, 2, 2]), tensor([-1, 1]), rn([2, 2, 2])] },
      { name: "0-d", inputs: [rn([]), tensor([0]), rn([])], expected: (x, _i, s) => add(x, mul(s, 2)) },
    ],
    errors: [
      { name: "source of the wrong shape", inputs: () => [rn([3, 2]), tensor([0, 1]), rn([3, 2])], error: ShapeError, message: /^indexAdd: argument source must have shape \[2, 2\]/ },
    ],
  },
  {
    name: "index (adjacent index arrays)",
    fn: (x) => index(x, null, [2, 0, 2], [-1, 1, 1]),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[[0, 1], [2, 3], [4, 5]]])], expected: [[5, 1, 5]] },
      { name: "3×4×2", inputs: [rn([3, 4, 2])], expected: (x) => new Tensor(Float64Array.from([0, 1, 2].flatMap((i) => [[2, 1], [0, 1], [2, 1]].map(([j, k]) => x.data[i * 8 + j * 2 + k]))), [3, 3]) },
    ],
    errors: [
      { name: "index out of range", inputs: () => [rn([2, 2, 2])], error: ArgumentError, message: /^index: argument specs\[1\] holds 2 at position 0, which is out of range for axis 1 of size/ },
    ],
  },
  {
    name: "index (separated index arrays: result axes first)",
    fn: (x) => index(x, [[1], [0]], { start: 1 }, [0, 2]),
    samples: () => [
      // out[b0, b1, r] = x[i0[b0], 1 + r, i2[b1]]
      { name: "2×3×3", inputs: [rn([2, 3, 3])], expected: (x) => new Tensor(Float64Array.from([1, 0].flatMap((i) => [0, 2].flatMap((k) => [1, 2].map((j) => x.data[i * 9 + j * 3 + k])))), [2, 2, 2]) },
    ],
  },
  {
    name: "index (mask, integer and slice)",
    fn: (x) => index(x, 1, { mask: tensor([[1, 0, 1], [0, 0, 1]]) }),
    samples: () => [
      { name: "2×2×3", inputs: [rn([2, 2, 3])], expected: (x) => new Tensor(Float64Array.from([[0, 0], [0, 2], [1, 2]].map(([j, k]) => x.data[6 + j * 3 + k])), [3]) },
    ],
    errors: [
      { name: "mask of the wrong shape", inputs: () => [rn([2, 3, 3])], error: ShapeError, message: /^index: argument specs\[1\] is a mask of shape \[2, 3\], which does not match x's axes 1…2 of shape \[3, 3\]/ },
    ],
  },
  {
    name: "maskedFill",
    fn: (x, m, v) => maskedFill(x, m, v),
    nondiff: [1],
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 1]]), tensor(-1)], expected: [[-1, 2], [3, -1]] },
      { name: "broadcast row mask 3×4", inputs: [rn([3, 4]), tensor([0, 1, 1, 0]), rn([])] },
      { name: "empty", inputs: [rn([0, 2]), tensor([1, 0]), rn([])], expected: new Tensor(new Float64Array(0), [0, 2]) },
    ],
    errors: [
      { name: "mask that is not 0/1", inputs: () => [rn([2]), tensor([0, 2]), tensor(1)], error: ArgumentError, message: /^maskedFill: argument mask must hold 0 and 1 only .*got 2 at flat position 1/ },
      { name: "mask that does not broadcast to x", inputs: () => [rn([2]), tensor([[0, 1]]), tensor(1)], error: ShapeError, message: /^maskedFill: argument mask of shape \[1, 2\] does not broadcast to x's shape \[2\]/ },
    ],
  },
  {
    name: "maskedSelect",
    fn: (x, m) => maskedSelect(x, m),
    nondiff: [1],
    // the result's length is the mask's count of ones: a mask batched under vmap cannot decide it
    unmappable: [1],
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]]), tensor([[1, 0], [1, 1]])], expected: [1, 3, 4] },
      { name: "broadcast mask over rows 3×4", inputs: [rn([3, 4]), tensor([1, 0, 0, 1])], expected: (x) => new Tensor(Float64Array.from([0, 1, 2].flatMap((i) => [x.data[i * 4], x.data[i * 4 + 3]])), [6]) },
      { name: "x broadcast against the mask", inputs: [rn([3]), tensor([[1, 1, 0], [0, 1, 1]])], expected: (x) => new Tensor(Float64Array.from([x.data[0], x.data[1], x.data[1], x.data[2]]), [4]) },
      { name: "nothing selected", inputs: [rn([2, 2]), tensor([[0, 0], [0, 0]])], expected: new Tensor(new Float64Array(0), [0]) },
      { name: "0-d", inputs: [rn([]), tensor(1)], expected: (x) => new Tensor(Float64Array.of(x.data[0]), [1]) },
    ],
    errors: [
      { name: "shapes that do not broadcast", inputs: () => [rn([3]), tensor([1, 0])], error: ShapeError, message: /^maskedSelect: / },
    ],
  },
  {
    // issue 15 point 2: take with an index tensor (numpy.take along an axis)
    name: "take (index tensor)",
    fn: (x) => take(x, tensor([[2, 0], [-1, 2]]), 1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[[3, 1], [3, 3]], [[6, 4], [6, 6]]] },
      { name: "2×3×2", inputs: [rn([2, 3, 2])] },
    ],
    errors: [
      { name: "fractional index", inputs: () => [take(rn([2, 3]), tensor([0.5]), 1)], error: ArgumentError, message: /^take: argument indices holds 0\.5 at position 0, which is not an integer for axis 1 of size 3; expected integers in \[-3, 2\]/ },
      { name: "index out of range", inputs: () => [take(rn([2, 3]), tensor([[0], [-4]]), 1)], error: ArgumentError, message: /^take: argument indices holds -4 at position 1, which is out of range for axis 1 of size 3; expected integers in \[-3, 2\]/ },
    ],
  },
];
