/**
 * Every ```ts block in README.md and docs/*.md runs here (the custom-derivatives
 * guide runs in guide.test.ts, with checks of its own).
 */
import { describe, it, beforeAll, afterAll } from "vitest";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { SnippetRunner, root, tsBlocks } from "./snippet-runner.js";

const runner = new SnippetRunner(join(root, "test/docs/.snippets"));
const files = [
  ...(existsSync(join(root, "README.md")) ? ["README.md"] : []),
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md") && f !== "guide-custom-derivatives.md").map((f) => `docs/${f}`),
];

beforeAll(() => runner.setUp());
afterAll(() => runner.tearDown());

for (const file of files) {
  const bs = tsBlocks(readFileSync(join(root, file), "utf8"));
  if (bs.length === 0) continue;
  describe(file, () => {
    for (const { code, line } of bs) it(`snippet at line ${line}`, () => runner.run(code, `${file}_${line}`));
  });
}
