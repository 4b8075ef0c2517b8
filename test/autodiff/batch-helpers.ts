/** Helpers of the vmap tests: compare with a tolerance, take one example, and the loop reference. */
import { expect } from "vitest";
import { reshape, slice, stack, type Tensor } from "../../src/index.js";

/** a and b have the same shape and agree entrywise to tol·(1 + |b|). */
export const close = (a: Tensor, b: Tensor, tol = 1e-12): void => {
  expect(a.shape).toEqual(b.shape);
  const ad = a.data, bd = b.data;
  for (let i = 0; i < ad.length; i++)
    if (!(Math.abs(ad[i] - bd[i]) <= tol * (1 + Math.abs(bd[i])))) throw new Error(`index ${i}: ${ad[i]} vs ${bd[i]}`);
};

/** Example i along `axis` of x (the axis dropped). */
export const ex = (x: Tensor, i: number, axis = 0): Tensor => {
  const spec: ([number, number] | null)[] = x.shape.map(() => null);
  spec[axis] = [i, i + 1];
  return reshape(slice(x, ...spec), x.shape.filter((_, k) => k !== axis));
};

/** The loop reference: f(0), …, f(n − 1) stacked along axis 0. */
export const loop = (n: number, f: (i: number) => Tensor): Tensor => stack(Array.from({ length: n }, (_, i) => f(i)), 0);
