import { describe, it, expect } from "vitest";
import {
  Tensor, tensor, randn, zeros, add, sub, mul, div, matmul, vdot, tanh, sum,
  grad, jvp, hvp, gradcheck, gradgradcheck, fixedPoint, fixedPointIteration, implicitRoot, ConvergenceError, ArgumentError, ShapeError,
} from "../../src/index.js";

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// a deep-equilibrium cell: z = tanh(W z + U u + b), contractive for ‖W‖ < 1
const n = 6, p = 3;
const W0 = mul(randn([n, n], { seed: 1 }), 0.5 / Math.sqrt(n));
const U0 = randn([n, p], { seed: 2 });
const b0 = mul(randn([n], { seed: 3 }), 0.1);
const u0 = randn([p], { seed: 4 });
const c = randn([n], { seed: 5 });
const T = (z: Tensor, W: Tensor, U: Tensor, b: Tensor) => tanh(add(add(matmul(W, z), matmul(U, u0)), b));
const z0 = zeros([n]);

describe("fixedPoint: deep-equilibrium cell", () => {
  it("is a fixed point, reached from x0", () => {
    const z = fixedPoint(T, z0, W0, U0, b0);
    expect(maxDiff(T(z, W0, U0, b0).data, z.data)).toBeLessThan(1e-10);
  });

  it("gradients match unrolled differentiation through 60 iterations", () => {
    const implicitLoss = (W: Tensor, U: Tensor, b: Tensor) => vdot(fixedPoint(T, z0, W, U, b), c);
    const unrolledLoss = (W: Tensor, U: Tensor, b: Tensor) => {
      let z: Tensor = z0;
      for (let k = 0; k < 60; k++) z = T(z, W, U, b);
      return vdot(z, c);
    };
    const gi = grad(implicitLoss, { argnums: [0, 1, 2] })(W0, U0, b0) as Tensor[];
    const gu = grad(unrolledLoss, { argnums: [0, 1, 2] })(W0, U0, b0) as Tensor[];
    for (let i = 0; i < 3; i++) expect(maxDiff(gi[i].data, gu[i].data)).toBeLessThan(1e-9);
  });

  it("gradcheck with re-solving central differences (VJP, JVP, dot-product test)", () => {
    const r = gradcheck((W: Tensor, b: Tensor) => fixedPoint(T, z0, W, U0, b), [W0, b0], { raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("second order: gradgradcheck and hvp vs finite differences of the gradient", () => {
    const f = (W: Tensor, b: Tensor) => vdot(fixedPoint(T, z0, W, U0, b), c);
    const r = gradgradcheck(f, [W0, b0], { raise: false, mode: "fast" });
    expect(r.ok, r.report).toBe(true);
    const db = randn([n], { seed: 6 });
    const fb = (b: Tensor) => f(W0, b);
    const h = 1e-5;
    const fd = div(sub(grad(fb)(add(b0, mul(db, h))), grad(fb)(sub(b0, mul(db, h)))), 2 * h);
    expect(maxDiff(hvp(fb, [b0], [db])[0].data, fd.data)).toBeLessThan(1e-7);
  });

  it("w = x̄ + (∂ₓT)ᵀ w, θ̄ = (∂_θT)ᵀ w: the bias gradient by hand", () => {
    // T = tanh(a), ∂ₓT = D W, ∂_bT = D with D = diag(1 − z²): w = (I − Wᵀ D)⁻¹ c, b̄ = D w
    const z = fixedPoint(T, z0, W0, U0, b0);
    const d = z.data.map((v) => 1 - v * v);
    const M = new Float64Array(n * n); // I − Wᵀ D
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] = (i === j ? 1 : 0) - W0.data[j * n + i] * d[j];
    // Gaussian elimination on [M | c]
    const w = Array.from(c.data);
    const a = Array.from(M);
    for (let k = 0; k < n; k++) {
      for (let i = k + 1; i < n; i++) {
        const f = a[i * n + k] / a[k * n + k];
        for (let j = k; j < n; j++) a[i * n + j] -= f * a[k * n + j];
        w[i] -= f * w[k];
      }
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = w[i];
      for (let j = i + 1; j < n; j++) s -= a[i * n + j] * w[j];
      w[i] = s / a[i * n + i];
    }
    const gb = grad((b: Tensor) => vdot(fixedPoint(T, z0, W0, U0, b), c))(b0);
    expect(maxDiff(gb.data, w.map((v, i) => v * d[i]))).toBeLessThan(1e-10);
  });

  it("jvp vs vjp (dot-product test) and tensors closed over by T get gradients", () => {
    const Tc = (z: Tensor, b: Tensor) => T(z, W0, U0, b);
    const db = randn([n], { seed: 7 });
    const t = jvp((b: Tensor) => fixedPoint(Tc, z0, b), [b0], [db]).tangent as Tensor;
    const g = grad((b: Tensor) => vdot(fixedPoint(Tc, z0, b), c))(b0);
    expect(vdot(t, c).item()).toBeCloseTo(vdot(g, db).item(), 12);
    // W closed over (not passed): still differentiated
    const gW = grad((W: Tensor) => vdot(fixedPoint((z: Tensor) => T(z, W, U0, b0), z0), c))(W0);
    const gWexplicit = grad((W: Tensor) => vdot(fixedPoint(T, z0, W, U0, b0), c))(W0);
    expect(maxDiff(gW.data, gWexplicit.data)).toBeLessThan(1e-12);
  });

  it("x0 is only a starting point: no gradient flows to it", () => {
    const x0 = tensor(Array(n).fill(0.1), { requiresGrad: true });
    const z = fixedPoint(T, x0, W0, U0, b0);
    expect(z.requiresGrad).toBe(false);
    // only the explicit use of x0 contributes
    const loss = add(vdot(z, c), sum(x0));
    loss.backward();
    expect(Array.from(x0.grad!.data)).toEqual(Array(n).fill(1));
  });
});

describe("fixedPoint: solvers and options", () => {
  it("Anderson acceleration converges in fewer iterations to the same point and gradient", () => {
    // a slowly contracting linear-ish map: x = 0.95 R x + b with R orthogonal-ish
    const m = 20;
    const R = mul(randn([m, m], { seed: 8 }), 0.95 / Math.sqrt(m) / 2);
    const bb = randn([m], { seed: 9 });
    const Tm = (x: Tensor, b: Tensor) => add(matmul(R, tanh(x)), b);
    let itPlain = 0, itAnderson = 0;
    const plainFp = fixedPoint(Tm, { onIteration: (i) => (itPlain = i.iteration) });
    const andFp = fixedPoint(Tm, { method: "anderson", memory: 5, onIteration: (i) => (itAnderson = i.iteration) });
    const x1 = plainFp(zeros([m]), bb), x2 = andFp(zeros([m]), bb);
    expect(maxDiff(x1.data, x2.data)).toBeLessThan(1e-9);
    expect(itAnderson).toBeLessThan(itPlain);
    const cc = randn([m], { seed: 10 });
    const g1 = grad((b: Tensor) => vdot(plainFp(zeros([m]), b), cc))(bb);
    const g2 = grad((b: Tensor) => vdot(andFp(zeros([m]), b), cc))(bb);
    expect(maxDiff(g1.data, g2.data)).toBeLessThan(1e-9);
  });

  it("damping makes an oscillating (non-contractive) map converge", () => {
    // x ↦ −1.5 x + 1 has the fixed point 0.4 but |T'| > 1; damped by 0.5: x ↦ 0.5x + 0.5T(x) contracts
    const Tm = (x: Tensor, a: Tensor) => add(mul(x, -1.5), a);
    expect(() => fixedPoint(Tm, { maxIter: 200 })(tensor([0]), tensor([1]))).toThrow(ConvergenceError);
    const x = fixedPoint(Tm, { damping: 0.5 })(tensor([0]), tensor([1]));
    expect(x.item()).toBeCloseTo(0.4, 10);
    // dx*/da = 1 / (1 + 1.5)
    expect(grad((a: Tensor) => sum(fixedPoint(Tm, { damping: 0.5 })(tensor([0]), a)))(tensor([1])).item()).toBeCloseTo(0.4, 10);
  });

  it("fixedPointIteration is a plain solver for implicitRoot", () => {
    const Tb = (z: Tensor, b: Tensor) => T(z, W0, U0, b);
    const viaRoot = implicitRoot((z: Tensor, b: Tensor) => sub(Tb(z, b), z), fixedPointIteration(Tb), { x0: z0 });
    const g1 = grad((b: Tensor) => vdot(viaRoot(b), c))(b0);
    const g2 = grad((b: Tensor) => vdot(fixedPoint(Tb, z0, b), c))(b0);
    expect(maxDiff(g1.data, g2.data)).toBeLessThan(1e-12);
  });

  it("non-convergence → ConvergenceError with residual ‖T(x) − x‖ and iteration count", () => {
    const Tm = (x: Tensor) => add(mul(x, 1.2), 1); // expanding: diverges
    let e: unknown;
    try {
      fixedPoint(Tm, { maxIter: 30 })(tensor([0, 0]));
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(ConvergenceError);
    const ce = e as ConvergenceError;
    expect(ce.iterations).toBe(30);
    expect(ce.residual).toBeGreaterThan(1);
    expect(ce.message).toMatch(/^fixedPoint: the fixed-point iteration did not converge in maxIter = 30 iterations/);
  });

  it("an adjoint solve that fails raises (no silently wrong gradient)", () => {
    const f = fixedPoint(T, { linearSolve: { solver: "gmres", maxIter: 1 } });
    expect(() => f(z0, W0, U0, b0)).not.toThrow();
    expect(() => grad((b: Tensor) => vdot(f(z0, W0, U0, b), c))(b0)).toThrow(/^fixedPoint: adjoint \(VJP\) linear solve \(gmres, 6 unknowns\) failed/);
  });

  it("bad input: typed errors naming the op", () => {
    expect(() => fixedPoint((x: Tensor) => sum(x), zeros([3]))).toThrow(ShapeError);
    expect(() => fixedPoint(T, { method: "newton" as never })(z0, W0, U0, b0)).toThrow(/^fixedPoint: option method/);
    expect(() => fixedPoint(T, { damping: 2 })(z0, W0, U0, b0)).toThrow(ArgumentError);
    expect(() => fixedPointIteration(T)(W0, U0, b0, undefined)).toThrow(/^fixedPointIteration: needs an initial guess/);
  });
});
