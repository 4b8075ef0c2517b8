/**
 * Level-2 kernels (matrix–vector) for the Householder reductions of svd and
 * eigh, row-major with element offsets and leading dimensions:
 *   gemvN  y_i = α·Σ_j A[i,j]·x_j + β·y_i        (A m×n; y with stride incy)
 *   gemvT  y_j = α·Σ_i A[i,j]·x_i + β·y_j        (A m×n; x with stride incx)
 *   symvU  y = S·x, S symmetric from the upper triangle of A (n×n; lower never read)
 * β = 0 never reads y. A column-major matrix is the row-major transpose, so
 * gemvN on it is a column-major Aᵀ·x and gemvT a column-major A·x.
 *
 * Dispatch: when A, x and y all live in the WASM engine's memory (views of a
 * resident arena, see `withWorkArena`), the generated SIMD kernels of
 * wasm/level2-module.ts run in place; otherwise the portable TypeScript kernels
 * below (four rows per pass, the reference in tests) do.
 */
import { arenaState, wasmExtra } from "./wasm/index.js";
import {
  buildLevel2Module,
  type CauchyProdExport,
  type CauchyVecExport,
  type GemvNExport,
  type GemvTExport,
  type ScalExport,
  type SecSumsExport,
  type SymvUExport,
} from "./wasm/level2-module.js";

interface Level2Exports {
  gemvN: GemvNExport;
  gemvT: GemvTExport;
  symvU: SymvUExport;
  secSums: SecSumsExport;
  cauchyVec: CauchyVecExport;
  cauchyProd: CauchyProdExport;
  scal: ScalExport;
}

/** The D&C merges' generated kernels (see level2-module.ts). */
export type CauchyKernels = Pick<Level2Exports, "cauchyVec" | "cauchyProd" | "scal">;

/**
 * The generated Cauchy-matrix kernels (Gu–Eisenstat vectors and ẑ products of
 * the divide-and-conquer merges) when every array lives in the WASM engine's
 * memory (resident-arena views), else null (the caller runs its JS loops).
 */
export function cauchyFor(...arrays: Float64Array[]): CauchyKernels | null {
  if (arrays.length === 0) return null;
  const buf = arrays[0].buffer;
  for (const a of arrays) if (a.buffer !== buf) return null;
  return wasmFor(arrays[0], arrays[0], arrays[0]);
}

/** Exports per memory buffer (null: not WASM memory, or no engine). */
const byBuffer = new WeakMap<ArrayBufferLike, Level2Exports | null>();

function wasmFor(A: Float64Array, x: Float64Array, y: Float64Array): Level2Exports | null {
  // only views of an open arena may be handed to the kernels (cheap exit for plain arrays)
  if (arenaState.open === 0) return null;
  const buf = A.buffer;
  if (x.buffer !== buf || y.buffer !== buf) return null;
  let ex = byBuffer.get(buf);
  if (ex === undefined) {
    ex = (wasmExtra("level2", buildLevel2Module, A) as unknown as Level2Exports | null) ?? null;
    byBuffer.set(buf, ex);
  }
  return ex;
}

/**
 * The generated secular-equation sums (see secularRoot in util.ts) when z, g
 * and the 2-entry `out` all live in the WASM engine's memory, else null.
 */
export function secSumsFor(z: Float64Array, g: Float64Array, out: Float64Array): SecSumsExport | null {
  return out.buffer === z.buffer ? (wasmFor(z, g, out)?.secSums ?? null) : null;
}

/** Which implementation the last dispatched call used (tests). */
export const level2Stats = { wasm: 0, portable: 0 };

export function gemvN(
  m: number,
  n: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  x: Float64Array,
  xOff: number,
  beta: number,
  y: Float64Array,
  yOff: number,
  incy = 1,
): void {
  if (m <= 0) return;
  const ex = wasmFor(A, x, y);
  if (ex !== null) {
    level2Stats.wasm++;
    ex.gemvN(m, Math.max(0, n), alpha, A.byteOffset + 8 * aOff, lda, x.byteOffset + 8 * xOff, beta, y.byteOffset + 8 * yOff, incy);
  } else {
    level2Stats.portable++;
    gemvNRef(m, n, alpha, A, aOff, lda, x, xOff, beta, y, yOff, incy);
  }
}

export function gemvT(
  m: number,
  n: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  x: Float64Array,
  xOff: number,
  incx: number,
  beta: number,
  y: Float64Array,
  yOff: number,
): void {
  if (n <= 0) return;
  const ex = wasmFor(A, x, y);
  if (ex !== null) {
    level2Stats.wasm++;
    ex.gemvT(Math.max(0, m), n, alpha, A.byteOffset + 8 * aOff, lda, x.byteOffset + 8 * xOff, incx, beta, y.byteOffset + 8 * yOff);
  } else {
    level2Stats.portable++;
    gemvTRef(m, n, alpha, A, aOff, lda, x, xOff, incx, beta, y, yOff);
  }
}

export function symvU(n: number, A: Float64Array, aOff: number, lda: number, x: Float64Array, xOff: number, y: Float64Array, yOff: number): void {
  if (n <= 0) return;
  const ex = wasmFor(A, x, y);
  if (ex !== null) {
    level2Stats.wasm++;
    ex.symvU(n, A.byteOffset + 8 * aOff, lda, x.byteOffset + 8 * xOff, y.byteOffset + 8 * yOff);
  } else {
    level2Stats.portable++;
    symvURef(n, A, aOff, lda, x, xOff, y, yOff);
  }
}

