import { describe, expect, it } from "vitest";
import { binary, broadcastTo, where, type BinaryOp } from "../../src/kernels/elementwise.js";

const seq = (len: number, off = 0): Float64Array => Float64Array.from({ length: len }, (_, i) => ((i * 7919 + off) % 1000) / 7 - 50);
const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** The entry of a (shape s, right-aligned in out) that broadcasts to the out multi-index idx. */
function at(a: Float64Array, s: readonly number[], idx: readonly number[]): number {
  let off = 0;
  for (let i = 0; i < s.length; i++) {
    const j = idx[idx.length - s.length + i];
    off = off * s[i] + (s[i] === 1 ? 0 : j);
  }
  return a[off];
}

function* indices(shape: readonly number[]): Generator<number[]> {
  const n = size(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let t = 0; t < n; t++) {
    yield idx;
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      if (++idx[ax] < shape[ax]) break;
      idx[ax] = 0;
    }
  }
}

const refOp: Record<string, (x: number, y: number) => number> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y,
  maximum: (x, y) => Math.max(x, y), gt: (x, y) => (x > y ? 1 : 0),
};

// broadcast patterns met under vmap (batched ∘ shared, per-example scalars) and general ones;
// the kernel merges runs of axes whose strides are contiguous for every operand
const cases: [number[], number[], number[]][] = [
  [[7, 5, 6], [5, 6], [7, 5, 6]],
  [[5, 6], [7, 5, 6], [7, 5, 6]],
  [[7, 5, 6], [7, 1, 1], [7, 5, 6]],
  [[7, 1, 1], [7, 5, 6], [7, 5, 6]],
  [[7, 1, 6], [7, 5, 1], [7, 5, 6]],
  [[4, 1, 5, 6], [3, 1, 6], [4, 3, 5, 6]],
  [[1, 5, 1], [7, 1, 6], [7, 5, 6]],
  [[7, 5, 6], [1, 1, 1], [7, 5, 6]],
  [[2, 1, 3, 1, 4], [2, 5, 3, 6, 4], [2, 5, 3, 6, 4]],
  [[1], [3, 1], [3, 1]],
  [[1, 1], [1], [1, 1]],
  [[0, 3], [3], [0, 3]],
  [[6], [4, 1], [4, 6]],
];

describe("binary kernels with broadcasting (merged axes)", () => {
  for (const [as, bs, os] of cases)
    for (const op of Object.keys(refOp) as BinaryOp[])
      it(`${op}: [${as}] ∘ [${bs}] → [${os}]`, () => {
        const a = seq(size(as), 3), b = seq(size(bs), 11).map((v) => (v === 0 ? 1 : v));
        const o = binary(op, a, as, b, bs, os);
        expect(o.length).toBe(size(os));
        let t = 0;
        for (const idx of indices(os)) expect(o[t++]).toBe(refOp[op](at(a, as, idx), at(b, bs, idx)));
      });
});

describe("where and broadcastTo (merged axes)", () => {
  it("where with a per-example condition, a shared x and a batched y", () => {
    const cs = [7, 1, 1], xs = [5, 6], ys = [7, 5, 6], os = [7, 5, 6];
    const c = seq(7).map((v, i) => (i % 2 === 0 ? 0 : v)), x = seq(30, 1), y = seq(210, 2);
    const o = where(c, cs, x, xs, y, ys, os);
    let t = 0;
    for (const idx of indices(os)) expect(o[t++]).toBe(at(c, cs, idx) !== 0 ? at(x, xs, idx) : at(y, ys, idx));
  });
  for (const [as, os] of [[[5, 6], [7, 5, 6]], [[7, 1, 6], [7, 5, 6]], [[1, 5, 1], [3, 5, 4]]] as const)
    it(`broadcastTo [${as}] → [${os}]`, () => {
      const a = seq(size(as));
      const o = broadcastTo(a, as, os);
      let t = 0;
      for (const idx of indices(os)) expect(o[t++]).toBe(at(a, as, idx));
    });
});
