/** src/validate.ts: value descriptions, did-you-mean and option checks. */
import { describe, expect, it } from "vitest";
import { checkInt, checkOptions, describe as describeValue, didYouMean } from "../src/validate.js";
import { ArgumentError, tensor } from "../src/index.js";

describe("describe", () => {
  it.each([
    [undefined, "undefined"], [null, "null"], ["a", 'the string "a"'], [NaN, "the number NaN"], [true, "the boolean true"],
    [3n, "the bigint 3n"], [Symbol("s"), "the symbol Symbol(s)"], [function f() { return 1; }, "a function (f)"],
    [[1, 2], "an array of length 2"], [new Int16Array(3), "a Int16Array of length 3"], [{}, "an empty object {}"],
    [{ a: 1, b: 2 }, "an object with keys {a, b}"], [new Map(), "an object of class Map"],
  ])("%s", (v, text) => expect(describeValue(v)).toBe(text));
  it("long strings are cut", () => expect(describeValue("x".repeat(100))).toBe(`the string "${"x".repeat(37)}..."`));
  it("a tensor by its shape (without reading its data)", () => expect(describeValue(tensor([[1, 2]]))).toBe("a tensor of shape [1, 2]"));
});

describe("didYouMean", () => {
  it.each([
    ["full_matrices", ["fullMatrices", "degeneracyTol"], "fullMatrices"],
    ["dim", ["axes", "keepdims"], "axes"],
    ["dim", ["dim", "keepdim"], "dim"],
    ["axes", ["dim", "keepdim"], "dim"],
    ["keepdim", ["axes", "keepdims"], "keepdims"],
    ["keepdims", ["dim", "keepdim"], "keepdim"],
    ["retain_graph", ["retainGraph", "createGraph"], "retainGraph"],
    ["create_graph", ["retainGraph", "createGraph"], "createGraph"],
    ["requires_grad", ["requiresGrad"], "requiresGrad"],
    ["uplo", ["UPLO", "degeneracyTol"], "UPLO"],
    ["lower", ["UPLO", "degeneracyTol"], "UPLO"],
    ["atoll", ["atol", "rtol"], "atol"],
    ["maxiter", ["maxIter"], "maxIter"],
    ["zzz", ["atol", "rtol"], null],
  ] as const)("%s among %j → %s", (key, valid, want) => expect(didYouMean(key, valid)).toBe(want));
});

describe("checkOptions and checkInt", () => {
  it("undefined and null are no options; keys are checked", () => {
    expect(checkOptions("op", undefined, ["a"])).toEqual({});
    expect(checkOptions("op", null, ["a"])).toEqual({});
    expect(checkOptions("op", { a: 1 }, ["a"])).toEqual({ a: 1 });
    expect(() => checkOptions("op", { zzz: 1 }, ["a"])).toThrow(new ArgumentError("op", 'unknown option "zzz" (valid options: a)'));
    expect(() => checkOptions("op", [1], ["a"])).toThrow(/^op: argument options must be an options object with keys among \{a\}; got an array of length 1/);
    expect(() => checkOptions("op", tensor([1]), ["a"])).toThrow(/got a tensor of shape \[1\]/);
  });
  it("integers in range", () => {
    expect(checkInt("op", "argument k", 3, 0, 5)).toBe(3);
    expect(() => checkInt("op", "argument k", 6, 0, 5)).toThrow(/^op: argument k must be an integer in \[0, 5\]; got 6$/);
    expect(() => checkInt("op", "argument k", 0.5)).toThrow(/^op: argument k must be an integer; got the number 0\.5$/);
    expect(() => checkInt("op", "argument k", -1, 0)).toThrow(/must be an integer ≥ 0; got -1/);
  });
});
