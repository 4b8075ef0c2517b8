/**
 * Issue 15, point 7: "no op allocates more than a constant number of arrays of
 * its output's size" — measured for every OpInfo entry.
 *
 * For each entry, one of its samples is scaled up (see `largest`: block
 * diagonal or tiled copies of the inputs) until the output has ≥ TARGET
 * entries (or, for ops whose output cannot grow — full reductions,
 * determinants — until the inputs have that many). The forward call (no grad,
 * "js" backend, so that the portable kernels' workspaces are ordinary arrays
 * and visible) runs once to warm up, then under `countAllocations`, which
 * records every typed array it makes; the arrays of length ≥ the output's size
 * are counted. Checked:
 *
 * 1. the count is ≤ MAX_ARRAYS, plus one per extra result of a primitive
 *    with several (QR's Q and R, eigh, slogdet's sign, sort's indices), or the
 *    entry's budget in BUDGETS, each with its reason (a ratchet: an entry
 *    below its budget fails until the budget is lowered); and the same for every
 *    primitive that ran, against its own largest output (PRIM_BUDGETS);
 * 2. it is a constant: the count does not rise at each halving of the scale
 *    (at ×k, ×k/2 and ×k/4): a per-row or per-iteration array would grow with
 *    the size, while a kernel that switches strategy at a size threshold
 *    raises it once (exceptions, bounded by a constant: GROWS);
 * 3. nothing is allocated per matrix of a batch: with the batch of the first
 *    batched sample ×8, ×16, ×32, the arrays of at least one batch element's
 *    share of the output do not rise at both doublings (known exceptions:
 *    PER_MATRIX, a ratchet — an entry that stops growing must leave the list).
 *
 * MAX_ARRAYS = 4: the output, one copy of an input that a kernel overwrites
 * (LU / QR / Cholesky factor in place), and two more: a workspace or the
 * intermediate results of a composite of two or three primitives (mean =
 * sum·(1/n), clamp = where(mask, x, clamped constant)). On a failure the
 * message lists the primitives that ran with the large arrays each one made.
 * ALLOC_STRICT=1 ignores the budgets (every listed entry fails with its count).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allOpInfos } from "../../src/testing/opinfo/index.js";
import type { OpInfo } from "../../src/testing/opinfo.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { noGrad } from "../../src/autodiff/engine.js";
import { backend, setBackend, useBackend, type Backend } from "../../src/kernels/backend.js";
import { rules } from "../../src/ops/registry.js";
import { vjp } from "../../src/autodiff/transforms.js";
import { randn } from "../../src/tensor/create.js";
import { contractionOpInfos, elementwiseOpInfos, indexingOpInfos, layoutOpInfos } from "../../src/testing/opinfo/index.js";
import { sortingOpInfos } from "../../src/testing/opinfo/sorting.js";
import { scanOpInfos } from "../../src/testing/opinfo/scan.js";
import { linalgExtraOpInfos } from "../../src/testing/opinfo/linalg-extra.js";
import { countAllocations } from "./allocation-count.js";

/** Output size the scaled samples reach where the op allows. */
const TARGET = 4096;
/** Largest input (entries) a scaled sample may have. */
const INPUT_CAP = 1 << 17;
/** Arrays of the output's size an op may allocate (see above). */
const MAX_ARRAYS = 4;
/** ALLOC_STRICT=1: ignore BUDGETS / PRIM_BUDGETS, so that the failures list every listed entry's current count. */
const STRICT = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.ALLOC_STRICT === "1";

/**
 * Entries allowed more than MAX_ARRAYS: the measured count, and why. Each
 * count is still checked to stay constant as the inputs grow.
 */
