/**
 * Differentiable linear solves with matrix-free operators:
 *
 *   x = customLinearSolve(matvec, b)   solves  A x = b,  A x := matvec(x)
 *
 * (JAX's jax.lax.custom_linear_solve). The forward solve is any of the
 * numeric solvers (CG, GMRES, BiCGSTAB, dense LU, or a user function) and is
 * never differentiated. Derivatives come from the linear-algebra identities
 *
 *   VJP:  w = A⁻ᵀ x̄,   b̄ = w,   θ̄ = −∂_θ ⟨w, A(θ) x⟩
 *   JVP:  ẋ = A⁻¹ (ḃ − (∂_θ A(θ) x)[θ̇])
 *
 * for every tensor θ the operator depends on, whether closed over by matvec or
 * computed inside it: matvec is traced once (./trace.ts) and the tensors it
 * depends on become explicit inputs of a rule created at runtime and applied
 * with `applyMulti`. Aᵀ is obtained by differentiating the traced matvec (it is
 * linear, so its VJP at any point is its transpose: `linearTranspose`), and
 * both derivative solves are again customLinearSolve calls written with ops —
 * so gradients of gradients, forward-over-reverse and reverse-over-forward
 * all work, to any order.
 *
 * Failures are loud: a solve that misses its tolerance, breaks down, or meets
 * a (numerically) singular matrix raises ConvergenceError carrying the
 * residual norm and the iteration count.
 */
import { tensorArg } from "../../tensor/create.js";
import { checkOptions, describe } from "../../validate.js";
import { Tensor } from "../../tensor/tensor.js";
import { isGradEnabled, type Rule } from "../../tensor/meta.js";
import { fmtShape, shapesEqual, sizeOf, type Shape } from "../../tensor/shape.js";
import { applyMulti } from "../../ops/dispatch.js";
import { add, mT, neg, reshape, sub, type TensorLike } from "../../ops/api.js";
import { newCache, solvePrim } from "../../ops/rules/linalg/prims.js";
import { vmap } from "../../autodiff/vmap.js";
import { batchByLoop } from "../../ops/batching.js";
import { enableGrad, noGrad } from "../../autodiff/engine.js";
import { jvp, vjp } from "../../autodiff/transforms.js";
import { eye, zeros } from "../../tensor/create.js";
import { ArgumentError, BatchingError, ConvergenceError, ShapeError, SingularMatrixError } from "../../errors.js";
import { isBatchedLive, mapExamples } from "../examples.js";
import { bicgstab, cg, gmres, nrm2, type KrylovResult, type MatVec } from "./krylov.js";
import { denseFactor, denseSolve, type DenseFactors } from "./dense.js";
import { plain, replay, replayNumeric, trace, type Program } from "../../autodiff/trace.js";

/**
 * The linear solvers of {@link customLinearSolve} and the implicit functions: Krylov (cg, gmres, bicgstab),
 * dense LU, or auto.
 */
export type LinearSolverName = "auto" | "cg" | "gmres" | "bicgstab" | "lu";

/**
 * A user-supplied forward solver: given the operator (plain tensors in and
 * out, no autodiff), the right-hand side and an optional initial guess,
 * return x with A x ≈ b (optionally with the iteration count). Its result is
 * checked against the tolerance with one extra matvec.
 */
export type CustomLinearSolver = (
  matvec: (x: Tensor) => Tensor,
  b: Tensor,
  x0: Tensor | undefined,
) => Tensor | { x: Tensor; iterations?: number };

/** Options of {@link customLinearSolve} and of the implicit functions' backward solve. */
export interface LinearSolveOptions {
  /**
   * "auto" (default): dense LU when the system has at most `denseThreshold`
   * unknowns, else CG when `symmetric`, else restarted GMRES. Or "cg"
   * (symmetric positive definite A), "gmres", "bicgstab", "lu", or a function.
   */
  solver?: LinearSolverName | CustomLinearSolver;
  /** Relative tolerance: ‖b − A x‖₂ ≤ max(rtol·‖b‖₂, atol). Default 1e-10. */
  rtol?: number;
  /** Absolute tolerance. Default 0. */
  atol?: number;
  /** Maximum iterations. Default max(100, min(10·n, 5000)) for n unknowns. */
  maxIter?: number;
  /** GMRES restart length. Default min(n, 30). */
  restart?: number;
  /** Initial guess (warm start) for the forward solve. Not differentiated. */
  x0?: Tensor;
  /**
   * Preconditioner r ↦ M r ≈ A⁻¹ r, written with matgrad ops and linear in r
   * (for CG: symmetric positive definite). Treated as a constant operator: it
   * only changes how fast the solve converges, never the solution. The
   * transposed solves of the VJP use Mᵀ (obtained automatically).
   */
  preconditioner?: (r: Tensor) => Tensor;
  /** A = Aᵀ: transposed solves reuse matvec; "auto" picks CG. Default false. */
  symmetric?: boolean;
  /** "auto" uses dense LU up to this many unknowns. Default 64. */
  denseThreshold?: number;
  /** Called after every successful solve (forward, transposed, tangent) with its statistics. */
  onInfo?: (info: LinearSolveInfo) => void;
}

