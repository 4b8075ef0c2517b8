/**
 * Diagnoses for gradcheck: hypotheses about what is wrong with an analytic
 * derivative, each tested against the numeric Jacobian (never by looking at
 * the user's code).
 *
 * The derivative under test is seen as a linear map between matrices:
 * reverse mode maps a cotangent G (shaped like an output) to a gradient
 * (shaped like the input), forward mode maps a tangent dX to a tangent dY.
 * A (analytic) and N (central differences) are the matrices of these maps.
 * The hypotheses, in order:
 *
 * - non-finite values; an all-zero analytic map; a map that should be zero;
 * - A ≈ c·N (a constant factor: wrong sign, a doubled or halved term);
 * - A ≈ c·P_res·N, c·N·P_arg or c·P_res·N·P_arg, P the matrix transpose of the
 *   result or the argument (a missing transpose, a product on the wrong side);
 * - A diagonal while N is not: an elementwise product where a matrix product belongs;
 * - symbolic fits: both maps are fitted by least squares to short sums of
 *   terms c·L·G·R, c·L·Gᵀ·R and c·(G ∘ W) with L, R, W drawn from the inputs,
 *   the outputs, their transposes and I; comparing the two expressions names a
 *   missing or extra term, a factor on the wrong side, a transposed factor;
 * - nearest Kronecker product (Van Loan–Pitsianis) when no symbolic fit exists:
 *   does the map multiply G from the left, the right, or both sides?
 * - agreement on symmetric arguments only, on the symmetric part of the result
 *   only, or at symmetric inputs only (re-checked at sym(X) by the caller).
 */
import type { Tensor } from "../tensor/tensor.js";

export interface Candidate {
  name: string;
  value: Tensor;
}

export interface DiagnosisInput {
  kind: "reverse" | "forward";
  inputName: string;
  inputIndex: number;
  nInputs: number;
  inShape: number[];
  outShapes: number[][];
  outOffsets: number[];
  outTotal: number;
  outNames: string[];
  cotangentNames: string[];
  /** Analytic and numeric Jacobians J[r, c] = ∂out_r/∂x_c, outTotal × inSize, row-major. */
  A: Float64Array;
  N: Float64Array;
  structure: "general" | "symmetric";
  atol: number;
  rtol: number;
  /** Named matrices a derivative may be built from (inputs and outputs at the check point). */
  candidates: Candidate[];
  /** Re-run the check at symmetrized inputs; true if it passes there. */
  symPointPasses: (() => boolean) | null;
}

const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) {
    const v = Math.abs(a[k]);
    if (v > m) m = v;
  }
  return m;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** Entrywise test |a − h| ≤ atol + rtol·|h|, the criterion gradcheck itself uses. */
function close(a: Float64Array, h: Float64Array, atol: number, rtol: number): boolean {
  for (let k = 0; k < a.length; k++) if (!(Math.abs(a[k] - h[k]) <= atol + rtol * Math.abs(h[k]))) return false;
  return true;
}

/** Best c with a ≈ c·h (least squares), and whether the fit holds entrywise. */
function fitFactor(a: Float64Array, h: Float64Array, atol: number, rtol: number): { c: number; ok: boolean } | null {
  const hh = dot(h, h);
  if (!(hh > 0)) return null;
  const c = dot(a, h) / hh;
  const ch = h.map((v) => c * v);
  return { c, ok: close(a, ch, atol, rtol) };
}

/** A short exact form of c when there is one (2, −1, 1/2, −1/3, …), else 4 significant digits. */
export function niceFactor(c: number): string {
  for (let q = 1; q <= 6; q++) {
    const p = Math.round(c * q);
    if (Math.abs(c - p / q) <= 1e-6 * Math.max(1, Math.abs(c))) {
      const sign = p < 0 ? "−" : "";
      return q === 1 ? `${sign}${Math.abs(p)}` : `${sign}${Math.abs(p)}/${q}`;
    }
  }
  return String(Number(c.toPrecision(4))).replace("-", "−");
}

function isNice(c: number): boolean {
  for (let q = 1; q <= 6; q++) if (Math.abs(c - Math.round(c * q) / q) <= 1e-6 * Math.max(1, Math.abs(c))) return true;
  return false;
}

function roundNice(c: number): number {
  for (let q = 1; q <= 6; q++) {
    const p = Math.round(c * q);
    if (Math.abs(c - p / q) <= 1e-6 * Math.max(1, Math.abs(c))) return p / q;
  }
  return c;
}

function isSquareMat(shape: readonly number[]): boolean {
  return shape.length >= 2 && shape[shape.length - 1] === shape[shape.length - 2] && shape[shape.length - 1] >= 2;
}

