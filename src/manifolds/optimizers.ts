/**
 * Riemannian SGD and Adam as gradient transformations (the optim API: init /
 * update / chain), for parameter trees whose tensor leaves are points of one
 * manifold. `update` takes the *Euclidean* gradients and the current points
 * and returns tangent vectors; `manifolds.applyUpdates` moves each point along
 * its update by the retraction (x ← R_x(u)) instead of adding it.
 *
 * Momentum lives in the tangent space of the previous point; it is carried to
 * the current one by projection, the vector transport of an embedded
 * submanifold (the identity for spd), as geoopt and Manopt do.
 *
 * - riemannianSgd: m ← μ·T(m) + grad f, step = −lr·m (Bonnabel 2013; μ = 0 is plain RSGD).
 * - riemannianAdam: m ← β₁T(m) + (1−β₁)grad f, v ← β₂v + (1−β₂)‖grad f‖²ₓ (one
 *   scalar per leaf, so the direction stays tangent), step = −lr·m̂/(√v̂ + ε)
 *   (Bécigneul & Ganea, "Riemannian adaptive optimization methods", ICLR 2019).
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError } from "../errors.js";
import { treeUnflatten } from "../tree/index.js";
import { fromFlat, type GradientTransformation, type OptState, type ScalarOrSchedule, type FlatContext } from "../optim/transforms.js";
import { flattenLike, leavesOf } from "../optim/tree.js";
import { requireOnManifold, type Manifold } from "./manifold.js";
import { isProduct } from "./product.js";

/** Options of `manifolds.riemannianSgd`: learning rate (or schedule) and momentum. */
export interface RiemannianSgdOptions {
  lr: ScalarOrSchedule;
  momentum?: number;
}

/** Options of `manifolds.riemannianAdam` (Bécigneul and Ganea's Riemannian Adam): learning rate and moment decay rates. */
export interface RiemannianAdamOptions {
  lr: ScalarOrSchedule;
  b1?: number;
  b2?: number;
  eps?: number;
}

/** The state of the Riemannian optimizers: step count and transported moments. */
export interface RiemannianState {
  readonly count: number;
  /** Momentum (tangent at the previous points); empty for plain RSGD. */
  readonly mu: readonly Float64Array[];
  /** Adam's second moments, one scalar per leaf. */
  readonly nu: readonly number[];
}

function checkManifold(op: string, m: Manifold): void {
  if (m === null || typeof m !== "object" || typeof m.retr !== "function" || typeof m.egrad2rgrad !== "function")
    throw new ArgumentError(op, `argument manifold must be a manifold (manifolds.stiefel(n, p), …); got ${String(m)}`);
}

function lrAt(op: string, lr: ScalarOrSchedule, count: number): number {
  const v = typeof lr === "number" ? lr : lr(count);
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ArgumentError(op, `the learning rate at step ${count} must be a finite number ≥ 0; got ${String(v)}`);
  return v;
}

function unit(op: string, name: string, v: number): void {
  if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new ArgumentError(op, `option ${name} must be in [0, 1); got ${String(v)}`);
}

