/**
 * Tracing a function written with matgrad ops into a replayable program — the
 * tape-based analogue of JAX's closure conversion.
 *
 * `trace(f, values)` calls f on fresh leaf tensors ("probes") carrying the
 * given values, with gradient recording on, and walks the tape back from the
 * result. Every recorded op that depends on a probe becomes a step (rule,
 * params, where each input comes from); every other tensor feeding such a
 * step is a constant of the program. Constants that take part in autodiff
 * (they carry a tape node or a live forward tangent — tensors the function
 * closes over, like weights) are *captured*: they become explicit inputs of
 * the rules that implicit differentiation creates, so gradients reach them and
 * higher-order derivatives stay exact. Constants computed inside f from such
 * tensors (say exp(W)) are captured too, and carry W's tape.
 *
 * A program can then be
 * - replayed with ops (`replay`): differentiable in the free inputs and in the
 *   captured constants, to any order, forward and reverse;
 * - replayed numerically (`replayNumeric`): only the rules' forward kernels, no
 *   tape and no tangents — the fast path for the matvecs inside Krylov solvers.
 *
 * Validity: a replay recomputes every recorded op from its inputs, but values
 * computed outside the rule system (comparisons such as gt(x, 0), reading
 * `.data`, JavaScript control flow) are frozen at trace time. So a program is
 * exact at the traced point for any function, and everywhere for functions
 * that are linear in the probes (JVP and VJP programs, user matvecs — those
 * are checked; see solve.ts).
 */
import { Tensor } from "../tensor/tensor.js";
import { LeafNode, OpNode, isLevelLive, type GradNode, type Rule, type TangentLink } from "../tensor/meta.js";
import type { Shape } from "../tensor/shape.js";
import { applyMulti } from "../ops/dispatch.js";
import { enableGrad } from "./engine.js";
import { ArgumentError } from "../errors.js";

/** Where a step input (or the output) comes from. */
type Ref =
  | { readonly kind: "free"; readonly i: number }
  | { readonly kind: "captured"; readonly i: number }
  | { readonly kind: "const"; readonly t: Tensor }
  | { readonly kind: "step"; readonly s: number; readonly o: number };

interface Step {
  readonly rule: Rule;
  readonly params: unknown;
  readonly ins: readonly Ref[];
}

export interface Program {
  readonly steps: readonly Step[];
  readonly output: Ref;
  readonly freeShapes: readonly Shape[];
  readonly outShape: Shape;
  /** Captured constants (in input order): closed-over tensors that carry a tape node or a live tangent. */
  readonly captured: readonly Tensor[];
}

export interface Traced {
  program: Program;
  /** f's value at the traced point (with its tape: it depends on the probes). */
  value: Tensor;
}

function hasLiveTangent(t: Tensor): boolean {
  for (let l: TangentLink | null = t._fw; l !== null; l = l.next) if (isLevelLive(l.level)) return true;
  return false;
}

/** A fresh leaf with x's values and shape (no tape history, no tangents). */
export function probeOf(x: Tensor): Tensor {
  const p = x._alias();
  p._node = new LeafNode(p);
  return p;
}

/** x's values as a plain tensor: no tape node, no tangents. */
export function plain(x: Tensor): Tensor {
  return x._node === null && x._fw === null ? x : x._alias();
}

/**
 * Trace f at the given values of its free inputs. `op` names the caller in
 * errors. f must return a single Tensor. `known` lists tensors that existed
 * before the call (so cannot depend on the probes): the tape walk stops at
 * them instead of visiting their whole history.
 */
export function trace(op: string, f: (...free: Tensor[]) => Tensor, values: readonly Tensor[], known: readonly Tensor[] = []): Traced {
  const probes = values.map(probeOf);
  const value = enableGrad(() => f(...probes));
  if (!(value instanceof Tensor)) throw new ArgumentError(op, `the function must return a Tensor, got ${typeof value}`);
  const freeIdx = new Map<GradNode, number>();
  probes.forEach((p, i) => freeIdx.set(p._node!, i));

  // post-order walk: which recorded nodes depend on a probe
  const dep = new Map<OpNode, boolean>();
  for (const t of known) if (t._node instanceof OpNode) dep.set(t._node, false);
  const order: OpNode[] = [];
  const nodeDep = (n: GradNode | null): boolean =>
    n !== null && (freeIdx.has(n) || (n instanceof OpNode && dep.get(n) === true));
  const root = value._node;
  if (root instanceof OpNode) {
    const stack: { node: OpNode; i: number }[] = [{ node: root, i: 0 }];
    const onStack = new Set<OpNode>([root]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top.node.inputs;
      if (inputs !== null && top.i < inputs.length) {
        const child = inputs[top.i++]._node;
        if (child instanceof OpNode && !dep.has(child) && !onStack.has(child)) {
          stack.push({ node: child, i: 0 });
          onStack.add(child);
        }
        continue;
      }
      stack.pop();
      onStack.delete(top.node);
      // a node whose saved inputs were freed by an earlier backward existed before the probes
      const d = inputs !== null && inputs.some((t) => nodeDep(t._node));
      dep.set(top.node, d);
      if (d) order.push(top.node);
    }
  }

  const stepIdx = new Map<OpNode, number>();
  order.forEach((n, s) => stepIdx.set(n, s));
  const captured: Tensor[] = [];
  const capIdx = new Map<Tensor, number>();
  const refOf = (t: Tensor): Ref => {
    const n = t._node;
    if (n !== null) {
      const fi = freeIdx.get(n);
      if (fi !== undefined) return { kind: "free", i: fi };
      if (n instanceof OpNode) {
        const s = stepIdx.get(n);
        if (s !== undefined) return { kind: "step", s, o: t._outIdx };
      }
    }
    // a batched tensor (vmap) is never a constant: its values differ per example, so it is captured (an input of the rules made from the program)
    if (n === null && !hasLiveTangent(t) && t._bt === null) return { kind: "const", t };
    let ci = capIdx.get(t);
    if (ci === undefined) {
      ci = captured.length;
      captured.push(t);
      capIdx.set(t, ci);
    }
    return { kind: "captured", i: ci };
  };
  const steps: Step[] = order.map((n) => ({ rule: n.rule, params: n.params, ins: n.inputs!.map(refOf) }));
  const output = refOf(value);
  return {
    program: { steps, output, freeShapes: values.map((v) => v.shape), outShape: value.shape, captured },
    value,
  };
}

function run(prog: Program, free: readonly Tensor[], captured: readonly Tensor[], numeric: boolean): Tensor {
  const vals: Tensor[][] = new Array(prog.steps.length);
  const get = (r: Ref): Tensor => {
    switch (r.kind) {
      case "free": return free[r.i];
      case "captured": return captured[r.i];
      case "const": return r.t;
      case "step": return vals[r.s][r.o];
    }
  };
  for (let s = 0; s < prog.steps.length; s++) {
    const st = prog.steps[s];
    const ins = st.ins.map(get);
    if (numeric) {
      const r = st.rule.forward(ins, st.params);
      vals[s] = Array.isArray(r) ? r : [r];
    } else vals[s] = applyMulti(st.rule, ins, st.params);
  }
  return get(prog.output);
}

/** Replay with ops (differentiable in `free` and `captured`). */
export function replay(prog: Program, free: readonly Tensor[], captured: readonly Tensor[] = prog.captured): Tensor {
  return run(prog, free, captured, false);
}

/** Replay with the rules' forward kernels only (no tape, no tangents). */
export function replayNumeric(prog: Program, free: readonly Tensor[], captured: readonly Tensor[] = prog.captured): Tensor {
  return run(prog, free, captured, true);
}
