/**
 * OpInfo: the table that drives the op test suite (and that users can use for
 * their own ops). Each entry lists an op, its sample inputs (edge shapes
 * included), reference values, domain, tolerances and error inputs; one runner
 * checks forward values, VJP and JVP against central differences, the JVP/VJP
 * dot-product test, second order, and that error inputs raise the documented
 * error naming the op.
 */
import type { Tensor, NestedArray } from "../tensor/tensor.js";
import type { TensorLike } from "../ops/api.js";

/** How gradcheck perturbs an input: freely, or only within symmetric matrices (for ops that read one triangle). */
export type InputStructure = "general" | "symmetric";

export interface Sample {
  /** Short description shown in test names, e.g. "batched 2×3×3". */
  name: string;
  inputs: Tensor[];
  /** Reference output: hand-computed values, a closed form, or a function computing it another way. */
  expected?: NestedArray | Tensor | ((...inputs: Tensor[]) => Tensor | NestedArray);
  /** Per-input structure for gradcheck (default "general"). */
  structure?: InputStructure[];
  /** Override tolerances for this sample. */
  atol?: number;
  rtol?: number;
  /** Skip second-order checks for this sample (e.g. at a kink). */
  skipSecondOrder?: boolean;
}

export interface ErrorSample {
  name: string;
  inputs: () => TensorLike[];
  /** The error class expected (e.g. ShapeError). */
  error: new (...args: any[]) => Error;
  /** A pattern the message must match; it should include the op's name. */
  message: RegExp;
}

export interface OpInfo {
  /** The op's public name, e.g. "matmul" or "linalg.inv". */
  name: string;
  /** The function under test; multi-output ops are wrapped into a (gauge-invariant) single output here. */
  fn: (...inputs: Tensor[]) => Tensor;
  samples: () => Sample[];
  /** Inputs (by index) that are not differentiated (masks, indices). */
  nondiff?: number[];
  /** Whether the op is smooth enough for second-order checks on its samples (default true). */
  secondOrder?: boolean;
  /** Whether forward mode (JVP) is checked (default true). */
  forward?: boolean;
  atol?: number;
  rtol?: number;
  errors?: ErrorSample[];
}
