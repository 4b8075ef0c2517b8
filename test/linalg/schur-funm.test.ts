/**
 * linalg.schur, hessenberg, polar, funm and householderProduct: values
 * against SciPy / LAPACK (test/linalg/fixtures/schur-funm.json, written by
 * schur-funm.py), factorization identities, derivatives (first and second
 * order, complex pairs, degenerate points), batching, non-finite inputs and
 * errors.
 */
import { readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import {
  Tensor, linalg, tensor, eye, randn, matmul, sub, add, mul, sum, jvp, vmap, stack, gradcheck, gradgradcheck,
  ShapeError, ArgumentError, DomainError, NonDifferentiableError, SingularMatrixError, grad,
} from "../../src/index.js";

type M = number[][];
interface Fixtures {
  schur: Record<string, { A: M; T: M; Z: M }>;
  hessenberg: Record<string, { A: M; H: M; Q: M }>;
  polar: Record<string, { A: M; right: [M, M]; left: [M, M] }>;
  funm: Record<string, { A: M } & Record<string, M>>;
  frechet: { A: M; E: M; exp: M; log: M; sqrt: M };
  householder: { QR: M; tau: number[]; Q: M; A: M; tau2: number[]; Q2: M };
}
const fx = JSON.parse(readFileSync(new URL("./fixtures/schur-funm.json", import.meta.url), "utf8")) as Fixtures;

const maxAbs = (t: Tensor): number => t.toArray().reduce((s, v) => Math.max(s, Math.abs(v)), 0);
const close = (a: Tensor, b: Tensor | M, tol = 1e-10): void => {
  const bb = b instanceof Tensor ? b : tensor(b);
  expect(a.shape).toEqual(bb.shape);
  expect(maxAbs(sub(a, bb))).toBeLessThanOrEqual(tol * (1 + maxAbs(bb)));
};
const rn = (shape: readonly number[], seed: number): Tensor => randn([...shape], { seed });
/** A random weighting: loss = Σ w ∘ X (a generic linear functional of X). */
const dotW = (x: Tensor, seed: number): Tensor => sum(mul(x, rn(x.shape, seed)));
/** Sign-invariant loss of the Schur / Hessenberg factors (Z's columns carry a sign gauge). */
const factorLoss = (pair: [Tensor, Tensor]): Tensor => add(dotW(mul(pair[0], pair[0]), 91), dotW(mul(pair[1], pair[1]), 92));
const ok = (r: { ok: boolean }): boolean => r.ok;

describe("linalg.schur", () => {
  it("matches scipy.linalg.schur (brought to matgrad's gauge) entry by entry", () => {
    for (const [name, f] of Object.entries(fx.schur)) {
      const [T, Z] = linalg.schur(tensor(f.A));
      close(T, f.T, 1e-10);
      close(Z, f.Z, 1e-10);
      expect(name.length).toBeGreaterThan(0);
    }
  });

  it("A = Z T Zᵀ, Z orthogonal, T quasi-triangular with standardized 2×2 blocks; named fields; batched", () => {
    const A = rn([3, 5, 5], 1);
    const r = linalg.schur(A);
    const [T, Z] = r;
    expect(r.T).toBe(T);
    expect(r.Z).toBe(Z);
    close(matmul(matmul(Z, T), Z.mT), A, 1e-13);
    close(matmul(Z.mT, Z), eye(5, 5, { batch: [3] }), 1e-13);
    const t = T.toArray();
    for (let b = 0; b < 3; b++)
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < i; j++) {
          const v = t[b * 25 + i * 5 + j];
          if (i === j + 1 && v !== 0) {
            // 2×2 block: equal diagonal, |b| ≥ |c| > 0, b > 0, b·c < 0
            expect(t[b * 25 + j * 5 + j]).toBe(t[b * 25 + i * 5 + i]);
            expect(t[b * 25 + j * 5 + i]).toBeGreaterThanOrEqual(Math.abs(v));
            expect(v).toBeLessThan(0);
          } else if (i > j + 1 || v !== 0) expect(v).toBe(0);
        }
    // each batch element as its own call
    for (let b = 0; b < 3; b++) close(linalg.schur(A.slice([b, b + 1]).reshape([5, 5]))[0], T.slice([b, b + 1]).reshape([5, 5]), 0);
  });

  it("edge shapes: 0×0, 1×1; NaN in → NaN out; options", () => {
    const [T0, Z0] = linalg.schur(tensor([], { shape: [0, 0] }));
    expect(T0.shape).toEqual([0, 0]);
    expect(Z0.shape).toEqual([0, 0]);
    const [T1, Z1] = linalg.schur(tensor([[-2.5]]));
    close(T1, [[-2.5]], 0);
    close(Z1, [[1]], 0);
    const [Tn, Zn] = linalg.schur(tensor([[1, NaN], [0, 1]]));
    expect(Tn.toArray().every(Number.isNaN) && Zn.toArray().every(Number.isNaN)).toBe(true);
    expect(() => linalg.schur(rn([2, 3], 1))).toThrow(ShapeError);
    expect(() => linalg.schur(rn([2, 3], 1))).toThrow(/^linalg\.schur: A must be square .*\[2, 3\]/);
    expect(() => linalg.schur(eye(2), { output: "complex" as "real" })).toThrow(ArgumentError);
    expect(() => linalg.schur(eye(2), { output: "complex" as "real" })).toThrow(/^linalg\.schur: option output must be "real"/);
    expect(() => linalg.schur(eye(2), { sort: "lhp" } as never)).toThrow(/^linalg\.schur: /);
  });

  it("derivatives: real spectrum, complex pairs, batched — first and second order", () => {
    const real = add(mul(rn([4, 4], 2), 0.3), tensor([[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 4]]));
    const cplx = rn([4, 4], 3); // one complex pair
    const f = (a: Tensor): Tensor => factorLoss(linalg.schur(a));
    for (const A of [real, cplx, rn([2, 3, 3], 4)]) {
      expect(ok(gradcheck(f, [A], { raise: false }))).toBe(true);
      expect(ok(gradgradcheck(f, [A], { raise: false }))).toBe(true);
    }
    // d(diag T) = the eigenvalue derivatives: for a real spectrum λ̇ᵢ = uᵢᵀ dA vᵢ / uᵢᵀ vᵢ (left/right eigenvectors)
    const dA = rn([4, 4], 5);
    const dT = jvp((a: Tensor) => linalg.schur(a)[0], [real], [dA]).tangent;
    const T = linalg.schur(real)[0];
    const fd = sub(linalg.schur(add(real, mul(dA, 1e-7)))[0], linalg.schur(sub(real, mul(dA, 1e-7)))[0]).div(2e-7);
    close(dT, fd, 1e-6);
    expect(T.shape).toEqual([4, 4]);
  });

  it("repeated eigenvalues and normal 2×2 blocks raise NonDifferentiableError (the forward works)", () => {
    const f = (a: Tensor): Tensor => factorLoss(linalg.schur(a));
    expect(() => grad(f)(eye(3))).toThrow(NonDifferentiableError);
    expect(() => grad(f)(eye(3))).toThrow(/^linalg\.schur: .*repeated eigenvalues/);
    const rot = tensor([[0, -2, 1], [2, 0, 1], [0, 0, 3]]); // the pair ±2i in a normal block
    expect(() => grad(f)(rot)).toThrow(/^linalg\.schur: the 2×2 block .* is normal/);
    expect(linalg.schur(rot)[0].shape).toEqual([3, 3]);
  });
});

