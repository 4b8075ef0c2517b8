/**
 * Function transforms in the JAX / torch.func vocabulary: grad, valueAndGrad,
 * vjp, jvp, linearize, linearTranspose, jacobian (reverse and forward), hessian, hvp.
 * They compose to any order: each reverse transform differentiates with respect
 * to a fresh tape node, each forward transform opens a fresh tangent level.
 *
 * Pytrees. Arguments and results may be nested plain objects and arrays of
 * tensors (src/tree). Each transform flattens at its boundary — the engine and
 * the rules only ever see flat lists of tensors — and rebuilds the user's
 * structure on the way out: `grad(loss)({ W, b }, X)` is `{ W: ∂loss/∂W, b: ∂loss/∂b }`.
 * Static leaves (numbers, strings, null, … inside a tree) are passed to f
 * unchanged and get `null` as their gradient, tangent or Jacobian entry.
 *
 * The top-level rule (backward compatibility with positional tensors): a
 * positional argument that is a number or a nested array of numbers only
 * (including `[]`) is converted to a tensor, as `tensor()` would, whether or
 * not it is differentiated — so `grad(f)(2)` and `grad(f)([[1, 2], [3, 4]])`
 * work. Anything else is a tree. Inside a tree a number is a static leaf; to
 * pass a static number positionally, put it in an object or close over it.
 * The same rule applies to tangents and cotangents at tensor slots.
 */
import { Tensor } from "../tensor/tensor.js";
import { markUnitBasis } from "../tensor/structure.js";
import { LeafNode, enterForwardLevel, exitForwardLevel, isGradEnabled, isLevelLive, setGradEnabled, type TangentLink } from "../tensor/meta.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { ArgumentError, BatchingError, ShapeError } from "../errors.js";
import { checkOptions, describe } from "../validate.js";
import { apply, stripLevel, tangentAt } from "../ops/dispatch.js";
import { rules } from "../ops/registry.js";
import { asTensor, concat, permute, reshape, slice, stack, type SliceSpec, type TensorLike } from "../ops/api.js";
import { vmap } from "./vmap.js";
import { zerosLike, zeros, randnPlain } from "../tensor/create.js";
import type { NestedArray } from "../tensor/tensor.js";
import {
  formatPath, treeFlatten, treeFlattenWithPath, treeLeavesLike, treeUnflatten,
  type PathEntry, type TensorTree, type TreeDef,
} from "../tree/index.js";
import { gradients } from "./engine.js";
import { trace, replay } from "./trace.js";

/** Jacobian entries (output entries × input entries) above which a dense Jacobian or Hessian is refused (2²² = 32 MiB of float64). */
export const MAX_JACOBIAN_ENTRIES = 1 << 22;

// ---------------------------------------------------------------------------
// Types: the transforms take their types from the user's function.

/** A function of tensors returning one tensor. */
export type TensorFn = (...args: Tensor[]) => Tensor;
/** A function of tensors returning one tensor or several. */
export type MultiFn = (...args: Tensor[]) => Tensor | Tensor[];

/**
 * What the function returned by a transform accepts where f takes a `T`: a
 * Tensor parameter also accepts numbers and nested number arrays (converted
 * at the top level); a parameter typed as a number (array) would receive a
 * tensor, so it is refused (`never`): pass static numbers inside an object.
 */
export type TransformArg<T> = T extends Tensor ? TensorLike : T extends NestedArray ? never : T;
/** TransformArg for each position of f's parameter list. */
export type TransformArgs<A extends readonly unknown[]> = { [K in keyof A]: TransformArg<A[K]> };

/**
 * What may be passed as a tangent or cotangent for a value of type T: the same
 * structure, with a tensor (or numbers) at each tensor leaf; static leaves
 * take any value (it is ignored; `null` is customary).
 */
export type TangentTree<T> = 0 extends 1 & T
  ? TensorLike // an untyped (any) parameter is taken as a tensor
  : T extends Tensor
  ? TensorLike
  : T extends NestedArray
    ? unknown
    : T extends readonly unknown[]
    ? { [K in keyof T]: TangentTree<T[K]> }
    : T extends (...args: never[]) => unknown
      ? unknown
      : T extends object
        ? T extends ArrayBufferView
          ? unknown
          : { [K in keyof T]: TangentTree<T[K]> }
        : unknown;

/** TangentTree for each position of f's parameter list. */
export type TangentArgs<A extends readonly unknown[]> = { [K in keyof A]: TangentTree<A[K]> };

/** argnums: one position, or a tuple of positions. */
export type Argnums = number | readonly number[];

type At<A, I> = I extends keyof A ? A[I] : never;

/**
 * The gradient (cotangent, tangent) type of a positional argument of type T: a
 * tensor for a tensor or a number (array), which the top-level rule converts;
 * else the tree with tensors at its tensor leaves and null at static leaves.
 */
export type ArgTree<T> = 0 extends 1 & T ? Tensor : T extends Tensor | NestedArray ? Tensor : TensorTree<T>;

/** ArgTree for each position of f's parameter list (vjpFn's and hvp's results). */
export type ArgsTree<A extends readonly unknown[]> = { -readonly [K in keyof A]: ArgTree<A[K]> };

/** The gradient(s) for argnums N: the selected argument's tree with tensors at its tensor leaves (a tuple for an array N). */
export type GradResult<A extends readonly unknown[], N> = N extends readonly number[]
  ? { -readonly [K in keyof N]: ArgTree<At<A, N[K]>> }
  : ArgTree<At<A, N>>;

/**
 * The Jacobian of an output of type R with respect to inputs whose gradient
 * type is G, as torch.func.jacrev nests it: R's structure outside, G inside,
 * each leaf the tensor ∂out/∂in of shape out.shape ++ in.shape (null for static leaves).
 */
export type JacobianTree<R, G> = 0 extends 1 & R
  ? G
  : R extends Tensor
  ? G
  : R extends readonly unknown[]
    ? { -readonly [K in keyof R]: JacobianTree<R[K], G> }
    : R extends (...args: never[]) => unknown
      ? null
      : R extends object
        ? R extends ArrayBufferView
          ? null
          : { -readonly [K in keyof R]: JacobianTree<R[K], G> }
        : null;

