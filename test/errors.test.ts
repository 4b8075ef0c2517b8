/**
 * The names users see (`e.name`, `ShapeError.name`, `t.constructor.name`) do
 * not depend on the class names in the code that runs: every public class
 * states its name (see src/errors.ts), so a minifier that renames classes —
 * the browser module is built without esbuild's keepNames, and a user's
 * bundler may do the same — leaves them intact. Checked on the sources and on
 * a minified bundle run in a bare context.
 */
import { describe, it, expect } from "vitest";
import { build } from "esbuild";
import { createContext, runInContext } from "node:vm";
import { resolve } from "node:path";
import * as matgrad from "../src/index.js";
import { MatgradError, ShapeError, SingularMatrixError, BatchingError } from "../src/errors.js";

/** The exports that are classes, by export name. */
function classes(mod: Record<string, unknown>): [string, { name: string }][] {
  return Object.entries(mod).filter(
    (e): e is [string, { name: string }] => typeof e[1] === "function" && /^class[\s{]/.test(Function.prototype.toString.call(e[1])),
  );
}

describe("class names", () => {
  it("every exported class is named as it is exported, with the built-in attributes of `name`", () => {
    const cls = classes(matgrad as unknown as Record<string, unknown>);
    expect(cls.map(([k]) => k)).toEqual(expect.arrayContaining(["Tensor", "ShapeError", "MatgradError", "GradcheckError", "Function"]));
    for (const [exported, c] of cls) {
      expect(c.name).toBe(exported);
      // non-enumerable and non-writable, as a class's own name: Node prints
      // `[class ShapeError extends MatgradError]`, not `{ name: 'ShapeError' }`
      expect(Object.getOwnPropertyDescriptor(c, "name")).toEqual({ value: exported, writable: false, enumerable: false, configurable: true });
    }
  });

  it("an error's name is its class's; a user's subclass has its own; instanceof holds", () => {
    const e = new SingularMatrixError("linalg.inv", "the matrix is singular", 0, 1);
    expect(e.name).toBe("SingularMatrixError");
    expect(String(e)).toBe("SingularMatrixError: linalg.inv: the matrix is singular");
    expect(e.stack?.startsWith("SingularMatrixError: linalg.inv: ")).toBe(true);
    expect(e instanceof MatgradError && e instanceof Error).toBe(true);
    class MyError extends ShapeError {}
    const mine = new MyError("myop", "bad");
    expect([mine.name, mine instanceof ShapeError, mine.constructor.name]).toEqual(["MyError", true, "MyError"]);
    expect(new BatchingError("vmap", "x").name).toBe("BatchingError");
  });

  it("a minified bundle (no keepNames) keeps every exported class's name, e.name and the tensor's class name", async () => {
    const res = await build({
      entryPoints: [resolve(__dirname, "../src/index.ts")],
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "matgrad",
      minify: true,
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    const code = res.outputFiles[0].text;
    const ctx = createContext({ console, WebAssembly, performance, Math, Float64Array });
    runInContext(code, ctx);
    const mod = runInContext("matgrad", ctx) as Record<string, unknown>;
    const cls = classes(mod);
    expect(cls.length).toBe(classes(matgrad as unknown as Record<string, unknown>).length);
    for (const [exported, c] of cls) expect(c.name).toBe(exported);
    const out = runInContext(`
      const { tensor, matmul } = matgrad;
      let name = null, str = null;
      try { matmul(tensor([[1, 2]]), tensor([[1, 2]])); } catch (e) { name = e.name; str = String(e); }
      [name, str, tensor([1, 2]).constructor.name];
    `, ctx) as string[];
    expect(Array.from(out)).toEqual(["ShapeError", "ShapeError: matmul: inner dimensions differ: a has shape [1, 2], b has shape [1, 2] (2 ≠ 1)", "Tensor"]);
  });
});
