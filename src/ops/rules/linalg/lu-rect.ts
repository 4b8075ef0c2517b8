/**
 * The LU factorization of a rectangular m×n matrix (m ≠ n; square matrices use
 * the `lu` primitive of lu.ts): P A = L U, L m×k unit lower trapezoidal, U k×n
 * upper trapezoidal, k = min(m, n), partial pivoting (LAPACK getrf).
 *
 * Derivatives (PyTorch FunctionsManual linalg_lu_backward / linalg_lu_jvp for
 * m ≠ n; derived here from the square rule). Write P A = L U and
 *   wide  (m < n): U = [U₁ U₂], U₁ m×m.  P A₁ = L U₁ is a square LU and
 *                  U₂ = L⁻¹ P A₂, so with F = L⁻¹ (P dA)₁ U₁⁻¹:
 *                    dL = L tril(F, −1),  dU = L⁻¹ P dA − tril(F, −1) U;
 *                  reverse: L̄ gets −L⁻ᵀ Ū₂ U₂ᵀ from U₂, hence
 *                    G = tril(Lᵀ L̄ − Ū₂ U₂ᵀ, −1) + triu(Ū₁ U₁ᵀ),
 *                    P Ā = L⁻ᵀ [G U₁⁻ᵀ, Ū₂].
 *   tall  (m > n): L = [L₁; L₂], L₁ n×n.  (P A)₁ = L₁ U is a square LU and
 *                  L₂ = (P A)₂ U⁻¹, so with F = L₁⁻¹ (P dA)₁ U⁻¹:
 *                    dU = triu(F) U,  dL = (P dA) U⁻¹ − L triu(F);
 *                  reverse: Ū gets −L₂ᵀ L̄₂ U⁻ᵀ from L₂, hence
 *                    G = tril(L₁ᵀ L̄₁, −1) + triu(Ū Uᵀ − L₂ᵀ L̄₂),
 *                    P Ā = [L₁⁻ᵀ G; L̄₂] U⁻ᵀ.
 * Both need the leading k×k block U₁ (wide) or U (tall) to be invertible; a
 * zero pivot there raises SingularMatrixError when a derivative is requested.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { sizeOf } from "../../../tensor/shape.js";
import { SingularMatrixError } from "../../../errors.js";
import { luFactorRect } from "../../../kernels/lu-rect.js";
import { add, concat, matmul, matmulT, sub, tril, triu } from "../../api.js";
import { applyMulti } from "../../dispatch.js";
import { batchBroadcast, liftValues } from "../../batching.js";
import { FactorCache, batchShape, block, inspectValues, isFiniteRange, permuteRows } from "./common.js";
import { triSolvePrim } from "./prims.js";

export interface RectLuEntry {
  lu: Float64Array;
  piv: Int32Array;
  /** (P A)[i] = A[perm[i]]. */
  perm: Int32Array;
  info: number;
  nonFinite: boolean;
}
export type RectLuCache = FactorCache<RectLuEntry[]>;

export interface LuRectParams {
  /** Outputs [L (m×k), U (k×n)] with P A = L U, m ≠ n. */
  luRect: { cache: RectLuCache };
}

/** The factors of every matrix of A's batch (computed once per data array). */
export function rectLuEntries(a: Tensor, cache: RectLuCache): RectLuEntry[] {
  return cache.get([a._data], () => {
    const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1], k = Math.min(m, n);
    const nb = sizeOf(batchShape(a));
    const out: RectLuEntry[] = [];
    for (let b = 0; b < nb; b++) {
      const perm = new Int32Array(m);
      for (let i = 0; i < m; i++) perm[i] = i;
      if (!isFiniteRange(a._data, b * m * n, m * n)) {
        // non-finite policy (common.ts): NaN factors, identity pivots
        const piv = new Int32Array(k);
        for (let i = 0; i < k; i++) piv[i] = i;
        out.push({ lu: new Float64Array(m * n).fill(NaN), piv, perm, info: -1, nonFinite: true });
        continue;
      }
      const r = luFactorRect(a._data.subarray(b * m * n, (b + 1) * m * n), m, n);
      for (let i = 0; i < k; i++) {
        const p = r.piv[i], t = perm[i];
        perm[i] = perm[p];
        perm[p] = t;
      }
      out.push({ lu: r.lu, piv: r.piv, perm, info: r.info, nonFinite: false });
    }
    return out;
  });
}

