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

  /**
   * Whether this activation adds a bias in its own pass (`forwardWithBias`) and sums the bias
   * gradient in its backward pass (`backwardWithBiasGrad`), so that a net can leave the bias
   * work of the Affine layer before it to this layer: one pass over the hidden layer instead of
   * two, forward and backward. Only activations whose backward reads y alone take it, since the
   * x they keep is then the product before its bias.
   */
  get takesBias(): boolean {
    return false;
  }

  /** y = f(x + b) into `out`, x (N, M), b (M,): for activations that take the bias. */
  protected applyWithBias(_x: Tensor, _b: Tensor, _out: Tensor): void {
    throw new Error(`${this.label}: has no bias pass; check takesBias before forwardWithBias`);
  }

  forward(x: Tensor): Tensor {
    const y = this.output(x, 'forward');
    this.apply(x, y);
    return y;
  }

  /**
   * forward(x + b), with the bias added in the same pass: x is an Affine layer's product x W
   * (N, M) without its bias, b that layer's bias (M,). backward is forward's.
   */
  forwardWithBias(x: Tensor, b: Tensor): Tensor {
    const y = this.output(x, 'forwardWithBias');
    this.applyWithBias(x, b, y);
    return y;
  }

  /**
   * backward(dout), and db = the column sums of dx (the bias gradient of the Affine layer before
   * this one) in the same pass: for activations that take the bias (see takesBias).
   */
  backwardWithBiasGrad(dout: Tensor, db: Tensor): Tensor {
    const x = this.kept(this.x, dout);
    this.checkDout(dout, x.shape);
    const dx = this.buffer(dout.backend, 'dx', x.shape, x.dtype);
    this.applyBackwardWithBiasGrad(this.y!, dout, dx, db);
    return dx;
  }

  /** dx from dout and the kept y, and db = dx's column sums: for activations that take the bias. */
  protected applyBackwardWithBiasGrad(_y: Tensor, _dout: Tensor, _dx: Tensor, _db: Tensor): void {
    throw new Error(`${this.label}: has no bias gradient pass; check takesBias before backwardWithBiasGrad`);
  }

  /** Checks x, keeps it and the output buffer it returns (y, of x's shape). */
  private output(x: Tensor, method: string): Tensor {
    x.assertLive(`${this.label}.${method}`);
    if (!isFloat(x.dtype)) throw new Error(`${this.label}: input must be float32 or float64, got ${formatShape(x.shape)} ${x.dtype}`);
    const y = this.buffer(x.backend, 'out', x.shape, x.dtype);
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
