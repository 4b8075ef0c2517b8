/**
 * Product manifolds M₁ × … × M_k whose points are trees, e.g.
 * `product({ U: stiefel(m, r), S: spd(r), V: stiefel(n, r) })` for a low-rank
 * factorization U S Vᵀ. The product metric is the sum of the components'
 * (⟨u, v⟩ₓ = Σᵢ ⟨uᵢ, vᵢ⟩ₓᵢ) and every other operation (projection, Riemannian
 * gradient and Hessian, retraction, transport, exp) acts componentwise, which
 * is exactly the product structure: the tangent space at x is T_{x₁}M₁ × … × T_{x_k}M_k.
 *
 * As a `Manifold` (the interface the solvers use) a point is *packed*: one
 * vector of the components' entries, in sorted key order (treeFlatten's order).
 * `pack` and `unpack` convert; `manifolds.minimize` and `optim.minimize` take
 * and return the tree form, so user code never sees packed points.
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { reshape, slice } from "../ops/api.js";
import { requireOnManifold, type Manifold } from "./manifold.js";

/** A product of manifolds keyed by name; its points are objects `{ [key]: Tensor }`. */
export interface ProductManifold<K extends string = string> extends Manifold {
  /** The component manifolds. */
  readonly parts: Readonly<Record<K, Manifold>>;
  /** The keys in packing order (sorted, as treeFlatten orders object keys). */
  readonly keys: readonly K[];
  /**
   * The packed vector of a tree point `{ [key]: Tensor }`. Raises ShapeError for a
   * missing or extra key or a component of the wrong shape, naming the key, and
   * (with `onManifold`) ArgumentError with the distance of a component off its manifold.
   */
  pack(x: unknown, op?: string, what?: string, onManifold?: boolean): Tensor;
  /** The tree point of a packed vector (fresh tensors, not on any tape). */
  unpack(x: Tensor): Record<K, Tensor>;
  /** As unpack, but differentiable: the components are slices of x (for a loss of the tree). */
  unpackDiff(x: Tensor): Record<K, Tensor>;
}

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === "object" && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);

/** True for a manifold made by manifolds.product. */
export function isProduct(m: Manifold): m is ProductManifold {
  return typeof (m as Partial<ProductManifold>).unpackDiff === "function" && typeof (m as Partial<ProductManifold>).pack === "function";
}

