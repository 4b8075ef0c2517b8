/**
 * The solvers added with issue 15 point 5 beyond the OpInfo table
 * (src/testing/opinfo/linalg-solvers.ts): the *Ex functions' failure paths
 * (info, NaN results, zero gradients, checkErrors), rectangular LU pivots and
 * empty shapes, luSolve broadcasting, LDL against LAPACK and its
 * derivatives through the factorization, the Stein and Riccati equations (residuals,
 * closed-loop stability, errors, derivatives against finite differences,
 * vmap), and the non-finite policy.
 */
import { describe, it, expect } from "vitest";
import {
  Tensor, linalg, tensor, where, isnan, eye, randn, matmul, mT, sub, add, mul, sum, grad, jvp, vmap, stack, gradcheck,
  ShapeError, ArgumentError, SingularMatrixError, NotPositiveDefiniteError, DomainError,
} from "../../src/index.js";
import { SOLVER_FIXTURES as F } from "../../src/testing/opinfo/linalg-solvers-fixtures.js";

const maxAbs = (t: Tensor): number => t.toArray().reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const close = (a: Tensor, b: Tensor | number[] | number[][], tol = 1e-12): void => {
  const bb = b instanceof Tensor ? b : tensor(b as number[][]);
  expect(a.shape).toEqual(bb.shape);
  expect(maxAbs(sub(a, bb))).toBeLessThanOrEqual(tol * (1 + maxAbs(bb)));
};
/** NaN entries replaced by 0 (a differentiable where). */
const noNan = (x: Tensor): Tensor => where(isnan(x), 0, x);
const fx = (s: string, k: string): Tensor => tensor(F[s][k] as number[][]);

describe("invEx / solveEx / choleskyEx", () => {
  const A = tensor([[[4, 2], [2, 3]], [[1, 2], [2, 4]], [[0, 0], [0, 1]]]); // ok, singular (U[1,1] = 0), singular (U[0,0] = 0)

  it("info is LAPACK's 1-based failing pivot, the failed elements are NaN, the others exact", () => {
    const { inverse, info } = linalg.invEx(A);
    expect(info.toArray()).toEqual([0, 2, 1]);
    expect(info.shape).toEqual([3]);
    close(inverse.slice(0), [[0.375, -0.25], [-0.25, 0.5]]);
    expect(inverse.slice(1).toArray().every(Number.isNaN)).toBe(true);
    expect(inverse.slice(2).toArray().every(Number.isNaN)).toBe(true);
    const [X, info2] = linalg.solveEx(A, tensor([1, 2]));
    expect(info2.toArray()).toEqual([0, 2, 1]);
    close(X.slice(0), [-0.125, 0.75]);
    expect(X.slice(1).toArray().every(Number.isNaN)).toBe(true);
  });

  it("no condition check: a matrix singular only to working precision is inverted with info 0 (linalg.inv raises)", () => {
    const nearly = tensor([[1, 2], [1, 2 + 4.440892098500626e-16]]); // U[1, 1] = 2⁻⁵¹, rcond ≈ 1e-16
    expect(() => linalg.inv(nearly)).toThrow(SingularMatrixError);
    const { inverse, info } = linalg.invEx(nearly);
    expect(info.item()).toBe(0);
    expect(inverse.toArray().every(Number.isFinite)).toBe(true);
  });

  it("choleskyEx: info is the order of the first non-positive leading minor; upper; checkErrors raises", () => {
    const S = tensor([[[4, 2], [2, 5]], [[1, 2], [2, 1]], [[-1, 0], [0, 1]]]);
    const { L, info } = linalg.choleskyEx(S);
    expect(info.toArray()).toEqual([0, 2, 1]);
    close(L.slice(0), [[2, 0], [1, 2]]);
    expect(L.slice(1).toArray().every(Number.isNaN)).toBe(true);
    close(linalg.choleskyEx(S.slice(0), { upper: true }).L, [[2, 1], [0, 2]]);
    expect(() => linalg.choleskyEx(S, { checkErrors: true })).toThrow(NotPositiveDefiniteError);
    expect(() => linalg.choleskyEx(S, { checkErrors: true })).toThrow(/^linalg\.choleskyEx: the matrix \(batch element 1\) is not positive definite: the leading minor of order 2/);
    expect(() => linalg.invEx(A, { checkErrors: true })).toThrow(/^linalg\.invEx: the matrix \(batch element 1\) is singular: U\[1, 1\] = 0/);
    expect(() => linalg.solveEx(A, tensor([1, 2]), { checkErrors: true })).toThrow(SingularMatrixError);
  });

  it("gradients: those of inv / solve / cholesky where info = 0, zero on the failed elements", () => {
    const gInv = grad((a: Tensor) => sum(mul(linalg.invEx(a).inverse.slice(0), tensor([[1, 2], [3, 4]]))))(A);
    const gRef = grad((a: Tensor) => sum(mul(linalg.inv(a), tensor([[1, 2], [3, 4]]))))(A.slice(0));
    close(gInv.slice(0), gRef);
    expect(maxAbs(gInv.slice(1)) + maxAbs(gInv.slice(2))).toBe(0);
    // a loss that reads the NaN entries too: the failed elements still get 0, the others their gradient
    const gAll = grad((a: Tensor) => sum(noNan(linalg.solveEx(a, tensor([[1], [2]])).result)))(A);
    expect(gAll.toArray().every(Number.isFinite)).toBe(true);
    expect(maxAbs(gAll.slice(1))).toBe(0);
    const S = tensor([[[4, 2], [2, 5]], [[1, 2], [2, 1]]]);
    const gc = grad((a: Tensor) => sum(noNan(linalg.choleskyEx(a).L)))(S);
    close(gc.slice(0), grad((a: Tensor) => sum(linalg.cholesky(a)))(S.slice(0)));
    expect(maxAbs(gc.slice(1))).toBe(0);
  });

  it("solveEx: left: false, broadcasting, and a non-finite A gives NaN with info 0", () => {
    const Ab = add(randn([2, 3, 3], { seed: 3 }), mul(eye(3), 4));
    const B = randn([4, 3], { seed: 4 });
    const { result } = linalg.solveEx(Ab, B, { left: false });
    close(result, linalg.solve(Ab, B, { left: false }), 1e-12);
    const nanA = tensor([[1, 2], [3, NaN]]);
    const r = linalg.invEx(nanA);
    expect(r.info.item()).toBe(0);
    expect(r.inverse.toArray().every(Number.isNaN)).toBe(true);
  });
});

