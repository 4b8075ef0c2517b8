/**
 * Seeded pseudo-random numbers (xoshiro128** seeded by splitmix32): reproducible
 * across Node and browsers. A global generator (`manualSeed`) and explicit
 * `Generator` objects, as in PyTorch.
 */
import { checkInt } from "../validate.js";

/**
 * A seed: an integer in [−2³¹, 2³² − 1] (the generator uses its 32 low bits,
 * so the signed and unsigned readings of the same bits give the same stream;
 * anything else — NaN, a fraction, a larger number — would silently collide).
 */
export function checkSeed(op: string, what: string, seed: unknown): number {
  return checkInt(op, what, seed, -(2 ** 31), 2 ** 32 - 1);
}

/** A seeded pseudo-random generator (xoshiro128**) for `rand` / `randn`; `manualSeed` seeds the global one. */
export class Generator {
  // the class name survives minification (a bundler renames the class; see src/errors.ts)
  static {
    Object.defineProperty(this, "name", { value: "Generator" });
  }
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Restart the sequence from `seed` (a 32-bit unsigned integer); returns this generator. */
  seed(seed: number): this {
    checkSeed("Generator.seed", "argument seed", seed);
    let x = (seed >>> 0) ^ 0x9e3779b9;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
    this.spare = null;
    return this;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller, polar-free form). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export const defaultGenerator = new Generator(0);

/** Seed the global generator (like torch.manual_seed). */
export function manualSeed(seed: number): void {
  checkSeed("manualSeed", "argument seed", seed);
  defaultGenerator.seed(seed);
}
