import type { Tensor } from '../backend/tensor.js';
import { relu, reluBackward } from '../ops/activation.js';
import { ActivationLayer } from './activation-layer.js';

/** y = max(0, x); dx = x > 0 ? dout : 0 (keeps x). */
export class ReLU extends ActivationLayer {
  protected apply(x: Tensor, out: Tensor): void {
    relu(x, out);
  }
  protected applyBackward(x: Tensor, _y: Tensor, dout: Tensor, dx: Tensor): void {
    reluBackward(x, dout, dx);
  }
}
