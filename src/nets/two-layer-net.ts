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
 *
 * @example
 * ```ts
 * import { createBackend, TwoLayerNet, SGD } from 'scratchnet';
 *
 * const backend = await createBackend({ threads: 1 });
 * const net = new TwoLayerNet(784, 50, 10); // W = 0.01 * randn, biases 0
 * const x = backend.rand([100, 784], { seed: 1 }); // a batch of 100 inputs
 * const t = backend.tensor(Array.from({ length: 100 }, (_, i) => i % 10), [100], 'int32'); // class labels
 * const before = net.loss(x, t);
 * const optimizer = new SGD(0.1);
 * for (let i = 0; i < 20; i++) optimizer.update(net.params, net.gradient(x, t));
 * console.log(net.loss(x, t) < before); // prints: true
 * ```
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
