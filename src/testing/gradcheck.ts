/**
 * gradcheck / gradgradcheck: compare a function's analytic derivatives (the
 * VJP by reverse mode, the JVP by forward mode) with float64 central
 * differences, run the dot-product test ⟨ct, J·t⟩ = ⟨Jᵀ·ct, t⟩ between them,
 * and, when something is wrong, say in words what (see diagnose.ts): a
 * transpose, a constant factor, an elementwise product where a matrix product
 * belongs, a missing term, a gradient right only for symmetric matrices, …
 *
 * Conventions. The Jacobian of input i is J[r, c] = ∂out_r / ∂x_c with the
 * outputs flattened and concatenated (r) and the input flattened (c). Reverse
 * mode gives its rows (one VJP per output entry), forward mode its columns
 * (one JVP per input entry), central differences its columns
 * (f(x + εe_c) − f(x − εe_c)) / 2ε. An entry passes when
 * |analytic − numeric| ≤ atol + rtol·|numeric| (as in torch.autograd.gradcheck).
 * With structure "symmetric" an input is perturbed along symmetric directions
 * only (Eᵢⱼ = (eᵢeⱼᵀ + eⱼeᵢᵀ)/2, Eᵢᵢ = eᵢeᵢᵀ), and the analytic gradient is
 * compared through its symmetric part sym(G) = (G + Gᵀ)/2: right for functions
 * that read only one triangle or the symmetric part of a matrix.
 */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { Generator, checkSeed } from "../tensor/random.js";
import { tensorArg } from "../tensor/create.js";
import { checkBool, checkFinite, checkFunction, checkInt, checkOptions, describe } from "../validate.js";
import { ArgumentError, AutogradError, MatgradError, ShapeError } from "../errors.js";
import { asTensor, type TensorLike } from "../ops/api.js";
import { enableGrad, noGrad } from "../autodiff/engine.js";
import { jvp as jvpTransform, vjp as vjpTransform } from "../autodiff/transforms.js";
import { diagnoseBlock, diagnoseProjections, type Candidate, type DiagnosisInput } from "./diagnose.js";
import { symbolicDiagnosis } from "../explain/diagnose.js";

/**
 * Structure of the inputs perturbed by gradcheck: "symmetric" perturbs symmetrically (for functions of symmetric
 * matrices).
 */
export type GradcheckStructure = "general" | "symmetric";

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /**
   * "full": the whole Jacobian, entry by entry. "fast": random projections uᵀJv
   * (a few VJPs/JVPs and two function evaluations per input and projection).
   * "auto" (default): full when the total input + output size is at most 512.
   */
  mode?: "full" | "fast" | "auto";
  /** Check the VJP (reverse mode). Default true. */
  reverse?: boolean;
  /** Check the JVP (forward mode), and the dot-product test when reverse also runs. Default true. */
  forward?: boolean;
  /** Per-input (or one for all) perturbation structure. "symmetric": only symmetric perturbations, symmetric parts compared. */
  structure?: GradcheckStructure[] | GradcheckStructure;
  /** Input indices that are not checked (integer masks, indices, constants). */
  nondiff?: number[];
  /** Throw a GradcheckError carrying the readable report when the check fails (default true). */
  raise?: boolean;
  /** Seed of the random cotangents / directions (default 0). */
  seed?: number;
  /** The function's name in reports (default: f.name, else "gradcheck"). */
  name?: string;
  /** Names of the inputs used in reports and diagnoses (default X for one input, A, B, C, … for several). */
  inputNames?: string[];
  /** Number of random projections in fast mode (default 3). */
  projections?: number;
}

/** One Jacobian entry (full mode: index = [...output index, ...input index]) or one projection (fast mode: index = [k]). */
export interface GradcheckEntry {
  index: number[];
  /** Which output the entry belongs to (full mode). */
  output?: number;
  analytic: number;
  numeric: number;
}

/** The check of one input: numerical vs analytical derivative, the worst entries, and a diagnosis. */
export interface GradcheckInputResult {
  /** Position of the input among f's arguments. */
  index: number;
  name: string;
  ok: boolean;
  maxAbsError: number;
  /** max |analytic − numeric| / max(|numeric|, atol). */
  maxRelError: number;
  /** The worst entries, largest error first (at most 5). */
  worst: GradcheckEntry[];
  /** What is wrong, in words (empty when ok). */
  diagnosis: string[];
}

/** The dot-product test between forward and reverse mode: ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩. */
export interface DotProductResult {
  ok: boolean;
  /** ⟨u, J·v⟩ by forward mode. */
  jvp: number;
  /** ⟨Jᵀ·u, v⟩ by reverse mode. */
  vjp: number;
  absError: number;
  relError: number;
}

/** What {@link gradcheck} found: per input, the comparison and a diagnosis; `report` says it in words. */
export interface GradcheckResult {
  ok: boolean;
  name: string;
  mode: "full" | "fast";
  /** Reverse mode (VJP), one entry per checked input (empty when reverse is off). */
  inputs: GradcheckInputResult[];
  /** Forward mode (JVP), one entry per checked input (when forward is on). */
  forward?: GradcheckInputResult[];
  /** The dot-product test between JVP and VJP (when both are on). */
  dotProduct?: DotProductResult;
  /** A readable report (also the GradcheckError message). */
  report: string;
}

