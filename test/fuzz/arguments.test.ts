/**
 * Wrong-argument fuzzing of every public op: each argument slot gets a mix of
 * valid values and wrong ones (NaN, fractions, huge or negative numbers,
 * strings, objects, ragged arrays, functions, null / undefined, unknown option
 * keys). Property: the call returns, or raises one of matgrad's typed errors
 * whose message starts with the op the user called — never a TypeError,
 * RangeError, a crash or an error naming another op. The per-family case counts are printed.
 */
import { describe, it, afterAll } from "vitest";
import fc from "fast-check";
import * as mg from "../../src/index.js";
import { linalg } from "../../src/index.js";
import { Counter, anyArg, badThrow, tensorOf } from "./gen.js";

type Call = (...args: never[]) => unknown;

/** A small tensor of random shape (rank ≤ 3, axes ≤ 3) with random (special) values. */
const anyTensor = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain((s) => tensorOf(s));
/** A (batch of) square matrices, the common case for linalg. */
const anySquare = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom<number[]>([], [2], [0])).chain(([n, b]) => tensorOf([...b, n, n], 0.3));
const tensorSlot = fc.oneof({ weight: 3, arbitrary: anyTensor }, { weight: 1, arbitrary: anyArg });
const matrixSlot = fc.oneof({ weight: 3, arbitrary: anySquare }, { weight: 1, arbitrary: anyTensor }, { weight: 1, arbitrary: anyArg });
const axisSlot = fc.oneof({ weight: 2, arbitrary: fc.integer({ min: -4, max: 4 }) }, { weight: 1, arbitrary: anyArg });
const axesSlot = fc.oneof(axisSlot, fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }), fc.record({ axes: anyArg, keepdims: anyArg }, { requiredKeys: [] }));
const boolSlot = fc.oneof(fc.boolean(), anyArg);
const numSlot = fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.integer({ min: -3, max: 5 }), anyArg);
const shapeSlot = fc.oneof({ weight: 2, arbitrary: fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }) }, { weight: 1, arbitrary: anyArg });
/** An options object: undefined, known keys with random values, an unknown key, or not an object at all. */
const optsSlot = (keys: string[]) =>
  fc.oneof(
    fc.constant(undefined),
    keys.length > 0 ? fc.dictionary(fc.constantFrom(...keys), anyArg, { maxKeys: 2 }) : fc.constant({}),
    fc.constant({ nonsenseOption: 1 }),
    anyArg,
  );
const ordSlot = fc.oneof(fc.constantFrom<unknown>("fro", "nuc", 1, -1, 2, -2, Infinity, -Infinity, 0, 3, 0.5), anyArg);
const tensorList = fc.oneof(fc.array(tensorSlot, { maxLength: 3 }), anyArg);
/** An index argument: integer lists (nested, some out of range or negative), index tensors, or anything. */
const indexSlot = fc.oneof(
  fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 3 }),
  fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 2, maxLength: 2 }), { maxLength: 3 }),
  fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 4 }).map((v) => Int32Array.from(v)),
  tensorSlot,
  anyArg,
);
/** A mask: nested booleans, a 0/1 tensor, or anything. */
const maskSlot = fc.oneof(fc.array(fc.boolean(), { maxLength: 3 }), fc.array(fc.constantFrom(0, 1), { maxLength: 3 }).map((v) => mg.tensor(v)), tensorSlot, anyArg);
/** One spec of index(): null, an integer, a slice object, an index list or a mask. */
const specSlot = fc.oneof(fc.constant(null), fc.integer({ min: -3, max: 3 }), fc.record({ start: anyArg, stop: anyArg, step: anyArg }, { requiredKeys: [] }), indexSlot, fc.record({ mask: maskSlot }));
const nestedSlot = fc.oneof(anyArg, fc.array(fc.oneof(fc.double(), fc.array(fc.double(), { maxLength: 2 })), { maxLength: 3 }));

interface Entry {
  name: string;
  family: string;
  fn: Call;
  slots: fc.Arbitrary<unknown>[];
}

const E = (family: string, name: string, fn: Call, ...slots: fc.Arbitrary<unknown>[]): Entry => ({ name, family, fn, slots });

