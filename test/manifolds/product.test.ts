import { describe, it, expect } from "vitest";
import { randn, sum, mul, matmul, tensor, eye, grad, linalg, manifolds, optim, ArgumentError, ShapeError, type Tensor } from "../../src/index.js";

describe("manifolds.product", () => {
  // max tr(Uᵀ A V) over U ∈ St(5, 2), V ∈ St(4, 2) is σ₁ + σ₂ (von Neumann's trace inequality)
  const A = randn([5, 4], { seed: 11 });
  const sv = linalg.svd(A).S.data;
  const M = manifolds.product({ U: manifolds.stiefel(5, 2), V: manifolds.stiefel(4, 2) });
  const cost = (x: { U: Tensor; V: Tensor }): Tensor => sum(mul(x.U, matmul(A, x.V))).neg();

  it("minimizes over a tree of points with rtr and rcg (optim.minimize and manifolds.minimize)", () => {
    const x0 = M.unpack(M.random(5));
    for (const method of ["rtr", "rcg"] as const) {
      const seen: string[][] = [];
      const r = optim.minimize(cost, x0, { manifold: M, method, gtol: 1e-7, maxIter: 3000, callback: (info) => void seen.push(Object.keys(info.x)) });
      expect(r.success, r.message).toBe(true);
      expect(Math.abs(r.fun + sv[0] + sv[1])).toBeLessThan(1e-9);
      expect(Object.keys(r.x).sort()).toEqual(["U", "V"]);
      expect(Object.keys(r.grad).sort()).toEqual(["U", "V"]);
      expect(manifolds.stiefel(5, 2).check(r.x.U)).toBeLessThan(1e-12);
      expect(manifolds.stiefel(4, 2).check(r.x.V)).toBeLessThan(1e-12);
      expect(seen.length).toBe(r.nit);
      expect(seen[0]).toEqual(["U", "V"]);
      const m = manifolds.minimize(cost, x0, { manifold: M, method, gtol: 1e-7, maxIter: 3000 });
      expect([m.nit, m.fun]).toEqual([r.nit, r.fun]);
    }
  });

  it("acts componentwise: the metric is the sum, dim the sum, check the root sum of squares", () => {
    const P = manifolds.product({ S: manifolds.spd(2), u: manifolds.sphere(3) });
    expect(P.name).toBe("product({S: spd(2), u: sphere(3)})");
    expect(P.dim).toBe(3 + 2);
    expect(P.shape).toEqual([7]);
    const x = P.random(1), u = P.randomTangent(x, 2);
    expect(Math.abs(P.norm(x, u) - 1)).toBeLessThan(1e-12);
    const xs = P.unpack(x), us = P.unpack(u);
    expect(P.inner(x, u, u)).toBeCloseTo(manifolds.spd(2).inner(xs.S, us.S, us.S) + manifolds.sphere(3).inner(xs.u, us.u, us.u), 12);
    expect(P.check(P.retr(x, u))).toBeLessThan(1e-12);
    const off = P.pack({ S: mul(eye(2), 2), u: tensor([0, 0, 2]) });
    expect(P.check(off)).toBeCloseTo(1, 12);
  });

  it("raises typed errors naming the key", () => {
    const P = manifolds.product({ S: manifolds.spd(2), U: manifolds.stiefel(3, 2) });
    const good = P.unpack(P.random(0));
    expect(() => manifolds.product({})).toThrow(/^manifolds\.product: argument parts must have at least one manifold/);
    expect(() => manifolds.product({ a: 3 as never })).toThrow(/^manifolds\.product: parts\.a must be a manifold/);
    expect(() => optim.minimize((x: { S: Tensor }) => sum(x.S), { S: good.S }, { manifold: P })).toThrow(ShapeError);
    expect(() => optim.minimize((x: { S: Tensor }) => sum(x.S), { S: good.S }, { manifold: P })).toThrow("optim.minimize: x0 has keys {S}, but points of product({S: spd(2), U: stiefel(3, 2)}) have keys {S, U}");
    expect(() => manifolds.minimize((x) => sum(x.S), { ...good, U: good.U.mul(2) }, { manifold: P })).toThrow(ArgumentError);
    expect(() => manifolds.minimize((x) => sum(x.S), { ...good, U: good.U.mul(2) }, { manifold: P })).toThrow(/^manifolds\.minimize: x0\.U is not on stiefel\(3, 2\): its distance to the manifold is/);
    expect(() => manifolds.minimize((x) => sum(x.S), { ...good, S: randn([3, 3]) }, { manifold: P })).toThrow(/^manifolds\.minimize: x0\.S has shape \[3, 3\], but points of spd\(2\) have shape \[2, 2\]/);
  });
});

describe("manifolds.riemannianAdam / riemannianSgd over a product", () => {
  it("train a tree point with grad and manifolds.applyUpdates, staying on the product", () => {
    const A = randn([5, 4], { seed: 11 });
    const sv = linalg.svd(A).S.data;
    const M = manifolds.product({ U: manifolds.stiefel(5, 2), V: manifolds.stiefel(4, 2) });
    const cost = (x: { U: Tensor; V: Tensor }): Tensor => sum(mul(x.U, matmul(A, x.V))).neg();
    for (const opt of [manifolds.riemannianAdam(M, { lr: 0.05 }), manifolds.riemannianSgd(M, { lr: 0.05, momentum: 0.5 })]) {
      let x = M.unpack(M.random(5));
      let state = opt.init(x);
      for (let i = 0; i < 600; i++) {
        const r = opt.update(grad(cost)(x), state, x);
        state = r.state;
        x = manifolds.applyUpdates(M, x, r.updates);
      }
      expect(Object.keys(x).sort()).toEqual(["U", "V"]);
      expect(M.check(M.pack(x))).toBeLessThan(1e-12);
      expect(Math.abs(cost(x).item() + sv[0] + sv[1])).toBeLessThan(1e-4);
    }
    expect(() => manifolds.riemannianAdam(M, { lr: 0.1 }).init({ U: manifolds.stiefel(5, 2).random(0) })).toThrow(/^manifolds\.riemannianAdam\.init: params has keys \{U\}, but points of product/);
  });
});
