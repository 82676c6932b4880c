import type { Tensor } from '../backend/tensor.js';
import { dropout, dropoutBackward } from '../ops/elementwise.js';
import { Rng } from '../random/rng.js';
import { Layer } from './layer.js';

/**
 * Dropout (inverted, as PyTorch and Keras do it): in train mode each element is kept with
 * probability 1 - ratio and scaled by 1 / (1 - ratio), so eval mode is the identity and the
 * expected activation is the same in both. The mask comes from a seeded stream.
 */
export class Dropout extends Layer {
  private mask: Tensor | null = null;
  private shape: readonly number[] | null = null;
  private readonly rng: Rng;

  constructor(readonly ratio = 0.5, options: { seed?: number } = {}) {
    super();
    if (!(ratio >= 0 && ratio < 1)) throw new Error(`Dropout: ratio must be in [0, 1), got ${ratio}`);
    this.rng = new Rng(options.seed ?? 0);
  }

  override get label(): string {
    return `Dropout(${this.ratio})`;
  }

  forward(x: Tensor): Tensor {
    x.assertLive(`${this.label}.forward`);
    this.shape = x.shape;
    if (!this.training || this.ratio === 0) {
      this.mask = null;
      return x;
    }
    this.mask = this.buffer(x.backend, 'mask', x.shape, 'uint8');
    const out = this.buffer(x.backend, 'out', x.shape, x.dtype);
    return dropout(x, this.mask, 1 - this.ratio, this.rng.nextUint32(), out);
  }

  backward(dout: Tensor): Tensor {
    this.checkDout(dout, this.kept(this.shape, dout));
    if (this.mask === null) return dout;
    const dx = this.buffer(dout.backend, 'dx', dout.shape, dout.dtype);
    return dropoutBackward(dout, this.mask, 1 - this.ratio, dx);
  }
}
