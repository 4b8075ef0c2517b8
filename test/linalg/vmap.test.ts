/**
 * Every public linalg function under vmap, against explicit loops over the
 * batch (a stack of per-example results), to 1e-12 relative:
 *   vmap(f)                 vs  stack_i f(xᵢ)
 *   vmap(grad(g∘f))         vs  stack_i grad(g∘f)(xᵢ)          (the VJPs run on batched tensors)
 *   grad(Σ g∘vmap(f))       vs  grad(Σᵢ g(f(xᵢ)))              (the batching rules are differentiated)
 *   vmap(jvp(f))            vs  stack_i jvp(f)(xᵢ; tᵢ)          (the JVPs run on batched tensors)
 * with g = Σ sin (a cotangent that differs between examples), a batch of 3,
 * and inAxes variations (axis 0, axis 1, null for a second argument). A
 * degenerate example raises under vmap the typed error it raises alone.
 */
import { describe, it, expect } from "vitest";
import {
  Tensor, linalg, eye, randn, matmul, mT, sub, add, mul, sum, sin, exp, concat, stack, slice, squeeze, unsqueeze, tril, tensor, ones, zeros, reshape,
  vmap, grad, jvp, vjp, type SliceSpec,
  SingularMatrixError, NotPositiveDefiniteError, DomainError, NonDifferentiableError,
} from "../../src/index.js";

const B = 3;
type Fn = (...xs: Tensor[]) => Tensor;
type Axis = number | null;

interface Case {
  name: string;
  f: Fn;
  /** The arguments of one example (seeded). */
  gen: (seed: number) => Tensor[];
  /** Arguments differentiated (default: all). */
  diff?: number[];
  /** A constant result (no derivative checks). */
  constant?: boolean;
  /** inAxes variations (default [all 0]). */
  axes?: Axis[][];
}

const maxAbs = (t: Tensor): number => t.toArray().reduce((s, v) => Math.max(s, Math.abs(v)), 0);
function close(a: Tensor, b: Tensor, what: string): void {
  expect(a.shape, what).toEqual(b.shape);
  const err = maxAbs(sub(a, b)), ref = maxAbs(b);
  expect(err, `${what}: max error ${err} for max |ref| ${ref}`).toBeLessThanOrEqual(1e-12 * (1 + ref));
}

/** Example i of x along axis ax (a differentiable slice). */
function pick(x: Tensor, ax: Axis, i: number): Tensor {
  if (ax === null) return x;
  if (ax < 0) ax += x.ndim;
  const spec: SliceSpec[] = x.shape.map(() => null);
  spec[ax] = [i, i + 1];
  return squeeze(slice(x, ...spec), ax);
}

/** The batch of B examples of argument k along axis ax (null: example 0 for all). */
function batchArg(examples: Tensor[][], k: number, ax: Axis): Tensor {
  if (ax === null) return examples[0][k];
  return stack(examples.map((e) => e[k]), ax);
}

const g = (y: Tensor): Tensor => sum(sin(y));
const asList = (r: unknown): Tensor[] => (Array.isArray(r) ? (r as Tensor[]) : [r as Tensor]);

