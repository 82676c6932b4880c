// Row softmax, the losses a classifier or regressor ends in, and their fused backward.
// Matrices are m rows of n columns, contiguous row-major. Losses return f64 and add in f64,
// row by row (or element by element) in index order, so their bits depend on the sizes only.
import { at, lanes, laneMax, laneSum } from './lanes';
import { RowInts } from './pointers';
import { expLanes } from './exp';
import { sumF64, TERM_SQUARED_DIFFERENCE } from './sum';

// The losses take the log guard as an argument: the book's cross_entropy_error adds 1e-7 to y
// before the log; the fused loss layers pass the smallest positive double instead, which leaves
// log(y) exact for every y > 0 (so backprop's (y - t) is the gradient of the very loss reported)
// and still keeps log(0) finite.

// -------------------------------------------------------------------------------- softmax

/** Largest of row[0..n-1] (n >= 1); NaN if any element is NaN. */
@inline function rowMax<T>(n: i32, row: usize): T {
  const L = lanes<T>();
  let best = load<T>(row);
  let i = 0;
  if (n >= L) {
    let v = v128.load(row);
    for (i = L; i + L <= n; i += L) v = v128.max<T>(v, v128.load(at<T>(row, i)));
    best = laneMax<T>(v);
  }
  for (; i < n; i++) best = max<T>(best, load<T>(at<T>(row, i)));
  return best;
}

/** y[j] = e^(x[j] - shift) for j < n; returns the sum of the y[j] in a fixed order. */
@inline function expShiftedRow<T>(n: i32, x: usize, y: usize, shift: T): T {
  const L = lanes<T>();
  const s = v128.splat<T>(shift);
  let acc = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= n; i += L) {
    const e = expLanes<T>(v128.sub<T>(v128.load(at<T>(x, i)), s));
    v128.store(at<T>(y, i), e);
    acc = v128.add<T>(acc, e);
  }
  let sum = laneSum<T>(acc);
  for (; i < n; i++) {
    const e = v128.extract_lane<T>(expLanes<T>(v128.sub<T>(v128.load_splat<T>(at<T>(x, i)), s)), 0);
    store<T>(at<T>(y, i), e);
    sum += e;
  }
  return sum;
}

/** y[j] /= d for j < n */
@inline function divideRow<T>(n: i32, y: usize, d: T): void {
  const L = lanes<T>();
  const dv = v128.splat<T>(d);
  let i = 0;
  for (; i + L <= n; i += L) v128.store(at<T>(y, i), v128.div<T>(v128.load(at<T>(y, i)), dv));
  for (; i < n; i++) store<T>(at<T>(y, i), load<T>(at<T>(y, i)) / d);
}

/**
 * Softmax of each row: x, y are (m, n); y[i, j] = e^(x[i, j] - max_j x[i, :]) / sum_j (...).
 * Subtracting the row max keeps every e^ at most 1. y == x is allowed.
 */
function softmaxRows<T>(m: i32, n: i32, x: usize, y: usize): void {
  if (n <= 0) return;
  for (let r = 0; r < m; r++) {
    const xr = at<T>(x, r * n);
    const yr = at<T>(y, r * n);
    const sum = expShiftedRow<T>(n, xr, yr, rowMax<T>(n, xr));
    divideRow<T>(n, yr, sum);
  }
}

export function softmaxRows_f32(m: i32, n: i32, x: usize, y: usize): void { softmaxRows<f32>(m, n, x, y); }
export function softmaxRows_f64(m: i32, n: i32, x: usize, y: usize): void { softmaxRows<f64>(m, n, x, y); }

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

// ---------------------------------------------------- softmax-with-loss backward, (y - t) * s

