/**
 * OpInfo entries of the Schur family: linalg.schur, hessenberg, polar (both
 * sides), funm and householderProduct. Multi-output functions are checked
 * through the concatenation of their (gauge-fixed, hence smooth) outputs.
 * References: hand values at structured inputs (already triangular /
 * Hessenberg / orthogonal matrices, rotation generators), other matgrad
 * routes (expm, logm, sqrtm, the eigh-based matrixFunction) and a plain-JS
 * product of reflectors. SciPy fixtures are in test/linalg/schur-funm.test.ts.
 */
import { Tensor, type NestedArray } from "../../tensor/tensor.js";
import { randn, tensor, eye } from "../../tensor/create.js";
import * as ops from "../../ops/api.js";
import * as linalg from "../../linalg/index.js";
import { DomainError, ShapeError } from "../../errors.js";
import type { OpInfo } from "../opinfo.js";

let seed = 71000;
const rn = (shape: number[]): Tensor => randn(shape, { seed: seed++ });
const cat = (...ts: Tensor[]): Tensor => ops.concat(ts.map((t) => ops.reshape(t, [-1])), 0);
const pair = (r: readonly [Tensor, Tensor]): Tensor => cat(r[0], r[1]);
/** Distinct real eigenvalues 1, 2, …, n plus a small perturbation. */
const realSpec = (n: number, batch: number[] = []): Tensor =>
  ops.add(ops.mul(rn([...batch, n, n]), 0.2), ops.diagEmbed(tensor(Array.from({ length: n }, (_, i) => i + 1))));
/** Near the identity with the complex pair 0.8 ± 0.6i (for log / sqrt). */
function nearRotation(n: number): Tensor {
  const a = ops.add(ops.mul(rn([n, n]), 0.1), eye(n));
  const r = tensor([[0.8, -0.6], [0.6, 0.8]]);
  return ops.concat([ops.concat([r, ops.mul(rn([2, n - 2]), 0.1)], 1), ops.slice(a, [2, n])], 0);
}

/** Q = H₀ ⋯ H_{k−1} [I_n; 0] by explicit reflectors (plain JS). */
function refHouseholder(a: Tensor, tau: Tensor): NestedArray {
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1], k = tau.shape[tau.ndim - 1];
  const nb = a.size / (m * n || 1);
  const out: number[][][] = [];
  for (let b = 0; b < (a.size === 0 ? 1 : nb); b++) {
    const A = (i: number, j: number): number => a.data[b * m * n + i * n + j];
    const q = Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    for (let r = k - 1; r >= 0; r--) {
      const v = Array.from({ length: m }, (_, i) => (i < r ? 0 : i === r ? 1 : A(i, r)));
      const t = tau.data[b * k + r];
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += v[i] * q[i][j];
        for (let i = 0; i < m; i++) q[i][j] -= t * v[i] * s;
      }
    }
    out.push(q);
  }
  return a.ndim === 2 ? out[0] : out;
}

/** Right polar factors by another route: P = (AᵀA)^{1/2} (eigh-based), U = A P⁻¹. */
function refPolarRight(a: Tensor): Tensor {
  const p = linalg.matrixFunction(ops.matmulT(a, a, true, false), ops.sqrt);
  return cat(ops.mT(linalg.solve(p, ops.mT(a))), p);
}

const nonSquare = (name: string) => ({
  name: "non-square input",
  inputs: () => [rn([2, 3])],
  error: ShapeError,
  message: new RegExp(`^${name.replace(".", "\\.")}: A must be square .*\\[2, 3\\]`),
});

