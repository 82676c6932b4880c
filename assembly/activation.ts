// Activations, each forward y = f(x) next to its backward. A backward reads only what its layer
// keeps (relu keeps x, sigmoid and tanh keep y, elu keeps both) and writes dx, never dy.
// All arrays are (n,) (at the end, the kernels with an Affine's bias: (m, n) and a bias (n,));
// y == x and dx == dy (in place) are allowed.
// Each op is a lanes function on one v128; the loops run it on whole vectors, then on a splat
// of each tail element (keeping lane 0), so an element's result never depends on its position.
import { at, lanes } from './lanes';
import { expAboveLowLanes, expm1Lanes } from './exp';
import { Whole } from './pointers';

@inline function zero<T>(): v128 {
  return v128.splat<T>(<T>0);
}

@inline function one<T>(): v128 {
  return v128.splat<T>(<T>1);
}

// ---------------------------------------------------------------------------------- step

/** y = x > 0 ? 1 : 0 */
@inline function stepLanes<T>(x: v128): v128 {
  return v128.and(v128.gt<T>(x, zero<T>()), one<T>());
}

function step<T>(n: i32, x: usize, y: usize): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + L <= n; i += L) v128.store(at<T>(y, i), stepLanes<T>(v128.load(at<T>(x, i))));
  for (; i < n; i++) v128.store_lane<T>(at<T>(y, i), stepLanes<T>(v128.load_splat<T>(at<T>(x, i))), 0);
}

export function step_f32(n: i32, x: usize, y: usize): void { step<f32>(n, x, y); }
export function step_f64(n: i32, x: usize, y: usize): void { step<f64>(n, x, y); }

// ------------------------------------------------------------------------------- sigmoid

/**
 * y = 1 / (1 + e^-x). e^-x overflows to Infinity for very negative x, giving exactly 0; for large
 * x it is at most the smallest normal (expAboveLowLanes), which 1 + e^-x rounds away, giving 1.
 */
@inline function sigmoidLanes<T>(x: v128): v128 {
  return v128.div<T>(one<T>(), v128.add<T>(one<T>(), expAboveLowLanes<T>(v128.neg<T>(x))));
}

/**
 * y[i] = sigmoid(x[i] + b[i]) for i < n, or sigmoid(x[i]) when `withBias` is false (b unread).
 * Four v128 per step, all computed before any is stored: the four exp chains overlap, which
 * measured 30% faster than one v128 per step in f32 and 25% in f64 (V8 does not move a load
 * above an earlier store). Then one v128 per step, then a splat per tail element.
 */
@inline function sigmoidSpan<T>(n: i32, x: usize, b: usize, y: usize, withBias: bool): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    let x0 = v128.load(at<T>(x, i));
    let x1 = v128.load(at<T>(x, i + L));
    let x2 = v128.load(at<T>(x, i + 2 * L));
    let x3 = v128.load(at<T>(x, i + 3 * L));
    if (withBias) {
      x0 = v128.add<T>(x0, v128.load(at<T>(b, i)));
      x1 = v128.add<T>(x1, v128.load(at<T>(b, i + L)));
      x2 = v128.add<T>(x2, v128.load(at<T>(b, i + 2 * L)));
      x3 = v128.add<T>(x3, v128.load(at<T>(b, i + 3 * L)));
    }
    const y0 = sigmoidLanes<T>(x0);
    const y1 = sigmoidLanes<T>(x1);
    const y2 = sigmoidLanes<T>(x2);
    const y3 = sigmoidLanes<T>(x3);
    v128.store(at<T>(y, i), y0);
    v128.store(at<T>(y, i + L), y1);
    v128.store(at<T>(y, i + 2 * L), y2);
    v128.store(at<T>(y, i + 3 * L), y3);
  }
  for (; i + L <= n; i += L) {
    let v = v128.load(at<T>(x, i));
    if (withBias) v = v128.add<T>(v, v128.load(at<T>(b, i)));
    v128.store(at<T>(y, i), sigmoidLanes<T>(v));
  }
  for (; i < n; i++) {
    let v = v128.load_splat<T>(at<T>(x, i));
    if (withBias) v = v128.add<T>(v, v128.load_splat<T>(at<T>(b, i)));
    v128.store_lane<T>(at<T>(y, i), sigmoidLanes<T>(v), 0);
  }
}

