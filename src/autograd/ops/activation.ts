import type { Tensor } from '../../backend/tensor.js';
import * as act from '../../ops/activation.js';
import { passOn, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * Activations, element by element, over the kernels the layers use. Each backward kernel reads
 * what its rule keeps (relu and leaky relu keep x, sigmoid and tanh keep y, elu both) and writes
 * dx over gy: the pass owns gy and has no other use for it, so no new tensor is made.
 */

/** y = max(x, 0); dx = x > 0 ? gy : 0 */
export function relu(x: Variable | Tensor): Variable {
  const vx = asVariable(x);
  const y = act.relu(vx.value);
  return output('relu', y, [vx], (gy) => {
    if (wantsGrad(vx)) passOn(vx, act.reluBackward(vx.value, gy, gy), vx.shape);
  });
}

/** y = 1 / (1 + exp(-x)); dx = gy y (1 - y) */
export function sigmoid(x: Variable | Tensor): Variable {
  const vx = asVariable(x);
  const y = act.sigmoid(vx.value);
  return output('sigmoid', y, [vx], (gy) => {
    if (wantsGrad(vx)) passOn(vx, act.sigmoidBackward(y, gy, gy), vx.shape);
  });
}

/** y = tanh(x); dx = gy (1 - y²) */
export function tanh(x: Variable | Tensor): Variable {
  const vx = asVariable(x);
  const y = act.tanh(vx.value);
  return output('tanh', y, [vx], (gy) => {
    if (wantsGrad(vx)) passOn(vx, act.tanhBackward(y, gy, gy), vx.shape);
  });
}

/** y = x > 0 ? x : alpha x; dx = x > 0 ? gy : alpha gy */
export function leakyRelu(x: Variable | Tensor, alpha = 0.01): Variable {
  const vx = asVariable(x);
  const y = act.leakyRelu(vx.value, alpha);
  return output('leakyRelu', y, [vx], (gy) => {
    if (wantsGrad(vx)) passOn(vx, act.leakyReluBackward(vx.value, gy, alpha, gy), vx.shape);
  });
}

/** y = x > 0 ? x : alpha (exp(x) - 1); dx = x > 0 ? gy : gy (y + alpha) */
export function elu(x: Variable | Tensor, alpha = 1): Variable {
  const vx = asVariable(x);
  const y = act.elu(vx.value, alpha);
  return output('elu', y, [vx], (gy) => {
    if (wantsGrad(vx)) passOn(vx, act.eluBackward(vx.value, y, gy, alpha, gy), vx.shape);
  });
}
