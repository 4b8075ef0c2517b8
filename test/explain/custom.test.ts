/**
 * explain on custom and implicit functions: a custom function is shown by its
 * traced forward and the user's traced rule (and a note when that rule is not
 * the VJP of the forward); an opaque custom function falls back to named
 * operators; an implicit function is written as the adjoint / tangent
 * equation to solve. All formulas verified numerically.
 */
import { describe, it, expect } from "vitest";
import {
  tensor, explain, customVjp, customJvp, Function, FunctionCtx, matmul, mul, add, sub, sum, tanh, inverseOf, implicitRoot, fixedPoint,
  Tensor, type Explanation,
} from "../../src/index.js";

const X0 = tensor([[1, 2], [3, 4]]);
const Y0 = tensor([[1.3, 0.5], [0.2, 1.1]]);

function ok(e: Explanation): Explanation {
  expect(e.notes.filter((n) => n.includes("could not be verified") || n.includes("did not match"))).toEqual([]);
  expect(e.verified).toBe(true);
  return e;
}

describe("explain: custom functions", () => {
  it("customVjp with a correct rule: the user's rule in symbols, no complaint", () => {
    const square = customVjp((A: Tensor) => matmul(A, A), { bwd: ([A]: Tensor[], G: Tensor) => [add(matmul(G, A.mT), matmul(A.mT, G))] }, { name: "square" });
    const e = ok(explain((M: Tensor) => square(M), X0));
    expect(e.output.text).toBe("M·M");
    expect(e.inputs[0].vjp.text).toBe("Ḡ·Mᵀ + Mᵀ·Ḡ");
    expect(e.differential.text).toBe("dM·M + M·dM");
    expect(e.notes.some((n) => n.includes("your backward"))).toBe(false);
  });

  it("customVjp with G * 2 * X: shown as written, with a note giving the VJP of the forward", () => {
    const square = customVjp((A: Tensor) => matmul(A, A), { bwd: ([A]: Tensor[], G: Tensor) => [mul(mul(G, 2), A)] }, { name: "square" });
    const e = ok(explain((M: Tensor) => square(M), X0));
    expect(e.inputs[0].vjp.text).toBe("2·(Ḡ ∘ M)");
    // no user JVP: the differential is the transpose of the user's VJP, as autodiff derives it
    expect(e.differential.text).toBe("2·(M ∘ dM)");
    expect(e.notes.some((n) => n.includes("square: your backward computes 2·(Ḡ ∘ M)") && n.includes("the VJP of its forward is Ḡ·Mᵀ + Mᵀ·Ḡ"))).toBe(true);
  });

  it("Function with a saved output: residuals become expressions of the input", () => {
    class Tanh extends Function {
      static forward(ctx: FunctionCtx, x: Tensor): Tensor {
        const y = tanh(x);
        ctx.saveForBackward(y);
        return y;
      }
      static backward(ctx: FunctionCtx, g: Tensor): Tensor {
        const [y] = ctx.savedTensors;
        return mul(g, sub(1, mul(y, y)));
      }
    }
    const e = ok(explain((M: Tensor) => sum(Tanh.apply(M) as Tensor), X0));
    expect(e.inputs[0].gradient!.text).toBe("𝟙 − tanh(M)²");
  });

  it("customJvp: the user's JVP traced", () => {
    const cube = customJvp((A: Tensor) => mul(mul(A, A), A), ([A]: Tensor[], [dA]: Tensor[]) => mul(mul(mul(A, A), dA), 3), { name: "cube" });
    const e = ok(explain((M: Tensor) => cube(M), X0));
    expect(e.differential.text).toBe("3·(M² ∘ dM)");
    // reverse mode is the transpose of the user's JVP, in formulas too
    expect(e.inputs[0].vjp.text).toBe("3·(M² ∘ Ḡ)");
  });

  it("a custom function whose forward is not traceable is an opaque operator, still verified", () => {
    const blackBox = customVjp(
      (A: Tensor) => new Tensor(A.data.map((v) => v * v), A.shape.slice()),
      { bwd: ([A]: Tensor[], G: Tensor) => [mul(mul(G, 2), A)] },
      { name: "blackBox" },
    );
    const e = ok(explain((M: Tensor) => blackBox(M), X0));
    expect(e.output.text).toBe("blackBox(M)");
    expect(e.inputs[0].vjp.text).toBe("2·(Ḡ ∘ M)");
  });
});

describe("explain: implicit functions", () => {
  it("inverseOf(X ↦ X·X + X): the adjoint equation to solve", () => {
    const Ainv = inverseOf((X: Tensor) => add(matmul(X, X), X));
    const e = ok(explain((Y: Tensor) => Ainv(Y), Y0));
    expect(e.inputs[0].vjp.text).toBe("w");
    expect(e.differential.text).toBe("v");
    const eqs = e.where.filter((w) => w.kind === "equation").map((w) => `${w.name}: ${w.text}`);
    expect(eqs).toEqual(["w: w + w·Zᵀ + Zᵀ·w = Ḡ", "v: v·Z + Z·v + v = dY"]);
    expect(e.where.filter((w) => w.kind === "definition").map((w) => `${w.name} = ${w.text}`)).toEqual(["Z = inverseOf(Y)"]);
    expect(e.text).toContain("and w solves w + w·Zᵀ + Zᵀ·w = Ḡ");
  });

  it("fixedPoint x = T(x, A) = A·x/2 + 1: the residual T(x) − x in the equations", () => {
    const fp = fixedPoint((x: Tensor, A: Tensor) => add(mul(matmul(A, x), 0.5), 1));
    const e = ok(explain((A: Tensor) => fp(tensor([[0], [0]]), A), tensor([[0.2, 0.1], [0.0, 0.3]])));
    expect(e.inputs[0].vjp.text).toBe("−1/2·w·Yᵀ");
    expect(e.where.map((w) => `${w.name}: ${w.text}`)).toEqual(["Y: fixedPoint(A)", "w: 1/2·Aᵀ·w − w = Ḡ", "v: 1/2·A·v − v = −1/2·dA·Y"]);
  });

  it("implicitRoot with a parameter: θ̄ = −(∂θF)ᵀ[w]", () => {
    // F(x, a) = x ∘ x − a: x = √a entry by entry
    const root = implicitRoot(
      (x: Tensor, a: Tensor) => sub(mul(x, x), a),
      (a: Tensor) => ({ x: new Tensor(a.data.map(Math.sqrt), a.shape.slice()) }),
    );
    const e = ok(explain((a: Tensor) => sum(root(a)), tensor([[4, 9], [1, 2]])));
    expect(e.inputs[0].gradient!.text).toBe("w");
    expect(e.where.find((w) => w.kind === "equation")!.text).toBe("2·(w ∘ Y) = 𝟙");
  });
});
