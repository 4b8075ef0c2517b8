import { describe, it, expect } from "vitest";
import { expm, expmFactor, expmFrechet, expmFrechetApply, expmFrechetMulti } from "../../src/kernels/expm.js";
import { realSchur } from "../../src/kernels/schur.js";
import { mulberry32, randn, randnMat, mul, transpose, frob, relErr } from "./matfun-helpers.js";

function norm1(a: Float64Array, n: number): number {
  let mx = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a[i * n + j]);
    mx = Math.max(mx, s);
  }
  return mx;
}
function withNorm1(a: Float64Array, n: number, target: number): Float64Array {
  const f = target / norm1(a, n);
  return a.map((v) => v * f);
}
/** exp([[A, E], [0, A]]) = [[e^A, L(A,E)], [0, e^A]] (Mathias 1996 / Higham 2008 Thm 3.6): returns the top-right block. */
function blockFrechet(a: Float64Array, e: Float64Array, n: number): { expA: Float64Array; L: Float64Array } {
  const N = 2 * n;
  const big = new Float64Array(N * N);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      big[i * N + j] = a[i * n + j];
      big[(i + n) * N + j + n] = a[i * n + j];
      big[i * N + j + n] = e[i * n + j];
    }
  const X = expm(big, N);
  const L = new Float64Array(n * n);
  const expA = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      L[i * n + j] = X[i * N + j + n];
      expA[i * n + j] = X[i * N + j];
    }
  return { expA, L };
}

describe("expm (Higham 2005 scaling and squaring, Padé 3/5/7/9/13)", () => {
  it("0×0 and 1×1: exp(a)", () => {
    expect(expm(new Float64Array(0), 0).length).toBe(0);
    expect(expm(new Float64Array([0.7]), 1)[0]).toBe(Math.exp(0.7));
    expect(expm(new Float64Array([-745]), 1)[0]).toBe(Math.exp(-745));
  });

  it("diagonal: exp(diag(d)) = diag(exp(d)), including large |d| that needs squaring", () => {
    const d = [-30, -1, 0, 0.5, 3, 25];
    const n = d.length;
    const A = new Float64Array(n * n);
    d.forEach((v, i) => (A[i * n + i] = v));
    const X = expm(A, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) expect(Math.abs(X[i * n + i] - Math.exp(d[i])) / Math.exp(d[i])).toBeLessThan(1e-14);
        else expect(X[i * n + j]).toBe(0);
      }
  });

  it("nilpotent [[0,1],[0,0]] → [[1,1],[0,1]]; 3×3 Jordan-nilpotent N → I + N + N²/2", () => {
    const X = expm(new Float64Array([0, 1, 0, 0]), 2);
    expect(Array.from(X)).toEqual([1, 1, 0, 1].map((v) => expect.closeTo(v, 15)));
    const N = new Float64Array([0, 2, 3, 0, 0, 5, 0, 0, 0]);
    const Y = expm(N, 3);
    const want = [1, 2, 3 + 5, 0, 1, 5, 0, 0, 1]; // N² = [[0,0,10],[0,0,0],[0,0,0]] → /2 = 5
    for (let i = 0; i < 9; i++) expect(Y[i]).toBeCloseTo(want[i], 14);
  });

  it("rotation generator [[0,−t],[t,0]] → [[cos t, −sin t],[sin t, cos t]] for t from 1e-3 to 300", () => {
    for (const t of [1e-3, 0.1, 1, 2.5, 10, 100, 300]) {
      const X = expm(new Float64Array([0, -t, t, 0]), 2);
      // conditioning of exp at a skew matrix is 1: expect ~ t·ε absolute accuracy (the squarings accumulate)
      const tol = 1e-15 * Math.max(10, 4 * t);
      expect(Math.abs(X[0] - Math.cos(t))).toBeLessThan(tol);
      expect(Math.abs(X[1] + Math.sin(t))).toBeLessThan(tol);
      expect(Math.abs(X[2] - Math.sin(t))).toBeLessThan(tol);
      expect(Math.abs(X[3] - Math.cos(t))).toBeLessThan(tol);
    }
  });

  it("upper triangular 2×2 closed form: exp([[a,b],[0,c]])₁₂ = b (eᵃ − eᶜ)/(a − c) (needs squaring)", () => {
    const a = -20;
    const b = 30;
    const c = 15;
    const X = expm(new Float64Array([a, b, 0, c]), 2);
    expect(Math.abs(X[0] - Math.exp(a)) / Math.exp(a)).toBeLessThan(1e-13);
    expect(Math.abs(X[3] - Math.exp(c)) / Math.exp(c)).toBeLessThan(1e-13);
    const x12 = (b * (Math.exp(a) - Math.exp(c))) / (a - c);
    expect(Math.abs(X[1] - x12) / x12).toBeLessThan(1e-13);
    expect(X[2]).toBe(0);
  });

  it("symmetric A = Q D Qᵀ: expm(A) = Q exp(D) Qᵀ, every Padé degree and s > 0", () => {
    const rng = mulberry32(5);
    const n = 12;
    const Q = realSchur(randnMat(rng, n), n).z;
    for (const scale of [0.001, 0.02, 0.2, 0.6, 1.5, 4, 40]) {
      const d = Array.from({ length: n }, () => scale * randn(rng));
      const D = new Float64Array(n * n);
      const eD = new Float64Array(n * n);
      d.forEach((v, i) => {
        D[i * n + i] = v;
        eD[i * n + i] = Math.exp(v);
      });
      const A = mul(mul(Q, D, n), Q, n, false, true);
      const want = mul(mul(Q, eD, n), Q, n, false, true);
      expect(relErr(expm(A, n), want)).toBeLessThan(2e-13 * Math.max(1, scale));
    }
  });

  it("exp(A) exp(−A) = I and exp(A)·exp(A) = exp(2A) for random non-normal A", () => {
    const rng = mulberry32(6);
    for (const n of [3, 10, 25]) {
      for (const nrm of [0.5, 3, 20]) {
        const A = withNorm1(randnMat(rng, n), n, nrm);
        const X = expm(A, n);
        const Y = expm(A.map((v) => -v), n);
        const P = mul(X, Y, n);
        for (let i = 0; i < n; i++) P[i * n + i] -= 1;
        expect(frob(P) / (frob(X) * frob(Y))).toBeLessThan(1e-13 * n);
        expect(relErr(mul(X, X, n), expm(A.map((v) => 2 * v), n))).toBeLessThan(1e-12 * nrm);
      }
    }
  });

  it("non-finite input gives NaN rather than hanging", () => {
    const X = expm(new Float64Array([Infinity, 0, 0, 1]), 2);
    expect(X.some((v) => Number.isNaN(v))).toBe(true);
    expect(() => expm(new Float64Array(3), 2)).toThrow(RangeError);
  });
});