/** The flat-index permutation of a matrix transpose of the last two axes. */
function transposePerm(shape: readonly number[]): Int32Array {
  const n = shape[shape.length - 1];
  const size = sizeOf(shape);
  const p = new Int32Array(size);
  for (let b = 0; b < size; b += n * n)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) p[b + i * n + j] = b + j * n + i;
  return p;
}

/** A linear map as a matrix: result entries (rows) × argument entries (columns). */
interface MapView {
  A: Float64Array;
  N: Float64Array;
  resShape: number[];
  argShape: number[];
  /** Symbol of the argument: "G" (a cotangent) or "dX" (a tangent). */
  arg: string;
  /** What the result is, e.g. "the gradient w.r.t. X". */
  res: string;
  /** "VJP" or "JVP". */
  which: string;
}

function permuted(M: Float64Array, rows: number, cols: number, pr: Int32Array | null, pc: Int32Array | null): Float64Array {
  const H = new Float64Array(M.length);
  for (let r = 0; r < rows; r++) {
    const rr = pr ? pr[r] : r;
    for (let c = 0; c < cols; c++) H[r * cols + c] = M[rr * cols + (pc ? pc[c] : c)];
  }
  return H;
}

/** Average the argument columns (or result rows) pairwise with their transposes. */
function symmetrizeArg(M: Float64Array, rows: number, cols: number, p: Int32Array): Float64Array {
  const H = new Float64Array(M.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) H[r * cols + c] = (M[r * cols + c] + M[r * cols + p[c]]) / 2;
  return H;
}

function symmetrizeRes(M: Float64Array, rows: number, cols: number, p: Int32Array): Float64Array {
  const H = new Float64Array(M.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) H[r * cols + c] = (M[r * cols + c] + M[p[r] * cols + c]) / 2;
  return H;
}

// ---------------------------------------------------------------------------
// Symbolic fits: short sums of c·L·G·R, c·L·Gᵀ·R, c·(G ∘ W)

interface Mat {
  name: string;
  rows: number;
  cols: number;
  data: Float64Array | null; // null = identity
  /** 0 for I, 1 for an input, 2 for an output (priority: simpler first). */
  rank: number;
}

interface Term {
  text: string;
  col: Float64Array;
  priority: number;
}

interface Fit {
  terms: { coef: number; text: string }[];
  expr: string;
}

function matCandidates(cands: Candidate[], nInputs: number): Mat[] {
  const out: Mat[] = [];
  cands.forEach((c, idx) => {
    const v = c.value;
    if (v.ndim !== 2) return;
    const [r, k] = v.shape;
    const rank = idx < nInputs ? 1 : 2;
    out.push({ name: c.name, rows: r, cols: k, data: v.data, rank });
    const t = new Float64Array(r * k);
    for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) t[j * r + i] = v.data[i * k + j];
    let sym = r === k;
    for (let q = 0; sym && q < t.length; q++) if (t[q] !== v.data[q]) sym = false;
    if (!sym) out.push({ name: `${c.name}ᵀ`, rows: k, cols: r, data: t, rank: rank + 0.5 });
  });
  return out;
}

function identity(n: number): Mat {
  return { name: "I", rows: n, cols: n, data: null, rank: 0 };
}

const at = (m: Mat, i: number, j: number): number => (m.data === null ? (i === j ? 1 : 0) : m.data[i * m.cols + j]);

