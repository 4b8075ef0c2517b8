/**
 * The engine's per-node scratch (output-0 cotangent field, slots for outputs
 * k ≥ 1, in-place accumulation of engine-owned sums, depth-first ordering):
 * fan-out, shared cotangents, multi-output nodes, retained graphs, and the
 * small-op chain of the overhead benchmark against finite differences.
 */
import { describe, it, expect } from "vitest";
import {
  tensor, randn, Tensor, gradients, gradcheck, sum, mul, add, sin, matmul, reshape, slice, stack, vmap, grad, vjp, AutogradError,
} from "../../src/index.js";
import { applyMulti } from "../../src/ops/dispatch.js";
import type { Rule } from "../../src/tensor/meta.js";
import { batchByLoop } from "../../src/ops/batching.js";

const close = (a: Tensor, b: number[], tol = 1e-12): void => {
  expect(a.size).toBe(b.length);
  a.data.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
};

/** Two outputs (2a, 3a): the VJP sums the cotangents that arrived (null = none). */
const twoOut: Rule<null> = {
  name: "twoOut",
  nOut: 2,
  forward: ([a]) => [new Tensor(a.data.map((v) => 2 * v), a.shape), new Tensor(a.data.map((v) => 3 * v), a.shape)],
  vjp: (cts: (Tensor | null)[]) => {
    const [c0, c1] = cts;
    const g0 = c0 === null ? null : mul(c0, 2);
    const g1 = c1 === null ? null : mul(c1, 3);
    return [g0 === null ? g1 : g1 === null ? g0 : add(g0, g1)];
  },
  jvp: ([da]) => (da === null ? null : [mul(da, 2), mul(da, 3)]),
  batch: batchByLoop(() => twoOut),
};

describe("engine scratch: multi-output nodes", () => {
  it("a cotangent that reaches only output 1 is used (and output 0's is absent)", () => {
    const x = tensor([1, -2], { requiresGrad: true });
    const [, b] = applyMulti(twoOut, [x], null);
    sum(b).backward();
    close(x.grad!, [3, 3]);
  });

  it("fan-in at output 1 (three uses: a sum, then in place) and at output 0", () => {
    const x = tensor([1, -2], { requiresGrad: true });
    const [a, b] = applyMulti(twoOut, [x], null);
    // f = Σ (b + b·2 + b + a·5) ⇒ df/dx = 3·(1 + 2 + 1) + 2·5 = 22
    sum(add(add(add(b, mul(b, 2)), b), mul(a, 5))).backward();
    close(x.grad!, [22, 22]);
  });

  it("gradients() with respect to output 1 of a multi-output node", () => {
    const x = tensor([1, -2], { requiresGrad: true });
    const [a, b] = applyMulti(twoOut, [x], null);
    const f = sum(add(mul(b, b), a)); // df/db = 2b = 6x, df/da = 1
    const [gb, ga, gx] = gradients(f, [b, a, x]);
    close(gb!, [6, -12]);
    close(ga!, [1, 1]);
    close(gx!, [3 * 6 + 2, 3 * -12 + 2]);
  });
});

describe("engine scratch: shared cotangents and in-place accumulation", () => {
  it("add hands the same cotangent to both inputs; later fan-in does not corrupt it", () => {
    const x = tensor([0.5, 2], { requiresGrad: true });
    const a = mul(x, 2);
    const u = add(a, a); // VJP: [ct, ct] — the same tensor twice
    const s = add(add(add(u, u), u), a); // u used three times: its cotangent is an engine-owned sum
    sum(s).backward(undefined, { retainGraph: true });
    // ds/dx = 3·(2 + 2) + 2 = 14
    close(x.grad!, [14, 14]);
    const first = x.grad!;
    sum(s).backward(); // retained graph: again, accumulated into .grad
    close(x.grad!, [28, 28]);
    close(first, [14, 14]); // the first gradient was not mutated by the second pass
    expect(() => sum(s).backward()).toThrow(AutogradError);
  });

  it("gradients of gradients through fan-in (createGraph: no in-place sums)", () => {
    const x = tensor([0.5, -1.5], { requiresGrad: true });
    const f = sum(add(mul(mul(x, x), x), mul(x, x))); // x³ + x²
    const [g] = gradients(f, [x], { createGraph: true }); // 3x² + 2x
    close(g!, [3 * 0.25 + 1, 3 * 2.25 - 3]);
    const [h] = gradients(sum(g!), [x]); // 6x + 2
    close(h!, [5, -7]);
  });

  it("the same seed cotangent for two outputs sharing a node", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = mul(x, 2);
    const ct = tensor([1, 1, 1]);
    const [g] = gradients([y, y], [x], { gradOutputs: [ct, ct] });
    close(g!, [4, 4, 4]);
    close(ct, [1, 1, 1]); // the seed is not the engine's to mutate
  });
});

