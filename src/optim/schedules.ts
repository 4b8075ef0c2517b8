/**
 * Learning-rate schedules (optax's definitions): functions from the update
 * count (0 at the first update) to a learning rate. Pass one as `lr`.
 */
import { ArgumentError } from "../errors.js";
import type { Schedule } from "./transforms.js";

function num(op: string, name: string, v: unknown, min = -Infinity, strict = false): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || (strict && v === min))
    throw new ArgumentError(op, `option ${name} must be a finite number ${strict ? ">" : "≥"} ${min}; got ${String(v)}`);
  return v;
}

/** The same value at every step. */
export function constantSchedule(value: number): Schedule {
  num("optim.constantSchedule", "value", value);
  return () => value;
}

/** Options of `optim.exponentialDecay`: init · decayRate^(step / transitionSteps). */
export interface ExponentialDecayOptions {
  init: number;
  /** Steps over which the value is multiplied by decayRate. */
  transitionSteps: number;
  decayRate: number;
  /** Decay in whole multiples of transitionSteps (default false: continuous). */
  staircase?: boolean;
}

/** init · decayRate^(step / transitionSteps) (optax.exponential_decay). */
export function exponentialDecay(opts: ExponentialDecayOptions): Schedule {
  const op = "optim.exponentialDecay";
  const init = num(op, "init", opts?.init);
  const T = num(op, "transitionSteps", opts.transitionSteps, 0, true);
  const r = num(op, "decayRate", opts.decayRate, 0, true);
  const stair = opts.staircase ?? false;
  return (step) => {
    const p = step / T;
    return init * Math.pow(r, stair ? Math.floor(p) : p);
  };
}

/** Options of `optim.cosineDecay`: from init to alpha·init along half a cosine over decaySteps. */
export interface CosineDecayOptions {
  init: number;
  decaySteps: number;
  /** Final value as a fraction of init (default 0). */
  alpha?: number;
}

/** init·((1−α)·½(1 + cos(π·min(step, T)/T)) + α) (optax.cosine_decay_schedule; SGDR without restarts). */
export function cosineDecay(opts: CosineDecayOptions): Schedule {
  const op = "optim.cosineDecay";
  const init = num(op, "init", opts?.init);
  const T = num(op, "decaySteps", opts.decaySteps, 0, true);
  const alpha = num(op, "alpha", opts.alpha ?? 0);
  return (step) => {
    const c = 0.5 * (1 + Math.cos((Math.PI * Math.min(step, T)) / T));
    return init * ((1 - alpha) * c + alpha);
  };
}

/** Options of `optim.linearSchedule`: from init to end linearly over transitionSteps. */
export interface LinearScheduleOptions {
  init: number;
  end: number;
  transitionSteps: number;
}

/** Linear from init (step 0) to end (step ≥ transitionSteps), e.g. a warmup from 0 (optax.linear_schedule). */
export function linearSchedule(opts: LinearScheduleOptions): Schedule {
  const op = "optim.linearSchedule";
  const init = num(op, "init", opts?.init), end = num(op, "end", opts.end);
  const T = num(op, "transitionSteps", opts.transitionSteps, 0, true);
  return (step) => init + (end - init) * Math.min(Math.max(step, 0) / T, 1);
}

/**
 * Runs schedules one after the other: schedules[i] from boundaries[i−1] on,
 * called with the step counted from its own start (optax.join_schedules).
 */
export function joinSchedules(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  const op = "optim.joinSchedules";
  if (!Array.isArray(schedules) || schedules.length === 0 || schedules.some((s) => typeof s !== "function"))
    throw new ArgumentError(op, "argument schedules must be a non-empty array of schedule functions");
  if (!Array.isArray(boundaries) || boundaries.length !== schedules.length - 1)
    throw new ArgumentError(op, `argument boundaries must have ${schedules.length - 1} entries (one fewer than schedules); got ${String(boundaries?.length)}`);
  for (let i = 0; i < boundaries.length; i++)
    if (!Number.isInteger(boundaries[i]) || boundaries[i] < 0 || (i > 0 && boundaries[i] <= boundaries[i - 1]))
      throw new ArgumentError(op, `boundaries must be increasing non-negative integers; got [${boundaries.join(", ")}]`);
  return (step) => {
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return schedules[i](i === 0 ? step : step - boundaries[i - 1]);
  };
}

/** Options of `optim.warmupCosineDecay`: a linear warm-up to peak, then cosine decay to end. */
export interface WarmupCosineDecayOptions {
  /** Value at step 0 (default 0). */
  init?: number;
  peak: number;
  warmupSteps: number;
  /** Total steps, warmup included. */
  decaySteps: number;
  /** Value at the end (default 0). */
  end?: number;
}

/** Linear warmup from init to peak, then cosine decay to end (optax.warmup_cosine_decay_schedule). */
export function warmupCosineDecay(opts: WarmupCosineDecayOptions): Schedule {
  const op = "optim.warmupCosineDecay";
  const init = num(op, "init", opts?.init ?? 0), peak = num(op, "peak", opts.peak), end = num(op, "end", opts.end ?? 0);
  const W = num(op, "warmupSteps", opts.warmupSteps, 0, true), T = num(op, "decaySteps", opts.decaySteps, W, true);
  return joinSchedules(
    [linearSchedule({ init, end: peak, transitionSteps: W }), cosineDecay({ init: peak, decaySteps: T - W, alpha: peak === 0 ? 0 : end / peak })],
    [W],
  );
}
