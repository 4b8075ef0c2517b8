/**
 * The core runs in browsers: bundle src/index.ts for the browser platform
 * (a Node built-in import fails the build) and run the bundle in a bare
 * JavaScript context that has no Node globals (no process, require, Buffer).
 */
import { describe, it, expect } from "vitest";
import { build } from "esbuild";
import { createContext, runInContext } from "node:vm";
import { resolve } from "node:path";

describe("browser build", () => {
  it("bundles for the browser and computes a gradient without Node globals", async () => {
    const res = await build({
      entryPoints: [resolve(__dirname, "../../src/index.ts")],
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "matgrad",
      write: false,
      logLevel: "silent",
    });
    expect(res.errors).toEqual([]);
    const code = res.outputFiles[0].text;
    const sandbox: Record<string, unknown> = { console, WebAssembly, performance, Math, Float64Array };
    const ctx = createContext(sandbox);
    runInContext(code, ctx);
    const out = runInContext(`
      const { tensor, grad } = matgrad;
      const energy = (X) => { const Y = X.matmul(X); return Y.mT.matmul(Y).trace(); };
      grad(energy)(tensor([[1, 2], [3, 4]])).toArray();
    `, ctx) as number[];
    expect(Array.from(out)).toEqual([158, 274, 266, 482]);
    expect(runInContext("typeof process", ctx)).toBe("undefined");
  });
});
