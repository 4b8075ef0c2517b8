/**
 * linalg contractions: multiDot (a chain of matrix products in the cheapest
 * order) and vecdot (the inner product along an axis). Composites of
 * differentiable ops: no rules of their own, derivatives of any order.
 */
import { Tensor } from "../tensor/tensor.js";
import { tensorArg } from "../tensor/create.js";
import { broadcastShapes, fmtShape, normAxis } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { checkOptions, describe } from "../validate.js";
import { matmul, mul, reshape, sum, type TensorLike } from "../ops/api.js";

/**
 * A·B·C·… evaluated in the order with the fewest multiplications (the O(n³)
 * matrix-chain dynamic program), as torch.linalg.multi_dot: at least two
 * tensors, all 2-D except that the first may be a 1-D row vector and the last
 * a 1-D column vector (their axis is dropped from the result).
 */
export function multiDot(tensors: readonly TensorLike[]): Tensor {
  const op = "linalg.multiDot";
  if (!Array.isArray(tensors)) throw new ArgumentError(op, `argument tensors must be an array of tensors; got ${describe(tensors)}`);
  if (tensors.length < 2) throw new ArgumentError(op, `argument tensors must hold at least 2 tensors; got ${tensors.length}`);
  const n = tensors.length;
  const ts = tensors.map((x, i) => tensorArg(x, op, `tensors[${i}]`));
  const mats = ts.map((t, i) => {
    const vecOk = i === 0 || i === n - 1;
    if (t.ndim === 2) return t;
    if (t.ndim === 1 && vecOk) return i === 0 ? reshape(t, [1, t.shape[0]]) : reshape(t, [t.shape[0], 1]);
    throw new ShapeError(op, `tensors[${i}] has shape ${fmtShape(t.shape)}; expected a matrix${vecOk ? " or a vector" : " (only the first and the last may be vectors)"}`);
  });
  // dims: matrix i is dims[i] × dims[i+1]
  const dims = [mats[0].shape[0], ...mats.map((m) => m.shape[1])];
  for (let i = 1; i < n; i++)
    if (mats[i].shape[0] !== dims[i])
      throw new ShapeError(op, `tensors[${i - 1}] of shape ${fmtShape(ts[i - 1].shape)} and tensors[${i}] of shape ${fmtShape(ts[i].shape)} cannot be multiplied (${dims[i]} ≠ ${mats[i].shape[0]})`);
  // cost[i][j]: fewest multiplications for mats[i..j]; split[i][j]: the best k (product (i..k)(k+1..j))
  const cost = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const split = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let len = 1; len < n; len++)
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      cost[i][j] = Infinity;
      for (let k = i; k < j; k++) {
        const c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1];
        if (c < cost[i][j]) { cost[i][j] = c; split[i][j] = k; }
      }
    }
  const chain = (i: number, j: number): Tensor => (i === j ? mats[i] : matmul(chain(i, split[i][j]), chain(split[i][j] + 1, j)));
  const out = chain(0, n - 1);
  const shape = [...(ts[0].ndim === 1 ? [] : [dims[0]]), ...(ts[n - 1].ndim === 1 ? [] : [dims[n]])];
  return shape.length === 2 ? out : reshape(out, shape);
}

/** Options of {@link vecdot}. */
export interface VecdotOptions {
  /** The axis summed over (default −1, the last). */
  axis?: number;
}

/** Σₖ x[…, k] y[…, k] along `axis` (default the last) of the broadcast shape, as torch.linalg.vecdot for real tensors. */
export function vecdot(x: TensorLike, y: TensorLike, opts: VecdotOptions = {}): Tensor {
  const op = "linalg.vecdot";
  const X = tensorArg(x, op, "x"), Y = tensorArg(y, op, "y");
  const { axis = -1 } = checkOptions(op, opts, ["axis"]);
  const shape = broadcastShapes(op, X.shape, Y.shape);
  if (shape.length === 0) throw new ShapeError(op, `needs tensors with at least 1 dimension, got shapes ${fmtShape(X.shape)} and ${fmtShape(Y.shape)}`);
  const ax = normAxis(op, axis, shape.length);
  return sum(mul(X, Y), ax);
}