/** Raised by gradcheck / gradgradcheck when a derivative is wrong; `result` has the details. */
export class GradcheckError extends MatgradError {
  // the class name survives minification (a bundler renames the class; see src/errors.ts)
  static {
    Object.defineProperty(this, "name", { value: "GradcheckError" });
  }
  constructor(readonly result: GradcheckResult) {
    super(result.name, result.report);
  }
}

type Fn = (...xs: Tensor[]) => Tensor | Tensor[];

// ---------------------------------------------------------------------------
// Setup

interface Setup {
  name: string;
  f: Fn;
  xs: Tensor[];
  names: string[];
  diff: number[];
  structure: GradcheckStructure[];
  outShapes: number[][];
  outSizes: number[];
  outOffsets: number[];
  outTotal: number;
  outValues: Tensor[];
  eps: number;
  atol: number;
  rtol: number;
  seed: number;
}

const AUTO_FULL_LIMIT = 512;
/** Above this many Jacobian entries of one input, failures are diagnosed from projections only. */
const DIAGNOSE_FULL_LIMIT = 1 << 16;

function defaultNames(n: number): string[] {
  if (n === 1) return ["X"];
  if (n <= 8) return Array.from({ length: n }, (_, i) => "ABCDEFGH"[i]);
  return Array.from({ length: n }, (_, i) => `X${i}`);
}

function plainCopy(x: Tensor): Tensor {
  return x._alias();
}

function toList(op: string, r: Tensor | Tensor[]): Tensor[] {
  const outs = Array.isArray(r) ? r : [r];
  if (outs.length === 0 || outs.some((o) => !(o instanceof Tensor)))
    throw new ArgumentError(op, "the function must return a Tensor or a non-empty array of Tensors");
  return outs;
}

function setup(f: Fn, inputs: TensorLike[], opts: GradcheckOptions): Setup {
  const name = opts.name ?? (f.name && f.name !== "anonymous" ? f.name : "gradcheck");
  if (inputs.length === 0) throw new ArgumentError(name, "gradcheck needs at least one input");
  const xs = inputs.map((x) => plainCopy(asTensor(x)));
  const names = opts.inputNames?.slice() ?? defaultNames(xs.length);
  if (names.length !== xs.length)
    throw new ArgumentError(name, `inputNames has ${names.length} names for ${xs.length} inputs`);
  const nondiff = new Set(opts.nondiff ?? []);
  for (const i of nondiff)
    if (!Number.isInteger(i) || i < 0 || i >= xs.length)
      throw new ArgumentError(name, `nondiff index ${i} is out of range for ${xs.length} inputs`);
  const diff = xs.map((_, i) => i).filter((i) => !nondiff.has(i));
  const st = opts.structure;
  const structure: GradcheckStructure[] = Array.isArray(st)
    ? st.slice()
    : xs.map(() => st ?? "general");
  if (structure.length !== xs.length)
    throw new ArgumentError(name, `structure has ${structure.length} entries for ${xs.length} inputs`);
  structure.forEach((s, i) => {
    if (s !== "general" && s !== "symmetric") throw new ArgumentError(name, `structure ${String(s)} for input ${i}: expected "general" or "symmetric"`);
    if (s === "symmetric") {
      const sh = xs[i].shape;
      if (sh.length < 2 || sh[sh.length - 1] !== sh[sh.length - 2])
        throw new ArgumentError(name, `structure "symmetric" for input ${i} needs (a batch of) square matrices, got shape ${fmtShape(sh)}`);
    }
  });
  const outValues = noGrad(() => toList(name, f(...xs))).map(plainCopy);
  const outShapes = outValues.map((o) => o.shape.slice());
  const outSizes = outValues.map((o) => o.size);
  const outOffsets: number[] = [];
  let total = 0;
  for (const s of outSizes) {
    outOffsets.push(total);
    total += s;
  }
  return {
    name, f, xs, names, diff, structure, outShapes, outSizes, outOffsets, outTotal: total, outValues,
    eps: opts.eps ?? 1e-6, atol: opts.atol ?? 1e-5, rtol: opts.rtol ?? 1e-3, seed: opts.seed ?? 0,
  };
}

/** f at xs under noGrad, outputs flattened and concatenated. */
function evalFlat(s: Setup, xs: Tensor[]): Float64Array {
  const outs = noGrad(() => toList(s.name, s.f(...xs)));
  if (outs.length !== s.outSizes.length)
    throw new ArgumentError(s.name, `the function returned ${outs.length} outputs at a perturbed input but ${s.outSizes.length} at the base point`);
  const r = new Float64Array(s.outTotal);
  outs.forEach((o, k) => {
    if (!shapesEqual(o.shape, s.outShapes[k]))
      throw new ArgumentError(s.name, `output ${k} has shape ${fmtShape(o.shape)} at a perturbed input but ${fmtShape(s.outShapes[k])} at the base point`);
    r.set(o.data, s.outOffsets[k]);
  });
  return r;
}

