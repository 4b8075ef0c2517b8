/**
 * Gradient transformations in the optax style: pure functions over pytrees.
 *
 *   const opt = optim.adam({ lr: 1e-3 });
 *   let state = opt.init(params);
 *   const { updates, state: next } = opt.update(grads, state, params);
 *   params = optim.applyUpdates(params, updates);      // params + updates
 *
 * `update` returns the *step* to add (already scaled by −lr), as optax does;
 * the state is a fresh object each step (the old one stays valid). The numbers
 * follow optax, which agrees with torch.optim where both define the method:
 *
 * - sgd: t ← g + μ t (t₀ = 0), step = −lr·t, or −lr·(g + μ t) with Nesterov
 *   (optax.sgd = torch.optim.SGD with dampening 0); weightDecay adds wd·x to g
 *   first (torch's coupled L2 decay).
 * - adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
 *   step = −lr·m̂/(√v̂ + ε): ε *outside* the square root, added to the
 *   bias-corrected √v̂ (optax.adam with eps_root = 0 = torch.optim.Adam).
 * - adamw: step = −lr·(m̂/(√v̂ + ε) + wd·x), decoupled decay (Loshchilov–Hutter;
 *   optax.adamw; torch.optim.AdamW computes x(1 − lr·wd) first, the same
 *   number). Default wd = 1e-4 as optax (torch's default is 1e-2).
 * - rmsprop: v ← ρv + (1−ρ)g², step = −lr·g/(√v + ε) (optax; default ρ = 0.9,
 *   torch's alpha default is 0.99).
 * - adagrad: s ← s + g², step = −lr·g/√(s + ε), s₀ = 0.1 (optax's defaults;
 *   torch uses s₀ = 0 and ε outside the root).
 *
 * The learning rate may be a number or a schedule (step count → lr), called
 * with the count of updates done before this one (0 at the first update), as optax.
 */
import { Tensor } from "../tensor/tensor.js";
import type { Shape } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import type { TreeDef } from "../tree/index.js";
import { alloc as newData } from "../kernels/alloc.js";
import { flattenLike, leavesOf, unflattenNull, addTrees, addTreesDiff, MISMATCH } from "./tree.js";

/** A learning-rate schedule: the value to use at update number `count` (0-based). */
export type Schedule = (count: number) => number;
/** A constant or a schedule. */
export type ScalarOrSchedule = number | Schedule;

/** Per-leaf context of a flat update. */
export interface FlatContext {
  /** The op name for error messages, e.g. "adam.update". */
  readonly op: string;
  /** Leaf shapes, in treeFlatten order. */
  readonly shapes: readonly Shape[];
}

/**
 * The flat form of a transformation: state and arithmetic over the leaves'
 * Float64Arrays in treeFlatten order. `chain` composes these, so a chain
 * flattens and checks the tree once per step.
 */
export interface FlatTransform<S> {
  /** The initial state for these parameters. */
  init(params: readonly Tensor[]): S;
  /** Must not write into `grads` or `params`; returns fresh arrays and a fresh state. */
  update(grads: readonly Float64Array[], state: S, params: readonly Float64Array[] | null, ctx: FlatContext): { updates: Float64Array[]; state: S };
  /** True if update reads params (adamw, weight decay, Riemannian transforms). */
  readonly needsParams: boolean;
}

/** The state of a transformation: the tree structure from `init` and the method's own state. */
export interface OptState<S = unknown> {
  readonly treedef: TreeDef;
  readonly shapes: readonly Shape[];
  readonly inner: S;
}

/** An optax-style gradient transformation. */
export interface GradientTransformation<S = unknown> {
  readonly name: string;
  /** The initial state for parameters of this structure. */
  init(params: unknown): OptState<S>;
  /**
   * The step for these gradients (a tree of the state's structure) and the next
   * state. `params` (same structure) is needed by adamw, weight decay and the
   * Riemannian transformations.
   */
  update<G>(grads: G, state: OptState<S>, params?: unknown): { updates: G; state: OptState<S> };
  readonly flat: FlatTransform<S>;
}

function checkPositive(op: string, name: string, v: number, allowZero = false): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new ArgumentError(op, `option ${name} must be a finite number ${allowZero ? "≥ 0" : "> 0"}; got ${String(v)}`);
}

function checkUnit(op: string, name: string, v: number): void {
  if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new ArgumentError(op, `option ${name} must be in [0, 1); got ${String(v)}`);
}

function checkLr(op: string, lr: ScalarOrSchedule | undefined): void {
  if (lr === undefined) throw new ArgumentError(op, "option lr (a number or a schedule) is required");
  if (typeof lr === "number") checkPositive(op, "lr", lr, true);
  else if (typeof lr !== "function") throw new ArgumentError(op, `option lr must be a number or a schedule function; got ${String(lr)}`);
}

