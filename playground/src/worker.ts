/**
 * Runs the user's code, off the page's thread: the page terminates this worker
 * when a run exceeds its time limit, so an endless loop never freezes the UI.
 *
 * The code is a module: TypeScript or JavaScript that imports from "matgrad"
 * and exports `f` and `args` (and optionally `gradcheckOptions`). Sucrase strips
 * the types and turns the imports/exports into `require` / `exports`, keeping
 * line numbers, so an error's stack frame points at the user's line.
 *
 * Each panel is computed and posted on its own, so a failure (or a slow
 * panel) leaves the others standing; an error carries the op that raised it.
 */
import { transform } from "sucrase";
import * as mg from "matgrad";
import {
  Tensor, MatgradError, grad, jacobian, hessian, gradcheck, explain, sum, detach, setRequiresGrad, autogradGraph, toDot, toMermaid,
  type GradcheckOptions,
} from "matgrad";
import type { ErrorInfo, GradientBlock, RunRequest, Section, TensorView, WorkerMessage } from "./protocol";

/** The user's code is compiled under this name, so its stack frames can be recognised. */
const SOURCE_URL = "playground-user-code.js";
/** `new Function(a, b, c, body)` puts the body after a two-line header. */
const FUNCTION_HEADER_LINES = 2;
/** Largest Jacobian / Hessian drawn (entries). */
const MAX_JACOBIAN_ENTRIES = 4096;

interface UserModule {
  f: (...xs: Tensor[]) => Tensor;
  args: Tensor[];
  gradcheckOptions: GradcheckOptions;
}

const post = (m: WorkerMessage): void => self.postMessage(m);

function view(t: Tensor): TensorView {
  return { shape: [...t.shape], data: Array.from(t.data) };
}

function errorInfo(e: unknown): ErrorInfo {
  const err = e instanceof Error ? e : new Error(String(e));
  let line: number | null = null, column: number | null = null;
  const m = new RegExp(`${SOURCE_URL.replace(/\./g, "\\.")}:(\\d+):(\\d+)`).exec(err.stack ?? "");
  if (m !== null) {
    line = Number(m[1]) - FUNCTION_HEADER_LINES;
    column = Number(m[2]);
  }
  // Sucrase's syntax errors end with "(line:column)"
  const loc = (err as { loc?: { line: number; column: number } }).loc;
  if (line === null && loc !== undefined) {
    line = loc.line;
    column = loc.column + 1;
  }
  const message = e instanceof MatgradError ? err.message.slice(e.op.length + 2) : err.message;
  return { name: err.name, op: e instanceof MatgradError ? e.op : null, message, line, column };
}

class UserCodeError extends Error {}

function load(code: string): UserModule {
  let js: string;
  try {
    js = transform(code, { transforms: ["typescript", "imports"], production: true }).code;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    err.name = "SyntaxError";
    throw err;
  }
  const exports: Record<string, unknown> = {};
  const require = (spec: string): unknown => {
    if (spec === "matgrad") return mg;
    throw new UserCodeError(`only "matgrad" can be imported here, not "${spec}"`);
  };
  const run = new Function("require", "exports", "module", `${js}\n//# sourceURL=${SOURCE_URL}`) as (
    r: typeof require, e: Record<string, unknown>, m: { exports: Record<string, unknown> },
  ) => void;
  run(require, exports, { exports });
  const { f, args, gradcheckOptions } = exports;
  if (typeof f !== "function") throw new UserCodeError(`the code must export a function f (export function f(X) { … }), got ${typeof f}`);
  const list = Array.isArray(args) ? args : args instanceof Tensor ? [args] : null;
  if (list === null || list.length === 0 || !list.every((a) => a instanceof Tensor))
    throw new UserCodeError("the code must export args: an array of example tensors (export const args = [tensor([[1, 2], [3, 4]])])");
  if (gradcheckOptions !== undefined && (typeof gradcheckOptions !== "object" || gradcheckOptions === null))
    throw new UserCodeError("gradcheckOptions, when exported, must be an object of gradcheck options");
  return { f: f as UserModule["f"], args: list as Tensor[], gradcheckOptions: (gradcheckOptions ?? {}) as GradcheckOptions };
}

