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
 * This is exact for losses that stay invariant under rotations inside the
 * eigenspace for all nearby spectra: functions of the eigenvalues, spectral
 * projectors onto whole eigenspaces, U g(Λ) Uᵀ with g constant on the cluster.
 * It is NOT the limit for U f(Λ) Uᵀ with f′ ≠ 0 on an exactly repeated
 * eigenvalue (that limit needs f′, which eigh does not see): use matrixFunction,
 * whose Daleckii–Krein rule is exact there.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { fmtShape, shapesEqual, sizeOf } from "../../../tensor/shape.js";
import { ConvergenceError, NonDifferentiableError, ShapeError } from "../../../errors.js";
import { eigh as eighKernel } from "../../../kernels/eigh.js";
import { backend } from "../../../kernels/backend.js";
import { add, broadcastTo, diagEmbed, diagonal, div, matmul, mT, mul, sub, unsqueeze, where , matmulT } from "../../api.js";
import { FactorCache, batchShape, mat, plus, sym } from "./common.js";
import { eighPrim, type ScalarFn } from "./prims.js";

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

/** Relative tolerance below which two eigenvalues (or singular values) count as degenerate. */
export const DEFAULT_DEGENERACY_TOL = 1e-12;

export interface SpectralParams {
  /** Outputs [eigenvalues (ascending), eigenvectors (columns)]; reads the lower triangle. */
  eigh: { cache: EighCache; tol: number };
  /** f(A) = U f(Λ) Uᵀ for symmetric A (reads the lower triangle). */
  symMatrixFunction: { f: ScalarFn; df: ScalarFn; cache: EighCache; name: string };
}

/** Eigendecomposition of every matrix of A's batch (reading the lower triangles), cached per data array. */
export function eighFactors(a: Tensor, cache: EighCache, op: string): EighFactors {
  return cache.get([a.data], () => {
    const n = a.shape[a.ndim - 1];
    const nb = sizeOf(batchShape(a));
    const w = new Float64Array(nb * n), v = new Float64Array(nb * n * n);
    for (let b = 0; b < nb; b++) {
      const r = eighKernel(mat(a.data, b, n), n, true);
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
    let scale = 0;
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(w[b * n + i]));
    const thr = tol * scale;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const wi = w[b * n + i], wj = w[b * n + j];
        if (Math.abs(wi - wj) > thr) mask[b * n * n + i * n + j] = 1;
        else if (i < j) ties.push([b, i, j]);
      }
  }
  return { mask, ties };
}

/**
 * F_ij = 1/(wⱼ − wᵢ) on the non-degenerate off-diagonal pairs, 0 elsewhere
 * (differentiable in w; `squared` gives 1/(wⱼ² − wᵢ²)).
 */
export function gapReciprocal(w: Tensor, mask: Tensor, squared = false): Tensor {
  const x = squared ? mul(w, w) : w;
  const d = sub(unsqueeze(x, -2), unsqueeze(x, -1));
  return where(mask, div(1, where(mask, d, 1)), 0);
}

function checkTies(op: string, ties: [number, number, number][], j: Tensor, w: Float64Array, n: number, what: string): void {
  if (ties.length === 0) return;
  const nb = sizeOf(batchShape(j));
  const scale = new Float64Array(nb);
  for (let b = 0; b < nb; b++) for (let k = 0; k < n * n; k++) scale[b] = Math.max(scale[b], Math.abs(j.data[b * n * n + k]));
  for (const [b, i, k] of ties) {
    const o = b * n * n;
    const skew = Math.abs(j.data[o + i * n + k] - j.data[o + k * n + i]);
    if (skew > 1e-8 * scale[b])
      throw new NonDifferentiableError(
        op,
        `${what} ${i} and ${k}${nb > 1 ? ` (batch element ${b})` : ""} are degenerate (${w[b * n + i]} vs ${w[b * n + k]}) and the loss depends on the choice of basis inside that eigenspace, so it has no gradient there. Differentiate a gauge-invariant quantity instead: functions of the eigenvalues, a spectral projector onto the whole eigenspace, or U f(Λ) Uᵀ through linalg.matrixFunction`,
      );
  }
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
  const n = w.shape[w.ndim - 1];
  const nb = sizeOf(w.shape.slice(0, -1));
  const close = new Float64Array(nb * n * n);
  for (let b = 0; b < nb; b++) {
    let scale = 0;
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(w.data[b * n + i]));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const wi = w.data[b * n + i], wj = w.data[b * n + j];
        if (i === j || Math.abs(wi - wj) <= 1e-6 * Math.max(Math.abs(wi), Math.abs(wj), scale)) close[b * n * n + i * n + j] = 1;
      }
  }
  const closeT = new Tensor(close, [...w.shape.slice(0, -1), n, n]);
  const fw = applyScalar(f, w, name, "f");
  const wi = unsqueeze(w, -1), wj = unsqueeze(w, -2);
  const dd = div(sub(unsqueeze(fw, -1), unsqueeze(fw, -2)), where(closeT, 1, sub(wi, wj)));
  // evaluate f′ only where it is used (at the midpoints of close pairs; at λᵢ elsewhere, inside the domain)
  const mid = where(closeT, mul(add(wi, wj), 0.5), broadcastTo(wi, closeT.shape));
  return where(closeT, applyScalar(df, mid, name, "f′"), dd);
}

