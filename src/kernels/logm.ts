/**
 * Principal matrix logarithm by the Schur-based inverse scaling and squaring
 * method (Al-Mohy & Higham 2012, "Improved inverse scaling and squaring
 * algorithms for the matrix logarithm", SISC 34(4), Alg. 4.1; real-arithmetic
 * treatment of 2×2 blocks as in Al-Mohy, Higham & Relton 2013):
 *
 *   A = Z T Zᵀ (real Schur), T_s = T^{1/2^s} (repeated quasi-triangular square
 *   roots, Higham 1987), log A = Z · 2^s r_m(T_s − I) · Zᵀ,
 *
 * where r_m is the [m/m] Padé approximant of log(1 + x), evaluated in partial
 * fractions = m-point Gauss–Legendre quadrature of log(I + X) = ∫₀¹ X (I + tX)⁻¹ dt:
 *   r_m(X) = Σ_j w_j X (I + x_j X)⁻¹       (Higham 2001; Dieci, Morini & Papini 1996),
 * each term one quasi-triangular solve. s and m come from α_p(X) = max(‖X^p‖₁^{1/p},
 * ‖X^{p+1}‖₁^{1/(p+1)}) and the θ_m of Al-Mohy & Higham 2012, Table 2.1 (norms of
 * powers are computed exactly, not estimated).
 *
 * Accuracy refinements (Al-Mohy & Higham 2012 §§3, 5): the diagonal (1×1 and 2×2
 * blocks) and, between adjacent 1×1 blocks, the superdiagonal of T_s − I are
 * recomputed from T without cancellation, and the same parts of the result are
 * replaced by the exact logarithm of the corresponding blocks of T.
 *
 * The principal logarithm of a real matrix is real iff A has no eigenvalue on
 * the closed negative real axis; such an eigenvalue is reported through info.
 */
import { realSchur } from "./schur.js";
import { sqrtmQuasiTriangular } from "./sqrtm.js";
import { csqrt, matmul, norm1, quasiBlocks, similarity } from "./matfun-util.js";

/** θ_m, m = 1..7, of Al-Mohy & Higham (2012), Table 2.1: ‖X‖ ≤ θ_m ⇒ r_m(X) is accurate to u. */
const THETA = [NaN, 1.59e-5, 2.31e-3, 1.94e-2, 6.21e-2, 1.28e-1, 2.06e-1, 2.88e-1];
const MAX_SQRT = 100;

export interface LogmResult {
  /** The principal logarithm X (n×n), exp(X) = A. NaN-filled when info ≠ 0. */
  x: Float64Array;
  /**
   * 0: success. 1: A has a negative real eigenvalue (no real principal
   * logarithm; see `eigenvalue`). 2: A has a zero eigenvalue (singular). 3: the
   * Schur decomposition failed to converge.
   */
  info: number;
  /** The offending eigenvalue when info is 1 or 2, NaN otherwise. */
  eigenvalue: number;
  /** Number of square roots taken. */
  s: number;
  /** Degree of the Padé approximant. */
  m: number;
  /** Real Schur form of A (A = z t zᵀ), kept for callers that reuse it. */
  t: Float64Array;
  z: Float64Array;
}