/** Central difference of f along `dir` in input i: (f(x + ε dir) − f(x − ε dir)) / 2ε. */
function numericDirectional(s: Setup, xs: Tensor[], i: number, dir: Float64Array): Float64Array {
  const x = xs[i];
  const p = new Float64Array(x.size), m = new Float64Array(x.size);
  for (let c = 0; c < x.size; c++) {
    p[c] = x.data[c] + s.eps * dir[c];
    m[c] = x.data[c] - s.eps * dir[c];
  }
  const xp = xs.slice(), xm = xs.slice();
  xp[i] = new Tensor(p, x.shape);
  xm[i] = new Tensor(m, x.shape);
  const fp = evalFlat(s, xp), fm = evalFlat(s, xm);
  const r = new Float64Array(s.outTotal);
  for (let k = 0; k < r.length; k++) r[k] = (fp[k] - fm[k]) / (2 * s.eps);
  return r;
}

/** The perturbation directions of input i: unit vectors, or symmetric pairs (columns that share a value). */
function directions(shape: readonly number[], structure: GradcheckStructure): { cols: number[]; dir: Float64Array }[] {
  const size = shape.reduce((p, d) => p * d, 1);
  const out: { cols: number[]; dir: Float64Array }[] = [];
  if (structure === "general") {
    for (let c = 0; c < size; c++) {
      const d = new Float64Array(size);
      d[c] = 1;
      out.push({ cols: [c], dir: d });
    }
    return out;
  }
  const n = shape[shape.length - 1];
  const batches = size / (n * n);
  for (let b = 0; b < batches; b++)
    for (let r = 0; r < n; r++)
      for (let c = r; c < n; c++) {
        const d = new Float64Array(size);
        const i1 = b * n * n + r * n + c, i2 = b * n * n + c * n + r;
        if (r === c) {
          d[i1] = 1;
          out.push({ cols: [i1], dir: d });
        } else {
          d[i1] = 0.5;
          d[i2] = 0.5;
          out.push({ cols: [i1, i2], dir: d });
        }
      }
  return out;
}

/** Replace each column pair (i,j),(j,i) of a Jacobian block by its mean (the symmetric part of the gradient). */
function symmetrizeColumns(J: Float64Array, rows: number, shape: readonly number[]): void {
  const n = shape[shape.length - 1];
  const cols = shape.reduce((p, d) => p * d, 1);
  const batches = cols / (n * n);
  for (let r = 0; r < rows; r++)
    for (let b = 0; b < batches; b++)
      for (let i = 0; i < n; i++)
        for (let j = i + 1; j < n; j++) {
          const a = r * cols + b * n * n + i * n + j, c = r * cols + b * n * n + j * n + i;
          const m = (J[a] + J[c]) / 2;
          J[a] = m;
          J[c] = m;
        }
}

function diffFn(s: Setup, xs: Tensor[]): Fn {
  return (...d: Tensor[]) => {
    const full = xs.slice();
    s.diff.forEach((i, k) => (full[i] = d[k]));
    return s.f(...full);
  };
}

function splitOutputs(s: Setup, flat: Float64Array): Tensor[] {
  return s.outShapes.map((sh, k) => new Tensor(flat.slice(s.outOffsets[k], s.outOffsets[k] + s.outSizes[k]), sh));
}

function flatTangent(s: Setup, t: Tensor | Tensor[]): Float64Array {
  const list = Array.isArray(t) ? t : [t];
  const r = new Float64Array(s.outTotal);
  list.forEach((o, k) => r.set(o.data, s.outOffsets[k]));
  return r;
}

// ---------------------------------------------------------------------------
// Jacobians (full mode)

function numericJacobian(s: Setup, xs: Tensor[], i: number): Float64Array {
  const x = xs[i];
  const J = new Float64Array(s.outTotal * x.size);
  for (const { cols, dir } of directions(x.shape, s.structure[i])) {
    const col = numericDirectional(s, xs, i, dir);
    for (const c of cols) for (let r = 0; r < s.outTotal; r++) J[r * x.size + c] = col[r];
  }
  return J;
}

/** Rows of the Jacobians of all differentiable inputs, one VJP per output entry. */
function reverseJacobians(s: Setup, xs: Tensor[]): Float64Array[] {
  const dxs = s.diff.map((i) => xs[i]);
  const { vjpFn } = enableGrad(() => vjpTransform(diffFn(s, xs), ...dxs));
  const Js = dxs.map((x) => new Float64Array(s.outTotal * x.size));
  const basis = new Float64Array(s.outTotal);
  for (let r = 0; r < s.outTotal; r++) {
    basis.fill(0);
    basis[r] = 1;
    const gs = noGrad(() => vjpFn(splitOutputs(s, basis)));
    gs.forEach((g, k) => {
      const x = dxs[k];
      if (!shapesEqual(g.shape, x.shape))
        throw new ArgumentError(s.name, `the VJP returned a gradient of shape ${fmtShape(g.shape)} for input ${s.diff[k]} of shape ${fmtShape(x.shape)}`);
      Js[k].set(g.data, r * x.size);
    });
  }
  s.diff.forEach((i, k) => {
    if (s.structure[i] === "symmetric") symmetrizeColumns(Js[k], s.outTotal, xs[i].shape);
  });
  return Js;
}

