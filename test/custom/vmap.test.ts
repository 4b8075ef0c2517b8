/**
 * vmap through custom and implicit functions: Function subclasses,
 * customVjp, customJvp, onceDifferentiable, implicitRoot, fixedPoint,
 * inverseOf and customLinearSolve, each under vmap(f), vmap(grad),
 * grad(vmap), vmap(jvp), jvp(vmap) and vmap(vmap) (and Hessians and
 * Jacobians across the vmap), against explicit loops over the batch to 1e-12.
 *
 * The iterative solves run once per example under vmap (each stops at its
 * own iteration count), so the loop reference runs the very same solves and
 * agrees to rounding; their agreement with closed forms is at the solvers'
 * tolerances and is tested in the other files of this folder.
 */
import { describe, it, expect } from "vitest";
import {
  Tensor, Function, type FunctionCtx, randn, zeros, ones, eye, vmap, grad, jvp, vjp, linearize, jacobian, hessian,
  matmul, sum, sin, cos, exp, tanh, mul, add, sub, reshape, stack,
  customVjp, customJvp, implicitRoot, newtonKrylov, fixedPoint, inverseOf, customLinearSolve,
  gradcheck, gradgradcheck, AutogradError, BatchingError, ConvergenceError,
} from "../../src/index.js";
import { close, ex, loop } from "../autodiff/batch-helpers.js";

/** Not trivially zero (a comparison of two zeros would prove nothing). */
const nonzero = (a: Tensor): void => expect(a.abs().max().item()).toBeGreaterThan(1e-3);

const B = 3;

/**
 * The six compositions of a one-argument function f with vmap, each against
 * the loop; L = Σ sin(f(x)) is the scalar for the gradients.
 */
function compositions(f: (x: Tensor) => Tensor, X: Tensor, T: Tensor, opts: { hessian?: boolean } = {}): void {
  const L = (x: Tensor): Tensor => sum(sin(f(x)));
  const gradL = grad(L) as (x: Tensor) => Tensor;
  const tan = (x: Tensor, t: Tensor): Tensor => jvp(f, [x], [t]).tangent as Tensor;
  it("vmap(f)", () => {
    const ref = loop(B, (i) => f(ex(X, i)));
    nonzero(ref);
    close(vmap(f)(X), ref);
  });
  it("vmap(grad(f)): per-example gradients", () => {
    const ref = loop(B, (i) => gradL(ex(X, i)));
    nonzero(ref);
    close(vmap(gradL)(X), ref);
  });
  it("grad(vmap(f))", () => {
    close(grad((x: Tensor) => sum(sin(vmap(f)(x))))(X) as Tensor, loop(B, (i) => gradL(ex(X, i))));
  });
  it("vmap(jvp(f))", () => {
    const ref = loop(B, (i) => tan(ex(X, i), ex(T, i)));
    nonzero(ref);
    close(vmap(tan)(X, T), ref);
  });
  it("jvp(vmap(f))", () => {
    close(jvp(vmap(f), [X], [T]).tangent as Tensor, loop(B, (i) => tan(ex(X, i), ex(T, i))));
  });
  it("vmap(vmap(f))", () => {
    const Y = stack([X, mul(X, 0.5)], 0);
    close(vmap(vmap(f))(Y), loop(2, (j) => loop(B, (i) => f(ex(ex(Y, j), i)))));
  });
  it("jacobian(vmap(f)) and vmap(grad) under grad", () => {
    const ref = jacobian((x: Tensor) => loop(B, (i) => f(ex(x, i))))(X) as Tensor;
    close(jacobian(vmap(f))(X) as Tensor, ref);
    close(vmap(grad(L))(X), vmap(grad((x: Tensor) => sum(sin(f(x)))))(X));
  });
  if (opts.hessian !== false)
    it("vmap(hessian(f))", () => {
      const H = hessian(L) as (x: Tensor) => Tensor;
      const ref = loop(B, (i) => H(ex(X, i)));
      nonzero(ref);
      close(vmap(H)(X), ref);
    });
}

