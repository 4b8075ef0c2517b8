/**
 * Matrix manifolds as data: each is a plain object of functions (projection,
 * retraction, transport, metric, …), not a class hierarchy. Points and tangent
 * vectors are tensors of the manifold's ambient shape. The formulas are those
 * of Absil–Mahony–Sepulchre, "Optimization Algorithms on Matrix Manifolds"
 * (2008), and Boumal, "An Introduction to Optimization on Smooth Manifolds"
 * (2023), as implemented in Manopt / pymanopt:
 *
 * - egrad2rgrad(x, G): the Riemannian gradient from the Euclidean one. For a
 *   Riemannian submanifold (sphere, Stiefel, Grassmann) it is the orthogonal
 *   projection onto the tangent space; for spd(n) with the affine-invariant
 *   metric ⟨U, V⟩ₓ = tr(X⁻¹UX⁻¹V) it is X·sym(G)·X.
 * - ehess2rhess(x, G, H[u], u): the Riemannian Hessian applied to u, from the
 *   Euclidean gradient G and Hessian–vector product H[u]: the projection of
 *   H[u] plus the Weingarten-map term (the curvature of the embedding) —
 *   sphere: P(H[u]) − ⟨x, G⟩u; Stiefel: P(H[u] − u·sym(XᵀG));
 *   Grassmann: P(H[u]) − u·XᵀG; spd: X sym(H[u]) X + sym(u sym(G) X).
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { fmtShape, shapesEqual } from "../tensor/shape.js";
import { randn, eye } from "../tensor/create.js";
import { matmul, mT, add, sub, mul, div, diagEmbed, exp as texp, sum, sqrt as tsqrt } from "../ops/api.js";
import { qr, eigh, solve, svd } from "../linalg/index.js";

/** A Riemannian manifold of points with a fixed ambient shape. */
export interface Manifold {
  readonly name: string;
  /** Ambient shape of points and tangent vectors. */
  readonly shape: readonly number[];
  /** Manifold dimension. */
  readonly dim: number;
  /** Riemannian metric ⟨u, v⟩ₓ. */
  inner(x: Tensor, u: Tensor, v: Tensor): number;
  /** ‖u‖ₓ = √⟨u, u⟩ₓ. */
  norm(x: Tensor, u: Tensor): number;
  /** Orthogonal projection of an ambient vector onto the tangent space at x. */
  proj(x: Tensor, u: Tensor): Tensor;
  /** Riemannian gradient from the Euclidean gradient. */
  egrad2rgrad(x: Tensor, egrad: Tensor): Tensor;
  /** Riemannian Hessian applied to the tangent u, from the Euclidean gradient and Euclidean Hessian–vector product ehess = ∇²f(x)[u]. */
  ehess2rhess(x: Tensor, egrad: Tensor, ehess: Tensor, u: Tensor): Tensor;
  /** A retraction R_x(u): a point; R_x(0) = x and dR_x(0) = id. */
  retr(x: Tensor, u: Tensor): Tensor;
  /** The exponential map (sphere, spd: closed form; others: not provided). */
  readonly exp?: (x: Tensor, u: Tensor) => Tensor;
  /** A vector transport of u ∈ T_{x1} to T_{x2}. */
  transp(x1: Tensor, x2: Tensor, u: Tensor): Tensor;
  /** A random point (seeded, reproducible). */
  random(seed?: number): Tensor;
  /** A random unit tangent vector at x. */
  randomTangent(x: Tensor, seed?: number): Tensor;
  /** The distance of x from the manifold in the ambient space (0 on it, up to rounding). */
  check(x: Tensor): number;
  /** Geodesic distance between two points (where cheap). */
  readonly dist?: (x: Tensor, y: Tensor) => number;
}

const frob = (a: Tensor): number => {
  let s = 0;
  for (let i = 0; i < a._data.length; i++) s += a._data[i] * a._data[i];
  return Math.sqrt(s);
};
const ip = (a: Tensor, b: Tensor): number => {
  let s = 0;
  for (let i = 0; i < a._data.length; i++) s += a._data[i] * b._data[i];
  return s;
};
const sym = (a: Tensor): Tensor => mul(add(a, mT(a)), 0.5);

function intArg(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new ArgumentError(op, `argument ${name} must be an integer ≥ ${min}; got ${String(v)}`);
  return v;
}

/** Checks a tensor's shape against the manifold's. */
export function checkShape(op: string, m: Manifold, what: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(op, `${what} must be a Tensor of shape ${fmtShape(m.shape)} (a point of ${m.name}); got ${typeof x}`);
  if (!shapesEqual(x.shape, m.shape)) throw new ShapeError(op, `${what} has shape ${fmtShape(x.shape)}, but points of ${m.name} have shape ${fmtShape(m.shape)}`);
  return x;
}

function unitTangent(m: Manifold, x: Tensor, seed: number): Tensor {
  const u = m.proj(x, randn(m.shape, { seed }));
  return mul(u, 1 / m.norm(x, u));
}

