import type { Tensor } from '../../backend/tensor.js';
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward } from '../../ops/pool.js';
import { checkWindowOver } from '../../ops/window.js';
import type { Window } from '../../ops/window.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * Max and average pooling over square windows, as the book's Pooling: x (N, C, H, W) gives
 * y (N, C, OH, OW), OH = floor((H + 2 pad - size) / stride) + 1. Padding is zeros that take part in
 * every window (a max may be a padding 0; an average always divides by size²).
 */
export interface PoolOptions {
  /** Window height and width. */
  size: number;
  /** Default: size (windows side by side, as PyTorch's default). */
  stride?: number;
  pad?: number;
}

/** The window of these options, checked against x: `op` names the op in errors. */
function poolWindow(op: string, x: Tensor, options: PoolOptions): Window {
  const window = { height: options.size, width: options.size, stride: options.stride ?? options.size, pad: options.pad ?? 0 };
  checkWindowOver(op, x, window);
  return window;
}

/** y = the max of each window. The rule keeps where each max came from (argmax, int32) and routes gy there. */
export function maxPool2d(x: Variable | Tensor, options: PoolOptions): Variable {
  const vx = asVariable(x);
  const window = poolWindow('maxPool2d', vx.value, options);
  const { y, argmax } = maxPool(vx.value, window);
  return output('maxPool2d', y, [vx], (gy) => {
    if (wantsGrad(vx)) accumulate(vx, maxPoolBackward(gy, argmax, vx.shape, window));
  }, [argmax]);
}

/** y = the mean of each window; backward spreads gy / size² over every input of its window. */
export function avgPool2d(x: Variable | Tensor, options: PoolOptions): Variable {
  const vx = asVariable(x);
  const window = poolWindow('avgPool2d', vx.value, options);
  const y = avgPool(vx.value, window);
  return output('avgPool2d', y, [vx], (gy) => {
    if (wantsGrad(vx)) accumulate(vx, avgPoolBackward(gy, vx.shape, window));
  });
}
