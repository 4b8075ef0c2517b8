/**
 * gradcheck over the whole OpInfo table, both ways:
 * - no false alarms: every op's own rules pass (with diagnoses empty);
 * - no misses: the same op with its VJP negated (a wrong sign, via customVjp)
 *   fails, and the diagnosis names the factor −1 for the input that is wrong.
 * The OpInfo runner (test/ops/opinfo.test.ts) does the full first- and
 * second-order sweep; here the first non-empty sample of each op is enough.
 */
import { describe, it, expect } from "vitest";
import { allOpInfos } from "../../src/testing/opinfo/index.js";
import { gradcheck, customVjp, vjp, enableGrad, Tensor } from "../../src/index.js";
import type { Sample } from "../../src/testing/opinfo.js";

/** Step functions: their derivative is 0 everywhere it exists (PyTorch's convention), so a negated VJP equals the VJP. */
const ZERO_DERIVATIVE = new Set(["floor", "ceil", "round", "trunc", "sign"]);
/** The rounding with decimals and the 0/1-valued predicates, truth reductions and logical ops (src/ops/scan.ts): constants for autodiff. */
for (const name of ["round (decimals)", "round (decimals = −1)", "isnan", "isfinite", "isinf", "isposinf", "isneginf", "logicalNot", "logicalAnd", "logicalOr", "logicalXor", "any", "all", "countNonzero"])
  ZERO_DERIVATIVE.add(name);
/** The index outputs of the order statistics (src/ops/sorting.ts): piecewise constant, no derivative. */
for (const name of ["sort along axis 0 (indices)", "argsort (descending)", "topk (smallest, indices, axis 0)", "argmax", "argmax (flat)", "argmin (keepdims)", "kthvalue (indices, keepdims, axis 0)"])
  ZERO_DERIVATIVE.add(name);

for (const info of allOpInfos) {
  // the largest non-empty sample: random inputs, not a special point such as cos at 0
  const size = (s: Sample): number => s.inputs.reduce((p, x) => p + x.size, 0);
  const candidates = info.samples().filter((s) => s.inputs.every((x) => x.size > 0));
  if (candidates.length === 0) continue;
  const sample = candidates.reduce((best, s) => (size(s) > size(best) ? s : best));
  const nondiff = info.nondiff ?? [];
  const diff = sample.inputs.map((_, i) => i).filter((i) => !nondiff.includes(i));
  const opts = { structure: sample.structure, nondiff, atol: sample.atol ?? info.atol, rtol: sample.rtol ?? info.rtol, raise: false };

  describe(`gradcheck on ${info.name} (${sample.name})`, () => {
    it("passes the op's own rules without diagnosis", () => {
      const r = gradcheck(info.fn, sample.inputs, { ...opts, forward: info.forward ?? true, name: info.name });
      expect(r.ok, r.report).toBe(true);
      for (const ir of [...r.inputs, ...(r.forward ?? [])]) expect(ir.diagnosis).toEqual([]);
    });

    it.skipIf(ZERO_DERIVATIVE.has(info.name))("catches the op with a negated VJP and says the sign is wrong", () => {
      const negated = customVjp(info.fn, {
        bwd: (args: Tensor[], ct: Tensor) => {
          // backward runs with recording off unless createGraph: re-enable it for the inner vjp (as in PyTorch)
          const { vjpFn } = enableGrad(() => vjp((...d: Tensor[]) => {
            const full = args.slice();
            diff.forEach((i, k) => (full[i] = d[k]));
            return info.fn(...full);
          }, ...diff.map((i) => args[i])));
          const gs = vjpFn(ct);
          return args.map((_, i) => (diff.includes(i) ? gs[diff.indexOf(i)].neg() : null));
        },
      }, { name: `${info.name} (negated VJP)` });
      const r = gradcheck(negated, sample.inputs, { ...opts, forward: false });
      // inputs with an identically zero derivative (masks, a flat region) cannot be wrong
      const failing = r.inputs.filter((x) => !x.ok);
      const nonzero = r.inputs.filter((x) => x.maxAbsError > 0);
      expect(failing.length, r.report).toBe(nonzero.length);
      expect(failing.length, `${info.name}: derivative is zero at the sample, choose another`).toBeGreaterThan(0);
      for (const f of failing) expect(f.diagnosis.join("\n"), r.report).toMatch(/analytic ≈ −1 × numeric: the sign is wrong/);
    });
  });
}
