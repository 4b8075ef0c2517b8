/**
 * Matrix exponential and its Fréchet derivative (row-major Float64Array, n×n).
 *
 * expm: scaling and squaring with diagonal Padé approximants r_m = q_m⁻¹ p_m,
 *   m ∈ {3, 5, 7, 9, 13}, chosen by ‖A‖₁ ≤ θ_m (Higham 2005, "The scaling and
 *   squaring method for the matrix exponential revisited", Alg. 2.3):
 *     exp(A) = r_m(2⁻ˢA)^(2ˢ),   p_m(X) = U + V, q_m(X) = V − U,
 *     U = X Σ_j b_{2j+1} X^{2j},  V = Σ_j b_{2j} X^{2j}.
 *   For m = 13, U = X[X⁶(b13 X⁶ + b11 X⁴ + b9 X²) + b7 X⁶ + b5 X⁴ + b3 X² + b1 I],
 *   V = X⁶(b12 X⁶ + b10 X⁴ + b8 X²) + b6 X⁶ + b4 X⁴ + b2 X² + b0 I (6 products).
 *
 * expmFrechet: Al-Mohy & Higham 2009 ("Computing the Fréchet derivative of the
 *   matrix exponential, with an application to condition number estimation",
 *   Alg. 6.4): differentiate every step of the above. With M_{2j} = L_{x^{2j}}(X, E)
 *   (M₂ = XE + EX, M_{2j} = X^{2j−2} M₂ + M_{2j−2} X²), L_U and L_V follow, then
 *     q_m(X) L_r = (L_U + L_V) + (L_U − L_V) r_m(X),
 *   and the squaring phase L ← R L + L R, R ← R². The degree/scaling is chosen with
 *   the smaller ℓ_m of that paper's Table 6.1 (backward-error bound for L as well).
 *
 * The factor/apply split (expmFactor + expmFrechetApply) keeps the Padé pieces
 * and the squaring sequence so one forward pass serves any number of directions:
 * the VJP Ā = L(Aᵀ, Ḡ) = L(A, Ḡᵀ)ᵀ and the JVP L(A, Ȧ) reuse the same factor.
 */
import { backend } from "./backend.js";
import { luFactor, luSolve, norm1, transpose } from "./matfun-util.js";

/** θ_m of Higham (2005), Table 2.3 (double precision). */
const THETA: Record<number, number> = {
  3: 1.495585217958292e-2,
  5: 2.539398330063230e-1,
  7: 9.504178996162932e-1,
  9: 2.097847961257068e0,
  13: 5.371920351148152e0,
};
/** ℓ_m of Al-Mohy & Higham (2009), Table 6.1. */
const ELL: Record<number, number> = { 3: 1.08e-2, 5: 2.0e-1, 7: 7.83e-1, 9: 1.78e0, 13: 4.74e0 };

/** Padé coefficients b_0..b_m (Higham 2005, eq. (2.3) / Alg. 2.3). */
const PADE: Record<number, number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600,
    670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};

/** Everything expmFrechetApply needs, kept from one forward evaluation. */
export interface ExpmFactor {
  readonly n: number;
  /** Padé degree used. */
  readonly m: number;
  /** Number of squarings (A was scaled by 2⁻ˢ). */
  readonly s: number;
  /** exp(A). */
  readonly expA: Float64Array;
  /** @internal 2⁻ˢ A. */
  readonly a: Float64Array;
  /** @internal even powers of 2⁻ˢA: [X², X⁴, X⁶, X⁸] (as many as the degree needs). */
  readonly pows: Float64Array[];
  /** @internal W with U = X W. */
  readonly w: Float64Array;
  /** @internal m = 13: W₁ = b13 X⁶ + b11 X⁴ + b9 X², Z₁ = b12 X⁶ + b10 X⁴ + b8 X². */
  readonly w1: Float64Array | null;
  readonly z1: Float64Array | null;
  /** @internal LU factors (with pivots) of q_m(X) = V − U. */
  readonly lu: Float64Array;
  readonly piv: Int32Array;
  /** @internal R_k = r_m(X)^(2^k), k = 0..s−1 (the matrices squared). */
  readonly squares: Float64Array[];
}

