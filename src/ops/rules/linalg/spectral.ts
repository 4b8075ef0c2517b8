/**
 * Symmetric spectral family: eigh and matrix functions of symmetric matrices
 * by the Daleckii–Krein theorem. (The SVD family is in svd.ts.)
 *
 * Degenerate spectra. The eigenvector derivative has the factor
 * F_ij = 1/(λⱼ − λᵢ), unbounded when two eigenvalues meet. A pair is treated as
 * degenerate when |λᵢ − λⱼ| ≤ tol·max|λ| (tol defaults to DEFAULT_DEGENERACY_TOL).
 * On such a pair:
 *  - reverse mode: the loss is gauge invariant inside that eigenspace iff
 *    J = Uᵀ Ū is symmetric on the pair; then the pair's rotation term
 *    F_ij (J_ij − J_ji)/2 is taken as 0. If J is not symmetric there the loss
 *    depends on an arbitrary basis choice and NonDifferentiableError is raised.
 *  - forward mode: the rotation of U inside the eigenspace is fixed to 0 (the gauge).
 *  - the eigenvalues of a cluster share their cotangent evenly (tieAverage): a single
 *    repeated eigenvalue has no derivative, symmetric functions of the cluster do.
 * This is exact for losses that stay invariant under rotations inside the
 * eigenspace for all nearby spectra: functions of the eigenvalues, spectral
 * projectors onto whole eigenspaces, U g(Λ) Uᵀ with g constant on the cluster.
 * It is NOT the limit for U f(Λ) Uᵀ with f′ ≠ 0 on an exactly repeated
 * eigenvalue (that limit needs f′, which eigh does not see): use matrixFunction,
 * whose Daleckii–Krein rule is exact there.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { apply } from "../../dispatch.js";
import { fmtShape, shapesEqual, sizeOf } from "../../../tensor/shape.js";
import { ConvergenceError, NonDifferentiableError, ShapeError } from "../../../errors.js";
import { eigh as eighKernel, symCongruence } from "../../../kernels/eigh.js";
import { backend } from "../../../kernels/backend.js";
import { add, broadcastTo, diagEmbed, diagonal, div, eq, matmul, matmulT, mT, mul, neg, squeeze, sub, sum, unsqueeze, where } from "../../api.js";
import { batchBroadcast, batchLeading, liftValues } from "../../batching.js";
import { FactorCache, batchShape, broadcastBatch, forEachBatch, inspectValues, isFiniteLower, mat, plus, sym } from "./common.js";
import { eighPrim, symFrechetPrim, type ScalarFn, type ScalarFns } from "./prims.js";

export interface EighFactors {
  /** Eigenvalues, ascending, [nb·n]. */
  w: Float64Array;
  /** Eigenvectors (columns), [nb·n·n]. */
  v: Float64Array;
}
export type EighCache = FactorCache<EighFactors>;

export interface SvdFactors {
  /** U [nb·m·ku], S [nb·k], Vᵀ [nb·kv·n] (ku = kv = k thin, m and n full). */
  u: Float64Array;
  s: Float64Array;
  vt: Float64Array;
}
export type SvdCache = FactorCache<SvdFactors>;

/** Relative gap under which divided differences are taken from derivatives (f′, f″) at the midpoint. */
const CLOSE = 1e-6;

/** Relative tolerance below which two eigenvalues (or singular values) count as degenerate. */
export const DEFAULT_DEGENERACY_TOL = 1e-12;

