/**
 * The LDLᵀ factorization of a symmetric (possibly indefinite) matrix with
 * Bunch–Kaufman diagonal pivoting (LAPACK dsytf2 / dsytrs, lower triangle),
 * row-major float64, one matrix per call.
 *
 * A = L D Lᵀ with L = P(0) L(0) P(1) L(1) …: at step k a 1×1 or 2×2 pivot
 * block is chosen (α = (1 + √17)/8 bounds the growth), rows/columns are
 * interchanged in the trailing submatrix only, and the multipliers of L(k)
 * are stored below the block. D is block diagonal with 1×1 and 2×2 blocks.
 *
 * Pivots, 0-based (LAPACK's ipiv − 1 for 1×1 blocks, LAPACK's value for 2×2):
 *   piv[k] ≥ 0:              1×1 block at k, rows/columns k and piv[k] were interchanged;
 *   piv[k] = piv[k+1] < 0:   2×2 block at k, k+1; rows/columns k+1 and −piv[k] − 1 were interchanged.
 *
 * Layer-1 kernel: a singular D is reported through `info`, never thrown.
 */

const ALPHA = (1 + Math.sqrt(17)) / 8;

export interface LdlResult {
  /** n×n row-major: D's blocks and L's multipliers in the lower triangle, zeros above. */
  ld: Float64Array;
  piv: Int32Array;
  /** −1, or the first k with a zero column in the Schur complement (D singular there; dsytf2's info − 1). */
  info: number;
}

/** Bunch–Kaufman LDLᵀ of the symmetric n×n matrix whose lower triangle is `a` (not modified). */
export function ldlFactor(a0: Float64Array, n: number): LdlResult {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a0[i * n + j];
  const piv = new Int32Array(n);
  let info = -1;
  let k = 0;
  while (k < n) {
    let kstep = 1;
    const absakk = Math.abs(a[k * n + k]);
    let imax = k, colmax = 0;
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > colmax) {
        colmax = v;
        imax = i;
      }
    }
    let kp: number;
    if (Math.max(absakk, colmax) === 0 || absakk !== absakk) {
      // a zero (or NaN) column: D[k, k] = 0, nothing to eliminate
      if (info < 0) info = k;
      kp = k;
    } else {
      if (absakk >= ALPHA * colmax) kp = k;
      else {
        // the largest off-diagonal entry in row / column imax of the trailing submatrix
        let rowmax = 0;
        for (let j = k; j < imax; j++) rowmax = Math.max(rowmax, Math.abs(a[imax * n + j]));
        for (let i = imax + 1; i < n; i++) rowmax = Math.max(rowmax, Math.abs(a[i * n + imax]));
        if (absakk >= ALPHA * colmax * (colmax / rowmax)) kp = k;
        else if (Math.abs(a[imax * n + imax]) >= ALPHA * rowmax) kp = imax;
        else {
          kp = imax;
          kstep = 2;
        }
      }
      const kk = k + kstep - 1;
      if (kp !== kk) {
        // interchange rows and columns kk and kp of the trailing submatrix (lower triangle)
        for (let i = kp + 1; i < n; i++) swap(a, i * n + kk, i * n + kp);
        for (let j = kk + 1; j < kp; j++) swap(a, j * n + kk, kp * n + j);
        swap(a, kk * n + kk, kp * n + kp);
        if (kstep === 2) swap(a, (k + 1) * n + k, kp * n + k);
      }
      if (kstep === 1) {
        if (k < n - 1) {
          // A₂₂ −= x xᵀ / d, x = A[k+1:, k]; then x /= d (the multipliers)
          const r1 = 1 / a[k * n + k];
          for (let j = k + 1; j < n; j++) {
            const xj = a[j * n + k];
            if (xj === 0) continue;
            const t = -r1 * xj;
            for (let i = j; i < n; i++) a[i * n + j] += a[i * n + k] * t;
          }
          for (let i = k + 1; i < n; i++) a[i * n + k] *= r1;
        }
      } else if (k < n - 2) {
        // 2×2 pivot D = [[d₁₁, d₂₁], [d₂₁, d₂₂]]: A₂₂ −= [x y] D⁻¹ [x y]ᵀ, [x y] ← [x y] D⁻¹ (dsytf2's scaled form)
        let d21 = a[(k + 1) * n + k];
        const d11 = a[(k + 1) * n + k + 1] / d21;
        const d22 = a[k * n + k] / d21;
        const t = 1 / (d11 * d22 - 1);
        d21 = t / d21;
        for (let j = k + 2; j < n; j++) {
          const wk = d21 * (d11 * a[j * n + k] - a[j * n + k + 1]);
          const wkp1 = d21 * (d22 * a[j * n + k + 1] - a[j * n + k]);
          for (let i = j; i < n; i++) a[i * n + j] -= a[i * n + k] * wk + a[i * n + k + 1] * wkp1;
          a[j * n + k] = wk;
          a[j * n + k + 1] = wkp1;
        }
      }
    }
    if (kstep === 1) piv[k] = kp;
    else piv[k] = piv[k + 1] = -kp - 1;
    k += kstep;
  }
  return { ld: a, piv, info };
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function swapRows(b: Float64Array, nrhs: number, i: number, j: number): void {
  for (let c = 0; c < nrhs; c++) swap(b, i * nrhs + c, j * nrhs + c);
}

