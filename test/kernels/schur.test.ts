import { describe, it, expect } from "vitest";
import { hessenberg, realSchur, schurEigenvalues } from "../../src/kernels/schur.js";
import { mulberry32, randnMat, mul, frob } from "./matfun-helpers.js";

function sub(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v - b[i]);
}
/** ‖QᵀQ − I‖_F */
function orthErr(q: Float64Array, n: number): number {
  const qtq = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[k * n + i] * q[k * n + j];
      qtq[i * n + j] = s - (i === j ? 1 : 0);
    }
  return frob(qtq);
}
/** Checks T is upper quasi-triangular with standardized 2×2 blocks (a = d, b·c < 0, no adjacent blocks). */
function checkQuasiTriangular(t: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < i - 1; j++) expect(t[i * n + j]).toBe(0);
  for (let i = 0; i + 1 < n; i++) {
    if (t[(i + 1) * n + i] !== 0) {
      // 2×2 block: standardized form, and the next subdiagonal is zero
      expect(t[i * n + i]).toBe(t[(i + 1) * n + i + 1]);
      expect(t[i * n + i + 1] * t[(i + 1) * n + i]).toBeLessThan(0);
      if (i + 2 < n) expect(t[(i + 2) * n + i + 1]).toBe(0);
    }
  }
}

describe("hessenberg", () => {
  it("A = Q H Qᵀ with Q orthogonal and H upper Hessenberg", () => {
    const rng = mulberry32(1);
    for (const n of [0, 1, 2, 3, 7, 30]) {
      const a = randnMat(rng, n);
      const { h, q } = hessenberg(a, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < i - 1; j++) expect(h[i * n + j]).toBe(0);
      expect(orthErr(q, n)).toBeLessThan(1e-13 * Math.max(1, n));
      const rec = mul(mul(q, h, n), q, n, false, true);
      expect(frob(sub(rec, a))).toBeLessThanOrEqual(1e-14 * n * Math.max(1, frob(a)));
    }
  });
});

