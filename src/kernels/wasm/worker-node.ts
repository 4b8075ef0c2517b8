/**
 * Node-only: spawn a worker thread from source text. Loaded by pool.ts through
 * a dynamic import, and it imports `node:worker_threads` dynamically too (with a
 * non-literal specifier, so browser bundlers leave it alone).
 */
import type { WorkerLike } from "./pool.js";

export async function spawnNodeWorker(source: string): Promise<WorkerLike> {
  const spec = "node:worker_threads";
  const { Worker } = (await import(/* @vite-ignore */ spec)) as {
    Worker: new (src: string, opts: { eval: boolean }) => {
      postMessage(m: unknown): void;
      on(ev: string, cb: (x: unknown) => void): void;
      unref(): void;
      terminate(): Promise<number>;
    };
  };
  const w = new Worker(source, { eval: true });
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (cb) => w.on("message", cb),
    onError: (cb) => w.on("error", cb),
    // Called by the pool once the worker is ready, after its listeners are attached
    // (adding a "message" listener re-refs the worker's port).
    unref: () => w.unref(),
    terminate: () => {
      void w.terminate();
    },
  };
}
