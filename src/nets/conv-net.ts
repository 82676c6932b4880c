import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { defaultBackend } from '../backend/default-backend.js';
import { Rng } from '../random/rng.js';
import type { Layer } from '../layers/layer.js';
import { Affine } from '../layers/affine.js';
import { BatchNormalization } from '../layers/batch-normalization.js';
import { Convolution } from '../layers/convolution.js';
import { Pooling } from '../layers/pooling.js';
import { ReLU } from '../layers/relu.js';
import { windowOutputSize } from '../ops/window.js';
import { Sequential } from './sequential.js';
import { affineParams, convParams } from './weight-init.js';
import type { NetOptions } from './multi-layer-net.js';

/** ConvNet's architecture (the `--net conv` net). */
export interface ConvNetConfig {
  /** One sample's (C, H, W). Default (1, 28, 28). */
  inputDim?: [number, number, number];
  /** Filters of each conv stage. Default [16, 32]. */
  filters?: number[];
  /** Filters are filterSize x filterSize, stride 1, no padding. Default 5. */
  filterSize?: number;
  /** BatchNormalization (per channel) between each conv and its ReLU. Default true. */
  batchnorm?: boolean;
  /** Default 100. */
  hiddenSize?: number;
  /** Default 10. */
  outputSize?: number;
}

/**
 * `scratchnet train --net conv`, LeNet-5's shape: for each entry of `filters`, conv
 * filterSize² -> (BatchNormalization) -> ReLU -> max pool 2x2 stride 2; then Affine hiddenSize ->
 * ReLU -> Affine outputSize, SoftmaxWithLoss. He init. x is (N, C, H, W); on MNIST
 * (1, 28, 28) -> (16, 24, 24) -> (16, 12, 12) -> (32, 8, 8) -> (32, 4, 4) -> 100 -> 10.
 * A second 5x5 stage costs about as much as SimpleConvNet's single one and learns faster
 * per epoch (README, "Convolutional nets"). It saves as a plain Sequential of its layers.
 */
export class ConvNet extends Sequential {
  readonly config: Required<ConvNetConfig>;

  constructor(config: ConvNetConfig = {}, options: NetOptions = {}) {
    const backend: Backend = options.backend ?? defaultBackend();
    const dtype: FloatDType = options.dtype ?? backend.dtype;
    const full: Required<ConvNetConfig> = {
      inputDim: [...(config.inputDim ?? [1, 28, 28])] as [number, number, number],
      filters: [...(config.filters ?? [16, 32])],
      filterSize: config.filterSize ?? 5,
      batchnorm: config.batchnorm ?? true,
      hiddenSize: config.hiddenSize ?? 100,
      outputSize: config.outputSize ?? 10,
    };
    const sizes = [...full.inputDim, ...full.filters, full.filterSize, full.hiddenSize, full.outputSize];
    if (full.inputDim.length !== 3 || full.filters.length === 0 || !sizes.every((v) => Number.isInteger(v) && v > 0)) {
      throw new Error(`ConvNet: sizes must be positive integers and filters non-empty, got ${JSON.stringify(full)}`);
    }
    const seed = options.seed ?? backend.rng.nextUint32();
    const rng = new Rng(seed);
    let [channels, h, w] = full.inputDim;
    const layers: Layer[] = [];
    for (const filters of full.filters) {
      // conv (valid, stride 1) then pool 2x2 stride 2
      h = windowOutputSize(windowOutputSize(h, full.filterSize, 1, 0), 2, 2, 0);
      w = windowOutputSize(windowOutputSize(w, full.filterSize, 1, 0), 2, 2, 0);
      if (!(h > 0 && w > 0)) {
        throw new Error(`ConvNet: ${full.filters.length} stages of ${full.filterSize}x${full.filterSize} conv and 2x2 pool leave nothing of a ${full.inputDim[1]}x${full.inputDim[2]} input`);
      }
      layers.push(new Convolution(...convParams(backend, filters, channels, full.filterSize, full.filterSize, 'he', rng, dtype)));
      if (full.batchnorm) layers.push(new BatchNormalization(backend.ones([filters], dtype), backend.zeros([filters], dtype)));
      layers.push(new ReLU(), new Pooling(2, 2, 2, 0, 'max'));
      channels = filters;
    }
    layers.push(
      new Affine(...affineParams(backend, channels * h * w, full.hiddenSize, 'he', rng, dtype)),
      new ReLU(),
      new Affine(...affineParams(backend, full.hiddenSize, full.outputSize, 'he', rng, dtype)),
    );
    super(layers, undefined, { inputShape: full.inputDim });
    this.config = full;
  }
}