function sigmoid<T>(n: i32, x: usize, y: usize): void {
  sigmoidSpan<T>(n, x, 0, y, false);
}

/**
 * The bias add of an Affine layer and the sigmoid after it in one pass: x, y are (m, n), b is
 * (n,), y[i, j] = sigmoid(x[i, j] + b[j]). The sum is rounded to T first, so the bits are those
 * of addBias followed by sigmoid. y == x allowed.
 */
function addBiasSigmoid<T>(m: i32, n: i32, x: usize, b: usize, y: usize): void {
  for (let r = 0; r < m; r++) sigmoidSpan<T>(n, at<T>(x, r * n), b, at<T>(y, r * n), true);
}

/** dx = dy * y * (1 - y) */
@inline function sigmoidBackwardLanes<T>(y: v128, dy: v128): v128 {
  return v128.mul<T>(v128.mul<T>(dy, y), v128.sub<T>(one<T>(), y));
}

function sigmoidBackward<T>(n: i32, y: usize, dy: usize, dx: usize): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(dx, i), sigmoidBackwardLanes<T>(v128.load(at<T>(y, i)), v128.load(at<T>(dy, i))));
  }
  for (; i < n; i++) {
    const g = sigmoidBackwardLanes<T>(v128.load_splat<T>(at<T>(y, i)), v128.load_splat<T>(at<T>(dy, i)));
    v128.store_lane<T>(at<T>(dx, i), g, 0);
  }
}

export function sigmoid_f32(n: i32, x: usize, y: usize): void { sigmoid<f32>(n, x, y); }
export function sigmoid_f64(n: i32, x: usize, y: usize): void { sigmoid<f64>(n, x, y); }
export function sigmoidBackward_f32(n: i32, y: usize, dy: usize, dx: usize): void { sigmoidBackward<f32>(n, y, dy, dx); }
export function sigmoidBackward_f64(n: i32, y: usize, dy: usize, dx: usize): void { sigmoidBackward<f64>(n, y, dy, dx); }

// ---------------------------------------------------------------------------------- relu

/** y = x > 0 ? x : 0 (so relu(-0) = +0, relu(NaN) = 0) */
@inline function reluLanes<T>(x: v128): v128 {
  return v128.and(x, v128.gt<T>(x, zero<T>()));
}

function relu<T>(n: i32, x: usize, y: usize): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    v128.store(at<T>(y, i), reluLanes<T>(v128.load(at<T>(x, i))));
    v128.store(at<T>(y, i + L), reluLanes<T>(v128.load(at<T>(x, i + L))));
    v128.store(at<T>(y, i + 2 * L), reluLanes<T>(v128.load(at<T>(x, i + 2 * L))));
    v128.store(at<T>(y, i + 3 * L), reluLanes<T>(v128.load(at<T>(x, i + 3 * L))));
  }
  for (; i + L <= n; i += L) v128.store(at<T>(y, i), reluLanes<T>(v128.load(at<T>(x, i))));
  for (; i < n; i++) v128.store_lane<T>(at<T>(y, i), reluLanes<T>(v128.load_splat<T>(at<T>(x, i))), 0);
}

/** dx = x > 0 ? dy : 0 */
@inline function reluBackwardLanes<T>(x: v128, dy: v128): v128 {
  return v128.and(dy, v128.gt<T>(x, zero<T>()));
}

function reluBackward<T>(n: i32, x: usize, dy: usize, dx: usize): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(dx, i), reluBackwardLanes<T>(v128.load(at<T>(x, i)), v128.load(at<T>(dy, i))));
  }
  for (; i < n; i++) {
    const g = reluBackwardLanes<T>(v128.load_splat<T>(at<T>(x, i)), v128.load_splat<T>(at<T>(dy, i)));
    v128.store_lane<T>(at<T>(dx, i), g, 0);
  }
}

