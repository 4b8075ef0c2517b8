import { describe, it, expect } from "vitest";
import { Tensor, randn, sum, mul, sin, matmul, mT, trace, tensor, grad, hvp, ArgumentError, ShapeError, linalg, manifolds, optim } from "../../src/index.js";

type M = manifolds.Manifold;
const all: M[] = [manifolds.sphere(5), manifolds.sphere(3, 2), manifolds.stiefel(5, 2), manifolds.orthogonal(3), manifolds.grassmann(5, 2), manifolds.spd(3)];
const frob = (t: Tensor) => Math.sqrt(sum(mul(t, t)).item());

// a smooth ambient function with a non-trivial gradient and Hessian
const f = (x: Tensor): Tensor => add3(sum(mul(mul(x, x), x)).mul(1 / 3), sum(sin(x)), sum(mul(x, x)).mul(0.25));
function add3(a: Tensor, b: Tensor, c: Tensor): Tensor {
  return a.add(b).add(c);
}

describe.each(all.map((m) => [m.name, m] as const))("%s", (_name, M) => {
  const x = M.random(3);
  const u = M.randomTangent(x, 4);

  it("random points are on the manifold; check measures the distance", () => {
    expect(M.check(x)).toBeLessThan(1e-12);
    expect(M.check(x.add(mul(randn(M.shape, { seed: 9 }), 1e-3)))).toBeGreaterThan(1e-5);
    expect(M.norm(x, u)).toBeCloseTo(1, 12);
  });

  it("proj is idempotent and lands in the tangent space; the retraction stays on the manifold", () => {
    const a = randn(M.shape, { seed: 5 });
    const p = M.proj(x, a);
    expect(frob(M.proj(x, p).sub(p))).toBeLessThan(1e-12);
    for (const t of [1e-3, 0.3, 2]) expect(M.check(M.retr(x, u.mul(t)))).toBeLessThan(1e-11);
    expect(frob(M.retr(x, u.mul(0)).sub(x))).toBeLessThan(1e-12);
    if (M.exp !== undefined) expect(M.check(M.exp(x, u.mul(0.7)))).toBeLessThan(1e-11);
  });

  it("vector transport lands in the tangent space at the new point", () => {
    const y = M.retr(x, u.mul(0.5));
    const v = M.transp(x, y, M.randomTangent(x, 6));
    expect(frob(M.proj(y, v).sub(v))).toBeLessThan(1e-12);
  });

  it("the Riemannian gradient matches finite differences along retraction curves", () => {
    const rg = M.egrad2rgrad(x, grad(f)(x) as Tensor);
    expect(frob(M.proj(x, rg).sub(rg))).toBeLessThan(1e-12);
    for (const seed of [7, 8]) {
      const v = M.randomTangent(x, seed);
      const h = 1e-5;
      const fd = (f(M.retr(x, v.mul(h))).item() - f(M.retr(x, v.mul(-h))).item()) / (2 * h);
      expect(Math.abs(fd - M.inner(x, rg, v))).toBeLessThan(1e-8);
    }
  });

  it("ehess2rhess matches finite differences of the Riemannian gradient", () => {
    const eg = grad(f)(x) as Tensor;
    const eh = (hvp(f, [x], [u]) as Tensor[])[0];
    const H = M.ehess2rhess(x, eg, eh, u);
    const h = 1e-5;
    if (M.exp !== undefined) {
      // ⟨Hess f[u], u⟩ = d²/dt² f(exp_x(tu)) along the geodesic
      const f0 = f(x).item(), fp = f(M.exp(x, u.mul(h))).item(), fm = f(M.exp(x, u.mul(-h))).item();
      expect(Math.abs((fp - 2 * f0 + fm) / (h * h) - M.inner(x, H, u))).toBeLessThan(1e-4);
    }
    if (!M.name.startsWith("spd")) {
      // Riemannian submanifold: Hess f(x)[u] = P_x(D grad f(x)[u]) along any curve with velocity u
      const rg = (p: Tensor) => M.egrad2rgrad(p, grad(f)(p) as Tensor);
      const D = rg(M.retr(x, u.mul(h))).sub(rg(M.retr(x, u.mul(-h)))).mul(1 / (2 * h));
      expect(frob(M.proj(x, D).sub(H))).toBeLessThan(1e-7);
    }
  });
});

describe("manifolds.minimize", () => {
  it("rtr and rcg find the smallest eigenvector on the sphere", () => {
    const G = randn([6, 6], { seed: 1 });
    const A = matmul(G, mT(G));
    const S = manifolds.sphere(6);
    const lmin = linalg.eigvalsh(A).data[0];
    for (const method of ["rtr", "rcg"] as const) {
      const r = manifolds.minimize((x) => matmul(x, matmul(A, x)), S.random(2), { manifold: S, method, gtol: 1e-7, maxIter: 5000 });
      expect(r.success, r.message).toBe(true);
      expect(Math.abs(r.fun - lmin)).toBeLessThan(1e-10);
      expect(S.check(r.x)).toBeLessThan(1e-12);
    }
  });

  it("a starting point off the manifold raises ArgumentError with its distance", () => {
    const St = manifolds.stiefel(4, 2);
    const bad = St.random(1).mul(1.1);
    const d = St.check(bad);
    expect(() => manifolds.minimize((x) => sum(x), bad, { manifold: St })).toThrow(ArgumentError);
    expect(() => manifolds.minimize((x) => sum(x), bad, { manifold: St })).toThrow(`manifolds.minimize: x0 is not on stiefel(4, 2): its distance to the manifold is ${d.toExponential(3)}`);
    expect(() => manifolds.minimize((x) => sum(x), tensor([[1, 0], [0, -1]]), { manifold: manifolds.spd(2) })).toThrow(/x0 is not on spd\(2\): its distance to the manifold is 1\.000e\+0/);
    expect(() => manifolds.minimize((x) => sum(x), tensor([[1, 0], [0, 0]]), { manifold: manifolds.spd(2) })).toThrow(/not positive definite \(smallest eigenvalue 0/);
    expect(() => manifolds.minimize((x) => sum(x), randn([3, 2]), { manifold: St })).toThrow(ShapeError);
    expect(() => manifolds.riemannianAdam(St, { lr: 0.1 }).init(bad)).toThrow(/manifolds\.riemannianAdam\.init: params is not on stiefel\(4, 2\): its distance/);
  });

  it("a non-finite loss stops with success false naming the iteration", () => {
    const S = manifolds.sphere(3);
    const x0 = S.random(1);
    const r = manifolds.minimize((x) => (x.data[0] > x0.data[0] + 0.05 || x.data[0] < x0.data[0] - 0.05 ? tensor(NaN) : sum(x)), x0, { manifold: S, method: "rcg" });
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/non-finite at iteration \d+/);
    expect(S.check(r.x)).toBeLessThan(1e-12);
  });
});

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
