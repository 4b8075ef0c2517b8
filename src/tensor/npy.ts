/**
 * NumPy's .npy format for one tensor (numpy.lib.format, versions 1.0, 2.0, 3.0):
 *
 *   "\x93NUMPY" | major u8 | minor u8 | header length (u16 LE for 1.0, u32 LE for 2.0/3.0)
 *   | header: a Python dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
 *     padded with spaces and ended by "\n" so the data starts at a multiple of 64
 *   | the values, C (row-major) order unless fortran_order.
 *
 * toNpy writes version 1.0 (2.0 only when the header exceeds 65535 bytes),
 * descr '<f8', C order, byte for byte what `numpy.save` writes. fromNpy reads
 * float ('f4', 'f8'), signed and unsigned integer (1, 2, 4, 8 bytes) and bool
 * ('b1') data in either byte order and converts it to float64 (integers beyond
 * 2^53 round to the nearest float64); Fortran-order files are transposed into
 * row-major order. Plain Uint8Array/DataView code: no Node built-ins.
 */
import { ArgumentError, FormatError } from "../errors.js";
import { describe } from "../validate.js";
import { Tensor, checkAttached } from "./tensor.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** The bytes of argument `name` as a Uint8Array (a Uint8Array, Node Buffer or ArrayBuffer). */
export function bytesArg(op: string, name: string, x: unknown): Uint8Array {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  throw new ArgumentError(op, `argument ${name} must be a Uint8Array (or ArrayBuffer) of file bytes; got ${describe(x)}`);
}

/** The .npy bytes of tensor `t` (version 1.0, '<f8', C order), as numpy.save writes them. */
export function toNpy(t: Tensor): Uint8Array<ArrayBuffer> {
  if (!(t instanceof Tensor)) throw new ArgumentError("toNpy", `argument t must be a Tensor; got ${describe(t)}`);
  checkAttachedIfExposed(t);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(", ")})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  // numpy pads so that magic + version + length field + header + "\n" is a multiple of 64
  let major = 1;
  let pre = 10;
  if (header.length + 1 + 64 > 65535) {
    major = 2;
    pre = 12;
  }
  header += " ".repeat(63 - ((pre + header.length) % 64)) + "\n";
  const hlen = header.length;
  const out = new Uint8Array(pre + hlen + t.size * 8);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, hlen, true);
  else dv.setUint32(8, hlen, true);
  for (let i = 0; i < hlen; i++) out[pre + i] = header.charCodeAt(i); // ASCII
  const x = t._data;
  const base = pre + hlen;
  for (let i = 0; i < x.length; i++) dv.setFloat64(base + 8 * i, x[i], true);
  return out;
}

function checkAttachedIfExposed(t: Tensor): void {
  if (t._ex !== null) checkAttached("toNpy", t, "argument t");
}

/** A parsed Python literal from an .npy header (only what headers hold). */
type PyValue = string | number | boolean | PyValue[] | { [k: string]: PyValue };

/**
 * A parser for the Python literals of .npy headers: dicts, tuples, lists,
 * quoted strings, integers (an old trailing "L" allowed), True/False/None.
 */
