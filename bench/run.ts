/**
 * `npm run bench`: every benchmark suite in one process, so that ratios
 * against peers are measured under the same conditions. Pass suite names
 * to run a subset: `npm run bench -- core linalg`.
 *
 * The TypeScript runs through bench/ts-register.mjs (esbuild without
 * keepNames, see bench/ts-hooks.mjs), i.e. as the tsc-built dist/ runs; tsx
 * would wrap every per-call closure in `__name(…)` and time that instead.
 * One suite file on its own: `node --import ./bench/ts-register.mjs bench/einsum.ts`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const suites: [name: string, file: string, fn: string][] = [
  ["core", "core.ts", "runCore"],
  ["gemm", "gemm.ts", "runGemm"],
  ["transforms", "transforms.ts", "runTransforms"],
  ["linalg", "linalg.ts", "runLinalg"],
  ["implicit", "implicit.ts", "runImplicit"],
  ["custom", "custom.ts", "runCustom"],
  ["optim", "optim.ts", "runOptim"],
  ["einsum", "einsum.ts", "runEinsum"],
  ["indexing", "indexing.ts", "runIndexing"],
  ["scan", "scan.ts", "runScan"],
  ["sort", "sort.ts", "runSort"],
  ["vmap", "vmap.ts", "runVmap"],
  ["browser", "browser.ts", "runBrowser"],
];
const wanted = process.argv.slice(2);
for (const [name, file, fn] of suites) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const path = join(here, file);
  if (!existsSync(path)) continue;
  const mod = await import(path);
  if (typeof mod[fn] !== "function") {
    console.log(`(bench/${file} has no export ${fn}; skipped)`);
    continue;
  }
  console.log(`\n=== ${name} ===`);
  await mod[fn]();
}
