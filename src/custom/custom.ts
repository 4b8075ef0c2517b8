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
 * Tensor arguments are differentiable; other arguments (numbers, options) pass through.
 */
import { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "../tensor/meta.js";
import { ArgumentError } from "../errors.js";
import { applyCustom, Binding, DEFAULT_MATERIALIZE_LIMIT, type CustomSpec, type TransposeMode } from "./core.js";

type AnyFn = (...args: any[]) => Tensor | Tensor[];

export interface CustomVjpRules<R = any> {
  /** Forward pass returning [output(s), residuals]; default [f(...args), args]. */
  fwd?: (...args: any[]) => [Tensor | Tensor[], R];
  /** bwd(residuals, ct): ct is a Tensor for a single output, an array for several; one gradient per argument. */
  bwd: (residuals: R, ct: any) => Tensor | null | undefined | (Tensor | null | undefined)[];
}

export interface CustomOptions {
  /** Name used in errors (default: f.name). */
  name?: string;
}

export interface CustomVjpOptions extends CustomOptions {
  /** Refuse double backward through bwd. */
  onceDifferentiable?: boolean;
}

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

/** jvpRule(primals, tangents, out): tangents has one entry per argument (zeros for tensors without tangent, null for non-tensors). */
export type JvpRule = (primals: any, tangents: any, out: any) => Tensor | null | (Tensor | null)[];

function fnName(f: AnyFn, given: string | undefined, fallback: string): string {
  if (given !== undefined) return given;
  return f.name && f.name !== "anonymous" ? f.name : fallback;
}

function needsDerivatives(args: readonly unknown[]): boolean {
  const grad = isGradEnabled();
  for (const a of args) if (a instanceof Tensor && ((grad && a._node !== null) || a._fw !== null)) return true;
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

/** f with a custom VJP (see the module comment). */
export function customVjp<F extends AnyFn>(f: F, rules: CustomVjpRules, opts: CustomVjpOptions = {}): F {
  const name = fnName(f, opts.name, "customVjp");
  if (typeof rules?.bwd !== "function") throw new ArgumentError(name, "customVjp needs { bwd(residuals, ct) } (and optionally fwd)");
  const fwd = rules.fwd ?? ((...args: any[]): [Tensor | Tensor[], unknown] => [f(...args), args]);
  const wrapped = (...args: any[]): Tensor | Tensor[] => {
    if (!needsDerivatives(args)) return f(...args);
    const pos = tensorPositions(args);
    const binding = new Binding();
    let residuals: unknown = null;
    let single = true;
    const spec: CustomSpec = {
      name, args, tensorPos: pos,
      forward(aliases) {
        binding.aliases = aliases;
        const r = fwd(...substitute(args, pos, aliases, (a) => a));
        if (!Array.isArray(r) || r.length !== 2)
          throw new ArgumentError(name, "customVjp: fwd must return [output, residuals]");
        residuals = r[1];
        single = !Array.isArray(r[0]);
        binding.rawOuts = Array.isArray(r[0]) ? r[0] : [r[0]];
        return r[0];
      },
      backward: (ins, outs, cts) => binding.with(ins, outs, () => rules.bwd(binding.deepMap(residuals), single ? cts[0] : cts)),
      jvp: null,
      onceDifferentiable: opts.onceDifferentiable === true,
      materializeGrads: () => true,
      nonDifferentiable: () => [],
      transpose: "auto",
      materializeLimit: DEFAULT_MATERIALIZE_LIMIT,
    };
    const r = applyCustom(spec, pos.map((p) => args[p] as Tensor));
    return r.single ? r.outs[0] : r.outs;
  };
  Object.defineProperty(wrapped, "name", { value: name });
  return wrapped as F;
}

/** f with a custom JVP (Gateaux derivative); reverse mode by transposition (see the module comment). */
export function customJvp<F extends AnyFn>(f: F, jvpRule: JvpRule, opts: CustomJvpOptions = {}): F {
  const name = fnName(f, opts.name, "customJvp");
  if (typeof jvpRule !== "function") throw new ArgumentError(name, "customJvp needs a jvpRule(primals, tangents, out)");
  const transpose = opts.transpose ?? "auto";
  if (transpose !== "auto" && transpose !== "autodiff" && transpose !== "materialize")
    throw new ArgumentError(name, `transpose must be "auto", "autodiff" or "materialize", got ${String(transpose)}`);
  const limit = opts.materializeLimit ?? DEFAULT_MATERIALIZE_LIMIT;
  if (!(limit >= 0)) throw new ArgumentError(name, `materializeLimit must be a non-negative number, got ${limit}`);
  const wrapped = (...args: any[]): Tensor | Tensor[] => {
    if (!needsDerivatives(args)) return f(...args);
    const pos = tensorPositions(args);
    let single = true;
    const spec: CustomSpec = {
      name, args, tensorPos: pos,
      forward(aliases) {
        const r = f(...substitute(args, pos, aliases, (a) => a));
        single = !Array.isArray(r);
        return r;
      },
      backward: null,
      jvp: (ins, outs, tangents) =>
        jvpRule(substitute(args, pos, ins, (a) => a), substitute(args, pos, tangents, () => null), single ? outs[0] : outs),
      onceDifferentiable: false,
      materializeGrads: () => true,
      nonDifferentiable: () => [],
      transpose,
      materializeLimit: limit,
    };
    const r = applyCustom(spec, pos.map((p) => args[p] as Tensor));
    return r.single ? r.outs[0] : r.outs;
  };
  Object.defineProperty(wrapped, "name", { value: name });
  return wrapped as F;
}
