/**
 * Hessenberg reduction and real Schur decomposition (row-major Float64Array).
 *
 *   hessenberg:  A = Q H Qᵀ, H upper Hessenberg, Q orthogonal (Householder,
 *                as LAPACK dgehd2 + dorghr).
 *   realSchur:   A = Z T Zᵀ, T upper quasi-triangular: 1×1 blocks for real
 *                eigenvalues, standardized 2×2 blocks [[a, b], [c, a]] with
 *                b·c < 0 for complex pairs a ± i·sqrt(-b c). Francis implicit
 *                double-shift QR with Ahues–Kressner deflation and exceptional
 *                shifts (LAPACK dlahqr), 2×2 blocks standardized by dlanv2.
 *
 * Numerical failure is reported through `info`, never thrown.
 */
import { larfg, type Reflector } from "./util.js";
import { transpose } from "./matfun-util.js";

const ULP = 2.220446049250313e-16; // dlamch('P') = 2^-52
const SAFMIN = 2.2250738585072014e-308;
const SAFMN2 = Math.pow(2, -485); // base^int(log2(safmin/eps)/2) as in dlanv2
const SAFMX2 = 1 / SAFMN2;

export interface HessenbergResult {
  /** Upper Hessenberg H (n×n, exact zeros below the first subdiagonal). */
  h: Float64Array;
  /** Orthogonal Q with A = Q H Qᵀ. */
  q: Float64Array;
}

/** sqrt(a² + b²) without overflow and without Math.hypot's slowness. */
function hyp2(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  const m = a > b ? a : b;
  if (m === 0 || m === Infinity) return m;
  const x = a / m;
  const y = b / m;
  return m * Math.sqrt(x * x + y * y);
}

/**
 * Householder reduction to upper Hessenberg form, A = Q H Qᵀ (Golub & Van Loan
 * Alg. 7.4.2). Step k: reflector H_k = I − τ v vᵀ, v = [0..0, 1, x] zeroing
 * A[k+2:, k]; Q = H_0 H_1 ⋯ H_{n−3}, accumulated backwards.
 */
export function hessenberg(a: Float64Array, n: number): HessenbergResult {
  if (a.length < n * n) throw new RangeError(`hessenberg: expected ${n * n} elements, got ${a.length}`);
  const h = a.slice(0, n * n);
  const q = new Float64Array(n * n);
  const tau = new Float64Array(Math.max(n, 1));
  const w = new Float64Array(n);
  const vb = new Float64Array(n);
  const refl: Reflector = { beta: 0, tau: 0 };
  for (let k = 0; k + 2 < n; k++) {
    // reflector for x = h[k+1:, k] (dlarfg, with the safe-minimum rescaling for tiny columns)
    larfg(h[(k + 1) * n + k], h, (k + 2) * n + k, n, n - k - 2, refl);
    const t = refl.tau;
    if (t === 0) {
      tau[k] = 0;
      continue;
    }
    h[(k + 1) * n + k] = refl.beta;
    tau[k] = t;
    // v = [1, x/(α−β)] in contiguous storage (indices k+1..n−1)
    vb[k + 1] = 1;
    for (let i = k + 2; i < n; i++) vb[i] = h[i * n + k];
    // left: rows k+1.., columns k+1..:  h -= τ v (vᵀ h)
    w.fill(0, k + 1, n);
    for (let i = k + 1; i < n; i++) {
      const vi = vb[i];
      if (vi === 0) continue;
      const r = i * n;
      for (let j = k + 1; j < n; j++) w[j] += vi * h[r + j];
    }
    for (let i = k + 1; i < n; i++) {
      const vi = vb[i] * t;
      if (vi === 0) continue;
      const r = i * n;
      for (let j = k + 1; j < n; j++) h[r + j] -= vi * w[j];
    }
    // right: all rows, columns k+1..:  h -= τ (h v) vᵀ
    for (let r = 0; r < n; r++) {
      const ro = r * n;
      let s = 0;
      for (let j = k + 1; j < n; j++) s += h[ro + j] * vb[j];
      if (s === 0) continue;
      s *= t;
      for (let j = k + 1; j < n; j++) h[ro + j] -= s * vb[j];
    }
  }
  // Q = H_0 ⋯ H_{n-3}: backward accumulation on the identity (dorg2r style)
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    w.fill(0, k + 1, n);
    for (let i = k + 1; i < n; i++) {
      const vi = i === k + 1 ? 1 : h[i * n + k];
      if (vi === 0) continue;
      const r = i * n;
      for (let j = k + 1; j < n; j++) w[j] += vi * q[r + j];
    }
    for (let i = k + 1; i < n; i++) {
      const vi = (i === k + 1 ? 1 : h[i * n + k]) * t;
      if (vi === 0) continue;
      const r = i * n;
      for (let j = k + 1; j < n; j++) q[r + j] -= vi * w[j];
    }
  }
  for (let i = 2; i < n; i++) for (let j = 0; j < i - 1; j++) h[i * n + j] = 0;
  return { h, q };
}

