/**
 * Order statistics beyond the OpInfo table: PyTorch's semantics on the tricky
 * cases (ties and stability in both directions, NaN placement, −0 / +0,
 * negative axes, 0-d and empty tensors, the lower median, 1-based kthvalue,
 * quantile's layout and interpolations against NumPy fixtures), the radix
 * path of long lanes against a reference, derivatives at ties (to the selected
 * entry), under vmap, and the typed errors.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import {
  ArgumentError, ShapeError, Tensor, argmax, argmin, argsort, grad, hessian, jvp, kthvalue, median, nanmedian, nanquantile,
  quantile, randn, sort, sum, tensor, topk, vmap, mul, zeros,
} from "../../src/index.js";
import { MERGE_MAX } from "../../src/kernels/sort.js";

const arr = (t: Tensor): number[] => Array.from(t.data);
/** Compare with NaN equal to NaN and −0 distinct from +0 (Object.is). */
const same = (t: Tensor, want: number[]): void => {
  expect(arr(t).length).toBe(want.length);
  arr(t).forEach((v, i) => expect(Object.is(v, want[i]) || v === want[i], `entry ${i}: ${v} vs ${want[i]}`).toBe(true));
};

describe("sort", () => {
  it("is stable with ties in both directions (equal entries keep their order in x)", () => {
    const x = tensor([2, 1, 2, 1, 3, 2]);
    const [v, i] = sort(x);
    same(v, [1, 1, 2, 2, 2, 3]);
    same(i, [1, 3, 0, 2, 5, 4]);
    const d = sort(x, { descending: true });
    same(d.values, [3, 2, 2, 2, 1, 1]);
    same(d.indices, [4, 0, 2, 5, 1, 3]); // not the reverse of the ascending indices
    expect(sort(x, { stable: false }).indices.toArray()).toEqual([1, 3, 0, 2, 5, 4]);
  });
  it("puts NaN last ascending and first descending; −0 and +0 are equal (stable between them)", () => {
    const x = tensor([NaN, 1, -0, 0, -Infinity, NaN, Infinity, -0]);
    const a = sort(x);
    same(a.values, [-Infinity, -0, 0, -0, 1, Infinity, NaN, NaN]);
    same(a.indices, [4, 2, 3, 7, 1, 6, 0, 5]);
    const d = sort(x, { descending: true });
    same(d.values, [NaN, NaN, Infinity, 1, -0, 0, -0, -Infinity]);
    same(d.indices, [0, 5, 6, 1, 2, 3, 7, 4]);
  });
  it("sorts along any axis, negative axes, the positional axis (torch's dim), 0-d and empty tensors", () => {
    const X = tensor([[3, 1, 2], [0, 5, -1]]);
    expect(sort(X, 0).values.toNested()).toEqual([[0, 1, -1], [3, 5, 2]]);
    expect(sort(X, { axis: -2 }).indices.toNested()).toEqual([[1, 0, 1], [0, 1, 0]]);
    expect(sort(X).indices.toNested()).toEqual([[1, 2, 0], [2, 0, 1]]);
    const { values, indices } = sort(tensor(7));
    expect(values.shape).toEqual([]);
    expect(values.item()).toBe(7);
    expect(indices.item()).toBe(0);
    expect(sort(zeros([0, 3]), 1).values.shape).toEqual([0, 3]);
    expect(sort(zeros([3, 0])).indices.shape).toEqual([3, 0]);
    expect(argsort(X, { axis: 1, descending: true }).toNested()).toEqual([[0, 2, 1], [1, 0, 2]]);
    expect(X.sort(1).values.toNested()).toEqual([[1, 2, 3], [-1, 0, 5]]);
    expect(X.argsort().toNested()).toEqual([[1, 2, 0], [2, 0, 1]]);
  });
  it("long lanes (radix path) agree with a stable reference sort, with duplicates, NaN, ±0 and ±∞", () => {
    const n = 3 * MERGE_MAX + 17;
    const base = randn([2, n], { seed: 5 }).data;
    const d = new Float64Array(base.length);
    for (let i = 0; i < d.length; i++) {
      const r = i % 13;
      d[i] = r === 0 ? NaN : r === 1 ? -0 : r === 2 ? 0 : r === 3 ? Infinity : r === 4 ? -Infinity : Math.round(base[i] * 4) / 4;
    }
    const x = new Tensor(d, [2, n]);
    for (const descending of [false, true]) {
      const { values, indices } = sort(x, { descending });
      for (let row = 0; row < 2; row++) {
        const lane = Array.from(d.subarray(row * n, (row + 1) * n));
        const key = (v: number): number => (Number.isNaN(v) ? Infinity : v);
        const before = (a: number, b: number): number => {
          // NaN above +∞, −0 = +0; ties by position (stable)
          const va = lane[a], vb = lane[b];
          const na = Number.isNaN(va), nb = Number.isNaN(vb);
          if (na !== nb) return (na ? 1 : -1) * (descending ? -1 : 1);
          if (na || key(va) === key(vb)) return a - b;
          return (key(va) < key(vb) ? -1 : 1) * (descending ? -1 : 1);
        };
        const ref = lane.map((_, i) => i).sort(before);
        expect(arr(indices).slice(row * n, (row + 1) * n)).toEqual(ref);
        const vals = arr(values).slice(row * n, (row + 1) * n);
        vals.forEach((v, j) => expect(Object.is(v, lane[ref[j]])).toBe(true));
      }
    }
  });
  it("a lane along a middle axis (strided) sorts like the same lane made contiguous", () => {
    const x = randn([3, MERGE_MAX + 5, 2], { seed: 9 });
    const a = sort(x, 1);
    const b = sort(x.permute(0, 2, 1), -1);
    expect(arr(a.values.permute(0, 2, 1))).toEqual(arr(b.values));
    expect(arr(a.indices.permute(0, 2, 1))).toEqual(arr(b.indices));
  });
});

