import { describe, expect, it } from "vitest";
import { cauchyFor, gemvN, gemvNRef, gemvT, gemvTRef, level2Stats, secSumsFor, symvU, symvURef } from "../../src/kernels/level2.js";
import { secularRoot, type SecularRoot } from "../../src/kernels/util.js";
import { buildLevel2Module } from "../../src/kernels/wasm/level2-module.js";
import { setThreads, wasmSimdSupported, withArena } from "../../src/kernels/wasm/index.js";
import { rng } from "./gemm-cases.js";

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 17, 33];

/** naive definitions (the contracts) */
function naiveN(m: number, n: number, alpha: number, A: Float64Array, aOff: number, lda: number, x: Float64Array, xOff: number, beta: number, y: Float64Array, yOff: number, incy: number) {
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[aOff + i * lda + j] * x[xOff + j];
    const at = yOff + i * incy;
    y[at] = alpha * s + (beta === 0 ? 0 : beta * y[at]);
  }
}
function naiveT(m: number, n: number, alpha: number, A: Float64Array, aOff: number, lda: number, x: Float64Array, xOff: number, incx: number, beta: number, y: Float64Array, yOff: number) {
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += A[aOff + i * lda + j] * x[xOff + i * incx];
    y[yOff + j] = alpha * s + (beta === 0 ? 0 : beta * y[yOff + j]);
  }
}
function naiveS(n: number, A: Float64Array, aOff: number, lda: number, x: Float64Array, xOff: number, y: Float64Array, yOff: number) {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[aOff + Math.min(i, j) * lda + Math.max(i, j)] * x[xOff + j];
    y[yOff + i] = s;
  }
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= e)) e = d;
  }
  return e;
}

/**
 * Lay out A (m×n, ld n+pad at odd offset), x and y in F (fills the rest with
 * random numbers, y with NaN when beta = 0), run `kernel` on F and `naive` on a copy.
 */
type Layout = { aOff: number; lda: number; xOff: number; yOff: number; len: number };
function layout(m: number, n: number, pad: number, xLen: number, yLen: number): Layout {
  const lda = n + pad;
  const aOff = 3;
  const xOff = aOff + m * lda + 1;
  const yOff = xOff + xLen + 5;
  return { aOff, lda, xOff, yOff, len: yOff + yLen + 2 };
}

function runAll(alloc: (len: number, fn: (F: Float64Array) => void) => void, expectWasm: boolean) {
  const r = rng(17);
  let cases = 0;
  const before = { ...level2Stats };
  for (const m of SIZES)
    for (const n of SIZES)
      for (const [alpha, beta] of [[1, 0], [-0.5, 0.25], [2, 1]] as const)
        for (const inc of [1, 3]) {
          // gemvN: y strided by inc
          {
            const L = layout(m, n, 2, n, Math.max(1, m * inc));
            alloc(L.len, (F) => {
              for (let i = 0; i < L.len; i++) F[i] = r();
              if (beta === 0) for (let i = 0; i < m; i++) F[L.yOff + i * inc] = NaN;
              const ref = F.slice();
              gemvN(m, n, alpha, F, L.aOff, L.lda, F, L.xOff, beta, F, L.yOff, inc);
              naiveN(m, n, alpha, ref, L.aOff, L.lda, ref, L.xOff, beta, ref, L.yOff, inc);
              expect(maxDiff(F, ref)).toBeLessThan(1e-13);
              cases++;
            });
          }
          // gemvT: x strided by inc
          {
            const L = layout(m, n, 1, Math.max(1, m * inc), n);
            alloc(L.len, (F) => {
              for (let i = 0; i < L.len; i++) F[i] = r();
              if (beta === 0) F.fill(NaN, L.yOff, L.yOff + n);
              const ref = F.slice();
              gemvT(m, n, alpha, F, L.aOff, L.lda, F, L.xOff, inc, beta, F, L.yOff);
              naiveT(m, n, alpha, ref, L.aOff, L.lda, ref, L.xOff, inc, beta, ref, L.yOff);
              expect(maxDiff(F, ref)).toBeLessThan(1e-13);
              cases++;
            });
          }
        }
  for (const n of SIZES) {
    const L = layout(n, n, 3, n, n);
    alloc(L.len, (F) => {
      for (let i = 0; i < L.len; i++) F[i] = r();
      // the lower triangle must never be read
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) F[L.aOff + i * L.lda + j] = NaN;
      F.fill(NaN, L.yOff, L.yOff + n);
      const ref = F.slice();
      symvU(n, F, L.aOff, L.lda, F, L.xOff, F, L.yOff);
      naiveS(n, ref, L.aOff, L.lda, ref, L.xOff, ref, L.yOff);
      for (let i = 0; i < n; i++) expect(F[L.yOff + i]).toBeCloseTo(ref[L.yOff + i], 12);
      cases++;
    });
  }
  const used = expectWasm ? level2Stats.wasm - before.wasm : level2Stats.portable - before.portable;
  expect(used).toBeGreaterThan(0);
  // empty sizes return before dispatch; every other case used the expected kernel
  expect(level2Stats.wasm - before.wasm + level2Stats.portable - before.portable).toBeLessThanOrEqual(cases);
  if (expectWasm) expect(level2Stats.portable - before.portable).toBe(0);
  else expect(level2Stats.wasm - before.wasm).toBe(0);
  return cases;
}

