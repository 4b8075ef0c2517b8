/**
 * SVD family: the singular value decomposition and the pseudo-inverse.
 *
 * Thin SVD A = U S Vᵀ (U m×k, V n×k, k = min(m, n)), J = Uᵀ Ū, K = Vᵀ V̄,
 * F_ij = 1/(σⱼ² − σᵢ²) (i ≠ j):
 *   Ā = U [diag(S̄) + (F∘(J − Jᵀ)) S + S (F∘(K − Kᵀ))] Vᵀ
 *       + (I − UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I − VVᵀ)
 * (Townsend 2016; Giles 2008; the last two terms only when m > k or n > k), and
 *   dP = Uᵀ dA V,  dS = diag(dP),
 *   dU = U (F∘(dP S + S dPᵀ)) + (I − UUᵀ) dA V S⁻¹,
 *   dV = V (F∘(S dP + dPᵀ S)) + (I − VVᵀ) dAᵀ U S⁻¹.
 * By partial fractions, with F₋ = 1/(σⱼ − σᵢ), F₊ = 1/(σⱼ + σᵢ), sJ = J − Jᵀ, sK = K − Kᵀ:
 *   (F∘sJ) S + S (F∘sK) = ½[F₋∘(sJ + sK) + F₊∘(sJ − sK)],
 *   F∘(dP S + S dPᵀ) = ½[F₋∘(dP + dPᵀ) + F₊∘(dP − dPᵀ)],  F∘(S dP + dPᵀ S) = ½[F₋∘(dP + dPᵀ) − F₊∘(dP − dPᵀ)],
 * so only the F₋ part is singular at σᵢ = σⱼ; the F₊ part (e.g. the whole derivative of the polar
 * factor U Vᵀ) is kept exactly at repeated singular values.
 * Degeneracy (same policy as eigh, see spectral.ts): on a pair with
 * |σᵢ − σⱼ| ≤ tol·σ₁ the F₋ term is dropped when the loss is gauge invariant
 * under joint rotations there ((sJ + sK)ᵢⱼ ≈ 0; for a pair of zero singular
 * values J and K must each be symmetric there), else NonDifferentiableError; tied
 * singular values share their cotangent evenly (tieAverage in spectral.ts).
 * A zero singular value (≤ tol·σ₁) with a non-zero complement term has no
 * derivative either (NonDifferentiableError); otherwise S⁻¹ is taken as 0 there.
 * Full matrices: the extra columns U₂ (V₂) are an arbitrary completion; with the
 * gauge U₂ᵀ dU₂ = 0, dU₂ = −U₁ dU₁ᵀ U₂, so Ū₁ gains −U₂ Ū₂ᵀ U₁ (same for V), and a
 * loss with U₂ᵀ Ū₂ not symmetric raises NonDifferentiableError.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { sizeOf } from "../../../tensor/shape.js";
import { ConvergenceError, NonDifferentiableError } from "../../../errors.js";
import { svd as svdKernel } from "../../../kernels/svd.js";
import { eigh as eighKernel } from "../../../kernels/eigh.js";
import { add, concat, diagEmbed, diagonal, div, matmul, matmulT, mT, mul, neg, sub, unsqueeze, where } from "../../api.js";
import { batchShape, block, cols, inspectValues, isFiniteLower, isFiniteRange, mat, minus, plus, rows, sym } from "./common.js";
import { tieAverage, gapScaleApply, separation, separationMask, type SvdCache, type SvdFactors } from "./spectral.js";
import { batchBroadcast, liftValues } from "../../batching.js";

export interface SvdParams {
  /** Outputs [U, S, Vh]; full: U m×m and Vh n×n. */
  svd: { full: boolean; cache: SvdCache; tol: number };
  /** A⁺ with singular values ≤ max(atol, rtol·σ₁) treated as zero; hermitian: by eigh (reads the lower triangle). */
  pinv: { atol: number; rtol: number; hermitian: boolean };
}

