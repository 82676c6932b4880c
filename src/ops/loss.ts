import type { Tensor } from '../backend/tensor.js';
import { checkFloats, checkSameShape, outputFor } from './check.js';
import { checkTargets, isLabels } from './targets.js';
import type { Targets } from './targets.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

const CROSS_ENTROPY_LABELS = kernelFamily('crossEntropyLabels');
const CROSS_ENTROPY_ONE_HOT = kernelFamily('crossEntropyOneHot');
const SUM_SQUARES_ERROR = kernelFamily('sumSquaresError');
const SUM_SQUARES_BACKWARD = kernelFamily('sumSquaresBackward');
const BINARY_CROSS_ENTROPY = kernelFamily('binaryCrossEntropy');
const SIGMOID_CROSS_ENTROPY_BACKWARD = kernelFamily('sigmoidCrossEntropyBackward');

/** Losses of probabilities and predictions, and the backward rules that have a name of their own. */

/** The book's guard against log(0): cross_entropy_error adds 1e-7 to y. */
export const BOOK_LOG_GUARD = 1e-7;
/** The loss layers' guard: exact log(y) for every y > 0, finite at y = 0. */
export const EXACT_LOG_GUARD = Number.MIN_VALUE;

/** Mean cross-entropy of probabilities y (N, C) against targets: -sum t log(y + guard) / N. */
export function crossEntropy(y: Tensor, t: Targets, guard = BOOK_LOG_GUARD): number {
  const dtype = checkFloats('crossEntropy', y);
  checkTargets('crossEntropy', y, t);
  const [m, n] = y.shape;
  const family = isLabels(t) ? CROSS_ENTROPY_LABELS : CROSS_ENTROPY_ONE_HOT;
  return callKernel('crossEntropy', family, dtype, m, n, y, t, guard);
}

/** 0.5 * sum (y - t)^2 over all elements. */
export function sumSquaresError(y: Tensor, t: Tensor): number {
  const dtype = checkFloats('sumSquaresError', y, t);
  checkSameShape('sumSquaresError', y, t);
  return callKernel('sumSquaresError', SUM_SQUARES_ERROR, dtype, y.size, y, t);
}

/** dx = (y - t) * scale: the gradient of 0.5 * sum (y - t)^2, times scale. */
export function sumSquaresBackward(y: Tensor, t: Tensor, scale: number, dx?: Tensor): Tensor {
  const dtype = checkFloats('sumSquaresBackward', y, t);
  checkSameShape('sumSquaresBackward', y, t);
  const out = outputFor('sumSquaresBackward', y, y.shape, dx);
  callKernel('sumSquaresBackward', SUM_SQUARES_BACKWARD, dtype, y.size, y, t, out, scale);
  return out;
}

/** -sum [t log(y + guard) + (1 - t) log(1 - y + guard)] over all elements (y are probabilities). */
export function binaryCrossEntropy(y: Tensor, t: Tensor, guard = BOOK_LOG_GUARD): number {
  const dtype = checkFloats('binaryCrossEntropy', y, t);
  checkSameShape('binaryCrossEntropy', y, t);
  return callKernel('binaryCrossEntropy', BINARY_CROSS_ENTROPY, dtype, y.size, y, t, guard);
}

/** dx = (y - t) * scale with y = sigmoid(x): the gradient of binary cross-entropy with respect to the scores x. */
export function sigmoidCrossEntropyBackward(y: Tensor, t: Tensor, scale: number, dx?: Tensor): Tensor {
  const op = 'sigmoidCrossEntropyBackward';
  const dtype = checkFloats(op, y, t);
  checkSameShape(op, y, t);
  const out = outputFor(op, y, y.shape, dx);
  callKernel(op, SIGMOID_CROSS_ENTROPY_BACKWARD, dtype, y.size, y, t, out, scale);
  return out;
}
