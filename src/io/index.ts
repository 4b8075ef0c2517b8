/**
 * save / load: a pytree of tensors (plus static leaves: numbers, strings,
 * booleans, null, undefined) as one self-describing binary file.
 *
 * Layout (all integers little-endian; docs/serialization.md is the spec):
 *
 *   bytes 0–7    magic 0x89 "MATGRAD" (0x89 4D 41 54 47 52 41 44)
 *   bytes 8–11   format version, u32 (1)
 *   bytes 12–15  header length H in bytes, u32
 *   bytes 16…    header: UTF-8 JSON text, H bytes
 *   …            0x20 (space) padding up to D = the next multiple of 8
 *   D…           data: each tensor's float64 values, little-endian, row-major,
 *                at D + its offset (a multiple of 8); the file ends at D + dataBytes
 *
 * The header is `{ "byteOrder": "little", "dataBytes": N, "tensors": [...], "tree": node }`
 * with tensors `{ "dtype": "float64", "shape": [...], "offset": o }` and a
 * node one of `{"tensor": i}`, `{"array": [node…]}`, `{"object": [[key, node]…]}`,
 * `{"value": v}` (null, a boolean, a string or a finite number other than −0),
 * `{"number": "NaN" | "Infinity" | "-Infinity" | "-0"}`, `{"undefined": true}`.
 * A layer above tree/ (it imports tree/ for paths and tensor/ for the bytes
 * helpers); no Node built-ins, so it runs in browsers.
 */
import { ArgumentError, FormatError } from "../errors.js";
import { describe } from "../validate.js";
import { Tensor, checkAttached } from "../tensor/tensor.js";
import { bytesArg } from "../tensor/npy.js";
import { formatPath, type PathEntry, type Tree } from "../tree/index.js";

const MAGIC = [0x89, 0x4d, 0x41, 0x54, 0x47, 0x52, 0x41, 0x44];
/** The format version `save` writes and the only one `load` reads. */
export const SAVE_FORMAT_VERSION = 1;
/** Containers nested deeper than this are refused by save and load (keeps the recursion bounded). */
const MAX_DEPTH = 1000;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

type Special = "NaN" | "Infinity" | "-Infinity" | "-0";
type HeaderNode =
  | { tensor: number }
  | { array: HeaderNode[] }
  | { object: [string, HeaderNode][] }
  | { value: null | boolean | string | number }
  | { number: Special }
  | { undefined: true };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * The bytes of a file holding `tree`: its tensors (values only, as float64;
 * `requiresGrad` and graphs are not saved) and its structure with the static
 * leaves (numbers including NaN/±Infinity/−0, strings, booleans, null,
 * undefined) in plain arrays and objects. Object keys are stored sorted, as
 * treeFlatten visits them. Functions, symbols, bigints, class instances
 * (typed arrays, Maps, Dates…) and cycles raise an ArgumentError naming the
 * path. Write the bytes with `fs.writeFileSync(path, bytes)` in Node or offer
 * them as a `Blob` download in a browser; `load` reads them back.
 */
export function save(tree: Tree): Uint8Array<ArrayBuffer> {
  const tensors: Tensor[] = [];
  const metas: { dtype: "float64"; shape: number[]; offset: number }[] = [];
  let dataBytes = 0;
  const path: PathEntry[] = [];
  const seen = new Set<object>();
  const bad = (x: unknown, why: string): never => {
    throw new ArgumentError("save", `cannot save ${describe(x)} at ${formatPath(path)}: ${why}`);
  };
  const ALLOWED = "a tree holds tensors, numbers, strings, booleans, null and undefined in plain arrays and objects";
  const enc = (x: unknown, depth: number): HeaderNode => {
    if (x instanceof Tensor) {
      if (x._ex !== null) checkAttached("save", x, `the tensor at ${formatPath(path)}`);
      tensors.push(x);
      metas.push({ dtype: "float64", shape: x.shape.slice(), offset: dataBytes });
      dataBytes += 8 * x.size;
      return { tensor: tensors.length - 1 };
    }
    if (x === null || typeof x === "boolean" || typeof x === "string") return { value: x };
    if (x === undefined) return { undefined: true };
    if (typeof x === "number") {
      if (x !== x) return { number: "NaN" };
      if (x === Infinity) return { number: "Infinity" };
      if (x === -Infinity) return { number: "-Infinity" };
      if (Object.is(x, -0)) return { number: "-0" };
      return { value: x };
    }
    if (Array.isArray(x) || isPlainObject(x)) {
      if (seen.has(x)) bad(x, "the tree contains a cycle here");
      if (depth >= MAX_DEPTH) bad(x, `containers nest deeper than ${MAX_DEPTH} levels`);
      seen.add(x);
      let node: HeaderNode;
      if (Array.isArray(x)) {
        const items: HeaderNode[] = [];
        for (let i = 0; i < x.length; i++) {
          path.push(i);
          items.push(enc(x[i], depth + 1));
          path.pop();
        }
        node = { array: items };
      } else {
        const entries: [string, HeaderNode][] = [];
        for (const k of Object.keys(x).sort()) {
          path.push(k);
          entries.push([k, enc(x[k], depth + 1)]);
          path.pop();
        }
        node = { object: entries };
      }
      seen.delete(x);
      return node;
    }
    return bad(x, `${typeof x === "function" ? "functions" : typeof x === "object" ? "class instances" : `${typeof x}s`} cannot be saved (${ALLOWED})`);
  };
  const root = enc(tree, 0);
  const header = new TextEncoder().encode(JSON.stringify({ byteOrder: "little", dataBytes, tensors: metas, tree: root }));
  const start = align8(16 + header.length);
  const out = new Uint8Array(start + dataBytes);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, SAVE_FORMAT_VERSION, true);
  dv.setUint32(12, header.length, true);
  out.set(header, 16);
  out.fill(0x20, 16 + header.length, start);
  for (let i = 0; i < tensors.length; i++) {
    const x = tensors[i]._data;
    const at = start + metas[i].offset;
    if (LITTLE_ENDIAN_HOST) new Float64Array(out.buffer, at, x.length).set(x);
    else for (let k = 0; k < x.length; k++) dv.setFloat64(at + 8 * k, x[k], true);
  }
  return out;
}