export interface SpectralParams {
  /** Outputs [eigenvalues (ascending), eigenvectors (columns)]; reads the lower triangle. */
  eigh: { cache: EighCache; tol: number };
  /** f(A) = U f(Λ) Uᵀ for symmetric A (reads the lower triangle). */
  symMatrixFunction: { fns: ScalarFns; cache: EighCache; name: string };
  /** Its Fréchet derivative L_f(A, E) = U (f^[1] ∘ (Uᵀ E U)) Uᵀ (Daleckii–Krein). */
  symFrechet: { fns: ScalarFns; cache: EighCache; name: string };
  /**
   * The fused inner step of the eigh / svd rules: inputs [mask, w, X] or [mask, w, X, d],
   * out = S(X) ∘ R (+ diag(d)), R_ij = mask_ij / (w_j ∓ w_i) (− unless `plus`),
   * S(X) = (X − Xᵀ)/2 when `skew`, else X. `mask` (a constant 0/1 tensor [..., n, n], not
   * differentiated; batched under vmap like w) drops the diagonal and the degenerate pairs.
   */
  gapScale: { plus: boolean; skew: boolean };
  /** V sym(X) Vᵀ for square V and X (batches broadcast), exactly symmetric: the outer products of the eigh rules. */
  symCongruence: null;
}

/** Eigendecomposition of every matrix of A's batch (reading the lower triangles), cached per data array. */
export function eighFactors(a: Tensor, cache: EighCache, op: string): EighFactors {
  return cache.get([a._data], () => {
    const n = a.shape[a.ndim - 1];
    const nb = sizeOf(batchShape(a));
    const w = new Float64Array(nb * n), v = new Float64Array(nb * n * n);
    for (let b = 0; b < nb; b++) {
      if (!isFiniteLower(a._data, b * n * n, n)) {
        // non-finite policy (common.ts): the triangle read has a NaN/±Inf → NaN values and vectors
        w.fill(NaN, b * n, (b + 1) * n);
        v.fill(NaN, b * n * n, (b + 1) * n * n);
        continue;
      }
      const r = eighKernel(mat(a._data, b, n), n, true);
      if (r.info >= 0)
        throw new ConvergenceError(op, `the eigenvalue iteration did not converge${nb > 1 ? ` (batch element ${b})` : ""} (failing index ${r.info}); is the input finite?`, NaN, 0);
      w.set(r.w, b * n);
      v.set(r.v, b * n * n);
    }
    return { w, v };
  });
}

/**
 * The constant mask of non-degenerate off-diagonal pairs (1) for the values
 * `w` [nb·n]: a pair is degenerate when |wᵢ − wⱼ| ≤ tol·max|w| of its matrix.
 */
export function separationMask(w: Float64Array, n: number, nb: number, tol: number): { mask: Float64Array; ties: [number, number, number][] } {
  const mask = new Float64Array(nb * n * n);
  const ties: [number, number, number][] = [];
  for (let b = 0; b < nb; b++) {
    const wo = b * n;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(w[wo + i]);
      if (a > scale) scale = a;
    }
    const thr = tol * scale;
    for (let i = 0; i < n; i++) {
      const wi = w[wo + i];
      const row = (wo + i) * n;
      for (let j = 0; j < n; j++) {
        const d = wi - w[wo + j];
        if (d > thr || -d > thr) mask[row + j] = 1;
        else if (i < j) ties.push([b, i, j]);
      }
      mask[row + i] = 0;
    }
  }
  return { mask, ties };
}

/**
 * Raise NonDifferentiableError when J = Uᵀ Ū is not symmetric on a degenerate pair of w (the loss depends on
 * the basis chosen inside that eigenspace). On the values behind j and w (under vmap: every example).
 */
function checkTies(op: string, j: Tensor, w: Tensor, tol: number, what: string): void {
  inspectValues([j, w], ([pj, pw]) => {
    const n = pw.shape[pw.ndim - 1];
    const { ties } = separationMask(pw._data, n, sizeOf(pw.shape.slice(0, -1)), tol);
    checkTiesValues(op, ties, pj, pw._data, n, what);
  });
}

function checkTiesValues(op: string, ties: [number, number, number][], j: Tensor, w: Float64Array, n: number, what: string): void {
  if (ties.length === 0) return;
  const nb = sizeOf(batchShape(j));
  const scale = new Float64Array(nb);
  for (let b = 0; b < nb; b++) for (let k = 0; k < n * n; k++) scale[b] = Math.max(scale[b], Math.abs(j._data[b * n * n + k]));
  for (const [b, i, k] of ties) {
    const o = b * n * n;
    const skew = Math.abs(j._data[o + i * n + k] - j._data[o + k * n + i]);
    if (skew > 1e-8 * scale[b])
      throw new NonDifferentiableError(
        op,
        `${what} ${i} and ${k}${nb > 1 ? ` (batch element ${b})` : ""} are degenerate (${w[b * n + i]} vs ${w[b * n + k]}) and the loss depends on the choice of basis inside that eigenspace, so it has no gradient there. Differentiate a gauge-invariant quantity instead: functions of the eigenvalues, a spectral projector onto the whole eigenspace, or U f(Λ) Uᵀ through linalg.matrixFunction`,
      );
  }
}

