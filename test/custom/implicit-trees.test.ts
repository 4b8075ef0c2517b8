/**
 * implicitRoot, fixedPoint, inverseOf and customLinearSolve over pytrees: the
 * unknown and the parameters may be nested objects of tensors; derivatives
 * equal those of the same problem written with positional tensors.
 */
import { describe, it, expect, expectTypeOf } from "vitest";
import {
  Tensor, implicitRoot, fixedPoint, inverseOf, customLinearSolve, grad, jvp, randn, matmul, add, sub, mul, sum, tanh, eye,
  zeros, vdot, linalg, ShapeError,
} from "../../src/index.js";

const maxDiff = (a: Tensor, b: Tensor): number => {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  a.data.forEach((v, i) => (m = Math.max(m, Math.abs(v - b.data[i]))));
  return m;
};

const A = add(mul(randn([3, 3], { seed: 1 }), 0.3), mul(eye(3), 2));
const B = add(mul(randn([2, 2], { seed: 2 }), 0.3), mul(eye(2), 3));

// two coupled unknowns: A u + 0.1 u³ = p, B v + 0.1 (Σu) v = q
interface UV {
  u: Tensor;
  v: Tensor;
}
interface PQ {
  p: Tensor;
  q: Tensor;
}
const residual = (x: UV, th: PQ): UV => ({
  u: sub(add(matmul(A, x.u), mul(mul(mul(x.u, x.u), x.u), 0.1)), th.p),
  v: sub(add(matmul(B, x.v), mul(x.v, mul(sum(x.u), 0.1))), th.q),
});
const solveTree = (th: PQ): UV => {
  // a chord iteration: x ← x − blockdiag(A, B)⁻¹ F(x) (a contraction here: the cubic and coupling terms are small)
  let x: UV = { u: zeros([3]), v: zeros([2]) };
  for (let k = 0; k < 200; k++) {
    const r = residual(x, th);
    x = { u: sub(x.u, mul(linalg.solve(A, r.u), 1)), v: sub(x.v, mul(linalg.solve(B, r.v), 1)) };
  }
  return x;
};
const th0: PQ = { p: randn([3], { seed: 3 }), q: randn([2], { seed: 4 }) };

describe("implicitRoot over pytrees", () => {
  const root = implicitRoot(residual, solveTree);

  it("returns x with the solver's structure, typed from the residual", () => {
    const x = root(th0);
    expectTypeOf(x).toEqualTypeOf<UV>();
    const r = residual(x, th0);
    expect(r.u.abs().max().item()).toBeLessThan(1e-10);
    expect(r.v.abs().max().item()).toBeLessThan(1e-10);
  });

  it("gradients with respect to a parameter tree match the implicit function theorem", () => {
    const c = { u: randn([3], { seed: 5 }), v: randn([2], { seed: 6 }) };
    const loss = (th: PQ) => {
      const x = root(th);
      return add(vdot(x.u, c.u), vdot(x.v, c.v));
    };
    const g = grad(loss)(th0);
    expectTypeOf(g).toEqualTypeOf<{ p: Tensor; q: Tensor }>();
    // IFT: θ̄ = −(∂_θF)ᵀ w with (∂ₓF)ᵀ w = c; here ∂_θF = −I, so θ̄ = w: check by central differences of x*(θ)
    const h = 1e-6;
    for (const key of ["p", "q"] as const) {
      const n = th0[key].size;
      for (let i = 0; i < n; i++) {
        const e = new Float64Array(n);
        e[i] = h;
        const plus = { ...th0, [key]: add(th0[key], new Tensor(e, [n])) };
        const minus = { ...th0, [key]: sub(th0[key], new Tensor(e, [n])) };
        const fd = (loss(plus).item() - loss(minus).item()) / (2 * h);
        expect(Math.abs(g[key].data[i] - fd)).toBeLessThan(1e-7);
      }
    }
    // forward mode agrees with reverse mode (dot-product test)
    const dth = { p: randn([3], { seed: 7 }), q: randn([2], { seed: 8 }) };
    const t = jvp(loss, [th0], [dth]).tangent.item();
    expect(Math.abs(t - (vdot(g.p, dth.p).item() + vdot(g.q, dth.q).item()))).toBeLessThan(1e-10);
  });

  it("a residual of the wrong structure names the path", () => {
    const bad = implicitRoot((x: UV, th: PQ) => ({ u: residual(x, th).u }) as unknown as UV, solveTree);
    expect(() => bad(th0)).toThrow(ShapeError);
    expect(() => bad(th0)).toThrow(/^implicitRoot: the residual F\(x, θ\) differ from the unknown x at \(root\)/);
  });
});

