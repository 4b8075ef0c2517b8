/**
 * Tensor methods: thin aliases of the functional ops, installed on the
 * prototype so that `X.matmul(X).trace()` reads like PyTorch.
 */
import { Tensor } from "../tensor/tensor.js";
import * as ops from "./api.js";
import * as mops from "./math.js";
import * as iops from "./indexing.js";
import type { IndexLike, IndexSpec, MaskLike, ScatterOptions, IndexAddOptions, NonzeroOptions } from "./indexing.js";
import * as lops from "./layout.js";
import type { IntegerTypedArray } from "./indexing.js";
import type { GeluOptions, RoundOptions } from "./math.js";
import * as sops from "./scan.js";
import type { DiffOptions } from "./scan.js";
import * as ordops from "./sorting.js";
import type { ArgReduceOptions, KthvalueOptions, QuantileOptions, SortOptions, TopkOptions, ValuesIndices } from "./sorting.js";
import type { Axes, ReduceOptions, SliceSpec, TensorLike, VarianceOptions } from "./api.js";
import { backward, detach, setRequiresGrad, type BackwardOptions } from "../autodiff/engine.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** Elementwise sum `this + other`, broadcasting (see {@link add}). */
    add(other: TensorLike): Tensor;
    /** Elementwise difference `this − other`, broadcasting (see {@link sub}). */
    sub(other: TensorLike): Tensor;
    /** Elementwise product `this ⊙ other`, broadcasting (see {@link mul}). */
    mul(other: TensorLike): Tensor;
    /** Elementwise quotient `this / other`, broadcasting (see {@link div}). */
    div(other: TensorLike): Tensor;
    /** Elementwise power `this ^ exponent`, broadcasting (see {@link pow}). */
    pow(exponent: TensorLike): Tensor;
    /** Elementwise maximum of `this` and `other`, broadcasting (see {@link maximum}). */
    maximum(other: TensorLike): Tensor;
    /** Elementwise minimum of `this` and `other`, broadcasting (see {@link minimum}). */
    minimum(other: TensorLike): Tensor;
    /** Elementwise negation `−this`. */
    neg(): Tensor;
    /** Elementwise exponential eˣ. */
    exp(): Tensor;
    /** Elementwise natural logarithm (NaN below 0, −∞ at 0). */
    log(): Tensor;
    /** Elementwise square root. */
    sqrt(): Tensor;
    /** Elementwise absolute value (subgradient 0 at 0). */
    abs(): Tensor;
    /** Elementwise sine. */
    sin(): Tensor;
    /** Elementwise cosine. */
    cos(): Tensor;
    /** Elementwise tangent. */
    tan(): Tensor;
    /** Elementwise hyperbolic tangent. */
    tanh(): Tensor;
    /** Elementwise logistic function 1 / (1 + e⁻ˣ). */
    sigmoid(): Tensor;
    /** Elementwise max(x, 0) (subgradient 0 at 0). */
    relu(): Tensor;
    /** Elementwise square x². */
    square(): Tensor;
    /** Elementwise reciprocal 1 / x. */
    reciprocal(): Tensor;
    /** Elementwise arcsine (see {@link asin}). */
    asin(): Tensor;
    /** Elementwise arccosine (see {@link acos}). */
    acos(): Tensor;
    /** Elementwise arctangent (see {@link atan}). */
    atan(): Tensor;
    /** Elementwise hyperbolic sine (see {@link sinh}). */
    sinh(): Tensor;
    /** Elementwise hyperbolic cosine (see {@link cosh}). */
    cosh(): Tensor;
    /** Elementwise inverse hyperbolic sine (see {@link asinh}). */
    asinh(): Tensor;
    /** Elementwise inverse hyperbolic cosine (see {@link acosh}). */
    acosh(): Tensor;
    /** Elementwise inverse hyperbolic tangent (see {@link atanh}). */
    atanh(): Tensor;
    /** Elementwise log(1 + x), accurate near 0 (see {@link log1p}). */
    log1p(): Tensor;
    /** Elementwise eˣ − 1, accurate near 0 (see {@link expm1}). */
    expm1(): Tensor;
    /** Elementwise base-2 logarithm (see {@link log2}). */
    log2(): Tensor;
    /** Elementwise base-10 logarithm (see {@link log10}). */
    log10(): Tensor;
    /** Elementwise 2ˣ (see {@link exp2}). */
    exp2(): Tensor;
    /** Elementwise error function (see {@link erf}). */
    erf(): Tensor;
    /** Elementwise complementary error function (see {@link erfc}). */
    erfc(): Tensor;
    /** Elementwise inverse error function (see {@link erfinv}). */
    erfinv(): Tensor;
    /** Elementwise log |Γ(x)| (see {@link lgamma}). */
    lgamma(): Tensor;
    /** Elementwise digamma ψ(x) (see {@link digamma}). */
    digamma(): Tensor;
    /** Elementwise normalized sinc sin(πx)/(πx) (see {@link sinc}). */
    sinc(): Tensor;
    /** Elementwise SiLU x·σ(x) (see {@link silu}). */
    silu(): Tensor;
    /** Elementwise floor (gradient 0) (see {@link floor}). */
    floor(): Tensor;
    /** Elementwise ceiling (gradient 0) (see {@link ceil}). */
    ceil(): Tensor;
    /** Elementwise rounding, ties to even, to `decimals` places when given (gradient 0) (see {@link round}). */
    round(options?: RoundOptions): Tensor;
    /** Elementwise rounding toward zero (gradient 0) (see {@link trunc}). */
    trunc(): Tensor;
    /** Elementwise atan2(this, other): the angle of the point (other, this), broadcasting (see {@link atan2}). */
    atan2(other: TensorLike): Tensor;
    /** Elementwise √(this² + other²) without overflow, broadcasting (see {@link hypot}). */
    hypot(other: TensorLike): Tensor;
    /** Elementwise this·log(other), 0 where this = 0, broadcasting (see {@link xlogy}). */
    xlogy(other: TensorLike): Tensor;
    /** Elementwise C fmod: the remainder with the sign of this, broadcasting (see {@link fmod}). */
    fmod(other: TensorLike): Tensor;
    /** Elementwise the remainder with the sign of other (PyTorch's remainder), broadcasting (see {@link remainder}). */
    remainder(other: TensorLike): Tensor;
    /** Elementwise softplus log(1 + e^(βx))/β (see {@link softplus}). */
    softplus(beta?: number): Tensor;
    /** Elementwise GELU, exact or `{ approximate: "tanh" }` (see {@link gelu}). */
    gelu(options?: GeluOptions | "none" | "tanh"): Tensor;
    /** Elementwise logit log(x/(1 − x)), x clamped to [eps, 1 − eps] when eps is given (see {@link logit}). */
    logit(eps?: number | null): Tensor;
    /** Elementwise polygamma ψ⁽ⁿ⁾ (see {@link polygamma}). */
    polygamma(n: number): Tensor;
    /** Elementwise clamp to [min, max] (either bound may be null; see {@link clamp}). */
    clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor;
    /** Elementwise `this > other` as 1 / 0 (not differentiable). */
    gt(other: TensorLike): Tensor;
    /** Elementwise `this ≥ other` as 1 / 0 (not differentiable). */
    ge(other: TensorLike): Tensor;
    /** Elementwise `this < other` as 1 / 0 (not differentiable). */
    lt(other: TensorLike): Tensor;
    /** Elementwise `this ≤ other` as 1 / 0 (not differentiable). */
    le(other: TensorLike): Tensor;
    /** Elementwise `this = other` as 1 / 0 (not differentiable). */
    eq(other: TensorLike): Tensor;
    /** Elementwise `this ≠ other` as 1 / 0 (not differentiable). */
    ne(other: TensorLike): Tensor;
    /** Sum over `axes` (all when omitted), keeping them as size 1 with `keepdims`. */
    sum(axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor;
    /** Mean over `axes` (all when omitted), keeping them as size 1 with `keepdims`. */
    mean(axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor;
    /** Maximum over `axes` (all when omitted); ties share the gradient evenly. */
    max(axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor;
    /** Minimum over `axes` (all when omitted); ties share the gradient evenly. */
    min(axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor;
    /** Product over `axes` (all when omitted), keeping them as size 1 with `keepdims`. */
    prod(axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor;
    /** Variance over `axes` with `correction` (default 1: Bessel's, as PyTorch). */
    variance(axes?: Axes | VarianceOptions, keepdims?: boolean, correction?: number): Tensor;
    /** log Σ exp over `axes`, computed stably (the maximum is subtracted first). */
    logsumexp(axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor;
    /** Softmax along `axis` (default −1): exp(x − logsumexp(x)). */
    softmax(axis?: number): Tensor;
    /** Log-softmax along `axis` (default −1): x − logsumexp(x). */
    logSoftmax(axis?: number): Tensor;
    /** Cumulative sum along `axis` (see {@link cumsum}). */
    cumsum(axis: number): Tensor;
    /** Cumulative product along `axis`, exact derivative with zeros (see {@link cumprod}). */
    cumprod(axis: number): Tensor;
    /** Running maximum along `axis` and its indices, ties to the last index (see {@link cummax}). */
    cummax(axis: number): [values: Tensor, indices: Tensor];
    /** Running minimum along `axis` and its indices, ties to the last index (see {@link cummin}). */
    cummin(axis: number): [values: Tensor, indices: Tensor];
    /** log Σ exp of each prefix along `axis`, computed stably (see {@link logcumsumexp}). */
    logcumsumexp(axis: number): Tensor;
    /** The n-th forward difference along an axis (see {@link diff}). */
    diff(options?: DiffOptions): Tensor;
    /** Standard deviation over `axes` with `correction` (default 1, as PyTorch; see {@link std}). */
    std(axes?: Axes | VarianceOptions, keepdims?: boolean, correction?: number): Tensor;
    /** 1 where any entry over `axes` is nonzero, else 0 (see {@link any}). */
    any(axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor;
    /** 1 where every entry over `axes` is nonzero, else 0 (see {@link all}). */
    all(axes?: Axes | ReduceOptions, keepdims?: boolean): Tensor;
    /** The number of nonzero entries over `axes` (see {@link countNonzero}). */
    countNonzero(axes?: Axes): Tensor;
    /** 1 where NaN, else 0 (see {@link isnan}). */
    isnan(): Tensor;
    /** 1 where finite, else 0 (see {@link isfinite}). */
    isfinite(): Tensor;
    /** 1 where ±∞, else 0 (see {@link isinf}). */
    isinf(): Tensor;
    /** 1 where +∞, else 0 (see {@link isposinf}). */
    isposinf(): Tensor;
    /** 1 where −∞, else 0 (see {@link isneginf}). */
    isneginf(): Tensor;
    /** 1 where this is 0, else 0 (see {@link logicalNot}). */
    logicalNot(): Tensor;
    /** 1 where both are nonzero, broadcasting (see {@link logicalAnd}). */
    logicalAnd(other: TensorLike): Tensor;
    /** 1 where either is nonzero, broadcasting (see {@link logicalOr}). */
    logicalOr(other: TensorLike): Tensor;
    /** 1 where exactly one is nonzero, broadcasting (see {@link logicalXor}). */
    logicalXor(other: TensorLike): Tensor;
    /** Matrix product `this · other` (batched over leading axes, broadcasting; 1-d operands as vectors). */
    matmul(other: TensorLike): Tensor;
    /** Inner product of two vectors. */
    dot(other: TensorLike): Tensor;
    /** Outer product of two vectors: `this[i] · other[j]`. */
    outer(other: TensorLike): Tensor;
    /** Sum of the diagonal of the last two axes (batched). */
    trace(): Tensor;
    /** The `k`-th diagonal of the last two axes (k > 0 above, k < 0 below the main one). */
    diagonal(k?: number): Tensor;
    /** Upper triangle of the last two axes: entries below the `k`-th diagonal set to 0. */
    triu(k?: number): Tensor;
    /** Lower triangle of the last two axes: entries above the `k`-th diagonal set to 0. */
    tril(k?: number): Tensor;
    /** The same entries in a new shape (one −1 entry is inferred); a view, no copy. */
    reshape(...shape: number[] | [readonly number[]]): Tensor;
    /** Axes `startAxis` … `endAxis` merged into one. */
    flatten(startAxis?: number, endAxis?: number): Tensor;
    /** Size-1 axes removed (all of them, or those in `axes`). */
    squeeze(axes?: Axes): Tensor;
    /** A size-1 axis inserted at `axis`. */
    unsqueeze(axis: number): Tensor;
    /** Axes reordered: axis i of the result is axis `perm[i]` of this tensor. */
    permute(...perm: number[] | [readonly number[]]): Tensor;
    /** Two axes swapped (default the last two). */
    transpose(axis0?: number, axis1?: number): Tensor;
    /** Broadcast to `shape` (NumPy's rules); the gradient sums over the broadcast axes. */
    broadcastTo(shape: readonly number[]): Tensor;
    /** A slice per axis (`[start, stop, step]`, an index, or null for the whole axis). */
    slice(...specs: SliceSpec[]): Tensor;
    /** The entries at `indices` along `axis` (gathered; the gradient scatters back). */
    take(indices: readonly number[] | Int32Array | Tensor, axis?: number): Tensor;
    /** PyTorch's gather along `axis` (see {@link gather}). */
    gather(axis: number, index: IndexLike): Tensor;
    /** PyTorch's scatter, functional (see {@link scatter}). */
    scatter(axis: number, index: IndexLike, src: TensorLike, options?: ScatterOptions): Tensor;
    /** PyTorch's scatter_add, functional (see {@link scatterAdd}). */
    scatterAdd(axis: number, index: IndexLike, src: TensorLike): Tensor;
    /** PyTorch's index_select: the entries at `index` along `axis` (see {@link indexSelect}). */
    indexSelect(axis: number, index: IndexLike): Tensor;
    /** PyTorch's index_add, functional (see {@link indexAdd}). */
    indexAdd(axis: number, index: IndexLike, source: TensorLike, options?: IndexAddOptions): Tensor;
    /** PyTorch's x[...] with index tensors, slices and masks (see {@link index}). */
    index(...specs: IndexSpec[]): Tensor;
    /** `value` where the 0/1 mask is 1 (see {@link maskedFill}). */
    maskedFill(mask: MaskLike, value: TensorLike): Tensor;
    /** The entries where the 0/1 mask is 1, as a 1-D tensor (see {@link maskedSelect}). */
    maskedSelect(mask: MaskLike): Tensor;
    /** The multi-indices of the nonzero entries, [count, rank], or one list per axis with `asTuple` (see {@link nonzero}). */
    nonzero(options?: NonzeroOptions & { asTuple?: false }): Tensor;
    /** One 1-D tensor of indices per axis (see {@link nonzero}). */
    nonzero(options: NonzeroOptions & { asTuple: true }): Tensor[];
    /** The slices along `axis` (default 0), each without that axis (see {@link unbind}). */
    unbind(axis?: number): Tensor[];
    /** Axes `source` moved to positions `destination`, the others in order (see {@link movedim}). */
    movedim(source: number | readonly number[], destination: number | readonly number[]): Tensor;
    /** The same as {@link movedim} (see {@link moveaxis}). */
    moveaxis(source: number | readonly number[], destination: number | readonly number[]): Tensor;
    /** PyTorch's tile-like repeat: `sizes[i]` copies along axis i, extra sizes add leading axes (see {@link repeat}). */
    repeat(...sizes: number[] | [readonly number[]]): Tensor;
    /** Tiled `reps` times; fewer reps than axes are padded with leading 1s (see {@link tile}). */
    tile(reps: number | readonly number[]): Tensor;
    /** Each entry repeated along `axis` (flattened when omitted; see {@link repeatInterleave}). */
    repeatInterleave(repeats: number | readonly number[] | IntegerTypedArray | Tensor, axis?: number | null): Tensor;
    /** Entries reversed along `axes` (see {@link flip}). */
    flip(axes: number | readonly number[]): Tensor;
    /** Columns reversed (axis 1; see {@link fliplr}). */
    fliplr(): Tensor;
    /** Rows reversed (axis 0; see {@link flipud}). */
    flipud(): Tensor;
    /** Entries shifted cyclically along `axes` (flattened when omitted; see {@link roll}). */
    roll(shifts: number | readonly number[], axes?: number | readonly number[] | null): Tensor;
    /** Matrix transpose of the last two axes. */
    readonly mT: Tensor;
    /** All axes reversed (NumPy's .T). */
    readonly T: Tensor;
    /**
     * Reverse mode: accumulate d(self)/d(leaf) into every leaf's .grad. The
     * options may also come first, as PyTorch's keywords: `y.backward({ retainGraph: true })`.
     */
    backward(gradient?: Tensor | null, opts?: BackwardOptions): void;
    /** Reverse mode with the options only (PyTorch's keyword style). */
    backward(opts: BackwardOptions): void;
    /** The same values without autodiff history: a constant for every later derivative. */
    detach(): Tensor;
    /** Make this tensor a leaf that records operations for `backward()` (or stop, with false). */
    requiresGrad_(flag?: boolean): Tensor;
    /** Forget the accumulated gradient (sets .grad to null). */
    zeroGrad(): void;
  }
}

const P = Tensor.prototype;
const bin = (f: (a: TensorLike, b: TensorLike) => Tensor) => function (this: Tensor, o: TensorLike) { return f(this, o); };
const un = (f: (a: TensorLike) => Tensor) => function (this: Tensor) { return f(this); };
const red = (f: (a: TensorLike, axes?: Axes | ReduceOptions, keepdims?: boolean) => Tensor) =>
  function (this: Tensor, axes?: Axes | ReduceOptions, keepdims?: boolean) { return f(this, axes, keepdims); };
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
  variance(this: Tensor, axes?: Axes | VarianceOptions, keepdims?: boolean, correction?: number) { return ops.variance(this, axes, keepdims, correction); },
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
  take(this: Tensor, indices: readonly number[] | Int32Array | Tensor, axis?: number) { return ops.take(this, indices, axis); },
  gather(this: Tensor, axis: number, index: IndexLike) { return iops.gather(this, axis, index); },
  scatter(this: Tensor, axis: number, index: IndexLike, src: TensorLike, options?: ScatterOptions) { return iops.scatter(this, axis, index, src, options); },
  scatterAdd(this: Tensor, axis: number, index: IndexLike, src: TensorLike) { return iops.scatterAdd(this, axis, index, src); },
  indexSelect(this: Tensor, axis: number, index: IndexLike) { return iops.indexSelect(this, axis, index); },
  indexAdd(this: Tensor, axis: number, index: IndexLike, source: TensorLike, options?: IndexAddOptions) { return iops.indexAdd(this, axis, index, source, options); },
  index(this: Tensor, ...specs: IndexSpec[]) { return iops.index(this, ...specs); },
  maskedFill(this: Tensor, mask: MaskLike, value: TensorLike) { return iops.maskedFill(this, mask, value); },
  maskedSelect(this: Tensor, mask: MaskLike) { return iops.maskedSelect(this, mask); },
  nonzero(this: Tensor, options?: NonzeroOptions) { return iops.nonzero(this, options); },
  asin: un(mops.asin), acos: un(mops.acos), atan: un(mops.atan), sinh: un(mops.sinh), cosh: un(mops.cosh), asinh: un(mops.asinh), acosh: un(mops.acosh), atanh: un(mops.atanh), log1p: un(mops.log1p), expm1: un(mops.expm1), log2: un(mops.log2), log10: un(mops.log10), exp2: un(mops.exp2), erf: un(mops.erf), erfc: un(mops.erfc), erfinv: un(mops.erfinv), lgamma: un(mops.lgamma), digamma: un(mops.digamma), sinc: un(mops.sinc), silu: un(mops.silu), floor: un(mops.floor), ceil: un(mops.ceil), trunc: un(mops.trunc),
  atan2: bin(mops.atan2), hypot: bin(mops.hypot), xlogy: bin(mops.xlogy), fmod: bin(mops.fmod), remainder: bin(mops.remainder),
  softplus(this: Tensor, beta?: number) { return mops.softplus(this, beta); },
  gelu(this: Tensor, options?: GeluOptions | "none" | "tanh") { return mops.gelu(this, options); },
  logit(this: Tensor, eps?: number | null) { return mops.logit(this, eps); },
  polygamma(this: Tensor, n: number) { return mops.polygamma(n, this); },
  backward(this: Tensor, gradient?: Tensor | null | BackwardOptions, opts?: BackwardOptions) { backward(this, gradient, opts); },
  detach(this: Tensor) { return detach(this); },
  requiresGrad_(this: Tensor, flag = true) { return setRequiresGrad(this, flag); },
  zeroGrad(this: Tensor) { this.grad = null; },
});

Object.assign(P, {
  unbind(this: Tensor, axis?: number) { return lops.unbind(this, axis); },
  movedim(this: Tensor, source: number | readonly number[], destination: number | readonly number[]) { return lops.movedim(this, source, destination); },
  moveaxis(this: Tensor, source: number | readonly number[], destination: number | readonly number[]) { return lops.moveaxis(this, source, destination); },
  repeat(this: Tensor, ...sizes: number[] | [readonly number[]]) { return lops.repeat(this, shapeArgs(sizes)); },
  tile(this: Tensor, reps: number | readonly number[]) { return lops.tile(this, reps); },
  repeatInterleave(this: Tensor, repeats: number | readonly number[] | IntegerTypedArray | Tensor, axis?: number | null) { return lops.repeatInterleave(this, repeats, axis); },
  flip(this: Tensor, axes: number | readonly number[]) { return lops.flip(this, axes); },
  fliplr: un(lops.fliplr), flipud: un(lops.flipud),
  roll(this: Tensor, shifts: number | readonly number[], axes?: number | readonly number[] | null) { return lops.roll(this, shifts, axes); },
});

Object.defineProperty(P, "mT", { get(this: Tensor) { return ops.mT(this); }, configurable: true });
Object.defineProperty(P, "T", {
  get(this: Tensor) { return ops.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); },
  configurable: true,
});

Object.assign(P, {
  cumsum(this: Tensor, axis: number) { return sops.cumsum(this, axis); },
  cumprod(this: Tensor, axis: number) { return sops.cumprod(this, axis); },
  cummax(this: Tensor, axis: number) { return sops.cummax(this, axis); },
  cummin(this: Tensor, axis: number) { return sops.cummin(this, axis); },
  logcumsumexp(this: Tensor, axis: number) { return sops.logcumsumexp(this, axis); },
  diff(this: Tensor, options?: DiffOptions) { return sops.diff(this, options); },
  std(this: Tensor, axes?: Axes | VarianceOptions, keepdims?: boolean, correction?: number) { return sops.std(this, axes, keepdims, correction); },
  any: red(sops.any), all: red(sops.all),
  countNonzero(this: Tensor, axes?: Axes) { return sops.countNonzero(this, axes); },
  isnan: un(sops.isnan), isfinite: un(sops.isfinite), isinf: un(sops.isinf), isposinf: un(sops.isposinf), isneginf: un(sops.isneginf),
  logicalNot: un(sops.logicalNot), logicalAnd: bin(sops.logicalAnd), logicalOr: bin(sops.logicalOr), logicalXor: bin(sops.logicalXor),
  round(this: Tensor, options?: RoundOptions) { return mops.round(this, options); },
});

// order statistics (src/ops/sorting.ts)
declare module "../tensor/tensor.js" {
  interface Tensor {
    /** Stable sort along an axis (default −1): `[values, indices]` (see {@link sort}). */
    sort(options?: SortOptions | number): ValuesIndices;
    /** The indices that sort this tensor along an axis (see {@link argsort}). */
    argsort(options?: SortOptions | number): Tensor;
    /** The k largest (or smallest) entries along an axis with their indices (see {@link topk}). */
    topk(k: number, options?: TopkOptions | number): ValuesIndices;
    /** The index of the first maximum along an axis, or the flat index without one (see {@link argmax}). */
    argmax(options?: ArgReduceOptions | number): Tensor;
    /** The index of the first minimum along an axis, or the flat index without one (see {@link argmin}). */
    argmin(options?: ArgReduceOptions | number): Tensor;
    /** The k-th smallest entry (1-based) along an axis with its index (see {@link kthvalue}). */
    kthvalue(k: number, options?: KthvalueOptions | number): ValuesIndices;
    /** The lower median of all entries (see {@link median}). */
    median(options?: { axis?: null; keepdims?: boolean }): Tensor;
    /** The lower median along an axis with its index (see {@link median}). */
    median(options: { axis: number; keepdims?: boolean } | number): ValuesIndices;
    /** The lower median ignoring NaNs, of all entries (see {@link nanmedian}). */
    nanmedian(options?: { axis?: null; keepdims?: boolean }): Tensor;
    /** The lower median ignoring NaNs along an axis with its index (see {@link nanmedian}). */
    nanmedian(options: { axis: number; keepdims?: boolean } | number): ValuesIndices;
    /** The q-th quantiles along an axis or of all entries (see {@link quantile}). */
    quantile(q: number | TensorLike, options?: QuantileOptions | number): Tensor;
    /** The q-th quantiles ignoring NaNs (see {@link nanquantile}). */
    nanquantile(q: number | TensorLike, options?: QuantileOptions | number): Tensor;
  }
}

Object.assign(P, {
  sort(this: Tensor, options?: SortOptions | number) { return ordops.sort(this, options); },
  argsort(this: Tensor, options?: SortOptions | number) { return ordops.argsort(this, options); },
  topk(this: Tensor, k: number, options?: TopkOptions | number) { return ordops.topk(this, k, options); },
  argmax(this: Tensor, options?: ArgReduceOptions | number) { return ordops.argmax(this, options); },
  argmin(this: Tensor, options?: ArgReduceOptions | number) { return ordops.argmin(this, options); },
  kthvalue(this: Tensor, k: number, options?: KthvalueOptions | number) { return ordops.kthvalue(this, k, options); },
  median(this: Tensor, options?: ArgReduceOptions | number) { return ordops.median(this, options as never); },
  nanmedian(this: Tensor, options?: ArgReduceOptions | number) { return ordops.nanmedian(this, options as never); },
  quantile(this: Tensor, q: number | TensorLike, options?: QuantileOptions | number) { return ordops.quantile(this, q, options); },
  nanquantile(this: Tensor, q: number | TensorLike, options?: QuantileOptions | number) { return ordops.nanquantile(this, q, options); },
});
