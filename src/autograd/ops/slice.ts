import type { Tensor } from '../../backend/tensor.js';
import { formatShape } from '../../backend/shape.js';
import { ITEM_SIZE } from '../../backend/dtype.js';
import { aroundAxis, checkAxis } from '../../ops/axis.js';
import { checkFloats } from '../../ops/check.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * x[..., start:end, ...] along one axis, as a new tensor. Seen as (outer, len, inner) around the
 * axis, the slice is `outer` runs of (end - start) * inner elements: copies, no arithmetic.
 * Backward: zeros of x's shape with gy copied into the window.
 */
export function slice(x: Variable | Tensor, axis: number, start: number, end: number): Variable {
  const vx = asVariable(x);
  const xv = vx.value;
  checkFloats('slice', xv);
  const a = checkAxis('slice', xv.shape, axis);
  const len = xv.shape[a];
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > len || start >= end) {
    throw new Error(`slice: [${start}, ${end}) is not a non-empty range inside the ${len} entries of axis ${axis} of ${formatShape(xv.shape)}`);
  }
  const shape = [...xv.shape];
  shape[a] = end - start;
  const y = xv.backend.empty(shape, xv.dtype);
  copyWindow(xv, y, a, start, 'out');
  return output('slice', y, [vx], (gy) => {
    if (!wantsGrad(vx)) return;
    const gx = gy.backend.zeros(vx.shape, gy.dtype);
    copyWindow(gx, gy, a, start, 'in');
    accumulate(vx, gx);
  });
}

/**
 * Copy between `whole` and `part`, which is `whole` cut to part's length along axis a from `start`:
 * 'out' reads the window of whole into part, 'in' writes part into the window of whole.
 */
export function copyWindow(whole: Tensor, part: Tensor, a: number, start: number, direction: 'in' | 'out'): void {
  const [outer, len, inner] = aroundAxis(whole.shape, a);
  const item = ITEM_SIZE[whole.dtype];
  const run = part.shape[a] * inner * item;
  const bytes = new Uint8Array(whole.backend.memory.buffer);
  for (let o = 0; o < outer; o++) {
    const w = whole.ptr + (o * len + start) * inner * item;
    const p = part.ptr + o * run;
    if (direction === 'out') bytes.copyWithin(p, w, w + run);
    else bytes.copyWithin(w, p, p + run);
  }
}
