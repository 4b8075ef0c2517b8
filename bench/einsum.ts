/**
 * einsum against the equivalent hand-written matmul / permute program (issue 15
 * point 7: within 1.2×). Both sides run in the same process, alternating
 * batches; the printed numbers are ratios (einsum time / hand-written time,
 * ≤ 1.2 passes) of the minimum over the batches, and of the median.
 * Run alone: `node --import ./bench/ts-register.mjs bench/einsum.ts`.
 */
import { einsum, matmul, mul, randn, sum, grad, type Tensor } from "../src/index.js";
import { printTable, fmtNum } from "./util.js";

interface Case {
  name: string;
  inputs: Tensor[];
  viaEinsum: (...xs: Tensor[]) => Tensor;
  byHand: (...xs: Tensor[]) => Tensor;
}

const cases = (): Case[] => [
  {
    name: "bij,bjk->bik (16×64×64)",
    inputs: [randn([16, 64, 64], { seed: 1 }), randn([16, 64, 64], { seed: 2 })],
    viaEinsum: (a, b) => einsum("bij,bjk->bik", a, b),
    byHand: (a, b) => matmul(a, b),
  },
  {
    name: "ij,jk,kl->il (128×64·64×128·128×32)",
    inputs: [randn([128, 64], { seed: 3 }), randn([64, 128], { seed: 4 }), randn([128, 32], { seed: 5 })],
    viaEinsum: (a, b, c) => einsum("ij,jk,kl->il", a, b, c),
    // the cheaper order, written by hand: A·(B·C)
    byHand: (a, b, c) => matmul(a, matmul(b, c)),
  },
  {
    name: "bi,ij,bj->b (256×64, 64×64)",
    inputs: [randn([256, 64], { seed: 6 }), randn([64, 64], { seed: 7 }), randn([256, 64], { seed: 8 })],
    viaEinsum: (x, W, y) => einsum("bi,ij,bj->b", x, W, y),
    byHand: (x, W, y) => sum(mul(matmul(x, W), y), -1),
  },
  // small operands: the per-call overhead (parsing, planning, dispatch) is the whole cost
  {
    name: "ij,j->i (8×8, 8)",
    inputs: [randn([8, 8], { seed: 9 }), randn([8], { seed: 10 })],
    viaEinsum: (a, v) => einsum("ij,j->i", a, v),
    byHand: (a, v) => matmul(a, v),
  },
  {
    name: "bij,bjk->bik (4×4×4)",
    inputs: [randn([4, 4, 4], { seed: 11 }), randn([4, 4, 4], { seed: 12 })],
    viaEinsum: (a, b) => einsum("bij,bjk->bik", a, b),
    byHand: (a, b) => matmul(a, b),
  },
  {
    name: "bi,ij,bj->b (4×8, 8×8)",
    inputs: [randn([4, 8], { seed: 13 }), randn([8, 8], { seed: 14 }), randn([4, 8], { seed: 15 })],
    viaEinsum: (x, W, y) => einsum("bi,ij,bj->b", x, W, y),
    byHand: (x, W, y) => sum(mul(matmul(x, W), y), -1),
  },
];

/**
 * Seconds per call of each fn over `rounds` alternating batches of ≈`batchTime` seconds
 * (batch sizes calibrated first): the minimum, the least disturbed estimate on a shared
 * machine, and the median. Batches are short (2 ms, below a scheduler time slice) so
 * that some run without being preempted even when the cores are oversubscribed.
 */
function alternate(fns: (() => unknown)[], rounds = 60, batchTime = 0.002): { min: number[]; median: number[] } {
  const reps = fns.map((fn) => {
    for (let i = 0; i < 20; i++) fn(); // warm-up
    let n = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      const dt = (performance.now() - t0) / 1000;
      if (dt >= batchTime || n >= 1 << 22) return n;
      n *= dt > 0 ? Math.min(10, Math.max(2, Math.ceil(batchTime / dt))) : 10;
    }
  });
  const per = fns.map((): number[] => []);
  for (let r = 0; r < rounds; r++)
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      for (let k = 0; k < reps[i]; k++) fn();
      per[i].push((performance.now() - t0) / 1000 / reps[i]);
    });
  for (const p of per) p.sort((a, b) => a - b);
  return { min: per.map((p) => p[0]), median: per.map((p) => p[p.length >> 1]) };
}

export async function runEinsum(): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const c of cases()) {
    const xs = c.inputs, argnums = xs.map((_, i) => i);
    const gE = grad((...ys: Tensor[]) => sum(c.viaEinsum(...ys)), { argnums });
    const gH = grad((...ys: Tensor[]) => sum(c.byHand(...ys)), { argnums });
    // fixed-arity thunks: no spread per call on either side
    const call = (f: (...ys: Tensor[]) => unknown): (() => unknown) =>
      xs.length === 2 ? () => f(xs[0], xs[1]) : () => f(xs[0], xs[1], xs[2]);
    const { min, median } = alternate([call(c.viaEinsum), call(c.byHand), call(gE), call(gH)]);
    const r = (t: number[], i: number): string => (t[i] / t[i + 1]).toFixed(2);
    rows.push([c.name, fmtNum(min[0] * 1e3), fmtNum(min[1] * 1e3), r(min, 0), r(min, 2), `${r(median, 0)} / ${r(median, 2)}`]);
  }
  printTable("einsum vs hand-written matmul/permute (ms per call, minimum of 60 alternating batches; ratio = einsum / hand-written, target ≤ 1.2)",
    ["case", "einsum fwd ms", "hand fwd ms", "fwd ratio", "fwd+grad ratio", "median ratios fwd / fwd+grad"], rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await runEinsum();