function checkCase(c: Case, axes: Axis[]): void {
  const examples = Array.from({ length: B }, (_, i) => c.gen(10 * i + 1));
  const n = examples[0].length;
  const xs = examples[0].map((_, k) => batchArg(examples, k, axes[k]));
  const argsOf = (i: number, ys = xs): Tensor[] => ys.map((x, k) => pick(x, axes[k], i));
  const label = `${c.name} inAxes ${JSON.stringify(axes)}`;

  // vmap(f)
  const out = vmap(c.f, { inAxes: axes })(...xs);
  const ref = stack(Array.from({ length: B }, (_, i) => c.f(...argsOf(i))));
  close(out, ref, `${label}: vmap(f)`);
  if (c.constant) return;

  const diff = c.diff ?? Array.from({ length: n }, (_, k) => k);
  const loss = (...ys: Tensor[]): Tensor => g(c.f(...ys));

  // vmap(grad(g∘f))
  const vg = asList(vmap(grad(loss, { argnums: diff }), { inAxes: axes })(...xs));
  const lg = Array.from({ length: B }, (_, i) => asList(grad(loss, { argnums: diff })(...argsOf(i))));
  diff.forEach((_, j) => close(vg[j], stack(lg.map((r) => r[j])), `${label}: vmap(grad) argument ${diff[j]}`));

  // grad(Σ g∘vmap(f)) vs grad of the looped sum (with respect to the mapped arguments)
  const mapped = diff.filter((k) => axes[k] !== null);
  if (mapped.length > 0) {
    const gv = asList(grad((...ys: Tensor[]) => g(vmap(c.f, { inAxes: axes })(...ys)), { argnums: mapped })(...xs));
    const gl = asList(
      grad((...ys: Tensor[]) => {
        let acc: Tensor | null = null;
        for (let i = 0; i < B; i++) {
          const v = g(c.f(...argsOf(i, ys)));
          acc = acc === null ? v : add(acc, v);
        }
        return acc as Tensor;
      }, { argnums: mapped })(...xs),
    );
    mapped.forEach((k, j) => close(gv[j], gl[j], `${label}: grad(vmap) argument ${k}`));
  }

  // vmap(jvp(f)): tangents batched like their primals (the arguments not differentiated are held fixed)
  const ts = xs.map((x, k) => (diff.includes(k) ? randn(x.shape, { seed: 100 + k }) : zeros(x.shape)));
  const jf = (...ys: Tensor[]): Tensor => {
    const prim = ys.slice(0, n), tan = ys.slice(n);
    const withDiff = (...zs: Tensor[]): Tensor => c.f(...prim.map((p, k) => (diff.includes(k) ? zs[diff.indexOf(k)] : p)));
    return jvp(withDiff, diff.map((k) => prim[k]), diff.map((k) => tan[k])).tangent as Tensor;
  };
  const vj = vmap(jf, { inAxes: [...axes, ...axes] })(...xs, ...ts);
  const lj = stack(Array.from({ length: B }, (_, i) => jf(...argsOf(i), ...argsOf(i, ts))));
  close(vj, lj, `${label}: vmap(jvp)`);
}

// --- inputs of one example
const N = 3;
const general = (s: number): Tensor => add(randn([N, N], { seed: s }), mul(eye(N), 3));
const spd = (s: number): Tensor => {
  const m = randn([N, N], { seed: s });
  return add(matmul(m, mT(m)), eye(N));
};
const tall = (s: number): Tensor => randn([4, N], { seed: s });
const rhs = (s: number, k = 2): Tensor => randn([N, k], { seed: s + 7 });
const lower = (s: number): Tensor => add(tril(randn([N, N], { seed: s })), mul(eye(N), 3));

const sym = (a: Tensor): Tensor => mul(add(a, mT(a)), 0.5);
const AX2: Axis[][] = [[0, 0], [1, 0], [0, null], [null, 0]];

