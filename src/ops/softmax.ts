import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { checkDtypeIs, checkFloats, checkOneBackend, checkMatrix, checkNoOverlap, checkNoPartialOverlap, describe, outputFor } from './check.js';
import { checkTargets, isLabels } from './targets.js';
import type { Targets } from './targets.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

/** Row softmax, and softmax followed by cross-entropy. x, y are (N, C); targets are one-hot (N, C) or int32 labels (N,). */

const SOFTMAX_ROWS = kernelFamily('softmaxRows');
const SOFTMAX_CROSS_ENTROPY_LABELS = kernelFamily('softmaxCrossEntropyLabels');
const SOFTMAX_CROSS_ENTROPY_ONE_HOT = kernelFamily('softmaxCrossEntropyOneHot');
const SUM = kernelFamily('sum');
const SOFTMAX_CROSS_ENTROPY_BACKWARD_LABELS = kernelFamily('softmaxCrossEntropyBackwardLabels');
const SOFTMAX_CROSS_ENTROPY_BACKWARD_ONE_HOT = kernelFamily('softmaxCrossEntropyBackwardOneHot');

/** Row-wise softmax of x (N, C) into `out` (made when not given): each row minus its max, exponentiated, normalised. */
export function softmax(x: Tensor, out?: Tensor): Tensor {
  const dtype = checkFloats('softmax', x);
  const [m, n] = checkMatrix('softmax', x, 'x');
  const y = outputFor('softmax', x, x.shape, out);
  checkNoPartialOverlap('softmax', x, y);
  callKernel('softmax', SOFTMAX_ROWS, dtype, m, n, x, y);
  return y;
}

/**
 * Softmax followed by cross-entropy, fused: writes y = softmax(x) (what the backward reads) and
 * returns the mean over rows of logsumexp(x[i, :]) - sum_j t[i, j] x[i, j], computed from the
 * row-max-shifted scores. That is exact and finite wherever x is (-log(y) is not once a row
 * saturates and y underflows to 0), and it is the function whose gradient is (y - t) / N.
 * y may be x. rowLoss is float64 (N,) room for the row losses (made and freed when not given).
 */
export function softmaxCrossEntropy(x: Tensor, t: Targets, y: Tensor, rowLoss?: Tensor): number {
  const op = 'softmaxCrossEntropy';
  const dtype = checkFloats(op, x);
  const [m, n] = checkMatrix(op, x, 'scores');
  checkTargets(op, x, t);
  outputFor(op, x, x.shape, y);
  checkNoPartialOverlap(op, x, y);
  if (!isLabels(t)) checkNoOverlap(op, t, y, 'targets and output');
  const losses = rowLoss ?? x.backend.empty([m], 'float64');
  try {
    checkDtypeIs(op, losses, 'float64', 'rowLoss');
    checkOneBackend(op, x, losses);
    if (losses.size !== m) {
      throw new Error(`${op}: rowLoss must hold the ${m} rows of scores ${formatShape(x.shape)}, got ${describe(losses)}`);
    }
    for (const other of [x, y, t]) checkNoOverlap(op, losses, other, 'rowLoss and the other arrays');
    const family = isLabels(t) ? SOFTMAX_CROSS_ENTROPY_LABELS : SOFTMAX_CROSS_ENTROPY_ONE_HOT;
    callKernel(op, family, dtype, m, n, x, t, y, losses);
    return callKernel(op, SUM, 'float64', m, losses) / m;
  } finally {
    if (rowLoss === undefined) losses.dispose();
  }
}

/** The fused backward of softmax followed by cross-entropy: dx = (y - t) * scale (scale = dout / N). */
export function softmaxCrossEntropyBackward(y: Tensor, t: Targets, scale: number, dx?: Tensor): Tensor {
  const op = 'softmaxCrossEntropyBackward';
  const dtype = checkFloats(op, y);
  checkTargets(op, y, t);
  const [m, n] = y.shape;
  const out = outputFor(op, y, y.shape, dx);
  const family = isLabels(t) ? SOFTMAX_CROSS_ENTROPY_BACKWARD_LABELS : SOFTMAX_CROSS_ENTROPY_BACKWARD_ONE_HOT;
  callKernel(op, family, dtype, m, n, y, t, out, scale);
  return out;
}
