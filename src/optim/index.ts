/**
 * optim: optax-style gradient transformations and schedules, SciPy-style
 * minimize and leastSquares, over pytrees of float64 tensors.
 */
export {
  sgd, adam, adamw, rmsprop, adagrad, clipByGlobalNorm, chain, applyUpdates, fromFlat,
  type GradientTransformation, type OptState, type FlatTransform, type FlatContext, type Schedule, type ScalarOrSchedule,
  type SgdOptions, type SgdState, type AdamOptions, type AdamWOptions, type AdamState, type RmspropOptions, type RmspropState,
  type AdagradOptions, type AdagradState,
} from "./transforms.js";
export {
  constantSchedule, exponentialDecay, cosineDecay, linearSchedule, joinSchedules, warmupCosineDecay,
  type ExponentialDecayOptions, type CosineDecayOptions, type LinearScheduleOptions, type WarmupCosineDecayOptions,
} from "./schedules.js";
export { minimize, type MinimizeMethod, type ManifoldMethod, type MinimizeOptions, type MinimizeResult, type IterationInfo } from "./minimize.js";
export { leastSquares, type LeastSquaresOptions, type LeastSquaresResult } from "./leastsq.js";
