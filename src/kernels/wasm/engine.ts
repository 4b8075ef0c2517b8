/**
 * The WASM SIMD GEMM engine: one WebAssembly.Memory (grown on demand), the
 * generated kernel module instantiated on it, operand copy-in / copy-out.
 *
 * Memory layout (byte addresses):
 *   [0, CTRL_BYTES)                control block (thread-pool job descriptor)
 *   [CTRL_BYTES, +P·work)          one packing scratch area per participant
 *   then A, B, C (compact copies of the operands, 16-byte aligned)
 *
 * Browser-safe: no Node APIs. Synchronous instantiation of a module this small
 * (≈3 KiB) is allowed on browsers' main threads too.
 */
import { buildGemmModule, DEFAULT_GEMM_OPTIONS, workBytes, type GemmModuleOptions } from "./gemm-module.js";
import { Func, Ty, encodeModule, v128 } from "./encode.js";

export const PAGE = 65536;
/** bytes reserved at address 0 for the thread-pool control block */
export const CTRL_BYTES = 256;
/** maximum memory of an engine: 2 GiB keeps every address a positive i32 */
export const MAX_PAGES = 32768;
export const SHARED_MAX_PAGES = MAX_PAGES;

export type KernelOptions = Omit<GemmModuleOptions, "shared" | "minPages" | "maxPages">;

export const KERNEL_OPTIONS: KernelOptions = { ...DEFAULT_GEMM_OPTIONS, swap: true };

let simdSupport: boolean | undefined;

/** Does this engine accept WebAssembly SIMD128? (validates a tiny v128 module; cached) */
export function wasmSimdSupported(): boolean {
  if (simdSupport === undefined) {
    try {
      const f = new Func("probe", [], [Ty.v128]);
      f.body = v128.zero();
      simdSupport =
        typeof WebAssembly === "object" &&
        typeof WebAssembly.validate === "function" &&
        WebAssembly.validate(encodeModule({ memory: { min: 1 }, funcs: [f] }));
    } catch {
      simdSupport = false;
    }
  }
  return simdSupport;
}

type WasmGemmExport = (
  tA: number,
  tB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
  work: number,
) => void;

const align16 = (x: number) => (x + 15) & ~15;

export class Engine {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly kernel: WasmGemmExport;
  readonly work: number;
  readonly shared: boolean;
  /** number of packing scratch areas (participants: caller + workers) */
  readonly slots: number;
  private f64: Float64Array;

  constructor(opts: { shared: boolean; slots?: number; kernel?: KernelOptions }) {
    const ko = opts.kernel ?? KERNEL_OPTIONS;
    this.shared = opts.shared;
    this.slots = Math.max(1, opts.slots ?? 1);
    this.work = align16(workBytes(ko));
    const initialBytes = CTRL_BYTES + this.slots * this.work + (1 << 20);
    const initial = Math.ceil(initialBytes / PAGE);
    this.memory = opts.shared
      ? new WebAssembly.Memory({ initial, maximum: SHARED_MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial });
    const bytes = buildGemmModule({
      ...ko,
      shared: opts.shared,
      minPages: 1,
      maxPages: opts.shared ? SHARED_MAX_PAGES : undefined,
    });
    this.module = new WebAssembly.Module(bytes);
    const inst = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.kernel = inst.exports.gemm as unknown as WasmGemmExport;
    this.f64 = new Float64Array(this.memory.buffer);
    this.warmUp();
  }

  /**
   * Run a few small products so that V8's dynamic tiering compiles the kernel
   * with its optimizing tier (in the background) before real work arrives;
   * costs well under a millisecond.
   */
  private warmUp(): void {
    const n = 48;
    const a = this.dataBase;
    const b = a + n * n * 8;
    const c = b + n * n * 8;
    const F = this.ensure(c + n * n * 8);
    F.fill(0.5, a >> 3, (c >> 3) + n * n);
    for (let r = 0; r < 4; r++) this.kernel(0, 0, n, n, n, 1, a, n, b, n, 0, c, n, this.workAddr(0));
  }

  /** Byte address of participant `slot`'s packing scratch. */
  workAddr(slot: number): number {
    return CTRL_BYTES + slot * this.work;
  }

  /** Byte address where operands start. */
  get dataBase(): number {
    return CTRL_BYTES + this.slots * this.work;
  }

