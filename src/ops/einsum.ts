/**
 * Contractions: einsum, tensordot, cross.
 *
 * einsum is a composite of differentiable primitives (diagonal, sum, permute,
 * reshape, matmul), so it needs no rule of its own and derivatives of any
 * order follow. Every pairwise contraction is lowered to ONE batched GEMM:
 *
 *   A[batch, freeA, con] · B[batch, con, freeB] → C[batch, freeA, freeB]
 *
 * with the label groups flattened by reshape (a view); an outer product (no
 * contracted index) is the broadcast product [batch, m, 1] · [batch, 1, n], whose
 * work is the output's size. There is never an elementwise loop over the full
 * index space.
 */
import { Tensor } from "../tensor/tensor.js";
import { tensorArg } from "../tensor/create.js";
import { broadcastShapes, fmtShape, normAxis } from "../tensor/shape.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { describe } from "../validate.js";
import {
  broadcastTo, diagonal, matmulT, mul, permute, reshape, sub, sum, take, type TensorLike,
} from "./api.js";

/** An operand during the contraction: a tensor and one label per axis (a letter, or "…k" for ellipsis axis k). */
interface Term {
  t: Tensor;
  labels: string[];
}

const LETTER = /^[a-zA-Z]$/;

/** The subscripts of one term: its labels and where its ellipsis is (−1: none). */
function parseTerm(op: string, term: string, where: string): { letters: string[]; ellipsisAt: number } {
  const letters: string[] = [];
  let ellipsisAt = -1;
  for (let i = 0; i < term.length; i++) {
    const c = term[i];
    if (c === ".") {
      if (term.slice(i, i + 3) !== "...")
        throw new ArgumentError(op, `${where} "${term}" has a "." that is not part of an ellipsis "..."`);
      if (ellipsisAt >= 0) throw new ArgumentError(op, `${where} "${term}" has more than one ellipsis "..."`);
      ellipsisAt = letters.length;
      i += 2;
    } else if (LETTER.test(c)) {
      letters.push(c);
    } else {
      throw new ArgumentError(op, `${where} "${term}" has the character "${c}"; subscripts are letters a–z, A–Z and "..."`);
    }
  }
  return { letters, ellipsisAt };
}

/** Labels of an operand term with `e` ellipsis axes (the last e of the broadcast ellipsis of length E). */
function expandLabels(letters: string[], ellipsisAt: number, e: number, E: number): string[] {
  if (ellipsisAt < 0) return letters.slice();
  const ell = Array.from({ length: e }, (_, k) => `…${E - e + k}`);
  return [...letters.slice(0, ellipsisAt), ...ell, ...letters.slice(ellipsisAt)];
}

/**
 * Einstein summation, as numpy.einsum / torch.einsum.
 *
 * `einsum("ij,jk->ik", A, B)` is A·B; without `->` the output holds the
 * letters that appear exactly once, in alphabetical (ASCII) order, after the
 * ellipsis axes. A letter repeated within one operand takes the diagonal
 * ("ii->i") or the trace ("ii"). `...` stands for broadcast leading axes; an
 * explicit output without `...` sums them (as PyTorch). Letters bound to one
 * size must agree exactly; ellipsis axes broadcast (size 1 against n).
 * Three or more operands are contracted pairwise in opt_einsum's greedy order.
 */
