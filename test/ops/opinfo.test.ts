/**
 * The op test suite: every OpInfo entry, every sample — forward value against
 * the reference, gradcheck of VJP and JVP (float64 central differences, plus
 * the JVP/VJP dot-product test), second order (gradgradcheck), error inputs.
 * The checks themselves are the public ones from src/testing/opinfo.ts.
 */
import { describe, it } from "vitest";
import { allOpInfos } from "../../src/testing/opinfo/index.js";
import { checkForward, checkGrad, checkGradGrad, checkErrorSample, type CheckOutcome } from "../../src/testing/opinfo.js";

const assertOk = (o: CheckOutcome | null): void => {
  if (o !== null && !o.ok) throw new Error(o.message);
};

for (const info of allOpInfos) {
  describe(`op ${info.name}`, () => {
    for (const s of info.samples()) {
      if (s.expected !== undefined) it(`forward value: ${s.name}`, () => assertOk(checkForward(info, s)));
      it(`gradcheck VJP + JVP: ${s.name}`, () => assertOk(checkGrad(info, s)));
      if ((info.secondOrder ?? true) && !s.skipSecondOrder) it(`gradgradcheck: ${s.name}`, () => assertOk(checkGradGrad(info, s)));
    }
    for (const e of info.errors ?? []) it(`error input: ${e.name}`, () => assertOk(checkErrorSample(info, e)));
  });
}