describe("level-2 kernels", () => {
  it("portable kernels (plain arrays) match the naive definitions: odd sizes, offsets, strides, β = 0 with NaN y, empty", () => {
    expect(runAll((len, fn) => fn(new Float64Array(len)), false)).toBeGreaterThan(700);
  });

  it("the portable 4-row kernels agree with gemvN/T/symvU dispatch on plain arrays", () => {
    const A = Float64Array.from({ length: 60 }, (_, i) => Math.sin(i));
    const x = Float64Array.from({ length: 10 }, (_, i) => Math.cos(i));
    const y1 = new Float64Array(10);
    const y2 = new Float64Array(10);
    gemvNRef(6, 10, 1.5, A, 0, 10, x, 0, 0, y1, 0);
    gemvN(6, 10, 1.5, A, 0, 10, x, 0, 0, y2, 0);
    expect(Array.from(y2)).toEqual(Array.from(y1));
    gemvTRef(6, 10, 1, A, 0, 10, x, 0, 1, 0, y1, 0);
    gemvT(6, 10, 1, A, 0, 10, x, 0, 1, 0, y2, 0);
    expect(Array.from(y2)).toEqual(Array.from(y1));
    symvURef(7, A, 0, 8, x, 0, y1, 0);
    symvU(7, A, 0, 8, x, 0, y2, 0);
    expect(Array.from(y2)).toEqual(Array.from(y1));
  });
});

