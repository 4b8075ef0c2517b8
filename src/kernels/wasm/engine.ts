/**
 * The WASM SIMD GEMM engine: one WebAssembly.Memory (grown on demand), the
 * generated kernel module instantiated on it, operand copy-in / copy-out.
 *
 * Memory layout (byte addresses):
 *   [0, CTRL_BYTES)                control block (thread-pool job descriptor)
 *   [CTRL_BYTES, +P·work)          one packing scratch area per participant
 *   then the open resident arenas (a stack, see `openArena`), if any,
 *   then A, B, C (compact copies of the operands, 16-byte aligned)
 *
 * Resident arenas: a factorization can keep its work matrices inside the
 * engine's memory (`openArena`/`closeArena`, used through `withArena` in
 * index.ts); products whose operands already live there are run in place with
 * no copies (`gemmResident`). While an arena is open the memory never grows
 * (growth would detach the arena's views): it is pre-grown with a margin when
 * the arena opens, and a product whose staging would not fit is refused
 * (`fits` false) so that the caller runs it with the portable kernel.
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
  /** open arenas, innermost last: [start, end) byte ranges */
  private readonly arenas: { start: number; end: number }[] = [];
  /** modules instantiated on this memory by `extra` (keyed by the caller) */
  private readonly extras = new Map<string, WebAssembly.Exports>();
  /** products run in place on resident operands / with staged copies (diagnostics, tests) */
  residentCalls = 0;
  stagedCalls = 0;

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

  /** Byte address where staged operands start (above every open arena). */
  get dataBase(): number {
    const n = this.arenas.length;
    return n === 0 ? CTRL_BYTES + this.slots * this.work : this.arenas[n - 1].end;
  }

  /** Number of open arenas. */
  get arenaDepth(): number {
    return this.arenas.length;
  }

  /**
   * Open a resident arena of `doubles` float64s above the open ones (LIFO) and
   * return a zero-filled view of it. The memory is grown now, with a margin of
   * max(1 MiB, min(the arena's size, 64 MiB)) for staging other products, and not again
   * until every arena is closed. Throws RangeError beyond 2 GiB.
   */
  openArena(doubles: number): Float64Array {
    const n = Math.max(0, Math.floor(doubles));
    const start = align16(this.dataBase);
    const end = align16(start + 8 * n);
    const margin = Math.max(1 << 20, Math.min(8 * n, 64 << 20));
    if (end + margin > MAX_PAGES * PAGE) throw new RangeError("matgrad wasm arena: the arena exceeds the WebAssembly memory limit");
    this.ensure(end + margin);
    this.arenas.push({ start, end });
    const view = new Float64Array(this.memory.buffer, start, n);
    view.fill(0);
    return view;
  }

  /** Close the innermost arena; `view` must be the one `openArena` returned for it. */
  closeArena(view: Float64Array): void {
    const top = this.arenas[this.arenas.length - 1];
    if (top === undefined || view.byteOffset !== top.start) throw new Error("matgrad wasm arena: arenas must be closed innermost first");
    this.arenas.pop();
  }

  /** Is `x` a view of this engine's memory (so a kernel can address it in place)? */
  holds(x: Float64Array): boolean {
    return x.buffer === this.memory.buffer;
  }

  /**
   * Instantiate another generated module on this engine's memory (once per
   * key; cached) and return its exports. `build` receives whether the memory is
   * shared and its maximum page count, which the module's memory import must declare.
   */
  extra(key: string, build: (mem: { shared: boolean; maxPages: number | undefined }) => Uint8Array<ArrayBuffer>): WebAssembly.Exports {
    let ex = this.extras.get(key);
    if (ex === undefined) {
      const bytes = build({ shared: this.shared, maxPages: this.shared ? SHARED_MAX_PAGES : undefined });
      ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.memory } }).exports;
      this.extras.set(key, ex);
    }
    return ex;
  }

  /** Can the memory hold `bytes` bytes (without growing while an arena is open)? */
  canHold(bytes: number): boolean {
    return this.arenas.length === 0 ? bytes <= MAX_PAGES * PAGE : bytes <= this.memory.buffer.byteLength;
  }

  /** Make sure memory holds `bytes` bytes; returns a fresh Float64Array view. */
  ensure(bytes: number): Float64Array {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      if (this.arenas.length > 0) throw new RangeError("matgrad wasm gemm: memory cannot grow while a resident arena is open");
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
    return this.canHold(this.dataBase + 8 * (m * k + k * n + m * n) + 64);
  }

  /**
   * One product on this thread; operands that live in this memory (arena
   * views) are addressed in place, the others are copied in (and C out).
   * The caller checks `fitsResident` first and handles the degenerate cases.
   */
  gemmResident(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
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
  ): void {
    const inA = this.holds(A);
    const inB = this.holds(B);
    const inC = this.holds(C);
    const ar = transA ? k : m;
    const ac = transA ? m : k;
    const br = transB ? n : k;
    const bc = transB ? k : n;
    let next = this.dataBase;
    let a: number, b: number, c: number;
    let la = lda;
    let lb = ldb;
    let lc = ldc;
    if (inA) a = A.byteOffset + 8 * aOff;
    else {
      a = next;
      next = align16(a + ar * ac * 8);
      la = ac;
    }
    if (inB) b = B.byteOffset + 8 * bOff;
    else {
      b = next;
      next = align16(b + br * bc * 8);
      lb = bc;
    }
    if (inC) c = C.byteOffset + 8 * cOff;
    else {
      c = next;
      next = c + m * n * 8;
      lc = n;
    }
    const F = this.ensure(next);
    if (!inA) copyIn(F, a >> 3, A, aOff, ar, ac, lda);
    if (!inB) copyIn(F, b >> 3, B, bOff, br, bc, ldb);
    if (!inC && beta !== 0) copyIn(F, c >> 3, C, cOff, m, n, ldc);
    this.kernel(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, la, b, lb, beta, c, lc, this.workAddr(0));
    if (!inC) this.unstage(m, n, c, C, cOff, ldc);
    if (inA && inB && inC) this.residentCalls++;
    else this.stagedCalls++;
  }

  /** Does `gemmResident` fit (only the non-resident operands need room)? */
  fitsResident(m: number, n: number, k: number, A: Float64Array, B: Float64Array, C: Float64Array): boolean {
    const need = (this.holds(A) ? 0 : m * k) + (this.holds(B) ? 0 : k * n) + (this.holds(C) ? 0 : m * n);
    return this.canHold(this.dataBase + 8 * need + 64);
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
    return this.canHold(this.dataBase + 8 * (batch * per + once) + 64 * 3);
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
