/** Named linalg results are tuples in PyTorch's order with named fields; options are checked. */
import { describe, expect, it } from "vitest";
import { ArgumentError, linalg, randn, tensor, type Tensor } from "../../src/index.js";

const A = tensor([[4, 1, 0], [1, 3, 1], [0, 1, 2]]);
const M = randn([5, 3], { seed: 11 });

describe("destructuring in PyTorch's order, named fields kept", () => {
  it("eigh → [eigenvalues, eigenvectors]", () => {
    const r = linalg.eigh(A);
    const [w, V] = r;
    expect(w).toBe(r.eigenvalues);
    expect(V).toBe(r.eigenvectors);
    expect(r.length).toBe(2);
  });
  it("qr → [Q, R], svd → [U, S, Vh], slogdet → [sign, logabsdet]", () => {
    const [Q, R] = linalg.qr(M);
    expect([Q.shape, R.shape]).toEqual([[5, 3], [3, 3]]);
    const s = linalg.svd(M, { fullMatrices: false });
    const [U, S, Vh] = s;
    expect([U, S, Vh]).toEqual([s.U, s.S, s.Vh]);
    const [sign, logabsdet] = linalg.slogdet(A);
    expect(sign.item()).toBe(1);
    expect(logabsdet.item()).toBeCloseTo(Math.log(18), 12);
  });
  it("lu → [P, L, U], luFactor → [LU, pivots], lstsq → [solution, residuals, rank, singularValues]", () => {
    const [P, L, U] = linalg.lu(A);
    expect(P.matmul(L).matmul(U).sub(A).abs().max().item()).toBeLessThan(1e-14);
    const [LU, pivots] = linalg.luFactor(A);
    expect(linalg.luSolve(LU, pivots, tensor([[1], [2], [3]])).shape).toEqual([3, 1]);
    const r = linalg.lstsq(M, randn([5, 2], { seed: 12 }));
    const [solution, residuals, rank, singularValues] = r;
    expect([solution, residuals, rank, singularValues]).toEqual([r.solution, r.residuals, r.rank, r.singularValues]);
    expect(rank.item()).toBe(3);
  });
  it("the types are tuples: each position is a Tensor without a non-null assertion", () => {
    const [w, V]: [Tensor, Tensor] = linalg.eigh(A);
    const { eigenvalues }: { eigenvalues: Tensor } = linalg.eigh(A);
    expect(w.shape).toEqual(eigenvalues.shape);
    expect(V.shape).toEqual([3, 3]);
  });
  it("gradients flow through destructured results", () => {
    const X = tensor([[2, 1], [1, 3]], { requiresGrad: true });
    const [w] = linalg.eigh(X);
    w.sum().backward();
    // d tr(A)/dA = I: the sum of the eigenvalues is the trace
    expect(X.grad!.toNested()).toEqual([[1, 0], [0, 1]]);
  });
});

describe("svd's fullMatrices is honoured", () => {
  it("true (default): U m×m, Vh n×n; false: U m×k", () => {
    const full = linalg.svd(M);
    expect([full.U.shape, full.S.shape, full.Vh.shape]).toEqual([[5, 5], [3], [3, 3]]);
    const thin = linalg.svd(M, { fullMatrices: false });
    expect([thin.U.shape, thin.S.shape, thin.Vh.shape]).toEqual([[5, 3], [3], [3, 3]]);
    const wide = linalg.svd(M.mT, { fullMatrices: false });
    expect([wide.U.shape, wide.Vh.shape]).toEqual([[3, 3], [3, 5]]);
    const rec = thin.U.mul(thin.S.reshape(1, 3)).matmul(thin.Vh);
    expect(rec.sub(M).abs().max().item()).toBeLessThan(1e-13);
  });
  it("full_matrices (PyTorch's spelling) is an error with a did-you-mean, not silently ignored", () => {
    expect(() => linalg.svd(M, { full_matrices: false } as never)).toThrow(
      new ArgumentError("linalg.svd", 'unknown option "full_matrices"; did you mean "fullMatrices"? (valid options: fullMatrices, degeneracyTol)'),
    );
    expect(() => linalg.svd(M, { fullMatrices: "no" } as never)).toThrow(/^linalg\.svd: option fullMatrices must be true or false; got the string "no"/);
  });
});

