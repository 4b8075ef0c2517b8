/**
 * The machinery shared by custom differentiable functions (`Function`,
 * `customVjp`, `customJvp`): each call becomes a Rule created at runtime and
 * applied with `applyMulti`, so the engine runs user derivatives exactly like
 * built-in ones (tape, forward levels, un-broadcasting, double backward).
 *
 * - User derivatives are checked: one gradient per argument, null for
 *   non-tensor arguments, shapes matching the inputs; errors name the
 *   function, the argument index and both shapes.
 * - A VJP from a JVP (reverse mode from a Gateaux derivative). The JVP
 *   t ↦ J(x)[t] is linear in t, so Jᵀ[ct] = ∇ₜ ⟨ct, J(x)[t]⟩: one reverse pass
 *   through the JVP, evaluated at tangent leaves t = 0. With createGraph the
 *   pass is recorded, so the VJP stays differentiable in x and ct. A
 *   black-box JVP (one that only evaluates, e.g. on raw arrays) is detected —
 *   its result does not depend on t on the tape although it is nonzero — and
 *   its Jacobian is materialized column by column: one JVP per input entry,
 *   allowed up to `DEFAULT_MATERIALIZE_LIMIT` input entries (and
 *   `MAX_JACOBIAN_ENTRIES` Jacobian entries); its VJP is then once differentiable.
 * - A JVP from a VJP, by the same transposition: J[t] = ∇_c ⟨Jᵀ[c], t⟩.
 * - onceDifferentiable: when a backward runs with createGraph, it runs without
 *   recording and its results are tied to a guard node whose own VJP and JVP
 *   raise an AutogradError: a further derivative is refused, never silently wrong.
 * - Under vmap the rule's batching rule is `batchByVmap` (ops/batching.ts):
 *   the user's forward, backward and jvp run once, on batched tensors. Saved
 *   tensors come back re-expressed at the levels of the derivative call
 *   (Binding.rebatch), and a read of batched values inside the user's code
 *   is reported as a BatchingError naming the function and the part.
 */
import { Tensor } from "../tensor/tensor.js";
import { LeafNode, isBatchLevelLive, isGradEnabled, type Rule } from "../tensor/meta.js";
import { makeBatched } from "../tensor/batched.js";
import { broadcastsTo, fmtShape, shapesEqual } from "../tensor/shape.js";
import { Generator } from "../tensor/random.js";
import { ArgumentError, AutogradError, BatchingError, ShapeError } from "../errors.js";
import { apply, applyMulti } from "../ops/dispatch.js";
import { batchByVmap, withBatch } from "../ops/batching.js";
import { add, broadcastTo, concat, matmul, mul, reshape, sum } from "../ops/api.js";
import { enableGrad, gradients, noGrad } from "../autodiff/engine.js";
import { customSpecOf } from "./introspect.js";
import { treeFlatten, treeLeavesLikeOrNull, treeUnflatten, type TreeDef } from "../tree/index.js";

/** Input entries above which a black-box linear operator's Jacobian is not materialized (a 32×32 matrix). */
export const DEFAULT_MATERIALIZE_LIMIT = 1024;
import { MAX_JACOBIAN_ENTRIES } from "../autodiff/transforms.js";
export { MAX_JACOBIAN_ENTRIES };

/**
 * How reverse mode is derived from a JVP rule: "autodiff" (one reverse pass through the JVP), "materialize" (the
 * Jacobian, column by column) or "auto".
 */
export type TransposeMode = "auto" | "autodiff" | "materialize";

/** How saved tensors found their way back: raw forward tensors ↔ the tensors of the current derivative call. */
export class Binding {
  aliases: Tensor[] = [];
  rawOuts: Tensor[] = [];
  private inputs: Tensor[] | null = null;
  private outs: Tensor[] | null = null;