/** The `argnums` option of the transforms: which positional arguments are differentiated. */
export interface ArgnumsOption<N extends Argnums = Argnums> {
  /** Which positional arguments to differentiate (default 0). An array returns one result per argument (a tuple). */
  argnums?: N;
}

export interface GradOptions<N extends Argnums = Argnums> extends ArgnumsOption<N> {
  /**
   * The function returns `[out, aux]`: out is differentiated, aux (anything) is
   * returned as it is, not differentiated (JAX's has_aux).
   */
  hasAux?: boolean;
}

/** The `hasAux` option of the transforms (JAX's `has_aux`). */
export interface AuxOption {
  /** The function returns `[out, aux]`; aux is returned unchanged, not differentiated. */
  hasAux?: boolean;
}

/** Options of {@link jacobian}. */
export interface JacobianOptions<N extends Argnums = Argnums> extends ArgnumsOption<N> {
  /** "reverse": one VJP per output entry; "forward": one JVP per input entry. Default reverse. */
  mode?: "reverse" | "forward";
  /**
   * Largest Jacobian (output entries × input entries) that may be formed; a
   * larger one raises ArgumentError before the work starts. Default
   * MAX_JACOBIAN_ENTRIES = 2²² (32 MiB). For large problems use vjp / jvp / hvp products.
   */
  maxEntries?: number;
  /**
   * Basis directions per batched pass (torch.func.jacrev's chunk_size): the
   * Jacobian is computed by vmapping one VJP over the output basis (reverse)
   * or one JVP over the input basis (forward); chunkSize bounds how many rows
   * run at once, and so the memory of the intermediate values. Default: all at once.
   */
  chunkSize?: number;
  /**
   * true: batched passes only (vmap); false: one VJP / JVP pass per entry.
   * Default: batched, falling back to one pass per entry when the function's
   * derivative cannot run under vmap (it reads values: a BatchingError).
   */
  vectorize?: boolean;
}

/** Options of {@link hessian}. */
export interface HessianOptions<N extends Argnums = Argnums> extends ArgnumsOption<N> {
  /** Largest Hessian (input entries²) that may be formed; default MAX_JACOBIAN_ENTRIES. */
  maxEntries?: number;
  /** Input basis directions per batched forward-over-reverse pass (see JacobianOptions.chunkSize); default all at once. */
  chunkSize?: number;
  /** As JacobianOptions.vectorize. */
  vectorize?: boolean;
}

// ---------------------------------------------------------------------------
// Runtime helpers

function isNumericArray(x: unknown): boolean {
  if (!Array.isArray(x)) return false;
  for (const e of x) if (typeof e !== "number" && !isNumericArray(e)) return false;
  return true;
}

/**
 * The top-level rule: numbers and nested number arrays become tensors; anything else is a tree.
 * @internal (shared with the implicit functions)
 */
export function topArg(x: unknown): unknown {
  return typeof x === "number" || isNumericArray(x) ? asTensor(x as TensorLike) : x;
}

/** Tangents / cotangents at tensor slots: tensors, numbers and nested number arrays. */
function tensorOrNull(x: unknown): Tensor | null {
  return typeof x === "number" || isNumericArray(x) ? asTensor(x as TensorLike) : null;
}

function at(path: readonly PathEntry[]): string {
  return path.length === 0 ? "" : ` at ${formatPath(path)}`;
}


function normArgnums(op: string, argnums: unknown, nargs: number): number[] {
  const list: unknown[] = argnums === undefined ? [0] : Array.isArray(argnums) ? argnums.slice() : [argnums];
  for (const a of list)
    if (typeof a !== "number" || !Number.isInteger(a) || a < 0 || a >= nargs)
      throw new ArgumentError(op, `argnums ${String(a)} is out of range for a call with ${nargs} argument(s)`);
  const seen = new Set<number>();
  for (const a of list as number[]) {
    if (seen.has(a)) throw new ArgumentError(op, `argnums lists position ${a} twice: [${list.join(", ")}]`);
    seen.add(a);
  }
  return list as number[];
}

/** Unknown option keys raise ArgumentError with the valid keys and a did-you-mean (has_aux → hasAux). */
function checkOpts(op: string, opts: unknown, valid: readonly string[]): void {
  checkOptions(op, opts as object | undefined, valid);
}

function checkHasAux(op: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw new ArgumentError(op, `option hasAux must be true or false; got ${describe(v)}`);
  return v;
}

/** A tape node standing for x, so that gradients with respect to it are exactly ∂/∂x (closures over x not included). */
function reverseAlias(x: Tensor): Tensor {
  if (x._node === null) {
    const y = x._alias();
    y._fw = x._fw;
    y._node = new LeafNode(y);
    return y;
  }
  return apply(rules.identity, [x], null);
}

/** Splits f's result into [out, aux] when hasAux. */
function splitAux(op: string, r: unknown, hasAux: boolean): { out: unknown; aux: unknown } {
  if (!hasAux) return { out: r, aux: undefined };
  if (!Array.isArray(r) || r.length !== 2)
    throw new ArgumentError(op, `with hasAux: true the function must return [out, aux]; got ${describe(r)}`);
  return { out: r[0], aux: r[1] };
}

/** Flattens f's output tree; a static root (a number, undefined, …) is an error. */
function flattenOutput(op: string, out: unknown): { leaves: Tensor[]; paths: PathEntry[][]; treedef: TreeDef } {
  const fl = treeFlattenWithPath(out);
  if (!(out instanceof Tensor) && !Array.isArray(out) && (out === null || typeof out !== "object" || Object.getPrototypeOf(out) !== Object.prototype && Object.getPrototypeOf(out) !== null))
    throw new ArgumentError(op, `the function must return a Tensor or a tree (plain object / array) of Tensors; got ${describe(out)}`);
  return fl;
}

function checkShapes(op: string, what: string, ref: string, given: readonly Tensor[], refs: readonly Tensor[], paths: readonly PathEntry[][]): void {
  for (let i = 0; i < given.length; i++)
    if (!shapesEqual(given[i].shape, refs[i].shape))
      throw new ShapeError(op, `the ${what}${at(paths[i])} has shape ${fmtShape(given[i].shape)} but the ${ref}${at(paths[i])} has shape ${fmtShape(refs[i].shape)}`);
}

