/** Helpers of the contraction tests (einsum, tensordot, multiDot): differences, seeded inputs, the recorded ops. */
import { expect } from "vitest";
import { Tensor, abs, autogradGraph, max, randn, sub } from "../../src/index.js";

/** The largest entrywise difference of two tensors of the same shape (0 for empty ones). */
export const maxDiff = (a: Tensor, b: Tensor): number => {
  expect(a.shape).toEqual(b.shape);
  return a.size === 0 ? 0 : max(abs(sub(a, b))).item();
};

/** A seeded standard normal tensor. */
export const rn = (shape: number[], seed: number): Tensor => randn(shape, { seed });

/** The primitive ops recorded for out, in order, with their output shapes. */
export const recorded = (out: Tensor): { op: string; shape: readonly number[] | null }[] =>
  autogradGraph(out).nodes.filter((n) => n.kind === "op").map((n) => ({ op: n.op as string, shape: n.shapes[0] }));
