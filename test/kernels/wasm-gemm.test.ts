import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { gemmReference } from "../../src/kernels/gemm.js";
import { backend, nativeBackend, portableBackend, useBackend, wasmBackend } from "../../src/kernels/backend.js";
import {
  gemmBatchWasm,
  gemmWasm,
  gemmWasmOnly,
  getThreads,
  setThreads,
  wasmSimdSupported,
  wasmStatus,
} from "../../src/kernels/wasm/index.js";
import { THREAD_MIN_WORK, workerSource } from "../../src/kernels/wasm/pool.js";
import { Engine, KERNEL_OPTIONS, type KernelOptions } from "../../src/kernels/wasm/engine.js";
import { buildGemmModule } from "../../src/kernels/wasm/gemm-module.js";
import { allCases, alphaBetaCases, checkBatch, checkCase, checkNonFinite, rng, type Gemm } from "./gemm-cases.js";

const BLOCKS = { MR: KERNEL_OPTIONS.MR, NR: 2 * KERNEL_OPTIONS.NV, KC: KERNEL_OPTIONS.KC, MC: KERNEL_OPTIONS.MC, NC: 300 };

/**
 * A gemm running on a private engine with the given kernel options (no thresholds).
 * With beta = 0 the staged C region is poisoned with NaN first, so that a kernel
 * reading C when it must not is caught (staging itself never copies C then).
 */