function perms(entries: RectLuEntry[]): Int32Array {
  const m = entries.length > 0 ? entries[0].perm.length : 0;
  const out = new Int32Array(entries.length * m);
  entries.forEach((e, b) => out.set(e.perm, b * m));
  return out;
}

function checkDifferentiable(at: Tensor, cache: RectLuCache): void {
  inspectValues([at], ([a]) => checkDifferentiableValues(a, cache)); // under vmap: every example's factors
}

function checkDifferentiableValues(a: Tensor, cache: RectLuCache): void {
  const entries = rectLuEntries(a, cache);
  entries.forEach((e, b) => {
    if (e.info >= 0)
      throw new SingularMatrixError(
        "linalg.lu",
        `the derivative is unbounded: U[${e.info}, ${e.info}] = 0 in the LU factorization${entries.length > 1 ? ` (batch element ${b})` : ""} (its leading ${Math.min(a.shape[a.ndim - 2], a.shape[a.ndim - 1])}×${Math.min(a.shape[a.ndim - 2], a.shape[a.ndim - 1])} block is singular)`,
        0,
        e.info,
      );
  });
}

/**
 * Rows of x reordered by A's pivoting: row i of the result is row perm[i] of x, or the inverse. Under vmap
 * (A batched) each example has its own permutation: the batched constant P (A = P L U) multiplies instead.
 */
function permuteRect(x: Tensor, a: Tensor, cache: RectLuCache, inverse: boolean): Tensor {
  if (a._bt === null) return permuteRows(x, perms(rectLuEntries(a, cache)), inverse);
  const pm = liftValues([a], ([pa]) => rectPermutationMatrix(pa, cache)); // P[perm[i], i] = 1
  return inverse ? matmul(pm, x) : matmulT(pm, x, true, false);
}

const UNIT_LOWER = { upper: false, left: true, unitriangular: true, trans: false };

