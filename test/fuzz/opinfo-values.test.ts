/**
 * Fuzzing driven by the OpInfo table (src/testing/opinfo/): every entry is
 * called on its samples' shapes and on variants of them (an empty axis, a
 * size-1 axis, a batch axis in front, an unrelated shape) filled with random
 * values that mix ordinary numbers with NaN, ±Inf, 0, −0, subnormals and
 * 1e±300. Property (docs/reliability.md):
 *  - the call returns, or raises one of matgrad's typed errors whose message
 *    starts with the op's name — never a TypeError, RangeError or crash;
 *  - the non-finite policy: a NaN in an input, where the op's result depends on
 *    it, gives a NaN in the result (elementwise ops: at the same position);
 *    a NaN or ±Inf entry read by a linalg function gives a non-finite result;
 *  - every third successful case also runs the backward pass (grad of the sum),
 *    under the same rule for what it may throw.
 * Sizes are small (axes ≤ 4), so no case can hang. The per-family case counts are printed.
 */
import { describe, it, afterAll, expect } from "vitest";
import fc from "fast-check";
import {
  Tensor, grad, sum, broadcastTo, allOpInfos, SingularMatrixError, NotPositiveDefiniteError, ConvergenceError, DomainError, type OpInfo,
} from "../../src/index.js";
import { Counter, allFinite, badThrow, hasNaN, opNameOf, shapeVariant, tensorOf } from "./gen.js";

type Mode =
  | "position" // elementwise, one input: NaN at x[i] ⇒ NaN at out[i]
  | "any" // a NaN anywhere in the inputs ⇒ a NaN somewhere in a non-empty output
  | "broadcast" // elementwise, several inputs: inputs broadcast to the result's shape, then position by position
  | "kept" // same shape as the input, some positions set to 0 (triu, tril): NaN kept where the entry is kept
  | "diagonal" // trace / diagonal: a NaN on the diagonal read reaches the result
  | "skip" // the op may legitimately drop entries (slice, take) or pivots are indices (luSolve)
  | { lower: number[]; full?: number[]; upper?: number[]; strict?: boolean }; // linalg reading a triangle (strict: without the diagonal)

function family(info: OpInfo): string {
  const op = opNameOf(info.name);
  if (op.startsWith("linalg.")) {
    if (/^linalg\.(inv|invVjp|solve|triangularSolve|lu|luSolve|det|slogdet|logdet|cholesky|choleskySolve|qr)$/.test(op)) return "linalg: LU/QR/Cholesky";
    if (/^linalg\.(eigh|eigvalsh|svd|svdvals|pinv|lstsq|matrixNorm|vectorNorm|cond)$/.test(op)) return "linalg: spectral, norms";
    return "linalg: matrix functions";
  }
  if (/^(sum|mean|variance|max|min|prod|logsumexp|softmax|logSoftmax)$/.test(op)) return "reductions";
  if (/^(reshape|permute|mT|broadcastTo|slice|take|concat|stack)$/.test(op)) return "layout";
  if (/^(unbind|movedim|moveaxis|repeat|tile|repeatInterleave|flip|fliplr|flipud|roll|pad|meshgrid)$/.test(op)) return "layout";
  if (/^(blockDiag|vander|toeplitz|hankel|circulant)$/.test(op)) return "matrix ops";
  if (INDEXING.test(op)) return "layout";
  if (/^(matmul|X|dot|outer|trace|diagonal|diagEmbed|diag|triu|tril|kron|frobeniusInner|energy)$/.test(op)) return "matrix ops";
  if (/^(einsum|tensordot|cross)$/.test(op)) return "matrix ops";
  if (ORDER.test(op)) return "reductions";
  return "elementwise";
}

/** Order statistics: a sorted lane keeps its NaN (sort values, median, quantile: "any"); indices and selections of some entries may drop it. */
const ORDER = /^(sort|argsort|topk|argmax|argmin|kthvalue|median|nanmedian|quantile|nanquantile)$/;

/** Indexing reads chosen entries and scatters overwrite or combine them: a NaN elsewhere may be dropped. */
const INDEXING = /^(gather|scatter|scatterAdd|indexSelect|indexAdd|index|maskedFill|maskedSelect)$/;