const entries: Entry[] = [
  ...(["neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "square", "reciprocal", "sign", "step"] as const).map((n) =>
    E("elementwise", n, mg[n] as Call, tensorSlot)),
  ...(["add", "sub", "mul", "div", "maximum", "minimum", "pow", "gt", "ge", "lt", "le", "eq", "ne"] as const).map((n) =>
    E("elementwise", n, mg[n] as Call, tensorSlot, tensorSlot)),
  E("elementwise", "where", mg.where as Call, tensorSlot, tensorSlot, tensorSlot),
  E("elementwise", "clamp", mg.clamp as Call, tensorSlot, fc.oneof(tensorSlot, fc.constant(null)), fc.oneof(tensorSlot, fc.constant(null))),
  ...(["sum", "max", "min", "prod", "mean", "logsumexp"] as const).map((n) => E("reductions", n, mg[n] as Call, tensorSlot, axesSlot, boolSlot)),
  E("reductions", "variance", mg.variance as Call, tensorSlot, axesSlot, boolSlot, numSlot),
  E("reductions", "softmax", mg.softmax as Call, tensorSlot, axisSlot),
  E("reductions", "logSoftmax", mg.logSoftmax as Call, tensorSlot, axisSlot),
  E("layout", "reshape", mg.reshape as Call, tensorSlot, shapeSlot),
  E("layout", "flatten", mg.flatten as Call, tensorSlot, axisSlot, axisSlot),
  E("layout", "unsqueeze", mg.unsqueeze as Call, tensorSlot, axisSlot),
  E("layout", "squeeze", mg.squeeze as Call, tensorSlot, axesSlot),
  E("layout", "permute", mg.permute as Call, tensorSlot, shapeSlot),
  E("layout", "transpose", mg.transpose as Call, tensorSlot, axisSlot, axisSlot),
  E("layout", "mT", mg.mT as Call, tensorSlot),
  E("layout", "broadcastTo", mg.broadcastTo as Call, tensorSlot, shapeSlot),
  E("layout", "slice", mg.slice as Call, tensorSlot, fc.oneof(axisSlot, fc.constant(null), fc.tuple(numSlot, numSlot, numSlot)), fc.oneof(axisSlot, fc.constant(null), fc.tuple(numSlot, numSlot))),
  E("layout", "take", mg.take as Call, tensorSlot, shapeSlot, axisSlot),
  E("layout", "concat", mg.concat as Call, tensorList, axisSlot),
  E("layout", "stack", mg.stack as Call, tensorList, axisSlot),
  E("layout", "split", mg.split as Call, tensorSlot, fc.oneof(numSlot, shapeSlot), axisSlot),
  E("layout", "unbind", mg.unbind as Call, tensorSlot, axisSlot),
  ...(["movedim", "moveaxis"] as const).map((n) => E("layout", n, mg[n] as Call, tensorSlot, fc.oneof(axisSlot, shapeSlot), fc.oneof(axisSlot, shapeSlot))),
  E("layout", "repeat", mg.repeat as Call, tensorSlot, fc.oneof(numSlot, shapeSlot), numSlot, numSlot),
  E("layout", "tile", mg.tile as Call, tensorSlot, fc.oneof(numSlot, shapeSlot)),
  E("layout", "repeatInterleave", mg.repeatInterleave as Call, tensorSlot, fc.oneof(numSlot, shapeSlot, tensorSlot), fc.oneof(axisSlot, fc.constant(null))),
  E("layout", "flip", mg.flip as Call, tensorSlot, axesSlot),
  E("layout", "fliplr", mg.fliplr as Call, tensorSlot),
  E("layout", "flipud", mg.flipud as Call, tensorSlot),
  E("indexing", "gather", mg.gather as Call, tensorSlot, axisSlot, indexSlot),
  E("indexing", "scatter", mg.scatter as Call, tensorSlot, axisSlot, indexSlot, fc.oneof(tensorSlot, numSlot), optsSlot(["reduce"])),
  E("indexing", "scatterAdd", mg.scatterAdd as Call, tensorSlot, axisSlot, indexSlot, tensorSlot),
  E("indexing", "indexSelect", mg.indexSelect as Call, tensorSlot, axisSlot, indexSlot),
  E("indexing", "indexAdd", mg.indexAdd as Call, tensorSlot, axisSlot, indexSlot, tensorSlot, optsSlot(["alpha"])),
  E("indexing", "index", mg.index as Call, tensorSlot, specSlot, specSlot, specSlot),
  E("indexing", "maskedFill", mg.maskedFill as Call, tensorSlot, maskSlot, fc.oneof(numSlot, tensorSlot)),
  E("indexing", "maskedSelect", mg.maskedSelect as Call, tensorSlot, maskSlot),
  E("indexing", "nonzero", mg.nonzero as Call, tensorSlot, optsSlot(["asTuple"])),
  // order statistics: the axis positionally or in the options, k / q in range or not
  ...(["sort", "argsort"] as const).map((n) => E("order statistics", n, mg[n] as Call, tensorSlot, fc.oneof(axisSlot, optsSlot(["axis", "descending", "stable"])))),
  E("order statistics", "topk", mg.topk as Call, tensorSlot, numSlot, fc.oneof(axisSlot, optsSlot(["axis", "largest", "sorted"]))),
  E("order statistics", "kthvalue", mg.kthvalue as Call, tensorSlot, numSlot, fc.oneof(axisSlot, optsSlot(["axis", "keepdims"]))),
  ...(["argmax", "argmin", "median", "nanmedian"] as const).map((n) => E("order statistics", n, mg[n] as Call, tensorSlot, fc.oneof(axisSlot, optsSlot(["axis", "keepdims"])))),
  ...(["quantile", "nanquantile"] as const).map((n) =>
    E("order statistics", n, mg[n] as Call, tensorSlot, fc.oneof(numSlot, tensorSlot), fc.oneof(axisSlot, optsSlot(["axis", "keepdims", "interpolation"])))),
  E("layout", "roll", mg.roll as Call, tensorSlot, fc.oneof(numSlot, shapeSlot), fc.oneof(axesSlot, fc.constant(undefined))),
  E("layout", "pad", mg.pad as Call, tensorSlot, fc.oneof(fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 6 }), anyArg), fc.oneof(optsSlot(["mode", "value"]), fc.constantFrom<unknown>("constant", "reflect", "replicate", "circular", "edge")), fc.oneof(fc.constant(undefined), numSlot)),
  E("layout", "meshgrid", mg.meshgrid as Call, tensorSlot, tensorSlot, fc.oneof(tensorSlot, optsSlot(["indexing"]))),
  E("matrix ops", "blockDiag", mg.blockDiag as Call, tensorSlot, tensorSlot, tensorSlot),
  E("matrix ops", "vander", mg.vander as Call, tensorSlot, fc.oneof(numSlot, fc.constant(null), optsSlot(["N", "increasing"])), fc.oneof(fc.constant(undefined), boolSlot)),
  ...(["toeplitz", "hankel"] as const).map((n) => E("matrix ops", n, mg[n] as Call, tensorSlot, fc.oneof(tensorSlot, fc.constant(undefined)))),
  E("matrix ops", "circulant", mg.circulant as Call, tensorSlot),
  ...(["matmul", "dot", "outer", "kron", "frobeniusInner", "vdot"] as const).map((n) => E("matrix ops", n, mg[n] as Call, matrixSlot, matrixSlot)),
  ...(["diagonal", "diagEmbed", "diag", "triu", "tril"] as const).map((n) => E("matrix ops", n, mg[n] as Call, matrixSlot, axisSlot)),
  E("matrix ops", "trace", mg.trace as Call, matrixSlot),
  E("creation", "tensor", mg.tensor as Call, nestedSlot, optsSlot(["requiresGrad", "dtype"])),
  E("serialization", "save", mg.save as Call, fc.oneof(tensorSlot, fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(tensorSlot, anyArg), { maxKeys: 3 }), anyArg)),
  E("serialization", "load", mg.load as Call, fc.oneof(fc.uint8Array({ maxLength: 48 }), fc.constant(mg.save({ a: mg.tensor([1]) })), fc.constant(mg.toNpy(mg.tensor([1, 2]))), anyArg)),
  E("serialization", "toNpy", mg.toNpy as Call, tensorSlot),
  E("serialization", "fromNpy", mg.fromNpy as Call, fc.oneof(fc.uint8Array({ maxLength: 48 }), fc.constant(mg.save({ a: mg.tensor([1]) })), fc.constant(mg.toNpy(mg.tensor([1, 2]))), anyArg)),
  E("serialization", "fromJSON", mg.fromJSON as Call, fc.oneof(fc.record({ dtype: fc.oneof(fc.constant("float64"), anyArg), shape: shapeSlot, data: fc.oneof(nestedSlot, fc.array(fc.constantFrom<unknown>("NaN", "-0", "x", null, 1), { maxLength: 4 })) }), fc.string({ maxLength: 20 }), anyArg)),
  E("creation", "zeros", mg.zeros as Call, shapeSlot, optsSlot(["requiresGrad"])),
  E("creation", "ones", mg.ones as Call, shapeSlot, optsSlot(["requiresGrad"])),
  E("creation", "full", mg.full as Call, shapeSlot, numSlot, optsSlot(["requiresGrad"])),
  E("creation", "eye", mg.eye as Call, numSlot, fc.oneof(numSlot, fc.constant(undefined))),
  E("creation", "arange", mg.arange as Call, numSlot, fc.oneof(numSlot, fc.constant(undefined)), fc.oneof(numSlot, fc.constant(undefined))),
  E("creation", "linspace", mg.linspace as Call, numSlot, numSlot, numSlot),
  E("creation", "rand", mg.rand as Call, shapeSlot, optsSlot(["seed", "requiresGrad"])),
  E("creation", "randn", mg.randn as Call, shapeSlot, optsSlot(["seed", "requiresGrad"])),
  ...(["inv", "det", "logdet", "svdvals", "expm", "logm", "sqrtm", "lu", "luFactor"] as const).map((n) => E("linalg", `linalg.${n}`, linalg[n] as Call, matrixSlot)),
  E("linalg", "linalg.slogdet", linalg.slogdet as Call, matrixSlot),
  E("linalg", "linalg.cholesky", linalg.cholesky as Call, matrixSlot, optsSlot(["upper"])),
  E("linalg", "linalg.qr", linalg.qr as Call, matrixSlot, optsSlot(["mode"])),
  E("linalg", "linalg.eigh", linalg.eigh as Call, matrixSlot, optsSlot(["UPLO", "degeneracyTol"])),
  E("linalg", "linalg.eigvalsh", linalg.eigvalsh as Call, matrixSlot, optsSlot(["UPLO"])),
  E("linalg", "linalg.svd", linalg.svd as Call, matrixSlot, optsSlot(["fullMatrices", "degeneracyTol"])),
  E("linalg", "linalg.pinv", linalg.pinv as Call, matrixSlot, optsSlot(["atol", "rtol", "hermitian"])),
  E("linalg", "linalg.matrixRank", linalg.matrixRank as Call, matrixSlot, optsSlot(["atol", "rtol", "hermitian"])),
  E("linalg", "linalg.lstsq", linalg.lstsq as Call, matrixSlot, matrixSlot, optsSlot(["rcond"])),
  E("linalg", "linalg.solve", linalg.solve as Call, matrixSlot, matrixSlot, optsSlot(["left"])),
  E("linalg", "linalg.triangularSolve", linalg.triangularSolve as Call, matrixSlot, matrixSlot, optsSlot(["upper", "left", "unitriangular"])),
  E("linalg", "linalg.choleskySolve", linalg.choleskySolve as Call, matrixSlot, matrixSlot, optsSlot(["upper"])),
  E("linalg", "linalg.luSolve", linalg.luSolve as Call, matrixSlot, tensorSlot, matrixSlot, optsSlot(["left", "adjoint"])),
  E("linalg", "linalg.matrixNorm", linalg.matrixNorm as Call, matrixSlot, ordSlot, optsSlot(["dim", "keepdim"])),
  E("linalg", "linalg.vectorNorm", linalg.vectorNorm as Call, tensorSlot, ordSlot, optsSlot(["dim", "keepdim"])),
  E("linalg", "linalg.cond", linalg.cond as Call, matrixSlot, fc.oneof(ordSlot, fc.constant(null))),
  E("linalg", "linalg.matrixPower", linalg.matrixPower as Call, matrixSlot, numSlot),
  E("linalg", "linalg.expmFrechet", linalg.expmFrechet as Call, matrixSlot, matrixSlot),
  E("linalg", "linalg.solveSylvester", linalg.solveSylvester as Call, matrixSlot, matrixSlot, matrixSlot),
  E("linalg", "linalg.solveLyapunov", linalg.solveLyapunov as Call, matrixSlot, matrixSlot),
  E("linalg", "linalg.solveDiscreteLyapunov", linalg.solveDiscreteLyapunov as Call, matrixSlot, matrixSlot),
  ...(["solveContinuousAre", "solveDiscreteAre"] as const).map((n) => E("linalg", `linalg.${n}`, linalg[n] as Call, matrixSlot, matrixSlot, matrixSlot, matrixSlot, optsSlot(["e", "s"]))),
  E("linalg", "linalg.invEx", linalg.invEx as Call, matrixSlot, optsSlot(["checkErrors"])),
  E("linalg", "linalg.solveEx", linalg.solveEx as Call, matrixSlot, matrixSlot, optsSlot(["left", "checkErrors"])),
  E("linalg", "linalg.choleskyEx", linalg.choleskyEx as Call, matrixSlot, optsSlot(["upper", "checkErrors"])),
  E("linalg", "linalg.ldlFactor", linalg.ldlFactor as Call, matrixSlot, optsSlot(["hermitian"])),
  E("linalg", "linalg.ldlSolve", linalg.ldlSolve as Call, matrixSlot, tensorSlot, matrixSlot, optsSlot(["hermitian"])),
  E("linalg", "linalg.matrixFunction", linalg.matrixFunction as Call, matrixSlot, fc.oneof(fc.constant(mg.exp), anyArg)),
  // transforms: a function slot (a valid f, a non-function, an f returning a non-scalar or a non-tensor), options, arguments
  E("transforms", "grad", ((f: never, o: never, x: never) => mg.grad(f, o)(x)) as Call, fnSlot(), optsSlot(["argnums", "hasAux"]), tensorSlot),
  E("transforms", "valueAndGrad", ((f: never, o: never, x: never) => mg.valueAndGrad(f, o)(x)) as Call, fnSlot(), optsSlot(["argnums", "hasAux"]), tensorSlot),
  E("transforms", "vjp", mg.vjp as Call, fnSlot(), tensorSlot),
  E("transforms", "jvp", mg.jvp as Call, fnSlot(), fc.oneof(fc.tuple(tensorSlot), anyArg), fc.oneof(fc.tuple(tensorSlot), anyArg)),
  E("transforms", "jacobian", ((f: never, o: never, x: never) => mg.jacobian(f, o)(x)) as Call, fnSlot(), optsSlot(["mode", "argnums"]), tensorSlot),
  E("transforms", "hessian", ((f: never, o: never, x: never) => mg.hessian(f, o)(x)) as Call, fnSlot(), optsSlot(["argnums"]), tensorSlot),
  E("transforms", "hvp", mg.hvp as Call, fnSlot(), fc.oneof(fc.tuple(tensorSlot), anyArg), fc.oneof(fc.tuple(tensorSlot), anyArg)),
];

