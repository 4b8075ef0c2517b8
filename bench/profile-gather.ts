/**
 * gather of 1e6 entries profiled against loops doing the same work (issue 15
 * point 7), by CPU samples rather than wall times: on a loaded machine a
 * wall time swings 10× between runs (page faults of the fresh 8 MB outputs,
 * other processes), while the share of samples each function gets in one
 * interleaved run is stable. The calls rotate (no function always follows
 * the same one, so allocation and GC effects spread evenly); each side's
 * time is the sample time under its frame (the kernel and its output
 * allocation, as called). Compared loops: `out[i] = x[idx[i]]` with an
 * Int32Array index (plain), and the same with float64 indices checked and
 * wrapped as gather does (the minimum gather can do: an index read and its
 * check per entry; a function of its arrays, as a kernel). Results are kept (a discarded result lets V8 drop the loop that
 * made it). Run: `node --import ./bench/ts-register.mjs bench/profile-gather.ts [rounds]`; the ratios still
 * move by ±30% between runs on a loaded machine: run it a few times.
 */
import { Session } from "node:inspector/promises";
import { gather, Tensor } from "../src/index.js";

const n = 1_000_000, rows = 1000, cols = 1000;
const xData = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
const idxI = new Int32Array(n);
let s = 20261207;
for (let i = 0; i < n; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  idxI[i] = s % n;
}
const idx = Float64Array.from(idxI);
const idx2 = idx.map((v) => v % cols);
const x = new Tensor(xData, [n]), it = new Tensor(idx, [n]);
const X2 = new Tensor(xData, [rows, cols]), it2 = new Tensor(idx2, [rows, cols]);

function loopPlain(): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = xData[idxI[i]];
  return out;
}
/**
 * The checked loop, row by row: out[r·len + c] = x[r·len + wrap(ix[r·len + c])]
 * for `rows` rows of `len` entries (one row: the 1-D gather), float64
 * indices checked and wrapped as gather does; the first bad position, or out.
 */
function checkedRows(x: Float64Array, ix: Float64Array, rowCount: number, len: number): Float64Array | number {
  const out = new Float64Array(ix.length);
  for (let r = 0; r < rowCount; r++) {
    const b = r * len;
    for (let c = 0; c < len; c++) {
      const v = ix[b + c];
      let j = v | 0;
      if (j !== v) return b + c;
      if (j < 0) j += len;
      if (j < 0 || j >= len) return b + c;
      out[b + c] = x[b + j];
    }
  }
  return out;
}
function loopChecked(): Float64Array | number {
  return checkedRows(xData, idx, 1, n);
}
function loopChecked2(): Float64Array | number {
  return checkedRows(xData, idx2, rows, cols);
}
function gather1D(): Tensor {
  return gather(x, 0, it);
}
function gatherLastAxis(): Tensor {
  return gather(X2, 1, it2);
}

interface ProfileNode { id: number; callFrame: { functionName: string }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** The sample time (µs) under each function's frame in a CPU profile. */
function timeUnder(profile: Profile, names: ReadonlySet<string>): Record<string, number> {
  const byId = new Map(profile.nodes.map((nd) => [nd.id, nd]));
  const parent = new Map<number, number>();
  for (const nd of profile.nodes) for (const c of nd.children ?? []) parent.set(c, nd.id);
  const total: Record<string, number> = Object.fromEntries([...names].map((k) => [k, 0]));
  profile.samples.forEach((sid, i) => {
    for (let id: number | undefined = sid; id !== undefined; id = parent.get(id)) {
      const name = (byId.get(id) as ProfileNode).callFrame.functionName;
      if (names.has(name)) {
        total[name] += profile.timeDeltas[i] ?? 0;
        break;
      }
    }
  });
  return total;
}

// The driver runs at module level, not inside a function: an optimized driver inlines the loops into
// itself, and inlined frames lose their samples to the caller.
const fns = [gather1D, loopChecked, loopPlain, gatherLastAxis, loopChecked2];
const rounds = Number(process.argv[2] ?? 30);
for (const f of fns) f(); // warm up
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 200 });
await session.post("Profiler.start");
// results kept (a discarded result lets the optimizer drop the loop that made it)
const sink: unknown[] = [];
for (let r = 0; r < rounds; r++) for (let i = 0; i < fns.length; i++) sink[i] = fns[(i + r) % fns.length]();
const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: Profile };
session.disconnect();
if (sink.length !== fns.length) throw new Error("profile-gather: a result is missing");
const t = timeUnder(profile, new Set(fns.map((f) => f.name)));
const ms = (k: string): string => (t[k] / 1e3).toFixed(0);
console.log(`CPU ms under each frame: ${Object.keys(t).map((k) => `${k} ${ms(k)}`).join(", ")}`);
console.log(`gather 1-D / checked float64 loop ${(t.gather1D / t.loopChecked).toFixed(2)}, / plain Int32 loop ${(t.gather1D / t.loopPlain).toFixed(2)}; ` +
  `gather last axis 1000×1000 / checked loop ${(t.gatherLastAxis / t.loopChecked2).toFixed(2)}`);
