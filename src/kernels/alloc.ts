/**
 * Output allocation for kernels. V8 allocates typed arrays of up to 64 bytes
 * inside the JS heap (≈25 ns), but a larger one gets a separately allocated
 * backing store (≈0.3–0.9 µs each, measured on Node 20: 16 doubles 0.29 µs,
 * 256 doubles 0.72 µs) — on a chain of 4×4 ops that alone would cost several
 * µs per op. Small outputs are therefore views carved out of shared chunks:
 * `new Float64Array(buffer, offset, n)` costs ≈25–90 ns (`subarray` goes
 * through the species protocol and is slower). A chunk is never reused: it is
 * freed by the garbage collector once every array carved from it is gone, so
 * arrays stay independent and zero-initialized.
 *
 * These arrays are *private* to matgrad (tensor.ts, PRIVATE): a tensor hands
 * user code an array of its own on the first read of `.data`, so sharing a
 * chunk is never visible (transfer, structuredClone). The chunk size bounds
 * what a kept, never-read small tensor can pin: 64 KiB (was 256 KiB, with
 * which a few kept 4×4 results pinned megabytes). Smaller chunks cost time:
 * allocating an ArrayBuffer has a fixed cost of ≈1–3 µs (backing store, GC
 * accounting), measured per 16-double output ≈ +10–20 ns with 16 KiB chunks
 * and none measurable with 64 KiB against 256 KiB — with ≈3 small
 * allocations per op on the 4×4 chain, 16 KiB would cost ≈0.05 µs of the
 * 0.5 µs per op budget. Large outputs are allocated directly.
 */
/** Doubles per chunk (64 KiB). */
export const CHUNK = 1 << 13;
/** Largest pooled request in doubles (8 KiB: at least 8 per chunk). */
export const SMALL_MAX = 1024;
const ON_HEAP_MAX = 8; // V8 keeps ≤ 64-byte typed arrays on-heap

let chunk = new ArrayBuffer(CHUNK * 8);
let used = 0; // doubles handed out from `chunk`

/** A zero-filled Float64Array of length n (private storage: see above). */
export function alloc(n: number): Float64Array {
  if (n <= ON_HEAP_MAX || n > SMALL_MAX) return new Float64Array(n);
  if (used + n > CHUNK) {
    chunk = new ArrayBuffer(CHUNK * 8);
    used = 0;
  }
  const out = new Float64Array(chunk, used * 8, n);
  used += n;
  return out;
}

/**
 * Node's `Buffer.allocUnsafeSlow`: an ArrayBuffer of its own whose bytes are
 * not zeroed (malloc instead of calloc). Absent in browsers, where
 * `allocUninit` is `alloc`.
 */
const unsafeBuffer = ((): ((bytes: number) => Uint8Array) | null => {
  const B = (globalThis as { Buffer?: { allocUnsafeSlow?: (bytes: number) => Uint8Array } }).Buffer;
  const f = B?.allocUnsafeSlow;
  return typeof f === "function" ? (bytes) => f.call(B, bytes) : null;
})();
/** Uninitialized allocation pays off only for large arrays (zeroing is ≈ a write pass). */
const UNINIT_MIN = 1 << 15;

/**
 * A Float64Array of length n with unspecified contents, for kernels that
 * write every entry before anything reads it (torch.empty's contract). A
 * zeroed array costs a pass over memory that such kernels overwrite anyway:
 * measured on Node 20, an 8 MB array allocated and filled took ≈1.17 ms
 * unzeroed against ≈1.5 ms zeroed (median). Small requests are `alloc`'s
 * chunk views (zeroed, cheaper than a backing store of their own).
 */
export function allocUninit(n: number): Float64Array {
  if (poisoned) return new Float64Array(n).fill(NaN);
  if (n < UNINIT_MIN || unsafeBuffer === null || n > 1 << 28) return alloc(n);
  const bytes = unsafeBuffer(n * 8);
  return new Float64Array(bytes.buffer, bytes.byteOffset, n);
}

let poisoned = false;
/**
 * Testing hook (internal, not exported by the package): while on,
 * `allocUninit` returns NaN-filled arrays of every size, so a kernel that
 * leaves an entry of its output unwritten shows NaN in the result
 * (test/kernels/alloc.test.ts runs the OpInfo table with it).
 */
export function poisonUninit(on: boolean): void {
  poisoned = on;
}
