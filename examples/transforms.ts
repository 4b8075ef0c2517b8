/**
 * Walkthrough, part 2: forward mode and the function transforms — the
 * Gateaux derivative of X ↦ X·X, its transpose (the VJP), a whole Jacobian,
 * and second derivatives of a matrix energy.
 */
import { jvp, vjp, jacobian, hessian, hvp, grad, randn, matmul, add, trace, mT, vdot, kron, eye, Tensor } from "../src/index.js";

const maxAbs = (t: Tensor): number => t.abs().max().item();

export function transformsSection(log: (s: string) => void = console.log): void {
  log("── Forward mode and function transforms ───────────────────────────────");
  const X = randn([3, 3], { seed: 1 }), dX = randn([3, 3], { seed: 2 }), G = randn([3, 3], { seed: 3 });
  const square = (A: Tensor): Tensor => matmul(A, A);

  const { tangent } = jvp(square, [X], [dX]);
  const errJvp = maxAbs(tangent.sub(add(matmul(dX, X), matmul(X, dX))));
  log(`jvp: Df(X)[dX] = dX·X + X·dX                 max error ${errJvp.toExponential(1)}`);

  const [gX] = vjp(square, X).vjpFn(G);
  const errVjp = maxAbs(gX.sub(add(matmul(G, mT(X)), matmul(mT(X), G))));
  const dot = Math.abs(vdot(G, tangent).item() - vdot(gX, dX).item());
  log(`vjp: Jᵀ[G] = G·Xᵀ + Xᵀ·G                     max error ${errVjp.toExponential(1)}`);
  log(`dot-product test ⟨G, J dX⟩ − ⟨Jᵀ G, dX⟩ = ${dot.toExponential(1)}`);

  const J = jacobian(square)(X) as Tensor; // [3, 3, 3, 3]
  const errJ = maxAbs(J.reshape(9, 9).sub(kron(X, eye(3)).add(kron(eye(3), mT(X)))));
  log(`jacobian: shape [${J.shape}], equals X ⊗ I + I ⊗ Xᵀ  max error ${errJ.toExponential(1)}`);

  const energy = (A: Tensor): Tensor => { const Y = matmul(A, A); return trace(matmul(mT(Y), Y)); };
  const H = hessian(energy)(X) as Tensor; // [3, 3, 3, 3]
  const [Hv] = hvp(energy, [X], [dX]);
  const errH = maxAbs(Hv.sub(H.mul(dX).sum([2, 3])));
  const fd = grad(energy)(X.add(dX.mul(1e-6))).sub(grad(energy)(X.sub(dX.mul(1e-6)))).div(2e-6);
  const errFd = maxAbs(Hv.sub(fd)) / maxAbs(Hv);
  log(`hessian of energy: shape [${H.shape}]; hvp = H·dX  max error ${errH.toExponential(1)}; vs finite differences of grad ${errFd.toExponential(1)}`);
  if (errJvp > 1e-12 || errVjp > 1e-12 || dot > 1e-10 || errJ > 1e-12 || errH > 1e-9 || errFd > 1e-6)
    throw new Error("walkthrough: transforms section is off");
  log("");
}
