/**
 * matgrad — differentiable matrix computation in TypeScript.
 * The public API, and nothing else.
 */
import "./ops/methods.js";

export { Tensor, type NestedArray, type DType, type TensorJSON } from "./tensor/tensor.js";
export { fromJSON } from "./tensor/json.js";
export { toNpy, fromNpy } from "./tensor/npy.js";
export { save, load, SAVE_FORMAT_VERSION } from "./io/index.js";
export {
  tensor, scalar, zeros, ones, full, zerosLike, onesLike, fullLike, eye, arange, linspace, rand, randn,
  type TensorOptions, type RandomOptions, type TensorData, type TypedArray,
} from "./tensor/create.js";
export { Generator, manualSeed } from "./tensor/random.js";
export { broadcastShapesOf as broadcastShapes, type Shape } from "./tensor/shape.js";
export {
  treeFlatten, treeFlattenWithPath, treeUnflatten, treeLeaves, treeMap, treeStructure, formatPath, TreeDef,
  treeLeavesLike, type Tree, type TensorTree, type NullArray, type PathEntry, type UnflattenOptions,
} from "./tree/index.js";
export * from "./ops/api.js";
export {
  asin, acos, atan, sinh, cosh, asinh, acosh, atanh, log1p, expm1, log2, log10, exp2, erf, erfc, erfinv, lgamma, digamma,
  polygamma, sinc, floor, ceil, round, trunc, atan2, hypot, xlogy, fmod, remainder, softplus, silu, gelu, logit, type GeluOptions, type RoundOptions,
} from "./ops/math.js";
export { einsum, tensordot, cross, type TensordotAxes } from "./ops/einsum.js";
export {
  sort, argsort, topk, argmax, argmin, kthvalue, median, nanmedian, quantile, nanquantile,
  type ValuesIndices, type SortOptions, type TopkOptions, type KthvalueOptions, type ArgReduceOptions, type QuantileOptions,
  type QuantileInterpolation,
} from "./ops/sorting.js";
export {
  cumsum, cumprod, cummax, cummin, logcumsumexp, diff, std, any, all, countNonzero, isnan, isfinite, isinf, isposinf, isneginf,
  logicalNot, logicalAnd, logicalOr, logicalXor, type DiffOptions,
} from "./ops/scan.js";
export {
  unbind, movedim, moveaxis, repeat, tile, repeatInterleave, flip, fliplr, flipud, roll, pad, meshgrid, blockDiag, vander,
  toeplitz, hankel, circulant, type PadMode, type PadOptions, type MeshgridOptions, type Grids, type VanderOptions,
} from "./ops/layout.js";
export {
  gather, scatter, scatterAdd, indexSelect, indexAdd, index, maskedFill, maskedSelect, nonzero,
  type IndexLike, type IndexSpec, type IndexSlice, type IndexMask, type MaskLike, type NestedBooleans, type IntegerTypedArray,
  type ScatterOptions, type ScatterReduce, type IndexAddOptions, type NonzeroOptions,
} from "./ops/indexing.js";
export { isGradEnabled } from "./tensor/meta.js";
export {
  backward, gradients, noGrad, enableGrad, detach, setRequiresGrad, detectAnomaly, type BackwardOptions, type GradOptions,
} from "./autodiff/engine.js";
export {
  grad, valueAndGrad, vjp, jvp, linearize, linearTranspose, jacobian, hessian, hvp,
  MAX_JACOBIAN_ENTRIES,
  type TensorFn, type MultiFn, type ArgnumsOption, type JacobianOptions, type HessianOptions, type GradOptions as GradTransformOptions,
  type AuxOption, type Argnums, type TransformArg, type TransformArgs, type TangentTree, type TangentArgs, type ArgTree, type ArgsTree,
  type GradResult, type JacobianTree, type VjpResult,
} from "./autodiff/transforms.js";
export { vmap, type VmapOptions, type AxisSpec } from "./autodiff/vmap.js";
export type { Randomness } from "./tensor/meta.js";
export {
  autogradGraph, toDot, toMermaid, type AutogradGraph, type GraphNode, type GraphEdge, type GraphNodeKind, type GraphOptions,
} from "./autodiff/graph.js";
export * from "./errors.js";
export {
  backend, setBackend, useBackend, portableBackend, wasmBackend, type Backend, type BackendName,
} from "./kernels/backend.js";
export { nativeBackend, nativeUnavailableReason, AUTO_NATIVE_MIN_WORK } from "./kernels/backend.js";
export {
  gradcheck, gradgradcheck, GradcheckError,
  type GradcheckOptions, type GradgradcheckOptions, type GradcheckResult, type GradcheckInputResult,
  type GradcheckEntry, type DotProductResult, type GradcheckStructure,
} from "./testing/gradcheck.js";
export {
  checkOpInfo, checkSample, checkForward, checkGrad, checkGradGrad, checkErrorSample, checkBatching, compareValues,
  type OpInfo, type Sample, type ErrorSample, type CheckOutcome, type InputStructure,
} from "./testing/opinfo.js";
export { allOpInfos, coreOpInfos, linalgOpInfos } from "./testing/opinfo/index.js";
export {
  explain, Explanation, printExpr,
  type ExplainOptions, type ExplainTerm, type ExplainInput, type ExplainDefinition, type ExprNode, type OpNode, type SymRole, type ElementwiseName, type OpName,
} from "./explain/index.js";
export { Function, FunctionCtx, type FunctionClass, type ForwardArgs, type ForwardResult } from "./custom/function.js";
export {
  customVjp, customJvp, type CustomVjpRules, type CustomVjpOptions, type CustomJvpOptions, type CustomOptions, type JvpRule,
} from "./custom/custom.js";
export { DEFAULT_MATERIALIZE_LIMIT, type TransposeMode } from "./custom/core.js";
export {
  implicitRoot, fixedPoint, fixedPointIteration, inverseOf, newtonKrylov,
  type ImplicitRootOptions, type ImplicitOptions, type SolverResult, type FixedPointOptions, type FixedPointIterationOptions,
  type InverseOfOptions, type NewtonKrylovOptions, type NewtonIterationInfo, type NewtonResult,
} from "./custom/implicit/index.js";
export {
  customLinearSolve, type LinearSolveOptions, type LinearSolveInfo, type LinearSolverName, type CustomLinearSolver,
} from "./custom/linsolve/index.js";
/** Matrix-free Krylov solvers (cg, gmres, bicgstab) and the linear solve with an implicit derivative. */
export * as linsolve from "./custom/linsolve/index.js";
/**
 * Differentiable linear algebra, after `torch.linalg`: solves, factorizations, decompositions, matrix functions,
 * norms.
 */
export * as linalg from "./linalg/index.js";
/**
 * Optimizers: optax-style gradient transformations and schedules, `minimize` (L-BFGS, BFGS, CG, Newton-CG, trust
 * region), least squares.
 */
export * as optim from "./optim/index.js";
/** Riemannian manifolds (sphere, Stiefel, orthogonal, Grassmann, SPD) as data, with Riemannian optimizers. */
export * as manifolds from "./manifolds/index.js";
