/**
 * f(A) for a general real square A by the Schur–Parlett algorithm of
 * Davies & Higham (2003), "A Schur–Parlett algorithm for computing matrix
 * functions" (SIAM J. Matrix Anal. Appl. 25(2)), in complex arithmetic:
 *
 *  1. real Schur form A = Z T Zᵀ (kernels/schur.ts), turned into a complex
 *     Schur form by one unitary rotation per 2×2 block (as scipy.linalg.rsf2csf);
 *  2. the eigenvalues are split into clusters: λ, μ in one cluster when a
 *     chain of eigenvalues at most δ = 0.1 apart joins them (Algorithm 4.1);
 *  3. the clusters are made contiguous on the diagonal by swapping adjacent
 *     diagonal entries with Givens rotations (LAPACK ztrexc), clusters ordered
 *     by the mean of their positions (Algorithm 4.2's confluent order);
 *  4. f of each diagonal block by its Taylor series around the block's mean
 *     eigenvalue σ, F = Σₖ f⁽ᵏ⁾(σ)/k! (T − σI)ᵏ, until two consecutive terms
 *     are below ε‖F‖ (and at least as many terms as the block's order);
 *     f(λ) directly for a 1×1 block;
 *  5. the off-diagonal blocks by the block Parlett recurrence
 *     T_II F_IJ − F_IJ T_JJ = F_II T_IJ − T_IJ F_JJ + Σ_{I<K<J} (F_IK T_KJ − T_IK F_KJ),
 *     a triangular Sylvester equation per block pair (nonsingular: the
 *     clusters are > δ apart);
 *  6. f(A) = Re(Z_c F Z_cᴴ): for f real on the real axis (f(z̄) = f(z)‾) the
 *     imaginary part is rounding only; `imagRatio` reports max|Im| / max|Re|.
 *
 * `coef(re, im, k, out)` writes the Taylor coefficient f⁽ᵏ⁾(z)/k! at z = re + i·im.
 * Failure is reported through `info`, never thrown.
 */
import { realSchur } from "./schur.js";

/** The Taylor coefficient f⁽ᵏ⁾(z)/k! of the scalar function at z = re + i·im, written to out[0] (real), out[1] (imaginary). */
export type TaylorCoef = (re: number, im: number, k: number, out: Float64Array) => void;

export interface FunmResult {
  /** f(A), n×n row-major (the real part of the complex result). */
  f: Float64Array;
  /**
   * 0: done. 1: the Schur decomposition did not converge. 2: a Taylor series did not converge.
   * 3: f or one of its Taylor coefficients is not finite at an eigenvalue (a pole, a branch point, an overflow).
   */
  info: number;
  /** max|Im F| / max|Re F| before the real part was taken (≈ ε for f real on the real axis). */
  imagRatio: number;
  /** The eigenvalues of A (real parts, imaginary parts), in the order of the final Schur form. */
  re: Float64Array;
  im: Float64Array;
}

const DELTA = 0.1;
const EPS = 2.220446049250313e-16;
const MAX_TERMS = 250;

