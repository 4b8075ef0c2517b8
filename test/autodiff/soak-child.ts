/**
 * Memory soak, run in a child process with --expose-gc by soak.test.ts:
 * training-style forward/backward loops, heap (JS heap + ArrayBuffers)
 * sampled after a full GC. Prints one JSON line.
 *
 * - "mlp64": a 64×64 layer, loss Σ tanh(XW + b)², backward, an SGD step that
 *   reads .grad.data and writes the new weights through .data (the exposure
 *   and snapshot paths), ITER64 iterations;
 * - "chain4": the 4×4 chain of the autograd-overhead benchmark (4 ops per
 *   step, small results from the shared chunks), ITER4 iterations: a leak of
 *   20 bytes per iteration would show as 2 MB.
 */
import { randn, tensor, noGrad, type Tensor } from "../../src/index.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("soak-child: run with node --expose-gc");
const [iter64, iter4] = process.argv.slice(2).map(Number);

function mem(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function run(name: string, iters: number, step: (i: number) => void): { name: string; iters: number; samples: number[]; ms: number } {
  const warm = Math.max(10, Math.floor(iters / 10));
  for (let i = 0; i < warm; i++) step(i);
  const samples = [mem()];
  const t0 = performance.now();
  const every = Math.max(1, Math.floor(iters / 8));
  for (let i = 0; i < iters; i++) {
    step(i);
    if ((i + 1) % every === 0) samples.push(mem());
  }
  return { name, iters, samples, ms: performance.now() - t0 };
}

const X = randn([64, 64], { seed: 1 });
let W = randn([64, 64], { seed: 2 }).mul(0.1).requiresGrad_();
const b = randn([64], { seed: 3, requiresGrad: true });
const mlp = run("mlp64", iter64, () => {
  W.grad = null;
  b.grad = null;
  X.matmul(W).add(b).tanh().square().sum().backward();
  // SGD: a new weight tensor from the gradient, and an in-place update of b through .data (after backward: allowed)
  W = noGrad(() => W.sub(W.grad!.mul(1e-3))).requiresGrad_();
  const g = b.grad!.data, d = b.data;
  for (let k = 0; k < d.length; k++) d[k] -= 1e-3 * g[k];
});

const X0 = randn([4, 4], { seed: 4 });
const W4 = randn([4, 4], { seed: 5 }).mul(0.5), B4 = randn([4, 4], { seed: 6 });
const chain = run("chain4", iter4, () => {
  const Wr = tensor(W4.data, { shape: [4, 4], requiresGrad: true });
  const Br = tensor(B4.data, { shape: [4, 4], requiresGrad: true });
  let x: Tensor = X0;
  x = x.matmul(Wr).add(Br).tanh().mul(0.5);
  x.sum().backward();
});

console.log(JSON.stringify([mlp, chain]));
