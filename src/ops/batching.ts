/**
 * Batching rules (vmap): the building blocks each primitive's `batch` member
 * is made of.
 *
 * Contract (Rule.batch in tensor/meta.ts): the rule receives the physical
 * inputs — batch axis first where `batched[i]`, the plain logical tensor
 * elsewhere — and returns the physical outputs, batch axis first. It is
 * written with differentiable ops (usually the same primitive on the
 * physical tensors with shifted axis parameters), so batching composes with
 * the tangent levels and the tape: a batching rule is just more ops.
 *
 * Most primitives already broadcast over leading axes (elementwise ops,
 * matmul, the linalg kernels loop over batch axes in one call): for them
 * batching is rank alignment — a batched input [B, …s] of logical rank r < R
 * is reshaped to [B, 1, …, 1, …s] (rank 1 + R), an unbatched input is left
 * as it is and right-aligned broadcasting puts it under every example.
 * Reductions and layout ops shift their axis parameters by one.
 * `batchByLoop` (one call per example, stacked) is the fallback for forwards
 * whose control flow depends on values (iterative solvers); it is never used
 * where one batched kernel call can do the work.
 */
import type { Tensor } from "../tensor/tensor.js";
import { enterBatchLevel, exitBatchLevel, isBatchLevelLive, type Rule } from "../tensor/meta.js";
import { shapesEqual } from "../tensor/shape.js";
import { escapedError, makeBatched } from "../tensor/batched.js";
import { apply, applyMulti } from "./dispatch.js";
import { reshape, broadcastTo, slice, stack, sum, sumToShape, mul, type SliceSpec } from "./api.js";

/** A batching rule's signature (Rule.batch). */
export type BatchRule<P> = (xs: Tensor[], batched: readonly boolean[], params: P, size: number) => Tensor | Tensor[];

/** The logical rank of a physical input. */
export function logicalRank(x: Tensor, batched: boolean): number {
  return batched ? x.ndim - 1 : x.ndim;
}

/** The largest logical rank among the inputs. */
export function maxLogicalRank(xs: readonly Tensor[], batched: readonly boolean[]): number {
  let r = 0;
  for (let i = 0; i < xs.length; i++) r = Math.max(r, logicalRank(xs[i], batched[i]));
  return r;
}

/**
 * A batched input [B, …s] padded to logical rank `rank`: [B, 1, …, 1, …s].
 * Unbatched inputs are returned as they are (right-aligned broadcasting puts them under the batch axis).
 */
export function padToRank(x: Tensor, batched: boolean, rank: number): Tensor {
  if (!batched) return x;
  const r = x.ndim - 1;
  if (r >= rank) return x;
  return reshape(x, [x.shape[0], ...new Array<number>(rank - r).fill(1), ...x.shape.slice(1)]);
}

/** All inputs aligned for broadcasting: batched ones padded to the common logical rank (see padToRank). */
export function alignForBroadcast(xs: readonly Tensor[], batched: readonly boolean[]): Tensor[] {
  const rank = maxLogicalRank(xs, batched);
  return xs.map((x, i) => padToRank(x, batched[i], rank));
}

/** x with the batch axis made explicit: a batched input as it is, an unbatched one broadcast to [size, …shape]. */
export function withBatch(x: Tensor, batched: boolean, size: number): Tensor {
  return batched ? x : broadcastTo(x, [size, ...x.shape]);
}

/** Every input with an explicit batch axis (for kernels that need equal batch axes on all operands). */
export function materialize(xs: readonly Tensor[], batched: readonly boolean[], size: number): Tensor[] {
  return xs.map((x, i) => withBatch(x, batched[i], size));
}

/** Apply a rule and return its output (single-output rules) or outputs. */
export function applyRule<P>(rule: Rule<P>, xs: Tensor[], params: P): Tensor | Tensor[] {
  return (rule.nOut ?? 1) === 1 ? apply(rule, xs, params) : applyMulti(rule, xs, params);
}

/**
 * The batching rule of an op that acts on each entry, or that already treats
 * leading axes as batch axes and broadcasts them: align ranks, apply the same
 * primitive. (Unary elementwise ops: the physical tensor as it is.)
 */
export function batchBroadcast<P>(rule: () => Rule<P>): BatchRule<P> {
  return (xs, batched, params) => applyRule(rule(), alignForBroadcast(xs, batched), params);
}

/**
 * The batching rule of an op that acts on trailing axes and loops over
 * leading ones but needs every operand to have the same leading axes
 * (no broadcasting between operands): unbatched operands are broadcast to
 * the batch first.
 */
