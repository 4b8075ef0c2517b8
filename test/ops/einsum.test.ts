/**
 * einsum, tensordot, cross beyond the OpInfo table (test/ops/opinfo.test.ts runs their entries): the lowering (one GEMM
 * per pair, greedy order, no elementwise products), equation parsing and its
 * errors, higher-order derivatives.
 */
import {
  describe, expect, it } from "vitest"; import {   ArgumentError, ShapeError, Tensor, cross, einsum, grad, hessian, matmul, mT, setRequiresGrad, add, eye, tensor, tensordot, mul,
} from "../../src/index.js";
import { maxDiff, recorded, rn } from "./contraction-helpers.js";
import { naiveEinsum } from "../../src/testing/opinfo/contractions.js";
import { EINSUM_PLAN_CACHE_SIZE, einsumPlanCache } from "../../src/ops/einsum.js";
import { contractionsSection } from "../../examples/contractions.js";


describe("einsum: equations", () => {
  it("implicit output: letters appearing once, sorted by character code (upper case first), after the ellipsis axes", () => {
    const x = rn([2, 3], 1);
    expect(maxDiff(einsum("ba", x), mT(x))).toBe(0);
    expect(einsum("aB", rn([2, 3], 2)).shape).toEqual([3, 2]); // "B" < "a"
    expect(einsum("...ij,jk", rn([5, 2, 3], 3), rn([3, 4], 4)).shape).toEqual([5, 2, 4]);
    expect(einsum("ij,ij", x, x).shape).toEqual([]);
  });

  it("whitespace is ignored; a scalar operand takes the empty subscript", () => {
    const x = rn([2, 3], 5), s = tensor(2.5);
    expect(maxDiff(einsum(" ij , -> ji ", x, s), mT(mul(x, 2.5)))).toBeLessThan(1e-15);
  });

  it("agrees with the naive loop on random 3- and 4-operand equations with repeated, summed and broadcast indices", () => {
    const cases: [string, string, number[][]][] = [
      ["iij,jk,kl->il", "iij,jk,kl->il", [[3, 3, 2], [2, 4], [4, 2]]],
      ["abc,cd,bd,a->", "abc,cd,bd,a->", [[2, 3, 4], [4, 2], [3, 2], [2]]],
      ["ij,jk,ki->", "ij,jk,ki->", [[3, 4], [4, 5], [5, 3]]],
      ["ab,bc,cd,de->ae", "ab,bc,cd,de->ae", [[2, 7], [7, 1], [1, 6], [6, 3]]],
      ["i,j,k->ijk", "i,j,k->ijk", [[2], [3], [4]]],
      ["bij,bjk,bkl->bli", "bij,bjk,bkl->bli", [[2, 3, 2], [2, 2, 4], [2, 4, 3]]],
    ];
    cases.forEach(([eq, refEq, shapes], c) => {
      const xs = shapes.map((s, i) => rn(s, 100 + 10 * c + i));
      expect(maxDiff(einsum(eq, ...xs), naiveEinsum(refEq, ...xs))).toBeLessThan(1e-12);
    });
  });
});

