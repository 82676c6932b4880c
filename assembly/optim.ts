// Optimizer updates over flat blocks, in order of increasing complexity. p (params), g (grads)
// and each state array (v, h, mo, ve) are (n,) of the same dtype; a whole net's params are one
// block, so one call updates every layer.
// Each update is one lanes function that reads and writes the elements at i: a whole v128 in the
// main loop, lane 0 of a splat in the tail, so an element's result never depends on its position.
import { at, lanes } from './lanes';

/** The v128 at element i: whole (main loop) or element i splat over every lane (tail). */
@inline function get<T>(p: usize, i: i32, tail: bool): v128 {
  return tail ? v128.load_splat<T>(at<T>(p, i)) : v128.load(at<T>(p, i));
}

/** Stores v at element i: every lane (main loop) or lane 0 only (tail). */
@inline function put<T>(p: usize, i: i32, v: v128, tail: bool): void {
  if (tail) v128.store_lane<T>(at<T>(p, i), v, 0);
  else v128.store(at<T>(p, i), v);
}

// ------------------------------------------------------------------------------------ sgd

/** p -= lr * g */
@inline function sgdLanes<T>(p: usize, g: usize, i: i32, tail: bool, lr: v128): void {
  put<T>(p, i, v128.sub<T>(get<T>(p, i, tail), v128.mul<T>(lr, get<T>(g, i, tail))), tail);
}

function sgd<T>(n: i32, p: usize, g: usize, lr: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    sgdLanes<T>(p, g, i, false, a);
    sgdLanes<T>(p, g, i + L, false, a);
  }
  for (; i + L <= n; i += L) sgdLanes<T>(p, g, i, false, a);
  for (; i < n; i++) sgdLanes<T>(p, g, i, true, a);
}

export function sgd_f32(n: i32, p: usize, g: usize, lr: f32): void { sgd<f32>(n, p, g, lr); }
export function sgd_f64(n: i32, p: usize, g: usize, lr: f64): void { sgd<f64>(n, p, g, lr); }

// ------------------------------------------------------------------------------- momentum

/** v = momentum * v - lr * g; p += v */
@inline function momentumLanes<T>(p: usize, g: usize, v: usize, i: i32, tail: bool, lr: v128, mu: v128): void {
  const vi = v128.sub<T>(v128.mul<T>(mu, get<T>(v, i, tail)), v128.mul<T>(lr, get<T>(g, i, tail)));
  put<T>(v, i, vi, tail);
  put<T>(p, i, v128.add<T>(get<T>(p, i, tail), vi), tail);
}

function momentum<T>(n: i32, p: usize, g: usize, v: usize, lr: T, momentum: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  const mu = v128.splat<T>(momentum);
  let i = 0;
  for (; i + L <= n; i += L) momentumLanes<T>(p, g, v, i, false, a, mu);
  for (; i < n; i++) momentumLanes<T>(p, g, v, i, true, a, mu);
}

export function momentum_f32(n: i32, p: usize, g: usize, v: usize, lr: f32, mu: f32): void { momentum<f32>(n, p, g, v, lr, mu); }
export function momentum_f64(n: i32, p: usize, g: usize, v: usize, lr: f64, mu: f64): void { momentum<f64>(n, p, g, v, lr, mu); }

// ------------------------------------------------------------------------------- nesterov

/**
 * v = momentum * v - lr * g; p += momentum * v - lr * g  (v already updated).
 * This is PyTorch's SGD(nesterov=True) (buf = mu buf + g; p -= lr (g + mu buf)) written with
 * v = -lr * buf, and Keras's SGD(nesterov=True), which keeps that same v.
 */
@inline function nesterovLanes<T>(p: usize, g: usize, v: usize, i: i32, tail: bool, lr: v128, mu: v128): void {
  const step = v128.mul<T>(lr, get<T>(g, i, tail));
  const vi = v128.sub<T>(v128.mul<T>(mu, get<T>(v, i, tail)), step);
  put<T>(v, i, vi, tail);
  put<T>(p, i, v128.add<T>(get<T>(p, i, tail), v128.sub<T>(v128.mul<T>(mu, vi), step)), tail);
}

function nesterov<T>(n: i32, p: usize, g: usize, v: usize, lr: T, momentum: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  const mu = v128.splat<T>(momentum);
  let i = 0;
  for (; i + L <= n; i += L) nesterovLanes<T>(p, g, v, i, false, a, mu);
  for (; i < n; i++) nesterovLanes<T>(p, g, v, i, true, a, mu);
}

export function nesterov_f32(n: i32, p: usize, g: usize, v: usize, lr: f32, mu: f32): void { nesterov<f32>(n, p, g, v, lr, mu); }
export function nesterov_f64(n: i32, p: usize, g: usize, v: usize, lr: f64, mu: f64): void { nesterov<f64>(n, p, g, v, lr, mu); }

// -------------------------------------------------------------------------------- adagrad

