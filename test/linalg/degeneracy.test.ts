/**
 * Hazards at (near-)degenerate spectra and singular inputs: gauge-invariant
 * losses stay finite and right, basis-dependent losses raise
 * NonDifferentiableError, never a silent NaN.
 */
import { describe, it, expect } from "vitest";
import {
  Tensor, linalg, tensor, eye, randn, grad, jvp, matmul, matmulT, mul, add, sum, slice, exp, sqrt, unsqueeze, gradcheck,
  NonDifferentiableError, SingularMatrixError, DomainError,
} from "../../src/index.js";

const allFinite = (t: Tensor): boolean => t.toArray().every(Number.isFinite);

/** Q diag(lam) Qᵀ with a fixed random orthogonal Q. */
function spectral(lam: number[], seed = 7): Tensor {
  const q = linalg.qr(randn([lam.length, lam.length], { seed })).Q;
  return matmulT(mul(q, tensor(lam)), q, false, true);
}

describe("eigh at a degenerate spectrum", () => {
  const A = spectral([1, 1, 3, 5]);

  it("the eigenvalue pair really is degenerate to working precision", () => {
    const w = linalg.eigvalsh(A).toArray();
    expect(Math.abs(w[0] - w[1])).toBeLessThan(1e-12);
  });

  it("a symmetric function of the repeated eigenvalues is differentiable: gradient = projector (exact)", () => {
    // d(λ₀ + λ₁)/dA = P₀ = U₀U₀ᵀ (the spectral projector onto the eigenspace), independent of the basis
    const g = grad((a: Tensor) => sum(slice(linalg.eigh(a).eigenvalues, [0, 2])))(A);
    const { eigenvectors: U } = linalg.eigh(A);
    const u0 = slice(U, null, [0, 2]);
    const P = matmulT(u0, u0, false, true);
    expect(allFinite(g)).toBe(true);
    for (let i = 0; i < 16; i++) expect(g.data[i]).toBeCloseTo(P.data[i], 10);
  });

  it("the projector onto the repeated eigenspace is differentiable (matches central differences)", () => {
    const f = (a: Tensor) => {
      const u0 = slice(linalg.eigh(a).eigenvectors, null, [0, 2]);
      return matmulT(u0, u0, false, true);
    };
    const r = gradcheck(f, [A], { structure: "symmetric", raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("a loss on one eigenvector of the repeated eigenspace raises NonDifferentiableError naming the op", () => {
    const f = (a: Tensor) => {
      const u = linalg.eigh(a).eigenvectors;
      return sum(mul(slice(u, null, 0), tensor([1, 2, 3, 4])));
    };
    expect(() => grad(f)(A)).toThrow(NonDifferentiableError);
    expect(() => grad(f)(A)).toThrow(/^linalg\.eigh: eigenvalues 0 and 1 .* degenerate/);
  });

  it("a loss that treats the repeated eigenvalues differently: the tie shares the cotangent evenly (mean 1.5 · projector)", () => {
    // λ₀ and λ₁ alone are not differentiable at the tie; the convention (as max ties) averages their
    // cotangents over the cluster: ∇ = mean(1, 2)·P₀ = 1.5 U₀U₀ᵀ — basis independent and finite
    const f = (a: Tensor) => sum(mul(linalg.eigvalsh(a), tensor([1, 2, 0, 0])));
    const g = grad(f)(A);
    const u0 = slice(linalg.eigh(A).eigenvectors, null, [0, 2]);
    const P = matmulT(u0, u0, false, true);
    for (let i = 0; i < 16; i++) expect(g.data[i]).toBeCloseTo(1.5 * P.data[i], 10);
    // forward mode agrees (dλᵢ = tr(U₀ᵀ dA U₀)/2 for i in the cluster): ⟨∇, E⟩ = J·E
    const E = tensor([[1, 2, 0, 1], [2, -1, 3, 0], [0, 3, 0.5, 1], [1, 0, 1, 2]]);
    const t = jvp(f, [A], [E]).tangent as Tensor;
    expect(t.item()).toBeCloseTo(sum(mul(g, E)).item(), 10);
  });

  it("a loss on the well-separated eigenvectors stays exact", () => {
    const f = (a: Tensor) => {
      const u = slice(linalg.eigh(a).eigenvectors, null, 3);
      return sum(mul(mul(u, u), tensor([1, -2, 3, 0.5])));
    };
    const r = gradcheck(f, [A], { structure: "symmetric", raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("near-degenerate (gap 1e-7) gauge-invariant U f(Λ) Uᵀ is finite and right through eigh", () => {
    const B = spectral([1, 1 + 1e-7, 3]);
    const f = (a: Tensor) => {
      const { eigenvalues: w, eigenvectors: u } = linalg.eigh(a);
      return matmulT(mul(u, unsqueeze(exp(w), -2)), u, false, true);
    };
    const W = randn([3, 3], { seed: 9 });
    const g = grad((a: Tensor) => sum(mul(f(a), W)))(B);
    const ref = grad((a: Tensor) => sum(mul(linalg.matrixFunction(a, exp), W)))(B);
    expect(allFinite(g)).toBe(true);
    for (let i = 0; i < 9; i++) expect(g.data[i]).toBeCloseTo(ref.data[i], 5);
  });
});

describe("matrixFunction (Daleckii–Krein) at repeated eigenvalues", () => {
  it("at A = I the derivative of e^A is e·E (exact, first and second order)", () => {
    const I = eye(3);
    const E = tensor([[1, 2, 0], [2, -1, 3], [0, 3, 0.5]]);
    const { tangent } = jvp((a: Tensor) => linalg.matrixFunction(a, exp), [I], [E]);
    for (let i = 0; i < 9; i++) expect(tangent.data[i]).toBeCloseTo(Math.E * E.data[i], 12);
    // second order along E: d²/dt² e^{I + tE} = e·E²
    const d2 = jvp((a: Tensor) => jvp((b: Tensor) => linalg.matrixFunction(b, exp), [a], [E]).tangent as Tensor, [I], [E]).tangent as Tensor;
    const E2 = matmul(E, E);
    for (let i = 0; i < 9; i++) expect(d2.data[i]).toBeCloseTo(Math.E * E2.data[i], 9);
  });

  it("matches central differences at a repeated eigenvalue, sqrt of SPD", () => {
    const A = spectral([2, 2, 5]);
    const r = gradcheck((a: Tensor) => linalg.matrixFunction(a, sqrt), [A], { structure: "symmetric", raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("rejects an f that does not act elementwise, naming the op", () => {
    expect(() => linalg.matrixFunction(eye(2), (x: Tensor) => sum(x))).toThrow(/^linalg\.matrixFunction: f must map a tensor elementwise/);
  });
});

describe("svd hazards", () => {
  it("repeated singular values: singular values' symmetric functions and U Vᵀ stay exact", () => {
    // A = Q₁ diag(2, 2, 1) Q₂ᵀ
    const q1 = linalg.qr(randn([3, 3], { seed: 1 })).Q, q2 = linalg.qr(randn([3, 3], { seed: 2 })).Q;
    const A = matmulT(mul(q1, tensor([2, 2, 1])), q2, false, true);
    const f = (a: Tensor) => {
      const { U, S, Vh } = linalg.svd(a);
      return add(sum(S), sum(matmul(U, Vh)));
    };
    const r = gradcheck(f, [A], { raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("a loss on one singular vector of a repeated pair raises", () => {
    const A = tensor([[2, 0, 0], [0, 2, 0], [0, 0, 1]]);
    const f = (a: Tensor) => sum(mul(slice(linalg.svd(a).U, null, 0), tensor([1, 2, 3])));
    expect(() => grad(f)(A)).toThrow(NonDifferentiableError);
    expect(() => grad(f)(A)).toThrow(/^linalg\.svd: singular values 0 and 1 .*degenerate/);
  });

  it("nuclear norm of a rank-deficient matrix: finite subgradient U Vᵀ on the range", () => {
    const A = tensor([[1, 2], [2, 4], [0, 0]]);
    const g = grad((a: Tensor) => linalg.matrixNorm(a, "nuc"))(A);
    expect(allFinite(g)).toBe(true);
  });

  it("a loss moving U out of the range of a rank-deficient tall matrix raises instead of returning ∞", () => {
    const A = tensor([[1, 2], [2, 4], [0, 0]]);
    const f = (a: Tensor) => sum(mul(linalg.svd(a, { fullMatrices: false }).U, tensor([[0, 1], [0, 0], [0, 1]])));
    expect(() => grad(f)(A)).toThrow(NonDifferentiableError);
  });
});

describe("singular and out-of-domain inputs", () => {
  const S = tensor([[1, 2], [2, 4]]);

  it("det of a singular matrix has the cofactor gradient (finite, exact)", () => {
    const g = grad((a: Tensor) => linalg.det(a))(S);
    // cof([[a, b], [c, d]]) = [[d, −c], [−b, a]]
    expect(g.toArray()).toEqual([4, -2, -2, 1].map((v) => expect.closeTo(v, 12)));
  });

  it("slogdet's gradient at a singular matrix raises SingularMatrixError with rcond 0", () => {
    let err: unknown = null;
    try {
      grad((a: Tensor) => linalg.slogdet(a).logabsdet)(S);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SingularMatrixError);
    expect((err as SingularMatrixError).rcond).toBe(0);
    expect((err as Error).message).toMatch(/^linalg\.slogdet: /);
  });

  it("inv of a matrix singular to working precision reports its rcond", () => {
    const B = tensor([[1, 1], [1, 1 + 1e-17]]);
    let err: unknown = null;
    try {
      linalg.inv(B);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SingularMatrixError);
    expect((err as SingularMatrixError).rcond).toBeLessThan(2.3e-16);
  });

  it("sqrtm at a zero eigenvalue: the root is returned, its derivative raises DomainError", () => {
    const Z = tensor([[4, 0], [0, 0]]);
    const X = linalg.sqrtm(Z);
    expect(X.toArray()).toEqual([2, 0, 0, 0].map((v) => expect.closeTo(v, 12)));
    expect(() => grad((a: Tensor) => sum(linalg.sqrtm(a)))(Z)).toThrow(DomainError);
  });

  it("logm at a zero eigenvalue raises DomainError", () => {
    expect(() => linalg.logm(tensor([[1, 0], [0, 0]]))).toThrow(/^linalg\.logm: .*eigenvalue 0 on the closed negative real axis/);
  });

  it("batched errors name the failing batch element", () => {
    const B = tensor([[[2, 0], [0, 1]], [[1, 2], [2, 1]]]);
    expect(() => linalg.cholesky(B)).toThrow(/^linalg\.cholesky: the matrix \(batch element 1\) is not positive definite/);
  });
});
