import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backend, setBackend, wasmBackend, type Backend } from "../../src/kernels/backend.js";
import { currentEngine, setThreads, wasmSimdSupported, wasmStatus } from "../../src/kernels/wasm/index.js";
import { buildTrsmModule } from "../../src/kernels/wasm/trsm-module.js";
import { residentOptions, withWasmWorkspace, type Workspace } from "../../src/kernels/workspace.js";
import { trsm, triangularSolve, invertUpperInPlace } from "../../src/kernels/triangular.js";
import { luFactor, luInverse, luSolve } from "../../src/kernels/lu.js";
import { choleskyBackward, choleskyFactor, choleskySolve, lowerHalfTN } from "../../src/kernels/cholesky.js";
import { qr } from "../../src/kernels/qr.js";
import { SingularMatrixError, NotPositiveDefiniteError } from "../../src/errors.js";
import { linalg, tensor } from "../../src/index.js";
import { maxAbsDiff, mulberry32, randMat, randSpd } from "./factor-helpers.js";

/** Copy `x` into a workspace array placed at an odd offset (so views are not 16-byte aligned). */
function inWs(ws: Workspace, x: Float64Array, pad = 1): [Float64Array, number] {
  const v = ws.alloc(x.length + pad);
  v.set(x, pad);
  return [v, pad];
}

const bits = (x: Float64Array) => Array.from(x, (v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v));

describe.runIf(wasmSimdSupported())("wasm trsm module", () => {
  it("generation is deterministic and validates (private and shared memory)", () => {
    const a = buildTrsmModule({ shared: false, minPages: 1 });
    const b = buildTrsmModule({ shared: false, minPages: 1 });
    expect(a.length).toBeGreaterThan(200);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(WebAssembly.validate(a)).toBe(true);
    expect(WebAssembly.validate(buildTrsmModule({ shared: true, minPages: 1, maxPages: 1024 }))).toBe(true);
    // Golden digest (FNV-1a): guards refactors of the generator against unintended
    // changes to the emitted code; update it when the kernels change on purpose.
    let h = 0x811c9dc5;
    for (const x of a) h = Math.imul(h ^ x, 0x01000193) >>> 0;
    expect([a.length, h.toString(16)]).toEqual([3611, "6e669cef"]);
  });

  const rng = mulberry32(77);

  it("left base case = the TypeScript substitution, bit for bit (lower/upper, trans, unit, offsets, strides, NaN off-triangle)", () => {
    for (const lower of [true, false])
      for (const trans of [false, true])
        for (const unit of [false, true])
          for (const [m, n] of [[0, 3], [3, 0], [1, 1], [1, 5], [2, 1], [5, 7], [9, 4], [16, 33], [13, 1]]) {
            const ldt = m + 2;
            const ldb = n + 3;
            const T = randMat(rng, m, ldt);
            for (let i = 0; i < m; i++) {
              T[i * ldt + i] = unit ? NaN : 1 + rng();
              for (let j = 0; j < m; j++) if (lower ? j > i : j < i) T[i * ldt + j] = NaN; // never read
            }
            const B = randMat(rng, m, ldb);
            const ref = B.slice();
            trsm(true, lower, trans, unit, m, n, 1, T, 0, ldt, ref, 0, ldb);
            const got = withWasmWorkspace(T.length + B.length + 64, (ws) => {
              const [t, to] = inWs(ws, T, 3);
              const [b, bo] = inWs(ws, B, 1);
              trsm(true, lower, trans, unit, m, n, 1, t, to, ldt, b, bo, ldb);
              return b.slice(bo);
            });
            expect(bits(got as Float64Array)).toEqual(bits(ref));
          }
  });

  it("right base case = the TypeScript substitution, bit for bit (odd and even row counts)", () => {
    for (const lower of [true, false])
      for (const trans of [false, true])
        for (const unit of [false, true])
          for (const [m, n] of [[1, 1], [2, 3], [7, 5], [70, 16], [65, 9], [4, 1]]) {
            const ldt = n + 1;
            const ldb = n + 2;
            const T = randMat(rng, n, ldt);
            for (let i = 0; i < n; i++) {
              T[i * ldt + i] = unit ? NaN : 1 + rng();
              for (let j = 0; j < n; j++) if (lower ? j > i : j < i) T[i * ldt + j] = NaN;
            }
            const B = randMat(rng, m, ldb);
            const ref = B.slice();
            trsm(false, lower, trans, unit, m, n, 1, T, 0, ldt, ref, 0, ldb);
            const got = withWasmWorkspace(T.length + B.length + 1024, (ws) => {
              const [t, to] = inWs(ws, T);
              const [b, bo] = inWs(ws, B, 2);
              trsm(false, lower, trans, unit, m, n, 1, t, to, ldt, b, bo, ldb);
              return b.slice(bo);
            });
            expect(bits(got as Float64Array)).toEqual(bits(ref));
          }
  });

  it("transpose: odd shapes across the 16×16 tiles, padded strides, odd offsets", () => {
    for (const [rows, cols] of [[1, 1], [1, 5], [5, 1], [2, 3], [37, 21], [16, 33], [33, 16], [64, 64]]) {
      const lds = cols + 3;
      const ldd = rows + 1;
      const got = withWasmWorkspace(rows * lds + cols * ldd + 64, (ws) => {
        const src = ws.alloc(rows * lds + 1);
        for (let i = 0; i < src.length; i++) src[i] = i + 0.5;
        const dst = ws.alloc(cols * ldd + 1);
        dst.fill(NaN);
        ws.k.transpose(ws.addr(src, 1), lds, ws.addr(dst, 1), ldd, rows, cols);
        return dst.slice();
      }) as Float64Array;
      for (let j = 0; j < cols; j++)
        for (let i = 0; i < ldd; i++) {
          const v = got[1 + j * ldd + i];
          if (i < rows) expect(v).toBe(1 + i * lds + j + 0.5);
          else expect(v).toBeNaN(); // padding untouched
        }
    }
  });

  it("transpose and reverse column interchanges", () => {
    const out = withWasmWorkspace(4096, (ws) => {
      const src = ws.alloc(5 * 7);
      for (let i = 0; i < 35; i++) src[i] = i;
      const dst = ws.alloc(7 * 6); // ld 6 > 5 rows
      ws.k.transpose(ws.addr(src, 1), 7, ws.addr(dst), 6, 4, 6); // 4×6 block starting at (0, 1)
      const a = ws.alloc(2 * 4);
      a.set([0, 1, 2, 3, 10, 11, 12, 13]);
      const piv = ws.allocI32(4);
      piv.set([2, 3, 2, 3]);
      ws.k.colSwapsReverse(ws.addr(a), 4, 2, 4, ws.addr(piv));
      return { dst: dst.slice(), a: a.slice() };
    });
    expect(out).toBeDefined();
    const { dst, a } = out as { dst: Float64Array; a: Float64Array };
    for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) expect(dst[j * 6 + i]).toBe(i * 7 + j + 1);
    // j = 2: swap 2↔2 (none); j = 1: swap 1↔3; j = 0: swap 0↔2
    expect(Array.from(a)).toEqual([2, 3, 0, 1, 12, 13, 10, 11]);
  });
});

