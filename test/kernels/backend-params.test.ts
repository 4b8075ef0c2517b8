/** Backend selection and thread parameters are validated (issue 12 point 5). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ArgumentError, backend, setBackend, useBackend } from "../../src/index.js";

describe("useBackend / setBackend / setThreads", () => {
  it('useBackend("nonsense") raises, listing the valid names; the backend is unchanged', () => {
    const before = backend();
    expect(() => useBackend("nonsense" as never)).toThrow(new ArgumentError("useBackend", 'argument name must be one of "auto", "js", "wasm", "native"; got the string "nonsense"'));
    expect(backend()).toBe(before);
  });
  it("setBackend checks it was given a backend", () => {
    expect(() => setBackend("js" as never)).toThrow(/^setBackend: argument b must be a Backend .*; got the string "js" \(use useBackend to select a built-in backend by name\)/);
    expect(() => setBackend({ name: "x" } as never)).toThrow(/^setBackend: argument b must be a Backend/);
  });
  it.each([[100], [0], [1.5], [-1], [NaN], ["2"]])("setThreads(%j) rejects with ArgumentError", async (n) => {
    const set = backend().setThreads;
    if (set === undefined) return; // the portable backend has no threads
    await expect(set(n as number)).rejects.toThrow(/^setThreads: n must be an integer in \[1, 64\]/);
    await expect(set(n as number)).rejects.toBeInstanceOf(ArgumentError);
  });
});

describe("environment variables are validated at first use, naming the variable", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });
  /** A fresh copy of the backend module (its choice is made once, at the first backend() call). */
  const fresh = async () => (await import("../../src/kernels/backend.js")) as typeof import("../../src/kernels/backend.js");
  it.each([["abc"], ["0"], ["1.5"], ["-2"], ["100"], ["2 threads"]])("MATGRAD_THREADS=%j raises ArgumentError", async (v) => {
    vi.resetModules();
    vi.stubEnv("MATGRAD_THREADS", v);
    const m = await fresh();
    // a fresh module graph has its own error classes: compare name and message
    const err = (() => { try { m.backend(); } catch (e) { return e as Error; } return null; })();
    expect(err?.name).toBe("ArgumentError");
    expect(err?.message).toBe(`backend: the environment variable MATGRAD_THREADS must be an integer in [1, 64]; got ${JSON.stringify(v)}`);
    expect(() => m.backend()).toThrow(/MATGRAD_THREADS/); // again at the next use, until fixed
  });
  it("MATGRAD_THREADS empty or a valid count is accepted", async () => {
    vi.resetModules();
    vi.stubEnv("MATGRAD_THREADS", "");
    expect((await fresh()).backend().name).toBeTruthy();
    vi.resetModules();
    vi.stubEnv("MATGRAD_THREADS", "1");
    expect((await fresh()).backend().name).toBeTruthy();
  });
  it("MATGRAD_BACKEND=bogus raises ArgumentError naming the variable", async () => {
    vi.resetModules();
    vi.stubEnv("MATGRAD_BACKEND", "bogus");
    const m = await fresh();
    expect(() => m.backend()).toThrow(/^backend: the environment variable MATGRAD_BACKEND must be js, wasm, native or auto; got "bogus"/);
  });
});
