/**
 * Optional native backend: an N-API addon (native/matgrad_blas.c) calling the
 * system OpenBLAS `cblas_dgemm`. Node only, and only after
 * `npm run build:native` found OpenBLAS and built native/build/Release/matgrad_native.node.
 *
 * Nothing here touches a Node API at import time, and nothing is imported
 * statically from Node: the addon is loaded through `createRequire` obtained
 * from `process.getBuiltinModule("node:module")` (Node ≥ 20.16, synchronous) or,
 * in `loadNativeAsync`, from a dynamic `import()` of a computed specifier that
 * bundlers do not follow. In a browser (no `process`) every loader returns null.
 *
 * Kernel set: OpenBLAS picks its kernels from CPUID when it loads; on AMD CPUs
 * with AVX-512 (Zen 4 / Zen 5) that choice is its AVX2 "Zen" kernels, measured
 * ~40% slower than its AVX-512 "SkylakeX" ones, so unless the user set
 * OPENBLAS_CORETYPE, matgrad sets it to SkylakeX there for the duration of the
 * load (see `chooseCoretype`; the variable is restored right after).
 *
 * Products below `minWork` = m·n·k go to the fallback backend (WASM or JS):
 * an N-API call costs ~0.1–0.3 µs plus OpenBLAS's own per-call set-up, which
 * the small in-process kernels beat on tiny matrices.
 */
import type { Backend, GemmBatchFn, GemmFn } from "../backend.js";
import { defaultThreads, MAX_THREADS } from "../wasm/index.js";
import { ArgumentError } from "../../errors.js";
import { describe } from "../../validate.js";
import { makeLapack, type LapackAddon } from "./lapack.js";

/** The addon's exports (see native/matgrad_blas.c); the LAPACK ones are absent in builds that predate them. */
export interface NativeAddon extends Partial<LapackAddon> {
  dgemm: GemmFn;
  dgemmBatch: GemmBatchFn;
  getThreads(): number;
  setThreads(n: number): void;
  info(): { config: string; corename: string; parallel: string; threads: number; cpus: number };
}

/** Path of the built addon relative to this module (src/kernels/native or dist/kernels/native). */
const ADDON_REL = "../../../native/build/Release/matgrad_native.node";

type Proc = {
  env?: Record<string, string | undefined>;
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
};
type ModuleMod = { createRequire(from: string): (id: string) => unknown };
type FsMod = { readFileSync(path: string, enc: "utf8"): string };

/** The AVX-512 subsets OpenBLAS's SkylakeX kernels use. */
export const SKYLAKEX_FLAGS = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"] as const;

/**
 * The OpenBLAS kernel set to request through OPENBLAS_CORETYPE while the addon
 * loads, given /proc/cpuinfo's text and the environment; null leaves the
 * choice to OpenBLAS. "SkylakeX" on AMD CPUs that have every AVX-512 subset its
 * kernels need (OpenBLAS's own pick there is AVX2-only); never when the user
 * set OPENBLAS_CORETYPE, and never without AVX-512 (those kernels would die
 * with SIGILL).
 */
export function chooseCoretype(cpuinfo: string, env: Record<string, string | undefined>): string | null {
  if (env.OPENBLAS_CORETYPE) return null;
  const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1];
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? "").trim().split(/\s+/));
  return vendor === "AuthenticAMD" && SKYLAKEX_FLAGS.every((f) => flags.has(f)) ? "SkylakeX" : null;
}

const proc = (): Proc | undefined => (globalThis as { process?: Proc }).process;

let addon: NativeAddon | null = null;
let addonPath = "";
let loadError: string | null = null;
let coretypeNote = "OpenBLAS's choice";
let tried = false;

function addonLocation(): string | null {
  const p = proc();
  const override = p?.env?.MATGRAD_NATIVE_ADDON;
  if (override) return override;
  let here: string | undefined;
  try {
    here = (import.meta as { url?: string }).url;
  } catch {
    here = undefined;
  }
  return here?.startsWith("file:") ? decodeURIComponent(new URL(ADDON_REL, here).pathname) : null;
}

function finishLoad(mod: ModuleMod | undefined, fs: FsMod | undefined): NativeAddon | null {
  tried = true;
  const file = addonLocation();
  if (!mod || file === null) {
    loadError = "not running in Node";
    return null;
  }
  const p = proc();
  const env = p?.env ?? {};
  if (env.MATGRAD_NO_NATIVE) {
    loadError = "disabled by MATGRAD_NO_NATIVE";
    return null;
  }
  if (env.OPENBLAS_CORETYPE) coretypeNote = `OPENBLAS_CORETYPE=${env.OPENBLAS_CORETYPE} (set by the user)`;
  let cpuinfo = "";
  try {
    cpuinfo = fs?.readFileSync("/proc/cpuinfo", "utf8") ?? "";
  } catch {
    cpuinfo = ""; // not Linux: leave the choice to OpenBLAS
  }
  const coretype = chooseCoretype(cpuinfo, env);
  try {
    // resolve relative to the file itself so the override may be any absolute path
    const req = mod.createRequire(file);
    // OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads
    if (coretype !== null) env.OPENBLAS_CORETYPE = coretype;
    let a: NativeAddon;
    try {
      a = req(file) as NativeAddon;
    } finally {
      if (coretype !== null) delete env.OPENBLAS_CORETYPE;
    }
    if (coretype !== null) coretypeNote = `${coretype} (set by matgrad: AMD CPU with AVX-512)`;
    if (typeof a?.dgemm !== "function" || typeof a.dgemmBatch !== "function") throw new Error("unexpected exports");
    // threads as for the WASM backend (PyTorch's convention: one per core, at
    // most 8) unless the user configured OpenBLAS; setThreads / MATGRAD_THREADS
    // override either
    const envThreads = p?.env?.OPENBLAS_NUM_THREADS ?? p?.env?.GOTO_NUM_THREADS ?? p?.env?.OMP_NUM_THREADS;
    if (!envThreads) a.setThreads(defaultThreads());
    addon = a;
    addonPath = file;
    loadError = null;
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    loadError = /Cannot find module|ENOENT/.test(msg)
      ? "addon not built (apt-get install libopenblas-dev && npm run build:native)"
      : `addon failed to load: ${msg.split("\n")[0]}`;
  }
  return addon;
}

