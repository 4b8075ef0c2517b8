/**
 * The rewrite system of `explain`, and the scalar operators whose algebra it
 * needs (trace, Frobenius inner product, full sums).
 *
 * simplify(e) rebuilds e bottom-up through the smart constructors of expr.ts
 * (which push transposes through products — (AB)ᵀ = BᵀAᵀ, (Aᵀ)ᵀ = A — drop
 * identity factors and zero terms, pull numbers out of products) and then
 * collects like terms: Σ cᵢ·Tᵢ with equal canonical keys is (Σ cᵢ)·T. Keys
 * see through trace cyclicity (tr(ABC) = tr(CAB) = tr(CᵀBᵀAᵀ)) and
 * ⟨A, B⟩ = tr(AᵀB), so those collect too. `factor` is the presentation step:
 * a common number of all terms is taken out, 2·A + 2·B → 2·(A + B).
 *
 * Every rewrite is an identity of matrix algebra; still, explain evaluates
 * both the raw and the simplified form and shows only what matches autodiff.
 */
import * as E from "./expr.js";
import type { ExprNode, OpNode } from "./expr.js";
import type { Tensor } from "../tensor/tensor.js";
import { trace as trT, sum as sumT, mul as mulT } from "../ops/api.js";

const evTr = ([t]: Tensor[]): Tensor => trT(t);
const evInner = ([a, b]: Tensor[]): Tensor => sumT(mulT(a, b));
const evSum = ([t]: Tensor[]): Tensor => sumT(t);

/** tr(x) of a square matrix: linear, tr(xᵀ) = tr(x), tr(I) = n. */
export function tr(x: ExprNode): ExprNode {
  const n = x.shape[x.shape.length - 1];
  switch (x.kind) {
    case "zero": return E.num(0);
    case "identity": return E.num(n);
    case "scale": return E.scale(x.c, tr(x.x));
    case "smul": return E.smul(x.s, tr(x.x));
    case "add": return E.add(...x.terms.map(tr));
    case "transpose": return tr(x.x);
    case "matmul": {
      // tr is linear: distribute over a sum factor so that like terms can meet
      const k = x.factors.findIndex((f) => f.kind === "add");
      if (k >= 0) {
        const f = x.factors[k] as Extract<ExprNode, { kind: "add" }>;
        return E.add(...f.terms.map((t) => tr(E.matmul(...x.factors.slice(0, k), t, ...x.factors.slice(k + 1)))));
      }
      // tr(AᵀB) = ⟨A, B⟩ for two factors: the Frobenius inner product reads better and collects with sums of A∘B
      if (x.factors.length === 2 && x.factors[0].kind === "transpose") return inner(x.factors[0].x, x.factors[1]);
      if (x.factors.length === 2 && x.factors[1].kind === "transpose") return inner(x.factors[0], x.factors[1].x);
      // tr(Aᵀ·Bᵀ·C) = ⟨B·A, C⟩: rotate the longest run of transposed factors to the front (cyclicity) and pair it
      const f = x.factors, nf = f.length;
      let best = -1, bestLen = 0;
      for (let st = 0; st < nf; st++) {
        let len = 0;
        while (len < nf - 1 && f[(st + len) % nf].kind === "transpose") len++;
        if (len > bestLen) { best = st; bestLen = len; }
      }
      if (bestLen > 0) {
        const rot = f.slice(best).concat(f.slice(0, best));
        const head = rot.slice(0, bestLen).reverse().map((t) => (t as Extract<ExprNode, { kind: "transpose" }>).x);
        const rest = rot.slice(bestLen);
        const lhs = head.length === 1 ? head[0] : E.matmul(...head), rhs = rest.length === 1 ? rest[0] : E.matmul(...rest);
        if (E.sameShape(lhs.shape, rhs.shape)) return inner(lhs, rhs);
      }
      break;
    }
  }
  return E.op("tr", "", [x], [], evTr);
}

