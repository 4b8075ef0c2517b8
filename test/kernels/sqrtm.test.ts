import { describe, it, expect } from "vitest";
import { sqrtm, sqrtmSchur, sqrtmQuasiTriangular } from "../../src/kernels/sqrtm.js";
import { solveSylvesterSchur } from "../../src/kernels/sylvester.js";
import { realSchur, schurEigenvalues } from "../../src/kernels/schur.js";
import { mulberry32, randn, randnMat, mul, frob, posSpectrum } from "./matfun-helpers.js";


describe("sqrtm (Higham 1987 real Schur method)", () => {
  it("‖X² − A‖/‖A‖ ≤ 1e-12 for positive-real-part spectra, n = 1, 2, 3, 5, 16, 50", () => {
    const rng = mulberry32(31);
    for (const n of [1, 2, 3, 5, 16, 50]) {
      for (let rep = 0; rep < 2; rep++) {
        const a = posSpectrum(rng, n);
        const { x, info } = sqrtm(a, n);
        expect(info).toBe(0);
        const r = mul(x, x, n).map((v, i) => v - a[i]);
        expect(frob(r) / frob(a)).toBeLessThan(1e-12);
        // principal: the eigenvalues of X have positive real parts
        const ev = schurEigenvalues(realSchur(x, n).t, n);
        for (let i = 0; i < n; i++) expect(ev.re[i]).toBeGreaterThan(0);
      }
    }
  });

  it("rotation-scaling block: √[[a,−b],[b,a]] = [[α,−β],[β,α]] with α+iβ = √(a+ib), incl. a < 0", () => {
    for (const [a, b] of [
      [3, 4],
      [0, 2],
      [-5, 0.5],
      [-1, 1e-3],
    ]) {
      const { x, info } = sqrtm(new Float64Array([a, -b, b, a]), 2);
      expect(info).toBe(0);
      const r = Math.hypot(a, b);
      const alpha = Math.sqrt((r + a) / 2);
      const beta = b / (2 * alpha);
      // complex sqrt via the stable formula when a < 0
      const al = a >= 0 ? alpha : Math.abs(b) / (2 * Math.sqrt((r - a) / 2));
      const be = a >= 0 ? beta : Math.sqrt((r - a) / 2) * Math.sign(b);
      expect(x[0]).toBeCloseTo(al, 13);
      expect(x[3]).toBeCloseTo(al, 13);
      expect(x[2]).toBeCloseTo(be, 13);
      expect(x[1]).toBeCloseTo(-be, 13);
    }
  });

  it("complex-conjugate eigenvalues inside a larger non-normal matrix (blocks of both kinds)", () => {
    const rng = mulberry32(32);
    const n = 7;
    // T = blockdiag(rotation-scaling 2×2 blocks, positive reals) + strictly upper noise, then rotate
    const T = new Float64Array(n * n);
    const blocks = [
      [1, 3],
      [-0.5, 2],
    ];
    blocks.forEach(([a, b], k) => {
      const o = 2 * k;
      T[o * n + o] = T[(o + 1) * n + o + 1] = a;
      T[o * n + o + 1] = -b;
      T[(o + 1) * n + o] = b;
    });
    T[4 * n + 4] = 0.3;
    T[5 * n + 5] = 4;
    T[6 * n + 6] = 1e-3;
    for (let i = 0; i < n; i++) for (let j = i + 2; j < n; j++) T[i * n + j] = randn(rng);
    T[1 * n + 2] = randn(rng); // between blocks
    T[3 * n + 4] = randn(rng);
    const Q = realSchur(randnMat(rng, n), n).z;
    const A = mul(mul(Q, T, n), Q, n, false, true);
    const { x, info } = sqrtm(A, n);
    expect(info).toBe(0);
    const r = mul(x, x, n).map((v, i) => v - A[i]);
    expect(frob(r) / frob(A)).toBeLessThan(1e-12);
  });

  it("symmetric positive definite: X = Q diag(√λ) Qᵀ is symmetric", () => {
    const rng = mulberry32(33);
    const n = 10;
    const Q = realSchur(randnMat(rng, n), n).z;
    const lam = Array.from({ length: n }, (_, i) => 0.1 + i * i);
    const D = new Float64Array(n * n);
    const S = new Float64Array(n * n);
    lam.forEach((l, i) => {
      D[i * n + i] = l;
      S[i * n + i] = Math.sqrt(l);
    });
    const A = mul(mul(Q, D, n), Q, n, false, true);
    const want = mul(mul(Q, S, n), Q, n, false, true);
    const { x } = sqrtm(A, n);
    expect(frob(x.map((v, i) => v - want[i])) / frob(want)).toBeLessThan(1e-13);
  });

  it("negative real eigenvalue → info = 1 with the eigenvalue; zero eigenvalue → info = 2", () => {
    const rng = mulberry32(34);
    const n = 4;
    const Q = realSchur(randnMat(rng, n), n).z;
    const D = new Float64Array(n * n);
    [2, 1, -3, 0.5].forEach((v, i) => (D[i * n + i] = v));
    const A = mul(mul(Q, D, n), Q, n, false, true);
    const r = sqrtm(A, n);
    expect(r.info).toBe(1);
    expect(r.eigenvalue).toBeCloseTo(-3, 12);
    expect(r.x.every((v) => Number.isNaN(v))).toBe(true);
    // −I: repeated negative eigenvalue (no real principal root)
    expect(sqrtm(new Float64Array([-1, 0, 0, -1]), 2).info).toBe(1);
    // 1×1
    const one = sqrtm(new Float64Array([-2]), 1);
    expect(one.info).toBe(1);
    expect(one.eigenvalue).toBe(-2);
    // zero eigenvalue, simple: the root exists and is returned, info flags the singularity
    const z = sqrtm(new Float64Array([0, 1, 0, 4]), 2);
    expect(z.info).toBe(2);
    expect(z.eigenvalue).toBe(0);
    const r2 = mul(z.x, z.x, 2);
    expect(Array.from(r2)).toEqual([0, 1, 0, 4].map((v) => expect.closeTo(v, 14)));
  });

  it("0×0 and 1×1", () => {
    const e = sqrtm(new Float64Array(0), 0);
    expect(e.x.length).toBe(0);
    expect(e.info).toBe(0);
    expect(Array.from(sqrtm(new Float64Array([6.25]), 1).x)).toEqual([2.5]);
  });

  it("quasi-triangular core: U² = T and U keeps T's block structure", () => {
    const rng = mulberry32(35);
    const n = 9;
    const { t } = realSchur(posSpectrum(rng, n), n);
    const { u, info } = sqrtmQuasiTriangular(t, n);
    expect(info).toBe(0);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) {
        if (j === i - 1 && t[i * n + j] !== 0) expect(u[i * n + j]).not.toBe(0);
        else expect(u[i * n + j]).toBe(0);
      }
    const r = mul(u, u, n).map((v, i) => v - t[i]);
    expect(frob(r) / frob(t)).toBeLessThan(1e-14 * n);
  });

  it("backward: Ā from Xᵀ Ā + Ā Xᵀ = X̄ (reusing sqrtmSchur's u, z) matches finite differences", () => {
    const rng = mulberry32(36);
    const n = 5;
    const A = posSpectrum(rng, n);
    const W = randnMat(rng, n);
    const loss = (a: Float64Array): number => {
      const x = sqrtm(a, n).x;
      let s = 0;
      for (let i = 0; i < n * n; i++) s += W[i] * x[i];
      return s;
    };
    const f = sqrtmSchur(A, n);
    const abar = solveSylvesterSchur(f.u, f.z, n, f.u, f.z, n, W, true);
    expect(abar.info).toBe(0);
    const h = 1e-6;
    for (let i = 0; i < n * n; i++) {
      const ap = A.slice();
      const am = A.slice();
      ap[i] += h;
      am[i] -= h;
      expect(abar.x[i]).toBeCloseTo((loss(ap) - loss(am)) / (2 * h), 7);
    }
  });
});
