/**
 * Walkthrough: optimization on matrix manifolds, each answer checked against
 * its closed form.
 *
 * 1. Orthogonal Procrustes on the Stiefel manifold: min ‖A X − B‖_F over
 *    XᵀX = I (A with orthonormal columns), by Riemannian trust regions,
 *    against the SVD closed form X* = U Vᵀ with AᵀB = U Σ Vᵀ.
 * 2. The dominant p-dimensional eigenspace of a symmetric A by the Brockett
 *    cost f(X) = −tr(XᵀAXN), N = diag(p, …, 1), by Riemannian CG, against eigh.
 * 3. The Gaussian covariance MLE on spd(n): min ½(log det Σ + tr(Σ⁻¹S)) over
 *    SPD Σ with the affine-invariant metric, against the sample covariance S.
 */
import { Tensor, randn, matmul, mT, sub, mul, sum, trace, diag, tensor, linalg, manifolds } from "../src/index.js";

const maxAbs = (t: Tensor): number => t.abs().max().item();

export function manifoldsSection(log: (s: string) => void = console.log): void {
  log("── Optimization on matrix manifolds ──────────────────────────────────");
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) failures.push(what);
  };

  // 1. orthogonal Procrustes on St(n, p)
  {
    const m = 12, n = 6, p = 3;
    const A = linalg.qr(randn([m, n], { seed: 11 })).Q; // AᵀA = I, so ‖AX‖ is constant on St(n, p)
    const B = randn([m, p], { seed: 12 });
    const St = manifolds.stiefel(n, p);
    const cost = (X: Tensor) => sum(mul(sub(matmul(A, X), B), sub(matmul(A, X), B)));
    const res = manifolds.minimize(cost, St.random(13), { manifold: St, method: "rtr", gtol: 1e-10 });
    const { U, Vh } = linalg.svd(matmul(mT(A), B), { fullMatrices: false });
    const Xstar = matmul(U, Vh);
    const err = maxAbs(sub(res.x, Xstar));
    log(`  Procrustes on stiefel(${n}, ${p}) by rtr: ${res.nit} iterations, ‖X − UVᵀ‖max = ${err.toExponential(1)}`);
    check(res.success && err < 1e-8, `Procrustes: ${res.message}, error ${err}`);
  }

  // 2. dominant eigenspace by the Brockett cost
  {
    const n = 10, p = 3;
    const G = randn([n, n], { seed: 21 });
    const A = mul(matmul(G, mT(G)), 1 / n);
    const N = diag(tensor([3, 2, 1]));
    const St = manifolds.stiefel(n, p);
    const brockett = (X: Tensor) => trace(matmul(matmul(matmul(mT(X), A), X), N)).neg();
    const res = manifolds.minimize(brockett, St.random(22), { manifold: St, method: "rcg", gtol: 1e-7, maxIter: 5000 });
    const { eigenvalues, eigenvectors } = linalg.eigh(A);
    const top = eigenvalues.toArray().slice(n - p).reverse();
    const got = linalg.eigh(matmul(matmul(mT(res.x), A), res.x)).eigenvalues.toArray().reverse();
    // the columns are the top eigenvectors in order, up to sign: |XᵀV_top| = I
    const V = eigenvectors.slice([0, n], [n - p, n]);
    const overlap = matmul(mT(res.x), V).abs();
    const ev = Math.max(...top.map((t, i) => Math.abs(t - got[i])));
    const align = Math.abs(overlap.slice(0, 2).item() - 1) + Math.abs(overlap.slice(2, 0).item() - 1);
    log(`  Brockett on stiefel(${n}, ${p}) by rcg: ${res.nit} iterations, eigenvalue error ${ev.toExponential(1)}`);
    check(res.success && ev < 1e-8 && align < 1e-6, `Brockett: ${res.message}, eigenvalue error ${ev}, alignment ${align}`);
  }

  // 3. Gaussian covariance MLE on spd(n)
  {
    const n = 4, k = 200;
    const L = tensor([[1, 0, 0, 0], [0.5, 1, 0, 0], [0.2, -0.3, 0.8, 0], [0, 0.4, 0.1, 1.2]]);
    const Y = matmul(randn([k, n], { seed: 31 }), mT(L));
    const Yc = sub(Y, Y.mean(0));
    const S = mul(matmul(mT(Yc), Yc), 1 / k);
    const M = manifolds.spd(n);
    const nll = (Sigma: Tensor) => mul(linalg.logdet(Sigma).add(trace(linalg.solve(Sigma, S))), 0.5);
    const res = manifolds.minimize(nll, M.random(32), { manifold: M, method: "rtr", gtol: 1e-10 });
    const err = maxAbs(sub(res.x, S));
    log(`  covariance MLE on spd(${n}) by rtr: ${res.nit} iterations, ‖Σ − S‖max = ${err.toExponential(1)}`);
    check(res.success && err < 1e-8, `SPD MLE: ${res.message}, error ${err}`);
  }

  if (failures.length > 0) throw new Error(`manifolds walkthrough failed:\n  ${failures.join("\n  ")}`);
}

if (import.meta.url === `file://${process.argv[1]}`) manifoldsSection();
