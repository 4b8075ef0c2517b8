import { describe, it, expect } from "vitest";
import {
  tensor, randn, Tensor, grad, valueAndGrad, vjp, jvp, linearize, linearTranspose, jacobian, hessian, hvp,
  matmul, sum, mul, add, sub, sin, exp, log, trace, mT, ShapeError, ArgumentError, eye, linalg,
} from "../../src/index.js";

const close = (a: Tensor, b: Tensor | number[] | number[][] | number, tol = 1e-9): void => {
  const bt = b instanceof Tensor ? b : tensor(b);
  expect(a.shape).toEqual(bt.shape);
  a.data.forEach((v, i) => {
    if (!(Math.abs(v - bt.data[i]) <= tol * (1 + Math.abs(bt.data[i])))) throw new Error(`index ${i}: ${v} vs ${bt.data[i]}`);
  });
};

/** Central-difference directional derivative of f at xs along ts. */
function fdDir(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], ts: Tensor[], h = 1e-6): Tensor {
  const p = f(...xs.map((x, i) => add(x, mul(ts[i], h))));
  const m = f(...xs.map((x, i) => sub(x, mul(ts[i], h))));
  return mul(sub(p, m), 1 / (2 * h)).detach();
}

/** Finite-difference Jacobian, shape out.shape ++ x.shape. */
function fdJac(f: (x: Tensor) => Tensor, x: Tensor, h = 1e-6): Tensor {
  const out = f(x);
  const cols: number[][] = [];
  for (let j = 0; j < x.size; j++) {
    const e = new Float64Array(x.size);
    e[j] = 1;
    cols.push(fdDir(f, [x], [new Tensor(e, x.shape)], h).toArray());
  }
  const data = new Float64Array(out.size * x.size);
  for (let i = 0; i < out.size; i++) for (let j = 0; j < x.size; j++) data[i * x.size + j] = cols[j][i];
  return new Tensor(data, [...out.shape, ...x.shape]);
}

const matsq = (X: Tensor): Tensor => matmul(X, X);
const energy = (X: Tensor): Tensor => { const Y = matmul(X, X); return trace(matmul(mT(Y), Y)); };
// logdet-like and inverse-like functions built from core ops (Newton–Schulz inverse, log-trace series)
const smoothScalar = (X: Tensor): Tensor => sum(mul(sin(X), exp(matmul(X, mT(X)).mul(0.1))));
const invLike = (X: Tensor): Tensor => {
  // 6 Newton–Schulz steps for (I + X/4)⁻¹ starting at I: a smooth inverse-like map
  const A = add(eye(X.shape[0]), X.mul(0.25));
  let Z: Tensor = eye(X.shape[0]);
  for (let k = 0; k < 6; k++) Z = matmul(Z, sub(eye(X.shape[0]).mul(2), matmul(A, Z)));
  return Z;
};
const logdetLike = (X: Tensor): Tensor => log(trace(matmul(mT(X), X)).add(1));

describe("jvp (forward mode)", () => {
  it("matches central differences for matrix-to-matrix functions", () => {
    const X = randn([3, 3], { seed: 1 }), dX = randn([3, 3], { seed: 2 });
    for (const f of [matsq, invLike, (A: Tensor) => sin(matmul(A, A)).add(A)]) {
      const { out, tangent } = jvp(f, [X], [dX]);
      close(out, f(X));
      close(tangent, fdDir(f, [X], [dX]), 1e-7);
    }
  });

  it("gives dY = dX·X + X·dX for X ↦ X·X (the Gateaux derivative)", () => {
    const X = randn([4, 4], { seed: 3 }), dX = randn([4, 4], { seed: 4 });
    close(jvp(matsq, [X], [dX]).tangent, add(matmul(dX, X), matmul(X, dX)), 1e-12);
  });

  it("several arguments and outputs", () => {
    const A = randn([2, 3], { seed: 5 }), B = randn([3, 2], { seed: 6 });
    const dA = randn([2, 3], { seed: 7 }), dB = randn([3, 2], { seed: 8 });
    const f = (a: Tensor, b: Tensor): Tensor[] => [matmul(a, b), sum(mul(a, a))];
    const { out, tangent } = jvp(f, [A, B], [dA, dB]);
    close(out[0], matmul(A, B));
    close(tangent[0], add(matmul(dA, B), matmul(A, dB)), 1e-12);
    close(tangent[1], sum(mul(A, dA)).mul(2), 1e-12);
  });

  it("nested levels do not confuse perturbations: d/dx [x · d/dy (x + y)] = 1", () => {
    const f = (x: Tensor): Tensor => mul(x, jvp((y: Tensor) => add(x, y), [x], [tensor(1)]).tangent);
    close(jvp(f, [tensor(3)], [tensor(1)]).tangent, 1);
    // and the classic: d/dx [x · d/dy (x · y)]_{y=1} = 2x
    const g = (x: Tensor): Tensor => mul(x, jvp((y: Tensor) => mul(x, y), [tensor(1)], [tensor(1)]).tangent);
    close(jvp(g, [tensor(3)], [tensor(1)]).tangent, 6);
  });

  it("rejects tangents of the wrong shape", () => {
    expect(() => jvp(matsq, [randn([2, 2])], [randn([3])])).toThrow(ShapeError);
    expect(() => jvp(matsq, [randn([2, 2])], [randn([3])])).toThrow(/^jvp: the tangent at \[0\] has shape \[3\] but the primal at \[0\] has shape \[2, 2\]/);
  });
});