describe("topk", () => {
  it("k largest, sorted; ties keep the lower index first; NaN counts as the largest", () => {
    const x = tensor([1, 3, NaN, 3, 2]);
    const [v, i] = topk(x, 3);
    same(v, [NaN, 3, 3]);
    same(i, [2, 1, 3]);
    const s = topk(x, 2, { largest: false });
    same(s.values, [1, 2]);
    same(s.indices, [0, 4]);
    expect(topk(x, 0).values.shape).toEqual([0]);
    expect(topk(tensor([[1, 4], [3, 2]]), 1, 0).indices.toNested()).toEqual([[1, 0]]);
    expect(tensor([5, 9, 1]).topk(2).values.toArray()).toEqual([9, 5]);
  });
  it("small k on long lanes (the heap selection) gives exactly the stable sort's first k, ties, NaN and ±0 included", () => {
    const n = 1000;
    const base = randn([3, n, 2], { seed: 21 }).data;
    const d = new Float64Array(base.length);
    for (let i = 0; i < d.length; i++) d[i] = i % 17 === 0 ? NaN : i % 19 === 0 ? -0 : i % 23 === 0 ? 0 : Math.round(base[i] * 3);
    const x = new Tensor(d, [3, n, 2]);
    for (const largest of [true, false])
      for (const k of [1, 7, 50]) {
        const t = topk(x, k, { axis: 1, largest });
        const s = sort(x, { axis: 1, descending: largest });
        const spec = [null, [0, k], null] as const;
        expect(arr(t.indices)).toEqual(arr(s.indices.slice(...spec)));
        arr(t.values).forEach((v, i) => expect(Object.is(v, arr(s.values.slice(...spec))[i])).toBe(true));
      }
  });
  it("k out of range is an ArgumentError naming topk and k", () => {
    expect(() => topk(tensor([1, 2]), 3)).toThrow(ArgumentError);
    expect(() => topk(tensor([1, 2]), 3)).toThrow(/^topk: argument k \(at most the size 2 of axis 0\) must be an integer in \[0, 2\]; got 3/);
    expect(() => topk(tensor([1, 2]), 1.5)).toThrow(/^topk: argument k .* got the number 1.5/);
    expect(() => topk(tensor([1, 2]), 1, { largest: 1 } as never)).toThrow(/^topk: option largest must be true or false; got the number 1/);
  });
});

