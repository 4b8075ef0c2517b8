/**
 * Reverse mode: walk the tape from the outputs in reverse topological order,
 * calling each node's VJP rule once with the summed cotangent of its outputs
 * (fan-out accumulates with +=), un-broadcasting each input cotangent to its
 * input's shape, and skipping symbolic zeros (null) and nodes that cannot
 * reach a requested input.
 */
import { Tensor } from "../tensor/tensor.js";
import { LeafNode, OpNode, anyForwardLevelLive, isGradEnabled, lastLateExposure, setGradEnabled, type GradNode, type Rule } from "../tensor/meta.js";
import { broadcastsTo, fmtShape, shapesEqual } from "../tensor/shape.js";
import { ArgumentError, AutogradError, ShapeError } from "../errors.js";
import { checkBool, checkOptions, describe, isOptionsObject } from "../validate.js";
import { add, sumToShape } from "../ops/api.js";
import { onesLike } from "../tensor/create.js";

/** Options of `backward()` / `Tensor.backward()`. */
export interface BackwardOptions {
  /** Keep the saved tensors so that backward can run through this graph again. Default: createGraph. */
  retainGraph?: boolean;
  /**
   * Record the backward computation itself so that the gradients can be
   * differentiated again. "auto": only when the graph reaches a leaf other than
   * the requested inputs (a tensor that an enclosing computation may
   * differentiate with respect to) — what the functional transforms use.
   */
  createGraph?: boolean | "auto";
}

/** Options of {@link gradients} (PyTorch's `torch.autograd.grad`). */
export interface GradOptions extends BackwardOptions {
  /** Cotangents for the outputs (required for non-scalar outputs). */
  gradOutputs?: (Tensor | null)[] | Tensor | null;
  /** Return null (instead of raising) for inputs that the outputs do not depend on. */
  allowUnused?: boolean;
}

function seedCotangents(op: string, outputs: Tensor[], gradOutputs: GradOptions["gradOutputs"]): Tensor[] {
  const given = gradOutputs === undefined || gradOutputs === null ? [] : Array.isArray(gradOutputs) ? gradOutputs : [gradOutputs];
  return outputs.map((out, i) => {
    if (out._node === null)
      throw new AutogradError(op, `output ${i} (shape ${fmtShape(out.shape)}) does not require grad and has no grad function; did you create the inputs with { requiresGrad: true }, or compute it under noGrad?`);
    const g = given[i];
    if (g !== undefined && g !== null && !(g instanceof Tensor))
      throw new ArgumentError(op, `cotangent ${i} (the gradient argument${given.length > 1 ? `, entry ${i}` : ""}) must be a tensor or null; got ${describe(g)}`);
    if (g === undefined || g === null) {
      if (out.size !== 1)
        throw new AutogradError(op, `a cotangent must be given for non-scalar output ${i} of shape ${fmtShape(out.shape)} (grad can be implicitly created only for scalar outputs)`);
      return onesLike(out);
    }
    if (!shapesEqual(g.shape, out.shape))
      throw new ShapeError(op, `cotangent ${i} has shape ${fmtShape(g.shape)} but output ${i} has shape ${fmtShape(out.shape)}`);
    return g;
  });
}

let runStamp = 0;
let depth = 0;

/** Saved scratch fields of a node touched by a nested backward pass. */
interface Saved {
  node: GradNode;
  stamp: number;
  needed: boolean;
  ct: Tensor | null;
  slot: (Tensor | null)[] | null;
  owned: number;
}

/** Mark a node as visited by the pass `stamp` and clear its scratch fields (saving them first when nested). */
function enter(n: GradNode, stamp: number, saved: Saved[] | null): void {
  if (saved !== null) saved.push({ node: n, stamp: n._stamp, needed: n._needed, ct: n._ct, slot: n._slot, owned: n._owned });
  n._stamp = stamp;
  n._needed = false;
  n._ct = null;
  n._slot = null;
  n._owned = 0;
}

