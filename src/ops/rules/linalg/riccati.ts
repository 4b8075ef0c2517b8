/**
 * The discrete Lyapunov (Stein) equation and the algebraic Riccati equations
 * (kernels: stein.ts, riccati.ts). Each solution is a primitive whose
 * derivatives come from the implicit function theorem, written with
 * differentiable ops (so second order works):
 *
 * Stein  X = M X Mᵀ + Q, M = op(A) (A or Aᵀ):
 *   dX solves the same equation with Q → dQ + dM X Mᵀ + M X dMᵀ;
 *   reverse: W solves W = Mᵀ W M + X̄ (the adjoint Stein equation, same Schur factors),
 *            Q̄ = W,  M̄ = W M Xᵀ + Wᵀ M X.
 *
 * CARE  F = Aᵀ X + X A − X G X + Q = 0, Ac = A − G X (stable):
 *   dF = Acᵀ dX + dX Ac + E,  E = dAᵀ X + X dA − X dG X + dQ,
 *   so dX solves the Lyapunov equation Acᵀ dX + dX Ac = −E;
 *   reverse: W solves Ac W + W Acᵀ = X̄;  Q̄ = −W,  Ā = −(X Wᵀ + Xᵀ W),  Ḡ = Xᵀ W Xᵀ.
 *
 * DARE  X = Aᵀ X K A + Q, K = (I + G X)⁻¹, Ac = K A (stable):
 *   dX = Acᵀ dX Ac + E,  E = dAᵀ X Ac + Acᵀ X dA − Acᵀ X dG X Ac + dQ
 *   (dK = −K (dG X + G dX) K and Aᵀ (I − X K G) = Aᵀ Kᵀ for symmetric X, G),
 *   so dX solves a Stein equation with M = Acᵀ;
 *   reverse: W solves W = Ac W Acᵀ + X̄;  Q̄ = W,  Ā = X Ac Wᵀ + Xᵀ Ac W,  Ḡ = −Xᵀ Ac W Acᵀ Xᵀ.
 *
 * G = B R⁻¹ Bᵀ is formed outside the primitives with differentiable ops, so
 * B̄ and R̄ follow by the chain rule. (Derivations as in Kao & Hennequin 2020,
 * "Automatic differentiation of Sylvester, Lyapunov, and algebraic Riccati
 * equations", arXiv:2011.11430.) The closed loop is stable at a stabilizing
 * solution, so the Lyapunov / Stein operators above are invertible.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { sizeOf } from "../../../tensor/shape.js";
import { ConvergenceError, DomainError, SingularMatrixError } from "../../../errors.js";
import { solveSteinSchur } from "../../../kernels/stein.js";
import { solveCare, solveDare, type RiccatiResult } from "../../../kernels/riccati.js";
import { normMax } from "../../../kernels/matfun-util.js";
import { add, matmul, matmulT, mT, neg, sub } from "../../api.js";
import { apply } from "../../dispatch.js";
import { batchBroadcast } from "../../batching.js";
import { batchShape, broadcastBatch, forEachBatch, isFiniteRange, mat, minus, plus } from "./common.js";
import { lyapunovPrim, newCache, solvePrim } from "./prims.js";
import { schurOf, type SchurCache } from "./matfun.js";

export interface RiccatiParams {
  /** op(A) X op(A)ᵀ − X + Q = 0, op = transpose when `transposed`. */
  stein: { transposed: boolean; cache: SchurCache; op: string };
  /** The stabilizing X of Aᵀ X + X A − X G X + Q = 0 (inputs A, G, Q). */
  care: { op: string };
  /** The stabilizing X of Aᵀ X (I + G X)⁻¹ A + Q − X = 0 (inputs A, G, Q). */
  dare: { op: string };
}

export function steinPrim(a: Tensor, q: Tensor, transposed: boolean, cache: SchurCache, op: string): Tensor {
  return apply(riccatiRules.stein, [a, q], { transposed, cache, op });
}

