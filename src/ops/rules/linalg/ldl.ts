/**
 * The Bunch–Kaufman LDLᵀ factorization of symmetric indefinite matrices and
 * the solve from it (kernels/ldl.ts; torch.linalg.ldl_factor / ldl_solve).
 *
 * Derivatives: X = ldlSolve(LD, pivots, B) = A⁻¹ B is linear in B with A
 * symmetric, so  B̄ = A⁻¹ X̄ = ldlSolve(LD, pivots, X̄)  and  dX = ldlSolve(LD, pivots, dB).
 * The compact factor LD is not differentiated: its entries are L's multipliers
 * in LAPACK's interchange-interleaved storage and D's blocks, a parametrization
 * that changes discontinuously with the pivoting; a derivative requested
 * through LD (or through ldlFactor's outputs) raises NonDifferentiableError
 * naming the way out (linalg.solve(A, B) gives the same X with derivatives in A).
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { broadcastShapes, sizeOf } from "../../../tensor/shape.js";
import { ArgumentError, NonDifferentiableError, SingularMatrixError } from "../../../errors.js";
import { checkLdlPivots, ldlFactor, ldlSingularBlock, ldlSolveInPlace } from "../../../kernels/ldl.js";
import { apply, applyMulti } from "../../dispatch.js";
import { batchBroadcast, logicalRank, padToRank } from "../../batching.js";
import { batchShape, broadcastBatch, forEachBatch, isFiniteLower, mat } from "./common.js";

export interface LdlParams {
  /** Outputs [LD, pivots] (reads the lower triangle). */
  ldlFactor: { op: string };
  /** Inputs [LD, pivots, B] (pivots [..., n], batches broadcast): X = A⁻¹ B. */
  ldlSolve: { op: string };
}

function notDifferentiable(op: string, what: string): never {
  throw new NonDifferentiableError(
    op,
    `${what} is not differentiable (LD is LAPACK's compact Bunch–Kaufman storage, which changes discontinuously with the pivoting); for derivatives of A⁻¹B in A use linalg.solve(A, B)`,
  );
}

export const ldlRules: { [P in keyof LdlParams]: Rule<LdlParams[P]> } = {
  ldlFactor: {
    name: "linalg.ldlFactor",
    nOut: 2,
    batch: batchBroadcast(() => ldlRules.ldlFactor),
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const bs = batchShape(a), nb = sizeOf(bs);
      const ld = new Float64Array(nb * n * n), pv = new Float64Array(nb * n);
      for (let b = 0; b < nb; b++) {
        if (!isFiniteLower(a._data, b * n * n, n)) {
          // non-finite policy (common.ts): NaN factor (lower triangle), identity pivots
          for (let i = 0; i < n; i++) {
            ld.fill(NaN, b * n * n + i * n, b * n * n + i * n + i + 1);
            pv[b * n + i] = i;
          }
          continue;
        }
        const r = ldlFactor(mat(a._data, b, n), n);
        if (r.info >= 0)
          throw new SingularMatrixError(
            p.op,
            `the matrix${nb > 1 ? ` (batch element ${b})` : ""} is singular: D[${r.info}, ${r.info}] = 0 in its LDLᵀ factorization (a zero column of the Schur complement)`,
            0,
            r.info,
          );
        ld.set(r.ld, b * n * n);
        for (let i = 0; i < n; i++) pv[b * n + i] = r.piv[i];
      }
      return [new Tensor(ld, a.shape), new Tensor(pv, [...bs, n])];
    },
    vjp: (_ct, _x, _o, p) => notDifferentiable(p.op, "the LDLᵀ factorization"),
    jvp: (dx, _x, _o, p) => (dx[0] === null ? [null, null] : notDifferentiable(p.op, "the LDLᵀ factorization")),
  },

  ldlSolve: {
    name: "linalg.ldlSolve",
    nondiff: [1],
    // LD and B are matrices and pivots a vector per matrix: align their ranks as such
    batch: (xs, batched, p) => {
      const [ld, pv, b] = xs;
      const r = Math.max(logicalRank(ld, batched[0]), logicalRank(b, batched[2]));
      return apply(ldlRules.ldlSolve, [padToRank(ld, batched[0], r), padToRank(pv, batched[1], r - 1), padToRank(b, batched[2], r)], p);
    },
    forward: ([ld, pv, b], p) => {
      const n = ld.shape[ld.ndim - 1], k = b.shape[b.ndim - 1];
      const pb = pv.shape.slice(0, -1);
      const batch = broadcastBatch(p.op, ld, b);
      const full = broadcastShapes(p.op, pb, batch);
      const out = new Float64Array(sizeOf(full) * n * k);
      const checked = new Uint8Array(sizeOf(pb) * sizeOf(batchShape(ld)));
      const nld = sizeOf(batchShape(ld));
      forEachBatch(full, [batchShape(ld), pb, batchShape(b)], (t, [il, ip, ib]) => {
        const f = mat(ld._data, il, n), piv = pv._data.subarray(ip * n, (ip + 1) * n);
        if (!checked[ip * nld + il]) {
          const bad = checkLdlPivots(piv, n);
          if (bad !== null) throw new ArgumentError(p.op, `${bad}${sizeOf(pb) > 1 ? ` (batch element ${ip})` : ""}: not pivots from linalg.ldlFactor`);
          const s = ldlSingularBlock(f, piv, n);
          if (s >= 0)
            throw new SingularMatrixError(p.op, `the factorization${nld > 1 ? ` (batch element ${il})` : ""} is singular: its D block at ${s} is singular`, 0, s);
          checked[ip * nld + il] = 1;
        }
        const x = b._data.slice(ib * n * k, (ib + 1) * n * k);
        ldlSolveInPlace(f, piv, n, x, k);
        out.set(x, t * n * k);
      });
      return new Tensor(out, [...full, n, k]);
    },
    vjp: (ct: Tensor, [ld, pv], _x, p, needs) => {
      if (needs[0]) notDifferentiable(p.op, "the solution's dependence on LD");
      return [null, null, apply(ldlRules.ldlSolve, [ld, pv, ct], p)]; // B̄ = A⁻ᵀ X̄ = A⁻¹ X̄ (A symmetric)
    },
    jvp: ([dld, , db], [ld, pv], _x, p) => {
      if (dld !== null) notDifferentiable(p.op, "the solution's dependence on LD");
      return db === null ? null : apply(ldlRules.ldlSolve, [ld, pv, db], p);
    },
  },
};

/** [LD, pivots] of a batch of symmetric matrices (lower triangles). */
export function ldlFactorPrim(a: Tensor, op: string): [Tensor, Tensor] {
  const [ld, pv] = applyMulti(ldlRules.ldlFactor, [a], { op });
  return [ld, pv];
}

/** X = A⁻¹ B from [LD, pivots]. */
export function ldlSolvePrim(ld: Tensor, pv: Tensor, b: Tensor, op: string): Tensor {
  return apply(ldlRules.ldlSolve, [ld, pv, b], { op });
}