/** f(A) by the Schur–Parlett algorithm (see the module comment). */
export function funmSchurParlett(a: Float64Array, n: number, coef: TaylorCoef): FunmResult {
  const nn = n * n;
  if (n === 0) return { f: new Float64Array(0), info: 0, imagRatio: 0, re: new Float64Array(0), im: new Float64Array(0) };
  const fr = new Float64Array(nn), fi = new Float64Array(nn);
  const s = realSchur(a, n);
  if (s.info !== 0) return { f: fr.fill(NaN), info: 1, imagRatio: 0, re: new Float64Array(n), im: new Float64Array(n) };
  // complex T (tr + i·ti) and Z (zr + i·zi)
  const tr = s.t, ti = new Float64Array(nn), zr = s.z, zi = new Float64Array(nn);
  rsf2csf(tr, ti, zr, zi, n);
  // clusters and their contiguous order
  const key = clusterKeys(tr, ti, n);
  reorder(tr, ti, zr, zi, n, key);
  // block boundaries
  const starts: number[] = [0];
  for (let i = 1; i < n; i++) if (key[i] !== key[i - 1]) starts.push(i);
  starts.push(n);
  const nb = starts.length - 1;
  const out = new Float64Array(2);
  let info = 0;
  for (let b = 0; b < nb; b++) {
    const s0 = starts[b], e0 = starts[b + 1];
    if (e0 - s0 === 1) {
      coef(tr[s0 * n + s0], ti[s0 * n + s0], 0, out);
      fr[s0 * n + s0] = out[0];
      fi[s0 * n + s0] = out[1];
      if (!Number.isFinite(out[0]) || !Number.isFinite(out[1])) info = 3;
    } else {
      const r = taylorBlock(tr, ti, n, s0, e0, coef, fr, fi);
      if (r !== 0 && info !== 3) info = r;
    }
  }
  // block Parlett recurrence, column blocks left to right, row blocks bottom to top
  for (let J = 1; J < nb; J++) {
    const sj = starts[J], ej = starts[J + 1];
    for (let I = J - 1; I >= 0; I--) {
      const si = starts[I], ei = starts[I + 1];
      // R = Σ_{k∈[si,sj)} F_rk T_kc − Σ_{k∈[ei,ej)} T_rk F_kc, into the F_IJ slots
      for (let r = si; r < ei; r++)
        for (let c = sj; c < ej; c++) {
          let vr = 0, vi = 0;
          for (let k = si; k < sj; k++) {
            const ar = fr[r * n + k], ai = fi[r * n + k], br = tr[k * n + c], bi = ti[k * n + c];
            vr += ar * br - ai * bi;
            vi += ar * bi + ai * br;
          }
          for (let k = ei; k < ej; k++) {
            const ar = tr[r * n + k], ai = ti[r * n + k], br = fr[k * n + c], bi = fi[k * n + c];
            vr -= ar * br - ai * bi;
            vi -= ar * bi + ai * br;
          }
          fr[r * n + c] = vr;
          fi[r * n + c] = vi;
        }
      // T_II X − X T_JJ = R (both upper triangular): columns ascending, rows descending
      for (let c = sj; c < ej; c++)
        for (let r = ei - 1; r >= si; r--) {
          let vr = fr[r * n + c], vi = fi[r * n + c];
          for (let k = r + 1; k < ei; k++) {
            const ar = tr[r * n + k], ai = ti[r * n + k], br = fr[k * n + c], bi = fi[k * n + c];
            vr -= ar * br - ai * bi;
            vi -= ar * bi + ai * br;
          }
          for (let k = sj; k < c; k++) {
            const ar = fr[r * n + k], ai = fi[r * n + k], br = tr[k * n + c], bi = ti[k * n + c];
            vr += ar * br - ai * bi;
            vi += ar * bi + ai * br;
          }
          const dr = tr[r * n + r] - tr[c * n + c], di = ti[r * n + r] - ti[c * n + c];
          const d2 = dr * dr + di * di;
          fr[r * n + c] = (vr * dr + vi * di) / d2;
          fi[r * n + c] = (vi * dr - vr * di) / d2;
        }
    }
  }
  // F_A = Z F Zᴴ: W = Z F, then W Zᴴ (real part only, and the size of the imaginary part)
  const wr = new Float64Array(nn), wi = new Float64Array(nn);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const ar = zr[i * n + k], ai = zi[i * n + k];
      if (ar === 0 && ai === 0) continue;
      for (let j = k; j < n; j++) {
        const br = fr[k * n + j], bi = fi[k * n + j];
        wr[i * n + j] += ar * br - ai * bi;
        wi[i * n + j] += ar * bi + ai * br;
      }
    }
  const res = new Float64Array(nn);
  let maxRe = 0, maxIm = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let vr = 0, vi = 0;
      for (let k = 0; k < n; k++) {
        // (W Zᴴ)_ij = Σ_k W_ik conj(Z_jk)
        const ar = wr[i * n + k], ai = wi[i * n + k], br = zr[j * n + k], bi = -zi[j * n + k];
        vr += ar * br - ai * bi;
        vi += ar * bi + ai * br;
      }
      res[i * n + j] = vr;
      maxRe = Math.max(maxRe, Math.abs(vr));
      maxIm = Math.max(maxIm, Math.abs(vi));
    }
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = tr[i * n + i];
    im[i] = ti[i * n + i];
  }
  return { f: res, info, imagRatio: maxRe > 0 ? maxIm / maxRe : maxIm > 0 ? Infinity : 0, re, im };
}