/** Run a forward-mode evaluation; an AutogradError (no JVP available) gets a hint about { forward: false }. */
function forwardMode<T>(fn: () => T): T {
  try {
    return noGrad(fn);
  } catch (e) {
    if (e instanceof AutogradError && !e.message.includes("forward: false")) {
      const prefix = `${e.op}: `;
      const msg = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      throw new AutogradError(e.op, `${msg} (gradcheck also checks forward mode; pass { forward: false } to check only the VJP)`);
    }
    throw e;
  }
}

/** Columns of the Jacobian of input i, one JVP per direction. */
function forwardJacobian(s: Setup, xs: Tensor[], i: number): Float64Array {
  const dxs = s.diff.map((j) => xs[j]);
  const k = s.diff.indexOf(i);
  const x = xs[i];
  const J = new Float64Array(s.outTotal * x.size);
  const g = diffFn(s, xs);
  for (const { cols, dir } of directions(x.shape, s.structure[i])) {
    const ts = dxs.map((d, j) => (j === k ? new Tensor(dir, d.shape) : new Tensor(new Float64Array(d.size), d.shape)));
    const col = flatTangent(s, forwardMode(() => jvpTransform(g, dxs, ts)).tangent);
    for (const c of cols) for (let r = 0; r < s.outTotal; r++) J[r * x.size + c] = col[r];
  }
  return J;
}

// ---------------------------------------------------------------------------
// Comparison

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = shape[a] === 0 ? 0 : flat % shape[a];
    flat = Math.floor(flat / shape[a]);
  }
  return idx;
}

interface Compared {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  worst: GradcheckEntry[];
}

function isBad(s: Setup, a: number, n: number): boolean {
  if (Number.isNaN(a) !== Number.isNaN(n)) return true;
  if (Number.isNaN(a)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(n)) return a !== n;
  return Math.abs(a - n) > s.atol + s.rtol * Math.abs(n);
}

function compareFull(s: Setup, A: Float64Array, N: Float64Array, inShape: readonly number[]): Compared {
  const cols = inShape.reduce((p, d) => p * d, 1);
  let ok = true, maxAbs = 0, maxRel = 0;
  const errs: { k: number; e: number }[] = [];
  for (let k = 0; k < A.length; k++) {
    const a = A[k], n = N[k];
    const e = Number.isNaN(a) || Number.isNaN(n) ? Infinity : Math.abs(a - n);
    const bad = isBad(s, a, n);
    if (bad) ok = false;
    const ee = Number.isNaN(e) ? Infinity : e;
    if (ee > maxAbs) maxAbs = ee;
    const rel = ee / Math.max(Math.abs(n), s.atol);
    if (rel > maxRel) maxRel = rel;
    if (bad) errs.push({ k, e: ee });
  }
  errs.sort((x, y) => y.e - x.e);
  const worst = errs.slice(0, 5).map(({ k }) => {
    const r = Math.floor(k / cols), c = k % cols;
    let out = 0;
    while (out + 1 < s.outOffsets.length && r >= s.outOffsets[out + 1]) out++;
    const rIdx = unravel(r - s.outOffsets[out], s.outShapes[out]);
    return { index: [...rIdx, ...unravel(c, inShape)], output: out, analytic: A[k], numeric: N[k] };
  });
  return { ok, maxAbsError: maxAbs, maxRelError: maxRel, worst };
}

function compareProjections(s: Setup, a: number[], n: number[]): Compared {
  let ok = true, maxAbs = 0, maxRel = 0;
  const worst: GradcheckEntry[] = [];
  a.forEach((av, k) => {
    const nv = n[k];
    const e = Number.isNaN(av) || Number.isNaN(nv) ? Infinity : Math.abs(av - nv);
    if (isBad(s, av, nv)) {
      ok = false;
      worst.push({ index: [k], analytic: av, numeric: nv });
    }
    maxAbs = Math.max(maxAbs, e);
    maxRel = Math.max(maxRel, e / Math.max(Math.abs(nv), s.atol));
  });
  worst.sort((x, y) => Math.abs(y.analytic - y.numeric) - Math.abs(x.analytic - x.numeric));
  return { ok, maxAbsError: maxAbs, maxRelError: maxRel, worst: worst.slice(0, 5) };
}

// ---------------------------------------------------------------------------
// Diagnoses

function candidates(s: Setup, xs: Tensor[], outs: Tensor[]): Candidate[] {
  const c: Candidate[] = [];
  xs.forEach((x, i) => c.push({ name: s.names[i], value: x }));
  const nOut = outs.length;
  outs.forEach((o, k) => c.push({ name: nOut === 1 ? "Y" : `Y${k}`, value: o }));
  return c;
}

function cotangentName(s: Setup, k: number): string {
  return s.outSizes.length === 1 ? "G" : `G${k}`;
}