/** What a linear solve reports (to the `onInfo` callback): solver, iterations, residual. */
export interface LinearSolveInfo {
  /** The op that ran the solve, e.g. "customLinearSolve" or "implicitRoot". */
  op: string;
  /** Which solve: "forward", "transposed (VJP)", "tangent (JVP)", … */
  stage: string;
  solver: string;
  /** Number of unknowns. */
  size: number;
  iterations: number;
  matvecs: number;
  /** Final ‖b − A x‖₂. */
  residual: number;
  tolerance: number;
}

/** Options after defaults (x0 is per call). */
export interface ResolvedLinearOptions {
  solver: LinearSolverName | CustomLinearSolver;
  rtol: number;
  atol: number;
  maxIter: number | undefined;
  restart: number | undefined;
  symmetric: boolean;
  denseThreshold: number;
  onInfo: ((info: LinearSolveInfo) => void) | undefined;
}

const SOLVERS: readonly string[] = ["auto", "cg", "gmres", "bicgstab", "lu"];

function checkNumber(op: string, name: string, v: unknown, pred: (x: number) => boolean, what: string): void {
  if (typeof v !== "number" || !pred(v)) throw new ArgumentError(op, `option ${name} must be ${what}, got ${String(v)}`);
}

/** Validate and fill in defaults. */
export function resolveLinearOptions(op: string, o: LinearSolveOptions = {}, prefix = ""): ResolvedLinearOptions {
  const solver = o.solver ?? "auto";
  if (typeof solver !== "function" && !SOLVERS.includes(solver))
    throw new ArgumentError(op, `option ${prefix}solver must be one of ${SOLVERS.join(", ")} or a function, got ${String(solver)}`);
  if (o.rtol !== undefined) checkNumber(op, prefix + "rtol", o.rtol, (x) => x >= 0 && x < 1, "a number in [0, 1)");
  if (o.atol !== undefined) checkNumber(op, prefix + "atol", o.atol, (x) => x >= 0 && Number.isFinite(x), "a finite number ≥ 0");
  if (o.maxIter !== undefined) checkNumber(op, prefix + "maxIter", o.maxIter, (x) => Number.isInteger(x) && x >= 1, "a positive integer");
  if (o.restart !== undefined) checkNumber(op, prefix + "restart", o.restart, (x) => Number.isInteger(x) && x >= 1, "a positive integer");
  if (o.denseThreshold !== undefined)
    checkNumber(op, prefix + "denseThreshold", o.denseThreshold, (x) => Number.isInteger(x) && x >= 0, "a non-negative integer");
  if (o.preconditioner !== undefined && typeof o.preconditioner !== "function")
    throw new ArgumentError(op, `option ${prefix}preconditioner must be a function r ↦ M r`);
  return {
    solver,
    rtol: o.rtol ?? 1e-10,
    atol: o.atol ?? 0,
    maxIter: o.maxIter,
    restart: o.restart,
    symmetric: o.symmetric ?? false,
    denseThreshold: o.denseThreshold ?? 64,
    onInfo: o.onInfo,
  };
}

// ---------------------------------------------------------------------------
// Solve context: what a chain of forward / transposed / tangent solves shares.

/** LU factors of the operator (or of its transpose) at the current point, reusable by derivative solves. */
export interface LuHint {
  factors: DenseFactors;
  /** Solve with the transpose of the factored matrix. */
  trans: boolean;
}

interface Precond {
  /** Program of r ↦ M r (free input: r). */
  prog: Program;
  inShape: Shape;
  outShape: Shape;
}

export interface SolveContext {
  op: string;
  stage: string;
  opts: ResolvedLinearOptions;
  precond: Precond | null;
}

function sameData(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(a[i] !== a[i] && b[i] !== b[i])) return false;
  return true;
}