export function einsum(equation: string, ...operands: TensorLike[]): Tensor {
  const op = "einsum";
  if (typeof equation !== "string")
    throw new ArgumentError(op, `argument equation must be a string such as "ij,jk->ik"; got ${describe(equation)}`);
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.indexOf("->");
  if (arrow >= 0 && eq.indexOf("->", arrow + 2) >= 0) throw new ArgumentError(op, `equation "${equation}" has more than one "->"`);
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const rhs = arrow >= 0 ? eq.slice(arrow + 2) : null;
  const inTerms = lhs.split(",");
  if (inTerms.length !== operands.length)
    throw new ArgumentError(op, `equation "${equation}" has ${inTerms.length} input term${inTerms.length === 1 ? "" : "s"} but ${operands.length} operand${operands.length === 1 ? " was" : "s were"} given`);
  const ts = operands.map((x, i) => tensorArg(x, op, `operands[${i}]`));
  const parsed = inTerms.map((term, i) => parseTerm(op, term, `input term ${i}`));

  // the ellipsis: how many axes each operand's "..." covers, and the broadcast length E
  const ellLen = parsed.map((p, i) => {
    const n = ts[i].ndim, k = p.letters.length;
    if (p.ellipsisAt < 0 ? n !== k : n < k)
      throw new ShapeError(op, `input term ${i} "${inTerms[i]}" has ${k} subscript${k === 1 ? "" : "s"}${p.ellipsisAt >= 0 ? " and an ellipsis" : ""} but operands[${i}] has shape ${fmtShape(ts[i].shape)} (rank ${n})`);
    return p.ellipsisAt < 0 ? 0 : n - k;
  });
  const E = Math.max(0, ...ellLen);
  const terms: Term[] = parsed.map((p, i) => ({ t: ts[i], labels: expandLabels(p.letters, p.ellipsisAt, ellLen[i], E) }));

  // sizes: a letter's size must agree everywhere; ellipsis axes broadcast
  const size = new Map<string, number>();
  const seenAt = new Map<string, string>();
  terms.forEach((term, i) => term.labels.forEach((l, ax) => {
    const d = term.t.shape[ax];
    const prev = size.get(l);
    if (l.startsWith("…")) {
      if (prev === undefined || prev === 1) size.set(l, d);
      else if (d !== 1 && d !== prev)
        throw new ShapeError(op, `the ellipsis axes of operands[${i}] (shape ${fmtShape(term.t.shape)}) do not broadcast with ${seenAt.get(l)}: ${d} ≠ ${prev}`);
      if (prev === undefined || prev === 1) seenAt.set(l, `operands[${i}] (shape ${fmtShape(term.t.shape)})`);
    } else if (prev === undefined) {
      size.set(l, d);
      seenAt.set(l, `operands[${i}] axis ${ax}`);
    } else if (prev !== d) {
      throw new ShapeError(op, `index "${l}" has size ${d} in operands[${i}] axis ${ax} (shape ${fmtShape(term.t.shape)}) but size ${prev} in ${seenAt.get(l)}`);
    }
  }));

  // the output labels
  const ellLabels = Array.from({ length: E }, (_, k) => `…${k}`);
  let out: string[];
  if (rhs === null) {
    const count = new Map<string, number>();
    for (const p of parsed) for (const l of p.letters) count.set(l, (count.get(l) ?? 0) + 1);
    const once = [...count].filter(([, c]) => c === 1).map(([l]) => l).sort();
    out = [...ellLabels, ...once];
  } else {
    const p = parseTerm(op, rhs, "output term");
    const seen = new Set<string>();
    for (const l of p.letters) {
      if (seen.has(l)) throw new ArgumentError(op, `output term "${rhs}" repeats the index "${l}"`);
      seen.add(l);
      if (!size.has(l)) throw new ArgumentError(op, `output index "${l}" in "${rhs}" does not appear in any input term of "${equation}"`);
    }
    out = expandLabels(p.letters, p.ellipsisAt, E, E);
  }
  return contractTerms(terms, out, size);
}

/**
 * Contract labelled operands into the labels `out`. Shared by einsum and
 * tensordot; labels are validated and sizes consistent.
 */
