/**
 * Custom and implicit functions in explain. Their rules are made per call
 * (no registry entry), so their symbolic rules are built from what the rule
 * was made of (custom/introspect.ts):
 *
 * - a custom function (Function, customVjp, customJvp): its forward traced
 *   with symbolic inputs gives its value; the user's backward (or jvp) traced
 *   the same way — forward and backward in one trace, so residuals saved in
 *   forward are expressions too — is *the user's rule* as a formula. When a
 *   part cannot be traced (not written with matgrad ops, several outputs),
 *   it is an opaque operator evaluated by the rule itself.
 * - an implicit function x*(θ) with F(x*, θ) = 0: the adjoint equation.
 *   θ̄ = −(∂_θF)ᵀ[w] where w solves (∂ₓF)ᵀ[w] = x̄, and dx = v where v solves
 *   ∂ₓF[v] = −∂_θF[dθ]; both sides written with the symbolic mirror of F.
 */
import * as E from "./expr.js";
import type { ExprNode } from "./expr.js";
import type { StepContext, SymRule } from "./rules.js";
import { opaqueJvp, opaqueVjp } from "./rules.js";
import { mirrorProgram, mirrorVjp, mirrorJvp, substitute, type Mirror } from "./mirror.js";
import { simplify, inner as innerOf } from "./simplify.js";
import { customSpecOf, implicitOf } from "../custom/introspect.js";
import type { CustomSpec } from "../custom/core.js";
import { trace, replay, type Program } from "../autodiff/trace.js";
import { jacobian, jvp as jvpT } from "../autodiff/transforms.js";
import { Tensor } from "../tensor/tensor.js";
import { Generator } from "../tensor/random.js";
import { mT, neg, reshape } from "../ops/api.js";
import { solve } from "../linalg/index.js";

/** What custom rules report back to the explanation: constants, equations to solve, notes. */
export interface CustomContext {
  readonly constants: ExprNode[];
  readonly equations: { name: string; lhs: ExprNode; rhs: ExprNode; what: string; key: string; node: ExprNode }[];
  readonly notes: string[];
  /** Custom functions whose user rule was shown, with the VJP of their traced forward (for comparisons). */
  readonly customs: { name: string; user: (ExprNode | null)[]; exact: (ExprNode | null)[] }[];
  /** Use the VJP of a custom function's traced forward instead of the user's rule (the exact derivative). */
  readonly exact: boolean;
  /** Set when some custom function's forward could not be traced (then `exact` is not available everywhere). */
  inexact: boolean;
  /** How many custom-function steps were met. */
  customSteps: number;
}

export function newCustomContext(exact = false): CustomContext {
  return { constants: [], equations: [], notes: [], customs: [], exact, inexact: false, customSteps: 0 };
}

const asList = (r: unknown): Tensor[] => (Array.isArray(r) ? (r as Tensor[]) : [r as Tensor]);

function randomLike(g: Generator, shape: readonly number[]): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const d = new Float64Array(size);
  for (let i = 0; i < size; i++) d[i] = g.normal() + 0.5;
  return new Tensor(d, shape.slice());
}

/** The output of a mirrored program with every intermediate substituted by its definition (a closed formula). */
export function closedForm(m: Mirror, e: ExprNode): ExprNode {
  const resolved = new Map<number, ExprNode>();
  for (const id of m.order) resolved.set(id, substitute(m.defs.get(id)!, resolved));
  return substitute(e, resolved);
}

/** Trace g at the given values; null when it throws or its result does not depend on the inputs. */
function tryTrace(g: (...xs: Tensor[]) => Tensor, values: readonly Tensor[]): Program | null {
  try {
    const { program } = trace("explain", g, values);
    return program.output.kind === "step" || program.output.kind === "free" ? program : null;
  } catch {
    return null;
  }
}

/** The symbolic rule factory for steps without a registry entry (custom and implicit functions). */
export function customRules(cx: CustomContext): (c: StepContext, outShapes: readonly E.Shape[]) => SymRule<unknown> | undefined {
  const ruleFor = (c: StepContext, outShapes: readonly E.Shape[]): SymRule<unknown> | undefined => {
    const spec = customSpecOf.get(c.rule);
    if (spec !== undefined && outShapes.length === 1) {
      cx.customSteps++;
      return customSym(spec, c, cx, ruleFor);
    }
    const imp = implicitOf.get(c.rule);
    if (imp !== undefined) return implicitSym(imp.residual, imp.k, c, cx, ruleFor);
    return undefined;
  };
  return ruleFor;
}

type RuleFor = (c: StepContext, outShapes: readonly E.Shape[]) => SymRule<unknown> | undefined;

