import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { repeatRows, sumRows } from '../ops/reduce.js';
import { Layer } from './layer.js';

/** The Repeat node: x (1, D) copied into N rows, (N, D); dx = sum of dout's rows, (1, D). */
export class Repeat extends Layer {
  private shape: readonly number[] | null = null;

  constructor(readonly n: number) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Repeat: n must be a positive integer, got ${n}`);
  }

  override get label(): string {
    return `Repeat(${this.n})`;
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2 || x.shape[0] !== 1) throw new Error(`${this.label}: input must be (1, D), got ${formatShape(x.shape)}`);
    this.shape = x.shape;
    return repeatRows(x, this.n, this.buffer(x.backend, 'out', [this.n, x.shape[1]], x.dtype));
  }

  backward(dout: Tensor): Tensor {
    const shape = this.kept(this.shape, dout);
    this.checkDout(dout, [this.n, shape[1]]);
    return sumRows(dout, this.buffer(dout.backend, 'dx', shape, dout.dtype));
  }
}
