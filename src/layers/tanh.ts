import type { Tensor } from '../backend/tensor.js';
import { tanh, tanhBackward } from '../ops/activation.js';
import { ActivationLayer } from './activation-layer.js';

/** y = tanh(x); dx = dout * (1 - y^2) (keeps y). */
export class Tanh extends ActivationLayer {
  protected apply(x: Tensor, out: Tensor): void {
    tanh(x, out);
  }
  protected applyBackward(_x: Tensor, y: Tensor, dout: Tensor, dx: Tensor): void {
    tanhBackward(y, dout, dx);
  }
}