describe("linalg.hessenberg", () => {
  it("matches scipy.linalg.hessenberg(calc_q=True) entry by entry", () => {
    for (const f of Object.values(fx.hessenberg)) {
      const [H, Q] = linalg.hessenberg(tensor(f.A));
      close(H, f.H, 1e-12);
      close(Q, f.Q, 1e-12);
    }
  });

  it("A = Q H Qᵀ, Q e₁ = e₁, batched, edge shapes, NaN", () => {
    const A = rn([2, 6, 6], 6);
    const { H, Q } = linalg.hessenberg(A);
    close(matmul(matmul(Q, H), Q.mT), A, 1e-13);
    expect(maxAbs(linalg.hessenberg(A).H.tril(-2))).toBe(0);
    close(Q.slice(null, null, [0, 1]).reshape([2, 6]), tensor([[1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]]), 0);
    expect(linalg.hessenberg(tensor([], { shape: [0, 0] })).H.shape).toEqual([0, 0]);
    close(linalg.hessenberg(tensor([[1, 2], [3, 4]])).H, [[1, 2], [3, 4]], 0);
    expect(linalg.hessenberg(tensor([[NaN, 1, 0], [0, 1, 0], [1, 0, 1]])).Q.toArray().every(Number.isNaN)).toBe(true);
    expect(() => linalg.hessenberg(rn([3, 2], 1))).toThrow(/^linalg\.hessenberg: A must be square/);
  });

  it("derivatives (unreduced H), first and second order; a reduced H raises", () => {
    const f = (a: Tensor): Tensor => factorLoss(linalg.hessenberg(a));
    for (const A of [rn([5, 5], 7), rn([2, 4, 4], 8), rn([2, 2], 9)]) {
      expect(ok(gradcheck(f, [A], { raise: false }))).toBe(true);
      expect(ok(gradgradcheck(f, [A], { raise: false }))).toBe(true);
    }
    // block diagonal: H[2, 1] = 0 (the reduction of [[B, 0], [0, C]] is not unique)
    const red = tensor([[1, 2, 0, 0], [3, 4, 0, 0], [0, 0, 5, 6], [0, 0, 7, 8]]);
    expect(() => grad(f)(red)).toThrow(NonDifferentiableError);
    expect(() => grad(f)(red)).toThrow(/^linalg\.hessenberg: H has a zero subdiagonal entry/);
  });
});