/** dx = (y - t) * scale over n elements; dx may be y or t. */
@inline function scaledDifference<T>(n: i32, y: usize, t: usize, dx: usize, scale: T): void {
  const L = lanes<T>();
  const s = v128.splat<T>(scale);
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(dx, i), v128.mul<T>(v128.sub<T>(v128.load(at<T>(y, i)), v128.load(at<T>(t, i))), s));
  }
  for (; i < n; i++) store<T>(at<T>(dx, i), (load<T>(at<T>(y, i)) - load<T>(at<T>(t, i))) * scale);
}

/** y, t, dx are (m, n): dx = (y - t) * scale (scale is usually 1 / batch). dx == y allowed. */
function softmaxCrossEntropyBackwardOneHot<T>(m: i32, n: i32, y: usize, t: usize, dx: usize, scale: T): void {
  scaledDifference<T>(m * n, y, t, dx, scale);
}

export function softmaxCrossEntropyBackwardOneHot_f32(m: i32, n: i32, y: usize, t: usize, dx: usize, scale: f32): void {
  softmaxCrossEntropyBackwardOneHot<f32>(m, n, y, t, dx, scale);
}
export function softmaxCrossEntropyBackwardOneHot_f64(m: i32, n: i32, y: usize, t: usize, dx: usize, scale: f64): void {
  softmaxCrossEntropyBackwardOneHot<f64>(m, n, y, t, dx, scale);
}

/**
 * y, dx are (m, n), labels is i32 (m,): dx = (y - onehot(labels)) * scale. dx == y allowed.
 * A row whose label is outside [0, n) gets y * scale (no out-of-row write).
 */
function softmaxCrossEntropyBackwardLabels<T>(m: i32, n: i32, y: usize, labels: usize, dx: usize, scale: T): void {
  const L = lanes<T>();
  const s = v128.splat<T>(scale);
  for (let r = 0; r < m; r++) {
    const yr = at<T>(y, r * n);
    const dr = at<T>(dx, r * n);
    const label = load<i32>(at<i32>(labels, r));
    const hit = <u32>label < <u32>n;
    // Read y at the label before the row is scaled: dx may be y.
    const atLabel = hit ? (load<T>(at<T>(yr, label)) - <T>1) * scale : <T>0;
    let j = 0;
    for (; j + L <= n; j += L) v128.store(at<T>(dr, j), v128.mul<T>(v128.load(at<T>(yr, j)), s));
    for (; j < n; j++) store<T>(at<T>(dr, j), load<T>(at<T>(yr, j)) * scale);
    if (hit) store<T>(at<T>(dr, label), atLabel);
  }
}

export function softmaxCrossEntropyBackwardLabels_f32(m: i32, n: i32, y: usize, labels: RowInts, dx: usize, scale: f32): void {
  softmaxCrossEntropyBackwardLabels<f32>(m, n, y, labels, dx, scale);
}
export function softmaxCrossEntropyBackwardLabels_f64(m: i32, n: i32, y: usize, labels: RowInts, dx: usize, scale: f64): void {
  softmaxCrossEntropyBackwardLabels<f64>(m, n, y, labels, dx, scale);
}

// ------------------------------------------------------------------------- sum of squares

/** y, t are (n,): 0.5 * sum (y - t)^2, differences and squares in f64 (the caller divides). */
export function sumSquaresError_f32(n: i32, y: usize, t: usize): f64 {
  return 0.5 * sumF64<f32>(TERM_SQUARED_DIFFERENCE, n, y, t);
}
export function sumSquaresError_f64(n: i32, y: usize, t: usize): f64 {
  return 0.5 * sumF64<f64>(TERM_SQUARED_DIFFERENCE, n, y, t);
}

/** y, t, dx are (n,): dx = (y - t) * scale. */
export function sumSquaresBackward_f32(n: i32, y: usize, t: usize, dx: usize, scale: f32): void {
  scaledDifference<f32>(n, y, t, dx, scale);
}
export function sumSquaresBackward_f64(n: i32, y: usize, t: usize, dx: usize, scale: f64): void {
  scaledDifference<f64>(n, y, t, dx, scale);
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