describe("grad / valueAndGrad / vjp", () => {
  it("grad of energy = 2 (Y Xᵀ + Xᵀ Y)", () => {
    const X = randn([4, 4], { seed: 9 });
    const Y = matmul(X, X);
    close(grad(energy)(X), add(matmul(Y, mT(X)), matmul(mT(X), Y)).mul(2), 1e-12);
  });

  it("records the backward pass only when something outside may differentiate the result", () => {
    const X = randn([3, 3], { seed: 44 });
    const g = grad(energy)(X);
    expect(g.requiresGrad).toBe(false); // nothing outside the call is on a tape: no graph kept
    // a closed-over tensor that requires grad: the gradient stays differentiable with respect to it
    const W = randn([3, 3], { seed: 45 }).requiresGrad_();
    const gw = grad((A: Tensor) => sum(mul(matmul(A, W), A)))(X); // ∇_A = A Wᵀ + A W ... linear in W
    expect(gw.requiresGrad).toBe(true);
    sum(gw).backward();
    // d/dW Σ_ij (X Wᵀ + X W)_ij = d/dW [1ᵀ X Wᵀ 1 + 1ᵀ X W 1] = 1 (Xᵀ1)ᵀ... check against finite differences
    const h = 1e-6, E = randn([3, 3], { seed: 46 });
    const fW = (Wv: Tensor) => sum(grad((A: Tensor) => sum(mul(matmul(A, Wv), A)))(X)).item();
    const fd = (fW(W.detach().add(E.mul(h))) - fW(W.detach().sub(E.mul(h)))) / (2 * h);
    expect(Math.abs(sum(mul(W.grad!, E)).item() - fd)).toBeLessThan(1e-7);
  });

  it("argnums selects arguments; valueAndGrad returns the value too", () => {
    const f = (a: Tensor, b: Tensor): Tensor => sum(mul(matmul(a, b), matmul(a, b)));
    const A = randn([2, 3], { seed: 10 }), B = randn([3, 2], { seed: 11 });
    const [gA, gB] = grad(f, { argnums: [0, 1] })(A, B);
    const C = matmul(A, B);
    close(gA, matmul(C, mT(B)).mul(2), 1e-12);
    close(gB, matmul(mT(A), C).mul(2), 1e-12);
    const { value, grad: g1 } = valueAndGrad(f, { argnums: 1 })(A, B);
    close(value, f(A, B));
    close(g1, gB, 1e-12);
  });

  it("grad refuses non-scalar outputs and bad argnums", () => {
    expect(() => grad(matsq)(randn([2, 2]))).toThrow(/^grad: the function must return a scalar \(one element\), got shape \[2, 2\]/);
    expect(() => grad(energy, { argnums: 2 })(randn([2, 2]))).toThrow(ArgumentError);
  });

  it("vjp is the transpose of jvp (dot-product test ⟨ct, J t⟩ = ⟨Jᵀ ct, t⟩)", () => {
    const X = randn([3, 3], { seed: 12 }), t = randn([3, 3], { seed: 13 }), ct = randn([3, 3], { seed: 14 });
    for (const f of [matsq, invLike]) {
      const { vjpFn } = vjp(f, X);
      const [g] = vjpFn(ct);
      const Jt = jvp(f, [X], [t]).tangent as Tensor;
      expect(Math.abs(sum(mul(ct, Jt)).item() - sum(mul(g, t)).item())).toBeLessThan(1e-10);
    }
  });

  it("the VJP of X ↦ X·X is G Xᵀ + Xᵀ G, not G ∘ 2X", () => {
    const X = randn([3, 3], { seed: 15 }), G = randn([3, 3], { seed: 16 });
    const [g] = vjp(matsq, X).vjpFn(G);
    close(g, add(matmul(G, mT(X)), matmul(mT(X), G)), 1e-12);
    const wrong = mul(G, X).mul(2);
    expect(Math.max(...sub(g, wrong).abs().toArray())).toBeGreaterThan(0.1);
  });
});

