/**
 * Custom derivatives over pytree arguments (Function.apply, customVjp,
 * customJvp) and their types: apply typed from forward, savedTensors a tuple.
 */
import { describe, it, expect, expectTypeOf } from "vitest";
import {
  Function, FunctionCtx, Tensor, type ForwardArgs, customVjp, customJvp, grad, jvp, randn, ones, matmul, mul, add, sum, AutogradError, ShapeError,
} from "../../src/index.js";

const maxDiff = (a: Tensor, b: Tensor): number => {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  a.data.forEach((v, i) => (m = Math.max(m, Math.abs(v - b.data[i]))));
  return m;
};

interface Layer {
  W: Tensor;
  b: Tensor;
  name: string;
}
const W = randn([3, 2], { seed: 1 }), b = randn([3, 1], { seed: 2 }), X = randn([2, 4], { seed: 3 });
const ref = (p: Layer, x: Tensor): Tensor => add(matmul(p.W, x), p.b);
const lossOf = (out: Tensor): Tensor => sum(mul(out, out));

// Y = W X + b: dY = dW X + W dX + db; ⟨G, dY⟩ = ⟨G Xᵀ, dW⟩ + ⟨Wᵀ G, dX⟩ + ⟨G 1, db⟩
class Affine extends Function {
  static forward(ctx: FunctionCtx<[Tensor, Tensor]>, p: Layer, x: Tensor): Tensor {
    ctx.saveForBackward(p.W, x);
    return add(matmul(p.W, x), p.b);
  }
  static backward(ctx: FunctionCtx<[Tensor, Tensor]>, G: Tensor) {
    const [Wsaved, x] = ctx.savedTensors;
    return [{ W: matmul(G, x.mT), b: sum(G, [1], true), name: null }, matmul(Wsaved.mT, G)] as const;
  }
}

describe("Function over pytree arguments", () => {
  it("apply is typed from forward; backward returns a tree per argument", () => {
    const y = Affine.apply({ W, b, name: "layer" }, X);
    expectTypeOf(y).toEqualTypeOf<Tensor>();
    expectTypeOf<ForwardArgs<typeof Affine>>().toEqualTypeOf<[p: Layer, x: Tensor]>();
    const g = grad((p: Layer, x: Tensor) => lossOf(Affine.apply(p, x)), { argnums: [0, 1] })({ W, b, name: "layer" }, X);
    const gr = grad((p: Layer, x: Tensor) => lossOf(ref(p, x)), { argnums: [0, 1] })({ W, b, name: "layer" }, X);
    expect(maxDiff(g[0].W, gr[0].W)).toBeLessThan(1e-13);
    expect(maxDiff(g[0].b, gr[0].b)).toBeLessThan(1e-13);
    expect(maxDiff(g[1], gr[1])).toBeLessThan(1e-13);
    expect(g[0].name).toBeNull();
  });

  it("forward mode through a backward-only Function with tree arguments (transposition)", () => {
    const dW = randn([3, 2], { seed: 4 });
    const r = jvp((w: Tensor) => Affine.apply({ W: w, b, name: "n" }, X), [W], [dW]);
    expect(maxDiff(r.tangent, matmul(dW, X))).toBeLessThan(1e-13);
  });

  it("a gradient tree of the wrong structure names the argument and the path", () => {
    class Bad extends Function {
      static forward(_ctx: FunctionCtx, p: { a: Tensor; c: Tensor }): Tensor {
        return add(p.a, p.c);
      }
      static backward(_ctx: FunctionCtx, G: Tensor) {
        return { a: G };
      }
    }
    const p = { a: randn([2], { seed: 5 }), c: randn([2], { seed: 6 }) };
    expect(() => grad((q: { a: Tensor; c: Tensor }) => sum(Bad.apply(q)))(p)).toThrow(ShapeError);
    expect(() => grad((q: { a: Tensor; c: Tensor }) => sum(Bad.apply(q)))(p)).toThrow(
      /^Bad: backward's gradients of input 0 differ from inputs at \(root\): inputs have an object with keys \{a, c\}/,
    );
  });

  it("savedTensors is a tuple (no non-null assertions under noUncheckedIndexedAccess)", () => {
    expectTypeOf<FunctionCtx<[Tensor, Tensor]>["savedTensors"]>().toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf<FunctionCtx["savedTensors"]>().toEqualTypeOf<Tensor[]>();
  });
});

