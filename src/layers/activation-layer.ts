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
   * The fused passes of an activation that can take the bias of the Affine layer before it: y =
   * f(x + b) in one pass, and dx with db = dx's column sums in one pass backward, so a net leaves
   * the Affine's bias work to this layer (one pass over the hidden layer instead of two, each way).
   * Only activations whose backward reads y alone can, since the x they keep is then the product
   * before its bias. Null (the default): none.
   *
   * @internal
   */
  protected readonly biasPasses: BiasPasses | null = null;

  /** Whether this activation takes the bias of the Affine before it (forwardWithBias, backwardWithBiasGrad). */
  get takesBias(): boolean {
    return this.biasPasses !== null;
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
    const passes = this.fusedPasses('forwardWithBias');
    const y = this.output(x, 'forwardWithBias');
    passes.forward(x, b, y);
    return y;
  }

  backward(dout: Tensor): Tensor {
    const dx = this.dxFor(dout);
    this.applyBackward(this.x!, this.y!, dout, dx);
    return dx;
  }

  /**
   * backward(dout), and db = the column sums of dx (the bias gradient of the Affine layer before
   * this one) in the same pass: for activations that take the bias (see takesBias).
   */
  backwardWithBiasGrad(dout: Tensor, db: Tensor): Tensor {
    const passes = this.fusedPasses('backwardWithBiasGrad');
    const dx = this.dxFor(dout);
    passes.backward(this.y!, dout, dx, db);
    return dx;
  }

  private fusedPasses(method: string): BiasPasses {
    if (this.biasPasses === null) throw new Error(`${this.label}.${method}: this activation does not take a bias; check takesBias first`);
    return this.biasPasses;
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

  /** Checks dout against the kept x and returns the dx buffer (x's shape). */
  private dxFor(dout: Tensor): Tensor {
    const x = this.kept(this.x, dout);
    this.checkDout(dout, x.shape);
    return this.buffer(dout.backend, 'dx', x.shape, x.dtype);
  }
}

/**
 * An activation's fused passes with the bias of the Affine layer before it (see
 * ActivationLayer.biasPasses).
 *
 * @internal
 */
export interface BiasPasses {
  /** y = f(x + b) into out, x (N, M), b (M,). */
  forward(x: Tensor, b: Tensor, out: Tensor): unknown;
  /** dx from dout and y, and db = dx's column sums. */
  backward(y: Tensor, dout: Tensor, dx: Tensor, db: Tensor): unknown;
}