const COMPOSITE = "a composite written with differentiable primitives (its derivatives are theirs), one array per primitive";
const PROGRAM = "the entry is a small program or several ops concatenated (gauge-invariant wrapper), not one op";
const SMALL_OUT = "a reduction to a few numbers: every workspace or temporary is at least that size";
const BUDGETS: Record<string, [number, string]> = {
  // composites: the count is the number of primitives in the chain, fixed by the code
  "diff (n = 2, axis 0, prepend, append)": [7, `${COMPOSITE}: concat of prepend/append, then two slices and a difference per order`],
  "linalg.householderProduct": [6, `${COMPOSITE}: the compact WY form (triangle, add, matmul, sub) and two constant index masks`],
  "linalg.luSolve": [6, `${COMPOSITE}: the pivots' row permutation (take), two triangular solves, a broadcast`],
  "linalg.lstsq (solution)": [14, `${COMPOSITE}: QR (Q, R and their workspaces), Qᵀ B, a triangular solve, the residual`],
  "median along an axis": [7, `${COMPOSITE}: sort (values, indices), the lanes' positions (one constant), and two gathers (values, indices) each converting its index`],
  "quantile (linear)": [17, `${COMPOSITE}: sort (values, indices), the ranks (one constant), floor / ceil, two gathers (each converting its index) and torch.lerp's two-sided formula (w, d, two products, a sum, a difference, the select)`],
  "quantile (midpoint)": [11, `${COMPOSITE}: sort, the ranks (one constant), floor / ceil, two gathers and their midpoint`],
  "quantile (q a tensor, differentiable)": [17, `${COMPOSITE}: as quantile (linear), with q a tensor`],
  "quantile over all entries (keepdims)": [20, `${SMALL_OUT}; ${COMPOSITE}: as quantile (linear)`],
  "nanquantile": [17, `${COMPOSITE}: as quantile (linear), ranks over the non-NaN entries`],
  "scatter (axis 1, reduce mean)": [5, `${COMPOSITE}: two scatterAdds (sums, counts), add, div`],
  "scatter (axis 1, reduce mean, includeSelf false)": [7, `${COMPOSITE}: two scatterAdds (sums, counts), the kept entries' mask, add, div`],
  // linear algebra whose algorithm keeps several matrices of the output's size (see PRIM_BUDGETS)
  "linalg.eigvalsh": [5, `${SMALL_OUT}: the n eigenvalues of an n×n matrix; the tridiagonal reduction works on n×n arrays`],
  "linalg.qr (mode r)": [6, "Householder QR: the factored copy, R, and the blocked reflectors' T and work panels (m×n each)"],
  // wrappers of the OpInfo table
  "energy trace((XX)ᵀ(XX))": [5, `${PROGRAM}: three matmuls, a transpose, a trace`],
  "index (mask, integer and slice)": [9, `${SMALL_OUT}: a 3-entry result of a mask, an integer and a slice`],
  "linalg.cond": [36, `${PROGRAM}: three condition numbers (SVD and inverse based), each of a few numbers`],
  "linalg.matrixNorm": [44, `${PROGRAM}: eight matrix norms concatenated`],
  "linalg.vectorNorm": [10, `${PROGRAM}: three vector norms concatenated`],
  // iterative and multi-stage linear algebra (see PRIM_BUDGETS)
  "linalg.expm": [9, "see PRIM_BUDGETS"],
  "linalg.expmFrechet": [17, "see PRIM_BUDGETS"],
  "linalg.logm": [18, "see PRIM_BUDGETS"],
  "linalg.sqrtm": [8, "see PRIM_BUDGETS"],
  "linalg.funm (exp)": [12, "see PRIM_BUDGETS"],
  "linalg.funm (log)": [12, "see PRIM_BUDGETS"],
  "linalg.funm (sqrt)": [12, "see PRIM_BUDGETS"],
  "linalg.funm (sin)": [12, "see PRIM_BUDGETS"],
  "linalg.matrixFunction (exp)": [7, "see PRIM_BUDGETS"],
  "linalg.matrixFunction (sin, explicit derivative)": [7, "see PRIM_BUDGETS"],
  "linalg.pinv (hermitian)": [5, "see PRIM_BUDGETS"],
  "linalg.solveSylvester": [9, "see PRIM_BUDGETS"],
  "linalg.solveLyapunov": [11, "see PRIM_BUDGETS"],
  "linalg.solveDiscreteLyapunov": [10, "see PRIM_BUDGETS"],
  "linalg.solveContinuousAre": [51, "see PRIM_BUDGETS"],
  "linalg.solveContinuousAre (e, s)": [63, "see PRIM_BUDGETS; the descriptor and cross-term reductions (solves, products) first"],
  "linalg.solveDiscreteAre": [24, "see PRIM_BUDGETS"],
  "linalg.solveDiscreteAre (e, s)": [36, "see PRIM_BUDGETS; the descriptor and cross-term reductions (solves, products) first"],
};

