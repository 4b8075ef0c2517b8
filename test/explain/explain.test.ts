/**
 * explain on core ops, products, traces and linear algebra: the simplified
 * text is compared with the hand-derived formula (string equality where the
 * form is canonical), and every term must be verified numerically (explain
 * itself compares each printed expression with autodiff; the test also
 * re-checks `verified` and the absence of "could not be verified" notes).
 */
import { describe, it, expect } from "vitest";
import {
  tensor, explain, matmul, mul, add, sub, sum, mean, tanh, sigmoid, exp, log, sin, cos, sqrt, pow, relu, trace, frobeniusInner,
  diagonal, linalg, div, neg, dot, max, Tensor, type Explanation,
} from "../../src/index.js";

const X2 = tensor([[1, 2], [3, 4]]);
const Xr = tensor([[0.3, -0.2, 0.5], [0.1, 0.4, -0.6], [-0.7, 0.2, 0.9]]);
const SPD = tensor([[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]]);
const Rect = tensor([[1, 2, 0.5], [0.3, -1, 2]]);

function ok(e: Explanation): Explanation {
  expect(e.notes.filter((n) => n.includes("could not be verified") || n.includes("did not match"))).toEqual([]);
  expect(e.verified).toBe(true);
  return e;
}
const grad = (e: Explanation, i = 0): string => e.inputs[i].vjp.text;
const adj = grad;
const dif = (e: Explanation): string => e.differential.text;

describe("explain: the README energy", () => {
  it("prints ∇E = 2·(Y·Xᵀ + Xᵀ·Y) with Y = X·X, verified", () => {
    const energy = (X: Tensor): Tensor => { const Y = X.matmul(X); return Y.mT.matmul(Y).trace(); };
    const e = ok(explain(energy, X2));
    expect(grad(e)).toBe("2·(Y·Xᵀ + Xᵀ·Y)");
    expect(e.where.map((w) => `${w.name} = ${w.text}`)).toEqual(["Y = X·X"]);
    expect(e.output.text).toBe("⟨Y, Y⟩");
    expect(e.text).toContain("∇f = 2·(Y·Xᵀ + Xᵀ·Y)");
    expect(e.text).toContain("where Y = X·X");
    expect(e.latex).toContain("\\nabla_{X} f &= 2 \\cdot \\left(Y \\cdot X^{\\top} + X^{\\top} \\cdot Y\\right)");
    expect(e.toString()).toBe(e.text);
    expect(e.scalar).toBe(true);
  });
});

describe("explain: products", () => {
  const cases: [string, (...x: Tensor[]) => Tensor, Tensor[], string[], string?][] = [
    ["X ↦ X·X", (X) => matmul(X, X), [X2], ["Ḡ·Xᵀ + Xᵀ·Ḡ"], "dX·X + X·dX"],
    ["A·B", (A, B) => matmul(A, B), [Rect, Xr], ["Ḡ·Bᵀ", "Aᵀ·Ḡ"], "dA·B + A·dB"],
    ["Xᵀ·X", (X) => matmul(X.mT, X), [Rect], ["X·(Ḡ + Ḡᵀ)"], "dXᵀ·X + Xᵀ·dX"],
    ["A·X·B", (A, X, B) => matmul(matmul(A, X), B), [X2, X2, X2], ["Ḡ·Bᵀ·Xᵀ", "Aᵀ·Ḡ·Bᵀ", "Xᵀ·Aᵀ·Ḡ"]],
    ["X·Xᵀ", (X) => matmul(X, X.mT), [Rect], ["(Ḡ + Ḡᵀ)·X"], "dX·Xᵀ + X·dXᵀ"],
    ["X∘X (Hadamard)", (X) => mul(X, X), [X2], ["2·(Ḡ ∘ X)"], "2·(dX ∘ X)"],
    ["3·X + X", (X) => add(mul(X, 3), X), [X2], ["4·Ḡ"], "4·dX"],
    ["X − Xᵀ", (X) => sub(X, X.mT), [X2], ["Ḡ − Ḡᵀ"], "dX − dXᵀ"],
    ["A ⊘ B", (A, B) => div(A, B), [X2, tensor([[2, 1], [4, 5]])], ["Ḡ ⊘ B", "−(Ḡ ∘ A) ⊘ B²"]],
  ];
  for (const [name, f, xs, expected, d] of cases)
    it(name, () => {
      const e = ok(explain(f, ...xs, { names: xs.length === 1 ? ["X"] : xs.length === 2 ? ["A", "B"] : ["A", "X", "B"] }));
      expected.forEach((s, i) => expect(adj(e, i)).toBe(s));
      if (d !== undefined) expect(dif(e)).toBe(d);
      if (name === "A·X·B") expect(e.where.map((w) => `${w.name} = ${w.text}`)).toEqual([]);
    });
});

