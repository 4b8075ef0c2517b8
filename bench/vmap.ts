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
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { backend, randn, zeros, eye, grad, vmap, jacobian, hessian, matmul, tanh, sin, add, sub, mul, mT, linalg, reshape, type Tensor } from "../src/index.js";
import { timeIt, printTable, ratio } from "./util.js";

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
  torch?.stop();
  printTable(
    `vmap and batched Jacobians: matgrad time / PyTorch ${torch?.version ?? "(not installed: apt-get install python3-torch)"} functorch time, ${backend().name} backend, ${backend().threads?.() ?? 1} thread(s) each (target ≤ 1.5×)`,
    ["workload", "matgrad / torch", "≤ 1.5×"], rows,
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