const LOWER_READERS = /^linalg\.(cholesky|choleskyEx|eigh|eigvalsh|matrixFunction|ldlFactor)$/;

function modeOf(info: OpInfo): Mode {
  const op = opNameOf(info.name);
  if (/^(slice|take)$/.test(op) || INDEXING.test(op)) return "skip";
  // entries that drop input entries: repeats of 0, cropping pads, r[0] of toeplitz / hankel, vander's x⁰ column when N = 1
  if (/^(repeatInterleave|vander)$/.test(op) || /^(pad \((constant|circular)\)|toeplitz|hankel)$/.test(info.name)) return "skip";
  if (ORDER.test(op)) return /^(argsort|argmax|argmin|topk|kthvalue|nanmedian|nanquantile)$/.test(op) || info.name.includes("indices") ? "skip" : "any";
  if (/^(triu|tril)$/.test(op)) return "kept";
  if (/^(trace|diagonal)$/.test(op)) return "diagonal";
  // einsum with a repeated index reads the diagonal of the last two axes only ("ii", "ii->i", "bii->bi", "...ii->...")
  if (op === "einsum" && /^einsum\("[.a-z]*ii(->[.a-z]*)?"\)$/.test(info.name)) return "diagonal";
  if (LOWER_READERS.test(op) || info.name === "linalg.pinv (hermitian)") return { lower: [0] };
  if (info.name === "linalg.triangularSolve (upper, left)") return { lower: [], upper: [0], full: [1] };
  if (info.name === "linalg.triangularSolve (lower, right, unitriangular)") return { lower: [0], full: [1], strict: true };
  if (op === "linalg.choleskySolve") return { lower: [1], full: [0] };
  // reads only the first k = tau.shape[-1] columns of A below the diagonal (as LAPACK orgqr): a NaN elsewhere is dropped
  // (NaN propagation from the part read: test/linalg/schur-funm.test.ts)
  if (op === "linalg.householderProduct") return "skip";
  if (op === "linalg.luSolve" || op === "linalg.ldlSolve") return "skip"; // pivots are indices, not values
  // 0/1-valued predicates classify NaN instead of propagating it (isnan(NaN) = 1; NaN is true for any / all / logical ops)
  if (/^(isnan|isfinite|isinf|isposinf|isneginf|logicalNot|logicalAnd|logicalOr|logicalXor|any|all|countNonzero)$/.test(op)) return "skip";
  if (family(info) === "elementwise") return info.fn.length <= 1 ? "position" : "broadcast";
  return "any";
}

/**
 * Entries whose function only makes sense on the sample's own shapes: the fused backward
 * primitives (internal: their callers pass equal shapes) and wrappers that slice fixed positions.
 * They get random values on the sample shapes (and a batch axis in front, for the primitives).
 */
const FIXED_SHAPES: Record<string, "batch" | "same"> = {
  "tanhGrad (fused backward of tanh)": "batch",
  "sigmoidGrad (fused backward of sigmoid)": "batch",
  "linalg.invVjp": "batch",
  "linalg.eigh (degenerate spectrum: gauge-invariant losses)": "same",
};

/** Error prefixes accepted for entries that wrap several ops (the op the user would have called). */
const PREFIXES: Record<string, string[]> = {
  powScalar: ["pow"],
  X: ["matmul"],
  energy: ["matmul", "mT", "trace"],
  "linalg.invVjp": ["linalg.inv", "linalg.invVjp"],
};

type Triangles = Extract<Mode, { lower: number[] }>;

function readsNonFinite(inputs: Tensor[], mode: Triangles, nanOnly: boolean): boolean {
  const bad = (v: number) => (nanOnly ? v !== v : !Number.isFinite(v));
  const part = (t: Tensor, keep: (i: number, j: number) => boolean): boolean => {
    const n = t.shape[t.ndim - 1], m = t.shape[t.ndim - 2];
    for (let k = 0; k < t.size; k++) {
      const j = k % n, i = Math.floor(k / n) % m;
      if (keep(i, j) && bad(t.data[k])) return true;
    }
    return false;
  };
  return inputs.some((t, idx) => {
    if (t.ndim < 2) return (mode.full ?? []).includes(idx) && Array.from(t.data).some(bad);
    if (mode.lower.includes(idx)) return part(t, (i, j) => (mode.strict ? j < i : j <= i));
    if ((mode.upper ?? []).includes(idx)) return part(t, (i, j) => j >= i);
    if ((mode.full ?? []).includes(idx)) return part(t, () => true);
    return false;
  });
}