describe("rectangular LU", () => {
  it("pivots and compact LU match LAPACK getrf; P L U = A", () => {
    for (const s of ["luWide", "luTall", "luRow", "luCol"]) {
      const { LU, pivots } = linalg.luFactor(fx(s, "A"));
      close(LU, fx(s, "LU"), 1e-14);
      expect(pivots.toArray()).toEqual((F[s].pivots as number[]));
      const { P, L, U } = linalg.lu(fx(s, "A"));
      close(P, fx(s, "P"));
      close(matmul(P, matmul(L, U)), fx(s, "A"), 1e-14);
    }
  });

  it("shapes: P m×m, L m×k, U k×n (k = min(m, n)), batched and empty", () => {
    const { P, L, U } = linalg.lu(randn([2, 3, 5], { seed: 1 }));
    expect([P.shape, L.shape, U.shape]).toEqual([[2, 3, 3], [2, 3, 3], [2, 3, 5]]);
    const t = linalg.lu(randn([5, 2], { seed: 2 }));
    expect([t.P.shape, t.L.shape, t.U.shape]).toEqual([[5, 5], [5, 2], [2, 2]]);
    const e = linalg.lu(new Tensor(new Float64Array(0), [0, 3]));
    expect([e.P.shape, e.L.shape, e.U.shape]).toEqual([[0, 0], [0, 0], [0, 3]]);
    const f = linalg.luFactor(new Tensor(new Float64Array(0), [3, 0]));
    expect([f.LU.shape, f.pivots.shape]).toEqual([[3, 0], [0]]);
  });

  it("a singular leading block: the factorization exists, its derivative raises SingularMatrixError", () => {
    const A = tensor([[0, 0, 1], [0, 0, 2]]);
    const { P, L, U } = linalg.lu(A);
    close(matmul(P, matmul(L, U)), A);
    expect(() => grad((a: Tensor) => sum(linalg.lu(a).U))(A)).toThrow(/^linalg\.lu: the derivative is unbounded: U\[0, 0\] = 0/);
  });

  it("a NaN entry gives NaN factors", () => {
    const { L, U } = linalg.lu(tensor([[1, 2, 3], [4, NaN, 6]]));
    expect(U.toArray().filter((_, i) => i % 3 >= Math.floor(i / 3)).every(Number.isNaN)).toBe(true); // the upper part
    expect(Number.isNaN(L.toArray()[2])).toBe(true); // L[1, 0]; the unit diagonal stays, as in the square lu
  });

  it("square matrices keep the square path (same values as before)", () => {
    const A = randn([4, 4], { seed: 5 });
    const { LU, pivots } = linalg.luFactor(A);
    expect(LU.shape).toEqual([4, 4]);
    expect(pivots.shape).toEqual([4]);
  });
});

