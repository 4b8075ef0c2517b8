/**
 * The gather / scatter kernels on their own (src/kernels/gather.ts): every
 * scatter mode, with and without x's own value, through both the 1-D loops
 * and the general walk, against a direct loop; the first bad index position
 * returned (never a read out of bounds); x never written; the tie weights of
 * max / min without x. The ops above them are checked by the OpInfo table.
 */
import { describe, expect, it } from "vitest";
import { extremumWeights, gatherAlong, scatterAlong, scatterTargets, type ScatterMode } from "../../src/kernels/gather.js";

const f64 = (a: number[]): Float64Array => Float64Array.from(a);

/** The definition: out = x (or the mode's identity at written positions), then each src entry combined in, in order. */
function reference(x: number[], idx: number[], src: number[], mode: ScatterMode, includeSelf: boolean): number[] {
  const out = x.slice();
  const id = { overwrite: 0, add: 0, prod: 1, max: -Infinity, min: Infinity }[mode];
  if (!includeSelf) for (const i of idx) out[i < 0 ? i + x.length : i] = id;
  idx.forEach((i, p) => {
    const q = i < 0 ? i + x.length : i, v = src[p];
    if (mode === "overwrite") out[q] = v;
    else if (mode === "add") out[q] += v;
    else if (mode === "prod") out[q] *= v;
    else if (mode === "max") out[q] = Math.max(out[q], v);
    else out[q] = Math.min(out[q], v);
  });
  return out;
}

describe("scatterAlong", () => {
  const x = [1, -2, 3, 0.5, 4];
  const idx = [0, 4, -1, 2, 0, 0];
  const src = [2, -3, 0.5, 7, -1, 6];
  const modes: ScatterMode[] = ["overwrite", "add", "prod", "max", "min"];
  it.each(modes)("1-D, mode %s, with and without x's own value", (mode) => {
    for (const includeSelf of [true, false]) {
      if (mode === "overwrite" && !includeSelf) continue;
      const base = f64(x);
      const out = scatterAlong(base, [5], 0, f64(idx), [6], f64(src), mode, includeSelf);
      expect(Array.from(out as Float64Array)).toEqual(reference(x, idx, src, mode, includeSelf));
      expect(Array.from(base)).toEqual(x); // x is copied, never written
    }
  });
  it.each(modes)("2-D along axis 1 (the general walk, rows of 3), mode %s", (mode) => {
    // two rows: each row scatters its own three entries into its row of x
    const X = [1, -2, 3, 0.5, 4, 2, 1, -1];
    const I = [0, 3, 0, -1, 1, 1];
    const S = [2, -3, 0.5, 7, -1, 6];
    for (const includeSelf of mode === "overwrite" ? [true] : [true, false]) {
      const out = Array.from(scatterAlong(f64(X), [2, 4], 1, f64(I), [2, 3], f64(S), mode, includeSelf) as Float64Array);
      const want = [...reference(X.slice(0, 4), I.slice(0, 3), S.slice(0, 3), mode, includeSelf), ...reference(X.slice(4), I.slice(3), S.slice(3), mode, includeSelf)];
      expect(out).toEqual(want);
    }
  });
  it("returns the first bad index position (fraction, NaN, beyond ±n) instead of reading or writing out of bounds", () => {
    for (const mode of modes) {
      expect(scatterAlong(f64([1, 2, 3]), [3], 0, f64([0, 1.5, 9]), [3], f64([1, 1, 1]), mode)).toBe(1);
      expect(scatterAlong(f64([1, 2, 3]), [3], 0, f64([0, -3, -4]), [3], f64([1, 1, 1]), mode)).toBe(2);
      expect(scatterAlong(f64([1, 2, 3]), [3], 0, f64([NaN]), [1], f64([1]), mode)).toBe(0);
      expect(scatterAlong(f64([1, 2, 3, 4]), [2, 2], 1, f64([0, 1, 2, 0]), [2, 2], f64([1, 1, 1, 1]), mode)).toBe(2);
    }
    // include_self = false checks the index in its first pass too
    expect(scatterAlong(f64([1, 2, 3]), [3], 0, f64([0, 3]), [2], f64([1, 1]), "prod", false)).toBe(1);
  });
  it("prod with zeros and NaN propagation of max / min", () => {
    expect(Array.from(scatterAlong(f64([2, 0, 3]), [3], 0, f64([0, 0, 1, 2]), [4], f64([0, 5, 7, -1]), "prod") as Float64Array)).toEqual([0, 0, -3]);
    expect(Array.from(scatterAlong(f64([2, 0, 3]), [3], 0, f64([0, 0]), [2], f64([NaN, 5]), "max") as Float64Array)).toEqual([NaN, 0, 3]);
  });
});

