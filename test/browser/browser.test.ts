/**
 * The browser module (`matgrad/browser`, dist/browser/matgrad.js; built here
 * into a temporary folder by scripts/build.mjs --browser-only) in headless
 * Chromium, served from 127.0.0.1 as a user's plain page with an import map:
 * the README's first example, a linear-algebra gradient against its closed
 * form, a gradcheck report, worker threads in a cross-origin-isolated page
 * (COOP/COEP), and the fallback without isolation (setThreads rejects with an
 * EnvironmentError that says why; results stay right). The module is minified
 * without keepNames: error names, class names, String(tensor) and console
 * output are checked to survive it.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { transformSync } from "esbuild";
import type { BrowserContext } from "playwright-core";
import { launchChromium, page, runPage, serve } from "./harness.js";
import { tsBlocks } from "../docs/snippet-runner.js";

const root = resolve(__dirname, "../..");

/** A doc snippet as the body of the page's async function: types stripped, static imports of "matgrad" made dynamic. */
export function snippetBody(code: string): string {
  const js = transformSync(code, { loader: "ts", format: "esm", target: "es2022" }).code;
  return js.replace(/import\s*\{([^}]*)\}\s*from\s*["']matgrad["'];?/g, (_m, names: string) =>
    `const {${names.replace(/\s+as\s+/g, ": ")}} = await import("matgrad");`);
}

// a product big enough to be split over threads (m·n·k ≥ 192³), and its check
const THREADED = `
  const { tensor, matmul } = await import("matgrad");
  const n = 256;
  const a = new Float64Array(n * n).map((_, i) => Math.sin(i % 97) + (i % 13) / 7);
  const A = tensor(a).reshape([n, n]);
  const C = matmul(A, A.mT).toArray();
  // reference: one row of A·Aᵀ by plain loops
  let err = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[5 * n + k] * a[j * n + k];
    err = Math.max(err, Math.abs(s - C[5 * n + j]));
  }
`;

const pages: Record<string, string> = {
  "/readme.html": page(snippetBody(tsBlocks(readFileSync(join(root, "README.md"), "utf8"))[0]?.code ?? "throw new Error('README has no ts block')") + "\nreturn 'ok';"),
  "/linalg.html": page(`
    const { tensor, grad, linalg } = await import("matgrad");
    const A = tensor([[4, 1, 2], [0, 3, 1], [1, 2, 5]]);
    // ∂ log|det A| / ∂A = A⁻ᵀ
    const g = grad((X) => linalg.slogdet(X).logabsdet)(A);
    const expected = linalg.inv(A).mT;
    return { err: g.sub(expected).abs().max().item(), det: linalg.det(A).item() };
  `),
  "/gradcheck.html": page(`
    const { tensor, matmul, add, customVjp, gradcheck } = await import("matgrad");
    const X = tensor([[1, 2], [3, 4]]);
    const right = customVjp((A) => matmul(A, A), { bwd: ([A], G) => add(matmul(G, A.mT), matmul(A.mT, G)) });
    const wrong = customVjp((A) => matmul(A, A), { bwd: ([A], G) => G.mul(A).mul(2) });
    const good = gradcheck(right, [X], { raise: false });
    const bad = gradcheck(wrong, [X], { raise: false });
    return { good: good.ok, bad: bad.ok, report: String(bad.report ?? bad) };
  `),
  "/threads.html": page(`
    const { backend } = await import("matgrad");
    if (!crossOriginIsolated) throw new Error("the page is not cross-origin isolated");
    await backend().setThreads(2);
    ${THREADED}
    // a woken worker may find every chunk already taken by the calling thread:
    // repeat products until one has run chunks on a worker (a few suffice)
    const { randn } = await import("matgrad");
    const B = randn([384, 384], { seed: 1 });
    for (let i = 0; i < 50 && backend().status().workerChunks === 0; i++) matmul(B, B);
    const st = backend().status();
    return { isolated: crossOriginIsolated, threads: st.threads, workerChunks: st.workerChunks, threadError: st.threadError, err };
  `),
  // the names users see, through the minified bundle (built without keepNames:
  // every public class states its name; see src/errors.ts)
  "/names.html": page(`
    const m = await import("matgrad");
    const { tensor, matmul, vmap, linalg, fromJSON, gradcheck, customVjp, Generator, Tensor } = m;
    const raised = {
      ShapeError: () => matmul(tensor([[1, 2]]), tensor([[1, 2]])),
      ArgumentError: () => tensor([1, 2]).sum({ axes: [5] }),
      AutogradError: () => tensor([1, 2], { requiresGrad: true }).mul(2).backward(),
      BatchingError: () => vmap((x) => tensor(x.data))(tensor([[1, 2], [3, 4]])),
      SingularMatrixError: () => linalg.inv(tensor([[1, 2], [2, 4]])),
      NotPositiveDefiniteError: () => linalg.cholesky(tensor([[1, 2], [2, 1]])),
      DomainError: () => linalg.logm(tensor([[-1, 0], [0, 1]])),
      FormatError: () => fromJSON("{}"),
      GradcheckError: () => gradcheck(customVjp((x) => x.mul(x), { bwd: ([x], g) => [g.mul(x)] }), [tensor([1, 2])]),
    };
    const errors = {};
    for (const [cls, f] of Object.entries(raised)) {
      try { f(); errors[cls] = null; } catch (e) {
        errors[cls] = { name: e.name, ctor: e.constructor.name, isIt: e instanceof m[cls], isMatgrad: e instanceof m.MatgradError,
                        str: String(e).slice(0, 200), stack: String(e.stack).slice(0, 200) };
      }
    }
    const classes = ["MatgradError", "ShapeError", "ArgumentError", "AutogradError", "SingularMatrixError",
      "NotPositiveDefiniteError", "ConvergenceError", "DomainError", "NonDifferentiableError", "EnvironmentError",
      "FormatError", "BatchingError", "GradcheckError", "Tensor", "Generator", "TreeDef", "Explanation", "Function", "FunctionCtx"];
    const classNames = Object.fromEntries(classes.map((c) => [c, m[c].name]));
    // a user's subclass keeps its own name
    class MyShapeError extends m.ShapeError {}
    const mine = new MyShapeError("myop", "shapes differ");
    // an object of a matgrad class described in an error message
    let described = "";
    try { tensor(new Generator(1)); } catch (e) { described = e.message; }
    // the custom autograd base class, applied as is
    let fnError = "";
    try { m.Function.apply(); } catch (e) { fnError = e.message; }
    // a user's subclass is named by its own class
    class Square extends m.Function { static forward(ctx, x) { return x.mul(x); } }
    let subError = "";
    try { Square.apply(tensor([1, 2])); } catch (e) { subError = e.message; }
    const t = tensor([[1, 2.5], [3, 4]]);
    console.log(String(t));
    console.log(\`\${t}\`);
    console.log(t.toString({ precision: 1 }));
    console.log(t);
    return { errors, classNames, mine: { name: mine.name, isShape: mine instanceof m.ShapeError, str: String(mine) },
             described, fnError, subError, str: String(t), ctor: t.constructor.name, isTensor: t instanceof Tensor };
  `),
  "/fallback.html": page(`
    const { backend, EnvironmentError } = await import("matgrad");
    let error = null;
    try { await backend().setThreads(2); } catch (e) { error = { isEnv: e instanceof EnvironmentError, name: e.name, op: e.op, message: e.message }; }
    ${THREADED}
    const st = backend().status();
    return { isolated: crossOriginIsolated, sab: typeof SharedArrayBuffer, error, threads: st.threads, err };
  `),
};

