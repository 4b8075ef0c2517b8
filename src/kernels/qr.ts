/**
 * Householder QR factorization, row-major float64 in and out, one matrix per
 * call. Internally column-major (the Householder vectors are then contiguous)
 * and blocked with the compact WY representation (LAPACK geqrf / orgqr), so
 * most of the work goes through the backend GEMM.
 */
import { checkDim, checkLen, larfg, larft, larfbLeft, transposeInto, type Reflector } from "./util.js";
import { residentGemmWanted, scratch, scratchMark, scratchRelease, withWorkspace } from "./workspace.js";

export type QrMode = "reduced" | "complete";

export interface QrResult {
  /** Row-major; m×k ("reduced") or m×m ("complete"), orthonormal columns. */
  q: Float64Array;
  /** Row-major upper trapezoidal; k×n ("reduced") or m×n ("complete"). diag(R) ≥ 0. */
  r: Float64Array;
}

const NB = 32;

/**
 * A = Q·R for an m×n row-major `a` (not modified), k = min(m, n). Works for
 * tall, square and wide matrices (and m or n = 0).
 *
 * Sign gauge: diag(R) ≥ 0 (rows of R and the matching columns of Q are
 * negated where needed), which makes the factorization unique when A has full
 * column rank k and the first k columns are independent. In "complete" mode the
 * trailing m−k columns of Q are an orthonormal completion (no gauge fixed).
 */
export function qr(a: Float64Array, m: number, n: number, mode: QrMode = "reduced"): QrResult {
  checkDim("qr", "m", m);
  checkDim("qr", "n", n);
  checkLen("qr", "a", a, m * n);
  if (mode !== "reduced" && mode !== "complete") throw new RangeError(`qr: unknown mode ${String(mode)}`);
  const k = Math.min(m, n);
  const qc = mode === "reduced" ? k : m; // columns of Q
  const rr = mode === "reduced" ? k : m; // rows of R
  if (k >= 1 && residentGemmWanted(k)) {
    // WASM backend: the blocked reflector updates (GEMMs) run in place in a resident workspace
    const nb = Math.min(NB, k);
    const need = m * n + m * qc + m * nb + nb * nb + 2 * nb * Math.max(n, qc, nb) + 64;
    const res = withWorkspace(need, (ws) => qrInto(a, m, n, k, qc, rr, ws.alloc(m * n)));
    if (res !== undefined) return res;
  }
  return qrInto(a, m, n, k, qc, rr, new Float64Array(m * n));
}

/** qr with the column-major working copy `w` (m×n, zero-filled) given. */
function qrInto(a: Float64Array, m: number, n: number, k: number, qc: number, rr: number, w: Float64Array): QrResult {
  // column-major working copy
  transposeInto(a, 0, m, n, w, 0);
  const tau = new Float64Array(k);
  geqrf(w, m, n, tau);
  // R (row-major), sign gauge diag(R) ≥ 0
  const r = new Float64Array(rr * n);
  const flip = new Int8Array(k);
  for (let i = 0; i < k; i++) {
    flip[i] = w[i + i * m] < 0 ? 1 : 0;
    const s = flip[i] ? -1 : 1;
    for (let j = i; j < n; j++) r[i * n + j] = s * w[i + j * m];
  }
  // Q (column-major, m×qc) then row-major with the gauge applied
  const qcm = orgqr(w, m, qc, k, tau);
  for (let j = 0; j < k; j++) {
    if (!flip[j]) continue;
    const cj = j * m;
    for (let i = 0; i < m; i++) qcm[cj + i] = -qcm[cj + i];
  }
  const q = new Float64Array(m * qc);
  transposeInto(qcm, 0, qc, m, q, 0);
  return { q, r };
}

/**
 * Column-major blocked Householder QR in place (LAPACK geqrf): on exit the
 * upper trapezoid of `w` (m×n, ld m) holds R and the part below the diagonal
 * the Householder vectors (unit leading entry implied); tau has min(m,n) scales.
 */
export function geqrf(w: Float64Array, m: number, n: number, tau: Float64Array): void {
  const k = Math.min(m, n);
  const refl: Reflector = { beta: 0, tau: 0 };
  const nbMax = Math.min(NB, k);
  const mark = scratchMark();
  const vbuf = scratch(m * nbMax);
  const tbuf = scratch(nbMax * nbMax);
  const work = scratch(2 * nbMax * Math.max(n, nbMax));
  for (let i = 0; i < k; i += NB) {
    const ib = Math.min(NB, k - i);
    // factorization of the panel w[i:m, i:i+ib] (recursive halves)
    panelQR(w, m, i, ib, tau, refl, vbuf, tbuf, work);
    if (i + ib < n) {
      const mv = m - i;
      // explicit V (mv×ib) from the panel
      for (let c = 0; c < ib; c++) {
        const src = (i + c) * m + i;
        const dst = c * mv;
        for (let r = 0; r < c; r++) vbuf[dst + r] = 0;
        vbuf[dst + c] = 1;
        for (let r = c + 1; r < mv; r++) vbuf[dst + r] = w[src + r];
      }
      larft(mv, ib, vbuf, 0, mv, tau, i, tbuf, 0, ib);
      // trailing update: w[i:m, i+ib:n] ← Hᵀ · w[i:m, i+ib:n]
      larfbLeft(true, mv, n - i - ib, ib, vbuf, 0, mv, tbuf, 0, ib, w, i + (i + ib) * m, m, work);
    }
  }
  scratchRelease(mark);
}

