/**
 * gradcheck: deliberately wrong derivative rules (matmul-like, inverse-like,
 * elementwise), each asserting that the specific diagnosis fires; correct
 * rules that must pass; options, modes, the report and the error.
 */
import { describe, it, expect } from "vitest";
import {
  Tensor, randn, tensor, matmul, mul, add, sub, neg, exp, sin, cos, mT, tril, div, pow, eye,
  gradcheck, gradgradcheck, GradcheckError, type GradcheckResult, customJvp, linalg,
} from "../../src/index.js";
import { binaryFn, inverseFn, makeFunction, unaryFn } from "./helpers.js";

const X3 = randn([3, 3], { seed: 11 });
const A3 = randn([3, 3], { seed: 12 });
const B3 = randn([3, 3], { seed: 13 });
/** Well conditioned, non-symmetric. */
const W3 = add(mul(eye(3), 3), randn([3, 3], { seed: 14 }));

function check(f: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: Parameters<typeof gradcheck>[2] = {}): GradcheckResult {
  return gradcheck(f, inputs, { raise: false, forward: false, ...opts });
}

function diag(r: GradcheckResult, input = 0): string {
  const ir = r.inputs.find((x) => x.index === input)!;
  return ir.diagnosis.join("\n");
}

const square = (X: Tensor): Tensor => matmul(X, X);

describe("gradcheck diagnoses: matmul-like rules", () => {
  it("flags backward(G) = G * 2 * X for X ↦ X·X and points to G·Xᵀ + Xᵀ·G", () => {
    const f = unaryFn("MatSquare", square, (G, X) => mul(mul(G, 2), X));
    const r = check(f, [X3]);
    expect(r.ok).toBe(false);
    const d = diag(r);
    expect(d).toMatch(/elementwise product/);
    expect(d).toMatch(/matrix product \(matmul\) belongs/);
    expect(d).toMatch(/G·Xᵀ \+ Xᵀ·G/);
    expect(d).toMatch(/2·\(G ∘ X\)/);
  });

  it("flags a missing product-rule term (G·Xᵀ only)", () => {
    const f = unaryFn("MatSquare", square, (G, X) => matmul(G, mT(X)));
    const d = diag(check(f, [X3]));
    expect(d).toMatch(/a term is missing/);
    expect(d).toMatch(/add Xᵀ·G/);
  });

  it("flags missing transposes on the factors (G·X + X·G), right only at symmetric X", () => {
    const f = unaryFn("MatSquare", square, (G, X) => add(matmul(G, X), matmul(X, G)));
    const d = diag(check(f, [X3]));
    expect(d).toMatch(/every factor next to G is transposed/);
    expect(d).toMatch(/right at symmetric inputs/);
  });

  it("flags a constant factor 2", () => {
    const f = unaryFn("MatSquare", square, (G, X) => mul(add(matmul(G, mT(X)), matmul(mT(X), G)), 2));
    const d = diag(check(f, [X3]));
    expect(d).toMatch(/constant factor: analytic ≈ 2 × numeric/);
  });

  it("says which gradient is wrong with two inputs: a factor on the wrong side of G for A, B fine", () => {
    const f = binaryFn("MatMul", matmul, (G, A, B) => [matmul(mT(B), G), matmul(mT(A), G)]);
    const r = check(f, [A3, B3]);
    expect(r.inputs[0].ok).toBe(false);
    expect(r.inputs[1].ok).toBe(true);
    expect(diag(r, 0)).toMatch(/wrong side of G/);
    expect(r.report).toMatch(/input 0 \(A, shape \[3, 3\]\): WRONG/);
    expect(r.report).toMatch(/input 1 \(B, shape \[3, 3\]\): ok/);
  });

  it("flags a missing transpose on a factor (G·B where G·Bᵀ belongs)", () => {
    const f = binaryFn("MatMul", matmul, (G, A, B) => [matmul(G, B), matmul(mT(A), G)]);
    const d = diag(check(f, [A3, B3]), 0);
    expect(d).toMatch(/transpose is missing \(or extra\) on Bᵀ/);
  });

  it("flags a VJP that is right only for symmetric cotangents (Y = X·Xᵀ, X̄ = 2·G·X)", () => {
    const f = unaryFn("Gram", (X) => matmul(X, mT(X)), (G, X) => mul(matmul(G, X), 2));
    const d = diag(check(f, [X3]));
    expect(d).toMatch(/right only for symmetric cotangents G/);
    expect(d).toMatch(/G·X \+ Gᵀ·X/);
  });
});

