/**
 * linalg.lu and linalg.luFactor for rectangular matrices (m ≠ n); the square
 * case stays in index.ts on the square `lu` primitive. Rules and derivative
 * formulas: src/ops/rules/linalg/lu-rect.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/create.js";
import { add, concat, tril } from "../ops/api.js";
import { batchShape, cols, rows } from "../ops/rules/linalg/common.js";
import { newCache } from "../ops/rules/linalg/prims.js";
import { liftValues } from "../ops/batching.js";
import { luRectPrim, rectPermutationMatrix, rectPivotsTensor, type RectLuEntry } from "../ops/rules/linalg/lu-rect.js";

/** `[P, L, U]` with the named fields (the same shape as linalg.LuResult). */
type Lu = [P: Tensor, L: Tensor, U: Tensor] & { P: Tensor; L: Tensor; U: Tensor };
/** `[LU, pivots]` with the named fields. */
type LuF = [LU: Tensor, pivots: Tensor] & { LU: Tensor; pivots: Tensor };

/** P, L (m×k), U (k×n) of a rectangular A (validated by the caller). */
export function luRect(a: Tensor): Lu {
  const cache = newCache<RectLuEntry[]>();
  const [L, U] = luRectPrim(a, cache);
  const P = liftValues([a], ([pa]) => rectPermutationMatrix(pa, cache)); // a constant (batched like A under vmap)
  return Object.assign([P, L, U], { P, L, U }) as Lu;
}

/** The compact m×n LU (strict lower part of L, U on and above the diagonal) and the k pivots. */
export function luFactorRect(a: Tensor): LuF {
  const cache = newCache<RectLuEntry[]>();
  const [L, U] = luRectPrim(a, cache);
  const m = rows(a), n = cols(a), bs = batchShape(a);
  // wide: L is m×m, U m×n — pad tril(L, −1) with zero columns; tall: L m×n, U n×n — pad U with zero rows
  const LU = m < n
    ? add(concat([tril(L, -1), zeros([...bs, m, n - m])], -1), U)
    : add(tril(L, -1), concat([U, zeros([...bs, m - n, n])], -2));
  const pivots = liftValues([a], ([pa]) => rectPivotsTensor(pa, cache));
  return Object.assign([LU, pivots], { LU, pivots }) as LuF;
}
