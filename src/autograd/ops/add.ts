import type { Tensor } from '../../backend/tensor.js';
import { sameShape } from '../../backend/shape.js';
import { add as addOp, sub as subOp, scale } from '../../ops/elementwise.js';
import { addBias } from '../../ops/reduce.js';
import { checkFloats } from '../../ops/check.js';
import { accumulate, wantsGrad } from '../backward.js';
import { broadcastShape, expandTo, isRowOf, sumTo } from '../broadcast.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * a + b and a - b with NumPy broadcasting. A row added to every row of a matrix (a bias) is one
 * addBias kernel; other broadcasts expand the operand first. Backward: each operand's gradient is
 * gy summed down to its shape (sumRows for a row, sums along axes otherwise), negated for b in a - b.
 */

export function add(a: Variable | Tensor, b: Variable | Tensor): Variable {
  return addOrSub('add', asVariable(a), asVariable(b), 1);
}

/** a - b with NumPy broadcasting (see add). */
export function sub(a: Variable | Tensor, b: Variable | Tensor): Variable {
  return addOrSub('sub', asVariable(a), asVariable(b), -1);
}

function addOrSub(op: string, va: Variable, vb: Variable, sign: 1 | -1): Variable {
  const a = va.value;
  const b = vb.value;
  checkFloats(op, a, b);
  const shape = broadcastShape(op, a.shape, b.shape);
  let y: Tensor;
  if (sameShape(a.shape, b.shape)) {
    y = sign === 1 ? addOp(a, b) : subOp(a, b);
  } else if (sign === 1 && (isRowOf(b.shape, a.shape) || isRowOf(a.shape, b.shape))) {
    const [full, row] = isRowOf(b.shape, a.shape) ? [a, b] : [b, a];
    y = a.backend.empty(shape, a.dtype);
    const rows = full.size / row.size;
    addBias(full.reshape(rows, row.size), row, y.reshape(rows, row.size));
  } else {
    const ae = sameShape(a.shape, shape) ? a : expandTo(a, shape);
    const be = sameShape(b.shape, shape) ? b : expandTo(b, shape);
    y = sign === 1 ? addOp(ae, be) : subOp(ae, be);
    if (ae !== a) ae.dispose();
    if (be !== b) be.dispose();
  }
  return output(op, y, [va, vb], (gy) => {
    if (wantsGrad(va)) accumulate(va, sumTo(gy, va.shape));
    if (wantsGrad(vb)) {
      const gb = sumTo(gy, vb.shape);
      if (sign === -1) scale(gb, -1, gb);
      accumulate(vb, gb);
    }
  });
}
