import type { Tensor } from '../backend/tensor.js';
import { addBiasRelu, relu, reluBackward, reluBackwardSumRows } from '../ops/activation.js';
import { ActivationLayer } from './activation-layer.js';

/**
 * y = max(0, x); dx = y > 0 ? dout : 0. Backward reads y (y > 0 exactly where x > 0, NaN included:
 * relu(NaN) is 0), so the layer can take the bias of the Affine before it (see takesBias).
 */
export class ReLU extends ActivationLayer {
  protected override readonly biasPasses = { forward: addBiasRelu, backward: reluBackwardSumRows };

  protected apply(x: Tensor, out: Tensor): void {
    relu(x, out);
  }
  protected applyBackward(_x: Tensor, y: Tensor, dout: Tensor, dx: Tensor): void {
    reluBackward(y, dout, dx);
  }
}
