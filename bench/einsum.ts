/**
 * einsum against the equivalent hand-written matmul / permute program (issue 15
 * point 7: within 1.2×). Both sides run in the same process, alternating, best of five rounds;
 * the printed numbers are ratios (einsum time / hand-written time, <1.2 passes).
 */
import { einsum, matmul, mul, randn, sum, grad, type Tensor } from "../src/index.js";
import { timeIt, printTable, fmtNum } from "./util.js";

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

export async function runEinsum(): Promise<void> {
  const rows: (string | number)[][] = [];
  // alternate einsum and hand-written timings, five rounds, and keep each side's best: the machine is shared and noisy
  const best = async (fns: (() => unknown)[]): Promise<number[]> => {
    const t = fns.map(() => Infinity);
    for (let round = 0; round < 5; round++)
      for (let i = 0; i < fns.length; i++) t[i] = Math.min(t[i], await timeIt(fns[i], { minTime: 0.1, batches: 3 }));
    return t;
  };
  for (const c of cases()) {
    const argnums = c.inputs.map((_, i) => i);
    const gE = grad((...xs: Tensor[]) => sum(c.viaEinsum(...xs)), { argnums });
    const gH = grad((...xs: Tensor[]) => sum(c.byHand(...xs)), { argnums });
    const [fwdE, fwdH, bwdE, bwdH] = await best([
      () => c.viaEinsum(...c.inputs), () => c.byHand(...c.inputs), () => gE(...c.inputs), () => gH(...c.inputs),
    ]);
    rows.push([c.name, fmtNum(fwdE * 1e3), fmtNum(fwdH * 1e3), (fwdE / fwdH).toFixed(2), (bwdE / bwdH).toFixed(2)]);
  }
  printTable("einsum vs hand-written matmul/permute (ms per call; ratio = einsum / hand-written, target < 1.2)",
    ["case", "einsum fwd ms", "hand fwd ms", "fwd ratio", "fwd+grad ratio"], rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await runEinsum();
