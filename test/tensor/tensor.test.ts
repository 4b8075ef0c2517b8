/** Printing: toString switches to scientific notation as PyTorch does; console.log prints the same. */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { tensor } from "../../src/index.js";

describe("toString keeps small entries visible next to large ones", () => {
  it.each([
    [[1e-8, 1], "tensor([1.0000e-08, 1.0000e+00])"],
    [[1e10, 1], "tensor([1.0000e+10, 1.0000e+00])"],
    [[12345.5, 1.5], "tensor([1.2346e+04, 1.5000e+00])"],
    [[1, 2000], "tensor([1.0000e+00, 2.0000e+03])"],
    [[0.5, -0.25], "tensor([ 0.5000, -0.2500])"],
    [[158, 274], "tensor([158., 274.])"],
    [[0, 1e-5], "tensor([0.0000e+00, 1.0000e-05])"],
    [[0, 0], "tensor([0., 0.])"],
    [[1e-300, NaN, -Infinity], "tensor([1.0000e-300,         nan,        -inf])"],
  ])("%j", (values, text) => {
    expect(tensor(values).toString()).toBe(text);
  });
  it("precision applies to both notations and is validated", () => {
    expect(tensor([1e-8, 1]).toString({ precision: 1 })).toBe("tensor([1.0e-08, 1.0e+00])");
    expect(tensor([0.5, 1]).toString({ precision: 2 })).toBe("tensor([0.50, 1.00])");
    expect(() => tensor([1]).toString({ precision: -1 })).toThrow(/^toString: option precision must be an integer in \[0, 20\]/);
    expect(() => tensor([1]).toString({ digits: 2 } as never)).toThrow(/^toString: unknown option "digits"/);
  });
});

describe("console.log / util.inspect print a tensor as toString()", () => {
  it("at top level and nested in objects", () => {
    const t = tensor([[1.5, 2], [3, 4]]);
    expect(inspect(t)).toBe(t.toString());
    expect(inspect({ t })).toContain("t: tensor([[1.5000, 2.0000],");
    expect(inspect({ u: tensor([1, 2]) })).toBe("{ u: tensor([1., 2.]) }");
    expect(inspect([tensor([1, 2])])).toBe("[ tensor([1., 2.]) ]");
  });
  it("uses the global symbol (no node import in src/)", () => {
    const t = tensor([1]);
    const f = (t as unknown as Record<symbol, () => string>)[Symbol.for("nodejs.util.inspect.custom")];
    expect(typeof f).toBe("function");
    expect(f.call(t)).toBe("tensor([1.])");
  });
});
