import type { Tensor } from '../backend/tensor.js';
import type { Shape } from '../backend/shape.js';
import { checkConv, conv2d, convFilterGrad, convInputGrad, convWindow, transposeBatch } from '../ops/conv.js';
import { checkWindowParams } from '../ops/window.js';
import type { Window } from '../ops/window.js';
import { checkFloats } from '../ops/check.js';
import { formatShape } from '../backend/shape.js';
import { sumRows } from '../ops/reduce.js';
import { Layer } from './layer.js';

/**
 * The book's Convolution: x (N, C, H, W) -> out (N, FN, OH, OW), with filters W (FN, C, FH, FW)
 * (PyTorch's nn.Conv2d.weight layout) and bias b (FN,); zero padding `pad`, one `stride`.
 * The book lowers it to GEMMs over col = im2col(x) (N * OH * OW, C * FH * FW): rows = col Wᵀ + b,
 * out = rows as NCHW; backward, with doutRows = dout as (N * OH * OW, FN): db = column sums,
 * dW = doutRowsᵀ col, dx = col2im(doutRows W). The ops used here compute those products
 * without col (at stride 1 straight from x and dout), so the layer keeps x (as Affine does)
 * instead of a col nine times its size (for a 3x3 filter). They have the lowering's bits, but for
 * dx at stride 1 with 4 or more input channels, summed as dout convolved with the flipped filters
 * (convInputGrad).
 */
export class Convolution extends Layer {
  private x: Tensor | null = null;
  private outputShape: Shape | null = null;
  /** stride and pad as the conv ops take them. */
  private readonly options: { stride: number; pad: number };

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
    this.options = { stride, pad };
    checkWindowParams('Convolution', convWindow(W, this.options));
    this.adoptParams([W, b], ['W', 'b']);
  }

  get W(): Tensor {
    return this.params[0];
  }
  get b(): Tensor {
    return this.params[1];
  }
  get window(): Window {
    return convWindow(this.params[0], this.options);
  }

  override get label(): string {
    const [fn, c, fh, fw] = this.params[0].shape;
    return `Convolution(${c} -> ${fn}, ${fh}x${fw}, stride ${this.stride}, pad ${this.pad})`;
  }

  forward(x: Tensor): Tensor {
    const [W, b] = this.params;
    const shape = checkConv(this.label, x, W, b, this.options);
    const out = this.buffer(x.backend, 'out', shape, W.dtype);
    conv2d(x, W, b, this.options, out);
    this.x = x;
    this.outputShape = out.shape;
    return out;
  }

  backward(dout: Tensor): Tensor {
    this.backwardParams(dout);
    const x = this.x!;
    const dx = this.buffer(dout.backend, 'dx', x.shape, dout.dtype);
    return convInputGrad(dout, this.params[0], x.shape, this.options, dx);
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
    convFilterGrad(this.x!, doutRows, this.params[0].shape, this.options, dW);
  }
}
