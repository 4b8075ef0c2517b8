/**
 * Random degenerate spectra: A = Q diag(λ) Qᵀ with λ drawn from a small set
 * (so that ties are frequent) and Q a random orthogonal matrix. Properties of
 * the derivative conventions (docs/reliability.md):
 *  - symmetric functions of tied eigenvalues / singular values are exact:
 *    ∇ Σλᵢ² = 2A, ∇ Σσᵢ² = 2A;
 *  - any loss of the values gets a finite gradient, and VJP and JVP agree
 *    (⟨∇f, E⟩ = J_f E for random E, the dot-product test) even at ties;
 *  - the gradient does not depend on the arbitrary basis inside a tied
 *    eigenspace (it is the same for A computed with two different Q);
 *  - cond has gradient 0 at every orthogonal matrix.
 */
import { describe, it } from "vitest";
import fc from "fast-check";
import { Tensor, linalg, grad, jvp, sum, mul, matmulT, square, randn } from "../../src/index.js";

/** A random orthogonal matrix: Q of a seeded Gaussian matrix (full rank with probability 1). */
const orth = (n: number, seed: number): Tensor => linalg.qr(randn([n, n], { seed })).Q;
const spectral = (q: Tensor, lam: number[]): Tensor => matmulT(mul(q, new Tensor(Float64Array.from(lam), [lam.length])), q, false, true);
const maxAbs = (t: Tensor): number => t.toArray().reduce((p, v) => Math.max(p, Math.abs(v)), 0);

/** A number in [−r, r] on a grid (fc.double favours 0 and extremes, which would make most cases trivial). */
const grid = (r: number) => fc.integer({ min: -100, max: 100 }).map((v) => (v * r) / 100);

/** n, eigenvalues from {−1, 0.5, 2} (ties likely), two seeds for Q, weights, a direction E. */
const case_ = fc.integer({ min: 2, max: 4 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    lam: fc.array(fc.constantFrom(-1, 0.5, 2), { minLength: n, maxLength: n }),
    s1: fc.integer({ min: 1, max: 1e6 }),
    s2: fc.integer({ min: 1, max: 1e6 }),
    w: fc.array(grid(2), { minLength: n, maxLength: n }),
    e: fc.array(grid(1), { minLength: n * n, maxLength: n * n }),
  }),
);

describe("derivatives at random degenerate spectra", () => {
  it("eigvalsh: Σλ² exact, any weighted loss finite, VJP = JVP, basis independent", () => {
    fc.assert(
      fc.property(case_, ({ n, lam, s1, s2, w, e }) => {
        const q1 = orth(n, s1), q2 = orth(n, s2);
        const A = spectral(q1, lam);
        const g2 = grad((a: Tensor) => sum(square(linalg.eigvalsh(a))))(A);
        if (maxAbs(g2.sub(A.mul(2))) > 1e-10) throw new Error(`∇Σλ² ≠ 2A for λ = ${lam}`);
        const W = new Tensor(Float64Array.from(w), [n]);
        const f = (a: Tensor) => sum(mul(linalg.eigvalsh(a), W));
        const g = grad(f)(A);
        if (!g.toArray().every(Number.isFinite)) throw new Error("non-finite gradient");
        // symmetric direction (eigvalsh reads one triangle; the gradient is symmetric)
        const E0 = new Tensor(Float64Array.from(e), [n, n]);
        const E = E0.add(E0.mT);
        const t = (jvp(f, [A], [E]).tangent as Tensor).item();
        if (Math.abs(t - sum(mul(g, E)).item()) > 1e-9 * (1 + Math.abs(t))) throw new Error(`VJP/JVP disagree: ${t} vs ${sum(mul(g, E)).item()}`);
        // the same matrix through another eigenbasis (same tied eigenspaces, other rotation inside them)
        const B = spectral(q2, lam);
        const gB = grad(f)(B);
        // ∇ is a spectral function of A: it must map through the change of basis, U_G mean(w) U_Gᵀ
        const back = matmulT(matmulT(q2, gB, true, false), q2, false, false); // q2ᵀ ∇B q2
        const ref = matmulT(matmulT(q1, g, true, false), q1, false, false); // q1ᵀ ∇A q1
        if (maxAbs(back.sub(ref)) > 1e-9) throw new Error(`gradient depends on the basis: λ = ${lam}`);
      }),
      { numRuns: 150, seed: 4242 },
    );
  });

  it("svdvals: Σσ² exact, weighted losses finite, VJP = JVP; cond has gradient 0 at orthogonal matrices", () => {
    fc.assert(
      fc.property(case_, ({ n, lam, s1, s2, w, e }) => {
        const q1 = orth(n, s1), q2 = orth(n, s2);
        const A = mul(spectral(q1, lam.map(Math.abs)), 1).matmul(q2); // singular values |λ| (ties likely)
        const g2 = grad((a: Tensor) => sum(square(linalg.svdvals(a))))(A);
        if (maxAbs(g2.sub(A.mul(2))) > 1e-10) throw new Error(`∇Σσ² ≠ 2A for σ = ${lam.map(Math.abs)}`);
        if (lam.some((v) => Math.abs(v) === 0)) return;
        const W = new Tensor(Float64Array.from(w), [n]);
        const f = (a: Tensor) => sum(mul(linalg.svdvals(a), W));
        const g = grad(f)(A);
        if (!g.toArray().every(Number.isFinite)) throw new Error("non-finite gradient");
        const E = new Tensor(Float64Array.from(e), [n, n]);
        const t = (jvp(f, [A], [E]).tangent as Tensor).item();
        if (Math.abs(t - sum(mul(g, E)).item()) > 1e-9 * (1 + Math.abs(t))) throw new Error(`VJP/JVP disagree: ${t} vs ${sum(mul(g, E)).item()}`);
        const gc = grad((a: Tensor) => linalg.cond(a))(q1);
        if (maxAbs(gc) > 1e-12) throw new Error(`∇cond at an orthogonal matrix = ${maxAbs(gc)}`);
      }),
      { numRuns: 150, seed: 4243 },
    );
  });
});