describe("gradcheck diagnoses: inverse-like rules (Y = X⁻¹, X̄ = −Yᵀ·G·Yᵀ)", () => {
  it("passes the correct rule and finds its symbolic form", () => {
    const f = inverseFn("Inv", (G, Y) => neg(matmul(matmul(mT(Y), G), mT(Y))), (dX, Y) => neg(matmul(matmul(Y, dX), Y)));
    const r = gradcheck(f, [W3]);
    expect(r.ok).toBe(true);
    expect(r.dotProduct!.ok).toBe(true);
  });

  it("flags the wrong sign", () => {
    const f = inverseFn("Inv", (G, Y) => matmul(matmul(mT(Y), G), mT(Y)));
    expect(diag(check(f, [W3]))).toMatch(/constant factor: analytic ≈ −1 × numeric: the sign is wrong/);
  });

  it("flags missing transposes (−Y·G·Y)", () => {
    const f = inverseFn("Inv", (G, Y) => neg(matmul(matmul(Y, G), Y)));
    const d = diag(check(f, [W3]));
    expect(d).toMatch(/every factor next to G is transposed/);
  });

  it("flags a factor on the wrong side of G (−Yᵀ·Yᵀ·G)", () => {
    const f = inverseFn("Inv", (G, Y) => neg(matmul(matmul(mT(Y), mT(Y)), G)));
    const d = diag(check(f, [W3]));
    expect(d).toMatch(/a factor is on the wrong side of G: the VJP multiplies G only from the left/);
    expect(d).toMatch(/multiplies G from both sides/);
    expect(d).toMatch(/−Yᵀ·G·Yᵀ/);
  });

  it("flags a transposed result (−Y·Gᵀ·Y)", () => {
    const f = inverseFn("Inv", (G, Y) => neg(matmul(matmul(Y, mT(G)), Y)));
    expect(diag(check(f, [W3]))).toMatch(/is the transpose of the right one/);
  });

  it("flags a transposed cotangent (−Yᵀ·Gᵀ·Yᵀ)", () => {
    const f = inverseFn("Inv", (G, Y) => neg(matmul(matmul(mT(Y), mT(G)), mT(Y))));
    expect(diag(check(f, [W3]))).toMatch(/uses Gᵀ where G belongs/);
  });

  it("flags a wrong JVP while the VJP is right, and the dot-product test names the JVP", () => {
    const f = inverseFn("Inv", (G, Y) => neg(matmul(matmul(mT(Y), G), mT(Y))), (dX, Y) => matmul(matmul(Y, dX), Y));
    const r = gradcheck(f, [W3], { raise: false });
    expect(r.inputs[0].ok).toBe(true);
    expect(r.forward![0].ok).toBe(false);
    expect(r.forward![0].diagnosis.join("\n")).toMatch(/analytic ≈ −1 × numeric/);
    expect(r.dotProduct!.ok).toBe(false);
    expect(r.report).toMatch(/the VJP agrees with central differences, so the JVP is the wrong one/);
  });
});

