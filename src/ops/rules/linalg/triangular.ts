/**
 * Triangular family: triangular solve, Cholesky and Householder QR.
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { Rule } from "../../../tensor/meta.js";
import { sizeOf } from "../../../tensor/shape.js";
import { NonDifferentiableError, NotPositiveDefiniteError, SingularMatrixError } from "../../../errors.js";
import { triangularSolve as triSolveKernel } from "../../../kernels/triangular.js";
import { choleskyBackward, choleskyFactor, lowerHalfTN } from "../../../kernels/cholesky.js";
import { qr as qrKernel } from "../../../kernels/qr.js";
import { add, concat, matmul, mT, mul, neg, sub, tril, triu, matmulT } from "../../api.js";
import { zerosLike } from "../../../tensor/create.js";
import { EPS, batchShape, block, broadcastBatch, forEachBatch, inspectValues, isFiniteLower, mat, minus, plus, sym } from "./common.js";
import { batchBroadcast } from "../../batching.js";
import { apply } from "../../dispatch.js";
import { lowerHalfApply, triSolvePrim, type TriOpts } from "./prims.js";

export interface TriangularParams {
  /**
   * left: op(T) X = B, B [..., n, k]; right: X op(T) = B, B [..., k, n]; op(T) = Tᵀ when trans.
   * Only the `upper` (or lower) triangle of T is read (its diagonal too unless unitriangular).
   */
  triangularSolve: TriOpts & { op: string };
  /** A = L Lᵀ, reading the lower triangle of A; the derivative is that of the symmetric part. */
  cholesky: null;
  /** A = Q R for m ≥ n (reduced: Q m×n; complete: Q m×m), diag(R) ≥ 0. */
  qr: { mode: "reduced" | "complete" };
  /** Φ(tril(L)ᵀ G), L and G square (batches broadcast): the structured inner product of the Cholesky VJP. */
  lowerHalfTN: null;
  /** The Cholesky VJP as a primitive: sym(L⁻ᵀ Φ(Lᵀ G) L⁻¹) for L lower triangular (reads tril(L) and tril(G)). */
  choleskyVjp: null;
}

/** The triangle of a matrix that a triangular solve reads (strict when the diagonal is implied). */
function triPart(x: Tensor, o: TriOpts): Tensor {
  return o.upper ? triu(x, o.unitriangular ? 1 : 0) : tril(x, o.unitriangular ? -1 : 0);
}

/** Φ(M): the lower triangle with the diagonal halved (one fused pass). */
const phi = lowerHalfApply;

const LOWER_LEFT: TriOpts = { upper: false, left: true, unitriangular: false, trans: false };

