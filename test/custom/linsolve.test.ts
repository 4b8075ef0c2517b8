import { describe, it, expect } from "vitest";
import {
  Tensor, tensor, randn, eye, add, sub, mul, div, matmul, mT, vdot, sum, exp, grad, jvp, hvp, reshape,
  customLinearSolve, linsolve, ConvergenceError, ArgumentError, ShapeError, gradcheck, gradgradcheck, noGrad,
  type LinearSolveInfo,
} from "../../src/index.js";
import { cg, gmres, bicgstab } from "../../src/custom/linsolve/krylov.js";
import { luFactor, luSolve } from "../../src/kernels/lu.js";
import { solveLyapunov } from "../../src/kernels/sylvester.js";

// ---------------------------------------------------------------------------
// helpers

function denseSolve(a: Tensor, b: Tensor): Float64Array {
  const n = a.shape[0];
  const f = luFactor(a.data, n);
  return luSolve(f.lu, f.piv, n, b.data, b.size / n, false);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function spd(n: number, seed: number, shift = 1): Tensor {
  const g = randn([n, n], { seed });
  return add(matmul(g, mT(g)), mul(eye(n), shift));
}

function nonsym(n: number, seed: number): Tensor {
  return add(mul(randn([n, n], { seed }), 1 / Math.sqrt(n)), mul(eye(n), 3));
}

/** Central difference of a scalar function along a direction. */
function fdDir(f: (x: Tensor) => Tensor, x: Tensor, d: Tensor, h = 1e-6): number {
  return (f(add(x, mul(d, h))).item() - f(sub(x, mul(d, h))).item()) / (2 * h);
}

const mv = (A: Tensor) => (x: Tensor) => matmul(A, x);

// ---------------------------------------------------------------------------

describe("Krylov kernels (flat vectors)", () => {
  const n = 40;
  const opOf = (A: Tensor) => (v: Float64Array) => matmul(A, new Tensor(v, [n])).data;
  const b = randn([n], { seed: 3 });
  const base = { rtol: 1e-12, atol: 0, maxIter: 500 };

  it("CG on an SPD system agrees with a dense LU solve", () => {
    const A = spd(n, 1, n);
    const r = cg(opOf(A), b.data, base);
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThanOrEqual(n);
    expect(maxDiff(r.x, denseSolve(A, b))).toBeLessThan(1e-9);
    expect(r.residual).toBeLessThanOrEqual(r.tol);
  });

  it("GMRES and BiCGSTAB on a nonsymmetric system agree with a dense LU solve", () => {
    const A = nonsym(n, 2);
    const ref = denseSolve(A, b);
    const g = gmres(opOf(A), b.data, { ...base, restart: 10 });
    expect(g.converged).toBe(true);
    expect(maxDiff(g.x, ref)).toBeLessThan(1e-10);
    const s = bicgstab(opOf(A), b.data, base);
    expect(s.converged).toBe(true);
    expect(maxDiff(s.x, ref)).toBeLessThan(1e-10);
  });

  it("full GMRES converges in at most n iterations; restarted GMRES needs more", () => {
    const A = nonsym(n, 4);
    const full = gmres(opOf(A), b.data, { ...base, restart: n });
    const short = gmres(opOf(A), b.data, { ...base, restart: 3 });
    expect(full.converged && short.converged).toBe(true);
    expect(full.iterations).toBeLessThanOrEqual(n);
    expect(short.iterations).toBeGreaterThan(full.iterations);
  });

  it("CG reports an indefinite operator instead of returning garbage", () => {
    const d = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1) * (1 + i));
    const r = cg((v) => v.map((x, i) => d[i] * x), b.data, base);
    expect(r.converged).toBe(false);
    expect(r.reason).toMatch(/not positive definite/);
  });

  it("GMRES detects a singular, inconsistent system (stagnation or breakdown)", () => {
    // A = diag(1, …, 1, 0), b with a component along the null direction
    const r = gmres((v) => v.map((x, i) => (i === n - 1 ? 0 : x * (1 + i / n))), b.data, { ...base, restart: 5 });
    expect(r.converged).toBe(false);
    expect(r.reason).toMatch(/stagnation|breakdown/);
    expect(r.residual).toBeGreaterThan(0.5 * Math.abs(b.data[n - 1]));
  });

  it("warm start from the solution needs no iteration; from a nearby point, fewer", () => {
    const A = spd(n, 5);
    const x = denseSolve(A, b);
    const cold = cg(opOf(A), b.data, base);
    const hot = cg(opOf(A), b.data, { ...base, x0: x });
    expect(hot.iterations).toBe(0);
    const near = x.map((v, i) => v + 1e-6 * Math.sin(i));
    const warm = cg(opOf(A), b.data, { ...base, x0: near });
    expect(warm.converged).toBe(true);
    expect(warm.iterations).toBeLessThan(cold.iterations);
  });

  it("a Jacobi preconditioner cuts CG and GMRES iterations on a badly scaled system", () => {
    const s = Float64Array.from({ length: n }, (_, i) => 10 ** ((3 * i) / n));
    const D = tensor(s);
    const A = add(mul(spd(n, 6, 0.5), 0.01), mul(eye(n), reshape(D, [n, 1]))); // diagonal spread 1 … 1e3
    const diagA = Float64Array.from({ length: n }, (_, i) => A.data[i * n + i]);
    const jacobi = (v: Float64Array) => v.map((x, i) => x / diagA[i]);
    const plainCg = cg(opOf(A), b.data, base);
    const precCg = cg(opOf(A), b.data, { ...base, precond: jacobi });
    expect(plainCg.converged && precCg.converged).toBe(true);
    expect(precCg.iterations).toBeLessThan(plainCg.iterations / 2);
    expect(maxDiff(precCg.x, denseSolve(A, b))).toBeLessThan(1e-8);
    const plainG = gmres(opOf(A), b.data, { ...base, restart: 20 });
    const precG = gmres(opOf(A), b.data, { ...base, restart: 20, precond: jacobi });
    expect(precG.converged).toBe(true);
    expect(precG.iterations).toBeLessThan(plainG.iterations);
  });
});

