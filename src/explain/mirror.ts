/**
 * The symbolic mirror of a traced program (src/autodiff/trace.ts): every
 * step's outputs as named intermediates with a definition, its reverse pass
 * (VJP) and forward pass (JVP) as expressions, and the choice of which
 * intermediates keep their names in the printout (`where Y = X·X`).
 */
import * as E from "./expr.js";
import type { ExprNode } from "./expr.js";
import { symRuleOf, type StepContext, type SymRule } from "./rules.js";
import { countSyms, simplify } from "./simplify.js";
import type { Program } from "../autodiff/trace.js";
import { Tensor } from "../tensor/tensor.js";

type Ref = Program["output"];

export interface Mirror {
  /** One symbol per free input of the program. */
  readonly inputs: readonly ExprNode[];
  /** Per step, per output: the intermediate symbol. */
  readonly outs: ExprNode[][];
  /** Intermediate symbol id → its definition (in terms of inputs and earlier intermediates). */
  readonly defs: Map<number, ExprNode>;
  /** Intermediate ids in creation order. */
  readonly order: number[];
  /** Numeric values of inputs, constants and intermediates (by symbol id). */
  readonly values: Map<number, Tensor>;
  /** The program's result as an expression (an intermediate symbol, an input or a constant). */
  readonly output: ExprNode;
  /** Names of primitives shown as opaque operators. */
  readonly opaque: Set<string>;
  /** Constant symbols (closed-over tensors): name and shape, for the notes. */
  readonly constants: ExprNode[];
  readonly rules: SymRule<unknown>[];
  /** Per step: its input expressions. */
  readonly stepIns: ExprNode[][];
  readonly contexts: StepContext[];
  readonly program: Program;
}

export interface MirrorOptions {
  /** A custom rule for particular steps (custom functions: the user's traced rule). */
  ruleFor?: (c: StepContext, outShapes: readonly E.Shape[]) => SymRule<unknown> | undefined;
  /** Replace particular constant tensors by given expressions (a saved input seen as a constant). */
  constantExpr?: (t: Tensor) => ExprNode | undefined;
  /** Shared list of constants (so that sub-traces number theirs after the main program's). */
  constants?: ExprNode[];
}

let nextConst = 0;

/** A (batch of) square identity matrices, e.g. eye(n) closed over by f: printed as I. */
function isIdentity(t: Tensor): boolean {
  const n = t.shape[t.ndim - 1];
  if (t.ndim < 2 || t.shape[t.ndim - 2] !== n) return false;
  for (let k = 0; k < t.size; k++) {
    const r = k % (n * n);
    if (t.data[k] !== (Math.floor(r / n) === r % n ? 1 : 0)) return false;
  }
  return true;
}

function asList(r: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(r) ? r : [r];
}

/** Mirror a program whose free inputs are the given symbols with the given values. */
export function mirrorProgram(program: Program, inputs: readonly ExprNode[], inputValues: readonly Tensor[], opts: MirrorOptions = {}): Mirror {
  const values = new Map<number, Tensor>();
  inputs.forEach((s, i) => {
    if (s.kind === "sym") values.set(s.id, inputValues[i]);
  });
  const outs: ExprNode[][] = [];
  const vals: Tensor[][] = [];
  const defs = new Map<number, ExprNode>();
  const order: number[] = [];
  const opaque = new Set<string>();
  const constants: ExprNode[] = [];
  const constOf = new Map<Tensor, ExprNode>();
  const rulesUsed: SymRule<unknown>[] = [];
  const contexts: StepContext[] = [];
  const stepIns: ExprNode[][] = [];
  const seen = new Map<string, ExprNode>();
  const transposes = new Map<number, ExprNode>();
  const shared = opts.constants ?? constants;
  const constExpr = (t: Tensor): ExprNode => {
    const given = opts.constantExpr?.(t);
    if (given !== undefined) return given;
    if (t.size === 1 && t.ndim === 0) return E.num(t.data[0]);
    let c = constOf.get(t);
    if (c === undefined) {
      const v0 = t.data[0];
      let uniform = t.size > 0;
      for (let k = 1; k < t.size && uniform; k++) uniform = t.data[k] === v0;
      if (uniform && t.size > 0) c = E.scale(v0, E.ones(t.shape));
      else if (isIdentity(t)) c = E.identity(t.shape);
      else {
        // a constant is an operator without arguments: it carries its own value, also inside sub-traces
        const value = t._alias();
        c = { ...(E.op("const", `K${E.subscript(shared.length + 1)}`, [], t.shape, () => value) as E.OpNode), uid: nextConst++ };
        shared.push(c);
        if (shared !== constants) constants.push(c);
      }
      constOf.set(t, c);
    }
    return c;
  };
  const exprOf = (r: Ref): ExprNode => {
    switch (r.kind) {
      case "free": return inputs[r.i];
      case "captured": return constExpr(program.captured[r.i]);
      case "const": return constExpr(r.t);
      case "step": return outs[r.s][r.o];
    }
  };
  const valueOf = (r: Ref): Tensor => {
    switch (r.kind) {
      case "free": return inputValues[r.i];
      case "captured": return program.captured[r.i];
      case "const": return r.t;
      case "step": return vals[r.s][r.o];
    }
  };
  program.steps.forEach((st, s) => {
    const ins = st.ins.map(valueOf);
    const ov = asList(st.rule.forward(ins.map((t) => t._alias()), st.params));
    vals.push(ov);
    const c: StepContext = { rule: st.rule, params: st.params, name: st.rule.name, ins, outs: ov };
    const shapes = ov.map((t) => t.shape);
    let rule = opts.ruleFor?.(c, shapes);
    if (rule === undefined) {
      const r = symRuleOf(c, shapes);
      if (r.opaque) opaque.add(c.name);
      rule = r.rule;
    }
    rulesUsed.push(rule);
    contexts.push(c);
    const xin = st.ins.map(exprOf);
    stepIns.push(xin);
    const def = rule.forward(xin, st.params, c);
    const syms = ov.map((t, o) => {
      // common subexpressions: a step computing what an earlier one did (same operator on the same operands) shares its name
      const k = `${E.key(def[o])}@${t.shape.join(",")}`;
      const same = seen.get(k);
      if (same !== undefined) return same;
      // symmetric by structure, looking through named transposes (Y = Pᵀ·X with P = Xᵀ's step is Xᵀ·X)
      const y = E.sym(`_${s}_${o}`, "intermediate", t.shape, E.isSymmetric(substitute(def[o], transposes)));
      if (def[o].kind === "transpose") transposes.set((y as { id: number }).id, def[o]);
      seen.set(k, y);
      defs.set((y as { id: number }).id, def[o]);
      order.push((y as { id: number }).id);
      values.set((y as { id: number }).id, t);
      return y;
    });
    outs.push(syms);
  });
  return { inputs, outs, defs, order, values, output: exprOf(program.output), opaque, constants, rules: rulesUsed, contexts, program, stepIns };
}

