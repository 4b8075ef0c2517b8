/**
 * save / load: round trips of pytrees (static leaves, empty and 0-d tensors,
 * NaN payloads / −0 / ±Infinity bit for bit, a large-ish tensor), the byte
 * layout of docs/serialization.md, and corrupt files: named problems, and a
 * fast-check fuzz of truncations, bit flips and header edits that must give
 * a FormatError or a correct tree, never an untyped error.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArgumentError, FormatError, load, save, SAVE_FORMAT_VERSION, tensor, zeros, randn, Tensor, type Tree } from "../../src/index.js";

/** Raw bit patterns of the values, so NaN payloads and −0 are compared exactly. */
const rawBits = (t: Tensor): string => Array.from(new Uint32Array(new Float64Array(t.data).buffer), (w) => w.toString(16)).join(",");

/** Deep equality for trees: tensors by shape and bits, static leaves by Object.is, plain containers by keys. */
function sameTree(a: unknown, b: unknown): boolean {
  if (a instanceof Tensor || b instanceof Tensor)
    return a instanceof Tensor && b instanceof Tensor && a.shape.join() === b.shape.join() && rawBits(a) === rawBits(b);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameTree(x, b[i]));
  if (a !== null && typeof a === "object") {
    if (b === null || typeof b !== "object" || Array.isArray(b)) return false;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b);
    return ka.join("\0") === [...kb].sort().join("\0") && ka.every((k) => sameTree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

const payloadNaN = (): Tensor => {
  const x = new Float64Array(3);
  new Uint32Array(x.buffer).set([1, 0x7ff80000, 0xdeadbeef, 0xfff7ffff, 0, 0x80000000]); // quiet NaN with payload, signalling-pattern NaN, −0
  return new Tensor(x, [3]);
};

describe("save / load round trips", () => {
  it("a parameter tree with static leaves, bit for bit", () => {
    const tree = {
      layers: [{ W: randn([3, 4], { seed: 1 }), b: zeros([4]) }, { W: randn([4, 1], { seed: 2 }), b: tensor([0.5]) }],
      scalar: tensor(3.25),
      empty: zeros([0]),
      empty2: zeros([2, 0, 5]),
      specials: tensor([NaN, Infinity, -Infinity, -0, 5e-324, 1.7976931348623157e308]),
      payload: payloadNaN(),
      config: { lr: 0.001, name: "adam", nested: [true, false, null, undefined, NaN, -0, Infinity, -Infinity, ""] },
      "odd key": "x",
      __proto__key: 1,
      unicode: "π ≈ 3.14159 \u{1f600}",
    };
    const back = load(save(tree));
    expect(sameTree(tree, back)).toBe(true);
    expect(Object.keys(back as object)).toEqual(Object.keys(tree).sort()); // keys come back sorted, as treeFlatten visits them
  });
  it("a key named __proto__ stays a key", () => {
    const tree = JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as Tree;
    const back = load<Record<string, unknown>>(save(tree));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, "__proto__")).toBe(true);
    expect(sameTree(tree, back)).toBe(true);
  });
  it("single tensors, static roots, empty containers", () => {
    for (const tree of [tensor([[1, 2], [3, 4]]), 3, "s", null, undefined, true, [], {}, [[[]]], [tensor(1), tensor(1)]] as Tree[])
      expect(sameTree(load(save(tree)), tree)).toBe(true);
  });
  it("a large-ish tensor (1e6 entries), with the data 8-byte aligned", () => {
    const big = randn([1000, 1000], { seed: 3 });
    const bytes = save({ big });
    const hlen = new DataView(bytes.buffer).getUint32(12, true);
    expect(bytes.length).toBe(Math.ceil((16 + hlen) / 8) * 8 + 8e6);
    const back = load<{ big: Tensor }>(bytes);
    const a = new Uint32Array(back.big.data.buffer);
    const b = new Uint32Array(big.data.buffer);
    let same = a.length === b.length;
    for (let i = 0; same && i < a.length; i++) same = a[i] === b[i];
    expect(same).toBe(true);
  });
  it("tensors that require grad are saved as values; loaded tensors are fresh leaves", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const back = load<{ y: Tensor }>(save({ y: x.mul(2) }));
    expect(back.y.requiresGrad).toBe(false);
    expect(Array.from(back.y.data)).toEqual([2, 4]);
  });
  it("reads from an ArrayBuffer and from a Uint8Array at an odd offset", () => {
    const bytes = save({ a: tensor([1.5, -2]) });
    const shifted = new Uint8Array(bytes.length + 5);
    shifted.set(bytes, 5);
    for (const b of [bytes.slice().buffer, shifted.subarray(5)]) expect(Array.from(load<{ a: Tensor }>(b).a.data)).toEqual([1.5, -2]);
  });
});