/** `where` extended by an object key, as formatPath writes paths (`a.b`, `a["x y"]`). */
function childPath(where: string, key: string): string {
  const step = formatPath([key]);
  if (where === "(root)") return step;
  return step.startsWith("[") ? where + step : `${where}.${step}`;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * The tree stored in `bytes` (from `save`): the same containers (object keys
 * in sorted order), static leaves and tensor values, bit for bit (NaN
 * payloads, −0, ±Infinity included); tensors come back as new leaves that do
 * not require grad. Everything is validated first — magic, version, header
 * UTF-8 and JSON, each node, each tensor's dtype, shape and offset against
 * the data section, the total length — and a problem raises a FormatError
 * starting with `load:` that says what is wrong (never a RangeError).
 */
export function load<T = Tree>(bytes: Uint8Array | ArrayBuffer): T {
  const op = "load";
  const b = bytesArg(op, "bytes", bytes);
  const fail = (msg: string): never => {
    throw new FormatError(op, msg);
  };
  if (b.length < 16 || MAGIC.some((m, k) => b[k] !== m))
    fail(`not a matgrad save file: it must start with the 8 magic bytes 89 4d 41 54 47 52 41 44 ("\\x89MATGRAD") and be at least 16 bytes long; got ${b.length} bytes${b.length > 0 ? ` starting ${Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" ")}` : ""}`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== SAVE_FORMAT_VERSION) fail(`unsupported format version ${version} (this matgrad reads version ${SAVE_FORMAT_VERSION})`);
  const hlen = dv.getUint32(12, true);
  if (16 + hlen > b.length) fail(`the header length ${hlen} runs past the end of the file (${b.length} bytes, header from byte 16)`);
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(16, 16 + hlen));
  } catch {
    fail("the header is not valid UTF-8");
  }
  let h: unknown;
  try {
    h = JSON.parse(text) as unknown;
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(h)) return fail(`the header must be a JSON object; got ${describe(h)}`);
  const keys = Object.keys(h).sort().join(",");
  if (keys !== "byteOrder,dataBytes,tensors,tree") fail(`the header must have exactly the fields byteOrder, dataBytes, tensors, tree; got ${keys || "none"}`);
  if (h.byteOrder !== "little") fail(`header byteOrder must be "little"; got ${describe(h.byteOrder)}`);
  const start = align8(16 + hlen);
  for (let k = 16 + hlen; k < Math.min(start, b.length); k++) if (b[k] !== 0x20) fail(`the padding after the header must be spaces (0x20); byte ${k} is ${b[k]}`);
  const dataBytes = h.dataBytes;
  if (typeof dataBytes !== "number" || !Number.isSafeInteger(dataBytes) || dataBytes < 0)
    fail(`header dataBytes must be a non-negative integer; got ${describe(dataBytes)}`);
  if (b.length !== start + (dataBytes as number))
    fail(`the file should be ${start} + dataBytes ${dataBytes as number} = ${start + (dataBytes as number)} bytes long (header, padding, data); it is ${b.length} bytes${b.length < start + (dataBytes as number) ? " (truncated?)" : ""}`);
  if (!Array.isArray(h.tensors)) return fail(`header tensors must be an array; got ${describe(h.tensors)}`);
  const metas = h.tensors as unknown[];
  const leaves: Tensor[] = [];
  for (let i = 0; i < metas.length; i++) leaves.push(readTensor(b, dv, start, dataBytes as number, metas[i], i, fail));
  const used = new Uint8Array(leaves.length);
  const dec = (n: unknown, where: string, depth: number): unknown => {
    if (depth >= MAX_DEPTH) fail(`the tree nests deeper than ${MAX_DEPTH} levels at ${where}`);
    if (!isPlainObject(n)) return fail(`tree node at ${where} must be an object; got ${describe(n)}`);
    const k = Object.keys(n);
    if (k.length !== 1) fail(`tree node at ${where} must have exactly one field (tensor, array, object, value, number or undefined); got ${k.length === 0 ? "none" : k.join(", ")}`);
    const v = n[k[0]];
    switch (k[0]) {
      case "tensor": {
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= leaves.length)
          fail(`tree node at ${where}: tensor index must be an integer in [0, ${leaves.length}); got ${describe(v)}`);
        if (used[v as number]) fail(`tree node at ${where}: tensor ${v as number} is used twice`);
        used[v as number] = 1;
        return leaves[v as number];
      }
      case "array": {
        if (!Array.isArray(v)) return fail(`tree node at ${where}: array must hold an array of nodes; got ${describe(v)}`);
        return (v as unknown[]).map((c, i) => dec(c, where === "(root)" ? `[${i}]` : `${where}[${i}]`, depth + 1));
      }
      case "object": {
        if (!Array.isArray(v)) return fail(`tree node at ${where}: object must hold an array of [key, node] pairs; got ${describe(v)}`);
        const o: Record<string, unknown> = {};
        for (const [i, e] of (v as unknown[]).entries()) {
          if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== "string")
            fail(`tree node at ${where}: object entry ${i} must be a [key, node] pair with a string key; got ${describe(e)}`);
          const [key, child] = e as [string, unknown];
          if (Object.hasOwn(o, key)) fail(`tree node at ${where}: key ${JSON.stringify(key)} appears twice`);
          // defineProperty, not assignment: a "__proto__" key must stay a key
          Object.defineProperty(o, key, { value: dec(child, childPath(where, key), depth + 1), enumerable: true, writable: true, configurable: true });
        }
        return o;
      }
      case "value":
        if (v === null || typeof v === "boolean" || typeof v === "string" || (typeof v === "number" && !Object.is(v, -0))) return v;
        return fail(`tree node at ${where}: value must be null, a boolean, a string or a number; got ${describe(v)}`);
      case "number": {
        const s = SPECIAL[v as string];
        if (typeof v !== "string" || !Object.hasOwn(SPECIAL, v)) fail(`tree node at ${where}: number must be "NaN", "Infinity", "-Infinity" or "-0"; got ${describe(v)}`);
        return s;
      }
      case "undefined":
        if (v !== true) fail(`tree node at ${where}: undefined must hold true; got ${describe(v)}`);
        return undefined;
      default:
        return fail(`tree node at ${where} has an unknown kind ${JSON.stringify(k[0])} (expected tensor, array, object, value, number or undefined)`);
    }
  };
  const tree = dec(h.tree, "(root)", 0);
  const unused = used.indexOf(0);
  if (unused >= 0) fail(`tensor ${unused} of the header's tensors is not used by the tree`);
  return tree as T;
}

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };

function readTensor(
  b: Uint8Array, dv: DataView, start: number, dataBytes: number, meta: unknown, i: number, fail: (msg: string) => never,
): Tensor {
  if (!isPlainObject(meta)) return fail(`header tensors[${i}] must be an object { dtype, shape, offset }; got ${describe(meta)}`);
  const keys = Object.keys(meta).sort().join(",");
  if (keys !== "dtype,offset,shape") fail(`header tensors[${i}] must have exactly the fields dtype, shape, offset; got ${keys || "none"}`);
  if (meta.dtype !== "float64") fail(`header tensors[${i}].dtype must be "float64"; got ${describe(meta.dtype)}`);
  const shape = meta.shape;
  if (!Array.isArray(shape)) return fail(`header tensors[${i}].shape must be an array of non-negative integers; got ${describe(shape)}`);
  // the size is bounded by the data section before anything is allocated
  let size = 1;
  let zero = false;
  for (let a = 0; a < shape.length; a++) {
    const d: unknown = shape[a];
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)
      fail(`header tensors[${i}].shape must be an array of non-negative integers; got ${describe(d)} at shape[${a}]`);
    if (d === 0) zero = true;
    else size *= d as number;
  }
  if (zero) size = 0;
  const off = meta.offset;
  if (typeof off !== "number" || !Number.isSafeInteger(off) || off < 0 || off % 8 !== 0)
    fail(`header tensors[${i}].offset must be a non-negative multiple of 8; got ${describe(off)}`);
  if ((off as number) + 8 * size > dataBytes)
    fail(`header tensors[${i}]: shape [${(shape as number[]).join(", ")}] needs ${8 * size} bytes at offset ${off as number}, past the end of the ${dataBytes}-byte data section`);
  const x = new Float64Array(size);
  const at = start + (off as number);
  if (LITTLE_ENDIAN_HOST) new Uint8Array(x.buffer).set(b.subarray(at, at + 8 * size));
  else for (let k = 0; k < size; k++) x[k] = dv.getFloat64(at + 8 * k, true);
  return new Tensor(x, (shape as number[]).slice());
}