/** Scratch output of dlanv2: a, b, c, d, rt1r, rt1i, rt2r, rt2i, cs, sn. */
const LANV2 = new Float64Array(10);

function sign(a: number, b: number): number {
  return b >= 0 ? Math.abs(a) : -Math.abs(a);
}

/**
 * Schur factorization of a real 2×2 matrix in standardized form (LAPACK dlanv2):
 *   [a b; c d] = [cs −sn; sn cs] [aa bb; cc dd] [cs sn; −sn cs]
 * with cc = 0 (real eigenvalues) or aa = dd and bb·cc < 0 (complex pair).
 * Result in LANV2.
 */
export function lanv2(a: number, b: number, c: number, d: number): Float64Array {
  const MULTPL = 4;
  let cs: number;
  let sn: number;
  if (c === 0) {
    cs = 1;
    sn = 0;
  } else if (b === 0) {
    cs = 0;
    sn = 1;
    const tmp = d;
    d = a;
    a = tmp;
    b = -c;
    c = 0;
  } else if (a - d === 0 && sign(1, b) !== sign(1, c)) {
    cs = 1;
    sn = 0;
  } else {
    let temp = a - d;
    let p = 0.5 * temp;
    const bcmax = Math.max(Math.abs(b), Math.abs(c));
    const bcmis = Math.min(Math.abs(b), Math.abs(c)) * sign(1, b) * sign(1, c);
    let scale = Math.max(Math.abs(p), bcmax);
    let z = (p / scale) * p + (bcmax / scale) * bcmis;
    if (z >= MULTPL * ULP) {
      // real eigenvalues
      z = p + sign(Math.sqrt(scale) * Math.sqrt(z), p);
      a = d + z;
      d = d - (bcmax / z) * bcmis;
      const tau = hyp2(c, z);
      cs = z / tau;
      sn = c / tau;
      b = b - c;
      c = 0;
    } else {
      // complex or nearly equal real eigenvalues: make the diagonal equal
      let count = 0;
      let sigma = b + c;
      for (;;) {
        count++;
        scale = Math.max(Math.abs(temp), Math.abs(sigma));
        if (scale >= SAFMX2) {
          sigma *= SAFMN2;
          temp *= SAFMN2;
          if (count <= 20) continue;
        }
        if (scale <= SAFMN2) {
          sigma *= SAFMX2;
          temp *= SAFMX2;
          if (count <= 20) continue;
        }
        break;
      }
      p = 0.5 * temp;
      let tau = hyp2(sigma, temp);
      cs = Math.sqrt(0.5 * (1 + Math.abs(sigma) / tau));
      sn = -(p / (tau * cs)) * sign(1, sigma);
      // [aa bb; cc dd] = [a b; c d] [cs −sn; sn cs]
      const aa = a * cs + b * sn;
      const bb = -a * sn + b * cs;
      const cc = c * cs + d * sn;
      const dd = -c * sn + d * cs;
      // [a b; c d] = [cs sn; −sn cs] [aa bb; cc dd]
      a = aa * cs + cc * sn;
      b = bb * cs + dd * sn;
      c = -aa * sn + cc * cs;
      d = -bb * sn + dd * cs;
      temp = 0.5 * (a + d);
      a = temp;
      d = temp;
      if (c !== 0) {
        if (b !== 0) {
          if (sign(1, b) === sign(1, c)) {
            // real eigenvalues: reduce to upper triangular
            const sab = Math.sqrt(Math.abs(b));
            const sac = Math.sqrt(Math.abs(c));
            p = sign(sab * sac, c);
            tau = 1 / Math.sqrt(Math.abs(b + c));
            a = temp + p;
            d = temp - p;
            b = b - c;
            c = 0;
            const cs1 = sab * tau;
            const sn1 = sac * tau;
            temp = cs * cs1 - sn * sn1;
            sn = cs * sn1 + sn * cs1;
            cs = temp;
          }
        } else {
          b = -c;
          c = 0;
          temp = cs;
          cs = -sn;
          sn = temp;
        }
      }
    }
  }
  const o = LANV2;
  o[0] = a;
  o[1] = b;
  o[2] = c;
  o[3] = d;
  o[4] = a;
  o[6] = d;
  if (c === 0) {
    o[5] = 0;
    o[7] = 0;
  } else {
    o[5] = Math.sqrt(Math.abs(b)) * Math.sqrt(Math.abs(c));
    o[7] = -o[5];
  }
  o[8] = cs;
  o[9] = sn;
  return o;
}

