/**
 * The kernel backend: the one seam through which faster implementations
 * (WASM SIMD, worker threads, native BLAS) replace the portable TypeScript
 * kernels without touching the differentiable ops. Ops call `backend().gemm(...)`
 * rather than importing a kernel directly for the operations a backend may accelerate.
 */
import { gemm as gemmPortable } from "./gemm.js";

export type GemmFn = typeof gemmPortable;

export interface Backend {
  /** Human-readable name, e.g. "js", "wasm-simd", "native-openblas". */
  readonly name: string;
  gemm: GemmFn;
}

export const portableBackend: Backend = { name: "js", gemm: gemmPortable };

let current: Backend = portableBackend;

/** The backend in use. */
export function backend(): Backend {
  return current;
}

/** Replace the active backend (returns the previous one). */
export function setBackend(b: Backend): Backend {
  const prev = current;
  current = b;
  return prev;
}
