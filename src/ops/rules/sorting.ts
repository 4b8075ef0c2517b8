/**
 * Rules of the order-statistics primitives: the stable sort along an axis
 * (values and indices) and argmax / argmin.
 *
 * The sort's values are x gathered at the indices, out = x[…, idx, …], so
 * its derivative is a gather of the tangent at the same indices and its VJP a
 * scatter-add of the cotangent into those positions: a tie's derivative goes
 * to the entry the sort selected (PyTorch's convention), and the indices have
 * no derivative. Both are indexing's primitives (src/ops/rules/indexing.ts:
 * gather and scatterAdd, torch.gather semantics = take-along-axis), each
 * other's adjoints and linear in the gathered / scattered input, so every
 * derivative order is again a gather or a scatter-add — and the composites
 * built on the sort (topk, kthvalue, median, quantile) select with the same
 * gather. Indices are float64 tensors holding integers (matgrad's index
 * dtype), an input of the gather that is never differentiated.
 */
import { Tensor } from "../../tensor/tensor.js";
import type { Rule } from "../../tensor/meta.js";
import { sizeOf } from "../../tensor/shape.js";
import { alloc } from "../../kernels/alloc.js";
import { zeros } from "../../tensor/create.js";
import { argExtremum, sortLanes } from "../../kernels/sort.js";
import { apply, applyMulti } from "../dispatch.js";
import { gatherP, scatterAddP } from "./indexing.js";

/** Parameters of the order-statistics primitives (axes normalized, non-negative). */
export interface SortingParams {
  /** The first k entries of the stable sort along `axis` (k = the axis' size: the whole sort) → [values, indices]. */
  sort: { axis: number; descending: boolean; k: number };
  /** The index of the first maximum along `axis` (NaN counts as the maximum), the axis kept with size 1. */
  argmax: { axis: number };
  /** The index of the first minimum along `axis` (NaN counts as the minimum), the axis kept with size 1. */
  argmin: { axis: number };
}

type R<P extends keyof SortingParams> = Rule<SortingParams[P]>;

/** [outer, n, inner] of a shape split at `axis`. */
function lanes(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

function argRule(name: "argmax" | "argmin"): R<"argmax"> {
  return {
    name,
    forward: ([x], { axis }) => {
      const [outer, n, inner] = lanes(x.shape, axis);
      const out = alloc(outer * inner);
      if (n > 0) argExtremum(x._data, outer, n, inner, name === "argmax", out);
      const shape = x.shape.slice();
      shape[axis] = 1;
      return new Tensor(out, shape);
    },
    // an index is piecewise constant in x: derivative 0 (a symbolic zero)
    vjp: () => [null],
    jvp: () => null,
    batch: ([x], _b, { axis }) => apply(sortingRules[name], [x], { axis: axis + 1 }),
  };
}

export const sortingRules: { [P in keyof SortingParams]: R<P> } = {
  sort: {
    name: "sort",
    nOut: 2,
    forward: ([x], { axis, descending, k }) => {
      const [outer, n, inner] = lanes(x.shape, axis);
      const shape = x.shape.slice();
      shape[axis] = k;
      const size = outer * k * inner;
      const values = alloc(size), indices = alloc(size);
      sortLanes(x._data, outer, n, inner, descending, k, values, indices);
      return [new Tensor(values, shape), new Tensor(indices, shape.slice())];
    },
    // values = x gathered at the indices: the cotangent is scattered back to the selected entries
    vjp: (ct: (Tensor | null)[], [x], out: Tensor[], { axis }) =>
      [ct[0] === null ? null : scatterAddP(zeros(x.shape), out[1], ct[0], axis, "sort")],
    jvp: ([dx], _x, out: Tensor[], { axis }) => [dx === null ? null : gatherP(dx, out[1], axis, "sort"), null],
    batch: ([x], _b, p) => applyMulti(sortingRules.sort, [x], { ...p, axis: p.axis + 1 }),
  },
  argmax: argRule("argmax"),
  argmin: argRule("argmin"),
};
