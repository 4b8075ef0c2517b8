/**
 * Generator of the WebAssembly SIMD128 level-2 module (matrix–vector kernels
 * for the Householder reductions of svd / eigh), built from this source at
 * run time like gemm-module.ts: `buildLevel2Module(mem)` is a pure function of
 * its input (deterministic, no toolchain; test/kernels/level2.test.ts checks it).
 * It is instantiated on the engine's memory with `wasmExtra` and used on
 * resident-arena views through the dispatchers in ../level2.ts.
 *
 * Exported functions (pointers are byte addresses, strides in elements, A row-major):
 *   gemvN(m, n, alpha, a, lda, x, beta, y, incy)  y_i = α·Σ_j A[i,j]·x_j + β·y_i   (x contiguous)
 *   gemvT(m, n, alpha, a, lda, x, incx, beta, y)  y_j = α·Σ_i A[i,j]·x_i + β·y_j   (y contiguous)
 *   symvU(n, a, lda, x, y)                        y = S·x, S symmetric, upper triangle of A read
 *   secSums(j0, j1, z, g, tau, out)               out[0] = Σ z_j·t_j, out[1] = Σ t_j², t_j = z_j/(g_j − τ),
 *                                                 j0 ≤ j < j1 (the secular equation's sums, util.ts secularRoot)
 *   cauchyVec(K, z, d, o, t, sq, v, u, out)       Δ_r = sq ? (d_r − o)(d_r + o) − t : (d_r − o) − t; v_r = z_r/Δ_r,
 *                                                 u_r = d_r·v_r (u ≠ 0); out[0] = Σ v², out[1] = Σ u²
 *   cauchyProd(j0, j1, d, o, t, dj, sq, p)        p_r *= Δ_r / (sq ? (d_r − dj)(d_r + dj) : d_r − dj), j0 ≤ r < j1
 *   scal(K, alpha, x)                             x ← α·x
 * (the D&C merges' Gu–Eisenstat vectors and ẑ products, eigh.ts / svd.ts)
 * β = 0 never reads y. Four rows of A per pass, so that each f64x2 pair of x
 * (gemvN) or y (gemvT, symvU) is loaded once for four rows; odd tails scalar.
 */
import { Func, Ty, encodeModule, f64, f64x2, forLt, get, i32, if_, seq, set, v128, type Code } from "./encode.js";

const c32 = i32.const;
const R = 4;

/** f64 sum of the two lanes of a v128 local */
const hsum = (v: number): Code => f64.add(f64x2.extractLane(get(v), 0), f64x2.extractLane(get(v), 1));

/** gemvN: R-row (or 1-row) blocks of dot products. */
function gemvNFunc(): Func {
  const f = new Func("gemvN", [Ty.i32, Ty.i32, Ty.f64, Ty.i32, Ty.i32, Ty.i32, Ty.f64, Ty.i32, Ty.i32]);
  const [m, n, alpha, a, lda, x, beta, y, incy] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const i = f.local(Ty.i32);
  const j = f.local(Ty.i32);
  const n2B = f.local(Ty.i32);
  const ldaB = f.local(Ty.i32);
  const incyB = f.local(Ty.i32);
  const yp = f.local(Ty.i32);
  const pr = f.locals_(Ty.i32, R);
  const acc = f.locals_(Ty.v128, R);
  const xv = f.local(Ty.v128);
  const s = f.locals_(Ty.f64, R);
  const xt = f.local(Ty.f64);
  const yv = f.local(Ty.f64);

  const rowsBlock = (rows: number): Code =>
    seq(
      ...Array.from({ length: rows }, (_, r) =>
        seq(set(pr[r], i32.add(get(a), i32.mul(i32.add(get(i), c32(r)), get(ldaB)))), set(acc[r], v128.zero())),
      ),
      forLt(
        j,
        c32(0),
        get(n2B),
        c32(16),
        set(xv, v128.load(i32.add(get(x), get(j)))),
        ...Array.from({ length: rows }, (_, r) =>
          set(acc[r], f64x2.add(get(acc[r]), f64x2.mul(v128.load(i32.add(get(pr[r]), get(j))), get(xv)))),
        ),
      ),
      ...Array.from({ length: rows }, (_, r) => set(s[r], hsum(acc[r]))),
      if_(
        i32.ne(get(n2B), i32.shl(get(n), c32(3))),
        seq(
          set(xt, f64.load(i32.add(get(x), get(n2B)))),
          ...Array.from({ length: rows }, (_, r) =>
            set(s[r], f64.add(get(s[r]), f64.mul(f64.load(i32.add(get(pr[r]), get(n2B))), get(xt)))),
          ),
        ),
      ),
      ...Array.from({ length: rows }, (_, r) =>
        seq(
          set(yp, i32.add(get(y), i32.mul(i32.add(get(i), c32(r)), get(incyB)))),
          set(yv, f64.mul(get(alpha), get(s[r]))),
          if_(f64.ne(get(beta), f64.const(0)), set(yv, f64.add(get(yv), f64.mul(get(beta), f64.load(get(yp)))))),
          f64.store(get(yp), get(yv)),
        ),
      ),
    );

  f.body = seq(
    set(ldaB, i32.shl(get(lda), c32(3))),
    set(incyB, i32.shl(get(incy), c32(3))),
    set(n2B, i32.shl(i32.and(get(n), c32(-2)), c32(3))),
    forLt(i, c32(0), i32.sub(get(m), c32(R - 1)), c32(R), rowsBlock(R)),
    forLt(i, get(i), get(m), c32(1), rowsBlock(1)),
  );
  return f;
}