export function numericMatvec(prog: Program, captured: readonly Tensor[], inShape: Shape): MatVec {
  return (v) => {
    const out = replayNumeric(prog, [new Tensor(v, inShape)], captured).data;
    return out === v ? out.slice() : out; // never hand the solver its own vector back
  };
}

function defaultMaxIter(n: number): number {
  return Math.max(100, Math.min(10 * n, 5000));
}

export interface NumericSolveOutcome {
  result: KrylovResult;
  /** The method actually used ("auto" resolved). */
  name: string;
  /** LU factors when the method was dense LU. */
  lu: LuHint | null;
}

/**
 * Run the chosen numeric method on A x = b (A a flat matvec) without throwing
 * on non-convergence. `lu` reuses factors of this operator (or its transpose).
 */
export function runLinearSolver(
  op: string,
  opts: ResolvedLinearOptions,
  A: MatVec,
  b: Float64Array,
  shapes: { x: Shape; b: Shape },
  x0: Float64Array | undefined,
  precond: MatVec | undefined,
  lu: LuHint | null,
): NumericSolveOutcome {
  const n = b.length;
  if (typeof opts.solver === "function") {
    const name = opts.solver.name ? `custom solver ${opts.solver.name}` : "custom solver";
    const mv = (x: Tensor): Tensor => {
      if (!shapesEqual(x.shape, shapes.x))
        throw new ShapeError(op, `the custom solver applied the operator to shape ${fmtShape(x.shape)}, expected ${fmtShape(shapes.x)}`);
      return new Tensor(A(x.data), shapes.b);
    };
    const r = enableGrad(() =>
      (opts.solver as CustomLinearSolver)(mv, new Tensor(b, shapes.b), x0 === undefined ? undefined : new Tensor(x0, shapes.x)),
    );
    const xt = r instanceof Tensor ? r : r?.x;
    if (!(xt instanceof Tensor) || xt.size !== n)
      throw new ArgumentError(op, `the custom solver must return a Tensor with ${n} entries (or { x, iterations })`);
    const iterations = r instanceof Tensor ? NaN : r.iterations ?? NaN;
    const x = xt.data.slice();
    const Ax = A(x);
    const res = new Float64Array(n);
    for (let i = 0; i < n; i++) res[i] = b[i] - Ax[i];
    const bnorm = nrm2(b), tol = Math.max(opts.rtol * bnorm, opts.atol), rn = nrm2(res);
    const ok = rn <= tol;
    return {
      result: { x, converged: ok, iterations, matvecs: 1, residual: rn, bnorm, tol, reason: ok ? undefined : "its result misses the tolerance" },
      name, lu: null,
    };
  }
  let name: string = opts.solver;
  if (name === "auto") name = n <= opts.denseThreshold ? "lu" : opts.symmetric ? "cg" : "gmres";
  if (name === "lu") {
    const factors = lu ?? { factors: denseFactor(A, n), trans: false };
    const result = denseSolve(factors.factors, b, factors.trans, opts.rtol, opts.atol);
    if (lu !== null) result.matvecs = 0;
    return { result, name, lu: factors };
  }
  const ko = { rtol: opts.rtol, atol: opts.atol, maxIter: opts.maxIter ?? defaultMaxIter(n), x0, precond, restart: opts.restart };
  let result: KrylovResult;
  if (name === "cg") {
    result = cg(A, b, ko);
    // "auto" chose CG because the user said symmetric; an indefinite operator falls back to GMRES
    if (!result.converged && opts.solver === "auto" && /not positive definite/.test(result.reason ?? "")) {
      name = "gmres (after CG found the operator indefinite)";
      const first = result;
      result = gmres(A, b, ko);
      result.iterations += first.iterations;
      result.matvecs += first.matvecs;
    }
  } else if (name === "gmres") result = gmres(A, b, ko);
  else result = bicgstab(A, b, ko);
  return { result, name, lu: null };
}

/** The ConvergenceError for a failed linear solve. */
export function linearSolveError(op: string, stage: string, name: string, n: number, result: KrylovResult): ConvergenceError {
  const it = Number.isNaN(result.iterations) ? "an unknown number of" : String(result.iterations);
  return new ConvergenceError(
    op,
    `${stage} linear solve (${name}, ${n} unknowns) failed: ${result.reason ?? "did not converge"}; ` +
      `residual ‖b − A x‖ = ${result.residual.toExponential(3)} vs tolerance ${result.tol.toExponential(3)} ` +
      `(‖b‖ = ${result.bnorm.toExponential(3)}) after ${it} iterations`,
    result.residual,
    result.iterations,
    result.tol,
  );
}

