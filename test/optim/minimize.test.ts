import { describe, it, expect } from "vitest";
import { tensor, zeros, Tensor, sum, mul, sub, add, matmul, mT, randn, detach, log, linalg, manifolds, ArgumentError, ShapeError, optim } from "../../src/index.js";
import { rosenbrock } from "../../examples/optimization.js";

const x0For = (n: number) => tensor(Array.from({ length: n }, (_, k) => (k % 2 === 0 ? -1.2 : 1)));
const maxErr = (t: Tensor, v: number) => Math.max(...Array.from(t.data, (x) => Math.abs(x - v)));

// SciPy 1.17.1 L-BFGS-B on the same problems (bench/scipy_lbfgs.py): gtol 1e-8, ftol 0, m = 10
const scipy = { 2: { nit: 38, nfev: 46 }, 10: { nit: 78, nfev: 96 } } as const;

describe("optim.minimize", () => {
  it("lbfgs on Rosenbrock takes L-BFGS-B's steps (iterations and evaluations within 1.2× of SciPy's)", () => {
    for (const n of [2, 10] as const) {
      const r = optim.minimize(rosenbrock, x0For(n), { method: "lbfgs", gtol: 1e-8, ftol: 0 });
      expect(r.success, r.message).toBe(true);
      expect(maxErr(r.x, 1)).toBeLessThan(1e-7);
      expect(r.nit).toBeLessThanOrEqual(Math.ceil(1.2 * scipy[n].nit));
      expect(r.nfev).toBeLessThanOrEqual(Math.ceil(1.2 * scipy[n].nfev));
      expect(r.ngev).toBe(r.nfev);
      expect(Math.max(...Array.from(r.grad.data, Math.abs))).toBeLessThanOrEqual(1e-8);
    }
  });

  it.each(["bfgs", "cg", "newton-cg", "trust-ncg"] as const)("%s solves Rosenbrock n = 4", (method) => {
    const r = optim.minimize(rosenbrock, x0For(4), { method, gtol: 1e-8 });
    expect(r.success, r.message).toBe(true);
    expect(maxErr(r.x, 1)).toBeLessThan(1e-6);
    if (method === "newton-cg" || method === "trust-ncg") expect(r.nhev).toBeGreaterThan(0);
    else expect(r.nhev).toBe(0);
  });

  it("works over pytrees: x and grad keep x0's structure", () => {
    const c = tensor([1, -2]);
    const f = (p: { a: Tensor; rest: [Tensor, number] }) => add(sum(mul(sub(p.a, c), sub(p.a, c))), mul(mul(p.rest[0], p.rest[0]), p.rest[1]));
    for (const method of ["lbfgs", "bfgs", "cg", "newton-cg", "trust-ncg"] as const) {
      const r = optim.minimize(f, { a: zeros([2]), rest: [tensor(3), 2] }, { method, gtol: 1e-10 });
      expect(r.success, `${method}: ${r.message}`).toBe(true);
      expect(Array.from(r.x.a.data).map((v) => Math.round(v * 1e8) / 1e8)).toEqual([1, -2]);
      expect(Math.abs(r.x.rest[0].item())).toBeLessThan(1e-8);
      expect(r.x.rest[1]).toBe(2);
      expect(r.grad.a.shape).toEqual([2]);
    }
  });

  it("bounds: L-BFGS-B on bounded Rosenbrock takes SciPy's L-BFGS-B iteration counts (within 1.2×) to the same minimum", () => {
    // SciPy 1.17.1 L-BFGS-B, xᵢ ∈ [−2, 0.8], x0 = [−1.2, 0.5, …], gtol 1e-8, ftol 0 (bench/scipy_lbfgs.py)
    const scipy = [
      { n: 2, nit: 3, nfev: 4, fun: 0.03999999999999998 },
      { n: 10, nit: 36, nfev: 41, fun: 6.001016394606179 },
      { n: 100, nit: 36, nfev: 61, fun: 95.09173506163808 },
    ];
    for (const p of scipy) {
      const x0 = tensor(Array.from({ length: p.n }, (_, k) => (k % 2 === 0 ? -1.2 : 0.5)));
      const r = optim.minimize(rosenbrock, x0, { gtol: 1e-8, ftol: 0, bounds: { lower: -2, upper: 0.8 } });
      expect(r.success, r.message).toBe(true);
      expect(r.nit).toBeLessThanOrEqual(Math.ceil(1.2 * p.nit));
      expect(r.nfev).toBeLessThanOrEqual(Math.ceil(1.2 * p.nfev));
      expect(Math.abs(r.fun - p.fun)).toBeLessThan(1e-9 * Math.max(1, p.fun));
      expect(Math.max(...r.x.data)).toBeLessThanOrEqual(0.8);
    }
    // with the bounds inactive it is L-BFGS: the unbounded run's iterates
    const u = optim.minimize(rosenbrock, x0For(10), { gtol: 1e-8, ftol: 0 });
    const b = optim.minimize(rosenbrock, x0For(10), { gtol: 1e-8, ftol: 0, bounds: { lower: -Infinity, upper: Infinity } });
    expect([b.nit, b.nfev]).toEqual([u.nit, u.nfev]);
  });

  it("bounds (L-BFGS-B): a box-constrained quadratic reaches its KKT point", () => {
    // f = ½xᵀAx − bᵀx, A SPD; the box solution satisfies: projected gradient = 0
    const A = tensor([[4, 1, 0], [1, 3, 1], [0, 1, 2]]), b = tensor([10, -10, 1]);
    const f = (x: Tensor) => sub(mul(matmul(x, matmul(A, x)), 0.5), matmul(b, x));
    const r = optim.minimize(f, zeros([3]), { bounds: { lower: -1, upper: 1 }, gtol: 1e-10 });
    expect(r.success, r.message).toBe(true);
    const x = Array.from(r.x.data), g = Array.from(r.grad.data);
    x.forEach((xi, i) => {
      expect(xi).toBeGreaterThanOrEqual(-1);
      expect(xi).toBeLessThanOrEqual(1);
      const pg = Math.min(Math.max(xi - g[i], -1), 1) - xi;
      expect(Math.abs(pg)).toBeLessThan(1e-9);
    });
    expect(x[0]).toBe(1);
    expect(x[1]).toBe(-1);
    // tree-valued bounds, checked against x0's structure
    expect(() => optim.minimize(f, zeros([3]), { bounds: { lower: { a: zeros([3]) } as unknown as Tensor } })).toThrow(ShapeError);
  });

  it("a non-finite loss stops with success false, naming the iteration, and finite x", () => {
    // (x − 2)² with a NaN wall past x = 1.1
    const f = (x: Tensor) => (x.data[0] > 1.1 ? log(sub(zeros([]), 1)) : sum(mul(sub(x, 2), sub(x, 2))));
    for (const method of ["lbfgs", "bfgs", "cg", "newton-cg", "trust-ncg"] as const) {
      const r = optim.minimize(f, tensor([0]), { method });
      expect(r.success).toBe(false);
      expect(r.status).toBe(3);
      expect(r.message).toMatch(/optim\.minimize: the loss is NaN at iteration \d+/);
      expect(Number.isFinite(r.x.item())).toBe(true);
      expect(Number.isFinite(r.fun)).toBe(true);
    }
    const r0 = optim.minimize(() => log(tensor(-1)), tensor([0]));
    expect(r0.message).toMatch(/at iteration 0 \(at x0\)/);
  });

  it("a failed line search returns success false with a message (a wrong gradient)", () => {
    // value Σx², but the gradient reported is −2x (the detach trick flips it)
    const f = (x: Tensor) => sub(sum(mul(x, x)), mul(sum(mul(sub(x, detach(x)), detach(x))), 4));
    for (const method of ["lbfgs", "bfgs", "cg"] as const) {
      const r = optim.minimize(f, tensor([1, 2]), { method });
      expect(r.success).toBe(false);
      expect(r.status).toBe(2);
      expect(r.message).toMatch(/line search failed at iteration 1/);
    }
  });

  it("callback sees each iteration and can stop", () => {
    const seen: number[] = [];
    const r = optim.minimize(rosenbrock, x0For(2), { callback: ({ nit }) => (seen.push(nit), nit === 3) });
    expect(seen).toEqual([1, 2, 3]);
    expect(r.status).toBe(99);
    expect(r.success).toBe(false);
  });

  it("bad arguments raise typed errors naming the option", () => {
    expect(() => optim.minimize(rosenbrock, x0For(2), { method: "nelder-mead" as "cg" })).toThrow(/optim\.minimize: option method must be one of/);
    expect(() => optim.minimize(rosenbrock, x0For(2), { method: "bfgs", bounds: { lower: 0 } })).toThrow(ArgumentError);
    expect(() => optim.minimize((x: Tensor) => x, x0For(2))).toThrow(/optim\.minimize: fun must return a scalar \(one element\); it returned shape \[2\]/);
    expect(() => optim.minimize(rosenbrock, x0For(2), { bounds: { lower: 1, upper: 0 } })).toThrow(/lower 1 > upper 0/);
  });
});