describe("linalg.polar", () => {
  it("matches scipy.linalg.polar, right and left, square / tall / wide", () => {
    for (const f of Object.values(fx.polar)) {
      const A = tensor(f.A);
      const [U, P] = linalg.polar(A);
      close(U, f.right[0], 1e-12);
      close(P, f.right[1], 1e-12);
      const L = linalg.polar(A, { side: "left" });
      close(L.U, f.left[0], 1e-12);
      close(L.P, f.left[1], 1e-12);
    }
  });

  it("derivatives in all six cases (first and second order), finite at repeated singular values", () => {
    for (const side of ["right", "left"] as const)
      for (const shape of [[3, 3], [4, 2], [2, 4], [2, 3, 3]]) {
        const f = (a: Tensor): Tensor => {
          const [U, P] = linalg.polar(a, { side });
          return add(dotW(U, 11), dotW(P, 12));
        };
        const A = rn(shape, 13 + shape.length);
        expect(ok(gradcheck(f, [A], { raise: false }))).toBe(true);
        expect(ok(gradgradcheck(f, [A], { raise: false }))).toBe(true);
      }
    // at an orthogonal matrix (all singular values 1) the SVD route would divide by σᵢ² − σⱼ² = 0
    const c = Math.cos(0.7), s = Math.sin(0.7);
    const R = tensor([[c, -s, 0], [s, c, 0], [0, 0, 1]]);
    const f = (a: Tensor): Tensor => add(dotW(linalg.polar(a).U, 21), dotW(linalg.polar(a).P, 22));
    expect(ok(gradcheck(f, [R], { raise: false }))).toBe(true);
    const g = grad(f)(R);
    expect(g.toArray().every(Number.isFinite)).toBe(true);
  });

  it("rank-deficient A: the forward works, the derivative raises SingularMatrixError; errors", () => {
    const A = tensor([[1, 2], [2, 4], [0, 0]]);
    const [U, P] = linalg.polar(A);
    close(matmul(U, P), A, 1e-13);
    expect(() => grad((a: Tensor) => dotW(linalg.polar(a).U, 1))(A)).toThrow(SingularMatrixError);
    expect(() => grad((a: Tensor) => dotW(linalg.polar(a).U, 1))(A)).toThrow(/^linalg\.polar: /);
    expect(() => linalg.polar(tensor([1, 2]))).toThrow(/^linalg\.polar: A must be a matrix/);
    expect(() => linalg.polar(eye(2), { side: "up" as "left" })).toThrow(/^linalg\.polar: option side must be "right" or "left"/);
    const [Un] = linalg.polar(tensor([[NaN, 1], [1, 1]]));
    expect(Un.toArray().every(Number.isNaN)).toBe(true);
    expect(linalg.polar(tensor([], { shape: [0, 0] })).P.shape).toEqual([0, 0]);
  });
});

