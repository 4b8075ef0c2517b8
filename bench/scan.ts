/**
 * Scans (issue 15 point 7): `cumsum` of 1e6 entries — the op as users call
 * it (argument checks, dispatch, output allocation) — against a plain
 * typed-array running-sum loop that also allocates its output, same data,
 * same run. Asked: ≤ 2×. Also a leading-axis cumsum (1000×1000 along axis 0,
 * the row-update path) and cumsum's backward (the reverse scan), against
 * the same loop. Ratios only: absolute times on a shared machine are noise.
 */
import { randn, cumsum, grad, sum, type Tensor } from "../src/index.js";
import { timeIt, printTable, ratio } from "./util.js";

/** The baseline: out[i] = out[i−1] + x[i] in one typed-array loop (output allocated per call, as the op does). */
function runningSum(x: Float64Array): Float64Array {
  const n = x.length, o = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += x[i];
    o[i] = acc;
  }
  return o;
}

/** Column running sums of an r×c matrix: the loop a user would write for cumsum along axis 0. */
function runningColumnSums(x: Float64Array, r: number, c: number): Float64Array {
  const o = new Float64Array(r * c);
  for (let j = 0; j < c; j++) o[j] = x[j];
  for (let i = 1; i < r; i++) for (let j = 0; j < c; j++) o[i * c + j] = o[(i - 1) * c + j] + x[i * c + j];
  return o;
}

/**
 * min over `rounds` interleaved measurements of each function: on a loaded
 * shared machine the minimum is the run least disturbed by other processes,
 * and interleaving gives both sides the same conditions.
 */
async function interleaved(fns: (() => unknown)[], rounds = 5): Promise<number[]> {
  const best = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < fns.length; i++) best[i] = Math.min(best[i], await timeIt(fns[i], { minTime: 0.1, batches: 3 }));
  return best;
}

export async function runScan(): Promise<void> {
  const n = 1e6;
  const x = randn([n], { seed: 15 });
  const xd = x.data;
  const r = 1000, c = 1000;
  const X = randn([r, c], { seed: 16 });
  const Xd = X.data;
  // forward + backward (the VJP is one reverse scan) against two loops
  const g = grad((v: Tensor) => sum(cumsum(v, 0)));
  const [tLoop, tOp, tCol, tOp0, tGrad] = await interleaved([
    () => runningSum(xd), () => cumsum(x, 0), () => runningColumnSums(Xd, r, c), () => cumsum(X, 0), () => g(x),
  ]);
  printTable(
    "cumsum: matgrad (the op, as called) vs a plain Float64Array running-sum loop, same run, best of 5 interleaved rounds (≤ 2× asked)",
    ["case", "matgrad / loop"],
    [
      [`cumsum of ${n} entries`, ratio(tOp, tLoop)],
      [`cumsum along axis 0 of ${r}×${c}`, ratio(tOp0, tCol)],
      [`grad of sum(cumsum) (${n}; vs 2 loops)`, ratio(tGrad, 2 * tLoop)],
    ],
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runScan();
