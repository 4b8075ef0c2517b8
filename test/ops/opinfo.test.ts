/**
 * The op test suite: every OpInfo entry, every sample — forward value against
 * the reference, gradcheck of VJP and JVP (float64 central differences, plus
 * the JVP/VJP dot-product test), second order (gradgradcheck), error inputs.
 */
import { describe, it, expect } from "vitest";
import { allOpInfos } from "../../src/testing/opinfo/index.js";
import { gradcheck, gradgradcheck } from "../../src/testing/gradcheck.js";
import { Tensor, tensor } from "../../src/index.js";
import { asTensor } from "../../src/ops/api.js";
import type { NestedArray } from "../../src/tensor/tensor.js";

function expectClose(actual: Tensor, expected: Tensor | NestedArray, atol: number, rtol: number): void {
  const e = expected instanceof Tensor ? expected : tensor(expected);
  expect(actual.shape).toEqual(e.shape);
  for (let i = 0; i < e.size; i++) {
    const a = actual.data[i], b = e.data[i];
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b)))
      throw new Error(`value mismatch at flat index ${i}: got ${a}, expected ${b} (atol ${atol}, rtol ${rtol})`);
  }
}

for (const info of allOpInfos) {
  describe(`op ${info.name}`, () => {
    const samples = info.samples();
    for (const s of samples) {
      if (s.expected !== undefined) {
        it(`forward value: ${s.name}`, () => {
          const out = info.fn(...s.inputs);
          const ref = typeof s.expected === "function" ? s.expected(...s.inputs) : s.expected!;
          expectClose(out, ref as Tensor | NestedArray, 1e-12, 1e-10);
        });
      }
      it(`gradcheck VJP + JVP: ${s.name}`, () => {
        const r = gradcheck(info.fn, s.inputs, {
          structure: s.structure, nondiff: info.nondiff, forward: info.forward ?? true,
          atol: s.atol ?? info.atol, rtol: s.rtol ?? info.rtol, raise: false, name: info.name,
        });
        if (!r.ok) throw new Error(r.report);
      });
      if ((info.secondOrder ?? true) && !s.skipSecondOrder) {
        it(`gradgradcheck: ${s.name}`, () => {
          const r = gradgradcheck(info.fn, s.inputs, {
            structure: s.structure, nondiff: info.nondiff, forward: info.forward ?? true,
            atol: s.atol ?? info.atol, rtol: s.rtol ?? info.rtol, raise: false, name: info.name,
          });
          if (!r.ok) throw new Error(r.report);
        });
      }
    }
    for (const e of info.errors ?? []) {
      it(`error input: ${e.name}`, () => {
        let caught: unknown = null;
        try {
          info.fn(...e.inputs().map(asTensor));
        } catch (err) {
          caught = err;
        }
        expect(caught, "expected an error").toBeInstanceOf(e.error);
        expect((caught as Error).message).toMatch(e.message);
      });
    }
  });
}
