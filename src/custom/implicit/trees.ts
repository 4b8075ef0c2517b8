/**
 * Implicit functions over pytrees: implicitRoot, fixedPoint and inverseOf
 * (and customLinearSolve, in ../linsolve/trees.ts) whose unknown x and
 * parameters θ are nested objects / arrays of tensors.
 *
 * The implicit machinery works on one unknown tensor and a flat list of
 * parameter tensors. A tree unknown is *raveled* (JAX's ravel_pytree): its
 * tensor leaves, flattened and concatenated, form one vector v, and
 * unravel(v) slices and reshapes v back into the tree — both differentiable
 * ops, so derivatives pass through unchanged. The residual F(x, θ) must
 * return a tree of x's structure (∂ₓF is then square on the raveled vector);
 * parameter trees are flattened to their tensor leaves. A call whose unknown
 * and parameters are plain tensors takes the positional path unchanged.
 */
import { Tensor } from "../../tensor/tensor.js";
import { ArgumentError, ShapeError } from "../../errors.js";
import { concat, reshape, slice } from "../../ops/api.js";
import { zeros } from "../../tensor/create.js";
import { fmtShape, shapesEqual } from "../../tensor/shape.js";
import { enableGrad } from "../../autodiff/engine.js";
import { plain } from "../../autodiff/trace.js";
import { formatPath, treeFlatten, treeFlattenWithPath, treeLeavesLike, treeUnflatten, type PathEntry, type TreeDef } from "../../tree/index.js";
import { topArg, type TransformArg } from "../../autodiff/transforms.js";
import { implicitRoot as implicitRootTensors, closureBatchingHint, type ImplicitOptions } from "./root.js";
import { isBatchedLive, mapExamples } from "../examples.js";
import { fixedPoint as fixedPointTensors, type FixedPointOptions } from "./fixedPoint.js";
import { inverseOf as inverseOfTensors, type InverseOfOptions as InverseOfTensorOptions } from "./inverse.js";
import type { NewtonKrylovOptions } from "./newton.js";


function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * A pytree raveled into one vector: the tensor leaves of the template, each
 * flattened, concatenated in treeFlatten's order.
 */
export class Raveler {
  readonly treedef: TreeDef;
  readonly shapes: readonly (readonly number[])[];
  private readonly paths: PathEntry[][];
  readonly size: number;
  /** The template is a single tensor (ravel / unravel are reshapes). */
  readonly single: boolean;

  constructor(op: string, what: string, template: unknown) {
    const f = treeFlattenWithPath(template);
    if (f.leaves.length === 0)
      throw new ArgumentError(op, `${what} must be a tensor or a tree (plain object / array) holding tensors; got ${template === null ? "null" : typeof template}`);
    this.treedef = f.treedef;
    this.paths = f.paths;
    this.shapes = f.leaves.map((t) => t.shape.slice());
    this.size = f.leaves.reduce((s, t) => s + t.size, 0);
    this.single = template instanceof Tensor;
  }

  /** The vector of `tree`'s tensor leaves, checked against the template's structure and shapes. */
  ravel(op: string, what: string, tree: unknown): Tensor {
    const leaves = treeLeavesLike(op, what, "the unknown x", this.treedef, tree);
    leaves.forEach((t, i) => {
      const s = this.shapes[i];
      if (!shapesEqual(t.shape, s))
        throw new ShapeError(op, `${what}${this.paths[i].length > 0 ? ` at ${formatPath(this.paths[i])}` : ""} has shape ${fmtShape(t.shape)} but x has shape ${fmtShape(s)} there`);
    });
    if (leaves.length === 1) return reshape(leaves[0], [leaves[0].size]);
    return concat(leaves.map((t) => reshape(t, [t.size])), 0);
  }

  /** The tree of the template's structure whose leaves are the consecutive pieces of v (differentiable). */
  unravel(v: Tensor): unknown {
    if (this.shapes.length === 1) return treeUnflatten(this.treedef, [reshape(v, this.shapes[0])]);
    let off = 0;
    const leaves = this.shapes.map((s) => {
      const n = s.reduce((p, d) => p * d, 1);
      const piece = n === 0 ? zeros(s) : reshape(slice(v, [off, off + n]), s);
      off += n;
      return piece;
    });
    return treeUnflatten(this.treedef, leaves);
  }
}

