/**
 * Immutability that holds (issue 12, point 3): writing into `.data` of a
 * tensor that a graph node saved for backward is detected at backward with an
 * AutogradError naming the op; reading is free; writing after backward (or
 * into a tensor no node saved) is allowed. noGrad / enableGrad /
 * detectAnomaly refuse async callbacks.
 */
import { describe, it, expect } from "vitest";
import {
  tensor, randn, ones, backward, Tensor, noGrad, enableGrad, detectAnomaly, isGradEnabled, AutogradError, grad, sum, mul, matmul, tanh, exp,
} from "../../src/index.js";

const w0 = (): Tensor => tensor([[1, 2], [3, 4]], { requiresGrad: true });
const X = tensor([[0.5, -1], [2, 0.25]]);
const loss = (w: Tensor): Tensor => sum(tanh(matmul(X, w)).mul(w));

/** The error thrown by fn (fails the test if fn does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("saved tensors are immutable", () => {
  it("w.data[0] = 10 between forward and backward raises AutogradError naming the op", () => {
    const w = w0();
    const l = loss(w);
    w.data[0] = 10;
    const e = thrown(() => l.backward());
    expect(e).toBeInstanceOf(AutogradError);
    // backward meets the last op that saved w first: mul(tanh(·), w), input 1
    expect(e.message).toMatch(/^mul: input 1 \(shape \[2, 2\]\), saved for the backward pass, was modified through \.data/);
    expect(w.grad).toBeNull();
  });

  it("the error names the op whose saved input changed (matmul)", () => {
    const w = w0();
    const l = sum(tanh(matmul(X, w)));
    w.data[3] = -1;
    expect(() => l.backward()).toThrow(/^matmul: input 1 \(shape \[2, 2\]\)/);
  });

  it("reading .data between forward and backward is allowed and changes nothing", () => {
    const ref = w0();
    loss(ref).backward();
    const w = w0();
    const l = loss(w);
    const seen = Array.from(w.data); // read (the first read gives w an array of its own)
    expect(seen).toEqual([1, 2, 3, 4]);
    l.backward();
    expect(w.grad!.toArray()).toEqual(ref.grad!.toArray());
  });

  it("an array obtained before the forward pass and written after it is detected", () => {
    const w = w0();
    const d = w.data; // exposed before any node saved w: nodes snapshot it
    const l = loss(w);
    d[1] = 5;
    expect(() => l.backward()).toThrow(AutogradError);
  });

  it("writing the same value back is not a change; NaN written over NaN neither", () => {
    const w = tensor([NaN, 1], { requiresGrad: true });
    const l = sum(mul(w, w));
    w.data[1] = 1;
    w.data[0] = NaN;
    expect(() => l.backward()).not.toThrow();
  });

  it("a sign change of zero is a change", () => {
    const w = tensor([0, 1], { requiresGrad: true });
    const d = w.data;
    const l = sum(exp(w));
    d[0] = -0;
    expect(() => l.backward()).toThrow(AutogradError);
  });

  it("writing into an intermediate result is detected: as an op's saved output (tanh saves out) and as a consumer's input", () => {
    const x = randn([3, 3], { seed: 1, requiresGrad: true });
    const y = tanh(x);
    y.data[4] = 0.25;
    expect(() => backward(y, ones([3, 3]))).toThrow(/^tanh: output 0 \(shape \[3, 3\]\), saved for the backward pass, was modified/);
    const y2 = tanh(x);
    const l = sum(y2);
    y2.data[4] = 0.25;
    expect(() => l.backward()).toThrow(/^sum: input 0 \(shape \[3, 3\]\)/); // the first node in backward order that saved y2
  });

  it("writes through an alias (reshape / detach of an exposed tensor) are detected", () => {
    const w = w0();
    const d = w.data;
    const l = sum(w.reshape([4]).mul(w.reshape([4])));
    d[2] = 7;
    expect(() => l.backward()).toThrow(AutogradError);
    const v = w0();
    const dv = v.detach().data; // the detached alias shares v's storage until it is read; then it has its own
    const lv = loss(v);
    dv[0] = 100; // not v's array: v is unchanged
    expect(v.toArray()).toEqual([1, 2, 3, 4]);
    expect(() => lv.backward()).not.toThrow();
  });

  it("writing after backward, then a new forward pass, is allowed (optimizer-style updates)", () => {
    const w = w0();
    for (let step = 0; step < 3; step++) {
      w.grad = null;
      loss(w).backward();
      const g = w.grad!.data;
      for (let i = 0; i < 4; i++) w.data[i] -= 0.1 * g[i];
    }
    const ref = tensor(Array.from(w.data), { shape: [2, 2], requiresGrad: true });
    w.grad = null;
    loss(w).backward();
    loss(ref).backward();
    expect(w.grad!.toArray()).toEqual(ref.grad!.toArray());
  });

  it("a graph kept with retainGraph is checked on every backward", () => {
    const w = w0();
    const l = loss(w);
    l.backward(undefined, { retainGraph: true });
    w.data[0] = 2;
    expect(() => l.backward()).toThrow(AutogradError);
  });

  it("functional transforms see the same rule (grad of a function that mutates its closure)", () => {
    const c = tensor([1, 2, 3]);
    const f = (x: Tensor): Tensor => {
      const out = sum(mul(x, c.add(0)));
      return out;
    };
    expect(grad(f)(tensor([1, 1, 1])).toArray()).toEqual([1, 2, 3]);
    const w = tensor([1, 2, 3]);
    const g = (x: Tensor): Tensor => {
      const out = sum(mul(x, x).mul(w));
      x.data[0] = 9; // the argument's node saved it
      return out;
    };
    expect(() => grad(g)(w)).toThrow(AutogradError);
  });

  it("tensors that no node saved may be written (no graph, no check)", () => {
    const a = tensor([1, 2, 3]);
    a.data[0] = 4;
    expect(sum(a).item()).toBe(9);
  });
});

describe("grad-mode contexts refuse async callbacks", () => {
  const contexts = [
    ["noGrad", noGrad],
    ["enableGrad", enableGrad],
    ["detectAnomaly", detectAnomaly],
  ] as const;

  for (const [name, ctx] of contexts) {
    it(`${name} refuses an async function before running it`, () => {
      let ran = false;
      const e = thrown(() => ctx(async () => {
        ran = true;
        await Promise.resolve();
        return 1;
      }));
      expect(e).toBeInstanceOf(AutogradError);
      expect(e.message).toMatch(new RegExp(`^${name}: the callback is an async function; ${name} applies to synchronous code only`));
      expect(ran).toBe(false);
      expect(isGradEnabled()).toBe(true);
    });

    it(`${name} refuses a callback that returns a promise, and restores the mode`, async () => {
      let rejected = false;
      const e = thrown(() => ctx(() => Promise.reject(new Error("user's own failure")).catch((err: Error) => {
        rejected = true;
        throw err;
      })));
      expect(e).toBeInstanceOf(AutogradError);
      expect(e.message).toMatch(new RegExp(`^${name}: the callback returned a promise`));
      expect(isGradEnabled()).toBe(true);
      await new Promise((r) => setTimeout(r, 10)); // the abandoned promise settles without an unhandled rejection
      expect(rejected).toBe(true);
    });

    it(`${name} still returns synchronous results`, () => {
      expect(ctx(() => 42)).toBe(42);
      expect(ctx(() => ({ then: 1 }))).toEqual({ then: 1 }); // a non-callable "then" is not a promise
    });
  }

  it("noGrad refuses a non-function with ArgumentError", () => {
    expect(() => noGrad(3 as unknown as () => number)).toThrow(/^noGrad: expected a function, got number/);
  });
});
