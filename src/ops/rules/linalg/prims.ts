/**
 * Thin differentiable wrappers that apply the linear-algebra primitives. The
 * rules use them (so that their VJPs and JVPs are themselves differentiable),
 * and the public namespace src/linalg builds on them. No argument checking
 * beyond what the forwards do: callers validate shapes.
 */
import type { Tensor } from "../../../tensor/tensor.js";
import { apply, applyMulti } from "../../dispatch.js";
import { rules } from "../../registry.js";
import { FactorCache } from "./common.js";
import type { LuCache } from "./lu.js";
import type { EighCache, SvdCache } from "./spectral.js";
import type { ExpmCache, SchurPairCache, SchurCache } from "./matfun.js";

export const newCache = <T>(): FactorCache<T> => new FactorCache<T>();

// --- LU family
export function solvePrim(a: Tensor, b: Tensor, adjoint: boolean, cache: LuCache, op: string): Tensor {
  return apply(rules.solve, [a, b], { adjoint, cache, op });
}
export function invPrim(a: Tensor, cache: LuCache, op: string): Tensor {
  return apply(rules.inv, [a], { cache, op });
}
export function detPrim(a: Tensor, cache: LuCache): Tensor {
  return apply(rules.det, [a], { cache });
}
export function slogdetPrim(a: Tensor, cache: LuCache, op = "linalg.slogdet"): [Tensor, Tensor] {
  const [s, l] = applyMulti(rules.slogdet, [a], { cache, op });
  return [s, l];
}
export function luPrim(a: Tensor, cache: LuCache): [Tensor, Tensor] {
  const [l, u] = applyMulti(rules.lu, [a], { cache });
  return [l, u];
}

// --- triangular family
export interface TriOpts {
  upper: boolean;
  left: boolean;
  unitriangular: boolean;
  /** Solve with op(T) = Tᵀ instead of T (no copy). */
  trans: boolean;
}
export function triSolvePrim(t: Tensor, b: Tensor, o: TriOpts, op = "linalg.triangularSolve"): Tensor {
  return apply(rules.triangularSolve, [t, b], { ...o, op });
}
export function choleskyPrim(a: Tensor): Tensor {
  return apply(rules.cholesky, [a], null);
}
export function qrPrim(a: Tensor, mode: "reduced" | "complete"): [Tensor, Tensor] {
  const [q, r] = applyMulti(rules.qr, [a], { mode });
  return [q, r];
}

// --- spectral family
export function eighPrim(a: Tensor, cache: EighCache, tol: number): [Tensor, Tensor] {
  const [w, v] = applyMulti(rules.eigh, [a], { cache, tol });
  return [w, v];
}
export function svdPrim(a: Tensor, full: boolean, cache: SvdCache, tol: number): [Tensor, Tensor, Tensor] {
  const [u, s, vh] = applyMulti(rules.svd, [a], { full, cache, tol });
  return [u, s, vh];
}
export type ScalarFn = (x: Tensor) => Tensor;
/** f, its first and second derivatives (elementwise tensor functions written with matgrad ops). */
export interface ScalarFns {
  f: ScalarFn;
  df: ScalarFn;
  d2f: ScalarFn;
}
export function symMatrixFunctionPrim(a: Tensor, fns: ScalarFns, cache: EighCache, name: string): Tensor {
  return apply(rules.symMatrixFunction, [a], { fns, cache, name });
}
export function symFrechetPrim(a: Tensor, e: Tensor, fns: ScalarFns, cache: EighCache, name: string): Tensor {
  return apply(rules.symFrechet, [a, e], { fns, cache, name });
}
export function pinvPrim(a: Tensor, atol: number, rtol: number, hermitian: boolean): Tensor {
  return apply(rules.pinv, [a], { atol, rtol, hermitian });
}

// --- matrix functions and equations
export function expmPrim(a: Tensor, cache: ExpmCache, keep: boolean): Tensor {
  return apply(rules.expm, [a], { cache, keep });
}
export function expmFrechetPrim(a: Tensor, e: Tensor, transposed: boolean, cache: ExpmCache): Tensor {
  return apply(rules.expmFrechet, [a, e], { transposed, cache });
}
export function logmPrim(a: Tensor): Tensor {
  return apply(rules.logm, [a], null);
}
export function sqrtmPrim(a: Tensor, cache: SchurPairCache): Tensor {
  return apply(rules.sqrtm, [a], { cache });
}
export function sylvesterPrim(a: Tensor, b: Tensor, c: Tensor, transposed: boolean, cache: SchurPairCache, op: string): Tensor {
  return apply(rules.sylvester, [a, b, c], { transposed, cache, op });
}
export function lyapunovPrim(a: Tensor, q: Tensor, transposed: boolean, cache: SchurCache): Tensor {
  return apply(rules.lyapunov, [a, q], { transposed, cache });
}

// --- norms
export function vectorNormPrim(x: Tensor, ord: number, axes: number[], keepdims: boolean): Tensor {
  return apply(rules.vectorNorm, [x], { ord, axes, keepdims });
}

// --- structural helpers (one pass each)
export function symApply(x: Tensor): Tensor {
  return apply(rules.symPart, [x], null);
}
export function lowerHalfApply(x: Tensor): Tensor {
  return apply(rules.lowerHalf, [x], null);
}
