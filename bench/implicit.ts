/**
 * Cost of implicit differentiation (issue 6): for the inverse of
 * A(X) = X·X + X (Newton–Krylov forward, one adjoint GMRES solve backward),
 * the backward pass (VJP) and a forward-mode JVP relative to the forward solve,
 * at n = 32 and 128 (n² unknowns). Unrolling would cost a backward pass through
 * every Newton step and every GMRES iteration, and memory for all of them; the
 * implicit backward is one linear solve, independent of how the root was found.
 */
import { randn, eye, add, mul, matmul, vjp, jvp, inverseOf, Tensor, type LinearSolveInfo, type NewtonIterationInfo } from "../src/index.js";
import { printTable } from "./util.js";

/** Other load on a shared machine only ever adds time: the minimum over interleaved rounds is the robust estimate. */
function fastest(xs: number[]): number {
  return Math.min(...xs);
}

export async function runImplicit(sizes: number[] = [32, 128]): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const n of sizes) {
    const A = (X: Tensor): Tensor => add(matmul(X, X), X);
    const Xtrue = add(mul(randn([n, n], { seed: 1 }), 0.5 / Math.sqrt(n)), mul(eye(n), 0.5));
    const Y = A(Xtrue);
    const W = randn([n, n], { seed: 2 });
    let newton: NewtonIterationInfo[] = [];
    const lin: LinearSolveInfo[] = [];
    const inv = inverseOf(A, {
      newton: { onIteration: (i) => newton.push(i) },
      linearSolve: { onInfo: (i) => lin.push(i) },
    });
    // statistics of one run of each
    newton = [];
    inv(Y);
    const newtonSteps = newton.length;
    const innerIts = newton.reduce((s, i) => s + i.linearIterations, 0);
    const { vjpFn } = vjp(inv, Y);
    lin.length = 0;
    vjpFn(W);
    const adjointIts = lin[0]?.iterations ?? NaN;

    // interleaved rounds (each measure sees the same machine conditions)
    const loose: LinearSolveInfo[] = [];
    const invLoose = inverseOf(A, { linearSolve: { rtol: 1e-6, onInfo: (i) => loose.push(i) } }); // gradients to ≈ 1e-6 instead of ≈ 1e-10
    const { vjpFn: vjpLoose } = vjp(invLoose, Y);
    vjpLoose(W);
    const looseIts = loose[0]?.iterations ?? NaN;
    const measures: (() => unknown)[] = [() => inv(Y), () => vjpFn(W), () => jvp(inv, [Y], [W]), () => vjpLoose(W)];
    const samples: number[][] = measures.map(() => []);
    const rounds = n <= 32 ? 30 : 7;
    for (const f of measures) f(); // warm-up
    for (let r = 0; r < rounds; r++)
      measures.forEach((f, i) => {
        const t0 = performance.now();
        f();
        samples[i].push((performance.now() - t0) / 1000);
      });
    const [tFwd, tBwd, tJvp, tLoose] = samples.map(fastest);
    rows.push([
      `n = ${n} (${n * n} unknowns)`,
      `${(tFwd * 1e3).toFixed(1)} ms`,
      `${newtonSteps} / ${innerIts}`,
      `${(tBwd * 1e3).toFixed(1)} ms`,
      adjointIts,
      (tBwd / tFwd).toFixed(2) + "×",
      (tJvp / tFwd).toFixed(2) + "×",
      `${(tLoose / tFwd).toFixed(2)}× (${looseIts} its)`,
    ]);
  }
  printTable(
    "inverse of X ↦ X·X + X: implicit backward vs Newton–Krylov forward",
    ["size", "forward", "Newton steps / GMRES its", "backward (VJP)", "adjoint GMRES its", "backward / forward", "jvp (value + tangent) / forward", "backward (rtol 1e-6) / forward"],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runImplicit();
