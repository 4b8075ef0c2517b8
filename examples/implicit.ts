/**
 * Walkthrough: implicit differentiation — functions defined by equations.
 *
 * 1. "I solve A(X) = Y to get X from Y": the inverse of X ↦ X·X + X by
 *    Newton–Krylov, differentiated by the implicit function theorem (one
 *    adjoint linear solve, no unrolling), checked by finite differences.
 * 2. The matrix square root as the inverse of X ↦ X·X, checked against
 *    linalg.sqrtm and against the Sylvester equation its gradient solves.
 * 3. A matrix equation solved by an iterative method (the Lyapunov equation
 *    A X + X Aᵀ = Q by GMRES) and differentiated with respect to A.
 * 4. A small deep-equilibrium layer z = tanh(W z + U u + b), trained for a few
 *    steps of gradient descent through its fixed point.
 */
import {
  Tensor, randn, eye, zeros, add, sub, mul, matmul, mT, vdot, tanh, mean, square, grad, valueAndGrad,
  inverseOf, fixedPoint, customLinearSolve, linalg,
} from "../src/index.js";

const maxAbs = (t: Tensor): number => t.abs().max().item();

export function implicitSection(log: (s: string) => void = console.log): void {
  log("── Implicit differentiation: functions defined by equations ────────────");
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) failures.push(what);
  };

  // 1. the inverse of A(X) = X·X + X
  const n = 6;
  const A = (X: Tensor): Tensor => add(matmul(X, X), X);
  let newtonSteps = 0;
  const Ainv = inverseOf(A, { newton: { onIteration: (i) => (newtonSteps = i.iteration) } });
  const Xtrue = add(mul(randn([n, n], { seed: 1 }), 0.4 / Math.sqrt(n)), mul(eye(n), 0.5));
  const Y = A(Xtrue);
  const X = Ainv(Y); // Newton–Krylov from X₀ = Y
  const errX = maxAbs(sub(X, Xtrue));
  log(`inverseOf(X ↦ X·X + X): recovered X in ${newtonSteps} Newton steps, max error ${errX.toExponential(1)}`);
  const W = randn([n, n], { seed: 2 }), dY = randn([n, n], { seed: 3 });
  const loss = (Y: Tensor): Tensor => vdot(Ainv(Y), W);
  const gY = grad(loss)(Y); // solves A′(X)ᵀ Ȳ = W, i.e. Xᵀ Ȳ + Ȳ Xᵀ + Ȳ = W, matrix-free
  const h = 1e-6;
  const fd = (loss(add(Y, mul(dY, h))).item() - loss(sub(Y, mul(dY, h))).item()) / (2 * h);
  const errG = Math.abs(vdot(gY, dY).item() - fd) / Math.abs(fd);
  const adjRes = maxAbs(sub(add(add(matmul(mT(X), gY), matmul(gY, mT(X))), gY), W));
  log(`  ⟨∇_Y, dY⟩ vs re-solving finite differences: relative error ${errG.toExponential(1)}; adjoint equation residual ${adjRes.toExponential(1)}`);
  check(errX < 1e-12 && errG < 1e-7 && adjRes < 1e-9, "inverse of X·X + X");

  // 2. the matrix square root as the inverse of X ↦ X·X
  const G = randn([4, 4], { seed: 4 });
  const S = add(matmul(G, mT(G)), eye(4)); // SPD: Newton from X₀ = S converges to the principal root
  const sqrtm = inverseOf((X: Tensor) => matmul(X, X));
  const R = sqrtm(S);
  const errR = maxAbs(sub(R, linalg.sqrtm(S)));
  const Rbar = randn([4, 4], { seed: 5 });
  const gS = grad((S: Tensor) => vdot(sqrtm(S), Rbar))(S);
  const sylv = linalg.solveSylvester(mT(R), mT(R), Rbar); // closed form: Xᵀ S̄ + S̄ Xᵀ = X̄
  const errS = maxAbs(sub(gS, sylv));
  log(`sqrtm as inverseOf(X ↦ X·X): vs linalg.sqrtm ${errR.toExponential(1)}; gradient vs Sylvester solve ${errS.toExponential(1)}`);
  check(errR < 1e-10 && errS < 1e-10, "sqrtm");

  // 3. Lyapunov equation A X + X Aᵀ = Q by GMRES, differentiated through the solve
  const m = 8;
  const Am = add(mul(randn([m, m], { seed: 6 }), 0.5 / Math.sqrt(m)), mul(eye(m), -2)); // stable
  const Q = eye(m);
  const lyap = (A: Tensor): Tensor => customLinearSolve((X) => add(matmul(A, X), matmul(X, mT(A))), Q, { solver: "gmres" });
  const P = lyap(Am);
  const errP = maxAbs(sub(P, linalg.solveLyapunov(Am, Q)));
  const tr = (A: Tensor): Tensor => lyap(A).trace(); // e.g. an H₂-norm-like objective
  const gA = grad(tr)(Am);
  const dA = randn([m, m], { seed: 7 });
  const fdA = (tr(add(Am, mul(dA, h))).item() - tr(sub(Am, mul(dA, h))).item()) / (2 * h);
  const errA = Math.abs(vdot(gA, dA).item() - fdA) / Math.abs(fdA);
  log(`Lyapunov A X + X Aᵀ = I by GMRES: vs Bartels–Stewart ${errP.toExponential(1)}; d trace(X)/dA vs finite differences ${errA.toExponential(1)}`);
  check(errP < 1e-9 && errA < 1e-6, "Lyapunov");

  // 4. a deep-equilibrium layer trained by gradient descent through its fixed point
  const hdim = 8, p = 3, N = 16;
  const U = randn([p, N], { seed: 8 }); // inputs (columns)
  const target = mul(tanh(matmul(randn([1, p], { seed: 9 }), U)), 0.8);
  let params = {
    W: mul(randn([hdim, hdim], { seed: 10 }), 0.3 / Math.sqrt(hdim)),
    B: mul(randn([hdim, p], { seed: 11 }), 0.5),
    V: mul(randn([1, hdim], { seed: 12 }), 0.5),
  };
  const layer = fixedPoint((Z: Tensor, W: Tensor, B: Tensor) => tanh(add(matmul(W, Z), matmul(B, U))));
  const objective = (W: Tensor, B: Tensor, V: Tensor): Tensor => {
    const Z = layer(zeros([hdim, N]), W, B); // equilibrium states, [hdim, N]
    return mean(square(sub(matmul(V, Z), target)));
  };
  const vg = valueAndGrad(objective, { argnums: [0, 1, 2] });
  const losses: number[] = [];
  const lr = 0.1; // larger steps can make W non-contractive: fixedPoint then raises ConvergenceError
  for (let step = 0; step < 25; step++) {
    const { value, grad: [gW, gB, gV] } = vg(params.W, params.B, params.V);
    losses.push(value.item());
    params = { W: sub(params.W, mul(gW, lr)), B: sub(params.B, mul(gB, lr)), V: sub(params.V, mul(gV, lr)) };
  }
  log(`DEQ layer z = tanh(W z + B u), ${hdim} units × ${N} samples, 25 steps of gradient descent (implicit gradients):`);
  log(`  loss ${losses.filter((_, i) => i % 6 === 0 || i === losses.length - 1).map((l) => l.toFixed(4)).join(" → ")}; ‖W‖₂ = ${linalg.matrixNorm(params.W, 2).item().toFixed(2)} (< 1: still a contraction)`);
  check(losses[losses.length - 1] < 0.5 * losses[0] && losses.every((l, i) => i === 0 || l <= losses[i - 1] * 1.001), "DEQ training");

  if (failures.length > 0) throw new Error(`walkthrough: implicit section is off (${failures.join(", ")})`);
  log("");
}

if (import.meta.url === `file://${process.argv[1]}`) implicitSection();