describe("argmax / argmin", () => {
  it("the first occurrence of the extremum; NaN counts as the extremum (first NaN)", () => {
    expect(argmax(tensor([1, 5, 5, 2])).item()).toBe(1);
    expect(argmin(tensor([4, 1, 3, 1])).item()).toBe(1);
    expect(argmax(tensor([1, NaN, 7, NaN])).item()).toBe(1);
    expect(argmin(tensor([1, NaN, -7])).item()).toBe(1);
    expect(argmax(tensor([-0, 0])).item()).toBe(0); // −0 = +0: the first
  });
  it("flat index without an axis; an axis, negative axes, keepdims, 0-d", () => {
    const X = tensor([[1, 9, 3], [9, 2, 8]]);
    expect(argmax(X).item()).toBe(1);
    expect(argmax(X).shape).toEqual([]);
    expect(argmax(X, { keepdims: true }).shape).toEqual([1, 1]);
    expect(argmax(X, 1).toArray()).toEqual([1, 0]);
    expect(argmin(X, { axis: -2 }).toArray()).toEqual([0, 1, 0]);
    expect(argmin(X, { axis: 0, keepdims: true }).toNested()).toEqual([[0, 1, 0]]);
    expect(argmax(tensor(3)).item()).toBe(0);
    expect(argmax(tensor(3), 0).item()).toBe(0);
    expect(X.argmax(1).toArray()).toEqual([1, 0]);
    expect(X.argmin().item()).toBe(0);
    expect(argmax(zeros([0, 3]), 1).shape).toEqual([0]);
  });
  it("no gradient flows through an index", () => {
    const g = grad((x: Tensor) => sum(mul(x, argmax(x, 0))))(tensor([1, 3, 2]));
    expect(g.toArray()).toEqual([1, 1, 1]);
  });
  it("errors: empty input, empty axis, bad axis", () => {
    expect(() => argmax(tensor([]))).toThrow(ShapeError);
    expect(() => argmax(tensor([]))).toThrow(/^argmax: the maximum of an empty tensor \(shape \[0\]\) is undefined/);
    expect(() => argmin(zeros([2, 0]), 1)).toThrow(/^argmin: cannot reduce over axis 1 of size 0 \(input shape \[2, 0\]\)/);
    expect(() => argmax(tensor([1, 2]), 1)).toThrow(/^argmax: axis 1 is out of range for a tensor of rank 1/);
    expect(() => argmax(tensor(1), 1)).toThrow(/^argmax: axis 1 is out of range for a tensor of rank 0 \(0 or -1\)/);
    expect(() => argmax(tensor([1, 2]), { dim: 0 } as never)).toThrow(/^argmax: unknown option "dim"; did you mean "axis"\?/);
    expect(() => argmax(tensor([1, 2]), "0" as never)).toThrow(/^argmax: argument options must be an axis/);
  });
});

describe("kthvalue", () => {
  it("k is 1-based: the k-th smallest, with its index; NaN counts as the largest", () => {
    const x = tensor([[5, 1, 4, 1], [NaN, 2, 0, 3]]);
    const [v, i] = kthvalue(x, 2);
    same(v, [1, 2]);
    same(i, [3, 1]); // the second of the tied 1s
    same(kthvalue(x, 4).values, [5, NaN]);
    const k = kthvalue(x, 1, { axis: 0, keepdims: true });
    expect(k.values.shape).toEqual([1, 4]);
    same(k.values, [5, 1, 0, 1]);
    expect(x.kthvalue(3, -1).values.toArray()).toEqual([4, 3]);
  });
  it("k out of range is an ArgumentError", () => {
    expect(() => kthvalue(tensor([1, 2]), 0)).toThrow(/^kthvalue: argument k \(1-based, at most the size 2 of axis 0\) must be an integer in \[1, 2\]; got 0/);
    expect(() => kthvalue(tensor([1, 2]), 3)).toThrow(ArgumentError);
    expect(() => kthvalue(zeros([2, 0]), 1)).toThrow(/^kthvalue: cannot select along axis 1 of size 0/);
  });
});

