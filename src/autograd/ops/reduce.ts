import type { Tensor } from '../../backend/tensor.js';
import { sum as sumAll } from '../../ops/reduce.js';
import { checkAxis, repeatAxis, sumAxis } from '../../ops/axis.js';
import { scale } from '../../ops/elementwise.js';
import { checkFloats } from '../../ops/check.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * Sums and means, of every element (a (1,) value) or along one axis (that axis dropped, as in
 * PyTorch without keepdim). Backward spreads gy back over what was summed: a fill, or a repeat
 * along the axis; a mean also scales by 1/count.
 */

/** Sum of all elements, or along `axis`. */
export function sum(x: Variable | Tensor, axis?: number): Variable {
  return reduce('sum', asVariable(x), axis, false);
}

/** Mean of all elements, or along `axis`. */
export function mean(x: Variable | Tensor, axis?: number): Variable {
  return reduce('mean', asVariable(x), axis, true);
}

function reduce(op: string, vx: Variable, axis: number | undefined, isMean: boolean): Variable {
  const x = vx.value;
  const dtype = checkFloats(op, x);
  if (axis === undefined) {
    const total = sumAll(x);
    const value = x.backend.full([1], isMean ? total / x.size : total, dtype);
    return output(op, value, [vx], (gy) => {
      if (wantsGrad(vx)) accumulate(vx, x.backend.full(vx.shape, isMean ? gy.data[0] / vx.size : gy.data[0], dtype));
    });
  }
  const a = checkAxis(op, x.shape, axis);
  const count = x.shape[a];
  const y = sumAxis(x, a);
  if (isMean) scale(y, 1 / count, y);
  return output(op, y, [vx], (gy) => {
    if (!wantsGrad(vx)) return;
    const gx = repeatAxis(gy, a, vx.shape);
    if (isMean) scale(gx, 1 / count, gx);
    accumulate(vx, gx);
  });
}
