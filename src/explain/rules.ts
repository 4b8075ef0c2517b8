/**
 * Symbolic rules: for each primitive of the registry (src/ops/registry.ts),
 * its forward value, JVP and VJP written as matrix-calculus expressions.
 * They mirror the numeric rules and are checked against them numerically
 * (explain evaluates every printed formula; test/explain checks every rule).
 *
 * A primitive without a symbolic rule falls back to an opaque named operator
 * (`opaqueRule`) whose numeric meaning is the primitive's own rule, so a
 * derivative through it is still shown (as vjp_name(X, Ḡ)) and still verified.
 */
import * as E from "./expr.js";
import type { ExprNode } from "./expr.js";
import { sumAll, tr } from "./simplify.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Rule } from "../tensor/meta.js";
import { rules, type Prim, type PrimParams } from "../ops/registry.js";
import {
  sumToShape, reshape, broadcastTo, diagonal, diagEmbed, triu, tril, sub, mul, add, mT, logsumexp, variance,
} from "../ops/api.js";
import { inv, det, slogdet, solve, cholesky, expmFrechet, expm } from "../linalg/index.js";

/** The numeric context of one step: its input and output values (for opaque operators). */
export interface StepContext {
  readonly rule: Rule;
  readonly params: unknown;
  readonly name: string;
  /** The step's input and output values at the traced point. */
  readonly ins: readonly Tensor[];
  readonly outs: readonly Tensor[];
}

export interface SymRule<P> {
  /** The outputs as expressions of the inputs. */
  forward(x: readonly ExprNode[], p: P, c: StepContext): ExprNode[];
  /** One cotangent expression per input (null: none) given one per output (null: none). */
  vjp(ct: readonly (ExprNode | null)[], x: readonly ExprNode[], out: readonly ExprNode[], p: P, c: StepContext): (ExprNode | null)[];
  /** One tangent expression per output given one per input (null: zero). */
  jvp(dx: readonly (ExprNode | null)[], x: readonly ExprNode[], out: readonly ExprNode[], p: P, c: StepContext): (ExprNode | null)[];
}

/** Sum a cotangent down to an input's shape (the adjoint of broadcasting). */
export function sumTo(e: ExprNode, shape: E.Shape): ExprNode {
  if (E.sameShape(e.shape, shape)) return e;
  if (shape.length === 0) return sumAll(e);
  if (E.isZero(e)) return E.zero(shape);
  if (e.kind === "scale") return E.scale(e.c, sumTo(e.x, shape));
  return E.op("sumTo", "", [e], shape, ([t]) => sumToShape(t, shape.slice()));
}

const fit = (e: ExprNode | null, shape: E.Shape): ExprNode | null => (e === null ? null : E.sameShape(e.shape, shape) ? e : E.broadcast(e, shape));

const plus = (...ts: (ExprNode | null)[]): ExprNode | null => {
  const nz = ts.filter((t): t is ExprNode => t !== null);
  return nz.length === 0 ? null : E.add(...nz);
};

function reshapeE(x: ExprNode, shape: readonly number[]): ExprNode {
  if (E.sameShape(x.shape, shape)) return x;
  if (E.isZero(x)) return E.zero(shape);
  if (x.kind === "ones") return E.ones(shape);
  if (x.kind === "num") return E.scale(x.value, E.ones(shape));
  if (x.kind === "scale") return E.scale(x.c, reshapeE(x.x, shape));
  if (x.kind === "op" && x.op === "reshape" && E.sameShape(x.args[0].shape, shape)) return x.args[0];
  return E.op("reshape", "", [x], shape, ([t]) => reshape(t, shape.slice()));
}

/** An elementwise unary primitive y = f(x) with derivative f′ written as an expression of x and y. */
function unary(f: (x: ExprNode) => ExprNode, deriv: (x: ExprNode, y: ExprNode) => ExprNode): SymRule<null> {
  return {
    forward: ([x]) => [f(x)],
    vjp: ([ct], [x], [y]) => [ct === null ? null : E.hadamard(ct, deriv(x, y))],
    jvp: ([dx], [x], [y]) => [dx === null ? null : E.hadamard(deriv(x, y), dx)],
  };
}

