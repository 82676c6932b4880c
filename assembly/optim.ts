// Optimizer updates over flat blocks, in order of increasing complexity. p (params), g (grads)
// and each state array (v, h, mo, ve) are (n,) of the same dtype; a whole net's params are one
// block, so one call updates every layer. Scalar tails use the same IEEE operations as lanes.
import { at, lanes } from './lanes';

// ------------------------------------------------------------------------------------ sgd

/** p -= lr * g */
function sgd<T>(n: i32, p: usize, g: usize, lr: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const p0 = v128.sub<T>(v128.load(at<T>(p, i)), v128.mul<T>(a, v128.load(at<T>(g, i))));
    const p1 = v128.sub<T>(v128.load(at<T>(p, i + L)), v128.mul<T>(a, v128.load(at<T>(g, i + L))));
    v128.store(at<T>(p, i), p0);
    v128.store(at<T>(p, i + L), p1);
  }
  for (; i < n; i++) store<T>(at<T>(p, i), load<T>(at<T>(p, i)) - lr * load<T>(at<T>(g, i)));
}

export function sgd_f32(n: i32, p: usize, g: usize, lr: f32): void { sgd<f32>(n, p, g, lr); }
export function sgd_f64(n: i32, p: usize, g: usize, lr: f64): void { sgd<f64>(n, p, g, lr); }

// ------------------------------------------------------------------------------- momentum

/** v = momentum * v - lr * g; p += v */
function momentum<T>(n: i32, p: usize, g: usize, v: usize, lr: T, momentum: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  const mu = v128.splat<T>(momentum);
  let i = 0;
  for (; i + L <= n; i += L) {
    const vi = v128.sub<T>(v128.mul<T>(mu, v128.load(at<T>(v, i))), v128.mul<T>(a, v128.load(at<T>(g, i))));
    v128.store(at<T>(v, i), vi);
    v128.store(at<T>(p, i), v128.add<T>(v128.load(at<T>(p, i)), vi));
  }
  for (; i < n; i++) {
    const vi = momentum * load<T>(at<T>(v, i)) - lr * load<T>(at<T>(g, i));
    store<T>(at<T>(v, i), vi);
    store<T>(at<T>(p, i), load<T>(at<T>(p, i)) + vi);
  }
}

export function momentum_f32(n: i32, p: usize, g: usize, v: usize, lr: f32, mu: f32): void { momentum<f32>(n, p, g, v, lr, mu); }
export function momentum_f64(n: i32, p: usize, g: usize, v: usize, lr: f64, mu: f64): void { momentum<f64>(n, p, g, v, lr, mu); }

// ------------------------------------------------------------------------------- nesterov

/**
 * v = momentum * v - lr * g; p += momentum * v - lr * g  (v already updated).
 * This is PyTorch's SGD(nesterov=True) (buf = mu buf + g; p -= lr (g + mu buf)) written with
 * v = -lr * buf, and Keras's SGD(nesterov=True), which keeps that same v.
 */
function nesterov<T>(n: i32, p: usize, g: usize, v: usize, lr: T, momentum: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  const mu = v128.splat<T>(momentum);
  let i = 0;
  for (; i + L <= n; i += L) {
    const step = v128.mul<T>(a, v128.load(at<T>(g, i)));
    const vi = v128.sub<T>(v128.mul<T>(mu, v128.load(at<T>(v, i))), step);
    v128.store(at<T>(v, i), vi);
    v128.store(at<T>(p, i), v128.add<T>(v128.load(at<T>(p, i)), v128.sub<T>(v128.mul<T>(mu, vi), step)));
  }
  for (; i < n; i++) {
    const step = lr * load<T>(at<T>(g, i));
    const vi = momentum * load<T>(at<T>(v, i)) - step;
    store<T>(at<T>(v, i), vi);
    store<T>(at<T>(p, i), load<T>(at<T>(p, i)) + (momentum * vi - step));
  }
}

export function nesterov_f32(n: i32, p: usize, g: usize, v: usize, lr: f32, mu: f32): void { nesterov<f32>(n, p, g, v, lr, mu); }
export function nesterov_f64(n: i32, p: usize, g: usize, v: usize, lr: f64, mu: f64): void { nesterov<f64>(n, p, g, v, lr, mu); }

// -------------------------------------------------------------------------------- adagrad

