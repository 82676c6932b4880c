/**
 * One training run of the demo: a MultiLayerNet, an optimizer and a seeded batch order over a
 * training set in wasm memory, advanced a number of steps at a time so its caller (the page's
 * Web Worker) can answer messages in between. Platform-neutral: the browser tests run the same
 * class in Node and compare the params hash bit for bit.
 */
import { MultiLayerNet, OPTIMIZERS, Rng, Trainer, isOptimizerName, optimizerByName, paramsHash } from 'scratchnet';
import type { BatchSource, FloatDType, Optimizer, OptimizerName, Tensor } from 'scratchnet';

export type { OptimizerName };

export interface RunConfig {
  /** Hidden layer sizes, e.g. [256, 128]: the net is 784 -> ...hidden -> 10 with ReLU. */
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
  readonly net: MultiLayerNet;
  readonly optimizer: Optimizer;
  private readonly trainer: Trainer;
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
    if (!isOptimizerName(optimizer)) {
      throw new Error(`TrainingRun: unknown optimizer ${JSON.stringify(optimizer)}; one of ${OPTIMIZERS.join(', ')}`);
    }
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`TrainingRun: seed must be an integer in [0, 2^32), got ${seed}`);
    const backend = train.backend;
    const inputSize = train.sampleShape.reduce((a, b) => a * b, 1);
    this.optimizer = optimizerByName(optimizer, config.learningRate);
    this.net = new MultiLayerNet({ inputSize, hiddenSizes: config.hiddenSizes, outputSize: CLASSES }, { backend, dtype: config.dtype, seed });
    // Every epoch sees every full batch once; a last partial batch is left out.
    this.batchesPerEpoch = Math.floor(train.count / batchSize);
    this.rng = new Rng(seed);
    this.order = backend.arange(0, train.count, 1, 'int32');
    this.x = backend.empty([batchSize, inputSize], config.dtype);
    this.t = backend.empty(train.targetShape(batchSize), train.targetDType(config.dtype));
    this.trainer = new Trainer(this.net, this.optimizer);
    this.net.train();
  }

  /** Epochs done, fractional: 1 after batchesPerEpoch steps. */
  get epochs(): number {
    return this.step / this.batchesPerEpoch;
  }

  /** Runs `count` more steps and returns their losses. Throws DivergenceError if the loss or a gradient stops being finite. */
  run(count: number): Float64Array {
    const losses = new Float64Array(count);
    const n = this.config.batchSize;
    for (let i = 0; i < count; i++) {
      const batch = this.step % this.batchesPerEpoch;
      if (batch === 0) this.order.set(this.rng.permutation(this.train.count));
      this.train.fill(this.order.subview(batch * n, [n]), this.x, this.t);
      losses[i] = this.trainer.step(this.x, this.t);
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
