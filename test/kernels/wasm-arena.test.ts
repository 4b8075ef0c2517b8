import { describe, expect, it } from "vitest";
import { gemmReference } from "../../src/kernels/gemm.js";
import { nativeBackend, portableBackend, setBackend, wasmBackend, withWorkArena } from "../../src/kernels/backend.js";
import {
  currentEngine,
  gemmWasm,
  setThreads,
  wasmExtra,
  wasmSimdSupported,
  wasmStatus,
  withArena,
} from "../../src/kernels/wasm/index.js";
import { Func, Ty, encodeModule, f64, get, i32 } from "../../src/kernels/wasm/encode.js";
import { rng } from "./gemm-cases.js";

/** A tiny extra module: first(addr) = f64 at addr + 8 (tests the shared-memory hook). */
function tinyModule(mem: { shared: boolean; maxPages: number | undefined }): Uint8Array<ArrayBuffer> {
  const f = new Func("second", [Ty.i32], [Ty.f64]);
  f.body = f64.load(i32.add(get(0), i32.const(8)));
  return encodeModule({ memory: { min: 1, max: mem.maxPages, shared: mem.shared }, funcs: [f] });
}

function fillRandom(x: Float64Array, off: number, len: number, seed: number): void {
  const r = rng(seed);
  for (let i = 0; i < len; i++) x[off + i] = r();
}

/** C = alpha·op(A)·op(B) + beta·C with all three inside one arena, at odd offsets and padded strides. */
function arenaProduct(F: Float64Array, tA: boolean, tB: boolean, m: number, n: number, k: number, seed: number) {
  const lda = (tA ? m : k) + 3;
  const ldb = (tB ? k : n) + 1;
  const ldc = n + 5;
  const aOff = 7;
  const bOff = aOff + (tA ? k : m) * lda + 1;
  const cOff = bOff + (tB ? n : k) * ldb + 3;
  fillRandom(F, 0, cOff + m * ldc, seed);
  const ref = F.slice();
  gemmWasm(tA, tB, m, n, k, 0.75, F, aOff, lda, F, bOff, ldb, -0.5, F, cOff, ldc);
  gemmReference(tA, tB, m, n, k, 0.75, ref, aOff, lda, ref, bOff, ldb, -0.5, ref, cOff, ldc);
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(F[i] - ref[i]));
  return { err, end: cOff + m * ldc };
}