describe("einsum: the lowering", () => {
  it("a batched matmul is one GEMM, no permute when the layout fits (the transpose is a GEMM flag)", () => {
    const a = setRequiresGrad(rn([4, 3, 5], 1)), b = setRequiresGrad(rn([4, 6, 5], 2));
    const ops = recorded(einsum("bij,bkj->bik", a, b)).map((n) => n.op);
    expect(ops.filter((o) => o === "matmul")).toHaveLength(1);
    expect(ops).not.toContain("permute");
    expect(ops).not.toContain("mul");
  });

  it("three operands follow the greedy order: the pair whose product is smallest first", () => {
    const A = setRequiresGrad(rn([40, 2], 1)), B = setRequiresGrad(rn([2, 40], 2)), C = setRequiresGrad(rn([40, 2], 3));
    const out = einsum("ij,jk,kl->il", A, B, C);
    const gemms = recorded(out).filter((n) => n.op === "matmul").map((n) => n.shape);
    expect(gemms).toEqual([[2, 2], [40, 2]]); // B·C (2×2) first, never A·B (40×40)
    expect(maxDiff(out, matmul(A, matmul(B, C)))).toBeLessThan(1e-12);
  });

  it("a bilinear form b,i,ij,bj->b is one GEMM then a batched dot (mul + sum), no product over the full index space", () => {
    const x = setRequiresGrad(rn([8, 5], 1)), W = setRequiresGrad(rn([5, 6], 2)), y = setRequiresGrad(rn([8, 6], 3));
    const nodes = recorded(einsum("bi,ij,bj->b", x, W, y));
    expect(nodes.map((n) => n.op)).toEqual(["matmul", "mul", "sum"]); // as written by hand: sum(mul(x·W, y), -1)
    for (const n of nodes) expect((n.shape ?? []).reduce((p, d) => p * d, 1)).toBeLessThanOrEqual(8 * 6);
  });

  it("a dot product with the operands in different orders permutes one of them, then mul + sum", () => {
    const a = setRequiresGrad(rn([3, 4], 1)), b = setRequiresGrad(rn([4, 3], 2));
    const out = einsum("ij,ji->", a, b);
    expect(recorded(out).map((n) => n.op)).toEqual(["permute", "mul", "sum"]);
    expect(maxDiff(out, naiveEinsum("ij,ji->", a, b))).toBeLessThan(1e-14);
  });

  it("a batched outer product (nothing contracted) is a broadcast mul, not a GEMM with inner size 1", () => {
    const a = setRequiresGrad(rn([4, 3], 1)), b = setRequiresGrad(rn([4, 5], 2));
    const out = einsum("bi,bj->bij", a, b);
    const ops = recorded(out).map((n) => n.op);
    expect(ops).toContain("mul");
    expect(ops).not.toContain("matmul");
    expect(maxDiff(out, naiveEinsum("bi,bj->bij", a, b))).toBeLessThan(1e-15);
  });

  it("repeated indices go through diagonal, indices of one operand only are summed first", () => {
    const x = setRequiresGrad(rn([3, 3, 4], 1)), y = setRequiresGrad(rn([5, 2], 2));
    const ops = recorded(einsum("iik,jl->k", x, y)).map((n) => n.op);
    expect(ops).toContain("diagonal");
    expect(ops.filter((o) => o === "sum").length).toBeGreaterThanOrEqual(2);
  });
});

describe("einsum: derivatives", () => {
  it("the gradient of the trace of a product and a Hessian through einsum (second order)", () => {
    const A = rn([3, 4], 1), B = rn([4, 3], 2);
    const g = grad((a: Tensor) => einsum("ij,ji", a, B))(A);
    expect(maxDiff(g, mT(B))).toBeLessThan(1e-14);
    // f(x) = xᵀ W x has Hessian W + Wᵀ
    const W = rn([4, 4], 3);
    const H = hessian((x: Tensor) => einsum("i,ij,j", x, W, x))(rn([4], 4));
    expect(maxDiff(H, add(W, mT(W)))).toBeLessThan(1e-12);
    // d tr(X) / dX = I, through the diagonal
    expect(maxDiff(grad((x: Tensor) => einsum("ii", x))(rn([3, 3], 5)), eye(3))).toBe(0);
  });
});

