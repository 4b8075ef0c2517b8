/**
 * Rules of the Schur-family primitives: the real Schur form, the Hessenberg
 * reduction, the structured solve their derivatives need, the polar
 * decomposition and general matrix functions by Schur–Parlett.
 *
 * schur, A = Z T Zᵀ (T upper quasi-triangular, standardized 2×2 blocks for
 * complex pairs). With Ω = Zᵀ dZ (antisymmetric) and C = Zᵀ dA Z,
 *   dT = C + T Ω − Ω T,   dZ = Z Ω,
 * and Ω is fixed by the structure of dT (the derivation of the Schur-vector
 * derivative follows the one for eigenvectors, e.g. Giles 2008 §3.1, with the
 * triangular instead of the diagonal form; kernels/schur-deriv.ts):
 *  - the block-lower part L of Ω (rows and columns in different diagonal
 *    blocks) makes dT vanish below the blocks: P_bl(T Ω − Ω T) = −P_bl(C), a
 *    triangular Sylvester-type equation solved block by block, singular iff two
 *    diagonal blocks share an eigenvalue — the derivative exists for distinct
 *    eigenvalues only;
 *  - inside a 2×2 block [[a, b], [c, a]] (complex pair) the one free rotation
 *    ω = Ω_{i+1,i} keeps the block standardized (equal diagonal):
 *    (dT)_ii = (dT)_{i+1,i+1} gives ω = (R_{i+1,i+1} − R_ii) / (2(b + c)),
 *    R = C + T Ω_L − Ω_L T. b + c = 0 is a normal block aI + bJ: any rotation
 *    keeps it standardized, Z is not determined — NonDifferentiableError.
 * The VJP is the transpose of that linear chain, with the adjoint structured
 * solve; every step is a differentiable op (second order works).
 *
 * hessenberg, A = Q H Qᵀ (Q e₁ = e₁, Householder gauge): the same with H upper
 * Hessenberg: Ω's first column is 0 and P_{i≥j+2}(H Ω − Ω H) = −P(C) is solved
 * by a recurrence dividing by the subdiagonal of H — the derivative exists
 * when H is unreduced (all H_{c,c−1} ≠ 0), the case where the implicit-Q
 * theorem makes the reduction unique; no condition on the eigenvalues.
 *
 * polar (right, m ≥ n), A = U P, P = (AᵀA)^{1/2}, U = A P⁻¹ (SVD-free
 * derivative; finite also at repeated singular values):
 *   P dP + dP P = dAᵀ U P + P Uᵀ dA  (Lyapunov),   dU = (dA − U dP) P⁻¹;
 *   VJP: W solves P W + W P = P̄ − Uᵀ Ū P⁻¹;  Ā = Ū P⁻¹ + U P (W + Wᵀ).
 *
 * funm, F = f(A): L_f(A, E) = [f([[A, E], [0, A]])]₁₂ (Mathias 1996), so
 * dF = L_f(A, dA) and Ā = L_f(Aᵀ, F̄) (f with real Taylor coefficients:
 * f(Aᵀ) = f(A)ᵀ), both through the funm primitive itself.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { sizeOf } from "../../../tensor/shape.js";
import { ones, zerosLike } from "../../../tensor/create.js";
import { ConvergenceError, DomainError, NonDifferentiableError } from "../../../errors.js";
import { realSchur, hessenberg as hessenbergKernel } from "../../../kernels/schur.js";
import { hessenbergStructuredSolve, normalizeSchurGauge, schurStructuredSolve } from "../../../kernels/schur-deriv.js";
import { funmSchurParlett, type TaylorCoef } from "../../../kernels/funm.js";
import { svd as svdKernel } from "../../../kernels/svd.js";
import { normMax } from "../../../kernels/matfun-util.js";
import { add, broadcastTo, concat, diagEmbed, div, matmul, matmulT, mT, mul, ne, neg, sub, sum, tril, triu, unsqueeze, diagonal } from "../../api.js";
import { apply, applyMulti } from "../../dispatch.js";
import { batchBroadcast } from "../../batching.js";
import { batchShape, block, broadcastBatch, forEachBatch, isFiniteRange, mat, minus, plus } from "./common.js";
import { invPrim, lyapunovPrim, newCache } from "./prims.js";
import type { SchurCache } from "./matfun.js";
import type { LuEntry } from "./lu.js";

/** A scalar function for funm: its Taylor coefficients at complex points, and its branch cut (if any). */
export interface FunmSpec {
  /** The name shown in messages ("exp", "log", "custom"…). */
  readonly name: string;
  readonly coef: TaylorCoef;
  /** A reason why f is not defined (as a real function of a real matrix) at the eigenvalue re + i·im, or null. */
  readonly domain?: (re: number, im: number) => string | null;
}