/** Mirror a traced sub-program at given argument expressions and return its closed-form output. */
function mirrorAt(prog: Program, args: readonly ExprNode[], values: readonly Tensor[], cx: CustomContext, ruleFor: RuleFor, constantExpr?: (t: Tensor) => ExprNode | undefined): { expr: ExprNode; m: Mirror } {
  const syms = values.map((v, i) => E.sym(`_a${i}`, "input", v.shape));
  const m = mirrorProgram(prog, syms, values, { ruleFor, constants: cx.constants, constantExpr });
  const bind = new Map(syms.map((s, i) => [(s as { id: number }).id, args[i]]));
  return { expr: substitute(closedForm(m, m.output), bind), m };
}

function customSym(spec: CustomSpec, c: StepContext, cx: CustomContext, ruleFor: RuleFor): SymRule<unknown> {
  const name = spec.name;
  const single = (c.rule.nOut ?? 1) === 1;
  const g = new Generator(7);
  const ctVal = randomLike(g, c.outs[0].shape);
  const fwdProg = tryTrace((...xs) => asList(spec.forward(xs))[0], c.ins);
  const needsAll = c.ins.map(() => true);
  // forward and the user's backward in one trace: residuals saved in forward become expressions of the inputs
  const bwd = new Map<number, Program | null>();
  const backwardProg = (i: number): Program | null => {
    if (spec.backward === null) return null;
    if (!bwd.has(i))
      bwd.set(i, tryTrace((G, ...xs) => {
        const o = asList(spec.forward(xs));
        const r = c.rule.vjp(single ? G : [G], xs, single ? o[0] : o, c.params, needsAll)[i];
        if (r === null || r === undefined) throw new RangeError("no gradient");
        return r;
      }, [ctVal, ...c.ins]));
    return bwd.get(i)!;
  };
  // forward and the user's JVP in one trace, with tangents for the inputs in `live`
  const userJvp = (live: readonly number[], dxs: readonly ExprNode[], x: readonly ExprNode[]): ExprNode | null => {
    if (spec.jvp === null) return null;
    const dVals = live.map((k) => randomLike(g, c.ins[k].shape));
    const prog = tryTrace((...all) => {
      const xs = all.slice(0, c.ins.length), ds = all.slice(c.ins.length);
      const o = asList(spec.forward(xs));
      const ts: (Tensor | null)[] = xs.map(() => null);
      live.forEach((k, j) => (ts[k] = ds[j]));
      const r = c.rule.jvp(ts, xs, single ? o[0] : o, c.params);
      const t = Array.isArray(r) ? r[0] : r;
      if (t === null || t === undefined) throw new RangeError("no tangent");
      return t;
    }, [...c.ins, ...dVals]);
    return prog === null ? null : mirrorAt(prog, [...x, ...dxs], [...c.ins, ...dVals], cx, ruleFor).expr;
  };
  return {
    forward: (x) => {
      if (fwdProg !== null) return [mirrorAt(fwdProg, x, c.ins, cx, ruleFor).expr];
      cx.inexact = true;
      cx.notes.push(`${name}: its forward is not traced through matgrad ops; shown as the operator ${name}(…).`);
      return [E.op("opaque", name, x, c.outs[0].shape, (vals) => asList(c.rule.forward(vals, c.params))[0])];
    },
    vjp: ([ct], x, out) => {
      if (ct === null) return x.map(() => null);
      const user = x.map((xi, i) => {
        const prog = backwardProg(i);
        if (prog === null && spec.backward === null) {
          // no user backward: autodiff transposes the user's JVP, and so does the formula (for a simple linear form)
          const t = E.sym("_t", "tangent", xi.shape);
          const L = userJvp([i], [t], x);
          const T = L === null ? null : transposeLinear(simplify(L), t, ct);
          if (T !== null) return T;
        }
        if (prog === null) {
          if (spec.backward !== null) cx.notes.push(`${name}: the backward is not traced through matgrad ops; its VJP is shown as the operator vjp_${name}.`);
          return opaqueVjp(c, x, out, [ct], i, xi.shape);
        }
        return mirrorAt(prog, [ct, ...x], [ctVal, ...c.ins], cx, ruleFor).expr;
      });
      // the VJP of the traced forward, for comparison with the user's rule
      if (fwdProg !== null) {
        const syms = c.ins.map((v, i) => E.sym(`_a${i}`, "input", v.shape));
        const m = mirrorProgram(fwdProg, syms, c.ins, { ruleFor, constants: cx.constants });
        const bind = new Map(syms.map((s, i) => [(s as { id: number }).id, x[i]]));
        const exact = mirrorVjp(m, ct).map((e) => (e === null ? null : substitute(closedForm(m, e), bind)));
        cx.customs.push({ name, user, exact });
        if (cx.exact) return exact;
      } else cx.inexact = true;
      return user;
    },
    jvp: (dx, x, out) => {
      // the exact derivative (gradcheck's reference): the JVP of the traced forward
      if (cx.exact && fwdProg !== null) {
        const syms = c.ins.map((v, i) => E.sym(`_a${i}`, "input", v.shape));
        const m = mirrorProgram(fwdProg, syms, c.ins, { ruleFor, constants: cx.constants });
        const bind = new Map(syms.map((sy, i) => [(sy as { id: number }).id, x[i]]));
        const t = mirrorJvp(m, dx);
        return [t === null ? null : substitute(closedForm(m, t), bind)];
      }
      if (cx.exact) cx.inexact = true;
      if (spec.jvp !== null) {
        const live = dx.map((d, k) => (d === null ? -1 : k)).filter((k) => k >= 0);
        if (live.length === 0) return [null];
        const t = userJvp(live, live.map((k) => dx[k]!), x);
        if (t !== null) return [t];
      }
      // no user JVP: autodiff transposes the user's VJP, and so does the formula (when the VJP is a simple linear form)
      if (spec.backward !== null) {
        const g = E.sym("_g", "cotangent", out[0].shape);
        const parts = dx.map((d, i) => {
          if (d === null) return E.zero(out[0].shape);
          const prog = backwardProg(i);
          if (prog === null) return null;
          return transposeLinear(simplify(mirrorAt(prog, [g, ...x], [ctVal, ...c.ins], cx, ruleFor).expr), g, d);
        });
        if (parts.every((p) => p !== null)) return [E.add(...(parts as ExprNode[]))];
      }
      return [opaqueJvp(c, x, out, dx, out[0].shape)];
    },
  };
}