// ---------------------------------------------------------------------------
// Reverse mode

interface GradCore {
  value: Tensor;
  /** One gradient tree per selected argument. */
  grads: unknown[];
  aux: unknown;
}

function gradCore(op: string, f: (...args: never[]) => unknown, argnums: readonly number[], hasAux: boolean, args: unknown[]): GradCore {
  const flats = argnums.map((i) => treeFlatten(args[i]));
  const aliased = flats.map((fl) => fl.leaves.map(reverseAlias));
  const call = args.slice();
  argnums.forEach((i, k) => (call[i] = treeUnflatten(flats[k].treedef, aliased[k])));
  const { out: value, aux } = splitAux(op, (f as (...a: unknown[]) => unknown)(...call), hasAux);
  if (!(value instanceof Tensor))
    throw new ArgumentError(op, `the function must return a scalar Tensor${hasAux ? " as out in [out, aux]" : ""}; got ${describe(value)}`);
  if (value.size !== 1)
    throw new ShapeError(op, `the function must return a scalar (one element), got shape ${fmtShape(value.shape)}; use vjp or jacobian for non-scalar outputs`);
  const targets = aliased.flat();
  let gs: Tensor[];
  if (value._node === null || targets.length === 0) gs = targets.map((t) => zerosLike(t));
  else {
    const raw = gradients(value, targets, { createGraph: isGradEnabled() ? "auto" : false, allowUnused: true });
    gs = raw.map((g, k) => g ?? zerosLike(targets[k]));
  }
  let next = 0;
  const grads = flats.map((fl) => treeUnflatten<unknown>(fl.treedef, gs.slice(next, (next += fl.treedef.numLeaves)), { staticLeaves: "null" }));
  return { value, grads, aux };
}

function gradEntry(op: string, f: unknown, opts: unknown): { argnums: unknown; many: boolean; hasAux: boolean } {
  if (typeof f !== "function") throw new ArgumentError(op, `argument f must be a function; got ${describe(f)}`);
  checkOpts(op, opts, ["argnums", "hasAux"]);
  const o = (opts ?? {}) as GradOptions;
  return { argnums: o.argnums, many: Array.isArray(o.argnums), hasAux: checkHasAux(op, o.hasAux) };
}

/**
 * grad(f) is the function x ↦ ∇f(x) for a scalar-valued f. With argnums an
 * array, it returns one gradient per selected argument (a tuple). Arguments
 * may be pytrees: the gradient has the argument's structure (null at static
 * leaves). With `hasAux: true`, f returns `[out, aux]` and grad returns `[g, aux]`.
 */
export function grad<A extends unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  opts?: ArgnumsOption<N> & { hasAux?: false },
): (...args: TransformArgs<A>) => GradResult<A, N>;
export function grad<A extends unknown[], Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [Tensor, Aux],
  opts: ArgnumsOption<N> & { hasAux: true },
): (...args: TransformArgs<A>) => [GradResult<A, N>, Aux];
export function grad(f: (...args: never[]) => unknown, opts?: GradOptions): (...args: unknown[]) => unknown {
  const { argnums, many, hasAux } = gradEntry("grad", f, opts);
  return (...raw: unknown[]) => {
    const args = raw.map(topArg);
    const { grads, aux } = gradCore("grad", f, normArgnums("grad", argnums, args.length), hasAux, args);
    const g = many ? grads : grads[0];
    return hasAux ? [g, aux] : g;
  };
}

/** Like grad, but also returns f's value: `{ value, grad }` (and `aux` with hasAux, where value is out of `[out, aux]`). */
export function valueAndGrad<A extends unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  opts?: ArgnumsOption<N> & { hasAux?: false },
): (...args: TransformArgs<A>) => { value: Tensor; grad: GradResult<A, N> };
export function valueAndGrad<A extends unknown[], Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [Tensor, Aux],
  opts: ArgnumsOption<N> & { hasAux: true },
): (...args: TransformArgs<A>) => { value: Tensor; grad: GradResult<A, N>; aux: Aux };
export function valueAndGrad(f: (...args: never[]) => unknown, opts?: GradOptions): (...args: unknown[]) => unknown {
  const { argnums, many, hasAux } = gradEntry("valueAndGrad", f, opts);
  return (...raw: unknown[]) => {
    const args = raw.map(topArg);
    const { value, grads, aux } = gradCore("valueAndGrad", f, normArgnums("valueAndGrad", argnums, args.length), hasAux, args);
    const g = many ? grads : grads[0];
    return hasAux ? { value, grad: g, aux } : { value, grad: g };
  };
}

interface VjpCore {
  out: unknown;
  aux: unknown;
  /** Pull an output cotangent back: one input cotangent per primal (Jᵀ ct). */
  vjpFn: (ct: unknown) => unknown[];
}

function vjpCore(op: string, f: (...args: never[]) => unknown, rawPrimals: readonly unknown[], hasAux: boolean): VjpCore {
  if (typeof f !== "function") throw new ArgumentError(op, `argument f must be a function; got ${describe(f)}`);
  const primals = rawPrimals.map(topArg);
  const pf = treeFlatten(primals);
  const aliased = pf.leaves.map(reverseAlias);
  const call = treeUnflatten<unknown[]>(pf.treedef, aliased);
  const { out, aux } = splitAux(op, (f as (...a: unknown[]) => unknown)(...call), hasAux);
  const of = flattenOutput(op, out);
  const vjpFn = (ctIn: unknown): unknown[] => {
    // a single output also takes [ct], and an output [y] also takes ct (as the positional API always did)
    const ct = out instanceof Tensor && Array.isArray(ctIn) && ctIn.length === 1 && ctIn[0] instanceof Tensor ? ctIn[0]
      : Array.isArray(out) && out.length === 1 && out[0] instanceof Tensor && ctIn instanceof Tensor ? [ctIn] : ctIn;
    const cts = treeLeavesLike(op, "cotangents", "outputs", of.treedef, ct, tensorOrNull);
    checkShapes(op, "cotangent", "output", cts, of.leaves, of.paths);
    const live: number[] = [];
    of.leaves.forEach((o, j) => {
      if (o._node !== null) live.push(j);
    });
    let gs: Tensor[];
    if (live.length === 0 || aliased.length === 0) gs = aliased.map((a) => zerosLike(a));
    else {
      const raw = gradients(live.map((j) => of.leaves[j]), aliased, {
        gradOutputs: live.map((j) => cts[j]), createGraph: isGradEnabled() ? "auto" : false, retainGraph: true, allowUnused: true,
      });
      gs = raw.map((g, k) => g ?? zerosLike(aliased[k]));
    }
    return treeUnflatten<unknown[]>(pf.treedef, gs, { staticLeaves: "null" });
  };
  return { out, aux, vjpFn };
}

