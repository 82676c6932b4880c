import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { DType } from '../backend/dtype.js';
import { formatShape, sameShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { Buffers } from './buffers.js';

/**
 * A layer, as in the book: `forward(x)` keeps what `backward` needs, `backward(dout)` returns dx
 * and overwrites (never accumulates into) `grads`. `params[i]` and `grads[i]` pair up; inside a
 * net they are views into the net's one params block and one grads block.
 *
 * The tensor `forward` or `backward` returns is the layer's own buffer, reused by the next call
 * with the same batch shape (so a training step allocates nothing): `clone()` it to keep it.
 */
export abstract class Layer {
  params: Tensor[] = [];
  grads: Tensor[] = [];
  /** Names of params, in the book's style (W, b); a net prefixes them (W1, b1 ...). */
  paramNames: string[] = [];

  /** Takes `params` as this layer's, named `names`, each with a zero grad of its shape. */
  protected adoptParams(params: Tensor[], names: string[]): void {
    this.params = params;
    this.grads = params.map((p) => p.backend.zeros(p.shape, p.dtype));
    this.paramNames = names;
  }
  /**
   * Values the layer keeps that are not trained (batchnorm's running mean and variance): saved
   * with a net, never touched by an optimizer. The layer owns and disposes them.
   */
  state: Tensor[] = [];
  stateNames: string[] = [];
  /** Train mode (dropout active) or eval mode. Nets set it with train()/eval(). */
  training = true;
  private buffers = new Buffers();

  abstract forward(x: Tensor): Tensor;
  abstract backward(dout: Tensor): Tensor;

  /** The layer in error messages, e.g. "Affine(784 -> 50)". */
  get label(): string {
    return this.constructor.name;
  }

  /**
   * Param grads only, skipping dx: a net calls this on its first layer, whose input gradient
   * nobody uses (for Affine, that is a whole GEMM saved). Layers without params do nothing.
   */
  backwardParams(dout: Tensor): void {
    if (this.params.length > 0) this.backward(dout);
  }

  /** A buffer kept across calls under `name`, remade only when the shape, dtype or backend changes. */
  protected buffer(backend: Backend, name: string, shape: Shape, dtype: DType): Tensor {
    return this.buffers.get(backend, name, shape, dtype);
  }

  /** Throws the layer's "backward before forward" error unless `kept` is set. */
  protected kept<T>(kept: T | null, dout: Tensor): T {
    if (kept === null) {
      throw new Error(`${this.label}: backward(${formatShape(dout.shape)}) called before forward`);
    }
    return kept;
  }

  /** Throws unless dout has the shape of the forward output. */
  protected checkDout(dout: Tensor, shape: Shape): void {
    dout.assertLive(`${this.label}.backward`);
    if (!sameShape(dout.shape, shape)) {
      throw new Error(`${this.label}: backward got dout ${formatShape(dout.shape)}, but forward returned ${formatShape(shape)}`);
    }
  }

  /** Free the layer's buffers (params belong to the net, or to the caller who made them). */
  dispose(): void {
    this.buffers.dispose();
  }
}

/** A loss layer: forward(x, t) returns the loss, backward(dout = 1) returns dL/dx. */
export interface LossLayer {
  forward(x: Tensor, t: Tensor): number;
  backward(dout?: number): Tensor;
  /** The forward output the loss was computed from (probabilities for SoftmaxWithLoss). */
  readonly y: Tensor | null;
  readonly label: string;
  dispose(): void;
}