// ---------------------------------------------------------------------------
// custom functions: the user's code runs once for the whole batch

let matSqForwards = 0;
class MatSq extends Function {
  static forward(ctx: FunctionCtx<[Tensor, Tensor]>, X: Tensor): Tensor {
    matSqForwards++;
    const E = exp(X);
    ctx.saveForBackward(X, E); // E: an intermediate, batched at the forward's level
    return add(matmul(X, X), E);
  }
  // Y = X·X + exp(X): ⟨G, dY⟩ = ⟨G·Xᵀ + Xᵀ·G + G ⊙ exp(X), dX⟩
  static backward(ctx: FunctionCtx<[Tensor, Tensor]>, G: Tensor): Tensor {
    const [X, E] = ctx.savedTensors;
    return add(add(matmul(G, X.mT), matmul(X.mT, G)), mul(G, E));
  }
}

class TwoOut extends Function {
  static forward(ctx: FunctionCtx<[Tensor, Tensor]>, W: Tensor, x: Tensor): Tensor[] {
    ctx.saveForBackward(W, x);
    return [matmul(W, x), sin(x)];
  }
  static backward(ctx: FunctionCtx<[Tensor, Tensor]>, g1: Tensor, g2: Tensor): Tensor[] {
    const [W, x] = ctx.savedTensors;
    const gx = add(matmul(W.mT, g1), mul(g2, cos(x)));
    return [matmul(reshape(g1, [3, 1]), reshape(x, [1, 3])), gx];
  }
}

class JvpOnly extends Function {
  static forward(ctx: FunctionCtx<[Tensor]>, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return mul(sin(x), x);
  }
  static jvp(ctx: FunctionCtx<[Tensor]>, t: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return mul(t, add(mul(cos(x), x), sin(x)));
  }
}

class BackwardOnly extends Function {
  static forward(ctx: FunctionCtx<[Tensor]>, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return mul(tanh(x), x);
  }
  static backward(ctx: FunctionCtx<[Tensor]>, g: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    const t = tanh(x);
    return mul(g, add(t, mul(x, sub(1, mul(t, t)))));
  }
}

class Once extends Function {
  static onceDifferentiable = true;
  static forward(ctx: FunctionCtx<[Tensor]>, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return tanh(x);
  }
  static backward(ctx: FunctionCtx<[Tensor]>, g: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return mul(g, sub(1, mul(tanh(x), tanh(x))));
  }
  static jvp(ctx: FunctionCtx<[Tensor]>, t: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return mul(t, sub(1, mul(tanh(x), tanh(x))));
  }
}

const XM = randn([B, 3, 3], { seed: 1 }), TM = randn([B, 3, 3], { seed: 2 });
const XV = randn([B, 3], { seed: 3 }), TV = randn([B, 3], { seed: 4 });
const W = mul(randn([3, 3], { seed: 5 }), 0.3);

describe("Function subclass (backward, saved intermediate) under vmap", () => {
  compositions((x) => MatSq.apply(x), XM, TM);
  it("runs the user's forward once for the whole batch", () => {
    matSqForwards = 0;
    vmap((x: Tensor) => MatSq.apply(x))(XM);
    expect(matSqForwards).toBe(1);
  });
});

describe("Function with two outputs and an unmapped (shared) argument", () => {
  const f = (w: Tensor, x: Tensor): Tensor => {
    const [a, b] = TwoOut.apply(w, x);
    return sum(mul(tanh(a), b));
  };
  it("per-example gradients of both arguments (inAxes [null, 0])", () => {
    const g = grad(f, { argnums: [0, 1] }) as (w: Tensor, x: Tensor) => Tensor[];
    const [gw, gx] = vmap(g, { inAxes: [null, 0] })(W, XV);
    close(gw, loop(B, (i) => g(W, ex(XV, i))[0]));
    close(gx, loop(B, (i) => g(W, ex(XV, i))[1]));
  });
  it("grad of the shared argument through vmap: the sum over the batch", () => {
    const gw = grad((w: Tensor) => sum(vmap((x: Tensor) => f(w, x))(XV)))(W) as Tensor;
    let ref = zeros([3, 3]);
    for (let i = 0; i < B; i++) ref = add(ref, grad(f)(W, ex(XV, i)) as Tensor);
    close(gw, ref);
  });
  it("jvp in the shared argument through vmap", () => {
    const T = randn([3, 3], { seed: 6 });
    const t = jvp((w: Tensor) => vmap((x: Tensor) => f(w, x))(XV), [W], [T]).tangent as Tensor;
    close(t, loop(B, (i) => jvp((w: Tensor) => f(w, ex(XV, i)), [W], [T]).tangent as Tensor));
  });
});