describe("customVjp / customJvp over pytree arguments", () => {
  it("customVjp: bwd gets the residuals' type and returns a tree per argument", () => {
    const affine = customVjp((p: Layer, x: Tensor) => ref(p, x), {
      fwd: (p: Layer, x: Tensor) => [ref(p, x), { W: p.W, x }] as const,
      bwd: (res, G) => {
        expectTypeOf(res).toEqualTypeOf<{ readonly W: Tensor; readonly x: Tensor }>();
        expectTypeOf(G).toEqualTypeOf<Tensor>();
        return [{ W: matmul(G, res.x.mT), b: sum(G, [1], true), name: null }, matmul(res.W.mT, G)];
      },
    });
    expectTypeOf(affine).toEqualTypeOf<(p: Layer, x: Tensor) => Tensor>();
    const g = grad((p: Layer) => lossOf(affine(p, X)))({ W, b, name: "n" });
    const gr = grad((p: Layer) => lossOf(ref(p, X)))({ W, b, name: "n" });
    expect(maxDiff(g.W, gr.W)).toBeLessThan(1e-13);
    expect(maxDiff(g.b, gr.b)).toBeLessThan(1e-13);
  });

  it("customJvp: the rule gets tangent trees (null at static leaves); reverse mode by transposition", () => {
    let seenName: unknown = "unset";
    const affine = customJvp(
      (p: Layer, x: Tensor) => ref(p, x),
      ([p, x], [dp, dx]) => {
        seenName = dp.name;
        return add(add(matmul(dp.W, x), matmul(p.W, dx)), dp.b);
      },
    );
    const dW = randn([3, 2], { seed: 7 });
    const r = jvp((w: Tensor) => affine({ W: w, b, name: "n" }, X), [W], [dW]);
    expect(seenName).toBeNull();
    expect(maxDiff(r.tangent, matmul(dW, X))).toBeLessThan(1e-14);
    const g = grad((p: Layer) => lossOf(affine(p, X)))({ W, b, name: "n" });
    const gr = grad((p: Layer) => lossOf(ref(p, X)))({ W, b, name: "n" });
    expect(maxDiff(g.W, gr.W)).toBeLessThan(1e-12);
    expect(maxDiff(g.b, gr.b)).toBeLessThan(1e-12);
  });

  it("a gradient for an argument without tensors is refused", () => {
    const f = customVjp((p: { a: Tensor }, k: { s: number }) => mul(p.a, k.s), {
      bwd: ([, k], G) => [{ a: mul(G, k.s) }, { s: G } as never],
    });
    expect(() => grad((a: Tensor) => sum(f({ a }, { s: 2 })))(randn([2], { seed: 8 }))).toThrow(AutogradError);
  });
});

describe("custom functions with pytree outputs", () => {
  // f(x) = { s: Σx, sq: x ⊙ x, tag: "f" }
  const ref = (x: Tensor) => ({ s: sum(x), sq: mul(x, x), tag: "f" });
  const x = randn([3], { seed: 9 });
  const lossOf = (o: { s: Tensor; sq: Tensor }) => add(o.s.mul(2), sum(o.sq));

  it("customVjp: bwd gets a cotangent tree (null at static leaves); the result keeps the structure", () => {
    let seenTag: unknown = "unset";
    const f = customVjp(ref, {
      bwd: ([x0], ct) => {
        expectTypeOf(ct).toEqualTypeOf<{ s: Tensor; sq: Tensor; tag: null }>();
        seenTag = ct.tag;
        return add(ct.s, mul(mul(ct.sq, x0), 2));
      },
    });
    const out = f(x);
    expect(out.tag).toBe("f");
    const g = grad((v: Tensor) => lossOf(f(v)))(x);
    expect(seenTag).toBeNull();
    expect(maxDiff(g, add(mul(x, 2), 2))).toBeLessThan(1e-14);
  });

  it("customJvp: the JVP rule returns a tangent tree; reverse mode by transposition", () => {
    const f = customJvp(ref, ([x0], [dx]) => ({ s: sum(dx), sq: mul(mul(x0, dx), 2), tag: null }));
    const r = jvp((v: Tensor) => f(v), [x], [randn([3], { seed: 10 })]);
    expect(r.tangent.tag).toBeNull();
    const g = grad((v: Tensor) => lossOf(f(v)))(x);
    expect(maxDiff(g, add(mul(x, 2), 2))).toBeLessThan(1e-13);
  });

  it("Function: a tree output's cotangent arrives as one tree argument", () => {
    class Both extends Function {
      static forward(ctx: FunctionCtx<[Tensor]>, v: Tensor) {
        ctx.saveForBackward(v);
        return { s: sum(v), sq: mul(v, v) };
      }
      static backward(ctx: FunctionCtx<[Tensor]>, ct: { s: Tensor; sq: Tensor }) {
        const [v] = ctx.savedTensors;
        return add(ct.s, mul(mul(ct.sq, v), 2));
      }
    }
    const out = Both.apply(x);
    expectTypeOf(out).toEqualTypeOf<{ s: Tensor; sq: Tensor }>();
    const g = grad((v: Tensor) => lossOf(Both.apply(v)))(x);
    expect(maxDiff(g, add(mul(x, 2), 2))).toBeLessThan(1e-14);
    const t = jvp((v: Tensor) => Both.apply(v), [x], [ones([3])]);
    expect(maxDiff(t.tangent.sq, mul(x, 2))).toBeLessThan(1e-14);
  });
});