// Batching (vmap): the forwards loop over (and broadcast) leading axes, so the batch axis is one more leading
// axis — batchBroadcast, one kernel call for the whole batch.
export const triangularRules: { [P in keyof TriangularParams]: Rule<TriangularParams[P]> } = {
  triangularSolve: {
    // left  op(T) X = B:  B̄ = op(T)⁻ᵀ X̄, op(T)‾ = −B̄ Xᵀ;  dX = op(T)⁻¹(dB − op(dT) X)
    // right X op(T) = B:  B̄ = X̄ op(T)⁻ᵀ, op(T)‾ = −Xᵀ B̄;  dX = (dB − X op(dT)) op(T)⁻¹
    // T̄ is projected onto the triangle that is read.  (Giles 2008 §3.2)
    name: "linalg.triangularSolve",
    batch: batchBroadcast(() => triangularRules.triangularSolve),
    forward: ([t, b], p) => {
      const n = t.shape[t.ndim - 1];
      const k = p.left ? b.shape[b.ndim - 1] : b.shape[b.ndim - 2];
      const batch = broadcastBatch(p.op, t, b);
      const out = new Float64Array(sizeOf(batch) * n * k);
      const checked = new Set<number>();
      forEachBatch(batch, [batchShape(t), batchShape(b)], (i, [it, ib]) => {
        const tm = mat(t._data, it, n);
        if (!p.unitriangular && !checked.has(it)) {
          for (let j = 0; j < n; j++)
            if (tm[j * n + j] === 0)
              throw new SingularMatrixError(p.op, `the triangular matrix${sizeOf(batchShape(t)) > 1 ? ` (batch element ${it})` : ""} is singular: its diagonal entry ${j} is 0 (rcond = 0)`, 0, j);
          checked.add(it);
        }
        // (solved in place in the result: no array per batch element)
        triSolveKernel(tm, n, mat(b._data, ib, n, k), k, { lower: !p.upper, trans: p.trans, unitDiagonal: p.unitriangular, left: p.left }, out.subarray(i * n * k, (i + 1) * n * k));
      });
      return new Tensor(out, p.left ? [...batch, n, k] : [...batch, k, n]);
    },
    vjp: (ct: Tensor, [t], x: Tensor, p, needs) => {
      const gb = triSolvePrim(t, ct, { ...p, trans: !p.trans }, p.op);
      if (!needs[0]) return [null, gb];
      let gop: Tensor; // cotangent of op(T)
      if (p.left) gop = p.trans ? neg(matmulT(x, gb, false, true)) : neg(matmulT(gb, x, false, true));
      else gop = p.trans ? neg(matmulT(gb, x, true, false)) : neg(matmulT(x, gb, true, false));
      return [triPart(gop, p), gb];
    },
    jvp: ([dt, db], [t], x: Tensor, p) => {
      let rhs: Tensor | null = db;
      if (dt !== null) {
        const d = triPart(dt, p);
        rhs = minus(db, p.left ? matmulT(d, x, p.trans, false) : matmulT(x, d, false, p.trans));
      }
      return rhs === null ? null : triSolvePrim(t, rhs, p, p.op);
    },
  },

  cholesky: {
    // A = L Lᵀ.  With Φ = lower triangle, diagonal halved (Murray 2016; Giles 2008 §3.3):
    //   dL = L Φ(L⁻¹ sym(dA) L⁻ᵀ);   Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹).
    name: "linalg.cholesky",
    batch: batchBroadcast(() => triangularRules.cholesky),
    forward: ([a]) => {
      const n = a.shape[a.ndim - 1];
      const nb = sizeOf(batchShape(a));
      const out = new Float64Array(a.size);
      for (let b = 0; b < nb; b++) {
        if (!isFiniteLower(a._data, b * n * n, n)) {
          // non-finite policy: NaN in the triangle that is read gives a NaN factor, not "not positive definite"
          for (let i = 0; i < n; i++) out.fill(NaN, b * n * n + i * n, b * n * n + i * n + i + 1);
          continue;
        }
        const r = choleskyFactor(mat(a._data, b, n), n, out.subarray(b * n * n, (b + 1) * n * n)); // L written in place
        if (r.info >= 0)
          throw new NotPositiveDefiniteError(
            "linalg.cholesky",
            `the matrix${nb > 1 ? ` (batch element ${b})` : ""} is not positive definite: the leading minor of order ${r.info + 1} is not positive (pivot ${r.info} = ${r.pivotValue})`,
            r.info,
            r.pivotValue,
          );
      }
      return new Tensor(out, a.shape);
    },
    vjp: (ct: Tensor, _a, l: Tensor) => [choleskyVjpApply(l, ct)],
    jvp: ([da], _a, l: Tensor) => {
      if (da === null) return null;
      const y = triSolvePrim(l, sym(da), LOWER_LEFT, "linalg.cholesky"); // L⁻¹ dA
      const z = triSolvePrim(l, y, { ...LOWER_LEFT, left: false, trans: true }, "linalg.cholesky"); // L⁻¹ dA L⁻ᵀ
      return matmul(l, phi(z));
    },
  },

  choleskyVjp: {
    // C = f(L, G) = sym(S), S = L⁻ᵀ P L⁻¹, P = Φ(Lᵀ G): the Cholesky VJP (forward: Murray's blocked
    // reverse-mode Cholesky, ≈ 2n³/3 flops). Its own derivatives, with D = tril(dL) and Cs = sym(C̄):
    //   linear in G:  f(L, dG), and Ḡ = L Φ(M), M = L⁻¹ Cs L⁻ᵀ  (the Cholesky JVP applied to C̄);
    //   in L:  dC = sym(L⁻ᵀ Φ(Dᵀ G) L⁻¹) − 2 sym(C D L⁻¹)   (S + Sᵀ = 2C),
    //          L̄ = tril(G Φ(M)ᵀ − 2 C Cs L⁻ᵀ).
    name: "linalg.choleskyVjp",
    batch: batchBroadcast(() => triangularRules.choleskyVjp),
    forward: ([l, g]) => {
      const n = l.shape[l.ndim - 1];
      const batch = broadcastBatch("linalg.cholesky", l, g);
      const out = new Float64Array(sizeOf(batch) * n * n);
      forEachBatch(batch, [batchShape(l), batchShape(g)], (i, [il, ig]) => {
        out.set(choleskyBackward(mat(l._data, il, n), mat(g._data, ig, n), n), i * n * n);
      });
      return new Tensor(out, [...batch, n, n]);
    },
    vjp: (ct: Tensor, [l, g], c: Tensor, _p, needs) => {
      const cs = sym(ct);
      const y = triSolvePrim(l, cs, LOWER_LEFT, "linalg.cholesky"); // L⁻¹ Cs
      const m = triSolvePrim(l, y, { ...LOWER_LEFT, left: false, trans: true }, "linalg.cholesky"); // L⁻¹ Cs L⁻ᵀ
      const pm = phi(m);
      const gg = needs[1] ? matmul(l, pm) : null;
      let gl: Tensor | null = null;
      if (needs[0]) {
        const w = triSolvePrim(l, matmul(c, cs), { ...LOWER_LEFT, left: false, trans: true }, "linalg.cholesky"); // C Cs L⁻ᵀ
        gl = tril(sub(matmulT(g, pm, false, true), mul(w, 2)));
      }
      return [gl, gg];
    },
    jvp: ([dl, dg], [l, g], c: Tensor) => {
      let t: Tensor | null = dg === null ? null : choleskyVjpApply(l, dg);
      if (dl !== null) {
        const d = tril(dl);
        const q = lowerHalfTNApply(d, g); // Φ(Dᵀ G)
        const y = triSolvePrim(l, q, { ...LOWER_LEFT, trans: true }, "linalg.cholesky"); // L⁻ᵀ Q
        const sq = triSolvePrim(l, y, { ...LOWER_LEFT, left: false }, "linalg.cholesky"); // L⁻ᵀ Q L⁻¹
        const cdl = triSolvePrim(l, matmul(c, d), { ...LOWER_LEFT, left: false }, "linalg.cholesky"); // C D L⁻¹
        t = plus(t, sub(sym(sq), mul(sym(cdl), 2)));
      }
      return t;
    },
  },

  lowerHalfTN: {
    // M = Φ(tril(L)ᵀ G), bilinear; Φ (lower triangle, diagonal halved) is self-adjoint. With D = Φ(M̄):
    //   Ḡ = tril(L) D,  L̄ = tril(G Dᵀ);   dM = Φ(tril(dL)ᵀ G) + Φ(tril(L)ᵀ dG).
    // The forward skips the zero rows of tril(L)ᵀ and the discarded upper triangle (≈ n³/3 flops).
    name: "linalg.lowerHalfTN",
    batch: batchBroadcast(() => triangularRules.lowerHalfTN),
    forward: ([l, g]) => {
      const n = l.shape[l.ndim - 1];
      const batch = broadcastBatch("linalg.lowerHalfTN", l, g);
      const out = new Float64Array(sizeOf(batch) * n * n);
      forEachBatch(batch, [batchShape(l), batchShape(g)], (i, [il, ig]) => {
        out.set(lowerHalfTN(mat(l._data, il, n), mat(g._data, ig, n), n), i * n * n);
      });
      return new Tensor(out, [...batch, n, n]);
    },
    vjp: (ct: Tensor, [l, g], _out, _p, needs) => {
      const d = phi(ct);
      return [needs[0] ? tril(matmulT(g, d, false, true)) : null, needs[1] ? matmul(tril(l), d) : null];
    },
    jvp: ([dl, dg], [l, g]) => plus(dl === null ? null : lowerHalfTNApply(dl, g), dg === null ? null : lowerHalfTNApply(l, dg)),
  },

  qr: {
    // Reduced A = Q R (m ≥ n), C = Qᵀ dA R⁻¹, C⁺ = triu(C) + tril(C, −1)ᵀ:
    //   dR = C⁺ R,  dQ = dA R⁻¹ − Q C⁺;
    //   M = R R̄ᵀ − Q̄ᵀ Q,  Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ,  copyltu(M) = tril(M) + tril(M, −1)ᵀ
    //   (Walter & Lehmann 2018; PyTorch linalg_qr_backward).
    // Complete mode, m > n: Q = [Q₁ Q₂] with Q₂ any orthonormal completion; fixing the gauge by
    // Q₂ᵀ dQ₂ = 0 gives dQ₂ = −Q₁ dQ₁ᵀ Q₂, so Q̄₁ gains −Q₂ Q̄₂ᵀ Q₁. A loss that is not invariant
    // under Q₂ → Q₂ O (i.e. Q₂ᵀ Q̄₂ not symmetric) has no gradient: NonDifferentiableError.
    name: "linalg.qr",
    batch: batchBroadcast(() => triangularRules.qr),
    nOut: 2,
    forward: ([a], { mode }) => {
      const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
      const nb = sizeOf(batchShape(a));
      const qc = mode === "complete" ? m : n;
      const q = new Float64Array(nb * m * qc), r = new Float64Array(nb * qc * n);
      for (let b = 0; b < nb; b++) {
        const res = qrKernel(mat(a._data, b, m, n), m, n, mode);
        q.set(res.q, b * m * qc);
        r.set(res.r, b * qc * n);
      }
      const bs = batchShape(a);
      return [new Tensor(q, [...bs, m, qc]), new Tensor(r, [...bs, qc, n])];
    },
    vjp: ([gq, gr]: (Tensor | null)[], [a], [q, r]: Tensor[], { mode }) => {
      const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
      let q1 = q, r1 = r, gq1 = gq, gr1 = gr;
      if (mode === "complete" && m > n) {
        q1 = block(q, null, [0, n]);
        r1 = block(r, [0, n], null);
        gr1 = gr === null ? null : block(gr, [0, n], null);
        if (gq !== null) {
          const q2 = block(q, null, [n, m]);
          const gq2 = block(gq, null, [n, m]);
          checkGauge(matmulT(q2, gq2, true, false));
          gq1 = sub(block(gq, null, [0, n]), matmul(matmulT(q2, gq2, false, true), q1));
        }
      }
      checkQrRank(a, r1);
      return [qrBackward(q1, r1, gq1, gr1)];
    },
    jvp: ([da], [a], [q, r]: Tensor[], { mode }) => {
      if (da === null) return [null, null];
      const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
      const split = mode === "complete" && m > n;
      const q1 = split ? block(q, null, [0, n]) : q;
      const r1 = split ? block(r, [0, n], null) : r;
      checkQrRank(a, r1);
      const dar = triSolvePrim(r1, da, { upper: true, left: false, unitriangular: false, trans: false }, "linalg.qr"); // dA R⁻¹
      const c = matmulT(q1, dar, true, false);
      const cp = add(triu(c), mT(tril(c, -1)));
      const dr1 = matmul(cp, r1);
      const dq1 = sub(dar, matmul(q1, cp));
      if (!split) return [dq1, dr1];
      const q2 = block(q, null, [n, m]);
      const dq2 = neg(matmul(q1, matmulT(dq1, q2, true, false)));
      return [concat([dq1, dq2], -1), concat([dr1, zerosLike(block(r, [n, m], null))], -2)];
    },
  },
};

