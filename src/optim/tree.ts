/**
 * Flat views of pytrees for the optimizers: a tree of tensors ↔ its leaves, and
 * the structure checks that name where two trees differ. Optimizer arithmetic
 * runs on the leaves' Float64Arrays directly (no tape, no per-element closures).
 */
import { Tensor } from "../tensor/tensor.js";
import { alloc } from "../kernels/alloc.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { treeFlatten, treeFlattenWithPath, formatPath, type TreeDef, type PathEntry } from "../tree/index.js";

type Node = TreeDef["_root"];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function describeNode(n: Node): string {
  switch (n.kind) {
    case "tensor":
      return "a tensor";
    case "static":
      return `the static value ${String(n.value)}`;
    case "array":
      return `an array of length ${n.children.length}`;
    case "object":
      return `an object with keys {${n.keys.join(", ")}}`;
  }
}

function describeValue(x: unknown): string {
  if (x instanceof Tensor) return "a tensor";
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (isPlainObject(x)) return `an object with keys {${Object.keys(x).sort().join(", ")}}`;
  return `the value ${typeof x === "string" ? JSON.stringify(x) : String(x)}`;
}

/**
 * One pass over `x` guided by the structure `n`: pushes the tensor leaves and
 * returns null, or returns the path and both descriptions where they differ.
 * A static leaf of the structure matches any non-tensor, non-container value
 * (gradients carry null where the parameters have a number). No sorting and no
 * new structure is built, so checking a 10-leaf tree costs well under a microsecond.
 */
// (no closures in here: each one created costs a defineProperty under tsx's keepNames)
function diffAt(n: Node, x: unknown, path: PathEntry[]): { path: string; here: string; there: string } {
  return { path: formatPath(path), here: describeNode(n), there: describeValue(x) };
}

function walk(n: Node, x: unknown, out: Tensor[], path: PathEntry[]): { path: string; here: string; there: string } | null {
  switch (n.kind) {
    case "tensor":
      if (!(x instanceof Tensor)) return diffAt(n, x, path);
      out.push(x);
      return null;
    case "static":
      return x instanceof Tensor || Array.isArray(x) || isPlainObject(x) ? diffAt(n, x, path) : null;
    case "array": {
      if (!Array.isArray(x) || x.length !== n.children.length) return diffAt(n, x, path);
      for (let i = 0; i < x.length; i++) {
        path.push(i);
        const d = walk(n.children[i], x[i], out, path);
        path.pop();
        if (d !== null) return d;
      }
      return null;
    }
    case "object": {
      if (!isPlainObject(x)) return diffAt(n, x, path);
      const keys = n.keys;
      if (Object.keys(x).length !== keys.length) return diffAt(n, x, path);
      for (let i = 0; i < keys.length; i++) {
        if (!hasOwn(x, keys[i])) return diffAt(n, x, path);
        path.push(keys[i]);
        const d = walk(n.children[i], x[keys[i]], out, path);
        path.pop();
        if (d !== null) return d;
      }
      return null;
    }
  }
}

/**
 * The tensor leaves of `tree`, checked against the structure `treedef` (from
 * init) and the leaf shapes `shapes`: a different structure or a leaf of
 * another shape raises ShapeError naming the path in both trees.
 */
export function flattenLike(
  op: string, what: string, tree: unknown, treedef: TreeDef, shapes: readonly (readonly number[])[], ref = "the state (from init)",
): Tensor[] {
  const leaves: Tensor[] = [];
  const path: PathEntry[] = [];
  const d = walk(treedef._root, tree, leaves, path);
  if (d !== null)
    throw new ShapeError(op, `${what} differs from ${ref} at ${d.path}: ${ref} has ${d.here} at ${d.path}, ${what} has ${d.there} at ${d.path}`);
  for (let i = 0; i < leaves.length; i++) {
    if (!shapesEqual(leaves[i].shape, shapes[i])) {
      const p = formatPath(treeFlattenWithPath(tree).paths[i]);
      throw new ShapeError(op, `${what} at ${p} has shape ${fmtShape(leaves[i].shape)}, ${ref} has shape ${fmtShape(shapes[i])} at ${p}`);
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
    out.set(l._data, off);
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

/**
 * treeUnflatten without closures (the optimizer step's hot path): the tree of
 * `treedef`'s structure with `leaves` in the tensor slots and null at static leaves.
 */
export function unflattenNull(treedef: TreeDef, leaves: readonly Tensor[]): unknown {
  const pos = { i: 0 };
  return rebuild(treedef._root, leaves, pos);
}

function rebuild(n: Node, leaves: readonly Tensor[], pos: { i: number }): unknown {
  switch (n.kind) {
    case "tensor":
      return leaves[pos.i++];
    case "static":
      return null;
    case "array": {
      const out: unknown[] = [];
      for (let i = 0; i < n.children.length; i++) out.push(rebuild(n.children[i], leaves, pos));
      return out;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n.keys.length; i++) out[n.keys[i]] = rebuild(n.children[i], leaves, pos);
      return out;
    }
  }
}

/** Where addTrees found the trees to differ (set only when it returns MISMATCH). */
export let addTreesDiff: { path: string; here: string; there: string } | null = null;
/** addTrees' result when the trees differ (then addTreesDiff says where). */
export const MISMATCH: unique symbol = Symbol("mismatch");

function mismatch(path: PathEntry[], here: string, there: string): typeof MISMATCH {
  addTreesDiff = { path: formatPath(path), here, there };
  return MISMATCH;
}

/**
 * x + u over two trees of the same structure in one pass (optim.applyUpdates),
 * or MISMATCH with addTreesDiff naming the first difference (path and both
 * descriptions). Static leaves are kept from x. The step's hot path: no result
 * object per node, so a 10-leaf step allocates its outputs, the key lists of
 * each object and the path array.
 */
export function addTrees(x: unknown, u: unknown, path: PathEntry[]): unknown {
  if (x instanceof Tensor) {
    if (!(u instanceof Tensor)) return mismatch(path, "a tensor", describeValue(u));
    if (!shapesEqual(x.shape, u.shape)) return mismatch(path, `a tensor of shape ${fmtShape(x.shape)}`, `a tensor of shape ${fmtShape(u.shape)}`);
    const a = x._data, b = u._data, n = a.length, y = alloc(n);
    for (let i = 0; i < n; i++) y[i] = a[i] + b[i];
    return new Tensor(y, x.shape);
  }
  if (Array.isArray(x)) {
    if (!Array.isArray(u) || u.length !== x.length) return mismatch(path, describeValue(x), describeValue(u));
    const out: unknown[] = [];
    for (let i = 0; i < x.length; i++) {
      path.push(i);
      const r = addTrees(x[i], u[i], path);
      path.pop();
      if (r === MISMATCH) return r;
      out.push(r);
    }
    return out;
  }
  if (isPlainObject(x)) {
    const keys = Object.keys(x);
    let same = isPlainObject(u) && Object.keys(u).length === keys.length;
    for (let i = 0; same && i < keys.length; i++) same = hasOwn(u as object, keys[i]);
    if (!same) return mismatch(path, describeValue(x), describeValue(u));
    const out: Record<string, unknown> = {};
    const uo = u as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      path.push(keys[i]);
      const r = addTrees(x[keys[i]], uo[keys[i]], path);
      path.pop();
      if (r === MISMATCH) return r;
      out[keys[i]] = r;
    }
    return out;
  }
  // a static leaf of params: the update must not be a tensor or a container there
  if (u instanceof Tensor || Array.isArray(u) || isPlainObject(u)) return mismatch(path, describeValue(x), describeValue(u));
  return x;
}