/** vjp's result: f's output and its pullback ct ↦ Jᵀct (one cotangent tree per primal, as a tuple). */
export interface VjpResult<A extends unknown[], R> {
  out: R;
  /** The pullback: an output cotangent ct ↦ Jᵀ ct, one cotangent tree per primal. */
  vjpFn: (ct: TangentTree<R>) => ArgsTree<A>;
}

/**
 * vjp(f, ...primals) evaluates f and returns its pullback: vjpFn(ct) = Jᵀ ct,
 * one cotangent tree per primal. The cotangent has the structure of f's output
 * (a tensor, an array of tensors, any tree). With options first,
 * `vjp({ hasAux: true }, f, ...primals)`, f returns `[out, aux]` and the result
 * also carries `aux` (a function is never an options object, so the two forms
 * cannot be confused).
 */
export function vjp<A extends unknown[], R>(f: (...args: A) => R, ...primals: TransformArgs<A>): VjpResult<A, R>;
export function vjp<A extends unknown[], R, Aux>(
  opts: { hasAux: true },
  f: (...args: A) => readonly [R, Aux],
  ...primals: TransformArgs<A>
): VjpResult<A, R> & { aux: Aux };
export function vjp(first: unknown, ...rest: unknown[]): unknown {
  if (typeof first === "function") {
    const r = vjpCore("vjp", first as (...a: never[]) => unknown, rest, false);
    return { out: r.out, vjpFn: r.vjpFn };
  }
  checkOpts("vjp", first, ["hasAux"]);
  const hasAux = checkHasAux("vjp", (first as AuxOption | null | undefined)?.hasAux);
  const r = vjpCore("vjp", rest[0] as (...a: never[]) => unknown, rest.slice(1), hasAux);
  return hasAux ? r : { out: r.out, vjpFn: r.vjpFn };
}

// ---------------------------------------------------------------------------
// Forward mode

/** A copy of p carrying tangent t at `level` (keeping p's other live tangents and its tape node). */
function makeDual(p: Tensor, t: Tensor, level: number): Tensor {
  const d = p._alias();
  d._node = p._node;
  d._outIdx = p._outIdx;
  let rest: TangentLink | null = p._fw;
  while (rest !== null && !isLevelLive(rest.level)) rest = rest.next;
  d._fw = { level, tangent: t, next: rest };
  return d;
}

interface JvpFlat {
  outLeaves: Tensor[];
  tanLeaves: Tensor[];
  outDef: TreeDef;
  out: unknown;
  aux: unknown;
}

/** One forward-mode pass of f (which takes the unflattened primals) at flat primal leaves ps with tangents ts (shapes checked by the caller). */
function jvpFlat(op: string, f: (...a: unknown[]) => unknown, treedef: TreeDef, ps: readonly Tensor[], ts: readonly Tensor[], hasAux: boolean): JvpFlat {
  const level = enterForwardLevel();
  let r: unknown;
  try {
    r = f(...treeUnflatten<unknown[]>(treedef, ps.map((p, i) => makeDual(p, ts[i], level))));
  } finally {
    exitForwardLevel(level);
  }
  const { out, aux } = splitAux(op, r, hasAux);
  const of = flattenOutput(op, out);
  const tanLeaves = of.leaves.map((o) => tangentAt(o, level) ?? zerosLike(o));
  const outLeaves = of.leaves.map((o) => stripLevel(o, level));
  let auxOut = aux;
  if (hasAux) {
    const af = treeFlatten(aux);
    if (af.leaves.length > 0) auxOut = treeUnflatten(af.treedef, af.leaves.map((a) => stripLevel(a, level)));
  }
  return { outLeaves, tanLeaves, outDef: of.treedef, out, aux: auxOut };
}

/** Primals (converted at the top level) and tangents matched against their structure. */
function primalsAndTangents(op: string, primalsIn: unknown, tangentsIn: unknown): { treedef: TreeDef; ps: Tensor[]; ts: Tensor[] } {
  if (!Array.isArray(primalsIn)) throw new ArgumentError(op, `argument primals must be an array (one entry per argument of f); got ${describe(primalsIn)}`);
  if (!Array.isArray(tangentsIn)) throw new ArgumentError(op, `argument tangents must be an array (one entry per primal); got ${describe(tangentsIn)}`);
  if (primalsIn.length !== tangentsIn.length) throw new ArgumentError(op, `${primalsIn.length} primals but ${tangentsIn.length} tangents`);
  const primals = primalsIn.map(topArg);
  const pf = treeFlattenWithPath(primals);
  const ts = treeLeavesLike(op, "tangents", "primals", pf.treedef, tangentsIn, tensorOrNull);
  checkShapes(op, "tangent", "primal", ts, pf.leaves, pf.paths);
  return { treedef: pf.treedef, ps: pf.leaves, ts };
}

/**
 * Forward mode: jvp(f, primals, tangents) = { out: f(primals), tangent: Df(primals)[tangents] },
 * the directional (Gateaux) derivative, computed alongside f in one pass.
 * primals is the argument list of f (each entry a tensor or a tree), tangents
 * has the same structure; the tangent has the structure of f's output. With
 * `{ hasAux: true }`, f returns `[out, aux]` and the result carries `aux`.
 */
