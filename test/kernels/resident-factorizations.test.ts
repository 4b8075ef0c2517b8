import { afterEach, describe, expect, it } from "vitest";
import { svd } from "../../src/kernels/svd.js";
import { eigh } from "../../src/kernels/eigh.js";
import { portableBackend, setBackend, wasmBackend, type Backend } from "../../src/kernels/backend.js";
import { level2Stats } from "../../src/kernels/level2.js";
import { wasmSimdSupported, wasmStatus } from "../../src/kernels/wasm/index.js";
import { mulberry32, randMat, randSym, matmul, maxAbsDiff, frob, transpose } from "./factor-helpers.js";

/**
 * svd and eigh run their reductions in a resident WASM arena (level-2 kernels
 * and GEMMs in place) with the wasm backend, and in plain arrays with the
 * portable one: both must give the same factorization (to rounding).
 */
let prev: Backend | null = null;
afterEach(() => {
  if (prev !== null) setBackend(prev);
  prev = null;
});

function withBackend<T>(b: Backend, f: () => T): T {
  const p = setBackend(b);
  try {
    return f();
  } finally {
    setBackend(p);
  }
}

describe.runIf(wasmSimdSupported())("svd / eigh in a resident arena (wasm) vs plain arrays (js)", () => {
  for (const [m, n] of [[70, 70], [97, 41], [41, 97], [130, 40], [33, 33]] as const) {
    it(`svd ${m}×${n}: same singular values and reconstruction, kernels ran in place`, () => {
      const rng = mulberry32(m * 1000 + n);
      const a = randMat(rng, m, n);
      const before = { ...wasmStatus(), l2: level2Stats.wasm };
      const w = withBackend(wasmBackend, () => svd(a, m, n, "thin"));
      const after = wasmStatus();
      expect(after.arenaDepth).toBe(0);
      expect(after.residentCalls).toBeGreaterThan(before.residentCalls);
      expect(level2Stats.wasm).toBeGreaterThan(before.l2);
      const p = withBackend(portableBackend, () => svd(a, m, n, "thin"));
      const k = Math.min(m, n);
      expect(w.info).toBe(-1);
      expect(maxAbsDiff(w.s, p.s)).toBeLessThan(1e-12 * p.s[0]);
      // A = U·diag(s)·Vᵀ and the gauge-fixed vectors agree
      const us = w.u.slice();
      for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) us[i * k + j] *= w.s[j];
      expect(maxAbsDiff(matmul(us, transpose(w.v, n, k), m, k, n), a) / frob(a)).toBeLessThan(1e-13);
      expect(maxAbsDiff(w.u, p.u)).toBeLessThan(1e-9);
      expect(maxAbsDiff(w.v, p.v)).toBeLessThan(1e-9);
    });
  }

  for (const n of [70, 33, 129]) {
    it(`eigh ${n}×${n}: same eigenpairs, kernels ran in place`, () => {
      const rng = mulberry32(n);
      const a = randSym(rng, n);
      const before = { ...wasmStatus(), l2: level2Stats.wasm };
      const w = withBackend(wasmBackend, () => eigh(a, n));
      expect(wasmStatus().arenaDepth).toBe(0);
      expect(wasmStatus().residentCalls).toBeGreaterThan(before.residentCalls);
      expect(level2Stats.wasm).toBeGreaterThan(before.l2);
      const p = withBackend(portableBackend, () => eigh(a, n));
      expect(maxAbsDiff(w.w, p.w)).toBeLessThan(1e-12 * Math.max(...p.w.map(Math.abs)));
      expect(maxAbsDiff(w.v, p.v)).toBeLessThan(1e-9);
      // A·V = V·Λ
      const vl = w.v.slice();
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vl[i * n + j] *= w.w[j];
      expect(maxAbsDiff(matmul(a, w.v, n, n, n), vl) / frob(a)).toBeLessThan(1e-13);
    });
  }

  it("non-finite input returns NaN factors from inside the arena and releases it", () => {
    const a = new Float64Array(40 * 40).fill(1);
    a[17 * 40] = NaN; // lower triangle (eigh reads only that one)
    const r = withBackend(wasmBackend, () => svd(a, 40, 40, "thin"));
    expect(Number.isNaN(r.s[0])).toBe(true);
    const e = withBackend(wasmBackend, () => eigh(a, 40));
    expect(Number.isNaN(e.w[0])).toBe(true);
    expect(wasmStatus().arenaDepth).toBe(0);
  });
});