export const luRectRules: { [P in keyof LuRectParams]: Rule<LuRectParams[P]> } = {
  luRect: {
    name: "linalg.lu",
    nOut: 2,
    batch: batchBroadcast(() => luRectRules.luRect),
    forward: ([a], p) => {
      const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1], k = Math.min(m, n);
      const bs = batchShape(a);
      const entries = rectLuEntries(a, p.cache);
      const L = new Float64Array(entries.length * m * k), U = new Float64Array(entries.length * k * n);
      entries.forEach((e, b) => {
        const lo = b * m * k, uo = b * k * n;
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            const v = e.lu[i * n + j];
            if (j < i) {
              if (j < k) L[lo + i * k + j] = v;
            } else if (i < k) U[uo + i * n + j] = v;
          }
        for (let i = 0; i < k; i++) L[lo + i * k + i] = 1; // as the square lu: the unit diagonal even for NaN factors
      });
      return [new Tensor(L, [...bs, m, k]), new Tensor(U, [...bs, k, n])];
    },
    vjp: ([gl, gu]: (Tensor | null)[], [a], [l, u]: Tensor[], p) => {
      if (gl === null && gu === null) return [null];
      checkDifferentiable(a, p.cache);
      const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
      let pa: Tensor; // P Ā
      if (m < n) {
        const u1 = block(u, null, [0, m]), u2 = block(u, null, [m, n]);
        // G = tril(Lᵀ L̄ − Ū₂ U₂ᵀ, −1) + triu(Ū₁ U₁ᵀ)
        let low: Tensor | null = gl === null ? null : matmulT(l, gl, true, false);
        if (gu !== null) {
          const t = matmulT(block(gu, null, [m, n]), u2, false, true);
          low = low === null ? t : sub(low, t);
        }
        let g: Tensor | null = low === null ? null : tril(low, -1);
        if (gu !== null) {
          const t = triu(matmulT(block(gu, null, [0, m]), u1, false, true));
          g = g === null ? t : add(g, t);
        }
        const left = triSolvePrim(u1, g as Tensor, { upper: true, left: false, unitriangular: false, trans: true }, "linalg.lu"); // G U₁⁻ᵀ
        const rhs = gu === null ? concat([left, sub(u2, u2)], -1) : concat([left, block(gu, null, [m, n])], -1);
        pa = triSolvePrim(l, rhs, { ...UNIT_LOWER, trans: true }, "linalg.lu"); // L⁻ᵀ [G U₁⁻ᵀ, Ū₂]
      } else {
        const l1 = block(l, [0, n], null), l2 = block(l, [n, m], null);
        // G = tril(L₁ᵀ L̄₁, −1) + triu(Ū Uᵀ − L₂ᵀ L̄₂)
        let g: Tensor | null = gl === null ? null : tril(matmulT(l1, block(gl, [0, n], null), true, false), -1);
        let up: Tensor | null = gu === null ? null : matmulT(gu, u, false, true);
        if (gl !== null) {
          const t = matmulT(l2, block(gl, [n, m], null), true, false);
          up = up === null ? t : sub(up, t);
        }
        if (up !== null) g = g === null ? triu(up) : add(g, triu(up));
        const top = triSolvePrim(l1, g as Tensor, { ...UNIT_LOWER, trans: true }, "linalg.lu"); // L₁⁻ᵀ G
        const bottom = gl === null ? sub(l2, l2) : block(gl, [n, m], null);
        pa = triSolvePrim(u, concat([top, bottom], -2), { upper: true, left: false, unitriangular: false, trans: true }, "linalg.lu");
      }
      return [permuteRect(pa, a, p.cache, true)];
    },
    jvp: ([da], [a], [l, u]: Tensor[], p) => {
      if (da === null) return [null, null];
      checkDifferentiable(a, p.cache);
      const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
      const pda = permuteRect(da, a, p.cache, false);
      if (m < n) {
        const u1 = block(u, null, [0, m]);
        const y = triSolvePrim(l, pda, UNIT_LOWER, "linalg.lu"); // L⁻¹ P dA
        const f = triSolvePrim(u1, block(y, null, [0, m]), { upper: true, left: false, unitriangular: false, trans: false }, "linalg.lu");
        const fl = tril(f, -1);
        return [matmul(l, fl), sub(y, matmul(fl, u))];
      }
      const l1 = block(l, [0, n], null);
      const x = triSolvePrim(u, pda, { upper: true, left: false, unitriangular: false, trans: false }, "linalg.lu"); // P dA U⁻¹
      const f = triSolvePrim(l1, block(x, [0, n], null), UNIT_LOWER, "linalg.lu");
      const fu = triu(f);
      return [sub(x, matmul(l, fu)), matmul(fu, u)];
    },
  },
};

/** [L, U] of a rectangular batch (differentiable). */
export function luRectPrim(a: Tensor, cache: RectLuCache): [Tensor, Tensor] {
  const [l, u] = applyMulti(luRectRules.luRect, [a], { cache });
  return [l, u];
}

/** The m×m permutation matrices P with A = P L U (constants). */
export function rectPermutationMatrix(a: Tensor, cache: RectLuCache): Tensor {
  const m = a.shape[a.ndim - 2];
  const entries = rectLuEntries(a, cache);
  const out = new Float64Array(entries.length * m * m);
  entries.forEach((e, b) => {
    for (let i = 0; i < m; i++) out[b * m * m + e.perm[i] * m + i] = 1;
  });
  return new Tensor(out, [...batchShape(a), m, m]);
}

/** The pivots [..., k] (0-based, getrf order) as a constant tensor. */
export function rectPivotsTensor(a: Tensor, cache: RectLuCache): Tensor {
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1], k = Math.min(m, n);
  const entries = rectLuEntries(a, cache);
  const out = new Float64Array(entries.length * k);
  entries.forEach((e, b) => {
    for (let i = 0; i < k; i++) out[b * k + i] = e.piv[i];
  });
  return new Tensor(out, [...batchShape(a), k]);
}
