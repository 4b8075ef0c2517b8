/**
 * Autodiff metadata carried by tensors, and the rule contract between the ops
 * layer (which declares rules) and the engine (which runs them). Data only.
 */
import type { Tensor } from "./tensor.js";

// Storage states (tensor.ts; repeated here because tensor.ts imports this module's values).
const PRIVATE = 0, EXPOSED = 1, SAVED = 2;

/**
 * A differentiation rule for one primitive: forward, VJP and JVP side by side.
 *
 * - `forward(inputs, params)` computes the outputs from the inputs' values with
 *   kernels (no autodiff inside).
 * - `vjp(ct, inputs, out, params)` returns one cotangent per input (null = no
 *   gradient / symbolic zero), written with differentiable ops so that gradients
 *   of gradients work. The engine un-broadcasts each returned cotangent to its
 *   input's shape. For multi-output rules `ct` is an array with null for outputs
 *   that received no cotangent.
 * - `jvp(dx, inputs, out, params)` returns the output tangent(s) given the input
 *   tangents (null = zero tangent), also with differentiable ops; a tangent whose
 *   shape broadcasts to the output's is broadcast by the engine.
 */
/**
 * What a rule's vjp receives as `ct`: the output's cotangent (one output), or
 * one per output with null for outputs that received none. Written as a union of
 * the two so that each rule can declare the case it handles (method parameters
 * are compared bivariantly).
 */
export type RuleCotangent = Tensor | (Tensor | null)[];
/** What a rule's vjp / jvp receives as `out`: its output (one), or its outputs. */
export type RuleOutput = Tensor | Tensor[];

export interface Rule<P = unknown> {
  readonly name: string;
  /** Number of outputs; 1 when omitted. */
  readonly nOut?: number;
  forward(inputs: Tensor[], params: P): Tensor | Tensor[];
  /**
   * `needs[i]` tells whether input i's cotangent is wanted (it requires grad and
   * leads to a requested input); a rule may skip computing the others (return null).
   * The array is the engine's scratch: read it during the call, do not keep it.
   */
  vjp(ct: RuleCotangent, inputs: Tensor[], out: RuleOutput, params: P, needs: readonly boolean[]): (Tensor | null)[];
  jvp(dx: (Tensor | null)[], inputs: Tensor[], out: RuleOutput, params: P): Tensor | null | (Tensor | null)[];
  /**
   * The batching rule (vmap; see src/ops/batching.ts). Called only when at
   * least one input is batched at the innermost live vmap level: `xs[i]` is
   * the *physical* input — batch axis first, of `size` entries — where
   * `batched[i]`, and the plain (logical) input elsewhere. Returns the
   * outputs, each with the batch axis first, computed with differentiable ops
   * (usually this same primitive applied to the physical tensors with shifted
   * axis parameters), so that batching composes with every other transform.
   */
  batch(xs: Tensor[], batched: readonly boolean[], params: P, size: number): Tensor | Tensor[];
  /** Indices of inputs that are never differentiated (masks, indices). */
  readonly nondiff?: readonly number[];
  /** Set for rules whose VJP must not be differentiated again (custom onceDifferentiable functions). */
  readonly onceDifferentiable?: boolean;
  /**
   * Set when every cotangent the VJP returns is a tensor it has just made (an
   * op's output, not its cotangent, an input, an output, a saved or cached
   * tensor, nor another returned cotangent): the backward pass may then add
   * later cotangents of that input into its array in place (fan-in without a
   * new array). Leave unset when unsure.
   */
  readonly freshVjp?: boolean;
}

/**
 * Creation counter of graph nodes. A node is created after the nodes of its
 * inputs, so a larger sequence number never feeds a smaller one: processing
 * nodes by decreasing sequence number is a reverse topological order.
 */
let nodeCounter = 0;

/** The sequence number of the most recently created node. */
export function nodeCount(): number {
  return nodeCounter;
}

/**
 * nodeCount() when a tensor that a node had saved was last exposed (its
 * `.data` read for the first time). A node created after that moment saw no
 * such exposure, so the backward pass skips its per-input check (engine.ts):
 * on graphs whose tensors are never read — the usual case — the check is
 * one comparison per node.
 */
let lateExposure = -1;

export function noteLateExposure(): void {
  lateExposure = nodeCounter;
}

export function lastLateExposure(): number {
  return lateExposure;
}

export interface GradNode {
  readonly isLeaf: boolean;
  readonly name: string;
  /** Creation order (see nodeCounter). */
  readonly _seq: number;
  /** Per-backward scratch used by the engine (saved and restored around nested backward passes). */
  _stamp: number;
  _needed: boolean;
  /** Cotangent (sum) arriving at output 0. */
  _ct: Tensor | null;
  /** Cotangents arriving at outputs k ≥ 1 (index k; multi-output rules only). */
  _slot: (Tensor | null)[] | null;
  /** Bit k set: slot k holds a sum the engine made and nobody else has seen (safe to add into in place). */
  _owned: number;
}