describe("explain: traces and inner products", () => {
  const cases: [string, (...x: Tensor[]) => Tensor, Tensor[], string[]][] = [
    ["tr(X)", (X) => trace(X), [X2], ["I"]],
    ["tr(A·X)", (A, X) => trace(matmul(A, X)), [Rect, Rect.mT], ["Xᵀ", "Aᵀ"]],
    ["tr(XᵀX)", (X) => trace(matmul(X.mT, X)), [Rect], ["2·X"]],
    ["tr(X·X)", (X) => trace(matmul(X, X)), [X2], ["2·Xᵀ"]],
    ["⟨A, X⟩", (A, X) => frobeniusInner(A, X), [X2, Xr.slice([0, 2], [0, 2])], ["X", "A"]],
    ["sum(X)", (X) => sum(X), [Rect], ["𝟙"]],
    ["mean(X)", (X) => mean(X), [Rect], ["1/6·𝟙"]],
    ["sum(X∘X)", (X) => sum(mul(X, X)), [Rect], ["2·X"]],
    ["sum(diag(X))", (X) => sum(diagonal(X)), [X2], ["I"]],
    ["tr(XᵀAX)", (X, A) => trace(matmul(matmul(X.mT, A), X)), [Rect.mT, Xr], ["(Aᵀ + A)·X", "X·Xᵀ"]],
  ];
  for (const [name, f, xs, expected] of cases)
    it(name, () => {
      const e = ok(explain(f, ...xs, { names: xs.length === 1 ? ["X"] : name === "tr(XᵀAX)" ? ["X", "A"] : ["A", "X"] }));
      expected.forEach((s, i) => expect(grad(e, i)).toBe(s));
    });
});

describe("explain: elementwise functions", () => {
  const cases: [string, (X: Tensor) => Tensor, string, string[]?][] = [
    ["sum tanh", (X) => sum(tanh(X)), "𝟙 − tanh(X)²", []],
    ["sum sigmoid", (X) => sum(sigmoid(X)), "Y ∘ (𝟙 − Y)", ["Y = σ(X)"]],
    ["sum exp", (X) => sum(exp(X)), "exp(X)"],
    ["sum log", (X) => sum(log(X)), "𝟙 ⊘ X"],
    ["sum sin", (X) => sum(sin(X)), "cos(X)"],
    ["sum cos", (X) => sum(cos(X)), "−sin(X)"],
    ["sum sqrt", (X) => sum(sqrt(X)), "𝟙 ⊘ (2·√(X))"],
    ["sum X³", (X) => sum(pow(X, 3)), "3·X²"],
    ["sum relu", (X) => sum(relu(X)), "step(X)"],
    ["−sum(X)", (X) => neg(sum(X)), "−𝟙"],
  ];
  for (const [name, f, expected, where] of cases)
    it(name, () => {
      const e = ok(explain(f, X2));
      expect(grad(e)).toBe(expected);
      if (where !== undefined) expect(e.where.map((w) => `${w.name} = ${w.text}`)).toEqual(where);
    });
  it("tanh of a product, matrix-valued: the adjoint in Ḡ", () => {
    const e = ok(explain((X: Tensor) => tanh(matmul(X, X)), X2));
    expect(adj(e)).toBe("(Ḡ ∘ (𝟙 − Y²))·Xᵀ + Xᵀ·(Ḡ ∘ (𝟙 − Y²))");
  });
});

