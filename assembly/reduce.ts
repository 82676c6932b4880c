// Row/column reductions and broadcasts of an (m, n) row-major matrix: bias add and its
// gradient, row repeat, argmax and accuracy counts, whole-array sums, the finite check.
import { at, lanes } from './lanes';
import { Whole } from './pointers';
import { sumF64, TERM_SQUARE, TERM_VALUE } from './sum';

// ------------------------------------------------------------------------------- bias add

/** x, y are (m, n), b is (n,): y[i, j] = x[i, j] + b[j]. y == x allowed. */
function addBias<T>(m: i32, n: i32, x: usize, b: usize, y: usize): void {
  const L = lanes<T>();
  for (let r = 0; r < m; r++) {
    const xr = at<T>(x, r * n);
    const yr = at<T>(y, r * n);
    let j = 0;
    for (; j + L <= n; j += L) v128.store(at<T>(yr, j), v128.add<T>(v128.load(at<T>(xr, j)), v128.load(at<T>(b, j))));
    for (; j < n; j++) store<T>(at<T>(yr, j), load<T>(at<T>(xr, j)) + load<T>(at<T>(b, j)));
  }
}

export function addBias_f32(m: i32, n: i32, x: usize, b: Whole, y: usize): void { addBias<f32>(m, n, x, b, y); }
export function addBias_f64(m: i32, n: i32, x: usize, b: Whole, y: usize): void { addBias<f64>(m, n, x, b, y); }

// ------------------------------------------------------------------------------- sum rows

/**
 * x is (m, n), out is (n,): the rows added together, out[j] = sum over rows i of x[i, j], in row
 * order (out = row 0, then + row 1, ...): the bias gradient, and the adjoint of repeatRows.
 * Streams x once, row by row. m = 0 gives zeros.
 */
function sumRows<T>(m: i32, n: i32, x: usize, out: usize): void {
  const L = lanes<T>();
  if (m <= 0) {
    memory.fill(out, 0, <usize>n << alignof<T>());
    return;
  }
  memory.copy(out, x, <usize>n << alignof<T>());
  for (let r = 1; r < m; r++) {
    const xr = at<T>(x, r * n);
    let j = 0;
    for (; j + L <= n; j += L) v128.store(at<T>(out, j), v128.add<T>(v128.load(at<T>(out, j)), v128.load(at<T>(xr, j))));
    for (; j < n; j++) store<T>(at<T>(out, j), load<T>(at<T>(out, j)) + load<T>(at<T>(xr, j)));
  }
}

export function sumRows_f32(m: i32, n: i32, x: usize, out: usize): void { sumRows<f32>(m, n, x, out); }
export function sumRows_f64(m: i32, n: i32, x: usize, out: usize): void { sumRows<f64>(m, n, x, out); }

// ---------------------------------------------------------------------------- repeat rows

/** x is (n,), y is (m, n): y[i, :] = x. */
function repeatRows<T>(m: i32, n: i32, x: usize, y: usize): void {
  const rowBytes = <usize>n << alignof<T>();
  for (let r = 0; r < m; r++) memory.copy(y + <usize>r * rowBytes, x, rowBytes);
}

export function repeatRows_f32(m: i32, n: i32, x: Whole, y: usize): void { repeatRows<f32>(m, n, x, y); }
export function repeatRows_f64(m: i32, n: i32, x: Whole, y: usize): void { repeatRows<f64>(m, n, x, y); }

// -------------------------------------------------------------------------------- argmax

/** Index of the first largest of row[0..n-1]; NaN never wins (unless at 0); -1 if n is 0. */
@inline function argmaxRow<T>(n: i32, row: usize): i32 {
  if (n <= 0) return -1;
  let best = 0;
  let bestValue = load<T>(row);
  for (let j = 1; j < n; j++) {
    const v = load<T>(at<T>(row, j));
    if (v > bestValue) {
      best = j;
      bestValue = v;
    }
  }
  return best;
}

/** x is (m, n), out is i32 (m,): out[i] = first index of the max of row i. */
function argmaxRows<T>(m: i32, n: i32, x: usize, out: usize): void {
  for (let r = 0; r < m; r++) store<i32>(at<i32>(out, r), argmaxRow<T>(n, at<T>(x, r * n)));
}

export function argmaxRows_f32(m: i32, n: i32, x: usize, out: usize): void { argmaxRows<f32>(m, n, x, out); }
export function argmaxRows_f64(m: i32, n: i32, x: usize, out: usize): void { argmaxRows<f64>(m, n, x, out); }