/** Basis maps (resSize × argSize, row-major) built from the candidate matrices. */
function basisTerms(resShape: number[], argShape: number[], arg: string, mats: Mat[]): Term[] | null {
  const terms: Term[] = [];
  const resScalar = sizeOf(resShape) === 1 && resShape.length <= 2, argScalar = sizeOf(argShape) === 1 && argShape.length <= 2;
  const res2 = resShape.length === 2, arg2 = argShape.length === 2;
  if (resScalar && argScalar) return null;
  if (argScalar && res2) {
    const [m, n] = resShape;
    const ws = [...mats.filter((w) => w.rows === m && w.cols === n)];
    if (m === n) ws.unshift(identity(m));
    ws.push({ name: "𝟙", rows: m, cols: n, data: new Float64Array(m * n).fill(1), rank: 0.25 });
    for (const w of ws) {
      const col = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) col[i * n + j] = at(w, i, j);
      terms.push({ text: `${arg}·${w.name}`, col, priority: w.rank });
    }
    return terms;
  }
  if (resScalar && arg2) {
    const [p, q] = argShape;
    const ws = [...mats.filter((w) => w.rows === p && w.cols === q)];
    if (p === q) ws.unshift(identity(p));
    ws.push({ name: "𝟙", rows: p, cols: q, data: new Float64Array(p * q).fill(1), rank: 0.25 });
    for (const w of ws) {
      const col = new Float64Array(p * q);
      for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) col[i * q + j] = at(w, i, j);
      terms.push({ text: `⟨${w.name}, ${arg}⟩`, col, priority: w.rank });
    }
    return terms;
  }
  if (!(res2 && arg2)) return null;
  const [m, n] = resShape, [p, q] = argShape;
  const size = m * n * p * q;
  for (const transposed of [false, true]) {
    const [sr, sc] = transposed ? [q, p] : [p, q];
    if (transposed && p === 1 && q === 1) continue;
    const Ls = mats.filter((l) => l.rows === m && l.cols === sr);
    if (m === sr) Ls.unshift(identity(m));
    const Rs = mats.filter((r) => r.rows === sc && r.cols === n);
    if (sc === n) Rs.unshift(identity(n));
    for (const L of Ls)
      for (const R of Rs) {
        // res[a,b] = Σ L[a,c] S[c,d] R[d,b], S = arg or argᵀ
        const col = new Float64Array(size);
        for (let a = 0; a < m; a++)
          for (let b = 0; b < n; b++)
            for (let c = 0; c < sr; c++) {
              const l = at(L, a, c);
              if (l === 0) continue;
              for (let d = 0; d < sc; d++) {
                const v = l * at(R, d, b);
                if (v === 0) continue;
                const argIdx = transposed ? d * q + c : c * q + d;
                col[(a * n + b) * (p * q) + argIdx] += v;
              }
            }
        const parts = [L.data === null ? "" : L.name, transposed ? `${arg}ᵀ` : arg, R.data === null ? "" : R.name].filter((x) => x !== "");
        terms.push({ text: parts.join("·"), col, priority: L.rank + R.rank + (transposed ? 0.1 : 0) });
      }
  }
  if (m === p && n === q) {
    const Ws = mats.filter((w) => w.rows === m && w.cols === n);
    if (m === n) Ws.unshift(identity(m));
    for (const W of Ws) {
      const col = new Float64Array(size);
      for (let a = 0; a < m; a++) for (let b = 0; b < n; b++) col[(a * n + b) * (p * q) + a * q + b] = at(W, a, b);
      terms.push({ text: `(${arg} ∘ ${W.name})`, col, priority: 10 + W.rank });
    }
  }
  return terms;
}

const MAX_SYMBOLIC_ENTRIES = 40_000;
const MAX_TERMS = 4;

/**
 * Fit `target` (a map matrix) by a short combination of the basis terms. The
 * basis is pruned in priority order to linearly independent columns, so the
 * representation found is unique; it is accepted when it has at most 4 terms
 * and reproduces the target within the check's tolerance, with short
 * rational coefficients unless it is a single term.
 */
function symbolicFit(target: Float64Array, terms: Term[], atol: number, rtol: number): Fit | null {
  if (target.length > MAX_SYMBOLIC_ENTRIES || terms.length === 0) return null;
  const sorted = terms.slice().sort((x, y) => x.priority - y.priority);
  // modified Gram–Schmidt in priority order
  const Q: Float64Array[] = [], Rm: number[][] = [], kept: Term[] = [];
  for (const t of sorted) {
    const v = t.col.slice();
    const norm0 = Math.sqrt(dot(v, v));
    if (norm0 === 0) continue;
    const r: number[] = [];
    for (const qv of Q) {
      const c = dot(qv, v);
      r.push(c);
      for (let k = 0; k < v.length; k++) v[k] -= c * qv[k];
    }
    const nrm = Math.sqrt(dot(v, v));
    if (nrm <= 1e-8 * norm0) continue;
    for (let k = 0; k < v.length; k++) v[k] /= nrm;
    r.push(nrm);
    Q.push(v);
    Rm.push(r);
    kept.push(t);
  }
  if (kept.length === 0) return null;
  // least squares: R·coef = Qᵀ·target (R upper triangular, column j stored in Rm[j])
  const y = Q.map((qv) => dot(qv, target));
  const K = kept.length;
  const coef = new Array<number>(K).fill(0);
  for (let j = K - 1; j >= 0; j--) {
    let s = y[j];
    for (let l = j + 1; l < K; l++) s -= Rm[l][j] * coef[l];
    coef[j] = s / Rm[j][j];
  }
  const big = coef.reduce((mx, c) => Math.max(mx, Math.abs(c)), 0);
  if (!(big > 0)) return null;
  const chosen = kept.map((t, j) => ({ t, c: coef[j] })).filter(({ c }) => Math.abs(c) > 1e-6 * big);
  if (chosen.length === 0 || chosen.length > MAX_TERMS) return null;
  // Sums with coefficients that are not short fractions are rejected: for small matrices
  // Cayley–Hamilton makes such sums exist for anything (e.g. Y² = c₂Y + c₁I + c₀Y⁻¹ for 3×3).
  if (chosen.length > 1 && chosen.some(({ c }) => !isNice(c))) return null;
  // refit on the chosen terms, round to short fractions, verify
  const fitted = new Float64Array(target.length);
  const final: { coef: number; text: string }[] = [];
  for (const { t, c } of chosen) {
    const cr = roundNice(c);
    final.push({ coef: cr, text: t.text });
    for (let k = 0; k < fitted.length; k++) fitted[k] += cr * t.col[k];
  }
  if (!close(target, fitted, atol, rtol)) {
    // rounding broke the fit: keep the unrounded coefficients (single terms only, see above)
    if (chosen.length > 1) return null;
    fitted.fill(0);
    final.length = 0;
    for (const { t, c } of chosen) {
      final.push({ coef: c, text: t.text });
      for (let k = 0; k < fitted.length; k++) fitted[k] += c * t.col[k];
    }
    if (!close(target, fitted, atol, rtol)) return null;
  }
  return { terms: final, expr: formatExpr(final) };
}

