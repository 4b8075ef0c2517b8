/**
 * Errors at the API boundary (issue 11 point 7, issue 12 point 7): every public
 * function and Tensor method, given a wrong kind of argument, raises one of
 * matgrad's typed errors whose message starts with the name of the function the
 * user called. The exports are enumerated, so a new export without argument
 * checks fails here unless it is listed below with the reason it takes anything.
 */
import { describe, expect, it } from "vitest";
import * as mg from "../../src/index.js";
import {
  add, ArgumentError, backward, gradients, linalg, matmul, MatgradError, mean, ShapeError, sum, Tensor, tensor, variance,
  logsumexp, softmax, trace, zeros, randn, flatten, diagEmbed,
} from "../../src/index.js";

const isClass = (v: unknown): boolean => typeof v === "function" && /^class[\s{]/.test(Function.prototype.toString.call(v));

/** Exports that take no argument, or for which any value is valid, and why. */
const TAKES_ANYTHING: Record<string, string> = {
  backend: "no arguments",
  isGradEnabled: "no arguments",
  nativeBackend: "no arguments",
  nativeUnavailableReason: "no arguments",
  treeFlatten: "any value is a pytree (a non-container is a leaf)",
  treeFlattenWithPath: "any value is a pytree",
  treeLeaves: "any value is a pytree",
  treeStructure: "any value is a pytree",
  save: "any pytree is saved: a string, an object or a boolean is a tree of one static leaf (symbols and bigints are refused)",
};

/**
 * Exports allowed to fail this test for now, with the module and reason. Keep
 * it empty: an entry is a promise to fix that module's argument checks.
 */
const PENDING: Record<string, string> = {};

/**
 * The op name a message starts with, when it differs from the export's name:
 * aliases, and functions documented under another name.
 */
const OP_NAME: Record<string, string> = {
  "linsolve.customLinearSolve": "customLinearSolve",
  "linalg.matrixExp": "linalg.expm",
  "linalg.solveContinuousLyapunov": "linalg.solveLyapunov",
  broadcastShapes: "broadcastShapes",
};

/** Tensor methods whose error names the functional op they alias. */
const METHOD_OP: Record<string, string> = {
  requiresGrad_: "setRequiresGrad",
};

/**
 * Wrong kinds of arguments: each call passes the value in every position. (A
 * function is not wrong for every export — noGrad, grad, treeMap take one — so
 * it is tried on the Tensor methods only.)
 */
const WRONG: [string, unknown][] = [
  ["a string", "wrong"],
  ["a symbol", Symbol("wrong")],
  ["an object", { bogus: 1 }],
  ["a bigint", 7n],
  ["a boolean", true],
];
const WRONG_FOR_METHODS: [string, unknown][] = [...WRONG, ["a function", () => 1]];

function publicFunctions(): [string, (...args: unknown[]) => unknown][] {
  const out: [string, (...args: unknown[]) => unknown][] = [];
  for (const [k, v] of Object.entries(mg)) if (typeof v === "function" && !isClass(v)) out.push([k, v as (...a: unknown[]) => unknown]);
  for (const ns of ["linalg", "linsolve"] as const)
    for (const [k, v] of Object.entries(mg[ns])) if (typeof v === "function" && !isClass(v)) out.push([`${ns}.${k}`, v as (...a: unknown[]) => unknown]);
  return out;
}

/** Run `call`; null when it raised a MatgradError starting with `op:`, else what happened. */
function outcome(op: string, call: () => unknown): string | null {
  try {
    const r = call();
    if (r instanceof Promise) {
      r.catch(() => {});
      return null; // async functions report through the promise; checked separately (setThreads)
    }
    return `returned ${r === undefined ? "undefined" : typeof r}`;
  } catch (e) {
    if (!(e instanceof MatgradError)) return `raised ${(e as Error)?.name}: ${(e as Error)?.message}`;
    if (!e.message.startsWith(`${op}:`)) return `raised ${e.name} not starting with "${op}:": ${e.message}`;
    return null;
  }
}

describe("every public function names itself for a wrong kind of argument", () => {
  const fns = publicFunctions();
  it("enumerates the exports (sanity: the op functions, linalg and linsolve are there)", () => {
    const names = fns.map(([n]) => n);
    for (const n of ["add", "matmul", "trace", "softmax", "tensor", "arange", "linalg.svd", "linalg.eigh", "gradcheck", "grad", "linsolve.cg"])
      expect(names).toContain(n);
    expect(names.length).toBeGreaterThan(150);
  });
  for (const [name, f] of fns) {
    if (Object.hasOwn(TAKES_ANYTHING, name) || Object.hasOwn(PENDING, name)) continue;
    const op = Object.hasOwn(OP_NAME, name) ? OP_NAME[name] : name;
    it(`${name}`, () => {
      const problems: string[] = [];
      const none = outcome(op, () => f());
      // no arguments at all is fine only for functions whose every parameter is optional and that then return
      if (none !== null && f.length > 0) problems.push(`no arguments: ${none}`);
      for (const [what, v] of WRONG) {
        const r = outcome(op, () => f(v, v, v, v));
        if (r !== null) problems.push(`${what}: ${r}`);
      }
      expect(problems).toEqual([]);
    });
  }
});

describe("every Tensor method names its op for a wrong kind of argument", () => {
  const x = tensor([[1, 2], [3, 4]]);
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  const names = Object.getOwnPropertyNames(proto).filter((k) => {
    if (k === "constructor" || k.startsWith("_")) return false;
    const d = Object.getOwnPropertyDescriptor(proto, k)!;
    return typeof d.value === "function";
  });
  /** Methods that take no argument and ignore extra ones (as JS functions do). */
  const NO_ARGS = new Set([
    "neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "square", "reciprocal", "trace",
    "item", "toArray", "toNested", "detach", "zeroGrad", "sign", "step",
    "toJSON", // JSON.stringify passes it the property key, which it ignores by contract
    "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10", "exp2", "erf", "erfc",
    "erfinv", "lgamma", "digamma", "sinc", "silu", "floor", "ceil", "trunc",
    "isnan", "isfinite", "isinf", "isposinf", "isneginf", "logicalNot",
    "fliplr", "flipud",
  ]);
  it("enumerates the methods", () => {
    for (const m of ["add", "matmul", "reshape", "sum", "backward", "toString"]) expect(names).toContain(m);
  });
  for (const m of names) {
    if (NO_ARGS.has(m)) continue;
    it(`x.${m}`, () => {
      const op = Object.hasOwn(METHOD_OP, m) ? METHOD_OP[m] : m;
      const fn = proto[m] as (...a: unknown[]) => unknown;
      const problems: string[] = [];
      for (const [what, v] of WRONG_FOR_METHODS) {
        if (m === "requiresGrad_" && typeof v === "boolean") continue; // its argument is a boolean
        const r = outcome(op, () => fn.call(x, v, v, v));
        if (r !== null) problems.push(`${what}: ${r}`);
      }
      expect(problems).toEqual([]);
    });
  }
});

describe("the issue's examples", () => {
  const x = tensor([[1, 2], [3, 4]]);
  it('add(x, "a") names the op, the argument and what it got', () => {
    expect(() => add(x, "a" as never)).toThrow(new ArgumentError("add", 'argument b must be a tensor, a number or a nested array of numbers; got the string "a"'));
  });
  it("x.matmul() says the argument is missing", () => {
    expect(() => (x.matmul as () => Tensor)()).toThrow(/^matmul: argument b is missing \(got undefined\)/);
  });
  it("a nested array with a bad entry gives its path", () => {
    expect(() => add(x, [[1, 2], [3, "4"]] as never)).toThrow(/^add: argument b must be .*; got the string "4" at b\[1\]\[1\]$/);
    expect(() => matmul(x, [x, x] as never)).toThrow(/^matmul: .*got a tensor of shape \[2, 2\] at b\[0\] \(use stack\(\) to combine tensors\)/);
  });
  it("composite ops validate first, so the message names them (trace, softmax, logSoftmax, vdot, square)", () => {
    expect(() => trace(tensor([1, 2]))).toThrow(/^trace: /);
    expect(() => softmax(x, 2)).toThrow(/^softmax: axis 2 is out of range/);
    expect(() => mg.logSoftmax(x, 2)).toThrow(/^logSoftmax: /);
    expect(() => mg.vdot(x, zeros([3]))).toThrow(/^vdot: /);
    expect(() => mg.square("s" as never)).toThrow(/^square: /);
    expect(() => mg.reciprocal("s" as never)).toThrow(/^reciprocal: /);
    expect(() => mg.clamp(x, "lo" as never)).toThrow(/^clamp: argument min /);
    expect(() => mg.diag(tensor([1, 2]), 0.5)).toThrow(/^diag: argument k/);
  });
});

describe("option keys are checked, with did-you-mean", () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  it("reductions take { axes, keepdims } and reject dim / keepdim with a suggestion", () => {
    expect(sum(x, { axes: 1, keepdims: true }).shape).toEqual([2, 1]);
    expect(mean(x, { axes: [0] }).toArray()).toEqual([2, 3]);
    expect(variance(x, { axes: 0, correction: 0 }).toArray()).toEqual([1, 1]);
    expect(logsumexp(x, { axes: -1 }).shape).toEqual([2]);
    expect(() => sum(x, { dim: 1 } as never)).toThrow(new ArgumentError("sum", 'unknown option "dim"; did you mean "axes"? (valid options: axes, keepdims)'));
    expect(() => mean(x, { axes: 1, keepdim: true } as never)).toThrow(/^mean: unknown option "keepdim"; did you mean "keepdims"\?/);
    expect(() => variance(x, { ddof: 0 } as never)).toThrow(/^variance: unknown option "ddof"; did you mean "correction"\?/);
    expect(() => sum(x, 1, 1 as never)).toThrow(/^sum: argument keepdims must be true or false; got the number 1/);
    expect(() => sum(x, "0" as never)).toThrow(/^sum: argument axes must be an integer, an array of integers or null/);
  });
  it("backward and gradients: retain_graph → retainGraph, create_graph → createGraph", () => {
    const y = x.mul(x).sum();
    expect(() => y.backward({ retain_graph: true } as never)).toThrow(/^backward: unknown option "retain_graph"; did you mean "retainGraph"\?/);
    expect(() => gradients(y, [x], { create_graph: true } as never)).toThrow(/^gradients: unknown option "create_graph"; did you mean "createGraph"\?/);
    expect(() => gradients(y, [x], { allow_unused: true } as never)).toThrow(/did you mean "allowUnused"\?/);
    expect(() => y.backward(null, { retainGraph: 1 } as never)).toThrow(/^backward: option retainGraph must be true or false; got the number 1/);
  });
  it("creation: requires_grad → requiresGrad, typos by edit distance", () => {
    expect(() => tensor([1], { requires_grad: true } as never)).toThrow(/^tensor: unknown option "requires_grad"; did you mean "requiresGrad"\?/);
    expect(() => zeros([2], { requiresGrd: true } as never)).toThrow(/^zeros: unknown option "requiresGrd"; did you mean "requiresGrad"\?/);
    expect(() => randn([2], { sed: 1 } as never)).toThrow(/^randn: unknown option "sed"; did you mean "seed"\?/);
    expect(() => mg.eye(2, 2, { batchShape: [2] } as never)).toThrow(/^eye: unknown option "batchShape"; did you mean "batch"\?/);
    expect(() => tensor([1], { zzz: 1 } as never)).toThrow(/^tensor: unknown option "zzz" \(valid options: requiresGrad, shape\)$/);
  });
  it("gradcheck, transforms and implicit functions", () => {
    expect(() => mg.gradcheck((a: Tensor) => a, [x], { rel_tol: 1 } as never)).toThrow(/^gradcheck: unknown option "rel_tol"/);
    expect(() => mg.gradcheck((a: Tensor) => a, [x], { atoll: 1 } as never)).toThrow(/^gradcheck: unknown option "atoll"; did you mean "atol"\?/);
    expect(() => mg.linsolve.cg((v: Tensor) => v, tensor([1]), { max_iter: 3 } as never)).toThrow(/^linsolve\.cg: unknown option "max_iter"; did you mean "maxIter"\?/);
    expect(() => mg.customLinearSolve((v: Tensor) => v, tensor([1]), { tolerance: 1 } as never)).toThrow(/^customLinearSolve: unknown option "tolerance"/);
    expect(() => mg.implicitRoot((v: Tensor) => v, () => ({ x: tensor([0]) }) as never, { linearSolve: { solverr: "cg" } } as never))
      .toThrow(/^implicitRoot: unknown option "solverr"; did you mean "solver"\?/);
  });
});

