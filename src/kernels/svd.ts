/**
 * Singular value decomposition A = U·diag(s)·Vᵀ, row-major float64 in and
 * out, one matrix per call.
 *
 * Algorithm (as LAPACK gesdd):
 *  1. blocked Golub–Kahan bidiagonalization Qᵀ·A·P = B, B upper bidiagonal
 *     (gebrd/labrd; half of the flops in two GEMM updates per panel);
 *  2. SVD of B by divide and conquer (Gu–Eisenstat; bdsdc / lasd0–lasd4):
 *     deflation, the secular equation for σ² (shared solver, see util.ts),
 *     recomputed z for orthogonal vectors, GEMM for the vector updates; the
 *     implicit zero-shift / shifted QR of Demmel–Kahan (bdsqr) on small leaves
 *     and for singular values only;
 *  3. back-transformation U = Q·U_B, V = P·V_B with blocked reflectors (GEMM).
 * Wide matrices are handled as the transpose (no copy: a row-major m×n array
 * read column-major is Aᵀ).
 *
 * Layer-1 kernel: non-convergence is reported through `info`, not thrown.
 */
import {
  checkDim,
  checkLen,
  EPS,
  SAFMIN,
  gemmCM,
  hypot2,
  insertionSortBy,
  larfg,
  larft,
  larfbLeft,
  secularRoot,
  sortPairs,
  transposeInto,
  WorkArrays,
  type Reflector,
  type SecularRoot,
} from "./util.js";
import { geqrf } from "./qr.js";
import { backend, withWorkArena } from "./backend.js";
import { cauchyFor, gemvN, gemvT } from "./level2.js";

export type SvdMode = "thin" | "full" | "none";

export interface SvdResult {
  /**
   * Left singular vectors, row-major: m×k ("thin"), m×m ("full"), empty ("none").
   * Sign gauge: the entry of largest magnitude of each column of U (the first
   * one on exact ties) is positive; V's matching column is flipped with it. In
   * "full" mode the extra columns (beyond k) of U and of V get the same gauge
   * on their own.
   */
  u: Float64Array;
  /** Singular values, descending, length k = min(m, n). */
  s: Float64Array;
  /** Right singular vectors V (not Vᵀ), row-major: n×k ("thin"), n×n ("full"), empty ("none"). */
  v: Float64Array;
  /** −1 on success; ≥ 0 if the bidiagonal SVD failed to converge. */
  info: number;
}

/** Leaf size of divide and conquer (LAPACK's SMLSIZ). */
const SMLSIZ = 25;
const NB = 32;
/** Panel width of the bidiagonalization (its level-2 overhead grows with it). */
const NB_BRD = 16;
/** Matrices with m ≥ this ratio × n take the QR-first path. */
const QR_FIRST_RATIO = 2;

/**
 * SVD of an m×n row-major matrix (not modified). Handles tall, wide, square,
 * rank-deficient and zero matrices, and m or n = 0 (k = 0: empty s; "full"
 * then returns identity U and V).
 */
export function svd(a: Float64Array, m: number, n: number, mode: SvdMode = "thin"): SvdResult {
  checkDim("svd", "m", m);
  checkDim("svd", "n", n);
  checkLen("svd", "a", a, m * n);
  if (mode !== "thin" && mode !== "full" && mode !== "none") throw new RangeError(`svd: unknown mode ${String(mode)}`);
  const k = Math.min(m, n);
  // native backend: LAPACK's gesdd, same contract and gauge (declines non-finite input)
  const lp = backend().lapack;
  if (lp !== undefined && k >= lp.minN) {
    const r = lp.svd(a, m, n, mode);
    if (r !== null) return r;
  }
  const wantU = mode !== "none";
  if (k === 0) {
    const u = mode === "full" ? identity(m) : new Float64Array(0);
    const v = mode === "full" ? identity(n) : new Float64Array(0);
    return { u, s: new Float64Array(0), v, info: -1 };
  }
  // Column-major working matrix W (M×N, M ≥ N): A itself (tall) or Aᵀ (wide).
  const tall = m >= n;
  const M = tall ? m : n;
  const N = tall ? n : m;
  // All work matrices live in one resident arena (WASM: inside the engine's
  // memory, so the panel GEMMs and the level-2 kernels run without copies).
  const uc = mode === "full" ? M : N;
  const doubles = arenaDoubles(M, N, uc, M >= QR_FIRST_RATIO * N);
  return withWorkArena(doubles, (F) => svdCore(a, m, n, mode, k, wantU, tall, M, N, new WorkArrays(F)));
}

/** Arena size for svdCore (matches its `take` calls, plus alignment slack). */
function arenaDoubles(M: number, N: number, uc: number, qrFirst: boolean): number {
  const nb = NB_BRD;
  // + the D&C merges' GEMM operands (3·N² + 3·N·(N+1), see SvdWorkspace)
  const merge = N > SMLSIZ ? 3 * N * N + 3 * N * (N + 1) + 6 * (N + 1) + 16 : 0;
  return M * N + (qrFirst ? N * N : 0) + M * nb + N * nb + 6 * nb + 2 * N + 2 * N * N + merge + M * uc + N * N + backScratch(M, N, uc) + 32;
}

/** Scratch of the back-transformations (applyQ / applyP, one at a time): V, T, G and GEMM work. */
function backScratch(M: number, N: number, uc: number): number {
  const nbm = Math.min(NB, N);
  return M * nbm + 2 * nbm * nbm + 2 * nbm * Math.max(uc, N) + 8;
}

