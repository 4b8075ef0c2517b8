/**
 * Generator of the WebAssembly SIMD128 module with the level-3 base cases of
 * the factorizations (triangular solves, LU panel, transposition, column
 * interchanges). Like gemm-module.ts it is produced from this source at run
 * time (≈2 KiB, deterministic: `buildTrsmModule(opts)` is a pure function of
 * its options), so no binary is committed; test/kernels/wasm-trsm.test.ts checks
 * that it is deterministic, validates, and agrees bit for bit with the
 * TypeScript base cases it replaces.
 *
 * The module imports the memory of the WASM GEMM engine, so the blocked
 * drivers in lu.ts / triangular.ts / cholesky.ts keep their work matrices in a
 * resident arena: the GEMM updates address them in place and these kernels do
 * the small diagonal-block work without leaving WebAssembly memory.
 *
 * Every kernel performs the same floating-point operations in the same order
 * as its TypeScript counterpart (SIMD lanes are independent IEEE operations),
 * so results — and the pivots of the LU — are identical to the portable path.
 *
 * Exports (pointers are byte addresses, strides / leading dimensions elements):
 *   trsmLeft(lower, unit, i0, i1, n, t, rs, cs, b, ldb)
 *     rows i0..i1−1 of B (n columns) ← op(T)⁻¹ restricted to the diagonal block:
 *     forward substitution (lower) or back substitution (upper), op(T)(r, c) at
 *     t + 8·(r·rs + c·cs); the triangle's other half and (unit) the diagonal are never read.
 *   trsmRight(lower, unit, j0, j1, m, t, rs, cs, b, ldb, scratch)
 *     columns j0..j1−1 of the m rows of B ← B·op(T)⁻¹ on the diagonal block; scratch: 16·w·(w+1) bytes.
 *   luPanel(pt, m, w, c0, piv, st)
 *     unblocked partial-pivoting LU of a column panel (columns c0..c0+w−1, rows
 *     c0..c0+m−1) held column-major at pt; piv: i32[n] (absolute indices);
 *     st: i32 info, i32 swaps. rowSwapsOutside(a, n, c0, c1, piv) then applies
 *     the panel's interchanges to the other columns of the row-major matrix.
 *   transpose(src, lds, dst, ldd, rows, cols)    dst[j, i] = src[i, j]
 *   colSwapsReverse(a, ld, rows, n, piv)   for j = n−2 … 0: swap columns j and piv[j]
 */
import { block, brIf, f64, f64x2, forLt, Func, get, i32, i8x16, if_, loop, seq, set, tee, Ty, v128, encodeModule, uleb, type Code } from "./encode.js";

const LANES_00 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const LANES_11 = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

export interface TrsmModuleOptions {
  /** import a shared memory (the thread pool's engine) */
  shared: boolean;
  minPages: number;
  maxPages?: number;
}

const c32 = i32.const;
// SIMD / scalar opcodes encode.ts does not name
const simdOp = (op: number): Code => [0xfd, uleb(op)];
const f64x2Div = (a: Code, b: Code): Code => [a, b, simdOp(0xf3)];
const f64x2ReplaceLane = (v: Code, lane: number, x: Code): Code => [v, x, simdOp(0x22), lane];
const f64Div = (a: Code, b: Code): Code => [a, b, 0xa3];
const f64Abs = (a: Code): Code => [a, 0x99];
const f64Gt = (a: Code, b: Code): Code => [a, b, 0x64];
const f64x2Eq = (a: Code, b: Code): Code => [a, b, simdOp(0x47)];
/** bitselect(a, b, mask): a where the mask bits are set, else b */
const v128Bitselect = (a: Code, b: Code, mask: Code): Code => [a, b, mask, simdOp(0x52)];
const or = (a: Code, b: Code): Code => [a, b, 0x72];
/** element address: base + 8·index */
const at = (base: Code, index: Code): Code => i32.add(base, i32.shl(index, c32(3)));

