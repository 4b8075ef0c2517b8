/**
 * Rules of the linear-algebra primitives (the `linalg` family of the registry).
 * The families live in src/ops/rules/linalg/*.ts; this file assembles them.
 */
import type { Rule } from "../../tensor/meta.js";

/** Parameters of the linear-algebra primitives. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled family by family
export interface LinalgParams {}

export const linalgRules: { [P in keyof LinalgParams]: Rule<LinalgParams[P]> } = {};
