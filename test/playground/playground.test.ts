/**
 * The playground, built with Vite and driven in headless Chromium: load it,
 * run every preset, check what the panels show (value, gradient numbers,
 * gradcheck verdict and diagnosis, explain rendered by KaTeX, the graph), the
 * time limit on an endless loop, an error shown with its op and line, the
 * shareable URL — and no console errors. Screenshots go to
 * test-artifacts/playground/ (gitignored).
 *
 * Chromium: /usr/bin/chromium (Debian's package; .ci/run installs it), or
 * MATGRAD_CHROMIUM, launched by the browser tests' harness. The site is served
 * from 127.0.0.1 under a sub-path (/some/sub/path/), as a static host would.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../browser/harness.js";
import { presets } from "../../playground/src/presets.js";
import { encodeState, decodeState } from "../../playground/src/share.js";

const root = resolve(import.meta.dirname, "../..");
const dist = join(root, "playground/dist");
const artifacts = join(root, "test-artifacts/playground");

const MIME: Record<string, string> = {
  ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2", ".woff": "font/woff",
  ".ttf": "font/ttf", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png",
};

let server: Server;
let base: string;
let browser: { context: BrowserContext; close(): Promise<void> };
/** The site is mounted here, to check that its asset URLs are relative. */
const MOUNT = "/some/sub/path/";
/** Console errors and uncaught page errors, per page. */
const problems = new Map<Page, string[]>();

