/**
 * Independent storage (issue 12, point 2): a tensor's `.data` is an array of
 * its own — one ArrayBuffer of exactly size·8 bytes at offset 0 — even though
 * small results are carved from shared chunks internally (kernels/alloc.ts).
 * So transferring one tensor's buffer to a worker, structured-cloning or
 * serializing it never touches another tensor; and a kept small tensor pins
 * at most one 16 KiB chunk.
 */
import { describe, it, expect } from "vitest";
import { Worker } from "node:worker_threads";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tensor, randn, zeros, eye, Tensor, linalg, ArgumentError } from "../../src/index.js";
import { CHUNK, SMALL_MAX } from "../../src/kernels/alloc.js";

/** A mix of small results of different sizes, made back to back (so, internally, from the same chunks). */
function smallResults(): Tensor[] {
  const A = randn([4, 4], { seed: 1 }), B = randn([4, 4], { seed: 2 });
  return [
    A.add(B), A.matmul(B), A.tanh(), A.mul(0.5), A.sum(0), A.transpose(), randn([3, 5], { seed: 3 }).exp(),
    A.reshape([2, 8]), linalg.inv(A.add(eye(4).mul(4))), zeros([7]).add(1), randn([16, 16], { seed: 4 }).add(1),
  ];
}

const expectOwnBuffer = (t: Tensor): void => {
  const d = t.data;
  expect(d.byteOffset).toBe(0);
  expect(d.buffer.byteLength).toBe(t.size * 8);
};

