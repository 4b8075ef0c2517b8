/**
 * linalg.multiDot and linalg.vecdot beyond the OpInfo table (test/ops/opinfo.test.ts
 * runs their entries): the chosen parenthesization, vector ends, options and errors.
 */
import {
  describe, expect, it } from "vitest"; import { ArgumentError, Tensor, linalg, matmul, setRequiresGrad,
} from "../../src/index.js";
import { maxDiff, recorded, rn } from "../ops/contraction-helpers.js";


describe("linalg.multiDot, linalg.vecdot", () => {
  it("multiDot picks the cheapest parenthesization and equals the left-to-right product", () => {
    const A = setRequiresGrad(rn([30, 2], 1)), B = setRequiresGrad(rn([2, 30], 2)), C = setRequiresGrad(rn([30, 3], 3));
    const out = linalg.multiDot([A, B, C]);
    expect(recorded(out).filter((n) => n.op === "matmul").map((n) => n.shape)).toEqual([[2, 3], [30, 3]]);
    expect(maxDiff(out, matmul(matmul(A, B), C))).toBeLessThan(1e-12);
    expect(linalg.multiDot([rn([3], 4), rn([3, 2], 5)]).shape).toEqual([2]);
    expect(linalg.multiDot([rn([3], 4), rn([3, 2], 5), rn([2], 6)]).shape).toEqual([]);
    expect(() => linalg.multiDot([rn([2, 2], 1)])).toThrow(/^linalg\.multiDot: argument tensors must hold at least 2 tensors; got 1/);
    expect(() => linalg.multiDot("x" as unknown as Tensor[])).toThrow(ArgumentError);
  });

  it("vecdot broadcasts and takes an axis option", () => {
    expect(linalg.vecdot(rn([2, 3, 4], 1), rn([4], 2)).shape).toEqual([2, 3]);
    expect(() => linalg.vecdot(rn([3], 1), rn([3], 2), { dim: 0 } as unknown as { axis: number })).toThrow(/^linalg\.vecdot: unknown option "dim"/);
    expect(maxDiff(linalg.vecdot(rn([3, 2], 3), rn([3, 2], 3), { axis: 0 }), rn([3, 2], 3).square().sum(0))).toBeLessThan(1e-14);
  });
});
