/**
 * One training run of the demo: a MultiLayerNet or a ConvNet, an optimizer and a seeded batch order over a
 * training set in wasm memory, advanced a number of steps at a time so its caller (the page's
 * Web Worker) can answer messages in between. Platform-neutral: the browser tests run the same
 * class in Node and compare the params hash bit for bit.
 */
import { AdaGrad, Adam, ConvNet, Momentum, MultiLayerNet, Nesterov, RMSprop, Rng, SGD, paramsHash } from 'scratchnet';
import type { BatchSource, FloatDType, Optimizer, Sequential, Tensor } from 'scratchnet';

export const OPTIMIZERS = {
  sgd: (lr: number) => new SGD(lr),
  momentum: (lr: number) => new Momentum(lr),
  nesterov: (lr: number) => new Nesterov(lr),
  adagrad: (lr: number) => new AdaGrad(lr),
  rmsprop: (lr: number) => new RMSprop(lr),
  adam: (lr: number) => new Adam(lr),
} satisfies Record<string, (lr: number) => Optimizer>;

export type OptimizerName = keyof typeof OPTIMIZERS;

/** 'mlp': MultiLayerNet over the pixels; 'conv': ConvNet (scratchnet train --net conv), which needs (1, 28, 28) samples. */
export type NetKind = 'mlp' | 'conv';

export interface RunConfig {
  /** Default 'mlp'. */
  net?: NetKind;
  /** Hidden layer sizes of the MLP, e.g. [256, 128]: the net is 784 -> ...hidden -> 10 with ReLU. */
  hiddenSizes: number[];
  optimizer: OptimizerName;
  learningRate: number;
  dtype: FloatDType;
  batchSize: number;
  /** Seed of the initial weights and of the batch order. */
  seed: number;
}

export const CLASSES = 10;

export class TrainingRun {
  readonly net: Sequential;
  readonly optimizer: Optimizer;
  /** Steps done so far. */
  step = 0;
  readonly batchesPerEpoch: number;
  private readonly order: Tensor;
  private readonly x: Tensor;
  private readonly t: Tensor;
  private readonly rng: Rng;

  constructor(
    readonly train: BatchSource,
    readonly config: RunConfig,
  ) {
    const { batchSize, optimizer, seed } = config;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > train.count) {
      throw new Error(`TrainingRun: batchSize must be an integer in [1, ${train.count}], got ${batchSize}`);
    }
    if (!(optimizer in OPTIMIZERS)) {
      throw new Error(`TrainingRun: unknown optimizer ${JSON.stringify(optimizer)}; one of ${Object.keys(OPTIMIZERS).join(', ')}`);
    }
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`TrainingRun: seed must be an integer in [0, 2^32), got ${seed}`);
    const backend = train.backend;
    const inputSize = train.sampleShape.reduce((a, b) => a * b, 1);
    const net = config.net ?? 'mlp';
    if (net !== 'mlp' && net !== 'conv') throw new Error(`TrainingRun: net must be 'mlp' or 'conv', got ${JSON.stringify(net)}`);
    if (net === 'conv' && train.sampleShape.length !== 3) {
      throw new Error(`TrainingRun: the conv net takes (C, H, W) samples, got (${train.sampleShape.join(', ')})`);
    }
    this.optimizer = OPTIMIZERS[optimizer](config.learningRate);
    const options = { backend, dtype: config.dtype, seed };
    this.net =
      net === 'conv'
        ? new ConvNet({ inputDim: [...train.sampleShape] as [number, number, number], outputSize: CLASSES }, options)
        : new MultiLayerNet({ inputSize, hiddenSizes: config.hiddenSizes, outputSize: CLASSES }, options);
    // Every epoch sees every full batch once; a last partial batch is left out.
    this.batchesPerEpoch = Math.floor(train.count / batchSize);
    this.rng = new Rng(seed);
    this.order = backend.arange(0, train.count, 1, 'int32');
    this.x = backend.empty([batchSize, ...train.sampleShape], config.dtype);
    this.t = backend.empty(train.targetShape(batchSize), train.targetDType(config.dtype));
    this.net.train();
  }

  /** Epochs done, fractional: 1 after batchesPerEpoch steps. */
  get epochs(): number {
    return this.step / this.batchesPerEpoch;
  }

  /** Runs `count` more steps and returns their losses. Throws if the loss stops being finite. */
  run(count: number): Float64Array {
    const losses = new Float64Array(count);
    const n = this.config.batchSize;
    for (let i = 0; i < count; i++) {
      const batch = this.step % this.batchesPerEpoch;
      if (batch === 0) this.order.set(this.rng.permutation(this.train.count));
      this.train.fill(this.order.subview(batch * n, [n]), this.x, this.t);
      const loss = this.net.loss(this.x, this.t);
      if (!Number.isFinite(loss)) {
        throw new Error(`TrainingRun: the loss became ${loss} at step ${this.step + 1}; try a learning rate below ${this.config.learningRate}`);
      }
      this.net.backward();
      this.optimizer.update(this.net);
      losses[i] = loss;
      this.step++;
    }
    return losses;
  }

  /** FNV-1a 64 of the params: equal in every engine for the same config and steps. */
  paramsHash(): string {
    return paramsHash(this.net);
  }

  /** Frees the run's buffers; the net too unless `keepNet`. */
  dispose(keepNet = false): void {
    this.order.dispose();
    this.x.dispose();
    this.t.dispose();
    if (!keepNet) this.net.dispose();
  }
}