/** Does e contain the symbol g? */
function has(e: ExprNode, g: ExprNode): boolean {
  if (e.kind === "sym" && g.kind === "sym") return e.id === g.id;
  return E.children(e).some((k) => has(k, g));
}

/**
 * The transpose of a map linear in g, applied to d: T with ⟨L(g), d⟩ = ⟨g, T(d)⟩.
 * Products: (A·M(g)·B)ᵀ[d] = Mᵀ[Aᵀ·d·Bᵀ]; Hadamard: (W∘M(g))ᵀ[d] = Mᵀ[W∘d]; (M(g)ᵀ)ᵀ[d] = Mᵀ[dᵀ];
 * a scalar cotangent g: (g·W)ᵀ[d] = ⟨W, d⟩. Null when L is not of these forms.
 */
export function transposeLinear(e: ExprNode, g: ExprNode, d: ExprNode): ExprNode | null {
  if (!has(e, g)) return null;
  switch (e.kind) {
    case "sym": return E.sameShape(e.shape, d.shape) ? d : null;
    case "scale": {
      const t = transposeLinear(e.x, g, d);
      return t === null ? null : E.scale(e.c, t);
    }
    case "add": {
      const ts = e.terms.map((t) => transposeLinear(t, g, d));
      return ts.every((t) => t !== null) ? E.add(...(ts as ExprNode[])) : null;
    }
    case "transpose": return transposeLinear(e.x, g, E.transpose(d));
    case "matmul": {
      const k = e.factors.findIndex((f) => has(f, g));
      if (k < 0 || e.factors.some((f, j) => j !== k && has(f, g))) return null;
      const left = e.factors.slice(0, k), right = e.factors.slice(k + 1);
      const inner = E.matmul(...(left.length > 0 ? [E.transpose(E.matmul(...left))] : []), d, ...(right.length > 0 ? [E.transpose(E.matmul(...right))] : []));
      return E.sameShape(inner.shape, e.factors[k].shape) ? transposeLinear(e.factors[k], g, inner) : null;
    }
    case "hadamard": {
      const k = e.factors.findIndex((f) => has(f, g));
      if (k < 0 || e.factors.some((f, j) => j !== k && has(f, g)) || !e.factors.every((f) => E.sameShape(f.shape, e.shape))) return null;
      return transposeLinear(e.factors[k], g, E.hadamard(...e.factors.filter((_, j) => j !== k), d));
    }
    case "div": {
      if (has(e.b, g) || !E.sameShape(e.a.shape, e.shape) || !E.sameShape(e.b.shape, e.shape)) return null;
      return transposeLinear(e.a, g, E.div(d, e.b));
    }
    case "smul": {
      if (!has(e.s, g)) {
        const t = transposeLinear(e.x, g, d);
        return t === null ? null : E.smul(e.s, t);
      }
      // a scalar cotangent times a matrix W: its transpose pairs d with W
      if (has(e.x, g) || e.s.kind !== "sym") return null;
      return innerOf(e.x, d);
    }
    default: return null;
  }
}


