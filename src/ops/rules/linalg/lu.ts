/**
 * The LU family: solve, inv, det, slogdet and the LU factorization itself.
 * One partial-pivoting LU per matrix (kernels/lu.ts), computed in the forward
 * and kept in the params' FactorCache, serves every later solve with A or Aᵀ
 * (the VJPs), the inverse, the determinant and the condition estimate.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { apply } from "../../dispatch.js";
import { sizeOf } from "../../../tensor/shape.js";
import { SingularMatrixError } from "../../../errors.js";
import { invVjp as invVjpKernel, luFactor, luInverse, luSolve, matrixNorm1, rcondEstimate } from "../../../kernels/lu.js";
import { add, matmul, matmulT, mT, mul, neg, prod, sum, tril, triu, unsqueeze, where } from "../../api.js";
import { EPS, FactorCache, batchShape, broadcastBatch, forEachBatch, inspectValues, isFiniteRange, mat, minus, permutationRows, permuteRows, permuteRowsBy } from "./common.js";
import { batchBroadcast, liftValues } from "../../batching.js";
import { invPrim, newCache, solvePrim, svdPrim, triSolvePrim } from "./prims.js";
import { luFactor as luKernel } from "../../../kernels/lu.js";
import { DEFAULT_DEGENERACY_TOL } from "./spectral.js";

export interface LuEntry {
  lu: Float64Array;
  piv: Int32Array;
  sign: number;
  info: number;
  /** ‖A‖₁ (for the condition estimate). */
  anorm: number;
  /** Reciprocal condition estimate, NaN until first needed. */
  rcond: number;
  /** Row permutation: (P A)[i] = A[perm[i]]. */
  perm: Int32Array;
  /**
   * A had a NaN or ±Infinity entry: the factors are all NaN (identity pivots), so every result
   * computed from them (det, slogdet, inv, solve, lu) is NaN — never "singular" (docs/reliability.md).
   */
  nonFinite: boolean;
}
export type LuCache = FactorCache<LuEntry[]>;

export interface LuParams {
  /** X = A⁻¹ B (or A⁻ᵀ B when adjoint), A [..., n, n], B [..., n, k], batches broadcast. */
  solve: { adjoint: boolean; cache: LuCache; op: string };
  inv: { cache: LuCache; op: string };
  /** −Cᵀ G Cᵀ: the VJP of C = A⁻¹ with cotangent G, as one primitive (batches broadcast). */
  invVjp: null;
  det: { cache: LuCache };
  /** Outputs [sign, logabsdet]. */
  slogdet: { cache: LuCache; op: string };
  /** Outputs [L, U] with P A = L U (P from the cache's pivots). */
  lu: { cache: LuCache };
}

/** The LU factors of every matrix of A's batch (computed once per data array). */
export function luEntries(a: Tensor, cache: LuCache): LuEntry[] {
  return cache.get([a._data], () => {
    const n = a.shape[a.ndim - 1];
    const nb = sizeOf(batchShape(a));
    const out: LuEntry[] = [];
    // one array each for the whole batch's factors, pivots and permutations (entries hold views):
    // no arrays per matrix (a batch of 10⁴ 3×3 matrices would otherwise make 4·10⁴ small arrays)
    const lus = new Float64Array(nb * n * n), pivs = new Int32Array(2 * nb * n), colSums = new Float64Array(n);
    for (let b = 0; b < nb; b++) {
      const m = mat(a._data, b, n);
      const perm = pivs.subarray((nb + b) * n, (nb + b + 1) * n);
      for (let i = 0; i < n; i++) perm[i] = i;
      const lu = lus.subarray(b * n * n, (b + 1) * n * n), piv = pivs.subarray(b * n, (b + 1) * n);
      if (!isFiniteRange(m, 0, n * n)) {
        for (let i = 0; i < n; i++) piv[i] = i;
        out.push({ lu: lu.fill(NaN), piv, sign: NaN, info: -1, anorm: NaN, rcond: NaN, perm, nonFinite: true });
        continue;
      }
      const r = luFactor(m, n, { lu, piv });
      for (let i = 0; i < n; i++) {
        const p = r.piv[i];
        const t = perm[i];
        perm[i] = perm[p];
        perm[p] = t;
      }
      out.push({ ...r, anorm: matrixNorm1(m, n, n, colSums), rcond: NaN, perm, nonFinite: false });
    }
    return out;
  });
}

