/**
 * Sorting kernels: stable sorts of the lanes of a tensor along one axis and
 * the arg-extremum along an axis (the sort's derivative gathers and
 * scatter-adds with src/kernels/gather.ts). Pure functions over typed arrays.
 *
 * A tensor of shape [outer, n, inner] (the sorted axis in the middle, the
 * axes before and after it merged) has outer·inner lanes of n entries, lane
 * (a, c) starting at a·n·inner + c with stride inner.
 *
 * Order (PyTorch's): ascending, NaN last (a NaN compares greater than +∞);
 * descending is the reverse, NaN first; −0 and +0 are equal. Every sort is
 * stable: equal entries (ties, −0/+0, NaNs) keep their order in the input, in
 * both directions — so `descending` is not the reverse of the ascending
 * result where there are ties.
 *
 * Algorithms. A lane of up to MERGE_MAX entries is sorted by a merge sort of
 * its index array (insertion sort for runs of up to 16) after setting its
 * NaNs aside (in order: they go last, or first descending) and negating the
 * keys of a descending sort, so that the comparisons are a plain `<` (ties
 * and −0 / +0 stay in input order).
 * A longer lane is sorted by an LSD radix sort of 64-bit keys: each float64 is
 * mapped to an unsigned integer whose order is the float order (sign bit
 * clear: set it; sign bit set: flip all bits), −0 to +0's key and every NaN to
 * one key above +∞; descending sorts complement the keys, which keeps ties in
 * input order (LSD radix sort is stable). Six passes of 11 bits (a pass whose
 * digit is the same for every key is skipped: common in the exponent bits),
 * each moving the key halves and the indices: O(n) work, three Uint32 arrays
 * of n entries twice (scratch per lane, reused across lanes).
 */

/** Lanes of up to this many entries are merge-sorted; longer ones radix-sorted. */
export const MERGE_MAX = 400;
const INSERTION_RUN = 16;
const BITS = 11, RADIX = 1 << BITS, MASK = RADIX - 1;

/** a before b in ascending order (NaN last; ties, −0/+0 included, are not "before"). */
function ascBefore(a: number, b: number): boolean {
  return a < b || (b !== b && a === a);
}
/** a before b in descending order (NaN first). */
function descBefore(a: number, b: number): boolean {
  return a > b || (a !== a && b === b);
}

/** Scratch reused across calls (grown on demand): one lane's values, indices and radix buffers. */
let scratchN = 0;
let vals = new Float64Array(0);
let idxA = new Int32Array(0), idxB = new Int32Array(0), nanIdx = new Int32Array(0);
let hiA = new Uint32Array(0), hiB = new Uint32Array(0), loA = new Uint32Array(0), loB = new Uint32Array(0);
const counts = new Int32Array(6 * RADIX);
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// the word order of a float64 in memory (little-endian on every platform JS runs on, checked anyway)
f64[0] = -0;
const HI = u32[1] === 0x80000000 ? 1 : 0, LO = 1 - HI;

function ensureScratch(n: number): void {
  if (n <= scratchN) return;
  scratchN = Math.max(n, 2 * scratchN);
  vals = new Float64Array(scratchN);
  idxA = new Int32Array(scratchN);
  idxB = new Int32Array(scratchN);
  nanIdx = new Int32Array(scratchN);
}

function ensureRadix(n: number): void {
  if (hiA.length >= n) return;
  const m = Math.max(n, 2 * hiA.length);
  hiA = new Uint32Array(m);
  hiB = new Uint32Array(m);
  loA = new Uint32Array(m);
  loB = new Uint32Array(m);
}

/**
 * Release the scratch buffers when they exceed `keep` entries (a sort of 1e6
 * entries leaves ≈ 44 MB of scratch otherwise, until the next large sort).
 */
function trimScratch(keep: number): void {
  if (scratchN > keep) {
    scratchN = 0;
    vals = new Float64Array(0);
    idxA = new Int32Array(0);
    idxB = new Int32Array(0);
    nanIdx = new Int32Array(0);
  }
  if (hiA.length > keep) hiA = hiB = loA = loB = new Uint32Array(0);
}

/**
 * Sort idx[0..m) by the keys vals[idx[·]] ascending and stably, comparing
 * with `<` only (the caller removed the NaNs and negated the keys for a
 * descending sort, so −0 and +0 tie); returns the array holding the result
 * (idxA or idxB).
 */
