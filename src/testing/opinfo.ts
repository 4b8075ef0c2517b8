/**
 * OpInfo: the table that drives the op test suite (and that users can use for
 * their own ops). Each entry lists an op, its sample inputs (edge shapes
 * included), reference values, domain, tolerances and error inputs; one runner
 * checks forward values, VJP and JVP against central differences, the JVP/VJP
 * dot-product test, second order, and that error inputs raise the documented
 * error naming the op.
 */
import type { Tensor, NestedArray } from "../tensor/tensor.js";
import type { TensorLike } from "../ops/api.js";
import { Tensor as TensorClass } from "../tensor/tensor.js";
import { fromNested } from "../tensor/create.js";
import {
  asTensor, stack as stackT, sum as sumT, mul as mulT, sub as subT, concat as concatT, reshape as reshapeT,
} from "../ops/api.js";
import { randn as randnT, zerosLike as zerosLikeT, onesLike as onesLikeT } from "../tensor/create.js";
import { Generator } from "../tensor/random.js";
import { vmap } from "../autodiff/vmap.js";
import { grad, jvp } from "../autodiff/transforms.js";
import { gradcheck, gradgradcheck, type GradcheckResult } from "./gradcheck.js";
import { ArgumentError, BatchingError } from "../errors.js";
import { describe } from "../validate.js";

/** How gradcheck perturbs an input: freely, or only within symmetric matrices (for ops that read one triangle). */
export type InputStructure = "general" | "symmetric";

/** One sample input of an {@link OpInfo}, with its reference output and tolerances. */
export interface Sample {
  /** Short description shown in test names, e.g. "batched 2×3×3". */
  name: string;
  /** The op's arguments. */
  inputs: Tensor[];
  /** Reference output: hand-computed values, a closed form, or a function computing it another way. */
  expected?: NestedArray | Tensor | ((...inputs: Tensor[]) => Tensor | NestedArray);
  /** Per-input structure for gradcheck (default "general"). */
  structure?: InputStructure[];
  /** Override tolerances for this sample. */
  atol?: number;
  rtol?: number;
  /** Skip second-order checks for this sample (e.g. at a kink). */
  skipSecondOrder?: boolean;
  /**
   * Finite-difference step for this sample (default 1e-6). Central differences
   * err by O(eps²·f‴), which grows like cond(A)² for ill-conditioned inputs:
   * such samples need a smaller step.
   */
  eps?: number;
}

/** An input the op must refuse, and the error it must raise. */
export interface ErrorSample {
  name: string;
  /** The op's (invalid) arguments. */
  inputs: () => TensorLike[];
  /** The error class expected (e.g. ShapeError). */
  error: new (...args: never[]) => Error;
  /** A pattern the message must match; it should include the op's name. */
  message: RegExp;
}

/** An op's entry in the OpInfo table: the function, its sample inputs, reference values, domain and error inputs. */
export interface OpInfo {
  /** The op's public name, e.g. "matmul" or "linalg.inv". */
  name: string;
  /** The function under test; multi-output ops are wrapped into a (gauge-invariant) single output here. */
  fn: (...inputs: Tensor[]) => Tensor;
  /** The sample inputs (made on demand, seeded). */
  samples: () => Sample[];
  /** Inputs (by index) that are not differentiated (masks, indices). */
  nondiff?: number[];
  /** Whether the op is smooth enough for second-order checks on its samples (default true). */
  secondOrder?: boolean;
  /** Whether forward mode (JVP) is checked (default true). */
  forward?: boolean;
  atol?: number;
  rtol?: number;
  errors?: ErrorSample[];
  /**
   * Inputs (by index) whose values decide the output's shape (maskedSelect's
   * mask, nonzero's input): under vmap they must be unmapped (inAxes null),
   * and mapping them raises BatchingError; checkBatching maps only the others.
   */
  unmappable?: number[];
}

// ---------------------------------------------------------------------------
// Checking an entry: the same checks the op test suite runs, usable from any test framework.


