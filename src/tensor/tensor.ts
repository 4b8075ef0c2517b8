/**
 * The Tensor type: float64 data, a shape, row-major, immutable from the user's
 * side. Autodiff metadata (the reverse-mode node and forward-mode tangents) is
 * attached by the engine; differentiable methods (add, matmul, …) are installed
 * by src/ops/methods.ts.
 */
import { ArgumentError } from "../errors.js";
import { fmtShape, sizeOf, type Shape } from "./shape.js";
import type { GradNode, TangentLink } from "./meta.js";

export type DType = "float64";

/** Nested number arrays of any depth (a scalar is depth 0). */
export type NestedArray = number | NestedArray[];

export class Tensor {
  /** Row-major float64 values. Treat as read-only. */
  readonly data: Float64Array;
  readonly shape: Shape;
  /** Reverse-mode node: the op that produced this tensor, or the leaf accumulator. null = no grad. */
  _node: GradNode | null = null;
  /** Which output of `_node` this tensor is. */
  _outIdx = 0;
  /** Forward-mode tangents, one per active level (innermost first). */
  _fw: TangentLink | null = null;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;

  constructor(data: Float64Array, shape: Shape) {
    this.data = data;
    this.shape = shape;
  }

  /** Element type (float64 only, for now; the field keeps room for float32 later). */
  get dtype(): DType {
    return "float64";
  }

  get size(): number {
    return this.data.length;
  }

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
    if (this.data.length !== 1) throw new ArgumentError("item", `only one-element tensors can be converted to a number, got shape ${fmtShape(this.shape)}`);
    return this.data[0];
  }

  /** A flat copy of the values. */
  toArray(): number[] {
    return Array.from(this.data);
  }

  /** Nested arrays matching the shape (a number for a 0-d tensor). */
  toNested(): NestedArray {
    return toNested(this.data, this.shape, 0, 0);
  }

  toString(opts: { precision?: number } = {}): string {
    return formatTensor(this, opts.precision ?? 4);
  }
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
  const vals = Array.from(t.data);
  const allInt = vals.every((v) => Number.isInteger(v) && Math.abs(v) < 1e15);
  const maxAbs = vals.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
  const sci = !allInt && maxAbs !== 0 && (maxAbs >= 1e5 || maxAbs < 1e-3);
  const fmt = (v: number): string => {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
    if (allInt) return v.toFixed(0) + ".";
    return sci ? v.toExponential(precision) : v.toFixed(precision);
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
