/**
 * The non-finite policy of linalg (docs/reliability.md): a matrix with a NaN or
 * ±Infinity entry — in the part the function reads — gives NaN in its results,
 * never a finite number, never SingularMatrixError / NotPositiveDefiniteError /
 * ConvergenceError; other matrices of the batch are unaffected. And the
 * degenerate-derivative conventions: ties share cotangents, QR at a
 * numerically rank-deficient input raises NonDifferentiableError.
 */
import { describe, it, expect } from "vitest";
import {
  Tensor, linalg, tensor, grad, jvp, sum, slice, matmul, mul, DomainError, NonDifferentiableError, gradcheck,
} from "../../src/index.js";

const N = NaN;
const hasNaN = (t: Tensor): boolean => t.toArray().some(Number.isNaN);
const allNaN = (t: Tensor): boolean => t.toArray().every(Number.isNaN);
const finite = (t: Tensor): boolean => t.toArray().every(Number.isFinite);

const bad = (): Tensor => tensor([[1, 2], [3, N]]);
const badInf = (): Tensor => tensor([[1, 2], [3, Infinity]]);

describe("linalg: NaN / ±Inf in → NaN out", () => {
  const square: [string, (a: Tensor) => Tensor][] = [
    ["det", (a) => linalg.det(a)],
    ["slogdet.sign", (a) => linalg.slogdet(a).sign],
    ["slogdet.logabsdet", (a) => linalg.slogdet(a).logabsdet],
    ["logdet", (a) => linalg.logdet(a)],
    ["inv", (a) => linalg.inv(a)],
    ["solve", (a) => linalg.solve(a, tensor([1, 2]))],
    ["lu.U (row 0)", (a) => slice(linalg.lu(a).U, 0)],
    ["luFactor.LU", (a) => linalg.luFactor(a).LU],
    ["matrixPower(-2)", (a) => linalg.matrixPower(a, -2)],
    ["expm", (a) => linalg.expm(a)],
    ["logm", (a) => linalg.logm(a)],
    ["sqrtm", (a) => linalg.sqrtm(a)],
    ["svd.S", (a) => linalg.svd(a).S],
    ["svd.U", (a) => linalg.svd(a).U],
    ["svdvals", (a) => linalg.svdvals(a)],
    ["pinv", (a) => linalg.pinv(a)],
    ["matrixRank", (a) => linalg.matrixRank(a)],
    ["cond", (a) => linalg.cond(a)],
    ["matrixNorm(2)", (a) => linalg.matrixNorm(a, 2)],
    ["matrixNorm(nuc)", (a) => linalg.matrixNorm(a, "nuc")],
    ["matrixNorm(fro)", (a) => linalg.matrixNorm(a, "fro")],
    ["lstsq", (a) => linalg.lstsq(a, tensor([[1], [2]])).solution],
    ["solveSylvester (A)", (a) => linalg.solveSylvester(a, tensor([[1, 0], [0, 2]]), tensor([[1, 0], [0, 1]]))],
    ["solveSylvester (B)", (a) => linalg.solveSylvester(tensor([[1, 0], [0, 2]]), a, tensor([[1, 0], [0, 1]]))],
    ["solveLyapunov", (a) => linalg.solveLyapunov(a, tensor([[1, 0], [0, 1]]))],
  ];
  for (const [name, f] of square) {
    it(`${name}: NaN entry → all NaN (no error)`, () => expect(allNaN(f(bad()))).toBe(true));
    it(`${name}: +Inf entry → NaN or ±Inf (never a finite number)`, () => expect(finite(f(badInf()))).toBe(false));
  }

  it("functions reading the lower triangle (cholesky, eigh, eigvalsh, matrixFunction) see NaN there and ignore it above", () => {
    const lowNaN = tensor([[4, 0], [N, 4]]), upNaN = tensor([[4, N], [1, 4]]);
    for (const f of [(a: Tensor) => linalg.cholesky(a), (a: Tensor) => linalg.eigh(a).eigenvalues, (a: Tensor) => linalg.eigh(a).eigenvectors, (a: Tensor) => linalg.eigvalsh(a), (a: Tensor) => linalg.matrixFunction(a, (x) => mul(x, x))]) {
      expect(hasNaN(f(lowNaN))).toBe(true);
      expect(finite(f(upNaN))).toBe(true);
    }
  });

  it("the issue's examples: det([[1, 2], [3, NaN]]) is NaN, inv/solve/slogdet are not 'singular'", () => {
    expect(linalg.det(bad()).item()).toBeNaN();
    expect(() => linalg.inv(bad())).not.toThrow();
    expect(() => linalg.solve(bad(), tensor([1, 2]))).not.toThrow();
    expect(linalg.slogdet(bad()).sign.item()).toBeNaN();
  });

  it("batched: only the matrix with the NaN is NaN", () => {
    const A = tensor([[[1, 2], [3, N]], [[2, 0], [0, 4]]]);
    const d = linalg.det(A).toArray();
    expect(d[0]).toBeNaN();
    expect(d[1]).toBe(8);
    const s = linalg.svdvals(A).toArray();
    expect(Number.isNaN(s[0]) && Number.isNaN(s[1])).toBe(true);
    expect(s.slice(2)).toEqual([4, 2]);
  });

  it("NaN in the right-hand side propagates through the solve (column by column)", () => {
    const x = linalg.solve(tensor([[2, 0], [0, 4]]), tensor([[1, N], [2, 3]]));
    expect(x.toArray()[0]).toBe(0.5);
    expect(hasNaN(x)).toBe(true);
  });

  // (slogdet's sign and matrixRank are piecewise constant: no gradient to check)
  for (const [name, f] of square.filter(([n]) => n !== "slogdet.sign" && n !== "matrixRank")) {
    it(`${name}: the gradient at a NaN input is NaN, not an error`, () => {
      expect(hasNaN(grad((a: Tensor) => sum(f(a)))(bad()))).toBe(true);
    });
  }

  it("gradients of the triangle readers at a NaN in the triangle are NaN", () => {
    const lowNaN = tensor([[4, 0], [N, 4]]);
    for (const f of [(a: Tensor) => linalg.cholesky(a), (a: Tensor) => linalg.eigh(a).eigenvalues, (a: Tensor) => linalg.eigvalsh(a)])
      expect(hasNaN(grad((a: Tensor) => sum(f(a)))(lowNaN))).toBe(true);
  });
});