export function relu_f32(n: i32, x: usize, y: usize): void { relu<f32>(n, x, y); }
export function relu_f64(n: i32, x: usize, y: usize): void { relu<f64>(n, x, y); }
export function reluBackward_f32(n: i32, x: usize, dy: usize, dx: usize): void { reluBackward<f32>(n, x, dy, dx); }
export function reluBackward_f64(n: i32, x: usize, dy: usize, dx: usize): void { reluBackward<f64>(n, x, dy, dx); }

// ---------------------------------------------------------------------------------- tanh

/**
 * y = tanh(x) = sign(x) * m / (m + 2) with m = e^(2|x|) - 1: no cancellation near 0, and for
 * |x| >= 40 the quotient rounds to exactly 1. tanh(-0) = -0.
 */
@inline function tanhLanes<T>(x: v128): v128 {
  const ax = v128.abs<T>(x);
  const m = expm1Lanes<T>(v128.add<T>(ax, ax));
  const t = v128.div<T>(m, v128.add<T>(m, v128.splat<T>(<T>2)));
  const signBit = v128.neg<T>(zero<T>());
  return v128.or(t, v128.and(x, signBit));
}

function tanh<T>(n: i32, x: usize, y: usize): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + L <= n; i += L) v128.store(at<T>(y, i), tanhLanes<T>(v128.load(at<T>(x, i))));
  for (; i < n; i++) v128.store_lane<T>(at<T>(y, i), tanhLanes<T>(v128.load_splat<T>(at<T>(x, i))), 0);
}

/** dx = dy * (1 - y * y) */
@inline function tanhBackwardLanes<T>(y: v128, dy: v128): v128 {
  return v128.mul<T>(dy, v128.sub<T>(one<T>(), v128.mul<T>(y, y)));
}

function tanhBackward<T>(n: i32, y: usize, dy: usize, dx: usize): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(dx, i), tanhBackwardLanes<T>(v128.load(at<T>(y, i)), v128.load(at<T>(dy, i))));
  }
  for (; i < n; i++) {
    const g = tanhBackwardLanes<T>(v128.load_splat<T>(at<T>(y, i)), v128.load_splat<T>(at<T>(dy, i)));
    v128.store_lane<T>(at<T>(dx, i), g, 0);
  }
}

export function tanh_f32(n: i32, x: usize, y: usize): void { tanh<f32>(n, x, y); }
export function tanh_f64(n: i32, x: usize, y: usize): void { tanh<f64>(n, x, y); }
export function tanhBackward_f32(n: i32, y: usize, dy: usize, dx: usize): void { tanhBackward<f32>(n, y, dy, dx); }
export function tanhBackward_f64(n: i32, y: usize, dy: usize, dx: usize): void { tanhBackward<f64>(n, y, dy, dx); }

// ---------------------------------------------------------------------------- leaky relu

/** y = x > 0 ? x : alpha * x */
@inline function leakyReluLanes<T>(x: v128, alpha: v128): v128 {
  return v128.bitselect(x, v128.mul<T>(alpha, x), v128.gt<T>(x, zero<T>()));
}

function leakyRelu<T>(n: i32, x: usize, y: usize, alpha: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(alpha);
  let i = 0;
  for (; i + L <= n; i += L) v128.store(at<T>(y, i), leakyReluLanes<T>(v128.load(at<T>(x, i)), a));
  for (; i < n; i++) v128.store_lane<T>(at<T>(y, i), leakyReluLanes<T>(v128.load_splat<T>(at<T>(x, i)), a), 0);
}

/** dx = x > 0 ? dy : alpha * dy */
@inline function leakyReluBackwardLanes<T>(x: v128, dy: v128, alpha: v128): v128 {
  return v128.bitselect(dy, v128.mul<T>(alpha, dy), v128.gt<T>(x, zero<T>()));
}

function leakyReluBackward<T>(n: i32, x: usize, dy: usize, dx: usize, alpha: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(alpha);
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(dx, i), leakyReluBackwardLanes<T>(v128.load(at<T>(x, i)), v128.load(at<T>(dy, i)), a));
  }
  for (; i < n; i++) {
    const g = leakyReluBackwardLanes<T>(v128.load_splat<T>(at<T>(x, i)), v128.load_splat<T>(at<T>(dy, i)), a);
    v128.store_lane<T>(at<T>(dx, i), g, 0);
  }
}