const matT = (e: ExprNode, t: boolean): ExprNode => (t ? E.transpose(e) : e);

/** The reduced shape kept with unit axes (for the VJP of a partial sum). */
function keptShape(shape: E.Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** A reduced tensor (keepdims or not) spread back over x's shape. */
function spread(r: ExprNode, x: ExprNode, axes: readonly number[]): ExprNode {
  return E.broadcast(reshapeE(r, axes.length === x.shape.length ? [] : keptShape(x.shape, axes)), x.shape);
}

/** (2/d)(x − m), m the mean of x over `axes`: the variance's gradient. */
function deviationsE(x: ExprNode, axes: readonly number[], d: number): ExprNode {
  const n = axes.reduce((q, a) => q * x.shape[a], 1);
  const total = axes.length === x.shape.length
    ? sumAll(x)
    : E.op("sum", `{${axes.join(",")}}`, [x], x.shape.filter((_, i) => !axes.includes(i)), ([t]) => t.sum(axes, false));
  return E.scale(2 / d, E.sub(x, spread(E.scale(1 / n, total), x, axes)));
}

/** exp(x − y) for y = logsumexp(x) over `axes`: the softmax weights. */
function softmaxWeights(x: ExprNode, y: ExprNode, axes: readonly number[]): ExprNode {
  return E.fn("exp", E.sub(x, spread(y, x, axes)));
}

const invE = (a: ExprNode): ExprNode => E.op("inv", "", [a], a.shape, ([t]) => inv(t));
const solveE = (a: ExprNode, b: ExprNode): ExprNode => E.op("solve", "", [a, b], b.shape, ([ta, tb]) => solve(ta, tb));
const detE = (a: ExprNode): ExprNode => E.op("det", "", [a], a.shape.slice(0, -2), ([t]) => det(t));

/** F(λ)ᵢⱼ = 1/(λⱼ − λᵢ) off the diagonal, 0 on it (the eigenvector-derivative weights). */
function gapsE(w: ExprNode): ExprNode {
  const n = w.shape[w.shape.length - 1];
  return E.op("opaque", "F", [w], [...w.shape, n], ([t]) => {
    const d = t.data, m = d.length / n;
    const out = new Float64Array(m * n * n);
    for (let b = 0; b < m; b++)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) if (i !== j) out[b * n * n + i * n + j] = 1 / (d[b * n + j] - d[b * n + i]);
    return broadcastTo(new (t.constructor as new (d: Float64Array, s: number[]) => Tensor)(out, [...t.shape, n]), [...t.shape, n]);
  });
}

const diagE = (x: ExprNode): ExprNode => E.op("diag", "", [x], [...x.shape.slice(0, -2), Math.min(x.shape[x.shape.length - 2], x.shape[x.shape.length - 1])], ([t]) => diagonal(t));
const diagEmbedE = (v: ExprNode): ExprNode => {
  const n = v.shape[v.shape.length - 1];
  if (v.kind === "ones" && v.shape.length === 1) return E.identity([n, n]);
  if (v.kind === "scale") return E.scale(v.c, diagEmbedE(v.x));
  if (v.kind === "smul") return E.smul(v.s, diagEmbedE(v.x));
  if (E.isZero(v)) return E.zero([...v.shape, n]);
  return E.op("diagEmbed", "", [v], [...v.shape, n], ([t]) => diagEmbed(t));
};

type Partial = { [P in Prim]?: SymRule<PrimParams[P]> };

