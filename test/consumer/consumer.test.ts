/**
 * The package as a user gets it. `npm pack` (which runs `prepare`: the build)
 * makes the tarball; a scratch app in a temporary folder installs it and
 *   - imports it from ESM and requires it from CommonJS, and computes with it;
 *   - type-checks every file of test/consumer/app/ (.ts, .cts) with the
 *     tsconfig that `tsc --init` writes (strict, noUncheckedIndexedAccess,
 *     exactOptionalPropertyTypes, module nodenext, verbatimModuleSyntax) and
 *     without skipLibCheck, so the shipped declarations are checked too;
 * and a second app installs a clean `git clone` of the repository as a folder
 * (`npm install --install-links <dir>`: npm packs it, which runs `prepare`,
 * the path of a git install) — its node_modules is the repository's, linked,
 * so nothing is downloaded. In CI (CI set) or with MATGRAD_TEST_GIT_URL=1 a
 * third app installs from a git+file: URL of the repository's HEAD, exactly as
 * `npm install github:…` does: npm clones it, installs every devDependency in
 * the clone from its cache (--prefer-offline) and runs `prepare` (1–2 minutes).
 * MATGRAD_CONSUMER_REF=<git ref> tests that committed tree instead of the
 * working tree. Needs no network: matgrad has no dependencies.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");
const appSrc = join(root, "test/consumer/app");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const quietNpm = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];

let tmp = "";

/**
 * The environment of a user's shell: without the npm_* variables that `npm test`
 * exports to its scripts (npm_config_local_prefix, npm_package_json, … name
 * this repository and must not leak into the scratch apps' npm commands).
 */
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== "INIT_CWD"),
);

function run(cmd: string, args: string[], cwd: string, timeout = 120_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...userEnv, npm_config_update_notifier: "false" } });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A scratch app: package.json, the files of test/consumer/app/, the tsconfig of `tsc --init`. */
function scratchApp(name: string): string {
  const dir = join(tmp, name);
  cpSync(appSrc, dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }, null, 2));
  run(process.execPath, [tsc, "--init"], dir);
  return dir;
}

const ESM = `
import { tensor, grad, linalg, backend } from "matgrad";
import * as browser from "matgrad/browser";
const energy = (A) => { const B = A.matmul(A); return B.mT.matmul(B).trace(); };
const g = grad(energy)(tensor([[1, 2], [3, 4]]));
console.log(JSON.stringify({ g: Array.from(g.toArray()), det: linalg.det(tensor([[1, 2], [3, 4]])).item(),
  backend: backend().name, browserDet: browser.linalg.det(browser.tensor([[1, 2], [3, 4]])).item() }));
`;
const CJS = `
const { tensor, grad, linalg, ShapeError } = require("matgrad");
const energy = (A) => { const B = A.matmul(A); return B.mT.matmul(B).trace(); };
const g = grad(energy)(tensor([[1, 2], [3, 4]]));
let err = null;
try { tensor([1, 2]).matmul(tensor([1, 2, 3])); } catch (e) { err = e instanceof ShapeError ? e.op : String(e); }
console.log(JSON.stringify({ g: Array.from(g.toArray()), det: linalg.det(tensor([[1, 2], [3, 4]])).item(), err }));
`;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "matgrad-consumer-"));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function checkApp(dir: string): void {
  writeFileSync(join(dir, "esm.mjs"), ESM);
  writeFileSync(join(dir, "cjs.cjs"), CJS);
  const esm = JSON.parse(run(process.execPath, ["esm.mjs"], dir)) as { g: number[]; det: number; backend: string; browserDet: number };
  expect(esm.g).toEqual([158, 274, 266, 482]);
  expect(esm.det).toBeCloseTo(-2, 12);
  expect(esm.browserDet).toBeCloseTo(-2, 12);
  const cjs = JSON.parse(run(process.execPath, ["cjs.cjs"], dir)) as { g: number[]; det: number; err: string };
  expect(cjs.g).toEqual([158, 274, 266, 482]);
  expect(cjs.det).toBeCloseTo(-2, 12);
  expect(cjs.err).toBe("matmul");
}

/**
 * A clean checkout of the working tree: the files git tracks or would track
 * (`git ls-files -co --exclude-standard`: no node_modules, no dist/), as a
 * `git clone` of the committed tree has them; its node_modules is the
 * repository's, linked (prepare needs tsc and esbuild).
 */
function cleanCheckout(dir: string): void {
  const ref = process.env.MATGRAD_CONSUMER_REF;
  if (ref) {
    // a committed tree instead (e.g. HEAD, while the working tree is mid-edit)
    execFileSync("sh", ["-c", `mkdir -p "${dir}" && git archive "${ref}" | tar -x -C "${dir}"`], { cwd: root });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    return;
  }
  const files = run("git", ["ls-files", "-co", "--exclude-standard", "-z"], root).split("\0").filter((f) => f !== "");
  for (const f of files) if (existsSync(join(root, f))) cpSync(join(root, f), join(dir, f), { recursive: false });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
}

describe("the package from outside the repository", () => {
  const checkout = () => join(tmp, "checkout");

  it("installs from a clean checkout as a folder (npm runs prepare: dist/ is built)", () => {
    cleanCheckout(checkout());
    expect(existsSync(join(checkout(), "dist"))).toBe(false);
    const app = scratchApp("app-folder");
    run(npm, ["install", ...quietNpm, "--install-links", checkout()], app, 300_000);
    expect(existsSync(join(app, "node_modules/matgrad/dist/cjs/index.cjs"))).toBe(true);
    checkApp(app);
  }, 400_000);

  it("npm pack → install the tarball → ESM, CommonJS and strict TypeScript all work", () => {
    // dist/ of the checkout was built by prepare in the test above
    if (!existsSync(join(checkout(), "dist/index.js"))) run(process.execPath, ["scripts/build.mjs"], checkout(), 240_000);
    run(npm, ["pack", "--ignore-scripts", "--pack-destination", tmp, ...quietNpm], checkout());
    const tgz = readdirSync(tmp).find((f) => /^matgrad-.*\.tgz$/.test(f));
    expect(tgz, "npm pack made no tarball").toBeDefined();
    const tarball = join(tmp, tgz ?? "");
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    for (const f of ["dist/index.js", "dist/index.d.ts", "dist/cjs/index.cjs", "dist/cjs/index.d.ts", "dist/cjs/package.json",
      "dist/browser/matgrad.js", "dist/browser/matgrad.js.map", "LICENSE", "README.md", "CHANGELOG.md", "native/build.mjs"])
      expect(listing, f).toContain(`package/${f}`);
    expect(listing.filter((f) => /^package\/(src|test|scripts|node_modules)\//.test(f))).toEqual([]);

    const app = scratchApp("app-tarball");
    run(npm, ["install", ...quietNpm, tarball], app);
    checkApp(app);
    // every .ts / .cts file of the app folder, strictly, the package's declarations included
    run(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit", "--skipLibCheck", "false"], app);
  }, 300_000);

  it.runIf(process.env.CI || process.env.MATGRAD_TEST_GIT_URL)("installs from a git URL (git+file: of the repository's HEAD), as `npm install github:…` does", () => {
    const app = scratchApp("app-git");
    run(npm, ["install", ...quietNpm, `git+file://${root}`], app, 600_000);
    checkApp(app);
  }, 600_000);
});
