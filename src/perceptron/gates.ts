/**
 * Logic gates as single perceptrons (book 1, chapter 2), with the book's
 * hand-picked weights and biases: y = 1 if w1*x1 + w2*x2 + b > 0, else 0.
 * The three gates share one structure and differ only in (w1, w2, b).
 * XOR cannot be one perceptron (no straight line separates its outputs),
 * but two layers of them compute it.
 */

/** y = 1 if w1*x1 + w2*x2 + b > 0, else 0; throws, naming the gate, on a non-finite input. */
function fire(gate: string, w1: number, w2: number, b: number, x1: number, x2: number): 0 | 1 {
  if (typeof x1 !== 'number' || typeof x2 !== 'number' || !Number.isFinite(x1) || !Number.isFinite(x2)) {
    throw new Error(`${gate}: inputs must be finite numbers, got (${String(x1)}, ${String(x2)})`);
  }
  return w1 * x1 + w2 * x2 + b > 0 ? 1 : 0;
}

/** AND: w = (0.5, 0.5), b = -0.7; only (1, 1) gives 1. */
export function AND(x1: number, x2: number): 0 | 1 {
  return fire('AND', 0.5, 0.5, -0.7, x1, x2);
}

/** NAND: the negated AND weights, w = (-0.5, -0.5), b = 0.7. */
export function NAND(x1: number, x2: number): 0 | 1 {
  return fire('NAND', -0.5, -0.5, 0.7, x1, x2);
}

/** OR: w = (0.5, 0.5), b = -0.2; one 1 is enough. */
export function OR(x1: number, x2: number): 0 | 1 {
  return fire('OR', 0.5, 0.5, -0.2, x1, x2);
}

/** XOR as a two-layer perceptron: AND(NAND(x1, x2), OR(x1, x2)). */
export function XOR(x1: number, x2: number): 0 | 1 {
  return AND(NAND(x1, x2), OR(x1, x2));
}