/** The accumulator at a leaf that requires grad. */
export class LeafNode implements GradNode {
  readonly isLeaf = true;
  readonly name = "AccumulateGrad";
  readonly _seq = ++nodeCounter;
  _stamp = 0;
  _needed = false;
  _ct: Tensor | null = null;
  _slot: (Tensor | null)[] | null = null;
  _owned = 0;
  constructor(readonly tensor: Tensor) {}
}

/**
 * A recorded application of a rule: the tape entry. Saving a tensor marks it
 * SAVED (a private one) or snapshots it (an exposed one, whose array user code
 * may hold): backward checks that the saved values are unchanged (engine.ts).
 */
export class OpNode implements GradNode {
  readonly isLeaf = false;
  readonly _seq = ++nodeCounter;
  _stamp = 0;
  _needed = false;
  _ct: Tensor | null = null;
  _slot: (Tensor | null)[] | null = null;
  _owned = 0;
  /** Exposed tensors saved by this node, each followed by its snapshot at save time; null for none (the usual case). */
  _snaps: (Tensor | Float64Array)[] | null = null;
  constructor(
    readonly rule: Rule,
    /** Saved inputs (null once the graph is freed after backward). */
    public inputs: Tensor[] | null,
    /** The output (single-output rules) or the outputs, as the VJP rule receives them; null once freed. */
    public out: Tensor | Tensor[] | null,
    public params: unknown,
  ) {
    if (inputs !== null)
      for (let i = 0; i < inputs.length; i++) {
        const t = inputs[i];
        if (t._x === PRIVATE) t._x = SAVED;
        else if (t._x === EXPOSED) this._saveExposed(t);
      }
    if (out !== null) {
      if (Array.isArray(out)) for (let i = 0; i < out.length; i++) this._saveOut(out[i]);
      else this._saveOut(out);
    }
  }
  private _saveOut(t: Tensor): void {
    if (t._x === PRIVATE) t._x = SAVED;
    else if (t._x === EXPOSED) this._saveExposed(t);
  }
  private _saveExposed(t: Tensor): void {
    (this._snaps ??= []).push(t, snapshot(t));
  }
  get name(): string {
    return this.rule.name;
  }
}

/** A copy of an exposed tensor's values, reusing the previous one while the values are unchanged. */
function snapshot(t: Tensor): Float64Array {
  const ex = t._ex!;
  const d = t._data, s = ex.snap;
  if (s !== null && s.length === d.length) {
    let same = true;
    // Object.is: NaN matches NaN, and 0 / −0 differ (a sign change is a change)
    for (let i = 0; i < d.length; i++) if (!Object.is(s[i], d[i])) { same = false; break; }
    if (same) return s;
  }
  return (ex.snap = d.slice());
}

/** Forward-mode tangent at one nesting level (a singly linked list, innermost level first). */
export interface TangentLink {
  readonly level: number;
  readonly tangent: Tensor;
  readonly next: TangentLink | null;
}

// ---------------------------------------------------------------------------
// Global autodiff state.

let gradEnabled = true;

/** Is reverse mode recording (false inside `noGrad`)? */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/** Forward-mode levels: a strictly increasing counter; a level is live while its jvp runs. */
let levelCounter = 0;
const liveLevels = new Set<number>();

export function enterForwardLevel(): number {
  const level = ++levelCounter;
  liveLevels.add(level);
  return level;
}

export function exitForwardLevel(level: number): void {
  liveLevels.delete(level);
}

/** True while any jvp is running (forward-mode tangents may be flowing). */
export function anyForwardLevelLive(): boolean {
  return liveLevels.size > 0;
}

export function isLevelLive(level: number): boolean {
  return liveLevels.has(level);
}

// ---------------------------------------------------------------------------
// Batching (vmap) levels. They share the counter with the forward levels, so
// the dispatcher can always process the innermost transform first whatever
// its kind: a larger level number is a transform that started later (inside).

/**
 * A tensor batched at one vmap level: `value` is the physical tensor, batch
 * axis first (`size` entries), of which the tensor is one logical slice.
 * `value` may itself be batched at outer levels or carry outer tangents.
 */
export interface BatchLink {
  readonly level: number;
  readonly value: Tensor;
  readonly size: number;
}

/** What random creation functions do inside vmap (torch.func.vmap's `randomness`). */
export type Randomness = "error" | "different" | "same";

/** A live vmap: its level, batch size and randomness rule. */
export interface VmapFrame {
  readonly level: number;
  readonly size: number;
  readonly randomness: Randomness;
}

const vmapFrames: VmapFrame[] = [];

export function enterBatchLevel(size: number, randomness: Randomness): number {
  const level = ++levelCounter;
  vmapFrames.push({ level, size, randomness });
  return level;
}

export function exitBatchLevel(level: number): void {
  const i = vmapFrames.findIndex((f) => f.level === level);
  if (i >= 0) vmapFrames.splice(i, 1);
}

export function isBatchLevelLive(level: number): boolean {
  for (let i = vmapFrames.length - 1; i >= 0; i--) if (vmapFrames[i].level === level) return true;
  return false;
}

/** The live vmaps, outermost first (random creation functions consult them). */
export function liveVmaps(): readonly VmapFrame[] {
  return vmapFrames;
}
