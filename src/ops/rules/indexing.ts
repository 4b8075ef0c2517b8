/**
 * Rules of the gather / scatter primitives (PyTorch's gather, scatter,
 * scatter_add, scatter_reduce amax / amin): forward through the kernels of
 * src/kernels/gather.ts, VJP and JVP written with these same primitives (so
 * every order can be taken), and vmap batching rules.
 *
 * The index is an input tensor (float64 holding integers), never
 * differentiated (`nondiff`); the forward kernels check its entries (an
 * integer in [−n, n), negative counting from the end) in the pass that uses
 * them and the rule raises an ArgumentError naming the op the user called
 * (`params.op`). Keeping the index a tensor input — not a parameter — lets
 * vmap batch it (per-example labels: gather(logits, 1, labels)).
 *
 * The maths, for out = gather(x, a, I): out[p] = x[t(p)], t(p) the target of
 * index entry p. Its adjoint sends ct[p] back to t(p), summing repeats:
 * x̄ = scatterAdd(0, a, I, ct); and scatterAdd(x, a, I, s) = x + Σₚ s[p]·e_{t(p)}
 * has x̄ = ct, s̄ = gather(ct, a, I). An overwriting scatter keeps the last
 * write to each target (row-major order of I): out = x off the targets, and
 * s[w(q)] at target q (w(q) the winning entry), so x̄ = ct with the targets
 * zeroed and s̄[p] = ct[t(p)]·[p wins] — the derivative of the value that was
 * actually computed. scatter max / min: the entries equal to the result at a
 * target (x's own value included, unless include_self is false) share its
 * derivative evenly, as PyTorch does for ties of amax / amin. scatter prod:
 * each factor's derivative is the product of the other factors of its
 * target, computed without dividing by zero (prodSourceFactor).
 */
import { Tensor } from "../../tensor/tensor.js";
import type { Rule } from "../../tensor/meta.js";
import { fmtShape, sizeOf } from "../../tensor/shape.js";
import { ArgumentError } from "../../errors.js";
import { ones, zeros } from "../../tensor/create.js";
import * as k from "../../kernels/gather.js";
import { badIndexEntry } from "../index-args.js";
import { apply, applyMulti } from "../dispatch.js";
import { add, div, eq, mul, reshape, permute, broadcastTo, sub, where } from "../api.js";
import { materialize } from "../batching.js";

/** Parameters of the gather / scatter primitives; `op` is the public op named in index errors. */
export interface IndexingParams {
  /**
   * `arg`: when gather serves another op's index argument (index's specs[i], checked by a gather from
   * arange), its name and the axis of the user's x it indexes, for errors (the internal shapes are not shown).
   */
  gather: { axis: number; op: string; arg?: { name: string; axis: number } };
  scatterAdd: { axis: number; op: string };
  /** Overwriting scatter: the last write to a target wins. */
  scatter: { axis: number; op: string };
  /** scatter_reduce amax (max true) / amin; x's own values take part unless `self` is false (include_self). */
  scatterExtremum: { axis: number; max: boolean; self: boolean; op: string };
  /** scatter_reduce prod, x's own values included (include_self = False is a composite: see scatter). */
  scatterProd: { axis: number; op: string };
  /** Not differentiable: 1 at the index entries whose overwrite survives, 0 elsewhere. */
  scatterWinners: { axis: number; shape: number[]; op: string };
  /** Not differentiable: the tie weights [wx, ws] of scatterExtremum. */
  scatterExtremumWeights: { axis: number; self: boolean; op: string };
}

type R<P extends keyof IndexingParams> = Rule<IndexingParams[P]>;

/** The error for index entry p (flat position in an index of shape s) that is not an integer in [−n, n). */
function badIndex(op: string, idx: Tensor, p: number, xShape: readonly number[], axis: number, arg?: { name: string; axis: number }): ArgumentError {
  const s = idx.shape;
  const pos = new Array<number>(s.length);
  let rest = p;
  for (let d = s.length - 1; d >= 0; d--) {
    pos[d] = rest % s[d];
    rest = Math.floor(rest / s[d]);
  }
  if (arg !== undefined) return badIndexEntry(op, arg.name, idx._data[p], `position ${p}`, `axis ${arg.axis}`, xShape[axis]);
  return badIndexEntry(op, "index", idx._data[p], fmtShape(pos), `axis ${axis}`, xShape[axis], `index shape ${fmtShape(s)}, x shape ${fmtShape(xShape)}`);
}

