/**
 * OpInfo entries of the core ops: elementwise, reductions, layout and matrix ops.
 * Sample inputs cover 0-d, 1×1, vectors, matrices, batches and broadcasting;
 * references are hand-checked values or closed forms computed independently.
 */
import { Tensor, type NestedArray } from "../../tensor/tensor.js";
import { tensor, randn, rand } from "../../tensor/create.js";
import * as ops from "../../ops/api.js";
import { ArgumentError, ShapeError } from "../../errors.js";
import type { OpInfo, Sample } from "../opinfo.js";
import { apply } from "../../ops/dispatch.js";
import { rules } from "../../ops/registry.js";

let seedCounter = 1000;
/** Seeded standard-normal sample. */
export const rn = (shape: number[]): Tensor => randn(shape, { seed: seedCounter++ });
/** Seeded uniform sample in [lo, hi). */
export const ru = (shape: number[], lo = 0, hi = 1): Tensor => {
  const t = rand(shape, { seed: seedCounter++ });
  return new Tensor(t.data.map((v) => lo + (hi - lo) * v), t.shape);
};
/** Seeded normal sample kept away from 0 (|x| ≥ 0.2), for ops with a kink at 0. */
const rnAway = (shape: number[]): Tensor => {
  const t = rn(shape);
  return new Tensor(t.data.map((v) => (v >= 0 ? v + 0.2 : v - 0.2)), t.shape);
};
/** Elementwise reference: apply a scalar function to the inputs' values (broadcast-free). */
const mapRef = (f: (...v: number[]) => number) => (...xs: Tensor[]): Tensor =>
  new Tensor(xs[0].data.map((_, i) => f(...xs.map((x) => x.data[i]))), xs[0].shape);

function unaryInfo(name: string, fn: (x: Tensor) => Tensor, f: (v: number) => number, gen: (s: number[]) => Tensor, hand?: [NestedArray, NestedArray], opts: Partial<OpInfo> = {}): OpInfo {
  return {
    name,
    fn,
    samples: (): Sample[] => [
      ...(hand ? [{ name: "hand-checked", inputs: [tensor(hand[0])], expected: hand[1] }] : []),
      { name: "0-d", inputs: [gen([])], expected: mapRef(f) },
      { name: "vector", inputs: [gen([5])], expected: mapRef(f) },
      { name: "matrix 3×4", inputs: [gen([3, 4])], expected: mapRef(f) },
      { name: "batched 2×2×3", inputs: [gen([2, 2, 3])], expected: mapRef(f) },
      { name: "empty 0×3", inputs: [gen([0, 3])], expected: mapRef(f) },
    ],
    ...opts,
  };
}

