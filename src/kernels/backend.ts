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
 * Threads (WASM backend, opt-in): `await backend().setThreads?.(2)` splits
 * products with m·n·k ≥ 192³ over worker threads sharing one memory (Node
 * worker_threads; in browsers, Web Workers in cross-origin-isolated pages);
 * `setThreads(1)` turns them off. In Node, MATGRAD_THREADS=n starts them when
 * the backend is first needed (products run single-threaded until the workers
 * are ready). Workers never keep a process alive. `backend().status?.()` tells
 * which kernel is in use, the thread count and any failure.
 */
import { gemm as gemmPortable, gemmBatch as gemmBatchPortable } from "./gemm.js";
import {
  disposeWasm,
  gemmBatchWasm,
  gemmWasm,
  getThreads as wasmGetThreads,
  setThreads as wasmSetThreads,
  wasmSimdSupported,
  wasmStatus,
} from "./wasm/index.js";

export type GemmFn = typeof gemmPortable;
export type GemmBatchFn = typeof gemmBatchPortable;

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
  /** Optional: set the number of threads used for large operations (resolves when ready). */
  setThreads?(n: number): Promise<void>;
  /** Optional: current thread count. */
  threads?(): number;
  /** Optional: diagnostic information. */
  status?(): Record<string, unknown>;
  /** Optional: release resources (workers, memory). The backend stays usable. */
  dispose?(): void;
}

export const portableBackend: Backend = { name: "js", gemm: gemmPortable, gemmBatch: gemmBatchPortable };

export const wasmBackend: Backend = {
  name: "wasm-simd",
  gemm: gemmWasm,
  gemmBatch: gemmBatchWasm,
  setThreads: wasmSetThreads,
  threads: wasmGetThreads,
  status: wasmStatus,
  dispose: disposeWasm,
};

export type BackendName = "auto" | "js" | "wasm";

function resolve(name: BackendName): Backend {
  if (name === "js") return portableBackend;
  if (name === "wasm") {
    if (!wasmSimdSupported()) throw new Error("matgrad: the wasm backend needs WebAssembly SIMD128, which this engine lacks");
    return wasmBackend;
  }
  return wasmSimdSupported() ? wasmBackend : portableBackend;
}

const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];

function envBackend(): BackendName {
  const v = env("MATGRAD_BACKEND");
  if (v === "js" || v === "wasm" || v === "auto") return v;
  if (v !== undefined && v !== "") throw new Error(`matgrad: MATGRAD_BACKEND must be js, wasm or auto (got "${v}")`);
  return "auto";
}

let current: Backend | null = null;

/** The backend in use. */
export function backend(): Backend {
  if (current === null) {
    current = resolve(envBackend());
    const t = Number(env("MATGRAD_THREADS") ?? "");
    // failures (no SharedArrayBuffer, no workers) show in status().threadError
    if (t > 1 && current.setThreads) current.setThreads(t).catch(() => {});
  }
  return current;
}

/** Replace the active backend (returns the previous one). */
export function setBackend(b: Backend): Backend {
  const prev = backend();
  current = b;
  return prev;
}

/** Select a built-in backend by name (returns the previous one). */
export function useBackend(name: BackendName): Backend {
  return setBackend(resolve(name));
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