// ---------------------------------------------------------------------------
// Portable kernels (fallback and test reference)
// ---------------------------------------------------------------------------

/** y_i = α·Σ_j A[i,j]·x_j + β·y_i, four rows per pass. */
export function gemvNRef(
  m: number,
  n: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  x: Float64Array,
  xOff: number,
  beta: number,
  y: Float64Array,
  yOff: number,
  incy = 1,
): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const p0 = aOff + i * lda;
    const p1 = p0 + lda;
    const p2 = p1 + lda;
    const p3 = p2 + lda;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < n; j++) {
      const xj = x[xOff + j];
      s0 += A[p0 + j] * xj;
      s1 += A[p1 + j] * xj;
      s2 += A[p2 + j] * xj;
      s3 += A[p3 + j] * xj;
    }
    const y0 = yOff + i * incy;
    if (beta === 0) {
      y[y0] = alpha * s0;
      y[y0 + incy] = alpha * s1;
      y[y0 + 2 * incy] = alpha * s2;
      y[y0 + 3 * incy] = alpha * s3;
    } else {
      y[y0] = alpha * s0 + beta * y[y0];
      y[y0 + incy] = alpha * s1 + beta * y[y0 + incy];
      y[y0 + 2 * incy] = alpha * s2 + beta * y[y0 + 2 * incy];
      y[y0 + 3 * incy] = alpha * s3 + beta * y[y0 + 3 * incy];
    }
  }
  for (; i < m; i++) {
    const p0 = aOff + i * lda;
    let s0 = 0;
    for (let j = 0; j < n; j++) s0 += A[p0 + j] * x[xOff + j];
    const at = yOff + i * incy;
    y[at] = beta === 0 ? alpha * s0 : alpha * s0 + beta * y[at];
  }
}

/** y_j = α·Σ_i A[i,j]·x_i + β·y_j, four rows per pass over y. */
export function gemvTRef(
  m: number,
  n: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  x: Float64Array,
  xOff: number,
  incx: number,
  beta: number,
  y: Float64Array,
  yOff: number,
): void {
  if (beta === 0) y.fill(0, yOff, yOff + n);
  else if (beta !== 1) for (let j = 0; j < n; j++) y[yOff + j] *= beta;
  if (alpha === 0) return;
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const p0 = aOff + i * lda;
    const p1 = p0 + lda;
    const p2 = p1 + lda;
    const p3 = p2 + lda;
    const s0 = alpha * x[xOff + i * incx];
    const s1 = alpha * x[xOff + (i + 1) * incx];
    const s2 = alpha * x[xOff + (i + 2) * incx];
    const s3 = alpha * x[xOff + (i + 3) * incx];
    for (let j = 0; j < n; j++) y[yOff + j] += s0 * A[p0 + j] + s1 * A[p1 + j] + s2 * A[p2 + j] + s3 * A[p3 + j];
  }
  for (; i < m; i++) {
    const p0 = aOff + i * lda;
    const s0 = alpha * x[xOff + i * incx];
    for (let j = 0; j < n; j++) y[yOff + j] += s0 * A[p0 + j];
  }
}

/** y = S·x, S[i][j] = A[min(i,j)][max(i,j)] (upper triangle read), four rows per pass. */
export function symvURef(n: number, A: Float64Array, aOff: number, lda: number, x: Float64Array, xOff: number, y: Float64Array, yOff: number): void {
  y.fill(0, yOff, yOff + n);
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const p0 = aOff + j * lda;
    const p1 = p0 + lda;
    const p2 = p1 + lda;
    const p3 = p2 + lda;
    const x0 = x[xOff + j];
    const x1 = x[xOff + j + 1];
    const x2 = x[xOff + j + 2];
    const x3 = x[xOff + j + 3];
    const a00 = A[p0 + j];
    const a01 = A[p0 + j + 1];
    const a02 = A[p0 + j + 2];
    const a03 = A[p0 + j + 3];
    const a11 = A[p1 + j + 1];
    const a12 = A[p1 + j + 2];
    const a13 = A[p1 + j + 3];
    const a22 = A[p2 + j + 2];
    const a23 = A[p2 + j + 3];
    const a33 = A[p3 + j + 3];
    let t0 = a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
    let t1 = a01 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
    let t2 = a02 * x0 + a12 * x1 + a22 * x2 + a23 * x3;
    let t3 = a03 * x0 + a13 * x1 + a23 * x2 + a33 * x3;
    for (let r = j + 4; r < n; r++) {
      const b0 = A[p0 + r];
      const b1 = A[p1 + r];
      const b2 = A[p2 + r];
      const b3 = A[p3 + r];
      const xr = x[xOff + r];
      y[yOff + r] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
      t0 += b0 * xr;
      t1 += b1 * xr;
      t2 += b2 * xr;
      t3 += b3 * xr;
    }
    y[yOff + j] += t0;
    y[yOff + j + 1] += t1;
    y[yOff + j + 2] += t2;
    y[yOff + j + 3] += t3;
  }
  for (; j < n; j++) {
    const p0 = aOff + j * lda;
    const xj = x[xOff + j];
    let t = A[p0 + j] * xj;
    for (let r = j + 1; r < n; r++) {
      const b = A[p0 + r];
      y[yOff + r] += b * xj;
      t += b * x[xOff + r];
    }
    y[yOff + j] += t;
  }
}
