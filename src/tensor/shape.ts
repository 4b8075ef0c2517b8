/** Shape arithmetic: pure functions over number[] shapes (no tensors). */
import { ArgumentError, ShapeError } from "../errors.js";
import { describe } from "../validate.js";

/** A tensor's shape: the size of each axis. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let s = 1;
  for (let i = 0; i < shape.length; i++) s *= shape[i];
  return s;
}

export function stridesOf(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fmtShape(s: Shape): string {
  // String() per entry: a message about a bad shape must not itself throw (a Symbol in a join would)
  return `[${Array.prototype.map.call(s, String).join(", ")}]`;
}

/** NumPy broadcasting of two shapes; throws a ShapeError naming the op. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  if (b.length === 0 || shapesEqual(a, b)) return a as number[];
  if (a.length === 0) return b as number[];
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else
      throw new ShapeError(
        op,
        `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (axis ${i - n} has ${da} vs ${db})`,
      );
  }
  return out;
}

/**
 * The public `broadcastShapes(...shapes)` (torch.broadcast_shapes): the shape
 * all the given shapes broadcast to; ShapeError when they do not.
 */
export function broadcastShapesOf(...shapes: Shape[]): number[] {
  let out: number[] = [];
  shapes.forEach((s, i) => {
    if (!Array.isArray(s) || s.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0))
      throw new ArgumentError("broadcastShapes", `argument shapes[${i}] must be an array of non-negative integers; got ${Array.isArray(s) ? `[${s.map(String).join(", ")}]` : describe(s)}`);
    out = broadcastShapes("broadcastShapes", out, s);
  });
  return out.slice();
}

/** True if `from` broadcasts to `to` (NumPy rules, right-aligned). */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) if (from[i] !== 1 && from[i] !== to[i + off]) return false;
  return true;
}

/** Normalize an axis (negative counts from the end) against a rank. */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis)) throw new ArgumentError(op, `axis must be an integer; got ${describe(axis)}`);
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ArgumentError(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** Normalize a list of axes (undefined = all), sorted, unique. */
export function normAxes(op: string, axes: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  if (!Array.isArray(list))
    throw new ArgumentError(op, `argument axes must be an integer, an array of integers or null (all axes); got ${describe(axes)}`);
  const out = list.map((a) => normAxis(op, a, rank));
  out.sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++)
    if (out[i] === out[i - 1]) throw new ArgumentError(op, `axis ${out[i]} repeated in ${fmtShape(list)}`);
  return out;
}

/** Shape after reducing `axes`; keepdims leaves size-1 axes in place. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

/** Infer a -1 entry in a reshape target. */
export function resolveReshape(op: string, from: Shape, to: readonly number[]): number[] {
  const size = sizeOf(from);
  let neg = -1;
  let known = 1;
  for (let i = 0; i < to.length; i++) {
    const d = to[i];
    if (d === -1) {
      if (neg >= 0) throw new ArgumentError(op, `only one -1 allowed in shape ${fmtShape(to)}`);
      neg = i;
    } else if (!Number.isInteger(d) || d < 0)
      throw new ArgumentError(op, `invalid dimension ${typeof d === "number" ? d : describe(d)} at index ${i} of shape [${to.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ")}] (sizes are non-negative integers, one may be -1)`);
    else known *= d;
  }
  const out = to.slice();
  if (neg >= 0) {
    if (known === 0 || size % known !== 0)
      throw new ShapeError(op, `cannot reshape tensor of shape ${fmtShape(from)} (size ${size}) to ${fmtShape(to)}`);
    out[neg] = size / known;
  } else if (known !== size)
    throw new ShapeError(op, `cannot reshape tensor of shape ${fmtShape(from)} (size ${size}) to ${fmtShape(to)} (size ${known})`);
  return out;
}