export function batchLeading<P>(rule: () => Rule<P>): BatchRule<P> {
  return (xs, batched, params, size) => applyRule(rule(), materialize(xs, batched, size), params);
}

/** Axes parameters shifted past the batch axis (normalized, non-negative axes). */
export function shiftAxes(axes: readonly number[]): number[] {
  return axes.map((a) => a + 1);
}

/** Example b of a physical input (batch axis dropped). */
export function exampleOf(x: Tensor, b: number): Tensor {
  const spec: SliceSpec[] = x.shape.map(() => null);
  spec[0] = [b, b + 1];
  return reshape(slice(x, ...spec), x.shape.slice(1));
}

/**
 * The fallback batching rule: one application per example, the results
 * stacked. Correct for every primitive (and differentiable, since slicing
 * and stacking are ops), but a loop of `size` kernel calls: only for
 * forwards whose work depends on the values (iterative solvers), documented
 * where used.
 */
export function batchByLoop<P>(rule: () => Rule<P>): BatchRule<P> {
  return (xs, batched, params, size) => {
    const r = rule();
    const nOut = r.nOut ?? 1;
    const outs: Tensor[][] = Array.from({ length: nOut }, () => []);
    for (let b = 0; b < size; b++) {
      const xb = xs.map((x, i) => (batched[i] ? exampleOf(x, b) : x));
      const ob = applyMulti(r, xb, params);
      for (let k = 0; k < nOut; k++) outs[k].push(ob[k]);
    }
    const stacked = outs.map((list) => stack(list, 0));
    return nOut === 1 ? stacked[0] : stacked;
  };
}

/** The innermost vmap level any of xs is batched at (−1: none); a batched tensor whose vmap has returned raises. */
export function innermostBatchLevel(xs: readonly Tensor[]): number {
  let level = -1;
  for (let i = 0; i < xs.length; i++) {
    const bt = xs[i]._bt;
    if (bt !== null) {
      if (!isBatchLevelLive(bt.level)) throw escapedError(xs[i]);
      if (bt.level > level) level = bt.level;
    }
  }
  return level;
}

/**
 * A non-differentiable function of values (comparisons, masks, signs: ops
 * that read `_data` directly and record nothing) made batch-aware: when an
 * input is batched, the innermost vmap level is unwrapped, `fn` runs on the
 * physical tensors (ranks aligned for broadcasting, so `fn` must act
 * entrywise with broadcasting) and the result is wrapped again.
 */
export function liftValues(xs: Tensor[], fn: (xs: Tensor[]) => Tensor): Tensor {
  const level = innermostBatchLevel(xs);
  if (level < 0) return fn(xs);
  let size = 0;
  const batched = xs.map((x) => {
    const bt = x._bt;
    if (bt !== null && bt.level === level) {
      size = bt.size;
      return true;
    }
    return false;
  });
  const phys = xs.map((x, i) => (batched[i] ? x._bt!.value : x));
  return makeBatched(liftValues(alignForBroadcast(phys, batched), fn), level, size);
}

// ---------------------------------------------------------------------------
// Rules written with ops: batching by running them under a fresh vmap level.

/** The physical tensor of t at `level` (batch axis first); an output that does not depend on the level is broadcast along it. */
function unwrapAt(t: Tensor, level: number, size: number): Tensor {
  const bt = t._bt;
  if (bt !== null && bt.level === level) return bt.value;
  if (bt !== null && bt.level > level) throw escapedError(t);
  return broadcastTo(reshape(t, [1, ...t.shape]), [size, ...t.shape]);
}

/** Wrap the entries of xs with batched[i] at `level` (physical → logical). */
function wrapAt(xs: readonly Tensor[], batched: readonly boolean[], level: number, size: number): Tensor[] {
  return xs.map((x, i) => (batched[i] ? makeBatched(x, level, size) : x));
}

/** One entry per output, whatever the rule's arity. */
function outList(r: Tensor | (Tensor | null)[] | null, nOut: number): (Tensor | null)[] {
  if (nOut === 1 && !Array.isArray(r)) return [r];
  return Array.isArray(r) ? r : [r];
}

