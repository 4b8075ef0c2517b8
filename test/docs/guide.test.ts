/**
 * The custom-derivatives guide: every ```ts block runs as its own module, with
 * `from "matgrad"` pointing at the sources and `console.assert` throwing, so a
 * snippet whose claim is false fails its test. Also checks that the guide
 * covers what it promises, and (negative control) that a failing snippet does
 * fail through the same runner.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SnippetRunner, root, tsBlocks } from "./snippet-runner.js";

const runner = new SnippetRunner(join(root, "test/docs/.guide-snippets"));
const runSnippet = (code: string, tag: string): Promise<void> => runner.run(code, tag);
const md = readFileSync(join(root, "docs/guide-custom-derivatives.md"), "utf8");
const blocks = tsBlocks(md);

beforeAll(() => runner.setUp());
afterAll(() => runner.tearDown());

describe("docs/guide-custom-derivatives.md", () => {
  it("covers the promised topics and imports only from matgrad", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9);
    for (const needle of ["dY = dX·X + X·dX", "tr(AᵀB)", "G·Xᵀ + Xᵀ·G", "dot-product test", "Gateaux", "gradcheck", "black-box", "1024", "structure: \"symmetric\""])
      expect(md).toContain(needle);
    for (const b of blocks) {
      for (const m of b.code.matchAll(/from\s+["']([^"']+)["']/g)) expect(m[1]).toBe("matgrad");
    }
  });

  blocks.forEach(({ code, line }) => {
    it(`snippet at line ${line} runs`, async () => {
      await runSnippet(code, `line${line}`);
    });
  });

  it("a snippet whose claim is false fails (negative control)", async () => {
    await expect(runSnippet(`import { tensor } from "matgrad";\nconsole.assert(tensor(1).item() === 2, "1 is not 2");\n`, "neg")).rejects.toThrow(/console.assert failed: 1 is not 2/);
    await expect(runSnippet(`import { tensor } from "matgrad";\ntensor([[1, 2], [3]]);\n`, "neg")).rejects.toThrow(/ragged/);
  });
});
