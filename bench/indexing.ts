/**
 * gather / scatterAdd / take of 1e6 entries against a plain typed-array loop
 * doing the same (issue 15 point 7: within 2×): `out[i] = x[idx[i]]` with an
 * Int32Array index, the 2-D form along the last axis, and
 * `out[idx[i]] += src[i]` on a copy. matgrad also checks every index entry
 * (an integer in [−n, n), wrapped) in the same pass and reads float64
 * indices (its index dtype), so the plain loop is a lower bound; the rows
 * "vs checked loop" compare with a loop that reads float64 indices and
 * checks them as matgrad does.
 *
 * The plain loops read module-level constant arrays, which V8 compiles with
 * their base pointers and lengths as constants; a kernel (or a user's
 * function) takes its arrays as arguments and cannot. For the scatter-add's
 * random read-modify-writes that alone costs ≈ 1.5× (measured: the same
 * unchecked Int32 loop 4.1–5.3 ms as a function of its arrays against
 * 2.6–3.8 ms over constants), so the rows "vs plain loop, function of its
 * arrays" give the like-for-like compiled baseline as well.
 *
 * Timing: every call is timed on its own, the two sides of a row
 * alternate (their order flips every round), and each row reports the ratio
 * of the minimums (the least disturbed call of each side) and of the
 * medians. On a shared machine, single calls swing by 2–5× (other
 * processes; the first touch of a fresh 8 MB output, see
 * docs/performance.md), so read the min ratio and run it more than once.
 * Results are kept so that no loop can be dropped.
 */
import { gather, scatterAdd, take, indexSelect, Tensor } from "../src/index.js";
import { printTable, fmtNum } from "./util.js";

/** n indices in [0, m) (a seeded LCG). */
function indices(n: number, m: number, seed = 20261207): Int32Array {
  const out = new Int32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s % m;
  }
  return out;
}

/** Minimum and median ms per call of a and b, alternating (a first on even rounds, b first on odd ones). */
function pair(a: () => unknown, b: () => unknown, rounds: number, sink: unknown[]): [number, number, number, number] {
  const ta: number[] = [], tb: number[] = [];
  const one = (f: () => unknown, into: number[]): void => {
    const t0 = performance.now();
    sink.push(f());
    into.push(performance.now() - t0);
    if (sink.length > 4) sink.shift();
  };
  for (let w = 0; w < 3; w++) { one(a, []); one(b, []); } // warm-up: optimized code on both sides
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) { one(a, ta); one(b, tb); } else { one(b, tb); one(a, ta); }
  }
  const stat = (t: number[]): [number, number] => { t.sort((p, q) => p - q); return [t[0], t[t.length >> 1]]; };
  return [...stat(ta), ...stat(tb)];
}

export async function runIndexing(rounds = 25): Promise<void> {
  const n = 1_000_000, rows = 1000, cols = 1000;
  const xData = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const idx = indices(n, n), idxRows = indices(n, cols);
  const idxF = Float64Array.from(idx);
  const x = new Tensor(xData.slice(), [n]);
  const idxT = new Tensor(Float64Array.from(idx), [n]);
  const X2 = new Tensor(xData.slice(), [rows, cols]);
  const idx2T = new Tensor(Float64Array.from(idxRows), [rows, cols]);
  const src = new Tensor(xData.slice(), [n]);

  const plainGather = (): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = xData[idx[i]];
    return out;
  };
  // the like-for-like loops: float64 indices (matgrad's index dtype), checked and wrapped as matgrad does
  const checkedGather = (): Float64Array | number => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = idxF[i];
      let j = v | 0;
      if (j !== v) return i;
      if (j < 0) j += n;
      if (j < 0 || j >= n) return i;
      out[i] = xData[j];
    }
    return out;
  };
  const plainGather2 = (): Float64Array => {
    const out = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) out[base + c] = xData[base + idxRows[base + c]];
    }
    return out;
  };
  const plainScatterAdd = (): Float64Array => {
    const out = xData.slice();
    for (let i = 0; i < n; i++) out[idx[i]] += xData[i];
    return out;
  };
  const checkedScatterAdd = (): Float64Array | number => {
    const out = xData.slice();
    for (let i = 0; i < n; i++) {
      const v = idxF[i];
      let j = v | 0;
      if (j !== v) return i;
      if (j < 0) j += n;
      if (j < 0 || j >= n) return i;
      out[j] += xData[i];
    }
    return out;
  };
  // the same plain loops as functions of their arrays, as a kernel is compiled
  const plainGatherOf = (xs: Float64Array, ix: Int32Array): Float64Array => {
    const out = new Float64Array(ix.length);
    for (let i = 0; i < ix.length; i++) out[i] = xs[ix[i]];
    return out;
  };
  const plainScatterAddOf = (xs: Float64Array, ix: Int32Array, sr: Float64Array): Float64Array => {
    const out = xs.slice();
    for (let i = 0; i < ix.length; i++) out[ix[i]] += sr[i];
    return out;
  };
  const sink: unknown[] = [];
  const cases: [string, () => unknown, () => unknown][] = [
    ["gather(x, 0, index), x and index 1e6", () => gather(x, 0, idxT), plainGather],
    ["  vs checked loop (float64 indices)", () => gather(x, 0, idxT), checkedGather],
    ["  vs plain loop, function of its arrays", () => gather(x, 0, idxT), () => plainGatherOf(xData, idx)],
    ["gather(X, 1, index), 1000×1000", () => gather(X2, 1, idx2T), plainGather2],
    ["scatterAdd(x, 0, index, src), 1e6", () => scatterAdd(x, 0, idxT, src), plainScatterAdd],
    ["  vs checked loop (float64 indices)", () => scatterAdd(x, 0, idxT, src), checkedScatterAdd],
    ["  vs plain loop, function of its arrays", () => scatterAdd(x, 0, idxT, src), () => plainScatterAddOf(xData, idx, xData)],
    ["take(x, index tensor), 1e6", () => take(x, idxT), plainGather],
    ["indexSelect(x, 0, index tensor), 1e6", () => indexSelect(x, 0, idxT), plainGather],
    ["gather(x, 0, Int32Array), 1e6", () => gather(x, 0, idx), plainGather],
  ];
  const table = cases.map(([label, mg, loop]) => {
    const [am, ad, bm, bd] = pair(mg, loop, rounds, sink);
    return [label, fmtNum(am), fmtNum(bm), (am / bm).toFixed(2), (ad / bd).toFixed(2)];
  });
  if (sink.length === 0) throw new Error("bench/indexing: no result kept");
  printTable(`gather / scatterAdd / take of 1e6 entries vs a plain typed-array loop (target ≤ 2; ${rounds} alternating rounds per row)`,
    ["case", "matgrad min ms", "loop min ms", "ratio of mins", "ratio of medians"], table);
}

if (import.meta.url === `file://${process.argv[1]}`) await runIndexing(Number(process.argv[2] ?? 25));