/** The Cholesky VJP sym(L⁻ᵀ Φ(Lᵀ G) L⁻¹) as a differentiable primitive (see choleskyVjp in the rules). */
function choleskyVjpApply(l: Tensor, g: Tensor): Tensor {
  return apply(triangularRules.choleskyVjp, [l, g], null);
}

/** Φ(tril(L)ᵀ G) as a differentiable primitive (see lowerHalfTN in the rules). */
function lowerHalfTNApply(l: Tensor, g: Tensor): Tensor {
  return apply(triangularRules.lowerHalfTN, [l, g], null);
}

/** Reduced-QR VJP (m ≥ n): Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ, M = R R̄ᵀ − Q̄ᵀ Q. */
function qrBackward(q: Tensor, r: Tensor, gq: Tensor | null, gr: Tensor | null): Tensor | null {
  if (gq === null && gr === null) return null;
  const mm = minus(gr === null ? null : matmulT(r, gr, false, true), gq === null ? null : matmulT(gq, q, true, false)) as Tensor;
  const g = add(tril(mm), mT(tril(mm, -1)));
  const b = gq === null ? matmul(q, g) : add(gq, matmul(q, g));
  return triSolvePrim(r, b, { upper: true, left: false, unitriangular: false, trans: true }, "linalg.qr");
}