/**
 * Real Schur form → complex Schur form in place: each standardized 2×2 block
 * at rows (m−1, m) is triangularized by the unitary G = [[c̄, s], [−s, c]],
 * c = μ/r, s = t_{m,m−1}/r, μ = λ − t_mm (λ an eigenvalue of the block),
 * r = ‖(μ, t_{m,m−1})‖: T ← G T Gᴴ on rows/columns m−1, m; Z ← Z Gᴴ.
 */
function rsf2csf(tr: Float64Array, ti: Float64Array, zr: Float64Array, zi: Float64Array, n: number): void {
  for (let m = n - 1; m > 0; m--) {
    const sub = tr[m * n + m - 1];
    if (sub === 0) continue;
    const a = tr[(m - 1) * n + m - 1], b = tr[(m - 1) * n + m], d = tr[m * n + m];
    // eigenvalue λ = (a + d)/2 + i·sqrt(−((a − d)/2)² − b·sub)
    const h = (a - d) / 2;
    const disc = h * h + b * sub;
    const lr = (a + d) / 2 + (disc >= 0 ? Math.sqrt(disc) : 0), li = disc < 0 ? Math.sqrt(-disc) : 0;
    const mur = lr - d, mui = li;
    const r = Math.hypot(mur, mui, sub);
    const cr = mur / r, ci = mui / r, sn = sub / r;
    // rows m−1, m, columns m−1..n−1:  [x; y] ← [c̄ x + s y; −s x + c y]
    for (let j = m - 1; j < n; j++) {
      const xr = tr[(m - 1) * n + j], xi = ti[(m - 1) * n + j], yr = tr[m * n + j], yi = ti[m * n + j];
      tr[(m - 1) * n + j] = cr * xr + ci * xi + sn * yr;
      ti[(m - 1) * n + j] = cr * xi - ci * xr + sn * yi;
      tr[m * n + j] = -sn * xr + cr * yr - ci * yi;
      ti[m * n + j] = -sn * xi + cr * yi + ci * yr;
    }
    // columns m−1, m, rows 0..m:  [x, y] ← [x, y] Gᴴ = [c x + s y, −s x + c̄ y]
    const rot = (ar: Float64Array, ai: Float64Array, rows: number): void => {
      for (let i = 0; i < rows; i++) {
        const xr = ar[i * n + m - 1], xi = ai[i * n + m - 1], yr = ar[i * n + m], yi = ai[i * n + m];
        ar[i * n + m - 1] = cr * xr - ci * xi + sn * yr;
        ai[i * n + m - 1] = cr * xi + ci * xr + sn * yi;
        ar[i * n + m] = -sn * xr + cr * yr + ci * yi;
        ai[i * n + m] = -sn * xi + cr * yi - ci * yr;
      }
    };
    rot(tr, ti, m + 1);
    rot(zr, zi, n);
    tr[m * n + m - 1] = 0;
    ti[m * n + m - 1] = 0;
  }
}

/**
 * Davies–Higham Algorithm 4.1 (clusters of eigenvalues joined by chains of
 * gaps ≤ δ), then each position's key: the rank of its cluster when clusters
 * are ordered by the mean of their positions.
 */
