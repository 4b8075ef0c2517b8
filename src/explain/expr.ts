/**
 * Matrix-calculus expressions: the tree `explain` builds, simplifies, prints
 * (Unicode and LaTeX) and evaluates numerically.
 *
 * Every node carries its shape, so a rule can tell a scalar multiple (0-d
 * factor) from a Hadamard product and an identity factor I from a matrix.
 * Nodes are immutable plain objects; smart constructors (`add`, `matmul`, …)
 * do the local algebra (flattening, dropping zeros and identities, pulling
 * numbers out of products) so that every tree they return is already in a
 * light normal form; `simplify.ts` does the global rewrites.
 */
import type { Tensor } from "../tensor/tensor.js";
import { ArgumentError } from "../errors.js";
import { describe } from "../validate.js";

export type Shape = readonly number[];

/** What a symbol stands for: an input X, the output cotangent Ḡ, a tangent dX, a named intermediate, a constant. */
export type SymRole = "input" | "cotangent" | "tangent" | "intermediate" | "constant";

/** A node of a symbolic matrix expression (a named matrix, a number, or an op). */
/**
 * A node of a matrix-calculus expression (a discriminated union on `kind`),
 * with its shape: symbols, numbers, I, 𝟙, 0, sums, scalar multiples, matrix
 * and Hadamard products, transposes, elementwise functions and operators.
 */
export type ExprNode =
  /** A named matrix: an input X, the output cotangent Ḡ, a tangent dX, a named intermediate Y, a constant K. */
  | { readonly kind: "sym"; readonly name: string; readonly role: SymRole; readonly shape: Shape; readonly id: number; readonly symmetric?: boolean }
  /** A number (0-d). */
  | { readonly kind: "num"; readonly value: number; readonly shape: Shape }
  /** The n×n identity I (possibly broadcast over batch axes). */
  | { readonly kind: "identity"; readonly shape: Shape }
  /** The all-ones tensor 𝟙. */
  | { readonly kind: "ones"; readonly shape: Shape }
  | { readonly kind: "zero"; readonly shape: Shape }
  /** A sum of terms (same shape after broadcasting). */
  | { readonly kind: "add"; readonly terms: readonly ExprNode[]; readonly shape: Shape }
  /** c·x for a number c. */
  | { readonly kind: "scale"; readonly c: number; readonly x: ExprNode; readonly shape: Shape }
  /** s·x for a scalar (0-d) expression s that is not a number, e.g. det(A)·A⁻ᵀ. */
  | { readonly kind: "smul"; readonly s: ExprNode; readonly x: ExprNode; readonly shape: Shape }
  /** A matrix product A·B·C (batched over leading axes). */
  | { readonly kind: "matmul"; readonly factors: readonly ExprNode[]; readonly shape: Shape }
  | { readonly kind: "transpose"; readonly x: ExprNode; readonly shape: Shape }
  /** An elementwise product A∘B (broadcasting). */
  | { readonly kind: "hadamard"; readonly factors: readonly ExprNode[]; readonly shape: Shape }
  /** Elementwise division A⊘B. */
  | { readonly kind: "div"; readonly a: ExprNode; readonly b: ExprNode; readonly shape: Shape }
  /** An elementwise function f(X) applied entry by entry: sin, cos, exp, tanh, pow with a parameter, … */
  | { readonly kind: "fn"; readonly name: ElementwiseName; readonly x: ExprNode; readonly p: number; readonly shape: Shape }
  /** Any other operator: tr, ⟨·,·⟩, det, inv, solve, expm, … or an opaque named operator. */
  | OpNode;

/** The elementwise functions of symbolic expressions. */
/** The elementwise functions of `fn` nodes. */
export type ElementwiseName =
  | "exp" | "log" | "sqrt" | "abs" | "sin" | "cos" | "tan" | "tanh" | "sigmoid" | "relu" | "sign" | "step" | "pow" | "neg";

