/**
 * Generators and checks shared by the fuzz suites: random shapes (empty axes,
 * size-1 axes, batches), random values mixing ordinary numbers with the
 * special ones (NaN, ±Inf, 0, −0, subnormals, 1e±300), wrong arguments, and
 * the property every call must satisfy — a result, or one of matgrad's typed
 * errors whose message starts with the op the user called.
 */
import fc from "fast-check";
import { Tensor, MatgradError } from "../../src/index.js";

/** The special values of IEEE doubles that break naive numerics. */
export const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 5e-324, -2.2250738585072e-308, 1e-300, 1e300, -1e300, 1, -1];

/** A value: mostly ordinary (|x| ≤ 3), sometimes special. */
export const value = (specialWeight = 1): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 40, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
    { weight: Math.round(10 * specialWeight), arbitrary: fc.constantFrom(...SPECIALS) },
  );

/** A float64 tensor of the given shape with random values (a seed-free fast-check arbitrary). */
export const tensorOf = (shape: readonly number[], specialWeight = 1): fc.Arbitrary<Tensor> => {
  const size = shape.reduce((p, d) => p * d, 1);
  return fc.array(value(specialWeight), { minLength: size, maxLength: size }).map((v) => new Tensor(Float64Array.from(v), shape.slice()));
};

/**
 * Shape variants of a sample's input shapes: the same, one axis emptied, one axis set to 1,
 * a batch axis in front of every input, or an unrelated random shape for one input.
 */
export const shapeVariant = (shapes: readonly (readonly number[])[]): fc.Arbitrary<number[][]> => {
  const same = fc.constant(shapes.map((s) => s.slice()));
  const withAxis = (v: number) =>
    fc.tuple(fc.nat({ max: Math.max(0, shapes.length - 1) }), fc.nat({ max: 3 })).map(([i, ax]) =>
      shapes.map((s, k) => (k === i && s.length > 0 ? s.map((d, j) => (j === ax % s.length ? v : d)) : s.slice())),
    );
  const batched = fc.integer({ min: 0, max: 3 }).map((b) => shapes.map((s) => [b, ...s]));
  const random = fc.tuple(fc.nat({ max: Math.max(0, shapes.length - 1) }), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 })).map(([i, r]) =>
    shapes.map((s, k) => (k === i ? r : s.slice())),
  );
  return fc.oneof({ weight: 4, arbitrary: same }, { weight: 2, arbitrary: withAxis(0) }, { weight: 2, arbitrary: withAxis(1) }, { weight: 2, arbitrary: batched }, { weight: 1, arbitrary: random });
};

/**
 * Wrong (and a few right) values for a scalar argument: NaN, fractions, huge, negative, strings, objects, …
 * No huge positive integers: as a size they are valid and would allocate gigabytes (the machine is shared).
 */
export const anyArg: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, 0.5, -1, 1e9 + 0.5, -1e9, -(2 ** 53), "a", "", true, null, undefined, {}, [], [1, "a"], [[1], [2, 3]], [NaN], () => 1, Symbol("s"), 1n, new Date(0), new Map()),
  fc.integer({ min: -5, max: 5 }),
  fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 3 }),
);

export const hasNaN = (x: Float64Array): boolean => {
  for (let i = 0; i < x.length; i++) if (x[i] !== x[i]) return true;
  return false;
};
export const allFinite = (x: Float64Array): boolean => {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
};

/** The op name an error must start with: "linalg.eigh (…)" → "linalg.eigh", "sum(axes=…)" → "sum". */
export const opNameOf = (entryName: string): string => entryName.split(/[ (]/)[0];

/**
 * Classify a thrown value: null when it is a matgrad error naming one of `ops`,
 * else a description of what is wrong (an untyped error, or the wrong op in the message).
 */
export function badThrow(e: unknown, ops: readonly string[]): string | null {
  if (!(e instanceof MatgradError)) {
    const err = e as Error;
    return `untyped ${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${(err?.stack ?? "").split("\n").slice(1, 6).join("\n")}`;
  }
  if (!ops.some((op) => e.message.startsWith(`${op}: `))) return `${e.name} names the wrong op (expected ${ops.join(" or ")}): ${e.message}`;
  return null;
}

/** Per-family case counters, printed by the suites. */
export class Counter {
  readonly counts = new Map<string, { cases: number; results: number; typed: number }>();
  add(family: string, kind: "result" | "typed"): void {
    const c = this.counts.get(family) ?? { cases: 0, results: 0, typed: 0 };
    c.cases++;
    if (kind === "result") c.results++;
    else c.typed++;
    this.counts.set(family, c);
  }
  report(title: string): string {
    const lines = [...this.counts].map(([f, c]) => `  ${f.padEnd(28)} ${String(c.cases).padStart(6)} cases (${c.results} results, ${c.typed} typed errors)`);
    const total = [...this.counts.values()].reduce((p, c) => p + c.cases, 0);
    return `${title}: ${total} cases\n${lines.join("\n")}`;
  }
}
