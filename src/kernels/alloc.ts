/**
 * Output allocation for kernels. V8 allocates typed arrays of up to 64 bytes
 * inside the JS heap (cheap), but larger ones get a separately allocated backing
 * store (≈0.5 µs each). Small outputs are therefore views carved out of shared
 * chunks: `new Float64Array(buffer, offset, n)` costs ≈40 ns (`subarray` ≈60–80 ns:
 * it goes through the species protocol). A chunk is never reused: it is freed by
 * the garbage collector once every array carved from it is gone, so arrays stay
 * independent and zero-initialized. Large outputs are allocated directly.
 */
const CHUNK = 1 << 15; // doubles per chunk (256 KiB)
const SMALL_MAX = 1024; // largest pooled request (8 KiB)
const ON_HEAP_MAX = 8; // V8 keeps ≤ 64-byte typed arrays on-heap

let chunk = new ArrayBuffer(CHUNK * 8);
let used = 0; // doubles handed out from `chunk`

/** A zero-filled Float64Array of length n. */
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
