import { describe, it, expect } from "vitest";
import { Tensor, randn, sum, mul, sin, grad, hvp, manifolds } from "../../src/index.js";

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
