import { describe, it, expect } from "vitest";
import { Dcsrch } from "../../src/optim/linesearch.js";

/** Drives a Moré–Thuente search on φ with derivative dφ; returns the final step, the task and the evaluations. */
function search(phi: (a: number) => number, dphi: (a: number) => number, stp0: number, ftol = 1e-3, gtol = 0.9) {
  const ls = new Dcsrch({ ftol, gtol, xtol: 0.1, stpmin: 0, stpmax: 1e10 });
  let stp = ls.iterate(stp0, phi(0), dphi(0));
  let n = 0;
  while (ls.task === "FG" && n < 50) {
    stp = ls.iterate(stp, phi(stp), dphi(stp));
    n++;
  }
  return { stp, task: ls.task, n };
}

describe("Moré–Thuente line search (dcsrch)", () => {
  it("accepts a step satisfying the strong Wolfe conditions", () => {
    const phi = (a: number) => (a - 2) ** 2, dphi = (a: number) => 2 * (a - 2);
    for (const stp0 of [1e-3, 0.5, 10, 1e4]) {
      const r = search(phi, dphi, stp0, 1e-4, 0.1);
      expect(r.task).toBe("CONVERGENCE");
      expect(phi(r.stp)).toBeLessThanOrEqual(phi(0) + 1e-4 * r.stp * dphi(0));
      expect(Math.abs(dphi(r.stp))).toBeLessThanOrEqual(0.1 * Math.abs(dphi(0)));
    }
  });

  it("extrapolates from a tiny first step and brackets from a huge one", () => {
    // φ(α) = −α e^{−α}: minimizer α = 1
    const phi = (a: number) => -a * Math.exp(-a), dphi = (a: number) => (a - 1) * Math.exp(-a);
    for (const stp0 of [1e-3, 50]) {
      const r = search(phi, dphi, stp0, 1e-4, 0.1);
      expect(r.task).toBe("CONVERGENCE");
      expect(phi(r.stp)).toBeLessThanOrEqual(phi(0) + 1e-4 * r.stp * dphi(0));
      expect(Math.abs(dphi(r.stp))).toBeLessThanOrEqual(0.1 * Math.abs(dphi(0)));
    }
    // from 1e-3 it extrapolates ×4 per step (xtrapu) until the minimum is bracketed: 6 evaluations here
    expect(search(phi, dphi, 1e-3, 1e-4, 0.1).n).toBe(6);
  });

  it("reports an error for an ascent direction; with a wrong derivative it never converges (the caller's evaluation cap fails it)", () => {
    const up = search((a) => a, () => 1, 1);
    expect(up.task).toBe("ERROR: INITIAL G .GE. ZERO");
    // the value rises along d although the derivative claims descent: the steps shrink towards 0 without end
    const lying = search((a) => a * a + a, () => -1, 1);
    expect(lying.task).toBe("FG");
    expect(lying.stp).toBeLessThan(1e-40);
  });
});
