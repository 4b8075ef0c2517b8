/**
 * Every ```ts block in README.md and docs/*.md runs here, as its own module
 * with `from "matgrad"` pointing at the sources. `console.assert` throws
 * during the run, so a snippet whose claim is false fails its test.
 */
import { describe, it, beforeAll, afterAll } from "vitest";
import { readFileSync, readdirSync, mkdirSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");
const outDir = join(root, "test/docs/.snippets");
const entry = join(root, "src/index.js");

function blocks(md: string): { code: string; line: number }[] {
  const out: { code: string; line: number }[] = [];
  const re = /^```(ts|typescript)\s*\n([\s\S]*?)^```/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(md)) !== null) {
    const line = md.slice(0, m.index).split("\n").length;
    out.push({ code: m[2], line });
  }
  return out;
}

const files = [
  ...(existsSync(join(root, "README.md")) ? ["README.md"] : []),
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
];

const origAssert = console.assert;
beforeAll(() => {
  mkdirSync(outDir, { recursive: true });
  console.assert = (cond?: boolean, ...msg: unknown[]) => {
    if (!cond) throw new Error(`console.assert failed${msg.length ? ": " + msg.join(" ") : ""}`);
  };
});
afterAll(() => {
  console.assert = origAssert;
  rmSync(outDir, { recursive: true, force: true });
});

for (const file of files) {
  const md = readFileSync(join(root, file), "utf8");
  const bs = blocks(md);
  if (bs.length === 0) continue;
  describe(file, () => {
    bs.forEach(({ code, line }, i) => {
      it(`snippet at line ${line}`, async () => {
        const src = "// @ts-nocheck\n" + code.replace(/from\s+["']matgrad["']/g, `from ${JSON.stringify(entry)}`);
        const path = join(outDir, `${file.replace(/[/.]/g, "_")}_${i}.ts`);
        writeFileSync(path, src);
        await import(/* @vite-ignore */ path);
      });
    });
  });
}
