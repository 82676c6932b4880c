import type { Tensor } from '../../backend/tensor.js';
import type { Backend } from '../../backend/backend.js';
import type { FloatDType } from '../../backend/dtype.js';
import { formatShape } from '../../backend/shape.js';
import { defaultBackend } from '../../backend/default-backend.js';
import { asVariable } from '../tape.js';
import { batchNorm } from '../ops/batch-norm.js';
import { param } from '../variable.js';
import type { Variable } from '../variable.js';
import { Module } from './module.js';

/** Options of `BatchNorm2d`: momentum and eps of the running statistics, dtype and backend. */
export interface BatchNorm2dOptions {
  /** running = momentum * running + (1 - momentum) * batch (the book's convention). Default 0.9. */
  momentum?: number;
  /** Default 1e-6, as the book's BatchNormalization. */
  eps?: number;
  dtype?: FloatDType;
  backend?: Backend;
}

/**
 * Batch normalization of (N, C, H, W) per channel (PyTorch's nn.BatchNorm2d, the book's
 * BatchNormalization): gamma = 1 and beta = 0 (C,) are params; the running mean (zeros) and
 * variance (ones) are state, not params. In training mode forward uses the batch's statistics and
 * updates the running ones; after eval() it uses the running ones.
 */
export class BatchNorm2d extends Module {
  readonly gamma: Variable;
  readonly beta: Variable;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly momentum: number;
  readonly eps: number;

  constructor(readonly channels: number, options: BatchNorm2dOptions = {}) {
    super();
    if (!Number.isInteger(channels) || channels <= 0) throw new Error(`BatchNorm2d: channels must be a positive integer, got ${channels}`);
    this.momentum = options.momentum ?? 0.9;
    this.eps = options.eps ?? 1e-6;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`BatchNorm2d: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.eps > 0 && Number.isFinite(this.eps))) throw new Error(`BatchNorm2d: eps must be a positive number, got ${this.eps}`);
    const backend = options.backend ?? defaultBackend();
    const dtype = options.dtype ?? backend.dtype;
    this.gamma = param(backend.ones([channels], dtype));
    this.beta = param(backend.zeros([channels], dtype));
    this.params.push(this.gamma, this.beta);
    this.runningMean = backend.zeros([channels], dtype);
    this.runningVar = backend.ones([channels], dtype);
  }

  forward(x: Variable | Tensor): Variable {
    const vx = asVariable(x);
    if (vx.shape.length !== 4 || vx.shape[1] !== this.channels) {
      throw new Error(`BatchNorm2d(${this.channels}): input must be (N, ${this.channels}, H, W), got ${formatShape(vx.shape)}`);
    }
    return batchNorm(vx, this.gamma, this.beta, {
      training: this.training,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      momentum: this.momentum,
      eps: this.eps,
    });
  }

  protected override disposeState(): void {
    this.runningMean.dispose();
    this.runningVar.dispose();
  }
}
