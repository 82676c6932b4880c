import type { Tensor } from '../../backend/tensor.js';
import { checkAxis } from '../../ops/axis.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';
import { reshape } from './reshape.js';
import { copyWindow } from './slice.js';

/**
 * Tensors joined along an existing axis (backend.concat checks that they fit). Backward: each
 * input's gradient is its window of gy, copied out.
 */
export function concat(xs: (Variable | Tensor)[], axis = 0): Variable {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  const vs = xs.map(asVariable);
  const values = vs.map((v) => v.value);
  const y = values[0].backend.concat(values, axis);
  const a = checkAxis('concat', y.shape, axis);
  return output('concat', y, vs, (gy) => {
    let start = 0;
    for (const v of vs) {
      if (wantsGrad(v)) {
        const g = gy.backend.empty(v.shape, gy.dtype);
        copyWindow(gy, g, a, start, 'out');
        accumulate(v, g);
      }
      start += v.shape[a];
    }
  });
}

/** Tensors of one shape joined along a new axis: each gets a 1 at `axis`, then concat. */
export function stack(xs: (Variable | Tensor)[], axis = 0): Variable {
  if (xs.length === 0) throw new Error('stack: needs at least one tensor');
  const vs = xs.map(asVariable);
  const rank = vs[0].shape.length;
  const a = checkAxis('stack', [...vs[0].shape, 1], axis);
  const parts = vs.map((v) => {
    if (v.shape.length !== rank || v.shape.some((d, i) => d !== vs[0].shape[i])) {
      throw new Error(`stack: shapes differ: ${vs.map((u) => `(${u.shape.join(', ')})`).join(', ')}`);
    }
    const shape = [...v.shape];
    shape.splice(a, 0, 1);
    return reshape(v, shape);
  });
  return concat(parts, a);
}
