/**
 * A tiny WebAssembly binary writer: just what the generated kernels need
 * (one imported memory, a few functions with i32/f64/v128 locals, structured
 * control flow, scalar and SIMD128 loads/stores/arithmetic).
 *
 * Code is built as expression trees: every helper returns a (nested) array of
 * the bytes that push its value (or perform its effect), so kernels read like
 * structured pseudo-code, e.g.
 *   set(x, f64.add(get(x), f64.load(get(p), 8)))
 * Nesting is kept (no copying per level) and flattened once per function.
 * No runtime dependencies, no Node APIs: it runs in browsers too. The output is
 * a pure function of the generator's inputs, so the binary is reproducible.
 */

/** Bytes as a tree: numbers and nested arrays, in order. */
export type Code = (number | Code)[];

/** Flatten a code tree into bytes. */
export function flatten(c: Code, out: number[] = []): number[] {
  for (let i = 0; i < c.length; i++) {
    const x = c[i];
    if (typeof x === "number") out.push(x);
    else flatten(x, out);
  }
  return out;
}

/** Value types (binary encodings). */
export const Ty = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type Ty = (typeof Ty)[keyof typeof Ty];

export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export function sleb(v: number): number[] {
  const out: number[] = [];
  v |= 0;
  while (true) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function f64bytes(x: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, true);
  return Array.from(b);
}

function str(s: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  const out = uleb(items.length);
  for (const it of items) out.push(...it);
  return out;
}

const cat = (...parts: Code[]): Code => parts;

// ---------------------------------------------------------------------------
// Instructions
// ---------------------------------------------------------------------------

export const get = (l: number): Code => [0x20, uleb(l)];
export const set = (l: number, v: Code): Code => [v, 0x21, uleb(l)];
export const tee = (l: number, v: Code): Code => [v, 0x22, uleb(l)];
export const drop = (v: Code): Code => [v, 0x1a];

const bin = (op: number) => (a: Code, b: Code): Code => [a, b, op];
const un = (op: number) => (a: Code): Code => [a, op];
const simd = (op: number): Code => [0xfd, uleb(op)];
const sbin = (op: number) => (a: Code, b: Code): Code => [a, b, simd(op)];

/** memarg: alignment exponent and constant offset (bytes). */
const mem = (align: number, offset: number): Code => [align, uleb(offset)];

export const i32 = {
  const: (v: number): Code => [0x41, sleb(v)],
  add: bin(0x6a),
  sub: bin(0x6b),
  mul: bin(0x6c),
  and: bin(0x71),
  shl: bin(0x74),
  shr_u: bin(0x76),
  eqz: un(0x45),
  eq: bin(0x46),
  ne: bin(0x47),
  lt_s: bin(0x48),
  lt_u: bin(0x49),
  ge_u: bin(0x4f),
  gt_s: bin(0x4a),
  le_s: bin(0x4c),
  ge_s: bin(0x4e),
  /** select(a, b, cond): cond ? a : b */
  select: (a: Code, b: Code, c: Code): Code => [a, b, c, 0x1b],
  load: (addr: Code, offset = 0): Code => [addr, 0x28, mem(2, offset)],
  store: (addr: Code, v: Code, offset = 0): Code => [addr, v, 0x36, mem(2, offset)],
  /** atomic read-modify-write add (shared memory): returns the old value */
  atomicAdd: (addr: Code, v: Code, offset = 0): Code => [addr, v, 0xfe, 0x1e, mem(2, offset)],
};

export const f64 = {
  const: (v: number): Code => [0x44, f64bytes(v)],
  add: bin(0xa0),
  sub: bin(0xa1),
  mul: bin(0xa2),
  div: bin(0xa3),
  eq: bin(0x61),
  ne: bin(0x62),
  select: (a: Code, b: Code, c: Code): Code => [a, b, c, 0x1b],
  load: (addr: Code, offset = 0): Code => [addr, 0x2b, mem(3, offset)],
  store: (addr: Code, v: Code, offset = 0): Code => [addr, v, 0x39, mem(3, offset)],
};

