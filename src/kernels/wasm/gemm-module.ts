/**
 * Generator of the WebAssembly SIMD128 GEMM module.
 *
 * The module is produced from this TypeScript source at run time (a few KiB,
 * generated in well under a millisecond), so the binary is always reproducible
 * from the repository and needs no toolchain: `buildGemmModule(opts)` is a pure
 * function of its options. test/kernels/wasm-gemm.test.ts checks that it is
 * deterministic and validates.
 *
 * Algorithm (GotoBLAS/BLIS): for each NC-wide column panel of op(B) and each
 * KC-deep slice of k, pack op(B)[KC×NC] into strips of NR columns; for each
 * MC-tall row panel of op(A), pack op(A)[MC×KC] into strips of MR rows; then the
 * macro-kernel walks NR×MR tiles and the micro-kernel accumulates an MR×NR tile
 * of C in MR·NR/2 f64x2 registers (one v128 load per 2 columns of the B strip,
 * one load64_splat per row of the A strip). Transposition is handled by the
 * packing strides only. alpha/beta are applied when the tile is stored; beta = 0
 * never reads C. Edge tiles go through a small staging buffer.
 *
 * Exported function (all pointers are byte addresses in the imported memory,
 * leading dimensions are in elements):
 *   gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work)
 * Preconditions (checked by the JS wrapper): m, n, k ≥ 1 and alpha ≠ 0;
 * `work` points to workBytes(opts) bytes of scratch, 16-byte aligned.
 */
import {
  block,
  i8x16,
  brIf,
  call,
  f64,
  f64x2,
  forLt,
  Func,
  get,
  i32,
  if_,
  loop,
  seq,
  set,
  Ty,
  v128,
  encodeModule,
  type Code,
} from "./encode.js";

export interface GemmModuleOptions {
  /** rows of the register tile */
  MR: number;
  /** f64x2 vectors per tile row (tile is MR × 2·NV) */
  NV: number;
  /** unroll factor of the micro-kernel's k loop */
  KU?: number;
  /**
   * Micro-kernel variant. false: broadcast one A element per row (load64_splat)
   * against f64x2 pairs of B. true: multiply f64x2 pairs of A rows by pairs of
   * B and by pairs of B with swapped lanes (stored swapped by packB), and
   * un-shuffle when storing: no broadcast in the inner loop.
   */
  swap?: boolean;
  KC: number;
  MC: number;
  NC: number;
  /** import a shared memory (for worker threads) */
  shared: boolean;
  /** memory limits in 64 KiB pages */
  minPages: number;
  maxPages?: number;
}

export const DEFAULT_GEMM_OPTIONS: Omit<GemmModuleOptions, "shared" | "minPages" | "maxPages"> = {
  MR: 4,
  NV: 2,
  KC: 256,
  MC: 96,
  NC: 2048,
};

/** Scratch bytes needed by one gemm call (packed A, packed B, edge tile). */
export function workBytes(o: Pick<GemmModuleOptions, "MR" | "NV" | "KC" | "MC" | "NC">): number {
  const NR = 2 * o.NV;
  return (o.MC * o.KC + 2 * o.KC * (o.NC + NR) + o.MR * NR) * 8;
}

const min = (a: Code, b: Code): Code => i32.select(a, b, i32.lt_s(a, b));
const LANES_00 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const LANES_11 = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
const c32 = i32.const;

/**
 * pack(src, rs, ps, rows, kc, dst): strips of R rows, each kc×R contiguous
 * (element (r, p) at src + r·rs + p·ps, byte strides), zero-padded to R rows.
 */
