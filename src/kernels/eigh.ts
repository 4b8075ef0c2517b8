/**
 * Symmetric eigendecomposition A = V·diag(w)·Vᵀ, row-major float64, one
 * matrix per call.
 *
 * Algorithm (as LAPACK syevd):
 *  1. blocked Householder tridiagonalization Q ᵀA Q = T (sytrd/latrd, lower;
 *     half of the flops in a symmetric rank-2k update through the GEMM);
 *  2. eigenvectors of T by Cuppen's divide and conquer (stedc/laed0–laed4):
 *     deflation, a safeguarded rational solver for the secular equation, the
 *     Gu–Eisenstat recomputation of z (orthogonal eigenvectors without extra
 *     precision), and GEMM for the eigenvector updates; implicit QL (tql2)
 *     on small leaves and for eigenvalues only;
 *  3. back-transformation V = Q·Z with blocked reflectors (ormtr, GEMM).
 *
 * Layer-1 kernel: non-convergence is reported through `info`, not thrown.
 */
import { checkDim, checkLen, EPS, fastHypot, gemmCM, gemmRM, hypot2, insertionSortBy, larfg, larft, larfbLeft, secularRoot, sortPairs, transposeInto, WorkArrays, type Reflector, type SecularRoot } from "./util.js";
import { backend, withWorkArena } from "./backend.js";
import { cauchyFor, gemvN, gemvT, symvU, symvURef } from "./level2.js";
import { isResident } from "./wasm/index.js";

export interface EighResult {
  /** Eigenvalues in ascending order (length n). */
  w: Float64Array;
  /**
   * n×n row-major; column j is the unit eigenvector of w[j] (empty when
   * `wantVectors` is false). Sign gauge: the entry of largest magnitude of
   * each eigenvector (the first one on exact ties) is positive.
   */
  v: Float64Array;
  /** −1 on success; ≥ 0 if an iteration failed to converge (index of the failing eigenvalue / subproblem). */
  info: number;
}

/** Leaf size of divide and conquer (LAPACK's SMLSIZ). */
const SMLSIZ = 25;
/** Panel width of the tridiagonalization and the back-transformation. */
const NB = 32;
/** Panel width of the tridiagonalization (its level-2 overhead grows with it). */
const NB_TRD = 16;
/** Column-block width of the blocked symmetric rank-2k trailing update. */
const SB_TRD = 64;
/** Below this order the work arrays are plain (measured crossover ≈ 24–32 with the WASM kernels). */
const ARENA_MIN_N = 32;

/**
 * Eigenvalues (ascending) and, if `wantVectors`, orthonormal eigenvectors of a
 * symmetric n×n row-major matrix. Reads only the LOWER triangle (incl. the
 * diagonal) of `a`, which is not modified.
 */
export function eigh(a: Float64Array, n: number, wantVectors = true): EighResult {
  checkDim("eigh", "n", n);
  checkLen("eigh", "a", a, n * n);
  // native backend: LAPACK's syevd, same contract and gauge (declines non-finite input)
  const lp = backend().lapack;
  if (lp !== undefined && n >= lp.minN) {
    const r = lp.eigh(a, n, wantVectors);
    if (r !== null) return r;
  }
  const w = new Float64Array(n);
  if (n === 0) return { w, v: new Float64Array(0), info: -1 };
  // All work matrices live in one resident arena (WASM: inside the engine's
  // memory, so the panel GEMMs and the level-2 kernels run without copies).
  const nb = Math.min(NB_TRD, Math.max(1, n - 1));
  const nbm = Math.min(NB, Math.max(1, n - 1));
  // (+ the D&C workspace's arrays read by generated kernels or GEMMs: 3·n² + 6·n + 2)
  const dc = n > SMLSIZ ? 3 * n * n + 6 * n + 16 : 0;
  const doubles = n * n + n * nb + 2 * NB + (wantVectors ? n * n + n * nbm + 2 * nbm * nbm + 2 * nbm * n + dc : 0) + 16;
  // small matrices: plain arrays (the arena's set-up and the JS→WASM calls cost more than they save)
  if (n < ARENA_MIN_N) return eighCore(a, n, wantVectors, w, null);
  return withWorkArena(doubles, (F) => eighCore(a, n, wantVectors, w, F));
}

