/**
 * Custom derivatives and gradcheck (issue 3):
 * - overhead of a custom Function / customVjp / customJvp (VJP by transposing
 *   the JVP) against the built-in op, forward + backward of X ↦ X·X, and against
 *   tfjs's customGrad (cpu backend, float32), same process, same run;
 * - the black-box path: materializing the Jacobian, by size;
 * - gradcheck: full Jacobian, fast projections, and the cost of a diagnosis.
 */
import * as tf from "@tensorflow/tfjs";
import {
  Tensor, randn, tensor, matmul, add, sum, mul, customVjp, customJvp, gradcheck, gradients,
} from "../src/index.js";
import { timeIt, printTable, ratio } from "./util.js";
import { MatSquare, MatSquareWrong } from "../examples/custom.js";

const square = (X: Tensor): Tensor => matmul(X, X);
const viaVjp = customVjp(square, { bwd: ([X]: Tensor[], G: Tensor) => add(matmul(G, X.mT), matmul(X.mT, G)) });
const viaJvp = customJvp(square, ([X]: Tensor[], [dX]: Tensor[]) => add(matmul(dX, X), matmul(X, dX)));
const blackBox = customJvp(square, ([X]: Tensor[], [dX]: Tensor[]) => {
  const n = X.shape[0], out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const a = dX.data[i * n + k], b = X.data[i * n + k];
      for (let j = 0; j < n; j++) out[i * n + j] += a * X.data[k * n + j] + b * dX.data[k * n + j];
    }
  return new Tensor(out, [n, n]);
}, { transpose: "materialize" });

export async function runCustom(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
  const tfSquare = tf.customGrad((x, save) => {
    const X = x as tf.Tensor2D;
    (save as tf.GradSaveFunc)([X]);
    return { value: tf.matMul(X, X), gradFunc: (dy, saved) => {
      const Xs = saved[0] as tf.Tensor2D, G = dy as tf.Tensor2D;
      return [tf.add(tf.matMul(G, Xs, false, true), tf.matMul(Xs, G, true, false))];
    } };
  });

  const rows: (string | number)[][] = [];
  for (const n of [4, 64]) {
    const X0 = randn([n, n], { seed: 1 }), W = randn([n, n], { seed: 2 });
    const run = (f: (x: Tensor) => Tensor) => (): void => {
      const x = tensor(X0.data, { shape: [n, n], requiresGrad: true });
      gradients(sum(mul(f(x), W)), [x]);
    };
    const tBuiltin = await timeIt(run(square));
    const tFunction = await timeIt(run((x) => MatSquare.apply(x)));
    const tVjp = await timeIt(run(viaVjp));
    const tJvp = await timeIt(run(viaJvp));
    const tW = tf.tensor2d(Array.from(W.data), [n, n]), tX = tf.tensor2d(Array.from(X0.data), [n, n]);
    const gradTf = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tfSquare(x) as tf.Tensor, tW)));
    const tTf = await timeIt(() => tf.tidy(() => gradTf(tX).dataSync()));
    tW.dispose();
    tX.dispose();
    rows.push([`n=${n}`, tBuiltin * 1e6, tFunction * 1e6, tVjp * 1e6, tJvp * 1e6, tTf * 1e6, ratio(tTf, tFunction)]);
  }
  printTable("X ↦ X·X forward + backward (µs per call). Ratio = tfjs customGrad time / matgrad Function time (>1: matgrad faster)",
    ["size", "built-in", "Function", "customVjp", "customJvp (transposed)", "tfjs customGrad", "vs tfjs"], rows);

  const bb: (string | number)[][] = [];
  for (const n of [4, 8, 16, 32]) {
    const X = randn([n, n], { seed: 3 }), G = randn([n, n], { seed: 4 });
    const t = await timeIt(() => {
      const x = tensor(X.data, { shape: [n, n], requiresGrad: true });
      gradients(blackBox(x), [x], { gradOutputs: G });
    }, { minTime: 0.3, batches: 3 });
    bb.push([`n=${n}`, n * n, t * 1e3]);
  }
  printTable("black-box linear operator: VJP by materializing the Jacobian (one JVP per input entry), ms per backward",
    ["size", "JVP calls", "ms"], bb);

  const gc: (string | number)[][] = [];
  const X3 = randn([3, 3], { seed: 5 }), X8 = randn([8, 8], { seed: 6 }), X32 = randn([32, 32], { seed: 7 });
  gc.push(["full, 3×3 (VJP + JVP + dot test)", await timeIt(() => gradcheck((x: Tensor) => MatSquare.apply(x), [X3])) * 1e3]);
  gc.push(["full, 8×8", await timeIt(() => gradcheck((x: Tensor) => MatSquare.apply(x), [X8]), { minTime: 0.3, batches: 3 }) * 1e3]);
  gc.push(["fast, 32×32 (3 projections)", await timeIt(() => gradcheck((x: Tensor) => MatSquare.apply(x), [X32], { mode: "fast" }), { minTime: 0.3, batches: 3 }) * 1e3]);
  gc.push(["failing G*2*X, 3×3, with diagnoses", await timeIt(() => gradcheck((x: Tensor) => MatSquareWrong.apply(x), [X3], { raise: false, forward: false })) * 1e3]);
  gc.push(["failing G*2*X, 8×8, with diagnoses", await timeIt(() => gradcheck((x: Tensor) => MatSquareWrong.apply(x), [X8], { raise: false, forward: false }), { minTime: 0.3, batches: 3 }) * 1e3]);
  printTable("gradcheck, ms per call", ["check", "ms"], gc);
}