export function jvp<A extends unknown[], R>(
  f: (...args: A) => R,
  primals: TransformArgs<A>,
  tangents: TangentArgs<A>,
  opts?: { hasAux?: false },
): { out: R; tangent: TensorTree<R> };
export function jvp<A extends unknown[], R, Aux>(
  f: (...args: A) => readonly [R, Aux],
  primals: TransformArgs<A>,
  tangents: TangentArgs<A>,
  opts: { hasAux: true },
): { out: R; tangent: TensorTree<R>; aux: Aux };
export function jvp(f: (...args: never[]) => unknown, primals: readonly unknown[], tangents: readonly unknown[], opts?: AuxOption): unknown {
  return jvpImpl("jvp", f, primals, tangents, opts);
}

function jvpImpl(op: string, f: (...args: never[]) => unknown, primals: unknown, tangents: unknown, opts?: AuxOption): unknown {
  if (typeof f !== "function") throw new ArgumentError(op, `argument f must be a function; got ${describe(f)}`);
  checkOpts(op, opts, ["hasAux"]);
  const hasAux = checkHasAux(op, opts?.hasAux);
  const { treedef, ps, ts } = primalsAndTangents(op, primals, tangents);
  const r = jvpFlat(op, f as (...a: unknown[]) => unknown, treedef, ps, ts, hasAux);
  const out = treeUnflatten(r.outDef, r.outLeaves);
  const tangent = treeUnflatten(r.outDef, r.tanLeaves, { staticLeaves: "null" });
  return hasAux ? { out, tangent, aux: r.aux } : { out, tangent };
}

/**
 * linearize(f, ...primals) = { out, jvpFn } where jvpFn(...tangents) = Df(primals)[tangents].
 * f and its JVP run once; the tangent computation is recorded as a program
 * (linear in the tangents) and each jvpFn call replays only that part — the
 * primal work is not redone. jvpFn is differentiable (linearTranspose(jvpFn)
 * gives the VJP). For functions with several output tensors, each call runs jvp again.
 */
export function linearize<A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: TransformArgs<A>
): {
  /** f(primals). */
  out: R;
  /** The pushforward: tangents ↦ Df(primals)[tangents] (replays the recorded tangent program). */
  jvpFn: (...tangents: TangentArgs<A>) => TensorTree<R>;
} {
  const op = "linearize";
  if (typeof f !== "function") throw new ArgumentError(op, `argument f must be a function; got ${describe(f)}`);
  const call = f as unknown as (...a: unknown[]) => unknown;
  const prim = (primals as readonly unknown[]).map(topArg);
  const pf = treeFlattenWithPath(prim);
  const ps = pf.leaves;
  let first: JvpFlat | null = null;
  let multi = false;
  const tangentOf = (...ts: Tensor[]): Tensor => {
    const r = jvpFlat(op, call, pf.treedef, ps, ts, false);
    first = r;
    if (r.tanLeaves.length !== 1) {
      multi = true;
      return ts[0];
    }
    return r.tanLeaves[0];
  };
  let program: ReturnType<typeof trace>["program"] | null = null;
  if (ps.length > 0) {
    // trace at generic (seeded random) tangents, so that no rule takes a special path for zeros
    const probes = ps.map((p, i) => randnPlain(p.shape, 7919 + i));
    program = trace(op, tangentOf, probes, ps).program;
  } else first = jvpFlat(op, call, pf.treedef, ps, [], false);
  const r0 = first as unknown as JvpFlat;
  const out = treeUnflatten<R>(r0.outDef, r0.outLeaves);
  const leavesOf = (tangents: unknown[]): Tensor[] => {
    const ts = treeLeavesLike(op, "tangents", "primals", pf.treedef, tangents, tensorOrNull);
    checkShapes(op, "tangent", "primal", ts, ps, pf.paths);
    return ts;
  };
  const jvpFn = (...tangents: unknown[]): TensorTree<R> => {
    if (tangents.length !== prim.length) throw new ArgumentError(op, `expected ${prim.length} tangents (one per primal), got ${tangents.length}`);
    const ts = leavesOf(tangents);
    if (multi || program === null) {
      const r = jvpFlat(op, call, pf.treedef, ps, ts, false);
      return treeUnflatten<TensorTree<R>>(r.outDef, r.tanLeaves, { staticLeaves: "null" });
    }
    return treeUnflatten<TensorTree<R>>(r0.outDef, [replay(program, ts)], { staticLeaves: "null" });
  };
  return { out, jvpFn: jvpFn as (...tangents: TangentArgs<A>) => TensorTree<R> };
}

/**
 * The transpose of a linear function L (written with matgrad ops): given
 * example inputs (for their shapes and structure), returns ct ↦ Lᵀ ct, one
 * result per input (a tuple). Because L is linear, its VJP at any point (zero here) is its transpose.
 */
export function linearTranspose<A extends unknown[], R>(
  linearFn: (...args: A) => R,
  ...examples: TransformArgs<A>
): (ct: TangentTree<R>) => ArgsTree<A> {
  const op = "linearTranspose";
  if (typeof linearFn !== "function") throw new ArgumentError(op, `argument linearFn must be a function; got ${describe(linearFn)}`);
  const ex = (examples as readonly unknown[]).map(topArg);
  const ef = treeFlatten(ex);
  const zs = treeUnflatten<unknown[]>(ef.treedef, ef.leaves.map((e) => zeros(e.shape)));
  return (ct: TangentTree<R>) => vjpCore(op, linearFn as (...a: never[]) => unknown, zs, false).vjpFn(ct) as ArgsTree<A>;
}

// ---------------------------------------------------------------------------
// Dense derivatives

function checkChunkSize(op: string, v: unknown): number {
  if (v === undefined) return Infinity;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ArgumentError(op, `option chunkSize must be a positive integer (basis directions per batched pass); got ${describe(v)}`);
  return v;
}

function checkVectorize(op: string, v: unknown): boolean | "auto" {
  if (v === undefined) return "auto";
  if (typeof v !== "boolean") throw new ArgumentError(op, `option vectorize must be true or false; got ${describe(v)}`);
  return v;
}

