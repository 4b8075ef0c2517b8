/**
 * PyTorch-style custom Functions: values and gradients against built-in
 * autodiff and closed forms, several inputs/outputs, null gradients,
 * non-tensor arguments, needsInputGrad, markNonDifferentiable, double
 * backward, onceDifferentiable, arity and shape errors, forward mode.
 */
import { describe, it, expect } from "vitest";
import {
  Function, FunctionCtx, Tensor, tensor, randn, matmul, mul, add, sum, exp, mT, pow, noGrad,
  gradients, grad, jvp, vjp, hessian, hvp, jacobian, gradcheck, gradgradcheck,
  AutogradError, ShapeError, ArgumentError,
} from "../../src/index.js";
import { MatSquare } from "../../examples/custom.js";

function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

// MatSquare (the corrected class of the custom-derivatives walkthrough):
//   forward: X ↦ X·X, saving X;  backward: G ↦ G·Xᵀ + Xᵀ·G (written with matgrad ops, so twice differentiable)
// MatSquareWithJvp adds jvp: dX ↦ dX·X + X·dX, counting its calls.
let jvpCalls = 0;
class MatSquareWithJvp extends MatSquare {
  static jvp(ctx: FunctionCtx, dX: Tensor): Tensor {
    jvpCalls++;
    const [X] = ctx.savedTensors;
    return dX.matmul(X).add(X.matmul(dX));
  }
}

const X = randn([3, 3], { seed: 21 });
const V = randn([3, 3], { seed: 22 });
const W = randn([3, 3], { seed: 23 });

describe("Function: MatSquare", () => {
  it("computes X·X and the gradient G·Xᵀ + Xᵀ·G (hand-checked 2×2)", () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const y = MatSquare.apply(x) as Tensor;
    expect(y.toNested()).toEqual([[7, 10], [15, 22]]);
    expect(y.requiresGrad).toBe(true);
    y.backward(tensor([[1, 0], [0, 0]]));
    // G = e₀e₀ᵀ: G·Xᵀ = [[1, 3], [0, 0]], Xᵀ·G = [[1, 0], [2, 0]]
    expect(x.grad!.toNested()).toEqual([[2, 3], [2, 0]]);
  });

  it("matches built-in autodiff inside a larger graph and passes gradcheck", () => {
    const f = (x: Tensor) => sum(mul(exp(mul(MatSquare.apply(x) as Tensor, 0.3)), W));
    const fb = (x: Tensor) => sum(mul(exp(mul(matmul(x, x), 0.3)), W));
    expect(maxDiff(grad(f)(X), grad(fb)(X))).toBeLessThan(1e-13);
    expect(gradcheck((x: Tensor) => MatSquare.apply(x), [X]).ok).toBe(true);
  });

  it("supports double backward (backward written with matgrad ops): gradgradcheck, Hessian, HVP", () => {
    expect(gradgradcheck((x: Tensor) => MatSquare.apply(x), [X]).ok).toBe(true);
    const f = (x: Tensor) => sum(mul(matmul(MatSquare.apply(x) as Tensor, x), W));
    const fb = (x: Tensor) => sum(mul(matmul(matmul(x, x), x), W));
    expect(maxDiff(hessian(f)(X), hessian(fb)(X))).toBeLessThan(1e-12);
    expect(maxDiff(hvp(f, [X], [V])[0], hvp(fb, [X], [V])[0])).toBeLessThan(1e-12);
  });
});