describe("the byte layout of docs/serialization.md", () => {
  it("magic, version, header length, JSON header, space padding, aligned little-endian data", () => {
    const bytes = save({ w: tensor([[1, 2, 3]]), lr: 0.5 });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x4d, 0x41, 0x54, 0x47, 0x52, 0x41, 0x44]);
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint32(8, true)).toBe(SAVE_FORMAT_VERSION);
    expect(SAVE_FORMAT_VERSION).toBe(1);
    const hlen = dv.getUint32(12, true);
    const header = new TextDecoder().decode(bytes.subarray(16, 16 + hlen));
    expect(JSON.parse(header)).toEqual({
      byteOrder: "little", dataBytes: 24,
      tensors: [{ dtype: "float64", shape: [1, 3], offset: 0 }],
      tree: { object: [["lr", { value: 0.5 }], ["w", { tensor: 0 }]] },
    });
    const start = Math.ceil((16 + hlen) / 8) * 8;
    expect(Array.from(bytes.subarray(16 + hlen, start)).every((c) => c === 0x20)).toBe(true);
    expect([0, 1, 2].map((k) => dv.getFloat64(start + 8 * k, true))).toEqual([1, 2, 3]);
    expect(bytes.length).toBe(start + 24);
  });
  it("static leaves: value, number (NaN, ±Infinity, −0), undefined; arrays", () => {
    const bytes = save([NaN, -0, Infinity, -Infinity, undefined, "a", null, false, 2]);
    const hlen = new DataView(bytes.buffer).getUint32(12, true);
    expect((JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen))) as { tree: unknown }).tree).toEqual({
      array: [
        { number: "NaN" }, { number: "-0" }, { number: "Infinity" }, { number: "-Infinity" }, { undefined: true },
        { value: "a" }, { value: null }, { value: false }, { value: 2 },
      ],
    });
  });
});

describe("save refuses what it cannot write, naming the path", () => {
  const cyc: Record<string, unknown> = { a: 1 };
  cyc.self = cyc;
  it.each([
    ["a function", { opt: { f: () => 1 } }, /^save: cannot save a function \(f\) at opt\.f: functions cannot be saved/],
    ["a typed array", { layers: [{ W: new Float64Array(2) }] }, /^save: cannot save .* at layers\[0\]\.W: class instances cannot be saved/],
    ["a Map", [new Map()], /^save: cannot save .* at \[0\]: class instances/],
    ["a symbol", { s: Symbol("x") }, /^save: cannot save .* at s: symbols cannot be saved/],
    ["a bigint", { n: 5n }, /^save: cannot save .* at n: bigints cannot be saved/],
    ["a cycle", cyc, /^save: cannot save .* at self: the tree contains a cycle here/],
  ])("%s", (_, tree, re) => {
    expect(() => save(tree as never)).toThrow(ArgumentError);
    expect(() => save(tree as never)).toThrow(re);
  });
});