function batchNote(nb: number, b: number): string {
  return nb > 1 ? ` (batch element ${b})` : "";
}

/** Raise SingularMatrixError (naming the op, with rcond) unless the LU describes an invertible matrix. */
export function ensureInvertible(op: string, e: LuEntry, nb: number, b: number): void {
  if (e.nonFinite) return; // NaN factors: the result is NaN (the non-finite policy), not "singular"
  const n = e.piv.length;
  if (e.info >= 0)
    throw new SingularMatrixError(op, `the matrix${batchNote(nb, b)} is singular: U[${e.info}, ${e.info}] = 0 in its LU factorization (rcond = 0)`, 0, e.info);
  if (Number.isNaN(e.rcond)) e.rcond = rcondEstimate(e.lu, e.piv, n, e.anorm);
  if (!(e.rcond >= EPS))
    throw new SingularMatrixError(op, `the matrix${batchNote(nb, b)} is singular to working precision (reciprocal condition number ≈ ${e.rcond.toExponential(2)} < ε = ${EPS.toExponential(2)})`, e.rcond);
}

/** The row permutations of the cached LU, concatenated over the batch. */
function perms(entries: LuEntry[]): Int32Array {
  const n = entries.length > 0 ? entries[0].perm.length : 0;
  const out = new Int32Array(entries.length * n);
  entries.forEach((e, b) => out.set(e.perm, b * n));
  return out;
}

/** A⁻ᵀ from the cached factors (differentiable in A). */
function invT(a: Tensor, cache: LuCache, op: string): Tensor {
  return mT(invPrim(a, cache, op));
}

/** det(A) batched as [..., 1, 1] for broadcasting against matrices. */
function asMat(t: Tensor): Tensor {
  return unsqueeze(unsqueeze(t, -1), -1);
}

/**
 * cof(A) = adj(A)ᵀ = ∂det/∂A, differentiable in A: det(A)·A⁻ᵀ from the cached
 * LU when every matrix is safely invertible, else the SVD formula (valid for
 * singular A).
 */
export function cofactor(a: Tensor, d: Tensor, cache: LuCache): Tensor {
  // under vmap one formula serves the whole batch: the SVD one as soon as an example needs it (it is valid everywhere)
  const ok = inspectValues([a], ([pa]) => {
    for (const e of luEntries(pa, cache)) {
      if (e.nonFinite) continue; // det·A⁻ᵀ is NaN there, as it should be
      if (e.info >= 0) return false;
      if (Number.isNaN(e.rcond)) e.rcond = rcondEstimate(e.lu, e.piv, e.piv.length, e.anorm);
      if (!(e.rcond >= 1e-8)) return false;
    }
    return true;
  });
  if (ok) return mul(asMat(d), invT(a, cache, "linalg.det"));
  return cofactorSingular(a);
}

