/**
 * Worker-thread pool for the WASM GEMM: the calling thread and T − 1 workers
 * share one WebAssembly.Memory; a large product is cut into column (or row)
 * chunks that the participants grab from an atomic counter, each packing into
 * its own scratch area. Workers that are slow to start, or busy machines, are
 * handled by the same mechanism: whoever is free takes the next chunk, and the
 * caller alone can finish a job.
 *
 * Platforms: Node (worker_threads, loaded by a dynamic import kept out of the
 * static module graph) and browsers (Web Workers; SharedArrayBuffer needs a
 * cross-origin-isolated page). Node workers are unref'd: a script that uses
 * matgrad exits by itself. `dispose()` stops the workers.
 *
 * Control block (Int32 words at byte 0 of the shared memory):
 *   0 seq      job sequence: odd while the caller writes a job, even when ready
 *   1 active   participants inside the current job
 *   2 next     next chunk index to grab
 *   3 done     chunks finished
 *   4 nChunks
 *   5 quit
 *   6..18      tA, tB, m, n, k, a, lda, b, ldb, c, ldc, mode, chunk
 *              (mode 0: chunks of rows of C, 1: chunks of columns, 2: chunks of a batch)
 *   19         chunks run by workers so far (diagnostics)
 *   20         error flag: a worker's kernel call threw (the caller redoes the job)
 *   21..24     batch mode: byte strides sA, sB, sC and the batch size
 *   f64 at byte 128 / 136: alpha, beta
 * Protocol: the caller sets seq odd, waits for active = 0, writes the job, sets
 * seq even and notifies. A worker that sees a new even seq increments active,
 * re-checks seq (backs off if it changed), then takes chunks until none is left.
 */
import { Engine } from "./engine.js";
import { nodeWorkerFrom, spawnNodeWorker, type NodeWorkerModule } from "./worker-node.js";

export interface ThreadPool {
  /** threads in use, the calling thread included */
  readonly size: number;
  /** the shared-memory engine (slot 0 is the calling thread's scratch) */
  readonly engine: Engine;
  /** should a product of this size be split over the threads? */
  accepts(m: number, n: number, k: number): boolean;
  /** chunks executed by worker threads since the pool started (diagnostics) */
  workerChunks(): number;
  /** should a batch of products of this size be spread over the threads? */
  acceptsBatch(m: number, n: number, k: number, batch: number, sharedA: boolean, sharedB: boolean): boolean;
  /** strided batched GEMM (see Backend.gemmBatch) */
  gemmBatch(
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
  ): void;
  gemm(
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
  ): void;
  dispose(): void;
}

/** m·n·k from which a product is split over threads (below: calling thread only). */
export const THREAD_MIN_WORK = 192 * 192 * 192;

/** Chunks per thread for a split product (tuning knob; see bench/gemm.ts). */
export let chunksPerThread = 2;
export function setChunksPerThread(c: number): void {
  chunksPerThread = Math.max(1, Math.floor(c));
}