function svdCore(a: Float64Array, m: number, n: number, mode: SvdMode, k: number, wantU: boolean, tall: boolean, M: number, N: number, ws: WorkArrays): SvdResult {
  const W = ws.take(M * N);
  let anrm = 0;
  if (tall) {
    transposeInto(a, 0, m, n, W, 0);
  } else {
    W.set(a.subarray(0, m * n)); // row-major A = column-major Aᵀ (n×m)
  }
  for (let i = 0; i < W.length; i++) {
    const v = Math.abs(W[i]);
    if (v > anrm) anrm = v;
    else if (v !== v) {
      anrm = NaN;
      break;
    }
  }
  if (anrm !== anrm || anrm === Infinity) {
    const s = new Float64Array(k).fill(NaN);
    const uc = mode === "full" ? m : k;
    const vc = mode === "full" ? n : k;
    return {
      u: wantU ? new Float64Array(m * uc).fill(NaN) : new Float64Array(0),
      s,
      v: wantU ? new Float64Array(n * vc).fill(NaN) : new Float64Array(0),
      info: 0,
    };
  }
  let scale = 1;
  if (anrm > 0 && (anrm < 1e-150 || anrm > 1e150)) {
    scale = 2 ** Math.max(-1000, Math.min(1000, -Math.round(Math.log2(anrm))));
    for (let i = 0; i < W.length; i++) W[i] *= scale;
  }
  // Very tall: QR first (mostly GEMM), then bidiagonalize the N×N factor R
  // (LAPACK gesdd's path for m ≫ n).
  let B = W;
  let MB = M;
  let tauqr: Float64Array | null = null;
  if (M >= QR_FIRST_RATIO * N) {
    tauqr = new Float64Array(N);
    geqrf(W, M, N, tauqr);
    B = ws.take(N * N);
    for (let j = 0; j < N; j++) for (let i = 0; i <= j; i++) B[i + j * N] = W[i + j * M];
    MB = N;
  }
  const d = new Float64Array(N);
  const e = new Float64Array(N);
  const tauq = new Float64Array(N);
  const taup = new Float64Array(N);
  gebrd(B, MB, N, d, e, tauq, taup, ws);

  if (!wantU) {
    const info = bdsqr(N, d, 0, e, 0, null, 0, 0, 0, null, 0, 0, 0);
    const s = new Float64Array(N);
    for (let i = 0; i < N; i++) s[i] = d[N - 1 - i] / scale;
    return { u: new Float64Array(0), s, v: new Float64Array(0), info };
  }

  // bidiagonal SVD: B = UB·diag(d)·VBᵀ, d ascending
  const UB = ws.take(N * N);
  const VB = ws.take(N * N);
  const info = bdsdc(N, d, e, UB, VB, (len) => ws.take(len));

  const full = mode === "full";
  // Left vectors of W: Q·[UB (descending); 0], M × (full ? M : N), column-major
  // (Q = Q_qr·diag(Q_brd, I) on the QR-first path)
  const uc = full ? M : N;
  const UW = ws.take(M * uc);
  const back = ws.take(backScratch(M, N, uc));
  for (let j = 0; j < N; j++) {
    const src = (N - 1 - j) * N;
    for (let i = 0; i < N; i++) UW[j * M + i] = UB[src + i];
  }
  for (let j = N; j < uc; j++) UW[j + j * M] = 1;
  if (tauqr) {
    // rows 0..N−1 of the first N columns ← Q_brd·UB (ld M), then everything ← Q_qr·UW
    applyQ(B, N, N, tauq, UW, N, M, back);
    applyQ(W, M, N, tauqr, UW, uc, M, back);
  } else {
    applyQ(W, M, N, tauq, UW, uc, M, back);
  }
  // Right vectors of W: P·VB (descending), N×N column-major
  const VW = ws.take(N * N);
  for (let j = 0; j < N; j++) {
    const src = (N - 1 - j) * N;
    for (let i = 0; i < N; i++) VW[j * N + i] = VB[src + i];
  }
  applyP(B, MB, N, taup, VW, back);

  const s = new Float64Array(N);
  for (let i = 0; i < N; i++) s[i] = d[N - 1 - i] / scale;

  // A = UW·S·VWᵀ (tall) or A = VW·S·UWᵀ (wide): pick U_A, V_A (column-major)
  const UA = tall ? UW : VW; // m × ucA
  const VA = tall ? VW : UW; // n × vcA
  const ucA = tall ? uc : N;
  const vcA = tall ? N : uc;
  // sign gauge on U_A's first k columns (flip V_A's partner), extra columns on their own
  for (let j = 0; j < k; j++) {
    if (gaugeNegative(UA, j * m, m)) {
      negate(UA, j * m, m);
      negate(VA, j * n, n);
    }
  }
  for (let j = k; j < ucA; j++) if (gaugeNegative(UA, j * m, m)) negate(UA, j * m, m);
  for (let j = k; j < vcA; j++) if (gaugeNegative(VA, j * n, n)) negate(VA, j * n, n);
  // to row-major outputs
  const ucols = full ? m : k;
  const vcols = full ? n : k;
  const u = new Float64Array(m * ucols);
  transposeInto(UA, 0, ucols, m, u, 0);
  const v = new Float64Array(n * vcols);
  transposeInto(VA, 0, vcols, n, v, 0);
  return { u, s, v, info };
}

function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/** True if the largest-magnitude entry (first on ties) of x[off:off+len] is negative. */
function gaugeNegative(x: Float64Array, off: number, len: number): boolean {
  let best = 0;
  let val = 0;
  for (let i = 0; i < len; i++) {
    const v = x[off + i];
    const av = Math.abs(v);
    if (av > best) {
      best = av;
      val = v;
    }
  }
  return val < 0;
}

function negate(x: Float64Array, off: number, len: number): void {
  for (let i = 0; i < len; i++) x[off + i] = -x[off + i];
}

// ---------------------------------------------------------------------------
// 1. Bidiagonalization (column-major, M ≥ N, upper bidiagonal)
// ---------------------------------------------------------------------------

/**
 * Qᵀ·A·P = B (LAPACK gebrd, m ≥ n): d = diag(B), e = superdiagonal (n−1).
 * Left reflector c: v = (1, A[c+1:M, c]), scale tauq[c]; right reflector c:
 * u = (1, A[c, c+2:N]) acting on columns c+1.., scale taup[c] (taup[N−1] = 0).
 */
function gebrd(A: Float64Array, M: number, N: number, d: Float64Array, e: Float64Array, tauq: Float64Array, taup: Float64Array, ws: WorkArrays): void {
  const refl: Reflector = { beta: 0, tau: 0 };
  const nb = NB_BRD;
  // workspace next to A (the same arena: level-2 kernels and GEMMs in place)
  const X = ws.take(M * nb);
  const Yt = ws.take(N * nb);
  const tmp = ws.take(6 * nb);
  const ucopy = ws.take(N);
  const ytmp = ws.take(N);
  let i0 = 0;
  // blocked panels while a trailing matrix of reasonable size remains
  for (; i0 + nb < N - 8; i0 += nb) {
    labrd(A, M, N, i0, nb, d, e, tauq, taup, X, Yt, tmp, ytmp, refl);
    const r0 = i0 + nb;
    // A[r0:M, r0:N] −= V·Yᵀ + X·U
    gemmCM(false, false, M - r0, N - r0, nb, -1, A, r0 + i0 * M, M, Yt, r0 * nb, nb, 1, A, r0 + r0 * M, M);
    gemmCM(false, false, M - r0, N - r0, nb, -1, X, r0, M, A, i0 + r0 * M, M, 1, A, r0 + r0 * M, M);
    for (let c = i0; c < r0; c++) {
      A[c + c * M] = d[c];
      A[c + (c + 1) * M] = e[c];
    }
  }
  // unblocked remainder (gebd2)
  for (let c = i0; c < N; c++) {
    const cc = c * M;
    larfg(A[cc + c], A, cc + c + 1, 1, M - c - 1, refl);
    d[c] = refl.beta;
    tauq[c] = refl.tau;
    A[cc + c] = refl.beta;
    const tq = refl.tau;
    if (tq !== 0) {
      for (let q = c + 1; q < N; q++) {
        const cq = q * M;
        let s = A[cq + c];
        for (let r = c + 1; r < M; r++) s += A[cc + r] * A[cq + r];
        s *= tq;
        if (s === 0) continue;
        A[cq + c] -= s;
        for (let r = c + 1; r < M; r++) A[cq + r] -= s * A[cc + r];
      }
    }
    if (c < N - 1) {
      const rowOff = c + (c + 1) * M; // A[c, c+1]
      larfg(A[rowOff], A, rowOff + M, M, N - c - 2, refl);
      e[c] = refl.beta;
      taup[c] = refl.tau;
      A[rowOff] = refl.beta;
      const tp = refl.tau;
      if (tp !== 0) {
        // w = A[c+1:M, c+1:N]·u, then A −= tp·w·uᵀ, u = (1, A[c, c+2:N])
        const len = N - c - 1;
        for (let q = 0; q < len; q++) ucopy[q] = q === 0 ? 1 : A[rowOff + q * M];
        const w = X; // scratch (M entries)
        for (let r = c + 1; r < M; r++) w[r] = 0;
        for (let q = 0; q < len; q++) {
          const uq = ucopy[q];
          if (uq === 0) continue;
          const cq = (c + 1 + q) * M;
          for (let r = c + 1; r < M; r++) w[r] += A[cq + r] * uq;
        }
        for (let q = 0; q < len; q++) {
          const f = tp * ucopy[q];
          if (f === 0) continue;
          const cq = (c + 1 + q) * M;
          for (let r = c + 1; r < M; r++) A[cq + r] -= w[r] * f;
        }
      }
    } else {
      taup[c] = 0;
    }
  }
}

