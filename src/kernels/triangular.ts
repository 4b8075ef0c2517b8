/**
 * Triangular solves (BLAS trsm semantics), row-major, float64.
 *
 * Layer-1 kernel: numbers only. Blocked so that the bulk of the work
 * (O(n²·nrhs) for large n) goes through the backend GEMM.
 */
import { checkDim, checkLen, gemmRM } from "./util.js";
import { trsmRightScratchBytes } from "./wasm/trsm-module.js";
import { activeFor, RESIDENT_MIN_RHS, residentWanted, scratch, scratchMark, scratchRelease, withWorkspace } from "./workspace.js";

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

/** Base-case size of the recursive solves (unblocked below this). */
const BASE = 16;
/** Block size of the triangular inverse. */
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
  out?: Float64Array,
): Float64Array {
  checkDim("triangularSolve", "n", n);
  checkDim("triangularSolve", "nrhs", nrhs);
  checkLen("triangularSolve", "t", t, n * n);
  checkLen("triangularSolve", "b", b, n * nrhs);
  if (out !== undefined) checkLen("triangularSolve", "out", out, n * nrhs);
  const solve = (tt: Float64Array, x: Float64Array): void => {
    if (opts.left) trsm(true, opts.lower, opts.trans, opts.unitDiagonal, n, nrhs, 1, tt, 0, n, x, 0, nrhs);
    else trsm(false, opts.lower, opts.trans, opts.unitDiagonal, nrhs, n, 1, tt, 0, n, x, 0, n);
  };
  if (nrhs >= RESIDENT_MIN_RHS && residentWanted(n)) {
    // WASM backend: solve in a resident workspace (GEMMs in place, SIMD base cases)
    const r = withWorkspace(n * n + 2 * n * nrhs + 1024, (ws) => {
      const tt = ws.alloc(n * n);
      tt.set(t.subarray(0, n * n));
      const x = ws.alloc(n * nrhs);
      x.set(b.subarray(0, n * nrhs));
      solve(tt, x);
      if (out === undefined) return x.slice();
      out.set(x);
      return out;
    });
    if (r !== undefined) return r;
  }
  let x: Float64Array;
  if (out === undefined) x = b.slice(0, n * nrhs);
  else {
    x = out;
    x.set(b.subarray(0, n * nrhs));
  }
  solve(t, x);
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
  // op(T)(r, c) = T[tOff + r*rs + c*cs]
  const rs = trans ? 1 : ldt;
  const cs = trans ? ldt : 1;
  if (left) {
    trsmLeftRec(lowerEff, trans, unit, 0, m, n, T, tOff, rs, cs, ldt, B, bOff, ldb);
  } else if (m >= RIGHT_VIA_TRANSPOSE && n > BASE) {
    // X·op(T) = B ⇔ op(T)ᵀ·Xᵀ = Bᵀ: the left solve's base case runs along long
    // contiguous rows, which pays for the two transposes when B has many rows.
    const mark = scratchMark();
    const bt = scratch(n * m);
    const ws = activeFor(B, bt);
    if (ws !== null) ws.k.transpose(ws.addr(B, bOff), ldb, ws.addr(bt), m, m, n);
    else
      for (let i = 0; i < m; i++) {
        const r = bOff + i * ldb;
        for (let j = 0; j < n; j++) bt[j * m + i] = B[r + j];
      }
    const rs2 = trans ? ldt : 1;
    const cs2 = trans ? 1 : ldt;
    trsmLeftRec(!lowerEff, !trans, unit, 0, n, m, T, tOff, rs2, cs2, ldt, bt, 0, m);
    if (ws !== null) ws.k.transpose(ws.addr(bt), m, ws.addr(B, bOff), ldb, n, m);
    else
      for (let i = 0; i < m; i++) {
        const r = bOff + i * ldb;
        for (let j = 0; j < n; j++) B[r + j] = bt[j * m + i];
      }
    scratchRelease(mark);
  } else {
    trsmRightRec(lowerEff, trans, unit, 0, n, m, T, tOff, rs, cs, ldt, B, bOff, ldb);
  }
}

/** Right solves with at least this many rows go through a transposed left solve. */
const RIGHT_VIA_TRANSPOSE = 64;

/**
 * Recursive left solve on the triangular index range [i0, i1) (rows of B):
 * halve the triangle, solve one half, update the other with one GEMM, solve it.
 * Most of the flops end up in large GEMMs; the base case is a small unblocked solve.
 */