/** F: the arena (work arrays are views of it), or null: separate plain arrays. */
function eighCore(a: Float64Array, n: number, wantVectors: boolean, w: Float64Array, F: Float64Array | null): EighResult {
  const ws = new WorkArrays(F);
  // Column-major working copy of the lower triangle. Row-major (i, j), i ≥ j,
  // goes to column-major (i, j): index i + j*n.
  const A = ws.take(n * n);
  let anrm = 0;
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j <= i; j++) {
      const v = a[r + j];
      A[i + j * n] = v;
      const av = Math.abs(v);
      if (av > anrm || v !== v) anrm = v !== v ? NaN : av;
    }
  }
  if (anrm !== anrm || anrm === Infinity) {
    w.fill(NaN);
    return { w, v: wantVectors ? new Float64Array(n * n).fill(NaN) : new Float64Array(0), info: 0 };
  }
  // scale to avoid over/underflow in the tridiagonalization
  let scale = 1;
  if (anrm > 0 && (anrm < 1e-150 || anrm > 1e150)) {
    scale = 2 ** Math.max(-1000, Math.min(1000, -Math.round(Math.log2(anrm)))); // power of two: exact
    for (let j = 0; j < n; j++) for (let i = j; i < n; i++) A[i + j * n] *= scale;
  }
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  const tau = new Float64Array(Math.max(0, n - 1));
  sytrdLower(A, n, d, e, tau, ws);
  let info: number;
  let v: Float64Array;
  if (!wantVectors) {
    info = tql2(d, e, 0, n, null, 0, 0);
    w.set(d);
    v = new Float64Array(0);
  } else {
    const Z = ws.take(n * n);
    info = stedc(d, e, n, Z, n > SMLSIZ ? (len) => ws.take(len) : undefined);
    // V = Q·Z
    ormtrLower(A, n, tau, Z, ws);
    w.set(d);
    v = new Float64Array(n * n);
    // sign gauge + transpose to row-major
    for (let j = 0; j < n; j++) {
      const c = j * n;
      let best = 0;
      let bi = 0;
      for (let i = 0; i < n; i++) {
        const av = Math.abs(Z[c + i]);
        if (av > best) {
          best = av;
          bi = i;
        }
      }
      if (Z[c + bi] < 0) for (let i = 0; i < n; i++) Z[c + i] = -Z[c + i];
    }
    transposeInto(Z, 0, n, n, v, 0);
  }
  if (scale !== 1) for (let i = 0; i < n; i++) w[i] /= scale;
  return { w, v, info };
}

// ---------------------------------------------------------------------------
// 1. Tridiagonalization (column-major, lower triangle)
// ---------------------------------------------------------------------------

/**
 * Reduce the symmetric matrix whose lower triangle is in A (n×n column-major)
 * to tridiagonal form T = Qᵀ·A·Q (LAPACK sytrd, uplo = 'L'). On exit d, e hold
 * T's diagonal and subdiagonal; the reflectors H_c = I − tau_c·v·vᵀ (v(c+1) = 1,
 * v(c+2:n) stored in A[c+2:n, c]) give Q = H_0·H_1⋯H_{n−2}.
 */
function sytrdLower(A: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array, ws: WorkArrays): void {
  const nb = Math.min(NB_TRD, Math.max(1, n - 1));
  const W = ws.take(n * nb); // panel W, column-major ld n (next to A: level-2 kernels in place)
  const tmp = ws.take(2 * NB);
  const refl: Reflector = { beta: 0, tau: 0 };
  // level-2 kernels when A lives in a resident arena (WASM), else the JS loops
  const resident = isResident(A);
  for (let i = 0; i < n - 1; i += NB_TRD) {
    const ib = Math.min(NB_TRD, n - 1 - i);
    if (resident) latrdLower(A, n, i, ib, d, e, tau, W, tmp, refl);
    else latrdLowerJs(A, n, i, ib, d, e, tau, W, tmp, refl);
    const r0 = i + ib;
    // trailing update A[r0:n, r0:n] −= V·Wᵀ + W·Vᵀ (lower triangle, by block columns)
    const SB = SB_TRD;
    for (let c0 = r0; c0 < n; c0 += SB) {
      const c1 = Math.min(n, c0 + SB);
      const rows = n - c0;
      const cols = c1 - c0;
      gemmCM(false, true, rows, cols, ib, -1, A, c0 + i * n, n, W, c0, n, 1, A, c0 + c0 * n, n);
      gemmCM(false, true, rows, cols, ib, -1, W, c0, n, A, c0 + i * n, n, 1, A, c0 + c0 * n, n);
    }
    // restore the subdiagonal (the reflectors' unit entries were stored there)
    for (let c = i; c < i + ib; c++) A[c + 1 + c * n] = e[c];
  }
  d[n - 1] = A[n - 1 + (n - 1) * n];
}

/**
 * Panel of the tridiagonalization (LAPACK latrd, lower): reduce columns
 * i..i+ib−1, leaving the trailing update for the caller. W receives the panel
 * matrix (column j of the panel in W[:, j], rows c+1..n−1).
 */
