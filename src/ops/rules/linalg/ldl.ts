/**
 * The Bunch–Kaufman LDLᵀ factorization of symmetric indefinite matrices and
 * the solve from it (kernels/ldl.ts; torch.linalg.ldl_factor / ldl_solve).
 *
 * The standard form. LAPACK interchanges rows and columns only in the
 * trailing submatrix, so the stored multipliers of an earlier column do not
 * see the later interchanges. Applying them (an index map computed from the
 * pivots, `ldlMaps`) gives Pᵀ A P = L̃ D L̃ᵀ with P the product of all
 * interchanges, L̃ unit lower with identity 2×2 diagonal blocks and D block
 * diagonal; LD is a fixed rearrangement (a gather) of L̃'s multipliers and D.
 *
 * Derivatives, for fixed pivots (the pivoting is piecewise constant):
 *   ldlFactor: A is read through its lower triangle, Â = tril(A) + tril(A, −1)ᵀ.
 *     M = L̃⁻¹ Pᵀ dÂ P L̃⁻ᵀ = G D + dD + D Gᵀ with G = L̃⁻¹ dL̃ strictly block
 *     lower, so dD = BD(M) (the diagonal blocks) and dL̃ = L̃ SBL(M) D⁻¹
 *     (SBL: strictly below the diagonal blocks); dLD gathers (dL̃, dD).
 *     Reverse: (L̄, D̄) scattered from LD̄;  M̄ = SBL(SBL(L̃ᵀ L̄) D⁻¹) + BD(D̄);
 *     S = P L̃⁻ᵀ M̄ L̃⁻¹ Pᵀ;  Ā = tril(S) + tril(Sᵀ, −1).
 *   ldlSolve: X = A⁻¹ B with A = P L̃ D L̃ᵀ Pᵀ the matrix LD represents:
 *     dX = A⁻¹ (dB − dA X),  dA = P (dL̃ D L̃ᵀ + L̃ dD L̃ᵀ + L̃ D dL̃ᵀ) Pᵀ;
 *     reverse: B̄ = W = A⁻¹ X̄ (A symmetric), Ā = −W Xᵀ, Ā' = Pᵀ Ā P,
 *     L̄ = (Ā' + Ā'ᵀ) L̃ D, D̄ = L̃ᵀ Ā' L̃, LD̄ scattered from (L̄, D̄).
 * So ldlSolve(ldlFactor(A), B) has the derivative of A⁻¹B in A (the two maps
 * are inverse to each other on symmetric matrices), to any order: the rules
 * are ops on L̃ and D, which are gathers of the differentiable LD. The index
 * maps are read from the pivots inside one linear primitive (ldlMap, its
 * adjoint as VJP), so the rules never read values and work under vmap.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { broadcastShapes, sizeOf } from "../../../tensor/shape.js";
import { ArgumentError, SingularMatrixError } from "../../../errors.js";
import { checkLdlPivots, ldlFactor, ldlSingularBlock, ldlSolveInPlace } from "../../../kernels/ldl.js";
import { apply, applyMulti } from "../../dispatch.js";
import { add, matmul, matmulT, mT, neg, tril } from "../../api.js";
import { batchBroadcast, logicalRank, padToRank } from "../../batching.js";
import { batchShape, broadcastBatch, forEachBatch, isFiniteLower, mat, minus } from "./common.js";
import { newCache, solvePrim, triSolvePrim } from "./prims.js";

/** Index maps of a batch of factorizations (concatenated over the batch; see the module comment). */
export interface LdlMaps {
  /** (Pᵀ A P)[i, j] = A[perm[i], perm[j]] per matrix, with batch offsets (for permuteRows). */
  perm: Int32Array;
  /** L̃'s multiplier (i, j) ← flat LD index; the zero slot (nb·n²) elsewhere. */
  lIdx: Int32Array;
  /** D (i, j) ← flat LD index; the zero slot elsewhere. */
  dIdx: Int32Array;
  /** 1 on the diagonal blocks (BD) / strictly below them (SBL), per matrix [nb·n²]. */
  bd: Float64Array;
  sbl: Float64Array;
}

