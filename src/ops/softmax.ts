import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { checkFloats, checkMatrix, checkSameShape, checkNoPartialOverlap, checkOneBackend, outputFor, describe } from './check.js';
import { callKernel } from './kernel-call.js';

/** Row softmax and the losses that follow it. x, y are (N, C); labels are int32 (N,) in [0, C). */

export function softmax(x: Tensor, out?: Tensor): Tensor {
  const dtype = checkFloats('softmax', x);
  const [m, n] = checkMatrix('softmax', x, 'x');
  const y = outputFor('softmax', x, x.shape, out);
  checkNoPartialOverlap('softmax', x, y);
  callKernel('softmax', 'softmaxRows', dtype, m, n, x, y);
  return y;
}

/** Targets are either one-hot rows (float, same shape as y) or int32 class labels (N,). */
export type Targets = Tensor;

export function isLabels(t: Tensor): boolean {
  return t.dtype === 'int32';
}

/** Throws unless t fits y: one-hot of y's shape and dtype, or N int32 labels each in [0, C). */
export function checkTargets(op: string, y: Tensor, t: Tensor): void {
  const [m, n] = checkMatrix(op, y, 'y');
  checkOneBackend(op, y, t);
  if (isLabels(t)) {
    if (t.rank !== 1 || t.shape[0] !== m) {
      throw new Error(`${op}: ${m} rows of scores ${formatShape(y.shape)} need ${m} labels, got labels ${formatShape(t.shape)}`);
    }
    const labels = t.data as Int32Array;
    for (let i = 0; i < m; i++) {
      if (labels[i] < 0 || labels[i] >= n) {
        throw new Error(`${op}: label ${labels[i]} at row ${i} is out of range for ${n} classes`);
      }
    }
  } else {
    checkFloats(op, y, t);
    if (t.rank !== 2 || t.shape[0] !== m || t.shape[1] !== n) {
      throw new Error(`${op}: one-hot targets must be ${formatShape(y.shape)} like the scores, got ${describe(t)}`);
    }
  }
}

/** The book's guard against log(0): cross_entropy_error adds 1e-7 to y. */
export const BOOK_LOG_GUARD = 1e-7;
/** The loss layers' guard: exact log(y) for every y > 0, finite at y = 0. */
export const EXACT_LOG_GUARD = Number.MIN_VALUE;

/** Mean cross-entropy of probabilities y (N, C) against targets: -sum t log(y + guard) / N. */
export function crossEntropy(y: Tensor, t: Targets, guard = BOOK_LOG_GUARD): number {
  const dtype = checkFloats('crossEntropy', y);
  checkTargets('crossEntropy', y, t);
  const [m, n] = y.shape;
  const name = isLabels(t) ? 'crossEntropyLabels' : 'crossEntropyOneHot';
  return callKernel('crossEntropy', name, dtype, m, n, y, t, guard);
}

/** The fused backward of softmax followed by cross-entropy: dx = (y - t) * scale (scale = dout / N). */
export function softmaxCrossEntropyBackward(y: Tensor, t: Targets, scale: number, dx?: Tensor): Tensor {
  const op = 'softmaxCrossEntropyBackward';
  const dtype = checkFloats(op, y);
  checkTargets(op, y, t);
  const [m, n] = y.shape;
  const out = outputFor(op, y, y.shape, dx);
  const name = isLabels(t) ? 'softmaxCrossEntropyBackwardLabels' : 'softmaxCrossEntropyBackwardOneHot';
  callKernel(op, name, dtype, m, n, y, t, out, scale);
  return out;
}

/** 0.5 * sum (y - t)^2 over all elements. */
export function sumSquaresError(y: Tensor, t: Tensor): number {
  const dtype = checkFloats('sumSquaresError', y, t);
  checkSameShape('sumSquaresError', y, t);
  return callKernel('sumSquaresError', 'sumSquaresError', dtype, y.size, y, t);
}

/** dx = (y - t) * scale */
export function sumSquaresBackward(y: Tensor, t: Tensor, scale: number, dx?: Tensor): Tensor {
  const dtype = checkFloats('sumSquaresBackward', y, t);
  checkSameShape('sumSquaresBackward', y, t);
  const out = outputFor('sumSquaresBackward', y, y.shape, dx);
  callKernel('sumSquaresBackward', 'sumSquaresBackward', dtype, y.size, y, t, out, scale);
  return out;
}

/** -sum [t log(y + guard) + (1 - t) log(1 - y + guard)] over all elements (y are probabilities). */
export function binaryCrossEntropy(y: Tensor, t: Tensor, guard = BOOK_LOG_GUARD): number {
  const dtype = checkFloats('binaryCrossEntropy', y, t);
  checkSameShape('binaryCrossEntropy', y, t);
  return callKernel('binaryCrossEntropy', 'binaryCrossEntropy', dtype, y.size, y, t, guard);
}

