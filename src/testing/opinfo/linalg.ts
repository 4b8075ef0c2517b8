/**
 * OpInfo entries of the linalg namespace. Samples: square, tall, wide,
 * batched, 1×1, SPD and moderately ill-conditioned inputs; functions that
 * read one triangle (cholesky, eigh, matrixFunction, hermitian pinv) use
 * structure "symmetric"; eigenvector and singular-vector outputs are wrapped
 * into gauge-invariant quantities (sign-invariant U∘U, reconstructions,
 * projectors). References are hand-checked values or independent plain-JS
 * computations (Gauss–Jordan, cofactor expansion, Taylor series, Cholesky–
 * Banachiewicz) or a different matgrad route (eigh-based matrix functions).
 */
import { Tensor, type NestedArray } from "../../tensor/tensor.js";
import { randn, tensor, eye } from "../../tensor/create.js";
import * as ops from "../../ops/api.js";
import * as linalg from "../../linalg/index.js";
import { DomainError, NotPositiveDefiniteError, ShapeError, SingularMatrixError } from "../../errors.js";
import type { OpInfo, Sample } from "../opinfo.js";
import { apply } from "../../ops/dispatch.js";
import { rules } from "../../ops/registry.js";

let seed = 52000;
/** Seeded standard-normal tensor. */
const rn = (shape: number[]): Tensor => randn(shape, { seed: seed++ });

// ---------------------------------------------------------------------------
// Plain-JS references (independent of the kernels)

type M = number[][];
const toM = (t: Tensor): M => {
  const n = t.shape[t.ndim - 2], m = t.shape[t.ndim - 1];
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * m, (i + 1) * m)));
};
const mm = (a: M, b: M): M => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
const madd = (a: M, b: M, s = 1): M => a.map((r, i) => r.map((v, j) => v + s * b[i][j]));
const mscale = (a: M, s: number): M => a.map((r) => r.map((v) => v * s));
const ident = (n: number): M => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const tr = (a: M): M => a[0].map((_, j) => a.map((r) => r[j]));

