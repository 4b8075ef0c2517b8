/**
 * gradcheck's symbolic diagnosis: when a check of f fails and f is
 * traceable, write the user's backward and the correct VJP as formulas and
 * name the mistake by comparing them term by term.
 *
 * The user's VJP is the symbolic mirror of f with each custom function's
 * rule traced (custom.ts); the correct VJP is the same mirror with each custom
 * function replaced by the VJP of its traced forward. Neither is trusted
 * blindly: the correct one must match the central-difference Jacobian N
 * (applied to a random cotangent) and the user's one the analytic Jacobian
 * A, or nothing is said. Terms are matched by canonical key first, then
 * numerically (a term equal to a multiple of another at the check point is
 * the same term with another factor).
 */
import * as E from "./expr.js";
import type { ExprNode } from "./expr.js";
import { mirrorProgram, mirrorVjp, mirrorJvp } from "./mirror.js";
import { closedForm, customRules, newCustomContext } from "./custom.js";
import { simplify, termKey } from "./simplify.js";
import { evaluate, type EvalEnv } from "./evaluate.js";
import { trace } from "../autodiff/trace.js";
import { Tensor } from "../tensor/tensor.js";
import { Generator } from "../tensor/random.js";

export interface SymbolicDiagnosisInput {
  f: (...xs: Tensor[]) => Tensor | Tensor[];
  xs: readonly Tensor[];
  names: readonly string[];
  /** The input whose gradient is wrong. */
  index: number;
  /** Which derivative failed: the VJP (reverse) or the JVP (forward). */
  kind: "reverse" | "forward";
  /** Analytic and numeric Jacobians, outSize × inSize, row-major. */
  A: Float64Array;
  N: Float64Array;
  seed: number;
}

interface Term {
  c: number;
  t: ExprNode;
}

/** The terms of a sum, numbers distributed: 2·(A + B) → [2·A, 2·B]. */
function termsOf(e: ExprNode, c = 1): Term[] {
  if (E.isZero(e)) return [];
  if (e.kind === "scale") return termsOf(e.x, c * e.c);
  if (e.kind === "add") return e.terms.flatMap((t) => termsOf(t, c));
  return [{ c, t: e }];
}

const sumOf = (ts: readonly Term[], shape: readonly number[]): ExprNode => (ts.length === 0 ? E.zero(shape) : simplify(E.add(...ts.map((x) => E.scale(x.c, x.t)))));

/** Does e contain the symbol g? */
function has(e: ExprNode, g: ExprNode): boolean {
  if (e.kind === "sym" && g.kind === "sym") return e.id === g.id;
  return E.children(e).some((c) => has(c, g));
}

/** For a term G∘W or g·W (G the cotangent): the elementwise factor W; null otherwise. */
function elementwiseFactor(t: ExprNode, g: ExprNode): ExprNode | null {
  const isG = (x: ExprNode): boolean => x.kind === "sym" && g.kind === "sym" && x.id === g.id;
  if (t.kind === "hadamard" && t.factors.some(isG)) {
    const rest = t.factors.filter((x) => !isG(x));
    return rest.length === 1 ? rest[0] : E.hadamard(...rest);
  }
  if (t.kind === "smul" && isG(t.s) && !has(t.x, g)) return t.x;
  return null;
}

/** Does the term multiply the cotangent by a matrix product (G next to a · factor)? */
function usesMatmulWithG(t: ExprNode, g: ExprNode): boolean {
  if (t.kind === "matmul" && t.factors.some((f) => has(f, g))) return true;
  return E.children(t).some((c) => usesMatmulWithG(c, g));
}

function usesHadamardWithG(t: ExprNode, g: ExprNode): boolean {
  if (t.kind === "hadamard" && t.factors.some((f) => has(f, g)) && t.shape.length >= 2) return true;
  return E.children(t).some((c) => usesHadamardWithG(c, g));
}

function isCotangent(t: ExprNode, g: ExprNode): boolean {
  return (t.kind === "sym" && g.kind === "sym" && t.id === g.id) || (t.kind === "transpose" && isCotangent(t.x, g));
}

function relDiff(a: Float64Array, b: Float64Array): number {
  let d = 0, m = 1e-300;
  for (let k = 0; k < a.length; k++) {
    d = Math.max(d, Math.abs(a[k] - b[k]));
    m = Math.max(m, Math.abs(b[k]));
  }
  return d / m;
}

