/**
 * Numerical differentiation (book 1, chapter 4): the slow, simple way to get
 * a gradient, used to check the fast analytic one from backpropagation.
 *
 * Why central differences: the forward difference (f(x+h) - f(x)) / h has an
 * error proportional to h (Taylor: the f''(x) h / 2 term survives), while the
 * central difference (f(x+h) - f(x-h)) / 2h cancels that term and leaves an
 * error proportional to h^2. With h = 1e-4 that is about 1e-8 instead of
 * 1e-4. h cannot be made much smaller: f(x+h) - f(x-h) then loses its
 * significant digits to rounding (with h = 1e-50, x + h is just x for x = 1).
 */

/** An array of parameters that a function reads: number[] or Float64Array. */
export type Params = number[] | Float64Array;

function checkStep(op: string, h: number): void {
  if (typeof h !== 'number' || !(h > 0) || !Number.isFinite(h)) {
    throw new Error(`${op}: h must be a positive finite number, got ${String(h)}`);
  }
}

function checkResult(op: string, value: unknown, where: string): number {
  if (typeof value !== 'number') throw new Error(`${op}: f returned ${typeof value} at ${where}, expected a number`);
  return value;
}

/** Derivative of a one-variable f at x by the central difference (f(x+h) - f(x-h)) / 2h. */
export function numericalDiff(f: (x: number) => number, x: number, h = 1e-4): number {
  checkStep('numericalDiff', h);
  if (typeof x !== 'number') throw new Error(`numericalDiff: x must be a number, got ${typeof x}`);
  const up = checkResult('numericalDiff', f(x + h), `x + h = ${x + h}`);
  const down = checkResult('numericalDiff', f(x - h), `x - h = ${x - h}`);
  return (up - down) / (2 * h);
}

/**
 * Gradient of f at x (D), one central difference per entry (2D calls of f).
 *
 * Like the book, each x[i] is changed in place, f(x) is evaluated, and x[i]
 * is restored to its exact old value (even if f throws). Working in place is
 * what makes `numericalGradient(() => net.loss(batch), net.weights)` work: f
 * may ignore its argument and read the weights it closes over.
 * Returns a new Float64Array (D); x is left as it was.
 */
export function numericalGradient<T extends Params>(f: (x: T) => number, x: T, h = 1e-4): Float64Array {
  const op = 'numericalGradient';
  checkStep(op, h);
  if (!(x instanceof Float64Array) && !(Array.isArray(x) && x.every((v) => typeof v === 'number'))) {
    throw new Error(`${op}: x must be a number[] or Float64Array`);
  }
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i];
    try {
      x[i] = old + h;
      const up = checkResult(op, f(x), `x[${i}] + h`);
      x[i] = old - h;
      const down = checkResult(op, f(x), `x[${i}] - h`);
      grad[i] = (up - down) / (2 * h);
    } finally {
      x[i] = old;
    }
  }
  return grad;
}

/** Result of gradientDescent: the final point and the point before each step. */
export interface DescentResult {
  /** The point after the last step (D). */
  x: Float64Array;
  /** history[s] is the point before step s (steps entries, each (D)), as in the book. */
  history: Float64Array[];
}

/**
 * Plain gradient descent x <- x - lr * grad f(x), with the gradient taken
 * numerically, for `steps` steps from `init` (D). init is copied, not changed.
 */
export function gradientDescent(
  f: (x: Float64Array) => number,
  init: ArrayLike<number>,
  lr = 0.01,
  steps = 100,
): DescentResult {
  const op = 'gradientDescent';
  if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new Error(`${op}: lr must be a finite number, got ${String(lr)}`);
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`${op}: steps must be an integer >= 0, got ${String(steps)}`);
  if (init === null || typeof init !== 'object' || typeof init.length !== 'number') {
    throw new Error(`${op}: init must be an array of numbers`);
  }
  const x = Float64Array.from(init);
  const history: Float64Array[] = [];
  for (let s = 0; s < steps; s++) {
    history.push(x.slice());
    const grad = numericalGradient(f, x);
    for (let i = 0; i < x.length; i++) x[i] -= lr * grad[i];
  }
  return { x, history };
}
