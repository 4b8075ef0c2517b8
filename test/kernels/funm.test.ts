/**
 * The Schur–Parlett kernel (src/kernels/funm.ts): f = exp against the
 * expm kernel on matrices whose clusters of close eigenvalues are interleaved
 * on the Schur diagonal (the reordering by swaps), complex pairs in clusters,
 * a nilpotent block (the Taylor series ends exactly), and the failure report
 * of a Taylor series that does not converge.
 */
import { describe, it, expect } from "vitest";
import { funmSchurParlett, type TaylorCoef } from "../../src/kernels/funm.js";
import { expm } from "../../src/kernels/expm.js";
import { mulberry32, randnMat, relErr } from "./matfun-helpers.js";
import { qr } from "../../src/kernels/qr.js";

const expCoef: TaylorCoef = (re, im, k, out) => {
  let f = Math.exp(re);
  for (let j = 2; j <= k; j++) f /= j;
  out[0] = f * Math.cos(im);
  out[1] = f * Math.sin(im);
};
const mm = (a: Float64Array, b: Float64Array, n: number, tb = false): Float64Array => {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) c[i * n + j] += a[i * n + k] * (tb ? b[j * n + k] : b[k * n + j]);
  return c;
};
/** Q T Qᵀ for a random orthogonal Q. */
function similar(t: number[][], seed: number): Float64Array {
  const n = t.length;
  const q = qr(randnMat(mulberry32(seed), n, n), n, n).q;
  return mm(mm(q, Float64Array.from(t.flat()), n), q, n, true);
}

describe("funmSchurParlett", () => {
  it("interleaved clusters {1, 1.03, 1.06} and {3, 3.04}: reordered into blocks, exp matches expm", () => {
    const a = similar([[1, 0.5, 0.2, 0.1, 0.3], [0, 3, 0.4, 0.2, 0.1], [0, 0, 1.03, 0.5, 0.2], [0, 0, 0, 3.04, 0.3], [0, 0, 0, 0, 1.06]], 3);
    // the triangular matrix itself is its own Schur form (Z = I): the clusters stay interleaved until reordered
    const t = Float64Array.from([[1, 0.5, 0.2, 0.1, 0.3], [0, 3, 0.4, 0.2, 0.1], [0, 0, 1.03, 0.5, 0.2], [0, 0, 0, 3.04, 0.3], [0, 0, 0, 0, 1.06]].flat());
    const rt = funmSchurParlett(t, 5, expCoef);
    expect(relErr(rt.f, expm(t, 5))).toBeLessThan(1e-13);
    expect(Array.from(rt.re)).toEqual([1, 1.03, 1.06, 3, 3.04]); // the final diagonal order: clusters contiguous
    const r = funmSchurParlett(a, 5, expCoef);
    expect(r.info).toBe(0);
    expect(relErr(r.f, expm(a, 5))).toBeLessThan(1e-13);
    expect(r.imagRatio).toBeLessThan(1e-14);
  });

  it("complex pairs in one cluster and random matrices of several sizes", () => {
    // two pairs 0.5 ± 2i and 0.52 ± 2.01i: one cluster per conjugate side after the complex Schur form
    const a = similar([[0.5, 2, 0.1, 0.3], [-2, 0.5, 0.2, 0.1], [0, 0, 0.52, 2.01], [0, 0, -2.01, 0.52]], 4);
    expect(relErr(funmSchurParlett(a, 4, expCoef).f, expm(a, 4))).toBeLessThan(1e-12);
    const rng = mulberry32(9);
    for (const n of [1, 2, 3, 7, 12]) {
      const b = randnMat(rng, n, n);
      expect(relErr(funmSchurParlett(b, n, expCoef).f, expm(b, n))).toBeLessThan(1e-12);
    }
  });

  it("a Jordan block (nilpotent part: the series ends) and a series that does not converge", () => {
    const j = Float64Array.from([2, 1, 0, 0, 2, 1, 0, 0, 2]);
    const e2 = Math.exp(2);
    expect(relErr(funmSchurParlett(j, 3, expCoef).f, Float64Array.from([e2, e2, e2 / 2, 0, e2, e2, 0, 0, e2]))).toBeLessThan(1e-15);
    // coefficients 12ᵏ on the cluster {1, 1.09, 1.18} (|λ − σ| = 0.09): the terms grow like 1.08ᵏ, never small
    const bad: TaylorCoef = (_re, _im, k, out) => {
      out[0] = Math.pow(12, k);
      out[1] = 0;
    };
    const c = Float64Array.from([1, 1, 0, 0, 1.09, 1, 0, 0, 1.18]);
    expect(funmSchurParlett(c, 3, bad).info).toBe(2);
    // a pole of a derivative at the cluster's centre: info 3
    const pole: TaylorCoef = (_re, _im, k, out) => {
      out[0] = k === 0 ? 1 : Infinity;
      out[1] = 0;
    };
    expect(funmSchurParlett(c, 3, pole).info).toBe(3);
  });
});
