import { describe, it, expect } from "vitest";
import { luFactor, luSolve, luInverse, rcondEstimate, matrixNorm1 } from "../../src/kernels/lu.js";
import { mulberry32, randMat, matmul, maxAbsDiff, eye, frob, relDiff, isFiniteArray } from "./factor-helpers.js";

/** Rebuild P·A from pivots and L·U from the packed factors. */
function check(a: Float64Array, n: number, res: ReturnType<typeof luFactor>): number {
  const { lu, piv } = res;
  const L = new Float64Array(n * n);
  const U = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (j < i) L[i * n + j] = lu[i * n + j];
      else U[i * n + j] = lu[i * n + j];
      if (i === j) L[i * n + i] = 1;
    }
  const pa = a.slice();
  for (let i = 0; i < n; i++) {
    expect(piv[i]).toBeGreaterThanOrEqual(i);
    expect(piv[i]).toBeLessThan(n);
    if (piv[i] !== i) for (let c = 0; c < n; c++) [pa[i * n + c], pa[piv[i] * n + c]] = [pa[piv[i] * n + c], pa[i * n + c]];
  }
  // partial pivoting: |L| ≤ 1
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Math.abs(L[i * n + j])).toBeLessThanOrEqual(1);
  return relDiff(pa, matmul(L, U, n, n, n));
}

function detSign(piv: Int32Array): number {
  let s = 1;
  for (let i = 0; i < piv.length; i++) if (piv[i] !== i) s = -s;
  return s;
}

describe("luFactor", () => {
  const rng = mulberry32(7);
  for (const n of [0, 1, 2, 3, 7, 31, 32, 33, 64, 65, 100, 130, 256]) {
    it(`random n=${n}: P·A = L·U`, () => {
      const a = randMat(rng, n, n);
      const copy = a.slice();
      const res = luFactor(a, n);
      expect(a).toEqual(copy);
      expect(res.info).toBe(-1);
      expect(res.sign).toBe(detSign(res.piv));
      expect(check(a, n, res)).toBeLessThan(1e-13);
    });
  }

  it("hand-checked 2×2", () => {
    // A = [[1, 2], [3, 4]]: pivot row 1; L = [[1,0],[1/3,1]], U = [[3,4],[0,2/3]]
    const r = luFactor(new Float64Array([1, 2, 3, 4]), 2);
    expect(Array.from(r.piv)).toEqual([1, 1]);
    expect(r.sign).toBe(-1);
    expect(r.lu[0]).toBe(3);
    expect(r.lu[1]).toBe(4);
    expect(r.lu[2]).toBeCloseTo(1 / 3, 15);
    expect(r.lu[3]).toBeCloseTo(2 / 3, 15);
    expect(r.info).toBe(-1);
    // det = sign · Π diag = −1 · 3 · 2/3 = −2
    expect(r.sign * r.lu[0] * r.lu[3]).toBeCloseTo(-2, 14);
  });

  it("1×1 and zero 1×1", () => {
    expect(luFactor(new Float64Array([5]), 1)).toMatchObject({ info: -1, sign: 1 });
    expect(luFactor(new Float64Array([0]), 1).info).toBe(0);
  });

  it("reports the first zero pivot (singular matrices)", () => {
    // second column a multiple of the first → U[1,1] = 0
    const a = new Float64Array([1, 2, 3, 2, 4, 5, 3, 6, 7]);
    const r = luFactor(a, 3);
    expect(r.info).toBe(1);
    expect(check(a, 3, r)).toBeLessThan(1e-15);
    // zero matrix: first pivot zero
    expect(luFactor(new Float64Array(16), 4).info).toBe(0);
    // rank-deficient large matrix: last row = sum of two others → first zero pivot late
    const rng2 = mulberry32(3);
    const n = 70;
    const b = randMat(rng2, n, n);
    for (let i = 0; i < n; i++) b[i * n + 69] = 0; // exact zero column at the end
    const rb = luFactor(b, n);
    expect(rb.info).toBe(69);
  });

  it("throws on bad dims", () => {
    expect(() => luFactor(new Float64Array(3), 2)).toThrow(RangeError);
    expect(() => luFactor(new Float64Array(4), -2)).toThrow(RangeError);
  });
});

