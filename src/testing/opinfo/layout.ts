/**
 * OpInfo entries of the layout and structured-matrix ops (src/ops/layout.ts):
 * unbind, movedim / moveaxis, repeat, tile, repeatInterleave, flip / fliplr /
 * flipud, roll, pad (four modes), meshgrid, blockDiag, vander, toeplitz,
 * hankel, circulant. The references are written from the definitions, entry
 * by entry (out[o] = x[src(o)] over every output multi-index), independently
 * of the take / slice / broadcast lowering they check; hand-checked values
 * are NumPy's / SciPy's (np.pad modes reflect / edge / wrap are PyTorch's
 * reflect / replicate / circular). Multi-output ops (unbind, meshgrid) are
 * stacked into one output.
 */
import { Tensor } from "../../tensor/tensor.js";
import { randn, tensor } from "../../tensor/create.js";
import { mul, reshape, slice, stack } from "../../ops/api.js";
import * as L from "../../ops/layout.js";
import { ArgumentError, ShapeError } from "../../errors.js";
import type { OpInfo } from "../opinfo.js";

let seed = 47000;
/** Seeded standard-normal sample (an own seed sequence: other tables' samples stay as they were). */
const rn = (shape: number[]): Tensor => randn(shape, { seed: seed++ });

const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/**
 * The reference of every op here: out[o] = x[src(o)] for each output
 * multi-index o (src returns an input multi-index, or null for `fill`).
 */