/**
 * Panel of the bidiagonalization (LAPACK labrd, m ≥ n): reduce rows/columns
 * i0..i0+nb−1 and return X (M×nb, column-major) and Yt = Yᵀ (nb×N,
 * column-major, i.e. Y(q, p) at Yt[p + q*nb]) for the trailing update
 * A ← A − V·Yᵀ − X·U. On exit A[c, c] = 1 and A[c, c+1] = 1 (the reflectors'
 * unit entries, restored by the caller). Row-wise quantities are accessed with
 * the panel index innermost so that every inner loop is contiguous.
 */
function labrd(A: Float64Array, M: number, N: number, i0: number, nb: number, d: Float64Array, e: Float64Array, tauq: Float64Array, taup: Float64Array, X: Float64Array, Yt: Float64Array, tmp: Float64Array, ytmp: Float64Array, refl: Reflector): void {
  const t1 = tmp; // [0, nb)
  const t2 = tmp.subarray(nb, 2 * nb);
  const t3 = tmp.subarray(2 * nb, 3 * nb);
  const t4 = tmp.subarray(3 * nb, 4 * nb);
  const ac = tmp.subarray(4 * nb, 5 * nb);
  const xc = tmp.subarray(5 * nb, 6 * nb);
  // Column-major matrices are row-major transposes: column q of A (ld M) is
  // "row" q, so a column-major Aᵀ·x is gemvN and A·x is gemvT (level2.ts;
  // WASM SIMD in place when the arrays are resident-arena views).
  for (let j = 0; j < nb; j++) {
    const c = i0 + j;
    const cc = c * M;
    // A[c:M, c] −= A[c:M, i0:c]·Y[c, 0:j]ᵀ + X[c:M, 0:j]·A[i0:c, c]
    if (j > 0) {
      gemvT(j, M - c, -1, A, i0 * M + c, M, Yt, c * nb, 1, 1, A, cc + c);
      gemvT(j, M - c, -1, X, c, M, A, cc + i0, 1, 1, A, cc + c);
    }
    // left reflector
    larfg(A[cc + c], A, cc + c + 1, 1, M - c - 1, refl);
    d[c] = refl.beta;
    tauq[c] = refl.tau;
    A[cc + c] = 1;
    const tq = refl.tau;
    // Y[c+1:N, j] = tq·(A[c:M, c+1:N]ᵀ·v − Y[c+1:N, 0:j]·t1 − A[i0:c, c+1:N]ᵀ·t2),
    // t1 = A[c:M, i0:c]ᵀ·v, t2 = X[c:M, 0:j]ᵀ·v
    gemvN(N - c - 1, M - c, 1, A, (c + 1) * M + c, M, A, cc + c, 0, ytmp, c + 1);
    if (j > 0) {
      gemvN(j, M - c, 1, A, i0 * M + c, M, A, cc + c, 0, t1, 0);
      gemvN(j, M - c, 1, X, c, M, A, cc + c, 0, t2, 0);
    }
    const len = N - c - 1;
    if (j > 0) {
      gemvN(len, j, -1, Yt, (c + 1) * nb, nb, t1, 0, 1, ytmp, c + 1);
      gemvN(len, j, -1, A, i0 + (c + 1) * M, M, t2, 0, 1, ytmp, c + 1);
    }
    for (let q = c + 1; q < N; q++) Yt[q * nb + j] = tq * ytmp[q];
    // row update A[c, c+1:N] −= Y[c+1:N, 0:j+1]·A[c, i0:c+1]ᵀ + A[i0:c, c+1:N]ᵀ·X[c, 0:j]ᵀ
    // (the p = j term is Y[q, j]·A[c, c] with A[c, c] = 1)
    for (let p = 0; p <= j; p++) {
      ac[p] = A[c + (i0 + p) * M]; // A[c, i0+p] (= 1 for p = j)
      xc[p] = p < j ? X[c + p * M] : 0;
    }
    gemvN(len, j + 1, -1, Yt, (c + 1) * nb, nb, ac, 0, 1, A, c + (c + 1) * M, M);
    if (j > 0) gemvN(len, j, -1, A, i0 + (c + 1) * M, M, xc, 0, 1, A, c + (c + 1) * M, M);
    // right reflector on A[c, c+1:N]
    const rowOff = c + (c + 1) * M;
    larfg(A[rowOff], A, rowOff + M, M, N - c - 2, refl);
    e[c] = refl.beta;
    taup[c] = refl.tau;
    A[rowOff] = 1;
    const tp = refl.tau;
    // u = A[c, c+1:N] (stride M); t3 = Y[c+1:N, 0:j+1]ᵀ·u; t4 = A[i0:c, c+1:N]·u
    gemvT(len, j + 1, 1, Yt, (c + 1) * nb, nb, A, rowOff, M, 0, t3, 0);
    gemvT(len, j, 1, A, i0 + (c + 1) * M, M, A, rowOff, M, 0, t4, 0);
    // X[c+1:M, j] = tp·(A[c+1:M, c+1:N]·u − A[c+1:M, i0:c+1]·t3 − X[c+1:M, 0:j]·t4)
    const xj = j * M;
    gemvT(len, M - c - 1, tp, A, (c + 1) * M + c + 1, M, A, rowOff, M, 0, X, xj + c + 1);
    gemvT(j + 1, M - c - 1, -tp, A, i0 * M + c + 1, M, t3, 0, 1, 1, X, xj + c + 1);
    if (j > 0) gemvT(j, M - c - 1, -tp, X, c + 1, M, t4, 0, 1, 1, X, xj + c + 1);
  }
}

/**
 * C (M×nc column-major, leading dimension ldc ≥ M) ← Q·C with Q = H_0⋯H_{N−1}
 * the left reflectors stored below the diagonal of A (M×N, ld M) with scales
 * tau (gebrd's, or geqrf's: same storage).
 */
function applyQ(A: Float64Array, M: number, N: number, tauq: Float64Array, C: Float64Array, nc: number, ldc: number, scratch: Float64Array): void {
  const k = N;
  const nbm = Math.min(NB, k);
  // V, T, G and the GEMM work in the caller's scratch (its resident arena: no copies)
  const vbuf = scratch.subarray(0, M * nbm);
  const tbuf = scratch.subarray(M * nbm, M * nbm + nbm * nbm);
  const gbuf = scratch.subarray(M * nbm + nbm * nbm, M * nbm + 2 * nbm * nbm);
  const work = scratch.subarray(M * nbm + 2 * nbm * nbm, M * nbm + 2 * nbm * nbm + 2 * nbm * nc);
  const lastStart = Math.floor((k - 1) / NB) * NB;
  for (let i = lastStart; i >= 0; i -= NB) {
    const ib = Math.min(NB, k - i);
    const mv = M - i;
    for (let c = 0; c < ib; c++) {
      const src = (i + c) * M + i;
      const dst = c * mv;
      for (let r = 0; r < c; r++) vbuf[dst + r] = 0;
      vbuf[dst + c] = 1;
      for (let r = c + 1; r < mv; r++) vbuf[dst + r] = A[src + r];
    }
    larft(mv, ib, vbuf, 0, mv, tauq, i, tbuf, 0, ib, gbuf);
    larfbLeft(false, mv, nc, ib, vbuf, 0, mv, tbuf, 0, ib, C, i, ldc, work);
  }
}