export const symRules: Partial = {
  identity: { forward: ([x]) => [x], vjp: ([ct]) => [ct], jvp: ([dx]) => [dx] },
  add: {
    forward: ([a, b]) => [E.add(a, b)],
    vjp: ([ct], [a, b]) => (ct === null ? [null, null] : [sumTo(ct, a.shape), sumTo(ct, b.shape)]),
    jvp: ([da, db], _x, [y]) => [fit(plus(da, db), y.shape)],
  },
  sub: {
    forward: ([a, b]) => [E.sub(a, b)],
    vjp: ([ct], [a, b]) => (ct === null ? [null, null] : [sumTo(ct, a.shape), sumTo(E.neg(ct), b.shape)]),
    jvp: ([da, db], _x, [y]) => [fit(plus(da, db === null ? null : E.neg(db)), y.shape)],
  },
  mul: {
    // d(a∘b) = da∘b + a∘db;  ā = Ḡ∘b, b̄ = Ḡ∘a (summed down to each shape)
    forward: ([a, b]) => [E.hadamard(a, b)],
    vjp: ([ct], [a, b]) => (ct === null ? [null, null] : [sumTo(E.hadamard(ct, b), a.shape), sumTo(E.hadamard(ct, a), b.shape)]),
    jvp: ([da, db], [a, b], [y]) => [fit(plus(da === null ? null : E.hadamard(da, b), db === null ? null : E.hadamard(a, db)), y.shape)],
  },
  div: {
    // d(a⊘b) = da⊘b − a∘db⊘b²
    forward: ([a, b]) => [E.div(a, b)],
    vjp: ([ct], [a, b]) => (ct === null ? [null, null] : [sumTo(E.div(ct, b), a.shape), sumTo(E.neg(E.div(E.hadamard(ct, a), E.fn("pow", b, 2))), b.shape)]),
    jvp: ([da, db], [a, b], [y]) => [fit(plus(da === null ? null : E.div(da, b), db === null ? null : E.neg(E.div(E.hadamard(a, db), E.fn("pow", b, 2)))), y.shape)],
  },
  neg: { forward: ([x]) => [E.neg(x)], vjp: ([ct]) => [ct === null ? null : E.neg(ct)], jvp: ([dx]) => [dx === null ? null : E.neg(dx)] },
  mulScalar: {
    forward: ([x], { s }) => [E.scale(s, x)],
    vjp: ([ct], _x, _o, { s }) => [ct === null ? null : E.scale(s, ct)],
    jvp: ([dx], _x, _o, { s }) => [dx === null ? null : E.scale(s, dx)],
  },
  exp: unary((x) => E.fn("exp", x), (_x, y) => y),
  log: unary((x) => E.fn("log", x), (x) => E.div(E.ones(x.shape), x)),
  sqrt: unary((x) => E.fn("sqrt", x), (_x, y) => E.div(E.ones(y.shape), E.scale(2, y))),
  abs: unary((x) => E.fn("abs", x), (x) => E.fn("sign", x)),
  sin: unary((x) => E.fn("sin", x), (x) => E.fn("cos", x)),
  cos: unary((x) => E.fn("cos", x), (x) => E.neg(E.fn("sin", x))),
  tan: unary((x) => E.fn("tan", x), (_x, y) => E.add(E.ones(y.shape), E.fn("pow", y, 2))),
  tanh: unary((x) => E.fn("tanh", x), (_x, y) => E.sub(E.ones(y.shape), E.fn("pow", y, 2))),
  sigmoid: unary((x) => E.fn("sigmoid", x), (_x, y) => E.hadamard(y, E.sub(E.ones(y.shape), y))),
  relu: unary((x) => E.fn("relu", x), (x) => E.fn("step", x)),
  powScalar: {
    forward: ([x], { p }) => [E.fn("pow", x, p)],
    vjp: ([ct], [x], _o, { p }) => [ct === null ? null : E.scale(p, E.hadamard(ct, E.fn("pow", x, p - 1)))],
    jvp: ([dx], [x], _o, { p }) => [dx === null ? null : E.scale(p, E.hadamard(E.fn("pow", x, p - 1), dx))],
  },
  sum: {
    forward: ([x], { axes, keepdims }) => {
      if (axes.length === x.shape.length) return [reshapeE(sumAll(x), keepdims ? x.shape.map(() => 1) : [])];
      const shape = keepdims ? keptShape(x.shape, axes) : x.shape.filter((_, i) => !axes.includes(i));
      return [E.op("sum", `{${axes.join(",")}}`, [x], shape, ([t]) => t.sum(axes, keepdims))];
    },
    vjp: ([ct], [x], _o, { axes }) => [ct === null ? null : E.broadcast(reshapeE(ct, axes.length === x.shape.length ? [] : keptShape(x.shape, axes)), x.shape)],
    jvp: ([dx], [x], [y], { axes, keepdims }) => {
      if (dx === null) return [null];
      if (axes.length === x.shape.length) return [reshapeE(sumAll(dx), y.shape)];
      return [E.op("sum", `{${axes.join(",")}}`, [dx], y.shape, ([t]) => t.sum(axes, keepdims))];
    },
  },
  variance: {
    // v = Σ (x − m)² / d:  x̄ = v̄ ∘ (2/d)(x − m),  dv = Σ dx ∘ (2/d)(x − m)
    forward: ([x], { axes, keepdims, divisor }, c) => {
      const shape = keepdims ? keptShape(x.shape, axes) : x.shape.filter((_, i) => !axes.includes(i));
      const count = axes.reduce((q, a) => q * x.shape[a], 1); // correction count − d gives the divisor d back
      // (one operator per call: variances of x over other axes or with another correction stay distinct)
      return [opaqueOp(c, "variance", [x], shape, ([t]) => variance(t, { axes, keepdims, correction: count - divisor }))];
    },
    vjp: ([ct], [x], _o, p) => [ct === null ? null : E.hadamard(spread(ct, x, p.axes), deviationsE(x, p.axes, p.divisor))],
    jvp: ([dx], [x], [y], { axes, keepdims, divisor }) =>
      [dx === null ? null : E.op("sum", `{${axes.join(",")}}`, [E.hadamard(dx, deviationsE(x, axes, divisor))], y.shape, ([t]) => t.sum(axes, keepdims))],
  },
  logsumexp: {
    // y = log Σ exp(x):  x̄ = ȳ ∘ exp(x − y),  dy = Σ dx ∘ exp(x − y)  (the softmax as weights)
    forward: ([x], { axes, keepdims }, c) => {
      const shape = keepdims ? keptShape(x.shape, axes) : x.shape.filter((_, i) => !axes.includes(i));
      // (a named operator, one per call so that those over other axes stay distinct; its derivatives are
      // written out with exp, the softmax weights)
      return [opaqueOp(c, "logsumexp", [x], shape, ([t]) => logsumexp(t, axes, keepdims))];
    },
    vjp: ([ct], [x], [y], { axes }) => [ct === null ? null : E.hadamard(spread(ct, x, axes), softmaxWeights(x, y, axes))],
    jvp: ([dx], [x], [y], { axes, keepdims }) =>
      [dx === null ? null : E.op("sum", `{${axes.join(",")}}`, [E.hadamard(dx, softmaxWeights(x, y, axes))], y.shape, ([t]) => t.sum(axes, keepdims))],
  },
  reshape: {
    forward: ([x], { shape }) => [reshapeE(x, shape)],
    vjp: ([ct], [x]) => [ct === null ? null : reshapeE(ct, x.shape)],
    jvp: ([dx], _x, _o, { shape }) => [dx === null ? null : reshapeE(dx, shape)],
  },
  broadcastTo: {
    forward: ([x], { shape }) => [E.broadcast(x, shape)],
    vjp: ([ct], [x]) => [ct === null ? null : sumTo(ct, x.shape)],
    jvp: ([dx], _x, _o, { shape }) => [dx === null ? null : E.broadcast(dx, shape)],
  },
  // off-diagonals and rectangular embeddings: opaque operators (their own rule), the main diagonal of a square matrix by name
  diagonal: {
    forward: ([x], { k }, c) => [sq(x) && k === 0 ? diagE(x) : opaqueRule(c, [diagShape(x, k)]).forward([x], null, c)[0]],
    vjp: (ct, x, o, { k }, c) => (sq(x[0]) && k === 0 ? [ct[0] === null ? null : diagEmbedE(ct[0])] : opaqueRule(c, [o[0].shape]).vjp(ct, x, o, null, c)),
    jvp: (dx, x, o, { k }, c) => (sq(x[0]) && k === 0 ? [dx[0] === null ? null : diagE(dx[0])] : opaqueRule(c, [o[0].shape]).jvp(dx, x, o, null, c)),
  },
  diagEmbed: {
    forward: ([v], { k, m, n }, c) => [k === 0 && m === n ? diagEmbedE(v) : opaqueRule(c, [[...v.shape.slice(0, -1), m, n]]).forward([v], null, c)[0]],
    vjp: (ct, x, o, { k, m, n }, c) => (k === 0 && m === n ? [ct[0] === null ? null : diagE(ct[0])] : opaqueRule(c, [o[0].shape]).vjp(ct, x, o, null, c)),
    jvp: (dx, x, o, { k, m, n }, c) => (k === 0 && m === n ? [dx[0] === null ? null : diagEmbedE(dx[0])] : opaqueRule(c, [o[0].shape]).jvp(dx, x, o, null, c)),
  },
  triangle: {
    forward: ([x], { k, upper }) => [triE(x, k, upper)],
    vjp: ([ct], _x, _o, { k, upper }) => [ct === null ? null : triE(ct, k, upper)],
    jvp: ([dx], _x, _o, { k, upper }) => [dx === null ? null : triE(dx, k, upper)],
  },
  matmul: {
    // C = op(A)·op(B):  dC = op(dA)·op(B) + op(A)·op(dB);  op(A)‾ = C̄·op(B)ᵀ, op(B)‾ = op(A)ᵀ·C̄
    forward: ([a, b], { ta, tb }) => [E.matmul(matT(a, ta), matT(b, tb))],
    vjp: ([ct], [a, b], _o, { ta, tb }) => {
      if (ct === null) return [null, null];
      const A = matT(a, ta), B = matT(b, tb);
      const gA = E.matmul(ct, E.transpose(B)), gB = E.matmul(E.transpose(A), ct);
      return [sumTo(matT(gA, ta), a.shape), sumTo(matT(gB, tb), b.shape)];
    },
    jvp: ([da, db], [a, b], [y], { ta, tb }) => [fit(plus(
      da === null ? null : E.matmul(matT(da, ta), matT(b, tb)),
      db === null ? null : E.matmul(matT(a, ta), matT(db, tb)),
    ), y.shape)],
  },
  permute: {
    forward: ([x], { perm }) => [isMatT(perm) ? E.transpose(x) : opaquePermute(x, perm)],
    vjp: ([ct], _x, _o, { perm }) => {
      if (ct === null) return [null];
      const back = new Array<number>(perm.length);
      perm.forEach((a, i) => (back[a] = i));
      return [isMatT(perm) ? E.transpose(ct) : opaquePermute(ct, back)];
    },
    jvp: ([dx], _x, _o, { perm }) => [dx === null ? null : isMatT(perm) ? E.transpose(dx) : opaquePermute(dx, perm)],
  },

  // ---- linear algebra (textbook forms)
  inv: {
    // C = A⁻¹:  dC = −C·dA·C,  Ā = −Cᵀ·C̄·Cᵀ = −A⁻ᵀ·C̄·A⁻ᵀ
    forward: ([a]) => [invE(a)],
    vjp: ([ct], _x, [c]) => [ct === null ? null : E.neg(E.matmul(E.transpose(c), ct, E.transpose(c)))],
    jvp: ([da], _x, [c]) => [da === null ? null : E.neg(E.matmul(c, da, c))],
  },
  det: {
    // d det A = det(A)·tr(A⁻¹·dA),  Ā = ḡ·det(A)·A⁻ᵀ
    forward: ([a]) => [detE(a)],
    vjp: ([ct], [a], [d]) => [ct === null ? null : E.smul(ct, E.smul(d, E.transpose(invE(a))))],
    jvp: ([da], [a], [d]) => [da === null ? null : E.smul(d, tr(E.matmul(invE(a), da)))],
  },
  slogdet: {
    // log|det A|: d = tr(A⁻¹·dA),  Ā = ḡ·A⁻ᵀ;  the sign is piecewise constant
    forward: ([a]) => [
      E.op("opaque", "sign det", [a], a.shape.slice(0, -2), ([t]) => slogdet(t).sign),
      E.op("logdet", "", [a], a.shape.slice(0, -2), ([t]) => slogdet(t).logabsdet),
    ],
    vjp: ([, ct], [a]) => [ct === null ? null : E.smul(ct, E.transpose(invE(a)))],
    jvp: ([da], [a]) => [null, da === null ? null : tr(E.matmul(invE(a), da))],
  },
  solve: {
    // X = A⁻¹·B (A⁻ᵀ·B when adjoint):  B̄ = A⁻ᵀ·X̄,  Ā = −B̄·Xᵀ;  dX = A⁻¹·(dB − dA·X)
    forward: ([a, b], { adjoint }) => [solveE(matT(a, adjoint), b)],
    vjp: ([ct], [a, b], [x], { adjoint }) => {
      if (ct === null) return [null, null];
      const gb = solveE(matT(a, !adjoint), ct);
      const ga = E.neg(E.matmul(gb, E.transpose(x)));
      return [sumTo(matT(ga, adjoint), a.shape), sumTo(gb, b.shape)];
    },
    jvp: ([da, db], [a], [x], { adjoint }) => {
      const rhs = plus(db, da === null ? null : E.neg(E.matmul(matT(da, adjoint), x)));
      return [rhs === null ? null : solveE(matT(a, adjoint), rhs)];
    },
  },
  cholesky: {
    // A = L·Lᵀ (A read as symmetric):  dL = L·Φ(L⁻¹·sym(dA)·L⁻ᵀ),  Ā = sym(L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹),
    // Φ = the lower triangle with the diagonal halved (Murray 2016)
    forward: ([a]) => [E.op("cholesky", "", [a], a.shape, ([t]) => cholesky(t))],
    vjp: ([ct], _x, [l]) => [ct === null ? null : symE(E.matmul(E.transpose(invE(l)), phiE(E.matmul(E.transpose(l), ct)), invE(l)))],
    jvp: ([da], _x, [l]) => [da === null ? null : E.matmul(l, phiE(E.matmul(invE(l), symE(da), E.transpose(invE(l)))))],
  },
  expm: {
    // E = e^A:  dE = L(A, dA),  Ā = L(Aᵀ, Ē)  (the Fréchet derivative of exp)
    forward: ([a]) => [E.op("expm", "", [a], a.shape, ([t]) => expm(t))],
    vjp: ([ct], [a]) => [ct === null ? null : frechetE(E.transpose(a), ct)],
    jvp: ([da], [a]) => [da === null ? null : frechetE(a, da)],
  },
  eigh: {
    // A = V·Λ·Vᵀ:  dλ = diag(Vᵀ·dA·V),  dV = V·(F ∘ (Vᵀ·sym(dA)·V));
    // Ā = V·(Diag(λ̄) + F ∘ (Vᵀ·V̄ − V̄ᵀ·V)/2)·Vᵀ,  Fᵢⱼ = 1/(λⱼ − λᵢ)
    forward: ([a], _p, c) => [
      E.op("eigvals", "", [a], a.shape.slice(0, -1), ([t]) => (c.rule.forward([t], c.params) as Tensor[])[0]),
      E.op("eigvecs", "", [a], a.shape, ([t]) => (c.rule.forward([t], c.params) as Tensor[])[1]),
    ],
    vjp: (ct, x, out, p, c) => {
      // tied eigenvalues: F is undefined there and matgrad shares the cotangent over the cluster — its own rule, by name
      if (degenerate(c, p.tol)) return opaqueRule(c, out.map((o) => o.shape)).vjp(ct, x, out, null, c);
      const [gw, gv] = ct, [w, v] = out;
      let mid: ExprNode | null = gw === null ? null : diagEmbedE(gw);
      if (gv !== null) {
        const j = E.matmul(E.transpose(v), gv);
        mid = plus(mid, E.scale(0.5, E.hadamard(gapsE(w), E.sub(j, E.transpose(j)))));
      }
      return [mid === null ? null : E.matmul(v, mid, E.transpose(v))];
    },
    jvp: (dx, x, out, prm, c) => {
      if (degenerate(c, prm.tol)) return opaqueRule(c, out.map((o) => o.shape)).jvp(dx, x, out, null, c);
      const [da] = dx, [w, v] = out;
      if (da === null) return [null, null];
      const p = E.matmul(E.transpose(v), symE(da), v);
      return [diagE(E.matmul(E.transpose(v), da, v)), E.matmul(v, E.hadamard(gapsE(w), p))];
    },
  },
  triangularSolve: {
    // X = op(T)⁻¹·B (left), as a solve with a triangular matrix: B̄ = op(T)⁻ᵀ·X̄, T̄ = the triangle of −B̄·Xᵀ
    forward: ([t, b], p, c) => [opaqueOp(c, "trisolve", [t, b], b.shape, ([tt, tb]) => c.rule.forward([tt, tb], c.params) as Tensor)],
    vjp: (ct, x, out, _p, c) => x.map((xi, i) => (ct[0] === null ? null : opaqueVjp(c, x, out, ct, i, xi.shape))),
    jvp: (dx, x, out, _p, c) => [opaqueJvp(c, x, out, dx, out[0].shape)],
  },
};

