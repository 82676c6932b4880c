import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from '../ops/softmax.js';
import { checkTargets } from '../ops/targets.js';
import type { LossLayer } from './layer.js';
import { Buffers } from './buffers.js';

/**
 * Softmax followed by cross-entropy, as one layer: x are scores (N, C); t is one-hot (N, C) in
 * x's dtype or int32 class labels (N,). forward returns the mean loss; backward gives the fused
 * dx = (y - t) * dout / N. The loss is logsumexp(x) - x[target], as PyTorch's CrossEntropyLoss
 * computes it: the very function backward differentiates, exact and finite even where y underflows
 * (the book's -log(y + 1e-7) differs from it by up to 1e-7 / y, and caps a saturated row at 16).
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
    this.y = this.buffers.get(x.backend, 'y', x.shape, x.dtype);
    const rowLoss = this.buffers.get(x.backend, 'rowLoss', [x.shape[0]], 'float64');
    this.t = t;
    return softmaxCrossEntropy(x, t, this.y, rowLoss);
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