/**
 * Entries whose count may rise with the size (exempt from check 2), and why:
 * each must be bounded by a constant that does not depend on the size.
 */
const GROWS: Record<string, string> = {
  "linalg.solveContinuousAre": "Newton–Kleinman refinement takes as many steps as the residual needs (more for larger n), at most 10, each with its own arrays",
  "linalg.solveContinuousAre (e, s)": "as linalg.solveContinuousAre",
};

/**
 * Entries that make arrays per matrix of a batch (check 3 reports them instead
 * of failing; the test fails when one of them stops, so that it leaves the
 * list): kernels that take one matrix per call and return fresh arrays (the
 * batch loop then copies each result into the output). The LU family,
 * triangular solves, Cholesky and invVjp write into the output through `out`
 * parameters instead; the kernels below need the same.
 */
const PER_MATRIX: Record<string, string> = {
  "linalg.eigh (U f(Λ) Uᵀ and a projector)": "eigh kernel: tridiagonal workspace, eigenvalues and U per matrix",
  "linalg.eigh (eigenvalues and U∘U)": "eigh kernel, as above",
  "linalg.svd (values, U∘U, Vh∘Vh, reconstruction)": "svd kernel: U, S, Vᵀ and workspaces per matrix",
  "linalg.svdvals": "svd kernel, as above",
  "linalg.pinv": "svd kernel, as above",
  "linalg.polar (right)": "svd kernel, as above",
  "linalg.ldlFactor": "LDLᵀ (Bunch–Kaufman) kernel: factors and pivots per matrix",
  "linalg.expm": "expm kernel: the Padé terms per matrix",
  "linalg.logm": "logm kernel: Schur form and Padé terms per matrix",
  "linalg.sqrtm": "sqrtm kernel: Schur form and root per matrix",
  "linalg.funm (exp)": "funm kernel: Schur–Parlett per matrix",
  "linalg.matrixFunction (exp)": "eigh kernel, as above",
  "linalg.solveSylvester": "Bartels–Stewart kernel: two Schur forms per problem",
  "linalg.solveLyapunov": "Bartels–Stewart kernel, as above",
  "linalg.solveDiscreteLyapunov": "Stein kernel: Schur form per problem",
  "linalg.solveContinuousAre": "Riccati kernel: one problem per call",
  "linalg.solveDiscreteAre": "Riccati kernel: one problem per call",
};

/**
 * Primitives allowed more than MAX_ARRAYS arrays of ≥ their own output's size
 * inside their forward (nested primitives included): the measured count, and why.
 * Each is one algorithm whose state is several matrices of the output's size.
 */
const PRIM_BUDGETS: Record<string, [number, string]> = {
  "linalg.expm": [9, "Padé 13 with scaling and squaring (Higham 2005): A², A⁴, A⁶, U, V, U ± V, the LU solve, the squaring buffer"],
  "linalg.expmFrechet": [17, "expm's Padé terms and, alongside, the Fréchet derivative's (L of A², A⁴, A⁶, U, V) and their squaring"],
  "linalg.logm": [18, "inverse scaling and squaring on the Schur form: T, Z, the repeated square roots, the Padé / partial-fraction terms, back-transformation"],
  "linalg.sqrtm": [8, "real Schur form (T, Z), the quasi-triangular root, back-transformation Z R Zᵀ (two products)"],
  "linalg.funm": [12, "Schur–Parlett: real Schur form (T, Z), reordering, block Parlett recurrence, back-transformation"],
  "linalg.matrixFunction": [7, "eigh (tridiagonal workspace, U) then U f(Λ) Uᵀ (scaled copy, product)"],
  "linalg.pinv": [5, "eigh (workspace, U) then U f(Λ) Uᵀ"],
  "linalg.polar": [9, "SVD (workspace, U, Vᵀ) then U Vᵀ and V Σ Vᵀ"],
  "linalg.schur": [6, "Hessenberg reduction and Francis QR iterations on T with the accumulated Z, and their workspaces"],
  "linalg.solveSylvester": [9, "Bartels–Stewart: two real Schur forms (T, Z each), the transformed right-hand side, the solution, back-transformation"],
  "linalg.solveLyapunov": [11, "Bartels–Stewart for A X + X Aᵀ = Q: Schur form, transformed Q, triangular solve, back-transformation (two products)"],
  "linalg.solveDiscreteLyapunov": [10, "Bartels–Stewart for A X Aᵀ − X + Q = 0: Schur form, transformed Q, the Stein recurrence, back-transformation"],
  "linalg.solveContinuousAre": [49, "the sign-function Newton iteration on the 2n × 2n Hamiltonian (its arrays made once: iterate, successor, LU, inverse, scratch), the least-squares extraction, then up to 10 Newton–Kleinman steps, each a real Schur form and a Lyapunov solve with their arrays (see GROWS)"],
  "linalg.solveDiscreteAre": [22, "the doubling iteration (its arrays made once: three iterates and successors, LU, two solves, a product scratch), then up to 10 Hewer steps, each a real Schur form and a Stein solve"],
};

