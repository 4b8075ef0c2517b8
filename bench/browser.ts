/**
 * The browser module's per-op overhead with and without esbuild's keepNames
 * (`npm run bench -- browser`, ≈25 s). keepNames wraps every named function
 * and class in `__name(fn, "name")` — an Object.defineProperty each time a
 * closure is created, so a hot path that creates named closures per call pays
 * it per call. The module ships without it (the public classes state their
 * names, src/errors.ts); this measures what that saves.
 *
 * Both variants are built from the current sources by scripts/build.mjs
 * (`--browser-only --out DIR`, the second with `--keep-names`) and served from
 * 127.0.0.1 to headless Chromium (the harness of test/browser), in
 * cross-origin-isolated pages (performance.now() precise to 5 µs, not 100 µs).
 * Three numbers per case:
 *  - the exact count of __name calls per call, from a copy of the keepNames
 *    module whose helper records them (with the names, to find the closures);
 *  - µs per call of each side: pages alternate between the sides (one module
 *    per page: two copies in one page share the engine's caches and skew each
 *    other), each page times every case over 30 batches of ≈2 ms; the minimum
 *    over a side's pages, and the ratio keepNames / shipped of the minima with
 *    its range over page pairs;
 *  - the ratio the count predicts: 1 + count × (cost of one __name call,
 *    timed in the same pages) / shipped time.
 * Small operands, so the per-call overhead is the whole cost: the 4×4
 * autograd chain of bench/core.ts (benchChain), einsum's small cases of
 * bench/einsum.ts, a grad and a vmap. Ratios, not timed tests: the machine is
 * shared, and on a loaded one the timed ratios scatter by ±30 % per case; the
 * count is exact.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { launchChromium, page, runPage, serve } from "../test/browser/harness.js";
import { fmtNum, printTable } from "./util.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** The cases, as thunks on a module `m`: plain JavaScript, run in the page as written here. */
const MAKE_CASES = `
  const make = (m) => {
    const { tensor, randn, einsum, matmul, grad, sum, vmap } = m;
    // bench/core.ts benchChain: 250 × (matmul, add, tanh, mul) on 4×4, then backward — 1000 recorded ops
    const X0 = randn([4, 4], { seed: 3 }), W = randn([4, 4], { seed: 4 }).mul(0.5), B = randn([4, 4], { seed: 5 });
    const chain = () => {
      const Wr = tensor(W.data, { shape: [4, 4], requiresGrad: true });
      const Br = tensor(B.data, { shape: [4, 4], requiresGrad: true });
      let X = X0;
      for (let i = 0; i < 250; i++) X = X.matmul(Wr).add(Br).tanh().mul(0.5);
      X.sum().backward();
    };
    // bench/einsum.ts, small operands
    const A8 = randn([8, 8], { seed: 9 }), v8 = randn([8], { seed: 10 });
    const a4 = randn([4, 4, 4], { seed: 11 }), b4 = randn([4, 4, 4], { seed: 12 });
    const x = randn([4, 8], { seed: 13 }), Wm = randn([8, 8], { seed: 14 }), y = randn([4, 8], { seed: 15 });
    const gE = grad((p, q, r) => sum(einsum("bi,ij,bj->b", p, q, r)), { argnums: [0, 1, 2] });
    // vmap over a batch of 8 small products (the batching rules' per-call cost)
    const xs = randn([8, 4, 4], { seed: 16 });
    const vm = vmap((m4) => matmul(m4, m4).tanh().sum());
    return {
      "autograd chain 4×4, per op (1000 ops)": [chain, 1000],
      "einsum ij,j->i (8×8, 8)": [() => einsum("ij,j->i", A8, v8), 1],
      "einsum bij,bjk->bik (4×4×4)": [() => einsum("bij,bjk->bik", a4, b4), 1],
      "einsum bi,ij,bj->b (4×8, 8×8)": [() => einsum("bi,ij,bj->b", x, Wm, y), 1],
      "grad of einsum bi,ij,bj->b": [() => gE(x, Wm, y), 1],
      "vmap of matmul·tanh·sum (8 × 4×4)": [() => vm(xs), 1],
      "matmul 4×4 (one dispatch)": [() => matmul(X0, W), 1],
    };
  };
`;

