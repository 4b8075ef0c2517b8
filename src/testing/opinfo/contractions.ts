/**
 * OpInfo entries of the contractions: einsum (one entry per equation),
 * tensordot, cross, linalg.multiDot, linalg.vecdot. The references are naive
 * loops over the full index space, written independently of the GEMM lowering
 * they check.
 */
import { Tensor } from "../../tensor/tensor.js";
import { randn, tensor } from "../../tensor/create.js";
import * as ops from "../../ops/api.js";
import { cross, einsum, tensordot } from "../../ops/einsum.js";
import { multiDot, vecdot } from "../../linalg/contractions.js";
import { ArgumentError, ShapeError } from "../../errors.js";
import type { ErrorSample, OpInfo, Sample } from "../opinfo.js";

let seed = 15000;
/** Seeded standard-normal sample (an own seed sequence: other tables' samples stay as they were). */
const rn = (shape: number[]): Tensor => randn(shape, { seed: seed++ });

/** Row-major strides of a shape. */
const strides = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
};

/**
 * The reference einsum: explicit "in,in->out" with letters only, evaluated by
 * looping over every assignment of every index (the definition).
 */
export function naiveEinsum(equation: string, ...xs: Tensor[]): Tensor {
  const [lhs, rhs] = equation.split("->");
  const terms = lhs.split(",");
  const size = new Map<string, number>();
  terms.forEach((t, i) => [...t].forEach((l, ax) => size.set(l, xs[i].shape[ax])));
  const letters = [...size.keys()];
  const outShape = [...rhs].map((l) => size.get(l) as number);
  const out = new Float64Array(outShape.reduce((p, d) => p * d, 1));
  const outStr = strides(outShape), inStr = xs.map((x) => strides(x.shape));
  const idx = new Map<string, number>(letters.map((l) => [l, 0]));
  const total = letters.reduce((p, l) => p * (size.get(l) as number), 1);
  for (let flat = 0; flat < total; flat++) {
    let r = flat;
    for (let k = letters.length - 1; k >= 0; k--) {
      const d = size.get(letters[k]) as number;
      idx.set(letters[k], r % d);
      r = Math.floor(r / d);
    }
    let v = 1;
    terms.forEach((t, i) => {
      let off = 0;
      [...t].forEach((l, ax) => { off += (idx.get(l) as number) * inStr[i][ax]; });
      v *= xs[i].data[off];
    });
    let o = 0;
    [...rhs].forEach((l, ax) => { o += (idx.get(l) as number) * outStr[ax]; });
    out[o] += v;
  }
  return new Tensor(out, outShape);
}

const ref = (eq: string) => (...xs: Tensor[]): Tensor => naiveEinsum(eq, ...xs);

/** One einsum equation: samples as lists of operand shapes, checked against the naive loop of `refEq`. */
function einsumInfo(eq: string, refEq: string, shapes: [string, number[][]][], errors: ErrorSample[] = [], extra: Sample[] = []): OpInfo {
  return {
    name: `einsum("${eq}")`,
    fn: (...xs) => einsum(eq, ...xs),
    samples: () => [
      ...extra,
      ...shapes.map(([name, ss]): Sample => ({ name, inputs: ss.map(rn), expected: ref(refEq) })),
    ],
    errors,
  };
}

