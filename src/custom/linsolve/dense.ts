/**
 * Dense LU for small matrix-free problems: materialize A column by column
 * (n operator applications on unit vectors), factor once with partial
 * pivoting, and solve. The factors also solve the transposed system, which is
 * what a VJP needs, so a backward pass after an LU forward costs no new
 * materialization.
 */
import { luFactor, luSolve, matrixNorm1, rcondEstimate } from "../../kernels/lu.js";
import { nrm2, type KrylovResult, type MatVec } from "./krylov.js";

const EPS = 2.220446049250313e-16;

export interface DenseFactors {
  readonly n: number;
  /** The materialized matrix (row-major), for residuals. */
  readonly a: Float64Array;
  readonly lu: Float64Array;
  readonly piv: Int32Array;
  /** Reciprocal 1-norm condition estimate (0 when exactly singular). */
  readonly rcond: number;
  /** Index of a zero pivot, or −1. */
  readonly info: number;
}

/** Materialize the n×n matrix of a linear operator: column j = A e_j. */
export function materialize(A: MatVec, n: number): Float64Array {
  const a = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = A(e);
    if (col.length !== n) throw new RangeError(`materialize: the operator returned a vector of length ${col.length}, expected ${n}`);
    for (let i = 0; i < n; i++) a[i * n + j] = col[i];
  }
  return a;
}

export function denseFactor(A: MatVec, n: number): DenseFactors {
  const a = materialize(A, n);
  const f = luFactor(a, n);
  const rcond = f.info >= 0 ? 0 : rcondEstimate(f.lu, f.piv, n, matrixNorm1(a, n, n));
  return { n, a, lu: f.lu, piv: f.piv, rcond, info: f.info };
}

/** Is the factorization usable: no zero pivot and rcond above n·ε (else singular to working precision). */
export function singularReason(f: DenseFactors): string | null {
  if (f.info >= 0) return `singular matrix (zero pivot at column ${f.info})`;
  if (!(f.rcond > f.n * EPS)) return `singular to working precision (reciprocal condition estimate ${f.rcond.toExponential(2)})`;
  return null;
}

/** ‖b − op(A) x‖₂ with the materialized matrix. */
function residual(f: DenseFactors, x: Float64Array, b: Float64Array, trans: boolean): Float64Array {
  const { n, a } = f;
  const r = b.slice();
  if (!trans) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
      r[i] -= s;
    }
  } else {
    for (let j = 0; j < n; j++) {
      const xj = x[j];
      for (let i = 0; i < n; i++) r[i] -= a[j * n + i] * xj;
    }
  }
  return r;
}

/**
 * Solve op(A) x = b from the factors (op = transpose when `trans`), with up to
 * two steps of iterative refinement. Converged when the residual meets
 * max(rtol·‖b‖, atol), or is at the rounding level of a backward-stable solve
 * (n·ε·‖A‖₁·‖x‖₁) — the best any dense method can do.
 */
export function denseSolve(f: DenseFactors, b: Float64Array, trans: boolean, rtol: number, atol: number): KrylovResult {
  const { n } = f;
  const bnorm = nrm2(b);
  const tol = Math.max(rtol * bnorm, atol);
  const reason = singularReason(f);
  if (reason !== null) return { x: new Float64Array(n).fill(NaN), converged: false, iterations: 0, matvecs: n, residual: bnorm, bnorm, tol, reason };
  const x = luSolve(f.lu, f.piv, n, b, 1, trans);
  let r = residual(f, x, b, trans);
  let rnorm = nrm2(r);
  const anorm = matrixNorm1(f.a, n, n);
  const floor = (): number => {
    let xs = 0;
    for (let i = 0; i < n; i++) xs += Math.abs(x[i]);
    return 4 * n * EPS * anorm * xs;
  };
  for (let step = 0; step < 2 && rnorm > tol && Number.isFinite(rnorm); step++) {
    const dx = luSolve(f.lu, f.piv, n, r, 1, trans);
    for (let i = 0; i < n; i++) x[i] += dx[i];
    r = residual(f, x, b, trans);
    rnorm = nrm2(r);
  }
  const converged = Number.isFinite(rnorm) && rnorm <= Math.max(tol, floor());
  return {
    x, converged, iterations: 1, matvecs: n, residual: rnorm, bnorm, tol,
    reason: converged ? undefined : `the LU solution misses the tolerance (rcond ≈ ${f.rcond.toExponential(2)})`,
  };
}
