import type { Tensor } from '../backend/tensor.js';
import { elu, eluBackward } from '../ops/activation.js';
import { ActivationLayer } from './activation-layer.js';

/** y = x > 0 ? x : alpha (exp(x) - 1); dx = x > 0 ? dout : dout (y + alpha) (keeps x and y). */
export class ELU extends ActivationLayer {
  constructor(readonly alpha = 1) {
    super();
  }
  override get label(): string {
    return `ELU(${this.alpha})`;
  }
  protected apply(x: Tensor, out: Tensor): void {
    elu(x, this.alpha, out);
  }
  protected applyBackward(x: Tensor, y: Tensor, dout: Tensor, dx: Tensor): void {
    eluBackward(x, y, dout, this.alpha, dx);
  }
}
