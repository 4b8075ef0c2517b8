/**
 * Functional custom derivatives, in the JAX vocabulary:
 *
 * - `customVjp(f, { fwd, bwd })`: f with a user VJP. `fwd(...args)` returns
 *   `[output, residuals]` (default: `[f(...args), args]`), `bwd(residuals, ct)`
 *   returns one gradient per argument (null for none / for non-tensor args).
 *   Residuals that are inputs or outputs are re-bound to the graph's tensors,
 *   so a bwd written with matgrad ops is differentiable again.
 * - `customJvp(f, jvpRule)`: f with a user JVP (its Gateaux derivative)
 *   `jvpRule(primals, tangents, out) = Df(primals)[tangents]`. Reverse mode
 *   comes from transposition: written with matgrad ops, the JVP is linear in
 *   the tangents, so VJP(ct) = ∇ₜ ⟨ct, Df(x)[t]⟩ is one reverse pass through it.
 *   A black-box JVP (one that only evaluates, for instance on raw arrays) is
 *   detected and its Jacobian materialized, one JVP per input entry, up to
 *   `materializeLimit` input entries (default 1024, a 32×32 matrix; and at most
 *   2²² Jacobian entries); above that an AutogradError explains the options.
 *   Such a VJP is once differentiable.
 *
 * Tensor arguments are differentiable; other arguments (numbers, options) pass
 * through. Arguments may be pytrees (plain objects / arrays of tensors): their
 * tensor leaves are differentiable, bwd returns a tree of the argument's
 * structure (null where there is no gradient), and the JVP rule gets tangent
 * trees. Outputs are a Tensor, an array of Tensors or a tree: bwd then gets
 * the cotangent tree (null at static leaves), the JVP rule returns a tangent tree.
 *
 * Types come from f: the wrapped function has f's signature, `bwd` receives
 * the residuals' type and a cotangent of f's output type, `jvpRule` the
 * primals and tangents typed per argument.
 */
