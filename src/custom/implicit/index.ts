/**
 * Implicit differentiation: functions defined by equations (implicitRoot),
 * fixed points (fixedPoint) and inverses of maps (inverseOf), differentiated
 * by the implicit function theorem with matrix-free linear solves.
 */
export { type ImplicitOptions, type SolverResult } from "./root.js";
export {
  fixedPointIteration, solveFixedPoint, type FixedPointOptions, type FixedPointIterationOptions,
} from "./fixedPoint.js";
// the public implicitRoot / fixedPoint / inverseOf take tensors or pytrees
export { implicitRoot, fixedPoint, inverseOf, type ImplicitRootOptions, type InverseOfOptions, type TreeSolverResult } from "./trees.js";
export {
  newtonKrylov, newtonSolve, type NewtonKrylovOptions, type NewtonIterationInfo, type NewtonResult,
} from "./newton.js";
