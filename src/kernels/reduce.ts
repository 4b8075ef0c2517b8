import { alloc } from "./alloc.js";
import { permute } from "./layout.js";
/**
 * Reductions over a set of axes of a row-major array. The output has the
 * reduced shape without kept dims (the caller reshapes for keepdims).
 *
 * Sums are pairwise (cascade) summations, not one running sum: a running sum
 * of n terms has an error bound ≈ n·ε·Σ|xᵢ| (summing 1e7 copies of 0.1 is off
 * by 1.6e-10 relative), pairwise halving has ≈ log₂(n)·ε·Σ|xᵢ| (≈ 1e-16 on
 * the same sum). The base block (PAIRWISE_BLOCK terms) is summed with four
 * interleaved accumulators, which also breaks the add-latency chain of the
 * running sum: at least as fast as the sequential loop (bench/core.ts, "sum").
 * Everything built on the sum primitive inherits the accuracy: mean,
 * variance, logsumexp, the norms, dot / vdot / inner products (sum of a
 * product), sumToShape in the backward pass.
 */

export type ReduceOp = "sum" | "max" | "min" | "prod";

export function reduce(
  op: ReduceOp,
  x: Float64Array,
  shape: readonly number[],
  axes: readonly number[],
): Float64Array {
  const rank = shape.length;
  const isRed = new Array<boolean>(rank).fill(false);
  for (const a of axes) isRed[a] = true;
  // output strides: for kept axes, the row-major strides of the output; 0 for reduced axes
  const outStr = new Array<number>(rank).fill(0);
  let outSize = 1;
  for (let i = rank - 1; i >= 0; i--) {
    if (!isRed[i]) {
      outStr[i] = outSize;
      outSize *= shape[i];
    }
  }
  const init = op === "sum" ? 0 : op === "prod" ? 1 : op === "max" ? -Infinity : Infinity;
  const o = alloc(outSize).fill(init);
  const size = x.length;
  if (size === 0) return o;
  if (outSize === 1) {
    o[0] = reduceAll(op, x, init);
    return o;
  }
  // fast path: reducing a contiguous trailing block of axes
  let trailing = true;
  let firstRed = rank;
  for (let i = 0; i < rank; i++) if (isRed[i]) { firstRed = i; break; }
  for (let i = firstRed; i < rank; i++) if (!isRed[i] && shape[i] !== 1) trailing = false;
  if (trailing) {
    const inner = size / outSize;
    for (let r = 0; r < outSize; r++) o[r] = reduceRange(op, x, r * inner, inner, init);
    return o;
  }
  if (op === "sum") {
    // [outer kept, reduced, inner kept] (size-1 axes ignored): rows of the inner block summed pairwise
    let lastRed = -1;
    for (let i = rank - 1; i >= 0; i--) if (isRed[i] && shape[i] !== 1) { lastRed = i; break; }
    let contiguous = true; // the reduced axes (of size > 1) are adjacent
    for (let i = firstRed; i <= lastRed; i++) if (!isRed[i] && shape[i] !== 1) contiguous = false;
    if (contiguous) {
      let inner = 1, nRows = 1;
      for (let i = lastRed + 1; i < rank; i++) inner *= shape[i];
      for (let i = firstRed; i <= lastRed; i++) nRows *= shape[i];
      const outer = outSize / inner;
      // the halves' temporary rows: one per recursion level, shared by every block (not one per split)
      const levels = nRows > PAIRWISE_BLOCK ? Math.ceil(Math.log2(nRows / PAIRWISE_BLOCK)) + 1 : 0;
      const tmp = levels > 0 ? new Float64Array(levels * inner) : o;
      for (let p = 0; p < outer; p++) sumRowsInto(x, p * nRows * inner, nRows, inner, o, p * inner, tmp, 0);
      return o;
    }
    // reduced axes interleaved with kept ones: move them to the end (one copy), then the trailing path
    const perm: number[] = [];
    for (let i = 0; i < rank; i++) if (!isRed[i]) perm.push(i);
    for (let i = 0; i < rank; i++) if (isRed[i]) perm.push(i);
    const xt = permute(x, shape, perm);
    const inner = size / outSize;
    for (let r = 0; r < outSize; r++) o[r] = pairwiseSum(xt, r * inner, inner);
    return o;
  }
  // general: walk the input in order, maintaining the output offset
  const idx = new Array<number>(rank).fill(0);
  let oOff = 0;
  for (let i = 0; i < size; i++) {
    const v = x[i];
    switch (op) {
      case "prod": o[oOff] *= v; break;
      case "max": if (v > o[oOff] || v !== v) o[oOff] = v; break;
      case "min": if (v < o[oOff] || v !== v) o[oOff] = v; break;
    }
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      oOff += outStr[ax];
      if (idx[ax] < shape[ax]) break;
      oOff -= outStr[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return o;
}

/**
 * The lanes of a reduction over `axes`, each `inner` contiguous entries of
 * `xt`: x itself when every axis from the first reduced one on is reduced (or
 * of size 1), else x with the reduced axes moved last (one copy).
 */
function reductionLanes(x: Float64Array, shape: readonly number[], axes: readonly number[]): { xt: Float64Array; outSize: number; inner: number } {
  const rank = shape.length;
  const isRed = new Array<boolean>(rank).fill(false);
  for (const a of axes) isRed[a] = true;
  let outSize = 1;
  for (let i = 0; i < rank; i++) if (!isRed[i]) outSize *= shape[i];
  const inner = outSize === 0 ? 0 : x.length / outSize;
  let firstRed = rank;
  for (let i = 0; i < rank; i++) if (isRed[i]) { firstRed = i; break; }
  let trailing = true;
  for (let i = firstRed; i < rank; i++) if (!isRed[i] && shape[i] !== 1) trailing = false;
  if (trailing || outSize === 0 || inner === 0) return { xt: x, outSize, inner };
  const perm: number[] = [];
  for (let i = 0; i < rank; i++) if (!isRed[i]) perm.push(i);
  for (let i = 0; i < rank; i++) if (isRed[i]) perm.push(i);
  return { xt: permute(x, shape, perm), outSize, inner };
}

/**
 * log Σ exp(x) over `axes` (the reduced shape without kept dims), stably: per
 * lane, with m its maximum, m + log Σ exp(x − m) — m taken as 0 when it is not
 * finite, so that a lane of −∞ (or an empty lane) gives −∞, a +∞ entry +∞ and a
 * NaN NaN; the exponentials summed pairwise as they are made. One output
 * array, no temporaries of x's size (reduced axes interleaved with kept ones
 * are first moved last: one copy).
 */
export function logsumexp(x: Float64Array, shape: readonly number[], axes: readonly number[]): Float64Array {
  const { xt, outSize, inner } = reductionLanes(x, shape, axes);
  const o = alloc(outSize);
  if (outSize === 0) return o;
  if (inner === 0) return o.fill(-Infinity);
  for (let r = 0; r < outSize; r++) {
    const start = r * inner;
    let m = -Infinity;
    for (let i = start; i < start + inner; i++) {
      const v = xt[i];
      if (v > m || v !== v) m = v;
    }
    const mf = m - m === 0 ? m : 0; // finite max, else 0
    o[r] = Math.log(pairwiseExpSum(xt, start, inner, mf)) + mf;
  }
  return o;
}

/**
 * Σ (x − mean)² / divisor over `axes` (the reduced shape without kept dims),
 * two-pass per lane: the mean by the pairwise sum, then the squared
 * deviations summed pairwise as they are made (no array of x's size; reduced
 * axes interleaved with or before kept ones are first moved last: one copy).
 * divisor 0 gives +∞ (NaN for a constant lane), as Σ/0.
 */
export function variance(x: Float64Array, shape: readonly number[], axes: readonly number[], divisor: number): Float64Array {
  const { xt, outSize, inner } = reductionLanes(x, shape, axes);
  const o = alloc(outSize);
  if (outSize === 0) return o;
  if (inner === 0) return o.fill(0 / divisor); // Σ of nothing = 0
  for (let r = 0; r < outSize; r++) {
    const start = r * inner;
    const m = pairwiseSum(xt, start, inner) / inner;
    o[r] = pairwiseSqDevSum(xt, start, inner, m) / divisor;
  }
  return o;
}

/** Σ (x[i] − m)² over [start, start + n), pairwise as {@link pairwiseSum}. */
function pairwiseSqDevSum(x: Float64Array, start: number, n: number, m: number): number {
  if (n <= PAIRWISE_BLOCK) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end = start + n, end4 = start + (n & ~3);
    let i = start;
    for (; i < end4; i += 4) {
      const d0 = x[i] - m, d1 = x[i + 1] - m, d2 = x[i + 2] - m, d3 = x[i + 3] - m;
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    for (; i < end; i++) {
      const d = x[i] - m;
      s0 += d * d;
    }
    return (s0 + s1) + (s2 + s3);
  }
  const h = ((n >> 1) + 3) & ~3;
  return pairwiseSqDevSum(x, start, h, m) + pairwiseSqDevSum(x, start + h, n - h, m);
}

/** Σ exp(x[i] − m) over [start, start + n), pairwise as {@link pairwiseSum}. */
function pairwiseExpSum(x: Float64Array, start: number, n: number, m: number): number {
  if (n <= PAIRWISE_BLOCK) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end = start + n, end4 = start + (n & ~3);
    let i = start;
    for (; i < end4; i += 4) {
      s0 += Math.exp(x[i] - m);
      s1 += Math.exp(x[i + 1] - m);
      s2 += Math.exp(x[i + 2] - m);
      s3 += Math.exp(x[i + 3] - m);
    }
    for (; i < end; i++) s0 += Math.exp(x[i] - m);
    return (s0 + s1) + (s2 + s3);
  }
  const h = ((n >> 1) + 3) & ~3;
  return pairwiseExpSum(x, start, h, m) + pairwiseExpSum(x, start + h, n - h, m);
}

/** Base block of the pairwise sum: summed directly (four accumulators). */
export const PAIRWISE_BLOCK = 128;

/**
 * Σ x[start .. start+n) by pairwise halving down to blocks of PAIRWISE_BLOCK.
 * Error ≤ (⌈log₂(n / 128)⌉ + 32)·ε·Σ|xᵢ| to first order (32: the four
 * 32-term chains of a block and their combination), against n·ε for a
 * running sum.
 */
export function pairwiseSum(x: Float64Array, start: number, n: number): number {
  if (n <= PAIRWISE_BLOCK) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end = start + n, end4 = start + (n & ~3);
    let i = start;
    for (; i < end4; i += 4) {
      s0 += x[i];
      s1 += x[i + 1];
      s2 += x[i + 2];
      s3 += x[i + 3];
    }
    for (; i < end; i++) s0 += x[i];
    return (s0 + s1) + (s2 + s3);
  }
  // split at a multiple of 4 so that every block but the last keeps the unrolled loop busy
  const h = ((n >> 1) + 3) & ~3;
  return pairwiseSum(x, start, h) + pairwiseSum(x, start + h, n - h);
}