/** Width below which a panel is factored column by column. */
const PANEL_BASE = 8;

/**
 * Householder QR of the column-major panel w[c0:m, c0:c0+pw] in place
 * (recursive: left half, block-reflector update of the right half through
 * the GEMM, right half). Buffers: vbuf ≥ m·pw/2, tbuf ≥ (pw/2)², work ≥ pw²/2.
 */
function panelQR(w: Float64Array, m: number, c0: number, pw: number, tau: Float64Array, refl: Reflector, vbuf: Float64Array, tbuf: Float64Array, work: Float64Array): void {
  if (pw <= PANEL_BASE) {
    for (let j = c0; j < c0 + pw; j++) {
      const cj = j * m;
      larfg(w[cj + j], w, cj + j + 1, 1, m - j - 1, refl);
      tau[j] = refl.tau;
      w[cj + j] = refl.beta;
      const t = refl.tau;
      if (t === 0) continue;
      // apply H_j to w[j:m, j+1:c0+pw] from the left
      for (let c = j + 1; c < c0 + pw; c++) {
        const cc = c * m;
        let s = w[cc + j];
        for (let r = j + 1; r < m; r++) s += w[cj + r] * w[cc + r];
        s *= t;
        if (s === 0) continue;
        w[cc + j] -= s;
        for (let r = j + 1; r < m; r++) w[cc + r] -= s * w[cj + r];
      }
    }
    return;
  }
  const h = pw >> 1;
  panelQR(w, m, c0, h, tau, refl, vbuf, tbuf, work);
  // right half ← Hᵀ·(right half), H = block reflector of the left half
  const mv = m - c0;
  for (let c = 0; c < h; c++) {
    const src = (c0 + c) * m + c0;
    const dst = c * mv;
    for (let r = 0; r < c; r++) vbuf[dst + r] = 0;
    vbuf[dst + c] = 1;
    for (let r = c + 1; r < mv; r++) vbuf[dst + r] = w[src + r];
  }
  larft(mv, h, vbuf, 0, mv, tau, c0, tbuf, 0, h);
  larfbLeft(true, mv, pw - h, h, vbuf, 0, mv, tbuf, 0, h, w, c0 + (c0 + h) * m, m, work);
  panelQR(w, m, c0 + h, pw - h, tau, refl, vbuf, tbuf, work);
}

/**
 * Column-major: form the first `qc` columns of Q = H_0·H_1⋯H_{k−1} (m×m) from
 * the reflectors stored below the diagonal of `w` (m×·, ld m) by `geqrf`
 * (LAPACK orgqr). Requires k ≤ qc ≤ m. Returns a new m×qc column-major array.
 */
export function orgqr(w: Float64Array, m: number, qc: number, k: number, tau: Float64Array): Float64Array {
  const q = scratch(m * qc);
  for (let j = 0; j < qc; j++) q[j + j * m] = 1;
  if (k === 0) return q;
  const nbMax = Math.min(NB, k);
  const mark = scratchMark();
  const vbuf = scratch(m * nbMax);
  const tbuf = scratch(nbMax * nbMax);
  const work = scratch(2 * nbMax * qc);
  // block start positions, processed last to first
  const lastStart = Math.floor((k - 1) / NB) * NB;
  for (let i = lastStart; i >= 0; i -= NB) {
    const ib = Math.min(NB, k - i);
    const mv = m - i;
    for (let c = 0; c < ib; c++) {
      const src = (i + c) * m + i;
      const dst = c * mv;
      for (let r = 0; r < c; r++) vbuf[dst + r] = 0;
      vbuf[dst + c] = 1;
      for (let r = c + 1; r < mv; r++) vbuf[dst + r] = w[src + r];
    }
    larft(mv, ib, vbuf, 0, mv, tau, i, tbuf, 0, ib);
    // Q[i:m, i:qc] ← H_block · Q[i:m, i:qc]
    larfbLeft(false, mv, qc - i, ib, vbuf, 0, mv, tbuf, 0, ib, q, i + i * m, m, work);
  }
  scratchRelease(mark);
  return q;
}
