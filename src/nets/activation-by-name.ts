import type { Layer } from '../layers/layer.js';
import { Sigmoid } from '../layers/sigmoid.js';
import { ReLU } from '../layers/relu.js';
import { Tanh } from '../layers/tanh.js';
import { LeakyReLU } from '../layers/leaky-relu.js';
import { ELU } from '../layers/elu.js';
import { Identity } from '../layers/identity.js';

/** Activation names a net config (and the CLI) accepts. */
export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'leaky-relu', 'elu', 'identity'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** The layer for an activation name; `alpha` is LeakyReLU's slope or ELU's scale (their defaults if omitted). */
export function activationLayer(name: ActivationName, alpha?: number): Layer {
  switch (name) {
    case 'relu':
      return new ReLU();
    case 'sigmoid':
      return new Sigmoid();
    case 'tanh':
      return new Tanh();
    case 'leaky-relu':
      return new LeakyReLU(alpha);
    case 'elu':
      return new ELU(alpha);
    case 'identity':
      return new Identity();
    default:
      throw new Error(`unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATIONS.join(', ')}`);
  }
}
