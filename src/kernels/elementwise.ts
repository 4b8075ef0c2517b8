import { allocUninit } from "./alloc.js";
/**
 * Elementwise kernels over Float64Array: unary maps and broadcasting binary /
 * ternary maps. Numbers only; shapes are plain number arrays.
 */

export type UnaryOp =
  | "neg" | "exp" | "log" | "sqrt" | "abs" | "sin" | "cos" | "tan" | "tanh"
  | "sigmoid" | "relu" | "sign" | "reciprocal" | "square" | "expm1" | "log1p" | "step";

export function unary(op: UnaryOp, a: Float64Array): Float64Array {
  const n = a.length;
  const o = allocUninit(n);
  switch (op) {
    case "neg": for (let i = 0; i < n; i++) o[i] = -a[i]; break;
    case "exp": for (let i = 0; i < n; i++) o[i] = Math.exp(a[i]); break;
    case "log": for (let i = 0; i < n; i++) o[i] = Math.log(a[i]); break;
    case "sqrt": for (let i = 0; i < n; i++) o[i] = Math.sqrt(a[i]); break;
    case "abs": for (let i = 0; i < n; i++) o[i] = Math.abs(a[i]); break;
    case "sin": for (let i = 0; i < n; i++) o[i] = Math.sin(a[i]); break;
    case "cos": for (let i = 0; i < n; i++) o[i] = Math.cos(a[i]); break;
    case "tan": for (let i = 0; i < n; i++) o[i] = Math.tan(a[i]); break;
    case "tanh": for (let i = 0; i < n; i++) o[i] = Math.tanh(a[i]); break;
    case "sigmoid":
      // numerically stable in both tails
      for (let i = 0; i < n; i++) {
        const x = a[i];
        if (x >= 0) o[i] = 1 / (1 + Math.exp(-x));
        else {
          const e = Math.exp(x);
          o[i] = e / (1 + e);
        }
      }
      break;
    // NaN in, NaN out (as PyTorch): relu(NaN) = NaN, step(NaN) = NaN (so relu's derivative at NaN is NaN, not 0)
    case "relu": for (let i = 0; i < n; i++) { const x = a[i]; o[i] = x > 0 ? x : x === x ? 0 : NaN; } break;
    case "sign": for (let i = 0; i < n; i++) o[i] = a[i] > 0 ? 1 : a[i] < 0 ? -1 : a[i] === 0 ? 0 : NaN; break;
    case "step": for (let i = 0; i < n; i++) { const x = a[i]; o[i] = x > 0 ? 1 : x === x ? 0 : NaN; } break;
    case "reciprocal": for (let i = 0; i < n; i++) o[i] = 1 / a[i]; break;
    case "square": for (let i = 0; i < n; i++) o[i] = a[i] * a[i]; break;
    case "expm1": for (let i = 0; i < n; i++) o[i] = Math.expm1(a[i]); break;
    case "log1p": for (let i = 0; i < n; i++) o[i] = Math.log1p(a[i]); break;
    default: return unhandled(op); // every entry is written above (the output is not zeroed)
  }
  return o;
}

/** a·s for a number s. */
export function scale(a: Float64Array, s: number): Float64Array {
  const n = a.length;
  const o = allocUninit(n);
  for (let i = 0; i < n; i++) o[i] = a[i] * s;
  return o;
}

export type BinaryOp =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum"
  | "gt" | "ge" | "lt" | "le" | "eq" | "ne" | "atan2"
  /** clamp's selection masks: 1 where the bound b replaces x (x beyond it, or b NaN so that NaN propagates). */
  | "belowOrNaN" | "aboveOrNaN";