describe("ctx.needsInputGrad under vmap", () => {
  const seen: boolean[] = [];
  class Needs extends Function {
    static forward(ctx: FunctionCtx<[Tensor]>, x: Tensor): Tensor {
      seen.push(ctx.needsInputGrad[0] === true);
      ctx.saveForBackward(x);
      return sin(x);
    }
    static backward(ctx: FunctionCtx<[Tensor]>, g: Tensor): Tensor {
      const [x] = ctx.savedTensors;
      return mul(g, cos(x));
    }
  }
  it("is true in forward when a gradient is taken inside or outside the vmap, false without", () => {
    seen.length = 0;
    vmap(grad((x: Tensor) => sum(Needs.apply(x))))(XV);
    grad((x: Tensor) => sum(vmap((y: Tensor) => Needs.apply(y))(x)))(XV);
    vmap((x: Tensor) => Needs.apply(x))(XV);
    expect(seen).toEqual([true, true, false]);
  });
});

describe("Function with only a jvp (reverse mode by transposition) under vmap", () => {
  compositions((x) => JvpOnly.apply(x), XV, TV);
});

describe("Function with only a backward (forward mode by transposition) under vmap", () => {
  compositions((x) => BackwardOnly.apply(x), XV, TV);
});

describe("customVjp (residuals with an intermediate) under vmap", () => {
  const f = customVjp((x: Tensor) => mul(exp(x), x), {
    fwd: (x: Tensor) => {
      const e = exp(x);
      return [mul(e, x), { x, e }] as const;
    },
    // d(eˣ x) = eˣ (x + 1) dx
    bwd: (r: { x: Tensor; e: Tensor }, ct: Tensor) => [mul(mul(ct, r.e), add(r.x, 1))],
  });
  compositions(f, XV, TV);
});

describe("customJvp (reverse mode by transposition) under vmap", () => {
  const f = customJvp((x: Tensor) => mul(exp(x), x), (p: [Tensor], t: [Tensor], out: Tensor) => mul(t[0], add(out, exp(p[0]))));
  compositions(f, XV, TV);
});

describe("onceDifferentiable Function under vmap", () => {
  compositions((x) => Once.apply(x), XV, TV, { hessian: false });
  it("a second derivative under vmap is refused, as without vmap", () => {
    const L = (x: Tensor): Tensor => sum(Once.apply(x));
    expect(() => vmap(hessian(L))(XV)).toThrow(AutogradError);
    expect(() => hessian(L)(ex(XV, 0))).toThrow(AutogradError);
  });
});

