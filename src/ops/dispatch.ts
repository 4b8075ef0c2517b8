/**
 * Applying a primitive: run its forward, attach forward-mode tangents (one
 * level at a time, innermost first, so nested jvp levels never confuse their
 * perturbations) and record the reverse-mode node. This is the only place
 * where ops meet the autodiff state.
 */
import { Tensor } from "../tensor/tensor.js";
import { OpNode, isBatchLevelLive, isGradEnabled, isLevelLive, type Rule, type TangentLink } from "../tensor/meta.js";
import { shapesEqual, broadcastsTo, fmtShape } from "../tensor/shape.js";
import { ShapeError } from "../errors.js";
import { escapedError, makeBatched } from "../tensor/batched.js";
import { broadcastTo } from "./api.js";

/** The innermost live forward level carried by x, or -1. */
function topLevel(x: Tensor): number {
  let link: TangentLink | null = x._fw;
  while (link !== null && !isLevelLive(link.level)) link = link.next;
  return link === null ? -1 : link.level;
}

/** x without its tangent at `level` (and without dead levels); shares data and reverse node. */
export function stripLevel(x: Tensor, level: number): Tensor {
  if (x._fw === null) return x;
  const kept: TangentLink[] = [];
  let found = false;
  for (let l: TangentLink | null = x._fw; l !== null; l = l.next) {
    if (l.level === level) found = true;
    else if (isLevelLive(l.level)) kept.push(l);
  }
  if (!found && kept.length === countLinks(x._fw)) return x;
  const alias = x._alias();
  alias._node = x._node;
  alias._outIdx = x._outIdx;
  let fw: TangentLink | null = null;
  for (let i = kept.length - 1; i >= 0; i--) fw = { level: kept[i].level, tangent: kept[i].tangent, next: fw };
  alias._fw = fw;
  return alias;
}

function countLinks(l: TangentLink | null): number {
  let n = 0;
  for (; l !== null; l = l.next) n++;
  return n;
}

/** The tangent of x at `level`, or null (a symbolic zero). */
export function tangentAt(x: Tensor, level: number): Tensor | null {
  for (let l: TangentLink | null = x._fw; l !== null; l = l.next) if (l.level === level) return l.tangent;
  return null;
}

/** Attach a tangent at `level` to a freshly created tensor (levels stay sorted, innermost first). */
export function attachTangent(out: Tensor, level: number, tangent: Tensor): void {
  out._fw = { level, tangent, next: out._fw };
}

/**
 * Outputs of `rule` with their forward-mode tangents. When `record` is given
 * (the original, dual inputs), the reverse-mode node is attached as soon as the
 * primal outputs exist — before any JVP rule runs — so that tangents computed
 * from the outputs (exp: dx·out) depend on them on the tape (reverse-over-forward).
 */
function forwardOnly(rule: Rule, inputs: Tensor[], params: unknown, record: Tensor[] | null): Tensor[] {
  let level = -1, batchLevel = -1;
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    if (x._fw !== null) {
      const l = topLevel(x);
      if (l > level) level = l;
    }
    if (x._bt !== null) {
      if (!isBatchLevelLive(x._bt.level)) throw escapedError(x);
      if (x._bt.level > batchLevel) batchLevel = x._bt.level;
    }
  }
  // the innermost transform first: a vmap that started inside a jvp is processed before it, and vice versa
  if (batchLevel > level) return batchAt(rule, inputs, params, batchLevel, record);
  if (level < 0) {
    const r = rule.forward(inputs, params);
    const outs = Array.isArray(r) ? r : [r];
    if (record !== null) recordNode(rule, record, outs, params);
    return outs;
  }
  // JVP at the innermost level: primal outputs from the stripped inputs (recursing
  // for the outer levels), then the tangent from the rule, computed with
  // differentiable ops on the stripped inputs so outer levels see it.
  const n = inputs.length;
  const stripped = new Array<Tensor>(n);
  const dx = new Array<Tensor | null>(n);
  for (let i = 0; i < n; i++) {
    stripped[i] = stripLevel(inputs[i], level);
    dx[i] = rule.nondiff?.includes(i) ? null : tangentAt(inputs[i], level);
  }
  const outs = forwardOnly(rule, stripped, params, record);
  const single = (rule.nOut ?? 1) === 1;
  // the rule sees the outputs without their own level (they carry only outer ones)
  const dout = rule.jvp(dx, stripped, single ? outs[0] : outs, params);
  const douts = single ? [dout as Tensor | null] : (dout as (Tensor | null)[]);
  for (let k = 0; k < outs.length; k++) {
    const t = douts[k];
    if (t === null || t === undefined) continue;
    attachTangent(outs[k], level, fitTangent(rule.name, t, outs[k], k));
  }
  return outs;
}

