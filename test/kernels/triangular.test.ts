import { describe, it, expect } from "vitest";
import { triangularSolve, trsm, invertUpperInPlace } from "../../src/kernels/triangular.js";
import { mulberry32, randMat, matmul, maxAbsDiff, eye, frob } from "./factor-helpers.js";

/**
 * Random well-conditioned triangular matrix; the unused triangle (and the
 * diagonal when unit) is filled with NaN so reading it would poison the result.
 * Returns [stored, clean] where `clean` is the mathematical triangle.
 */
function randTri(rng: () => number, n: number, lower: boolean, unit: boolean): [Float64Array, Float64Array] {
  const stored = new Float64Array(n * n);
  const clean = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const inTri = lower ? j < i : j > i;
      if (i === j) {
        const d = (1 + rng()) * (rng() < 0.5 ? -1 : 1);
        stored[i * n + j] = unit ? NaN : d;
        clean[i * n + j] = unit ? 1 : d;
      } else if (inTri) {
        const v = (2 * rng() - 1) / Math.sqrt(n);
        stored[i * n + j] = v;
        clean[i * n + j] = v;
      } else {
        stored[i * n + j] = NaN;
      }
    }
  }
  return [stored, clean];
}

describe("triangularSolve", () => {
  const rng = mulberry32(1234);
  // sizes cross the recursion base (16) and the split alignment; right solves with
  // ≥ 64 rows take the transposed path
  const sizes = [0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 65, 100, 131];
  for (const lower of [true, false])
    for (const trans of [false, true])
      for (const unitDiagonal of [false, true])
        for (const left of [true, false]) {
          it(`lower=${lower} trans=${trans} unit=${unitDiagonal} left=${left}`, () => {
            for (const n of sizes) {
              for (const nrhs of n > 40 ? [0, 1, 3, 40, 70] : [0, 1, 3, 40]) {
                const [t, tc] = randTri(rng, n, lower, unitDiagonal);
                const opT = trans ? matmul(tc, eye(n), n, n, n, true, false) : tc;
                const b = randMat(rng, left ? n : nrhs, left ? nrhs : n);
                const bCopy = b.slice();
                const x = triangularSolve(t, n, b, nrhs, { lower, trans, unitDiagonal, left });
                expect(x.length).toBe(n * nrhs);
                expect(b).toEqual(bCopy); // input untouched
                const recon = left ? matmul(opT, x, n, n, nrhs) : matmul(x, opT, nrhs, n, n);
                const err = maxAbsDiff(recon, b);
                expect(err).toBeLessThan(1e-12 * Math.max(1, frob(b)));
              }
            }
          });
        }

  it("hand-checked 2×2 cases", () => {
    // L = [[2, 0], [1, 4]], b = [2, 9] → x = [1, 2]
    const L = new Float64Array([2, 99, 1, 4]);
    expect(Array.from(triangularSolve(L, 2, new Float64Array([2, 9]), 1, { lower: true, trans: false, unitDiagonal: false, left: true }))).toEqual([1, 2]);
    // Lᵀ = [[2, 1], [0, 4]], b = [4, 8] → x2 = 2, x1 = (4 − 2)/2 = 1
    expect(Array.from(triangularSolve(L, 2, new Float64Array([4, 8]), 1, { lower: true, trans: true, unitDiagonal: false, left: true }))).toEqual([1, 2]);
    // right: x·L = b with x = [1, 2]: b = [1*2 + 2*1, 2*4] = [4, 8]
    expect(Array.from(triangularSolve(L, 2, new Float64Array([4, 8]), 1, { lower: true, trans: false, unitDiagonal: false, left: false }))).toEqual([1, 2]);
    // unit lower: [[1,0],[1,1]] x = [1, 3] → [1, 2]
    expect(Array.from(triangularSolve(L, 2, new Float64Array([1, 3]), 1, { lower: true, trans: false, unitDiagonal: true, left: true }))).toEqual([1, 2]);
  });

  it("zero diagonal gives non-finite values, not an exception", () => {
    const U = new Float64Array([1, 2, 0, 0]);
    const x = triangularSolve(U, 2, new Float64Array([1, 1]), 1, { lower: false, trans: false, unitDiagonal: false, left: true });
    expect(Number.isFinite(x[1])).toBe(false);
  });

  it("throws on bad dimensions", () => {
    expect(() => triangularSolve(new Float64Array(4), 2, new Float64Array(3), 2, { lower: true, trans: false, unitDiagonal: false, left: true })).toThrow(RangeError);
    expect(() => triangularSolve(new Float64Array(4), -1, new Float64Array(3), 2, { lower: true, trans: false, unitDiagonal: false, left: true })).toThrow(RangeError);
    expect(() => triangularSolve(new Float64Array(4), 1.5, new Float64Array(3), 2, { lower: true, trans: false, unitDiagonal: false, left: true })).toThrow(RangeError);
  });

  it("trsm with alpha and offsets/leading dimensions", () => {
    const n = 40, nrhs = 7, ld = 50, ldb = 11;
    const [, tc] = randTri(rng, n, true, false);
    const big = new Float64Array(5 + n * ld).fill(NaN);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) big[5 + i * ld + j] = tc[i * n + j];
    const b = randMat(rng, n, nrhs);
    const B = new Float64Array(3 + n * ldb).fill(7);
    for (let i = 0; i < n; i++) for (let j = 0; j < nrhs; j++) B[3 + i * ldb + j] = b[i * nrhs + j];
    trsm(true, true, false, false, n, nrhs, -2, big, 5, ld, B, 3, ldb);
    const x = new Float64Array(n * nrhs);
    for (let i = 0; i < n; i++) for (let j = 0; j < nrhs; j++) x[i * nrhs + j] = B[3 + i * ldb + j];
    const r = matmul(tc, x, n, n, nrhs);
    for (let i = 0; i < r.length; i++) expect(r[i]).toBeCloseTo(-2 * b[i], 11);
    // padding columns untouched
    for (let i = 0; i < n; i++) for (let j = nrhs; j < ldb && 3 + i * ldb + j < B.length; j++) expect(B[3 + i * ldb + j]).toBe(7);
  });
});

describe("invertUpperInPlace", () => {
  const rng = mulberry32(99);
  for (const n of [0, 1, 2, 5, 32, 33, 64, 97, 130, 200]) {
    for (const unit of [false, true]) {
      it(`n=${n} unit=${unit}`, () => {
        const [, tc] = randTri(rng, n, false, unit);
        const w = tc.slice();
        // garbage below the diagonal must be preserved
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) w[i * n + j] = 42;
        if (unit) for (let i = 0; i < n; i++) w[i * n + i] = 13; // unit: diagonal not read
        invertUpperInPlace(w, 0, n, n, unit);
        const inv = new Float64Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < i; j++) expect(w[i * n + j]).toBe(42);
          if (unit) expect(w[i * n + i]).toBe(13);
          for (let j = i; j < n; j++) inv[i * n + j] = unit && i === j ? 1 : w[i * n + j];
        }
        expect(maxAbsDiff(matmul(tc, inv, n, n, n), eye(n))).toBeLessThan(1e-13);
      });
    }
  }
});