const cases: Case[] = [
  { name: "inv", f: (a) => linalg.inv(a), gen: (s) => [general(s)], axes: [[0], [1]] },
  { name: "det", f: (a) => linalg.det(a), gen: (s) => [general(s)], axes: [[0], [-1]] },
  // one singular example: det's gradient takes the SVD cofactor formula for the whole batch (equal to det·A⁻ᵀ elsewhere)
  { name: "det (a singular example)", f: (a) => linalg.det(a), gen: (s) => [s === 11 ? tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]]) : general(s)] },
  { name: "slogdet", f: (a) => { const r = linalg.slogdet(a); return add(r.logabsdet, r.sign); }, gen: (s) => [general(s)] },
  { name: "logdet", f: (a) => linalg.logdet(a), gen: (s) => [spd(s)] },
  { name: "solve", f: (a, b) => linalg.solve(a, b), gen: (s) => [general(s), rhs(s)], axes: AX2 },
  { name: "solve (vector b)", f: (a, b) => linalg.solve(a, b), gen: (s) => [general(s), randn([N], { seed: s + 3 })], axes: [[0, 0], [null, 0]] },
  { name: "solve (left: false)", f: (a, b) => linalg.solve(a, b, { left: false }), gen: (s) => [general(s), randn([2, N], { seed: s + 3 })], axes: [[0, null]] },
  { name: "triangularSolve", f: (t, b) => linalg.triangularSolve(t, b, { upper: false }), gen: (s) => [lower(s), rhs(s)], axes: AX2 },
  { name: "cholesky", f: (a) => linalg.cholesky(a), gen: (s) => [spd(s)], axes: [[0], [1]] },
  { name: "cholesky (upper)", f: (a) => linalg.cholesky(a, { upper: true }), gen: (s) => [spd(s)] },
  { name: "choleskySolve", f: (b, l) => linalg.choleskySolve(b, l), gen: (s) => [rhs(s), linalg.cholesky(spd(s))], axes: [[0, 0], [null, 0], [0, null]] },
  { name: "lu", f: (a) => { const { P, L, U } = linalg.lu(a); return add(add(mul(L, 2), U), P); }, gen: (s) => [general(s)] },
  { name: "luFactor + luSolve", f: (a, b) => { const { LU, pivots } = linalg.luFactor(a); return linalg.luSolve(LU, pivots, b); }, gen: (s) => [general(s), rhs(s)], axes: [[0, 0], [0, null], [null, 0]] },
  { name: "luSolve (adjoint)", f: (a, b) => { const { LU, pivots } = linalg.luFactor(a); return linalg.luSolve(LU, pivots, b, { adjoint: true }); }, gen: (s) => [general(s), rhs(s)] },
  { name: "luFactor (LU)", f: (a) => linalg.luFactor(a).LU, gen: (s) => [general(s)] },
  { name: "luFactor (pivots)", f: (a) => linalg.luFactor(a).pivots, gen: (s) => [general(s)], constant: true },
  { name: "qr", f: (a) => { const { Q, R } = linalg.qr(a); return concat([Q, R], -2); }, gen: (s) => [tall(s)], axes: [[0], [2]] },
  { name: "qr (square)", f: (a) => { const { Q, R } = linalg.qr(a); return add(Q, R); }, gen: (s) => [general(s)] },
  { name: "qr (wide)", f: (a) => linalg.qr(a).R, gen: (s) => [mT(tall(s))] },
  { name: "eigh", f: (a) => { const { eigenvalues, eigenvectors } = linalg.eigh(a); return mul(eigenvectors, unsqueeze(eigenvalues, -2)); }, gen: (s) => [sym(general(s))], axes: [[0], [1]] },
  { name: "eigvalsh", f: (a) => linalg.eigvalsh(a), gen: (s) => [sym(general(s))] },
  { name: "eigvalsh (eigenvalue tie)", f: (a) => linalg.eigvalsh(a), gen: (s) => [add(eye(N), mul(tensor([[0, 0, 0], [0, 0, 0], [0, 0, 1]]), s / 10))] },
  { name: "matrixFunction", f: (a) => linalg.matrixFunction(a, exp), gen: (s) => [sym(general(s))] },
  { name: "svd", f: (a) => { const { U, S, Vh } = linalg.svd(a, { fullMatrices: false }); return concat([mul(U, unsqueeze(S, -2)), Vh], -2); }, gen: (s) => [tall(s)], axes: [[0], [1]] },
  { name: "svd (full matrices, the completion unused)", f: (a) => { const { U, S } = linalg.svd(a); return mul(slice(U, null, [0, N]), unsqueeze(S, -2)); }, gen: (s) => [tall(s)] },
  { name: "qr (complete, the completion unused)", f: (a) => { const { Q, R } = linalg.qr(a, { mode: "complete" }); return concat([slice(Q, null, [0, N]), slice(R, [0, N], null)], -2); }, gen: (s) => [tall(s)] },
  { name: "svd (wide)", f: (a) => { const { U, S, Vh } = linalg.svd(a, { fullMatrices: false }); return concat([U, mul(unsqueeze(S, -1), Vh)], -1); }, gen: (s) => [mT(tall(s))] },
  { name: "svdvals", f: (a) => linalg.svdvals(a), gen: (s) => [tall(s)] },
  { name: "pinv", f: (a) => linalg.pinv(a), gen: (s) => [tall(s)] },
  { name: "pinv (hermitian)", f: (a) => linalg.pinv(a, { hermitian: true }), gen: (s) => [spd(s)] },
  { name: "matrixRank", f: (a) => linalg.matrixRank(a), gen: (s) => [s === 11 ? matmul(tall(s), tensor([[1, 0, 1], [0, 1, 1], [0, 0, 0]])) : tall(s)], constant: true },
  { name: "matrixRank (hermitian)", f: (a) => linalg.matrixRank(a, { hermitian: true }), gen: (s) => [spd(s)], constant: true },
  { name: "lstsq (tall)", f: (a, b) => { const r = linalg.lstsq(a, b); return concat([r.solution, unsqueeze(r.residuals, -2)], -2); }, gen: (s) => [tall(s), randn([4, 2], { seed: s + 5 })], axes: [[0, 0], [0, null], [null, 0]] },
  // one rank-deficient example: under vmap one method serves the batch (the pseudo-inverse), equal to QR at full rank
  { name: "lstsq (a rank-deficient example)", f: (a, b) => linalg.lstsq(a, b).solution, gen: (s) => [s === 11 ? matmul(tall(s), tensor([[1, 0, 1], [0, 1, 1], [0, 0, 0]])) : tall(s), randn([4, 2], { seed: s + 5 })], diff: [1] },
  { name: "lstsq (wide)", f: (a, b) => linalg.lstsq(a, b).solution, gen: (s) => [mT(tall(s)), rhs(s)] },
  { name: "lstsq (rank, singular values)", f: (a, b) => { const r = linalg.lstsq(a, b); return concat([unsqueeze(r.rank, -1), r.singularValues], -1); }, gen: (s) => [tall(s), randn([4, 2], { seed: s + 5 })], constant: true },
  { name: "vectorNorm (ord 3, dim 1)", f: (x) => linalg.vectorNorm(x, 3, { dim: 1 }), gen: (s) => [tall(s)], axes: [[0], [2]] },
  { name: "vectorNorm (ord 2, all)", f: (x) => linalg.vectorNorm(x), gen: (s) => [tall(s)] },
  { name: "vectorNorm (ord 1.5, dim [0], keepdim)", f: (x) => linalg.vectorNorm(x, 1.5, { dim: [0], keepdim: true }), gen: (s) => [tall(s)] },
  { name: "matrixNorm fro", f: (a) => linalg.matrixNorm(a), gen: (s) => [tall(s)] },
  { name: "matrixNorm nuc", f: (a) => linalg.matrixNorm(a, "nuc"), gen: (s) => [tall(s)] },
  { name: "matrixNorm 2", f: (a) => linalg.matrixNorm(a, 2), gen: (s) => [tall(s)] },
  { name: "matrixNorm -2", f: (a) => linalg.matrixNorm(a, -2), gen: (s) => [tall(s)] },
  { name: "matrixNorm 1", f: (a) => linalg.matrixNorm(a, 1), gen: (s) => [tall(s)] },
  { name: "matrixNorm ∞ (dim [0, 1], keepdim)", f: (a) => linalg.matrixNorm(a, Infinity, { dim: [1, 0], keepdim: true }), gen: (s) => [tall(s)] },
  { name: "cond", f: (a) => linalg.cond(a), gen: (s) => [tall(s)] },
  { name: "cond fro", f: (a) => linalg.cond(a, "fro"), gen: (s) => [general(s)] },
  { name: "matrixPower 3", f: (a) => linalg.matrixPower(a, 3), gen: (s) => [general(s)] },
  { name: "matrixPower -2", f: (a) => linalg.matrixPower(a, -2), gen: (s) => [general(s)] },
  { name: "matrixPower 0", f: (a) => linalg.matrixPower(a, 0), gen: (s) => [general(s)] },
  { name: "expm", f: (a) => linalg.expm(a), gen: (s) => [mul(randn([N, N], { seed: s }), 0.5)], axes: [[0], [1]] },
  { name: "expmFrechet", f: (a, e) => linalg.expmFrechet(a, e), gen: (s) => [mul(randn([N, N], { seed: s }), 0.5), randn([N, N], { seed: s + 1 })], axes: AX2 },
  { name: "logm", f: (a) => linalg.logm(a), gen: (s) => [spd(s)] },
  { name: "logm (non-symmetric)", f: (a) => linalg.logm(a), gen: (s) => [add(mul(randn([N, N], { seed: s }), 0.2), eye(N))] },
  { name: "sqrtm", f: (a) => linalg.sqrtm(a), gen: (s) => [add(mul(randn([N, N], { seed: s }), 0.2), eye(N))] },
  { name: "solveSylvester", f: (a, b, c) => linalg.solveSylvester(a, b, c), gen: (s) => [spd(s), spd(s + 1), randn([N, N], { seed: s + 2 })], axes: [[0, 0, 0], [null, 0, 1], [0, null, null]] },
  { name: "solveLyapunov", f: (a, q) => linalg.solveLyapunov(a, q), gen: (s) => [spd(s), randn([N, N], { seed: s + 2 })], axes: AX2 },
  { name: "lu (rectangular)", f: (a) => { const { P, L, U } = linalg.lu(a); return add(matmul(P, L), mul(matmul(L, U), 2)); }, gen: (s) => [tall(s)] },
  { name: "luFactor (rectangular)", f: (a) => linalg.luFactor(a).LU, gen: (s) => [tall(s)] },
  { name: "schur", f: (a) => { const { T, Z } = linalg.schur(a); return add(T, Z); }, gen: (s) => [spd(s)] },
  { name: "hessenberg", f: (a) => { const { H, Q } = linalg.hessenberg(a); return add(H, Q); }, gen: (s) => [general(s)] },
  { name: "polar", f: (a) => { const { U, P } = linalg.polar(a); return add(U, P); }, gen: (s) => [general(s)] },
  { name: "householderProduct", f: (a, t) => linalg.householderProduct(a, t), gen: (s) => [tall(s), mul(randn([N], { seed: s + 1 }), 0.5)], axes: [[0, 0], [0, null]] },
  { name: "funm exp", f: (a) => linalg.funm(a, "exp"), gen: (s) => [mul(randn([N, N], { seed: s }), 0.5)] },
  { name: "invEx", f: (a) => { const { inverse, info } = linalg.invEx(a); return add(inverse, unsqueeze(unsqueeze(info, -1), -1)); }, gen: (s) => [general(s)] },
  { name: "invEx (a singular example)", f: (a) => linalg.invEx(a).info, gen: (s) => [s === 11 ? tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]]) : general(s)], constant: true },
  { name: "solveEx", f: (a, b) => linalg.solveEx(a, b).result, gen: (s) => [general(s), rhs(s)], axes: [[0, 0], [null, 0]] },
  { name: "choleskyEx", f: (a) => linalg.choleskyEx(a).L, gen: (s) => [spd(s)] },
  { name: "solveDiscreteLyapunov", f: (a, q) => linalg.solveDiscreteLyapunov(a, q), gen: (s) => [mul(randn([N, N], { seed: s }), 0.3), spd(s + 1)], axes: [[0, 0], [null, 0]] },
  { name: "solveContinuousAre", f: (a, b, q, r) => linalg.solveContinuousAre(a, b, q, r), gen: (s) => [randn([N, N], { seed: s }), randn([N, 2], { seed: s + 1 }), spd(s + 2), add(eye(2), 0)], axes: [[0, 0, 0, null]] },
  { name: "solveDiscreteAre", f: (a, b, q, r) => linalg.solveDiscreteAre(a, b, q, r), gen: (s) => [mul(randn([N, N], { seed: s }), 0.5), randn([N, 2], { seed: s + 1 }), spd(s + 2), add(eye(2), 0)], axes: [[0, 0, 0, null]] },
  { name: "ldlFactor", f: (a) => add(linalg.ldlFactor(a).LD, linalg.ldlFactor(a).pivots.unsqueeze(-1)), gen: (s) => [sub(sym(general(s)), mul(eye(N), 3))], constant: true },
  { name: "ldlFactor + ldlSolve", f: (a, b) => { const { LD, pivots } = linalg.ldlFactor(a); return linalg.ldlSolve(LD, pivots, b); }, gen: (s) => [sub(sym(general(s)), mul(eye(N), 3)), rhs(s)], diff: [1], axes: [[0, 0], [0, null], [null, 0]] },
  { name: "multiDot", f: (a, b) => linalg.multiDot([a, b, a]), gen: (s) => [general(s), randn([N, N], { seed: s + 4 })], axes: [[0, null], [null, 0]] },
  { name: "vecdot", f: (x, y) => linalg.vecdot(x, y), gen: (s) => [tall(s), tall(s + 1)], axes: [[0, 0], [2, null]] },
];