// ---------------------------------------------------------------------------
// Scaling a sample

/** How a sample's inputs are scaled by k (tried in this order; the first that runs and grows the output wins). */
type Strategy = "blockdiag" | "first axis of the first input" | "last axis" | "first axis";
const STRATEGIES: Strategy[] = ["blockdiag", "first axis of the first input", "last axis", "first axis"];

/** Tile `t` k times along axis `ax`: out[…, r·n + j, …] = t[…, j, …]. */
function tileAxis(t: Tensor, ax: number, k: number): Tensor {
  const s = t.shape, d = t.data;
  const n = s[ax], inner = s.slice(ax + 1).reduce((p, v) => p * v, 1), outer = t.size / (n * inner);
  const out = new Float64Array(t.size * k);
  for (let o = 0; o < outer; o++)
    for (let r = 0; r < k; r++) out.set(d.subarray(o * n * inner, (o + 1) * n * inner), (o * k + r) * n * inner);
  return new Tensor(out, s.map((v, i) => (i === ax ? v * k : v)));
}

/**
 * kron(I_k, M) of every matrix on the last two axes when both are > 1: block
 * diagonal keeps what linalg samples rely on (triangular, symmetric, SPD,
 * orthogonal, invertible, full rank, the spectrum) and keeps matching axes
 * matching (A 3×4 · B 4×5 → 3k×4k · 4k×5k). Vectors and one-row / one-column
 * matrices are tiled along their last axis > 1 (broadcasting 1s stay 1).
 */
function blockDiag(t: Tensor, k: number): Tensor {
  const s = t.shape, nd = s.length;
  if (nd >= 2 && s[nd - 1] > 1 && s[nd - 2] > 1) {
    const m = s[nd - 2], n = s[nd - 1], B = t.size / (m * n), d = t.data;
    const out = new Float64Array(t.size * k * k);
    for (let b = 0; b < B; b++)
      for (let r = 0; r < k; r++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) out[b * m * n * k * k + (r * m + i) * n * k + r * n + j] = d[b * m * n + i * n + j];
    return new Tensor(out, [...s.slice(0, nd - 2), m * k, n * k]);
  }
  let ax = nd - 1;
  while (ax >= 0 && s[ax] === 1) ax--;
  return ax < 0 ? t : tileAxis(t, ax, k);
}

function scaleInputs(xs: Tensor[], how: Strategy, k: number): Tensor[] {
  if (k === 1) return xs;
  return xs.map((t, i) => {
    if (t.ndim === 0 || t.size === 0) return t;
    if (how === "blockdiag") return blockDiag(t, k);
    if (how === "first axis of the first input") return i === 0 ? tileAxis(t, 0, k) : t;
    return tileAxis(t, how === "last axis" ? t.ndim - 1 : 0, k);
  });
}

interface Scaled {
  sample: string;
  how: Strategy;
  k: number;
  inputs: Tensor[];
  outSize: number;
  inSize: number;
}