describe("the 1-D loops' steps of four", () => {
  it("any length, negatives anywhere, the first bad entry wherever it falls in a step (seeded random cases)", () => {
    let seed = 12345;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rnd() * 9), len = Math.floor(rnd() * 23);
      const x = Array.from({ length: n }, () => Math.round(rnd() * 20 - 10));
      const idx = Array.from({ length: len }, () => Math.floor(rnd() * 2 * n) - (rnd() < 0.3 ? n : 0));
      const idxOk = idx.map((i) => Math.max(-n, Math.min(n - 1, i)));
      const src = Array.from({ length: len }, () => Math.round(rnd() * 8 - 4));
      const g = gatherAlong(f64(x), [n], 0, f64(idxOk), [len]) as Float64Array;
      expect(Array.from(g)).toEqual(idxOk.map((i) => x[i < 0 ? i + n : i]));
      for (const mode of ["add", "overwrite"] as const)
        expect(Array.from(scatterAlong(f64(x), [n], 0, f64(idxOk), [len], f64(src), mode) as Float64Array)).toEqual(reference(x, idxOk, src, mode, true));
      if (len === 0) continue;
      const at = Math.floor(rnd() * len), bad = idxOk.slice();
      bad[at] = [n, -n - 1, 0.5, NaN, 2 ** 31][trial % 5];
      expect(gatherAlong(f64(x), [n], 0, f64(bad), [len])).toBe(at);
      expect(scatterAlong(f64(x), [n], 0, f64(bad), [len], f64(src), "add")).toBe(at);
      expect(scatterAlong(f64(x), [n], 0, f64(bad), [len], f64(src), "overwrite")).toBe(at);
    }
  });
});

describe("gatherAlong", () => {
  it("1-D and along the last axis, negative indices wrap; the first bad position otherwise", () => {
    expect(Array.from(gatherAlong(f64([10, 11, 12]), [3], 0, f64([2, -3, 1, 1]), [4]) as Float64Array)).toEqual([12, 10, 11, 11]);
    expect(Array.from(gatherAlong(f64([1, 2, 3, 4, 5, 6]), [2, 3], 1, f64([2, 0, -1, 1]), [2, 2]) as Float64Array)).toEqual([3, 1, 6, 5]);
    expect(gatherAlong(f64([10, 11, 12]), [3], 0, f64([0, 3]), [2])).toBe(1);
    expect(gatherAlong(f64([1, 2, 3, 4, 5, 6]), [2, 3], 1, f64([0, 0, 0.25, 0]), [2, 2])).toBe(2);
  });
});

describe("extremumWeights", () => {
  it("ties share evenly; without x's own value a written position's x takes no part", () => {
    // position 0: x = 5 and sources 5, 5 (max 5); position 1: x = 1, not written
    const x = f64([5, 1]), src = f64([5, 5]), t = scatterTargets([2], 0, f64([0, 0]), [2]) as Int32Array;
    const withSelf = extremumWeights(x, t, src, f64([5, 1]));
    expect(Array.from(withSelf.wx)).toEqual([1 / 3, 1]);
    expect(Array.from(withSelf.ws)).toEqual([1 / 3, 1 / 3]);
    const without = extremumWeights(x, t, src, f64([5, 1]), false);
    expect(Array.from(without.wx)).toEqual([0, 1]);
    expect(Array.from(without.ws)).toEqual([0.5, 0.5]);
  });
});