/**
 * The linear maps of the standard form, each n×n → n×n per matrix, read from the pivots
 * (so they work under vmap, where the pivots may differ per example):
 * "L" LD → L̃'s multipliers, "Lt" its adjoint (= its inverse on those positions);
 * "D" LD → D (symmetric), "Dt" its adjoint (the two off-diagonal entries of a 2×2 block summed);
 * "Dl" D → LD (lower entries), "Dlt" its adjoint; "P" X → Pᵀ X P, "Pt" X → P X Pᵀ;
 * "BD" / "SBL" X ∘ (the diagonal blocks / strictly below them), self-adjoint.
 */
export type LdlMapKind = "L" | "Lt" | "D" | "Dt" | "Dl" | "Dlt" | "P" | "Pt" | "BD" | "SBL";
const ADJOINT: Record<LdlMapKind, LdlMapKind> = { L: "Lt", Lt: "L", D: "Dt", Dt: "D", Dl: "Dlt", Dlt: "Dl", P: "Pt", Pt: "P", BD: "BD", SBL: "SBL" };

export interface LdlParams {
  /** Outputs [LD, pivots] (reads the lower triangle). */
  ldlFactor: { op: string };
  /** Inputs [LD, pivots, B] (pivots [..., n], batches broadcast): X = A⁻¹ B. */
  ldlSolve: { op: string };
  /** Inputs [X, pivots] (batches broadcast): one of the linear maps of the standard form. */
  ldlMap: { kind: LdlMapKind };
}

/** The maps of pivots [nb, n] (0-based, ldlFactor's encoding). */
export function ldlMaps(piv: Float64Array, nb: number, n: number): LdlMaps {
  const nn = n * n, zero = nb * nn;
  const perm = new Int32Array(nb * n), lIdx = new Int32Array(nb * nn).fill(zero), dIdx = new Int32Array(nb * nn).fill(zero);
  const bd = new Float64Array(nb * nn), sbl = new Float64Array(nb * nn);
  const blockOf = new Int32Array(n);
  for (let b = 0; b < nb; b++) {
    const pv = piv.subarray(b * n, (b + 1) * n), o = b * nn;
    const starts: number[] = [], sizes: number[] = [], swaps: [number, number][] = [];
    for (let k = 0; k < n; ) {
      const two = pv[k] < 0;
      starts.push(k);
      sizes.push(two ? 2 : 1);
      swaps.push(two ? [k + 1, -pv[k] - 1] : [k, pv[k]]);
      blockOf[k] = starts.length - 1;
      if (two) blockOf[k + 1] = starts.length - 1;
      k += two ? 2 : 1;
    }
    const p = perm.subarray(b * n, (b + 1) * n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (const [x, y] of swaps) {
      const t = p[x];
      p[x] = p[y];
      p[y] = t;
    }
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (blockOf[i] === blockOf[j]) bd[o + i * n + j] = 1;
        else if (blockOf[i] > blockOf[j]) sbl[o + i * n + j] = 1;
      }
    starts.forEach((k0, bi) => {
      const sz = sizes[bi];
      // D's block: stored at (k0, k0), (k0+1, k0), (k0+1, k0+1)
      dIdx[o + k0 * n + k0] = o + k0 * n + k0;
      if (sz === 2) {
        const k1 = k0 + 1;
        dIdx[o + k1 * n + k1] = o + k1 * n + k1;
        dIdx[o + k1 * n + k0] = dIdx[o + k0 * n + k1] = o + k1 * n + k0;
      }
      // multipliers: the stored row r of column j sits at row pos of L̃ after the later interchanges
      for (let j = k0; j < k0 + sz; j++)
        for (let r = k0 + sz; r < n; r++) {
          let pos = r;
          for (let t = bi + 1; t < swaps.length; t++) {
            const [x, y] = swaps[t];
            if (pos === x) pos = y;
            else if (pos === y) pos = x;
          }
          lIdx[o + pos * n + j] = o + r * n + j;
        }
    });
  }
  return { perm, lIdx, dIdx, bd, sbl };
}