describe("sqrtm at a zero eigenvalue", () => {
  it("a defective zero eigenvalue ([[0, 1], [0, 0]]) has no square root: DomainError (was a 'root' with 2e307)", () => {
    expect(() => linalg.sqrtm(tensor([[0, 1], [0, 0]]))).toThrow(DomainError);
    expect(() => linalg.sqrtm(tensor([[0, 1], [0, 0]]))).toThrow(/^linalg\.sqrtm: the matrix has a defective zero eigenvalue/);
    expect(() => linalg.sqrtm(tensor([[1, 0, 0], [0, 0, 1], [0, 0, 0]]))).toThrow(DomainError);
  });

  it("a semisimple zero eigenvalue has a root, returned", () => {
    expect(linalg.sqrtm(tensor([[0, 0], [0, 0]])).toArray()).toEqual([0, 0, 0, 0]);
    const X = linalg.sqrtm(tensor([[4, 1], [0, 0]]));
    const X2 = matmul(X, X).toArray();
    [4, 1, 0, 0].forEach((v, i) => expect(X2[i]).toBeCloseTo(v, 12));
  });
});

describe("degenerate derivatives: finite where the mathematics gives a value", () => {
  const c = Math.cos(0.3), s = Math.sin(0.3);
  const Q = tensor([[c, -s, 0], [s, c, 0], [0, 0, 1]]);

  it("grad(cond) at an orthogonal matrix is 0 (cond ≥ 1 = cond(Q): a minimum; ties share the cotangent)", () => {
    const g = grad((a: Tensor) => linalg.cond(a))(Q);
    for (const v of g.toArray()) expect(Math.abs(v)).toBeLessThan(1e-14);
  });

  it("spectral norm at an orthogonal matrix (all σ tied): Q/3, the centre of the subdifferential conv{u vᵀ}", () => {
    const g = grad((a: Tensor) => linalg.matrixNorm(a, 2))(Q).toArray();
    Q.toArray().forEach((v, i) => expect(g[i]).toBeCloseTo(v / 3, 12));
  });

  it("svdvals at ties: a symmetric function is exact (gradcheck), a single value gets the cluster mean", () => {
    const A = tensor([[2, 0, 0], [0, 2, 0], [0, 0, 1]]);
    const g = grad((a: Tensor) => slice(linalg.svdvals(a), 0))(A).toArray();
    [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 12));
    const r = gradcheck((a: Tensor) => sum(mul(linalg.svdvals(a), linalg.svdvals(a))), [tensor([[2, 0.5], [0.5, 2]])], { raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  it("eigvalsh at ties: JVP and VJP agree (the dot-product test)", () => {
    const A = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 3]]);
    const W = tensor([3, -1, 2]);
    const f = (a: Tensor) => sum(mul(linalg.eigvalsh(a), W));
    const E = tensor([[0.5, 1, 0], [1, -2, 0.25], [0, 0.25, 1]]);
    const g = grad(f)(A);
    expect((jvp(f, [A], [E]).tangent as Tensor).item()).toBeCloseTo(sum(mul(g, E)).item(), 12);
    // mean(3, −1) = 1 on the tied block, 2 on the third
    [1, 0, 0, 0, 1, 0, 0, 0, 2].forEach((v, i) => expect(g.toArray()[i]).toBeCloseTo(v, 12));
  });
});

describe("degenerate derivatives: a typed error where there is none", () => {
  it("qr of a numerically rank-deficient matrix: NonDifferentiableError (was a gradient of ~1e15)", () => {
    const X = tensor([[1, 1], [1, 1 + 1e-15], [1, 1]]);
    const W = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(() => grad((a: Tensor) => sum(mul(linalg.qr(a).Q, W)))(X)).toThrow(NonDifferentiableError);
    expect(() => grad((a: Tensor) => sum(linalg.qr(a).R))(X)).toThrow(/^linalg\.qr: A is numerically rank-deficient: \|R\[1, 1\]\|/);
    expect(() => jvp((a: Tensor) => linalg.qr(a).Q, [X], [W])).toThrow(NonDifferentiableError);
    // exact rank deficiency too, and the forward itself still works
    expect(() => grad((a: Tensor) => sum(linalg.qr(a).Q))(tensor([[1, 1], [1, 1], [1, 1]]))).toThrow(NonDifferentiableError);
    expect(finite(linalg.qr(X).Q)).toBe(true);
  });

  it("qr just above the threshold (cond 1e8) stays differentiable", () => {
    const X = tensor([[1, 1], [1, 1 + 1e-8], [1, 1]]);
    expect(finite(grad((a: Tensor) => sum(linalg.qr(a).R))(X))).toBe(true);
  });
});