/** ⟨a, b⟩ = Σ a∘b = tr(aᵀb): bilinear and symmetric; ⟨I, B⟩ = tr(B), ⟨𝟙, B⟩ = sum(B). */
export function inner(a: ExprNode, b: ExprNode): ExprNode {
  if (E.isZero(a) || E.isZero(b)) return E.num(0);
  if (a.shape.length === 0 || b.shape.length === 0) return sumAll(E.hadamard(a, b));
  const [ca, ra] = E.coefOf(a), [cb, rb] = E.coefOf(b);
  if (ca !== 1 || cb !== 1) return E.scale(ca * cb, inner(ra, rb));
  if (a.kind === "add") return E.add(...a.terms.map((t) => inner(t, b)));
  if (b.kind === "add") return E.add(...b.terms.map((t) => inner(a, t)));
  if (a.kind === "smul") return E.smul(a.s, inner(a.x, b));
  if (b.kind === "smul") return E.smul(b.s, inner(a, b.x));
  if (a.kind === "ones") return sumAll(b);
  if (b.kind === "ones") return sumAll(a);
  if (a.kind === "identity" && E.sameShape(a.shape, b.shape)) return tr(b);
  if (b.kind === "identity" && E.sameShape(a.shape, b.shape)) return tr(a);
  if (a.shape.length === 2 && E.sameShape(a.shape, b.shape) && a.kind === "transpose" && b.kind === "transpose") return inner(a.x, b.x);
  return E.op("inner", "", [a, b], [], evInner);
}

/** Σ of all entries: sum(a∘b) = ⟨a, b⟩, sum(diag(M)) = tr(M), sum(𝟙) = its size. */
export function sumAll(x: ExprNode): ExprNode {
  if (x.shape.length === 0) return x;
  switch (x.kind) {
    case "zero": return E.num(0);
    case "ones": return E.num(x.shape.reduce((p, d) => p * d, 1));
    case "identity": return E.num(x.shape.reduce((p, d) => p * d, 1) / x.shape[x.shape.length - 1]);
    case "scale": return E.scale(x.c, sumAll(x.x));
    case "smul": return E.smul(x.s, sumAll(x.x));
    case "add": return E.add(...x.terms.map(sumAll));
    case "transpose": return sumAll(x.x);
    case "hadamard":
      if (x.factors.length === 2 && E.sameShape(x.factors[0].shape, x.factors[1].shape)) return inner(x.factors[0], x.factors[1]);
      break;
    case "op":
      if (x.op === "diag" && x.label === "" && x.args[0].shape.length === 2) return tr(x.args[0]);
      if (x.op === "broadcast") return E.scale(x.shape.reduce((p, d) => p * d, 1) / x.args[0].shape.reduce((p, d) => p * d, 1), sumAll(x.args[0]));
      break;
  }
  return E.op("sum", "", [x], [], evSum);
}

/** Rebuild an op node from new args through the constructors that know its algebra. */
function rebuildOp(e: OpNode, args: ExprNode[]): ExprNode {
  switch (e.op) {
    case "tr": return tr(args[0]);
    case "inner": return inner(args[0], args[1]);
    case "sum": if (e.label === "") return sumAll(args[0]); break;
    case "broadcast": return E.broadcast(args[0], e.shape);
    case "diagEmbed":
      if (e.label === "" && args[0].kind === "ones" && args[0].shape.length === 1) return E.identity([args[0].shape[0], args[0].shape[0]]);
      if (e.label === "" && args[0].kind === "scale") return E.scale(args[0].c, rebuildOp(e, [args[0].x]));
      if (e.label === "" && args[0].kind === "smul") return E.smul(args[0].s, rebuildOp(e, [args[0].x]));
      if (E.isZero(args[0])) return E.zero(e.shape);
      break;
    case "diag":
      if (e.label === "" && args[0].kind === "identity") return E.ones(e.shape);
      if (E.isZero(args[0])) return E.zero(e.shape);
      break;
    case "reshape":
      if (E.isZero(args[0])) return E.zero(e.shape);
      if (args[0].kind === "ones") return E.ones(e.shape);
      if (args[0].kind === "scale") return E.scale(args[0].c, rebuildOp(e, [args[0].x]));
      if (args[0].kind === "op" && args[0].op === "reshape" && E.sameShape(args[0].args[0].shape, e.shape)) return args[0].args[0];
      if (E.sameShape(args[0].shape, e.shape)) return args[0];
      break;
    case "sumTo":
      if (E.sameShape(args[0].shape, e.shape)) return args[0];
      if (e.shape.length === 0) return sumAll(args[0]);
      if (E.isZero(args[0])) return E.zero(e.shape);
      if (args[0].kind === "scale") return E.scale(args[0].c, rebuildOp(e, [args[0].x]));
      break;
    case "inv":
      if (args[0].kind === "identity") return args[0];
      if (args[0].kind === "transpose") return E.transpose(rebuildOp(e, [args[0].x]));
      break;
    case "triu": case "tril":
      if (E.isZero(args[0])) return E.zero(e.shape);
      break;
  }
  if (args.every((a, i) => a === e.args[i])) return e;
  return { ...e, args };
}

