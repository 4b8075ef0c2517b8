/**
 * explain(f, ...exampleArgs): the derivative of f in matrix notation, verified.
 *
 * 1. Trace f at the example point (autodiff/trace.ts) into a program of primitives.
 * 2. Mirror it symbolically (mirror.ts): each primitive's symbolic rule
 *    (rules.ts) writes its value, VJP and JVP as expressions.
 * 3. Name intermediates used more than once (`where Y = X·X`), inline the rest.
 * 4. Simplify (simplify.ts).
 * 5. Evaluate every printed expression at the example point — the VJP with a
 *    random cotangent Ḡ against matgrad's `vjp`, the JVP with random tangents
 *    dX against `jvp`, each definition against the traced value — and show
 *    the simplified form only if it matches; else the unsimplified one with a
 *    note; if neither matches, the formula is marked unverified and said so.
 */
import * as E from "./expr.js";
import type { ExprNode } from "./expr.js";
import { mirrorProgram, mirrorVjp, mirrorJvp, nameIntermediates, type MirrorOptions } from "./mirror.js";
import { simplify } from "./simplify.js";
import { evaluate, relError, type EvalEnv } from "./evaluate.js";
import { trace } from "../autodiff/trace.js";
import { vjp as vjpT, jvp as jvpT } from "../autodiff/transforms.js";
import { Tensor } from "../tensor/tensor.js";
import { scalar } from "../tensor/create.js";
import { Generator } from "../tensor/random.js";
import { ArgumentError } from "../errors.js";
import { customRules, newCustomContext } from "./custom.js";

export type { ExprNode } from "./expr.js";

/** Options of `explain`. */
/** Options of {@link explain}, passed after the example inputs. */
export interface ExplainOptions {
  /** Input names (default: f's parameter names when they are plain identifiers, else X, or A, B, C, …). */
  names?: readonly string[];
  /** Seed of the random cotangent / tangents used for the numeric check (default 0). */
  seed?: number;
  /** Simplify (default true); false shows the raw mirror of the program. */
  simplify?: boolean;
}

/** One derivative in an {@link Explanation}, in Unicode, LaTeX and as an expression tree. */
/** One formula of an explanation: text, LaTeX, expression tree and its numeric check. */
export interface ExplainTerm {
  /** Unicode, e.g. "2·(Y·Xᵀ + Xᵀ·Y)". */
  readonly text: string;
  /** LaTeX (KaTeX-compatible). */
  readonly latex: string;
  readonly tree: ExprNode;
  /** Numerically equal to autodiff at the example point. */
  readonly verified: boolean;
  /** False when the simplified form did not verify and the unsimplified one is shown. */
  readonly simplified: boolean;
  /** Relative error of the numeric check (max-norm). */
  readonly error: number;
}

/** A named intermediate of an {@link Explanation} (Y = X·X), or an equation that defines it implicitly. */
/** A named intermediate (`Y = X·X`) or an equation whose solution a formula uses (`w solves …`). */
export interface ExplainDefinition {
  readonly name: string;
  /** "definition": name = text; "equation": name is the solution of the equation text (lhs = rhs). */
  readonly kind: "definition" | "equation";
  readonly text: string;
  readonly latex: string;
  /** The definition, or the equation's left-hand side. */
  readonly tree: ExprNode;
}

/** An input of the explained function: its name and shape. */
/** The derivative formulas of f with respect to one input. */
export interface ExplainInput {
  readonly name: string;
  readonly shape: readonly number[];
  /** For a scalar function: ∇ f with respect to this input (= its VJP with cotangent 1); else null. */
  readonly gradient: ExplainTerm | null;
  /** The adjoint: this input's cotangent X̄ in terms of the output cotangent Ḡ (scalar f: the gradient). */
  readonly vjp: ExplainTerm;
  /** This input's part of the differential (the JVP with tangent dX). */
  readonly jvp: ExplainTerm;
}