describe("luSolve broadcasts like solve", () => {
  const A = add(randn([2, 1, 3, 3], { seed: 7 }), mul(eye(3), 3));
  const { LU, pivots } = linalg.luFactor(A);

  it("LU [2, 1], B [4] batches → [2, 4]; adjoint; left: false", () => {
    const B = randn([4, 3, 2], { seed: 8 });
    close(linalg.luSolve(LU, pivots, B), linalg.solve(A, B), 1e-12);
    close(linalg.luSolve(LU, pivots, B, { adjoint: true }), linalg.solve(mT(A), B), 1e-12);
    const C = randn([4, 2, 3], { seed: 9 });
    close(linalg.luSolve(LU, pivots, C, { left: false }), linalg.solve(A, C, { left: false }), 1e-12);
  });

  it("an unbatched B against batched factors; gradients in LU and B", () => {
    const B = randn([3, 1], { seed: 10 });
    expect(linalg.luSolve(LU, pivots, B).shape).toEqual([2, 1, 3, 1]);
    const r = gradcheck((lu: Tensor, b: Tensor) => linalg.luSolve(lu, pivots, b), [LU, randn([3, 3, 1], { seed: 11 })], { raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("batches that do not broadcast raise ShapeError naming luSolve", () => {
    expect(() => linalg.luSolve(LU, pivots, randn([5, 2, 3, 1], { seed: 12 }))).toThrow(ShapeError);
    expect(() => linalg.luSolve(LU, tensor([0, 1]), randn([3, 1]))).toThrow(/^linalg\.luSolve: pivots has shape \[2\]/);
  });
});

describe("ldlFactor / ldlSolve", () => {
  it("LD and pivots match LAPACK dsytrf (1×1 and 2×2 blocks)", () => {
    for (const s of ["ldlIndef", "ldl2x2", "ldlRandom"]) {
      const { LD, pivots } = linalg.ldlFactor(fx(s, "A"));
      close(LD, fx(s, "LD"), 1e-13);
      expect(pivots.toArray()).toEqual(F[s].pivots as number[]);
    }
    expect(linalg.ldlFactor(fx("ldl2x2", "A")).pivots.toArray()).toEqual([-3, -3, 2]);
  });

  it("solves symmetric indefinite systems (random, batched, broadcast B); reads the lower triangle", () => {
    for (const n of [1, 2, 5, 12]) {
      const G = randn([3, n, n], { seed: 40 + n });
      const S = add(G, mT(G));
      const { LD, pivots } = linalg.ldlFactor(S);
      const B = randn([n, 2], { seed: 60 + n });
      const X = linalg.ldlSolve(LD, pivots, B);
      expect(X.shape).toEqual([3, n, 2]);
      close(matmul(S, X), stack([B, B, B]), 1e-10);
    }
    const S = tensor([[2, 99], [1, -3]]); // the upper entry is not read
    const { LD, pivots } = linalg.ldlFactor(S);
    close(matmul(tensor([[2, 1], [1, -3]]), linalg.ldlSolve(LD, pivots, tensor([[1], [1]]))), [[1], [1]]);
  });

  it("differentiable in B and LD: ldlSolve(ldlFactor(A), B) has the derivative of A⁻¹B in A (any order, vmap)", () => {
    const S = fx("ldlIndef", "A"), B = tensor([[1], [0], [0], [1]]), W = tensor([[1], [2], [3], [4]]);
    const { LD, pivots } = linalg.ldlFactor(S);
    const g = grad((b: Tensor) => sum(mul(linalg.ldlSolve(LD, pivots, b), W)))(B);
    close(g, linalg.solve(S, W), 1e-12);
    // through the factorization: the gradient of the same loss through linalg.solve (A read through its lower triangle)
    const viaLdl = (a: Tensor) => { const f = linalg.ldlFactor(a); return sum(mul(linalg.ldlSolve(f.LD, f.pivots, B), W)); };
    const viaSolve = (a: Tensor) => sum(mul(linalg.solve(add(a.tril(), a.tril(-1).mT), B), W));
    for (const s of ["ldlIndef", "ldl2x2", "ldlRandom"]) {
      const A = fx(s, "A"), Bs = fx(s, "B");
      const f = (a: Tensor) => { const r = linalg.ldlFactor(a); return sum(mul(linalg.ldlSolve(r.LD, r.pivots, Bs), Bs)); };
      const h = (a: Tensor) => sum(mul(linalg.solve(add(a.tril(), a.tril(-1).mT), Bs), Bs));
      close(grad(f)(A), grad(h)(A), 1e-10);
    }
    close(grad(viaLdl)(S), grad(viaSolve)(S), 1e-12);
    const r = gradcheck((a: Tensor, b: Tensor) => { const f = linalg.ldlFactor(a); return linalg.ldlSolve(f.LD, f.pivots, b); }, [fx("ldl2x2", "A"), fx("ldl2x2", "B")], { raise: false, structure: ["symmetric", "general"] });
    expect(r.ok, r.report).toBe(true);
    // per-example gradients under vmap (pivots differ between the examples) agree with a loop
    const As = stack([fx("ldl2x2", "A"), add(fx("ldl2x2", "A"), mul(eye(3), 5))]);
    const Bs = fx("ldl2x2", "B");
    const loss = (a: Tensor) => { const f = linalg.ldlFactor(a); return sum(mul(linalg.ldlSolve(f.LD, f.pivots, Bs), Bs)); };
    expect(linalg.ldlFactor(As).pivots.toArray()).toEqual([-3, -3, 2, 0, 1, 2]);
    const gv = vmap(grad(loss))(As);
    close(gv.slice(1), grad(loss)(As.slice(1)), 1e-12);
    close(gv.slice(0), grad(loss)(As.slice(0)), 1e-12);
  });

  it("errors: singular D, malformed pivots; a NaN entry gives a NaN factor", () => {
    expect(() => linalg.ldlFactor(tensor([[1, 1], [1, 1]]))).toThrow(SingularMatrixError);
    expect(() => linalg.ldlSolve(fx("ldl2x2", "LD"), tensor([0, 5, 2]), tensor([[1], [1], [1]]))).toThrow(ArgumentError);
    expect(() => linalg.ldlSolve(fx("ldl2x2", "LD"), tensor([0.5, 1, 2]), tensor([[1], [1], [1]]))).toThrow(/^linalg\.ldlSolve: pivots\[0\] = 0\.5 is not an integer/);
    const { LD } = linalg.ldlFactor(tensor([[1, 2], [2, NaN]]));
    expect([LD.toArray()[0], LD.toArray()[2], LD.toArray()[3]].every(Number.isNaN)).toBe(true);
  });
});

describe("solveDiscreteLyapunov", () => {
  it("residual and SciPy agreement at n = 30 (complex eigenvalues), the adjoint equation in the VJP", () => {
    const A = mul(randn([30, 30], { seed: 1 }), 0.12), Q = randn([30, 30], { seed: 2 });
    const X = linalg.solveDiscreteLyapunov(A, Q);
    expect(maxAbs(add(sub(matmul(matmul(A, X), mT(A)), X), Q))).toBeLessThan(1e-12 * (1 + maxAbs(X)));
    // ⟨W, Q⟩ = ⟨X̄, X⟩ with W = Q̄ (the adjoint Stein solve)
    const Xbar = randn([30, 30], { seed: 3 });
    const W = grad((q: Tensor) => sum(mul(linalg.solveDiscreteLyapunov(A, q), Xbar)))(Q);
    expect(maxAbs(add(sub(matmul(matmul(mT(A), W), A), W), Xbar))).toBeLessThan(1e-11 * (1 + maxAbs(W)));
  });

  it("errors and non-finite input", () => {
    expect(() => linalg.solveDiscreteLyapunov(tensor([[1]]), tensor([[1]]))).toThrow(/^linalg\.solveDiscreteLyapunov: the equation is singular/);
    expect(linalg.solveDiscreteLyapunov(tensor([[NaN]]), tensor([[1]])).toArray().every(Number.isNaN)).toBe(true);
    expect(() => linalg.solveDiscreteLyapunov(tensor([1, 2]), tensor([[1]]))).toThrow(ShapeError);
  });

  it("solveContinuousLyapunov is SciPy's name for solveLyapunov", () => {
    expect(linalg.solveContinuousLyapunov).toBe(linalg.solveLyapunov);
  });
});

describe("solveContinuousAre / solveDiscreteAre", () => {
  const A = fx("careGeneral", "A"), B = fx("careGeneral", "B"), Q = fx("careGeneral", "Q"), R = fx("careGeneral", "R");
  const G = matmul(B, linalg.solve(R, mT(B)));

  it("CARE: residual, symmetric X, stable closed loop A − G X", () => {
    const X = linalg.solveContinuousAre(A, B, Q, R);
    close(X, mT(X), 1e-15);
    const res = add(sub(add(matmul(mT(A), X), matmul(X, A)), matmul(matmul(X, G), X)), Q);
    expect(maxAbs(res)).toBeLessThan(1e-12 * (1 + maxAbs(X)));
    close(X, fx("careGeneral", "X"), 1e-10);
  });

  it("DARE: residual in SciPy's form, SciPy agreement", () => {
    const X = linalg.solveDiscreteAre(A, B, Q, R);
    const BtX = matmul(mT(B), X);
    const res = add(sub(sub(matmul(matmul(mT(A), X), A), X), matmul(matmul(matmul(mT(A), mT(BtX)), linalg.solve(add(R, matmul(BtX, B)), matmul(BtX, A))), eye(3))), Q);
    expect(maxAbs(res)).toBeLessThan(1e-11 * (1 + maxAbs(X)));
    close(X, fx("careGeneral", "Xd"), 1e-10);
  });

  it("scalar closed forms: CARE x = r(a + √(a² + b²q/r))/b², DARE via the quadratic", () => {
    const a = -1.5, b = 2, q = 3, r = 0.5;
    const x = linalg.solveContinuousAre([[a]], [[b]], [[q]], [[r]]).item();
    expect(x).toBeCloseTo((r * (a + Math.sqrt(a * a + (b * b * q) / r))) / (b * b), 13);
    // DARE scalar: x = a²x r/(r + b²x) + q  ⇔  b² x² + (r − a² r − q b²) x − q r = 0 (the positive root)
    const xd = linalg.solveDiscreteAre([[a]], [[b]], [[q]], [[r]]).item();
    const p = r - a * a * r - q * b * b;
    expect(xd).toBeCloseTo((-p + Math.sqrt(p * p + 4 * b * b * q * r)) / (2 * b * b), 12);
  });

  it("derivatives in A, B, Q and R against central differences (through G = B R⁻¹ Bᵀ)", () => {
    for (const f of [linalg.solveContinuousAre, linalg.solveDiscreteAre]) {
      const r = gradcheck((a: Tensor, b: Tensor, q: Tensor, rr: Tensor) => f(a, b, q, rr), [A, B, Q, R], { raise: false, structure: ["general", "general", "symmetric", "symmetric"] });
      expect(r.ok, r.report).toBe(true);
    }
  });

  it("Q and R enter through their symmetric parts", () => {
    const Qn = add(Q, tensor([[0, 1, 0], [-1, 0, 0], [0, 0, 0]]));
    close(linalg.solveContinuousAre(A, B, Qn, R), linalg.solveContinuousAre(A, B, Q, R), 1e-13);
  });

  it("vmap over A agrees with a loop; batched A broadcasts against shared B, Q, R", () => {
    const As = fx("careBatch", "A");
    const Bs = fx("careBatch", "B"), Qs = fx("careBatch", "Q"), Rs = fx("careBatch", "R");
    const v = vmap((a: Tensor) => linalg.solveDiscreteAre(a, Bs, Qs, Rs))(As);
    close(v, linalg.solveDiscreteAre(As, Bs, Qs, Rs), 1e-13);
    close(linalg.solveContinuousAre(As, Bs, Qs, Rs), fx("careBatch", "X"), 1e-9);
  });

  it("forward mode: jvp equals the finite difference", () => {
    const dA = randn([3, 3], { seed: 21 });
    const { tangent: t } = jvp((a: Tensor) => linalg.solveContinuousAre(a, B, Q, R), [A], [dA]);
    const h = 1e-6;
    const fd = mul(sub(linalg.solveContinuousAre(add(A, mul(dA, h)), B, Q, R), linalg.solveContinuousAre(sub(A, mul(dA, h)), B, Q, R)), 1 / (2 * h));
    close(t as Tensor, fd, 1e-6);
  });

  it("no stabilizing solution: DomainError naming the op; shapes; non-finite input gives NaN", () => {
    // an unstable mode that B cannot reach: (A, B) not stabilizable
    expect(() => linalg.solveContinuousAre([[1, 0], [0, -1]], [[0], [1]], eye(2), [[1]])).toThrow(DomainError);
    expect(() => linalg.solveDiscreteAre([[2, 0], [0, 0.5]], [[0], [1]], eye(2), [[1]])).toThrow(/^linalg\.solveDiscreteAre: no stabilizing solution/);
    expect(() => linalg.solveContinuousAre(A, mT(B), Q, R)).toThrow(/^linalg\.solveContinuousAre: B has shape \[2, 3\], expected \[\.\.\., 3, m\]/);
    expect(linalg.solveContinuousAre([[NaN]], [[1]], [[1]], [[1]]).toArray().every(Number.isNaN)).toBe(true);
  });
});