describe("explain: linear algebra in textbook form", () => {
  const cases: [string, (...x: Tensor[]) => Tensor, Tensor[], string[], string?][] = [
    ["logdet", (A) => linalg.logdet(A), [SPD], ["A⁻ᵀ"], "tr(A⁻¹·dA)"],
    ["det", (A) => linalg.det(A), [SPD], ["det(A)·A⁻ᵀ"], "det(A)·tr(A⁻¹·dA)"],
    ["inv", (A) => linalg.inv(A), [SPD], ["−A⁻ᵀ·Ḡ·A⁻ᵀ"], "−A⁻¹·dA·A⁻¹"],
    ["solve", (A, B) => linalg.solve(A, B), [SPD, Rect.mT], ["−A⁻ᵀ·Ḡ·(A⁻¹·B)ᵀ", "A⁻ᵀ·Ḡ"]],
    ["expm", (A) => linalg.expm(A), [Xr], ["L_exp(Aᵀ, Ḡ)"], "L_exp(A, dA)"],
    ["tr expm", (A) => trace(linalg.expm(A)), [Xr], ["L_exp(Aᵀ, I)"]],
    ["sum of eigenvalues", (A) => sum(linalg.eigvalsh(A)), [SPD], ["V·Vᵀ"]],
  ];
  for (const [name, f, xs, expected, d] of cases)
    it(name, () => {
      const e = ok(explain(f, ...xs, { names: xs.length === 1 ? ["A"] : ["A", "B"] }));
      expected.forEach((s, i) => expect(adj(e, i)).toBe(s));
      if (d !== undefined) expect(dif(e)).toBe(d);
    });
  it("cholesky: differential and adjoint in textbook form", () => {
    const e = ok(explain((A: Tensor) => linalg.cholesky(A), SPD, { names: ["A"] }));
    expect(dif(e)).toBe("L·Φ(L⁻¹·sym(dA)·L⁻ᵀ)");
    expect(adj(e)).toBe("sym(L⁻ᵀ·Φ(Lᵀ·Ḡ)·L⁻¹)");
    expect(e.where.map((w) => `${w.name} = ${w.text}`)).toEqual(["L = chol(A)"]);
  });
});

describe("explain: vectors, batches, broadcasting, opaque primitives", () => {
  it("a quadratic form xᵀ·M·x", () => {
    const e = ok(explain((x: Tensor, M: Tensor) => dot(x, matmul(M, x)), tensor([1, -2]), X2));
    expect(e.inputs[0].gradient!.text).toBe("M·x + Mᵀ·x");
    expect(e.inputs[1].gradient!.text).toBe("x·xᵀ");
  });
  it("a batch of matrices", () => {
    const e = ok(explain((X: Tensor) => matmul(X, X), tensor([[[1, 2], [3, 4]], [[0, 1], [1, 0]]])));
    expect(e.inputs[0].vjp.text).toBe("Ḡ·Xᵀ + Xᵀ·Ḡ");
  });
  it("a broadcast bias: the adjoint sums down; the repeated X + b is one name", () => {
    const e = ok(explain((X: Tensor, b: Tensor) => sum(mul(add(X, b), add(X, b))), X2, tensor([[0.5, -1]])));
    expect(e.where.map((w) => `${w.name} = ${w.text}`)).toEqual(["Y = X + b"]);
    expect(e.inputs[0].gradient!.text).toBe("2·Y");
    expect(e.inputs[1].gradient!.text).toBe("2·sumTo(Y)");
  });
  it("a primitive without symbolic rule is an opaque operator, verified", () => {
    const e = ok(explain((X: Tensor) => max(X), X2));
    expect(e.inputs[0].gradient!.text).toBe("vjp_max(X, 1)");
    expect(e.notes[0]).toMatch(/^max has no symbolic rule/);
  });
  it("LaTeX of the linear-algebra forms", () => {
    const e = ok(explain((A: Tensor) => linalg.det(A), SPD));
    expect(e.inputs[0].gradient!.latex).toBe("\\det\\left(A\\right) \\cdot A^{-\\top}");
  });
});

