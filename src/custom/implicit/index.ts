/**
 * Implicit differentiation: functions defined by equations (implicitRoot),
 * fixed points (fixedPoint) and inverses of maps (inverseOf), differentiated
 * by the implicit function theorem with matrix-free linear solves.
 */
export {
  implicitRoot, type ImplicitRootOptions, type ImplicitOptions, type SolverResult,
} from "./root.js";
export {
  fixedPoint, fixedPointIteration, solveFixedPoint, type FixedPointOptions, type FixedPointIterationOptions,
} from "./fixedPoint.js";
export { inverseOf, type InverseOfOptions } from "./inverse.js";
export {
  newtonKrylov, newtonSolve, type NewtonKrylovOptions, type NewtonIterationInfo, type NewtonResult,
} from "./newton.js";
