/**
 * manifolds: optimization on matrix manifolds — sphere, Stiefel, orthogonal,
 * Grassmann, SPD (affine-invariant) and their products (points as trees) as data; Riemannian SGD / Adam as gradient
 * transformations; Riemannian CG and trust-region minimize.
 */
export { sphere, stiefel, orthogonal, grassmann, spd, requireOnManifold, type Manifold } from "./manifold.js";
export {
  riemannianSgd, riemannianAdam, applyUpdates,
  type RiemannianSgdOptions, type RiemannianAdamOptions, type RiemannianState,
} from "./optimizers.js";
export { minimize, type RiemannianMinimizeOptions } from "./minimize.js";
export { product, type ProductManifold } from "./product.js";
