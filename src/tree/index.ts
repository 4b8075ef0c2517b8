/**
 * Pytrees: nested plain objects and arrays whose leaves are tensors, as in JAX.
 *
 * - Containers are plain arrays and plain objects (prototype `Object.prototype`
 *   or `null`). Object keys are visited in sorted order (JAX's dict rule), so
 *   `{ W, b }` and `{ b, W }` have the same structure.
 * - Tensors are the differentiable leaves.
 * - Everything else (numbers, strings, booleans, `null`, `undefined`, functions,
 *   typed arrays, class instances) is a *static* leaf: kept in the structure
 *   (the `TreeDef`), never differentiated, and compared by value (`Object.is`)
 *   when two structures are compared.
 *
 * Transforms flatten their arguments at the boundary, so the engine and the
 * rules keep seeing flat tensor lists, and rebuild the user's structure on the
 * way out; the TypeScript types below keep that structure too.
 */
import { Tensor, type NestedArray } from "../tensor/tensor.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { describe as describeArg } from "../validate.js";

/** A pytree: a tensor, a static value, or a plain array / object of pytrees. */
export type Tree =
  | Tensor
  | number
  | string
  | boolean
  | bigint
  | symbol
  | null
  | undefined
  | readonly Tree[]
  | { readonly [key: string]: Tree };

/**
 * The tree of the same structure as T with each tensor leaf replaced by a tensor
 * (as a gradient, an update or a tangent) and each static leaf replaced by `null`.
 */
export type TensorTree<T> = 0 extends 1 & T
  ? Tensor // an untyped (any) value is taken as a tensor
  : T extends Tensor
  ? Tensor
  : T extends number
    ? null
    : T extends NestedArray
      ? NullArray
      : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: TensorTree<T[K]> }
    : T extends (...args: never[]) => unknown
      ? null
      : T extends object
        ? T extends ArrayBufferView
          ? null
          : { -readonly [K in keyof T]: TensorTree<T[K]> }
        : null;

/** Where a tree holds nested number arrays (static leaves), its gradient holds nulls. */
export type NullArray = (null | NullArray)[];

/** A path step: an object key or an array index. */
export type PathEntry = string | number;

type Node =
  | { kind: "tensor" }
  | { kind: "static"; value: unknown }
  | { kind: "array"; children: Node[] }
  | { kind: "object"; keys: string[]; children: Node[] };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** The structure of a pytree: its containers and static leaves, with a slot for each tensor leaf. */
export class TreeDef {
  // the class name survives minification (a bundler renames the class; see src/errors.ts)
  static {
    Object.defineProperty(this, "name", { value: "TreeDef" });
  }
  /** @internal */
  readonly _root: Node;
  /** Number of tensor leaves. */
  readonly numLeaves: number;

  /** @internal */
  constructor(root: Node, numLeaves: number) {
    this._root = root;
    this.numLeaves = numLeaves;
  }

  /** True if `other` has the same containers, keys and static leaves (Object.is). */
  equals(other: TreeDef): boolean {
    return firstDifference(this._root, other._root, []) === null;
  }

  /**
   * Where two structures first differ, as `{ path, here, there }` descriptions, or
   * null when they are equal. Used for error messages that name both paths.
   */
  difference(other: TreeDef): { path: string; here: string; there: string } | null {
    return firstDifference(this._root, other._root, []);
  }

  /** A compact description, e.g. `{W: *, b: *, lr: 0.1}` (`*` marks a tensor leaf). */
  toString(): string {
    return describe(this._root);
  }
}

function describe(n: Node): string {
  switch (n.kind) {
    case "tensor":
      return "*";
    case "static":
      return describeStatic(n.value);
    case "array":
      return `[${n.children.map(describe).join(", ")}]`;
    case "object":
      return `{${n.keys.map((k, i) => `${k}: ${describe(n.children[i])}`).join(", ")}}`;
  }
}

function describeStatic(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return "<function>";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "symbol") return v.toString();
  if (v !== null && typeof v === "object") return `<${(v as object).constructor?.name ?? "object"}>`;
  return String(v);
}

function describeKind(n: Node): string {
  switch (n.kind) {
    case "tensor":
      return "a tensor";
    case "static":
      return `the value ${describeStatic(n.value)}`;
    case "array":
      return `an array of length ${n.children.length}`;
    case "object":
      return `an object with keys {${n.keys.join(", ")}}`;
  }
}

/** Renders a path as `W`, `layers[0].b`, `[1]`; the root is `(root)`. */
export function formatPath(path: readonly PathEntry[]): string {
  if (!Array.isArray(path) || path.some((p) => typeof p !== "string" && typeof p !== "number"))
    throw new ArgumentError("formatPath", `argument path must be an array of keys (strings) and indices (numbers); got ${describeArg(path)}`);
  if (path.length === 0) return "(root)";
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) s += s === "" ? p : `.${p}`;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s;
}

