/**
 * Forward timings of the factorization kernels (layer 1) at n = 64 and 256,
 * under the default GEMM backend and under the portable TypeScript one.
 * Run: node --import ./bench/ts-register.mjs bench/kernels-factor.ts [sizes...]
 */
import { backend, setBackend, portableBackend } from "../src/kernels/backend.js";
import { luFactor, luInverse } from "../src/kernels/lu.js";
import { choleskyFactor } from "../src/kernels/cholesky.js";
import { qr } from "../src/kernels/qr.js";
import { eigh } from "../src/kernels/eigh.js";
import { svd } from "../src/kernels/svd.js";
import { triangularSolve } from "../src/kernels/triangular.js";

function rand(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/** Minimum over repeated runs (after warm-up) of the time per call, ms. */
function time(f: () => void, budgetMs = 400): number {
  for (let i = 0; i < 3; i++) f();
  const samples: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs || samples.length < 5) {
    const t = performance.now();
    f();
    samples.push(performance.now() - t);
  }
  samples.sort((x, y) => x - y);
  return samples[0]; // minimum: least disturbed by other processes on a shared machine
}

function run(sizes: number[]): void {
  for (const n of sizes) {
    const a = rand(n * n, 1);
    const sym = a.slice();
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) sym[j * n + i] = sym[i * n + j];
    const spd = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) spd[i * n + j] = sym[i * n + j] + (i === j ? n : 0);
    const f = luFactor(a, n);
    const L = choleskyFactor(spd, n).l;
    const rows: [string, () => void][] = [
      ["luFactor", () => luFactor(a, n)],
      ["inv (luFactor+luInverse)", () => {
        const g = luFactor(a, n);
        luInverse(g.lu, g.piv, n);
      }],
      ["luInverse only", () => luInverse(f.lu, f.piv, n)],
      ["choleskyFactor", () => choleskyFactor(spd, n)],
      ["triangularSolve (n rhs)", () => triangularSolve(L, n, a, n, { lower: true, trans: false, unitDiagonal: false, left: true })],
      ["qr reduced", () => qr(a, n, n, "reduced")],
      ["eigh (vectors)", () => eigh(sym, n, true)],
      ["eigh (values only)", () => eigh(sym, n, false)],
      ["svd thin", () => svd(a, n, n, "thin")],
      ["svd none", () => svd(a, n, n, "none")],
    ];
    for (const [name, fn] of rows) console.log(`  n=${String(n).padStart(4)}  ${name.padEnd(26)} ${time(fn).toFixed(3).padStart(9)} ms`);
  }
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
const sz = sizes.length ? sizes : [64, 256];
console.log(`backend: ${backend().name}`);
run(sz);
if (backend() !== portableBackend) {
  setBackend(portableBackend);
  console.log(`backend: ${backend().name}`);
  run(sz);
}
