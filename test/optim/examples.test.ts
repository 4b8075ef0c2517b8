/**
 * The optimization examples (examples/optimization*.ts, also run by `npm start`)
 * run here in CI; each section throws if an answer misses its closed form.
 */
import { describe, it } from "vitest";
import { optimizationSection } from "../../examples/optimization.js";
import { manifoldsSection } from "../../examples/optimization-manifolds.js";

describe("optimization examples match their closed forms", () => {
  it("Rosenbrock by L-BFGS, logistic regression by Adam, matrix completion", () => optimizationSection(() => {}), 60_000);
  it("Procrustes on Stiefel, Brockett eigenspace, covariance MLE on spd(n)", () => manifoldsSection(() => {}), 60_000);
});
