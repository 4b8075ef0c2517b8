import { describe, it, expect } from "vitest";
import { tensor, treeFlatten, treeFlattenWithPath, treeUnflatten, treeMap, treeLeaves, treeStructure, formatPath, ShapeError, ArgumentError, Tensor } from "../../src/index.js";

describe("pytrees", () => {
  const W = tensor([[1, 2], [3, 4]]), b = tensor([5, 6]), c = tensor(7);
  it("flattens depth first with sorted object keys and keeps static leaves", () => {
    const tree = { b, W, cfg: { lr: 0.1, name: "mlp", none: null }, layers: [c, [b]] };
    const { leaves, treedef } = treeFlatten(tree);
    expect(leaves).toEqual([W, b, c, b]);
    expect(treedef.numLeaves).toBe(4);
    expect(treedef.toString()).toBe('{W: *, b: *, cfg: {lr: 0.1, name: "mlp", none: null}, layers: [*, [*]]}');
    const back = treeUnflatten<typeof tree>(treedef, leaves);
    expect(back).toEqual(tree);
    expect(back.cfg.lr).toBe(0.1);
    expect(treeUnflatten<{ cfg: { lr: unknown } }>(treedef, leaves, { staticLeaves: "null" }).cfg.lr).toBeNull();
  });
  it("paths", () => {
    const { paths } = treeFlattenWithPath({ layers: [{ W }, { W, b }] });
    expect(paths.map(formatPath)).toEqual(["layers[0].W", "layers[1].W", "layers[1].b"]);
    expect(formatPath([])).toBe("(root)");
  });
  it("a single tensor and a static value are trees", () => {
    expect(treeLeaves(W)).toEqual([W]);
    expect(treeLeaves(3)).toEqual([]);
    expect(treeUnflatten(treeStructure(W), [b])).toBe(b);
  });
  it("treeMap maps several trees and names the path where they differ", () => {
    const p = { W, b }, g = { b: tensor([1, 1]), W: tensor([[1, 1], [1, 1]]) };
    const out = treeMap((x, y) => x.sub(y), p, g);
    expect(out.W).toBeInstanceOf(Tensor);
    expect(out.W.toArray()).toEqual([0, 1, 2, 3]);
    expect(() => treeMap((x, y) => x.add(y), p, { W, c: b })).toThrow(ShapeError);
    expect(() => treeMap((x, y) => x.add(y), p, { W, c: b })).toThrow(/treeMap: tree 1 differs from tree 0 at \(root\): tree 0 has an object with keys \{W, b\}, tree 1 has an object with keys \{W, c\}/);
    expect(() => treeMap((x, y) => x.add(y), { a: [W] }, { a: [W, W] })).toThrow(/at a: tree 0 has an array of length 1, tree 1 has an array of length 2/);
  });
  it("structure comparison", () => {
    expect(treeStructure({ a: W, n: 1 }).equals(treeStructure({ n: 1, a: b }))).toBe(true);
    expect(treeStructure({ a: W, n: 1 }).equals(treeStructure({ n: 2, a: b }))).toBe(false);
  });
  it("rejects cycles and wrong leaf counts with typed errors", () => {
    const o: Record<string, unknown> = { W };
    o.self = o;
    expect(() => treeFlatten(o)).toThrow(ArgumentError);
    expect(() => treeUnflatten(treeStructure({ W, b }), [W])).toThrow(/treeUnflatten: the structure \{W: \*, b: \*\} has 2 tensor leaves, got 1 leaves/);
  });
});