function applyScalar(f: ScalarFn, x: Tensor, name: string, which: string): Tensor {
  const y = f(x);
  if (!(y instanceof Tensor) || !shapesEqual(y.shape, x.shape))
    throw new ShapeError(name, `${which} must map a tensor elementwise (same shape); for an input of shape ${fmtShape(x.shape)} it returned ${y instanceof Tensor ? `shape ${fmtShape(y.shape)}` : String(y)}`);
  return y;
}

export const spectralRules: { [P in keyof SpectralParams]: Rule<SpectralParams[P]> } = {
  eigh: {
    // A = U Λ Uᵀ, P = Uᵀ sym(dA) U, F_ij = 1/(λⱼ − λᵢ) (i ≠ j, non-degenerate), 0 otherwise:
    //   dΛ = diag(P),  dU = U (F ∘ P);
    //   Ā = U (diag(Λ̄) + F ∘ (J − Jᵀ)/2) Uᵀ, J = Uᵀ Ū  (symmetric by construction).
    // (Giles 2008 §3.1; degenerate pairs as in the header of this file.)
    name: "linalg.eigh",
    nOut: 2,
    forward: ([a], p) => {
      const f = eighFactors(a, p.cache, "linalg.eigh");
      const n = a.shape[a.ndim - 1];
      return [new Tensor(f.w, [...batchShape(a), n]), new Tensor(f.v, a.shape)];
    },
    vjp: ([gw, gv]: (Tensor | null)[], _a, [w, v]: Tensor[], p) => {
      let inner: Tensor | null = gw === null ? null : diagEmbed(gw);
      if (gv !== null) {
        const n = w.shape[w.ndim - 1];
        const nb = sizeOf(batchShape(v));
        const j = matmulT(v, gv, true, false);
        const { mask, ties } = separationMask(w.data, n, nb, p.tol);
        checkTies("linalg.eigh", ties, j, w.data, n, "eigenvalues");
        const fm = gapReciprocal(w, new Tensor(mask, v.shape));
        inner = plus(inner, mul(fm, mul(sub(j, mT(j)), 0.5)));
      }
      if (inner === null) return [null];
      return [sym(matmulT(matmul(v, inner), v, false, true))];
    },
    jvp: ([da], _a, [w, v]: Tensor[], p) => {
      if (da === null) return [null, null];
      const n = w.shape[w.ndim - 1];
      const nb = sizeOf(batchShape(v));
      const pm = matmul(matmulT(v, sym(da), true, false), v);
      const { mask } = separationMask(w.data, n, nb, p.tol);
      const fm = gapReciprocal(w, new Tensor(mask, v.shape));
      return [diagonal(pm), matmul(v, mul(fm, pm))];
    },
  },

  symMatrixFunction: {
    // Daleckii–Krein: for symmetric A = U Λ Uᵀ, L_f(A, E) = U (f^[1](Λ) ∘ (Uᵀ E U)) Uᵀ with the
    // divided differences f^[1]_ij = (f(λᵢ) − f(λⱼ))/(λᵢ − λⱼ), f′(λᵢ) on ties — finite and exact
    // at degenerate spectra.  dF = L_f(A, sym(dA)),  Ā = L_f(A, sym(F̄)) (self-adjoint).
    name: "linalg.matrixFunction",
    forward: ([a], p) => {
      const n = a.shape[a.ndim - 1];
      const nb = sizeOf(batchShape(a));
      const ef = eighFactors(a, p.cache, p.name);
      const fw = applyScalar(p.f, new Tensor(ef.w, [...batchShape(a), n]), p.name, "f");
      return new Tensor(reconstruct(ef.v, fw.data, n, nb), a.shape);
    },
    vjp: (ct: Tensor, [a], _out, p) => [dkApply(a, sym(ct), p)],
    jvp: ([da], [a], _out, p) => (da === null ? null : dkApply(a, sym(da), p)),
  },
};

function dkApply(a: Tensor, e: Tensor, p: SpectralParams["symMatrixFunction"]): Tensor {
  const [w, v] = eighPrim(a, p.cache, DEFAULT_DEGENERACY_TOL);
  const f1 = dividedDifferences(w, p.f, p.df, p.name);
  return matmulT(matmul(v, mul(f1, matmul(matmulT(v, e, true, false), v))), v, false, true);
}
