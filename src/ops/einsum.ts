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
import { broadcastShapes, fmtShape, normAxis, shapesEqual, type Shape } from "../tensor/shape.js";
import type { Rule } from "../tensor/meta.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { describe } from "../validate.js";
import type { TensorLike } from "./api.js";
import { apply } from "./dispatch.js";
import { rules } from "./registry.js";

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

/** "operands[i]" for the common operand counts, made once (argument names of tensorArg's errors). */
const OPERAND_NAMES = Array.from({ length: 8 }, (_, i) => `operands[${i}]`);

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
 *
 * The plan (parsing, checks, contraction order, layouts) depends only on the
 * equation and the operand shapes and is cached (see `planCache`), so a
 * repeated call costs a lookup plus the primitives themselves — the same ones
 * a hand-written matmul / permute program runs, hence the same derivatives.
 */
export function einsum(equation: string, ...operands: TensorLike[]): Tensor {
  if (typeof equation !== "string")
    throw new ArgumentError("einsum", `argument equation must be a string such as "ij,jk->ik"; got ${describe(equation)}`);
  // the rest array is this call's own: the operands are converted (and checked) in place, and no
  // argument name is formatted unless it is needed
  for (let i = 0; i < operands.length; i++) operands[i] = tensorArg(operands[i], "einsum", OPERAND_NAMES[i] ?? `operands[${i}]`);
  const ts = operands as Tensor[];
  let plan = planCache.get(equation, ts);
  if (plan === null) {
    plan = planEinsum(equation, ts);
    planCache.set(equation, ts, plan);
  }
  return runPlan(plan, ts);
}