/** The saved inputs of a node (null for leaves); throws if a previous backward freed them. */
function savedInputs(node: GradNode): Tensor[] | null {
  if (node.isLeaf) return null;
  const inputs = (node as OpNode).inputs;
  if (inputs === null)
    throw new AutogradError(node.name, "trying to backward through the graph a second time (or directly access saved tensors after they have already been freed); pass { retainGraph: true } to the first backward if you need to");
  return inputs;
}

/**
 * For autograd.grad: the nodes reachable from the roots that lead to a
 * requested node (`targets`), in post-order (every node after all of its
 * inputs' nodes); marks every visited node with `stamp`, sets its `_needed`
 * flag, and notes in `seen` whether a leaf other than the targets is reachable.
 * With `saved`, records the nodes' previous scratch fields first (nested
 * backward passes restore them). Iterative depth-first search: each node is
 * looked at twice at most — when descending into its next unvisited input, and
 * when all of them are done.
 */
function topoSort(roots: GradNode[], stamp: number, targets: Set<GradNode>, saved: Saved[] | null, seen: { outsideLeaf: boolean }): GradNode[] {
  const order: GradNode[] = [];
  const stack: GradNode[] = [];
  const next: number[] = []; // per stack entry: the index of its next input to look at
  for (const r of roots) {
    if (r._stamp === stamp) continue;
    enter(r, stamp, saved);
    if (r.isLeaf && !targets.has(r)) seen.outsideLeaf = true;
    stack.push(r);
    next.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top];
      const inputs = savedInputs(node);
      if (inputs !== null) {
        let i = next[top];
        let child: GradNode | null = null;
        while (i < inputs.length) {
          const c = inputs[i++]._node;
          if (c !== null && c._stamp !== stamp) {
            child = c;
            break;
          }
        }
        if (child !== null) {
          next[top] = i;
          enter(child, stamp, saved);
          if (child.isLeaf && !targets.has(child)) seen.outsideLeaf = true;
          stack.push(child);
          next.push(0);
          continue;
        }
      }
      stack.pop();
      next.pop();
      // all inputs are done: the node is needed if it is requested or leads to a needed node
      let need = targets.has(node);
      if (!need && inputs !== null) {
        for (let i = 0; i < inputs.length; i++) {
          const c = inputs[i]._node;
          if (c !== null && c._needed) {
            need = true;
            break;
          }
        }
      }
      if (need) {
        node._needed = true;
        order.push(node);
      }
    }
  }
  return order;
}

/**
 * Nodes that have received a cotangent and wait to be processed, largest
 * creation number first (a binary max-heap on GradNode._seq). Every consumer of
 * a node was created after it, so when a node is taken out, all cotangents
 * that will ever reach it have arrived.
 */
class ReadyHeap {
  private readonly items: GradNode[] = [];

  get size(): number {
    return this.items.length;
  }

  push(n: GradNode): void {
    const a = this.items;
    let i = a.length;
    a.push(n);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]._seq >= n._seq) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = n;
  }

  pop(): GradNode {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    const size = a.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && a[c + 1]._seq > a[c]._seq) c++;
        if (a[c]._seq <= last._seq) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * One backward pass: its stamp, saved scratch (nested passes), recording mode,
 * and for backward() the ready heap of op nodes and the list of reached leaves
 * (processed last: a leaf has no inputs, and requiresGrad_ may have given a
 * tensor its leaf after ops had already used it, so its creation number says
 * nothing about its consumers).
 */
class Pass {
  readonly leaves: GradNode[] = [];

  constructor(
    readonly stamp: number,
    readonly saved: Saved[] | null,
    readonly createGraph: boolean,
    readonly heap: ReadyHeap | null,
  ) {}