/**
 * The batching rule of a rule whose forward, VJP and JVP are themselves
 * written with matgrad ops (custom functions: `Function`, `customVjp`,
 * `customJvp` make such rules at runtime): the rule runs, as it is, on
 * batched tensors.
 *
 * It applies `batchedRule(R)`, a rule on the physical tensors: its forward
 * opens a fresh vmap level, wraps the batched inputs there, runs R.forward
 * (whose ops batch through their own rules) and unwraps the outputs; so the
 * user's code runs once for the whole batch. Applied with `applyMulti`, it
 * records a node on the physical inputs, so transforms outside the vmap
 * (grad(vmap(f)), jvp(vmap(f))) differentiate the batched computation with
 * batchedRule's VJP and JVP, which wrap cotangents / tangents the same way
 * and call R's: for a batched input i the physical cotangent is R's
 * per-example one; an unbatched input is shared by the examples, so its
 * cotangent is the sum over the batch, Σ_b x̄_b (a cotangent that does not
 * depend on the batch counts `size` times). Its own batching rule is
 * batchByVmap again (nested vmap). Transforms inside the vmap see R's node
 * on the logical tensors (recorded by the dispatcher) and call R directly.
 *
 * Levels. The derivative passes open a level of their own, newer than
 * every live transform, so the ordering the dispatcher relies on holds
 * (a batched tensor's value only carries older levels) even when the
 * cotangent is batched by a vmap that started after the forward
 * (vmap of a vjpFn). Tensors the forward created at its level and R keeps
 * for its derivatives are re-expressed at the derivative's level by R
 * itself (custom functions: `Binding` in src/custom/core.ts).
 *
 * Random creation inside R's forward raises (the fresh level has
 * randomness "error"): pass random values in as arguments.
 */
export function batchByVmap<P>(rule: () => Rule<P>): BatchRule<P> {
  return (xs, batched, params, size) => applyMulti(batchedRule(rule(), batched, size), xs, params);
}

/** R applied to physical tensors whose inputs `batched[i]` carry a batch axis of `size` first (see batchByVmap). */
export function batchedRule<P>(R: Rule<P>, batched: readonly boolean[], size: number): Rule<P> {
  const nOut = (): number => R.nOut ?? 1;
  const logicalShape = (x: Tensor, i: number): readonly number[] => (batched[i] ? x.shape.slice(1) : x.shape);
  const self: Rule<P> = {
    name: R.name,
    get nOut(): number {
      return nOut();
    },
    ...(R.nondiff === undefined ? {} : { nondiff: R.nondiff }),
    ...(R.onceDifferentiable === undefined ? {} : { onceDifferentiable: R.onceDifferentiable }),
    forward(ins, params) {
      const level = enterBatchLevel(size, "error");
      try {
        const r = R.forward(wrapAt(ins, batched, level, size), params);
        const outs = Array.isArray(r) ? r : [r];
        const phys = outs.map((o) => unwrapAt(o, level, size));
        return Array.isArray(r) ? phys : phys[0];
      } finally {
        exitBatchLevel(level);
      }
    },
    vjp(ct, ins, out, params, needs) {
      const level = enterBatchLevel(size, "error");
      try {
        const n = nOut();
        const outs = Array.isArray(out) ? out : [out];
        const cts = outList(ct, n).map((c) => (c === null || c === undefined ? null : makeBatched(c, level, size)));
        const wouts = outs.map((o) => makeBatched(o, level, size));
        const gs = R.vjp(n === 1 ? (cts[0] as Tensor) : cts, wrapAt(ins, batched, level, size), n === 1 ? wouts[0] : wouts, params, needs);
        return ins.map((x, i) => {
          const g = gs[i];
          if (g === null || g === undefined) return null;
          // un-broadcast per example first (the engine's un-broadcasting would mix the batch axis in)
          const shape = logicalShape(x, i);
          const gl = shapesEqual(g.shape, shape) ? g : sumToShape(g, shape);
          if (batched[i]) return unwrapAt(gl, level, size);
          // an input shared by the examples: the sum of their cotangents
          const bt = gl._bt;
          if (bt !== null && bt.level === level) return sum(bt.value, [0]);
          if (bt !== null && bt.level > level) throw escapedError(gl);
          return mul(gl, size);
        });
      } finally {
        exitBatchLevel(level);
      }
    },
    jvp(dx, ins, out, params) {
      const level = enterBatchLevel(size, "error");
      try {
        const n = nOut();
        const outs = Array.isArray(out) ? out : [out];
        const wdx = dx.map((d, i) => (d === null || !batched[i] ? d : makeBatched(d, level, size)));
        const wouts = outs.map((o) => makeBatched(o, level, size));
        const r = R.jvp(wdx, wrapAt(ins, batched, level, size), n === 1 ? wouts[0] : wouts, params);
        const ts = outList(r, n).map((t, k) => {
          if (t === null || t === undefined) return null;
          const shape = wouts[k].shape;
          return unwrapAt(shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape), level, size);
        });
        return n === 1 ? ts[0] : ts;
      } finally {
        exitBatchLevel(level);
      }
    },
    batch: (xs, b, params, s) => batchByVmap(() => self)(xs, b, params, s),
  };
  return self;
}