describe("linalg under vmap: against loops over the batch", () => {
  for (const c of cases)
    it(c.name, () => {
      for (const axes of c.axes ?? [c.gen(1).map(() => 0)]) checkCase(c, axes);
    });
});

/** The cases exercised by the further compositions below (one or two per rule family). */
const FAMILIES = [
  "inv", "det", "logdet", "solve", "triangularSolve", "cholesky", "lu", "luFactor + luSolve", "qr", "eigh", "matrixFunction", "svd",
  "pinv", "lstsq (tall)", "vectorNorm (ord 3, dim 1)", "matrixNorm nuc", "expm", "expmFrechet", "logm", "sqrtm", "solveSylvester", "solveLyapunov",
  "lu (rectangular)", "schur", "hessenberg", "polar", "funm exp", "invEx", "solveEx", "choleskyEx", "solveDiscreteLyapunov", "solveContinuousAre",
];
const family = cases.filter((c) => FAMILIES.includes(c.name));

describe("linalg under vmap: further compositions against loops", () => {
  for (const c of family)
    it(c.name, () => {
      const x0 = c.gen(1);
      const n = x0.length;
      // vmap over cotangents with the primal fixed (jacrev's pattern: the VJP rules see batched cotangents, unbatched factors)
      const { out, vjpFn } = vjp((...zs: Tensor[]) => c.f(...zs), ...x0);
      const cts = randn([B, ...out.shape], { seed: 5 });
      const vv = asList(vmap((ct: Tensor) => vjpFn(ct))(cts));
      const lv = Array.from({ length: B }, (_, i) => asList(vjpFn(pick(cts, 0, i))));
      for (let k = 0; k < n; k++) close(vv[k], stack(lv.map((r) => r[k])), `${c.name}: vmap(vjpFn) argument ${k}`);

      // jvp(vmap(f)): the batching rules carry tangents
      const examples = Array.from({ length: B }, (_, i) => c.gen(10 * i + 1));
      const xs = x0.map((_, k) => batchArg(examples, k, 0));
      const ts = xs.map((x, k) => randn(x.shape, { seed: 200 + k }));
      const jv = jvp((...zs: Tensor[]) => vmap(c.f)(...zs), xs, ts).tangent as Tensor;
      const jl = stack(Array.from({ length: B }, (_, i) => jvp((...zs: Tensor[]) => c.f(...zs), xs.map((x) => pick(x, 0, i)), ts.map((t) => pick(t, 0, i))).tangent as Tensor));
      close(jv, jl, `${c.name}: jvp(vmap)`);

      // nested vmap over a 2 × 3 batch
      const ex2 = Array.from({ length: 2 * B }, (_, i) => c.gen(7 * i + 3));
      const xs2 = x0.map((_, k) => reshapeBatch(stack(ex2.map((e) => e[k])), [2, B]));
      const nn = vmap(vmap(c.f))(...xs2);
      const nl = stack([0, 1].map((i) => stack(Array.from({ length: B }, (_, j) => c.f(...xs2.map((x) => pick(pick(x, 0, i), 0, j)))))));
      close(nn, nl, `${c.name}: vmap(vmap(f))`);
      // per-example gradients inside a nested vmap
      const loss = (...zs: Tensor[]): Tensor => g(c.f(...zs));
      const gn = asList(vmap(vmap(grad(loss)))(...xs2))[0];
      const gl = stack([0, 1].map((i) => stack(Array.from({ length: B }, (_, j) => asList(grad(loss)(...xs2.map((x) => pick(pick(x, 0, i), 0, j))))[0]))));
      close(gn, gl, `${c.name}: vmap(vmap(grad))`);

      // second order under vmap: a Hessian-vector product per example (VJPs of the VJP rules run batched)
      // H v with v = the first argument itself: ∇_w ⟨∇_w L(w), v⟩
      const hv = (...zs: Tensor[]): Tensor => asList(grad((...ws: Tensor[]) => sum(mul(asList(grad(loss)(...ws))[0], zs[0])))(...zs))[0];
      close(vmap(hv)(...xs), stack(Array.from({ length: B }, (_, i) => hv(...xs.map((x) => pick(x, 0, i))))), `${c.name}: vmap(hvp)`);
    });
});

