/**
 * Regressions for kernel bugs found by the linalg tests.
 */
import { describe, it, expect } from "vitest";
import { realSchur } from "../../src/kernels/schur.js";
import { Tensor, linalg, eye, matmul, matmulT, add, sub } from "../../src/index.js";

describe("kernel regressions met by linalg", () => {
  // kernels/schur.ts hessenberg() used to divide by (α − β) without LAPACK dlarfg's safe-minimum
  // rescaling: with a subnormal subdiagonal column (4.9e-324 below a zero α), 1/(α − β) = ∞ and
  // H, Z filled with NaN while info stayed 0, which linalg.solveSylvester then misreported as a
  // singular equation. (linalg now also reports non-finite Schur factors as ConvergenceError.)
  const a = new Float64Array([3, 0, 0, 0, 3, 0, 4.9407e-324, 0, 3]);

  it("realSchur of a matrix with a subnormal entry is finite", () => {
    const s = realSchur(a, 3);
    expect(s.t.every(Number.isFinite) && s.z.every(Number.isFinite)).toBe(true);
  });

  it("and the Lyapunov equation with it is solved", () => {
    const A = new Tensor(a, [3, 3]);
    const X = linalg.solveLyapunov(A, eye(3));
    const r = sub(add(matmul(A, X), matmulT(X, A, false, true)), eye(3));
    expect(r.toArray().every((v) => Math.abs(v) < 1e-14)).toBe(true);
  });
});
