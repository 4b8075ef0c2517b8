/**
 * Every ```ts snippet of README.md and docs/*.md type-checks as a user's own
 * file would, under the strict settings of a new project (`strict`,
 * `noUncheckedIndexedAccess`, `exactOptionalPropertyTypes`): each snippet is a
 * module in a temporary directory, `import … from "matgrad"` resolves through
 * `paths` to src/index.ts, and one TypeScript program checks them all.
 * Diagnostics are reported for the snippets only (the library's own sources
 * are checked by `npm run typecheck` under the project's settings).
 */
import { describe, it, expect } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import ts from "typescript";
import { root, tsBlocks } from "./snippet-runner.js";

/** Compiler options of a user's strict project (the `paths` entry stands for the installed package). */
export const strictUserOptions = (): ts.CompilerOptions => ({
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noEmit: true,
  skipLibCheck: true,
  types: ["node"],
  baseUrl: root,
  paths: { matgrad: ["src/index.ts"] },
});

interface Snippet {
  file: string;
  line: number;
  path: string;
}

function collect(dir: string): Snippet[] {
  const files = [
    ...(existsSync(join(root, "README.md")) ? ["README.md"] : []),
    ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
  ];
  const out: Snippet[] = [];
  for (const file of files)
    for (const { code, line } of tsBlocks(readFileSync(join(root, file), "utf8"))) {
      const path = join(dir, `${file.replace(/[^A-Za-z0-9]/g, "_")}_${line}.ts`);
      // `export {}` makes every snippet a module (its names do not clash with another snippet's)
      writeFileSync(path, `${code}\nexport {};\n`);
      out.push({ file, line, path });
    }
  return out;
}

describe("doc snippets type-check strictly (as a user's file)", () => {
  it("README.md and docs/*.md: no type errors under strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes", () => {
    const dir = mkdtempSync(join(tmpdir(), "matgrad-snippets-"));
    try {
      const snippets = collect(dir);
      expect(snippets.length).toBeGreaterThan(20);
      const program = ts.createProgram(snippets.map((s) => s.path), strictUserOptions());
      const errors: string[] = [];
      for (const s of snippets) {
        const sf = program.getSourceFile(s.path);
        if (sf === undefined) throw new Error(`snippet ${s.file}:${s.line} was not loaded`);
        for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
          const { line } = d.start === undefined ? { line: 0 } : sf.getLineAndCharacterOfPosition(d.start);
          // the snippet's first line is the line after the ```ts fence
          errors.push(`${s.file}:${s.line + 1 + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
        }
      }
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a snippet with a type error is reported (negative control)", () => {
    const dir = mkdtempSync(join(tmpdir(), "matgrad-snippets-neg-"));
    try {
      const path = join(dir, "neg.ts");
      writeFileSync(path, `import { grad } from "matgrad";\nconst g = grad((A) => A.matmul(A).trace());\nexport { g };\n`);
      const program = ts.createProgram([path], strictUserOptions());
      const sf = program.getSourceFile(path)!;
      const codes = program.getSemanticDiagnostics(sf).map((d) => d.code);
      expect(codes.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