/** An input with a batch axis first (ndim ≥ 3, not empty along it). */
const isBatched = (x: Tensor): boolean => x.ndim >= 3 && x.shape[0] > 0;
const inSizeOf = (xs: Tensor[]): number => xs.reduce((m, x) => Math.max(m, x.size), 0);
/** Larger is better: the output up to TARGET, then the inputs up to TARGET, then the smaller inputs (cheaper). */
const better = (a: Scaled, b: Scaled | null): boolean => {
  if (b === null) return true;
  const ao = Math.min(a.outSize, TARGET), bo = Math.min(b.outSize, TARGET);
  if (ao !== bo) return ao > bo;
  const ai = Math.min(a.inSize, TARGET), bi = Math.min(b.inSize, TARGET);
  if (ai !== bi) return ai > bi;
  return a.inSize < b.inSize;
};

/** The entry's sample scaled as far as the op allows (see the file comment). */
function largest(info: OpInfo): Scaled | null {
  let best: Scaled | null = null;
  for (const s of info.samples()) {
    for (const how of STRATEGIES) {
      let grew = false;
      // (k = 1 is the sample itself: run once, under the first strategy)
      for (let k = how === STRATEGIES[0] ? 1 : 2; k <= 64; k *= 2) {
        let inputs: Tensor[], out: Tensor;
        try {
          inputs = scaleInputs(s.inputs, how, k);
          if (inSizeOf(inputs) > INPUT_CAP) break;
          out = noGrad(() => info.fn(...inputs));
        } catch {
          break;
        }
        const cand: Scaled = { sample: s.name, how, k, inputs, outSize: out.size, inSize: inSizeOf(inputs) };
        if (k > 1) grew = true;
        if (better(cand, best)) best = cand;
        if (out.size >= TARGET || (out.size <= 1 && cand.inSize >= TARGET)) break;
      }
      if (grew) break; // this strategy scales the sample: the others need not be tried
    }
    if (best !== null && best.outSize >= TARGET) break;
  }
  return best;
}

// ---------------------------------------------------------------------------
// Counting

/** One primitive application during a measured call: its largest output and the arrays of at least that size it made (nested primitives included). */
interface PrimCount {
  name: string;
  depth: number;
  outSize: number;
  /** Number of outputs. */
  outputs: number;
  count: number;
  lengths: number[];
}

/**
 * One forward call (after a warm-up call), counted: the arrays of length ≥
 * the output's size, and for each primitive that ran (every rule's forward is
 * wrapped for the call) the arrays of length ≥ its own largest output.
 */
function measure(info: OpInfo, inputs: Tensor[], threshold?: number): { count: number; outSize: number; prims: PrimCount[] } {
  noGrad(() => info.fn(...inputs));
  const prims: PrimCount[] = [];
  const saved = new Map<object, unknown>();
  let depth = 0;
  for (const r of Object.values(rules)) {
    const rule = r as { forward: (xs: Tensor[], p: unknown) => Tensor | Tensor[]; name: string };
    const f = rule.forward;
    saved.set(rule, f);
    rule.forward = function (xs, p) {
      const entry: PrimCount = { name: rule.name, depth: depth++, outSize: 0, outputs: 1, count: 0, lengths: [] };
      prims.push(entry);
      try {
        const { result, lengths } = countAllocations(() => f.call(rule, xs, p));
        const outs = Array.isArray(result) ? result : [result];
        entry.outSize = Math.max(...outs.map((o) => o.size));
        entry.outputs = outs.length;
        entry.lengths = lengths;
        entry.count = lengths.filter((n) => n >= entry.outSize).length;
        return result;
      } finally {
        depth--;
      }
    };
  }
  try {
    const { result, lengths } = countAllocations(() => noGrad(() => info.fn(...inputs)));
    return { count: lengths.filter((n) => n >= (threshold ?? result.size)).length, outSize: result.size, prims };
  } finally {
    for (const [rule, f] of saved) (rule as { forward: unknown }).forward = f;
  }
}

/** Which primitives made which arrays of ≥ `outSize` entries (for failure messages). */
function attribution(prims: PrimCount[], outSize: number): string {
  return prims
    .map((p) => ({ p, big: p.lengths.filter((n) => n >= outSize) }))
    .filter(({ big }) => big.length > 0)
    .map(({ p, big }) => `${"  ".repeat(p.depth + 1)}${p.name}: ${big.length} [${big.slice(0, 8).join(", ")}${big.length > 8 ? ", …" : ""}]`)
    .join("\n");
}

