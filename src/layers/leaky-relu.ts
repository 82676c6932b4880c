import type { Tensor } from '../backend/tensor.js';
import { leakyRelu, leakyReluBackward } from '../ops/activation.js';
import { ActivationLayer } from './activation-layer.js';

/** y = x > 0 ? x : alpha x; dx = x > 0 ? dout : alpha dout (keeps x). */
export class LeakyReLU extends ActivationLayer {
  constructor(readonly alpha = 0.01) {
    super();
  }
  override get label(): string {
    return `LeakyReLU(${this.alpha})`;
  }
  protected apply(x: Tensor, out: Tensor): void {
    leakyRelu(x, this.alpha, out);
  }
  protected applyBackward(x: Tensor, _y: Tensor, dout: Tensor, dx: Tensor): void {
    leakyReluBackward(x, dout, this.alpha, dx);
  }
}