function svdFactors(a: Tensor, full: boolean, cache: SvdCache): SvdFactors {
  return cache.get([a._data], () => {
    const m = rows(a), n = cols(a), k = Math.min(m, n);
    const nb = sizeOf(batchShape(a));
    const cu = full ? m : k, cv = full ? n : k;
    const u = new Float64Array(nb * m * cu), s = new Float64Array(nb * k), vt = new Float64Array(nb * cv * n);
    for (let b = 0; b < nb; b++) {
      if (!isFiniteRange(a._data, b * m * n, m * n)) {
        // non-finite policy (common.ts): NaN factors, not a ConvergenceError
        u.fill(NaN, b * m * cu, (b + 1) * m * cu);
        s.fill(NaN, b * k, (b + 1) * k);
        vt.fill(NaN, b * cv * n, (b + 1) * cv * n);
        continue;
      }
      const r = svdKernel(mat(a._data, b, m, n), m, n, full ? "full" : "thin");
      if (r.info >= 0)
        throw new ConvergenceError("linalg.svd", `the bidiagonal SVD did not converge${nb > 1 ? ` (batch element ${b})` : ""}; is the input finite?`, NaN, 0);
      u.set(r.u, b * m * cu);
      s.set(r.s, b * k);
      // V (n×cv) → Vᵀ (cv×n)
      const o = b * cv * n;
      for (let i = 0; i < n; i++) for (let j = 0; j < cv; j++) vt[o + j * n + i] = r.v[i * cv + j];
    }
    return { u, s, vt };
  });
}

/** Singular values only (no vectors), as a constant tensor [..., k]. */
export function svdValues(a: Tensor): Tensor {
  const m = rows(a), n = cols(a), k = Math.min(m, n);
  const nb = sizeOf(batchShape(a));
  const s = new Float64Array(nb * k);
  for (let b = 0; b < nb; b++) {
    if (!isFiniteRange(a._data, b * m * n, m * n)) {
      s.fill(NaN, b * k, (b + 1) * k);
      continue;
    }
    const r = svdKernel(mat(a._data, b, m, n), m, n, "none");
    if (r.info >= 0) throw new ConvergenceError("linalg.svdvals", `the bidiagonal SVD did not converge${nb > 1 ? ` (batch element ${b})` : ""}; is the input finite?`, NaN, 0);
    s.set(r.s, b * k);
  }
  return new Tensor(s, [...batchShape(a), k]);
}

/**
 * Masks for the singular values: non-degenerate pairs (σᵢ ≠ σⱼ) and the tie-averaging matrices
 * (separation in spectral.ts), pairs that are not both zero (σᵢ + σⱼ ≠ 0), and the invertible
 * (non-zero) values. Constant tensors computed from the values (batched like s under vmap).
 */
function svdMasks(s: Tensor, tol: number): { pair: Tensor; avg: Tensor | null; pairSum: Tensor; nonzero: Tensor } {
  const { mask, avg } = separation(s, tol);
  const pairSum = liftValues([s], ([ps]) => zeroMasks(ps, tol).pairSum);
  const nonzero = liftValues([s], ([ps]) => zeroMasks(ps, tol).nonzero);
  return { pair: mask, avg, pairSum, nonzero };
}

/** The pairs not both (numerically) zero, the non-zero values and the list of zero ones, from the values s [..., k]. */
function zeroMasks(s: Tensor, tol: number): { pairSum: Tensor; nonzero: Tensor; zeros: [number, number][] } {
  const k = s.shape[s.ndim - 1];
  const nb = sizeOf(s.shape.slice(0, -1));
  const nz = new Float64Array(nb * k);
  const ps = new Float64Array(nb * k * k);
  const zeros: [number, number][] = [];
  const sd = s._data;
  for (let b = 0; b < nb; b++) {
    const so = b * k;
    let smax = 0;
    for (let i = 0; i < k; i++) smax = Math.max(smax, sd[so + i]);
    const thr = tol * smax;
    for (let i = 0; i < k; i++) {
      if (sd[so + i] > thr) nz[so + i] = 1;
      else zeros.push([b, i]);
    }
    for (let i = 0; i < k; i++) {
      const si = sd[so + i];
      const row = (so + i) * k;
      for (let j = 0; j < k; j++) if (si + sd[so + j] > thr) ps[row + j] = 1;
      ps[row + i] = 0;
    }
  }
  return { pairSum: new Tensor(ps, [...s.shape, k]), nonzero: new Tensor(nz, s.shape), zeros };
}

