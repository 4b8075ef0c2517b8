/**
 * matmul's batching rule (batchMatmul in src/ops/rules/core.ts): the layouts
 * that fold the batch into one GEMM — A batched and untransposed (or a
 * transposed column), B batched with op(B_b) a column (matrix-vector) — and
 * the general batched GEMM, for every transpose flag, with extra leading
 * axes on the batched operand; values and derivatives through the fold
 * (grad of a function of vmap, vmap of grad) against loops over the batch.
 * matmul's JVP, whose two products are summed into the first one's array
 * when nothing records them: plain, batched, forward-over-forward,
 * reverse-over-forward, against the product rule written out. matmul's VJP
 * when one tensor is both operands (X·X, XᵀX, XXᵀ), whose two cotangents are
 * one GEMM accumulating into the other: against two distinct copies.
 */
import { describe, expect, it } from "vitest";
import { randn, reshape, slice, stack, sum, mul, add, grad, vmap, jvp, jacobian, hessian, matmulT, matmul, Tensor } from "../../../src/index.js";

const close = (a: Tensor, b: Tensor, tol = 1e-12): void => {
  expect(a.shape).toEqual(b.shape);
  const ad = a.data, bd = b.data;
  for (let i = 0; i < ad.length; i++)
    if (!(Math.abs(ad[i] - bd[i]) <= tol * (1 + Math.abs(bd[i])))) throw new Error(`index ${i}: ${ad[i]} vs ${bd[i]}`);
};
const ex = (x: Tensor, i: number): Tensor => reshape(slice(x, [i, i + 1]), x.shape.slice(1));
const loop = (n: number, f: (i: number) => Tensor): Tensor => stack(Array.from({ length: n }, (_, i) => f(i)), 0);

const B = 3;
let seed = 100;
// (m, k, n): matrix-vector (n = 1), row-vector (m = 1), outer (k = 1), general
const dims: [number, number, number][] = [[4, 5, 1], [1, 5, 4], [1, 5, 1], [4, 1, 3], [4, 5, 3]];

for (const [m, k, n] of dims)
  for (const ta of [false, true])
    for (const tb of [false, true])
      for (const which of ["a", "b", "both"] as const)
        for (const lead of [[], [2]] as number[][])
          describe(`matmulT(${ta ? "Aᵀ" : "A"}, ${tb ? "Bᵀ" : "B"}) m=${m} k=${k} n=${n}, batched ${which}${lead.length ? ", leading [2]" : ""}`, () => {
            const aShape = ta ? [k, m] : [m, k], bShape = tb ? [n, k] : [k, n];
            // extra leading axes only on a batched operand (the other stays one matrix)
            const aFull = which === "b" ? aShape : [B, ...(which === "a" ? lead : []), ...aShape];
            const bFull = which === "a" ? bShape : [B, ...(which === "b" ? lead : []), ...bShape];
            const A = randn(aFull, { seed: seed++ }), Bm = randn(bFull, { seed: seed++ });
            const inAxes: [number | null, number | null] = [which === "b" ? null : 0, which === "a" ? null : 0];
            const f = (a: Tensor, b: Tensor): Tensor => matmulT(a, b, ta, tb);
            const exA = (i: number): Tensor => (which === "b" ? A : ex(A, i));
            const exB = (i: number): Tensor => (which === "a" ? Bm : ex(Bm, i));

            it("values", () => {
              close(vmap(f, { inAxes })(A, Bm), loop(B, (i) => f(exA(i), exB(i))));
            });

            it("grad of a function of vmap (derivatives through the fold)", () => {
              const W = randn([B, ...(which === "b" ? lead : which === "a" ? lead : []), m, n], { seed: seed++ });
              const viaVmap = (a: Tensor, b: Tensor): Tensor => sum(mul(vmap(f, { inAxes })(a, b), W));
              const viaLoop = (a: Tensor, b: Tensor): Tensor =>
                sum(mul(loop(B, (i) => f(which === "b" ? a : ex(a, i), which === "a" ? b : ex(b, i))), W));
              const [ga, gb] = grad(viaVmap, { argnums: [0, 1] })(A, Bm);
              const [ra, rb] = grad(viaLoop, { argnums: [0, 1] })(A, Bm);
              close(ga, ra);
              close(gb, rb);
            });

            it("vmap of grad (per-example gradients)", () => {
              const g = (a: Tensor, b: Tensor): Tensor[] => grad((u: Tensor, v: Tensor) => sum(mul(f(u, v), f(u, v))), { argnums: [0, 1] })(a, b);
              const [ga, gb] = vmap(g, { inAxes })(A, Bm);
              close(ga, loop(B, (i) => g(exA(i), exB(i))[0]));
              close(gb, loop(B, (i) => g(exA(i), exB(i))[1]));
            });
          });

