/**
 * Tensor methods: thin aliases of the functional ops, installed on the
 * prototype so that `X.matmul(X).trace()` reads like PyTorch.
 */
import { Tensor } from "../tensor/tensor.js";
import * as ops from "./api.js";
import type { Axes, SliceSpec, TensorLike } from "./api.js";
import { backward, detach, setRequiresGrad, type BackwardOptions } from "../autodiff/engine.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tan(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    sum(axes?: Axes, keepdims?: boolean): Tensor;
    mean(axes?: Axes, keepdims?: boolean): Tensor;
    max(axes?: Axes, keepdims?: boolean): Tensor;
    min(axes?: Axes, keepdims?: boolean): Tensor;
    prod(axes?: Axes, keepdims?: boolean): Tensor;
    variance(axes?: Axes, keepdims?: boolean, correction?: number): Tensor;
    logsumexp(axes?: Axes, keepdims?: boolean): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    matmul(other: TensorLike): Tensor;
    dot(other: TensorLike): Tensor;
    outer(other: TensorLike): Tensor;
    trace(): Tensor;
    diagonal(k?: number): Tensor;
    triu(k?: number): Tensor;
    tril(k?: number): Tensor;
    reshape(...shape: number[] | [readonly number[]]): Tensor;
    flatten(startAxis?: number, endAxis?: number): Tensor;
    squeeze(axes?: Axes): Tensor;
    unsqueeze(axis: number): Tensor;
    permute(...perm: number[] | [readonly number[]]): Tensor;
    transpose(axis0?: number, axis1?: number): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    slice(...specs: SliceSpec[]): Tensor;
    take(indices: readonly number[] | Int32Array, axis?: number): Tensor;
    /** Matrix transpose of the last two axes. */
    readonly mT: Tensor;
    /** All axes reversed (NumPy's .T). */
    readonly T: Tensor;
    /**
     * Reverse mode: accumulate d(self)/d(leaf) into every leaf's .grad. The
     * options may also come first, as PyTorch's keywords: `y.backward({ retainGraph: true })`.
     */
    backward(gradient?: Tensor | null, opts?: BackwardOptions): void;
    backward(opts: BackwardOptions): void;
    detach(): Tensor;
    requiresGrad_(flag?: boolean): Tensor;
    /** Forget the accumulated gradient (sets .grad to null). */
    zeroGrad(): void;
  }
}

const P = Tensor.prototype;
const bin = (f: (a: TensorLike, b: TensorLike) => Tensor) => function (this: Tensor, o: TensorLike) { return f(this, o); };
const un = (f: (a: TensorLike) => Tensor) => function (this: Tensor) { return f(this); };
const red = (f: (a: TensorLike, axes?: Axes, keepdims?: boolean) => Tensor) =>
  function (this: Tensor, axes?: Axes, keepdims?: boolean) { return f(this, axes, keepdims); };
const shapeArgs = (args: number[] | [readonly number[]]): readonly number[] =>
  args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly number[]) : (args as number[]);

Object.assign(P, {
  add: bin(ops.add), sub: bin(ops.sub), mul: bin(ops.mul), div: bin(ops.div), pow: bin(ops.pow),
  maximum: bin(ops.maximum), minimum: bin(ops.minimum),
  gt: bin(ops.gt), ge: bin(ops.ge), lt: bin(ops.lt), le: bin(ops.le), eq: bin(ops.eq), ne: bin(ops.ne),
  matmul: bin(ops.matmul), dot: bin(ops.dot), outer: bin(ops.outer),
  neg: un(ops.neg), exp: un(ops.exp), log: un(ops.log), sqrt: un(ops.sqrt), abs: un(ops.abs),
  sin: un(ops.sin), cos: un(ops.cos), tan: un(ops.tan), tanh: un(ops.tanh), sigmoid: un(ops.sigmoid),
  relu: un(ops.relu), square: un(ops.square), reciprocal: un(ops.reciprocal), trace: un(ops.trace),
  sum: red(ops.sum), mean: red(ops.mean), max: red(ops.max), min: red(ops.min), prod: red(ops.prod),
  logsumexp: red(ops.logsumexp),
  variance(this: Tensor, axes?: Axes, keepdims?: boolean, correction?: number) { return ops.variance(this, axes, keepdims, correction); },
  clamp(this: Tensor, min?: TensorLike | null, max?: TensorLike | null) { return ops.clamp(this, min, max); },
  softmax(this: Tensor, axis?: number) { return ops.softmax(this, axis); },
  logSoftmax(this: Tensor, axis?: number) { return ops.logSoftmax(this, axis); },
  diagonal(this: Tensor, k?: number) { return ops.diagonal(this, k); },
  triu(this: Tensor, k?: number) { return ops.triu(this, k); },
  tril(this: Tensor, k?: number) { return ops.tril(this, k); },
  reshape(this: Tensor, ...shape: number[] | [readonly number[]]) { return ops.reshape(this, shapeArgs(shape)); },
  flatten(this: Tensor, s?: number, e?: number) { return ops.flatten(this, s, e); },
  squeeze(this: Tensor, axes?: Axes) { return ops.squeeze(this, axes); },
  unsqueeze(this: Tensor, axis: number) { return ops.unsqueeze(this, axis); },
  permute(this: Tensor, ...perm: number[] | [readonly number[]]) { return ops.permute(this, shapeArgs(perm)); },
  transpose(this: Tensor, a0?: number, a1?: number) { return ops.transpose(this, a0, a1); },
  broadcastTo(this: Tensor, shape: readonly number[]) { return ops.broadcastTo(this, shape); },
  slice(this: Tensor, ...specs: SliceSpec[]) { return ops.slice(this, ...specs); },
  take(this: Tensor, indices: readonly number[] | Int32Array, axis?: number) { return ops.take(this, indices, axis); },
  backward(this: Tensor, gradient?: Tensor | null | BackwardOptions, opts?: BackwardOptions) { backward(this, gradient, opts); },
  detach(this: Tensor) { return detach(this); },
  requiresGrad_(this: Tensor, flag = true) { return setRequiresGrad(this, flag); },
  zeroGrad(this: Tensor) { this.grad = null; },
});

Object.defineProperty(P, "mT", { get(this: Tensor) { return ops.mT(this); }, configurable: true });
Object.defineProperty(P, "T", {
  get(this: Tensor) { return ops.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); },
  configurable: true,
});
