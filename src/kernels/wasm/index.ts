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
import { ArgumentError, EnvironmentError } from "../../errors.js";
import { describe } from "../../validate.js";
import { canSpawnSync, createThreadPool, startThreadPool, THREAD_MIN_WORK, type ThreadPool } from "./pool.js";

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
  // operands living in the engine's memory (resident arena views) are used in place
  e.gemmResident(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
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
  if (e === null || !e.fitsResident(m, n, k, A, B, C)) {
    // no engine, or operands beyond 2 GiB (or beyond the memory pre-grown for an
    // open resident arena): the portable kernel works in place
    gemmPortable(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    return;
  }
  if (pool === null && threadChoice === null && m * n * k >= THREAD_MIN_WORK && e.arenaDepth === 0) autoThreads();
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
  if (!tiny && pool === null && threadChoice === null && batch >= 2 && m * n * k * batch >= THREAD_MIN_WORK && (engine?.arenaDepth ?? 0) === 0)
    autoThreads();
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
  if (e === null || !e.fitsResident(m, n, k, A, B, C))
    gemmPortable(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  else gemmSingle(e, transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
};

// ---------------------------------------------------------------------------
// Resident arenas
// ---------------------------------------------------------------------------

/** Number of resident arenas open (any engine): kernels hand arrays to WASM only while one is. */
export const arenaState = { open: 0 };

/**
 * Run `fn` with a zero-filled work array of `doubles` float64s that lives in
 * the calling-thread engine's WebAssembly memory: `F` is a Float64Array view of
 * it and `addr` the byte address of F[0] in that memory (for calling generated
 * kernels directly, see `wasmExtra`). Products given views of F (any offsets
 * and leading dimensions) run in place with no copies, and the memory does not
 * grow (so F stays attached) until `fn` returns or throws. Arenas nest (LIFO).
 * Without a usable engine, F is a plain Float64Array and addr = −1.
 * F must not be used after `fn` returns.
 */
export function withArena<T>(doubles: number, fn: (F: Float64Array, addr: number) => T): T {
  const e = getEngine();
  let F: Float64Array | null = null;
  if (e !== null) {
    try {
      F = e.openArena(doubles);
    } catch {
      F = null; // beyond the 2 GiB limit: a plain array, products are staged as usual
    }
  }
  if (F === null || e === null) return fn(new Float64Array(Math.max(0, Math.floor(doubles))), -1);
  arenaState.open++;
  try {
    return fn(F, F.byteOffset);
  } finally {
    arenaState.open--;
    e.closeArena(F);
  }
}

/**
 * The exports of a generated module instantiated on the memory of the engine
 * that owns `F` (an arena view) — or, without `F`, on the calling-thread
 * engine — built once per engine and key by `build` (which is told whether the
 * memory is shared and its maximum pages). Null when no engine is usable or `F`
 * is not in the engine's memory.
 */
export function wasmExtra(
  key: string,
  build: (mem: { shared: boolean; maxPages: number | undefined }) => Uint8Array<ArrayBuffer>,
  F?: Float64Array,
): WebAssembly.Exports | null {
  // with F: only an existing engine can hold it (never instantiate one just to find out)
  const e = F !== undefined ? (pool?.engine ?? engine) : getEngine();
  if (e === null || (F !== undefined && !e.holds(F))) return null;
  try {
    return e.extra(key, build);
  } catch {
    return null;
  }
}

/** Is `x` a view of an open resident arena of the calling-thread engine? */
export function isResident(x: Float64Array): boolean {
  if (arenaState.open === 0) return false;
  const e = pool?.engine ?? engine;
  return e !== null && e.holds(x);
}

/** The calling-thread engine, if one is usable (tests, diagnostics). */
export function currentEngine(): Engine | null {
  return getEngine();
}

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
  /** products run in place on resident-arena operands / with staged copies (calling-thread engine) */
  residentCalls: number;
  stagedCalls: number;
  /** resident arenas currently open */
  arenaDepth: number;
} {
  return {
    simd: wasmSimdSupported(),
    instantiated: engine !== null || pool !== null,
    error: failed === null ? null : String(failed),
    threads: pool?.size ?? 1,
    workerChunks: pool?.workerChunks() ?? 0,
    threadError: threadError === null ? null : String(threadError),
    memoryBytes: (pool?.engine ?? engine)?.memory.buffer.byteLength ?? 0,
    residentCalls: (pool?.engine ?? engine)?.residentCalls ?? 0,
    stagedCalls: (pool?.engine ?? engine)?.stagedCalls ?? 0,
    arenaDepth: (pool?.engine ?? engine)?.arenaDepth ?? 0,
  };
}

/**
 * Threads wanted: null until decided — then the default (`defaultThreads()`)
 * applies, lazily, at the first product big enough to be split — or the count
 * set by `setThreads` (MATGRAD_THREADS=n calls it when the backend is chosen).
 */
let threadChoice: number | null = null;

/**
 * The largest thread count setThreads accepts. Products split into at most
 * this many parts; far more threads than cores only adds synchronization and
 * one WebAssembly instance per worker, so a larger request is taken for a
 * mistake (setThreads(100) on a laptop) rather than honoured.
 */
export const MAX_THREADS = 64;

/**
 * The default thread count, following PyTorch (intra-op threads = cores): the
 * available parallelism, at most 8, where workers can share memory — Node, and
 * cross-origin-isolated browser pages; else 1.
 */
export function defaultThreads(): number {
  const g = globalThis as {
    process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
    navigator?: { hardwareConcurrency?: number };
    crossOriginIsolated?: boolean;
  };
  if (typeof SharedArrayBuffer === "undefined" || !canSpawnSync()) return 1;
  let cores = 1;
  if (typeof g.process?.versions?.node === "string") {
    const os = g.process.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
    cores = os?.availableParallelism?.() ?? 1;
  } else if (g.crossOriginIsolated === true) {
    cores = g.navigator?.hardwareConcurrency ?? 1;
  }
  return Math.max(1, Math.min(8, Math.floor(cores)));
}

/**
 * First product big enough to split, no explicit choice yet: start the default
 * pool (never while a resident arena is open on the private engine: its views
 * must stay in the memory that calling-thread products use).
 */
function autoThreads(): void {
  threadChoice = defaultThreads();
  if (threadChoice > 1) void applyThreads(threadChoice).catch(() => {});
}

/**
 * Use `n` threads (the caller plus n − 1 workers sharing one memory) for
 * products with m·n·k ≥ THREAD_MIN_WORK (192³); n = 1 turns threading off and
 * stops the workers. Where workers start synchronously (browsers, Node ≥ 20.16)
 * the threads are in use as soon as this returns — until a worker is up the
 * calling thread does its share — and the promise resolves once every worker
 * serves; elsewhere they are used from then on. Workers never keep a Node
 * process alive. Rejects where threads are unavailable (no SharedArrayBuffer /
 * not cross-origin isolated / no worker support).
 */
export function setThreads(n: number): Promise<void> {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    return Promise.reject(new ArgumentError("setThreads", `n must be an integer in [1, ${MAX_THREADS}]; got ${describe(n)}`));
  const want = n;
  if (want > 1) {
    const why = threadsUnavailable();
    if (why !== null) {
      // nothing changes: the work stays on the calling thread, results as before
      return Promise.reject(new EnvironmentError("setThreads", `${want} threads are not available here: ${why}; work stays on one thread`));
    }
  }
  threadChoice = want;
  return applyThreads(want);
}

/**
 * Why worker threads cannot run here (null when they can): the threads share
 * one WebAssembly.Memory, which needs SharedArrayBuffer — in browsers only
 * cross-origin-isolated pages have it — and workers that start synchronously.
 */
export function threadsUnavailable(): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean; process?: { versions?: { node?: string } } };
  const inNode = typeof g.process?.versions?.node === "string";
  if (typeof SharedArrayBuffer === "undefined") {
    return !inNode && g.crossOriginIsolated !== true
      ? "the page is not cross-origin isolated, so SharedArrayBuffer (the memory the threads share) is missing; " +
          "serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp " +
          "(see docs/browser.md)"
      : "SharedArrayBuffer (the memory the threads share) is missing in this environment";
  }
  if (!inNode && typeof (globalThis as { Worker?: unknown }).Worker !== "function") return "this environment has no Web Workers";
  return null;
}

let pendingReady: Promise<void> = Promise.resolve();

function applyThreads(want: number): Promise<void> {
  if (pool !== null && pool.size === want) return pendingReady;
  const generation = ++poolGeneration;
  const old = pool;
  pool = null;
  old?.dispose();
  pendingReady = Promise.resolve();
  if (want === 1) return pendingReady;
  if (canSpawnSync()) {
    let started: ReturnType<typeof startThreadPool>;
    try {
      started = startThreadPool(want);
    } catch (e) {
      threadError = e;
      return Promise.reject(e);
    }
    const p = started.pool;
    threadError = null;
    pool = p;
    engine = null; // calling-thread work now uses the pool's memory; let the private one go
    pendingReady = started.ready.catch((e: unknown) => {
      // a worker failed to start: the pool disposed itself; work stays on this thread
      threadError = e;
      if (pool === p) pool = null;
      throw e;
    });
    return pendingReady;
  }
  pendingReady = createThreadPool(want).then(
    (p) => {
      if (generation !== poolGeneration) {
        // a later setThreads call superseded this one
        p.dispose();
        return;
      }
      threadError = null;
      pool = p;
      engine = null;
    },
    (e: unknown) => {
      threadError = e;
      throw e;
    },
  );
  return pendingReady;
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
