/**
 * The one story of index arguments, shared by take, indexSelect, index,
 * gather, the scatters and indexAdd: an index entry must be an integer in
 * [−n, n) for an axis of size n (negative counts from the end, as PyTorch);
 * a fractional, NaN or non-number entry "is not an integer", an integer
 * outside the range "is out of range", and the error names the op, the
 * argument, the entry and its position, and the expected range. Entries are
 * never truncated.
 */
import { ArgumentError } from "../errors.js";
import { describe } from "../validate.js";

/**
 * The error for entry `v` of index argument `arg` at `at` (a flat position
 * "position 3" or a multi-index "[0, 2]"), into `axisText` ("axis 1") of size
 * n; `context` (e.g. the shapes) follows the axis in parentheses.
 */
export function badIndexEntry(op: string, arg: string, v: unknown, at: string, axisText: string, n: number, context = ""): ArgumentError {
  const what = typeof v === "number" && Number.isInteger(v) ? "is out of range" : "is not an integer";
  const shown = typeof v === "number" ? String(v) : describe(v);
  return new ArgumentError(op, `argument ${arg} holds ${shown} at ${at}, which ${what} for ${axisText} of size ${n}${context === "" ? "" : ` (${context})`}; expected integers in [${-n}, ${n - 1}]`);
}

/**
 * The entries of a list of indices into an axis of size n, checked and wrapped (negative from the end).
 * Float64Array (an index tensor's values) and Int32Array lists take loops of their own: one element
 * type per loop keeps V8's element reads monomorphic (a mixed loop reads 1e6 entries ≈ 2–3× slower).
 */
export function checkedIndices(op: string, arg: string, d: ArrayLike<unknown>, n: number, axisText: string): Int32Array {
  if (d instanceof Float64Array || d instanceof Int32Array) {
    const out = wrappedIndices(d, n);
    if (typeof out === "number") throw badIndexEntry(op, arg, d[out], `position ${out}`, axisText, n);
    return out;
  }
  const out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    // a non-number compares false below; `(j | 0) !== j` rejects fractions and NaN
    const j = typeof v === "number" ? (v < 0 ? v + n : v) : NaN;
    if (!(j >= 0 && j < n) || (j | 0) !== j) throw badIndexEntry(op, arg, v, `position ${i}`, axisText, n);
    out[i] = j;
  }
  return out;
}

/** The entries of d wrapped into [0, n), or the first position whose entry is not an integer in [−n, n). */
export function wrappedIndices(d: Float64Array | Int32Array, n: number): Int32Array | number {
  const out = new Int32Array(d.length);
  const bad = d instanceof Float64Array ? wrapFloats(d, n, out) : wrapInts(d, n, out);
  return bad >= 0 ? bad : out;
}

/**
 * out[i] = d[i] wrapped into [0, n), or the first position whose entry is not an integer in [−n, n):
 * `v | 0` differs from v for NaN, fractions and anything outside int32, so one comparison checks
 * integrality. No throw inside the loop (the caller raises): a loop that can throw with a message
 * built from its position ran ≈ 7× slower (1e6 entries: 15.7 against 2.3 ms). Four entries per
 * step under one combined test; a step with a negative or bad entry is redone entry by entry.
 */
function wrapFloats(d: Float64Array, n: number, out: Int32Array): number {
  const len = d.length, m = len & ~3;
  let i = 0;
  while (i < len) {
    for (; i < m; i += 4) {
      const v0 = d[i], v1 = d[i + 1], v2 = d[i + 2], v3 = d[i + 3];
      const j0 = v0 | 0, j1 = v1 | 0, j2 = v2 | 0, j3 = v3 | 0;
      if (j0 !== v0 || j1 !== v1 || j2 !== v2 || j3 !== v3 || (j0 | j1 | j2 | j3) < 0 || j0 >= n || j1 >= n || j2 >= n || j3 >= n) break;
      out[i] = j0;
      out[i + 1] = j1;
      out[i + 2] = j2;
      out[i + 3] = j3;
    }
    for (const end = Math.min(i + 4, len); i < end; i++) {
      const v = d[i];
      let j = v | 0;
      if (j !== v) return i;
      if (j < 0) j += n;
      if (j < 0 || j >= n) return i;
      out[i] = j;
    }
  }
  return -1;
}

/** wrapFloats for int32 values: integers already, only the range is checked (1e6 entries: 1.7 → 1.0 ms by the steps of four). */
function wrapInts(d: Int32Array, n: number, out: Int32Array): number {
  const len = d.length, m = len & ~3;
  let i = 0;
  while (i < len) {
    for (; i < m; i += 4) {
      const j0 = d[i], j1 = d[i + 1], j2 = d[i + 2], j3 = d[i + 3];
      if ((j0 | j1 | j2 | j3) < 0 || j0 >= n || j1 >= n || j2 >= n || j3 >= n) break;
      out[i] = j0;
      out[i + 1] = j1;
      out[i + 2] = j2;
      out[i + 3] = j3;
    }
    for (const end = Math.min(i + 4, len); i < end; i++) {
      let j = d[i];
      if (j < 0) j += n;
      if (j < 0 || j >= n) return i;
      out[i] = j;
    }
  }
  return -1;
}
