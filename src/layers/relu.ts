import type { Tensor } from '../backend/tensor.js';
import { addBiasRelu, relu, reluBackward, reluBackwardSumRows } from '../ops/activation.js';
import { ActivationLayer } from './activation-layer.js';

/**
 * y = max(0, x); dx = y > 0 ? dout : 0. Backward reads y (y > 0 exactly where x > 0, NaN included:
 * relu(NaN) is 0), so the layer can take the bias of the Affine before it (see takesBias).
 */
export class ReLU extends ActivationLayer {
  protected apply(x: Tensor, out: Tensor): void {
    relu(x, out);
  }
  protected applyBackward(_x: Tensor, y: Tensor, dout: Tensor, dx: Tensor): void {
    reluBackward(y, dout, dx);
  }
  override get takesBias(): boolean {
    return true;
  }
  protected override applyWithBias(x: Tensor, b: Tensor, out: Tensor): void {
    addBiasRelu(x, b, out);
  }
  protected override applyBackwardWithBiasGrad(y: Tensor, dout: Tensor, dx: Tensor, db: Tensor): void {
    reluBackwardSumRows(y, dout, dx, db);
  }
}