/** One strided row of a binary op: o[oi + j] = a[ai + j*as] ∘ b[bi + j*bs], j < n. */
function binaryRow(
  op: BinaryOp, a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number,
  o: Float64Array, oi: number, n: number,
): void {
  if (as === 1 && bs === 1) {
    // unit strides (the rows of merged broadcasts): loops without index arithmetic for the common ops
    const d = bi - ai, e = oi - ai, end = ai + n;
    switch (op) {
      case "add": for (let i = ai; i < end; i++) o[i + e] = a[i] + b[i + d]; return;
      case "sub": for (let i = ai; i < end; i++) o[i + e] = a[i] - b[i + d]; return;
      case "mul": for (let i = ai; i < end; i++) o[i + e] = a[i] * b[i + d]; return;
      case "div": for (let i = ai; i < end; i++) o[i + e] = a[i] / b[i + d]; return;
    }
  } else if (as === 0 && bs === 1) {
    // one value of a against a row of b (a per-row scalar: outer products, per-example scales)
    const v = a[ai], d = oi - bi, end = bi + n;
    switch (op) {
      case "add": for (let i = bi; i < end; i++) o[i + d] = v + b[i]; return;
      case "sub": for (let i = bi; i < end; i++) o[i + d] = v - b[i]; return;
      case "mul": for (let i = bi; i < end; i++) o[i + d] = v * b[i]; return;
      case "div": for (let i = bi; i < end; i++) o[i + d] = v / b[i]; return;
    }
  } else if (as === 1 && bs === 0) {
    const v = b[bi], d = oi - ai, end = ai + n;
    switch (op) {
      case "add": for (let i = ai; i < end; i++) o[i + d] = a[i] + v; return;
      case "sub": for (let i = ai; i < end; i++) o[i + d] = a[i] - v; return;
      case "mul": for (let i = ai; i < end; i++) o[i + d] = a[i] * v; return;
      case "div": for (let i = ai; i < end; i++) o[i + d] = a[i] / v; return;
    }
  }
  switch (op) {
    case "add": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] + b[bi + j * bs]; break;
    case "sub": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] - b[bi + j * bs]; break;
    case "mul": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] * b[bi + j * bs]; break;
    case "div": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] / b[bi + j * bs]; break;
    case "pow": for (let j = 0; j < n; j++) o[oi + j] = Math.pow(a[ai + j * as], b[bi + j * bs]); break;
    case "maximum":
      for (let j = 0; j < n; j++) {
        const x = a[ai + j * as], y = b[bi + j * bs];
        o[oi + j] = x !== x || y !== y ? NaN : x > y ? x : y;
      }
      break;
    case "minimum":
      for (let j = 0; j < n; j++) {
        const x = a[ai + j * as], y = b[bi + j * bs];
        o[oi + j] = x !== x || y !== y ? NaN : x < y ? x : y;
      }
      break;
    case "gt": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] > b[bi + j * bs] ? 1 : 0; break;
    case "ge": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] >= b[bi + j * bs] ? 1 : 0; break;
    case "lt": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] < b[bi + j * bs] ? 1 : 0; break;
    case "le": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] <= b[bi + j * bs] ? 1 : 0; break;
    case "eq": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] === b[bi + j * bs] ? 1 : 0; break;
    case "ne": for (let j = 0; j < n; j++) o[oi + j] = a[ai + j * as] !== b[bi + j * bs] ? 1 : 0; break;
    case "belowOrNaN": for (let j = 0; j < n; j++) { const y = b[bi + j * bs]; o[oi + j] = a[ai + j * as] < y || y !== y ? 1 : 0; } break;
    case "aboveOrNaN": for (let j = 0; j < n; j++) { const y = b[bi + j * bs]; o[oi + j] = a[ai + j * as] > y || y !== y ? 1 : 0; } break;
    case "atan2": for (let j = 0; j < n; j++) o[oi + j] = Math.atan2(a[ai + j * as], b[bi + j * bs]); break;
    default: unhandled(op); // every entry is written above (the output is not zeroed)
  }
}

/** A compile error when a switch misses an op; at run time (an untyped caller) a loud failure, never unwritten output. */
function unhandled(op: never): never {
  throw new Error(`elementwise kernel: unknown op ${String(op)}`);
}