describe("einsum: the plan cache", () => {
  it("the same equation with other shapes gets its own plan, and each result matches the naive loop", () => {
    einsumPlanCache.clear();
    const shapes: number[][][] = [[[2, 3], [3, 4]], [[5, 2], [2, 3]], [[1, 1], [1, 6]], [[2, 3], [3, 4]]];
    shapes.forEach(([sa, sb], c) => {
      const a = rn(sa, 10 + c), b = rn(sb, 20 + c);
      expect(maxDiff(einsum("ij,jk->ik", a, b), naiveEinsum("ij,jk->ik", a, b))).toBeLessThan(1e-14);
    });
    expect(einsumPlanCache.size).toBe(3); // the fourth call reused the first plan
    expect(einsumPlanCache.has("ij,jk->ik", [[5, 2], [2, 3]])).toBe(true);
    expect(einsumPlanCache.has("ij,jk->ik", [[5, 2], [2, 4]])).toBe(false);
    // a rank or an operand count that differs never matches a cached plan
    expect(einsumPlanCache.has("ij,jk->ik", [[2, 3]])).toBe(false);
    expect(einsumPlanCache.has("ij,jk->ik", [[2, 3], [3, 4], [4]])).toBe(false);
    expect(einsumPlanCache.has("ij,jk->ik", [[2, 3, 1], [3, 4]])).toBe(false);
  });

  it("different equations on the same shapes get different plans", () => {
    einsumPlanCache.clear();
    const a = rn([3, 3], 1), b = rn([3, 3], 2);
    // [equation, its explicit form for the reference loop]
    const eqs = [["ij,jk->ik"], ["ij,jk->ki"], ["ij,kj->ik"], ["ji,jk->ik"], ["ij,ij->i"], ["ij,jk", "ij,jk->ik"], ["ii,jk->jk"]];
    for (const [eq, ref = eq] of eqs)
      for (let rep = 0; rep < 2; rep++) expect(maxDiff(einsum(eq, a, b), naiveEinsum(ref, a, b))).toBeLessThan(1e-14);
    expect(einsumPlanCache.size).toBe(7);
  });

  it("a cached call records the same primitives as the first, and its gradients agree", () => {
    const a = setRequiresGrad(rn([2, 3, 4], 1)), b = setRequiresGrad(rn([4, 3], 2)), c = setRequiresGrad(rn([2, 3], 3));
    einsumPlanCache.clear();
    const f = (x: Tensor, y: Tensor, z: Tensor): Tensor => einsum("bij,jk,bk->bi", x, y, z);
    const first = recorded(f(a, b, c)).map((n) => [n.op, n.shape]);
    expect(recorded(f(a, b, c)).map((n) => [n.op, n.shape])).toEqual(first);
    const g = grad((x: Tensor, y: Tensor, z: Tensor) => einsum("bij,jk,bk->", x, y, z), { argnums: [0, 1, 2] });
    const [g1, g2] = [g(a, b, c), g(a, b, c)];
    g1.forEach((t, i) => expect(maxDiff(t, g2[i])).toBe(0));
    // the backward pass runs the primitives' rules and never plans: two equations, two plans
    expect(einsumPlanCache.size).toBe(2);
    expect(maxDiff(g1[1], naiveEinsum("bij,bk->jk", a, c))).toBeLessThan(1e-13);
  });

  it("ellipsis: plans per batch shape, broadcast size-1 batch axes on either side", () => {
    einsumPlanCache.clear();
    const cases: number[][][] = [[[2, 3, 4], [4, 5]], [[3, 1, 2, 3], [2, 3, 4]], [[1, 2, 3], [4, 3, 2]], [[4, 2, 3], [1, 3, 2]], [[2, 3], [3, 2]]];
    for (let rep = 0; rep < 2; rep++)
      cases.forEach(([sa, sb], c) => {
        const a = rn(sa, 30 + c), b = rn(sb, 40 + c);
        expect(maxDiff(einsum("...ij,...jk->...ik", a, b), matmul(a, b))).toBeLessThan(1e-14);
      });
    expect(einsumPlanCache.size).toBe(cases.length);
  });

  it("is bounded: beyond its capacity the least recently used plan is evicted, and an evicted plan is planned again", () => {
    einsumPlanCache.clear();
    const n = EINSUM_PLAN_CACHE_SIZE;
    const v = (k: number): Tensor => rn([k], k);
    for (let k = 1; k <= n; k++) einsum("i,i->", v(k), v(k));
    expect(einsumPlanCache.size).toBe(n);
    einsum("i,i->", v(1), v(1)); // 1 is now the most recently used, 2 the least
    einsum("i,i->i", v(3), v(3)); // one more plan: evicts 2
    expect(einsumPlanCache.size).toBe(n);
    expect(einsumPlanCache.has("i,i->", [[1], [1]])).toBe(true);
    expect(einsumPlanCache.has("i,i->", [[2], [2]])).toBe(false);
    expect(einsumPlanCache.has("i,i->", [[3], [3]])).toBe(true);
    const x = v(2);
    expect(maxDiff(einsum("i,i->", x, x), naiveEinsum("i,i->", x, x))).toBeLessThan(1e-14);
    expect(einsumPlanCache.has("i,i->", [[2], [2]])).toBe(true);
    expect(einsumPlanCache.size).toBe(n);
    einsumPlanCache.clear();
  });

  it("errors are never cached: a call that failed fails again, and a valid call after it is unaffected", () => {
    einsumPlanCache.clear();
    const x = rn([2, 3], 1);
    expect(() => einsum("ij,jk->ik", x, x)).toThrow(/^einsum: index "j" has size 2/);
    expect(() => einsum("ij,jk->ik", x, x)).toThrow(/^einsum: index "j" has size 2/);
    expect(einsumPlanCache.size).toBe(0);
    expect(maxDiff(einsum("ij,jk->ik", x, mT(x)), matmul(x, mT(x)))).toBeLessThan(1e-15);
    expect(() => einsum("ij,jk->ik", x, x)).toThrow(ShapeError);
  });

  it("tensordot shares the cache: keyed by its normalized axes and the shapes, same values as a fresh plan", () => {
    einsumPlanCache.clear();
    const A = rn([3, 4, 5], 1), B = rn([4, 5, 2], 2), C = rn([5, 4, 2], 3);
    const r1 = tensordot(A, B, 2);
    expect(einsumPlanCache.size).toBe(1);
    // the same contraction spelled as axis pairs (negative axes included) reuses the plan
    const r2 = tensordot(A, B, [[1, -1], [0, 1]]);
    expect(einsumPlanCache.size).toBe(1);
    expect(maxDiff(r1, r2)).toBe(0);
    // other axes, other shapes: new plans, each equal to the reference contraction
    const r3 = tensordot(A, C, [[1, 2], [1, 0]]);
    expect(einsumPlanCache.size).toBe(2);
    expect(maxDiff(r3, einsum("abc,cbd->ad", A, C))).toBeLessThan(1e-12);
    expect(einsumPlanCache.size).toBe(3); // (the reference einsum's plan)
    const r4 = tensordot(A, B, 2); // a hit
    expect(einsumPlanCache.size).toBe(3);
    // an einsum with the same shapes and contraction has a plan of its own (no collision with tensordot's key)
    expect(maxDiff(r4, einsum("abc,bcd->ad", A, B))).toBeLessThan(1e-12);
    expect(einsumPlanCache.size).toBe(4);
  });
});