describe("errors of custom functions under vmap", () => {
  class ReadsValues extends Function {
    static forward(ctx: FunctionCtx<[Tensor]>, x: Tensor): Tensor {
      ctx.saveForBackward(x);
      return sin(x);
    }
    static backward(ctx: FunctionCtx<[Tensor]>, g: Tensor): Tensor {
      const [x] = ctx.savedTensors;
      return mul(mul(g, cos(x)), sum(x).item() > 0 ? 1 : 1); // a branch on values
    }
  }
  it("a backward that reads .item() under vmap: BatchingError naming the function and its backward", () => {
    const L = (x: Tensor): Tensor => sum(ReadsValues.apply(x));
    let err: unknown;
    try {
      vmap(grad(L))(XV);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BatchingError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^ReadsValues: its backward ran under vmap/);
    expect(msg).toMatch(/item\(\)/);
    expect(msg).toMatch(/matgrad ops/);
    // without vmap it works
    expect(grad(L)(ex(XV, 0))).toBeInstanceOf(Tensor);
  });
  it("a black-box jvp (reading values) under vmap: BatchingError naming the function's jvp", () => {
    // reads the tangent's values: fine for per-example gradients (the probe tangents are not batched), not for batched tangents
    const f = customJvp((x: Tensor) => mul(x, 2), (_p: [Tensor], t: [Tensor]) => new Tensor(t[0].data.map((v) => 2 * v), t[0].shape));
    expect(() => vmap((x: Tensor, t: Tensor) => jvp(f, [x], [t]).tangent as Tensor)(XV, TV)).toThrow(/its jvp ran under vmap/);
    close(vmap(grad((x: Tensor) => sum(sin(f(x)))))(XV), loop(B, (i) => grad((x: Tensor) => sum(sin(f(x))))(ex(XV, i)) as Tensor));
    // reads the primal's values: refused in both
    const g = customJvp((x: Tensor) => mul(x, x), (p: [Tensor], t: [Tensor]) => mul(t[0], new Tensor(p[0].data.map((v) => 2 * v), p[0].shape)));
    expect(() => vmap((x: Tensor, t: Tensor) => jvp(g, [x], [t]).tangent as Tensor)(XV, TV)).toThrow(/^customJvp: its jvp ran under vmap/);
    expect(() => vmap(grad((x: Tensor) => sum(g(x))))(XV)).toThrow(/^customJvp: its jvp ran under vmap/);
  });
});

// ---------------------------------------------------------------------------
// implicit functions: one solve per example

const theta = mul(randn([B, 3], { seed: 7 }), 0.5), thetaT = randn([B, 3], { seed: 8 });
// x = tanh(W x + θ): a contraction (‖W‖ < 1)
const Tmap = (x: Tensor, th: Tensor): Tensor => tanh(add(matmul(W, x), th));
const residual = (x: Tensor, th: Tensor): Tensor => sub(x, Tmap(x, th));

describe("implicitRoot (Newton–Krylov solver) under vmap", () => {
  let solves = 0;
  const newton = newtonKrylov(residual);
  const root = implicitRoot(residual, (th: Tensor, x0: Tensor | undefined) => {
    solves++;
    return newton(th, x0);
  }, { x0: zeros([3]) });
  compositions((th) => root(th), theta, thetaT);
  it("solves once per example (iteration counts differ), and the root is one", () => {
    solves = 0;
    const x = vmap(root)(theta);
    expect(solves).toBe(B);
    close(residual(ex(x, 1), ex(theta, 1)), zeros([3]), 1e-10);
  });
});

describe("implicitRoot over a tree parameter under vmap", () => {
  const res = (x: Tensor, p: { a: Tensor; s: Tensor }): Tensor => sub(x, tanh(add(matmul(W, x), mul(p.a, p.s))));
  const flat = newtonKrylov((x: Tensor, a: Tensor, s: Tensor) => res(x, { a, s }));
  const root = implicitRoot(res, (p: { a: Tensor; s: Tensor }, x0: Tensor | undefined) => flat(p.a, p.s, x0), { x0: zeros([3]) });
  const S = add(randn([B], { seed: 9 }), 2);
  it("vmap, per-example gradients and grad(vmap) against the loop", () => {
    const f = (a: Tensor, s: Tensor): Tensor => root({ a, s });
    const sq = (a: Tensor, s: Tensor): Tensor => sum(sin(f(a, s)));
    const g = grad(sq, { argnums: [0, 1] }) as (a: Tensor, s: Tensor) => Tensor[];
    close(vmap(f)(theta, S), loop(B, (i) => f(ex(theta, i), ex(S, i))));
    const [ga, gs] = vmap(g)(theta, S);
    close(ga, loop(B, (i) => g(ex(theta, i), ex(S, i))[0]));
    close(gs, loop(B, (i) => g(ex(theta, i), ex(S, i))[1]));
    const gb = grad((a: Tensor) => sum(sin(vmap(f)(a, S))))(theta) as Tensor;
    close(gb, loop(B, (i) => g(ex(theta, i), ex(S, i))[0]));
  });
});

