import { describe, it, expect } from "vitest";
import { choleskyBackward, choleskyFactor, choleskySolve, lowerHalfTN } from "../../src/kernels/cholesky.js";
import { triangularSolve } from "../../src/kernels/triangular.js";
import { mulberry32, randMat, randSpd, matmul, maxAbsDiff, relDiff, frob } from "./factor-helpers.js";

/** Keep only the lower triangle; fill the strict upper part with NaN (must not be read). */
function lowerWithNaN(a: Float64Array, n: number): Float64Array {
  const b = a.slice();
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) b[i * n + j] = NaN;
  return b;
}

describe("choleskyFactor", () => {
  const rng = mulberry32(42);
  for (const n of [0, 1, 2, 3, 17, 31, 32, 33, 64, 65, 100, 256]) {
    it(`random SPD n=${n}: A = L·Lᵀ`, () => {
      const a = randSpd(rng, n);
      const input = lowerWithNaN(a, n);
      const copy = input.slice();
      const { l, info, pivotValue } = choleskyFactor(input, n);
      expect(input).toEqual(copy);
      expect(info).toBe(-1);
      expect(pivotValue).toBe(0);
      for (let i = 0; i < n; i++) {
        expect(l[i * n + i]).toBeGreaterThan(0);
        for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
      }
      expect(relDiff(a, matmul(l, l, n, n, n, false, true))).toBeLessThan(1e-14);
    });
  }

  it("hand-checked 2×2 and 3×3", () => {
    // [[4, 2], [2, 5]] = [[2,0],[1,2]]·[[2,1],[0,2]]
    const r = choleskyFactor(new Float64Array([4, NaN, 2, 5]), 2);
    expect(Array.from(r.l)).toEqual([2, 0, 1, 2]);
    // [[25,15,-5],[15,18,0],[-5,0,11]] → L = [[5,0,0],[3,3,0],[-1,1,3]]
    const r3 = choleskyFactor(new Float64Array([25, 0, 0, 15, 18, 0, -5, 0, 11]), 3);
    expect(maxAbsDiff(r3.l, [5, 0, 0, 3, 3, 0, -1, 1, 3])).toBeLessThan(1e-15);
    expect(Array.from(choleskyFactor(new Float64Array([9]), 1).l)).toEqual([3]);
  });

  it("reports the first non-positive pivot and its value", () => {
    // [[1,2],[2,1]]: second pivot 1 − 4 = −3
    const r = choleskyFactor(new Float64Array([1, 0, 2, 1]), 2);
    expect(r.info).toBe(1);
    expect(r.pivotValue).toBeCloseTo(-3, 15);
    expect(choleskyFactor(new Float64Array([-2]), 1)).toMatchObject({ info: 0, pivotValue: -2 });
    expect(choleskyFactor(new Float64Array(9), 3)).toMatchObject({ info: 0, pivotValue: 0 });
    // singular PSD: [[1,1],[1,1]] → second pivot exactly 0
    expect(choleskyFactor(new Float64Array([1, 1, 1, 1]), 2)).toMatchObject({ info: 1, pivotValue: 0 });
    // NaN pivot
    expect(choleskyFactor(new Float64Array([NaN]), 1).info).toBe(0);
  });

  it("failing pivot deep inside a blocked factorization", () => {
    const rng2 = mulberry32(5);
    const n = 90;
    const a = randSpd(rng2, n);
    // make the leading 70×70 block SPD and the 70th Schur pivot negative:
    // set a[70,70] = Σ_k L[70,k]² − 0.5 computed from the exact factor
    const { l } = choleskyFactor(a, n);
    let s = 0;
    for (let k = 0; k < 70; k++) s += l[70 * n + k] ** 2;
    a[70 * n + 70] = s - 0.5;
    const r = choleskyFactor(a, n);
    expect(r.info).toBe(70);
    expect(r.pivotValue).toBeCloseTo(-0.5, 9);
    // leading block is a valid factor
    const m = 70;
    const lead = new Float64Array(m * m);
    const lm = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        lead[i * m + j] = a[i * n + j];
        lm[i * m + j] = j <= i ? r.l[i * n + j] : 0;
      }
    expect(relDiff(lead, matmul(lm, lm, m, m, m, false, true))).toBeLessThan(1e-14);
  });

  it("throws on bad dims", () => {
    expect(() => choleskyFactor(new Float64Array(3), 2)).toThrow(RangeError);
  });
});