/**
 * Derivatives of eigenvalues (or singular values) at ties. With A = U Λ Uᵀ and a
 * cluster λᵢ = … = λₖ (group G, size k), the perturbed values of the cluster are
 * the eigenvalues of U_Gᵀ dA U_G — a multiset: symmetric functions of them
 * (sum, product, the cluster's projector) are differentiable, a single λᵢ is
 * not (λ_max is convex with subdifferential conv{u uᵀ : u in the eigenspace}).
 * The convention (as max/min ties, docs/reliability.md): inside a cluster the
 * cotangents are replaced by their mean, i.e. the gradient of λ_G's mean is
 * shared evenly —
 *   VJP  Ā = Σ_G mean_G(λ̄) U_G U_Gᵀ + …,   JVP  dλᵢ = tr(U_Gᵀ dA U_G)/k  (i ∈ G),
 * basis independent, exact for symmetric functions (their cotangents already
 * agree on the cluster), the centre of the subdifferential for λ_max/λ_min, and
 * 0 for cond at an orthogonal matrix (a minimum). `ties` are the pairs found by
 * separationMask; clusters are their connected components. The map is a
 * constant linear operator (a block-averaging matrix), so it differentiates.
 */
export function tieAverage(g: Tensor, avg: Tensor | null): Tensor {
  return avg === null ? g : squeeze(matmul(unsqueeze(g, -2), avg), -2);
}

/**
 * What the derivative rules need to know about the gaps of w [..., n] (eigenvalues or singular values):
 * `mask` [..., n, n], 1 on the non-degenerate off-diagonal pairs (separationMask), and `avg`, the
 * tie-averaging matrices of tieAverage (null when no values tie). Both are constant tensors computed
 * from the values; under vmap they are batched like w (each example has its own ties).
 */
export function separation(w: Tensor, tol: number): { mask: Tensor; avg: Tensor | null } {
  const n = w.shape[w.ndim - 1];
  let tied = false;
  const mask = liftValues([w], ([pw]) => {
    const r = separationMask(pw._data, n, sizeOf(pw.shape.slice(0, -1)), tol);
    if (r.ties.length > 0) tied = true;
    return new Tensor(r.mask, [...pw.shape, n]);
  });
  if (!tied) return { mask, avg: null };
  const avg = liftValues([w], ([pw]) => {
    const nb = sizeOf(pw.shape.slice(0, -1));
    return tieAverageMatrix(separationMask(pw._data, n, nb, tol).ties, n, pw.shape.slice(0, -1));
  });
  return { mask, avg };
}

/** The block-averaging matrices [...batch, n, n] of tieAverage for the tied pairs `ties` of separationMask. */
function tieAverageMatrix(ties: [number, number, number][], n: number, batch: readonly number[]): Tensor {
  const nb = sizeOf(batch);
  const parent = new Int32Array(nb * n);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (const [b, i, k] of ties) {
    const ri = find(b * n + i), rk = find(b * n + k);
    if (ri !== rk) parent[Math.max(ri, rk)] = Math.min(ri, rk);
  }
  const size = new Float64Array(nb * n);
  for (let i = 0; i < parent.length; i++) size[find(i)]++;
  // M[b, i, j] = 1/k when i, j lie in the same cluster of size k (1 on the diagonal of untied values)
  const m = new Float64Array(nb * n * n);
  for (let b = 0; b < nb; b++)
    for (let i = 0; i < n; i++) {
      const ri = find(b * n + i);
      for (let j = 0; j < n; j++) if (find(b * n + j) === ri) m[(b * n + i) * n + j] = 1 / size[ri];
    }
  return new Tensor(m, [...batch, n, n]);
}

