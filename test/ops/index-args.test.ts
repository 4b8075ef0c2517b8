/**
 * The shared index-list check (src/ops/index-args.ts): Float64Array and
 * Int32Array lists take loops of their own, four entries per step; any
 * length, negatives anywhere and a bad entry at any position of a step give
 * the same wrapped list and the same error (its first bad position) as the
 * generic path over a plain array.
 */
import { describe, expect, it } from "vitest";
import { checkedIndices } from "../../src/ops/index-args.js";
import { ArgumentError } from "../../src/errors.js";

describe("checkedIndices", () => {
  it("typed and plain lists agree: wrapped values, first bad position (seeded random cases)", () => {
    let seed = 777;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const run = (d: ArrayLike<unknown>, n: number): number[] | string => {
      try {
        return Array.from(checkedIndices("take", "indices", d, n, "axis 0"));
      } catch (e) {
        expect(e).toBeInstanceOf(ArgumentError);
        return (e as Error).message;
      }
    };
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rnd() * 9), len = Math.floor(rnd() * 23);
      const list = Array.from({ length: len }, () => Math.floor(rnd() * 2 * n) - n);
      const want = list.map((i) => (i < 0 ? i + n : i));
      expect(run(Float64Array.from(list), n)).toEqual(want);
      expect(run(Int32Array.from(list), n)).toEqual(want);
      expect(run(list, n)).toEqual(want);
      if (len === 0) continue;
      const at = Math.floor(rnd() * len), bad = list.slice();
      bad[at] = [n, -n - 1, 2 ** 31 - 1][trial % 3];
      const msg = run(bad, n);
      expect(msg).toMatch(new RegExp(`^take: argument indices holds -?\\d+ at position ${at}, which is out of range for axis 0 of size ${n}`));
      expect(run(Float64Array.from(bad), n)).toBe(msg);
      expect(run(Int32Array.from(bad), n)).toBe(msg);
      const frac = list.slice();
      frac[at] = [0.5, NaN, -1.25][trial % 3];
      expect(run(Float64Array.from(frac), n)).toBe(run(frac, n));
      expect(run(Float64Array.from(frac), n)).toMatch(new RegExp(`at position ${at}, which is not an integer`));
    }
  });
});