describe("Function: forward mode", () => {
  it("uses the static jvp", () => {
    jvpCalls = 0;
    const r = jvp((x: Tensor) => MatSquareWithJvp.apply(x), [X], [V]);
    expect(jvpCalls).toBe(1);
    expect(maxDiff(r.tangent, add(matmul(V, X), matmul(X, V)))).toBeLessThan(1e-14);
    expect(maxDiff(r.out, matmul(X, X))).toBe(0);
    const J = jacobian((x: Tensor) => MatSquareWithJvp.apply(x), { mode: "forward" })(X);
    const Jb = jacobian((x: Tensor) => matmul(x, x))(X);
    expect(maxDiff(J, Jb)).toBeLessThan(1e-14);
  });

  it("derives the JVP from a backward written with matgrad ops (transposition), to second order", () => {
    const r = jvp((x: Tensor) => MatSquare.apply(x), [X], [V]);
    expect(maxDiff(r.tangent, add(matmul(V, X), matmul(X, V)))).toBeLessThan(1e-13);
    const inner = (x: Tensor) => jvp((y: Tensor) => MatSquare.apply(y), [x], [V]).tangent as Tensor;
    const outer = jvp(inner, [X], [W]).tangent as Tensor;
    // d/dt [V(X+tW) + (X+tW)V] = V·W + W·V
    expect(maxDiff(outer, add(matmul(V, W), matmul(W, V)))).toBeLessThan(1e-13);
  });

  it("runs a jvp-only Function in reverse mode by transposing its JVP", () => {
    class SquareJ extends Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.saveForBackward(x);
        return x.matmul(x);
      }
      static jvp(ctx: FunctionCtx, dX: Tensor): Tensor {
        const [x] = ctx.savedTensors;
        return dX.matmul(x).add(x.matmul(dX));
      }
    }
    const G = randn([3, 3], { seed: 5 });
    const { vjpFn } = vjp((x: Tensor) => SquareJ.apply(x), X);
    expect(maxDiff(vjpFn(G)[0], add(matmul(G, mT(X)), matmul(mT(X), G)))).toBeLessThan(1e-13);
    expect(gradcheck((x: Tensor) => SquareJ.apply(x), [X]).ok).toBe(true);
    expect(gradgradcheck((x: Tensor) => SquareJ.apply(x), [X]).ok).toBe(true);
  });
});

describe("Function: several inputs and outputs, non-tensor arguments", () => {
  // (A, X, b, alpha, opts) ↦ [alpha·A·X + b, Σ X²]; alpha and opts are not tensors
  class AffineAndNorm extends Function {
    static forward(ctx: FunctionCtx, A: Tensor, x: Tensor, b: Tensor, alpha: number, opts: { square: boolean }): Tensor[] {
      ctx.saveForBackward(A, x);
      ctx.alpha = alpha;
      expect(opts.square).toBe(true);
      return [matmul(A, x).mul(alpha).add(b), sum(mul(x, x))];
    }
    static backward(ctx: FunctionCtx, G: Tensor, g: Tensor) {
      const [A, x] = ctx.savedTensors;
      const alpha = ctx.alpha as number;
      return [
        matmul(G, mT(x)).mul(alpha),
        matmul(mT(A), G).mul(alpha).add(mul(x, mul(g, 2))),
        G.sum(0),
        null,
        null,
      ];
    }
  }
  const A = randn([3, 3], { seed: 31 }), x = randn([3, 2], { seed: 32 }), b = randn([2], { seed: 33 });
  const f = (A_: Tensor, x_: Tensor, b_: Tensor) => AffineAndNorm.apply(A_, x_, b_, 0.5, { square: true }) as Tensor[];

  it("returns both outputs and passes gradcheck for every input (b broadcast)", () => {
    const [Y, n] = f(A, x, b);
    expect(maxDiff(Y, matmul(A, x).mul(0.5).add(b))).toBe(0);
    expect(n.item()).toBeCloseTo(x.data.reduce((s, v) => s + v * v, 0), 12);
    const r = gradcheck(f, [A, x, b]);
    expect(r.ok).toBe(true);
    expect(r.inputs).toHaveLength(3);
  });

  it("gets zeros for an output that received no cotangent", () => {
    const xr = x.detach().requiresGrad_();
    const [, n] = AffineAndNorm.apply(A, xr, b, 0.5, { square: true }) as Tensor[];
    n.backward();
    expect(maxDiff(xr.grad!, mul(x, 2))).toBeLessThan(1e-15);
  });

  it("raises when backward returns a gradient for a non-tensor argument", () => {
    class Bad extends Function {
      static forward(_ctx: FunctionCtx, x_: Tensor, p: number): Tensor {
        return pow(x_, p);
      }
      static backward(_ctx: FunctionCtx, G: Tensor) {
        return [G, G];
      }
    }
    const xr = randn([2, 2], { seed: 1, requiresGrad: true });
    const y = Bad.apply(xr, 3) as Tensor;
    expect(() => y.backward(randn([2, 2]))).toThrow(AutogradError);
    expect(() => (Bad.apply(xr, 3) as Tensor).backward(randn([2, 2]))).toThrow(/^Bad: backward returned a Tensor of shape \[2, 2\] as the gradient of input 1, which is not a tensor \(number 3\)/);
  });
});