describe("backward: options as the first argument (PyTorch's keyword habit)", () => {
  it("x.backward({ retainGraph: true }) keeps the graph for a second backward", () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const y = w.mul(w).sum();
    y.backward({ retainGraph: true });
    y.backward();
    expect(w.grad!.toArray()).toEqual([4, 8, 12]);
  });
  it("backward(y, { retainGraph: true }) works as a function too, and backward(y, ct, opts) as before", () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = w.mul(3);
    backward(y, tensor([1, 1]), { retainGraph: true });
    backward(y.sum(), { retainGraph: true });
    expect(w.grad!.toArray()).toEqual([6, 6]);
  });
  it("options given twice, or a non-tensor cotangent, are named", () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = w.mul(3).sum();
    expect(() => backward(y, { retainGraph: true } as never, {})).toThrow(/^backward: options given twice/);
    expect(() => y.backward("ct" as never)).toThrow(/^backward: cotangent 0 \(the gradient argument\) must be a tensor or null; got the string "ct"/);
    expect(() => backward("y" as never)).toThrow(/^backward: argument outputs must be a tensor or an array of tensors; got the string "y"/);
  });
});

describe("parameters are validated (issue 12 point 5)", () => {
  const A = zeros([2, 3, 4]);
  it.each([
    ["diagEmbed(x, 0.5)", () => diagEmbed(tensor([1, 2]), 0.5), /^diagEmbed: argument k \(the diagonal offset\) must be an integer; got the number 0\.5/],
    ["flatten(A, 1, 0)", () => flatten(A, 1, 0), /^flatten: startAxis 1 comes after endAxis 0/],
    ["flatten(0-d, 3)", () => flatten(tensor(1), 3), /^flatten: startAxis 3 is out of range for a tensor of rank 0/],
    ["triu(A, NaN)", () => mg.triu(A, NaN), /^triu: argument k/],
    ["split(A, 0, 1)", () => mg.split(A, 0, 1), /^split: argument sizes must be an integer ≥ 1; got 0/],
    ["split(A, [1.5, 1.5], 1)", () => mg.split(A, [1.5, 1.5], 1), /^split: sizes\[0\] must be an integer ≥ 0/],
    ["take(A, 'x')", () => mg.take(A, "x" as never), /^take: argument indices must be an array of integers/],
    ["slice(A, [0, 'a'])", () => mg.slice(A, [0, "a" as never]), /^slice: the range for axis 0 must hold integers or null/],
    ["reshape(A, 24)", () => mg.reshape(A, 24 as never), /^reshape: argument shape must be an array of integers; got the number 24/],
    ["reshape(A, [2, 1.5, 8])", () => mg.reshape(A, [2, 1.5, 8]), /^reshape: invalid dimension 1\.5 at index 1/],
    ["permute(A, 'x')", () => mg.permute(A, "x" as never), /^permute: argument perm must be an array/],
    ["broadcastTo(A, [2, -3, 4])", () => mg.broadcastTo(A, [2, -3, 4]), /^broadcastTo: argument shape must be an array of non-negative integers; got \[2, -3, 4\] \(entry 1 is the number -3\)/],
    ["concat([])", () => mg.concat([]), /^concat: argument xs must hold at least one tensor/],
    ["stack([A, 'b'])", () => mg.stack([A, "b" as never]), /^stack: argument xs\[1\] must be/],
    ["variance(A, 0, false, Infinity)", () => variance(A, 0, false, Infinity), /^variance: correction must be a finite number .*; got the number Infinity/],
    ["broadcastShapes([2], [3])", () => mg.broadcastShapes([2], [3]), /^broadcastShapes: shapes \[2\] and \[3\] cannot be broadcast/],
  ])("%s", (_, f, re) => {
    expect(f).toThrow(re);
    expect(f).toThrow(MatgradError);
  });
  it("broadcastShapes(...shapes) is torch.broadcast_shapes", () => {
    expect(mg.broadcastShapes([2, 1], [3], [1, 1, 1])).toEqual([1, 2, 3]);
    expect(mg.broadcastShapes()).toEqual([]);
  });
  it("the errors are typed: ShapeError for shapes, ArgumentError for values", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => add(1, "a" as never)).toThrow(ArgumentError);
    expect(() => linalg.svd(randn([3, 2]), { full_matrices: false } as never)).toThrow(ArgumentError);
  });
});
