/**
 * Argument validation shared by every layer (it imports only the errors):
 * describing a wrong value for a message, checking the keys of an options
 * object (with a did-you-mean for PyTorch / NumPy spellings and typos), and
 * finite integers in range.
 *
 * None of it runs on the hot path of an op whose arguments are already
 * tensors: op functions call these only for parameters (axes, offsets,
 * options) or after the `instanceof Tensor` / `typeof "number"` fast path failed.
 */
import { ArgumentError } from "./errors.js";

/** A readable description of any value for an error message: `the string "a"`, `a function (f)`, `an object with keys {dim}`. */
export function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  switch (typeof v) {
    case "string": {
      const s = v.length > 40 ? `${v.slice(0, 37)}...` : v;
      return `the string ${JSON.stringify(s)}`;
    }
    case "number":
      return `the number ${String(v)}`;
    case "boolean":
      return `the boolean ${String(v)}`;
    case "bigint":
      return `the bigint ${String(v)}n`;
    case "symbol":
      return `the symbol ${v.toString()}`;
    case "function":
      return v.name ? `a function (${v.name})` : "a function";
    default:
      break;
  }
  const o = v as { shape?: unknown; toNested?: unknown; constructor?: { name?: string } };
  if (isTensorLikeObject(v)) return `a tensor of shape [${(o.shape as number[]).join(", ")}]`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) {
    const name = o.constructor?.name ?? "typed array";
    return v instanceof DataView ? `a DataView of ${v.byteLength} bytes` : `a ${name} of length ${(v as unknown as ArrayLike<unknown>).length}`;
  }
  if (v instanceof Promise) return "a Promise (did you forget await?)";
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto === null || proto === Object.prototype) {
    const keys = Object.keys(v);
    return keys.length === 0 ? "an empty object {}" : `an object with keys {${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}}`;
  }
  const name = o.constructor?.name;
  return name ? `an object of class ${name}` : "an object";
}

/**
 * PyTorch / NumPy / JAX spellings of matgrad's option names. Only suggested
 * when the target is a valid key of the call at hand (a norm's `dim` stays
 * `dim`, a reduction's is `axes`).
 */
const ALIASES: Record<string, readonly string[]> = {
  dim: ["axes", "axis"],
  axis: ["axes", "dim"],
  axes: ["dim", "axis"],
  keepdim: ["keepdims"],
  keepdims: ["keepdim"],
  keep_dims: ["keepdims", "keepdim"],
  ddof: ["correction"],
  unbiased: ["correction"],
  lower: ["UPLO", "upper"],
  some: ["fullMatrices"],
  compute_uv: ["fullMatrices"],
  rcond: ["rtol", "rcond"],
  tol: ["rtol", "atol", "tolerance"],
  has_aux: ["hasAux"],
  requires_grad: ["requiresGrad"],
  grad_outputs: ["gradOutputs"],
  allow_unused: ["allowUnused"],
  retain_graph: ["retainGraph"],
  create_graph: ["createGraph"],
  full_matrices: ["fullMatrices"],
  unit_diagonal: ["unitriangular"],
  generator: ["generator", "seed"],
  random_state: ["seed", "generator"],
};

/** Levenshtein distance (small strings only: option names). */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The valid key a user most likely meant by `key`, or null. */
export function didYouMean(key: string, valid: readonly string[]): string | null {
  for (const alias of ALIASES[key] ?? []) if (valid.includes(alias)) return alias;
  const camel = key.replace(/[_-]+([a-zA-Z])/g, (_, c: string) => c.toUpperCase());
  if (valid.includes(camel)) return camel;
  const lower = key.toLowerCase().replace(/[_-]/g, "");
  for (const v of valid) if (v.toLowerCase() === lower) return v;
  // a longer or shorter spelling of a valid key (batchShape → batch, tolerance → tol)
  if (lower.length >= 3) for (const v of valid) if (v.length >= 3 && (lower.startsWith(v.toLowerCase()) || v.toLowerCase().startsWith(lower))) return v;
  let best: string | null = null, bestD = Infinity;
  for (const v of valid) {
    const d = editDistance(lower, v.toLowerCase());
    if (d < bestD) [best, bestD] = [v, d];
  }
  return best !== null && bestD <= Math.max(1, Math.floor(key.length / 3)) ? best : null;
}

