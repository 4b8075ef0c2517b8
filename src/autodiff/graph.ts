/**
 * Graph export: the autograd graph behind a tensor result, as data
 * (`autogradGraph`), as Graphviz DOT (`toDot`) and as a Mermaid flowchart
 * (`toMermaid`) — for documentation and for debugging "why does my gradient
 * not reach X?".
 *
 * The graph is the tape the reverse pass walks: one node per recorded op
 * (labelled with its primitive and output shapes), one node per leaf that
 * requires grad (where `backward()` accumulates `.grad`), and one node per
 * constant tensor an op consumed (no gradient flows into it). An edge
 * `input → op` means the op read that tensor; an op that reads the same tensor
 * twice (X·X) has two edges from it, in operand order.
 *
 * Determinism: nodes are numbered in a depth-first post-order from the result,
 * visiting inputs in operand order. That order depends only on the program,
 * not on global counters or on how many tensors were made before, so the same
 * function gives the same text in every run (and inputs always get smaller
 * numbers than the ops that read them: the numbering is a topological order).
 */
import { Tensor } from "../tensor/tensor.js";
import { LeafNode, OpNode, type GradNode } from "../tensor/meta.js";
import { fmtShape, type Shape } from "../tensor/shape.js";
import { ArgumentError } from "../errors.js";

/** What a node of an {@link AutogradGraph} stands for: a recorded op, a leaf that requires grad, or a constant. */
export type GraphNodeKind = "op" | "leaf" | "constant";

/** One node of an {@link AutogradGraph}: an op, a leaf or a constant, with its shape and label. */
export interface GraphNode {
  /** `n0`, `n1`, … in post-order (inputs before the ops that read them). */
  readonly id: string;
  /** "op": a recorded op; "leaf": a tensor that requires grad (gradients accumulate here); "constant": no gradient. */
  readonly kind: GraphNodeKind;
  /** The primitive's name for ops ("matmul", "linalg.cholesky", a custom function's name); null otherwise. */
  readonly op: string | null;
  /** The name given in `options.names`, if any. */
  readonly name: string | null;
  /** Output shapes (one per output of a multi-output op; null for an output whose shape is no longer known). */
  readonly shapes: readonly (Shape | null)[];
  /** True for leaves and ops: gradients flow through this node. */
  readonly requiresGrad: boolean;
  /** True for the node that produced the result. */
  readonly isOutput: boolean;
  /** True for an op whose saved inputs were freed by a backward pass without retainGraph (its inputs are unknown). */
  readonly freed: boolean;
  /** A readable label, lines separated by "\n". */
  readonly label: string;
}

/** A tensor flowing from one node of an {@link AutogradGraph} into an operand of another. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** Operand position at the consuming op. */
  readonly input: number;
  /** Which output of the producing node (> 0 only for multi-output ops). */
  readonly output: number;
}