describe("choleskySolve", () => {
  const rng = mulberry32(8);
  for (const n of [0, 1, 2, 33, 80]) {
    for (const nrhs of [0, 1, 5, 40]) {
      it(`n=${n} nrhs=${nrhs}`, () => {
        const a = randSpd(rng, n);
        const b = randMat(rng, n, nrhs);
        const { l } = choleskyFactor(a, n);
        // garbage in the upper triangle of l must not be read
        const lg = l.slice();
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) lg[i * n + j] = NaN;
        const x = choleskySolve(lg, n, b, nrhs);
        expect(maxAbsDiff(matmul(a, x, n, n, nrhs), b)).toBeLessThan(1e-12 * Math.max(1, frob(b)));
      });
    }
  }
});

describe("lowerHalfTN", () => {
  const rng = mulberry32(7);
  for (const n of [0, 1, 3, 33, 64, 129, 200]) {
    it(`n=${n}: Φ(Lᵀ G) reading only tril(L), matches the naive product`, () => {
      const l = lowerWithNaN(randMat(rng, n, n), n);
      const g = randMat(rng, n, n);
      const out = lowerHalfTN(l, g, n);
      const ref = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = i; k < n; k++) s += l[k * n + i] * g[k * n + j];
          ref[i * n + j] = i === j ? 0.5 * s : s;
        }
      expect(maxAbsDiff(out, ref)).toBeLessThan(1e-12 * Math.max(1, n));
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(out[i * n + j]).toBe(0);
    });
  }
  it("hand-checked 2×2", () => {
    // L = [[1, ·], [2, 3]], G = [[1, 2], [3, 4]]: LᵀG = [[7, 10], [9, 12]] → [[3.5, 0], [9, 6]]
    expect(Array.from(lowerHalfTN(new Float64Array([1, NaN, 2, 3]), new Float64Array([1, 2, 3, 4]), 2))).toEqual([3.5, 0, 9, 6]);
  });
});

describe("choleskyBackward", () => {
  const rng = mulberry32(3);
  for (const n of [0, 1, 2, 5, 32, 33, 70, 200]) {
    it(`n=${n}: equals sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹) computed by products and solves; reads only tril(L̄)`, () => {
      const { l } = choleskyFactor(randSpd(rng, n), n);
      const g = randMat(rng, n, n);
      const gNaN = lowerWithNaN(g, n);
      const out = choleskyBackward(l, gNaN, n);
      // reference: P = Φ(Lᵀ G) naively, two triangular solves, symmetric part
      const p = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = i; k < n; k++) s += l[k * n + i] * g[k * n + j];
          p[i * n + j] = i === j ? 0.5 * s : s;
        }
      const y = triangularSolve(l, n, p, n, { lower: true, trans: true, unitDiagonal: false, left: true });
      const sm = triangularSolve(l, n, y, n, { lower: true, trans: false, unitDiagonal: false, left: false });
      const ref = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ref[i * n + j] = 0.5 * (sm[i * n + j] + sm[j * n + i]);
      expect(maxAbsDiff(out, ref)).toBeLessThan(1e-13 * Math.max(1, frob(ref)));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(out[j * n + i]).toBe(out[i * n + j]);
    });
  }
  it("hand-checked 1×1 and 2×2", () => {
    // A = l², L̄ = g: Ā = g/(2l)
    expect(Array.from(choleskyBackward(new Float64Array([3]), new Float64Array([6]), 1))).toEqual([1]);
    // L = I: Ā = sym(Φ(L̄))
    const out = choleskyBackward(new Float64Array([1, 0, 0, 1]), new Float64Array([2, NaN, 4, 6]), 2);
    expect(Array.from(out)).toEqual([1, 2, 2, 3]); // Φ(L̄) = [[1, 0], [4, 3]], sym → [[1, 2], [2, 3]]
  });
});