describe("linearize / linearTranspose", () => {
  it("linearize gives the JVP as a function", () => {
    const X = randn([3, 3], { seed: 17 });
    const { out, jvpFn } = linearize(invLike, X);
    close(out, invLike(X));
    const t = randn([3, 3], { seed: 18 });
    close(jvpFn(t), jvp(invLike, [X], [t]).tangent, 1e-12);
  });

  it("linearize runs f once; each jvpFn call replays only the tangent computation", () => {
    let calls = 0;
    const f = (X: Tensor, W: Tensor): Tensor => {
      calls++;
      return sin(matmul(X, W)).add(matmul(X, X));
    };
    const X = randn([3, 3], { seed: 40 }), W = randn([3, 3], { seed: 41 });
    const { out, jvpFn } = linearize(f, X, W);
    expect(calls).toBe(1);
    close(out, f(X, W));
    calls = 0;
    for (let k = 0; k < 3; k++) {
      const tX = randn([3, 3], { seed: 50 + k }), tW = randn([3, 3], { seed: 60 + k });
      close(jvpFn(tX, tW), jvp(f, [X, W], [tX, tW]).tangent, 1e-12);
    }
    expect(calls).toBe(3); // only the three reference jvp calls above
    expect(() => jvpFn(randn([2, 2]), W)).toThrow(/^linearize: the tangent at \[0\] has shape \[2, 2\] but the primal at \[0\] has shape \[3, 3\]/);
  });

  it("linearize of a multi-output function", () => {
    const X = randn([2, 2], { seed: 42 }), t = randn([2, 2], { seed: 43 });
    const { jvpFn } = linearize((A: Tensor) => [matmul(A, A), sum(A)], X);
    const [t1, t2] = jvpFn(t);
    close(t1, add(matmul(t, X), matmul(X, t)), 1e-12);
    close(t2, sum(t), 1e-12);
  });

  it("linearTranspose of t ↦ A t B is c ↦ Aᵀ c Bᵀ", () => {
    const A = randn([2, 3], { seed: 19 }), B = randn([4, 5], { seed: 20 });
    const L = (T: Tensor): Tensor => matmul(matmul(A, T), B);
    const LT = linearTranspose(L, randn([3, 4]));
    const c = randn([2, 5], { seed: 21 });
    close(LT(c)[0], matmul(matmul(mT(A), c), mT(B)), 1e-12);
  });

  it("linearTranspose of a linearized map is its VJP", () => {
    const X = randn([3, 3], { seed: 22 }), ct = randn([3, 3], { seed: 23 });
    const { jvpFn } = linearize(matsq, X);
    const [g] = linearTranspose(jvpFn, X)(ct);
    close(g, add(matmul(ct, mT(X)), matmul(mT(X), ct)), 1e-12);
  });
});

describe("jacobian", () => {
  it("reverse and forward mode agree with each other and with finite differences (matrix → matrix)", () => {
    const X = randn([3, 2], { seed: 24 });
    const f = (A: Tensor): Tensor => matmul(sin(A), mT(A));
    const Jr = jacobian(f)(X) as Tensor, Jf = jacobian(f, { mode: "forward" })(X) as Tensor;
    expect(Jr.shape).toEqual([3, 3, 3, 2]);
    close(Jr, Jf, 1e-12);
    close(Jr, fdJac(f, X), 1e-7);
  });

  it("one Jacobian per selected argument", () => {
    const A = randn([2, 2], { seed: 25 }), B = randn([2, 3], { seed: 26 });
    const f = (a: Tensor, b: Tensor): Tensor => matmul(a, b);
    for (const mode of ["reverse", "forward"] as const) {
      const [JA, JB] = jacobian(f, { argnums: [0, 1], mode })(A, B) as Tensor[];
      expect(JA.shape).toEqual([2, 3, 2, 2]);
      expect(JB.shape).toEqual([2, 3, 2, 3]);
      close(JA, fdJac((a) => f(a, B), A), 1e-7);
      close(JB, fdJac((b) => f(A, b), B), 1e-7);
    }
  });
});