/** Σ a[i]·b[i], pairwise like pairwiseSum (the dot products that are not GEMMs: Krylov solvers, line searches). */
export function pairwiseDot(a: Float64Array, b: Float64Array, start = 0, n = a.length): number {
  if (n <= PAIRWISE_BLOCK) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end = start + n, end4 = start + (n & ~3);
    let i = start;
    for (; i < end4; i += 4) {
      s0 += a[i] * b[i];
      s1 += a[i + 1] * b[i + 1];
      s2 += a[i + 2] * b[i + 2];
      s3 += a[i + 3] * b[i + 3];
    }
    for (; i < end; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
  }
  const h = ((n >> 1) + 3) & ~3;
  return pairwiseDot(a, b, start, h) + pairwiseDot(a, b, start + h, n - h);
}

/**
 * o[oOff + j] += Σ_r x[off + r·m + j] for r < nRows (o's slice starts at 0):
 * the rows of an nRows×m block summed pairwise — blocks of up to
 * PAIRWISE_BLOCK rows directly, four rows per pass ((x₀ + x₁) + (x₂ + x₃)
 * added into o: a quarter of the loads and stores of o that one row per pass
 * makes, measured ≈0.6× the time of the running column sum), halves
 * combined through a temporary row (< 1% extra traffic): row `level` of
 * `tmp` (levels × m), zeroed before each use — a split's right half is summed
 * there while the deeper splits use the rows below it, so the recursion needs
 * one temporary row per level, allocated once by the caller (was one per split).
 */
