/**
 * Typed errors. Every error names the op that raised it; numerical failures
 * carry the numbers that matter (pivot, condition estimate, residual, iterations).
 *
 * Each class states its own name (`static { Object.defineProperty(this, "name", …) }`):
 * a minifier renames classes (the browser module, a user's bundle), and
 * `e.name` / `ShapeError.name` must still read "ShapeError", not "P". The
 * property keeps the built-in attributes (non-writable, non-enumerable), so
 * Node prints `[class ShapeError extends MatgradError]`; `instanceof` is
 * untouched. A user's subclass has its own `name` (the class's), which
 * `new.target.name` picks up.
 */

export class MatgradError extends Error {
  static {
    Object.defineProperty(this, "name", { value: "MatgradError" });
  }
  /** The op (or function) that raised the error, e.g. "matmul" or "linalg.cholesky". */
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = new.target.name;
    this.op = op;
  }
}

/** Operand shapes are incompatible. */
export class ShapeError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "ShapeError" });
  }
}

/** An argument is invalid (bad axis, bad option, non-integer where an integer is needed). */
export class ArgumentError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "ArgumentError" });
  }
}

/** Misuse of the autograd engine (backward without cotangent, freed graph, …). */
export class AutogradError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "AutogradError" });
  }
}

/** A matrix is singular (or singular to working precision). */
export class SingularMatrixError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "SingularMatrixError" });
  }
  constructor(
    op: string,
    message: string,
    /** Reciprocal condition number estimate, when known (0 for exactly singular). */
    readonly rcond?: number,
    /** Index of the zero pivot, when known. */
    readonly pivot?: number,
  ) {
    super(op, message);
  }
}

/** Cholesky (or another SPD-only op) met a non-positive pivot. */
export class NotPositiveDefiniteError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "NotPositiveDefiniteError" });
  }
  constructor(
    op: string,
    message: string,
    /** Index of the failing pivot (0-based) and the value found there. */
    readonly pivot: number,
    readonly pivotValue: number,
  ) {
    super(op, message);
  }
}

/** An iterative method did not reach its tolerance. */
export class ConvergenceError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "ConvergenceError" });
  }
  constructor(
    op: string,
    message: string,
    readonly residual: number,
    readonly iterations: number,
    readonly tolerance?: number,
  ) {
    super(op, message);
  }
}

/** Input outside the domain of a function (e.g. logm of a matrix with a negative eigenvalue). */
export class DomainError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "DomainError" });
  }
}

/**
 * A derivative does not exist or is unbounded at this input, e.g. eigenvector
 * gradients at a degenerate spectrum for a loss that is not gauge invariant.
 */
export class NonDifferentiableError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "NonDifferentiableError" });
  }
}

/**
 * The environment lacks a capability the call needs, e.g. worker threads in a
 * browser page that is not cross-origin isolated (no SharedArrayBuffer). The
 * message says what is missing and how to provide it.
 */
export class EnvironmentError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "EnvironmentError" });
  }
}

/**
 * Bytes or text handed to a reader (`load`, `fromNpy`, `fromJSON`) are not a
 * valid file of that format: wrong magic, unsupported version, a malformed
 * header, offsets outside the buffer, a shape that does not match the data.
 * The message names the reader and what is wrong.
 */
export class FormatError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "FormatError" });
  }
}

/**
 * A function under `vmap` did something that cannot be batched: it read the
 * values of a batched tensor (`.data`, `item()`, a value-dependent branch),
 * a batched tensor escaped the vmap that made it, or a random creation
 * function ran with `randomness: "error"`. The message says which and what to do.
 */
export class BatchingError extends MatgradError {
  static {
    Object.defineProperty(this, "name", { value: "BatchingError" });
  }
}