describe("linalg options are checked", () => {
  it.each([
    ["eigh uplo", () => linalg.eigh(A, { uplo: "U" } as never), /^linalg\.eigh: unknown option "uplo"; did you mean "UPLO"\?/],
    ["eigh UPLO value", () => linalg.eigh(A, { UPLO: "upper" } as never), /^linalg\.eigh: option UPLO must be "L" or "U"; got the string "upper"/],
    ["eigh degeneracyTol", () => linalg.eigh(A, { degeneracyTol: -1 }), /^linalg\.eigh: option degeneracyTol must be ≥ 0/],
    ["eigvalsh degeneracyTol", () => linalg.eigvalsh(A, { degeneracyTol: 1 } as never), /^linalg\.eigvalsh: unknown option "degeneracyTol"/],
    ["vectorNorm axes", () => linalg.vectorNorm(M, 2, { axes: 0 } as never), /^linalg\.vectorNorm: unknown option "axes"; did you mean "dim"\?/],
    ["vectorNorm keepdims", () => linalg.vectorNorm(M, 2, { keepdims: true } as never), /did you mean "keepdim"\?/],
    ["matrixNorm dim", () => linalg.matrixNorm(M, "fro", { dim: "x" } as never), /^linalg\.matrixNorm: option dim must be an axis, an array of axes or null/],
    ["solve left", () => linalg.solve(A, A, { left: 1 } as never), /^linalg\.solve: option left must be true or false/],
    ["solve side", () => linalg.solve(A, A, { side: "left" } as never), /^linalg\.solve: unknown option "side"/],
    ["cholesky lower", () => linalg.cholesky(A, { lower: true } as never), /^linalg\.cholesky: unknown option "lower"; did you mean "upper"\?/],
    ["triangularSolve upper", () => linalg.triangularSolve(A, A, {} as never), /^linalg\.triangularSolve: the option upper \(true or false\) is required; got undefined/],
    ["triangularSolve unit_diagonal", () => linalg.triangularSolve(A, A, { upper: true, unit_diagonal: true } as never), /did you mean "unitriangular"\?/],
    ["pinv rcond", () => linalg.pinv(M, { rcond: 1e-3 } as never), /^linalg\.pinv: unknown option "rcond"; did you mean "rtol"\?/],
    ["pinv atol", () => linalg.pinv(M, { atol: NaN }), /^linalg\.pinv: option atol must be a finite number/],
    ["lstsq rcond", () => linalg.lstsq(M, M, { rcond: -1 }), /^linalg\.lstsq: option rcond must be ≥ 0/],
    ["qr mode", () => linalg.qr(M, { mode: "economic" } as never), /^linalg\.qr: option mode must be "reduced", "complete" or "r"; got the string "economic"/],
    ["luSolve adjoint", () => linalg.luSolve(A, tensor([0, 1, 2]), A, { adjoint: "yes" } as never), /^linalg\.luSolve: option adjoint must be true or false/],
    ["cond p", () => linalg.cond(A, "2" as never), /^linalg\.cond: p must be null, "fro", "nuc", 1, -1, 2, -2, Infinity or -Infinity; got the string "2"/],
    ["options not an object", () => linalg.svd(M, true as never), /^linalg\.svd: argument options must be an options object with keys among \{fullMatrices, degeneracyTol\}; got the boolean true/],
  ])("%s", (_, f, re) => {
    expect(f).toThrow(re);
    expect(f).toThrow(ArgumentError);
  });
  it("a wrong kind of argument names the linalg function and the argument", () => {
    expect(() => linalg.inv("A" as never)).toThrow(/^linalg\.inv: argument A must be a tensor, a number or a nested array of numbers; got the string "A"/);
    expect(() => (linalg.solve as (a: Tensor) => Tensor)(A)).toThrow(/^linalg\.solve: argument B is missing/);
    expect(() => linalg.expmFrechet(A, {} as never)).toThrow(/^linalg\.expmFrechet: argument E must be/);
  });
});
