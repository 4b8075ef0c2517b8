/**
 * Walkthrough, part 1: a scalar function of a matrix through intermediate
 * matrix functions, its gradient by reverse mode, checked against the closed form.
 *
 *   energy(X) = trace((X X)ᵀ (X X)) = ‖X²‖_F²
 *   dE = 2⟨Y, dY⟩ with Y = X X and dY = dX X + X dX, so
 *   ∇E = 2 (Y Xᵀ + Xᵀ Y)
 */
import { tensor, grad, Tensor, noGrad } from "../src/index.js";

export function energy(X: Tensor): Tensor {
  const Y = X.matmul(X);
  return Y.mT.matmul(Y).trace();
}

export function coreSection(log: (s: string) => void = console.log): void {
  log("── Reverse mode through matrix functions ─────────────────────────────");
  const X = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const Y = X.matmul(X);
  const E = Y.mT.matmul(Y).trace(); // energy(X) = trace((X X)ᵀ (X X))
  E.backward();
  log(`X =\n${X}`);
  log(`energy(X) = ${E.item()}`);
  log(`X.grad (reverse mode) =\n${X.grad}`);

  const closedForm = noGrad(() => {
    const Xd = X.detach(), Yd = Y.detach();
    return Yd.matmul(Xd.mT).add(Xd.mT.matmul(Yd)).mul(2);
  });
  log(`closed form 2 (Y Xᵀ + Xᵀ Y) =\n${closedForm}`);
  const functional = grad(energy)(tensor([[1, 2], [3, 4]]));
  log(`grad(energy)(X) (functional) =\n${functional.detach()}`);
  const diff = Math.max(...X.grad!.sub(closedForm).abs().toArray(), ...functional.sub(closedForm).abs().toArray());
  log(`max |difference| = ${diff.toExponential(2)} ${diff < 1e-12 ? "✓ matches the closed form" : "✗ MISMATCH"}`);
  if (diff >= 1e-12) throw new Error("walkthrough: gradient does not match the closed form");
  log("");
}
