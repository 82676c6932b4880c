import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { sumSquaresError, sumSquaresBackward } from '../ops/loss.js';
import { checkFloats } from '../ops/check.js';
import type { LossLayer } from './layer.js';
import { Buffers } from './buffers.js';

/**
 * Mean squared error, as PyTorch's MSELoss and Keras define it: loss = mean over all elements of
 * (y - t)^2; dx = 2 (y - t) * dout / size. (The book's sum_squares_error is 0.5 * sum: it is
 * `sumSquaresError` among the plain functions.)
 */
export class MeanSquaredError implements LossLayer {
  y: Tensor | null = null;
  private t: Tensor | null = null;
  private buffers = new Buffers();
  readonly label = 'MeanSquaredError';

  forward(y: Tensor, t: Tensor): number {
    checkFloats(this.label, y, t);
    if (y.size !== t.size) throw new Error(`${this.label}: predictions ${formatShape(y.shape)} and targets ${formatShape(t.shape)} differ in size`);
    this.y = y;
    this.t = t.shape.length === y.shape.length ? t : t.reshape(y.shape);
    return (2 * sumSquaresError(y, this.t)) / y.size;
  }

  backward(dout = 1): Tensor {
    if (this.y === null || this.t === null) throw new Error(`${this.label}: backward called before forward`);
    const dx = this.buffers.get(this.y.backend, 'dx', this.y.shape, this.y.dtype);
    return sumSquaresBackward(this.y, this.t, (2 * dout) / this.y.size, dx);
  }

  dispose(): void {
    this.buffers.dispose();
    this.y = this.t = null;
  }
}
