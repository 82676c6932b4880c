// Batch normalization per channel, for (N, C, H, W) and, with hw = 1, for (N, D).
//
// Layout: element (i, ch, j) of x (i < n, ch < channels, j < hw) is at x + (i * stride + ch * hw + j)
// elements, stride being the row length of the whole tensor (C * hw). A call covers `channels`
// channels from where the pointers start, so threads split the channels (the pointers of
// per-channel arrays advance by one, those of x-shaped arrays by hw) and get the same bits.
//
// Every channel statistic is a sum over its M = n * hw values: each (i, ch) row of hw values
// is summed in T lanes in a fixed order, and the row sums are added in f64, i ascending.
import { at, lanes, laneSum } from './lanes';

/** Sum of row[j] for j < hw, in T: lanes, then the lane sum, then the tail. */
@inline function rowSum<T>(hw: i32, row: usize): T {
  const L = lanes<T>();
  let acc = v128.splat<T>(<T>0);
  let j = 0;
  for (; j + L <= hw; j += L) acc = v128.add<T>(acc, v128.load(at<T>(row, j)));
  let s = laneSum<T>(acc);
  for (; j < hw; j++) s += load<T>(at<T>(row, j));
  return s;
}

/** Sum of (row[j] - mean)^2 for j < hw, in T. */
@inline function rowSquaredDeviations<T>(hw: i32, row: usize, mean: T): T {
  const L = lanes<T>();
  const m = v128.splat<T>(mean);
  let acc = v128.splat<T>(<T>0);
  let j = 0;
  for (; j + L <= hw; j += L) {
    const d = v128.sub<T>(v128.load(at<T>(row, j)), m);
    acc = v128.add<T>(acc, v128.mul<T>(d, d));
  }
  let s = laneSum<T>(acc);
  for (; j < hw; j++) {
    const d = load<T>(at<T>(row, j)) - mean;
    s += d * d;
  }
  return s;
}

/** Sum of a[j] * b[j] for j < hw, in T. */
@inline function rowDot<T>(hw: i32, a: usize, b: usize): T {
  const L = lanes<T>();
  let acc = v128.splat<T>(<T>0);
  let j = 0;
  for (; j + L <= hw; j += L) acc = v128.add<T>(acc, v128.mul<T>(v128.load(at<T>(a, j)), v128.load(at<T>(b, j))));
  let s = laneSum<T>(acc);
  for (; j < hw; j++) s += load<T>(at<T>(a, j)) * load<T>(at<T>(b, j));
  return s;
}

/** xn[j] = (x[j] - mean) * invStd, y[j] = gamma * xn[j] + beta, for j < hw. */
@inline function normalizeRow<T>(hw: i32, x: usize, mean: T, invStd: T, gamma: T, beta: T, y: usize, xn: usize): void {
  const L = lanes<T>();
  const m = v128.splat<T>(mean);
  const s = v128.splat<T>(invStd);
  const g = v128.splat<T>(gamma);
  const b = v128.splat<T>(beta);
  let j = 0;
  for (; j + L <= hw; j += L) {
    const v = v128.mul<T>(v128.sub<T>(v128.load(at<T>(x, j)), m), s);
    v128.store(at<T>(xn, j), v);
    v128.store(at<T>(y, j), v128.add<T>(v128.mul<T>(g, v), b));
  }
  for (; j < hw; j++) {
    const v = (load<T>(at<T>(x, j)) - mean) * invStd;
    store<T>(at<T>(xn, j), v);
    store<T>(at<T>(y, j), gamma * v + beta);
  }
}

/**
 * Training forward: per channel, mean and (biased) variance over the batch,
 * xn = (x - mean) / sqrt(var + eps), y = gamma * xn + beta, and the running averages
 * runMean = momentum * runMean + (1 - momentum) * mean (runVar likewise), updated in place.
 * x, y, xn are (n, stride) windows of `channels` * hw; gamma, beta, runMean, runVar, invStd are (channels,).
 * invStd = 1 / sqrt(var + eps) is kept for backward.
 */
function batchNormForwardTrain<T>(
  channels: i32, n: i32, hw: i32, stride: i32, x: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: T, eps: T, y: usize, xn: usize, invStd: usize,
): void {
  const count = <f64>n * <f64>hw;
  for (let ch = 0; ch < channels; ch++) {
    const first = ch * hw;
    let total: f64 = 0;
    for (let i = 0; i < n; i++) total += <f64>rowSum<T>(hw, at<T>(x, i * stride + first));
    const mean = <T>(total / count);
    let squares: f64 = 0;
    for (let i = 0; i < n; i++) squares += <f64>rowSquaredDeviations<T>(hw, at<T>(x, i * stride + first), mean);
    const variance = <T>(squares / count);
    const inv = <T>(1 / sqrt<f64>(<f64>(variance + eps)));
    const g = load<T>(at<T>(gamma, ch));
    const b = load<T>(at<T>(beta, ch));
    for (let i = 0; i < n; i++) {
      const offset = i * stride + first;
      normalizeRow<T>(hw, at<T>(x, offset), mean, inv, g, b, at<T>(y, offset), at<T>(xn, offset));
    }
    store<T>(at<T>(invStd, ch), inv);
    const keep = <T>1 - momentum;
    store<T>(at<T>(runMean, ch), momentum * load<T>(at<T>(runMean, ch)) + keep * mean);
    store<T>(at<T>(runVar, ch), momentum * load<T>(at<T>(runVar, ch)) + keep * variance);
  }
}

