/**
 * The public namespace: shapes and options (torch.linalg semantics), batching
 * and broadcasting, argument errors naming the op and the shape, and forward
 * accuracy at a moderate size.
 */
import { describe, it, expect } from "vitest";
import { Tensor, linalg, tensor, eye, randn, matmul, matmulT, sub, add, mul, ShapeError, ArgumentError } from "../../src/index.js";

const fro = (t: Tensor): number => Math.sqrt(t.toArray().reduce((s, v) => s + v * v, 0));
const close = (a: Tensor, b: Tensor | number[] | number[][], tol = 1e-12): void => {
  const bb = b instanceof Tensor ? b : tensor(b as number[][]);
  expect(a.shape).toEqual(bb.shape);
  expect(fro(sub(a, bb))).toBeLessThan(tol * (1 + fro(bb)));
};

describe("shapes and options", () => {
  const A = add(randn([3, 3], { seed: 1 }), mul(eye(3), 3));

  it("solve: matrix, vector and batched-vector right-hand sides; left: false", () => {
    const b = tensor([1, 2, 3]);
    const x = linalg.solve(A, b);
    expect(x.shape).toEqual([3]);
    close(matmul(A, x), b);
    const Ab = add(randn([2, 3, 3], { seed: 2 }), mul(eye(3), 3));
    const xb = linalg.solve(Ab, randn([2, 3], { seed: 3 }));
    expect(xb.shape).toEqual([2, 3]);
    const xl = linalg.solve(A, randn([4, 3], { seed: 4 }), { left: false });
    expect(xl.shape).toEqual([4, 3]);
    expect(linalg.solve(A, randn([5, 3, 2], { seed: 5 })).shape).toEqual([5, 3, 2]);
  });

  it("lu / luFactor / luSolve round trip (batched), pivots are 0-based LAPACK interchanges", () => {
    const Ab = add(randn([2, 4, 4], { seed: 6 }), mul(eye(4), 0.1));
    const { P, L, U } = linalg.lu(Ab);
    close(matmul(P, matmul(L, U)), Ab);
    const { LU, pivots } = linalg.luFactor(Ab);
    expect(pivots.shape).toEqual([2, 4]);
    for (const p of pivots.toArray()) expect(Number.isInteger(p) && p >= 0 && p < 4).toBe(true);
    const B = randn([2, 4, 2], { seed: 7 });
    close(matmul(Ab, linalg.luSolve(LU, pivots, B)), B, 1e-11);
    close(matmulT(Ab, linalg.luSolve(LU, pivots, B, { adjoint: true }), true, false), B, 1e-11);
    const Bl = randn([2, 3, 4], { seed: 8 });
    close(matmul(linalg.luSolve(LU, pivots, Bl, { left: false }), Ab), Bl, 1e-11);
  });

  it("qr modes: reduced, complete (m > n and m < n) and r", () => {
    const T = randn([5, 3], { seed: 9 }), W = randn([3, 5], { seed: 10 });
    expect(linalg.qr(T).Q.shape).toEqual([5, 3]);
    const c = linalg.qr(T, { mode: "complete" });
    expect([c.Q.shape, c.R.shape]).toEqual([[5, 5], [5, 3]]);
    close(matmul(c.Q, c.R), T);
    close(matmulT(c.Q, c.Q, true, false), eye(5));
    const w = linalg.qr(W, { mode: "complete" });
    expect([w.Q.shape, w.R.shape]).toEqual([[3, 3], [3, 5]]);
    close(matmul(w.Q, w.R), W);
    const r = linalg.qr(T, { mode: "r" });
    expect(r.Q.size).toBe(0);
    close(r.R, linalg.qr(T).R);
  });

  it("svd: full matrices by default (torch), thin on request", () => {
    const T = randn([5, 3], { seed: 11 });
    const f = linalg.svd(T);
    expect([f.U.shape, f.S.shape, f.Vh.shape]).toEqual([[5, 5], [3], [3, 3]]);
    const t = linalg.svd(T, { fullMatrices: false });
    expect([t.U.shape, t.S.shape, t.Vh.shape]).toEqual([[5, 3], [3], [3, 3]]);
    close(linalg.svdvals(T), t.S);
  });

  it("eigh reads the lower triangle by default and the upper one with UPLO: 'U'", () => {
    const S = tensor([[2, 100], [1, 2]]); // lower triangle: [[2, ·], [1, 2]] → eigenvalues 1, 3
    close(linalg.eigvalsh(S), [1, 3]);
    close(linalg.eigvalsh(S, { UPLO: "U" }), [-98, 102]);
    expect(() => linalg.eigh(S, { UPLO: "X" as "L" })).toThrow(ArgumentError);
  });

  it("matrixPower: positive, zero and negative exponents; non-integer rejected", () => {
    const M = tensor([[2, 1], [0, 1]]);
    close(linalg.matrixPower(M, 3), [[8, 7], [0, 1]]);
    close(linalg.matrixPower(M, 0), [[1, 0], [0, 1]]);
    close(linalg.matrixPower(M, -1), [[0.5, -0.5], [0, 1]]);
    expect(() => linalg.matrixPower(M, 1.5)).toThrow(/^linalg\.matrixPower: k must be an integer, got 1\.5/);
  });

  it("matrixRank, cond and lstsq outputs", () => {
    const R = tensor([[1, 2], [2, 4], [3, 6]]);
    expect(linalg.matrixRank(R).item()).toBe(1);
    expect(linalg.matrixRank(eye(4)).item()).toBe(4);
    expect(linalg.matrixRank(tensor([[1, 0], [0, 1e-10]]), { atol: 1e-8 }).item()).toBe(1);
    expect(linalg.cond(tensor([[3, 0], [0, 0.5]])).item()).toBeCloseTo(6, 12);
    const A = tensor([[1, 0], [1, 1], [1, 2]]), b = tensor([1, 2, 4]);
    const r = linalg.lstsq(A, b);
    // normal equations: [[3, 3], [3, 5]] x = [7, 10] → x = [5/6, 3/2]
    close(r.solution, [5 / 6, 3 / 2]);
    expect(r.rank.item()).toBe(2);
    expect(r.residuals.item()).toBeCloseTo(1 / 6, 12);
    const d = linalg.lstsq(R, tensor([[1], [2], [3]])); // rank deficient: minimum-norm solution via pinv
    close(d.solution, matmul(linalg.pinv(R), tensor([[1], [2], [3]])));
    expect(d.residuals.size).toBe(0);
  });

  it("norms over chosen dims with keepdim", () => {
    const X = randn([2, 3, 4], { seed: 12 });
    expect(linalg.matrixNorm(X, "fro", { dim: [0, 2], keepdim: true }).shape).toEqual([1, 3, 1]);
    expect(linalg.vectorNorm(X, 2, { dim: [1, 2] }).shape).toEqual([2]);
    expect(linalg.vectorNorm(tensor([0, 3, 0, -4]), 0).item()).toBe(2);
    expect(() => linalg.vectorNorm(X, -1)).toThrow(/^linalg\.vectorNorm: ord must be/);
    expect(() => linalg.matrixNorm(X, 3)).toThrow(/^linalg\.matrixNorm: ord must be "fro"/);
  });

  it("expmFrechet agrees with a finite difference of expm", () => {
    const M = mul(randn([3, 3], { seed: 13 }), 0.5), E = randn([3, 3], { seed: 14 });
    const h = 1e-6;
    const fd = mul(sub(linalg.expm(add(M, mul(E, h))), linalg.expm(sub(M, mul(E, h)))), 1 / (2 * h));
    close(linalg.expmFrechet(M, E), fd, 1e-8);
  });
});

