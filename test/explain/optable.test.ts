/**
 * explain over the whole OpInfo table: for each op's first non-empty sample,
 * explain must not throw and every shown formula must be verified numerically
 * (symbolic rules where they exist, opaque operators elsewhere) — the
 * "never a wrong formula" promise on every primitive and composite op.
 */
import { describe, it, expect } from "vitest";
import { allOpInfos } from "../../src/testing/opinfo/index.js";
import { explain } from "../../src/index.js";

describe("explain over the OpInfo table", () => {
  for (const info of allOpInfos) {
    const sample = info.samples().find((s) => s.inputs.length > 0 && s.inputs.every((x) => x.size > 0 && x.size <= 64));
    if (sample === undefined) continue;
    it(`${info.name} (${sample.name})`, () => {
      const names = sample.inputs.map((_, i) => `A${i}`);
      const e = explain(info.fn, ...sample.inputs, { names });
      const bad = e.notes.filter((n) => n.includes("could not be verified") || n.includes("did not match"));
      expect(bad, `${e.text}`).toEqual([]);
      expect(e.verified, e.text).toBe(true);
    });
  }
});
