import type { Tensor } from '../backend/tensor.js';
import { checkFloats, checkSameSize } from './check.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

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
  callKernel('sgdUpdate', SGD, dtype, p.size, p, g, lr);
}

/** v = momentum * v - lr * g; p += v */
export function momentumUpdate(p: Tensor, g: Tensor, v: Tensor, lr: number, momentum: number): void {
  const dtype = checkBlocks('momentum', p, g, v);
  callKernel('momentumUpdate', MOMENTUM, dtype, p.size, p, g, v, lr, momentum);
}

/** v = momentum * v - lr * g; p += momentum * v - lr * g (Nesterov, as PyTorch and Keras define it) */
export function nesterovUpdate(p: Tensor, g: Tensor, v: Tensor, lr: number, momentum: number): void {
  const dtype = checkBlocks('nesterov', p, g, v);
  callKernel('nesterovUpdate', NESTEROV, dtype, p.size, p, g, v, lr, momentum);
}

/** h += g^2; p -= lr * g / (sqrt(h) + eps) */
export function adagradUpdate(p: Tensor, g: Tensor, h: Tensor, lr: number, eps: number): void {
  const dtype = checkBlocks('adagrad', p, g, h);
  callKernel('adagradUpdate', ADAGRAD, dtype, p.size, p, g, h, lr, eps);
}

/** h = decay * h + (1 - decay) * g^2; p -= lr * g / (sqrt(h) + eps) */
export function rmspropUpdate(p: Tensor, g: Tensor, h: Tensor, lr: number, decay: number, eps: number): void {
  const dtype = checkBlocks('rmsprop', p, g, h);
  callKernel('rmspropUpdate', RMSPROP, dtype, p.size, p, g, h, lr, decay, eps);
}

/** m += (1 - b1)(g - m); v += (1 - b2)(g^2 - v); p -= lrT * m / (sqrt(v) + eps); lrT holds the bias correction. */
export function adamUpdate(
  p: Tensor, g: Tensor, m: Tensor, v: Tensor, lrT: number, beta1: number, beta2: number, eps: number,
): void {
  const dtype = checkBlocks('adam', p, g, m, v);
  callKernel('adamUpdate', ADAM, dtype, p.size, p, g, m, v, lrT, beta1, beta2, eps);
}
