import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { DType } from '../backend/dtype.js';
import { formatShape, sameShape } from '../backend/shape.js';
import { softmax, softmaxCrossEntropyBackward } from '../ops/softmax.js';
import { crossEntropy, EXACT_LOG_GUARD } from '../ops/loss.js';
import { checkTargets } from '../ops/targets.js';
import type { LossLayer } from './layer.js';

/**
 * Softmax followed by cross-entropy, as one layer: x are scores (N, C); t is one-hot (N, C) in
 * x's dtype or int32 class labels (N,). forward returns the mean loss; backward gives the fused
 * dx = (y - t) * dout / N. The loss is -log(y) exactly, as PyTorch's CrossEntropyLoss (the book's
 * +1e-7 guard would make it differ from what backward differentiates by 1e-7 / y).
 */
export class SoftmaxWithLoss implements LossLayer {
  y: Tensor | null = null;
  private t: Tensor | null = null;
  private dxBuffer: Tensor | null = null;
  private yBuffer: Tensor | null = null;
  readonly label = 'SoftmaxWithLoss';

  forward(x: Tensor, t: Tensor): number {
    x.assertLive(`${this.label}.forward`);
    if (x.rank !== 2) throw new Error(`${this.label}: scores must be (N, C), got ${formatShape(x.shape)}`);
    checkTargets(this.label, x, t);
    this.yBuffer = reuse(this.yBuffer, x.backend, x.shape, x.dtype);
    this.y = softmax(x, this.yBuffer);
    this.t = t;
    return crossEntropy(this.y, t, EXACT_LOG_GUARD);
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
    this.yBuffer = this.dxBuffer = this.y = this.t = null;
  }
}

/** The same buffer while the shape holds, a new one when it changes. */
export function reuse(buffer: Tensor | null, backend: Backend, shape: readonly number[], dtype: DType): Tensor {
  if (buffer !== null && !buffer.disposed && buffer.dtype === dtype && sameShape(buffer.shape, shape)) return buffer;
  buffer?.dispose();
  return backend.empty(shape, dtype);
}