/** V diag(f) Vᵀ for column eigenvectors V, batched (kernel-level, no autodiff). */
function reconstruct(v: Float64Array, fw: Float64Array, n: number, nb: number): Float64Array {
  const out = new Float64Array(nb * n * n);
  const vs = new Float64Array(n * n);
  const gemm = backend().gemm;
  for (let b = 0; b < nb; b++) {
    const o = b * n * n;
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) vs[i * n + k] = v[o + i * n + k] * fw[b * n + k];
    gemm(false, true, n, n, n, 1, vs, 0, n, v, o, n, 0, out, o, n);
  }
  return out;
}

/**
 * The first divided differences f^[1](λᵢ, λⱼ) = (f(λᵢ) − f(λⱼ))/(λᵢ − λⱼ), and
 * f′((λᵢ + λⱼ)/2) where |λᵢ − λⱼ| ≤ 1e-6·max(|λᵢ|, |λⱼ|, max|λ|) (the divided
 * difference would cancel there; the midpoint derivative is then accurate to
 * O(gap²)). Differentiable in w (f and df must be written with matgrad ops).
 */
export function dividedDifferences(w: Tensor, f: ScalarFn, df: ScalarFn, name: string): Tensor {
  const closeT = liftValues([w], ([pw]) => closeMask(pw)); // a constant (batched like w under vmap)
  const fw = applyScalar(f, w, name, "f");
  const wi = unsqueeze(w, -1), wj = unsqueeze(w, -2);
  const dd = div(sub(unsqueeze(fw, -1), unsqueeze(fw, -2)), where(closeT, 1, sub(wi, wj)));
  // evaluate f′ only where it is used (at the midpoints of close pairs; at λᵢ elsewhere, inside the domain)
  const mid = where(closeT, mul(add(wi, wj), 0.5), broadcastTo(wi, closeT.shape));
  return where(closeT, applyScalar(df, mid, name, "f′"), dd);
}

/** 1 where λᵢ and λⱼ are close (see dividedDifferences) or i = j: a constant [..., n, n] from w [..., n]. */
function closeMask(w: Tensor): Tensor {
  const n = w.shape[w.ndim - 1];
  const nb = sizeOf(w.shape.slice(0, -1));
  const close = new Float64Array(nb * n * n);
  for (let b = 0; b < nb; b++) {
    let scale = 0;
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(w._data[b * n + i]));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const wi = w._data[b * n + i], wj = w._data[b * n + j];
        if (i === j || Math.abs(wi - wj) <= CLOSE * Math.max(Math.abs(wi), Math.abs(wj), scale)) close[b * n * n + i * n + j] = 1;
      }
  }
  return new Tensor(close, [...w.shape.slice(0, -1), n, n]);
}

function applyScalar(f: ScalarFn, x: Tensor, name: string, which: string): Tensor {
  const y = f(x);
  if (!(y instanceof Tensor) || !shapesEqual(y.shape, x.shape))
    throw new ShapeError(name, `${which} must map a tensor elementwise (same shape); for an input of shape ${fmtShape(x.shape)} it returned ${y instanceof Tensor ? `shape ${fmtShape(y.shape)}` : String(y)}`);
  return y;
}

/** R_ij = mask_ij / (w_j ∓ w_i) as a differentiable tensor. */
function gapTensor(m: Tensor, w: Tensor, p: SpectralParams["gapScale"]): Tensor {
  const wi = unsqueeze(w, -1), wj = unsqueeze(w, -2);
  const d = p.plus ? add(wj, wi) : sub(wj, wi);
  return where(m, div(1, where(m, d, 1)), 0);
}

function skewOr(x: Tensor, skew: boolean): Tensor {
  return skew ? mul(sub(x, mT(x)), 0.5) : x;
}

/** V sym(X) Vᵀ as a differentiable primitive (see SpectralParams). */
export function symCongruenceApply(v: Tensor, x: Tensor): Tensor {
  return apply(spectralRules.symCongruence, [v, x], null);
}