/** Minimal common interface of Node and Web workers. */
export interface WorkerLike {
  postMessage(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  onError(cb: (err: unknown) => void): void;
  /** stop the worker from keeping the process alive (Node; no-op elsewhere) */
  unref(): void;
  terminate(): void;
}

const SEQ = 0, ACTIVE = 1, NEXT = 2, DONE = 3, NCHUNKS = 4, QUIT = 5, P = 6;
const F_ALPHA = 16, F_BETA = 17; // Float64 indices (bytes 128, 136)

type KernelFn = (...args: number[]) => void;

/**
 * Run chunk q of the published job (self-contained: also shipped to workers as
 * source text, see workerSource).
 */
function runChunk(gemm: KernelFn, I: Int32Array, F: Float64Array, q: number, work: number): void {
  const tA = I[6], tB = I[7], m = I[8], n = I[9], k = I[10], a = I[11], lda = I[12];
  const b = I[13], ldb = I[14], c = I[15], ldc = I[16], mode = I[17], chunk = I[18];
  const alpha = F[16], beta = F[17];
  if (mode === 1) {
    const j0 = q * chunk;
    const nn = Math.min(chunk, n - j0);
    gemm(tA, tB, m, nn, k, alpha, a, lda, b + (tB ? j0 * ldb : j0) * 8, ldb, beta, c + j0 * 8, ldc, work);
  } else if (mode === 0) {
    const i0 = q * chunk;
    const mm = Math.min(chunk, m - i0);
    gemm(tA, tB, mm, n, k, alpha, a + (tA ? i0 : i0 * lda) * 8, lda, b, ldb, beta, c + i0 * ldc * 8, ldc, work);
  } else {
    const sA = I[21], sB = I[22], sC = I[23], batch = I[24];
    const t1 = Math.min(batch, (q + 1) * chunk);
    for (let t = q * chunk; t < t1; t++)
      gemm(tA, tB, m, n, k, alpha, a + t * sA, lda, b + t * sB, ldb, beta, c + t * sC, ldc, work);
  }
}

/**
 * The worker program. Self-contained (it is stringified and evaluated in the
 * worker, with `runChunk` passed in): receives {module, memory, work},
 * instantiates, reports "ready", then serves jobs until quit.
 */
function workerMain(
  io: { onMessage(cb: (d: any) => void): void; post(m: unknown): void },
  runChunk: (gemm: KernelFn, I: Int32Array, F: Float64Array, q: number, work: number) => void,
): void {
  io.onMessage((d: { module: WebAssembly.Module; memory: WebAssembly.Memory; work: number }) => {
    let gemm: (...args: number[]) => void;
    try {
      const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
      gemm = inst.exports.gemm as unknown as (...args: number[]) => void;
    } catch (e) {
      io.post({ error: String(e) });
      return;
    }
    const I = new Int32Array(d.memory.buffer, 0, 32);
    const F = new Float64Array(d.memory.buffer, 0, 32);
    const work = d.work;
    io.post("ready");
    let seen = -1;
    for (;;) {
      if (Atomics.load(I, 5) !== 0) return;
      const s = Atomics.load(I, 0);
      if (s === seen || (s & 1) !== 0) {
        Atomics.wait(I, 0, s);
        continue;
      }
      seen = s;
      Atomics.add(I, 1, 1);
      if (Atomics.load(I, 0) === s) {
        const nChunks = I[4];
        for (;;) {
          const q = Atomics.add(I, 2, 1);
          if (q >= nChunks) break;
          try {
            runChunk(gemm, I, F, q, work);
          } catch {
            Atomics.store(I, 20, 1);
          }
          Atomics.add(I, 19, 1);
          if (Atomics.add(I, 3, 1) + 1 === nChunks) Atomics.notify(I, 3);
        }
      }
      Atomics.sub(I, 1, 1);
      Atomics.notify(I, 1);
    }
  });
}

/** Source of the worker script for a platform's message API. */
export function workerSource(platform: "node" | "web"): string {
  const io =
    platform === "node"
      ? `{ onMessage: (cb) => require("node:worker_threads").parentPort.once("message", cb),
           post: (m) => require("node:worker_threads").parentPort.postMessage(m) }`
      : `{ onMessage: (cb) => { self.onmessage = (e) => { self.onmessage = null; cb(e.data); }; },
           post: (m) => self.postMessage(m) }`;
  // runChunk is passed as an argument, not referenced by name: a minifier
  // (the browser bundle, a user's bundler) renames the module-level function
  // and the references inside workerMain's text, so a name written here would
  // not match. (__name: a no-op stand-in for the helper some transpilers insert
  // to keep function names.)
  return `"use strict";\nvar __name = (f) => f;\n(${workerMain.toString()})(${io}, ${runChunk.toString()});\n`;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}

/** Node's builtin-module getter (Node ≥ 20.16): synchronous access to worker_threads. */
type BuiltinGetter = (id: string) => unknown;
function nodeBuiltins(): BuiltinGetter | null {
  const p = (globalThis as { process?: { getBuiltinModule?: BuiltinGetter } }).process;
  return typeof p?.getBuiltinModule === "function" ? p.getBuiltinModule.bind(p) : null;
}

/** Can workers be spawned synchronously here (browsers' Worker; Node with getBuiltinModule)? */
export function canSpawnSync(): boolean {
  return isNode() ? nodeBuiltins() !== null : typeof (globalThis as { Worker?: unknown }).Worker === "function";
}

function spawnWeb(): WorkerLike {
  const W = (globalThis as { Worker?: new (url: string) => any }).Worker;
  if (typeof W !== "function") throw new Error("matgrad: no Worker support in this environment");
  const blob = new Blob([workerSource("web")], { type: "text/javascript" });
  const url = URL.createObjectURL(blob);
  const w = new W(url);
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (cb) => w.addEventListener("message", (e: { data: unknown }) => cb(e.data)),
    onError: (cb) => w.addEventListener("error", (e: unknown) => cb(e)),
    unref: () => {},
    terminate: () => {
      w.terminate();
      URL.revokeObjectURL(url);
    },
  };
}

