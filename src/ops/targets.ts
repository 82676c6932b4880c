import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { checkFloats, checkMatrix, checkOneBackend, describe } from './check.js';

/** Class targets for scores y (N, C): one-hot rows (float, y's shape and dtype) or int32 labels (N,) in [0, C). */
export type Targets = Tensor;

/** True for int32 class labels (N,), false for one-hot or other float targets. */
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
