/**
 * GEMM throughput (float64 C = A·B, square n×n) for every backend, measured in
 * one process so that the ratios are meaningful on a noisy machine:
 *   naive   — plain i-k-j triple loop over Float64Arrays (what JS libraries do)
 *   js      — the portable packed TypeScript kernel (src/kernels/gemm.ts)
 *   wasm×1  — the WASM SIMD128 kernel on the calling thread
 *   wasm×T  — the WASM kernel split over T threads (worker_threads), if available
 *   native×1, native×T — OpenBLAS through the optional N-API addon (native/) on 1
 *             and T threads, when it is built (`npm run build:native`)
 *
 * Library use: `await runGemm()` (called by bench/run.ts) prints the table and
 * returns the rows; `measureGemm(fn, n)` measures one kernel.
 * Standalone: `node --import ./bench/ts-register.mjs bench/gemm.ts [--sizes 64,256,512,1024] [--threads 2]`.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gemm as gemmPortable } from "../src/kernels/gemm.js";
import { gemmWasmOnly, gemmWasm, setThreads, wasmSimdSupported } from "../src/kernels/wasm/index.js";
import { loadNativeAsync } from "../src/kernels/native/index.js";
import { Func, Ty, brIf, encodeModule, f64, f64x2, get, i32, loop, seq, set } from "../src/kernels/wasm/encode.js";

type Gemm = typeof gemmPortable;

/** The naive baseline: i-k-j loop, no blocking. */
function naive(
  _tA: boolean, _tB: boolean, m: number, n: number, k: number, alpha: number,
  A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number,
  _beta: number, C: Float64Array, cOff: number, ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    const c = cOff + i * ldc;
    for (let j = 0; j < n; j++) C[c + j] = 0;
    for (let p = 0; p < k; p++) {
      const a = alpha * A[aOff + i * lda + p];
      const b = bOff + p * ldb;
      for (let j = 0; j < n; j++) C[c + j] += a * B[b + j];
    }
  }
}

function randomMatrix(len: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

/**
 * GFLOP/s of `fn` on n×n×n (best of several batches, each ≥ minMs long, after a
 * warm-up that lets the JIT / wasm tier-up settle).
 */
export function measureGemm(fn: Gemm, n: number, opts: { minMs?: number; batches?: number } = {}): number {
  const minMs = opts.minMs ?? 150;
  const batches = opts.batches ?? 4;
  const A = randomMatrix(n * n, 1);
  const B = randomMatrix(n * n, 2);
  const C = new Float64Array(n * n);
  const run = () => fn(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n);
  // warm-up: at least 3 calls and ~minMs
  let reps = 0;
  const w0 = performance.now();
  while (reps < 3 || performance.now() - w0 < minMs) {
    run();
    reps++;
  }
  const per = (performance.now() - w0) / reps;
  const inner = Math.max(1, Math.ceil(minMs / Math.max(per, 1e-3)));
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let r = 0; r < inner; r++) run();
    best = Math.min(best, (performance.now() - t0) / inner);
  }
  return (2 * n * n * n) / (best * 1e6);
}

/**
 * This machine's f64x2 multiply+add throughput in WebAssembly (one thread, no
 * FMA): 12 independent chains acc = acc·c + d, enough to cover the latency of
 * both units. The ceiling for any WASM SIMD128 GEMM here; the kernel's
 * GFLOP/s divided by this is its efficiency.
 */