function engineGemm(kernel: KernelOptions): Gemm {
  const e = new Engine({ shared: false, kernel });
  return (tA, tB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
    if (m <= 0 || n <= 0) return;
    if (alpha === 0 || k <= 0) {
      gemmReference(tA, tB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
      return;
    }
    const s = e.stage(tA, tB, m, n, k, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    if (beta === 0) e.ensure(0).fill(NaN, s.c >> 3, (s.c >> 3) + m * n);
    e.kernel(tA ? 1 : 0, tB ? 1 : 0, m, n, k, alpha, s.a, s.lda, s.b, s.ldb, beta, s.c, s.ldc, e.workAddr(0));
    e.unstage(m, n, s.c, C, cOff, ldc);
  };
}

describe.runIf(wasmSimdSupported())("wasm SIMD gemm vs gemmReference", () => {
  it("detects SIMD support in Node", () => {
    expect(wasmSimdSupported()).toBe(true);
  });

  it("module generation is deterministic, validates, and matches the golden digest", () => {
    const o = { ...KERNEL_OPTIONS, shared: false, minPages: 1 };
    const a = buildGemmModule(o);
    const b = buildGemmModule(o);
    expect(a.length).toBeGreaterThan(100);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(WebAssembly.validate(a)).toBe(true);
    expect(WebAssembly.validate(buildGemmModule({ ...o, shared: true, maxPages: 1024 }))).toBe(true);
    // Golden digest (FNV-1a) of the default kernel: guards refactors of the generator
    // against unintended changes to the emitted code. Update it (after checking the
    // benchmarks) when the kernel is changed on purpose.
    let h = 0x811c9dc5;
    for (const x of a) h = Math.imul(h ^ x, 0x01000193) >>> 0;
    expect([a.length, h.toString(16)]).toEqual([3038, "63038cbd"]);
  });

  it("kernel: all transposes, offsets, padded leading dims, edge and block-crossing sizes", () => {
    for (const c of allCases(BLOCKS)) checkCase(gemmWasmOnly, c);
  });

  it("kernel: alpha / beta semantics (beta = 0 with NaN-filled C)", () => {
    for (const c of alphaBetaCases(7, 9, 5)) checkCase(gemmWasmOnly, c);
    for (const c of alphaBetaCases(37, 41, 43)) checkCase(gemmWasmOnly, c);
  });

  it("kernel: NaN and Inf propagate exactly as in the reference (zero padding does not leak)", () => {
    for (const [m, n, k] of [[3, 5, 7], [37, 41, 43], [130, 9, 259]] as const) checkNonFinite(gemmWasmOnly, m, n, k);
  });

  it("strided batched GEMM on the wasm backend", () => {
    checkBatch(gemmBatchWasm, 3, 4, 5, 3);
    checkBatch(gemmBatchWasm, 33, 20, 40, 4);
  });

  it("dispatching gemmWasm (thresholds) on the same cases", () => {
    for (const c of allCases(BLOCKS)) checkCase(gemmWasm, c, 2);
  });

  it("kernel on a NaN-poisoned C region, and other generated shapes (broadcast variant, 2×8 tile, small blocks crossing every boundary)", () => {
    const variants: KernelOptions[] = [
      KERNEL_OPTIONS,
      { ...KERNEL_OPTIONS, swap: false },
      { MR: 2, NV: 4, KC: 16, MC: 6, NC: 24, swap: false },
      { MR: 4, NV: 2, KC: 7, MC: 8, NC: 12, swap: true },
      { MR: 4, NV: 2, KC: 9, MC: 8, NC: 12, swap: true, KU: 2 },
      { MR: 2, NV: 2, KC: 11, MC: 6, NC: 8, swap: false, KU: 3 },
      { MR: 6, NV: 1, KC: 5, MC: 12, NC: 6, swap: true },
    ];
    for (const v of variants) {
      const g = engineGemm(v);
      const blocks = { MR: v.MR, NR: 2 * v.NV, KC: v.KC, MC: v.MC, NC: v.NC };
      for (const c of allCases(blocks)) if (c.m * c.n * c.k < 3e6) checkCase(g, c, 3);
    }
  });

  it("memory grows for large operands and stays correct for later small ones", () => {
    const r = rng(11);
    for (const [m, n, k] of [[700, 650, 600], [33, 35, 37]] as const) {
      const A = Float64Array.from({ length: m * k }, r);
      const B = Float64Array.from({ length: k * n }, r);
      const C1 = new Float64Array(m * n);
      const C2 = new Float64Array(m * n);
      gemmWasmOnly(false, false, m, n, k, 1, A, 0, k, B, 0, n, 0, C1, 0, n);
      gemmReference(false, false, m, n, k, 1, A, 0, k, B, 0, n, 0, C2, 0, n);
      let err = 0;
      for (let i = 0; i < m * n; i++) err = Math.max(err, Math.abs(C1[i] - C2[i]));
      expect(err).toBeLessThan(1e-10);
    }
  });
});

describe("backend selection", () => {
  afterAll(() => {
    useBackend("auto");
  });

  it("auto picks wasm-simd where SIMD validates, js otherwise", () => {
    const prev = useBackend("auto");
    const inProcess = wasmSimdSupported() ? "wasm-simd" : "js";
    // with the optional native addon built, auto sends large products to it (test/kernels/native-gemm.test.ts)
    expect(backend().name).toBe(nativeBackend() ? `native-openblas+${inProcess}` : inProcess);
    useBackend(prev.name === "js" ? "js" : "auto");
  });

  it.runIf(wasmSimdSupported())("forcing each backend gives the same results", () => {
    const r = rng(5);
    for (const [tA, tB, m, n, k] of [
      [false, false, 3, 4, 5],
      [true, false, 64, 48, 80],
      [false, true, 130, 97, 259],
      [true, true, 257, 129, 65],
    ] as const) {
      const A = Float64Array.from({ length: m * k }, r);
      const B = Float64Array.from({ length: k * n }, r);
      const C0 = Float64Array.from({ length: m * n }, r);
      const out: Float64Array[] = [];
      for (const name of ["js", "wasm"] as const) {
        useBackend(name);
        expect(backend()).toBe(name === "js" ? portableBackend : wasmBackend);
        const C = C0.slice();
        backend().gemm(tA, tB, m, n, k, 0.5, A, 0, tA ? m : k, B, 0, tB ? k : n, -1, C, 0, n);
        out.push(C);
      }
      for (let i = 0; i < m * n; i++) expect(Math.abs(out[0][i] - out[1][i])).toBeLessThan(1e-12 * k);
    }
  });
});

describe.runIf(wasmSimdSupported() && typeof SharedArrayBuffer !== "undefined")("wasm gemm on worker threads", () => {
  afterAll(async () => {
    await setThreads(1);
  });

  it("setThreads(2): threaded products match the reference (all transposes, both split directions)", async () => {
    await setThreads(2);
    expect(getThreads()).toBe(2);
    const before = wasmStatus().workerChunks;
    // sizes above the threading threshold; n ≥ m splits columns, m > n splits rows
    const shapes: [number, number, number][] = [
      [130, 600, 100],
      [601, 129, 100],
      [200, 200, 300],
      [97, 1030, 75],
    ];
    for (let rep = 0; rep < 2; rep++)
      for (const [m, n, k] of shapes) {
        expect(m * n * k).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
        for (const [transA, transB] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          checkCase(gemmWasm, { transA, transB, m, n, k, alpha: 1, beta: 0, pad: 0, off: 0 }, 4);
          checkCase(gemmWasm, { transA, transB, m, n, k, alpha: -0.5, beta: 2, pad: 5, off: 3 }, 5);
        }
      }
    // the workers took part (each job has ≥ 2 chunks; the caller cannot take them all
    // every time over dozens of jobs unless workers never woke up)
    expect(wasmStatus().workerChunks).toBeGreaterThan(before);
    expect(wasmStatus().threadError).toBeNull();
  });

  it("batched products too small to split are spread over the threads by product", async () => {
    await setThreads(2);
    const before = wasmStatus().workerChunks;
    // per product 48·40·56 ≪ THREAD_MIN_WORK, the whole batch above it
    expect(48 * 40 * 56 * 80).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
    checkBatch(gemmBatchWasm, 48, 40, 56, 80, 6);
    expect(wasmStatus().workerChunks).toBeGreaterThan(before);
    expect(wasmStatus().threadError).toBeNull();
  });

  it("the worker programs for Node and for browsers are valid JavaScript", () => {
    for (const p of ["node", "web"] as const) expect(() => new Function(workerSource(p))).not.toThrow();
  });

  it("setThreads(1) stops threading; concurrent setThreads calls settle on the last", async () => {
    const a = setThreads(2);
    const b = setThreads(1);
    await Promise.all([a, b]);
    expect(getThreads()).toBe(1);
    await setThreads(2);
    expect(getThreads()).toBe(2);
    await setThreads(1);
    expect(getThreads()).toBe(1);
  });

  it("by default a synchronous script gets one thread per core for big products, and still exits by itself", () => {
    const fixture = fileURLToPath(new URL("./fixtures/threads-default.ts", import.meta.url));
    const env = { ...process.env, MATGRAD_THREADS: "" };
    const r = spawnSync(process.execPath, ["--import", "tsx", fixture], { encoding: "utf8", timeout: 60_000, env });
    expect(r.error, String(r.error)).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const m = /^ok (\d+) (\d+) (\d+)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [threads, chunks, dflt] = m!.slice(1).map(Number);
    expect(dflt).toBe(Math.min(8, availableParallelism()));
    expect(threads).toBe(dflt);
    // with one core there is no pool; with more, workers joined without the script ever yielding
    if (dflt > 1) expect(chunks).toBeGreaterThan(0);
  });

  it("a script that turns threads on exits by itself", () => {
    const fixture = fileURLToPath(new URL("./fixtures/threads-exit.ts", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", fixture], { encoding: "utf8", timeout: 30_000 });
    expect(r.error, String(r.error)).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok \d+/);
  });
});
