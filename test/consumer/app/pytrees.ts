/**
 * A user's file (strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes):
 * every transform over pytrees, hasAux, typed custom derivatives and implicit
 * functions; the types keep the user's structure. Lines marked
 * `@ts-expect-error` prove that misuse does not compile.
 */
import {
  tensor, randn, zeros, ones, matmul, add, sub, mul, sum, tanh, eye,
  grad, valueAndGrad, vjp, jvp, linearize, linearTranspose, jacobian, hessian, hvp,
  customVjp, customJvp, Function, implicitRoot, fixedPoint, inverseOf, customLinearSolve, linalg,
  treeMap, treeLeaves,
} from "matgrad";
import type { Tensor, FunctionCtx } from "matgrad";

interface Params {
  W: Tensor;
  b: Tensor;
}
const params: Params = { W: randn([3, 2], { seed: 1 }), b: zeros([3, 1]) };
const data = randn([2, 4], { seed: 2 });
const loss = (p: Params, x: Tensor): Tensor => sum(tanh(add(matmul(p.W, x), p.b)).square());

// grad / valueAndGrad keep the structure; argnums tuples are typed per position
const g: { W: Tensor; b: Tensor } = grad(loss)(params, data);
const gBoth: [{ W: Tensor; b: Tensor }, Tensor] = grad(loss, { argnums: [0, 1] })(params, data);
const vg = valueAndGrad(loss)(params, data);
const value: Tensor = vg.value;
const gW: Tensor = vg.grad.W;
const sgd: Params = treeMap((w: Tensor, dw: Tensor) => sub(w, mul(dw, 0.1)), params, g);

// hasAux
const withAux = (p: Params, x: Tensor): [Tensor, { pred: Tensor; note: string }] => {
  const pred = add(matmul(p.W, x), p.b);
  return [sum(pred.square()), { pred, note: "aux" }];
};
const [gA, aux] = grad(withAux, { hasAux: true })(params, data);
const note: string = aux.note;
const gAb: Tensor = gA.b;
const vga = valueAndGrad(withAux, { hasAux: true })(params, data);
const pred: Tensor = vga.aux.pred;
const fa = jvp((x: Tensor): [Tensor, number] => [mul(x, 2), 3], [data], [ones([2, 4])], { hasAux: true });
const auxNum: number = fa.aux;
const va = vjp({ hasAux: true }, (p: Params): [Tensor, string] => [matmul(p.W, data), "pred"], params);
const auxStr: string = va.aux;
const [ctP] = va.vjpFn(ones([3, 4]));
const ctW: Tensor = ctP.W;

// vjp / jvp / linearize / linearTranspose on trees
const heads = (p: Params) => ({ mean: sum(p.W), out: matmul(p.W, data) });
const pb = vjp(heads, params);
const outMean: Tensor = pb.out.mean;
const [gp] = pb.vjpFn({ mean: 1, out: zeros([3, 4]) });
const gpW: Tensor = gp.W;
const fw = jvp(heads, [params], [{ W: ones([3, 2]), b: zeros([3, 1]) }]);
const tOut: Tensor = fw.tangent.out;
const lin = linearize(heads, params);
const lOut: Tensor = lin.jvpFn({ W: ones([3, 2]), b: zeros([3, 1]) }).mean;
const LT = linearTranspose((p: Params) => matmul(p.W, data), params);
const ltW: Tensor = LT(ones([3, 4]))[0].W;

// jacobian (output structure outside, input inside), hessian, hvp
const J = jacobian(heads)(params);
const jOutW: Tensor = J.out.W;
const Jf = jacobian(heads, { mode: "forward", maxEntries: 1e6 })(params);
const jMeanB: Tensor = Jf.mean.b;
const H = hessian(loss)(params, data);
const hWb: Tensor = H.W.b;
const [hv, hx] = hvp(loss, [params, data], [{ W: ones([3, 2]), b: zeros([3, 1]) }, zeros([2, 4])]);
const hvW: Tensor = hv.W;
const hxT: Tensor = hx;