function packFunc(name: string, R: number, swapPairs = false): Func {
  const f = new Func(name, [Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [src, rs, ps, rows, kc, dst] = [0, 1, 2, 3, 4, 5];
  const r0 = f.local(Ty.i32);
  const rr = f.local(Ty.i32);
  const s = f.local(Ty.i32);
  const p = f.local(Ty.i32);
  const i = f.local(Ty.i32);
  const ri = f.locals_(Ty.i32, R); // ri[i] = i·rs

  const fullScalar: Code[] = [];
  for (let q = 0; q < R; q++)
    fullScalar.push(f64.store(get(dst), f64.load(i32.add(get(s), get(ri[q]))), q * 8));
  const fullVector: Code[] = [];
  for (let q = 0; q < R; q += 2) fullVector.push(v128.store(get(dst), v128.load(get(s), q * 8), q * 8));
  // swap layout: after the R values of a k step, the same values with each pair's lanes swapped
  const swapped: Code[] = [];
  if (swapPairs)
    for (let q = 0; q < R; q++) swapped.push(f64.store(get(dst), f64.load(get(dst), (q ^ 1) * 8), (R + q) * 8));
  const S = swapPairs ? 2 * R : R;
  const advance = seq(...swapped, set(dst, i32.add(get(dst), c32(S * 8))), set(s, i32.add(get(s), get(ps))));

  f.body = seq(
    ...ri.map((l, q) => set(l, i32.mul(get(rs), c32(q)))),
    forLt(
      r0,
      c32(0),
      get(rows),
      c32(R),
      set(rr, i32.sub(get(rows), get(r0))),
      set(s, i32.add(get(src), i32.mul(get(r0), get(rs)))),
      if_(
        i32.ge_s(get(rr), c32(R)),
        // full strip
        R % 2 === 0
          ? if_(
              i32.eq(get(rs), c32(8)),
              forLt(p, c32(0), get(kc), c32(1), ...fullVector, advance),
              forLt(p, c32(0), get(kc), c32(1), ...fullScalar, advance),
            )
          : forLt(p, c32(0), get(kc), c32(1), ...fullScalar, advance),
        // partial strip: rr < R rows, zero-fill the rest
        forLt(
          p,
          c32(0),
          get(kc),
          c32(1),
          forLt(
            i,
            c32(0),
            get(rr),
            c32(1),
            f64.store(
              i32.add(get(dst), i32.shl(get(i), c32(3))),
              f64.load(i32.add(get(s), i32.mul(get(i), get(rs)))),
            ),
          ),
          forLt(i, get(rr), c32(R), c32(1), f64.store(i32.add(get(dst), i32.shl(get(i), c32(3))), f64.const(0))),
          advance,
        ),
      ),
    ),
  );
  return f;
}

/**
 * macro(mc, nc, kc, alpha, beta, aP, bP, c, ldcBytes, edge): C[mc×nc] at c =
 * alpha · packedA · packedB + beta · C.
 */
function macroFunc(o: GemmModuleOptions): Func {
  const { MR, NV } = o;
  const NR = 2 * NV;
  const f = new Func("macro", [Ty.i32, Ty.i32, Ty.i32, Ty.f64, Ty.f64, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32]);
  const [mc, nc, kc, alpha, beta, aP, bP, c, ldc, edge] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const jr = f.local(Ty.i32);
  const ir = f.local(Ty.i32);
  const nr = f.local(Ty.i32);
  const mr = f.local(Ty.i32);
  const ap = f.local(Ty.i32);
  const bp = f.local(Ty.i32);
  const aEnd = f.local(Ty.i32);
  const aEndU = f.local(Ty.i32);
  const cp = f.local(Ty.i32);
  const i = f.local(Ty.i32);
  const j = f.local(Ty.i32);
  const addr = f.local(Ty.i32);
  const t = f.local(Ty.f64);
  const alphaV = f.local(Ty.v128);
  const betaV = f.local(Ty.v128);
  const SW = o.swap ?? false;
  /** bytes of packed B per k step (the swap layout stores each pair twice) */
  const BS = (SW ? 2 : 1) * NR * 8;
  // Accumulators. Broadcast layout: acc[r][v] = C[r][2v..2v+1].
  // Swap layout (MR even): acc[r][v] for r = 2q holds [C[2q][2v], C[2q+1][2v+1]]
  // ("straight") and r = 2q+1 holds [C[2q][2v+1], C[2q+1][2v]] ("swapped").
  const acc: number[][] = [];
  for (let r = 0; r < MR; r++) acc.push(f.locals_(Ty.v128, NV));
  const bv = f.locals_(Ty.v128, SW ? 2 * NV : NV);
  const av = f.local(Ty.v128);
  const av2 = SW ? f.locals_(Ty.v128, MR / 2) : [];

  // micro-kernel: one k step at byte offsets (u·MR·8, u·BS) from (ap, bp)
  const stepAt = (u: number): Code[] => {
    const out: Code[] = [];
    if (!SW) {
      for (let v = 0; v < NV; v++) out.push(set(bv[v], v128.load(get(bp), u * BS + v * 16)));
      for (let r = 0; r < MR; r++) {
        out.push(set(av, v128.load64Splat(get(ap), u * MR * 8 + r * 8)));
        for (let v = 0; v < NV; v++)
          out.push(set(acc[r][v], f64x2.add(get(acc[r][v]), f64x2.mul(get(av), get(bv[v])))));
      }
    } else {
      for (let q = 0; q < MR / 2; q++) out.push(set(av2[q], v128.load(get(ap), u * MR * 8 + q * 16)));
      for (let v = 0; v < 2 * NV; v++) out.push(set(bv[v], v128.load(get(bp), u * BS + v * 16)));
      for (let q = 0; q < MR / 2; q++)
        for (let v = 0; v < NV; v++) {
          out.push(set(acc[2 * q][v], f64x2.add(get(acc[2 * q][v]), f64x2.mul(get(av2[q]), get(bv[v])))));
          out.push(
            set(acc[2 * q + 1][v], f64x2.add(get(acc[2 * q + 1][v]), f64x2.mul(get(av2[q]), get(bv[NV + v])))),
          );
        }
    }
    return out;
  };
  /** C[r][2v..2v+1] as a v128 */
  const rowVec = (r: number, v: number): Code => {
    if (!SW) return get(acc[r][v]);
    const q = r >> 1;
    const st = get(acc[2 * q][v]);
    const sw = get(acc[2 * q + 1][v]);
    // even row: [st.0, sw.0]; odd row: [sw.1, st.1]
    return r % 2 === 0 ? i8x16.shuffle(st, sw, LANES_00) : i8x16.shuffle(sw, st, LANES_11);
  };
  const KU = o.KU ?? 1;
  const unrolled: Code[] = [];
  for (let u = 0; u < KU; u++) unrolled.push(...stepAt(u));
  const bump = (steps: number) =>
    seq(set(ap, i32.add(get(ap), c32(steps * MR * 8))), set(bp, i32.add(get(bp), c32(steps * BS))));
  // main loop: KU steps per iteration while at least KU remain; then single steps
  const kLoop = seq(
    set(aEndU, i32.sub(get(aEnd), c32((KU - 1) * MR * 8))),
    KU > 1
      ? block(brIf(0, i32.ge_s(get(ap), get(aEndU))), loop(...unrolled, bump(KU), brIf(0, i32.lt_s(get(ap), get(aEndU)))))
      : [],
    block(brIf(0, i32.ge_u(get(ap), get(aEnd))), loop(...stepAt(0), bump(1), brIf(0, i32.lt_u(get(ap), get(aEnd))))),
  );

  const zero: Code[] = [];
  for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) zero.push(set(acc[r][v], v128.zero()));

  // full-tile stores
  const storeB0: Code[] = [];
  const storeB: Code[] = [];
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < NV; v++) {
      storeB0.push(v128.store(get(addr), f64x2.mul(rowVec(r, v), get(alphaV)), v * 16));
      storeB.push(
        v128.store(
          get(addr),
          f64x2.add(f64x2.mul(rowVec(r, v), get(alphaV)), f64x2.mul(v128.load(get(addr), v * 16), get(betaV))),
          v * 16,
        ),
      );
    }
    if (r < MR - 1) {
      storeB0.push(set(addr, i32.add(get(addr), get(ldc))));
      storeB.push(set(addr, i32.add(get(addr), get(ldc))));
    }
  }
  const toEdge: Code[] = [];
  for (let r = 0; r < MR; r++)
    for (let v = 0; v < NV; v++) toEdge.push(v128.store(get(edge), rowVec(r, v), (r * NR + v * 2) * 8));

  const cij = i32.add(i32.add(get(cp), i32.mul(get(i), get(ldc))), i32.shl(get(j), c32(3)));
  const eij = i32.add(get(edge), i32.shl(i32.add(i32.mul(get(i), c32(NR)), get(j)), c32(3)));

  f.body = seq(
    set(alphaV, f64x2.splat(get(alpha))),
    set(betaV, f64x2.splat(get(beta))),
    forLt(
      jr,
      c32(0),
      get(nc),
      c32(NR),
      set(nr, min(c32(NR), i32.sub(get(nc), get(jr)))),
      forLt(
        ir,
        c32(0),
        get(mc),
        c32(MR),
        set(mr, min(c32(MR), i32.sub(get(mc), get(ir)))),
        ...zero,
        set(ap, i32.add(get(aP), i32.shl(i32.mul(get(ir), get(kc)), c32(3)))),
        set(bp, i32.add(get(bP), i32.shl(i32.mul(get(jr), get(kc)), c32(SW ? 4 : 3)))),
        set(aEnd, i32.add(get(ap), i32.mul(get(kc), c32(MR * 8)))),
        kLoop,
        set(cp, i32.add(i32.add(get(c), i32.mul(get(ir), get(ldc))), i32.shl(get(jr), c32(3)))),
        if_(
          i32.and(i32.eq(get(mr), c32(MR)), i32.eq(get(nr), c32(NR))),
          seq(set(addr, get(cp)), if_(f64.eq(get(beta), f64.const(0)), seq(...storeB0), seq(...storeB))),
          seq(
            ...toEdge,
            forLt(
              i,
              c32(0),
              get(mr),
              c32(1),
              forLt(
                j,
                c32(0),
                get(nr),
                c32(1),
                set(t, f64.mul(get(alpha), f64.load(eij))),
                if_(f64.ne(get(beta), f64.const(0)), set(t, f64.add(get(t), f64.mul(get(beta), f64.load(cij))))),
                f64.store(cij, get(t)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  return f;
}

/** The driver: blocking loops, packing, macro-kernel calls. */
function gemmFunc(o: GemmModuleOptions, packA: number, packB: number, macro: number): Func {
  const { NV, KC, MC, NC } = o;
  const NR = 2 * NV;
  const f = new Func("gemm", [
    Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.f64, Ty.i32, Ty.i32, Ty.i32, Ty.i32, Ty.f64, Ty.i32, Ty.i32, Ty.i32,
  ]);
  const [tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const aRs = f.local(Ty.i32);
  const aCs = f.local(Ty.i32);
  const bRs = f.local(Ty.i32);
  const bCs = f.local(Ty.i32);
  const jc = f.local(Ty.i32);
  const nc = f.local(Ty.i32);
  const pc = f.local(Ty.i32);
  const kc = f.local(Ty.i32);
  const ic = f.local(Ty.i32);
  const mc = f.local(Ty.i32);
  const bt = f.local(Ty.f64);
  const wa = f.local(Ty.i32);
  const wb = f.local(Ty.i32);
  const we = f.local(Ty.i32);
  const ld8 = (x: number) => i32.shl(get(x), c32(3));
  f.body = seq(
    set(aRs, i32.select(c32(8), ld8(lda), get(tA))),
    set(aCs, i32.select(ld8(lda), c32(8), get(tA))),
    set(bRs, i32.select(c32(8), ld8(ldb), get(tB))),
    set(bCs, i32.select(ld8(ldb), c32(8), get(tB))),
    set(wa, get(work)),
    set(wb, i32.add(get(work), c32(MC * KC * 8))),
    set(we, i32.add(get(wb), c32(KC * (NC + NR) * 16))),
    forLt(
      jc,
      c32(0),
      get(n),
      c32(NC),
      set(nc, min(c32(NC), i32.sub(get(n), get(jc)))),
      forLt(
        pc,
        c32(0),
        get(k),
        c32(KC),
        set(kc, min(c32(KC), i32.sub(get(k), get(pc)))),
        set(bt, f64.select(get(beta), f64.const(1), i32.eqz(get(pc)))),
        call(
          packB,
          i32.add(get(b), i32.add(i32.mul(get(pc), get(bRs)), i32.mul(get(jc), get(bCs)))),
          get(bCs),
          get(bRs),
          get(nc),
          get(kc),
          get(wb),
        ),
        forLt(
          ic,
          c32(0),
          get(m),
          c32(MC),
          set(mc, min(c32(MC), i32.sub(get(m), get(ic)))),
          call(
            packA,
            i32.add(get(a), i32.add(i32.mul(get(ic), get(aRs)), i32.mul(get(pc), get(aCs)))),
            get(aRs),
            get(aCs),
            get(mc),
            get(kc),
            get(wa),
          ),
          call(
            macro,
            get(mc),
            get(nc),
            get(kc),
            get(alpha),
            get(bt),
            get(wa),
            get(wb),
            i32.add(get(c), i32.add(i32.shl(i32.mul(get(ic), get(ldc)), c32(3)), i32.shl(get(jc), c32(3)))),
            ld8(ldc),
            get(we),
          ),
        ),
      ),
    ),
  );
  return f;
}

/** Build the module bytes. Deterministic: same options, same bytes. */
export function buildGemmModule(o: GemmModuleOptions): Uint8Array<ArrayBuffer> {
  if (o.MR < 1 || o.NV < 1 || o.KC < 1 || o.MC % o.MR !== 0 || o.NC % (2 * o.NV) !== 0 || (o.swap && o.MR % 2 !== 0))
    throw new Error("buildGemmModule: invalid block sizes");
  const packA = packFunc("packA", o.MR);
  const packB = packFunc("packB", 2 * o.NV, o.swap ?? false);
  const macro = macroFunc(o);
  const gemm = gemmFunc(o, 0, 1, 2);
  return encodeModule({
    memory: { min: o.minPages, max: o.maxPages, shared: o.shared },
    funcs: [packA, packB, macro, gemm],
  });
}