/** Rebuild bottom-up through the smart constructors, with `subst` replacing symbols (by id). */
export function rebuild(e: ExprNode, subst: ReadonlyMap<number, ExprNode> = new Map(), memo = new Map<ExprNode, ExprNode>()): ExprNode {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  const r = (x: ExprNode): ExprNode => rebuild(x, subst, memo);
  let out: ExprNode;
  switch (e.kind) {
    case "sym": out = subst.get(e.id) ?? e; break;
    case "num": case "identity": case "ones": case "zero": out = e; break;
    case "add": out = collect(E.add(...e.terms.map(r))); break;
    case "scale": out = E.scale(e.c, r(e.x)); break;
    case "smul": out = E.smul(r(e.s), r(e.x)); break;
    case "matmul": out = E.matmul(...e.factors.map(r)); break;
    case "transpose": out = E.transpose(r(e.x)); break;
    case "hadamard": out = E.hadamard(...e.factors.map(r)); break;
    case "div": out = E.div(r(e.a), r(e.b)); break;
    case "fn": out = E.fn(e.name, r(e.x), e.p); break;
    case "op": out = rebuildOp(e, e.args.map(r)); break;
  }
  memo.set(e, out);
  return out;
}

/** Canonical key of a term up to trace cyclicity and ⟨A, B⟩ = tr(AᵀB). */
export function termKey(e: ExprNode): string {
  if (e.kind === "op" && (e.op === "tr" || e.op === "inner")) {
    const fs: ExprNode[] = e.op === "inner" ? [E.transpose(e.args[0]), e.args[1]] : e.args[0].kind === "matmul" ? [...e.args[0].factors] : [e.args[0]];
    const cands: string[] = [];
    const rev = fs.slice().reverse().map(E.transpose);
    for (const list of [fs, rev])
      for (let i = 0; i < list.length; i++) cands.push(list.slice(i).concat(list.slice(0, i)).map(E.key).join(" "));
    cands.sort();
    return `(tr ${cands[0]})`;
  }
  return E.key(e);
}

/** Collect like terms of a sum: c₁·T + c₂·T → (c₁ + c₂)·T, in order of first appearance. */
export function collect(e: ExprNode): ExprNode {
  if (e.kind !== "add") return e;
  const order: string[] = [];
  const acc = new Map<string, { c: number; t: ExprNode }>();
  let constant = 0;
  for (const term of e.terms) {
    const [c, t] = E.coefOf(term);
    if (t.kind === "num") { constant += c * t.value; continue; }
    const k = termKey(t);
    const a = acc.get(k);
    if (a === undefined) { acc.set(k, { c, t }); order.push(k); } else a.c += c;
  }
  const terms: ExprNode[] = [];
  for (const k of order) {
    const { c, t } = acc.get(k)!;
    if (Math.abs(c) > 1e-14 * Math.max(1, Math.abs(c))) terms.push(E.scale(Math.abs(c - Math.round(c)) < 1e-12 ? Math.round(c) : c, t));
  }
  if (constant !== 0) terms.push(E.num(constant));
  // read a − b rather than −b + a: a positive term first
  const pos = terms.findIndex((t) => E.coefOf(t)[0] > 0);
  if (pos > 0) terms.unshift(...terms.splice(pos, 1));
  if (terms.length === 0) return E.zero(e.shape);
  if (terms.length === 1) return terms[0].shape.length === e.shape.length ? terms[0] : E.broadcast(terms[0], e.shape);
  return { kind: "add", terms, shape: e.shape };
}