/** C (N×N column-major) ← P·C with P = G_0⋯G_{N−2} from gebrd. */
function applyP(A: Float64Array, M: number, N: number, taup: Float64Array, C: Float64Array, scratch: Float64Array): void {
  const k = N - 1;
  if (k <= 0) return;
  const nbm = Math.min(NB, k);
  const vbuf = scratch.subarray(0, N * nbm);
  const tbuf = scratch.subarray(N * nbm, N * nbm + nbm * nbm);
  const gbuf = scratch.subarray(N * nbm + nbm * nbm, N * nbm + 2 * nbm * nbm);
  const work = scratch.subarray(N * nbm + 2 * nbm * nbm, N * nbm + 2 * nbm * nbm + 2 * nbm * N);
  const lastStart = Math.floor((k - 1) / NB) * NB;
  for (let i = lastStart; i >= 0; i -= NB) {
    const ib = Math.min(NB, k - i);
    const mv = N - 1 - i; // reflectors act on rows i+1..N−1
    for (let c = 0; c < ib; c++) {
      const row = i + c; // reflector stored in row `row`, columns row+1.. (unit at row+1)
      const dst = c * mv;
      for (let r = 0; r < c; r++) vbuf[dst + r] = 0;
      vbuf[dst + c] = 1;
      for (let r = c + 1; r < mv; r++) vbuf[dst + r] = A[row + (i + 1 + r) * M];
    }
    larft(mv, ib, vbuf, 0, mv, taup, i, tbuf, 0, ib, gbuf);
    larfbLeft(false, mv, N, ib, vbuf, 0, mv, tbuf, 0, ib, C, i + 1, N, work);
  }
}

// ---------------------------------------------------------------------------
// 2a. Demmel–Kahan QR for the bidiagonal SVD (bdsqr)
// ---------------------------------------------------------------------------

/** Givens rotation: [c s; −s c]·[f; g] = [r; 0]. Written to rot[0..2] = c, s, r. */
function lartg(f: number, g: number, rot: Float64Array): void {
  if (g === 0) {
    rot[0] = 1;
    rot[1] = 0;
    rot[2] = f;
  } else if (f === 0) {
    rot[0] = 0;
    rot[1] = 1;
    rot[2] = g;
  } else {
    const ss = f * f + g * g;
    // direct formula when f² + g² cannot have over/underflowed, else hypot2
    let r = ss > 1e-290 && ss < 1e290 ? Math.sqrt(ss) : hypot2(f, g);
    if (f < 0) r = -r;
    const inv = 1 / r;
    rot[0] = f * inv;
    rot[1] = g * inv;
    rot[2] = r;
  }
}

/** Singular values of [[f, g], [0, h]] (LAPACK las2): out[0] = σmin, out[1] = σmax. */
function las2(f: number, g: number, h: number, out: Float64Array): void {
  const fa = Math.abs(f);
  const ga = Math.abs(g);
  const ha = Math.abs(h);
  const fhmn = Math.min(fa, ha);
  const fhmx = Math.max(fa, ha);
  if (fhmn === 0) {
    out[0] = 0;
    if (fhmx === 0) out[1] = ga;
    else {
      const mx = Math.max(fhmx, ga);
      const mn = Math.min(fhmx, ga);
      out[1] = mx * Math.sqrt(1 + (mn / mx) ** 2);
    }
  } else if (ga < fhmx) {
    const as = 1 + fhmn / fhmx;
    const at = (fhmx - fhmn) / fhmx;
    const au = (ga / fhmx) ** 2;
    const c = 2 / (Math.sqrt(as * as + au) + Math.sqrt(at * at + au));
    out[0] = fhmn * c;
    out[1] = fhmx / c;
  } else {
    const au = fhmx / ga;
    if (au === 0) {
      out[0] = (fhmn * fhmx) / ga;
      out[1] = ga;
    } else {
      const as = 1 + fhmn / fhmx;
      const at = (fhmx - fhmn) / fhmx;
      const c = 1 / (Math.sqrt(1 + (as * au) ** 2) + Math.sqrt(1 + (at * au) ** 2));
      const smin = fhmn * c * au;
      out[0] = smin + smin;
      out[1] = ga / (c + c);
    }
  }
}

function sgn(a: number, b: number): number {
  const x = Math.abs(a);
  return b >= 0 ? x : -x;
}

/**
 * SVD of the 2×2 upper triangular [[f, g], [0, h]] (LAPACK lasv2):
 * [csl snl; −snl csl]·[[f, g], [0, h]]·[csr −snr; snr csr] = diag(ssmax, ssmin).
 * out = [ssmin, ssmax, snr, csr, snl, csl].
 */
function lasv2(f: number, g: number, h: number, out: Float64Array): void {
  let ft = f;
  let fa = Math.abs(ft);
  let ht = h;
  let ha = Math.abs(h);
  let pmax = 1;
  const swap = ha > fa;
  if (swap) {
    pmax = 3;
    let t = ft;
    ft = ht;
    ht = t;
    t = fa;
    fa = ha;
    ha = t;
  }
  const gt = g;
  const ga = Math.abs(gt);
  let clt: number, crt: number, slt: number, srt: number, ssmin: number, ssmax: number;
  if (ga === 0) {
    ssmin = ha;
    ssmax = fa;
    clt = 1;
    crt = 1;
    slt = 0;
    srt = 0;
  } else {
    let gasmal = true;
    clt = crt = slt = srt = ssmin = ssmax = 0;
    if (ga > fa) {
      pmax = 2;
      if (fa / ga < EPS) {
        gasmal = false;
        ssmax = ga;
        ssmin = ha > 1 ? fa / (ga / ha) : (fa / ga) * ha;
        clt = 1;
        slt = ht / gt;
        srt = 1;
        crt = ft / gt;
      }
    }
    if (gasmal) {
      const dd = fa - ha;
      let l = dd === fa ? 1 : dd / fa;
      const m = gt / ft;
      let t = 2 - l;
      const mm = m * m;
      const tt = t * t;
      const s = Math.sqrt(tt + mm);
      const r = l === 0 ? Math.abs(m) : Math.sqrt(l * l + mm);
      const a = 0.5 * (s + r);
      ssmin = ha / a;
      ssmax = fa * a;
      if (mm === 0) {
        if (l === 0) t = sgn(2, ft) * sgn(1, gt);
        else t = gt / sgn(dd, ft) + m / t;
      } else {
        t = (m / (s + t) + m / (r + l)) * (1 + a);
      }
      l = Math.sqrt(t * t + 4);
      crt = 2 / l;
      srt = t / l;
      clt = (crt + srt * m) / a;
      slt = ((ht / ft) * srt) / a;
    }
  }
  let csl: number, snl: number, csr: number, snr: number;
  if (swap) {
    csl = srt;
    snl = crt;
    csr = slt;
    snr = clt;
  } else {
    csl = clt;
    snl = slt;
    csr = crt;
    snr = srt;
  }
  let tsign = 1;
  if (pmax === 1) tsign = sgn(1, csr) * sgn(1, csl) * sgn(1, f);
  else if (pmax === 2) tsign = sgn(1, snr) * sgn(1, csl) * sgn(1, g);
  else tsign = sgn(1, snr) * sgn(1, snl) * sgn(1, h);
  ssmax = sgn(ssmax, tsign);
  ssmin = sgn(ssmin, tsign * sgn(1, f) * sgn(1, h));
  out[0] = ssmin;
  out[1] = ssmax;
  out[2] = snr;
  out[3] = csr;
  out[4] = snl;
  out[5] = csl;
}

/** Columns (j, j+1) of X (rows `rows`, column-major at off, ld) ← [x y]·[[c, −s], [s, c]]: x' = c·x + s·y, y' = c·y − s·x. */
function rotCols(X: Float64Array, off: number, ld: number, rows: number, j: number, c: number, s: number): void {
  const cj = off + j * ld;
  const cj1 = cj + ld;
  for (let r = 0; r < rows; r++) {
    const x = X[cj + r];
    const y = X[cj1 + r];
    X[cj + r] = c * x + s * y;
    X[cj1 + r] = c * y - s * x;
  }
}

/**
 * Singular values (and optionally vectors) of the n×n upper bidiagonal matrix
 * (d[dOff:], e[eOff:]) by implicit QR with Demmel–Kahan zero shifts and the
 * relative-accuracy convergence criteria of LAPACK bdsqr. Rotations from the
 * right are applied to the columns of V (nrv rows), from the left to the
 * columns of U (nru rows): B = U·diag(d)·Vᵀ for the input U = V = I. On exit
 * d is nonnegative and sorted ASCENDING (vectors permuted along).
 * Returns −1 on success, else the number of unconverged off-diagonals.
 */
