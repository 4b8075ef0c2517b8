/**
 * vmap: axes, trees, every transform composed with vmap in both orders and
 * nested vmap — each against an explicit loop over the batch (stack of
 * per-example results) to 1e-12 — and the errors of bad input.
 */
import { describe, it, expect } from "vitest";
import {
  tensor, randn, rand, zeros, Tensor, vmap, grad, valueAndGrad, vjp, jvp, linearize, jacobian, hessian, hvp,
  matmul, sum, mul, add, sin, tanh, reshape, stack, permute, linalg, eye, mT, where, gt, maximum,
  ShapeError, ArgumentError, BatchingError,
} from "../../src/index.js";
import { close, ex, loop } from "./batch-helpers.js";

const B = 4;
const X = randn([B, 3, 3], { seed: 1 });
const T = randn([B, 3, 3], { seed: 2 });
const x0 = randn([3, 3], { seed: 3 });
const t0 = randn([3, 3], { seed: 4 });
const f = (x: Tensor): Tensor => add(matmul(x, x), sin(x));
const energy = (x: Tensor): Tensor => sum(mul(f(x), f(x)));

describe("vmap: axes and structure", () => {
  it("maps axis 0 by default, as a loop", () => close(vmap(f)(X), loop(B, (i) => f(ex(X, i)))));
  it("inAxes 1 and −1, outAxes 1 and −1", () => {
    const X1 = permute(X, [1, 0, 2]);
    close(vmap(f, { inAxes: 1 })(X1), loop(B, (i) => f(ex(X1, i, 1))));
    const X2 = permute(X, [1, 2, 0]);
    close(vmap(f, { inAxes: -1 })(X2), loop(B, (i) => f(ex(X2, i, 2))));
    close(vmap(f, { outAxes: 1 })(X), permute(loop(B, (i) => f(ex(X, i))), [1, 0, 2]));
    close(vmap(f, { outAxes: -1 })(X), permute(loop(B, (i) => f(ex(X, i))), [1, 2, 0]));
  });
  it("inAxes null: an unmapped argument shared by all examples", () => {
    const g = (x: Tensor, a: Tensor): Tensor => matmul(a, x);
    close(vmap(g, { inAxes: [0, null] })(X, x0), loop(B, (i) => g(ex(X, i), x0)));
  });
  it("trees: tree-prefix inAxes, tree outputs, static leaves", () => {
    const p = { W: randn([B, 3, 3], { seed: 5 }), b: randn([3], { seed: 6 }), name: "layer" };
    const g = (q: typeof p, x: Tensor) => ({ y: add(matmul(q.W, x), q.b), n: q.name, s: [sum(x)] });
    const v = vmap(g, { inAxes: [{ W: 0, b: null, name: null }, null] })(p, t0);
    expect(v.n).toBe("layer");
    close(v.y, loop(B, (i) => g({ ...p, W: ex(p.W, i) }, t0).y));
    close(v.s[0], loop(B, () => sum(t0)));
  });
  it("axisSize with no mapped argument broadcasts; an output that does not depend on the batch is broadcast", () => {
    const out = vmap((a: Tensor) => mul(a, 2), { inAxes: null, axisSize: 3 })(x0);
    close(out, stack([mul(x0, 2), mul(x0, 2), mul(x0, 2)]));
    close(vmap((x: Tensor) => [x, x0] as const)(X)[1], stack(Array.from({ length: B }, () => x0)));
  });
  it("outAxes null for an unbatched output returns it as it is", () => {
    const [a, b] = vmap((x: Tensor) => [sin(x), x0], { outAxes: [0, null] })(X);
    close(a, sin(X));
    expect(b).toBe(x0);
  });
  it("mixed-rank broadcasting inside the function", () => {
    const g = (x: Tensor, v: Tensor): Tensor => add(x, v); // [3,3] + [3]
    const V = randn([B, 3], { seed: 7 });
    close(vmap(g)(X, V), loop(B, (i) => g(ex(X, i), ex(V, i))));
  });
  it("reductions, layout, where, maximum, comparisons", () => {
    const g = (x: Tensor): Tensor => {
      const s = sum(x, 0);
      const m = where(gt(x, 0), x, mul(x, 0.1));
      return add(reshape(mT(m), [9]), maximum(reshape(x, [9]), sum(s)));
    };
    close(vmap(g)(X), loop(B, (i) => g(ex(X, i))));
  });
});

