/**
 * The recipes of docs/browser.md, taken from the document and run: the plain
 * page with an import map (served from 127.0.0.1: the browser module from
 * `node_modules/matgrad/dist/browser/`; opened from file:// it must fail with
 * the CORS error the document explains), and the same `main.js` bundled by
 * Vite, esbuild and webpack with the document's configurations, each served
 * cross-origin isolated and loaded in headless Chromium, where the gradient
 * must be right and worker threads must have run chunks (workers started from
 * inside a bundle). The app's node_modules links the repository (its dist/,
 * rebuilt first when older than src/) and the bundlers installed here.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bodyText, launchChromium, serve } from "./harness.js";

const root = resolve(__dirname, "../..");
const doc = readFileSync(join(root, "docs/browser.md"), "utf8");

/** The doc's fenced blocks of a language; `js` blocks are keyed by their first-line comment (`// main.js`). */
function blocks(lang: string): string[] {
  return [...doc.matchAll(new RegExp("^```" + lang + "\\s*\\n([\\s\\S]*?)^```", "gm"))].map((m) => m[1] ?? "");
}
function jsFile(name: string): string {
  const b = blocks("js").find((c) => c.startsWith(`// ${name}`));
  if (b === undefined) throw new Error(`docs/browser.md has no js block starting with "// ${name}"`);
  return b;
}

function run(args: string[], cwd: string, timeout = 180_000): void {
  const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8", timeout });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** dist/ as the package ships it (npm ci's prepare builds it; rebuilt here when src/ is newer). */
function ensureDist(): void {
  let built = 0;
  try {
    built = statSync(join(root, "dist/browser/matgrad.js")).mtimeMs;
  } catch {
    built = 0;
  }
  if (built < newest(join(root, "src")) || built < statSync(join(root, "scripts/build.mjs")).mtimeMs)
    run([join(root, "scripts/build.mjs")], root, 240_000);
}

let tmp = "";
let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
const servers: { close(): Promise<void> }[] = [];

const MAIN_HTML = (src: string, module: boolean) =>
  `<!doctype html><html><head><meta charset="utf-8"></head><body>loading<script ${module ? 'type="module" ' : ""}src="${src}"></script></body></html>`;

beforeAll(async () => {
  ensureDist();
  tmp = mkdtempSync(join(tmpdir(), "matgrad-bundlers-"));
  const nm = join(tmp, "node_modules");
  mkdirSync(nm);
  symlinkSync(root, join(nm, "matgrad"), "dir");
  for (const dep of ["esbuild", "vite", "webpack"]) symlinkSync(join(root, "node_modules", dep), join(nm, dep), "dir");
  writeFileSync(join(tmp, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  writeFileSync(join(tmp, "main.js"), jsFile("main.js"));
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const GRADIENT = /gradient 158, 274, 266, 482; /;

async function expectThreads(dir: string, page: string): Promise<void> {
  const s = await serve({}, { "/": dir }, { isolateAll: true });
  servers.push(s);
  if (browser === null) throw new Error("no browser");
  const text = await bodyText(browser.context, `${s.origin}/${page}`, /chunks run by workers|not cross-origin|Error/);
  expect(text).toMatch(GRADIENT);
  const m = /(\d+) threads, (\d+) chunks run by workers/.exec(text);
  expect(m, text).not.toBeNull();
  expect(Number(m?.[1])).toBe(2);
  expect(Number(m?.[2])).toBeGreaterThan(0);
}

describe("docs/browser.md recipes in headless Chromium", { timeout: 180_000 }, () => {
  it("the plain page with an import map, served over http", async () => {
    const html = blocks("html")[0];
    expect(html).toContain('"matgrad": "./node_modules/matgrad/dist/browser/matgrad.js"');
    const s = await serve({ "/index.html": html ?? "" }, { "/node_modules/matgrad/": root });
    servers.push(s);
    if (browser === null) throw new Error("no browser");
    const text = await bodyText(browser.context, `${s.origin}/index.html`, /det /);
    expect(text).toContain("gradient 158, 274, 266, 482; det -2.000000");
  });

  it("the same page opened from file:// does not load matgrad (the CORS error the doc explains)", async () => {
    const dir = join(tmp, "file-page");
    mkdirSync(join(dir, "node_modules/matgrad/dist"), { recursive: true });
    symlinkSync(join(root, "dist/browser"), join(dir, "node_modules/matgrad/dist/browser"), "dir");
    writeFileSync(join(dir, "index.html"), blocks("html")[0] ?? "");
    if (browser === null) throw new Error("no browser");
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    try {
      await page.goto(`file://${join(dir, "index.html")}`);
      await page.waitForTimeout(1500);
      expect(await page.evaluate(() => document.body.textContent ?? "")).toContain("computing…");
      expect(errors.join("\n")).toMatch(/origin 'null' has been blocked by CORS policy/);
    } finally {
      await page.close();
    }
  });

  it("Vite: vite build with the doc's vite.config.js; threads run in the isolated page", async () => {
    const app = join(tmp, "vite");
    mkdirSync(app);
    writeFileSync(join(app, "vite.config.js"), jsFile("vite.config.js"));
    writeFileSync(join(app, "main.js"), jsFile("main.js"));
    writeFileSync(join(app, "index.html"), MAIN_HTML("./main.js", true));
    run([join(root, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], app);
    await expectThreads(join(app, "dist"), "index.html");
  });

  it("esbuild: the doc's build.mjs", async () => {
    writeFileSync(join(tmp, "build.mjs"), jsFile("build.mjs"));
    writeFileSync(join(tmp, "esbuild.html"), MAIN_HTML("dist/main.js", true));
    run(["build.mjs"], tmp);
    await expectThreads(tmp, "esbuild.html");
  });

  it("webpack: the doc's webpack.config.mjs (through webpack's API, as webpack-cli would)", async () => {
    const app = join(tmp, "webpack");
    mkdirSync(app);
    writeFileSync(join(app, "webpack.config.mjs"), jsFile("webpack.config.mjs"));
    writeFileSync(join(app, "main.js"), jsFile("main.js"));
    writeFileSync(join(app, "index.html"), MAIN_HTML("dist/main.js", false));
    symlinkSync(join(tmp, "node_modules"), join(app, "node_modules"), "dir");
    writeFileSync(join(app, "pack.mjs"), `
import webpack from "webpack";
import config from "./webpack.config.mjs";
webpack(config, (err, stats) => {
  if (err) { console.error(err); process.exit(1); }
  const info = stats.toJson({ all: false, errors: true, warnings: true });
  if (stats.hasErrors() || stats.hasWarnings()) {
    console.error(JSON.stringify([...info.errors, ...info.warnings].map((e) => e.message), null, 1));
    process.exit(1);
  }
});
`);
    run(["pack.mjs"], app);
    await expectThreads(app, "index.html");
  });
});
