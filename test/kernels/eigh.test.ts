import { describe, it, expect } from "vitest";
import { eigh, symCongruence } from "../../src/kernels/eigh.js";
import { qr } from "../../src/kernels/qr.js";
import { mulberry32, randMat, randSym, matmul, relDiff, orthError, maxAbsDiff, frob } from "./factor-helpers.js";

/** V·diag(w)·Vᵀ */
function recon(w: Float64Array, v: Float64Array, n: number): Float64Array {
  const vw = v.slice();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vw[i * n + j] *= w[j];
  return matmul(vw, v, n, n, n, false, true);
}

function checkEigh(a: Float64Array, n: number, tol = 1e-13): { w: Float64Array; v: Float64Array } {
  // only the lower triangle may be read
  const input = a.slice();
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) input[i * n + j] = NaN;
  const copy = input.slice();
  const { w, v, info } = eigh(input, n);
  expect(input).toEqual(copy);
  expect(info).toBe(-1);
  expect(w.length).toBe(n);
  expect(v.length).toBe(n * n);
  for (let i = 1; i < n; i++) expect(w[i]).toBeGreaterThanOrEqual(w[i - 1]);
  expect(orthError(v, n, n)).toBeLessThan(tol);
  if (n > 0) {
    const scale = Math.max(frob(a), Number.MIN_VALUE);
    expect(maxAbsDiff(recon(w, v, n), a) / scale).toBeLessThan(tol);
  }
  // sign gauge: the largest-magnitude entry of each eigenvector is positive
  for (let j = 0; j < n; j++) {
    let best = 0;
    let val = 0;
    for (let i = 0; i < n; i++) {
      const x = v[i * n + j];
      if (Math.abs(x) > best) {
        best = Math.abs(x);
        val = x;
      }
    }
    expect(val).toBeGreaterThan(0);
  }
  // eigenvalues-only path agrees
  const wOnly = eigh(input, n, false);
  expect(wOnly.info).toBe(-1);
  expect(wOnly.v.length).toBe(0);
  const wscale = Math.max(...Array.from(w, Math.abs), 1e-300);
  expect(maxAbsDiff(wOnly.w, w) / wscale).toBeLessThan(1e-12);
  return { w, v };
}

function randOrth(rng: () => number, n: number): Float64Array {
  return qr(randMat(rng, n, n), n, n, "reduced").q;
}

/** Q·diag(lam)·Qᵀ */
function withSpectrum(rng: () => number, lam: number[]): Float64Array {
  const n = lam.length;
  const q = randOrth(rng, n);
  return recon(Float64Array.from(lam), q, n);
}