/**
 * A solver's result: a tensor or tree x, or `{ x, iterations, … }` — a plain
 * object with key x whose other entries are numbers (solver statistics).
 */
function unpackResult(r: unknown): { x: unknown; iterations: number } {
  if (isPlainObject(r) && "x" in r && Object.keys(r).every((k) => k === "x" || typeof r[k] === "number")) {
    const it = r["iterations"];
    return { x: r["x"], iterations: typeof it === "number" ? it : NaN };
  }
  return { x: r, iterations: NaN };
}

/** mapExamples for an implicit function whose root is several tensors (see root.ts: solveExamples). */
function solveExamples(op: string, theta: Tensor[], solve: (theta: Tensor[]) => Tensor[], warm: (theta: Tensor[], x: Tensor[]) => Tensor[]): Tensor[] {
  return mapExamples(op, theta, (th) => closureBatchingHint(op, () => solve(th)), (th, x) => closureBatchingHint(op, () => warm(th, x)));
}

const plainTree = (tree: unknown): unknown => {
  const f = treeFlatten(tree);
  return f.leaves.length === 0 ? tree : treeUnflatten(f.treedef, f.leaves.map(plain));
};

/** What implicitRoot's solver returns: x (a tensor or a tree), or `{ x, iterations }` (other numeric entries allowed). */
export type TreeSolverResult<X> = X | { x: X; iterations?: number };

/** Options of {@link implicitRoot}. */
export interface ImplicitRootOptions<Theta extends unknown[] = Tensor[], X = Tensor> extends ImplicitOptions {
  /** Initial guess handed to the solver as its last argument: x (a tensor or a tree), or a function of θ (values only). */
  x0?: X | ((...theta: Theta) => X);
}

/**
 * Differentiate through a root-finding solver by the implicit function
 * theorem (JAX's custom_root). `residual(x, ...θ)` is F, written with
 * matgrad ops; `solver(...θ, x0)` is any plain function returning x with
 * F(x, θ) ≈ 0 (never differentiated). Returns θ ↦ x*(θ), differentiable to
 * any order, forward and reverse. x and each θ may be tensors or pytrees;
 * F(x, θ) returns a tree of x's structure. See root.ts for the method.
 */