let before: Backend;
beforeAll(() => {
  before = backend();
  useBackend("js");
});
afterAll(() => {
  setBackend(before);
});

describe("no op allocates more than a constant number of arrays of its output's size", () => {
  for (const info of allOpInfos) {
    it(info.name, () => {
      const big = largest(info);
      expect(big, "no sample runs").not.toBeNull();
      const { inputs, sample, how, k } = big!;
      const m = measure(info, inputs);
      // a primitive with several results (QR, eigh, slogdet, sort) makes one array per result
      const extra = m.prims.reduce((e, p) => e + (p.depth === 0 ? p.outputs - 1 : 0), 0);
      const budget = (STRICT ? undefined : BUDGETS[info.name]?.[0]) ?? MAX_ARRAYS + extra;
      const where = `sample "${sample}" scaled ×${k} (${how}): inputs ${inputs.map((x) => `[${x.shape.join(", ")}]`).join(", ")}, output ${m.outSize} entries`;
      const problems: string[] = [];
      if (!STRICT && info.name in BUDGETS && m.count < budget)
        problems.push(`${info.name}: ${m.count} arrays of the output's size, below its budget ${budget}: lower BUDGETS["${info.name}"] to ${Math.max(m.count, MAX_ARRAYS + extra)} (or remove it)`);
      if (m.count > budget)
        problems.push(`${info.name}: ${m.count} arrays of ≥ ${m.outSize} entries (budget ${budget}); ${where}\n${attribution(m.prims, m.outSize)}`);
      for (const p of m.prims) {
        const pb = (STRICT ? undefined : PRIM_BUDGETS[p.name]?.[0]) ?? MAX_ARRAYS + p.outputs - 1;
        if (p.count > pb)
          problems.push(`primitive ${p.name} (in ${info.name}): ${p.count} arrays of ≥ its output's ${p.outSize} entries (budget ${pb}): [${p.lengths.filter((n) => n >= p.outSize).join(", ")}]; ${where}`);
      }
      if (k >= 2) {
        // at half and a quarter of the scale: a count that rises at both halvings grows with the size (a kernel
        // switching strategy at a size threshold, e.g. a blocked reduction, raises it once)
        const sampleInputs = info.samples().find((s) => s.name === sample)!.inputs;
        const counts = [m.count];
        for (let q = k / 2; q >= Math.max(1, k / 4); q /= 2) counts.push(measure(info, scaleInputs(sampleInputs, how, q)).count);
        if (!(info.name in GROWS) && counts.every((c, i) => i === 0 || counts[i - 1] > c))
          problems.push(`${info.name}: ${counts.join(", ")} arrays of the output's size at ×${k}, ×${k / 2}${k >= 4 ? `, ×${k / 4}` : ""}: the count grows with the size; ${where}\n${attribution(m.prims, m.outSize)}`);
      }
      const batched = info.samples().find((s) => s.inputs.some(isBatched));
      if (batched !== undefined) {
        // the first batched sample with its batch ×8, ×16, ×32 (inputs with batch axes tiled along the first),
        // counting the arrays of at least one batch element's share of the output: arrays made per matrix or
        // per batch element make the count rise at both doublings
        const batchOf = (q: number): Tensor[] => batched.inputs.map((x) => (isBatched(x) ? tileAxis(x, 0, q) : x));
        const counts: number[] = [];
        let share = 1;
        try {
          for (const q of [8, 16, 32]) {
            const xs = batchOf(q);
            if (q === 8) share = Math.max(1, Math.floor(noGrad(() => info.fn(...xs)).size / xs.find(isBatched)!.shape[0]));
            counts.push(measure(info, xs, share).count);
          }
        } catch {
          counts.length = 0; // the op's inputs do not batch this way (e.g. index tensors tied to x's axis 0)
        }
        const grows = counts.length === 3 && counts[2] > counts[1] && counts[1] > counts[0];
        if (grows && !(info.name in PER_MATRIX))
          problems.push(`${info.name}: ${counts.join(", ")} arrays of ≥ ${share} entries (a batch element's share of the output) with the batch of sample "${batched.name}" ×8, ×16, ×32: the count grows with the batch`);
        if (!grows && info.name in PER_MATRIX && !STRICT)
          problems.push(`${info.name}: no longer makes arrays per matrix of a batch (${counts.join(", ")} with the batch ×8, ×16, ×32): remove it from PER_MATRIX`);
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    });
  }
});

// ---------------------------------------------------------------------------
// The backward pass of the issue-15 ops

/** Arrays of ≥ the largest differentiated input's size that one VJP (backward) call makes, after a warm-up call. */
function measureVjp(info: OpInfo, inputs: Tensor[]): { count: number; inSize: number; lengths: number[] } {
  const diff = inputs.map((_, i) => !(info.nondiff ?? []).includes(i));
  const inSize = inputs.reduce((m, x, i) => (diff[i] ? Math.max(m, x.size) : m), 0);
  const f = (...xs: Tensor[]): Tensor => info.fn(...inputs.map((x, i) => (diff[i] ? xs[diff.slice(0, i).filter(Boolean).length] : x)));
  const primals = inputs.filter((_, i) => diff[i]);
  const { out, vjpFn } = vjp(f, ...primals);
  const ct = randn(out.shape, { seed: 5 });
  vjpFn(ct);
  const { lengths } = countAllocations(() => vjpFn(ct));
  return { count: lengths.filter((n) => n >= inSize).length, inSize, lengths };
}

/**
 * VJP budget of the issue-15 ops: arrays of the (largest differentiated)
 * input's size made by one backward call. 4 as for the forward: the
 * cotangent, one scatter / un-permute target, two temporaries.
 */
const VJP_MAX = 4;
const DERIV = "the derivative is written with differentiable ops (so that it differentiates again), one array per op, then ct·f′";
const CT_SIZED = "the outputs are larger than the inputs: their cotangents (and the sums that reduce them to the inputs) are arrays of at least the input's size";
/** Backward passes allowed more, with the measured count and why. */
const VJP_BUDGETS: Record<string, [number, string]> = {
  "asin": [6, `${DERIV}: (1 − x²)^(−1/2) is square, sub, sqrt, reciprocal`],
  "acos": [6, `${DERIV}: −(1 − x²)^(−1/2)`],
  "acosh": [6, `${DERIV}: (x² − 1)^(−1/2)`],
  "atanh": [5, `${DERIV}: 1/(1 − x²)`],
  "erf": [5, `${DERIV}: (2/√π)·exp(−x²)`],
  "erfc": [5, `${DERIV}: −(2/√π)·exp(−x²)`],
  "gelu": [10, `${DERIV}: Φ(x) + x·φ(x)`],
  "gelu (tanh)": [13, `${DERIV}: the tanh approximation's derivative (tanh, its square, the polynomial)`],
  "sinc": [8, `${DERIV}: (cos(πx) − sinc(x))/x with the removable point x = 0 masked`],
  "xlogy": [5, `${DERIV}: log y (0 where x = 0) and x/y, two inputs`],
  "atan2": [8, `${DERIV}: x/(x² + y²) and −y/(x² + y²), two inputs`],
  "logit (eps)": [6, `${DERIV}: 1/(x(1 − x)) and the clamp's mask`],
  "logcumsumexp": [13, `${DERIV}: exp(x − out) weights and a reversed cumulative sum of ct·exp(−out), stabilized`],
  "logcumsumexp (axis 0)": [13, "as logcumsumexp"],
  "logcumsumexp (axis −1)": [13, "as logcumsumexp"],
  "diff (n = 2, axis 0, prepend, append)": [9, "a composite (concat, slices, differences per order): the VJP of each"],
  "variance (axes 1, correction 0.5 and −0.5)": [7, "two variances added (the entry's program): each VJP's (2/d)(x − mean) and ct spread over x"],
  "quantile (linear)": [7, "the two gathers' scatter-adds (x's size each, after the sort) and the sort's un-permutation"],
  "quantile (midpoint)": [7, "as quantile (linear)"],
  "quantile (q a tensor, differentiable)": [7, "as quantile (linear)"],
  "quantile over all entries (keepdims)": [7, "as quantile (linear)"],
  "nanquantile": [7, "as quantile (linear)"],
  "scatter (axis 0, 1-D and 0-d, overwrite)": [5, "the overwritten entries' mask (x's size) and the gathered source cotangent"],
  "scatter (axis 1, overwrite)": [7, "as scatter (overwrite), 2-D"],
  "scatter (axis 1, reduce prod)": [17, "∂ of a product over each target's group (zeros handled: the product of the others) for x and src"],
  "scatter (axis 1, reduce prod, includeSelf false)": [18, "as scatter (reduce prod)"],
  "meshgrid": [7, CT_SIZED],
  "meshgrid (xy)": [5, CT_SIZED],
  "vander": [9, `${CT_SIZED}; cumprod's VJP, the broadcast's sum, the flip`],
  "vander (N, increasing)": [8, "as vander"],
  "linalg.householderProduct": [5, "the compact WY form's VJP (matmuls, triangle)"],
  "linalg.funm (exp)": [18, "the Fréchet derivative by the 2n × 2n block-triangular formula f([[Aᵀ, G], [0, Aᵀ]]): Schur–Parlett on a 2n × 2n matrix"],
  "linalg.funm (log)": [18, "as linalg.funm (exp)"],
  "linalg.funm (sqrt)": [18, "as linalg.funm (exp)"],
  "linalg.funm (sin)": [34, "as linalg.funm (exp) (measured on the 64 × 64 block-diagonal rotation generator: 14 arrays of 2n × 2n, 20 of n × n)"],
  "linalg.polar (left)": [22, "the SVD's VJP (F-matrix terms, U, Vᵀ products) for U Vᵀ and V Σ Vᵀ"],
  "linalg.polar (right)": [20, "as linalg.polar (left)"],
};

describe("the backward pass of the issue-15 ops allocates a constant number of arrays of the input's size", () => {
  const tables = [...contractionOpInfos, ...elementwiseOpInfos, ...layoutOpInfos, ...sortingOpInfos, ...scanOpInfos, ...indexingOpInfos, ...linalgExtraOpInfos];
  for (const info of tables) {
    if (info.samples().every((s) => s.inputs.every((_, i) => (info.nondiff ?? []).includes(i)))) continue;
    it(`VJP of ${info.name}`, () => {
      const big = largest(info);
      expect(big, "no sample runs").not.toBeNull();
      let m: ReturnType<typeof measureVjp>;
      try {
        m = measureVjp(info, big!.inputs);
      } catch (e) {
        // not differentiable at this (scaled) point, e.g. an integer-valued result: nothing to measure
        if (/not differentiable|no gradient|integer/i.test((e as Error).message)) return;
        throw e;
      }
      const budget = (STRICT ? undefined : VJP_BUDGETS[info.name]?.[0]) ?? VJP_MAX;
      const where = `inputs ${big!.inputs.map((x) => `[${x.shape.join(", ")}]`).join(", ")}`;
      if (!STRICT && info.name in VJP_BUDGETS && m.count < budget)
        throw new Error(`VJP of ${info.name}: ${m.count} arrays of the input's size, below its budget ${budget}: lower VJP_BUDGETS["${info.name}"] to ${Math.max(m.count, VJP_MAX)} (or remove it)`);
      if (m.count > budget)
        throw new Error(`VJP of ${info.name}: ${m.count} arrays of ≥ ${m.inSize} entries (budget ${budget}): [${m.lengths.filter((n) => n >= m.inSize).join(", ")}]; ${where}`);
      const { k, how, sample } = big!;
      if (k >= 4) {
        // constant: not rising at both halvings of the scale (as the forward's check 2)
        const sampleInputs = info.samples().find((s) => s.name === sample)!.inputs;
        const counts = [m.count, measureVjp(info, scaleInputs(sampleInputs, how, k / 2)).count, measureVjp(info, scaleInputs(sampleInputs, how, k / 4)).count];
        if (counts[0] > counts[1] && counts[1] > counts[2])
          throw new Error(`VJP of ${info.name}: ${counts.join(", ")} arrays of the input's size at ×${k}, ×${k / 2}, ×${k / 4}: the count grows with the size; ${where}`);
      }
    });
  }
});
