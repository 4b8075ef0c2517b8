/**
 * Matrix functions of general matrices (expm and its Fréchet derivative,
 * logm, sqrtm) and the matrix equations (Sylvester, Lyapunov).
 *
 * expm: the VJP and JVP are Fréchet derivatives L(A, E) = d/dt exp(A + tE)
 * computed by the Al-Mohy–Higham algorithm from the Padé pieces saved by the
 * forward (≈ 3× expm instead of ≈ 8× for the 2n×2n block). L is itself a
 * primitive (expmFrechet) so second order works: its derivative in E is
 * another Fréchet call, its derivative in A comes from the block formula
 * exp([[A, E], [0, A]]) = [[e^A, L(A, E)], [0, e^A]] (Mathias 1996), i.e. a
 * Fréchet call of size 2n.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { sizeOf } from "../../../tensor/shape.js";
import { ConvergenceError, DomainError, SingularMatrixError } from "../../../errors.js";
import { expm as expmKernel, expmFactor, expmFrechetApply, type ExpmFactor } from "../../../kernels/expm.js";
import { logm as logmKernel } from "../../../kernels/logm.js";
import { sqrtmSchur } from "../../../kernels/sqrtm.js";
import { realSchur } from "../../../kernels/schur.js";
import { solveSylvesterSchur, solveLyapunovSchur } from "../../../kernels/sylvester.js";
import { normMax } from "../../../kernels/matfun-util.js";
import { add, broadcastTo, concat, mT, neg, matmulT } from "../../api.js";
import { zerosLike } from "../../../tensor/create.js";
import { FactorCache, batchShape, block, broadcastBatch, forEachBatch, inspectValues, isFiniteRange, mat, minus } from "./common.js";
import { batchBroadcast } from "../../batching.js";
import { expmFrechetPrim, logmPrim, lyapunovPrim, newCache, sylvesterPrim } from "./prims.js";

export type ExpmCache = FactorCache<ExpmFactor[]>;
export interface SchurF {
  t: Float64Array;
  z: Float64Array;
  /** sqrtm only: the matrix had a zero eigenvalue (its root is not differentiable). */
  zeroEigenvalue?: boolean;
}
export type SchurCache = FactorCache<SchurF[]>;
export type SchurPairCache = FactorCache<{ a: SchurF[]; b: SchurF[] }>;

export interface MatfunParams {
  /** keep: compute the Fréchet factor in the forward (when a derivative may follow). */
  expm: { cache: ExpmCache; keep: boolean };
  /** L(A, E), or L(Aᵀ, E) = L(A, Eᵀ)ᵀ when transposed (the VJP of expm). */
  expmFrechet: { transposed: boolean; cache: ExpmCache };
  logm: null;
  sqrtm: { cache: SchurPairCache };
  /** op(A) X + X op(B) = C, op = transpose when `transposed`. */
  sylvester: { transposed: boolean; cache: SchurPairCache; op: string };
  /** op(A) X + X op(A)ᵀ = Q. */
  lyapunov: { transposed: boolean; cache: SchurCache };
}

function expmFactors(a: Tensor, cache: ExpmCache): ExpmFactor[] {
  return cache.get([a._data], () => {
    const n = a.shape[a.ndim - 1];
    const nb = sizeOf(batchShape(a));
    const out: ExpmFactor[] = [];
    for (let b = 0; b < nb; b++) out.push(expmFactor(mat(a._data, b, n), n));
    return out;
  });
}

/** The real Schur factors of every matrix of a (NaN factors for a non-finite one, the non-finite policy). */
export function schurOf(op: string, a: Tensor): SchurF[] {
  const n = a.shape[a.ndim - 1];
  const nb = sizeOf(batchShape(a));
  const out: SchurF[] = [];
  for (let b = 0; b < nb; b++) {
    if (!isFiniteRange(a._data, b * n * n, n * n)) {
      // non-finite policy (common.ts): NaN Schur factors, and the solvers give NaN for this matrix
      out.push({ t: new Float64Array(n * n).fill(NaN), z: new Float64Array(n * n).fill(NaN) });
      continue;
    }
    const s = realSchur(mat(a._data, b, n), n);
    if (s.info !== 0 || !allFinite(s.t) || !allFinite(s.z))
      throw new ConvergenceError(op, `the real Schur decomposition ${s.info !== 0 ? "did not converge" : "produced non-finite values"}${nb > 1 ? ` (batch element ${b})` : ""}; is the input finite?`, NaN, s.iterations);
    out.push({ t: s.t, z: s.z });
  }
  return out;
}