function formatExpr(terms: { coef: number; text: string }[]): string {
  return terms.map(({ coef, text }, i) => {
    const neg = coef < 0;
    const mag = Math.abs(coef);
    const body = Math.abs(mag - 1) < 1e-12 ? text : `${niceFactor(mag)}·${text}`;
    if (i === 0) return neg ? `−${body}` : body;
    return neg ? ` − ${body}` : ` + ${body}`;
  }).join("");
}

// ---------------------------------------------------------------------------
// Nearest Kronecker product: M ≈ L ⊗ Rᵀ, i.e. the map G ↦ L·G·R

interface Kron {
  L: Float64Array; // m × p
  R: Float64Array; // q × n
  side: "left" | "right" | "both" | "scalar";
}

function nearestKronecker(M: Float64Array, m: number, n: number, p: number, q: number): Kron | null {
  // rearranged R̃[(a,c),(b,d)] = M[(a,b),(c,d)]; rank one ⇔ M is a Kronecker product
  const rows = m * p, cols = n * q;
  const Rt = new Float64Array(rows * cols);
  for (let a = 0; a < m; a++)
    for (let b = 0; b < n; b++)
      for (let c = 0; c < p; c++)
        for (let d = 0; d < q; d++) Rt[(a * p + c) * cols + b * q + d] = M[(a * n + b) * (p * q) + c * q + d];
  const total = dot(Rt, Rt);
  if (!(total > 0)) return null;
  let v = new Float64Array(cols).fill(1);
  let u = new Float64Array(rows);
  for (let it = 0; it < 60; it++) {
    u = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += Rt[i * cols + j] * v[j];
      u[i] = s;
    }
    const nu = Math.sqrt(dot(u, u));
    if (nu === 0) return null;
    for (let i = 0; i < rows; i++) u[i] /= nu;
    const w = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[j] += Rt[i * cols + j] * u[i];
    v = w;
  }
  const s2 = dot(v, v); // σ² (u unit, v = σ·v̂)
  if (Math.abs(total - s2) > 1e-10 * total) return null;
  const L = u; // m × p (rows a, cols c)
  const R = new Float64Array(q * n);
  for (let b = 0; b < n; b++) for (let d = 0; d < q; d++) R[d * n + b] = v[b * q + d];
  const isScaledIdentity = (X: Float64Array, k: number): boolean => {
    const scale = maxAbs(X);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        const want = i === j ? X[0] : 0;
        if (Math.abs(X[i * k + j] - want) > 1e-8 * scale) return false;
      }
    return true;
  };
  const lId = m === p && isScaledIdentity(L, m), rId = q === n && isScaledIdentity(R, n);
  const side = lId && rId ? "scalar" : lId ? "right" : rId ? "left" : "both";
  return { L, R, side };
}

function sideText(k: Kron, arg: string): string {
  switch (k.side) {
    case "left": return `multiplies ${arg} only from the left (≈ M·${arg})`;
    case "right": return `multiplies ${arg} only from the right (≈ ${arg}·M)`;
    case "both": return `multiplies ${arg} from both sides (≈ P·${arg}·Q)`;
    default: return `scales ${arg}`;
  }
}

// ---------------------------------------------------------------------------
// The block diagnosis

function viewsOf(d: DiagnosisInput, k: number): MapView {
  const inSize = sizeOf(d.inShape);
  const off = d.outOffsets[k], osz = sizeOf(d.outShapes[k]);
  const A = new Float64Array(inSize * osz), N = new Float64Array(inSize * osz);
  if (d.kind === "reverse") {
    for (let r = 0; r < osz; r++)
      for (let c = 0; c < inSize; c++) {
        A[c * osz + r] = d.A[(off + r) * inSize + c];
        N[c * osz + r] = d.N[(off + r) * inSize + c];
      }
    return {
      A, N, resShape: d.inShape, argShape: d.outShapes[k], arg: d.cotangentNames[k],
      res: `the gradient w.r.t. ${d.inputName}`, which: "VJP",
    };
  }
  A.set(d.A.subarray(off * inSize, (off + osz) * inSize));
  N.set(d.N.subarray(off * inSize, (off + osz) * inSize));
  return {
    A, N, resShape: d.outShapes[k], argShape: d.inShape, arg: `d${d.inputName}`,
    res: `the tangent of ${d.outNames[k]}`, which: "JVP",
  };
}