  /**
   * Add cotangent g into output idx of node (entering the node into this pass
   * and the ready heap when it is reached for the first time). Sums the engine
   * created itself (not visible to anyone else: bit idx of node._owned) are
   * updated in place when nothing records or differentiates them: fan-in
   * without allocation. So is a first cotangent that its rule has just made
   * (`fresh`: Rule.freshVjp).
   */
  accumulate(node: GradNode, idx: number, g: Tensor, fresh = false): void {
    if (node._stamp !== this.stamp) {
      // only in heap order: the depth-first search has entered every node it can reach
      enter(node, this.stamp, this.saved);
      if (this.heap !== null) {
        if (node.isLeaf) this.leaves.push(node);
        else this.heap.push(node);
      }
    }
    let prev: Tensor | null | undefined;
    let slot: (Tensor | null)[] | null = null;
    if (idx === 0) prev = node._ct;
    else {
      slot = node._slot;
      if (slot === null) node._slot = slot = [];
      prev = slot[idx];
    }
    let sum: Tensor;
    const bit = idx < 31 ? 1 << idx : 0;
    if (prev === undefined || prev === null) {
      sum = g;
      // a cotangent the rule has just made (Rule.freshVjp) is the engine's to add into, as its own sums are
      if (fresh && !this.createGraph && g._fw === null && g._node === null && (g._bt === null || plainBatch(g))) node._owned |= bit;
    } else if ((node._owned & bit) !== 0 && g._fw === null && (prev._bt === null ? g._bt === null : samePlainBatch(prev, g))) {
      // an owned sum: plain, or (under vmap) batched over one plain physical array of the same shape
      const a = (prev._bt === null ? prev : prev._bt.value)._data, b = (g._bt === null ? g : g._bt.value)._data;
      for (let i = 0; i < a.length; i++) a[i] += b[i];
      return;
    } else {
      sum = add(prev, g);
      // a batched sum under vmap has no values of its own, but its physical array (batch axis first)
      // does: when it is plain (not itself batched, recorded or carrying tangents) it is added into
      if (!this.createGraph && sum._fw === null && (sum._bt === null || plainBatch(sum))) node._owned |= bit;
    }
    if (slot === null) node._ct = sum;
    else slot[idx] = sum;
  }
}

/** t is batched (one vmap level) over a plain physical tensor: values of its own, nothing recorded on it. */
function plainBatch(t: Tensor): boolean {
  const v = t._bt === null ? null : t._bt.value;
  return v !== null && v._bt === null && v._fw === null && v._node === null;
}

/**
 * g can be added into the owned batched sum `sum` entry by entry: both are
 * batched at the same level over plain physical tensors of the same shape
 * ([size, …logical shape]: equal logical shapes give equal physical ones).
 */
function samePlainBatch(sum: Tensor, g: Tensor): boolean {
  const a = sum._bt, b = g._bt;
  return a !== null && b !== null && a.level === b.level && plainBatch(g) && shapesEqual(a.value.shape, b.value.shape);
}

/** The cotangents arriving at a node's outputs (index k), null for none. */
function cotangentsOf(node: GradNode, nOut: number): (Tensor | null)[] {
  const cts = new Array<Tensor | null>(nOut);
  cts[0] = node._ct;
  for (let k = 1; k < nOut; k++) cts[k] = node._slot?.[k] ?? null;
  return cts;
}

/**
 * Core of backward() and autograd.grad(): returns the cotangents arriving at
 * `targets` (for grad) or accumulates into leaves' .grad (for backward).
 * Per-node state lives in the nodes' scratch fields; a backward pass started
 * from inside another (a rule that itself differentiates) saves and restores them.
 */