/** gapScale applied (see SpectralParams). */
export function gapScaleApply(w: Tensor, x: Tensor, d: Tensor | null, mask: Tensor, plus: boolean, skew: boolean): Tensor {
  return apply(spectralRules.gapScale, d === null ? [mask, w, x] : [mask, w, x, d], { plus, skew });
}

// Batching (vmap): the forwards loop over (and broadcast) leading axes, so the batch axis is one more leading
// axis — batchBroadcast, one kernel call for the batch; gapScale needs equal leading axes (batchLeading).
export const spectralRules: { [P in keyof SpectralParams]: Rule<SpectralParams[P]> } = {
  eigh: {
    // A = U Λ Uᵀ, P = Uᵀ sym(dA) U, F_ij = 1/(λⱼ − λᵢ) (i ≠ j, non-degenerate), 0 otherwise:
    //   dΛ = diag(P),  dU = U (F ∘ P);
    //   Ā = U (diag(Λ̄) + F ∘ (J − Jᵀ)/2) Uᵀ, J = Uᵀ Ū  (symmetric by construction).
    // (Giles 2008 §3.1; degenerate pairs as in the header of this file.)
    name: "linalg.eigh",
    batch: batchBroadcast(() => spectralRules.eigh),
    nOut: 2,
    forward: ([a], p) => {
      const f = eighFactors(a, p.cache, "linalg.eigh");
      const n = a.shape[a.ndim - 1];
      return [new Tensor(f.w, [...batchShape(a), n]), new Tensor(f.v, a.shape)];
    },
    vjp: ([gw, gv]: (Tensor | null)[], _a, [w, v]: Tensor[], p) => {
      const { mask, avg } = separation(w, p.tol);
      if (gw !== null) gw = tieAverage(gw, avg); // ties share the cotangent evenly (see tieAverage)
      let inner: Tensor | null;
      if (gv !== null) {
        const j = matmulT(v, gv, true, false);
        checkTies("linalg.eigh", j, w, p.tol, "eigenvalues");
        inner = gapScaleApply(w, j, gw, mask, false, true); // F ∘ (J − Jᵀ)/2 + diag(Λ̄), one pass
      } else inner = gw === null ? null : diagEmbed(gw);
      if (inner === null) return [null];
      return [symCongruenceApply(v, inner)]; // U inner Uᵀ (inner is symmetric), lower half computed once
    },
    jvp: ([da], _a, [w, v]: Tensor[], p) => {
      if (da === null) return [null, null];
      const pm = symCongruenceApply(mT(v), da); // Uᵀ sym(dA) U
      const { mask, avg } = separation(w, p.tol);
      return [tieAverage(diagonal(pm), avg), matmul(v, gapScaleApply(w, pm, null, mask, false, false))];
    },
  },

  symMatrixFunction: {
    // Daleckii–Krein: for symmetric A = U Λ Uᵀ, L_f(A, E) = U (f^[1](Λ) ∘ (Uᵀ E U)) Uᵀ with the
    // divided differences f^[1]_ij = (f(λᵢ) − f(λⱼ))/(λᵢ − λⱼ), f′(λᵢ) on ties — finite and exact
    // at degenerate spectra.  dF = L_f(A, sym(dA)),  Ā = L_f(A, sym(F̄)) (self-adjoint).
    name: "linalg.matrixFunction",
    batch: batchBroadcast(() => spectralRules.symMatrixFunction),
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const nb = sizeOf(batchShape(a));
      const ef = eighFactors(a, p.cache, p.name);
      const fw = applyScalar(p.fns.f, new Tensor(ef.w, [...batchShape(a), n]), p.name, "f");
      return new Tensor(reconstruct(ef.v, fw._data, n, nb), a.shape);
    },
    vjp: (ct: Tensor, [a], _out, p) => [symFrechetPrim(a, sym(ct), p.fns, p.cache, p.name)],
    jvp: ([da], [a], _out, p) => (da === null ? null : symFrechetPrim(a, sym(da), p.fns, p.cache, p.name)),
  },

  symFrechet: {
    // L = L_f(A, E) = U (f^[1] ∘ Ẽ) Uᵀ, Ẽ = Uᵀ E U: linear and self-adjoint in E. Its derivative in
    // A along a symmetric D (second-order Daleckii–Krein; Bhatia, Matrix Analysis, Thm V.3.5):
    //   dL = U [Σ_k f^[2](λᵢ, λ_k, λⱼ) (Ẽ_ik D̃_kj + D̃_ik Ẽ_kj)] Uᵀ,  D̃ = Uᵀ D U,
    // with the second divided differences f^[2] (f″/2 on triple ties) — exact at repeated
    // eigenvalues, so second derivatives of matrixFunction are exact there too. Its adjoint:
    //   D̄̃_ab = Σ_c f^[2](λ_a, λ_b, λ_c) (Ẽ_ca G̃_cb + G̃_ac Ẽ_bc),  Ā = sym(U D̄̃ Uᵀ),  G̃ = Uᵀ L̄ U.
    name: "linalg.matrixFunction (Fréchet derivative)",
    batch: batchBroadcast(() => spectralRules.symFrechet),
    forward: ([a, e], p) => {
      const ac = a._alias(), ec = e._alias();
      return symFrechetValue(ac, ec, p);
    },
    vjp: (ct: Tensor, [a, e], _out, p, needs) => {
      const ge = needs[1] ? symFrechetPrim(a, ct, p.fns, p.cache, p.name) : null;
      if (!needs[0]) return [null, ge];
      const [w, v] = eighPrim(a, p.cache, DEFAULT_DEGENERACY_TOL);
      const t = secondDividedDifferences(w, p.fns, p.name); // [..., a, b, c]
      const et = matmul(matmulT(v, e, true, false), v), gt = matmul(matmulT(v, ct, true, false), v);
      // Σ_c T_abc (Ẽ_ca G̃_cb + G̃_ac Ẽ_bc)
      const x1 = mul(unsqueeze(mT(et), -2), unsqueeze(mT(gt), -3)); // [a, b, c]: Ẽ_ca G̃_cb
      const x2 = mul(unsqueeze(gt, -2), unsqueeze(et, -3)); // [a, b, c]: G̃_ac Ẽ_bc
      const db = sum(mul(t, add(x1, x2)), -1);
      return [sym(matmulT(matmul(v, db), v, false, true)), ge];
    },
    jvp: ([da, de], [a, e], _out, p) => {
      const lin = de === null ? null : symFrechetPrim(a, de, p.fns, p.cache, p.name);
      if (da === null) return lin;
      const [w, v] = eighPrim(a, p.cache, DEFAULT_DEGENERACY_TOL);
      const t = secondDividedDifferences(w, p.fns, p.name); // [..., i, k, j]
      const et = matmul(matmulT(v, e, true, false), v), dt = matmul(matmulT(v, sym(da), true, false), v);
      // Σ_k T_ikj (Ẽ_ik D̃_kj + D̃_ik Ẽ_kj)
      const y = add(mul(unsqueeze(et, -1), unsqueeze(dt, -3)), mul(unsqueeze(dt, -1), unsqueeze(et, -3))); // [i, k, j]
      const inner = sum(mul(t, y), -2);
      return plus(lin, matmulT(matmul(v, inner), v, false, true));
    },
  },

  symCongruence: {
    // C = V Xs Vᵀ, Xs = sym(X):  X̄ = sym(Vᵀ C̄ V) = Vᵀ sym(C̄) V,  V̄ = (C̄ + C̄ᵀ) V Xs = 2 sym(C̄) V Xs;
    //   dC = V sym(dX) Vᵀ + dV Xs Vᵀ + V Xs dVᵀ = V sym(dX) Vᵀ + 2 sym(dV Xs Vᵀ).
    name: "linalg.symCongruence",
    batch: batchBroadcast(() => spectralRules.symCongruence),
    forward: ([v, x]) => {
      const n = v.shape[v.ndim - 1];
      const batch = broadcastBatch("linalg.symCongruence", v, x);
      const out = new Float64Array(sizeOf(batch) * n * n);
      forEachBatch(batch, [batchShape(v), batchShape(x)], (i, [iv, ix]) => {
        out.set(symCongruence(mat(v._data, iv, n), mat(x._data, ix, n), n), i * n * n);
      });
      return new Tensor(out, [...batch, n, n]);
    },
    vjp: (ct: Tensor, [v, x], _out, _p, needs) => [
      needs[0] ? mul(matmul(matmul(sym(ct), v), sym(x)), 2) : null,
      needs[1] ? symCongruenceApply(mT(v), ct) : null,
    ],
    jvp: ([dv, dx], [v, x]) =>
      plus(dx === null ? null : symCongruenceApply(v, dx), dv === null ? null : mul(sym(matmulT(matmul(dv, sym(x)), v, false, true)), 2)),
  },

  gapScale: {
    // out = S(X) ∘ R + diag(d), R_ij = 1/(w_j ∓ w_i) on the mask; dR = −R ∘ R ∘ (dw_j ∓ dw_i):
    //   X̄ = G ∘ R (skew part of it when S is the skew part), d̄ = diag(G),
    //   w̄_k = ±Σ_j H_kj − Σ_i H_ik with H = G ∘ S(X) ∘ R ∘ R.
    name: "linalg.gapScale",
    batch: batchLeading(() => spectralRules.gapScale),
    nondiff: [0],
    forward: (inputs, p) => {
      const [mask, w, x] = inputs;
      const d = inputs.length > 3 ? inputs[3] : null;
      const n = w.shape[w.ndim - 1];
      const nb = sizeOf(w.shape.slice(0, -1));
      const o = new Float64Array(nb * n * n);
      const wd = w._data, xd = x._data, m = mask._data;
      for (let b = 0; b < nb; b++) {
        const off = b * n * n, wo = b * n;
        for (let i = 0; i < n; i++) {
          const wi = wd[wo + i], ri = off + i * n;
          for (let j = 0; j < n; j++) {
            if (m[ri + j] === 0) continue;
            const sx = p.skew ? 0.5 * (xd[ri + j] - xd[off + j * n + i]) : xd[ri + j];
            o[ri + j] = sx / (p.plus ? wd[wo + j] + wi : wd[wo + j] - wi);
          }
          if (d !== null) o[ri + i] += d._data[wo + i];
        }
      }
      return new Tensor(o, x.shape);
    },
    vjp: (ct: Tensor, inputs, _out, p, needs) => {
      const [mask, w, x] = inputs;
      const r = gapTensor(mask, w, p);
      const gr = mul(ct, r);
      const gx = needs[2] ? skewOr(gr, p.skew) : null;
      let gw: Tensor | null = null;
      if (needs[1]) {
        const h = mul(mul(ct, skewOr(x, p.skew)), mul(r, r));
        gw = p.plus ? neg(add(sum(h, -1), sum(h, -2))) : sub(sum(h, -1), sum(h, -2));
      }
      return inputs.length > 3 ? [null, gw, gx, needs[3] ? diagonal(ct) : null] : [null, gw, gx];
    },
    jvp: (dxs, inputs, _out, p) => {
      const [, dw, dx] = dxs;
      const dd = dxs.length > 3 ? dxs[3] : null;
      const [mask, w, x] = inputs;
      const r = gapTensor(mask, w, p);
      let t: Tensor | null = dx === null ? null : mul(skewOr(dx, p.skew), r);
      if (dw !== null) {
        const dwi = unsqueeze(dw, -1), dwj = unsqueeze(dw, -2);
        const dr = neg(mul(mul(r, r), p.plus ? add(dwj, dwi) : sub(dwj, dwi)));
        t = plus(t, mul(skewOr(x, p.skew), dr));
      }
      if (dd !== null) t = plus(t, diagEmbed(dd));
      return t;
    },
  },
};