// custom derivatives: Function.apply typed from forward, savedTensors a tuple
class Affine extends Function {
  static forward(ctx: FunctionCtx<[Tensor, Tensor]>, p: Params, x: Tensor): Tensor {
    ctx.saveForBackward(p.W, x);
    return add(matmul(p.W, x), p.b);
  }
  static backward(ctx: FunctionCtx<[Tensor, Tensor]>, G: Tensor) {
    const [W, x] = ctx.savedTensors; // Tensor, Tensor: no assertion needed
    return [{ W: matmul(G, x.mT), b: sum(G, [1], true) }, matmul(W.mT, G)];
  }
}
const affineOut: Tensor = Affine.apply(params, data);
const square = customVjp((A: Tensor) => matmul(A, A), {
  fwd: (A: Tensor) => [matmul(A, A), { A }],
  bwd: (res, G) => add(matmul(G, res.A.mT), matmul(res.A.mT, G)),
});
const sq: Tensor = square(eye(2));
const squareJ = customJvp((A: Tensor) => matmul(A, A), ([A], [dA]) => add(matmul(dA, A), matmul(A, dA)));
const sqj: Tensor = squareJ(eye(2));

// implicit functions over trees
const root = implicitRoot(
  (x: { u: Tensor }, t: { p: Tensor }) => ({ u: sub(add(x.u, mul(x.u, x.u).mul(0.1)), t.p) }),
  (t: { p: Tensor }) => ({ u: t.p }),
  { tol: Infinity },
);
const u: Tensor = root({ p: tensor([0.1, 0.2]) }).u;
const fp: Tensor = fixedPoint((z: { h: Tensor }, W: Tensor) => ({ h: tanh(matmul(W, z.h)) }), { h: zeros([2]) }, mul(eye(2), 0.1)).h;
const inv = inverseOf((x: { a: Tensor }) => ({ a: add(x.a, mul(x.a, x.a).mul(0.01)) }));
const ia: Tensor = inv({ a: tensor([0.5, 0.25]) }).a;
const ls = customLinearSolve((x: { a: Tensor }) => ({ a: matmul(add(eye(2), eye(2)), x.a) }), { a: tensor([1, 2]) });
const lsa: Tensor = ls.a;
const det: Tensor = linalg.det(eye(2));

export const results: Tensor[] = [
  g.W, gBoth[1], value, gW, sgd.W, gAb, pred, ctW, outMean, gpW, tOut, lOut, ltW, jOutW, jMeanB, hWb, hvW, hxT,
  affineOut, sq, sqj, u, fp, ia, lsa, det, ...treeLeaves(g),
];
export const misc: unknown[] = [note, auxNum, auxStr];

// misuse that must not compile
// @ts-expect-error the gradient of a { W, b } argument has no key c
export const noKey: Tensor = g.c;
// @ts-expect-error argnums [0, 1] gives two gradients: there is no third
export const noThird: Tensor = gBoth[2];
// @ts-expect-error with hasAux the function must return [out, aux]
grad(loss, { hasAux: true });
// @ts-expect-error a parameter typed number would receive a tensor (top-level numbers are converted): pass it in an object
grad((x: Tensor, k: number) => mul(x, k))(data, 2);
// @ts-expect-error apply's arguments are forward's: (p: Params, x: Tensor)
Affine.apply(data, data);
// @ts-expect-error savedTensors is [Tensor, Tensor]: there is no third
export const noSaved = (ctx: FunctionCtx<[Tensor, Tensor]>): Tensor => ctx.savedTensors[2];
// @ts-expect-error a tangent tree must have the primals' keys
jvp(heads, [params], [{ W: ones([3, 2]) }]);
// @ts-expect-error has_aux is the JAX spelling; matgrad's option is hasAux
grad(loss, { has_aux: true });
// @ts-expect-error the JVP of a scalar output is a Tensor, not a tree
export const notTree: Tensor = jvp(loss, [params, data], [params, data]).tangent.W;
