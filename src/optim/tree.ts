/**
 * Flat views of pytrees for the optimizers: a tree of tensors ↔ its leaves, and
 * the structure checks that name where two trees differ. Optimizer arithmetic
 * runs on the leaves' Float64Arrays directly (no tape, no per-element closures).
 */
import { Tensor } from "../tensor/tensor.js";
import { alloc } from "../kernels/alloc.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { treeFlatten, treeFlattenWithPath, formatPath, type TreeDef } from "../tree/index.js";

/** Flattens `tree` and checks it has the structure `treedef` (from init) and the leaf shapes `shapes`. */
export function flattenLike(
  op: string, what: string, tree: unknown, treedef: TreeDef, shapes: readonly (readonly number[])[], ref = "the state (from init)",
): Tensor[] {
  const f = treeFlatten(tree);
  const d = treedef.difference(f.treedef);
  if (d !== null)
    throw new ShapeError(op, `${what} differs from ${ref} at ${d.path}: ${ref} has ${d.here} at ${d.path}, ${what} has ${d.there} at ${d.path}`);
  const leaves = f.leaves;
  for (let i = 0; i < leaves.length; i++) {
    if (!shapesEqual(leaves[i].shape, shapes[i])) {
      const path = formatPath(treeFlattenWithPath(tree).paths[i]);
      throw new ShapeError(op, `${what} at ${path} has shape ${fmtShape(leaves[i].shape)}, ${ref} has shape ${fmtShape(shapes[i])} at ${path}`);
    }
  }
  return leaves;
}

/** The leaves of a tree that must contain at least one tensor. */
export function leavesOf(op: string, what: string, tree: unknown): { leaves: Tensor[]; treedef: TreeDef } {
  const f = treeFlatten(tree);
  if (f.leaves.length === 0) throw new ArgumentError(op, `${what} must be a tensor or a tree with at least one tensor leaf; got ${f.treedef.toString()}`);
  return f;
}

/** A fresh Float64Array (from the small-array pool) of length n. */
export const newData = alloc;

/** A tensor over `data` with `shape`. */
export const wrap = (data: Float64Array, shape: readonly number[]): Tensor => new Tensor(data, shape);

/** Total number of entries of the leaves. */
export function totalSize(leaves: readonly Tensor[]): number {
  let n = 0;
  for (const l of leaves) n += l.size;
  return n;
}

/** Concatenates the leaves' values into one vector. */
export function packLeaves(leaves: readonly Tensor[], out: Float64Array = new Float64Array(totalSize(leaves))): Float64Array {
  let off = 0;
  for (const l of leaves) {
    out.set(l.data, off);
    off += l.size;
  }
  return out;
}

/** Splits a vector into fresh tensors of the leaves' shapes. */
export function unpackLeaves(v: Float64Array, like: readonly Tensor[]): Tensor[] {
  let off = 0;
  return like.map((l) => {
    const d = new Float64Array(l.size);
    d.set(v.subarray(off, off + l.size));
    off += l.size;
    return new Tensor(d, l.shape);
  });
}
