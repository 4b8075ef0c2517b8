/**
 * Counting the large arrays an op allocates (issue 15, point 7: "no op
 * allocates more than a constant number of arrays of its output's size").
 *
 * While `countAllocations(fn)` runs, the global typed-array constructors are
 * replaced by Proxies whose construct trap records the length of every array
 * made — kernels and alloc.ts name the global at call time, so
 * `new Float64Array(n)`, `Float64Array.from(…)` (which constructs through
 * `this`) and the views alloc.ts carves out of its chunks
 * (`new Float64Array(buffer, offset, n)`, recorded by their length n) are all
 * seen. A Proxy, not a subclass: `x instanceof Float64Array` still holds for
 * arrays made before the swap (validation code tests it). Arrays made through
 * the species protocol (`slice`, `map`, `filter` of a typed array) never call
 * the global, so those three methods are wrapped too. A bare
 * `new ArrayBuffer(bytes)` is recorded by its size in doubles, except alloc.ts's
 * own 64 KiB chunks: a chunk is shared by many small outputs, each of which is
 * already recorded as a view of its own length (counting the chunk too would
 * charge the op whose small output happened to open a fresh one). `subarray`
 * is a view on existing memory, not an allocation, and is not recorded (the
 * WASM backend's resident workspaces are such views).
 *
 * Not seen: plain JS arrays (`number[]`), and memory inside WebAssembly
 * (resident, reused). Run the ops on the "js" backend to see the portable
 * kernels' workspaces as ordinary arrays.
 */
import { CHUNK } from "../../src/kernels/alloc.js";

const NAMES = [
  "Float64Array", "Float32Array", "Int32Array", "Uint32Array", "Int16Array", "Uint16Array",
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "BigInt64Array", "BigUint64Array",
] as const;

type G = Record<string, unknown>;
const g = globalThis as unknown as G;
const originals = new Map<string, unknown>(NAMES.map((n) => [n, g[n]]));
const OriginalArrayBuffer = ArrayBuffer;
const TypedArrayProto = Object.getPrototypeOf(Float64Array.prototype) as Record<string, unknown>;
const SPECIES_METHODS = ["slice", "map", "filter"] as const;
const originalMethods = new Map<string, unknown>(SPECIES_METHODS.map((m) => [m, TypedArrayProto[m]]));

/** The active counts (nested counts each record every allocation made while they run). */
const frames: number[][] = [];
function record(n: number): void {
  for (let i = 0; i < frames.length; i++) frames[i].push(n);
}

/** The length of the typed array `new C(...args)` makes, with elements of `bytes` bytes. */
function lengthOf(args: unknown[], bytes: number): number {
  const a = args[0];
  if (typeof a === "number") return a;
  if (a instanceof OriginalArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && a instanceof SharedArrayBuffer)) {
    if (args[2] !== undefined) return Number(args[2]);
    return Math.floor(((a as ArrayBuffer).byteLength - Number(args[1] ?? 0)) / bytes);
  }
  if (a !== null && typeof a === "object" && "length" in a) return Number((a as { length: number }).length);
  if (a !== null && typeof a === "object" && Symbol.iterator in a) return Array.from(a as Iterable<unknown>).length;
  return 0;
}

function install(): void {
  for (const name of NAMES) {
    const C = originals.get(name) as (new (...a: unknown[]) => object) & { BYTES_PER_ELEMENT: number };
    if (C === undefined) continue;
    g[name] = new Proxy(C, {
      construct(target, args, newTarget) {
        if (frames.length > 0) record(lengthOf(args, C.BYTES_PER_ELEMENT));
        return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget);
      },
    });
  }
  g.ArrayBuffer = new Proxy(OriginalArrayBuffer, {
    construct(target, args, newTarget) {
      const bytes = Number(args[0] ?? 0);
      if (frames.length > 0 && bytes !== CHUNK * 8) record(Math.floor(bytes / 8));
      return Reflect.construct(target, args, newTarget === g.ArrayBuffer ? target : newTarget);
    },
  });
  for (const m of SPECIES_METHODS) {
    const orig = originalMethods.get(m) as (this: ArrayLike<number>, ...a: unknown[]) => ArrayLike<number>;
    TypedArrayProto[m] = function (this: ArrayLike<number>, ...a: unknown[]) {
      const out = orig.apply(this, a);
      if (frames.length > 0) record(out.length);
      return out;
    };
  }
}

function uninstall(): void {
  for (const name of NAMES) if (originals.get(name) !== undefined) g[name] = originals.get(name);
  g.ArrayBuffer = OriginalArrayBuffer;
  for (const m of SPECIES_METHODS) TypedArrayProto[m] = originalMethods.get(m);
}

/**
 * Run `fn` and return its result with the length of every typed array (or bare
 * ArrayBuffer, in doubles) it allocated. Counts nest: an inner count's
 * allocations are also recorded by the counts around it.
 */
export function countAllocations<T>(fn: () => T): { result: T; lengths: number[] } {
  const lengths: number[] = [];
  if (frames.length === 0) install();
  frames.push(lengths);
  try {
    return { result: fn(), lengths };
  } finally {
    frames.pop();
    if (frames.length === 0) uninstall();
  }
}