export function leakyRelu_f32(n: i32, x: usize, y: usize, alpha: f32): void { leakyRelu<f32>(n, x, y, alpha); }
export function leakyRelu_f64(n: i32, x: usize, y: usize, alpha: f64): void { leakyRelu<f64>(n, x, y, alpha); }
export function leakyReluBackward_f32(n: i32, x: usize, dy: usize, dx: usize, alpha: f32): void {
  leakyReluBackward<f32>(n, x, dy, dx, alpha);
}
export function leakyReluBackward_f64(n: i32, x: usize, dy: usize, dx: usize, alpha: f64): void {
  leakyReluBackward<f64>(n, x, dy, dx, alpha);
}

// ----------------------------------------------------------------------------------- elu

/** y = x > 0 ? x : alpha * (e^x - 1), with e^x - 1 computed without cancellation near 0 */
@inline function eluLanes<T>(x: v128, alpha: v128): v128 {
  return v128.bitselect(x, v128.mul<T>(alpha, expm1Lanes<T>(x)), v128.gt<T>(x, zero<T>()));
}

function elu<T>(n: i32, x: usize, y: usize, alpha: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(alpha);
  let i = 0;
  for (; i + L <= n; i += L) v128.store(at<T>(y, i), eluLanes<T>(v128.load(at<T>(x, i)), a));
  for (; i < n; i++) v128.store_lane<T>(at<T>(y, i), eluLanes<T>(v128.load_splat<T>(at<T>(x, i)), a), 0);
}

/** dx = x > 0 ? dy : dy * (y + alpha)   (for x <= 0, d/dx alpha (e^x - 1) = y + alpha) */
@inline function eluBackwardLanes<T>(x: v128, y: v128, dy: v128, alpha: v128): v128 {
  return v128.bitselect(dy, v128.mul<T>(dy, v128.add<T>(y, alpha)), v128.gt<T>(x, zero<T>()));
}

function eluBackward<T>(n: i32, x: usize, y: usize, dy: usize, dx: usize, alpha: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(alpha);
  let i = 0;
  for (; i + L <= n; i += L) {
    const g = eluBackwardLanes<T>(v128.load(at<T>(x, i)), v128.load(at<T>(y, i)), v128.load(at<T>(dy, i)), a);
    v128.store(at<T>(dx, i), g);
  }
  for (; i < n; i++) {
    const g = eluBackwardLanes<T>(
      v128.load_splat<T>(at<T>(x, i)), v128.load_splat<T>(at<T>(y, i)), v128.load_splat<T>(at<T>(dy, i)), a);
    v128.store_lane<T>(at<T>(dx, i), g, 0);
  }
}

export function elu_f32(n: i32, x: usize, y: usize, alpha: f32): void { elu<f32>(n, x, y, alpha); }
export function elu_f64(n: i32, x: usize, y: usize, alpha: f64): void { elu<f64>(n, x, y, alpha); }
export function eluBackward_f32(n: i32, x: usize, y: usize, dy: usize, dx: usize, alpha: f32): void {
  eluBackward<f32>(n, x, y, dy, dx, alpha);
}
export function eluBackward_f64(n: i32, x: usize, y: usize, dy: usize, dx: usize, alpha: f64): void {
  eluBackward<f64>(n, x, y, dy, dx, alpha);
}

// ------------------------------------------------- with the bias of the Affine layer below

// A net hands an Affine layer's bias work to the activation after it when that activation's
// backward reads only y (sigmoid, relu): forward adds the bias in the activation's pass, backward
// sums the bias gradient (dx's columns) in the backward rule's pass. Same bits as the separate
// kernels (addBias then the activation; the backward rule then sumRows).

const SIGMOID: i32 = 0;
const RELU: i32 = 1;

/** y = relu(x + b) on a row of n: x, y (n,), b (n,). */
@inline function reluRowWithBias<T>(n: i32, x: usize, b: usize, y: usize): void {
  const L = lanes<T>();
  let j = 0;
  for (; j + L <= n; j += L) {
    v128.store(at<T>(y, j), reluLanes<T>(v128.add<T>(v128.load(at<T>(x, j)), v128.load(at<T>(b, j)))));
  }
  for (; j < n; j++) {
    const v = v128.add<T>(v128.load_splat<T>(at<T>(x, j)), v128.load_splat<T>(at<T>(b, j)));
    v128.store_lane<T>(at<T>(y, j), reluLanes<T>(v), 0);
  }
}