function contractTerms(terms: Term[], out: string[], size: Map<string, number>): Tensor {
  // 1. per operand: drop broadcast (size-1 vs n) ellipsis axes, take diagonals of repeated labels
  let work = terms.map((term) => prepare(term, size));
  // 2. sum labels that appear in one operand only and not in the output
  const outSet = new Set(out);
  work = work.map((term, i) => {
    const needed = (l: string): boolean => outSet.has(l) || work.some((o, j) => j !== i && o.labels.includes(l));
    return sumUnneeded(term, needed);
  });
  // 3. pairwise contractions in opt_einsum's greedy order
  while (work.length > 1) {
    const [i, j] = greedyPair(work, outSet, size);
    const rest = work.filter((_, k) => k !== i && k !== j);
    const keep = (l: string): boolean => outSet.has(l) || rest.some((o) => o.labels.includes(l));
    const c = contractPair(work[i], work[j], keep, size);
    work = [...rest, c];
  }
  // 4. the output order; a label dropped as a broadcast size-1 axis everywhere comes back as size 1
  let last = sumUnneeded(work[0], (l) => outSet.has(l));
  const present = out.filter((l) => last.labels.includes(l));
  if (present.length !== last.labels.length || present.some((l, k) => l !== last.labels[k]))
    last = { t: permute(last.t, present.map((l) => last.labels.indexOf(l))), labels: present };
  const shape = out.map((l) => (last.labels.includes(l) ? last.t.shape[last.labels.indexOf(l)] : 1));
  return shape.length === last.t.ndim ? last.t : reshape(last.t, shape);
}

/** Broadcast size-1 ellipsis axes dropped (the operand is constant along them) and repeated labels reduced to their diagonal. */
function prepare(term: Term, size: Map<string, number>): Term {
  let { t, labels } = term;
  const drop = labels.map((l, ax) => l.startsWith("…") && t.shape[ax] === 1 && size.get(l) !== 1);
  if (drop.some((d) => d)) {
    labels = labels.filter((_, ax) => !drop[ax]);
    t = reshape(t, t.shape.filter((_, ax) => !drop[ax]));
  }
  for (;;) {
    const dup = labels.findIndex((l, ax) => labels.indexOf(l) !== ax);
    if (dup < 0) break;
    const first = labels.indexOf(labels[dup]);
    // move the two axes last; diagonal() replaces them by one last axis (x[..., i, i])
    const others = labels.map((_, ax) => ax).filter((ax) => ax !== first && ax !== dup);
    t = diagonal(permute(t, [...others, first, dup]));
    labels = [...others.map((ax) => labels[ax]), labels[dup]];
  }
  return { t, labels };
}

function sumUnneeded(term: Term, needed: (l: string) => boolean): Term {
  const axes = term.labels.flatMap((l, ax) => (needed(l) ? [] : [ax]));
  if (axes.length === 0) return term;
  return { t: sum(term.t, axes), labels: term.labels.filter((l) => needed(l)) };
}

const sizeOfLabels = (labels: Iterable<string>, size: Map<string, number>): number => {
  let s = 1;
  for (const l of labels) s *= size.get(l) as number;
  return s;
};

/**
 * opt_einsum's greedy choice: among the pairs sharing a label (all pairs when
 * none does), the one whose contraction removes the most memory,
 * size(result) − size(a) − size(b); ties go to the smaller result, then the earlier pair.
 */
function greedyPair(work: Term[], outSet: Set<string>, size: Map<string, number>): [number, number] {
  const sizes = work.map((w) => sizeOfLabels(w.labels, size));
  let best: [number, number] = [0, 1];
  let bestCost = Infinity, bestOut = Infinity;
  const anyShared = work.some((a, i) => work.some((b, j) => j > i && a.labels.some((l) => b.labels.includes(l))));
  for (let i = 0; i < work.length; i++) {
    for (let j = i + 1; j < work.length; j++) {
      const a = work[i].labels, b = work[j].labels;
      if (anyShared && !a.some((l) => b.includes(l))) continue;
      const keep = new Set([...a, ...b].filter((l) => outSet.has(l) || work.some((o, k) => k !== i && k !== j && o.labels.includes(l))));
      const outSize = sizeOfLabels(keep, size);
      const cost = outSize - sizes[i] - sizes[j];
      if (cost < bestCost || (cost === bestCost && outSize < bestOut)) {
        best = [i, j];
        bestCost = cost;
        bestOut = outSize;
      }
    }
  }
  return best;
}

