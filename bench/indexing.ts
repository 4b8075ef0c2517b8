/**
 * gather of 1e6 entries against a plain typed-array loop doing the same
 * (issue 15 point 7: within 2×): `out[i] = x[idx[i]]` with an Int32Array
 * index, and the 2-D form along the last axis. matgrad's gather also checks
 * every index entry (an integer in [−n, n), wrapped) in the same pass and
 * reads float64 indices, so the loop is a lower bound. scatterAdd against
 * `out[idx[i]] += src[i]` on a copy. Both sides run in the same process,
 * alternating, best of five rounds; the printed numbers are time ratios.
 */
import { gather, scatterAdd, Tensor } from "../src/index.js";
import { timeIt, printTable, fmtNum } from "./util.js";

/** n indices in [0, m) (a seeded LCG). */
function indices(n: number, m: number): Int32Array {
  const out = new Int32Array(n);
  let s = 20261207;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s % m;
  }
  return out;
}

export async function runIndexing(): Promise<void> {
  const n = 1_000_000, rows = 1000, cols = 1000;
  const xData = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const idx = indices(n, n), idxRows = indices(n, cols);
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
  // the like-for-like loop: float64 indices (matgrad's index dtype), checked and wrapped as gather does
  const idxF = Float64Array.from(idx);
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
  const best = async (fns: (() => unknown)[]): Promise<number[]> => {
    const t = fns.map(() => Infinity);
    for (let round = 0; round < 5; round++)
      for (let i = 0; i < fns.length; i++) t[i] = Math.min(t[i], await timeIt(fns[i], { minTime: 0.2, batches: 3, warmup: 1 }));
    return t;
  };
  const [tG, tGp, tGc, tG2, tG2p, tS, tSp] = await best([
    () => gather(x, 0, idxT), plainGather, checkedGather,
    () => gather(X2, 1, idx2T), plainGather2,
    () => scatterAdd(x, 0, idxT, src), plainScatterAdd,
  ]);
  printTable("gather / scatterAdd of 1e6 entries vs a plain typed-array loop (ratio target ≤ 2)",
    ["case", "matgrad ms", "loop ms", "ratio"], [
      ["gather(x, 0, index), x and index 1e6", fmtNum(tG * 1e3), fmtNum(tGp * 1e3), (tG / tGp).toFixed(2)],
      ["  vs the loop on checked float64 indices", fmtNum(tG * 1e3), fmtNum(tGc * 1e3), (tG / tGc).toFixed(2)],
      ["gather(X, 1, index), 1000×1000", fmtNum(tG2 * 1e3), fmtNum(tG2p * 1e3), (tG2 / tG2p).toFixed(2)],
      ["scatterAdd(x, 0, index, src), 1e6", fmtNum(tS * 1e3), fmtNum(tSp * 1e3), (tS / tSp).toFixed(2)],
    ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await runIndexing();
