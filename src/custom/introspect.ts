/**
 * What a per-call rule of a custom or implicit function was made from, for
 * tools that read programs symbolically (src/explain: the user's forward and
 * backward traced with symbolic inputs, an implicit function's residual F).
 * Weak maps keyed by the Rule object: nothing is kept alive by them.
 */
import type { Rule } from "../tensor/meta.js";
import type { Program } from "../autodiff/trace.js";
import type { CustomSpec } from "./core.js";

/** The spec of a custom function's rule (Function, customVjp, customJvp). */
export const customSpecOf = new WeakMap<Rule, CustomSpec>();

/** An implicit function's rule x*(θ): its traced residual F(x, θ…) (free inputs [x, θ₁…θₖ]) and k. */
export const implicitOf = new WeakMap<Rule, { residual: Program; k: number }>();