describe("linalg.funm", () => {
  it("matches SciPy's expm / sinm / cosm / sinhm / coshm / logm / sqrtm (complex pairs, a cluster of close eigenvalues)", () => {
    for (const f of Object.values(fx.funm)) {
      const A = tensor(f.A);
      for (const name of ["exp", "sin", "cos", "sinh", "cosh", "log", "sqrt"] as const)
        if (f[name] !== undefined) close(linalg.funm(A, name), f[name], 1e-11);
    }
  });

  it("agrees with expm / logm / sqrtm, and with a custom callback; batched; sin² + cos² = I", () => {
    const A = add(mul(rn([2, 4, 4], 30), 0.3), eye(4));
    close(linalg.funm(A, "exp"), linalg.expm(A), 1e-12);
    close(linalg.funm(A, "log"), linalg.logm(A), 1e-11);
    close(linalg.funm(A, "sqrt"), linalg.sqrtm(A), 1e-11);
    const expCb = (z: { re: number; im: number }) => ({ re: Math.exp(z.re) * Math.cos(z.im), im: Math.exp(z.re) * Math.sin(z.im) });
    close(linalg.funm(A, expCb), linalg.expm(A), 1e-12);
    const B = rn([5, 5], 31);
    const s = linalg.funm(B, "sin"), c = linalg.funm(B, "cos");
    close(add(matmul(s, s), matmul(c, c)), eye(5), 1e-11);
    // a triangular matrix with a repeated eigenvalue (one cluster: Taylor series, derivatives of f)
    const J = tensor([[2, 1, 0], [0, 2, 1], [0, 0, 2]]);
    const e2 = Math.exp(2);
    close(linalg.funm(J, "exp"), [[e2, e2, e2 / 2], [0, e2, e2], [0, 0, e2]], 1e-13);
    close(linalg.funm(tensor([[4]]), "sqrt"), [[2]], 0);
    expect(linalg.funm(tensor([], { shape: [0, 0] }), "exp").shape).toEqual([0, 0]);
    expect(linalg.funm(tensor([[1, NaN], [0, 1]]), "exp").toArray().every(Number.isNaN)).toBe(true);
  });

  it("Fréchet derivative (JVP) matches SciPy's expm_frechet and the block formula for log / sqrt", () => {
    const A = tensor(fx.frechet.A), E = tensor(fx.frechet.E);
    for (const name of ["exp", "log", "sqrt"] as const) {
      const dF = jvp((a: Tensor) => linalg.funm(a, name), [A], [E]).tangent;
      close(dF, fx.frechet[name], 1e-9);
    }
  });

  it("gradcheck and second order (exp, log, sin, a custom callback with derivatives)", () => {
    const A = add(mul(rn([3, 3], 40), 0.3), eye(3));
    const cube = (z: { re: number; im: number }, k: number) => {
      // f(z) = z³: f' = 3z², f'' = 6z, f''' = 6
      const z2 = { re: z.re * z.re - z.im * z.im, im: 2 * z.re * z.im };
      if (k === 0) return { re: z2.re * z.re - z2.im * z.im, im: z2.re * z.im + z2.im * z.re };
      if (k === 1) return { re: 3 * z2.re, im: 3 * z2.im };
      if (k === 2) return { re: 6 * z.re, im: 6 * z.im };
      return { re: k === 3 ? 6 : 0, im: 0 };
    };
    close(linalg.funm(A, cube), matmul(matmul(A, A), A), 1e-12);
    for (const f of ["exp", "log", "sin", cube] as const) {
      const loss = (a: Tensor): Tensor => dotW(linalg.funm(a, f), 41);
      expect(ok(gradcheck(loss, [A], { raise: false }))).toBe(true);
      expect(ok(gradgradcheck(loss, [A], { raise: false }))).toBe(true);
    }
    // complex pair and batch
    const B = rn([2, 3, 3], 42);
    expect(ok(gradcheck((a: Tensor) => dotW(linalg.funm(a, "exp"), 43), [B], { raise: false }))).toBe(true);
  });

  it("errors: branch cuts, non-real f, bad f, non-square", () => {
    expect(() => linalg.funm(tensor([[-1, 0], [0, 2]]), "log")).toThrow(DomainError);
    expect(() => linalg.funm(tensor([[-1, 0], [0, 2]]), "log")).toThrow(/^linalg\.funm: f = log: the matrix has the eigenvalue -1 on the closed negative real axis/);
    expect(() => linalg.funm(tensor([[0, 0], [0, 2]]), "log")).toThrow(DomainError);
    expect(() => linalg.funm(tensor([[-4, 0], [0, 1]]), "sqrt")).toThrow(/^linalg\.funm: f = sqrt: .*eigenvalue -4 on the negative real axis/);
    const notReal = (z: { re: number; im: number }) => ({ re: z.re, im: z.re + 1 });
    expect(() => linalg.funm(tensor([[1, 2], [0, 3]]), notReal)).toThrow(/^linalg\.funm: f = custom \(notReal\) is not real on the spectrum/);
    expect(() => linalg.funm(eye(2), "tanh" as "exp")).toThrow(ArgumentError);
    expect(() => linalg.funm(eye(2), "tanh" as "exp")).toThrow(/^linalg\.funm: f must be one of "exp", "log"/);
    expect(() => linalg.funm(tensor([[1, 1], [0, 1]]), () => 3 as never)).toThrow(/^linalg\.funm: the function f must return a complex number/);
    expect(() => linalg.funm(rn([2, 3], 1), "exp")).toThrow(/^linalg\.funm: A must be square/);
    // sqrt at a defective zero eigenvalue (no square root; f′ has a pole at 0), and an overflow
    expect(() => linalg.funm(tensor([[0, 1], [0, 0]]), "sqrt")).toThrow(/^linalg\.funm: f = sqrt is not finite on the spectrum/);
    expect(() => linalg.funm(tensor([[800, 1], [0, 799]]), "exp")).toThrow(DomainError);
    // f of z alone: fine for well-separated eigenvalues, refused where derivatives are needed
    const expZ = (z: { re: number; im: number }) => ({ re: Math.exp(z.re) * Math.cos(z.im), im: Math.exp(z.re) * Math.sin(z.im) });
    close(linalg.funm(tensor([[1, 2], [0, 3]]), expZ), linalg.expm(tensor([[1, 2], [0, 3]])), 1e-14);
    expect(() => linalg.funm(tensor([[1, 2], [0, 1.01]]), expZ)).toThrow(/^linalg\.funm: f takes one parameter \(z\), but A has close eigenvalues/);
    expect(() => grad((a: Tensor) => sum(linalg.funm(a, expZ)))(tensor([[1, 2], [0, 3]]))).toThrow(ArgumentError);
  });
});