/** The unit sphere {x : ‖x‖ = 1} in ℝⁿ (Frobenius norm for a matrix shape). */
export function sphere(n: number, m?: number): Manifold {
  const op = "manifolds.sphere";
  intArg(op, "n", n, 1);
  if (m !== undefined) intArg(op, "m", m, 1);
  const shape = m === undefined ? [n] : [n, m];
  const size = m === undefined ? n : n * m;
  const proj = (x: Tensor, u: Tensor) => sub(u, mul(x, ip(x, u)));
  const M: Manifold = {
    name: m === undefined ? `sphere(${n})` : `sphere(${n}, ${m})`,
    shape,
    dim: size - 1,
    inner: (_x, u, v) => ip(u, v),
    norm: (_x, u) => frob(u),
    proj,
    egrad2rgrad: proj,
    ehess2rhess: (x, g, h, u) => sub(proj(x, h), mul(u, ip(x, g))),
    retr: (x, u) => {
      const y = add(x, u);
      return mul(y, 1 / frob(y));
    },
    // exp_x(u) = cos(‖u‖) x + sin(‖u‖) u/‖u‖ (the great circle)
    exp: (x, u) => {
      const t = frob(u);
      return t === 0 ? x : add(mul(x, Math.cos(t)), mul(u, Math.sin(t) / t));
    },
    transp: (_x1, x2, u) => proj(x2, u),
    random: (seed = 0) => {
      const x = randn(shape, { seed });
      return mul(x, 1 / frob(x));
    },
    randomTangent: (x, seed = 1) => unitTangent(M, x, seed),
    check: (x) => Math.abs(frob(x) - 1),
    dist: (x, y) => Math.acos(Math.min(1, Math.max(-1, ip(x, y)))),
  };
  return M;
}

/** Stiefel manifold St(n, p) = {X ∈ ℝⁿˣᵖ : XᵀX = I}, with the Euclidean (embedded) metric and the QR retraction. */
export function stiefel(n: number, p: number): Manifold {
  const op = "manifolds.stiefel";
  intArg(op, "n", n, 1);
  intArg(op, "p", p, 1);
  if (p > n) throw new ArgumentError(op, `needs p ≤ n; got n = ${n}, p = ${p}`);
  return stiefelLike(`stiefel(${n}, ${p})`, n, p);
}

/** The orthogonal group O(n) = St(n, n). */
export function orthogonal(n: number): Manifold {
  intArg("manifolds.orthogonal", "n", n, 1);
  return stiefelLike(`orthogonal(${n})`, n, n);
}

function stiefelLike(name: string, n: number, p: number): Manifold {
  const I = eye(p);
  // P_X(U) = U − X sym(XᵀU)
  const proj = (x: Tensor, u: Tensor) => sub(u, matmul(x, sym(matmul(mT(x), u))));
  const M: Manifold = {
    name,
    shape: [n, p],
    dim: n * p - (p * (p + 1)) / 2,
    inner: (_x, u, v) => ip(u, v),
    norm: (_x, u) => frob(u),
    proj,
    egrad2rgrad: proj,
    ehess2rhess: (x, g, h, u) => proj(x, sub(h, matmul(u, sym(matmul(mT(x), g))))),
    // R_X(U) = qf(X + U), the Q factor with diag(R) > 0
    retr: (x, u) => qr(add(x, u)).Q,
    transp: (_x1, x2, u) => proj(x2, u),
    random: (seed = 0) => qr(randn([n, p], { seed })).Q,
    randomTangent: (x, seed = 1) => unitTangent(M, x, seed),
    check: (x) => frob(sub(matmul(mT(x), x), I)),
  };
  return M;
}

/**
 * Grassmann manifold Gr(n, p) of p-dimensional subspaces of ℝⁿ, represented by
 * orthonormal bases X (n × p); tangent vectors are horizontal (XᵀU = 0).
 */
export function grassmann(n: number, p: number): Manifold {
  const op = "manifolds.grassmann";
  intArg(op, "n", n, 1);
  intArg(op, "p", p, 1);
  if (p > n) throw new ArgumentError(op, `needs p ≤ n; got n = ${n}, p = ${p}`);
  const I = eye(p);
  // P_X(U) = U − X XᵀU (the horizontal space)
  const proj = (x: Tensor, u: Tensor) => sub(u, matmul(x, matmul(mT(x), u)));
  const M: Manifold = {
    name: `grassmann(${n}, ${p})`,
    shape: [n, p],
    dim: p * (n - p),
    inner: (_x, u, v) => ip(u, v),
    norm: (_x, u) => frob(u),
    proj,
    egrad2rgrad: proj,
    ehess2rhess: (x, g, h, u) => sub(proj(x, h), matmul(u, matmul(mT(x), g))),
    retr: (x, u) => qr(add(x, u)).Q,
    transp: (_x1, x2, u) => proj(x2, u),
    random: (seed = 0) => qr(randn([n, p], { seed })).Q,
    randomTangent: (x, seed = 1) => unitTangent(M, x, seed),
    check: (x) => frob(sub(matmul(mT(x), x), I)),
    // principal angles θᵢ = arccos σᵢ(XᵀY); distance ‖θ‖
    dist: (x, y) => {
      const s = svd(matmul(mT(x), y), { fullMatrices: false }).S._data;
      let d = 0;
      for (const v of s) d += Math.acos(Math.min(1, v)) ** 2;
      return Math.sqrt(d);
    },
  };
  return M;
}