function trsmLeftRec(lowerEff: boolean, trans: boolean, unit: boolean, i0: number, i1: number, n: number, T: Float64Array, tOff: number, rs: number, cs: number, ldt: number, B: Float64Array, bOff: number, ldb: number): void {
  const len = i1 - i0;
  if (len <= BASE) {
    if (lowerEff) leftLowerBlock(unit, i0, i1, n, T, tOff, rs, cs, B, bOff, ldb);
    else leftUpperBlock(unit, i0, i1, n, T, tOff, rs, cs, B, bOff, ldb);
    return;
  }
  const h = i0 + split(len);
  if (lowerEff) {
    trsmLeftRec(lowerEff, trans, unit, i0, h, n, T, tOff, rs, cs, ldt, B, bOff, ldb);
    gemmRM(trans, false, i1 - h, n, h - i0, -1, T, tOff + h * rs + i0 * cs, ldt, B, bOff + i0 * ldb, ldb, 1, B, bOff + h * ldb, ldb);
    trsmLeftRec(lowerEff, trans, unit, h, i1, n, T, tOff, rs, cs, ldt, B, bOff, ldb);
  } else {
    trsmLeftRec(lowerEff, trans, unit, h, i1, n, T, tOff, rs, cs, ldt, B, bOff, ldb);
    gemmRM(trans, false, h - i0, n, i1 - h, -1, T, tOff + i0 * rs + h * cs, ldt, B, bOff + h * ldb, ldb, 1, B, bOff + i0 * ldb, ldb);
    trsmLeftRec(lowerEff, trans, unit, i0, h, n, T, tOff, rs, cs, ldt, B, bOff, ldb);
  }
}

/** Recursive right solve on the triangular index range [j0, j1) (columns of B, m rows). */
function trsmRightRec(lowerEff: boolean, trans: boolean, unit: boolean, j0: number, j1: number, m: number, T: Float64Array, tOff: number, rs: number, cs: number, ldt: number, B: Float64Array, bOff: number, ldb: number): void {
  const len = j1 - j0;
  if (len <= BASE) {
    rightBlock(lowerEff, unit, j0, j1, m, T, tOff, rs, cs, B, bOff, ldb);
    return;
  }
  const h = j0 + split(len);
  if (!lowerEff) {
    // X·U = B: left columns first
    trsmRightRec(lowerEff, trans, unit, j0, h, m, T, tOff, rs, cs, ldt, B, bOff, ldb);
    gemmRM(false, trans, m, j1 - h, h - j0, -1, B, bOff + j0, ldb, T, tOff + j0 * rs + h * cs, ldt, 1, B, bOff + h, ldb);
    trsmRightRec(lowerEff, trans, unit, h, j1, m, T, tOff, rs, cs, ldt, B, bOff, ldb);
  } else {
    // X·L = B: right columns first
    trsmRightRec(lowerEff, trans, unit, h, j1, m, T, tOff, rs, cs, ldt, B, bOff, ldb);
    gemmRM(false, trans, m, h - j0, j1 - h, -1, B, bOff + h, ldb, T, tOff + h * rs + j0 * cs, ldt, 1, B, bOff + j0, ldb);
    trsmRightRec(lowerEff, trans, unit, j0, h, m, T, tOff, rs, cs, ldt, B, bOff, ldb);
  }
}

/** Split point of a recursive halving: a multiple of BASE when large (aligned GEMM sizes). */
function split(len: number): number {
  const h = len >> 1;
  return h >= 2 * BASE ? h - (h % BASE) : h;
}

// ---- unblocked diagonal-block solvers; op(T)(r, c) = T[tOff + r*rs + c*cs] ----

/**
 * Row i of B ← (B_i − Σ_{k∈[k0,k1)} op(T)(i,k) B_k) / op(T)(i,i): one row of a
 * substitution, with the already-solved rows k eliminated four at a time.
 */