/** 1/σ where σ is not (numerically) zero, else 0; differentiable in σ. */
function safeInv(s: Tensor, nonzero: Tensor): Tensor {
  return where(nonzero, div(1, where(nonzero, s, 1)), 0);
}

function maxAbs(t: Tensor, b: number, len: number): number {
  let m = 0;
  for (let i = 0; i < len; i++) m = Math.max(m, Math.abs(t._data[b * len + i]));
  return m;
}

function gaugeError(what: string): NonDifferentiableError {
  return new NonDifferentiableError(
    "linalg.svd",
    `${what}, and the loss depends on the choice of singular vectors there, so it has no gradient. Differentiate a gauge-invariant quantity instead (functions of the singular values, U f(S) Vᵀ, projectors onto whole singular subspaces)`,
  );
}

/** Check that the loss is gauge invariant on degenerate pairs (see the header); on the values (every example under vmap). */
function checkSvdTies(s: Tensor, j: Tensor | null, kk: Tensor | null, tol: number): void {
  const xs = [s];
  if (j !== null) xs.push(j);
  if (kk !== null) xs.push(kk);
  inspectValues(xs, (ps) => {
    const k = s.shape[s.ndim - 1];
    const { ties } = separationMask(ps[0]._data, k, sizeOf(ps[0].shape.slice(0, -1)), tol);
    checkSvdTiesValues(ties, ps[0], j === null ? null : ps[1], kk === null ? null : ps[j === null ? 1 : 2], tol);
  });
}

function checkSvdTiesValues(ties: [number, number, number][], s: Tensor, j: Tensor | null, kk: Tensor | null, tol: number): void {
  if (ties.length === 0) return;
  const k = s.shape[s.ndim - 1];
  const nb = sizeOf(s.shape.slice(0, -1));
  for (const [b, i, l] of ties) {
    const o = b * k * k;
    const si = s._data[b * k + i], sl = s._data[b * k + l];
    const smax = Math.max(maxAbs(s, b, k), Number.MIN_VALUE);
    const mj = j === null ? 0 : maxAbs(j, b, k * k), mk = kk === null ? 0 : maxAbs(kk, b, k * k);
    const sj = j === null ? 0 : j._data[o + i * k + l] - j._data[o + l * k + i];
    const sk = kk === null ? 0 : kk._data[o + i * k + l] - kk._data[o + l * k + i];
    const where = `singular values ${i} and ${l}${nb > 1 ? ` (batch element ${b})` : ""} are degenerate (${si} vs ${sl})`;
    if (Math.max(si, sl) <= tol * smax) {
      if (Math.abs(sj) > 1e-8 * mj || Math.abs(sk) > 1e-8 * mk) throw gaugeError(where);
    } else if (Math.abs(sj + sk) > 1e-8 * (mj + mk)) throw gaugeError(where);
  }
}

/**
 * Raise when a zero singular value (of s, tolerance tol) meets a non-zero complement term (column c of
 * `comp` [..., r, k], or row when `byRow`); on the values (every example under vmap).
 */
function checkZeroSigma(s: Tensor, tol: number, comp: Tensor, scale: Tensor, byRow: boolean): void {
  inspectValues([s, comp, scale], ([ps, pc, pscale]) => checkZeroSigmaValues(zeroMasks(ps, tol).zeros, pc, pscale, byRow));
}

