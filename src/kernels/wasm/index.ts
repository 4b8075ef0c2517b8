/**
 * WASM SIMD128 backend: `wasmBackend.gemm` has the portable `gemm` signature.
 *
 * - Products with m·n·k below `WASM_MIN_WORK` (and the alpha = 0 / k = 0 cases)
 *   go to the portable TypeScript kernel: for those the copy into WebAssembly
 *   memory costs more than it saves.
 * - Larger ones are copied into the engine's memory and run by the generated
 *   SIMD kernel (see gemm-module.ts); with threads enabled (`setThreads`), big
 *   products are split over worker threads that share the memory (pool.ts).
 *
 * The engine is instantiated on first use; if instantiation fails the backend
 * falls back to the portable kernel for good (and says so in `status()`).
 */
import { gemm as gemmPortable, gemmBatch as gemmBatchPortable } from "../gemm.js";
import { Engine, wasmSimdSupported } from "./engine.js";
import type { ThreadPool } from "./pool.js";

export { wasmSimdSupported } from "./engine.js";

/**
 * Below this m·n·k, or when a dimension is below WASM_MIN_DIM, the portable
 * kernel is used: the copies in and out of WebAssembly memory would cost more
 * than the faster kernel saves (crossover measured near 10×10×10).
 */
export const WASM_MIN_WORK = 1024;
export const WASM_MIN_DIM = 4;

type GemmFn = typeof gemmPortable;
type GemmBatchFn = typeof gemmBatchPortable;

let engine: Engine | null = null;
let failed: unknown = null;
let pool: ThreadPool | null = null;
let poolGeneration = 0;
let threadError: unknown = null;

/**
 * The engine for calling-thread work: the thread pool's (shared) engine while
 * threads are on — so there is one WebAssembly.Memory — else a private one.
 */
function getEngine(): Engine | null {
  if (pool !== null) return pool.engine;
  if (engine === null && failed === null) {
    try {
      engine = new Engine({ shared: false });
    } catch (e) {
      failed = e;
    }
  }
  return engine;
}

/** Single-threaded WASM GEMM on the private (non-shared) engine. */
function gemmSingle(
  e: Engine,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  const s = e.stage(transA, transB, m, n, k, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  e.kernel(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, s.a, s.lda, s.b, s.ldb, beta, s.c, s.ldc, e.workAddr(0));
  e.unstage(m, n, s.c, C, cOff, ldc);
}

export const gemmWasm: GemmFn = (
  transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc,
) => {
  if (m <= 0 || n <= 0) return;
  if (alpha === 0 || m * n * k < WASM_MIN_WORK || m < WASM_MIN_DIM || n < WASM_MIN_DIM || k < WASM_MIN_DIM) {
    gemmPortable(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    return;
  }
  const e = getEngine();
  if (e === null || !e.fits(m, n, k)) {
    // no engine, or operands beyond 2 GiB: the portable kernel works in place
    gemmPortable(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    return;
  }
  if (pool !== null && pool.accepts(m, n, k)) {
    try {
      pool.gemm(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
      return;
    } catch (err) {
      // a worker failed: stop threading and redo the product on this thread
      // (C is untouched: results are copied out only after every chunk succeeded)
      threadError = err;
      pool.dispose();
      pool = null;
    }
  }
  gemmSingle(e, transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
};

/**
 * Strided batched GEMM (see gemmBatch in ../gemm.ts). With threads on, a batch
 * of products each too small to be split is spread over the threads by product;
 * otherwise each product goes through `gemmWasm`.
 */
export const gemmBatchWasm: GemmBatchFn = (
  transA, transB, m, n, k, alpha, A, aOff, lda, strideA, B, bOff, ldb, strideB, beta, C, cOff, ldc, strideC, batch,
) => {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  const tiny = alpha === 0 || m * n * k < WASM_MIN_WORK || m < WASM_MIN_DIM || n < WASM_MIN_DIM || k < WASM_MIN_DIM;
  if (
    !tiny &&
    pool !== null &&
    !pool.accepts(m, n, k) &&
    pool.acceptsBatch(m, n, k, batch, strideA === 0, strideB === 0)
  ) {
    try {
      pool.gemmBatch(
        transA, transB, m, n, k, alpha, A, aOff, lda, strideA, B, bOff, ldb, strideB, beta, C, cOff, ldc, strideC, batch,
      );
      return;
    } catch (err) {
      threadError = err;
      pool.dispose();
      pool = null;
    }
  }
  for (let t = 0; t < batch; t++)
    gemmWasm(transA, transB, m, n, k, alpha, A, aOff + t * strideA, lda, B, bOff + t * strideB, ldb, beta, C, cOff + t * strideC, ldc);
};

/**
 * The WASM kernel with no size threshold and no threads (tests, benchmarks).
 * Degenerate cases (empty, k = 0, alpha = 0) still go to the portable kernel.
 */
export const gemmWasmOnly: GemmFn = (
  transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc,
) => {
  if (m <= 0 || n <= 0) return;
  const e = alpha === 0 || k <= 0 ? null : getEngine();
  if (e === null || !e.fits(m, n, k)) gemmPortable(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  else gemmSingle(e, transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
};

/** Kernel-level status, for diagnostics (`backend().status?.()`). */
export function wasmStatus(): {
  simd: boolean;
  instantiated: boolean;
  error: string | null;
  threads: number;
  workerChunks: number;
  threadError: string | null;
  /** bytes of WebAssembly memory held (it grows to the largest product seen; `dispose()` releases it) */
  memoryBytes: number;
} {
  return {
    simd: wasmSimdSupported(),
    instantiated: engine !== null || pool !== null,
    error: failed === null ? null : String(failed),
    threads: pool?.size ?? 1,
    workerChunks: pool?.workerChunks() ?? 0,
    threadError: threadError === null ? null : String(threadError),
    memoryBytes: (pool?.engine ?? engine)?.memory.buffer.byteLength ?? 0,
  };
}

/**
 * Use `n` threads (the caller plus n − 1 workers sharing one memory) for large
 * products; n = 1 turns threading off and stops the workers. Resolves once the
 * workers are ready (work started before that runs on the calling thread).
 * Workers never keep a Node process alive. Rejects where threads are unavailable
 * (no SharedArrayBuffer / not cross-origin isolated / no worker support).
 */
export async function setThreads(n: number): Promise<void> {
  const want = Math.max(1, Math.floor(n));
  if (!Number.isFinite(want)) throw new RangeError("setThreads: n must be a finite number ≥ 1");
  if (pool !== null && pool.size === want) return;
  const generation = ++poolGeneration;
  const old = pool;
  pool = null;
  old?.dispose();
  if (want === 1) return;
  const { createThreadPool } = await import("./pool.js");
  let p: ThreadPool;
  try {
    p = await createThreadPool(want);
  } catch (e) {
    threadError = e;
    throw e;
  }
  if (generation !== poolGeneration) {
    // a later setThreads call superseded this one
    p.dispose();
    return;
  }
  threadError = null;
  pool = p;
  engine = null; // calling-thread work now uses the pool's memory; let the private one go
}

/** Current thread count (1 when threading is off). */
export function getThreads(): number {
  return pool?.size ?? 1;
}

/** Stop worker threads (if any) and release the engines' memory. */
export function disposeWasm(): void {
  poolGeneration++;
  pool?.dispose();
  pool = null;
  engine = null;
}
