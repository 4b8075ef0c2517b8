/** Tensor creation. */
import { EXPOSED, Tensor, checkAttached, type NestedArray } from "./tensor.js";
import { LeafNode, liveVmaps, type VmapFrame } from "./meta.js";
import { makeBatched } from "./batched.js";
import { ArgumentError, BatchingError, ShapeError } from "../errors.js";
import { checkFinite, checkInt, checkOptions, describe } from "../validate.js";
import { fmtShape, sizeOf, type Shape } from "./shape.js";
import { checkSeed, defaultGenerator, Generator } from "./random.js";
import { alloc } from "../kernels/alloc.js";
import { markDiagonal } from "./structure.js";

/** Options of the tensor constructors. */
export interface TensorOptions {
  /** Make the result a leaf that accumulates gradients in `.grad`. */
  requiresGrad?: boolean;
}

/** Options of the random constructors (`rand`, `randn`): a seed or a generator. */
export interface RandomOptions extends TensorOptions {
  /** Use a fresh generator with this seed (reproducible regardless of global state). */
  seed?: number;
  /** Or use this generator. Defaults to the global one (see manualSeed). */
  generator?: Generator;
}

function finish(op: string, t: Tensor, opts?: TensorOptions): Tensor {
  const rg = opts?.requiresGrad;
  if (rg === true) t._node = new LeafNode(t);
  else if (rg !== undefined && rg !== false) throw new ArgumentError(op, `option requiresGrad must be true or false; got ${describe(rg)}`);
  return t;
}

/**
 * A shape: an array of non-negative integers. `what` names it in the message
 * ("argument shape", "option batch").
 */
export function checkShape(op: string, shape: unknown, what = "argument shape"): number[] {
  if (!Array.isArray(shape) && !(ArrayBuffer.isView(shape) && !(shape instanceof DataView)))
    throw new ArgumentError(op, `${what} must be an array of non-negative integers; got ${describe(shape)}`);
  const s = Array.from(shape as ArrayLike<unknown>);
  for (let i = 0; i < s.length; i++) {
    const d = s[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0)
      throw new ArgumentError(op, `${what} must be an array of non-negative integers; got [${s.map((x) => (typeof x === "number" ? String(x) : typeof x === "string" ? JSON.stringify(x) : String(x))).join(", ")}] (entry ${i} is ${describe(d)})`);
  }
  checkCount(op, s as number[], what);
  return s as number[];
}

/**
 * A shape's number of entries must not exceed MAX_CREATE (2³¹ − 1, 16 GiB of
 * float64): beyond it the typed-array allocation would fail with an untyped
 * RangeError, so say so here, naming the op and the shape.
 */
function checkCount(op: string, s: readonly number[], what: string): void {
  let n = 1;
  for (const d of s) n *= d;
  if (n > MAX_CREATE)
    throw new ArgumentError(op, `${what} [${s.join(", ")}] has ${n} entries, more than the limit ${MAX_CREATE} (2³¹ − 1)`);
}

/** A 0-d tensor holding `v`. */
export function scalar(v: number, opts?: TensorOptions): Tensor {
  if (typeof v !== "number") throw new ArgumentError("scalar", `argument v must be a number; got ${describe(v)}`);
  const data = new Float64Array(1);
  data[0] = v;
  return finish("scalar", new Tensor(data, []), opts);
}

/** Any typed array except DataView (Float32Array, Int32Array, BigInt64Array, …). */
export type TypedArray =
  | Float64Array | Float32Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