/** One of the maps of the standard form applied to x (batches of x and the pivots broadcast). */
function lmap(x: Tensor, pv: Tensor, kind: LdlMapKind): Tensor {
  return apply(ldlRules.ldlMap, [x, pv], { kind });
}

/** out = map(x) for one n×n matrix with the maps m of one factorization (offset o into m's arrays). */
function applyMap(kind: LdlMapKind, x: Float64Array, m: LdlMaps, n: number, out: Float64Array): void {
  const nn = n * n;
  switch (kind) {
    case "L":
      for (let q = 0; q < nn; q++) out[q] = m.lIdx[q] < nn ? x[m.lIdx[q]] : 0;
      return;
    case "Lt":
      for (let q = 0; q < nn; q++) if (m.lIdx[q] < nn) out[m.lIdx[q]] += x[q];
      return;
    case "D":
      for (let q = 0; q < nn; q++) out[q] = m.dIdx[q] < nn ? x[m.dIdx[q]] : 0;
      return;
    case "Dt":
      for (let q = 0; q < nn; q++) if (m.dIdx[q] < nn) out[m.dIdx[q]] += x[q];
      return;
    case "Dl":
      // LD position r·n + j (r ≥ j) holds D[r, j]: D's lower entries
      for (let q = 0; q < nn; q++) if (m.dIdx[q] === q) out[q] = x[q];
      return;
    case "Dlt":
      for (let q = 0; q < nn; q++) if (m.dIdx[q] === q) out[q] = x[q];
      return;
    case "P":
    case "Pt":
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          // (Pᵀ X P)[i, j] = X[perm[i], perm[j]]
          if (kind === "P") out[i * n + j] = x[m.perm[i] * n + m.perm[j]];
          else out[m.perm[i] * n + m.perm[j]] = x[i * n + j];
        }
      return;
    case "BD":
      for (let q = 0; q < nn; q++) out[q] = m.bd[q] * x[q];
      return;
    case "SBL":
      for (let q = 0; q < nn; q++) out[q] = m.sbl[q] * x[q];
      return;
  }
}

const UNIT_LOWER = { upper: false, left: true, unitriangular: true, trans: false };

