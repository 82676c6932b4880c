import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { DType } from '../backend/dtype.js';
import { formatShape, sameShape } from '../backend/shape.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from '../ops/softmax.js';
import { checkTargets } from '../ops/targets.js';
import type { LossLayer } from './layer.js';

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
  private dxBuffer: Tensor | null = null;
  private yBuffer: Tensor | null = null;
  private rowLossBuffer: Tensor | null = null;
  readonly label = 'SoftmaxWithLoss';

  forward(x: Tensor, t: Tensor): number {
    x.assertLive(`${this.label}.forward`);
    if (x.rank !== 2) throw new Error(`${this.label}: scores must be (N, C), got ${formatShape(x.shape)}`);
    checkTargets(this.label, x, t);
    this.yBuffer = reuse(this.yBuffer, x.backend, x.shape, x.dtype);
    this.rowLossBuffer = reuse(this.rowLossBuffer, x.backend, [x.shape[0]], 'float64');
    this.y = this.yBuffer;
    this.t = t;
    return softmaxCrossEntropy(x, t, this.y, this.rowLossBuffer);
  }

  backward(dout = 1): Tensor {
    if (this.y === null || this.t === null) throw new Error(`${this.label}: backward called before forward`);
    this.t.assertLive(`${this.label}.backward`);
    this.dxBuffer = reuse(this.dxBuffer, this.y.backend, this.y.shape, this.y.dtype);
    return softmaxCrossEntropyBackward(this.y, this.t, dout / this.y.shape[0], this.dxBuffer);
  }

  dispose(): void {
    this.yBuffer?.dispose();
    this.dxBuffer?.dispose();
    this.rowLossBuffer?.dispose();
    this.yBuffer = this.dxBuffer = this.rowLossBuffer = this.y = this.t = null;
  }
}

/** The same buffer while the shape holds, a new one when it changes. */
export function reuse(buffer: Tensor | null, backend: Backend, shape: readonly number[], dtype: DType): Tensor {
  if (buffer !== null && !buffer.disposed && buffer.dtype === dtype && sameShape(buffer.shape, shape)) return buffer;
  buffer?.dispose();
  return backend.empty(shape, dtype);
}