  /** The tensor standing for t in the current derivative call (inputs and outputs are re-bound so higher derivatives see them). */
  map(t: Tensor): Tensor {
    if (this.inputs !== null) {
      const k = this.aliases.indexOf(t);
      if (k >= 0) return this.inputs[k];
    }
    if (this.outs !== null) {
      const j = this.rawOuts.indexOf(t);
      if (j >= 0) return this.outs[j];
    }
    return t._bt === null || this.inputs === null ? t : this.rebatch(t);
  }

  /**
   * A tensor the forward made under vmap (batched at levels that ended with
   * the forward: the fresh level of batchByVmap) re-expressed at the levels
   * of the current derivative call. The forward's inputs (aliases) and this
   * call's inputs stand for the same examples, so their batch levels
   * correspond one to one, outermost wrapper first; a saved intermediate at
   * a dead level k is re-wrapped at the level that corresponds to k.
   */
  private rebatch(t: Tensor): Tensor {
    const map = new Map<number, number>();
    const ins = this.inputs!;
    for (let k = 0; k < ins.length && k < this.aliases.length; k++) {
      let a: Tensor = this.aliases[k], x: Tensor = ins[k];
      while (a._bt !== null && x._bt !== null) {
        if (a._bt.level !== x._bt.level && !isBatchLevelLive(a._bt.level)) map.set(a._bt.level, x._bt.level);
        a = a._bt.value;
        x = x._bt.value;
      }
    }
    if (map.size === 0) return t;
    const go = (u: Tensor): Tensor => {
      const bt = u._bt;
      if (bt === null) return u;
      const inner = go(bt.value);
      const level = map.get(bt.level) ?? bt.level;
      return inner === bt.value && level === bt.level ? u : makeBatched(inner, level, bt.size);
    };
    return go(t);
  }

  /** map() through arrays and plain objects (residuals of customVjp). */
  deepMap(v: unknown): unknown {
    if (v instanceof Tensor) return this.map(v);
    if (Array.isArray(v)) return v.map((e) => this.deepMap(e));
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      const o: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) o[k] = this.deepMap(e);
      return o;
    }
    return v;
  }

  with<T>(inputs: Tensor[], outs: Tensor[], fn: () => T): T {
    const pi = this.inputs, po = this.outs;
    this.inputs = inputs;
    this.outs = outs;
    try {
      return fn();
    } finally {
      this.inputs = pi;
      this.outs = po;
    }
  }
}

export interface CustomSpec {
  /** The function's name, used in every error message. */
  name: string;
  /** The call's arguments (tensors and anything else). */
  args: readonly unknown[];
  /** Positions of the tensor arguments (the rule's inputs, in order). */
  tensorPos: readonly number[];
  /** Run the user forward on plain aliases of the inputs (no tape, no tangents); returns Tensor | Tensor[]. */
  forward(aliases: Tensor[]): unknown;
  /**
   * The user VJP: one entry per argument, given the (re-bound) inputs, outputs,
   * one cotangent per output, and which tensor inputs need a gradient in this call.
   */
  backward: ((inputs: Tensor[], outs: Tensor[], cts: (Tensor | null)[], needs: readonly boolean[]) => unknown) | null;
  /** The user JVP: tangents per output, given the inputs, outputs and one tangent per tensor input. */
  jvp: ((inputs: Tensor[], outs: Tensor[], tangents: (Tensor | null)[]) => unknown) | null;
  onceDifferentiable: boolean;
  /** Replace missing cotangents / tangents by zeros (default true). */
  materializeGrads(): boolean;
  /** Raw outputs marked non-differentiable during forward. */
  nonDifferentiable(): readonly Tensor[];
  transpose: TransposeMode;
  materializeLimit: number;
}

