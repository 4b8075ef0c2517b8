/**
 * vmap and batched Jacobians (issue 14), side by side with PyTorch's functorch
 * in one run: per-example gradients of a 2-layer MLP (64 → 64 → 1, tanh,
 * batch 256) against `vmap(grad)`; the 1024 × 1024 Jacobian of X ↦ X·X + sin X
 * at 32 × 32 against `jacrev` / `jacfwd` (and matgrad's per-entry loop,
 * `vectorize: false`); the 256 × 256 Hessian of logdet at 16 × 16 against
 * `hessian`. The PyTorch side is bench/vmap_torch.py, run as a child process
 * and asked to time each workload right before matgrad times it (so both run
 * under the same machine load); it needs Debian's python3-torch
 * (`apt-get install python3-torch`) — without it only matgrad's own ratios print.
 * Ratios, not absolute times (the machine is shared); targets: ≤ 1.5× of
 * PyTorch, and the batched Jacobian ≥ 5× faster than the per-entry loop.
 *
 * The per-example gradients are also timed as a hand-written JavaScript
 * program (forward and backward of the MLP in typed-array loops, no library):
 * the floor for any JavaScript implementation whose result lives in a
 * JavaScript array. Each call returns a fresh 8 MB gradient for W1, and
 * memory fresh from the OS is slow on some virtual machines (page faults of
 * ≈10–20 µs each); the table shows the page faults per call, and
 * docs/performance.md explains the allocator settings that avoid them. On
 * Linux the suite then runs once more in a child process with those settings
 * (glibc keeping freed memory; PyTorch's process inherits them too).
 *
 * Each workload is timed in three alternating rounds per side (every call on
 * its own); the tables give the ratio of medians (the targets) and of minimums.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { resourceUsage } from "node:process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { backend, randn, zeros, eye, grad, vmap, jacobian, hessian, matmul, tanh, sin, add, sub, mul, mT, linalg, reshape, type Tensor } from "../src/index.js";
import { timeIt, printTable, ratio, fmtNum } from "./util.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Median and minimum seconds per call. */
interface Stats {
  median: number;
  min: number;
}

/**
 * Every call timed on its own (the workloads take milliseconds) for at least
 * `minTime` seconds after two warm-up calls: median and minimum. The median
 * is what the targets are read on (as PyTorch's side reports); the minimum
 * shows the work without the machine's stalls (page faults, GC, other load).
 */
function timeCalls(fn: () => unknown, minTime = 0.5): number[] {
  fn();
  fn();
  const times: number[] = [];
  const end = performance.now() + minTime * 1000;
  while (times.length < 5 || (performance.now() < end && times.length < 400)) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  return times;
}

/** Wait until the other side's BLAS threads have stopped spinning (OpenBLAS spins ≈0.1 s after a call by default). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 400));

function stats(times: number[]): Stats {
  const s = times.slice().sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0] };
}

/** glibc settings that keep freed memory in the process (see docs/performance.md). */
const KEEP_MEMORY = { MALLOC_MMAP_THRESHOLD_: "33554432", MALLOC_TRIM_THRESHOLD_: "1073741824" };

/** A line-oriented client of bench/vmap_torch.py, or null when PyTorch is not installed. */
async function startTorch(): Promise<{ time: (name: string) => Promise<Stats>; stop: () => void; version: string } | null> {
  const python = ["/usr/bin/python3", "python3"].find((p) => p === "python3" || existsSync(p))!;
  let child: ChildProcessWithoutNullStreams;
  try {
    // the same number of threads as matgrad's backend (OpenBLAS / WASM workers) uses
    const threads = String(backend().threads?.() ?? 1);
    child = spawn(python, [join(here, "vmap_torch.py"), threads], { stdio: ["pipe", "pipe", "pipe"] });
  } catch {
    return null;
  }
  const lines = createInterface({ input: child.stdout });
  const queue: ((line: string) => void)[] = [];
  lines.on("line", (l) => queue.shift()?.(l));
  const next = (): Promise<string> => new Promise((resolve) => queue.push(resolve));
  const failed = new Promise<null>((resolve) => {
    child.on("error", () => resolve(null));
    child.on("exit", () => resolve(null));
  });
  const first = await Promise.race([next(), failed]);
  if (first === null) return null;
  const version = (JSON.parse(first) as { ready: string }).ready;
  return {
    version,
    time: async (name: string) => {
      child.stdin.write(name + "\n");
      const r = JSON.parse(await next()) as { seconds: number; min: number };
      return { median: r.seconds, min: r.min };
    },
    stop: () => {
      child.stdin.write("quit\n");
      child.stdin.end();
    },
  };
}

