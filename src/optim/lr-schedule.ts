/**
 * Learning-rate schedules: a schedule maps the number of updates done so far (0 for the first
 * update) to the rate of the next one. An optimizer takes a number or a schedule
 * (`new Adam(cosine(0.003, 2400))`); a schedule is a plain function, so a user's own is
 * `(step) => ...`.
 *
 * Every value is computed with exact operations or src/math (cosPi, powInt), never Math.cos or
 * `**`: the same rates, hence the same weights, in every JavaScript engine.
 */
import { cosPi, powInt } from '../math/index.js';

/** The learning rate of update k (0-based), as a function of k. */
export type LearningRateSchedule = (step: number) => number;

function checkRate(schedule: string, name: string, value: number, allowZero = false): void {
  if (!(Number.isFinite(value) && (value > 0 || (allowZero && value === 0)))) {
    throw new Error(`${schedule}: ${name} must be a ${allowZero ? 'number >= 0' : 'positive number'}, got ${value}`);
  }
}

function checkSteps(schedule: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${schedule}: ${name} must be a positive integer, got ${value}`);
}

/** The same rate at every step. */
export function constant(lr: number): LearningRateSchedule {
  checkRate('constant', 'lr', lr);
  return () => lr;
}

/** Linear from `lr` at step 0 to `end` at step `steps`, then `end`: lr (1 - k/steps) + end k/steps. */
export function linear(lr: number, steps: number, end = 0): LearningRateSchedule {
  checkRate('linear', 'lr', lr);
  checkSteps('linear', 'steps', steps);
  checkRate('linear', 'end', end, true);
  return (k) => {
    const f = Math.min(k, steps) / steps;
    return lr * (1 - f) + end * f;
  };
}

/** Multiplied by `gamma` every `stepSize` steps: lr gamma^floor(k / stepSize) (PyTorch's StepLR). */
export function step(lr: number, stepSize: number, gamma = 0.1): LearningRateSchedule {
  checkRate('step', 'lr', lr);
  checkSteps('step', 'stepSize', stepSize);
  checkRate('step', 'gamma', gamma);
  return (k) => lr * powInt(gamma, Math.floor(k / stepSize));
}

/** Half a cosine from `lr` at step 0 to `min` at step `steps`, then `min` (SGDR without restarts). */
export function cosine(lr: number, steps: number, min = 0): LearningRateSchedule {
  checkRate('cosine', 'lr', lr);
  checkSteps('cosine', 'steps', steps);
  checkRate('cosine', 'min', min, true);
  return (k) => annealCosine(lr, min, Math.min(k, steps) / steps);
}

/**
 * Linear warmup over the first `steps` updates, then `after` (counted from the end of the warmup):
 * update k < steps gets after(0) (k + 1) / steps, so the first update already moves the weights.
 *
 * @example
 * ```ts
 * import { schedules, Adam } from 'scratchnet';
 *
 * // 100 steps rising to 0.003, then half a cosine down to 0 over 5,000 steps.
 * const lr = schedules.warmup(100, schedules.cosine(0.003, 5000));
 * console.log(lr(0), lr(49), lr(99), lr(5100)); // prints: 0.00003 0.0015 0.003 0
 * const optimizer = new Adam(lr); // the optimizer reads it before each update
 * console.log(optimizer.lr); // prints: 0.00003
 * ```
 */
export function warmup(steps: number, after: LearningRateSchedule | number): LearningRateSchedule {
  checkSteps('warmup', 'steps', steps);
  const then = typeof after === 'number' ? constant(after) : after;
  if (typeof then !== 'function') throw new Error(`warmup: after must be a rate or a schedule, got ${typeof after}`);
  const peak = then(0);
  return (k) => (k < steps ? (peak * (k + 1)) / steps : then(k - steps));
}

/** Options of `oneCycle` (the names of PyTorch's OneCycleLR). */
export interface OneCycleOptions {
  /** Fraction of the steps spent rising to maxLr. Default 0.3. */
  pctStart?: number;
  /** The first rate is maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** The last rate is the first / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
}

/**
 * The 1cycle policy (Smith & Topin), as PyTorch's OneCycleLR with cosine annealing: from
 * maxLr / divFactor up to maxLr at step pctStart·steps − 1, then down to that / finalDivFactor at
 * step steps − 1 (and there after).
 *
 * @example
 * ```ts
 * import { schedules, SGD } from 'scratchnet';
 *
 * const lr = schedules.oneCycle(0.01, 1000); // up from 0.01 / 25 for 300 steps, then down
 * console.log([0, 299, 999].map((k) => lr(k).toPrecision(3)).join(' ')); // prints: 0.000400 0.0100 4.00e-8
 * const optimizer = new SGD(lr);
 * console.log(optimizer.lr.toPrecision(3)); // prints: 0.000400
 * ```
 */
export function oneCycle(maxLr: number, steps: number, options: OneCycleOptions = {}): LearningRateSchedule {
  const { pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4 } = options;
  checkRate('oneCycle', 'maxLr', maxLr);
  checkSteps('oneCycle', 'steps', steps);
  if (!(pctStart > 0 && pctStart < 1)) throw new Error(`oneCycle: pctStart must be in (0, 1), got ${pctStart}`);
  checkRate('oneCycle', 'divFactor', divFactor);
  checkRate('oneCycle', 'finalDivFactor', finalDivFactor);
  const initial = maxLr / divFactor;
  const last = initial / finalDivFactor;
  const peakStep = pctStart * steps - 1;
  const endStep = steps - 1;
  if (!(peakStep > 0 && endStep > peakStep)) {
    throw new Error(`oneCycle: ${steps} steps with pctStart ${pctStart} leave no room to rise and fall; give more steps`);
  }
  return (k) =>
    k <= peakStep
      ? annealCosine(initial, maxLr, k / peakStep)
      : annealCosine(maxLr, last, Math.min(k - peakStep, endStep - peakStep) / (endStep - peakStep));
}

/** From `from` at f = 0 to `to` at f = 1 along half a cosine. */
function annealCosine(from: number, to: number, f: number): number {
  return to + ((from - to) * (1 + cosPi(f))) / 2;
}