/** The tape behind a result as plain data (nodes in post-order, edges), as drawn by `toDot` / `toMermaid`. */
export interface AutogradGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** Options of `autogradGraph`, `toDot` and `toMermaid`. */
export interface GraphOptions {
  /** Names for tensors (inputs or intermediates), e.g. `{ X, Y }`: they label their nodes. */
  readonly names?: Readonly<Record<string, Tensor>>;
  /** Draw constant inputs (tensors that do not require grad); default true. */
  readonly constants?: boolean;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "Object"})`;
  return `${typeof v} ${String(v)}`;
}

function checkArgs(op: string, result: unknown, options: GraphOptions): Map<Tensor, string> {
  if (!(result instanceof Tensor)) throw new ArgumentError(op, `result must be a Tensor, got ${describe(result)}`);
  if (typeof options !== "object" || options === null) throw new ArgumentError(op, `options must be an object, got ${describe(options)}`);
  const names = new Map<Tensor, string>();
  for (const [k, t] of Object.entries(options.names ?? {})) {
    if (!(t instanceof Tensor)) throw new ArgumentError(op, `options.names.${k} must be a Tensor, got ${describe(t)}`);
    if (!names.has(t)) names.set(t, k);
  }
  return names;
}

/** What a node of the drawing stands for: a tape node, or a constant tensor (which has none). */
type Key = GradNode | Tensor;

function build(op: string, result: unknown, options: GraphOptions): AutogradGraph {
  const names = checkArgs(op, result, options);
  const showConstants = options.constants ?? true;
  const root = result as Tensor;
  const keyOf = (t: Tensor): Key => t._node ?? t;

  // Iterative post-order DFS (chains of thousands of ops must not overflow the stack).
  const order: Key[] = [];
  const seen = new Set<Key>();
  const seenShapes = new Map<Key, (Shape | null)[]>();
  const nameOf = new Map<Key, string>();
  const note = (t: Tensor): Key => {
    const k = keyOf(t);
    let s = seenShapes.get(k);
    if (s === undefined) seenShapes.set(k, (s = []));
    s[t._outIdx] = t.shape;
    const nm = names.get(t);
    if (nm !== undefined && !nameOf.has(k)) nameOf.set(k, nm);
    return k;
  };
  const inputsOf = (k: Key): readonly Tensor[] => (k instanceof OpNode ? (k.inputs ?? []) : []);
  const stack: { key: Key; i: number }[] = [{ key: note(root), i: 0 }];
  seen.add(stack[0].key);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const ins = inputsOf(top.key);
    if (top.i < ins.length) {
      const t = ins[top.i++];
      const k = note(t);
      if (!seen.has(k) && (showConstants || t._node !== null)) {
        seen.add(k);
        stack.push({ key: k, i: 0 });
      }
      continue;
    }
    stack.pop();
    order.push(top.key);
  }

  const id = new Map<Key, string>();
  order.forEach((k, i) => id.set(k, `n${i}`));
  const rootKey = keyOf(root);
  const nodes: GraphNode[] = order.map((k) => {
    const name = nameOf.get(k) ?? null;
    let shapes: (Shape | null)[] = seenShapes.get(k) ?? [];
    if (k instanceof OpNode) {
      const outs = k.out === null ? null : Array.isArray(k.out) ? k.out : [k.out];
      const n = Math.max(k.rule.nOut ?? 1, shapes.length);
      shapes = Array.from({ length: n }, (_, j) => outs?.[j]?.shape ?? shapes[j] ?? null);
      const freed = k.inputs === null;
      const head = name === null ? k.rule.name : `${name} = ${k.rule.name}`;
      const shapeLine = shapes.map((s) => (s === null ? "?" : fmtShape(s))).join(" ");
      const label = `${head}\n${shapeLine}${freed ? "\n(graph freed)" : ""}`;
      return { id: id.get(k)!, kind: "op", op: k.rule.name, name, shapes, requiresGrad: true, isOutput: k === rootKey, freed, label };
    }
    const leaf = k instanceof LeafNode;
    const shape = k instanceof LeafNode ? k.tensor.shape : (k as Tensor).shape;
    shapes = [shape];
    const label = `${name ?? (leaf ? "leaf" : "constant")}\n${fmtShape(shape)}${leaf ? "\nrequires grad" : ""}`;
    return { id: id.get(k)!, kind: leaf ? "leaf" : "constant", op: null, name, shapes, requiresGrad: leaf, isOutput: k === rootKey, freed: false, label };
  });

  const edges: GraphEdge[] = [];
  for (const k of order) {
    if (!(k instanceof OpNode)) continue;
    inputsOf(k).forEach((t, input) => {
      const from = id.get(keyOf(t));
      if (from !== undefined) edges.push({ from, to: id.get(k)!, input, output: t._outIdx });
    });
  }
  return { nodes, edges };
}

/**
 * The autograd graph of `result` as data: nodes (ops, leaves that require
 * grad, constants) in a topological order and edges `input → op`.
 */
export function autogradGraph(result: Tensor, options: GraphOptions = {}): AutogradGraph {
  return build("autogradGraph", result, options);
}

const dotEscape = (s: string): string => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Whether an edge needs its output index drawn: it leaves a multi-output node. */
function multiOut(g: AutogradGraph): Set<string> {
  return new Set(g.nodes.filter((n) => n.shapes.length > 1).map((n) => n.id));
}

/**
 * The autograd graph of `result` in Graphviz DOT: ops as ellipses with their
 * output shapes, leaves that require grad as blue boxes, constants as grey
 * boxes, the result's node with a double border. Render with `dot -Tsvg`.
 */
export function toDot(result: Tensor, options: GraphOptions = {}): string {
  const g = build("toDot", result, options);
  const multi = multiOut(g);
  const lines = ["digraph autograd {", '  node [fontname="Helvetica", fontsize=10];'];
  for (const n of g.nodes) {
    const style =
      n.kind === "op" ? "shape=ellipse" : n.kind === "leaf" ? 'shape=box, style=filled, fillcolor="#dbeafe"' : 'shape=box, style=filled, fillcolor="#eeeeee"';
    lines.push(`  ${n.id} [label="${dotEscape(n.label)}", ${style}${n.isOutput ? ", peripheries=2" : ""}];`);
  }
  for (const e of g.edges) lines.push(`  ${e.from} -> ${e.to}${multi.has(e.from) ? ` [label="${e.output}"]` : ""};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

const mermaidEscape = (s: string): string => s.replace(/"/g, "#quot;").replace(/\n/g, "<br/>");

/**
 * The autograd graph of `result` as a Mermaid flowchart (renders in GitHub
 * markdown): ops as rounded nodes, leaves and constants as boxes with classes
 * `leaf` / `constant`, the result's node with class `output`.
 */
export function toMermaid(result: Tensor, options: GraphOptions = {}): string {
  const g = build("toMermaid", result, options);
  const multi = multiOut(g);
  const lines = ["flowchart TB"];
  for (const n of g.nodes) {
    const text = `"${mermaidEscape(n.label)}"`;
    const shape = n.kind === "op" ? `(${text})` : `[${text}]`;
    lines.push(`  ${n.id}${shape}${n.kind === "op" ? "" : `:::${n.kind}`}`);
  }
  for (const e of g.edges) lines.push(`  ${e.from} -->${multi.has(e.from) ? `|${e.output}|` : ""} ${e.to}`);
  for (const n of g.nodes) if (n.isOutput) lines.push(`  class ${n.id} output`);
  lines.push("  classDef leaf fill:#dbeafe,stroke:#1d4ed8");
  lines.push("  classDef constant fill:#eeeeee,stroke:#888888");
  lines.push("  classDef output stroke-width:3px");
  return lines.join("\n") + "\n";
}