function diagnoseInput(
  s: Setup, kind: "reverse" | "forward", i: number, A: Float64Array, N: Float64Array,
  xs: Tensor[], outs: Tensor[], symPointPasses: (() => boolean) | null,
): string[] {
  const x = xs[i];
  const d: DiagnosisInput = {
    kind, inputName: s.names[i], inputIndex: i, nInputs: s.xs.length, inShape: x.shape.slice(),
    outShapes: s.outShapes, outOffsets: s.outOffsets, outTotal: s.outTotal,
    outNames: s.outShapes.map((_, k) => (s.outShapes.length === 1 ? "Y" : `Y${k}`)),
    cotangentNames: s.outShapes.map((_, k) => cotangentName(s, k)),
    A, N, structure: s.structure[i], atol: s.atol, rtol: s.rtol,
    candidates: candidates(s, xs, outs), symPointPasses,
  };
  const lines = diagnoseBlock(d);
  // traceable f: the user's backward and the correct VJP as formulas, and the mistake named term by term
  if (s.outShapes.length === 1)
    lines.push(...symbolicDiagnosis({ f: s.f, xs, names: s.names, index: i, kind, A, N, seed: s.seed }));
  return lines;
}

/** Symmetrize every square input (for the "right only at symmetric inputs" hypothesis). */
function symmetrizedInputs(s: Setup): Tensor[] | null {
  let any = false;
  const ys = s.xs.map((x, i) => {
    const sh = x.shape;
    if (!s.diff.includes(i) || sh.length < 2 || sh[sh.length - 1] !== sh[sh.length - 2] || sh[sh.length - 1] < 2) return x;
    const n = sh[sh.length - 1];
    const d = x.data.slice();
    for (let b = 0; b < d.length; b += n * n)
      for (let r = 0; r < n; r++)
        for (let c = r + 1; c < n; c++) {
          const m = (d[b + r * n + c] + d[b + c * n + r]) / 2;
          d[b + r * n + c] = m;
          d[b + c * n + r] = m;
        }
    any = true;
    return new Tensor(d, sh);
  });
  return any ? ys : null;
}

// ---------------------------------------------------------------------------
// gradcheck

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(6)));
}

function resolveMode(s: Setup, mode: GradcheckOptions["mode"]): "full" | "fast" {
  if (mode === "full" || mode === "fast") return mode;
  if (mode !== undefined && mode !== "auto") throw new ArgumentError(s.name, `mode must be "full", "fast" or "auto", got ${String(mode)}`);
  const inTotal = s.diff.reduce((p, i) => p + s.xs[i].size, 0);
  return inTotal + s.outTotal <= AUTO_FULL_LIMIT ? "full" : "fast";
}

function unitRandom(g: Generator, size: number, shape: readonly number[], structure: GradcheckStructure): Float64Array {
  const v = new Float64Array(size);
  for (let k = 0; k < size; k++) v[k] = g.normal();
  if (structure === "symmetric") {
    const n = shape[shape.length - 1];
    for (let b = 0; b < size; b += n * n)
      for (let r = 0; r < n; r++)
        for (let c = r + 1; c < n; c++) {
          const m = (v[b + r * n + c] + v[b + c * n + r]) / 2;
          v[b + r * n + c] = m;
          v[b + c * n + r] = m;
        }
  }
  let nrm = 0;
  for (let k = 0; k < size; k++) nrm += v[k] * v[k];
  nrm = Math.sqrt(nrm);
  if (nrm > 0) for (let k = 0; k < size; k++) v[k] /= nrm;
  return v;
}