/**
 * The addon, loaded synchronously on first call (null when unavailable: not
 * Node, Node < 20.16 without a prior `loadNativeAsync()`, or not built).
 */
export function loadNative(): NativeAddon | null {
  if (tried) return addon;
  const p = proc();
  if (p?.versions?.node === undefined) {
    tried = true;
    loadError = "not running in Node";
    return null;
  }
  if (typeof p.getBuiltinModule !== "function") {
    // leave `tried` false so that loadNativeAsync() can still succeed
    loadError = "synchronous loading needs Node ≥ 20.16 (await loadNativeAsync() first)";
    return null;
  }
  return finishLoad(p.getBuiltinModule("node:module") as ModuleMod, p.getBuiltinModule("node:fs") as FsMod);
}

/** Load the addon through a dynamic import of node:module (works on every Node ≥ 20). */
export async function loadNativeAsync(): Promise<NativeAddon | null> {
  if (tried) return addon;
  if (proc()?.versions?.node === undefined) return loadNative();
  const [moduleSpec, fsSpec] = ["node:module", "node:fs"];
  let mod: ModuleMod | undefined;
  let fs: FsMod | undefined;
  try {
    mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ moduleSpec)) as ModuleMod;
    fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ fsSpec)) as FsMod;
  } catch {
    // not Node after all: finishLoad reports it
  }
  return tried ? addon : finishLoad(mod, fs);
}

/** Why the addon is not loaded (null when it is). */
export function nativeLoadError(): string | null {
  return addon ? null : loadError ?? "not loaded yet";
}

/**
 * Default m·n·k from which the "native" backend calls OpenBLAS (below it the
 * fallback runs): the measured crossover against the WASM kernel (n ≈ 12 on
 * square products: one call costs ~0.45 µs), see docs/performance.md.
 */
export const NATIVE_MIN_WORK = 12 * 12 * 12;

/**
 * A Backend on the addon: products with m·n·k ≥ minWork run in OpenBLAS, the
 * others (and the degenerate alpha = 0 / k = 0 cases) in `fallback`.
 */
function hasLapack(a: NativeAddon): a is NativeAddon & LapackAddon {
  return (["dgetrf", "dgetri", "dpotrf", "dsyevd", "dgesdd"] as const).every((f) => typeof a[f] === "function");
}

export function makeNativeBackend(
  a: NativeAddon,
  fallback: Backend,
  opts: { minWork?: number; name?: string } = {},
): Backend {
  const minWork = opts.minWork ?? NATIVE_MIN_WORK;
  const fbBatch = fallback.gemmBatch;
  const gemm: GemmFn = (tA, tB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
    if (m * n * k < minWork || alpha === 0) fallback.gemm(tA, tB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    else a.dgemm(tA, tB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  };
  const gemmBatch: GemmBatchFn = (tA, tB, m, n, k, alpha, A, aOff, lda, sA, B, bOff, ldb, sB, beta, C, cOff, ldc, sC, batch) => {
    if (m * n * k >= minWork && alpha !== 0) {
      a.dgemmBatch(tA, tB, m, n, k, alpha, A, aOff, lda, sA, B, bOff, ldb, sB, beta, C, cOff, ldc, sC, batch);
    } else if (fbBatch) {
      fbBatch(tA, tB, m, n, k, alpha, A, aOff, lda, sA, B, bOff, ldb, sB, beta, C, cOff, ldc, sC, batch);
    } else {
      for (let t = 0; t < batch; t++)
        fallback.gemm(tA, tB, m, n, k, alpha, A, aOff + t * sA, lda, B, bOff + t * sB, ldb, beta, C, cOff + t * sC, ldc);
    }
  };
  return {
    name: opts.name ?? "native-openblas",
    gemm,
    gemmBatch,
    lapack: hasLapack(a) ? makeLapack(a) : undefined,
    async setThreads(n: number): Promise<void> {
      // the same rule as the WASM backend's (an async function: the promise rejects)
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_THREADS)
        throw new ArgumentError("setThreads", `n must be an integer in [1, ${MAX_THREADS}]; got ${describe(n)}`);
      const want = n;
      a.setThreads(want);
      // products below minWork run in the fallback: give it the same count
      // (for the WASM backend only products ≥ 192³ use its threads)
      if (fallback.setThreads && minWork > 192 ** 3) await fallback.setThreads(want);
    },
    threads: () => a.getThreads(),
    status(): Record<string, unknown> {
      const i = a.info();
      const version = /OpenBLAS\s+(\S+)/.exec(i.config)?.[1];
      return {
        backend: opts.name ?? "native-openblas",
        library: version ? `OpenBLAS ${version}` : i.config,
        config: i.config,
        kernels: i.corename,
        coretype: coretypeNote,
        parallel: i.parallel,
        threads: a.getThreads(),
        cpus: i.cpus,
        minWork,
        addon: addonPath,
        fallback: fallback.name,
        fallbackStatus: fallback.status?.() ?? null,
      };
    },
    dispose(): void {
      fallback.dispose?.();
    },
  };
}
