import { describe, expect, it } from "vitest";
import { gemm, gemmBatch, gemmReference } from "../../src/kernels/gemm.js";
import { allCases, alphaBetaCases, checkBatch, checkCase, checkNonFinite, rng } from "./gemm-cases.js";

// Block sizes of the portable kernel (src/kernels/gemm.ts).
const BLOCKS = { MR: 4, NR: 2, KC: 256, MC: 128, NC: 384 };

describe("gemm (portable TypeScript kernel) vs gemmReference", () => {
  it("all transpose combinations, offsets, padded leading dims, edge and block-crossing sizes", () => {
    for (const c of allCases(BLOCKS)) checkCase(gemm, c);
  });

  it("alpha / beta semantics (beta = 0 never reads C; alpha = 0 only scales C)", () => {
    for (const c of alphaBetaCases(7, 9, 5)) checkCase(gemm, c); // small path
    for (const c of alphaBetaCases(37, 41, 43)) checkCase(gemm, c); // packed path
  });

  it("alpha = 0 or k = 0 does not read A or B (NaN operands ignored)", () => {
    const A = new Float64Array(12).fill(NaN);
    const B = new Float64Array(12).fill(NaN);
    const C = new Float64Array(9).fill(2);
    gemm(false, false, 3, 3, 4, 0, A, 0, 4, B, 0, 3, 0.5, C, 0, 3);
    expect(Array.from(C)).toEqual(new Array(9).fill(1));
    gemm(false, false, 3, 3, 0, 1, A, 0, 4, B, 0, 3, 0, C, 0, 3);
    expect(Array.from(C)).toEqual(new Array(9).fill(0));
  });

  it("strided batched GEMM (shared operands, gaps, padded leading dims)", () => {
    checkBatch(gemmBatch, 3, 4, 5, 3);
    checkBatch(gemmBatch, 33, 20, 40, 4);
  });

  it("NaN and Inf propagate exactly as in the reference (small and packed paths)", () => {
    for (const [m, n, k] of [[3, 5, 7], [37, 41, 43], [130, 9, 259]] as const) checkNonFinite(gemm, m, n, k);
  });

  it("repeated calls of different sizes reuse scratch correctly", () => {
    const r = rng(3);
    for (const n of [70, 5, 300, 40, 129]) {
      const A = Float64Array.from({ length: n * n }, r);
      const B = Float64Array.from({ length: n * n }, r);
      const C1 = new Float64Array(n * n);
      const C2 = new Float64Array(n * n);
      gemm(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C1, 0, n);
      gemmReference(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C2, 0, n);
      for (let i = 0; i < n * n; i++) expect(Math.abs(C1[i] - C2[i])).toBeLessThan(1e-11);
    }
  });

  it("the reference kernel itself: hand-computed 2×3 · 3×2", () => {
    const A = new Float64Array([1, 2, 3, 4, 5, 6]);
    const B = new Float64Array([7, 8, 9, 10, 11, 12]);
    const C = new Float64Array(4);
    gemmReference(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2);
    expect(Array.from(C)).toEqual([58, 64, 139, 154]);
    gemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2);
    expect(Array.from(C)).toEqual([58, 64, 139, 154]);
  });
});