/** The gather primitive: x read along `axis` at idx (idx's shape; `op` names the public op in index errors). */
export const gatherP = (x: Tensor, idx: Tensor, axis: number, op: string): Tensor => apply(indexingRules.gather, [x, idx], { axis, op });
/** The scatter-add primitive: x with src added at idx along `axis` (x's shape). */
export const scatterAddP = (x: Tensor, idx: Tensor, src: Tensor, axis: number, op: string): Tensor =>
  apply(indexingRules.scatterAdd, [x, idx, src], { axis, op });
const scatterP = (x: Tensor, idx: Tensor, src: Tensor, axis: number, op: string): Tensor =>
  apply(indexingRules.scatter, [x, idx, src], { axis, op });

function scatterForward(mode: k.ScatterMode, includeSelf = true) {
  return ([x, idx, src]: Tensor[], { axis, op }: { axis: number; op: string }): Tensor => {
    const r = k.scatterAlong(x._data, x.shape, axis, idx._data, idx.shape, src._data, mode, includeSelf);
    if (typeof r === "number") throw badIndex(op, idx, r, x.shape, axis);
    return new Tensor(r, x.shape);
  };
}

/** The scatter-prod primitive: x with the src entries multiplied in at idx along `axis` (x's shape). */
const scatterProdP = (x: Tensor, idx: Tensor, src: Tensor, axis: number, op: string): Tensor =>
  apply(indexingRules.scatterProd, [x, idx, src], { axis, op });

/**
 * The derivative of out = scatterProd(x, I, s) with respect to each source
 * entry: E[p] = ∂out[t(p)]/∂s[p], the product of the other factors of its
 * target (x's value and the other sources there), written with
 * differentiable ops so that its own derivative — the second derivative of
 * the product — is right too, zeros included, and no 0/0 appears:
 * - s[p] ≠ 0: E[p] = out[t(p)] / s[p]. Equal to the product of the others
 *   on a whole neighbourhood of the point (where s[p] ≠ 0), so exact at
 *   every order, also when another factor of the slot is 0 (then E = 0 and
 *   ∂E/∂(that factor) = E_that / s[p], the product of the rest).
 * - s[p] = 0, with z the number of zero factors of its slot (x's included;
 *   a constant of the point): E[p] = N·e, N the product of the slot's
 *   nonzero factors (zeros replaced by a constant 1: the same primitive on
 *   masked inputs) and e the product of the *other* zero factors — 1 for
 *   z = 1, the other zero itself for z = 2, written as (Σ zero factors of the
 *   slot) − s[p], a sum that equals it on a neighbourhood: exact at every
 *   order. For z ≥ 3, e = 0: the value and first derivative of E are right
 *   (each still holds a zero factor), so the product is exact to second
 *   order there.
 * The masks and counts are constants (comparisons have no derivative).
 */
function prodSourceFactor(x: Tensor, idx: Tensor, src: Tensor, out: Tensor, axis: number, op: string): Tensor {
  const zx = eq(x, 0), zs = eq(src, 0);
  const nzx = where(zx, 1, x), nzs = where(zs, 1, src);
  const nonzero = gatherP(scatterProdP(nzx, idx, nzs, axis, op), idx, axis, op);
  const zeros = gatherP(scatterAddP(zx, idx, zs, axis, op), idx, axis, op);
  const others = sub(gatherP(scatterAddP(mul(x, zx), idx, mul(src, zs), axis, op), idx, axis, op), src);
  const atZero = mul(nonzero, add(eq(zeros, 1), mul(eq(zeros, 2), others)));
  return where(zs, atZero, div(gatherP(out, idx, axis, op), nzs));
}