function solveRow(unit: boolean, i: number, k0: number, k1: number, n: number, T: Float64Array, tOff: number, rs: number, cs: number, B: Float64Array, bOff: number, ldb: number): void {
  const ri = bOff + i * ldb;
  const ti = tOff + i * rs;
  let k = k0;
  for (; k + 3 < k1; k += 4) {
    const c0 = T[ti + k * cs];
    const c1 = T[ti + (k + 1) * cs];
    const c2 = T[ti + (k + 2) * cs];
    const c3 = T[ti + (k + 3) * cs];
    const r0 = bOff + k * ldb;
    const r1 = r0 + ldb;
    const r2 = r1 + ldb;
    const r3 = r2 + ldb;
    for (let j = 0; j < n; j++) B[ri + j] -= c0 * B[r0 + j] + c1 * B[r1 + j] + (c2 * B[r2 + j] + c3 * B[r3 + j]);
  }
  for (; k + 1 < k1; k += 2) {
    const c0 = T[ti + k * cs];
    const c1 = T[ti + (k + 1) * cs];
    const r0 = bOff + k * ldb;
    const r1 = r0 + ldb;
    for (let j = 0; j < n; j++) B[ri + j] -= c0 * B[r0 + j] + c1 * B[r1 + j];
  }
  if (k < k1) {
    const c = T[ti + k * cs];
    const rk = bOff + k * ldb;
    if (c !== 0) for (let j = 0; j < n; j++) B[ri + j] -= c * B[rk + j];
  }
  if (!unit) {
    const d = T[ti + i * cs];
    for (let j = 0; j < n; j++) B[ri + j] /= d;
  }
}

/** Forward substitution over rows i0..i1−1 (lower op(T)). */
function leftLowerBlock(unit: boolean, i0: number, i1: number, n: number, T: Float64Array, tOff: number, rs: number, cs: number, B: Float64Array, bOff: number, ldb: number): void {
  const ws = activeFor(T, B);
  if (ws !== null) {
    ws.k.trsmLeft(1, unit ? 1 : 0, i0, i1, n, ws.addr(T, tOff), rs, cs, ws.addr(B, bOff), ldb);
    return;
  }
  for (let i = i0; i < i1; i++) solveRow(unit, i, i0, i, n, T, tOff, rs, cs, B, bOff, ldb);
}

/** Back substitution over rows i1−1..i0 (upper op(T)). */
function leftUpperBlock(unit: boolean, i0: number, i1: number, n: number, T: Float64Array, tOff: number, rs: number, cs: number, B: Float64Array, bOff: number, ldb: number): void {
  const ws = activeFor(T, B);
  if (ws !== null) {
    ws.k.trsmLeft(0, unit ? 1 : 0, i0, i1, n, ws.addr(T, tOff), rs, cs, ws.addr(B, bOff), ldb);
    return;
  }
  for (let i = i1 - 1; i >= i0; i--) solveRow(unit, i, i + 1, i1, n, T, tOff, rs, cs, B, bOff, ldb);
}

/** Scratch for the right-side base case (op(T) block copied column-contiguous). */
const tblk = new Float64Array(BASE * BASE);

function rightBlock(lowerEff: boolean, unit: boolean, j0: number, j1: number, m: number, T: Float64Array, tOff: number, rs: number, cs: number, B: Float64Array, bOff: number, ldb: number): void {
  const w = j1 - j0;
  const ws = activeFor(T, B);
  const scrLen = trsmRightScratchBytes(w) / 8;
  if (ws !== null && ws.free >= scrLen + 2) {
    const mark = ws.mark();
    const scr = ws.alloc(scrLen);
    ws.k.trsmRight(lowerEff ? 1 : 0, unit ? 1 : 0, j0, j1, m, ws.addr(T, tOff), rs, cs, ws.addr(B, bOff), ldb, ws.addr(scr));
    ws.release(mark);
    return;
  }
  // tblk[j*w + k] = op(T)(j0+k, j0+j) (column j of the block, contiguous in k)
  for (let j = 0; j < w; j++) {
    const src = tOff + (j0 + j) * cs + j0 * rs;
    for (let k = 0; k < w; k++) tblk[j * w + k] = T[src + k * rs];
  }
  for (let r = 0; r < m; r++) {
    const br = bOff + r * ldb + j0;
    if (!lowerEff) {
      for (let j = 0; j < w; j++) {
        const tj = j * w;
        let s = B[br + j];
        for (let k = 0; k < j; k++) s -= B[br + k] * tblk[tj + k];
        B[br + j] = unit ? s : s / tblk[tj + j];
      }
    } else {
      for (let j = w - 1; j >= 0; j--) {
        const tj = j * w;
        let s = B[br + j];
        for (let k = j + 1; k < w; k++) s -= B[br + k] * tblk[tj + k];
        B[br + j] = unit ? s : s / tblk[tj + j];
      }
    }
  }
}

