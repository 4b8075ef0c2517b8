/**
 * linalg.funm: f(A) for a general real square A by the Schur–Parlett
 * algorithm (Davies & Higham 2003; kernels/funm.ts), with its Fréchet
 * derivative by the block-triangular formula (ops/rules/linalg/schur.ts).
 */
import type { Tensor } from "../tensor/tensor.js";
import { tensorArg } from "../tensor/create.js";
import { ArgumentError } from "../errors.js";
import { describe } from "../validate.js";
import type { TensorLike } from "../ops/api.js";
import { needSquare } from "../ops/rules/linalg/common.js";
import { funmPrim, type FunmSpec } from "../ops/rules/linalg/schur.js";
import type { TaylorCoef } from "../kernels/funm.js";

/** A complex number (the argument and value of a custom `funm` function). */
export interface Complex {
  re: number;
  im: number;
}

/** The functions `linalg.funm` knows by name (principal branches for log and sqrt). */
export type FunmName = "exp" | "log" | "sqrt" | "sin" | "cos" | "sinh" | "cosh";

/**
 * A custom scalar function for `linalg.funm`: `f(z, k)` returns the k-th
 * derivative f⁽ᵏ⁾(z) at the complex point z. It must be analytic near A's
 * eigenvalues and real on the real axis (f(z̄) = f(z)‾), so that f(A) is real.
 * k = 0 is asked at every eigenvalue; k ≥ 1 at the mean of each cluster of
 * close eigenvalues (gaps ≤ 0.1) — always when funm is differentiated, since
 * the Fréchet derivative is f of a 2n×2n matrix with every eigenvalue doubled.
 * A function declared with one parameter (z) is accepted where no derivative
 * is needed and refused (ArgumentError) where one is.
 */
export type FunmCallback = (z: Complex, k: number) => Complex;

// --- complex helpers (on pairs of numbers)

function cexp(re: number, im: number, out: Float64Array): void {
  const e = Math.exp(re);
  out[0] = im === 0 ? e : e * Math.cos(im);
  out[1] = im === 0 ? 0 : e * Math.sin(im);
}
/** sin, cos, sinh, cosh of re + i·im: [sin, cos, sinh, cosh] as (re, im) pairs. */
function ctrig(kind: "sin" | "cos" | "sinh" | "cosh", re: number, im: number, out: Float64Array): void {
  switch (kind) {
    case "sin":
      out[0] = Math.sin(re) * Math.cosh(im);
      out[1] = Math.cos(re) * Math.sinh(im);
      return;
    case "cos":
      out[0] = Math.cos(re) * Math.cosh(im);
      out[1] = -Math.sin(re) * Math.sinh(im);
      return;
    case "sinh":
      out[0] = Math.sinh(re) * Math.cos(im);
      out[1] = Math.cosh(re) * Math.sin(im);
      return;
    case "cosh":
      out[0] = Math.cosh(re) * Math.cos(im);
      out[1] = Math.sinh(re) * Math.sin(im);
      return;
  }
}
/** 1/k! (0 past 170, where k! overflows; the Taylor terms are 0 in float64 there for these functions). */
function invFactorial(k: number): number {
  let f = 1;
  for (let j = 2; j <= k; j++) f /= j;
  return f;
}
/** z⁻ᵏ as (re, im). */
function cpowNeg(re: number, im: number, k: number, out: Float64Array): void {
  const d = re * re + im * im;
  const ir = re / d, ii = -im / d;
  let pr = 1, pi = 0;
  for (let j = 0; j < k; j++) {
    const t = pr * ir - pi * ii;
    pi = pr * ii + pi * ir;
    pr = t;
  }
  out[0] = pr;
  out[1] = pi;
}

const TMP = new Float64Array(2);