function mergeSort(m: number): Int32Array {
  let src = idxA, dst = idxB;
  // insertion sort of runs of INSERTION_RUN
  for (let s = 0; s < m; s += INSERTION_RUN) {
    const e = Math.min(s + INSERTION_RUN, m);
    for (let i = s + 1; i < e; i++) {
      const ii = src[i], v = vals[ii];
      let j = i - 1;
      while (j >= s && v < vals[src[j]]) {
        src[j + 1] = src[j];
        j--;
      }
      src[j + 1] = ii;
    }
  }
  for (let w = INSERTION_RUN; w < m; w *= 2) {
    for (let s = 0; s < m; s += 2 * w) {
      const mid = Math.min(s + w, m), e = Math.min(s + 2 * w, m);
      let i = s, j = mid, k = s;
      if (mid >= e || !(vals[src[mid]] < vals[src[mid - 1]])) {
        // already in order (or a lone run): copy
        while (i < e) dst[k++] = src[i++];
        continue;
      }
      // take from the right only when strictly smaller (stability)
      while (i < mid && j < e) dst[k++] = vals[src[j]] < vals[src[i]] ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < e) dst[k++] = src[j++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/** Sort the lane in vals[0..n) by radix on order-preserving 64-bit keys; returns the index array holding the permutation. */
function radixSort(n: number, desc: boolean): Int32Array {
  ensureRadix(n);
  let hs = hiA, hd = hiB, ls = loA, ld = loB, is = idxA, id = idxB;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    let h: number, l: number;
    if (v !== v) {
      h = 0xfff80000; // every NaN: one key above +∞ (0xfff00000_00000000)
      l = 0;
    } else {
      f64[0] = v === 0 ? 0 : v; // −0 → +0
      h = u32[HI];
      l = u32[LO];
      if (h >= 0x80000000) {
        h = ~h >>> 0;
        l = ~l >>> 0;
      } else h = (h | 0x80000000) >>> 0;
    }
    if (desc) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    }
    hs[i] = h;
    ls[i] = l;
    is[i] = i;
    counts[l & MASK]++;
    counts[RADIX + ((l >>> BITS) & MASK)]++;
    counts[2 * RADIX + (l >>> (2 * BITS))]++;
    counts[3 * RADIX + (h & MASK)]++;
    counts[4 * RADIX + ((h >>> BITS) & MASK)]++;
    counts[5 * RADIX + (h >>> (2 * BITS))]++;
  }
  for (let p = 0; p < 6; p++) {
    const base = p * RADIX;
    // skip a pass whose digit is the same for every key
    let trivial = false;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d];
      if (c === n) { trivial = true; break; }
      if (c !== 0) break;
    }
    if (trivial) continue;
    // exclusive prefix sums: the first slot of each digit
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    const shift = (p % 3) * BITS, onLow = p < 3;
    if (onLow) {
      for (let i = 0; i < n; i++) {
        const l = ls[i];
        const slot = counts[base + ((l >>> shift) & MASK)]++;
        ld[slot] = l;
        hd[slot] = hs[i];
        id[slot] = is[i];
      }
      const tl = ls; ls = ld; ld = tl;
    } else {
      // the low word is no longer needed once its passes are done
      for (let i = 0; i < n; i++) {
        const h = hs[i];
        const slot = counts[base + ((h >>> shift) & MASK)]++;
        hd[slot] = h;
        id[slot] = is[i];
      }
    }
    const th = hs; hs = hd; hd = th;
    const ti = is; is = id; id = ti;
  }
  return is;
}

/**
 * The first k (k ≪ n) entries of one lane in the stable order, without sorting
 * the lane: a heap of the k best positions seen so far, its worst on top
 * (O(n log k) time, O(k) scratch), then the heap emptied worst-first into the
 * output. "Better" is the sort's order with the position as the tie-break,
 * a total order, so the result is exactly the stable sort's first k entries.
 */