describe("eigh", () => {
  const rng = mulberry32(31337);
  for (const n of [0, 1, 2, 3, 4, 10, 25, 26, 33, 50, 64, 65, 100, 129, 256]) {
    it(`random symmetric n=${n}`, () => {
      checkEigh(randSym(rng, n), n);
    });
  }

  it("hand-checked small cases", () => {
    const r1 = eigh(new Float64Array([-3]), 1);
    expect(Array.from(r1.w)).toEqual([-3]);
    expect(Array.from(r1.v)).toEqual([1]);
    const r2 = eigh(new Float64Array([2, 0, 0, 1]), 2);
    expect(Array.from(r2.w)).toEqual([1, 2]);
    expect(maxAbsDiff(r2.v, [0, 1, 1, 0])).toBe(0);
    // [[2,1],[1,2]] → 1, 3
    const r3 = eigh(new Float64Array([2, NaN, 1, 2]), 2);
    expect(r3.w[0]).toBeCloseTo(1, 14);
    expect(r3.w[1]).toBeCloseTo(3, 14);
    expect(Math.abs(r3.v[1])).toBeCloseTo(Math.SQRT1_2, 14);
    // second-difference matrix: 2 − √2, 2, 2 + √2
    const t = eigh(new Float64Array([2, -1, 0, -1, 2, -1, 0, -1, 2]), 3);
    expect(maxAbsDiff(t.w, [2 - Math.SQRT2, 2, 2 + Math.SQRT2])).toBeLessThan(1e-14);
    // eigenvector of 2: (1, 0, −1)/√2 → gauge positive first (tie broken by the first index
    // is not guaranteed at round-off level, so only check the direction)
    expect(Math.abs(t.v[0 * 3 + 1])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(Math.abs(t.v[1 * 3 + 1])).toBeLessThan(1e-14);
  });

  it("second-difference matrix n=200 (known spectrum)", () => {
    const n = 200;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = -1;
    }
    const sym = a.slice();
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) sym[j * n + i] = sym[i * n + j];
    const { w } = checkEigh(sym, n);
    const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    expect(maxAbsDiff(w, want)).toBeLessThan(1e-13);
  });

  it("identity and multiples (fully repeated eigenvalue)", () => {
    for (const n of [1, 5, 30, 70]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) a[i * n + i] = 3;
      const { w } = checkEigh(a, n);
      expect(w.every((x) => x === 3)).toBe(true);
    }
  });

  it("clustered and repeated eigenvalues", () => {
    const lam: number[] = [];
    for (let i = 0; i < 40; i++) lam.push(1);
    for (let i = 0; i < 30; i++) lam.push(2 + i * 1e-13);
    for (let i = 0; i < 20; i++) lam.push(-5);
    const a = withSpectrum(rng, lam);
    for (let i = 0; i < 90; i++) for (let j = 0; j < i; j++) a[j * 90 + i] = a[i * 90 + j]; // exact symmetry
    const { w } = checkEigh(a, 90);
    const sorted = lam.slice().sort((x, y) => x - y);
    expect(maxAbsDiff(w, sorted)).toBeLessThan(1e-13);
  });

  it("Wilkinson W+ matrix (pairs of nearly equal eigenvalues)", () => {
    const m = 50;
    const n = 2 * m + 1;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = Math.abs(m - i);
      if (i > 0) {
        a[i * n + i - 1] = 1;
        a[(i - 1) * n + i] = 1;
      }
    }
    const { w } = checkEigh(a, n);
    // the two largest eigenvalues agree to many digits
    expect(w[n - 1] - w[n - 2]).toBeLessThan(1e-12);
  });

  it("rank-one and low-rank matrices (massive deflation)", () => {
    const n = 80;
    const u = randMat(rng, n, 1);
    const a = matmul(u, u, n, 1, n, false, true);
    const { w } = checkEigh(a, n);
    let uu = 0;
    for (let i = 0; i < n; i++) uu += u[i] * u[i];
    expect(w[n - 1]).toBeCloseTo(uu, 12);
    for (let i = 0; i < n - 1; i++) expect(Math.abs(w[i])).toBeLessThan(1e-13 * uu);
    const g = randMat(rng, n, 3);
    checkEigh(matmul(g, g, n, 3, n, false, true), n);
  });

  it("diagonal, block-diagonal and zero matrices (tridiagonal splitting)", () => {
    const n = 60;
    const d = new Float64Array(n * n);
    const diag = Array.from({ length: n }, () => rng() * 10 - 5);
    for (let i = 0; i < n; i++) d[i * n + i] = diag[i];
    const { w, v } = checkEigh(d, n);
    expect(maxAbsDiff(w, diag.slice().sort((x, y) => x - y))).toBe(0);
    for (const x of v) expect(x === 0 || x === 1).toBe(true);
    // two decoupled random blocks
    const b = new Float64Array(n * n);
    const b1 = randSym(rng, 30);
    const b2 = randSym(rng, 30);
    for (let i = 0; i < 30; i++)
      for (let j = 0; j < 30; j++) {
        b[i * n + j] = b1[i * 30 + j];
        b[(30 + i) * n + 30 + j] = b2[i * 30 + j];
      }
    checkEigh(b, n);
    const z = eigh(new Float64Array(n * n), n);
    expect(z.w.every((x) => x === 0)).toBe(true);
    expect(orthError(z.v, n, n)).toBe(0);
  });

  it("extreme scaling", () => {
    const a = randSym(rng, 40);
    for (const s of [1e-200, 1e-30, 1e30, 1e200]) {
      const as = a.map((x) => x * s);
      const { w, v, info } = eigh(as, 40);
      expect(info).toBe(-1);
      expect(orthError(v, 40, 40)).toBeLessThan(1e-13);
      const r = recon(w, v, 40);
      let err = 0;
      for (let i = 0; i < r.length; i++) err = Math.max(err, Math.abs(r[i] / s - a[i]));
      expect(err).toBeLessThan(1e-13 * frob(a));
    }
  });

  it("graded matrix", () => {
    const n = 50;
    const a = randSym(rng, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] *= 10 ** (-(i + j) / 8);
    checkEigh(a, n);
  });

  it("non-finite input is reported, not thrown", () => {
    const r = eigh(new Float64Array([1, 0, NaN, 1]), 2);
    expect(r.info).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(r.w[0])).toBe(true);
  });

  it("throws on bad dims", () => {
    expect(() => eigh(new Float64Array(3), 2)).toThrow(RangeError);
  });

  it("relDiff sanity of the helpers", () => {
    expect(relDiff([1, 2], [1, 2])).toBe(0);
  });
});

describe("symCongruence", () => {
  const rng = mulberry32(11);
  for (const n of [0, 1, 4, 33, 129, 200]) {
    it(`n=${n}: V·sym(X)·Vᵀ, exactly symmetric, matches the naive product`, () => {
      const v = randMat(rng, n, n), x = randMat(rng, n, n);
      const out = symCongruence(v, x, n);
      const xs = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) xs[i * n + j] = 0.5 * (x[i * n + j] + x[j * n + i]);
      const ref = matmul(matmul(v, xs, n, n, n), v, n, n, n, false, true);
      expect(maxAbsDiff(out, ref)).toBeLessThan(1e-12 * Math.max(1, n));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(out[j * n + i]).toBe(out[i * n + j]);
    });
  }
});
