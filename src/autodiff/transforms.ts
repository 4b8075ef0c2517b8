/**
 * Function transforms in the JAX / torch.func vocabulary: grad, valueAndGrad,
 * vjp, jvp, linearize, linearTranspose, jacobian (reverse and forward), hessian, hvp.
 * They compose to any order: each reverse transform differentiates with respect
 * to a fresh tape node, each forward transform opens a fresh tangent level.
 */
import { Tensor } from "../tensor/tensor.js";
import { LeafNode, enterForwardLevel, exitForwardLevel, isGradEnabled, isLevelLive, type TangentLink } from "../tensor/meta.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { apply, stripLevel, tangentAt } from "../ops/dispatch.js";
import { rules } from "../ops/registry.js";
import { asTensor, reshape, stack, type TensorLike } from "../ops/api.js";
import { zerosLike, zeros, randn } from "../tensor/create.js";
import { gradients } from "./engine.js";
import { trace, replay } from "./trace.js";

export type TensorFn = (...args: Tensor[]) => Tensor;
export type MultiFn = (...args: Tensor[]) => Tensor | Tensor[];

export interface ArgnumsOption {
  /** Which positional arguments to differentiate (default 0). An array returns one result per argument. */
  argnums?: number | readonly number[];
}

function normArgnums(op: string, argnums: number | readonly number[] | undefined, nargs: number): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : argnums.slice();
  for (const a of list)
    if (!Number.isInteger(a) || a < 0 || a >= nargs)
      throw new ArgumentError(op, `argnums ${a} is out of range for a call with ${nargs} argument(s)`);
  return list;
}

/** A tape node standing for x, so that gradients with respect to it are exactly ∂/∂x (closures over x not included). */
function reverseAlias(x: Tensor): Tensor {
  if (x._node === null) {
    const y = new Tensor(x.data, x.shape);
    y._fw = x._fw;
    y._node = new LeafNode(y);
    return y;
  }
  return apply(rules.identity, [x], null);
}

function toOutputs(op: string, r: Tensor | Tensor[]): Tensor[] {
  const outs = Array.isArray(r) ? r : [r];
  for (const o of outs) if (!(o instanceof Tensor)) throw new ArgumentError(op, "the function must return a Tensor or an array of Tensors");
  return outs;
}

function valueAndGradImpl(op: string, f: (...a: Tensor[]) => Tensor, argnums: number[], args: Tensor[]): { value: Tensor; grads: Tensor[] } {
  const aliased = args.slice();
  for (const i of argnums) aliased[i] = reverseAlias(args[i]);
  const value = f(...aliased);
  if (!(value instanceof Tensor)) throw new ArgumentError(op, "the function must return a scalar Tensor");
  if (value.size !== 1)
    throw new ShapeError(op, `the function must return a scalar (one element), got shape ${fmtShape(value.shape)}; use vjp or jacobian for non-scalar outputs`);
  const targets = argnums.map((i) => aliased[i]);
  if (value._node === null) return { value, grads: targets.map((t) => zerosLike(t)) };
  const gs = gradients(value, targets, { createGraph: isGradEnabled() ? "auto" : false, allowUnused: true });
  return { value, grads: gs.map((g, k) => g ?? zerosLike(targets[k])) };
}

/**
 * grad(f) is the function x ↦ ∇f(x) for a scalar-valued f. With argnums an
 * array, it returns one gradient per selected argument.
 */
export function grad(f: (...args: Tensor[]) => Tensor, opts: ArgnumsOption = {}): (...args: TensorLike[]) => any {
  return (...args: TensorLike[]) => {
    const ts = args.map(asTensor);
    const an = normArgnums("grad", opts.argnums, ts.length);
    const { grads } = valueAndGradImpl("grad", f, an, ts);
    return typeof opts.argnums === "object" ? grads : grads[0];
  };
}

/** Like grad, but also returns f's value: { value, grad }. */
export function valueAndGrad(f: (...args: Tensor[]) => Tensor, opts: ArgnumsOption = {}): (...args: TensorLike[]) => { value: Tensor; grad: any } {
  return (...args: TensorLike[]) => {
    const ts = args.map(asTensor);
    const an = normArgnums("valueAndGrad", opts.argnums, ts.length);
    const { value, grads } = valueAndGradImpl("valueAndGrad", f, an, ts);
    return { value, grad: typeof opts.argnums === "object" ? grads : grads[0] };
  };
}

/**
 * vjp(f, ...primals) evaluates f and returns its pullback: vjpFn(ct) = Jᵀ ct,
 * one cotangent per primal. For several outputs, pass one cotangent per output.
 */