function lrAt(op: string, lr: ScalarOrSchedule, count: number): number {
  if (typeof lr === "number") return lr;
  const v = lr(count);
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ArgumentError(op, `the learning-rate schedule returned ${String(v)} at step ${count}; expected a finite number`);
  return v;
}

/** Wraps a flat transform into the tree-level API. */
export function fromFlat<S>(name: string, flat: FlatTransform<S>): GradientTransformation<S> {
  const initOp = `${name}.init`, updOp = `${name}.update`;
  return {
    name,
    flat,
    init(params: unknown): OptState<S> {
      const { leaves, treedef } = leavesOf(initOp, "params", params);
      return { treedef, shapes: leaves.map((l) => l.shape), inner: flat.init(leaves) };
    },
    update<G>(grads: G, state: OptState<S>, params?: unknown): { updates: G; state: OptState<S> } {
      if (state === null || typeof state !== "object" || !("treedef" in state) || !("inner" in state))
        throw new ArgumentError(updOp, `argument state must be the state returned by ${initOp} or a previous ${updOp}; got ${String(state)}`);
      const gl = flattenLike(updOp, "grads", grads, state.treedef, state.shapes);
      const gd: Float64Array[] = [];
      for (let i = 0; i < gl.length; i++) gd.push(gl[i]._data);
      let pd: Float64Array[] | null = null;
      if (params !== undefined) {
        const pl = flattenLike(updOp, "params", params, state.treedef, state.shapes);
        pd = [];
        for (let i = 0; i < pl.length; i++) pd.push(pl[i]._data);
      } else if (flat.needsParams) throw new ArgumentError(updOp, `${name} needs params (the current parameters) as the third argument of update`);
      const r = flat.update(gd, state.inner, pd, { op: updOp, shapes: state.shapes });
      const out: Tensor[] = [];
      for (let i = 0; i < r.updates.length; i++) out.push(new Tensor(r.updates[i], state.shapes[i]));
      return { updates: unflattenNull(state.treedef, out) as G, state: { treedef: state.treedef, shapes: state.shapes, inner: r.state } };
    },
  };
}

// ---------------------------------------------------------------- sgd

export interface SgdOptions {
  lr: ScalarOrSchedule;
  /** Heavy-ball momentum μ (default 0: plain gradient descent). */
  momentum?: number;
  /** Nesterov momentum: step = −lr (g + μ t) (default false). */
  nesterov?: boolean;
  /** Coupled L2 weight decay: g ← g + wd·x before momentum (torch.optim.SGD's weight_decay; default 0). */
  weightDecay?: number;
}

export interface SgdState {
  readonly count: number;
  /** The momentum buffers t (empty without momentum). */
  readonly trace: readonly Float64Array[];
}

/** Stochastic gradient descent with optional (Nesterov) momentum and weight decay. */
export function sgd(opts: SgdOptions): GradientTransformation<SgdState> {
  const op = "optim.sgd";
  checkLr(op, opts?.lr);
  const mu = opts.momentum ?? 0, wd = opts.weightDecay ?? 0, nesterov = opts.nesterov ?? false;
  checkUnit(op, "momentum", mu);
  checkPositive(op, "weightDecay", wd, true);
  if (nesterov && mu === 0) throw new ArgumentError(op, "option nesterov needs momentum > 0; got momentum 0");
  return fromFlat<SgdState>("optim.sgd", {
    needsParams: wd !== 0,
    init: (params) => ({ count: 0, trace: mu === 0 ? [] : params.map((p) => new Float64Array(p.size)) }),
    update(grads, state, params, ctx) {
      const lr = lrAt(ctx.op, opts.lr, state.count);
      const updates: Float64Array[] = [], trace: Float64Array[] = [];
      for (let k = 0; k < grads.length; k++) {
        const g = grads[k], n = g.length, u = newData(n), x = params === null ? null : params[k];
        if (mu === 0) {
          for (let i = 0; i < n; i++) u[i] = -lr * (x === null ? g[i] : g[i] + wd * x[i]);
        } else {
          const t0 = state.trace[k], t = newData(n);
          for (let i = 0; i < n; i++) {
            const gi = x === null ? g[i] : g[i] + wd * x[i];
            const ti = gi + mu * t0[i];
            t[i] = ti;
            u[i] = -lr * (nesterov ? gi + mu * ti : ti);
          }
          trace.push(t);
        }
        updates.push(u);
      }
      return { updates, state: { count: state.count + 1, trace } };
    },
  });
}

// ---------------------------------------------------------------- adam / adamw

export interface AdamOptions {
  lr: ScalarOrSchedule;
  /** β₁ (default 0.9). */
  b1?: number;
  /** β₂ (default 0.999). */
  b2?: number;
  /** ε added to √v̂ (default 1e-8). */
  eps?: number;
}

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay (default 1e-4, as optax.adamw). */
  weightDecay?: number;
}

