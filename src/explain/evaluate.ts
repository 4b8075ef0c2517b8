/**
 * Numeric meaning of an expression tree, with matgrad ops: the check that
 * makes "never a wrong formula" true. Symbols take their values from `env`
 * (inputs, the cotangent Ḡ, tangents dX, constants); a named intermediate is
 * evaluated from its printed definition (`defs`), so a where-clause is checked
 * as written, not taken from the trace.
 */
import type { ExprNode } from "./expr.js";
import { Tensor } from "../tensor/tensor.js";
import {
  add, mul, div, matmul, mT, neg, exp, log, sqrt, abs, sin, cos, tan, tanh, sigmoid, relu, pow, sign, step, broadcastTo, reshape,
} from "../ops/api.js";
import { zeros, ones, eye, scalar } from "../tensor/create.js";
import { ArgumentError } from "../errors.js";

export interface EvalEnv {
  /** Values of leaf symbols (by id). */
  values: ReadonlyMap<number, Tensor>;
  /** Definitions of named intermediates (by id), evaluated on demand. */
  defs: ReadonlyMap<number, ExprNode>;
}

function identityOf(shape: readonly number[]): Tensor {
  const n = shape[shape.length - 1];
  const I = eye(n);
  return shape.length === 2 ? I : broadcastTo(I, shape.slice());
}

const ELEMENTWISE: Record<string, (x: Tensor, p: number) => Tensor> = {
  exp: (x) => exp(x), log: (x) => log(x), sqrt: (x) => sqrt(x), abs: (x) => abs(x), sin: (x) => sin(x), cos: (x) => cos(x),
  tan: (x) => tan(x), tanh: (x) => tanh(x), sigmoid: (x) => sigmoid(x), relu: (x) => relu(x), sign: (x) => sign(x),
  step: (x) => step(x), pow: (x, p) => pow(x, p), neg: (x) => neg(x),
};

/** Evaluate e at the values in env (throws ArgumentError for a symbol without value). */
export function evaluate(e: ExprNode, env: EvalEnv, memo = new Map<ExprNode | number, Tensor>()): Tensor {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  const ev = (x: ExprNode): Tensor => evaluate(x, env, memo);
  let out: Tensor;
  switch (e.kind) {
    case "sym": {
      const v = env.values.get(e.id) ?? memo.get(e.id);
      if (v !== undefined) { out = v; break; }
      const d = env.defs.get(e.id);
      if (d === undefined) throw new ArgumentError("explain", `symbol ${e.name} has no value at the example point`);
      out = ev(d);
      memo.set(e.id, out);
      break;
    }
    case "num": out = scalar(e.value); break;
    case "identity": out = identityOf(e.shape); break;
    case "ones": out = ones(e.shape.slice()); break;
    case "zero": out = zeros(e.shape.slice()); break;
    case "add": out = e.terms.map(ev).reduce((a, b) => add(a, b)); break;
    case "scale": out = mul(ev(e.x), e.c); break;
    case "smul": out = mul(ev(e.s), ev(e.x)); break;
    case "matmul": out = e.factors.map(ev).reduce((a, b) => matmul(a, b)); break;
    case "transpose": out = mT(ev(e.x)); break;
    case "hadamard": out = e.factors.map(ev).reduce((a, b) => mul(a, b)); break;
    case "div": out = div(ev(e.a), ev(e.b)); break;
    case "fn": out = ELEMENTWISE[e.name](ev(e.x), e.p); break;
    case "op": out = e.evaluate(e.args.map(ev)); break;
  }
  if (out.shape.length !== e.shape.length || out.shape.some((d, i) => d !== e.shape[i])) {
    if (out.size === e.shape.reduce((p, d) => p * d, 1)) out = reshape(out, e.shape.slice());
    else out = broadcastTo(out, e.shape.slice());
  }
  memo.set(e, out);
  return out;
}

/** Relative distance ‖a − b‖∞ / max(1, ‖b‖∞) (∞ on a shape mismatch or a NaN). */
export function relError(a: Tensor, b: Tensor): number {
  if (a.size !== b.size) return Infinity;
  let d = 0, m = 1;
  for (let i = 0; i < a.size; i++) {
    const x = a.data[i], y = b.data[i];
    if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
    // equal values (also equal infinities: asin′ at ±1) agree; one infinite value against a finite one does not
    if (Number.isNaN(x) || x === y) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return Infinity;
    d = Math.max(d, Math.abs(x - y));
    m = Math.max(m, Math.abs(y));
  }
  return d / m;
}

export { Tensor };