function chooseDegree(nrm: number, table: Record<number, number>): { m: number; s: number } {
  // non-finite input: no scaling (the result is then NaN, and the squaring loop stays finite)
  if (!Number.isFinite(nrm)) return { m: 13, s: 0 };
  for (const m of [3, 5, 7, 9]) if (nrm <= table[m]) return { m, s: 0 };
  const s = Math.max(0, Math.ceil(Math.log2(nrm / table[13])));
  return { m: 13, s };
}

/** out = Σ c_k M_k (+ c_I · I). */
function lincomb(out: Float64Array, n: number, cs: number[], ms: Float64Array[], cI = 0): Float64Array {
  const nn = n * n;
  const k = ms.length;
  if (k === 1) {
    const c0 = cs[0];
    const m0 = ms[0];
    for (let i = 0; i < nn; i++) out[i] = c0 * m0[i];
  } else if (k === 2) {
    const [c0, c1] = cs;
    const [m0, m1] = ms;
    for (let i = 0; i < nn; i++) out[i] = c0 * m0[i] + c1 * m1[i];
  } else if (k === 3) {
    const [c0, c1, c2] = cs;
    const [m0, m1, m2] = ms;
    for (let i = 0; i < nn; i++) out[i] = c0 * m0[i] + c1 * m1[i] + c2 * m2[i];
  } else {
    out.fill(0, 0, nn);
    for (let j = 0; j < k; j++) {
      const c = cs[j];
      const mj = ms[j];
      for (let i = 0; i < nn; i++) out[i] += c * mj[i];
    }
  }
  if (cI !== 0) for (let i = 0; i < n; i++) out[i * n + i] += cI;
  return out;
}

/** C = alpha·A·B + beta·C (square n×n). */
function mm(n: number, a: Float64Array, b: Float64Array, c: Float64Array, alpha = 1, beta = 0): Float64Array {
  backend().gemm(false, false, n, n, n, alpha, a, 0, n, b, 0, n, beta, c, 0, n);
  return c;
}

interface PadePieces {
  u: Float64Array;
  v: Float64Array;
  pows: Float64Array[];
  w: Float64Array;
  w1: Float64Array | null;
  z1: Float64Array | null;
}

/** U and V of the degree-m Padé approximant at X (Higham 2005, Alg. 2.3). */
function padeUV(x: Float64Array, n: number, m: number): PadePieces {
  const b = PADE[m];
  const nn = n * n;
  const x2 = mm(n, x, x, new Float64Array(nn));
  const pows = [x2];
  if (m === 13) {
    const x4 = mm(n, x2, x2, new Float64Array(nn));
    const x6 = mm(n, x4, x2, new Float64Array(nn));
    pows.push(x4, x6);
    const w1 = lincomb(new Float64Array(nn), n, [b[13], b[11], b[9]], [x6, x4, x2]);
    const z1 = lincomb(new Float64Array(nn), n, [b[12], b[10], b[8]], [x6, x4, x2]);
    // W = X⁶ W₁ + W₂,  W₂ = b7 X⁶ + b5 X⁴ + b3 X² + b1 I
    const w = lincomb(new Float64Array(nn), n, [b[7], b[5], b[3]], [x6, x4, x2], b[1]);
    mm(n, x6, w1, w, 1, 1);
    const u = mm(n, x, w, new Float64Array(nn));
    // V = X⁶ Z₁ + Z₂,  Z₂ = b6 X⁶ + b4 X⁴ + b2 X² + b0 I
    const v = lincomb(new Float64Array(nn), n, [b[6], b[4], b[2]], [x6, x4, x2], b[0]);
    mm(n, x6, z1, v, 1, 1);
    return { u, v, pows, w, w1, z1 };
  }
  const half = (m - 1) / 2; // number of even powers X², …, X^{m−1}
  for (let j = 2; j <= half; j++) {
    // X⁴ = X²X², X⁶ = X⁴X², X⁸ = X⁴X⁴
    const p = j === 4 ? mm(n, pows[1], pows[1], new Float64Array(nn)) : mm(n, pows[j - 2], x2, new Float64Array(nn));
    pows.push(p);
  }
  const w = lincomb(
    new Float64Array(nn),
    n,
    pows.map((_, j) => b[2 * j + 3]),
    pows,
    b[1],
  );
  const u = mm(n, x, w, new Float64Array(nn));
  const v = lincomb(
    new Float64Array(nn),
    n,
    pows.map((_, j) => b[2 * j + 2]),
    pows,
    b[0],
  );
  return { u, v, pows, w, w1: null, z1: null };
}

