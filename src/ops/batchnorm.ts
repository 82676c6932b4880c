import type { Tensor } from '../backend/tensor.js';
import { formatShape, sameShape } from '../backend/shape.js';
import { checkFloats, checkNoOverlap, describe } from './check.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

const BATCH_NORM_FORWARD_TRAIN = kernelFamily('batchNormForwardTrain');
const BATCH_NORM_FORWARD_INFER = kernelFamily('batchNormForwardInfer');
const BATCH_NORM_BACKWARD = kernelFamily('batchNormBackward');

/**
 * Batch normalization per channel: x is (N, C, H, W) (statistics over N, H, W per channel) or
 * (N, D) (over N per feature). gamma, beta, the running mean and variance and invStd are (C,)
 * (or (D,)); xn, y, dx have x's shape.
 *   training:  mean and (biased) variance of the batch; running = momentum * running + (1 - momentum) * batch
 *   inference: the running mean and variance
 *   xn = (x - mean) / sqrt(var + eps), y = gamma * xn + beta, invStd = 1 / sqrt(var + eps)
 */

export interface BatchNormState {
  gamma: Tensor;
  beta: Tensor;
  runningMean: Tensor;
  runningVar: Tensor;
}

/** What forward writes and backward reads: xn (x's shape) and invStd (C,). */
export interface BatchNormKept {
  xn: Tensor;
  invStd: Tensor;
}

/** [N, C, hw]: the channel count and the values per (sample, channel). */
function layout(op: string, x: Tensor): [number, number, number] {
  if (x.rank !== 2 && x.rank !== 4) throw new Error(`${op}: input must be (N, D) or (N, C, H, W), got ${formatShape(x.shape)}`);
  const [n, c] = x.shape;
  return [n, c, x.rank === 4 ? x.shape[2] * x.shape[3] : 1];
}

function checkChannels(op: string, c: number, x: Tensor, named: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(named)) {
    if (t.size !== c) throw new Error(`${op}: ${name} ${formatShape(t.shape)} must hold the ${c} channels of x ${formatShape(x.shape)}`);
  }
}

function checkLike(op: string, x: Tensor, named: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(named)) {
    if (!sameShape(t.shape, x.shape)) throw new Error(`${op}: ${name} must be ${formatShape(x.shape)} like x, got ${describe(t)}`);
    checkNoOverlap(op, x, t, `x and ${name}`);
  }
}

function checkHyper(op: string, momentum: number, eps: number): void {
  if (!(momentum >= 0 && momentum <= 1)) throw new Error(`${op}: momentum must be in [0, 1], got ${momentum}`);
  if (!(eps > 0 && Number.isFinite(eps))) throw new Error(`${op}: eps must be a positive number, got ${eps}`);
}

/**
 * Forward, training or inference, into y and kept (xn, invStd). In training, the running
 * mean and variance are updated in place.
 */
export function batchNorm(
  x: Tensor,
  state: BatchNormState,
  options: { training: boolean; momentum: number; eps: number },
  y: Tensor,
  kept: BatchNormKept,
): Tensor {
  const op = 'batchNorm';
  const { gamma, beta, runningMean, runningVar } = state;
  const dtype = checkFloats(op, x, gamma, beta, runningMean, runningVar, y, kept.xn, kept.invStd);
  const [n, c, hw] = layout(op, x);
  checkChannels(op, c, x, { gamma, beta, 'running mean': runningMean, 'running variance': runningVar, invStd: kept.invStd });
  checkLike(op, x, { y, xn: kept.xn });
  checkNoOverlap(op, y, kept.xn, 'y and xn');
  checkHyper(op, options.momentum, options.eps);
  if (options.training) {
    callKernel(op, BATCH_NORM_FORWARD_TRAIN, dtype, c, n, hw, c * hw, x, gamma, beta, runningMean, runningVar, options.momentum, options.eps, y, kept.xn, kept.invStd);
  } else {
    callKernel(op, BATCH_NORM_FORWARD_INFER, dtype, c, n, hw, c * hw, x, gamma, beta, runningMean, runningVar, options.eps, y, kept.xn, kept.invStd);
  }
  return y;
}

/**
 * Backward: dgamma = sum dout * xn, dbeta = sum dout per channel (overwritten), and dx through the
 * batch statistics (training) or the fixed running ones (inference).
 */
export function batchNormBackward(
  dout: Tensor,
  kept: BatchNormKept,
  gamma: Tensor,
  training: boolean,
  dx: Tensor,
  dgamma: Tensor,
  dbeta: Tensor,
): Tensor {
  const op = 'batchNormBackward';
  const dtype = checkFloats(op, dout, kept.xn, kept.invStd, gamma, dx, dgamma, dbeta);
  const [n, c, hw] = layout(op, dout);
  checkChannels(op, c, dout, { gamma, invStd: kept.invStd, dgamma, dbeta });
  if (!sameShape(kept.xn.shape, dout.shape)) throw new Error(`${op}: xn ${formatShape(kept.xn.shape)} and dout ${formatShape(dout.shape)} differ`);
  checkLike(op, dout, { dx });
  checkNoOverlap(op, kept.xn, dx, 'xn and dx');
  callKernel(op, BATCH_NORM_BACKWARD, dtype, c, n, hw, c * hw, training ? 1 : 0, dout, kept.xn, gamma, kept.invStd, dx, dgamma, dbeta);
  return dx;
}