/** L̃ (unit lower) and D of the factorization LD (differentiable in LD). */
function factors(ld: Tensor, pv: Tensor): { lt: Tensor; d: Tensor } {
  const n = ld.shape[ld.ndim - 1];
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return { lt: add(lmap(ld, pv, "L"), new Tensor(eye, [n, n])), d: lmap(ld, pv, "D") };
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
      const pivots = new Tensor(pv, [...bs, n]);
      return [new Tensor(ld, a.shape), pivots];
    },
    vjp: ([gld]: (Tensor | null)[], _a, [ld, pv]: Tensor[], p) => {
      if (gld === null) return [null];
      const { lt, d } = factors(ld, pv);
      const gl = lmap(gld, pv, "Lt"), gd = lmap(gld, pv, "Dlt"); // L̄ (multiplier positions), D̄ (lower entries)
      // M̄ = SBL(SBL(L̃ᵀ L̄) D⁻¹) + BD(D̄);  Y D⁻¹ = (D⁻¹ Yᵀ)ᵀ for symmetric D
      const y = lmap(matmulT(lt, gl, true, false), pv, "SBL");
      const mbar = add(lmap(mT(solvePrim(d, mT(y), false, newCache(), p.op)), pv, "SBL"), lmap(gd, pv, "BD"));
      // S = P L̃⁻ᵀ M̄ L̃⁻¹ Pᵀ;  Ā = tril(S) + tril(Sᵀ, −1) (the lower triangle is read)
      const z = triSolvePrim(lt, mbar, { ...UNIT_LOWER, trans: true }, p.op);
      const sm = lmap(triSolvePrim(lt, z, { ...UNIT_LOWER, left: false }, p.op), pv, "Pt");
      return [add(tril(sm), tril(mT(sm), -1))];
    },
    jvp: ([da], _a, [ld, pv]: Tensor[], p) => {
      if (da === null) return [null, null];
      const { lt, d } = factors(ld, pv);
      const c = lmap(add(tril(da), mT(tril(da, -1))), pv, "P"); // Pᵀ dÂ P
      const y = triSolvePrim(lt, c, UNIT_LOWER, p.op);
      const mm = triSolvePrim(lt, y, { ...UNIT_LOWER, left: false, trans: true }, p.op); // L̃⁻¹ C L̃⁻ᵀ
      const g = mT(solvePrim(d, mT(lmap(mm, pv, "SBL")), false, newCache(), p.op)); // SBL(M) D⁻¹
      // dLD = (dL̃ = L̃ G at the multiplier positions) + (dD = BD(M) at D's lower entries)
      return [add(lmap(matmul(lt, g), pv, "Lt"), lmap(mm, pv, "Dl")), null];
    },
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
      const nld = sizeOf(batchShape(ld));
      const checked = new Uint8Array(sizeOf(pb) * nld);
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
    vjp: (ct: Tensor, [ld, pv], x: Tensor, p, needs) => {
      const w = apply(ldlRules.ldlSolve, [ld, pv, ct], p); // B̄ = A⁻ᵀ X̄ = A⁻¹ X̄ (A symmetric)
      if (!needs[0]) return [null, null, w];
      const { lt, d } = factors(ld, pv);
      const abar = lmap(neg(matmulT(w, x, false, true)), pv, "P"); // Ā' = Pᵀ Ā P, Ā = −W Xᵀ
      const gl = matmul(matmul(add(abar, mT(abar)), lt), d);
      const gd = matmul(matmulT(lt, abar, true, false), lt);
      return [add(lmap(gl, pv, "Lt"), lmap(gd, pv, "Dt")), null, w];
    },
    jvp: ([dld, , db], [ld, pv], x: Tensor, p) => {
      let rhs: Tensor | null = db;
      if (dld !== null) {
        const { lt, d } = factors(ld, pv);
        const dlt = lmap(dld, pv, "L"), dd = lmap(dld, pv, "D");
        const y = add(add(matmulT(matmul(dlt, d), lt, false, true), matmulT(matmul(lt, dd), lt, false, true)), matmulT(matmul(lt, d), dlt, false, true));
        rhs = minus(rhs, matmul(lmap(y, pv, "Pt"), x)); // dB − dA X
      }
      return rhs === null ? null : apply(ldlRules.ldlSolve, [ld, pv, rhs], p);
    },
  },

  ldlMap: {
    // linear in X (the pivots are constants): its VJP is the adjoint map, its JVP the map itself
    name: "linalg.ldlMap",
    nondiff: [1],
    batch: (xs, batched, p) => {
      const [x, pv] = xs;
      const r = Math.max(logicalRank(x, batched[0]), logicalRank(pv, batched[1]) + 1);
      return apply(ldlRules.ldlMap, [padToRank(x, batched[0], r), padToRank(pv, batched[1], r - 1)], p);
    },
    forward: ([x, pv], p) => {
      const n = x.shape[x.ndim - 1];
      const pb = pv.shape.slice(0, -1);
      const full = broadcastShapes("linalg.ldlMap", batchShape(x), pb);
      const out = new Float64Array(sizeOf(full) * n * n);
      const memo = new Map<number, LdlMaps>();
      forEachBatch(full, [batchShape(x), pb], (t, [ix, ip]) => {
        let m = memo.get(ip);
        if (m === undefined) {
          m = ldlMaps(pv._data.subarray(ip * n, (ip + 1) * n), 1, n);
          memo.set(ip, m);
        }
        applyMap(p.kind, mat(x._data, ix, n), m, n, out.subarray(t * n * n, (t + 1) * n * n));
      });
      return new Tensor(out, [...full, n, n]);
    },
    vjp: (ct: Tensor, [, pv], _o, p) => [lmap(ct, pv, ADJOINT[p.kind]), null],
    jvp: ([dx], [, pv], _o, p) => (dx === null ? null : lmap(dx, pv, p.kind)),
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

