import type { Tensor } from '../backend/tensor.js';
import { Layer } from './layer.js';

/** y = x; dx = dout. Returns its input and the incoming gradient unchanged (no copy). */
export class Identity extends Layer {
  private shape: readonly number[] | null = null;

  forward(x: Tensor): Tensor {
    x.assertLive(`${this.label}.forward`);
    this.shape = x.shape;
    return x;
  }

  backward(dout: Tensor): Tensor {
    this.checkDout(dout, this.kept(this.shape, dout));
    return dout;
  }
}
