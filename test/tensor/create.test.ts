/** tensor() and the creation functions at the boundary: typed arrays, ragged arrays, options and parameters. */
import { describe, expect, it } from "vitest";
import {
  ArgumentError, Generator, ShapeError, Tensor, arange, eye, full, linspace, manualSeed, ones, rand, randn, scalar, tensor, zeros,
  zerosLike,
} from "../../src/index.js";

describe("tensor() accepts every typed array (converted to float64)", () => {
  it.each([
    ["Float32Array", new Float32Array([1.5, -2, 3])],
    ["Float64Array", new Float64Array([1.5, -2, 3])],
    ["Int8Array", Int8Array.of(1, -2, 3)],
    ["Uint8Array", Uint8Array.of(1, 2, 3)],
    ["Uint8ClampedArray", Uint8ClampedArray.of(1, 2, 3)],
    ["Int16Array", Int16Array.of(1, -2, 3)],
    ["Uint16Array", Uint16Array.of(1, 2, 3)],
    ["Int32Array", Int32Array.of(1, -2, 3)],
    ["Uint32Array", Uint32Array.of(1, 2, 3)],
    ["BigInt64Array", BigInt64Array.of(1n, -2n, 3n)],
    ["BigUint64Array", BigUint64Array.of(1n, 2n, 3n)],
  ])("%s", (_, data) => {
    const t = tensor(data);
    expect(t.shape).toEqual([3]);
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(t.toArray()).toEqual(Array.from(data as ArrayLike<number | bigint>, Number));
  });
  it("with a shape, and as rows of nested arrays", () => {
    expect(tensor(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }).toNested()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([new Float32Array([1, 2]), new Float32Array([3, 4])]).toNested()).toEqual([[1, 2], [3, 4]]);
    expect(tensor([[1, 2], [3, 4]], { shape: [4] }).toArray()).toEqual([1, 2, 3, 4]);
  });
  it("copies the data (the tensor does not alias the caller's array)", () => {
    const src = new Float64Array([1, 2]);
    const t = tensor(src);
    src[0] = 9;
    expect(t.toArray()).toEqual([1, 2]);
    const u = tensor(t);
    expect(u.toArray()).toEqual([1, 2]);
    expect(u.data).not.toBe(t.data);
  });
  it("float32 values convert exactly (Float32 → float64 is exact)", () => {
    expect(tensor(new Float32Array([0.1])).item()).toBe(Math.fround(0.1));
  });
});

describe("tensor() rejects what is not tensor data, naming where", () => {
  it("ragged arrays give the path of the first mismatch", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(new ShapeError("tensor", "argument data is a ragged nested array: data[1] has length 1, expected 2 (like data[0]); every row of an axis must have the same length"));
    expect(() => tensor([[[1], [2]], [[3], [4, 5]]])).toThrow(/data\[1\]\[1\] has length 2, expected 1 \(like data\[1\]\[0\]\)/);
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/data\[1\] is the number 3, expected an array of length 2/);
    expect(() => tensor([1, [2]] as never)).toThrow(/data\[1\] is an array, expected a number/);
  });
  it("non-numbers give their kind and path", () => {
    expect(() => tensor("abc" as never)).toThrow(/^tensor: argument data must be a tensor, a number or a nested array of numbers; got the string "abc"$/);
    expect(() => tensor([[1, null]] as never)).toThrow(/got null at data\[0\]\[1\]$/);
    expect(() => tensor(undefined as never)).toThrow(/^tensor: argument data is missing \(got undefined\)/);
    expect(() => tensor(new DataView(new ArrayBuffer(8)) as never)).toThrow(/got a DataView of 8 bytes/);
    expect(() => tensor({ 0: 1, length: 1 } as never)).toThrow(/got an object with keys \{0, length\}/);
    expect(() => tensor(Promise.resolve(1) as never)).toThrow(/got a Promise \(did you forget await\?\)/);
  });
  it("the shape option must fit the data", () => {
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(new ShapeError("tensor", "3 values cannot have shape [2, 2] (size 4)"));
    expect(() => tensor([1, 2], { shape: [2.5] })).toThrow(/^tensor: option shape must be an array of non-negative integers; got \[2\.5\] \(entry 0 is the number 2\.5\)/);
    expect(() => tensor([1, 2], { shape: "2" as never })).toThrow(/^tensor: option shape must be an array/);
  });
  it("requiresGrad must be a boolean", () => {
    expect(() => tensor([1], { requiresGrad: "yes" as never })).toThrow(/^tensor: option requiresGrad must be true or false; got the string "yes"/);
    expect(tensor([1], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(() => scalar("1" as never)).toThrow(/^scalar: argument v must be a number/);
  });
});