function firstDifference(a: Node, b: Node, path: PathEntry[]): { path: string; here: string; there: string } | null {
  const diff = () => ({ path: formatPath(path), here: describeKind(a), there: describeKind(b) });
  if (a.kind !== b.kind) return diff();
  switch (a.kind) {
    case "tensor":
      return null;
    case "static":
      return Object.is(a.value, (b as typeof a).value) ? null : diff();
    case "array": {
      const bc = (b as typeof a).children;
      if (a.children.length !== bc.length) return diff();
      for (let i = 0; i < bc.length; i++) {
        path.push(i);
        const d = firstDifference(a.children[i], bc[i], path);
        path.pop();
        if (d !== null) return d;
      }
      return null;
    }
    case "object": {
      const bo = b as typeof a;
      if (a.keys.length !== bo.keys.length || a.keys.some((k, i) => k !== bo.keys[i])) return diff();
      for (let i = 0; i < a.keys.length; i++) {
        path.push(a.keys[i]);
        const d = firstDifference(a.children[i], bo.children[i], path);
        path.pop();
        if (d !== null) return d;
      }
      return null;
    }
  }
}

function build(x: unknown, leaves: Tensor[], paths: PathEntry[][] | null, path: PathEntry[], seen: Set<object>): Node {
  if (x instanceof Tensor) {
    leaves.push(x);
    if (paths !== null) paths.push(path.slice());
    return { kind: "tensor" };
  }
  if (Array.isArray(x) || isPlainObject(x)) {
    if (seen.has(x)) throw new ArgumentError("treeFlatten", `the tree contains a cycle at ${formatPath(path)}`);
    seen.add(x);
    let node: Node;
    if (Array.isArray(x)) {
      const children: Node[] = [];
      for (let i = 0; i < x.length; i++) {
        path.push(i);
        children.push(build(x[i], leaves, paths, path, seen));
        path.pop();
      }
      node = { kind: "array", children };
    } else {
      const keys = Object.keys(x).sort();
      const children: Node[] = [];
      for (const k of keys) {
        path.push(k);
        children.push(build(x[k], leaves, paths, path, seen));
        path.pop();
      }
      node = { kind: "object", keys, children };
    }
    seen.delete(x);
    return node;
  }
  return { kind: "static", value: x };
}

/** Flattens a pytree into its tensor leaves (depth first, object keys sorted) and its structure. */
export function treeFlatten(tree: unknown): { leaves: Tensor[]; treedef: TreeDef } {
  const leaves: Tensor[] = [];
  const root = build(tree, leaves, null, [], new Set());
  return { leaves, treedef: new TreeDef(root, leaves.length) };
}

/** Like treeFlatten, with the path of each leaf (`[["W"], ["layers", 0, "b"]]`). */
export function treeFlattenWithPath(tree: unknown): { leaves: Tensor[]; paths: PathEntry[][]; treedef: TreeDef } {
  const leaves: Tensor[] = [];
  const paths: PathEntry[][] = [];
  const root = build(tree, leaves, paths, [], new Set());
  return { leaves, paths, treedef: new TreeDef(root, leaves.length) };
}

/** The tensor leaves of a pytree, in treeFlatten's order. */
export function treeLeaves(tree: unknown): Tensor[] {
  return treeFlatten(tree).leaves;
}

/** What treeUnflatten puts where the structure has a static leaf. */
export interface UnflattenOptions {
  /** "keep" (default): the original static value; "null": null (as in gradients of static leaves). */
  staticLeaves?: "keep" | "null";
}

/** Rebuilds a tree of `treedef`'s structure with `leaves` in the tensor slots. */
export function treeUnflatten<T = Tree>(treedef: TreeDef, leaves: readonly unknown[], opts: UnflattenOptions = {}): T {
  if (!(treedef instanceof TreeDef))
    throw new ArgumentError("treeUnflatten", `argument treedef must be a TreeDef (from treeFlatten); got ${describeStatic(treedef)}`);
  if (!Array.isArray(leaves))
    throw new ArgumentError("treeUnflatten", `argument leaves must be an array; got ${describeStatic(leaves)}`);
  if (leaves.length !== treedef.numLeaves)
    throw new ShapeError("treeUnflatten", `the structure ${treedef.toString()} has ${treedef.numLeaves} tensor leaves, got ${leaves.length} leaves`);
  const nullStatic = opts.staticLeaves === "null";
  let next = 0;
  const rebuild = (n: Node): unknown => {
    switch (n.kind) {
      case "tensor":
        return leaves[next++];
      case "static":
        return nullStatic ? null : n.value;
      case "array":
        return n.children.map(rebuild);
      case "object": {
        const o: Record<string, unknown> = {};
        n.keys.forEach((k, i) => {
          o[k] = rebuild(n.children[i]);
        });
        return o;
      }
    }
  };
  return rebuild(treedef._root) as T;
}