/** h += g * g; p -= lr * g / (sqrt(h) + eps) */
@inline function adagradLanes<T>(p: usize, g: usize, h: usize, i: i32, tail: bool, lr: v128, eps: v128): void {
  const gi = get<T>(g, i, tail);
  const hi = v128.add<T>(get<T>(h, i, tail), v128.mul<T>(gi, gi));
  put<T>(h, i, hi, tail);
  const step = v128.div<T>(v128.mul<T>(lr, gi), v128.add<T>(v128.sqrt<T>(hi), eps));
  put<T>(p, i, v128.sub<T>(get<T>(p, i, tail), step), tail);
}

function adagrad<T>(n: i32, p: usize, g: usize, h: usize, lr: T, eps: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  const e = v128.splat<T>(eps);
  let i = 0;
  for (; i + L <= n; i += L) adagradLanes<T>(p, g, h, i, false, a, e);
  for (; i < n; i++) adagradLanes<T>(p, g, h, i, true, a, e);
}

export function adagrad_f32(n: i32, p: usize, g: usize, h: usize, lr: f32, eps: f32): void { adagrad<f32>(n, p, g, h, lr, eps); }
export function adagrad_f64(n: i32, p: usize, g: usize, h: usize, lr: f64, eps: f64): void { adagrad<f64>(n, p, g, h, lr, eps); }

// -------------------------------------------------------------------------------- rmsprop

/** h = decay * h + (1 - decay) * g * g; p -= lr * g / (sqrt(h) + eps) */
@inline function rmspropLanes<T>(
  p: usize, g: usize, h: usize, i: i32, tail: bool, lr: v128, decay: v128, oneMinusDecay: v128, eps: v128,
): void {
  const gi = get<T>(g, i, tail);
  const hi = v128.add<T>(v128.mul<T>(decay, get<T>(h, i, tail)), v128.mul<T>(v128.mul<T>(oneMinusDecay, gi), gi));
  put<T>(h, i, hi, tail);
  const step = v128.div<T>(v128.mul<T>(lr, gi), v128.add<T>(v128.sqrt<T>(hi), eps));
  put<T>(p, i, v128.sub<T>(get<T>(p, i, tail), step), tail);
}

function rmsprop<T>(n: i32, p: usize, g: usize, h: usize, lr: T, decay: T, eps: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  const e = v128.splat<T>(eps);
  const d = v128.splat<T>(decay);
  const c = v128.splat<T>(<T>1 - decay);
  let i = 0;
  for (; i + L <= n; i += L) rmspropLanes<T>(p, g, h, i, false, a, d, c, e);
  for (; i < n; i++) rmspropLanes<T>(p, g, h, i, true, a, d, c, e);
}

export function rmsprop_f32(n: i32, p: usize, g: usize, h: usize, lr: f32, decay: f32, eps: f32): void {
  rmsprop<f32>(n, p, g, h, lr, decay, eps);
}
export function rmsprop_f64(n: i32, p: usize, g: usize, h: usize, lr: f64, decay: f64, eps: f64): void {
  rmsprop<f64>(n, p, g, h, lr, decay, eps);
}

// ----------------------------------------------------------------------------------- adam

/**
 * mo += (1 - beta1) (g - mo); ve += (1 - beta2) (g^2 - ve); p -= lrT * mo / (sqrt(ve) + eps).
 * lrT = lr * sqrt(1 - beta2^t) / (1 - beta1^t) carries the bias correction (the caller's).
 */
@inline function adamLanes<T>(
  p: usize, g: usize, mo: usize, ve: usize, i: i32, tail: bool, lrT: v128, c1: v128, c2: v128, eps: v128,
): void {
  const gi = get<T>(g, i, tail);
  let m = get<T>(mo, i, tail);
  let s = get<T>(ve, i, tail);
  m = v128.add<T>(m, v128.mul<T>(c1, v128.sub<T>(gi, m)));
  s = v128.add<T>(s, v128.mul<T>(c2, v128.sub<T>(v128.mul<T>(gi, gi), s)));
  put<T>(mo, i, m, tail);
  put<T>(ve, i, s, tail);
  const step = v128.div<T>(v128.mul<T>(lrT, m), v128.add<T>(v128.sqrt<T>(s), eps));
  put<T>(p, i, v128.sub<T>(get<T>(p, i, tail), step), tail);
}

function adam<T>(n: i32, p: usize, g: usize, mo: usize, ve: usize, lrT: T, beta1: T, beta2: T, eps: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lrT);
  const e = v128.splat<T>(eps);
  const c1 = v128.splat<T>(<T>1 - beta1);
  const c2 = v128.splat<T>(<T>1 - beta2);
  let i = 0;
  for (; i + L <= n; i += L) adamLanes<T>(p, g, mo, ve, i, false, a, c1, c2, e);
  for (; i < n; i++) adamLanes<T>(p, g, mo, ve, i, true, a, c1, c2, e);
}

export function adam_f32(n: i32, p: usize, g: usize, mo: usize, ve: usize, lrT: f32, beta1: f32, beta2: f32, eps: f32): void {
  adam<f32>(n, p, g, mo, ve, lrT, beta1, beta2, eps);
}
export function adam_f64(n: i32, p: usize, g: usize, mo: usize, ve: usize, lrT: f64, beta1: f64, beta2: f64, eps: f64): void {
  adam<f64>(n, p, g, mo, ve, lrT, beta1, beta2, eps);
}
