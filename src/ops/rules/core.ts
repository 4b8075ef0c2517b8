/**
 * Rules of the core primitives: forward (kernels), VJP and JVP side by side,
 * the derivative rules written with differentiable ops so that they can be
 * differentiated again. Un-broadcasting of cotangents happens in the engine.
 */
import { EXPOSED, Tensor } from "../../tensor/tensor.js";
import { isGradEnabled, type Rule } from "../../tensor/meta.js";
import { broadcastShapes, fmtShape, reducedShape, shapesEqual, sizeOf } from "../../tensor/shape.js";
import { ShapeError } from "../../errors.js";
import * as ew from "../../kernels/elementwise.js";
import { logsumexp as logsumexpKernel, reduce, variance as varianceKernel } from "../../kernels/reduce.js";
import * as lay from "../../kernels/layout.js";
import { backend, gemmBatched } from "../../kernels/backend.js";
import { alloc, allocUninit } from "../../kernels/alloc.js";
import { isKnownDiagonal, markDiagonal, markTransposeOf, transposeSource, unitBasisOf } from "../../tensor/structure.js";
import { basisGemm, basisMul } from "../../kernels/basis.js";
import { gram, GRAM_BASE } from "../../kernels/syrk.js";
import type { CoreParams, ReduceParams } from "../registry.js";
import { apply } from "../dispatch.js";
import { alignForBroadcast, batchBroadcast, batchLeading, liftValues, materialize, padToRank, shiftAxes } from "../batching.js";
import {
  add, sub, mul, div, neg, exp, log, cos, sin, where, pow, sign, step, eq, ne, gt, lt, sum, reshape, permute,
  broadcastTo, sumToShape, matmulT, concat, slice, diagonal, type SliceSpec,
} from "../api.js";
import { zerosLike } from "../../tensor/create.js";

type R<P extends keyof CoreParams> = Rule<CoreParams[P]>;

// ---------------------------------------------------------------------------
// helpers for symbolic zeros (null tangents / cotangents)

function plus(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}

function binaryForward(op: ew.BinaryOp, name: string) {
  return ([a, b]: Tensor[]): Tensor => {
    const shape = broadcastShapes(name, a.shape, b.shape);
    return new Tensor(ew.binary(op, a._data, a.shape, b._data, b.shape, shape), shape);
  };
}

/**
 * mul's forward: a product with a marked slice of the identity (jacobian's
 * basis, at least BASIS_MIN entries, the other factor finite and broadcast to
 * it) writes only where the basis has its 1s (kernels/basis.ts) — the
 * elementwise VJP / JVP of a Jacobian's first step.
 */
function mulForward([a, b]: Tensor[]): Tensor {
  const shape = broadcastShapes("mul", a.shape, b.shape);
  const size = sizeOf(shape);
  if (size >= BASIS_MIN) {
    for (const [u, v] of [[a, b], [b, a]] as const) {
      const basis = u._data.length === size ? unitBasisOf(u._data) : undefined;
      if (basis !== undefined && allFinite(v._data))
        return new Tensor(basisMul(basis, shape, v._data, ew.broadcastStrides(v.shape, shape), alloc(size)), shape);
    }
  }
  return new Tensor(ew.binary("mul", a._data, a.shape, b._data, b.shape, shape), shape);
}

function unaryForward(op: ew.UnaryOp) {
  return ([x]: Tensor[]): Tensor => new Tensor(ew.unary(op, x._data), x.shape);
}

/** A unary rule whose derivative is f'(x, out): VJP ct·f', JVP dx·f'. */
function unaryRule(name: string, op: ew.UnaryOp, deriv: (x: Tensor, out: Tensor) => Tensor): Rule<null> {
  const rule: Rule<null> = {
    name,
    // the VJP's cotangent is a new product ct·f′
    freshVjp: true,
    forward: unaryForward(op),
    // elementwise: the physical tensor as it is
    batch: ([x]) => apply(rule, [x], null),
    vjp: (ct: Tensor, [x], out: Tensor) => [mul(ct, deriv(x, out))],
    jvp: ([dx], [x], out: Tensor) => (dx === null ? null : mul(dx, deriv(x, out))),
  };
  return rule;
}

// ---------------------------------------------------------------------------
// matmul kernel driver: batched, broadcasting over leading axes

function allFinite(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] - x[i] !== 0) return false;
  return true;
}

/** Products below this many multiply-adds never look for a unit basis (a WeakMap lookup per product would cost the small ones). */
const BASIS_MIN = 1 << 14;

/**
 * C_t = beta·C_t + op(A_t)·op(B_t) by row / column copies when one factor is
 * a marked slice of the identity (jacobian's basis: see kernels/basis.ts) and
 * the other is finite (the GEMM's 0·Inf = NaN must not disappear); false when
 * that does not apply. Operands start at offset 0 of their arrays, stored
 * contiguously (leading dimension = stored columns, batch stride = matrix
 * size or 0 for a shared one).
 */
function tryBasisGemm(
  ta: boolean, tb: boolean, m: number, n: number, k: number,
  A: Float64Array, lda: number, sA: number, B: Float64Array, ldb: number, sB: number,
  beta: 0 | 1, C: Float64Array, sC: number, batch: number,
): boolean {
  if (m * n * k * batch < BASIS_MIN) return false;
  const ua = unitBasisOf(A);
  if (ua !== undefined && A.length === (sA === 0 ? m * k : sA * batch) && allFinite(B)) {
    basisGemm("a", ua, ta, tb, m, n, k, A, lda, sA, B, ldb, sB, beta, C, n, sC, batch);
    return true;
  }
  const ub = unitBasisOf(B);
  if (ub !== undefined && B.length === (sB === 0 ? k * n : sB * batch) && allFinite(A)) {
    basisGemm("b", ub, ta, tb, m, n, k, A, lda, sA, B, ldb, sB, beta, C, n, sC, batch);
    return true;
  }
  return false;
}

