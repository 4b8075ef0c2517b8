/**
 * PyTorch-style custom differentiable functions:
 *
 * ```ts
 * class MatSquare extends Function {
 *   static forward(ctx: FunctionCtx<[Tensor]>, X: Tensor) { ctx.saveForBackward(X); return X.matmul(X); }
 *   // Y = X·X: dY = dX·X + X·dX, so ⟨G, dY⟩ = ⟨G·Xᵀ + Xᵀ·G, dX⟩
 *   static backward(ctx: FunctionCtx<[Tensor]>, G: Tensor) { const [X] = ctx.savedTensors; return G.matmul(X.mT).add(X.mT.matmul(G)); }
 *   static jvp(ctx: FunctionCtx<[Tensor]>, dX: Tensor) { const [X] = ctx.savedTensors; return dX.matmul(X).add(X.matmul(dX)); }
 * }
 * const Y = MatSquare.apply(X); // typed from forward: (X: Tensor) => Tensor
 * ```
 *
 * - `forward(ctx, ...args)` runs without recording (like PyTorch); tensor
 *   arguments are differentiable inputs, and so are the tensor leaves of
 *   pytree arguments (plain objects / arrays holding tensors); anything else
 *   (numbers, strings, options objects) is passed through. It returns a Tensor
 *   or an array of Tensors.
 * - `backward(ctx, ...grads)` gets one cotangent per output (zeros for outputs
 *   that received none, unless `ctx.setMaterializeGrads(false)`: then null) and
 *   returns one gradient per forward argument (null for "no gradient" and for
 *   non-tensor arguments). Written with matgrad ops it is itself differentiable
 *   (double backward). Saved inputs and outputs are re-bound to the tensors of
 *   the graph, so their dependence is seen by higher derivatives; other saved
 *   tensors are constants.
 * - `jvp(ctx, ...tangents)` (optional) gets one tangent per argument (zeros for
 *   tensors without tangent, null for non-tensors) and returns one tangent per output.
 * - With only one of backward / jvp, the other is derived by transposition
 *   (see core.ts): a JVP-only function works in reverse mode, a backward-only
 *   function (written with matgrad ops) in forward mode.
 * - `static onceDifferentiable = true`: double backward raises an AutogradError.
 */
import { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "../tensor/meta.js";
import { ArgumentError } from "../errors.js";
import { applyCustom, ArgTrees, Binding, DEFAULT_MATERIALIZE_LIMIT, OutTree, type CustomSpec } from "./core.js";

/**
 * The context object passed to forward, backward and jvp. `Saved` is the tuple
 * of tensors saved with saveForBackward, so `const [X] = ctx.savedTensors` is
 * typed `Tensor` (also under noUncheckedIndexedAccess): annotate
 * `ctx: FunctionCtx<[Tensor]>` in forward and backward alike. Extra fields
 * (ctx.k = 3) may be stored on it; type them with an intersection,
 * `ctx: FunctionCtx<[Tensor]> & { k: number }`.
 */
export class FunctionCtx<Saved extends (Tensor | null)[] = Tensor[]> {
  // the class name survives minification (a bundler renames the class; see src/errors.ts)
  static {
    Object.defineProperty(this, "name", { value: "FunctionCtx" });
  }
  /** User fields, as in PyTorch (ctx.k = 3). */
  [key: string]: unknown;
  private _needs: readonly boolean[];
  private readonly _saved: (Tensor | null)[] = [];
  private readonly _nondiff: Tensor[] = [];
  private _materialize = true;
  private readonly _binding: Binding;
  private readonly _name: string;

  constructor(name: string, needsInputGrad: boolean[], binding: Binding) {
    this._name = name;
    this._needs = needsInputGrad;
    this._binding = binding;
  }

  /**
   * Per forward argument: does it need a gradient? In forward: a tensor that
   * requires grad (with recording enabled); in backward: an input whose gradient
   * is wanted by this backward pass (or, when forward mode transposes the
   * backward, an input with a tangent). Non-tensor arguments: always false.
   */
  get needsInputGrad(): readonly boolean[] {
    return this._needs;
  }

  /** @internal */
  _withNeeds<T>(needs: readonly boolean[], fn: () => T): T {
    const prev = this._needs;
    this._needs = needs;
    try {
      return fn();
    } finally {
      this._needs = prev;
    }
  }

  /** Save tensors (inputs, outputs or intermediates) for backward / jvp. */
  saveForBackward(...tensors: Saved): void {
    tensors.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor))
        throw new ArgumentError(this._name, `saveForBackward: argument ${i} is not a Tensor (store other values as ctx fields)`);
    });
    this._saved.length = 0;
    for (const t of tensors) this._saved.push(t ?? null);
  }

  /**
   * The saved tensors (null where null was saved); inputs and outputs come back
   * as the graph's tensors, so backward stays differentiable in them.
   */
  get savedTensors(): Saved {
    return this._saved.map((t) => (t === null ? null : this._binding.map(t))) as Saved;
  }

  /** Mark outputs (returned by forward) as non-differentiable: they get no gradient and no tangent. */
  markNonDifferentiable(...outputs: Tensor[]): void {
    for (const o of outputs) {
      if (!(o instanceof Tensor)) throw new ArgumentError(this._name, "markNonDifferentiable expects output Tensors");
      this._nondiff.push(o);
    }
  }

  /** With false, backward receives null (not zeros) for outputs without cotangent, and jvp null for inputs without tangent. */
  setMaterializeGrads(value: boolean): void {
    this._materialize = value;
  }

  /** @internal */
  _materializeGrads(): boolean {
    return this._materialize;
  }

  /** @internal */
  _nonDifferentiable(): readonly Tensor[] {
    return this._nondiff;
  }
}

