/**
 * One training run of the demo: a MultiLayerNet or a ConvNet, an optimizer (by name) and a Trainer over a
 * training set in wasm memory. The page's Web Worker trains it with `trainAsync` (Trainer.fitAsync,
 * which yields between batches so messages are answered); the browser tests train the same run
 * with `train` (Trainer.fit) in Node and compare the params hash bit for bit.
 */
import { ConvNet, MultiLayerNet, OPTIMIZERS, Trainer, isOptimizerName, optimizerByName, paramsHash } from 'scratchnet';
import type { BatchInfo, BatchSource, FitAsyncOptions, FitOptions, FloatDType, Optimizer, OptimizerName, Sequential } from 'scratchnet';

export type { OptimizerName };

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
  readonly trainer: Trainer;
  readonly batchesPerEpoch: number;

  constructor(
    readonly train: BatchSource,
    readonly config: RunConfig,
  ) {
    const { batchSize, optimizer, seed } = config;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > train.count) {
      throw new Error(`TrainingRun: batchSize must be an integer in [1, ${train.count}], got ${batchSize}`);
    }
    if (!isOptimizerName(optimizer)) {
      throw new Error(`TrainingRun: unknown optimizer ${JSON.stringify(optimizer)}; one of ${OPTIMIZERS.join(', ')}`);
    }
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`TrainingRun: seed must be an integer in [0, 2^32), got ${seed}`);
    const net = config.net ?? 'mlp';
    if (net !== 'mlp' && net !== 'conv') throw new Error(`TrainingRun: net must be 'mlp' or 'conv', got ${JSON.stringify(net)}`);
    if (net === 'conv' && train.sampleShape.length !== 3) {
      throw new Error(`TrainingRun: the conv net takes (C, H, W) samples, got (${train.sampleShape.join(', ')})`);
    }
    const inputSize = train.sampleShape.reduce((a, b) => a * b, 1);
    this.optimizer = optimizerByName(optimizer, config.learningRate);
    const options = { backend: train.backend, dtype: config.dtype, seed };
    this.net =
      net === 'conv'
        ? new ConvNet({ inputDim: [...train.sampleShape] as [number, number, number], outputSize: CLASSES }, options)
        : new MultiLayerNet({ inputSize, hiddenSizes: config.hiddenSizes, outputSize: CLASSES }, options);
    this.trainer = new Trainer(this.net, this.optimizer);
    this.batchesPerEpoch = Math.ceil(train.count / batchSize);
  }

  /** Steps done so far. */
  get step(): number {
    return this.trainer.lossHistory.length;
  }

  /** Epochs done, fractional: 1 after batchesPerEpoch steps. */
  get epochs(): number {
    return this.step / this.batchesPerEpoch;
  }

  /** The fit options of a run of `steps` steps: the seeded batch order, no evaluation of its own. */
  private options(steps: number): FitOptions {
    if (this.step > 0) throw new Error('TrainingRun: a run trains once; make a new one to train again');
    return { iterations: steps, batchSize: this.config.batchSize, seed: this.config.seed, evaluate: false };
  }

  /** Trains `steps` steps from the start (a run trains once) and returns their losses. Throws DivergenceError if the loss or a gradient stops being finite. */
  run(steps: number): Float64Array {
    this.trainer.fit(this.train, this.options(steps));
    return Float64Array.from(this.trainer.lossHistory);
  }

  /** `run`, yielding to the event loop between batches; `onBatch` sees every step; `signal` stops it. */
  async trainAsync(steps: number, options: { signal: AbortSignal; yieldEveryMs: number; onBatch: (info: BatchInfo) => void }): Promise<void> {
    const fit: FitAsyncOptions = { ...this.options(steps), ...options };
    await this.trainer.fitAsync(this.train, fit);
  }

  /** FNV-1a 64 of the params: equal in every engine for the same config and steps. */
  paramsHash(): string {
    return paramsHash(this.net);
  }

  /** Frees the optimizer's state; the net too unless `keepNet`. */
  dispose(keepNet = false): void {
    this.optimizer.dispose();
    if (!keepNet) this.net.dispose();
  }
}