/** The outcome of one check of {@link checkOpInfo}. */
export interface CheckOutcome {
  /** "forward value", "gradcheck", "gradgradcheck" or "error input". */
  check: string;
  /** The sample's (or error sample's) name. */
  sample: string;
  ok: boolean;
  /** What went wrong (a gradcheck report, a value mismatch, the unexpected error). */
  message: string;
}

/** Compare `actual` with a reference within atol + rtol·|ref|; returns null when close, else a description. */
export function compareValues(actual: Tensor, expected: Tensor | NestedArray, atol = 1e-12, rtol = 1e-10): string | null {
  if (!(actual instanceof TensorClass)) throw new ArgumentError("compareValues", `argument actual must be a tensor; got ${describe(actual)}`);
  const e = expected instanceof TensorClass ? expected : fromNested(expected, "compareValues", "expected");
  if (actual.shape.length !== e.shape.length || actual.shape.some((d, i) => d !== e.shape[i]))
    return `shape [${actual.shape.join(", ")}], expected [${e.shape.join(", ")}]`;
  for (let i = 0; i < e.size; i++) {
    const a = actual.data[i], b = e.data[i];
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b)) && !(Number.isNaN(a) && Number.isNaN(b)))
      return `value mismatch at flat index ${i}: got ${a}, expected ${b} (atol ${atol}, rtol ${rtol})`;
  }
  return null;
}

/** An OpInfo entry (name, fn, samples) and, when given, a sample (name, inputs array). */
function checkInfo(op: string, info: OpInfo, s?: Sample): void {
  const i = info as Partial<OpInfo> | null;
  if (typeof i !== "object" || i === null || typeof i.name !== "string" || typeof i.fn !== "function" || typeof i.samples !== "function")
    throw new ArgumentError(op, `argument info must be an OpInfo entry {name, fn, samples: () => Sample[], …}; got ${describe(info)}`);
  if (arguments.length > 2) {
    const x = s as Partial<Sample> | null;
    if (typeof x !== "object" || x === null || !Array.isArray(x.inputs))
      throw new ArgumentError(op, `argument s must be a Sample {name, inputs: [...], …}; got ${describe(s)}`);
  }
}

function outcome(check: string, sample: string, fn: () => string | null): CheckOutcome {
  try {
    const msg = fn();
    return { check, sample, ok: msg === null, message: msg ?? "" };
  } catch (e) {
    return { check, sample, ok: false, message: (e as Error).message };
  }
}

function gradOptions(info: OpInfo, s: Sample) {
  return {
    structure: s.structure, nondiff: info.nondiff, forward: info.forward ?? true,
    atol: s.atol ?? info.atol, rtol: s.rtol ?? info.rtol, eps: s.eps, raise: false, name: info.name,
  };
}

const reportOf = (r: GradcheckResult): string | null => (r.ok ? null : r.report);

/** The forward value against the sample's reference (null when the sample has none). */
export function checkForward(info: OpInfo, s: Sample): CheckOutcome | null {
  checkInfo("checkForward", info, s);
  if (s.expected === undefined) return null;
  return outcome("forward value", s.name, () => {
    const ref = typeof s.expected === "function" ? s.expected(...s.inputs) : s.expected!;
    return compareValues(info.fn(...s.inputs), ref as Tensor | NestedArray);
  });
}

/** gradcheck of the VJP and JVP (and their dot-product test) against central differences. */
export function checkGrad(info: OpInfo, s: Sample): CheckOutcome {
  checkInfo("checkGrad", info, s);
  return outcome("gradcheck", s.name, () => reportOf(gradcheck(info.fn, s.inputs, gradOptions(info, s))));
}

/** gradgradcheck (reverse-over-reverse, forward-over-reverse); null when the entry or sample opts out. */
export function checkGradGrad(info: OpInfo, s: Sample): CheckOutcome | null {
  checkInfo("checkGradGrad", info, s);
  if (!(info.secondOrder ?? true) || s.skipSecondOrder) return null;
  return outcome("gradgradcheck", s.name, () => reportOf(gradgradcheck(info.fn, s.inputs, gradOptions(info, s))));
}

/** Examples per batched input in {@link checkBatching}. */
const BATCH = 3;

