import { describe, it, expect } from "vitest";
import { tensor, zeros, Tensor, ShapeError, ArgumentError, optim } from "../../src/index.js";

const arr = (t: Tensor) => Array.from(t.data);
const close = (a: number[], b: number[], tol = 1e-14) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]))));
};

describe("optim gradient transformations (hand-computed steps)", () => {
  it("sgd: plain, momentum, Nesterov, weight decay", () => {
    const x = { w: tensor([2]) };
    const g1 = { w: tensor([1]) }, g2 = { w: tensor([2]) };
    const plain = optim.sgd({ lr: 0.1 });
    const s0 = plain.init(x);
    close(arr(plain.update(g1, s0).updates.w), [-0.1]);
    // t₁ = 1, t₂ = 2 + 0.9·1 = 2.9
    const mom = optim.sgd({ lr: 0.1, momentum: 0.9 });
    let s = mom.init(x);
    let r = mom.update(g1, s);
    close(arr(r.updates.w), [-0.1]);
    r = mom.update(g2, r.state);
    close(arr(r.updates.w), [-0.29]);
    // Nesterov: −lr(g + μt): −0.1(1 + 0.9) = −0.19, −0.1(2 + 0.9·2.9) = −0.461
    const nes = optim.sgd({ lr: 0.1, momentum: 0.9, nesterov: true });
    s = nes.init(x);
    r = nes.update(g1, s);
    close(arr(r.updates.w), [-0.19]);
    r = nes.update(g2, r.state);
    close(arr(r.updates.w), [-0.461]);
    // coupled weight decay: g + wd·x = 1 + 0.5·2 = 2
    const wd = optim.sgd({ lr: 0.1, weightDecay: 0.5 });
    close(arr(wd.update(g1, wd.init(x), x).updates.w), [-0.2]);
  });

  it("adam: two steps against the formulas (ε outside the root, bias-corrected)", () => {
    const opt = optim.adam({ lr: 0.1 });
    const x = tensor([1, 2]);
    let st = opt.init(x);
    const g1 = [0.1, -0.2], g2 = [0.3, 0.1];
    let r = opt.update(tensor(g1), st);
    close(arr(r.updates), g1.map((g) => (-0.1 * g) / (Math.abs(g) + 1e-8)));
    r = opt.update(tensor(g2), r.state);
    const m = g1.map((g, i) => 0.9 * 0.1 * g + 0.1 * g2[i]);
    const v = g1.map((g, i) => 0.999 * 0.001 * g * g + 0.001 * g2[i] * g2[i]);
    const want = m.map((mi, i) => (-0.1 * (mi / (1 - 0.81))) / (Math.sqrt(v[i] / (1 - 0.998001)) + 1e-8));
    close(arr(r.updates), want, 1e-12);
    st = r.state;
    expect(st.inner.count).toBe(2);
  });

  it("adamw: decoupled decay −lr·wd·x", () => {
    const opt = optim.adamw({ lr: 0.1, weightDecay: 0.01 });
    const x = tensor([3]);
    const r = opt.update(tensor([0.5]), opt.init(x), x);
    close(arr(r.updates), [-0.1 * (0.5 / (0.5 + 1e-8) + 0.01 * 3)]);
    expect(() => opt.update(tensor([0.5]), opt.init(x))).toThrow(/optim\.adamw\.update: .*needs params/);
  });

  it("rmsprop and adagrad", () => {
    const rms = optim.rmsprop({ lr: 0.01 });
    close(arr(rms.update(tensor([2]), rms.init(tensor([0]))).updates), [(-0.01 * 2) / (Math.sqrt(0.1 * 4) + 1e-8)]);
    const ada = optim.adagrad({ lr: 0.01 });
    const r = ada.update(tensor([2]), ada.init(tensor([0])));
    close(arr(r.updates), [(-0.01 * 2) / Math.sqrt(0.1 + 4 + 1e-7)]);
    const r2 = ada.update(tensor([1]), r.state);
    close(arr(r2.updates), [-0.01 / Math.sqrt(4.1 + 1 + 1e-7)]);
  });

  it("clipByGlobalNorm over all leaves, chain, applyUpdates", () => {
    const clip = optim.clipByGlobalNorm(1);
    const g = { a: tensor([3]), b: tensor([[4]]) };
    const r = clip.update(g, clip.init(g));
    close(arr(r.updates.a), [0.6]);
    close(arr(r.updates.b), [0.8]);
    const loose = optim.clipByGlobalNorm(10);
    close(arr(loose.update(g, loose.init(g)).updates.a), [3]);
    const ch = optim.chain(optim.clipByGlobalNorm(1), optim.sgd({ lr: 2 }));
    const u = ch.update(g, ch.init(g)).updates;
    close(arr(u.a), [-1.2]);
    const p = optim.applyUpdates({ a: tensor([1]), b: tensor([[1]]) }, u);
    close(arr(p.a), [-0.2]);
    close(arr(p.b), [1 - 1.6]);
  });

  it("a learning-rate schedule is called with the update count", () => {
    const seen: number[] = [];
    const opt = optim.sgd({ lr: (c) => (seen.push(c), 1) });
    let st = opt.init(tensor([0]));
    for (let i = 0; i < 3; i++) st = opt.update(tensor([1]), st).state;
    expect(seen).toEqual([0, 1, 2]);
  });

  it("a tree whose structure differs from the state's raises ShapeError naming the path in both", () => {
    const opt = optim.adam({ lr: 0.1 });
    const st = opt.init({ layer: { W: zeros([2, 2]), b: zeros([2]) } });
    expect(() => opt.update({ layer: [zeros([2, 2]), zeros([2])] }, st)).toThrow(ShapeError);
    expect(() => opt.update({ layer: [zeros([2, 2]), zeros([2])] }, st)).toThrow(
      "optim.adam.update: grads differs from the state (from init) at layer: the state (from init) has an object with keys {W, b} at layer, grads has an array of length 2 at layer",
    );
    expect(() => opt.update({ layer: { W: zeros([2, 2]), b: zeros([3]) } }, st)).toThrow(
      "optim.adam.update: grads at layer.b has shape [3], the state (from init) has shape [2] at layer.b",
    );
    expect(() => optim.applyUpdates({ a: zeros([1]) }, { b: zeros([1]) })).toThrow(/optim\.applyUpdates: updates differs from params at \(root\)/);
  });

  it("bad options raise ArgumentError naming the option", () => {
    expect(() => optim.adam({ lr: -1 })).toThrow(ArgumentError);
    expect(() => optim.adam({ lr: 0.1, b1: 1 })).toThrow(/optim\.adam: option b1 must be in \[0, 1\); got 1/);
    expect(() => optim.sgd({ lr: 0.1, nesterov: true })).toThrow(/nesterov needs momentum/);
    expect(() => optim.clipByGlobalNorm(0)).toThrow(/maxNorm/);
    expect(() => optim.adam({ lr: 0.1 }).init({ a: 1 })).toThrow(/optim\.adam\.init: params must be a tensor or a tree with at least one tensor leaf/);
  });
});