function parsePy(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new FormatError("fromNpy", `the header is not a valid Python dict literal: ${what} at character ${i} of ${JSON.stringify(text.length > 200 ? text.slice(0, 200) + "..." : text)}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const value = (depth: number): PyValue => {
    if (depth > 32) fail("nesting too deep");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: { [k: string]: PyValue } = Object.create(null) as { [k: string]: PyValue };
      ws();
      while (text[i] !== "}") {
        const k = value(depth + 1);
        if (typeof k !== "string") fail("a dict key that is not a string");
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        o[k as string] = value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") fail("expected ',' or '}'");
        ws();
      }
      i++;
      return o;
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const a: PyValue[] = [];
      ws();
      while (text[i] !== close) {
        if (i >= text.length) fail(`expected '${close}'`);
        a.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
        ws();
      }
      i++;
      return a;
    }
    if (c === "'" || c === '"') {
      const j = text.indexOf(c, i + 1);
      if (j < 0) fail("unterminated string");
      const s = text.slice(i + 1, j);
      if (s.includes("\\")) fail("escapes in strings are not supported");
      i = j + 1;
      return s;
    }
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(text.slice(i, i + 40));
    if (m === null) return fail("unexpected input");
    i += m[0].length;
    if (m[1] !== undefined) return Number(m[1]);
    return m[2] === "True" ? true : m[2] === "False" ? false : [];
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}

/**
 * The tensor stored in .npy `bytes` (NumPy's format, versions 1.0–3.0), as
 * float64. Reads descr '<f8', '>f8', '<f4', '>f4', '<i1'…'<i8', '<u1'…'<u8'
 * (either byte order, or '|' for one-byte types) and '|b1'; Fortran-order
 * arrays are transposed into row-major order; 0-d and empty shapes are kept.
 * A malformed file (bad magic, unknown version, a header that is not a dict
 * with descr/fortran_order/shape, a structured or object dtype, data shorter
 * or longer than the shape needs) raises a FormatError saying what is wrong.
 */
export function fromNpy(bytes: Uint8Array | ArrayBuffer): Tensor {
  const op = "fromNpy";
  const b = bytesArg(op, "bytes", bytes);
  if (b.length < 10 || MAGIC.some((m, k) => b[k] !== m))
    throw new FormatError(op, `not an .npy file: it must start with the magic bytes \\x93NUMPY (got ${b.length} bytes${b.length > 0 ? ` starting ${Array.from(b.subarray(0, 6), (x) => x.toString(16).padStart(2, "0")).join(" ")}` : ""})`);
  const major = b[6];
  const minor = b[7];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0))
    throw new FormatError(op, `unsupported .npy version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pre = major === 1 ? 10 : 12;
  if (b.length < pre) throw new FormatError(op, `the file ends inside the header length field (${b.length} bytes)`);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  if (pre + hlen > b.length)
    throw new FormatError(op, `the header length ${hlen} runs past the end of the file (${b.length} bytes, header from byte ${pre})`);
  const hb = b.subarray(pre, pre + hlen);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(hb);
    } catch {
      throw new FormatError(op, "the version 3.0 header is not valid UTF-8");
    }
  } else {
    text = ""; // latin-1: one byte, one code point
    for (let k = 0; k < hb.length; k++) text += String.fromCharCode(hb[k]);
  }
  const h = parsePy(text);
  if (h === null || typeof h !== "object" || Array.isArray(h))
    throw new FormatError(op, `the header must be a dict with keys descr, fortran_order, shape; got ${JSON.stringify(text.trim())}`);
  const keys = Object.keys(h).sort();
  if (keys.join(",") !== "descr,fortran_order,shape")
    throw new FormatError(op, `the header dict must have exactly the keys descr, fortran_order, shape; got ${keys.join(", ") || "none"}`);
  const { descr, fortran_order: fortran, shape } = h;
  if (typeof fortran !== "boolean") throw new FormatError(op, `header fortran_order must be True or False; got ${JSON.stringify(fortran)}`);
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number" || !Number.isSafeInteger(d) || d < 0))
    throw new FormatError(op, `header shape must be a tuple of non-negative integers; got ${JSON.stringify(shape)}`);
  const dims = shape as number[];
  const m = typeof descr === "string" ? /^([<>|=])([fiub])(\d+)$/.exec(descr) : null;
  const kind = m?.[2];
  const width = m === null ? 0 : Number(m[3]);
  const ok = m !== null && (kind === "f" ? width === 4 || width === 8 : kind === "b" ? width === 1 : [1, 2, 4, 8].includes(width));
  if (!ok || (m![1] === "|" && width !== 1))
    throw new FormatError(op, `unsupported dtype descr ${JSON.stringify(descr)} (supported: float 'f4'/'f8', signed 'i1'–'i8', unsigned 'u1'–'u8', bool 'b1', with byte order '<', '>' or '|' for one-byte types)`);
  const little = m![1] !== ">";
  let size = 1;
  for (const d of dims) size *= d;
  const start = pre + hlen;
  const avail = b.length - start;
  if (avail !== size * width)
    throw new FormatError(op, `shape (${dims.join(", ")}) of ${descr as string} needs ${size * width} data bytes, the file has ${avail}`);
  const read = reader(dv, kind!, width, little);
  const flat = new Float64Array(size);
  for (let k = 0; k < size; k++) flat[k] = read(start + k * width);
  return new Tensor(fortran && dims.length > 1 ? fortranToC(flat, dims) : flat, dims);
}

function reader(dv: DataView, kind: string, width: number, little: boolean): (at: number) => number {
  if (kind === "f") return width === 8 ? (at) => dv.getFloat64(at, little) : (at) => dv.getFloat32(at, little);
  if (kind === "b") return (at) => (dv.getUint8(at) !== 0 ? 1 : 0);
  if (kind === "i") {
    if (width === 1) return (at) => dv.getInt8(at);
    if (width === 2) return (at) => dv.getInt16(at, little);
    if (width === 4) return (at) => dv.getInt32(at, little);
    return (at) => Number(dv.getBigInt64(at, little));
  }
  if (width === 1) return (at) => dv.getUint8(at);
  if (width === 2) return (at) => dv.getUint16(at, little);
  if (width === 4) return (at) => dv.getUint32(at, little);
  return (at) => Number(dv.getBigUint64(at, little));
}

/**
 * Row-major copy of Fortran-ordered values: entry (i0, …, ik) sits at
 * i0 + d0·(i1 + d1·(i2 + …)) in `f`; walk the C order with a counter.
 */
function fortranToC(f: Float64Array, dims: number[]): Float64Array {
  const n = dims.length;
  const stride = new Array<number>(n);
  let s = 1;
  for (let a = 0; a < n; a++) {
    stride[a] = s;
    s *= dims[a];
  }
  const out = new Float64Array(f.length);
  const idx = new Array<number>(n).fill(0);
  let src = 0;
  for (let k = 0; k < f.length; k++) {
    out[k] = f[src];
    for (let a = n - 1; a >= 0; a--) {
      idx[a]++;
      src += stride[a];
      if (idx[a] < dims[a]) break;
      src -= stride[a] * dims[a];
      idx[a] = 0;
    }
  }
  return out;
}