export interface RealSchurResult {
  /** Upper quasi-triangular T (standardized 2×2 blocks). */
  t: Float64Array;
  /** Orthogonal Z with A = Z T Zᵀ. */
  z: Float64Array;
  /**
   * 0 on success; i+1 > 0 if the QR iteration failed to converge while
   * deflating row i (0-based) — T, Z then hold the partial reduction
   * (A = Z T Zᵀ still holds, T is Hessenberg in rows ≤ i).
   */
  info: number;
  /** Total number of double-shift QR sweeps. */
  iterations: number;
}

/**
 * Real Schur decomposition A = Z T Zᵀ by Hessenberg reduction followed by the
 * Francis implicit double-shift QR algorithm (Golub & Van Loan §7.5; the
 * deflation test, shifts and exceptional shifts follow LAPACK dlahqr).
 */
export function realSchur(a: Float64Array, n: number): RealSchurResult {
  if (a.length < n * n) throw new RangeError(`realSchur: expected ${n * n} elements, got ${a.length}`);
  const { h, q } = hessenberg(a, n);
  // Z is kept transposed (zt = Zᵀ) so that Z's column updates are contiguous row updates.
  const zt = transpose(q, n, n);
  const r = hqr(h, zt, n);
  return { t: h, z: transpose(zt, n, n), info: r.info, iterations: r.iterations };
}

/**
 * Francis double-shift QR on the upper Hessenberg H (in place, wantt = wantz = true),
 * accumulating into zt = Zᵀ (rows of zt are the columns of Z). Port of LAPACK dlahqr.
 */