describe("linalg under vmap: crossed nesting (one argument mapped by the outer vmap, the other by the inner)", () => {
  const As = stack([0, 1].map((i) => general(i + 1)));
  const Bs = stack([0, 1, 2].map((i) => rhs(i + 1)));
  const crossed = (f: (a: Tensor, b: Tensor) => Tensor, as: Tensor, bs: Tensor, what: string): void => {
    const out = vmap((a: Tensor) => vmap((b: Tensor) => f(a, b))(bs))(as);
    const ref = stack([0, 1].map((i) => stack([0, 1, 2].map((j) => f(pick(as, 0, i), pick(bs, 0, j))))));
    close(out, ref, what);
  };
  it("solve, luSolve with outer pivots, expmFrechet, solveSylvester", () => {
    crossed((a, b) => linalg.solve(a, b), As, Bs, "solve");
    crossed((a, b) => grad((x: Tensor) => g(linalg.solve(x, b)))(a) as Tensor, As, Bs, "grad of solve in A");
    crossed((a, b) => { const { LU, pivots } = linalg.luFactor(a); return linalg.luSolve(LU, pivots, b); }, As, Bs, "luSolve");
    const Es = stack([0, 1, 2].map((i) => randn([N, N], { seed: 30 + i })));
    crossed((a, e) => linalg.expmFrechet(mul(a, 0.2), e), As, Es, "expmFrechet");
    const S3 = spd(3); // drawn outside vmap
    crossed((a, c) => linalg.solveSylvester(S3, add(add(a, mT(a)), mul(eye(N), 3)), c), As, Es, "solveSylvester");
  });
  it("eigh and svd pullbacks: factors mapped by the outer vmap, cotangents by the inner", () => {
    const Ss = stack([0, 1].map((i) => sym(general(i + 1))));
    const Cs = stack([0, 1, 2].map((i) => randn([N, N], { seed: 40 + i })));
    crossed((a, ct) => vjp((x: Tensor) => linalg.eigh(x).eigenvectors, a).vjpFn(ct)[0], Ss, Cs, "eigh vjpFn");
    crossed((a, ct) => vjp((x: Tensor) => linalg.svd(x, { fullMatrices: false }).U, a).vjpFn(ct)[0], Ss, Cs, "svd vjpFn");
    crossed((a, t) => jvp((x: Tensor) => linalg.eigh(x).eigenvectors, [a], [t]).tangent as Tensor, Ss, Cs, "eigh jvp");
  });
});