function latrdLower(A: Float64Array, n: number, i: number, ib: number, d: Float64Array, e: Float64Array, tau: Float64Array, W: Float64Array, tmp: Float64Array, refl: Reflector): void {
  // Column-major matrices are row-major transposes (column q = "row" q): a
  // column-major Aᵀ·x is gemvN, A·x is gemvT, and the lower-triangle symv is
  // symvU (level2.ts; WASM SIMD in place on resident-arena views).
  for (let j = 0; j < ib; j++) {
    const c = i + j;
    const cc = c * n;
    // A[c:n, c] −= V[c:n, 0:j]·W[c, 0:j]ᵀ + W[c:n, 0:j]·V[c, 0:j]ᵀ
    if (j > 0) {
      gemvT(j, n - c, -1, A, i * n + c, n, W, c, n, 1, A, cc + c);
      gemvT(j, n - c, -1, W, c, n, A, i * n + c, n, 1, A, cc + c);
    }
    // reflector annihilating A[c+2:n, c]
    larfg(A[cc + c + 1], A, cc + c + 2, 1, n - c - 2, refl);
    e[c] = refl.beta;
    const t = refl.tau;
    tau[c] = t;
    A[cc + c + 1] = 1;
    d[c] = A[cc + c];
    // w = tau·(A22·v − V·(Wᵀv) − W·(Vᵀv)), rows c+1..n−1
    const wj = j * n;
    const r0 = c + 1;
    if (t === 0) {
      for (let r = r0; r < n; r++) W[wj + r] = 0;
      continue;
    }
    symvU(n - r0, A, r0 * n + r0, n, A, cc + r0, W, wj + r0);
    if (j > 0) {
      gemvN(j, n - r0, 1, W, r0, n, A, cc + r0, 0, tmp, 0);
      gemvN(j, n - r0, 1, A, i * n + r0, n, A, cc + r0, 0, tmp, NB);
      gemvT(j, n - r0, -1, A, i * n + r0, n, tmp, 0, 1, 1, W, wj + r0);
      gemvT(j, n - r0, -1, W, r0, n, tmp, NB, 1, 1, W, wj + r0);
    }
    let dot = 0;
    for (let r = r0; r < n; r++) {
      W[wj + r] *= t;
      dot += W[wj + r] * A[cc + r];
    }
    const alpha = -0.5 * t * dot;
    for (let r = r0; r < n; r++) W[wj + r] += alpha * A[cc + r];
  }
}

/**
 * latrdLower with plain-JavaScript loops (the original; faster than the
 * level-2 kernels' calls for small matrices and on plain arrays):
 * Panel of the tridiagonalization (LAPACK latrd, lower): reduce columns
 * i..i+ib−1, leaving the trailing update for the caller. W receives the panel
 * matrix (column j of the panel in W[:, j], rows c+1..n−1).
 */
function latrdLowerJs(A: Float64Array, n: number, i: number, ib: number, d: Float64Array, e: Float64Array, tau: Float64Array, W: Float64Array, tmp: Float64Array, refl: Reflector): void {
  for (let j = 0; j < ib; j++) {
    const c = i + j;
    const cc = c * n;
    // A[c:n, c] −= V[c:n, 0:j]·W[c, 0:j]ᵀ + W[c:n, 0:j]·V[c, 0:j]ᵀ
    let p0 = 0;
    for (; p0 + 1 < j; p0 += 2) {
      const vp = (i + p0) * n; // columns of V
      const vq = vp + n;
      const wp = p0 * n;
      const wq = wp + n;
      const wcp = W[wp + c];
      const vcp = A[vp + c];
      const wcq = W[wq + c];
      const vcq = A[vq + c];
      for (let r = c; r < n; r++) A[cc + r] -= A[vp + r] * wcp + W[wp + r] * vcp + A[vq + r] * wcq + W[wq + r] * vcq;
    }
    if (p0 < j) {
      const vp = (i + p0) * n;
      const wp = p0 * n;
      const wcp = W[wp + c];
      const vcp = A[vp + c];
      for (let r = c; r < n; r++) A[cc + r] -= A[vp + r] * wcp + W[wp + r] * vcp;
    }
    // reflector annihilating A[c+2:n, c]
    larfg(A[cc + c + 1], A, cc + c + 2, 1, n - c - 2, refl);
    e[c] = refl.beta;
    const t = refl.tau;
    tau[c] = t;
    A[cc + c + 1] = 1;
    d[c] = A[cc + c];
    // w = tau·(A22·v − V·(Wᵀv) − W·(Vᵀv)), rows c+1..n−1
    const wj = j * n;
    const r0 = c + 1;
    if (t === 0) {
      for (let r = r0; r < n; r++) W[wj + r] = 0;
      continue;
    }
    symvLower(A, n, r0, A, cc, W, wj);
    for (let p = 0; p < j; p++) {
      const vp = (i + p) * n;
      const wp = p * n;
      let s1 = 0;
      let s2 = 0;
      for (let r = r0; r < n; r++) {
        const vr = A[cc + r];
        s1 += W[wp + r] * vr;
        s2 += A[vp + r] * vr;
      }
      tmp[p] = s1;
      tmp[NB + p] = s2;
    }
    let q0 = 0;
    for (; q0 + 1 < j; q0 += 2) {
      const vp = (i + q0) * n;
      const vq = vp + n;
      const wp = q0 * n;
      const wq = wp + n;
      const s1 = tmp[q0];
      const s2 = tmp[NB + q0];
      const s3 = tmp[q0 + 1];
      const s4 = tmp[NB + q0 + 1];
      for (let r = r0; r < n; r++) W[wj + r] -= A[vp + r] * s1 + W[wp + r] * s2 + A[vq + r] * s3 + W[wq + r] * s4;
    }
    if (q0 < j) {
      const vp = (i + q0) * n;
      const wp = q0 * n;
      const s1 = tmp[q0];
      const s2 = tmp[NB + q0];
      for (let r = r0; r < n; r++) W[wj + r] -= A[vp + r] * s1 + W[wp + r] * s2;
    }
    let dot = 0;
    for (let r = r0; r < n; r++) {
      W[wj + r] *= t;
      dot += W[wj + r] * A[cc + r];
    }
    const alpha = -0.5 * t * dot;
    for (let r = r0; r < n; r++) W[wj + r] += alpha * A[cc + r];
  }
}