function run(
  op: string,
  outputs: Tensor[],
  cts: Tensor[],
  targets: Tensor[] | null,
  opts: BackwardOptions,
): (Tensor | null)[] {
  const stamp = ++runStamp;
  const saved: Saved[] | null = depth > 0 ? [] : null;
  depth++;
  let prevMode: boolean | null = null;
  try {
    // which nodes are requested (the leaves for backward())
    let targetNodes: Set<GradNode> | null = null;
    if (targets !== null) {
      targetNodes = new Set<GradNode>();
      for (const t of targets) if (t._node !== null) targetNodes.add(t._node);
    }
    // Order. backward(): every recorded node leads to a leaf that requires grad (a node is recorded only
    // when one of its inputs has a node), so no search is needed: nodes are processed by decreasing
    // creation number as cotangents reach them (ReadyHeap). gradients(): a depth-first search finds
    // the nodes that lead to the requested inputs, in post-order.
    const seen = { outsideLeaf: false };
    const order = targetNodes === null ? null : topoSort(outputs.map((o) => o._node as GradNode), stamp, targetNodes, saved, seen);
    // auto: record when something outside may differentiate the result — a leaf other than the
    // requested inputs is reachable, or this pass runs inside a recording backward pass (a rule's VJP)
    // (or a cotangent seed is itself on a tape, or a jvp is running: rules keep tangents only while recording)
    const createGraph = opts.createGraph === "auto"
      ? seen.outsideLeaf || (saved !== null && isGradEnabled()) || anyForwardLevelLive() || cts.some((c) => c._node !== null)
      : (opts.createGraph ?? false);
    const retainGraph = opts.retainGraph ?? createGraph;
    prevMode = setGradEnabled(createGraph);

    const pass = new Pass(stamp, saved, createGraph, order === null ? new ReadyHeap() : null);
    for (let i = 0; i < outputs.length; i++) pass.accumulate(outputs[i]._node!, outputs[i]._outIdx, cts[i]);

    const results = targetNodes === null ? null : new Map<GradNode, (Tensor | null)[]>();
    const needsScratch: boolean[][] = []; // by arity, reused for every node of this pass (rules only read it)
    const heap = pass.heap;
    let oi = order === null ? 0 : order.length;
    let leafIdx = 0;
    for (;;) {
      let node: GradNode;
      if (heap !== null) {
        if (heap.size > 0) node = heap.pop();
        else if (leafIdx < pass.leaves.length) node = pass.leaves[leafIdx++];
        else break;
      } else {
        if (oi === 0) break;
        node = order![--oi]; // every node in `order` is needed
      }
      if (node._ct === null && node._slot === null) continue; // no cotangent arrived
      if (results !== null && targetNodes!.has(node)) results.set(node, cotangentsOf(node, node.isLeaf ? 1 : ((node as OpNode).rule.nOut ?? 1)));
      if (node.isLeaf) {
        const g = node._ct;
        node._ct = null;
        if (targets === null && g !== null) {
          const leaf = (node as LeafNode).tensor;
          const gd = createGraph ? g : detachIfNeeded(g);
          leaf.grad = leaf.grad === null ? gd : add(leaf.grad, gd);
        }
        continue;
      }
      const opNode = node as OpNode;
      const rule = opNode.rule;
      const inputs = savedInputs(opNode)!;
      if (opNode._snaps !== null || opNode._seq <= lastLateExposure()) checkSaved(opNode, inputs);
      const nOut = rule.nOut ?? 1;
      let ctArg: Tensor | (Tensor | null)[];
      if (nOut === 1) {
        const c = node._ct;
        node._ct = null;
        node._slot = null;
        if (c === null) continue;
        ctArg = c;
      } else {
        ctArg = cotangentsOf(node, nOut);
        node._ct = null;
        node._slot = null;
      }
      // cotangents handed to a rule may be returned for several inputs (add: [ct, ct]): no longer ours to mutate
      node._owned = 0;
      const needs = (needsScratch[inputs.length] ??= new Array<boolean>(inputs.length));
      let any = false;
      for (let i = 0; i < inputs.length; i++) {
        const n = inputs[i]._node;
        needs[i] = n !== null && (heap !== null || n._needed);
        any ||= needs[i];
      }
      if (!any) continue; // a requested input with nothing requested upstream of it
      const grads = rule.vjp(ctArg, inputs, opNode.out!, opNode.params, needs); // out is freed only with the inputs (checkSaved)
      if (grads.length !== inputs.length)
        throw new AutogradError(rule.name, `VJP rule returned ${grads.length} cotangents for ${inputs.length} inputs`);
      if (anomalyMode) checkAnomaly(rule.name, ctArg, inputs, grads);
      for (let i = 0; i < inputs.length; i++) {
        const g = grads[i];
        if (g === null || g === undefined || !needs[i]) continue;
        const inp = inputs[i];
        pass.accumulate(inp._node!, inp._outIdx, fitCotangent(rule, g, inp, i), rule.freshVjp === true);
      }
      if (!retainGraph) {
        opNode.inputs = null;
        opNode.out = null;
        opNode._snaps = null;
      }
    }
    if (results === null) return [];
    return targets!.map((t) => {
      if (t._node === null) return null;
      const g = results.get(t._node)?.[t._outIdx];
      return g === undefined ? null : g;
    });
  } finally {
    if (prevMode !== null) setGradEnabled(prevMode);
    depth--;
    if (saved !== null) {
      for (let i = saved.length - 1; i >= 0; i--) {
        const s = saved[i];
        s.node._stamp = s.stamp;
        s.node._needed = s.needed;
        s.node._ct = s.ct;
        s.node._slot = s.slot;
        s.node._owned = s.owned;
      }
    }
  }
}

