/**
 * OpInfo entries of the order statistics: sort (values and indices), argsort,
 * topk, argmax / argmin, kthvalue, median, nanmedian, quantile (every
 * interpolation, q as a number and as a differentiable tensor), nanquantile.
 * References sort each lane with Array.prototype.sort and pick entries by the
 * definitions (PyTorch's), independently of the radix / merge kernels they
 * check. Samples hold distinct values (random normals), so that the
 * derivative is defined; ties and NaNs are tested in test/ops/sorting.test.ts.
 */
import { Tensor } from "../../tensor/tensor.js";
import { randn, tensor } from "../../tensor/create.js";
import { ArgumentError, ShapeError } from "../../errors.js";
import {
  argmax, argmin, argsort, kthvalue, median, nanmedian, nanquantile, quantile, sort, topk, type QuantileInterpolation,
} from "../../ops/sorting.js";
import type { OpInfo, Sample } from "../opinfo.js";

let seed = 16000;
/** Seeded standard-normal sample (an own seed sequence: other tables' samples stay as they were). */
const rn = (shape: number[]): Tensor => randn(shape, { seed: seed++ });

/**
 * A reference along `axis`: every lane (the entries with all other indices
 * fixed) mapped by `f` to m numbers, which replace the axis (m = 0: the axis is dropped).
 */
function alongRef(x: Tensor, axis: number, f: (lane: number[]) => number[], drop = false): Tensor {
  const shape = x.shape.length === 0 ? [1] : x.shape.slice();
  const a = axis < 0 ? axis + shape.length : axis;
  const outer = shape.slice(0, a).reduce((p, d) => p * d, 1), n = shape[a], inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const d = x.data;
  let m = -1;
  let out = new Float64Array(0);
  for (let o = 0; o < outer; o++)
    for (let c = 0; c < inner; c++) {
      const lane = Array.from({ length: n }, (_, i) => d[(o * n + i) * inner + c]);
      const r = f(lane);
      if (m < 0) {
        m = r.length;
        out = new Float64Array(outer * m * inner);
      }
      r.forEach((v, j) => (out[(o * m + j) * inner + c] = v));
    }
  if (m < 0) m = f(new Array<number>(n).fill(0)).length;
  const outShape = shape.slice();
  outShape[a] = m;
  if (drop) outShape.splice(a, 1);
  if (x.shape.length === 0 && !drop) outShape.splice(0, 1);
  return new Tensor(out.length === 0 ? new Float64Array(outShape.reduce((p, q) => p * q, 1)) : out, outShape);
}

/** Positions 0 … n−1 of a lane in ascending (or descending) order, stable (Array.prototype.sort is stable). */
const order = (lane: number[], desc = false): number[] =>
  lane.map((_, i) => i).sort((i, j) => (desc ? lane[j] - lane[i] : lane[i] - lane[j]));

/** PyTorch's quantile of a lane without NaNs: rank q·(n − 1) between the sorted neighbours. */
function quantileOfLane(lane: number[], q: number, interp: QuantileInterpolation): number {
  const s = lane.slice().sort((a, b) => a - b);
  let rank = q * (s.length - 1);
  if (interp === "lower") rank = Math.floor(rank);
  else if (interp === "higher") rank = Math.ceil(rank);
  else if (interp === "nearest") rank = Math.abs(rank % 1) === 0.5 ? 2 * Math.round(rank / 2) : Math.round(rank);
  const lo = s[Math.floor(rank)], hi = s[Math.ceil(rank)];
  if (interp === "midpoint") return lo + (hi - lo) * 0.5;
  const w = rank - Math.floor(rank);
  return w < 0.5 ? lo + w * (hi - lo) : hi - (hi - lo) * (1 - w);
}

/** Shapes every entry samples: 0-d, a vector, a matrix along each axis, a batch, an empty batch. */
function samplesAlong(fn: (shape: number[], axis: number) => Sample, axes: [number[], number][] = [[[], -1], [[7], 0], [[3, 5], -1], [[4, 3], 0], [[2, 3, 4], 1], [[0, 3], 1]]): () => Sample[] {
  return () => axes.map(([s, a]) => fn(s, a));
}

const sortInfo = (name: string, descending: boolean): OpInfo => ({
  name,
  fn: (x) => sort(x, { axis: -1, descending }).values,
  samples: () => [
    { name: "hand-checked", inputs: [tensor([3, -1, 2, 0.5])], expected: descending ? [3, 2, 0.5, -1] : [-1, 0.5, 2, 3] },
    ...samplesAlong((s) => ({ name: `shape [${s}]`, inputs: [rn(s)], expected: (x: Tensor) => alongRef(x, -1, (l) => order(l, descending).map((i) => l[i])) }))(),
  ],
});