function firstBad(a: Float64Array, isBad: (v: number) => boolean): number {
  for (let k = 0; k < a.length; k++) if (isBad(a[k])) return k;
  return -1;
}

function factorMessage(c: number, res: string): string {
  const f = niceFactor(c);
  let hint = "";
  if (Math.abs(c + 1) < 1e-6) hint = ": the sign is wrong";
  else if (c < 0) hint = `: the sign is wrong and the magnitude is off by ${niceFactor(-c)}×`;
  else if (Math.abs(c - 2) < 1e-6) hint = ": a term counted twice, or a missing ½ (for instance from sym(M) = (M + Mᵀ)/2)";
  else if (Math.abs(c - 0.5) < 1e-6) hint = ": a factor 2 is missing (for instance sym(M) used where M + Mᵀ belongs, or only one of two equal terms)";
  return `${res} is off by a constant factor: analytic ≈ ${f} × numeric${hint}`;
}

/** Diagnose a failing input from its full Jacobians. */
export function diagnoseBlock(d: DiagnosisInput): string[] {
  const msgs: string[] = [];
  const { atol, rtol } = d;
  const who = d.kind === "reverse" ? `the gradient w.r.t. ${d.inputName}${d.nInputs > 1 ? ` (input ${d.inputIndex})` : ""}` : `the JVP from d${d.inputName}${d.nInputs > 1 ? ` (input ${d.inputIndex})` : ""}`;

  const nanA = firstBad(d.A, (v) => !Number.isFinite(v));
  const nanN = firstBad(d.N, (v) => !Number.isFinite(v));
  if (nanN >= 0) {
    msgs.push(`the central differences themselves are not finite (${d.N[nanN]}): f is not differentiable, or not defined, within eps of this input; check at another point or with a smaller eps`);
    return msgs;
  }
  if (nanA >= 0) {
    let count = 0;
    for (let k = 0; k < d.A.length; k++) if (!Number.isFinite(d.A[k])) count++;
    msgs.push(`${who} contains NaN/Inf (${count} of ${d.A.length} Jacobian entries) while the numeric derivative is finite: a division by zero, log(0), sqrt at 0 or 0·∞ in the ${d.kind === "reverse" ? "backward" : "JVP"}`);
    return msgs;
  }
  const mA = maxAbs(d.A), mN = maxAbs(d.N);
  if (mA === 0 && mN > atol) {
    msgs.push(`${who} is zero but the numeric derivative is not (max |∂Y/∂${d.inputName}| ≈ ${mN.toPrecision(3)}): the ${d.kind === "reverse" ? "backward returns null or zeros for this input, or it is detached / used through a non-differentiable op" : "JVP ignores this input's tangent"}`);
    return msgs;
  }
  if (mN <= atol && mA > atol) {
    msgs.push(`${who} is nonzero (max ${mA.toPrecision(3)}) but the function does not depend on ${d.inputName} numerically: the ${d.kind === "reverse" ? "gradient is returned for the wrong input (inputs swapped?)" : "tangent of another input is used"}`);
    return msgs;
  }
  const whole = fitFactor(d.A, d.N, atol, rtol);
  if (whole && whole.ok && Math.abs(whole.c - 1) > 1e-9) {
    if (Math.abs(whole.c) < 1e-12) msgs.push(`${who} is (numerically) zero but the numeric derivative is not`);
    else msgs.push(factorMessage(whole.c, who));
    return msgs;
  }

  const nOut = d.outShapes.length;
  let structural = false;
  for (let k = 0; k < nOut; k++) {
    const v = viewsOf(d, k);
    if (close(v.A, v.N, atol, rtol)) continue;
    const prefix = nOut > 1 ? `[output ${d.outNames[k]}] ` : "";
    const blockMsgs = diagnoseMap(v, d);
    if (blockMsgs.structural) structural = true;
    for (const m of blockMsgs.msgs) msgs.push(prefix + m);
  }

  if (d.symPointPasses && !(d.kind === "reverse" && d.structure === "symmetric") && d.symPointPasses()) {
    msgs.push(`${who} is right at symmetric inputs (the check passes at sym(X) = (X + Xᵀ)/2) but not at this non-symmetric one: some matrix is used where its transpose belongs (e.g. X instead of Xᵀ); tests with symmetric matrices only would miss this`);
    structural = true;
  }
  if (!structural && msgs.length === 0)
    msgs.push(`no simple pattern (constant factor, transpose, elementwise vs matrix product, missing term, symmetric-only) explains the difference; compare the worst entries`);
  return msgs;
}