describe.runIf(wasmSimdSupported())("wasm resident arena", () => {
  it("runs products on arena views in place (no copies), any transposes, offsets and strides", () => {
    withArena(20000, (F, addr) => {
      expect(F.buffer).toBe(currentEngine()!.memory.buffer);
      expect(addr).toBe(F.byteOffset);
      expect(F.every((v) => v === 0)).toBe(true);
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const before = wasmStatus();
        const { err, end } = arenaProduct(F, tA, tB, 23, 17, 29, 11);
        expect(end).toBeLessThan(F.length);
        expect(err).toBeLessThan(1e-12);
        const after = wasmStatus();
        expect(after.residentCalls).toBe(before.residentCalls + 1);
        expect(after.stagedCalls).toBe(before.stagedCalls);
      }
    });
    expect(wasmStatus().arenaDepth).toBe(0);
  });

  it("mixes resident and ordinary operands (stages only the outside ones)", () => {
    const m = 19, n = 21, k = 13;
    const A = new Float64Array(m * k);
    fillRandom(A, 0, A.length, 3);
    withArena(2 * (k * n + m * n) + 8, (F) => {
      fillRandom(F, 0, F.length, 4);
      const ref = F.slice();
      const before = wasmStatus().stagedCalls;
      gemmWasm(false, false, m, n, k, 1, A, 0, k, F, 1, n, 1, F, 1 + k * n, n);
      gemmReference(false, false, m, n, k, 1, A, 0, k, ref, 1, n, 1, ref, 1 + k * n, n);
      expect(wasmStatus().stagedCalls).toBe(before + 1);
      for (let i = 0; i < F.length; i++) expect(F[i]).toBeCloseTo(ref[i], 12);
      // the result goes to an ordinary C too
      const C = new Float64Array(m * n);
      const Cr = new Float64Array(m * n);
      gemmWasm(false, false, m, n, k, 1, F, 0, k, F, 1, n, 0, C, 0, n);
      gemmReference(false, false, m, n, k, 1, F, 0, k, F, 1, n, 0, Cr, 0, n);
      for (let i = 0; i < C.length; i++) expect(C[i]).toBeCloseTo(Cr[i], 12);
    });
  });

  it("nests arenas (LIFO, disjoint) and releases them on exceptions", () => {
    const e = currentEngine()!;
    withArena(100, (outer) => {
      outer.fill(1);
      expect(e.arenaDepth).toBe(1);
      withArena(50, (inner) => {
        expect(e.arenaDepth).toBe(2);
        expect(inner.byteOffset).toBeGreaterThanOrEqual(outer.byteOffset + outer.byteLength);
        inner.fill(2);
        const { err } = arenaProduct(inner, false, true, 3, 4, 2, 5);
        expect(err).toBeLessThan(1e-14);
      });
      expect(outer.every((v) => v === 1)).toBe(true);
      expect(() =>
        withArena(10, () => {
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(e.arenaDepth).toBe(1);
    });
    expect(e.arenaDepth).toBe(0);
    expect(() => e.closeArena(new Float64Array(1))).toThrow(/innermost/);
  });

  it("never grows (detaches) the memory while an arena is open: large products fall back to the portable kernel", () => {
    const e = currentEngine()!;
    withArena(1000, (F) => {
      F.fill(3);
      const bytes = e.memory.buffer.byteLength;
      // staging this would need far more than the pre-grown margin
      const m = 600, n = 600, k = 8;
      const A = new Float64Array(m * k).fill(1);
      const B = new Float64Array(k * n).fill(2);
      const C = new Float64Array(m * n);
      gemmWasm(false, false, m, n, k, 1, A, 0, k, B, 0, n, 0, C, 0, n);
      expect(C[0]).toBe(16);
      expect(C[m * n - 1]).toBe(16);
      expect(e.memory.buffer.byteLength).toBe(bytes);
      expect(F.length).toBe(1000); // still attached
      expect(F[999]).toBe(3);
      expect(() => e.ensure(bytes + 65536)).toThrow(/arena/);
    });
  });

  it("instantiates extra modules on the engine memory once (cached), addressing arena views", () => {
    const ex1 = wasmExtra("test-tiny", tinyModule);
    const ex2 = wasmExtra("test-tiny", tinyModule);
    expect(ex1).not.toBeNull();
    expect(ex2).toBe(ex1);
    withArena(4, (F, addr) => {
      F[1] = 42.5;
      const second = wasmExtra("test-tiny", tinyModule, F)!.second as (a: number) => number;
      expect(second(addr)).toBe(42.5);
    });
    expect(wasmExtra("test-tiny", tinyModule, new Float64Array(2))).toBeNull();
  });

  it("withWorkArena: WASM memory with the wasm backend, a plain array with the portable one", () => {
    const prev = setBackend(wasmBackend);
    try {
      withWorkArena(10, (F, addr) => {
        expect(F.buffer).toBe(currentEngine()!.memory.buffer);
        expect(addr).toBe(F.byteOffset);
      });
      setBackend(portableBackend);
      withWorkArena(10, (F, addr) => {
        expect(F.length).toBe(10);
        expect(addr).toBe(-1);
        expect(F.buffer).not.toBe(currentEngine()!.memory.buffer);
      });
    } finally {
      setBackend(prev);
    }
  });

  it("the native backend (when built) computes on arena views too", () => {
    const nb = nativeBackend();
    if (nb === null) return;
    expect(nb.arena).toBeDefined();
    withArena(3 * 40 * 40, (F) => {
      fillRandom(F, 0, F.length, 9);
      const ref = F.slice();
      nb.gemm(true, false, 40, 40, 40, 1, F, 0, 40, F, 1600, 40, 0.5, F, 3200, 40);
      gemmReference(true, false, 40, 40, 40, 1, ref, 0, 40, ref, 1600, 40, 0.5, ref, 3200, 40);
      for (let i = 0; i < F.length; i++) expect(F[i]).toBeCloseTo(ref[i], 10);
    });
  });

  it("uses the thread pool's shared engine while threads are on", async () => {
    try {
      await setThreads(2);
    } catch {
      return; // no worker support here
    }
    try {
      const e = currentEngine()!;
      expect(e.shared).toBe(true);
      withArena(30000, (F, addr) => {
        expect(F.buffer).toBe(e.memory.buffer);
        const before = wasmStatus().residentCalls;
        const { err } = arenaProduct(F, true, false, 31, 33, 35, 2);
        expect(err).toBeLessThan(1e-12);
        expect(wasmStatus().residentCalls).toBe(before + 1);
        F[1] = -7;
        const second = wasmExtra("test-tiny", tinyModule, F)!.second as (a: number) => number;
        expect(second(addr)).toBe(-7);
        // a big product (pool path, staged above the arena) leaves the arena intact
        F.fill(5);
        const n = 200;
        const A = new Float64Array(n * n).fill(1);
        const C = new Float64Array(n * n);
        gemmWasm(false, false, n, n, n, 1, A, 0, n, A, 0, n, 0, C, 0, n);
        expect(C[n * n - 1]).toBe(n);
        expect(F.every((v) => v === 5)).toBe(true);
      });
    } finally {
      await setThreads(1);
    }
  });
});
