/**
 * Portable float64 GEMM, BLAS-style, row-major:
 *
 *   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C
 *
 * op(X) = X or Xᵀ according to transA / transB. Each matrix is addressed as
 * (array, offset, leading dimension): element (i, j) of a row-major matrix stored
 * at `off` with leading dimension `ld` is `X[off + i*ld + j]`.
 * When beta === 0, C is not read (so it may hold garbage / NaN).
 * When alpha === 0 or k === 0, A and B are not read.
 *
 * `gemm` is the portable TypeScript kernel (GotoBLAS/BLIS structure: A and B are
 * packed into contiguous, zero-padded panels held in scratch buffers reused
 * across calls; a 4×4 register-blocked micro-kernel with scalar accumulators
 * runs over the packed panels; transposition is handled while packing). Small
 * products take a direct loop with no packing. Faster backends (WASM SIMD,
 * threads, native BLAS) implement the same signature, see backend.ts.
 *
 * `gemmReference` is the naive triple loop, kept as the test oracle.
 */

// ---------------------------------------------------------------------------
// Blocking parameters.
//
// Performance notes (V8, measured with bench/gemm.ts): the micro-kernel is
// bound by instruction count, not by flops — every typed-array load carries an
// index add, an overflow check and a bounds check. Two things help measurably:
//  * the packed panels live in ONE fixed-size Float64Array captured as a
//    `const` by a closure that is created once, so TurboFan embeds its address
//    and length as constants (no map check / length reload per iteration);
//  * every packed index is masked with `& MASK` (the buffer length is a power
//    of two, so the mask is a no-op semantically): the int32 adds then need no
//    overflow check.
// A 4×2 register block with the k loop unrolled twice keeps all accumulators
// in registers (V8 has 15 usable XMM registers); 4×4 spills and is ~10% slower.
// ---------------------------------------------------------------------------

/** Register block: rows of C per micro-kernel call. */
const MR = 4;
/** Register block: columns of C per micro-kernel call. */
const NR = 2;
/** Depth of a packed panel (kept even: the micro-kernel is unrolled by 2 in k). */
const KC = 256;
/** Rows of op(A) packed at once (MC×KC panel, 256 KiB, lives in L2). */
const MC = 128;
/** Packed scratch: A panel at [0, MC·KC), B panel after it; a power of two. */
const BUF_SIZE = 1 << 17;
// MASK = BUF_SIZE - 1 is spelled 0x1ffff in micro(): keep in sync.
const B_BASE = MC * KC;
/** Columns of op(B) packed at once: what fits in the rest of the buffer. */
const NC = Math.floor((BUF_SIZE - B_BASE) / KC / NR) * NR; // 384
/** Below this m·n·k, the direct (unpacked) 4×2-tiled loop is used: it is as fast as the
 * packed kernel up to about 32³ and has far less per-call overhead (≈60 ns for 4×4). */
const SMALL = 32 * 32 * 32;

type GemmFn = (
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
) => void;

let blocked: GemmFn | null = null;