/** The product of the manifolds `parts` (an object of manifolds); points are objects with the same keys. */
export function product<P extends Record<string, Manifold>>(parts: P): ProductManifold<keyof P & string> {
  type K = keyof P & string;
  const op = "manifolds.product";
  if (!isPlainObject(parts)) throw new ArgumentError(op, `argument parts must be an object of manifolds, e.g. { U: stiefel(5, 2), S: spd(2) }; got ${String(parts)}`);
  const keys = Object.keys(parts).sort() as K[];
  if (keys.length === 0) throw new ArgumentError(op, "argument parts must have at least one manifold; got {}");
  for (const k of keys) {
    const m = parts[k] as unknown;
    if (m === null || typeof m !== "object" || typeof (m as Manifold).retr !== "function" || typeof (m as Manifold).egrad2rgrad !== "function")
      throw new ArgumentError(op, `parts.${k} must be a manifold (manifolds.stiefel(n, p), …); got ${String(m)}`);
    if (isProduct(m as Manifold)) throw new ArgumentError(op, `parts.${k} is itself a product manifold; nest its components in this product instead`);
  }
  const ms = keys.map((k) => parts[k] as Manifold);
  const sizes = ms.map((m) => m.shape.reduce((a, b) => a * b, 1));
  const offs: number[] = [];
  let total = 0;
  for (const s of sizes) {
    offs.push(total);
    total += s;
  }
  const name = `product({${keys.map((k, i) => `${k}: ${ms[i].name}`).join(", ")}})`;
  const shape = [total];
  // the i-th component of a packed vector (a copy: components may be fed to ops that save them)
  const piece = (x: Tensor, i: number): Tensor => new Tensor(x._data.slice(offs[i], offs[i] + sizes[i]), ms[i].shape);
  const join = (ts: Tensor[]): Tensor => {
    const d = new Float64Array(total);
    for (let i = 0; i < ts.length; i++) d.set(ts[i]._data, offs[i]);
    return new Tensor(d, shape);
  };
  const each = (f: (m: Manifold, i: number) => Tensor): Tensor => join(ms.map(f));
  const allExp = ms.every((m) => m.exp !== undefined), allDist = ms.every((m) => m.dist !== undefined);
  const M: ProductManifold<K> = {
    name,
    shape,
    dim: ms.reduce((a, m) => a + m.dim, 0),
    parts: Object.freeze({ ...parts }) as Readonly<Record<K, Manifold>>,
    keys,
    inner: (x, u, v) => ms.reduce((s, m, i) => s + m.inner(piece(x, i), piece(u, i), piece(v, i)), 0),
    norm: (x, u) => Math.sqrt(M.inner(x, u, u)),
    proj: (x, u) => each((m, i) => m.proj(piece(x, i), piece(u, i))),
    egrad2rgrad: (x, g) => each((m, i) => m.egrad2rgrad(piece(x, i), piece(g, i))),
    ehess2rhess: (x, g, h, u) => each((m, i) => m.ehess2rhess(piece(x, i), piece(g, i), piece(h, i), piece(u, i))),
    retr: (x, u) => each((m, i) => m.retr(piece(x, i), piece(u, i))),
    exp: allExp ? (x, u) => each((m, i) => m.exp!(piece(x, i), piece(u, i))) : undefined,
    transp: (x1, x2, u) => each((m, i) => m.transp(piece(x1, i), piece(x2, i), piece(u, i))),
    random: (seed = 0) => each((m, i) => m.random(seed + 7919 * i)),
    randomTangent: (x, seed = 0) => {
      const u = each((m, i) => m.randomTangent(piece(x, i), seed + 7919 * i));
      const n = M.norm(x, u);
      return new Tensor(u._data.map((v) => v / n), shape);
    },
    // the ambient distance to the product: √(Σ dᵢ²), the components being orthogonal blocks
    check: (x) => Math.sqrt(ms.reduce((s, m, i) => s + m.check(piece(x, i)) ** 2, 0)),
    dist: allDist ? (x, y) => Math.sqrt(ms.reduce((s, m, i) => s + m.dist!(piece(x, i), piece(y, i)) ** 2, 0)) : undefined,
    pack(x, pop = `${op}.pack`, what = "x", onManifold = false) {
      if (!isPlainObject(x)) throw new ArgumentError(pop, `${what} must be an object with keys {${keys.join(", ")}} (a point of ${name}); got ${x instanceof Tensor ? `a tensor of shape ${fmtShape(x.shape)}` : String(x)}`);
      const got = Object.keys(x).sort();
      if (got.length !== keys.length || got.some((k, i) => k !== keys[i]))
        throw new ShapeError(pop, `${what} has keys {${got.join(", ")}}, but points of ${name} have keys {${keys.join(", ")}}`);
      return join(keys.map((k, i) => {
        const t = x[k];
        if (!(t instanceof Tensor)) throw new ArgumentError(pop, `${what}.${k} must be a Tensor of shape ${fmtShape(ms[i].shape)} (a point of ${ms[i].name}); got ${typeof t}`);
        if (!shapesEqual(t.shape, ms[i].shape)) throw new ShapeError(pop, `${what}.${k} has shape ${fmtShape(t.shape)}, but points of ${ms[i].name} have shape ${fmtShape(ms[i].shape)}`);
        return onManifold ? requireOnManifold(pop, ms[i], t, `${what}.${k}`) : t;
      }));
    },
    unpack(x) {
      const out = {} as Record<K, Tensor>;
      keys.forEach((k, i) => (out[k] = piece(x, i)));
      return out;
    },
    unpackDiff(x) {
      const out = {} as Record<K, Tensor>;
      keys.forEach((k, i) => (out[k] = reshape(slice(x, [offs[i], offs[i] + sizes[i]]), ms[i].shape)));
      return out;
    },
  };
  return M;
}