/** Same values (NaN matches NaN; 0 and −0 differ). */
function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x === y ? x === 0 && 1 / x !== 1 / y : x === x || y === y) return false;
  }
  return true;
}

/**
 * Immutability check before a node's VJP runs: the values it saved are the
 * values its forward saw. A tensor exposed to user code (its `.data` was read)
 * before the node saved it was snapshotted then (`_snaps`); one exposed after
 * keeps the private array it had (`_prev`). Reads cost nothing here: only a
 * change of values raises. O(size) per exposed saved tensor, nothing for the
 * others.
 */
function checkSaved(node: OpNode, inputs: Tensor[]): void {
  const snaps = node._snaps;
  if (snaps !== null)
    for (let i = 0; i < snaps.length; i += 2) {
      const t = snaps[i] as Tensor;
      if (!sameValues(t._data, snaps[i + 1] as Float64Array)) throw modifiedError(node, t);
    }
  for (let i = 0; i < inputs.length; i++) if (inputs[i]._ex !== null) checkExposedLater(node, inputs[i]);
  const out = node.out;
  if (out === null) return;
  if (Array.isArray(out)) {
    for (let k = 0; k < out.length; k++) if (out[k]._ex !== null) checkExposedLater(node, out[k]);
  } else if (out._ex !== null) checkExposedLater(node, out);
}

/** t was exposed: if that happened after `node` saved it (privately), its values must still be the private array's. */
function checkExposedLater(node: OpNode, t: Tensor): void {
  const ex = t._ex!;
  if (ex.prev !== null && node._seq <= ex.at && !sameValues(t._data, ex.prev)) throw modifiedError(node, t);
}

function modifiedError(node: OpNode, t: Tensor): AutogradError {
  const i = node.inputs!.indexOf(t);
  const out = node.out;
  const k = out === null ? -1 : Array.isArray(out) ? out.indexOf(t) : out === t ? 0 : -1;
  const role = i >= 0 ? `input ${i}` : `output ${k}`;
  return new AutogradError(node.name, `${role} (shape ${fmtShape(t.shape)}), saved for the backward pass, was modified through .data after the forward pass; ` +
    "tensors are immutable: build a new tensor (e.g. tensor(x.data) copies) instead of writing into .data, or write only after backward");
}

let anomalyMode = false;

const hasNonFinite = (t: Tensor | null | undefined): boolean => {
  if (t === null || t === undefined) return false;
  // under vmap: the whole batch
  while (t._bt !== null) t = t._bt.value;
  const d = t._data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return true;
  return false;
};

/** In anomaly mode: a VJP that turns finite cotangents and inputs into NaN/Inf is named. */
function checkAnomaly(op: string, ct: Tensor | (Tensor | null)[], inputs: Tensor[], grads: (Tensor | null)[]): void {
  const cts = Array.isArray(ct) ? ct : [ct];
  if (cts.some(hasNonFinite)) return; // not this op's doing
  grads.forEach((g, i) => {
    if (!hasNonFinite(g)) return;
    let gv = g!;
    while (gv._bt !== null) gv = gv._bt.value;
    const bad = Array.from(gv._data).findIndex((v) => !Number.isFinite(v));
    const inputFinite = !hasNonFinite(inputs[i]);
    throw new AutogradError(op, `the VJP produced ${gv._data[bad]} at flat index ${bad} of the cotangent for input ${i} (shape ${fmtShape(gv.shape)})` +
      (inputFinite ? " from finite inputs and cotangents: the derivative is undefined or unbounded at this point" : "; the input itself contains non-finite values"));
  });
}

