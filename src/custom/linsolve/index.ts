/**
 * Matrix-free linear solves over tensors: CG, restarted GMRES, BiCGSTAB and
 * dense LU, all differentiable (customLinearSolve), with tolerance, maxIter,
 * warm start, preconditioner and an automatic default.
 */
export {
  cgSolve as cg, gmresSolve as gmres, bicgstabSolve as bicgstab, luSolveOp as lu,
  materializeOperator as materialize,
  type LinearSolveOptions, type LinearSolveInfo, type LinearSolverName, type CustomLinearSolver,
} from "./solve.js";
// customLinearSolve takes tensors or pytrees
export { customLinearSolve, type LinearSolveOptions as TreeLinearSolveOptions } from "./trees.js";