function clusterKeys(tr: Float64Array, ti: Float64Array, n: number): Int32Array {
  const label = new Int32Array(n).fill(-1);
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (label[i] < 0) label[i] = next++;
    for (let j = i + 1; j < n; j++) {
      if (label[j] === label[i]) continue;
      const dr = tr[i * n + i] - tr[j * n + j], di = ti[i * n + i] - ti[j * n + j];
      if (Math.hypot(dr, di) > DELTA) continue;
      if (label[j] < 0) label[j] = label[i];
      else {
        const old = label[j];
        for (let k = 0; k < n; k++) if (label[k] === old) label[k] = label[i];
      }
    }
  }
  const sum = new Float64Array(next), cnt = new Float64Array(next);
  for (let i = 0; i < n; i++) {
    sum[label[i]] += i;
    cnt[label[i]]++;
  }
  const ids = Array.from({ length: next }, (_, k) => k).filter((k) => cnt[k] > 0);
  ids.sort((p, q) => sum[p] / cnt[p] - sum[q] / cnt[q] || p - q);
  const rank = new Int32Array(next);
  ids.forEach((k, r) => (rank[k] = r));
  const key = new Int32Array(n);
  for (let i = 0; i < n; i++) key[i] = rank[label[i]];
  return key;
}

/** Bubble the diagonal into non-decreasing key order with adjacent swaps (LAPACK ztrexc's 1×1 swap). */
function reorder(tr: Float64Array, ti: Float64Array, zr: Float64Array, zi: Float64Array, n: number, key: Int32Array): void {
  for (let pass = 0; pass < n; pass++) {
    let swapped = false;
    for (let k = 0; k + 1 < n; k++) {
      if (key[k] <= key[k + 1]) continue;
      swapAdjacent(tr, ti, zr, zi, n, k);
      const t = key[k];
      key[k] = key[k + 1];
      key[k + 1] = t;
      swapped = true;
    }
    if (!swapped) return;
  }
}

/**
 * Swap the diagonal entries k, k+1 of the complex upper triangular T (ztrexc):
 * the rotation [[c, s], [−s̄, c]] (c real, zlartg) with [c s; −s̄ c][t_{k,k+1}; t₂₂ − t₁₁] = [ρ; 0],
 * applied to rows k, k+1 from the left and to columns k, k+1 (and Z) from the right as its conjugate transpose.
 */
function swapAdjacent(tr: Float64Array, ti: Float64Array, zr: Float64Array, zi: Float64Array, n: number, k: number): void {
  const t11r = tr[k * n + k], t11i = ti[k * n + k], t22r = tr[(k + 1) * n + k + 1], t22i = ti[(k + 1) * n + k + 1];
  const fR = tr[k * n + k + 1], fI = ti[k * n + k + 1], gR = t22r - t11r, gI = t22i - t11i;
  const fa = Math.hypot(fR, fI), ga = Math.hypot(gR, gI);
  let c: number, sr: number, si: number;
  if (ga === 0) {
    c = 1;
    sr = 0;
    si = 0;
  } else if (fa === 0) {
    c = 0;
    sr = gR / ga;
    si = -gI / ga;
  } else {
    const nrm = Math.hypot(fa, ga);
    c = fa / nrm;
    // s = (f/|f|) conj(g) / ‖(f, g)‖
    const ur = fR / fa, ui = fI / fa;
    sr = (ur * gR + ui * gI) / nrm;
    si = (ui * gR - ur * gI) / nrm;
  }
  // zrot on rows k, k+1 (columns k+2..): x ← c x + s y, y ← c y − s̄ x
  for (let j = k + 2; j < n; j++) {
    const xr = tr[k * n + j], xi = ti[k * n + j], yr = tr[(k + 1) * n + j], yi = ti[(k + 1) * n + j];
    tr[k * n + j] = c * xr + (sr * yr - si * yi);
    ti[k * n + j] = c * xi + (sr * yi + si * yr);
    tr[(k + 1) * n + j] = c * yr - (sr * xr + si * xi);
    ti[(k + 1) * n + j] = c * yi - (sr * xi - si * xr);
  }
  // zrot on columns k, k+1 with s̄ (rows 0..k−1, and all rows of Z): x ← c x + s̄ y, y ← c y − s x
  const colRot = (ar: Float64Array, ai: Float64Array, rows: number): void => {
    for (let i = 0; i < rows; i++) {
      const xr = ar[i * n + k], xi = ai[i * n + k], yr = ar[i * n + k + 1], yi = ai[i * n + k + 1];
      ar[i * n + k] = c * xr + (sr * yr + si * yi);
      ai[i * n + k] = c * xi + (sr * yi - si * yr);
      ar[i * n + k + 1] = c * yr - (sr * xr - si * xi);
      ai[i * n + k + 1] = c * yi - (sr * xi + si * xr);
    }
  };
  colRot(tr, ti, k);
  colRot(zr, zi, n);
  tr[k * n + k] = t22r;
  ti[k * n + k] = t22i;
  tr[(k + 1) * n + k + 1] = t11r;
  ti[(k + 1) * n + k + 1] = t11i;
}

