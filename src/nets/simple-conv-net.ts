import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { defaultBackend } from '../backend/default-backend.js';
import { Rng } from '../random/rng.js';
import { Affine } from '../layers/affine.js';
import { Convolution } from '../layers/convolution.js';
import { Pooling } from '../layers/pooling.js';
import { ReLU } from '../layers/relu.js';
import { windowOutputSize } from '../ops/window.js';
import { Sequential } from './sequential.js';
import { affineParams, convParams } from './weight-init.js';
import type { WeightInit } from './weight-init.js';
import type { NetOptions } from './multi-layer-net.js';

/** SimpleConvNet's architecture; the defaults are the book's. */
export interface SimpleConvNetConfig {
  /** One sample's (C, H, W). Default (1, 28, 28). */
  inputDim?: [number, number, number];
  /** Filters of the conv layer. Default 30. */
  filterNum?: number;
  /** Filters are filterSize x filterSize. Default 5. */
  filterSize?: number;
  /** Default 0. */
  pad?: number;
  /** Default 1. */
  stride?: number;
  /** Default 100. */
  hiddenSize?: number;
  /** Default 10. */
  outputSize?: number;
  /** Default 'he'. */
  weightInit?: WeightInit;
}

/**
 * The book's SimpleConvNet (chapter 7): conv (filterNum filters, filterSize²) -> ReLU ->
 * max pool 2x2 stride 2 -> Affine hiddenSize -> ReLU -> Affine outputSize, then SoftmaxWithLoss.
 * Params W1 (FN, C, FS, FS), b1, W2, b2, W3, b3 as in the book. x is (N, C, H, W).
 *
 * @example
 * ```ts
 * import { createBackend, SimpleConvNet } from 'scratchnet';
 *
 * const backend = await createBackend({ threads: 1 });
 * const net = new SimpleConvNet({ inputDim: [1, 28, 28], filterNum: 30, filterSize: 5, hiddenSize: 100, outputSize: 10 }, { seed: 0 });
 * const images = backend.rand([8, 1, 28, 28], { seed: 2 }); // x is (N, C, H, W)
 * console.log(net.predict(images).shape); // prints: [ 8, 10 ]
 * console.log(net.params[0].shape); // prints: [ 30, 1, 5, 5 ]
 * ```
 */
export class SimpleConvNet extends Sequential {
  readonly config: Required<SimpleConvNetConfig>;

  constructor(config: SimpleConvNetConfig = {}, options: NetOptions = {}) {
    const backend: Backend = options.backend ?? defaultBackend();
    const dtype: FloatDType = options.dtype ?? backend.dtype;
    const full: Required<SimpleConvNetConfig> = {
      inputDim: [...(config.inputDim ?? [1, 28, 28])] as [number, number, number],
      filterNum: config.filterNum ?? 30,
      filterSize: config.filterSize ?? 5,
      pad: config.pad ?? 0,
      stride: config.stride ?? 1,
      hiddenSize: config.hiddenSize ?? 100,
      outputSize: config.outputSize ?? 10,
      weightInit: config.weightInit ?? 'he',
    };
    const [c, h, w] = full.inputDim;
    const positive = [c, h, w, full.filterNum, full.filterSize, full.stride, full.hiddenSize, full.outputSize];
    if (full.inputDim.length !== 3 || !positive.every((v) => Number.isInteger(v) && v > 0) || !(Number.isInteger(full.pad) && full.pad >= 0)) {
      throw new Error(`SimpleConvNet: sizes must be positive integers (pad >= 0), got ${JSON.stringify(full)}`);
    }
    const convH = windowOutputSize(h, full.filterSize, full.stride, full.pad);
    const convW = windowOutputSize(w, full.filterSize, full.stride, full.pad);
    const poolH = windowOutputSize(convH, 2, 2, 0);
    const poolW = windowOutputSize(convW, 2, 2, 0);
    if (!(poolH > 0 && poolW > 0)) {
      throw new Error(`SimpleConvNet: a ${full.filterSize}x${full.filterSize} conv and a 2x2 pool leave nothing of a ${h}x${w} input`);
    }
    const seed = options.seed ?? backend.rng.nextUint32();
    const rng = new Rng(seed);
    const pooled = full.filterNum * poolH * poolW;
    super([
      new Convolution(...convParams(backend, full.filterNum, c, full.filterSize, full.filterSize, full.weightInit, rng, dtype), full.stride, full.pad),
      new ReLU(),
      new Pooling(2, 2, 2, 0, 'max'),
      new Affine(...affineParams(backend, pooled, full.hiddenSize, full.weightInit, rng, dtype)),
      new ReLU(),
      new Affine(...affineParams(backend, full.hiddenSize, full.outputSize, full.weightInit, rng, dtype)),
    ], undefined, { inputShape: full.inputDim });
    this.config = full;
  }
}
