/**
 * Resident workspaces for the blocked factorizations (LU, inverse, Cholesky
 * and its reverse mode, triangular solves; QR on the WASM backend only) on
 * backends with a WASM engine: `wasm-simd`, and `native-openblas+wasm-simd`
 * (OpenBLAS reads the arena views in place; the base cases run in WASM).
 *
 * A factorization driver opens a workspace sized for its whole computation,
 * copies its inputs into it once, runs the same blocked algorithm as the
 * portable path on views of WebAssembly memory and copies the result out once.
 * Inside, (1) the GEMM updates find their operands already in the engine's
 * memory and run without staging copies, and (2) the diagonal-block base cases
 * (triangular solves, the LU panel, transposes, column interchanges) run in the
 * generated SIMD module of wasm/trsm-module.ts on the same memory.
 *
 * `scratch(len)` gives the drivers zero-filled work arrays: arena views while a
 * workspace is open, plain Float64Arrays otherwise, so the portable path is the
 * same code with ordinary arrays. `activeFor(x, …)` tells a base case whether
 * all its arrays live in the open workspace (then it calls the WASM kernel).
 *
 * Browser-safe (no Node APIs).
 */
import { backend, wasmBackend, withWorkArena } from "./backend.js";
import { buildTrsmModule, type TrsmKernels } from "./wasm/trsm-module.js";
import { wasmExtra, wasmSimdSupported, withArena } from "./wasm/index.js";

/** An open workspace: a bump allocator over one region of WebAssembly memory. */
export class Workspace {
  private top: number;
  /** everything at or above this index is still zero (the arena is zero-filled when opened) */
  private clean: number;
  constructor(
    /** the float64 view of the workspace region */
    readonly region: Float64Array,
    /** the SIMD base-case kernels instantiated on the same memory */
    readonly k: TrsmKernels,
  ) {
    this.top = 0;
    this.clean = 0;
  }

  get buffer(): ArrayBufferLike {
    return this.region.buffer;
  }

  /** Free doubles left. */
  get free(): number {
    return this.region.length - this.top;
  }

  /** A zero-filled view of `len` doubles (16-byte aligned). Throws RangeError when the workspace is full. */
  alloc(len: number): Float64Array {
    const start = this.top;
    const end = start + ((len + 1) & ~1);
    if (end > this.region.length) throw new RangeError("matgrad workspace: out of room");
    this.top = end;
    const v = this.region.subarray(start, start + len);
    if (start < this.clean) v.fill(0, 0, Math.min(len, this.clean - start));
    if (end > this.clean) this.clean = end;
    return v;
  }

  /** A zero-filled Int32Array of `len` entries in the workspace. */
  allocI32(len: number): Int32Array {
    const f = this.alloc((len + 1) >> 1);
    return new Int32Array(f.buffer, f.byteOffset, len);
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Byte address of element `off` of `x` (a view of this workspace's memory). */
  addr(x: Float64Array | Int32Array, off = 0): number {
    return x.byteOffset + off * x.BYTES_PER_ELEMENT;
  }
}

let active: Workspace | null = null;

/** The open workspace when every array lives in its memory, else null. */
export function activeFor(a: { buffer: ArrayBufferLike }, b?: { buffer: ArrayBufferLike }, c?: { buffer: ArrayBufferLike }): Workspace | null {
  const w = active;
  if (w === null) return null;
  const buf = w.buffer;
  if (a.buffer !== buf || (b !== undefined && b.buffer !== buf) || (c !== undefined && c.buffer !== buf)) return null;
  return w;
}

/** A zero-filled work array: in the open workspace when there is one (and room), else a new Float64Array. */
export function scratch(len: number): Float64Array {
  const w = active;
  if (w !== null && w.free >= len + 2) return w.alloc(len);
  return new Float64Array(len);
}

/** Mark / release of the open workspace's allocations (no-ops without one). */
export function scratchMark(): number {
  return active === null ? -1 : active.mark();
}
export function scratchRelease(mark: number): void {
  if (active !== null && mark >= 0) active.release(mark);
}

const EXTRA_KEY = "matgrad.trsm";

/** The base-case module on the memory holding F (an arena view), or null. */
function kernelsFor(F: Float64Array): TrsmKernels | null {
  const ex = wasmExtra(EXTRA_KEY, ({ shared, maxPages }) => buildTrsmModule({ shared, minPages: 1, maxPages }), F);
  return ex === null ? null : (ex as unknown as TrsmKernels);
}

/**
 * Matrices of order below this stay on the portable path (the copies in and
 * out and the set-up cost more than the faster base cases save).
 */
export const RESIDENT_MIN_N = 32;

/**
 * Solves with fewer right-hand sides than this stay on the portable path (for
 * them the copy of the n×n factor into the workspace costs more than it saves).
 */
export const RESIDENT_MIN_RHS = 8;

/** Switch for the resident path (A/B measurements and tests; on by default). */
export const residentOptions = { enabled: true };

/** Should a factorization of order n run in a resident workspace (a backend with a WASM arena)? */
export function residentWanted(n: number): boolean {
  return residentOptions.enabled && n >= RESIDENT_MIN_N && active === null && backend().arena !== undefined && wasmSimdSupported();
}

/**
 * For drivers whose only gain is the copy-free GEMM (no base cases): only when
 * the products run in the WASM engine (a native backend reads the arrays in place anyway).
 */
export function residentGemmWanted(n: number): boolean {
  return residentWanted(n) && backend() === wasmBackend;
}

/**
 * Run `fn` in a workspace of `doubles` float64s in the backend's resident
 * arena, or return undefined when none can be opened (no WASM engine, memory
 * limit, a workspace already open): the caller then runs the portable path.
 */
export function withWorkspace<T>(
  doubles: number,
  fn: (ws: Workspace) => T,
  arena: <R>(doubles: number, fn: (F: Float64Array, addr: number) => R) => R = withWorkArena,
): T | undefined {
  if (active !== null) return undefined;
  return arena(Math.ceil(doubles) + 64, (F, addr) => {
    if (addr < 0) return undefined;
    const k = kernelsFor(F);
    if (k === null) return undefined;
    const ws = new Workspace(F, k);
    active = ws;
    try {
      return fn(ws);
    } finally {
      active = null;
    }
  });
}

/** Run `fn` with a workspace in the WASM engine's memory whatever the active backend (tests; undefined without WASM). */
export function withWasmWorkspace<T>(doubles: number, fn: (ws: Workspace) => T): T | undefined {
  return wasmSimdSupported() ? withWorkspace(doubles, fn, withArena) : undefined;
}