describe("fixedPoint / inverseOf / customLinearSolve over pytrees", () => {
  it("fixedPoint: a deep-equilibrium cell with parameters { W, b } and a tree state", () => {
    const W = mul(randn([4, 4], { seed: 9 }), 0.2), b = randn([4], { seed: 10 }), c = randn([4], { seed: 11 });
    const T = (z: { h: Tensor }, p: { W: Tensor; b: Tensor }) => ({ h: tanh(add(matmul(p.W, z.h), p.b)) });
    const g = grad((p: { W: Tensor; b: Tensor }) => vdot(fixedPoint(T, { h: zeros([4]) }, p).h, c))({ W, b });
    const gFlat = grad((w: Tensor, bb: Tensor) => vdot(fixedPoint((z: Tensor, w2: Tensor, b2: Tensor) => tanh(add(matmul(w2, z), b2)), zeros([4]), w, bb), c), { argnums: [0, 1] })(W, b);
    expect(maxDiff(g.W, gFlat[0])).toBeLessThan(1e-9);
    expect(maxDiff(g.b, gFlat[1])).toBeLessThan(1e-9);
    const solve = fixedPoint(T, { method: "anderson" });
    expect(maxDiff(solve({ h: zeros([4]) }, { W, b }).h, fixedPoint(T, { h: zeros([4]) }, { W, b }).h)).toBeLessThan(1e-9);
  });

  it("inverseOf: the inverse of a map on a pair of matrices", () => {
    // A({X, Y}) = { X + 0.1 X·Y, Y + 0.1 X }, invert at a point
    const F = (z: { X: Tensor; Y: Tensor }) => ({ X: add(z.X, mul(matmul(z.X, z.Y), 0.1)), Y: add(z.Y, mul(z.X, 0.1)) });
    const z0 = { X: randn([2, 2], { seed: 12 }), Y: randn([2, 2], { seed: 13 }) };
    const inv = inverseOf(F);
    const target = F(z0);
    const z = inv(target);
    expect(maxDiff(z.X, z0.X)).toBeLessThan(1e-10);
    expect(maxDiff(z.Y, z0.Y)).toBeLessThan(1e-10);
    // d/dY of ⟨C, inv(Y)⟩ solves the transposed linearized system: check against jvp of F (dot-product test)
    const C = { X: randn([2, 2], { seed: 14 }), Y: randn([2, 2], { seed: 15 }) };
    const g = grad((y: { X: Tensor; Y: Tensor }) => add(vdot(inv(y).X, C.X), vdot(inv(y).Y, C.Y)))(target);
    const dz = { X: randn([2, 2], { seed: 16 }), Y: randn([2, 2], { seed: 17 }) };
    const dy = jvp(F, [z0], [dz]).tangent; // dY = F'(z) dz, so ⟨g, dY⟩ = ⟨C, dz⟩
    expect(Math.abs(vdot(g.X, dy.X).item() + vdot(g.Y, dy.Y).item() - (vdot(C.X, dz.X).item() + vdot(C.Y, dz.Y).item()))).toBeLessThan(1e-9);
  });

  it("customLinearSolve: a block system on a tree, differentiable in the right-hand side and the operator", () => {
    const mv = (x: { a: Tensor; b: Tensor }) => ({ a: add(matmul(A, x.a), mul(x.b.sum(), 0.1)), b: add(matmul(B, x.b), mul(x.a.sum(), 0.1)) });
    const rhs = { a: randn([3], { seed: 18 }), b: randn([2], { seed: 19 }) };
    const x = customLinearSolve(mv, rhs);
    expectTypeOf(x).toEqualTypeOf<{ a: Tensor; b: Tensor }>();
    const r = mv(x);
    expect(maxDiff(r.a, rhs.a)).toBeLessThan(1e-9);
    expect(maxDiff(r.b, rhs.b)).toBeLessThan(1e-9);
    // ∂⟨c, A⁻¹ b⟩/∂b = A⁻ᵀ c: check ⟨g, A y⟩ = ⟨c, y⟩ for a random y
    const c = { a: randn([3], { seed: 20 }), b: randn([2], { seed: 21 }) };
    const g = grad((bb: { a: Tensor; b: Tensor }) => {
      const s = customLinearSolve(mv, bb, { solver: "gmres" });
      return add(vdot(s.a, c.a), vdot(s.b, c.b));
    })(rhs);
    const y = { a: randn([3], { seed: 22 }), b: randn([2], { seed: 23 }) };
    const Ay = mv(y);
    expect(Math.abs(vdot(g.a, Ay.a).item() + vdot(g.b, Ay.b).item() - (vdot(c.a, y.a).item() + vdot(c.b, y.b).item()))).toBeLessThan(1e-8);
  });
});