function isMatT(perm: readonly number[]): boolean {
  const n = perm.length;
  return n >= 2 && perm[n - 1] === n - 2 && perm[n - 2] === n - 1 && perm.slice(0, -2).every((a, i) => a === i);
}

function triE(x: ExprNode, k: number, upper: boolean): ExprNode {
  if (E.isZero(x)) return x;
  return E.op(upper ? "triu" : "tril", k === 0 ? "" : `_${k}`, [x], x.shape, ([t]) => (upper ? triu(t, k) : tril(t, k)));
}

/** Are two eigenvalues of some matrix of the batch tied (|λᵢ − λⱼ| ≤ tol·max|λ|, matgrad's criterion)? */
function degenerate(c: StepContext, tol: number): boolean {
  const w = c.outs[0], n = w.shape[w.shape.length - 1];
  for (let b = 0; b < w.size / n; b++) {
    let scale = 0;
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(w.data[b * n + i]));
    for (let i = 1; i < n; i++) if (Math.abs(w.data[b * n + i] - w.data[b * n + i - 1]) <= tol * scale) return true;
  }
  return false;
}

const sq = (x: ExprNode): boolean => x.shape.length >= 2 && x.shape[x.shape.length - 1] === x.shape[x.shape.length - 2];

/** The shape of diagonal(x, k). */
function diagShape(x: ExprNode, k: number): number[] {
  const m = x.shape[x.shape.length - 2], n = x.shape[x.shape.length - 1];
  return [...x.shape.slice(0, -2), Math.max(0, k >= 0 ? Math.min(m, n - k) : Math.min(m + k, n))];
}