/**
 * The static side of a custom Function class. forward returns a Tensor or an
 * array of Tensors; backward one gradient per forward argument; jvp one
 * tangent per output (their results are checked when the function runs).
 */
export interface FunctionClass {
  readonly name: string;
  /** The forward computation: values in, output(s) out; save what backward / jvp need on `ctx`. */
  forward(ctx: never, ...args: never[]): unknown;
  /** One gradient per forward argument (checked at run time): a Tensor, null, a tree for a tree argument, or an array of them. */
  backward?(ctx: never, ...grads: never[]): unknown;
  /** One tangent per output (checked at run time): a Tensor or null, or an array of them. */
  jvp?(ctx: never, ...tangents: never[]): unknown;
  /** Refuse double backward (the backward is not differentiable, e.g. written with raw kernels). */
  onceDifferentiable?: boolean;
  /** Input entries above which a JVP-only black-box function's Jacobian is not materialized (default 1024). */
  materializeLimit?: number;
}

/**
 * Base class of custom differentiable functions (PyTorch's torch.autograd.Function).
 * Subclasses define static `forward` and `backward` and/or `jvp`; call them with
 * `MyFn.apply(...args)`.
 */
export class Function {
  // the class name survives minification (a bundler renames the class; see src/errors.ts)
  static {
    Object.defineProperty(this, "name", { value: "Function" });
  }
  /**
   * Run the function, recording it for reverse mode and propagating
   * forward-mode tangents. Typed from the subclass's static forward: the
   * arguments after ctx, and forward's return type.
   */
  static apply<C extends FunctionClass>(this: C, ...args: ForwardArgs<C>): ForwardResult<C> {
    return applyFunction(this, args) as ForwardResult<C>;
  }
}

/** The arguments of a Function subclass's apply: its static forward's parameters after ctx. */
export type ForwardArgs<C extends FunctionClass> = C["forward"] extends (ctx: never, ...args: infer A) => unknown ? A : never;
/** What a Function subclass's apply returns: its static forward's return type. */
export type ForwardResult<C extends FunctionClass> = C["forward"] extends (...args: never[]) => infer R ? R : never;

/**
 * Whether t takes part in reverse mode: it has a tape node, or — under vmap,
 * where the function sees a batched tensor — the physical tensor behind it
 * has one (grad outside the vmap differentiates the batched computation).
 */