describe("fixedPoint under vmap", () => {
  compositions((th) => fixedPoint(Tmap, zeros([3]), th), theta, thetaT);
  it("a batched initial guess too (it gets no gradient)", () => {
    const X0 = mul(randn([B, 3], { seed: 10 }), 0.1);
    const f = (x0: Tensor, th: Tensor): Tensor => fixedPoint(Tmap, x0, th);
    close(vmap(f)(X0, theta), loop(B, (i) => f(ex(X0, i), ex(theta, i))), 1e-9);
    const g = vmap(grad((x0: Tensor, th: Tensor) => sum(f(x0, th)), { argnums: [0, 1] }))(X0, theta) as Tensor[];
    close(g[0], zeros([B, 3]));
    close(g[1], loop(B, (i) => grad((th: Tensor) => sum(f(ex(X0, i), th)))(ex(theta, i)) as Tensor), 1e-9);
  });
});

describe("inverseOf under vmap", () => {
  // the inverse of x ↦ x + sin(x)/2 (monotone), by Newton
  const inv = inverseOf((x: Tensor) => add(x, mul(sin(x), 0.5)));
  compositions((y) => inv(y), XV, TV);
});

describe("customLinearSolve under vmap", () => {
  const A = add(randn([3, 3], { seed: 11 }), mul(eye(3), 4));
  const Aof = (v: Tensor): Tensor => add(A, matmul(reshape(v, [3, 1]), reshape(v, [1, 3])));
  describe("batched right-hand side", () => {
    compositions((b) => customLinearSolve((x: Tensor) => matmul(A, x), b), XV, TV);
  });
  describe("batched operator (matvec closes over a batched matrix), GMRES", () => {
    compositions((v) => customLinearSolve((x: Tensor) => matmul(Aof(v), x), ones([3]), { solver: "gmres", rtol: 1e-13 }), XV, TV);
  });
  describe("batched operator and right-hand side, dense LU", () => {
    compositions((v) => customLinearSolve((x: Tensor) => matmul(Aof(v), x), add(v, 1), { solver: "lu" }), XV, TV);
  });
  it("a batched warm start x0", () => {
    const X0 = randn([B, 3], { seed: 12 });
    const f = (b: Tensor, x0: Tensor): Tensor => customLinearSolve((x: Tensor) => matmul(A, x), b, { x0, solver: "gmres", rtol: 1e-14 });
    close(vmap(f)(XV, X0), loop(B, (i) => f(ex(XV, i), ex(X0, i))), 1e-10);
  });
  it("iterative solves run per example, dense direct solves in one batched LU", () => {
    const infos: string[] = [];
    const solveWith = (solver: "gmres" | "lu") => (M: Tensor, b: Tensor): Tensor =>
      customLinearSolve((x: Tensor) => matmul(M, x), b, { solver, onInfo: (i) => infos.push(i.solver) });
    const As = add(randn([B, 3, 3], { seed: 14 }), mul(eye(3), 4));
    const ref = loop(B, (i) => solveWith("lu")(ex(As, i), ex(XV, i)));
    infos.length = 0;
    close(vmap(solveWith("gmres"))(As, XV), ref, 1e-9);
    expect(infos).toEqual(["gmres", "gmres", "gmres"]);
    infos.length = 0;
    close(vmap(solveWith("lu"))(As, XV), ref);
    expect(infos).toEqual([]); // no per-example solve ran: the batched LU path
  });
  it("a singular example in a batched dense solve: ConvergenceError naming the example", () => {
    const As = stack([add(A, 0), zeros([3, 3]), add(A, 1)], 0);
    expect(() => vmap((M: Tensor) => customLinearSolve((x: Tensor) => matmul(M, x), ones([3])))(As)).toThrow(ConvergenceError);
    expect(() => vmap((M: Tensor) => customLinearSolve((x: Tensor) => matmul(M, x), ones([3])))(As)).toThrow(/customLinearSolve: forward linear solve \(lu, batched under vmap, 3 unknowns\) failed: .*batch element 1.* singular/);
  });
  it("a linearity check that fails for one example only fails under vmap too", () => {
    const f = (v: Tensor): Tensor => customLinearSolve((x: Tensor) => add(matmul(A, x), mul(v, v)), ones([3]));
    expect(() => vmap(f)(XV)).toThrow(/not linear/);
  });
});

