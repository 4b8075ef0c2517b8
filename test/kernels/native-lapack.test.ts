/**
 * The native backend's LAPACK path (src/kernels/native/lapack.ts) against
 * matgrad's own kernels run with the in-process backend: same contracts, same
 * gauges, same failure reporting (by declining). Skipped without the addon.
 */
import { afterAll, describe, expect, it } from "vitest";
import { nativeBackend, useBackend, backend } from "../../src/kernels/backend.js";
import { luFactor, luInverse } from "../../src/kernels/lu.js";
import { choleskyFactor } from "../../src/kernels/cholesky.js";
import { eigh } from "../../src/kernels/eigh.js";
import { svd, type SvdMode } from "../../src/kernels/svd.js";

const nb = nativeBackend();
const lp = nb?.lapack;

function rand(len: number, seed: number): Float64Array {
  const out = new Float64Array(len);
  let s = seed;
  for (let i = 0; i < len; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = s / 2147483647 - 0.5;
  }
  return out;
}

function spd(n: number, seed: number): Float64Array {
  const g = rand(n * n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let t = i === j ? n : 0;
      for (let k = 0; k < n; k++) t += g[i * n + k] * g[j * n + k];
      a[i * n + j] = t;
    }
  return a;
}

function close(x: Float64Array, y: Float64Array, tol: number): void {
  expect(x.length).toBe(y.length);
  let e = 0, s = 1e-300;
  for (let i = 0; i < x.length; i++) {
    e = Math.max(e, Math.abs(x[i] - y[i]));
    s = Math.max(s, Math.abs(y[i]));
  }
  expect(e / s).toBeLessThan(tol);
}

/** The in-process kernels' result (the reference). */
function reference<T>(f: () => T): T {
  const prev = useBackend("wasm");
  try {
    return f();
  } finally {
    useBackend(prev.name.startsWith("native") ? (prev.name === "native-openblas" ? "native" : "auto") : "wasm");
  }
}

describe.skipIf(lp === undefined)("native LAPACK factorizations match matgrad's kernels", () => {
  const before = backend();
  afterAll(() => {
    useBackend(before.name === "native-openblas" ? "native" : before.name === "js" ? "js" : before.name === "wasm-simd" ? "wasm" : "auto");
  });
  const L = lp!;
  const sizes = [1, 5, 30, 77];

  it("luFactor: same pivots, factors and sign; inverse", () => {
    for (const n of sizes) {
      const a = rand(n * n, 3 + n);
      const want = reference(() => luFactor(a, n));
      const got = L.luFactor(a, n)!;
      expect(Array.from(got.piv)).toEqual(Array.from(want.piv));
      expect(got.sign).toBe(want.sign);
      expect(got.info).toBe(-1);
      close(got.lu, want.lu, 1e-12);
      close(L.luInverse(want.lu, want.piv, n)!, reference(() => luInverse(want.lu, want.piv, n)), 1e-11);
    }
  });

  it("luFactor reports an exactly zero pivot like getrf; luInverse declines a zero pivot", () => {
    const n = 30;
    const a = rand(n * n, 9);
    for (let j = 0; j < n; j++) a[7 * n + j] = a[3 * n + j] * 2; // row 7 = 2·row 3: rank n − 1
    const got = L.luFactor(a, n)!;
    const want = reference(() => luFactor(a, n));
    // rounding decides whether the last pivot is exactly 0 or at round-off level: either way it is found
    const last = got.lu[(n - 1) * n + (n - 1)];
    expect(got.info === want.info || Math.abs(last) < 1e-13).toBe(true);
    const z = new Float64Array(n * n);
    const fz = L.luFactor(z, n)!;
    expect(fz.info).toBe(0);
    expect(L.luInverse(fz.lu, fz.piv, n)).toBeNull();
  });

  it("cholesky: same lower factor with a zero upper part; declines non-SPD and NaN", () => {
    for (const n of sizes) {
      const a = spd(n, 5 + n);
      // the upper triangle is never read
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = NaN;
      const want = reference(() => choleskyFactor(a, n));
      const got = L.cholesky(a, n)!;
      close(got.l, want.l, 1e-12);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(got.l[i * n + j]).toBe(0);
    }
    const b = spd(20, 4);
    b[5 * 20 + 5] = -1;
    expect(L.cholesky(b, 20)).toBeNull();
    b[5 * 20 + 5] = NaN;
    expect(L.cholesky(b, 20)).toBeNull();
  });

  it("eigh: same eigenvalues and gauged eigenvectors, from the lower triangle", () => {
    for (const n of sizes) {
      const a = spd(n, 11 + n);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = 1e6; // ignored
      const want = reference(() => eigh(a, n, true));
      const got = L.eigh(a, n, true)!;
      close(got.w, want.w, 1e-12);
      close(got.v, want.v, 1e-9);
      close(L.eigh(a, n, false)!.w, want.w, 1e-12);
    }
  });

  it("svd: thin, full and values only, tall / wide / square, with the U-column gauge", () => {
    for (const [m, n] of [[1, 1], [30, 30], [50, 20], [20, 50], [77, 3]] as const)
      for (const mode of ["thin", "full", "none"] as SvdMode[]) {
        const a = rand(m * n, 13 + m + 7 * n);
        const want = reference(() => svd(a, m, n, mode));
        const got = L.svd(a, m, n, mode)!;
        close(got.s, want.s, 1e-12);
        expect(got.u.length).toBe(want.u.length);
        expect(got.v.length).toBe(want.v.length);
        if (mode === "thin") {
          close(got.u, want.u, 1e-9);
          close(got.v, want.v, 1e-9);
        }
        if (mode === "full") {
          // the leading k columns are determined; check U Σ Vᵀ = A and orthogonality
          const k = Math.min(m, n);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let t = 0;
              for (let p = 0; p < k; p++) t += got.u[i * m + p] * got.s[p] * got.v[j * n + p];
              expect(Math.abs(t - a[i * n + j])).toBeLessThan(1e-12);
            }
          for (const [q, r] of [[got.u, m], [got.v, n]] as const)
            for (let i = 0; i < r; i++)
              for (let j = 0; j < r; j++) {
                let t = 0;
                for (let p = 0; p < r; p++) t += q[p * r + i] * q[p * r + j];
                expect(Math.abs(t - (i === j ? 1 : 0))).toBeLessThan(1e-12);
              }
        }
      }
  });

  it("declines non-finite input (the in-process kernels report it)", () => {
    const a = rand(25, 1);
    a[7] = NaN;
    expect(L.luFactor(a, 5)).toBeNull();
    expect(L.svd(a, 5, 5, "thin")).toBeNull();
    a[7] = Infinity; // row 1, column 2: the upper triangle, which eigh and cholesky do not read
    expect(L.eigh(a, 5, true)).not.toBeNull();
    a[7] = 0;
    a[11] = Infinity; // row 2, column 1
    expect(L.eigh(a, 5, true)).toBeNull();
    expect(L.cholesky(a, 5)).toBeNull();
  });
});

describe("MATGRAD_NO_NATIVE", () => {
  it("keeps a built addon from loading (the in-process backend is used)", async () => {
    const { spawnSync } = await import("node:child_process");
    const code = `import("./src/kernels/backend.ts").then((m) => console.log(m.backend().name, "|", m.nativeUnavailableReason()))`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], {
      encoding: "utf8",
      env: { ...process.env, MATGRAD_NO_NATIVE: "1", MATGRAD_BACKEND: "" },
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("wasm-simd | disabled by MATGRAD_NO_NATIVE");
  });
});
