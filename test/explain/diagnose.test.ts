/**
 * gradcheck with the symbolic diagnosis (src/explain/diagnose.ts): for a
 * traceable f with a wrong custom backward, the report shows the user's
 * backward and the correct VJP as formulas and names the mistake — also the
 * mistakes outside gradcheck's fixed patterns (a wrong elementwise derivative).
 * Correct rules get no symbolic lines (they pass).
 */
import { describe, it, expect } from "vitest";
import { gradcheck, customVjp, customJvp, Function, FunctionCtx, matmul, mul, add, sub, tanh, sigmoid, randn, Tensor, GradcheckError } from "../../src/index.js";

const X = randn([3, 3], { seed: 9 });

function diagnosis(f: (x: Tensor) => Tensor): string[] {
  const r = gradcheck(f, [X], { raise: false, forward: false });
  expect(r.ok).toBe(false);
  return r.inputs[0].diagnosis;
}

describe("gradcheck: symbolic diagnosis", () => {
  it("G * 2 * X for X ↦ X·X: an elementwise product where matrix products belong", () => {
    const sq = customVjp((A: Tensor) => matmul(A, A), { bwd: ([A]: Tensor[], G: Tensor) => [mul(mul(G, 2), A)] }, { name: "square" });
    const d = diagnosis((A) => sq(A));
    expect(d).toContain("your backward computes 2·(Ḡ ∘ X); the VJP of X ↦ X·X is Ḡ·Xᵀ + Xᵀ·Ḡ");
    expect(d.some((s) => s.startsWith("mistake: an elementwise product (∘) where a matrix product (·) belongs"))).toBe(true);
  });

  it("tanh′ = 1 − y instead of 1 − y²: a wrong elementwise derivative (no fixed pattern explains it)", () => {
    const th = customVjp((A: Tensor) => tanh(A), { fwd: (A: Tensor) => { const y = tanh(A); return [y, y]; }, bwd: (y: Tensor, G: Tensor) => [mul(G, sub(1, y))] }, { name: "mytanh" });
    const d = diagnosis((A) => th(A));
    expect(d.some((s) => s.startsWith("no simple pattern"))).toBe(true);
    expect(d).toContain("your backward computes Ḡ ∘ (𝟙 − tanh(X)); the VJP of X ↦ tanh(X) is Ḡ ∘ (𝟙 − tanh(X)²)");
    expect(d).toContain("mistake: a wrong elementwise derivative: your backward multiplies Ḡ entry by entry by 𝟙 − tanh(X), but the derivative is 𝟙 − tanh(X)²");
  });

  it("sigmoid′ written as y instead of y∘(1 − y): a wrong elementwise derivative", () => {
    const sg = customVjp((A: Tensor) => sigmoid(A), { fwd: (A: Tensor) => { const y = sigmoid(A); return [y, y]; }, bwd: (y: Tensor, G: Tensor) => [mul(G, y)] }, { name: "mysigmoid" });
    const d = diagnosis((A) => sg(A));
    expect(d).toContain("mistake: a wrong elementwise derivative: your backward multiplies Ḡ entry by entry by σ(X), but the derivative is σ(X) ∘ (𝟙 − σ(X))");
  });

  it("a missing + Ḡ for X ↦ X·X + X", () => {
    const f = customVjp((A: Tensor) => add(matmul(A, A), A), { bwd: ([A]: Tensor[], G: Tensor) => [add(matmul(G, A.mT), matmul(A.mT, G))] }, { name: "sqPlus" });
    const d = diagnosis((A) => f(A));
    expect(d).toContain("your backward computes Ḡ·Xᵀ + Xᵀ·Ḡ; the VJP of X ↦ X·X + X is Ḡ + Ḡ·Xᵀ + Xᵀ·Ḡ");
    expect(d.some((s) => s.startsWith("mistake: a missing identity term: the correct VJP has + Ḡ"))).toBe(true);
  });

  it("a matrix product where an elementwise product belongs (X ↦ X∘X)", () => {
    const f = customVjp((A: Tensor) => mul(A, A), { bwd: ([A]: Tensor[], G: Tensor) => [add(matmul(G, A.mT), matmul(A.mT, G))] }, { name: "hadamardSquare" });
    const d = diagnosis((A) => f(A));
    expect(d).toContain("your backward computes Ḡ·Xᵀ + Xᵀ·Ḡ; the VJP of X ↦ X² is 2·(Ḡ ∘ X)");
    expect(d).toContain("mistake: a matrix product (·) where an elementwise product (∘) belongs: the derivative multiplies Ḡ entry by entry");
  });

  it("a missing factor and a missing term are listed (X ↦ X·X·X with one term of three)", () => {
    const f = customVjp((A: Tensor) => matmul(matmul(A, A), A), { bwd: ([A]: Tensor[], G: Tensor) => [matmul(G, matmul(A, A).mT)] }, { name: "cube" });
    const d = diagnosis((A) => f(A));
    expect(d).toContain("your backward computes Ḡ·Xᵀ·Xᵀ; the VJP of X ↦ X·X·X is Xᵀ·Xᵀ·Ḡ + Ḡ·Xᵀ·Xᵀ + Xᵀ·Ḡ·Xᵀ");
    expect(d).toContain("missing in your backward: Xᵀ·(Xᵀ·Ḡ + Ḡ·Xᵀ)");
  });

  it("a PyTorch-style Function: the message of the GradcheckError carries the formulas", () => {
    class MatSquareWrong extends Function {
      static forward(ctx: FunctionCtx, A: Tensor): Tensor {
        ctx.saveForBackward(A);
        return A.matmul(A);
      }
      static backward(ctx: FunctionCtx, G: Tensor): Tensor {
        const [A] = ctx.savedTensors;
        return G.mul(2).mul(A);
      }
    }
    let msg = "";
    try {
      gradcheck((A: Tensor) => MatSquareWrong.apply(A) as Tensor, [X], { forward: false });
    } catch (e) {
      expect(e).toBeInstanceOf(GradcheckError);
      msg = (e as Error).message;
    }
    expect(msg).toContain("your backward computes 2·(Ḡ ∘ X); the VJP of X ↦ X·X is Ḡ·Xᵀ + Xᵀ·Ḡ");
  });

  it("a Gateaux derivative 2·X·dX for X ↦ X·X: forward and reverse diagnoses in formulas", () => {
    const sq = customJvp((A: Tensor) => matmul(A, A), ([A]: Tensor[], [dA]: Tensor[]) => mul(matmul(A, dA), 2), { name: "sqJvp" });
    const r = gradcheck((A: Tensor) => sq(A), [X], { raise: false });
    const fw = r.forward![0].diagnosis, rv = r.inputs[0].diagnosis;
    expect(fw).toContain("your JVP computes 2·X·dX; the JVP of X ↦ X·X is dX·X + X·dX");
    expect(fw).toContain("missing in your JVP: dX·X");
    expect(fw).toContain("the term X·dX has the factor 2 in your JVP but 1 in the correct JVP");
    // reverse mode transposes the JVP: the formula does the same
    expect(rv).toContain("your backward computes 2·Xᵀ·Ḡ; the VJP of X ↦ X·X is Ḡ·Xᵀ + Xᵀ·Ḡ");
  });

  it("a correct rule passes with no diagnosis", () => {
    const sq = customVjp((A: Tensor) => matmul(A, A), { bwd: ([A]: Tensor[], G: Tensor) => [add(matmul(G, A.mT), matmul(A.mT, G))] });
    const r = gradcheck((A: Tensor) => sq(A), [X], { forward: false });
    expect(r.ok).toBe(true);
    expect(r.inputs[0].diagnosis).toEqual([]);
  });
});
