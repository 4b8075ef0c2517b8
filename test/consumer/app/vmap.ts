/**
 * A user's file (strict): vmap's types — results keep f's return type (trees
 * included), options are checked, and misuse does not compile.
 */
import { vmap, grad, jacobian, hessian, randn, zeros, eye, matmul, tanh, sum, add, sub, mul, reshape, BatchingError, linalg } from "matgrad";
import type { Tensor, VmapOptions } from "matgrad";

interface Params {
  W: Tensor;
  b: Tensor;
}
const params: Params = { W: randn([3, 2], { seed: 1 }), b: zeros([3]) };
const X = randn([5, 2], { seed: 2 });
const Y = randn([5], { seed: 3 });
const loss = (p: Params, x: Tensor, y: Tensor): Tensor => {
  const r = sub(sum(tanh(add(matmul(p.W, x), p.b))), y);
  return mul(r, r);
};

// per-example gradients: the result has the gradient's structure
const per: { W: Tensor; b: Tensor } = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, X, Y);
const opts: VmapOptions = { inAxes: [{ W: null, b: 0 }, 0, 0], outAxes: 0, randomness: "different" };
const tree = vmap((p: Params, x: Tensor) => ({ y: matmul(p.W, x), n: 3 }), { inAxes: [null, 0] })(params, X);
const yTree: Tensor = tree.y;
const n: number = tree.n;
const J = jacobian((x: Tensor) => reshape(matmul(params.W, x), [3]), { chunkSize: 2, vectorize: true })(reshape(X, [10]).slice([0, 2]));
const H = hessian((a: Tensor) => linalg.logdet(a), { chunkSize: 4 })(add(mul(randn([3, 3], { seed: 4 }), 0.1), eye(3)));
export const vmapResults: Tensor[] = [per.W, per.b, yTree, J, H];
export const vmapMisc: unknown[] = [opts, n, BatchingError];

// @ts-expect-error randomness is "error" | "different" | "same"
vmap(loss, { randomness: "sometimes" });
// @ts-expect-error in_axes is the JAX spelling; matgrad's option is inAxes
vmap(loss, { in_axes: 0 });
// @ts-expect-error the per-example gradient of { W, b } has no key c
export const noC: Tensor = per.c;
