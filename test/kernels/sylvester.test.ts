import { describe, it, expect } from "vitest";
import {
  solveSylvester,
  solveSylvesterSchur,
  solveLyapunov,
  solveLyapunovSchur,
  solveQuasiTriangularSylvester,
} from "../../src/kernels/sylvester.js";
import { realSchur } from "../../src/kernels/schur.js";
import { mulberry32, randn, randnMat, matmul, frob } from "./matfun-helpers.js";

function addShift(a: Float64Array, n: number, s: number): Float64Array {
  const b = a.slice();
  for (let i = 0; i < n; i++) b[i * n + i] += s;
  return b;
}
/** Relative residual of op(A) X + X op(B) = C:  ‖res‖ / ((‖A‖ + ‖B‖)‖X‖ + ‖C‖) */
function relres(
  a: Float64Array,
  m: number,
  b: Float64Array,
  n: number,
  c: Float64Array,
  x: Float64Array,
  trans = false,
): number {
  const ax = matmul(a, x, m, m, n, trans, false);
  const xb = matmul(x, b, m, n, n, false, trans);
  const r = ax.map((v, i) => v + xb[i] - c[i]);
  return frob(r) / ((frob(a) + frob(b)) * frob(x) + frob(c));
}

describe("solveSylvester (Bartels–Stewart): A X + X B = C", () => {
  it("relative residual ≤ 1e-13 on random rectangular problems (both spectra with complex pairs)", () => {
    const rng = mulberry32(11);
    for (const [m, n] of [
      [1, 1],
      [1, 3],
      [3, 1],
      [2, 2],
      [4, 7],
      [9, 5],
      [16, 16],
      [40, 33],
    ]) {
      const a = randnMat(rng, m);
      const b = randnMat(rng, n);
      const c = randnMat(rng, m, n);
      const r = solveSylvester(a, m, b, n, c);
      expect(r.info).toBe(0);
      expect(r.minSep).toBeGreaterThan(0);
      expect(relres(a, m, b, n, c, r.x)).toBeLessThan(1e-13);
    }
  });

  it("matches the Kronecker-product solve on a small case: (I⊗A + Bᵀ⊗I) vec X = vec C", () => {
    const rng = mulberry32(12);
    const m = 3;
    const n = 2;
    const a = randnMat(rng, m);
    const b = randnMat(rng, n);
    const c = randnMat(rng, m, n);
    // build K (mn×mn) acting on column-major vec(X): index(i,j) = j*m + i
    const N = m * n;
    const K = new Float64Array(N * N);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        const row = j * m + i;
        for (let p = 0; p < m; p++) K[row * N + j * m + p] += a[i * m + p];
        for (let q = 0; q < n; q++) K[row * N + q * m + i] += b[q * n + j];
      }
    const rhs = new Float64Array(N);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) rhs[j * m + i] = c[i * n + j];
    // Gaussian elimination with partial pivoting
    for (let k = 0; k < N; k++) {
      let p = k;
      for (let i = k + 1; i < N; i++) if (Math.abs(K[i * N + k]) > Math.abs(K[p * N + k])) p = i;
      for (let j = 0; j < N; j++) [K[k * N + j], K[p * N + j]] = [K[p * N + j], K[k * N + j]];
      [rhs[k], rhs[p]] = [rhs[p], rhs[k]];
      for (let i = k + 1; i < N; i++) {
        const l = K[i * N + k] / K[k * N + k];
        for (let j = k; j < N; j++) K[i * N + j] -= l * K[k * N + j];
        rhs[i] -= l * rhs[k];
      }
    }
    for (let k = N - 1; k >= 0; k--) {
      let s = rhs[k];
      for (let j = k + 1; j < N; j++) s -= K[k * N + j] * rhs[j];
      rhs[k] = s / K[k * N + k];
    }
    const x = solveSylvester(a, m, b, n, c).x;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(x[i * n + j]).toBeCloseTo(rhs[j * m + i], 12);
  });

  it("transposed variant reuses the forward Schur factors: Aᵀ Y + Y Bᵀ = G (the VJP equation)", () => {
    const rng = mulberry32(13);
    for (const [m, n] of [
      [1, 1],
      [2, 3],
      [6, 4],
      [17, 21],
    ]) {
      const a = randnMat(rng, m);
      const b = randnMat(rng, n);
      const c = randnMat(rng, m, n);
      const fwd = solveSylvester(a, m, b, n, c);
      const g = randnMat(rng, m, n);
      const adj = solveSylvesterSchur(fwd.ta, fwd.za, m, fwd.tb, fwd.zb, n, g, true);
      expect(adj.info).toBe(0);
      expect(relres(a, m, b, n, g, adj.x, true)).toBeLessThan(1e-13);
      // dot-product test: <G, X(C)> = <Y(G), C> since the two solution maps are adjoint
      let lhs = 0;
      let rhs = 0;
      for (let i = 0; i < m * n; i++) {
        lhs += g[i] * fwd.x[i];
        rhs += adj.x[i] * c[i];
      }
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-11 * (Math.abs(lhs) + 1));
      // non-transposed call with the factors reproduces solveSylvester
      const again = solveSylvesterSchur(fwd.ta, fwd.za, m, fwd.tb, fwd.zb, n, c);
      for (let i = 0; i < m * n; i++) expect(again.x[i]).toBeCloseTo(fwd.x[i], 12);
    }
  });

  it("gradient of L = <W, X> via the VJP matches central finite differences in A and B", () => {
    // MATH.md: C̄ solves Aᵀ C̄ + C̄ Bᵀ = X̄;  Ā = −C̄ Xᵀ,  B̄ = −Xᵀ C̄
    const rng = mulberry32(14);
    const m = 4;
    const n = 3;
    const a = addShift(randnMat(rng, m), m, 3);
    const b = addShift(randnMat(rng, n), n, 3);
    const c = randnMat(rng, m, n);
    const w = randnMat(rng, m, n);
    const loss = (aa: Float64Array, bb: Float64Array): number => {
      const x = solveSylvester(aa, m, bb, n, c).x;
      let s = 0;
      for (let i = 0; i < m * n; i++) s += w[i] * x[i];
      return s;
    };
    const fwd = solveSylvester(a, m, b, n, c);
    const cbar = solveSylvesterSchur(fwd.ta, fwd.za, m, fwd.tb, fwd.zb, n, w, true).x;
    const abar = matmul(cbar, fwd.x, m, n, m, false, true).map((v) => -v);
    const bbar = matmul(fwd.x, cbar, n, m, n, true, false).map((v) => -v);
    const h = 1e-6;
    for (let i = 0; i < m * m; i++) {
      const ap = a.slice();
      const am = a.slice();
      ap[i] += h;
      am[i] -= h;
      expect(abar[i]).toBeCloseTo((loss(ap, b) - loss(am, b)) / (2 * h), 7);
    }
    for (let i = 0; i < n * n; i++) {
      const bp = b.slice();
      const bm = b.slice();
      bp[i] += h;
      bm[i] -= h;
      expect(bbar[i]).toBeCloseTo((loss(a, bp) - loss(a, bm)) / (2 * h), 7);
    }
  });

  it("singular equation (B = −A) is flagged with info = 1 and minSep ≈ 0", () => {
    const rng = mulberry32(15);
    const n = 5;
    const a = randnMat(rng, n);
    const b = a.map((v) => -v);
    const r = solveSylvester(a, n, b, n, randnMat(rng, n));
    expect(r.minSep).toBeLessThan(1e-12);
    expect(r.info).toBe(1);
    // well separated: minSep matches min |λ + μ| for diagonal A, B
    const d = solveSylvester(new Float64Array([1, 0, 0, 4]), 2, new Float64Array([-0.5, 0, 0, 3]), 2, new Float64Array(4));
    expect(d.info).toBe(0);
    expect(d.minSep).toBeCloseTo(0.5, 14);
  });

  it("0-sized inputs give empty solutions", () => {
    const r = solveSylvester(new Float64Array(0), 0, new Float64Array(9), 3, new Float64Array(0));
    expect(r.x.length).toBe(0);
    expect(r.info).toBe(0);
    expect(r.minSep).toBe(Infinity);
    expect(() => solveSylvester(new Float64Array(4), 2, new Float64Array(4), 2, new Float64Array(3))).toThrow(RangeError);
  });

  it("quasi-triangular core handles every block pairing (1×1/2×2 × 1×1/2×2)", () => {
    // S = blockdiag(2×2, 1×1, 2×2) upper quasi-triangular, T = blockdiag(1×1, 2×2)
    const m = 5;
    const n = 3;
    const rng = mulberry32(16);
    const s = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = i; j < m; j++) s[i * m + j] = randn(rng);
    s[1 * m + 0] = -1.5; // block rows 0-1
    s[0] = s[1 * m + 1] = 1; // (standardized-ish: equal diagonal)
    s[0 * m + 1] = 2;
    s[4 * m + 3] = -0.7; // block rows 3-4
    s[3 * m + 4] = 0.9;
    s[3 * m + 3] = s[4 * m + 4] = 2;
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) t[i * n + j] = randn(rng);
    t[0] = 0.5;
    t[2 * n + 1] = -3;
    t[1 * n + 2] = 1;
    t[1 * n + 1] = t[2 * n + 2] = 0.25;
    const c = randnMat(rng, m, n);
    const y = c.slice();
    expect(solveQuasiTriangularSylvester(s, m, t, n, y)).toBe(false);
    expect(relres(s, m, t, n, c, y)).toBeLessThan(1e-14);
  });
});