describe.runIf(wasmSimdSupported())("resident drivers vs the portable path (same WASM GEMM kernel)", () => {
  let prev: Backend;
  beforeEach(() => {
    prev = backend();
    setBackend(wasmBackend);
  });
  afterEach(() => {
    setBackend(prev);
    residentOptions.enabled = true;
  });
  /** run f on the portable path and on the resident path */
  function both<T>(f: () => T): [T, T] {
    residentOptions.enabled = false;
    const a = f();
    residentOptions.enabled = true;
    return [a, f()];
  }
  const rng = mulberry32(5);
  const sizes = [33, 47, 64, 100, 131];

  it("luFactor / luSolve / luInverse: identical factors, pivots, sign and info; products run in place; the inverse agrees", () => {
    for (const n of sizes) {
      const a = randMat(rng, n, n);
      const b = randMat(rng, n, 9);
      const staged0 = wasmStatus().stagedCalls;
      const resident0 = wasmStatus().residentCalls;
      const [p, r] = both(() => luFactor(a, n));
      expect(wasmStatus().residentCalls).toBeGreaterThan(resident0);
      expect(bits(r.lu)).toEqual(bits(p.lu));
      expect(Array.from(r.piv)).toEqual(Array.from(p.piv));
      expect([r.sign, r.info]).toEqual([p.sign, p.info]);
      const staged1 = wasmStatus().stagedCalls;
      luFactor(a, n);
      expect(wasmStatus().stagedCalls).toBe(staged1); // no copies in the resident factorization
      expect(staged1).toBeGreaterThanOrEqual(staged0);
      for (const trans of [false, true]) {
        const [xp, xr] = both(() => luSolve(p.lu, p.piv, n, b, 9, trans));
        expect(bits(xr)).toEqual(bits(xp));
      }
      const [ip, ir] = both(() => luInverse(p.lu, p.piv, n));
      // identical below 128; from 128 on the resident triangular inverse takes the solve variant
      if (n < 128) expect(bits(ir)).toEqual(bits(ip));
      else expect(maxAbsDiff(ir, ip)).toBeLessThan(1e-13 * Math.max(...Array.from(ip, Math.abs)));
    }
  });

  it("singular matrices: the same zero pivot (info) on both paths, and linalg.inv / solve raise SingularMatrixError", () => {
    for (const n of [40, 77]) {
      // [matrix, exact zero pivot expected (or −1: singular only to working precision)]
      const cases: [Float64Array, number][] = [];
      const zc = randMat(rng, n, n); // a zero column: U[17, 17] = 0 exactly
      for (let i = 0; i < n; i++) zc[i * n + 17] = 0;
      cases.push([zc, 17]);
      const dup = randMat(rng, n, n); // two equal rows
      dup.copyWithin(30 * n, 3 * n, 4 * n);
      cases.push([dup, -2]);
      cases.push([new Float64Array(n * n), 0]); // zero matrix
      for (const [a, info] of cases) {
        const [p, r] = both(() => luFactor(a, n));
        if (info !== -2) expect(p.info).toBe(info);
        expect(r.info).toBe(p.info);
        expect(Array.from(r.piv)).toEqual(Array.from(p.piv));
        expect(() => linalg.inv(tensor(a, { shape: [n, n] }))).toThrow(SingularMatrixError);
      }
    }
  });

  it("triangularSolve, all flags, left and right: identical to the portable path", () => {
    for (const n of [33, 70]) {
      const t = randMat(rng, n, n);
      for (let i = 0; i < n; i++) t[i * n + i] = 2 + rng();
      for (const nrhs of [1, 9, 80])
        for (const lower of [true, false])
          for (const trans of [false, true])
            for (const unitDiagonal of [false, true])
              for (const left of [true, false]) {
                const b = randMat(rng, left ? n : nrhs, left ? nrhs : n);
                const [xp, xr] = both(() => triangularSolve(t, n, b, nrhs, { lower, trans, unitDiagonal, left }));
                expect(bits(xr)).toEqual(bits(xp));
              }
    }
  });

  it("invertUpperInPlace inside a workspace (solve variant also ≥ 128, at an offset) agrees with the portable GEMM variant", () => {
    const n = 150;
    const t = randMat(rng, n, n);
    for (let i = 0; i < n; i++) t[i * n + i] = 2 + rng();
    const ref = t.slice();
    invertUpperInPlace(ref, 0, n, n, false);
    const got = withWasmWorkspace(3 * n * n, (ws) => {
      const [v, o] = inWs(ws, t, 1);
      invertUpperInPlace(v, o, n, n, false);
      return v.slice(o);
    }) as Float64Array;
    let err = 0;
    let scale = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j < i) expect(got[i * n + j]).toBe(t[i * n + j]); // strictly lower part untouched
        else {
          err = Math.max(err, Math.abs(got[i * n + j] - ref[i * n + j]));
          scale = Math.max(scale, Math.abs(ref[i * n + j]));
        }
      }
    expect(err).toBeLessThan(1e-13 * scale);
  });

  it("choleskyFactor / choleskySolve / choleskyBackward / lowerHalfTN: identical results", () => {
    for (const n of sizes) {
      const a = randSpd(rng, n);
      const [p, r] = both(() => choleskyFactor(a, n));
      expect(bits(r.l)).toEqual(bits(p.l));
      expect([r.info, r.pivotValue]).toEqual([p.info, p.pivotValue]);
      const b = randMat(rng, n, 12);
      const [sp, sr] = both(() => choleskySolve(p.l, n, b, 12));
      expect(bits(sr)).toEqual(bits(sp));
      const g = randMat(rng, n, n);
      const [bp, br] = both(() => choleskyBackward(p.l, g, n));
      expect(bits(br)).toEqual(bits(bp));
      const [hp, hr] = both(() => lowerHalfTN(p.l, g, n));
      expect(bits(hr)).toEqual(bits(hp));
    }
  });

  it("qr (reduced and complete; tall, square, wide): identical Q and R in the resident workspace", () => {
    for (const [m, n] of [[40, 33], [33, 33], [35, 70], [97, 64]])
      for (const mode of ["reduced", "complete"] as const) {
        const a = randMat(rng, m, n);
        const resident0 = wasmStatus().residentCalls;
        const [p, r] = both(() => qr(a, m, n, mode));
        expect(wasmStatus().residentCalls).toBeGreaterThan(resident0);
        expect(bits(r.q)).toEqual(bits(p.q));
        expect(bits(r.r)).toEqual(bits(p.r));
      }
  });

  it("with threads on: the module runs on the pool's shared memory, results identical", async () => {
    try {
      await setThreads(2);
    } catch {
      return; // no worker support here
    }
    try {
      const n = 300; // products above the thread threshold are split over the workers
      const a = randMat(rng, n, n);
      const [p, r] = both(() => luFactor(a, n));
      expect(currentEngine()?.shared).toBe(true);
      expect(bits(r.lu)).toEqual(bits(p.lu));
      expect(Array.from(r.piv)).toEqual(Array.from(p.piv));
      const s = randSpd(rng, n);
      const [cp, cr] = both(() => choleskyFactor(s, n));
      expect(bits(cr.l)).toEqual(bits(cp.l));
    } finally {
      await setThreads(1);
    }
  });

  it("not positive definite: the same failing pivot and value; linalg.cholesky raises NotPositiveDefiniteError", () => {
    for (const n of [40, 90]) {
      const a = randSpd(rng, n);
      a[(n - 7) * n + (n - 7)] = -5; // breaks positivity at a late pivot
      const [p, r] = both(() => choleskyFactor(a, n));
      expect(p.info).toBeGreaterThanOrEqual(0);
      expect([r.info, r.pivotValue]).toEqual([p.info, p.pivotValue]);
      let err: unknown;
      try {
        linalg.cholesky(tensor(a, { shape: [n, n] }));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NotPositiveDefiniteError);
      expect(String((err as Error).message)).toContain(`pivot ${p.info} = ${p.pivotValue}`);
    }
  });
});
