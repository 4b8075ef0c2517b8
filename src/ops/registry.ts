/**
 * The typed registry of primitives. Every primitive has exactly one Rule
 * (forward + VJP + JVP side by side); `{ [P in Prim]: Rule<PrimParams[P]> }`
 * makes a missing rule a compile error. Composite ops (mean, softmax, kron, …)
 * are built from these and have no rule of their own.
 */
import type { Rule } from "../tensor/meta.js";
import { coreRules } from "./rules/core.js";
import { linalgRules, type LinalgParams } from "./rules/linalg.js";
import { elementwiseRules, type ElementwiseParams } from "./rules/elementwise.js";
import { indexingRules, type IndexingParams } from "./rules/indexing.js";
import { sortingRules, type SortingParams } from "./rules/sorting.js";
import { scanRules, type ScanParams } from "./rules/scan.js";

export interface ReduceParams {
  axes: number[];
  keepdims: boolean;
}

/** Parameters of the core primitives (elementwise, reductions, layout, matmul). */
export interface CoreParams {
  // elementwise binary (broadcasting)
  add: null; sub: null; mul: null; div: null; pow: null; maximum: null; minimum: null;
  // elementwise unary
  neg: null; exp: null; log: null; sqrt: null; abs: null; sin: null; cos: null; tan: null;
  tanh: null; sigmoid: null; relu: null;
  /** Fused backward kernels (one pass instead of three): ct·(1 − y²) and ct·y·(1 − y). */
  tanhGrad: null; sigmoidGrad: null;
  powScalar: { p: number };
  /** x·s for a number s (no constant tensor per call). */
  mulScalar: { s: number };
  where: null;
  // reductions
  sum: ReduceParams; max: ReduceParams; min: ReduceParams; prod: ReduceParams;
  /** log Σ exp(x) over the axes, stably, in one pass per lane (no temporaries of x's size). */
  logsumexp: ReduceParams;
  /** Σ (x − mean)² / divisor over the axes (divisor max(N − correction, 0)), in one pass per lane after the mean. */
  variance: ReduceParams & { divisor: number };
  // layout
  reshape: { shape: number[] };
  permute: { perm: number[] };
  broadcastTo: { shape: number[] };
  slice: { starts: number[]; steps: number[]; outShape: number[] };
  unslice: { starts: number[]; steps: number[]; fullShape: number[] };
  take: { axis: number; indices: Int32Array; n: number };
  untake: { axis: number; indices: Int32Array; n: number };
  concat: { axis: number };
  diagonal: { k: number };
  diagEmbed: { k: number; m: number; n: number };
  triangle: { k: number; upper: boolean };
  // linear algebra core
  /** op(A)·op(B), op = transpose of the last two axes when ta / tb (GEMM flags, no copies). */
  matmul: { ta: boolean; tb: boolean };
  // a distinct tape node with the same value (used by transforms to differentiate with respect to a value)
  identity: null;
}

/** Every primitive's parameters: extend with one interface per rule family. */
export interface PrimParams extends CoreParams, LinalgParams, ElementwiseParams, SortingParams, ScanParams, IndexingParams {}

export type Prim = keyof PrimParams;

export const rules: { [P in Prim]: Rule<PrimParams[P]> } = { ...coreRules, ...linalgRules, ...elementwiseRules, ...sortingRules, ...scanRules, ...indexingRules };