/** I (n×n) as a constant. */
function identity(n: number): Tensor {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) d[i * n + i] = 1;
  return new Tensor(d, [n, n]);
}

/** Ac = A − G X (CARE). */
function careClosedLoop(a: Tensor, g: Tensor, x: Tensor): Tensor {
  return sub(a, matmul(g, x));
}

/** Ac = (I + G X)⁻¹ A (DARE), differentiable. */
function dareClosedLoop(a: Tensor, g: Tensor, x: Tensor, op: string): Tensor {
  const n = a.shape[a.ndim - 1];
  return solvePrim(add(identity(n), matmul(g, x)), a, false, newCache(), op);
}

function riccatiForward(which: "care" | "dare", [a, g, q]: Tensor[], op: string): Tensor {
  const n = a.shape[a.ndim - 1];
  const batch = broadcastBatch(op, a, g, q);
  const nb = sizeOf(batch);
  const out = new Float64Array(nb * n * n);
  forEachBatch(batch, [batchShape(a), batchShape(g), batchShape(q)], (t, [ia, ig, iq]) => {
    const am = mat(a._data, ia, n), gm = mat(g._data, ig, n), qm = mat(q._data, iq, n);
    if (!isFiniteRange(am, 0, n * n) || !isFiniteRange(gm, 0, n * n) || !isFiniteRange(qm, 0, n * n)) {
      out.fill(NaN, t * n * n, (t + 1) * n * n); // non-finite policy (common.ts)
      return;
    }
    const r: RiccatiResult = which === "care" ? solveCare(am, gm, qm, n) : solveDare(am, gm, qm, n);
    const where = nb > 1 ? ` (batch element ${t})` : "";
    if (r.status === "noStabilizing")
      throw new DomainError(
        op,
        `no stabilizing solution${where}: ${which === "care" ? "the Hamiltonian matrix has eigenvalues on (or numerically near) the imaginary axis" : "the symplectic pencil has eigenvalues on (or numerically near) the unit circle"}${Number.isFinite(r.closedLoop) ? ` (closed-loop spectral ${which === "care" ? "abscissa" : "radius"} ${r.closedLoop.toPrecision(3)})` : ""}; (A, B) must be stabilizable and (Q, A) detectable`,
      );
    if (r.status === "noConvergence")
      throw new ConvergenceError(op, `the solver did not converge${where} (relative residual ${r.residual.toExponential(2)} after ${r.iterations} iterations)`, r.residual, r.iterations, 1e-8);
    out.set(r.x, t * n * n);
  });
  return new Tensor(out, [...batch, n, n]);
}

