import type { Tensor } from '../../backend/tensor.js';
import { passOn, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * The same elements under another shape (one dimension may be -1): a view sharing x's memory, as
 * Tensor.reshape is. Backward hands gy on under x's shape, without a copy.
 */
export function reshape(x: Variable | Tensor, shape: number[]): Variable {
  const vx = asVariable(x);
  const y = vx.value.reshape(shape);
  return output('reshape', y, [vx], (gy) => {
    if (wantsGrad(vx)) passOn(vx, gy, vx.shape);
  }, [], vx.owner ?? vx);
}

/** PyTorch's name for reshape of a contiguous tensor. */
export const view = reshape;

/** (N, ...) to (N, rest): what a Linear after a conv needs. */
export function flatten(x: Variable | Tensor): Variable {
  const vx = asVariable(x);
  return reshape(vx, [vx.shape[0], -1]);
}
