import type { Tensor } from '../backend/tensor.js';
import type { Shape } from '../backend/shape.js';
import { checkConv, convForwardFromCol, convInputGrad, convWindow, im2col, transposeBatch } from '../ops/conv.js';
import { checkWindowParams } from '../ops/window.js';
import type { Window } from '../ops/window.js';
import { checkFloats } from '../ops/check.js';
import { formatShape } from '../backend/shape.js';
import { gemm } from '../ops/gemm.js';
import { sumRows } from '../ops/reduce.js';
import { Layer } from './layer.js';

/**
 * The book's Convolution: x (N, C, H, W) -> out (N, FN, OH, OW), with filters W (FN, C, FH, FW)
 * (PyTorch's nn.Conv2d.weight layout) and bias b (FN,); zero padding `pad`, one `stride`.
 * Forward: col = im2col(x) (N * OH * OW, C * FH * FW), rows = col Wᵀ + b, out = rows as NCHW.
 * Backward: doutRows = dout as (N * OH * OW, FN); db = column sums, dW = doutRowsᵀ col,
 * dx = col2im(doutRows W), computed by convInputGrad from dout without the dcol matrix.
 */
export class Convolution extends Layer {
  private col: Tensor | null = null;
  private inputShape: Shape | null = null;
  private outputShape: Shape | null = null;

  constructor(
    W: Tensor,
    b: Tensor,
    readonly stride = 1,
    readonly pad = 0,
  ) {
    super();
    checkFloats('Convolution', W, b);
    if (W.rank !== 4 || b.size !== W.shape[0]) {
      throw new Error(`Convolution: W must be (FN, C, FH, FW) and b (FN,), got W ${formatShape(W.shape)} and b ${formatShape(b.shape)}`);
    }
    checkWindowParams('Convolution', convWindow(W, { stride, pad }));
    this.adoptParams([W, b], ['W', 'b']);
  }

  get W(): Tensor {
    return this.params[0];
  }
  get b(): Tensor {
    return this.params[1];
  }
  get window(): Window {
    return convWindow(this.params[0], { stride: this.stride, pad: this.pad });
  }

  override get label(): string {
    const [fn, c, fh, fw] = this.params[0].shape;
    return `Convolution(${c} -> ${fn}, ${fh}x${fw}, stride ${this.stride}, pad ${this.pad})`;
  }

  forward(x: Tensor): Tensor {
    const [W, b] = this.params;
    const [n, fn, oh, ow] = checkConv(this.label, x, W, b, { stride: this.stride, pad: this.pad });
    const window = this.window;
    const col = this.buffer(x.backend, 'col', [n * oh * ow, W.size / fn], W.dtype);
    im2col(x, window, col);
    const rows = this.buffer(x.backend, 'rows', [n * oh * ow, fn], W.dtype);
    const out = this.buffer(x.backend, 'out', [n, fn, oh, ow], W.dtype);
    convForwardFromCol(col, W, b, rows, out);
    this.col = col;
    this.inputShape = x.shape;
    this.outputShape = out.shape;
    return out;
  }

  backward(dout: Tensor): Tensor {
    this.backwardParams(dout);
    const dx = this.buffer(dout.backend, 'dx', this.inputShape!, dout.dtype);
    return convInputGrad(dout, this.params[0], this.inputShape!, { stride: this.stride, pad: this.pad }, dx);
  }

  /** db and dW from dout. */
  override backwardParams(dout: Tensor): void {
    const shape = this.kept(this.outputShape, dout);
    this.checkDout(dout, shape);
    const [n, fn, oh, ow] = shape;
    const [dW, db] = this.grads;
    const doutRows = this.buffer(dout.backend, 'doutRows', [n * oh * ow, fn], dout.dtype);
    transposeBatch(dout.reshape(n, fn, oh * ow), doutRows.reshape(n, oh * ow, fn));
    sumRows(doutRows, db);
    gemm(doutRows, this.col!, dW.reshape(fn, -1), { transA: true });
  }
}
