import type { Tensor } from '../backend/tensor.js';
import type { Sequential } from '../nets/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Rng } from '../random/rng.js';
import { lineChartSvg } from '../plot/line-chart.js';
import { TensorSource, isBatchSource } from './batch-source.js';
import type { BatchSource } from './batch-source.js';
import { BatchBuffers, evaluateAccuracy, usesSparseInput } from './evaluate.js';

export interface EpochInfo {
  /** 1-based epoch number. */
  epoch: number;
  /** Iterations done so far. */
  iteration: number;
  /** Mean training loss over this epoch's batches. */
  loss: number;
  trainAccuracy?: number;
  testAccuracy?: number;
  /** Seconds since fit started. */
  seconds: number;
}

export interface BatchInfo {
  epoch: number;
  iteration: number;
  /** Batches per epoch, and this batch's position in the epoch (1-based). */
  batchesPerEpoch: number;
  batch: number;
  loss: number;
  samples: number;
}

export interface FitOptions {
  /** Passes over the training set. Default 10 (ignored when `iterations` is given). */
  epochs?: number;
  /** Total steps instead of epochs; an "epoch" for reporting is then count / batchSize steps. */
  iterations?: number;
  /** Default 100. */
  batchSize?: number;
  /** Reshuffle every epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the batch order. Default 0. */
  seed?: number;
  /** Held-out data for per-epoch test accuracy: tensors or a BatchSource. */
  test?: { x: Tensor; t: Tensor } | BatchSource;
  /** Measure accuracy after each epoch (train and test). Default true. */
  evaluate?: boolean;
  /** Evaluate on only the first N samples of each set (the book's evaluate_sample_num_per_epoch). */
  evalSample?: number;
  /** Rows per forward pass when evaluating. Default 1000. */
  evalBatchSize?: number;
  /**
   * Feed the first layer dense batches even when the data is sparse enough (MNIST) for the path
   * that skips its zeros; for comparison. Default false.
   */
  dense?: boolean;
  onBatch?: (info: BatchInfo) => void;
  onEpoch?: (info: EpochInfo) => void;
}

/** Thrown when the loss becomes NaN or infinite: training stops, params keep the last finite step's state. */
export class DivergenceError extends Error {
  constructor(
    readonly epoch: number,
    readonly iteration: number,
    lr: number,
  ) {
    super(`loss became NaN or infinite at epoch ${epoch} (iteration ${iteration}); try a lower learning rate than ${lr}`);
    this.name = 'DivergenceError';
  }
}

/**
 * Trains a net with an optimizer on mini-batches, as book 2's Trainer does: `fit` draws shuffled
 * batches, runs `net.gradient` and `optimizer.update`, and records the loss of every step and the
 * accuracy after every epoch; `plot()` draws the loss curve as SVG.
 *
 * Buffers for one batch size are made once: a training step allocates nothing.
 */
export class Trainer {
  /** Loss of every step. */
  readonly lossHistory: number[] = [];
  /** Per epoch. */
  readonly trainAccuracy: number[] = [];
  readonly testAccuracy: number[] = [];
  readonly epochs: EpochInfo[] = [];

  constructor(
    readonly net: Sequential,
    readonly optimizer: Optimizer,
  ) {}

  fit(x: Tensor | BatchSource, options?: FitOptions): EpochInfo[];
  fit(x: Tensor, t: Tensor, options?: FitOptions): EpochInfo[];
  fit(x: Tensor | BatchSource, tOrOptions?: Tensor | FitOptions, maybeOptions?: FitOptions): EpochInfo[] {
    const isTensor = (v: unknown): v is Tensor => typeof v === 'object' && v !== null && 'ptr' in v && 'shape' in v;
    const options = (isTensor(tOrOptions) ? maybeOptions : tOrOptions) ?? {};
    let train: BatchSource;
    if (isBatchSource(x)) train = x;
    else if (isTensor(tOrOptions)) train = new TensorSource(x, tOrOptions);
    else throw new Error('Trainer.fit: give (x, t) tensors or a data set with fill()');
    const test = options.test === undefined ? null : isBatchSource(options.test) ? options.test : new TensorSource(options.test.x, options.test.t);
    const net = this.net;

    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`Trainer.fit: batchSize must be a positive integer, got ${batchSize}`);
    if (batchSize > train.count) throw new Error(`Trainer.fit: batchSize ${batchSize} is larger than the ${train.count} training samples`);
    const batchesPerEpoch = Math.ceil(train.count / batchSize);
    const totalIterations = options.iterations ?? (options.epochs ?? 10) * batchesPerEpoch;
    if (!Number.isInteger(totalIterations) || totalIterations <= 0) {
      throw new Error(`Trainer.fit: epochs and iterations must be positive integers`);
    }
    const evaluate = options.evaluate ?? true;
    const rng = new Rng(options.seed ?? 0);
    const shuffle = options.shuffle ?? true;

    const backend = train.backend;
    const order = backend.arange(0, train.count, 1, 'int32');
    const sparse = usesSparseInput(train, net, options.dense);
    const full = new BatchBuffers(train, batchSize, net, sparse);
    const lastSize = train.count - (batchesPerEpoch - 1) * batchSize;
    const last = lastSize === batchSize ? full : new BatchBuffers(train, lastSize, net, sparse);
    const started = now();
    const infos: EpochInfo[] = [];
    net.train();
    try {
      let iteration = 0;
      let epoch = 0;
      while (iteration < totalIterations) {
        epoch++;
        if (shuffle) order.set(rng.permutation(train.count));
        let lossSum = 0;
        let batches = 0;
        for (let b = 0; b < batchesPerEpoch && iteration < totalIterations; b++) {
          const buffers = b === batchesPerEpoch - 1 ? last : full;
          const n = buffers.x.shape[0];
          buffers.fill(order.subview(b * batchSize, [n]));
          const loss = net.loss(buffers.x, buffers.t);
          iteration++;
          if (!Number.isFinite(loss)) throw new DivergenceError(epoch, iteration, this.optimizer.lr);
          net.backward();
          this.optimizer.update(net);
          this.lossHistory.push(loss);
          lossSum += loss;
          batches++;
          options.onBatch?.({ epoch, iteration, batchesPerEpoch, batch: b + 1, loss, samples: n });
        }
        const info: EpochInfo = { epoch, iteration, loss: lossSum / batches, seconds: 0 };
        if (evaluate) {
          const evalOptions = { batchSize: options.evalBatchSize ?? 1000, limit: options.evalSample, dense: options.dense };
          info.trainAccuracy = evaluateAccuracy(net, train, evalOptions);
          this.trainAccuracy.push(info.trainAccuracy);
          if (test) {
            info.testAccuracy = evaluateAccuracy(net, test, evalOptions);
            this.testAccuracy.push(info.testAccuracy);
          }
        }
        info.seconds = (now() - started) / 1000;
        infos.push(info);
        this.epochs.push(info);
        options.onEpoch?.(info);
      }
    } finally {
      order.dispose();
      full.dispose();
      if (last !== full) last.dispose();
    }
    return infos;
  }

  /** The loss curve (and accuracy, if measured) as a standalone SVG document. */
  plot(options: { title?: string; width?: number; height?: number } = {}): string {
    return lineChartSvg([{ name: 'training loss', values: this.lossHistory }], {
      title: options.title ?? 'Training loss',
      xLabel: 'iteration',
      yLabel: 'loss',
      width: options.width,
      height: options.height,
      yMin: 0,
    });
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
