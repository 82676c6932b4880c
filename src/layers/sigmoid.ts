import type { Tensor } from '../backend/tensor.js';
import { sigmoid, sigmoidBackward } from '../ops/activation.js';
import { ActivationLayer } from './activation-layer.js';

/** y = 1 / (1 + exp(-x)); dx = dout * y * (1 - y) (keeps y). */
export class Sigmoid extends ActivationLayer {
  protected apply(x: Tensor, out: Tensor): void {
    sigmoid(x, out);
  }
  protected applyBackward(_x: Tensor, y: Tensor, dout: Tensor, dx: Tensor): void {
    sigmoidBackward(y, dout, dx);
  }
}