export function gemm(
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
  if (m <= 0 || n <= 0) return;
  if (alpha === 0 || k <= 0) {
    scaleC(m, n, beta, C, cOff, ldc);
    return;
  }
  if (m === 4 && n === 4 && k === 4) {
    gemm4x4(transA, transB, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    return;
  }
  if (m * n * k < SMALL) {
    gemmSmall(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    return;
  }
  if (blocked === null) blocked = makeBlocked();
  blocked(transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
}

/**
 * Build the packed, blocked GEMM. Called once: the scratch buffer is a `const`
 * of this closure (see the performance notes above), allocated on first use.
 */
function makeBlocked(): GemmFn {
  const BUF = new Float64Array(BUF_SIZE);
  const ACC = new Float64Array(MR * NR);

  /**
   * Pack a `rows × kc` block of a matrix (element (r, p) at src[off + r*rs + p*ps])
   * into BUF at `dst` as strips of R rows: strip s holds, for p = 0..kcp-1, the R
   * values of rows s*R .. s*R+R-1 at column p, contiguously; zero-padded past
   * `rows` and, when kcp = kc + 1, with a zero column at the end.
   * Used for A (rows of op(A), R = MR) and B (columns of op(B), R = NR).
   */
  function pack(
    dst: number,
    src: Float64Array,
    off: number,
    rs: number,
    ps: number,
    rows: number,
    kc: number,
    kcp: number,
    R: number,
  ): void {
    let d = dst;
    for (let r0 = 0; r0 < rows; r0 += R) {
      const rr = Math.min(R, rows - r0);
      const base = off + r0 * rs;
      if (rr === R) {
        if (R === 4) {
          if (ps === 1) {
            const s1 = base + rs, s2 = base + 2 * rs, s3 = base + 3 * rs;
            for (let p = 0; p < kc; p++) {
              BUF[d] = src[base + p];
              BUF[d + 1] = src[s1 + p];
              BUF[d + 2] = src[s2 + p];
              BUF[d + 3] = src[s3 + p];
              d += 4;
            }
          } else {
            let s = base;
            for (let p = 0; p < kc; p++) {
              BUF[d] = src[s];
              BUF[d + 1] = src[s + rs];
              BUF[d + 2] = src[s + 2 * rs];
              BUF[d + 3] = src[s + 3 * rs];
              d += 4;
              s += ps;
            }
          }
        } else if (R === 2) {
          if (ps === 1) {
            const s1 = base + rs;
            for (let p = 0; p < kc; p++) {
              BUF[d] = src[base + p];
              BUF[d + 1] = src[s1 + p];
              d += 2;
            }
          } else {
            let s = base;
            for (let p = 0; p < kc; p++) {
              BUF[d] = src[s];
              BUF[d + 1] = src[s + rs];
              d += 2;
              s += ps;
            }
          }
        } else {
          for (let p = 0; p < kc; p++) {
            const s = base + p * ps;
            for (let r = 0; r < R; r++) BUF[d + r] = src[s + r * rs];
            d += R;
          }
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const s = base + p * ps;
          let r = 0;
          for (; r < rr; r++) BUF[d + r] = src[s + r * rs];
          for (; r < R; r++) BUF[d + r] = 0;
          d += R;
        }
      }
      if (kcp > kc) {
        for (let r = 0; r < R; r++) BUF[d + r] = 0;
        d += R;
      }
    }
  }

  /**
   * 4×2 micro-kernel over packed strips at BUF[a] (kcp×4) and BUF[b] (kcp×2),
   * kcp even. The literals 0x1ffff (= MASK), 4 (= MR), 8 and 4 are spelled out:
   * V8 does not constant-fold module-level consts inside the loop, and a known
   * mask is what lets it drop the overflow checks. Writes the 4×2 product into ACC (row-major); the caller scales
   * and stores it (keeping this loop free of cold branches avoids deopts).
   */
  function micro(kcp: number, a: number, b: number): void {
    let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
    const end = a + 4 * kcp;
    for (; a < end; a += 8, b += 4) {
      let b0 = BUF[b & 0x1ffff];
      let b1 = BUF[(b + 1) & 0x1ffff];
      let x = BUF[a & 0x1ffff];
      c00 += x * b0; c01 += x * b1;
      x = BUF[(a + 1) & 0x1ffff];
      c10 += x * b0; c11 += x * b1;
      x = BUF[(a + 2) & 0x1ffff];
      c20 += x * b0; c21 += x * b1;
      x = BUF[(a + 3) & 0x1ffff];
      c30 += x * b0; c31 += x * b1;
      b0 = BUF[(b + 2) & 0x1ffff];
      b1 = BUF[(b + 3) & 0x1ffff];
      x = BUF[(a + 4) & 0x1ffff];
      c00 += x * b0; c01 += x * b1;
      x = BUF[(a + 5) & 0x1ffff];
      c10 += x * b0; c11 += x * b1;
      x = BUF[(a + 6) & 0x1ffff];
      c20 += x * b0; c21 += x * b1;
      x = BUF[(a + 7) & 0x1ffff];
      c30 += x * b0; c31 += x * b1;
    }
    ACC[0] = c00; ACC[1] = c01;
    ACC[2] = c10; ACC[3] = c11;
    ACC[4] = c20; ACC[5] = c21;
    ACC[6] = c30; ACC[7] = c31;
  }

  function macro(
    mc: number,
    nc: number,
    kcp: number,
    alpha: number,
    beta: number,
    C: Float64Array,
    cOff: number,
    ldc: number,
  ): void {
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = Math.min(NR, nc - jr);
      const b = B_BASE + jr * kcp; // strip jr/NR starts at (jr/NR)·kcp·NR
      for (let ir = 0; ir < mc; ir += MR) {
        const mr = Math.min(MR, mc - ir);
        micro(kcp, ir * kcp, b);
        const cIdx = cOff + ir * ldc + jr;
        if (mr === MR && nr === NR) {
          let r = cIdx;
          if (beta === 0) {
            for (let i = 0; i < 2 * MR; i += 2, r += ldc) {
              C[r] = alpha * ACC[i];
              C[r + 1] = alpha * ACC[i + 1];
            }
          } else {
            for (let i = 0; i < 2 * MR; i += 2, r += ldc) {
              C[r] = alpha * ACC[i] + beta * C[r];
              C[r + 1] = alpha * ACC[i + 1] + beta * C[r + 1];
            }
          }
        } else {
          for (let i = 0; i < mr; i++) {
            const row = cIdx + i * ldc;
            for (let j = 0; j < nr; j++) {
              const v = alpha * ACC[i * NR + j];
              C[row + j] = beta === 0 ? v : v + beta * C[row + j];
            }
          }
        }
      }
    }
  }

  return function gemmBlocked(
    transA, transB, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc,
  ): void {
    // strides of op(A)(i, p) and op(B)(p, j)
    const aRs = transA ? 1 : lda;
    const aCs = transA ? lda : 1;
    const bRs = transB ? 1 : ldb;
    const bCs = transB ? ldb : 1;
    for (let jc = 0; jc < n; jc += NC) {
      const nc = Math.min(NC, n - jc);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = Math.min(KC, k - pc);
        const kcp = (kc + 1) & ~1;
        // beta applies on the first pass over k only; later passes accumulate.
        const bt = pc === 0 ? beta : 1;
        pack(B_BASE, B, bOff + pc * bRs + jc * bCs, bCs, bRs, nc, kc, kcp, NR);
        for (let ic = 0; ic < m; ic += MC) {
          const mc = Math.min(MC, m - ic);
          pack(0, A, aOff + ic * aRs + pc * aCs, aRs, aCs, mc, kc, kcp, MR);
          macro(mc, nc, kcp, alpha, bt, C, cOff + ic * ldc + jc, ldc);
        }
      }
    }
  };
}

/** C = beta · C (beta = 0 writes zeros without reading C). */
function scaleC(m: number, n: number, beta: number, C: Float64Array, cOff: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const row = cOff + i * ldc;
    if (beta === 0) C.fill(0, row, row + n);
    else for (let j = 0; j < n; j++) C[row + j] *= beta;
  }
}