/** U (f^[1] ∘ (Uᵀ E U)) Uᵀ from the cached eigenpairs (values only; used by the forward). */
function symFrechetValue(a: Tensor, e: Tensor, p: SpectralParams["symFrechet"]): Tensor {
  const ef = eighFactors(a, p.cache, p.name);
  const n = a.shape[a.ndim - 1];
  const w = new Tensor(ef.w, [...batchShape(a), n]), v = new Tensor(ef.v, a.shape);
  const f1 = dividedDifferences(w, p.fns.f, p.fns.df, p.name);
  return matmulT(matmul(v, mul(f1, matmul(matmulT(v, e, true, false), v))), v, false, true);
}

/**
 * The second divided differences T_ikj = f^[2](λᵢ, λ_k, λⱼ) [..., n, n, n], symmetric in its
 * three arguments: (f^[1](p, r) − f^[1](r, q))/(p − q) with (p, q) the most separated pair,
 * and f″(mean)/2 when all three are within the closeness threshold of dividedDifferences.
 * Differentiable in w.
 */
export function secondDividedDifferences(w: Tensor, fns: ScalarFns, name: string): Tensor {
  const n = w.shape[w.ndim - 1];
  const shape3 = [...w.shape.slice(0, -1), n, n, n];
  const f1 = dividedDifferences(w, fns.f, fns.df, name); // [..., n, n]
  // which formula each entry takes (a constant computed from the values; batched like w under vmap)
  const cases = liftValues([w], ([pw]) => secondDifferenceCases(pw));
  const mIJ = eq(cases, 0), mIK = eq(cases, 1), mKJ = eq(cases, 2), mAll = eq(cases, 3);
  const li = unsqueeze(unsqueeze(w, -1), -1), lk = unsqueeze(unsqueeze(w, -1), -3), lj = unsqueeze(unsqueeze(w, -2), -2);
  const fIK = unsqueeze(f1, -1), fKJ = unsqueeze(f1, -3), fIJ = unsqueeze(f1, -2); // [i,k,1], [1,k,j], [i,1,j]
  const safe = (m: Tensor, d: Tensor): Tensor => where(m, d, 1);
  const tIJ = div(sub(fIK, fKJ), safe(mIJ, sub(li, lj)));
  const tIK = div(sub(fIJ, fKJ), safe(mIK, sub(li, lk))); // f1(λi, λj) − f1(λj, λk), f1 symmetric
  const tKJ = div(sub(fIK, fIJ), safe(mKJ, sub(lk, lj))); // f1(λk, λi) − f1(λi, λj)
  const mean = div(add(add(li, lk), lj), 3);
  const safeMean = where(mAll, mean, broadcastTo(li, shape3));
  const tAll = mul(applyScalar(fns.d2f, safeMean, name, "f″"), 0.5);
  return where(mIJ, tIJ, where(mIK, tIK, where(mKJ, tKJ, tAll)));
}

