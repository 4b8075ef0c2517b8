/**
 * vmap: the vectorizing map, as jax.vmap / torch.func.vmap.
 *
 * vmap(f)(xs) runs f once on *batched tensors* (src/tensor/batched.ts): each
 * mapped argument is moved so that its mapped axis is first, and f sees one
 * example (the logical shape without that axis). Every op f applies reaches
 * the dispatcher, which hands the physical tensors to the primitive's
 * batching rule (src/ops/batching.ts); the results are batched tensors
 * again, and at the end the outputs are unwrapped and their batch axis moved
 * to `outAxes`.
 *
 * Composition. A vmap opens a level in the same counter as jvp's tangent
 * levels, and the dispatcher always processes the innermost transform first:
 * vmap(jvp(f)) pushes tangents of batched tensors, jvp(vmap(f)) batches
 * tensors that carry tangents. Reverse mode has no levels: a batched op
 * records a node on the *logical* tensors (so grad inside vmap
 * differentiates the example: per-example gradients) and its batching rule's
 * ops record on the physical ones (so grad outside vmap differentiates the
 * batched computation). See docs/architecture.md.
 */
import { Tensor } from "../tensor/tensor.js";
import { LeafNode, enterBatchLevel, exitBatchLevel, type Randomness } from "../tensor/meta.js";
import { makeBatched, escapedError } from "../tensor/batched.js";
import { fmtShape } from "../tensor/shape.js";
import { ArgumentError, BatchingError, ShapeError } from "../errors.js";
import { checkOptions, describe } from "../validate.js";
import { broadcastTo, permute, reshape } from "../ops/api.js";
import { formatPath, treeFlattenWithPath, treeUnflatten, type PathEntry } from "../tree/index.js";
import { topArg, type TransformArgs } from "./transforms.js";

/**
 * Which axis of each argument (or output) is mapped: a number (negative
 * counts from the end), `null` (not mapped: the same value for every
 * example), or — for trees — a tree prefix of the value giving the axis per
 * subtree (`{ W: null, b: 0 }`).
 */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

/** Options of {@link vmap}. */
export interface VmapOptions {
  /**
   * The mapped axis of the arguments: one spec for all (default 0), or an
   * array with one spec per positional argument, each a number, null or a
   * tree prefix of that argument.
   */
  inAxes?: AxisSpec;
  /** Where the batch axis goes in the outputs: a number (default 0), null (the output must not depend on the mapped arguments), or a tree prefix of the output. */
  outAxes?: AxisSpec;
  /** The batch size; needed when no argument is mapped, checked against the mapped arguments otherwise. */
  axisSize?: number;
  /**
   * Random creation functions (`randn`, `rand`, …) called inside f: "error"
   * (default, as torch.func.vmap) raises, "different" draws independent values
   * for every example, "same" draws one value shared by all examples.
   */
  randomness?: Randomness;
}

interface LeafAxis {
  axis: number | null;
  path: PathEntry[];
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object" || Array.isArray(x)) return false;
  const p = Object.getPrototypeOf(x) as unknown;
  return p === Object.prototype || p === null;
}

/**
 * The axis of every tensor leaf of `value` (in treeFlatten's order: arrays in
 * order, object keys sorted), given `spec`, a tree prefix of value.
 */
function leafAxes(op: string, what: string, spec: unknown, value: unknown, path: PathEntry[], out: LeafAxis[]): void {
  if (spec === null || spec === undefined || typeof spec === "number") {
    if (typeof spec === "number" && !Number.isInteger(spec))
      throw new ArgumentError(op, `${what}${where(path)} must be an integer axis, null or a tree of them; got ${spec}`);
    const fl = treeFlattenWithPath(value);
    for (const p of fl.paths) out.push({ axis: spec ?? null, path: [...path, ...p] });
    return;
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(value) || value.length !== spec.length)
      throw new ShapeError(op, `${what}${where(path)} is an array of ${spec.length} entries, but the value there is ${Array.isArray(value) ? `an array of ${value.length}` : describe(value)}: a tree prefix must match the structure`);
    spec.forEach((s, i) => leafAxes(op, what, s, value[i], [...path, i], out));
    return;
  }
  if (isPlainObject(spec)) {
    if (!isPlainObject(value))
      throw new ShapeError(op, `${what}${where(path)} is an object with keys {${Object.keys(spec).sort().join(", ")}}, but the value there is ${describe(value)}: a tree prefix must match the structure`);
    const ks = Object.keys(spec).sort(), kv = Object.keys(value).sort();
    if (ks.length !== kv.length || ks.some((k, i) => k !== kv[i]))
      throw new ShapeError(op, `${what}${where(path)} has keys {${ks.join(", ")}} but the value there has keys {${kv.join(", ")}}`);
    for (const k of ks) leafAxes(op, what, spec[k], value[k], [...path, k], out);
    return;
  }
  throw new ArgumentError(op, `${what}${where(path)} must be an integer axis, null, or an array / object of them (a tree prefix); got ${describe(spec)}`);
}