// Batching (vmap): every forward loops over the leading axes of its operands and broadcasts them (one LU per
// matrix, cached), so the batch axis is one more leading axis — batchBroadcast, one kernel call for the batch.
export const luRules: { [P in keyof LuParams]: Rule<LuParams[P]> } = {
  solve: {
    // X = A⁻¹B:  B̄ = A⁻ᵀ X̄ (same LU, transposed solve), Ā = −B̄ Xᵀ;  dX = A⁻¹(dB − dA X).
    // Adjoint form Aᵀ X = B:  B̄ = A⁻¹ X̄, Ā = −X B̄ᵀ;  dX = A⁻ᵀ(dB − dAᵀ X).  (Giles 2008 §3.2)
    name: "linalg.solve",
    batch: batchBroadcast(() => luRules.solve),
    forward: ([a, b], p) => {
      const n = a.shape[a.ndim - 1], k = b.shape[b.ndim - 1];
      const batch = broadcastBatch(p.op, a, b);
      const entries = luEntries(a, p.cache);
      const nb = sizeOf(batch);
      const out = new Float64Array(nb * n * k);
      const checked = new Uint8Array(entries.length);
      forEachBatch(batch, [batchShape(a), batchShape(b)], (t, [ia, ib]) => {
        const e = entries[ia];
        if (!checked[ia]) {
          ensureInvertible(p.op, e, entries.length, ia);
          checked[ia] = 1;
        }
        luSolve(e.lu, e.piv, n, mat(b._data, ib, n, k), k, p.adjoint, out.subarray(t * n * k, (t + 1) * n * k));
      });
      return new Tensor(out, [...batch, n, k]);
    },
    vjp: (ct: Tensor, [a], x: Tensor, p, needs) => {
      const gb = solvePrim(a, ct, !p.adjoint, p.cache, p.op);
      const ga = needs[0] ? neg(p.adjoint ? matmulT(x, gb, false, true) : matmulT(gb, x, false, true)) : null;
      return [ga, gb];
    },
    jvp: ([da, db], [a], x: Tensor, p) => {
      const rhs = minus(db, da === null ? null : matmulT(da, x, p.adjoint, false));
      return rhs === null ? null : solvePrim(a, rhs, p.adjoint, p.cache, p.op);
    },
  },

  inv: {
    // C = A⁻¹:  Ā = −Cᵀ C̄ Cᵀ;  dC = −C dA C.  (Giles 2008 §3.1)
    name: "linalg.inv",
    batch: batchBroadcast(() => luRules.inv),
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const entries = luEntries(a, p.cache);
      const out = new Float64Array(a.size);
      const work = new Float64Array(n * n); // luInverse's scratch, shared by the batch
      entries.forEach((e, b) => {
        let inv: Float64Array | null = null;
        const dst = out.subarray(b * n * n, (b + 1) * n * n); // the inverse is written in place
        if (e.info < 0 && Number.isNaN(e.rcond) && n > 0) {
          // The inverse gives ‖A⁻¹‖₁ exactly in O(n²): rcond = 1/(‖A‖₁‖A⁻¹‖₁) without the estimator's solves.
          inv = luInverse(e.lu, e.piv, n, dst, work);
          const ni = matrixNorm1(inv, n, n);
          if (ni === Infinity) e.rcond = 0;
          else if (ni > 0 && e.anorm > 0 && Number.isFinite(ni)) e.rcond = 1 / (e.anorm * ni);
        }
        ensureInvertible(p.op, e, entries.length, b);
        if (inv === null) luInverse(e.lu, e.piv, n, dst, work);
      });
      return new Tensor(out, a.shape);
    },
    vjp: (ct: Tensor, _a, c: Tensor) => [invVjpApply(c, ct)],
    jvp: ([da], _a, c: Tensor) => (da === null ? null : neg(matmul(matmul(c, da), c))),
  },

  invVjp: {
    // F = f(C, G) = −Cᵀ G Cᵀ (the inverse's VJP; forward: two GEMMs, the sign in the second's alpha).
    //   dF = −(dCᵀ G Cᵀ + Cᵀ dG Cᵀ + Cᵀ G dCᵀ) = f(C, dG) − dCᵀ G Cᵀ − Cᵀ G dCᵀ;
    //   with cotangent H:  Ḡ = −C H C,  C̄ = −(G Cᵀ Hᵀ + Hᵀ Cᵀ G)  (⟨H, X dCᵀ Y⟩ = ⟨Y Hᵀ X, dC⟩).
    name: "linalg.invVjp",
    batch: batchBroadcast(() => luRules.invVjp),
    forward: ([c, g]) => {
      const n = c.shape[c.ndim - 1];
      const batch = broadcastBatch("linalg.inv", c, g);
      const out = new Float64Array(sizeOf(batch) * n * n);
      const work = new Float64Array(n * n); // the kernel's Cᵀ·G, shared by the batch
      forEachBatch(batch, [batchShape(c), batchShape(g)], (i, [ic, ig]) => {
        invVjpKernel(mat(c._data, ic, n), mat(g._data, ig, n), n, out.subarray(i * n * n, (i + 1) * n * n), work);
      });
      return new Tensor(out, [...batch, n, n]);
    },
    vjp: (h: Tensor, [c, g], _f, _p, needs) => [
      needs[0] ? neg(add(matmulT(matmulT(g, c, false, true), h, false, true), matmulT(matmulT(h, c, true, true), g, false, false))) : null,
      needs[1] ? neg(matmul(matmul(c, h), c)) : null,
    ],
    jvp: ([dc, dg], [c, g]) => {
      const t = dg === null ? null : invVjpApply(c, dg);
      if (dc === null) return t;
      return minus(t, add(matmulT(matmulT(dc, g, true, false), c, false, true), matmulT(matmulT(c, g, true, false), dc, false, true)));
    },
  },

  det: {
    // d = det A:  Ā = d̄ · cof(A), cof(A) = adj(A)ᵀ = d·A⁻ᵀ (SVD formula when A is singular);
    // dd = ⟨cof(A), dA⟩.  (Giles 2008 §3.1; adjugate: Magnus & Neudecker)
    name: "linalg.det",
    batch: batchBroadcast(() => luRules.det),
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const entries = luEntries(a, p.cache);
      const out = new Float64Array(entries.length);
      entries.forEach((e, b) => {
        if (e.info >= 0) return;
        let d = e.sign;
        for (let i = 0; i < n; i++) d *= e.lu[i * n + i];
        out[b] = d;
      });
      return new Tensor(out, batchShape(a));
    },
    vjp: (ct: Tensor, [a], d: Tensor, p) => [mul(asMat(ct), cofactor(a, d, p.cache))],
    jvp: ([da], [a], d: Tensor, p) => (da === null ? null : sum(mul(cofactor(a, d, p.cache), da), [-2, -1])),
  },

  slogdet: {
    // (s, ℓ) = (sign det A, log|det A|):  Ā = ℓ̄ A⁻ᵀ;  dℓ = tr(A⁻¹ dA) = ⟨A⁻ᵀ, dA⟩; s is piecewise
    // constant (no gradient). Unbounded at singular A: raises SingularMatrixError.  (Giles 2008 §3.1)
    name: "linalg.slogdet",
    batch: batchBroadcast(() => luRules.slogdet),
    nOut: 2,
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const entries = luEntries(a, p.cache);
      const s = new Float64Array(entries.length), l = new Float64Array(entries.length);
      entries.forEach((e, b) => {
        if (e.info >= 0) {
          s[b] = 0;
          l[b] = -Infinity;
          return;
        }
        let sg = e.sign, acc = 0;
        for (let i = 0; i < n; i++) {
          const v = e.lu[i * n + i];
          if (v < 0) sg = -sg;
          acc += Math.log(Math.abs(v));
        }
        s[b] = e.nonFinite ? NaN : sg;
        l[b] = acc;
      });
      const bs = batchShape(a);
      return [new Tensor(s, bs), new Tensor(l, bs)];
    },
    vjp: ([, cl]: (Tensor | null)[], [a], _out, p) => {
      if (cl === null) return [null];
      checkNonsingular(p.op, a, p.cache);
      return [mul(asMat(cl), invT(a, p.cache, p.op))];
    },
    jvp: ([da], [a], _out, p) => {
      if (da === null) return [null, null];
      checkNonsingular(p.op, a, p.cache);
      return [null, sum(mul(invT(a, p.cache, p.op), da), [-2, -1])];
    },
  },

  lu: {
    // P A = L U (L unit lower, U upper). With F = L⁻¹ P dA U⁻¹ = L⁻¹dL + dU U⁻¹:
    //   dL = L tril(F, −1), dU = triu(F) U;
    //   Ā = Pᵀ L⁻ᵀ (tril(Lᵀ L̄, −1) + triu(Ū Uᵀ)) U⁻ᵀ.   (PyTorch FunctionsManual linalg_lu_backward, square case)
    name: "linalg.lu",
    batch: batchBroadcast(() => luRules.lu),
    nOut: 2,
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const entries = luEntries(a, p.cache);
      const L = new Float64Array(a.size), U = new Float64Array(a.size);
      entries.forEach((e, b) => {
        const o = b * n * n;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const v = e.lu[i * n + j];
            if (j < i) L[o + i * n + j] = v;
            else U[o + i * n + j] = v;
          }
          L[o + i * n + i] = 1;
        }
      });
      return [new Tensor(L, a.shape), new Tensor(U, a.shape)];
    },
    vjp: ([gl, gu]: (Tensor | null)[], [a], [l, u]: Tensor[], p) => {
      checkNonsingular("linalg.lu", a, p.cache);
      let g: Tensor | null = null;
      if (gl !== null) g = tril(matmulT(l, gl, true, false), -1);
      if (gu !== null) {
        const t = triu(matmulT(gu, u, false, true));
        g = g === null ? t : add(g, t);
      }
      if (g === null) return [null];
      const y = triSolvePrim(l, g, { upper: false, left: true, unitriangular: true, trans: true }, "linalg.lu");
      const z = triSolvePrim(u, y, { upper: true, left: false, unitriangular: false, trans: true }, "linalg.lu");
      return [permuteLu(z, a, p.cache, true)];
    },
    jvp: ([da], [a], [l, u]: Tensor[], p) => {
      if (da === null) return [null, null];
      checkNonsingular("linalg.lu", a, p.cache);
      const pda = permuteLu(da, a, p.cache, false);
      const y = triSolvePrim(l, pda, { upper: false, left: true, unitriangular: true, trans: false }, "linalg.lu");
      const f = triSolvePrim(u, y, { upper: true, left: false, unitriangular: false, trans: false }, "linalg.lu");
      return [matmul(l, tril(f, -1)), matmul(triu(f), u)];
    },
  },
};