describe("einsum: malformed equations raise typed errors naming einsum", () => {
  const x = rn([2, 3], 1), sq = rn([2, 2], 2);
  const cases: [string, () => unknown, typeof ArgumentError | typeof ShapeError, RegExp][] = [
    ["a non-string equation", () => einsum(3 as unknown as string, x), ArgumentError, /^einsum: argument equation must be a string such as "ij,jk->ik"; got the number 3/],
    ["a bad character", () => einsum("i1", x), ArgumentError, /^einsum: input term 0 "i1" has the character "1"; subscripts are letters a–z, A–Z and "..."/],
    ["too few operands", () => einsum("ij,jk->ik", x), ArgumentError, /^einsum: equation "ij,jk->ik" has 2 input terms but 1 operand was given/],
    ["too many operands", () => einsum("ij", x, x), ArgumentError, /^einsum: equation "ij" has 1 input term but 2 operands were given/],
    ["an output index not in the inputs", () => einsum("ij,jk->il", x, mT(x)), ArgumentError, /^einsum: output index "l" in "il" does not appear in any input term of "ij,jk->il"/],
    ["a repeated output index", () => einsum("ij->ii", sq), ArgumentError, /^einsum: output term "ii" repeats the index "i"/],
    ["two ellipses", () => einsum("......", x), ArgumentError, /^einsum: input term 0 "......" has more than one ellipsis/],
    ["a lone dot", () => einsum("i.j", x), ArgumentError, /^einsum: input term 0 "i.j" has a "." that is not part of an ellipsis/],
    ["two arrows", () => einsum("ij->ji->ij", x), ArgumentError, /^einsum: equation "ij->ji->ij" has more than one "->"/],
    ["a bad output character", () => einsum("ij->j_", x), ArgumentError, /^einsum: output term "j_" has the character "_"/],
    ["mismatched sizes of one index", () => einsum("ij,jk", x, x), ShapeError, /^einsum: index "j" has size 2 in operands\[1\] axis 0 \(shape \[2, 3\]\) but size 3 in operands\[0\] axis 1/],
    ["a rank that differs from the subscripts", () => einsum("ijk", x), ShapeError, /^einsum: input term 0 "ijk" has 3 subscripts but operands\[0\] has shape \[2, 3\] \(rank 2\)/],
    ["ellipsis batches that do not broadcast", () => einsum("...ij,...jk", rn([2, 2, 3], 3), rn([3, 3, 2], 4)), ShapeError, /^einsum: the ellipsis axes of operands\[1\] \(shape \[3, 3, 2\]\) do not broadcast with operands\[0\] \(shape \[2, 2, 3\]\): 3 ≠ 2/],
    ["a non-tensor operand", () => einsum("ij", "x" as unknown as Tensor), ArgumentError, /^einsum: .*operands\[0\]/],
  ];
  for (const [name, call, cls, msg] of cases)
    it(name, () => {
      expect(call).toThrow(cls);
      expect(call).toThrow(msg);
    });
});