/** Whether X² = A to a relative residual ‖X² − A‖_F ≤ 1e-8 ‖A‖_F (X finite). */
function isSquareRootOf(x: Float64Array, a: Float64Array, n: number): boolean {
  if (!allFinite(x)) return false;
  let res = 0, an = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += x[i * n + k] * x[k * n + j];
      const d = acc - a[i * n + j];
      res += d * d;
      an += a[i * n + j] * a[i * n + j];
    }
  return Math.sqrt(res) <= 1e-8 * Math.sqrt(an);
}

function allFinite(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/** [[a, e], [0, a]] over the last two axes (a, e broadcast to a common batch). */
function blockUpper(a: Tensor, e: Tensor): Tensor {
  const shape = [...broadcastBatch("linalg.expm", a, e), a.shape[a.ndim - 1], a.shape[a.ndim - 1]];
  const ab = broadcastTo(a, shape), eb = broadcastTo(e, shape);
  const z = zerosLike(ab);
  return concat([concat([ab, eb], -1), concat([z, ab], -1)], -2);
}

function topRight(x: Tensor, n: number): Tensor {
  return block(x, [0, n], [n, 2 * n]);
}

// Batching (vmap): the forwards loop over (and broadcast) leading axes, so the batch axis is one more leading
// axis — batchBroadcast, one kernel call for the batch (the caches then hold the factors of every example).
export const matfunRules: { [P in keyof MatfunParams]: Rule<MatfunParams[P]> } = {
  expm: {
    // E = e^A:  dE = L(A, dA),  Ā = L(Aᵀ, Ē)  (Al-Mohy & Higham 2009; Fréchet derivative of expm).
    name: "linalg.expm",
    batch: batchBroadcast(() => matfunRules.expm),
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const out = new Float64Array(a.size);
      if (p.keep) expmFactors(a, p.cache).forEach((f, b) => out.set(f.expA, b * n * n));
      else for (let b = 0; b < sizeOf(batchShape(a)); b++) out.set(expmKernel(mat(a._data, b, n), n), b * n * n);
      // non-finite policy (common.ts): NaN for a matrix with a NaN/±Inf entry (the 1×1 path would give e^−∞ = 0)
      for (let b = 0; b < sizeOf(batchShape(a)); b++) if (!isFiniteRange(a._data, b * n * n, n * n)) out.fill(NaN, b * n * n, (b + 1) * n * n);
      return new Tensor(out, a.shape);
    },
    vjp: (ct: Tensor, [a], _out, p) => [expmFrechetPrim(a, ct, true, p.cache)],
    jvp: ([da], [a], _out, p) => (da === null ? null : expmFrechetPrim(a, da, false, p.cache)),
  },

  expmFrechet: {
    // L(A, E) is linear in E: ∂_E = L(A, ·), adjoint L(Aᵀ, ·). Its derivative in A is the top-right
    // block of the Fréchet derivative at X = [[A, E], [0, A]] (Mathias 1996):
    //   dL = [L(X, [[dA, dE], [0, dA]])]₁₂,   X̄ = L(Xᵀ, [[0, L̄], [0, 0]]),  Ā = X̄₁₁ + X̄₂₂, Ē = X̄₁₂.
    // The transposed variant L(Aᵀ, E) is the same with A ↦ Aᵀ.
    name: "linalg.expmFrechet",
    batch: batchBroadcast(() => matfunRules.expmFrechet),
    forward: ([a, e], p) => {
      const n = a.shape[a.ndim - 1];
      const batch = broadcastBatch("linalg.expmFrechet", a, e);
      const fs = expmFactors(a, p.cache);
      const out = new Float64Array(sizeOf(batch) * n * n);
      forEachBatch(batch, [batchShape(a), batchShape(e)], (t, [ia, ie]) => {
        out.set(expmFrechetApply(fs[ia], mat(e._data, ie, n), p.transposed), t * n * n);
      });
      return new Tensor(out, [...batch, n, n]);
    },
    vjp: (ct: Tensor, [a, e], _out, p, needs) => {
      const n = a.shape[a.ndim - 1];
      if (!needs[0]) return [null, expmFrechetPrim(a, ct, !p.transposed, p.cache)];
      const x = blockUpper(p.transposed ? mT(a) : a, e);
      const g = blockUpper(zerosLike(ct), ct);
      // embed L̄ at block (1, 2): [[0, L̄], [0, 0]]
      const gEmb = concat([block(g, [0, n], null), zerosLike(block(g, [n, 2 * n], null))], -2);
      const xb = expmFrechetPrim(x, gEmb, true, newCache());
      const ga = add(block(xb, [0, n], [0, n]), block(xb, [n, 2 * n], [n, 2 * n]));
      return [p.transposed ? mT(ga) : ga, needs[1] ? topRight(xb, n) : null];
    },
    jvp: ([da, de], [a, e], _out, p) => {
      const n = a.shape[a.ndim - 1];
      if (da === null) return de === null ? null : expmFrechetPrim(a, de, p.transposed, p.cache);
      const at = p.transposed ? mT(a) : a, dat = p.transposed ? mT(da) : da;
      const x = blockUpper(at, e);
      const dx = blockUpper(dat, de ?? zerosLike(e));
      return topRight(expmFrechetPrim(x, dx, false, newCache()), n);
    },
  },

  logm: {
    // X = log A. L_log(A, E) = [log([[A, E], [0, A]])]₁₂ (Mathias 1996; Higham 2008 Thm 3.6), so
    //   dX = [log([[A, dA], [0, A]])]₁₂,  Ā = L_log(Aᵀ, X̄) = [log([[Aᵀ, X̄], [0, Aᵀ]])]₁₂,
    // both through the logm primitive itself (differentiable again).
    name: "linalg.logm",
    batch: batchBroadcast(() => matfunRules.logm),
    forward: ([a]) => {
      const n = a.shape[a.ndim - 1];
      const nb = sizeOf(batchShape(a));
      const out = new Float64Array(a.size);
      for (let b = 0; b < nb; b++) {
        if (!isFiniteRange(a._data, b * n * n, n * n)) {
          out.fill(NaN, b * n * n, (b + 1) * n * n); // non-finite policy (common.ts)
          continue;
        }
        const r = logmKernel(mat(a._data, b, n), n);
        const where = nb > 1 ? ` (batch element ${b})` : "";
        if (r.info === 1 || r.info === 2)
          throw new DomainError("linalg.logm", `the matrix${where} has the eigenvalue ${r.eigenvalue} on the closed negative real axis: it has no real principal logarithm`);
        if (r.info === 3 || !allFinite(r.x))
          throw new ConvergenceError("linalg.logm", `the ${r.info === 3 ? "real Schur decomposition did not converge" : "computation produced non-finite values"}${where}; is the input finite?`, NaN, 0);
        out.set(r.x, b * n * n);
      }
      return new Tensor(out, a.shape);
    },
    vjp: (ct: Tensor, [a]) => [topRight(logmPrim(blockUpper(mT(a), ct)), a.shape[a.ndim - 1])],
    jvp: ([da], [a]) => (da === null ? null : topRight(logmPrim(blockUpper(a, da)), a.shape[a.ndim - 1])),
  },

  sqrtm: {
    // X = A^{1/2}, X² = A:  X dX + dX X = dA;  VJP: Xᵀ Ā + Ā Xᵀ = X̄ (Sylvester), both with the
    // Schur form of X (Z U Zᵀ, kept by the forward) so no new Schur decomposition is needed.
    name: "linalg.sqrtm",
    batch: batchBroadcast(() => matfunRules.sqrtm),
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const nb = sizeOf(batchShape(a));
      const out = new Float64Array(a.size);
      const fs: SchurF[] = [];
      for (let b = 0; b < nb; b++) {
        if (!isFiniteRange(a._data, b * n * n, n * n)) {
          // non-finite policy (common.ts): NaN root (and NaN Schur factors for the derivative)
          out.fill(NaN, b * n * n, (b + 1) * n * n);
          fs.push({ t: new Float64Array(n * n).fill(NaN), z: new Float64Array(n * n).fill(NaN), zeroEigenvalue: false });
          continue;
        }
        const r = sqrtmSchur(mat(a._data, b, n), n);
        const where = nb > 1 ? ` (batch element ${b})` : "";
        // A zero eigenvalue in a Jordan block of size ≥ 2 (e.g. [[0, 1], [0, 0]]): no square root exists, and
        // the recurrence's division by u_ii + u_jj = 0 (guarded by a tiny smin) returns a huge "root".
        // A root must satisfy X² = A: a residual ‖X² − A‖_F > 1e-8 ‖A‖_F means there is none.
        if (r.info === 2 && !isSquareRootOf(r.x, mat(a._data, b, n), n))
          throw new DomainError("linalg.sqrtm", `the matrix${where} has a defective zero eigenvalue (a Jordan block of size ≥ 2 at 0): it has no square root`);
        if (r.info === 1)
          throw new DomainError("linalg.sqrtm", `the matrix${where} has the eigenvalue ${r.eigenvalue} on the negative real axis: it has no real principal square root`);
        if (r.info === 3) throw new ConvergenceError("linalg.sqrtm", `the real Schur decomposition did not converge${where}; is the input finite?`, NaN, 0);
        if (!allFinite(r.x)) {
          if (r.info === 2) throw new DomainError("linalg.sqrtm", `the matrix${where} has a defective zero eigenvalue: it has no square root`);
          throw new ConvergenceError("linalg.sqrtm", `the computation produced non-finite values${where}; is the input finite?`, NaN, 0);
        }
        out.set(r.x, b * n * n);
        fs.push({ t: r.u, z: r.z, zeroEigenvalue: r.info === 2 });
      }
      const x = new Tensor(out, a.shape);
      p.cache.set([out, out], { a: fs, b: fs });
      return x;
    },
    vjp: (ct: Tensor, _a, x: Tensor, p) => {
      checkSqrtmDifferentiable(x, p.cache);
      return [sylvesterPrim(x, x, ct, true, p.cache, "linalg.sqrtm")];
    },
    jvp: ([da], _a, x: Tensor, p) => {
      if (da === null) return null;
      checkSqrtmDifferentiable(x, p.cache);
      return sylvesterPrim(x, x, da, false, p.cache, "linalg.sqrtm");
    },
  },

  sylvester: {
    // op(A) X + X op(B) = C (Bartels–Stewart):
    //   dX solves op(A) dX + dX op(B) = dC − op(dA) X − X op(dB);
    //   C̄ solves op(A)ᵀ C̄ + C̄ op(B)ᵀ = X̄ (same Schur factors), op(A)‾ = −C̄ Xᵀ, op(B)‾ = −Xᵀ C̄.
    name: "linalg.solveSylvester",
    batch: batchBroadcast(() => matfunRules.sylvester),
    forward: ([a, b, c], p) => {
      const m = a.shape[a.ndim - 1], n = b.shape[b.ndim - 1];
      const batch = broadcastBatch(p.op, a, b, c);
      const f = p.cache.get([a._data, b._data], () => ({ a: schurOf(p.op, a), b: schurOf(p.op, b) }));
      const out = new Float64Array(sizeOf(batch) * m * n);
      forEachBatch(batch, [batchShape(a), batchShape(b), batchShape(c)], (t, [ia, ib, ic]) => {
        const fa = f.a[ia], fb = f.b[ib];
        if (!isFiniteRange(fa.t, 0, m * m) || !isFiniteRange(fb.t, 0, n * n)) {
          out.fill(NaN, t * m * n, (t + 1) * m * n); // non-finite A or B (common.ts)
          return;
        }
        const r = solveSylvesterSchur(fa.t, fa.z, m, fb.t, fb.z, n, mat(c._data, ic, m, n), p.transposed);
        if (r.info !== 0) {
          const scale = normMax(fa.t) + normMax(fb.t);
          throw new SingularMatrixError(
            p.op,
            `the equation is singular${sizeOf(batch) > 1 ? ` (batch element ${t})` : ""}: A and −B have (nearly) a common eigenvalue (min |λᵢ(A) + μⱼ(B)| = ${r.minSep.toExponential(2)})`,
            scale > 0 ? r.minSep / scale : 0,
          );
        }
        out.set(r.x, t * m * n);
      });
      return new Tensor(out, [...batch, m, n]);
    },
    vjp: (ct: Tensor, [a, b], x: Tensor, p, needs) => {
      const gc = sylvesterPrim(a, b, ct, !p.transposed, p.cache, p.op);
      const ga = !needs[0] ? null : p.transposed ? neg(matmulT(x, gc, false, true)) : neg(matmulT(gc, x, false, true));
      const gb = !needs[1] ? null : p.transposed ? neg(matmulT(gc, x, true, false)) : neg(matmulT(x, gc, true, false));
      return [ga, gb, gc];
    },
    jvp: ([da, db, dc], [a, b], x: Tensor, p) => {
      const rhs = minus(minus(dc, da === null ? null : matmulT(da, x, p.transposed, false)), db === null ? null : matmulT(x, db, false, p.transposed));
      return rhs === null ? null : sylvesterPrim(a, b, rhs, p.transposed, p.cache, p.op);
    },
  },

  lyapunov: {
    // op(A) X + X op(A)ᵀ = Q:
    //   dX solves the same equation with right side dQ − op(dA) X − X op(dA)ᵀ;
    //   W solves op(A)ᵀ W + W op(A) = X̄;  Q̄ = W,  op(A)‾ = −(W Xᵀ + Wᵀ X).
    name: "linalg.solveLyapunov",
    batch: batchBroadcast(() => matfunRules.lyapunov),
    forward: ([a, q], p) => {
      const n = a.shape[a.ndim - 1];
      const batch = broadcastBatch("linalg.solveLyapunov", a, q);
      const f = p.cache.get([a._data], () => schurOf("linalg.solveLyapunov", a));
      const out = new Float64Array(sizeOf(batch) * n * n);
      forEachBatch(batch, [batchShape(a), batchShape(q)], (t, [ia, iq]) => {
        if (!isFiniteRange(f[ia].t, 0, n * n)) {
          out.fill(NaN, t * n * n, (t + 1) * n * n); // non-finite A (common.ts)
          return;
        }
        const r = solveLyapunovSchur(f[ia].t, f[ia].z, n, mat(q._data, iq, n), p.transposed);
        if (r.info !== 0) {
          const scale = 2 * normMax(f[ia].t);
          throw new SingularMatrixError(
            "linalg.solveLyapunov",
            `the equation is singular${sizeOf(batch) > 1 ? ` (batch element ${t})` : ""}: A and −A have (nearly) a common eigenvalue (min |λᵢ + λⱼ| = ${r.minSep.toExponential(2)})`,
            scale > 0 ? r.minSep / scale : 0,
          );
        }
        out.set(r.x, t * n * n);
      });
      return new Tensor(out, [...batch, n, n]);
    },
    vjp: (ct: Tensor, [a], x: Tensor, p, needs) => {
      const w = lyapunovPrim(a, ct, !p.transposed, p.cache);
      if (!needs[0]) return [null, w];
      const gop = neg(add(matmulT(w, x, false, true), matmulT(w, x, true, false)));
      return [p.transposed ? mT(gop) : gop, w];
    },
    jvp: ([da, dq], [a], x: Tensor, p) => {
      let rhs: Tensor | null = dq;
      if (da !== null) {
        rhs = minus(rhs, add(matmulT(da, x, p.transposed, false), matmulT(x, da, false, !p.transposed)));
      }
      return rhs === null ? null : lyapunovPrim(a, rhs, p.transposed, p.cache);
    },
  },
};

function checkSqrtmDifferentiable(xt: Tensor, cache: SchurPairCache): void {
  inspectValues([xt], ([x]) => checkSqrtmValues(x, cache)); // under vmap: the physical root, every example
}

function checkSqrtmValues(x: Tensor, cache: SchurPairCache): void {
  // the forward keyed the cache by its private output array; a read of x.data since then gave x an array of its own
  const d = x._ex?.prev ?? x._data;
  const f = cache.peek([d, d]);
  if (f === null) return;
  f.a.forEach((s, b) => {
    if (s.zeroEigenvalue)
      throw new DomainError("linalg.sqrtm", `the matrix${f.a.length > 1 ? ` (batch element ${b})` : ""} has a zero eigenvalue: its square root is not differentiable there`);
  });
}