/** Reverse pass: the cotangent expression of each free input, given the output's cotangent. */
export function mirrorVjp(m: Mirror, ct: ExprNode): (ExprNode | null)[] {
  const { program } = m;
  const acc: (ExprNode | null)[][] = m.outs.map((o) => o.map(() => null));
  const inAcc: (ExprNode | null)[] = m.inputs.map(() => null);
  const addTo = (r: Ref, g: ExprNode | null): void => {
    if (g === null) return;
    if (r.kind === "free") inAcc[r.i] = inAcc[r.i] === null ? g : E.add(inAcc[r.i]!, g);
    else if (r.kind === "step") acc[r.s][r.o] = acc[r.s][r.o] === null ? g : E.add(acc[r.s][r.o]!, g);
  };
  addTo(program.output, ct);
  for (let s = program.steps.length - 1; s >= 0; s--) {
    const cts = acc[s];
    if (cts.every((g) => g === null)) continue;
    const st = program.steps[s];
    const xs = m.stepIns[s];
    const gs = m.rules[s].vjp(cts, xs, m.outs[s], st.params, m.contexts[s]);
    st.ins.forEach((r, k) => {
      if (m.contexts[s].rule.nondiff?.includes(k)) return;
      addTo(r, gs[k] ?? null);
    });
  }
  return inAcc;
}

/** Forward pass: the output's tangent given tangent expressions of the free inputs (null = zero). */
export function mirrorJvp(m: Mirror, dx: readonly (ExprNode | null)[]): ExprNode | null {
  const { program } = m;
  const tan: (ExprNode | null)[][] = [];
  const tanOf = (r: Ref): ExprNode | null => (r.kind === "free" ? dx[r.i] : r.kind === "step" ? tan[r.s][r.o] : null);
  program.steps.forEach((st, s) => {
    const ts = st.ins.map(tanOf);
    if (ts.every((t) => t === null)) { tan.push(m.outs[s].map(() => null)); return; }
    const xs = m.stepIns[s];
    tan.push(m.rules[s].jvp(ts, xs, m.outs[s], st.params, m.contexts[s]));
  });
  return tanOf(program.output);
}

/** Replace symbols (by id) structurally, without any rewriting. */
export function substitute(e: ExprNode, subst: ReadonlyMap<number, ExprNode>, memo = new Map<ExprNode, ExprNode>()): ExprNode {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  const r = (x: ExprNode): ExprNode => substitute(x, subst, memo);
  let out: ExprNode;
  switch (e.kind) {
    case "sym": out = subst.get(e.id) ?? e; break;
    case "add": out = { ...e, terms: e.terms.map(r) }; break;
    case "scale": out = { ...e, x: r(e.x) }; break;
    case "smul": out = { ...e, s: r(e.s), x: r(e.x) }; break;
    case "matmul": out = { ...e, factors: e.factors.map(r) }; break;
    case "hadamard": out = { ...e, factors: e.factors.map(r) }; break;
    case "transpose": out = { ...e, x: r(e.x) }; break;
    case "div": out = { ...e, a: r(e.a), b: r(e.b) }; break;
    case "fn": out = { ...e, x: r(e.x) }; break;
    case "op": out = { ...e, args: e.args.map(r) }; break;
    default: out = e;
  }
  memo.set(e, out);
  return out;
}

