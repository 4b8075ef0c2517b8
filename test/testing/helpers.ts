/** Helpers for the gradcheck tests: custom functions with deliberately right or wrong derivatives. */
import { Function, FunctionCtx, Tensor, noGrad } from "../../src/index.js";
import { luFactor, luInverse } from "../../src/kernels/lu.js";

type Fwd = (ctx: FunctionCtx, ...args: any[]) => Tensor | Tensor[];
type Bwd = (ctx: FunctionCtx, ...grads: any[]) => any;

/** A Function subclass named `name` with the given static forward / backward / jvp. */
export function makeFunction(name: string, forward: Fwd, backward?: Bwd, jvp?: Bwd, once = false): typeof Function & { forward: Fwd } {
  const cls = class extends Function {
    static forward = forward;
    static backward = backward;
    static jvp = jvp;
    static onceDifferentiable = once;
  };
  Object.defineProperty(cls, "name", { value: name });
  if (backward === undefined) delete (cls as any).backward;
  if (jvp === undefined) delete (cls as any).jvp;
  return cls as any;
}

/** The matrix inverse computed by the LU kernels (no autodiff inside). */
export function invValue(X: Tensor): Tensor {
  const n = X.shape[0];
  const f = luFactor(X.data.slice(), n);
  return new Tensor(luInverse(f.lu, f.piv, n), [n, n]);
}

/** X ↦ X⁻¹ with a user VJP (Y = X⁻¹ is saved) and, optionally, a JVP. */
export function inverseFn(name: string, vjp: (G: Tensor, Y: Tensor) => Tensor, jvp?: (dX: Tensor, Y: Tensor) => Tensor): (X: Tensor) => Tensor {
  const cls = makeFunction(
    name,
    (ctx, X: Tensor) => {
      const Y = noGrad(() => invValue(X));
      ctx.saveForBackward(Y);
      return Y;
    },
    (ctx, G: Tensor) => vjp(G, ctx.savedTensors[0]),
    jvp ? (ctx, dX: Tensor) => jvp(dX, ctx.savedTensors[0]) : undefined,
  );
  return (X: Tensor) => cls.apply(X) as Tensor;
}

/** X ↦ f(X) with a user VJP of (G, X, Y). */
export function unaryFn(name: string, f: (X: Tensor) => Tensor, vjp: (G: Tensor, X: Tensor, Y: Tensor) => Tensor | null, jvp?: (dX: Tensor, X: Tensor, Y: Tensor) => Tensor): (X: Tensor) => Tensor {
  const cls = makeFunction(
    name,
    (ctx, X: Tensor) => {
      const Y = f(X);
      ctx.saveForBackward(X, Y);
      return Y;
    },
    (ctx, G: Tensor) => {
      const [X, Y] = ctx.savedTensors;
      return vjp(G, X, Y);
    },
    jvp ? (ctx, dX: Tensor) => {
      const [X, Y] = ctx.savedTensors;
      return jvp(dX, X, Y);
    } : undefined,
  );
  return (X: Tensor) => cls.apply(X) as Tensor;
}

/** (A, B) ↦ f(A, B) with a user VJP returning [Ā, B̄]. */
export function binaryFn(name: string, f: (A: Tensor, B: Tensor) => Tensor, vjp: (G: Tensor, A: Tensor, B: Tensor) => (Tensor | null)[]): (A: Tensor, B: Tensor) => Tensor {
  const cls = makeFunction(
    name,
    (ctx, A: Tensor, B: Tensor) => {
      ctx.saveForBackward(A, B);
      return f(A, B);
    },
    (ctx, G: Tensor) => {
      const [A, B] = ctx.savedTensors;
      return vjp(G, A, B);
    },
  );
  return (A: Tensor, B: Tensor) => cls.apply(A, B) as Tensor;
}
