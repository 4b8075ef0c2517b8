/**
 * Pytrees in every transform, hasAux, the top-level conversion rule, the
 * dense-size limit of jacobian / hessian and the errors that name a path;
 * plus type tests (expectTypeOf) that the results keep the user's structure.
 */
import { describe, it, expect, expectTypeOf } from "vitest";
import {
  tensor, randn, Tensor, grad, valueAndGrad, vjp, jvp, linearize, linearTranspose, jacobian, hessian, hvp,
  matmul, sum, mul, add, sin, tanh, ShapeError, ArgumentError, MAX_JACOBIAN_ENTRIES, zeros, ones,
} from "../../src/index.js";

const maxDiff = (a: Tensor, b: Tensor): number => {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  a.data.forEach((v, i) => (m = Math.max(m, Math.abs(v - b.data[i]))));
  return m;
};

interface Params {
  W: Tensor;
  b: Tensor;
}
const W = randn([3, 2], { seed: 1 }), b = randn([3], { seed: 2 }), X = randn([2, 4], { seed: 3 });
// loss({W, b}, X) = Σ tanh(W X + b)²
const loss = (p: Params, x: Tensor): Tensor => sum(mul(tanh(add(matmul(p.W, x), p.b.reshape([3, 1]))), tanh(add(matmul(p.W, x), p.b.reshape([3, 1])))));
const lossFlat = (w: Tensor, bb: Tensor, x: Tensor): Tensor => loss({ W: w, b: bb }, x);

describe("grad / valueAndGrad over pytrees", () => {
  it("grad(loss)({ W, b }, X) returns { W, b } equal to the positional gradients", () => {
    const g = grad(loss)({ W, b }, X);
    expectTypeOf(g).toEqualTypeOf<{ W: Tensor; b: Tensor }>();
    const [gW, gb] = grad(lossFlat, { argnums: [0, 1] })(W, b, X);
    expect(Object.keys(g).sort()).toEqual(["W", "b"]);
    expect(maxDiff(g.W, gW)).toBe(0);
    expect(maxDiff(g.b, gb)).toBe(0);
  });

  it("nested arrays and objects keep their structure; static leaves get null", () => {
    const f = (p: { layers: { w: Tensor; name: string }[]; scale: number }) =>
      sum(mul(p.layers[0]!.w, p.layers[1]!.w)).mul(p.scale);
    const a = randn([2, 2], { seed: 4 }), c = randn([2, 2], { seed: 5 });
    const g = grad(f)({ layers: [{ w: a, name: "first" }, { w: c, name: "second" }], scale: 2 });
    expectTypeOf(g).toEqualTypeOf<{ layers: { w: Tensor; name: null }[]; scale: null }>();
    expect(g.scale).toBeNull();
    expect(g.layers[0]!.name).toBeNull();
    expect(maxDiff(g.layers[0]!.w, c.mul(2))).toBe(0);
    expect(maxDiff(g.layers[1]!.w, a.mul(2))).toBe(0);
  });

  it("argnums [0, 1] over a tree and a tensor gives a typed tuple", () => {
    const r = grad(loss, { argnums: [0, 1] })({ W, b }, X);
    expectTypeOf(r).toEqualTypeOf<[{ W: Tensor; b: Tensor }, Tensor]>();
    const gx = grad(lossFlat, { argnums: 2 })(W, b, X);
    expect(maxDiff(r[1], gx)).toBe(0);
  });

  it("top-level numbers and nested number arrays are converted (backward compatibility)", () => {
    const sq = (x: Tensor) => sum(mul(x, x));
    expect(grad(sq)(2).item()).toBe(4);
    expect(grad(sq)([[1, 2], [3, 4]]).toArray()).toEqual([2, 4, 6, 8]);
    expect(grad(sq)([]).shape).toEqual([0]);
  });

  it("hasAux: grad returns [g, aux], valueAndGrad { value, grad, aux }; aux is not differentiated", () => {
    const f = (p: Params, x: Tensor): [Tensor, { pred: Tensor; note: string }] => {
      const pred = add(matmul(p.W, x), p.b.reshape([3, 1]));
      return [sum(mul(pred, pred)), { pred, note: "aux" }];
    };
    const [g, aux] = grad(f, { hasAux: true })({ W, b }, X);
    expectTypeOf(g).toEqualTypeOf<{ W: Tensor; b: Tensor }>();
    expectTypeOf(aux).toEqualTypeOf<{ pred: Tensor; note: string }>();
    expect(aux.note).toBe("aux");
    expect(maxDiff(aux.pred, add(matmul(W, X), b.reshape([3, 1])))).toBeLessThan(1e-15);
    const r = valueAndGrad(f, { hasAux: true })({ W, b }, X);
    expectTypeOf(r.aux).toEqualTypeOf<{ pred: Tensor; note: string }>();
    expect(maxDiff(r.grad.W, g.W)).toBe(0);
    expect(r.value.item()).toBeCloseTo(sum(mul(aux.pred, aux.pred)).item(), 12);
    expect(() => grad((x: Tensor) => sum(x) as unknown as [Tensor, number], { hasAux: true })(W)).toThrow(
      /^grad: with hasAux: true the function must return \[out, aux\]/,
    );
  });

  it("rejects bad options with the op's name", () => {
    // @ts-expect-error has_aux is the JAX spelling
    expect(() => grad((x: Tensor) => sum(x), { has_aux: true })).toThrow(/^grad: unknown option "has_aux"; did you mean "hasAux"\?/);
    expect(() => grad((x: Tensor) => sum(x), { argnums: [0, 0] })(W)).toThrow(/^grad: argnums lists position 0 twice/);
    // @ts-expect-error not a function
    expect(() => valueAndGrad(3)).toThrow(/^valueAndGrad: argument f must be a function; got the number 3/);
  });
});

