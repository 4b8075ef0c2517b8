/**
 * A user's file under the strictest common settings (`tsc --init` of
 * TypeScript 5.9: strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes,
 * module nodenext, verbatimModuleSyntax), type-checked against the installed
 * package by test/consumer/consumer.test.ts. It uses every transform; lines
 * marked `@ts-expect-error` prove that misuse does not compile.
 */
import {
  tensor, randn, eye, matmul, add, sub, mul, trace, sum,
  grad, valueAndGrad, vjp, jvp, linearize, linearTranspose, jacobian, hessian, hvp, gradients,
  customVjp, customJvp, Function, FunctionCtx, gradcheck, linalg, noGrad,
  ShapeError, MatgradError, Tensor,
} from "matgrad";

const X: Tensor = tensor([[2, 1], [1, 3]]);
const dX: Tensor = eye(2);

// grad / valueAndGrad
const energy = (A: Tensor): Tensor => {
  const B = matmul(A, A);
  return trace(matmul(B.mT, B));
};
const g: Tensor = grad(energy)(X);
const vg = valueAndGrad(energy)(X);
const value: Tensor = vg.value;
const gv: Tensor = vg.grad;

// two arguments
const loss = (W: Tensor, x: Tensor): Tensor => matmul(W, x).square().sum();
const both = grad(loss, { argnums: [0, 1] })(X, tensor([1, 1]));
const gW: Tensor = both[0];
const gx: Tensor = both[1];

// vjp / jvp / linearize / linearTranspose
const square = (A: Tensor): Tensor => matmul(A, A);
const pb = vjp(square, X);
const pulled = pb.vjpFn(dX);
const ct0: Tensor = pulled[0];
const fwd = jvp(square, [X], [dX]);
const tangent: Tensor = fwd.tangent;
const lin = linearize(square, X);
const t2: Tensor = lin.jvpFn(dX);
const LT = linearTranspose((T: Tensor): Tensor => add(matmul(X, T), matmul(T, X)), X);
const lt: Tensor = LT(dX)[0];

// jacobian / hessian / hvp
const J: Tensor = jacobian(square)(X);
const Jf: Tensor = jacobian(square, { mode: "forward" })(X);
const H: Tensor = hessian(energy)(X);
const hv: Tensor = hvp(energy, [X], [dX])[0];

// reverse mode on tensors
const Xr = tensor([[1, 2], [3, 4]], { requiresGrad: true });
energy(Xr).backward();
const xg: Tensor | null = Xr.grad;
const [gg] = gradients(energy(Xr), [Xr]);

// custom derivatives
const mySquare = customVjp((A: Tensor) => matmul(A, A), {
  fwd: (A: Tensor) => [matmul(A, A), A],
  bwd: (A: Tensor, G: Tensor) => add(matmul(G, A.mT), matmul(A.mT, G)),
});
const sq: Tensor = mySquare(X);
const mySquareJ = customJvp((A: Tensor) => matmul(A, A), (primals: Tensor[], tangents: Tensor[]) => {
  const [A] = primals, [T] = tangents;
  return A !== undefined && T !== undefined ? add(matmul(T, A), matmul(A, T)) : null;
});
const sqj: Tensor = mySquareJ(X);

class Cube extends Function {
  static forward(ctx: FunctionCtx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return mul(mul(x, x), x);
  }
  static backward(ctx: FunctionCtx, ct: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    if (x === undefined || x === null) throw new Error("nothing saved");
    return mul(ct, mul(mul(x, x), 3));
  }
}
const c: Tensor = Cube.apply(tensor([1, 2]));

// gradient checking, linear algebra, errors
const report = gradcheck(energy, [X]);
const ok: boolean = report.ok;
const { Q, R } = linalg.qr(randn([3, 2], { seed: 1 }));
const s: Tensor = noGrad(() => sum(sub(matmul(Q, R), Q)));
try {
  matmul(tensor([1, 2, 3]), eye(2));
} catch (e) {
  if (e instanceof ShapeError) console.log(e.op, e.message);
  else if (e instanceof MatgradError) console.log(e.op);
}

export const results: Tensor[] = [g, value, gv, gW, gx, ct0, tangent, t2, lt, J, Jf, H, hv, sq, sqj, c, s];
export const misc: unknown[] = [xg, gg, ok];

// misuse that must not compile
// @ts-expect-error grad(f)(X) is a Tensor, which has no method noSuchMethod
grad(energy)(X).noSuchMethod();
// @ts-expect-error the argument of grad(f) for f: (A: Tensor) => Tensor is a tensor (or nested numbers), not a string
grad(energy)("X");
// @ts-expect-error two gradients for argnums [0, 1]: there is no third
export const third: Tensor = both[2];
