import { describe, it, expect } from "vitest";
import {
  Tensor, tensor, scalar, randn, eye, zeros, add, sub, mul, div, matmul, mT, vdot, pow, kron, reshape,
  grad, jvp, hvp, jacobian, gradcheck, gradgradcheck,
  implicitRoot, inverseOf, newtonKrylov, customLinearSolve, ConvergenceError, ArgumentError, ShapeError, linalg,
} from "../../src/index.js";
import { solveSylvester } from "../../src/kernels/sylvester.js";

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function fdDir(f: (x: Tensor) => Tensor, x: Tensor, d: Tensor, h = 1e-6): number {
  return (f(add(x, mul(d, h))).item() - f(sub(x, mul(d, h))).item()) / (2 * h);
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

/** A near-identity matrix with a small random part: X ↦ X·X + X is well conditioned around it. */
function nearId(n: number, seed: number, scale: number, diag = 1): Tensor {
  return add(mul(randn([n, n], { seed }), scale / Math.sqrt(n)), mul(eye(n), diag));
}

// ---------------------------------------------------------------------------

describe("implicitRoot: scalar equation with closed-form derivatives", () => {
  // x³ + x = θ: dx/dθ = 1/(3x² + 1), d²x/dθ² = −6x (dx/dθ)³
  const F = (x: Tensor, t: Tensor) => sub(add(pow(x, 3), x), t);
  const newton1d = (t: Tensor, x0?: Tensor) => {
    let x = x0?.item() ?? 0;
    for (let k = 0; k < 50; k++) x -= (x ** 3 + x - t.item()) / (3 * x * x + 1);
    return scalar(x);
  };
  const root = implicitRoot(F, newton1d);
  const t0 = scalar(2.5);

  it("value, first and second derivative, forward and reverse", () => {
    const x = root(t0).item();
    expect(x ** 3 + x).toBeCloseTo(2.5, 12);
    const d1 = 1 / (3 * x * x + 1);
    expect(grad(root)(t0).item()).toBeCloseTo(d1, 12);
    expect(jvp(root, [t0], [scalar(1)]).tangent.item()).toBeCloseTo(d1, 12);
    const d2 = -6 * x * d1 ** 3;
    expect(grad(grad(root))(t0).item()).toBeCloseTo(d2, 10);
    expect(hvp(root, [t0], [scalar(1)])[0].item()).toBeCloseTo(d2, 10);
    // third order: d³x/dθ³ = −6 (dx/dθ)⁴ + 18·6 x² (dx/dθ)⁵  (differentiate d2 = −6x d1³ with d1' = d2)
    const d3 = -6 * d1 ** 4 - 18 * x * d1 ** 2 * d2;
    expect(grad(grad(grad(root)))(t0).item()).toBeCloseTo(d3, 8);
  });

  it("the initial guess reaches the solver; noGrad-style constant inputs give constant outputs", () => {
    let seen: number | undefined;
    const r = implicitRoot(F, (t: Tensor, x0?: Tensor) => {
      seen = x0?.item();
      return newton1d(t, x0);
    }, { x0: (t: Tensor) => mul(t, 0.5) });
    const x = r(t0);
    expect(seen).toBe(1.25);
    expect(x.requiresGrad).toBe(false);
  });
});

describe("implicitRoot: several matrix parameters", () => {
  const n = 3;
  // A X + X B + 0.1 X·X = C
  const F = (X: Tensor, A: Tensor, B: Tensor, C: Tensor) => sub(add(add(matmul(A, X), matmul(X, B)), mul(matmul(X, X), 0.1)), C);
  const solve = implicitRoot(F, newtonKrylov(F), { x0: zeros([n, n]) });
  const A = nearId(n, 1, 0.5, 2), B = nearId(n, 2, 0.5, 1), C = randn([n, n], { seed: 3 });

  it("solves the equation", () => {
    const X = solve(A, B, C);
    expect(maxDiff(F(X, A, B, C).data, new Float64Array(n * n))).toBeLessThan(1e-10);
  });

  it("gradients w.r.t. all three match central differences that re-solve (VJP, JVP, dot-product test)", () => {
    const r = gradcheck(solve, [A, B, C], { raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("second order (gradgradcheck)", () => {
    const W = randn([n, n], { seed: 4 });
    const r = gradgradcheck((A: Tensor, B: Tensor, C: Tensor) => vdot(solve(A, B, C), W), [A, B, C], { raise: false, mode: "fast" });
    expect(r.ok, r.report).toBe(true);
  });

  it("forward- and reverse-mode Jacobians agree", () => {
    const jr = jacobian(solve, { argnums: 2 })(A, B, C) as Tensor;
    const jf = jacobian(solve, { argnums: 2, mode: "forward" })(A, B, C) as Tensor;
    expect(maxDiff(jr.data, jf.data)).toBeLessThan(1e-10);
  });

  it("tensors the residual closes over get gradients, equal to passing them explicitly", () => {
    const Bg = B;
    const closed = (A: Tensor, Bc: Tensor, C: Tensor) =>
      implicitRoot((X: Tensor, A: Tensor, C: Tensor) => F(X, A, Bc, C), (A: Tensor, C: Tensor) => solve(A, Bg, C))(A, C);
    const W = randn([n, n], { seed: 5 });
    const g1 = grad((A: Tensor, B: Tensor, C: Tensor) => vdot(closed(A, B, C), W), { argnums: [0, 1, 2] })(A, B, C) as Tensor[];
    const g2 = grad((A: Tensor, B: Tensor, C: Tensor) => vdot(solve(A, B, C), W), { argnums: [0, 1, 2] })(A, B, C) as Tensor[];
    for (let i = 0; i < 3; i++) expect(maxDiff(g1[i].data, g2[i].data)).toBeLessThan(1e-10);
  });
});

describe("implicitRoot: an argmin through its optimality condition (symmetric Jacobian → CG)", () => {
  it("x*(b) = argmin ½xᵀAx + 0.025 Σx⁴ − bᵀx: F = ∇f, ∂ₓF = A + 0.3 diag(x²) is SPD", () => {
    const m = 80;
    const G = randn([m, m], { seed: 40 });
    const A = add(mul(matmul(G, mT(G)), 1 / m), eye(m));
    const F = (x: Tensor, b: Tensor) => sub(add(matmul(A, x), mul(pow(x, 3), 0.1)), b);
    const stages: string[] = [];
    const lin = { symmetric: true, onInfo: (i: { stage: string; solver: string }) => stages.push(`${i.stage}:${i.solver}`) };
    const argmin = implicitRoot(F, newtonKrylov(F, { linearSolve: { symmetric: true } }), { x0: zeros([m]), linearSolve: lin });
    const b = randn([m], { seed: 41 }), c = randn([m], { seed: 42 }), db = randn([m], { seed: 43 });
    const f = (b: Tensor) => vdot(argmin(b), c);
    const g = grad(f)(b);
    expect(stages).toEqual(["adjoint (VJP):cg"]);
    expect(vdot(g, db).item()).toBeCloseTo(fdDir(f, b, db), 7);
    // symmetric ∂ₓF: the gradient w.r.t. b is (∂ₓF)⁻¹ c — check against the JVP in direction db
    expect(vdot(jvp(argmin, [b], [db]).tangent as Tensor, c).item()).toBeCloseTo(vdot(g, db).item(), 8);
  });
});

describe("inverseOf: the matrix square root as the inverse of X ↦ X·X", () => {
  const sqrtm = inverseOf((X: Tensor) => matmul(X, X));

  it("hand-computed 2×2 cases: value and VJP (Xᵀ Ȳ + Ȳ Xᵀ = X̄)", () => {
    // diagonal: Ȳᵢⱼ = X̄ᵢⱼ / (xᵢ + xⱼ)
    const Yd = tensor([[4, 0], [0, 9]]);
    expect(maxDiff(sqrtm(Yd).data, [2, 0, 0, 3])).toBeLessThan(1e-12);
    const gd = grad((Y: Tensor) => vdot(sqrtm(Y), tensor([[1, 2], [3, 4]])))(Yd);
    expect(maxDiff(gd.data, [1 / 4, 2 / 5, 3 / 5, 4 / 6])).toBeLessThan(1e-12);
    // [[5, 4], [4, 5]] = [[2, 1], [1, 2]]², X̄ = e₁e₁ᵀ ⇒ Ȳ = [[7/24, −1/12], [−1/12, 1/24]]
    const Y = tensor([[5, 4], [4, 5]]);
    expect(maxDiff(sqrtm(Y).data, [2, 1, 1, 2])).toBeLessThan(1e-12);
    const g = grad((Y: Tensor) => vdot(sqrtm(Y), tensor([[1, 0], [0, 0]])))(Y);
    expect(maxDiff(g.data, [7 / 24, -1 / 12, -1 / 12, 1 / 24])).toBeLessThan(1e-12);
  });

  it("nonsymmetric 5×5: VJP solves the Sylvester equation (Bartels–Stewart), JVP is its transpose", () => {
    const n = 5;
    const X0 = nearId(n, 6, 0.6, 2);
    const Y = matmul(X0, X0);
    const X = sqrtm(Y);
    expect(maxDiff(X.data, X0.data)).toBeLessThan(1e-11);
    const Xbar = randn([n, n], { seed: 7 });
    const g = grad((Y: Tensor) => vdot(sqrtm(Y), Xbar))(Y);
    const XT = mT(X0).data;
    const ref = solveSylvester(XT, n, XT, n, Xbar.data);
    expect(ref.info).toBe(0);
    expect(maxDiff(g.data, ref.x)).toBeLessThan(1e-10);
    const dY = randn([n, n], { seed: 8 });
    const tangent = jvp(sqrtm, [Y], [dY]).tangent as Tensor;
    expect(vdot(tangent, Xbar).item()).toBeCloseTo(vdot(g, dY).item(), 11);
  });

  it("agrees with linalg.sqrtm in value, gradient and second order", () => {
    const n = 4;
    const G = randn([n, n], { seed: 9 });
    const Y = add(matmul(G, mT(G)), mul(eye(n), 2)); // SPD: X₀ = Y converges to the principal root
    expect(maxDiff(sqrtm(Y).data, linalg.sqrtm(Y).data)).toBeLessThan(1e-11);
    const W = randn([n, n], { seed: 10 });
    const f1 = (Y: Tensor) => vdot(sqrtm(Y), W), f2 = (Y: Tensor) => vdot(linalg.sqrtm(Y), W);
    expect(maxDiff(grad(f1)(Y).data, grad(f2)(Y).data)).toBeLessThan(1e-10);
    const dY = randn([n, n], { seed: 11 });
    expect(maxDiff(hvp(f1, [Y], [dY])[0].data, hvp(f2, [Y], [dY])[0].data)).toBeLessThan(1e-8);
  });
});

describe("inverseOf: X ↦ X·X + X", () => {
  const A = (X: Tensor) => add(matmul(X, X), X);
  const inv = inverseOf(A);
  const n = 3;
  const Xt = nearId(n, 12, 0.3, 0.2); // ‖2X‖ < 1: the fixed-point map X ↦ Y − X² contracts
  const Y = A(Xt);

  it("recovers X and passes gradcheck with re-solving central differences (VJP, JVP, dot product)", () => {
    expect(maxDiff(inv(Y).data, Xt.data)).toBeLessThan(1e-12);
    const r = gradcheck(inv, [Y], { raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("matches unrolled differentiation through 60 fixed-point iterations X ← Y − X·X", () => {
    const W = randn([n, n], { seed: 13 });
    const unrolled = (Y: Tensor) => {
      let X: Tensor = zeros([n, n]);
      for (let k = 0; k < 60; k++) X = sub(Y, matmul(X, X));
      return vdot(X, W);
    };
    const g = grad((Y: Tensor) => vdot(inv(Y), W))(Y);
    // the unrolled gradient converges to the implicit one at the contraction rate (≈ 0.7 here)
    expect(maxDiff(g.data, grad(unrolled)(Y).data)).toBeLessThan(1e-8);
  });

  it("matches unrolled differentiation through 8 Newton steps (Kronecker Jacobian, linalg.solve)", () => {
    const W = randn([n, n], { seed: 14 });
    const I = eye(n);
    const unrolledNewton = (Y: Tensor) => {
      let X: Tensor = Y;
      for (let k = 0; k < 8; k++) {
        // row-major vec: vec(X δ + δ X + δ) = (X ⊗ I + I ⊗ Xᵀ + I) vec(δ)
        const J = add(add(kron(X, I), kron(I, mT(X))), eye(n * n));
        const Fv = reshape(sub(A(X), Y), [n * n, 1]);
        X = sub(X, reshape(linalg.solve(J, Fv), [n, n]));
      }
      return vdot(X, W);
    };
    const g = grad((Y: Tensor) => vdot(inv(Y), W))(Y);
    expect(maxDiff(g.data, grad(unrolledNewton)(Y).data)).toBeLessThan(1e-10);
  });

  it("second order: Hessian-vector products match finite differences of the gradient", () => {
    const W = randn([n, n], { seed: 15 }), dY = randn([n, n], { seed: 16 });
    const f = (Y: Tensor) => vdot(inv(Y), W);
    const hv = hvp(f, [Y], [dY])[0];
    const h = 1e-5;
    const fd = div(sub(grad(f)(add(Y, mul(dY, h))), grad(f)(sub(Y, mul(dY, h)))), 2 * h);
    expect(maxDiff(hv.data, fd.data)).toBeLessThan(1e-7);
    const gg = grad((Y: Tensor) => vdot(grad(f)(Y), dY))(Y);
    expect(maxDiff(gg.data, hv.data)).toBeLessThan(1e-10);
  });

  it("n = 16 (256 unknowns): matrix-free GMRES in Newton and in the adjoint; directional derivative vs re-solving FD", () => {
    const m = 16;
    const X16 = nearId(m, 17, 0.5, 0.5);
    const Y16 = A(X16);
    const solvers: string[] = [];
    const inv16 = inverseOf(A, { linearSolve: { onInfo: (i) => solvers.push(`${i.stage}:${i.solver}`) } });
    expect(maxDiff(inv16(Y16).data, X16.data)).toBeLessThan(1e-10);
    const W = randn([m, m], { seed: 18 }), dY = randn([m, m], { seed: 19 });
    const f = (Y: Tensor) => vdot(inv16(Y), W);
    const g = grad(f)(Y16);
    expect(solvers).toContain("adjoint (VJP):gmres");
    expect(vdot(g, dY).item()).toBeCloseTo(fdDir(f, Y16, dY), 6);
  });

  it("parameters of the map are differentiated too: A(X, P) = X·X + P·X", () => {
    const invP = inverseOf((X: Tensor, P: Tensor) => add(matmul(X, X), matmul(P, X)));
    const P = nearId(n, 20, 0.3, 1);
    const Yp = add(matmul(Xt, Xt), matmul(P, Xt));
    expect(maxDiff(invP(Yp, P).data, Xt.data)).toBeLessThan(1e-11);
    const r = gradcheck(invP, [Yp, P], { raise: false });
    expect(r.ok, r.report).toBe(true);
  });
});

describe("implicit functions inside traced linear operators", () => {
  it("an implicit function linear in θ, used as a matvec, is re-solved at every replayed right-hand side", () => {
    // x*(θ) = B⁻¹θ via implicitRoot (a plain LU solver); customLinearSolve with A = B⁻¹ gives x = B b
    const B = nearId(4, 30, 0.5, 2);
    let solves = 0;
    const Binv = implicitRoot(
      (x: Tensor, t: Tensor) => sub(matmul(B, x), t),
      (t: Tensor) => {
        solves++;
        return linalg.solve(B, t);
      },
    );
    const b = randn([4], { seed: 31 });
    const x = customLinearSolve((v) => Binv(v), b, { solver: "gmres" });
    expect(maxDiff(x.data, matmul(B, b).data)).toBeLessThan(1e-9);
    expect(solves).toBeGreaterThan(4); // the rule's forward ran again for each Krylov vector
    const c = randn([4], { seed: 32 });
    const g = grad((b: Tensor) => vdot(customLinearSolve((v) => Binv(v), b, { solver: "lu" }), c))(b);
    expect(maxDiff(g.data, matmul(mT(B), c).data)).toBeLessThan(1e-9);
  });
});

describe("implicit functions: loud failures", () => {
  it("a solver result that is not a root → ConvergenceError with the residual and the solver's iterations", () => {
    const F = (x: Tensor, t: Tensor) => sub(mul(x, x), t);
    const bad = implicitRoot(F, (t: Tensor) => ({ x: t, iterations: 7 }));
    const e = thrown(() => bad(tensor([4, 9])));
    expect(e).toBeInstanceOf(ConvergenceError);
    const ce = e as ConvergenceError;
    expect(ce.message).toMatch(/^implicitRoot: the forward solve did not find a root after 7 iterations: ‖F\(x\*, θ\)‖ = /);
    expect(ce.residual).toBeCloseTo(Math.hypot(12, 72), 9);
    expect(ce.iterations).toBe(7);
  });

  it("a singular Jacobian at the root → ConvergenceError on backward (never a silent gradient)", () => {
    // x³ = θ at θ = 0: x* = 0 and ∂ₓF = 3x² = 0
    const cbrt = implicitRoot((x: Tensor, t: Tensor) => sub(pow(x, 3), t), (t: Tensor) => tensor(Math.cbrt(t.item())));
    expect(cbrt(scalar(0)).item()).toBe(0);
    const e = thrown(() => grad(cbrt)(scalar(0)));
    expect(e).toBeInstanceOf(ConvergenceError);
    expect((e as Error).message).toMatch(/^implicitRoot: adjoint \(VJP\) linear solve \(lu, 1 unknowns\) failed: singular/);
    expect(() => jvp(cbrt, [scalar(0)], [scalar(1)])).toThrow(/tangent \(JVP\) linear solve .* singular/);
    // the matrix square root diag(1, −1) of I: X ⊗ I + I ⊗ Xᵀ is singular (λ₁ + λ₂ = 0)
    const sq = inverseOf((X: Tensor) => matmul(X, X), { x0: tensor([[1, 0], [0, -1]]) });
    expect(maxDiff(sq(eye(2)).data, [1, 0, 0, -1])).toBe(0);
    expect(() => grad((Y: Tensor) => vdot(sq(Y), eye(2)))(eye(2))).toThrow(/^inverseOf: adjoint \(VJP\) linear solve .*singular/);
  });

  it("an adjoint solve that does not converge → ConvergenceError with residual and iterations", () => {
    const m = 12;
    const A = (X: Tensor) => add(matmul(X, X), X);
    const inv = inverseOf(A, { linearSolve: { solver: "gmres", maxIter: 2 } });
    const Y = A(nearId(m, 21, 0.5, 0.5));
    expect(() => inv(Y)).not.toThrow();
    const e = thrown(() => grad((Y: Tensor) => vdot(inv(Y), eye(m)))(Y)) as ConvergenceError;
    expect(e).toBeInstanceOf(ConvergenceError);
    expect(e.iterations).toBe(2);
    expect(e.residual).toBeGreaterThan(e.tolerance!);
    expect(e.message).toMatch(/^inverseOf: adjoint \(VJP\) linear solve \(gmres, 144 unknowns\) failed: maxIter = 2 reached/);
  });

  it("Newton that runs out of iterations or cannot decrease ‖F‖ → ConvergenceError", () => {
    const A = (X: Tensor) => add(matmul(X, X), X);
    const Y = A(nearId(3, 22, 0.3, 0.2));
    const e1 = thrown(() => inverseOf(A, { newton: { maxIter: 1 } })(Y)) as ConvergenceError;
    expect(e1).toBeInstanceOf(ConvergenceError);
    expect(e1.iterations).toBe(1);
    expect(e1.message).toMatch(/^inverseOf: Newton–Krylov did not converge in maxIter = 1 iterations/);
    // x² = −1 has no real root: the line search stalls at the minimum of ‖F‖
    const e2 = thrown(() => inverseOf((x: Tensor) => mul(x, x), { x0: tensor([0.5]) })(tensor([-1]))) as ConvergenceError;
    expect(e2).toBeInstanceOf(ConvergenceError);
    expect(e2.residual).toBeGreaterThan(0.5);
    expect(e2.message).toMatch(/line search|singular/);
  });

  it("bad input: typed errors naming the op", () => {
    expect(() => implicitRoot((x: Tensor, _t: Tensor) => sum2(x), (t: Tensor) => t)(tensor([1, 2]))).toThrow(ShapeError);
    expect(() => implicitRoot((x: Tensor) => x, "nope" as never)).toThrow(/^implicitRoot: solver must be a function/);
    expect(() => implicitRoot((x: Tensor, _t: Tensor) => x, (t: Tensor) => t, { tol: -1 })).toThrow(ArgumentError);
    expect(() => implicitRoot((x: Tensor, _t: Tensor) => x, (t: Tensor) => t, { linearSolve: { solver: "qr" as never } })).toThrow(/option linearSolve\.solver/);
    expect(() => newtonKrylov((x: Tensor, t: Tensor) => sub(x, t))(tensor([1]), undefined)).toThrow(/^newtonKrylov: needs an initial guess/);
    expect(() => inverseOf((X: Tensor) => reshape(X, [4]))(tensor([[1, 2], [3, 4]]))).toThrow(/^inverseOf: A maps the initial guess/);
    expect(() => implicitRoot((x: Tensor, t: Tensor) => mul(x, t), () => tensor([1]), { name: "myRoot" })(tensor([2]))).toThrow(/^myRoot: the forward solve did not find a root/);
  });
});

function sum2(x: Tensor): Tensor {
  return vdot(x, x);
}