/**
 * Small products: no packing, no scratch. C is walked in 4×2 tiles computed
 * straight from the (strided) operands with 8 scalar accumulators; leftover
 * rows / columns use plain dot products.
 */
function gemmSmall(
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
  // op(A)(i, p) = A[aOff + i*aRs + p*aCs], op(B)(p, j) = B[bOff + p*bRs + j*bCs]
  const aRs = transA ? 1 : lda;
  const aCs = transA ? lda : 1;
  const bRs = transB ? 1 : ldb;
  const bCs = transB ? ldb : 1;
  const m4 = m - (m & 3);
  const n2 = n - (n & 1);
  for (let i = 0; i < m4; i += 4) {
    const a0 = aOff + i * aRs;
    const c0 = cOff + i * ldc;
    for (let j = 0; j < n2; j += 2) {
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      let ap = a0;
      let bp = bOff + j * bCs;
      for (let p = 0; p < k; p++) {
        const b0 = B[bp];
        const b1 = B[bp + bCs];
        let x = A[ap];
        s00 += x * b0; s01 += x * b1;
        x = A[ap + aRs];
        s10 += x * b0; s11 += x * b1;
        x = A[ap + 2 * aRs];
        s20 += x * b0; s21 += x * b1;
        x = A[ap + 3 * aRs];
        s30 += x * b0; s31 += x * b1;
        ap += aCs;
        bp += bRs;
      }
      let c = c0 + j;
      if (beta === 0) {
        C[c] = alpha * s00; C[c + 1] = alpha * s01; c += ldc;
        C[c] = alpha * s10; C[c + 1] = alpha * s11; c += ldc;
        C[c] = alpha * s20; C[c + 1] = alpha * s21; c += ldc;
        C[c] = alpha * s30; C[c + 1] = alpha * s31;
      } else {
        C[c] = alpha * s00 + beta * C[c]; C[c + 1] = alpha * s01 + beta * C[c + 1]; c += ldc;
        C[c] = alpha * s10 + beta * C[c]; C[c + 1] = alpha * s11 + beta * C[c + 1]; c += ldc;
        C[c] = alpha * s20 + beta * C[c]; C[c + 1] = alpha * s21 + beta * C[c + 1]; c += ldc;
        C[c] = alpha * s30 + beta * C[c]; C[c + 1] = alpha * s31 + beta * C[c + 1];
      }
    }
  }
  // leftovers: rows m4..m-1 (all columns) and, for rows < m4, column n-1 if n is odd
  if (m4 < m) dots(m4, m, 0, n, k, alpha, A, aOff, aRs, aCs, B, bOff, bRs, bCs, beta, C, cOff, ldc);
  if (n2 < n && m4 > 0) dots(0, m4, n2, n, k, alpha, A, aOff, aRs, aCs, B, bOff, bRs, bCs, beta, C, cOff, ldc);
}

