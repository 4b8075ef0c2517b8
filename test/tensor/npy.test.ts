/**
 * toNpy / fromNpy against files written by NumPy 2.4 (fixtures/npy/make.py,
 * committed with its output): every supported dtype, both byte orders,
 * Fortran order, versions 1.0/2.0/3.0, 0-d and empty shapes; toNpy's bytes
 * equal np.save's byte for byte, so NumPy reads them. (Checked by hand too,
 * with NumPy 2.4.6: `python3 fixtures/npy/make.py FILE...` loaded toNpy's output
 * for a 2×3×4 tensor, [NaN, −0, Inf], shape [0], a 0-d tensor and a 40-axis
 * tensor with the right dtype, shape and values.) A fast-check fuzz of
 * truncations and bit flips of the fixtures gives a FormatError or a tensor,
 * never an untyped error.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArgumentError, FormatError, fromNpy, tensor, toNpy, zeros, arange, Tensor } from "../../src/index.js";

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(__dirname, "fixtures/npy", name)));
const base = [0, -1.5, 2.25, NaN, Infinity, -Infinity];
const bits = (x: ArrayLike<number>): string[] => Array.from(new Float64Array(Array.from(x)), (v) => Object.is(v, -0) ? "-0" : String(v));

describe("fromNpy reads NumPy's files", () => {
  it("'<f8' 2×3 with NaN and ±Inf", () => {
    const t = fromNpy(fixture("f8_2x3.npy"));
    expect(t.shape).toEqual([2, 3]);
    expect(bits(t.data)).toEqual(bits(base));
  });
  it("'<f8' 1-d with −0, a subnormal, the largest and the smallest float64 (bit exact)", () => {
    const t = fromNpy(fixture("f8_1d.npy"));
    expect(t.shape).toEqual([4]);
    expect(Object.is(t.data[0], -0)).toBe(true);
    expect(Array.from(t.data)).toEqual([-0, 1e-310, 1.7976931348623157e308, -5e-324]);
  });
  it("0-d and empty shapes", () => {
    const s = fromNpy(fixture("f8_scalar.npy"));
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(3.5);
    const e = fromNpy(fixture("f8_empty.npy"));
    expect(e.shape).toEqual([0, 3]);
    expect(e.size).toBe(0);
  });
  it("big-endian '>f8'", () => {
    const t = fromNpy(fixture("f8_be.npy"));
    expect(t.shape).toEqual([2, 3]);
    expect(bits(t.data)).toEqual(bits(base));
  });
  it("'<f4', '<i4', '<i8', '|u1', '|b1' convert to float64", () => {
    expect(Array.from(fromNpy(fixture("f4.npy")).data)).toEqual([1.5, -2.25, Math.fround(3e38)]);
    const i4 = fromNpy(fixture("i4.npy"));
    expect(i4.shape).toEqual([2, 2]);
    expect(Array.from(i4.data)).toEqual([1, -2, 2147483647, -2147483648]);
    // 2^53 + 1 rounds to the nearest float64
    expect(Array.from(fromNpy(fixture("i8.npy")).data)).toEqual([9007199254740992, -3, 0]);
    expect(Array.from(fromNpy(fixture("u1.npy")).data)).toEqual([0, 7, 255]);
    expect(Array.from(fromNpy(fixture("b1.npy")).data)).toEqual([1, 0, 1]);
  });
  it("Fortran order is transposed into row-major order", () => {
    const t = fromNpy(fixture("fortran.npy"));
    expect(t.shape).toEqual([2, 3, 4]);
    expect(Array.from(t.data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });
  it("versions 2.0 and 3.0", () => {
    for (const f of ["v2.npy", "v3.npy"]) {
      const b = fixture(f);
      expect(b[6]).toBe(f === "v2.npy" ? 2 : 3);
      expect(bits(fromNpy(b).data)).toEqual(bits(base));
    }
  });
  it("accepts an ArrayBuffer and a Uint8Array at an odd offset", () => {
    const b = fixture("f8_2x3.npy");
    expect(bits(fromNpy(b.slice().buffer).data)).toEqual(bits(base));
    const shifted = new Uint8Array(b.length + 3);
    shifted.set(b, 3);
    expect(bits(fromNpy(shifted.subarray(3)).data)).toEqual(bits(base));
  });
});

describe("toNpy writes what np.save writes", () => {
  it("byte for byte, for 2-d, 1-d, 0-d and empty tensors", () => {
    expect(toNpy(tensor([[0, -1.5, 2.25], [NaN, Infinity, -Infinity]]))).toEqual(fixture("f8_2x3.npy"));
    expect(toNpy(tensor([-0, 1e-310, 1.7976931348623157e308, -5e-324]))).toEqual(fixture("f8_1d.npy"));
    expect(toNpy(tensor(3.5))).toEqual(fixture("f8_scalar.npy"));
    expect(toNpy(zeros([0, 3]))).toEqual(fixture("f8_empty.npy"));
  });
  it("round trips through fromNpy, bit exact, for many shapes", () => {
    for (const shape of [[], [0], [1], [7], [3, 5], [2, 0, 4], [2, 3, 4, 5]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = new Float64Array(n).map((_, i) => (i % 7 === 3 ? NaN : i % 5 === 1 ? -0 : Math.sin(i) * 1e10));
      const t = new Tensor(x, shape);
      const b = toNpy(t);
      expect((10 + (b[8] | (b[9] << 8))) % 64).toBe(0); // data aligned to 64 as NumPy does
      const back = fromNpy(b);
      expect(back.shape).toEqual(shape);
      expect(bits(back.data)).toEqual(bits(x));
    }
  });
  it("saves values only: a tensor that requires grad or came from an op", () => {
    const x = arange(6).reshape([2, 3]).mul(2);
    expect(Array.from(fromNpy(toNpy(x)).data)).toEqual([0, 2, 4, 6, 8, 10]);
  });
});

describe("fuzz: corrupt .npy files", () => {
  const files = ["f8_2x3.npy", "fortran.npy", "i8.npy", "v2.npy", "v3.npy", "f8_scalar.npy"].map(fixture);
  const check = (b: Uint8Array): void => {
    try {
      expect(fromNpy(b)).toBeInstanceOf(Tensor);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      expect(e.message.startsWith("fromNpy: ")).toBe(true);
    }
  };
  it("truncations and 1–4 bit flips give a FormatError or a tensor", () => {
    fc.assert(fc.property(fc.nat(files.length - 1), fc.nat(), (f, n) => {
      const b = files[f]!;
      expect(() => fromNpy(b.subarray(0, n % b.length))).toThrow(FormatError);
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.nat(files.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (f, flips) => {
      const b = files[f]!.slice();
      for (const [i, bit] of flips) b[i % b.length] ^= 1 << bit;
      check(b);
    }), { numRuns: 2000 });
  });
  it("random header text gives a FormatError", () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (h) => {
      const text = h + "\n";
      const b = new Uint8Array(10 + text.length);
      b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 255, text.length >> 8]);
      for (let i = 0; i < text.length; i++) b[10 + i] = text.charCodeAt(i) & 255;
      check(b);
    }), { numRuns: 1000 });
  });
});

describe("bad input raises typed errors starting with the function's name", () => {
  it("wrong kinds of arguments", () => {
    expect(() => toNpy([1, 2] as never)).toThrow(new ArgumentError("toNpy", "argument t must be a Tensor; got an array of length 2"));
    expect(() => fromNpy("x.npy" as never)).toThrow(/^fromNpy: argument bytes must be a Uint8Array/);
  });
  const good = fixture("f8_2x3.npy");
  const edit = (f: (b: Uint8Array) => void): Uint8Array => {
    const b = good.slice();
    f(b);
    return b;
  };
  const header = (h: string, data = new Uint8Array(0)): Uint8Array => {
    const text = h + " ".repeat(63 - ((10 + h.length) % 64)) + "\n";
    const b = new Uint8Array(10 + text.length + data.length);
    b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 255, text.length >> 8]);
    for (let i = 0; i < text.length; i++) b[10 + i] = text.charCodeAt(i);
    b.set(data, 10 + text.length);
    return b;
  };
  it.each([
    ["empty", new Uint8Array(0), /^fromNpy: not an \.npy file/],
    ["bad magic", edit((b) => (b[1] = 0x4f)), /^fromNpy: not an \.npy file: it must start with the magic bytes/],
    ["version 4.0", edit((b) => (b[6] = 4)), /^fromNpy: unsupported \.npy version 4\.0/],
    ["header past the end", edit((b) => (b[9] = 0xff)), /^fromNpy: the header length 65398 runs past the end/],
    ["truncated data", good.subarray(0, good.length - 1), /^fromNpy: shape \(2, 3\) of <f8 needs 48 data bytes, the file has 47/],
    ["extra data", new Uint8Array([...good, 0]), /needs 48 data bytes, the file has 49/],
    ["object dtype", header("{'descr': '|O', 'fortran_order': False, 'shape': (0,), }"), /^fromNpy: unsupported dtype descr "\|O"/],
    ["structured dtype", header("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (0,), }"), /^fromNpy: unsupported dtype descr \[\["a","<f8"\]\]/],
    ["complex", header("{'descr': '<c16', 'fortran_order': False, 'shape': (0,), }"), /unsupported dtype descr "<c16"/],
    ["missing key", header("{'descr': '<f8', 'shape': (0,), }"), /^fromNpy: the header dict must have exactly the keys descr, fortran_order, shape; got descr, shape/],
    ["not a dict", header("(1, 2)"), /^fromNpy: the header must be a dict/],
    ["bad literal", header("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (0,), }"), /^fromNpy: the header is not a valid Python dict literal: unexpected input/],
    ["negative dim", header("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"), /^fromNpy: header shape must be a tuple of non-negative integers; got \[-1\]/],
    ["fortran_order not a bool", header("{'descr': '<f8', 'fortran_order': 0, 'shape': (0,), }"), /^fromNpy: header fortran_order must be True or False/],
  ])("%s", (_, bytes, re) => {
    expect(() => fromNpy(bytes)).toThrow(FormatError);
    expect(() => fromNpy(bytes)).toThrow(re);
  });
});
