import { describe, it, expect } from "vitest";
import { logm } from "../../src/kernels/logm.js";
import { expm } from "../../src/kernels/expm.js";
import { realSchur } from "../../src/kernels/schur.js";
import { mulberry32, randnMat, mul, relErr, posSpectrum } from "./matfun-helpers.js";


describe("logm (inverse scaling and squaring, Al-Mohy & Higham 2012)", () => {
  it("‖expm(logm(A)) − A‖/‖A‖ ≤ 1e-12 for positive-real-part spectra, n = 1, 2, 3, 5, 16, 50", () => {
    const rng = mulberry32(41);
    for (const n of [1, 2, 3, 5, 16, 50]) {
      for (let rep = 0; rep < 2; rep++) {
        const a = posSpectrum(rng, n);
        const r = logm(a, n);
        expect(r.info).toBe(0);
        expect(relErr(expm(r.x, n), a)).toBeLessThan(1e-12);
      }
    }
  });

  it("logm(expm(B)) = B when the spectrum of B has |Im λ| < π (non-normal B, several norms)", () => {
    const rng = mulberry32(42);
    for (const n of [2, 4, 9, 20]) {
      for (const scale of [1e-3, 0.3, 1.5]) {
        const B = randnMat(rng, n).map((v) => (v * scale) / Math.sqrt(n));
        const r = logm(expm(B, n), n);
        expect(r.info).toBe(0);
        expect(relErr(r.x, B)).toBeLessThan(1e-11);
      }
    }
  });

  it("rotation: logm([[cos t, −sin t],[sin t, cos t]]) = [[0, −t],[t, 0]] for |t| < π (complex-conjugate pair)", () => {
    for (const t of [1e-6, 0.5, 2, 3, -2.5, 3.1]) {
      const c = Math.cos(t);
      const s = Math.sin(t);
      const r = logm(new Float64Array([c, -s, s, c]), 2);
      expect(r.info).toBe(0);
      expect(Math.abs(r.x[0])).toBeLessThan(1e-14);
      expect(Math.abs(r.x[3])).toBeLessThan(1e-14);
      expect(Math.abs(r.x[1] + t)).toBeLessThan(1e-14 * Math.max(1, Math.abs(t)));
      expect(Math.abs(r.x[2] - t)).toBeLessThan(1e-14 * Math.max(1, Math.abs(t)));
    }
    // rotation-scaling ρR(t): log = log ρ I + t J
    const rho = 7;
    const t = 1.2;
    const r = logm(new Float64Array([rho * Math.cos(t), -rho * Math.sin(t), rho * Math.sin(t), rho * Math.cos(t)]), 2);
    expect(r.x[0]).toBeCloseTo(Math.log(rho), 14);
    expect(r.x[2]).toBeCloseTo(t, 14);
  });

  it("closed forms: Jordan block log([[λ,1],[0,λ]]) = [[log λ, 1/λ],[0, log λ]]; triangular (11.28) divided difference", () => {
    const J = logm(new Float64Array([3, 1, 0, 3]), 2);
    expect(J.x[0]).toBeCloseTo(Math.log(3), 15);
    expect(J.x[1]).toBeCloseTo(1 / 3, 15);
    expect(J.x[2]).toBe(0);
    // close eigenvalues: (log λ₂ − log λ₁)/(λ₂ − λ₁) via atanh, no cancellation
    const l1 = 2;
    const l2 = 2 + 1e-9;
    const T = logm(new Float64Array([l1, 5, 0, l2]), 2);
    const dd = (2 * Math.atanh((l2 - l1) / (l2 + l1))) / (l2 - l1);
    expect(Math.abs(T.x[1] - 5 * dd) / (5 * dd)).toBeLessThan(1e-14);
    // wide eigenvalue range needs many square roots
    const W = logm(new Float64Array([1e-4, 1, 0, 1e4]), 2);
    expect(W.s).toBeGreaterThan(3);
    expect(W.x[0]).toBeCloseTo(Math.log(1e-4), 13);
    expect(W.x[3]).toBeCloseTo(Math.log(1e4), 13);
    expect(Math.abs(W.x[1] - (Math.log(1e4) - Math.log(1e-4)) / (1e4 - 1e-4)) / W.x[1]).toBeLessThan(1e-13);
  });

  it("symmetric positive definite with spread spectrum: logm(A) = Q diag(log λ) Qᵀ", () => {
    const rng = mulberry32(43);
    const n = 12;
    const Q = realSchur(randnMat(rng, n), n).z;
    const lam = Array.from({ length: n }, (_, i) => Math.pow(10, -3 + (6 * i) / (n - 1)));
    const D = new Float64Array(n * n);
    const L = new Float64Array(n * n);
    lam.forEach((l, i) => {
      D[i * n + i] = l;
      L[i * n + i] = Math.log(l);
    });
    const A = mul(mul(Q, D, n), Q, n, false, true);
    const want = mul(mul(Q, L, n), Q, n, false, true);
    // κ(A) = 1e6 limits what is achievable: relative error ~ κ·u
    expect(relErr(logm(A, n).x, want)).toBeLessThan(1e-9);
  });

  it("negative real eigenvalue → info = 1 with the eigenvalue; zero eigenvalue → info = 2", () => {
    const rng = mulberry32(44);
    const n = 4;
    const Q = realSchur(randnMat(rng, n), n).z;
    const D = new Float64Array(n * n);
    [2, 1, -0.25, 0.5].forEach((v, i) => (D[i * n + i] = v));
    const A = mul(mul(Q, D, n), Q, n, false, true);
    const r = logm(A, n);
    expect(r.info).toBe(1);
    expect(r.eigenvalue).toBeCloseTo(-0.25, 12);
    expect(r.x.every((v) => Number.isNaN(v))).toBe(true);
    expect(logm(new Float64Array([-1, 0, 0, -1]), 2).info).toBe(1);
    const z = logm(new Float64Array([0, 1, 0, 4]), 2);
    expect(z.info).toBe(2);
    expect(z.eigenvalue).toBe(0);
    const one = logm(new Float64Array([-3]), 1);
    expect(one.info).toBe(1);
    expect(one.eigenvalue).toBe(-3);
  });

  it("Fréchet derivative for the backward: top-right block of logm([[A, E],[0, A]]) (Mathias) matches finite differences", () => {
    const rng = mulberry32(45);
    const n = 4;
    const A = posSpectrum(rng, n);
    const E = randnMat(rng, n);
    const N = 2 * n;
    const big = new Float64Array(N * N);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        big[i * N + j] = big[(i + n) * N + j + n] = A[i * n + j];
        big[i * N + j + n] = E[i * n + j];
      }
    const r = logm(big, N);
    expect(r.info).toBe(0);
    const h = 1e-6;
    const Lp = logm(A.map((v, i) => v + h * E[i]), n).x;
    const Lm = logm(A.map((v, i) => v - h * E[i]), n).x;
    const top = logm(A, n).x;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        expect(r.x[i * N + j]).toBeCloseTo(top[i * n + j], 12);
        expect(r.x[i * N + j + n]).toBeCloseTo((Lp[i * n + j] - Lm[i * n + j]) / (2 * h), 7);
      }
  });

  it("0×0 and 1×1", () => {
    const e = logm(new Float64Array(0), 0);
    expect(e.x.length).toBe(0);
    expect(e.info).toBe(0);
    expect(logm(new Float64Array([Math.E]), 1).x[0]).toBeCloseTo(1, 15);
    expect(logm(new Float64Array([1]), 1).x[0]).toBe(0);
    expect(logm(new Float64Array([1e300]), 1).x[0]).toBeCloseTo(Math.log(1e300), 12);
  });
});