export interface SchurParams {
  schur: { op: string };
  hessenberg: { op: string };
  /**
   * The structured solve N(X) = G (or Nᵀ(Y) = G) of kernels/schur-deriv.ts,
   * for M = T (kind "schur") or M = H (kind "hessenberg"); inputs [M, G].
   */
  structuredSolve: { kind: "schur" | "hessenberg"; transposed: boolean; op: string };
  /** Right polar decomposition of a tall or square A: [U, P]. */
  polar: { cache: SchurCache };
  funm: { spec: FunmSpec };
}

/** Relative size under which two eigenvalues (or a subdiagonal entry) count as equal (zero) in the derivatives. */
const DERIV_TOL = 1e-13;

function where(nb: number, b: number): string {
  return nb > 1 ? ` (batch element ${b})` : "";
}

function allFinite(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/** [[a, e], [0, a]] over the last two axes (a, e broadcast to a common batch). */
function blockUpper(op: string, a: Tensor, e: Tensor): Tensor {
  const n = a.shape[a.ndim - 1];
  const shape = [...broadcastBatch(op, a, e), n, n];
  const ab = broadcastTo(a, shape), eb = broadcastTo(e, shape);
  const z = zerosLike(ab);
  return concat([concat([ab, eb], -1), concat([z, ab], -1)], -2);
}

// --- differentiable wrappers

export function schurPrim(a: Tensor, op = "linalg.schur"): [Tensor, Tensor] {
  const [t, z] = applyMulti(schurRules.schur, [a], { op });
  return [t, z];
}
export function hessenbergPrim(a: Tensor, op = "linalg.hessenberg"): [Tensor, Tensor] {
  const [h, q] = applyMulti(schurRules.hessenberg, [a], { op });
  return [h, q];
}
function structPrim(m: Tensor, g: Tensor, kind: "schur" | "hessenberg", transposed: boolean, op: string): Tensor {
  return apply(schurRules.structuredSolve, [m, g], { kind, transposed, op });
}
export function polarPrim(a: Tensor): [Tensor, Tensor] {
  const [u, p] = applyMulti(schurRules.polar, [a], { cache: newCache() });
  return [u, p];
}
export function funmPrim(a: Tensor, spec: FunmSpec): Tensor {
  return apply(schurRules.funm, [a], { spec });
}

// --- the Schur derivative pieces (masks computed with ops from T's exact zeros, so they work on batched tensors)

interface SchurMasks {
  /** 1 at (i+1, i) inside a 2×2 block. */
  sub: Tensor;
  /** 1 at the block-lower positions. */
  low: Tensor;
  /** 1 on and above the blocks (the quasi-triangular pattern). */
  up: Tensor;
  /** 1 / (2(b + c)) at the positions of `sub` (1/2 elsewhere, unused). */
  h: Tensor;
}

function schurMasks(t: Tensor, n: number): SchurMasks {
  const strict = tril(ones([n, n]), -1);
  const s = ne(tril(t, -1), 0);
  const low = sub(strict, s);
  const up = sub(1, low);
  const bc = mul(add(t, mT(t)), s);
  const h = div(0.5, add(bc, sub(1, s)));
  return { sub: s, low, up, h };
}

/** Ω (n×n antisymmetric) from C = Zᵀ dA Z, and dT. */
function schurOmega(t: Tensor, c: Tensor, m: SchurMasks, op: string): { om: Tensor; dT: Tensor } {
  const l = structPrim(t, neg(c), "schur", false, op);
  const omL = sub(l, mT(l));
  const r = add(c, sub(matmul(t, omL), matmul(omL, t)));
  const d = diagonal(r);
  const w = mul(mul(sub(unsqueeze(d, -1), unsqueeze(d, -2)), m.sub), m.h);
  const om = add(omL, sub(w, mT(w)));
  const dT = mul(m.up, add(c, sub(matmul(t, om), matmul(om, t))));
  return { om, dT };
}

function hessMask(n: number): Tensor {
  return triu(ones([n, n]), -1);
}

// --- forwards

function schurForward(a: Tensor, op: string, hess: boolean): Tensor[] {
  const n = a.shape[a.ndim - 1];
  const nb = sizeOf(batchShape(a));
  const t = new Float64Array(a.size), z = new Float64Array(a.size);
  for (let b = 0; b < nb; b++) {
    const o = b * n * n;
    if (!isFiniteRange(a._data, o, n * n)) {
      // non-finite policy (common.ts): NaN factors
      t.fill(NaN, o, o + n * n);
      z.fill(NaN, o, o + n * n);
      continue;
    }
    if (hess) {
      const r = hessenbergKernel(mat(a._data, b, n), n);
      t.set(r.h, o);
      z.set(r.q, o);
      continue;
    }
    const s = realSchur(mat(a._data, b, n), n);
    if (s.info !== 0 || !allFinite(s.t) || !allFinite(s.z))
      throw new ConvergenceError(op, `the real Schur decomposition ${s.info !== 0 ? "did not converge" : "produced non-finite values"}${where(nb, b)}; is the input finite?`, NaN, s.iterations);
    normalizeSchurGauge(s.t, s.z, n);
    t.set(s.t, o);
    z.set(s.z, o);
  }
  return [new Tensor(t, a.shape), new Tensor(z, a.shape)];
}

function structuredForward(m: Tensor, g: Tensor, p: SchurParams["structuredSolve"]): Tensor {
  const n = m.shape[m.ndim - 1];
  const batch = broadcastBatch(p.op, m, g);
  const nb = sizeOf(batch);
  const out = new Float64Array(nb * n * n);
  forEachBatch(batch, [batchShape(m), batchShape(g)], (b, [im, ig]) => {
    const mm = mat(m._data, im, n), gg = mat(g._data, ig, n);
    if (!isFiniteRange(mm, 0, n * n)) {
      out.fill(NaN, b * n * n, (b + 1) * n * n);
      return;
    }
    const smin = Math.max(DERIV_TOL * normMax(mm), 1e-300);
    if (p.kind === "schur") {
      // a normal 2×2 block [[a, b], [−b, a]]: the rotation inside it is free (Z not determined)
      for (let i = 0; i + 1 < n; i++) {
        const bb = mm[i * n + i + 1], cc = mm[(i + 1) * n + i];
        if (cc !== 0 && Math.abs(bb + cc) <= DERIV_TOL * Math.abs(bb - cc))
          throw new NonDifferentiableError(
            p.op,
            `the 2×2 block at rows ${i}, ${i + 1} of T${where(nb, b)} is normal ([[a, b], [−b, a]] for the complex pair ${mm[i * n + i]} ± ${Math.abs(bb)}i): every rotation of that block keeps the Schur form standardized, so Z is not differentiable there (T is; use a function of A that does not depend on Z, or perturb A)`,
          );
      }
      const r = schurStructuredSolve(mm, n, gg, p.transposed, smin);
      if (r.info !== 0)
        throw new NonDifferentiableError(
          p.op,
          `A${where(nb, b)} has (nearly) repeated eigenvalues (two diagonal blocks of T ${r.minPivot.toExponential(2)} apart, relative tolerance ${DERIV_TOL}): the Schur vectors are not differentiable at repeated eigenvalues`,
        );
      out.set(r.x, b * n * n);
    } else {
      const r = hessenbergStructuredSolve(mm, n, gg, p.transposed, smin);
      if (r.info !== 0)
        throw new NonDifferentiableError(
          p.op,
          `H${where(nb, b)} has a zero subdiagonal entry (|H[c, c−1]| = ${r.minPivot.toExponential(2)}): the Hessenberg reduction of a reduced matrix is not unique (implicit-Q theorem), so it is not differentiable there`,
        );
      out.set(r.x, b * n * n);
    }
  });
  return new Tensor(out, [...batch, n, n]);
}

/** Right polar factors of the m×n (m ≥ n) matrices by the thin SVD A = W S Vᵀ: U = W Vᵀ, P = V S Vᵀ. */
function polarForward(a: Tensor): Tensor[] {
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  const nb = sizeOf(batchShape(a));
  const u = new Float64Array(nb * m * n), p = new Float64Array(nb * n * n);
  for (let b = 0; b < nb; b++) {
    if (!isFiniteRange(a._data, b * m * n, m * n)) {
      u.fill(NaN, b * m * n, (b + 1) * m * n);
      p.fill(NaN, b * n * n, (b + 1) * n * n);
      continue;
    }
    const r = svdKernel(mat(a._data, b, m, n), m, n, "thin");
    const w = r.u, s = r.s, v = r.v;
    const k = s.length;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let l = 0; l < k; l++) acc += w[i * k + l] * v[j * k + l];
        u[b * m * n + i * n + j] = acc;
      }
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) {
        let acc = 0;
        for (let l = 0; l < k; l++) acc += v[i * k + l] * s[l] * v[j * k + l];
        p[b * n * n + i * n + j] = acc;
        p[b * n * n + j * n + i] = acc;
      }
  }
  return [new Tensor(u, a.shape), new Tensor(p, [...batchShape(a), n, n])];
}