function sumRowsInto(x: Float64Array, off: number, nRows: number, m: number, o: Float64Array, oOff: number, tmp: Float64Array, level: number): void {
  if (nRows <= PAIRWISE_BLOCK) {
    let r = 0;
    for (; r + 3 < nRows; r += 4) {
      const x0 = off + r * m, x1 = x0 + m, x2 = x1 + m, x3 = x2 + m;
      for (let j = 0; j < m; j++) o[oOff + j] += (x[x0 + j] + x[x1 + j]) + (x[x2 + j] + x[x3 + j]);
    }
    for (; r < nRows; r++) {
      const xr = off + r * m;
      for (let j = 0; j < m; j++) o[oOff + j] += x[xr + j];
    }
    return;
  }
  const h = nRows >> 1;
  sumRowsInto(x, off, h, m, o, oOff, tmp, level + 1);
  const t0 = level * m;
  tmp.fill(0, t0, t0 + m);
  sumRowsInto(x, off + h * m, nRows - h, m, tmp, t0, tmp, level + 1);
  for (let j = 0; j < m; j++) o[oOff + j] += tmp[t0 + j];
}

function reduceRange(op: ReduceOp, x: Float64Array, start: number, n: number, init: number): number {
  let acc = init;
  const end = start + n;
  switch (op) {
    case "sum": return pairwiseSum(x, start, n);
    case "prod": for (let i = start; i < end; i++) acc *= x[i]; break;
    case "max": for (let i = start; i < end; i++) { const v = x[i]; if (v > acc || v !== v) acc = v; } break;
    case "min": for (let i = start; i < end; i++) { const v = x[i]; if (v < acc || v !== v) acc = v; } break;
  }
  return acc;
}

function reduceAll(op: ReduceOp, x: Float64Array, init: number): number {
  return reduceRange(op, x, 0, x.length, init);
}