describe("the Tensor constructor checks data against shape", () => {
  it("mismatched length, bad sizes and non-Float64Array data raise ShapeError", () => {
    expect(() => new Tensor(new Float64Array(3), [2, 2])).toThrow(new ShapeError("Tensor", "data has 3 values but shape [2, 2] needs 4"));
    expect(() => new Tensor(new Float64Array(4), [-2, -2])).toThrow(/^Tensor: argument shape must be an array of non-negative integers; got \[-2, -2\] \(entry 0 is the number -2\)/);
    expect(() => new Tensor(new Float64Array(2), [2.5])).toThrow(ShapeError);
    expect(() => new Tensor(new Float64Array(2), [NaN])).toThrow(ShapeError);
    expect(() => new Tensor([1, 2] as never, [2])).toThrow(/^Tensor: argument data must be a Float64Array; got an array of length 2 \(use tensor\(\) to convert other arrays\)/);
    expect(() => new Tensor(new Float32Array(2) as never, [2])).toThrow(/got a Float32Array of length 2/);
    expect(() => new Tensor(new Float64Array(1), "1" as never)).toThrow(/^Tensor: argument shape must be an array/);
  });
  it("valid data constructs as before (0-d, empty, batched)", () => {
    expect(new Tensor(new Float64Array(1), []).size).toBe(1);
    expect(new Tensor(new Float64Array(0), [2, 0, 3]).shape).toEqual([2, 0, 3]);
    expect(new Tensor(new Float64Array(24), [2, 3, 4]).ndim).toBe(3);
  });
});

describe("creation parameters are validated", () => {
  it.each([
    ["arange(NaN)", () => arange(NaN), /^arange: argument end must be a finite number; got the number NaN/],
    ["arange(Infinity)", () => arange(Infinity), /^arange: argument end must be a finite number; got the number Infinity/],
    ["arange(0, 5, 0)", () => arange(0, 5, 0), /^arange: argument step must be nonzero; got 0/],
    ["arange(0, 1, 1e-12)", () => arange(0, 1, 1e-12), /^arange: \[0, 1\) by step 1e-12 has 1000000000000 values, more than the limit/],
    ["arange('5')", () => arange("5" as never), /^arange: argument end must be a finite number; got the string "5"/],
    ["linspace(0, 1, 2.5)", () => linspace(0, 1, 2.5), /^linspace: argument num must be an integer in \[0, 2147483647\]; got the number 2\.5/],
    ["linspace(0, NaN, 3)", () => linspace(0, NaN, 3), /^linspace: argument end must be a finite number/],
    ["zeros([2, -1])", () => zeros([2, -1]), /^zeros: argument shape must be an array of non-negative integers; got \[2, -1\] \(entry 1 is the number -1\)/],
    ["ones([NaN])", () => ones([NaN]), /^ones: argument shape .* \(entry 0 is the number NaN\)/],
    ["full([2], 'x')", () => full([2], "x" as never), /^full: argument value must be a number; got the string "x"/],
    ["full(3, 1)", () => full(3 as never, 1), /^full: argument shape must be an array of non-negative integers; got the number 3/],
    ["eye(2.5)", () => eye(2.5), /^eye: argument n must be an integer ≥ 0; got the number 2\.5/],
    ["eye(2, 2, { batch: [-1] })", () => eye(2, 2, { batch: [-1] }), /^eye: option batch must be an array of non-negative integers/],
    ["randn([2], { seed: NaN })", () => randn([2], { seed: NaN }), /^randn: option seed must be an integer in \[-2147483648, 4294967295\]; got the number NaN/],
    ["rand([2], { seed: 1.5 })", () => rand([2], { seed: 1.5 }), /^rand: option seed must be an integer/],
    ["randn([2], { seed: 2 ** 40 })", () => randn([2], { seed: 2 ** 40 }), /^randn: option seed must be an integer in/],
    ["randn([2], { generator: {} })", () => randn([2], { generator: {} as never }), /^randn: option generator must be a Generator; got an empty object \{\}/],
    ["randn([2], { seed: 1, generator })", () => randn([2], { seed: 1, generator: new Generator(1) }), /^randn: give either option seed or option generator, not both/],
    ["manualSeed(NaN)", () => manualSeed(NaN), /^manualSeed: argument seed must be an integer/],
    ["new Generator(0.5)", () => new Generator(0.5), /^Generator\.seed: argument seed must be an integer/],
    ["zerosLike([1, 2])", () => zerosLike([1, 2] as never), /^zerosLike: argument t must be a tensor; got an array of length 2/],
  ])("%s", (_, f, re) => {
    expect(f).toThrow(re);
    expect(f).toThrow(ArgumentError);
  });
  it("valid seeds: both readings of 32 bits give the same stream", () => {
    expect(randn([3], { seed: -1 }).toArray()).toEqual(randn([3], { seed: 2 ** 32 - 1 }).toArray());
    expect(rand([2], { seed: 0 }).size).toBe(2);
  });
  it("valid ranges work as before", () => {
    expect(arange(3).toArray()).toEqual([0, 1, 2]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(2, 1).size).toBe(0);
    expect(linspace(0, 1, 3).toArray()).toEqual([0, 0.5, 1]);
    expect(eye(2, 3, { batch: [2] }).shape).toEqual([2, 2, 3]);
  });
  it("a shape of more than 2³¹ − 1 entries is an ArgumentError naming the op and the shape, not a RangeError", () => {
    expect(() => eye(2 ** 53)).toThrow(ArgumentError);
    expect(() => eye(2 ** 53)).toThrow(/^eye: shape \[9007199254740992, 9007199254740992\] has .* entries, more than the limit 2147483647/);
    expect(() => zeros([1e10])).toThrow(/^zeros: argument shape \[10000000000\] has 10000000000 entries, more than the limit/);
    expect(() => randn([1e6, 1e6])).toThrow(/^randn: argument shape/);
    expect(() => ones([65536, 65536])).toThrow(ArgumentError);
    expect(zeros([0, 1e10]).size).toBe(0);
  });
});