/**
 * In-place inverse of an upper-triangular n×n block (row-major at tOff, leading
 * dimension ld); the strictly lower part is neither read nor written.
 * Recursive: inv([A B; 0 C]) = [inv(A), −inv(A)·B·inv(C); 0, inv(C)], with the
 * off-diagonal block computed by two triangular solves against the original A
 * and C (GEMM-rich), then A and C inverted. A zero diagonal entry produces
 * Infinity/NaN (callers check the pivots first).
 */
export function invertUpperInPlace(T: Float64Array, tOff: number, ld: number, n: number, unit: boolean): void {
  if (n <= NB) {
    invertUpperSmall(T, tOff, ld, n, unit);
    return;
  }
  // in a resident workspace the solves' base cases are SIMD and the products copy-free: the half-flop variant wins
  if (n < INV_GEMM_MIN || activeFor(T) !== null) {
    const h = split(n);
    const bOff = tOff + h; // B = T[0:h, h:n]
    const cOff = tOff + h * ld + h; // C = T[h:n, h:n]
    trsm(true, false, false, unit, h, n - h, -1, T, tOff, ld, T, bOff, ld);
    trsm(false, false, false, unit, h, n - h, 1, T, cOff, ld, T, bOff, ld);
    invertUpperInPlace(T, tOff, ld, h, unit);
    invertUpperInPlace(T, cOff, ld, n - h, unit);
    return;
  }
  // Large blocks: invert A and C first, then B ← −A⁻¹·B·C⁻¹ by two full GEMMs on
  // zero-filled copies of the triangular inverses (the strict lower part of T may
  // hold other data). Twice the flops of the two triangular solves, but in large
  // GEMMs instead of the solves' recursion down to small blocks — ReLAPACK's trtri.
  const h = split(n);
  const m2 = n - h;
  const bOff = tOff + h;
  const cOff = tOff + h * ld + h;
  invertUpperInPlace(T, tOff, ld, h, unit);
  invertUpperInPlace(T, cOff, ld, m2, unit);
  const mark = scratchMark();
  const ai = upperCopy(T, tOff, ld, h, unit);
  const ci = upperCopy(T, cOff, ld, m2, unit);
  const tmp = scratch(h * m2);
  gemmRM(false, false, h, m2, h, 1, ai, 0, h, T, bOff, ld, 0, tmp, 0, m2); // A⁻¹·B
  gemmRM(false, false, h, m2, m2, -1, tmp, 0, m2, ci, 0, m2, 0, T, bOff, ld); // −(A⁻¹B)·C⁻¹
  scratchRelease(mark);
}

/** Blocks of at least this size are inverted through GEMMs (see invertUpperInPlace). */
const INV_GEMM_MIN = 128;

/** The upper triangle of the n×n block at T[off] (ld) in a zero-filled n×n array (unit: ones on the diagonal). */
function upperCopy(T: Float64Array, off: number, ld: number, n: number, unit: boolean): Float64Array {
  const out = scratch(n * n);
  for (let i = 0; i < n; i++) {
    const r = off + i * ld;
    for (let j = i; j < n; j++) out[i * n + j] = T[r + j];
    if (unit) out[i * n + i] = 1;
  }
  return out;
}

/** Unblocked upper-triangular inverse, column by column (LAPACK trti2). */
function invertUpperSmall(T: Float64Array, d0: number, ld: number, n: number, unit: boolean): void {
  for (let j = 0; j < n; j++) {
    let ajj = -1;
    if (!unit) {
      T[d0 + j * ld + j] = 1 / T[d0 + j * ld + j];
      ajj = -T[d0 + j * ld + j];
    }
    // x = T[0:j, j] ← Tinv[0:j, 0:j]·x (rows ascending use the old x below), then scale
    for (let i = 0; i < j; i++) {
      let s = unit ? T[d0 + i * ld + j] : T[d0 + i * ld + i] * T[d0 + i * ld + j];
      for (let k = i + 1; k < j; k++) s += T[d0 + i * ld + k] * T[d0 + k * ld + j];
      T[d0 + i * ld + j] = s * ajj;
    }
  }
}