function bdsqr(n: number, d: Float64Array, dOff: number, e: Float64Array, eOff: number, U: Float64Array | null, uOff: number, ldu: number, nru: number, V: Float64Array | null, vOff: number, ldv: number, nrv: number): number {
  if (n === 0) return -1;
  if (n > 1) {
    const rot = new Float64Array(3);
    const s2 = new Float64Array(6);
    const cs1 = new Float64Array(n);
    const sn1 = new Float64Array(n);
    const cs2 = new Float64Array(n);
    const sn2 = new Float64Array(n);
    const tolmul = Math.max(10, Math.min(100, EPS ** -0.125));
    const tol = tolmul * EPS;
    const maxitr = 6;
    // relative-accuracy threshold from an estimate of the smallest singular value
    let smax = 0;
    for (let i = 0; i < n; i++) smax = Math.max(smax, Math.abs(d[dOff + i]));
    for (let i = 0; i < n - 1; i++) smax = Math.max(smax, Math.abs(e[eOff + i]));
    let sminoa = Math.abs(d[dOff]);
    if (sminoa !== 0) {
      let mu = sminoa;
      for (let i = 1; i < n; i++) {
        mu = Math.abs(d[dOff + i]) * (mu / (mu + Math.abs(e[eOff + i - 1])));
        sminoa = Math.min(sminoa, mu);
        if (sminoa === 0) break;
      }
    }
    sminoa = sminoa / Math.sqrt(n);
    const thresh = Math.max(tol * sminoa, maxitr * n * n * SAFMIN);
    const maxit = maxitr * n * n;
    let iter = 0;
    let oldll = -1;
    let oldm = -1;
    let idir = 0;
    let m = n - 1;
    main: while (m > 0) {
      if (iter > maxit) {
        let cnt = 0;
        for (let i = 0; i < n - 1; i++) if (e[eOff + i] !== 0) cnt++;
        return cnt;
      }
      // find the bottom unreduced block ll..m
      let ll = -1;
      let lsmax = Math.abs(d[dOff + m]);
      let split = false;
      for (let l = m - 1; l >= 0; l--) {
        const abss = Math.abs(d[dOff + l]);
        const abse = Math.abs(e[eOff + l]);
        if (abse <= thresh) {
          e[eOff + l] = 0;
          ll = l;
          split = true;
          break;
        }
        lsmax = Math.max(lsmax, abss, abse);
      }
      if (split) {
        if (ll === m - 1) {
          m--;
          continue main;
        }
        ll = ll + 1;
      } else {
        ll = 0;
      }
      // 2×2 block: direct SVD
      if (ll === m - 1) {
        lasv2(d[dOff + m - 1], e[eOff + m - 1], d[dOff + m], s2);
        d[dOff + m - 1] = s2[1];
        e[eOff + m - 1] = 0;
        d[dOff + m] = s2[0];
        if (V) rotCols(V, vOff, ldv, nrv, m - 1, s2[3], s2[2]);
        if (U) rotCols(U, uOff, ldu, nru, m - 1, s2[5], s2[4]);
        m -= 2;
        continue main;
      }
      // new submatrix: choose the chase direction
      if (ll > oldm || m < oldll) {
        idir = Math.abs(d[dOff + ll]) >= Math.abs(d[dOff + m]) ? 1 : 2;
      }
      // convergence tests
      let sminl = 0;
      if (idir === 1) {
        if (Math.abs(e[eOff + m - 1]) <= tol * Math.abs(d[dOff + m])) {
          e[eOff + m - 1] = 0;
          continue main;
        }
        let mu = Math.abs(d[dOff + ll]);
        sminl = mu;
        for (let l = ll; l < m; l++) {
          if (Math.abs(e[eOff + l]) <= tol * mu) {
            e[eOff + l] = 0;
            continue main;
          }
          mu = Math.abs(d[dOff + l + 1]) * (mu / (mu + Math.abs(e[eOff + l])));
          sminl = Math.min(sminl, mu);
        }
      } else {
        if (Math.abs(e[eOff + ll]) <= tol * Math.abs(d[dOff + ll])) {
          e[eOff + ll] = 0;
          continue main;
        }
        let mu = Math.abs(d[dOff + m]);
        sminl = mu;
        for (let l = m - 1; l >= ll; l--) {
          if (Math.abs(e[eOff + l]) <= tol * mu) {
            e[eOff + l] = 0;
            continue main;
          }
          mu = Math.abs(d[dOff + l]) * (mu / (mu + Math.abs(e[eOff + l])));
          sminl = Math.min(sminl, mu);
        }
      }
      oldll = ll;
      oldm = m;
      // shift
      let shift = 0;
      if (!(n * tol * (sminl / lsmax) <= Math.max(EPS, 0.01 * tol))) {
        let sll: number;
        if (idir === 1) {
          sll = Math.abs(d[dOff + ll]);
          las2(d[dOff + m - 1], e[eOff + m - 1], d[dOff + m], s2);
        } else {
          sll = Math.abs(d[dOff + m]);
          las2(d[dOff + ll], e[eOff + ll], d[dOff + ll + 1], s2);
        }
        shift = s2[0];
        if (sll > 0 && (shift / sll) ** 2 < EPS) shift = 0;
      }
      iter += m - ll;
      const cnt = m - ll;
      if (shift === 0) {
        if (idir === 1) {
          let cs = 1;
          let oldcs = 1;
          let oldsn = 0;
          for (let i = ll; i < m; i++) {
            lartg(d[dOff + i] * cs, e[eOff + i], rot);
            cs = rot[0];
            const sn = rot[1];
            const r = rot[2];
            if (i > ll) e[eOff + i - 1] = oldsn * r;
            lartg(oldcs * r, d[dOff + i + 1] * sn, rot);
            oldcs = rot[0];
            oldsn = rot[1];
            d[dOff + i] = rot[2];
            cs1[i - ll] = cs;
            sn1[i - ll] = sn;
            cs2[i - ll] = oldcs;
            sn2[i - ll] = oldsn;
          }
          const h = d[dOff + m] * cs;
          d[dOff + m] = h * oldcs;
          e[eOff + m - 1] = h * oldsn;
          if (V) for (let j = 0; j < cnt; j++) rotCols(V, vOff, ldv, nrv, ll + j, cs1[j], sn1[j]);
          if (U) for (let j = 0; j < cnt; j++) rotCols(U, uOff, ldu, nru, ll + j, cs2[j], sn2[j]);
          if (Math.abs(e[eOff + m - 1]) <= thresh) e[eOff + m - 1] = 0;
        } else {
          let cs = 1;
          let oldcs = 1;
          let oldsn = 0;
          for (let i = m; i > ll; i--) {
            lartg(d[dOff + i] * cs, e[eOff + i - 1], rot);
            cs = rot[0];
            const sn = rot[1];
            const r = rot[2];
            if (i < m) e[eOff + i] = oldsn * r;
            lartg(oldcs * r, d[dOff + i - 1] * sn, rot);
            oldcs = rot[0];
            oldsn = rot[1];
            d[dOff + i] = rot[2];
            cs1[i - 1 - ll] = cs;
            sn1[i - 1 - ll] = -sn;
            cs2[i - 1 - ll] = oldcs;
            sn2[i - 1 - ll] = -oldsn;
          }
          const h = d[dOff + ll] * cs;
          d[dOff + ll] = h * oldcs;
          e[eOff + ll] = h * oldsn;
          if (V) for (let j = cnt - 1; j >= 0; j--) rotCols(V, vOff, ldv, nrv, ll + j, cs2[j], sn2[j]);
          if (U) for (let j = cnt - 1; j >= 0; j--) rotCols(U, uOff, ldu, nru, ll + j, cs1[j], sn1[j]);
          if (Math.abs(e[eOff + ll]) <= thresh) e[eOff + ll] = 0;
        }
      } else {
        if (idir === 1) {
          let f = (Math.abs(d[dOff + ll]) - shift) * (sgn(1, d[dOff + ll]) + shift / d[dOff + ll]);
          let g = e[eOff + ll];
          for (let i = ll; i < m; i++) {
            lartg(f, g, rot);
            const cosr = rot[0];
            const sinr = rot[1];
            if (i > ll) e[eOff + i - 1] = rot[2];
            f = cosr * d[dOff + i] + sinr * e[eOff + i];
            e[eOff + i] = cosr * e[eOff + i] - sinr * d[dOff + i];
            g = sinr * d[dOff + i + 1];
            d[dOff + i + 1] = cosr * d[dOff + i + 1];
            lartg(f, g, rot);
            const cosl = rot[0];
            const sinl = rot[1];
            d[dOff + i] = rot[2];
            f = cosl * e[eOff + i] + sinl * d[dOff + i + 1];
            d[dOff + i + 1] = cosl * d[dOff + i + 1] - sinl * e[eOff + i];
            if (i < m - 1) {
              g = sinl * e[eOff + i + 1];
              e[eOff + i + 1] = cosl * e[eOff + i + 1];
            }
            cs1[i - ll] = cosr;
            sn1[i - ll] = sinr;
            cs2[i - ll] = cosl;
            sn2[i - ll] = sinl;
          }
          e[eOff + m - 1] = f;
          if (V) for (let j = 0; j < cnt; j++) rotCols(V, vOff, ldv, nrv, ll + j, cs1[j], sn1[j]);
          if (U) for (let j = 0; j < cnt; j++) rotCols(U, uOff, ldu, nru, ll + j, cs2[j], sn2[j]);
          if (Math.abs(e[eOff + m - 1]) <= thresh) e[eOff + m - 1] = 0;
        } else {
          let f = (Math.abs(d[dOff + m]) - shift) * (sgn(1, d[dOff + m]) + shift / d[dOff + m]);
          let g = e[eOff + m - 1];
          for (let i = m; i > ll; i--) {
            lartg(f, g, rot);
            const cosr = rot[0];
            const sinr = rot[1];
            if (i < m) e[eOff + i] = rot[2];
            f = cosr * d[dOff + i] + sinr * e[eOff + i - 1];
            e[eOff + i - 1] = cosr * e[eOff + i - 1] - sinr * d[dOff + i];
            g = sinr * d[dOff + i - 1];
            d[dOff + i - 1] = cosr * d[dOff + i - 1];
            lartg(f, g, rot);
            const cosl = rot[0];
            const sinl = rot[1];
            d[dOff + i] = rot[2];
            f = cosl * e[eOff + i - 1] + sinl * d[dOff + i - 1];
            d[dOff + i - 1] = cosl * d[dOff + i - 1] - sinl * e[eOff + i - 1];
            if (i > ll + 1) {
              g = sinl * e[eOff + i - 2];
              e[eOff + i - 2] = cosl * e[eOff + i - 2];
            }
            cs1[i - 1 - ll] = cosr;
            sn1[i - 1 - ll] = -sinr;
            cs2[i - 1 - ll] = cosl;
            sn2[i - 1 - ll] = -sinl;
          }
          e[eOff + ll] = f;
          if (Math.abs(e[eOff + ll]) <= thresh) e[eOff + ll] = 0;
          if (U) for (let j = cnt - 1; j >= 0; j--) rotCols(U, uOff, ldu, nru, ll + j, cs1[j], sn1[j]);
          if (V) for (let j = cnt - 1; j >= 0; j--) rotCols(V, vOff, ldv, nrv, ll + j, cs2[j], sn2[j]);
        }
      }
    }
  }
  // make singular values nonnegative, then sort ascending
  for (let i = 0; i < n; i++) {
    if (d[dOff + i] < 0) {
      d[dOff + i] = -d[dOff + i];
      if (V) {
        const c = vOff + i * ldv;
        for (let r = 0; r < nrv; r++) V[c + r] = -V[c + r];
      }
    }
  }
  for (let i = 1; i < n; i++) {
    // insertion sort with column swaps (n is small or vectors are absent)
    let j = i;
    while (j > 0 && d[dOff + j - 1] > d[dOff + j]) {
      const t = d[dOff + j];
      d[dOff + j] = d[dOff + j - 1];
      d[dOff + j - 1] = t;
      if (U) swapCols(U, uOff, ldu, nru, j - 1, j);
      if (V) swapCols(V, vOff, ldv, nrv, j - 1, j);
      j--;
    }
  }
  return -1;
}