export interface CustomResult {
  outs: Tensor[];
  /** The forward returned a single Tensor (not an array). */
  single: boolean;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof Tensor) return `a Tensor of shape ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

function zerosOf(shape: readonly number[]): Tensor {
  return new Tensor(new Float64Array(shape.reduce((p, d) => p * d, 1)), shape.slice());
}

function plain(x: Tensor): Tensor {
  return x._alias();
}

function leafZeros(shape: readonly number[]): Tensor {
  const t = zerosOf(shape);
  t._node = new LeafNode(t);
  return t;
}

/** Check a user VJP's result: one entry per argument; returns one gradient per tensor input. */
export function normalizeGrads(spec: CustomSpec, raw: unknown, inputs: readonly Tensor[], what = "backward"): (Tensor | null)[] {
  const nArgs = spec.args.length;
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  if (list.length !== nArgs)
    throw new AutogradError(spec.name, `${what} returned ${list.length} gradient${list.length === 1 ? "" : "s"}, but forward took ${nArgs} argument${nArgs === 1 ? "" : "s"}: return one entry per argument (null for an argument without gradient, and for non-tensor arguments)`);
  const out: (Tensor | null)[] = inputs.map(() => null);
  for (let p = 0; p < nArgs; p++) {
    const g = list[p];
    if (g === null || g === undefined) continue;
    const k = spec.tensorPos.indexOf(p);
    if (k < 0)
      throw new AutogradError(spec.name, `${what} returned ${describe(g)} as the gradient of input ${p}, which is not a tensor (${describe(spec.args[p])}); return null for it`);
    if (!(g instanceof Tensor))
      throw new AutogradError(spec.name, `${what} returned ${describe(g)} as the gradient of input ${p}; expected a Tensor or null`);
    const x = inputs[k];
    if (!shapesEqual(g.shape, x.shape) && !broadcastsTo(x.shape, g.shape))
      throw new ShapeError(spec.name, `${what} returned a gradient of shape ${fmtShape(g.shape)} for input ${p} of shape ${fmtShape(x.shape)}`);
    out[k] = g;
  }
  return out;
}

/** Check a user JVP's result: one tangent per output (null = zero). */
export function normalizeTangents(spec: CustomSpec, raw: unknown, outs: readonly Tensor[]): (Tensor | null)[] {
  const n = outs.length;
  const list: unknown[] = n === 1 && !Array.isArray(raw) ? [raw] : Array.isArray(raw) ? raw : [raw];
  if (list.length !== n)
    throw new AutogradError(spec.name, `jvp returned ${list.length} tangent${list.length === 1 ? "" : "s"}, but forward returned ${n} output${n === 1 ? "" : "s"}`);
  return list.map((t, j) => {
    if (t === null || t === undefined) return null;
    if (!(t instanceof Tensor)) throw new AutogradError(spec.name, `jvp returned ${describe(t)} as the tangent of output ${j}; expected a Tensor or null`);
    if (shapesEqual(t.shape, outs[j].shape)) return t;
    if (broadcastsTo(t.shape, outs[j].shape)) return broadcastTo(t, outs[j].shape);
    throw new ShapeError(spec.name, `jvp returned a tangent of shape ${fmtShape(t.shape)} for output ${j} of shape ${fmtShape(outs[j].shape)}`);
  });
}

/**
 * Custom functions over pytree arguments. When some positional argument is a
 * container (plain object / array) holding tensors, the rule's inputs are the
 * tensor leaves of all arguments: forward gets the trees rebuilt around the
 * aliases, and the user's per-argument gradients (trees of the argument's
 * structure, null for "none") are flattened back to one entry per leaf. With
 * only tensor and static positional arguments, `tree` is false and the
 * positional path (one rule input per tensor argument) applies unchanged.
 */
export class ArgTrees {
  readonly tree: boolean;
  readonly leaves: Tensor[];
  private readonly defs: TreeDef[];
  private readonly args: readonly unknown[];

  constructor(args: readonly unknown[]) {
    this.args = args;
    const flats = args.map((a) => treeFlatten(a));
    this.tree = args.some((a, i) => !(a instanceof Tensor) && flats[i].leaves.length > 0);
    this.defs = flats.map((f) => f.treedef);
    this.leaves = flats.flatMap((f) => f.leaves);
  }

  /** The positional arguments with ts in the tensor slots; static leaves kept, or null (for tangents). */
  rebuild(ts: readonly (Tensor | null)[], staticNull = false): unknown[] {
    let next = 0;
    return this.defs.map((d) => treeUnflatten(d, ts.slice(next, (next += d.numLeaves)), { staticLeaves: staticNull ? "null" : "keep" }));
  }

  /** Per argument: does any of its tensor leaves satisfy `pred`? */
  perArg(leafFlags: readonly boolean[]): boolean[] {
    let next = 0;
    return this.defs.map((d) => leafFlags.slice(next, (next += d.numLeaves)).some((x) => x));
  }

  /** The user's gradients (one entry per argument; a single argument's entry may be given bare) as one entry per leaf. */
  gradsToLeaves(name: string, what: string, raw: unknown): (Tensor | null)[] {
    const n = this.args.length;
    const list: unknown[] = n === 1 && !(Array.isArray(raw) && raw.length === 1) ? [raw] : Array.isArray(raw) ? raw : [raw];
    if (list.length !== n)
      throw new AutogradError(name, `${what} returned ${list.length} gradient${list.length === 1 ? "" : "s"}, but forward took ${n} argument${n === 1 ? "" : "s"}: return one entry per argument (null for an argument without gradient, and for non-tensor arguments)`);
    const out: (Tensor | null)[] = [];
    list.forEach((g, p) => {
      const d = this.defs[p];
      if (g === null || g === undefined) {
        for (let k = 0; k < d.numLeaves; k++) out.push(null);
        return;
      }
      if (d.numLeaves === 0)
        throw new AutogradError(name, `${what} returned ${describe(g)} as the gradient of input ${p}, which holds no tensor (${describe(this.args[p])}); return null for it`);
      out.push(...treeLeavesLikeOrNull(name, `${what}'s gradients of input ${p}`, "inputs", d, g));
    });
    return out;
  }
}