/** A valid file with its header replaced by `header` (an object, JSON-encoded) and `data` bytes. */
function craft(header: unknown, data = new Uint8Array(0), version = 1): Uint8Array {
  const h = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const start = Math.ceil((16 + h.length) / 8) * 8;
  const out = new Uint8Array(start + data.length).fill(0x20);
  out.set([0x89, 0x4d, 0x41, 0x54, 0x47, 0x52, 0x41, 0x44]);
  new DataView(out.buffer).setUint32(8, version, true);
  new DataView(out.buffer).setUint32(12, h.length, true);
  out.set(h, 16);
  out.set(data, start);
  return out;
}

describe("load names what is wrong", () => {
  const t0 = { dtype: "float64", shape: [2], offset: 0 };
  const ok = { byteOrder: "little", dataBytes: 16, tensors: [t0], tree: { tensor: 0 } };
  const d16 = new Uint8Array(16);
  it("a crafted valid file loads", () => {
    expect(Array.from(load<Tensor>(craft(ok, d16)).data)).toEqual([0, 0]);
  });
  it.each([
    ["not bytes", "file.mtg", ArgumentError, /^load: argument bytes must be a Uint8Array/],
    ["empty", new Uint8Array(0), FormatError, /^load: not a matgrad save file/],
    ["an .npy file", new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), FormatError, /^load: not a matgrad save file: .* starting 93 4e 55 4d 50 59 01 00/],
    ["version 2", craft(ok, d16, 2), FormatError, /^load: unsupported format version 2 \(this matgrad reads version 1\)/],
    ["header not JSON", craft("{oops", d16), FormatError, /^load: the header is not valid JSON/],
    ["header an array", craft([1], d16), FormatError, /^load: the header must be a JSON object/],
    ["missing field", craft({ ...ok, tree: undefined }, d16), FormatError, /^load: the header must have exactly the fields byteOrder, dataBytes, tensors, tree; got byteOrder,dataBytes,tensors/],
    ["big endian", craft({ ...ok, byteOrder: "big" }, d16), FormatError, /^load: header byteOrder must be "little"/],
    ["truncated data", craft(ok, new Uint8Array(8)), FormatError, /^load: the file should be .* bytes long .* \(truncated\?\)/],
    ["dataBytes negative", craft({ ...ok, dataBytes: -8 }, d16), FormatError, /^load: header dataBytes must be a non-negative integer/],
    ["tensor past the end", craft({ ...ok, tensors: [{ ...t0, shape: [3] }] }, d16), FormatError, /^load: header tensors\[0\]: shape \[3\] needs 24 bytes at offset 0, past the end of the 16-byte data section/],
    ["huge shape", craft({ ...ok, tensors: [{ ...t0, shape: [1e15, 1e15] }] }, d16), FormatError, /past the end/],
    ["misaligned offset", craft({ ...ok, tensors: [{ ...t0, shape: [1], offset: 4 }] }, d16), FormatError, /^load: header tensors\[0\]\.offset must be a non-negative multiple of 8; got the number 4/],
    ["bad dtype", craft({ ...ok, tensors: [{ ...t0, dtype: "float32" }] }, d16), FormatError, /^load: header tensors\[0\]\.dtype must be "float64"/],
    ["bad dim", craft({ ...ok, tensors: [{ ...t0, shape: [2.5] }] }, d16), FormatError, /got the number 2\.5 at shape\[0\]/],
    ["unknown node", craft({ ...ok, tree: { set: [] } }, d16), FormatError, /^load: tree node at \(root\) has an unknown kind "set"/],
    ["two kinds in a node", craft({ ...ok, tree: { tensor: 0, value: 1 } }, d16), FormatError, /exactly one field/],
    ["tensor index out of range", craft({ ...ok, tree: { array: [{ tensor: 0 }, { tensor: 1 }] } }, d16), FormatError, /^load: tree node at \[1\]: tensor index must be an integer in \[0, 1\); got the number 1/],
    ["tensor used twice", craft({ ...ok, tree: { object: [["a", { tensor: 0 }], ["b", { tensor: 0 }]] } }, d16), FormatError, /^load: tree node at b: tensor 0 is used twice/],
    ["tensor unused", craft({ ...ok, tree: { value: 1 } }, d16), FormatError, /^load: tensor 0 of the header's tensors is not used by the tree/],
    ["duplicate key", craft({ ...ok, tree: { object: [["a", { tensor: 0 }], ["a", { value: 1 }]] } }, d16), FormatError, /key "a" appears twice/],
    ["bad number", craft({ ...ok, tree: { array: [{ tensor: 0 }, { number: "nan" }] } }, d16), FormatError, /^load: tree node at \[1\]: number must be "NaN", "Infinity", "-Infinity" or "-0"/],
    ["bad value", craft({ ...ok, tree: { array: [{ tensor: 0 }, { value: [1] }] } }, d16), FormatError, /^load: tree node at \[1\]: value must be null, a boolean, a string or a number/],
  ])("%s", (_, bytes, cls, re) => {
    expect(() => load(bytes as never)).toThrow(cls);
    expect(() => load(bytes as never)).toThrow(re);
  });
  it("a tree nested deeper than 1000 levels", () => {
    let node: unknown = { value: 1 };
    for (let i = 0; i < 1200; i++) node = { array: [node] };
    expect(() => load(craft({ byteOrder: "little", dataBytes: 0, tensors: [], tree: node }))).toThrow(/^load: the tree nests deeper than 1000 levels/);
  });
});

