/**
 * Small private helpers shared by the factorization kernels (lu, cholesky,
 * triangular, qr, eigh, svd). Not part of the public kernel interface.
 */
import { backend, type GemmFn } from "./backend.js";
import { secSumsFor } from "./level2.js";

/** Machine epsilon for float64 as LAPACK's dlamch('E'): 2^-53 (unit round-off). */
export const EPS = 1.1102230246251565e-16;
/** Smallest positive normal float64 (LAPACK's dlamch('S') is of this order). */
export const SAFMIN = 2.2250738585072014e-308;

/** Throw a RangeError unless `n` is a non-negative integer. */
export function checkDim(fn: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${fn}: ${name} must be a non-negative integer, got ${n}`);
  }
}

/** Throw a RangeError unless `arr.length >= need`. */
export function checkLen(fn: string, name: string, arr: ArrayLike<number>, need: number): void {
  if (arr.length < need) {
    throw new RangeError(`${fn}: ${name} has length ${arr.length}, needs at least ${need}`);
  }
}

/**
 * Column-major GEMM expressed through the row-major backend GEMM:
 *   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C
 * where every matrix is column-major: element (i, j) of X is X[off + i + j*ld].
 * (A column-major matrix read row-major is its transpose, so this is the
 * row-major product Cᵀ = op(B)ᵀ op(A)ᵀ.)
 */
export const gemmCM: GemmFn = (transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
  if (m === 0 || n === 0) return;
  backend().gemm(transB, transA, n, m, k, alpha, B, bOff, ldb, A, aOff, lda, beta, C, cOff, ldc);
};

/** Row-major GEMM through the backend (skips empty products). */
export const gemmRM: GemmFn = (transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
  if (m === 0 || n === 0) return;
  backend().gemm(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
};

/**
 * Euclidean norm of x[off], x[off+inc], … (len entries) without destructive
 * overflow/underflow (scaled sum of squares, as LAPACK's dnrm2).
 */
export function nrm2(x: Float64Array, off: number, inc: number, len: number): number {
  if (len <= 0) return 0;
  if (len === 1) return Math.abs(x[off]);
  // Fast path: plain sum of squares when it is safely representable.
  let ss = 0;
  let amax = 0;
  for (let i = 0, p = off; i < len; i++, p += inc) {
    const v = x[p];
    ss += v * v;
    const a = Math.abs(v);
    if (a > amax) amax = a;
  }
  if (amax === 0) return 0;
  if (ss > 1e-290 && ss < 1e290) return Math.sqrt(ss);
  if (amax !== amax || amax === Infinity) return amax;
  // Rescaled sum (robust path; divide: 1/amax overflows for subnormal amax).
  ss = 0;
  for (let i = 0, p = off; i < len; i++, p += inc) {
    const v = x[p] / amax;
    ss += v * v;
  }
  return amax * Math.sqrt(ss);
}

/** sqrt(a² + b²) without destructive overflow/underflow (LAPACK dlapy2). */
export function hypot2(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const w = x > y ? x : y;
  const z = x > y ? y : x;
  if (z === 0 || w > 1.7976931348623157e308) return w;
  const r = z / w;
  return w * Math.sqrt(1 + r * r);
}

/** sqrt(a² + b²): the direct formula when it cannot over/underflow, else hypot2. */
export function fastHypot(a: number, b: number): number {
  const s = a * a + b * b;
  return s > 1e-290 && s < 1e290 ? Math.sqrt(s) : hypot2(a, b);
}

/**
 * Scratch record for Householder reflector generation: after `larfg`,
 * `beta` holds the new leading entry and `tau` the reflector scale.
 */
export interface Reflector {
  beta: number;
  tau: number;
}

/**
 * Generate an elementary reflector H = I − tau·v·vᵀ with v = (1, x') such that
 * H·(alpha, x) = (beta, 0). `x` (len entries from off with stride inc) is
 * overwritten with v's tail. Follows LAPACK dlarfg semantics (beta = −sign(alpha)·‖(alpha,x)‖,
 * tau = 0 when x is already zero). Writes into `out` (no allocation).
 */
export function larfg(alpha: number, x: Float64Array, off: number, inc: number, len: number, out: Reflector): void {
  let xnorm = nrm2(x, off, inc, len);
  if (xnorm === 0) {
    out.beta = alpha;
    out.tau = 0;
    return;
  }
  let beta = -Math.sign(alpha || 1) * hypot2(alpha, xnorm);
  const rsafmn = 1 / (SAFMIN / EPS);
  const safmn = SAFMIN / EPS;
  let knt = 0;
  if (Math.abs(beta) < safmn) {
    // xnorm and beta may be inaccurate; scale x and recompute them
    do {
      knt++;
      for (let i = 0, p = off; i < len; i++, p += inc) x[p] *= rsafmn;
      beta *= rsafmn;
      alpha *= rsafmn;
    } while (Math.abs(beta) < safmn && knt < 20);
    xnorm = nrm2(x, off, inc, len);
    beta = -Math.sign(alpha || 1) * hypot2(alpha, xnorm);
  }
  const tau = (beta - alpha) / beta;
  const scal = 1 / (alpha - beta);
  for (let i = 0, p = off; i < len; i++, p += inc) x[p] *= scal;
  for (let j = 0; j < knt; j++) beta *= safmn;
  out.beta = beta;
  out.tau = tau;
}

/** Transpose-copy: dst[j*rows + i] = src[i*cols + j] (row-major rows×cols → cols×rows). */
export function transposeInto(src: Float64Array, srcOff: number, rows: number, cols: number, dst: Float64Array, dstOff: number): void {
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) {
        const s = srcOff + i * cols;
        for (let j = j0; j < j1; j++) dst[dstOff + j * rows + i] = src[s + j];
      }
    }
  }
}

/**
 * Column-major: form the ib×ib upper-triangular factor T of a block reflector
 * H = H_0·H_1⋯H_{ib−1} = I − V·T·Vᵀ (LAPACK larft, forward, columnwise).
 * V is mv×ib, explicit (unit diagonal and zeros above it stored), at vOff with
 * leading dimension ldv; tau[tauOff + j] are the reflector scales. T is written
 * at tOff with leading dimension ldt, including zeros below its diagonal.
 */
export function larft(mv: number, ib: number, V: Float64Array, vOff: number, ldv: number, tau: Float64Array, tauOff: number, T: Float64Array, tOff: number, ldt: number, scratch?: Float64Array): void {
  if (ib === 0) return;
  // G = VᵀV (only its strict upper part is used): one GEMM instead of ib²/2 dot
  // products. `scratch` (≥ ib² entries; e.g. in the caller's resident arena, so
  // that the GEMM needs no copies) holds it when given.
  const G =
    scratch !== undefined && scratch.length >= ib * ib
      ? scratch
      : ib * ib <= larftScratch.length
        ? larftScratch
        : new Float64Array(ib * ib);
  if (ib > 1) gemmCM(true, false, ib, ib, mv, 1, V, vOff, ldv, V, vOff, ldv, 0, G, 0, ib);
  for (let j = 0; j < ib; j++) {
    const tj = tau[tauOff + j];
    const cj = tOff + j * ldt;
    for (let i = j + 1; i < ib; i++) T[cj + i] = 0;
    T[cj + j] = tj;
    if (j === 0) continue;
    // T[0:j, j] = −tau_j · T[0:j, 0:j] · (V[:, 0:j]ᵀ·V[:, j]); the latter is G[0:j, j]
    for (let i = 0; i < j; i++) T[cj + i] = tj === 0 ? 0 : -tj * G[i + j * ib];
    for (let i = 0; i < j; i++) {
      let s = 0;
      for (let p = i; p < j; p++) s += T[tOff + p * ldt + i] * T[cj + p];
      T[cj + i] = s;
    }
  }
}
const larftScratch = new Float64Array(64 * 64);

/**
 * Column-major: C ← op(H)·C with H = I − V·T·Vᵀ (op(H) = Hᵀ when trans).
 * C is mc×nc, V is mc×kb explicit, T kb×kb upper with explicit zeros below.
 * `work` needs 2·kb·nc entries.
 */
export function larfbLeft(trans: boolean, mc: number, nc: number, kb: number, V: Float64Array, vOff: number, ldv: number, T: Float64Array, tOff: number, ldt: number, C: Float64Array, cOff: number, ldc: number, work: Float64Array): void {
  if (mc === 0 || nc === 0 || kb === 0) return;
  const w2 = kb * nc;
  gemmCM(true, false, kb, nc, mc, 1, V, vOff, ldv, C, cOff, ldc, 0, work, 0, kb);
  gemmCM(trans, false, kb, nc, kb, 1, T, tOff, ldt, work, 0, kb, 0, work, w2, kb);
  gemmCM(false, false, mc, nc, kb, -1, V, vOff, ldv, work, w2, kb, 1, C, cOff, ldc);
}

/**
 * Column-major: C ← C·op(H) with H = I − V·T·Vᵀ (op(H) = Hᵀ when trans).
 * C is mc×nc, V is nc×kb explicit, T kb×kb upper with explicit zeros below.
 * `work` needs 2·mc·kb entries.
 */
export function larfbRight(trans: boolean, mc: number, nc: number, kb: number, V: Float64Array, vOff: number, ldv: number, T: Float64Array, tOff: number, ldt: number, C: Float64Array, cOff: number, ldc: number, work: Float64Array): void {
  if (mc === 0 || nc === 0 || kb === 0) return;
  const w2 = mc * kb;
  gemmCM(false, false, mc, kb, nc, 1, C, cOff, ldc, V, vOff, ldv, 0, work, 0, mc);
  gemmCM(false, trans, mc, kb, kb, 1, work, 0, mc, T, tOff, ldt, 0, work, w2, mc);
  gemmCM(false, true, mc, nc, kb, -1, work, w2, mc, V, vOff, ldv, 1, C, cOff, ldc);
}

/** Result slot of `secularRoot`: the root is pole(orig) + tau (in the solver's variable). */
export interface SecularRoot {
  orig: number;
  tau: number;
}

/**
 * The i-th root (ascending) of the rank-one secular equation
 *
 *   f(μ) = 1/ρ + Σ_j z_j² / (γ_j − μ) = 0,
 *
 * with poles γ_j = d_j (`squared` false: symmetric eigenproblem D + ρ·z·zᵀ,
 * LAPACK laed4) or γ_j = d_j² (`squared` true: singular values of the
 * "broken arrow" matrix, MᵀM = D² + z·zᵀ, LAPACK lasd4, roots are σ²).
 * Requires d strictly increasing (d ≥ 0 when squared), ρ > 0 and z_j ≠ 0.
 *
 * The root is returned relative to its nearer pole: μ = γ_orig + tau, so that
 * every difference γ_j − μ = g_j − tau, g_j = γ_j − γ_orig, is computed to high
 * relative accuracy (g_j = (d_j − d_o)(d_j + d_o) in the squared case). `g`
 * (length ≥ K) is scratch space and holds the g_j of the returned origin on exit.
 *
 * Iteration: a two-pole rational model (Bunch–Nielsen–Sorensen) fitted to the
 * parts of f left and right of the root, safeguarded by a maintained bracket
 * (Newton, then bisection, when the model step leaves it). Converges when |f|
 * is below its rounding-error bound. Returns false if it fails to converge.
 */
export function secularRoot(K: number, d: Float64Array, z: Float64Array, rho: number, i: number, squared: boolean, g: Float64Array, out: SecularRoot, scratch?: Float64Array): boolean {
  const rhoinv = 1 / rho;
  // the sums over poles by the generated WASM SIMD kernel when z, g and `scratch`
  // (2 entries) live in the engine's memory (a resident arena), else in JS
  const ex = scratch === undefined ? null : secSumsFor(z, g, scratch);
  const zA = z.byteOffset;
  const gA = g.byteOffset;
  const sA = scratch === undefined ? 0 : scratch.byteOffset;
  if (K === 1) {
    out.orig = 0;
    out.tau = rho * z[0] * z[0];
    g[0] = 0;
    return true;
  }
  const last = i === K - 1;
  let orig: number;
  let lo: number;
  let hi: number;
  // Initial guess (as LAPACK laed4/lasd4): the root of the two-pole equation
  // C + z_a²/(γ_a − μ) + z_b²/(γ_b − μ) = 0 for the poles a < b around the root,
  // with every other term frozen at the midpoint between them.
  let guess = NaN;
  if (last) {
    orig = K - 1;
    poleOffsets(K, d, orig, squared, g);
    let zz = 0;
    for (let j = 0; j < K; j++) zz += z[j] * z[j];
    lo = 0;
    hi = rho * zz;
    // poles K−2 (at −Δ) and K−1 (at 0); others frozen at μ = hi/2
    const mid = hi / 2;
    let C = rhoinv;
    if (ex !== null && scratch !== undefined) {
      ex(0, K - 2, zA, gA, mid, sA);
      C += scratch[0];
    } else for (let j = 0; j < K - 2; j++) C += (z[j] * z[j]) / (g[j] - mid);
    const del = -g[K - 2];
    const za = z[K - 2] * z[K - 2];
    const zb = z[K - 1] * z[K - 1];
    guess = rightOriginGuess(C, del, za, zb);
  } else {
    poleOffsets(K, d, i, squared, g);
    const del = g[i + 1];
    const mid = del / 2;
    let C = rhoinv;
    if (ex !== null && scratch !== undefined) {
      ex(0, i, zA, gA, mid, sA);
      C += scratch[0];
      ex(i + 2, K, zA, gA, mid, sA);
      C += scratch[0];
    } else {
      for (let j = 0; j < i; j++) C += (z[j] * z[j]) / (g[j] - mid);
      for (let j = i + 2; j < K; j++) C += (z[j] * z[j]) / (g[j] - mid);
    }
    const za = z[i] * z[i];
    const zb = z[i + 1] * z[i + 1];
    const f = C - za / mid + zb / (del - mid);
    if (f > 0) {
      // root in the left half: origin at pole i; C·τ² − A·τ + B = 0, A = C·Δ + za + zb, B = za·Δ
      orig = i;
      lo = 0;
      hi = mid;
      const A = C * del + za + zb;
      const B = za * del;
      const disc = Math.sqrt(Math.abs(A * A - 4 * B * C));
      guess = A > 0 ? (2 * B) / (A + disc) : (A - disc) / (2 * C);
    } else {
      orig = i + 1;
      poleOffsets(K, d, orig, squared, g);
      lo = g[i] + mid; // ≈ −mid relative to the right pole
      hi = 0;
      if (!(lo < hi)) lo = g[i] / 2;
      guess = rightOriginGuess(C, -g[i], za, zb);
    }
  }
  const pL = g[i];
  const pR = last ? 0 : g[i + 1];
  let tau = guess > lo && guess < hi ? guess : lo + (hi - lo) / 2;
  let ok = false;
  for (let iter = 0; iter < 400; iter++) {
    // two accumulators per sum (the divisions are independent; the sums' add chains are not)
    let psi = 0;
    let dpsi = 0;
    let phi = 0;
    let dphi = 0;
    let psi1 = 0;
    let dpsi1 = 0;
    let phi1 = 0;
    let dphi1 = 0;
    let j = 0;
    if (ex !== null && scratch !== undefined) {
      ex(0, i + 1, zA, gA, tau, sA);
      psi1 = scratch[0];
      dpsi1 = scratch[1];
      ex(i + 1, K, zA, gA, tau, sA);
      phi1 = scratch[0];
      dphi1 = scratch[1];
      j = K; // the JS loops below are skipped
    }
    for (; j + 1 <= i; j += 2) {
      const z0 = z[j];
      const z1 = z[j + 1];
      const t0 = z0 / (g[j] - tau);
      const t1 = z1 / (g[j + 1] - tau);
      psi += z0 * t0;
      dpsi += t0 * t0;
      psi1 += z1 * t1;
      dpsi1 += t1 * t1;
    }
    if (j <= i && j < K) {
      const t = z[j] / (g[j] - tau);
      psi += z[j] * t;
      dpsi += t * t;
      j++;
    }
    for (; j + 1 < K; j += 2) {
      const z0 = z[j];
      const z1 = z[j + 1];
      const t0 = z0 / (g[j] - tau);
      const t1 = z1 / (g[j + 1] - tau);
      phi += z0 * t0;
      dphi += t0 * t0;
      phi1 += z1 * t1;
      dphi1 += t1 * t1;
    }
    if (j < K) {
      const t = z[j] / (g[j] - tau);
      phi += z[j] * t;
      dphi += t * t;
    }
    psi += psi1;
    dpsi += dpsi1;
    phi += phi1;
    dphi += dphi1;
    const f = rhoinv + psi + phi;
    const errBound = EPS * (8 * (phi - psi) + rhoinv + Math.abs(tau) * (dpsi + dphi));
    if (Math.abs(f) <= errBound) {
      ok = true;
      break;
    }
    if (f < 0) lo = tau;
    else hi = tau;
    if (hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) {
      ok = true;
      break;
    }
    // rational model step
    let eta = NaN;
    const D1 = pL - tau;
    if (last) {
      const C = rhoinv + psi - D1 * dpsi;
      if (C > 0) eta = (D1 * f) / C;
    } else {
      const D2 = pR - tau;
      const b = D1 * D1 * dpsi;
      const dd = D2 * D2 * dphi;
      const C = rhoinv + (psi - D1 * dpsi) + (phi - D2 * dphi);
      const B = C * (D1 + D2) + b + dd;
      const Q0 = D1 * D2 * f;
      if (C === 0) {
        if (B !== 0) eta = Q0 / B;
      } else {
        let disc = B * B - 4 * C * Q0;
        if (disc < 0) disc = 0;
        const sq = Math.sqrt(disc);
        const den = B >= 0 ? B + sq : B - sq;
        const e1 = den !== 0 ? (2 * Q0) / den : NaN;
        const e2 = den / (2 * C);
        if (e1 > D1 && e1 < D2) eta = e1;
        else if (e2 > D1 && e2 < D2) eta = e2;
      }
    }
    let tn = tau + eta;
    if (!(tn > lo && tn < hi)) {
      tn = tau - f / (dpsi + dphi);
      if (!(tn > lo && tn < hi)) tn = lo + (hi - lo) / 2;
    }
    if (tn === tau) {
      ok = true;
      break;
    }
    tau = tn;
  }
  if (!ok || tau !== tau) return false;
  out.orig = orig;
  out.tau = tau;
  return true;
}

/**
 * Root τ ∈ (−Δ, 0) of C + za/(−Δ − τ) − zb/τ = 0 (origin at the right pole):
 * C·τ² − A·τ + B = 0 with A = −C·Δ + za + zb, B = −zb·Δ (stable form of the
 * negative root).
 */
function rightOriginGuess(C: number, del: number, za: number, zb: number): number {
  const A = -C * del + za + zb;
  const B = -zb * del;
  const disc = Math.sqrt(Math.abs(A * A - 4 * B * C));
  return A > 0 ? (2 * B) / (A + disc) : (A - disc) / (2 * C);
}

/** g_j = γ_j − γ_o: d_j − d_o, or (d_j − d_o)(d_j + d_o) when squared. */
function poleOffsets(K: number, d: Float64Array, o: number, squared: boolean, g: Float64Array): void {
  const dorig = d[o];
  if (squared) for (let j = 0; j < K; j++) g[j] = (d[j] - dorig) * (d[j] + dorig);
  else for (let j = 0; j < K; j++) g[j] = d[j] - dorig;
}

/** Insertion sort of (vals, src) pairs by vals, in place (the lists are short or nearly sorted). */
export function sortPairs(vals: Float64Array, src: Int32Array, len: number): void {
  for (let i = 1; i < len; i++) {
    const v = vals[i];
    const s = src[i];
    let j = i - 1;
    while (j >= 0 && vals[j] > v) {
      vals[j + 1] = vals[j];
      src[j + 1] = src[j];
      j--;
    }
    vals[j + 1] = v;
    src[j + 1] = s;
  }
}

/** Insertion sort of the indices ix[0..len) by key[ix[i]], in place. */
export function insertionSortBy(ix: Int32Array, len: number, key: Float64Array): void {
  for (let i = 1; i < len; i++) {
    const v = ix[i];
    const kv = key[v];
    let j = i - 1;
    while (j >= 0 && key[ix[j]] > kv) {
      ix[j + 1] = ix[j];
      j--;
    }
    ix[j + 1] = v;
  }
}

/**
 * Work-array allocator of the factorization drivers: 16-byte aligned views of
 * one arena (a resident WASM arena: products and level-2 kernels on them run in
 * place), or, with no arena (F null), separate plain arrays.
 */
export class WorkArrays {
  private p = 0;
  constructor(private readonly F: Float64Array | null) {}
  /** are the arrays views of an arena? */
  get arena(): boolean {
    return this.F !== null;
  }
  take(len: number): Float64Array {
    if (this.F === null) return new Float64Array(len);
    const v = this.F.subarray(this.p, this.p + len);
    this.p += len + (len & 1);
    return v;
  }
}