export function implicitRoot<X, Theta extends unknown[]>(
  residual: (x: X, ...theta: Theta) => X,
  solver: (...args: [...theta: Theta, x0: X | undefined]) => TreeSolverResult<X>,
  options: ImplicitRootOptions<Theta, X> = {},
): (...theta: Theta) => X {
  const op = (options as { name?: unknown } | null)?.name;
  const name = typeof op === "string" ? op : "implicitRoot";
  if (typeof residual !== "function") throw new ArgumentError(name, "residual must be a function (x, ...theta) ↦ F(x, theta)");
  if (typeof solver !== "function") throw new ArgumentError(name, "solver must be a function (...theta, x0) ↦ x");
  const { x0: x0Opt, ...rest } = (options ?? {}) as ImplicitRootOptions<Theta, X>;
  const callSolver = solver as (...a: unknown[]) => unknown;
  const x0Of = (theta: unknown[]): unknown =>
    x0Opt === undefined ? undefined
      : typeof x0Opt === "function" ? plainTree(enableGrad(() => (x0Opt as (...t: unknown[]) => unknown)(...theta)))
      : plainTree(x0Opt);
  // validates the remaining options once, at construction (as the positional API does)
  implicitRootTensors(residual as unknown as (x: Tensor) => Tensor, () => zeros([1]), rest);
  const solveAt = (theta: unknown[]): unknown => {
    const tf = treeFlatten(theta);
    const plainTheta = treeUnflatten<unknown[]>(tf.treedef, tf.leaves.map(plain));
    // the first solve tells x's structure; the positional machinery then reuses its result
    let first: unknown = enableGrad(() => callSolver(...plainTheta, x0Of(plainTheta)));
    const take = (th: unknown[]): unknown => {
      if (first !== undefined) {
        const r = first;
        first = undefined;
        return r;
      }
      return enableGrad(() => callSolver(...th, x0Of(th)));
    };
    const x = unpackResult(first).x;
    if (x instanceof Tensor && theta.every((t) => t instanceof Tensor)) {
      const cached = (...args: unknown[]): unknown => take(args.slice(0, -1));
      return implicitRootTensors(residual as unknown as (x: Tensor, ...t: Tensor[]) => Tensor, cached as () => Tensor, rest)(...(theta as Tensor[]));
    }
    const rx = new Raveler(name, "the solver's x", x);
    const thetaOf = (leaves: readonly Tensor[]): unknown[] => treeUnflatten<unknown[]>(tf.treedef, leaves);
    const F = (xv: Tensor, ...tl: Tensor[]): Tensor =>
      rx.ravel(name, "the residual F(x, θ)", (residual as unknown as (...a: unknown[]) => unknown)(rx.unravel(xv), ...thetaOf(tl)));
    const solverFlat = (...args: unknown[]): { x: Tensor; iterations: number } => {
      const r = unpackResult(take(thetaOf(args.slice(0, -1) as Tensor[])));
      return { x: plain(rx.ravel(name, "the solver's x", r.x)), iterations: r.iterations };
    };
    const xv = implicitRootTensors(F, solverFlat as unknown as () => Tensor, rest)(...tf.leaves);
    return rx.unravel(xv);
  };
  return ((...thetaIn: unknown[]) => {
    const theta = thetaIn.map(topArg);
    const tf = treeFlatten(theta);
    if (!tf.leaves.some(isBatchedLive)) return closureBatchingHint(name, () => solveAt(theta));
    // under vmap the solver runs example by example (it reads values); the derivatives
    // restart from the known root with a solver that returns it
    let xdef: TreeDef | null = null;
    const leavesOf = (x: unknown): Tensor[] => {
      const f = treeFlatten(x);
      xdef = f.treedef;
      return f.leaves;
    };
    const thetaOf = (leaves: Tensor[]): unknown[] => treeUnflatten<unknown[]>(tf.treedef, leaves);
    const xs = solveExamples(name, tf.leaves, (l) => leavesOf(solveAt(thetaOf(l))), (l, known) => {
      const given = treeUnflatten(xdef!, known);
      return leavesOf((implicitRoot(residual, () => given as X, options) as (...t: unknown[]) => unknown)(...thetaOf(l)));
    });
    return treeUnflatten(xdef!, xs);
  }) as (...theta: Theta) => X;
}

const FIXED_POINT_OPTION_KEYS = new Set(["method", "rtol", "atol", "maxIter", "damping", "memory", "onIteration", "name", "tol", "linearSolve"]);

/** An options object: a plain object whose keys are all fixedPoint option names (anything else is a tree x0). */
function isFixedPointOptions(x: unknown): boolean {
  return x === undefined || (isPlainObject(x) && Object.keys(x).every((k) => FIXED_POINT_OPTION_KEYS.has(k)));
}

/**
 * The fixed point x* = T(x*, θ) reached from x0, differentiable in θ by
 * implicit differentiation (see fixedPoint.ts). x and θ may be tensors or
 * pytrees; T returns a tree of x's structure.
 *
 * - `fixedPoint(T, x0, ...theta)` solves with default options.
 * - `fixedPoint(T, options)` returns `(x0, ...theta) => x*`. A plain object
 *   whose keys are all option names is read as options, anything else as x0.
 */
export function fixedPoint<X, Theta extends unknown[]>(T: (x: X, ...theta: Theta) => X, x0: TransformArg<X>, ...theta: Theta): X;
export function fixedPoint<X, Theta extends unknown[]>(T: (x: X, ...theta: Theta) => X, options?: FixedPointOptions): (x0: TransformArg<X>, ...theta: Theta) => X;
export function fixedPoint(T: unknown, x0OrOptions?: unknown, ...theta: unknown[]): unknown {
  const Tf = T as (...a: unknown[]) => unknown;
  const run = (options: FixedPointOptions, x0In: unknown, thetaIn: unknown[]): unknown => {
    const x0 = topArg(x0In);
    const th = thetaIn.map(topArg);
    if (x0 instanceof Tensor && th.every((t) => t instanceof Tensor))
      return fixedPointTensors(Tf as (x: Tensor, ...t: Tensor[]) => Tensor, options)(x0, ...(th as Tensor[]));
    const name = options.name ?? "fixedPoint";
    const rx = new Raveler(name, "x0", x0);
    const tf = treeFlatten(th);
    const Tflat = (xv: Tensor, ...tl: Tensor[]): Tensor =>
      rx.ravel(name, "T(x, θ)", Tf(rx.unravel(xv), ...treeUnflatten<unknown[]>(tf.treedef, tl)));
    return rx.unravel(fixedPointTensors(Tflat, options)(rx.ravel(name, "x0", x0), ...tf.leaves));
  };
  if (isFixedPointOptions(x0OrOptions)) {
    const options = (x0OrOptions ?? {}) as FixedPointOptions;
    fixedPointTensors(Tf as (x: Tensor) => Tensor, options); // validates the options now
    return (x0: unknown, ...th: unknown[]) => run(options, x0, th);
  }
  return run({}, x0OrOptions, theta);
}