function where(path: readonly PathEntry[]): string {
  return path.length === 0 ? "" : ` at ${formatPath(path)}`;
}

function argName(path: readonly PathEntry[]): string {
  // path[0] is the argument position
  const rest = path.slice(1);
  return `argument ${String(path[0])}${rest.length === 0 ? "" : ` at ${formatPath(rest)}`}`;
}

/** x with axis `from` moved to position `to` (a permute; none when equal). */
function moveAxis(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const perm = Array.from({ length: x.ndim }, (_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return permute(x, perm);
}

function checkAxisSize(op: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new ArgumentError(op, `option axisSize must be a non-negative integer; got ${describe(v)}`);
  return v;
}

function checkRandomness(op: string, v: unknown): Randomness {
  if (v === undefined) return "error";
  if (v !== "error" && v !== "different" && v !== "same") throw new ArgumentError(op, `option randomness must be "error", "different" or "same"; got ${describe(v)}`);
  return v;
}

/**
 * vmap(f, { inAxes, outAxes, axisSize, randomness }) maps f over an axis of
 * its arguments: `vmap(f)(X)` stacks `f(X[0]), f(X[1]), …` along axis 0 — but
 * runs f once, on the whole batch, through each op's batching rule (one
 * batched kernel call per op, not a loop). f is written for one example.
 *
 * `inAxes` says which axis of each argument is mapped (null: not mapped,
 * shared by all examples); `outAxes` where the batch axis goes in the
 * results. Arguments and results may be pytrees; the axis specs are then
 * tree prefixes. vmap composes with every transform in both orders and with
 * itself: `vmap(grad(loss), { inAxes: [null, 0] })(params, batch)` gives
 * per-example gradients. An output that does not depend on the mapped
 * arguments is broadcast along the batch (as JAX).
 */
export function vmap<A extends unknown[], R>(f: (...args: A) => R, opts?: VmapOptions): (...args: TransformArgs<A>) => R {
  const op = "vmap";
  if (typeof f !== "function") throw new ArgumentError(op, `argument f must be a function; got ${describe(f)}`);
  checkOptions(op, opts, ["inAxes", "outAxes", "axisSize", "randomness"]);
  const inSpec: unknown = opts?.inAxes === undefined ? 0 : opts.inAxes;
  const outSpec: unknown = opts?.outAxes === undefined ? 0 : opts.outAxes;
  const axisSize = checkAxisSize(op, opts?.axisSize);
  const randomness = checkRandomness(op, opts?.randomness);
  // validate the specs' kinds early (structure is checked against the values at call time)
  leafAxes(op, "inAxes", inSpec, inSpec === null || typeof inSpec === "number" ? null : inSpec, [], []);
  return ((...raw: unknown[]) => {
    const args = raw.map(topArg);
    if (Array.isArray(inSpec) && inSpec.length !== args.length)
      throw new ShapeError(op, `inAxes has ${inSpec.length} entries but the function was called with ${args.length} argument(s): give one entry per positional argument (null for unmapped ones)`);
    const axes: LeafAxis[] = [];
    if (Array.isArray(inSpec)) inSpec.forEach((s, i) => leafAxes(op, "inAxes", s, args[i], [i], axes));
    else args.forEach((a, i) => leafAxes(op, "inAxes", inSpec, a, [i], axes));
    const fl = treeFlattenWithPath(args);
    // the batch size: from the mapped leaves, which must agree
    let size = -1;
    const sizes: string[] = [];
    const norm: (number | null)[] = fl.leaves.map((x, k) => {
      const a = axes[k].axis;
      if (a === null) return null;
      if (x.ndim === 0)
        throw new ShapeError(op, `${argName(axes[k].path)} is a 0-d tensor (a scalar), which has no axis ${a} to map over; use inAxes null for it`);
      if (a < -x.ndim || a >= x.ndim)
        throw new ShapeError(op, `inAxes maps axis ${a} of ${argName(axes[k].path)}, which has shape ${fmtShape(x.shape)} (axes −${x.ndim}…${x.ndim - 1})`);
      const ax = a < 0 ? a + x.ndim : a;
      const n = x.shape[ax];
      sizes.push(`${argName(axes[k].path)} has size ${n} at axis ${ax} (shape ${fmtShape(x.shape)})`);
      if (size < 0) size = n;
      else if (n !== size) throw new ShapeError(op, `the mapped axes have different sizes: ${sizes.join("; ")}`);
      return ax;
    });
    if (size < 0) {
      if (axisSize === undefined) throw new ArgumentError(op, "no argument is mapped (every inAxes entry is null, or there are no tensor arguments): give the batch size as option axisSize");
      size = axisSize;
    } else if (axisSize !== undefined && axisSize !== size)
      throw new ShapeError(op, `option axisSize is ${axisSize} but the mapped axes have size ${size}: ${sizes.join("; ")}`);
    const level = enterBatchLevel(size, randomness);
    let result: unknown;
    try {
      const wrapped = fl.leaves.map((x, k) => {
        const ax = norm[k];
        if (ax === null) return x;
        const w = makeBatched(moveAxis(x, ax, 0), level, size);
        // A physical tensor on the tape (a transform outside this vmap differentiates it): the logical
        // tensor is a leaf of the tape too, so that a reverse transform inside f sees that something
        // outside depends on it and records its backward pass (grad(vmap(grad(f))), see engine.ts).
        if (onTape(w._bt!.value)) w._node = new LeafNode(w);
        return w;
      });
      result = (f as (...a: unknown[]) => unknown)(...treeUnflatten<unknown[]>(fl.treedef, wrapped));
    } finally {
      exitBatchLevel(level);
    }
    return unbatchOutputs(op, result, outSpec, level, size);
  }) as (...args: TransformArgs<A>) => R;
}

/** Does t (or the physical tensor behind it, at any level) have a tape node? */
function onTape(t: Tensor): boolean {
  for (let p: Tensor | null = t; p !== null; p = p._bt === null ? null : p._bt.value) if (p._node !== null) return true;
  return false;
}

/** The results of f with the batch axis of each tensor leaf moved to its outAxes entry (unmapped ones broadcast). */
function unbatchOutputs(op: string, result: unknown, outSpec: unknown, level: number, size: number): unknown {
  const of = treeFlattenWithPath(result);
  const axes: LeafAxis[] = [];
  leafAxes(op, "outAxes", outSpec, result, [], axes);
  const leaves = of.leaves.map((o, k) => {
    const bt = o._bt;
    let phys: Tensor | null = null;
    if (bt !== null) {
      if (bt.level === level) phys = bt.value;
      else if (bt.level > level) throw escapedError(o);
    }
    const a = axes[k].axis;
    const at = where(of.paths[k]);
    if (a === null) {
      if (phys !== null)
        throw new BatchingError(op, `outAxes is null for the output${at}, but it depends on the mapped arguments (it differs across the batch); give it an axis`);
      return o;
    }
    const rank = o.ndim + 1;
    if (a < -rank || a >= rank)
      throw new ShapeError(op, `outAxes puts the batch axis at ${a} for the output${at} of shape ${fmtShape(o.shape)}, but the batched result has ${rank} axes (−${rank}…${rank - 1})`);
    const ax = a < 0 ? a + rank : a;
    // an output that does not depend on the mapped arguments: the same for every example (JAX broadcasts it)
    const p = phys ?? broadcastTo(reshape(o, [1, ...o.shape]), [size, ...o.shape]);
    return moveAxis(p, 0, ax);
  });
  return treeUnflatten(of.treedef, leaves);
}
