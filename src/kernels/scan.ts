/**
 * Scan kernels (cumulative sums, products, extrema, log-sum-exp, first-order
 * linear recurrences) along one axis of a row-major array. Numbers only.
 *
 * A shape around an axis is (outer, n, inner): outer = the product of the axes
 * before it, n = its length, inner = the product of the axes after it. Entry
 * (o, j, i) sits at (o·n + j)·inner + i. When inner = 1 each scan is one tight
 * loop over a contiguous row; otherwise step j updates a contiguous row of
 * `inner` entries from step j ∓ 1 (no strided walks, no transposed copies).
 * `reverse` scans from the end of the axis towards its start (used for the
 * transposes: the VJP of a forward scan is a reverse scan), so no flipped
 * copies are ever made. Every kernel allocates its output(s) and nothing else.
 */
import { alloc } from "./alloc.js";

/** outer · n · inner of `shape` around `axis` (the caller checked the axis). */
export function splitAt(shape: readonly number[], axis: number): [outer: number, n: number, inner: number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

/** Associative scans: running sum, product, or log Σ exp. */
export type ScanOp = "sum" | "prod" | "logsumexp";

/**
 * log(eᵃ + eᵇ) without overflow: max + log1p(e^(−|a − b|)). Equal arguments
 * (including both ±∞, where a − b is NaN) give a + ln 2 (−∞ stays −∞, +∞ stays
 * +∞); NaN propagates.
 */
export function logAddExp(a: number, b: number): number {
  if (a === b) return a + Math.LN2;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : a < b ? b + Math.log1p(Math.exp(a - b)) : NaN;
}

/**
 * Inclusive scan of `x` (shape outer × n × inner) along the middle axis:
 * out[j] = x[0] ∘ … ∘ x[j] (forward) or x[j] ∘ … ∘ x[n−1] (reverse).
 */
export function scan(op: ScanOp, x: Float64Array, outer: number, n: number, inner: number, reverse: boolean): Float64Array {
  return rowScan(op, x, null, outer, n, inner, reverse);
}

/**
 * The walk every scan here shares: out's first position (per outer block) is
 * x's, and each later position combines the one before it with x's entry —
 * by `op`, or for "linear" by the recurrence of linearScan with couplings
 * `a`. Rows of `inner` entries step together (contiguous inner loops); a
 * contiguous scan (inner = 1) of an associative op keeps its accumulator in
 * a register.
 */
function rowScan(op: ScanOp | "linear", x: Float64Array, a: Float64Array | null, outer: number, n: number, inner: number, reverse: boolean): Float64Array {
  const out = alloc(outer * n * inner);
  if (n === 0 || inner === 0) return out;
  const rowStride = n * inner;
  // step between consecutive scan positions (in entries), and the first position
  const d = reverse ? -inner : inner;
  for (let o = 0; o < outer; o++) {
    const first = o * rowStride + (reverse ? (n - 1) * inner : 0);
    if (inner === 1 && op !== "linear") {
      // one contiguous row: a running accumulator in a register
      let acc = x[first];
      out[first] = acc;
      let p = first;
      switch (op) {
        case "sum": for (let j = 1; j < n; j++) { p += d; acc += x[p]; out[p] = acc; } break;
        case "prod": for (let j = 1; j < n; j++) { p += d; acc *= x[p]; out[p] = acc; } break;
        case "logsumexp": for (let j = 1; j < n; j++) { p += d; acc = logAddExp(acc, x[p]); out[p] = acc; } break;
      }
      continue;
    }
    for (let i = 0; i < inner; i++) out[first + i] = x[first + i];
    let prev = first;
    for (let j = 1; j < n; j++) {
      const cur = prev + d;
      switch (op) {
        case "sum": for (let i = 0; i < inner; i++) out[cur + i] = out[prev + i] + x[cur + i]; break;
        case "prod": for (let i = 0; i < inner; i++) out[cur + i] = out[prev + i] * x[cur + i]; break;
        case "logsumexp": for (let i = 0; i < inner; i++) out[cur + i] = logAddExp(out[prev + i], x[cur + i]); break;
        case "linear": {
          // the coupling between prev and cur sits at the later of the two positions
          const ca = reverse ? prev : cur, c = a as Float64Array;
          for (let i = 0; i < inner; i++) {
            const ci = c[ca + i];
            out[cur + i] = ci === 0 ? x[cur + i] : ci * out[prev + i] + x[cur + i];
          }
          break;
        }
      }
      prev = cur;
    }
  }
  return out;
}

/**
 * Running maximum (`max`) or minimum (`min`) along the middle axis with the
 * index where it was attained, as torch.cummax / torch.cummin: an entry equal
 * to the running extremum takes over (ties → the *last* index), and a NaN
 * takes over and stays (later NaNs move the index, nothing else does).
 * Returns [values, indices]; indices are float64 integers.
 */
export function scanExtremum(op: "max" | "min", x: Float64Array, outer: number, n: number, inner: number): [Float64Array, Float64Array] {
  const vals = alloc(outer * n * inner), idx = alloc(outer * n * inner);
  if (n === 0 || inner === 0) return [vals, idx];
  const isMax = op === "max";
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let p = base + i;
      let best = x[p], at = 0;
      vals[p] = best;
      idx[p] = 0;
      for (let j = 1; j < n; j++) {
        p += inner;
        const v = x[p];
        // v !== v: v is NaN; best === best: the running value is not NaN yet
        if (v !== v || (best === best && (isMax ? v >= best : v <= best))) {
          best = v;
          at = j;
        }
        vals[p] = best;
        idx[p] = at;
      }
    }
  }
  return [vals, idx];
}

/**
 * The first-order linear recurrence along the middle axis, a and b of the same
 * shape:
 *   forward  h[j] = a[j]·h[j−1] + b[j],   h[0] = b[0]      (a[0] is not read)
 *   reverse  h[j] = a[j+1]·h[j+1] + b[j], h[n−1] = b[n−1]  (a[0] is not read)
 * a[j] couples positions j−1 and j in both directions, so the reverse scan
 * with the same `a` is the transpose of the forward one (h = M⁻¹b with M
 * unit lower bidiagonal, −a[j] at (j, j−1); Mᵀ is the reverse recurrence).
 * A coupling of exactly 0 cuts the chain: h[j] = b[j] even when the other
 * end is ±∞ or NaN (0·∞ would be NaN), which the masked recurrences of
 * cummax / cummin rely on.
 */
export function linearScan(a: Float64Array, b: Float64Array, outer: number, n: number, inner: number, reverse: boolean): Float64Array {
  return rowScan("linear", b, a, outer, n, inner, reverse);
}