describe("median / nanmedian", () => {
  it("the lower median (not the mean of the middle two), over all entries or along an axis", () => {
    expect(median(tensor([4, 1, 3, 2])).item()).toBe(2);
    expect(median(tensor([[4, 1], [3, 2]])).item()).toBe(2);
    const [v, i] = median(tensor([[4, 1, 3, 2], [7, 7, 0, 9]]), 1);
    same(v, [2, 7]);
    same(i, [3, 0]); // ties: the first 7 in the stable order
    const m = median(tensor([[4, 1], [3, 2]]), { axis: 0, keepdims: true });
    expect(m.values.toNested()).toEqual([[3, 1]]);
    expect(m.indices.toNested()).toEqual([[1, 0]]);
    expect(median(tensor([1, 2, 3]), { keepdims: true }).shape).toEqual([1]);
    expect(tensor([3, 1, 2]).median().item()).toBe(2);
    expect(tensor([[3, 1, 2]]).median(1).values.toArray()).toEqual([2]);
  });
  it("median: a lane with a NaN gives NaN at the first NaN's index; nanmedian ignores NaNs", () => {
    const x = tensor([[1, NaN, 3, NaN], [NaN, NaN, NaN, NaN], [2, 1, 3, 4]]);
    const [v, i] = median(x, -1);
    same(v, [NaN, NaN, 2]);
    same(i, [1, 0, 0]);
    expect(Number.isNaN(median(x).item())).toBe(true);
    const n = nanmedian(x, -1);
    same(n.values, [1, NaN, 2]);
    same(n.indices, [0, 0, 0]);
    expect(nanmedian(x).item()).toBe(2); // non-NaN entries 1, 3, 2, 1, 3, 4: lower median 2
  });
  it("errors: empty tensor, empty axis", () => {
    expect(() => median(tensor([]))).toThrow(/^median: the median of an empty tensor \(shape \[0\]\) is undefined/);
    expect(() => nanmedian(zeros([3, 0]), 1)).toThrow(/^nanmedian: cannot reduce over axis 1 of size 0/);
    expect(median(zeros([0, 3]), 1).values.shape).toEqual([0]);
  });
});

describe("quantile / nanquantile", () => {
  const fx = JSON.parse(readFileSync(new URL("./fixtures/quantile.json", import.meta.url), "utf8")) as
    Record<string, number[][]> & { x: number[][]; q: number[]; "all_linear_0.3": number };
  const x = tensor(fx.x);
  for (const m of ["linear", "lower", "higher", "midpoint", "nearest"] as const)
    it(`${m}: NumPy's values; q a 1-d tensor gives a leading axis of its length`, () => {
      const out = quantile(x, tensor(fx.q), { axis: 1, interpolation: m });
      expect(out.shape).toEqual([fx.q.length, 3]);
      const want = fx[m].flat();
      arr(out).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(want[i]))));
    });
  it("over all entries; keepdims; q a number or a 0-d tensor; the method form", () => {
    expect(quantile(x, 0.3).item()).toBeCloseTo(fx["all_linear_0.3"], 14);
    expect(quantile(x, 0.3).shape).toEqual([]);
    expect(quantile(x, 0.3, { keepdims: true }).shape).toEqual([1, 1]);
    expect(quantile(x, [0.1, 0.5], { keepdims: true }).shape).toEqual([2, 1, 1]);
    expect(quantile(x, tensor(0.5), 0).shape).toEqual([7]);
    expect(quantile(x, tensor([0.5]), { axis: 0, keepdims: true }).shape).toEqual([1, 1, 7]);
    expect(x.quantile(0.5, 1).toArray()).toEqual(quantile(x, 0.5, 1).toArray());
    expect(tensor([1, 2, 3, 4]).nanquantile(0.5).item()).toBe(2.5);
  });
  it("a lane with a NaN gives NaN (quantile); nanquantile ranks the non-NaN entries; all NaN gives NaN", () => {
    const y = tensor([[1, NaN, 3, 2], [NaN, NaN, NaN, NaN], [4, 1, 2, 3]]);
    same(quantile(y, 0.5, 1), [NaN, NaN, 2.5]);
    same(nanquantile(y, 0.5, 1), [2, NaN, 2.5]);
    same(nanquantile(y, tensor([0, 1]), 1), [1, NaN, 1, 3, NaN, 4]);
  });
  it("errors: q outside [0, 1] or of rank 2, an empty input, an unknown interpolation", () => {
    expect(() => quantile(x, 1.5)).toThrow(/^quantile: argument q must hold quantiles in \[0, 1\]; got the number 1.5/);
    expect(() => quantile(x, NaN)).toThrow(ArgumentError);
    expect(() => nanquantile(x, tensor([0.2, -0.1]))).toThrow(/^nanquantile: argument q must hold quantiles in \[0, 1\]; got the number -0.1/);
    expect(() => quantile(x, tensor([[0.5]]))).toThrow(ShapeError);
    expect(() => quantile(tensor([]), 0.5)).toThrow(/^quantile: argument x must be non-empty; got shape \[0\]/);
    expect(() => quantile(x, 0.5, { interpolation: "cubic" } as never)).toThrow(/^quantile: option interpolation must be one of "linear", "lower", "higher", "midpoint", "nearest"; got the string "cubic"/);
    expect(() => quantile(x, 0.5, { method: "linear" } as never)).toThrow(/^quantile: unknown option "method"/);
  });
});

