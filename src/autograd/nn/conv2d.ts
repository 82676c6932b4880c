import type { Tensor } from '../../backend/tensor.js';
import type { Backend } from '../../backend/backend.js';
import type { FloatDType } from '../../backend/dtype.js';
import { defaultBackend } from '../../backend/default-backend.js';
import { checkWindowParams } from '../../ops/window.js';
import { Rng } from '../../random/rng.js';
import { convParams } from '../../nets/weight-init.js';
import type { WeightInit } from '../../nets/weight-init.js';
import { conv2d } from '../ops/conv2d.js';
import type { Variable } from '../variable.js';
import { Module } from './module.js';

/** Options of `Conv2d`: stride, padding, init, bias, dtype and backend. */
export interface Conv2dOptions {
  stride?: number;
  pad?: number;
  /** Default 'he' (std sqrt(2 / (inChannels FH FW))), the init the conv nets give their Convolution layers. */
  init?: WeightInit;
  /** Seed of the init; default: the backend's PRNG. */
  seed?: number;
  bias?: boolean;
  dtype?: FloatDType;
  backend?: Backend;
}

/**
 * 2-D convolution: x (N, inChannels, H, W) to y (N, outChannels, OH, OW) with W (outChannels,
 * inChannels, FH, FW) — PyTorch's nn.Conv2d.weight layout, as the book's Convolution keeps it — and
 * b (outChannels,). `kernel` is FH = FW, or [FH, FW]. Init as the conv nets: W ~ N(0, std²), b = 0.
 */
export class Conv2d extends Module {
  readonly W: Variable;
  readonly b: Variable | null;
  readonly stride: number;
  readonly pad: number;

  constructor(readonly inChannels: number, readonly outChannels: number, kernel: number | [number, number], options: Conv2dOptions = {}) {
    super();
    for (const [name, n] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(n) || n <= 0) throw new Error(`Conv2d: ${name} must be a positive integer, got ${n}`);
    }
    const [fh, fw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    this.stride = options.stride ?? 1;
    this.pad = options.pad ?? 0;
    checkWindowParams('Conv2d', { height: fh, width: fw, stride: this.stride, pad: this.pad });
    const backend = options.backend ?? defaultBackend();
    const rng = options.seed !== undefined ? new Rng(options.seed) : backend.rng;
    const [W, b] = convParams(backend, outChannels, inChannels, fh, fw, options.init ?? 'he', rng, options.dtype ?? backend.dtype);
    [this.W, this.b] = this.adoptWeightAndBias(W, b, options.bias ?? true);
  }

  forward(x: Variable | Tensor): Variable {
    return conv2d(x, this.W, this.b ?? undefined, { stride: this.stride, pad: this.pad });
  }
}
