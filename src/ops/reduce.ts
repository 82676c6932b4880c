import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { checkFloats, checkMatrix, checkNoPartialOverlap, checkNoOverlap, outputFor } from './check.js';
import { checkTargets, isLabels } from './targets.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

/** Row broadcasts and column reductions over (N, D) matrices. */

const ADD_BIAS = kernelFamily('addBias');
const SUM_ROWS = kernelFamily('sumRows');
const REPEAT_ROWS = kernelFamily('repeatRows');
const ARGMAX_ROWS = kernelFamily('argmaxRows');
const SUM = kernelFamily('sum');
const SUM_SQUARES = kernelFamily('sumSquares');
const COUNT_CORRECT_LABELS = kernelFamily('countCorrectLabels');
const COUNT_CORRECT_ONE_HOT = kernelFamily('countCorrectOneHot');
const FIRST_NON_FINITE = kernelFamily('firstNonFinite');

/** y[i, j] = x[i, j] + b[j]; x is (N, D), b is (D,). */
export function addBias(x: Tensor, b: Tensor, out?: Tensor): Tensor {
  const dtype = checkFloats('addBias', x, b);
  const [m, n] = checkMatrix('addBias', x, 'x');
  if (b.size !== n) throw new Error(`addBias: bias ${formatShape(b.shape)} does not match the ${n} columns of x ${formatShape(x.shape)}`);
  const y = outputFor('addBias', x, x.shape, out);
  checkNoPartialOverlap('addBias', x, y);
  checkNoOverlap('addBias', b, y, 'bias and output');
  callKernel('addBias', ADD_BIAS, dtype, m, n, x, b, y);
  return y;
}

/** The rows added together, out[j] = sum_i x[i, j]: the bias gradient, numpy's x.sum(axis=0), repeatRows' adjoint. `out` may have any shape of D elements. */
export function sumRows(x: Tensor, out?: Tensor): Tensor {
  const dtype = checkFloats('sumRows', x);
  const [m, n] = checkMatrix('sumRows', x, 'x');
  const y = out ?? x.backend.empty([n], dtype);
  checkFloats('sumRows', x, y);
  if (y.size !== n) throw new Error(`sumRows: output ${formatShape(y.shape)} must hold the ${n} columns of x ${formatShape(x.shape)}`);
  checkNoOverlap('sumRows', x, y, 'input and output');
  callKernel('sumRows', SUM_ROWS, dtype, m, n, x, y);
  return y;
}

/** y[i, :] = x for i < rows: numpy's np.repeat(x, rows, axis=0) of a (1, D) or (D,) x. */
export function repeatRows(x: Tensor, rows: number, out?: Tensor): Tensor {
  const dtype = checkFloats('repeatRows', x);
  if (!Number.isInteger(rows) || rows <= 0) throw new Error(`repeatRows: rows must be a positive integer, got ${rows}`);
  const n = x.size;
  const y = outputFor('repeatRows', x, [rows, n], out);
  checkNoOverlap('repeatRows', x, y, 'input and output');
  callKernel('repeatRows', REPEAT_ROWS, dtype, rows, n, x, y);
  return y;
}

/** Index of each row's largest value (the first on ties), as int32 (N,). */
export function argmaxRows(x: Tensor, out?: Tensor): Tensor {
  const dtype = checkFloats('argmaxRows', x);
  const [m, n] = checkMatrix('argmaxRows', x, 'x');
  const y = outputFor('argmaxRows', x, [m], out, 'int32');
  callKernel('argmaxRows', ARGMAX_ROWS, dtype, m, n, x, y);
  return y;
}

/** How many rows of scores y (N, C) have their argmax at the target class (labels or one-hot). */
export function countCorrect(y: Tensor, t: Tensor): number {
  const dtype = checkFloats('countCorrect', y);
  checkTargets('countCorrect', y, t);
  const [m, n] = y.shape;
  return callKernel('countCorrect', isLabels(t) ? COUNT_CORRECT_LABELS : COUNT_CORRECT_ONE_HOT, dtype, m, n, y, t);
}

/** Sum of all elements (in float64). */
export function sum(x: Tensor): number {
  const dtype = checkFloats('sum', x);
  return callKernel('sum', SUM, dtype, x.size, x);
}

/** Sum of squares of all elements (in float64): the L2 weight-decay term. */
export function sumSquares(x: Tensor): number {
  const dtype = checkFloats('sumSquares', x);
  return callKernel('sumSquares', SUM_SQUARES, dtype, x.size, x);
}

/** Index of the first NaN or +-Infinity of x (in flat order), or -1 when every element is finite. */
export function firstNonFinite(x: Tensor): number {
  const dtype = checkFloats('firstNonFinite', x);
  return callKernel('firstNonFinite', FIRST_NON_FINITE, dtype, x.size, x);
}