/**
 * 4×4 by 4×4 (graphics-size transforms, small recurrent cells): the whole of
 * op(A) and op(B) is loaded once into locals and each entry of C is one
 * four-term dot product, summed in the same order as the general loops (p = 0..3).
 * No tile bookkeeping or leftover passes: ≈25% faster than gemmSmall at this size.
 */
function gemm4x4(
  transA: boolean,
  transB: boolean,
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
  // op(A)(i, p) = A[aOff + i*aRs + p*aCs], op(B)(p, j) = B[bOff + p*bRs + j*bCs]
  const aRs = transA ? 1 : lda, aCs = transA ? lda : 1;
  const bRs = transB ? 1 : ldb, bCs = transB ? ldb : 1;
  // op(B) entry by entry: bpj = op(B)(p, j)
  const b0 = bOff, b1 = bOff + bRs, b2 = bOff + 2 * bRs, b3 = bOff + 3 * bRs;
  const b00 = B[b0], b01 = B[b0 + bCs], b02 = B[b0 + 2 * bCs], b03 = B[b0 + 3 * bCs];
  const b10 = B[b1], b11 = B[b1 + bCs], b12 = B[b1 + 2 * bCs], b13 = B[b1 + 3 * bCs];
  const b20 = B[b2], b21 = B[b2 + bCs], b22 = B[b2 + 2 * bCs], b23 = B[b2 + 3 * bCs];
  const b30 = B[b3], b31 = B[b3 + bCs], b32 = B[b3 + 2 * bCs], b33 = B[b3 + 3 * bCs];
  for (let i = 0; i < 4; i++) {
    const a = aOff + i * aRs;
    const x0 = A[a], x1 = A[a + aCs], x2 = A[a + 2 * aCs], x3 = A[a + 3 * aCs];
    const s0 = x0 * b00 + x1 * b10 + x2 * b20 + x3 * b30;
    const s1 = x0 * b01 + x1 * b11 + x2 * b21 + x3 * b31;
    const s2 = x0 * b02 + x1 * b12 + x2 * b22 + x3 * b32;
    const s3 = x0 * b03 + x1 * b13 + x2 * b23 + x3 * b33;
    const c = cOff + i * ldc;
    if (beta === 0) {
      C[c] = alpha * s0; C[c + 1] = alpha * s1; C[c + 2] = alpha * s2; C[c + 3] = alpha * s3;
    } else {
      C[c] = alpha * s0 + beta * C[c]; C[c + 1] = alpha * s1 + beta * C[c + 1];
      C[c + 2] = alpha * s2 + beta * C[c + 2]; C[c + 3] = alpha * s3 + beta * C[c + 3];
    }
  }
}

function dots(
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  aRs: number,
  aCs: number,
  B: Float64Array,
  bOff: number,
  bRs: number,
  bCs: number,
  beta: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      let s = 0;
      let ap = aOff + i * aRs;
      let bp = bOff + j * bCs;
      for (let p = 0; p < k; p++) {
        s += A[ap] * B[bp];
        ap += aCs;
        bp += bRs;
      }
      const c = cOff + i * ldc + j;
      C[c] = beta === 0 ? alpha * s : alpha * s + beta * C[c];
    }
  }
}

/**
 * Strided batched GEMM: for t = 0..batch-1,
 *   C_t = alpha · op(A_t) · op(B_t) + beta · C_t
 * with A_t at aOff + t·strideA (strideA = 0: the same A for every t), likewise
 * B_t and C_t. The portable version loops over `gemm`.
 */
export function gemmBatch(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  strideA: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  strideB: number,
  beta: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  strideC: number,
  batch: number,
): void {
  for (let t = 0; t < batch; t++)
    gemm(transA, transB, m, n, k, alpha, A, aOff + t * strideA, lda, B, bOff + t * strideB, ldb, beta, C, cOff + t * strideC, ldc);
}

/**
 * Naive reference GEMM (same contract as `gemm`): the oracle for tests of every
 * backend. Not used on any hot path.
 */
export function gemmReference(
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
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const a = transA ? A[aOff + p * lda + i] : A[aOff + i * lda + p];
        const b = transB ? B[bOff + j * ldb + p] : B[bOff + p * ldb + j];
        s += a * b;
      }
      const v = alpha === 0 ? 0 : alpha * s; // alpha = 0: A and B not referenced
      const c = cOff + i * ldc + j;
      C[c] = beta === 0 ? v : v + beta * C[c];
    }
  }
}