describe("Function: null gradients, needsInputGrad, markNonDifferentiable, materialize", () => {
  it("null means no gradient; needsInputGrad reflects requiresGrad and grad mode", () => {
    const seen: boolean[][] = [];
    const seenBackward: boolean[][] = [];
    class Scale extends Function {
      static forward(ctx: FunctionCtx, x_: Tensor, y_: Tensor, k: number): Tensor {
        seen.push([...ctx.needsInputGrad]);
        return x_.mul(k);
      }
      static backward(ctx: FunctionCtx, G: Tensor) {
        seenBackward.push([...ctx.needsInputGrad]);
        return [ctx.needsInputGrad[0] ? G.mul(3) : null, null, null];
      }
    }
    const a = randn([2], { seed: 1, requiresGrad: true }), bb = randn([2], { seed: 2, requiresGrad: true }), c = randn([2], { seed: 3 });
    const y = Scale.apply(a, bb, 3) as Tensor;
    const [ga, gb] = gradients(sum(y), [a, bb], { allowUnused: true });
    expect(ga!.toArray()).toEqual([3, 3]);
    expect(gb).toBeNull();
    Scale.apply(c, a, 3);
    noGrad(() => Scale.apply(a, bb, 3));
    expect(seen).toEqual([[true, true, false], [false, true, false], [false, false, false]]);
    // in backward: the inputs whose gradient this pass wants
    expect(seenBackward).toEqual([[true, true, false]]);
    const y2 = Scale.apply(a, bb, 3) as Tensor;
    gradients(sum(y2), [bb], { allowUnused: true });
    expect(seenBackward[1]).toEqual([false, true, false]);
    // forward mode derived from a backward that skips work by needsInputGrad: tangent inputs count as needed
    expect(jvp((x_: Tensor) => Scale.apply(x_, c, 3), [c], [tensor([1, 2])]).tangent.toArray()).toEqual([3, 6]);
    expect(noGrad(() => Scale.apply(a, bb, 3) as Tensor).requiresGrad).toBe(false);
  });

  it("markNonDifferentiable: the marked output has no grad and its cotangent arrives as zeros (or null)", () => {
    const got: (Tensor | null)[] = [];
    class SortLike extends Function {
      static forward(ctx: FunctionCtx, x_: Tensor): Tensor[] {
        const idx = tensor([1, 0]);
        ctx.markNonDifferentiable(idx);
        return [x_.mul(2), idx];
      }
      static backward(_ctx: FunctionCtx, G: Tensor, gIdx: Tensor | null) {
        got.push(gIdx);
        return G.mul(2);
      }
    }
    const a = randn([2], { seed: 4, requiresGrad: true });
    const [y, idx] = SortLike.apply(a) as Tensor[];
    expect(y.requiresGrad).toBe(true);
    expect(idx.requiresGrad).toBe(false);
    sum(add(y, idx)).backward();
    expect(a.grad!.toArray()).toEqual([2, 2]);
    expect(got[0]!.toArray()).toEqual([0, 0]);

    class NoMaterialize extends Function {
      static forward(ctx: FunctionCtx, x_: Tensor): Tensor[] {
        ctx.setMaterializeGrads(false);
        return [x_.mul(2), x_.mul(3)];
      }
      static backward(_ctx: FunctionCtx, G0: Tensor | null, G1: Tensor | null) {
        got.push(G0, G1);
        return (G0 ?? tensor(0)).mul(2);
      }
    }
    const [p] = NoMaterialize.apply(a) as Tensor[];
    sum(p).backward();
    expect(got[1]!.toArray()).toEqual([1, 1]);
    expect(got[2]).toBeNull();
  });

  it("re-binds saved outputs so a backward using Y is differentiable (exp: Ā = G∘Y)", () => {
    class Exp extends Function {
      static forward(ctx: FunctionCtx, x_: Tensor): Tensor {
        const y = exp(x_);
        ctx.saveForBackward(y);
        return y;
      }
      static backward(ctx: FunctionCtx, G: Tensor): Tensor {
        const [y] = ctx.savedTensors;
        return mul(G, y);
      }
    }
    expect(gradgradcheck((x_: Tensor) => Exp.apply(x_), [X]).ok).toBe(true);
    const d2 = grad((x_: Tensor) => sum(grad((z: Tensor) => sum(Exp.apply(z) as Tensor))(x_)))(X);
    expect(maxDiff(d2, exp(X))).toBeLessThan(1e-14);
  });
});

