import type { Tensor } from '../../backend/tensor.js';
import { formatShape } from '../../backend/shape.js';
import { checkFloats } from '../../ops/check.js';
import { sumSquaresBackward, sumSquaresError } from '../../ops/loss.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * Mean squared error, as the book-side MeanSquaredError layer (and PyTorch's F.mse_loss) define it:
 * predictions y and targets t of the same size (t is reshaped to y's shape), loss = the mean over all
 * elements of (y - t)², a (1,) value. dy = 2 (y - t) gy / size.
 */
export function mseLoss(y: Variable | Tensor, targets: Tensor): Variable {
  const vy = asVariable(y);
  const yv = vy.value;
  checkFloats('mseLoss', yv, targets);
  if (yv.size !== targets.size) {
    throw new Error(`mseLoss: predictions ${formatShape(yv.shape)} and targets ${formatShape(targets.shape)} differ in size`);
  }
  const t = targets.reshape(yv.shape);
  const value = yv.backend.full([1], (2 * sumSquaresError(yv, t)) / yv.size, yv.dtype);
  return output('mseLoss', value, [vy], (gy) => {
    if (wantsGrad(vy)) accumulate(vy, sumSquaresBackward(vy.value, t, (2 * gy.data[0]) / vy.size));
  });
}
