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
 * docs/performance.md explains the allocator settings that avoid them.
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

/** A line-oriented client of bench/vmap_torch.py, or null when PyTorch is not installed. */
async function startTorch(): Promise<{ time: (name: string) => Promise<number>; stop: () => void; version: string } | null> {
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
      return (JSON.parse(await next()) as { seconds: number }).seconds;
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
  const rows: string[][] = [];
  const times: Record<string, number> = {};
  for (const name of Object.keys(ours)) {
    const tt = torch === null ? NaN : await torch.time(name);
    const tm = await timeIt(ours[name], { minTime: 0.5 });
    times[name] = tm;
    rows.push([name, torch === null ? "—" : ratio(tm, tt), torch === null ? "—" : (tm / tt <= 1.5 ? "yes" : "no")]);
  }
  // the hand-written floor, timed right after the same PyTorch workload again; page faults per call of each side
  const faults = (fn: () => unknown): number => {
    const r0 = resourceUsage().minorPageFault;
    for (let i = 0; i < 20; i++) fn();
    return (resourceUsage().minorPageFault - r0) / 20;
  };
  const tTorch = torch === null ? NaN : await torch.time("perExampleGrad");
  const tHand = await timeIt(byHand, { minTime: 0.5 });
  const tOurs = await timeIt(ours.perExampleGrad, { minTime: 0.5 });
  const fHand = faults(byHand), fOurs = faults(ours.perExampleGrad);
  torch?.stop();
  printTable(
    `vmap and batched Jacobians: matgrad time / PyTorch ${torch?.version ?? "(not installed: apt-get install python3-torch)"} functorch time, ${backend().name} backend, ${backend().threads?.() ?? 1} thread(s) each (target ≤ 1.5×)`,
    ["workload", "matgrad / torch", "≤ 1.5×"], rows,
  );
  printTable(
    "per-example gradients (MLP 64 → 64 → 1, batch 256) against the same program written by hand in JavaScript typed-array loops (the floor of a JavaScript implementation)",
    ["", "time / PyTorch", "matgrad / hand-written", "page faults per call"],
    [
      ["matgrad vmap(grad)", torch === null ? "—" : ratio(tOurs, tTorch), ratio(tOurs, tHand), fmtNum(fOurs)],
      ["hand-written JavaScript", torch === null ? "—" : ratio(tHand, tTorch), "1.00×", fmtNum(fHand)],
    ],
  );
  // the batched Jacobian against matgrad's per-entry loop (one VJP / JVP pass per entry)
  const loopRev = await timeIt(() => jacobian(f, { vectorize: false })(A), { minTime: 0.5, batches: 3, warmup: 1 });
  const loopFwd = await timeIt(() => jacobian(f, { mode: "forward", vectorize: false })(A), { minTime: 0.5, batches: 3, warmup: 1 });
  const loopHess = await timeIt(() => hessian(logdet, { vectorize: false })(S), { minTime: 0.5, batches: 3, warmup: 1 });
  printTable("batched passes against one pass per entry (target ≥ 5× faster)", ["workload", "per-entry loop / batched"], [
    ["jacobian reverse 1024×1024", ratio(loopRev, times.jacrev)],
    ["jacobian forward 1024×1024", ratio(loopFwd, times.jacfwd)],
    ["hessian logdet 256×256", ratio(loopHess, times.hessianLogdet)],
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await runVmap();