function checkMaxEntries(op: string, v: unknown): number {
  if (v === undefined) return MAX_JACOBIAN_ENTRIES;
  if (typeof v !== "number" || !(v >= 0)) throw new ArgumentError(op, `option maxEntries must be a number ≥ 0; got ${describe(v)}`);
  return v;
}

function tooLarge(op: string, what: string, outN: number, inN: number, limit: number): ArgumentError {
  return new ArgumentError(
    op,
    `the ${what} would have ${outN * inN} entries (${outN} output entries × ${inN} input entries), above maxEntries = ${limit}; ` +
      `use vjp / jvp (or hvp) products instead of the dense matrix, or raise maxEntries`,
  );
}

interface JacCore {
  /** f's output tree (its structure is the outer structure of the result). */
  outDef: TreeDef;
  /** J[j][i]: ∂ out leaf j / ∂ input leaf i, shape out_j.shape ++ in_i.shape. */
  blocks: Tensor[][];
}

/** How the dense Jacobian passes run (see {@link JacobianOptions.chunkSize} and vectorize). */
interface JacOpts {
  mode: "reverse" | "forward";
  limit: number;
  /** Basis directions per vmapped pass (Infinity: all in one). */
  chunk: number;
  /** true: vmap only; false: one pass per entry; "auto": vmap, falling back to passes per entry when the function cannot be batched. */
  vectorize: boolean | "auto";
}

/**
 * The dense Jacobian blocks of a function of flat input leaves xs (called
 * through `call`), as torch.func.jacrev / jacfwd: reverse mode pulls the
 * whole output basis back through ONE vmapped VJP (the function runs once,
 * the backward pass once, batched over the basis); forward mode pushes the
 * input basis through one vmapped JVP (primal work once, tangents batched).
 * `chunk` bounds the basis directions per pass (memory); a function that
 * cannot be batched (a BatchingError: it reads values in its derivative)
 * falls back to one pass per entry unless vectorize is true.
 */
function jacobianCore(op: string, call: (...xs: Tensor[]) => unknown, xs: readonly Tensor[], o: JacOpts): JacCore {
  if (o.vectorize === false) return jacobianLoop(op, call, xs, o.mode, o.limit);
  try {
    return o.mode === "reverse" ? jacobianRev(op, call, xs, o.limit, o.chunk) : jacobianFwd(op, call, xs, o.limit, o.chunk);
  } catch (e) {
    if (o.vectorize === "auto" && e instanceof BatchingError) return jacobianLoop(op, call, xs, o.mode, o.limit);
    throw e;
  }
}

/**
 * Rows [s, e) of the identity over the concatenation of tensors of `sizes`,
 * split per tensor: leaf j gets [e − s, …shapes[j]] (one 1 per row that falls in it).
 */
function basisChunk(shapes: readonly number[][], sizes: readonly number[], s: number, e: number): Tensor[] {
  const c = e - s;
  let off = 0;
  return shapes.map((shape, j) => {
    const n = sizes[j];
    const d = new Float64Array(c * n);
    for (let g = Math.max(s, off); g < Math.min(e, off + n); g++) d[(g - s) * n + (g - off)] = 1;
    // row r has its 1 at column r + s − off: products with it are row / column copies (kernels/basis.ts)
    markUnitBasis(d, { rows: c, n, shift: s - off });
    off += n;
    return new Tensor(d, [c, ...shape]);
  });
}

function jacobianRev(op: string, call: (...xs: Tensor[]) => unknown, xs: readonly Tensor[], limit: number, chunk: number): JacCore {
  const inN = xs.reduce((s, x) => s + x.size, 0);
  const pack = (...a: unknown[]) => call(...(a as Tensor[]));
  const { out, vjpFn } = vjpCore(op, pack as (...a: never[]) => unknown, xs.slice(), false);
  const of = flattenOutput(op, out);
  const sizes = of.leaves.map((l) => l.size);
  const outN = sizes.reduce((a, b) => a + b, 0);
  if (outN * inN > limit) throw tooLarge(op, "Jacobian", outN, inN, limit);
  const shapes = of.leaves.map((l) => l.shape.slice());
  // one vmapped pullback per chunk of the output basis: rows[i] collects [c, …xᵢ.shape] pieces
  const rows: Tensor[][] = xs.map(() => []);
  const pull = vmap((...cts: Tensor[]) => vjpFn(treeUnflatten(of.treedef, cts)) as Tensor[]);
  // the basis chunk (c × outN) and its pullback (c × inN) stay within the entry limit
  chunk = Math.min(chunk, Math.max(1, Math.floor(limit / Math.max(outN, inN, 1))));
  for (let s = 0; s < outN; s += chunk) {
    const e = Math.min(outN, s + chunk);
    const gs = pull(...basisChunk(shapes, sizes, s, e));
    gs.forEach((g, i) => rows[i].push(g));
  }
  const full = xs.map((x, i) => (rows[i].length === 0 ? zeros([0, ...x.shape]) : rows[i].length === 1 ? rows[i][0] : concat(rows[i], 0)));
  let off = 0;
  const blocks = of.leaves.map((l, j) => {
    const lo = off;
    off += sizes[j];
    // (one output leaf: its rows are all of them, no slice copy)
    return xs.map((x, i) => reshape(sizes[j] === outN ? full[i] : slice(full[i], [lo, lo + sizes[j]]), [...l.shape, ...x.shape]));
  });
  return { outDef: of.treedef, blocks };
}

/** fn with reverse-mode recording off (restored after, also on a throw). */
function withoutGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