describe("gradcheck diagnoses: elementwise rules", () => {
  it("flags a factor ½ (X∘X with backward G∘X)", () => {
    const f = unaryFn("Sq", (X) => mul(X, X), (G, X) => mul(G, X));
    expect(diag(check(f, [X3]))).toMatch(/analytic ≈ 1\/2 × numeric: a factor 2 is missing/);
  });

  it("flags the wrong sign (sin with backward −G∘cos X)", () => {
    const f = unaryFn("Sin", sin, (G, X) => neg(mul(G, cos(X))));
    expect(diag(check(f, [X3]))).toMatch(/the sign is wrong/);
  });

  it("flags a zero gradient (null for input 1) and says which input", () => {
    const f = binaryFn("Mul", mul, (G, _A, B) => [mul(G, B), null]);
    const r = check(f, [A3, B3]);
    expect(r.inputs[1].ok).toBe(false);
    expect(diag(r, 1)).toMatch(/gradient w\.r\.t\. B \(input 1\) is zero but the numeric derivative is not/);
  });

  it("flags NaN in the analytic gradient", () => {
    const Z = tensor([[1, 0, 2], [0.5, -1, 3], [2, 1, -2]]);
    const f = unaryFn("Cube", (X) => pow(X, 3), (G, X) => div(mul(mul(G, 3), pow(X, 4)), mul(X, X)));
    const d = diag(check(f, [Z]));
    expect(d).toMatch(/contains NaN\/Inf/);
  });

  it("flags a missing chain-rule factor in exp (backward G instead of G∘exp X) with the right form", () => {
    const f = unaryFn("Exp", exp, (G) => mul(G, 1));
    const d = diag(check(f, [X3]));
    expect(d).toMatch(/the VJP has the term G where \(G ∘ Y\) belongs/);
  });

  it("flags the gradient of the wrong input (swapped A∘B gradients)", () => {
    const f = binaryFn("Mul", mul, (G, A, B) => [mul(G, A), mul(G, B)]);
    const r = check(f, [A3, B3]);
    expect(diag(r, 0)).toMatch(/the gradient returned for A \(input 0\) is the gradient of B \(input 1\): gradients returned in the wrong order/);
    expect(diag(r, 0)).toMatch(/\(G ∘ A\) where \(G ∘ B\) belongs/);
    expect(diag(r, 1)).toMatch(/\(G ∘ B\) where \(G ∘ A\) belongs/);
  });
});

describe("gradcheck: structure and symmetric inputs", () => {
  // S = tril(X) + tril(X, −1)ᵀ reads only the lower triangle; Y = S·S.
  const fromLower = (X: Tensor): Tensor => add(tril(X), mT(tril(X, -1)));
  const symSquare = unaryFn("SymSquare", (X) => matmul(fromLower(X), fromLower(X)), (G, X) => {
    const S = fromLower(X);
    const M = add(matmul(G, S), matmul(S, G));
    return mul(add(M, mT(M)), 0.5);
  });

  it("says a gradient right only on symmetric perturbations needs structure: 'symmetric'", () => {
    const d = diag(check(symSquare, [X3]));
    expect(d).toMatch(/right only for symmetric perturbations of X/);
    expect(d).toMatch(/structure: "symmetric"/);
  });

  it("passes with structure: 'symmetric'", () => {
    expect(check(symSquare, [X3], { structure: "symmetric" }).ok).toBe(true);
    expect(gradcheck(symSquare, [X3], { structure: ["symmetric"], mode: "fast", forward: false }).ok).toBe(true);
  });

  it("points built-in one-triangle ops (Cholesky, eigenvalues) to structure: 'symmetric'", () => {
    const A = randn([4, 4], { seed: 17 });
    const S = add(matmul(A, mT(A)), mul(eye(4), 4));
    for (const f of [(x: Tensor) => linalg.cholesky(x), (x: Tensor) => linalg.eigvalsh(x)]) {
      expect(diag(check(f, [S]))).toMatch(/right only for symmetric perturbations of X.*structure: "symmetric"/s);
      expect(gradcheck(f, [S], { structure: "symmetric" }).ok).toBe(true);
    }
  });

  it("rejects structure 'symmetric' for non-square inputs", () => {
    expect(() => gradcheck(square, [randn([2, 3])], { structure: "symmetric" })).toThrow(/needs \(a batch of\) square matrices, got shape \[2, 3\]/);
  });
});