function spawnSync(): WorkerLike {
  if (!isNode()) return spawnWeb();
  const get = nodeBuiltins();
  if (get === null) throw new Error("matgrad: synchronous worker start needs Node ≥ 20.16 (process.getBuiltinModule)");
  return nodeWorkerFrom(get("node:worker_threads") as NodeWorkerModule, workerSource("node"));
}

async function spawn(): Promise<WorkerLike> {
  if (canSpawnSync()) return spawnSync();
  return spawnNodeWorker(workerSource("node"));
}

/** Thrown by a pool whose worker failed; the pool is disposed, the caller retries single-threaded. */
export class ThreadFailure extends Error {
  constructor() {
    super("matgrad: a GEMM worker thread failed; threads were turned off");
  }
}

/**
 * Start a pool of `size` threads (the caller + size − 1 workers). Where workers
 * can be spawned synchronously (browsers; Node ≥ 20.16) the pool is usable at
 * once: until a worker has started, the calling thread simply takes every chunk
 * itself, so a synchronous script gets its threads without yielding to the event
 * loop. `ready` resolves when every worker is serving, and rejects (after
 * disposing the pool) if one fails to start.
 */
export function startThreadPool(size: number): { pool: ThreadPool; ready: Promise<void> } {
  const engine = sharedEngine(size);
  const spawned: WorkerLike[] = [];
  for (let s = 1; s < size; s++) spawned.push(spawnSync());
  return launch(engine, spawned);
}

/** The pool, resolved once every worker is serving (spawns asynchronously where it must). */
export async function createThreadPool(size: number): Promise<ThreadPool> {
  if (canSpawnSync()) {
    const { pool, ready } = startThreadPool(size);
    await ready;
    return pool;
  }
  const engine = sharedEngine(size);
  const spawned: WorkerLike[] = [];
  try {
    for (let s = 1; s < size; s++) spawned.push(await spawn());
  } catch (e) {
    for (const w of spawned) w.terminate();
    throw e;
  }
  const { pool, ready } = launch(engine, spawned);
  await ready;
  return pool;
}

function sharedEngine(size: number): Engine {
  if (typeof SharedArrayBuffer === "undefined")
    throw new Error("matgrad: threads need SharedArrayBuffer (in browsers: a cross-origin-isolated page)");
  return new Engine({ shared: true, slots: size });
}

