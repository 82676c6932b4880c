import type { Tensor } from '../../backend/tensor.js';
import { checkWindowParams } from '../../ops/window.js';
import { avgPool2d, maxPool2d } from '../ops/pool2d.js';
import type { PoolOptions } from '../ops/pool2d.js';
import type { Variable } from '../variable.js';
import { Module } from './module.js';

/** Pooling over size x size windows of (N, C, H, W); stride defaults to size (see pool2d). */
abstract class Pool2d extends Module {
  readonly options: PoolOptions;

  constructor(name: string, size: number, options: { stride?: number; pad?: number } = {}) {
    super();
    this.options = { size, stride: options.stride ?? size, pad: options.pad ?? 0 };
    checkWindowParams(name, { height: size, width: size, stride: this.options.stride!, pad: this.options.pad! });
  }
}

/** Max pooling over size x size windows of (N, C, H, W), as `maxPool2d`; stride defaults to size. */
export class MaxPool2d extends Pool2d {
  constructor(size: number, options: { stride?: number; pad?: number } = {}) {
    super('MaxPool2d', size, options);
  }
  forward(x: Variable | Tensor): Variable {
    return maxPool2d(x, this.options);
  }
}

/** Average pooling over size x size windows of (N, C, H, W), as `avgPool2d`; stride defaults to size. */
export class AvgPool2d extends Pool2d {
  constructor(size: number, options: { stride?: number; pad?: number } = {}) {
    super('AvgPool2d', size, options);
  }
  forward(x: Variable | Tensor): Variable {
    return avgPool2d(x, this.options);
  }
}
