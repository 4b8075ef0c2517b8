/**
 * Cost of the transforms (issue 4): on energy(X) = trace((XX)ᵀ(XX)) at n = 128,
 * jvp against the forward pass (target ≤ ~3×) and hvp against a gradient (target ≤ ~5×).
 */
import { randn, grad, jvp, hvp, Tensor, matmul, trace, mT, noGrad } from "../src/index.js";
import { timeIt, printTable } from "./util.js";

const energy = (X: Tensor): Tensor => {
  const Y = matmul(X, X);
  return trace(matmul(mT(Y), Y));
};

export async function runTransforms(n = 128): Promise<void> {
  const X = randn([n, n], { seed: 1 }).mul(1 / Math.sqrt(n));
  const V = randn([n, n], { seed: 2 });
  const tFwd = await timeIt(() => noGrad(() => energy(X)));
  const tJvp = await timeIt(() => jvp(energy, [X], [V]));
  const tGrad = await timeIt(() => grad(energy)(X));
  const tHvp = await timeIt(() => hvp(energy, [X], [V]));
  printTable(`transform cost on energy at n = ${n} (ratios; targets: jvp ≤ ~3× forward, hvp ≤ ~5× grad)`,
    ["measure", "ratio"],
    [["jvp / forward", (tJvp / tFwd).toFixed(2) + "×"], ["grad / forward", (tGrad / tFwd).toFixed(2) + "×"], ["hvp / grad", (tHvp / tGrad).toFixed(2) + "×"]]);
}

if (import.meta.url === `file://${process.argv[1]}`) await runTransforms();
