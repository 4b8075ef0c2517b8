/** The 4×4·4×4 path of the portable GEMM: every transpose combination, offsets, leading dimensions, alpha/beta, non-finite values. */
import { describe, expect, it } from "vitest";
import { gemm, gemmReference } from "../../src/kernels/gemm.js";

function filled(n: number, seed: number): Float64Array {
  const a = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = s / 2147483648 - 0.5;
  }
  return a;
}

describe("gemm 4×4 path", () => {
  for (const ta of [false, true])
    for (const tb of [false, true])
      for (const [alpha, beta] of [[1, 0], [-0.5, 1], [2, -0.25]])
        it(`transA=${ta} transB=${tb} alpha=${alpha} beta=${beta}, strided operands`, () => {
          // operands inside larger arrays: offset 3, leading dimension 6 (rows of 6, the 4×4 block in columns 0..3)
          const lda = 6, ldb = 7, ldc = 5;
          const A = filled(3 + 4 * lda, 1), B = filled(2 + 4 * ldb, 2);
          const C1 = filled(1 + 4 * ldc, 3), C2 = C1.slice();
          gemm(ta, tb, 4, 4, 4, alpha, A, 3, lda, B, 2, ldb, beta, C1, 1, ldc);
          gemmReference(ta, tb, 4, 4, 4, alpha, A, 3, lda, B, 2, ldb, beta, C2, 1, ldc);
          for (let i = 0; i < C1.length; i++) expect(Math.abs(C1[i] - C2[i])).toBeLessThanOrEqual(1e-15);
        });

  it("beta = 0 does not read C (NaN there is overwritten); NaN/Inf in A propagate", () => {
    const A = filled(16, 4), B = filled(16, 5);
    A[5] = Infinity; // row 1 of A
    const C = new Float64Array(16).fill(NaN);
    gemm(false, false, 4, 4, 4, 1, A, 0, 4, B, 0, 4, 0, C, 0, 4);
    for (let j = 0; j < 4; j++) {
      expect(Number.isFinite(C[j])).toBe(true); // row 0
      expect(Number.isFinite(C[4 + j])).toBe(false); // row 1: Inf·b
    }
    const R = new Float64Array(16);
    gemmReference(false, false, 4, 4, 4, 1, A, 0, 4, B, 0, 4, 0, R, 0, 4);
    for (let i = 0; i < 16; i++) if (Number.isFinite(R[i])) expect(C[i]).toBe(R[i]);
  });
});
