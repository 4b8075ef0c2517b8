/** The explain section of the walkthrough (examples/explain.ts, also run by `npm start`) checks its own claims. */
import { it, expect } from "vitest";
import { explainSection } from "../../examples/explain.js";

it("examples/explain.ts runs and its checks hold", () => {
  const lines: string[] = [];
  explainSection((s) => lines.push(s));
  expect(lines.join("\n")).toContain("∇f = 2·(Y·Xᵀ + Xᵀ·Y)");
});