/** Strides of `shape` right-aligned inside a rank-`rank` broadcast, 0 on broadcast axes. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const st = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const oi = i + rank - shape.length;
    st[oi] = shape[i] === 1 && outShape[oi] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return st;
}

/**
 * The broadcast with runs of axes merged where every operand's strides are
 * contiguous across them (stride[i] = stride[i+1]·shape[i+1], broadcast runs
 * included: 0 = 0·n), and size-1 axes dropped. The walk then has as few, as
 * long rows as the layouts allow: under vmap a batched [B, m, n] against a
 * shared [m, n] becomes [B, m·n] (B rows of m·n, the shared operand with
 * row stride 0) instead of B·m rows of n; a per-example scalar [B, 1, 1]
 * against [B, m, n] becomes B rows of m·n with inner stride 0.
 */
function collapse(outShape: readonly number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const shape: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < outShape.length; i++) {
    const d = outShape[i];
    if (d === 1) continue;
    const last = shape.length - 1;
    let merge = last >= 0;
    for (let k = 0; k < strides.length && merge; k++) if (st[k][last] !== strides[k][i] * d) merge = false;
    if (merge) {
      shape[last] *= d;
      for (let k = 0; k < strides.length; k++) st[k][last] = strides[k][i];
    } else {
      shape.push(d);
      for (let k = 0; k < strides.length; k++) st[k].push(strides[k][i]);
    }
  }
  return { shape, strides: st };
}

/**
 * Walk the rows (last axis) of a broadcast of up to three operands; calls
 * row(offsets…, n) for each row. Shared by the binary and ternary kernels.
 * Axes are merged first (see collapse), so rows are as long as possible.
 */
