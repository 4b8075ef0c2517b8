/**
 * The presets: each a small module in the playground's format — it imports
 * from "matgrad" and exports `f` (a function of tensors returning a tensor) and
 * `args` (the example inputs), optionally `gradcheckOptions`.
 */
export interface Preset {
  readonly id: string;
  readonly title: string;
  readonly code: string;
}

export const presets: readonly Preset[] = [
  {
    id: "energy",
    title: "energy tr((XX)ᵀ(XX))",
    code: `import { tensor, type Tensor } from "matgrad";

// energy(X) = tr((X·X)ᵀ (X·X)); its gradient is 2·(Y·Xᵀ + Xᵀ·Y) with Y = X·X
export function f(X: Tensor): Tensor {
  const Y = X.matmul(X);
  return Y.mT.matmul(Y).trace();
}

export const args = [tensor([[1, 2], [3, 4]])];
`,
  },
  {
    id: "wrong-backward",
    title: "X·X with a wrong backward",
    code: `import { customVjp, tensor, type Tensor } from "matgrad";

// X ↦ X·X with the scalar rule d(x²) = 2x·dx as its backward, entry by entry.
// The right VJP is G·Xᵀ + Xᵀ·G: see what gradcheck says.
const square = customVjp((X: Tensor) => X.matmul(X), {
  bwd: ([X]: Tensor[], G: Tensor) => [G.mul(2).mul(X)],
}, { name: "square" });

export function f(X: Tensor): Tensor {
  return square(X);
}

export const args = [tensor([[0.5, -1.2, 0.3], [0.8, 0.1, -0.7], [1.1, 0.4, 0.9]])];
`,
  },
  {
    id: "logdet",
    title: "log det A",
    code: `import { linalg, tensor, type Tensor } from "matgrad";

// log det A: its gradient is A⁻ᵀ
export function f(A: Tensor): Tensor {
  return linalg.logdet(A);
}

export const args = [tensor([[4, 1, 0], [2, 3, 1], [0, 1, 2]])];
`,
  },
  {
    id: "expm",
    title: "matrix exponential",
    code: `import { linalg, tensor, type Tensor } from "matgrad";

// Y = exp(A); its VJP is the Fréchet derivative L(Aᵀ, Ḡ)
export function f(A: Tensor): Tensor {
  return linalg.expm(A);
}

export const args = [tensor([[0, 1], [-1, 0.5]])];
`,
  },
  {
    id: "implicit",
    title: "implicit X·X + X = Y",
    code: `import { inverseOf, matmul, add, tensor, type Tensor } from "matgrad";

// X(Y) solves X·X + X = Y (Newton on the map); the derivatives come from the
// implicit function theorem: one adjoint solve Xᵀ·Ȳ + Ȳ·Xᵀ + Ȳ = X̄ per VJP
const solve = inverseOf((X: Tensor) => add(matmul(X, X), X));

export function f(Y: Tensor): Tensor {
  return solve(Y);
}

export const args = [tensor([[2.02, 0.6], [0.3, 2.02]])];
`,
  },
  {
    id: "gateaux",
    title: "custom function from a Gateaux derivative",
    code: `import { customJvp, matmul, add, tensor, type Tensor } from "matgrad";

// S(X) = X·X given by its Gateaux derivative dX ↦ dX·X + X·dX;
// reverse mode transposes that linear map, so no VJP is written
const square = customJvp(
  (X: Tensor) => matmul(X, X),
  ([X]: Tensor[], [dX]: Tensor[]) => add(matmul(dX, X), matmul(X, dX)),
  { name: "square" },
);

// ‖S(X)‖²_F
export function f(X: Tensor): Tensor {
  return square(X).pow(2).sum();
}

export const args = [tensor([[1, 2], [3, 4]])];
`,
  },
];

export const defaultPreset = presets[0];

export function presetById(id: string | null): Preset | undefined {
  return presets.find((p) => p.id === id);
}