/** The policy violation in a successful result, or null. */
function policyViolation(info: OpInfo, inputs: Tensor[], out: Tensor): string | null {
  const mode = modeOf(info);
  const op = opNameOf(info.name);
  if (mode === "skip" || out.size === 0) return null;
  const linalg = op.startsWith("linalg.");
  if (mode === "position") {
    const x = inputs[0];
    if (x.size !== out.size) return null;
    for (let i = 0; i < x.size; i++) if (x.data[i] !== x.data[i] && out.data[i] === out.data[i]) return `NaN at input index ${i} gave ${out.data[i]}`;
    return null;
  }
  if (mode === "broadcast") {
    // the inputs materialized at the result's shape: value i of every input meets at out[i]
    const xs = inputs.map((t) => broadcastTo(t, out.shape).data);
    const isWhere = op === "where", isPow = op === "pow";
    for (let i = 0; i < out.size; i++) {
      const v = xs.map((x) => x[i]);
      // where: the selected branch (a NaN condition is nonzero, so it selects x); pow(NaN, 0) = 1 (IEEE, PyTorch)
      const expectNaN = isWhere ? Number.isNaN(v[0] !== 0 ? v[1] : v[2]) : isPow ? Number.isNaN(v[1]) || (Number.isNaN(v[0]) && v[1] !== 0) : v.some(Number.isNaN);
      if (expectNaN && !Number.isNaN(out.data[i])) return `inputs ${JSON.stringify(v)} at result index ${i} gave ${out.data[i]}`;
    }
    return null;
  }
  if (mode === "kept" || mode === "diagonal") {
    const x = inputs[0];
    if (x.ndim < 2) return null;
    const m = x.shape[x.ndim - 2], n = x.shape[x.ndim - 1];
    // the offset k of the entry's fixed parameters: triu k = 0, tril k = −1, diagonal k = 1, trace k = 0
    const k = info.name === "tril(k=-1)" ? -1 : info.name === "diagonal(k=1)" ? 1 : 0;
    const inPart = (i: number, j: number): boolean => (op === "triu" ? j - i >= k : op === "tril" ? j - i <= k : j - i === k);
    if (mode === "kept") {
      for (let q = 0; q < x.size; q++) {
        const j = q % n, i = Math.floor(q / n) % m;
        if (inPart(i, j) && Number.isNaN(x.data[q]) && !Number.isNaN(out.data[q])) return `NaN at input index ${q} (kept) gave ${out.data[q]}`;
      }
      return null;
    }
    const nb = x.size / (m * n);
    const len = out.size / nb;
    for (let b = 0; b < nb; b++) {
      let nanOnDiag = false;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) if (inPart(i, j) && Number.isNaN(x.data[b * m * n + i * n + j])) nanOnDiag = true;
      let nanOut = false;
      for (let q = 0; q < len; q++) if (Number.isNaN(out.data[b * len + q])) nanOut = true;
      if (nanOnDiag && !nanOut) return `a NaN on the diagonal of matrix ${b} is missing from the result`;
    }
    return null;
  }
  const nonDiff = info.nondiff ?? [];
  if (mode === "any") {
    // with an empty operand the result is a sum over nothing or a broadcast to an empty axis: the other operands are not read
    if (inputs.some((t) => t.size === 0)) return null;
    const nanIn = inputs.some((t, i) => !nonDiff.includes(i) && hasNaN(t.data));
    if (nanIn && !hasNaN(out.data)) return "an input has a NaN, the result has none";
    if (linalg && inputs.some((t, i) => !nonDiff.includes(i) && !allFinite(t.data)) && allFinite(out.data))
      return "an input has a non-finite entry, the result is finite";
    return null;
  }
  if (readsNonFinite(inputs, mode, true) && !hasNaN(out.data)) return "a NaN in the part read, the result has none";
  // solves with given triangular factors propagate by IEEE arithmetic, as matmul does (b/∞ = 0 is a limit, not a policy breach)
  if (/Solve/.test(info.name)) return null;
  if (readsNonFinite(inputs, mode, false) && allFinite(out.data)) return "a non-finite entry in the part read, the result is finite";
  return null;
}