/** gemvT: y scaled by β once, then R rows of A accumulated into each pair of y. */
function gemvTFunc(): Func {
  const f = new Func("gemvT", [Ty.i32, Ty.i32, Ty.f64, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.f64, Ty.i32]);
  const [m, n, alpha, a, lda, x, incx, beta, y] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const i = f.local(Ty.i32);
  const j = f.local(Ty.i32);
  const n2B = f.local(Ty.i32);
  const nB = f.local(Ty.i32);
  const ldaB = f.local(Ty.i32);
  const incxB = f.local(Ty.i32);
  const pr = f.locals_(Ty.i32, R);
  const sv = f.locals_(Ty.v128, R);
  const sc = f.locals_(Ty.f64, R);
  const yt = f.local(Ty.f64);

  const rowsBlock = (rows: number): Code => {
    const sum = (k: number, load: (r: number) => Code, mul: (p: Code, q: Code) => Code, add: (p: Code, q: Code) => Code, init: Code, scal: number[]): Code => {
      let e = init;
      for (let r = 0; r < k; r++) e = add(e, mul(get(scal[r]), load(r)));
      return e;
    };
    return seq(
      ...Array.from({ length: rows }, (_, r) =>
        seq(
          set(pr[r], i32.add(get(a), i32.mul(i32.add(get(i), c32(r)), get(ldaB)))),
          set(sc[r], f64.mul(get(alpha), f64.load(i32.add(get(x), i32.mul(i32.add(get(i), c32(r)), get(incxB)))))),
          set(sv[r], f64x2.splat(get(sc[r]))),
        ),
      ),
      forLt(
        j,
        c32(0),
        get(n2B),
        c32(16),
        v128.store(
          i32.add(get(y), get(j)),
          sum(rows, (r) => v128.load(i32.add(get(pr[r]), get(j))), f64x2.mul, f64x2.add, v128.load(i32.add(get(y), get(j))), sv),
        ),
      ),
      if_(
        i32.ne(get(n2B), get(nB)),
        seq(
          set(yt, f64.load(i32.add(get(y), get(n2B)))),
          f64.store(
            i32.add(get(y), get(n2B)),
            sum(rows, (r) => f64.load(i32.add(get(pr[r]), get(n2B))), f64.mul, f64.add, get(yt), sc),
          ),
        ),
      ),
    );
  };

  f.body = seq(
    set(ldaB, i32.shl(get(lda), c32(3))),
    set(incxB, i32.shl(get(incx), c32(3))),
    set(nB, i32.shl(get(n), c32(3))),
    set(n2B, i32.shl(i32.and(get(n), c32(-2)), c32(3))),
    // y ← β·y (β = 0: zero, never read)
    if_(
      f64.eq(get(beta), f64.const(0)),
      forLt(j, c32(0), get(nB), c32(8), f64.store(i32.add(get(y), get(j)), f64.const(0))),
      if_(
        f64.ne(get(beta), f64.const(1)),
        forLt(j, c32(0), get(nB), c32(8), f64.store(i32.add(get(y), get(j)), f64.mul(get(beta), f64.load(i32.add(get(y), get(j)))))),
      ),
    ),
    if_(
      f64.ne(get(alpha), f64.const(0)),
      seq(
        forLt(i, c32(0), i32.sub(get(m), c32(R - 1)), c32(R), rowsBlock(R)),
        forLt(i, get(i), get(m), c32(1), rowsBlock(1)),
      ),
    ),
  );
  return f;
}