/** x, y are (m, n), b is (n,): y[i, j] = relu(x[i, j] + b[j]). y == x allowed. */
function addBiasRelu<T>(m: i32, n: i32, x: usize, b: usize, y: usize): void {
  for (let r = 0; r < m; r++) reluRowWithBias<T>(n, at<T>(x, r * n), b, at<T>(y, r * n));
}

/** The backward rule of `kind` on one v128, from the forward output y (relu: y > 0 iff x > 0). */
@inline function backwardFromY<T>(kind: i32, y: v128, dy: v128): v128 {
  return kind == SIGMOID ? sigmoidBackwardLanes<T>(y, dy) : reluBackwardLanes<T>(y, dy);
}

/**
 * y, dy, dx are (m, n), db is (n,): dx = the backward rule of `kind` from y and dy, and
 * db[j] = sum over rows of dx[i, j], added in row order (db = row 0, then + row 1, ...) as sumRows
 * adds them. m = 0 gives db = 0. dx == dy allowed; db must not overlap them.
 */
@inline function backwardSumRows<T>(kind: i32, m: i32, n: i32, y: usize, dy: usize, dx: usize, db: usize): void {
  const L = lanes<T>();
  if (m <= 0) {
    memory.fill(db, 0, <usize>n << alignof<T>());
    return;
  }
  for (let r = 0; r < m; r++) {
    const yr = at<T>(y, r * n);
    const dyr = at<T>(dy, r * n);
    const dxr = at<T>(dx, r * n);
    let j = 0;
    for (; j + L <= n; j += L) {
      const g = backwardFromY<T>(kind, v128.load(at<T>(yr, j)), v128.load(at<T>(dyr, j)));
      v128.store(at<T>(dxr, j), g);
      v128.store(at<T>(db, j), r == 0 ? g : v128.add<T>(v128.load(at<T>(db, j)), g));
    }
    for (; j < n; j++) {
      const g = v128.extract_lane<T>(backwardFromY<T>(kind, v128.load_splat<T>(at<T>(yr, j)), v128.load_splat<T>(at<T>(dyr, j))), 0);
      store<T>(at<T>(dxr, j), g);
      store<T>(at<T>(db, j), r == 0 ? g : load<T>(at<T>(db, j)) + g);
    }
  }
}

export function addBiasSigmoid_f32(m: i32, n: i32, x: usize, b: Whole, y: usize): void { addBiasSigmoid<f32>(m, n, x, b, y); }
export function addBiasSigmoid_f64(m: i32, n: i32, x: usize, b: Whole, y: usize): void { addBiasSigmoid<f64>(m, n, x, b, y); }
export function addBiasRelu_f32(m: i32, n: i32, x: usize, b: Whole, y: usize): void { addBiasRelu<f32>(m, n, x, b, y); }
export function addBiasRelu_f64(m: i32, n: i32, x: usize, b: Whole, y: usize): void { addBiasRelu<f64>(m, n, x, b, y); }
export function sigmoidBackwardSumRows_f32(m: i32, n: i32, y: usize, dy: usize, dx: usize, db: usize): void {
  backwardSumRows<f32>(SIGMOID, m, n, y, dy, dx, db);
}
export function sigmoidBackwardSumRows_f64(m: i32, n: i32, y: usize, dy: usize, dx: usize, db: usize): void {
  backwardSumRows<f64>(SIGMOID, m, n, y, dy, dx, db);
}
export function reluBackwardSumRows_f32(m: i32, n: i32, y: usize, dy: usize, dx: usize, db: usize): void {
  backwardSumRows<f32>(RELU, m, n, y, dy, dx, db);
}
export function reluBackwardSumRows_f64(m: i32, n: i32, y: usize, dy: usize, dx: usize, db: usize): void {
  backwardSumRows<f64>(RELU, m, n, y, dy, dx, db);
}
