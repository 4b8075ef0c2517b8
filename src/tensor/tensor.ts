/**
 * The Tensor type: float64 data, a shape, row-major, immutable from the user's
 * side. Autodiff metadata (the reverse-mode node and forward-mode tangents) is
 * attached by the engine; differentiable methods (add, matmul, …) are installed
 * by src/ops/methods.ts.
 */
import { ArgumentError, ShapeError } from "../errors.js";
import { checkOptions, describe } from "../validate.js";
import { fmtShape, sizeOf, type Shape } from "./shape.js";
import { nodeCount, noteLateExposure, type BatchLink, type GradNode, type TangentLink } from "./meta.js";

/** Element type; float64 only for now (the field exists so float32 can come without an API break). */
export type DType = "float64";

/** Nested number arrays of any depth (a scalar is depth 0). */
export type NestedArray = number | NestedArray[];

/**
 * A tensor as plain JSON (`t.toJSON()`, `JSON.stringify(t)`; read back by
 * `fromJSON`): values flat in row-major order; NaN, ±Infinity and −0, which
 * JSON cannot hold, as the strings "NaN", "Infinity", "-Infinity", "-0".
 */
export interface TensorJSON {
  dtype: "float64";
  shape: number[];
  data: (number | "NaN" | "Infinity" | "-Infinity" | "-0")[];
}

/**
 * Storage states of a tensor (`_x`). The array in `_data` is *private* while
 * only matgrad code holds it: kernels read it, the engine may add into sums it
 * made, and small arrays may be views on a shared allocation chunk
 * (kernels/alloc.ts). The first read of the public `.data` *exposes* the
 * tensor: it gets an array of its own (a copy: one ArrayBuffer of exactly
 * size·8 bytes, shared with no other tensor), which user code may keep,
 * transfer or mutate. A tensor saved by a graph node while private is marked
 * SAVED, so that exposing it later keeps the private array to compare against
 * at backward (see autodiff/engine.ts, checkSaved).
 */
export const PRIVATE = 0, EXPOSED = 1, SAVED = 2;

/** What an exposed tensor keeps for the immutability check at backward. */
export interface Exposure {
  /** The private array that exposure replaced, if a node had saved the tensor (backward compares against it). */
  prev: Float64Array | null;
  /** nodeCount() at exposure: nodes with a sequence number ≤ this saved `prev`. */
  at: number;
  /** Snapshot taken when a node last saved the exposed tensor (shared by nodes while the values match). */
  snap: Float64Array | null;
  /** The number of values at exposure: a smaller length later means user code transferred the buffer (detached). */
  n: number;
}

/**
 * Ops refuse a tensor whose `.data.buffer` user code transferred away
 * (postMessage / structuredClone with `transfer`): its array is detached,
 * length 0, and kernels would read NaN or nothing. Only exposed tensors can
 * be in that state (user code must have read `.data`), so the check is one
 * field test where public functions take their tensor arguments (tensorArg;
 * not in dispatch.apply, whose size decides whether V8 inlines it into every
 * op: measured ≈20% on the 4×4 chain there) and in the reading methods.
 * `what` names the tensor ("argument x", "the tensor").
 */
export function checkAttached(op: string, x: Tensor, what: string): void {
  if (x._data.length !== x._ex!.n)
    throw new ArgumentError(op, `${what} (shape ${fmtShape(x.shape)}) has no values left: its .data.buffer was transferred (postMessage or structuredClone with transfer detaches it); copy the data before transferring it (tensor(t.data) or t.data.slice()) if the tensor is still needed`);
}

/**
 * An immutable N-d array of float64 values (row-major) that takes part in automatic differentiation. Create one
 * with `tensor`, `zeros`, `randn`, …
 */
export class Tensor {
  // the class name survives minification (a bundler renames the class; see src/errors.ts)
  static {
    Object.defineProperty(this, "name", { value: "Tensor" });
  }
  /**
   * Row-major float64 values, as matgrad's own code uses them (never handed
   * to user code while private; see PRIVATE). Not public API: read `.data`.
   */
  _data: Float64Array;
  readonly shape: Shape;
  /** Storage state: PRIVATE, EXPOSED or SAVED (private and saved by a graph node). */
  _x: number = PRIVATE;
  /** Bookkeeping of an exposed tensor (null until exposed: one field, not three, on every op's output). */
  _ex: Exposure | null = null;
  /** Reverse-mode node: the op that produced this tensor, or the leaf accumulator. null = no grad. */
  _node: GradNode | null = null;
  /** Which output of `_node` this tensor is. */
  _outIdx = 0;
  /** Forward-mode tangents, one per active level (innermost first). */
  _fw: TangentLink | null = null;
  /** Inside vmap: the physical tensor this one is a logical slice of, at one vmap level (src/ops/batching.ts); null for plain tensors. */
  _bt: BatchLink | null = null;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;

