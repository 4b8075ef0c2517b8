/**
 * Per-example evaluation under vmap, for computations whose work depends on
 * the values: iterative solvers (implicitRoot, fixedPoint, inverseOf, the
 * forward solves of customLinearSolve) iterate until *each example*
 * converges, and a user solver reads values, so none of them can run once on
 * batched tensors.
 *
 * `mapExamples(name, xs, fn)` is fn(xs) when no x is batched at a live vmap
 * level. Otherwise it applies a rule made at runtime, so that every
 * transform composes with it as with a primitive:
 *
 * - forward: fn on the values (plain tensors);
 * - batch: one application per example (slices of the physical inputs),
 *   stacked: batchByLoop's scheme, the documented fallback for
 *   value-dependent work. Several vmap levels nest: each level loops over its
 *   own axis, the slices still batched at the outer levels;
 * - vjp / jvp: the derivatives of fn, by autodiff of `warm(xs, outs)` —
 *   fn evaluated knowing its results, cheaply (a solver restarted at its own
 *   solution) — themselves computed through mapExamples, so that a
 *   derivative taken inside the vmap (per-example gradients, vmap(jvp),
 *   vmap(hessian)) also runs per example, to any order.
 *
 * The rule records a node on the logical (batched) tensors, as every
 * primitive does under vmap, so transforms inside the vmap see it; the
 * per-example applications record on the slices, so transforms outside the
 * vmap differentiate the batched computation (slice and stack are ops).
 */
import { Tensor } from "../tensor/tensor.js";
import { isBatchLevelLive, type Rule } from "../tensor/meta.js";
import { zeros } from "../tensor/create.js";
import { BatchingError } from "../errors.js";
import { applyMulti } from "../ops/dispatch.js";
import { exampleOf } from "../ops/batching.js";
import { stack } from "../ops/api.js";
import { enableGrad } from "../autodiff/engine.js";
import { jvp, vjp } from "../autodiff/transforms.js";

/** fn evaluated knowing its results (a warm start at them), differentiable in xs like fn. */
export type WarmFn = (xs: Tensor[], outs: Tensor[]) => Tensor[];

/** Is t batched at a live vmap level (at any depth of its wrappers)? */
export function isBatchedLive(t: Tensor | null | undefined): boolean {
  for (let u = t ?? null; u !== null && u._bt !== null; u = u._bt.value) if (isBatchLevelLive(u._bt.level)) return true;
  return false;
}

/**
 * fn(xs), computed example by example when some x is batched at a live vmap
 * level (see the module comment). fn returns one tensor or more, all of
 * whose shapes depend only on the inputs' shapes; `warm` (default fn) gives
 * the same values when the results are known, for the derivatives.
 */
export function mapExamples(name: string, xs: Tensor[], fn: (xs: Tensor[]) => Tensor[], warm?: WarmFn): Tensor[] {
  if (!xs.some(isBatchedLive)) return fn(xs);
  return applyMulti(exampleRule(name, fn, warm ?? ((x) => fn(x))), xs, null);
}

/** Tensors without their tape node and tangents (the forward's results are values). */
function detached(ts: readonly Tensor[]): Tensor[] {
  return ts.map((t) => (t._node === null && t._fw === null ? t : t._alias()));
}

function exampleRule(name: string, fn: (xs: Tensor[]) => Tensor[], warm: WarmFn): Rule<null> {
  const rule: Rule<null> & { nOut: number } = {
    name,
    nOut: 1,
    forward(ins) {
      const outs = detached(fn(ins));
      rule.nOut = outs.length;
      return outs;
    },
    batch(xs, batched, _params, size) {
      if (size === 0)
        throw new BatchingError(name, "runs once per example under vmap (its work depends on the values, e.g. an iterative solve), and the batch is empty: its result shapes are unknown");
      const per: Tensor[][] = [];
      for (let b = 0; b < size; b++) per.push(applyMulti(rule, xs.map((x, i) => (batched[i] ? exampleOf(x, b) : x)), null));
      return per[0].map((_, k) => stack(per.map((o) => o[k]), 0));
    },
    vjp(ct, ins, out) {
      const outs = Array.isArray(out) ? out : [out];
      const given: (Tensor | null)[] = Array.isArray(ct) ? ct : [ct];
      const cts = outs.map((o, j) => given[j] ?? zeros(o.shape));
      const n = ins.length, m = outs.length;
      // x̄ = ∂fᵀ c per example: the pullback of warm at the known results
      const body = (all: Tensor[]): Tensor[] => {
        const c = all.slice(0, m), x = all.slice(m, m + n), o = detached(all.slice(m + n));
        const { vjpFn } = enableGrad(() => vjp((...a: Tensor[]) => warm(a, o), ...x));
        return (vjpFn(c) as (Tensor | null)[]).map((g, i) => g ?? zeros(x[i].shape));
      };
      return mapExamples(`${name} (VJP)`, [...cts, ...ins, ...outs], body);
    },
    jvp(dx, ins, out) {
      const outs = Array.isArray(out) ? out : [out];
      if (dx.every((d) => d === null)) return rule.nOut === 1 ? null : outs.map(() => null);
      const ds = dx.map((d, i) => d ?? zeros(ins[i].shape));
      const n = ins.length;
      const body = (all: Tensor[]): Tensor[] => {
        const d = all.slice(0, n), x = all.slice(n, 2 * n), o = detached(all.slice(2 * n));
        const t = enableGrad(() => jvp((...a: Tensor[]) => warm(a, o), x, d).tangent) as Tensor[];
        return t;
      };
      const ts = mapExamples(`${name} (JVP)`, [...ds, ...ins, ...outs], body);
      return rule.nOut === 1 ? ts[0] : ts;
    },
  };
  return rule;
}
