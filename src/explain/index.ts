/** explain: derivatives in matrix notation, verified numerically (see docs/explain.md). */
export { explain, Explanation, type ExplainOptions, type ExplainTerm, type ExplainInput, type ExplainDefinition } from "./explain.js";
export type { ExprNode, OpNode, SymRole, ElementwiseName, OpName } from "./expr.js";
export { print as printExpr } from "./expr.js";