function opaquePermute(x: ExprNode, perm: readonly number[]): ExprNode {
  return E.op("opaque", `permute[${perm.join(",")}]`, [x], perm.map((a) => x.shape[a]), ([t]) => t.permute(perm.slice()));
}

/** Φ(M): the lower triangle of M with its diagonal halved. */
function phiE(m: ExprNode): ExprNode {
  return E.op("opaque", "Φ", [m], m.shape, ([t]) => sub(tril(t), mul(diagEmbed(diagonal(t)), 0.5)));
}

/** sym(M) = (M + Mᵀ)/2. */
function symE(m: ExprNode): ExprNode {
  if (E.isSymmetric(m)) return m;
  return E.op("opaque", "sym", [m], m.shape, ([t]) => mul(add(t, mT(t)), 0.5));
}

function frechetE(a: ExprNode, e: ExprNode): ExprNode {
  return E.op("expmFrechet", "", [a, e], e.shape, ([ta, te]) => expmFrechet(ta, te));
}

const asList = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);

const uids = new WeakMap<object, number>();
let nextUid = 0;
/**
 * An identity for the operators of one step's rule and parameters: two opaque operators with the
 * same name and operands but other parameters (two slices of X) must not be taken for one.
 */
function stepUid(c: StepContext): number {
  const k = (c.params !== null && typeof c.params === "object" ? c.params : c.rule) as object;
  let u = uids.get(k);
  if (u === undefined) uids.set(k, (u = nextUid++));
  return u;
}

