/**
 * Shared GEMM conformance cases: every backend's kernel is checked against
 * `gemmReference` on the same matrix of cases (transposes, alpha/beta, beta = 0
 * with NaN-filled C, offsets, leading dimensions wider than the matrix, empty,
 * odd and block-boundary-crossing sizes).
 */
import { expect } from "vitest";
import { gemmReference } from "../../src/kernels/gemm.js";

export type Gemm = typeof gemmReference;

/** Deterministic xorshift-based uniform(-1, 1) generator. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s / 4294967296) * 2 - 1;
  };
}

export interface Case {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  /** extra columns in each leading dimension (0: tight) */
  pad: number;
  /** element offset of each operand in its array */
  off: number;
}

/**
 * Run one case through `gemm` and `gemmReference` on identical inputs and compare,
 * including that C outside the addressed submatrix is untouched.
 */
export function checkCase(gemm: Gemm, c: Case, seed = 1): void {
  const { transA, transB, m, n, k, alpha, beta, pad, off } = c;
  const r = rng(seed + 7919 * (m + 31 * n + 977 * k));
  // stored shapes
  const [ar, ac] = transA ? [k, m] : [m, k];
  const [br, bc] = transB ? [n, k] : [k, n];
  const lda = ac + pad;
  const ldb = bc + pad;
  const ldc = n + pad;
  const A = new Float64Array(off + Math.max(ar * lda, 1) + 3).fill(NaN);
  const B = new Float64Array(off + Math.max(br * ldb, 1) + 3).fill(NaN);
  for (let i = 0; i < ar; i++) for (let j = 0; j < ac; j++) A[off + i * lda + j] = r();
  for (let i = 0; i < br; i++) for (let j = 0; j < bc; j++) B[off + i * ldb + j] = r();
  const sentinel = 12345.5;
  const C0 = new Float64Array(off + Math.max(m * ldc, 1) + 3).fill(sentinel);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) C0[off + i * ldc + j] = beta === 0 ? NaN : r();
  const C1 = C0.slice();
  const C2 = C0.slice();
  gemm(transA, transB, m, n, k, alpha, A, off, lda, B, off, ldb, beta, C1, off, ldc);
  gemmReference(transA, transB, m, n, k, alpha, A, off, lda, B, off, ldb, beta, C2, off, ldc);
  const tol = 1e-13 * Math.max(1, k) * Math.max(1, Math.abs(alpha)) + 1e-14;
  let bad = 0;
  let first = "";
  for (let t = 0; t < C0.length; t++) {
    const x = C1[t];
    const y = C2[t];
    const inside =
      t >= off && Math.floor((t - off) / ldc) < m && (t - off) % ldc < n;
    const ok = inside ? Number.isFinite(x) && Math.abs(x - y) <= tol * (1 + Math.abs(y)) : x === sentinel;
    if (!ok) {
      if (bad === 0) first = `index ${t} (${inside ? "inside" : "outside"}): got ${x}, want ${inside ? y : sentinel}`;
      bad++;
    }
  }
  expect(bad, `${JSON.stringify(c)}: ${bad} bad entries, first at ${first}`).toBe(0);
}

const TRANS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

/** Shapes that exercise the edges of a blocked kernel with the given block sizes. */
export function shapes(blocks: { MR: number; NR: number; KC: number; MC: number; NC: number }): [number, number, number][] {
  const { MR, NR, KC, MC, NC } = blocks;
  return [
    [0, 5, 3],
    [5, 0, 3],
    [0, 0, 0],
    [4, 4, 0],
    [1, 1, 1],
    [1, 7, 1],
    [7, 1, 5],
    [2, 3, 4],
    [3, 5, 7],
    [4, 4, 4],
    [13, 17, 11],
    [MR, NR, 1],
    [MR + 1, NR + 1, 3],
    [31, 33, 35],
    [64, 64, 64],
    [65, 63, 67],
    [MC + 3, NR * 5 + 1, KC + 1],
    [MR * 3 + 2, NC + NR + 1, 9],
    [MC + MR + 1, 37, 2 * KC + 3],
    [1, 300, 200],
    [300, 1, 200],
    [200, 300, 1],
  ];
}

export function allCases(blocks: Parameters<typeof shapes>[0]): Case[] {
  const out: Case[] = [];
  for (const [m, n, k] of shapes(blocks)) {
    for (const [transA, transB] of TRANS) {
      out.push({ transA, transB, m, n, k, alpha: 1, beta: 0, pad: 0, off: 0 });
      out.push({ transA, transB, m, n, k, alpha: -1.5, beta: 0.75, pad: 3, off: 5 });
    }
  }
  return out;
}