describe("argument errors name the op and the shape", () => {
  const wide = randn([2, 3], { seed: 20 });
  const squareOnly: [string, (a: Tensor) => unknown][] = [
    ["inv", linalg.inv], ["det", linalg.det], ["slogdet", linalg.slogdet], ["logdet", linalg.logdet], ["cholesky", (a) => linalg.cholesky(a)],
    ["eigh", (a) => linalg.eigh(a)], ["eigvalsh", (a) => linalg.eigvalsh(a)], ["expm", linalg.expm], ["logm", linalg.logm], ["sqrtm", linalg.sqrtm],
    ["matrixPower", (a) => linalg.matrixPower(a, 2)],
    ["matrixFunction", (a) => linalg.matrixFunction(a, (x) => x.exp())],
  ];
  for (const [name, f] of squareOnly) {
    it(`${name} of a 2×3 matrix`, () => {
      expect(() => f(wide)).toThrow(ShapeError);
      expect(() => f(wide)).toThrow(new RegExp(`^linalg\\.${name}: A must be square .*\\[2, 3\\]`));
    });
  }
  it("vectors where matrices are needed", () => {
    expect(() => linalg.qr(tensor([1, 2]))).toThrow(/^linalg\.qr: A must be a matrix .*\[2\]/);
    expect(() => linalg.svd(tensor([1, 2]))).toThrow(/^linalg\.svd: A must be a matrix/);
  });
  it("incompatible operands", () => {
    expect(() => linalg.triangularSolve(eye(3), randn([2, 2], { seed: 21 }), { upper: true })).toThrow(/^linalg\.triangularSolve: B has shape \[2, 2\]/);
    expect(() => linalg.triangularSolve(eye(2), eye(2), {} as { upper: boolean })).toThrow(/^linalg\.triangularSolve: the option upper/);
    expect(() => linalg.solveLyapunov(eye(2), eye(3))).toThrow(/^linalg\.solveLyapunov: Q must be square|^linalg\.solveLyapunov: Q has shape/);
    expect(() => linalg.solve(randn([2, 3, 3], { seed: 22 }), randn([4, 3, 1], { seed: 23 }))).toThrow(/^linalg\.solve: shapes \[2\] and \[4\] cannot be broadcast/);
    expect(() => linalg.luSolve(eye(3), tensor([0, 1]), eye(3))).toThrow(/^linalg\.luSolve: pivots has shape \[2\]/);
    expect(() => linalg.qr(eye(2), { mode: "full" as "reduced" })).toThrow(/^linalg\.qr: option mode must be/);
  });
});