function diagnoseMap(v: MapView, d: DiagnosisInput): { msgs: string[]; structural: boolean } {
  const { atol, rtol } = d;
  const msgs: string[] = [];
  const rows = sizeOf(v.resShape), cols = sizeOf(v.argShape);
  const mA = maxAbs(v.A), mN = maxAbs(v.N);
  let structural = false;

  if (mA === 0 && mN > atol) {
    return { msgs: [`${v.res} gets nothing from this output (the ${v.which} is zero) but the numeric derivative is not`], structural: true };
  }
  const fac = fitFactor(v.A, v.N, atol, rtol);
  if (fac && fac.ok && Math.abs(fac.c - 1) > 1e-9) {
    return { msgs: [factorMessage(fac.c, v.res)], structural: true };
  }

  // transposes
  const resSq = isSquareMat(v.resShape) && !(d.kind === "reverse" && d.structure === "symmetric");
  const argSq = isSquareMat(v.argShape) && !(d.kind === "forward" && d.structure === "symmetric");
  const pRes = resSq ? transposePerm(v.resShape) : null, pArg = argSq ? transposePerm(v.argShape) : null;
  const hyps: [string, Int32Array | null, Int32Array | null][] = [];
  const A_ = v.arg;
  if (d.kind === "reverse") {
    if (pRes) hyps.push([`${v.res} is the transpose of the right one: a missing (or extra) transpose of the result, or the factors multiplied in reversed order (e.g. B·${A_}ᵀ where ${A_}·Bᵀ belongs)`, pRes, null]);
    if (pArg) hyps.push([`the VJP uses ${A_}ᵀ where ${A_} belongs (the cotangent is transposed)`, null, pArg]);
    if (pRes && pArg) hyps.push([`every factor next to ${A_} is transposed: the VJP computes the transpose of the right one evaluated at ${A_}ᵀ (e.g. C·${A_}·C where Cᵀ·${A_}·Cᵀ belongs, or ${A_}·B where ${A_}·Bᵀ belongs): missing transposes on the factors`, pRes, pArg]);
  } else {
    if (pRes) hyps.push([`${v.res} is the transpose of the right one: a missing (or extra) transpose in the JVP's result`, pRes, null]);
    if (pArg) hyps.push([`the JVP uses ${A_}ᵀ where ${A_} belongs (the tangent is transposed)`, null, pArg]);
    if (pRes && pArg) hyps.push([`every factor next to ${A_} is transposed (e.g. X·${A_} where ${A_}·X… belongs, or Xᵀ where X belongs): missing transposes on the factors`, pRes, pArg]);
  }
  for (const [msg, pr, pc] of hyps) {
    const H = permuted(v.N, rows, cols, pr, pc);
    if (close(H, v.N, atol, rtol)) continue; // the hypothesis does not change anything here
    const f = fitFactor(v.A, H, atol, rtol);
    if (f && f.ok) {
      msgs.push(Math.abs(f.c - 1) < 1e-6 ? msg : `${msg}, and scaled by ${niceFactor(f.c)}`);
      structural = true;
    }
  }

  // elementwise where a matrix product belongs (not when a transpose already explains A)
  const mats = matCandidates(d.candidates, d.nInputs);
  const sameShape = v.resShape.length === v.argShape.length && v.resShape.every((x, i) => x === v.argShape[i]) && rows > 1;
  let elementwise = false;
  if (sameShape && !structural) {
    let offA = 0, offN = 0;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        if (r !== c) {
          offA = Math.max(offA, Math.abs(v.A[r * cols + c]));
          offN = Math.max(offN, Math.abs(v.N[r * cols + c]));
        }
    if (offA <= 1e-12 * Math.max(1, mA) && offN > atol + rtol * mN) {
      structural = true;
      const W = new Float64Array(rows);
      for (let r = 0; r < rows; r++) W[r] = v.A[r * cols + r];
      const constant = fitFactor(W, new Float64Array(rows).fill(1), 1e-12, 1e-8);
      if (constant && constant.ok) {
        // A = c·identity: no product at all, the entries of the argument are passed through unmixed
        const cf = niceFactor(constant.c);
        msgs.push(`${v.res} is ${cf === "1" ? "" : `${cf} × `}${v.arg} itself, entry by entry, but the true derivative mixes or moves the entries of ${v.arg}`);
      } else {
        elementwise = true;
        let wDesc = "";
        for (const c of mats.filter((m) => m.rows * m.cols === rows && m.data !== null)) {
          const f = fitFactor(W, c.data!, 1e-12, 1e-8);
          if (f && f.ok) {
            const cf = niceFactor(f.c);
            wDesc = cf === "1" ? `${v.arg} ∘ ${c.name}` : `${cf}·(${v.arg} ∘ ${c.name})`;
            break;
          }
        }
        msgs.push(`${v.res} is an elementwise product${wDesc ? ` (≈ ${wDesc})` : ` ${v.arg} ∘ W`}: each entry depends only on the same entry of ${v.arg}, but the true derivative mixes the entries of ${v.arg}. An elementwise product (mul, *) is used where a matrix product (matmul) belongs`);
      }
    }
  }

  // symbolic fits
  const terms = basisTerms(v.resShape, v.argShape, v.arg, mats);
  const fitN = terms ? symbolicFit(v.N, terms, atol, rtol) : null;
  const fitA = terms ? symbolicFit(v.A, terms, 1e-10, 1e-8) : null;
  let compared = false;
  if (fitN && fitA) {
    const cmp = compareFits(fitA, fitN, v);
    if (cmp.specific) structural = true;
    compared = cmp.msgs.length > 0;
    msgs.push(...cmp.msgs);
  }
  let expected: string | null = null;
  if (fitN && !compared) {
    const how = d.kind === "reverse" ? `the VJP for ${d.inputName}` : `the JVP`;
    expected = `central differences are matched by ${how} = ${fitN.expr}${fitA ? `; yours computes ${fitA.expr}` : ""}`;
  } else if (!fitN && elementwise && d.kind === "reverse") {
    msgs.push(`for a product Y = P·Q of matrices the VJPs are G·Qᵀ (for P) and Pᵀ·G (for Q); sum one such term per occurrence of ${d.inputName}`);
  }

  // sidedness by nearest Kronecker product, when no symbolic comparison was possible
  if ((!fitN || !fitA) && v.resShape.length === 2 && v.argShape.length === 2) {
    const [m, n] = v.resShape, [p, q] = v.argShape;
    const kA = nearestKronecker(v.A, m, n, p, q), kN = nearestKronecker(v.N, m, n, p, q);
    if (kA && kN && kA.side !== kN.side && kA.side !== "scalar") {
      msgs.push(`a factor is on the wrong side of ${v.arg}: the ${v.which} ${sideText(kA, v.arg)}, but the true derivative ${sideText(kN, v.arg)}`);
      structural = true;
    } else if (kA && !kN && fitN && fitN.terms.length > 1) {
      msgs.push(`the ${v.which} is a single product (${sideText(kA, v.arg)}) but the true derivative is a sum of ${fitN.terms.length} terms: a term is missing`);
      structural = true;
    }
  }

  if (expected !== null) msgs.push(expected);

  // symmetric-only hypotheses (only when nothing more specific was found)
  if (!structural) {
    if (pArg) {
      const SA = symmetrizeArg(v.A, rows, cols, pArg), SN = symmetrizeArg(v.N, rows, cols, pArg);
      if (close(SA, SN, atol, rtol)) {
        msgs.push(d.kind === "reverse"
          ? `${v.res} is right only for symmetric cotangents ${v.arg}: gradcheck's non-symmetric ${v.arg} exposes a ${v.arg} used where ${v.arg}ᵀ belongs (or a VJP that assumes ${v.arg} = ${v.arg}ᵀ). Losses such as trace(Yᵀ·S·Y) with symmetric S hide this`
          : `${v.res} is right only for symmetric tangents ${v.arg}: ${v.arg} is used where ${v.arg}ᵀ belongs`);
        structural = true;
      }
    }
    if (!structural && pRes) {
      const SA = symmetrizeRes(v.A, rows, cols, pRes), SN = symmetrizeRes(v.N, rows, cols, pRes);
      if (close(SA, SN, atol, rtol)) {
        msgs.push(d.kind === "reverse"
          ? `the symmetric part of ${v.res} is right but its antisymmetric part is wrong, so it is right only for symmetric perturbations of ${d.inputName}. If the function reads only the symmetric part (or one triangle) of ${d.inputName}, check it with structure: "symmetric"; otherwise a transpose is missing`
          : `the symmetric part of ${v.res} is right but its antisymmetric part is wrong: a transpose is missing`);
        structural = true;
      }
    }
  }
  return { msgs, structural };
}

