/**
 * Triangular solves (BLAS trsm semantics), row-major, float64.
 *
 * Layer-1 kernel: numbers only. Blocked so that the bulk of the work
 * (O(n²·nrhs) for large n) goes through the backend GEMM.
 */
import { checkDim, checkLen, gemmRM } from "./util.js";

export interface TriangularSolveOptions {
  /** T is lower triangular (otherwise upper). Only that triangle of `t` is read. */
  lower: boolean;
  /** Use op(T) = Tᵀ instead of T. */
  trans: boolean;
  /** Assume diag(T) = 1 (the diagonal of `t` is not read). */
  unitDiagonal: boolean;
  /** Solve op(T)·X = B (left) or X·op(T) = B (right). */
  left: boolean;
}

/** Diagonal-block size of the blocked algorithms. */
const NB = 32;

/**
 * Solve a triangular system with many right-hand sides, returning a new array.
 *
 * - `t`: n×n row-major; only the triangle selected by `lower` is read (and its
 *   diagonal unless `unitDiagonal`).
 * - left  (`opts.left = true`):  op(T)·X = B, B and X are n×nrhs row-major.
 * - right (`opts.left = false`): X·op(T) = B, B and X are nrhs×n row-major.
 *
 * op(T) = Tᵀ when `opts.trans`, else T. A zero diagonal entry yields ±Infinity /
 * NaN in the affected entries (no exception: the ops layer checks the diagonal).
 * Throws RangeError for bad dimensions.
 */
export function triangularSolve(
  t: Float64Array,
  n: number,
  b: Float64Array,
  nrhs: number,
  opts: TriangularSolveOptions,
): Float64Array {
  checkDim("triangularSolve", "n", n);
  checkDim("triangularSolve", "nrhs", nrhs);
  checkLen("triangularSolve", "t", t, n * n);
  checkLen("triangularSolve", "b", b, n * nrhs);
  const x = b.slice(0, n * nrhs);
  if (opts.left) trsm(true, opts.lower, opts.trans, opts.unitDiagonal, n, nrhs, 1, t, 0, n, x, 0, nrhs);
  else trsm(false, opts.lower, opts.trans, opts.unitDiagonal, nrhs, n, 1, t, 0, n, x, 0, n);
  return x;
}

/**
 * In-place BLAS-style triangular solve, row-major (internal kernel helper).
 *
 * B is m×n (element (i, j) at B[bOff + i*ldb + j]) and is overwritten with X:
 *   left:  op(T)·X = alpha·B, T is m×m
 *   right: X·op(T) = alpha·B, T is n×n
 * T element (i, j) is T[tOff + i*ldt + j]; only its `lower`/upper triangle is read.
 */
export function trsm(
  left: boolean,
  lower: boolean,
  trans: boolean,
  unit: boolean,
  m: number,
  n: number,
  alpha: number,
  T: Float64Array,
  tOff: number,
  ldt: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
): void {
  if (m === 0 || n === 0) return;
  if (alpha !== 1) {
    for (let i = 0; i < m; i++) {
      const r = bOff + i * ldb;
      if (alpha === 0) for (let j = 0; j < n; j++) B[r + j] = 0;
      else for (let j = 0; j < n; j++) B[r + j] *= alpha;
    }
    if (alpha === 0) return;
  }
  // op(T) is lower triangular iff lower XOR trans.
  const lowerEff = lower !== trans;
  // offset of op(T)(r, c) in T
  const rs = trans ? 1 : ldt; // stride of op(T) along rows (r)
  const cs = trans ? ldt : 1; // stride along columns (c)
  if (left) {
    if (lowerEff) {
      for (let j0 = 0; j0 < m; j0 += NB) {
        const j1 = Math.min(m, j0 + NB);
        leftLowerBlock(unit, j0, j1, n, T, tOff, rs, cs, B, bOff, ldb);
        if (j1 < m) {
          gemmRM(trans, false, m - j1, n, j1 - j0, -1, T, tOff + j1 * rs + j0 * cs, ldt, B, bOff + j0 * ldb, ldb, 1, B, bOff + j1 * ldb, ldb);
        }
      }
    } else {
      for (let j1 = m; j1 > 0; j1 -= NB) {
        const j0 = Math.max(0, j1 - NB);
        leftUpperBlock(unit, j0, j1, n, T, tOff, rs, cs, B, bOff, ldb);
        if (j0 > 0) {
          gemmRM(trans, false, j0, n, j1 - j0, -1, T, tOff + j0 * cs, ldt, B, bOff + j0 * ldb, ldb, 1, B, bOff, ldb);
        }
      }
    }
  } else {
    if (!lowerEff) {
      // X·U = B: columns in increasing order
      for (let j0 = 0; j0 < n; j0 += NB) {
        const j1 = Math.min(n, j0 + NB);
        rightUpperBlock(unit, j0, j1, m, T, tOff, rs, cs, B, bOff, ldb);
        if (j1 < n) {
          gemmRM(false, trans, m, n - j1, j1 - j0, -1, B, bOff + j0, ldb, T, tOff + j0 * rs + j1 * cs, ldt, 1, B, bOff + j1, ldb);
        }
      }
    } else {
      // X·L = B: columns in decreasing order
      for (let j1 = n; j1 > 0; j1 -= NB) {
        const j0 = Math.max(0, j1 - NB);
        rightLowerBlock(unit, j0, j1, m, T, tOff, rs, cs, B, bOff, ldb);
        if (j0 > 0) {
          gemmRM(false, trans, m, j0, j1 - j0, -1, B, bOff + j0, ldb, T, tOff + j0 * rs, ldt, 1, B, bOff, ldb);
        }
      }
    }
  }
}

