import type { Tensor } from '../backend/tensor.js';
import { addBiasSigmoid, sigmoid, sigmoidBackward, sigmoidBackwardSumRows } from '../ops/activation.js';
import { ActivationLayer } from './activation-layer.js';

/** y = 1 / (1 + exp(-x)); dx = dout * y * (1 - y) (keeps y). */
export class Sigmoid extends ActivationLayer {
  protected apply(x: Tensor, out: Tensor): void {
    sigmoid(x, out);
  }
  override get takesBias(): boolean {
    return true;
  }
  protected override applyWithBias(x: Tensor, b: Tensor, out: Tensor): void {
    addBiasSigmoid(x, b, out);
  }
  protected override applyBackwardWithBiasGrad(y: Tensor, dout: Tensor, dx: Tensor, db: Tensor): void {
    sigmoidBackwardSumRows(y, dout, dx, db);
  }
  protected applyBackward(_x: Tensor, y: Tensor, dout: Tensor, dx: Tensor): void {
    sigmoidBackward(y, dout, dx);
  }
}