describe("gradcheck: correct rules pass (no false alarms)", () => {
  it("MatSquare, inverse, matmul, elementwise, multi-output, batched", () => {
    const good: [string, (...xs: Tensor[]) => Tensor | Tensor[], Tensor[]][] = [
      ["MatSquare", unaryFn("MatSquare", square, (G, X) => add(matmul(G, mT(X)), matmul(mT(X), G)), (dX, X) => add(matmul(dX, X), matmul(X, dX))), [X3]],
      ["MatMul", binaryFn("MatMul", matmul, (G, A, B) => [matmul(G, mT(B)), matmul(mT(A), G)]), [randn([2, 3], { seed: 1 }), randn([3, 4], { seed: 2 })]],
      ["Exp", unaryFn("Exp", exp, (G, _X, Y) => mul(G, Y), (dX, _X, Y) => mul(dX, Y)), [X3]],
      ["builtin chain", (X: Tensor) => exp(matmul(X, mT(X))).sum(-1), [X3]],
      ["multi-output", (A: Tensor, B: Tensor) => [matmul(A, B), sub(A, B).mul(A)], [A3, B3]],
      ["batched", (X: Tensor) => matmul(X, X), [randn([2, 3, 3], { seed: 5 })]],
    ];
    for (const [name, f, xs] of good) {
      const r = gradcheck(f, xs, { raise: false, name });
      expect(r.ok, r.report).toBe(true);
      expect(r.dotProduct?.ok ?? true).toBe(true);
    }
  });

  it("fast mode on larger inputs passes, and catches a factor from projections", () => {
    const X = randn([20, 20], { seed: 6 });
    const r = gradcheck(square, [X], { mode: "fast" });
    expect(r.ok).toBe(true);
    expect(r.mode).toBe("fast");
    expect(r.inputs[0].worst).toEqual([]);
    const bad = unaryFn("MatSquare", square, (G, Xs) => mul(add(matmul(G, mT(Xs)), matmul(mT(Xs), G)), -1));
    const rb = check(bad, [X], { mode: "fast" });
    expect(rb.ok).toBe(false);
    expect(diag(rb)).toMatch(/−1 × numeric/);
  });

  it("auto mode picks full for small and fast for large problems", () => {
    expect(gradcheck(square, [X3]).mode).toBe("full");
    expect(gradcheck(square, [randn([16, 16], { seed: 3 })]).mode).toBe("full"); // 256 + 256 ≤ 512
    expect(gradcheck(square, [randn([17, 17], { seed: 3 })]).mode).toBe("fast");
  });
});