describe("independent storage", () => {
  it("every result's .data is one ArrayBuffer of exactly size·8 bytes", () => {
    for (const t of smallResults()) expectOwnBuffer(t);
    // also tensors sharing storage internally (reshape, detach): each gets its own array
    const x = randn([4, 4], { seed: 5 }).add(0);
    const y = x.reshape([16]), z = x.detach();
    expectOwnBuffer(x);
    expectOwnBuffer(y);
    expectOwnBuffer(z);
    expect(y.data.buffer).not.toBe(x.data.buffer);
    expect(z.data.buffer).not.toBe(x.data.buffer);
  });

  it(".data is stable: the same array on every read", () => {
    const t = randn([4, 4], { seed: 6 }).add(1);
    expect(t.data).toBe(t.data);
  });

  it("structuredClone of one tensor's data copies only that tensor's values", () => {
    const ts = smallResults();
    const before = ts.map((t) => t.toArray());
    const clone = structuredClone(ts[1].data);
    expect(clone.buffer.byteLength).toBe(ts[1].size * 8);
    expect(Array.from(clone)).toEqual(before[1]);
    clone.fill(7);
    ts.forEach((t, i) => expect(t.toArray()).toEqual(before[i]));
    // serialization round trip of one tensor
    const json = JSON.stringify({ shape: ts[0].shape, data: Array.from(ts[0].data) });
    const back = JSON.parse(json) as { shape: number[]; data: number[] };
    expect(tensor(back.data, { shape: back.shape }).toArray()).toEqual(before[0]);
  });

  it("transferring one tensor's buffer to a worker leaves every other tensor intact, and later ops work", async () => {
    const ts = smallResults();
    const before = ts.map((t) => t.toArray());
    const victim = ts[2];
    const sent = victim.data;
    const expected = Array.from(sent);
    const worker = new Worker(
      "const { parentPort } = require('node:worker_threads');" +
      "parentPort.on('message', (buf) => { const a = new Float64Array(buf); parentPort.postMessage({ n: a.length, sum: a.reduce((s, v) => s + v, 0), first: a[0] }); });",
      { eval: true },
    );
    try {
      const reply = await new Promise<{ n: number; sum: number; first: number }>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
        // (a tensor's buffer is typed ArrayBufferLike; this one is a plain ArrayBuffer, transferable)
        worker.postMessage(sent.buffer, [sent.buffer as ArrayBuffer]);
      });
      // the worker received exactly this tensor's values, nothing else
      expect(reply.n).toBe(expected.length);
      expect(reply.first).toBe(expected[0]);
      expect(reply.sum).toBeCloseTo(expected.reduce((s, v) => s + v, 0), 12);
    } finally {
      await worker.terminate();
    }
    expect(sent.byteLength).toBe(0); // detached on this side: the transfer happened
    ts.forEach((t, i) => {
      if (t !== victim) expect(t.toArray()).toEqual(before[i]);
    });
    // later small ops (allocated from the chunks that the victim's array came from) still work
    for (let k = 0; k < 200; k++) {
      const r = smallResults();
      expect(r[0].toArray()).toEqual(before[0]);
      expect(r[1].toArray()).toEqual(before[1]);
    }
  });

  it("the transferred tensor itself is refused by ops with an ArgumentError naming the op (never NaN or an empty result)", () => {
    const a = randn([4, 4], { seed: 9 }).tanh();
    const b = randn([4, 4], { seed: 10 });
    const buf = a.data.buffer as ArrayBuffer;
    structuredClone(buf, { transfer: [buf] });
    expect(() => a.add(1)).toThrow(/^add: argument a \(shape \[4, 4\]\) has no values left: its \.data\.buffer was transferred/);
    expect(() => b.matmul(a)).toThrow(/^matmul: argument b /);
    expect(() => a.sum()).toThrow(ArgumentError);
    expect(() => a.toArray()).toThrow(/^toArray: the tensor \(shape \[4, 4\]\) has no values left/);
    expect(() => a.toString()).toThrow(/^toString: /);
    expect(() => a.item()).toThrow(/^item: /);
    expect(b.add(1).size).toBe(16); // everything else carries on
  });

  it("kept small tensors pin at most one 64 KiB chunk each (never megabytes)", () => {
    expect(CHUNK * 8).toBeLessThanOrEqual(64 * 1024);
    expect(SMALL_MAX).toBeLessThanOrEqual(CHUNK / 8);
    const kept: Tensor[] = [];
    const A = randn([4, 4], { seed: 7 });
    // 2100 temporaries of 16 doubles between kept ones: each kept tensor is the last survivor of its chunk
    // (with the former 256 KiB chunks these 20 pinned 5 MB)
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 2100; j++) A.add(j);
      kept.push(A.mul(i));
    }
    // what the kept tensors hold internally (not read through .data, which would copy them out)
    const buffers = new Set(kept.map((t) => t._data.buffer));
    let pinned = 0;
    for (const b of buffers) pinned += b.byteLength;
    expect(pinned).toBeLessThanOrEqual(kept.length * CHUNK * 8);
    expect(pinned).toBeLessThan(2 * 1024 * 1024);
    // and reading them gives each its own 128 bytes
    for (const t of kept) expectOwnBuffer(t);
  });

  it("a tensor built over a caller's array reads back an array of its own", () => {
    const arr = new Float64Array(8).fill(2);
    const view = new Float64Array(arr.buffer, 16, 4); // a view with an offset
    const t = new Tensor(view, [2, 2]);
    expectOwnBuffer(t);
    expect(t.toArray()).toEqual([2, 2, 2, 2]);
  });

  it("src/ never builds a tensor over another tensor's public .data (aliases go through _alias, which keeps the exposed state)", () => {
    // `new Tensor(x.data, shape)` would expose x (a copy) and give the new tensor x's user-visible array as
    // private storage: a write through x.data would then change a tensor the immutability check does not watch
    const root = fileURLToPath(new URL("../../src", import.meta.url));
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith(".ts")) files.push(p);
      }
    };
    walk(root);
    const offending: string[] = [];
    for (const f of files) {
      readFileSync(f, "utf8").split("\n").forEach((line, i) => {
        if (/new Tensor\(\s*[\w.]+\.data\s*[,)]/.test(line)) offending.push(`${f.slice(root.length + 1)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offending, offending.join("\n")).toEqual([]);
  });
});
