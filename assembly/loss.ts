// Losses of probabilities and predictions, with the backward rules that have a name of their own.
// (The losses that start from softmax scores are in softmax.ts.) Losses return f64 and add in f64
// in index order (or in sum.ts's fixed order), so their bits depend on the sizes only.
// The log guard is an argument: the book's cross_entropy_error adds 1e-7 to y before the log;
// SigmoidWithLoss passes the smallest positive double, which leaves log(y) exact for every y > 0
// (so backprop's (y - t) is the gradient of the very loss reported) and keeps log(0) finite.
import { at } from './lanes';
import { scaledResidual } from './residual';
import { sumF64, TERM_SQUARED_DIFFERENCE } from './sum';

// -------------------------------------------------------------------------- cross-entropy

/** y, t are (m, n): mean over rows of -sum_j t log(y + guard). m = 0 gives NaN (0 / 0). */
function crossEntropyOneHot<T>(m: i32, n: i32, y: usize, t: usize, guard: f64): f64 {
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    let row: f64 = 0;
    for (let j = r * n, end = j + n; j < end; j++) {
      row += <f64>load<T>(at<T>(t, j)) * Math.log(<f64>load<T>(at<T>(y, j)) + guard);
    }
    total -= row;
  }
  return total / <f64>m;
}

export function crossEntropyOneHot_f32(m: i32, n: i32, y: usize, t: usize, guard: f64): f64 {
  return crossEntropyOneHot<f32>(m, n, y, t, guard);
}
export function crossEntropyOneHot_f64(m: i32, n: i32, y: usize, t: usize, guard: f64): f64 {
  return crossEntropyOneHot<f64>(m, n, y, t, guard);
}

/**
 * y is (m, n), labels is i32 (m,): mean over rows of -log(y[i, labels[i]] + guard).
 * A label outside [0, n) makes the loss NaN rather than read another row.
 */
function crossEntropyLabels<T>(m: i32, n: i32, y: usize, labels: usize, guard: f64): f64 {
  let total: f64 = 0;
  for (let r = 0; r < m; r++) {
    const label = load<i32>(at<i32>(labels, r));
    if (<u32>label >= <u32>n) return NaN;
    total -= Math.log(<f64>load<T>(at<T>(y, r * n + label)) + guard);
  }
  return total / <f64>m;
}

export function crossEntropyLabels_f32(m: i32, n: i32, y: usize, labels: usize, guard: f64): f64 {
  return crossEntropyLabels<f32>(m, n, y, labels, guard);
}
export function crossEntropyLabels_f64(m: i32, n: i32, y: usize, labels: usize, guard: f64): f64 {
  return crossEntropyLabels<f64>(m, n, y, labels, guard);
}

// ------------------------------------------------------------------------- sum of squares

/** y, t are (n,): 0.5 * sum (y - t)^2, differences and squares in f64 (the caller divides). */
export function sumSquaresError_f32(n: i32, y: usize, t: usize): f64 {
  return 0.5 * sumF64<f32>(TERM_SQUARED_DIFFERENCE, n, y, t);
}
export function sumSquaresError_f64(n: i32, y: usize, t: usize): f64 {
  return 0.5 * sumF64<f64>(TERM_SQUARED_DIFFERENCE, n, y, t);
}

/** y, t, dx are (n,): dx = (y - t) * scale, the gradient of 0.5 * sum (y - t)^2 times scale. */
export function sumSquaresBackward_f32(n: i32, y: usize, t: usize, dx: usize, scale: f32): void {
  scaledResidual<f32>(n, y, t, dx, scale);
}
export function sumSquaresBackward_f64(n: i32, y: usize, t: usize, dx: usize, scale: f64): void {
  scaledResidual<f64>(n, y, t, dx, scale);
}

// -------------------------------------------------------------------- binary cross-entropy

/** y, t are (n,): -sum [t log(y + guard) + (1 - t) log(1 - y + guard)], in f64, in index order. */
function binaryCrossEntropy<T>(n: i32, y: usize, t: usize, guard: f64): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const yi = <f64>load<T>(at<T>(y, i));
    const ti = <f64>load<T>(at<T>(t, i));
    total -= ti * Math.log(yi + guard) + (1 - ti) * Math.log(1 - yi + guard);
  }
  return total;
}

export function binaryCrossEntropy_f32(n: i32, y: usize, t: usize, guard: f64): f64 { return binaryCrossEntropy<f32>(n, y, t, guard); }
export function binaryCrossEntropy_f64(n: i32, y: usize, t: usize, guard: f64): f64 { return binaryCrossEntropy<f64>(n, y, t, guard); }

/**
 * y = sigmoid(x), t, dx are (n,): dx = (y - t) * scale, the gradient with respect to the scores x
 * of binary cross-entropy after a sigmoid (scale is usually dout / batch). dx == y allowed.
 */
export function sigmoidCrossEntropyBackward_f32(n: i32, y: usize, t: usize, dx: usize, scale: f32): void {
  scaledResidual<f32>(n, y, t, dx, scale);
}
export function sigmoidCrossEntropyBackward_f64(n: i32, y: usize, t: usize, dx: usize, scale: f64): void {
  scaledResidual<f64>(n, y, t, dx, scale);
}
