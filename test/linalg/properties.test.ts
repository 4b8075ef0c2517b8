/**
 * Property-based tests (fast-check, seeded, modest runs) of the identities
 * behind the decompositions and matrix functions, on random sizes and
 * entries, plus one derivative property per family (VJP/JVP duality).
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { Tensor, linalg, tensor, eye, matmul, matmulT, mT, sub, add, mul, sum, vjp, jvp, unsqueeze } from "../../src/index.js";

const SEED = 20240605;
const RUNS = 25;
const params = { seed: SEED, numRuns: RUNS };

/** Frobenius norm of a plain tensor. */
const fro = (t: Tensor): number => {
  const v = t.toArray();
  const m = v.reduce((s, x) => Math.max(s, Math.abs(x)), 0);
  return m === 0 ? 0 : m * Math.sqrt(v.reduce((s, x) => s + (x / m) * (x / m), 0));
};
const relErr = (a: Tensor, b: Tensor): number => fro(sub(a, b)) / Math.max(fro(b), 1e-300);

/** An m×n matrix with entries in [-1, 1] (fast-check includes 0, ±0 and subnormals). */
const matrix = (m: number, n: number) =>
  fc
    .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: m * n, maxLength: m * n })
    .map((v) => tensor(Array.from({ length: m }, (_, i) => v.slice(i * n, (i + 1) * n))));
const dims = fc.record({ m: fc.integer({ min: 1, max: 7 }), n: fc.integer({ min: 1, max: 7 }) });
const square = fc.integer({ min: 1, max: 7 }).chain((n) => matrix(n, n));
/** Well-conditioned square: M + (n + 1)·I (diagonally dominant). */
const wellConditioned = square.map((m) => add(m, mul(eye(m.shape[0]), m.shape[0] + 1)));
/** Symmetric. */
const symmetric = square.map((m) => mul(add(m, mT(m)), 0.5));
/** SPD: M Mᵀ + I. */
const spd = square.map((m) => add(matmulT(m, m, false, true), eye(m.shape[0])));
/** Close to the identity with arbitrary (incl. complex) spectrum: I + M/(2n). */
const nearIdentity = square.map((m) => add(eye(m.shape[0]), mul(m, 0.5 / m.shape[0])));

describe("properties of the decompositions", () => {
  it("A = Q R with Q orthonormal and R upper triangular with diag(R) ≥ 0 (tall, square, wide)", () => {
    fc.assert(
      fc.property(dims.chain(({ m, n }) => matrix(m, n)), (a) => {
        const { Q, R } = linalg.qr(a);
        const k = Math.min(a.shape[0], a.shape[1]);
        expect(relErr(matmul(Q, R), a)).toBeLessThan(1e-12);
        expect(fro(sub(matmulT(Q, Q, true, false), eye(k)))).toBeLessThan(1e-12);
        const r = R.toNested() as number[][];
        r.forEach((row, i) => row.forEach((v, j) => (j < i ? expect(v).toBe(0) : undefined)));
        for (let i = 0; i < k; i++) expect(r[i][i]).toBeGreaterThanOrEqual(0);
      }),
      params,
    );
  });

  it("A · inv(A) = I and solve(A, B) satisfies A X = B", () => {
    fc.assert(
      fc.property(wellConditioned, (a) => {
        const n = a.shape[0];
        expect(fro(sub(matmul(a, linalg.inv(a)), eye(n)))).toBeLessThan(1e-12 * n);
        const b = mul(a, 0.3);
        expect(relErr(matmul(a, linalg.solve(a, b)), b)).toBeLessThan(1e-12);
      }),
      params,
    );
  });

  it("P L U = A and det = ∏ diag(U) · det(P)", () => {
    fc.assert(
      fc.property(wellConditioned, (a) => {
        const { P, L, U } = linalg.lu(a);
        expect(relErr(matmul(P, matmul(L, U)), a)).toBeLessThan(1e-13);
        const d = linalg.det(a).item();
        const { sign, logabsdet } = linalg.slogdet(a);
        expect(Math.abs(sign.item() * Math.exp(logabsdet.item()) - d)).toBeLessThan(1e-9 * Math.abs(d));
      }),
      params,
    );
  });

  it("U Λ Uᵀ = A with U orthogonal, eigenvalues ascending", () => {
    fc.assert(
      fc.property(symmetric, (a) => {
        const n = a.shape[0];
        const { eigenvalues: w, eigenvectors: u } = linalg.eigh(a);
        expect(fro(sub(matmulT(mul(u, unsqueeze(w, -2)), u, false, true), a))).toBeLessThan(1e-12 * n);
        expect(fro(sub(matmulT(u, u, true, false), eye(n)))).toBeLessThan(1e-12 * n);
        const wv = w.toArray();
        for (let i = 1; i < n; i++) expect(wv[i]).toBeGreaterThanOrEqual(wv[i - 1]);
      }),
      params,
    );
  });

  it("U S Vᵀ = A with orthonormal U, V and descending S ≥ 0 (tall, square, wide)", () => {
    fc.assert(
      fc.property(dims.chain(({ m, n }) => matrix(m, n)), (a) => {
        const { U, S, Vh } = linalg.svd(a, { fullMatrices: false });
        const k = S.size;
        expect(fro(sub(matmul(mul(U, unsqueeze(S, -2)), Vh), a))).toBeLessThan(1e-12 * (k + 1));
        expect(fro(sub(matmulT(U, U, true, false), eye(k)))).toBeLessThan(1e-12 * (k + 1));
        expect(fro(sub(matmulT(Vh, Vh, false, true), eye(k)))).toBeLessThan(1e-12 * (k + 1));
        const s = S.toArray();
        for (let i = 0; i < k; i++) {
          expect(s[i]).toBeGreaterThanOrEqual(0);
          if (i > 0) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
        }
      }),
      params,
    );
  });

  it("L Lᵀ = A for SPD A, and choleskySolve solves", () => {
    fc.assert(
      fc.property(spd, (a) => {
        const L = linalg.cholesky(a);
        expect(relErr(matmulT(L, L, false, true), a)).toBeLessThan(1e-13);
        const b = sub(eye(a.shape[0]), mul(a, 0.1));
        expect(relErr(matmul(a, linalg.choleskySolve(b, L)), b)).toBeLessThan(1e-11);
      }),
      params,
    );
  });

  it("the pseudo-inverse satisfies the Penrose conditions A X A = A, X A X = X", () => {
    fc.assert(
      fc.property(dims.chain(({ m, n }) => matrix(m, n)), (a) => {
        // 1/σ overflows for a matrix whose singular values are all below ~1e-308 (e.g. one subnormal entry)
        fc.pre(a.toArray().every((v) => v === 0 || Math.abs(v) > 1e-150));
        const x = linalg.pinv(a);
        expect(relErr(matmul(a, matmul(x, a)), a)).toBeLessThan(1e-9);
        expect(relErr(matmul(x, matmul(a, x)), x)).toBeLessThan(1e-9);
      }),
      params,
    );
  });
});