/**
 * y[r0:n] = A[r0:n, r0:n]·x[r0:n] for the symmetric matrix stored in the lower
 * triangle of A (column-major, ld n); x at xOff + r, y at yOff + r.
 */
function symvLower(A: Float64Array, n: number, r0: number, X: Float64Array, xOff: number, Y: Float64Array, yOff: number): void {
  // column-major lower = row-major upper: the portable four-column kernel on the trailing block
  symvURef(n - r0, A, r0 * n + r0, n, X, xOff + r0, Y, yOff + r0);
}

/** Z ← Q·Z with Q = H_0⋯H_{n−2} from sytrdLower (LAPACK ormtr, blocked). */
function ormtrLower(A: Float64Array, n: number, tau: Float64Array, Z: Float64Array, ws: WorkArrays): void {
  const k = n - 1;
  if (k <= 0) return;
  const nbm = Math.min(NB, k);
  const vbuf = ws.take(k * nbm);
  const tbuf = ws.take(nbm * nbm);
  // larft's G scratch in the arena (its GEMM then needs no copies); plain: larft's own
  const gbuf = ws.arena ? ws.take(nbm * nbm) : undefined;
  const work = ws.take(2 * nbm * n);
  const lastStart = Math.floor((k - 1) / NB) * NB;
  for (let i = lastStart; i >= 0; i -= NB) {
    const ib = Math.min(NB, k - i);
    const mv = n - 1 - i; // reflectors act on rows i+1..n−1
    for (let c = 0; c < ib; c++) {
      const src = (i + c) * n + i + 1; // A[i+1, i+c]
      const dst = c * mv;
      for (let r = 0; r < c; r++) vbuf[dst + r] = 0;
      vbuf[dst + c] = 1;
      for (let r = c + 1; r < mv; r++) vbuf[dst + r] = A[src + r];
    }
    larft(mv, ib, vbuf, 0, mv, tau, i, tbuf, 0, ib, gbuf);
    larfbLeft(false, mv, n, ib, vbuf, 0, mv, tbuf, 0, ib, Z, i + 1, n, work);
  }
}

// ---------------------------------------------------------------------------
// 2a. Implicit QL for the symmetric tridiagonal problem (tql2)
// ---------------------------------------------------------------------------

/**
 * Eigen-decomposition of the tridiagonal block with diagonal d[lo:lo+m] and
 * off-diagonal e[lo:lo+m−1] by the implicit QL method with Wilkinson shifts.
 * Eigenvalues are returned sorted ascending in d[lo:lo+m]. If Q is given, the
 * rotations are applied to its columns lo..lo+m−1 (column-major at qOff, ld
 * ldq, `rows` rows): pass the identity block to get T's eigenvectors.
 * Returns −1 on success or the (global) index of an eigenvalue that did not
 * converge in 60 iterations.
 */