/**
 * Maps `fn` over the tensor leaves of `tree` (and the corresponding leaves of
 * `rest`, which must have the same structure); static leaves are kept from `tree`.
 * A structure mismatch raises ShapeError naming the path where the trees differ.
 */
export function treeMap<T>(fn: (x: Tensor, ...rest: Tensor[]) => Tensor, tree: T, ...rest: unknown[]): T {
  if (typeof fn !== "function") throw new ArgumentError("treeMap", `argument fn must be a function; got ${describeStatic(fn)}`);
  const { leaves, treedef } = treeFlatten(tree);
  const others = rest.map((r, j) => {
    const f = treeFlatten(r);
    const d = treedef.difference(f.treedef);
    if (d !== null)
      throw new ShapeError("treeMap", `tree ${j + 1} differs from tree 0 at ${d.path}: tree 0 has ${d.here}, tree ${j + 1} has ${d.there}`);
    return f.leaves;
  });
  const out = leaves.map((x, i) => {
    const y = fn(x, ...others.map((o) => o[i]));
    if (!(y instanceof Tensor)) throw new ArgumentError("treeMap", `fn must return a Tensor; at leaf ${i} it returned ${describeStatic(y)}`);
    return y;
  });
  return treeUnflatten<T>(treedef, out);
}

/** The structure of a pytree (treeFlatten(tree).treedef). */
export function treeStructure(tree: unknown): TreeDef {
  return treeFlatten(tree).treedef;
}

/**
 * The tensor leaves of `value`, read at the tensor slots of `treedef` (the
 * structure of a reference tree, e.g. the primals): containers must match,
 * static slots are skipped (any value is accepted there: a tangent or a
 * cotangent of a static leaf carries no information). Where `treedef` has a
 * tensor and `value` has something else, `convert` may turn it into a tensor
 * (numbers and nested number arrays); otherwise, and on any structural
 * mismatch, a ShapeError starting with `op` names the path, both sides, and
 * what `value` and the reference are (`what`, `ref`: "tangents", "primals").
 */
export function treeLeavesLike(
  op: string, what: string, ref: string, treedef: TreeDef, value: unknown,
  convert: ((x: unknown) => Tensor | null) | null = null,
): Tensor[] {
  if (typeof op !== "string" || typeof what !== "string" || typeof ref !== "string" || !(treedef instanceof TreeDef))
    throw new ArgumentError("treeLeavesLike", `expects (op: string, what: string, ref: string, treedef: TreeDef, value); got ${[op, what, ref, treedef].map((v) => describeArg(v)).join(", ")}`);
  return matchLeaves(op, what, ref, treedef, value, convert, false) as Tensor[];
}

/** Like treeLeavesLike, but `null` or `undefined` at a tensor slot gives a null leaf (a user gradient "none"). */
export function treeLeavesLikeOrNull(op: string, what: string, ref: string, treedef: TreeDef, value: unknown): (Tensor | null)[] {
  return matchLeaves(op, what, ref, treedef, value, null, true);
}

function matchLeaves(
  op: string, what: string, ref: string, treedef: TreeDef, value: unknown,
  convert: ((x: unknown) => Tensor | null) | null, nullable: boolean,
): (Tensor | null)[] {
  const out: (Tensor | null)[] = [];
  const path: PathEntry[] = [];
  const fail = (n: Node, v: unknown): never => {
    throw new ShapeError(op, `${what} differ from ${ref} at ${formatPath(path)}: ${ref} have ${describeKind(n)}, ${what} have ${describeValue(v)}`);
  };
  const walk = (n: Node, v: unknown): void => {
    switch (n.kind) {
      case "static":
        return;
      case "tensor": {
        if (v instanceof Tensor || (nullable && (v === null || v === undefined))) {
          out.push(v ?? null);
          return;
        }
        const c = convert === null ? null : convert(v);
        if (c === null) fail(n, v);
        else out.push(c);
        return;
      }
      case "array": {
        if (!Array.isArray(v) || v.length !== n.children.length) fail(n, v);
        const a = v as unknown[];
        for (let i = 0; i < a.length; i++) {
          path.push(i);
          walk(n.children[i], a[i]);
          path.pop();
        }
        return;
      }
      case "object": {
        if (!isPlainObject(v)) return fail(n, v);
        const keys = Object.keys(v).sort();
        if (keys.length !== n.keys.length || keys.some((k, i) => k !== n.keys[i])) fail(n, v);
        n.keys.forEach((k, i) => {
          path.push(k);
          walk(n.children[i], v[k]);
          path.pop();
        });
        return;
      }
    }
  };
  walk(treedef._root, value);
  return out;
}

function describeValue(v: unknown): string {
  if (v instanceof Tensor) return "a tensor";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (isPlainObject(v)) return `an object with keys {${Object.keys(v).sort().join(", ")}}`;
  return `the value ${describeStatic(v)}`;
}