/** An opaque operator of step c. */
function opaqueOp(c: StepContext, label: string, args: readonly ExprNode[], shape: E.Shape, evaluate: (vals: Tensor[]) => Tensor): ExprNode {
  return { ...(E.op("opaque", label, args, shape, evaluate) as E.OpNode), uid: stepUid(c) };
}

/** The VJP of a primitive as an opaque operator vjp_name(x…, Ḡ…): evaluated with the primitive's own rule. */
export function opaqueVjp(c: StepContext, x: readonly ExprNode[], out: readonly ExprNode[], ct: readonly (ExprNode | null)[], i: number, shape: E.Shape): ExprNode {
  const nx = x.length;
  const cts = ct.map((g, j) => g ?? E.zero(out[j].shape));
  return opaqueOp(c, `vjp_${c.name}${nx > 1 ? E.subscript(i + 1) : ""}`, [...x, ...cts], shape, (vals) => {
    const ins = vals.slice(0, nx), g = vals.slice(nx);
    const outs = asList(c.rule.forward(ins, c.params));
    const needs = ins.map((_, k) => k === i);
    const r = c.rule.vjp(outs.length === 1 && (c.rule.nOut ?? 1) === 1 ? g[0] : g, ins, outs.length === 1 && (c.rule.nOut ?? 1) === 1 ? outs[0] : outs, c.params, needs)[i];
    if (r === null || r === undefined) return broadcastTo(mul(g[0], 0).sum(), shape.slice());
    return E.sameShape(r.shape, shape) ? r : sumToShape(r, shape.slice());
  });
}

