/**
 * Walkthrough: optimizers, each answer checked.
 *
 * 1. Rosenbrock with L-BFGS (optim.minimize): the minimizer is (1, …, 1).
 * 2. Logistic regression trained with Adam (optim.adam + chain + a cosine
 *    schedule) on parameters { w, b } — a pytree — against the L-BFGS optimum
 *    of the same (strictly convex, L2-regularized) loss.
 * 3. Low-rank matrix completion: a rank-2 20 × 20 matrix from half its
 *    entries, by L-BFGS over the factors { U, V }; the unobserved entries are
 *    recovered.
 */
import {
  Tensor, tensor, randn, rand, zeros, matmul, mT, sub, mul, add, sum, mean, slice, stack, logsumexp, valueAndGrad, gt, optim,
} from "../src/index.js";

const maxAbs = (t: Tensor): number => t.abs().max().item();

/** f(x) = Σ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)². */
export function rosenbrock(x: Tensor): Tensor {
  const n = x.shape[0];
  const a = slice(x, [0, n - 1]), b = slice(x, [1, n]);
  const t = sub(b, mul(a, a)), u = sub(1, a);
  return sum(add(mul(mul(t, t), 100), mul(u, u)));
}

export function optimizationSection(log: (s: string) => void = console.log): void {
  log("── Optimizers: optax-style transformations and scipy-style minimize ───");
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) failures.push(what);
  };

  // 1. Rosenbrock with L-BFGS
  {
    const x0 = tensor(Array.from({ length: 10 }, (_, k) => (k % 2 === 0 ? -1.2 : 1)));
    const res = optim.minimize(rosenbrock, x0, { method: "lbfgs", gtol: 1e-8, ftol: 0 });
    const err = maxAbs(sub(res.x, 1));
    log(`  Rosenbrock n = 10 by lbfgs: ${res.nit} iterations, ${res.nfev} evaluations, ‖x − 1‖max = ${err.toExponential(1)}`);
    check(res.success && err < 1e-7, `Rosenbrock: ${res.message}, error ${err}`);
  }

  // 2. logistic regression with Adam over a pytree { w, b }
  {
    const n = 200, d = 5;
    const X = randn([n, d], { seed: 41 });
    const wTrue = tensor([1.5, -2, 0.5, 0, 1]);
    const noise = mul(randn([n], { seed: 42 }), 0.8);
    const s = sub(mul(gt(add(matmul(X, wTrue), noise), 0), 2), 1); // labels ±1
    type Params = { w: Tensor; b: Tensor };
    // mean softplus(−s·(Xw + b)) + 0.005‖w‖², softplus(z) = logsumexp([0, z]) (stable)
    const loss = (p: Params): Tensor => {
      const z = mul(s, add(matmul(X, p.w), p.b)).neg();
      return add(mean(logsumexp(stack([zeros([n]), z], -1), -1)), mul(sum(mul(p.w, p.w)), 0.005));
    };
    const ref = optim.minimize(loss, { w: zeros([d]), b: zeros([]) }, { gtol: 1e-10 });
    const opt = optim.chain(optim.clipByGlobalNorm(10), optim.adam({ lr: optim.cosineDecay({ init: 0.1, decaySteps: 1500, alpha: 0.01 }) }));
    let params: Params = { w: zeros([d]), b: zeros([]) };
    let state = opt.init(params);
    const lossAndGrad = valueAndGrad((w: Tensor, b: Tensor) => loss({ w, b }), { argnums: [0, 1] });
    for (let step = 0; step < 1500; step++) {
      const { grad } = lossAndGrad(params.w, params.b) as { grad: Tensor[] };
      const r = opt.update({ w: grad[0], b: grad[1] }, state, params);
      state = r.state;
      params = optim.applyUpdates(params, r.updates);
    }
    const err = Math.max(maxAbs(sub(params.w, ref.x.w)), maxAbs(sub(params.b, ref.x.b)));
    log(`  logistic regression: Adam (1500 steps, cosine schedule) vs L-BFGS optimum: ‖Δw, Δb‖max = ${err.toExponential(1)}`);
    check(ref.success && err < 1e-4, `logistic regression: ${ref.message}, Adam error ${err}`);
  }

  // 3. low-rank matrix completion
  {
    const m = 20, r = 2;
    const M = matmul(randn([m, r], { seed: 51 }), mT(randn([m, r], { seed: 52 })));
    const mask = gt(rand([m, m], { seed: 53 }), 0.5); // 1 = observed
    const cost = (p: { U: Tensor; V: Tensor }) => {
      const E = mul(sub(matmul(p.U, mT(p.V)), M), mask);
      return mul(sum(mul(E, E)), 0.5);
    };
    const x0 = { U: mul(randn([m, r], { seed: 54 }), 0.5), V: mul(randn([m, r], { seed: 55 }), 0.5) };
    const res = optim.minimize(cost, x0, { method: "lbfgs", gtol: 1e-10, ftol: 0, maxIter: 5000 });
    const completed = matmul(res.x.U, mT(res.x.V));
    const unobserved = sub(1, mask);
    const err = maxAbs(mul(sub(completed, M), unobserved)) / maxAbs(M);
    log(`  matrix completion (rank ${r}, ${m}×${m}, ${Math.round(sum(mask).item())} of ${m * m} entries seen): relative error on the unseen entries ${err.toExponential(1)}`);
    check(res.success && err < 1e-6, `matrix completion: ${res.message}, error ${err}`);
  }

  if (failures.length > 0) throw new Error(`optimization walkthrough failed:\n  ${failures.join("\n  ")}`);
}

if (import.meta.url === `file://${process.argv[1]}`) optimizationSection();