function scaled(a: Float64Array, n: number, s: number): Float64Array {
  const nn = n * n;
  if (s === 0) return a.slice(0, nn);
  const f = Math.pow(2, -s);
  const x = new Float64Array(nn);
  for (let i = 0; i < nn; i++) x[i] = a[i] * f;
  return x;
}

/** r_m = (V − U)⁻¹(V + U); overwrites u (→ V + U... then R) and v (→ LU of V − U). */
function padeSolve(u: Float64Array, v: Float64Array, n: number, piv: Int32Array): Float64Array {
  const nn = n * n;
  for (let i = 0; i < nn; i++) {
    const ui = u[i];
    const vi = v[i];
    u[i] = vi + ui; // P
    v[i] = vi - ui; // Q
  }
  luFactor(v, n, piv);
  luSolve(v, piv, n, u, n);
  return u;
}

function checkSquare(name: string, a: Float64Array, n: number, what = "a"): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name}: invalid dimension ${n}`);
  if (a.length < n * n) throw new RangeError(`${name}: ${what} has ${a.length} elements, expected ${n * n}`);
}

/**
 * exp(A) for the n×n row-major A by scaling and squaring with Padé degree
 * m ∈ {3,5,7,9,13} (Higham 2005, Alg. 2.3). Cost for ‖A‖₁ > θ₁₃: 6 + s matrix
 * products and one LU solve with n right-hand sides. Non-finite input gives NaN.
 */
export function expm(a: Float64Array, n: number): Float64Array {
  checkSquare("expm", a, n);
  const nn = n * n;
  if (n === 0) return new Float64Array(0);
  if (n === 1) return new Float64Array([Math.exp(a[0])]);
  const nrm = norm1(a.subarray(0, nn), n, n);
  const { m, s } = chooseDegree(nrm, THETA);
  const x = scaled(a, n, s);
  const { u, v } = padeUV(x, n, m);
  let r = padeSolve(u, v, n, new Int32Array(n));
  let tmp = v; // reuse as the squaring buffer
  for (let k = 0; k < s; k++) {
    mm(n, r, r, tmp);
    const t = r;
    r = tmp;
    tmp = t;
  }
  return r;
}

/**
 * Forward pass that keeps what the Fréchet derivative needs (Al-Mohy & Higham
 * 2009, Alg. 6.4, with the ℓ_m degree/scaling choice). Cost ≈ expm plus
 * memory for s + 8 matrices.
 */
export function expmFactor(a: Float64Array, n: number): ExpmFactor {
  checkSquare("expmFactor", a, n);
  const nn = n * n;
  const nrm = n === 0 ? 0 : norm1(a.subarray(0, nn), n, n);
  const { m, s } = chooseDegree(nrm, ELL);
  const x = scaled(a, n, s);
  const { u, v, pows, w, w1, z1 } = padeUV(x, n, m);
  const piv = new Int32Array(n);
  let r = padeSolve(u, v, n, piv);
  const squares: Float64Array[] = [];
  for (let k = 0; k < s; k++) {
    squares.push(r);
    r = mm(n, r, r, new Float64Array(nn));
  }
  return { n, m, s, expA: r, a: x, pows, w, w1, z1, lu: v, piv, squares };
}

/**
 * Fréchet derivative L(A, E) = d/dt exp(A + tE)|₀ from a factor of A
 * (Al-Mohy & Higham 2009, Alg. 6.4 lines for L). With `transposed`, returns
 * L(Aᵀ, E) = L(A, Eᵀ)ᵀ instead — the VJP of expm: Ā = L(Aᵀ, Ḡ).
 * Cost for m = 13: 13 + 2s matrix products and one pair of triangular solves.
 */
export function expmFrechetApply(f: ExpmFactor, e: Float64Array, transposed = false): Float64Array {
  const n = f.n;
  checkSquare("expmFrechetApply", e, n, "e");
  const nn = n * n;
  if (n === 0) return new Float64Array(0);
  const b = PADE[f.m];
  const x = f.a;
  const sc = Math.pow(2, -f.s);
  const es = new Float64Array(nn);
  if (transposed) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) es[i * n + j] = e[j * n + i] * sc;
  } else {
    for (let i = 0; i < nn; i++) es[i] = e[i] * sc;
  }
  // M₂ = XE + EX
  const m2 = mm(n, x, es, new Float64Array(nn));
  mm(n, es, x, m2, 1, 1);
  const [x2, x4, x6] = f.pows;
  let lu: Float64Array;
  let lv: Float64Array;
  if (f.m === 13) {
    // M₄ = X²M₂ + M₂X², M₆ = X⁴M₂ + M₄X²
    const m4 = mm(n, x2, m2, new Float64Array(nn));
    mm(n, m2, x2, m4, 1, 1);
    const m6 = mm(n, x4, m2, new Float64Array(nn));
    mm(n, m4, x2, m6, 1, 1);
    const w1 = f.w1 as Float64Array;
    const z1 = f.z1 as Float64Array;
    // L_W = X⁶ L_{W1} + M₆ W₁ + L_{W2}
    const lw1 = lincomb(new Float64Array(nn), n, [b[13], b[11], b[9]], [m6, m4, m2]);
    const lw = lincomb(new Float64Array(nn), n, [b[7], b[5], b[3]], [m6, m4, m2]);
    mm(n, x6, lw1, lw, 1, 1);
    mm(n, m6, w1, lw, 1, 1);
    // L_U = X L_W + E W
    lu = mm(n, x, lw, lw1);
    mm(n, es, f.w, lu, 1, 1);
    // L_V = X⁶ L_{Z1} + M₆ Z₁ + L_{Z2}
    const lz1 = lincomb(lw, n, [b[12], b[10], b[8]], [m6, m4, m2]);
    lv = lincomb(new Float64Array(nn), n, [b[6], b[4], b[2]], [m6, m4, m2]);
    mm(n, x6, lz1, lv, 1, 1);
    mm(n, m6, z1, lv, 1, 1);
  } else {
    // M_{2j} = X^{2j−2} M₂ + M_{2j−2} X², j = 2..(m−1)/2
    const ms = [m2];
    const half = (f.m - 1) / 2;
    for (let j = 2; j <= half; j++) {
      const mj = mm(n, f.pows[j - 2], m2, new Float64Array(nn));
      mm(n, ms[j - 2], x2, mj, 1, 1);
      ms.push(mj);
    }
    const lw = lincomb(
      new Float64Array(nn),
      n,
      ms.map((_, j) => b[2 * j + 3]),
      ms,
    );
    lu = mm(n, x, lw, new Float64Array(nn));
    mm(n, es, f.w, lu, 1, 1);
    lv = lincomb(
      lw,
      n,
      ms.map((_, j) => b[2 * j + 2]),
      ms,
    );
  }
  // q_m L = (L_U + L_V) + (L_U − L_V) r_m
  const r0 = f.s > 0 ? f.squares[0] : f.expA;
  for (let i = 0; i < nn; i++) {
    const a1 = lu[i];
    const a2 = lv[i];
    lu[i] = a1 - a2;
    lv[i] = a1 + a2;
  }
  mm(n, lu, r0, lv, 1, 1);
  luSolve(f.lu, f.piv, n, lv, n);
  // squaring phase: L ← R L + L R
  let l = lv;
  let tmp = lu;
  for (let k = 0; k < f.s; k++) {
    const r = f.squares[k];
    mm(n, r, l, tmp);
    mm(n, l, r, tmp, 1, 1);
    const t = l;
    l = tmp;
    tmp = t;
  }
  return transposed ? transpose(l, n, n) : l;
}

/**
 * exp(A) and the Fréchet derivative L(A, E) together (Al-Mohy & Higham 2009,
 * Alg. 6.4), ≈ 3× the cost of expm.
 */
export function expmFrechet(a: Float64Array, e: Float64Array, n: number): { expA: Float64Array; L: Float64Array } {
  checkSquare("expmFrechet", a, n);
  checkSquare("expmFrechet", e, n, "e");
  const f = expmFactor(a, n);
  return { expA: f.expA, L: expmFrechetApply(f, e) };
}

/** exp(A) and L(A, E_k) for several directions, sharing the Padé pieces and squarings. */
export function expmFrechetMulti(
  a: Float64Array,
  es: readonly Float64Array[],
  n: number,
): { expA: Float64Array; L: Float64Array[] } {
  checkSquare("expmFrechetMulti", a, n);
  const f = expmFactor(a, n);
  return { expA: f.expA, L: es.map((e) => expmFrechetApply(f, e)) };
}
