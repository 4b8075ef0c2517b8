/**
 * `npm start`: a tour of matgrad, one section per capability.
 * Each section checks its own numbers and throws if something is off.
 */
import { coreSection } from "./core.js";
import { customSection } from "./custom.js";
import { transformsSection } from "./transforms.js";
import { vmapSection } from "./vmap.js";
import { implicitSection } from "./implicit.js";
import { linalgSection } from "./linalg.js";
import { contractionsSection } from "./contractions.js";
import { optimizationSection } from "./optimization.js";
import { manifoldsSection } from "./optimization-manifolds.js";
import { explainSection } from "./explain.js";

const sections: [string, () => void | Promise<void>][] = [
  ["core", () => coreSection()],
  ["custom", () => customSection()],
  ["explain", () => explainSection()],
  ["transforms", () => transformsSection()],
  ["vmap", () => vmapSection()],
  ["implicit", () => implicitSection()],
  ["linalg", () => linalgSection()],
  ["contractions", () => contractionsSection()],
  ["optimization", () => optimizationSection()],
  ["manifolds", () => manifoldsSection()],
];

for (const [, run] of sections) await run();
console.log("Walkthrough complete.");