export function refGather(x: Tensor, outShape: readonly number[], src: (o: number[]) => number[] | null, fill = 0): Tensor {
  const n = sizeOf(outShape), out = new Float64Array(n), xd = x.data;
  const o = new Array<number>(outShape.length).fill(0);
  for (let f = 0; f < n; f++) {
    let r = f;
    for (let a = outShape.length - 1; a >= 0; a--) {
      o[a] = r % outShape[a];
      r = Math.floor(r / outShape[a]);
    }
    const i = src(o.slice());
    if (i === null) out[f] = fill;
    else {
      let flat = 0;
      for (let a = 0; a < x.ndim; a++) flat = flat * x.shape[a] + i[a];
      out[f] = xd[flat];
    }
  }
  return new Tensor(out, outShape.slice());
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** np.pad's reference for a padding list in PyTorch's order (last axis first). */
function refPad(x: Tensor, padding: number[], mode: string, value = 0): Tensor {
  const r = x.ndim, b = new Array<number>(r).fill(0), e = new Array<number>(r).fill(0);
  for (let k = 0; k < padding.length / 2; k++) {
    b[r - 1 - k] = padding[2 * k];
    e[r - 1 - k] = padding[2 * k + 1];
  }
  const shape = x.shape.map((d, a) => d + b[a] + e[a]);
  return refGather(x, shape, (o) => {
    const i = o.map((v, a) => v - b[a]);
    for (let a = 0; a < r; a++) {
      const d = x.shape[a];
      if (i[a] >= 0 && i[a] < d) continue;
      if (mode === "constant") return null;
      if (mode === "reflect") i[a] = i[a] < 0 ? -i[a] : 2 * (d - 1) - i[a];
      else if (mode === "replicate") i[a] = i[a] < 0 ? 0 : d - 1;
      else i[a] = mod(i[a], d);
    }
    return i;
  }, value);
}

const stackWeighted = (ts: Tensor[]): Tensor => stack(ts.map((t, i) => mul(t, i + 1)), 0);

/** The OpInfo entries of the layout and structured-matrix ops. */
export const layoutOpInfos: OpInfo[] = [
  {
    name: "unbind",
    fn: (x) => {
      const slices = L.unbind(x, 1);
      return slices.length === 0 ? L.movedim(x, 1, 0) : stackWeighted(slices); // an empty axis: no slices to stack
    },
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [[1, 3], [4, 8]] },
      { name: "batched 2×3×2", inputs: [rn([2, 3, 2])], expected: (x) => mul(refGather(x, [3, 2, 2], ([k, i, j]) => [i, k, j]), reshape(tensor([1, 2, 3]), [3, 1, 1])) },
      { name: "empty 0×3", inputs: [rn([0, 3])], expected: () => new Tensor(new Float64Array(0), [3, 0]) },
    ],
    errors: [
      { name: "0-d", inputs: () => L.unbind(tensor(1)), error: ShapeError, message: /^unbind: a 0-d tensor has no axis/ },
      { name: "axis out of range", inputs: () => L.unbind(rn([2, 2]), 2), error: ArgumentError, message: /^unbind: axis 2 is out of range for a tensor of rank 2/ },
    ],
  },
  {
    name: "movedim",
    fn: (x) => L.movedim(x, [0, -1], [-1, 1]),
    samples: () => [
      { name: "2×3×4", inputs: [rn([2, 3, 4])], expected: (x) => refGather(x, [3, 4, 2], ([i, j, k]) => [k, i, j]) },
      { name: "empty 0×2×3", inputs: [rn([0, 2, 3])], expected: () => new Tensor(new Float64Array(0), [2, 3, 0]) },
    ],
    errors: [
      { name: "lengths differ", inputs: () => [L.movedim(rn([2, 3]), [0, 1], [1])], error: ArgumentError, message: /^movedim: source \[0, 1\] and destination \[1\] must have the same number of axes/ },
      { name: "repeated", inputs: () => [L.movedim(rn([2, 3]), [0, -2], [0, 1])], error: ArgumentError, message: /^movedim: repeated axis in source \[0, -2\]/ },
    ],
  },
  {
    name: "moveaxis",
    fn: (x) => L.moveaxis(x, 0, -1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[1, 4], [2, 5], [3, 6]] },
      { name: "2×3×4", inputs: [rn([2, 3, 4])], expected: (x) => refGather(x, [3, 4, 2], ([i, j, k]) => [k, i, j]) },
    ],
    errors: [{ name: "axis out of range", inputs: () => [L.moveaxis(rn([2]), 0, 1)], error: ArgumentError, message: /^moveaxis: axis 1 is out of range/ }],
  },
  {
    name: "repeat",
    fn: (x) => L.repeat(x, 2, 1, 3),
    samples: () => [
      { name: "hand-checked vector", inputs: [tensor([1, 2])], expected: [[[1, 2, 1, 2, 1, 2]], [[1, 2, 1, 2, 1, 2]]] },
      { name: "0-d", inputs: [rn([])], expected: (x) => refGather(x, [2, 1, 3], () => []) },
      { name: "matrix 2×3", inputs: [rn([2, 3])], expected: (x) => refGather(x, [2, 2, 9], ([, i, j]) => [i % 2, j % 3]) },
      { name: "batched 2×2×3", inputs: [rn([2, 2, 3])], expected: (x) => refGather(x, [4, 2, 9], ([a, i, j]) => [a % 2, i, j % 3]) },
      { name: "empty 0×2", inputs: [rn([0, 2])], expected: () => new Tensor(new Float64Array(0), [2, 0, 6]) },
    ],
    errors: [
      { name: "fewer sizes than axes", inputs: () => [L.repeat(rn([2, 2, 2, 2]), 2, 2)], error: ArgumentError, message: /^repeat: sizes \[2, 2\] has 2 entries, fewer than the 4 axes of x/ },
      { name: "negative size", inputs: () => [L.repeat(rn([2]), -1)], error: ArgumentError, message: /^repeat: sizes\[0\] must be an integer ≥ 0; got -1/ },
    ],
  },
  {
    name: "tile",
    fn: (x) => L.tile(x, [2, 3]),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [[1, 2, 1, 2, 1, 2], [3, 4, 3, 4, 3, 4], [1, 2, 1, 2, 1, 2], [3, 4, 3, 4, 3, 4]] },
      { name: "vector (reps longer)", inputs: [rn([3])], expected: (x) => refGather(x, [2, 9], ([, j]) => [j % 3]) },
      { name: "batched 2×2×3 (reps padded)", inputs: [rn([2, 2, 3])], expected: (x) => refGather(x, [2, 4, 9], ([a, i, j]) => [a, i % 2, j % 3]) },
    ],
    errors: [{ name: "fractional reps", inputs: () => [L.tile(rn([2]), [1.5])], error: ArgumentError, message: /^tile: reps\[0\] must be an integer ≥ 0; got the number 1.5/ }],
  },
  {
    name: "repeatInterleave",
    fn: (x) => L.repeatInterleave(x, [2, 0, 1], 1),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[1, 1, 3], [4, 4, 6]] },
      { name: "batched 2×3×2", inputs: [rn([2, 3, 2])], expected: (x) => refGather(x, [2, 3, 2], ([a, i, j]) => [a, [0, 0, 2][i], j]) },
    ],
    errors: [
      { name: "wrong number of repeats", inputs: () => [L.repeatInterleave(rn([2, 2]), [1, 2, 3], 1)], error: ShapeError, message: /^repeatInterleave: argument repeats has 3 entries; expected one per entry along axis 1 \(2\)/ },
      { name: "fractional repeat", inputs: () => [L.repeatInterleave(rn([2]), [1, 0.5])], error: ArgumentError, message: /^repeatInterleave: repeats\[1\] must be an integer ≥ 0; got 0.5/ },
      { name: "negative repeat", inputs: () => [L.repeatInterleave(rn([2]), tensor([1, -1]))], error: ArgumentError, message: /^repeatInterleave: repeats\[1\] must be an integer ≥ 0; got -1/ },
    ],
  },
  {
    name: "repeatInterleave (flattened)",
    fn: (x) => L.repeatInterleave(x, 2),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [1, 1, 2, 2, 3, 3, 4, 4] },
      { name: "0-d", inputs: [rn([])], expected: (x) => refGather(x, [2], () => []) },
      { name: "empty", inputs: [rn([0, 3])], expected: () => new Tensor(new Float64Array(0), [0]) },
    ],
  },
  {
    name: "flip",
    fn: (x) => L.flip(x, [0, -1]),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[6, 5, 4], [3, 2, 1]] },
      { name: "3×5", inputs: [rn([3, 5])], expected: (x) => refGather(x, [3, 5], ([i, j]) => [2 - i, 4 - j]) },
      { name: "batched 2×3×4", inputs: [rn([2, 3, 4])], expected: (x) => refGather(x, [2, 3, 4], ([a, i, j]) => [1 - a, i, 3 - j]) },
      { name: "empty 0×3", inputs: [rn([0, 3])], expected: () => new Tensor(new Float64Array(0), [0, 3]) },
    ],
    errors: [{ name: "repeated axis", inputs: () => [L.flip(rn([2, 2]), [0, -2])], error: ArgumentError, message: /^flip: axis 0 repeated/ }],
  },
  {
    name: "fliplr",
    fn: L.fliplr,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[3, 2, 1], [6, 5, 4]] },
      { name: "2×3×2", inputs: [rn([2, 3, 2])], expected: (x) => refGather(x, [2, 3, 2], ([a, i, j]) => [a, 2 - i, j]) },
    ],
    errors: [{ name: "vector", inputs: () => [L.fliplr(rn([3]))], error: ShapeError, message: /^fliplr: x must have at least 2 axes; got shape \[3\]/ }],
  },
  {
    name: "flipud",
    fn: L.flipud,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4], [5, 6]])], expected: [[5, 6], [3, 4], [1, 2]] },
      { name: "vector", inputs: [rn([4])], expected: (x) => refGather(x, [4], ([i]) => [3 - i]) },
    ],
    errors: [{ name: "0-d", inputs: () => [L.flipud(tensor(1))], error: ShapeError, message: /^flipud: x must have at least 1 axis/ }],
  },
  {
    name: "roll",
    fn: (x) => L.roll(x, [1, -2], [0, -1]),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[6, 4, 5], [3, 1, 2]] },
      { name: "3×5", inputs: [rn([3, 5])], expected: (x) => refGather(x, [3, 5], ([i, j]) => [mod(i - 1, 3), mod(j + 2, 5)]) },
      { name: "batched 2×3×4", inputs: [rn([2, 3, 4])], expected: (x) => refGather(x, [2, 3, 4], ([a, i, j]) => [mod(a - 1, 2), i, mod(j + 2, 4)]) },
      { name: "empty 0×3", inputs: [rn([0, 3])], expected: () => new Tensor(new Float64Array(0), [0, 3]) },
    ],
    errors: [{ name: "shifts and axes differ", inputs: () => [L.roll(rn([2, 2]), [1, 1], 0)], error: ArgumentError, message: /^roll: shifts \[1, 1\] and axes \[0\] must have the same number of entries/ }],
  },
  {
    name: "roll (flattened)",
    fn: (x) => L.roll(x, -3),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [[4, 1], [2, 3]] },
      { name: "2×3×2", inputs: [rn([2, 3, 2])], expected: (x) => refGather(x, [2, 3, 2], ([a, i, j]) => { const f = mod(a * 6 + i * 2 + j + 3, 12); return [Math.floor(f / 6), Math.floor(f / 2) % 3, f % 2]; }) },
      { name: "0-d", inputs: [rn([])], expected: (x) => x },
    ],
    errors: [{ name: "two shifts, no axes", inputs: () => [L.roll(rn([2, 2]), [1, 2])], error: ArgumentError, message: /^roll: shifts \[1, 2\] has 2 entries; without axes, roll takes one shift/ }],
  },
  {
    name: "pad (constant)",
    fn: (x) => L.pad(x, [2, -1, 1, 0], { value: 1.5 }),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[1.5, 1.5, 1.5, 1.5], [1.5, 1.5, 1, 2], [1.5, 1.5, 4, 5]] },
      { name: "batched 2×3×4", inputs: [rn([2, 3, 4])], expected: (x) => slice(refPad(x, [2, 0, 1, 0], "constant", 1.5), null, null, [0, 5]) },
      { name: "empty 0×3", inputs: [rn([0, 3])], expected: () => [[1.5, 1.5, 1.5, 1.5]] },
    ],
    errors: [
      { name: "odd padding", inputs: () => [L.pad(rn([2, 2]), [1, 1, 1])], error: ArgumentError, message: /^pad: padding \[1, 1, 1\] must have an even number of entries/ },
      { name: "too many axes", inputs: () => [L.pad(rn([2]), [1, 1, 1, 1])], error: ArgumentError, message: /^pad: padding \[1, 1, 1, 1\] pads 2 axes; x has 1/ },
      { name: "negative size", inputs: () => [L.pad(rn([2]), [-2, -1])], error: ArgumentError, message: /^pad: padding \(-2, -1\) of axis 0 \(size 2, shape \[2\]\) gives a negative size -1/ },
      { name: "unknown mode", inputs: () => [L.pad(rn([2]), [1, 1], { mode: "symmetric" as never })], error: ArgumentError, message: /^pad: mode must be one of "constant", "reflect", "replicate", "circular"; got the string "symmetric"/ },
    ],
  },
  {
    name: "pad (reflect)",
    fn: (x) => L.pad(x, [2, 1, 1, 2], "reflect"),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])], expected: [[6, 5, 4, 5, 6, 5], [3, 2, 1, 2, 3, 2], [6, 5, 4, 5, 6, 5], [9, 8, 7, 8, 9, 8], [6, 5, 4, 5, 6, 5], [3, 2, 1, 2, 3, 2]] },
      { name: "batched 2×3×4", inputs: [rn([2, 3, 4])], expected: (x) => refPad(x, [2, 1, 1, 2], "reflect") },
    ],
    errors: [
      { name: "pad ≥ size", inputs: () => [L.pad(rn([2, 2]), [2, 0], "reflect")], error: ArgumentError, message: /^pad: mode "reflect" needs each padding < the axis size; got padding \(2, 0\) for axis 1 of size 2/ },
      { name: "a value", inputs: () => [L.pad(rn([3]), [1, 1], "reflect", 0)], error: ArgumentError, message: /^pad: mode "reflect" takes no value/ },
    ],
  },
  {
    name: "pad (replicate)",
    fn: (x) => L.pad(x, [3, 1], { mode: "replicate" }),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]])], expected: [[1, 1, 1, 1, 2, 2], [3, 3, 3, 3, 4, 4]] },
      { name: "vector of 1", inputs: [rn([1])], expected: (x) => refPad(x, [3, 1], "replicate") },
      { name: "batched 2×2×3", inputs: [rn([2, 2, 3])], expected: (x) => refPad(x, [3, 1], "replicate") },
    ],
    errors: [{ name: "empty axis", inputs: () => [L.pad(rn([2, 0]), [1, 1], "replicate")], error: ArgumentError, message: /^pad: mode "replicate" cannot pad the empty axis 1/ }],
  },
  {
    name: "pad (circular)",
    fn: (x) => L.pad(x, [3, -1, 1, 1], "circular"),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2, 3], [4, 5, 6]])], expected: [[4, 5, 6, 4, 5], [1, 2, 3, 1, 2], [4, 5, 6, 4, 5], [1, 2, 3, 1, 2]] },
      { name: "batched 2×2×3", inputs: [rn([2, 2, 3])], expected: (x) => slice(refPad(x, [3, 0, 1, 1], "circular"), null, null, [0, 5]) },
    ],
    errors: [{ name: "wraps twice", inputs: () => [L.pad(rn([2, 2]), [3, 0], "circular")], error: ArgumentError, message: /^pad: mode "circular" needs each padding ≤ the axis size/ }],
  },
  {
    name: "meshgrid",
    fn: (a, b, c) => stackWeighted(L.meshgrid(a, b, c)),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2]), tensor([3, 4, 5]), tensor(6)], expected: [[[[1], [1], [1]], [[2], [2], [2]]], [[[6], [8], [10]], [[6], [8], [10]]], [[[18], [18], [18]], [[18], [18], [18]]]] },
      { name: "vectors 3, 2, 4", inputs: [rn([3]), rn([2]), rn([4])], expected: (a, b, c) => stack([refGather(a, [3, 2, 4], ([i]) => [i]), mul(refGather(b, [3, 2, 4], ([, j]) => [j]), 2), mul(refGather(c, [3, 2, 4], ([, , k]) => [k]), 3)]) },
      { name: "an empty one", inputs: [rn([2]), rn([0]), rn([1])], expected: () => new Tensor(new Float64Array(0), [3, 2, 0, 1]) },
    ],
    errors: [{ name: "a matrix", inputs: () => L.meshgrid(rn([2]), rn([2, 2])), error: ShapeError, message: /^meshgrid: xs\[1\] must be 0-d or 1-d; got shape \[2, 2\]/ }],
  },
  {
    name: "meshgrid (xy)",
    fn: (a, b) => stackWeighted(L.meshgrid(a, b, { indexing: "xy" })),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2, 3]), tensor([4, 5])], expected: [[[1, 2, 3], [1, 2, 3]], [[8, 8, 8], [10, 10, 10]]] },
      { name: "vectors 4, 3", inputs: [rn([4]), rn([3])], expected: (a, b) => stack([refGather(a, [3, 4], ([, j]) => [j]), mul(refGather(b, [3, 4], ([i]) => [i]), 2)]) },
    ],
    errors: [{ name: "bad indexing", inputs: () => L.meshgrid(rn([2]), { indexing: "ji" as never }), error: ArgumentError, message: /^meshgrid: option indexing must be "ij" or "xy"; got the string "ji"/ }],
  },
  {
    name: "blockDiag",
    fn: (a, b, c) => L.blockDiag(a, b, c),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([[1, 2], [3, 4]]), tensor([5, 6]), tensor(7)], expected: [[1, 2, 0, 0, 0], [3, 4, 0, 0, 0], [0, 0, 5, 6, 0], [0, 0, 0, 0, 7]] },
      { name: "2×3, 3×1, 1×2", inputs: [rn([2, 3]), rn([3, 1]), rn([1, 2])] },
      { name: "with a 0×2 block", inputs: [rn([2, 1]), rn([0, 2]), rn([1, 1])], expected: (a, _b, c) => [[a.data[0], 0, 0, 0], [a.data[1], 0, 0, 0], [0, 0, 0, c.data[0]]] },
    ],
    errors: [{ name: "a 3-d block", inputs: () => [L.blockDiag(rn([2, 2]), rn([1, 2, 2]))], error: ShapeError, message: /^blockDiag: mats\[1\] must have at most 2 axes; got shape \[1, 2, 2\]/ }],
  },
  {
    name: "vander",
    fn: (x) => L.vander(x),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2, 3, 0])], expected: [[1, 1, 1, 1], [8, 4, 2, 1], [27, 9, 3, 1], [0, 0, 0, 1]] },
      { name: "batched 2×3", inputs: [rn([2, 3])], expected: (x) => new Tensor(Float64Array.from({ length: 18 }, (_, f) => x.data[Math.floor(f / 3)] ** (2 - (f % 3))), [2, 3, 3]) },
      { name: "empty", inputs: [rn([0])], expected: () => new Tensor(new Float64Array(0), [0, 0]) },
    ],
    errors: [
      { name: "0-d", inputs: () => [L.vander(tensor(2))], error: ShapeError, message: /^vander: x must have at least 1 axis/ },
      { name: "negative N", inputs: () => [L.vander(rn([2]), -1)], error: ArgumentError, message: /^vander: N must be an integer ≥ 0; got -1/ },
    ],
  },
  {
    name: "vander (N, increasing)",
    fn: (x) => L.vander(x, { N: 4, increasing: true }),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([2, -1])], expected: [[1, 2, 4, 8], [1, -1, 1, -1]] },
      { name: "vector 3", inputs: [rn([3])], expected: (x) => new Tensor(Float64Array.from({ length: 12 }, (_, f) => x.data[Math.floor(f / 4)] ** (f % 4)), [3, 4]) },
    ],
    errors: [{ name: "unknown option", inputs: () => [L.vander(rn([2]), { n: 2 } as never)], error: ArgumentError, message: /^vander: unknown option "n"; did you mean "N"\?/ }],
  },
  {
    name: "toeplitz",
    fn: (c, r) => L.toeplitz(c, r),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2, 3]), tensor([9, 4, 5, 6])], expected: [[1, 4, 5, 6], [2, 1, 4, 5], [3, 2, 1, 4]] },
      { name: "batched c 2×3, r 2", inputs: [rn([2, 3]), rn([2])], expected: (c, r) => new Tensor(Float64Array.from({ length: 12 }, (_, f) => { const b = Math.floor(f / 6), i = Math.floor(f / 2) % 3, j = f % 2; return i >= j ? c.data[b * 3 + i - j] : r.data[j - i]; }), [2, 3, 2]) },
      { name: "0-d c, r of 1", inputs: [rn([]), rn([1])], expected: (c) => [[c.data[0]]] },
    ],
    errors: [{ name: "batch mismatch", inputs: () => [L.toeplitz(rn([2, 3]), rn([3, 3]))], error: ShapeError, message: /^toeplitz: / }],
  },
  {
    name: "toeplitz (symmetric)",
    fn: (c) => L.toeplitz(c),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2, 3])], expected: [[1, 2, 3], [2, 1, 2], [3, 2, 1]] },
      { name: "vector 4", inputs: [rn([4])], expected: (c) => refGather(c, [4, 4], ([i, j]) => [Math.abs(i - j)]) },
      { name: "empty", inputs: [rn([0])], expected: () => new Tensor(new Float64Array(0), [0, 0]) },
    ],
    errors: [{ name: "a string", inputs: () => [L.toeplitz("c" as never)], error: ArgumentError, message: /^toeplitz: argument c must be/ }],
  },
  {
    name: "hankel",
    fn: (c, r) => L.hankel(c, r),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2, 3]), tensor([9, 4, 5, 6])], expected: [[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]] },
      { name: "c 2, r 3", inputs: [rn([2]), rn([3])], expected: (c, r) => [[c.data[0], c.data[1], r.data[1]], [c.data[1], r.data[1], r.data[2]]] },
      { name: "batched c 2×2, r 2", inputs: [rn([2, 2]), rn([2])], expected: (c, r) => [[[c.data[0], c.data[1]], [c.data[1], r.data[1]]], [[c.data[2], c.data[3]], [c.data[3], r.data[1]]]] },
    ],
    errors: [{ name: "batch mismatch", inputs: () => [L.hankel(rn([2, 3]), rn([3, 3]))], error: ShapeError, message: /^hankel: / }],
  },
  {
    name: "hankel (default r)",
    fn: (c) => L.hankel(c),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2, 3])], expected: [[1, 2, 3], [2, 3, 0], [3, 0, 0]] },
      { name: "vector 4", inputs: [rn([4])], expected: (c) => refGather(c, [4, 4], ([i, j]) => (i + j < 4 ? [i + j] : null)) },
    ],
  },
  {
    name: "circulant",
    fn: L.circulant,
    samples: () => [
      { name: "hand-checked", inputs: [tensor([1, 2, 3])], expected: [[1, 3, 2], [2, 1, 3], [3, 2, 1]] },
      { name: "batched 2×4", inputs: [rn([2, 4])], expected: (c) => refGather(c, [2, 4, 4], ([b, i, j]) => [b, mod(i - j, 4)]) },
      { name: "0-d", inputs: [rn([])], expected: (c) => [[c.data[0]]] },
    ],
    errors: [{ name: "a string", inputs: () => [L.circulant("c" as never)], error: ArgumentError, message: /^circulant: argument c must be/ }],
  },
];