/**
 * Solve A x = b numerically, A given by a program (free input x of shape
 * xShape) and its captured values. Throws ConvergenceError on failure.
 * Returns the solution and, for LU, the factors (for reuse by derivative solves).
 */
function solveNumeric(
  ctx: SolveContext,
  prog: Program,
  captured: readonly Tensor[],
  b: Float64Array,
  xShape: Shape,
  x0: Float64Array | undefined,
  lu: LuHint | null,
): { x: Float64Array; lu: LuHint | null } {
  const { op, stage, opts } = ctx;
  const n = b.length;
  if (n === 0) return { x: new Float64Array(0), lu: null };
  const A = numericMatvec(prog, captured, xShape);
  const M = ctx.precond === null ? undefined : numericMatvec(ctx.precond.prog, ctx.precond.prog.captured, ctx.precond.inShape);
  const { result, name, lu: factors } = runLinearSolver(op, opts, A, b, { x: xShape, b: prog.outShape }, x0, M, lu);
  if (!result.converged) throw linearSolveError(op, stage, name, n, result);
  opts.onInfo?.({
    op, stage, solver: name, size: n, iterations: result.iterations, matvecs: result.matvecs,
    residual: result.residual, tolerance: result.tol,
  });
  return { x: result.x, lu: factors };
}

/** t with the same values and forward tangents but no tape node (results of a VJP that is not recorded). */
function dropTape(t: Tensor | null): Tensor | null {
  if (t === null || t._node === null) return t;
  const d = t._alias();
  d._fw = t._fw;
  return d;
}

/** Transposed preconditioner program, r ↦ Mᵀ r. */
function transposePrecond(op: string, p: Precond): Precond {
  const tr = trace(op, (v) => {
    const { vjpFn } = vjp((r: Tensor) => replay(p.prog, [r]), zeros(p.inShape));
    return vjpFn(v)[0];
  }, [deterministicProbe(p.outShape, 7)]);
  return { prog: tr.program, inShape: p.outShape, outShape: p.inShape };
}

/**
 * The program of v ↦ Aᵀ v given the program of x ↦ A x and its captured
 * values (tape-connected, so that the transposed operator keeps their history).
 */
export function transposeProgram(op: string, prog: Program, captured: readonly Tensor[], xShape: Shape): { prog: Program; captured: readonly Tensor[] } {
  const tr = trace(op, (v) => {
    const { vjpFn } = vjp((x: Tensor) => replay(prog, [x], captured), zeros(xShape));
    return vjpFn(v)[0];
  }, [deterministicProbe(prog.outShape, 11)], captured);
  return { prog: tr.program, captured: tr.program.captured };
}

/** A reproducible probe with generic (nonzero, distinct) values; the global RNG is left alone. */
export function deterministicProbe(shape: Shape, seed: number): Tensor {
  const n = sizeOf(shape);
  const d = new Float64Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    d[i] = (s / 4294967296) * 2 - 1;
  }
  return new Tensor(d, shape);
}

/**
 * The differentiable solve of A x = b for A given by `prog` with captured
 * values `captured` (tensors that may carry tape nodes and tangents): applies
 * a runtime Rule with inputs [b, ...captured].
 */