/** The result of explain: text, LaTeX and trees of the function, its derivatives and the named intermediates. */
export class Explanation {
  // the class name survives minification (a bundler renames the class; see src/errors.ts)
  static {
    Object.defineProperty(this, "name", { value: "Explanation" });
  }
  constructor(
    readonly text: string,
    readonly latex: string,
    readonly value: Tensor,
    readonly scalar: boolean,
    readonly inputs: readonly ExplainInput[],
    readonly output: ExplainTerm,
    /** The differential of the output: the sum of the inputs' JVPs. */
    readonly differential: ExplainTerm,
    readonly where: readonly ExplainDefinition[],
    readonly verified: boolean,
    readonly notes: readonly string[],
  ) {}

  /** The explanation as text (Unicode). */
  /** The Unicode text of the explanation (= `text`). */
  toString(): string {
    return this.text;
  }
}

const POOL = ["Y", "Z", "W", "U", "V", "P", "Q", "R", "S", "T", "M", "N", "H", "J"];
const IDENT = /^[A-Za-z][A-Za-z0-9]*$/;

/** f's parameter names when f is written (a, b) => … or function (a, b) {…} with plain identifiers. */
export function parameterNames(f: (...xs: never[]) => unknown, n: number): string[] | null {
  const src = Function.prototype.toString.call(f);
  const m = /^\s*(?:async\s+)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(src) ?? /^\s*([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (m === null) return null;
  const names = m[1].split(",").map((s) => s.trim().replace(/:.*$/, "").trim()).filter((s) => s.length > 0);
  if (names.length !== n || !names.every((s) => IDENT.test(s))) return null;
  if (new Set(names).size !== n) return null;
  return names;
}

function defaultNames(n: number): string[] {
  if (n === 1) return ["X"];
  return Array.from({ length: n }, (_, i) => String.fromCharCode(65 + i));
}

function randomLike(g: Generator, shape: readonly number[]): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const d = new Float64Array(size);
  for (let i = 0; i < size; i++) d[i] = g.normal();
  return new Tensor(d, shape.slice());
}

const TOL = 1e-7;

interface Checked {
  term: ExplainTerm;
}

/** Verify the simplified expression (or else the raw one) against a numeric target. */
function checkTerm(raw: ExprNode, simp: ExprNode, target: Tensor, envRaw: EvalEnv, envSimp: EvalEnv, notes: string[], what: string): Checked {
  const err = (e: ExprNode, env: EvalEnv): number => {
    try {
      return relError(evaluate(e, env), target);
    } catch {
      return Infinity;
    }
  };
  const es = err(simp, envSimp);
  const mk = (tree: ExprNode, verified: boolean, simplified: boolean, error: number): Checked => ({
    term: { text: E.print(tree), latex: E.print(tree, { latex: true }), tree, verified, simplified, error },
  });
  if (es <= TOL) return mk(simp, true, true, es);
  const er = err(raw, envRaw);
  if (er <= TOL) {
    notes.push(`${what}: the simplified form did not match autodiff numerically (error ${es.toExponential(1)}); the unsimplified form is shown.`);
    return mk(raw, true, false, er);
  }
  notes.push(`${what}: could not be verified — neither the simplified (error ${es.toExponential(1)}) nor the unsimplified form (error ${er.toExponential(1)}) matches autodiff at the example point; treat it as unverified.`);
  return mk(simp, false, true, es);
}

type ExplainArgs = [...Tensor[]] | [...Tensor[], ExplainOptions];

function splitArgs(args: readonly (Tensor | ExplainOptions)[]): { xs: Tensor[]; opts: ExplainOptions } {
  const last = args[args.length - 1];
  const hasOpts = args.length > 0 && typeof last === "object" && last !== null && !(last instanceof Tensor) && !Array.isArray(last);
  const xs = (hasOpts ? args.slice(0, -1) : args.slice()) as unknown[];
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor))
      throw new ArgumentError("explain", `argument ${i + 1} must be a Tensor (the example inputs), got ${x === null ? "null" : typeof x}; options go last`);
  });
  const opts = hasOpts ? (last as ExplainOptions) : {};
  const valid = ["names", "seed", "simplify"];
  for (const k of Object.keys(opts))
    if (!valid.includes(k)) throw new ArgumentError("explain", `unknown option "${k}" (valid options: ${valid.join(", ")})`);
  if (opts.names !== undefined && (!Array.isArray(opts.names) || !opts.names.every((n) => typeof n === "string" && n.length > 0)))
    throw new ArgumentError("explain", `option names must be an array of non-empty strings (one per input), got ${JSON.stringify(opts.names)}`);
  if (opts.seed !== undefined && !(Number.isInteger(opts.seed) && opts.seed >= 0))
    throw new ArgumentError("explain", `option seed must be a non-negative integer, got ${String(opts.seed)}`);
  if (opts.simplify !== undefined && typeof opts.simplify !== "boolean")
    throw new ArgumentError("explain", `option simplify must be a boolean, got ${String(opts.simplify)}`);
  return { xs: xs as Tensor[], opts };
}