/** Short enough to repeat rather than name: a symbol, a number, or a transpose / inverse / scaling of one. */
function atomic(e: ExprNode): boolean {
  switch (e.kind) {
    case "sym": case "num": case "identity": case "ones": case "zero": return true;
    case "transpose": case "scale": return atomic(e.x);
    // exp(X), det(A): as short as a name; tanh and σ keep theirs (their derivatives read 1 − Y², Y∘(1 − Y))
    case "fn": return e.name !== "tanh" && e.name !== "sigmoid" && atomic(e.x);
    case "op": return ["inv", "reshape", "broadcast", "det", "logdet", "tr", "expm"].includes(e.op) && e.args.every(atomic);
    default: return false;
  }
}

export interface Named {
  /** The final expressions with intermediates either inlined or referring to kept names. */
  finals: ExprNode[];
  /** Kept intermediates: symbol (renamed) and definition, in creation order. */
  kept: { sym: ExprNode; def: ExprNode }[];
}

/**
 * Decide which intermediates keep a name: one used at least twice (in the
 * final expressions and in the definitions of kept names) whose definition is
 * not atomic. The others are substituted. With `simplifyEach`, expressions
 * are simplified after substitution and the decision is revisited once
 * (a name used once after simplification is inlined).
 */
export function nameIntermediates(m: Mirror, finals0: readonly ExprNode[], pool: readonly string[], simplifyEach: boolean, reserved: readonly string[] = [], main?: readonly number[]): Named {
  let finals = finals0.slice();
  const defs = new Map(m.defs);
  let kept = new Set<number>(m.order);
  const count = (): Map<number, number> => {
    const c = new Map<number, number>();
    for (const f of finals) countSyms(f, c);
    for (const id of kept) countSyms(defs.get(id)!, c);
    return c;
  };
  const inline = (id: number): void => {
    const sub = new Map([[id, defs.get(id)!]]);
    kept.delete(id);
    finals = finals.map((f) => substitute(f, sub));
    for (const k of kept) defs.set(k, substitute(defs.get(k)!, sub));
  };
  for (const id of m.order.slice().reverse()) {
    const c = count();
    // a count from the definitions of kept names includes its own definition's references to itself: none
    if ((c.get(id) ?? 0) < 2 || atomic(defs.get(id)!)) inline(id);
  }
  if (simplifyEach) {
    finals = finals.map(simplify);
    for (const k of kept) defs.set(k, simplify(defs.get(k)!));
    for (const id of m.order.slice().reverse()) {
      if (!kept.has(id)) continue;
      const c = count();
      if ((c.get(id) ?? 0) < 2 || atomic(defs.get(id)!)) inline(id);
    }
    finals = finals.map(simplify);
    for (const k of kept) defs.set(k, simplify(defs.get(k)!));
    // a name earns its place when the adjoints (the main formulas) use it twice: the energy's
    // ∇ = 2·(Y·Xᵀ + Xᵀ·Y) keeps Y = X·X, tr(Xᵀ·A·X) has ∇ = (A + Aᵀ)·X rather than Yᵀ + A·X with Y = Xᵀ·A
    if (main !== undefined)
      for (const id of m.order.slice().reverse()) {
        if (!kept.has(id)) continue;
        const c = new Map<number, number>();
        for (const i of main) countSyms(finals[i], c);
        for (const k of kept) if (k !== id) countSyms(defs.get(k)!, c);
        if ((c.get(id) ?? 0) < 2) {
          inline(id);
          finals = finals.map(simplify);
          for (const k of kept) defs.set(k, simplify(defs.get(k)!));
        }
      }
  }
  // rename the kept intermediates in creation order: Y, Z, W, …
  const rename = new Map<number, ExprNode>();
  const out: { sym: ExprNode; def: ExprNode }[] = [];
  const used = new Set(reserved);
  const free = pool.filter((p) => !used.has(p));
  for (const id of m.order) {
    if (!kept.has(id)) continue;
    const old = m.outs.flat().find((s) => (s as { id: number }).id === id)!;
    // textbook names: L = chol(A), λ and V from eigh; else the next free letter
    const d = m.defs.get(id)!;
    const hint = d.kind === "op" ? ({ cholesky: "L", eigvals: "λ", eigvecs: "V" } as Partial<Record<string, string>>)[d.op] : undefined;
    let name = hint !== undefined && !used.has(hint) ? hint : free.find((p) => !used.has(p));
    if (name === undefined) { let k = 1; while (used.has(`T${E.subscript(k)}`)) k++; name = `T${E.subscript(k)}`; }
    used.add(name);
    const s: ExprNode = { ...(old as Extract<ExprNode, { kind: "sym" }>), name };
    rename.set(id, s);
    out.push({ sym: s, def: defs.get(id)! });
  }
  kept = new Set();
  return {
    finals: finals.map((f) => substitute(f, rename)),
    kept: out.map(({ sym, def }) => ({ sym, def: substitute(def, rename) })),
  };
}
