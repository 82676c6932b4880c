import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { checkFloats, checkInBackend } from '../ops/check.js';
import { gemm } from '../ops/gemm.js';
import { Layer } from './layer.js';

/**
 * The MatMul node of book 2: out = x W, no bias.
 * x is (N, D), W is (D, H), out is (N, H); dx = dout Wᵀ, dW = xᵀ dout.
 */
export class MatMul extends Layer {
  private x: Tensor | null = null;

  constructor(W: Tensor) {
    super();
    checkFloats('MatMul', W);
    if (W.rank !== 2) throw new Error(`MatMul: W must be a matrix (in, out), got ${formatShape(W.shape)}`);
    this.adoptParams([W], ['W']);
  }

  override get label(): string {
    return `MatMul(${this.params[0].shape[0]} -> ${this.params[0].shape[1]})`;
  }

  forward(x: Tensor): Tensor {
    const W = this.params[0];
    checkInBackend(`${this.label}.forward`, W.backend, 'its weights are in', x);
    if (x.rank !== 2 || x.shape[1] !== W.shape[0] || x.dtype !== W.dtype) {
      throw new Error(`${this.label}: input ${formatShape(x.shape)} ${x.dtype} does not fit W ${formatShape(W.shape)} ${W.dtype}`);
    }
    const out = this.buffer(x.backend, 'out', [x.shape[0], W.shape[1]], W.dtype);
    gemm(x, W, out);
    this.x = x;
    return out;
  }

  backward(dout: Tensor): Tensor {
    const x = this.kept(this.x, dout);
    this.backwardParams(dout);
    const dx = this.buffer(dout.backend, 'dx', x.shape, x.dtype);
    gemm(dout, this.params[0], dx, { transB: true });
    return dx;
  }

  override backwardParams(dout: Tensor): void {
    const x = this.kept(this.x, dout);
    this.checkDout(dout, [x.shape[0], this.params[0].shape[1]]);
    gemm(x, dout, this.grads[0], { transA: true });
  }
}