describe("tensordot, cross", () => {
  it("tensordot: a count of axes, a pair of axis lists, single axes, negative axes", () => {
    const a = rn([2, 3, 4], 1), b = rn([3, 4, 5], 2), c = rn([4, 3], 3);
    expect(maxDiff(tensordot(a, b), naiveEinsum("ijk,jkl->il", a, b))).toBeLessThan(1e-12);
    expect(maxDiff(tensordot(a, c, [[-1, 1], [0, 1]]), naiveEinsum("ijk,kj->i", a, c))).toBeLessThan(1e-12);
    expect(maxDiff(tensordot(a, c, [2, 0]), naiveEinsum("ijk,kl->ijl", a, c))).toBeLessThan(1e-12);
    expect(() => tensordot(a, c, [[0, 0], [0, 1]])).toThrow(/^tensordot: axes\[0\] \[0, 0\] repeats an axis/);
    expect(() => tensordot(a, c, [[0, 2], [1]])).toThrow(/^tensordot: axes\[0\] \[0, 2\] and axes\[1\] \[1\] have different lengths/);
    expect(() => tensordot(a, c, 1.5)).toThrow(ArgumentError);
  });

  it("cross follows the right-hand rule along any axis and broadcasts", () => {
    expect(Array.from(cross(tensor([[0, 1, 0], [0, 0, 1]]), tensor([0, 0, 1])).data)).toEqual([1, 0, 0, 0, 0, 0]);
    const a = rn([3, 4], 3), b = rn([3, 4], 4);
    expect(maxDiff(cross(a, b, 0), mT(cross(mT(a), mT(b))))).toBeLessThan(1e-15);
    expect(() => cross(rn([4], 1), rn([4], 2))).toThrow(/^cross: axis -1 must have size 3 in both operands/);
  });
});

describe("the walkthrough's contractions section (examples/contractions.ts, also run by `npm start`)", () => {
  it("batched inertia tensors match the loop and the energy's gradient matches the closed form", () => {
    const lines: string[] = [];
    contractionsSection((line) => lines.push(line));
    expect(lines.join("\n")).toMatch(/∂T\/∂r vs closed form/);
  });
});