/** y is (m, n), labels is i32 (m,): how many rows have argmax == label. */
function countCorrectLabels<T>(m: i32, n: i32, y: usize, labels: usize): i32 {
  let correct = 0;
  for (let r = 0; r < m; r++) {
    if (argmaxRow<T>(n, at<T>(y, r * n)) == load<i32>(at<i32>(labels, r))) correct++;
  }
  return correct;
}

export function countCorrectLabels_f32(m: i32, n: i32, y: usize, labels: usize): i32 {
  return countCorrectLabels<f32>(m, n, y, labels);
}
export function countCorrectLabels_f64(m: i32, n: i32, y: usize, labels: usize): i32 {
  return countCorrectLabels<f64>(m, n, y, labels);
}

/** y, t are (m, n): how many rows have argmax of y's row == argmax of t's row. */
function countCorrectOneHot<T>(m: i32, n: i32, y: usize, t: usize): i32 {
  let correct = 0;
  for (let r = 0; r < m; r++) {
    if (argmaxRow<T>(n, at<T>(y, r * n)) == argmaxRow<T>(n, at<T>(t, r * n))) correct++;
  }
  return correct;
}

export function countCorrectOneHot_f32(m: i32, n: i32, y: usize, t: usize): i32 { return countCorrectOneHot<f32>(m, n, y, t); }
export function countCorrectOneHot_f64(m: i32, n: i32, y: usize, t: usize): i32 { return countCorrectOneHot<f64>(m, n, y, t); }

// ---------------------------------------------------------------------------- whole sums

/** x is (n,): sum x[i], added in f64 in an order fixed by n (see sum.ts). */
export function sum_f32(n: i32, x: usize): f64 { return sumF64<f32>(TERM_VALUE, n, x, 0); }
export function sum_f64(n: i32, x: usize): f64 { return sumF64<f64>(TERM_VALUE, n, x, 0); }

/** x is (n,): sum x[i]^2, squares and additions in f64. */
export function sumSquares_f32(n: i32, x: usize): f64 { return sumF64<f32>(TERM_SQUARE, n, x, 0); }
export function sumSquares_f64(n: i32, x: usize): f64 { return sumF64<f64>(TERM_SQUARE, n, x, 0); }

// ------------------------------------------------------------------------ finite check

/** Elements scanned between two checks of the running flag: a whole number of v128s of f32 and f64. */
const FINITE_BLOCK: i32 = 64;

/** x - x is +0 (all bits clear) for finite x and NaN for NaN and +-Infinity. */
@inline function nonFiniteLanes<T>(x: v128): v128 {
  return v128.sub<T>(x, x);
}

/**
 * x is (n,): the index of the first NaN or +-Infinity, or -1 if every element is finite.
 * Reads x once in SIMD blocks; only a block that holds a non-finite value is searched again.
 */
function firstNonFinite<T>(n: i32, x: usize): i32 {
  const L = lanes<T>();
  let i = 0;
  for (; i + FINITE_BLOCK <= n; i += FINITE_BLOCK) {
    // Four flags, so the ors do not wait on each other.
    let f0 = v128.splat<i64>(0), f1 = f0, f2 = f0, f3 = f0;
    for (let j = i; j < i + FINITE_BLOCK; j += 4 * L) {
      f0 = v128.or(f0, nonFiniteLanes<T>(v128.load(at<T>(x, j))));
      f1 = v128.or(f1, nonFiniteLanes<T>(v128.load(at<T>(x, j + L))));
      f2 = v128.or(f2, nonFiniteLanes<T>(v128.load(at<T>(x, j + 2 * L))));
      f3 = v128.or(f3, nonFiniteLanes<T>(v128.load(at<T>(x, j + 3 * L))));
    }
    if (v128.any_true(v128.or(v128.or(f0, f1), v128.or(f2, f3)))) break;
  }
  for (; i < n; i++) {
    const flag = nonFiniteLanes<T>(v128.load_splat<T>(at<T>(x, i)));
    if (v128.any_true(flag)) return i;
  }
  return -1;
}

export function firstNonFinite_f32(n: i32, x: usize): i32 { return firstNonFinite<f32>(n, x); }
export function firstNonFinite_f64(n: i32, x: usize): i32 { return firstNonFinite<f64>(n, x); }
