/**
 * Memory soak (issue 12, point 8): forward/backward loops keep a flat heap.
 * Runs test/autodiff/soak-child.ts in a child process with --expose-gc (the
 * heap is measured after full collections, outside the test runner's own
 * allocations) and checks that JS heap + ArrayBuffer bytes do not grow.
 *
 * Counts: the 100 000 steps of a 64×64 layer (≈ 21 s on an idle
 * 2-core machine, ≈ 0.2 ms a step) and 100 000 steps of the 4×4 chain. A
 * per-step leak above 20 bytes shows as 2 MB of growth; a leaked 64×64 tensor
 * per step would add 3 GB. The small steps cover the per-op machinery (graph
 * nodes, small-result chunks, snapshots) at the same 20-byte threshold.
 */
import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ITER64 = 100_000, ITER4 = 100_000;
const LIMIT = 2 * 1024 * 1024; // bytes of growth tolerated over a whole run

describe("memory soak", () => {
  it(`${ITER64} forward/backward steps at 64×64 and ${ITER4} on the 4×4 chain keep the heap flat`, () => {
    const child = fileURLToPath(new URL("./soak-child.ts", import.meta.url));
    const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", child, String(ITER64), String(ITER4)], {
      encoding: "utf8",
      timeout: 170_000,
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    const runs = JSON.parse(out.trim().split("\n").pop()!) as { name: string; iters: number; samples: number[]; ms: number }[];
    for (const r of runs) {
      const base = r.samples[0];
      const growth = r.samples[r.samples.length - 1] - base;
      const peak = Math.max(...r.samples) - base;
      console.log(`soak ${r.name}: ${r.iters} steps in ${(r.ms / 1000).toFixed(1)} s; heap + ArrayBuffers ${(base / 2 ** 20).toFixed(1)} MB at start, growth ${(growth / 1024).toFixed(0)} KiB (peak ${(peak / 1024).toFixed(0)} KiB)`);
      expect(growth, `${r.name}: heap grew by ${growth} bytes over ${r.iters} steps`).toBeLessThan(LIMIT);
      expect(peak).toBeLessThan(2 * LIMIT);
    }
  }, 180_000);
});