function swapCols(X: Float64Array, off: number, ld: number, rows: number, a: number, b: number): void {
  const ca = off + a * ld;
  const cb = off + b * ld;
  for (let r = 0; r < rows; r++) {
    const t = X[ca + r];
    X[ca + r] = X[cb + r];
    X[cb + r] = t;
  }
}

// ---------------------------------------------------------------------------
// 2b. Divide and conquer for the bidiagonal SVD
// ---------------------------------------------------------------------------

/**
 * SVD of the N×N upper bidiagonal (d, e): B = U·diag(d)·Vᵀ with d ascending,
 * U and V N×N column-major (zeroed here). d and e are overwritten.
 */
function bdsdc(N: number, d: Float64Array, e: Float64Array, U: Float64Array, V: Float64Array, take?: (len: number) => Float64Array): number {
  U.fill(0);
  V.fill(0);
  let orgnrm = 0;
  for (let i = 0; i < N; i++) orgnrm = Math.max(orgnrm, Math.abs(d[i]));
  for (let i = 0; i < N - 1; i++) orgnrm = Math.max(orgnrm, Math.abs(e[i]));
  if (orgnrm === 0) {
    for (let i = 0; i < N; i++) {
      U[i + i * N] = 1;
      V[i + i * N] = 1;
      d[i] = 0;
    }
    return -1;
  }
  const sc = 2 ** -Math.round(Math.log2(orgnrm));
  for (let i = 0; i < N; i++) d[i] *= sc;
  for (let i = 0; i < N - 1; i++) e[i] *= sc;
  e[N - 1] = 0;
  // merges happen only above the leaf size; small problems skip the O(N²) workspace
  const ws = N > SMLSIZ ? new SvdWorkspace(N, take) : null;
  let info = -1;
  let start = 0;
  let blocks = 0;
  while (start < N) {
    let end = start;
    while (end < N - 1 && Math.abs(e[end]) >= EPS) end++;
    if (end < N - 1) e[end] = 0;
    const r = dcRec(d, e, start, end - start + 1, 0, U, V, N, ws);
    if (r >= 0 && info < 0) info = r;
    blocks++;
    start = end + 1;
  }
  if (blocks > 1) {
    const idx = Array.from({ length: N }, (_, i) => i);
    idx.sort((x, y) => d[x] - d[y] || x - y);
    const dd = d.slice(0, N);
    const uu = U.slice();
    const vv = V.slice();
    for (let j = 0; j < N; j++) {
      d[j] = dd[idx[j]];
      U.set(uu.subarray(idx[j] * N, idx[j] * N + N), j * N);
      V.set(vv.subarray(idx[j] * N, idx[j] * N + N), j * N);
    }
  }
  for (let i = 0; i < N; i++) d[i] /= sc;
  return info;
}

/**
 * SVD of the n×(n+sqre) upper bidiagonal block with rows lo..lo+n−1
 * (d[lo..], e[lo..]; e[lo+n−1] is the extra column's entry when sqre = 1).
 * On exit d[lo:lo+n] holds the singular values ascending, U[lo:lo+n, lo:lo+n]
 * the left vectors and V[lo:lo+n+sqre, lo:lo+n+sqre] the right ones (its last
 * column, when sqre = 1, spans the null space). U, V: column-major, ld NN.
 */
