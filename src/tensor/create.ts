/** Tensor creation. */
import { Tensor, type NestedArray } from "./tensor.js";
import { LeafNode } from "./meta.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { fmtShape, sizeOf, type Shape } from "./shape.js";
import { defaultGenerator, type Generator } from "./random.js";
import { alloc } from "../kernels/alloc.js";
import { markDiagonal } from "./structure.js";

export interface TensorOptions {
  /** Make the result a leaf that accumulates gradients in `.grad`. */
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  /** Use a fresh generator with this seed (reproducible regardless of global state). */
  seed?: number;
  /** Or use this generator. Defaults to the global one (see manualSeed). */
  generator?: Generator;
}

function finish(t: Tensor, opts?: TensorOptions): Tensor {
  if (opts?.requiresGrad) t._node = new LeafNode(t);
  return t;
}

function checkShape(op: string, shape: Shape): number[] {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) throw new ArgumentError(op, `invalid shape ${fmtShape(shape)}`);
  return shape.slice();
}

export function scalar(v: number, opts?: TensorOptions): Tensor {
  const data = new Float64Array(1);
  data[0] = v;
  return finish(new Tensor(data, []), opts);
}

/** Infer the shape of a (rectangular) nested array and flatten it. */
export function fromNested(x: NestedArray): Tensor {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const out = new Float64Array(sizeOf(shape));
  let k = 0;
  const walk = (v: NestedArray, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof v !== "number") throw new ShapeError("tensor", `ragged nested array at ${path || "top level"}: expected a number`);
      out[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis])
      throw new ShapeError("tensor", `ragged nested array at ${path || "top level"}: expected length ${shape[axis]}, got ${Array.isArray(v) ? v.length : "a number"}`);
    for (let i = 0; i < v.length; i++) walk(v[i], axis + 1, `${path}[${i}]`);
  };
  walk(x, 0, "");
  return new Tensor(out, shape);
}

/**
 * Create a tensor from nested arrays, a number, or flat data with a shape:
 * `tensor([[1, 2], [3, 4]])`, `tensor(3)`, `tensor(new Float64Array(6), { shape: [2, 3] })`.
 */
export function tensor(
  data: NestedArray | Float64Array | readonly number[],
  opts: TensorOptions & { shape?: readonly number[] } = {},
): Tensor {
  let t: Tensor;
  if (data instanceof Float64Array || (opts.shape !== undefined && Array.isArray(data))) {
    const flat = data instanceof Float64Array ? data.slice() : Float64Array.from(data as number[]);
    const shape = checkShape("tensor", opts.shape ?? [flat.length]);
    if (sizeOf(shape) !== flat.length)
      throw new ShapeError("tensor", `${flat.length} values cannot have shape ${fmtShape(shape)}`);
    t = new Tensor(flat, shape);
  } else if (typeof data === "number") t = new Tensor(Float64Array.of(data), []);
  else t = fromNested(data as NestedArray);
  return finish(t, opts);
}

export function full(shape: Shape, value: number, opts?: TensorOptions): Tensor {
  const s = checkShape("full", shape);
  return finish(new Tensor(alloc(sizeOf(s)).fill(value), s), opts);
}

export const zeros = (shape: Shape, opts?: TensorOptions): Tensor => full(shape, 0, opts);
export const ones = (shape: Shape, opts?: TensorOptions): Tensor => full(shape, 1, opts);
export const zerosLike = (t: Tensor, opts?: TensorOptions): Tensor => full(t.shape, 0, opts);
export const onesLike = (t: Tensor, opts?: TensorOptions): Tensor => full(t.shape, 1, opts);
export const fullLike = (t: Tensor, value: number, opts?: TensorOptions): Tensor => full(t.shape, value, opts);

/** n×m identity (m defaults to n); batch shape optional: eye(3, 3, { batch: [2] }) is 2×3×3. */
export function eye(n: number, m = n, opts: TensorOptions & { batch?: readonly number[] } = {}): Tensor {
  const batch = checkShape("eye", opts.batch ?? []);
  const s = checkShape("eye", [...batch, n, m]);
  const data = new Float64Array(sizeOf(s));
  const bs = sizeOf(batch);
  for (let b = 0; b < bs; b++) for (let i = 0; i < Math.min(n, m); i++) data[b * n * m + i * m + i] = 1;
  if (n === m) markDiagonal(data, n);
  return finish(new Tensor(data, s), opts);
}

/** Values from start (inclusive) to end (exclusive) by step; arange(n) = [0, …, n−1]. */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new ArgumentError("arange", "step must be nonzero");
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(new Tensor(data, [n]), opts);
}

/** `num` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, num: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ArgumentError("linspace", `num must be a non-negative integer, got ${num}`);
  const data = new Float64Array(num);
  const step = num > 1 ? (end - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (num > 1) data[num - 1] = end;
  return finish(new Tensor(data, [num]), opts);
}

function gen(opts?: RandomOptions): Generator {
  if (opts?.generator) return opts.generator;
  if (opts?.seed !== undefined) {
    const G = defaultGenerator.constructor as new (seed: number) => Generator;
    return new G(opts.seed);
  }
  return defaultGenerator;
}

/** Uniform [0, 1) samples. */
export function rand(shape: Shape, opts?: RandomOptions): Tensor {
  const s = checkShape("rand", shape);
  const g = gen(opts);
  const data = new Float64Array(sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = g.uniform();
  return finish(new Tensor(data, s), opts);
}

/** Standard normal samples. */
export function randn(shape: Shape, opts?: RandomOptions): Tensor {
  const s = checkShape("randn", shape);
  const g = gen(opts);
  const data = new Float64Array(sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return finish(new Tensor(data, s), opts);
}