describe("hessian / hvp / higher order", () => {
  for (const [name, f] of [["energy", energy], ["logdet-like", logdetLike], ["inverse-like", (X: Tensor) => sum(invLike(X))], ["smooth", smoothScalar]] as const) {
    it(`hessian and hvp of ${name} agree with finite differences of the gradient`, () => {
      const X = randn([3, 3], { seed: 27 }).mul(0.5);
      const H = hessian(f)(X) as Tensor;
      expect(H.shape).toEqual([3, 3, 3, 3]);
      const Hfd = fdJac((x) => grad(f)(x) as Tensor, X);
      close(H, Hfd, 1e-6);
      close(H, H.permute(2, 3, 0, 1), 1e-9); // symmetric
      const V = randn([3, 3], { seed: 28 });
      const [hv] = hvp(f, [X], [V]);
      close(hv, fdDir((x) => grad(f)(x) as Tensor, [X], [V]), 1e-6);
      close(hv, sum(mul(H, V), [2, 3]), 1e-9);
    });
  }

  it("hessian and hvp through linalg: logdet(A) and sum(inv(A)) on an SPD point", () => {
    const G = randn([3, 3], { seed: 31 });
    const A = add(matmul(G, mT(G)), eye(3).mul(3));
    const V = randn([3, 3], { seed: 32 });
    for (const f of [(X: Tensor) => linalg.logdet(X), (X: Tensor) => sum(linalg.inv(X))]) {
      const H = hessian(f)(A) as Tensor;
      close(H, fdJac((x) => grad(f)(x) as Tensor, A), 1e-6);
      const [hv] = hvp(f, [A], [V]);
      close(hv, fdDir((x) => grad(f)(x) as Tensor, [A], [V]), 1e-6);
    }
    // closed form: the Hessian of logdet is dA ↦ −A⁻¹ dA A⁻¹ (as a bilinear form ⟨V, ·⟩ with the A⁻ᵀ convention)
    const Ai = linalg.inv(A);
    const [hvLogdet] = hvp((X: Tensor) => linalg.logdet(X), [A], [V]);
    close(hvLogdet, matmul(matmul(mT(Ai), mT(V)), mT(Ai)).neg(), 1e-10);
  });

  it("grad(grad(f)), jvp of grad and third order on scalar ops", () => {
    const f = (x: Tensor): Tensor => sum(mul(sin(x), exp(x)));
    const x = tensor([0.3, -0.7]);
    // f' = e^x (sin x + cos x), f'' = 2 e^x cos x, f''' = 2 e^x (cos x − sin x)
    const d1 = (v: number) => Math.exp(v) * (Math.sin(v) + Math.cos(v));
    const d2 = (v: number) => 2 * Math.exp(v) * Math.cos(v);
    const d3 = (v: number) => 2 * Math.exp(v) * (Math.cos(v) - Math.sin(v));
    close(grad(f)(x), x.toArray().map(d1), 1e-12);
    const g2 = grad((y: Tensor) => sum(grad(f)(y) as Tensor));
    close(g2(x), x.toArray().map(d2), 1e-12);
    close(jvp((y: Tensor) => grad(f)(y) as Tensor, [x], [tensor([1, 1])]).tangent, x.toArray().map(d2), 1e-12);
    const g3 = grad((y: Tensor) => sum(g2(y) as Tensor));
    close(g3(x), x.toArray().map(d3), 1e-12);
    // forward-over-forward-over-reverse
    const j3 = jvp((y: Tensor) => jvp((z: Tensor) => grad(f)(z) as Tensor, [y], [tensor([1, 1])]).tangent, [x], [tensor([1, 1])]).tangent;
    close(j3, x.toArray().map(d3), 1e-12);
  });

  it("reverse-over-forward equals forward-over-reverse", () => {
    const X = randn([3, 3], { seed: 29 }), V = randn([3, 3], { seed: 30 });
    const fwdOverRev = hvp(energy, [X], [V])[0];
    const revOverFwd = grad((x: Tensor) => jvp(energy, [x], [V]).tangent as Tensor)(X);
    close(revOverFwd, fwdOverRev, 1e-10);
  });
});
