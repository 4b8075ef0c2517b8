/**
 * Node module-customization hooks (module.register, Node ≥ 20.6) that run the
 * TypeScript sources the way the tsc-built dist/ runs: each .ts file is
 * transformed on its own by esbuild's transformSync (type erasure only, target
 * ES2022 as tsconfig.json) WITHOUT keepNames. tsx hard-codes esbuild's
 * `keepNames: true`, which wraps every closure created per call in
 * `__name(fn, "…")` (an Object.defineProperty each time) and so makes
 * closure-heavy paths read slower than what users run (einsum: 9 µs per call
 * under tsx against 3.7 µs from dist/).
 *
 * resolve: a relative or absolute specifier ending in ".js" whose file does not
 * exist but whose ".ts" sibling does resolves to the ".ts" (src/ imports its
 * siblings as "./x.js", as the ESM output needs). load: ".ts" / ".mts" files
 * are transformed; the module keeps its own file:// URL, so `import.meta.url`
 * is what it is in dist/ (src/kernels/native/index.ts finds the addon by it).
 * Inline source maps keep stack traces and CPU profiles pointing at the .ts.
 *
 * Registered by bench/ts-register.mjs: `node --import ./bench/ts-register.mjs bench/run.ts`.
 */
import { existsSync, readFileSync } from "node:fs";
import { URL, fileURLToPath } from "node:url";
import { transformSync } from "esbuild";

const TS = /\.m?ts$/;

export async function resolve(specifier, context, nextResolve) {
  const relative = specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/") || specifier.startsWith("file:");
  if (relative && /\.m?js$/.test(specifier) && context.parentURL?.startsWith("file:")) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(url))) {
      const ts = new URL(url.href.replace(/js$/, "ts"));
      if (existsSync(fileURLToPath(ts))) return { url: ts.href, format: "module", shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !TS.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = transformSync(readFileSync(path, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "es2022",
    sourcemap: "inline",
    sourcefile: path,
    keepNames: false,
    // the class-field semantics tsc uses for target ES2022 (define, not assign)
    tsconfigRaw: { compilerOptions: { target: "ES2022", useDefineForClassFields: true } },
  });
  return { format: "module", source: code, shortCircuit: true };
}