describe("Function: onceDifferentiable", () => {
  class Once extends Function {
    static onceDifferentiable = true;
    static forward(ctx: FunctionCtx, x_: Tensor): Tensor {
      ctx.saveForBackward(x_);
      return x_.matmul(x_);
    }
    static backward(ctx: FunctionCtx, G: Tensor): Tensor {
      const [x_] = ctx.savedTensors;
      return G.matmul(x_.mT).add(x_.mT.matmul(G));
    }
  }

  it("first-order gradients are right, also with createGraph", () => {
    const xr = X.detach().requiresGrad_();
    const [g] = gradients(sum(mul(Once.apply(xr) as Tensor, W)), [xr], { createGraph: true });
    expect(maxDiff(g!, add(matmul(W, mT(X)), matmul(mT(X), W)))).toBeLessThan(1e-14);
    expect(gradcheck((x_: Tensor) => Once.apply(x_), [X], { forward: false }).ok).toBe(true);
  });

  it("double backward raises a clear AutogradError", () => {
    const xr = X.detach().requiresGrad_();
    const [g] = gradients(sum(mul(Once.apply(xr) as Tensor, W)), [xr], { createGraph: true });
    expect(() => sum(g!).backward()).toThrow(AutogradError);
    const xr2 = X.detach().requiresGrad_();
    const [g2] = gradients(sum(mul(Once.apply(xr2) as Tensor, W)), [xr2], { createGraph: true });
    expect(() => sum(g2!).backward()).toThrow(/^Once: is marked onceDifferentiable: its backward cannot be differentiated again/);
    expect(() => hessian((x_: Tensor) => sum(Once.apply(x_) as Tensor))(X)).toThrow(/onceDifferentiable/);
  });

  it("has no derived JVP: forward mode asks for a static jvp", () => {
    expect(() => jvp((x_: Tensor) => Once.apply(x_), [X], [V])).toThrow(/^Once: forward mode needs a static jvp/);
  });
});

describe("Function: errors name the function, the input and the shapes", () => {
  it("wrong number of gradients", () => {
    class TwoArgs extends Function {
      static forward(_ctx: FunctionCtx, a: Tensor, b: Tensor): Tensor {
        return a.matmul(b);
      }
      static backward(_ctx: FunctionCtx, G: Tensor) {
        return G;
      }
    }
    const a = randn([2, 2], { requiresGrad: true }), b = randn([2, 2], { requiresGrad: true });
    expect(() => sum(TwoArgs.apply(a, b) as Tensor).backward()).toThrow(/^TwoArgs: backward returned 1 gradient, but forward took 2 arguments/);
  });

  it("wrongly shaped gradient", () => {
    class BadShape extends Function {
      static forward(_ctx: FunctionCtx, a: Tensor, b: Tensor): Tensor {
        return a.matmul(b);
      }
      static backward(_ctx: FunctionCtx, G: Tensor) {
        return [G, G.mT];
      }
    }
    const a = randn([2, 3], { requiresGrad: true }), b = randn([3, 4], { requiresGrad: true });
    let err: unknown = null;
    try {
      sum(BadShape.apply(a, b) as Tensor).backward();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toBe("BadShape: backward returned a gradient of shape [2, 4] for input 0 of shape [2, 3]");
  });

  it("wrongly shaped tangent, non-tensor forward result, no derivative at all", () => {
    class BadJvp extends Function {
      static forward(_ctx: FunctionCtx, a: Tensor): Tensor {
        return a.sum(0);
      }
      static jvp(_ctx: FunctionCtx, da: Tensor): Tensor {
        return da;
      }
    }
    expect(() => jvp((a: Tensor) => BadJvp.apply(a), [randn([2, 3])], [randn([2, 3])])).toThrow(/^BadJvp: jvp returned a tangent of shape \[2, 3\] for output 0 of shape \[3\]/);
    class NotTensor extends Function {
      static forward(): Tensor {
        return 3 as unknown as Tensor;
      }
      static backward() {
        return null;
      }
    }
    // @ts-expect-error forward takes no arguments: apply is typed from it
    expect(() => NotTensor.apply(randn([2]))).toThrow(ArgumentError);
    class Nothing extends Function {
      static forward(_ctx: FunctionCtx, a: Tensor): Tensor {
        return a;
      }
    }
    expect(() => Nothing.apply(randn([2]))).toThrow(/^Nothing: a custom Function needs a static backward/);
  });
});