function jacobianFwd(op: string, call: (...xs: Tensor[]) => unknown, xs: readonly Tensor[], limit: number, chunk: number): JacCore {
  const inN = xs.reduce((s, x) => s + x.size, 0);
  const pack = (...a: unknown[]) => call(...(a as Tensor[]));
  const xsCopy = xs.slice();
  const flatDef = treeFlatten(xsCopy).treedef;
  let first: JvpFlat | null = null;
  const check = (r: JvpFlat): void => {
    if (first !== null) return;
    first = r;
    const outN = r.outLeaves.reduce((s, l) => s + l.size, 0);
    if (outN * inN > limit) throw tooLarge(op, "Jacobian", outN, inN, limit);
  };
  if (inN === 0) {
    // no input entries: the output's shapes from one plain pass
    const r = jvpFlat(op, pack, flatDef, xsCopy, xs.map((x) => zeros(x.shape)), false);
    check(r);
    return { outDef: r.outDef, blocks: r.outLeaves.map((l) => xs.map((x) => zeros([...l.shape, ...x.shape]))) };
  }
  // one vmapped pushforward per chunk of the input basis (the primal outputs are not batched: captured from the pass)
  const push = vmap((...ts: Tensor[]) => {
    const r = jvpFlat(op, pack, flatDef, xsCopy, ts, false);
    check(r);
    return r.tanLeaves;
  });
  const sizes = xs.map((x) => x.size);
  const shapes = xs.map((x) => x.shape.slice());
  const cols: Tensor[][] = []; // cols[j]: pieces [c, …out_j.shape]
  // the output's size from one plain evaluation (no tape, no tangents: a small fraction of the batched
  // pass), checked against the limit before any basis is made; then chunks whose basis (c × inN) and
  // tangents (c × outN) stay within the limit
  const probe = flattenOutput(op, withoutGrad(() => pack(...xsCopy)));
  const outN = probe.leaves.reduce((a, l) => a + l.size, 0);
  if (outN * inN > limit) throw tooLarge(op, "Jacobian", outN, inN, limit);
  const step = Math.min(chunk, Math.max(1, Math.floor(limit / Math.max(outN, inN, 1))));
  for (let s = 0; s < inN; s += step) {
    const e = Math.min(inN, s + step);
    const ts = push(...basisChunk(shapes, sizes, s, e));
    ts.forEach((t, j) => (cols[j] ??= []).push(t));
  }
  const r0 = first as unknown as JvpFlat;
  const blocks = r0.outLeaves.map((l, j) => {
    // [inN, …out.shape] → […out.shape, inN], then split the last axis per input. The move is the
    // transpose of the [inN, outSize] matrix (a cache-blocked 2-D transpose, not an n-d permute)
    const all = cols[j].length === 1 ? cols[j][0] : concat(cols[j], 0);
    const moved = l.ndim === 0 ? all : reshape(permute(reshape(all, [inN, l.size]), [1, 0]), [...l.shape, inN]);
    let off = 0;
    return xs.map((x) => {
      const spec: SliceSpec[] = Array.from({ length: l.ndim }, () => null);
      spec.push([off, off + x.size]);
      off += x.size;
      // (one input: its columns are all of them, no slice copy)
      return reshape(x.size === inN ? moved : slice(moved, ...spec), [...l.shape, ...x.shape]);
    });
  });
  return { outDef: r0.outDef, blocks };
}

/** The per-entry Jacobian (one VJP per output entry or one JVP per input entry): vectorize false, and the fallback. */
function jacobianLoop(op: string, call: (...xs: Tensor[]) => unknown, xs: readonly Tensor[], mode: "reverse" | "forward", limit: number): JacCore {
  const inN = xs.reduce((s, x) => s + x.size, 0);
  const sizes = xs.map((x) => x.size);
  const xsCopy = xs.slice();
  const pack = (...a: unknown[]) => call(...(a as Tensor[]));
  const flatDef = treeFlatten(xsCopy).treedef;
  if (mode === "reverse") {
    const { out, vjpFn } = vjpCore(op, pack as (...a: never[]) => unknown, xsCopy, false);
    const of = flattenOutput(op, out);
    const outN = of.leaves.reduce((s, o) => s + o.size, 0);
    if (outN * inN > limit) throw tooLarge(op, "Jacobian", outN, inN, limit);
    const zs = of.leaves.map((o) => zeros(o.shape));
    const blocks = of.leaves.map((o, j) => {
      const rows: Tensor[][] = xs.map(() => []);
      for (let e = 0; e < o.size; e++) {
        const ct = zs.slice();
        const d = new Float64Array(o.size);
        d[e] = 1;
        ct[j] = new Tensor(d, o.shape);
        const gs = vjpFn(treeUnflatten(of.treedef, ct)) as Tensor[];
        gs.forEach((g, i) => rows[i].push(g));
      }
      return xs.map((x, i) => reshape(o.size === 0 ? zeros([0, ...x.shape]) : stack(rows[i]), [...o.shape, ...x.shape]));
    });
    return { outDef: of.treedef, blocks };
  }
  // forward: one JVP per input entry; the size check after the first pass (which gives the output's size)
  let outDef: TreeDef | null = null;
  let outLeaves: Tensor[] = [];
  const cols: Tensor[][][] = []; // cols[j][i][e]
  const start = (r: JvpFlat): void => {
    outDef = r.outDef;
    outLeaves = r.outLeaves;
    const outN = outLeaves.reduce((s, o) => s + o.size, 0);
    if (outN * inN > limit) throw tooLarge(op, "Jacobian", outN, inN, limit);
    for (let j = 0; j < outLeaves.length; j++) cols.push(xs.map(() => []));
  };
  const zx = xs.map((x) => zeros(x.shape));
  for (let i = 0; i < xs.length; i++)
    for (let e = 0; e < sizes[i]; e++) {
      const ts = zx.slice();
      const d = new Float64Array(sizes[i]);
      d[e] = 1;
      ts[i] = new Tensor(d, xs[i].shape);
      const r = jvpFlat(op, pack, flatDef, xsCopy, ts, false);
      if (outDef === null) start(r);
      r.tanLeaves.forEach((t, j) => cols[j][i].push(t));
    }
  if (outDef === null) {
    // no input entries: the shapes come from one plain evaluation
    const r = jvpFlat(op, pack, flatDef, xsCopy, zx, false);
    start(r);
  }
  const blocks = outLeaves.map((o, j) =>
    xs.map((x, i) => {
      const c = cols[j][i];
      if (c.length === 0) return zeros([...o.shape, ...x.shape]);
      // the columns are tensors of out.shape: stack them on a new last axis
      return reshape(stack(c, o.ndim), [...o.shape, ...x.shape]);
    }),
  );
  return { outDef: outDef as unknown as TreeDef, blocks };
}