/**
 * The formula of each entry of secondDividedDifferences, from the values w [..., n]: 0 when (i, j) is the
 * most separated pair, 1 for (i, k), 2 for (k, j), 3 when all three are close (a constant [..., n, n, n]).
 */
function secondDifferenceCases(w: Tensor): Tensor {
  const n = w.shape[w.ndim - 1];
  const bs = w.shape.slice(0, -1);
  const nb = sizeOf(bs);
  const c = new Float64Array(nb * n * n * n);
  for (let b = 0; b < nb; b++) {
    let scale = 0;
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(w._data[b * n + i]));
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++)
        for (let j = 0; j < n; j++) {
          const li = w._data[b * n + i], lk = w._data[b * n + k], lj = w._data[b * n + j];
          const dij = Math.abs(li - lj), dik = Math.abs(li - lk), dkj = Math.abs(lk - lj);
          const o = ((b * n + i) * n + k) * n + j;
          const big = Math.max(dij, dik, dkj);
          if (big <= CLOSE * Math.max(Math.abs(li), Math.abs(lk), Math.abs(lj), scale)) c[o] = 3;
          else if (dij === big) c[o] = 0;
          else if (dik === big) c[o] = 1;
          else c[o] = 2;
        }
  }
  return new Tensor(c, [...bs, n, n, n]);
}