  /**
   * A tensor over `data` (row-major, not copied) with `shape`. Checked, since
   * the constructor is public: data must be a Float64Array whose length is the
   * product of the shape's sizes (non-negative integers), else ShapeError.
   * The check is a loop over the shape's few entries (no allocation, no
   * string work unless it fails), cheap enough for every op's output.
   */
  constructor(data: Float64Array, shape: Shape) {
    let n = 1;
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i];
      if (!(d >= 0 && Math.floor(d) === d)) n = NaN;
      n *= d;
    }
    if (!(data instanceof Float64Array) || data.length !== n) invalidTensor(data, shape);
    this._data = data;
    this.shape = shape;
  }

  /**
   * Row-major float64 values: an array owned by this tensor alone
   * (`data.buffer.byteLength === size * 8`, offset 0), so it can be
   * transferred to a worker, structured-cloned or serialized without touching
   * any other tensor. Tensors are immutable: writing into `data` while a
   * graph node has saved the tensor for backward makes that backward raise
   * an AutogradError naming the op (reads are free).
   */
  get data(): Float64Array {
    if (this._x !== EXPOSED) this._expose();
    return this._data;
  }

  /** Give the tensor an array of its own that user code may hold (see PRIVATE/EXPOSED). */
  private _expose(): void {
    const priv = this._data;
    const own = new Float64Array(priv.length);
    own.set(priv);
    this._ex = { prev: this._x === SAVED ? priv : null, at: nodeCount(), snap: null, n: own.length };
    if (this._x === SAVED) noteLateExposure();
    this._data = own;
    this._x = EXPOSED;
  }

  /**
   * A tensor with another shape (same size) sharing this one's storage, and
   * its state: an alias of an exposed tensor is exposed too (user code holds
   * the array), so graph nodes that save the alias snapshot it.
   */
  _alias(shape: Shape = this.shape): Tensor {
    const t = new Tensor(this._data, shape);
    if (this._x === EXPOSED) {
      t._x = EXPOSED;
      t._ex = { prev: null, at: nodeCount(), snap: null, n: this._ex!.n };
    }
    return t;
  }

  /** Element type (float64 only, for now; the field keeps room for float32 later). */
  get dtype(): DType {
    return "float64";
  }

  /** Number of entries (the product of the shape). */
  get size(): number {
    return this._data.length;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True if gradients flow back to this tensor (a leaf created with requiresGrad, or computed from one). */
  get requiresGrad(): boolean {
    return this._node !== null;
  }

  /** True for tensors not produced by a recorded op (user-created, or detached). */
  get isLeaf(): boolean {
    return this._node === null || this._node.isLeaf;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this._x === EXPOSED) checkAttached("item", this, "the tensor");
    if (this._data.length !== 1) throw new ArgumentError("item", `only one-element tensors can be converted to a number, got shape ${fmtShape(this.shape)}`);
    return this._data[0];
  }

  /** A flat copy of the values. */
  toArray(): number[] {
    if (this._x === EXPOSED) checkAttached("toArray", this, "the tensor");
    return Array.from(this._data);
  }

  /** Nested arrays matching the shape (a number for a 0-d tensor). */
  toNested(): NestedArray {
    if (this._x === EXPOSED) checkAttached("toNested", this, "the tensor");
    return toNested(this._data, this.shape, 0, 0);
  }

  /**
   * A readable print, as PyTorch's: integers as `3.`, otherwise `precision`
   * (default 4) decimals, switching to scientific notation when the finite
   * nonzero magnitudes need it (largest > 1e8, smallest < 1e-4, or a range
   * wider than 1000×), so small entries stay visible next to large ones.
   */
  toString(opts: { precision?: number } = {}): string {
    checkOptions("toString", opts, ["precision"], "opts");
    opts ??= {};
    const p = opts.precision ?? 4;
    if (!Number.isInteger(p) || p < 0 || p > 20) throw new ArgumentError("toString", `option precision must be an integer in [0, 20]; got ${describe(p)}`);
    if (this._x === EXPOSED) checkAttached("toString", this, "the tensor");
    return formatTensor(this, p);
  }

  /**
   * The documented JSON form `{ dtype: "float64", shape, data }` (see
   * TensorJSON), so `JSON.stringify(t)` writes that and not the internals;
   * `fromJSON` reads it back. The argument JSON.stringify passes (the key) is ignored.
   */
  toJSON(): TensorJSON {
    if (this._x === EXPOSED) checkAttached("toJSON", this, "the tensor");
    const x = this._data;
    const data: TensorJSON["data"] = new Array<TensorJSON["data"][number]>(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      // JSON.stringify would write NaN and ±Infinity as null and −0 as 0
      data[i] = v === v ? (v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : Object.is(v, -0) ? "-0" : v) : "NaN";
    }
    return { dtype: "float64", shape: this.shape.slice(), data };
  }

  /** Node's console.log / util.inspect print a tensor as toString() does (no node import: the symbol is global). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** The ShapeError of a Tensor constructed from mismatched data and shape. */
