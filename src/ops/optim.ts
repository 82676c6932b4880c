import type { Tensor } from '../backend/tensor.js';
import { checkFloats, checkSameSize } from './check.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';

/**
 * Optimizer updates over flat blocks: p (params), g (grads) and the state arrays all hold the
 * same number of elements. A net keeps all its params in one block and all its grads in another,
 * so one call updates the whole net.
 */

const SGD = kernelFamily('sgd');
const MOMENTUM = kernelFamily('momentum');
const NESTEROV = kernelFamily('nesterov');
const ADAGRAD = kernelFamily('adagrad');
const RMSPROP = kernelFamily('rmsprop');
const ADAM = kernelFamily('adam');

function checkBlocks(op: string, ...blocks: Tensor[]) {
  const dtype = checkFloats(op, ...blocks);
  checkSameSize(op, ...blocks);
  return dtype;
}

/** p -= lr * g */
export function sgdUpdate(p: Tensor, g: Tensor, lr: number): void {
  const dtype = checkBlocks('sgd', p, g);
  p.backend.kernel(SGD, dtype)(p.size, p.ptr, g.ptr, lr);
}

/** v = momentum * v - lr * g; p += v */
export function momentumUpdate(p: Tensor, g: Tensor, v: Tensor, lr: number, momentum: number): void {
  const dtype = checkBlocks('momentum', p, g, v);
  p.backend.kernel(MOMENTUM, dtype)(p.size, p.ptr, g.ptr, v.ptr, lr, momentum);
}

/** v = momentum * v - lr * g; p += momentum * v - lr * g (Nesterov, as PyTorch and Keras define it) */
export function nesterovUpdate(p: Tensor, g: Tensor, v: Tensor, lr: number, momentum: number): void {
  const dtype = checkBlocks('nesterov', p, g, v);
  p.backend.kernel(NESTEROV, dtype)(p.size, p.ptr, g.ptr, v.ptr, lr, momentum);
}

/** h += g^2; p -= lr * g / (sqrt(h) + eps) */
export function adagradUpdate(p: Tensor, g: Tensor, h: Tensor, lr: number, eps: number): void {
  const dtype = checkBlocks('adagrad', p, g, h);
  p.backend.kernel(ADAGRAD, dtype)(p.size, p.ptr, g.ptr, h.ptr, lr, eps);
}

/** h = decay * h + (1 - decay) * g^2; p -= lr * g / (sqrt(h) + eps) */
export function rmspropUpdate(p: Tensor, g: Tensor, h: Tensor, lr: number, decay: number, eps: number): void {
  const dtype = checkBlocks('rmsprop', p, g, h);
  p.backend.kernel(RMSPROP, dtype)(p.size, p.ptr, g.ptr, h.ptr, lr, decay, eps);
}

/** m += (1 - b1)(g - m); v += (1 - b2)(g^2 - v); p -= lrT * m / (sqrt(v) + eps); lrT holds the bias correction. */
export function adamUpdate(
  p: Tensor, g: Tensor, m: Tensor, v: Tensor, lrT: number, beta1: number, beta2: number, eps: number,
): void {
  const dtype = checkBlocks('adam', p, g, m, v);
  p.backend.kernel(ADAM, dtype)(p.size, p.ptr, g.ptr, m.ptr, v.ptr, lrT, beta1, beta2, eps);
}
