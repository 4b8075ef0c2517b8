import { describe, it, expect } from "vitest";
import { qr } from "../../src/kernels/qr.js";
import { mulberry32, randMat, matmul, relDiff, orthError, maxAbsDiff } from "./factor-helpers.js";

function checkQr(a: Float64Array, m: number, n: number, mode: "reduced" | "complete", tol = 1e-13): void {
  const copy = a.slice();
  const { q, r } = qr(a, m, n, mode);
  expect(a).toEqual(copy);
  const k = Math.min(m, n);
  const qc = mode === "reduced" ? k : m;
  expect(q.length).toBe(m * qc);
  expect(r.length).toBe(qc * n);
  // R upper trapezoidal with nonnegative diagonal
  for (let i = 0; i < qc; i++) {
    for (let j = 0; j < Math.min(i, n); j++) expect(r[i * n + j]).toBe(0);
    if (i < k) expect(r[i * n + i]).toBeGreaterThanOrEqual(0);
  }
  expect(orthError(q, m, qc)).toBeLessThan(tol);
  const qr_ = matmul(q, r, m, qc, n);
  if (m * n > 0) expect(relDiff(a, qr_)).toBeLessThan(tol);
}

describe("qr", () => {
  const rng = mulberry32(2024);
  const shapes: [number, number][] = [
    [0, 0], [0, 3], [3, 0], [1, 1], [1, 4], [4, 1], [2, 2], [3, 2], [2, 3], [5, 5],
    [31, 31], [32, 32], [33, 33], [40, 7], [7, 40], [65, 33], [33, 65], [100, 100], [130, 70], [70, 130], [256, 256],
  ];
  for (const [m, n] of shapes) {
    for (const mode of ["reduced", "complete"] as const) {
      it(`${m}×${n} ${mode}`, () => checkQr(randMat(rng, m, n), m, n, mode));
    }
  }

  it("hand-checked 2×2 and 3×2", () => {
    // A = [[3, 1], [4, 2]]: r11 = 5, q1 = [0.6, 0.8]; r12 = 0.6 + 1.6 = 2.2; r22 = |[1,2] − 2.2 q1| = |[-0.32, 0.24]| = 0.4
    const { q, r } = qr(new Float64Array([3, 1, 4, 2]), 2, 2, "reduced");
    expect(maxAbsDiff(r, [5, 2.2, 0, 0.4])).toBeLessThan(1e-15);
    expect(maxAbsDiff(q, [0.6, -0.8, 0.8, 0.6])).toBeLessThan(1e-15);
    // negative leading entry: gauge makes r11 = +2
    const t = qr(new Float64Array([-2, 0, 0, 0, 0, 3]), 3, 2, "reduced");
    expect(maxAbsDiff(t.r, [2, 0, 0, 3])).toBeLessThan(1e-15);
    expect(maxAbsDiff(t.q, [-1, 0, 0, 0, 0, 1])).toBeLessThan(1e-15);
  });

  it("rank-deficient and zero matrices", () => {
    // columns 0 and 2 equal
    const m = 6, n = 3;
    const a = randMat(rng, m, n);
    for (let i = 0; i < m; i++) a[i * n + 2] = a[i * n + 0];
    checkQr(a, m, n, "reduced");
    checkQr(a, m, n, "complete");
    const { r } = qr(a, m, n, "reduced");
    expect(Math.abs(r[2 * n + 2])).toBeLessThan(1e-14);
    const z = qr(new Float64Array(12), 4, 3, "complete");
    expect(orthError(z.q, 4, 4)).toBeLessThan(1e-15);
    expect(z.r.every((v) => v === 0)).toBe(true);
    checkQr(new Float64Array(35), 5, 7, "reduced");
  });

  it("badly scaled columns", () => {
    const m = 50, n = 20;
    const a = randMat(rng, m, n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[i * n + j] *= 10 ** (j - 10);
    checkQr(a, m, n, "reduced");
    const tiny = randMat(rng, 10, 10).map((v) => v * 1e-300);
    checkQr(tiny, 10, 10, "reduced");
  });

  it("throws on bad dims", () => {
    expect(() => qr(new Float64Array(5), 2, 3)).toThrow(RangeError);
  });
});