export function vjp(f: MultiFn, ...primals: TensorLike[]): { out: any; vjpFn: (ct: TensorLike | TensorLike[]) => Tensor[] } {
  const ps = primals.map(asTensor);
  const aliased = ps.map(reverseAlias);
  const r = f(...aliased);
  const outs = toOutputs("vjp", r);
  const vjpFn = (ct: TensorLike | TensorLike[]): Tensor[] => {
    let cts: Tensor[];
    if (outs.length !== 1) cts = (ct as TensorLike[]).map(asTensor);
    else if (Array.isArray(ct) && ct.length === 1 && ct[0] instanceof Tensor) cts = [ct[0]];
    else cts = [asTensor(ct as TensorLike)];
    if (cts.length !== outs.length) throw new ArgumentError("vjp", `expected ${outs.length} cotangents, got ${cts.length}`);
    cts.forEach((c, i) => {
      if (!shapesEqual(c.shape, outs[i].shape))
        throw new ShapeError("vjp", `cotangent ${i} has shape ${fmtShape(c.shape)} but output ${i} has shape ${fmtShape(outs[i].shape)}`);
    });
    const live = outs.map((o, i) => [o, cts[i]] as const).filter(([o]) => o._node !== null);
    if (live.length === 0) return aliased.map((a) => zerosLike(a));
    const gs = gradients(live.map(([o]) => o), aliased, {
      gradOutputs: live.map(([, c]) => c), createGraph: isGradEnabled() ? "auto" : false, retainGraph: true, allowUnused: true,
    });
    return gs.map((g, k) => g ?? zerosLike(aliased[k]));
  };
  return { out: r, vjpFn };
}

/** A copy of p carrying tangent t at `level` (keeping p's other live tangents and its tape node). */
function makeDual(p: Tensor, t: Tensor, level: number, i: number): Tensor {
  if (!shapesEqual(p.shape, t.shape))
    throw new ShapeError("jvp", `tangent ${i} has shape ${fmtShape(t.shape)} but primal ${i} has shape ${fmtShape(p.shape)}`);
  const d = new Tensor(p.data, p.shape);
  d._node = p._node;
  d._outIdx = p._outIdx;
  let rest: TangentLink | null = p._fw;
  while (rest !== null && !isLevelLive(rest.level)) rest = rest.next;
  d._fw = { level, tangent: t, next: rest };
  return d;
}

/**
 * Forward mode: jvp(f, primals, tangents) = { out: f(primals), tangent: Df(primals)[tangents] },
 * the directional (Gateaux) derivative, computed alongside f in one pass.
 */
export function jvp(f: MultiFn, primals: TensorLike[], tangents: TensorLike[]): { out: any; tangent: any } {
  if (primals.length !== tangents.length)
    throw new ArgumentError("jvp", `${primals.length} primals but ${tangents.length} tangents`);
  const ps = primals.map(asTensor), ts = tangents.map(asTensor);
  const level = enterForwardLevel();
  let r: Tensor | Tensor[];
  try {
    r = f(...ps.map((p, i) => makeDual(p, ts[i], level, i)));
  } finally {
    exitForwardLevel(level);
  }
  const outs = toOutputs("jvp", r);
  const tans = outs.map((o) => tangentAt(o, level) ?? zerosLike(o));
  const prim = outs.map((o) => stripLevel(o, level));
  return Array.isArray(r) ? { out: prim, tangent: tans } : { out: prim[0], tangent: tans[0] };
}

/**
 * linearize(f, ...primals) = { out, jvpFn } where jvpFn(...tangents) = Df(primals)[tangents].
 * f and its JVP run once; the tangent computation is recorded as a program
 * (linear in the tangents) and each jvpFn call replays only that part — the
 * primal work is not redone. jvpFn is differentiable (linearTranspose(jvpFn)
 * gives the VJP). For functions with several outputs, each call runs jvp again.
 */
export function linearize(f: MultiFn, ...primals: TensorLike[]): { out: any; jvpFn: (...tangents: TensorLike[]) => any } {
  const ps = primals.map(asTensor);
  let out: Tensor | Tensor[] | undefined;
  let multi = false;
  const tangentOf = (...ts: Tensor[]): Tensor => {
    const r = jvp(f, ps, ts);
    out = r.out;
    if (Array.isArray(r.tangent)) {
      multi = true;
      return ts[0];
    }
    return r.tangent as Tensor;
  };
  // trace at generic (seeded random) tangents, so that no rule takes a special path for zeros
  const probes = ps.map((p, i) => randn(p.shape, { seed: 7919 + i }));
  const traced = trace("linearize", tangentOf, probes, ps);
  const check = (ts: Tensor[]): void => {
    if (ts.length !== ps.length) throw new ArgumentError("linearize", `expected ${ps.length} tangents, got ${ts.length}`);
    ts.forEach((t, i) => {
      if (!shapesEqual(t.shape, ps[i].shape))
        throw new ShapeError("linearize", `tangent ${i} has shape ${fmtShape(t.shape)} but primal ${i} has shape ${fmtShape(ps[i].shape)}`);
    });
  };
  const jvpFn = multi
    ? (...tangents: TensorLike[]) => jvp(f, ps, tangents).tangent
    : (...tangents: TensorLike[]) => {
        const ts = tangents.map(asTensor);
        check(ts);
        return replay(traced.program, ts);
      };
  return { out, jvpFn };
}