/** f's parameter names when they are plain identifiers (JavaScript keeps them in f.toString()). */
function parameterNames(f: (...xs: Tensor[]) => Tensor, n: number): string[] {
  const fallback = n === 1 ? ["X"] : Array.from({ length: n }, (_, i) => String.fromCharCode(65 + i));
  const src = f.toString();
  const m = /^(?:async\s+)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(src) ?? /^([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (m === null) return fallback;
  const names = m[1].split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  return names.length === n && names.every((s) => /^[A-Za-z_$][\w$]*$/.test(s)) ? names : fallback;
}

/**
 * ∂vec(f)/∂vec(args[i]) by central differences, (f(x + h·eₖ) − f(x − h·eₖ)) / 2h
 * column by column, h = 1e-6·max(1, |xₖ|): error O(h²) from truncation plus
 * O(ε/h) from rounding, both ≈ 1e-10 relative for smooth f.
 */
function centralJacobian(f: UserModule["f"], args: Tensor[], i: number, outSize: number): number[] {
  const x = args[i], n = x.size;
  const J = new Array<number>(outSize * n);
  const at = (k: number, h: number): Float64Array => {
    const data = Float64Array.from(x.data);
    data[k] += h;
    const xs = args.slice();
    xs[i] = new Tensor(data, [...x.shape]);
    return f(...xs).data;
  };
  for (let k = 0; k < n; k++) {
    const h = 1e-6 * Math.max(1, Math.abs(x.data[k]));
    const plus = at(k, h), minus = at(k, -h);
    for (let r = 0; r < outSize; r++) J[r * n + k] = (plus[r] - minus[r]) / (2 * h);
  }
  return J;
}

/** The numeric values and the largest difference when they disagree with autodiff's beyond 1e-5 relative, else null. */
function compare(ad: readonly number[], numeric: number[]): { numeric: number[]; maxDiff: number } | null {
  const scale = numeric.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const maxDiff = numeric.reduce((m, v, k) => Math.max(m, Math.abs(v - ad[k])), 0);
  return maxDiff <= 1e-5 * (1 + scale) ? null : { numeric, maxDiff };
}

function section(id: number, name: Section, body: () => void): boolean {
  try {
    body();
    return true;
  } catch (e) {
    post({ id, kind: "error", section: name, error: errorInfo(e) });
    return false;
  }
}

function runAll({ id, code }: RunRequest): void {
  // the page starts the clock now: loading this worker's module is not the user's time
  post({ id, kind: "started" });
  const t0 = performance.now();
  let mod: UserModule | null = null;
  section(id, "code", () => {
    mod = load(code);
  });
  if (mod === null) return post({ id, kind: "done", ms: performance.now() - t0 });
  const { f, args, gradcheckOptions } = mod as UserModule;
  const names = parameterNames(f, args.length);
  const argnums = args.map((_, i) => i);

  let value: Tensor | null = null;
  section(id, "value", () => {
    const out = f(...args);
    if (!(out instanceof Tensor)) throw new UserCodeError(`f must return a Tensor, got ${Array.isArray(out) ? "an array" : typeof out}`);
    value = out;
    post({ id, kind: "value", value: view(out), inputs: args.map((a, i) => ({ name: names[i], value: view(a) })) });
  });
  if (value === null) return post({ id, kind: "done", ms: performance.now() - t0 });
  const out = value as Tensor;
  const scalarOut = out.size === 1;

  section(id, "gradient", () => {
    const g = scalarOut ? f : (...xs: Tensor[]): Tensor => sum(f(...xs));
    const grads = grad(g, { argnums })(...args) as Tensor[];
    const title = scalarOut ? "∇f" : "∇ sum(f): the VJP with a cotangent of ones";
    post({
      id, kind: "gradient", title,
      grads: grads.map((t, i): GradientBlock => {
        const value = view(t);
        // central differences beside autodiff when they disagree (a wrong rule shows at once)
        const cmp = args[i].size <= MAX_JACOBIAN_ENTRIES ? compare(value.data, centralJacobian(g, args, i, 1)) : null;
        return { name: names[i], value, numeric: cmp === null ? null : { value: { shape: value.shape, data: cmp.numeric }, maxDiff: cmp.maxDiff } };
      }),
    });
  });

  section(id, "jacobian", () => {
    const blocks = args.map((a, i) => {
      const rows = scalarOut ? a.size : out.size;
      if (rows * a.size > MAX_JACOBIAN_ENTRIES)
        return { name: names[i], value: { shape: [0, 0], data: [] }, note: `${rows}×${a.size} is too large to draw (at most ${MAX_JACOBIAN_ENTRIES} entries)`, numeric: null };
      const J = (scalarOut ? hessian(f, { argnums: i }) : jacobian(f, { argnums: i }))(...args) as Tensor;
      const value = { shape: [rows, a.size], data: Array.from(J.data) };
      if (scalarOut) return { name: names[i], value, note: null, numeric: null };
      // Beside it, the central-difference Jacobian when the two disagree: a wrong rule shows as a different picture.
      const cmp = compare(value.data, centralJacobian(f, args, i, out.size));
      return cmp === null
        ? { name: names[i], value, note: null, numeric: null }
        : { name: names[i], value, note: `autodiff and central differences differ by up to ${cmp.maxDiff.toPrecision(3)}`, numeric: { shape: value.shape, data: cmp.numeric } };
    });
    const title = scalarOut
      ? "f is scalar, so its Jacobian is the gradient (beside); here the Hessian ∇²f, the Jacobian of ∇f: rows and columns are the input's entries, row-major"
      : "Jacobian ∂vec(f)/∂vec(input): a row per output entry, a column per input entry, row-major";
    post({ id, kind: "jacobian", hessian: scalarOut, title, blocks });
  });

  section(id, "explain", () => {
    const ex = explain(f, ...args, { names });
    post({ id, kind: "explain", latex: ex.latex, text: ex.text, verified: ex.verified, notes: [...ex.notes] });
  });

  section(id, "gradcheck", () => {
    const r = gradcheck(f, args, { name: "f", inputNames: names, ...gradcheckOptions, raise: false });
    const diagnosis = [...r.inputs, ...(r.forward ?? [])].flatMap((x) => x.diagnosis);
    post({ id, kind: "gradcheck", ok: r.ok, report: r.report, diagnosis: [...new Set(diagnosis)] });
  });

  section(id, "graph", () => {
    const leaves = args.map((a) => setRequiresGrad(detach(a)));
    const result = f(...leaves);
    const named: Record<string, Tensor> = {};
    leaves.forEach((t, i) => (named[names[i]] = t));
    post({ id, kind: "graph", graph: autogradGraph(result, { names: named }), dot: toDot(result, { names: named }), mermaid: toMermaid(result, { names: named }) });
  });

  post({ id, kind: "done", ms: performance.now() - t0 });
}

self.onmessage = (ev: MessageEvent<RunRequest>): void => runAll(ev.data);
