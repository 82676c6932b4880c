import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { checkFloats, checkInBackend } from '../ops/check.js';
import { gemm } from '../ops/gemm.js';
import { addBias, sumRows } from '../ops/reduce.js';
import { sparseMatmul, sparseTransposeMatmul } from '../ops/sparse.js';
import type { SparseInput } from '../ops/sparse.js';
import { Layer } from './layer.js';

/**
 * Affine (fully connected): out = x W + b.
 * x is (N, D) (or (N, ...) flattened to D), W is (D, M), b is (M,), out is (N, M).
 * Backward: dx = dout Wᵀ in x's own shape (so (N, C, H, W) comes back as such), dW = xᵀ dout,
 * db = sum of dout's rows.
 * As a net's first layer it also takes sparse rows (`forwardSparse`): x W + b and dW skip x's zeros.
 */
export class Affine extends Layer {
  /** x as (N, D). */
  private x: Tensor | null = null;
  private inputShape: Shape | null = null;
  /** The sparse input of the last forward (then x is null): only dW and db follow from it. */
  private sparseX: SparseInput | null = null;

  constructor(W: Tensor, b: Tensor) {
    super();
    checkFloats('Affine', W, b);
    if (W.rank !== 2 || b.size !== W.shape[1]) {
      throw new Error(`Affine: W must be (in, out) and b (out,), got W ${formatShape(W.shape)} and b ${formatShape(b.shape)}`);
    }
    this.adoptParams([W, b], ['W', 'b']);
  }

  get W(): Tensor {
    return this.params[0];
  }
  get b(): Tensor {
    return this.params[1];
  }
  get inputSize(): number {
    return this.params[0].shape[0];
  }
  get outputSize(): number {
    return this.params[0].shape[1];
  }

  override get label(): string {
    return `Affine(${this.inputSize} -> ${this.outputSize})`;
  }

  forward(x: Tensor): Tensor {
    const out = this.forwardWithoutBias(x);
    addBias(out, this.params[1], out);
    return out;
  }

  /**
   * x W alone, for a net that adds b in the next layer's pass (an activation that `takesBias`);
   * backward is forward's.
   */
  forwardWithoutBias(x: Tensor): Tensor {
    const W = this.params[0];
    checkInBackend(`${this.label}.forward`, W.backend, 'its weights are in', x);
    const x2 = x.rank === 2 ? x : x.reshape(x.shape[0], -1);
    if (x2.shape[1] !== this.inputSize || x.dtype !== W.dtype) {
      throw new Error(`${this.label}: input ${formatShape(x.shape)} ${x.dtype} does not fit weight W ${formatShape(W.shape)} ${W.dtype}`);
    }
    const out = this.buffer(x.backend, 'out', [x2.shape[0], this.outputSize], W.dtype);
    gemm(x2, W, out);
    this.x = x2;
    this.inputShape = x.shape;
    this.sparseX = null;
    return out;
  }

  /** out = x W + b for x sparse (N, in): the same as forward to float rounding, skipping x's zeros. */
  forwardSparse(x: SparseInput): Tensor {
    const [W, b] = this.params;
    x.assertLive(`${this.label}.forwardSparse`);
    if (x.cols !== this.inputSize || x.dtype !== W.dtype) {
      throw new Error(`${this.label}: sparse input (${x.rows}, ${x.cols}) ${x.dtype} does not fit weight W ${formatShape(W.shape)} ${W.dtype}`);
    }
    const out = this.buffer(x.backend, 'out', [x.rows, this.outputSize], W.dtype);
    sparseMatmul(x, W, out, b);
    this.sparseX = x;
    this.x = null;
    return out;
  }

  /**
   * dx, and dW and db into grads. `dbSummed`: db already holds dout's column sums (the sigmoid
   * after this layer summed them as it made dout), so they are not summed again.
   */
  backward(dout: Tensor, dbSummed = false): Tensor {
    if (this.sparseX !== null) {
      throw new Error(`${this.label}: the last forward took sparse rows, whose dx is not computed; a net's first layer needs backwardParams only`);
    }
    const x = this.backwardParamsAndKeep(dout, dbSummed);
    const dx = this.buffer(dout.backend, 'dx', this.inputShape!, x.dtype);
    gemm(dout, this.params[0], dx.rank === 2 ? dx : dx.reshape(x.shape), { transB: true });
    return dx;
  }

  /** dW and db only (see Layer.backwardParams); `dbSummed` as in backward. */
  override backwardParams(dout: Tensor, dbSummed = false): void {
    const sparse = this.sparseX;
    if (sparse === null) {
      this.backwardParamsAndKeep(dout, dbSummed);
      return;
    }
    this.checkDout(dout, [sparse.rows, this.outputSize]);
    const [dW, db] = this.grads;
    sparseTransposeMatmul(sparse, dout, dW);
    if (!dbSummed) sumRows(dout, db);
  }

  private backwardParamsAndKeep(dout: Tensor, dbSummed: boolean): Tensor {
    const x = this.kept(this.x, dout);
    this.checkDout(dout, [x.shape[0], this.outputSize]);
    const [dW, db] = this.grads;
    gemm(x, dout, dW, { transA: true });
    if (!dbSummed) sumRows(dout, db);
    return x;
  }
}
