import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { defaultBackend } from '../backend/default-backend.js';
import { Rng } from '../random/rng.js';
import type { Layer } from '../layers/layer.js';
import { Affine } from '../layers/affine.js';
import { Dropout } from '../layers/dropout.js';
import { BatchNormalization } from '../layers/batch-normalization.js';
import { Sequential } from './sequential.js';
import { affineParams } from './weight-init.js';
import type { WeightInit } from './weight-init.js';
import { activationLayer } from './activation-by-name.js';
import type { ActivationName } from './activation-by-name.js';

/** MultiLayerNet's architecture: inputSize -> hiddenSizes[0] -> ... -> outputSize. */
export interface MultiLayerNetConfig {
  inputSize: number;
  hiddenSizes: number[];
  outputSize: number;
  /** Default 'relu'. */
  activation?: ActivationName;
  /** Default 'he' for relu-like activations, 'xavier' otherwise. */
  weightInit?: WeightInit;
  /** L2 weight decay λ. Default 0. */
  weightDecay?: number;
  /** Dropout ratio after each hidden activation (0 = none). Default 0. */
  dropout?: number;
  /** BatchNormalization between each hidden Affine and its activation (the book's MultiLayerNetExtend). Default false. */
  useBatchnorm?: boolean;
}

/** Where a net lives and how its weights are drawn (every net class takes these). */
export interface NetOptions {
  /** Default: the default backend. */
  backend?: Backend;
  /** Default: the backend's dtype. */
  dtype?: FloatDType;
  /** Seed for weight init and dropout masks. Default: drawn from the backend's PRNG. */
  seed?: number;
}

/**
 * The book's MultiLayerNet: Affine (-> BatchNormalization) -> activation (-> Dropout) for each hidden size, then Affine,
 * then SoftmaxWithLoss. `new MultiLayerNet({ inputSize: 784, hiddenSizes: [100, 100], outputSize: 10 })`.
 *
 * @example
 * ```ts
 * import { createBackend, MultiLayerNet } from 'scratchnet';
 *
 * await createBackend({ threads: 1 });
 * const net = new MultiLayerNet(
 *   { inputSize: 784, hiddenSizes: [100, 100], outputSize: 10, activation: 'relu', weightInit: 'he', weightDecay: 1e-4 },
 *   { seed: 0 },
 * );
 * console.log(net.params.map((p) => p.shape.join('x')).join(' ')); // prints: 784x100 100 100x100 100 100x10 10
 * ```
 */
export class MultiLayerNet extends Sequential {
  readonly config: Required<MultiLayerNetConfig>;

  constructor(config: MultiLayerNetConfig, options: NetOptions = {}) {
    const backend = options.backend ?? defaultBackend();
    const dtype = options.dtype ?? backend.dtype;
    const activation = config.activation ?? 'relu';
    const full: Required<MultiLayerNetConfig> = {
      inputSize: config.inputSize,
      hiddenSizes: [...(config.hiddenSizes ?? [])],
      outputSize: config.outputSize,
      activation,
      weightInit: config.weightInit ?? (activation === 'relu' || activation === 'leaky-relu' || activation === 'elu' ? 'he' : 'xavier'),
      weightDecay: config.weightDecay ?? 0,
      dropout: config.dropout ?? 0,
      useBatchnorm: config.useBatchnorm ?? false,
    };
    const sizes = [full.inputSize, ...full.hiddenSizes, full.outputSize];
    for (const s of sizes) {
      if (!Number.isInteger(s) || s <= 0) throw new Error(`MultiLayerNet: layer sizes must be positive integers, got [${sizes.join(', ')}]`);
    }
    if (!(full.dropout >= 0 && full.dropout < 1)) throw new Error(`MultiLayerNet: dropout must be in [0, 1), got ${full.dropout}`);
    const seed = options.seed ?? backend.rng.nextUint32();
    const rng = new Rng(seed);
    const layers: Layer[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Affine(...affineParams(backend, sizes[i], sizes[i + 1], full.weightInit, rng, dtype)));
      if (i + 2 < sizes.length) {
        if (full.useBatchnorm) layers.push(new BatchNormalization(backend.ones([sizes[i + 1]], dtype), backend.zeros([sizes[i + 1]], dtype)));
        layers.push(activationLayer(activation));
        if (full.dropout > 0) layers.push(new Dropout(full.dropout, { seed: seed + i + 1 }));
      }
    }
    super(layers, undefined, { weightDecay: full.weightDecay });
    this.config = full;
  }
}