/** Raise unless the symmetric-gauge condition holds: K = Q₂ᵀ Q̄₂ must be symmetric. */
/**
 * QR's derivative divides by the diagonal of R (dQ = dA R⁻¹ − Q C⁺): at a rank-deficient A
 * the later columns of Q are an arbitrary completion and the derivative does not exist
 * (R[j, j] = ‖component of aⱼ orthogonal to a₀…aⱼ₋₁‖ has a kink like |x| at 0). Numerically
 * rank-deficient — |R[j, j]| ≤ max(m, n)·ε·‖A‖_F, the rank tolerance of matrixRank — raises
 * NonDifferentiableError instead of returning a gradient of size 1/(ε‖A‖) ≈ 1e15.
 * NaN entries fail the comparison (the gradient is NaN, per the non-finite policy).
 */
function checkQrRank(a: Tensor, r: Tensor): void {
  inspectValues([a, r], ([pa, pr]) => checkQrRankValues(pa, pr));
}

function checkQrRankValues(a: Tensor, r: Tensor): void {
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  const k = r.shape[r.ndim - 1], rr = r.shape[r.ndim - 2];
  const nb = sizeOf(batchShape(a));
  for (let b = 0; b < nb; b++) {
    let fro = 0;
    for (let i = b * m * n; i < (b + 1) * m * n; i++) fro += a._data[i] * a._data[i];
    const tol = Math.max(m, n) * EPS * Math.sqrt(fro);
    for (let j = 0; j < Math.min(k, rr); j++) {
      const d = Math.abs(r._data[b * rr * k + j * k + j]);
      if (d <= tol)
        throw new NonDifferentiableError(
          "linalg.qr",
          `A${nb > 1 ? ` (batch element ${b})` : ""} is numerically rank-deficient: |R[${j}, ${j}]| = ${d.toExponential(2)} ≤ max(m, n)·ε·‖A‖_F = ${tol.toExponential(2)}, where Q and R are not differentiable (their derivative divides by R[${j}, ${j}]); differentiate through a rank-revealing quantity (e.g. linalg.svd's projector U Uᵀ) or perturb A`,
        );
    }
  }
}

function checkGauge(kt: Tensor): void {
  inspectValues([kt], ([k]) => checkGaugeValues(k));
}

function checkGaugeValues(k: Tensor): void {
  const n = k.shape[k.ndim - 1];
  const nb = sizeOf(batchShape(k));
  for (let b = 0; b < nb; b++) {
    // the scale of each matrix (so that an example's verdict does not depend on the others in a batch)
    const o = b * n * n;
    let scale = 0;
    for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(k._data[o + i]));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) {
        if (Math.abs(k._data[o + i * n + j] - k._data[o + j * n + i]) > 1e-8 * scale)
          throw new NonDifferentiableError(
            "linalg.qr",
            `mode "complete" with m > n: the loss depends on the choice of the orthonormal completion Q[..., n:] (Q₂ᵀ Q̄₂ is not symmetric), which is arbitrary; only losses invariant under Q₂ → Q₂ O (e.g. through Q₂ Q₂ᵀ) are differentiable. Use mode "reduced" otherwise`,
          );
      }
  }
}