function needsGrad(t: Tensor): boolean {
  for (let u: Tensor | null = t; u !== null; u = u._bt === null ? null : u._bt.value) if (u._node !== null) return true;
  return false;
}

type LooseForward = (ctx: FunctionCtx<(Tensor | null)[]>, ...args: unknown[]) => unknown;
type LooseDerivative = (ctx: FunctionCtx<(Tensor | null)[]>, ...args: (Tensor | null)[]) => unknown;

function applyFunction(cls: FunctionClass, args: readonly unknown[]): unknown {
  {
    const name = cls.name && cls.name.length > 0 ? cls.name : "Function";
    if (typeof cls.forward !== "function") throw new ArgumentError(name, "a custom Function needs a static forward(ctx, ...args)");
    const hasBackward = typeof cls.backward === "function", hasJvp = typeof cls.jvp === "function";
    if (!hasBackward && !hasJvp) throw new ArgumentError(name, "a custom Function needs a static backward(ctx, ...grads) or a static jvp(ctx, ...tangents)");
    // pytree arguments: the rule's inputs are the tensor leaves of all arguments (see ArgTrees)
    const trees = new ArgTrees(args);
    const tensorPos: number[] = [];
    if (trees.tree) trees.leaves.forEach((_, k) => tensorPos.push(k));
    else
      args.forEach((a, i) => {
        if (a instanceof Tensor) tensorPos.push(i);
      });
    const inputs = trees.tree ? trees.leaves : tensorPos.map((p) => args[p] as Tensor);
    const binding = new Binding();
    const outTree = new OutTree();
    let single = true;
    const grad = isGradEnabled();
    const ctx = new FunctionCtx<(Tensor | null)[]>(
      name,
      trees.tree ? trees.perArg(inputs.map((t) => needsGrad(t) && grad)) : args.map((a) => a instanceof Tensor && needsGrad(a) && grad),
      binding,
    );
    /** The arguments with ts at the inputs' places; other values kept, or null when `tangents`. */
    const withTensors = (ts: readonly (Tensor | null)[], tangents: boolean): unknown[] => {
      if (trees.tree) return trees.rebuild(ts, tangents);
      const a = args.map((v) => (tangents ? null : v));
      tensorPos.forEach((p, k) => (a[p] = ts[k]));
      return a;
    };
    const spec: CustomSpec = {
      name,
      args: trees.tree ? trees.leaves : args,
      tensorPos,
      forward(aliases) {
        binding.aliases = aliases;
        const r = outTree.flatten((cls.forward as LooseForward)(ctx, ...withTensors(aliases, false)));
        single = !Array.isArray(r);
        binding.rawOuts = Array.isArray(r) ? (r as Tensor[]) : [r as Tensor];
        return r;
      },
      backward: hasBackward
        ? (ins, outs, cts, needs) => {
          let perArg: boolean[];
          if (trees.tree) perArg = trees.perArg(needs);
          else {
            perArg = args.map(() => false);
            tensorPos.forEach((p, k) => (perArg[p] = needs[k]));
          }
          // a tree output gets its cotangent tree as one argument; otherwise one cotangent per output
          const ctArgs = outTree.def !== null ? [outTree.shape(cts, single) as Tensor] : cts;
          const raw = binding.with(ins, outs, () => ctx._withNeeds(perArg, () => (cls.backward as LooseDerivative)(ctx, ...ctArgs)));
          return trees.tree ? trees.gradsToLeaves(name, "backward", raw) : raw;
        }
        : null,
      jvp: hasJvp
        ? (ins, outs, tangents) =>
          binding.with(ins, outs, () => outTree.tangents(name, (cls.jvp as LooseDerivative)(ctx, ...(withTensors(tangents, true) as (Tensor | null)[]))))
        : null,
      onceDifferentiable: cls.onceDifferentiable === true,
      materializeGrads: () => ctx._materializeGrads(),
      nonDifferentiable: () => ctx._nonDifferentiable(),
      transpose: "auto",
      materializeLimit: cls.materializeLimit ?? DEFAULT_MATERIALIZE_LIMIT,
    };
    const res = applyCustom(spec, inputs);
    return outTree.result(res.outs, res.single);
  }
}