/**
 * The outputs of a custom function: a Tensor, an array of Tensors, or a pytree
 * holding tensors. A tree's tensor leaves are the rule's outputs; cotangents
 * are handed to the user's backward as a tree of the output's structure (null
 * at static leaves), and a user JVP's tangent tree is flattened back.
 */
export class OutTree {
  /** The output's structure when it is a tree (not a Tensor or a flat array of Tensors). */
  def: TreeDef | null = null;

  /** What the rule returns for the user forward's result r (r itself unless it is a tree). */
  flatten(r: unknown): unknown {
    if (r instanceof Tensor || (Array.isArray(r) && r.length > 0 && r.every((o) => o instanceof Tensor))) {
      this.def = null;
      return r;
    }
    const f = treeFlatten(r);
    if (f.leaves.length === 0) return r; // not a tensor output: applyCustom raises
    this.def = f.treedef;
    return f.leaves;
  }

  /** One value per output (cotangents, outputs) in the user's structure: the tree, the single Tensor, or the array. */
  shape<T>(vals: readonly T[], single: boolean): unknown {
    if (this.def !== null) return treeUnflatten(this.def, vals, { staticLeaves: "null" });
    return single ? vals[0] : vals;
  }

  /** The final result of a call: the outputs in the user's structure (static leaves kept). */
  result(outs: Tensor[], single: boolean): unknown {
    if (this.def !== null) return treeUnflatten(this.def, outs);
    return single ? outs[0] : outs;
  }

  /** A user JVP's result as one tangent per output. */
  tangents(name: string, raw: unknown): unknown {
    return this.def === null ? raw : treeLeavesLikeOrNull(name, "jvp's tangents", "outputs", this.def, raw);
  }
}