describe("vmap composes with every transform, both orders", () => {
  it("vmap(grad) and grad(vmap)", () => {
    close(vmap(grad(energy))(X), loop(B, (i) => grad(energy)(ex(X, i))), 1e-11);
    close(grad((x: Tensor) => sum(vmap(f)(x)))(X), grad((x: Tensor) => sum(loop(B, (i) => f(ex(x, i)))))(X));
  });
  it("per-example gradients: vmap(grad(loss), { inAxes: [null, 0] })", () => {
    const W = randn([4, 3], { seed: 8 });
    const data = randn([6, 3], { seed: 9 });
    const loss = (w: Tensor, x: Tensor): Tensor => sum(tanh(matmul(w, x)));
    close(vmap(grad(loss), { inAxes: [null, 0] })(W, data), loop(6, (i) => grad(loss)(W, ex(data, i))));
  });
  it("vmap(valueAndGrad)", () => {
    const r = vmap(valueAndGrad(energy))(X);
    close(r.value, loop(B, (i) => energy(ex(X, i))));
    close(r.grad, loop(B, (i) => grad(energy)(ex(X, i))), 1e-11);
  });
  it("vmap(vjp) (pullbacks of a batch of cotangents) and vjp(vmap)", () => {
    const { vjpFn } = vjp(f, x0);
    close(vmap((c: Tensor) => vjpFn(c)[0])(T), loop(B, (i) => vjpFn(ex(T, i))[0]));
    const r = vjp(vmap(f), X);
    close(r.vjpFn(T)[0], loop(B, (i) => vjp(f, ex(X, i)).vjpFn(ex(T, i))[0]));
  });
  it("vmap(jvp) and jvp(vmap)", () => {
    close(vmap((t: Tensor) => jvp(f, [x0], [t]).tangent)(T), loop(B, (i) => jvp(f, [x0], [ex(T, i)]).tangent));
    close(vmap((x: Tensor, t: Tensor) => jvp(f, [x], [t]).tangent)(X, T), loop(B, (i) => jvp(f, [ex(X, i)], [ex(T, i)]).tangent));
    close(jvp(vmap(f), [X], [T]).tangent, loop(B, (i) => jvp(f, [ex(X, i)], [ex(T, i)]).tangent));
  });
  it("vmap(linearize) and linearize(vmap)", () => {
    const { jvpFn } = linearize(f, x0);
    close(vmap((t: Tensor) => jvpFn(t))(T), loop(B, (i) => jvp(f, [x0], [ex(T, i)]).tangent));
    const l = linearize(vmap(f), X);
    close(l.jvpFn(T), loop(B, (i) => jvp(f, [ex(X, i)], [ex(T, i)]).tangent));
  });
  it("vmap(jacobian) and jacobian(vmap), both modes", () => {
    for (const mode of ["reverse", "forward"] as const) {
      close(vmap(jacobian(f, { mode }))(X), loop(B, (i) => jacobian(f, { mode })(ex(X, i))));
      const J = jacobian(vmap(f), { mode })(X); // [B,3,3, B,3,3]: block diagonal in the batch
      close(J, jacobian((x: Tensor) => loop(B, (i) => f(ex(x, i))), { mode, vectorize: false })(X));
    }
  });
  it("vmap(hessian), hessian(Σ vmap), vmap(hvp)", () => {
    close(vmap(hessian(energy))(X), loop(B, (i) => hessian(energy)(ex(X, i))), 1e-11);
    const H = hessian((x: Tensor) => sum(vmap(energy)(x)))(X);
    close(H, hessian((x: Tensor) => sum(loop(B, (i) => energy(ex(x, i)))), { vectorize: false })(X), 1e-11);
    close(vmap((x: Tensor, t: Tensor) => hvp(energy, [x], [t])[0])(X, T), loop(B, (i) => hvp(energy, [ex(X, i)], [ex(T, i)])[0]), 1e-11);
  });
  it("nested vmap, with different inAxes per level", () => {
    const Y = randn([2, B, 3, 3], { seed: 10 });
    close(vmap(vmap(f))(Y), stack([0, 1].map((j) => loop(B, (i) => f(ex(ex(Y, j), i))))));
    const g = (x: Tensor, a: Tensor): Tensor => matmul(x, a);
    const A2 = randn([2, 3, 3], { seed: 11 });
    const inner = vmap(g, { inAxes: [0, null] });
    close(vmap(inner, { inAxes: [null, 0] })(X, A2), stack([0, 1].map((j) => loop(B, (i) => g(ex(X, i), ex(A2, j))))));
  });
  it("grad(vmap(grad)) (second order through a vmapped gradient)", () => {
    const outer = (x: Tensor): Tensor => sum(mul(vmap(grad(energy))(x), T));
    close(grad(outer)(X), grad((x: Tensor) => sum(mul(loop(B, (i) => grad(energy)(ex(x, i))), T)))(X), 1e-10);
  });
  it("grad over a second mapped argument of vmap(grad(f, argnums 0))", () => {
    const h = (x: Tensor, z: Tensor): Tensor => sum(mul(sin(mul(x, z)), z));
    const outer = (z: Tensor): Tensor => sum(mul(vmap(grad(h))(X, z), T));
    const ref = (z: Tensor): Tensor => sum(mul(loop(B, (i) => grad(h)(ex(X, i), ex(z, i))), T));
    close(grad(outer)(T), grad(ref)(T), 1e-10);
  });
  it("linalg under vmap: solve with a shared right-hand side, logdet per example", () => {
    const A = add(mul(randn([B, 3, 3], { seed: 12 }), 0.1), eye(3));
    const b = randn([3], { seed: 13 });
    close(vmap((a: Tensor) => linalg.solve(a, b))(A), loop(B, (i) => linalg.solve(ex(A, i), b)));
    close(vmap(grad((a: Tensor) => linalg.logdet(matmul(a, mT(a)))))(A), loop(B, (i) => grad((a: Tensor) => linalg.logdet(matmul(a, mT(a))))(ex(A, i))), 1e-10);
  });
});