/** [P·Q, …] → [P, Q, …]. */
function reshapeBatch(x: Tensor, lead: number[]): Tensor {
  return reshape(x, [...lead, ...x.shape.slice(1)]);
}

describe("linalg under vmap: a degenerate example raises the error it raises alone", () => {
  /** Three examples, the middle one degenerate; the same error class under vmap as for the example alone. */
  function sameError(f: (x: Tensor) => unknown, good: Tensor, bad: Tensor, kind: new (...a: never[]) => Error): void {
    expect(() => f(bad)).toThrow(kind);
    expect(() => f(good)).not.toThrow();
    const xs = stack([good, bad, good]);
    expect(() => vmap(f)(xs)).toThrow(kind);
    let msg = "";
    try {
      vmap(f)(xs);
    } catch (e) {
      msg = (e as Error).message;
    }
    const ref = (() => {
      try {
        f(bad);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(msg.split(":")[0]).toBe(ref.split(":")[0]); // the same op names the error
  }
  const singular = tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]]);
  const A = general(1);

  it("inv / solve / det's second derivative at a singular matrix: SingularMatrixError", () => {
    sameError((a) => linalg.inv(a), A, singular, SingularMatrixError);
    sameError((a) => linalg.solve(a, ones([N, 1])), A, singular, SingularMatrixError);
    sameError((a) => grad((x: Tensor) => linalg.slogdet(x).logabsdet)(a), A, singular, SingularMatrixError);
    sameError((a) => grad((x: Tensor) => sum(linalg.lu(x).U))(a), A, singular, SingularMatrixError);
  });
  it("invEx / choleskyEx with checkErrors: the failed example raises", () => {
    sameError((a) => linalg.invEx(a, { checkErrors: true }).inverse, A, singular, SingularMatrixError);
    sameError((a) => linalg.choleskyEx(a, { checkErrors: true }).L, spd(1), tensor([[1, 2, 0], [2, 1, 0], [0, 0, 1]]), NotPositiveDefiniteError);
  });
  it("cholesky of an indefinite matrix: NotPositiveDefiniteError", () => {
    sameError((a) => linalg.cholesky(a), spd(1), tensor([[1, 2, 0], [2, 1, 0], [0, 0, 1]]), NotPositiveDefiniteError);
  });
  it("logdet with det < 0, logm / sqrtm of a negative eigenvalue: DomainError", () => {
    sameError((a) => linalg.logdet(a), spd(1), tensor([[-1, 0, 0], [0, 1, 0], [0, 0, 1]]), DomainError);
    sameError((a) => linalg.logm(a), spd(1), tensor([[-2, 0, 0], [0, 1, 0], [0, 0, 1]]), DomainError);
    sameError((a) => linalg.sqrtm(a), spd(1), tensor([[-2, 0, 0], [0, 1, 0], [0, 0, 1]]), DomainError);
  });
  it("eigh / svd with a basis-dependent loss at a repeated value, qr at a rank-deficient matrix: NonDifferentiableError", () => {
    const tie = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 2]]);
    const w = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]); // weights making the loss depend on the basis of the tied pair
    sameError((a) => grad((x: Tensor) => sum(mul(linalg.eigh(x).eigenvectors, w)))(a), sym(general(1)), tie, NonDifferentiableError);
    sameError((a) => grad((x: Tensor) => sum(mul(linalg.svd(x, { fullMatrices: false }).Vh, w)))(a), tall(1), concat([tie, zeros([1, N])], -2), NonDifferentiableError);
    sameError((a) => grad((x: Tensor) => sum(linalg.qr(x).Q))(a), tall(1), tensor([[1, 2, 0], [2, 4, 0], [3, 6, 1], [1, 2, 1]]), NonDifferentiableError);
  });
  it("vmap over cotangents at a repeated eigenvalue: invariant cotangents pass (as in a loop), one basis-dependent cotangent raises", () => {
    const tie = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 2]]);
    const { out, vjpFn } = vjp((x: Tensor) => linalg.eigh(x).eigenvectors, tie);
    const symm = (s: number): Tensor => matmul(out, sym(randn([N, N], { seed: s }))); // J = Uᵀ Ū symmetric: invariant
    const good = stack([symm(1), symm(2), symm(3)]);
    const vv = vmap((ct: Tensor) => vjpFn(ct)[0])(good);
    close(vv, stack([0, 1, 2].map((i) => vjpFn(pick(good, 0, i))[0])), "eigh vmap(vjpFn) at a tie");
    const bad = stack([symm(1), matmul(out, randn([N, N], { seed: 4 })), symm(3)]);
    expect(() => vjpFn(pick(bad, 0, 1))).toThrow(NonDifferentiableError);
    expect(() => vmap((ct: Tensor) => vjpFn(ct)[0])(bad)).toThrow(NonDifferentiableError);
  });
  it("at a repeated eigenvalue, gauge-invariant losses stay differentiable under vmap (tie averaging per example)", () => {
    const tie = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 2]]);
    const f = (x: Tensor): Tensor => grad((y: Tensor) => sum(mul(linalg.eigvalsh(y), tensor([1, 2, 3]))))(x) as Tensor;
    const xs = stack([sym(general(1)), tie, sym(general(2))]);
    close(vmap(f)(xs), stack([0, 1, 2].map((i) => f(pick(xs, 0, i)))), "tied eigvalsh gradient");
  });
});