describe("fuzz: corrupt files give a FormatError or a correct tree, never an untyped error", () => {
  const tree = { a: tensor([[1, 2], [3, NaN]]), b: [zeros([0, 3]), tensor(-0)], c: { lr: 0.1, s: "x", u: undefined, n: null } };
  const good = save(tree);
  const check = (bytes: Uint8Array): void => {
    try {
      const back = load(bytes);
      // a flip inside the data section changes values only: the tree must still have the saved structure
      expect(typeof back).toBe("object");
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      expect(e.message.startsWith("load: ")).toBe(true);
    }
  };
  it("truncations", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: good.length - 1 }), (n) => {
      expect(() => load(good.subarray(0, n))).toThrow(FormatError);
    }), { numRuns: 300 });
  });
  it("bit flips (1–4 bits anywhere)", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (flips) => {
      const b = good.slice();
      for (const [i, bit] of flips) b[i] ^= 1 << bit;
      check(b);
    }), { numRuns: 1500 });
  });
  it("random bytes overwriting the header, and arbitrary bytes after a valid prefix", () => {
    fc.assert(fc.property(fc.nat(good.length - 1), fc.uint8Array({ minLength: 1, maxLength: 40 }), (at, junk) => {
      const b = good.slice();
      b.set(junk.subarray(0, b.length - at), at);
      check(b);
    }), { numRuns: 1000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (junk) => {
      const b = new Uint8Array(16 + junk.length);
      b.set(good.subarray(0, 16));
      b.set(junk, 16);
      check(b);
    }), { numRuns: 500 });
  });
  it("random headers (arbitrary JSON) are typed errors", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.uint8Array({ maxLength: 32 }), (h, data) => {
      check(craft(h === undefined ? null : h, data));
    }), { numRuns: 1000 });
  });
  it("flips in the data section keep the structure and change only the values", () => {
    const hlen = new DataView(good.buffer).getUint32(12, true);
    const start = Math.ceil((16 + hlen) / 8) * 8;
    fc.assert(fc.property(fc.integer({ min: start, max: good.length - 1 }), fc.integer({ min: 0, max: 7 }), (i, bit) => {
      const b = good.slice();
      b[i] ^= 1 << bit;
      const back = load<typeof tree>(b);
      expect(back.c).toEqual(tree.c);
      expect(back.a.shape).toEqual([2, 2]);
      expect(rawBits(back.a) + rawBits(back.b[1])).not.toBe(rawBits(tree.a) + rawBits(tree.b[1]));
    }), { numRuns: 200 });
  });
});