/** Gauss–Legendre nodes and weights on [0, 1] (Newton on the Legendre recurrence). */
function gaussLegendre01(m: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(m);
  const w = new Float64Array(m);
  for (let i = 0; i < Math.ceil(m / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let pp = 1;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= m; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      pp = (m * (z * p1 - p2)) / (z * z - 1);
      const dz = p1 / pp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    const wt = 2 / ((1 - z * z) * pp * pp);
    x[i] = (1 - z) / 2;
    x[m - 1 - i] = (1 + z) / 2;
    w[i] = wt / 2;
    w[m - 1 - i] = wt / 2;
  }
  return { x, w };
}
const GAUSS = Array.from({ length: 8 }, (_, m) => (m === 0 ? null : gaussLegendre01(m)));

/** r = a^{1/2^s} − 1 for complex a without cancellation (Al-Mohy 2012, "A more accurate Briggs method"). */
function briggs(re: number, im: number, s: number): [number, number] {
  if (s === 0) return [re - 1, im];
  let k = s;
  let ar = re;
  let ai = im;
  if (Math.atan2(ai, ar) >= Math.PI / 2) {
    [ar, ai] = csqrt(ar, ai);
    k--;
  }
  // z0 = a − 1; r = Π_{j=1}^{k} (1 + a^{1/2^j}); result z0 / r
  const z0r = ar - 1;
  const z0i = ai;
  [ar, ai] = csqrt(ar, ai);
  let rr = 1 + ar;
  let ri = ai;
  for (let j = 1; j < k; j++) {
    [ar, ai] = csqrt(ar, ai);
    const pr = rr * (1 + ar) - ri * ai;
    const pi = rr * ai + ri * (1 + ar);
    rr = pr;
    ri = pi;
  }
  const den = rr * rr + ri * ri;
  return [(z0r * rr + z0i * ri) / den, (z0i * rr - z0r * ri) / den];
}

/** Solve M Y = B in place (B ← Y) for upper quasi-triangular M with the given block starts. */
function quasiTriSolve(mat: Float64Array, blocks: Int32Array, n: number, b: Float64Array): void {
  for (let kb = blocks.length - 2; kb >= 0; kb--) {
    const k0 = blocks[kb];
    const ksz = blocks[kb + 1] - k0;
    const kend = k0 + ksz;
    // B_k -= Σ_{j ≥ kend} M[k, j] Y[j, :]   (Y rows are zero left of their block)
    for (let r = k0; r < kend; r++) {
      const row = r * n;
      for (let j = kend; j < n; j++) {
        const mv = mat[row + j];
        if (mv === 0) continue;
        const yr = j * n;
        const c0 = j > 0 ? j - 1 : 0;
        for (let c = c0; c < n; c++) b[row + c] -= mv * b[yr + c];
      }
    }
    if (ksz === 1) {
      const inv = 1 / mat[k0 * n + k0];
      const row = k0 * n;
      for (let c = 0; c < n; c++) b[row + c] *= inv;
    } else {
      const a = mat[k0 * n + k0];
      const bb = mat[k0 * n + k0 + 1];
      const cc = mat[(k0 + 1) * n + k0];
      const d = mat[(k0 + 1) * n + k0 + 1];
      const det = a * d - bb * cc;
      const r0 = k0 * n;
      const r1 = r0 + n;
      for (let c = 0; c < n; c++) {
        const y0 = b[r0 + c];
        const y1 = b[r1 + c];
        b[r0 + c] = (d * y0 - bb * y1) / det;
        b[r1 + c] = (a * y1 - cc * y0) / det;
      }
    }
  }
}

/** log of λ₂ vs λ₁ divided difference times t12: the (1,2) entry of log([[λ₁, t12],[0, λ₂]]) (Higham 2008, (11.28)). */
function logSuperdiag(l1: number, l2: number, t12: number): number {
  if (l1 === l2) return t12 / l1;
  if (Math.abs(l2 - l1) > Math.abs(l1 + l2) / 2) return (t12 * (Math.log(l2) - Math.log(l1))) / (l2 - l1);
  const z = (l2 - l1) / (l2 + l1);
  return (t12 * 2 * Math.atanh(z)) / (l2 - l1);
}

function nanResult(n: number, info: number, eigenvalue: number, t: Float64Array, z: Float64Array): LogmResult {
  return { x: new Float64Array(n * n).fill(NaN), info, eigenvalue, s: 0, m: 0, t, z };
}

/** Principal logarithm of the n×n row-major A. */
export function logm(a: Float64Array, n: number): LogmResult {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`logm: invalid dimension ${n}`);
  if (a.length < n * n) throw new RangeError(`logm: expected ${n * n} elements, got ${a.length}`);
  const nn = n * n;
  if (n === 0) return { x: new Float64Array(0), info: 0, eigenvalue: NaN, s: 0, m: 0, t: new Float64Array(0), z: new Float64Array(0) };
  const sch = realSchur(a, n);
  const T0 = sch.t;
  const Z = sch.z;
  if (sch.info !== 0) return nanResult(n, 3, NaN, T0, Z);
  const blocks = quasiBlocks(T0, n);
  const nb = blocks.length - 1;
  // eigenvalues per block: 1×1 → (λ, 0); 2×2 → (θ, μ), μ > 0
  const eRe = new Float64Array(nb);
  const eIm = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    const i = blocks[b];
    if (blocks[b + 1] - i === 1) {
      const lam = T0[i * n + i];
      if (lam < 0 || lam !== lam) return nanResult(n, 1, lam, T0, Z);
      if (lam === 0) return nanResult(n, 2, 0, T0, Z);
      eRe[b] = lam;
    } else {
      const p = 0.5 * (T0[i * n + i] - T0[(i + 1) * n + i + 1]);
      const disc = p * p + T0[i * n + i + 1] * T0[(i + 1) * n + i];
      eRe[b] = 0.5 * (T0[i * n + i] + T0[(i + 1) * n + i + 1]);
      eIm[b] = Math.sqrt(Math.max(0, -disc));
      if (!(eIm[b] > 0)) {
        // not a complex pair (non-standardized input from elsewhere): treat as two reals
        const lo = eRe[b] - Math.sqrt(Math.max(0, disc));
        if (lo <= 0) return nanResult(n, lo === 0 ? 2 : 1, lo, T0, Z);
      }
    }
  }
  // s0: smallest s with max |λ^{1/2^s} − 1| ≤ θ₇ (spectral condition; Alg. 4.1 line 3)
  let s0 = 0;
  {
    const re = eRe.slice();
    const im = eIm.slice();
    for (;;) {
      let mx = 0;
      for (let b = 0; b < nb; b++) mx = Math.max(mx, Math.hypot(re[b] - 1, im[b]));
      if (!(mx > THETA[7]) || s0 >= MAX_SQRT) break;
      for (let b = 0; b < nb; b++) [re[b], im[b]] = csqrt(re[b], im[b]);
      s0++;
    }
  }
  let T = T0;
  for (let k = 0; k < s0; k++) T = sqrtmQuasiTriangular(T, n).u;
  let s = s0;
  // ‖(T − I)^p‖₁^{1/p}, computed exactly with products of T − I
  let Xm = new Float64Array(0);
  let pw: Float64Array[] = [];
  const setT = (tt: Float64Array): void => {
    Xm = tt.slice();
    for (let i = 0; i < n; i++) Xm[i * n + i] -= 1;
    pw = [Xm];
  };
  const dp = (p: number): number => {
    while (pw.length < p) pw.push(matmul(pw[pw.length - 1], Xm, n, n, n));
    return Math.pow(norm1(pw[p - 1], n, n), 1 / p);
  };
  setT(T);
  let m = 0;
  let k = 0;
  {
    let d3 = dp(3);
    const a2 = Math.max(dp(2), d3);
    for (const i of [1, 2])
      if (a2 <= THETA[i]) {
        m = i;
        break;
      }
    while (m === 0) {
      if (s > s0) d3 = dp(3);
      const d4 = dp(4);
      const a3 = Math.max(d3, d4);
      if (a3 <= THETA[7]) {
        let j1 = 7;
        for (let i = 3; i <= 7; i++)
          if (a3 <= THETA[i]) {
            j1 = i;
            break;
          }
        if (j1 <= 6) {
          m = j1;
          break;
        }
        if (a3 / 2 <= THETA[5] && k < 2 && s < MAX_SQRT) {
          k++;
          T = sqrtmQuasiTriangular(T, n).u;
          s++;
          setT(T);
          continue;
        }
      }
      const d5 = dp(5);
      const a4 = Math.max(d4, d5);
      const eta = Math.min(a3, a4);
      for (const i of [6, 7])
        if (eta <= THETA[i]) {
          m = i;
          break;
        }
      if (m !== 0) break;
      if (s >= MAX_SQRT) {
        m = 7;
        break;
      }
      T = sqrtmQuasiTriangular(T, n).u;
      s++;
      setT(T);
    }
  }
  // R = T^{1/2^s} − I with the diagonal blocks (and the superdiagonal between
  // adjacent 1×1 blocks) recomputed from T0 without cancellation
  const R = Xm;
  for (let b = 0; b < nb; b++) {
    const i = blocks[b];
    if (blocks[b + 1] - i === 1) {
      R[i * n + i] = briggs(eRe[b], 0, s)[0];
      if (b + 1 < nb && blocks[b + 2] - blocks[b + 1] === 1) {
        // (T0^{p})_{i,i+1} = t12 (λ₂^p − λ₁^p)/(λ₂ − λ₁) = t12 / Π_{j=1}^{s} (λ₁^{1/2^j} + λ₂^{1/2^j})
        let l1 = eRe[b];
        let l2 = eRe[b + 1];
        let prod = 1;
        for (let j = 0; j < s; j++) {
          l1 = Math.sqrt(l1);
          l2 = Math.sqrt(l2);
          prod *= l1 + l2;
        }
        R[i * n + i + 1] = T0[i * n + i + 1] / prod;
      }
    } else if (eIm[b] > 0) {
      // f(T_ii) = Re f(λ) I + (Im f(λ)/μ)(T_ii − θ I) for f(x) = x^{2^{-s}} − 1, λ = θ + iμ
      const [fr, fi] = briggs(eRe[b], eIm[b], s);
      const c = fi / eIm[b];
      const th = eRe[b];
      R[i * n + i] = fr + c * (T0[i * n + i] - th);
      R[i * n + i + 1] = c * T0[i * n + i + 1];
      R[(i + 1) * n + i] = c * T0[(i + 1) * n + i];
      R[(i + 1) * n + i + 1] = fr + c * (T0[(i + 1) * n + i + 1] - th);
    }
  }
  // U = 2^s Σ_j w_j (I + x_j R)⁻¹ R
  const { x: nodes, w: weights } = GAUSS[m] as { x: Float64Array; w: Float64Array };
  const U = new Float64Array(nn);
  const M = new Float64Array(nn);
  const Y = new Float64Array(nn);
  for (let j = 0; j < m; j++) {
    const xj = nodes[j];
    for (let i = 0; i < nn; i++) M[i] = xj * R[i];
    for (let i = 0; i < n; i++) M[i * n + i] += 1;
    Y.set(R);
    quasiTriSolve(M, blocks, n, Y);
    const wj = weights[j] * Math.pow(2, s);
    for (let i = 0; i < nn; i++) U[i] += wj * Y[i];
  }
  // exact logarithms of the diagonal blocks (and superdiagonal between adjacent 1×1 blocks)
  for (let b = 0; b < nb; b++) {
    const i = blocks[b];
    if (blocks[b + 1] - i === 1) {
      U[i * n + i] = Math.log(eRe[b]);
      if (b + 1 < nb && blocks[b + 2] - blocks[b + 1] === 1)
        U[i * n + i + 1] = logSuperdiag(eRe[b], eRe[b + 1], T0[i * n + i + 1]);
    } else if (eIm[b] > 0) {
      // log(T_ii) = log|λ| I + (arg λ / μ)(T_ii − θ I)
      const lr = Math.log(Math.hypot(eRe[b], eIm[b]));
      const c = Math.atan2(eIm[b], eRe[b]) / eIm[b];
      const th = eRe[b];
      U[i * n + i] = lr + c * (T0[i * n + i] - th);
      U[i * n + i + 1] = c * T0[i * n + i + 1];
      U[(i + 1) * n + i] = c * T0[(i + 1) * n + i];
      U[(i + 1) * n + i + 1] = lr + c * (T0[(i + 1) * n + i + 1] - th);
    }
  }
  return { x: similarity(Z, U, n), info: 0, eigenvalue: NaN, s, m, t: T0, z: Z };
}
