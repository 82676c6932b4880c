import type { Tensor } from '../backend/tensor.js';
import { isFloat } from '../backend/dtype.js';
import { formatShape } from '../backend/shape.js';
import { Layer } from './layer.js';

/**
 * What every element-wise activation layer shares: checks, the output and dx buffers, and
 * keeping x and y for backward. Each subclass names its forward and backward rule.
 */
export abstract class ActivationLayer extends Layer {
  protected x: Tensor | null = null;
  protected y: Tensor | null = null;

  /** y = f(x) into `out`. */
  protected abstract apply(x: Tensor, out: Tensor): void;
  /** dx from dout and the kept x, y. */
  protected abstract applyBackward(x: Tensor, y: Tensor, dout: Tensor, dx: Tensor): void;

  forward(x: Tensor): Tensor {
    x.assertLive(`${this.label}.forward`);
    if (!isFloat(x.dtype)) throw new Error(`${this.label}: input must be float32 or float64, got ${formatShape(x.shape)} ${x.dtype}`);
    const y = this.buffer(x.backend, 'out', x.shape, x.dtype);
    this.apply(x, y);
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dout: Tensor): Tensor {
    const x = this.kept(this.x, dout);
    this.checkDout(dout, x.shape);
    const dx = this.buffer(dout.backend, 'dx', x.shape, x.dtype);
    this.applyBackward(x, this.y!, dout, dx);
    return dx;
  }
}