export function solveProgram(
  ctx: SolveContext,
  prog: Program,
  captured: readonly Tensor[],
  b: Tensor,
  xShape: Shape,
  x0?: Tensor,
  lu: LuHint | null = null,
): Tensor {
  if (!shapesEqual(b.shape, prog.outShape))
    throw new ShapeError(ctx.op, `right-hand side has shape ${fmtShape(b.shape)} but the operator returns shape ${fmtShape(prog.outShape)}`);
  if (isBatchedLive(b) || captured.some(isBatchedLive) || isBatchedLive(x0)) return solveExamples(ctx, prog, captured, b, xShape, x0);
  const first = solveNumeric(ctx, prog, captured.map(plain), b.data, xShape, x0?.data, lu);
  const state = { x: first.x, b: b.data, caps: captured.map((c) => c.data), lu: first.lu ?? lu };
  // the factors describe the operator at the captured values of this solve only
  const luAt = (cs: readonly Tensor[]): LuHint | null =>
    state.lu !== null && cs.every((c, i) => sameData(c.data, state.caps[i])) ? state.lu : null;
  const rule: Rule<null> = {
    name: ctx.op,
    forward: (inputs) => {
      const [bb, ...cs] = inputs;
      if (sameData(bb.data, state.b) && cs.every((c, i) => sameData(c.data, state.caps[i]))) return new Tensor(state.x, xShape);
      // replayed at another right-hand side (inside a traced linear program): solve again
      return new Tensor(solveNumeric(ctx, prog, cs.map(plain), bb.data, xShape, undefined, luAt(cs)).x, xShape);
    },
    vjp: (ct: Tensor, inputs, out: Tensor, _p, needs?: readonly boolean[]) => {
      const cs = inputs.slice(1);
      const needC = needs === undefined || needs.slice(1).some((x) => x);
      const record = isGradEnabled();
      const grads = enableGrad(() => {
        // w = A⁻ᵀ x̄
        let progT: Program, capT: readonly Tensor[];
        if (ctx.opts.symmetric) {
          progT = prog;
          capT = cs;
        } else ({ prog: progT, captured: capT } = transposeProgram(ctx.op, prog, cs, xShape));
        const ctxT: SolveContext = {
          op: ctx.op,
          stage: transposedStage(ctx.stage),
          opts: ctx.opts,
          precond: ctx.precond === null ? null : ctx.opts.symmetric ? ctx.precond : transposePrecond(ctx.op, ctx.precond),
        };
        const lu0 = luAt(cs);
        const luT = lu0 === null || ctx.opts.symmetric ? lu0 : { factors: lu0.factors, trans: !lu0.trans };
        const w = solveProgram(ctxT, progT, capT, ct, prog.outShape, undefined, luT);
        const out_: (Tensor | null)[] = [w];
        if (cs.length > 0 && !needC) for (let i = 0; i < cs.length; i++) out_.push(null);
        else if (cs.length > 0) {
          // θ̄ = −∂_θ ⟨w, A(θ) x⟩ at x = out (tape-connected, so second order sees x's dependence on θ)
          const { vjpFn } = vjp((...c: Tensor[]) => replay(prog, [out], c), ...cs);
          for (const g of vjpFn(w)) out_.push(neg(g));
        }
        return out_;
      });
      return record ? grads : grads.map(dropTape);
    },
    jvp: (dx, inputs, out: Tensor) => {
      const [db, ...dcs] = dx;
      const cs = inputs.slice(1);
      let rhs: Tensor | null = db;
      const idx: number[] = [];
      dcs.forEach((d, i) => {
        if (d !== null) idx.push(i);
      });
      if (idx.length > 0) {
        // (∂_θ A(θ) x)[θ̇] at x = out
        const t = jvp(
          (...sel: Tensor[]) => {
            const full = cs.slice();
            idx.forEach((k, j) => (full[k] = sel[j]));
            return replay(prog, [out], full);
          },
          idx.map((k) => cs[k]),
          idx.map((k) => dcs[k] as Tensor),
        ).tangent as Tensor;
        rhs = rhs === null ? neg(t) : sub(rhs, t);
      }
      if (rhs === null) return null;
      return solveProgram({ ...ctx, stage: tangentStage(ctx.stage) }, prog, cs, rhs, xShape, undefined, luAt(cs));
    },
    // a value-dependent forward (a solve per right-hand side): one application per example
    batch: batchByLoop(() => rule),
  };
  return applyMulti(rule, [b, ...captured], null)[0];
}

/**
 * solveProgram under vmap (b, the operator's captured tensors or x0
 * batched): one solve per example (mapExamples), each with its own
 * iteration count; the derivatives restart at the known solution, where an
 * iterative solver stops at once.
 */
function solveExamples(ctx: SolveContext, prog: Program, captured: readonly Tensor[], b: Tensor, xShape: Shape, x0: Tensor | undefined): Tensor {
  if (ctx.precond !== null && ctx.precond.prog.captured.some(isBatchedLive))
    throw new BatchingError(ctx.op, "the preconditioner closes over a tensor that vmap batches; under vmap the solve runs example by example for b and for the tensors matvec uses, but a preconditioner must be the same for every example");
  const n = sizeOf(xShape), solver = ctx.opts.solver;
  if (n > 0 && (solver === "lu" || (solver === "auto" && n <= ctx.opts.denseThreshold))) return denseBatched(ctx, prog, captured, b, xShape);
  const nc = captured.length;
  const xs = [b, ...captured, ...(x0 === undefined ? [] : [x0])];
  const at = (t: Tensor[], start: Tensor | undefined): Tensor[] => [solveProgram(ctx, prog, t.slice(1, 1 + nc), t[0], xShape, start)];
  return mapExamples(ctx.op, xs, (t) => at(t, x0 === undefined ? undefined : plain(t[1 + nc])), (t, [x]) => at(t, x))[0];
}

