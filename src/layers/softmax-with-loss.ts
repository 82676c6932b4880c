import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { softmax, crossEntropy, softmaxCrossEntropyBackward, checkTargets, EXACT_LOG_GUARD } from '../ops/softmax.js';
import type { LossLayer } from './layer.js';
import { Buffers } from './buffers.js';

/**
 * Softmax followed by cross-entropy, as one layer: x are scores (N, C); t is one-hot (N, C) in
 * x's dtype or int32 class labels (N,). forward returns the mean loss; backward gives the fused
 * dx = (y - t) * dout / N. The loss is -log(y) exactly, as PyTorch's CrossEntropyLoss (the book's
 * +1e-7 guard would make it differ from what backward differentiates by 1e-7 / y).
 */
export class SoftmaxWithLoss implements LossLayer {
  y: Tensor | null = null;
  private t: Tensor | null = null;
  private buffers = new Buffers();
  readonly label = 'SoftmaxWithLoss';

  forward(x: Tensor, t: Tensor): number {
    x.assertLive(`${this.label}.forward`);
    if (x.rank !== 2) throw new Error(`${this.label}: scores must be (N, C), got ${formatShape(x.shape)}`);
    checkTargets(this.label, x, t);
    this.y = softmax(x, this.buffers.get(x.backend, 'y', x.shape, x.dtype));
    this.t = t;
    return crossEntropy(this.y, t, EXACT_LOG_GUARD);
  }

  backward(dout = 1): Tensor {
    if (this.y === null || this.t === null) throw new Error(`${this.label}: backward called before forward`);
    this.t.assertLive(`${this.label}.backward`);
    const dx = this.buffers.get(this.y.backend, 'dx', this.y.shape, this.y.dtype);
    return softmaxCrossEntropyBackward(this.y, this.t, dout / this.y.shape[0], dx);
  }

  dispose(): void {
    this.buffers.dispose();
    this.y = this.t = null;
  }
}
