/**
 * Shared by the browser tests: a tiny static HTTP server on 127.0.0.1 (pages
 * under /iso/ are sent with COOP/COEP, so they are cross-origin isolated; the
 * others are not) and headless Chromium driven by playwright-core.
 *
 * Chromium is Debian's package (/usr/bin/chromium, or MATGRAD_CHROMIUM);
 * .ci/run installs it when it is missing. Without it the tests fail with a
 * message that says how to install it — they never skip silently.
 */
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.MATGRAD_CHROMIUM ?? "/usr/bin/chromium";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".css": "text/css",
};

/**
 * Serve `files` (URL path → content) and the folders in `dirs` (URL prefix →
 * folder); with COOP/COEP under /iso/ (the prefix is dropped), or everywhere
 * with `isolateAll`.
 */
export async function serve(
  files: Record<string, string>,
  dirs: Record<string, string> = {},
  opts: { isolateAll?: boolean } = {},
): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let path = url.pathname;
    const isolated = opts.isolateAll === true || path.startsWith("/iso/");
    if (path.startsWith("/iso/")) path = path.slice(4);
    if (path.endsWith("/")) path += "index.html";
    const headers: Record<string, string> = { "cache-control": "no-store" };
    if (isolated) {
      headers["cross-origin-opener-policy"] = "same-origin";
      headers["cross-origin-embedder-policy"] = "require-corp";
    }
    let body: string | Buffer | undefined = files[path];
    if (body === undefined) {
      for (const [prefix, dir] of Object.entries(dirs)) {
        if (!path.startsWith(prefix)) continue;
        const file = normalize(join(dir, path.slice(prefix.length)));
        if (file.startsWith(dir) && existsSync(file) && statSync(file).isFile()) body = readFileSync(file);
      }
    }
    if (body === undefined) {
      res.writeHead(404, headers).end("not found");
      return;
    }
    res.writeHead(200, { ...headers, "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no server address");
  return {
    origin: `http://127.0.0.1:${addr.port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Headless Chromium with a fresh profile; throws, saying how to install it, when it is missing. */
export async function launchChromium(executable = CHROMIUM): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(executable))
    throw new Error(
      `headless Chromium is needed for the browser tests and ${executable} does not exist: ` +
        "install Debian's package (as root: apt-get update && apt-get install -y chromium; .ci/run does this) " +
        "or point MATGRAD_CHROMIUM at a Chromium binary",
    );
  const profile = mkdtempSync(join(tmpdir(), "matgrad-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page whose module script sets `window.__result` (or throws): load it and return the result. */
export async function runPage(context: BrowserContext, url: string, timeout = 30_000): Promise<{ result: unknown; logs: string[] }> {
  const page: Page = await context.newPage();
  const logs: string[] = [];
  const errors: string[] = [];
  page.on("console", (m) => logs.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    const res = await page.goto(url);
    if (res === null || !res.ok()) throw new Error(`${url}: HTTP ${res?.status() ?? "no response"}`);
    await page.waitForFunction(() => "__result" in window || "__error" in window, undefined, { timeout }).catch(() => {
      throw new Error(`${url}: no result after ${timeout} ms; page errors: ${errors.join(" | ") || "none"}; console: ${logs.join(" | ")}`);
    });
    const out = await page.evaluate(() => {
      const w = window as unknown as { __result?: unknown; __error?: string };
      return { result: w.__result, error: w.__error };
    });
    if (out.error !== undefined) throw new Error(`${url}: ${out.error}`);
    return { result: out.result, logs };
  } finally {
    await page.close();
  }
}

/**
 * An HTML page with an import map for "matgrad" and a module script running
 * `body` (an async function body); its return value becomes `window.__result`,
 * a throw becomes `window.__error`; console.assert throws, as in the doc tests.
 */
export function page(body: string, matgradUrl = "/matgrad.js"): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>matgrad test</title>
<script type="importmap">{ "imports": { "matgrad": "${matgradUrl}" } }</script>
</head><body>
<script type="module">
console.assert = (cond, ...msg) => { if (!cond) throw new Error("console.assert failed" + (msg.length ? ": " + msg.join(" ") : "")); };
const run = async () => {
${body}
};
run().then((r) => { window.__result = r === undefined ? null : r; },
           (e) => { window.__error = (e && e.stack) ? String(e.stack) : String(e); });
</script>
</body></html>
`;
}

/** Load `url` and wait until the body's text matches `re`; returns the text. */
export async function bodyText(context: BrowserContext, url: string, re: RegExp, timeout = 30_000): Promise<string> {
  const page: Page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !/favicon/.test(m.text())) errors.push(m.text());
  });
  try {
    const res = await page.goto(url);
    if (res === null || !res.ok()) throw new Error(`${url}: HTTP ${res?.status() ?? "no response"}`);
    const deadline = Date.now() + timeout;
    for (;;) {
      const text = await page.evaluate(() => document.body?.textContent ?? "");
      if (re.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`${url}: body text ${JSON.stringify(text)} does not match ${re}; errors: ${errors.join(" | ") || "none"}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await page.close();
  }
}