function launch(engine: Engine, spawned: WorkerLike[]): { pool: ThreadPool; ready: Promise<void> } {
  const size = spawned.length + 1;
  const I = new Int32Array(engine.memory.buffer, 0, 32);
  const F = new Float64Array(engine.memory.buffer, 0, 32);
  // Can this thread block in Atomics.wait? (Node main thread: yes; browser main thread: no.)
  let canBlock = true;
  try {
    Atomics.wait(I, 31, 1, 0);
  } catch {
    canBlock = false;
  }

  const workers: WorkerLike[] = [...spawned];
  let disposed = false;
  const dispose = () => {
    disposed = true;
    Atomics.store(I, QUIT, 1);
    Atomics.add(I, SEQ, 2);
    Atomics.notify(I, SEQ);
    // (workers check QUIT whenever they wake, before looking at SEQ)
    for (const w of workers) w.terminate();
    workers.length = 0;
  };
  const ready = Promise.all(
    workers.map(
      (w, i) =>
        new Promise<void>((res, rej) => {
          w.onMessage((msg) => {
            if (msg === "ready") {
              // Idle workers block in Atomics.wait and must never keep a Node
              // process alive; until "ready" the pending handshake keeps it up.
              w.unref();
              res();
            }
            else if (msg && typeof msg === "object" && "error" in msg) rej(new Error(String((msg as { error: unknown }).error)));
          });
          w.onError(rej);
          w.postMessage({ module: engine.module, memory: engine.memory, work: engine.workAddr(i + 1) });
        }),
    ),
  ).then(
    () => undefined,
    (e: unknown) => {
      dispose();
      throw e;
    },
  );
  // a failure is reported through `ready` (and the pool stops accepting work)
  ready.catch(() => {});

  const waitWhile = (idx: number, pred: (v: number) => boolean) => {
    for (;;) {
      const v = Atomics.load(I, idx);
      if (!pred(v)) return;
      if (canBlock) Atomics.wait(I, idx, v, 20);
    }
  };

  let jobSeq = 0;
  let seqNow = 0;

  /** Close the previous job and wait until nobody is inside it, so the caller may write. */
  const open = () => {
    // jobSeq is even; SEQ = jobSeq + 1 while writing, jobSeq + 2 once published
    seqNow = jobSeq;
    jobSeq += 2;
    Atomics.store(I, SEQ, seqNow + 1);
    waitWhile(ACTIVE, (v) => v !== 0);
  };

  /** Write the job descriptor, publish it, take chunks here too, wait for the rest. */
  const run = (
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    s: { a: number; lda: number; b: number; ldb: number; c: number; ldc: number },
    beta: number,
    mode: number,
    chunk: number,
    nChunks: number,
  ) => {
    I[P + 0] = transA ? 1 : 0;
    I[P + 1] = transB ? 1 : 0;
    I[P + 2] = m;
    I[P + 3] = n;
    I[P + 4] = k;
    I[P + 5] = s.a;
    I[P + 6] = s.lda;
    I[P + 7] = s.b;
    I[P + 8] = s.ldb;
    I[P + 9] = s.c;
    I[P + 10] = s.ldc;
    I[P + 11] = mode;
    I[P + 12] = chunk;
    F[F_ALPHA] = alpha;
    F[F_BETA] = beta;
    Atomics.store(I, NCHUNKS, nChunks);
    Atomics.store(I, DONE, 0);
    Atomics.store(I, NEXT, 0);
    // publish and wake the workers
    Atomics.store(I, SEQ, seqNow + 2);
    Atomics.notify(I, SEQ);
    // take chunks on this thread too
    const work = engine.workAddr(0);
    const kernel = engine.kernel as unknown as KernelFn;
    for (;;) {
      const q = Atomics.add(I, NEXT, 1);
      if (q >= nChunks) break;
      runChunk(kernel, I, F, q, work);
      Atomics.add(I, DONE, 1);
    }
    // wait for chunks taken by workers
    waitWhile(DONE, (v) => v < nChunks);
    if (Atomics.load(I, 20) !== 0) {
      // a worker's kernel call failed: never return a partial result; stop
      // threading and let the caller redo the work on its own thread
      dispose();
      throw new ThreadFailure();
    }
  };

  const pool: ThreadPool = {
    size,
    engine,
    workerChunks: () => Atomics.load(I, 19),
    acceptsBatch: (m, n, k, batch, sharedA, sharedB) =>
      !disposed && batch >= 2 && m * n * k * batch >= THREAD_MIN_WORK && engine.fitsBatch(m, n, k, batch, sharedA, sharedB),
    accepts: (m, n, k) =>
      !disposed && m * n * k >= THREAD_MIN_WORK && Math.max(m, n) >= 16 * size && engine.fits(m, n, k),
    gemm(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) {
      open();
      const s = engine.stage(transA, transB, m, n, k, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
      const splitN = n >= m;
      const dim = splitN ? n : m;
      // about 2 chunks per thread (dynamic balance on a shared machine), multiples of 8
      const chunk = Math.max(32, Math.ceil(dim / (chunksPerThread * size) / 8) * 8);
      run(transA, transB, m, n, k, alpha, s, beta, splitN ? 1 : 0, chunk, Math.ceil(dim / chunk));
      engine.unstage(m, n, s.c, C, cOff, ldc);
    },
    gemmBatch(transA, transB, m, n, k, alpha, A, aOff, lda, strideA, B, bOff, ldb, strideB, beta, C, cOff, ldc, strideC, batch) {
      open();
      const s = engine.stageBatch(
        transA, transB, m, n, k, A, aOff, lda, strideA, B, bOff, ldb, strideB, beta, C, cOff, ldc, strideC, batch,
      );
      I[P + 15] = s.sA;
      I[P + 16] = s.sB;
      I[P + 17] = s.sC;
      I[P + 18] = batch;
      // chunks of ≥ 1 product, about 4 per thread
      const chunk = Math.max(1, Math.ceil(batch / (4 * size)));
      run(transA, transB, m, n, k, alpha, s, beta, 2, chunk, Math.ceil(batch / chunk));
      for (let t = 0; t < batch; t++) engine.unstage(m, n, s.c + t * s.sC, C, cOff + t * strideC, ldc);
    },
    dispose() {
      if (!disposed) dispose();
    },
  };
  return { pool, ready };
}