/**
 * Solve A X = B in place (b: n×nrhs row-major) from ldlFactor's output (dsytrs, lower):
 * L D Y = B forward, then Lᵀ X = Y backward, undoing the interchanges.
 */
export function ldlSolveInPlace(ld: Float64Array, piv: Int32Array | Float64Array, n: number, b: Float64Array, nrhs: number): void {
  let k = 0;
  while (k < n) {
    if (piv[k] >= 0) {
      const kp = piv[k];
      if (kp !== k) swapRows(b, nrhs, k, kp);
      for (let i = k + 1; i < n; i++) {
        const l = ld[i * n + k];
        if (l !== 0) for (let c = 0; c < nrhs; c++) b[i * nrhs + c] -= l * b[k * nrhs + c];
      }
      const d = ld[k * n + k];
      for (let c = 0; c < nrhs; c++) b[k * nrhs + c] /= d;
      k += 1;
    } else {
      const kp = -piv[k] - 1;
      if (kp !== k + 1) swapRows(b, nrhs, k + 1, kp);
      for (let i = k + 2; i < n; i++) {
        const l0 = ld[i * n + k], l1 = ld[i * n + k + 1];
        for (let c = 0; c < nrhs; c++) b[i * nrhs + c] -= l0 * b[k * nrhs + c] + l1 * b[(k + 1) * nrhs + c];
      }
      // the 2×2 block, scaled as in dsytrs
      const akm1k = ld[(k + 1) * n + k];
      const akm1 = ld[k * n + k] / akm1k, ak = ld[(k + 1) * n + k + 1] / akm1k;
      const denom = akm1 * ak - 1;
      for (let c = 0; c < nrhs; c++) {
        const bkm1 = b[k * nrhs + c] / akm1k, bk = b[(k + 1) * nrhs + c] / akm1k;
        b[k * nrhs + c] = (ak * bkm1 - bk) / denom;
        b[(k + 1) * nrhs + c] = (akm1 * bk - bkm1) / denom;
      }
      k += 2;
    }
  }
  k = n - 1;
  while (k >= 0) {
    if (piv[k] >= 0) {
      for (let i = k + 1; i < n; i++) {
        const l = ld[i * n + k];
        if (l !== 0) for (let c = 0; c < nrhs; c++) b[k * nrhs + c] -= l * b[i * nrhs + c];
      }
      const kp = piv[k];
      if (kp !== k) swapRows(b, nrhs, k, kp);
      k -= 1;
    } else {
      // k is the second row of a 2×2 block (k − 1, k)
      for (let i = k + 1; i < n; i++) {
        const l1 = ld[i * n + k], l0 = ld[i * n + k - 1];
        for (let c = 0; c < nrhs; c++) {
          b[k * nrhs + c] -= l1 * b[i * nrhs + c];
          b[(k - 1) * nrhs + c] -= l0 * b[i * nrhs + c];
        }
      }
      const kp = -piv[k] - 1;
      if (kp !== k) swapRows(b, nrhs, k, kp);
      k -= 2;
    }
  }
}

/**
 * Whether (ld, piv) is a well-formed factorization: each pivot in range, 2×2 blocks marked on
 * both rows. Returns null, or a description of the first bad entry.
 */
export function checkLdlPivots(piv: Float64Array, n: number): string | null {
  let k = 0;
  while (k < n) {
    const p = piv[k];
    if (!Number.isInteger(p)) return `pivots[${k}] = ${p} is not an integer`;
    if (p >= 0) {
      if (p < k || p >= n) return `pivots[${k}] = ${p}: a 1×1 block's interchange must be in [${k}, ${n - 1}]`;
      k += 1;
    } else {
      const q = -p - 1;
      if (k + 1 >= n || piv[k + 1] !== p) return `pivots[${k}] = ${p} starts a 2×2 block, so pivots[${k + 1}] must equal it`;
      if (q < k + 1 || q >= n) return `pivots[${k}] = ${p}: a 2×2 block's interchange −pivot − 1 = ${q} must be in [${k + 1}, ${n - 1}]`;
      k += 2;
    }
  }
  return null;
}

/** The first singular D block (1×1 zero, or 2×2 with zero determinant), or −1. */
export function ldlSingularBlock(ld: Float64Array, piv: Float64Array | Int32Array, n: number): number {
  let k = 0;
  while (k < n) {
    if (piv[k] >= 0) {
      if (ld[k * n + k] === 0) return k;
      k += 1;
    } else {
      const a = ld[k * n + k], b = ld[(k + 1) * n + k], d = ld[(k + 1) * n + k + 1];
      if (a * d - b * b === 0) return k;
      k += 2;
    }
  }
  return -1;
}