/**
 * dst[0:len] ← f(dst, srcs…) over a contiguous row segment: f64x2 pairs, then a
 * scalar tail. `body(load, isVec)` returns the new value from loads of the
 * destination (k = −1) and the sources (k ≥ 0) at the current offset.
 */
function rowLoop(
  f: Func,
  dst: number,
  srcs: number[],
  len: Code,
  body: (load: (k: number) => Code, vec: boolean) => Code,
): Code {
  const o = f.local(Ty.i32);
  const end = f.local(Ty.i32);
  const ld = (vec: boolean) => (k: number): Code => {
    const p = i32.add(get(k < 0 ? dst : srcs[k]), get(o));
    return vec ? v128.load(p) : f64.load(p);
  };
  const dAddr = i32.add(get(dst), get(o));
  return seq(
    set(end, i32.shl(len, c32(3))),
    set(o, c32(0)),
    block(
      brIf(0, i32.gt_s(i32.add(get(o), c32(16)), get(end))),
      loop(
        v128.store(dAddr, body(ld(true), true)),
        set(o, i32.add(get(o), c32(16))),
        brIf(0, i32.le_s(i32.add(get(o), c32(16)), get(end))),
      ),
    ),
    if_(i32.lt_s(get(o), get(end)), f64.store(dAddr, body(ld(false), false))),
  );
}

const vsub = (vec: boolean) => (vec ? f64x2.sub : f64.sub);
const vadd = (vec: boolean) => (vec ? f64x2.add : f64.add);
const vmul = (vec: boolean) => (vec ? f64x2.mul : f64.mul);

