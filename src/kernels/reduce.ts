import { alloc } from "./alloc.js";
/**
 * Reductions over a set of axes of a row-major array. The output has the
 * reduced shape without kept dims (the caller reshapes for keepdims).
 */

export type ReduceOp = "sum" | "max" | "min" | "prod";

export function reduce(
  op: ReduceOp,
  x: Float64Array,
  shape: readonly number[],
  axes: readonly number[],
): Float64Array {
  const rank = shape.length;
  const isRed = new Array<boolean>(rank).fill(false);
  for (const a of axes) isRed[a] = true;
  // output strides: for kept axes, the row-major strides of the output; 0 for reduced axes
  const outStr = new Array<number>(rank).fill(0);
  let outSize = 1;
  for (let i = rank - 1; i >= 0; i--) {
    if (!isRed[i]) {
      outStr[i] = outSize;
      outSize *= shape[i];
    }
  }
  const init = op === "sum" ? 0 : op === "prod" ? 1 : op === "max" ? -Infinity : Infinity;
  const o = alloc(outSize).fill(init);
  const size = x.length;
  if (size === 0) return o;
  if (outSize === 1) {
    o[0] = reduceAll(op, x, init);
    return o;
  }
  // fast path: reducing a contiguous trailing block of axes
  let trailing = true;
  let firstRed = rank;
  for (let i = 0; i < rank; i++) if (isRed[i]) { firstRed = i; break; }
  for (let i = firstRed; i < rank; i++) if (!isRed[i]) trailing = false;
  if (trailing) {
    const inner = size / outSize;
    for (let r = 0; r < outSize; r++) o[r] = reduceRange(op, x, r * inner, inner, init);
    return o;
  }
  // general: walk the input in order, maintaining the output offset
  const idx = new Array<number>(rank).fill(0);
  let oOff = 0;
  for (let i = 0; i < size; i++) {
    const v = x[i];
    switch (op) {
      case "sum": o[oOff] += v; break;
      case "prod": o[oOff] *= v; break;
      case "max": if (v > o[oOff] || v !== v) o[oOff] = v; break;
      case "min": if (v < o[oOff] || v !== v) o[oOff] = v; break;
    }
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax]++;
      oOff += outStr[ax];
      if (idx[ax] < shape[ax]) break;
      oOff -= outStr[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return o;
}

function reduceRange(op: ReduceOp, x: Float64Array, start: number, n: number, init: number): number {
  let acc = init;
  const end = start + n;
  switch (op) {
    case "sum": for (let i = start; i < end; i++) acc += x[i]; break;
    case "prod": for (let i = start; i < end; i++) acc *= x[i]; break;
    case "max": for (let i = start; i < end; i++) { const v = x[i]; if (v > acc || v !== v) acc = v; } break;
    case "min": for (let i = start; i < end; i++) { const v = x[i]; if (v < acc || v !== v) acc = v; } break;
  }
  return acc;
}

function reduceAll(op: ReduceOp, x: Float64Array, init: number): number {
  return reduceRange(op, x, 0, x.length, init);
}