/**
 * symvU: y = S·x with S symmetric, S[i][j] = A[min(i,j)][max(i,j)] (upper
 * triangle of row-major A; the lower one is never read). Per block of R rows
 * j..j+R−1: the R×R diagonal block in scalars, then one pass over columns
 * r ≥ j+R that both adds A[j.., r]·x_j.. into y_r and accumulates A[j.., r]·x_r.
 */
function symvUFunc(): Func {
  const f = new Func("symvU", [Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [n, a, lda, x, y] = [0, 1, 2, 3, 4];
  const j = f.local(Ty.i32);
  const r = f.local(Ty.i32);
  const rEnd = f.local(Ty.i32);
  const nB = f.local(Ty.i32);
  const ldaB = f.local(Ty.i32);
  const pr = f.locals_(Ty.i32, R);
  const xs = f.locals_(Ty.f64, R);
  const xsv = f.locals_(Ty.v128, R);
  const tv = f.locals_(Ty.v128, R);
  const t = f.locals_(Ty.f64, R);
  const b = f.locals_(Ty.v128, R);
  const xr = f.local(Ty.v128);
  const bs = f.local(Ty.f64);
  const xrs = f.local(Ty.f64);
  const yAt = (col: Code): Code => i32.add(get(y), col);

  // element (j+u, j+v) of the diagonal block, u ≤ v
  const aUV = (u: number, v: number): Code => f64.load(i32.add(get(pr[u]), i32.shl(i32.add(get(j), c32(v)), c32(3))));

  const block4: Code[] = [];
  for (let u = 0; u < R; u++)
    block4.push(
      set(pr[u], i32.add(get(a), i32.mul(i32.add(get(j), c32(u)), get(ldaB)))),
      set(xs[u], f64.load(i32.add(get(x), i32.shl(i32.add(get(j), c32(u)), c32(3))))),
      set(xsv[u], f64x2.splat(get(xs[u]))),
      set(tv[u], v128.zero()),
    );
  for (let u = 0; u < R; u++) {
    let e: Code = f64.const(0);
    for (let v = 0; v < R; v++) e = f64.add(e, f64.mul(u <= v ? aUV(u, v) : aUV(v, u), get(xs[v])));
    block4.push(set(t[u], e));
  }
  // paired columns r in [j+R, rEnd), rEnd = j+R + even count; byte offsets
  let yUpd: Code = v128.load(yAt(get(r)));
  for (let u = 0; u < R; u++) yUpd = f64x2.add(yUpd, f64x2.mul(get(b[u]), get(xsv[u])));
  block4.push(
    set(rEnd, i32.shl(i32.add(i32.add(get(j), c32(R)), i32.and(i32.sub(get(n), i32.add(get(j), c32(R))), c32(-2))), c32(3))),
    forLt(
      r,
      i32.shl(i32.add(get(j), c32(R)), c32(3)),
      get(rEnd),
      c32(16),
      set(xr, v128.load(i32.add(get(x), get(r)))),
      ...Array.from({ length: R }, (_, u) => set(b[u], v128.load(i32.add(get(pr[u]), get(r))))),
      v128.store(yAt(get(r)), yUpd),
      ...Array.from({ length: R }, (_, u) => set(tv[u], f64x2.add(get(tv[u]), f64x2.mul(get(b[u]), get(xr))))),
    ),
    ...Array.from({ length: R }, (_, u) => set(t[u], f64.add(get(t[u]), hsum(tv[u])))),
    // odd last column
    if_(
      i32.ne(get(rEnd), get(nB)),
      seq(
        set(xrs, f64.load(i32.add(get(x), get(rEnd)))),
        ...Array.from({ length: R }, (_, u) =>
          seq(
            set(bs, f64.load(i32.add(get(pr[u]), get(rEnd)))),
            f64.store(yAt(get(rEnd)), f64.add(f64.load(yAt(get(rEnd))), f64.mul(get(bs), get(xs[u])))),
            set(t[u], f64.add(get(t[u]), f64.mul(get(bs), get(xrs)))),
          ),
        ),
      ),
    ),
    ...Array.from({ length: R }, (_, u) => {
      const at = yAt(i32.shl(i32.add(get(j), c32(u)), c32(3)));
      return f64.store(at, f64.add(f64.load(yAt(i32.shl(i32.add(get(j), c32(u)), c32(3)))), get(t[u])));
    }),
  );

  // single remaining rows (scalar): t = Σ_{r ≥ j} A[j, r]·x_r, y_r += A[j, r]·x_j for r > j
  const single = seq(
    set(pr[0], i32.add(get(a), i32.mul(get(j), get(ldaB)))),
    set(xs[0], f64.load(i32.add(get(x), i32.shl(get(j), c32(3))))),
    set(t[0], f64.mul(f64.load(i32.add(get(pr[0]), i32.shl(get(j), c32(3)))), get(xs[0]))),
    forLt(
      r,
      i32.shl(i32.add(get(j), c32(1)), c32(3)),
      get(nB),
      c32(8),
      set(bs, f64.load(i32.add(get(pr[0]), get(r)))),
      f64.store(yAt(get(r)), f64.add(f64.load(yAt(get(r))), f64.mul(get(bs), get(xs[0])))),
      set(t[0], f64.add(get(t[0]), f64.mul(get(bs), f64.load(i32.add(get(x), get(r)))))),
    ),
    f64.store(yAt(i32.shl(get(j), c32(3))), f64.add(f64.load(yAt(i32.shl(get(j), c32(3)))), get(t[0]))),
  );

  f.body = seq(
    set(ldaB, i32.shl(get(lda), c32(3))),
    set(nB, i32.shl(get(n), c32(3))),
    forLt(r, c32(0), get(nB), c32(8), f64.store(yAt(get(r)), f64.const(0))),
    forLt(j, c32(0), i32.sub(get(n), c32(R - 1)), c32(R), ...block4),
    forLt(j, get(j), get(n), c32(1), single),
  );
  return f;
}

/** secSums: f64x2 pairs (two divisions per instruction), scalar odd tail. */
function secSumsFunc(): Func {
  const f = new Func("secSums", [Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.f64, Ty.i32]);
  const [j0, j1, z, g, tau, out] = [0, 1, 2, 3, 4, 5];
  const j = f.local(Ty.i32);
  const end2 = f.local(Ty.i32);
  const tv = f.local(Ty.v128);
  const zv = f.local(Ty.v128);
  const t = f.local(Ty.v128);
  const sv = f.local(Ty.v128);
  const dv = f.local(Ty.v128);
  const ts = f.local(Ty.f64);
  const zs = f.local(Ty.f64);
  const s = f.local(Ty.f64);
  const ds = f.local(Ty.f64);
  const at = (base: number): Code => i32.add(get(base), get(j));
  f.body = seq(
    set(tv, f64x2.splat(get(tau))),
    set(sv, v128.zero()),
    set(dv, v128.zero()),
    // byte range [8·j0, 8·(j0 + even count))
    set(end2, i32.shl(i32.add(get(j0), i32.and(i32.sub(get(j1), get(j0)), c32(-2))), c32(3))),
    forLt(
      j,
      i32.shl(get(j0), c32(3)),
      get(end2),
      c32(16),
      set(zv, v128.load(at(z))),
      set(t, f64x2.div(get(zv), f64x2.sub(v128.load(at(g)), get(tv)))),
      set(sv, f64x2.add(get(sv), f64x2.mul(get(zv), get(t)))),
      set(dv, f64x2.add(get(dv), f64x2.mul(get(t), get(t)))),
    ),
    set(s, hsum(sv)),
    set(ds, hsum(dv)),
    if_(
      i32.ne(get(end2), i32.shl(get(j1), c32(3))),
      seq(
        set(j, get(end2)),
        set(zs, f64.load(at(z))),
        set(ts, f64.div(get(zs), f64.sub(f64.load(at(g)), get(tau)))),
        set(s, f64.add(get(s), f64.mul(get(zs), get(ts)))),
        set(ds, f64.add(get(ds), f64.mul(get(ts), get(ts)))),
      ),
    ),
    f64.store(get(out), get(s)),
    f64.store(get(out), get(ds), 8),
  );
  return f;
}

function cauchyVecFunc(): Func {
  const f = new Func("cauchyVec", [Ty.i32, Ty.i32, Ty.i32, Ty.f64, Ty.f64, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [K, z, d, o, t, sq, v, u, out] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const j = f.local(Ty.i32);
  const end2 = f.local(Ty.i32);
  const oV = f.local(Ty.v128);
  const tV = f.local(Ty.v128);
  const dv = f.local(Ty.v128);
  const vv = f.local(Ty.v128);
  const uu = f.local(Ty.v128);
  const sv = f.local(Ty.v128);
  const su = f.local(Ty.v128);
  const ds = f.local(Ty.f64);
  const vs = f.local(Ty.f64);
  const us = f.local(Ty.f64);
  const sS = f.local(Ty.f64);
  const uS = f.local(Ty.f64);
  const at = (base: number): Code => i32.add(get(base), get(j));
  const vecBody = (squared: boolean): Code =>
    forLt(
      j,
      c32(0),
      get(end2),
      c32(16),
      set(dv, v128.load(at(d))),
      set(
        vv,
        f64x2.div(
          v128.load(at(z)),
          f64x2.sub(squared ? f64x2.mul(f64x2.sub(get(dv), get(oV)), f64x2.add(get(dv), get(oV))) : f64x2.sub(get(dv), get(oV)), get(tV)),
        ),
      ),
      v128.store(at(v), get(vv)),
      set(sv, f64x2.add(get(sv), f64x2.mul(get(vv), get(vv)))),
      if_(
        i32.ne(get(u), c32(0)),
        seq(set(uu, f64x2.mul(get(dv), get(vv))), v128.store(at(u), get(uu)), set(su, f64x2.add(get(su), f64x2.mul(get(uu), get(uu))))),
      ),
    );
  const tail = (squared: boolean): Code =>
    seq(
      set(ds, f64.load(at(d))),
      set(
        vs,
        f64.div(
          f64.load(at(z)),
          f64.sub(squared ? f64.mul(f64.sub(get(ds), get(o)), f64.add(get(ds), get(o))) : f64.sub(get(ds), get(o)), get(t)),
        ),
      ),
      f64.store(at(v), get(vs)),
      set(sS, f64.add(get(sS), f64.mul(get(vs), get(vs)))),
      if_(i32.ne(get(u), c32(0)), seq(set(us, f64.mul(get(ds), get(vs))), f64.store(at(u), get(us)), set(uS, f64.add(get(uS), f64.mul(get(us), get(us)))))),
    );
  f.body = seq(
    set(oV, f64x2.splat(get(o))),
    set(tV, f64x2.splat(get(t))),
    set(sv, v128.zero()),
    set(su, v128.zero()),
    set(end2, i32.shl(i32.and(get(K), c32(-2)), c32(3))),
    if_(i32.eqz(get(sq)), vecBody(false), vecBody(true)),
    set(sS, hsum(sv)),
    set(uS, hsum(su)),
    if_(i32.ne(get(end2), i32.shl(get(K), c32(3))), seq(set(j, get(end2)), if_(i32.eqz(get(sq)), tail(false), tail(true)))),
    f64.store(get(out), get(sS)),
    f64.store(get(out), get(uS), 8),
  );
  return f;
}

function cauchyProdFunc(): Func {
  const f = new Func("cauchyProd", [Ty.i32, Ty.i32, Ty.i32, Ty.f64, Ty.f64, Ty.f64, Ty.i32, Ty.i32]);
  const [j0, j1, d, o, t, dj, sq, p] = [0, 1, 2, 3, 4, 5, 6, 7];
  const j = f.local(Ty.i32);
  const end2 = f.local(Ty.i32);
  const oV = f.local(Ty.v128);
  const tV = f.local(Ty.v128);
  const djV = f.local(Ty.v128);
  const dv = f.local(Ty.v128);
  const ds = f.local(Ty.f64);
  const at = (base: number): Code => i32.add(get(base), get(j));
  const vecBody = (squared: boolean): Code =>
    forLt(
      j,
      i32.shl(get(j0), c32(3)),
      get(end2),
      c32(16),
      set(dv, v128.load(at(d))),
      v128.store(
        at(p),
        f64x2.mul(
          v128.load(at(p)),
          squared
            ? f64x2.div(
                f64x2.sub(f64x2.mul(f64x2.sub(get(dv), get(oV)), f64x2.add(get(dv), get(oV))), get(tV)),
                f64x2.mul(f64x2.sub(get(dv), get(djV)), f64x2.add(get(dv), get(djV))),
              )
            : f64x2.div(f64x2.sub(f64x2.sub(get(dv), get(oV)), get(tV)), f64x2.sub(get(dv), get(djV))),
        ),
      ),
    );
  const tail = (squared: boolean): Code =>
    seq(
      set(ds, f64.load(at(d))),
      f64.store(
        at(p),
        f64.mul(
          f64.load(at(p)),
          squared
            ? f64.div(
                f64.sub(f64.mul(f64.sub(get(ds), get(o)), f64.add(get(ds), get(o))), get(t)),
                f64.mul(f64.sub(get(ds), get(dj)), f64.add(get(ds), get(dj))),
              )
            : f64.div(f64.sub(f64.sub(get(ds), get(o)), get(t)), f64.sub(get(ds), get(dj))),
        ),
      ),
    );
  f.body = seq(
    set(oV, f64x2.splat(get(o))),
    set(tV, f64x2.splat(get(t))),
    set(djV, f64x2.splat(get(dj))),
    set(end2, i32.shl(i32.add(get(j0), i32.and(i32.sub(get(j1), get(j0)), c32(-2))), c32(3))),
    if_(i32.eqz(get(sq)), vecBody(false), vecBody(true)),
    if_(i32.ne(get(end2), i32.shl(get(j1), c32(3))), seq(set(j, get(end2)), if_(i32.eqz(get(sq)), tail(false), tail(true)))),
  );
  return f;
}

function scalFunc(): Func {
  const f = new Func("scal", [Ty.i32, Ty.f64, Ty.i32]);
  const [K, alpha, x] = [0, 1, 2];
  const j = f.local(Ty.i32);
  const end2 = f.local(Ty.i32);
  const aV = f.local(Ty.v128);
  const at = i32.add(get(x), get(j));
  f.body = seq(
    set(aV, f64x2.splat(get(alpha))),
    set(end2, i32.shl(i32.and(get(K), c32(-2)), c32(3))),
    forLt(j, c32(0), get(end2), c32(16), v128.store(at, f64x2.mul(v128.load(at), get(aV)))),
    if_(i32.ne(get(end2), i32.shl(get(K), c32(3))), seq(set(j, get(end2)), f64.store(at, f64.mul(f64.load(at), get(alpha))))),
  );
  return f;
}

/** The level-2 module for a memory with the given sharing / maximum (pure, deterministic). */
export function buildLevel2Module(mem: { shared: boolean; maxPages?: number | undefined }): Uint8Array<ArrayBuffer> {
  return encodeModule({
    memory: { min: 1, max: mem.maxPages, shared: mem.shared },
    funcs: [gemvNFunc(), gemvTFunc(), symvUFunc(), secSumsFunc(), cauchyVecFunc(), cauchyProdFunc(), scalFunc()],
  });
}

export type GemvNExport = (m: number, n: number, alpha: number, a: number, lda: number, x: number, beta: number, y: number, incy: number) => void;
export type GemvTExport = (m: number, n: number, alpha: number, a: number, lda: number, x: number, incx: number, beta: number, y: number) => void;
export type SymvUExport = (n: number, a: number, lda: number, x: number, y: number) => void;
export type SecSumsExport = (j0: number, j1: number, z: number, g: number, tau: number, out: number) => void;
export type CauchyVecExport = (K: number, z: number, d: number, o: number, t: number, sq: number, v: number, u: number, out: number) => void;
export type CauchyProdExport = (j0: number, j1: number, d: number, o: number, t: number, dj: number, sq: number, p: number) => void;
export type ScalExport = (K: number, alpha: number, x: number) => void;
