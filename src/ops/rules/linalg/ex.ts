/**
 * The *Ex variants of inv, solve and cholesky (torch.linalg.inv_ex, solve_ex,
 * cholesky_ex): a second output `info` per batch element instead of raising.
 * info follows LAPACK: 0 = success; k > 0 = U[k−1, k−1] is exactly 0 in the
 * LU factorization (inv/solve, getrf's info) or the leading minor of order k
 * is not positive (cholesky, potrf's info). Failed batch elements get NaN in
 * every entry of the result (PyTorch leaves partial factors / garbage there).
 * Unlike inv/solve, no condition check: a matrix that is singular only to
 * working precision is inverted (info 0), as LAPACK and PyTorch do.
 *
 * Derivatives are those of inv / solve / cholesky where info = 0, and 0 for the
 * failed elements (their result is a constant NaN): the rules mask their
 * cotangents and tangents with `info ≠ 0`, computed with ops from the info
 * output (so the masks work under vmap, where values cannot be read).
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { sizeOf } from "../../../tensor/shape.js";
import { choleskyFactor } from "../../../kernels/cholesky.js";
import { luInverse, luSolve } from "../../../kernels/lu.js";
import { applyMulti } from "../../dispatch.js";
import { broadcastTo, matmul, matmulT, ne, neg, reshape, unsqueeze, where } from "../../api.js";
import { batchBroadcast } from "../../batching.js";
import { rules } from "../../registry.js";
import { batchShape, broadcastBatch, forEachBatch, isFiniteLower, mat, minus } from "./common.js";
import { luEntries, type LuCache } from "./lu.js";

export interface ExParams {
  /** Outputs [A⁻¹, info]. */
  invEx: { cache: LuCache };
  /** Outputs [X, info]: X = A⁻¹ B (or A⁻ᵀ B when adjoint), batches broadcast; info has A's batch shape. */
  solveEx: { adjoint: boolean; cache: LuCache };
  /** Outputs [L, info] (reads the lower triangle). */
  choleskyEx: null;
}

/** info [...] → a [..., 1, 1] mask, true where the element failed (broadcasts against its matrices). */
function failed(info: Tensor): Tensor {
  return unsqueeze(unsqueeze(ne(info, 0), -1), -1);
}

/** g with the failed elements' entries set to 0 (null stays null). */
function masked(g: Tensor | null, info: Tensor): Tensor | null {
  return g === null ? null : where(failed(info), 0, g);
}

/**
 * solveEx under vmap: X batches as solve does (ranks aligned, leading axes broadcast); info has A's batch
 * shape, so it gets the batch axis explicitly — broadcast when only B is batched, and without the unit axes
 * that rank alignment may have put into a batched A.
 */
function batchSolveEx(xs: Tensor[], batched: readonly boolean[], p: ExParams["solveEx"], size: number): Tensor[] {
  const [x, info] = batchBroadcast(() => exRules.solveEx)(xs, batched, p, size) as Tensor[];
  const a = xs[0];
  const lead = batched[0] ? a.shape.slice(1, -2) : a.shape.slice(0, -2); // A's logical batch shape
  return [x, batched[0] ? reshape(info, [size, ...lead]) : broadcastTo(info, [size, ...lead])];
}

function solveExApply(a: Tensor, b: Tensor, adjoint: boolean, cache: LuCache): Tensor[] {
  return applyMulti(exRules.solveEx, [a, b], { adjoint, cache });
}

