/**
 * Node-only: spawn a worker thread from source text. pool.ts gets the
 * `node:worker_threads` module synchronously through process.getBuiltinModule
 * (Node ≥ 20.16) and passes it to `nodeWorkerFrom`; on older Node it calls
 * `spawnNodeWorker`, which imports the module dynamically (with a non-literal
 * specifier, so browser bundlers leave it alone).
 */
import type { WorkerLike } from "./pool.js";

export interface NodeWorkerModule {
  Worker: new (src: string, opts: { eval: boolean; execArgv: string[] }) => {
    postMessage(m: unknown): void;
    on(ev: string, cb: (x: unknown) => void): void;
    unref(): void;
    terminate(): Promise<number>;
  };
}

/** Start a worker evaluating `source`, with the WorkerLike interface. */
export function nodeWorkerFrom(mod: NodeWorkerModule, source: string): WorkerLike {
  // execArgv []: the worker source is a self-contained CommonJS script, and the
  // parent's flags would change that (`node --input-type=module` makes eval'd
  // code ESM, where its `require` is undefined; loaders such as tsx's only slow the start)
  const w = new mod.Worker(source, { eval: true, execArgv: [] });
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (cb) => w.on("message", cb),
    onError: (cb) => w.on("error", cb),
    // Called by the pool once the worker's listeners are attached
    // (adding a "message" listener re-refs the worker's port).
    unref: () => w.unref(),
    terminate: () => {
      void w.terminate();
    },
  };
}

export async function spawnNodeWorker(source: string): Promise<WorkerLike> {
  const spec = "node:worker_threads";
  return nodeWorkerFrom((await import(/* @vite-ignore */ /* webpackIgnore: true */ spec)) as NodeWorkerModule, source);
}
