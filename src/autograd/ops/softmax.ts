import type { Tensor } from '../../backend/tensor.js';
import { softmax as softmaxOp } from '../../ops/softmax.js';
import { mul, sub } from '../../ops/elementwise.js';
import { repeatAxis, sumAxis } from '../../ops/axis.js';
import { passOn, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * Row softmax of scores x (N, C), the row max subtracted first. For a loss on class targets use
 * softmaxCrossEntropy (fused, exact); this one is for softmax inside a model (attention weights).
 * Backward from the kept y: dx = y (gy - sum_j gy_j y_j), the sum per row; five kernels, no new
 * kernel needed, the result written over gy.
 */
export function softmax(x: Variable | Tensor): Variable {
  const vx = asVariable(x);
  const y = softmaxOp(vx.value);
  return output('softmax', y, [vx], (gy) => {
    if (!wantsGrad(vx)) return;
    const products = mul(gy, y);
    const rowSums = sumAxis(products, 1);
    const spread = repeatAxis(rowSums, 1, y.shape, products);
    sub(gy, spread, gy);
    mul(gy, y, gy);
    rowSums.dispose();
    products.dispose();
    passOn(vx, gy, vx.shape);
  });
}