describe("matmul JVP: dA·B + A·dB (the second product added into the first when nothing records them)", () => {
  const X = randn([4, 4], { seed: 301 }), T = randn([4, 4], { seed: 302 }), U = randn([4, 4], { seed: 303 });
  const sq = (x: Tensor): Tensor => matmul(x, x);
  const product = (x: Tensor, t: Tensor): Tensor => add(matmul(t, x), matmul(x, t));

  it("plain tangents", () => {
    close(jvp(sq, [X], [T]).tangent, product(X, T));
  });

  it("batched tangents (vmap of jvp) and the forward Jacobian", () => {
    const Ts = randn([B, 4, 4], { seed: 304 });
    close(vmap((t: Tensor) => jvp(sq, [X], [t]).tangent)(Ts), loop(B, (i) => product(X, ex(Ts, i))));
    // ∂(XX)/∂X_kl = E_kl X + X E_kl, as a [4, 4, 4, 4] array
    close(jacobian(sq, { mode: "forward" })(X), jacobian(sq)(X));
  });

  it("forward over forward: the tangent's own tangent survives (no in-place sum there)", () => {
    // d/ds of (T·(X+sU) + (X+sU)·T) = T·U + U·T
    const inner = (x: Tensor): Tensor => jvp(sq, [x], [T]).tangent;
    close(jvp(inner, [X], [U]).tangent, add(matmul(T, U), matmul(U, T)));
  });

  it("reverse over forward: the sum records on the tape (no in-place sum there)", () => {
    // f(x) = Σ W ∘ (T x + x T) ⇒ ∇f = Tᵀ W + W Tᵀ
    const W = randn([4, 4], { seed: 305 });
    const g = grad((x: Tensor) => sum(mul(jvp(sq, [x], [T]).tangent, W)))(X);
    close(g, add(matmulT(T, W, true, false), matmulT(W, T, false, true)));
    // and the Hessian of Σ (XX)² (forward over reverse) against the reverse-over-reverse Jacobian of the gradient
    const f = (x: Tensor): Tensor => sum(mul(sq(x), sq(x)));
    close(hessian(f)(X), jacobian(grad(f))(X), 1e-10);
  });
});

describe("matmul VJP with one tensor on both sides: X̄ = Ā + B̄ accumulated by one GEMM into the other", () => {
  // the reference: the same product of two distinct tensors (x and a copy y), whose gradients add up
  const twoCopies = (ta: boolean, tb: boolean, W: Tensor) => (x: Tensor): Tensor => {
    const [gx, gy] = grad((a: Tensor, b: Tensor) => sum(mul(matmulT(a, b, ta, tb), W)), { argnums: [0, 1] })(x, mul(x, 1)) as Tensor[];
    return add(gx, gy);
  };
  for (const [ta, tb, name] of [[false, false, "X·X"], [true, false, "XᵀX"], [false, true, "XXᵀ"], [true, true, "XᵀXᵀ"]] as const) {
    const n = 5, X = randn([n, n], { seed: 401 }), W = randn([n, n], { seed: 402 });
    const f = (x: Tensor): Tensor => sum(mul(matmulT(x, x, ta, tb), W));
    it(`${name}: plain, under vmap (per-example), the reverse Jacobian, and second order`, () => {
      close(grad(f)(X), twoCopies(ta, tb, W)(X));
      const Xs = randn([B, n, n], { seed: 403 });
      close(vmap(grad(f))(Xs), loop(B, (i) => twoCopies(ta, tb, W)(ex(Xs, i))));
      const sq = (x: Tensor): Tensor => matmulT(x, x, ta, tb);
      close(jacobian(sq)(X), jacobian(sq, { vectorize: false })(X));
      // grad of grad records the sum on the tape (no in-place accumulation there): Hessian-vector products agree
      close(hessian(f)(X), jacobian(grad(f), { mode: "forward" })(X), 1e-10);
    });
  }
  it("rectangular X: XᵀX and XXᵀ (Gram products) under vmap", () => {
    const Xs = randn([B, 4, 6], { seed: 404 }), W6 = randn([6, 6], { seed: 405 }), W4 = randn([4, 4], { seed: 406 });
    const g1 = (x: Tensor): Tensor => sum(mul(matmulT(x, x, true, false), W6));
    const g2 = (x: Tensor): Tensor => sum(mul(matmulT(x, x, false, true), W4));
    close(vmap(grad(g1))(Xs), loop(B, (i) => twoCopies(true, false, W6)(ex(Xs, i))));
    close(vmap(grad(g2))(Xs), loop(B, (i) => twoCopies(false, true, W4)(ex(Xs, i))));
  });
});

describe("matmul JVP accumulated by a batched GEMM: every batching of (A, dB)", () => {
  // dC = dA·B + A·dB with A, B, dA, dB each batched or shared, rectangular and transposed
  const m = 3, k = 4, n = 5;
  for (const ta of [false, true])
    for (const tb of [false, true])
      for (const [batchX, batchY] of [[true, false], [false, true], [true, true]] as const)
        it(`matmulT(A${ta ? "ᵀ" : ""}, B${tb ? "ᵀ" : ""}) with ${batchX ? "A" : ""}${batchX && batchY ? " and " : ""}${batchY ? "B" : ""} batched`, () => {
          const aShape = ta ? [k, m] : [m, k], bShape = tb ? [n, k] : [k, n];
          const As = randn(batchX ? [B, ...aShape] : aShape, { seed: 410 }), Bs = randn(batchY ? [B, ...bShape] : bShape, { seed: 411 });
          const dA = randn(aShape, { seed: 412 }), dB = randn(bShape, { seed: 413 });
          const f = (a: Tensor, b: Tensor): Tensor => jvp((x: Tensor, y: Tensor) => matmulT(x, y, ta, tb), [a, b], [dA, dB]).tangent;
          const ref = (a: Tensor, b: Tensor): Tensor => add(matmulT(dA, b, ta, tb), matmulT(a, dB, ta, tb));
          const pick = (t: Tensor, batched: boolean, i: number): Tensor => (batched ? ex(t, i) : t);
          close(vmap(f, { inAxes: [batchX ? 0 : null, batchY ? 0 : null] })(As, Bs), loop(B, (i) => ref(pick(As, batchX, i), pick(Bs, batchY, i))));
        });
});