describe("linalg.householderProduct", () => {
  it("matches LAPACK dorgqr (geqrf's reflectors give geqrf's Q; k < n reflectors)", () => {
    const h = fx.householder;
    close(linalg.householderProduct(tensor(h.QR), tensor(h.tau)), h.Q, 1e-13);
    close(linalg.householderProduct(tensor(h.A), tensor(h.tau2)), h.Q2, 1e-13);
    // Q from householderProduct is orthonormal for geqrf's reflectors
    const Q = linalg.householderProduct(tensor(h.QR), tensor(h.tau));
    close(matmul(Q.mT, Q), eye(3), 1e-13);
  });

  it("batched, k = 0, number[] tau; gradcheck and second order in A and tau", () => {
    const A = rn([2, 4, 3], 50), tau = rn([2, 3], 51);
    const Q = linalg.householderProduct(A, tau);
    expect(Q.shape).toEqual([2, 4, 3]);
    close(Q.slice([1, 2]).reshape([4, 3]), linalg.householderProduct(A.slice([1, 2]).reshape([4, 3]), tau.slice([1, 2]).reshape([3])), 0);
    close(linalg.householderProduct(rn([3, 2], 1), tensor([], { shape: [0] })), eye(3, 2), 0);
    expect(linalg.householderProduct(rn([3, 2], 1), [0.5, 1]).shape).toEqual([3, 2]);
    const f = (a: Tensor, t: Tensor): Tensor => dotW(linalg.householderProduct(a, t), 52);
    expect(ok(gradcheck(f, [A, tau], { raise: false }))).toBe(true);
    expect(ok(gradgradcheck(f, [rn([4, 2], 53), rn([2], 54)], { raise: false }))).toBe(true);
  });

  it("non-finite policy: a NaN in the part read (first k columns below the diagonal, tau) gives NaN; elsewhere it is not read", () => {
    const nanAt = (i: number, j: number): Tensor => tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]].map((r, a) => r.map((v, b) => (a === i && b === j ? NaN : v))));
    expect(linalg.householderProduct(nanAt(2, 1), [0.5, 0.3]).toArray().some(Number.isNaN)).toBe(true);
    expect(linalg.householderProduct(nanAt(1, 1), [0.5, 0.3]).toArray().every(Number.isFinite)).toBe(true); // the diagonal (implied 1)
    expect(linalg.householderProduct(nanAt(3, 2), [0.5, 0.3]).toArray().every(Number.isFinite)).toBe(true); // column k = 2 is not a reflector
    expect(linalg.householderProduct(nanAt(3, 2), [0.5, NaN]).toArray().some(Number.isNaN)).toBe(true);
  });

  it("errors name the op, the argument and the shapes", () => {
    expect(() => linalg.householderProduct(rn([2, 3], 1), rn([2], 2))).toThrow(/^linalg\.householderProduct: A must have at least as many rows as columns .*\[2, 3\]/);
    expect(() => linalg.householderProduct(rn([4, 2], 1), rn([3], 2))).toThrow(/^linalg\.householderProduct: tau has 3 coefficients/);
    expect(() => linalg.householderProduct(rn([2, 4, 2], 1), rn([3, 2], 2))).toThrow(/^linalg\.householderProduct: tau has batch shape \[3\], expected A's batch shape \[2\]/);
    expect(() => linalg.householderProduct(rn([4, 2], 1), tensor(1))).toThrow(ShapeError);
  });
});

describe("vmap over the Schur family", () => {
  it("vmap(schur / hessenberg / polar / funm) equals the batched call", () => {
    const A = rn([3, 4, 4], 60);
    close(vmap((a: Tensor) => linalg.schur(a)[0])(A), linalg.schur(A)[0], 0);
    close(vmap((a: Tensor) => linalg.hessenberg(a)[1])(A), linalg.hessenberg(A)[1], 0);
    close(vmap((a: Tensor) => linalg.polar(a)[0])(A), linalg.polar(A)[0], 0);
    close(vmap((a: Tensor) => linalg.funm(a, "exp"))(A), stack([0, 1, 2].map((b) => linalg.expm(A.slice([b, b + 1]).reshape([4, 4]))), 0), 1e-12);
  });
});