/** Parse and check an einsum call, and plan its contraction (throws the typed errors). */
function planEinsum(equation: string, ts: Tensor[]): Plan {
  const op = "einsum";
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.indexOf("->");
  if (arrow >= 0 && eq.indexOf("->", arrow + 2) >= 0) throw new ArgumentError(op, `equation "${equation}" has more than one "->"`);
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const rhs = arrow >= 0 ? eq.slice(arrow + 2) : null;
  const inTerms = lhs.split(",");
  if (inTerms.length !== ts.length)
    throw new ArgumentError(op, `equation "${equation}" has ${inTerms.length} input term${inTerms.length === 1 ? "" : "s"} but ${ts.length} operand${ts.length === 1 ? " was" : "s were"} given`);
  const parsed = inTerms.map((term, i) => parseTerm(op, term, `input term ${i}`));

  // the ellipsis: how many axes each operand's "..." covers, and the broadcast length E
  const ellLen = parsed.map((p, i) => {
    const n = ts[i].ndim, k = p.letters.length;
    if (p.ellipsisAt < 0 ? n !== k : n < k)
      throw new ShapeError(op, `input term ${i} "${inTerms[i]}" has ${k} subscript${k === 1 ? "" : "s"}${p.ellipsisAt >= 0 ? " and an ellipsis" : ""} but operands[${i}] has shape ${fmtShape(ts[i].shape)} (rank ${n})`);
    return p.ellipsisAt < 0 ? 0 : n - k;
  });
  const E = Math.max(0, ...ellLen);
  const terms: Term[] = parsed.map((p, i) => ({ reg: i, shape: ts[i].shape, labels: expandLabels(p.letters, p.ellipsisAt, ellLen[i], E) }));

  // sizes: a letter's size must agree everywhere; ellipsis axes broadcast
  const size = new Map<string, number>();
  const seenAt = new Map<string, string>();
  terms.forEach((term, i) => term.labels.forEach((l, ax) => {
    const d = term.shape[ax];
    const prev = size.get(l);
    if (l.startsWith("…")) {
      if (prev === undefined || prev === 1) size.set(l, d);
      else if (d !== 1 && d !== prev)
        throw new ShapeError(op, `the ellipsis axes of operands[${i}] (shape ${fmtShape(term.shape)}) do not broadcast with ${seenAt.get(l)}: ${d} ≠ ${prev}`);
      if (prev === undefined || prev === 1) seenAt.set(l, `operands[${i}] (shape ${fmtShape(term.shape)})`);
    } else if (prev === undefined) {
      size.set(l, d);
      seenAt.set(l, `operands[${i}] axis ${ax}`);
    } else if (prev !== d) {
      throw new ShapeError(op, `index "${l}" has size ${d} in operands[${i}] axis ${ax} (shape ${fmtShape(term.shape)}) but size ${prev} in ${seenAt.get(l)}`);
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
  return planContraction(terms, out, size);
}

// ---------------------------------------------------------------------------
// Plans: the primitives of one contraction, decided once per (equation, shapes)

/**
 * One primitive of a plan: `rule` applied to registers x (and y when ≥ 0) with
 * fixed params; its output is the next register. Registers 0…n−1 hold the
 * operands. The params objects are shared by every run of the plan (the rules
 * only read them, as the shared GEMM-flag objects of matmulT).
 */
interface Step {
  rule: Rule<unknown>;
  x: number;
  y: number;
  params: unknown;
}

/** A contraction program: run `steps` in order; the result is register `out`. */
interface Plan {
  steps: Step[];
  out: number;
}

/** An operand while planning: its register, shape, and one label per axis (a letter, or "…k" for ellipsis axis k). */
interface Term {
  reg: number;
  shape: Shape;
  labels: string[];
}

/** Run a plan on its operands: one `apply` per step, nothing else (no parsing, no closures). */
function runPlan(plan: Plan, operands: Tensor[]): Tensor {
  const steps = plan.steps;
  if (plan.out < operands.length) return operands[plan.out]; // nothing to do ("ij->ij")
  if (steps.length === 1) {
    // one primitive on the operands (a matmul, a transpose, a trace): no register file
    const s = steps[0];
    return apply(s.rule, s.y < 0 ? [operands[s.x]] : [operands[s.x], operands[s.y]], s.params);
  }
  const regs = operands.slice();
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    regs.push(apply(s.rule, s.y < 0 ? [regs[s.x]] : [regs[s.x], regs[s.y]], s.params));
  }
  return regs[plan.out];
}

/**
 * Records the primitives of a plan while computing the shapes symbolically.
 * Each method mirrors the public op it replaces (reshape, permute, diagonal,
 * sum, matmulT, mul) including its no-op shortcuts: an unchanged shape or an
 * identity permutation records nothing.
 */
class PlanBuilder {
  readonly steps: Step[] = [];
  private next: number;
  constructor(nOperands: number) {
    this.next = nOperands;
  }
  private emit<P>(rule: Rule<P>, x: number, y: number, params: P): number {
    this.steps.push({ rule: rule as Rule<unknown>, x, y, params });
    return this.next++;
  }
  reshape(t: Term, shape: number[], labels: string[] = t.labels): Term {
    if (shapesEqual(shape, t.shape)) return { reg: t.reg, shape: t.shape, labels };
    return { reg: this.emit(rules.reshape, t.reg, -1, { shape }), shape, labels };
  }
  permute(t: Term, perm: number[]): Term {
    const labels = perm.map((a) => t.labels[a]);
    if (perm.every((a, i) => a === i)) return { reg: t.reg, shape: t.shape, labels };
    return { reg: this.emit(rules.permute, t.reg, -1, { perm }), shape: perm.map((a) => t.shape[a]), labels };
  }
  /** The main diagonal of the last two (equal) axes, x[..., i, i], labelled `label`. */
  diagonal(t: Term, label: string): Term {
    const shape = [...t.shape.slice(0, -2), t.shape[t.shape.length - 1]];
    return { reg: this.emit(rules.diagonal, t.reg, -1, { k: 0 }), shape, labels: [...t.labels.slice(0, -2), label] };
  }
  sum(t: Term, axes: number[]): Term {
    if (axes.length === 0) return t;
    const keep = (_: unknown, ax: number): boolean => !axes.includes(ax);
    return { reg: this.emit(rules.sum, t.reg, -1, { axes, keepdims: false }), shape: t.shape.filter(keep), labels: t.labels.filter(keep) };
  }
  /** op(a)·op(b) on [lead, r, c] operands with equal lead (GEMM transpose flags). */
  matmul(a: Term, b: Term, ta: boolean, tb: boolean, labels: string[]): Term {
    const n = a.shape.length;
    const shape = [...a.shape.slice(0, -2), ta ? a.shape[n - 1] : a.shape[n - 2], tb ? b.shape[n - 2] : b.shape[n - 1]];
    return { reg: this.emit(rules.matmul, a.reg, b.reg, { ta, tb }), shape, labels };
  }
  /** The broadcasting elementwise product. */
  mul(a: Term, b: Term, labels: string[]): Term {
    return { reg: this.emit(rules.mul, a.reg, b.reg, null), shape: broadcastShapes("einsum", a.shape, b.shape).slice(), labels };
  }
}

/**
 * Plan the contraction of labelled operands into the labels `out`. Shared by
 * einsum and tensordot; labels are validated and sizes consistent.
 */
function planContraction(terms: Term[], out: string[], size: Map<string, number>): Plan {
  const pb = new PlanBuilder(terms.length);
  // 1. per operand: drop broadcast (size-1 vs n) ellipsis axes, take diagonals of repeated labels
  let work = terms.map((term) => prepare(pb, term, size));
  // 2. sum labels that appear in one operand only and not in the output
  const outSet = new Set(out);
  work = work.map((term, i) => {
    const needed = (l: string): boolean => outSet.has(l) || work.some((o, j) => j !== i && o.labels.includes(l));
    return sumUnneeded(pb, term, needed);
  });
  // 3. pairwise contractions in opt_einsum's greedy order
  while (work.length > 1) {
    const [i, j] = greedyPair(work, outSet, size);
    const rest = work.filter((_, k) => k !== i && k !== j);
    const keep = (l: string): boolean => outSet.has(l) || rest.some((o) => o.labels.includes(l));
    // the GEMM gives [batch, freeA, freeB]; swapping the operands gives [batch, freeB, freeA] at the
    // same cost (Cᵀ = Bᵀ·Aᵀ, transpose flags). Take the order that agrees with where the result goes
    // (the remaining operands and the output), so that no permute (a copy) is needed later.
    const refs = [...rest.map((o) => o.labels), out];
    const swap = orderScore(pairLabels(work[j], work[i], keep), refs) > orderScore(pairLabels(work[i], work[j], keep), refs);
    const c = swap ? contractPair(pb, work[j], work[i], keep, size) : contractPair(pb, work[i], work[j], keep, size);
    work = [...rest, c];
  }
  // 4. the output order; a label dropped as a broadcast size-1 axis everywhere comes back as size 1
  let last = sumUnneeded(pb, work[0], (l) => outSet.has(l));
  const present = out.filter((l) => last.labels.includes(l));
  last = pb.permute(last, present.map((l) => last.labels.indexOf(l)));
  last = pb.reshape(last, out.map((l) => (last.labels.includes(l) ? last.shape[last.labels.indexOf(l)] : 1)), out);
  return { steps: pb.steps, out: last.reg };
}

/** Broadcast size-1 ellipsis axes dropped (the operand is constant along them) and repeated labels reduced to their diagonal. */
function prepare(pb: PlanBuilder, term: Term, size: Map<string, number>): Term {
  const drop = term.labels.map((l, ax) => l.startsWith("…") && term.shape[ax] === 1 && size.get(l) !== 1);
  if (drop.some((d) => d)) {
    const kept = (_: unknown, ax: number): boolean => !drop[ax];
    term = pb.reshape(term, term.shape.filter(kept), term.labels.filter(kept));
  }
  for (;;) {
    const labels = term.labels;
    const dup = labels.findIndex((l, ax) => labels.indexOf(l) !== ax);
    if (dup < 0) break;
    const first = labels.indexOf(labels[dup]);
    // move the two axes last; diagonal() replaces them by one last axis (x[..., i, i])
    const others = labels.map((_, ax) => ax).filter((ax) => ax !== first && ax !== dup);
    term = pb.diagonal(pb.permute(term, [...others, first, dup]), labels[dup]);
  }
  return term;
}

function sumUnneeded(pb: PlanBuilder, term: Term, needed: (l: string) => boolean): Term {
  return pb.sum(term, term.labels.flatMap((l, ax) => (needed(l) ? [] : [ax])));
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

/** The labels of contractPair(A, B, keep)'s result: [batch, freeA, freeB]. */
function pairLabels(A: Term, B: Term, keep: (l: string) => boolean): string[] {
  const inA = (l: string): boolean => A.labels.includes(l), inB = (l: string): boolean => B.labels.includes(l);
  return [
    ...A.labels.filter((l) => inB(l) && keep(l)),
    ...A.labels.filter((l) => !inB(l) && keep(l)),
    ...B.labels.filter((l) => !inA(l) && keep(l)),
  ];
}

/** How many label pairs of `labels` appear in the same relative order in the reference lists. */
function orderScore(labels: string[], refs: string[][]): number {
  let score = 0;
  for (const r of refs)
    for (let p = 0; p < labels.length; p++) {
      const rp = r.indexOf(labels[p]);
      if (rp < 0) continue;
      for (let q = p + 1; q < labels.length; q++) if (r.indexOf(labels[q]) > rp) score++;
    }
  return score;
}

const sameOrder = (a: string[], b: string[]): boolean => a.length === b.length && a.every((l, k) => l === b[k]);

/**
 * One pairwise contraction as one batched GEMM. batch: in both and kept;
 * con: in both and not kept (summed by the GEMM); freeA / freeB: in one only.
 * An operand already laid out as [batch, con, free] (or [batch, free, con]) is
 * passed with the GEMM's transpose flag instead of being permuted. Two special
 * cases are not GEMMs: nothing contracted (an outer product, a broadcast mul
 * over the output) and nothing free (a batched dot, a mul over the operands
 * then a sum over con).
 */
function contractPair(pb: PlanBuilder, A: Term, B: Term, keep: (l: string) => boolean, size: Map<string, number>): Term {
  A = sumUnneeded(pb, A, (l) => keep(l) || B.labels.includes(l));
  B = sumUnneeded(pb, B, (l) => keep(l) || A.labels.includes(l));
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

  if (freeA.length === 0 && freeB.length === 0 && con.length > 0) {
    // a (batched) dot product: both operands hold exactly batch ∪ con, so Σ_con A·B is a mul over the
    // operands' own size and a sum — what one writes by hand; the GEMM would be nb products of 1×k by k×1
    // (B is brought to A's order: one permute at most)
    const b = pb.permute(B, A.labels.map((l) => B.labels.indexOf(l)));
    return pb.sum(pb.mul(A, b, A.labels), A.labels.flatMap((l, ax) => (keep(l) ? [] : [ax])));
  }
  const nb = sizeOfLabels(batch, size), m = sizeOfLabels(freeA, size), k = sizeOfLabels(con, size), n = sizeOfLabels(freeB, size);
  const lead = batch.length > 0 ? [nb] : [];
  const layout = (T: Term, first: string[], second: string[], r0: number, r1: number): [Term, boolean] => {
    // [batch, first, second] as is, or [batch, second, first] with the transpose flag, or a permuted copy
    if (sameOrder(T.labels, [...batch, ...first, ...second])) return [pb.reshape(T, [...lead, r0, r1]), false];
    if (sameOrder(T.labels, [...batch, ...second, ...first])) return [pb.reshape(T, [...lead, r1, r0]), true];
    const perm = [...batch, ...first, ...second].map((l) => T.labels.indexOf(l));
    return [pb.reshape(pb.permute(T, perm), [...lead, r0, r1]), false];
  };
  const [a, ta] = layout(A, freeA, con, m, k);
  const [b, tb] = layout(B, con, freeB, k, n);
  // nothing contracted: a (batched) outer product, an elementwise product over the output — the GEMM would run with an inner size of 1
  const labels = [...batch, ...freeA, ...freeB];
  const c = con.length === 0 ? pb.mul(a, b, labels) : pb.matmul(a, b, ta, tb, labels);
  return pb.reshape(c, labels.map((l) => size.get(l) as number));
}

// ---------------------------------------------------------------------------
// The plan cache

/** Most plans kept; beyond it the least recently used is dropped. A plan is a few hundred bytes. */
export const EINSUM_PLAN_CACHE_SIZE = 256;

interface CacheEntry {
  /** Per operand: its rank, then its sizes (flat; no per-call key string). */
  shapes: number[];
  plan: Plan;
  /** Use stamp for the LRU eviction. */
  used: number;
}

/**
 * Plans by equation (a Map keyed by the equation string itself: literals
 * carry their hash, so the lookup builds nothing), then by operand shapes
 * (compared entry by entry). A hit costs a Map lookup, a few integer
 * comparisons and a counter increment; the least recently used plan is
 * evicted (a scan, on insertion only) once `EINSUM_PLAN_CACHE_SIZE` are held.
 */
class PlanCache {
  private readonly byEquation = new Map<string, CacheEntry[]>();
  private count = 0;
  private clock = 0;
  /** The entry of the last hit (or insertion) and its equation. */
  private last: CacheEntry | null = null;
  private lastEquation = "";
  constructor(readonly capacity: number) {}

  /** The plan for these operand shapes, marked as just used (unless `touch` is false), or null. */
  get(equation: string, ts: readonly { shape: Shape }[], touch = true): Plan | null {
    // the last hit first: a call repeated in a loop skips the Map lookup
    const last = this.last;
    if (last !== null && equation === this.lastEquation && matches(last.shapes, ts)) {
      if (touch) last.used = ++this.clock;
      return last.plan;
    }
    const list = this.byEquation.get(equation);
    if (list === undefined) return null;
    for (let e = 0; e < list.length; e++) {
      const entry = list[e];
      if (matches(entry.shapes, ts)) {
        if (touch) {
          entry.used = ++this.clock;
          this.last = entry;
          this.lastEquation = equation;
        }
        return entry.plan;
      }
    }
    return null;
  }

  set(equation: string, ts: Tensor[], plan: Plan): void {
    if (this.count >= this.capacity) this.evictOldest();
    const shapes: number[] = [];
    for (const t of ts) shapes.push(t.ndim, ...t.shape);
    const list = this.byEquation.get(equation);
    const entry: CacheEntry = { shapes, plan, used: ++this.clock };
    if (list === undefined) this.byEquation.set(equation, [entry]);
    else list.push(entry);
    this.count++;
    this.last = entry;
    this.lastEquation = equation;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.byEquation.clear();
    this.count = 0;
    this.last = null;
  }

  private evictOldest(): void {
    let oldest: CacheEntry[] | null = null, at = -1, key = "", stamp = Infinity;
    for (const [eq, list] of this.byEquation)
      for (let e = 0; e < list.length; e++)
        if (list[e].used < stamp) {
          stamp = list[e].used;
          oldest = list;
          at = e;
          key = eq;
        }
    if (oldest === null) return;
    if (oldest[at] === this.last) this.last = null;
    oldest.splice(at, 1);
    if (oldest.length === 0) this.byEquation.delete(key);
    this.count--;
  }
}

/** Whether the operands have exactly the shapes recorded in `shapes` (rank, sizes, per operand). */
function matches(shapes: number[], ts: readonly { shape: Shape }[]): boolean {
  let p = 0;
  for (let i = 0; i < ts.length; i++) {
    const s = ts[i].shape;
    if (shapes[p++] !== s.length) return false;
    for (let d = 0; d < s.length; d++) if (shapes[p++] !== s[d]) return false;
  }
  return p === shapes.length;
}

const planCache = new PlanCache(EINSUM_PLAN_CACHE_SIZE);

/** The einsum plan cache seen from tests: its size, whether a plan is held, and a way to empty it. */
export const einsumPlanCache = {
  get size(): number {
    return planCache.size;
  },
  has(equation: string, shapes: readonly Shape[]): boolean {
    return planCache.get(equation, shapes.map((s) => ({ shape: s })), false) !== null;
  },
  clear(): void {
    planCache.clear();
  },
};

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
  // the plan depends on the (normalized) axes and the shapes: cached with einsum's plans, under a
  // key no einsum equation can have (a NUL, digits and ";" are not equation characters)
  const key = `\u0000tensordot ${axA.join(",")};${axB.join(",")}`;
  const operands = [A, B];
  let plan = planCache.get(key, operands);
  if (plan === null) {
    plan = planTensordot(A, B, axA, axB);
    planCache.set(key, operands, plan);
  }
  return runPlan(plan, operands);
}

/** tensordot's contraction as an einsum plan: a's free axes, then b's, over the paired axes. */
function planTensordot(A: Tensor, B: Tensor, axA: readonly number[], axB: readonly number[]): Plan {
  const size = new Map<string, number>();
  const la = A.shape.map((d, i) => { const l = `a${i}`; size.set(l, d); return l; });
  const lb = B.shape.map((d, i) => { const l = `b${i}`; size.set(l, d); return l; });
  axB.forEach((x, i) => { lb[x] = la[axA[i]]; });
  const out = [...la.filter((_, i) => !axA.includes(i)), ...lb.filter((_, i) => !axB.includes(i))];
  return planContraction([{ reg: 0, shape: A.shape, labels: la }, { reg: 1, shape: B.shape, labels: lb }], out, size);
}

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
  // one primitive (one pass, one output array; derivatives ā = b × c̄, b̄ = c̄ × a), the axis counted from the end
  return apply(rules.cross, [A, B], { axis: ax - shape.length });
}
