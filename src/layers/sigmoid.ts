import type { Tensor } from '../backend/tensor.js';
import { addBiasSigmoid, sigmoid, sigmoidBackward, sigmoidBackwardSumRows } from '../ops/activation.js';
import { ActivationLayer } from './activation-layer.js';

/** y = 1 / (1 + exp(-x)); dx = dout * y * (1 - y) (keeps y, so it can take the Affine's bias). */
export class Sigmoid extends ActivationLayer {
  protected override readonly biasPasses = { forward: addBiasSigmoid, backward: sigmoidBackwardSumRows };

  protected apply(x: Tensor, out: Tensor): void {
    sigmoid(x, out);
  }
  protected applyBackward(_x: Tensor, y: Tensor, dout: Tensor, dx: Tensor): void {
    sigmoidBackward(y, dout, dx);
  }
}