function dcRec(d: Float64Array, e: Float64Array, lo: number, n: number, sqre: number, U: Float64Array, V: Float64Array, NN: number, ws: SvdWorkspace | null): number {
  if (n <= SMLSIZ) return leaf(d, e, lo, n, sqre, U, V, NN);
  const k = n >> 1; // rows of the left child (k×(k+1))
  const nr = n - k - 1;
  const r1 = dcRec(d, e, lo, k, 1, U, V, NN, ws);
  if (r1 >= 0) return r1;
  const r2 = dcRec(d, e, lo + k + 1, nr, sqre, U, V, NN, ws);
  if (r2 >= 0) return r2;
  return mergeSvd(d, e, lo, n, sqre, k, U, V, NN, ws as SvdWorkspace);
}

function leaf(d: Float64Array, e: Float64Array, lo: number, n: number, sqre: number, U: Float64Array, V: Float64Array, NN: number): number {
  const m = n + sqre;
  for (let i = 0; i < n; i++) U[lo + i + (lo + i) * NN] = 1;
  for (let i = 0; i < m; i++) V[lo + i + (lo + i) * NN] = 1;
  const vb = lo + lo * NN;
  if (sqre === 1) {
    // rotate the extra column away: B·G = [B' 0]
    let fill = e[lo + n - 1];
    e[lo + n - 1] = 0;
    const rot = new Float64Array(3);
    for (let j = n - 1; j >= 0 && fill !== 0; j--) {
      lartg(d[lo + j], fill, rot);
      const c = rot[0];
      const s = rot[1];
      d[lo + j] = rot[2];
      // columns j and n of the block: x' = c·x + s·y, y' = c·y − s·x
      const cj = vb + j * NN;
      const cn = vb + n * NN;
      for (let r = 0; r < m; r++) {
        const x = V[cj + r];
        const y = V[cn + r];
        V[cj + r] = c * x + s * y;
        V[cn + r] = c * y - s * x;
      }
      if (j > 0) {
        const ej = e[lo + j - 1];
        fill = -s * ej;
        e[lo + j - 1] = c * ej;
      }
    }
  }
  return bdsqr(n, d, lo, e, lo, U, vb, NN, n, V, vb, NN, m);
}

/** Scratch arrays for the merges, allocated once per decomposition (N = order of B). */
class SvdWorkspace {
  dK: Float64Array;
  zK: Float64Array;
  orig: Int32Array;
  mu: Float64Array;
  g: Float64Array;
  prod: Float64Array;
  zhat: Float64Array;
  order: Int32Array;
  dG: Float64Array;
  zG: Float64Array;
  vals: Float64Array;
  src: Int32Array;
  UM: Float64Array;
  VM: Float64Array;
  Ug: Float64Array;
  Vg: Float64Array;
  Un: Float64Array;
  Vn: Float64Array;
  Ud: Float64Array;
  Vd: Float64Array;
  /** 2-entry output of the secular solver's WASM sums */
  secOut: Float64Array;
  /** `take` allocates the merge GEMMs' operands (UM, VM, Ug, Vg, Un, Vn) and the secular solver's (zK, g, secOut), e.g. from a resident arena. */
  constructor(N: number, take: (len: number) => Float64Array = (len) => new Float64Array(len)) {
    const n1 = N + 1;
    this.dK = take(n1);
    this.zK = take(n1);
    this.orig = new Int32Array(n1);
    this.mu = new Float64Array(n1);
    this.g = take(n1);
    this.secOut = take(2);
    this.prod = take(n1);
    this.zhat = new Float64Array(n1);
    this.order = new Int32Array(n1);
    this.dG = take(n1);
    this.zG = take(n1);
    this.vals = new Float64Array(n1);
    this.src = new Int32Array(n1);
    const sq = N * N;
    const rect = N * n1;
    this.UM = take(sq);
    this.VM = take(sq);
    this.Ug = take(sq);
    this.Vg = take(rect);
    this.Un = take(sq);
    this.Vn = take(rect);
    this.Ud = new Float64Array(sq);
    this.Vd = new Float64Array(rect);
  }
}