/** F with its captured constants turned into free inputs after [x, θ…] (so cotangents reach them). */
function freeCaptured(F: Program): Program {
  const n = F.freeShapes.length;
  type Ref = Program["output"];
  const map = (r: Ref): Ref => (r.kind === "captured" ? { kind: "free", i: n + r.i } : r);
  return {
    steps: F.steps.map((s) => ({ ...s, ins: s.ins.map(map) })),
    output: map(F.output),
    freeShapes: [...F.freeShapes, ...F.captured.map((t) => t.shape)],
    outShape: F.outShape,
    captured: [],
  };
}

function implicitSym(F0: Program, k: number, c: StepContext, cx: CustomContext, ruleFor: RuleFor): SymRule<unknown> {
  const F = freeCaptured(F0);
  const xVal = c.outs[0];
  const n = xVal.size;
  const vals = [xVal, ...c.ins];
  const syms = vals.map((v, i) => E.sym(`_f${i}`, "input", v.shape));
  const m = mirrorProgram(F, syms, vals, { ruleFor, constants: cx.constants });
  const name = c.name;
  /** Jacobian ∂ₓF at (x, inputs) as an n×n matrix. */
  const jx = (x: Tensor, ins: Tensor[]): Tensor => {
    const fx = (xx: Tensor): Tensor => replay(F, [xx, ...ins], []);
    return reshape(jacobian(fx)(x) as Tensor, [n, n]);
  };
  const bindAt = (x: ExprNode, ins: readonly ExprNode[]): Map<number, ExprNode> =>
    new Map(syms.map((s, i) => [(s as { id: number }).id, i === 0 ? x : ins[i - 1]]));
  return {
    forward: (x) => [E.op("opaque", name, x.slice(0, k), xVal.shape, () => xVal._alias())],
    vjp: ([ct], x, [out]) => {
      if (ct === null) return x.map(() => null);
      // w solves (∂ₓF)ᵀ[w] = x̄ at x = x*
      const nw = cx.equations.filter((q) => q.name.startsWith("w")).length;
      const wName = nw === 0 ? "w" : `w${E.subscript(nw + 1)}`;
      const w0 = E.op("opaque", wName, [ct, out, ...x], xVal.shape, ([g, xx, ...ins]) => {
        const J = jx(xx, ins);
        return reshape(solve(mT(J), reshape(g, [n, 1])), xVal.shape.slice());
      });
      // printed as just its name (a "const" operator keeps its arguments for the evaluation)
      const label = { ...(w0 as E.OpNode), op: "const" as const };
      const bind = bindAt(out, x);
      const adj = mirrorVjp(m, label).map((e) => (e === null ? null : substitute(closedForm(m, e), bind)));
      const lhs = adj[0] ?? E.zero(xVal.shape);
      cx.equations.push({ name: wName, lhs, rhs: ct, what: `the adjoint equation of ${name}`, key: "", node: label });
      // θ̄ = −(∂_θF)ᵀ[w]; w prints as its name and evaluates by solving the equation numerically
      return x.map((_, i) => (adj[1 + i] === null ? null : E.neg(adj[1 + i]!)));
    },
    jvp: (dx, x, [out]) => {
      const live = dx.map((d, j) => (d === null ? -1 : j)).filter((j) => j >= 0);
      if (live.length === 0) return [null];
      const bind = bindAt(out, x);
      const dF = mirrorJvp(m, [null, ...dx]);
      const rhs = dF === null ? E.zero(xVal.shape) : E.neg(substitute(closedForm(m, dF), bind));
      // the same tangent equation (same right-hand side) is named once
      const rkey = `${name}:${E.key(simplify(rhs))}`;
      const seen = cx.equations.find((q) => q.key === rkey);
      if (seen !== undefined) return [seen.node];
      const vName = `v${cx.equations.filter((q) => q.name.startsWith("v")).length === 0 ? "" : E.subscript(cx.equations.filter((q) => q.name.startsWith("v")).length + 1)}`;
      const v0 = E.op("opaque", vName, [out, ...x, ...live.map((j) => dx[j]!)], xVal.shape, ([xx, ...rest]) => {
        const ins = rest.slice(0, x.length), ds = rest.slice(x.length);
        const J = jx(xx, ins);
        const full = ins.map((t) => new Tensor(new Float64Array(t.size), t.shape));
        live.forEach((j, q) => (full[j] = ds[q]));
        const dFv = jvpT((...th: Tensor[]) => replay(F, [xx, ...th], []), ins, full).tangent as Tensor;
        return reshape(solve(J, reshape(neg(dFv), [n, 1])), xVal.shape.slice());
      });
      const label = { ...(v0 as E.OpNode), op: "const" as const };
      const lhs = mirrorJvp(m, [label, ...x.map(() => null)]);
      cx.equations.push({ name: vName, lhs: lhs === null ? E.zero(xVal.shape) : substitute(closedForm(m, lhs), bind), rhs, what: `the tangent equation of ${name}`, key: rkey, node: label });
      return [label];
    },
  };
}