export const v128 = {
  /** unaligned-tolerant 16-byte load (alignment hint 8 bytes) */
  load: (addr: Code, offset = 0): Code => [addr, simd(0x00), mem(3, offset)],
  store: (addr: Code, v: Code, offset = 0): Code => [addr, v, simd(0x0b), mem(3, offset)],
  load64Splat: (addr: Code, offset = 0): Code => [addr, simd(0x0a), mem(3, offset)],
  zero: (): Code => [simd(0x0c), new Array<number>(16).fill(0)],
};

export const i8x16 = {
  /** lanes: 16 byte indices into the concatenation a ‖ b (0..31) */
  shuffle: (a: Code, b: Code, lanes: number[]): Code => [a, b, simd(0x0d), lanes],
};

export const f64x2 = {
  splat: (a: Code): Code => [a, simd(0x14)],
  extractLane: (a: Code, lane: number): Code => [a, simd(0x21), lane],
  add: sbin(0xf0),
  sub: sbin(0xf1),
  mul: sbin(0xf2),
  div: sbin(0xf3),
};

// Control flow (block type 0x40 = no result). Branch depths are relative, as in wasm.
export const block = (...body: Code[]): Code => [0x02, 0x40, body, 0x0b];
export const loop = (...body: Code[]): Code => [0x03, 0x40, body, 0x0b];
export const br = (depth: number): Code => [0x0c, uleb(depth)];
export const brIf = (depth: number, cond: Code): Code => [cond, 0x0d, uleb(depth)];
export const if_ = (cond: Code, then: Code, otherwise?: Code): Code =>
  otherwise !== undefined && flatten(otherwise).length > 0
    ? [cond, 0x04, 0x40, then, 0x05, otherwise, 0x0b]
    : [cond, 0x04, 0x40, then, 0x0b];
export const call = (fn: number, ...args: Code[]): Code => [args, 0x10, uleb(fn)];
export const ret = (): Code => [0x0f];
export const seq = cat;

/**
 * `for (i = init; i < end; i += step) body` over signed i32 (end, step evaluated
 * each iteration). The body must not branch out of the loop except by depth ≥ 2.
 */
export function forLt(i: number, init: Code, end: Code, step: Code, ...body: Code[]): Code {
  return seq(
    set(i, init),
    block(
      brIf(0, i32.ge_s(get(i), end)),
      loop(...body, set(i, i32.add(get(i), step)), brIf(0, i32.lt_s(get(i), end))),
    ),
  );
}

// ---------------------------------------------------------------------------
// Functions and modules
// ---------------------------------------------------------------------------

export class Func {
  readonly params: Ty[];
  readonly results: Ty[];
  readonly locals: Ty[] = [];
  body: Code = [];
  constructor(
    readonly name: string | null,
    params: Ty[],
    results: Ty[] = [],
  ) {
    this.params = params;
    this.results = results;
  }
  /** Declare a local; returns its index. */
  local(t: Ty): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
  locals_(t: Ty, n: number): number[] {
    return Array.from({ length: n }, () => this.local(t));
  }
}

export interface ModuleSpec {
  /** imported memory "env"."memory" */
  memory: { min: number; max?: number; shared?: boolean };
  funcs: Func[];
}

export function encodeModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const { memory, funcs } = spec;
  // types: one per function (duplicates are fine and keep this simple)
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const limFlag = (memory.shared ? 2 : 0) | (memory.max !== undefined ? 1 : 0);
  const limits = [limFlag, ...uleb(memory.min), ...(memory.max !== undefined ? uleb(memory.max) : [])];
  const imports = [[...str("env"), ...str("memory"), 0x02, ...limits]];
  const fnDecl = funcs.map((_, i) => uleb(i));
  const exports = funcs
    .map((f, i) => (f.name ? [...str(f.name), 0x00, ...uleb(i)] : null))
    .filter((x): x is number[] => x !== null);
  const codes = funcs.map((f) => {
    // run-length encode locals by type
    const groups: number[][] = [];
    let i = 0;
    while (i < f.locals.length) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      groups.push([...uleb(j - i), f.locals[i]]);
      i = j;
    }
    const body = [...vec(groups), ...flatten(f.body), 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(fnDecl)),
    ...section(7, vec(exports)),
    ...section(10, vec(codes)),
  ];
  return new Uint8Array(bytes);
}