describe("customLinearSolve: values", () => {
  const n = 12;
  const b = randn([n], { seed: 7 });
  for (const solver of ["cg", "gmres", "bicgstab", "lu", "auto"] as const) {
    it(`${solver} solves an SPD system like a dense LU`, () => {
      const A = spd(n, 8);
      const x = customLinearSolve(mv(A), b, { solver, symmetric: solver === "cg" });
      expect(maxDiff(x.data, denseSolve(A, b))).toBeLessThan(1e-9);
    });
  }

  it("auto picks LU for small systems, GMRES for larger ones and CG when symmetric", () => {
    const seen: string[] = [];
    const onInfo = (i: LinearSolveInfo) => seen.push(i.solver);
    customLinearSolve(mv(spd(8, 1)), randn([8], { seed: 1 }), { onInfo });
    customLinearSolve(mv(nonsym(80, 2)), randn([80], { seed: 2 }), { onInfo });
    customLinearSolve(mv(spd(80, 3)), randn([80], { seed: 3 }), { onInfo, symmetric: true });
    expect(seen).toEqual(["lu", "gmres", "cg"]);
  });

  it("matrix-shaped unknowns: the Lyapunov equation A X + X Aᵀ = Q by GMRES matches Bartels–Stewart", () => {
    const m = 6;
    const A = nonsym(m, 11);
    const Q = spd(m, 12);
    const X = customLinearSolve((X) => add(matmul(A, X), matmul(X, mT(A))), Q, { solver: "gmres" });
    const ref = solveLyapunov(A.data, m, Q.data);
    expect(ref.info).toBe(0);
    expect(maxDiff(X.data, ref.x)).toBeLessThan(1e-9);
  });

  it("x0 warm start and a custom solver are honored; the custom result is checked", () => {
    const A = spd(n, 13);
    const exact = tensor(denseSolve(A, b));
    const infos: LinearSolveInfo[] = [];
    customLinearSolve(mv(A), b, { solver: "cg", symmetric: true, x0: exact, onInfo: (i) => infos.push(i) });
    expect(infos[0].iterations).toBe(0);
    // a custom (here: direct) solver
    const direct = (_mv: (x: Tensor) => Tensor, rhs: Tensor) => tensor(denseSolve(A, rhs));
    expect(maxDiff(customLinearSolve(mv(A), b, { solver: direct }).data, exact.data)).toBeLessThan(1e-12);
    // a custom solver that lies is caught
    const liar = (_mv: (x: Tensor) => Tensor, rhs: Tensor) => mul(rhs, 0.5);
    expect(() => customLinearSolve(mv(A), b, { solver: liar })).toThrow(ConvergenceError);
  });

  it("a matvec that itself solves (A = B⁻¹) re-solves when replayed at new right-hand sides", () => {
    const B = nonsym(5, 14);
    const rhs = randn([5], { seed: 15 });
    // A x = B⁻¹ x = rhs ⇒ x = B rhs
    const x = customLinearSolve((v) => customLinearSolve(mv(B), v, { solver: "gmres" }), rhs, { solver: "gmres" });
    expect(maxDiff(x.data, matmul(B, rhs).data)).toBeLessThan(1e-8);
    // and its gradient w.r.t. B: ∂⟨c, B rhs⟩/∂B = c rhsᵀ
    const c = randn([5], { seed: 16 });
    const g = grad((Bm: Tensor) =>
      vdot(customLinearSolve((v) => customLinearSolve(mv(Bm), v, { solver: "lu" }), rhs, { solver: "lu" }), c))(B);
    expect(maxDiff(g.data, matmul(reshape(c, [5, 1]), reshape(rhs, [1, 5])).data)).toBeLessThan(1e-8);
  });
});