function invalidTensor(data: unknown, shape: unknown): never {
  if (!Array.isArray(shape))
    throw new ShapeError("Tensor", `argument shape must be an array of non-negative integers; got ${describe(shape)}`);
  const bad = shape.findIndex((d) => typeof d !== "number" || !(d >= 0 && Math.floor(d) === d));
  if (bad >= 0)
    throw new ShapeError("Tensor", `argument shape must be an array of non-negative integers; got ${fmtShape(shape.map((d) => (typeof d === "number" ? d : NaN)))} (entry ${bad} is ${describe(shape[bad])})`);
  if (!(data instanceof Float64Array))
    throw new ShapeError("Tensor", `argument data must be a Float64Array; got ${describe(data)} (use tensor() to convert other arrays)`);
  throw new ShapeError("Tensor", `data has ${data.length} values but shape ${fmtShape(shape as number[])} needs ${sizeOf(shape as number[])}`);
}

function toNested(data: Float64Array, shape: Shape, axis: number, off: number): NestedArray {
  if (axis === shape.length) return data[off];
  const n = shape[axis];
  const stride = sizeOf(shape.slice(axis + 1));
  const out: NestedArray[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = toNested(data, shape, axis + 1, off + i * stride);
  return out;
}

function formatTensor(t: Tensor, precision: number): string {
  const vals = Array.from(t._data);
  // PyTorch's _Formatter: over the finite nonzero magnitudes, scientific
  // notation when max > 1e8 or max/min > 1000, and (non-integers) min < 1e-4.
  let allInt = true, minAbs = Infinity, maxAbs = 0;
  for (const v of vals) {
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allInt = false;
    const a = Math.abs(v);
    if (a === 0) continue;
    if (a < minAbs) minAbs = a;
    if (a > maxAbs) maxAbs = a;
  }
  const sci = maxAbs > 0 && (maxAbs > 1e8 || maxAbs / minAbs > 1000 || (!allInt && minAbs < 1e-4));
  const fmt = (v: number): string => {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
    if (sci) {
      // 1.2340e-08 (two exponent digits at least, as NumPy and PyTorch print)
      const [m, e] = v.toExponential(precision).split("e");
      const ex = Number(e);
      return `${m}e${ex < 0 ? "-" : "+"}${String(Math.abs(ex)).padStart(2, "0")}`;
    }
    if (allInt) return v.toFixed(0) + ".";
    return v.toFixed(precision);
  };
  const strs = vals.map(fmt);
  const width = strs.reduce((m, s) => Math.max(m, s.length), 0);
  const pad = (s: string): string => s.padStart(width);
  const rec = (axis: number, off: number, indent: number): string => {
    if (axis === t.shape.length) return pad(strs[off]);
    const n = t.shape[axis];
    const stride = sizeOf(t.shape.slice(axis + 1));
    const items: string[] = [];
    const summarize = n > 12;
    for (let i = 0; i < n; i++) {
      if (summarize && i === 3) {
        items.push("...");
        i = n - 4;
        continue;
      }
      items.push(rec(axis + 1, off + i * stride, indent + 1));
    }
    if (axis === t.shape.length - 1) return "[" + items.join(", ") + "]";
    const nl = "\n".repeat(t.shape.length - axis - 1);
    return "[" + items.join("," + nl + " ".repeat(indent + 1)) + "]";
  };
  const prefix = "tensor(";
  let body = rec(0, 0, prefix.length);
  if (t.size === 0) body = `[], shape=${fmtShape(t.shape)}`;
  const extra = t._node && !t._node.isLeaf ? `, gradFn=${t._node.name}` : t.requiresGrad ? ", requiresGrad=true" : "";
  return `${prefix}${body}${extra})`;
}