export interface AdamState {
  readonly count: number;
  /** First moments m of all leaves, concatenated in treeFlatten order (one array: fewer allocations per step). */
  readonly mu: Float64Array;
  /** Second moments v, laid out as mu. */
  readonly nu: Float64Array;
}

function adamFlat(op: string, opts: AdamWOptions, wd: number): FlatTransform<AdamState> {
  checkLr(op, opts?.lr);
  const b1 = opts.b1 ?? 0.9, b2 = opts.b2 ?? 0.999, eps = opts.eps ?? 1e-8;
  checkUnit(op, "b1", b1);
  checkUnit(op, "b2", b2);
  checkPositive(op, "eps", eps, true);
  checkPositive(op, "weightDecay", wd, true);
  return {
    needsParams: wd !== 0,
    init: (params) => {
      let total = 0;
      for (const p of params) total += p.size;
      return { count: 0, mu: new Float64Array(total), nu: new Float64Array(total) };
    },
    update(grads, state, params, ctx) {
      const lr = lrAt(ctx.op, opts.lr, state.count);
      const t = state.count + 1;
      const m0 = state.mu, v0 = state.nu, total = m0.length;
      const m = newData(total), v = newData(total);
      // bias corrections folded into scalars: m̂/(√v̂+ε) = (m/c1)/(√v/√c2 + ε)
      const c1 = 1 / (1 - Math.pow(b1, t)), c2 = 1 / Math.sqrt(1 - Math.pow(b2, t));
      const a1 = 1 - b1, a2 = 1 - b2;
      const updates: Float64Array[] = [];
      let off = 0;
      for (let k = 0; k < grads.length; k++) {
        const g = grads[k], n = g.length, u = newData(n);
        const x = params === null ? null : params[k];
        // two loops rather than a per-entry test for the decay term (adam has none)
        if (x === null || wd === 0)
          for (let i = 0; i < n; i++) {
            const gi = g[i], j = off + i;
            const mi = b1 * m0[j] + a1 * gi;
            const vi = b2 * v0[j] + a2 * gi * gi;
            m[j] = mi;
            v[j] = vi;
            u[i] = (-lr * (mi * c1)) / (Math.sqrt(vi) * c2 + eps);
          }
        else
          for (let i = 0; i < n; i++) {
            const gi = g[i], j = off + i;
            const mi = b1 * m0[j] + a1 * gi;
            const vi = b2 * v0[j] + a2 * gi * gi;
            m[j] = mi;
            v[j] = vi;
            u[i] = -lr * ((mi * c1) / (Math.sqrt(vi) * c2 + eps) + wd * x[i]);
          }
        off += n;
        updates.push(u);
      }
      return { updates, state: { count: t, mu: m, nu: v } };
    },
  };
}

/** Adam (Kingma & Ba): optax.adam / torch.optim.Adam. */
export function adam(opts: AdamOptions): GradientTransformation<AdamState> {
  return fromFlat("optim.adam", adamFlat("optim.adam", opts, 0));
}

/** AdamW (decoupled weight decay): optax.adamw / torch.optim.AdamW. */
export function adamw(opts: AdamWOptions): GradientTransformation<AdamState> {
  return fromFlat("optim.adamw", adamFlat("optim.adamw", opts, opts?.weightDecay ?? 1e-4));
}

// ---------------------------------------------------------------- rmsprop / adagrad

export interface RmspropOptions {
  lr: ScalarOrSchedule;
  /** ρ, the decay of the squared-gradient average (default 0.9, optax; torch's alpha is 0.99). */
  decay?: number;
  /** ε added to √v (default 1e-8). */
  eps?: number;
}

export interface RmspropState {
  readonly count: number;
  readonly nu: readonly Float64Array[];
}

/** RMSProp: v ← ρv + (1−ρ)g², step = −lr·g/(√v + ε). */
export function rmsprop(opts: RmspropOptions): GradientTransformation<RmspropState> {
  const op = "optim.rmsprop";
  checkLr(op, opts?.lr);
  const rho = opts.decay ?? 0.9, eps = opts.eps ?? 1e-8;
  checkUnit(op, "decay", rho);
  checkPositive(op, "eps", eps, true);
  return fromFlat<RmspropState>(op, {
    needsParams: false,
    init: (params) => ({ count: 0, nu: params.map((p) => new Float64Array(p.size)) }),
    update(grads, state, _params, ctx) {
      const lr = lrAt(ctx.op, opts.lr, state.count);
      const updates: Float64Array[] = [], nus: Float64Array[] = [];
      for (let k = 0; k < grads.length; k++) {
        const g = grads[k], n = g.length, v0 = state.nu[k], v = newData(n), u = newData(n);
        for (let i = 0; i < n; i++) {
          const vi = rho * v0[i] + (1 - rho) * g[i] * g[i];
          v[i] = vi;
          u[i] = (-lr * g[i]) / (Math.sqrt(vi) + eps);
        }
        updates.push(u);
        nus.push(v);
      }
      return { updates, state: { count: state.count + 1, nu: nus } };
    },
  });
}

