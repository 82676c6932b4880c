import type { Tensor } from '../backend/tensor.js';
import { shapeSize } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { Layer } from './layer.js';

/** (N, ...) -> (N, rest) as a view of the same memory; backward gives dout back in the input's shape. */
export class Flatten extends Layer {
  private inputShape: Shape | null = null;

  forward(x: Tensor): Tensor {
    x.assertLive(`${this.label}.forward`);
    this.inputShape = x.shape;
    return x.reshape(x.shape[0], -1);
  }

  backward(dout: Tensor): Tensor {
    const shape = this.kept(this.inputShape, dout);
    this.checkDout(dout, [shape[0], shapeSize(shape) / shape[0]]);
    return dout.reshape(shape);
  }
}