const TIMING_PAGE = `
  ${MAKE_CASES}
  // one module per page (two copies in one page share the engine's caches and interfere)
  const side = new URLSearchParams(location.search).get("side");
  const m = await import(side === "keepNames" ? "/keep/matgrad.js" : "/ship/matgrad.js");
  const batchTime = 2, rounds = 30;
  // µs per call of each fn (divided by perCall): minimum over the rounds (of alternating batches, for several fns)
  const alternate = (fns, perCall) => {
    const reps = fns.map((fn) => {
      // warm up for ≥ 150 ms: on a loaded machine the optimizing compiler's
      // background jobs lag, and a few calls would time a lower tier
      for (const t0 = performance.now(); performance.now() - t0 < 150; ) for (let i = 0; i < 10; i++) fn();
      let n = 1;
      for (;;) {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) fn();
        const dt = performance.now() - t0;
        if (dt >= batchTime || n >= 1 << 22) return n;
        n *= dt > 0 ? Math.min(10, Math.max(2, Math.ceil(batchTime / dt))) : 10;
      }
    });
    const per = fns.map(() => []);
    for (let r = 0; r < rounds; r++)
      for (let i = 0; i < fns.length; i++) {
        const j = (r & 1) === 0 ? i : fns.length - 1 - i; // alternate which side goes first
        const t0 = performance.now();
        for (let k = 0; k < reps[j]; k++) fns[j]();
        per[j].push(((performance.now() - t0) * 1000) / reps[j] / perCall);
      }
    return per.map((p) => Math.min(...p));
  };
  const cases = make(m);
  const out = {};
  for (const [name, [fn, perCall]] of Object.entries(cases)) out[name] = alternate([fn], perCall)[0];
  // what one __name call costs: a closure created and named by esbuild's helper, against a closure created
  const d = Object.defineProperty, u = (e, n) => d(e, "name", { value: n, configurable: true });
  const keep = [];
  let k = 0;
  const [named, plain] = alternate([
    () => { keep[k++ & 1023] = u(() => k, "f"); },
    () => { keep[k++ & 1023] = () => k; },
  ], 1);
  return { isolated: crossOriginIsolated, out, nameCost: named - plain };
`;

/**
 * The keepNames module with a recorder in its name helper: how many
 * `__name(fn, …)` calls (each an Object.defineProperty) one call of each case
 * makes, and for which names — exact, unlike the timings on a shared machine.
 */
const COUNT_PAGE = `
  ${MAKE_CASES}
  const cases = make(await import("/count/matgrad.js"));
  const out = {};
  for (const [name, [fn, perCall]] of Object.entries(cases)) {
    fn(); fn();
    const before = globalThis.__matgradNames.length;
    fn();
    const names = globalThis.__matgradNames.slice(before);
    out[name] = { count: names.length / perCall, names: [...new Set(names)] };
  }
  return out;
`;