function fnSlot(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant((x: mg.Tensor) => mg.sum(mg.mul(x, x))) },
    { weight: 1, arbitrary: fc.constant((x: mg.Tensor) => mg.exp(x)) },
    { weight: 1, arbitrary: fc.constant(() => 3) },
    { weight: 1, arbitrary: anyArg },
  );
}

const RUNS: Record<string, number> = { elementwise: 110, reductions: 300, layout: 200, indexing: 150, "order statistics": 150, "matrix ops": 200, creation: 300, linalg: 110, transforms: 300 };
const counter = new Counter();

afterAll(() => {
  console.log(counter.report("Argument fuzz"));
});

for (const e of entries) {
  describe(`argument fuzz ${e.family}`, () => {
    it(`${e.name}: a result or a typed error starting with "${e.name}:"`, () => {
      fc.assert(
        fc.property(fc.tuple(...e.slots), (args) => {
          let out: unknown;
          try {
            out = (e.fn as (...a: unknown[]) => unknown)(...args);
          } catch (err) {
            // a transform calls the user's f with the arguments it was given: an error raised by an op inside f names that op
            const bad = badThrow(err, e.family === "transforms" ? [e.name, "mul", "sum", "exp"] : [e.name]) ?? nanReportedAsNumerical(e.name, args, err);
            if (bad !== null) throw new Error(`${e.name}(${args.map(show).join(", ")}): ${bad}`);
            counter.add(e.family, "typed");
            return;
          }
          counter.add(e.family, "result");
          const bad = nanSwallowed(e.name, args, out);
          if (bad !== null) throw new Error(`${e.name}(${args.map(show).join(", ")}): ${bad}`);
        }),
        { numRuns: RUNS[e.family], seed: 20261207 },
      );
    });
  });
}

