/**
 * The optional native backend (OpenBLAS through the N-API addon in native/).
 * Skipped when the addon is not built (CI, browsers, machines without
 * libopenblas-dev); built with `npm run build:native`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { gemmReference } from "../../src/kernels/gemm.js";
import {
  AUTO_NATIVE_MIN_WORK,
  backend,
  nativeBackend,
  nativeUnavailableReason,
  useBackend,
  wasmBackend,
  portableBackend,
} from "../../src/kernels/backend.js";
import { chooseCoretype, loadNative, makeNativeBackend, NATIVE_MIN_WORK } from "../../src/kernels/native/index.js";
import { wasmSimdSupported } from "../../src/kernels/wasm/index.js";
import { matmul, randn, sum, grad, ArgumentError } from "../../src/index.js";
import { allCases, alphaBetaCases, checkBatch, checkCase, checkNonFinite, rng } from "./gemm-cases.js";

const addon = loadNative();
// OpenBLAS's Haswell/Zen dgemm blocking (unroll 4×8, P = 512, Q = 256) and a wide NC
const BLOCKS = { MR: 4, NR: 8, KC: 256, MC: 512, NC: 300 };

describe.skipIf(addon === null)("native OpenBLAS gemm vs gemmReference", () => {
  const a = addon!;

  it("addon: all transposes, offsets, padded leading dims, empty, odd and block-crossing sizes", () => {
    for (const c of allCases(BLOCKS)) checkCase(a.dgemm, c);
  });

  it("addon: alpha / beta semantics (beta = 0 with NaN-filled C; alpha = 0 does not read A, B)", () => {
    for (const c of alphaBetaCases(7, 9, 5)) checkCase(a.dgemm, c);
    for (const c of alphaBetaCases(37, 41, 43)) checkCase(a.dgemm, c);
    // alpha = 0 with NaN operands: C = beta·C exactly, as the portable kernel
    const C = Float64Array.of(1, 2, 3, 4);
    a.dgemm(false, false, 2, 2, 2, 0, new Float64Array(4).fill(NaN), 0, 2, new Float64Array(4).fill(NaN), 0, 2, 0.5, C, 0, 2);
    expect(Array.from(C)).toEqual([0.5, 1, 1.5, 2]);
  });

  it("addon: NaN and Inf propagate as in the reference", () => {
    for (const [m, n, k] of [[3, 5, 7], [37, 41, 43], [130, 9, 259]] as const) checkNonFinite(a.dgemm, m, n, k);
  });

  it("addon: strided batched GEMM (shared operands, gaps, all transposes)", () => {
    checkBatch(a.dgemmBatch, 3, 4, 5, 3);
    checkBatch(a.dgemmBatch, 33, 20, 40, 4);
    checkBatch(a.dgemmBatch, 2, 2, 2, 0);
  });

  it("backend dispatch (small products to the fallback, the rest to OpenBLAS) on the same cases", () => {
    const nb = nativeBackend()!;
    expect(nb.name).toBe("native-openblas");
    for (const c of allCases(BLOCKS)) checkCase(nb.gemm, c, 2);
    checkBatch(nb.gemmBatch!, 3, 4, 5, 3); // below NATIVE_MIN_WORK: fallback's batch
    checkBatch(nb.gemmBatch!, 17, 19, 23, 3); // above: one addon call
    expect(3 * 4 * 5).toBeLessThan(NATIVE_MIN_WORK);
    expect(17 * 19 * 23).toBeGreaterThanOrEqual(NATIVE_MIN_WORK);
    // a fallback without gemmBatch is looped over
    const loopOnly = makeNativeBackend(a, { name: "js-loop", gemm: portableBackend.gemm }, { minWork: 1000 });
    checkBatch(loopOnly.gemmBatch!, 3, 4, 5, 2);
    checkBatch(loopOnly.gemmBatch!, 11, 12, 13, 2);
    // routing: below minWork (and alpha = 0) to the fallback, at or above it to the addon
    const calls: string[] = [];
    const spy = {
      name: "spy",
      gemm: ((...args: Parameters<typeof gemmReference>) => {
        calls.push(`${args[2]}x${args[3]}x${args[4]}`);
        gemmReference(...args);
      }) as typeof gemmReference,
    };
    const routed = makeNativeBackend(a, spy, { minWork: 1000, name: "routed" });
    for (const [m, n, k, alpha] of [[9, 10, 12, 1], [10, 10, 10, 1], [9, 9, 9, 1], [20, 20, 20, 0]] as const) {
      const C = new Float64Array(m * n);
      routed.gemm(false, false, m, n, k, alpha, new Float64Array(m * k).fill(1), 0, k, new Float64Array(k * n).fill(1), 0, n, 0, C, 0, n);
      expect(C[m * n - 1]).toBe(alpha * k);
    }
    expect(calls).toEqual(["9x9x9", "20x20x20"]);
    expect(routed.name).toBe("routed");
    expect(routed.status!().fallback).toBe("spy");
  });

  it("bad arguments throw typed errors naming the op and the argument instead of touching memory", () => {
    const f = (n: number) => new Float64Array(n);
    const call = (...args: unknown[]) => () => (a.dgemm as (...x: unknown[]) => void)(...args);
    expect(call(false, false, 2, 2, 2, 1, f(3), 0, 2, f(4), 0, 2, 0, f(4), 0, 2)).toThrow(RangeError);
    expect(call(false, false, 2, 2, 2, 1, f(3), 0, 2, f(4), 0, 2, 0, f(4), 0, 2)).toThrow(/^gemm \(native\): A \(2×2 stored, offset 0, leading dimension 2\) reaches element 3 of an array of length 3/);
    expect(call(false, true, 2, 3, 2, 1, f(4), 0, 2, f(6), 1, 2, 0, f(6), 0, 3)).toThrow(/gemm \(native\): B .*length 6/);
    expect(call(false, false, 2, 2, 2, 1, f(4), 0, 2, f(4), 0, 2, 0, f(5), 2, 2)).toThrow(/gemm \(native\): C /);
    expect(call(false, false, 2, 3, 2, 1, f(4), 0, 2, f(6), 0, 2, 0, f(6), 0, 3)).toThrow(/leading dimension of B \(2\) is less than its stored width 3/);
    expect(call(false, false, 2, 2, 2, 1, [1, 2, 3, 4], 0, 2, f(4), 0, 2, 0, f(4), 0, 2)).toThrow(TypeError);
    expect(call(false, false, 2, 2, 2, 1, new Float32Array(4), 0, 2, f(4), 0, 2, 0, f(4), 0, 2)).toThrow(/A must be a Float64Array/);
    expect(call(0, false, 2, 2, 2, 1, f(4), 0, 2, f(4), 0, 2, 0, f(4), 0, 2)).toThrow(/transA must be a boolean/);
    expect(call(false, false, 2, -1, 2, 1, f(4), 0, 2, f(4), 0, 2, 0, f(4), 0, 2)).toThrow(/n must be an integer/);
    expect(call(false, false, 2, 2, 1.5, 1, f(4), 0, 2, f(4), 0, 2, 0, f(4), 0, 2)).toThrow(/k must be an integer/);
    expect(call(false, false, 2)).toThrow(/expected 16 arguments, got 3/);
    // batched: the last item is checked too
    expect(() => a.dgemmBatch(false, false, 2, 2, 2, 1, f(8), 0, 2, 4, f(4), 0, 2, 0, 0, f(12), 0, 2, 4, 3)).toThrow(/A .*batched.*length 8/);
    // nothing was written by the failed calls above: a C that is exactly in range still works
    const C = f(4);
    a.dgemm(false, false, 2, 2, 2, 1, Float64Array.of(1, 2, 3, 4), 0, 2, Float64Array.of(5, 6, 7, 8), 0, 2, 0, C, 0, 2);
    expect(Array.from(C)).toEqual([19, 22, 43, 50]);
  });

  it("threads: setThreads / threads / status, and a 2-thread product matches the reference", async () => {
    const nb = nativeBackend()!;
    const before = nb.threads!();
    try {
      await nb.setThreads!(2);
      expect(nb.threads!()).toBe(Math.min(2, Number(nb.status!().cpus)));
      const r = rng(3);
      const [m, n, k] = [301, 257, 263];
      const A = Float64Array.from({ length: m * k }, r);
      const B = Float64Array.from({ length: k * n }, r);
      const C1 = new Float64Array(m * n);
      const C2 = new Float64Array(m * n);
      nb.gemm(true, false, m, n, k, 1.25, A, 0, m, B, 0, n, 0, C1, 0, n);
      gemmReference(true, false, m, n, k, 1.25, A, 0, m, B, 0, n, 0, C2, 0, n);
      let err = 0;
      for (let i = 0; i < m * n; i++) err = Math.max(err, Math.abs(C1[i] - C2[i]));
      expect(err).toBeLessThan(1e-11);
      await expect(nb.setThreads!(0)).rejects.toThrow(ArgumentError);
      await expect(nb.setThreads!(0)).rejects.toThrow(/^setThreads: n must be an integer in \[1, 64\]; got the number 0$/);
      await nb.setThreads!(1);
      expect(nb.threads!()).toBe(1);
      const s = nb.status!();
      expect(s.backend).toBe("native-openblas");
      expect(String(s.library)).toMatch(/^OpenBLAS \d+\.\d+/);
      expect(String(s.kernels).length).toBeGreaterThan(0);
      expect(s.threads).toBe(1);
      expect(s.minWork).toBe(NATIVE_MIN_WORK);
      expect(s.fallback).toBe(wasmSimdSupported() ? "wasm-simd" : "js");
      expect(String(s.addon)).toMatch(/matgrad_native\.node$/);
      // the kernel set: SkylakeX requested only on AMD CPUs with AVX-512 (not on this
      // development machine, whose CPU has no AVX-512 and where it would die with SIGILL)
      const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
      const chosen = chooseCoretype(cpuinfo, process.env);
      if (chosen === "SkylakeX") {
        expect(s.kernels).toBe("SkylakeX");
        expect(s.coretype).toBe("SkylakeX (set by matgrad: AMD CPU with AVX-512)");
      } else {
        expect(s.coretype).toMatch(/^(OpenBLAS's choice|OPENBLAS_CORETYPE=.* \(set by the user\))$/);
      }
      expect(process.env.OPENBLAS_CORETYPE === undefined || s.coretype !== "OpenBLAS's choice").toBe(true);
    } finally {
      await nb.setThreads!(before);
    }
  });
});

describe.skipIf(addon === null)("native backend selection and whole ops", () => {
  afterAll(() => {
    useBackend("auto");
  });

  it('useBackend("native") and "auto" (native from AUTO_NATIVE_MIN_WORK, WASM / JS below)', () => {
    useBackend("native");
    expect(backend()).toBe(nativeBackend());
    expect(backend().name).toBe("native-openblas");
    useBackend("auto");
    const small = wasmSimdSupported() ? wasmBackend : portableBackend;
    expect(backend().name).toBe(`native-openblas+${small.name}`);
    expect(backend().status!().minWork).toBe(AUTO_NATIVE_MIN_WORK);
    expect(backend().status!().fallback).toBe(small.name);
    expect(nativeUnavailableReason()).toBeNull();
  });

  it("matmul (2-D, batched, and its gradient) through the native backend matches the JS backend", () => {
    const A = randn([70, 50], { seed: 1 });
    const B = randn([50, 90], { seed: 2 });
    const X = randn([3, 20, 30], { seed: 3 });
    const Y = randn([3, 30, 25], { seed: 4 });
    const W = randn([90, 70], { seed: 5 });
    const f = (a: typeof A) => sum(matmul(matmul(a, B), W));
    const run = () => ({
      ab: matmul(A, B).data.slice(),
      xy: matmul(X, Y).data.slice(),
      g: grad(f)(A).data.slice(),
    });
    useBackend("js");
    const want = run();
    useBackend("native");
    const got = run();
    for (const key of ["ab", "xy", "g"] as const) {
      let err = 0;
      for (let i = 0; i < want[key].length; i++) err = Math.max(err, Math.abs(got[key][i] - want[key][i]) / (1 + Math.abs(want[key][i])));
      expect(err, key).toBeLessThan(1e-12);
    }
    // the gradient of sum(A·B·W) w.r.t. A is 1·(B·W)ᵀ: every row equals the row sums of B·W
    const BW = matmul(B, W).data;
    for (let j = 0; j < 50; j++) {
      let s = 0;
      for (let l = 0; l < 70; l++) s += BW[j * 70 + l];
      expect(got.g[j]).toBeCloseTo(s, 9);
      expect(got.g[69 * 50 + j]).toBeCloseTo(s, 9);
    }
  });

  it("MATGRAD_BACKEND=native with MATGRAD_THREADS=2 in a script that then exits by itself", () => {
    const fixture = fileURLToPath(new URL("./fixtures/native-env.ts", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", fixture], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, MATGRAD_BACKEND: "native", MATGRAD_THREADS: "2", OPENBLAS_NUM_THREADS: "" },
    });
    expect(r.error, String(r.error)).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const [name, threads, err] = r.stdout.trim().split(" ");
    expect(name).toBe("native-openblas");
    expect(Number(threads)).toBe(Math.min(2, Number(addon!.info().cpus)));
    expect(Number(err)).toBe(0);
  });
});

describe("OpenBLAS kernel-set choice (OPENBLAS_CORETYPE while the addon loads)", () => {
  const cpu = (vendor: string, flags: string) =>
    `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: 26\nflags\t\t: fpu sse2 avx avx2 fma ${flags}\n\nprocessor\t: 1\n`;
  const skx = "avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512_bf16";

  it("SkylakeX on AMD with every AVX-512 subset its kernels use (Zen 4 / Zen 5)", () => {
    expect(chooseCoretype(cpu("AuthenticAMD", skx), {})).toBe("SkylakeX");
    expect(chooseCoretype(cpu("AuthenticAMD", skx), { OPENBLAS_CORETYPE: "" })).toBe("SkylakeX");
  });

  it("OpenBLAS's own choice otherwise: no AVX-512 (would be SIGILL), partial AVX-512, Intel, user's setting, no cpuinfo", () => {
    expect(chooseCoretype(cpu("AuthenticAMD", "sha_ni vaes vpclmulqdq"), {})).toBeNull();
    expect(chooseCoretype(cpu("AuthenticAMD", "avx512f avx512cd"), {})).toBeNull();
    expect(chooseCoretype(cpu("GenuineIntel", skx), {})).toBeNull();
    expect(chooseCoretype(cpu("AuthenticAMD", skx), { OPENBLAS_CORETYPE: "Zen" })).toBeNull();
    expect(chooseCoretype("", {})).toBeNull();
  });

  it("this machine: the choice matches /proc/cpuinfo (no AVX-512 flag → null)", () => {
    if (!existsSync("/proc/cpuinfo")) return;
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const hasAvx512 = /^flags\s*:.*\bavx512f\b/m.test(info);
    const amd = /^vendor_id\s*:\s*AuthenticAMD/m.test(info);
    const choice = chooseCoretype(info, {});
    if (!hasAvx512 || !amd) expect(choice).toBeNull();
    else expect([null, "SkylakeX"]).toContain(choice);
  });
});

describe.runIf(addon === null)("native backend unavailable", () => {
  it('useBackend("native") throws, saying why; "auto" stays in-process', () => {
    expect(nativeBackend()).toBeNull();
    expect(nativeUnavailableReason()).toMatch(/not built|not running in Node|failed to load|Node ≥ 20\.16|disabled by MATGRAD_NO_NATIVE/);
    expect(() => useBackend("native")).toThrow(/native backend is unavailable/);
    const prev = useBackend("auto");
    expect(backend()).toBe(wasmSimdSupported() ? wasmBackend : portableBackend);
    setBackendBack(prev);
  });
});

function setBackendBack(prev: ReturnType<typeof backend>): void {
  useBackend(prev.name === "js" ? "js" : "auto");
}