function hqr(h: Float64Array, zt: Float64Array, n: number): { info: number; iterations: number } {
  let iterations = 0;
  if (n <= 1) return { info: 0, iterations };
  const smlnum = SAFMIN * (n / ULP);
  const itmax = 30 * Math.max(10, n);
  const KEXSH = 10;
  const DAT1 = 0.75;
  const DAT2 = -0.4375;
  let kdefl = 0;
  const v = new Float64Array(3);
  let i = n - 1;
  while (i >= 0) {
    let l = 0;
    let converged = false;
    for (let its = 0; its <= itmax; its++) {
      // look for a single small subdiagonal element
      let k = i;
      for (; k > l; k--) {
        const hkk1 = Math.abs(h[k * n + k - 1]);
        if (hkk1 <= smlnum) break;
        let tst = Math.abs(h[(k - 1) * n + k - 1]) + Math.abs(h[k * n + k]);
        if (tst === 0) {
          if (k - 2 >= 0) tst += Math.abs(h[(k - 1) * n + k - 2]);
          if (k + 1 <= n - 1) tst += Math.abs(h[(k + 1) * n + k]);
        }
        if (hkk1 <= ULP * tst) {
          // Ahues & Kressner conservative small-subdiagonal criterion
          const hk1k = Math.abs(h[(k - 1) * n + k]);
          const ab = Math.max(hkk1, hk1k);
          const ba = Math.min(hkk1, hk1k);
          const hkk = Math.abs(h[k * n + k]);
          const dif = Math.abs(h[(k - 1) * n + k - 1] - h[k * n + k]);
          const aa = Math.max(hkk, dif);
          const bb = Math.min(hkk, dif);
          const s = aa + ab;
          if (ba * (ab / s) <= Math.max(smlnum, ULP * (bb * (aa / s)))) break;
        }
      }
      l = k;
      if (l > 0) h[l * n + l - 1] = 0;
      if (l >= i - 1) {
        converged = true;
        break;
      }
      kdefl++;
      iterations++;
      // shifts
      let h11: number, h12: number, h21: number, h22: number;
      if (kdefl % (2 * KEXSH) === 0) {
        const s = Math.abs(h[i * n + i - 1]) + Math.abs(h[(i - 1) * n + i - 2]);
        h11 = DAT1 * s + h[i * n + i];
        h12 = DAT2 * s;
        h21 = s;
        h22 = h11;
      } else if (kdefl % KEXSH === 0) {
        const s = Math.abs(h[(l + 1) * n + l]) + Math.abs(h[(l + 2) * n + l + 1]);
        h11 = DAT1 * s + h[l * n + l];
        h12 = DAT2 * s;
        h21 = s;
        h22 = h11;
      } else {
        h11 = h[(i - 1) * n + i - 1];
        h21 = h[i * n + i - 1];
        h12 = h[(i - 1) * n + i];
        h22 = h[i * n + i];
      }
      let rt1r: number, rt1i: number, rt2r: number, rt2i: number;
      {
        const s = Math.abs(h11) + Math.abs(h12) + Math.abs(h21) + Math.abs(h22);
        if (s === 0) {
          rt1r = rt1i = rt2r = rt2i = 0;
        } else {
          h11 /= s;
          h21 /= s;
          h12 /= s;
          h22 /= s;
          const tr = (h11 + h22) / 2;
          const det = (h11 - tr) * (h22 - tr) - h12 * h21;
          const rtdisc = Math.sqrt(Math.abs(det));
          if (det >= 0) {
            rt1r = tr * s;
            rt2r = rt1r;
            rt1i = rtdisc * s;
            rt2i = -rt1i;
          } else {
            // real shifts: use the one closer to h22 twice
            rt1r = tr + rtdisc;
            rt2r = tr - rtdisc;
            if (Math.abs(rt1r - h22) <= Math.abs(rt2r - h22)) {
              rt1r *= s;
              rt2r = rt1r;
            } else {
              rt2r *= s;
              rt1r = rt2r;
            }
            rt1i = rt2i = 0;
          }
        }
      }
      // look for two consecutive small subdiagonal elements
      let m = i - 2;
      for (; m >= l; m--) {
        const hmm = h[m * n + m];
        let h21s = h[(m + 1) * n + m];
        let s = Math.abs(hmm - rt2r) + Math.abs(rt2i) + Math.abs(h21s);
        h21s = h[(m + 1) * n + m] / s;
        v[0] = h21s * h[m * n + m + 1] + (hmm - rt1r) * ((hmm - rt2r) / s) - rt1i * (rt2i / s);
        v[1] = h21s * (hmm + h[(m + 1) * n + m + 1] - rt1r - rt2r);
        v[2] = h21s * h[(m + 2) * n + m + 1];
        s = Math.abs(v[0]) + Math.abs(v[1]) + Math.abs(v[2]);
        v[0] /= s;
        v[1] /= s;
        v[2] /= s;
        if (m === l) break;
        const h00 = Math.abs(h[m * n + m - 1]) * (Math.abs(v[1]) + Math.abs(v[2]));
        const h01 =
          Math.abs(v[0]) * (Math.abs(h[(m - 1) * n + m - 1]) + Math.abs(hmm) + Math.abs(h[(m + 1) * n + m + 1]));
        if (h00 <= ULP * h01) break;
      }
      // double-shift QR sweep: chase the bulge from m to i
      for (let k2 = m; k2 <= i - 1; k2++) {
        const nr = Math.min(3, i - k2 + 1);
        if (k2 > m) {
          v[0] = h[k2 * n + k2 - 1];
          v[1] = h[(k2 + 1) * n + k2 - 1];
          v[2] = nr === 3 ? h[(k2 + 2) * n + k2 - 1] : 0;
        }
        // dlarfg(nr, v0, v[1..]) → reflector [1, v1, v2], tau t1, v0 ← beta
        let t1 = 0;
        {
          const alpha = v[0];
          const xnorm = nr === 3 ? hyp2(v[1], v[2]) : Math.abs(v[1]);
          if (xnorm !== 0) {
            const beta = -sign(hyp2(alpha, xnorm), alpha);
            t1 = (beta - alpha) / beta;
            const scal = 1 / (alpha - beta);
            v[1] *= scal;
            if (nr === 3) v[2] *= scal;
            v[0] = beta;
          }
        }
        if (k2 > m) {
          h[k2 * n + k2 - 1] = v[0];
          h[(k2 + 1) * n + k2 - 1] = 0;
          if (k2 < i - 1) h[(k2 + 2) * n + k2 - 1] = 0;
        } else if (m > l) {
          // avoids a bug when v[1], v[2] underflow (LAPACK comment)
          h[k2 * n + k2 - 1] *= 1 - t1;
        }
        const v2 = v[1];
        const t2 = t1 * v2;
        if (t1 === 0) continue;
        if (nr === 3) {
          const v3 = v[2];
          const t3 = t1 * v3;
          const r0 = k2 * n;
          const r1 = r0 + n;
          const r2 = r1 + n;
          for (let j = k2; j < n; j++) {
            const sum = h[r0 + j] + v2 * h[r1 + j] + v3 * h[r2 + j];
            h[r0 + j] -= sum * t1;
            h[r1 + j] -= sum * t2;
            h[r2 + j] -= sum * t3;
          }
          const jmax = Math.min(k2 + 3, i);
          for (let j = 0; j <= jmax; j++) {
            const o = j * n + k2;
            const sum = h[o] + v2 * h[o + 1] + v3 * h[o + 2];
            h[o] -= sum * t1;
            h[o + 1] -= sum * t2;
            h[o + 2] -= sum * t3;
          }
          for (let j = 0; j < n; j++) {
            const sum = zt[r0 + j] + v2 * zt[r1 + j] + v3 * zt[r2 + j];
            zt[r0 + j] -= sum * t1;
            zt[r1 + j] -= sum * t2;
            zt[r2 + j] -= sum * t3;
          }
        } else {
          const r0 = k2 * n;
          const r1 = r0 + n;
          for (let j = k2; j < n; j++) {
            const sum = h[r0 + j] + v2 * h[r1 + j];
            h[r0 + j] -= sum * t1;
            h[r1 + j] -= sum * t2;
          }
          for (let j = 0; j <= i; j++) {
            const o = j * n + k2;
            const sum = h[o] + v2 * h[o + 1];
            h[o] -= sum * t1;
            h[o + 1] -= sum * t2;
          }
          for (let j = 0; j < n; j++) {
            const sum = zt[r0 + j] + v2 * zt[r1 + j];
            zt[r0 + j] -= sum * t1;
            zt[r1 + j] -= sum * t2;
          }
        }
      }
    }
    if (!converged) return { info: i + 1, iterations };
    if (l === i - 1) {
      // 2×2 block: standardize (dlanv2) and apply the rotation to the rest of H and to Z
      const p = (i - 1) * n;
      const o = lanv2(h[p + i - 1], h[p + i], h[i * n + i - 1], h[i * n + i]);
      h[p + i - 1] = o[0];
      h[p + i] = o[1];
      h[i * n + i - 1] = o[2];
      h[i * n + i] = o[3];
      const cs = o[8];
      const sn = o[9];
      if (!(cs === 1 && sn === 0)) {
        for (let c = i + 1; c < n; c++) {
          const x = h[p + c];
          const y = h[i * n + c];
          h[p + c] = cs * x + sn * y;
          h[i * n + c] = cs * y - sn * x;
        }
        for (let rr = 0; rr < i - 1; rr++) {
          const x = h[rr * n + i - 1];
          const y = h[rr * n + i];
          h[rr * n + i - 1] = cs * x + sn * y;
          h[rr * n + i] = cs * y - sn * x;
        }
        const z0 = (i - 1) * n;
        const z1 = i * n;
        for (let c = 0; c < n; c++) {
          const x = zt[z0 + c];
          const y = zt[z1 + c];
          zt[z0 + c] = cs * x + sn * y;
          zt[z1 + c] = cs * y - sn * x;
        }
      }
    }
    kdefl = 0;
    i = l - 1;
  }
  return { info: 0, iterations };
}