export interface AdagradOptions {
  lr: ScalarOrSchedule;
  /** Initial value s₀ of the accumulator (default 0.1, optax). */
  initialAccumulatorValue?: number;
  /** ε inside the square root (default 1e-7, optax). */
  eps?: number;
}

export interface AdagradState {
  readonly count: number;
  readonly sum: readonly Float64Array[];
}

/** Adagrad: s ← s + g², step = −lr·g/√(s + ε). */
export function adagrad(opts: AdagradOptions): GradientTransformation<AdagradState> {
  const op = "optim.adagrad";
  checkLr(op, opts?.lr);
  const s0 = opts.initialAccumulatorValue ?? 0.1, eps = opts.eps ?? 1e-7;
  checkPositive(op, "initialAccumulatorValue", s0, true);
  checkPositive(op, "eps", eps, true);
  return fromFlat<AdagradState>(op, {
    needsParams: false,
    init: (params) => ({ count: 0, sum: params.map((p) => new Float64Array(p.size).fill(s0)) }),
    update(grads, state, _params, ctx) {
      const lr = lrAt(ctx.op, opts.lr, state.count);
      const updates: Float64Array[] = [], sums: Float64Array[] = [];
      for (let k = 0; k < grads.length; k++) {
        const g = grads[k], n = g.length, a0 = state.sum[k], a = newData(n), u = newData(n);
        for (let i = 0; i < n; i++) {
          const ai = a0[i] + g[i] * g[i];
          a[i] = ai;
          u[i] = (-lr * g[i]) / Math.sqrt(ai + eps);
        }
        updates.push(u);
        sums.push(a);
      }
      return { updates, state: { count: state.count + 1, sum: sums } };
    },
  });
}

// ---------------------------------------------------------------- clipping, chain, applying

/**
 * Scales the whole gradient tree by maxNorm/‖g‖ when its global norm
 * ‖g‖ = √(Σ over all leaves of Σ gᵢ²) exceeds maxNorm (optax.clip_by_global_norm,
 * torch.nn.utils.clip_grad_norm_).
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<null> {
  const op = "optim.clipByGlobalNorm";
  checkPositive(op, "maxNorm", maxNorm);
  return fromFlat<null>(op, {
    needsParams: false,
    init: () => null,
    update(grads) {
      let ss = 0;
      for (const g of grads) for (let i = 0; i < g.length; i++) ss += g[i] * g[i];
      const norm = Math.sqrt(ss);
      const s = norm > maxNorm ? maxNorm / norm : 1;
      const updates = grads.map((g) => {
        const u = newData(g.length);
        for (let i = 0; i < g.length; i++) u[i] = s * g[i];
        return u;
      });
      return { updates, state: null };
    },
  });
}

/** Composes transformations left to right: each one's updates are the next one's gradients (optax.chain). */
export function chain(...transforms: GradientTransformation[]): GradientTransformation<unknown[]> {
  const op = "optim.chain";
  transforms.forEach((t, i) => {
    if (t === null || typeof t !== "object" || typeof t.flat?.update !== "function")
      throw new ArgumentError(op, `argument ${i} must be a gradient transformation (optim.adam(…), …); got ${String(t)}`);
  });
  const names = transforms.map((t) => t.name).join(", ");
  return fromFlat<unknown[]>(`optim.chain(${names})`, {
    needsParams: transforms.some((t) => t.flat.needsParams),
    init: (params) => transforms.map((t) => t.flat.init(params)),
    update(grads, state, params, ctx) {
      let g: readonly Float64Array[] = grads;
      const next: unknown[] = [];
      transforms.forEach((t, i) => {
        const r = t.flat.update(g, state[i], params, ctx);
        g = r.updates;
        next.push(r.state);
      });
      return { updates: g as Float64Array[], state: next };
    },
  });
}

/** params + updates, leaf by leaf (optax.apply_updates); both trees must have the same structure and shapes. */
export function applyUpdates<P>(params: P, updates: unknown): P {
  const op = "optim.applyUpdates";
  const r = addTrees(params, updates, []);
  if (r === MISMATCH) {
    const d = addTreesDiff!;
    throw new ShapeError(op, `updates differs from params at ${d.path}: params has ${d.here} at ${d.path}, updates has ${d.there} at ${d.path}`);
  }
  return r as P;
}