function targetsOf(op: string, x: Tensor, idx: Tensor, axis: number): Int32Array {
  const t = k.scatterTargets(x.shape, axis, idx._data, idx.shape);
  if (typeof t === "number") throw badIndex(op, idx, t, x.shape, axis);
  return t;
}

/**
 * gather with a batched index and an unbatched x: the batch axis B is moved
 * next to the gathered axis and merged into it (gather allows any index
 * length along its axis), so x is read in place instead of being copied B
 * times: I [B, s₀…] → [s₀…s_{a−1}, B·s_a, …] → gather → split B → B first.
 */
function gatherBatchedIndex(x: Tensor, idx: Tensor, p: IndexingParams["gather"]): Tensor {
  const r = idx.ndim - 1, a = p.axis, B = idx.shape[0];
  const s = idx.shape.slice(1);
  const perm = [...Array.from({ length: a }, (_, i) => i + 1), 0, ...Array.from({ length: r - a }, (_, i) => a + 1 + i)];
  const merged = reshape(permute(idx, perm), [...s.slice(0, a), B * s[a], ...s.slice(a + 1)]);
  const out = reshape(apply(indexingRules.gather, [x, merged], p), [...s.slice(0, a), B, ...s.slice(a)]);
  const inv = new Array<number>(perm.length);
  perm.forEach((q, i) => (inv[q] = i));
  return permute(out, inv);
}