/**
 * If op(A)·op(B) (2-D, n×n) is a Gram product op(X)·op(X)ᵀ of one matrix X —
 * A and B share their data with opposite transposes, or one was made as the
 * transpose of the other (see markTransposeOf) — compute it with `gram` into
 * out and return true.
 */
/**
 * t was made as the 2-D transpose of src (markTransposeOf). While src's array is
 * private that stays true; once user code holds src.data it may have written
 * into it since, so compare (O(n·k), against the product's O(n²·k)).
 */
function stillTransposed(t: Tensor, src: Tensor): boolean {
  if (src._x !== EXPOSED && t._x !== EXPOSED) return true;
  const r = src.shape[0], c = src.shape[1], s = src._data, d = t._data;
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) if (!Object.is(d[j * r + i], s[i * c + j])) return false;
  return true;
}

function gramOf(a: Tensor, b: Tensor, ta: boolean, tb: boolean, out: Float64Array, n: number, k: number): boolean {
  let x: Tensor, trans: boolean;
  if (a._data === b._data && ta !== tb && a.shape[0] === b.shape[0]) {
    // op(A)·op(A)ᵀ: AᵀA when ta, AAᵀ when tb
    x = a;
    trans = ta;
  } else if (ta !== tb || a.shape[0] !== b.shape[1] || a.shape[1] !== b.shape[0]) {
    return false;
  } else if (transposeSource(a._data) === b._data && stillTransposed(a, b)) {
    // A = Bᵀ: BᵀB (no flags) or BBᵀ (both flags)
    x = b;
    trans = !ta;
  } else if (transposeSource(b._data) === a._data && stillTransposed(b, a)) {
    // B = Aᵀ: AAᵀ (no flags) or AᵀA (both flags)
    x = a;
    trans = ta;
  } else return false;
  gram(trans, n, k, 1, x._data, 0, x.shape[1], out, 0, n);
  return true;
}