/**
 * Anomaly detection (like torch.autograd.detect_anomaly): while fn runs, every
 * backward rule's output is checked, and the first op whose VJP turns finite
 * numbers into NaN or ±Inf raises an AutogradError naming it.
 */
export function detectAnomaly<T>(fn: () => T): T {
  refuseAsync("detectAnomaly", fn);
  const prev = anomalyMode;
  anomalyMode = true;
  try {
    return refuseAsyncResult("detectAnomaly", fn());
  } finally {
    anomalyMode = prev;
  }
}

/**
 * noGrad, enableGrad and detectAnomaly set a mode for the synchronous extent
 * of their callback. An async callback would leave the mode after its first
 * `await`, so the ops after it would run in the caller's mode (recorded under
 * noGrad, unchecked under detectAnomaly): refused. An AsyncFunction is refused
 * before it runs; a plain function that returns a promise (or any thenable)
 * is refused when it returns (its synchronous part ran in the mode; its
 * promise gets a rejection handler so that the abandoned work cannot crash
 * the process with an unhandled rejection).
 */
function refuseAsync(op: string, fn: unknown): void {
  if (typeof fn !== "function") throw new ArgumentError(op, `expected a function, got ${fn === null ? "null" : typeof fn}`);
  const ctor = (fn as { constructor?: { name?: string } }).constructor?.name;
  if (ctor === "AsyncFunction" || ctor === "AsyncGeneratorFunction")
    throw new AutogradError(op, `the callback is an async function; ${op} applies to synchronous code only (the mode would end at the first await and the ops after it would silently run outside it). ` +
      `Call ${op} around the synchronous parts instead: await x; const y = ${op}(() => f(x))`);
}

function refuseAsyncResult<T>(op: string, r: T): T {
  if (r !== null && (typeof r === "object" || typeof r === "function") && typeof (r as { then?: unknown }).then === "function") {
    const p = r as unknown as PromiseLike<unknown>;
    p.then(undefined, () => undefined);
    throw new AutogradError(op, `the callback returned a promise; ${op} applies to synchronous code only (the mode ended when the callback returned, so the ops after its first await ran outside it). ` +
      `Call ${op} around the synchronous parts instead: await x; const y = ${op}(() => f(x))`);
  }
  return r;
}

function detachIfNeeded(g: Tensor): Tensor {
  if (g._node === null) return g;
  const d = g._alias();
  d._fw = g._fw;
  return d;
}

/** Un-broadcast a cotangent to its input's shape; anything else is a rule bug, reported with the op's name. */
function fitCotangent(rule: Rule, g: Tensor, inp: Tensor, i: number): Tensor {
  if (shapesEqual(g.shape, inp.shape)) return g;
  if (broadcastsTo(inp.shape, g.shape)) return sumToShape(g, inp.shape);
  throw new ShapeError(rule.name, `VJP rule returned a cotangent of shape ${fmtShape(g.shape)} for input ${i} of shape ${fmtShape(inp.shape)}`);
}

/** Accumulate d(Σ ⟨ctᵢ, outputᵢ⟩)/d(leaf) into every leaf's .grad (PyTorch's backward). */
export function backward(outputs: Tensor | Tensor[], gradOutputs?: GradOptions["gradOutputs"] | BackwardOptions, opts?: BackwardOptions): void {
  let cts0 = gradOutputs;
  if (isOptionsObject(gradOutputs)) {
    // backward(y, { retainGraph: true }): options in the cotangent's place (PyTorch's keyword habit)
    if (opts !== undefined) throw new ArgumentError("backward", `options given twice: as the second argument (${describe(gradOutputs)}) and as the third`);
    opts = gradOutputs as BackwardOptions;
    cts0 = undefined;
  }
  const o = checkBackwardOptions("backward", opts, BACKWARD_OPTIONS);
  const outs = outputList("backward", outputs);
  const cts = seedCotangents("backward", outs, cts0 as GradOptions["gradOutputs"]);
  run("backward", outs, cts, null, o);
}

