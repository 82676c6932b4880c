import type { Tensor } from '../backend/tensor.js';
import { formatShape, sameShape } from '../backend/shape.js';
import { add } from '../ops/elementwise.js';
import { Layer } from './layer.js';

/** The Add node of a computation graph: z = x + y; dx = dout, dy = dout (copies, so dout stays the caller's). */
export class Add extends Layer {
  private shape: readonly number[] | null = null;

  forward(x: Tensor, y?: Tensor): Tensor {
    if (y === undefined) throw new Error('Add: forward needs two inputs, forward(x, y)');
    if (!sameShape(x.shape, y.shape)) throw new Error(`Add: shapes differ: ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
    const z = this.buffer(x.backend, 'out', x.shape, x.dtype);
    add(x, y, z);
    this.shape = x.shape;
    return z;
  }

  /** Returns dx; `backwardBoth` returns [dx, dy]. */
  backward(dout: Tensor): Tensor {
    return this.backwardBoth(dout)[0];
  }

  backwardBoth(dout: Tensor): [Tensor, Tensor] {
    this.checkDout(dout, this.kept(this.shape, dout));
    const dx = this.buffer(dout.backend, 'dx', dout.shape, dout.dtype).set(dout);
    const dy = this.buffer(dout.backend, 'dy', dout.shape, dout.dtype).set(dout);
    return [dx, dy];
  }
}