function forEachRow(
  fullShape: readonly number[],
  fullStrides: number[][],
  row: (offs: number[], oOff: number, n: number, lastStrides: number[]) => void,
): void {
  const { shape: outShape, strides } = collapse(fullShape, fullStrides);
  const rank = outShape.length;
  const size = outShape.reduce((p, d) => p * d, 1);
  if (size === 0) return;
  if (rank === 0) {
    row(strides.map(() => 0), 0, 1, strides.map(() => 0));
    return;
  }
  const n = outShape[rank - 1];
  const last = strides.map((s) => s[rank - 1]);
  const offs = strides.map(() => 0);
  const idx = new Array<number>(rank - 1).fill(0);
  const rows = size / n;
  for (let r = 0; r < rows; r++) {
    row(offs, r * n, n, last);
    // increment the multi-index over the leading rank-1 axes
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]++;
      for (let k = 0; k < offs.length; k++) offs[k] += strides[k][ax];
      if (idx[ax] < outShape[ax]) break;
      for (let k = 0; k < offs.length; k++) offs[k] -= strides[k][ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
}

type ContigFn = (a: Float64Array, b: Float64Array, o: Float64Array, n: number, bScalar: boolean) => void;

/** Contiguous fast paths (same shape, or b a scalar): one small monomorphic loop per op. */
const contiguous: Partial<Record<BinaryOp, ContigFn>> = {
  add: (a, b, o, n, bs) => { if (bs) { const v = b[0]; for (let i = 0; i < n; i++) o[i] = a[i] + v; } else for (let i = 0; i < n; i++) o[i] = a[i] + b[i]; },
  sub: (a, b, o, n, bs) => { if (bs) { const v = b[0]; for (let i = 0; i < n; i++) o[i] = a[i] - v; } else for (let i = 0; i < n; i++) o[i] = a[i] - b[i]; },
  mul: (a, b, o, n, bs) => { if (bs) { const v = b[0]; for (let i = 0; i < n; i++) o[i] = a[i] * v; } else for (let i = 0; i < n; i++) o[i] = a[i] * b[i]; },
  div: (a, b, o, n, bs) => { if (bs) { const v = b[0]; for (let i = 0; i < n; i++) o[i] = a[i] / v; } else for (let i = 0; i < n; i++) o[i] = a[i] / b[i]; },
};

export function binary(
  op: BinaryOp,
  a: Float64Array, aShape: readonly number[],
  b: Float64Array, bShape: readonly number[],
  outShape: readonly number[],
): Float64Array {
  let size = 1;
  for (let i = 0; i < outShape.length; i++) size *= outShape[i];
  const o = allocUninit(size);
  const fast = contiguous[op];
  if (a.length === size && (b.length === size || b.length === 1)) {
    if (fast !== undefined) fast(a, b, o, size, b.length !== size || size === 1);
    else binaryRow(op, a, 0, 1, b, 0, b.length === size ? 1 : 0, o, 0, size);
  } else if (a.length === 1 && b.length === size) binaryRow(op, a, 0, 0, b, 0, 1, o, 0, size);
  else {
    const sa = broadcastStrides(aShape, outShape);
    const sb = broadcastStrides(bShape, outShape);
    const c = collapse(outShape, [sa, sb]);
    if (c.shape.length === 2) {
      // the common merged form (batched ∘ shared, outer products, per-row scalars): rows walked directly
      const [rows, n] = c.shape, [ra, ia] = c.strides[0], [rb, ib] = c.strides[1];
      for (let r = 0; r < rows; r++) binaryRow(op, a, r * ra, ia, b, r * rb, ib, o, r * n, n);
    } else
      forEachRow(outShape, [sa, sb], (offs, oOff, n, last) =>
        binaryRow(op, a, offs[0], last[0], b, offs[1], last[1], o, oOff, n),
      );
  }
  return o;
}

/** where(cond, x, y) with broadcasting: cond ≠ 0 selects x. */
export function where(
  c: Float64Array, cShape: readonly number[],
  x: Float64Array, xShape: readonly number[],
  y: Float64Array, yShape: readonly number[],
  outShape: readonly number[],
): Float64Array {
  const size = outShape.reduce((p, d) => p * d, 1);
  const o = allocUninit(size);
  const sc = broadcastStrides(cShape, outShape);
  const sx = broadcastStrides(xShape, outShape);
  const sy = broadcastStrides(yShape, outShape);
  forEachRow(outShape, [sc, sx, sy], (offs, oOff, n, last) => {
    const [ci, xi, yi] = offs;
    const [cs, xs, ys] = last;
    for (let j = 0; j < n; j++) o[oOff + j] = c[ci + j * cs] !== 0 ? x[xi + j * xs] : y[yi + j * ys];
  });
  return o;
}

/** Materialize a broadcast: copy `a` (shape aShape) into outShape. */
export function broadcastTo(a: Float64Array, aShape: readonly number[], outShape: readonly number[]): Float64Array {
  const size = outShape.reduce((p, d) => p * d, 1);
  const o = allocUninit(size);
  if (a.length === 1) {
    o.fill(a[0]);
    return o;
  }
  const sa = broadcastStrides(aShape, outShape);
  forEachRow(outShape, [sa], (offs, oOff, n, last) => {
    const ai = offs[0], as = last[0];
    for (let j = 0; j < n; j++) o[oOff + j] = a[ai + j * as];
  });
  return o;
}

/**
 * The cross product along one axis of size 3: a and b have the shape `shape`
 * (already broadcast), laid out as [outer, 3, inner]; out = a × b, i.e.
 * (a₁b₂ − a₂b₁, a₂b₀ − a₀b₂, a₀b₁ − a₁b₀) — one pass, one output array.
 */
export function cross3(a: Float64Array, b: Float64Array, outer: number, inner: number): Float64Array {
  const o = allocUninit(outer * 3 * inner);
  for (let r = 0; r < outer; r++) {
    const base = r * 3 * inner;
    for (let k = 0; k < inner; k++) {
      const i0 = base + k, i1 = i0 + inner, i2 = i1 + inner;
      const a0 = a[i0], a1 = a[i1], a2 = a[i2], b0 = b[i0], b1 = b[i1], b2 = b[i2];
      o[i0] = a1 * b2 - a2 * b1;
      o[i1] = a2 * b0 - a0 * b2;
      o[i2] = a0 * b1 - a1 * b0;
    }
  }
  return o;
}