function checkZeroSigmaValues(zeros: [number, number][], comp: Tensor, scale: Tensor, byRow: boolean): void {
  if (zeros.length === 0) return;
  const r = comp.shape[comp.ndim - 2], c = comp.shape[comp.ndim - 1];
  const nb = sizeOf(batchShape(comp));
  for (const [b, i] of zeros) {
    const len = scale.shape[scale.ndim - 2] * scale.shape[scale.ndim - 1];
    const ref = Math.max(maxAbs(scale, b, len), Number.MIN_VALUE);
    let m = 0;
    if (byRow) for (let q = 0; q < c; q++) m = Math.max(m, Math.abs(comp._data[b * r * c + i * c + q]));
    else for (let q = 0; q < r; q++) m = Math.max(m, Math.abs(comp._data[b * r * c + q * c + i]));
    if (m > 1e-8 * ref)
      throw gaugeError(`singular value ${i}${nb > 1 ? ` (batch element ${b})` : ""} is zero (the matrix is rank deficient) and the loss moves the corresponding singular vector out of the span of the others`);
  }
}

/** Symmetric-gauge check for the completion block of full matrices: Q₂ᵀ Q̄₂ must be symmetric (every example under vmap). */
function checkCompletion(k2t: Tensor, what: string): void {
  inspectValues([k2t], ([k2]) => checkCompletionValues(k2, what));
}

function checkCompletionValues(k2: Tensor, what: string): void {
  const n = k2.shape[k2.ndim - 1];
  const nb = sizeOf(batchShape(k2));
  for (let b = 0; b < nb; b++) {
    const ref = maxAbs(k2, b, n * n);
    for (let i = 0; i < n; i++)
      for (let l = 0; l < i; l++)
        if (Math.abs(k2._data[b * n * n + i * n + l] - k2._data[b * n * n + l * n + i]) > 1e-8 * ref)
          throw new NonDifferentiableError(
            "linalg.svd",
            `fullMatrices: the loss depends on the choice of the orthonormal completion ${what} (an arbitrary basis); only losses invariant under its rotations are differentiable. Use fullMatrices: false otherwise`,
          );
  }
}

