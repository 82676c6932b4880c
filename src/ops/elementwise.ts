import type { Tensor } from '../backend/tensor.js';
import { checkFloats, checkSameShape, checkNoPartialOverlap, checkDtypeIs, checkSameSize, outputFor } from './check.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

/** Element-wise arithmetic on tensors of one shape; `out` may be one of the inputs (in place). */

const SCALE = kernelFamily('scale');
const AXPY = kernelFamily('axpy');
const COPY = kernelFamily('copy');
const DROPOUT = kernelFamily('dropout');
const DROPOUT_BACKWARD = kernelFamily('dropoutBackward');

function binary(name: string) {
  const family = kernelFamily(name);
  return (a: Tensor, b: Tensor, out?: Tensor): Tensor => {
    checkFloats(name, a, b);
    checkSameShape(name, a, b);
    const y = outputFor(name, a, a.shape, out);
    checkNoPartialOverlap(name, a, y);
    checkNoPartialOverlap(name, b, y);
    callKernel(name, family, a.dtype as 'float32', a.size, a, b, y);
    return y;
  };
}

/** a + b */
export const add = binary('add');
/** a - b */
export const sub = binary('sub');
/** a * b, element by element */
export const mul = binary('mul');

/** alpha * x */
export function scale(x: Tensor, alpha: number, out?: Tensor): Tensor {
  const dtype = checkFloats('scale', x);
  const y = outputFor('scale', x, x.shape, out);
  checkNoPartialOverlap('scale', x, y);
  callKernel('scale', SCALE, dtype, x.size, x, alpha, y);
  return y;
}

/** y += alpha * x (same size), in place on y. */
export function axpy(alpha: number, x: Tensor, y: Tensor): Tensor {
  const dtype = checkFloats('axpy', x, y);
  checkSameSize('axpy', x, y);
  checkNoPartialOverlap('axpy', x, y);
  callKernel('axpy', AXPY, dtype, x.size, alpha, x, y);
  return y;
}

/** A copy of x into y (same size and dtype). */
export function copy(x: Tensor, y: Tensor): Tensor {
  const dtype = checkFloats('copy', x, y);
  checkSameSize('copy', x, y);
  checkNoPartialOverlap('copy', x, y);
  callKernel('copy', COPY, dtype, x.size, x, y);
  return y;
}

/**
 * Inverted dropout: keeps each element with probability `keep` (scaled by 1/keep), records the
 * choice in `mask` (uint8, same size). The mask is a hash of (seed, index), so it does not depend
 * on how the work is split.
 */
export function dropout(x: Tensor, mask: Tensor, keep: number, seed: number, out?: Tensor): Tensor {
  const dtype = checkFloats('dropout', x);
  checkDtypeIs('dropout', mask, 'uint8', 'mask');
  checkSameSize('dropout', x, mask);
  if (!(keep > 0 && keep <= 1)) throw new Error(`dropout: keep probability must be in (0, 1], got ${keep}`);
  const y = outputFor('dropout', x, x.shape, out);
  checkNoPartialOverlap('dropout', x, y);
  callKernel('dropout', DROPOUT, dtype, x.size, x, y, mask, keep, seed >>> 0);
  return y;
}

/** dx = mask ? dy / keep : 0 */
export function dropoutBackward(dy: Tensor, mask: Tensor, keep: number, dx?: Tensor): Tensor {
  const dtype = checkFloats('dropoutBackward', dy);
  checkDtypeIs('dropoutBackward', mask, 'uint8', 'mask');
  checkSameSize('dropoutBackward', dy, mask);
  const out = outputFor('dropoutBackward', dy, dy.shape, dx);
  checkNoPartialOverlap('dropoutBackward', dy, out);
  callKernel('dropoutBackward', DROPOUT_BACKWARD, dtype, dy.size, dy, mask, out, keep);
  return out;
}