/** A node that passes g through but refuses to be differentiated (onceDifferentiable). */
function guarded(name: string, reason: string, g: Tensor, deps: readonly (Tensor | null)[]): Tensor {
  const refuse = (): never => {
    throw new AutogradError(name, `${reason}: its backward cannot be differentiated again (double backward, or createGraph through its gradient)`);
  };
  const rule: Rule<null> = {
    name: `${name}Backward`,
    onceDifferentiable: true,
    forward: ([x]) => x._alias(),
    vjp: refuse,
    jvp: refuse,
    // the guard passes input 0 through; the other inputs only tie it to the tape
    batch: (xs, batched, _p, size) => apply(rule, [withBatch(xs[0], batched[0], size), ...xs.slice(1)], null),
  };
  const ins = [g];
  for (const d of deps) if (d !== null && (d._node !== null || d._fw !== null)) ins.push(d);
  if (ins.length === 1 && g._node === null && g._fw === null) return g;
  return apply(rule, ins, null);
}

/**
 * A rule whose VJP, when run with createGraph, is computed without recording
 * and returns guarded results: a further derivative through them raises an
 * AutogradError naming the rule. For rules whose VJP is not differentiable
 * (raw kernels, materialized constants); the result has onceDifferentiable set.
 */
export function onceDifferentiableRule<P>(rule: Rule<P>): Rule<P> {
  return {
    ...rule,
    onceDifferentiable: true,
    vjp(ct, inputs, out, params, needs) {
      if (!isGradEnabled()) return rule.vjp(ct, inputs, out, params, needs);
      const grads = noGrad(() => rule.vjp(ct, inputs, out, params, needs));
      const cts: (Tensor | null)[] = Array.isArray(ct) ? ct : [ct];
      return grads.map((g) => (g === null || g === undefined ? null : guarded(rule.name, "is marked onceDifferentiable", g, [...inputs, ...cts])));
    },
  };
}

/** Σⱼ ⟨aⱼ, bⱼ⟩ over the pairs where both exist (null if none). */
function innerSum(a: readonly (Tensor | null)[], b: readonly (Tensor | null)[]): Tensor | null {
  let s: Tensor | null = null;
  for (let j = 0; j < a.length; j++) {
    const x = a[j], y = b[j];
    if (x === null || y === null) continue;
    const d = sum(mul(x, y));
    s = s === null ? d : add(s, d);
  }
  return s;
}

/** The values behind t: its own, or under vmap those of every example (the physical tensor under its batch levels). */
function valuesOf(t: Tensor): Float64Array {
  let p = t;
  while (p._bt !== null) p = p._bt.value;
  return p.data;
}

function anyNonzero(ts: readonly (Tensor | null)[]): boolean {
  for (const t of ts) {
    if (t === null) continue;
    const d = valuesOf(t);
    for (let k = 0; k < d.length; k++) if (d[k] !== 0) return true;
  }
  return false;
}

function randomLike(g: Generator, shape: readonly number[]): Tensor {
  const t = zerosOf(shape);
  for (let k = 0; k < t.size; k++) t.data[k] = g.normal();
  return t;
}

/**
 * Run a part of the user's code (`what`: forward, backward, jvp); when it
 * meets batched tensors and fails on them (a read of their values), the
 * BatchingError names the custom function and the part.
 */
function underVmapFor<T>(name: string, what: string, ts: readonly (Tensor | null)[], fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BatchingError && !e.message.startsWith(`${name}: `) && /random numbers drawn inside vmap/.test(e.message))
      throw new BatchingError(name, `its ${what} drew random numbers under vmap: a custom function's ${what} runs once for the whole batch, at a vmap level of its own, ` +
        "where random creation functions refuse to draw (whatever vmap's randomness option). Draw the values in the vmapped function (with randomness \"different\" or \"same\") and pass them in as an argument");
    if (e instanceof BatchingError && !e.message.startsWith(`${name}: `) && ts.some((t) => t !== null && t._bt !== null))
      throw new BatchingError(name, `its ${what} ran under vmap, where its tensors are batched (one value per example, none of their own), and ${e.message.replace(/^vmap: /, "")}. ` +
        `Write the ${what} with matgrad ops only (no .item(), .data, toArray() or branches on values)`);
    throw e;
  }
}

/**
 * Apply a custom function: build its Rule and run it through the engine.
 * Returns the outputs (non-differentiable ones cut from the tape).
 */