describe("optim.minimize with a manifold", () => {
  // Brockett cost tr(XᵀAXN), N = diag(2, 1): minimized over stiefel(5, 2) by the eigenvectors
  // of the two smallest eigenvalues of A, minimum 2λ₁ + λ₂
  const G = randn([5, 5], { seed: 3 });
  const A = matmul(G, mT(G));
  const N = tensor([[2, 0], [0, 1]]);
  const brockett = (X: Tensor) => sum(mul(matmul(matmul(mT(X), A), X), N));
  const St = manifolds.stiefel(5, 2);
  const lam = linalg.eigvalsh(A).data;

  it("delegates to manifolds.minimize for rtr (the default) and rcg", () => {
    for (const method of [undefined, "rtr", "rcg"] as const) {
      const r = optim.minimize(brockett, St.random(4), { manifold: St, method, gtol: 1e-6, maxIter: 3000 });
      expect(r.success, r.message).toBe(true);
      expect(Math.abs(r.fun - (2 * lam[0] + lam[1]))).toBeLessThan(1e-9);
      expect(St.check(r.x)).toBeLessThan(1e-12);
      const m = manifolds.minimize(brockett, St.random(4), { manifold: St, method: method ?? "rtr", gtol: 1e-6, maxIter: 3000 });
      expect([r.nit, r.nfev, r.fun]).toEqual([m.nit, m.nfev, m.fun]);
    }
  });

  it("refuses Euclidean methods and options with a manifold, and Riemannian methods without one", () => {
    const x0 = St.random(1);
    expect(() => optim.minimize(brockett, x0, { manifold: St, method: "lbfgs" })).toThrow(ArgumentError);
    expect(() => optim.minimize(brockett, x0, { manifold: St, method: "lbfgs" })).toThrow(
      'optim.minimize: option method must be "rcg", "rtr" with a manifold (stiefel(5, 2)); got "lbfgs", a Euclidean method that would leave the manifold');
    expect(() => optim.minimize(brockett, x0, { manifold: St, bounds: { lower: 0 } })).toThrow(/^optim\.minimize: option bounds does not apply with a manifold \(method "rtr"\)/);
    expect(() => optim.minimize(brockett, x0, { manifold: St, memory: 5 })).toThrow(/option memory does not apply with a manifold/);
    expect(() => optim.minimize(brockett, x0, { method: "rcg" })).toThrow(/^optim\.minimize: option method "rcg" is a Riemannian method and needs option manifold/);
    expect(() => optim.minimize(brockett, x0, { method: "nope" as "cg" })).toThrow(/option method must be one of "lbfgs", .*"trust-ncg" \(or "rcg", "rtr" with a manifold\); got "nope"/);
  });

  it("a starting point off the manifold raises ArgumentError naming optim.minimize and the distance", () => {
    const bad = St.random(1).mul(1.1);
    expect(() => optim.minimize(brockett, bad, { manifold: St })).toThrow(
      `optim.minimize: x0 is not on stiefel(5, 2): its distance to the manifold is ${St.check(bad).toExponential(3)}`);
  });
});
