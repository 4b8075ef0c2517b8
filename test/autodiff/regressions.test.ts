/**
 * Engine regressions found by the linear-algebra derivative checks (pinned as
 * expected failures until the engine was fixed; now they must pass).
 */
import { describe, it, expect } from "vitest";
import { Tensor, linalg, vjp, jvp, grad, gradgradcheck, randn, add, eye, matmulT, enableGrad, noGrad, exp, sum, mul, onesLike } from "../../src/index.js";

const g = randn([3, 3], { seed: 3 });
const A = add(matmulT(g, g, false, true), eye(3));
const ct = randn([3, 3], { seed: 4 });

describe("engine regressions met by linalg", () => {
  // The engine accumulates engine-owned sums in place when createGraph is false; add's VJP hands
  // the same cotangent to both of its inputs, so a sum handed to a rule is no longer the engine's to
  // mutate. Seen in reverse-over-reverse through pinv's (hermitian) VJP (noGrad vs enableGrad differed).
  it("reverse-over-reverse does not depend on the grad mode of the outer backward (in-place accumulation)", () => {
    const f = (a: Tensor) => linalg.pinv(a, { hermitian: true });
    const h = (a: Tensor, c: Tensor) => enableGrad(() => vjp(f, a).vjpFn(c));
    const { vjpFn } = enableGrad(() => vjp(h as any, A, ct));
    const basis = new Float64Array(9);
    basis[8] = 1;
    const r1 = noGrad(() => vjpFn(new Tensor(basis, [3, 3])))[0];
    const r2 = enableGrad(() => vjpFn(new Tensor(basis, [3, 3])))[0];
    for (let i = 0; i < 9; i++) expect(r1.data[i]).toBeCloseTo(r2.data[i], 10);
  });

  it("forward-over-reverse through the same VJP is right", () => {
    const r = gradgradcheck((a: Tensor) => linalg.pinv(a, { hermitian: true }), [A], { structure: "symmetric", reverse: false, raise: false });
    expect(r.ok, r.report).toBe(true);
  });

  // ops/dispatch.ts used to run JVP rules on primal outputs not yet recorded on the reverse tape, so a
  // tangent computed from `out` (exp: dx·out) was constant for reverse mode (reverse-over-forward).
  it("reverse-over-forward through a JVP rule that uses its output", () => {
    const df = (x: Tensor) => jvp(exp, [x], [onesLike(x)]).tangent as Tensor;
    const gr = grad((v: Tensor) => sum(mul(df(v), v)))(new Tensor(new Float64Array([1, 2]), [2]));
    expect(gr.data[0]).toBeCloseTo(2 * Math.E, 10); // d/dv (v e^v) = (1 + v) e^v
  });
});

describe("matmul with a factor known to be diagonal", () => {
  it("diagEmbed / eye factors take the scaling path with GEMM's results (all transposes, batched)", async () => {
    const { diagEmbed, matmulT, randn, eye, tensor: t } = await import("../../src/index.js");
    const { gemmReference } = await import("../../src/kernels/gemm.js");
    const D = diagEmbed(randn([4], { seed: 1 })), B = randn([4, 3], { seed: 2 }), Bt = randn([3, 4], { seed: 3 });
    const ref = (a: Tensor, b: Tensor, ta: boolean, tb: boolean, m: number, n: number, k: number) => {
      const out = new Float64Array(m * n);
      gemmReference(ta, tb, m, n, k, 1, a.data, 0, a.shape[1], b.data, 0, b.shape[1], 0, out, 0, n);
      return Array.from(out);
    };
    expect(Array.from(matmulT(D, B, false, false).data)).toEqual(ref(D, B, false, false, 4, 3, 4));
    expect(Array.from(matmulT(D, Bt, false, true).data)).toEqual(ref(D, Bt, false, true, 4, 3, 4));
    expect(Array.from(matmulT(Bt, D, false, false).data)).toEqual(ref(Bt, D, false, false, 3, 4, 4));
    expect(Array.from(matmulT(B, D, true, false).data)).toEqual(ref(B, D, true, false, 3, 4, 4));
    // batched diagonal factor against an explicit dense copy (no tag)
    const Db = diagEmbed(randn([2, 3], { seed: 4 })), Xb = randn([2, 3, 5], { seed: 5 });
    const dense = new Tensor(Db.data.slice(), Db.shape);
    expect(Array.from(matmulT(Db, Xb, false, false).data)).toEqual(Array.from(matmulT(dense, Xb, false, false).data));
    expect(Array.from(matmulT(eye(3), Xb, false, false).data)).toEqual(Array.from(Xb.data));
    // a non-finite entry in the other factor: GEMM semantics (0·Inf = NaN) are kept
    const withInf = t([[Infinity, 1], [2, 3]]);
    const r = matmulT(eye(2), withInf, false, false).toArray();
    expect(Number.isNaN(r[2])).toBe(true); // row 1 gets 0·Inf from column 0
  });
});