export const riccatiRules: { [P in keyof RiccatiParams]: Rule<RiccatiParams[P]> } = {
  stein: {
    name: "linalg.solveDiscreteLyapunov",
    batch: batchBroadcast(() => riccatiRules.stein),
    forward: ([a, q], p) => {
      const n = a.shape[a.ndim - 1];
      const batch = broadcastBatch(p.op, a, q);
      const f = p.cache.get([a._data], () => schurOf(p.op, a));
      const out = new Float64Array(sizeOf(batch) * n * n);
      forEachBatch(batch, [batchShape(a), batchShape(q)], (t, [ia, iq]) => {
        if (!isFiniteRange(f[ia].t, 0, n * n)) {
          out.fill(NaN, t * n * n, (t + 1) * n * n); // non-finite A (common.ts)
          return;
        }
        const r = solveSteinSchur(f[ia].t, f[ia].z, n, mat(q._data, iq, n), p.transposed);
        if (r.info !== 0) {
          const s = normMax(f[ia].t);
          throw new SingularMatrixError(
            p.op,
            `the equation is singular${sizeOf(batch) > 1 ? ` (batch element ${t})` : ""}: A has eigenvalues λᵢ, λⱼ with λᵢλⱼ = 1 to working precision (min |λᵢλⱼ − 1| = ${r.minSep.toExponential(2)})`,
            r.minSep / Math.max(1, s * s),
          );
        }
        out.set(r.x, t * n * n);
      });
      return new Tensor(out, [...batch, n, n]);
    },
    vjp: (ct: Tensor, [a], x: Tensor, p, needs) => {
      const w = steinPrim(a, ct, !p.transposed, p.cache, p.op);
      if (!needs[0]) return [null, w];
      const m = p.transposed ? mT(a) : a;
      const gm = add(matmulT(matmul(w, m), x, false, true), matmul(matmulT(w, m, true, false), x));
      return [p.transposed ? mT(gm) : gm, w];
    },
    jvp: ([da, dq], [a], x: Tensor, p) => {
      let rhs: Tensor | null = dq;
      if (da !== null) {
        const m = p.transposed ? mT(a) : a, dm = p.transposed ? mT(da) : da;
        rhs = plus(rhs, add(matmulT(matmul(dm, x), m, false, true), matmulT(matmul(m, x), dm, false, true)));
      }
      return rhs === null ? null : steinPrim(a, rhs, p.transposed, p.cache, p.op);
    },
  },

  care: {
    name: "linalg.solveContinuousAre",
    batch: batchBroadcast(() => riccatiRules.care),
    forward: (xs, p) => riccatiForward("care", xs, p.op),
    vjp: (ct: Tensor, [a, g], x: Tensor, _p, needs) => {
      const ac = careClosedLoop(a, g, x);
      const w = lyapunovPrim(ac, ct, false, newCache()); // Ac W + W Acᵀ = X̄
      return [
        needs[0] ? neg(add(matmulT(x, w, false, true), matmulT(x, w, true, false))) : null,
        needs[1] ? matmulT(matmulT(x, w, true, false), x, false, true) : null,
        needs[2] ? neg(w) : null,
      ];
    },
    jvp: ([da, dg, dq], [a, g], x: Tensor) => {
      let e: Tensor | null = dq;
      if (da !== null) e = plus(e, add(matmulT(da, x, true, false), matmul(x, da)));
      if (dg !== null) e = minus(e, matmul(matmul(x, dg), x));
      if (e === null) return null;
      return lyapunovPrim(careClosedLoop(a, g, x), neg(e), true, newCache()); // Acᵀ dX + dX Ac = −E
    },
  },

  dare: {
    name: "linalg.solveDiscreteAre",
    batch: batchBroadcast(() => riccatiRules.dare),
    forward: (xs, p) => riccatiForward("dare", xs, p.op),
    vjp: (ct: Tensor, [a, g], x: Tensor, p, needs) => {
      const ac = dareClosedLoop(a, g, x, p.op);
      const w = steinPrim(ac, ct, false, newCache(), p.op); // W = Ac W Acᵀ + X̄
      const xac = matmul(x, ac), y = matmulT(x, ac, true, false); // X Ac, Xᵀ Ac
      return [
        needs[0] ? add(matmulT(xac, w, false, true), matmul(y, w)) : null,
        needs[1] ? neg(matmulT(matmul(y, w), y, false, true)) : null,
        needs[2] ? w : null,
      ];
    },
    jvp: ([da, dg, dq], [a, g], x: Tensor, p) => {
      const ac = dareClosedLoop(a, g, x, p.op);
      const xac = matmul(x, ac), y = matmulT(x, ac, true, false);
      let e: Tensor | null = dq;
      if (da !== null) e = plus(e, add(matmulT(da, xac, true, false), matmulT(y, da, true, false)));
      if (dg !== null) e = minus(e, matmulT(y, matmul(dg, xac), true, false));
      if (e === null) return null;
      return steinPrim(ac, e, true, newCache(), p.op); // Acᵀ dX Ac − dX + E = 0
    },
  },
};

