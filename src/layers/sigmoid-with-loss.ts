import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { sigmoid } from '../ops/activation.js';
import { binaryCrossEntropy, sigmoidCrossEntropyBackward, EXACT_LOG_GUARD } from '../ops/loss.js';
import { checkFloats } from '../ops/check.js';
import type { LossLayer } from './layer.js';
import { Buffers } from './buffers.js';

/**
 * Sigmoid followed by binary cross-entropy (book 2's SigmoidWithLoss): x are scores (N,) or (N, 1),
 * t are 0/1 targets of the same shape and dtype. Loss = mean over N; dx = (y - t) * dout / N.
 */
export class SigmoidWithLoss implements LossLayer {
  y: Tensor | null = null;
  private t: Tensor | null = null;
  private buffers = new Buffers();
  readonly label = 'SigmoidWithLoss';

  forward(x: Tensor, t: Tensor): number {
    checkFloats(this.label, x, t);
    if (x.size !== t.size) throw new Error(`${this.label}: scores ${formatShape(x.shape)} and targets ${formatShape(t.shape)} differ in size`);
    this.y = sigmoid(x, this.buffers.get(x.backend, 'y', x.shape, x.dtype));
    this.t = t.shape.length === x.shape.length ? t : t.reshape(x.shape);
    return binaryCrossEntropy(this.y, this.t, EXACT_LOG_GUARD) / x.shape[0];
  }

  backward(dout = 1): Tensor {
    if (this.y === null || this.t === null) throw new Error(`${this.label}: backward called before forward`);
    const dx = this.buffers.get(this.y.backend, 'dx', this.y.shape, this.y.dtype);
    return sigmoidCrossEntropyBackward(this.y, this.t, dout / this.y.shape[0], dx);
  }

  dispose(): void {
    this.buffers.dispose();
    this.y = this.t = null;
  }
}