describe("customLinearSolve: derivatives", () => {
  const n = 5;
  const A0 = nonsym(n, 21);
  const S0 = spd(n, 22);
  const b0 = randn([n], { seed: 23 });
  const c = randn([n], { seed: 24 });

  for (const solver of ["gmres", "bicgstab", "lu"] as const) {
    it(`${solver}: gradients w.r.t. b and a closed-over A match central differences (VJP, JVP, dot-product test)`, () => {
      const f = (A: Tensor, b: Tensor) => customLinearSolve((x) => matmul(A, x), b, { solver });
      const r = gradcheck(f, [A0, b0], { raise: false });
      expect(r.ok, r.report).toBe(true);
    });
  }

  it("cg with symmetric: the transposed solve reuses matvec; gradient matches LU's", () => {
    const fc = (S: Tensor) => vdot(customLinearSolve((x) => matmul(S, x), b0, { solver: "cg", symmetric: true }), c);
    const fl = (S: Tensor) => vdot(customLinearSolve((x) => matmul(S, x), b0, { solver: "lu" }), c);
    expect(maxDiff(grad(fc)(S0).data, grad(fl)(S0).data)).toBeLessThan(1e-8);
    // and the closed form: x = S⁻¹b, ∂⟨c, x⟩/∂S = −S⁻ᵀc xᵀ
    const x = tensor(denseSolve(S0, b0));
    const w = tensor(denseSolve(mT(S0), c));
    const ref = mul(matmul(reshape(w, [n, 1]), reshape(x, [1, n])), -1);
    expect(maxDiff(grad(fc)(S0).data, ref.data)).toBeLessThan(1e-8);
  });

  it("gradients flow to tensors computed inside matvec from closed-over parameters", () => {
    const theta = randn([n, n], { seed: 25 });
    const f = (t: Tensor) => vdot(customLinearSolve((x) => add(matmul(mul(exp(mul(t, 0.1)), 0.3), x), mul(x, 3)), b0), c);
    const g = grad(f)(theta);
    const d = randn([n, n], { seed: 26 });
    expect(vdot(g, d).item()).toBeCloseTo(fdDir(f, theta, d), 7);
  });

  it("second order: gradgradcheck and forward-over-reverse (hvp) agree with finite differences of the gradient", () => {
    const f = (A: Tensor, b: Tensor) => vdot(customLinearSolve((x) => matmul(A, x), b, { solver: "gmres" }), c);
    const r = gradgradcheck(f, [A0, b0], { raise: false, mode: "fast" });
    expect(r.ok, r.report).toBe(true);
    const dA = randn([n, n], { seed: 27 });
    const hv = hvp((A: Tensor) => f(A, b0), [A0], [dA])[0];
    const gA = grad((A: Tensor) => f(A, b0));
    const h = 1e-5;
    const fd = div(sub(gA(add(A0, mul(dA, h))), gA(sub(A0, mul(dA, h)))), 2 * h);
    expect(maxDiff(hv.data, fd.data)).toBeLessThan(1e-6);
  });

  it("jvp through the solve: ẋ = A⁻¹(ḃ − Ȧ x)", () => {
    const dA = randn([n, n], { seed: 28 }), db = randn([n], { seed: 29 });
    const { out, tangent } = jvp((A: Tensor, b: Tensor) => customLinearSolve((x) => matmul(A, x), b), [A0, b0], [dA, db]);
    const ref = denseSolve(A0, sub(db, matmul(dA, out as Tensor)));
    expect(maxDiff((tangent as Tensor).data, ref)).toBeLessThan(1e-9);
  });

  it("Lyapunov solve differentiated w.r.t. A and Q matches finite differences", () => {
    const m = 4;
    const A = nonsym(m, 31), Q = spd(m, 32);
    const W = randn([m, m], { seed: 33 });
    const f = (A: Tensor, Q: Tensor) => vdot(customLinearSolve((X) => add(matmul(A, X), matmul(X, mT(A))), Q, { solver: "gmres" }), W);
    const r = gradcheck(f, [A, Q], { raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("the preconditioner changes iterations, not gradients", () => {
    const m = 80;
    const A = add(spd(m, 34, 0.5), mul(eye(m), reshape(tensor(Array.from({ length: m }, (_, i) => 10 ** ((2 * i) / m))), [m, 1])));
    const dinv = tensor(Array.from({ length: m }, (_, i) => 1 / A.data[i * m + i]));
    const bb = randn([m], { seed: 35 }), cc = randn([m], { seed: 36 });
    const its: number[] = [];
    const f = (prec: boolean) => (Am: Tensor) => vdot(customLinearSolve((x) => matmul(Am, x), bb, {
      solver: "cg", symmetric: true, ...(prec ? { preconditioner: (r: Tensor) => mul(r, dinv) } : {}),
      onInfo: (i) => its.push(i.iterations),
    }), cc);
    const g1 = grad(f(false))(A);
    const g2 = grad(f(true))(A);
    expect(maxDiff(g1.data, g2.data)).toBeLessThan(1e-8);
    // forward + transposed solve each: preconditioned ones are cheaper
    expect(its[2] + its[3]).toBeLessThan(its[0] + its[1]);
  });

  it("GMRES with a non-symmetric preconditioner: the VJP uses its transpose and stays exact", () => {
    const m = 70;
    const A = nonsym(m, 37);
    const L = add(eye(m), mul(randn([m, m], { seed: 38 }), 0.01)); // a (poor) nonsymmetric preconditioner
    const bb = randn([m], { seed: 39 }), cc = randn([m], { seed: 40 });
    const f = (prec: boolean) => (Am: Tensor) => vdot(customLinearSolve((x) => matmul(Am, x), bb, {
      solver: "gmres", ...(prec ? { preconditioner: (r: Tensor) => matmul(L, r) } : {}),
    }), cc);
    expect(maxDiff(grad(f(true))(A).data, grad(f(false))(A).data)).toBeLessThan(1e-8);
  });
});

describe("customLinearSolve: loud failures and bad input", () => {
  const n = 30;
  const b = randn([n], { seed: 41 });

  it("maxIter too small → ConvergenceError carrying residual and iteration count", () => {
    const A = nonsym(n, 42);
    let err: unknown;
    try {
      customLinearSolve(mv(A), b, { solver: "gmres", maxIter: 3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConvergenceError);
    const ce = err as ConvergenceError;
    expect(ce.iterations).toBe(3);
    expect(ce.residual).toBeGreaterThan(ce.tolerance!);
    expect(ce.message).toMatch(/^customLinearSolve: forward linear solve \(gmres, 30 unknowns\) failed: maxIter = 3 reached; residual/);
  });

  it("the transposed (VJP) solve failing raises too — never a silently wrong gradient", () => {
    const A = nonsym(n, 43);
    // converges forward from a warm start at the solution, but the VJP solve has only 2 iterations
    const exact = tensor(denseSolve(A, b));
    const f = (Am: Tensor) => sum(customLinearSolve((x) => matmul(Am, x), b, { solver: "gmres", maxIter: 2, x0: exact }));
    expect(() => f(A)).not.toThrow();
    expect(() => grad(f)(A)).toThrow(/transposed \(VJP\) linear solve \(gmres, 30 unknowns\) failed/);
  });

  it("singular matrices: LU names the zero pivot; CG on an indefinite matrix says so", () => {
    const S = tensor([[1, 2], [2, 4]]);
    expect(() => customLinearSolve(mv(S), tensor([1, 1]), { solver: "lu" })).toThrow(/singular/);
    try {
      customLinearSolve(mv(S), tensor([1, 1]), { solver: "lu" });
    } catch (e) {
      expect(e).toBeInstanceOf(ConvergenceError);
      expect((e as ConvergenceError).residual).toBeCloseTo(Math.SQRT2, 12);
    }
    const indef = tensor([[1, 0], [0, -1]]);
    expect(() => customLinearSolve(mv(indef), tensor([1, 1]), { solver: "cg" })).toThrow(/not positive definite/);
    // auto + symmetric starts with CG and falls back to GMRES on an indefinite operator
    const big = mul(eye(80), reshape(tensor(Array.from({ length: 80 }, (_, i) => (i % 2 ? -1 : 1) * (1 + i / 80))), [80, 1]));
    const bb = randn([80], { seed: 44 });
    const x = customLinearSolve(mv(big), bb, { symmetric: true });
    expect(maxDiff(matmul(big, x).data, bb.data)).toBeLessThan(1e-8);
  });

  it("rejects nonlinear or untraceable matvecs and bad shapes/options with typed errors naming the op", () => {
    const A = nonsym(4, 45);
    const bb = randn([4], { seed: 46 });
    expect(() => customLinearSolve((x) => mul(x, x), bb)).toThrow(/customLinearSolve: matvec is not linear/);
    expect(() => customLinearSolve((x) => add(matmul(A, x), 1), bb)).toThrow(ArgumentError);
    // reading .data breaks the tape: caught, not silently wrong
    expect(() => customLinearSolve((x) => new Tensor(matmul(A, x).data, [4]), bb)).toThrow(/could not be traced/);
    expect(() => customLinearSolve(mv(A), randn([3], { seed: 1 }))).toThrow(ShapeError);
    expect(() => customLinearSolve(mv(A), bb, { solver: "qr" as never })).toThrow(/option solver must be one of/);
    expect(() => customLinearSolve(mv(A), bb, { rtol: -1 })).toThrow(ArgumentError);
    expect(() => customLinearSolve(mv(A), bb, { maxIter: 0 })).toThrow(/maxIter must be a positive integer/);
    expect(() => customLinearSolve(mv(A), bb, { x0: randn([5], { seed: 1 }) })).toThrow(ShapeError);
  });

  it("works under noGrad and returns a constant", () => {
    const A = nonsym(4, 47);
    const Ag = tensor(A.toNested() as number[][], { requiresGrad: true });
    const x = noGrad(() => customLinearSolve(mv(Ag), randn([4], { seed: 48 })));
    expect(x.requiresGrad).toBe(false);
  });

  it("linsolve namespace: cg / gmres / bicgstab / lu / materialize", () => {
    const A = spd(6, 49);
    const bb = randn([6], { seed: 50 });
    const ref = denseSolve(A, bb);
    for (const f of [linsolve.cg, linsolve.gmres, linsolve.bicgstab, linsolve.lu]) expect(maxDiff(f(mv(A), bb).data, ref)).toBeLessThan(1e-9);
    expect(maxDiff(linsolve.materialize(mv(A), [6]).data, A.data)).toBe(0);
    expect(() => linsolve.cg(mv(A), bb, { maxIter: 1 })).toThrow(/^linsolve\.cg: /);
  });
});