describe("explain: structure", () => {
  it("a Gram matrix is symmetric by structure: (Xᵀ·X)ᵀ = Xᵀ·X", () => {
    const e = ok(explain((X: Tensor) => { const S = matmul(X.mT, X); return matmul(S, S.mT); }, Rect));
    expect(e.output.text).toBe("Y·Y");
    expect(e.where.map((w) => `${w.name} = ${w.text}`)).toEqual(["Y = Xᵀ·X"]);
    expect(e.inputs[0].vjp.text).toBe("X·((Ḡ + Ḡᵀ)·Y + Y·(Ḡᵀ + Ḡ))");
  });
  it("a closed-over identity matrix prints as I", () => {
    const I2 = tensor([[1, 0], [0, 1]]);
    const e = ok(explain((X: Tensor) => trace(matmul(add(X, I2), X)), X2));
    expect(e.output.text).toBe("tr(X·X) + tr(X)");
    expect(e.inputs[0].gradient!.text).toBe("2·Xᵀ + I");
  });
});

describe("explain: printing", () => {
  it("a subtracted sum keeps its parentheses", () => {
    const e = ok(explain((W: Tensor, V: Tensor) => sum(tanh(matmul(W, V))), X2, SPD.slice([0, 2], [0, 2])));
    expect(e.differential.text).toBe("sum(dW·V) + sum(W·dV) − (⟨Y², dW·V⟩ + ⟨Y², W·dV⟩)");
    expect(e.inputs[0].gradient!.text).toBe("(𝟙 − Y²)·Vᵀ");
    expect(e.where.map((w) => `${w.name} = ${w.text}`)).toEqual(["Y = tanh(W·V)"]);
  });
});

describe("explain: options, names and errors", () => {
  it("takes the parameter names of f", () => {
    const e = ok(explain((W, V) => trace(matmul(W, V)), X2, X2));
    expect(e.inputs.map((x) => x.name)).toEqual(["W", "V"]);
    expect(e.text).toContain("∇_W f = Vᵀ");
  });
  it("simplify: false shows the raw mirror, still verified", () => {
    const e = ok(explain((X: Tensor) => trace(matmul(X, X)), X2, { simplify: false }));
    expect(grad(e)).not.toBe("2·Xᵀ");
  });
  it("rejects bad options with the option named", () => {
    const f = (X: Tensor): Tensor => trace(X);
    expect(() => explain(f, X2, { nmes: ["A"] } as never)).toThrow(/^explain: unknown option "nmes"/);
    expect(() => explain(f, X2, { names: ["A", "B"] })).toThrow(/^explain: options.names has 2 entries for 1 inputs/);
    expect(() => explain(f, X2, { names: [""] })).toThrow(/^explain: option names must be an array of non-empty strings/);
    expect(() => explain(f, X2, { seed: -1 })).toThrow(/^explain: option seed must be a non-negative integer, got -1/);
    expect(() => explain(3 as never, X2)).toThrow(/^explain: argument f must be a function/);
    expect(() => explain((X: Tensor) => X.data as never, X2)).toThrow(/^explain: the function must return a Tensor/);
  });
  it("rejects a non-tensor example input", () => {
    expect(() => explain((X: Tensor) => X, 3 as unknown as Tensor)).toThrow(/^explain: argument 1 must be a Tensor/);
  });
});