const BACKWARD_OPTIONS = ["retainGraph", "createGraph"] as const;
const GRAD_OPTIONS = ["retainGraph", "createGraph", "gradOutputs", "allowUnused"] as const;

/** Check an options object of backward / autograd.grad: known keys, booleans (createGraph may be "auto"). */
function checkBackwardOptions<T extends GradOptions>(op: string, opts: T | undefined, valid: readonly string[]): T {
  const o = checkOptions(op, opts, valid);
  checkBool(op, "option retainGraph", o.retainGraph, false);
  if (o.createGraph !== undefined && o.createGraph !== "auto") checkBool(op, "option createGraph", o.createGraph, false);
  checkBool(op, "option allowUnused", o.allowUnused, false);
  return o;
}

/** outputs: a tensor or an array of tensors. */
function outputList(op: string, outputs: unknown): Tensor[] {
  if (outputs instanceof Tensor) return [outputs];
  if (!Array.isArray(outputs)) throw new ArgumentError(op, `argument outputs must be a tensor or an array of tensors; got ${describe(outputs)}`);
  outputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ArgumentError(op, `argument outputs[${i}] must be a tensor; got ${describe(t)}`);
  });
  return outputs as Tensor[];
}

/**
 * The gradients of the outputs with respect to `inputs` (any tensors in the
 * graph, leaves or not), returned rather than accumulated (torch.autograd.grad).
 */
export function gradients(outputs: Tensor | Tensor[], inputs: Tensor[], optsArg?: GradOptions): (Tensor | null)[] {
  const opts = checkBackwardOptions("gradients", optsArg, GRAD_OPTIONS);
  const outs = outputList("gradients", outputs);
  if (!Array.isArray(inputs)) throw new ArgumentError("gradients", `argument inputs must be an array of tensors; got ${describe(inputs)}`);
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ArgumentError("gradients", `argument inputs[${i}] must be a tensor; got ${describe(t)}`);
  });
  const cts = seedCotangents("gradients", outs, opts.gradOutputs);
  const res = run("gradients", outs, cts, inputs, opts);
  if (!opts.allowUnused) {
    res.forEach((g, i) => {
      if (g !== null) return;
      if (inputs[i]._node === null)
        throw new AutogradError("gradients", `input ${i} (shape ${fmtShape(inputs[i].shape)}) does not require grad`);
      throw new AutogradError("gradients", `input ${i} (shape ${fmtShape(inputs[i].shape)}) was not used to compute the outputs; pass { allowUnused: true } to get null instead`);
    });
  }
  return res;
}

/** Run fn with gradient recording disabled (no tape is built). */
export function noGrad<T>(fn: () => T): T {
  refuseAsync("noGrad", fn);
  const prev = setGradEnabled(false);
  try {
    return refuseAsyncResult("noGrad", fn());
  } finally {
    setGradEnabled(prev);
  }
}

/** Run fn with gradient recording enabled (inside noGrad, for example). */
export function enableGrad<T>(fn: () => T): T {
  refuseAsync("enableGrad", fn);
  const prev = setGradEnabled(true);
  try {
    return refuseAsyncResult("enableGrad", fn());
  } finally {
    setGradEnabled(prev);
  }
}

/** A tensor with the same values that is cut from the tape and carries no forward tangents. */
export function detach(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError("detach", `argument x must be a tensor; got ${describe(x)}`);
  return x._alias();
}

/** Make a leaf tensor require (or stop requiring) grad. Refused on non-leaf tensors. */
export function setRequiresGrad(x: Tensor, flag = true): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError("setRequiresGrad", `argument x must be a tensor; got ${describe(x)}`);
  checkBool("setRequiresGrad", "argument flag", flag, true);
  if (x._node !== null && !x._node.isLeaf)
    throw new AutogradError("requiresGrad_", `can only change requiresGrad of leaf tensors; this one was computed by ${x._node.name} (use detach() first)`);
  x._node = flag ? (x._node ?? new LeafNode(x)) : null;
  return x;
}
