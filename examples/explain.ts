/**
 * Walkthrough: the derivative in matrix notation.
 *
 * 1. explain the README's energy E(X) = tr((X·X)ᵀ(X·X)): ∇E = 2·(Y·Xᵀ + Xᵀ·Y) with Y = X·X,
 *    verified against autodiff at the example point.
 * 2. A matrix-valued function: its differential dF and adjoint X̄ in terms of Ḡ.
 * 3. Linear algebra in textbook form (inverse, log-determinant).
 * 4. A custom function with the backward G * 2 * X: explain shows it as written and says
 *    what the VJP of its forward is; gradcheck names the mistake in the same notation.
 * 5. An implicit function: the adjoint equation its gradient solves.
 */
import {
  explain, gradcheck, customVjp, inverseOf, tensor, randn, matmul, mul, add, linalg, Tensor,
} from "../src/index.js";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`explain walkthrough: ${what}`);
}

export function explainSection(log: (s: string) => void = console.log): void {
  log("== explain: derivatives in matrix notation");

  const energy = (X: Tensor): Tensor => { const Y = X.matmul(X); return Y.mT.matmul(Y).trace(); };
  const e = explain(energy, tensor([[1, 2], [3, 4]]));
  log(e.text);
  check(e.verified && e.inputs[0]?.gradient?.text === "2·(Y·Xᵀ + Xᵀ·Y)", "the energy's gradient");

  const sq = explain((X: Tensor) => matmul(X, X), tensor([[1, 2], [3, 4]]));
  log(sq.text);
  check(sq.differential.text === "dX·X + X·dX" && sq.inputs[0]?.vjp.text === "Ḡ·Xᵀ + Xᵀ·Ḡ", "X ↦ X·X");

  const S = tensor([[4, 1], [1, 3]]);
  const inv = explain((A: Tensor) => linalg.inv(A), S);
  const logdet = explain((A: Tensor) => linalg.logdet(A), S);
  log(`inv: Ā = ${inv.inputs[0]?.vjp.text};  logdet: ∇ = ${logdet.inputs[0]?.gradient?.text}`);
  check(inv.inputs[0]?.vjp.text === "−A⁻ᵀ·Ḡ·A⁻ᵀ" && logdet.inputs[0]?.gradient?.text === "A⁻ᵀ", "linalg");

  const square = customVjp((A: Tensor) => matmul(A, A), { bwd: ([A]: [Tensor], G: Tensor) => [mul(mul(G, 2), A)] }, { name: "square" });
  const wrong = explain((X: Tensor) => square(X), tensor([[1, 2], [3, 4]]));
  for (const n of wrong.notes) log(`note: ${n}`);
  check(wrong.notes.some((n) => n.includes("the VJP of its forward is Ḡ·Xᵀ + Xᵀ·Ḡ")), "the custom rule's note");
  const r = gradcheck((X: Tensor) => square(X), [randn([3, 3], { seed: 4 })], { raise: false, forward: false });
  const symbolic = r.inputs[0]?.diagnosis.filter((d) => d.startsWith("your backward") || d.startsWith("mistake")) ?? [];
  for (const d of symbolic) log(`gradcheck: ${d}`);
  check(!r.ok && symbolic.length === 2, "gradcheck's symbolic diagnosis");

  const Ainv = inverseOf((Z: Tensor) => add(matmul(Z, Z), Z));
  const imp = explain((Y: Tensor) => Ainv(Y), tensor([[1.3, 0.5], [0.2, 1.1]]));
  log(imp.text.split("\n").filter((l) => !l.startsWith("note:")).join("\n"));
  check(imp.verified && imp.where.some((q) => q.kind === "equation" && q.text === "w + w·Zᵀ + Zᵀ·w = Ḡ"), "the implicit function");
}
