/**
 * Differentiable linear algebra: forward and forward + backward (one
 * gradient of a scalar loss) at n = 64 and 256 for inv, logdet, cholesky,
 * eigh, svd and expm, against PyTorch's CPU float64 one-thread times
 * (issue 5; measured on a 2-core machine of this kind, n = 256, forward +
 * backward): inv 2.6 ms, cholesky 2.4 ms, eigh 9.4 ms, svd 13.4 ms,
 * matrix_exp 81.5 ms (74 ms of it backward). The losses are gauge invariant
 * (eigenvalues plus U∘U), weighted by a fixed random matrix W.
 *
 * When the active backend is not the portable WASM one (e.g. native OpenBLAS
 * + WASM), the n = 256 cases are timed again with MATGRAD_BACKEND=wasm's
 * backend and printed side by side (issue 7: ratios for both backends).
 * Subsets: LINALG_OPS=svd,eigh and LINALG_SIZES=256 (environment).
 */
import { linalg, randn, valueAndGrad, matmulT, add, eye, mul, sum, noGrad, type Tensor } from "../src/index.js";
import { timeIt, printTable, ratio } from "./util.js";
import { backend, setBackend, wasmBackend } from "../src/kernels/backend.js";
import { wasmSimdSupported } from "../src/kernels/wasm/index.js";

const envList = (name: string): string[] | undefined => {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : v.split(",").map((x) => x.trim());
};

interface Case {
  name: string;
  /** PyTorch forward + backward at n = 256 (ms), when known. */
  torch256?: number;
  /** PyTorch backward alone at n = 256 (ms), when known. */
  torchBwd256?: number;
  input: (n: number) => Tensor;
  loss: (a: Tensor, w: Tensor) => Tensor;
  forward: (a: Tensor) => unknown;
}

function spd(n: number): Tensor {
  const g = randn([n, n], { seed: 11 });
  return add(matmulT(g, g, false, true), mul(eye(n), n));
}
const general = (n: number): Tensor => add(randn([n, n], { seed: 12 }), mul(eye(n), Math.sqrt(n)));
const weights = (n: number): Tensor => randn([n, n], { seed: 13 });

const cases: Case[] = [
  { name: "inv", torch256: 2.6, input: general, loss: (a, w) => sum(mul(linalg.inv(a), w)), forward: (a) => linalg.inv(a) },
  { name: "logdet", input: spd, loss: (a) => linalg.logdet(a), forward: (a) => linalg.logdet(a) },
  { name: "cholesky", torch256: 2.4, input: spd, loss: (a, w) => sum(mul(linalg.cholesky(a), w)), forward: (a) => linalg.cholesky(a) },
  {
    name: "eigh",
    torch256: 9.4,
    input: spd,
    loss: (a, w) => {
      const { eigenvalues, eigenvectors } = linalg.eigh(a);
      return add(sum(eigenvalues), sum(mul(mul(eigenvectors, eigenvectors), w)));
    },
    forward: (a) => linalg.eigh(a),
  },
  {
    name: "svd",
    torch256: 13.4,
    input: general,
    loss: (a, w) => {
      const { U, S, Vh } = linalg.svd(a, { fullMatrices: false });
      return add(add(sum(S), sum(mul(mul(U, U), w))), sum(mul(mul(Vh, Vh), w)));
    },
    forward: (a) => linalg.svd(a, { fullMatrices: false }),
  },
  {
    name: "expm",
    torch256: 81.5,
    torchBwd256: 74,
    input: (n) => mul(randn([n, n], { seed: 14 }), 4 / Math.sqrt(n)),
    loss: (a, w) => sum(mul(linalg.expm(a), w)),
    forward: (a) => linalg.expm(a),
  },
];

export interface LinalgBenchRow {
  name: string;
  n: number;
  forwardMs: number;
  forwardBackwardMs: number;
  torchMs?: number;
}

/** Runs the linalg benchmark, prints a table and returns the measured rows. */
export async function runLinalg(opts: { sizes?: number[]; minTime?: number } = {}): Promise<LinalgBenchRow[]> {
  const sizes = opts.sizes ?? envList("LINALG_SIZES")?.map(Number) ?? [64, 256];
  const only = envList("LINALG_OPS");
  const selected = cases.filter((c) => only === undefined || only.includes(c.name));
  const out: LinalgBenchRow[] = [];
  for (const n of sizes) {
    const rows: (string | number)[][] = [];
    for (const c of selected) {
      const a = c.input(n), w = weights(n);
      const minTime = opts.minTime ?? (n >= 256 ? 2 : 0.4);
      const vg = valueAndGrad((x: Tensor) => c.loss(x, w));
      // warm both paths up (JIT) before timing either
      for (let i = 0; i < 2; i++) {
        noGrad(() => c.forward(a));
        vg(a);
      }
      const fwd = await timeIt(() => noGrad(() => c.forward(a)), { minTime, batches: 5, warmup: 1 });
      const fb = await timeIt(() => vg(a), { minTime, batches: 5, warmup: 1 });
      const t = n === 256 ? c.torch256 : undefined;
      out.push({ name: c.name, n, forwardMs: fwd * 1e3, forwardBackwardMs: fb * 1e3, torchMs: t });
      rows.push([
        c.name,
        fwd * 1e3,
        fb * 1e3,
        (fb - fwd) * 1e3,
        t === undefined ? "—" : t,
        t === undefined ? "—" : ratio(fb * 1e3, t),
        n === 256 && c.torchBwd256 !== undefined ? `${ratio((fb - fwd) * 1e3, c.torchBwd256)} of torch's bwd ${c.torchBwd256} ms` : "",
      ]);
    }
    printTable(`linalg, n = ${n}, backend ${backend().name} (ms; torch: CPU float64, 1 thread, fwd + bwd)`, ["op", "forward", "fwd+bwd", "≈ bwd", "torch", "ratio", "note"], rows);
  }
  if (sizes.includes(256) && backend().name !== wasmBackend.name && wasmSimdSupported()) {
    // the same n = 256 cases with the portable WASM backend, beside the active one's
    const prev = setBackend(wasmBackend);
    const rows: (string | number)[][] = [];
    try {
      for (const c of selected) {
        const a = c.input(256), w = weights(256);
        const vg = valueAndGrad((x: Tensor) => c.loss(x, w));
        for (let i = 0; i < 2; i++) vg(a);
        const fb = (await timeIt(() => vg(a), { minTime: opts.minTime ?? 2, batches: 5, warmup: 1 })) * 1e3;
        const active = out.find((r) => r.n === 256 && r.name === c.name);
        out.push({ name: `${c.name} (${wasmBackend.name})`, n: 256, forwardMs: NaN, forwardBackwardMs: fb, torchMs: c.torch256 });
        rows.push([
          c.name,
          active?.forwardBackwardMs ?? "—",
          fb,
          c.torch256 ?? "—",
          c.torch256 === undefined ? "—" : ratio(fb, c.torch256),
          active === undefined ? "—" : ratio(fb, active.forwardBackwardMs),
        ]);
      }
    } finally {
      setBackend(prev);
    }
    printTable(
      `linalg, n = 256, fwd + bwd: ${prev.name} vs portable ${wasmBackend.name} (ms)`,
      ["op", prev.name, wasmBackend.name, "torch", "wasm / torch", "wasm / active"],
      rows,
    );
  }
  return out;
}
