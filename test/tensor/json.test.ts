/** t.toJSON / JSON.stringify(t) / fromJSON: the documented plain form, exact round trips, validation. */
import { describe, expect, it } from "vitest";
import { ArgumentError, FormatError, fromJSON, tensor, zeros, Tensor } from "../../src/index.js";

describe("toJSON and JSON.stringify", () => {
  it("gives { dtype, shape, data } with NaN, ±Infinity and −0 as strings", () => {
    const t = tensor([[1, -0], [NaN, Infinity], [-Infinity, 0.1]]);
    expect(t.toJSON()).toEqual({ dtype: "float64", shape: [3, 2], data: [1, "-0", "NaN", "Infinity", "-Infinity", 0.1] });
    expect(JSON.stringify(t)).toBe('{"dtype":"float64","shape":[3,2],"data":[1,"-0","NaN","Infinity","-Infinity",0.1]}');
    expect(JSON.stringify({ w: tensor(2) })).toBe('{"w":{"dtype":"float64","shape":[],"data":[2]}}');
  });
  it("does not leak internals, for a tensor that requires grad too", () => {
    const x = tensor([1, 2], { requiresGrad: true }).mul(3);
    expect(Object.keys(JSON.parse(JSON.stringify(x)) as object)).toEqual(["dtype", "shape", "data"]);
  });
});

describe("fromJSON", () => {
  const bits = (t: Tensor): string[] => Array.from(t.data, (v) => (Object.is(v, -0) ? "-0" : String(v)));
  it("round trips objects and strings exactly (0-d, empty, specials, extreme values)", () => {
    for (const t of [
      tensor(3), zeros([0, 2]), zeros([2, 0, 3]),
      tensor([[1e-310, -5e-324, 1.7976931348623157e308], [NaN, -0, -Infinity]]), tensor([0.1 + 0.2]),
    ]) {
      for (const back of [fromJSON(t.toJSON()), fromJSON(JSON.stringify(t)), fromJSON(JSON.parse(JSON.stringify(t)) as never)]) {
        expect(back.shape).toEqual(t.shape);
        expect(bits(back)).toEqual(bits(t));
      }
    }
  });
  it.each([
    ["not JSON", "{dtype", FormatError, /^fromJSON: argument json is a string but not valid JSON/],
    ["an array", [1, 2], ArgumentError, /^fromJSON: argument json must be an object/],
    ["a JSON number", "3", FormatError, /^fromJSON: the JSON must be an object/],
    ["wrong dtype", { dtype: "float32", shape: [1], data: [1] }, FormatError, /^fromJSON: field dtype must be "float64"; got the string "float32"/],
    ["extra field", { dtype: "float64", shape: [1], data: [1], grad: null }, FormatError, /^fromJSON: unknown field "grad"/],
    ["bad shape", { dtype: "float64", shape: [2, -1], data: [] }, FormatError, /^fromJSON: field shape must be an array of non-negative integers; got the number -1 at shape\[1\]/],
    ["fractional dim", { dtype: "float64", shape: [1.5], data: [] }, FormatError, /at shape\[0\]/],
    ["size mismatch", { dtype: "float64", shape: [2, 2], data: [1, 2, 3] }, FormatError, /^fromJSON: field data has 3 entries but shape \[2, 2\] needs 4/],
    ["null entry (what JSON.stringify makes of NaN)", { dtype: "float64", shape: [1], data: [null] }, FormatError, /^fromJSON: field data must hold numbers or the strings .* got null at data\[0\]/],
    ["unknown string", { dtype: "float64", shape: [1], data: ["nan"] }, FormatError, /got the string "nan" at data\[0\]/],
  ])("rejects %s", (_, v, cls, re) => {
    expect(() => fromJSON(v as never)).toThrow(cls);
    expect(() => fromJSON(v as never)).toThrow(re);
  });
});
