import type { Tensor } from '../backend/tensor.js';
import { formatShape, sameShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { checkDtypeIs, checkFloats, checkNoOverlap, outputFor } from './check.js';
import { checkWindowOver } from './window.js';
import type { Window } from './window.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

const MAX_POOL_FORWARD = kernelFamily('maxPoolForward');
const MAX_POOL_BACKWARD = kernelFamily('maxPoolBackward');
const AVG_POOL_FORWARD = kernelFamily('avgPoolForward');
const AVG_POOL_BACKWARD = kernelFamily('avgPoolBackward');

/**
 * Max and average pooling over NCHW: x is (N, C, H, W), y is (N, C, OH, OW). As in the book the
 * padding is zeros that take part in every window: a max may be a padding 0, an average always
 * divides by poolH * poolW. Max pooling keeps, per output, the index in its plane of the input
 * that won (int32, -1 for padding) for backward.
 */

/** y = the max of each window; argmax (int32, y's shape) = where it came from. */
export function maxPool(x: Tensor, window: Window, out?: Tensor, argmax?: Tensor): { y: Tensor; argmax: Tensor } {
  const op = 'maxPool';
  const dtype = checkFloats(op, x);
  const [n, c, h, w, oh, ow] = checkWindowOver(op, x, window);
  const y = outputFor(op, x, [n, c, oh, ow], out);
  const index = outputFor(op, x, [n, c, oh, ow], argmax, 'int32');
  checkNoOverlap(op, x, y, 'input and output');
  checkNoOverlap(op, y, index, 'output and argmax');
  callKernel(op, MAX_POOL_FORWARD, dtype, n * c, h, w, window.height, window.width, window.stride, window.pad, x, y, index);
  return { y, argmax: index };
}

/** dx (N, C, H, W) of `xShape`: each dy routed to the input its window's max came from (overlaps add). */
export function maxPoolBackward(dy: Tensor, argmax: Tensor, xShape: Shape, window: Window, out?: Tensor): Tensor {
  const op = 'maxPoolBackward';
  const dtype = checkFloats(op, dy);
  checkDtypeIs(op, argmax, 'int32', 'argmax');
  const dx = outputFor(op, dy, xShape, out);
  const [n, c, h, w, oh, ow] = checkWindowOver(op, dx, window);
  checkPooled(op, dy, [n, c, oh, ow], xShape);
  if (!sameShape(argmax.shape, dy.shape)) throw new Error(`${op}: argmax ${formatShape(argmax.shape)} and dy ${formatShape(dy.shape)} differ`);
  // The kernel writes dx[argmax]: every index must lie in its plane.
  const plane = h * w;
  const index = argmax.data as Int32Array;
  for (let i = 0; i < index.length; i++) {
    if (!(index[i] >= -1 && index[i] < plane)) throw new Error(`${op}: argmax ${index[i]} at ${i} is outside a ${h}x${w} plane`);
  }
  checkNoOverlap(op, dy, dx, 'dy and dx');
  checkNoOverlap(op, argmax, dx, 'argmax and dx');
  callKernel(op, MAX_POOL_BACKWARD, dtype, n * c, h, w, window.height, window.width, window.stride, window.pad, dy, argmax, dx);
  return dx;
}

/** y = the mean of each window (padding zeros counted). */
export function avgPool(x: Tensor, window: Window, out?: Tensor): Tensor {
  const op = 'avgPool';
  const dtype = checkFloats(op, x);
  const [n, c, h, w, oh, ow] = checkWindowOver(op, x, window);
  const y = outputFor(op, x, [n, c, oh, ow], out);
  checkNoOverlap(op, x, y, 'input and output');
  callKernel(op, AVG_POOL_FORWARD, dtype, n * c, h, w, window.height, window.width, window.stride, window.pad, x, y);
  return y;
}

/** dx (N, C, H, W) of `xShape`: each dy / (poolH * poolW) added to every input of its window. */
export function avgPoolBackward(dy: Tensor, xShape: Shape, window: Window, out?: Tensor): Tensor {
  const op = 'avgPoolBackward';
  const dtype = checkFloats(op, dy);
  const dx = outputFor(op, dy, xShape, out);
  const [n, c, h, w, oh, ow] = checkWindowOver(op, dx, window);
  checkPooled(op, dy, [n, c, oh, ow], xShape);
  checkNoOverlap(op, dy, dx, 'dy and dx');
  callKernel(op, AVG_POOL_BACKWARD, dtype, n * c, h, w, window.height, window.width, window.stride, window.pad, dy, dx);
  return dx;
}

function checkPooled(op: string, dy: Tensor, shape: Shape, xShape: Shape): void {
  if (!sameShape(dy.shape, shape)) {
    throw new Error(`${op}: dy must be ${formatShape(shape)} for input ${formatShape(xShape)}, got ${formatShape(dy.shape)}`);
  }
}