/**
 * Batching at vmap level `level`: the rule's batching rule runs on the
 * physical inputs (batch axis first) and its outputs are wrapped again as
 * batched tensors. The physical ops it calls record on the tape as usual
 * (for transforms outside this vmap); the wrapped outputs get a node of
 * this rule when `record` is given (for transforms inside it, which see the
 * logical tensors).
 */
function batchAt(rule: Rule, inputs: Tensor[], params: unknown, level: number, record: Tensor[] | null): Tensor[] {
  const n = inputs.length;
  const phys = new Array<Tensor>(n);
  const batched = new Array<boolean>(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const bt = inputs[i]._bt;
    if (bt !== null && bt.level === level) {
      phys[i] = bt.value;
      batched[i] = true;
      size = bt.size;
    } else {
      phys[i] = inputs[i];
      batched[i] = false;
    }
  }
  const r = rule.batch(phys, batched, params, size);
  const physOuts = Array.isArray(r) ? r : [r];
  const outs = new Array<Tensor>(physOuts.length);
  for (let k = 0; k < physOuts.length; k++) {
    const p = physOuts[k];
    if (p.ndim === 0 || p.shape[0] !== size)
      throw new ShapeError(rule.name, `batching rule returned output ${k} of shape ${fmtShape(p.shape)}, which does not have the batch axis (${size}) first`);
    outs[k] = makeBatched(p, level, size);
  }
  if (record !== null) recordNode(rule, record, outs, params);
  return outs;
}

/** The tape node of one application of `rule` to `record` (the inputs as the caller gave them), attached to its outputs. */
function recordNode(rule: Rule, record: Tensor[], outs: Tensor[], params: unknown): void {
  const node = new OpNode(rule, record, (rule.nOut ?? 1) === 1 ? outs[0] : outs, params);
  for (let k = 0; k < outs.length; k++) {
    outs[k]._node = node;
    outs[k]._outIdx = k;
  }
}

function fitTangent(op: string, t: Tensor, out: Tensor, k: number): Tensor {
  if (shapesEqual(t.shape, out.shape)) return t;
  if (broadcastsTo(t.shape, out.shape)) return broadcastTo(t, out.shape);
  throw new ShapeError(op, `JVP rule returned a tangent of shape ${fmtShape(t.shape)} for output ${k} of shape ${fmtShape(out.shape)}`);
}

/** Apply a single-output rule. */
export function apply<P>(rule: Rule<P>, inputs: Tensor[], params: P): Tensor {
  // fast path (no forward-mode tangents): no intermediate arrays
  for (let i = 0; i < inputs.length; i++) if (inputs[i]._fw !== null || inputs[i]._bt !== null) return applyMulti(rule, inputs, params)[0];
  const r = rule.forward(inputs, params);
  const outs = Array.isArray(r) ? r : null;
  const out = outs === null ? (r as Tensor) : outs[0];
  if (isGradEnabled()) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i]._node !== null && !(rule.nondiff !== undefined && rule.nondiff.includes(i))) {
        if (outs === null || (rule.nOut ?? 1) === 1) {
          out._node = new OpNode(rule, inputs, out, params);
          out._outIdx = 0;
        } else {
          const node = new OpNode(rule, inputs, outs, params);
          for (let k = 0; k < outs.length; k++) {
            outs[k]._node = node;
            outs[k]._outIdx = k;
          }
        }
        break;
      }
    }
  }
  return out;
}

/** Apply a rule, returning all its outputs. */
export function applyMulti<P>(rule: Rule<P>, inputs: Tensor[], params: P): Tensor[] {
  let record: Tensor[] | null = null;
  if (isGradEnabled()) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i]._node !== null && !(rule.nondiff !== undefined && rule.nondiff.includes(i))) {
        record = inputs;
        break;
      }
    }
  }
  return forwardOnly(rule, inputs, params, record);
}
