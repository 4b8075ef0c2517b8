import { describe, it, expect } from "vitest";
import { randn, sum, matmul, mT, tensor, ArgumentError, ShapeError, linalg, manifolds } from "../../src/index.js";

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

