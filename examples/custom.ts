/**
 * Walkthrough: custom derivatives and the gradient checker.
 *
 * "My backward for X ↦ X·X is grad * 2 * X — is that correct?"
 *
 * 1. That backward, as a custom Function, caught by gradcheck, which says what
 *    is wrong and what the right VJP is.
 * 2. The corrected backward G·Xᵀ + Xᵀ·G (from dY = dX·X + X·dX and
 *    ⟨A, B⟩ = tr(AᵀB)) passes, to second order.
 * 3. The same function defined only by its Gateaux derivative
 *    dX ↦ dX·X + X·dX: reverse mode is derived by transposition — written with
 *    matgrad ops, or as a black-box operator whose Jacobian is materialized.
 */
import {
  Function, FunctionCtx, Tensor, GradcheckError, tensor, randn, matmul, add, mul, sum, vjp,
  gradcheck, gradgradcheck, customJvp,
} from "../src/index.js";

/** X ↦ X·X with the correct backward G·Xᵀ + Xᵀ·G (exported for the bench and test/custom/function.test.ts). */
export class MatSquare extends Function {
  static forward(ctx: FunctionCtx, X: Tensor): Tensor {
    ctx.saveForBackward(X);
    return X.matmul(X);
  }
  // dY = dX·X + X·dX, ⟨G, dY⟩ = ⟨G·Xᵀ + Xᵀ·G, dX⟩
  static backward(ctx: FunctionCtx, G: Tensor): Tensor {
    const [X] = ctx.savedTensors;
    return G.matmul(X.mT).add(X.mT.matmul(G));
  }
}

/** The same forward X ↦ X·X with the scalar rule as backward: wrong for matrices (exported for the bench). */
export class MatSquareWrong extends MatSquare {
  static override backward(ctx: FunctionCtx, G: Tensor): Tensor {
    const [X] = ctx.savedTensors;
    return G.mul(2).mul(X); // the scalar rule d(x²) = 2x·dx, entry by entry
  }
}

const maxAbs = (t: Tensor): number => t.abs().max().item();

export function customSection(log: (s: string) => void = console.log): void {
  log("── Custom derivatives: is backward(G) = G * 2 * X right for X ↦ X·X? ───");
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) failures.push(what);
  };
  const X = randn([3, 3], { seed: 2024 });
  const G = randn([3, 3], { seed: 2025 });
  const indent = (s: string): string => s.split("\n").map((l) => `    ${l}`).join("\n");

  // 1. the wrong backward, caught and explained
  log("1. MatSquareWrong.backward(G) = G * 2 * X, checked by gradcheck:");
  let caught: GradcheckError | null = null;
  try {
    gradcheck((A: Tensor) => MatSquareWrong.apply(A), [X], { name: "MatSquareWrong", forward: false });
  } catch (e) {
    if (!(e instanceof GradcheckError)) throw e;
    caught = e;
  }
  check(caught !== null, "gradcheck did not catch G * 2 * X");
  if (caught !== null) {
    log(indent(caught.message));
    const d = caught.result.inputs[0].diagnosis.join("\n");
    check(d.includes("elementwise product") && d.includes("G·Xᵀ + Xᵀ·G"), "the diagnosis does not point to G·Xᵀ + Xᵀ·G");
  }

  // 2. the corrected backward passes, to second order
  log("2. MatSquare.backward(G) = G·Xᵀ + Xᵀ·G (from dY = dX·X + X·dX and ⟨A, B⟩ = tr(AᵀB)):");
  const first = gradcheck((A: Tensor) => MatSquare.apply(A), [X], { name: "MatSquare" });
  log(indent(first.report));
  const second = gradgradcheck((A: Tensor) => MatSquare.apply(A), [X], { name: "MatSquare" });
  log(`    gradgradcheck (double backward through the matgrad-op backward): ${second.ok ? "passed ✓" : "FAILED ✗"}`);
  check(first.ok && first.dotProduct!.ok && second.ok, "the corrected MatSquare does not pass gradcheck");

  // 3. defined by its Gateaux derivative only
  log("3. The same function from its Gateaux derivative dX ↦ dX·X + X·dX alone:");
  const square = customJvp((A: Tensor) => matmul(A, A), ([A]: Tensor[], [dA]: Tensor[]) => add(matmul(dA, A), matmul(A, dA)), { name: "squareFromJvp" });
  const [gT] = vjp(square, X).vjpFn(G);
  const expected = add(matmul(G, X.mT), matmul(X.mT, G));
  const errT = maxAbs(gT.sub(expected));
  log(`    VJP by transposing the JVP vs G·Xᵀ + Xᵀ·G: max |difference| = ${errT.toExponential(2)}`);
  check(errT < 1e-12, "the transposed JVP differs from G·Xᵀ + Xᵀ·G");
  const okJ = gradcheck(square, [X]).ok && gradgradcheck(square, [X]).ok;
  log(`    gradcheck + gradgradcheck: ${okJ ? "passed ✓" : "FAILED ✗"}`);
  check(okJ, "customJvp square fails gradcheck");

  let jvpCalls = 0;
  const blackBox = customJvp((A: Tensor) => matmul(A, A), ([A]: Tensor[], [dA]: Tensor[]) => {
    jvpCalls++;
    const n = A.shape[0], out = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let k = 0; k < n; k++) out[i * n + j] += dA.data[i * n + k] * A.data[k * n + j] + A.data[i * n + k] * dA.data[k * n + j];
    return new Tensor(out, [n, n]);
  }, { name: "squareBlackBox" });
  const [gB] = vjp((A: Tensor) => sum(mul(blackBox(A), G)), X).vjpFn(tensor(1));
  const errB = maxAbs(gB.sub(expected));
  log(`    black-box operator (loops on raw arrays): ${jvpCalls} operator calls (9 Jacobian columns + 2 to detect the black box), max |VJP error| = ${errB.toExponential(2)}`);
  check(errB < 1e-12, "the materialized black-box VJP is wrong");
  log("");
  if (failures.length > 0) throw new Error(`walkthrough (custom derivatives): ${failures.join("; ")}`);
}
