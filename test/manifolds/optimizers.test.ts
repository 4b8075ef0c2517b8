import { describe, it, expect } from "vitest";
import { Tensor, randn, sum, mul, matmul, mT, trace, tensor, grad, linalg, manifolds, optim } from "../../src/index.js";

const frob = (t: Tensor) => Math.sqrt(sum(mul(t, t)).item());

describe("Riemannian SGD / Adam transformations", () => {
  it("decrease the Brockett cost on Stiefel and keep the iterates on the manifold", () => {
    const n = 6, p = 2;
    const G = randn([n, n], { seed: 3 });
    const A = mul(matmul(G, mT(G)), 1 / n);
    const N = linalg.inv(tensor([[1, 0], [0, 2]]));
    const St = manifolds.stiefel(n, p);
    const cost = (X: Tensor) => trace(matmul(matmul(matmul(mT(X), A), X), N)).neg();
    const top = linalg.eigvalsh(A).toArray().slice(n - p).reverse();
    const best = -(top[0] * 1 + top[1] * 0.5);
    for (const opt of [manifolds.riemannianSgd(St, { lr: 0.2, momentum: 0.5 }), manifolds.riemannianAdam(St, { lr: 0.05 })]) {
      let X = { X: St.random(4) };
      let state = opt.init(X);
      for (let k = 0; k < 600; k++) {
        const g = { X: grad(cost)(X.X) as Tensor };
        const r = opt.update(g, state, X);
        state = r.state;
        expect(frob(St.proj(X.X, r.updates.X).sub(r.updates.X))).toBeLessThan(1e-12);
        X = manifolds.applyUpdates(St, X, r.updates);
      }
      expect(St.check(X.X)).toBeLessThan(1e-12);
      expect(cost(X.X).item() - best).toBeLessThan(1e-4);
    }
    // they compose with optim.chain like any transformation
    const ch = optim.chain(optim.clipByGlobalNorm(1), manifolds.riemannianSgd(St, { lr: 0.1 }));
    const X0 = St.random(5);
    expect(() => ch.update(X0, ch.init(X0))).toThrow(/needs params/);
  });
});