/** Merge step for the bidiagonal D&C (LAPACK lasd1/lasd2/lasd3). */
function mergeSvd(d: Float64Array, e: Float64Array, lo: number, n: number, sqre: number, k: number, U: Float64Array, V: Float64Array, NN: number, ws: SvdWorkspace): number {
  const m = n + sqre;
  const ub = lo + lo * NN; // block offset (same for U and V)
  const alpha = d[lo + k];
  const beta = e[lo + k];
  // M-index c: 0 = null column / middle row; 1..k: D1; k+1..n−1: D2
  const dd = new Float64Array(n);
  const zz = new Float64Array(n);
  const col = new Int32Array(n); // local column of the basis vector
  const typ = new Int8Array(n);
  col[0] = k;
  for (let i = 0; i < k; i++) {
    dd[1 + i] = d[lo + i];
    zz[1 + i] = alpha * V[ub + k + i * NN];
    col[1 + i] = i;
    typ[1 + i] = 1;
  }
  for (let i = 0; i < n - k - 1; i++) {
    const c = k + 1 + i;
    dd[c] = d[lo + c];
    zz[c] = beta * V[ub + (k + 1) + c * NN];
    col[c] = c;
    typ[c] = 3;
  }
  let dmax = 0;
  for (let c = 1; c < n; c++) dmax = Math.max(dmax, Math.abs(dd[c]));
  const tol = 8 * EPS * Math.max(dmax, Math.abs(alpha), Math.abs(beta));
  // null column(s)
  const z1 = alpha * V[ub + k + k * NN];
  typ[0] = 1;
  if (sqre === 1) {
    const z2 = beta * V[ub + (k + 1) + (m - 1) * NN];
    const r = hypot2(z1, z2);
    let c = 1;
    let s = 0;
    if (r <= tol) zz[0] = tol;
    else {
      c = z1 / r;
      s = z2 / r;
      zz[0] = r;
    }
    if (s !== 0) {
      typ[0] = 2;
      const ck = ub + k * NN;
      const cm = ub + (m - 1) * NN;
      for (let r2 = 0; r2 < m; r2++) {
        const x = V[ck + r2];
        const y = V[cm + r2];
        V[ck + r2] = c * x + s * y;
        V[cm + r2] = c * y - s * x;
      }
    }
  } else {
    zz[0] = Math.abs(z1) <= tol ? tol : z1;
  }
  U[ub + k + k * NN] = 1; // middle row's basis vector e_k
  // sort poles 1..n−1 ascending (merge of the two ascending runs)
  const perm = new Int32Array(n - 1);
  {
    let p = 1;
    let q = k + 1;
    for (let t = 0; t < n - 1; t++) {
      if (q >= n || (p <= k && dd[p] <= dd[q])) perm[t] = p++;
      else perm[t] = q++;
    }
  }
  // deflation
  const nd = new Int32Array(n);
  const df = new Int32Array(n);
  let K = 0;
  let nDf = 0;
  nd[K++] = 0;
  let prev = -1;
  for (let t = 0; t < n - 1; t++) {
    const c = perm[t];
    if (Math.abs(zz[c]) <= tol) {
      df[nDf++] = c;
      continue;
    }
    if (prev >= 0 && Math.abs(dd[c] - dd[prev]) <= tol) {
      let s = zz[prev];
      let cc = zz[c];
      const tau = hypot2(cc, s);
      cc /= tau;
      s = -s / tau;
      zz[c] = tau;
      zz[prev] = 0;
      // rotate both singular subspaces: x' = cc·x + s·y, y' = cc·y − s·x (x = prev, y = c)
      const ux = ub + col[prev] * NN;
      const uy = ub + col[c] * NN;
      for (let r = 0; r < n; r++) {
        const x = U[ux + r];
        const y = U[uy + r];
        U[ux + r] = cc * x + s * y;
        U[uy + r] = cc * y - s * x;
      }
      for (let r = 0; r < m; r++) {
        const x = V[ux + r];
        const y = V[uy + r];
        V[ux + r] = cc * x + s * y;
        V[uy + r] = cc * y - s * x;
      }
      if (typ[c] !== typ[prev]) typ[c] = 2;
      df[nDf++] = prev;
      prev = c;
    } else {
      if (prev >= 0) nd[K++] = prev;
      prev = c;
    }
  }
  if (prev >= 0) nd[K++] = prev;

  // secular equation on the K non-deflated poles (pole 0 first)
  const { dK, zK, orig, mu, g, prod, zhat, order, dG, zG, UM, VM, Ug, Vg, Un, Vn, Ud, Vd, vals, src } = ws;
  for (let i = 0; i < K; i++) {
    dK[i] = i === 0 ? 0 : dd[nd[i]];
    zK[i] = zz[nd[i]];
  }
  if (K > 1 && dK[1] <= tol / 2) dK[1] = tol / 2;
  const res: SecularRoot = { orig: 0, tau: 0 };
  for (let i = 0; i < K; i++) {
    if (!secularRoot(K, dK, zK, 1, i, true, g, res, ws.secOut)) return lo + i;
    orig[i] = res.orig;
    mu[i] = res.tau;
  }
  // Gu–Eisenstat ẑ, with Δ[r, j] = dK_r² − σ_j² = (dK_r − d_o)(dK_r + d_o) − μ_j (accurate, never stored)
  for (let r = 0; r < K; r++) {
    const o = dK[orig[r]];
    prod[r] = (dK[r] - o) * (dK[r] + o) - mu[r];
  }
  // the same loops by generated WASM SIMD kernels when the workspace is resident
  const cx = cauchyFor(dK, prod, dG, zG, UM, VM, ws.secOut);
  for (let j = 0; j < K; j++) {
    const o = dK[orig[j]];
    const mj = mu[j];
    const dj = dK[j];
    if (cx !== null) {
      cx.cauchyProd(0, j, dK.byteOffset, o, mj, dj, 1, prod.byteOffset);
      cx.cauchyProd(j + 1, K, dK.byteOffset, o, mj, dj, 1, prod.byteOffset);
      continue;
    }
    for (let r = 0; r < j; r++) prod[r] *= ((dK[r] - o) * (dK[r] + o) - mj) / ((dK[r] - dj) * (dK[r] + dj));
    for (let r = j + 1; r < K; r++) prod[r] *= ((dK[r] - o) * (dK[r] + o) - mj) / ((dK[r] - dj) * (dK[r] + dj));
  }
  for (let r = 0; r < K; r++) {
    const zr = Math.sqrt(Math.abs(prod[r]));
    zhat[r] = zK[r] < 0 ? -zr : zr;
  }
  // group the non-deflated columns by type (rows of the small factors follow)
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
  for (let gi = 0; gi < K; gi++) {
    dG[gi] = dK[order[gi]];
    zG[gi] = zhat[order[gi]];
  }
  // small singular vector matrices (rows in group order): v_j[r] = ẑ_r/Δ[r,j],
  // u_j[r] = d_r·ẑ_r/Δ[r,j] (u_j[0] = −1), each normalized
  let gi0 = 0; // group row of the middle row (r = 0): its u entry is −1
  while (gi0 < K - 1 && order[gi0] !== 0) gi0++;
  for (let j = 0; j < K; j++) {
    const cj = j * K;
    const o = dK[orig[j]];
    const mj = mu[j];
    if (cx !== null) {
      const vcol = VM.byteOffset + 8 * cj;
      const ucol = UM.byteOffset + 8 * cj;
      cx.cauchyVec(K, zG.byteOffset, dG.byteOffset, o, mj, 1, vcol, ucol, ws.secOut.byteOffset);
      const uo = UM[cj + gi0]; // dG = 0 there: 0·v
      UM[cj + gi0] = -1;
      cx.scal(K, 1 / Math.sqrt(ws.secOut[1] - uo * uo + 1), ucol);
      cx.scal(K, 1 / Math.sqrt(ws.secOut[0]), vcol);
      continue;
    }
    let su = 0;
    let sv = 0;
    for (let gi = 0; gi < K; gi++) {
      const dr = dG[gi];
      const vv = zG[gi] / ((dr - o) * (dr + o) - mj);
      const uu = order[gi] === 0 ? -1 : dr * vv;
      VM[cj + gi] = vv;
      UM[cj + gi] = uu;
      su += uu * uu;
      sv += vv * vv;
    }
    const iu = 1 / Math.sqrt(su);
    const iv = 1 / Math.sqrt(sv);
    for (let gi = 0; gi < K; gi++) {
      UM[cj + gi] *= iu;
      VM[cj + gi] *= iv;
    }
  }
  // gathered bases
  for (let gi = 0; gi < K; gi++) {
    const cl = ub + col[nd[order[gi]]] * NN;
    const du = gi * n;
    const dv = gi * m;
    Ug.set(U.subarray(cl, cl + n), du);
    Vg.set(V.subarray(cl, cl + m), dv);
  }
  const c12 = c1 + c2;
  const c23 = K - c1;
  const top = k + 1;
  if (c12 > 0) {
    gemmCM(false, false, top, K, c12, 1, Ug, 0, n, UM, 0, K, 0, Un, 0, n);
    gemmCM(false, false, top, K, c12, 1, Vg, 0, m, VM, 0, K, 0, Vn, 0, m);
  } else {
    for (let j = 0; j < K; j++) {
      Un.fill(0, j * n, j * n + top);
      Vn.fill(0, j * m, j * m + top);
    }
  }
  if (c23 > 0) {
    gemmCM(false, false, n - top, K, c23, 1, Ug, top + c1 * n, n, UM, c1, K, 0, Un, top, n);
    gemmCM(false, false, m - top, K, c23, 1, Vg, top + c1 * m, m, VM, c1, K, 0, Vn, top, m);
  } else {
    for (let j = 0; j < K; j++) {
      Un.fill(0, j * n + top, j * n + n);
      Vn.fill(0, j * m + top, j * m + m);
    }
  }
  // assemble ascending: the roots are ascending (one per pole gap), the deflated
  // values nearly sorted; merge the two lists
  insertionSortBy(df, nDf, dd);
  for (let q = 0; q < nDf; q++) {
    const cl = ub + col[df[q]] * NN;
    const du = q * n;
    const dv = q * m;
    Ud.set(U.subarray(cl, cl + n), du);
    Vd.set(V.subarray(cl, cl + m), dv);
  }
  const total = K + nDf;
  {
    let a = 0;
    let b = 0;
    for (let t = 0; t < total; t++) {
      let va = Infinity;
      if (a < K) {
        const o = dK[orig[a]];
        va = Math.sqrt(o * o + mu[a]);
      }
      const vb = b < nDf ? dd[df[b]] : Infinity;
      if (b >= nDf || (a < K && va <= vb)) {
        vals[t] = va;
        src[t] = a++;
      } else {
        vals[t] = vb;
        src[t] = -1 - b++;
      }
    }
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
    const dst = ub + t * NN;
    const fu = sx >= 0 ? Un : Ud;
    const fv = sx >= 0 ? Vn : Vd;
    const q = sx >= 0 ? sx : -1 - sx;
    const su = q * n;
    const sv = q * m;
    U.set(fu.subarray(su, su + n), dst);
    V.set(fv.subarray(sv, sv + m), dst);
  }
  return -1;
}