// Batching (vmap): both forwards loop over leading axes (one factorization per matrix), so the batch axis is
// one more leading axis — batchBroadcast, one kernel call for the batch.
export const svdRules: { [P in keyof SvdParams]: Rule<SvdParams[P]> } = {
  svd: {
    // See the header of this file for the math.
    name: "linalg.svd",
    batch: batchBroadcast(() => svdRules.svd),
    nOut: 3,
    forward: ([a], p) => {
      const m = rows(a), n = cols(a), k = Math.min(m, n);
      const f = svdFactors(a, p.full, p.cache);
      const bs = batchShape(a);
      return [new Tensor(f.u, [...bs, m, p.full ? m : k]), new Tensor(f.s, [...bs, k]), new Tensor(f.vt, [...bs, p.full ? n : k, n])];
    },
    vjp: ([gu, gs, gvh]: (Tensor | null)[], [a], [u, s, vh]: Tensor[], p) => {
      const m = rows(a), n = cols(a), k = Math.min(m, n);
      let u1 = u, vh1 = vh, gu1 = gu, gvh1 = gvh;
      if (p.full && m > k) {
        u1 = block(u, null, [0, k]);
        if (gu !== null) {
          const u2 = block(u, null, [k, m]), gu2 = block(gu, null, [k, m]);
          checkCompletion(matmulT(u2, gu2, true, false), "U[..., k:]");
          gu1 = sub(block(gu, null, [0, k]), matmul(matmulT(u2, gu2, false, true), u1));
        }
      }
      if (p.full && n > k) {
        vh1 = block(vh, [0, k], null);
        if (gvh !== null) {
          const vh2 = block(vh, [k, n], null), gvh2 = block(gvh, [k, n], null);
          checkCompletion(matmulT(vh2, gvh2, false, true), "Vh[..., k:, :]");
          gvh1 = sub(block(gvh, [0, k], null), matmul(matmulT(vh1, gvh2, false, true), vh2));
        }
      }
      if (gu1 === null && gs === null && gvh1 === null) return [null];
      const { pair, pairSum, avg, nonzero } = svdMasks(s, p.tol);
      if (gs !== null) gs = tieAverage(gs, avg); // ties share the cotangent evenly (spectral.ts, tieAverage)
      const j = gu1 === null ? null : matmulT(u1, gu1, true, false); // Uᵀ Ū
      const kk = gvh1 === null ? null : matmulT(vh1, gvh1, false, true); // Vᵀ V̄ = Vh V̄hᵀ
      checkSvdTies(s, j, kk, p.tol);
      let inner: Tensor | null = gs === null ? null : diagEmbed(gs);
      if (j !== null || kk !== null) {
        // (F∘(J−Jᵀ)) S + S (F∘(K−Kᵀ)) = ½[F₋ ∘ (sJ + sK) + F₊ ∘ (sJ − sK)], F₋ = 1/(σⱼ − σᵢ), F₊ = 1/(σⱼ + σᵢ):
        // only the F₋ part is singular at σᵢ = σⱼ, and gauge invariance makes sJ + sK vanish there.
        const jk = plus(j, kk) as Tensor, jmk = minus(j, kk) as Tensor;
        inner = add(gapScaleApply(s, jk, gs, pair, false, true), gapScaleApply(s, jmk, null, pairSum, true, true));
      }
      let ga: Tensor | null = inner === null ? null : matmul(matmul(u1, inner), vh1);
      const sinv = safeInv(s, nonzero);
      if (gu1 !== null && j !== null && m > k) {
        // (I − UUᵀ) Ū S⁻¹ Vᵀ
        const comp = sub(gu1, matmul(u1, j));
        checkZeroSigma(s, p.tol, comp, gu1, false);
        ga = plus(ga, matmul(mul(comp, unsqueeze(sinv, -2)), vh1));
      }
      if (gvh1 !== null && kk !== null && n > k) {
        // U S⁻¹ V̄ᵀ (I − VVᵀ) = U S⁻¹ (V̄h − Kᵀ Vh)
        const comp = sub(gvh1, matmulT(kk, vh1, true, false));
        checkZeroSigma(s, p.tol, comp, gvh1, true);
        ga = plus(ga, matmul(u1, mul(unsqueeze(sinv, -1), comp)));
      }
      return [ga];
    },
    jvp: ([da], [a], [u, s, vh]: Tensor[], p) => {
      if (da === null) return [null, null, null];
      const m = rows(a), n = cols(a), k = Math.min(m, n);
      const u1 = p.full && m > k ? block(u, null, [0, k]) : u;
      const vh1 = p.full && n > k ? block(vh, [0, k], null) : vh;
      const { pair, pairSum, nonzero, avg } = svdMasks(s, p.tol);
      const dp = matmulT(matmulT(u1, da, true, false), vh1, false, true); // Uᵀ dA V
      const ds = tieAverage(diagonal(dp), avg);
      // Uᵀ dU = F∘(dP S + S dPᵀ) = ½[F₋∘(dP + dPᵀ) + F₊∘(dP − dPᵀ)],  Vᵀ dV = ½[F₋∘(dP + dPᵀ) − F₊∘(dP − dPᵀ)]
      const a1 = gapScaleApply(s, sym(dp), null, pair, false, false), a2 = gapScaleApply(s, dp, null, pairSum, true, true);
      let du = matmul(u1, add(a1, a2));
      let dv = matmulT(vh1, sub(a1, a2), true, false);
      const sinv = unsqueeze(safeInv(s, nonzero), -2);
      if (m > k) du = add(du, mul(sub(matmulT(da, vh1, false, true), matmul(u1, dp)), sinv));
      if (n > k) dv = add(dv, mul(sub(matmulT(da, u1, true, false), matmulT(vh1, dp, true, true)), sinv));
      if (p.full && m > k) {
        const u2 = block(u, null, [k, m]);
        du = concat([du, neg(matmul(u1, matmulT(du, u2, true, false)))], -1);
      }
      let dvh = mT(dv);
      if (p.full && n > k) {
        const vh2 = block(vh, [k, n], null);
        // dV₂ = −V₁ dV₁ᵀ V₂  ⇒  dVh₂ = −Vh₂ dVh₁ᵀ Vh₁
        dvh = concat([dvh, neg(matmul(matmulT(vh2, dvh, false, true), vh1))], -2);
      }
      return [du, ds, dvh];
    },
  },

  pinv: {
    // X = A⁺ at constant rank (Golub & Pereyra 1973):
    //   dX = −X dA X + X Xᵀ dAᵀ (I − A X) + (I − X A) dAᵀ Xᵀ X,
    //   Ā = −Xᵀ X̄ Xᵀ + (I − A X) X̄ᵀ X Xᵀ + Xᵀ X X̄ᵀ (I − X A).
    // hermitian: the symmetric part (the forward reads one triangle).
    name: "linalg.pinv",
    batch: batchBroadcast(() => svdRules.pinv),
    forward: ([a], p) => {
      const m = rows(a), n = cols(a), k = Math.min(m, n);
      const nb = sizeOf(batchShape(a));
      const out = new Float64Array(nb * n * m);
      for (let b = 0; b < nb; b++) {
        const o = b * n * m;
        if (p.hermitian ? !isFiniteLower(a._data, b * n * n, n) : !isFiniteRange(a._data, b * m * n, m * n)) {
          out.fill(NaN, o, o + n * m); // non-finite policy (common.ts)
          continue;
        }
        if (p.hermitian) {
          const r = eighKernel(mat(a._data, b, n), n, true);
          if (r.info >= 0) throw new ConvergenceError("linalg.pinv", "the eigenvalue iteration did not converge; is the input finite?", NaN, 0);
          let mx = 0;
          for (let i = 0; i < n; i++) mx = Math.max(mx, Math.abs(r.w[i]));
          const tol = Math.max(p.atol, p.rtol * mx);
          for (let l = 0; l < n; l++) {
            if (!(Math.abs(r.w[l]) > tol)) continue;
            const inv = 1 / r.w[l];
            for (let i = 0; i < n; i++) {
              const vi = r.v[i * n + l] * inv;
              for (let j = 0; j < n; j++) out[o + i * n + j] += vi * r.v[j * n + l];
            }
          }
        } else {
          const r = svdKernel(mat(a._data, b, m, n), m, n, "thin");
          if (r.info >= 0) throw new ConvergenceError("linalg.pinv", "the bidiagonal SVD did not converge; is the input finite?", NaN, 0);
          const tol = Math.max(p.atol, p.rtol * (k > 0 ? r.s[0] : 0));
          // X = V diag(1/σ) Uᵀ: X[i, j] = Σ_l V[i, l] U[j, l] / σ_l
          for (let l = 0; l < k; l++) {
            if (!(r.s[l] > tol)) continue;
            const inv = 1 / r.s[l];
            for (let i = 0; i < n; i++) {
              const vi = r.v[i * k + l] * inv;
              if (vi === 0) continue;
              for (let j = 0; j < m; j++) out[o + i * m + j] += vi * r.u[j * k + l];
            }
          }
        }
      }
      return new Tensor(out, [...batchShape(a), n, m]);
    },
    vjp: (ct: Tensor, [a], x: Tensor, p) => {
      const t1 = neg(matmulT(matmulT(x, ct, true, false), x, false, true));
      const w = matmulT(matmulT(ct, x, true, false), x, false, true); // X̄ᵀ X Xᵀ
      const t2 = sub(w, matmul(a, matmul(x, w)));
      const v2 = matmulT(matmulT(x, x, true, false), ct, false, true); // Xᵀ X X̄ᵀ
      const t3 = sub(v2, matmul(matmul(v2, x), a));
      const g = add(add(t1, t2), t3);
      return [p.hermitian ? sym(g) : g];
    },
    jvp: ([da], [a], x: Tensor, p) => {
      if (da === null) return null;
      const d = p.hermitian ? sym(da) : da;
      const t1 = neg(matmul(matmul(x, d), x));
      const w = matmulT(matmulT(x, x, false, true), d, false, true); // X Xᵀ dAᵀ
      const t2 = sub(w, matmul(matmul(w, a), x));
      const v = matmulT(d, matmulT(x, x, true, false), true, false); // dAᵀ Xᵀ X
      const t3 = sub(v, matmul(x, matmul(a, v)));
      return add(add(t1, t2), t3);
    },
  },
};