describe("expmFrechet (Al-Mohy & Higham 2009, Alg. 6.4)", () => {
  it("L(A,E) equals the top-right block of exp([[A, E],[0, A]]) (rel ≤ 1e-12) for every degree and s > 0", () => {
    const rng = mulberry32(7);
    for (const n of [1, 2, 5, 16]) {
      for (const nrm of [0.005, 0.1, 0.5, 1.5, 4, 30]) {
        const A = withNorm1(randnMat(rng, n), n, nrm);
        const E = randnMat(rng, n);
        const { expA, L } = expmFrechet(A, E, n);
        const ref = blockFrechet(A, E, n);
        expect(relErr(expA, ref.expA)).toBeLessThan(1e-13 * Math.max(1, nrm));
        expect(relErr(L, ref.L)).toBeLessThan(1e-12 * Math.max(1, nrm / 4));
      }
    }
    // each degree branch was exercised
    const seen = new Set<string>();
    for (const nrm of [0.005, 0.1, 0.5, 1.5, 4, 30]) {
      const f = expmFactor(withNorm1(randnMat(rng, 4), 4, nrm), 4);
      seen.add(`${f.m}/${f.s > 0}`);
    }
    expect([...seen].sort()).toEqual(["13/false", "13/true", "3/false", "5/false", "7/false", "9/false"]);
  });

  it("L(A,E) against central finite differences of expm (rel ≈ 1e-8)", () => {
    const rng = mulberry32(8);
    for (const [n, nrm] of [
      [3, 0.3],
      [6, 2],
      [6, 12],
    ]) {
      const A = withNorm1(randnMat(rng, n), n, nrm);
      const E = randnMat(rng, n);
      const h = 1e-5 / frob(E);
      const Xp = expm(A.map((v, i) => v + h * E[i]), n);
      const Xm = expm(A.map((v, i) => v - h * E[i]), n);
      const fd = Xp.map((v, i) => (v - Xm[i]) / (2 * h));
      expect(relErr(expmFrechet(A, E, n).L, fd)).toBeLessThan(1e-8);
    }
  });

  it("commuting direction: L(A, A) = A e^A; diagonal A: L_ij = E_ij (e^{a_i} − e^{a_j})/(a_i − a_j)", () => {
    const rng = mulberry32(9);
    const n = 6;
    const A = withNorm1(randnMat(rng, n), n, 8);
    const { expA, L } = expmFrechet(A, A, n);
    expect(relErr(L, mul(A, expA, n))).toBeLessThan(1e-12);
    const d = [0.3, -2, 5, 5, 1e-9, 0];
    const D = new Float64Array(n * n);
    d.forEach((v, i) => (D[i * n + i] = v));
    const E = randnMat(rng, n);
    const LD = expmFrechet(D, E, n).L;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const dd = d[i] - d[j];
        // divided difference e^{d_j} expm1(d_i − d_j)/(d_i − d_j), cancellation-free
        const div = dd === 0 ? Math.exp(d[i]) : (Math.exp(d[j]) * Math.expm1(dd)) / dd;
        expect(Math.abs(LD[i * n + j] - E[i * n + j] * div)).toBeLessThan(1e-12 * Math.exp(5));
      }
  });

  it("factor reuse: transposed apply gives L(Aᵀ, G) (the VJP); dot-product test ⟨G, L(A,E)⟩ = ⟨L(Aᵀ,G), E⟩", () => {
    const rng = mulberry32(10);
    for (const [n, nrm] of [
      [4, 0.05],
      [7, 1],
      [9, 25],
    ]) {
      const A = withNorm1(randnMat(rng, n), n, nrm);
      const E = randnMat(rng, n);
      const G = randnMat(rng, n);
      const f = expmFactor(A, n);
      const L = expmFrechetApply(f, E);
      const Lt = expmFrechetApply(f, G, true);
      expect(relErr(Lt, blockFrechet(transpose(A, n, n), G, n).L)).toBeLessThan(1e-12 * Math.max(1, nrm / 4));
      let lhs = 0;
      let rhs = 0;
      for (let i = 0; i < n * n; i++) {
        lhs += G[i] * L[i];
        rhs += Lt[i] * E[i];
      }
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * frob(G) * frob(L) * n);
      // applying twice gives the same result (the factor is not mutated)
      expect(Array.from(expmFrechetApply(f, E))).toEqual(Array.from(L));
      // linear in E
      const L2 = expmFrechetApply(f, E.map((v, i) => 2 * v - 3 * G[i]));
      const Lg = expmFrechetApply(f, G);
      expect(relErr(L2, L.map((v, i) => 2 * v - 3 * Lg[i]))).toBeLessThan(1e-13);
    }
  });

  it("expmFrechetMulti matches one-at-a-time calls; 0×0 and 1×1", () => {
    const rng = mulberry32(11);
    const n = 5;
    const A = withNorm1(randnMat(rng, n), n, 7);
    const Es = [randnMat(rng, n), randnMat(rng, n), randnMat(rng, n)];
    const multi = expmFrechetMulti(A, Es, n);
    Es.forEach((E, k) => {
      const single = expmFrechet(A, E, n);
      expect(Array.from(multi.L[k])).toEqual(Array.from(single.L));
      expect(Array.from(multi.expA)).toEqual(Array.from(single.expA));
    });
    const z = expmFrechet(new Float64Array(0), new Float64Array(0), 0);
    expect(z.expA.length + z.L.length).toBe(0);
    const o = expmFrechet(new Float64Array([1.3]), new Float64Array([2]), 1);
    expect(o.expA[0]).toBeCloseTo(Math.exp(1.3), 14);
    expect(o.L[0]).toBeCloseTo(2 * Math.exp(1.3), 13);
  });
});
