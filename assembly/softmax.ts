// Row softmax, and softmax followed by cross-entropy: its fused forward (y and the loss) and
// backward. Matrices are m rows of n columns, contiguous row-major. (Losses of probabilities and
// predictions are in loss.ts.)
import { at, lanes, laneMax, laneSum } from './lanes';
import { RowDoubles, RowInts } from './pointers';
import { expLanes } from './exp';
import { scaledResidual } from './residual';

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

// ------------------------------------------------------------- softmax-with-loss forward

// The loss of a row is log-sum-exp(x) - x[label] = log(sum_j e^(x[j] - max)) - (x[label] - max):
// the sum is at least 1 (the max term is e^0), so the loss is exact and finite wherever x is,
// even when the label's y = e^(x[label] - max) / sum underflows to 0 and -log(y) would be
// infinite. It is the very function whose gradient is (y - t) / m. Row losses are f64 in rowLoss
// (m,), so rows can be split between threads; the caller adds them in a fixed order.

/**
 * x, y are (m, n), labels is i32 (m,), rowLoss is f64 (m,): y = softmax(x) row by row,
 * rowLoss[i] = log-sum-exp(x[i, :]) - x[i, labels[i]]. y == x allowed. A label outside [0, n)
 * gives a NaN row loss rather than read another row.
 */
function softmaxCrossEntropyLabels<T>(m: i32, n: i32, x: usize, labels: usize, y: usize, rowLoss: usize): void {
  if (n <= 0) return;
  for (let r = 0; r < m; r++) {
    const xr = at<T>(x, r * n);
    const yr = at<T>(y, r * n);
    const top = rowMax<T>(n, xr);
    const label = load<i32>(at<i32>(labels, r));
    // Read x at the label before y overwrites it: y may be x.
    const target = <u32>label < <u32>n ? <f64>load<T>(at<T>(xr, label)) - <f64>top : NaN;
    const sum = expShiftedRow<T>(n, xr, yr, top);
    divideRow<T>(n, yr, sum);
    store<f64>(at<f64>(rowLoss, r), Math.log(<f64>sum) - target);
  }
}

export function softmaxCrossEntropyLabels_f32(m: i32, n: i32, x: usize, labels: RowInts, y: usize, rowLoss: RowDoubles): void {
  softmaxCrossEntropyLabels<f32>(m, n, x, labels, y, rowLoss);
}
export function softmaxCrossEntropyLabels_f64(m: i32, n: i32, x: usize, labels: RowInts, y: usize, rowLoss: RowDoubles): void {
  softmaxCrossEntropyLabels<f64>(m, n, x, labels, y, rowLoss);
}

/**
 * x, t, y are (m, n), rowLoss is f64 (m,): y = softmax(x) row by row,
 * rowLoss[i] = sum_j t[i, j] (log-sum-exp(x[i, :]) - x[i, j]), in f64 in index order; a zero
 * target skips its term (so x = -Infinity there adds nothing). y == x allowed; t must not be y.
 */
function softmaxCrossEntropyOneHot<T>(m: i32, n: i32, x: usize, t: usize, y: usize, rowLoss: usize): void {
  if (n <= 0) return;
  for (let r = 0; r < m; r++) {
    const xr = at<T>(x, r * n);
    const tr = at<T>(t, r * n);
    const yr = at<T>(y, r * n);
    const top = rowMax<T>(n, xr);
    // sum t and sum t (x - max), before y overwrites x.
    let weight: f64 = 0;
    let target: f64 = 0;
    for (let j = 0; j < n; j++) {
      const tj = <f64>load<T>(at<T>(tr, j));
      if (tj != 0) {
        weight += tj;
        target += tj * (<f64>load<T>(at<T>(xr, j)) - <f64>top);
      }
    }
    const sum = expShiftedRow<T>(n, xr, yr, top);
    divideRow<T>(n, yr, sum);
    store<f64>(at<f64>(rowLoss, r), weight * Math.log(<f64>sum) - target);
  }
}

export function softmaxCrossEntropyOneHot_f32(m: i32, n: i32, x: usize, t: usize, y: usize, rowLoss: RowDoubles): void {
  softmaxCrossEntropyOneHot<f32>(m, n, x, t, y, rowLoss);
}
export function softmaxCrossEntropyOneHot_f64(m: i32, n: i32, x: usize, t: usize, y: usize, rowLoss: RowDoubles): void {
  softmaxCrossEntropyOneHot<f64>(m, n, x, t, y, rowLoss);
}

// ---------------------------------------------------- softmax-with-loss backward, (y - t) * s

/** y, t, dx are (m, n): dx = (y - t) * scale (scale is usually 1 / batch). dx == y allowed. */
function softmaxCrossEntropyBackwardOneHot<T>(m: i32, n: i32, y: usize, t: usize, dx: usize, scale: T): void {
  scaledResidual<T>(m * n, y, t, dx, scale);
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
