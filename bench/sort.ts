/**
 * sort of 1e6 entries against a plain `Float64Array.prototype.sort` of the
 * same values (issue 15 point 7: within 2×). matgrad's sort returns more —
 * the values *and* the indices (a stable sort, NaN last) — so the baseline
 * is a lower bound. Both run in the same process, alternating, best of three
 * rounds; the printed number is the ratio of the times.
 */
import { sort, topk, quantile, Tensor } from "../src/index.js";
import { timeIt, printTable, fmtNum } from "./util.js";

/** 1e6 values of mixed magnitudes and signs (a seeded LCG; ties are rare but present). */
function values(n: number): Float64Array {
  const x = new Float64Array(n);
  let s = 20261207;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s / 4294967296 - 0.5) * Math.exp(i % 11);
  }
  return x;
}

export async function runSort(): Promise<void> {
  const n = 1_000_000;
  const data = values(n);
  const x = new Tensor(data.slice(), [n]);
  const rows = new Tensor(data.slice(), [1000, 1000]);
  const best = async (fns: (() => unknown)[]): Promise<number[]> => {
    const t = fns.map(() => Infinity);
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < fns.length; i++) t[i] = Math.min(t[i], await timeIt(fns[i], { minTime: 0.3, batches: 3, warmup: 1 }));
    return t;
  };
  const [tSort, tPlain, tRows, tTopk, tQuant] = await best([
    () => sort(x),
    () => data.slice().sort(),
    () => sort(rows),
    () => topk(x, 10),
    () => quantile(x, 0.5),
  ]);
  printTable("sort of 1e6 entries vs Float64Array.prototype.sort (values only, a copy); ratio target ≤ 2",
    ["case", "ms", "ratio to typed-array sort"], [
      ["Float64Array.prototype.sort (values)", fmtNum(tPlain * 1e3), "1.00"],
      ["sort(x) (values + indices, stable)", fmtNum(tSort * 1e3), (tSort / tPlain).toFixed(2)],
      ["sort(X) of 1000×1000 (rows)", fmtNum(tRows * 1e3), (tRows / tPlain).toFixed(2)],
      ["topk(x, 10)", fmtNum(tTopk * 1e3), (tTopk / tPlain).toFixed(2)],
      ["quantile(x, 0.5)", fmtNum(tQuant * 1e3), (tQuant / tPlain).toFixed(2)],
    ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await runSort();