/**
 * A dense direct solve under vmap, batched: every example's matrix is
 * materialized at once — the traced matvec replayed with ops on the n unit
 * vectors, under a vmap over them (n columns of A, for all examples in one
 * pass) — and one batched LU solve (the linalg solve primitive) gives x.
 * Everything is ops, so every transform composes without per-example loops;
 * the derivatives are those of the replayed matvec and of the solve
 * primitive (A⁻ᵀ x̄ from the same factors). A singular example raises
 * ConvergenceError, as the per-example dense path does. (onInfo is not
 * called: no per-example solve statistics exist on this path.)
 */
function denseBatched(ctx: SolveContext, prog: Program, captured: readonly Tensor[], b: Tensor, xShape: Shape): Tensor {
  const n = sizeOf(xShape);
  const basis = reshape(eye(n), [n, ...xShape]);
  const columns = vmap((e: Tensor) => replay(prog, [e], captured))(basis); // [n, …outShape]: column j = A e_j
  const A = mT(reshape(columns, [n, n]));
  try {
    return reshape(solvePrim(A, reshape(b, [n, 1]), false, newCache(), ctx.op), xShape);
  } catch (e) {
    if (!(e instanceof SingularMatrixError)) throw e;
    throw new ConvergenceError(ctx.op, `${ctx.stage} linear solve (lu, batched under vmap, ${n} unknowns) failed: ${e.message.replace(/^[^:]*: /, "")}`, Infinity, 0);
  }
}

function transposedStage(stage: string): string {
  if (stage === "forward") return "transposed (VJP)";
  if (stage === "transposed (VJP)") return "forward (second-order VJP)";
  return `transposed of ${stage}`;
}

function tangentStage(stage: string): string {
  return stage === "forward" ? "tangent (JVP)" : `tangent of ${stage}`;
}

/** Trace a tensor → tensor preconditioner. */
export function tracePreconditioner(op: string, M: (r: Tensor) => Tensor, inShape: Shape, outShape: Shape): Precond {
  const tr = trace(op, M, [deterministicProbe(inShape, 5)]);
  if (!shapesEqual(tr.value.shape, outShape))
    throw new ShapeError(op, `the preconditioner returned shape ${fmtShape(tr.value.shape)} for a residual of shape ${fmtShape(inShape)}; expected ${fmtShape(outShape)}`);
  return { prog: tr.program, inShape, outShape };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Check that a user's matvec is traceable (a replay reproduces a direct call
 * at another point) and linear (additive), so that a transposed operator and
 * derivative solves built from its trace are right.
 */
function checkLinearOperator(op: string, name: string, f: (x: Tensor) => Tensor, prog: Program, probe: Tensor, yProbe: Tensor): void {
  if (isBatchedLive(yProbe) || prog.captured.some(isBatchedLive)) return checkBatchedOperator(op, name, f, prog, probe, yProbe);
  const q = deterministicProbe(probe.shape, 3);
  const direct = enableGrad(() => f(q));
  if (!(direct instanceof Tensor) || !shapesEqual(direct.shape, prog.outShape))
    throw new ArgumentError(op, `${name} returned inconsistent shapes between calls`);
  const yq = replayNumeric(prog, [q]);
  const scale = maxAbs(direct.data) + maxAbs(yProbe.data) + 1e-300;
  if (maxAbsDiff(direct.data, yq.data) > 1e-9 * scale)
    throw new ArgumentError(op, `${name} could not be traced: replaying its recorded ops at a second point disagrees with calling it there. Write it with matgrad ops only (no .data access, detach, or control flow on values)`);
  const pq = new Float64Array(q.size);
  for (let i = 0; i < pq.length; i++) pq[i] = probe.data[i] + q.data[i];
  const ypq = replayNumeric(prog, [new Tensor(pq, q.shape)]);
  const sum = new Float64Array(pq.length === 0 ? 0 : ypq.size);
  for (let i = 0; i < sum.length; i++) sum[i] = yProbe.data[i] + yq.data[i];
  if (maxAbsDiff(ypq.data, sum) > 1e-9 * (scale + maxAbs(ypq.data)))
    throw new ArgumentError(op, `${name} is not linear in its argument: ${name}(p + q) ≠ ${name}(p) + ${name}(q) (did it add a constant, or use a nonlinear op?)`);
}