/** Gauss–Jordan inverse with partial pivoting. */
function gjInverse(a0: M): M {
  const n = a0.length;
  const a = a0.map((r, i) => [...r, ...ident(n)[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    const d = a[c][c];
    a[c] = a[c].map((v) => v / d);
    for (let r = 0; r < n; r++) if (r !== c) a[r] = a[r].map((v, j) => v - a[r][c] * a[c][j]);
  }
  return a.map((r) => r.slice(n));
}

/** Determinant by cofactor expansion (n ≤ 5 here). */
function cofDet(a: M): number {
  const n = a.length;
  if (n === 1) return a[0][0];
  let d = 0;
  for (let j = 0; j < n; j++) d += (j % 2 ? -1 : 1) * a[0][j] * cofDet(a.slice(1).map((r) => r.filter((_, c) => c !== j)));
  return d;
}

/** exp(A) by scaling, a 30-term Taylor series and squaring. */
function taylorExpm(a: M): M {
  const nrm = Math.max(...a.map((r) => r.reduce((s, v) => s + Math.abs(v), 0)));
  const s = Math.max(0, Math.ceil(Math.log2(nrm + 1e-300)) + 1);
  const x = mscale(a, Math.pow(2, -s));
  let term = ident(a.length), sum = ident(a.length);
  for (let k = 1; k <= 30; k++) {
    term = mscale(mm(term, x), 1 / k);
    sum = madd(sum, term);
  }
  for (let i = 0; i < s; i++) sum = mm(sum, sum);
  return sum;
}

/** Cholesky–Banachiewicz. */
function refCholesky(a: M): M {
  const n = a.length;
  const l = a.map((r) => r.map(() => 0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(s) : s / l[j][j];
    }
  return l;
}

/** Apply a per-matrix reference over the batch. */
function perMatrix(f: (...ms: M[]) => M | number, ...ts: Tensor[]): NestedArray {
  const t0 = ts[0];
  if (t0.ndim === 2) {
    const r = f(...ts.map(toM));
    return typeof r === "number" ? r : r;
  }
  const nb = t0.shape[0];
  const out: NestedArray[] = [];
  for (let b = 0; b < nb; b++) out.push(perMatrix(f, ...ts.map((t) => ops.slice(t, b))));
  return out;
}

// ---------------------------------------------------------------------------
// Sample generators

/** Well-conditioned general square matrix (randn + 2√n·I-ish shift). */
const gen = (n: number, batch: number[] = []): Tensor => ops.add(rn([...batch, n, n]), ops.mul(eye(n), 2));
/** SPD: G Gᵀ + n I. */
function spd(n: number, batch: number[] = []): Tensor {
  const g = rn([...batch, n, n]);
  return ops.add(ops.matmulT(g, g, false, true), ops.mul(eye(n), n));
}
/** Symmetric with well-separated eigenvalues (gaps ≥ 0.5). */
function symSep(n: number, batch: number[] = []): Tensor {
  const q = linalg.qr(rn([...batch, n, n])).Q;
  const lam = tensor(Array.from({ length: n }, (_, i) => -1.3 + 0.9 * i + 0.1 * Math.sin(i)));
  return ops.matmulT(ops.mul(q, lam), q, false, true);
}
/** Symmetric with a repeated eigenvalue: Q diag(1, 1, …, 3, 4, …) Qᵀ. */
function symDegenerate(n: number): Tensor {
  const q = linalg.qr(rn([n, n])).Q;
  const lam = tensor(Array.from({ length: n }, (_, i) => (i < 2 ? 1 : 1.5 + i)));
  return ops.matmulT(ops.mul(q, lam), q, false, true);
}
/** U diag(σ) Vᵀ with prescribed singular values (σ₁/σₙ = cond). */
function withCond(m: number, n: number, cond: number): Tensor {
  const k = Math.min(m, n);
  const u = linalg.qr(rn([m, k])).Q, v = linalg.qr(rn([n, k])).Q;
  const s = tensor(Array.from({ length: k }, (_, i) => Math.pow(cond, -i / Math.max(1, k - 1))));
  return ops.matmulT(ops.mul(u, s), v, false, true);
}
/** A general matrix with distinct singular values (for svd samples). */
const rect = (m: number, n: number, batch: number[] = []): Tensor => rn([...batch, m, n]);
/** Matrix near the identity with a complex-conjugate eigenvalue pair (for logm / sqrtm). */
function nearIdentityRotation(n: number): Tensor {
  const a = ops.add(ops.mul(rn([n, n]), 0.15), eye(n));
  const r = tensor([[0.8, -0.5], [0.5, 0.8]]);
  if (n < 2) return a;
  const pad = ops.concat([ops.concat([r, ops.mul(rn([2, n - 2]), 0.1)], 1), ops.concat([ops.mul(rn([n - 2, 2]), 0.1), ops.add(eye(n - 2), ops.mul(rn([n - 2, n - 2]), 0.1))], 1)], 0);
  return pad;
}

/** Flatten and concatenate several outputs into one vector (one output for gradcheck). */
const cat = (...ts: Tensor[]): Tensor => ops.concat(ts.map((t) => ops.reshape(t, [-1])), 0);
/** U ∘ U: invariant under the sign of each column (the eigh / svd gauge for distinct values). */
const sq = (t: Tensor): Tensor => ops.mul(t, t);
const sym = ["symmetric"] as const;
const symS = (): ("symmetric")[] => [...sym];

// ---------------------------------------------------------------------------

const singularErr = (name: string) => ({
  name: "singular matrix",
  inputs: () => [tensor([[1, 2], [2, 4]])],
  error: SingularMatrixError,
  message: new RegExp(`^${name.replace(".", "\\.")}: .*singular`),
});
const nonSquareErr = (name: string) => ({
  name: "non-square input",
  inputs: () => [rn([2, 3])],
  error: ShapeError,
  message: new RegExp(`^${name.replace(".", "\\.")}: A must be square .*\\[2, 3\\]`),
});

/** The OpInfo entries of the linear-algebra ops. */
export const linalgOpInfos: OpInfo[] = [
  {
    name: "linalg.inv",
    fn: (a) => linalg.inv(a),
    samples: (): Sample[] => [
      { name: "hand-checked 2×2", inputs: [tensor([[4, 7], [2, 6]])], expected: [[0.6, -0.7], [-0.2, 0.4]] },
      { name: "square 4×4", inputs: [gen(4)], expected: (a) => perMatrix(gjInverse, a) },
      { name: "batched 2×3×3", inputs: [gen(3, [2])], expected: (a) => perMatrix(gjInverse, a) },
      { name: "1×1", inputs: [tensor([[-2.5]])], expected: [[-0.4]] },
      { name: "SPD 3×3", inputs: [spd(3)], expected: (a) => perMatrix(gjInverse, a) },
      // (eps 1e-8: the default step's O(eps²·f‴) error grows like cond² — 0.1–0.4 here at 1e-6, ≈ 3e-5 at 1e-8)
      { name: "ill-conditioned 4×4 (cond 1e4)", inputs: [withCond(4, 4, 1e4)], rtol: 1e-3, atol: 1e-3, eps: 1e-8, skipSecondOrder: true },
    ],
    errors: [singularErr("linalg.inv"), nonSquareErr("linalg.inv")],
  },
  {
    // the inverse's VJP as its own primitive: (C, G) ↦ −Cᵀ G Cᵀ (bilinear; its rules give inv's higher orders)
    name: "linalg.invVjp",
    fn: (c, g) => apply(rules.invVjp, [c, g], null),
    samples: (): Sample[] => {
      const ref = (c: Tensor, g: Tensor): Tensor => ops.neg(ops.matmul(ops.matmul(ops.mT(c), g), ops.mT(c)));
      return [
        { name: "hand-checked 2×2", inputs: [tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 0]])], expected: [[-1, -3], [-2, -6]] },
        // (own seeds: the shared counter's sequence, and so every later entry's samples, stay as they were)
        { name: "square 4×4", inputs: [randn([4, 4], { seed: 7201 }), randn([4, 4], { seed: 7202 })], expected: ref },
        { name: "batched 2×3×3", inputs: [randn([2, 3, 3], { seed: 7203 }), randn([2, 3, 3], { seed: 7204 })], expected: ref },
        { name: "1×1", inputs: [tensor([[2]]), tensor([[3]])], expected: [[-12]] },
      ];
    },
  },
  {
    name: "linalg.solve",
    fn: (a, b) => linalg.solve(a, b),
    samples: () => [
      { name: "square 3×3, B 3×2", inputs: [gen(3), rn([3, 2])], expected: (a, b) => perMatrix((x, y) => mm(gjInverse(x), y), a, b) },
      { name: "vector right-hand side", inputs: [gen(3), rn([3])], expected: (a, b) => mm(gjInverse(toM(a)), tr([Array.from(b.data)])).map((r) => r[0]) },
      { name: "broadcast A 3×3, B 2×3×2", inputs: [gen(3), rn([2, 3, 2])] },
      { name: "batched A 2×3×3, B 2×3×1", inputs: [gen(3, [2]), rn([2, 3, 1])] },
      { name: "1×1", inputs: [tensor([[2]]), tensor([[3, -1]])], expected: [[1.5, -0.5]] },
    ],
    errors: [
      { name: "singular matrix", inputs: () => [tensor([[1, 2], [2, 4]]), tensor([[1], [1]])], error: SingularMatrixError, message: /^linalg\.solve: .*singular.*rcond = 0/ },
      { name: "incompatible B", inputs: () => [gen(3), rn([4, 2])], error: ShapeError, message: /^linalg\.solve: B has shape \[4, 2\], incompatible with A of shape \[3, 3\]/ },
    ],
  },
  {
    name: "linalg.solve (left: false)",
    fn: (a, b) => linalg.solve(a, b, { left: false }),
    samples: () => [
      { name: "X A = B, A 3×3, B 2×3", inputs: [gen(3), rn([2, 3])], expected: (a, b) => mm(toM(b), gjInverse(toM(a))) },
      { name: "batched", inputs: [gen(2, [2]), rn([2, 4, 2])] },
    ],
  },
  {
    name: "linalg.triangularSolve (upper, left)",
    fn: (a, b) => linalg.triangularSolve(a, b, { upper: true }),
    samples: () => [
      { name: "3×3, B 3×2 (lower part ignored)", inputs: [gen(3), rn([3, 2])], expected: (a, b) => mm(gjInverse(toM(ops.triu(a))), toM(b)) },
      { name: "batched broadcast", inputs: [gen(3, [2]), rn([3, 1])] },
      { name: "1×1", inputs: [tensor([[4]]), tensor([[2, 8]])], expected: [[0.5, 2]] },
    ],
    errors: [
      { name: "zero on the diagonal", inputs: () => [tensor([[1, 2], [0, 0]]), tensor([[1], [1]])], error: SingularMatrixError, message: /^linalg\.triangularSolve: .*singular: its diagonal entry 1 is 0/ },
    ],
  },
  {
    name: "linalg.triangularSolve (lower, right, unitriangular)",
    fn: (a, b) => linalg.triangularSolve(a, b, { upper: false, left: false, unitriangular: true }),
    samples: () => [
      {
        name: "X L = B, unit diagonal",
        inputs: [gen(3), rn([2, 3])],
        expected: (a, b) => mm(toM(b), gjInverse(toM(ops.add(ops.tril(a, -1), eye(3))))),
      },
    ],
  },
  {
    name: "linalg.lu",
    fn: (a) => {
      const { P, L, U } = linalg.lu(a);
      return cat(L, U, ops.matmul(P, ops.matmul(L, U)));
    },
    samples: () => [
      { name: "square 4×4", inputs: [gen(4)] },
      { name: "batched 2×3×3", inputs: [gen(3, [2])] },
      { name: "1×1", inputs: [tensor([[3]])], expected: [1, 3, 3] },
      { name: "hand-checked (pivoting)", inputs: [tensor([[1, 2], [3, 4]])], expected: [1, 0, 1 / 3, 1, 3, 4, 0, 2 / 3, 1, 2, 3, 4] },
    ],
    errors: [{ name: "vector input", inputs: () => [rn([3])], error: ShapeError, message: /^linalg\.lu: A must be a matrix .*\[3\]/ }],
  },
  {
    name: "linalg.luSolve",
    fn: (lu, piv, b) => linalg.luSolve(lu, piv, b),
    nondiff: [1],
    samples: () => {
      const a = gen(3), a2 = gen(3, [2]);
      const f = linalg.luFactor(a), f2 = linalg.luFactor(a2);
      const bb = rn([3, 2]);
      return [
        { name: "3×3 factors, B 3×2", inputs: [f.LU, f.pivots, bb], expected: () => perMatrix((x, y) => mm(gjInverse(x), y), a, bb) },
        { name: "batched", inputs: [f2.LU, f2.pivots, rn([2, 3, 1])] },
      ];
    },
  },
  {
    name: "linalg.luSolve (adjoint)",
    fn: (lu, piv, b) => linalg.luSolve(lu, piv, b, { adjoint: true }),
    nondiff: [1],
    samples: () => {
      const a = gen(3);
      const f = linalg.luFactor(a);
      const bb = rn([3, 2]);
      return [{ name: "Aᵀ X = B", inputs: [f.LU, f.pivots, bb], expected: () => mm(gjInverse(tr(toM(a))), toM(bb)) }];
    },
  },
  {
    name: "linalg.det",
    fn: (a) => linalg.det(a),
    samples: () => [
      { name: "hand-checked 2×2", inputs: [tensor([[3, 8], [4, 6]])], expected: -14 },
      { name: "square 4×4", inputs: [gen(4)], expected: (a) => perMatrix(cofDet, a) },
      { name: "batched 3×3×3", inputs: [gen(3, [3])], expected: (a) => perMatrix(cofDet, a) },
      { name: "1×1", inputs: [tensor([[-1.5]])], expected: -1.5 },
      { name: "singular (rank 2) 3×3: cofactor gradient", inputs: [tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])], expected: 0, skipSecondOrder: true },
    ],
    errors: [nonSquareErr("linalg.det")],
  },
  {
    name: "linalg.slogdet (logabsdet)",
    fn: (a) => linalg.slogdet(a).logabsdet,
    samples: () => [
      { name: "square 4×4", inputs: [gen(4)], expected: (a) => Math.log(Math.abs(cofDet(toM(a)))) },
      { name: "negative determinant", inputs: [tensor([[0, 1], [1, 0.5]])], expected: 0 },
      { name: "batched 2×3×3", inputs: [gen(3, [2])] },
      { name: "ill-conditioned (cond 1e3)", inputs: [withCond(4, 4, 1e3)], atol: 1e-3, eps: 1e-8, skipSecondOrder: true },
    ],
  },
  {
    name: "linalg.logdet",
    fn: (a) => linalg.logdet(a),
    samples: () => [
      { name: "SPD 4×4", inputs: [spd(4)], expected: (a) => Math.log(cofDet(toM(a))) },
      { name: "batched SPD", inputs: [spd(3, [2])] },
      { name: "1×1", inputs: [tensor([[Math.E]])], expected: 1 },
    ],
    errors: [
      { name: "negative determinant", inputs: () => [tensor([[0, 1], [1, 0]])], error: DomainError, message: /^linalg\.logdet: det\(A\) < 0/ },
    ],
  },
  {
    name: "linalg.cholesky",
    fn: (a) => linalg.cholesky(a),
    samples: () => [
      { name: "hand-checked 2×2", inputs: [tensor([[4, 2], [2, 5]])], expected: [[2, 0], [1, 2]], structure: symS() },
      { name: "SPD 4×4", inputs: [spd(4)], expected: (a) => perMatrix(refCholesky, a), structure: symS() },
      { name: "batched SPD 2×3×3", inputs: [spd(3, [2])], expected: (a) => perMatrix(refCholesky, a), structure: symS() },
      { name: "1×1", inputs: [tensor([[9]])], expected: [[3]], structure: symS() },
      { name: "ill-conditioned SPD (cond 1e4)", inputs: [spdWithCond(3, 1e4)], structure: symS(), atol: 1e-3, eps: 1e-8, skipSecondOrder: true },
    ],
    errors: [
      { name: "indefinite matrix", inputs: () => [tensor([[1, 2], [2, 1]])], error: NotPositiveDefiniteError, message: /^linalg\.cholesky: the matrix is not positive definite: the leading minor of order 2 is not positive \(pivot 1 = -3\)/ },
      nonSquareErr("linalg.cholesky"),
    ],
  },
  {
    name: "linalg.cholesky (upper)",
    fn: (a) => linalg.cholesky(a, { upper: true }),
    samples: () => [{ name: "SPD 3×3", inputs: [spd(3)], expected: (a) => tr(refCholesky(toM(a))), structure: symS() }],
  },
  {
    name: "linalg.choleskySolve",
    fn: (b, l) => linalg.choleskySolve(b, l),
    samples: () => {
      const a = spd(3);
      const l = linalg.cholesky(a);
      const b = rn([3, 2]);
      return [
        { name: "SPD 3×3, B 3×2", inputs: [b, l], expected: () => mm(gjInverse(toM(a)), toM(b)) },
        { name: "batched", inputs: [rn([2, 3, 1]), linalg.cholesky(spd(3, [2]))] },
      ];
    },
  },
  {
    name: "linalg.qr (reduced)",
    fn: (a) => {
      const { Q, R } = linalg.qr(a);
      return cat(Q, R);
    },
    samples: () => [
      { name: "tall 5×3", inputs: [rn([5, 3])] },
      { name: "square 3×3", inputs: [rn([3, 3])] },
      { name: "wide 3×5", inputs: [rn([3, 5])] },
      { name: "batched 2×4×2", inputs: [rn([2, 4, 2])] },
      { name: "1×1 (negative: sign gauge)", inputs: [tensor([[-2]])], expected: [-1, 2] },
      { name: "hand-checked 2×2", inputs: [tensor([[3, 1], [4, 2]])], expected: [0.6, -0.8, 0.8, 0.6, 5, 2.2, 0, 0.4] },
      { name: "ill-conditioned 4×3 (cond 1e4)", inputs: [withCond(4, 3, 1e4)], atol: 1e-3, eps: 1e-8, skipSecondOrder: true },
    ],
  },
  {
    name: "linalg.qr (complete, gauge-invariant)",
    fn: (a) => {
      const { Q, R } = linalg.qr(a, { mode: "complete" });
      const n = a.shape[a.ndim - 1], m = a.shape[a.ndim - 2];
      const q2 = ops.slice(Q, null, [n, m]);
      return cat(ops.slice(Q, null, [0, n]), R, ops.matmulT(q2, q2, false, true));
    },
    samples: () => [{ name: "tall 4×2", inputs: [rn([4, 2])] }],
  },
  {
    name: "linalg.qr (mode r)",
    fn: (a) => linalg.qr(a, { mode: "r" }).R,
    samples: () => [{ name: "tall 4×3", inputs: [rn([4, 3])] }],
  },
  {
    name: "linalg.eigh (eigenvalues and U∘U)",
    fn: (a) => {
      const { eigenvalues, eigenvectors } = linalg.eigh(a);
      return cat(eigenvalues, sq(eigenvectors));
    },
    samples: () => [
      { name: "symmetric 4×4", inputs: [symSep(4)], structure: symS() },
      { name: "batched 2×3×3", inputs: [symSep(3, [2])], structure: symS() },
      { name: "1×1", inputs: [tensor([[2]])], expected: [2, 1], structure: symS() },
      { name: "hand-checked 2×2", inputs: [tensor([[2, 1], [1, 2]])], expected: [1, 3, 0.5, 0.5, 0.5, 0.5], structure: symS() },
    ],
    errors: [nonSquareErr("linalg.eigh")],
  },
  {
    name: "linalg.eigh (U f(Λ) Uᵀ and a projector)",
    fn: (a) => {
      const { eigenvalues: w, eigenvectors: u } = linalg.eigh(a);
      const n = a.shape[a.ndim - 1];
      const top = ops.slice(u, null, [n - 2, n]);
      return cat(ops.matmulT(ops.mul(u, ops.unsqueeze(ops.pow(w, 3), -2)), u, false, true), ops.matmulT(top, top, false, true));
    },
    samples: () => [
      { name: "symmetric 4×4", inputs: [symSep(4)], structure: symS() },
      { name: "batched 2×3×3", inputs: [symSep(3, [2])], structure: symS() },
    ],
  },
  {
    // gauge-invariant losses at a degenerate spectrum (λ = 1, 1, 3.5, 4.5): symmetric functions of the
    // repeated eigenvalues, the simple eigenvalues, spectral projectors onto whole eigenspaces and
    // U f(Λ) Uᵀ restricted to the simple ones; the rotation inside the repeated eigenspace is dropped,
    // which is exact for these (see docs/linalg.md). First order only: the VJP itself is not
    // differentiable at the degenerate point.
    name: "linalg.eigh (degenerate spectrum: gauge-invariant losses)",
    fn: (a) => {
      const { eigenvalues: w, eigenvectors: u } = linalg.eigh(a);
      const low = ops.slice(u, null, [0, 2]), top = ops.slice(u, null, [2, 4]);
      const wl = ops.slice(w, [0, 2]);
      return cat(ops.sum(ops.pow(wl, 2)), ops.slice(w, [2, 4]), ops.matmulT(low, low, false, true), ops.matmulT(ops.mul(top, ops.slice(w, [2, 4])), top, false, true));
    },
    samples: () => [{ name: "λ = 1, 1, 3.5, 4.5", inputs: [symDegenerate(4)], structure: symS(), skipSecondOrder: true }],
  },
  {
    name: "linalg.eigvalsh",
    fn: (a) => linalg.eigvalsh(a),
    samples: () => [
      { name: "symmetric 4×4", inputs: [symSep(4)], structure: symS() },
    ],
  },
  {
    name: "linalg.svd (values, U∘U, Vh∘Vh, reconstruction)",
    fn: (a) => {
      const { U, S, Vh } = linalg.svd(a, { fullMatrices: false });
      return cat(S, sq(U), sq(Vh), ops.matmul(ops.mul(U, ops.unsqueeze(S, -2)), Vh));
    },
    samples: () => [
      { name: "tall 4×3", inputs: [rect(4, 3)] },
      { name: "wide 2×4", inputs: [rect(2, 4)] },
      { name: "square 3×3", inputs: [rect(3, 3)] },
      { name: "batched 2×3×2", inputs: [rect(3, 2, [2])] },
      { name: "1×1", inputs: [tensor([[-3]])], expected: [3, 1, 1, -3] },
    ],
  },
  {
    name: "linalg.svd (full matrices, gauge-invariant)",
    fn: (a) => {
      const { U, S, Vh } = linalg.svd(a);
      const m = a.shape[0], n = a.shape[1], k = Math.min(m, n);
      const u2 = ops.slice(U, null, [k, m]), v2 = ops.slice(Vh, [k, n]);
      return cat(S, ops.matmulT(u2, u2, false, true), ops.matmulT(v2, v2, true, false), sq(ops.slice(U, null, [0, k])));
    },
    samples: () => [
      { name: "tall 4×2", inputs: [rect(4, 2)] },
      { name: "wide 2×3", inputs: [rect(2, 3)] },
    ],
  },
  {
    name: "linalg.svdvals",
    fn: (a) => linalg.svdvals(a),
    samples: () => [
      { name: "tall 4×3", inputs: [rect(4, 3)] },
      { name: "hand-checked diag", inputs: [tensor([[3, 0], [0, -4]])], expected: [4, 3] },
      { name: "batched wide", inputs: [rect(2, 3, [2])] },
    ],
  },
  {
    name: "linalg.pinv",
    fn: (a) => linalg.pinv(a),
    samples: () => [
      { name: "tall 4×2", inputs: [rect(4, 2)], expected: (a) => mm(gjInverse(mm(tr(toM(a)), toM(a))), tr(toM(a))) },
      { name: "wide 2×3", inputs: [rect(2, 3)], expected: (a) => mm(tr(toM(a)), gjInverse(mm(toM(a), tr(toM(a))))) },
      { name: "square invertible", inputs: [gen(3)], expected: (a) => gjInverse(toM(a)) },
      { name: "batched", inputs: [rect(3, 2, [2])] },
    ],
  },
  {
    name: "linalg.pinv (hermitian)",
    fn: (a) => linalg.pinv(a, { hermitian: true }),
    samples: () => [{ name: "symmetric 3×3", inputs: [symSep(3)], structure: symS(), expected: (a) => gjInverse(toM(a)) }],
  },
  {
    name: "linalg.lstsq (solution)",
    fn: (a, b) => linalg.lstsq(a, b).solution,
    samples: () => [
      { name: "tall 5×3, B 5×2", inputs: [rect(5, 3), rn([5, 2])], expected: (a, b) => mm(gjInverse(mm(tr(toM(a)), toM(a))), mm(tr(toM(a)), toM(b))) },
      { name: "wide 2×4 (minimum norm)", inputs: [rect(2, 4), rn([2, 1])], expected: (a, b) => mm(tr(toM(a)), mm(gjInverse(mm(toM(a), tr(toM(a)))), toM(b))) },
    ],
  },
  {
    name: "linalg.matrixNorm",
    fn: (a) => ops.stack(["fro", "nuc", 2, -2, 1, -1, Infinity, -Infinity].map((o) => linalg.matrixNorm(a, o as linalg.MatrixOrd))),
    samples: () => [
      // kinks at the zero entries (|x|) for the 1- and ∞-norms: first order only
      { name: "hand-checked 2×2", inputs: [tensor([[3, 0], [0, -4]])], expected: [5, 7, 4, 3, 4, 3, 4, 3], skipSecondOrder: true },
      { name: "tall 4×3", inputs: [rect(4, 3)] },
    ],
  },
  {
    name: "linalg.matrixNorm (batched fro, keepdim)",
    fn: (a) => linalg.matrixNorm(a, "fro", { keepdim: true }),
    samples: () => [{ name: "batched 2×3×2", inputs: [rn([2, 3, 2])] }],
  },
  {
    name: "linalg.vectorNorm",
    fn: (x) => ops.stack([2, 3, 1.5, 1, Infinity, -Infinity].map((o) => linalg.vectorNorm(x, o))),
    samples: () => [
      { name: "hand-checked", inputs: [tensor([3, -4])], expected: [5, Math.cbrt(91), Math.pow(Math.pow(3, 1.5) + 8, 2 / 3), 7, 4, 3] },
      { name: "matrix (all entries)", inputs: [rn([3, 2])] },
    ],
  },
  {
    name: "linalg.vectorNorm (dim, at zero)",
    fn: (x) => linalg.vectorNorm(x, 2, { dim: -1 }),
    samples: () => [
      { name: "rows", inputs: [rn([3, 4])] },
      { name: "a zero row: subgradient 0", inputs: [tensor([[0, 0], [3, 4]])], expected: [0, 5], skipSecondOrder: true },
    ],
  },
  {
    name: "linalg.cond",
    fn: (a) => ops.stack([linalg.cond(a), linalg.cond(a, "fro"), linalg.cond(a, 1)]),
    samples: () => [
      // the 1-norm has a kink at the zero entries (|x| at 0): first order only
      { name: "hand-checked diag", inputs: [tensor([[2, 0], [0, 0.5]])], expected: [4, Math.sqrt(4.25) * Math.sqrt(4.25), 4], skipSecondOrder: true },
      { name: "square 3×3", inputs: [gen(3)] },
    ],
  },
  {
    name: "linalg.matrixPower",
    fn: (a) => cat(linalg.matrixPower(a, 3), linalg.matrixPower(a, -2), linalg.matrixPower(a, 1)),
    samples: () => [
      { name: "square 3×3", inputs: [gen(3)] },
      { name: "hand-checked", inputs: [tensor([[1, 1], [0, 1]])], expected: [1, 3, 0, 1, 1, -2, 0, 1, 1, 1, 0, 1] },
      { name: "batched", inputs: [gen(2, [2])] },
    ],
  },
  {
    name: "linalg.expm",
    fn: (a) => linalg.expm(a),
    samples: () => [
      { name: "hand-checked nilpotent", inputs: [tensor([[0, 1], [0, 0]])], expected: [[1, 1], [0, 1]] },
      { name: "square 3×3", inputs: [rn([3, 3])], expected: (a) => taylorExpm(toM(a)) },
      { name: "large norm (squarings)", inputs: [ops.mul(rn([3, 3]), 3)], expected: (a) => taylorExpm(toM(a)), rtol: 1e-3 },
      { name: "batched 2×2×2", inputs: [rn([2, 2, 2])], expected: (a) => perMatrix(taylorExpm, a) },
      { name: "1×1", inputs: [tensor([[1]])], expected: [[Math.E]] },
    ],
    errors: [nonSquareErr("linalg.expm")],
  },
  {
    name: "linalg.expmFrechet",
    fn: (a, e) => linalg.expmFrechet(a, e),
    samples: () => [
      {
        name: "3×3",
        inputs: [rn([3, 3]), rn([3, 3])],
        expected: (a, e) => {
          // top-right block of exp([[A, E], [0, A]])
          const A = toM(a), E = toM(e), n = 3;
          const big = [...A.map((r, i) => [...r, ...E[i]]), ...A.map((r) => [...r.map(() => 0), ...r])];
          return taylorExpm(big).slice(0, n).map((r) => r.slice(n));
        },
      },
    ],
  },
  {
    name: "linalg.logm",
    fn: (a) => linalg.logm(a),
    samples: () => [
      { name: "SPD 3×3", inputs: [spd(3)], expected: (a) => linalg.matrixFunction(a, ops.log) },
      { name: "complex eigenvalues 3×3", inputs: [nearIdentityRotation(3)] },
      { name: "1×1", inputs: [tensor([[Math.E]])], expected: [[1]] },
      { name: "batched", inputs: [ops.add(ops.mul(rn([2, 2, 2]), 0.2), eye(2))] },
    ],
    errors: [
      { name: "negative eigenvalue", inputs: () => [tensor([[-1, 0], [0, 2]])], error: DomainError, message: /^linalg\.logm: .*eigenvalue -1 on the closed negative real axis/ },
      nonSquareErr("linalg.logm"),
    ],
  },
  {
    name: "linalg.sqrtm",
    fn: (a) => linalg.sqrtm(a),
    samples: () => [
      { name: "SPD 3×3", inputs: [spd(3)], expected: (a) => linalg.matrixFunction(a, ops.sqrt) },
      { name: "complex eigenvalues 3×3", inputs: [nearIdentityRotation(3)] },
      { name: "hand-checked", inputs: [tensor([[4, 0], [0, 9]])], expected: [[2, 0], [0, 3]] },
      { name: "1×1", inputs: [tensor([[2.25]])], expected: [[1.5]] },
      { name: "batched", inputs: [ops.add(ops.mul(rn([2, 2, 2]), 0.2), eye(2))] },
    ],
    errors: [
      { name: "negative eigenvalue", inputs: () => [tensor([[-4, 0], [0, 1]])], error: DomainError, message: /^linalg\.sqrtm: .*eigenvalue -4 on the negative real axis/ },
    ],
  },
  {
    name: "linalg.matrixFunction (exp)",
    fn: (a) => linalg.matrixFunction(a, ops.exp),
    samples: () => [
      { name: "symmetric 4×4", inputs: [symSep(4)], structure: symS(), expected: (a) => taylorExpm(toM(a)) },
      { name: "repeated eigenvalue (exact DK)", inputs: [symDegenerate(3)], structure: symS(), expected: (a) => taylorExpm(toM(a)) },
      { name: "identity (fully degenerate)", inputs: [eye(3)], structure: symS(), expected: (a) => taylorExpm(toM(a)) },
      { name: "batched", inputs: [symSep(2, [2])], structure: symS() },
    ],
  },
  {
    name: "linalg.matrixFunction (sin, explicit derivative)",
    fn: (a) => linalg.matrixFunction(a, ops.sin, ops.cos),
    samples: () => [{ name: "symmetric 3×3", inputs: [symSep(3)], structure: symS() }],
  },
  {
    name: "linalg.solveSylvester",
    fn: (a, b, c) => linalg.solveSylvester(a, b, c),
    samples: () => [
      { name: "3×3, 2×2, C 3×2", inputs: [gen(3), gen(2), rn([3, 2])] },
      { name: "hand-checked scalar", inputs: [tensor([[2]]), tensor([[3]]), tensor([[10]])], expected: [[2]] },
      { name: "batched", inputs: [gen(2, [2]), gen(2), rn([2, 2, 2])] },
    ],
    errors: [
      { name: "singular equation", inputs: () => [tensor([[1]]), tensor([[-1]]), tensor([[1]])], error: SingularMatrixError, message: /^linalg\.solveSylvester: the equation is singular/ },
      { name: "bad C", inputs: () => [gen(2), gen(3), rn([3, 2])], error: ShapeError, message: /^linalg\.solveSylvester: C has shape \[3, 2\], expected \[\.\.\., 2, 3\]/ },
    ],
  },
  {
    name: "linalg.solveLyapunov",
    fn: (a, q) => linalg.solveLyapunov(a, q),
    samples: () => [
      { name: "stable 3×3", inputs: [ops.sub(rn([3, 3]), ops.mul(eye(3), 3)), rn([3, 3])] },
      { name: "hand-checked scalar", inputs: [tensor([[-1]]), tensor([[-4]])], expected: [[2]] },
      { name: "batched A 2×2×2, Q broadcast", inputs: [ops.sub(rn([2, 2, 2]), ops.mul(eye(2), 3)), rn([2, 2])] },
    ],
  },
];

function spdWithCond(n: number, cond: number): Tensor {
  const q = linalg.qr(rn([n, n])).Q;
  const lam = tensor(Array.from({ length: n }, (_, i) => Math.pow(cond, -i / (n - 1))));
  return ops.matmulT(ops.mul(q, lam), q, false, true);
}
