/**
 * No `any` in the published types: the declarations that `npm run build`
 * emits (tsconfig.build.json) are generated into a temporary directory — the
 * declarations only, in one TypeScript program — and every .d.ts is scanned
 * with the compiler API for the `any` keyword (AnyKeyword nodes: parameters,
 * results, fields, type arguments, index signatures; comments are not code).
 * Nothing is excluded: an `any` in a module that index.ts does not re-export
 * still reaches users through the types of the ones it does.
 */
import { describe, it, expect } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { tmpdir } from "node:os";
import ts from "typescript";

const root = resolve(__dirname, "../..");

function dtsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...dtsFiles(p));
    else if (name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Every `any` keyword in a declaration file, as `file:line: the line`. */
export function anyKeywords(path: string, shown: string): string[] {
  const text = readFileSync(path, "utf8");
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const hits: string[] = [];
  const visit = (n: ts.Node): void => {
    if (n.kind === ts.SyntaxKind.AnyKeyword) {
      const { line } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
      hits.push(`${shown}:${line + 1}: ${text.split("\n")[line]?.trim() ?? ""}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return hits;
}

// one TypeScript program over src/: ~20 s alone, over a minute on a busy 2-core machine
describe("published declarations", { timeout: 240_000 }, () => {
  it("contain no `any` (dist/*.d.ts as built by tsconfig.build.json)", () => {
    const out = mkdtempSync(join(tmpdir(), "matgrad-dts-"));
    try {
      const cfg = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.build.json"), {}, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        },
      });
      if (cfg === undefined) throw new Error("tsconfig.build.json could not be read");
      const options: ts.CompilerOptions = {
        ...cfg.options, outDir: out, declaration: true, emitDeclarationOnly: true, sourceMap: false, declarationMap: false, noEmit: false,
        noUnusedLocals: false,
      };
      const program = ts.createProgram(cfg.fileNames, options);
      const emitted = program.emit();
      expect(emitted.emitSkipped).toBe(false);
      const files = dtsFiles(out);
      expect(files.some((f) => f.endsWith(join(out, "index.d.ts")))).toBe(true);
      const hits = files.flatMap((f) => anyKeywords(f, `dist/${relative(out, f)}`));
      expect(hits).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("the scan finds an `any` (negative control)", () => {
    const dir = mkdtempSync(join(tmpdir(), "matgrad-dts-neg-"));
    try {
      const p = join(dir, "neg.d.ts");
      ts.sys.writeFile(p, "/** any in a comment is fine */\nexport declare function f(x: number): Array<any>;\n");
      expect(anyKeywords(p, "neg.d.ts")).toEqual(["neg.d.ts:2: export declare function f(x: number): Array<any>;"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
