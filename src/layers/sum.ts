import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { repeatRows, sumRows } from '../ops/reduce.js';
import { Layer } from './layer.js';

/** The Sum node: x (N, D) summed over rows to (1, D); dx = dout repeated into N rows. */
export class Sum extends Layer {
  private shape: readonly number[] | null = null;

  forward(x: Tensor): Tensor {
    if (x.rank !== 2) throw new Error(`Sum: input must be (N, D), got ${formatShape(x.shape)}`);
    this.shape = x.shape;
    return sumRows(x, this.buffer(x.backend, 'out', [1, x.shape[1]], x.dtype));
  }

  backward(dout: Tensor): Tensor {
    const shape = this.kept(this.shape, dout);
    this.checkDout(dout, [1, shape[1]]);
    return repeatRows(dout, shape[0], this.buffer(dout.backend, 'dx', shape, dout.dtype));
  }
}