/** A matgrad Tensor, recognized without importing it (and without reading .data, which has side effects). */
function isTensorLikeObject(v: object): boolean {
  const o = v as { shape?: unknown; toNested?: unknown; item?: unknown };
  return Array.isArray(o.shape) && typeof o.toNested === "function" && typeof o.item === "function";
}

function isPlainOptions(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  return !isTensorLikeObject(v);
}

/**
 * Check an options argument: undefined / null (no options) or an object whose
 * keys are all in `valid`. An unknown key raises ArgumentError listing the
 * valid keys, with a did-you-mean (`full_matrices` → `fullMatrices`,
 * `keepdim` → `keepdims`, typos by edit distance). Returns the options (or {}).
 */
export function checkOptions<T extends object>(op: string, opts: T | null | undefined, valid: readonly string[], arg = "options"): T {
  if (opts === undefined || opts === null) return {} as T;
  if (!isPlainOptions(opts))
    throw new ArgumentError(op, `argument ${arg} must be an options object with keys among {${valid.join(", ")}}; got ${describe(opts)}`);
  for (const key in opts) {
    if (valid.includes(key)) continue;
    const guess = didYouMean(key, valid);
    const list = valid.length === 0 ? "this function takes no options" : `valid options: ${valid.join(", ")}`;
    throw new ArgumentError(op, `unknown option "${key}"${guess !== null ? `; did you mean "${guess}"?` : ""} (${list})`);
  }
  return opts;
}

/** True for a plain options object (not a tensor, array, typed array or null). */
export const isOptionsObject = isPlainOptions;

/**
 * A finite integer in [min, max]; otherwise ArgumentError naming the op, the
 * argument (`what`, e.g. "argument k" or "option seed") and the value.
 */
export function checkInt(op: string, what: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== "number" || !Number.isInteger(v))
    throw new ArgumentError(op, `${what} must be an integer${rangeText(min, max)}; got ${describe(v)}`);
  if (v < min || v > max) throw new ArgumentError(op, `${what} must be an integer${rangeText(min, max)}; got ${v}`);
  return v;
}

function rangeText(min: number, max: number): string {
  if (min === -Infinity && max === Infinity) return "";
  if (max === Infinity) return min === 0 ? " ≥ 0" : ` ≥ ${min}`;
  if (min === -Infinity) return ` ≤ ${max}`;
  return ` in [${min}, ${max}]`;
}

/** A finite number; otherwise ArgumentError. */
export function checkFinite(op: string, what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ArgumentError(op, `${what} must be a finite number; got ${describe(v)}`);
  return v;
}

/** A variance / std correction: any finite real, as PyTorch (e.g. 0.5; N − correction ≤ 0 is allowed); otherwise ArgumentError. */
export function checkCorrection(op: string, correction: unknown): number {
  if (typeof correction !== "number" || !Number.isFinite(correction))
    throw new ArgumentError(op, `correction must be a finite number (1: Bessel's, 0: the population variance, or any real such as 0.5); got ${describe(correction)}`);
  return correction;
}

/** A number (NaN and ±Infinity allowed: values, not parameters); otherwise ArgumentError. */
export function checkNumber(op: string, what: string, v: unknown): number {
  if (typeof v !== "number") throw new ArgumentError(op, `${what} must be a number; got ${describe(v)}`);
  return v;
}

/** undefined (→ `def`) or a boolean; otherwise ArgumentError. */
export function checkBool(op: string, what: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== "boolean") throw new ArgumentError(op, `${what} must be true or false; got ${describe(v)}`);
  return v;
}

/** A function; otherwise ArgumentError. */
export function checkFunction(op: string, what: string, v: unknown): void {
  if (typeof v !== "function") throw new ArgumentError(op, `${what} must be a function; got ${describe(v)}`);
}
