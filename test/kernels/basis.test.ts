/**
 * Products with jacobian's unit basis (kernels/basis.ts, tried by matmul when
 * one factor is a marked identity slice): every transpose flag, the basis on
 * either side, shared or batched, overwriting or accumulating, chunks whose
 * rows start anywhere (shift), against the GEMM on the same arrays; and the
 * Jacobians that go through it against their per-entry loops, including a
 * non-finite factor (the GEMM's NaN from 0·Inf must survive).
 */
import { describe, expect, it } from "vitest";
import { basisGemm, basisMul, basisStats } from "../../src/kernels/basis.js";
import { binary, broadcastStrides } from "../../src/kernels/elementwise.js";
import { gemmBatched, portableBackend } from "../../src/kernels/backend.js";
import { markUnitBasis, unitBasisOf, type UnitBasis } from "../../src/tensor/structure.js";
import { jacobian, hessian, matmul, matmulT, add, sin, mul, sum, randn, tensor, type Tensor } from "../../src/index.js";

/** A [rows, n] identity slice whose row r has its 1 at column r + shift. */
function basis(rows: number, n: number, shift: number): { data: Float64Array; b: UnitBasis } {
  const data = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) if (r + shift >= 0 && r + shift < n) data[r * n + r + shift] = 1;
  const b = { rows, n, shift };
  markUnitBasis(data, b);
  return { data, b };
}
const rnd = (len: number, seed: number): Float64Array => {
  let s = seed;
  return Float64Array.from({ length: len }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
};

describe("basisGemm equals the GEMM on a unit basis", () => {
  // (m, n, k, batch): the basis holds batch matrices of its side's shape, as `rows` rows of length n_b
  for (const which of ["a", "b"] as const)
    for (const ta of [false, true])
      for (const tb of [false, true])
        for (const shared of [false, true])
          for (const beta of [0, 1] as const)
            it(`basis ${which}, op(A)${ta ? "ᵀ" : ""}·op(B)${tb ? "ᵀ" : ""}, ${shared ? "shared" : "batched"} basis, beta ${beta}`, () => {
              const m = 5, n = 4, k = 6, batch = 3;
              const sizeA = m * k, sizeB = k * n;
              const basisSize = which === "a" ? sizeA : sizeB;
              const nMat = shared ? 1 : batch;
              // an identity slice over all the basis matrices, seen as rows of length 6 with a shift (a chunk)
              const total = nMat * basisSize, rowLen = 6, rows = total / rowLen, shift = 2;
              expect(Number.isInteger(rows)).toBe(true);
              const { data, b } = basis(rows, rowLen, shift);
              expect(unitBasisOf(data)).toBe(b);
              const other = rnd((which === "a" ? sizeB : sizeA) * (shared ? batch : 1), 7);
              const otherShared = !shared; // the other factor is batched when the basis is shared, and shared otherwise
              const [A, sA, B, sB] = which === "a"
                ? [data, shared ? 0 : sizeA, other, otherShared ? 0 : sizeB]
                : [other, otherShared ? 0 : sizeA, data, shared ? 0 : sizeB];
              const lda = ta ? m : k, ldb = tb ? k : n;
              const C0 = rnd(batch * m * n, 11);
              const ref = C0.slice(), got = C0.slice();
              gemmBatched(portableBackend, ta, tb, m, n, k, 1, A, 0, lda, sA, B, 0, ldb, sB, beta, ref, 0, n, m * n, batch);
              basisGemm(which, b, ta, tb, m, n, k, A, lda, sA, B, ldb, sB, beta, got, n, m * n, batch);
              for (let i = 0; i < ref.length; i++) expect(got[i]).toBeCloseTo(ref[i], 14);
            });
});

describe("basisMul equals the elementwise product with a unit basis", () => {
  for (const [shape, bShape, shift] of [[[6, 4, 5], [4, 5], 0], [[6, 4, 5], [6, 1, 5], 7], [[12, 10], [10], -3], [[3, 2, 2, 5], [2, 1, 5], 11]] as [number[], number[], number][])
    it(`basis ${JSON.stringify(shape)} ∘ b ${JSON.stringify(bShape)}, shift ${shift}`, () => {
      const size = shape.reduce((p, d) => p * d, 1), rowLen = shape[shape.length - 1] * shape[shape.length - 2];
      const { data, b } = basis(size / rowLen, rowLen, shift);
      const other = rnd(bShape.reduce((p, d) => p * d, 1), 5);
      const ref = binary("mul", data, shape, other, bShape, shape);
      const got = basisMul(b, shape, other, broadcastStrides(bShape, shape), new Float64Array(size));
      expect(Array.from(got)).toEqual(Array.from(ref).map((v) => (Object.is(v, -0) ? 0 : v)));
    });
});

describe("Jacobians through the basis path", () => {
  const close = (a: Tensor, b: Tensor, tol = 1e-12): void => {
    expect(a.shape).toEqual(b.shape);
    const ad = a.data, bd = b.data;
    for (let i = 0; i < ad.length; i++) if (!(Object.is(ad[i], bd[i]) || Math.abs(ad[i] - bd[i]) <= tol * (1 + Math.abs(bd[i])) || (Number.isNaN(ad[i]) && Number.isNaN(bd[i])))) throw new Error(`index ${i}: ${ad[i]} vs ${bd[i]}`);
  };
  const X = randn([24, 24], { seed: 1 }), W = randn([24, 30], { seed: 2 }), V = randn([30, 24], { seed: 3 });
  const fns: [string, (x: Tensor) => Tensor][] = [
    ["X·X + sin X", (x) => add(matmul(x, x), sin(x))],
    ["XᵀX", (x) => matmulT(x, x, true, false)],
    ["X·W (basis on the left)", (x) => matmul(x, W)],
    ["V·X (basis on the right)", (x) => matmul(V, x)],
    ["Wᵀ·Xᵀ", (x) => matmulT(W, x, true, true)],
  ];
  for (const [name, f] of fns)
    it(`${name}: reverse and forward, whole and in chunks, against the per-entry loop`, () => {
      const loopRev = jacobian(f, { vectorize: false })(X), loopFwd = jacobian(f, { mode: "forward", vectorize: false })(X);
      const before = basisStats.calls;
      close(jacobian(f)(X), loopRev);
      expect(basisStats.calls).toBeGreaterThan(before); // the first product with the basis took the copy path
      close(jacobian(f, { mode: "forward" })(X), loopFwd);
      close(jacobian(f, { chunkSize: 100 })(X), loopRev); // chunks start mid-row: shifted bases
      close(jacobian(f, { mode: "forward", chunkSize: 77 })(X), loopFwd);
    });
  it("several inputs (one basis slice per leaf, shifted) and the Hessian of Σ (XW)²", () => {
    const g = (x: Tensor, w: Tensor): Tensor => matmul(x, w);
    const [jx, jw] = jacobian(g, { argnums: [0, 1] })(X, W) as Tensor[];
    const [lx, lw] = jacobian(g, { argnums: [0, 1], vectorize: false })(X, W) as Tensor[];
    close(jx, lx);
    close(jw, lw);
    const h = (x: Tensor): Tensor => sum(mul(matmul(x, W), matmul(x, W)));
    close(hessian(h)(X), hessian(h, { vectorize: false })(X), 1e-10);
  });
  it("an elementwise product with a NaN factor keeps its NaNs (0·NaN), as the per-entry loop", () => {
    const Wn = randn([24, 24], { seed: 9 }).data.slice();
    Wn[7] = NaN;
    const Wt = tensor(Array.from({ length: 24 }, (_, i) => Array.from(Wn.subarray(i * 24, i * 24 + 24))));
    const f = (x: Tensor): Tensor => mul(sin(x), Wt);
    close(jacobian(f)(X), jacobian(f, { vectorize: false })(X));
    close(jacobian(f, { mode: "forward" })(X), jacobian(f, { mode: "forward", vectorize: false })(X));
  });
  it("a non-finite factor keeps the GEMM's NaN (0·Inf), as the per-entry loop", () => {
    const Wi = W.data.slice();
    Wi[5] = Infinity;
    const Winf = tensor(Array.from({ length: 24 }, (_, i) => Array.from(Wi.subarray(i * 30, i * 30 + 30))));
    const f = (x: Tensor): Tensor => matmul(x, Winf);
    close(jacobian(f)(X), jacobian(f, { vectorize: false })(X));
    close(jacobian(f, { mode: "forward" })(X), jacobian(f, { mode: "forward", vectorize: false })(X));
  });
});
