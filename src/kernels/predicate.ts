/**
 * Predicate and logical kernels: results are 1 (true) or 0 (false) in a
 * Float64Array, matgrad's boolean story. Truthiness is PyTorch's: any nonzero
 * value is true, NaN included. Numbers only.
 */
import { alloc } from "./alloc.js";
import { broadcastTo } from "./elementwise.js";

/** Unary predicates. */
export type PredicateOp = "isnan" | "isfinite" | "isinf" | "isposinf" | "isneginf" | "logicalNot";

export function predicate(op: PredicateOp, x: Float64Array): Float64Array {
  const n = x.length, o = alloc(n);
  switch (op) {
    case "isnan": for (let i = 0; i < n; i++) o[i] = x[i] !== x[i] ? 1 : 0; break;
    // x − x is 0 exactly for finite x, NaN for ±∞ and NaN
    case "isfinite": for (let i = 0; i < n; i++) o[i] = x[i] - x[i] === 0 ? 1 : 0; break;
    case "isinf": for (let i = 0; i < n; i++) o[i] = x[i] === Infinity || x[i] === -Infinity ? 1 : 0; break;
    case "isposinf": for (let i = 0; i < n; i++) o[i] = x[i] === Infinity ? 1 : 0; break;
    case "isneginf": for (let i = 0; i < n; i++) o[i] = x[i] === -Infinity ? 1 : 0; break;
    // NaN is true (nonzero), so its negation is 0
    case "logicalNot": for (let i = 0; i < n; i++) o[i] = x[i] === 0 ? 1 : 0; break;
  }
  return o;
}

/** Binary logical ops on truthiness (x ≠ 0, NaN true). */
export type LogicalOp = "and" | "or" | "xor";

/** a ∘ b with broadcasting to `outShape` (a and b are broadcast first when their shapes differ from it). */
export function logical(op: LogicalOp, a: Float64Array, aShape: readonly number[], b: Float64Array, bShape: readonly number[], outShape: readonly number[]): Float64Array {
  let size = 1;
  for (const d of outShape) size *= d;
  const x = a.length === size ? a : broadcastTo(a, aShape, outShape);
  const y = b.length === size ? b : broadcastTo(b, bShape, outShape);
  const o = alloc(size);
  switch (op) {
    case "and": for (let i = 0; i < size; i++) o[i] = x[i] !== 0 && y[i] !== 0 ? 1 : 0; break;
    case "or": for (let i = 0; i < size; i++) o[i] = x[i] !== 0 || y[i] !== 0 ? 1 : 0; break;
    case "xor": for (let i = 0; i < size; i++) o[i] = (x[i] !== 0) !== (y[i] !== 0) ? 1 : 0; break;
  }
  return o;
}