describe("vmap: random numbers", () => {
  it("randomness 'error' (default) raises a BatchingError naming the random function", () => {
    expect(() => vmap((x: Tensor) => add(x, randn([3])))(zeros([2, 3]))).toThrow(BatchingError);
    expect(() => vmap((x: Tensor) => add(x, randn([3])))(zeros([2, 3]))).toThrow(/^randn: .*randomness/);
  });
  it("'different' draws per example, 'same' one draw for the batch", () => {
    const d = vmap((x: Tensor) => add(x, rand([3])), { randomness: "different" })(zeros([4, 3]));
    const rows = [0, 1, 2, 3].map((i) => ex(d, i).toArray().join());
    expect(new Set(rows).size).toBe(4);
    const s = vmap((x: Tensor) => add(x, rand([3])), { randomness: "same" })(zeros([4, 3]));
    expect(new Set([0, 1, 2, 3].map((i) => ex(s, i).toArray().join())).size).toBe(1);
  });
});

describe("vmap: bad input", () => {
  it("inAxes that does not match the arguments → ShapeError naming vmap and the counts", () => {
    expect(() => vmap(f, { inAxes: [0, 0] })(X)).toThrow(ShapeError);
    expect(() => vmap(f, { inAxes: [0, 0] })(X)).toThrow(/^vmap: inAxes has 2 entries but the function was called with 1 argument/);
    expect(() => vmap((p: { a: Tensor }) => p.a, { inAxes: [{ b: 0 }] })({ a: X })).toThrow(/^vmap: inAxes at \[0\] has keys \{b\} but the value there has keys \{a\}/);
  });
  it("an axis out of range → ShapeError naming the argument and its shape", () => {
    expect(() => vmap(f, { inAxes: 3 })(X)).toThrow(/^vmap: inAxes maps axis 3 of argument 0, which has shape \[4, 3, 3\]/);
    expect(() => vmap(f, { inAxes: 0 })(tensor(2))).toThrow(/^vmap: argument 0 is a 0-d tensor/);
    expect(() => vmap(f, { outAxes: 4 })(X)).toThrow(/^vmap: outAxes puts the batch axis at 4 for the output of shape \[3, 3\]/);
  });
  it("mapped sizes that disagree → ShapeError listing each argument's size", () => {
    expect(() => vmap(add)(X, randn([5, 3, 3]))).toThrow(/^vmap: the mapped axes have different sizes: argument 0 has size 4 at axis 0 \(shape \[4, 3, 3\]\); argument 1 has size 5/);
    expect(() => vmap(f, { axisSize: 3 })(X)).toThrow(/^vmap: option axisSize is 3 but the mapped axes have size 4/);
    expect(() => vmap(f, { inAxes: null })(X)).toThrow(/^vmap: no argument is mapped .*axisSize/);
  });
  it("options: unknown keys with a did-you-mean, wrong kinds", () => {
    expect(() => vmap(f, { in_axes: 0 } as never)).toThrow(ArgumentError);
    expect(() => vmap(f, { in_axes: 0 } as never)).toThrow(/inAxes/);
    expect(() => vmap(f, { inAxes: 0.5 })).toThrow(/^vmap: inAxes must be an integer axis/);
    expect(() => vmap(f, { inAxes: "0" as never })).toThrow(ArgumentError);
    expect(() => vmap(f, { randomness: "maybe" as never })).toThrow(/^vmap: option randomness must be/);
    expect(() => vmap(f, { axisSize: -1 })).toThrow(/^vmap: option axisSize must be a non-negative integer/);
    expect(() => vmap(3 as never)).toThrow(/^vmap: argument f must be a function/);
  });
  it("reading values of a batched tensor → BatchingError that says why and what to do", () => {
    expect(() => vmap((x: Tensor) => tensor(x.item()))(randn([3]))).toThrow(BatchingError);
    expect(() => vmap((x: Tensor) => tensor(x.toArray()))(X)).toThrow(/^vmap: the function read the values of a batched tensor \(logical shape \[3, 3\], batch of 4\)/);
  });
  it("outAxes null for a batched output → BatchingError", () => {
    expect(() => vmap(f, { outAxes: null })(X)).toThrow(/^vmap: outAxes is null for the output, but it depends on the mapped arguments/);
  });
  it("a batched tensor that escapes its vmap → BatchingError when used", () => {
    let leaked: Tensor | null = null;
    vmap((x: Tensor) => {
      leaked = x;
      return x;
    })(X);
    expect(() => add(leaked!, 1)).toThrow(/^vmap: a batched tensor \(logical shape \[3, 3\]\) escaped the vmap/);
    expect(() => leaked!.toString()).toThrow(BatchingError);
  });
  it("inside vmap a batched tensor prints as such (console.log does not throw)", () => {
    let s = "";
    vmap((x: Tensor) => {
      s = x.toString();
      return x;
    })(X);
    expect(s).toMatch(/^BatchedTensor\(level=\d+, batch=4, shape=\[3, 3\]\)$/);
  });
});
