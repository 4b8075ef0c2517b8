/**
 * The kernel backend: the one seam through which faster implementations
 * (WASM SIMD, worker threads, native BLAS) replace the portable TypeScript
 * kernels without touching the differentiable ops. Ops call `backend().gemm(...)`
 * rather than importing a kernel directly for the operations a backend may accelerate.
 *
 * Selection: by default the WASM SIMD backend ("wasm-simd") wherever
 * `WebAssembly.validate` accepts a SIMD128 module (Node ≥ 16, current browsers),
 * else the portable TypeScript backend ("js"). Force one with
 * `useBackend("js" | "wasm" | "auto")`, with `setBackend(customBackend)`, or,
 * in Node, with the environment variable MATGRAD_BACKEND=js|wasm|auto
 * (read once, when the backend is first needed).
 *
 * Threads (WASM backend): products with m·n·k ≥ 192³ are split over worker
 * threads sharing one memory (Node worker_threads; in browsers, Web Workers in
 * cross-origin-isolated pages). As in PyTorch the default is one thread per
 * core (at most 8), started lazily by the first product that big;
 * `await backend().setThreads?.(n)` or, in Node, MATGRAD_THREADS=n sets the
 * count (1: off; an integer in [1, 64], anything else raises ArgumentError at
 * the first use of the backend). Workers never keep a process alive. `backend().status?.()`
 * tells which kernel is in use, the thread count and any failure.
 *
 * Native (Node, optional): after `npm run build:native` has built the OpenBLAS
 * addon (see native/ and docs/performance.md), `useBackend("native")` or
 * MATGRAD_BACKEND=native runs every product with m·n·k ≥ 12³ in OpenBLAS, and
 * "auto" (the default) sends products with m·n·k ≥ AUTO_NATIVE_MIN_WORK there,
 * the others to WASM / JS. Without the addon, "auto" is WASM / JS as before and
 * "native" throws, saying why.
 */
import { gemm as gemmPortable, gemmBatch as gemmBatchPortable } from "./gemm.js";
import {
  disposeWasm,
  gemmBatchWasm,
  gemmWasm,
  getThreads as wasmGetThreads,
  MAX_THREADS,
  setThreads as wasmSetThreads,
  withArena as wasmWithArena,
  wasmSimdSupported,
  wasmStatus,
} from "./wasm/index.js";
import { loadNative, makeNativeBackend, nativeLoadError } from "./native/index.js";
import type { Lapack } from "./native/lapack.js";
import { ArgumentError, EnvironmentError } from "../errors.js";
import { describe } from "../validate.js";

export type GemmFn = typeof gemmPortable;
export type GemmBatchFn = typeof gemmBatchPortable;

/** A kernel backend: GEMM (and optionally batched GEMM, LAPACK, threads, a resident arena) behind which the ops run. */
export interface Backend {
  /** Human-readable name, e.g. "js", "wasm-simd", "native-openblas". */
  readonly name: string;
  /** C = alpha·op(A)·op(B) + beta·C, row-major BLAS semantics (see gemm.ts). */
  gemm: GemmFn;
  /**
   * Optional: strided batched GEMM, C_t = alpha·op(A_t)·op(B_t) + beta·C_t for
   * t < batch, operand t at offset + t·stride (stride 0: shared operand). Use
   * `gemmBatched(backend(), ...)` to fall back to a loop when absent.
   */
  gemmBatch?: GemmBatchFn;
  /**
   * Optional: factorizations (LU, inverse, Cholesky, eigh, SVD) with the same
   * row-major contracts as matgrad's kernels — the native backend's LAPACK.
   * Kernels offer it matrices of order ≥ `lapack.minN`; it may decline (null).
   */
  lapack?: Lapack;
  /** Optional: set the number of threads used for large operations (resolves when ready). */
  setThreads?(n: number): Promise<void>;
  /** Optional: current thread count. */
  threads?(): number;
  /** Optional: diagnostic information. */
  status?(): Record<string, unknown>;
  /** Optional: release resources (workers, memory). The backend stays usable. */
  dispose?(): void;
  /**
   * Optional: a resident work arena (see `withWorkArena`): run `fn` with a
   * zero-filled Float64Array of `doubles` elements placed where this backend's
   * kernels use it without copies (WASM: inside the engine's memory; `addr` its
   * byte address there, −1 for a plain array).
   */
  arena?: <T>(doubles: number, fn: (F: Float64Array, addr: number) => T) => T;
}

/**
 * Run `fn` with a zero-filled work array of `doubles` float64s from the active
 * backend's resident arena (WASM: in the engine's memory, so products and
 * generated kernels on views of it need no copies), or a plain Float64Array
 * (addr = −1) when the backend has none. The array is valid only inside `fn`;
 * arenas nest and are released when `fn` returns or throws.
 */
export function withWorkArena<T>(doubles: number, fn: (F: Float64Array, addr: number) => T): T {
  const b = backend();
  return b.arena ? b.arena(doubles, fn) : fn(new Float64Array(Math.max(0, Math.floor(doubles))), -1);
}

/** Give a native backend the resident arena of its in-process backend for small work. */
function withSmallArena(b: Backend, small: Backend): Backend {
  if (small.arena) b.arena = small.arena;
  return b;
}

/** The portable TypeScript kernels (runs everywhere; `useBackend("js")`). */
export const portableBackend: Backend = { name: "js", gemm: gemmPortable, gemmBatch: gemmBatchPortable };