function riemannian(name: string, m: Manifold, lr: ScalarOrSchedule, mode: "sgd" | "adam", mu: number, b2: number, eps: number, packedLeaf = false): GradientTransformation<RiemannianState> {
  const step = (grads: readonly Float64Array[], state: RiemannianState, params: readonly Float64Array[] | null, ctx: FlatContext) => {
    if (params === null) throw new ArgumentError(ctx.op, `${name} needs params (the current points) as the third argument of update`);
    const a = lrAt(ctx.op, lr, state.count);
    const t = state.count + 1;
    const updates: Float64Array[] = [], mus: Float64Array[] = [], nus: number[] = [];
    for (let k = 0; k < grads.length; k++) {
      const x = new Tensor(params[k], ctx.shapes[k]);
      const rg = m.egrad2rgrad(x, new Tensor(grads[k], ctx.shapes[k]));
      const mPrev = state.mu.length > 0 ? m.proj(x, new Tensor(state.mu[k], ctx.shapes[k]))._data : null;
      const g = rg._data, n = g.length, u = new Float64Array(n);
      if (mode === "sgd") {
        if (mu === 0) for (let i = 0; i < n; i++) u[i] = -a * g[i];
        else {
          const mm = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            mm[i] = mu * (mPrev === null ? 0 : mPrev[i]) + g[i];
            u[i] = -a * mm[i];
          }
          mus.push(mm);
        }
      } else {
        const nrm2 = m.inner(x, rg, rg);
        const v = b2 * state.nu[k] + (1 - b2) * nrm2;
        nus.push(v);
        const mm = new Float64Array(n);
        const c1 = 1 / (1 - Math.pow(mu, t)), c2 = 1 / Math.sqrt(1 - Math.pow(b2, t));
        const denom = Math.sqrt(v) * c2 + eps;
        for (let i = 0; i < n; i++) {
          mm[i] = mu * (mPrev === null ? 0 : mPrev[i]) + (1 - mu) * g[i];
          u[i] = (-a * mm[i] * c1) / denom;
        }
        mus.push(mm);
      }
      updates.push(u);
    }
    return { updates, state: { count: t, mu: mus, nu: nus } };
  };
  if (!packedLeaf && isProduct(m)) {
    // a product's point is the whole tree: pack it into the one leaf the flat transform sees
    const packed = riemannian(name, m, lr, mode, mu, b2, eps, true);
    return {
      name,
      flat: packed.flat,
      init: (params: unknown) => packed.init(m.pack(params, `${name}.init`, "params", true)),
      update<G>(grads: G, state: OptState<RiemannianState>, params?: unknown): { updates: G; state: OptState<RiemannianState> } {
        const op = `${name}.update`;
        const r = packed.update(m.pack(grads, op, "grads"), state, params === undefined ? undefined : m.pack(params, op, "params"));
        return { updates: m.unpack(r.updates) as G, state: r.state };
      },
    };
  }
  const inner = fromFlat<RiemannianState>(name, {
    needsParams: true,
    init: (params) => {
      params.forEach((p) => requireOnManifold(`${name}.init`, m, p, "params"));
      return { count: 0, mu: mode === "sgd" && mu === 0 ? [] : params.map((p) => new Float64Array(p.size)), nu: params.map(() => 0) };
    },
    update: step,
  });
  return inner;
}

/** Riemannian SGD with optional momentum; every tensor leaf of the parameters is a point of `manifold` (with manifolds.product, the whole tree is one point). */
export function riemannianSgd(manifold: Manifold, opts: RiemannianSgdOptions): GradientTransformation<RiemannianState> {
  const op = "manifolds.riemannianSgd";
  checkManifold(op, manifold);
  if (opts?.lr === undefined) throw new ArgumentError(op, "option lr is required");
  const mu = opts.momentum ?? 0;
  unit(op, "momentum", mu);
  return riemannian(op, manifold, opts.lr, "sgd", mu, 0, 0);
}

/** Riemannian Adam (Bécigneul & Ganea); every tensor leaf of the parameters is a point of `manifold` (with manifolds.product, the whole tree is one point, with one second moment). */
export function riemannianAdam(manifold: Manifold, opts: RiemannianAdamOptions): GradientTransformation<RiemannianState> {
  const op = "manifolds.riemannianAdam";
  checkManifold(op, manifold);
  if (opts?.lr === undefined) throw new ArgumentError(op, "option lr is required");
  const b1 = opts.b1 ?? 0.9, b2 = opts.b2 ?? 0.999, eps = opts.eps ?? 1e-8;
  unit(op, "b1", b1);
  unit(op, "b2", b2);
  if (!(eps >= 0)) throw new ArgumentError(op, `option eps must be ≥ 0; got ${eps}`);
  return riemannian(op, manifold, opts.lr, "adam", b1, b2, eps);
}

/** x ← R_x(u) for every leaf: the manifold counterpart of optim.applyUpdates. */
export function applyUpdates<P>(manifold: Manifold, params: P, updates: unknown): P {
  const op = "manifolds.applyUpdates";
  checkManifold(op, manifold);
  if (isProduct(manifold)) return manifold.unpack(manifold.retr(manifold.pack(params, op, "params"), manifold.pack(updates, op, "updates"))) as P;
  const { leaves, treedef } = leavesOf(op, "params", params);
  const ul = flattenLike(op, "updates", updates, treedef, leaves.map((l) => l.shape), "params");
  return treeUnflatten<P>(treedef, leaves.map((x, k) => manifold.retr(x, ul[k])));
}