function isTypedArray(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** An array level of nested data: a JS array or a typed array (always the last axis). */
function isLevel(v: unknown): v is readonly unknown[] | TypedArray {
  return Array.isArray(v) || isTypedArray(v);
}

const EXPECTED = "a tensor, a number or a nested array of numbers";

/**
 * Infer the shape of rectangular nested data (arrays of arrays of numbers, typed
 * arrays as rows) and flatten it to float64. `op` and `arg` name the call and
 * the argument in errors: a non-number entry is an ArgumentError giving its
 * path (`b[0][1]`), a ragged array a ShapeError giving where the lengths differ.
 */
export function fromNested(x: unknown, op = "tensor", arg = "data"): Tensor {
  const shape: number[] = [];
  let cur: unknown = x;
  while (isLevel(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const out = new Float64Array(sizeOf(shape));
  let k = 0;
  const path = (p: readonly number[]): string => arg + p.map((i) => `[${i}]`).join("");
  const idx: number[] = [];
  const bad = (v: unknown): never => {
    const where = idx.length > 0 ? ` at ${path(idx)}` : "";
    if (v instanceof Tensor)
      throw new ArgumentError(op, `argument ${arg} must be ${EXPECTED}; got ${describe(v)}${where} (use stack() to combine tensors)`);
    throw new ArgumentError(op, `argument ${arg} must be ${EXPECTED}; got ${describe(v)}${where}`);
  };
  const ragged = (what: string): never => {
    const like = idx.slice();
    like[like.length - 1] = 0;
    throw new ShapeError(op, `argument ${arg} is a ragged nested array: ${path(idx)} ${what} (like ${path(like)}); every row of an axis must have the same length`);
  };
  const walk = (v: unknown, axis: number): void => {
    if (axis === shape.length) {
      if (typeof v === "number") out[k++] = v;
      else if (isLevel(v)) ragged(`is an array, expected a number`);
      else bad(v);
      return;
    }
    if (!isLevel(v)) {
      if (typeof v === "number") ragged(`is the number ${v}, expected an array of length ${shape[axis]}`);
      bad(v);
      return;
    }
    if (v.length !== shape[axis]) ragged(`has length ${v.length}, expected ${shape[axis]}`);
    if (isTypedArray(v)) {
      // typed arrays hold numbers (or bigints, converted) and are always the last axis
      if (axis !== shape.length - 1) ragged(`is a typed array, expected an array of arrays`);
      for (let i = 0; i < v.length; i++) out[k++] = Number(v[i]);
      return;
    }
    for (let i = 0; i < v.length; i++) {
      idx.push(i);
      walk(v[i], axis + 1);
      idx.pop();
    }
  };
  if (!isLevel(x)) {
    if (typeof x === "number") return new Tensor(Float64Array.of(x), []);
    if (x === undefined) throw new ArgumentError(op, `argument ${arg} is missing (got undefined); expected ${EXPECTED}`);
    bad(x);
  }
  walk(x, 0);
  return new Tensor(out, shape);
}

/**
 * The tensor for an op argument: a tensor as is, a number as a 0-d tensor,
 * nested arrays / typed arrays converted. `op` and `arg` name the call and the
 * argument in the error for anything else (`add: argument b must be a tensor,
 * a number or a nested array of numbers; got the string "a"`); they are string
 * constants, so a Tensor or a number costs one type test and no string work.
 */
export function tensorArg(x: unknown, op: string, arg: string): Tensor {
  if (x instanceof Tensor) {
    if (x._x === EXPOSED) checkAttached(op, x, `argument ${arg}`);
    return x;
  }
  if (typeof x === "number") return scalar(x);
  return fromNested(x, op, arg);
}

/** Everything `tensor()` accepts: nested arrays of numbers, a number, any typed array (or an array of them as rows), or a tensor (copied). */
export type TensorData = NestedArray | TypedArray | readonly number[] | readonly TypedArray[] | Tensor;

const TENSOR_OPTIONS = ["requiresGrad", "shape"] as const;

/**
 * Create a tensor from nested arrays, a number, any typed array (converted to
 * float64: Float32Array, Int32Array, …), or flat data with a shape:
 * `tensor([[1, 2], [3, 4]])`, `tensor(3)`, `tensor(new Float32Array(6), { shape: [2, 3] })`.
 * The data is always copied.
 */
export function tensor(data: TensorData, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  checkOptions("tensor", opts, TENSOR_OPTIONS);
  let t: Tensor;
  if (data instanceof Tensor) t = new Tensor(data._data.slice(), data.shape.slice());
  else if (data instanceof Float64Array && opts.shape === undefined) t = new Tensor(data.slice(), [data.length]);
  else t = fromNested(data, "tensor", "data");
  if (opts.shape !== undefined) {
    const shape = checkShape("tensor", opts.shape, "option shape");
    if (sizeOf(shape) !== t.size)
      throw new ShapeError("tensor", `${t.size} values cannot have shape ${fmtShape(shape)} (size ${sizeOf(shape)})`);
    t = t._alias(shape); // t holds a fresh copy
  }
  return finish("tensor", t, opts);
}

const CREATE_OPTIONS = ["requiresGrad"] as const;

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, opts?: TensorOptions): Tensor {
  return fullOf("full", shape, value, opts);
}

function fullOf(op: string, shape: Shape, value: number, opts?: TensorOptions): Tensor {
  checkOptions(op, opts, CREATE_OPTIONS);
  const s = checkShape(op, shape);
  if (typeof value !== "number") throw new ArgumentError(op, `argument value must be a number; got ${describe(value)}`);
  return finish(op, new Tensor(alloc(sizeOf(s)).fill(value), s), opts);
}

function likeShape(op: string, t: Tensor): Shape {
  if (!(t instanceof Tensor)) throw new ArgumentError(op, `argument t must be a tensor; got ${describe(t)}`);
  return t.shape;
}

/** A tensor of `shape` filled with 0. */
export const zeros = (shape: Shape, opts?: TensorOptions): Tensor => fullOf("zeros", shape, 0, opts);
/** A tensor of `shape` filled with 1. */
export const ones = (shape: Shape, opts?: TensorOptions): Tensor => fullOf("ones", shape, 1, opts);
/** Zeros of the shape of `t`. */
export const zerosLike = (t: Tensor, opts?: TensorOptions): Tensor => fullOf("zerosLike", likeShape("zerosLike", t), 0, opts);
/** Ones of the shape of `t`. */
export const onesLike = (t: Tensor, opts?: TensorOptions): Tensor => fullOf("onesLike", likeShape("onesLike", t), 1, opts);
/** A tensor of the shape of `t` filled with `value`. */
export const fullLike = (t: Tensor, value: number, opts?: TensorOptions): Tensor => fullOf("fullLike", likeShape("fullLike", t), value, opts);

/** n×m identity (m defaults to n); batch shape optional: eye(3, 3, { batch: [2] }) is 2×3×3. */
export function eye(n: number, m = n, opts: TensorOptions & { batch?: readonly number[] } = {}): Tensor {
  checkOptions("eye", opts, ["requiresGrad", "batch"]);
  checkInt("eye", "argument n", n, 0);
  checkInt("eye", "argument m", m, 0);
  const batch = checkShape("eye", opts.batch ?? [], "option batch");
  const s = [...batch, n, m];
  checkCount("eye", s, "shape");
  const data = new Float64Array(sizeOf(s));
  const bs = sizeOf(batch);
  for (let b = 0; b < bs; b++) for (let i = 0; i < Math.min(n, m); i++) data[b * n * m + i * m + i] = 1;
  if (n === m) markDiagonal(data, n);
  return finish("eye", new Tensor(data, s), opts);
}

/**
 * Largest tensor the creation functions make from a count or a range
 * (2³¹ − 1 entries, 16 GiB of float64): a larger request is a mistake (a
 * tiny step, a swapped argument), not an allocation to attempt.
 */
const MAX_CREATE = 2 ** 31 - 1;

/** Values from start (inclusive) to end (exclusive) by step; arange(n) = [0, …, n−1]. */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  checkOptions("arange", opts, CREATE_OPTIONS);
  if (end === undefined) {
    checkFinite("arange", "argument end", start);
    end = start;
    start = 0;
  } else {
    checkFinite("arange", "argument start", start);
    checkFinite("arange", "argument end", end);
  }
  checkFinite("arange", "argument step", step);
  if (step === 0) throw new ArgumentError("arange", "argument step must be nonzero; got 0");
  const count = Math.ceil((end - start) / step);
  if (!(count <= MAX_CREATE))
    throw new ArgumentError("arange", `[${start}, ${end}) by step ${step} has ${count} values, more than the limit ${MAX_CREATE}`);
  const n = Math.max(0, count);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish("arange", new Tensor(data, [n]), opts);
}

/** `num` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, num: number, opts?: TensorOptions): Tensor {
  checkOptions("linspace", opts, CREATE_OPTIONS);
  checkFinite("linspace", "argument start", start);
  checkFinite("linspace", "argument end", end);
  checkInt("linspace", "argument num", num, 0, MAX_CREATE);
  const data = new Float64Array(num);
  const step = num > 1 ? (end - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (num > 1) data[num - 1] = end;
  return finish("linspace", new Tensor(data, [num]), opts);
}

const RANDOM_OPTIONS = ["requiresGrad", "seed", "generator"] as const;

function gen(op: string, opts?: RandomOptions): Generator {
  checkOptions(op, opts, RANDOM_OPTIONS);
  if (opts?.generator !== undefined) {
    if (!(opts.generator instanceof Generator))
      throw new ArgumentError(op, `option generator must be a Generator; got ${describe(opts.generator)}`);
    if (opts.seed !== undefined) throw new ArgumentError(op, "give either option seed or option generator, not both");
    return opts.generator;
  }
  if (opts?.seed !== undefined) {
    checkSeed(op, "option seed", opts.seed);
    return new Generator(opts.seed);
  }
  return defaultGenerator;
}

/**
 * Random draws of `shape` under the vmap randomness rule (torch.func.vmap's):
 * outside vmap a plain draw; inside, "error" raises, "same" draws one value
 * shared by the batch, "different" draws one per example — a physical
 * tensor with one leading axis per such vmap, wrapped as a batched tensor.
 */
function draw(op: string, shape: Shape, opts: RandomOptions | undefined, sample: (g: Generator) => number): Tensor {
  const g = gen(op, opts);
  const s = checkShape(op, shape);
  const frames = liveVmaps();
  const per = frames.length === 0 ? [] : batchedFrames(op, frames);
  const phys = [...per.map((f) => f.size), ...s];
  if (sizeOf(phys) > MAX_CREATE) throw new ArgumentError(op, `the batched draw [${phys.join(", ")}] has more than ${MAX_CREATE} (2³¹ − 1) entries`);
  const data = new Float64Array(sizeOf(phys));
  for (let i = 0; i < data.length; i++) data[i] = sample(g);
  let t = new Tensor(data, phys);
  // wrap outermost first: the value of an inner batched tensor is the outer one
  for (const f of per) t = makeBatched(t, f.level, f.size);
  return finish(op, t, opts);
}

function batchedFrames(op: string, frames: readonly VmapFrame[]): VmapFrame[] {
  if (frames.some((f) => f.randomness === "error"))
    throw new BatchingError(op, `random numbers drawn inside vmap, whose option randomness is "error" (the default): pass randomness "different" (each example draws its own values) or "same" (one draw shared by the batch), or draw outside vmap and pass the values in`);
  return frames.filter((f) => f.randomness === "different");
}

/** Uniform [0, 1) samples. Inside vmap, see the `randomness` option of vmap. */
export function rand(shape: Shape, opts?: RandomOptions): Tensor {
  return draw("rand", shape, opts, (g) => g.uniform());
}

/** Standard normal samples. Inside vmap, see the `randomness` option of vmap. */
export function randn(shape: Shape, opts?: RandomOptions): Tensor {
  return draw("randn", shape, opts, (g) => g.normal());
}

/** Standard normal samples, ignoring vmap (matgrad's own probes: linearize's tracing tangents). @internal */
export function randnPlain(shape: Shape, seed: number): Tensor {
  const g = new Generator(seed);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return new Tensor(data, shape.slice());
}