describe("derivatives", () => {
  it("sort: the cotangent goes back to the entries the sort selected (ties: the stable order's entry)", () => {
    const w = tensor([1, 10, 100, 1000]);
    const g = grad((x: Tensor) => sum(mul(sort(x).values, w)))(tensor([2, 1, 2, 1]));
    // sorted: x[1], x[3], x[0], x[2]
    expect(g.toArray()).toEqual([100, 1, 1000, 10]);
    const gd = grad((x: Tensor) => sum(mul(sort(x, { descending: true }).values, w)))(tensor([2, 1, 2, 1]));
    // sorted descending: x[0], x[2], x[1], x[3]
    expect(gd.toArray()).toEqual([1, 100, 10, 1000]);
  });
  it("topk, kthvalue, median: the derivative goes to the selected entry (not shared among ties, unlike max)", () => {
    const x = tensor([3, 5, 5, 1]);
    expect(grad((t: Tensor) => sum(topk(t, 1).values))(x).toArray()).toEqual([0, 1, 0, 0]);
    expect(grad((t: Tensor) => t.max())(x).toArray()).toEqual([0, 0.5, 0.5, 0]);
    expect(grad((t: Tensor) => sum(kthvalue(t, 4).values))(x).toArray()).toEqual([0, 0, 1, 0]);
    expect(grad((t: Tensor) => median(t))(x).toArray()).toEqual([1, 0, 0, 0]);
    expect(grad((t: Tensor) => nanmedian(t))(tensor([NaN, 2, 1])).toArray()).toEqual([0, 0, 1]);
  });
  it("quantile: weights 1 − frac and frac on the two neighbours; q itself is differentiable (linear)", () => {
    const x = tensor([4, 1, 3, 2]);
    // rank 0.4·3 = 1.2: 0.8 on the 2nd smallest (2), 0.2 on the 3rd (3)
    const g = grad((t: Tensor) => quantile(t, 0.4))(x);
    arr(g).forEach((v, i) => expect(v).toBeCloseTo([0, 0, 0.2, 0.8][i], 15));
    // ∂/∂q = (n − 1)·(x₍ⱼ₎ − x₍ᵢ₎) = 3·(3 − 2)
    expect(grad((q: Tensor) => quantile(x, q))(tensor(0.4)).item()).toBeCloseTo(3, 12);
    expect(grad((t: Tensor) => quantile(t, 0.4, { interpolation: "midpoint" }))(x).toArray()).toEqual([0, 0, 0.5, 0.5]);
    expect(grad((t: Tensor) => quantile(t, 0.4, { interpolation: "lower" }))(x).toArray()).toEqual([0, 0, 0, 1]);
  });
  it("forward mode and second order: sort is piecewise linear (its Hessian is 0), the JVP gathers the tangent", () => {
    const x = tensor([0.3, -1, 2]);
    const { tangent: t } = jvp((v: Tensor) => sort(v).values, [x], [tensor([10, 20, 30])]);
    expect(t.toArray()).toEqual([20, 10, 30]);
    const H = hessian((v: Tensor) => sum(mul(sort(v).values, sort(v).values)))(x);
    // Σ sorted² = Σ x²: Hessian 2I
    expect(H.toNested()).toEqual([[2, 0, 0], [0, 2, 0], [0, 0, 2]]);
  });
});

describe("under vmap", () => {
  it("sort, topk, argmax, median, quantile per example equal the loop over examples", () => {
    const X = randn([4, 6], { seed: 11 });
    const rows = [0, 1, 2, 3].map((b) => new Tensor(X.data.slice(b * 6, b * 6 + 6), [6]));
    const check = (f: (x: Tensor) => Tensor): void => {
      const batched = vmap(f)(X);
      const looped = rows.map(f);
      const n = looped[0].size;
      looped.forEach((r, b) => expect(arr(batched).slice(b * n, (b + 1) * n)).toEqual(arr(r)));
    };
    check((x) => sort(x).values);
    check((x) => sort(x, { descending: true }).indices);
    check((x) => topk(x, 2).values);
    check((x) => argmax(x));
    check((x) => median(x));
    check((x) => nanquantile(x, tensor([0.2, 0.7])));
    check((x) => quantile(x, 0.35, { interpolation: "nearest" }));
    // per-example gradients
    const G = vmap(grad((x: Tensor) => quantile(x, 0.4)))(X);
    rows.forEach((r, b) => expect(arr(G).slice(b * 6, b * 6 + 6)).toEqual(arr(grad((x: Tensor) => quantile(x, 0.4))(r))));
  });
});
