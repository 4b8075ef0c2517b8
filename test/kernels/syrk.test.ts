import { describe, expect, it } from "vitest";
import { gram, GRAM_BASE } from "../../src/kernels/syrk.js";
import { gemmReference } from "../../src/kernels/gemm.js";
import { matmul, matmulT, mT, randn, tensor, sum, mul, grad, type Tensor } from "../../src/index.js";

function rand(len: number, seed: number): Float64Array {
  const out = new Float64Array(len);
  let s = seed;
  for (let i = 0; i < len; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = s / 2147483647 - 0.5;
  }
  return out;
}

function maxRelErr(x: Float64Array, y: Float64Array): number {
  let e = 0, s = 0;
  for (let i = 0; i < x.length; i++) {
    e = Math.max(e, Math.abs(x[i] - y[i]));
    s = Math.max(s, Math.abs(y[i]));
  }
  return e / Math.max(s, 1e-300);
}

describe("gram (SYRK): C = op(A)·op(A)ᵀ, one triangle mirrored", () => {
  const sizes = [1, 7, GRAM_BASE, GRAM_BASE + 1, 150, 257];
  for (const n of sizes)
    for (const k of [0, 1, 13, 64])
      for (const trans of [false, true])
        it(`n=${n} k=${k} ${trans ? "AᵀA" : "AAᵀ"} with offsets and padded leading dimensions`, () => {
          const rows = trans ? k : n, cols = trans ? n : k;
          const lda = cols + 3, aOff = 5, ldc = n + 2, cOff = 7;
          const A = rand(aOff + rows * lda, 17 + n + k);
          const C = new Float64Array(cOff + n * ldc).fill(NaN); // beta = 0: C is never read
          gram(trans, n, k, 2, A, aOff, lda, C, cOff, ldc);
          const ref = new Float64Array(cOff + n * ldc).fill(NaN);
          gemmReference(trans, !trans, n, n, k, 2, A, aOff, lda, A, aOff, lda, 0, ref, cOff, ldc);
          const got = new Float64Array(n * n), want = new Float64Array(n * n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) {
              got[i * n + j] = C[cOff + i * ldc + j];
              want[i * n + j] = ref[cOff + i * ldc + j];
            }
          expect(maxRelErr(got, want)).toBeLessThan(1e-14);
          for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(got[i * n + j]).toBe(got[j * n + i]);
          // the padding around C is untouched
          for (let i = 0; i < cOff; i++) expect(C[i]).toBeNaN();
          for (let i = 0; i < n; i++) for (let j = n; j < ldc && cOff + i * ldc + j < C.length; j++) expect(C[cOff + i * ldc + j]).toBeNaN();
        });

  it("NaN and Inf propagate as in a GEMM", () => {
    const n = 130, k = 20;
    const A = rand(n * k, 3);
    A[5 * k + 2] = NaN;
    A[100 * k + 7] = Infinity;
    const C = new Float64Array(n * n), ref = new Float64Array(n * n);
    gram(false, n, k, 1, A, 0, k, C, 0, n);
    gemmReference(false, true, n, n, k, 1, A, 0, k, A, 0, k, 0, ref, 0, n);
    for (let i = 0; i < n * n; i++) {
      if (Number.isNaN(ref[i])) expect(C[i]).toBeNaN();
      else if (!Number.isFinite(ref[i])) expect(C[i]).toBe(ref[i]);
    }
  });
});

describe("matmul recognizes Gram products", () => {
  const n = 2 * GRAM_BASE + 5, k = 70;
  const X = randn([k, n], { seed: 4 });
  const ref = (): Float64Array => {
    const out = new Float64Array(n * n);
    gemmReference(true, false, n, n, k, 1, X.data, 0, n, X.data, 0, n, 0, out, 0, n);
    return out;
  };
  const symmetric = (t: Tensor): boolean => {
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (t.data[i * n + j] !== t.data[j * n + i]) return false;
    return true;
  };
  it("mT(X)·X, X·mT(X) (transposed operands of either side), and the transpose flags", () => {
    const want = ref();
    for (const c of [matmul(mT(X), X), matmulT(X, X, true, false), mT(X).matmul(X)]) {
      expect(c.shape).toEqual([n, n]);
      expect(maxRelErr(c.data, want)).toBeLessThan(1e-14);
      expect(symmetric(c)).toBe(true);
    }
    const Y = mT(X); // n×k
    for (const c of [matmul(Y, mT(Y)), matmulT(Y, Y, false, true), matmulT(mT(Y), Y, true, true), matmulT(Y, mT(Y), false, false)]) {
      expect(maxRelErr(c.data, want)).toBeLessThan(1e-14);
      expect(symmetric(c)).toBe(true);
    }
  });
  it("a transpose of a matrix whose .data the user holds: written to after mT, the product is a plain GEMM of the new values", () => {
    const A = randn([k, n], { seed: 9 });
    const held = A.data; // exposed: user code may write into it
    const At = mT(A);
    expect(symmetric(matmul(At, A))).toBe(true); // unchanged: still recognized (checked, not trusted)
    held[0] += 1; // now At is no longer A's transpose
    const want = new Float64Array(n * n);
    gemmReference(false, false, n, n, k, 1, At.data, 0, k, held, 0, n, 0, want, 0, n);
    expect(maxRelErr(matmul(At, A).data, want)).toBeLessThan(1e-14);
  });
  it("products that only look alike are plain GEMMs (S·S, Sᵀ·Sᵀ through transposed copies)", () => {
    const S = randn([n, n], { seed: 5 });
    const St = mT(S);
    const want = new Float64Array(n * n);
    gemmReference(false, false, n, n, n, 1, S.data, 0, n, S.data, 0, n, 0, want, 0, n);
    expect(maxRelErr(matmul(S, S).data, want)).toBeLessThan(1e-14);
    expect(maxRelErr(matmulT(St, S, true, false).data, want)).toBeLessThan(1e-14);
    gemmReference(true, true, n, n, n, 1, S.data, 0, n, S.data, 0, n, 0, want, 0, n);
    expect(maxRelErr(matmulT(St, S, false, true).data, want)).toBeLessThan(1e-14);
    expect(maxRelErr(matmul(St, St).data, want)).toBeLessThan(1e-14);
    // Sᵀ·S and S·Sᵀ through the copy are Gram products
    gemmReference(true, false, n, n, n, 1, S.data, 0, n, S.data, 0, n, 0, want, 0, n);
    expect(maxRelErr(matmul(St, S).data, want)).toBeLessThan(1e-14);
    gemmReference(false, true, n, n, n, 1, S.data, 0, n, S.data, 0, n, 0, want, 0, n);
    expect(maxRelErr(matmulT(St, S, true, true).data, want)).toBeLessThan(1e-14);
  });
  it("gradients through a Gram product: ∇ sum(W∘XᵀX) = X(W + Wᵀ)", () => {
    const W = randn([n, n], { seed: 6 });
    const g = grad((x: Tensor) => sum(mul(matmul(mT(x), x), W)))(X);
    const want = matmul(X, tensor(W.data, { shape: [n, n] }).add(mT(W)));
    expect(maxRelErr(g.data, want.data)).toBeLessThan(1e-12);
  });
});
