#!/usr/bin/env node
/**
 * Build the optional native backend (native/build/Release/matgrad_native.node)
 * when a system OpenBLAS is present; otherwise say so in one line and exit 0.
 *
 *   npm run build:native           build (or explain why not); exit 1 only if a
 *                                  build was attempted and failed
 *   node native/build.mjs --quiet  one line at most, and never fails (for setup
 *                                  scripts; matgrad has no postinstall: the build
 *                                  is opt-in)
 *
 * MATGRAD_NO_NATIVE=1 skips the build. Detection: cblas.h in MATGRAD_CBLAS_INCLUDE or the usual include directories
 * (Debian multiarch, /usr/include/openblas, /usr/local, Homebrew), and
 * libopenblas in MATGRAD_BLAS_LIBDIR or the usual library directories.
 * The build uses node-gyp (npm's bundled copy, or the one npm names in
 * npm_config_node_gyp) against the running Node's headers when they are installed
 * next to it, then loads the result and checks a 2×2 product.
 */
/* global process, console */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { arch, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const quiet = process.argv.includes("--quiet");
const tag = "matgrad native backend:";
const say = (msg) => console.log(`${tag} ${msg}`);
if (quiet) {
  // quiet mode: whatever happens, the caller (CI, a setup script) goes on
  process.on("uncaughtException", (e) => {
    say(`not built (${e.message}); the WASM backend will be used`);
    process.exit(0);
  });
}

function finish(ok, msg, detail) {
  if (ok) {
    say(msg);
    process.exit(0);
  }
  if (quiet) {
    say(`${msg} (the WASM backend will be used; run \`npm run build:native\` for details)`);
    process.exit(0);
  }
  if (detail) console.error(detail);
  say(msg);
  process.exit(1);
}

const multiarch = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu", ppc64: "powerpc64le-linux-gnu", s390x: "s390x-linux-gnu" }[arch()];
const env = process.env;
const includeDirs = [
  env.MATGRAD_CBLAS_INCLUDE,
  multiarch && `/usr/include/${multiarch}`,
  "/usr/include/openblas",
  "/usr/include",
  "/usr/local/include",
  "/usr/local/include/openblas",
  "/opt/homebrew/opt/openblas/include",
  "/usr/local/opt/openblas/include",
].filter(Boolean);
const libDirs = [
  env.MATGRAD_BLAS_LIBDIR,
  multiarch && `/usr/lib/${multiarch}`,
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/lib",
  "/opt/homebrew/opt/openblas/lib",
  "/usr/local/opt/openblas/lib",
].filter(Boolean);
const libNames = platform() === "darwin" ? ["libopenblas.dylib"] : ["libopenblas.so"];

if (env.MATGRAD_NO_NATIVE) finish(true, "not built (MATGRAD_NO_NATIVE is set); the WASM backend is used");
const include = includeDirs.find((d) => existsSync(join(d, "cblas.h")));
const libDir = libDirs.find((d) => libNames.some((n) => existsSync(join(d, n))));
if (platform() === "win32") finish(true, "not built (Windows builds are not supported; the WASM backend is used)");
if (!include || !libDir) {
  const missing = [!include && "cblas.h", !libDir && "libopenblas"].filter(Boolean).join(" and ");
  finish(true, `not built: no ${missing} found (install OpenBLAS, e.g. \`apt-get install libopenblas-dev\`, then \`npm run build:native\`); the WASM backend is used`);
}

// node-gyp: the one npm points at while running scripts, else npm's bundled copy
const prefix = dirname(dirname(process.execPath));
const gypCandidates = [
  env.npm_config_node_gyp,
  join(prefix, "lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
  join(prefix, "node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
].filter(Boolean);
const gyp = gypCandidates.find((p) => existsSync(p));
if (!gyp) finish(false, "not built: node-gyp not found (it ships with npm; set npm_config_node_gyp to its node-gyp.js)");

const args = [gyp, "rebuild", "--directory", here];
// build against the installed headers of this Node when present (no download)
if (existsSync(join(prefix, "include/node/node_api.h")) && existsSync(join(prefix, "include/node/common.gypi")))
  args.push(`--nodedir=${prefix}`);
const isStd = (d) => d === "/usr/include" || (multiarch && d === `/usr/include/${multiarch}`);
const r = spawnSync(process.execPath, args, {
  cwd: here,
  env: {
    ...env,
    MATGRAD_CBLAS_INCLUDE: isStd(include) ? "" : include,
    MATGRAD_BLAS_LIBDIR: libDir === `/usr/lib/${multiarch}` || libDir === "/usr/lib" ? "" : libDir,
  },
  encoding: "utf8",
  timeout: 180_000,
  stdio: quiet ? "pipe" : ["ignore", "pipe", "pipe"],
});
const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
if (r.status !== 0) finish(false, `build failed (${r.error ? r.error.message : `node-gyp exited with ${r.status}`})`, out);

// load it and check one product, in a child process (a crash there must not
// take the installation down with it)
const file = join(here, "build/Release/matgrad_native.node");
const check = `
const a = require(${JSON.stringify(file)});
const C = new Float64Array(4);
a.dgemm(false, false, 2, 2, 2, 1, Float64Array.of(1, 2, 3, 4), 0, 2, Float64Array.of(5, 6, 7, 8), 0, 2, 0, C, 0, 2);
if (C.join() !== "19,22,43,50") throw new Error("2×2 check gave " + C.join());
const i = a.info();
console.log(JSON.stringify({ version: (i.config.match(/OpenBLAS\\s+(\\S+)/) || [])[1] || "?", core: i.corename, parallel: i.parallel }));
`;
const c = spawnSync(process.execPath, ["-e", check], { encoding: "utf8", timeout: 60_000 });
if (c.status !== 0) finish(false, `built, but loading failed: ${(c.stderr.split("\n").find((l) => /Error/.test(l)) || c.stderr.trim().split("\n")[0] || String(c.error ?? c.signal)).trim()}`, out);
const info = JSON.parse(c.stdout);
finish(true, `built native/build/Release/matgrad_native.node (OpenBLAS ${info.version}, ${info.core} kernels, ${info.parallel}; cblas.h from ${include})`);