function compareFits(a: Fit, n: Fit, v: MapView): { msgs: string[]; specific: boolean } {
  const key = (t: { coef: number; text: string }): string => `${t.text}@${t.coef}`;
  const nKeys = new Set(n.terms.map(key)), aKeys = new Set(a.terms.map(key));
  const missing = n.terms.filter((t) => !aKeys.has(key(t)));
  const extra = a.terms.filter((t) => !nKeys.has(key(t)));
  const out: string[] = [];
  if (missing.length === 0 && extra.length === 0) return { msgs: out, specific: false };
  if (extra.length === 0) {
    out.push(`a term is missing from ${v.res}: the ${v.which} computes ${a.expr} but needs ${n.expr} — add ${formatExpr(missing)}${n.terms.length > 1 ? " (a product rule gives one term per factor: d(P·Q) = dP·Q + P·dQ)" : ""}`);
    return { msgs: out, specific: true };
  }
  if (missing.length === 0) {
    out.push(`${v.res} has an extra term: the ${v.which} computes ${a.expr} but needs ${n.expr} — remove ${formatExpr(extra)}`);
    return { msgs: out, specific: true };
  }
  // pair up single differing terms
  if (missing.length === 1 && extra.length === 1) {
    const [x, y] = [extra[0], missing[0]];
    const desc = relateTerms(x.text, y.text, v.arg, v.which === "VJP" ? "cotangent" : "tangent");
    if (Math.abs(x.coef - y.coef) < 1e-9 && desc) {
      out.push(`${desc}: the ${v.which} has ${formatExpr([x])} where ${formatExpr([y])} belongs`);
      return { msgs: out, specific: true };
    }
    if (x.text === y.text) {
      out.push(`a coefficient is wrong: ${formatExpr([x])} where ${formatExpr([y])} belongs`);
      return { msgs: out, specific: true };
    }
    out.push(`the ${v.which} has the term ${formatExpr([x])} where ${formatExpr([y])} belongs`);
    return { msgs: out, specific: false };
  }
  out.push(`the ${v.which} computes ${a.expr}, but central differences are matched by ${n.expr}: use that`);
  return { msgs: out, specific: false };
}