describe("properties of the matrix functions and equations", () => {
  it("expm(logm(A)) = A", () => {
    fc.assert(
      fc.property(nearIdentity, (a) => {
        expect(relErr(linalg.expm(linalg.logm(a)), a)).toBeLessThan(1e-12);
      }),
      params,
    );
  });

  it("sqrtm(A)² = A", () => {
    fc.assert(
      fc.property(nearIdentity, (a) => {
        const x = linalg.sqrtm(a);
        expect(relErr(matmul(x, x), a)).toBeLessThan(1e-12);
      }),
      params,
    );
  });

  it("expm(A) expm(−A) = I and expm agrees with matrixFunction(exp) on symmetric A", () => {
    fc.assert(
      fc.property(symmetric, (a) => {
        const n = a.shape[0];
        const e = linalg.expm(a);
        expect(fro(sub(matmul(e, linalg.expm(mul(a, -1))), eye(n)))).toBeLessThan(1e-12 * n);
        expect(relErr(e, linalg.matrixFunction(a, (x) => x.exp()))).toBeLessThan(1e-12);
      }),
      params,
    );
  });

  it("Sylvester residual A X + X B − C ≈ 0 and Lyapunov residual A X + X Aᵀ − Q ≈ 0", () => {
    const pair = fc.integer({ min: 1, max: 6 }).chain((m) => fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(matrix(m, m), matrix(n, n), matrix(m, n))));
    fc.assert(
      fc.property(pair, ([a0, b0, c]) => {
        // shift so that λ(A) + μ(B) stays away from 0
        const a = add(a0, mul(eye(a0.shape[0]), 3)), b = add(b0, mul(eye(b0.shape[0]), 3));
        const x = linalg.solveSylvester(a, b, c);
        expect(fro(sub(add(matmul(a, x), matmul(x, b)), c))).toBeLessThan(1e-12 * (1 + fro(c)) * 10);
        const q = matmulT(c, c, false, true);
        const y = linalg.solveLyapunov(a, q);
        expect(fro(sub(add(matmul(a, y), matmulT(y, a, false, true)), q))).toBeLessThan(1e-11 * (1 + fro(q)));
      }),
      params,
    );
  });
});

describe("derivative properties", () => {
  /** ⟨u, J v⟩ (forward mode) = ⟨Jᵀ u, v⟩ (reverse mode) for random u, v. */
  function dualityGap(f: (a: Tensor) => Tensor, a: Tensor, v: Tensor, symmetricCotangent = false): number {
    const { tangent } = jvp(f, [a], [v]);
    const t = tangent as Tensor;
    // a fixed cotangent; all-ones for values that may repeat (only symmetric functions of repeated
    // singular values are differentiable)
    const u = new Tensor(Float64Array.from({ length: t.size }, (_, i) => (symmetricCotangent ? 1 : Math.sin(i + 1))), t.shape);
    const { vjpFn } = vjp(f, a);
    const lhs = sum(mul(u, tangent)).item();
    const rhs = sum(mul(vjpFn(u)[0], v)).item();
    return Math.abs(lhs - rhs) / (1 + Math.abs(lhs));
  }

  it("VJP and JVP are adjoint for inv, expm, sqrtm, svd values, solveLyapunov", () => {
    const fs: [string, (a: Tensor) => Tensor, fc.Arbitrary<Tensor>][] = [
      ["inv", (a) => linalg.inv(a), wellConditioned],
      ["expm", (a) => linalg.expm(a), nearIdentity],
      ["sqrtm", (a) => linalg.sqrtm(a), nearIdentity],
      ["svdvals", (a) => linalg.svdvals(a), wellConditioned],
      ["solveLyapunov", (a) => linalg.solveLyapunov(a, eye(a.shape[0])), nearIdentity],
    ];
    for (const [name, f, arb] of fs) {
      fc.assert(
        fc.property(arb, (a) => {
          const v = mul(add(a, mT(a)), 0.25).add(eye(a.shape[0]));
          const gap = dualityGap(f, a, v, name === "svdvals");
          if (!(gap < 1e-10)) throw new Error(`${name}: ⟨u, Jv⟩ and ⟨Jᵀu, v⟩ differ by ${gap}`);
        }),
        { seed: SEED, numRuns: 10 },
      );
    }
  });
});