export async function runBrowser(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "matgrad-bench-browser-"));
  try {
    const dirs = { shipped: join(tmp, "ship"), keepNames: join(tmp, "keep") };
    for (const [side, dir] of Object.entries(dirs)) {
      const args = [join(root, "scripts/build.mjs"), "--browser-only", "--out", dir, ...(side === "keepNames" ? ["--keep-names"] : [])];
      const b = spawnSync(process.execPath, args, { encoding: "utf8" });
      if (b.status !== 0) throw new Error(`bench/browser: building the ${side} module failed:\n${b.stdout}\n${b.stderr}`);
    }
    const size = (dir: string): [number, number] => {
      const js = readFileSync(join(dir, "matgrad.js"));
      return [js.length / 1024, gzipSync(js, { level: 9 }).length / 1024];
    };
    const [rawS, gzS] = size(dirs.shipped), [rawK, gzK] = size(dirs.keepNames);
    printTable("browser module size (KiB)", ["variant", "minified", "gzip -9"], [
      ["shipped (no keepNames)", fmtNum(rawS), fmtNum(gzS)],
      ["with keepNames", fmtNum(rawK), fmtNum(gzK)],
    ]);

    // the counting copy: esbuild's minified helper `var u=(e,n)=>d(e,"name",{value:n,configurable:!0})` counts its calls
    const keepJs = readFileSync(join(dirs.keepNames, "matgrad.js"), "utf8");
    const helper = /var ([\w$]+)=\((\w),(\w)\)=>([\w$]+)\(\2,"name",\{value:\3,configurable:!0\}\);/;
    const h = helper.exec(keepJs);
    if (h === null) throw new Error("bench/browser: the keepNames module has no name helper of the expected form (did esbuild change it?)");
    const counting = "globalThis.__matgradNames = [];\n" +
      keepJs.replace(h[0], `var ${h[1]}=(${h[2]},${h[3]})=>(globalThis.__matgradNames.push(${h[3]}),${h[4]}(${h[2]},"name",{value:${h[3]},configurable:!0}));`);
    const countDir = join(tmp, "count");
    mkdirSync(countDir);
    writeFileSync(join(countDir, "matgrad.js"), counting);

    const server = await serve(
      { "/bench.html": page(TIMING_PAGE), "/count.html": page(COUNT_PAGE) },
      { "/ship/": dirs.shipped, "/keep/": dirs.keepNames, "/count/": countDir },
      { isolateAll: true },
    );
    const browser = await launchChromium();
    try {
      const named = (await runPage(browser.context, `${server.origin}/count.html`, 120_000)).result as Record<string, { count: number; names: string[] }>;
      const counts = Object.fromEntries(Object.entries(named).map(([k, v]) => [k, v.count]));
      // pages alternate between the sides, PAGES each; per case, the minimum over a side's pages
      const PAGES = 3;
      const runs: Record<"keepNames" | "shipped", { out: Record<string, number>; nameCost: number }[]> = { keepNames: [], shipped: [] };
      for (let p = 0; p < 2 * PAGES; p++) {
        const side = (p & 1) === 0 ? "shipped" : "keepNames";
        const { result } = await runPage(browser.context, `${server.origin}/bench.html?side=${side}`, 300_000);
        const r = result as { isolated: boolean; out: Record<string, number>; nameCost: number };
        if (!r.isolated) throw new Error("bench/browser: the page is not cross-origin isolated (performance.now() would be coarse)");
        runs[side].push(r);
      }
      const nameCost = Math.min(...[...runs.shipped, ...runs.keepNames].map((r) => r.nameCost));
      const rows = Object.keys(runs.shipped[0].out).map((name) => {
        const ship = Math.min(...runs.shipped.map((r) => r.out[name])), keep = Math.min(...runs.keepNames.map((r) => r.out[name]));
        const pageRatios = runs.shipped.map((r, i) => runs.keepNames[i].out[name] / r.out[name]).sort((a, b) => a - b);
        return [
          name, fmtNum(counts[name]), fmtNum(ship), fmtNum(keep), `${(keep / ship).toFixed(2)}×`,
          `${pageRatios[0].toFixed(2)}–${pageRatios[pageRatios.length - 1].toFixed(2)}`,
          `${(1 + (counts[name] * nameCost) / ship).toFixed(3)}×`,
        ];
      });
      printTable(
        `matgrad/browser in headless Chromium, keepNames against shipped: __name calls per call; µs per call, minimum over ${PAGES} pages per side ` +
          `(alternating, each 30 batches of 2 ms per case); ratio keepNames / shipped of the minima, its range over page pairs, ` +
          `and as estimated from the count (one __name call: ${fmtNum(nameCost * 1000)} ns)`,
        ["case", "__name calls", "shipped µs", "keepNames µs", "ratio", "page pairs", "count × cost"], rows);
      console.log("\nclosures named per call under keepNames (the functions that create them):");
      for (const [k, v] of Object.entries(named)) if (v.names.length > 0) console.log(`  ${k}: ${v.names.join(", ")}`);
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBrowser();
