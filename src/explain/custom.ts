/**
 * Custom functions in explain: a step whose rule was made by Function /
 * customVjp / customJvp (or an implicit function) has no registry entry.
 */
import type { Shape } from "./expr.js";
import type { StepContext, SymRule } from "./rules.js";

/** The symbolic rule of a custom step, or undefined to use the registry / opaque fallback. */
export function customRuleFor(_c: StepContext, _outShapes: readonly Shape[]): SymRule<unknown> | undefined {
  return undefined;
}