export const exRules: { [P in keyof ExParams]: Rule<ExParams[P]> } = {
  invEx: {
    // C = A⁻¹ where info = 0:  Ā = −Cᵀ C̄ Cᵀ;  dC = −C dA C  (as inv); 0 where info ≠ 0.
    name: "linalg.invEx",
    nOut: 2,
    batch: batchBroadcast(() => exRules.invEx),
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const entries = luEntries(a, p.cache);
      const out = new Float64Array(a.size);
      const info = new Float64Array(entries.length);
      const work = new Float64Array(n * n); // luInverse's scratch, shared by the batch
      entries.forEach((e, b) => {
        const dst = out.subarray(b * n * n, (b + 1) * n * n);
        if (e.info >= 0) {
          info[b] = e.info + 1;
          dst.fill(NaN);
        } else luInverse(e.lu, e.piv, n, dst, work);
      });
      return [new Tensor(out, a.shape), new Tensor(info, batchShape(a))];
    },
    vjp: ([ct]: (Tensor | null)[], _a, [c, info]: Tensor[]) => {
      if (ct === null) return [null];
      // −Cᵀ C̄ Cᵀ as the inverse's own VJP primitive (differentiable again)
      return [masked(applyMulti(rules.invVjp, [c, where(failed(info), 0, ct)], null)[0], info)];
    },
    jvp: ([da], _a, [c, info]: Tensor[]) => (da === null ? [null, null] : [masked(neg(matmul(matmul(c, da), c)), info), null]),
  },

  solveEx: {
    // X = A⁻¹ B where info = 0:  B̄ = A⁻ᵀ X̄, Ā = −B̄ Xᵀ;  dX = A⁻¹(dB − dA X)  (as solve); 0 where info ≠ 0.
    name: "linalg.solveEx",
    nOut: 2,
    batch: batchSolveEx,
    forward: ([a, b], p) => {
      const n = a.shape[a.ndim - 1], k = b.shape[b.ndim - 1];
      const batch = broadcastBatch("linalg.solveEx", a, b);
      const entries = luEntries(a, p.cache);
      const out = new Float64Array(sizeOf(batch) * n * k);
      const info = new Float64Array(entries.length);
      entries.forEach((e, i) => (info[i] = e.info >= 0 ? e.info + 1 : 0));
      forEachBatch(batch, [batchShape(a), batchShape(b)], (t, [ia, ib]) => {
        const e = entries[ia];
        if (e.info >= 0) out.fill(NaN, t * n * k, (t + 1) * n * k);
        else luSolve(e.lu, e.piv, n, mat(b._data, ib, n, k), k, p.adjoint, out.subarray(t * n * k, (t + 1) * n * k));
      });
      return [new Tensor(out, [...batch, n, k]), new Tensor(info, batchShape(a))];
    },
    vjp: ([ct]: (Tensor | null)[], [a], [x, info]: Tensor[], p, needs) => {
      if (ct === null) return [null, null];
      const gb = masked(solveExApply(a, where(failed(info), 0, ct), !p.adjoint, p.cache)[0], info) as Tensor;
      const ga = needs[0] ? masked(neg(p.adjoint ? matmulT(x, gb, false, true) : matmulT(gb, x, false, true)), info) : null;
      return [ga, gb];
    },
    jvp: ([da, db], [a], [x, info]: Tensor[], p) => {
      const rhs = minus(db, da === null ? null : matmulT(da, masked(x, info) as Tensor, p.adjoint, false));
      return rhs === null ? [null, null] : [masked(solveExApply(a, rhs, p.adjoint, p.cache)[0], info), null];
    },
  },

  choleskyEx: {
    // A = L Lᵀ where info = 0: the Cholesky rules (Murray 2016), through the cholesky primitive's own
    // VJP / JVP (L is the same factor); 0 where info ≠ 0.
    name: "linalg.choleskyEx",
    nOut: 2,
    batch: batchBroadcast(() => exRules.choleskyEx),
    forward: ([a]) => {
      const n = a.shape[a.ndim - 1];
      const nb = sizeOf(batchShape(a));
      const out = new Float64Array(a.size);
      const info = new Float64Array(nb);
      for (let b = 0; b < nb; b++) {
        if (!isFiniteLower(a._data, b * n * n, n)) {
          // non-finite policy: a NaN factor (info 0, as potrf does not test for NaN)
          for (let i = 0; i < n; i++) out.fill(NaN, b * n * n + i * n, b * n * n + i * n + i + 1);
          continue;
        }
        const r = choleskyFactor(mat(a._data, b, n), n, out.subarray(b * n * n, (b + 1) * n * n)); // L written in place
        if (r.info >= 0) {
          info[b] = r.info + 1;
          out.fill(NaN, b * n * n, (b + 1) * n * n);
        }
      }
      return [new Tensor(out, a.shape), new Tensor(info, batchShape(a))];
    },
    vjp: ([ct]: (Tensor | null)[], [a], [l, info]: Tensor[], _p, needs) => {
      if (ct === null) return [null];
      // the failed elements' L is NaN: replace it by I there so that the shared rule stays finite, then mask
      const safeL = where(failed(info), eyeLike(l), l);
      return [masked(rules.cholesky.vjp(where(failed(info), 0, ct), [a], safeL, null, needs)[0], info)];
    },
    jvp: ([da], [a], [l, info]: Tensor[]) => {
      if (da === null) return [null, null];
      const safeL = where(failed(info), eyeLike(l), l);
      const dl = rules.cholesky.jvp([where(failed(info), 0, da)], [a], safeL, null) as Tensor | null;
      return [masked(dl, info), null];
    },
  },
};

/** The n×n identity (a constant) for a [..., n, n] tensor. */
function eyeLike(x: Tensor): Tensor {
  const n = x.shape[x.ndim - 1];
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) d[i * n + i] = 1;
  return new Tensor(d, [n, n]);
}