function funmForward(a: Tensor, spec: FunmSpec): Tensor {
  const op = "linalg.funm";
  const n = a.shape[a.ndim - 1];
  const nb = sizeOf(batchShape(a));
  const out = new Float64Array(a.size);
  for (let b = 0; b < nb; b++) {
    const o = b * n * n;
    if (!isFiniteRange(a._data, o, n * n)) {
      out.fill(NaN, o, o + n * n);
      continue;
    }
    const r = funmSchurParlett(mat(a._data, b, n), n, spec.coef);
    if (spec.domain !== undefined)
      for (let i = 0; i < n; i++) {
        const why = spec.domain(r.re[i], r.im[i]);
        if (why !== null) throw new DomainError(op, `f = ${spec.name}: the matrix${where(nb, b)} has the eigenvalue ${fmtEig(r.re[i], r.im[i])} ${why}`);
      }
    if (r.info === 1) throw new ConvergenceError(op, `the real Schur decomposition did not converge${where(nb, b)}; is the input finite?`, NaN, 0);
    if (r.info === 3 || (r.info === 0 && !allFinite(r.f)))
      throw new DomainError(op, `f = ${spec.name} is not finite on the spectrum of the matrix${where(nb, b)} (a pole or branch point of f or of a derivative at an eigenvalue, or an overflow; eigenvalues ${fmtEigs(r.re, r.im)})`);
    if (r.info === 2)
      throw new ConvergenceError(op, `f = ${spec.name}: the Taylor series of f on a cluster of close eigenvalues did not converge${where(nb, b)} (eigenvalues ${fmtEigs(r.re, r.im)}); is f analytic there?`, NaN, 0);
    if (r.imagRatio > 1e-8)
      throw new DomainError(op, `f = ${spec.name} is not real on the spectrum of the matrix${where(nb, b)} (the result has a relative imaginary part ${r.imagRatio.toExponential(2)}): f must satisfy f(z̄) = f(z)‾ for a real result`);
    out.set(r.f, o);
  }
  return new Tensor(out, a.shape);
}

