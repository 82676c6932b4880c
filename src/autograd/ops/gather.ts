import type { Tensor } from '../../backend/tensor.js';
import { gatherRows } from '../../ops/gather.js';
import { scatterAddRows } from '../../ops/axis.js';
import { checkDtypeIs, checkFloats } from '../../ops/check.js';
import { formatShape } from '../../backend/shape.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * Rows of a table picked by index (an embedding lookup, PyTorch's index_select along 0): table
 * (V, ...) float, index int32 (N,), y (N, ...). Backward adds each row of gy into the table row it
 * came from (scatterAddRows), straight into an existing gradient; a row picked twice gets both.
 */
export function gather(table: Variable | Tensor, index: Tensor): Variable {
  const vt = asVariable(table);
  const t = vt.value;
  checkFloats('gather', t);
  checkDtypeIs('gather', index, 'int32', 'index');
  if (index.rank !== 1) throw new Error(`gather: index must be (N,), got ${formatShape(index.shape)}`);
  const y = t.backend.empty([index.size, ...t.shape.slice(1)], t.dtype);
  try {
    gatherRows(t, index, y);
  } catch (err) {
    y.dispose();
    throw err;
  }
  return output('gather', y, [vt], (gy) => {
    if (!wantsGrad(vt)) return;
    if (vt.grad !== null) scatterAddRows(gy, index, vt.grad);
    else accumulate(vt, scatterAddRows(gy, index, gy.backend.zeros(vt.shape, gy.dtype)));
  });
}