/** Assembles jacobianCore's blocks into the nested result: out structure outside, the selected inputs' structure inside. */
function assembleJacobian(core: JacCore, inDefs: readonly TreeDef[], many: boolean): unknown {
  const perOut = core.blocks.map((row) => {
    let next = 0;
    const perArg = inDefs.map((d) => treeUnflatten(d, row.slice(next, (next += d.numLeaves)), { staticLeaves: "null" }));
    return many ? perArg : perArg[0];
  });
  return treeUnflatten(core.outDef, perOut, { staticLeaves: "null" });
}

function jacobianOf(op: string, f: (...args: never[]) => unknown, opts: JacobianOptions | undefined, raw: unknown[]): unknown {
  const args = raw.map(topArg);
  const an = normArgnums(op, opts?.argnums, args.length);
  const mode = opts?.mode ?? "reverse";
  if (mode !== "reverse" && mode !== "forward") throw new ArgumentError(op, `option mode must be "reverse" or "forward"; got ${describe(mode)}`);
  const limit = checkMaxEntries(op, opts?.maxEntries);
  const chunk = checkChunkSize(op, opts?.chunkSize);
  const vectorize = checkVectorize(op, opts?.vectorize);
  const flats = an.map((i) => treeFlatten(args[i]));
  const xs = flats.flatMap((fl) => fl.leaves);
  const call = (...sel: Tensor[]): unknown => {
    const full = args.slice();
    let next = 0;
    an.forEach((a, k) => (full[a] = treeUnflatten(flats[k].treedef, sel.slice(next, (next += flats[k].treedef.numLeaves)))));
    return (f as (...a: unknown[]) => unknown)(...full);
  };
  const core = jacobianCore(op, call, xs, { mode, limit, chunk, vectorize });
  return assembleJacobian(core, flats.map((fl) => fl.treedef), Array.isArray(opts?.argnums));
}

/**
 * jacobian(f)(...args): J[out index…, in index…] = ∂out/∂in, shape out.shape ++ in.shape.
 * For trees, the result nests as torch.func.jacrev: f's output structure
 * outside, the selected argument's structure inside (a tuple of them for an
 * argnums array). The size out entries × in entries is checked against
 * `maxEntries` (default MAX_JACOBIAN_ENTRIES) before the per-entry passes start.
 */
export function jacobian<A extends unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  opts?: JacobianOptions<N>,
): (...args: TransformArgs<A>) => JacobianTree<R, GradResult<A, N>> {
  const op = "jacobian";
  if (typeof f !== "function") throw new ArgumentError(op, `argument f must be a function; got ${describe(f)}`);
  checkOpts(op, opts, ["argnums", "mode", "maxEntries", "chunkSize", "vectorize"]);
  return ((...raw: unknown[]) => jacobianOf(op, f as (...a: never[]) => unknown, opts, raw)) as (
    ...args: TransformArgs<A>
  ) => JacobianTree<R, GradResult<A, N>>;
}

/**
 * hessian(f)(...args): the Hessian of a scalar f, by forward-over-reverse
 * (jacobian in forward mode of grad); shape in.shape ++ in.shape. For trees
 * and argnums arrays the blocks nest as jacobian's: H[i][j] = ∂²f/∂xᵢ∂xⱼ.
 * The size (input entries)² is checked against `maxEntries` before any work.
 */
export function hessian<A extends unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  opts?: HessianOptions<N>,
): (...args: TransformArgs<A>) => JacobianTree<GradResult<A, N>, GradResult<A, N>> {
  const op = "hessian";
  if (typeof f !== "function") throw new ArgumentError(op, `argument f must be a function; got ${describe(f)}`);
  checkOpts(op, opts, ["argnums", "maxEntries", "chunkSize", "vectorize"]);
  const limit = checkMaxEntries(op, opts?.maxEntries);
  return ((...raw: unknown[]) => {
    const args = raw.map(topArg);
    const an = normArgnums(op, opts?.argnums, args.length);
    const n = an.reduce((s, i) => s + treeFlatten(args[i]).leaves.reduce((t, x) => t + x.size, 0), 0);
    if (n * n > limit) throw tooLarge(op, "Hessian", n, n, limit);
    const g = (...xs: unknown[]): unknown => gradCore(op, f as (...a: never[]) => unknown, an, false, xs).grads;
    const many = Array.isArray(opts?.argnums);
    const inner = (...xs: unknown[]): unknown => {
      const gs = g(...xs) as unknown[];
      return many ? gs : gs[0];
    };
    const jo: JacobianOptions = { argnums: opts?.argnums ?? 0, mode: "forward", maxEntries: limit };
    if (opts?.chunkSize !== undefined) jo.chunkSize = opts.chunkSize;
    if (opts?.vectorize !== undefined) jo.vectorize = opts.vectorize;
    return jacobianOf(op, inner as (...a: never[]) => unknown, jo, args);
  }) as (...args: TransformArgs<A>) => JacobianTree<GradResult<A, N>, GradResult<A, N>>;
}

/**
 * Hessian-vector product H(primals)·tangents of a scalar f, by forward-over-reverse
 * (one JVP through the gradient), without forming H. primals is f's argument
 * list (tensors or trees), tangents has the same structure; returns one result
 * per argument (a tuple of trees of the primals' structure).
 */
export function hvp<A extends unknown[]>(f: (...args: A) => Tensor, primals: TransformArgs<A>, tangents: TangentArgs<A>): ArgsTree<A> {
  const op = "hvp";
  if (typeof f !== "function") throw new ArgumentError(op, `argument f must be a function; got ${describe(f)}`);
  const { treedef, ps, ts } = primalsAndTangents(op, primals, tangents);
  const nargs = (primals as readonly unknown[]).length;
  const an = Array.from({ length: nargs }, (_, i) => i);
  // the flat gradient of f as a function of the primal list: its JVP is H·t
  const g = (...xs: unknown[]): unknown => treeFlatten(gradCore(op, f as (...a: never[]) => unknown, an, false, xs).grads).leaves;
  const r = jvpFlat(op, g, treedef, ps, ts, false);
  return treeUnflatten<ArgsTree<A>>(treedef, r.tanLeaves, { staticLeaves: "null" });
}