const sameOrder = (a: string[], b: string[]): boolean => a.length === b.length && a.every((l, k) => l === b[k]);

/**
 * One pairwise contraction as one batched GEMM. batch: in both and kept;
 * con: in both and not kept (summed by the GEMM); freeA / freeB: in one only.
 * An operand already laid out as [batch, con, free] (or [batch, free, con]) is
 * passed with the GEMM's transpose flag instead of being permuted.
 */
function contractPair(A: Term, B: Term, keep: (l: string) => boolean, size: Map<string, number>): Term {
  A = sumUnneeded(A, (l) => keep(l) || B.labels.includes(l));
  B = sumUnneeded(B, (l) => keep(l) || A.labels.includes(l));
  const inB = new Set(B.labels), inA = new Set(A.labels);
  const batch = A.labels.filter((l) => inB.has(l) && keep(l));
  const freeA = A.labels.filter((l) => !inB.has(l));
  const freeB = B.labels.filter((l) => !inA.has(l));
  // the contracted labels in A's order, or in B's when A must be permuted anyway and B need not be
  let con = A.labels.filter((l) => inB.has(l) && !keep(l));
  const aFits = (c: string[]): boolean => sameOrder(A.labels, [...batch, ...freeA, ...c]) || sameOrder(A.labels, [...batch, ...c, ...freeA]);
  const conB = B.labels.filter((l) => inA.has(l) && !keep(l));
  const batchB = B.labels.filter((l) => batch.includes(l));
  if (!aFits(con) && sameOrder(batch, batchB) && (sameOrder(B.labels, [...batch, ...conB, ...freeB]) || sameOrder(B.labels, [...batch, ...freeB, ...conB]))) con = conB;

  const nb = sizeOfLabels(batch, size), m = sizeOfLabels(freeA, size), k = sizeOfLabels(con, size), n = sizeOfLabels(freeB, size);
  const lead = batch.length > 0 ? [nb] : [];
  const layout = (T: Term, first: string[], second: string[], r0: number, r1: number): [Tensor, boolean] => {
    // [batch, first, second] as is, or [batch, second, first] with the transpose flag, or a permuted copy
    if (sameOrder(T.labels, [...batch, ...first, ...second])) return [reshape(T.t, [...lead, r0, r1]), false];
    if (sameOrder(T.labels, [...batch, ...second, ...first])) return [reshape(T.t, [...lead, r1, r0]), true];
    const perm = [...batch, ...first, ...second].map((l) => T.labels.indexOf(l));
    return [reshape(permute(T.t, perm), [...lead, r0, r1]), false];
  };
  const [a, ta] = layout(A, freeA, con, m, k);
  const [b, tb] = layout(B, con, freeB, k, n);
  // nothing contracted: a (batched) outer product, an elementwise product over the output — the GEMM would run with an inner size of 1
  const c = con.length === 0 ? mul(a, b) : matmulT(a, b, ta, tb);
  const labels = [...batch, ...freeA, ...freeB];
  return { t: reshape(c, labels.map((l) => size.get(l) as number)), labels };
}

/** The axes argument of tensordot: a count N, or [axesA, axesB] (each an axis or a list of axes). */
export type TensordotAxes = number | readonly [number | readonly number[], number | readonly number[]];

/**
 * Σ over paired axes of a and b, as numpy.tensordot / torch.tensordot: with
 * `axes = N` the last N axes of a against the first N of b (default 2); with
 * `[axesA, axesB]` the listed axes pairwise. The result has a's free axes
 * then b's, and is one GEMM.
 */