function trsmLeftFunc(): Func {
  const f = new Func("trsmLeft", [Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [lower, unit, i0, i1, n, t, rs, cs, b, ldb] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const s = f.local(Ty.i32); // step counter
  const i = f.local(Ty.i32);
  const k = f.local(Ty.i32);
  const k1 = f.local(Ty.i32);
  const ri = f.local(Ty.i32);
  const ti = f.local(Ty.i32);
  const rows = f.locals_(Ty.i32, 4);
  const cf = f.locals_(Ty.f64, 4);
  const cv = f.locals_(Ty.v128, 4);
  const d = f.local(Ty.f64);
  const dv = f.local(Ty.v128);
  const ldb8 = f.local(Ty.i32);
  const tElem = (kk: Code) => f64.load(at(get(ti), i32.mul(kk, get(cs))));
  const coef = (q: number, vec: boolean) => get(vec ? cv[q] : cf[q]);
  const loadCoefs = (cnt: number) => {
    const out: Code[] = [];
    for (let q = 0; q < cnt; q++) {
      out.push(set(cf[q], tElem(i32.add(get(k), c32(q)))));
      out.push(set(cv[q], f64x2.splat(get(cf[q]))));
      out.push(set(rows[q], q === 0 ? i32.add(get(b), i32.mul(get(k), get(ldb8))) : i32.add(get(rows[q - 1]), get(ldb8))));
    }
    return out;
  };
  // B_i −= c0 B_k0 + c1 B_k1 + (c2 B_k2 + c3 B_k3)  (the TypeScript expression order)
  const four = rowLoop(f, ri, rows, get(n), (ld, vec) => {
    const [mul, add] = [vmul(vec), vadd(vec)];
    const p = (q: number) => mul(coef(q, vec), ld(q));
    return vsub(vec)(ld(-1), add(add(p(0), p(1)), add(p(2), p(3))));
  });
  const two = rowLoop(f, ri, rows, get(n), (ld, vec) =>
    vsub(vec)(ld(-1), vadd(vec)(vmul(vec)(coef(0, vec), ld(0)), vmul(vec)(coef(1, vec), ld(1)))),
  );
  const one = rowLoop(f, ri, rows, get(n), (ld, vec) => vsub(vec)(ld(-1), vmul(vec)(coef(0, vec), ld(0))));
  const divide = rowLoop(f, ri, [], get(n), (ld, vec) => (vec ? f64x2Div(ld(-1), get(dv)) : f64Div(ld(-1), get(d))));
  f.body = seq(
    set(ldb8, i32.shl(get(ldb), c32(3))),
    forLt(
      s,
      c32(0),
      i32.sub(get(i1), get(i0)),
      c32(1),
      // lower: i = i0 + s, k ∈ [i0, i); upper: i = i1 − 1 − s, k ∈ [i + 1, i1)
      set(i, i32.select(i32.add(get(i0), get(s)), i32.sub(i32.sub(get(i1), c32(1)), get(s)), get(lower))),
      set(k, i32.select(get(i0), i32.add(get(i), c32(1)), get(lower))),
      set(k1, i32.select(get(i), get(i1), get(lower))),
      set(ri, i32.add(get(b), i32.mul(get(i), get(ldb8)))),
      set(ti, at(get(t), i32.mul(get(i), get(rs)))),
      block(
        brIf(0, i32.ge_s(i32.add(get(k), c32(3)), get(k1))),
        loop(...loadCoefs(4), four, set(k, i32.add(get(k), c32(4))), brIf(0, i32.lt_s(i32.add(get(k), c32(3)), get(k1)))),
      ),
      if_(i32.lt_s(i32.add(get(k), c32(1)), get(k1)), seq(...loadCoefs(2), two, set(k, i32.add(get(k), c32(2))))),
      if_(
        i32.lt_s(get(k), get(k1)),
        seq(...loadCoefs(1), if_(f64.ne(get(cf[0]), f64.const(0)), one)),
      ),
      if_(i32.eqz(get(unit)), seq(set(d, tElem(get(i))), set(dv, f64x2.splat(get(d))), divide)),
    ),
  );
  return f;
}

/**
 * Right base case, two rows of B at a time (lane 0: row r, lane 1: row r + 1):
 * the op(T) block is copied column-contiguous and splatted (scratch[j·w + k] =
 * [op(T)(j0+k, j0+j)] × 2), solved values of the two rows are kept as pairs in
 * scratch after it; the sequential `s −= x_k·t` order of the TypeScript kernel is kept.
 */
function trsmRightFunc(): Func {
  const f = new Func("trsmRight", [Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [lower, unit, j0, j1, m, t, rs, cs, b, ldb, scr] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const w = f.local(Ty.i32);
  const j = f.local(Ty.i32);
  const k = f.local(Ty.i32);
  const q = f.local(Ty.i32);
  const r = f.local(Ty.i32);
  const br0 = f.local(Ty.i32);
  const br1 = f.local(Ty.i32);
  const xs = f.local(Ty.i32);
  const tj = f.local(Ty.i32);
  const sv = f.local(Ty.v128);
  const sf = f.local(Ty.f64);
  const kLo = f.local(Ty.i32);
  const kHi = f.local(Ty.i32);
  const two = f.local(Ty.i32);
  const pairAddr = (base: number, idx: Code) => i32.add(get(base), i32.shl(idx, c32(4)));
  // j = j-th column in solve order: ascending for upper op(T), descending for lower
  const jOf = i32.select(get(q), i32.sub(i32.sub(get(w), c32(1)), get(q)), i32.eqz(get(lower)));
  const rowAt = (row: number, col: Code) => at(get(row), i32.add(get(j0), col));
  const solveCols = (pair: boolean) =>
    forLt(
      q,
      c32(0),
      get(w),
      c32(1),
      set(j, jOf),
      set(tj, i32.mul(get(j), get(w))),
      set(kLo, i32.select(c32(0), i32.add(get(j), c32(1)), i32.eqz(get(lower)))),
      set(kHi, i32.select(get(j), get(w), i32.eqz(get(lower)))),
      pair
        ? seq(
            set(sv, f64x2ReplaceLane(f64x2.splat(f64.load(rowAt(br0, get(j)))), 1, f64.load(rowAt(br1, get(j))))),
            forLt(k, get(kLo), get(kHi), c32(1), set(sv, f64x2.sub(get(sv), f64x2.mul(v128.load(pairAddr(xs, get(k))), v128.load(pairAddr(scr, i32.add(get(tj), get(k)))))))),
            if_(i32.eqz(get(unit)), set(sv, f64x2Div(get(sv), v128.load(pairAddr(scr, i32.add(get(tj), get(j))))))),
            v128.store(pairAddr(xs, get(j)), get(sv)),
            f64.store(rowAt(br0, get(j)), f64x2.extractLane(get(sv), 0)),
            f64.store(rowAt(br1, get(j)), f64x2.extractLane(get(sv), 1)),
          )
        : seq(
            set(sf, f64.load(rowAt(br0, get(j)))),
            forLt(k, get(kLo), get(kHi), c32(1), set(sf, f64.sub(get(sf), f64.mul(f64.load(rowAt(br0, get(k))), f64.load(pairAddr(scr, i32.add(get(tj), get(k)))))))),
            if_(i32.eqz(get(unit)), set(sf, f64Div(get(sf), f64.load(pairAddr(scr, i32.add(get(tj), get(j))))))),
            f64.store(rowAt(br0, get(j)), get(sf)),
          ),
    );
  f.body = seq(
    set(w, i32.sub(get(j1), get(j0))),
    set(xs, i32.add(get(scr), i32.shl(i32.mul(get(w), get(w)), c32(4)))),
    // scratch[j·w + k] = splat(op(T)(j0 + k, j0 + j)); the unit diagonal is never read
    forLt(
      j,
      c32(0),
      get(w),
      c32(1),
      forLt(
        k,
        c32(0),
        get(w),
        c32(1),
        if_(
          or(i32.ne(get(j), get(k)), i32.eqz(get(unit))),
          v128.store(
            pairAddr(scr, i32.add(i32.mul(get(j), get(w)), get(k))),
            f64x2.splat(f64.load(at(get(t), i32.add(i32.mul(i32.add(get(j0), get(j)), get(cs)), i32.mul(i32.add(get(j0), get(k)), get(rs)))))),
          ),
        ),
      ),
    ),
    set(two, i32.and(get(m), c32(-2))),
    forLt(
      r,
      c32(0),
      get(two),
      c32(2),
      set(br0, at(get(b), i32.mul(get(r), get(ldb)))),
      set(br1, at(get(br0), get(ldb))),
      solveCols(true),
    ),
    if_(i32.lt_s(get(two), get(m)), seq(set(br0, at(get(b), i32.mul(get(two), get(ldb)))), solveCols(false))),
  );
  return f;
}

/**
 * luPanel(pt, m, w, c0, piv, st): the panel of columns c0..c0+w−1, rows
 * c0..c0+m−1, stored column-major at pt (element (i, c) at pt + 8·(c·m + i)),
 * so that the pivot search, the scaling and the rank-1 updates run along
 * contiguous columns (row-major panels of a large matrix stride by its row
 * length and thrash the cache's sets). Row interchanges swap the w panel entries
 * only (see rowSwapsOutside for the rest). Same operations as the TypeScript
 * luPanel: first maximal |entry| as pivot, division by it, and the update
 * a − l·u skipped (old value kept, bitselect) where l = 0.
 */
function luPanelFunc(): Func {
  const f = new Func("luPanel", [Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [pt, m, w, c0, piv, st] = [0, 1, 2, 3, 4, 5];
  const j = f.local(Ty.i32);
  const i = f.local(Ty.i32);
  const c = f.local(Ty.i32);
  const p = f.local(Ty.i32);
  const m8 = f.local(Ty.i32);
  const colJ = f.local(Ty.i32);
  const colC = f.local(Ty.i32);
  const amax = f.local(Ty.f64);
  const v = f.local(Ty.f64);
  const d = f.local(Ty.f64);
  const u = f.local(Ty.f64);
  const dv = f.local(Ty.v128);
  const uv = f.local(Ty.v128);
  const zero = f.local(Ty.v128);
  const len = f.local(Ty.i32);
  const dst = f.local(Ty.i32);
  const src = f.local(Ty.i32);
  const t = f.local(Ty.f64);
  // column segment rows j+1..m−1: dst ← dst / d
  const scale = rowLoop(f, dst, [], get(len), (ld, vec) => (vec ? f64x2Div(ld(-1), get(dv)) : f64Div(ld(-1), get(d))));
  // dst ← (src = 0) ? dst : dst − src·u
  const upd = rowLoop(f, dst, [src], get(len), (ld, vec) =>
    vec
      ? v128Bitselect(ld(-1), f64x2.sub(ld(-1), f64x2.mul(ld(0), get(uv))), f64x2Eq(ld(0), get(zero)))
      : f64.select(ld(-1), f64.sub(ld(-1), f64.mul(ld(0), get(u))), f64.eq(ld(0), f64.const(0))),
  );
  f.body = seq(
    set(m8, i32.shl(get(m), c32(3))),
    set(zero, v128.zero()),
    forLt(
      j,
      c32(0),
      get(w),
      c32(1),
      set(colJ, i32.add(get(pt), i32.mul(get(j), get(m8)))),
      set(p, get(j)),
      set(amax, f64Abs(f64.load(at(get(colJ), get(j))))),
      forLt(
        i,
        i32.add(get(j), c32(1)),
        get(m),
        c32(1),
        set(v, f64Abs(f64.load(at(get(colJ), get(i))))),
        if_(f64Gt(get(v), get(amax)), seq(set(amax, get(v)), set(p, get(i)))),
      ),
      i32.store(i32.add(get(piv), i32.shl(i32.add(get(c0), get(j)), c32(2))), i32.add(get(c0), get(p))),
      set(len, i32.sub(i32.sub(get(m), get(j)), c32(1))),
      if_(
        i32.and(f64.ne(get(amax), f64.const(0)), f64.eq(get(amax), get(amax))),
        seq(
          if_(
            i32.ne(get(p), get(j)),
            seq(
              i32.store(get(st), i32.add(i32.load(get(st), 4), c32(1)), 4),
              forLt(
                c,
                c32(0),
                get(w),
                c32(1),
                set(colC, i32.add(get(pt), i32.mul(get(c), get(m8)))),
                set(t, f64.load(at(get(colC), get(j)))),
                f64.store(at(get(colC), get(j)), f64.load(at(get(colC), get(p)))),
                f64.store(at(get(colC), get(p)), get(t)),
              ),
            ),
          ),
          set(d, f64.load(at(get(colJ), get(j)))),
          set(dv, f64x2.splat(get(d))),
          set(dst, at(get(colJ), i32.add(get(j), c32(1)))),
          scale,
        ),
        if_(i32.lt_s(i32.load(get(st)), c32(0)), i32.store(get(st), i32.add(get(c0), get(j)))),
      ),
      // rank-1 update of the columns right of j
      set(src, at(get(colJ), i32.add(get(j), c32(1)))),
      forLt(
        c,
        i32.add(get(j), c32(1)),
        get(w),
        c32(1),
        set(colC, i32.add(get(pt), i32.mul(get(c), get(m8)))),
        set(u, f64.load(at(get(colC), get(j)))),
        set(uv, f64x2.splat(get(u))),
        set(dst, at(get(colC), i32.add(get(j), c32(1)))),
        upd,
      ),
    ),
  );
  return f;
}

/**
 * rowSwapsOutside(a, n, c0, c1, piv): for j = c0 … c1−1 (in order) swap rows j
 * and piv[j] of the row-major n×n matrix at a in the columns outside [c0, c1).
 */
function rowSwapsOutsideFunc(): Func {
  const f = new Func("rowSwapsOutside", [Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [a, n, c0, c1, piv] = [0, 1, 2, 3, 4];
  const j = f.local(Ty.i32);
  const p = f.local(Ty.i32);
  const rj = f.local(Ty.i32);
  const rp = f.local(Ty.i32);
  const len = f.local(Ty.i32);
  const x = f.local(Ty.v128);
  const y = f.local(Ty.f64);
  const o = f.local(Ty.i32);
  const end = f.local(Ty.i32);
  // swap len elements at rj and rp (v128 pairs, then a scalar tail)
  const swap = seq(
    set(end, i32.shl(get(len), c32(3))),
    set(o, c32(0)),
    block(
      brIf(0, i32.gt_s(i32.add(get(o), c32(16)), get(end))),
      loop(
        set(x, v128.load(i32.add(get(rj), get(o)))),
        v128.store(i32.add(get(rj), get(o)), v128.load(i32.add(get(rp), get(o)))),
        v128.store(i32.add(get(rp), get(o)), get(x)),
        set(o, i32.add(get(o), c32(16))),
        brIf(0, i32.le_s(i32.add(get(o), c32(16)), get(end))),
      ),
    ),
    if_(
      i32.lt_s(get(o), get(end)),
      seq(
        set(y, f64.load(i32.add(get(rj), get(o)))),
        f64.store(i32.add(get(rj), get(o)), f64.load(i32.add(get(rp), get(o)))),
        f64.store(i32.add(get(rp), get(o)), get(y)),
      ),
    ),
  );
  f.body = forLt(
    j,
    get(c0),
    get(c1),
    c32(1),
    set(p, i32.load(i32.add(get(piv), i32.shl(get(j), c32(2))))),
    if_(
      i32.ne(get(p), get(j)),
      seq(
        // columns [0, c0)
        set(rj, at(get(a), i32.mul(get(j), get(n)))),
        set(rp, at(get(a), i32.mul(get(p), get(n)))),
        set(len, get(c0)),
        swap,
        // columns [c1, n)
        set(rj, at(get(rj), get(c1))),
        set(rp, at(get(rp), get(c1))),
        set(len, i32.sub(get(n), get(c1))),
        swap,
      ),
    ),
  );
  return f;
}

/** transpose(src, lds, dst, ldd, rows, cols): 16×16 tiles of 2×2 blocks (two v128 loads, two shuffles, two stores). */
function transposeFunc(): Func {
  const f = new Func("transpose", [Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [src, lds, dst, ldd, rows, cols] = [0, 1, 2, 3, 4, 5];
  const i0 = f.local(Ty.i32);
  const j0 = f.local(Ty.i32);
  const i = f.local(Ty.i32);
  const j = f.local(Ty.i32);
  const iEnd = f.local(Ty.i32);
  const jEnd = f.local(Ty.i32);
  const a = f.local(Ty.v128);
  const b = f.local(Ty.v128);
  const B = 16; // tile (cache blocking)
  const minI = (x: Code, y: Code) => i32.select(x, y, i32.lt_s(x, y));
  const s = (r: Code, c: Code) => at(get(src), i32.add(i32.mul(r, get(lds)), c));
  const d = (r: Code, c: Code) => at(get(dst), i32.add(i32.mul(r, get(ldd)), c));
  const i1 = i32.add(get(i), c32(1));
  const j1 = i32.add(get(j), c32(1));
  f.body = forLt(
    i0,
    c32(0),
    get(rows),
    c32(B),
    set(iEnd, minI(i32.add(get(i0), c32(B)), get(rows))),
    forLt(
      j0,
      c32(0),
      get(cols),
      c32(B),
      set(jEnd, minI(i32.add(get(j0), c32(B)), get(cols))),
      set(i, get(i0)),
      block(
        brIf(0, i32.ge_s(i1, get(iEnd))),
        loop(
          set(j, get(j0)),
          block(
            brIf(0, i32.ge_s(j1, get(jEnd))),
            loop(
              set(a, v128.load(s(get(i), get(j)))),
              set(b, v128.load(s(i1, get(j)))),
              v128.store(d(get(j), get(i)), i8x16.shuffle(get(a), get(b), LANES_00)),
              v128.store(d(j1, get(i)), i8x16.shuffle(get(a), get(b), LANES_11)),
              set(j, i32.add(get(j), c32(2))),
              brIf(0, i32.lt_s(j1, get(jEnd))),
            ),
          ),
          if_(
            i32.lt_s(get(j), get(jEnd)),
            seq(f64.store(d(get(j), get(i)), f64.load(s(get(i), get(j)))), f64.store(d(get(j), i1), f64.load(s(i1, get(j))))),
          ),
          set(i, i32.add(get(i), c32(2))),
          brIf(0, i32.lt_s(i1, get(iEnd))),
        ),
      ),
      if_(
        i32.lt_s(get(i), get(iEnd)),
        forLt(j, get(j0), get(jEnd), c32(1), f64.store(d(get(j), get(i)), f64.load(s(get(i), get(j))))),
      ),
    ),
  );
  return f;
}

function colSwapsFunc(): Func {
  const f = new Func("colSwapsReverse", [Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [a, ld, rows, n, piv] = [0, 1, 2, 3, 4];
  const i = f.local(Ty.i32);
  const j = f.local(Ty.i32);
  const p = f.local(Ty.i32);
  const r = f.local(Ty.i32);
  const x = f.local(Ty.f64);
  f.body = forLt(
    i,
    c32(0),
    get(rows),
    c32(1),
    set(r, at(get(a), i32.mul(get(i), get(ld)))),
    set(j, i32.sub(get(n), c32(2))),
    block(
      brIf(0, i32.lt_s(get(j), c32(0))),
      loop(
        set(p, i32.load(i32.add(get(piv), i32.shl(get(j), c32(2))))),
        if_(
          i32.ne(get(p), get(j)),
          seq(
            set(x, f64.load(at(get(r), get(j)))),
            f64.store(at(get(r), get(j)), f64.load(at(get(r), get(p)))),
            f64.store(at(get(r), get(p)), get(x)),
          ),
        ),
        brIf(0, i32.ge_s(tee(j, i32.sub(get(j), c32(1))), c32(0))),
      ),
    ),
  );
  return f;
}

/** Build the module bytes. Deterministic: same options, same bytes. */
export function buildTrsmModule(o: TrsmModuleOptions): Uint8Array<ArrayBuffer> {
  return encodeModule({
    memory: { min: o.minPages, max: o.maxPages, shared: o.shared },
    funcs: [trsmLeftFunc(), trsmRightFunc(), luPanelFunc(), rowSwapsOutsideFunc(), transposeFunc(), colSwapsFunc()],
  });
}

/** The module's exports (see the header). */
export interface TrsmKernels {
  trsmLeft(lower: number, unit: number, i0: number, i1: number, n: number, t: number, rs: number, cs: number, b: number, ldb: number): void;
  trsmRight(lower: number, unit: number, j0: number, j1: number, m: number, t: number, rs: number, cs: number, b: number, ldb: number, scratch: number): void;
  luPanel(pt: number, m: number, w: number, c0: number, piv: number, st: number): void;
  rowSwapsOutside(a: number, n: number, c0: number, c1: number, piv: number): void;
  transpose(src: number, lds: number, dst: number, ldd: number, rows: number, cols: number): void;
  colSwapsReverse(a: number, ld: number, rows: number, n: number, piv: number): void;
}

/** Scratch bytes trsmRight needs for a diagonal block of width w. */
export const trsmRightScratchBytes = (w: number): number => 16 * w * (w + 1);

