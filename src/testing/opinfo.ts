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
import { asTensor } from "../ops/api.js";
import { gradcheck, gradgradcheck, type GradcheckResult } from "./gradcheck.js";
import { ArgumentError } from "../errors.js";
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
