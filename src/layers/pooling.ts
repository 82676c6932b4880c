import type { Tensor } from '../backend/tensor.js';
import type { Shape } from '../backend/shape.js';
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward } from '../ops/pool.js';
import { checkWindowOver, checkWindowParams } from '../ops/window.js';
import type { Window } from '../ops/window.js';
import { Layer } from './layer.js';

/** A window's max ('max') or its mean ('avg'). */
export type PoolingMode = 'max' | 'avg';

/**
 * The book's Pooling: x (N, C, H, W) -> out (N, C, OH, OW), each (poolH, poolW) window reduced
 * to its max (keeping where it came from for backward) or its mean. Padding is zeros that take
 * part in the window, as in the book.
 */
export class Pooling extends Layer {
  private argmax: Tensor | null = null;
  private inputShape: Shape | null = null;
  private outputShape: Shape | null = null;

  constructor(
    readonly poolH: number,
    readonly poolW: number,
    readonly stride = 1,
    readonly pad = 0,
    readonly mode: PoolingMode = 'max',
  ) {
    super();
    if (mode !== 'max' && mode !== 'avg') throw new Error(`Pooling: mode must be 'max' or 'avg', got ${JSON.stringify(mode)}`);
    checkWindowParams('Pooling', this.window);
  }

  get window(): Window {
    return { height: this.poolH, width: this.poolW, stride: this.stride, pad: this.pad };
  }

  override get label(): string {
    return `Pooling(${this.mode} ${this.poolH}x${this.poolW}, stride ${this.stride}, pad ${this.pad})`;
  }

  forward(x: Tensor): Tensor {
    x.assertLive(`${this.label}.forward`);
    const [n, c, , , oh, ow] = checkWindowOver(this.label, x, this.window);
    const shape = [n, c, oh, ow];
    const out = this.buffer(x.backend, 'out', shape, x.dtype);
    if (this.mode === 'max') {
      const argmax = this.buffer(x.backend, 'argmax', shape, 'int32');
      maxPool(x, this.window, out, argmax);
      this.argmax = argmax;
    } else {
      avgPool(x, this.window, out);
    }
    this.inputShape = x.shape;
    this.outputShape = out.shape;
    return out;
  }

  backward(dout: Tensor): Tensor {
    const shape = this.kept(this.outputShape, dout);
    this.checkDout(dout, shape);
    const dx = this.buffer(dout.backend, 'dx', this.inputShape!, dout.dtype);
    if (this.mode === 'max') return maxPoolBackward(dout, this.argmax!, this.inputShape!, this.window, dx);
    return avgPoolBackward(dout, this.inputShape!, this.window, dx);
  }
}