/** h += g * g; p -= lr * g / (sqrt(h) + eps) */
function adagrad<T>(n: i32, p: usize, g: usize, h: usize, lr: T, eps: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  const e = v128.splat<T>(eps);
  let i = 0;
  for (; i + L <= n; i += L) {
    const gi = v128.load(at<T>(g, i));
    const hi = v128.add<T>(v128.load(at<T>(h, i)), v128.mul<T>(gi, gi));
    v128.store(at<T>(h, i), hi);
    const step = v128.div<T>(v128.mul<T>(a, gi), v128.add<T>(v128.sqrt<T>(hi), e));
    v128.store(at<T>(p, i), v128.sub<T>(v128.load(at<T>(p, i)), step));
  }
  for (; i < n; i++) {
    const gi = load<T>(at<T>(g, i));
    const hi = load<T>(at<T>(h, i)) + gi * gi;
    store<T>(at<T>(h, i), hi);
    store<T>(at<T>(p, i), load<T>(at<T>(p, i)) - lr * gi / (sqrt<T>(hi) + eps));
  }
}

export function adagrad_f32(n: i32, p: usize, g: usize, h: usize, lr: f32, eps: f32): void { adagrad<f32>(n, p, g, h, lr, eps); }
export function adagrad_f64(n: i32, p: usize, g: usize, h: usize, lr: f64, eps: f64): void { adagrad<f64>(n, p, g, h, lr, eps); }

// -------------------------------------------------------------------------------- rmsprop

/** h = decay * h + (1 - decay) * g * g; p -= lr * g / (sqrt(h) + eps) */
function rmsprop<T>(n: i32, p: usize, g: usize, h: usize, lr: T, decay: T, eps: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lr);
  const e = v128.splat<T>(eps);
  const d = v128.splat<T>(decay);
  const oneMinusDecay: T = <T>1 - decay;
  const c = v128.splat<T>(oneMinusDecay);
  let i = 0;
  for (; i + L <= n; i += L) {
    const gi = v128.load(at<T>(g, i));
    const hi = v128.add<T>(v128.mul<T>(d, v128.load(at<T>(h, i))), v128.mul<T>(v128.mul<T>(c, gi), gi));
    v128.store(at<T>(h, i), hi);
    const step = v128.div<T>(v128.mul<T>(a, gi), v128.add<T>(v128.sqrt<T>(hi), e));
    v128.store(at<T>(p, i), v128.sub<T>(v128.load(at<T>(p, i)), step));
  }
  for (; i < n; i++) {
    const gi = load<T>(at<T>(g, i));
    const hi = decay * load<T>(at<T>(h, i)) + oneMinusDecay * gi * gi;
    store<T>(at<T>(h, i), hi);
    store<T>(at<T>(p, i), load<T>(at<T>(p, i)) - lr * gi / (sqrt<T>(hi) + eps));
  }
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
function adam<T>(n: i32, p: usize, g: usize, mo: usize, ve: usize, lrT: T, beta1: T, beta2: T, eps: T): void {
  const L = lanes<T>();
  const a = v128.splat<T>(lrT);
  const e = v128.splat<T>(eps);
  const c1: T = <T>1 - beta1;
  const c2: T = <T>1 - beta2;
  const c1v = v128.splat<T>(c1);
  const c2v = v128.splat<T>(c2);
  let i = 0;
  for (; i + L <= n; i += L) {
    const gi = v128.load(at<T>(g, i));
    let m = v128.load(at<T>(mo, i));
    let s = v128.load(at<T>(ve, i));
    m = v128.add<T>(m, v128.mul<T>(c1v, v128.sub<T>(gi, m)));
    s = v128.add<T>(s, v128.mul<T>(c2v, v128.sub<T>(v128.mul<T>(gi, gi), s)));
    v128.store(at<T>(mo, i), m);
    v128.store(at<T>(ve, i), s);
    const step = v128.div<T>(v128.mul<T>(a, m), v128.add<T>(v128.sqrt<T>(s), e));
    v128.store(at<T>(p, i), v128.sub<T>(v128.load(at<T>(p, i)), step));
  }
  for (; i < n; i++) {
    const gi = load<T>(at<T>(g, i));
    let m = load<T>(at<T>(mo, i));
    let s = load<T>(at<T>(ve, i));
    m = m + c1 * (gi - m);
    s = s + c2 * (gi * gi - s);
    store<T>(at<T>(mo, i), m);
    store<T>(at<T>(ve, i), s);
    store<T>(at<T>(p, i), load<T>(at<T>(p, i)) - lrT * m / (sqrt<T>(s) + eps));
  }
}

export function adam_f32(n: i32, p: usize, g: usize, mo: usize, ve: usize, lrT: f32, beta1: f32, beta2: f32, eps: f32): void {
  adam<f32>(n, p, g, mo, ve, lrT, beta1, beta2, eps);
}
export function adam_f64(n: i32, p: usize, g: usize, mo: usize, ve: usize, lrT: f64, beta1: f64, beta2: f64, eps: f64): void {
  adam<f64>(n, p, g, mo, ve, lrT, beta1, beta2, eps);
}