async function open(hash: string, query = ""): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  const list: string[] = [];
  problems.set(page, list);
  page.on("console", (m) => {
    if (m.type() === "error") list.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => list.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/${query}#${hash}`);
  return page;
}

/** Waits until the run ends (done or timeout) and returns the status text (generous: npm test runs other suites beside this one on 2 cores). */
async function finished(page: Page, timeout = 60_000): Promise<string> {
  await page.waitForSelector('[data-testid=status][data-state="done"], [data-testid=status][data-state="timeout"]', { timeout });
  return (await page.textContent("[data-testid=status]")) ?? "";
}

const texts = (page: Page, selector: string): Promise<string[]> => page.locator(selector).allTextContents();

beforeAll(async () => {
  execFileSync(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build", "playground", "--logLevel", "warn"], { cwd: root, stdio: "pipe" });
  mkdirSync(artifacts, { recursive: true });
  server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (!url.startsWith(MOUNT)) {
      res.writeHead(404).end();
      return;
    }
    let file = normalize(join(dist, url.slice(MOUNT.length)));
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!file.startsWith(dist) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${MOUNT.slice(0, -1)}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
});

describe("playground (built with Vite, headless Chromium)", () => {
  it("the build is static with relative asset URLs (hostable under any path)", () => {
    const html = readFileSync(join(dist, "index.html"), "utf8");
    expect(html).toMatch(/src="\.\/assets\/index-[\w-]+\.js"/);
    expect(html).not.toMatch(/(src|href)="\/assets/);
  });

  it("shares state through the URL hash: preset alone, or preset + compressed code", async () => {
    expect(await encodeState("energy", presets[0].code, presets[0].code)).toBe("preset=energy");
    const h = await encodeState("energy", "export const f = 1; // ∂", presets[0].code);
    expect(h).toMatch(/^preset=energy&code=[\w-]+$/);
    expect(await decodeState(`#${h}`)).toEqual({ preset: "energy", code: "export const f = 1; // ∂" });
  });

  it("energy preset: value, gradient 2·(Y·Xᵀ + Xᵀ·Y), Hessian, explain in KaTeX, gradcheck passes, graph", async () => {
    const page = await open("preset=energy");
    expect(await finished(page)).toMatch(/^done in \d+ ms$/);
    // tr((XX)ᵀ(XX)) at [[1, 2], [3, 4]]: XX = [[7, 10], [15, 22]], sum of squares = 858
    expect(await texts(page, "[data-testid=panel-value] .body > .tensor:first-child [data-testid=number]")).toEqual(["858"]);
    expect(await texts(page, "[data-testid=panel-gradient] .tensor [data-testid=number]")).toEqual(["158", "274", "266", "482"]);
    expect(await page.locator("[data-testid=panel-jacobian] h2").textContent()).toBe("Hessian");
    expect(await page.locator("[data-testid=panel-jacobian] svg.heatmap rect").count()).toBe(16);
    expect(await page.locator("[data-testid=gradcheck-verdict]").textContent()).toBe("PASSED");
    await page.waitForSelector("[data-testid=explain-math] .katex");
    expect(await page.locator("[data-testid=explain-verified]").textContent()).toBe("verified against autodiff");
    expect(await page.locator("[data-testid=explain-text]").textContent()).toMatch(/Y·Xᵀ/);
    expect(await page.locator("[data-testid=graph-node]").count()).toBe(6);
    expect(await page.locator("[data-testid=graph-dot]").textContent()).toContain('n1 [label="matmul\\n[2, 2]"');
    await page.screenshot({ path: join(artifacts, "energy.png"), fullPage: true });
    expect(problems.get(page)).toEqual([]);
    await page.close();
  }, 90_000);

  it("runs every preset from the picker; the wrong backward fails gradcheck with its diagnosis highlighted", async () => {
    const page = await open("preset=energy");
    await finished(page);
    for (const p of presets) {
      await page.selectOption("[data-testid=preset]", p.id);
      await page.waitForFunction((id) => location.hash === `#preset=${id}`, p.id);
      const status = await finished(page);
      expect(status, p.id).toMatch(/^done in \d+ ms$/);
      expect(await page.locator("[data-testid=code-error]").isHidden(), p.id).toBe(true);
      expect(await page.locator("[data-testid=panel-value] [data-testid=number]").count(), p.id).toBeGreaterThan(0);
      expect(await page.locator("[data-testid=panel-gradient] [data-testid=number]").count(), p.id).toBeGreaterThan(0);
      expect(await page.locator("[data-testid=graph-node]").count(), p.id).toBeGreaterThan(1);
      await page.waitForSelector("[data-testid=explain-math] .katex", { timeout: 5000 });
      const verdict = await page.locator("[data-testid=gradcheck-verdict]").textContent();
      if (p.id === "wrong-backward") {
        expect(verdict).toBe("FAILED");
        const diagnosis = (await texts(page, "[data-testid=gradcheck-diagnosis] li")).join("\n");
        expect(diagnosis).toContain("elementwise product");
        expect(diagnosis).toContain("G·Xᵀ + Xᵀ·G");
        expect(await page.locator("[data-testid=graph-dot]").textContent()).toContain('label="square\\n[3, 3]"');
        // the Jacobian panel puts the central-difference Jacobian beside autodiff's
        expect(await page.locator("[data-testid=jacobian-numeric] svg.heatmap rect").count()).toBe(81);
        expect(await page.locator("[data-testid=panel-jacobian] .mismatch").textContent()).toMatch(/^autodiff and central differences differ by up to /);
        // and the gradient panel the central-difference gradient of sum(f): G = 1 gives Xᵀ·1 + 1·Xᵀ, column sums + row sums
        const numeric = (await texts(page, "[data-testid=gradient-numeric] [data-testid=number]")).map((v) => Number(v.replace("−", "-")));
        const X = [[0.5, -1.2, 0.3], [0.8, 0.1, -0.7], [1.1, 0.4, 0.9]];
        const expected = X.flatMap((row, i) => row.map((_, j) => X[j]!.reduce((s, v) => s + v, 0) + X.reduce((s, r) => s + r[i]!, 0)));
        numeric.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 3));
      } else {
        expect(verdict, p.id).toBe("PASSED");
        expect(await page.locator("[data-testid=jacobian-numeric]").count(), p.id).toBe(0);
        expect(await page.locator("[data-testid=gradient-numeric]").count(), p.id).toBe(0);
      }
      await page.screenshot({ path: join(artifacts, `${p.id}.png`), fullPage: true });
    }
    // the presets' known values
    await page.selectOption("[data-testid=preset]", "logdet");
    await finished(page);
    expect(Number(await page.locator("[data-testid=panel-value] .scalar").first().textContent())).toBeCloseTo(Math.log(16), 4);
    await page.selectOption("[data-testid=preset]", "implicit");
    await finished(page);
    // X·X + X = Y at Y = [[2.02, 0.6], [0.3, 2.02]] is solved by X = [[1, 0.2], [0.1, 1]]
    expect((await texts(page, "[data-testid=panel-value] .body > .tensor:first-child [data-testid=number]")).slice(0, 4)).toEqual(["1", "0.2", "0.1", "1"]);
    expect(problems.get(page)).toEqual([]);
    await page.close();
  }, 180_000);

  it("stops an endless loop at the time limit and keeps the page responsive", async () => {
    const hash = await encodeState("energy", `import { tensor } from "matgrad";\nexport const args = [tensor([1])];\nexport function f(x) { while (true) {} }\n`, presets[0].code);
    const page = await open(hash, "?timeout=2000");
    expect(await finished(page)).toBe("stopped after 2 s");
    expect(await page.locator("[data-testid=code-error]").textContent()).toContain("ran for more than 2 s and its worker was stopped");
    // the page still works: the next run gets a fresh worker
    await page.selectOption("[data-testid=preset]", "logdet");
    expect(await finished(page)).toMatch(/^done/);
    expect(await page.locator("[data-testid=gradcheck-verdict]").textContent()).toBe("PASSED");
    await page.screenshot({ path: join(artifacts, "timeout.png") });
    expect(problems.get(page)).toEqual([]);
    await page.close();
  }, 90_000);

  it("shows an error raised while computing one panel (a custom backward returning the wrong shape) in that panel, with its op", async () => {
    const code = [
      `import { customVjp, tensor } from "matgrad";`,
      `const square = customVjp((X) => X.matmul(X), {`,
      `  bwd: ([X], G) => [G.sum()],`,
      `}, { name: "square" });`,
      `export const f = (X) => square(X).sum();`,
      `export const args = [tensor([[1, 2], [3, 4]])];`,
    ].join("\n");
    const page = await open(await encodeState("energy", code, presets[0].code));
    // the gradient, Hessian, explain and gradcheck panels all need the broken VJP; value and graph do not
    expect(await finished(page)).toMatch(/^done in \d+ ms, 4 errors$/);
    expect(await page.locator("[data-testid=panel-value] .scalar").textContent()).toBe("54");
    const err = page.locator("[data-testid=panel-gradient] [data-testid=error]");
    expect(await err.locator("[data-testid=error-op]").textContent()).toBe("square");
    expect(await err.textContent()).toContain("returned a gradient of shape [] for input 0 of shape [2, 2]");
    expect(problems.get(page)).toEqual([]);
    await page.close();
  }, 90_000);

  it("shows an error inline with the op that raised it and marks the line", async () => {
    const code = `import { tensor, matmul } from "matgrad";\n\nexport const args = [tensor([[1, 2, 3], [4, 5, 6]])];\nexport function f(X) {\n  return matmul(X, X);\n}\n`;
    const page = await open(await encodeState("energy", code, presets[0].code));
    await finished(page);
    expect(await page.locator("[data-testid=error-op]").textContent()).toBe("matmul");
    const box = (await page.locator("[data-testid=code-error]").textContent()) ?? "";
    expect(box).toContain("ShapeError");
    expect(box).toContain("inner dimensions differ: a has shape [2, 3], b has shape [2, 3]");
    expect(box).toContain("(line 5");
    expect(await page.locator(".cm-error-line").textContent()).toContain("return matmul(X, X);");
    await page.screenshot({ path: join(artifacts, "error.png") });

    // a syntax error points at its line too; an import of anything but matgrad is refused
    await page.evaluate(async (h) => (location.hash = h), await encodeState("energy", "export function f(X) {\n  return X +;\n}\n", presets[0].code));
    await page.waitForFunction(() => document.querySelector("[data-testid=code-error]")?.textContent?.includes("SyntaxError"));
    expect(await page.locator("[data-testid=code-error]").textContent()).toContain("(line 2");
    await page.evaluate(async (h) => (location.hash = h), await encodeState("energy", 'import fs from "node:fs";\nexport const f = fs;\n', presets[0].code));
    await page.waitForFunction(() => document.querySelector("[data-testid=code-error]")?.textContent?.includes('only "matgrad" can be imported here, not "node:fs"'));
    expect(problems.get(page)).toEqual([]);
    await page.close();
  }, 90_000);

  it("lists a graph too large to draw as text only", async () => {
    const code = `import { tensor } from "matgrad";\nexport const args = [tensor([1, 2])];\nexport function f(x) {\n  let y = x;\n  for (let i = 0; i < 320; i++) y = y.mul(1.001);\n  return y.sum();\n}\n`;
    const page = await open(await encodeState("energy", code, presets[0].code));
    expect(await finished(page)).toMatch(/^done/);
    expect(await page.locator("[data-testid=panel-graph] .note").textContent()).toBe("322 nodes: too many to draw (at most 300); the DOT and Mermaid text are below");
    expect(await page.locator("[data-testid=graph-svg]").count()).toBe(0);
    expect(await page.locator("[data-testid=graph-dot]").textContent()).toContain("n321 [label=\"sum\\n[]\", shape=ellipse, peripheries=2];");
    expect(problems.get(page)).toEqual([]);
    await page.close();
  }, 90_000);

  it("restores edited code from a shared link", async () => {
    const code = presets[2].code.replace("[0, 1, 2]]", "[0, 1, 5]]");
    const page = await open(await encodeState("logdet", code, presets[2].code));
    await finished(page);
    expect(await page.locator("[data-testid=preset]").inputValue()).toBe("logdet");
    expect(await page.locator(".cm-content").textContent()).toContain("[0, 1, 5]]");
    // det [[4, 1, 0], [2, 3, 1], [0, 1, 5]] = 4·14 − 1·10 = 46
    expect(Number(await page.locator("[data-testid=panel-value] .scalar").first().textContent())).toBeCloseTo(Math.log(46), 4);
    // "Share link" leaves the link in the address bar (and copies it where the clipboard is allowed)
    await page.click("[data-testid=share]");
    await page.waitForFunction(() => /link/.test(document.querySelector("[data-testid=status]")?.textContent ?? ""));
    expect(await page.textContent("[data-testid=status]")).toMatch(/^(link copied|the link is in the address bar)$/);
    expect((await decodeState(new URL(page.url()).hash)).code).toBe(code);
    expect(problems.get(page)).toEqual([]);
    await page.close();
  }, 90_000);
});