function selectLane(
  x: Float64Array, base: number, n: number, inner: number, desc: boolean, k: number,
  values: Float64Array, indices: Float64Array, ob: number,
): void {
  const before = desc ? descBefore : ascBefore;
  const heap = heapScratch(k);
  // worse(i, j): position i comes after position j in the stable order
  const worse = (i: number, j: number): boolean => {
    const vi = x[base + i * inner], vj = x[base + j * inner];
    return before(vj, vi) || (!before(vi, vj) && i > j);
  };
  const siftDown = (size: number, start: number): void => {
    let p = start;
    const item = heap[p];
    for (;;) {
      let c = 2 * p + 1;
      if (c >= size) break;
      if (c + 1 < size && worse(heap[c + 1], heap[c])) c++;
      if (!worse(heap[c], item)) break;
      heap[p] = heap[c];
      p = c;
    }
    heap[p] = item;
  };
  for (let i = 0; i < k; i++) heap[i] = i;
  for (let p = (k >> 1) - 1; p >= 0; p--) siftDown(k, p);
  for (let i = k; i < n; i++) {
    if (worse(i, heap[0])) continue;
    heap[0] = i;
    siftDown(k, 0);
  }
  for (let size = k; size > 0; size--) {
    const top = heap[0];
    values[ob + (size - 1) * inner] = x[base + top * inner];
    indices[ob + (size - 1) * inner] = top;
    heap[0] = heap[size - 1];
    siftDown(size - 1, 0);
  }
}

let heapBuf = new Int32Array(0);
function heapScratch(k: number): Int32Array {
  if (heapBuf.length < k) heapBuf = new Int32Array(Math.max(k, 2 * heapBuf.length));
  return heapBuf;
}

/** Selection by a heap pays when k is small against n (and the lane long enough to matter). */
const SELECT_MAX_FRACTION = 16, SELECT_MIN_N = 64;

/**
 * Stable sort of every lane of x ([outer, n, inner]) along the middle axis,
 * keeping the first k entries of each sorted lane (for k ≤ n/16, a heap
 * selection instead of a sort: O(n log k), scratch of k entries): values[a, j, c] is the
 * j-th entry of lane (a, c) in sorted order and indices[a, j, c] its position
 * in the lane (0 … n−1, as float64). Both outputs are [outer, k, inner].
 */
export function sortLanes(
  x: Float64Array, outer: number, n: number, inner: number, descending: boolean, k: number,
  values: Float64Array, indices: Float64Array,
): void {
  if (n === 0 || k === 0 || outer * inner === 0) return;
  if (n >= SELECT_MIN_N && k * SELECT_MAX_FRACTION <= n) {
    for (let a = 0; a < outer; a++)
      for (let c = 0; c < inner; c++) selectLane(x, a * n * inner + c, n, inner, descending, k, values, indices, a * k * inner + c);
    return;
  }
  ensureScratch(n);
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      const base = a * n * inner + c;
      const ob = a * k * inner + c;
      if (n > MERGE_MAX) {
        for (let i = 0; i < n; i++) vals[i] = x[base + i * inner];
        const perm = radixSort(n, descending);
        for (let j = 0; j < k; j++) {
          const p = perm[j];
          values[ob + j * inner] = vals[p];
          indices[ob + j * inner] = p;
        }
        continue;
      }
      // merge path: the NaNs set aside in order (they go last, or first descending),
      // the others sorted by key v (−v descending: the reverse order, ties still in input order)
      let m = 0, nn = 0;
      for (let i = 0; i < n; i++) {
        const v = x[base + i * inner];
        if (v !== v) nanIdx[nn++] = i;
        else {
          vals[i] = descending ? -v : v;
          idxA[m++] = i;
        }
      }
      const perm = mergeSort(m);
      for (let j = 0; j < k; j++) {
        const p = descending ? (j < nn ? nanIdx[j] : perm[j - nn]) : j < m ? perm[j] : nanIdx[j - m];
        values[ob + j * inner] = x[base + p * inner];
        indices[ob + j * inner] = p;
      }
    }
  }
  if (n > 1 << 16) trimScratch(1 << 16);
}

/**
 * The index of the maximum (or minimum) of every lane of x ([outer, n, inner],
 * n ≥ 1) along the middle axis, as PyTorch's argmax / argmin: the first
 * occurrence of the extremum, and a NaN counts as the extremum (the first
 * NaN's index when the lane has one). Output [outer, inner] of float64.
 */
export function argExtremum(x: Float64Array, outer: number, n: number, inner: number, isMax: boolean, out: Float64Array): void {
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      const base = a * n * inner + c;
      let best = x[base], bi = 0;
      if (best === best) {
        for (let i = 1; i < n; i++) {
          const v = x[base + i * inner];
          if (v !== v) { bi = i; break; }
          if (isMax ? v > best : v < best) { best = v; bi = i; }
        }
      }
      out[a * inner + c] = bi;
    }
  }
}
