import type { Tensor } from '../../backend/tensor.js';
import { transpose as transposeOp } from '../../ops/axis.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/** The last two axes swapped, as a new tensor: x (..., R, C) gives (..., C, R). dx = gy transposed back. */
export function transpose(x: Variable | Tensor): Variable {
  const vx = asVariable(x);
  const y = transposeOp(vx.value);
  return output('transpose', y, [vx], (gy) => {
    if (wantsGrad(vx)) accumulate(vx, transposeOp(gy));
  });
}