function fmtEig(re: number, im: number): string {
  return im === 0 ? `${re}` : `${re} ${im < 0 ? "−" : "+"} ${Math.abs(im)}i`;
}
function fmtEigs(re: Float64Array, im: Float64Array): string {
  const parts = Array.from(re, (r, i) => fmtEig(r, im[i]));
  return `[${parts.slice(0, 6).join(", ")}${parts.length > 6 ? ", …" : ""}]`;
}

export const schurRules: { [P in keyof SchurParams]: Rule<SchurParams[P]> } = {
  schur: {
    name: "linalg.schur",
    nOut: 2,
    forward: ([a], p) => schurForward(a, p.op, false),
    vjp: (ct: (Tensor | null)[], [a], [t, z]: Tensor[], p) => {
      const [tbar, zbar] = ct;
      if (tbar === null && zbar === null) return [null];
      const n = a.shape[a.ndim - 1];
      const m = schurMasks(t, n);
      // transpose of: C = Zᵀ dA Z → L = N⁻¹(−C) → Ω_L → R → W → Ω → (dT, dZ)
      let omBar: Tensor | null = zbar === null ? null : matmulT(z, zbar, true, false);
      let cBar: Tensor | null = null;
      if (tbar !== null) {
        const tt = mul(m.up, tbar);
        cBar = tt;
        omBar = plus(omBar, sub(matmulT(t, tt, true, false), matmulT(tt, t, false, true)));
      }
      const ob = omBar as Tensor;
      const wBar = sub(ob, mT(ob));
      const q = mul(mul(wBar, m.sub), m.h);
      const rBar = diagEmbed(sub(sum(q, -1), sum(q, -2)));
      cBar = plus(cBar, rBar) as Tensor;
      const omLBar = add(ob, sub(matmulT(t, rBar, true, false), matmulT(rBar, t, false, true)));
      const lBar = sub(omLBar, mT(omLBar));
      const gBar = structPrim(t, lBar, "schur", true, p.op);
      cBar = sub(cBar, gBar);
      return [matmulT(matmul(z, cBar), z, false, true)];
    },
    jvp: ([da], [a], [t, z]: Tensor[], p) => {
      if (da === null) return [null, null];
      const n = a.shape[a.ndim - 1];
      const c = matmulT(z, matmul(da, z), true, false);
      const { om, dT } = schurOmega(t, c, schurMasks(t, n), p.op);
      return [dT, matmul(z, om)];
    },
    batch: batchBroadcast(() => schurRules.schur),
  },

  hessenberg: {
    name: "linalg.hessenberg",
    nOut: 2,
    forward: ([a], p) => schurForward(a, p.op, true),
    vjp: (ct: (Tensor | null)[], [a], [h, q]: Tensor[], p) => {
      const [hbar, qbar] = ct;
      if (hbar === null && qbar === null) return [null];
      const n = a.shape[a.ndim - 1];
      let omBar: Tensor | null = qbar === null ? null : matmulT(q, qbar, true, false);
      let cBar: Tensor | null = null;
      if (hbar !== null) {
        const ht = mul(hessMask(n), hbar);
        cBar = ht;
        omBar = plus(omBar, sub(matmulT(h, ht, true, false), matmulT(ht, h, false, true)));
      }
      const ob = omBar as Tensor;
      const gBar = structPrim(h, sub(ob, mT(ob)), "hessenberg", true, p.op);
      const cb = minus(cBar, gBar) as Tensor;
      return [matmulT(matmul(q, cb), q, false, true)];
    },
    jvp: ([da], [a], [h, q]: Tensor[], p) => {
      if (da === null) return [null, null];
      const n = a.shape[a.ndim - 1];
      const c = matmulT(q, matmul(da, q), true, false);
      const x = structPrim(h, neg(c), "hessenberg", false, p.op);
      const om = sub(x, mT(x));
      const dH = mul(hessMask(n), add(c, sub(matmul(h, om), matmul(om, h))));
      return [dH, matmul(q, om)];
    },
    batch: batchBroadcast(() => schurRules.hessenberg),
  },

  structuredSolve: {
    // Untransposed: N(Y) = P_out(M Ỹ − Ỹ M) = G, Ỹ = Y − Yᵀ:
    //   dY = N⁻¹(dG − (dM Ỹ − Ỹ dM));   Ḡ = N⁻ᵀ(Ȳ),  M̄ = −(Ḡ Ỹᵀ − Ỹᵀ Ḡ).
    // Transposed: Nᵀ(Y) = P_in(Mᵀ Y − Y Mᵀ) = G:
    //   dY = N⁻ᵀ(dG − (dMᵀ Y − Y dMᵀ));  Ḡ = N⁻¹(Ȳ),  M̄ = −(Y Ḡᵀ − Ḡᵀ Y).
    // (The solves read only the part of their right side in their support.)
    name: "linalg.structuredSolve",
    forward: ([m, g], p) => structuredForward(m, g, p),
    vjp: (ct: Tensor, [m], y: Tensor, p, needs) => {
      const gBar = structPrim(m, ct, p.kind, !p.transposed, p.op);
      if (!needs[0]) return [null, gBar];
      if (!p.transposed) {
        const yt = sub(y, mT(y));
        return [neg(sub(matmulT(gBar, yt, false, true), matmulT(yt, gBar, true, false))), gBar];
      }
      return [neg(sub(matmulT(y, gBar, false, true), matmulT(gBar, y, true, false))), gBar];
    },
    jvp: ([dm, dg], [m], y: Tensor, p) => {
      let rhs: Tensor | null = dg;
      if (dm !== null) {
        if (!p.transposed) {
          const yt = sub(y, mT(y));
          rhs = minus(rhs, sub(matmul(dm, yt), matmul(yt, dm)));
        } else rhs = minus(rhs, sub(matmulT(dm, y, true, false), matmulT(y, dm, false, true)));
      }
      return rhs === null ? null : structPrim(m, rhs, p.kind, p.transposed, p.op);
    },
    batch: batchBroadcast(() => schurRules.structuredSolve),
  },

  polar: {
    name: "linalg.polar",
    nOut: 2,
    forward: ([a]) => polarForward(a),
    vjp: (ct: (Tensor | null)[], _a, [u, p]: Tensor[], prm) => {
      const [uBar, pBar] = ct;
      if (uBar === null && pBar === null) return [null];
      const pInv = invPrim(p, newCache<LuEntry[]>(), "linalg.polar");
      const uBarPinv = uBar === null ? null : matmul(uBar, pInv);
      const pt = minus(pBar, uBarPinv === null ? null : matmulT(u, uBarPinv, true, false)) as Tensor;
      const w = lyapunovPrim(p, pt, true, prm.cache);
      const fromP = matmul(u, matmul(p, add(w, mT(w))));
      return [plus(uBarPinv, fromP)];
    },
    jvp: ([da], _a, [u, p]: Tensor[], prm) => {
      if (da === null) return [null, null];
      const pInv = invPrim(p, newCache<LuEntry[]>(), "linalg.polar");
      const pk = matmul(p, matmulT(u, da, true, false));
      const dP = lyapunovPrim(p, add(pk, mT(pk)), false, prm.cache);
      const dU = matmul(sub(da, matmul(u, dP)), pInv);
      return [dU, dP];
    },
    batch: batchBroadcast(() => schurRules.polar),
  },

  funm: {
    name: "linalg.funm",
    forward: ([a], p) => funmForward(a, p.spec),
    vjp: (ct: Tensor, [a], _out, p) => {
      const n = a.shape[a.ndim - 1];
      return [block(funmPrim(blockUpper("linalg.funm", mT(a), ct), p.spec), [0, n], [n, 2 * n])];
    },
    jvp: ([da], [a], _out, p) => {
      if (da === null) return null;
      const n = a.shape[a.ndim - 1];
      return block(funmPrim(blockUpper("linalg.funm", a, da), p.spec), [0, n], [n, 2 * n]);
    },
    batch: batchBroadcast(() => schurRules.funm),
  },
};