/** The values of every example behind a (possibly batched) tensor: the physical tensor under its batch levels. */
function valuesOf(t: Tensor): Float64Array {
  let p = t;
  while (p._bt !== null) p = p._bt.value;
  return p.data;
}

/**
 * The same checks for an operator that closes over tensors batched by vmap:
 * replays with ops (the kernels cannot read batched values), differences
 * taken with ops and their values read for all examples at once.
 */
function checkBatchedOperator(op: string, name: string, f: (x: Tensor) => Tensor, prog: Program, probe: Tensor, yProbe: Tensor): void {
  const rep = (x: Tensor): Tensor => noGrad(() => replay(prog, [x]));
  const q = deterministicProbe(probe.shape, 3);
  const direct = enableGrad(() => f(q));
  if (!(direct instanceof Tensor) || !shapesEqual(direct.shape, prog.outShape))
    throw new ArgumentError(op, `${name} returned inconsistent shapes between calls`);
  const yq = rep(q);
  const scale = maxAbs(valuesOf(direct)) + maxAbs(valuesOf(yProbe)) + 1e-300;
  if (maxAbs(valuesOf(noGrad(() => sub(direct, yq)))) > 1e-9 * scale)
    throw new ArgumentError(op, `${name} could not be traced: replaying its recorded ops at a second point disagrees with calling it there. Write it with matgrad ops only (no .data access, detach, or control flow on values)`);
  if (q.size === 0) return;
  const pq = new Float64Array(q.size);
  for (let i = 0; i < pq.length; i++) pq[i] = probe.data[i] + q.data[i];
  const ypq = rep(new Tensor(pq, q.shape));
  if (maxAbs(valuesOf(noGrad(() => sub(ypq, add(yProbe, yq))))) > 1e-9 * (scale + maxAbs(valuesOf(ypq))))
    throw new ArgumentError(op, `${name} is not linear in its argument: ${name}(p + q) ≠ ${name}(p) + ${name}(q) (did it add a constant, or use a nonlinear op?)`);
}

/**
 * Differentiable solve of A x = b with A given as a linear function
 * `matvec(x) = A x` written with matgrad ops (it may close over tensors that
 * require grad; their gradients are −∂_θ⟨w, A(θ)x⟩). x has b's shape unless
 * `x0` gives another one of the same size.
 *
 * Derivatives to any order; reverse mode solves Aᵀ w = x̄ (with the transposed
 * matvec, obtained automatically, or matvec itself when `symmetric`).
 */
export function customLinearSolve(matvec: (x: Tensor) => Tensor, b: TensorLike, options: LinearSolveOptions = {}): Tensor {
  checkOptions("customLinearSolve", options, ["solver", "rtol", "atol", "maxIter", "restart", "preconditioner", "symmetric", "denseThreshold", "onInfo", "x0"]);
  const op = "customLinearSolve";
  return linearSolveImpl(op, matvec, b, options, true);
}

/** Shared by customLinearSolve and the solver-specific wrappers. */
export function linearSolveImpl(op: string, matvec: (x: Tensor) => Tensor, b: TensorLike, options: LinearSolveOptions, check: boolean): Tensor {
  if (typeof matvec !== "function") throw new ArgumentError(op, "matvec must be a function x ↦ A x");
  const bt = tensorArg(b, op, "b");
  const opts = resolveLinearOptions(op, options);
  let xShape: Shape = bt.shape;
  if (options.x0 !== undefined) {
    if (!(options.x0 instanceof Tensor)) throw new ArgumentError(op, "option x0 must be a Tensor");
    if (options.x0.size !== bt.size)
      throw new ShapeError(op, `x0 has shape ${fmtShape(options.x0.shape)} (${options.x0.size} entries) but b has shape ${fmtShape(bt.shape)} (${bt.size} entries); A must be square`);
    xShape = options.x0.shape;
  }
  const probe = deterministicProbe(xShape, 1);
  const { program, value } = trace(op, matvec, [probe]);
  if (!shapesEqual(value.shape, bt.shape))
    throw new ShapeError(op, `matvec maps shape ${fmtShape(xShape)} to ${fmtShape(value.shape)}, but b has shape ${fmtShape(bt.shape)}`);
  if (check) checkLinearOperator(op, "matvec", matvec, program, probe, value);
  let precond: Precond | null = null;
  if (options.preconditioner !== undefined) {
    precond = tracePreconditioner(op, options.preconditioner, bt.shape, xShape);
    if (check) {
      const p = deterministicProbe(bt.shape, 5);
      checkLinearOperator(op, "preconditioner", options.preconditioner, precond.prog, p, replayNumeric(precond.prog, [p]));
    }
  }
  const ctx: SolveContext = { op, stage: "forward", opts, precond };
  return solveProgram(ctx, program, program.captured, bt, xShape, options.x0 === undefined ? undefined : plain(options.x0));
}