describe("errors of implicit functions under vmap", () => {
  it("a solver closing over a batched tensor: BatchingError naming the implicit function and the fix", () => {
    const f = (w: Tensor, th: Tensor): Tensor => {
      const res = (x: Tensor, t: Tensor): Tensor => sub(x, tanh(add(mul(w, x), t)));
      return implicitRoot(res, (t: Tensor, x0: Tensor | undefined) => newtonKrylov(res)(t, x0), { x0: zeros([3]) })(th);
    };
    let err: unknown;
    try {
      vmap(f, { inAxes: [0, null] })(mul(XV, 0.2), ex(theta, 0));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BatchingError);
    expect((err as Error).message).toMatch(/^implicitRoot: under vmap it solves example by example/);
    expect((err as Error).message).toMatch(/Pass such tensors as arguments/);
  });
  it("T of fixedPoint and A of inverseOf closing over a batched tensor: BatchingError naming the function", () => {
    const viaT = (w: Tensor): Tensor => fixedPoint((x: Tensor) => tanh(add(mul(w, x), 0.5)), zeros([3]));
    expect(() => vmap(viaT)(mul(XV, 0.2))).toThrow(/^fixedPoint: under vmap it solves example by example/);
    const viaA = (s: Tensor, y: Tensor): Tensor => inverseOf((x: Tensor) => add(x, mul(sin(x), s)))(y);
    expect(() => vmap(viaA, { inAxes: [0, null] })(mul(XV, 0.1), ones([3]))).toThrow(/^inverseOf: under vmap it solves example by example/);
    // passed as parameters instead, they are mapped
    close(vmap((s: Tensor, y: Tensor) => inverseOf((x: Tensor, p: Tensor) => add(x, mul(sin(x), p)))(y, s), { inAxes: [0, null] })(mul(XV, 0.1), ones([3])),
      loop(B, (i) => inverseOf((x: Tensor, p: Tensor) => add(x, mul(sin(x), p)))(ones([3]), mul(ex(XV, i), 0.1))));
  });
  it("a solver drawing random numbers under vmap: BatchingError saying to pass the draws in", () => {
    const root = implicitRoot((x: Tensor, th: Tensor) => sub(x, tanh(th)), (th: Tensor) => {
      randn([3]);
      return tanh(th);
    });
    expect(() => vmap(root)(XV)).toThrow(/^implicitRoot: a function it calls .* drew random numbers under vmap/);
  });
  it("a preconditioner closing over a batched tensor: BatchingError", () => {
    const A = add(randn([3, 3], { seed: 13 }), mul(eye(3), 4));
    const f = (d: Tensor): Tensor => customLinearSolve((x: Tensor) => matmul(A, x), ones([3]), { solver: "gmres", preconditioner: (r: Tensor) => mul(r, d) });
    expect(() => vmap(f)(add(XV.abs(), 1))).toThrow(BatchingError);
  });
});

// ---------------------------------------------------------------------------
// two vmap levels with a transform between them; arguments batched at different levels

