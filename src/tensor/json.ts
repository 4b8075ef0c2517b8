/**
 * A tensor as plain JSON: `t.toJSON()` (so `JSON.stringify(t)`) gives
 * `{ dtype: "float64", shape: [...], data: [...] }` with the values flat in
 * row-major order; `fromJSON` validates such an object (or its JSON text) and
 * rebuilds the tensor. JSON has no NaN, ±Infinity or −0 (JSON.stringify writes
 * NaN and ±Infinity as null and −0 as 0), so those four values are written as
 * the strings "NaN", "Infinity", "-Infinity" and "-0": the round trip is exact
 * for every float64 except the payload bits of a NaN (there is one NaN in JSON).
 */
import { ArgumentError, FormatError } from "../errors.js";
import { describe } from "../validate.js";
import { Tensor, type TensorJSON } from "./tensor.js";

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * The tensor described by `json`: an object `{ dtype: "float64", shape, data }`
 * as `t.toJSON()` returns it, or its JSON text (`JSON.stringify(t)`). `shape`
 * is an array of non-negative integers, `data` a flat row-major array of
 * `size` entries, each a number or one of "NaN", "Infinity", "-Infinity", "-0".
 * Anything else raises a FormatError naming the field and what was expected.
 */
export function fromJSON(json: TensorJSON | string): Tensor {
  const op = "fromJSON";
  let obj: unknown = json;
  if (typeof json === "string") {
    try {
      obj = JSON.parse(json) as unknown;
    } catch (e) {
      throw new FormatError(op, `argument json is a string but not valid JSON (${(e as Error).message})`);
    }
  } else if (!isPlainObject(json)) {
    throw new ArgumentError(op, `argument json must be an object { dtype: "float64", shape, data } (from t.toJSON()) or its JSON text; got ${describe(json)}`);
  }
  if (!isPlainObject(obj)) throw new FormatError(op, `the JSON must be an object { dtype: "float64", shape, data }; got ${describe(obj)}`);
  for (const k of Object.keys(obj))
    if (k !== "dtype" && k !== "shape" && k !== "data") throw new FormatError(op, `unknown field "${k}" (expected exactly dtype, shape, data)`);
  if (obj.dtype !== "float64") throw new FormatError(op, `field dtype must be "float64"; got ${describe(obj.dtype)}`);
  const shape = obj.shape;
  if (!Array.isArray(shape)) throw new FormatError(op, `field shape must be an array of non-negative integers; got ${describe(shape)}`);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)
      throw new FormatError(op, `field shape must be an array of non-negative integers; got ${describe(d)} at shape[${i}]`);
    size *= d;
  }
  const data = obj.data;
  if (!Array.isArray(data)) throw new FormatError(op, `field data must be an array of numbers; got ${describe(data)}`);
  if (data.length !== size)
    throw new FormatError(op, `field data has ${data.length} entries but shape [${shape.join(", ")}] needs ${size}`);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const v: unknown = data[i];
    if (typeof v === "number") out[i] = v;
    else if (typeof v === "string" && Object.hasOwn(SPECIAL, v)) out[i] = SPECIAL[v];
    else throw new FormatError(op, `field data must hold numbers or the strings "NaN", "Infinity", "-Infinity", "-0"; got ${describe(v)} at data[${i}]`);
  }
  return new Tensor(out, (shape as number[]).slice());
}