export async function runVmap(): Promise<void> {
  // --- the workloads (the same as bench/vmap_torch.py) ---
  const D = 64, H = 64, B = 256;
  const params = {
    W1: randn([H, D], { seed: 1 }).mul(1 / Math.sqrt(D)),
    b1: zeros([H]),
    W2: randn([1, H], { seed: 2 }).mul(1 / Math.sqrt(H)),
    b2: zeros([1]),
  };
  type P = typeof params;
  const X = randn([B, D], { seed: 3 }), Y = randn([B], { seed: 4 });
  const loss = (p: P, x: Tensor, y: Tensor): Tensor => {
    const h = tanh(add(matmul(p.W1, x), p.b1));
    const out = reshape(add(matmul(p.W2, h), p.b2), []);
    const r = sub(out, y);
    return mul(r, r);
  };
  const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] });
  // the same per-example gradients written by hand in typed-array loops (checked against vmap below)
  const [w1, bias1, w2, bias2, xs, ys] = [params.W1, params.b1, params.W2, params.b2, X, Y].map((t) => t.data);
  const byHand = (): Float64Array[] => {
    const gW1 = new Float64Array(B * H * D), gb1 = new Float64Array(B * H), gW2 = new Float64Array(B * H), gb2 = new Float64Array(B);
    const h = new Float64Array(H);
    for (let b = 0; b < B; b++) {
      const xo = b * D;
      let out = bias2[0];
      for (let i = 0; i < H; i++) {
        let z = bias1[i];
        for (let j = 0, wo = i * D; j < D; j++) z += w1[wo + j] * xs[xo + j];
        h[i] = Math.tanh(z);
        out += w2[i] * h[i];
      }
      const g = 2 * (out - ys[b]); // ∂(out − y)²/∂out
      gb2[b] = g;
      for (let i = 0; i < H; i++) {
        gW2[b * H + i] = g * h[i];
        const dz = g * w2[i] * (1 - h[i] * h[i]);
        gb1[b * H + i] = dz;
        for (let j = 0, oo = (b * H + i) * D; j < D; j++) gW1[oo + j] = dz * xs[xo + j];
      }
    }
    return [gW1, gb1, gW2, gb2];
  };
  {
    const ours = perExample(params, X, Y).W1.data, hand = byHand()[0];
    let err = 0;
    for (let i = 0; i < hand.length; i++) err = Math.max(err, Math.abs(ours[i] - hand[i]));
    if (!(err < 1e-12)) throw new Error(`bench vmap: the hand-written per-example gradient differs from vmap(grad) by ${err}`);
  }
  const A = randn([32, 32], { seed: 5 }).mul(1 / Math.sqrt(32));
  const f = (x: Tensor): Tensor => add(matmul(x, x), sin(x));
  const S0 = randn([16, 16], { seed: 6 });
  const S = add(matmul(S0, mT(S0)).mul(1 / 16), eye(16));
  const logdet = (x: Tensor): Tensor => linalg.logdet(x);
  const ours: Record<string, () => unknown> = {
    perExampleGrad: () => perExample(params, X, Y),
    jacrev: () => jacobian(f)(A),
    jacfwd: () => jacobian(f, { mode: "forward" })(A),
    hessianLogdet: () => hessian(logdet)(S),
  };
  const torch = await startTorch();
  const allocator = process.env.MALLOC_TRIM_THRESHOLD_ === undefined ? "glibc defaults" : `MALLOC_MMAP_THRESHOLD_=${process.env.MALLOC_MMAP_THRESHOLD_ ?? "(default)"} MALLOC_TRIM_THRESHOLD_=${process.env.MALLOC_TRIM_THRESHOLD_}`;
  // three alternating rounds per workload (PyTorch, then matgrad), all calls pooled
  const times: Record<string, Stats> = {};
  const rows: string[][] = [];
  const ratioOf = (a: number, b: number): string => (Number.isFinite(b) ? ratio(a, b) : "—");
  const versus = async (name: string, fn: () => unknown): Promise<[Stats, Stats]> => {
    const ours: number[] = [], theirs: Stats[] = [];
    for (let round = 0; round < 3; round++) {
      // a pause before each side: BLAS worker threads (OpenBLAS, OpenMP) spin for a while after
      // their last call, and on a machine with few cores the other side's spinning threads
      // would be timed as part of this side's work
      await settle();
      if (torch !== null) theirs.push(await torch.time(name));
      await settle();
      ours.push(...timeCalls(fn));
    }
    const t: Stats = theirs.length === 0 ? { median: NaN, min: NaN } : { median: Math.min(...theirs.map((x) => x.median)), min: Math.min(...theirs.map((x) => x.min)) };
    return [stats(ours), t];
  };
  for (const name of Object.keys(ours)) {
    const [m, t] = await versus(name, ours[name]);
    times[name] = m;
    rows.push([name, ratioOf(m.median, t.median), ratioOf(m.min, t.min), torch === null ? "—" : m.median / t.median <= 1.5 ? "yes" : "no"]);
  }
  printTable(
    `vmap and batched Jacobians: matgrad time / PyTorch ${torch?.version ?? "(not installed: apt-get install python3-torch)"} functorch time, ${backend().name} backend, ${backend().threads?.() ?? 1} thread(s) each, ${allocator} (target ≤ 1.5× on the medians)`,
    ["workload", "median / median", "min / min", "≤ 1.5×"], rows,
  );
  // the hand-written floor against the same PyTorch workload; page faults per call of each side
  const faults = (fn: () => unknown): number => {
    const r0 = resourceUsage().minorPageFault;
    for (let i = 0; i < 20; i++) fn();
    return (resourceUsage().minorPageFault - r0) / 20;
  };
  const [hand, torchPe] = await versus("perExampleGrad", byHand);
  const pe = times.perExampleGrad;
  torch?.stop();
  printTable(
    "per-example gradients (MLP 64 → 64 → 1, batch 256) against the same program written by hand in JavaScript typed-array loops (the floor of a JavaScript implementation); medians (minimums)",
    ["", "time / PyTorch", "time / hand-written", "page faults per call"],
    [
      ["matgrad vmap(grad)", `${ratioOf(pe.median, torchPe.median)} (${ratioOf(pe.min, torchPe.min)})`, `${ratio(pe.median, hand.median)} (${ratio(pe.min, hand.min)})`, fmtNum(faults(ours.perExampleGrad))],
      ["hand-written JavaScript", `${ratioOf(hand.median, torchPe.median)} (${ratioOf(hand.min, torchPe.min)})`, "1.00× (1.00×)", fmtNum(faults(byHand))],
    ],
  );
  // the batched Jacobian against matgrad's per-entry loop (one VJP / JVP pass per entry)
  await settle();
  const loopRev = await timeIt(() => jacobian(f, { vectorize: false })(A), { minTime: 0.5, batches: 3, warmup: 1 });
  const loopFwd = await timeIt(() => jacobian(f, { mode: "forward", vectorize: false })(A), { minTime: 0.5, batches: 3, warmup: 1 });
  const loopHess = await timeIt(() => hessian(logdet, { vectorize: false })(S), { minTime: 0.5, batches: 3, warmup: 1 });
  printTable("batched passes against one pass per entry (target ≥ 5× faster)", ["workload", "per-entry loop / batched"], [
    ["jacobian reverse 1024×1024", ratio(loopRev, times.jacrev.median)],
    ["jacobian forward 1024×1024", ratio(loopFwd, times.jacfwd.median)],
    ["hessian logdet 256×256", ratio(loopHess, times.hessianLogdet.median)],
  ]);
  // on Linux, once more with glibc keeping freed memory (both processes), unless that is already the case
  if (process.platform === "linux" && process.env.MALLOC_TRIM_THRESHOLD_ === undefined) {
    console.log("\nvmap, again with glibc keeping freed memory in the process (fresh memory is slow on some virtual machines):");
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env: { ...process.env, ...KEEP_MEMORY }, stdio: "inherit" });
      child.on("exit", () => resolve());
      child.on("error", () => resolve());
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runVmap();