// ---- unblocked diagonal-block solvers; op(T)(r, c) = T[tOff + r*rs + c*cs] ----

function leftLowerBlock(unit: boolean, i0: number, i1: number, n: number, T: Float64Array, tOff: number, rs: number, cs: number, B: Float64Array, bOff: number, ldb: number): void {
  for (let i = i0; i < i1; i++) {
    const ri = bOff + i * ldb;
    const ti = tOff + i * rs;
    for (let k = i0; k < i; k++) {
      const c = T[ti + k * cs];
      if (c === 0) continue;
      const rk = bOff + k * ldb;
      for (let j = 0; j < n; j++) B[ri + j] -= c * B[rk + j];
    }
    if (!unit) {
      const d = T[ti + i * cs];
      for (let j = 0; j < n; j++) B[ri + j] /= d;
    }
  }
}

function leftUpperBlock(unit: boolean, i0: number, i1: number, n: number, T: Float64Array, tOff: number, rs: number, cs: number, B: Float64Array, bOff: number, ldb: number): void {
  for (let i = i1 - 1; i >= i0; i--) {
    const ri = bOff + i * ldb;
    const ti = tOff + i * rs;
    for (let k = i + 1; k < i1; k++) {
      const c = T[ti + k * cs];
      if (c === 0) continue;
      const rk = bOff + k * ldb;
      for (let j = 0; j < n; j++) B[ri + j] -= c * B[rk + j];
    }
    if (!unit) {
      const d = T[ti + i * cs];
      for (let j = 0; j < n; j++) B[ri + j] /= d;
    }
  }
}

function rightUpperBlock(unit: boolean, j0: number, j1: number, m: number, T: Float64Array, tOff: number, rs: number, cs: number, B: Float64Array, bOff: number, ldb: number): void {
  for (let r = 0; r < m; r++) {
    const br = bOff + r * ldb;
    for (let j = j0; j < j1; j++) {
      const tj = tOff + j * cs;
      let s = B[br + j];
      for (let k = j0; k < j; k++) s -= B[br + k] * T[tj + k * rs];
      B[br + j] = unit ? s : s / T[tj + j * rs];
    }
  }
}

function rightLowerBlock(unit: boolean, j0: number, j1: number, m: number, T: Float64Array, tOff: number, rs: number, cs: number, B: Float64Array, bOff: number, ldb: number): void {
  for (let r = 0; r < m; r++) {
    const br = bOff + r * ldb;
    for (let j = j1 - 1; j >= j0; j--) {
      const tj = tOff + j * cs;
      let s = B[br + j];
      for (let k = j + 1; k < j1; k++) s -= B[br + k] * T[tj + k * rs];
      B[br + j] = unit ? s : s / T[tj + j * rs];
    }
  }
}

/**
 * In-place inverse of an upper-triangular n×n block (row-major at tOff, leading
 * dimension ld); the strictly lower part is neither read nor written.
 * Blocked (trmm via GEMM + trsm) in the style of LAPACK trtri. A zero diagonal
 * entry produces Infinity/NaN (callers check the pivots first).
 */
export function invertUpperInPlace(T: Float64Array, tOff: number, ld: number, n: number, unit: boolean): void {
  for (let j1 = n; j1 > 0; j1 -= NB) {
    const j0 = Math.max(0, j1 - NB);
    const jb = j1 - j0;
    if (j1 < n) {
      // R = T[j0:j1, j1:n] ← R · inv(T[j1:n, j1:n]) (the latter already inverted, upper)
      const rOff = tOff + j0 * ld;
      for (let c1 = n; c1 > j1; c1 -= NB) {
        const c0 = Math.max(j1, c1 - NB);
        // triangular part: R[:, c] = Σ_{c0≤k≤c} R[:, k]·Tinv[k, c], c descending
        for (let r = 0; r < jb; r++) {
          const rr = rOff + r * ld;
          for (let c = c1 - 1; c >= c0; c--) {
            let s = unit ? T[rr + c] : T[rr + c] * T[tOff + c * ld + c];
            for (let k = c0; k < c; k++) s += T[rr + k] * T[tOff + k * ld + c];
            T[rr + c] = s;
          }
        }
        if (c0 > j1) {
          gemmRM(false, false, jb, c1 - c0, c0 - j1, 1, T, rOff + j1, ld, T, tOff + j1 * ld + c0, ld, 1, T, rOff + c0, ld);
        }
      }
      // R ← −inv(T[j0:j1, j0:j1]) · R
      trsm(true, false, false, unit, jb, n - j1, -1, T, tOff + j0 * ld + j0, ld, T, rOff + j1, ld);
    }
    // invert the diagonal block (unblocked, column by column)
    const d0 = tOff + j0 * ld + j0;
    for (let j = 0; j < jb; j++) {
      let ajj = -1;
      if (!unit) {
        T[d0 + j * ld + j] = 1 / T[d0 + j * ld + j];
        ajj = -T[d0 + j * ld + j];
      }
      // x = T[0:j, j] ← Tinv[0:j, 0:j] · x, then scale by ajj
      for (let i = 0; i < j; i++) {
        let s = unit ? T[d0 + i * ld + j] : T[d0 + i * ld + i] * T[d0 + i * ld + j];
        for (let k = i + 1; k < j; k++) s += T[d0 + i * ld + k] * T[d0 + k * ld + j];
        T[d0 + i * ld + j] = s * ajj;
      }
    }
  }
}
