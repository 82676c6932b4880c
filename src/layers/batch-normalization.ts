import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { checkFloats } from '../ops/check.js';
import { batchNorm, batchNormBackward } from '../ops/batchnorm.js';
import type { BatchNormKept } from '../ops/batchnorm.js';
import { Layer } from './layer.js';

/** Options of `new BatchNormalization(gamma, beta, options)`. */
export interface BatchNormalizationOptions {
  /** Added to the variance before the square root. Default 1e-6 (the book's 10e-7). */
  eps?: number;
  /** Initial running mean, (C,). Default zeros. Taken over by the layer. */
  runningMean?: Tensor;
  /** Initial running variance, (C,). Default ones (so a fresh layer in inference mode is the identity). */
  runningVar?: Tensor;
}

/**
 * The book's BatchNormalization: y = gamma * (x - mean) / sqrt(var + eps) + beta, per feature of
 * (N, D) or per channel of (N, C, H, W) (statistics over N, H and W, as PyTorch's BatchNorm2d and
 * ONNX do; the book's own code flattens to per feature). gamma, beta are (C,).
 * Training mode uses the batch's mean and variance and updates the running averages
 * (running = momentum * running + (1 - momentum) * batch); inference mode uses the running ones.
 * The running mean and variance are the layer's `state`: saved with a net, never trained.
 */
export class BatchNormalization extends Layer {
  readonly eps: number;
  private saved: BatchNormKept | null = null;
  private trainedBy: boolean | null = null;

  constructor(
    gamma: Tensor,
    beta: Tensor,
    readonly momentum = 0.9,
    options: BatchNormalizationOptions = {},
  ) {
    super();
    checkFloats('BatchNormalization', gamma, beta);
    if (gamma.rank !== 1 || beta.rank !== 1 || gamma.size !== beta.size) {
      throw new Error(`BatchNormalization: gamma and beta must both be (C,), got ${formatShape(gamma.shape)} and ${formatShape(beta.shape)}`);
    }
    if (!(momentum >= 0 && momentum <= 1)) throw new Error(`BatchNormalization: momentum must be in [0, 1], got ${momentum}`);
    this.eps = options.eps ?? 1e-6;
    if (!(this.eps > 0 && Number.isFinite(this.eps))) throw new Error(`BatchNormalization: eps must be a positive number, got ${this.eps}`);
    const c = gamma.size;
    const running = (t: Tensor | undefined, what: string, fill: number): Tensor => {
      if (t === undefined) return gamma.backend.full([c], fill, gamma.dtype);
      checkFloats('BatchNormalization', gamma, t);
      if (t.size !== c) throw new Error(`BatchNormalization: ${what} ${formatShape(t.shape)} must hold the ${c} channels of gamma`);
      return t;
    };
    this.adoptParams([gamma, beta], ['gamma', 'beta']);
    this.state = [running(options.runningMean, 'running mean', 0), running(options.runningVar, 'running variance', 1)];
    this.stateNames = ['running_mean', 'running_var'];
  }

  get channels(): number {
    return this.params[0].size;
  }
  get runningMean(): Tensor {
    return this.state[0];
  }
  get runningVar(): Tensor {
    return this.state[1];
  }

  override get label(): string {
    return `BatchNormalization(${this.channels})`;
  }

  forward(x: Tensor): Tensor {
    x.assertLive(`${this.label}.forward`);
    if ((x.rank !== 2 && x.rank !== 4) || x.shape[1] !== this.channels) {
      throw new Error(`${this.label}: input must be (N, ${this.channels}) or (N, ${this.channels}, H, W), got ${formatShape(x.shape)}`);
    }
    const [gamma, beta] = this.params;
    const y = this.buffer(x.backend, 'out', x.shape, gamma.dtype);
    const kept = { xn: this.buffer(x.backend, 'xn', x.shape, gamma.dtype), invStd: this.buffer(x.backend, 'invStd', [this.channels], gamma.dtype) };
    batchNorm(x, { gamma, beta, runningMean: this.runningMean, runningVar: this.runningVar }, { training: this.training, momentum: this.momentum, eps: this.eps }, y, kept);
    this.saved = kept;
    this.trainedBy = this.training;
    return y;
  }

  backward(dout: Tensor): Tensor {
    const kept = this.kept(this.saved, dout);
    this.checkDout(dout, kept.xn.shape);
    const dx = this.buffer(dout.backend, 'dx', dout.shape, dout.dtype);
    const [dgamma, dbeta] = this.grads;
    return batchNormBackward(dout, kept, this.params[0], this.trainedBy!, dx, dgamma, dbeta);
  }

  override dispose(): void {
    super.dispose();
    for (const t of this.state) t.dispose();
  }
}