describe("realSchur", () => {
  it("0×0 and 1×1", () => {
    const r0 = realSchur(new Float64Array(0), 0);
    expect(r0.info).toBe(0);
    expect(r0.t.length).toBe(0);
    const r1 = realSchur(new Float64Array([-3.5]), 1);
    expect(r1.info).toBe(0);
    expect(Array.from(r1.t)).toEqual([-3.5]);
    expect(Array.from(r1.z)).toEqual([1]);
  });

  it("A = Z T Zᵀ, Z orthogonal, T standardized quasi-triangular (random, n up to 80)", () => {
    const rng = mulberry32(2);
    for (const n of [2, 3, 4, 5, 8, 16, 33, 80]) {
      for (let rep = 0; rep < 3; rep++) {
        const a = randnMat(rng, n);
        const { t, z, info } = realSchur(a, n);
        expect(info).toBe(0);
        checkQuasiTriangular(t, n);
        expect(orthErr(z, n)).toBeLessThan(1e-13 * n);
        const rec = mul(mul(z, t, n), z, n, false, true);
        expect(frob(sub(rec, a)) / frob(a)).toBeLessThan(1e-14 * n);
        // trace is preserved: sum of eigenvalues = tr A
        const { re, im } = schurEigenvalues(t, n);
        let tr = 0;
        let se = 0;
        let sim = 0;
        for (let i = 0; i < n; i++) {
          tr += a[i * n + i];
          se += re[i];
          sim += im[i];
        }
        expect(Math.abs(se - tr)).toBeLessThan(1e-12 * n * frob(a));
        expect(Math.abs(sim)).toBeLessThan(1e-12 * n * frob(a));
      }
    }
  });

  it("rotation-scaling blocks: eigenvalues r(cos φ ± i sin φ) recovered from a similarity transform", () => {
    // A = S D S⁻¹ where D = blockdiag([[a, -b],[b, a]], [[c, -d],[d, c]], 5): eigenvalues a±ib, c±id, 5
    const n = 5;
    const D = new Float64Array(n * n);
    const blocks: [number, number][] = [
      [0.5, 2],
      [-1, 0.25],
    ];
    blocks.forEach(([x, y], k) => {
      const o = 2 * k;
      D[o * n + o] = x;
      D[o * n + o + 1] = -y;
      D[(o + 1) * n + o] = y;
      D[(o + 1) * n + o + 1] = x;
    });
    D[4 * n + 4] = 5;
    // S orthogonal (from a Schur of a random matrix) → A = S D Sᵀ
    const rng = mulberry32(3);
    const S = realSchur(randnMat(rng, n), n).z;
    const A = mul(mul(S, D, n), S, n, false, true);
    const { t, info } = realSchur(A, n);
    expect(info).toBe(0);
    checkQuasiTriangular(t, n);
    const { re, im } = schurEigenvalues(t, n);
    const got = Array.from(re, (r, i) => [r, im[i]]).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    const want = [
      [-1, -0.25],
      [-1, 0.25],
      [0.5, -2],
      [0.5, 2],
      [5, 0],
    ];
    for (let i = 0; i < n; i++) {
      expect(got[i][0]).toBeCloseTo(want[i][0], 12);
      expect(got[i][1]).toBeCloseTo(want[i][1], 12);
    }
  });

  it("companion matrix of (x−1)(x−2)(x−3)(x²+1): eigenvalues 1, 2, 3, ±i", () => {
    // x⁵ − 6x⁴ + 12x³ − 12x² + 11x − 6
    const c = [-6, 12, -12, 11, -6]; // coefficients of x⁴..x⁰ with sign for the companion
    const n = 5;
    const A = new Float64Array(n * n);
    for (let j = 0; j < n; j++) A[j] = -c[j];
    for (let i = 1; i < n; i++) A[i * n + i - 1] = 1;
    const { t, info } = realSchur(A, n);
    expect(info).toBe(0);
    const { re, im } = schurEigenvalues(t, n);
    const got = Array.from(re, (r, i) => [r, im[i]]).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    const want = [
      [0, -1],
      [0, 1],
      [1, 0],
      [2, 0],
      [3, 0],
    ];
    for (let i = 0; i < n; i++) {
      expect(Math.abs(got[i][0] - want[i][0])).toBeLessThan(1e-10);
      expect(Math.abs(got[i][1] - want[i][1])).toBeLessThan(1e-10);
    }
  });

  it("hard cases converge: defective Jordan block, permutation (cyclic shift), zero and symmetric matrices", () => {
    const n = 6;
    // Jordan block with eigenvalue 2
    const J = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      J[i * n + i] = 2;
      if (i + 1 < n) J[i * n + i + 1] = 1;
    }
    // cyclic permutation: eigenvalues are the 6th roots of unity (a classic stall case for plain shifts)
    const P = new Float64Array(n * n);
    for (let i = 0; i < n; i++) P[((i + 1) % n) * n + i] = 1;
    const Z0 = new Float64Array(n * n);
    const rng = mulberry32(4);
    const R = randnMat(rng, n);
    const Sym = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Sym[i * n + j] = R[i * n + j] + R[j * n + i];
    for (const A of [J, P, Z0, Sym]) {
      const { t, z, info } = realSchur(A, n);
      expect(info).toBe(0);
      checkQuasiTriangular(t, n);
      const rec = mul(mul(z, t, n), z, n, false, true);
      expect(frob(sub(rec, A))).toBeLessThan(1e-13 * Math.max(1, frob(A)));
    }
    // the permutation's eigenvalues have modulus one
    const { re, im } = schurEigenvalues(realSchur(P, n).t, n);
    for (let i = 0; i < n; i++) expect(Math.hypot(re[i], im[i])).toBeCloseTo(1, 12);
    // symmetric: no complex pairs
    const es = schurEigenvalues(realSchur(Sym, n).t, n);
    for (let i = 0; i < n; i++) expect(es.im[i]).toBe(0);
  });

  it("rejects too-short input (programmer error)", () => {
    expect(() => realSchur(new Float64Array(3), 2)).toThrow(RangeError);
  });
});