/** The option keys of the solver-specific wrappers (no solver: it is the wrapper's). */
const WRAPPER_KEYS = ["rtol", "atol", "maxIter", "restart", "preconditioner", "symmetric", "denseThreshold", "onInfo", "x0"] as const;

/** Conjugate gradients (A symmetric positive definite), differentiable; see customLinearSolve. */
export function cgSolve(matvec: (x: Tensor) => Tensor, b: TensorLike, options: Omit<LinearSolveOptions, "solver" | "symmetric"> = {}): Tensor {
  checkOptions("linsolve.cg", options, ["rtol", "atol", "maxIter", "restart", "preconditioner", "denseThreshold", "onInfo", "x0"]);
  return linearSolveImpl("linsolve.cg", matvec, b, { ...options, solver: "cg", symmetric: true }, true);
}

/** Restarted GMRES(m), differentiable; see customLinearSolve. */
export function gmresSolve(matvec: (x: Tensor) => Tensor, b: TensorLike, options: Omit<LinearSolveOptions, "solver"> = {}): Tensor {
  checkOptions("linsolve.gmres", options, WRAPPER_KEYS);
  return linearSolveImpl("linsolve.gmres", matvec, b, { ...options, solver: "gmres" }, true);
}

/** BiCGSTAB, differentiable; see customLinearSolve. */
export function bicgstabSolve(matvec: (x: Tensor) => Tensor, b: TensorLike, options: Omit<LinearSolveOptions, "solver"> = {}): Tensor {
  checkOptions("linsolve.bicgstab", options, WRAPPER_KEYS);
  return linearSolveImpl("linsolve.bicgstab", matvec, b, { ...options, solver: "bicgstab" }, true);
}

/** Dense LU on the materialized matrix (n matvecs; small problems), differentiable; see customLinearSolve. */
export function luSolveOp(matvec: (x: Tensor) => Tensor, b: TensorLike, options: Omit<LinearSolveOptions, "solver"> = {}): Tensor {
  checkOptions("linsolve.lu", options, WRAPPER_KEYS);
  return linearSolveImpl("linsolve.lu", matvec, b, { ...options, solver: "lu" }, true);
}

/**
 * Materialize the matrix of a linear operator written with matgrad ops (n
 * matvecs): entry [i, j] = (A e_j)_i, shape [size(out), size(in)]. For tests
 * and small problems; not differentiable.
 */
export function materializeOperator(matvec: (x: Tensor) => Tensor, inShape: readonly number[]): Tensor {
  const op = "linsolve.materialize";
  if (typeof matvec !== "function") throw new ArgumentError(op, `argument matvec must be a function x ↦ A x; got ${describe(matvec)}`);
  if (!Array.isArray(inShape) || inShape.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0))
    throw new ArgumentError(op, `argument inShape must be an array of non-negative integers; got ${describe(inShape)}`);
  const probe = deterministicProbe(inShape, 1);
  const { program, value } = trace(op, matvec, [probe]);
  const n = sizeOf(inShape), m = value.size;
  const out = new Float64Array(m * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = replayNumeric(program, [new Tensor(e, inShape)]).data;
    for (let i = 0; i < m; i++) out[i * n + j] = col[i];
  }
  return new Tensor(out, [m, n]);
}

/**
 * Differentiable solve of A x = b with A given by a linear function written
 * with ops (internal callers: the operator is linear by construction, so the
 * linearity check is skipped).
 */
export function solveLinearFn(ctx: SolveContext, matvec: (x: Tensor) => Tensor, b: Tensor, xShape: Shape, known: readonly Tensor[] = []): Tensor {
  const { program, value } = trace(ctx.op, matvec, [deterministicProbe(xShape, 13)], known);
  if (!shapesEqual(value.shape, b.shape))
    throw new ShapeError(ctx.op, `${ctx.stage} solve: the operator maps shape ${fmtShape(xShape)} to ${fmtShape(value.shape)}, but the right-hand side has shape ${fmtShape(b.shape)}`);
  return solveProgram(ctx, program, program.captured, b, xShape);
}
