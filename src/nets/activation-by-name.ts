import type { Layer } from '../layers/layer.js';
import { Sigmoid } from '../layers/sigmoid.js';
import { ReLU } from '../layers/relu.js';
import { Tanh } from '../layers/tanh.js';
import { LeakyReLU } from '../layers/leaky-relu.js';
import { ELU } from '../layers/elu.js';
import { Identity } from '../layers/identity.js';

/**
 * Every activation layer by name, in one table: net configs, net files (netSpec), the CLI and the
 * demo read it, so a new activation is its own layer file plus one row here. `alpha` is the
 * layer's one parameter where it has one (LeakyReLU's slope, ELU's scale; their defaults if omitted).
 */
const ACTIVATION_TABLE = {
  relu: () => new ReLU(),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
  'leaky-relu': (alpha?: number) => new LeakyReLU(alpha),
  elu: (alpha?: number) => new ELU(alpha),
  identity: () => new Identity(),
} satisfies Record<string, (alpha?: number) => Layer>;

/** An activation by name: 'relu', 'sigmoid', 'tanh', ... (see ACTIVATIONS). */
export type ActivationName = keyof typeof ACTIVATION_TABLE;

/** Activation names a net config (and the CLI) accepts, in the table's order. */
export const ACTIVATIONS = Object.keys(ACTIVATION_TABLE) as ActivationName[];

/** True when `name` is one of ACTIVATIONS. */
export function isActivationName(name: unknown): name is ActivationName {
  return typeof name === 'string' && Object.hasOwn(ACTIVATION_TABLE, name);
}

/** The layer for an activation name; `alpha` is LeakyReLU's slope or ELU's scale (their defaults if omitted). */
export function activationLayer(name: ActivationName, alpha?: number): Layer {
  if (!isActivationName(name)) {
    throw new Error(`unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATIONS.join(', ')}`);
  }
  return ACTIVATION_TABLE[name](alpha);
}