describe("nested vmap: arguments at different levels, transforms between the levels", () => {
  class ExpProd extends Function {
    static forward(ctx: FunctionCtx<[Tensor, Tensor, Tensor]>, a: Tensor, b: Tensor): Tensor {
      const e = exp(mul(a, b));
      ctx.saveForBackward(a, b, e);
      return e;
    }
    static backward(ctx: FunctionCtx<[Tensor, Tensor, Tensor]>, g: Tensor): Tensor[] {
      const [a, b, e] = ctx.savedTensors;
      return [mul(mul(g, e), b), mul(mul(g, e), a)];
    }
  }
  const Xs = mul(randn([3, 4], { seed: 20 }), 0.5), Ys = mul(randn([2, 4], { seed: 21 }), 0.5);
  const Wn = mul(randn([4, 4], { seed: 22 }), 0.3), S = add(randn([2], { seed: 23 }), 1);
  const cell = (x: Tensor, th: Tensor, s: Tensor): Tensor => tanh(add(matmul(Wn, x), mul(th, s)));
  const cases: [string, (x: Tensor, y: Tensor) => Tensor, Tensor][] = [
    ["Function", (x, y) => sum(sin(ExpProd.apply(x, y))), Ys],
    ["fixedPoint", (x, s) => sum(fixedPoint(cell, zeros([4]), x, s)), S],
  ];
  for (const [name, F, Ys_] of cases) {
    const n = Ys_.shape[0];
    const inner = (x: Tensor): Tensor => sum(vmap((y: Tensor) => F(x, y))(Ys_));
    const innerLoop = (x: Tensor): Tensor => sum(loop(n, (j) => F(x, ex(Ys_, j))));
    it(`${name}: vmap(vmap(f)) with the outer argument at the outer level`, () => {
      close(vmap((x: Tensor) => vmap((y: Tensor) => F(x, y))(Ys_))(Xs), loop(B, (i) => loop(n, (j) => F(ex(Xs, i), ex(Ys_, j)))));
    });
    it(`${name}: vmap(grad(vmap(f))) and vmap(hessian(vmap(f)))`, () => {
      close(vmap(grad(inner))(Xs), loop(B, (i) => grad(innerLoop)(ex(Xs, i)) as Tensor));
      close(vmap(hessian(inner))(Xs), loop(B, (i) => hessian(innerLoop)(ex(Xs, i)) as Tensor));
    });
    it(`${name}: grad(vmap(vmap(f)))`, () => {
      const outer = (xs: Tensor): Tensor => sum(vmap((x: Tensor) => vmap((y: Tensor) => F(x, y))(Ys_))(xs));
      close(grad(outer)(Xs) as Tensor, loop(B, (i) => grad(innerLoop)(ex(Xs, i)) as Tensor));
    });
  }
});

describe("vmap over the derivative maps of implicit functions (jacobian's batched pass)", () => {
  const th0 = ex(theta, 0);
  const fpOf = (solver: "lu" | "gmres") => (th: Tensor): Tensor => fixedPoint(Tmap, { linearSolve: { solver, rtol: 1e-13 } })(zeros([3]), th);
  // the reference Jacobian, one VJP per output entry without vmap
  const { vjpFn: refVjp } = vjp(fpOf("lu"), th0);
  const J = stack([0, 1, 2].map((k) => refVjp(ex(eye(3), k))[0] as Tensor), 0);
  for (const solver of ["lu", "gmres"] as const) {
    it(`vmap(vjpFn) over the output basis, adjoint solve ${solver} (batched cotangents)`, () => {
      const { vjpFn } = vjp(fpOf(solver), th0);
      close(vmap((c: Tensor) => vjpFn(c)[0] as Tensor)(eye(3)), J, 1e-10);
    });
    it(`vmap(jvpFn of linearize) over the input basis, tangent solve ${solver}`, () => {
      const { jvpFn } = linearize(fpOf(solver), th0);
      close(vmap((v: Tensor) => jvpFn(v) as Tensor)(eye(3)), J.mT, 1e-10);
    });
  }
  it("jacobian (reverse and forward) of an implicit function", () => {
    close(jacobian(fpOf("lu"))(th0) as Tensor, J, 1e-12);
    close(jacobian(fpOf("lu"), { mode: "forward" })(th0) as Tensor, J, 1e-12);
  });
});