export const indexingRules: { [P in keyof IndexingParams]: R<P> } = {
  gather: {
    name: "gather",
    nondiff: [1],
    forward: ([x, idx], { axis, op, arg }) => {
      const r = k.gatherAlong(x._data, x.shape, axis, idx._data, idx.shape);
      if (typeof r === "number") throw badIndex(op, idx, r, x.shape, axis, arg);
      return new Tensor(r, idx.shape);
    },
    vjp: (ct: Tensor, [x, idx], _out, { axis, op }) => [scatterAddP(zeros(x.shape), idx, ct, axis, op), null],
    jvp: ([dx], [, idx], _out, { axis, op }) => (dx === null ? null : gatherP(dx, idx, axis, op)),
    batch: ([x, idx], batched, p, size) => {
      const q = { ...p, axis: p.axis + 1 };
      if (batched[0] && batched[1]) return apply(indexingRules.gather, [x, idx], q);
      if (batched[0]) return apply(indexingRules.gather, [x, broadcastTo(idx, [size, ...idx.shape])], q);
      return gatherBatchedIndex(x, idx, p);
    },
  },
  scatterAdd: {
    name: "scatterAdd",
    nondiff: [1],
    forward: scatterForward("add"),
    vjp: (ct: Tensor, [, idx], _out, { axis, op }, needs) => [ct, null, needs[2] ? gatherP(ct, idx, axis, op) : null],
    jvp: ([dx, , ds], [x, idx], _out, { axis, op }) => {
      if (ds === null) return dx;
      return scatterAddP(dx ?? zeros(x.shape), idx, ds, axis, op);
    },
    // the output is x-shaped per example: every operand gets the batch axis, then one call with the axis shifted
    batch: (xs, batched, p, size) => apply(indexingRules.scatterAdd, materialize(xs, batched, size), { axis: p.axis + 1, op: p.op }),
  },
  scatter: {
    name: "scatter",
    nondiff: [1],
    forward: scatterForward("overwrite"),
    vjp: (ct: Tensor, [x, idx], _out, { axis, op }, needs) => [
      needs[0] ? scatterP(ct, idx, zeros(idx.shape), axis, op) : null,
      null,
      needs[2] ? mul(gatherP(ct, idx, axis, op), apply(indexingRules.scatterWinners, [idx], { axis, shape: x.shape.slice(), op })) : null,
    ],
    jvp: ([dx, , ds], [x, idx], _out, { axis, op }) =>
      dx === null && ds === null ? null : scatterP(dx ?? zeros(x.shape), idx, ds ?? zeros(idx.shape), axis, op),
    batch: (xs, batched, p, size) => apply(indexingRules.scatter, materialize(xs, batched, size), { axis: p.axis + 1, op: p.op }),
  },
  scatterExtremum: {
    name: "scatterExtremum",
    nondiff: [1],
    forward: ([x, idx, src], { axis, max, self, op }) => scatterForward(max ? "max" : "min", self)([x, idx, src], { axis, op }),
    vjp: (ct: Tensor, [x, idx, src], out: Tensor, { axis, self, op }, needs) => {
      const [wx, ws] = applyMulti(indexingRules.scatterExtremumWeights, [x, idx, src, out], { axis, self, op });
      return [needs[0] ? mul(ct, wx) : null, null, needs[2] ? mul(gatherP(ct, idx, axis, op), ws) : null];
    },
    jvp: ([dx, , ds], [x, idx, src], out: Tensor, { axis, self, op }) => {
      if (dx === null && ds === null) return null;
      const [wx, ws] = applyMulti(indexingRules.scatterExtremumWeights, [x, idx, src, out], { axis, self, op });
      const fromX = dx === null ? zeros(x.shape) : mul(dx, wx);
      return ds === null ? fromX : scatterAddP(fromX, idx, mul(ds, ws), axis, op);
    },
    batch: (xs, batched, p, size) =>
      apply(indexingRules.scatterExtremum, materialize(xs, batched, size), { ...p, axis: p.axis + 1 }),
  },
  scatterProd: {
    name: "scatterProd",
    nondiff: [1],
    forward: scatterForward("prod"),
    // out[q] = x[q]·Π_{t(p)=q} s[p]: ∂out/∂x = the product of the slot's sources, which is the primitive
    // itself on ones (exact with any zeros, at every order); ∂out/∂s[p] from prodSourceFactor
    vjp: (ct: Tensor, [x, idx, src], out: Tensor, { axis, op }, needs) => [
      needs[0] ? mul(ct, scatterProdP(ones(x.shape), idx, src, axis, op)) : null,
      null,
      needs[2] ? mul(gatherP(ct, idx, axis, op), prodSourceFactor(x, idx, src, out, axis, op)) : null,
    ],
    jvp: ([dx, , ds], [x, idx, src], out: Tensor, { axis, op }) => {
      if (dx === null && ds === null) return null;
      const fromX = dx === null ? zeros(x.shape) : mul(dx, scatterProdP(ones(x.shape), idx, src, axis, op));
      return ds === null ? fromX : scatterAddP(fromX, idx, mul(ds, prodSourceFactor(x, idx, src, out, axis, op)), axis, op);
    },
    batch: (xs, batched, p, size) => apply(indexingRules.scatterProd, materialize(xs, batched, size), { axis: p.axis + 1, op: p.op }),
  },
  scatterWinners: {
    name: "scatterWinners",
    nondiff: [0],
    forward: ([idx], { axis, shape, op }) => {
      const t = k.scatterTargets(shape, axis, idx._data, idx.shape);
      if (typeof t === "number") throw badIndex(op, idx, t, shape, axis);
      return new Tensor(k.scatterWinners(t, sizeOf(shape)), idx.shape);
    },
    vjp: () => [null],
    jvp: () => null,
    batch: ([idx], _b, p, size) => apply(indexingRules.scatterWinners, [idx], { axis: p.axis + 1, shape: [size, ...p.shape], op: p.op }),
  },
  scatterExtremumWeights: {
    name: "scatterExtremumWeights",
    nOut: 2,
    nondiff: [0, 1, 2, 3],
    forward: ([x, idx, src, out], { axis, self, op }) => {
      const { wx, ws } = k.extremumWeights(x._data, targetsOf(op, x, idx, axis), src._data, out._data, self);
      return [new Tensor(wx, x.shape), new Tensor(ws, idx.shape)];
    },
    vjp: () => [null, null, null, null],
    jvp: () => [null, null],
    batch: (xs, batched, p, size) => applyMulti(indexingRules.scatterExtremumWeights, materialize(xs, batched, size), { ...p, axis: p.axis + 1 }),
  },
};

