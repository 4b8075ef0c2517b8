/**
 * The benchmark runner (bench/ts-register.mjs + bench/ts-hooks.mjs): TypeScript
 * run the way the tsc-built dist/ runs. A script in a temporary directory
 * inside the repository is run by `node --import ./bench/ts-register.mjs`; it
 * imports the sources through their ".js" specifiers (resolved to ".ts"),
 * keeps its own file:// URL as import.meta.url, and its closures are not
 * wrapped in esbuild's keepNames `__name(…)` (what tsx does).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");

describe("bench/ts-register.mjs", () => {
  it("runs a .ts file importing src/ through .js specifiers, without keepNames, with its own import.meta.url", () => {
    mkdirSync(join(root, "test-artifacts"), { recursive: true });
    const dir = mkdtempSync(join(root, "test-artifacts", "ts-hooks-"));
    try {
      const script = join(dir, "probe.ts");
      writeFileSync(script, [
        'import { einsum, tensor, type Tensor } from "../../src/index.js";',
        "const makeAdder = (k: number): ((x: number) => number) => { const add = (x: number): number => x + k; return add; };",
        'const out: Tensor = einsum("ij,j->i", tensor([[1, 2], [3, 4]]), tensor([1, 1]));',
        "console.log(JSON.stringify({ url: import.meta.url, out: Array.from(out.data), source: makeAdder.toString(), add: makeAdder(1)(2) }));",
      ].join("\n"));
      const r = spawnSync(process.execPath, ["--import", "./bench/ts-register.mjs", script], { cwd: root, encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const got = JSON.parse(r.stdout.trim().split("\n").pop() as string) as { url: string; out: number[]; source: string; add: number };
      expect(got.url).toBe(`file://${script}`);
      expect(got.out).toEqual([3, 7]);
      expect(got.add).toBe(3);
      expect(got.source).not.toContain("__name");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