/**
 * Example b of a batched input made from a sample input: the input plus a
 * small seeded perturbation (symmetric where the sample says so), so that
 * examples differ and an op mixing them up is caught; integer-valued inputs
 * (indices, masks, counts) are repeated unchanged.
 */
function exampleInput(x: Tensor, b: number, k: number, structure: InputStructure | undefined): Tensor {
  const d = x.data;
  if (b === 0 || d.every((v) => Number.isInteger(v))) return x;
  const g = new Generator(7001 + 31 * k + b);
  const u = new Float64Array(d.length);
  for (let i = 0; i < u.length; i++) u[i] = g.normal();
  if (structure === "symmetric" && x.ndim >= 2) {
    const n = x.shape[x.ndim - 1], m = x.shape[x.ndim - 2];
    if (m === n)
      for (let off = 0; off < u.length; off += n * n)
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) u[off + j * n + i] = u[off + i * n + j];
  }
  const scale = 1e-2 * b * Math.max(1, ...Array.from(d, (v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
  return new TensorClass(d.map((v, i) => v + scale * u[i]), x.shape.slice());
}

function stackOrError(fn: () => Tensor[]): { out: Tensor | null; err: unknown } {
  try {
    return { out: stackT(fn(), 0), err: null };
  } catch (e) {
    return { out: null, err: e };
  }
}

/**
 * The batching check of a sample: the op under `vmap` against a loop over
 * examples (batches of 3 made from the sample's inputs, see exampleInput).
 * Checked, each to atol + rtol·|ref| (the entry's tolerances, at most 1e-12
 * and 1e-10): every input mapped; only the first input mapped (the others
 * shared); per-example gradients `vmap(grad(Σ w·f))`; and batched tangents
 * `vmap(t ↦ jvp(f, x, t))` (forward mode, when the entry checks it). Where
 * the loop raises, vmap must raise the same error class.
 */
export function checkBatching(info: OpInfo, s: Sample): CheckOutcome {
  checkInfo("checkBatching", info, s);
  const atol = Math.min(s.atol ?? info.atol ?? 1e-12, 1e-12) * 10, rtol = Math.min(s.rtol ?? info.rtol ?? 1e-10, 1e-10) * 10;
  return outcome("batching", s.name, () => {
    const xs = s.inputs;
    const fixed = info.unmappable ?? [];
    const examples = Array.from({ length: BATCH }, (_, b) => xs.map((x, k) => (fixed.includes(k) ? x : exampleInput(x, b, k, s.structure?.[k]))));
    const inAxes = xs.map((_, k) => (fixed.includes(k) ? null : 0));
    const batchedXs = xs.map((_, k) => stackT(examples.map((e) => e[k]), 0));
    const compare = (what: string, got: () => Tensor, ref: () => Tensor[]): string | null => {
      const r = stackOrError(ref);
      let g: Tensor | null = null, gerr: unknown = null;
      try {
        g = got();
      } catch (e) {
        gerr = e;
      }
      if (r.err !== null) {
        if (gerr === null) return `${what}: the loop raised ${String(r.err)} but vmap returned a value`;
        if (Object.getPrototypeOf(gerr) !== Object.getPrototypeOf(r.err)) return `${what}: the loop raised ${String(r.err)} but vmap raised ${String(gerr)}`;
        return null;
      }
      if (gerr !== null) return `${what}: vmap raised ${String(gerr)}`;
      const m = compareValues(g!, r.out!, atol, rtol);
      return m === null ? null : `${what}: ${m}`;
    };
    const msgs: string[] = [];
    const push = (m: string | null): void => {
      if (m !== null) msgs.push(m);
    };
    // 1. every input mapped
    const args = xs.map((x, k) => (fixed.includes(k) ? x : batchedXs[k]));
    push(compare("vmap(f), all inputs mapped", () => vmap(info.fn, { inAxes })(...args), () => examples.map((e) => info.fn(...e))));
    // an unmappable input mapped: a BatchingError (its values would decide the shape)
    for (const k of fixed) {
      const ax = inAxes.slice();
      ax[k] = 0;
      try {
        vmap(info.fn, { inAxes: ax })(...args.map((a, i) => (i === k ? batchedXs[k] : a)));
        msgs.push(`vmap(f) with input ${k} (unmappable) mapped returned a value instead of raising BatchingError`);
      } catch (e) {
        if (!(e instanceof BatchingError)) msgs.push(`vmap(f) with input ${k} (unmappable) mapped raised ${String(e)}, not a BatchingError`);
      }
    }
    // 2. only the first input mapped
    if (xs.length > 1 && !fixed.includes(0))
      push(compare("vmap(f), only input 0 mapped", () => vmap(info.fn, { inAxes: [0, ...xs.slice(1).map(() => null)] })(batchedXs[0], ...xs.slice(1)),
        () => examples.map((e) => info.fn(e[0], ...xs.slice(1)))));
    const diff = xs.map((_, k) => k).filter((k) => !(info.nondiff ?? []).includes(k));
    if (diff.length > 0 && msgs.length === 0) {
      // 3. per-example gradients of Σ w·f
      let w: Tensor | null = null;
      const loss = (...a: Tensor[]): Tensor => {
        const y = info.fn(...a);
        w ??= randnT(y.shape.slice(), { seed: 4242 });
        return sumT(mulT(y, w));
      };
      const gradAll = (...a: Tensor[]): Tensor => {
        const gs = grad(loss, { argnums: diff })(...a) as Tensor[];
        return concatT(gs.map((t) => reshapeT(t, [-1])), 0);
      };
      push(compare("vmap(grad(Σ w·f))", () => vmap(gradAll, { inAxes })(...args), () => examples.map((e) => gradAll(...e))));
      // 4. batched tangents at the sample's point
      if (info.forward ?? true) {
        const ts = examples.map((e) => xs.map((x, k) => (diff.includes(k) ? (e[k] === x ? onesLikeT(x) : subT(e[k], x)) : zerosLikeT(x))));
        const tan = (...t: Tensor[]): Tensor => jvp(info.fn, xs, t).tangent as Tensor;
        const batchedTs = xs.map((_, k) => stackT(ts.map((t) => t[k]), 0));
        push(compare("vmap(jvp(f))", () => vmap(tan)(...batchedTs), () => ts.map((t) => tan(...t))));
      }
    }
    return msgs.length === 0 ? null : msgs.join("; ");
  });
}

/** The checks of one sample: forward value (when a reference is given), gradcheck (VJP, JVP, dot-product test), gradgradcheck. */
export function checkSample(info: OpInfo, s: Sample): CheckOutcome[] {
  checkInfo("checkSample", info, s);
  return [checkForward(info, s), checkGrad(info, s), checkGradGrad(info, s)].filter((o): o is CheckOutcome => o !== null);
}

/** An error sample must raise the documented error class with a message naming the op. */
export function checkErrorSample(info: OpInfo, e: ErrorSample): CheckOutcome {
  checkInfo("checkErrorSample", info);
  const es = e as Partial<ErrorSample> | null;
  if (typeof es !== "object" || es === null || typeof es.inputs !== "function" || typeof es.error !== "function" || !(es.message instanceof RegExp))
    throw new ArgumentError("checkErrorSample", `argument e must be an ErrorSample {name, inputs: () => [...], error: an error class, message: a RegExp}; got ${describe(e)}`);
  let caught: unknown = null;
  try {
    info.fn(...e.inputs().map(asTensor));
  } catch (err) {
    caught = err;
  }
  const fail = (message: string): CheckOutcome => ({ check: "error input", sample: e.name, ok: false, message });
  if (caught === null) return fail(`expected ${e.error.name}, but nothing was thrown`);
  if (!(caught instanceof e.error)) return fail(`expected ${e.error.name}, got ${(caught as Error).name}: ${(caught as Error).message}`);
  if (!e.message.test((caught as Error).message)) return fail(`message "${(caught as Error).message}" does not match ${e.message}`);
  return { check: "error input", sample: e.name, ok: true, message: "" };
}

/** Every check of an OpInfo entry (all samples, all error samples). */
export function checkOpInfo(info: OpInfo): CheckOutcome[] {
  checkInfo("checkOpInfo", info);
  return [...info.samples().flatMap((s) => checkSample(info, s)), ...(info.errors ?? []).map((e) => checkErrorSample(info, e))];
}