/**
 * The derivative of f at the example inputs in matrix notation: for a
 * scalar f its gradient in each argument, for a matrix-valued f its
 * differential (dF = …) and adjoint (X̄ = … in terms of Ḡ); every formula
 * shown is checked numerically against autodiff first.
 */
export function explain(f: (...xs: Tensor[]) => Tensor, ...args: ExplainArgs): Explanation {
  if (typeof f !== "function") throw new ArgumentError("explain", `argument f must be a function of Tensors, got ${typeof f}`);
  const { xs, opts } = splitArgs(args as (Tensor | ExplainOptions)[]);
  if (xs.length === 0) throw new ArgumentError("explain", "needs at least one example input after f");
  const names = opts.names !== undefined ? opts.names.slice() : parameterNames(f, xs.length) ?? defaultNames(xs.length);
  if (names.length !== xs.length)
    throw new ArgumentError("explain", `options.names has ${names.length} entries for ${xs.length} inputs`);
  const doSimplify = opts.simplify !== false;
  const seed = opts.seed ?? 0;
  const plainXs = xs.map((x) => x._alias());

  const { program, value } = trace("explain", f, plainXs);
  const inputs = plainXs.map((x, i) => E.sym(names[i], "input", x.shape));
  const cx = newCustomContext();
  const mopts: MirrorOptions = { ruleFor: customRules(cx), constants: cx.constants };
  const m = mirrorProgram(program, inputs, plainXs, mopts);
  const isScalar = value.size === 1 && value.ndim === 0;
  const outName = isScalar ? "f" : "F";
  const ctSym = isScalar ? E.num(1) : E.sym("G", "cotangent", value.shape);
  const tangents = inputs.map((s) => E.sym(s.kind === "sym" ? s.name : "X", "tangent", s.shape));

  // raw mirrors
  const vjps = mirrorVjp(m, ctSym).map((g, i) => (g === null ? E.zero(xs[i].shape) : g));
  const jvps = inputs.map((_, i) => mirrorJvp(m, inputs.map((__, k) => (k === i ? tangents[k] : null))) ?? E.zero(value.shape));
  const total = mirrorJvp(m, tangents) ?? E.zero(value.shape);
  const eqs = cx.equations.slice();
  const finals0 = [m.output, ...vjps, ...jvps, total, ...eqs.flatMap((q) => [q.lhs, q.rhs])];
  const pool = POOL.filter((p) => !names.includes(p));
  const n = xs.length;
  const raw = nameIntermediates(m, finals0, pool, false, names);
  const simp = doSimplify ? nameIntermediates(m, finals0, pool, true, names, [...vjps.map((_, i) => 1 + i), ...eqs.flatMap((_, j) => [2 + 2 * n + 2 * j, 3 + 2 * n + 2 * j])]) : raw;

  // numeric targets from autodiff
  const g = new Generator(seed);
  const ctVal = isScalar ? scalar(1) : randomLike(g, value.shape);
  const dxVals = plainXs.map((x) => randomLike(g, x.shape));
  const { vjpFn } = vjpT(f, ...plainXs);
  const vjpVals = vjpFn(ctVal);
  const zerosLike = (x: Tensor): Tensor => new Tensor(new Float64Array(x.size), x.shape);
  const jvpVals = plainXs.map((_, i) => jvpT(f, plainXs, plainXs.map((x, k) => (k === i ? dxVals[k] : zerosLike(x)))).tangent as Tensor);
  const totalVal = jvpT(f, plainXs, dxVals).tangent as Tensor;

  const envOf = (named: typeof raw): EvalEnv => {
    const values = new Map(m.values);
    // only inputs and constants are leaves; intermediates are evaluated from their printed definitions
    for (const id of m.order) values.delete(id);
    if (ctSym.kind === "sym") values.set(ctSym.id, ctVal);
    tangents.forEach((t, i) => values.set((t as { id: number }).id, dxVals[i]));
    return { values, defs: new Map(named.kept.map((k) => [(k.sym as { id: number }).id, k.def])) };
  };
  const envRaw = envOf(raw), envSimp = envOf(simp);
  const notes: string[] = [];

  const outTerm = checkTerm(raw.finals[0], simp.finals[0], value, envRaw, envSimp, notes, `${outName}`).term;
  const inputsOut: ExplainInput[] = names.map((name, i) => {
    const v = checkTerm(raw.finals[1 + i], simp.finals[1 + i], vjpVals[i], envRaw, envSimp, notes, isScalar ? `∇${name} ${outName}` : `${name}̄`).term;
    const j = checkTerm(raw.finals[1 + n + i], simp.finals[1 + n + i], jvpVals[i], envRaw, envSimp, notes, `d${outName} (part in d${name})`).term;
    return { name, shape: xs[i].shape.slice(), gradient: isScalar ? v : null, vjp: v, jvp: j };
  });
  const diffTerm = checkTerm(raw.finals[1 + 2 * n], simp.finals[1 + 2 * n], totalVal, envRaw, envSimp, notes, `d${outName}`).term;

  // definitions: check each kept name's definition against the traced value
  const where: ExplainDefinition[] = simp.kept.map((k) => {
    const id = (k.sym as { id: number }).id;
    const target = m.values.get(id)!;
    let ok = false;
    try {
      ok = relError(evaluate(k.def, envSimp), target) <= TOL;
    } catch {
      ok = false;
    }
    const name = (k.sym as { name: string }).name;
    if (!ok) notes.push(`where ${name} = …: the definition did not match the traced value; treat it as unverified.`);
    return { name, kind: "definition" as const, text: E.print(k.def), latex: E.print(k.def, { latex: true }), tree: k.def };
  });
  // implicit functions: the equations whose solutions w, v appear in the formulas
  const base = 2 + 2 * n;
  eqs.forEach((q, j) => {
    const lhs = simp.finals[base + 2 * j], rhs = simp.finals[base + 2 * j + 1];
    where.push({
      name: q.name, kind: "equation", text: `${E.print(lhs)} = ${E.print(rhs)}`,
      latex: `${E.print(lhs, { latex: true })} = ${E.print(rhs, { latex: true })}`, tree: lhs,
    });
    notes.push(`${q.name} is the solution of ${q.what} (evaluated by a dense solve for the numeric check).`);
  });
  for (const s of cx.notes) if (!notes.includes(s)) notes.push(s);
  // a custom function's rule against the derivative of its traced forward
  const fullEnv: EvalEnv = { values: new Map([...m.values, ...envSimp.values]), defs: new Map() };
  for (const c of cx.customs)
    c.user.forEach((u, i) => {
      const ex = c.exact[i];
      if (u === null || ex === null) return;
      let d = 0;
      try {
        d = relError(evaluate(u, fullEnv), evaluate(ex, fullEnv));
      } catch {
        return;
      }
      if (d > 1e-6)
        notes.push(`${c.name}: your backward computes ${E.print(simplify(u))} for input ${i + 1}, but the VJP of its forward is ${E.print(simplify(ex))} — they differ at the example point (relative error ${d.toExponential(1)}); the formulas above follow your rule, as autodiff does.`);
    });
  const defsVerified = notes.every((s) => !s.startsWith("where "));

  for (const op of m.opaque) notes.push(`${op} has no symbolic rule: it is shown as an opaque operator (vjp_${op}, jvp_${op} are its own VJP / JVP), still checked numerically.`);
  for (const c of cx.constants)
    if (c.kind === "op") notes.push(`${c.label} is a constant tensor of shape [${c.shape.join(", ")}] (closed over by f, or computed outside matgrad's ops).`);

  const verified = outTerm.verified && diffTerm.verified && inputsOut.every((x) => x.vjp.verified && x.jvp.verified) && defsVerified;
  const text = renderText(outName, names, isScalar, outTerm, inputsOut, diffTerm, where, notes, verified);
  const latex = renderLatex(outName, names, isScalar, outTerm, inputsOut, diffTerm, where);
  return new Explanation(text, latex, value._alias(), isScalar, inputsOut, outTerm, diffTerm, where, verified, notes);
}