/** Taylor coefficients f⁽ᵏ⁾(z)/k! of the named functions. */
function namedSpec(name: FunmName): FunmSpec {
  const onNegAxis = (closed: boolean) => (re: number, im: number): string | null =>
    im === 0 && (closed ? re <= 0 : re < 0) ? `on the ${closed ? "closed " : ""}negative real axis: ${name} has no real principal value there` : null;
  switch (name) {
    case "exp":
      return { name, coef: (re, im, k, out) => { cexp(re, im, out); const s = invFactorial(k); out[0] *= s; out[1] *= s; } };
    case "sin":
    case "cos":
    case "sinh":
    case "cosh": {
      // derivative cycles: sin → cos → −sin → −cos; cos → −sin → −cos → sin; sinh ↔ cosh
      const cycle: Record<typeof name, [string, number][]> = {
        sin: [["sin", 1], ["cos", 1], ["sin", -1], ["cos", -1]],
        cos: [["cos", 1], ["sin", -1], ["cos", -1], ["sin", 1]],
        sinh: [["sinh", 1], ["cosh", 1], ["sinh", 1], ["cosh", 1]],
        cosh: [["cosh", 1], ["sinh", 1], ["cosh", 1], ["sinh", 1]],
      };
      return {
        name,
        coef: (re, im, k, out) => {
          const [g, sgn] = cycle[name][k % 4];
          ctrig(g as "sin", re, im, out);
          const s = sgn * invFactorial(k);
          out[0] *= s;
          out[1] *= s;
        },
      };
    }
    case "log":
      return {
        name,
        domain: onNegAxis(true),
        coef: (re, im, k, out) => {
          if (k === 0) {
            out[0] = Math.log(Math.hypot(re, im));
            out[1] = Math.atan2(im, re);
            return;
          }
          // (−1)^{k−1} / (k zᵏ)
          cpowNeg(re, im, k, out);
          const s = (k % 2 === 1 ? 1 : -1) / k;
          out[0] *= s;
          out[1] *= s;
        },
      };
    case "sqrt":
      return {
        name,
        domain: onNegAxis(false),
        coef: (re, im, k, out) => {
          // binom(1/2, k) z^{1/2} z^{−k}, principal root
          const r = Math.hypot(re, im);
          let sr = Math.sqrt((r + re) / 2), si = Math.sqrt(Math.max(0, (r - re) / 2));
          if (im < 0) si = -si;
          if (re < 0 && im === 0) sr = 0;
          let b = 1;
          for (let j = 0; j < k; j++) b *= (0.5 - j) / (j + 1);
          if (k === 0) {
            out[0] = sr;
            out[1] = si;
            return;
          }
          cpowNeg(re, im, k, TMP);
          out[0] = b * (sr * TMP[0] - si * TMP[1]);
          out[1] = b * (sr * TMP[1] + si * TMP[0]);
        },
      };
  }
}

const NAMES: readonly FunmName[] = ["exp", "log", "sqrt", "sin", "cos", "sinh", "cosh"];
const specs = new Map<FunmName, FunmSpec>();
const callbackSpecs = new WeakMap<FunmCallback, FunmSpec>();

function specOf(f: unknown): FunmSpec {
  const op = "linalg.funm";
  if (typeof f === "string" && (NAMES as readonly string[]).includes(f)) {
    const name = f as FunmName;
    let s = specs.get(name);
    if (s === undefined) specs.set(name, (s = namedSpec(name)));
    return s;
  }
  if (typeof f === "function") {
    const cb = f as FunmCallback;
    let s = callbackSpecs.get(cb);
    if (s === undefined) {
      const coef: TaylorCoef = (re, im, k, out) => {
        // a function of z alone would return f(z) for every k: silently wrong on clusters, so it is refused there
        if (k > 0 && cb.length < 2)
          throw new ArgumentError(
            op,
            `f takes one parameter (z), but A has close eigenvalues (a cluster around ${re} + ${im}i), or funm is being differentiated: both need f's derivatives — give f as (z, k) => the k-th derivative f⁽ᵏ⁾(z)`,
          );
        const v = cb({ re, im }, k);
        if (v === null || typeof v !== "object" || typeof v.re !== "number" || typeof v.im !== "number")
          throw new ArgumentError(op, `the function f must return a complex number { re, im } (its ${k}-th derivative at ${re} + ${im}i); got ${describe(v)}`);
        const s = invFactorial(k);
        out[0] = v.re * s;
        out[1] = v.im * s;
      };
      callbackSpecs.set(cb, (s = { name: cb.name ? `custom (${cb.name})` : "custom", coef }));
    }
    return s;
  }
  throw new ArgumentError(op, `f must be one of ${NAMES.map((x) => `"${x}"`).join(", ")} or a function (z: { re, im }, k) => the k-th derivative at z; got ${describe(f)}`);
}

/**
 * f(A) for a general real square matrix A (batched over leading axes) by the
 * Schur–Parlett algorithm of Davies & Higham: complex Schur form, eigenvalues
 * clustered (gaps ≤ 0.1) and reordered into contiguous blocks, Taylor series
 * on each block, the block Parlett recurrence between blocks. f is a name
 * ("exp", "log", "sqrt", "sin", "cos", "sinh", "cosh": principal branches) or a
 * custom `(z, k) => f⁽ᵏ⁾(z)` on complex numbers (scipy.linalg.funm takes f
 * alone; the derivatives serve clusters of close eigenvalues and the
 * derivative of funm). Real A with complex eigenvalues is handled (complex
 * arithmetic inside, a real result).
 *
 * Differentiable (any order): the Fréchet derivative L(A, E) is the top-right
 * block of f([[A, E], [0, A]]), so the JVP is L(A, dA) and the VJP L(Aᵀ, Ḡ)
 * (f with real Taylor coefficients). Eigenvalues on a branch cut (log: the
 * closed negative real axis; sqrt: the negative real axis) raise DomainError.
 */
export function funm(A: TensorLike, f: FunmName | FunmCallback): Tensor {
  const op = "linalg.funm";
  const a = tensorArg(A, op, "A");
  needSquare(op, a);
  return funmPrim(a, specOf(f));
}
