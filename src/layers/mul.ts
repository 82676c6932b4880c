import type { Tensor } from '../backend/tensor.js';
import { formatShape, sameShape } from '../backend/shape.js';
import { mul } from '../ops/elementwise.js';
import { Layer } from './layer.js';

/** The Mul node: z = x * y (element-wise); dx = dout * y, dy = dout * x (keeps x and y). */
export class Mul extends Layer {
  private x: Tensor | null = null;
  private y: Tensor | null = null;

  forward(x: Tensor, y?: Tensor): Tensor {
    if (y === undefined) throw new Error('Mul: forward needs two inputs, forward(x, y)');
    if (!sameShape(x.shape, y.shape)) throw new Error(`Mul: shapes differ: ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
    const z = this.buffer(x.backend, 'out', x.shape, x.dtype);
    mul(x, y, z);
    this.x = x;
    this.y = y;
    return z;
  }

  /** Returns dx; `backwardBoth` returns [dx, dy]. */
  backward(dout: Tensor): Tensor {
    return this.backwardBoth(dout)[0];
  }

  backwardBoth(dout: Tensor): [Tensor, Tensor] {
    const x = this.kept(this.x, dout);
    this.checkDout(dout, x.shape);
    const dx = mul(dout, this.y!, this.buffer(dout.backend, 'dx', x.shape, x.dtype));
    const dy = mul(dout, x, this.buffer(dout.backend, 'dy', x.shape, x.dtype));
    return [dx, dy];
  }
}
