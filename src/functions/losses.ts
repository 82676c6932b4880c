import { log } from '../math/index.js';
/**
 * The book's two loss functions (chapter 4) in plain TypeScript, float64.
 *
 * y is a network output: a vector (C) for one sample, or rows (N, C) for a
 * batch. t is the target in the same shape as y (one-hot or any
 * distribution), or integer class labels.
 */

/** A vector of numbers: a plain array or any typed array. */
export type Vector = ArrayLike<number>;
/** A matrix given as rows, each of the same length. */
export type Rows = ArrayLike<number>[];

/** The book's guard inside log: log(0) would be -Infinity. */
const DELTA = 1e-7;

function isVector(x: unknown): x is Vector {
  if (ArrayBuffer.isView(x)) return !(x instanceof DataView);
  return Array.isArray(x) && x.every((v) => typeof v === 'number');
}

function isRows(x: unknown): x is Rows {
  return Array.isArray(x) && x.length > 0 && x.every((row) => isVector(row));
}

function shapeOf(x: unknown): string {
  if (typeof x === 'number') return 'a number';
  if (isVector(x)) return `(${x.length})`;
  if (isRows(x)) return `(${x.length}, ${x[0].length})`;
  return Array.isArray(x) ? 'an array that is neither numbers nor rows of numbers' : typeof x;
}

/**
 * x as a list of rows of one common width: a vector becomes one row.
 * Throws, naming `op`, if x is not a vector or a rectangular matrix.
 */
function asRows(op: string, name: string, x: unknown): Rows {
  if (isVector(x)) return [x];
  if (isRows(x)) {
    const width = x[0].length;
    x.forEach((row, i) => {
      if (row.length !== width) {
        throw new Error(`${op}: ${name}'s rows differ in length (row 0 has ${width}, row ${i} has ${row.length})`);
      }
    });
    return x;
  }
  throw new Error(`${op}: ${name} must be a vector or rows of numbers, got ${shapeOf(x)}`);
}

/** Every number of a vector or of rows, in row-major order. */
function flatten(x: Vector | Rows): number[] {
  if (isVector(x)) return Array.from(x);
  const out: number[] = [];
  for (const row of x) for (let j = 0; j < row.length; j++) out.push(row[j]);
  return out;
}

/**
 * Sum of squares error E = 0.5 * sum_k (y_k - t_k)^2, summed over every entry
 * (the book's version: no division by the batch size).
 * y and t have the same shape: (C) or (N, C).
 */
export function sumSquaresError(y: Vector | Rows, t: Vector | Rows): number {
  const ys = asRows('sumSquaresError', 'y', y);
  const ts = asRows('sumSquaresError', 't', t);
  if (ys.length !== ts.length || ys[0].length !== ts[0].length || isVector(y) !== isVector(t)) {
    throw new Error(`sumSquaresError: y ${shapeOf(y)} and t ${shapeOf(t)} must have the same shape`);
  }
  const yf = flatten(y);
  const tf = flatten(t);
  let sum = 0;
  for (let i = 0; i < yf.length; i++) {
    const d = yf[i] - tf[i];
    sum += d * d;
  }
  return 0.5 * sum;
}

/**
 * Cross-entropy error E = -(1/N) sum_n sum_k t_nk log(y_nk + 1e-7), the book's
 * version: 1e-7 keeps log away from log(0), and the sum is divided by the batch
 * size N so the loss does not grow with the batch.
 *
 * y is (C) or (N, C). t is either
 *  - the same size as y (one-hot or soft targets; for a batch either rows
 *    (N, C) or a flat vector (N*C)), or
 *  - integer labels: a number or a vector of length 1 for a vector y, a
 *    vector (N) for rows y; then E = -(1/N) sum_n log(y[n, t_n] + 1e-7).
 * As in the book, a t with as many entries as y is read as one-hot.
 */
export function crossEntropyError(y: Vector | Rows, t: number | Vector | Rows): number {
  const op = 'crossEntropyError';
  const ys = asRows(op, 'y', y);
  const n = ys.length;
  const c = ys[0].length;
  if (c === 0) throw new Error(`${op}: y ${shapeOf(y)} has no classes`);
  const size = n * c;

  const tf = typeof t === 'number' ? [t] : isVector(t) || isRows(t) ? flatten(t) : null;
  if (tf === null) throw new Error(`${op}: t must be a number, a vector or rows of numbers, got ${shapeOf(t)}`);

  let sum = 0;
  if (tf.length === size && typeof t !== 'number') {
    if (isRows(t) && (t.length !== n || t.some((row) => row.length !== c))) {
      throw new Error(`${op}: t's rows ${shapeOf(t)} do not match y ${shapeOf(y)}`);
    }
    for (let i = 0; i < n; i++) {
      const row = ys[i];
      for (let k = 0; k < c; k++) {
        const tk = tf[i * c + k];
        // 0 * log(...) is 0; skipping it also avoids 0 * -Infinity = NaN for y < -1e-7.
        if (tk !== 0) sum += tk * log(row[k] + DELTA);
      }
    }
  } else if (tf.length === n && !isRows(t)) {
    for (let i = 0; i < n; i++) {
      const label = tf[i];
      if (!Number.isInteger(label) || label < 0 || label >= c) {
        throw new Error(`${op}: label ${label} at row ${i} is not an integer in 0..${c - 1} (y is ${shapeOf(y)})`);
      }
      sum += log(ys[i][label] + DELTA);
    }
  } else {
    throw new Error(
      `${op}: t ${shapeOf(t)} fits y ${shapeOf(y)} neither as one-hot (${size} entries) nor as labels (${n})`,
    );
  }
  return sum === 0 ? 0 : -sum / n;
}