/** Elementwise ops that propagate NaN position by position (comparisons, where and pow have their own IEEE rules). */
const PROPAGATING = new Set(["neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "square", "reciprocal", "sign", "step", "add", "sub", "mul", "div", "maximum", "minimum"]);

/** For a propagating elementwise op called on tensors: a NaN input entry must give NaN at its position of the result. */
/** Linear algebra reading the whole of every tensor argument (triangle readers and index arguments excluded). */
const LINALG_FULL = new Set([
  "linalg.inv", "linalg.det", "linalg.logdet", "linalg.svdvals", "linalg.expm", "linalg.logm", "linalg.sqrtm", "linalg.lu", "linalg.luFactor",
  "linalg.slogdet", "linalg.qr", "linalg.svd", "linalg.lstsq", "linalg.solve", "linalg.matrixNorm", "linalg.cond", "linalg.matrixPower",
  "linalg.expmFrechet", "linalg.solveSylvester", "linalg.solveLyapunov", "linalg.pinv", "linalg.matrixRank", "linalg.vectorNorm",
  "linalg.solveDiscreteLyapunov", "linalg.invEx", "linalg.solveEx",
]);

/** A one-matrix linalg function must not report a NaN input as singular / not PD / not converged / out of domain. */
function nanReportedAsNumerical(name: string, args: unknown[], err: unknown): string | null {
  const tensors = args.filter((a): a is mg.Tensor => a instanceof mg.Tensor);
  // one matrix (in a batch, another matrix may really be singular)
  if (!LINALG_FULL.has(name) || tensors.length !== 1 || tensors[0].ndim !== 2 || !tensors[0].data.some(Number.isNaN)) return null;
  const opts = args.find((a) => typeof a === "object" && a !== null && !(a instanceof mg.Tensor) && !Array.isArray(a)) as Record<string, unknown> | undefined;
  if (opts?.hermitian === true) return null;
  const numerical = err instanceof mg.SingularMatrixError || err instanceof mg.NotPositiveDefiniteError || err instanceof mg.ConvergenceError || err instanceof mg.DomainError;
  return numerical ? `a NaN argument was reported as ${(err as Error).name}: ${(err as Error).message}` : null;
}

/** The tensors in a result: a tensor, or the entries of a tuple / named result. */
function resultTensors(out: unknown): mg.Tensor[] {
  if (out instanceof mg.Tensor) return [out];
  if (Array.isArray(out)) return out.filter((t): t is mg.Tensor => t instanceof mg.Tensor);
  return [];
}

function nanSwallowed(name: string, args: unknown[], out: unknown): string | null {
  if (LINALG_FULL.has(name)) {
    const opts = args.find((a) => typeof a === "object" && a !== null && !(a instanceof mg.Tensor) && !Array.isArray(a)) as Record<string, unknown> | undefined;
    // a count (ord 0: NaN ≠ 0 counts as nonzero), or a triangle read (hermitian)
    if ((name === "linalg.vectorNorm" && args[1] === 0) || opts?.hermitian === true) return null;
    const nanIn = args.some((a) => a instanceof mg.Tensor && a.data.some(Number.isNaN));
    const outs = resultTensors(out).filter((t) => t.size > 0);
    if (nanIn && outs.length > 0 && !outs.some((t) => t.data.some(Number.isNaN))) return "an argument has a NaN, no result has one";
    return null;
  }
  if (!PROPAGATING.has(name) || !(out instanceof mg.Tensor) || !args.every((a) => a instanceof mg.Tensor)) return null;
  for (const a of args as mg.Tensor[]) {
    const x = mg.broadcastTo(a, out.shape).data;
    for (let i = 0; i < out.size; i++) if (Number.isNaN(x[i]) && !Number.isNaN(out.data[i])) return `NaN at result index ${i} was swallowed (got ${out.data[i]})`;
  }
  return null;
}

function show(a: unknown): string {
  if (a instanceof mg.Tensor) return `Tensor${JSON.stringify(a.shape)}`;
  if (typeof a === "function") return "function";
  try {
    return JSON.stringify(a) ?? String(a);
  } catch {
    return String(a);
  }
}