/**
 * Symmetric positive definite n × n matrices with the affine-invariant metric
 * ⟨U, V⟩ₓ = tr(X⁻¹UX⁻¹V). Tangent vectors are symmetric matrices.
 * Retraction: R_X(U) = X + U + ½UX⁻¹U (second order; SPD for every symmetric U,
 * since it equals ½(X+U)X⁻¹(X+U) + ½X); exp_X(U) = X^½ expm(X^-½ U X^-½) X^½.
 * Transport: the identity (every tangent space is Sym(n)), as pymanopt.
 */
export function spd(n: number): Manifold {
  intArg("manifolds.spd", "n", n, 1);
  const xinvU = (x: Tensor, u: Tensor) => solve(x, u);
  const M: Manifold = {
    name: `spd(${n})`,
    shape: [n, n],
    dim: (n * (n + 1)) / 2,
    inner: (x, u, v) => ip(mT(xinvU(x, u)), xinvU(x, v)),
    norm: (x, u) => {
      const a = xinvU(x, u);
      return Math.sqrt(Math.max(0, ip(mT(a), a)));
    },
    proj: (_x, u) => sym(u),
    egrad2rgrad: (x, g) => sym(matmul(matmul(x, sym(g)), x)),
    ehess2rhess: (x, g, h, u) => sym(add(matmul(matmul(x, sym(h)), x), matmul(matmul(u, sym(g)), x))),
    retr: (x, u) => sym(add(add(x, u), mul(matmul(u, xinvU(x, u)), 0.5))),
    exp: (x, u) => {
      const { eigenvalues: w, eigenvectors: V } = eigh(x);
      const sq = matmul(mul(V, tsqrt(w)), mT(V)), isq = matmul(div(V, tsqrt(w)), mT(V));
      const { eigenvalues: l, eigenvectors: W } = eigh(sym(matmul(matmul(isq, u), isq)));
      const e = matmul(matmul(W, diagEmbed(texp(l))), mT(W));
      return sym(matmul(matmul(sq, e), sq));
    },
    transp: (_x1, _x2, u) => u,
    random: (seed = 0) => {
      const Q = qr(randn([n, n], { seed })).Q;
      const d = texp(mul(randn([n], { seed: seed + 1 }), 0.5));
      return sym(matmul(mul(Q, d), mT(Q)));
    },
    randomTangent: (x, seed = 1) => unitTangent(M, x, seed),
    // distance from the SPD cone's closure: the skew part and the negative eigenvalues of the symmetric part
    check: (x) => {
      const skew = frob(mul(sub(x, mT(x)), 0.5));
      let neg = 0;
      for (const l of eigh(sym(x)).eigenvalues._data) if (l < 0) neg += l * l;
      return Math.sqrt(skew * skew + neg);
    },
    // d(X, Y) = ‖log(X^-½ Y X^-½)‖_F = √Σ log² λᵢ(X⁻¹Y) (generalized eigenvalues via X = LLᵀ)
    dist: (x, y) => {
      const { eigenvalues: w, eigenvectors: V } = eigh(x);
      const isq = matmul(div(V, tsqrt(w)), mT(V));
      const l = eigh(sym(matmul(matmul(isq, y), isq))).eigenvalues._data;
      let s = 0;
      for (const v of l) s += Math.log(v) ** 2;
      return Math.sqrt(s);
    },
  };
  return M;
}

/** Raises ArgumentError if x is farther than atol from the manifold (or, for spd, not positive definite). */
export function requireOnManifold(op: string, m: Manifold, x: unknown, what = "x0", atol = 1e-8): Tensor {
  const t = checkShape(op, m, what, x);
  const d = m.check(t);
  const scale = Math.max(1, Math.sqrt(sum(mul(t, t)).item()));
  if (!(d <= atol * scale))
    throw new ArgumentError(op, `${what} is not on ${m.name}: its distance to the manifold is ${d.toExponential(3)} (allowed ${(atol * scale).toExponential(1)}); project it first, e.g. with ${m.name.startsWith("spd") ? "a symmetrized X + εI" : "linalg.qr(x).Q or x / ‖x‖"}`);
  if (m.name.startsWith("spd(")) {
    const l = eigh(t).eigenvalues._data[0];
    if (!(l > 0)) throw new ArgumentError(op, `${what} is not on ${m.name}: it is not positive definite (smallest eigenvalue ${l.toExponential(3)}; distance to the manifold 0 on its boundary)`);
  }
  return t;
}