describe("engine scratch: a first cotangent made by its rule (Rule.freshVjp) is added into in place", () => {
  const W = randn([3, 3], { seed: 31 });
  // x reaches its node through sin (unary: fresh), matmul twice (fresh), and add (not fresh)
  const f = (x: Tensor): Tensor => sum(mul(add(add(add(sin(x), matmul(x, x)), matmul(W, x)), x), W));

  it("gradient against finite differences (gradcheck)", () => {
    expect(gradcheck(f, [randn([3, 3], { seed: 32 })]).ok).toBe(true);
  });

  it("backward twice on a retained graph: the first .grad is not mutated by the second pass", () => {
    const x = tensor(randn([3, 3], { seed: 33 }).data, { shape: [3, 3], requiresGrad: true });
    const y = f(x);
    y.backward(undefined, { retainGraph: true });
    const first = x.grad!;
    const firstValues = Array.from(first.data);
    y.backward();
    close(first, firstValues);
    close(x.grad!, firstValues.map((v) => 2 * v));
  });

  it("the cotangent handed back by gradients() equals the one computed term by term", () => {
    const x = tensor(randn([3, 3], { seed: 34 }).data, { shape: [3, 3], requiresGrad: true });
    const [g] = gradients(f(x), [x]);
    const terms = [sin(x), matmul(x, x), matmul(W, x), x].map((t) => gradients(sum(mul(t, W)), [x])[0]!);
    close(g!, Array.from(add(add(add(terms[0], terms[1]), terms[2]), terms[3]).data));
  });
});

describe("engine scratch: batched cotangents under vmap (in-place sums over the physical array)", () => {
  const ex = (x: Tensor, i: number): Tensor => reshape(slice(x, [i, i + 1]), x.shape.slice(1));
  const loopClose = (a: Tensor, b: Tensor): void => {
    expect(a.shape).toEqual(b.shape);
    close(a, Array.from(b.data), 1e-12);
  };
  const B = 5;
  const X = randn([B, 3, 3], { seed: 21 });
  const D = randn([B, 3, 3], { seed: 22 });
  const W = randn([3, 3], { seed: 23 });
  // x used four times: a batched sum, then three additions into it
  const f = (x: Tensor, d: Tensor): Tensor => sum(add(add(add(mul(mul(x, x), d), sin(x)), matmul(x, W)), mul(x, d)));

  it("vmap(grad): every contribution batched", () => {
    const g = vmap(grad(f), { inAxes: [0, 0] })(X, D);
    loopClose(g, stack(Array.from({ length: B }, (_, i) => grad(f)(ex(X, i), ex(D, i))), 0));
  });

  it("vmap(grad) with x shared: batched and unbatched contributions mixed (the sum is not added into)", () => {
    const x = randn([3, 3], { seed: 24 });
    const g = vmap(grad(f), { inAxes: [null, 0] })(x, D);
    loopClose(g, stack(Array.from({ length: B }, (_, i) => grad(f)(x, ex(D, i))), 0));
  });

  it("a vmapped pullback: the batched seed is not mutated by the in-place sums", () => {
    const x = randn([3, 3], { seed: 25 });
    const h = (u: Tensor): Tensor => add(add(add(mul(u, u), sin(u)), matmul(u, W)), u);
    const { vjpFn } = vjp(h, x);
    const cts = randn([B, 3, 3], { seed: 26 });
    const before = Array.from(cts.data);
    const g = vmap((c: Tensor) => (vjpFn(c) as Tensor[])[0])(cts);
    loopClose(g, stack(Array.from({ length: B }, (_, i) => (vjpFn(ex(cts, i)) as Tensor[])[0]), 0));
    expect(Array.from(cts.data)).toEqual(before);
  });
});

describe("engine order: nodes by decreasing creation number (backward)", () => {
  it("a node consumed at several depths receives every contribution before its VJP runs", () => {
    // a feeds b, c and d (created at different times); gradient against finite differences
    const f = (x: Tensor): Tensor => {
      const a = x.exp();
      const b = a.mul(2);
      const c = b.add(a).tanh();
      const d = c.mul(a).add(b.mul(c));
      return d.sum();
    };
    const r = gradcheck(f, [randn([3], { seed: 7 })], { raise: false });
    expect(r.ok, r.report).toBe(true);
    const x = tensor([0.3, -0.2, 1.1], { requiresGrad: true });
    f(x).backward();
    const [g] = gradients(f(x), [x]); // the depth-first path (gradients) agrees with the heap path (backward)
    close(x.grad!, Array.from(g!.data), 1e-15);
  });

  it("a leaf given requiresGrad after ops used it still collects every contribution", () => {
    const w = tensor([2, 3], { requiresGrad: true });
    const x = tensor([1, 4]);
    const y1 = mul(x, w); // recorded (w requires grad) before x has a node
    const c = mul(x, x); // not recorded: no input had a node
    x.requiresGrad_(); // x's leaf is created after y1's node…
    const y2 = mul(x, x); // …and before y2's
    sum(add(add(y1, y2), c)).backward(); // the recorded edges: x·w and x·x ⇒ d/dx = w + 2x
    close(x.grad!, [2 + 2, 3 + 8]);
    close(w.grad!, [1, 4]);
  });
});

describe("engine scratch: the small-op chain of the overhead benchmark", () => {
  it("X ← 0.5·tanh(X·W + B), several steps: W and B gradients match finite differences", () => {
    const X0 = randn([4, 4], { seed: 3 });
    const f = (W: Tensor, B: Tensor): Tensor => {
      let X = X0;
      for (let i = 0; i < 5; i++) X = X.matmul(W).add(B).tanh().mul(0.5);
      return X.sum();
    };
    const W = randn([4, 4], { seed: 4 }).mul(0.5), B = randn([4, 4], { seed: 5 });
    const r = gradcheck(f, [W, B], { raise: false });
    expect(r.ok, r.report).toBe(true);
  });
});