/** How two product terms (text like "Xᵀ·G·B") differ: sides swapped, a factor transposed, G transposed. */
function relateTerms(x: string, y: string, arg: string, argKind: string): string | null {
  const parse = (t: string): { left: string[]; right: string[]; argT: boolean; had: boolean } | null => {
    if (t.startsWith("(") || t.startsWith("⟨")) return null;
    const parts = t.split("·");
    const idx = parts.findIndex((p) => p === arg || p === `${arg}ᵀ`);
    if (idx < 0) return null;
    return { left: parts.slice(0, idx), right: parts.slice(idx + 1), argT: parts[idx] !== arg, had: true };
  };
  const px = parse(x), py = parse(y);
  if (!px || !py) {
    if (x.startsWith("(") && !y.startsWith("(")) return "an elementwise product is used where a matrix product belongs";
    return null;
  }
  const tr = (s: string): string => (s.endsWith("ᵀ") ? s.slice(0, -1) : `${s}ᵀ`);
  const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);
  if (px.argT !== py.argT && same(px.left, py.left) && same(px.right, py.right)) return `the ${argKind} ${arg} is transposed`;
  if (px.argT === py.argT) {
    const all = [...px.left, ...px.right], allY = [...py.left, ...py.right];
    if (all.length > 0 && all.length === allY.length && px.left.length !== py.left.length) {
      const sx = [...all].sort().join(), sy = [...allY].sort().join(), sty = [...allY.map(tr)].sort().join();
      if (sx === sy || sx === sty) return `a factor is on the wrong side of ${arg} (product order)`;
    }
    if (px.left.length === py.left.length && px.right.length === py.right.length) {
      const diffs = [...px.left.map((s, i) => [s, py.left[i]]), ...px.right.map((s, i) => [s, py.right[i]])].filter(([s, t]) => s !== t);
      if (diffs.length > 0 && diffs.every(([s, t]) => tr(s) === t)) return `a transpose is missing (or extra) on ${[...new Set(diffs.map(([, t]) => t))].join(", ")}`;
    }
  }
  return null;
}

/** Fast-mode diagnosis from projections only (inputs too large for a full Jacobian). */
export function diagnoseProjections(kind: "reverse" | "forward", name: string, analytic: number[], numeric: number[], atol: number, rtol: number): string[] {
  const who = kind === "reverse" ? `the gradient w.r.t. ${name}` : `the JVP from d${name}`;
  if (numeric.some((x) => !Number.isFinite(x))) return ["the central differences are not finite: f is not differentiable within eps of this input"];
  if (analytic.some((x) => !Number.isFinite(x))) return [`${who} contains NaN/Inf while the numeric derivative is finite`];
  const A = Float64Array.from(analytic), N = Float64Array.from(numeric);
  if (maxAbs(A) === 0) return [`${who} is zero but the numeric derivative is not`];
  const f = fitFactor(A, N, atol, rtol);
  const out: string[] = [];
  if (f && f.ok && analytic.length >= 2) out.push(factorMessage(f.c, who));
  else out.push(`no constant factor explains the ${analytic.length} projections, and the Jacobian of this input is too large to diagnose structurally: rerun on a smaller input of the same kind to get a diagnosis`);
  return out;
}