export function applyCustom(spec: CustomSpec, inputs: Tensor[]): CustomResult {
  let single = true;
  let nondiff = new Set<number>();
  const jacobians = new Map<number, Tensor>();

  const outList = (out: Tensor | Tensor[]): Tensor[] => (Array.isArray(out) ? out : [out]);
  const underVmap = <T>(what: string, ts: readonly (Tensor | null)[], fn: () => T): T => underVmapFor(spec.name, what, ts, fn);
  const materialize = (): boolean => spec.materializeGrads();

  const rule: Rule<null> & { nOut: number } = {
    name: spec.name,
    nOut: 1,
    onceDifferentiable: spec.onceDifferentiable,
    forward(ins) {
      const aliases = ins.map(plain);
      const r = underVmap("forward", aliases, () => noGrad(() => spec.forward(aliases)));
      const list = Array.isArray(r) ? r : [r];
      if (list.length === 0 || list.some((o) => !(o instanceof Tensor)))
        throw new ArgumentError(spec.name, `forward must return a Tensor or a non-empty array of Tensors, got ${describe(r)}`);
      single = !Array.isArray(r);
      const raw = list as Tensor[];
      rule.nOut = raw.length;
      const marked = spec.nonDifferentiable();
      nondiff = new Set(raw.flatMap((o, j) => (marked.includes(o) ? [j] : [])));
      return raw.map(plain);
    },
    vjp(ct, ins, out, _params, needs) {
      const outs = outList(out);
      const given: (Tensor | null)[] = rule.nOut === 1 ? [ct as Tensor] : (ct as (Tensor | null)[]);
      const cts = given.map((c, j) => c ?? (materialize() ? zerosOf(outs[j].shape) : null));
      const need = needs ?? ins.map((x) => x._node !== null);
      if (spec.backward !== null) return userVjp(ins, outs, cts, need);
      return vjpFromJvp(ins, outs, cts, need);
    },
    jvp(dx, ins, out) {
      const outs = outList(out);
      let ts: (Tensor | null)[];
      if (spec.jvp !== null) {
        const tans = dx.map((t, k) => t ?? (materialize() ? zerosOf(ins[k].shape) : null));
        ts = normalizeTangents(spec, callJvp(ins, outs, tans), outs);
      } else ts = jvpFromVjp(dx, ins, outs);
      const r = ts.map((t, j) => (nondiff.has(j) ? null : t));
      return rule.nOut === 1 ? r[0] : r;
    },
    // under vmap the user's code runs as it is on batched tensors (see batchByVmap)
    batch: batchByVmap(() => rule),
  };

  /** The user's backward; under vmap a read of batched values is reported as the backward's. */
  function callBackward(ins: Tensor[], outs: Tensor[], cts: (Tensor | null)[], needs: readonly boolean[]): unknown {
    return underVmap("backward", [...ins, ...outs, ...cts], () => spec.backward!(ins, outs, cts, needs));
  }

  /** The user's JVP; under vmap a read of batched values is reported as the jvp's. */
  function callJvp(ins: Tensor[], outs: Tensor[], tangents: (Tensor | null)[]): unknown {
    return underVmap("jvp", [...ins, ...outs, ...tangents], () => spec.jvp!(ins, outs, tangents));
  }

  function userVjp(ins: Tensor[], outs: Tensor[], cts: (Tensor | null)[], needs: readonly boolean[]): (Tensor | null)[] {
    const once = spec.onceDifferentiable && isGradEnabled();
    if (!once) return normalizeGrads(spec, callBackward(ins, outs, cts, needs), ins);
    const grads = normalizeGrads(spec, noGrad(() => callBackward(ins.map(plain), outs.map(plain), cts.map((c) => (c === null ? null : plain(c))), needs)), ins);
    return grads.map((g) => (g === null ? null : guarded(spec.name, "is marked onceDifferentiable", g, [...ins, ...cts])));
  }

  /** Reverse mode from the JVP: Jᵀ[ct] = ∇ₜ ⟨ct, J[t]⟩ at tangent leaves t = 0; black-box JVPs are materialized. */
  function vjpFromJvp(ins: Tensor[], outs: Tensor[], cts: (Tensor | null)[], needs: readonly boolean[]): (Tensor | null)[] {
    if (spec.jvp === null) throw new AutogradError(spec.name, "defines neither a backward (VJP) nor a jvp: reverse mode is impossible");
    const grads: (Tensor | null)[] = ins.map(() => null);
    const wanted = ins.map((_, k) => needs[k] === true);
    if (!anyNonzero(cts) && cts.every((c) => c === null || c._node === null)) return grads;
    const blackBox: number[] = [];
    if (spec.transpose !== "materialize") {
      const createGraph = isGradEnabled();
      const prim = createGraph ? ins : ins.map(plain);
      const primOuts = createGraph ? outs : outs.map(plain);
      const leaves = ins.map((x, k) => (wanted[k] ? leafZeros(x.shape) : null));
      const tangents = leaves.map((t, k) => t ?? (materialize() ? zerosOf(ins[k].shape) : null));
      const tout = enableGrad(() => normalizeTangents(spec, callJvp(prim, primOuts, tangents), outs));
      const s = enableGrad(() => innerSum(cts, tout));
      const targets = leaves.flatMap((t, k) => (t === null ? [] : [k]));
      if (s !== null && s._node !== null && targets.length > 0) {
        const gs = gradients(s, targets.map((k) => leaves[k]!), { createGraph, allowUnused: true });
        targets.forEach((k, i) => (grads[k] = gs[i]));
      }
      for (const k of targets) if (grads[k] === null && dependsOn(ins, outs, k)) blackBox.push(k);
      if (blackBox.length > 0 && spec.transpose === "autodiff")
        throw new AutogradError(spec.name, `the JVP's result does not depend on the tangent of input ${spec.tensorPos[blackBox[0]]} through matgrad ops (a black-box linear operator?), so it cannot be transposed by autodiff; write it with matgrad ops, or use transpose: "materialize" (or "auto")`);
    } else {
      for (let k = 0; k < ins.length; k++) if (wanted[k]) blackBox.push(k);
    }
    for (const k of blackBox) {
      const J = jacobianOf(ins, outs, k);
      const ctFlat = concat(cts.map((c, j) => reshape(c ?? zerosOf(outs[j].shape), [1, outs[j].size])), 1);
      let g = reshape(matmul(ctFlat, J), ins[k].shape);
      if (isGradEnabled()) g = guarded(spec.name, "has a VJP from a materialized (black-box) Jacobian, which is a constant in the inputs", g, [...ins, ...cts]);
      grads[k] = g;
    }
    return grads;
  }

  /** Whether the JVP map of input k is nonzero, probed with a random tangent (without tape). */
  function dependsOn(ins: Tensor[], outs: Tensor[], k: number): boolean {
    const g = new Generator(0x5eed + k);
    const tangents = ins.map((x, j) => (j === k ? randomLike(g, x.shape) : materialize() ? zerosOf(x.shape) : null));
    const t = noGrad(() => normalizeTangents(spec, callJvp(ins.map(plain), outs.map(plain), tangents), outs));
    return anyNonzero(t);
  }

  /** The Jacobian of all outputs (flattened, concatenated) w.r.t. input k, one JVP per input entry; cached per call. */
  function jacobianOf(ins: Tensor[], outs: Tensor[], k: number): Tensor {
    const cached = jacobians.get(k);
    if (cached !== undefined) return cached;
    const x = ins[k];
    const outTotal = outs.reduce((p, o) => p + o.size, 0);
    if (x.size > spec.materializeLimit || x.size * outTotal > MAX_JACOBIAN_ENTRIES)
      throw new AutogradError(spec.name, `cannot form the VJP of a black-box linear operator (a JVP not written with matgrad ops) for input ${spec.tensorPos[k]} of shape ${fmtShape(x.shape)}: materializing its ${outTotal}×${x.size} Jacobian takes one JVP per input entry, and ${x.size} entries exceed the limit of ${spec.materializeLimit}${x.size * outTotal > MAX_JACOBIAN_ENTRIES ? ` (or ${MAX_JACOBIAN_ENTRIES} Jacobian entries)` : ""}. Write the JVP with matgrad ops (its VJP then costs one reverse pass), provide a VJP (Function.backward / customVjp), or raise the limit with { materializeLimit }`);
    const J = new Float64Array(outTotal * x.size);
    const pins = ins.map(plain), pouts = outs.map(plain);
    // under vmap a JVP whose result depends on batched values has no single Jacobian to read: reported as the jvp's
    underVmap("jvp", [...ins, ...outs], () => noGrad(() => {
      for (let c = 0; c < x.size; c++) {
        const e = zerosOf(x.shape);
        e.data[c] = 1;
        const tangents = ins.map((y, j) => (j === k ? e : materialize() ? zerosOf(y.shape) : null));
        const t = normalizeTangents(spec, callJvp(pins, pouts, tangents), outs);
        let off = 0;
        t.forEach((tj, j) => {
          if (tj !== null) for (let r = 0; r < tj.size; r++) J[(off + r) * x.size + c] = tj.data[r];
          off += outs[j].size;
        });
      }
    }));
    const Jt = new Tensor(J, [outTotal, x.size]);
    jacobians.set(k, Jt);
    return Jt;
  }

  /** Forward mode from the VJP: J[t] = ∇_c ⟨Jᵀ[c], t⟩ at cotangent leaves c = 0. */
  function jvpFromVjp(dx: (Tensor | null)[], ins: Tensor[], outs: Tensor[]): (Tensor | null)[] {
    if (spec.backward === null) throw new AutogradError(spec.name, "defines neither a jvp nor a backward: forward mode is impossible");
    if (spec.onceDifferentiable)
      throw new AutogradError(spec.name, "forward mode needs a static jvp: this function is onceDifferentiable, so its backward cannot be transposed into a JVP");
    const leaves = outs.map((o, j) => (nondiff.has(j) ? null : leafZeros(o.shape)));
    const cts = leaves.map((c, j) => c ?? (materialize() ? zerosOf(outs[j].shape) : null));
    const createGraph = isGradEnabled();
    const needs = dx.map((t) => t !== null);
    const grads = enableGrad(() => normalizeGrads(spec, callBackward(ins, outs, cts, needs), ins));
    const s = enableGrad(() => innerSum(grads, dx));
    const targets = leaves.flatMap((c, j) => (c === null ? [] : [j]));
    const res: (Tensor | null)[] = outs.map(() => null);
    if (s !== null && s._node !== null && targets.length > 0) {
      const gs = gradients(s, targets.map((j) => leaves[j]!), { createGraph, allowUnused: true });
      targets.forEach((j, i) => (res[j] = gs[i]));
    }
    if (res.every((r) => r === null) && dx.some((t) => t !== null)) {
      // zero, or a backward that is not written with differentiable ops: probe it
      const g = new Generator(0x7a9);
      const probe = outs.map((o) => randomLike(g, o.shape));
      const pg = noGrad(() => normalizeGrads(spec, callBackward(ins.map(plain), outs.map(plain), probe, needs), ins));
      const v = noGrad(() => innerSum(pg, dx.map((t) => (t === null ? null : plain(t)))));
      if (v !== null && anyNonzero([v]))
        throw new AutogradError(spec.name, "forward mode needs a static jvp: the backward is not written with differentiable matgrad ops, so it cannot be transposed into a JVP");
    }
    return res;
  }

  customSpecOf.set(rule, spec);
  const outs = applyMulti(rule, inputs, null);
  for (const j of nondiff) {
    outs[j]._node = null;
    outs[j]._fw = null;
  }
  return { outs, single };
}