function tql2(d: Float64Array, e: Float64Array, lo: number, m: number, Q: Float64Array | null, qOff: number, ldq: number, rows = m): number {
  if (m <= 1) return -1;
  const ee = new Float64Array(m);
  for (let i = 0; i < m - 1; i++) ee[i] = e[lo + i];
  ee[m - 1] = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < m; l++) {
    const dl = d[lo + l];
    tst1 = Math.max(tst1, Math.abs(dl) + Math.abs(ee[l]));
    let mm = l;
    while (mm < m) {
      if (Math.abs(ee[mm]) <= EPS * tst1) break;
      mm++;
    }
    if (mm > l) {
      let iter = 0;
      do {
        if (++iter > 60) return lo + l;
        // Wilkinson-like shift
        let g = d[lo + l];
        let p = (d[lo + l + 1] - g) / (2 * ee[l]);
        let r = fastHypot(p, 1);
        if (p < 0) r = -r;
        d[lo + l] = ee[l] / (p + r);
        d[lo + l + 1] = ee[l] * (p + r);
        const dl1 = d[lo + l + 1];
        let h = g - d[lo + l];
        for (let i = l + 2; i < m; i++) d[lo + i] -= h;
        f += h;
        // implicit QL transformation
        p = d[lo + mm];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = ee[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = mm - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * ee[i];
          h = c * p;
          r = fastHypot(p, ee[i]);
          ee[i + 1] = s * r;
          s = ee[i] / r;
          c = p / r;
          p = c * d[lo + i] - s * g;
          d[lo + i + 1] = h + s * (c * g + s * d[lo + i]);
          if (Q) {
            const ci = qOff + (lo + i) * ldq;
            const ci1 = ci + ldq;
            for (let k = 0; k < rows; k++) {
              const hk = Q[ci1 + k];
              const qk = Q[ci + k];
              Q[ci1 + k] = s * qk + c * hk;
              Q[ci + k] = c * qk - s * hk;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * ee[l]) / dl1;
        ee[l] = s * p;
        d[lo + l] = c * p;
      } while (Math.abs(ee[l]) > EPS * tst1);
    }
    d[lo + l] = d[lo + l] + f;
    ee[l] = 0;
  }
  // selection sort, ascending
  for (let i = 0; i < m - 1; i++) {
    let k = i;
    let p = d[lo + i];
    for (let j = i + 1; j < m; j++) {
      if (d[lo + j] < p) {
        k = j;
        p = d[lo + j];
      }
    }
    if (k !== i) {
      d[lo + k] = d[lo + i];
      d[lo + i] = p;
      if (Q) {
        const ci = qOff + (lo + i) * ldq;
        const ck = qOff + (lo + k) * ldq;
        for (let r = 0; r < rows; r++) {
          const t = Q[ci + r];
          Q[ci + r] = Q[ck + r];
          Q[ck + r] = t;
        }
      }
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------
// 2b. Divide and conquer for the symmetric tridiagonal eigenproblem
// ---------------------------------------------------------------------------

/**
 * Eigenvalues (ascending, into d) and eigenvectors (into Z, n×n column-major)
 * of the symmetric tridiagonal matrix (d, e). Returns −1 or a failure index.
 */
function stedc(d: Float64Array, e: Float64Array, n: number, Z: Float64Array, take?: (len: number) => Float64Array): number {
  Z.fill(0);
  for (let i = 0; i < n; i++) Z[i + i * n] = 1;
  if (n === 1) return -1;
  // scale to max-norm 1 (the deflation tolerances assume it)
  let orgnrm = 0;
  for (let i = 0; i < n; i++) orgnrm = Math.max(orgnrm, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) orgnrm = Math.max(orgnrm, Math.abs(e[i]));
  if (orgnrm === 0) return -1;
  // scale by a power of two (exact)
  const sc = 2 ** -Math.round(Math.log2(orgnrm));
  for (let i = 0; i < n; i++) d[i] *= sc;
  for (let i = 0; i < n - 1; i++) e[i] *= sc;
  // merges happen only above the leaf size; small problems skip the O(n²) workspace
  const ws = n > SMLSIZ ? new DcWorkspace(n, take) : null;
  let info = -1;
  // split into unreduced blocks at negligible off-diagonal entries
  let start = 0;
  let blocks = 0;
  while (start < n) {
    let end = start;
    while (end < n - 1) {
      const tiny = EPS * Math.sqrt(Math.abs(d[end])) * Math.sqrt(Math.abs(d[end + 1]));
      if (Math.abs(e[end]) <= tiny) {
        e[end] = 0;
        break;
      }
      end++;
    }
    // block [start, end]
    const r = dcRec(d, e, start, end + 1, Z, n, ws);
    if (r >= 0 && info < 0) info = r;
    blocks++;
    start = end + 1;
  }
  if (blocks > 1) sortEigenpairs(d, Z, n, n);
  for (let i = 0; i < n; i++) d[i] /= sc;
  return info;
}

/** Sort eigenvalues ascending and permute the columns of Z (rows × n, column-major, ld rows). */
function sortEigenpairs(d: Float64Array, Z: Float64Array, n: number, rows: number): void {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((x, y) => d[x] - d[y] || x - y);
  let sorted = true;
  for (let i = 0; i < n; i++) if (idx[i] !== i) sorted = false;
  if (sorted) return;
  const dd = d.slice(0, n);
  const zz = Z.slice(0, rows * n);
  for (let j = 0; j < n; j++) {
    d[j] = dd[idx[j]];
    Z.set(zz.subarray(idx[j] * rows, idx[j] * rows + rows), j * rows);
  }
}

/** Scratch arrays reused across merges (allocated once per decomposition). */
class DcWorkspace {
  z: Float64Array;
  dl: Float64Array;
  typ: Int8Array;
  perm: Int32Array;
  nd: Int32Array;
  df: Int32Array;
  dK: Float64Array;
  zK: Float64Array;
  orig: Int32Array;
  tauK: Float64Array;
  zhat: Float64Array;
  g: Float64Array;
  prod: Float64Array;
  vals: Float64Array;
  src: Int32Array;
  order: Int32Array;
  dG: Float64Array;
  zG: Float64Array;
  Um: Float64Array;
  Qg: Float64Array;
  vecs: Float64Array;
  defl: Float64Array;
  /** the secular solver's operands (pole weights, offsets, 2-entry sums) */
  secOut: Float64Array;
  /**
   * `take` places the arrays the generated kernels read (the secular solver's
   * zK, g, secOut; the Cauchy kernels' dK, prod, dG, zG, Um) and the merge
   * GEMMs' operands (Um, Qg, vecs), e.g. in a resident arena.
   */
  constructor(n: number, take: (len: number) => Float64Array = (len) => new Float64Array(len)) {
    this.secOut = take(2);
    this.z = new Float64Array(n);
    this.dl = new Float64Array(n);
    this.typ = new Int8Array(n);
    this.perm = new Int32Array(n);
    this.nd = new Int32Array(n);
    this.df = new Int32Array(n);
    this.dK = take(n);
    this.zK = take(n);
    this.orig = new Int32Array(n);
    this.tauK = new Float64Array(n);
    this.zhat = new Float64Array(n);
    this.g = take(n);
    this.prod = take(n);
    this.vals = new Float64Array(n);
    this.src = new Int32Array(n);
    this.order = new Int32Array(n);
    this.dG = take(n);
    this.zG = take(n);
    this.Um = take(n * n);
    this.Qg = take(n * n);
    this.vecs = take(n * n);
    this.defl = new Float64Array(n * n);
  }
}

function dcRec(d: Float64Array, e: Float64Array, lo: number, hi: number, Z: Float64Array, ldz: number, ws: DcWorkspace | null): number {
  const size = hi - lo;
  if (size <= SMLSIZ) {
    return tql2(d, e, lo, size, Z, lo, ldz);
  }
  const mid = lo + (size >> 1);
  const beta = e[mid - 1];
  const ab = Math.abs(beta);
  d[mid - 1] -= ab;
  d[mid] -= ab;
  const i1 = dcRec(d, e, lo, mid, Z, ldz, ws);
  if (i1 >= 0) return i1;
  const i2 = dcRec(d, e, mid, hi, Z, ldz, ws);
  if (i2 >= 0) return i2;
  return mergeRankOne(d, lo, mid, hi, beta, Z, ldz, ws as DcWorkspace);
}

/**
 * Merge step (LAPACK laed1/laed2/laed3): the block Z[lo:hi, lo:hi] is
 * diag(Q1, Q2) with T1' = Q1·D1·Q1ᵀ, T2' = Q2·D2·Q2ᵀ (eigenvalues ascending in
 * d[lo:mid], d[mid:hi]); T = diag(T1', T2') + |β|·u·uᵀ, u = e_last + sign(β)·e_first.
 */
function mergeRankOne(d: Float64Array, lo: number, mid: number, hi: number, beta: number, Z: Float64Array, ldz: number, ws: DcWorkspace): number {
  const N = hi - lo;
  const n1 = mid - lo;
  const qb = lo + lo * ldz; // offset of the block's (0, 0)
  const { z, dl, typ, perm, nd, df, dK, zK, orig, tauK, zhat } = ws;
  const sb = beta < 0 ? -1 : 1;
  const invSqrt2 = Math.SQRT1_2;
  for (let c = 0; c < n1; c++) z[c] = Z[qb + (n1 - 1) + c * ldz] * invSqrt2;
  for (let c = n1; c < N; c++) z[c] = sb * Z[qb + n1 + c * ldz] * invSqrt2;
  const rho = 2 * Math.abs(beta);
  let dmax = 0;
  for (let c = 0; c < N; c++) {
    dl[c] = d[lo + c];
    typ[c] = c < n1 ? 1 : 3;
    dmax = Math.max(dmax, Math.abs(dl[c]));
  }
  // merge the two sorted lists
  {
    let p = 0;
    let q = n1;
    for (let k = 0; k < N; k++) {
      if (q >= N || (p < n1 && dl[p] <= dl[q])) perm[k] = p++;
      else perm[k] = q++;
    }
  }
  const tol = 8 * EPS * Math.max(dmax, rho);
  // --- deflation
  let K = 0;
  let nDf = 0;
  let pj = -1;
  for (let k = 0; k < N; k++) {
    const nj = perm[k];
    if (rho * Math.abs(z[nj]) <= tol) {
      df[nDf++] = nj;
      continue;
    }
    if (pj < 0) {
      pj = nj;
      continue;
    }
    let s = z[pj];
    let c = z[nj];
    const tau = hypot2(c, s);
    const t = dl[nj] - dl[pj];
    c /= tau;
    s = -s / tau;
    if (Math.abs(t * c * s) <= tol) {
      // deflate pj after rotating it against nj
      z[nj] = tau;
      z[pj] = 0;
      const cp = qb + pj * ldz;
      const cn = qb + nj * ldz;
      for (let r = 0; r < N; r++) {
        const x = Z[cp + r];
        const y = Z[cn + r];
        Z[cp + r] = c * x + s * y;
        Z[cn + r] = c * y - s * x;
      }
      const t2 = dl[pj] * c * c + dl[nj] * s * s;
      dl[nj] = dl[pj] * s * s + dl[nj] * c * c;
      dl[pj] = t2;
      if (typ[pj] !== typ[nj]) {
        typ[pj] = 2;
        typ[nj] = 2;
      }
      df[nDf++] = pj;
      pj = nj;
    } else {
      nd[K++] = pj;
      pj = nj;
    }
  }
  if (pj >= 0) nd[K++] = pj;

  // eigenvalues / eigenvectors of the secular problem
  const { Um, Qg, vecs, defl, prod, vals, src, order, dG, zG } = ws;
  if (K > 0) {
    // keep the non-deflated poles sorted (rotations can perturb the order by round-off)
    insertionSortBy(nd, K, dl);
    for (let i = 0; i < K; i++) {
      dK[i] = dl[nd[i]];
      zK[i] = z[nd[i]];
    }
    const res: SecularRoot = { orig: 0, tau: 0 };
    for (let i = 0; i < K; i++) {
      if (!secularRoot(K, dK, zK, rho, i, false, ws.g, res, ws.secOut)) return lo + i;
      orig[i] = res.orig;
      tauK[i] = res.tau;
    }
    // Gu–Eisenstat: ẑ_r² = −Π_j Δ[r,j] / Π_{j≠r} (d_r − d_j), with Δ[r, j] = d_r − λ_j
    // computed accurately through the origin shift as (d_r − d_o(j)) − τ_j (never stored)
    for (let r = 0; r < K; r++) prod[r] = dK[r] - dK[orig[r]] - tauK[r];
    // the same loops by generated WASM SIMD kernels when the workspace is resident
    const cx = cauchyFor(dK, prod, dG, zG, Um, ws.secOut);
    for (let j = 0; j < K; j++) {
      const o = dK[orig[j]];
      const tj = tauK[j];
      const dj = dK[j];
      if (cx !== null) {
        cx.cauchyProd(0, j, dK.byteOffset, o, tj, dj, 0, prod.byteOffset);
        cx.cauchyProd(j + 1, K, dK.byteOffset, o, tj, dj, 0, prod.byteOffset);
        continue;
      }
      for (let r = 0; r < j; r++) prod[r] *= (dK[r] - o - tj) / (dK[r] - dj);
      for (let r = j + 1; r < K; r++) prod[r] *= (dK[r] - o - tj) / (dK[r] - dj);
    }
    for (let r = 0; r < K; r++) {
      const zr = Math.sqrt(Math.abs(prod[r]));
      zhat[r] = zK[r] < 0 ? -zr : zr;
    }
    // eigenvectors of D + ρ·z·zᵀ: u_j[r] = ẑ_r / Δ[r, j], normalized; rows grouped by column type
    let c1 = 0;
    let c2 = 0;
    for (let r = 0; r < K; r++) {
      const t = typ[nd[r]];
      if (t === 1) c1++;
      else if (t === 2) c2++;
    }
    {
      let p1 = 0;
      let p2 = c1;
      let p3 = c1 + c2;
      for (let r = 0; r < K; r++) {
        const t = typ[nd[r]];
        if (t === 1) order[p1++] = r;
        else if (t === 2) order[p2++] = r;
        else order[p3++] = r;
      }
    }
    for (let r = 0; r < K; r++) dG[r] = dK[order[r]];
    for (let r = 0; r < K; r++) zG[r] = zhat[order[r]];
    for (let j = 0; j < K; j++) {
      const cj = j * K;
      const o = dK[orig[j]];
      const tj = tauK[j];
      if (cx !== null) {
        const col = Um.byteOffset + 8 * cj;
        cx.cauchyVec(K, zG.byteOffset, dG.byteOffset, o, tj, 0, col, 0, ws.secOut.byteOffset);
        cx.scal(K, 1 / Math.sqrt(ws.secOut[0]), col);
        continue;
      }
      let ss = 0;
      for (let gi = 0; gi < K; gi++) {
        const u = zG[gi] / (dG[gi] - o - tj);
        Um[cj + gi] = u;
        ss += u * u;
      }
      const inv = 1 / Math.sqrt(ss);
      for (let gi = 0; gi < K; gi++) Um[cj + gi] *= inv;
    }
    // gathered old eigenvectors Qg (N×K)
    for (let gi = 0; gi < K; gi++) {
      const sc = qb + nd[order[gi]] * ldz;
      const dc = gi * N;
      Qg.set(Z.subarray(sc, sc + N), dc);
    }
    const c12 = c1 + c2;
    const c23 = K - c1;
    // rows 0..n1−1: only type 1 and 2 columns are nonzero there
    if (c12 > 0) gemmCM(false, false, n1, K, c12, 1, Qg, 0, N, Um, 0, K, 0, vecs, 0, N);
    else for (let j = 0; j < K; j++) vecs.fill(0, j * N, j * N + n1);
    // rows n1..N−1: only type 2 and 3 columns
    if (c23 > 0) gemmCM(false, false, N - n1, K, c23, 1, Qg, n1 + c1 * N, N, Um, c1, K, 0, vecs, n1, N);
    else for (let j = 0; j < K; j++) vecs.fill(0, j * N + n1, j * N + N);
  }
  // --- assemble: all eigenvalues ascending with their vectors. The secular roots
  // are ascending (one per pole gap); the deflated values are nearly sorted.
  insertionSortBy(df, nDf, dl);
  for (let q = 0; q < nDf; q++) {
    const cs = qb + df[q] * ldz;
    const dc = q * N;
    defl.set(Z.subarray(cs, cs + N), dc);
  }
  const total = K + nDf;
  {
    let a = 0;
    let b = 0;
    for (let t = 0; t < total; t++) {
      const va = a < K ? dK[orig[a]] + tauK[a] : Infinity;
      const vb = b < nDf ? dl[df[b]] : Infinity;
      if (b >= nDf || (a < K && va <= vb)) {
        vals[t] = va;
        src[t] = a++;
      } else {
        vals[t] = vb;
        src[t] = -1 - b++;
      }
    }
    // round-off could in principle break the order of the roots: repair (rare)
    for (let t = 1; t < total; t++) {
      if (vals[t] < vals[t - 1]) {
        sortPairs(vals, src, total);
        break;
      }
    }
  }
  for (let t = 0; t < total; t++) {
    const sx = src[t];
    d[lo + t] = vals[t];
    const dst = qb + t * ldz;
    const from = sx >= 0 ? vecs : defl;
    const so = (sx >= 0 ? sx : -1 - sx) * N;
    Z.set(from.subarray(so, so + N), dst);
  }
  return -1;
}

/** Row-block height of the half product in `symCongruence`. */
const NB_CONG = 32;

/**
 * V·sym(X)·Vᵀ for n×n row-major V and X (sym(X) = (X + Xᵀ)/2), exactly
 * symmetric: Y = V·sym(X) by one GEMM, then only the lower triangle of Y·Vᵀ
 * (one GEMM per block of NB_CONG rows, ≈ n³ flops instead of 2n³), mirrored.
 * The last step of the eigh derivative rules. Returns a new n×n array.
 */
export function symCongruence(v: Float64Array, x: Float64Array, n: number): Float64Array {
  checkDim("symCongruence", "n", n);
  checkLen("symCongruence", "v", v, n * n);
  checkLen("symCongruence", "x", x, n * n);
  const xs = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const t = 0.5 * (x[i * n + j] + x[j * n + i]);
      xs[i * n + j] = t;
      xs[j * n + i] = t;
    }
    xs[i * n + i] = x[i * n + i];
  }
  const y = new Float64Array(n * n);
  gemmRM(false, false, n, n, n, 1, v, 0, n, xs, 0, n, 0, y, 0, n);
  const out = new Float64Array(n * n);
  // small n: one full product is as fast as the row blocks
  const nb = n <= 4 * NB_CONG ? Math.max(n, 1) : NB_CONG;
  for (let i0 = 0; i0 < n; i0 += nb) {
    const i1 = Math.min(n, i0 + nb);
    // out[i0:i1, 0:i1] = Y[i0:i1, :]·V[0:i1, :]ᵀ
    gemmRM(false, true, i1 - i0, i1, n, 1, y, i0 * n, n, v, 0, n, 0, out, i0 * n, n);
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[j * n + i] = out[i * n + j];
  return out;
}