/** Scalar semantics on a fixed mid-size shape: alpha/beta special values. */
export function alphaBetaCases(m: number, n: number, k: number): Case[] {
  const out: Case[] = [];
  for (const [transA, transB] of TRANS)
    for (const [alpha, beta] of [
      [1, 0],
      [2.5, 0],
      [1, 1],
      [-0.5, 0.75],
      [0, 0],
      [0, 2],
      [0, 1],
      [3, -1],
    ])
      out.push({ transA, transB, m, n, k, alpha, beta, pad: 2, off: 1 });
  return out;
}

/**
 * Non-finite propagation: a NaN in A and an Inf in B must reach exactly the C
 * entries the reference says (zero padding inside blocked kernels must not leak
 * NaN = 0·Inf into stored entries). Returns nothing; fails via expect.
 */
export function checkNonFinite(gemm: Gemm, m: number, n: number, k: number): void {
  for (const [transA, transB] of TRANS) {
    const r = rng(99 + m + n + k);
    const A = Float64Array.from({ length: m * k }, r);
    const B = Float64Array.from({ length: k * n }, r);
    A[Math.floor(m / 2) * k + Math.floor(k / 3)] = NaN; // some element of stored A
    B[Math.floor(k / 2) * n + (n - 1)] = Infinity; // some element of stored B
    const lda = transA ? m : k;
    const ldb = transB ? k : n;
    const C1 = new Float64Array(m * n);
    const C2 = new Float64Array(m * n);
    gemm(transA, transB, m, n, k, 1, A, 0, lda, B, 0, ldb, 0, C1, 0, n);
    gemmReference(transA, transB, m, n, k, 1, A, 0, lda, B, 0, ldb, 0, C2, 0, n);
    let bad = 0;
    for (let i = 0; i < m * n; i++) {
      const x = C1[i];
      const y = C2[i];
      if (Number.isFinite(y) ? Math.abs(x - y) > 1e-10 * (1 + Math.abs(y)) : !Object.is(x, y)) bad++;
    }
    expect(bad, `non-finite pattern differs for ${m}×${n}×${k} transA=${transA} transB=${transB}`).toBe(0);
  }
}

export type GemmBatch = (
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  A: Float64Array, aOff: number, lda: number, strideA: number,
  B: Float64Array, bOff: number, ldb: number, strideB: number,
  beta: number, C: Float64Array, cOff: number, ldc: number, strideC: number, batch: number,
) => void;

/**
 * Strided batched GEMM against per-product gemmReference: padded leading
 * dimensions, gaps between batch items, shared (stride 0) A or B, all transposes.
 */
export function checkBatch(fn: GemmBatch, m: number, n: number, k: number, batch: number, seed = 1): void {
  for (const [transA, transB] of TRANS)
    for (const [shareA, shareB] of [[false, false], [true, false], [false, true]] as const) {
      const r = rng(seed + m * 7 + n * 13 + k * 17 + batch);
      const [ar, ac] = transA ? [k, m] : [m, k];
      const [br, bc] = transB ? [n, k] : [k, n];
      const lda = ac + 1, ldb = bc + 2, ldc = n + 3;
      const sA = shareA ? 0 : ar * lda + 5;
      const sB = shareB ? 0 : br * ldb + 3;
      const sC = m * ldc + 7;
      const A = Float64Array.from({ length: 2 + (shareA ? 1 : batch) * (ar * lda + 5) }, r);
      const B = Float64Array.from({ length: 1 + (shareB ? 1 : batch) * (br * ldb + 3) }, r);
      const C0 = Float64Array.from({ length: 4 + batch * sC }, r);
      const C1 = C0.slice();
      const C2 = C0.slice();
      fn(transA, transB, m, n, k, 0.75, A, 2, lda, sA, B, 1, ldb, sB, -0.5, C1, 4, ldc, sC, batch);
      for (let t = 0; t < batch; t++)
        gemmReference(transA, transB, m, n, k, 0.75, A, 2 + t * sA, lda, B, 1 + t * sB, ldb, -0.5, C2, 4 + t * sC, ldc);
      let bad = 0;
      for (let i = 0; i < C0.length; i++) if (!(Math.abs(C1[i] - C2[i]) <= 1e-12 * k * (1 + Math.abs(C2[i])))) bad++;
      expect(bad, `batch ${batch} of ${m}×${n}×${k} transA=${transA} transB=${transB} shareA=${shareA} shareB=${shareB}`).toBe(0);
    }
}