describe("gradcheck: API", () => {
  it("throws a GradcheckError carrying the result and a readable report by default", () => {
    const f = unaryFn("MatSquare", square, (G, X) => mul(mul(G, 2), X));
    let err: unknown = null;
    try {
      gradcheck(f, [X3], { name: "MatSquare" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GradcheckError);
    const ge = err as GradcheckError;
    expect(ge.message).toMatch(/^MatSquare: gradcheck FAILED/);
    expect(ge.message).toMatch(/worst entries/);
    expect(ge.message).toMatch(/diagnosis:/);
    expect(ge.result.ok).toBe(false);
    expect(ge.result.inputs[0].worst.length).toBeGreaterThan(0);
    const w = ge.result.inputs[0].worst[0];
    expect(w.index).toHaveLength(4);
    expect(Math.abs(w.analytic - w.numeric)).toBeGreaterThan(1e-3);
  });

  it("reports max errors and worst entries with hand-checkable values", () => {
    // f(x) = 3x with a VJP of 2·G: the single Jacobian entry is 2 instead of 3
    const f = unaryFn("Lin", (X) => mul(X, 3), (G) => mul(G, 2));
    const r = check(f, [tensor([1.5])]);
    expect(r.inputs[0].maxAbsError).toBeCloseTo(1, 6);
    expect(r.inputs[0].maxRelError).toBeCloseTo(1 / 3, 6);
    expect(r.inputs[0].worst[0].analytic).toBe(2);
    expect(r.inputs[0].worst[0].numeric).toBeCloseTo(3, 8);
    expect(diag(r)).toMatch(/analytic ≈ 2\/3 × numeric/);
  });

  it("skips nondiff inputs and uses input names", () => {
    const f = (X: Tensor, mask: Tensor) => mul(matmul(X, X), mask);
    const r = gradcheck(f, [X3, tensor([[1, 0, 1], [0, 1, 0], [1, 1, 1]])], { nondiff: [1], inputNames: ["P", "M"] });
    expect(r.inputs.map((x) => x.index)).toEqual([0]);
    expect(r.inputs[0].name).toBe("P");
  });

  it("validates its options", () => {
    expect(() => gradcheck(square, [X3], { mode: "nope" as any })).toThrow(/mode must be/);
    expect(() => gradcheck(square, [X3], { nondiff: [3] })).toThrow(/nondiff index 3 is out of range/);
    expect(() => gradcheck(square, [X3], { reverse: false, forward: false })).toThrow(/both reverse and forward/);
    expect(() => gradcheck(square, [])).toThrow(/at least one input/);
  });

  it("checks forward mode of a customJvp-only function and its transposed VJP", () => {
    const f = customJvp((X: Tensor) => matmul(X, X), ([X], [dX]) => add(matmul(dX, X), matmul(X, dX)), { name: "SquareJvp" });
    const r = gradcheck(f, [X3]);
    expect(r.ok).toBe(true);
  });
});

describe("gradgradcheck", () => {
  it("passes double backward of a backward written with matgrad ops", () => {
    const f = unaryFn("MatSquare", square, (G, X) => add(matmul(G, mT(X)), matmul(mT(X), G)));
    const r = gradgradcheck(f, [X3]);
    expect(r.ok).toBe(true);
    expect(r.inputs.map((x) => x.name)).toEqual(["X", "G"]);
  });

  it("catches a first-order-correct backward that hides X from the tape (detach)", () => {
    const f = unaryFn("MatSquare", square, (G, X) => {
      const Xc = X.detach();
      return add(matmul(G, mT(Xc)), matmul(mT(Xc), G));
    });
    expect(gradcheck(f, [X3], { forward: false }).ok).toBe(true);
    const r = gradgradcheck(f, [X3], { raise: false, forward: false });
    expect(r.ok).toBe(false);
    expect(r.inputs[0].ok).toBe(false);
    expect(r.inputs[0].diagnosis.join("\n")).toMatch(/is zero but the numeric derivative is not/);
    expect(r.inputs[1].ok).toBe(true);
  });

  it("passes on built-in compositions with gradOutputs given", () => {
    const r = gradgradcheck((A: Tensor, B: Tensor) => exp(matmul(A, B)), [A3, B3], { gradOutputs: randn([3, 3], { seed: 7 }) });
    expect(r.ok).toBe(true);
  });

  it("marks a onceDifferentiable function: double backward raises", () => {
    const F = makeFunction("OnceSquare", (ctx, X: Tensor) => {
      ctx.saveForBackward(X);
      return matmul(X, X);
    }, (ctx, G: Tensor) => {
      const [X] = ctx.savedTensors;
      return add(matmul(G, mT(X)), matmul(mT(X), G));
    }, undefined, true);
    expect(gradcheck((X: Tensor) => F.apply(X), [X3], { forward: false }).ok).toBe(true);
    expect(() => gradgradcheck((X: Tensor) => F.apply(X), [X3], { forward: false })).toThrow(/OnceSquare: is marked onceDifferentiable/);
  });
});

describe("gradcheck: forward mode unavailable", () => {
  it("says to pass { forward: false } when the function has no JVP", () => {
    const F = makeFunction("OnceOnly", (ctx, X: Tensor) => {
      ctx.saveForBackward(X);
      return matmul(X, X);
    }, (ctx, G: Tensor) => {
      const [X] = ctx.savedTensors;
      return add(matmul(G, mT(X)), matmul(mT(X), G));
    }, undefined, true);
    expect(() => gradcheck((X: Tensor) => F.apply(X), [X3])).toThrow(/^OnceOnly: forward mode needs a static jvp.*pass \{ forward: false \} to check only the VJP/);
    expect(gradcheck((X: Tensor) => F.apply(X), [X3], { forward: false }).ok).toBe(true);
  });
});