describe("vjp / jvp / linearize / linearTranspose over pytrees", () => {
  const f = (p: Params): { y: Tensor; s: Tensor } => ({ y: matmul(p.W, X), s: sum(p.b) });
  const dp = { W: randn([3, 2], { seed: 6 }), b: randn([3], { seed: 7 }) };

  it("vjp: the cotangent has the output's structure, the result the primals'", () => {
    const { out, vjpFn } = vjp(f, { W, b });
    expectTypeOf(out).toEqualTypeOf<{ y: Tensor; s: Tensor }>();
    const ct = { y: randn([3, 4], { seed: 8 }), s: tensor(2) };
    const [g] = vjpFn(ct);
    expectTypeOf(g).toEqualTypeOf<{ W: Tensor; b: Tensor }>();
    expect(maxDiff(g.W, matmul(ct.y, X.mT))).toBeLessThan(1e-14);
    expect(g.b.toArray()).toEqual([2, 2, 2]);
    expect(() => vjpFn({ y: ct.y } as never)).toThrow(ShapeError);
    expect(() => vjpFn({ y: ct.y } as never)).toThrow(
      /^vjp: cotangents differ from outputs at \(root\): outputs have an object with keys \{s, y\}, cotangents have an object with keys \{y\}/,
    );
    expect(() => vjpFn({ y: randn([4, 3]), s: tensor(1) })).toThrow(/^vjp: the cotangent at y has shape \[4, 3\] but the output at y has shape \[3, 4\]/);
  });

  it("vjp with hasAux (options first)", () => {
    const r = vjp({ hasAux: true }, (p: Params): [Tensor, string] => [matmul(p.W, X), "hi"], { W, b });
    expectTypeOf(r.aux).toEqualTypeOf<string>();
    expect(r.aux).toBe("hi");
    const [g] = r.vjpFn(ones([3, 4]));
    expect(g.b.toArray()).toEqual([0, 0, 0]);
  });

  it("jvp: tangents match the primals' structure; the tangent has the output's", () => {
    const { out, tangent } = jvp(f, [{ W, b }], [dp]);
    expectTypeOf(tangent).toEqualTypeOf<{ y: Tensor; s: Tensor }>();
    expect(maxDiff(out.y, matmul(W, X))).toBe(0);
    expect(maxDiff(tangent.y, matmul(dp.W, X))).toBeLessThan(1e-15);
    expect(tangent.s.item()).toBeCloseTo(sum(dp.b).item(), 14);
    expect(() => jvp(f, [{ W, b }], [{ W: dp.W, c: dp.b } as never])).toThrow(
      /^jvp: tangents differ from primals at \[0\]: primals have an object with keys \{W, b\}, tangents have an object with keys \{W, c\}/,
    );
    expect(() => jvp(f, [{ W, b }], [{ W: dp.W, b: randn([2]) }])).toThrow(/^jvp: the tangent at \[0\]\.b has shape \[2\] but the primal at \[0\]\.b has shape \[3\]/);
  });

  it("jvp with hasAux returns the aux primal (no tangent attached)", () => {
    const r = jvp((x: Tensor): [Tensor, Tensor] => [sin(x), mul(x, 3)], [W], [ones([3, 2])], { hasAux: true });
    expect(maxDiff(r.aux, W.mul(3))).toBe(0);
    const again = jvp((x: Tensor) => add(x, r.aux), [W], [ones([3, 2])]);
    expect(again.tangent.toArray()).toEqual(ones([3, 2]).toArray());
  });

  it("linearize and linearTranspose over trees", () => {
    const { out, jvpFn } = linearize(f, { W, b });
    expect(maxDiff(out.y, matmul(W, X))).toBe(0);
    const t = jvpFn(dp);
    expect(maxDiff(t.y, matmul(dp.W, X))).toBeLessThan(1e-15);
    const T = linearTranspose((p: Params) => ({ y: matmul(p.W, X), s: sum(p.b) }), { W, b });
    const [g] = T({ y: ones([3, 4]), s: tensor(1) });
    expect(maxDiff(g.W, matmul(ones([3, 4]), X.mT))).toBeLessThan(1e-14);
  });

  it("static leaves in the output get null tangents", () => {
    const r = jvp((x: Tensor) => ({ y: mul(x, 2), tag: "t" }), [W], [ones([3, 2])]);
    expectTypeOf(r.tangent).toEqualTypeOf<{ y: Tensor; tag: null }>();
    expect(r.tangent.tag).toBeNull();
    expect(r.out.tag).toBe("t");
  });
});

