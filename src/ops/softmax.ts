import type { Tensor } from '../backend/tensor.js';
import { checkFloats, checkMatrix, checkNoPartialOverlap, outputFor } from './check.js';
import { checkTargets, isLabels } from './targets.js';
import type { Targets } from './targets.js';

/** Row softmax, and softmax followed by cross-entropy. x, y are (N, C); targets are one-hot (N, C) or int32 labels (N,). */

export function softmax(x: Tensor, out?: Tensor): Tensor {
  const dtype = checkFloats('softmax', x);
  const [m, n] = checkMatrix('softmax', x, 'x');
  const y = outputFor('softmax', x, x.shape, out);
  checkNoPartialOverlap('softmax', x, y);
  x.backend.kernel('softmaxRows', dtype)(m, n, x.ptr, y.ptr);
  return y;
}

/** The fused backward of softmax followed by cross-entropy: dx = (y - t) * scale (scale = dout / N). */
export function softmaxCrossEntropyBackward(y: Tensor, t: Targets, scale: number, dx?: Tensor): Tensor {
  const op = 'softmaxCrossEntropyBackward';
  const dtype = checkFloats(op, y);
  checkTargets(op, y, t);
  const [m, n] = y.shape;
  const out = outputFor(op, y, y.shape, dx);
  const name = isLabels(t) ? 'softmaxCrossEntropyBackwardLabels' : 'softmaxCrossEntropyBackwardOneHot';
  y.backend.kernel(name, dtype)(m, n, y.ptr, t.ptr, out.ptr, scale);
  return out;
}
