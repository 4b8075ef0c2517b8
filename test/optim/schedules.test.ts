import { describe, it, expect } from "vitest";
import { optim } from "../../src/index.js";

describe("optim schedules (optax's formulas)", () => {
  it("constant, exponential, cosine, linear, join, warmup-cosine", () => {
    expect(optim.constantSchedule(0.3)(100)).toBe(0.3);
    const e = optim.exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5 });
    expect(e(10)).toBeCloseTo(0.5, 15);
    expect(e(5)).toBeCloseTo(Math.SQRT1_2, 15);
    expect(optim.exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5, staircase: true })(15)).toBe(0.5);
    const c = optim.cosineDecay({ init: 2, decaySteps: 100, alpha: 0.1 });
    expect(c(0)).toBeCloseTo(2, 15);
    expect(c(50)).toBeCloseTo(2 * (0.9 * 0.5 + 0.1), 14);
    expect(c(100)).toBeCloseTo(0.2, 15);
    expect(c(1000)).toBeCloseTo(0.2, 15);
    const l = optim.linearSchedule({ init: 0, end: 1, transitionSteps: 4 });
    expect([l(0), l(2), l(4), l(9)]).toEqual([0, 0.5, 1, 1]);
    const j = optim.joinSchedules([optim.constantSchedule(1), (s) => 10 + s], [5]);
    expect([j(4), j(5), j(7)]).toEqual([1, 10, 12]);
    const w = optim.warmupCosineDecay({ peak: 1, warmupSteps: 10, decaySteps: 110, end: 0.1 });
    expect(w(0)).toBe(0);
    expect(w(5)).toBeCloseTo(0.5, 15);
    expect(w(10)).toBeCloseTo(1, 15);
    expect(w(110)).toBeCloseTo(0.1, 14);
    expect(() => optim.joinSchedules([optim.constantSchedule(1)], [3])).toThrow(/boundaries must have 0 entries/);
  });
});