/** Presentation: take a common number out of a sum (2·A + 2·B → 2·(A + B); −A − B → −(A + B)), recursively. */
export function factor(e: ExprNode): ExprNode {
  const kids = E.children(e);
  if (kids.length === 0) return e;
  let f: ExprNode;
  switch (e.kind) {
    case "add": f = { ...e, terms: e.terms.map(factor) }; break;
    case "scale": f = { ...e, x: factor(e.x) }; break;
    case "smul": f = { ...e, s: factor(e.s), x: factor(e.x) }; break;
    case "matmul": f = { ...e, factors: e.factors.map(factor) }; break;
    case "hadamard": f = { ...e, factors: e.factors.map(factor) }; break;
    case "transpose": f = { ...e, x: factor(e.x) }; break;
    case "div": f = { ...e, a: factor(e.a), b: factor(e.b) }; break;
    case "fn": f = { ...e, x: factor(e.x) }; break;
    case "op": f = { ...e, args: e.args.map(factor) }; break;
    default: f = e;
  }
  if (f.kind !== "add") return f;
  const common = commonFactor(f);
  if (common !== null) return common;
  const cs = f.terms.map((t) => E.coefOf(t)[0]);
  const c0 = cs[0];
  if (c0 === 1 || !cs.every((c) => c === c0) || f.terms.some((t) => t.kind === "num")) return f;
  return { kind: "scale", c: c0, x: { ...f, terms: f.terms.map((t) => E.coefOf(t)[1]) }, shape: f.shape };
}

/** F·A + F·B → F·(A + B) and A·F + B·F → (A + B)·F when every term shares the outer factor F. */
function commonFactor(f: Extract<ExprNode, { kind: "add" }>): ExprNode | null {
  const parts = f.terms.map((t) => E.coefOf(t));
  if (!parts.every(([, t]) => t.kind === "matmul" && t.factors.length >= 2)) return null;
  const fs = parts.map(([, t]) => (t as Extract<ExprNode, { kind: "matmul" }>).factors);
  for (const side of ["left", "right"] as const) {
    const pick = (l: readonly ExprNode[]): ExprNode => (side === "left" ? l[0] : l[l.length - 1]);
    const k0 = E.key(pick(fs[0]));
    if (!fs.every((l) => E.key(pick(l)) === k0)) continue;
    const rest = parts.map(([c], i) => E.scale(c, E.matmul(...(side === "left" ? fs[i].slice(1) : fs[i].slice(0, -1)))));
    const sum = factor(collect(E.add(...rest)));
    if (E.isZero(sum)) return E.zero(f.shape);
    const inner: ExprNode = sum.kind === "scale" ? sum.x : sum;
    const c = sum.kind === "scale" ? sum.c : 1;
    const prod: ExprNode = { kind: "matmul", factors: side === "left" ? [pick(fs[0]), inner] : [inner, pick(fs[0])], shape: f.shape };
    return c === 1 ? prod : { kind: "scale", c, x: prod, shape: f.shape };
  }
  return null;
}

/** The full simplification: rebuild (local algebra), collect like terms, factor numbers out for printing. */
export function simplify(e: ExprNode): ExprNode {
  let cur = e;
  for (let i = 0; i < 3; i++) {
    const next = rebuild(cur);
    const same = E.key(next) === E.key(cur);
    cur = next;
    if (same) break;
  }
  return factor(cur);
}

/** How often each symbol (by id) occurs in e (a shared subtree counts once per path). */
export function countSyms(e: ExprNode, counts: Map<number, number>): void {
  if (e.kind === "sym") counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  for (const c of E.children(e)) countSyms(c, counts);
}