function matmulForward([a, b]: Tensor[], { ta, tb }: { ta: boolean; tb: boolean }): Tensor {
  const ra = a.ndim, rb = b.ndim;
  const ar = a.shape[ra - 2], ac = a.shape[ra - 1], br = b.shape[rb - 2], bc = b.shape[rb - 1];
  const m = ta ? ac : ar, k = ta ? ar : ac, n = tb ? br : bc;
  if ((tb ? bc : br) !== k)
    throw new ShapeError("matmul", `inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  const gemm = backend().gemm;
  // with k > 0 every path below (GEMM with beta = 0, diagonal scaling, Gram + mirror) writes every
  // entry of the output, so it need not be zeroed first; k = 0 is the zero matrix
  const outArray = k > 0 ? allocUninit : alloc;
  if (ra === 2 && rb === 2) {
    const out = outArray(m * n);
    // a factor known to be diagonal (diagEmbed, eye: e.g. the cotangent of a trace) scales rows or columns
    // (only when the other factor is finite: GEMM's 0·Inf = NaN must not disappear)
    if (isKnownDiagonal(a._data, a.shape) && allFinite(b._data)) lay.diagProduct(true, a._data, 0, b._data, 0, bc, tb, m, n, out, 0);
    else if (isKnownDiagonal(b._data, b.shape) && allFinite(a._data)) lay.diagProduct(false, b._data, 0, a._data, 0, ac, ta, m, n, out, 0);
    else if (m === n && m > GRAM_BASE && gramOf(a, b, ta, tb, out, m, k)) {
      // C = XᵀX or XXᵀ: one triangle, mirrored (≈ half the flops, exactly symmetric)
    } else if (!tryBasisGemm(ta, tb, m, n, k, a._data, ac, 0, b._data, bc, 0, 0, out, 0, 1))
      gemm(ta, tb, m, n, k, 1, a._data, 0, ac, b._data, 0, bc, 0, out, 0, n);
    // shape arrays are never mutated: reuse an operand's when it is the output's (square products, chains)
    return new Tensor(out, ar === m && ac === n ? a.shape : br === m && bc === n ? b.shape : [m, n]);
  }
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const batch = broadcastShapes("matmul", ba, bb);
  const nb = sizeOf(batch);
  const out = outArray(nb * m * n);
  const na = sizeOf(ba), nbb = sizeOf(bb);
  const diagA = isKnownDiagonal(a._data, a.shape) && allFinite(b._data);
  const diagB = !diagA && isKnownDiagonal(b._data, b.shape) && allFinite(a._data);
  if ((diagA || diagB) && (na === nb || na === 1) && (nbb === nb || nbb === 1)) {
    const sa = na === 1 ? 0 : ar * ac, sb = nbb === 1 ? 0 : br * bc;
    for (let t = 0; t < nb; t++) {
      if (diagA) lay.diagProduct(true, a._data, t * sa, b._data, t * sb, bc, tb, m, n, out, t * m * n);
      else lay.diagProduct(false, b._data, t * sb, a._data, t * sa, ac, ta, m, n, out, t * m * n);
    }
    return new Tensor(out, [...batch, m, n]);
  }
  if ((na === nb || na === 1) && (nbb === nb || nbb === 1)) {
    // one strided batched GEMM (a shared operand has stride 0): backends may spread it over threads
    const sA = na === 1 ? 0 : ar * ac, sB = nbb === 1 ? 0 : br * bc;
    if (!tryBasisGemm(ta, tb, m, n, k, a._data, ac, sA, b._data, bc, sB, 0, out, m * n, nb))
      gemmBatched(backend(), ta, tb, m, n, k, 1, a._data, 0, ac, sA, b._data, 0, bc, sB, 0, out, 0, n, m * n, nb);
    return new Tensor(out, [...batch, m, n]);
  }
  const sa = ew.broadcastStrides(ba, batch), sb = ew.broadcastStrides(bb, batch);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < nb; t++) {
    let oa = 0, ob = 0;
    for (let i = 0; i < batch.length; i++) {
      oa += idx[i] * sa[i];
      ob += idx[i] * sb[i];
    }
    gemm(ta, tb, m, n, k, 1, a._data, oa * ar * ac, ac, b._data, ob * br * bc, bc, 0, out, t * m * n, n);
    for (let i = batch.length - 1; i >= 0; i--) {
      if (++idx[i] < batch[i]) break;
      idx[i] = 0;
    }
  }
  return new Tensor(out, [...batch, m, n]);
}

/**
 * matmul under vmap: ranks aligned, leading axes broadcast (one batched GEMM).
 * Outer products (k = 1) are a broadcasting multiply. Two layouts fold the
 * batch into one GEMM instead of B small ones:
 * - only A batched, untransposed (or a transposed column: one row), B one
 *   matrix: the batch folds into A's rows, [B·…·m, k]·op(B);
 * - only B batched, each op(B_b) a column (matrix-vector products, n = 1:
 *   [k, 1] stored, or [1, k] read transposed — the same k contiguous values),
 *   A one matrix: out_b = op(A)·v_b for the rows v_b of V = [B·…, k], so all
 *   of them are the rows of V·op(A)ᵀ, one GEMM [B·…, k]·op(A)ᵀ.
 */
function batchMatmul([a, b]: Tensor[], [ba, bb]: readonly boolean[], p: CoreParams["matmul"]): Tensor {
  const k = a.shape[a.ndim - (p.ta ? 2 : 1)], m = a.shape[a.ndim - (p.ta ? 1 : 2)];
  const kb = b.shape[b.ndim - (p.tb ? 1 : 2)], n = b.shape[b.ndim - (p.tb ? 2 : 1)];
  if (k === 1 && kb === 1) {
    // outer products (per-example gradients of a matrix-vector product: ct·xᵀ): op(A_b) is a
    // column of m values and op(B_b) a row of n, stored contiguously whatever the flags, so
    // C_b[i, j] = a_i·b_j is one broadcasting multiply — the same single product per entry as
    // a GEMM with k = 1, without B GEMM calls of depth 1
    const col = reshape(a, [...a.shape.slice(0, -2), m, 1]), row = reshape(b, [...b.shape.slice(0, -2), 1, n]);
    return mul(...(alignForBroadcast([col, row], [ba, bb]) as [Tensor, Tensor]));
  }
  if (ba && !bb && (!p.ta || m === 1) && b.ndim === 2 && k > 0) {
    // (a transposed A_b with one column [k, 1] is the row [1, k] stored the same way)
    const out = apply(coreRules.matmul, [reshape(a, [a.size / k, k]), b], { ta: false, tb: p.tb });
    return reshape(out, [...a.shape.slice(0, -2), m, out.shape[1]]);
  }
  if (bb && !ba && a.ndim === 2 && b.shape[b.ndim - (p.tb ? 2 : 1)] === 1 && k > 0 && b.shape[b.ndim - (p.tb ? 1 : 2)] === k) {
    const rows = apply(coreRules.matmul, [reshape(b, [b.size / k, k]), a], { ta: false, tb: !p.ta });
    return reshape(rows, [...b.shape.slice(0, -2), rows.shape[1], 1]);
  }
  return apply(coreRules.matmul, alignForBroadcast([a, b], [ba, bb]), p);
}

// ---------------------------------------------------------------------------
// reductions

function reduceForward(op: "sum" | "max" | "min" | "prod") {
  return ([x]: Tensor[], p: ReduceParams): Tensor =>
    new Tensor(reduce(op, x._data, x.shape, p.axes), reducedShape(x.shape, p.axes, p.keepdims));
}

/** Reshape a reduced tensor back to keepdims form so it broadcasts against the input. */
function keep(t: Tensor, x: Tensor, p: ReduceParams): Tensor {
  return p.keepdims ? t : reshape(t, reducedShape(x.shape, p.axes, true));
}

/** (2/d)·(x − mean(x)) over the variance's axes: its gradient (differentiable). */
function deviations(x: Tensor, p: ReduceParams & { divisor: number }): Tensor {
  const n = p.axes.reduce((q, a) => q * x.shape[a], 1);
  return mul(sub(x, mul(sum(x, p.axes, true), 1 / n)), 2 / p.divisor);
}

/** For max/min: the (constant) weights 1/count on the extremal entries, 0 elsewhere (ties share equally). */
function extremalWeights(x: Tensor, out: Tensor, p: ReduceParams): Tensor {
  const mask = eq(x, keep(out, x, p));
  return div(mask, sum(mask, p.axes, true));
}

function extremalRule(name: "max" | "min"): Rule<ReduceParams> {
  const rule: Rule<ReduceParams> = {
    name,
    forward: reduceForward(name),
    batch: ([x], _b, p) => apply(rule, [x], { axes: shiftAxes(p.axes), keepdims: p.keepdims }),
    vjp: (ct: Tensor, [x], out: Tensor, p) => [mul(keep(ct, x, p), extremalWeights(x, out, p))],
    jvp: ([dx], [x], out: Tensor, p) => (dx === null ? null : sum(mul(dx, extremalWeights(x, out, p)), p.axes, p.keepdims)),
  };
  return rule;
}

/**
 * ∂ prod(x)/∂xᵢ = Πⱼ≠ᵢ xⱼ. Without zeros this is out/xᵢ; with zeros, build the
 * "product of the others" explicitly: replace xᵢ by 1 along a new axis and take
 * the product (O(r²) memory, only on inputs that contain zeros; differentiable).
 */
function prodOthers(x: Tensor, out: Tensor, p: ReduceParams): Tensor {
  // (batched tensors under vmap have no values to test: they take the zero-safe form)
  let hasZero = x._bt !== null;
  if (!hasZero) for (let i = 0; i < x.size; i++) if (x._data[i] === 0) { hasZero = true; break; }
  if (!hasZero) return div(keep(out, x, p), x);
  // move reduced axes last and flatten them: x2 is [outer…, r]
  const kept = x.shape.map((_, i) => i).filter((i) => !p.axes.includes(i));
  const perm = [...kept, ...p.axes];
  const r = p.axes.reduce((q, a) => q * x.shape[a], 1);
  const keptShape = kept.map((i) => x.shape[i]);
  const x2 = reshape(permute(x, perm), [...keptShape, r]);
  const I = new Float64Array(r * r);
  for (let i = 0; i < r; i++) I[i * r + i] = 1;
  const eye = new Tensor(I, [r, r]);
  // rep[..., i, j] = (i == j) ? 1 : x[..., j]
  const rep = where(eye, 1, reshape(x2, [...keptShape, 1, r]));
  const others = reduceProd(rep, keptShape.length + 1); // [..., r]
  const unflat = reshape(others, [...keptShape, ...p.axes.map((a) => x.shape[a])]);
  const inv = new Array<number>(perm.length);
  perm.forEach((a, i) => (inv[a] = i));
  return permute(unflat, inv);
}

function reduceProd(t: Tensor, axis: number): Tensor {
  return apply(coreRules.prod, [t], { axes: [axis], keepdims: false });
}

// ---------------------------------------------------------------------------

export const coreRules: { [P in keyof CoreParams]: R<P> } = {
  add: {
    name: "add",
    batch: batchBroadcast(() => coreRules.add),
    forward: binaryForward("add", "add"),
    vjp: (ct: Tensor) => [ct, ct],
    jvp: ([da, db]) => plus(da, db),
  },
  sub: {
    name: "sub",
    batch: batchBroadcast(() => coreRules.sub),
    forward: binaryForward("sub", "sub"),
    vjp: (ct: Tensor) => [ct, neg(ct)],
    jvp: ([da, db]) => (db === null ? da : da === null ? neg(db) : sub(da, db)),
  },
  mul: {
    name: "mul",
    batch: batchBroadcast(() => coreRules.mul),
    forward: mulForward,
    vjp: (ct: Tensor, [a, b], _out, _p, needs) => [needs[0] ? mul(ct, b) : null, needs[1] ? mul(ct, a) : null],
    jvp: ([da, db], [a, b]) => plus(da && mul(da, b), db && mul(a, db)),
  },
  div: {
    // d(a/b) = da/b − (a/b)·db/b
    name: "div",
    batch: batchBroadcast(() => coreRules.div),
    forward: binaryForward("div", "div"),
    vjp: (ct: Tensor, [, b], out: Tensor, _p, needs) => {
      const ga = div(ct, b);
      return [ga, needs[1] ? neg(mul(ga, out)) : null];
    },
    jvp: ([da, db], [, b], out: Tensor) => {
      const num = db === null ? da : da === null ? neg(mul(out, db)) : sub(da, mul(out, db));
      return num === null ? null : div(num, b);
    },
  },
  pow: {
    // d(aᵇ) = b·aᵇ⁻¹ da + aᵇ·log(a) db; the log term is 0 where a = 0 and b ≥ 0 (its limit), as in PyTorch.
    name: "pow",
    batch: batchBroadcast(() => coreRules.pow),
    forward: binaryForward("pow", "pow"),
    vjp: (ct: Tensor, [a, b], out: Tensor, _p, needs) => [
      needs[0] ? mul(ct, powDerivBase(a, b)) : null,
      needs[1] ? mul(ct, powDerivExp(a, b, out)) : null,
    ],
    jvp: ([da, db], [a, b], out: Tensor) => plus(da && mul(da, powDerivBase(a, b)), db && mul(db, powDerivExp(a, b, out))),
  },
  maximum: {
    // ties split the gradient equally between the two arguments
    name: "maximum",
    batch: batchBroadcast(() => coreRules.maximum),
    forward: binaryForward("maximum", "maximum"),
    vjp: (ct: Tensor, [a, b]) => {
      const [wa, wb] = tieWeights(a, b, true);
      return [mul(ct, wa), mul(ct, wb)];
    },
    jvp: ([da, db], [a, b]) => {
      const [wa, wb] = tieWeights(a, b, true);
      return plus(da && mul(da, wa), db && mul(db, wb));
    },
  },
  minimum: {
    name: "minimum",
    batch: batchBroadcast(() => coreRules.minimum),
    forward: binaryForward("minimum", "minimum"),
    vjp: (ct: Tensor, [a, b]) => {
      const [wa, wb] = tieWeights(a, b, false);
      return [mul(ct, wa), mul(ct, wb)];
    },
    jvp: ([da, db], [a, b]) => {
      const [wa, wb] = tieWeights(a, b, false);
      return plus(da && mul(da, wa), db && mul(db, wb));
    },
  },
  neg: {
    name: "neg",
    batch: batchBroadcast(() => coreRules.neg),
    forward: unaryForward("neg"),
    vjp: (ct: Tensor) => [neg(ct)],
    jvp: ([dx]) => (dx === null ? null : neg(dx)),
  },
  exp: unaryRule("exp", "exp", (_x, out) => out),
  log: {
    name: "log",
    batch: batchBroadcast(() => coreRules.log),
    forward: unaryForward("log"),
    vjp: (ct: Tensor, [x]) => [div(ct, x)],
    jvp: ([dx], [x]) => (dx === null ? null : div(dx, x)),
  },
  sqrt: {
    // d√x = dx / (2√x)
    name: "sqrt",
    batch: batchBroadcast(() => coreRules.sqrt),
    forward: unaryForward("sqrt"),
    vjp: (ct: Tensor, _x, out: Tensor) => [div(ct, mul(out, 2))],
    jvp: ([dx], _x, out: Tensor) => (dx === null ? null : div(dx, mul(out, 2))),
  },
  abs: unaryRule("abs", "abs", (x) => sign(x)),
  sin: unaryRule("sin", "sin", (x) => cos(x)),
  cos: unaryRule("cos", "cos", (x) => neg(sin(x))),
  tan: unaryRule("tan", "tan", (_x, out) => add(mul(out, out), 1)),
  tanh: {
    // d tanh x = (1 − y²) dx, y = tanh x; the VJP is one fused pass (tanhGrad)
    name: "tanh",
    batch: batchBroadcast(() => coreRules.tanh),
    forward: unaryForward("tanh"),
    vjp: (ct: Tensor, _x, out: Tensor) => [apply(coreRules.tanhGrad, [ct, out], null)],
    jvp: ([dx], _x, out: Tensor) => (dx === null ? null : apply(coreRules.tanhGrad, [dx, out], null)),
  },
  tanhGrad: {
    // g(c, y) = c (1 − y²):  ∂g/∂c = 1 − y²,  ∂g/∂y = −2 c y
    name: "tanhGrad",
    batch: batchLeading(() => coreRules.tanhGrad),
    forward: ([c, y]) => {
      const o = alloc(c.size);
      const cd = c._data, yd = y._data;
      for (let i = 0; i < o.length; i++) o[i] = cd[i] * (1 - yd[i] * yd[i]);
      return new Tensor(o, c.shape);
    },
    vjp: (ct: Tensor, [c, y], _out, _p, needs) => [
      needs[0] ? apply(coreRules.tanhGrad, [ct, y], null) : null,
      needs[1] ? mul(mul(ct, c), mul(y, -2)) : null,
    ],
    jvp: ([dc, dy], [c, y]) => plus(dc && apply(coreRules.tanhGrad, [dc, y], null), dy && mul(mul(dy, c), mul(y, -2))),
  },
  sigmoid: {
    // d σ(x) = y (1 − y) dx, y = σ(x); the VJP is one fused pass (sigmoidGrad)
    name: "sigmoid",
    batch: batchBroadcast(() => coreRules.sigmoid),
    forward: unaryForward("sigmoid"),
    vjp: (ct: Tensor, _x, out: Tensor) => [apply(coreRules.sigmoidGrad, [ct, out], null)],
    jvp: ([dx], _x, out: Tensor) => (dx === null ? null : apply(coreRules.sigmoidGrad, [dx, out], null)),
  },
  sigmoidGrad: {
    // g(c, y) = c y (1 − y):  ∂g/∂c = y (1 − y),  ∂g/∂y = c (1 − 2y)
    name: "sigmoidGrad",
    batch: batchLeading(() => coreRules.sigmoidGrad),
    forward: ([c, y]) => {
      const o = alloc(c.size);
      const cd = c._data, yd = y._data;
      for (let i = 0; i < o.length; i++) o[i] = cd[i] * yd[i] * (1 - yd[i]);
      return new Tensor(o, c.shape);
    },
    vjp: (ct: Tensor, [c, y], _out, _p, needs) => [
      needs[0] ? apply(coreRules.sigmoidGrad, [ct, y], null) : null,
      needs[1] ? mul(mul(ct, c), sub(1, mul(y, 2))) : null,
    ],
    jvp: ([dc, dy], [c, y]) => plus(dc && apply(coreRules.sigmoidGrad, [dc, y], null), dy && mul(mul(dy, c), sub(1, mul(y, 2)))),
  },
  relu: unaryRule("relu", "relu", (x) => step(x)),
  mulScalar: {
    // x·s for a number s: d(x·s) = s·dx. Named "mul": it is mul with a constant that needs no tensor.
    name: "mul",
    batch: ([x], _b, p) => apply(coreRules.mulScalar, [x], p),
    forward: ([x], { s }) => new Tensor(ew.scale(x._data, s), x.shape),
    vjp: (ct: Tensor, _x, _out, p) => [apply(coreRules.mulScalar, [ct], p)],
    jvp: ([dx], _x, _out, p) => (dx === null ? null : apply(coreRules.mulScalar, [dx], p)),
  },
  powScalar: {
    // d(xᵖ) = p·xᵖ⁻¹ dx
    name: "powScalar",
    batch: batchBroadcast(() => coreRules.powScalar),
    forward: ([x], { p }) => {
      const o = alloc(x.size);
      if (p === 2) for (let i = 0; i < o.length; i++) o[i] = x._data[i] * x._data[i];
      else if (p === -1) for (let i = 0; i < o.length; i++) o[i] = 1 / x._data[i];
      else if (p === 0.5) for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(x._data[i]);
      else for (let i = 0; i < o.length; i++) o[i] = Math.pow(x._data[i], p);
      return new Tensor(o, x.shape);
    },
    vjp: (ct: Tensor, [x], _out, { p }) => [p === 0 ? null : p === 1 ? ct : mul(ct, mul(pow(x, p - 1), p))],
    jvp: ([dx], [x], _out, { p }) => (dx === null || p === 0 ? null : p === 1 ? dx : mul(dx, mul(pow(x, p - 1), p))),
  },
  where: {
    name: "where",
    batch: batchBroadcast(() => coreRules.where),
    nondiff: [0],
    forward: ([c, x, y]) => {
      const shape = broadcastShapes("where", broadcastShapes("where", c.shape, x.shape), y.shape);
      return new Tensor(ew.where(c._data, c.shape, x._data, x.shape, y._data, y.shape, shape), shape);
    },
    vjp: (ct: Tensor, [c]) => [null, where(c, ct, 0), where(c, 0, ct)],
    jvp: ([, dx, dy], [c]) => (dx === null && dy === null ? null : where(c, dx ?? 0, dy ?? 0)),
  },

  sum: {
    name: "sum",
    batch: ([x], _b, p) => apply(coreRules.sum, [x], { axes: shiftAxes(p.axes), keepdims: p.keepdims }),
    forward: reduceForward("sum"),
    vjp: (ct: Tensor, [x], _out, p) => [broadcastTo(keep(ct, x, p), x.shape)],
    jvp: ([dx], _x, _out, p) => (dx === null ? null : sum(dx, p.axes, p.keepdims)),
  },
  max: extremalRule("max"),
  min: extremalRule("min"),
  variance: {
    // v = Σ (x − m)² / d, m the mean over the axes:  ∂v/∂xᵢ = 2(xᵢ − m)/d (the terms through m cancel:
    // Σ (x − m) = 0);  x̄ = v̄·(2/d)(x − m),  dv = Σ dx·(2/d)(x − m) — written with ops, differentiable again
    name: "variance",
    batch: ([x], _b, p) => apply(coreRules.variance, [x], { axes: shiftAxes(p.axes), keepdims: p.keepdims, divisor: p.divisor }),
    forward: ([x], p) => new Tensor(varianceKernel(x._data, x.shape, p.axes, p.divisor), reducedShape(x.shape, p.axes, p.keepdims)),
    vjp: (ct: Tensor, [x], _out, p) => [mul(keep(ct, x, p), deviations(x, p))],
    jvp: ([dx], [x], _out, p) => (dx === null ? null : sum(mul(dx, deviations(x, p)), p.axes, p.keepdims)),
  },
  logsumexp: {
    // y = log Σ exp(x):  ∂y/∂xᵢ = exp(xᵢ − y) (the softmax);  x̄ = ȳ·exp(x − y),  dy = Σ dx·exp(x − y)
    name: "logsumexp",
    batch: ([x], _b, p) => apply(coreRules.logsumexp, [x], { axes: shiftAxes(p.axes), keepdims: p.keepdims }),
    forward: ([x], p) => new Tensor(logsumexpKernel(x._data, x.shape, p.axes), reducedShape(x.shape, p.axes, p.keepdims)),
    vjp: (ct: Tensor, [x], out: Tensor, p) => [mul(keep(ct, x, p), exp(sub(x, keep(out, x, p))))],
    jvp: ([dx], [x], out: Tensor, p) => (dx === null ? null : sum(mul(dx, exp(sub(x, keep(out, x, p)))), p.axes, p.keepdims)),
  },
  prod: {
    name: "prod",
    batch: ([x], _b, p) => apply(coreRules.prod, [x], { axes: shiftAxes(p.axes), keepdims: p.keepdims }),
    forward: reduceForward("prod"),
    vjp: (ct: Tensor, [x], out: Tensor, p) => [mul(keep(ct, x, p), prodOthers(x, out, p))],
    jvp: ([dx], [x], out: Tensor, p) => (dx === null ? null : sum(mul(dx, prodOthers(x, out, p)), p.axes, p.keepdims)),
  },

  reshape: {
    name: "reshape",
    batch: ([x], _b, { shape }, n) => apply(coreRules.reshape, [x], { shape: [n, ...shape] }),
    forward: ([x], { shape }) => x._alias(shape),
    vjp: (ct: Tensor, [x]) => [reshape(ct, x.shape)],
    jvp: ([dx], _x, _out, { shape }) => (dx === null ? null : reshape(dx, shape)),
  },
  permute: {
    name: "permute",
    batch: ([x], _b, { perm }) => apply(coreRules.permute, [x], { perm: [0, ...shiftAxes(perm)] }),
    forward: ([x], { perm }) => {
      const out = new Tensor(lay.permute(x._data, x.shape, perm), perm.map((p) => x.shape[p]));
      // a matrix transpose is recorded so that matmul(Xᵀ, X) is recognized as a Gram product
      // (an exposed x may be written to later: gramOf then checks before it trusts the mark)
      if (perm.length === 2 && perm[0] === 1) markTransposeOf(out._data, x._data);
      return out;
    },
    vjp: (ct: Tensor, _x, _out, { perm }) => {
      const inv = new Array<number>(perm.length);
      perm.forEach((a, i) => (inv[a] = i));
      return [permute(ct, inv)];
    },
    jvp: ([dx], _x, _out, { perm }) => (dx === null ? null : permute(dx, perm)),
  },
  broadcastTo: {
    name: "broadcastTo",
    batch: ([x], _b, { shape }, n) => apply(coreRules.broadcastTo, [padToRank(x, true, shape.length)], { shape: [n, ...shape] }),
    forward: ([x], { shape }) => new Tensor(ew.broadcastTo(x._data, x.shape, shape), shape),
    vjp: (ct: Tensor, [x]) => [sumToShape(ct, x.shape)],
    jvp: ([dx], _x, _out, { shape }) => (dx === null ? null : broadcastTo(dx, shape)),
  },
  slice: {
    name: "slice",
    batch: ([x], _b, p, n) => apply(coreRules.slice, [x], { starts: [0, ...p.starts], steps: [1, ...p.steps], outShape: [n, ...p.outShape] }),
    forward: ([x], { starts, steps, outShape }) => new Tensor(lay.sliceCopy(x._data, x.shape, outShape, starts, steps, false), outShape),
    vjp: (ct: Tensor, [x], _out, { starts, steps }) => [apply(coreRules.unslice, [ct], { starts, steps, fullShape: x.shape.slice() })],
    jvp: ([dx], _x, _out, p) => (dx === null ? null : apply(coreRules.slice, [dx], p)),
  },
  unslice: {
    // the adjoint of slice: write the block into zeros of the full shape
    name: "unslice",
    batch: ([x], _b, p, n) => apply(coreRules.unslice, [x], { starts: [0, ...p.starts], steps: [1, ...p.steps], fullShape: [n, ...p.fullShape] }),
    forward: ([x], { starts, steps, fullShape }) => new Tensor(lay.sliceCopy(x._data, fullShape, x.shape, starts, steps, true), fullShape),
    vjp: (ct: Tensor, [x], _out, { starts, steps }) => [apply(coreRules.slice, [ct], { starts, steps, outShape: x.shape.slice() })],
    jvp: ([dx], _x, _out, p) => (dx === null ? null : apply(coreRules.unslice, [dx], p)),
  },
  take: {
    name: "take",
    batch: ([x], _b, p) => apply(coreRules.take, [x], { ...p, axis: p.axis + 1 }),
    forward: ([x], { axis, indices, n }) => {
      const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
      const shape = x.shape.slice();
      shape[axis] = indices.length;
      return new Tensor(lay.gather(x._data, outer, n, inner, indices, false), shape);
    },
    vjp: (ct: Tensor, _x, _out, p) => [apply(coreRules.untake, [ct], p)],
    jvp: ([dx], _x, _out, p) => (dx === null ? null : apply(coreRules.take, [dx], p)),
  },
  untake: {
    // the adjoint of take: scatter-add into zeros (repeated indices accumulate)
    name: "untake",
    batch: ([x], _b, p) => apply(coreRules.untake, [x], { ...p, axis: p.axis + 1 }),
    forward: ([x], { axis, indices, n }) => {
      const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
      const shape = x.shape.slice();
      shape[axis] = n;
      return new Tensor(lay.gather(x._data, outer, n, inner, indices, true), shape);
    },
    vjp: (ct: Tensor, _x, _out, p) => [apply(coreRules.take, [ct], p)],
    jvp: ([dx], _x, _out, p) => (dx === null ? null : apply(coreRules.untake, [dx], p)),
  },
  concat: {
    name: "concat",
    batch: (xs, b, { axis }, n) => apply(coreRules.concat, materialize(xs, b, n), { axis: axis + 1 }),
    forward: (xs, { axis }) => {
      const s0 = xs[0].shape;
      const outer = sizeOf(s0.slice(0, axis)), inner = sizeOf(s0.slice(axis + 1));
      const lens = xs.map((x) => x.shape[axis]);
      const shape = s0.slice();
      shape[axis] = lens.reduce((p, d) => p + d, 0);
      return new Tensor(lay.concat(xs.map((x) => x._data), lens, outer, inner), shape);
    },
    vjp: (ct: Tensor, xs, _out, { axis }) => {
      let off = 0;
      return xs.map((x) => {
        const spec: SliceSpec[] = ct.shape.map(() => null);
        spec[axis] = [off, off + x.shape[axis]];
        off += x.shape[axis];
        return slice(ct, ...spec);
      });
    },
    jvp: (dxs, xs, _out, { axis }) =>
      dxs.every((d) => d === null) ? null : concat(dxs.map((d, i) => d ?? zerosLike(xs[i])), axis),
  },
  diagonal: {
    name: "diagonal",
    batch: batchBroadcast(() => coreRules.diagonal),
    forward: ([x], { k }) => {
      const m = x.shape[x.ndim - 2], n = x.shape[x.ndim - 1];
      const batch = x.shape.slice(0, -2);
      const len = lay.diagLen(m, n, k);
      return new Tensor(lay.diagonal(x._data, sizeOf(batch), m, n, k), [...batch, len]);
    },
    vjp: (ct: Tensor, [x], _out, { k }) => [apply(coreRules.diagEmbed, [ct], { k, m: x.shape[x.ndim - 2], n: x.shape[x.ndim - 1] })],
    jvp: ([dx], _x, _out, { k }) => (dx === null ? null : diagonal(dx, k)),
  },
  diagEmbed: {
    name: "diagEmbed",
    batch: batchBroadcast(() => coreRules.diagEmbed),
    forward: ([d], { k, m, n }) => {
      const batch = d.shape.slice(0, -1);
      const len = d.shape[d.ndim - 1];
      const data = lay.diagEmbed(d._data, sizeOf(batch), len, m, n, k);
      if (k === 0 && m === n) markDiagonal(data, n);
      return new Tensor(data, [...batch, m, n]);
    },
    vjp: (ct: Tensor, _d, _out, { k }) => [diagonal(ct, k)],
    jvp: ([dd], _d, _out, p) => (dd === null ? null : apply(coreRules.diagEmbed, [dd], p)),
  },
  triangle: {
    name: "triangle",
    batch: batchBroadcast(() => coreRules.triangle),
    forward: ([x], { k, upper }) => {
      const m = x.shape[x.ndim - 2], n = x.shape[x.ndim - 1];
      return new Tensor(lay.triangle(x._data, sizeOf(x.shape.slice(0, -2)), m, n, k, upper), x.shape);
    },
    vjp: (ct: Tensor, _x, _out, p) => [apply(coreRules.triangle, [ct], p)],
    jvp: ([dx], _x, _out, p) => (dx === null ? null : apply(coreRules.triangle, [dx], p)),
  },
  identity: {
    name: "identity",
    batch: batchBroadcast(() => coreRules.identity),
    forward: ([x]) => x._alias(),
    vjp: (ct: Tensor) => [ct],
    jvp: ([dx]) => dx,
  },
  matmul: {
    // C = op(A) op(B) (op = transpose when ta / tb).  dC = op(dA) op(B) + op(A) op(dB);
    // Ā = C̄ op(B)ᵀ (or its transpose op(B) C̄ᵀ when ta), B̄ = op(A)ᵀ C̄ (or C̄ᵀ op(A) when tb).
    name: "matmul",
    // the cotangents are new products (matmulT calls, the second accumulated into the first when A and B are one tensor)
    freshVjp: true,
    batch: batchMatmul,
    forward: matmulForward,
    vjp: (ct: Tensor, [a, b], _out, { ta, tb }, needs) => {
      if (a === b && needs[0]) {
        // one tensor X on both sides (X·X, XᵀX): its cotangent is the sum of both, X̄ = Ā + B̄, made by
        // one GEMM and a second accumulating into it; the second input then adds nothing
        const first = ta ? matmulT(b, ct, tb, true) : matmulT(ct, b, false, !tb);
        return [tb ? addIntoFresh(first, matmulT(ct, a, true, ta)) : matmulAddInto(first, a, ct, !ta, false), null];
      }
      return [
        needs[0] ? (ta ? matmulT(b, ct, tb, true) : matmulT(ct, b, false, !tb)) : null,
        needs[1] ? (tb ? matmulT(ct, a, true, ta) : matmulT(a, ct, !ta, false)) : null,
      ];
    },
    jvp: ([da, db], [a, b], _out, { ta, tb }) => {
      if (da === null) return db && matmulT(a, db, ta, tb);
      const first = matmulT(da, b, ta, tb);
      return db === null ? first : matmulAddInto(first, a, db, ta, tb);
    },
  },
};

/**
 * t's values when no op on it records or differentiates: t itself, or (batched
 * at one vmap level) its plain physical tensor. A tensor on a tape records
 * only while grad mode is on (a backward pass without createGraph turns it
 * off, so a rule's saved inputs count as values there).
 */
function plainValues(t: Tensor): Tensor | null {
  const recording = isGradEnabled();
  if (t._fw !== null || (recording && t._node !== null)) return null;
  if (t._bt === null) return t;
  const v = t._bt.value;
  return v._bt === null && v._fw === null && !(recording && v._node !== null) ? v : null;
}

/**
 * fresh + op(a)·op(b), with `fresh` just made by the calling rule: when nothing
 * records or differentiates the three, the matrices are 2-D (one example) and
 * every batched one sits at fresh's vmap level, the product is accumulated
 * into fresh's array by one strided batched GEMM with beta = 1 (a shared
 * operand has stride 0) — no product array and no add pass; under
 * jacobian's vmap that is a [B, m, n] array and a pass over it saved.
 * Otherwise addIntoFresh(fresh, op(a)·op(b)).
 */
function matmulAddInto(fresh: Tensor, a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  const pf = plainValues(fresh), pa = plainValues(a), pb = plainValues(b);
  if (pf !== null && pa !== null && pb !== null && a.ndim === 2 && b.ndim === 2 && fresh.ndim === 2) {
    const level = fresh._bt === null ? null : fresh._bt.level;
    const la = a._bt === null ? null : a._bt.level, lb = b._bt === null ? null : b._bt.level;
    const m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1], n = tb ? b.shape[0] : b.shape[1];
    if (
      (la === null || la === level) && (lb === null || lb === level) && (level === null) === (la === null && lb === null) &&
      fresh.shape[0] === m && fresh.shape[1] === n && (tb ? b.shape[1] : b.shape[0]) === k && m * n > 0
    ) {
      const batch = fresh._bt === null ? 1 : fresh._bt.size;
      const sA = la === null ? 0 : a.shape[0] * a.shape[1], sB = lb === null ? 0 : b.shape[0] * b.shape[1];
      if (!tryBasisGemm(ta, tb, m, n, k, pa._data, a.shape[1], sA, pb._data, b.shape[1], sB, 1, pf._data, m * n, batch))
        gemmBatched(backend(), ta, tb, m, n, k, 1, pa._data, 0, a.shape[1], sA, pb._data, 0, b.shape[1], sB, 1, pf._data, 0, n, m * n, batch);
      return fresh;
    }
  }
  return addIntoFresh(fresh, matmulT(a, b, ta, tb));
}

/**
 * fresh + b, where `fresh` was just made by the calling rule (its array is
 * seen by nothing else): when neither side records on a tape or carries
 * tangents — plain, or batched at the same vmap level over plain physical
 * tensors of the same shape — b is added into fresh's array, which is what
 * add would compute, without a third array (the JVP of matmul under
 * jacobian's vmap sums two [B, m, n] products). Otherwise add(fresh, b).
 */
function addIntoFresh(fresh: Tensor, b: Tensor): Tensor {
  const pf = plainValues(fresh), pb = plainValues(b);
  const sameLevel = fresh._bt === null ? b._bt === null : b._bt !== null && b._bt.level === fresh._bt.level;
  if (pf === null || pb === null || !sameLevel || !shapesEqual(pf.shape, pb.shape)) return add(fresh, b);
  const o = pf._data, d = pb._data;
  for (let i = 0; i < o.length; i++) o[i] += d[i];
  return fresh;
}

function powDerivBase(a: Tensor, b: Tensor): Tensor {
  // b·a^(b−1), and 0 where b = 0 (so that 0⁰ has derivative 0 rather than NaN)
  return where(eq(b, 0), 0, mul(b, pow(a, sub(b, 1))));
}

function powDerivExp(a: Tensor, b: Tensor, out: Tensor): Tensor {
  const zeroBase = mul(eq(a, 0), ge0(b));
  return where(zeroBase, 0, mul(out, log(where(zeroBase, 1, a))));
}

function ge0(b: Tensor): Tensor {
  return liftValues([b], ([u]) => {
    const o = new Float64Array(u.size), d = u._data;
    for (let i = 0; i < o.length; i++) o[i] = d[i] >= 0 ? 1 : 0;
    return new Tensor(o, u.shape);
  });
}

function tieWeights(a: Tensor, b: Tensor, isMax: boolean): [Tensor, Tensor] {
  const win = isMax ? gt(a, b) : lt(a, b);
  const lose = isMax ? lt(a, b) : gt(a, b);
  const tie = eq(a, b);
  const wa = add(win, mul(tie, 0.5)), wb = add(lose, mul(tie, 0.5));
  // (batched tensors under vmap have no values to test here: they take the general form)
  if (a._bt === null && b._bt === null && allFinite(a._data) && allFinite(b._data)) return [wa, wb];
  // a NaN on either side makes the result NaN, and its derivative NaN on both sides — not 0 to both
  // (every comparison with NaN is false); ±Inf compare normally
  const nan = add(ne(a, a), ne(b, b));
  return [where(nan, NaN, wa), where(nan, NaN, wb)];
}