/** The OpInfo entries of the contractions. */
export const contractionOpInfos: OpInfo[] = [
  einsumInfo("ij,jk->ik", "ij,jk->ik", [
    ["3×4 · 4×2", [[3, 4], [4, 2]]],
    ["1×1 · 1×1", [[1, 1], [1, 1]]],
    ["empty inner 2×0 · 0×3", [[2, 0], [0, 3]]],
    ["empty rows 0×2 · 2×3", [[0, 2], [2, 3]]],
  ], [], [{ name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])], expected: [[19, 22], [43, 50]] }]),
  einsumInfo("bij,bjk->bik", "bij,bjk->bik", [["2×3×4 · 2×4×2", [[2, 3, 4], [2, 4, 2]]], ["batch 1", [[1, 2, 2], [1, 2, 3]]]]),
  einsumInfo("ii", "ii->", [["4×4", [[4, 4]]], ["1×1", [[1, 1]]], ["0×0", [[0, 0]]]], [
    { name: "non-square", inputs: () => [rn([2, 3])], error: ShapeError, message: /^einsum: index "i" has size 3 in operands\[0\] axis 1 \(shape \[2, 3\]\) but size 2 in operands\[0\] axis 0/ },
  ], [{ name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: 5 }]),
  einsumInfo("ii->i", "ii->i", [["4×4", [[4, 4]]], ["1×1", [[1, 1]]]]),
  einsumInfo("bii->bi", "bii->bi", [["batched diagonal 2×3×3", [[2, 3, 3]]]]),
  einsumInfo("i,j->ij", "i,j->ij", [["3 ⊗ 4", [[3], [4]]], ["1 ⊗ 1", [[1], [1]]], ["empty 0 ⊗ 2", [[0], [2]]]]),
  einsumInfo("i,ij,j", "i,ij,j->", [["bilinear 3·3×4·4", [[3], [3, 4], [4]]]]),
  einsumInfo("bi,ij,bj->b", "bi,ij,bj->b", [["batched bilinear", [[2, 3], [3, 4], [2, 4]]]]),
  einsumInfo("ij->ji", "ij->ji", [["3×4", [[3, 4]]]]),
  einsumInfo("ij", "ij->ij", [["implicit identity 2×3", [[2, 3]]]]),
  einsumInfo("ba", "ba->ab", [["implicit output sorts: transpose", [[2, 3]]]]),
  einsumInfo("ij,jk,kl->il", "ij,jk,kl->il", [["chain 2×3·3×4·4×2", [[2, 3], [3, 4], [4, 2]]], ["chain of 1×1", [[1, 1], [1, 1], [1, 1]]]]),
  einsumInfo("ij,jk,kl,lm", "ij,jk,kl,lm->im", [["4-chain, thin middle", [[3, 4], [4, 1], [1, 4], [4, 2]]]]),
  einsumInfo("ijk,kj->i", "ijk,kj->i", [["two shared indices, one summed first", [[2, 3, 4], [4, 3]]]]),
  einsumInfo("ij,ij->i", "ij,ij->i", [["row-wise dot (batch, no free index)", [[3, 4], [3, 4]]]]),
  einsumInfo("i,i,i->i", "i,i,i->i", [["Hadamard of three", [[4], [4], [4]]]]),
  einsumInfo("ij,k->", "ij,k->", [["disconnected, all summed", [[2, 3], [4]]]]),
  einsumInfo("Ab,bC->AC", "Ab,bC->AC", [["upper-case letters", [[2, 3], [3, 2]]]]),
  {
    name: 'einsum("...ij,...jk")',
    fn: (a, b) => einsum("...ij,...jk", a, b),
    samples: () => [
      { name: "batch 2 · batch 2", inputs: [rn([2, 3, 4]), rn([2, 4, 2])], expected: ref("bij,bjk->bik") },
      { name: "broadcast batch 2 · 1", inputs: [rn([2, 3, 4]), rn([1, 4, 2])], expected: (a, b) => naiveEinsum("bij,bjk->bik", a, ops.broadcastTo(b, [2, 4, 2])) },
      { name: "no batch", inputs: [rn([3, 4]), rn([4, 2])], expected: ref("ij,jk->ik") },
      { name: "rank-2 batch against none", inputs: [rn([2, 2, 3, 4]), rn([4, 2])], expected: (a, b) => naiveEinsum("cbij,cbjk->cbik", a, ops.broadcastTo(b, [2, 2, 4, 2])) },
    ],
    errors: [
      { name: "ellipsis shapes do not broadcast", inputs: () => [rn([2, 3, 4]), rn([3, 4, 2])], error: ShapeError, message: /^einsum: the ellipsis axes of operands\[1\] \(shape \[3, 4, 2\]\) do not broadcast with operands\[0\] \(shape \[2, 3, 4\]\): 3 ≠ 2/ },
      { name: "operand of too low rank for its subscripts", inputs: () => [rn([4]), rn([4, 2])], error: ShapeError, message: /^einsum: input term 0 "...ij" has 2 subscripts and an ellipsis but operands\[0\] has shape \[4\] \(rank 1\)/ },
    ],
  },
  {
    name: 'einsum("...ii->...")',
    fn: (a) => einsum("...ii->...", a),
    samples: () => [{ name: "batched trace 2×3×3", inputs: [rn([2, 3, 3])], expected: ref("bii->b") }],
  },
  {
    name: 'einsum("bij->ij") (explicit output without ... sums ellipsis axes: "...ij->ij")',
    fn: (a) => einsum("...ij->ij", a),
    samples: () => [{ name: "2×3×4", inputs: [rn([2, 3, 4])], expected: ref("bij->ij") }],
  },
  {
    name: "einsum (malformed equations)",
    fn: (a, b) => einsum("ij,jk->ik", a, b),
    samples: () => [{ name: "valid", inputs: [rn([2, 3]), rn([3, 2])], expected: ref("ij,jk->ik") }],
    errors: [
      { name: "mismatched sizes of one index", inputs: () => [rn([2, 3]), rn([4, 2])], error: ShapeError, message: /^einsum: index "j" has size 4 in operands\[1\] axis 0 \(shape \[4, 2\]\) but size 3 in operands\[0\] axis 1/ },
      { name: "rank differs from the subscripts", inputs: () => [rn([2, 3, 4]), rn([3, 2])], error: ShapeError, message: /^einsum: input term 0 "ij" has 2 subscripts but operands\[0\] has shape \[2, 3, 4\] \(rank 3\)/ },
    ],
  },
  {
    name: "tensordot(axes=2)",
    fn: (a, b) => tensordot(a, b),
    samples: () => [
      { name: "2×3×4 · 3×4×2", inputs: [rn([2, 3, 4]), rn([3, 4, 2])], expected: ref("ijk,jkl->il") },
      { name: "matrices to a scalar", inputs: [rn([2, 3]), rn([2, 3])], expected: ref("ij,ij->") },
    ],
    errors: [
      { name: "sizes differ", inputs: () => [rn([2, 3, 4]), rn([4, 3])], error: ShapeError, message: /^tensordot: axis 1 of a \(shape \[2, 3, 4\]\) has size 3 but axis 0 of b \(shape \[4, 3\]\) has size 4/ },
      { name: "axes beyond the rank", inputs: () => [rn([3]), rn([3, 2])], error: ArgumentError, message: /^tensordot: argument axes 2 must be an integer in \[0, 1\]/ },
    ],
  },
  {
    name: "tensordot(axes=0) (outer product)",
    fn: (a, b) => tensordot(a, b, 0),
    samples: () => [{ name: "2 ⊗ 2×3", inputs: [rn([2]), rn([2, 3])], expected: ref("i,jk->ijk") }],
  },
  {
    name: "tensordot(axes=[[0, 2], [2, 0]])",
    fn: (a, b) => tensordot(a, b, [[0, 2], [2, 0]]),
    samples: () => [{ name: "2×3×4 · 4×5×2", inputs: [rn([2, 3, 4]), rn([4, 5, 2])], expected: ref("ijk,kli->jl") }],
  },
  {
    name: "cross",
    fn: (a, b) => cross(a, b),
    samples: () => [
      { name: "hand-checked e₁ × e₂ = e₃", inputs: [tensor([1, 0, 0]), tensor([0, 1, 0])], expected: [0, 0, 1] },
      { name: "hand-checked", inputs: [tensor([1, 2, 3]), tensor([4, 5, 6])], expected: [-3, 6, -3] },
      { name: "batched 4×3, broadcast against 3", inputs: [rn([4, 3]), rn([3])], expected: (a, b) => crossRef(a, ops.broadcastTo(b, [4, 3])) },
      { name: "empty batch 0×3", inputs: [rn([0, 3]), rn([0, 3])], expected: (a, b) => crossRef(a, b) },
    ],
    errors: [
      { name: "axis of size 2", inputs: () => [rn([2]), rn([2])], error: ShapeError, message: /^cross: axis -1 must have size 3 in both operands; a has shape \[2\], b has shape \[2\]/ },
      { name: "shapes do not broadcast", inputs: () => [rn([2, 3]), rn([4, 3])], error: ShapeError, message: /^cross: shapes \[2, 3\] and \[4, 3\] cannot be broadcast/ },
    ],
  },
  {
    name: "cross(axis=0)",
    fn: (a, b) => cross(a, b, 0),
    samples: () => [{ name: "3×2", inputs: [rn([3, 2]), rn([3, 2])], expected: (a, b) => ops.mT(crossRef(ops.mT(a), ops.mT(b))) }],
  },
  {
    name: "linalg.multiDot",
    fn: (a, b, c, d) => multiDot([a, b, c, d]),
    samples: () => [
      { name: "2×3·3×4·4×1·1×2", inputs: [rn([2, 3]), rn([3, 4]), rn([4, 1]), rn([1, 2])], expected: ref("ij,jk,kl,lm->im") },
      { name: "vector ends 3·3×4·4×2·2", inputs: [rn([3]), rn([3, 4]), rn([4, 2]), rn([2])], expected: ref("i,ij,jk,k->") },
      { name: "row-vector start 3·3×4·4×2·2×2", inputs: [rn([3]), rn([3, 4]), rn([4, 2]), rn([2, 2])], expected: ref("i,ij,jk,kl->l") },
    ],
    errors: [
      { name: "chain breaks", inputs: () => [rn([2, 3]), rn([4, 4]), rn([4, 2]), rn([2, 2])], error: ShapeError, message: /^linalg\.multiDot: tensors\[0\] of shape \[2, 3\] and tensors\[1\] of shape \[4, 4\] cannot be multiplied \(3 ≠ 4\)/ },
      { name: "vector in the middle", inputs: () => [rn([2, 3]), rn([3]), rn([3, 2]), rn([2, 2])], error: ShapeError, message: /^linalg\.multiDot: tensors\[1\] has shape \[3\]; expected a matrix \(only the first and the last may be vectors\)/ },
    ],
  },
  {
    name: "linalg.multiDot (two matrices)",
    fn: (a, b) => multiDot([a, b]),
    samples: () => [{ name: "2×3·3×2", inputs: [rn([2, 3]), rn([3, 2])], expected: ref("ij,jk->ik") }],
  },
  {
    name: "linalg.vecdot",
    fn: (a, b) => vecdot(a, b),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2, 3]), tensor([4, 5, 6])], expected: 32 },
      { name: "batched 3×4, broadcast against 4", inputs: [rn([3, 4]), rn([4])], expected: (a, b) => naiveEinsum("ij,ij->i", a, ops.broadcastTo(b, [3, 4])) },
      { name: "empty 2×0", inputs: [rn([2, 0]), rn([2, 0])], expected: [0, 0] },
    ],
    errors: [
      { name: "shapes do not broadcast", inputs: () => [rn([3, 4]), rn([3])], error: ShapeError, message: /^linalg\.vecdot: shapes \[3, 4\] and \[3\] cannot be broadcast/ },
    ],
  },
  {
    name: "linalg.vecdot(axis=0)",
    fn: (a, b) => vecdot(a, b, { axis: 0 }),
    samples: () => [{ name: "3×2", inputs: [rn([3, 2]), rn([3, 2])], expected: ref("ij,ij->j") }],
  },
];

/** The reference cross product of [..., 3] tensors, entry by entry. */
function crossRef(a: Tensor, b: Tensor): Tensor {
  const out = new Float64Array(a.size);
  for (let r = 0; r < a.size; r += 3)
    for (let i = 0; i < 3; i++) {
      const j = (i + 1) % 3, k = (i + 2) % 3;
      out[r + i] = a.data[r + j] * b.data[r + k] - a.data[r + k] * b.data[r + j];
    }
  return new Tensor(out, a.shape);
}