/**
 * The transpose of a linear function L (written with matgrad ops): given
 * example inputs (for their shapes), returns ct ↦ Lᵀ ct, one result per input.
 * Because L is linear, its VJP at any point (zero here) is its transpose.
 */
export function linearTranspose(linearFn: MultiFn, ...examples: TensorLike[]): (ct: TensorLike | TensorLike[]) => Tensor[] {
  const ex = examples.map(asTensor);
  return (ct: TensorLike | TensorLike[]) => vjp(linearFn, ...ex.map((e) => zeros(e.shape))).vjpFn(ct);
}

export interface JacobianOptions extends ArgnumsOption {
  /** "reverse": one VJP per output entry; "forward": one JVP per input entry. Default reverse. */
  mode?: "reverse" | "forward";
}

/**
 * jacobian(f)(...args): J[out index…, in index…] = ∂out/∂in, shape out.shape ++ in.shape,
 * one Jacobian per selected argument (an array when argnums is an array).
 */
export function jacobian(f: TensorFn, opts: JacobianOptions = {}): (...args: TensorLike[]) => any {
  return (...args: TensorLike[]) => {
    const ts = args.map(asTensor);
    const an = normArgnums("jacobian", opts.argnums, ts.length);
    const mode = opts.mode ?? "reverse";
    let jacs: Tensor[];
    if (mode === "reverse") {
      const { out, vjpFn } = vjp((...sel: Tensor[]) => {
        const full = ts.slice();
        an.forEach((a, k) => (full[a] = sel[k]));
        return f(...full);
      }, ...an.map((a) => ts[a]));
      const o = out as Tensor;
      const rows: Tensor[][] = an.map(() => []);
      for (let e = 0; e < o.size; e++) {
        const ct = new Float64Array(o.size);
        ct[e] = 1;
        const gs = vjpFn(new Tensor(ct, o.shape));
        gs.forEach((g, k) => rows[k].push(g));
      }
      jacs = an.map((a, k) => reshape(o.size === 0 ? zeros([0, ...ts[a].shape]) : stack(rows[k]), [...o.shape, ...ts[a].shape]));
    } else {
      jacs = an.map((a) => {
        const x = ts[a];
        const cols: Tensor[] = [];
        let outShape: readonly number[] | null = null;
        for (let e = 0; e < x.size; e++) {
          const t = new Float64Array(x.size);
          t[e] = 1;
          const tangents = ts.map((p, i) => (i === a ? new Tensor(t, x.shape) : zerosLike(p)));
          const r = jvp(f, ts, tangents);
          outShape = (r.out as Tensor).shape;
          cols.push(r.tangent as Tensor);
        }
        if (outShape === null) outShape = (f(...ts) as Tensor).shape;
        const n = cols.length;
        if (n === 0) return zeros([...outShape, ...x.shape]);
        // cols: n tensors of out.shape → stack on the last axis
        const st = stack(cols, cols[0].ndim);
        return reshape(st, [...outShape, ...x.shape]);
      });
    }
    return typeof opts.argnums === "object" ? jacs : jacs[0];
  };
}

/** hessian(f)(...args): the Hessian of a scalar f, by forward-over-reverse; shape in.shape ++ in.shape (blocks [i][j] for an argnums array). */
export function hessian(f: TensorFn, opts: ArgnumsOption = {}): (...args: TensorLike[]) => any {
  return (...args: TensorLike[]) => {
    const ts = args.map(asTensor);
    const an = normArgnums("hessian", opts.argnums, ts.length);
    const blocks = an.map((i) =>
      an.map((j) => jacobian(grad(f, { argnums: i }), { argnums: j, mode: "forward" })(...ts) as Tensor),
    );
    return typeof opts.argnums === "object" ? blocks : blocks[0][0];
  };
}

/**
 * Hessian-vector product H(primals)·tangents of a scalar f, by forward-over-reverse
 * (one JVP through the gradient), without forming H. Returns one result per argument.
 */
export function hvp(f: TensorFn, primals: TensorLike[], tangents: TensorLike[]): Tensor[] {
  const ps = primals.map(asTensor);
  const an = ps.map((_, i) => i);
  const g = (...xs: Tensor[]) => grad(f, { argnums: an })(...xs) as Tensor[];
  return jvp(g, ps, tangents).tangent as Tensor[];
}
