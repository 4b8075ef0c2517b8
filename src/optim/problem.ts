/**
 * The objective seen by the solvers: a scalar function of a pytree, evaluated
 * at flat Float64Array points (the leaves concatenated in treeFlatten order),
 * with its gradient by one reverse pass and Hessian–vector products by
 * forward-over-reverse (hvp). Counts evaluations for the result object.
 */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { valueAndGrad, hvp } from "../autodiff/transforms.js";
import { treeUnflatten, type TreeDef } from "../tree/index.js";
import { leavesOf, packLeaves, totalSize } from "./tree.js";

/**
 * A pytree of parameters seen as one flat vector: the tensor leaves
 * concatenated in treeFlatten order. Shared by the minimizers' Objective and
 * leastSquares' Residual.
 */
export class FlatParams {
  readonly n: number;
  readonly treedef: TreeDef;
  readonly shapes: readonly (readonly number[])[];
  readonly sizes: readonly number[];
  /** x0 as a flat vector. */
  readonly x0: Float64Array;

  /** Checks that `fun` is a function (`expected` says of what), then flattens x0. */
  constructor(readonly op: string, fun: unknown, expected: string, x0: unknown) {
    if (typeof fun !== "function") throw new ArgumentError(op, `argument ${expected}; got ${String(fun)}`);
    const { leaves, treedef } = leavesOf(op, "x0", x0);
    this.treedef = treedef;
    this.shapes = leaves.map((l) => l.shape);
    this.sizes = leaves.map((l) => l.size);
    this.n = totalSize(leaves);
    this.x0 = packLeaves(leaves);
  }

  /** Tensors of the leaf shapes viewing (not copying) x; x must not be written afterwards. */
  leaves(x: Float64Array): Tensor[] {
    const out: Tensor[] = [];
    let off = 0;
    for (let i = 0; i < this.sizes.length; i++) {
      out.push(new Tensor(x.subarray(off, off + this.sizes[i]), this.shapes[i]));
      off += this.sizes[i];
    }
    return out;
  }

  /** The tree (user's structure) for a flat vector, with fresh copies of the values. */
  tree<P>(x: Float64Array): P {
    return treeUnflatten<P>(this.treedef, this.leaves(new Float64Array(x)));
  }
}

export class Objective extends FlatParams {
  nfev = 0;
  ngev = 0;
  nhev = 0;
  private readonly leafFn: (...leaves: Tensor[]) => Tensor;
  private readonly vg: (...leaves: Tensor[]) => { value: Tensor; grad: Tensor[] };

  constructor(op: string, fun: (x: never) => Tensor, x0: unknown) {
    super(op, fun, "fun must be a function of the parameters returning a scalar Tensor", x0);
    const treedef = this.treedef;
    const call = fun as (x: unknown) => unknown;
    this.leafFn = (...ls: Tensor[]): Tensor => {
      const v = call(treeUnflatten(treedef, ls));
      if (!(v instanceof Tensor)) throw new ArgumentError(op, `fun must return a scalar Tensor; it returned ${typeof v}`);
      if (v.size !== 1) throw new ShapeError(op, `fun must return a scalar (one element); it returned shape ${fmtShape(v.shape)}`);
      return v;
    };
    const argnums = this.sizes.map((_, i) => i);
    this.vg = valueAndGrad(this.leafFn, { argnums }) as (...leaves: Tensor[]) => { value: Tensor; grad: Tensor[] };
  }

  /** f(x) and ∇f(x). */
  fg(x: Float64Array): { f: number; g: Float64Array } {
    this.nfev++;
    this.ngev++;
    const r = this.vg(...this.leaves(x));
    return { f: r.value._data[0], g: packLeaves(r.grad) };
  }

  /** ∇²f(x)·v by forward-over-reverse. */
  hv(x: Float64Array, v: Float64Array): Float64Array {
    this.nhev++;
    const r = hvp(this.leafFn, this.leaves(x), this.leaves(v));
    return packLeaves(r);
  }
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function normInf(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || v !== v) m = v !== v ? NaN : v;
    if (m !== m) return NaN;
  }
  return m;
}

export function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** out = a + s·b (fresh array). */
export function axpy(a: Float64Array, s: number, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + s * b[i];
  return out;
}