export function measureWasmPeak(): number {
  const CH = 12;
  const f = new Func("run", [Ty.i32], [Ty.f64]);
  const acc = f.locals_(Ty.v128, CH);
  const c = f.local(Ty.v128);
  const d = f.local(Ty.v128);
  f.body = seq(
    set(c, f64x2.splat(f64.const(0.999999))),
    set(d, f64x2.splat(f64.const(1e-7))),
    ...acc.map((a, i) => set(a, f64x2.splat(f64.const(1 + i)))),
    loop(
      ...acc.map((a) => set(a, f64x2.add(f64x2.mul(get(a), get(c)), get(d)))),
      set(0, i32.sub(get(0), i32.const(1))),
      brIf(0, get(0)),
    ),
    f64x2.extractLane(get(acc[0]), 0),
  );
  const mod = new WebAssembly.Module(encodeModule({ memory: { min: 1 }, funcs: [f] }));
  const inst = new WebAssembly.Instance(mod, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
  const run = inst.exports.run as (n: number) => number;
  for (let w = 0; w < 5; w++) run(2e5); // let the function tier up
  let best = Infinity;
  const N = 5e6;
  for (let t = 0; t < 5; t++) {
    const t0 = performance.now();
    run(N);
    best = Math.min(best, performance.now() - t0);
  }
  return (N * CH * 4) / (best * 1e6);
}

export interface GemmRow {
  n: number;
  /** GFLOP/s per kernel name */
  gflops: Record<string, number>;
}

export async function runGemm(
  opts: { sizes?: number[]; threads?: number; naiveMax?: number; quiet?: boolean } = {},
): Promise<GemmRow[]> {
  const sizes = opts.sizes ?? [64, 256, 512, 1024];
  const naiveMax = opts.naiveMax ?? 1024;
  const kernels: [string, Gemm][] = [
    ["naive", naive],
    ["js", gemmPortable],
  ];
  const simd = wasmSimdSupported();
  if (simd) kernels.push(["wasm×1", gemmWasmOnly]);
  let threads = opts.threads ?? 2;
  let threadNote = "";
  if (simd && threads > 1) {
    try {
      await setThreads(threads);
      kernels.push([`wasm×${threads}`, gemmWasm]);
    } catch (e) {
      threadNote = `(threads unavailable: ${(e as Error).message})`;
      threads = 1;
    }
  }
  // the optional native backend: raw addon calls on 1 and T threads
  const addon = await loadNativeAsync();
  const nativeThreadsBefore = addon?.getThreads() ?? 1;
  if (addon) {
    let cur = -1;
    const on = (t: number): Gemm => (tA, tB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
      if (cur !== t) addon.setThreads((cur = t));
      addon.dgemm(tA, tB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    };
    kernels.push(["native×1", on(1)]);
    const nt = Math.max(opts.threads ?? 2, 1);
    if (nt > 1) kernels.push([`native×${nt}`, on(nt)]);
  }
  const rows: GemmRow[] = [];
  for (const n of sizes) {
    const gflops: Record<string, number> = {};
    for (const [name, fn] of kernels) {
      if (name === "naive" && n > naiveMax) continue;
      // the naive loop at n = 1024 takes seconds per call: one short batch
      gflops[name] = measureGemm(fn, n, name === "naive" && n >= 512 ? { minMs: 1, batches: 1 } : {});
    }
    rows.push({ n, gflops });
  }
  if (threads > 1) await setThreads(1);
  addon?.setThreads(nativeThreadsBefore);

  if (!opts.quiet) {
    const names = kernels.map(([k]) => k);
    const header = ["n", ...names.map((k) => `${k} GF/s`), ...names.filter((k) => k !== "naive" && k !== "js").flatMap((k) => [`${k}/js`, `${k}/naive`])];
    const table = rows.map((r) => [
      String(r.n),
      ...names.map((k) => (r.gflops[k] === undefined ? "—" : r.gflops[k].toFixed(2))),
      ...names
        .filter((k) => k !== "naive" && k !== "js")
        .flatMap((k) => [ratio(r.gflops[k], r.gflops.js), ratio(r.gflops[k], r.gflops.naive)]),
    ]);
    const jsRow = rows.map((r) => `n=${r.n}: js/naive ${ratio(r.gflops.js, r.gflops.naive)}`).join(", ");
    printTable("float64 GEMM, C = A·B (GFLOP/s; ratios measured in this run)", header, table);
    console.log(jsRow);
    if (simd) {
      const peak = measureWasmPeak();
      const best1 = Math.max(...rows.map((r) => r.gflops["wasm×1"] ?? 0));
      console.log(
        `wasm f64x2 mul+add peak on this machine, one thread: ${peak.toFixed(2)} GFLOP/s; ` +
          `best wasm×1 GEMM = ${((100 * best1) / peak).toFixed(0)}% of it`,
      );
    }
    if (threadNote) console.log(threadNote);
    if (addon) {
      const i = addon.info();
      const vs = (k: string, base: string) => rows.map((r) => `${ratio(r.gflops[k], r.gflops[base])}`).join(" ");
      const nat = names.filter((k) => k.startsWith("native"));
      console.log(`native = ${i.config.split(" ").slice(0, 2).join(" ")} (${i.corename} kernels${process.env.OPENBLAS_CORETYPE ? `, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE}` : ""}), n = ${rows.map((r) => r.n).join(", ")}:`);
      for (const k of nat) {
        const w = `wasm×${k.slice("native×".length)}`;
        const parts = [`vs js ${vs(k, "js")}`];
        if (names.includes(w)) parts.push(`vs ${w} ${vs(k, w)}`);
        else if (names.includes("wasm×1")) parts.push(`vs wasm×1 ${vs(k, "wasm×1")}`);
        console.log(`  ${k}: ${parts.join("; ")}`);
      }
    } else {
      console.log("native backend: not built (apt-get install libopenblas-dev && npm run build:native)");
    }
  }
  return rows;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? "—" : `${(a / b).toFixed(2)}×`;
}

function printTable(title: string, header: string[], rows: string[][]): void {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  console.log(title);
  console.log(header.map((h, i) => h.padStart(w[i])).join("  "));
  for (const r of rows) console.log(r.map((c, i) => c.padStart(w[i])).join("  "));
}

// standalone: node --import ./bench/ts-register.mjs bench/gemm.ts
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const sizes = arg("--sizes")?.split(",").map(Number);
  const threads = arg("--threads") !== undefined ? Number(arg("--threads")) : undefined;
  await runGemm({ sizes, threads });
}
