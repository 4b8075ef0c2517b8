#!/usr/bin/env node
/**
 * Build dist/ — what the package ships (run by `npm run build`, and by npm
 * itself through `prepare` on git / folder installs and `npm ci` in the repo,
 * and `prepack` before `npm pack` / `npm publish`):
 *
 *   dist/index.js, dist/**.js + .d.ts   ESM and declarations (tsc -p tsconfig.build.json --noCheck)
 *   dist/cjs/index.cjs                 CommonJS, one file (esbuild), for `require("matgrad")`
 *                                      on every Node ≥ 20 (require of ESM needs ≥ 20.19)
 *   dist/cjs/**.d.ts                   the declarations again, under dist/cjs/package.json
 *                                      {"type": "commonjs"}, so TypeScript reads them as CJS
 *   dist/browser/matgrad.js (+ .map)   the browser module: one minified ES module, WASM
 *                                      kernels and worker code included (`matgrad/browser`)
 *
 * `--no-tsc` skips the tsc step (when dist/ already has fresh ESM output);
 * `--browser-only --out DIR` builds only the browser module, into DIR (the
 * browser tests use it, leaving dist/ alone); `--keep-names` adds esbuild's
 * keepNames to it, only to measure what that costs (bench/browser.ts).
 */
/* global process, console */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, "dist");
const require = createRequire(import.meta.url);
const started = Date.now();

function fail(msg) {
  console.error(`matgrad build: ${msg}`);
  process.exit(1);
}

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  fail("esbuild is not installed (it is a devDependency: run `npm install` in the repository first)");
}

const argv = process.argv.slice(2);
const browserOnly = argv.includes("--browser-only");
const outArg = argv.indexOf("--out");
const keepNames = argv.includes("--keep-names");
if (keepNames && (!browserOnly || outArg < 0)) fail("--keep-names is for comparisons: use it with --browser-only --out DIR");
if (outArg >= 0 && !argv[outArg + 1]) fail("--out needs a directory");

if (browserOnly) {
  const dir = outArg >= 0 ? argv[outArg + 1] : join(dist, "browser");
  const bytes = await buildBrowser(dir, keepNames);
  console.log(`matgrad build: ${dir}/matgrad.js ${(bytes / 1024).toFixed(0)} KiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(0);
}

if (!argv.includes("--no-tsc")) {
  rmSync(dist, { recursive: true, force: true });
  const tsc = require.resolve("typescript/bin/tsc");
  // --noCheck: emit only (half the time); `npm run typecheck` (in `npm test`)
  // checks the same program, and the emitted files are identical
  const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--noCheck"], { stdio: "inherit" });
  if (r.status !== 0) fail(`tsc -p tsconfig.build.json --noCheck failed (exit ${r.status ?? r.signal})`);
}

// CommonJS: one bundled file. import.meta.url (used to find the optional native
// addon, ../../../native/build/... from dist/kernels/native/) has no CJS
// equivalent, so it is defined as the URL that module would have had.
const cjsDir = join(dist, "cjs");
rmSync(cjsDir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [join(root, "src/index.ts")],
  outfile: join(cjsDir, "index.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: true,
  define: { "import.meta.url": "__matgradModuleUrl" },
  banner: {
    js: '"use strict";\nconst __matgradModuleUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, "../kernels/native/index.js")).href;',
  },
  logLevel: "warning",
});
writeFileSync(join(cjsDir, "package.json"), '{ "type": "commonjs" }\n');
// the declarations, read as CommonJS declarations under dist/cjs
const copyDecl = (from, to) => {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (src === cjsDir || src === join(dist, "browser")) continue;
    if (statSync(src).isDirectory()) copyDecl(src, join(to, name));
    else if (name.endsWith(".d.ts")) {
      mkdirSync(to, { recursive: true });
      cpSync(src, join(to, name));
    }
  }
};
if (!existsSync(join(dist, "index.d.ts"))) fail("dist/index.d.ts is missing (run without --no-tsc)");
copyDecl(dist, cjsDir);

const bytes = await buildBrowser(join(dist, "browser"));
console.log(
  `matgrad build: ${relative(root, dist)}/ (ESM + declarations, cjs/index.cjs, browser/matgrad.js ${(bytes / 1024).toFixed(0)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

/**
 * The browser module: one minified ES module with its source map, for the
 * browser platform (a Node built-in import would fail the build; the Node-only
 * code paths reach Node through process.getBuiltinModule at run time).
 * Returns the file's size in bytes.
 */
async function buildBrowser(browserDir, withKeepNames = false) {
  rmSync(browserDir, { recursive: true, force: true });
  const res = await esbuild.build({
    entryPoints: [join(root, "src/index.ts")],
    outfile: join(browserDir, "matgrad.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    // no keepNames: it would wrap every named function and class in
    // `__name(fn, "name")`, an Object.defineProperty each time a closure is
    // created (per call in dispatch, rules, einsum, vmap). The names users
    // see are stated in the sources instead: every public class (Tensor,
    // ShapeError, …) defines its `name` in a static block (see src/errors.ts)
    keepNames: withKeepNames,
    sourcemap: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  const bytes = statSync(join(browserDir, "matgrad.js")).size;
  const nodeImports = Object.values(res.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.path.startsWith("node:")));
  if (nodeImports.length > 0) fail(`the browser module imports Node built-ins: ${nodeImports.map((x) => x.path).join(", ")}`);
  return bytes;
}