function checkNonsingular(op: string, a: Tensor, cache: LuCache): void {
  inspectValues([a], ([pa]) => {
    const entries = luEntries(pa, cache);
    entries.forEach((e, b) => {
      if (e.info >= 0)
        throw new SingularMatrixError(op, `the derivative is unbounded at a singular matrix${batchNote(entries.length, b)}: U[${e.info}, ${e.info}] = 0 (rcond = 0)`, 0, e.info);
    });
  });
}

/**
 * Rows of x reordered by the pivoting of A's LU: row i of the result is row perm[i] of x (P A = L U),
 * or the inverse. Under vmap (A batched) each example has its own permutation: it is applied as a
 * batched constant permutation matrix (permuteRowsBy) instead of one index list.
 */
function permuteLu(x: Tensor, a: Tensor, cache: LuCache, inverse: boolean): Tensor {
  if (a._bt === null) return permuteRows(x, perms(luEntries(a, cache)), inverse);
  const n = a.shape[a.ndim - 1];
  const m = liftValues([a], ([pa]) => permutationRows(perms(luEntries(pa, cache)), n, batchShape(pa)));
  return permuteRowsBy(x, m, inverse);
}

/** The permutation matrix P with A = P L U (torch convention), as a constant tensor. */
export function permutationMatrix(a: Tensor, cache: LuCache): Tensor {
  const n = a.shape[a.ndim - 1];
  const entries = luEntries(a, cache);
  const out = new Float64Array(a.size);
  entries.forEach((e, b) => {
    // (P_k A)[i] = A[perm[i]] and A = P_kᵀ L U, so P = P_kᵀ has P[perm[i], i] = 1.
    for (let i = 0; i < n; i++) out[b * n * n + e.perm[i] * n + i] = 1;
  });
  return new Tensor(out, a.shape);
}