describe("solveLyapunov: A X + X Aᵀ = Q", () => {
  it("residual ≤ 1e-13; symmetric Q with stable A gives symmetric X", () => {
    const rng = mulberry32(21);
    for (const n of [1, 2, 5, 12, 30]) {
      const a = addShift(randnMat(rng, n), n, -Math.sqrt(n) - 1); // stable: spectrum in the left half plane
      const g = randnMat(rng, n);
      const q = matmul(g, g, n, n, n, false, true); // Q = G Gᵀ symmetric
      const r = solveLyapunov(a, n, q);
      expect(r.info).toBe(0);
      const ax = matmul(a, r.x, n, n, n);
      const xat = matmul(r.x, a, n, n, n, false, true);
      const res = ax.map((v, i) => v + xat[i] - q[i]);
      expect(frob(res) / (2 * frob(a) * frob(r.x) + frob(q))).toBeLessThan(1e-13);
      let asym = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) asym = Math.max(asym, Math.abs(r.x[i * n + j] - r.x[j * n + i]));
      expect(asym).toBeLessThan(1e-12 * frob(r.x));
      // stable A, Q = GGᵀ ⪰ 0 ⇒ X = −∫ e^{At} Q e^{Aᵀt} dt ⪯ 0: diagonal entries ≤ 0
      for (let i = 0; i < n; i++) expect(r.x[i * n + i]).toBeLessThanOrEqual(1e-12);
      // transposed: Aᵀ Y + Y A = Q
      const tr = solveLyapunovSchur(r.t, r.z, n, q, true);
      const aty = matmul(a, tr.x, n, n, n, true, false);
      const ya = matmul(tr.x, a, n, n, n);
      const res2 = aty.map((v, i) => v + ya[i] - q[i]);
      expect(frob(res2) / (2 * frob(a) * frob(tr.x) + frob(q))).toBeLessThan(1e-13);
    }
  });

  it("agrees with the generic Sylvester solve with B = Aᵀ", () => {
    const rng = mulberry32(22);
    const n = 7;
    const a = randnMat(rng, n);
    const q = randnMat(rng, n);
    const at = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) at[i * n + j] = a[j * n + i];
    const x1 = solveLyapunov(a, n, q).x;
    const x2 = solveSylvester(a, n, at, n, q).x;
    const s = realSchur(a, n);
    expect(s.info).toBe(0);
    expect(frob(x1.map((v, i) => v - x2[i]))).toBeLessThan(1e-11 * frob(x2));
  });
});