/**
 * f of the diagonal block [s0, e0) by its Taylor series around σ = mean of the
 * block's eigenvalues: F = Σₖ cₖ Mᵏ, M = T_block − σI, cₖ = f⁽ᵏ⁾(σ)/k!.
 * Stops when two consecutive terms are ≤ ε‖F‖ (max-norm) after at least m terms
 * (M's nilpotent part has order < m). Returns 0, 2 without convergence, 3 for a non-finite coefficient.
 */
function taylorBlock(tr: Float64Array, ti: Float64Array, n: number, s0: number, e0: number, coef: TaylorCoef, fr: Float64Array, fi: Float64Array): number {
  const m = e0 - s0, mm = m * m;
  let sr = 0, si = 0;
  for (let i = s0; i < e0; i++) {
    sr += tr[i * n + i];
    si += ti[i * n + i];
  }
  sr /= m;
  si /= m;
  const Mr = new Float64Array(mm), Mi = new Float64Array(mm);
  for (let i = 0; i < m; i++)
    for (let j = i; j < m; j++) {
      Mr[i * m + j] = tr[(s0 + i) * n + s0 + j] - (i === j ? sr : 0);
      Mi[i * m + j] = ti[(s0 + i) * n + s0 + j] - (i === j ? si : 0);
    }
  // P = Mᵏ, F = Σ cₖ P
  let Pr = new Float64Array(mm), Pi = new Float64Array(mm);
  for (let i = 0; i < m; i++) Pr[i * m + i] = 1;
  const Fr = new Float64Array(mm), Fi = new Float64Array(mm);
  let Qr = new Float64Array(mm), Qi = new Float64Array(mm);
  const c = new Float64Array(2);
  let small = 0;
  let ok = false;
  for (let k = 0; k < MAX_TERMS; k++) {
    coef(sr, si, k, c);
    if (!Number.isFinite(c[0]) || !Number.isFinite(c[1])) return 3;
    let termMax = 0, fMax = 0;
    for (let p = 0; p < mm; p++) {
      const vr = c[0] * Pr[p] - c[1] * Pi[p], vi = c[0] * Pi[p] + c[1] * Pr[p];
      Fr[p] += vr;
      Fi[p] += vi;
      termMax = Math.max(termMax, Math.abs(vr), Math.abs(vi));
      fMax = Math.max(fMax, Math.abs(Fr[p]), Math.abs(Fi[p]));
    }
    if (!Number.isFinite(termMax) || !Number.isFinite(fMax)) return 3;
    small = termMax <= EPS * fMax ? small + 1 : 0;
    if (small >= 2 && k >= m) {
      ok = true;
      break;
    }
    // P ← P M (both upper triangular)
    Qr.fill(0);
    Qi.fill(0);
    for (let i = 0; i < m; i++)
      for (let l = i; l < m; l++) {
        const ar = Pr[i * m + l], ai = Pi[i * m + l];
        if (ar === 0 && ai === 0) continue;
        for (let j = l; j < m; j++) {
          const br = Mr[l * m + j], bi = Mi[l * m + j];
          Qr[i * m + j] += ar * br - ai * bi;
          Qi[i * m + j] += ar * bi + ai * br;
        }
      }
    [Pr, Qr] = [Qr, Pr];
    [Pi, Qi] = [Qi, Pi];
  }
  for (let i = 0; i < m; i++)
    for (let j = i; j < m; j++) {
      fr[(s0 + i) * n + s0 + j] = Fr[i * m + j];
      fi[(s0 + i) * n + s0 + j] = Fi[i * m + j];
    }
  return ok ? 0 : 2;
}