/** Pivots (0-based, LAPACK getrf order) as a float tensor [..., n]. */
export function pivotsTensor(a: Tensor, cache: LuCache): Tensor {
  const n = a.shape[a.ndim - 1];
  const entries = luEntries(a, cache);
  const out = new Float64Array(entries.length * n);
  entries.forEach((e, b) => {
    for (let i = 0; i < n; i++) out[b * n + i] = e.piv[i];
  });
  return new Tensor(out, [...batchShape(a), n]);
}

/** sign(det M) of each matrix of a batch (a constant), from an LU factorization. */
function detSigns(m: Tensor): Tensor {
  const n = m.shape[m.ndim - 1];
  const nb = sizeOf(batchShape(m));
  const out = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    const r = luKernel(mat(m._data, b, n), n);
    let s = r.sign;
    for (let i = 0; i < n; i++) s *= Math.sign(r.lu[i * n + i]);
    out[b] = s;
  }
  return new Tensor(out, batchShape(m));
}

/**
 * cof(A) = adj(A)ᵀ for (possibly) singular A by the SVD A = U S Vᵀ:
 *   cof(A) = det(U) det(V) · U diag(∏_{j≠i} σⱼ) Vᵀ
 * (continuous in A, so valid at singular matrices; differentiable through svd).
 */
function cofactorSingular(a: Tensor): Tensor {
  const n = a.shape[a.ndim - 1];
  const [u, s, vh] = svdPrim(a, false, newCache(), DEFAULT_DEGENERACY_TOL);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  // others[..., i] = ∏_{j≠i} σⱼ: replace σᵢ by 1 on the diagonal of an n×n tile and take row products
  const rep = where(new Tensor(eye, [n, n]), 1, unsqueeze(s, -2));
  const others = prod(rep, -1);
  const sg = mul(liftValues([u], ([pu]) => detSigns(pu)), liftValues([vh], ([pv]) => detSigns(pv)));
  return mul(asMat(sg), matmul(mul(u, unsqueeze(others, -2)), vh));
}

/** −Cᵀ G Cᵀ as a differentiable primitive (the inverse's VJP, see invVjp in the rules). */
function invVjpApply(c: Tensor, g: Tensor): Tensor {
  return apply(luRules.invVjp, [c, g], null);
}
