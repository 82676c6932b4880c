import type { Tensor } from '../../backend/tensor.js';
import type { Backend } from '../../backend/backend.js';
import type { FloatDType } from '../../backend/dtype.js';
import { defaultBackend } from '../../backend/default-backend.js';
import { Rng } from '../../random/rng.js';
import { affineParams } from '../../nets/weight-init.js';
import type { WeightInit } from '../../nets/weight-init.js';
import { linear } from '../ops/linear.js';
import { flatten } from '../ops/reshape.js';
import { asVariable } from '../tape.js';
import type { Variable } from '../variable.js';
import { Module } from './module.js';

/** Options of `new nn.Linear(inputs, outputs, options)`. */
export interface LinearOptions {
  /** Default 'he' (std sqrt(2 / in)), as MultiLayerNet uses for ReLU nets. */
  init?: WeightInit;
  /** Seed of the init; default: the backend's PRNG. */
  seed?: number;
  /** Whether the layer adds a bias b (out,). Default true. */
  bias?: boolean;
  dtype?: FloatDType;
  backend?: Backend;
}

/**
 * y = x W + b: x (N, in), W (in, out) — the book's Affine layout, the transpose of PyTorch's
 * Linear.weight — b (out,). Init as the book's nets: W ~ N(0, std²), b = 0. As the book's Affine,
 * an input of rank > 2 (images (N, C, H, W)) is flattened to (N, rest) first.
 */
export class Linear extends Module {
  readonly W: Variable;
  readonly b: Variable | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [name, n] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(n) || n <= 0) throw new Error(`Linear: ${name} must be a positive integer, got ${n}`);
    }
    const backend = options.backend ?? defaultBackend();
    const rng = options.seed !== undefined ? new Rng(options.seed) : backend.rng;
    const [W, b] = affineParams(backend, inFeatures, outFeatures, options.init ?? 'he', rng, options.dtype ?? backend.dtype);
    [this.W, this.b] = this.adoptWeightAndBias(W, b, options.bias ?? true);
  }

  forward(x: Variable | Tensor): Variable {
    const vx = asVariable(x);
    return linear(vx.shape.length > 2 ? flatten(vx) : vx, this.W, this.b ?? undefined);
  }
}