/**
 * Never "singular", "not positive definite", "did not converge" or "out of the domain" for a NaN:
 * a one-matrix linalg function whose input has a NaN in the part it reads returns NaN instead.
 */
function nanReportedAsNumerical(info: OpInfo, inputs: Tensor[], e: unknown): string | null {
  // one matrix (in a batch, another matrix may really be singular)
  if (!opNameOf(info.name).startsWith("linalg.") || inputs.length !== 1 || inputs[0].ndim !== 2) return null;
  if (!(e instanceof SingularMatrixError || e instanceof NotPositiveDefiniteError || e instanceof ConvergenceError || e instanceof DomainError)) return null;
  const mode = modeOf(info);
  const nan = typeof mode === "object" ? readsNonFinite(inputs, mode, true) : hasNaN(inputs[0].data);
  return nan ? `a NaN input was reported as ${(e as Error).name}: ${(e as Error).message}` : null;
}

const RUNS: Record<string, number> = {
  elementwise: 120, reductions: 250, layout: 250, "matrix ops": 180,
  "linalg: LU/QR/Cholesky": 70, "linalg: spectral, norms": 70, "linalg: matrix functions": 120,
};

const counter = new Counter();
const failures: string[] = [];

afterAll(() => {
  console.log(counter.report("OpInfo value fuzz"));
});

for (const info of allOpInfos) {
  const fam = family(info);
  const op = opNameOf(info.name);
  const prefixes = PREFIXES[op] ?? [op];
  const seedShapes = info.samples().map((s) => s.inputs.map((t) => t.shape.slice()));
  describe(`fuzz ${fam}`, () => {
    it(`${info.name}: a result consistent with the non-finite policy, or a typed error naming ${prefixes[0]}`, () => {
      let k = 0;
      const fixed = FIXED_SHAPES[info.name];
      const variant = (shapes: number[][]): fc.Arbitrary<number[][]> =>
        fixed === undefined ? shapeVariant(shapes) : fixed === "same" ? fc.constant(shapes) : fc.oneof(fc.constant(shapes), fc.integer({ min: 0, max: 3 }).map((b) => shapes.map((sh) => [b, ...sh])));
      const arb = fc.constantFrom(...seedShapes).chain(variant).chain((shapes) => fc.tuple(...shapes.map((s) => tensorOf(s))));
      fc.assert(
        fc.property(arb, (inputs) => {
          let out: Tensor;
          try {
            out = info.fn(...inputs);
          } catch (e) {
            const bad = badThrow(e, prefixes) ?? nanReportedAsNumerical(info, inputs, e);
            if (bad !== null) throw new Error(`${info.name} on shapes ${JSON.stringify(inputs.map((t) => t.shape))}: ${bad}`);
            counter.add(fam, "typed");
            return;
          }
          counter.add(fam, "result");
          const v = policyViolation(info, inputs, out);
          if (v !== null) throw new Error(`${info.name} on ${JSON.stringify(inputs.map((t) => Array.from(t.data)))} (shapes ${JSON.stringify(inputs.map((t) => t.shape))}): ${v}; result ${JSON.stringify(Array.from(out.data))}`);
          if (k++ % 3 === 0) {
            const argnums = inputs.map((_, i) => i).filter((i) => !(info.nondiff ?? []).includes(i));
            if (argnums.length === 0) return;
            try {
              grad((...xs: Tensor[]) => sum(info.fn(...xs)), { argnums })(...inputs);
            } catch (e) {
              const bad = badThrow(e, [...prefixes, "grad", "sum"]);
              if (bad !== null) throw new Error(`backward of ${info.name} on shapes ${JSON.stringify(inputs.map((t) => t.shape))}: ${bad}`);
            }
          }
        }),
        { numRuns: RUNS[fam], seed: 20261207 },
      );
    });
  });
}

it("no failure was recorded", () => expect(failures).toEqual([]));