describe("tree unknowns under vmap (customLinearSolve, inverseOf, fixedPoint)", () => {
  const U = randn([B, 2], { seed: 30 }), V = randn([B, 3], { seed: 31 });
  type UV = { u: Tensor; v: Tensor };
  const mv = (x: UV): UV => ({ u: add(mul(x.u, 2), mul(sum(x.v), 0.1)), v: add(mul(x.v, 3), mul(sum(x.u), 0.1)) });
  const cls = (u: Tensor, v: Tensor): Tensor => {
    const r = customLinearSolve(mv, { u, v });
    return add(sum(sin(r.u)), sum(r.v));
  };
  type AB = { a: Tensor; b: Tensor };
  const inv = inverseOf((x: AB): AB => ({ a: add(x.a, mul(sin(x.a), 0.3)), b: add(mul(x.b, 2), mul(sum(x.a), 0.1)) }));
  const fi = (a: Tensor, b: Tensor): Tensor => {
    const r = inv({ a, b });
    return add(sum(r.a), sum(sin(r.b)));
  };
  type PQ = { p: Tensor; q: Tensor };
  const Tm = (x: PQ, th: Tensor): PQ => ({ p: tanh(add(mul(x.q, 0.3), th)), q: mul(cos(x.p), 0.2) });
  const ff = (th: Tensor, _unused: Tensor): Tensor => {
    const r = fixedPoint(Tm, { p: zeros([2]), q: zeros([2]) }, th);
    return sum(add(r.p, r.q));
  };
  for (const [name, f] of [["customLinearSolve", cls], ["inverseOf", fi], ["fixedPoint", ff]] as const) {
    it(`${name}: vmap, vmap(grad) and grad(vmap) against the loop`, () => {
      const g = grad(f, { argnums: [0, 1] }) as (a: Tensor, b: Tensor) => Tensor[];
      close(vmap(f)(U, V), loop(B, (i) => f(ex(U, i), ex(V, i))));
      const [ga, gb] = vmap(g)(U, V);
      close(ga, loop(B, (i) => g(ex(U, i), ex(V, i))[0]));
      close(gb, loop(B, (i) => g(ex(U, i), ex(V, i))[1]));
      close(grad((a: Tensor) => sum(vmap(f)(a, V)))(U) as Tensor, loop(B, (i) => g(ex(U, i), ex(V, i))[0]));
    });
  }
});

describe("gradcheck and gradgradcheck of vmapped custom and implicit functions", () => {
  // a backward written with ops of the inputs only (a saved intermediate is a constant for higher derivatives, with or without vmap)
  class MatSqRecompute extends Function {
    static forward(ctx: FunctionCtx<[Tensor]>, X: Tensor): Tensor {
      ctx.saveForBackward(X);
      return add(matmul(X, X), exp(X));
    }
    static backward(ctx: FunctionCtx<[Tensor]>, G: Tensor): Tensor {
      const [X] = ctx.savedTensors;
      return add(add(matmul(G, X.mT), matmul(X.mT, G)), mul(G, exp(X)));
    }
  }
  const As = add(randn([2, 3, 3], { seed: 40 }), mul(eye(3), 4)), bs = randn([2, 3], { seed: 41 });
  const cases: [string, (...a: Tensor[]) => Tensor, Tensor[]][] = [
    ["Function", vmap((x: Tensor) => MatSqRecompute.apply(x)), [randn([2, 3, 3], { seed: 42 })]],
    ["fixedPoint", vmap((th: Tensor) => fixedPoint(Tmap, zeros([3]), th)), [randn([2, 3], { seed: 43 })]],
    ["customLinearSolve (batched LU)", vmap((a: Tensor, b: Tensor) => customLinearSolve((x: Tensor) => matmul(a, x), b)), [As, bs]],
    ["customLinearSolve (GMRES per example)", vmap((a: Tensor, b: Tensor) => customLinearSolve((x: Tensor) => matmul(a, x), b, { solver: "gmres", rtol: 1e-12 })), [As, bs]],
  ];
  for (const [name, f, args] of cases)
    it(name, () => {
      expect(gradcheck(f, args).ok).toBe(true);
      expect(gradgradcheck(f, args).ok).toBe(true);
    });
});