/**
 * Eigenvalues of an upper quasi-triangular T (real Schur form), in diagonal
 * order. A 2×2 block [[a, b], [c, d]] with c ≠ 0 gives (a+d)/2 ± sqrt(((a−d)/2)² + bc);
 * for a standardized block this is a ± i·sqrt(|b|)·sqrt(|c|).
 */
export function schurEigenvalues(t: Float64Array, n: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  let i = 0;
  while (i < n) {
    if (i + 1 < n && t[(i + 1) * n + i] !== 0) {
      const a = t[i * n + i];
      const b = t[i * n + i + 1];
      const c = t[(i + 1) * n + i];
      const d = t[(i + 1) * n + i + 1];
      const p = 0.5 * (a - d);
      const bcmax = Math.max(Math.abs(b), Math.abs(c));
      const bcmis = Math.min(Math.abs(b), Math.abs(c)) * sign(1, b) * sign(1, c);
      const scale = Math.max(Math.abs(p), bcmax);
      // disc = p² + b c, scaled
      const z = scale === 0 ? 0 : (p / scale) * p + (bcmax / scale) * bcmis;
      const mid = 0.5 * (a + d);
      if (z < 0) {
        const w = Math.sqrt(scale) * Math.sqrt(-z);
        re[i] = mid;
        re[i + 1] = mid;
        im[i] = w;
        im[i + 1] = -w;
      } else {
        const w = Math.sqrt(scale) * Math.sqrt(z);
        re[i] = mid + w;
        re[i + 1] = mid - w;
      }
      i += 2;
    } else {
      re[i] = t[i * n + i];
      i += 1;
    }
  }
  return { re, im };
}