/** The JVP of a primitive (output o) as an opaque operator jvp_name(x…, dx…). */
export function opaqueJvp(c: StepContext, x: readonly ExprNode[], out: readonly ExprNode[], dx: readonly (ExprNode | null)[], shape: E.Shape, o = 0): ExprNode | null {
  const live = dx.map((d, k) => (d === null ? -1 : k)).filter((k) => k >= 0);
  if (live.length === 0) return null;
  const nx = x.length;
  const name = `jvp_${c.name}${out.length > 1 ? E.subscript(o + 1) : ""}`;
  return opaqueOp(c, name, [...x, ...live.map((k) => dx[k]!)], shape, (vals) => {
    const ins = vals.slice(0, nx);
    const ts: (Tensor | null)[] = ins.map(() => null);
    live.forEach((k, j) => (ts[k] = vals[nx + j]));
    const outs = asList(c.rule.forward(ins, c.params));
    const single = outs.length === 1 && (c.rule.nOut ?? 1) === 1;
    const r = c.rule.jvp(ts, ins, single ? outs[0] : outs, c.params);
    const t = Array.isArray(r) ? r[o] : r;
    if (t === null || t === undefined) return broadcastTo(mul(outs[o], 0), shape.slice());
    return E.sameShape(t.shape, shape) ? t : broadcastTo(t, shape.slice());
  });
}