function binaryInfo(name: string, fn: (a: Tensor, b: Tensor) => Tensor, f: (a: number, b: number) => number, genA: (s: number[]) => Tensor, genB: (s: number[]) => Tensor, hand?: [NestedArray, NestedArray, NestedArray]): OpInfo {
  const bcastRef = (a: Tensor, b: Tensor): Tensor => mapRef(f)(ops.broadcastTo(a, [3, 4]), ops.broadcastTo(b, [3, 4]));
  return {
    name,
    fn,
    samples: () => [
      ...(hand ? [{ name: "hand-checked", inputs: [tensor(hand[0]), tensor(hand[1])], expected: hand[2] }] : []),
      { name: "0-d", inputs: [genA([]), genB([])], expected: mapRef(f) },
      { name: "same shape 3×4", inputs: [genA([3, 4]), genB([3, 4])], expected: mapRef(f) },
      { name: "broadcast row 3×4 ∘ 4", inputs: [genA([3, 4]), genB([4])], expected: bcastRef },
      { name: "broadcast column 3×1 ∘ 1×4", inputs: [genA([3, 1]), genB([1, 4])], expected: bcastRef },
      { name: "scalar ∘ matrix", inputs: [genA([]), genB([3, 4])], expected: bcastRef },
      { name: "batched 2×1×3 ∘ 4×1", inputs: [genA([2, 1, 3]), genB([4, 1])], expected: (a: Tensor, b: Tensor) => mapRef(f)(ops.broadcastTo(a, [2, 4, 3]), ops.broadcastTo(b, [2, 4, 3])) },
    ],
    errors: [
      { name: "incompatible shapes", inputs: () => [rn([3, 4]), rn([5])], error: ShapeError, message: new RegExp(`^${name}: shapes \\[3, 4\\] and \\[5\\] cannot be broadcast`) },
    ],
  };
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** The OpInfo entries of the core ops (elementwise, reductions, shapes, matmul, …). */
export const coreOpInfos: OpInfo[] = [
  binaryInfo("add", ops.add, (a, b) => a + b, rn, rn, [[1, 2], [10, 20], [11, 22]]),
  binaryInfo("sub", ops.sub, (a, b) => a - b, rn, rn, [[1, 2], [10, 20], [-9, -18]]),
  binaryInfo("mul", ops.mul, (a, b) => a * b, rn, rn, [[1, 2], [10, 20], [10, 40]]),
  binaryInfo("div", ops.div, (a, b) => a / b, rn, (s) => ru(s, 0.5, 2), [[1, 3], [2, 4], [0.5, 0.75]]),
  binaryInfo("pow", (a, b) => ops.pow(a, b), Math.pow, (s) => ru(s, 0.5, 2), rn, [[2, 9], [3, 0.5], [8, 3]]),
  binaryInfo("maximum", ops.maximum, Math.max, rn, rn, [[1, 5], [3, 2], [3, 5]]),
  binaryInfo("minimum", ops.minimum, Math.min, rn, rn, [[1, 5], [3, 2], [1, 2]]),
  // (own seeds: the shared counter's sequence, and so every later entry's samples, stay as they were)
  unaryInfo("mul by a number (mulScalar)", (x) => ops.mul(x, -2.5), (v) => v * -2.5, (s) => randn(s, { seed: 7100 + s.length }), [[1, -2], [-2.5, 5]]),
  unaryInfo("neg", ops.neg, (v) => -v, rn, [[1, -2], [-1, 2]]),
  unaryInfo("exp", ops.exp, Math.exp, rn, [[0, 1], [1, Math.E]]),
  unaryInfo("log", ops.log, Math.log, (s) => ru(s, 0.3, 3), [[1, Math.E], [0, 1]]),
  unaryInfo("sqrt", ops.sqrt, Math.sqrt, (s) => ru(s, 0.3, 3), [[4, 9], [2, 3]]),
  unaryInfo("abs", ops.abs, Math.abs, rnAway, [[-3, 2], [3, 2]], { secondOrder: true }),
  unaryInfo("sin", ops.sin, Math.sin, rn, [[0, Math.PI / 2], [0, 1]]),
  unaryInfo("cos", ops.cos, Math.cos, rn, [[0, Math.PI], [1, -1]]),
  unaryInfo("tan", ops.tan, Math.tan, (s) => ru(s, -1.2, 1.2), [[0, Math.PI / 4], [0, 1]]),
  unaryInfo("tanh", ops.tanh, Math.tanh, rn, [[0], [0]]),
  unaryInfo("sigmoid", ops.sigmoid, sigmoid, rn, [[0, 800, -800], [0.5, 1, 0]]),
  {
    name: "tanhGrad (fused backward of tanh)",
    fn: (c, y) => apply(rules.tanhGrad, [c, y], null),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([2, 1]), tensor([0.5, 0])], expected: [1.5, 1] },
      { name: "3×4", inputs: [rn([3, 4]), ru([3, 4], -0.9, 0.9)], expected: mapRef((c, y) => c * (1 - y * y)) },
    ],
  },
  {
    name: "sigmoidGrad (fused backward of sigmoid)",
    fn: (c, y) => apply(rules.sigmoidGrad, [c, y], null),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([2, 1]), tensor([0.5, 0.25])], expected: [0.5, 0.1875] },
      { name: "3×4", inputs: [rn([3, 4]), ru([3, 4], 0.05, 0.95)], expected: mapRef((c, y) => c * y * (1 - y)) },
    ],
  },
  unaryInfo("relu", ops.relu, (v) => Math.max(v, 0), rnAway, [[-1, 2], [0, 2]]),
  unaryInfo("square", ops.square, (v) => v * v, rn, [[-3, 2], [9, 4]]),
  unaryInfo("reciprocal", ops.reciprocal, (v) => 1 / v, (s) => ru(s, 0.5, 2), [[2, 4], [0.5, 0.25]]),
  unaryInfo("powScalar(2.5)", (x) => ops.pow(x, 2.5), (v) => Math.pow(v, 2.5), (s) => ru(s, 0.3, 2), [[4], [32]]),
  unaryInfo("clamp", (x) => ops.clamp(x, -0.5, 0.7), (v) => Math.min(Math.max(v, -0.5), 0.7), (s) => {
    // keep samples away from the clamp bounds, where the derivative jumps
    const t = rn(s);
    return new Tensor(t.data.map((v) => (Math.abs(v + 0.5) < 0.05 || Math.abs(v - 0.7) < 0.05 ? v + 0.2 : v)), t.shape);
  }, [[-2, 0.1, 3], [-0.5, 0.1, 0.7]]),
  {
    name: "where",
    fn: (c, a, b) => ops.where(c, a, b),
    nondiff: [0],
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 0, 1]), tensor([1, 2, 3]), tensor([10, 20, 30])], expected: [1, 20, 3] },
      { name: "broadcast mask", inputs: [tensor([[1], [0]]), rn([2, 3]), rn([3])], expected: (c, a, b) => mapRef((ci, ai, bi) => (ci ? ai : bi))(ops.broadcastTo(c, [2, 3]), a, ops.broadcastTo(b, [2, 3])) },
    ],
  },
  // reductions
  {
    name: "sum",
    fn: (x) => ops.sum(x),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: 10 },
      { name: "0-d", inputs: [rn([])], expected: (x) => x.data[0] },
      { name: "batched", inputs: [rn([2, 3, 4])], expected: (x) => x.data.reduce((p, v) => p + v, 0) },
    ],
  },
  {
    name: "sum(axes=[0, 2], keepdims)",
    fn: (x) => ops.sum(x, [0, 2], true),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])], expected: [[[14], [22]]] },
      { name: "2×3×4", inputs: [rn([2, 3, 4])] },
    ],
    errors: [{ name: "axis out of range", inputs: () => [rn([2, 3])], error: ArgumentError, message: /^sum: axis 2 is out of range/ }],
  },
  {
    name: "sum(axis=-1)",
    fn: (x) => ops.sum(x, -1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [3, 7] },
      { name: "1×1", inputs: [rn([1, 1])] },
      { name: "vector", inputs: [rn([6])] },
    ],
  },
  {
    name: "mean(axis=0)",
    fn: (x) => ops.mean(x, 0),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [2, 3] },
      { name: "3×4", inputs: [rn([3, 4])] },
    ],
  },
  {
    name: "variance(axis=-1)",
    fn: (x) => ops.variance(x, -1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3, 4]])], expected: [5 / 3] },
      { name: "3×4", inputs: [rn([3, 4])] },
    ],
  },
  {
    name: "max(axis=1)",
    fn: (x) => ops.max(x, 1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 5, 2], [7, 3, 4]])], expected: [5, 7] },
      { name: "3×4", inputs: [rn([3, 4])] },
      { name: "batched keepdims-free 2×3×4", inputs: [rn([2, 3, 4])] },
    ],
  },
  {
    name: "max (all)",
    fn: (x) => ops.max(x),
    samples: () => [{ name: "hand-checked", inputs: [tensor([[1, 5], [7, 3]])], expected: 7 }, { name: "vector", inputs: [rn([7])] }],
  },
  {
    name: "min(axis=0, keepdims)",
    fn: (x) => ops.min(x, 0, true),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 5], [7, 3]])], expected: [[1, 3]] },
      { name: "4×3", inputs: [rn([4, 3])] },
    ],
  },
  {
    name: "prod(axis=-1)",
    fn: (x) => ops.prod(x, -1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [6, 120] },
      { name: "3×4", inputs: [rn([3, 4])] },
      { name: "with an exact zero", inputs: [tensor([[1.5, 0, -2], [0.5, 1.2, 0.7]])], expected: [0, 0.42] },
      { name: "with two zeros", inputs: [tensor([[0, 0, 2]])], expected: [0] },
    ],
  },
  {
    name: "logsumexp(axis=-1)",
    fn: (x) => ops.logsumexp(x, -1),
    samples: () => [
      { name: "hand-checked (stable for large values)", inputs: [tensor([[1000, 1000], [0, Math.log(3)]])], expected: [1000 + Math.log(2), Math.log(4)] },
      { name: "3×4", inputs: [rn([3, 4])] },
    ],
  },
  {
    name: "softmax(axis=-1)",
    fn: (x) => ops.softmax(x, -1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[0, Math.log(3)]])], expected: [[0.25, 0.75]] },
      { name: "batched 2×3×4", inputs: [rn([2, 3, 4])] },
    ],
  },
  {
    name: "logSoftmax(axis=0)",
    fn: (x) => ops.logSoftmax(x, 0),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([0, Math.log(3)])], expected: [Math.log(0.25), Math.log(0.75)] },
      { name: "4×3", inputs: [rn([4, 3])] },
    ],
  },
  // layout
  {
    name: "reshape",
    fn: (x) => ops.reshape(x, [3, -1]),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2, 3, 4, 5, 6])], expected: [[1, 2], [3, 4], [5, 6]] },
      { name: "2×3×2", inputs: [rn([2, 3, 2])] },
    ],
    errors: [{ name: "size mismatch", inputs: () => [rn([7])], error: ShapeError, message: /^reshape: cannot reshape tensor of shape \[7\]/ }],
  },
  {
    name: "permute",
    fn: (x) => ops.permute(x, [2, 0, 1]),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[[1, 2]], [[3, 4]]])], expected: [[[1], [3]], [[2], [4]]] },
      { name: "2×3×4", inputs: [rn([2, 3, 4])] },
    ],
  },
  {
    name: "mT",
    fn: (x) => ops.mT(x),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[1, 4], [2, 5], [3, 6]] },
      { name: "batched 2×3×4", inputs: [rn([2, 3, 4])] },
      { name: "1×1", inputs: [rn([1, 1])] },
    ],
    errors: [{ name: "vector", inputs: () => [rn([3])], error: ShapeError, message: /^mT: needs a tensor with at least 2 dimensions/ }],
  },
  {
    name: "broadcastTo",
    fn: (x) => ops.broadcastTo(x, [2, 3, 4]),
    samples: () => [
      { name: "row", inputs: [rn([4])] },
      { name: "column", inputs: [rn([3, 1])] },
      { name: "scalar", inputs: [tensor(2)], expected: (x) => new Tensor(new Float64Array(24).fill(x.data[0]), [2, 3, 4]) },
    ],
    errors: [{ name: "incompatible", inputs: () => [rn([5])], error: ShapeError, message: /^broadcastTo: / }],
  },
  {
    name: "slice",
    fn: (x) => ops.slice(x, [1, 3], [null, null, -2]),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]])], expected: [[6, 4], [9, 7]] },
      { name: "batched 4×5×2", inputs: [rn([4, 5, 2])] },
    ],
    errors: [{ name: "zero step", inputs: () => [ops.slice(rn([3]), [0, 2, 0])], error: ArgumentError, message: /^slice: step must be a nonzero integer/ }],
  },
  {
    name: "slice (integer index)",
    fn: (x) => ops.slice(x, -1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [3, 4] },
      { name: "3×4", inputs: [rn([3, 4])] },
    ],
    errors: [{ name: "out of range", inputs: () => [ops.slice(rn([3]), 3)], error: ArgumentError, message: /^slice: index 3 is out of range for axis 0 of size 3/ }],
  },
  {
    name: "take (with repeats)",
    fn: (x) => ops.take(x, [2, 0, 2], 1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[3, 1, 3], [6, 4, 6]] },
      { name: "2×3×2", inputs: [rn([2, 3, 2])] },
    ],
  },
  {
    name: "concat",
    fn: (a, b) => ops.concat([a, b], 1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1], [2]]), tensor([[3, 4], [5, 6]])], expected: [[1, 3, 4], [2, 5, 6]] },
      { name: "batched", inputs: [rn([2, 3, 2]), rn([2, 1, 2])] },
    ],
    errors: [{ name: "mismatched", inputs: () => [ops.concat([rn([2, 3]), rn([3, 3])], 1)], error: ShapeError, message: /^concat: tensor 1 has shape \[3, 3\], incompatible with tensor 0 of shape \[2, 3\]/ }],
  },
  {
    name: "stack",
    fn: (a, b) => ops.stack([a, b], -1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2]), tensor([3, 4])], expected: [[1, 3], [2, 4]] },
      { name: "matrices", inputs: [rn([2, 3]), rn([2, 3])] },
      { name: "0-d", inputs: [rn([]), rn([])] },
    ],
  },
  {
    // the pieces recombined with different weights, so each piece's cotangent differs (a piece left unused gets none)
    name: "split",
    fn: (x) => {
      const [a, b, c] = ops.split(x, [1, 2, 1], -1);
      return ops.concat([ops.mul(a, 2), ops.sin(b), ops.mul(c, c)], -1);
    },
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3, 4]])], expected: [[2, Math.sin(2), Math.sin(3), 16]] },
      { name: "batched 2×3×4", inputs: [rn([2, 3, 4])] },
    ],
    errors: [
      { name: "sizes that do not add up", inputs: () => [ops.split(rn([2, 4]), [1, 2], -1)[0]], error: ArgumentError, message: /^split: sizes \[1, 2\] do not add up to 4/ },
    ],
  },
  {
    name: "split (equal pieces, one unused)",
    fn: (x) => {
      const pieces = ops.split(x, 2, 0);
      return ops.concat(pieces.length > 1 ? pieces.slice(1) : pieces, 0);
    },
    samples: () => [
      { name: "5 rows in pieces of 2", inputs: [rn([5, 3])] },
      { name: "hand-checked", inputs: [tensor([1, 2, 3, 4])], expected: [3, 4] },
    ],
  },
  // matrix ops
  {
    name: "matmul",
    fn: ops.matmul,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])], expected: [[19, 22], [43, 50]] },
      { name: "rectangular 3×4 @ 4×2", inputs: [rn([3, 4]), rn([4, 2])] },
      { name: "1×1", inputs: [rn([1, 1]), rn([1, 1])], expected: (a, b) => [[a.data[0] * b.data[0]]] },
      { name: "batched 2×3×4 @ 2×4×5", inputs: [rn([2, 3, 4]), rn([2, 4, 5])] },
      { name: "broadcast batch 2×1×3×4 @ 3×4×2", inputs: [rn([2, 1, 3, 4]), rn([3, 4, 2])] },
      { name: "matrix-vector", inputs: [rn([3, 4]), rn([4])] },
      { name: "vector-matrix", inputs: [rn([3]), rn([3, 4])] },
      { name: "vector-vector", inputs: [tensor([1, 2, 3]), tensor([4, 5, 6])], expected: 32 },
      { name: "empty inner dim", inputs: [rn([2, 0]), rn([0, 3])], expected: [[0, 0, 0], [0, 0, 0]] },
    ],
    errors: [
      { name: "inner mismatch", inputs: () => [rn([2, 3]), rn([4, 2])], error: ShapeError, message: /^matmul: inner dimensions differ: a has shape \[2, 3\], b has shape \[4, 2\]/ },
      { name: "0-d operand", inputs: () => [rn([]), rn([2, 2])], error: ShapeError, message: /^matmul: operands must have at least 1 dimension/ },
    ],
  },
  {
    name: "X ↦ X·X",
    fn: (x) => ops.matmul(x, x),
    samples: () => [{ name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [[7, 10], [15, 22]] }, { name: "4×4", inputs: [rn([4, 4])] }],
  },
  {
    name: "dot",
    fn: ops.dot,
    samples: () => [{ name: "hand-checked", inputs: [tensor([1, 2]), tensor([3, 4])], expected: 11 }, { name: "random", inputs: [rn([5]), rn([5])] }],
    errors: [{ name: "length mismatch", inputs: () => [rn([2]), rn([3])], error: ShapeError, message: /^dot: expects two vectors of equal length, got \[2\] and \[3\]/ }],
  },
  {
    name: "outer",
    fn: ops.outer,
    samples: () => [{ name: "hand-checked", inputs: [tensor([1, 2]), tensor([3, 4, 5])], expected: [[3, 4, 5], [6, 8, 10]] }],
  },
  {
    name: "trace",
    fn: ops.trace,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: 5 },
      { name: "rectangular 3×5", inputs: [rn([3, 5])] },
      { name: "batched 2×3×3", inputs: [rn([2, 3, 3])] },
    ],
    errors: [{ name: "vector", inputs: () => [rn([3])], error: ShapeError, message: /^trace: expects a \(batch of\) matrices/ }],
  },
  {
    name: "diagonal(k=1)",
    fn: (x) => ops.diagonal(x, 1),
    samples: () => [{ name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [2, 6] }, { name: "batched", inputs: [rn([2, 4, 3])] }],
  },
  {
    name: "diagEmbed",
    fn: (x) => ops.diagEmbed(x),
    samples: () => [{ name: "hand-checked", inputs: [tensor([1, 2])], expected: [[1, 0], [0, 2]] }, { name: "batched", inputs: [rn([2, 3])] }],
  },
  {
    name: "diag (vector, k=-1)",
    fn: (x) => ops.diag(x, -1),
    samples: () => [{ name: "hand-checked", inputs: [tensor([1, 2])], expected: [[0, 0, 0], [1, 0, 0], [0, 2, 0]] }],
  },
  {
    name: "triu",
    fn: (x) => ops.triu(x),
    samples: () => [{ name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [[1, 2], [0, 4]] }, { name: "batched wide", inputs: [rn([2, 3, 4])] }],
  },
  {
    name: "tril(k=-1)",
    fn: (x) => ops.tril(x, -1),
    samples: () => [{ name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [[0, 0], [3, 0]] }, { name: "tall", inputs: [rn([4, 3])] }],
  },
  {
    name: "kron",
    fn: ops.kron,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2]]), tensor([[1], [10]])], expected: [[1, 2], [10, 20]] },
      { name: "2×3 ⊗ 2×2", inputs: [rn([2, 3]), rn([2, 2])] },
      { name: "batched", inputs: [rn([2, 2, 2]), rn([2, 1, 3])] },
    ],
  },
  {
    name: "frobeniusInner",
    fn: ops.frobeniusInner,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])], expected: 70 },
      { name: "batched", inputs: [rn([3, 2, 4]), rn([3, 2, 4])] },
    ],
  },
  {
    name: "energy trace((XX)ᵀ(XX))",
    fn: (x) => { const y = ops.matmul(x, x); return ops.trace(ops.matmul(ops.mT(y), y)); },
    samples: () => [{ name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: 858 }, { name: "5×5", inputs: [rn([5, 5])] }],
  },
];
