import { exp, expm1, tanh as tanhScalar } from '../math/index.js';
/**
 * The book's activation functions in plain TypeScript (float64, no wasm).
 *
 * They are the readable reference for the wasm kernels and the functions a
 * reader meets first in chapter 3. Each elementwise function takes a number,
 * a number[] or a Float64Array and returns the same kind, never touching its
 * input.
 */

/** What an elementwise activation accepts. */
export type Numeric = number | number[] | Float64Array;

/** An elementwise function that keeps the kind of its argument. */
export interface Elementwise {
  (x: number): number;
  (x: number[]): number[];
  (x: Float64Array): Float64Array;
}

/** An elementwise function with one parameter (alpha) after x. */
export interface ElementwiseWithAlpha {
  (x: number, alpha?: number): number;
  (x: number[], alpha?: number): number[];
  (x: Float64Array, alpha?: number): Float64Array;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) {
    const i = x.findIndex((v) => typeof v !== 'number');
    return i < 0 ? 'number[]' : `an array whose entry ${i} is ${Array.isArray(x[i]) ? 'an array' : typeof x[i]}`;
  }
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  return typeof x;
}

/** Applies `f` to a number, each entry of a number[], or each entry of a Float64Array. */
function mapNumeric(name: string, x: unknown, f: (v: number) => number): Numeric {
  if (typeof x === 'number') return f(x);
  if (x instanceof Float64Array) return x.map(f);
  if (Array.isArray(x) && x.every((v) => typeof v === 'number')) return x.map((v: number) => f(v));
  throw new Error(`${name}: expected a number, number[] or Float64Array, got ${describe(x)}`);
}

function elementwise(name: string, f: (v: number) => number): Elementwise {
  return ((x: Numeric) => mapNumeric(name, x, f)) as Elementwise;
}

function checkAlpha(name: string, alpha: number): void {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) {
    throw new Error(`${name}: alpha must be a finite number, got ${String(alpha)}`);
  }
}

/** Step function: 1 where x > 0, else 0 (the perceptron's activation). */
export const step: Elementwise = elementwise('step', (v) => (v > 0 ? 1 : 0));

/** Identity: the output activation for regression. */
export const identity: Elementwise = elementwise('identity', (v) => v);

/**
 * Logistic sigmoid 1 / (1 + e^-x). For negative x it is computed as
 * e^x / (1 + e^x), so exp only ever sees a non-positive argument: no overflow
 * at x = -1000, and tiny outputs keep their precision.
 */
export const sigmoid: Elementwise = elementwise('sigmoid', sigmoidScalar);

function sigmoidScalar(v: number): number {
  if (v >= 0) return 1 / (1 + exp(-v));
  const e = exp(v);
  return e / (1 + e);
}

/** Derivative of the sigmoid at x: sigmoid(x) * (1 - sigmoid(x)). */
export const sigmoidGrad: Elementwise = elementwise('sigmoidGrad', (v) => {
  const s = sigmoidScalar(v);
  return s * (1 - s);
});

/** Rectified linear unit: max(0, x). */
export const relu: Elementwise = elementwise('relu', (v) => (v > 0 ? v : 0));

/** Derivative of relu at x: 1 where x > 0, else 0 (0 at x = 0, as the book's relu_grad). */
export const reluGrad: Elementwise = elementwise('reluGrad', (v) => (v > 0 ? 1 : 0));

/** Hyperbolic tangent. */
export const tanh: Elementwise = elementwise('tanh', tanhScalar);

/** Leaky relu: x where x > 0, else alpha * x. */
export const leakyRelu: ElementwiseWithAlpha = ((x: Numeric, alpha = 0.01) => {
  checkAlpha('leakyRelu', alpha);
  return mapNumeric('leakyRelu', x, (v) => (v > 0 ? v : alpha * v));
}) as ElementwiseWithAlpha;

/**
 * Exponential linear unit: x where x > 0, else alpha * (e^x - 1).
 * expm1 keeps precision for x near 0, where e^x - 1 would cancel.
 */
export const elu: ElementwiseWithAlpha = ((x: Numeric, alpha = 1) => {
  checkAlpha('elu', alpha);
  return mapNumeric('elu', x, (v) => (v > 0 ? v : alpha * expm1(v)));
}) as ElementwiseWithAlpha;

/** What softmax accepts: a vector, or a matrix given as rows. */
export type SoftmaxInput = number | number[] | Float64Array | number[][];

/**
 * Softmax y_k = e^(x_k - m) / sum_i e^(x_i - m), with m = max_i x_i.
 *
 * Subtracting the max changes nothing mathematically but keeps every
 * exponent <= 0, so e^1000 never overflows to Infinity.
 * x is a vector (D) or a matrix given as rows (N, D); a matrix is normalised
 * row by row. A lone number is a vector of one entry, so its softmax is 1.
 */
export function softmax(x: number): number;
export function softmax(x: number[]): number[];
export function softmax(x: Float64Array): Float64Array;
export function softmax(x: number[][]): number[][];
export function softmax(x: SoftmaxInput): SoftmaxInput {
  if (typeof x === 'number') return softmaxRow([x])[0];
  if (x instanceof Float64Array) return Float64Array.from(softmaxRow(x));
  if (Array.isArray(x)) {
    const items: unknown[] = x;
    if (items.every((v) => typeof v === 'number')) return softmaxRow(items as number[]);
    if (items.every((row) => Array.isArray(row) || row instanceof Float64Array)) {
      return items.map((row, i) => {
        const r = row as ArrayLike<unknown>;
        for (let j = 0; j < r.length; j++) {
          if (typeof r[j] !== 'number') {
            throw new Error(`softmax: row ${i} holds ${typeof r[j]} at column ${j}, expected numbers`);
          }
        }
        return softmaxRow(r as ArrayLike<number>);
      });
    }
  }
  throw new Error(`softmax: expected a number, number[], Float64Array or number[][], got ${describe(x)}`);
}

/** Softmax of one row (D) into a new number[] (D). */
function softmaxRow(row: ArrayLike<number>): number[] {
  const n = row.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (row[i] > max) max = row[i];
  const out = new Array<number>(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = exp(row[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}
