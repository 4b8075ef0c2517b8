/**
 * The custom-derivatives guide: every ```ts block runs as its own module, with
 * `from "matgrad"` pointing at the sources and `console.assert` throwing, so a
 * snippet whose claim is false fails its test. Also checks that the guide
 * covers what it promises, and (negative control) that a failing snippet does
 * fail through the same runner.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");
const guidePath = join(root, "docs/guide-custom-derivatives.md");
const outDir = join(root, "test/docs/.guide-snippets");
const entry = join(root, "src/index.js");

function tsBlocks(md: string): { code: string; line: number }[] {
  const out: { code: string; line: number }[] = [];
  const re = /^```(ts|typescript)\s*\n([\s\S]*?)^```/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(md)) !== null) out.push({ code: m[2], line: md.slice(0, m.index).split("\n").length });
  return out;
}

let counter = 0;
async function runSnippet(code: string, tag: string): Promise<void> {
  const src = "// @ts-nocheck\n" + code.replace(/from\s+["']matgrad["']/g, `from ${JSON.stringify(entry)}`);
  const path = join(outDir, `${tag}_${counter++}.ts`);
  writeFileSync(path, src);
  await import(/* @vite-ignore */ path);
}

const md = readFileSync(guidePath, "utf8");
const blocks = tsBlocks(md);
const origAssert = console.assert, origLog = console.log;

beforeAll(() => {
  mkdirSync(outDir, { recursive: true });
  console.assert = (cond?: boolean, ...msg: unknown[]) => {
    if (!cond) throw new Error(`console.assert failed${msg.length ? ": " + msg.join(" ") : ""}`);
  };
  console.log = () => {};
});
afterAll(() => {
  console.assert = origAssert;
  console.log = origLog;
  rmSync(outDir, { recursive: true, force: true });
});

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
