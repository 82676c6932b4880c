import { defaultBackend } from '../backend/default-backend.js';
import { Rng } from '../random/rng.js';
import { Affine } from '../layers/affine.js';
import { Sequential } from './sequential.js';
import { affineParams } from './weight-init.js';
import { activationLayer } from './activation-by-name.js';
import type { ActivationName } from './activation-by-name.js';
import type { NetOptions } from './multi-layer-net.js';

/**
 * The book's TwoLayerNet: Affine1 -> activation -> Affine2 -> SoftmaxWithLoss, weights drawn as
 * weightInitStd * randn and biases zero. The activation is ReLU as in chapter 5 (the layered,
 * backprop version); chapter 4's sigmoid net is `{ activation: 'sigmoid' }`.
 */
export class TwoLayerNet extends Sequential {
  readonly config: { inputSize: number; hiddenSize: number; outputSize: number; weightInitStd: number; activation: ActivationName };

  constructor(
    inputSize: number,
    hiddenSize: number,
    outputSize: number,
    weightInitStd = 0.01,
    options: NetOptions & { activation?: ActivationName } = {},
  ) {
    const backend = options.backend ?? defaultBackend();
    const dtype = options.dtype ?? backend.dtype;
    for (const s of [inputSize, hiddenSize, outputSize]) {
      if (!Number.isInteger(s) || s <= 0) {
        throw new Error(`TwoLayerNet: sizes must be positive integers, got (${inputSize}, ${hiddenSize}, ${outputSize})`);
      }
    }
    const activation = options.activation ?? 'relu';
    const rng = new Rng(options.seed ?? backend.rng.nextUint32());
    super([
      new Affine(...affineParams(backend, inputSize, hiddenSize, weightInitStd, rng, dtype)),
      activationLayer(activation),
      new Affine(...affineParams(backend, hiddenSize, outputSize, weightInitStd, rng, dtype)),
    ]);
    this.config = { inputSize, hiddenSize, outputSize, weightInitStd, activation };
  }
}