describe("forward accuracy at n = 48", () => {
  const n = 48;
  const A = randn([n, n], { seed: 30 });
  const nrm = fro(A);
  it("‖A − QR‖/‖A‖, ‖QᵀQ − I‖ ≤ 1e-12", () => {
    const { Q, R } = linalg.qr(A);
    expect(fro(sub(matmul(Q, R), A)) / nrm).toBeLessThan(1e-12);
    expect(fro(sub(matmulT(Q, Q, true, false), eye(n)))).toBeLessThan(1e-12);
  });
  it("‖A·inv(A) − I‖ ≤ 1e-12 (well-conditioned A)", () => {
    const B = add(A, mul(eye(n), 10));
    expect(fro(sub(matmul(B, linalg.inv(B)), eye(n)))).toBeLessThan(1e-12);
  });
  it("‖expm(logm(A)) − A‖/‖A‖ ≤ 1e-12 (A = I + A₀/(2√n))", () => {
    const B = add(eye(n), mul(A, 0.5 / Math.sqrt(n)));
    expect(fro(sub(linalg.expm(linalg.logm(B)), B)) / fro(B)).toBeLessThan(1e-12);
  });
  it("‖U S Vᵀ − A‖/‖A‖ and ‖U Λ Uᵀ − S‖/‖S‖ ≤ 1e-12", () => {
    const { U, S, Vh } = linalg.svd(A, { fullMatrices: false });
    expect(fro(sub(matmul(mul(U, S.reshape([1, n])), Vh), A)) / nrm).toBeLessThan(1e-12);
    const Sym = add(A, A.mT);
    const { eigenvalues: w, eigenvectors: V } = linalg.eigh(Sym);
    expect(fro(sub(matmulT(mul(V, w.reshape([1, n])), V, false, true), Sym)) / fro(Sym)).toBeLessThan(1e-12);
  });
});
