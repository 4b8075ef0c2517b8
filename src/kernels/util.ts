/**
 * Small private helpers shared by the factorization kernels (lu, cholesky,
 * triangular, qr, eigh, svd). Not part of the public kernel interface.
 */
import { backend } from "./backend.js";

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
export function gemmCM(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  if (m === 0 || n === 0) return;
  backend().gemm(transB, transA, n, m, k, alpha, B, bOff, ldb, A, aOff, lda, beta, C, cOff, ldc);
}

/** Row-major GEMM through the backend (skips empty products). */
export function gemmRM(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  if (m === 0 || n === 0) return;
  backend().gemm(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
}

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
  // Rescaled sum (robust path).
  const inv = 1 / amax;
  ss = 0;
  for (let i = 0, p = off; i < len; i++, p += inc) {
    const v = x[p] * inv;
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
export function larft(mv: number, ib: number, V: Float64Array, vOff: number, ldv: number, tau: Float64Array, tauOff: number, T: Float64Array, tOff: number, ldt: number): void {
  for (let j = 0; j < ib; j++) {
    const tj = tau[tauOff + j];
    const cj = tOff + j * ldt;
    for (let i = j + 1; i < ib; i++) T[cj + i] = 0;
    T[cj + j] = tj;
    if (j === 0) continue;
    // z = V[:, 0:j]ᵀ · V[:, j] (V[:, j] is zero above row j)
    const vj = vOff + j * ldv;
    for (let i = 0; i < j; i++) {
      const vi = vOff + i * ldv;
      let s = 0;
      if (tj !== 0) for (let r = j; r < mv; r++) s += V[vi + r] * V[vj + r];
      T[cj + i] = -tj * s;
    }
    // T[0:j, j] = T[0:j, 0:j] · z (upper triangular, in place, i ascending)
    for (let i = 0; i < j; i++) {
      let s = 0;
      for (let p = i; p < j; p++) s += T[tOff + p * ldt + i] * T[cj + p];
      T[cj + i] = s;
    }
  }
}

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