let tmp = "";
let server: Awaited<ReturnType<typeof serve>> | null = null;
let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
let context: BrowserContext;
let origin = "";

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "matgrad-browser-"));
  const b = spawnSync(process.execPath, [join(root, "scripts/build.mjs"), "--browser-only", "--out", tmp], { encoding: "utf8" });
  if (b.status !== 0) throw new Error(`building the browser module failed:\n${b.stdout}\n${b.stderr}`);
  server = await serve(pages, { "/": tmp });
  origin = server.origin;
  browser = await launchChromium();
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("matgrad/browser in headless Chromium", { timeout: 90_000 }, () => {
  it("without Chromium the tests fail, saying how to install it (never a silent skip)", async () => {
    await expect(launchChromium("/nonexistent/chromium")).rejects.toThrow(
      /\/nonexistent\/chromium does not exist: install Debian's package \(as root: apt-get update && apt-get install -y chromium/,
    );
  });

  it("the bundle has no Node built-ins and a source map", () => {
    const js = readFileSync(join(tmp, "matgrad.js"), "utf8");
    expect(js).not.toMatch(/from\s*["']node:/);
    expect(js).toMatch(/\/\/# sourceMappingURL=matgrad\.js\.map\s*$/);
    const map = JSON.parse(readFileSync(join(tmp, "matgrad.js.map"), "utf8")) as { sources: string[] };
    expect(map.sources.some((s) => s.endsWith("src/kernels/wasm/pool.ts"))).toBe(true);
  });

  it("the bundle is built without keepNames (no name-keeping helper wrapping every function and class)", () => {
    const js = readFileSync(join(tmp, "matgrad.js"), "utf8");
    // esbuild's __name helper, minified: `var u=(e,n)=>d(e,"name",{value:n,configurable:!0})`
    expect(js).not.toMatch(/=\(\w+,\w+\)=>[\w$]+\(\w+,"name",\{value:\w+,configurable:!0\}\)/);
    // … and the classes state their names instead
    expect(js).toContain('Object.defineProperty(this,"name",{value:"ShapeError"})');
  });

  it("error classes keep their names through minification: e.name, constructor.name, String(e), the stack", async () => {
    const { result } = await runPage(context, `${origin}/names.html`);
    const r = result as {
      errors: Record<string, { name: string; ctor: string; isIt: boolean; isMatgrad: boolean; str: string; stack: string } | null>;
      classNames: Record<string, string>;
      mine: { name: string; isShape: boolean; str: string };
      described: string;
      fnError: string;
      subError: string;
    };
    const raised = ["ShapeError", "ArgumentError", "AutogradError", "BatchingError", "SingularMatrixError",
      "NotPositiveDefiniteError", "DomainError", "FormatError", "GradcheckError"];
    expect(Object.keys(r.errors)).toEqual(raised);
    for (const cls of raised) {
      const e = r.errors[cls];
      expect(e, cls).not.toBeNull();
      expect(e?.name, cls).toBe(cls);
      expect(e?.ctor, cls).toBe(cls);
      expect(e?.isIt, cls).toBe(true);
      expect(e?.isMatgrad, cls).toBe(true);
      expect(e?.str.startsWith(`${cls}: `), `${cls}: ${e?.str}`).toBe(true);
      expect(e?.stack.startsWith(`${cls}: `), `${cls}: ${e?.stack}`).toBe(true);
    }
    expect(r.errors.ShapeError?.str).toMatch(/^ShapeError: matmul: inner dimensions differ/);
    expect(r.errors.BatchingError?.str).toMatch(/^BatchingError: vmap: the function read the values of a batched tensor/);
    // every public class's name, as exported
    for (const [exported, name] of Object.entries(r.classNames)) expect(name).toBe(exported);
    expect(Object.keys(r.classNames)).toHaveLength(19);
    // a user's subclass keeps its own name
    expect(r.mine).toEqual({ name: "MyShapeError", isShape: true, str: "MyShapeError: myop: shapes differ" });
    // matgrad's own classes named in messages
    expect(r.described).toMatch(/^tensor: argument data must be .*; got an object of class Generator$/);
    expect(r.fnError).toBe("Function: a custom Function needs a static forward(ctx, ...args)");
    expect(r.subError).toMatch(/^Square: a custom Function needs a static backward/);
  });

  it("String(tensor) and console output read as in Node", async () => {
    const { result, logs } = await runPage(context, `${origin}/names.html`);
    const r = result as { str: string; ctor: string; isTensor: boolean };
    const printed = "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])";
    expect(r.str).toBe(printed);
    expect(r.ctor).toBe("Tensor");
    expect(r.isTensor).toBe(true);
    // console.log(t) itself: DevTools (and playwright's text) show the object by its class name
    expect(logs.slice(0, 4)).toEqual([printed, printed, "tensor([[1.0, 2.5],\n        [3.0, 4.0]])", "Tensor"]);
  });

  it("runs the README's first example", async () => {
    const { result } = await runPage(context, `${origin}/readme.html`);
    expect(result).toBe("ok");
  });

  it("computes a linear-algebra gradient (∇ log|det A| = A⁻ᵀ)", async () => {
    const { result } = await runPage(context, `${origin}/linalg.html`);
    const r = result as { err: number; det: number };
    expect(r.err).toBeLessThan(1e-12);
    expect(r.det).toBeCloseTo(4 * 13 - 1 * (-1) + 2 * (-3), 10);
  });

  it("reports a wrong VJP with gradcheck", async () => {
    const { result } = await runPage(context, `${origin}/gradcheck.html`);
    const r = result as { good: boolean; bad: boolean; report: string };
    expect(r.good).toBe(true);
    expect(r.bad).toBe(false);
    expect(r.report.length).toBeGreaterThan(20);
  });

  it("runs worker threads in a cross-origin-isolated page", async () => {
    const { result } = await runPage(context, `${origin}/iso/threads.html`);
    const r = result as { isolated: boolean; threads: number; workerChunks: number; threadError: string | null; err: number };
    expect(r.isolated).toBe(true);
    expect(r.threadError).toBeNull();
    expect(r.threads).toBe(2);
    expect(r.workerChunks).toBeGreaterThan(0);
    expect(r.err).toBeLessThan(1e-9);
  });

  it("without isolation: setThreads(2) rejects with an EnvironmentError saying why, results stay right", async () => {
    const { result } = await runPage(context, `${origin}/fallback.html`);
    const r = result as { isolated: boolean; sab: string; error: { isEnv: boolean; name: string; op: string; message: string } | null; threads: number; err: number };
    expect(r.isolated).toBe(false);
    expect(r.sab).toBe("undefined");
    expect(r.error).not.toBeNull();
    expect(r.error?.isEnv).toBe(true);
    expect(r.error?.name).toBe("EnvironmentError"); // class names survive minification (stated in src/errors.ts)
    expect(r.error?.op).toBe("setThreads");
    expect(r.error?.message).toMatch(/^setThreads: 2 threads are not available here: the page is not cross-origin isolated/);
    expect(r.error?.message).toContain("Cross-Origin-Embedder-Policy: require-corp");
    expect(r.threads).toBe(1);
    expect(r.err).toBeLessThan(1e-9);
  });
});