  /** Make sure memory holds `bytes` bytes; returns a fresh Float64Array view. */
  ensure(bytes: number): Float64Array {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      const pages = Math.ceil((bytes - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new RangeError("matgrad wasm gemm: operands exceed the WebAssembly memory limit");
      this.memory.grow(pages);
    }
    if (this.f64.buffer !== this.memory.buffer || this.f64.length * 8 !== this.memory.buffer.byteLength)
      this.f64 = new Float64Array(this.memory.buffer);
    return this.f64;
  }

  /** Do the operands of an m×n×k product fit in the engine's memory (≤ 2 GiB)? */
  fits(m: number, n: number, k: number): boolean {
    return this.dataBase + 8 * (m * k + k * n + m * n) + 64 <= MAX_PAGES * PAGE;
  }

  /**
   * Lay out and copy the operands of one GEMM into memory. Returns byte
   * addresses of the compact copies (leading dimensions: stored column counts).
   */
  stage(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    A: Float64Array,
    aOff: number,
    lda: number,
    B: Float64Array,
    bOff: number,
    ldb: number,
    beta: number,
    C: Float64Array,
    cOff: number,
    ldc: number,
  ): { a: number; lda: number; b: number; ldb: number; c: number; ldc: number } {
    const ar = transA ? k : m;
    const ac = transA ? m : k;
    const br = transB ? n : k;
    const bc = transB ? k : n;
    const a = this.dataBase;
    const b = align16(a + ar * ac * 8);
    const c = align16(b + br * bc * 8);
    const end = c + m * n * 8;
    const F = this.ensure(end);
    copyIn(F, a >> 3, A, aOff, ar, ac, lda);
    copyIn(F, b >> 3, B, bOff, br, bc, ldb);
    if (beta !== 0) copyIn(F, c >> 3, C, cOff, m, n, ldc);
    return { a, lda: ac, b, ldb: bc, c, ldc: n };
  }

  /** Do `batch` products (A and B shared when their stride is 0) fit in memory? */
  fitsBatch(m: number, n: number, k: number, batch: number, sharedA: boolean, sharedB: boolean): boolean {
    const per = (sharedA ? 0 : m * k) + (sharedB ? 0 : k * n) + m * n;
    const once = (sharedA ? m * k : 0) + (sharedB ? k * n : 0);
    return this.dataBase + 8 * (batch * per + once) + 64 * 3 <= MAX_PAGES * PAGE;
  }

  /**
   * Stage a strided batch: product t uses A at aOff + t·strideA (strideA = 0:
   * the same A for all), likewise B and C. Returns byte addresses of the compact
   * copies and their byte strides (0 for a shared operand).
   */
  stageBatch(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    A: Float64Array,
    aOff: number,
    lda: number,
    strideA: number,
    B: Float64Array,
    bOff: number,
    ldb: number,
    strideB: number,
    beta: number,
    C: Float64Array,
    cOff: number,
    ldc: number,
    strideC: number,
    batch: number,
  ): { a: number; lda: number; sA: number; b: number; ldb: number; sB: number; c: number; ldc: number; sC: number } {
    const ar = transA ? k : m;
    const ac = transA ? m : k;
    const br = transB ? n : k;
    const bc = transB ? k : n;
    const nA = strideA === 0 ? 1 : batch;
    const nB = strideB === 0 ? 1 : batch;
    const sA = strideA === 0 ? 0 : ar * ac * 8;
    const sB = strideB === 0 ? 0 : br * bc * 8;
    const sC = m * n * 8;
    const a = this.dataBase;
    const b = align16(a + nA * ar * ac * 8);
    const c = align16(b + nB * br * bc * 8);
    const F = this.ensure(c + batch * sC);
    for (let t = 0; t < nA; t++) copyIn(F, (a + t * sA) >> 3, A, aOff + t * strideA, ar, ac, lda);
    for (let t = 0; t < nB; t++) copyIn(F, (b + t * sB) >> 3, B, bOff + t * strideB, br, bc, ldb);
    if (beta !== 0) for (let t = 0; t < batch; t++) copyIn(F, (c + t * sC) >> 3, C, cOff + t * strideC, m, n, ldc);
    return { a, lda: ac, sA, b, ldb: bc, sB, c, ldc: n, sC };
  }

  /** Copy the compact m×n result at byte address c back into C. */
  unstage(m: number, n: number, c: number, C: Float64Array, cOff: number, ldc: number): void {
    const F = this.f64;
    const base = c >> 3;
    if (ldc === n) C.set(F.subarray(base, base + m * n), cOff);
    else for (let i = 0; i < m; i++) C.set(F.subarray(base + i * n, base + i * n + n), cOff + i * ldc);
  }
}

function copyIn(F: Float64Array, dst: number, src: Float64Array, off: number, rows: number, cols: number, ld: number): void {
  if (rows === 0 || cols === 0) return;
  if (ld === cols) F.set(src.subarray(off, off + rows * cols), dst);
  else for (let i = 0; i < rows; i++) F.set(src.subarray(off + i * ld, off + i * ld + cols), dst + i * cols);
}