export const linalgExtraOpInfos: OpInfo[] = [
  {
    name: "linalg.schur",
    fn: (a) => pair(linalg.schur(a)),
    samples: () => [
      { name: "real spectrum 4×4", inputs: [realSpec(4)] },
      { name: "complex pair 3×3", inputs: [rn([3, 3])] },
      { name: "batched 2×3×3", inputs: [realSpec(3, [2])] },
      { name: "already triangular (T = A, Z = I)", inputs: [tensor([[1, 2], [0, 3]])], expected: [1, 2, 0, 3, 1, 0, 0, 1] },
      // [[1, −4], [1, 1]] is standardized; the gauge (b > 0) flips Z's second column: T = [[1, 4], [−1, 1]]
      { name: "complex pair, hand-checked gauge", inputs: [tensor([[1, -4], [1, 1]])], expected: [1, 4, -1, 1, 1, 0, 0, -1] },
      { name: "1×1", inputs: [tensor([[-2]])], expected: [-2, 1] },
      { name: "empty 0×0", inputs: [tensor([], { shape: [0, 0] })], expected: [] },
    ],
    errors: [nonSquare("linalg.schur")],
  },
  {
    name: "linalg.hessenberg",
    fn: (a) => pair(linalg.hessenberg(a)),
    samples: () => [
      { name: "general 4×4", inputs: [rn([4, 4])] },
      { name: "batched 2×3×3", inputs: [rn([2, 3, 3])] },
      // one reflector for x = [3, 4]: β = −5, τ = 8/5, v = [1, 1/2], H₀ = diag(1, [[−0.6, −0.8], [−0.8, 0.6]]) = Q, H = Q A Q
      {
        name: "3×3, hand-checked reflector",
        inputs: [tensor([[1, 2, 3], [3, 4, 5], [4, 6, 7]])],
        expected: [1, -3.6, 0.2, -5, 11.2, 0.6, 0, -0.4, -0.2, 1, 0, 0, 0, -0.6, -0.8, 0, -0.8, 0.6],
      },
      { name: "2×2 (no reflector)", inputs: [tensor([[1, 2], [3, 4]])], expected: [1, 2, 3, 4, 1, 0, 0, 1] },
      { name: "empty 0×0", inputs: [tensor([], { shape: [0, 0] })], expected: [] },
    ],
    errors: [nonSquare("linalg.hessenberg")],
  },
  {
    name: "linalg.polar (right)",
    fn: (a) => pair(linalg.polar(a)),
    samples: () => [
      { name: "square 3×3", inputs: [rn([3, 3])], expected: refPolarRight },
      { name: "tall 4×2", inputs: [rn([4, 2])], expected: refPolarRight },
      { name: "wide 2×3", inputs: [rn([2, 3])] },
      { name: "batched 2×3×3", inputs: [rn([2, 3, 3])] },
      { name: "orthogonal (U = A, P = I; repeated singular values)", inputs: [tensor([[0.6, -0.8], [0.8, 0.6]])], expected: [0.6, -0.8, 0.8, 0.6, 1, 0, 0, 1] },
    ],
    errors: [
      { name: "vector input", inputs: () => [tensor([1, 2])], error: ShapeError, message: /^linalg\.polar: A must be a matrix/ },
    ],
  },
  {
    name: "linalg.polar (left)",
    fn: (a) => pair(linalg.polar(a, { side: "left" })),
    samples: () => [
      { name: "square 3×3", inputs: [rn([3, 3])], expected: (a: Tensor) => { const r = linalg.polar(ops.mT(a)); return cat(ops.mT(r[0]), r[1]); } },
      { name: "wide 2×4", inputs: [rn([2, 4])] },
      { name: "tall 3×2", inputs: [rn([3, 2])] },
      { name: "diagonal positive (U = I, P = A)", inputs: [tensor([[2, 0], [0, 3]])], expected: [1, 0, 0, 1, 2, 0, 0, 3] },
    ],
  },
  {
    name: "linalg.funm (exp)",
    fn: (a) => linalg.funm(a, "exp"),
    samples: () => [
      { name: "general 3×3 (complex pair)", inputs: [rn([3, 3])], expected: (a: Tensor) => linalg.expm(a) },
      { name: "cluster of close eigenvalues", inputs: [tensor([[1, 2, 0.5], [0, 1.02, 0.3], [0, 0, 1.05]])], expected: (a: Tensor) => linalg.expm(a) },
      { name: "batched 2×2×2", inputs: [rn([2, 2, 2])], expected: (a: Tensor) => linalg.expm(a) },
      { name: "1×1", inputs: [tensor([[1]])], expected: [[Math.E]] },
      { name: "empty 0×0", inputs: [tensor([], { shape: [0, 0] })], expected: tensor([], { shape: [0, 0] }) },
    ],
    errors: [nonSquare("linalg.funm")],
  },
  {
    name: "linalg.funm (log)",
    fn: (a) => linalg.funm(a, "log"),
    samples: () => [
      { name: "near a rotation (complex pair)", inputs: [nearRotation(3)], expected: (a: Tensor) => linalg.logm(a) },
      { name: "1×1", inputs: [tensor([[Math.E]])], expected: [[1]] },
    ],
    errors: [{ name: "negative eigenvalue", inputs: () => [tensor([[-1, 0], [0, 2]])], error: DomainError, message: /^linalg\.funm: f = log: .*eigenvalue -1 on the closed negative real axis/ }],
  },
  {
    name: "linalg.funm (sqrt)",
    fn: (a) => linalg.funm(a, "sqrt"),
    samples: () => [{ name: "near a rotation (complex pair)", inputs: [nearRotation(3)], expected: (a: Tensor) => linalg.sqrtm(a) }],
  },
  {
    name: "linalg.funm (sin)",
    fn: (a) => linalg.funm(a, "sin"),
    samples: () => [
      // A = [[0, t], [−t, 0]]: A² = −t² I, so sin A = A sinh(t)/t
      { name: "rotation generator (hand-checked)", inputs: [tensor([[0, 0.7], [-0.7, 0]])], expected: [[0, Math.sinh(0.7)], [-Math.sinh(0.7), 0]] },
      { name: "general 3×3", inputs: [rn([3, 3])] },
    ],
  },
  {
    name: "linalg.householderProduct",
    fn: (a, tau) => linalg.householderProduct(a, tau),
    samples: () => [
      { name: "4×3, k = 3", inputs: [rn([4, 3]), rn([3])], expected: refHouseholder },
      { name: "5×3, k = 3", inputs: [rn([5, 3]), rn([3])], expected: refHouseholder },
      { name: "batched 2×3×2", inputs: [rn([2, 3, 2]), rn([2, 2])], expected: refHouseholder },
      // (k < n reflectors read only A's first k columns: test/linalg/schur-funm.test.ts, with LAPACK's dorgqr)
    ],
    errors: [
      { name: "wide A", inputs: () => [rn([2, 3]), rn([2])], error: ShapeError, message: /^linalg\.householderProduct: A must have at least as many rows as columns/ },
      { name: "k > n", inputs: () => [rn([4, 2]), rn([3])], error: ShapeError, message: /^linalg\.householderProduct: tau has 3 coefficients/ },
      { name: "batch mismatch", inputs: () => [rn([2, 4, 2]), rn([3, 2])], error: ShapeError, message: /^linalg\.householderProduct: tau has batch shape \[3\]/ },
    ],
  },
];