describe.runIf(wasmSimdSupported())("level-2 kernels: WASM SIMD on resident arenas", () => {
  it("module generation is deterministic and validates (private and shared memory)", () => {
    const a = buildLevel2Module({ shared: false });
    const b = buildLevel2Module({ shared: false });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(WebAssembly.validate(a)).toBe(true);
    expect(WebAssembly.validate(buildLevel2Module({ shared: true, maxPages: 1024 }))).toBe(true);
  });

  it("match the naive definitions: odd sizes, offsets, strides, β = 0 with NaN y, empty", () => {
    expect(runAll((len, fn) => withArena(len, (F) => fn(F)), true)).toBeGreaterThan(700);
  });

  it("secSums matches the naive sums (odd/even ranges, empty), and secularRoot gives the same roots on both paths", () => {
    const K = 37;
    withArena(3 * K + 8, (F) => {
      const z = F.subarray(0, K);
      const g = F.subarray(K + 1, 2 * K + 1); // odd offset: unaligned pairs
      const out = F.subarray(2 * K + 2, 2 * K + 4);
      const r = rng(5);
      for (let j = 0; j < K; j++) {
        z[j] = r() + 0.1;
        g[j] = j * 0.5 + 0.1 * r();
      }
      const ex = secSumsFor(z, g, out)!;
      expect(ex).not.toBeNull();
      expect(secSumsFor(z, g, new Float64Array(2))).toBeNull();
      for (const [j0, j1] of [[0, K], [0, 0], [3, 4], [2, 9], [5, 36], [36, 37]]) {
        const tau = 0.23;
        ex(j0, j1, z.byteOffset, g.byteOffset, tau, out.byteOffset);
        let s = 0;
        let ds = 0;
        for (let j = j0; j < j1; j++) {
          const t = z[j] / (g[j] - tau);
          s += z[j] * t;
          ds += t * t;
        }
        expect(out[0]).toBeCloseTo(s, 12);
        expect(out[1]).toBeCloseTo(ds, 10);
      }
      // secular roots (eigh form and squared svd form) with and without the kernel
      const d = new Float64Array(K);
      for (let j = 0; j < K; j++) d[j] = j * 0.5 + 0.1 * r();
      const zc = z.slice();
      for (const squared of [false, true]) {
        for (let i = 0; i < K; i += 5) {
          const a: SecularRoot = { orig: 0, tau: 0 };
          const b: SecularRoot = { orig: 0, tau: 0 };
          expect(secularRoot(K, d, z, 0.7, i, squared, g, a, out)).toBe(true);
          expect(secularRoot(K, d, zc, 0.7, i, squared, new Float64Array(K), b)).toBe(true);
          expect(a.orig).toBe(b.orig);
          expect(Math.abs(a.tau - b.tau)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(b.tau)));
        }
      }
    });
  });

  it("Cauchy kernels (vectors, ẑ products, scaling) match the JS loops of the D&C merges, both forms, odd/even K", () => {
    for (const K of [1, 2, 7, 16, 33]) {
      withArena(6 * K + 16, (F) => {
        const z = F.subarray(1, 1 + K); // odd offsets: unaligned pairs
        const d = F.subarray(2 + K, 2 + 2 * K);
        const v = F.subarray(3 + 2 * K, 3 + 3 * K);
        const u = F.subarray(4 + 3 * K, 4 + 4 * K);
        const p = F.subarray(5 + 4 * K, 5 + 5 * K);
        const out = F.subarray(6 + 5 * K, 8 + 5 * K);
        const r = rng(K);
        for (let i = 0; i < K; i++) {
          z[i] = r() - 0.5;
          d[i] = i + 0.3 * r();
          p[i] = 1 + r();
        }
        const cx = cauchyFor(z, d, v, u, p, out)!;
        expect(cx).not.toBeNull();
        expect(cauchyFor(z, new Float64Array(K))).toBeNull();
        const o = d[0] + 0.01;
        const t = 0.37;
        for (const sq of [0, 1]) {
          const den = (x: number) => (sq ? (x - o) * (x + o) - t : x - o - t);
          cx.cauchyVec(K, z.byteOffset, d.byteOffset, o, t, sq, v.byteOffset, u.byteOffset, out.byteOffset);
          let sv = 0;
          let su = 0;
          for (let i = 0; i < K; i++) {
            const vv = z[i] / den(d[i]);
            expect(v[i]).toBe(vv);
            expect(u[i]).toBe(d[i] * vv);
            sv += vv * vv;
            su += d[i] * vv * d[i] * vv;
          }
          expect(out[0]).toBeCloseTo(sv, 10);
          expect(out[1]).toBeCloseTo(su, 8);
          // without u (address 0): u untouched
          u.fill(7);
          cx.cauchyVec(K, z.byteOffset, d.byteOffset, o, t, sq, v.byteOffset, 0, out.byteOffset);
          expect(u.every((x) => x === 7)).toBe(true);
          const j = Math.floor(K / 2);
          const dj = d[j];
          const ref = p.slice();
          for (const [j0, j1] of [[0, j], [j + 1, K]]) {
            cx.cauchyProd(j0, j1, d.byteOffset, o, t, dj, sq, p.byteOffset);
            for (let i = j0; i < j1; i++) ref[i] *= den(d[i]) / (sq ? (d[i] - dj) * (d[i] + dj) : d[i] - dj);
          }
          expect(Array.from(p)).toEqual(Array.from(ref));
        }
        const before = v.slice();
        cx.scal(K, -2.5, v.byteOffset);
        expect(Array.from(v)).toEqual(Array.from(before, (x) => -2.5 * x));
      });
    }
  });

  it("mixed operands (x outside the arena) use the portable kernel", () => {
    withArena(40, (F) => {
      F.fill(1);
      const x = new Float64Array(4).fill(2);
      const before = level2Stats.portable;
      gemvN(4, 4, 1, F, 0, 4, x, 0, 0, F, 20, 1);
      expect(level2Stats.portable).toBe(before + 1);
      expect(Array.from(F.subarray(20, 24))).toEqual([8, 8, 8, 8]);
    });
  });

  it("run on the thread pool's shared engine", async () => {
    try {
      await setThreads(2);
    } catch {
      return;
    }
    try {
      const before = level2Stats.wasm;
      withArena(64, (F) => {
        for (let i = 0; i < 25; i++) F[i] = i;
        F.fill(1, 30, 35);
        gemvN(5, 5, 1, F, 0, 5, F, 30, 0, F, 40, 1);
        expect(Array.from(F.subarray(40, 45))).toEqual([10, 35, 60, 85, 110]);
      });
      expect(level2Stats.wasm).toBe(before + 1);
    } finally {
      await setThreads(1);
    }
  });
});