/** Best r with a ≈ r·b (least squares) and the relative residual. */
function ratio(a: Float64Array, b: Float64Array): { r: number; res: number } {
  let ab = 0, bb = 0;
  for (let k = 0; k < a.length; k++) { ab += a[k] * b[k]; bb += b[k] * b[k]; }
  if (bb === 0) return { r: 0, res: Infinity };
  const r = ab / bb;
  const fit = b.map((v) => r * v);
  return { r, res: relDiff(a, fit) };
}

/**
 * Lines for gradcheck's diagnosis (empty when f is not traceable, has several
 * outputs, or the formulas cannot be confirmed numerically).
 */
export function symbolicDiagnosis(d: SymbolicDiagnosisInput): string[] {
  try {
    return diagnoseImpl(d);
  } catch {
    return [];
  }
}

function diagnoseImpl(d: SymbolicDiagnosisInput): string[] {
  const xs = d.xs.map((x) => x._alias());
  const f1 = (...a: Tensor[]): Tensor => {
    const r = d.f(...a);
    if (Array.isArray(r)) throw new RangeError("several outputs");
    return r;
  };
  const cxU = newCustomContext(false), cxE = newCustomContext(true);
  const tu = trace("gradcheck", f1, xs), te = trace("gradcheck", f1, xs);
  const inputs = xs.map((x, i) => E.sym(d.names[i], "input", x.shape));
  const mU = mirrorProgram(tu.program, inputs, xs, { ruleFor: customRules(cxU), constants: cxU.constants });
  const mE = mirrorProgram(te.program, inputs, xs, { ruleFor: customRules(cxE), constants: cxE.constants });
  const out = tu.value;
  const i = d.index;
  const fwd = d.kind === "forward";
  // the linear argument of the derivative: the cotangent Ḡ (reverse) or the tangent dX of input i (forward)
  const G = fwd ? E.sym(d.names[i], "tangent", xs[i].shape) : E.sym("G", "cotangent", out.shape);
  const raw = (m: typeof mU): ExprNode | null => {
    const v = fwd ? mirrorJvp(m, xs.map((_, k) => (k === i ? G : null))) : mirrorVjp(m, G)[i];
    return v === null ? null : closedForm(m, v);
  };
  const uRaw = raw(mU), eRaw = raw(mE);
  if (cxE.inexact || cxU.customSteps === 0) return [];
  const resShape = fwd ? out.shape : xs[i].shape;
  const user = simplify(uRaw ?? E.zero(resShape)), exact = simplify(eRaw ?? E.zero(resShape));

  // numeric confirmation with a random cotangent
  const g = new Generator(d.seed + 17);
  const outSize = out.size, inSize = xs[i].size;
  const argShape = fwd ? xs[i].shape : out.shape;
  const c = new Float64Array(fwd ? inSize : outSize);
  for (let k = 0; k < c.length; k++) c[k] = g.normal();
  // reverse: Jᵀ·c (c a cotangent); forward: J·c (c a tangent)
  const applyT = (J: Float64Array): Float64Array => {
    const r = new Float64Array(fwd ? outSize : inSize);
    for (let row = 0; row < outSize; row++)
      for (let col = 0; col < inSize; col++) {
        if (fwd) r[row] += J[row * inSize + col] * c[col];
        else r[col] += J[row * inSize + col] * c[row];
      }
    return r;
  };
  const values = new Map<number, Tensor>([...mU.values, ...mE.values]);
  values.set((G as { id: number }).id, new Tensor(c, argShape.slice()));
  const env: EvalEnv = { values, defs: new Map() };
  const ev = (e: ExprNode): Float64Array => evaluate(e, env).data;
  const exactOk = relDiff(ev(exact), applyT(d.N)) < 1e-4;
  const userOk = relDiff(ev(user), applyT(d.A)) < 1e-8;
  if (!exactOk || !userOk) return [];

  const fOut = simplify(closedForm(mE, mE.output));
  const fDesc = `${d.names.length === 1 ? d.names[0] : `(${d.names.join(", ")})`} ↦ ${E.print(fOut)}`;
  const what = d.names.length === 1 ? "" : ` (input ${d.names[i]})`;
  const lines = [fwd
    ? `your JVP computes ${E.print(user)}${what}; the JVP of ${fDesc} is ${E.print(exact)}`
    : `your backward computes ${E.print(user)}${what}; the VJP of ${fDesc} is ${E.print(exact)}`];
  const yours = fwd ? "your JVP" : "your backward", theirs = fwd ? "the correct JVP" : "the correct VJP";

  // term by term: by canonical key, then numerically
  const tu0 = termsOf(user), te0 = termsOf(exact);
  const missing: Term[] = [], extra: Term[] = [], factors: string[] = [];
  const left = tu0.slice();
  for (const t of te0) {
    const k = left.findIndex((u) => termKey(u.t) === termKey(t.t));
    if (k < 0) { missing.push(t); continue; }
    const u = left.splice(k, 1)[0];
    if (Math.abs(u.c - t.c) > 1e-12 * Math.max(1, Math.abs(t.c)))
      factors.push(`the term ${E.print(t.t)} has the factor ${E.fmtNum(u.c)} in ${yours} but ${E.fmtNum(t.c)} in ${theirs}`);
  }
  extra.push(...left);
  // unmatched terms equal up to a factor at the check point are the same term
  for (let a = missing.length - 1; a >= 0; a--) {
    const va = ev(E.scale(missing[a].c, missing[a].t));
    const b = extra.findIndex((u) => ratio(ev(E.scale(u.c, u.t)), va).res < 1e-9);
    if (b < 0) continue;
    const r = ratio(ev(E.scale(extra[b].c, extra[b].t)), va).r;
    if (Math.abs(r - 1) > 1e-9) factors.push(`your term ${E.print(E.scale(extra[b].c, extra[b].t))} is ${E.fmtNum(r)} × ${theirs}'s ${E.print(E.scale(missing[a].c, missing[a].t))}`);
    missing.splice(a, 1);
    extra.splice(b, 1);
  }

  const named: string[] = [];
  // a missing identity term: the VJP has + Ḡ (or Ḡᵀ) that the backward lacks
  for (const t of missing)
    if (isCotangent(t.t, G))
      named.push(`a missing identity term: ${theirs} has ${t.c === 1 ? "+ " : `${E.fmtNum(t.c)}·`}${E.print(t.t)} (the derivative of a "+ X" part is the identity) that ${yours} lacks`);
  // a wrong elementwise derivative: Ḡ ∘ W where the VJP has Ḡ ∘ W′
  const wu = extra.map((t) => elementwiseFactor(t.t, G)), we = missing.map((t) => elementwiseFactor(t.t, G));
  wu.forEach((a, ia) => {
    const ib = we.findIndex((b) => b !== null);
    if (a === null || ib < 0) return;
    const b = we[ib]!;
    named.push(`a wrong elementwise derivative: ${yours} multiplies ${E.print(G)} entry by entry by ${E.print(E.scale(extra[ia].c, a))}, but the derivative is ${E.print(E.scale(missing[ib].c, b))}`);
  });
  // the kind of product next to the cotangent
  const uHad = extra.some((t) => usesHadamardWithG(t.t, G)), uMat = extra.some((t) => usesMatmulWithG(t.t, G));
  const eHad = missing.some((t) => usesHadamardWithG(t.t, G)), eMat = missing.some((t) => usesMatmulWithG(t.t, G));
  if (uHad && !uMat && eMat && !eHad)
    named.push(`an elementwise product (∘) where a matrix product (·) belongs: ${yours} multiplies ${E.print(G)} entry by entry, the chain rule of a matrix product multiplies it by matrices`);
  if (uMat && !uHad && eHad && !eMat)
    named.push(`a matrix product (·) where an elementwise product (∘) belongs: the derivative multiplies ${E.print(G)} entry by entry`);

  const shape = resShape;
  if (named.length > 0) lines.push(...named.map((s) => `mistake: ${s}`));
  if (missing.length > 0 && named.length === 0) lines.push(`missing in ${yours}: ${E.print(sumOf(missing, shape))}`);
  if (extra.length > 0 && named.length === 0) lines.push(`in ${yours} but not in ${theirs}: ${E.print(sumOf(extra, shape))}`);
  lines.push(...factors);
  return lines;
}