/** The WebAssembly SIMD kernels, with worker threads for large products (the default where SIMD128 is supported). */
export const wasmBackend: Backend = {
  name: "wasm-simd",
  gemm: gemmWasm,
  gemmBatch: gemmBatchWasm,
  setThreads: wasmSetThreads,
  threads: wasmGetThreads,
  status: wasmStatus,
  dispose: disposeWasm,
  arena: wasmWithArena,
};

/** Names accepted by {@link useBackend}. */
export type BackendName = "auto" | "js" | "wasm" | "native";

/**
 * In "auto", products with m·n·k at or above this go to the native backend
 * when it is built (below it the WASM kernel is as fast or faster, the N-API
 * call and OpenBLAS's set-up included: native is 1.2× faster at n = 12, 1.4× at
 * 16 and 2.2× from 64 on one thread; see docs/performance.md).
 */
export const AUTO_NATIVE_MIN_WORK = 16 * 16 * 16;

let nativeForced: Backend | null = null;
let nativeAuto: Backend | null = null;

/** The in-process backend: WASM SIMD where available, else portable TypeScript. */
const inProcess = (): Backend => (wasmSimdSupported() ? wasmBackend : portableBackend);

/** The native backend ("native-openblas"), or null when the addon is not built / not in Node. */
export function nativeBackend(): Backend | null {
  const a = loadNative();
  if (a === null) return null;
  nativeForced ??= withSmallArena(makeNativeBackend(a, inProcess()), inProcess());
  return nativeForced;
}

/** Why the native backend is unavailable (null when it is available). */
export function nativeUnavailableReason(): string | null {
  return loadNative() === null ? nativeLoadError() : null;
}

const BACKEND_NAMES: readonly BackendName[] = ["auto", "js", "wasm", "native"];

function resolve(op: string, name: BackendName): Backend {
  if (name === "js") return portableBackend;
  if (name === "native") {
    const nb = nativeBackend();
    if (nb === null) throw new EnvironmentError(op, `the native backend is unavailable: ${nativeLoadError()}`);
    return nb;
  }
  if (name === "wasm") {
    if (!wasmSimdSupported()) throw new EnvironmentError(op, "the wasm backend needs WebAssembly SIMD128, which this engine lacks");
    return wasmBackend;
  }
  if (name !== "auto")
    throw new ArgumentError(op, `argument name must be one of ${BACKEND_NAMES.map((b) => `"${b}"`).join(", ")}; got ${describe(name)}`);
  const a = loadNative();
  if (a === null) return inProcess();
  const small = inProcess();
  nativeAuto ??= withSmallArena(
    makeNativeBackend(a, small, { minWork: AUTO_NATIVE_MIN_WORK, name: `native-openblas+${small.name}` }),
    small,
  );
  return nativeAuto;
}

const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];

function envBackend(): BackendName {
  const v = env("MATGRAD_BACKEND");
  if (v === "js" || v === "wasm" || v === "auto" || v === "native") return v;
  if (v !== undefined && v !== "")
    throw new ArgumentError("backend", `the environment variable MATGRAD_BACKEND must be js, wasm, native or auto; got ${JSON.stringify(v)}`);
  return "auto";
}

/**
 * MATGRAD_THREADS: unset or empty (the default count), or an integer in
 * [1, MAX_THREADS]. Anything else raises ArgumentError at the first use of
 * the backend (the first op that needs a kernel), naming the variable: a
 * typo there would otherwise silently run with the default.
 */
function envThreads(): number | null {
  const v = env("MATGRAD_THREADS");
  if (v === undefined || v.trim() === "") return null;
  const n = Number(v.trim());
  if (!/^\s*\d+\s*$/.test(v) || n < 1 || n > MAX_THREADS)
    throw new ArgumentError("backend", `the environment variable MATGRAD_THREADS must be an integer in [1, ${MAX_THREADS}]; got ${JSON.stringify(v)}`);
  return n;
}

let current: Backend | null = null;

/** The backend in use. */
export function backend(): Backend {
  if (current === null) {
    // both variables are checked before anything is chosen, so a bad value raises at every use until fixed
    const name = envBackend(), t = envThreads();
    current = resolve("backend", name);
    // failures (no SharedArrayBuffer, no workers) show in status().threadError
    if (t !== null && current.setThreads) current.setThreads(t).catch(() => {});
  }
  return current;
}

/** Replace the active backend (returns the previous one). */
export function setBackend(b: Backend): Backend {
  const bb = b as Partial<Backend> | null;
  if (typeof bb !== "object" || bb === null || typeof bb.name !== "string" || typeof bb.gemm !== "function")
    throw new ArgumentError("setBackend", `argument b must be a Backend (an object with a name and a gemm function); got ${describe(b)}${typeof b === "string" ? " (use useBackend to select a built-in backend by name)" : ""}`);
  const prev = backend();
  current = b;
  return prev;
}

/** Select a built-in backend by name (returns the previous one). */
export function useBackend(name: BackendName): Backend {
  return setBackend(resolve("useBackend", name));
}

/** Strided batched GEMM through `b` (its gemmBatch if it has one, else a loop over b.gemm). */
export function gemmBatched(
  b: Backend,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  strideA: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  strideB: number,
  beta: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  strideC: number,
  batch: number,
): void {
  if (b.gemmBatch) {
    b.gemmBatch(transA, transB, m, n, k, alpha, A, aOff, lda, strideA, B, bOff, ldb, strideB, beta, C, cOff, ldc, strideC, batch);
    return;
  }
  for (let t = 0; t < batch; t++)
    b.gemm(transA, transB, m, n, k, alpha, A, aOff + t * strideA, lda, B, bOff + t * strideB, ldb, beta, C, cOff + t * strideC, ldc);
}
