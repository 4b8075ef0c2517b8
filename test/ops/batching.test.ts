/**
 * Every op's batching rule against a loop over examples: the OpInfo table
 * drives it (checkBatching, src/testing/opinfo.ts): vmap(f) with every input
 * mapped and with only the first mapped, per-example gradients vmap(grad),
 * and batched tangents vmap(jvp), each against the stacked per-example results.
 */
import { describe, it } from "vitest";
import { allOpInfos } from "../../src/testing/opinfo/index.js";
import { checkBatching } from "../../src/testing/opinfo.js";

for (const info of allOpInfos) {
  describe(`op ${info.name}`, () => {
    for (const s of info.samples()) {
      it(`batching: ${s.name}`, () => {
        const o = checkBatching(info, s);
        if (!o.ok) throw new Error(o.message);
      });
    }
  });
}