/** The operators of `op` nodes with a textbook notation; anything else prints as name(args). */
export type OpName =
  | "tr" | "inner" | "sum" | "sumTo" | "broadcast" | "diag" | "diagEmbed" | "triu" | "tril" | "reshape"
  | "det" | "logdet" | "inv" | "solve" | "cholesky" | "expm" | "expmFrechet" | "eigvals" | "eigvecs"
  | "sylvester" | "const" | "opaque";

/** An operation node of a symbolic expression: the op and its operands. */
/** An operator applied to expressions (tr, ⟨·,·⟩, det, inv, solve, expm, …, or an opaque named operator), with its numeric meaning. */
export interface OpNode {
  readonly kind: "op";
  readonly op: OpName;
  /** Display name: for "opaque" the operator's name (e.g. ∂myFunc(X)ᵀ[Ḡ]); otherwise a parameter note (e.g. "k=1"). */
  readonly label: string;
  readonly args: readonly ExprNode[];
  readonly shape: Shape;
  /** Numeric meaning, applied to the evaluated args (with matgrad ops / the primitive's own rule). */
  readonly evaluate: (args: Tensor[]) => Tensor;
  /** Distinguishes operators that print alike (constants K₁ of different traces). */
  readonly uid?: number;
}

let symCounter = 0;

export function sym(name: string, role: SymRole, shape: Shape, symmetric = false): ExprNode {
  return symmetric
    ? { kind: "sym", name, role, shape: shape.slice(), id: symCounter++, symmetric }
    : { kind: "sym", name, role, shape: shape.slice(), id: symCounter++ };
}

