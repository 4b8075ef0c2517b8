/**
 * Walkthrough: vmap — write a function for one example, run it on a batch.
 * Per-example gradients of a small network, and the 1024 × 1024 Jacobian of
 * X ↦ X·X + sin X in one batched pass, each checked against a loop.
 */
import { vmap, grad, jacobian, randn, zeros, matmul, tanh, sin, add, sub, mul, reshape, slice, stack, Tensor } from "../src/index.js";

const maxAbs = (t: Tensor): number => t.abs().max().item();
const row = (x: Tensor, i: number): Tensor => reshape(slice(x, [i, i + 1]), x.shape.slice(1));

export function vmapSection(log: (s: string) => void = console.log): void {
  log("── vmap: batches without loops ────────────────────────────────────────");
  interface Params { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor }
  const p: Params = { W1: randn([32, 8], { seed: 1 }).mul(0.3), b1: zeros([32]), W2: randn([1, 32], { seed: 2 }).mul(0.2), b2: zeros([1]) };
  const loss = (q: Params, x: Tensor, y: Tensor): Tensor => {
    const r = sub(reshape(add(matmul(q.W2, tanh(add(matmul(q.W1, x), q.b1))), q.b2), []), y);
    return mul(r, r);
  };
  const X = randn([64, 8], { seed: 3 }), Y = randn([64], { seed: 4 });
  const per = vmap(grad(loss), { inAxes: [null, 0, 0] })(p, X, Y);
  const ref = stack(Array.from({ length: 64 }, (_, i) => grad(loss)(p, row(X, i), row(Y, i)).W1));
  const errPer = maxAbs(sub(per.W1, ref));
  log(`per-example gradients: vmap(grad(loss), { inAxes: [null, 0, 0] }) → W1 ${per.W1.shape.join("×")}; vs a loop ${errPer.toExponential(1)}`);

  const f = (x: Tensor): Tensor => add(matmul(x, x), sin(x));
  const A = randn([32, 32], { seed: 5 }).mul(1 / Math.sqrt(32));
  const J = jacobian(f)(A);
  const Jf = jacobian(f, { mode: "forward", chunkSize: 256 })(A);
  const errJ = maxAbs(sub(J, Jf));
  log(`jacobian of X·X + sin X at 32×32: [${J.shape.join(", ")}], one vmapped VJP; forward mode in chunks of 256 agrees to ${errJ.toExponential(1)}`);
  if (errPer > 1e-13 || errJ > 1e-12) throw new Error("walkthrough: vmap section is off");
  log("");
}
