import { describe, it, expect } from "vitest";
import { svd, type SvdMode } from "../../src/kernels/svd.js";
import { qr } from "../../src/kernels/qr.js";
import { mulberry32, randMat, matmul, orthError, maxAbsDiff, frob, eye } from "./factor-helpers.js";

/** U·diag(s)·Vᵀ using the first k columns of U (m×uc) and V (n×vc). */
function recon(u: Float64Array, s: Float64Array, v: Float64Array, m: number, n: number, uc: number, vc: number): Float64Array {
  const k = s.length;
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const x = u[i * uc + p] * s[p];
      if (x === 0) continue;
      for (let j = 0; j < n; j++) a[i * n + j] += x * v[j * vc + p];
    }
  return a;
}

function largestEntry(x: Float64Array, rows: number, cols: number, j: number): number {
  let best = 0;
  let val = 0;
  for (let i = 0; i < rows; i++) {
    const y = x[i * cols + j];
    if (Math.abs(y) > best) {
      best = Math.abs(y);
      val = y;
    }
  }
  return val;
}

function checkSvd(a: Float64Array, m: number, n: number, tol = 1e-13): Float64Array {
  const copy = a.slice();
  const k = Math.min(m, n);
  let sRef: Float64Array | null = null;
  for (const mode of ["thin", "full"] as SvdMode[]) {
    const { u, s, v, info } = svd(a, m, n, mode);
    expect(a).toEqual(copy);
    expect(info).toBe(-1);
    const uc = mode === "full" ? m : k;
    const vc = mode === "full" ? n : k;
    expect(u.length).toBe(m * uc);
    expect(v.length).toBe(n * vc);
    expect(s.length).toBe(k);
    for (let i = 0; i < k; i++) {
      expect(s[i]).toBeGreaterThanOrEqual(0);
      if (i > 0) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
    }
    expect(orthError(u, m, uc)).toBeLessThan(tol);
    expect(orthError(v, n, vc)).toBeLessThan(tol);
    const scale = Math.max(frob(a), Number.MIN_VALUE);
    if (m * n > 0) expect(maxAbsDiff(recon(u, s, v, m, n, uc, vc), a) / scale).toBeLessThan(tol);
    // gauge: largest-magnitude entry of every column of U (and the extra columns of V) is positive
    for (let j = 0; j < uc; j++) expect(largestEntry(u, m, uc, j)).toBeGreaterThan(0);
    for (let j = k; j < vc; j++) expect(largestEntry(v, n, vc, j)).toBeGreaterThan(0);
    if (sRef) expect(maxAbsDiff(s, sRef)).toBe(0);
    sRef = s;
  }
  const none = svd(a, m, n, "none");
  expect(none.info).toBe(-1);
  expect(none.u.length).toBe(0);
  expect(none.v.length).toBe(0);
  const s = sRef as Float64Array;
  if (k > 0) expect(maxAbsDiff(none.s, s) / Math.max(s[0], Number.MIN_VALUE)).toBeLessThan(1e-13);
  return s;
}

function randOrth(rng: () => number, n: number): Float64Array {
  return qr(randMat(rng, n, n), n, n, "reduced").q;
}

/** U0·diag(s0)·V0ᵀ with random orthogonal U0 (m×m), V0 (n×n). */
function withSingularValues(rng: () => number, m: number, n: number, s0: number[]): Float64Array {
  const U0 = randOrth(rng, m);
  const V0 = randOrth(rng, n);
  const a = new Float64Array(m * n);
  for (let p = 0; p < s0.length; p++)
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[i * n + j] += U0[i * m + p] * s0[p] * V0[j * n + p];
  return a;
}

