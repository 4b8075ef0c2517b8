/**
 * Rules of the order-statistics primitives: the stable sort along an axis
 * (values and indices), argmax / argmin, and the gather along an axis by an
 * index tensor with its adjoint (scatter-add) that the sort's derivative and
 * the composites built on it (topk, kthvalue, median, quantile) use.
 *
 * The sort's values are x gathered at the indices, out = x[…, idx, …], so
 * its derivative is a gather of the tangent at the same indices and its VJP a
 * scatter-add of the cotangent into those positions: a tie's derivative goes
 * to the entry the sort selected (PyTorch's convention), and the indices have
 * no derivative. The gather and scatter-add are each other's adjoints, linear
 * in their first input, so every derivative order is again a gather or a
 * scatter-add. Indices are float64 tensors holding integers (matgrad's index
 * dtype), an input of the gather that is never differentiated.
 */
import { Tensor } from "../../tensor/tensor.js";
import type { Rule } from "../../tensor/meta.js";
import { sizeOf } from "../../tensor/shape.js";
import { alloc } from "../../kernels/alloc.js";
import { argExtremum, gatherLanes, scatterAddLanes, sortLanes } from "../../kernels/sort.js";
import { apply, applyMulti } from "../dispatch.js";
import { materialize } from "../batching.js";

/** Parameters of the order-statistics primitives (axes normalized, non-negative). */
export interface SortingParams {
  /** The first k entries of the stable sort along `axis` (k = the axis' size: the whole sort) → [values, indices]. */
  sort: { axis: number; descending: boolean; k: number };
  /** The index of the first maximum along `axis` (NaN counts as the maximum), the axis kept with size 1. */
  argmax: { axis: number };
  /** The index of the first minimum along `axis` (NaN counts as the minimum), the axis kept with size 1. */
  argmin: { axis: number };
  /** x gathered along `axis` at the index tensor (input 1; its shape is x's except along `axis`). */
  takeAlongAxis: { axis: number };
  /** The adjoint of takeAlongAxis: zeros with `n` entries along `axis`, input 0 scatter-added at the indices (input 1). */
  scatterAddAlongAxis: { axis: number; n: number };
}

type R<P extends keyof SortingParams> = Rule<SortingParams[P]>;

/** [outer, n, inner] of a shape split at `axis`. */
function lanes(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

/** x gathered along `axis` at `idx` (a differentiable op in x). */
export function takeAlongAxisPrim(x: Tensor, idx: Tensor, axis: number): Tensor {
  return apply(sortingRules.takeAlongAxis, [x, idx], { axis });
}

/** Zeros with n entries along `axis`, src scatter-added at idx (a differentiable op in src). */
export function scatterAddAlongAxisPrim(src: Tensor, idx: Tensor, axis: number, n: number): Tensor {
  return apply(sortingRules.scatterAddAlongAxis, [src, idx], { axis, n });
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
      [ct[0] === null ? null : scatterAddAlongAxisPrim(ct[0], out[1], axis, x.shape[axis])],
    jvp: ([dx], _x, out: Tensor[], { axis }) => [dx === null ? null : takeAlongAxisPrim(dx, out[1], axis), null],
    batch: ([x], _b, p) => applyMulti(sortingRules.sort, [x], { ...p, axis: p.axis + 1 }),
  },
  argmax: argRule("argmax"),
  argmin: argRule("argmin"),
  takeAlongAxis: {
    name: "takeAlongAxis",
    nondiff: [1],
    forward: ([x, idx], { axis }) => {
      const [outer, n, inner] = lanes(x.shape, axis);
      const k = idx.shape[axis];
      const out = alloc(outer * k * inner);
      gatherLanes(x._data, outer, n, inner, idx._data, k, out);
      return new Tensor(out, idx.shape.slice());
    },
    vjp: (ct: Tensor, [x, idx], _out, { axis }) => [scatterAddAlongAxisPrim(ct, idx, axis, x.shape[axis]), null],
    jvp: ([dx], [, idx], _out, { axis }) => (dx === null ? null : takeAlongAxisPrim(dx, idx, axis)),
    // the kernel needs equal leading axes: an unbatched operand is broadcast to the batch
    batch: (xs, batched, { axis }, size) => apply(sortingRules.takeAlongAxis, materialize(xs, batched, size), { axis: axis + 1 }),
  },
  scatterAddAlongAxis: {
    name: "scatterAddAlongAxis",
    nondiff: [1],
    forward: ([src, idx], { axis, n }) => {
      const [outer, k, inner] = lanes(src.shape, axis);
      const shape = src.shape.slice();
      shape[axis] = n;
      const out = alloc(outer * n * inner);
      scatterAddLanes(src._data, outer, n, inner, idx._data, k, out);
      return new Tensor(out, shape);
    },
    vjp: (ct: Tensor, [, idx], _out, { axis }) => [takeAlongAxisPrim(ct, idx, axis), null],
    jvp: ([ds], [, idx], _out, { axis, n }) => (ds === null ? null : scatterAddAlongAxisPrim(ds, idx, axis, n)),
    batch: (xs, batched, p, size) => apply(sortingRules.scatterAddAlongAxis, materialize(xs, batched, size), { ...p, axis: p.axis + 1 }),
  },
};
