/**
 * Messages between the page and the worker that runs the user's code. Plain
 * data only (structured clone): tensors travel as { shape, data }.
 */
import type { AutogradGraph } from "matgrad";

export interface RunRequest {
  readonly id: number;
  readonly code: string;
}

export interface TensorView {
  readonly shape: number[];
  readonly data: number[];
}

export interface ErrorInfo {
  /** The error class, e.g. "ShapeError". */
  readonly name: string;
  /** The matgrad op that raised it (MatgradError.op), or null for other errors. */
  readonly op: string | null;
  readonly message: string;
  /** 1-based line / column in the user's code, when the error points into it. */
  readonly line: number | null;
  readonly column: number | null;
}

export interface NamedTensor {
  readonly name: string;
  readonly value: TensorView;
}

export interface GradientBlock extends NamedTensor {
  /** The central-difference gradient and the largest difference, sent only when it differs from autodiff's. */
  readonly numeric: { readonly value: TensorView; readonly maxDiff: number } | null;
}

export interface JacobianBlock extends NamedTensor {
  /** Why the block is not drawn, or how it differs from central differences. */
  readonly note: string | null;
  /** The central-difference Jacobian, sent only when it differs from autodiff's. */
  readonly numeric: TensorView | null;
}

export type Section = "code" | "value" | "gradient" | "jacobian" | "explain" | "gradcheck" | "graph";

export type WorkerMessage =
  | { readonly id: number; readonly kind: "value"; readonly value: TensorView; readonly inputs: NamedTensor[] }
  | { readonly id: number; readonly kind: "gradient"; readonly title: string; readonly grads: GradientBlock[] }
  | { readonly id: number; readonly kind: "jacobian"; readonly hessian: boolean; readonly title: string; readonly blocks: JacobianBlock[] }
  | {
      readonly id: number; readonly kind: "explain"; readonly latex: string; readonly text: string;
      readonly verified: boolean; readonly notes: string[];
    }
  | {
      readonly id: number; readonly kind: "gradcheck"; readonly ok: boolean; readonly report: string;
      readonly diagnosis: string[];
    }
  | { readonly id: number; readonly kind: "graph"; readonly graph: AutogradGraph; readonly dot: string; readonly mermaid: string }
  | { readonly id: number; readonly kind: "error"; readonly section: Section; readonly error: ErrorInfo }
  | { readonly id: number; readonly kind: "started" }
  | { readonly id: number; readonly kind: "done"; readonly ms: number };