export function tensordot(a: TensorLike, b: TensorLike, axes: TensordotAxes = 2): Tensor {
  const op = "tensordot";
  const A = tensorArg(a, op, "a"), B = tensorArg(b, op, "b");
  let axA: number[], axB: number[];
  if (typeof axes === "number") {
    if (!Number.isInteger(axes) || axes < 0 || axes > A.ndim || axes > B.ndim)
      throw new ArgumentError(op, `argument axes ${describe(axes).replace("the number ", "")} must be an integer in [0, ${Math.min(A.ndim, B.ndim)}] for a of shape ${fmtShape(A.shape)} and b of shape ${fmtShape(B.shape)}`);
    axA = Array.from({ length: axes }, (_, i) => A.ndim - axes + i);
    axB = Array.from({ length: axes }, (_, i) => i);
  } else {
    if (!Array.isArray(axes) || axes.length !== 2)
      throw new ArgumentError(op, `argument axes must be a number or a pair [axesA, axesB]; got ${describe(axes)}`);
    const list = (v: unknown, name: string, t: Tensor): number[] => {
      const xs = typeof v === "number" ? [v] : Array.isArray(v) ? (v as unknown[]) : null;
      if (xs === null || xs.some((x) => typeof x !== "number"))
        throw new ArgumentError(op, `${name} must be an axis or a list of axes; got ${describe(v)}`);
      const n = (xs as number[]).map((x) => normAxis(op, x, t.ndim));
      if (new Set(n).size !== n.length) throw new ArgumentError(op, `${name} ${fmtShape(xs as number[])} repeats an axis`);
      return n;
    };
    axA = list(axes[0], "axes[0]", A);
    axB = list(axes[1], "axes[1]", B);
    if (axA.length !== axB.length)
      throw new ArgumentError(op, `axes[0] ${fmtShape(axA)} and axes[1] ${fmtShape(axB)} have different lengths`);
  }
  axA.forEach((x, i) => {
    if (A.shape[x] !== B.shape[axB[i]])
      throw new ShapeError(op, `axis ${x} of a (shape ${fmtShape(A.shape)}) has size ${A.shape[x]} but axis ${axB[i]} of b (shape ${fmtShape(B.shape)}) has size ${B.shape[axB[i]]}`);
  });
  const size = new Map<string, number>();
  const la = A.shape.map((d, i) => { const l = `a${i}`; size.set(l, d); return l; });
  const lb = B.shape.map((d, i) => { const l = `b${i}`; size.set(l, d); return l; });
  axB.forEach((x, i) => { lb[x] = la[axA[i]]; });
  const out = [...la.filter((_, i) => !axA.includes(i)), ...lb.filter((_, i) => !axB.includes(i))];
  return contractTerms([{ t: A, labels: la }, { t: B, labels: lb }], out, size);
}

const ROT1 = [1, 2, 0], ROT2 = [2, 0, 1];

/**
 * The cross product along `axis` (size 3; default the last), broadcasting,
 * as torch.linalg.cross: (a × b)ᵢ = a_{i+1} b_{i+2} − a_{i+2} b_{i+1} (indices mod 3).
 */
export function cross(a: TensorLike, b: TensorLike, axis = -1): Tensor {
  const op = "cross";
  const A = tensorArg(a, op, "a"), B = tensorArg(b, op, "b");
  const shape = broadcastShapes(op, A.shape, B.shape);
  if (shape.length === 0) throw new ShapeError(op, `needs vectors of size 3, got shapes ${fmtShape(A.shape)} and ${fmtShape(B.shape)}`);
  const ax = normAxis(op, axis, shape.length);
  const dA = A.shape[ax - shape.length + A.ndim], dB = B.shape[ax - shape.length + B.ndim];
  if (dA !== 3 || dB !== 3)
    throw new ShapeError(op, `axis ${axis} must have size 3 in both operands; a has shape ${fmtShape(A.shape)}, b has shape ${fmtShape(B.shape)}`);
  const Ab = broadcastTo(A, shape), Bb = broadcastTo(B, shape);
  return sub(mul(take(Ab, ROT1, ax), take(Bb, ROT2, ax)), mul(take(Ab, ROT2, ax), take(Bb, ROT1, ax)));
}