/** The fallback for a primitive without a symbolic rule: an opaque named operator, derivatives by its own rule. */
export function opaqueRule(c: StepContext, outShapes: readonly E.Shape[]): SymRule<unknown> {
  return {
    forward: (x) => outShapes.map((s, o) => opaqueOp(c, c.name + (outShapes.length > 1 ? `[${o}]` : ""), x, s, (vals) => asList(c.rule.forward(vals, c.params))[o])),
    vjp: (ct, x, out) => (ct.every((g) => g === null) ? x.map(() => null) : x.map((xi, i) => (c.rule.nondiff?.includes(i) ? null : opaqueVjp(c, x, out, ct, i, xi.shape)))),
    jvp: (dx, x, out) => out.map((o, k) => opaqueJvp(c, x, out, dx, o.shape, k)),
  };
}

const primOf = new Map<Rule, Prim>();
for (const p of Object.keys(rules) as Prim[]) primOf.set(rules[p], p);

/** The registry primitive a rule belongs to (undefined for custom / implicit rules made per call). */
export function primOfRule(rule: Rule): Prim | undefined {
  return primOf.get(rule);
}

/** The symbolic rule of a step (its registry entry, or the opaque fallback). */
export function symRuleOf(c: StepContext, outShapes: readonly E.Shape[]): { rule: SymRule<unknown>; opaque: boolean } {
  const p = primOf.get(c.rule);
  const r = p === undefined ? undefined : (symRules[p] as SymRule<unknown> | undefined);
  return r === undefined ? { rule: opaqueRule(c, outShapes), opaque: true } : { rule: r, opaque: false };
}

