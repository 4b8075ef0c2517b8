import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { diagProduct, permute, transposeBlock } from "../../src/kernels/layout.js";

const seq = (len: number, off = 0): Float64Array => Float64Array.from({ length: len }, (_, i) => ((i * 7919 + off) % 1000) / 7 - 50);

describe("cache-blocked transposes", () => {
  for (const [m, n] of [[1, 1], [1, 40], [33, 70], [100, 31], [64, 64], [0, 5]] as const)
    it(`transposeBlock ${m}×${n} with offsets`, () => {
      const x = seq(3 + m * n);
      const o = new Float64Array(5 + m * n).fill(NaN);
      transposeBlock(x, 3, m, n, o, 5);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(o[5 + j * m + i]).toBe(x[3 + i * n + j]);
      for (let i = 0; i < 5; i++) expect(o[i]).toBeNaN();
    });

  // the reference: out[i] = x[Σ idx_out[j]·stride_in[perm[j]]], one entry at a time
  const permuteNaive = (x: Float64Array, shape: number[], perm: number[]): Float64Array => {
    const r = shape.length, str = new Array<number>(r);
    for (let i = r - 1, s = 1; i >= 0; i--) { str[i] = s; s *= shape[i]; }
    const outShape = perm.map((p) => shape[p]), o = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      let rem = i, src = 0;
      for (let j = r - 1; j >= 0; j--) { src += (rem % outShape[j]) * str[perm[j]]; rem = Math.floor(rem / outShape[j]); }
      o[i] = x[src];
    }
    return o;
  };

  it("permute equals the entry-by-entry reference for any shape and permutation (merged axes, size-1 axes, runs, transposes)", () => {
    const arb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 5 }).chain((shape) =>
      fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }).map((perm) => ({ shape, perm })));
    fc.assert(fc.property(arb, ({ shape, perm }) => {
      const x = seq(shape.reduce((p, d) => p * d, 1), 11);
      expect(Array.from(permute(x, shape, perm))).toEqual(Array.from(permuteNaive(x, shape, perm)));
    }), { numRuns: 400 });
    // the Jacobian layouts: [in, out] ↔ [out, in] merge into one 2-D transpose
    const x = seq(6 * 7 * 8 * 9);
    for (const perm of [[2, 3, 0, 1], [1, 0, 2, 3], [0, 2, 1, 3], [3, 2, 1, 0], [0, 1, 3, 2]])
      expect(Array.from(permute(x, [6, 7, 8, 9], perm))).toEqual(Array.from(permuteNaive(x, [6, 7, 8, 9], perm)));
  });

  it("permute of the last two axes, batched, odd sizes", () => {
    const [b, m, n] = [3, 37, 45];
    const x = seq(b * m * n);
    const o = permute(x, [b, m, n], [0, 2, 1]);
    for (let t = 0; t < b; t++)
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(o[t * m * n + j * m + i]).toBe(x[t * m * n + i * n + j]);
  });
});

describe("diagProduct (a diagonal factor scales rows or columns)", () => {
  // out = D·op(X) (left) or op(X)·D (right), D diagonal; compared with the dense definition
  for (const trans of [false, true])
    for (const left of [true, false])
      it(`${left ? "D·op(X)" : "op(X)·D"}, op = ${trans ? "transpose" : "identity"}, 70×45 with padding`, () => {
        const m = 70, n = 45, ld = (trans ? m : n) + 3, k = left ? m : n;
        const X = seq(2 + (trans ? n : m) * ld, 1);
        const D = new Float64Array(k * k);
        for (let i = 0; i < k; i++) D[i * k + i] = (i % 5) - 2;
        const out = new Float64Array(m * n);
        diagProduct(left, D, 0, X, 2, ld, trans, m, n, out, 0);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            const x = trans ? X[2 + j * ld + i] : X[2 + i * ld + j];
            expect(out[i * n + j]).toBe(left ? D[i * k + i] * x : x * D[j * k + j]);
          }
      });
});