function dotArr(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/**
 * Check f's derivatives at `inputs` against central differences (see the
 * module comment). Returns a structured result; by default throws a
 * GradcheckError whose message is the readable report when a check fails.
 */
const GRADCHECK_OPTIONS = [
  "eps", "atol", "rtol", "mode", "reverse", "forward", "structure", "nondiff", "raise", "seed", "name", "inputNames", "projections",
] as const;

/** The arguments of gradcheck / gradgradcheck: f a function, inputs an array of tensor-likes, known option keys with sane values. */
function checkArgs(op: string, f: unknown, inputs: unknown, opts: GradgradcheckOptions | undefined, valid: readonly string[]): void {
  checkFunction(op, "argument f", f);
  if (!Array.isArray(inputs))
    throw new ArgumentError(op, `argument inputs must be an array with one tensor per argument of f; got ${describe(inputs)}`);
  inputs.forEach((x, i) => tensorArg(x, op, `inputs[${i}]`));
  const o = checkOptions(op, opts, valid);
  for (const k of ["eps", "atol", "rtol"] as const)
    if (o[k] !== undefined && !(checkFinite(op, `option ${k}`, o[k]) >= 0)) throw new ArgumentError(op, `option ${k} must be ≥ 0; got ${o[k]}`);
  if (o.eps === 0) throw new ArgumentError(op, "option eps (the finite-difference step) must be > 0; got 0");
  if (o.mode !== undefined && o.mode !== "full" && o.mode !== "fast" && o.mode !== "auto")
    throw new ArgumentError(op, `option mode must be "full", "fast" or "auto"; got ${describe(o.mode)}`);
  for (const k of ["reverse", "forward", "raise"] as const) checkBool(op, `option ${k}`, o[k], true);
  if (o.seed !== undefined) checkSeed(op, "option seed", o.seed);
  if (o.projections !== undefined) checkInt(op, "option projections", o.projections, 1);
}

/**
 * Check f's VJP and JVP against float64 central differences; throws a GradcheckError with a readable report (or
 * returns it with raise: false).
 */
export function gradcheck(f: Fn, inputs: TensorLike[], opts: GradcheckOptions = {}): GradcheckResult {
  checkArgs("gradcheck", f, inputs, opts, GRADCHECK_OPTIONS);
  opts ??= {};
  const s = setup(f, inputs, opts);
  const mode = resolveMode(s, opts.mode);
  const doReverse = opts.reverse ?? true, doForward = opts.forward ?? true;
  if (!doReverse && !doForward) throw new ArgumentError(s.name, "gradcheck: both reverse and forward checks are disabled");
  const res: GradcheckResult = { ok: true, name: s.name, mode, inputs: [], report: "" };
  if (doForward) res.forward = [];
  const empty = (i: number): GradcheckInputResult => ({
    index: i, name: s.names[i], ok: true, maxAbsError: 0, maxRelError: 0, worst: [], diagnosis: [],
  });

  if (mode === "full") {
    const numeric = s.diff.map((i) => numericJacobian(s, s.xs, i));
    const rev = doReverse ? reverseJacobians(s, s.xs) : null;
    const fwd = doForward ? s.diff.map((i) => forwardJacobian(s, s.xs, i)) : null;
    const symPoint = symmetrizedInputs(s);
    s.diff.forEach((i, k) => {
      const kinds: ["reverse" | "forward", Float64Array][] = [];
      if (rev) kinds.push(["reverse", rev[k]]);
      if (fwd) kinds.push(["forward", fwd[k]]);
      for (const [kind, A] of kinds) {
        const c = compareFull(s, A, numeric[k], s.xs[i].shape);
        const r: GradcheckInputResult = { ...empty(i), ok: c.ok, maxAbsError: c.maxAbsError, maxRelError: c.maxRelError, worst: c.worst };
        if (!c.ok) {
          const symPass = symPoint === null ? null : () => {
            try {
              const Nn = numericJacobian(s, symPoint, i);
              const An = kind === "reverse" ? reverseJacobians(s, symPoint)[k] : forwardJacobian(s, symPoint, i);
              return compareFull(s, An, Nn, s.xs[i].shape).ok;
            } catch {
              return false; // f is not defined at the symmetrized point (singular, out of domain): no evidence either way
            }
          };
          r.diagnosis = diagnoseInput(s, kind, i, A, numeric[k], s.xs, s.outValues, symPass);
          // hypothesis: this is another input's derivative (gradients returned in the wrong order)
          s.diff.forEach((j, l) => {
            if (l === k || !shapesEqual(s.xs[j].shape, s.xs[i].shape)) return;
            if (compareFull(s, A, numeric[l], s.xs[i].shape).ok)
              r.diagnosis.unshift(kind === "reverse"
                ? `the gradient returned for ${s.names[i]} (input ${i}) is the gradient of ${s.names[j]} (input ${j}): gradients returned in the wrong order?`
                : `the JVP treats the tangent of ${s.names[i]} (input ${i}) as the tangent of ${s.names[j]} (input ${j}): tangents used in the wrong order?`);
          });
        }
        (kind === "reverse" ? res.inputs : res.forward!).push(r);
      }
    });
  } else {
    const nProj = Math.max(1, opts.projections ?? 3);
    const g = new Generator(s.seed);
    const dxs = s.diff.map((i) => s.xs[i]);
    const fn = diffFn(s, s.xs);
    const vjpFn = doReverse ? enableGrad(() => vjpTransform(fn, ...dxs)).vjpFn : null;
    const an: number[][] = s.diff.map(() => []), fw: number[][] = s.diff.map(() => []), nu: number[][] = s.diff.map(() => []);
    const us: Float64Array[] = [], vs: Float64Array[][] = [];
    for (let p = 0; p < nProj; p++) {
      const u = unitRandom(g, s.outTotal, [s.outTotal], "general");
      const v = s.diff.map((i) => unitRandom(g, s.xs[i].size, s.xs[i].shape, s.structure[i]));
      us.push(u);
      vs.push(v);
      const gs = vjpFn ? noGrad(() => vjpFn(splitOutputs(s, u))) : null;
      s.diff.forEach((i, k) => {
        nu[k].push(dotArr(u, numericDirectional(s, s.xs, i, v[k])));
        if (gs) an[k].push(dotArr(gs[k].data, v[k]));
        if (doForward) {
          const ts = dxs.map((d, j) => (j === k ? new Tensor(v[k], d.shape) : new Tensor(new Float64Array(d.size), d.shape)));
          fw[k].push(dotArr(u, flatTangent(s, forwardMode(() => jvpTransform(fn, dxs, ts)).tangent)));
        }
      });
    }
    s.diff.forEach((i, k) => {
      const kinds: ["reverse" | "forward", number[]][] = [];
      if (doReverse) kinds.push(["reverse", an[k]]);
      if (doForward) kinds.push(["forward", fw[k]]);
      for (const [kind, vals] of kinds) {
        const c = compareProjections(s, vals, nu[k]);
        const r: GradcheckInputResult = { ...empty(i), ok: c.ok, maxAbsError: c.maxAbsError, maxRelError: c.maxRelError, worst: c.worst };
        if (!c.ok) {
          if (s.xs[i].size * s.outTotal <= DIAGNOSE_FULL_LIMIT) {
            const N = numericJacobian(s, s.xs, i);
            const A = kind === "reverse" ? reverseJacobians(s, s.xs)[k] : forwardJacobian(s, s.xs, i);
            r.diagnosis = diagnoseInput(s, kind, i, A, N, s.xs, s.outValues, null);
            r.diagnosis.push("(diagnosed on the full Jacobian, computed after the fast check failed)");
          } else {
            r.diagnosis = diagnoseProjections(kind, s.names[i], vals, nu[k], s.atol, s.rtol);
          }
        }
        (kind === "reverse" ? res.inputs : res.forward!).push(r);
      }
    });
  }

  if (doReverse && doForward && s.diff.length > 0) res.dotProduct = dotProductTest(s);
  res.ok = res.inputs.every((r) => r.ok) && (res.forward ?? []).every((r) => r.ok) && (res.dotProduct?.ok ?? true);
  res.report = formatReport(s, res);
  if (!res.ok && (opts.raise ?? true)) throw new GradcheckError(res);
  return res;
}

function dotProductTest(s: Setup): DotProductResult {
  const g = new Generator(s.seed + 7919);
  const dxs = s.diff.map((i) => s.xs[i]);
  const fn = diffFn(s, s.xs);
  const u = unitRandom(g, s.outTotal, [s.outTotal], "general");
  const v = s.diff.map((i) => unitRandom(g, s.xs[i].size, s.xs[i].shape, s.structure[i]));
  const { vjpFn } = enableGrad(() => vjpTransform(fn, ...dxs));
  const gs = noGrad(() => vjpFn(splitOutputs(s, u)));
  let rhs = 0;
  gs.forEach((gk, k) => (rhs += dotArr(gk.data, v[k])));
  const t = forwardMode(() => jvpTransform(fn, dxs, v.map((vk, k) => new Tensor(vk, dxs[k].shape)))).tangent;
  const lhs = dotArr(u, flatTangent(s, t));
  const absError = Math.abs(lhs - rhs);
  const scale = Math.max(Math.abs(lhs), Math.abs(rhs));
  const ok = Number.isFinite(lhs) && Number.isFinite(rhs) && absError <= s.atol + s.rtol * scale;
  return { ok, jvp: lhs, vjp: rhs, absError, relError: absError / Math.max(scale, s.atol) };
}

function formatReport(s: Setup, res: GradcheckResult): string {
  const lines: string[] = [];
  const how = res.mode === "full" ? "full Jacobian" : "random projections uᵀJv";
  lines.push(`gradcheck ${res.ok ? "passed" : "FAILED"} (${how}, eps=${fmtNum(s.eps)}, atol=${fmtNum(s.atol)}, rtol=${fmtNum(s.rtol)})`);
  const section = (title: string, rs: GradcheckInputResult[], kind: "reverse" | "forward"): void => {
    lines.push(`${title}:`);
    for (const r of rs) {
      const shape = fmtShape(s.xs[r.index].shape);
      const sym = s.structure[r.index] === "symmetric" ? ", symmetric perturbations" : "";
      const head = `  input ${r.index} (${r.name}, shape ${shape}${sym}): ${r.ok ? "ok" : "WRONG"}`;
      lines.push(`${head} — max abs error ${fmtNum(r.maxAbsError)}, max rel error ${fmtNum(r.maxRelError)}`);
      if (r.ok) continue;
      if (r.worst.length > 0) {
        const what = res.mode === "full"
          ? `worst entries ∂${s.outShapes.length === 1 ? "Y" : "Y_k"}[…]/∂${r.name}[…] (${kind === "reverse" ? "VJP" : "JVP"} vs central difference)`
          : "worst projections uᵀJv";
        lines.push(`    ${what}:`);
        for (const e of r.worst) {
          const out = e.output !== undefined && s.outShapes.length > 1 ? `Y${e.output}` : "Y";
          const nOutIdx = e.output !== undefined ? s.outShapes[e.output].length : 0;
          const idx = res.mode === "full"
            ? `${out}[${e.index.slice(0, nOutIdx).join(",")}] / ${r.name}[${e.index.slice(nOutIdx).join(",")}]`
            : `projection ${e.index[0]}`;
          lines.push(`      ${idx}: analytic ${fmtNum(e.analytic)}, numeric ${fmtNum(e.numeric)}`);
        }
      }
      if (r.diagnosis.length > 0) {
        lines.push("    diagnosis:");
        for (const d of r.diagnosis) lines.push(`      - ${d}`);
      }
    }
  };
  if (res.inputs.length > 0) section("reverse mode (VJP)", res.inputs, "reverse");
  if (res.forward && res.forward.length > 0) section("forward mode (JVP)", res.forward, "forward");
  if (res.dotProduct) {
    const d = res.dotProduct;
    lines.push(`dot-product test ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩: ${d.ok ? "ok" : "FAILED"} (JVP side ${fmtNum(d.jvp)}, VJP side ${fmtNum(d.vjp)})`);
    if (!d.ok) {
      const revOk = res.inputs.every((r) => r.ok), fwdOk = (res.forward ?? []).every((r) => r.ok);
      if (revOk && !fwdOk) lines.push("  the VJP agrees with central differences, so the JVP is the wrong one");
      else if (!revOk && fwdOk) lines.push("  the JVP agrees with central differences, so the VJP is the wrong one");
      else if (revOk && fwdOk) lines.push("  both agree with central differences within tolerance: loosen atol/rtol or check for nondeterminism");
    }
  }
  if (s.diff.length === 0) lines.push("(no differentiable inputs: everything was listed in nondiff)");
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// gradgradcheck

/** Options of {@link gradgradcheck}. */
export interface GradgradcheckOptions extends GradcheckOptions {
  /** Cotangents for f's outputs (default: seeded random, non-symmetric). */
  gradOutputs?: TensorLike[] | TensorLike;
}

/**
 * Second-order check: with a (random, non-symmetric) cotangent ct, the
 * function h(x, ct) = VJP_f(x)(ct) = Jᵀ(x)·ct is itself checked by gradcheck:
 * its reverse mode (reverse-over-reverse: the gradient of x ↦ ⟨w, Jᵀ(x)·ct⟩),
 * its forward mode (forward-over-reverse) and their dot-product test, all
 * against central differences of the first-order VJP. ct is an input of h
 * too (h is linear in it), as in torch.autograd.gradgradcheck.
 */
export function gradgradcheck(f: Fn, inputs: TensorLike[], opts: GradgradcheckOptions = {}): GradcheckResult {
  checkArgs("gradgradcheck", f, inputs, opts, [...GRADCHECK_OPTIONS, "gradOutputs"]);
  opts ??= {};
  const name = opts.name ?? (f.name && f.name !== "anonymous" ? f.name : "gradgradcheck");
  const xs = inputs.map((x) => plainCopy(asTensor(x)));
  const nondiff = new Set(opts.nondiff ?? []);
  const diff = xs.map((_, i) => i).filter((i) => !nondiff.has(i));
  if (diff.length === 0) throw new ArgumentError(name, "gradgradcheck needs at least one differentiable input");
  const outs = noGrad(() => toList(name, f(...xs)));
  const g = new Generator((opts.seed ?? 0) + 104729);
  let cts: Tensor[];
  if (opts.gradOutputs !== undefined) {
    const given = Array.isArray(opts.gradOutputs) && opts.gradOutputs.length === outs.length && outs.length > 1
      ? (opts.gradOutputs as TensorLike[])
      : outs.length === 1 ? [opts.gradOutputs as TensorLike] : (opts.gradOutputs as TensorLike[]);
    cts = given.map((c) => plainCopy(asTensor(c)));
    if (cts.length !== outs.length) throw new ArgumentError(name, `gradOutputs has ${cts.length} cotangents for ${outs.length} outputs`);
    cts.forEach((c, k) => {
      if (!shapesEqual(c.shape, outs[k].shape))
        throw new ShapeError(name, `gradOutputs[${k}] has shape ${fmtShape(c.shape)} but output ${k} has shape ${fmtShape(outs[k].shape)}`);
    });
  } else {
    cts = outs.map((o) => {
      const d = new Float64Array(o.size);
      for (let k = 0; k < d.length; k++) d[k] = g.normal();
      return new Tensor(d, o.shape);
    });
  }
  const names = opts.inputNames?.slice() ?? defaultNames(xs.length);
  const nx = xs.length;
  // h(x..., ct...) = the first-order VJP Jᵀ(x)·ct, one output per differentiable input
  const h = (...args: Tensor[]): Tensor[] => {
    const full = args.slice(0, nx);
    const c = args.slice(nx);
    return enableGrad(() => {
      const { vjpFn } = vjpTransform((...d: Tensor[]) => {
        const fx = full.slice();
        diff.forEach((i, k) => (fx[i] = d[k]));
        return f(...fx);
      }, ...diff.map((i) => full[i]));
      return vjpFn(c);
    });
  };
  const st = opts.structure;
  const structure: GradcheckStructure[] | undefined = st === undefined ? undefined
    : [...xs.map((_, i) => (Array.isArray(st) ? st[i] : st)), ...cts.map((): GradcheckStructure => "general")];
  const hNames = [...names, ...cts.map((_, k) => (cts.length === 1 ? "G" : `G${k}`))];
  const { gradOutputs: _given, ...firstOrder } = opts;
  const r = gradcheck(h, [...xs, ...cts], {
    ...firstOrder, name: `${name} (second order)`, structure, inputNames: hNames, raise: false,
  });
  r.report = r.report.replace(/^gradcheck/, "gradgradcheck") +
    "\n(inputs numbered after f's arguments are the cotangents G of the first-order VJP)";
  if (!r.ok && (opts.raise ?? true)) throw new GradcheckError(r);
  return r;
}
