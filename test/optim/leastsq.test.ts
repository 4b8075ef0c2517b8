import { describe, it, expect } from "vitest";
import { tensor, Tensor, mul, sub, add, log, optim } from "../../src/index.js";

describe("optim.leastSquares", () => {
  const t = tensor([0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1]);
  const y = t.mul(-0.7).exp().mul(2.5).add(t.mul(0.1));
  const resid = (p: { a: Tensor; k: Tensor; c: Tensor }) => sub(add(mul(mul(t, p.k).exp(), p.a), mul(t, p.c)), y);
  const x0 = { a: tensor(1), k: tensor(0), c: tensor(0) };
  it.each([["lm", 4096], ["lm", 0], ["trf", 4096], ["trf", 0]] as const)("%s (denseLimit %d) fits a zero-residual model", (method, denseLimit) => {
    const r = optim.leastSquares(resid, x0, { method, denseLimit, ftol: 1e-15, xtol: 1e-15, gtol: 1e-14 });
    expect(r.success, r.message).toBe(true);
    expect(r.x.a.item()).toBeCloseTo(2.5, 8);
    expect(r.x.k.item()).toBeCloseTo(-0.7, 8);
    expect(r.x.c.item()).toBeCloseTo(0.1, 8);
    expect(r.cost).toBeLessThan(1e-16);
    if (denseLimit > 0) expect(r.jac!.shape).toEqual([8, 3]);
    else expect(r.jac).toBeNull();
  });
  it("non-finite residuals stop with the iteration; bad method is an ArgumentError", () => {
    const r = optim.leastSquares((p: Tensor) => log(p), tensor([-1]));
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/non-finite at iteration 0/);
    expect(() => optim.leastSquares(resid, x0, { method: "dogbox" as "lm" })).toThrow(/optim\.leastSquares: option method must be "lm" or "trf"/);
  });
});