describe("jacobian / hessian / hvp over pytrees", () => {
  it("jacobian nests as jacrev: output structure outside, input inside", () => {
    const f = (p: Params) => ({ y: matmul(p.W, X), s: sum(p.b) });
    for (const mode of ["reverse", "forward"] as const) {
      const J = jacobian(f, { mode })({ W, b });
      expectTypeOf(J).toEqualTypeOf<{ y: { W: Tensor; b: Tensor }; s: { W: Tensor; b: Tensor } }>();
      expect(J.y.W.shape).toEqual([3, 4, 3, 2]);
      expect(J.y.b.shape).toEqual([3, 4, 3]);
      expect(J.s.W.shape).toEqual([3, 2]);
      expect(J.s.b.toArray()).toEqual([1, 1, 1]);
      expect(maxDiff(J.y.b, zeros([3, 4, 3]))).toBe(0);
      // ∂y[i,k]/∂W[i,j] = X[j,k]
      expect(J.y.W.data[(0 * 4 + 1) * 6 + 0 * 2 + 1]).toBe(X.data[1 * 4 + 1]);
    }
    const Jt = jacobian(lossFlat, { argnums: [0, 1] })(W, b, X);
    expectTypeOf(Jt).toEqualTypeOf<[Tensor, Tensor]>();
    const g = grad(loss)({ W, b }, X);
    expect(maxDiff(Jt[0], g.W)).toBeLessThan(1e-14);
  });

  it("hessian of a tree function: blocks [i][j] by the input structure; equals the positional Hessian", () => {
    const H = hessian(loss)({ W, b }, X);
    expectTypeOf(H).toEqualTypeOf<{ W: { W: Tensor; b: Tensor }; b: { W: Tensor; b: Tensor } }>();
    const Hp = hessian(lossFlat, { argnums: [0, 1] })(W, b, X);
    expect(maxDiff(H.W.W, Hp[0][0])).toBeLessThan(1e-12);
    expect(maxDiff(H.W.b, Hp[0][1])).toBeLessThan(1e-12);
    expect(maxDiff(H.b.W, Hp[1][0])).toBeLessThan(1e-12);
    expect(H.W.b.shape).toEqual([3, 2, 3]);
  });

  it("hvp over trees equals the Hessian applied to the tangent", () => {
    const V = { W: randn([3, 2], { seed: 9 }), b: randn([3], { seed: 10 }) };
    const [hv, hx] = hvp(loss, [{ W, b }, X], [V, zeros([2, 4])]);
    expectTypeOf(hv).toEqualTypeOf<{ W: Tensor; b: Tensor }>();
    expect(hx.shape).toEqual([2, 4]);
    const H = hessian(loss)({ W, b }, X);
    const HvW = add(
      matmul(H.W.W.reshape([6, 6]), V.W.reshape([6, 1])),
      matmul(H.W.b.reshape([6, 3]), V.b.reshape([3, 1])),
    ).reshape([3, 2]);
    expect(maxDiff(hv.W, HvW)).toBeLessThan(1e-12);
  });

  it("hvp errors start with hvp:", () => {
    const f = (x: Tensor) => sum(mul(x, x));
    expect(() => hvp(f, [W], [randn([2, 3])])).toThrow(/^hvp: the tangent at \[0\] has shape \[2, 3\] but the primal at \[0\] has shape \[3, 2\]/);
    // @ts-expect-error one tangent per primal
    expect(() => hvp(f, [W], [])).toThrow(/^hvp: 1 primals but 0 tangents/);
    expect(() => hvp((x: Tensor) => mul(x, 2), [W], [W])).toThrow(/^hvp: the function must return a scalar/);
  });

  it("a dense result above maxEntries is refused at once, before the per-entry passes", () => {
    const big = zeros([100000]);
    let calls = 0;
    const f = (x: Tensor) => {
      calls++;
      return sin(x);
    };
    const t0 = Date.now();
    expect(() => jacobian(f)(big)).toThrow(
      /^jacobian: the Jacobian would have 10000000000 entries \(100000 output entries × 100000 input entries\), above maxEntries = 4194304/,
    );
    expect(() => jacobian(f, { mode: "forward" })(big)).toThrow(ArgumentError);
    expect(calls).toBe(2);
    expect(() => hessian((x: Tensor) => sum(x))(big)).toThrow(/^hessian: the Hessian would have 10000000000 entries/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(MAX_JACOBIAN_ENTRIES).toBe(4194304);
    expect(() => jacobian(f, { maxEntries: 10 })(zeros([4]))).toThrow(/above maxEntries = 10/);
    expect(jacobian(f, { maxEntries: 16 })(zeros([4])).shape).toEqual([4, 4]);
  });
});