export const num = (value: number): ExprNode => ({ kind: "num", value, shape: [] });
export const zero = (shape: Shape): ExprNode => ({ kind: "zero", shape: shape.slice() });
export const ones = (shape: Shape): ExprNode => (shape.length === 0 ? num(1) : { kind: "ones", shape: shape.slice() });
export const identity = (shape: Shape): ExprNode => ({ kind: "identity", shape: shape.slice() });

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy broadcasting of two shapes (the caller has checked they broadcast). */
export function broadcastShape(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export const isZero = (e: ExprNode): boolean => e.kind === "zero" || (e.kind === "num" && e.value === 0);

/** Split a term into its numeric coefficient and the rest: 3·A → [3, A]. */
export function coefOf(e: ExprNode): [number, ExprNode] {
  if (e.kind === "scale") return [e.c, e.x];
  if (e.kind === "num") return [e.value, num(1)];
  return [1, e];
}

export function scale(c: number, x: ExprNode): ExprNode {
  if (c === 0 || isZero(x)) return zero(x.shape);
  if (c === 1) return x;
  if (x.kind === "num") return num(c * x.value);
  if (x.kind === "scale") return scale(c * x.c, x.x);
  return { kind: "scale", c, x, shape: x.shape };
}

export const neg = (x: ExprNode): ExprNode => scale(-1, x);

/** Sum of terms: flattened, zeros dropped; like terms are collected by simplify(). */
export function add(...terms: ExprNode[]): ExprNode {
  const flat: ExprNode[] = [];
  let shape: Shape = [];
  for (const t of terms) shape = broadcastShape(shape, t.shape);
  for (const t of terms) {
    if (isZero(t)) continue;
    if (t.kind === "add") flat.push(...t.terms);
    // a number added to a matrix is that number times 𝟙
    else if (shape.length > 0 && t.shape.length === 0 && (t.kind === "num" || (t.kind === "scale" && t.x.kind === "num"))) flat.push(broadcast(t, shape));
    else flat.push(t);
  }
  if (flat.length === 0) return zero(shape);
  if (flat.length === 1 && sameShape(flat[0].shape, shape)) return flat[0];
  if (flat.length === 1) return broadcast(flat[0], shape);
  if (flat.every((t) => t.kind === "num")) return num(flat.reduce((s, t) => s + (t.kind === "num" ? t.value : 0), 0));
  return { kind: "add", terms: flat, shape };
}

export const sub = (a: ExprNode, b: ExprNode): ExprNode => add(a, neg(b));

/** s·x for a scalar expression s (numbers become scale). */
export function smul(s: ExprNode, x: ExprNode): ExprNode {
  if (isZero(s) || isZero(x)) return zero(broadcastShape(s.shape, x.shape));
  const [c, rest] = coefOf(s);
  if (rest.kind === "num") return scale(c * rest.value, x);
  if (x.kind === "scale") return scale(c * x.c, smul(rest, x.x));
  if (x.kind === "num") return scale(c * x.value, rest);
  if (x.kind === "ones" && x.shape.length === 0) return scale(c, rest);
  return scale(c, { kind: "smul", s: rest, x, shape: x.shape });
}

const matShape = (a: Shape, b: Shape): number[] => {
  const batch = broadcastShape(a.slice(0, -2), b.slice(0, -2));
  return [...batch, a[a.length - 2], b[b.length - 1]];
};

/** Matrix product of ≥ 2-d operands: flattened, numbers pulled out, identities dropped. */
export function matmul(...factors: ExprNode[]): ExprNode {
  let c = 1;
  const fs: ExprNode[] = [];
  let shape: Shape | null = null;
  for (const f0 of factors) {
    shape = shape === null ? f0.shape : matShape(shape, f0.shape);
    const [k, f] = coefOf(f0);
    c *= k;
    if (f.kind === "matmul") fs.push(...f.factors);
    else fs.push(f);
  }
  const outShape = shape!;
  if (c === 0 || fs.some(isZero)) return zero(outShape);
  const kept = fs.filter((f) => f.kind !== "identity");
  if (kept.length === 0) return scale(c, identity(outShape));
  // an identity factor only changes the result's shape when it broadcasts a batch
  if (kept.length === 1) {
    const only = kept[0];
    return scale(c, sameShape(only.shape, outShape) ? only : broadcast(only, outShape));
  }
  return scale(c, { kind: "matmul", factors: kept, shape: outShape });
}

/** Structurally symmetric: I, 𝟙, AᵀA-like palindromes, sums / scalings / Hadamards of symmetric terms. */
export function isSymmetric(e: ExprNode): boolean {
  const sq = e.shape.length >= 2 && e.shape[e.shape.length - 1] === e.shape[e.shape.length - 2];
  if (!sq) return false;
  switch (e.kind) {
    case "identity": case "ones": case "zero": return true;
    // a named intermediate whose definition is structurally symmetric (Y = Xᵀ·X)
    case "sym": return e.symmetric === true;
    case "scale": return isSymmetric(e.x);
    case "smul": return isSymmetric(e.x);
    case "add": return e.terms.every(isSymmetric);
    case "hadamard": return e.factors.every((f) => f.shape.length < 2 || isSymmetric(f));
    case "fn": return isSymmetric(e.x);
    case "div": return isSymmetric(e.a) && isSymmetric(e.b);
    case "matmul": {
      // F₁·F₂·…·Fₙ with Fᵢ = F_{n+1−i}ᵀ (and a symmetric middle factor): (…)ᵀ = Fₙᵀ·…·F₁ᵀ is the same product
      const f = e.factors, n = f.length;
      for (let i = 0; i < Math.floor(n / 2); i++) if (key(transpose(f[i])) !== key(f[n - 1 - i])) return false;
      return n % 2 === 0 || isSymmetric(f[(n - 1) / 2]);
    }
    case "op": return (e.op === "inv" || e.op === "expm") && isSymmetric(e.args[0]);
    default: return false;
  }
}

/** Matrix transpose of the last two axes, pushed inward: (AB)ᵀ = BᵀAᵀ, (Aᵀ)ᵀ = A, (A + B)ᵀ = Aᵀ + Bᵀ. */
export function transpose(x: ExprNode): ExprNode {
  if (x.shape.length < 2) return x;
  const s = x.shape, n = s.length;
  const shape = [...s.slice(0, -2), s[n - 1], s[n - 2]];
  switch (x.kind) {
    case "transpose": return x.x;
    case "identity": case "zero": case "ones": return { ...x, shape };
    case "scale": return scale(x.c, transpose(x.x));
    case "smul": return smul(x.s, transpose(x.x));
    case "add": return add(...x.terms.map(transpose));
    case "matmul": return matmul(...x.factors.slice().reverse().map(transpose));
    case "hadamard": return hadamard(...x.factors.map(transpose));
    case "div": return div(transpose(x.a), transpose(x.b));
    case "fn": return fn(x.name, transpose(x.x), x.p);
    default:
      if (isSymmetric(x)) return x;
      return { kind: "transpose", x, shape };
  }
}

/** Elementwise product: flattened, numbers and scalars pulled out, 𝟙 dropped; a 0-d factor is a scalar multiple. */
export function hadamard(...factors: ExprNode[]): ExprNode {
  let shape: Shape = [];
  for (const f of factors) shape = broadcastShape(shape, f.shape);
  let c = 1;
  const scal: ExprNode[] = [];
  const fs: ExprNode[] = [];
  for (const f0 of factors) {
    const [k, f] = coefOf(f0);
    c *= k;
    if (isZero(f)) return zero(shape);
    if (f.kind === "ones" || (f.kind === "num" && f.value === 1)) continue;
    if (f.kind === "hadamard") fs.push(...f.factors);
    else if (f.shape.length === 0) scal.push(f);
    else fs.push(f);
  }
  // equal factors are powers: Y∘Y = Y², Y²∘Y = Y³
  const merged: { base: ExprNode; p: number; k: string }[] = [];
  for (const f of fs) {
    const [base, p] = f.kind === "fn" && f.name === "pow" ? [f.x, f.p] : [f, 1];
    const k = key(base);
    const m = merged.find((x) => x.k === k && sameShape(x.base.shape, base.shape));
    if (m !== undefined) m.p += p;
    else merged.push({ base, p, k });
  }
  fs.length = 0;
  for (const m of merged) if (m.p !== 0) fs.push(m.p === 1 ? m.base : fn("pow", m.base, m.p));
  let body: ExprNode;
  if (fs.length === 0) body = ones(shape);
  else if (fs.length === 1) body = sameShape(fs[0].shape, shape) ? fs[0] : broadcast(fs[0], shape);
  else body = { kind: "hadamard", factors: fs, shape };
  for (const s of scal) body = smul(s, body);
  return scale(c, body);
}

export function div(a: ExprNode, b: ExprNode): ExprNode {
  const shape = broadcastShape(a.shape, b.shape);
  if (isZero(a)) return zero(shape);
  if (b.kind === "num") return scale(1 / b.value, a.shape.length === shape.length ? a : broadcast(a, shape));
  if (b.kind === "ones") return sameShape(a.shape, shape) ? a : broadcast(a, shape);
  const [c, rest] = coefOf(a);
  return scale(c, { kind: "div", a: rest, b, shape });
}

export function fn(name: ElementwiseName, x: ExprNode, p = 0): ExprNode {
  if (name === "neg") return neg(x);
  if (name === "pow") {
    if (p === 1) return x;
    if (p === 0) return ones(x.shape);
  }
  if (x.kind === "num") {
    const v = x.value;
    const f: Partial<Record<ElementwiseName, number>> = {
      exp: Math.exp(v), log: Math.log(v), sqrt: Math.sqrt(v), abs: Math.abs(v), sin: Math.sin(v), cos: Math.cos(v),
      tanh: Math.tanh(v), pow: v ** p,
    };
    const r = f[name];
    if (r !== undefined && Number.isInteger(r)) return num(r);
  }
  return { kind: "fn", name, x, p, shape: x.shape };
}

export function op(o: OpName, label: string, args: readonly ExprNode[], shape: Shape, evaluate: (args: Tensor[]) => Tensor): ExprNode {
  return { kind: "op", op: o, label, args, shape: shape.slice(), evaluate };
}

/** Broadcast x to a larger shape; a broadcast number or 𝟙 stays symbolic (s·𝟙). */
export function broadcast(x: ExprNode, shape: Shape): ExprNode {
  if (sameShape(x.shape, shape)) return x;
  if (isZero(x)) return zero(shape);
  if (x.kind === "num") return scale(x.value, ones(shape));
  if (x.kind === "ones") return ones(shape);
  if (x.shape.length === 0) return smul(x, ones(shape));
  if (x.kind === "scale") return scale(x.c, broadcast(x.x, shape));
  return op("broadcast", "", [x], shape, ([t]) => t.broadcastTo(shape.slice()));
}

// ---------------------------------------------------------------------------
// Printing

const SUP: Record<string, string> = { "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻", ".": "·" };
const SUB: Record<string, string> = { "0": "₀", "1": "₁", "2": "₂", "3": "₃", "4": "₄", "5": "₅", "6": "₆", "7": "₇", "8": "₈", "9": "₉" };
export const subscript = (n: number): string => String(n).split("").map((d) => SUB[d] ?? d).join("");
const superscript = (s: string): string => s.split("").map((d) => SUP[d] ?? d).join("");

export function fmtNum(v: number): string {
  if (Number.isInteger(v)) return String(v);
  for (const d of [2, 3, 4, 6, 8]) if (Math.abs(v * d - Math.round(v * d)) < 1e-12) return `${Math.round(v * d)}/${d}`;
  return String(+v.toPrecision(6));
}

/** Precedence: 0 sum, 1 product, 2 postfix / atom. */
function prec(e: ExprNode): number {
  switch (e.kind) {
    case "add": return 0;
    case "scale": return e.c < 0 ? 0 : 1;
    case "num": return e.value < 0 ? 0 : 2;
    case "smul": case "matmul": case "hadamard": case "div": return 1;
    case "op": return e.op === "solve" ? 1 : 2;
    default: return 2;
  }
}

export interface PrintStyle {
  latex: boolean;
}

const FN_TEXT: Record<ElementwiseName, string> = {
  exp: "exp", log: "log", sqrt: "√", abs: "abs", sin: "sin", cos: "cos", tan: "tan", tanh: "tanh", sigmoid: "σ",
  relu: "relu", sign: "sign", step: "step", pow: "", neg: "−",
};
const FN_LATEX: Record<ElementwiseName, string> = {
  exp: "\\exp", log: "\\log", sqrt: "\\sqrt", abs: "\\operatorname{abs}", sin: "\\sin", cos: "\\cos", tan: "\\tan",
  tanh: "\\tanh", sigmoid: "\\sigma", relu: "\\operatorname{relu}", sign: "\\operatorname{sign}", step: "\\operatorname{step}", pow: "", neg: "-",
};

function symText(name: string, role: SymRole, latex: boolean): string {
  if (!latex) {
    if (role === "cotangent") return (name + "\u0304").normalize("NFC");
    if (role === "tangent") return "d" + name;
    return name;
  }
  const base = name.replace(/([₀-₉]+)$/u, (m) => "_{" + m.split("").map((c) => String("₀₁₂₃₄₅₆₇₈₉".indexOf(c))).join("") + "}");
  const b = base.length > 1 && !base.includes("_") ? `\\mathit{${base}}` : base;
  if (role === "cotangent") return `\\bar{${b}}`;
  if (role === "tangent") return `\\mathrm{d}${b}`;
  return b;
}

/** Print an expression (Unicode, or LaTeX with style.latex). */
export function print(e: ExprNode, style: PrintStyle = { latex: false }): string {
  if (typeof e !== "object" || e === null || typeof (e as { kind?: unknown }).kind !== "string")
    throw new ArgumentError("printExpr", `argument e must be an expression node (from explain()); got ${describe(e)}`);
  const L = style.latex;
  const p = (x: ExprNode, min: number): string => (prec(x) < min ? (L ? `\\left(${print(x, style)}\\right)` : `(${print(x, style)})`) : print(x, style));
  const dot = L ? " \\cdot " : "·";
  switch (e.kind) {
    case "sym": return symText(e.name, e.role, L);
    case "num": return fmtNum(e.value);
    case "identity": return "I";
    case "ones": return L ? "\\mathbb{1}" : "𝟙";
    case "zero": return "0";
    case "add": {
      let s = "";
      e.terms.forEach((t, i) => {
        const [c, rest] = coefOf(t);
        // a − (b + c): a subtracted sum keeps its parentheses
        if (i > 0 && c < 0) s += (L ? " - " : " − ") + p(scale(-c, rest), 0.5);
        else if (i > 0) s += " + " + print(t, style);
        else s += print(t, style);
      });
      return s.replace(/ \+ −/g, " − ");
    }
    case "scale": {
      if (e.c === -1) return (L ? "-" : "−") + p(e.x, 1);
      const c = e.c < 0 ? (L ? "-" : "−") + fmtNum(-e.c) : fmtNum(e.c);
      // a number times a matrix product needs no parentheses: 2·X·dX
      return c + dot + p(e.x, e.x.kind === "matmul" ? 1 : 1.5);
    }
    case "smul": return p(e.s, 1.5) + dot + p(e.x, 1.5);
    case "matmul": return e.factors.map((f) => p(f, f.kind === "op" && f.op === "solve" ? 1 : 1.5)).join(dot);
    case "hadamard": return e.factors.map((f) => p(f, 1.5)).join(L ? " \\circ " : " ∘ ");
    case "div": return L ? `${p(e.a, 1.5)} \\oslash ${p(e.b, 1.5)}` : `${p(e.a, 1.5)} ⊘ ${p(e.b, 1.5)}`;
    case "transpose": {
      if (e.x.kind === "op" && e.x.op === "inv") return L ? `${p(e.x.args[0], 2)}^{-\\top}` : `${p(e.x.args[0], 2)}⁻ᵀ`;
      return L ? `${p(e.x, 2)}^{\\top}` : `${p(e.x, 2)}ᵀ`;
    }
    case "fn": {
      if (e.name === "pow") {
        const ps = fmtNum(e.p);
        // a base that carries its own superscript (Xᵀ, A⁻¹, Y²) is parenthesized: (Xᵀ)², not Xᵀ²
        const sup = e.x.kind === "transpose" || (e.x.kind === "fn" && e.x.name === "pow") || (e.x.kind === "op" && e.x.op === "inv");
        const base = sup ? (L ? `\\left(${print(e.x, style)}\\right)` : `(${print(e.x, style)})`) : p(e.x, 2);
        if (L) return `${base}^{${ps}}`;
        return /^-?\d+$/.test(ps) ? base + superscript(ps) : `${base}^(${ps})`;
      }
      if (e.name === "sqrt") return L ? `\\sqrt{${print(e.x, style)}}` : `√(${print(e.x, style)})`;
      return L ? `${FN_LATEX[e.name]}\\left(${print(e.x, style)}\\right)` : `${FN_TEXT[e.name]}(${print(e.x, style)})`;
    }
    case "op": return printOp(e, style);
  }
}

function printOp(e: OpNode, style: PrintStyle): string {
  const L = style.latex;
  const a = e.args.map((x) => print(x, style));
  const atom = (i: number): string => (prec(e.args[i]) < 2 ? (L ? `\\left(${a[i]}\\right)` : `(${a[i]})`) : a[i]);
  const call = (name: string): string => (L ? `\\operatorname{${name}}\\left(${a.join(", ")}\\right)` : `${name}(${a.join(", ")})`);
  switch (e.op) {
    case "tr": return L ? `\\operatorname{tr}\\left(${a[0]}\\right)` : `tr(${a[0]})`;
    case "inner": return L ? `\\left\\langle ${a[0]}, ${a[1]} \\right\\rangle` : `⟨${a[0]}, ${a[1]}⟩`;
    case "sum": return L ? `\\operatorname{sum}${e.label ? `_{${e.label}}` : ""}\\left(${a[0]}\\right)` : `sum${e.label ? `_${e.label}` : ""}(${a[0]})`;
    case "sumTo": return call(`sumTo${e.label}`);
    case "broadcast": return a[0];
    case "diag": return call("diag");
    case "diagEmbed": return call("Diag");
    case "triu": case "tril": return call(e.op + (e.label ? e.label : ""));
    case "reshape": return a[0];
    case "det": return L ? `\\det\\left(${a[0]}\\right)` : `det(${a[0]})`;
    case "logdet": return L ? `\\log\\left|\\det ${atom(0)}\\right|` : `log|det ${atom(0)}|`;
    case "inv": case "solve": {
      // A⁻¹, A⁻ᵀ (inverse of a transpose), and solve(A, B) as A⁻¹·B
      const t = e.args[0].kind === "transpose";
      const base = t ? print((e.args[0] as { x: ExprNode }).x, style) : a[0];
      const needParen = prec(t ? (e.args[0] as { x: ExprNode }).x : e.args[0]) < 2;
      const b = needParen ? (L ? `\\left(${base}\\right)` : `(${base})`) : base;
      const inv = L ? (t ? "^{-\\top}" : "^{-1}") : t ? "⁻ᵀ" : "⁻¹";
      return e.op === "inv" ? b + inv : L ? `${b}${inv} ${atom(1)}` : `${b}${inv}·${atom(1)}`;
    }
    case "cholesky": return call("chol");
    case "expm": return L ? `e^{${a[0]}}` : `exp(${a[0]})`;
    case "expmFrechet": return L ? `L_{\\exp}\\left(${a[0]}, ${a[1]}\\right)` : `L_exp(${a[0]}, ${a[1]})`;
    case "eigvals": return call("λ");
    case "eigvecs": return call("V");
    case "sylvester": return call("sylv");
    case "const": return L ? e.label.replace(/([₀-₉]+)$/u, (m) => `_{${m.split("").map((c) => "₀₁₂₃₄₅₆₇₈₉".indexOf(c)).join("")}}`) : e.label;
    case "opaque": return L ? `\\operatorname{${e.label.replace(/[_{}]/g, "")}}\\left(${a.join(", ")}\\right)` : `${e.label}(${a.join(", ")})`;
  }
}

/**
 * A canonical string of an expression (for like-term collection and
 * symmetry tests): symbols by identity, operators by name and label.
 */
export function key(e: ExprNode): string {
  switch (e.kind) {
    case "sym": return `${e.name}#${e.id}`;
    case "num": return `${e.value}`;
    case "identity": return "I";
    case "ones": return "1";
    case "zero": return "0";
    case "add": return `(+ ${e.terms.map(key).sort().join(" ")})`;
    case "scale": return `(* ${e.c} ${key(e.x)})`;
    case "smul": return `(s ${key(e.s)} ${key(e.x)})`;
    case "matmul": return `(@ ${e.factors.map(key).join(" ")})`;
    case "transpose": return `(T ${key(e.x)})`;
    case "hadamard": return `(o ${e.factors.map(key).sort().join(" ")})`;
    case "div": return `(/ ${key(e.a)} ${key(e.b)})`;
    case "fn": return `(${e.name} ${e.p} ${key(e.x)})`;
    case "op": {
      const args = e.args.map(key);
      if (e.op === "inner") args.sort();
      return `(${e.op}:${e.label}${e.uid === undefined ? "" : `#${e.uid}`} ${args.join(" ")})`;
    }
  }
}

/** The direct children of a node. */
export function children(e: ExprNode): readonly ExprNode[] {
  switch (e.kind) {
    case "add": return e.terms;
    case "scale": return [e.x];
    case "smul": return [e.s, e.x];
    case "matmul": case "hadamard": return e.factors;
    case "transpose": return [e.x];
    case "div": return [e.a, e.b];
    case "fn": return [e.x];
    case "op": return e.args;
    default: return [];
  }
}
