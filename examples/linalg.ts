/**
 * Walkthrough, linear algebra: the gradient of a Gaussian log-likelihood in
 * its covariance (through cholesky and logdet), fitting a generator matrix
 * through expm, a spectral projector at a degenerate spectrum (and the error
 * for a loss that is not gauge invariant), and a Lyapunov equation's
 * sensitivity — each checked against a closed form or finite differences.
 */
import {
  linalg, grad, valueAndGrad, randn, tensor, eye, matmul, matmulT, add, sub, mul, sum, slice, Tensor, NonDifferentiableError,
} from "../src/index.js";

const maxAbs = (t: Tensor): number => t.abs().max().item();

export function linalgSection(log: (s: string) => void = console.log): void {
  log("── Linear algebra ────────────────────────────────────────────────────");

  // 1. Gaussian negative log-likelihood of samples Y (columns) in the covariance Σ:
  //    ℓ(Σ) = ½ log det Σ + ½ tr(Σ⁻¹ S),  S = Y Yᵀ / N,  ∇ℓ = ½ (Σ⁻¹ − Σ⁻¹ S Σ⁻¹)
  const n = 4, N = 50;
  const Y = randn([n, N], { seed: 1 });
  const S = matmulT(Y, Y, false, true).div(N);
  const G = randn([n, n], { seed: 2 });
  const Sigma = add(matmulT(G, G, false, true), eye(n));
  const nll = (P: Tensor): Tensor => {
    const L = linalg.cholesky(P);
    const Z = linalg.triangularSolve(L, Y, { upper: false }); // L⁻¹ Y
    return add(mul(linalg.logdet(P), 0.5), mul(sum(mul(Z, Z)), 0.5 / N));
  };
  const g = grad(nll)(Sigma);
  const Si = linalg.inv(Sigma);
  const closed = mul(sub(Si, matmul(Si, matmul(S, Si))), 0.5);
  const errNll = maxAbs(sub(g, closed));
  log(`Gaussian NLL: ∇Σ through cholesky + logdet = ½(Σ⁻¹ − Σ⁻¹SΣ⁻¹)   max error ${errNll.toExponential(1)}`);

  // 2. Fit a generator: find A with expm(A) ≈ T by gradient descent (the gradient is one Fréchet
  //    derivative L(Aᵀ, Ḡ) on the Padé pieces kept by the forward).
  const Atrue = mul(randn([3, 3], { seed: 3 }), 0.4);
  const T = linalg.expm(Atrue);
  const loss = (A: Tensor): Tensor => { const r = sub(linalg.expm(A), T); return sum(mul(r, r)); };
  let A = tensor([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  const first = loss(A).item();
  for (let it = 0; it < 200; it++) {
    const { grad: gA } = valueAndGrad(loss)(A);
    A = sub(A, mul(gA, 0.2));
  }
  const last = loss(A).item();
  log(`fit expm(A) ≈ T: loss ${first.toExponential(2)} → ${last.toExponential(2)} after 200 gradient steps`);

  // 3. A spectral projector at a repeated eigenvalue is differentiable; one eigenvector is not.
  const Q = linalg.qr(randn([3, 3], { seed: 4 })).Q;
  const M = matmulT(mul(Q, tensor([1, 1, 3])), Q, false, true); // eigenvalues 1, 1, 3
  const W = tensor([[1, 2, 0], [0, 1, 0], [3, 0, 1]]);
  const proj = (X: Tensor): Tensor => { const u = slice(linalg.eigh(X).eigenvectors, null, [2, 3]); return sum(mul(matmulT(u, u, false, true), W)); };
  const gp = grad(proj)(M);
  const h = 1e-6, E = tensor([[0, 1, 0], [1, 0, 0], [0, 0, 0]]);
  const fdProj = (proj(add(M, mul(E, h))).item() - proj(sub(M, mul(E, h))).item()) / (2 * h);
  const errProj = Math.abs(sum(mul(gp, E)).item() - fdProj);
  let raised = "";
  try {
    grad((X: Tensor) => sum(slice(linalg.eigh(X).eigenvectors, null, 0)))(M);
  } catch (e) {
    if (e instanceof NonDifferentiableError) raised = e.message.slice(0, 60) + "…";
  }
  log(`projector onto the λ = 3 eigenspace at λ = (1, 1, 3): directional derivative error ${errProj.toExponential(1)}`);
  log(`one eigenvector of the repeated pair: ${raised}`);

  // 4. Sensitivity of a controllability Gramian: A X + X Aᵀ = −B Bᵀ, d tr(X)/dA by reverse mode
  //    vs a central difference.
  const As = sub(mul(randn([3, 3], { seed: 5 }), 0.3), mul(eye(3), 2));
  const B = randn([3, 2], { seed: 6 });
  const gram = (X: Tensor): Tensor => linalg.solveLyapunov(X, mul(matmulT(B, B, false, true), -1)).diagonal().sum();
  const gg = grad(gram)(As);
  const E2 = randn([3, 3], { seed: 7 });
  const fdGram = (gram(add(As, mul(E2, h))).item() - gram(sub(As, mul(E2, h))).item()) / (2 * h);
  const errGram = Math.abs(sum(mul(gg, E2)).item() - fdGram) / Math.abs(fdGram);
  log(`Lyapunov Gramian: d tr(X) along E by reverse mode vs finite differences, relative error ${errGram.toExponential(1)}`);

  if (errNll > 1e-12 || !(last < first * 1e-6) || errProj > 1e-7 || raised === "" || errGram > 1e-7)
    throw new Error("walkthrough: linalg section is off");
  log("");
}