export function batchNormForwardTrain_f32(
  channels: i32, n: i32, hw: i32, stride: i32, x: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f32, eps: f32, y: usize, xn: usize, invStd: usize,
): void {
  batchNormForwardTrain<f32>(channels, n, hw, stride, x, gamma, beta, runMean, runVar, momentum, eps, y, xn, invStd);
}
export function batchNormForwardTrain_f64(
  channels: i32, n: i32, hw: i32, stride: i32, x: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f64, eps: f64, y: usize, xn: usize, invStd: usize,
): void {
  batchNormForwardTrain<f64>(channels, n, hw, stride, x, gamma, beta, runMean, runVar, momentum, eps, y, xn, invStd);
}

/**
 * Inference forward: as training, but with the running averages for mean and variance
 * (they stay as they are). Writes xn and invStd too, for a backward through the fixed statistics.
 */
function batchNormForwardInfer<T>(
  channels: i32, n: i32, hw: i32, stride: i32, x: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, eps: T, y: usize, xn: usize, invStd: usize,
): void {
  for (let ch = 0; ch < channels; ch++) {
    const first = ch * hw;
    const mean = load<T>(at<T>(runMean, ch));
    const inv = <T>(1 / sqrt<f64>(<f64>(load<T>(at<T>(runVar, ch)) + eps)));
    const g = load<T>(at<T>(gamma, ch));
    const b = load<T>(at<T>(beta, ch));
    for (let i = 0; i < n; i++) {
      const offset = i * stride + first;
      normalizeRow<T>(hw, at<T>(x, offset), mean, inv, g, b, at<T>(y, offset), at<T>(xn, offset));
    }
    store<T>(at<T>(invStd, ch), inv);
  }
}

export function batchNormForwardInfer_f32(
  channels: i32, n: i32, hw: i32, stride: i32, x: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, eps: f32, y: usize, xn: usize, invStd: usize,
): void {
  batchNormForwardInfer<f32>(channels, n, hw, stride, x, gamma, beta, runMean, runVar, eps, y, xn, invStd);
}
export function batchNormForwardInfer_f64(
  channels: i32, n: i32, hw: i32, stride: i32, x: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, eps: f64, y: usize, xn: usize, invStd: usize,
): void {
  batchNormForwardInfer<f64>(channels, n, hw, stride, x, gamma, beta, runMean, runVar, eps, y, xn, invStd);
}

/**
 * Backward: dbeta = sum dout, dgamma = sum dout * xn (per channel), and
 *   training (batch statistics):  dx = gamma * invStd * (dout - dbeta / M - xn * dgamma / M)
 *   inference (fixed statistics): dx = gamma * invStd * dout
 * which is the book's chain (dxn, dvar, dmean) collected into one line.
 * dout, xn, dx are (n, stride) windows; gamma, invStd, dgamma, dbeta are (channels,).
 */
function batchNormBackward<T>(
  channels: i32, n: i32, hw: i32, stride: i32, training: i32, dout: usize, xn: usize,
  gamma: usize, invStd: usize, dx: usize, dgamma: usize, dbeta: usize,
): void {
  const L = lanes<T>();
  const count = <f64>n * <f64>hw;
  for (let ch = 0; ch < channels; ch++) {
    const first = ch * hw;
    let sumDout: f64 = 0;
    let sumDoutXn: f64 = 0;
    for (let i = 0; i < n; i++) {
      const offset = i * stride + first;
      sumDout += <f64>rowSum<T>(hw, at<T>(dout, offset));
      sumDoutXn += <f64>rowDot<T>(hw, at<T>(dout, offset), at<T>(xn, offset));
    }
    store<T>(at<T>(dbeta, ch), <T>sumDout);
    store<T>(at<T>(dgamma, ch), <T>sumDoutXn);
    const scale = load<T>(at<T>(gamma, ch)) * load<T>(at<T>(invStd, ch));
    const meanDout = training ? <T>(sumDout / count) : <T>0;
    const meanDoutXn = training ? <T>(sumDoutXn / count) : <T>0;
    const s = v128.splat<T>(scale);
    const md = v128.splat<T>(meanDout);
    const mdx = v128.splat<T>(meanDoutXn);
    for (let i = 0; i < n; i++) {
      const offset = i * stride + first;
      const d = at<T>(dout, offset);
      const z = at<T>(xn, offset);
      const o = at<T>(dx, offset);
      let j = 0;
      for (; j + L <= hw; j += L) {
        const centred = v128.sub<T>(v128.sub<T>(v128.load(at<T>(d, j)), md), v128.mul<T>(v128.load(at<T>(z, j)), mdx));
        v128.store(at<T>(o, j), v128.mul<T>(s, centred));
      }
      for (; j < hw; j++) {
        store<T>(at<T>(o, j), scale * (load<T>(at<T>(d, j)) - meanDout - load<T>(at<T>(z, j)) * meanDoutXn));
      }
    }
  }
}

export function batchNormBackward_f32(
  channels: i32, n: i32, hw: i32, stride: i32, training: i32, dout: usize, xn: usize,
  gamma: usize, invStd: usize, dx: usize, dgamma: usize, dbeta: usize,
): void {
  batchNormBackward<f32>(channels, n, hw, stride, training, dout, xn, gamma, invStd, dx, dgamma, dbeta);
}
export function batchNormBackward_f64(
  channels: i32, n: i32, hw: i32, stride: i32, training: i32, dout: usize, xn: usize,
  gamma: usize, invStd: usize, dx: usize, dgamma: usize, dbeta: usize,
): void {
  batchNormBackward<f64>(channels, n, hw, stride, training, dout, xn, gamma, invStd, dx, dgamma, dbeta);
}