import { checkOptions } from "../validate.js";
import { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "../tensor/meta.js";
import { ArgumentError } from "../errors.js";
import type { TensorTree } from "../tree/index.js";
import { applyCustom, ArgTrees, Binding, DEFAULT_MATERIALIZE_LIMIT, OutTree, type CustomSpec, type TransposeMode } from "./core.js";

/** What a custom function may return: a Tensor, an array of Tensors, or a pytree holding tensors. */
export type CustomOutput = unknown;

/** A gradient for an argument of type T: its tree with tensors at tensor leaves, or null / undefined for none. */
export type GradEntry<T> = TensorTree<T> | null | undefined;

/**
 * One gradient per argument (a tuple; a function of one argument may return
 * the entry itself). Non-tensor arguments take null.
 */
export type CustomGrads<A extends readonly unknown[]> = A extends readonly [infer X]
  ? GradEntry<X> | readonly GradEntry<X>[]
  : readonly GradEntry<A[number]>[];

/** The cotangent of an output of type R: a Tensor for a Tensor, an array for an array, the tree for a tree (null at static leaves). */
export type OutputTangent<R> = TensorTree<R>;

/** A tree of R's structure with a Tensor, null or undefined (zero) at each tensor leaf. */
export type NullableTree<R> = R extends Tensor
  ? Tensor | null | undefined
  : R extends readonly unknown[]
    ? { [K in keyof R]: NullableTree<R[K]> }
    : R extends object
      ? { [K in keyof R]: NullableTree<R[K]> }
      : unknown;

/** What a user JVP returns: one tangent per output (null for zero), in the output's structure. */
export type CustomTangents<R> = R extends Tensor
  ? Tensor | null | undefined
  : R extends readonly Tensor[]
    ? readonly (Tensor | null | undefined)[]
    : NullableTree<R>;

/**
 * The rules of {@link customVjp}: an optional forward pass saving residuals, and the backward pass (JAX's fwd /
 * bwd).
 */
export interface CustomVjpRules<A extends unknown[], R extends CustomOutput, Res> {
  /** Forward pass returning [output(s), residuals]; default [f(...args), args]. */
  fwd?: (...args: A) => readonly [R, Res];
  /** bwd(residuals, ct): ct has the output's structure (a Tensor, an array, a tree); one gradient per argument. */
  bwd: (residuals: Res, ct: OutputTangent<R>) => CustomGrads<A>;
}

/** Options common to {@link customVjp} and {@link customJvp}. */
export interface CustomOptions {
  /** Name used in errors (default: f.name). */
  name?: string;
}

/** Options of {@link customVjp}. */
export interface CustomVjpOptions extends CustomOptions {
  /** Refuse double backward through bwd. */
  onceDifferentiable?: boolean;
}

/** Options of {@link customJvp}. */
export interface CustomJvpOptions extends CustomOptions {
  /**
   * How reverse mode is derived from the JVP: "autodiff" (one reverse pass
   * through a JVP written with matgrad ops), "materialize" (the Jacobian, one
   * JVP per input entry), or "auto" (default): autodiff, falling back to
   * materialization for a black-box JVP.
   */
  transpose?: TransposeMode;
  /** Largest number of input entries whose Jacobian may be materialized (default 1024). */
  materializeLimit?: number;
}

/**
 * jvpRule(primals, tangents, out): primals are f's arguments, tangents has one
 * entry per argument (zeros for tensors without tangent, null for non-tensors;
 * a tree of tangents for a tree argument), out is f's output. Returns one
 * tangent per output.
 */
export type JvpRule<A extends unknown[] = Tensor[], R extends CustomOutput = CustomOutput> = (
  primals: A,
  tangents: { [K in keyof A]: TensorTree<A[K]> },
  out: R,
) => CustomTangents<R>;

type LooseFn = (...args: unknown[]) => CustomOutput;

function fnName(f: { name: string }, given: string | undefined, fallback: string): string {
  if (given !== undefined) return given;
  return f.name && f.name !== "anonymous" ? f.name : fallback;
}

function needsDerivatives(leaves: readonly unknown[]): boolean {
  const grad = isGradEnabled();
  for (const a of leaves) if (a instanceof Tensor && ((grad && a._node !== null) || a._fw !== null)) return true;
  return false;
}

function tensorPositions(args: readonly unknown[]): number[] {
  const pos: number[] = [];
  args.forEach((a, i) => {
    if (a instanceof Tensor) pos.push(i);
  });
  return pos;
}

function substitute(args: readonly unknown[], pos: readonly number[], ts: readonly (Tensor | null)[], rest: (a: unknown) => unknown): unknown[] {
  const a = args.map(rest);
  pos.forEach((p, k) => (a[p] = ts[k]));
  return a;
}

/**
 * How a call's arguments become rule inputs: positional tensors (the classic
 * path), or the tensor leaves of pytree arguments.
 */
interface CallArgs {
  /** The rule's inputs. */
  inputs: Tensor[];
  /** CustomSpec.args / tensorPos for the core (leaves when the call has trees). */
  specArgs: readonly unknown[];
  tensorPos: number[];
  /** Positional arguments with ts at the inputs' places; non-tensor arguments and static leaves kept, or null for `tangents`. */
  rebuild(ts: readonly (Tensor | null)[], tangents: boolean): unknown[];
  /** The user's per-argument gradients, one per rule input (the tree path flattens; the positional path passes through). */
  grads(name: string, what: string, raw: unknown): unknown;
}

function callArgs(args: readonly unknown[]): CallArgs {
  const trees = new ArgTrees(args);
  if (trees.tree) {
    return {
      inputs: trees.leaves,
      specArgs: trees.leaves,
      tensorPos: trees.leaves.map((_, k) => k),
      rebuild: (ts, tangents) => trees.rebuild(ts, tangents),
      grads: (name, what, raw) => trees.gradsToLeaves(name, what, raw),
    };
  }
  const pos = tensorPositions(args);
  return {
    inputs: pos.map((p) => args[p] as Tensor),
    specArgs: args,
    tensorPos: pos,
    rebuild: (ts, tangents) => substitute(args, pos, ts, tangents ? () => null : (a) => a),
    grads: (_name, _what, raw) => raw,
  };
}

/** f with a custom VJP (see the module comment). */
export function customVjp<A extends unknown[], R extends CustomOutput, Res>(
  f: (...args: A) => R,
  rules: CustomVjpRules<A, R, Res> & { fwd: (...args: A) => readonly [R, Res] },
  opts?: CustomVjpOptions,
): (...args: A) => R;
export function customVjp<A extends unknown[], R extends CustomOutput>(
  f: (...args: A) => R,
  rules: CustomVjpRules<A, R, A>,
  opts?: CustomVjpOptions,
): (...args: A) => R;
export function customVjp(fIn: unknown, rulesIn: unknown, opts: CustomVjpOptions = {}): unknown {
  const f = fIn as LooseFn;
  const rules = rulesIn as { fwd?: (...args: unknown[]) => readonly [CustomOutput, unknown]; bwd: (r: unknown, ct: unknown) => unknown };
  if (typeof f !== "function") throw new ArgumentError("customVjp", `argument f must be a function; got ${typeof f}`);
  checkOptions("customVjp", opts, ["name", "onceDifferentiable"]);
  opts ??= {};
  const name = fnName(f, opts.name, "customVjp");
  if (typeof rules?.bwd !== "function") throw new ArgumentError(name, "customVjp needs { bwd(residuals, ct) } (and optionally fwd)");
  const fwd = rules.fwd ?? ((...args: unknown[]): [CustomOutput, unknown] => [f(...args), args]);
  const wrapped = (...args: unknown[]): CustomOutput => {
    const call = callArgs(args);
    if (!needsDerivatives(call.inputs)) return f(...args);
    const binding = new Binding();
    const outTree = new OutTree();
    let residuals: unknown = null;
    let single = true;
    const spec: CustomSpec = {
      name, args: call.specArgs, tensorPos: call.tensorPos,
      forward(aliases) {
        binding.aliases = aliases;
        const r = fwd(...call.rebuild(aliases, false));
        if (!Array.isArray(r) || r.length !== 2)
          throw new ArgumentError(name, "customVjp: fwd must return [output, residuals]");
        residuals = r[1];
        const out = outTree.flatten(r[0]);
        single = !Array.isArray(out);
        binding.rawOuts = Array.isArray(out) ? (out as Tensor[]) : [out as Tensor];
        return out;
      },
      backward: (ins, outs, cts) =>
        binding.with(ins, outs, () => call.grads(name, "bwd", rules.bwd(binding.deepMap(residuals), outTree.shape(cts, single)))),
      jvp: null,
      onceDifferentiable: opts.onceDifferentiable === true,
      materializeGrads: () => true,
      nonDifferentiable: () => [],
      transpose: "auto",
      materializeLimit: DEFAULT_MATERIALIZE_LIMIT,
    };
    const r = applyCustom(spec, call.inputs);
    return outTree.result(r.outs, r.single);
  };
  Object.defineProperty(wrapped, "name", { value: name });
  return wrapped;
}

/** f with a custom JVP (Gateaux derivative); reverse mode by transposition (see the module comment). */
export function customJvp<A extends unknown[], R extends CustomOutput>(
  f: (...args: A) => R,
  jvpRule: JvpRule<A, R>,
  opts?: CustomJvpOptions,
): (...args: A) => R;
export function customJvp(fIn: unknown, jvpRuleIn: unknown, opts: CustomJvpOptions = {}): unknown {
  const f = fIn as LooseFn;
  const jvpRule = jvpRuleIn as (p: unknown, t: unknown, o: unknown) => unknown;
  if (typeof f !== "function") throw new ArgumentError("customJvp", `argument f must be a function; got ${typeof f}`);
  checkOptions("customJvp", opts, ["name", "transpose", "materializeLimit"]);
  opts ??= {};
  const name = fnName(f, opts.name, "customJvp");
  if (typeof jvpRule !== "function") throw new ArgumentError(name, "customJvp needs a jvpRule(primals, tangents, out)");
  const transpose = opts.transpose ?? "auto";
  if (transpose !== "auto" && transpose !== "autodiff" && transpose !== "materialize")
    throw new ArgumentError(name, `transpose must be "auto", "autodiff" or "materialize", got ${String(transpose)}`);
  const limit = opts.materializeLimit ?? DEFAULT_MATERIALIZE_LIMIT;
  if (!(limit >= 0)) throw new ArgumentError(name, `materializeLimit must be a non-negative number, got ${limit}`);
  const wrapped = (...args: unknown[]): CustomOutput => {
    const call = callArgs(args);
    if (!needsDerivatives(call.inputs)) return f(...args);
    const outTree = new OutTree();
    let single = true;
    const spec: CustomSpec = {
      name, args: call.specArgs, tensorPos: call.tensorPos,
      forward(aliases) {
        const r = outTree.flatten(f(...call.rebuild(aliases, false)));
        single = !Array.isArray(r);
        return r;
      },
      backward: null,
      jvp: (ins, outs, tangents) =>
        outTree.tangents(name, jvpRule(call.rebuild(ins, false), call.rebuild(tangents, true), outTree.result(outs, single))),
      onceDifferentiable: false,
      materializeGrads: () => true,
      nonDifferentiable: () => [],
      transpose,
      materializeLimit: limit,
    };
    const r = applyCustom(spec, call.inputs);
    return outTree.result(r.outs, r.single);
  };
  Object.defineProperty(wrapped, "name", { value: name });
  return wrapped;
}
