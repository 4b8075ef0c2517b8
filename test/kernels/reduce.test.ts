/**
 * Accurate reductions (issue 12, point 6): the sum kernel is pairwise, so
 * sum, mean, variance, logsumexp, norms and dot products of many terms stay
 * within a few ulps where a running sum drifts by n·ε (1.6e-10 relative for
 * 1e7 copies of 0.1). Also: every axis layout of the kernel against a naive
 * reference, and non-finite propagation.
 */
import { describe, it, expect } from "vitest";
import { full, ones, randn, tensor, sum, mean, variance, logsumexp, dot, vdot, linalg } from "../../src/index.js";
import { reduce, pairwiseSum, pairwiseDot, PAIRWISE_BLOCK } from "../../src/kernels/reduce.js";

const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

/** Reference: exact-ish sum by sorting magnitudes and a compensated (Kahan–Babuška) loop. */
function refSum(xs: ArrayLike<number>): number {
  let s = 0, c = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i], t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
    s = t;
  }
  return s + c;
}

describe("pairwise summation: accuracy", () => {
  it("full([1e7], 0.1).sum() is within 1e-13 relative of 1e6", () => {
    expect(rel(full([1e7], 0.1).sum().item(), 1e6)).toBeLessThan(1e-13);
  });

  it("mean, variance, logsumexp, norms and dot products of 1e6 terms are within 1e-13", () => {
    const n = 1e6;
    const x = full([n], 0.1);
    expect(rel(mean(x).item(), 0.1)).toBeLessThan(1e-13);
    // variance of 0.1 + alternating ±1 (exactly 1 with the population divisor)
    const alt = tensor(Array.from({ length: n }, (_, i) => 0.1 + (i % 2 === 0 ? 1 : -1)));
    expect(rel(variance(alt, { correction: 0 }).item(), 1)).toBeLessThan(1e-13);
    // logsumexp of n equal values v: v + log n
    expect(rel(logsumexp(x).item(), 0.1 + Math.log(n))).toBeLessThan(1e-13);
    // ‖0.1·1‖₂ = 0.1·√n, ‖·‖₁ = 0.1·n
    expect(rel(linalg.vectorNorm(x).item(), 0.1 * Math.sqrt(n))).toBeLessThan(1e-13);
    expect(rel(linalg.vectorNorm(x, 1).item(), 0.1 * n)).toBeLessThan(1e-13);
    // dot / vdot (sum of a product): ⟨0.1·1, 1⟩ = 0.1·n
    expect(rel(dot(x, ones([n])).item(), 0.1 * n)).toBeLessThan(1e-13);
    expect(rel(vdot(x.reshape([1000, 1000]), ones([1000, 1000])).item(), 0.1 * n)).toBeLessThan(1e-13);
  });

  it("reductions over leading and middle axes are pairwise too (column sums of 1e6 rows)", () => {
    const rows = 1_000_000, cols = 3;
    const x = new Float64Array(rows * cols).fill(0.1);
    const o = reduce("sum", x, [rows, cols], [0]);
    for (const v of o) expect(rel(v, 1e5)).toBeLessThan(1e-13);
    const m = reduce("sum", x, [1, rows, cols], [1]);
    for (const v of m) expect(rel(v, 1e5)).toBeLessThan(1e-13);
    // interleaved axes (reduced, kept, reduced): through a transpose, still pairwise
    const y = new Float64Array(1000 * 2 * 1000).fill(0.1);
    const p = reduce("sum", y, [1000, 2, 1000], [0, 2]);
    for (const v of p) expect(rel(v, 1e5)).toBeLessThan(1e-13);
  });

  it("random data: error ≤ a few ulps of Σ|x| (a running sum's grows like n·ε)", () => {
    const x = randn([1 << 20], { seed: 11 }).data;
    let abs = 0;
    for (const v of x) abs += Math.abs(v);
    expect(Math.abs(pairwiseSum(x, 0, x.length) - refSum(x)) / abs).toBeLessThan(64 * Number.EPSILON);
    const y = randn([1 << 20], { seed: 12 }).data;
    const prods = x.map((v, i) => v * y[i]);
    let absP = 0;
    for (const v of prods) absP += Math.abs(v);
    expect(Math.abs(pairwiseDot(x, y) - refSum(prods)) / absP).toBeLessThan(64 * Number.EPSILON);
  });
});

describe("sum kernel: every layout against a naive reference", () => {
  /** Naive per-element accumulation into the output offset (the old kernel's general path). */
  function naive(x: Float64Array, shape: number[], axes: number[]): Float64Array {
    const keep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const out = new Float64Array(keep.reduce((p, d) => p * d, 1));
    const idx = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < x.length; i++) {
      let r = i;
      for (let k = shape.length - 1; k >= 0; k--) {
        idx[k] = r % shape[k];
        r = Math.floor(r / shape[k]);
      }
      let off = 0;
      for (let k = 0; k < shape.length; k++) off = off * keep[k] + (axes.includes(k) ? 0 : idx[k]);
      out[off] += x[i];
    }
    return out;
  }

  const shapes = [[3, 4, 5, 6], [1, 7, 1, 300], [2, 1, 3], [300, 2], [2, 300], [1], [5, 1]];
  for (const shape of shapes) {
    it(`shape [${shape.join(", ")}], every subset of axes`, () => {
      const size = shape.reduce((p, d) => p * d, 1);
      const x = randn([size], { seed: size }).data;
      const r = shape.length;
      for (let mask = 1; mask < 1 << r; mask++) {
        const axes = [...Array(r).keys()].filter((k) => (mask >> k) & 1);
        const got = reduce("sum", x, shape, axes);
        const want = naive(x, shape, axes);
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[i])));
      }
    });
  }

  it("block boundaries: n = 0 … 3·BLOCK + 5 of integers sum exactly", () => {
    for (let n = 0; n <= 3 * PAIRWISE_BLOCK + 5; n++) {
      const x = Float64Array.from({ length: n }, (_, i) => i + 1);
      expect(pairwiseSum(x, 0, n)).toBe((n * (n + 1)) / 2);
      expect(pairwiseDot(x, x)).toBe((n * (n + 1) * (2 * n + 1)) / 6);
    }
  });

  it("non-finite values propagate (NaN in, NaN out; +∞ and −∞ give NaN)", () => {
    const big = new Float64Array(10_000).fill(1);
    big[7777] = NaN;
    expect(sum(tensor(big)).item()).toBeNaN();
    big[7777] = Infinity;
    expect(sum(tensor(big)).item()).toBe(Infinity);
    big[3] = -Infinity;
    expect(sum(tensor(big)).item()).toBeNaN();
    const cols = new Float64Array(600).fill(1);
    cols[2 * 3 + 1] = NaN;
    const o = reduce("sum", cols, [200, 3], [0]);
    expect(o[0]).toBe(200);
    expect(o[1]).toBeNaN();
  });
});