describe("luSolve", () => {
  const rng = mulberry32(11);
  for (const n of [0, 1, 2, 5, 33, 70, 129]) {
    for (const nrhs of [0, 1, 4, 50]) {
      for (const trans of [false, true]) {
        it(`n=${n} nrhs=${nrhs} trans=${trans}`, () => {
          const a = randMat(rng, n, n);
          const b = randMat(rng, n, nrhs);
          const { lu, piv } = luFactor(a, n);
          const x = luSolve(lu, piv, n, b, nrhs, trans);
          expect(x.length).toBe(n * nrhs);
          const ax = matmul(a, x, n, n, nrhs, trans, false);
          expect(maxAbsDiff(ax, b)).toBeLessThan(1e-11 * Math.max(1, frob(x)));
        });
      }
    }
  }
  it("hand-checked", () => {
    const a = new Float64Array([2, 1, 1, 3]);
    const { lu, piv } = luFactor(a, 2);
    const x = luSolve(lu, piv, 2, new Float64Array([3, 5]), 1, false); // x = [0.8, 1.4]
    expect(x[0]).toBeCloseTo(0.8, 15);
    expect(x[1]).toBeCloseTo(1.4, 15);
    const a2 = new Float64Array([1, 2, 0, 1]); // Aᵀ = [[1,0],[2,1]]; Aᵀx = [1, 4] → x = [1, 2]
    const f = luFactor(a2, 2);
    expect(Array.from(luSolve(f.lu, f.piv, 2, new Float64Array([1, 4]), 1, true))).toEqual([1, 2]);
  });
});

describe("luInverse", () => {
  const rng = mulberry32(5);
  for (const n of [0, 1, 2, 3, 31, 32, 33, 64, 100, 256]) {
    it(`n=${n}: A·inv(A) = inv(A)·A = I`, () => {
      const a = randMat(rng, n, n);
      const { lu, piv, info } = luFactor(a, n);
      expect(info).toBe(-1);
      const inv = luInverse(lu, piv, n);
      const tol = 1e-10; // random matrices have cond ~ n
      expect(maxAbsDiff(matmul(a, inv, n, n, n), eye(n))).toBeLessThan(tol);
      expect(maxAbsDiff(matmul(inv, a, n, n, n), eye(n))).toBeLessThan(tol);
      // agrees with solving against the identity
      expect(relDiff(luSolve(lu, piv, n, eye(n), n, false), inv)).toBeLessThan(1e-12);
    });
  }
  it("hand-checked 2×2", () => {
    const { lu, piv } = luFactor(new Float64Array([4, 7, 2, 6]), 2);
    const inv = luInverse(lu, piv, 2);
    const want = [0.6, -0.7, -0.2, 0.4];
    for (let i = 0; i < 4; i++) expect(inv[i]).toBeCloseTo(want[i], 14);
  });
  it("singular input yields non-finite entries (no throw)", () => {
    const { lu, piv, info } = luFactor(new Float64Array([1, 2, 2, 4]), 2);
    expect(info).toBe(1);
    expect(isFiniteArray(luInverse(lu, piv, 2))).toBe(false);
  });
});

describe("rcondEstimate", () => {
  it("identity and diagonal matrices are exact", () => {
    const n = 6;
    const { lu, piv } = luFactor(eye(n), n);
    expect(rcondEstimate(lu, piv, n, 1)).toBeCloseTo(1, 14);
    const d = new Float64Array(n * n);
    for (let i = 0; i < n; i++) d[i * n + i] = 10 ** -i;
    const f = luFactor(d, n);
    expect(rcondEstimate(f.lu, f.piv, n, matrixNorm1(d, n, n))).toBeCloseTo(1e-5, 18);
  });
  it("within a factor of 3 of the true value on random matrices, and never above it", () => {
    const rng = mulberry32(21);
    for (const n of [1, 2, 5, 20, 60]) {
      const a = randMat(rng, n, n);
      const { lu, piv } = luFactor(a, n);
      const inv = luInverse(lu, piv, n);
      const anorm = matrixNorm1(a, n, n);
      const truth = 1 / (anorm * matrixNorm1(inv, n, n));
      const est = rcondEstimate(lu, piv, n, anorm);
      expect(est).toBeGreaterThanOrEqual(truth * (1 - 1e-12));
      expect(est).toBeLessThanOrEqual(truth * 3);
    }
  });
  it("detects near-singularity and exact singularity", () => {
    const eps = 1e-14;
    const a = new Float64Array([1, 1, 1, 1 + eps]);
    const f = luFactor(a, 2);
    expect(rcondEstimate(f.lu, f.piv, 2, matrixNorm1(a, 2, 2))).toBeLessThan(1e-13);
    const s = luFactor(new Float64Array([1, 2, 2, 4]), 2);
    expect(rcondEstimate(s.lu, s.piv, 2, 6)).toBe(0);
    expect(rcondEstimate(new Float64Array(0), new Int32Array(0), 0, 0)).toBe(1);
  });
  it("matrixNorm1", () => {
    expect(matrixNorm1(new Float64Array([1, -2, 3, 4]), 2, 2)).toBe(6);
    expect(matrixNorm1(new Float64Array([1, -2, 3]), 1, 3)).toBe(3);
  });
});