const quantileInfo = (interp: QuantileInterpolation): OpInfo => ({
  name: `quantile (${interp})`,
  fn: (x) => quantile(x, 0.3, { axis: -1, interpolation: interp }),
  samples: samplesAlong((s) => ({
    name: `shape [${s}]`, inputs: [rn(s)], expected: (x: Tensor) => alongRef(x, -1, (l) => [quantileOfLane(l, 0.3, interp)], true),
  }), [[[], -1], [[7], 0], [[3, 5], -1], [[2, 3, 4], 1]]),
});

/** The order-statistics entries. */
export const sortingOpInfos: OpInfo[] = [
  sortInfo("sort", false),
  sortInfo("sort (descending)", true),
  {
    name: "sort along axis 0 (indices)",
    fn: (x) => sort(x, 0).indices,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[3, 1], [1, 2], [2, 0]])], expected: [[1, 2], [2, 0], [0, 1]] },
      { name: "3×4", inputs: [rn([3, 4])], expected: (x: Tensor) => alongRef(x, 0, (l) => order(l)) },
    ],
  },
  {
    name: "argsort (descending)",
    fn: (x) => argsort(x, { descending: true }),
    samples: samplesAlong((s) => ({ name: `shape [${s}]`, inputs: [rn(s)], expected: (x: Tensor) => alongRef(x, -1, (l) => order(l, true)) })),
  },
  {
    name: "topk",
    fn: (x) => topk(x, 2).values,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 5, 3, 4])], expected: [5, 4] },
      ...[[3], [3, 5], [2, 3, 4]].map((s) => ({
        name: `shape [${s}]`, inputs: [rn(s)], expected: (x: Tensor) => alongRef(x, -1, (l) => order(l, true).slice(0, 2).map((i) => l[i])),
      })),
    ],
    errors: [{ name: "k larger than the axis", inputs: () => [rn([2, 1])], error: ArgumentError, message: /^topk: argument k \(at most the size 1 of axis 1\) must be an integer in \[0, 1\]; got 2/ }],
  },
  {
    name: "topk (smallest, indices, axis 0)",
    fn: (x) => topk(x, 2, { axis: 0, largest: false }).indices,
    samples: () => [{ name: "4×3", inputs: [rn([4, 3])], expected: (x: Tensor) => alongRef(x, 0, (l) => order(l).slice(0, 2)) }],
  },
  {
    name: "argmax",
    fn: (x) => argmax(x, { axis: -1 }),
    samples: samplesAlong((s) => ({ name: `shape [${s}]`, inputs: [rn(s)], expected: (x: Tensor) => alongRef(x, -1, (l) => [order(l, true)[0]], true) }), [[[], -1], [[7], 0], [[3, 5], -1], [[2, 3, 4], 1], [[0, 3], 1]]),
    errors: [{ name: "an empty axis", inputs: () => [new Tensor(new Float64Array(0), [1, 0])], error: ShapeError, message: /^argmax: cannot reduce over axis 1 of size 0/ }],
  },
  {
    name: "argmax (flat)",
    fn: (x) => argmax(x),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 9], [8, 2]])], expected: tensor(1) },
      { name: "2×3×4", inputs: [rn([2, 3, 4])], expected: (x: Tensor) => tensor(order(Array.from(x.data), true)[0]) },
    ],
  },
  {
    name: "argmin (keepdims)",
    fn: (x) => argmin(x, { axis: 0, keepdims: true }),
    samples: () => [{ name: "4×3", inputs: [rn([4, 3])], expected: (x: Tensor) => alongRef(x, 0, (l) => [order(l)[0]]) }],
  },
  {
    name: "kthvalue",
    fn: (x) => kthvalue(x, 2).values,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([4, 1, 3])], expected: tensor(3) },
      ...[[5], [3, 4], [2, 3, 4]].map((s) => ({
        name: `shape [${s}]`, inputs: [rn(s)], expected: (x: Tensor) => alongRef(x, -1, (l) => [l[order(l)[1]]], true),
      })),
    ],
    errors: [{ name: "k beyond the axis", inputs: () => [rn([1])], error: ArgumentError, message: /^kthvalue: argument k \(1-based, at most the size 1 of axis 0\) must be an integer in \[1, 1\]; got 2/ }],
  },
  {
    name: "kthvalue (indices, keepdims, axis 0)",
    fn: (x) => kthvalue(x, 3, { axis: 0, keepdims: true }).indices,
    samples: () => [{ name: "4×3", inputs: [rn([4, 3])], expected: (x: Tensor) => alongRef(x, 0, (l) => [order(l)[2]]) }],
  },
  {
    name: "median",
    fn: (x) => median(x),
    samples: () => [
      // the lower median of 4 entries is the 2nd smallest (not the mean of the middle two)
      { name: "hand-checked (even count: the lower median)", inputs: [tensor([4, 1, 3, 2])], expected: tensor(2) },
      { name: "0-d", inputs: [rn([])], expected: (x: Tensor) => x },
      { name: "3×4", inputs: [rn([3, 4])], expected: (x: Tensor) => { const l = Array.from(x.data); return tensor(l[order(l)[5]]); } },
    ],
    errors: [{ name: "an empty tensor", inputs: () => [tensor([])], error: ShapeError, message: /^median: the median of an empty tensor/ }],
  },
  {
    name: "median along an axis",
    fn: (x) => median(x, { axis: 0 }).values,
    samples: samplesAlong((s) => ({ name: `shape [${s}]`, inputs: [rn(s)], expected: (x: Tensor) => alongRef(x, 0, (l) => [l[order(l)[(l.length - 1) >> 1]]], true) }), [[[], 0], [[5], 0], [[4, 3], 0], [[3, 2, 2], 0]]),
  },
  {
    name: "nanmedian along an axis",
    fn: (x) => nanmedian(x, -1).values,
    samples: () => [
      { name: "hand-checked (NaN ignored)", inputs: [tensor([[5, NaN, 1, 3], [2, 0, 1, 9]])], expected: [3, 1] },
      { name: "3×5", inputs: [rn([3, 5])], expected: (x: Tensor) => alongRef(x, -1, (l) => [l[order(l)[2]]], true) },
    ],
  },
  quantileInfo("linear"),
  quantileInfo("lower"),
  quantileInfo("higher"),
  quantileInfo("midpoint"),
  quantileInfo("nearest"),
  {
    name: "quantile (q a tensor, differentiable)",
    fn: (x, q) => quantile(x, q, 1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3, 4]]), tensor([0.25, 0.5])], expected: [[1.75], [2.5]] },
      {
        name: "3×6, three q's", inputs: [rn([3, 6]), tensor([0.13, 0.51, 0.94])],
        expected: (x: Tensor, q: Tensor) => {
          const qs = Array.from(q.data);
          const per = alongRef(x, 1, (l) => qs.map((v) => quantileOfLane(l, v, "linear")));
          // [3, Q] → [Q, 3]
          return new Tensor(Float64Array.from({ length: per.size }, (_, i) => per.data[(i % 3) * qs.length + Math.floor(i / 3)]), [qs.length, 3]);
        },
      },
    ],
    errors: [
      { name: "q of rank 2", inputs: () => [rn([3]), tensor([[0.5]])], error: ShapeError, message: /^quantile: argument q must be a number, a 0-d or a 1-d tensor/ },
      { name: "q out of [0, 1]", inputs: () => [rn([3]), tensor([0.5, 1.5])], error: ArgumentError, message: /^quantile: argument q must hold quantiles in \[0, 1\]; got the number 1.5/ },
    ],
  },
  {
    name: "quantile over all entries (keepdims)",
    fn: (x) => quantile(x, 0.7, { keepdims: true }),
    samples: () => [{ name: "2×3×2", inputs: [rn([2, 3, 2])], expected: (x: Tensor) => new Tensor(Float64Array.of(quantileOfLane(Array.from(x.data), 0.7, "linear")), [1, 1, 1]) }],
    errors: [{ name: "an empty tensor", inputs: () => [tensor([])], error: ShapeError, message: /^quantile: argument x must be non-empty/ }],
  },
  {
    name: "nanquantile",
    fn: (x) => nanquantile(x, 0.4, -1),
    samples: () => [
      { name: "hand-checked (NaN ignored)", inputs: [tensor([[NaN, 4, 1, 2], [1, 2, 3, 4]])], expected: [1.8, 2.2] },
      { name: "3×5", inputs: [rn([3, 5])], expected: (x: Tensor) => alongRef(x, -1, (l) => [quantileOfLane(l, 0.4, "linear")], true) },
    ],
  },
];