function renderText(out: string, names: readonly string[], isScalar: boolean, o: ExplainTerm, ins: readonly ExplainInput[], d: ExplainTerm, where: readonly ExplainDefinition[], notes: readonly string[], verified: boolean): string {
  const args = names.join(", ");
  const lines = [`${out}(${args}) = ${o.text}`];
  if (isScalar) {
    for (const x of ins) lines.push(`${ins.length > 1 ? `∇_${x.name} ` : "∇"}${out} = ${x.vjp.text}`);
    lines.push(`d${out} = ${d.text}`);
  } else {
    lines.push(`d${out} = ${d.text}`);
    for (const x of ins) lines.push(`${(x.name + "\u0304").normalize("NFC")} = ${x.vjp.text}`);
  }
  const defs = where.filter((w) => w.kind === "definition"), eqs = where.filter((w) => w.kind === "equation");
  if (defs.length > 0) lines.push(`where ${defs.map((w) => `${w.name} = ${w.text}`).join(", ")}`);
  for (const q of eqs) lines.push(`${defs.length > 0 ? "and" : "where"} ${q.name} solves ${q.text}`);
  if (!isScalar) lines.push(`(Ḡ: the cotangent of ${out}, d·: tangents)`);
  lines.push(verified ? "(verified numerically at the example point)" : "(NOT fully verified: see the notes)");
  for (const n of notes) lines.push(`note: ${n}`);
  return lines.join("\n");
}

function renderLatex(out: string, names: readonly string[], isScalar: boolean, o: ExplainTerm, ins: readonly ExplainInput[], d: ExplainTerm, where: readonly ExplainDefinition[]): string {
  const lines = [`${out}(${names.join(", ")}) &= ${o.latex}`];
  if (isScalar) for (const x of ins) lines.push(`\\nabla_{${x.name}} ${out} &= ${x.vjp.latex}`);
  lines.push(`\\mathrm{d}${out} &= ${d.latex}`);
  if (!isScalar) for (const x of ins) lines.push(`\\bar{${x.name}} &= ${x.vjp.latex}`);
  for (const w of where) lines.push(w.kind === "definition" ? `${w.name} &= ${w.latex}` : `&\\text{${w.name} solves } ${w.latex}`);
  return lines.join(" \\\\\n");
}

