/**
 * The structured solves behind the Schur / Hessenberg derivatives
 * (src/kernels/schur-deriv.ts): each solution satisfies its equation on its
 * support and is zero elsewhere, the transposed solve is the adjoint
 * (⟨Y, N(X)⟩ = ⟨Nᵀ(Y), X⟩), singular cases are reported; and the Schur gauge.
 */
import { describe, it, expect } from "vitest";
import { hessenberg, realSchur } from "../../src/kernels/schur.js";
import { hessenbergStructuredSolve, normalizeSchurGauge, schurStructuredSolve } from "../../src/kernels/schur-deriv.js";
import { quasiBlocks } from "../../src/kernels/matfun-util.js";
import { mulberry32, randnMat } from "./matfun-helpers.js";

const matmul = (a: Float64Array, b: Float64Array, n: number): Float64Array => {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * n + k] * b[k * n + j];
  return c;
};
const tr = (a: Float64Array, n: number): Float64Array => a.map((_, p) => a[(p % n) * n + Math.floor(p / n)]);
const minus = (a: Float64Array, b: Float64Array): Float64Array => a.map((v, i) => v - b[i]);
const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + v * b[i], 0);

/** The supports: schur — block-lower positions (in and out); hessenberg — in {i > j ≥ 1}, out {i ≥ j + 2}. */
function supports(kind: "schur" | "hessenberg", m: Float64Array, n: number): { pin: (i: number, j: number) => boolean; pout: (i: number, j: number) => boolean } {
  if (kind === "hessenberg") return { pin: (i, j) => i > j && j >= 1, pout: (i, j) => i >= j + 2 };
  const blocks = quasiBlocks(m, n);
  const blockOf = new Int32Array(n);
  for (let b = 0; b + 1 < blocks.length; b++) for (let i = blocks[b]; i < blocks[b + 1]; i++) blockOf[i] = b;
  const low = (i: number, j: number): boolean => blockOf[i] > blockOf[j];
  return { pin: low, pout: low };
}
const mask = (a: Float64Array, n: number, p: (i: number, j: number) => boolean): Float64Array => a.map((v, q) => (p(Math.floor(q / n), q % n) ? v : 0));

describe("structured solves", () => {
  const rng = mulberry32(77);
  for (const kind of ["schur", "hessenberg"] as const)
    for (const n of [1, 2, 3, 5, 8]) {
      it(`${kind} n=${n}: equation, support, adjoint`, () => {
        const a = randnMat(rng, n, n);
        const m = kind === "schur" ? realSchur(a, n).t : hessenberg(a, n).h;
        const solve = kind === "schur" ? schurStructuredSolve : hessenbergStructuredSolve;
        const { pin, pout } = supports(kind, m, n);
        const g = randnMat(rng, n, n), gy = randnMat(rng, n, n);
        const x = solve(m, n, g, false, 1e-300);
        expect(x.info).toBe(0);
        // X on S_in; N(X) = P_out(M Ω − Ω M) = P_out(G), Ω = X − Xᵀ
        expect(x.x.every((v, q) => v === 0 || pin(Math.floor(q / n), q % n))).toBe(true);
        const om = minus(x.x, tr(x.x, n));
        const nx = mask(minus(matmul(m, om, n), matmul(om, m, n)), n, pout);
        expect(Math.max(0, ...minus(nx, mask(g, n, pout)).map(Math.abs))).toBeLessThan(1e-10);
        // Y on S_out; Nᵀ(Y) = P_in(Mᵀ Y − Y Mᵀ) = P_in(G')
        const y = solve(m, n, gy, true, 1e-300);
        expect(y.x.every((v, q) => v === 0 || pout(Math.floor(q / n), q % n))).toBe(true);
        const mt = tr(m, n);
        const nty = mask(minus(matmul(mt, y.x, n), matmul(y.x, mt, n)), n, pin);
        expect(Math.max(0, ...minus(nty, mask(gy, n, pin)).map(Math.abs))).toBeLessThan(1e-10);
        // adjoint: ⟨Y, N(X)⟩ = ⟨Nᵀ(Y), X⟩
        expect(Math.abs(dot(y.x, nx) - dot(nty, x.x))).toBeLessThan(1e-9 * (1 + Math.abs(dot(y.x, nx))));
      });
    }

  it("singular cases: equal eigenvalues (schur), a zero subdiagonal entry (hessenberg)", () => {
    const t = Float64Array.from([2, 1, 0, 0, 2, 1, 0, 0, 3]);
    expect(schurStructuredSolve(t, 3, new Float64Array(9).fill(1), false, 1e-13).info).toBe(1);
    const h = Float64Array.from([1, 2, 3, 0, 4, 5, 0, 6, 7]);
    const r = hessenbergStructuredSolve(h, 3, new Float64Array(9).fill(1), false, 1e-13);
    expect(r.info).toBe(1);
    expect(r.minPivot).toBe(0);
  });
});

describe("normalizeSchurGauge", () => {
  it("keeps A = Z T Zᵀ, makes |b| ≥ |c|, b > 0 in 2×2 blocks, and each column's largest entry positive", () => {
    const rng = mulberry32(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 2 + (trial % 6);
      const a = randnMat(rng, n, n);
      const { t, z } = realSchur(a, n);
      normalizeSchurGauge(t, z, n);
      const rec = matmul(matmul(z, t, n), tr(z, n), n);
      expect(Math.max(...minus(rec, a).map(Math.abs))).toBeLessThan(1e-12);
      const blocks = quasiBlocks(t, n);
      for (let b = 0; b + 1 < blocks.length; b++) {
        const i = blocks[b];
        let big = 0;
        for (let r = 0; r < n; r++) if (Math.abs(z[r * n + i]) > Math.abs(big)) big = z[r * n + i];
        expect(big).toBeGreaterThan(0);
        if (blocks[b + 1] - i === 2) {
          expect(t[i * n + i + 1]).toBeGreaterThan(0);
          expect(t[i * n + i + 1]).toBeGreaterThanOrEqual(Math.abs(t[(i + 1) * n + i]));
          expect(t[i * n + i]).toBe(t[(i + 1) * n + i + 1]);
        }
      }
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (t[i * n + j] === 0) expect(Object.is(t[i * n + j], -0)).toBe(false);
    }
  });
});