describe("svd", () => {
  const rng = mulberry32(777);
  const shapes: [number, number][] = [
    [1, 1], [1, 4], [4, 1], [2, 2], [3, 2], [2, 3], [7, 7], [25, 25], [26, 26], [27, 13], [33, 33],
    [40, 7], [7, 40], [51, 51], [64, 64], [65, 30], [30, 65], [100, 100], [130, 70], [70, 130], [256, 256],
    [300, 5], [5, 300], [200, 60],
  ];
  for (const [m, n] of shapes) {
    it(`random ${m}×${n}`, () => {
      checkSvd(randMat(rng, m, n), m, n);
    });
  }

  it("empty shapes", () => {
    for (const [m, n] of [[0, 0], [0, 3], [3, 0]]) {
      const thin = svd(new Float64Array(0), m, n, "thin");
      expect(thin.s.length).toBe(0);
      expect(thin.u.length).toBe(0);
      expect(thin.v.length).toBe(0);
      expect(thin.info).toBe(-1);
      const full = svd(new Float64Array(0), m, n, "full");
      expect(Array.from(full.u)).toEqual(Array.from(eye(m)));
      expect(Array.from(full.v)).toEqual(Array.from(eye(n)));
      expect(svd(new Float64Array(0), m, n, "none").s.length).toBe(0);
    }
  });

  it("hand-checked small cases", () => {
    const r1 = svd(new Float64Array([-5]), 1, 1);
    expect(Array.from(r1.s)).toEqual([5]);
    expect(Array.from(r1.u)).toEqual([1]);
    expect(Array.from(r1.v)).toEqual([-1]);
    // [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]] → σ² = 45, 5
    const r2 = svd(new Float64Array([3, 0, 4, 5]), 2, 2);
    expect(maxAbsDiff(r2.s, [Math.sqrt(45), Math.sqrt(5)])).toBeLessThan(1e-14);
    // 1×3 row [3, 0, 4]: σ = 5, u = [1], v = [0.6, 0, 0.8]
    const r3 = svd(new Float64Array([3, 0, 4]), 1, 3);
    expect(r3.s[0]).toBeCloseTo(5, 14);
    expect(r3.u[0]).toBe(1);
    expect(maxAbsDiff(r3.v, [0.6, 0, 0.8])).toBeLessThan(1e-15);
    // diagonal with mixed signs: singular values sorted, u gauge positive
    const r4 = svd(new Float64Array([1, 0, 0, 0, -3, 0, 0, 0, 2]), 3, 3);
    expect(maxAbsDiff(r4.s, [3, 2, 1])).toBeLessThan(1e-15);
    expect(maxAbsDiff(r4.u, [0, 0, 1, 1, 0, 0, 0, 1, 0])).toBeLessThan(1e-15);
    expect(maxAbsDiff(r4.v, [0, 0, 1, -1, 0, 0, 0, 1, 0])).toBeLessThan(1e-15);
  });

  it("recovers prescribed singular values (well separated, clustered, repeated, tiny)", () => {
    const cases: number[][] = [
      Array.from({ length: 60 }, (_, i) => 60 - i),
      [...Array(30).fill(1), ...Array(20).fill(0.5), ...Array(10).fill(1e-8)],
      Array.from({ length: 50 }, (_, i) => 10 ** (-i / 5)),
      Array.from({ length: 40 }, (_, i) => 1 + i * 1e-13),
    ];
    for (const s0 of cases) {
      const n = s0.length;
      for (const [m, nn] of [[n, n], [n + 17, n], [n, n + 9]]) {
        const a = withSingularValues(rng, m, nn, s0);
        const s = checkSvd(a, m, nn);
        const sorted = s0.slice().sort((x, y) => y - x);
        expect(maxAbsDiff(s, sorted)).toBeLessThan(1e-13 * sorted[0]);
      }
    }
  });

  it("orthogonal matrices: all singular values equal to 1", () => {
    for (const n of [5, 30, 80]) {
      const q = randOrth(rng, n);
      const s = checkSvd(q, n, n);
      expect(maxAbsDiff(s, new Float64Array(n).fill(1))).toBeLessThan(1e-14);
    }
    const s = checkSvd(eye(40), 40, 40);
    expect(s.every((x) => x === 1)).toBe(true);
  });

  it("rank-deficient and zero matrices", () => {
    // (m ≥ 2n and n ≥ 2m take the QR-first path)
    for (const [m, n, r] of [[60, 40, 2], [40, 60, 5], [70, 70, 1], [30, 30, 29], [120, 40, 3], [25, 90, 4]] as const) {
      const a = matmul(randMat(rng, m, r), randMat(rng, r, n), m, r, n);
      const s = checkSvd(a, m, n);
      for (let i = r; i < Math.min(m, n); i++) expect(s[i]).toBeLessThan(1e-13 * s[0]);
      expect(s[r - 1]).toBeGreaterThan(1e-6 * s[0]);
    }
    for (const [m, n] of [[5, 3], [3, 5], [50, 50], [90, 10]]) {
      const s = checkSvd(new Float64Array(m * n), m, n);
      expect(s.every((x) => x === 0)).toBe(true);
    }
    // all-ones matrices: rank one with structured round-off residuals that decay
    // geometrically through the bidiagonalization (regression: underflow to NaN)
    for (const [m, n] of [[90, 54], [126, 102], [60, 60]]) {
      const s = checkSvd(new Float64Array(m * n).fill(1), m, n);
      expect(s[0]).toBeCloseTo(Math.sqrt(m * n), 11);
      expect(s[1]).toBeLessThan(1e-13 * s[0]);
    }
    // zero rows / columns in the middle
    const a = randMat(rng, 50, 45);
    for (let j = 0; j < 45; j++) a[10 * 45 + j] = 0;
    for (let i = 0; i < 50; i++) a[i * 45 + 30] = 0;
    checkSvd(a, 50, 45);
  });

  it("matches eigenvalues of AᵀA on a well-conditioned matrix", () => {
    const m = 12, n = 8;
    const a = randMat(rng, m, n);
    const { s } = svd(a, m, n, "none");
    // Σ σ² = ‖A‖_F², Π over σ² checks via trace of (AᵀA)²
    let f2 = 0;
    for (const x of a) f2 += x * x;
    expect(s.reduce((t, x) => t + x * x, 0)).toBeCloseTo(f2, 12);
    const ata = matmul(a, a, n, m, n, true, false);
    let t2 = 0;
    for (const x of ata) t2 += x * x;
    expect(s.reduce((t, x) => t + x ** 4, 0)).toBeCloseTo(t2, 10);
  });

  it("extreme scaling", () => {
    const a = randMat(rng, 30, 20);
    for (const sc of [1e-300, 1e-200, 1e200, 1e300]) {
      const as = a.map((x) => x * sc);
      const { u, s, v, info } = svd(as, 30, 20, "thin");
      expect(info).toBe(-1);
      expect(orthError(u, 30, 20)).toBeLessThan(1e-13);
      expect(orthError(v, 20, 20)).toBeLessThan(1e-13);
      const r = recon(u, s, v, 30, 20, 20, 20);
      let err = 0;
      for (let i = 0; i < r.length; i++) err = Math.max(err, Math.abs(r[i] / sc - a[i]));
      expect(err).toBeLessThan(1e-13 * frob(a));
    }
  });

  it("non-finite input is reported, not thrown", () => {
    const r = svd(new Float64Array([1, NaN, 0, 1]), 2, 2);
    expect(r.info).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(r.s[0])).toBe(true);
  });

  it("throws on bad arguments", () => {
    expect(() => svd(new Float64Array(5), 2, 3)).toThrow(RangeError);
    expect(() => svd(new Float64Array(6), 2, 3, "bogus" as SvdMode)).toThrow(RangeError);
  });
});
