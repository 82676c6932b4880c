import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { defaultBackend } from '../backend/default-backend.js';
import { Rng } from '../random/rng.js';
import type { Layer } from '../layers/layer.js';
import { Affine } from '../layers/affine.js';
import { Convolution } from '../layers/convolution.js';
import { Dropout } from '../layers/dropout.js';
import { Pooling } from '../layers/pooling.js';
import { ReLU } from '../layers/relu.js';
import { windowOutputSize } from '../ops/window.js';
import { Sequential } from './sequential.js';
import { affineParams, convParams } from './weight-init.js';
import type { NetOptions } from './multi-layer-net.js';

/** DeepConvNet's architecture; the defaults are the book's. */
export interface DeepConvNetConfig {
  /** One sample's (C, H, W). Default (1, 28, 28). */
  inputDim?: [number, number, number];
  /** Default 50. */
  hiddenSize?: number;
  /** Default 10. */
  outputSize?: number;
  /** Ratio of both dropout layers. Default 0.5. */
  dropout?: number;
}

/** The six 3x3 convolutions: filters and padding (the fourth pads by 2, as in the book). */
const CONVS: ReadonlyArray<{ filters: number; pad: number }> = [
  { filters: 16, pad: 1 },
  { filters: 16, pad: 1 },
  { filters: 32, pad: 1 },
  { filters: 32, pad: 2 },
  { filters: 64, pad: 1 },
  { filters: 64, pad: 1 },
];

/**
 * The book's DeepConvNet (chapter 8), layer for layer:
 *   conv 16 - relu - conv 16 - relu - pool - conv 32 - relu - conv 32 - relu - pool -
 *   conv 64 - relu - conv 64 - relu - pool - affine hiddenSize - relu - dropout - affine - dropout
 * 3x3 convolutions with stride 1, 2x2 max pools with stride 2, He init, SoftmaxWithLoss.
 * For 28x28 input the pools give 14, 8 and 4, so the first Affine takes 64 * 4 * 4 = 1024 inputs.
 */
export class DeepConvNet extends Sequential {
  readonly config: Required<DeepConvNetConfig>;

  constructor(config: DeepConvNetConfig = {}, options: NetOptions = {}) {
    const backend: Backend = options.backend ?? defaultBackend();
    const dtype: FloatDType = options.dtype ?? backend.dtype;
    const full: Required<DeepConvNetConfig> = {
      inputDim: [...(config.inputDim ?? [1, 28, 28])] as [number, number, number],
      hiddenSize: config.hiddenSize ?? 50,
      outputSize: config.outputSize ?? 10,
      dropout: config.dropout ?? 0.5,
    };
    const [c, h, w] = full.inputDim;
    if (full.inputDim.length !== 3 || ![c, h, w, full.hiddenSize, full.outputSize].every((v) => Number.isInteger(v) && v > 0)) {
      throw new Error(`DeepConvNet: sizes must be positive integers, got ${JSON.stringify(full)}`);
    }
    if (!(full.dropout >= 0 && full.dropout < 1)) throw new Error(`DeepConvNet: dropout must be in [0, 1), got ${full.dropout}`);
    const seed = options.seed ?? backend.rng.nextUint32();
    const rng = new Rng(seed);
    const layers: Layer[] = [];
    let [channels, height, width] = [c, h, w];
    CONVS.forEach(({ filters, pad }, i) => {
      layers.push(new Convolution(...convParams(backend, filters, channels, 3, 3, 'he', rng, dtype), 1, pad), new ReLU());
      channels = filters;
      height = windowOutputSize(height, 3, 1, pad);
      width = windowOutputSize(width, 3, 1, pad);
      if (i % 2 === 1) {
        layers.push(new Pooling(2, 2, 2, 0, 'max'));
        height = windowOutputSize(height, 2, 2, 0);
        width = windowOutputSize(width, 2, 2, 0);
      }
    });
    if (!(height > 0 && width > 0)) throw new Error(`DeepConvNet: three 2x2 pools leave nothing of a ${h}x${w} input`);
    layers.push(
      new Affine(...affineParams(backend, channels * height * width, full.hiddenSize, 'he', rng, dtype)),
      new ReLU(),
      new Dropout(full.dropout, { seed: seed + 1 }),
      new Affine(...affineParams(backend, full.hiddenSize, full.outputSize, 'he', rng, dtype)),
      new Dropout(full.dropout, { seed: seed + 2 }),
    );
    super(layers, undefined, { inputShape: full.inputDim });
    this.config = full;
  }
}
