/**
 * The p-norm of vectors (0 < p < ∞, p ≠ 1), a primitive so that its
 * derivative at 0 is the subgradient 0 instead of NaN (the composite
 * (Σ|x|ᵖ)^{1/p} would give 0·∞ there).
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { reducedShape } from "../../../tensor/shape.js";
import { reduce } from "../../../kernels/reduce.js";
import { abs, broadcastTo, div, eq, mul, pow, reshape, sign, sum, where } from "../../api.js";
import { lowerHalfApply, symApply } from "./prims.js";
import { batchBroadcast, shiftAxes } from "../../batching.js";
import { apply } from "../../dispatch.js";

export interface NormParams {
  /** (Σ |x|ᵖ)^{1/p} over `axes`. */
  vectorNorm: { ord: number; axes: number[]; keepdims: boolean };
}

/** ∂‖x‖ₚ/∂x = sign(x) (|x|/‖x‖)^{p−1}, 0 where x = 0 (and everywhere when ‖x‖ = 0). */
function normGrad(x: Tensor, out: Tensor, p: NormParams["vectorNorm"]): Tensor {
  const o = p.keepdims ? out : reshape(out, reducedShape(x.shape, p.axes, true));
  const safeOut = where(eq(o, 0), 1, o);
  if (p.ord === 2) return div(x, safeOut);
  const zero = eq(x, 0);
  const r = div(where(zero, 1, abs(x)), safeOut);
  return where(zero, 0, mul(sign(x), pow(r, p.ord - 1)));
}

export const normRules: { [P in keyof NormParams]: Rule<NormParams[P]> } = {
  vectorNorm: {
    // n = (Σ|xᵢ|ᵖ)^{1/p}:  ∂n/∂xᵢ = sign(xᵢ) |xᵢ|^{p−1} / n^{p−1}  (0 at xᵢ = 0 and at n = 0).
    name: "linalg.vectorNorm",
    // a reduction over `axes`: under vmap the same norm over the axes shifted past the batch axis
    batch: ([x], _b, p) => apply(normRules.vectorNorm, [x], { ...p, axes: shiftAxes(p.axes) }),
    forward: ([x], p) => {
      // scale by max|x| against overflow/underflow
      const ax = x._data.map(Math.abs);
      const mx = reduce("max", ax, x.shape, p.axes);
      const shapeK = reducedShape(x.shape, p.axes, true);
      const mxB = broadcastTo(new Tensor(mx, shapeK), x.shape)._data;
      // (|x|/max)ᵖ in place of |x|: no third array of x's size
      for (let i = 0; i < x.size; i++) ax[i] = mxB[i] === 0 ? 0 : Math.pow(ax[i] / mxB[i], p.ord);
      const s = reduce("sum", ax, x.shape, p.axes);
      for (let i = 0; i < s.length; i++) s[i] = mx[i] === 0 || !Number.isFinite(mx[i]) ? mx[i] : mx[i] * Math.pow(s[i], 1 / p.ord);
      return new Tensor(s, reducedShape(x.shape, p.axes, p.keepdims));
    },
    vjp: (ct: Tensor, [x], out: Tensor, p) => {
      const c = p.keepdims ? ct : reshape(ct, reducedShape(x.shape, p.axes, true));
      return [mul(c, normGrad(x, out, p))];
    },
    jvp: ([dx], [x], out: Tensor, p) => (dx === null ? null : sum(mul(dx, normGrad(x, out, p)), p.axes, p.keepdims)),
  },
};

/** Linear structural maps used by the rules, fused into one pass each (both self-adjoint). */
export interface StructParams {
  /** sym(M) = (M + Mᵀ)/2 over the last two axes. */
  symPart: null;
  /** Φ(M): the lower triangle with the diagonal halved (Cholesky's derivative). */
  lowerHalf: null;
}

function symForward([x]: Tensor[]): Tensor {
  const n = x.shape[x.ndim - 1];
  const nb = x.size / (n * n || 1);
  const o = new Float64Array(x.size);
  const d = x._data;
  const T = 32; // tiles keep the transposed reads in cache
  for (let b = 0; b < nb; b++) {
    const off = b * n * n;
    for (let i0 = 0; i0 < n; i0 += T) {
      const i1 = Math.min(n, i0 + T);
      for (let j0 = 0; j0 <= i0; j0 += T) {
        const j1 = Math.min(n, j0 + T);
        for (let i = i0; i < i1; i++) {
          const ri = off + i * n;
          const jEnd = Math.min(j1, i + 1);
          for (let j = j0; j < jEnd; j++) {
            const v = 0.5 * (d[ri + j] + d[off + j * n + i]);
            o[ri + j] = v;
            o[off + j * n + i] = v;
          }
        }
      }
    }
  }
  return new Tensor(o, x.shape);
}

function lowerHalfForward([x]: Tensor[]): Tensor {
  const n = x.shape[x.ndim - 1];
  const nb = x.size / (n * n || 1);
  const o = new Float64Array(x.size);
  const d = x._data;
  for (let b = 0; b < nb; b++) {
    const off = b * n * n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) o[off + i * n + j] = d[off + i * n + j];
      o[off + i * n + i] = 0.5 * d[off + i * n + i];
    }
  }
  return new Tensor(o, x.shape);
}

export const structRules: { [P in keyof StructParams]: Rule<StructParams[P]> } = {
  symPart: {
    // linear and self-adjoint: VJP sym(ct), JVP sym(dx)
    name: "linalg.sym",
    batch: batchBroadcast(() => structRules.symPart), // acts on each matrix of the leading axes
    forward: symForward,
    vjp: (ct: Tensor) => [symApply(ct)],
    jvp: ([dx]) => (dx === null ? null : symApply(dx)),
  },
  lowerHalf: {
    // linear and self-adjoint (a diagonal map on the entries): VJP Φ(ct), JVP Φ(dx)
    name: "linalg.lowerHalf",
    batch: batchBroadcast(() => structRules.lowerHalf),
    forward: lowerHalfForward,
    vjp: (ct: Tensor) => [lowerHalfApply(ct)],
    jvp: ([dx]) => (dx === null ? null : lowerHalfApply(dx)),
  },
};