/** Options of {@link inverseOf}: the Newton solve of A(x) = y and the implicit backward solve. */
export interface InverseOfOptions<P extends unknown[] = Tensor[], X = Tensor, Y = X> extends ImplicitOptions {
  /** Initial guess: x (a tensor or a tree), or a function of (Y, ...p) (values only). Default: Y itself. */
  x0?: X | ((y: Y, ...params: P) => X);
  /** Options of the Newton–Krylov forward solve. */
  newton?: NewtonKrylovOptions;
}

/**
 * inverseOf(A, options) → (Y, ...params) ↦ X with A(X, ...params) = Y,
 * differentiable in Y and in the params, to any order (see inverse.ts). X, Y
 * and the params may be tensors or pytrees; by default X has Y's structure
 * (the initial guess is Y), else that of option x0.
 */
export function inverseOf<X, P extends unknown[], Y = X>(
  A: (x: X, ...params: P) => Y,
  options: InverseOfOptions<P, X, Y> = {},
): (y: TransformArg<Y>, ...params: P) => X {
  const Af = A as unknown as (...a: unknown[]) => unknown;
  const { x0: x0Opt, ...rest } = (options ?? {}) as InverseOfOptions<P, X, Y>;
  const name = typeof rest.name === "string" ? rest.name : "inverseOf";
  const tensorsOnly = x0Opt === undefined || x0Opt instanceof Tensor || typeof x0Opt === "function";
  const positional = inverseOfTensors(Af as (x: Tensor, ...p: Tensor[]) => Tensor, options as InverseOfTensorOptions);
  return ((yIn: unknown, ...paramsIn: unknown[]) => {
    const y = topArg(yIn);
    const params = paramsIn.map(topArg);
    // tensor Y and params: the positional path (an x0 function must then return a tensor)
    if (tensorsOnly && y instanceof Tensor && params.every((p) => p instanceof Tensor)) return positional(y, ...(params as Tensor[]));
    const ry = new Raveler(name, "Y", y);
    const pf = treeFlatten(params);
    const paramsOf = (leaves: readonly Tensor[]): unknown[] => treeUnflatten<unknown[]>(pf.treedef, leaves);
    const template = x0Opt === undefined ? y
      : typeof x0Opt === "function" ? enableGrad(() => (x0Opt as (...a: unknown[]) => unknown)(plainTree(y), ...paramsOf(pf.leaves.map(plain))))
      : x0Opt;
    const rx = new Raveler(name, "x0", template);
    const Aflat = (xv: Tensor, ...pl: Tensor[]): Tensor => ry.ravel(name, "A(X, params)", Af(rx.unravel(xv), ...paramsOf(pl)));
    const x0Flat = x0Opt === undefined ? undefined
      : typeof x0Opt === "function"
        ? (yv: Tensor, ...pl: Tensor[]): Tensor => rx.ravel(name, "x0", (x0Opt as (...a: unknown[]) => unknown)(ry.unravel(yv), ...paramsOf(pl)))
        : rx.ravel(name, "x0", x0Opt);
    const flatOptions: InverseOfTensorOptions = { ...rest, ...(x0Flat === undefined ? {} : { x0: x0Flat }) };
    const xv = inverseOfTensors(Aflat, flatOptions)(ry.ravel(name, "Y", y), ...pf.leaves);
    return rx.unravel(xv);
  }) as (y: TransformArg<Y>, ...params: P) => X;
}
