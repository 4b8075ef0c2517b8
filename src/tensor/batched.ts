/**
 * Batched tensors: what a function under `vmap` sees. A batched tensor is a
 * Tensor whose `shape` is the *logical* one (one example) and which has no
 * values of its own: it stands for a slice of a physical tensor (`_bt.value`,
 * batch axis first) at one vmap level. Every op reaches it through the
 * dispatcher, which hands the physical tensors to the primitive's batching
 * rule (src/ops/batching.ts) and wraps the results again — so the user's code
 * is written for one example and runs once for the whole batch.
 *
 * Reading the values of a batched tensor (`.data`, `item()`, `toArray()`, a
 * kernel on `_data`) is refused with a BatchingError: they differ across the
 * batch, so code that branches on them cannot be batched (JAX raises a
 * concretization error there, functorch a data-dependent-control-flow error).
 */
import { Tensor, PRIVATE } from "./tensor.js";
import { isBatchLevelLive, type BatchLink } from "./meta.js";
import { fmtShape, shapesEqual, sizeOf, type Shape } from "./shape.js";
import { BatchingError } from "../errors.js";

function readError(t: Tensor): BatchingError {
  const bt = t._bt!;
  const escaped = !isBatchLevelLive(bt.level);
  if (escaped) return escapedError(t);
  return new BatchingError(
    "vmap",
    `the function read the values of a batched tensor (logical shape ${fmtShape(t.shape)}, batch of ${bt.size}) — ` +
      `through .data, item(), toArray(), toString() or an op whose result depends on values (e.g. an index tensor) — ` +
      `but under vmap its values differ from example to example. Write the computation with ops (where(c, a, b) instead of an if on values), ` +
      `pass the values as an unmapped argument (inAxes null), or read them outside vmap`,
  );
}

/** The error for a batched tensor used after its vmap returned (stored in a closure or returned inside a static structure). */
export function escapedError(t: Tensor): BatchingError {
  return new BatchingError(
    "vmap",
    `a batched tensor (logical shape ${fmtShape(t.shape)}) escaped the vmap that made it: it was stored outside the function ` +
      `(a closure, a global) and used after vmap returned. Return it from the function instead; vmap stacks it along outAxes`,
  );
}

/**
 * The prototype of batched tensors: Tensor's, with `_data` refusing reads and
 * `size`, `_alias` and printing computed from the logical shape.
 */
const batchedProto: Tensor = Object.create(Tensor.prototype) as Tensor;
Object.defineProperty(batchedProto, "_data", {
  get(this: Tensor): Float64Array {
    throw readError(this);
  },
  set(): void {
    throw new BatchingError("vmap", "a batched tensor has no values of its own to replace");
  },
  configurable: false,
});
Object.defineProperty(batchedProto, "size", {
  get(this: Tensor): number {
    return sizeOf(this.shape);
  },
});
Object.defineProperty(batchedProto, "_alias", {
  value(this: Tensor, shape: Shape = this.shape): Tensor {
    const bt = this._bt!;
    if (!shapesEqual(shape, this.shape)) throw new BatchingError("vmap", `internal: a batched tensor aliased to another shape (${fmtShape(this.shape)} → ${fmtShape(shape)})`);
    return makeBatched(bt.value, bt.level, bt.size);
  },
});
Object.defineProperty(batchedProto, "toString", {
  value(this: Tensor): string {
    const bt = this._bt!;
    if (!isBatchLevelLive(bt.level)) throw escapedError(this);
    return `BatchedTensor(level=${bt.level}, batch=${bt.size}, shape=${fmtShape(this.shape)})`;
  },
});
Object.defineProperty(batchedProto, Symbol.for("nodejs.util.inspect.custom"), {
  value(this: Tensor): string {
    return this.toString();
  },
});

/**
 * The logical tensor standing for `value` (batch axis first, `size` entries)
 * at vmap `level`. Fields are assigned in Tensor's declaration order (so all
 * batched tensors share one hidden class).
 */
export function makeBatched(value: Tensor, level: number, size: number): Tensor {
  const t = Object.create(batchedProto) as Tensor;
  (t as { shape: Shape }).shape = value.shape.slice(1);
  t._x = PRIVATE;
  t._ex = null;
  t._node = null;
  t._outIdx = 0;
  t._fw = null;
  t._bt = { level, value, size } satisfies BatchLink;
  t.grad = null;
  return t;
}

/** The physical tensor behind t at `level` (batch axis first), or null when t is not batched there. */
export function physicalAt(t: Tensor, level: number): Tensor | null {
  const bt = t._bt;
  return bt !== null && bt.level === level ? bt.value : null;
}
