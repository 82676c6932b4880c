import type { Tensor } from '../backend/tensor.js';
import type { Sequential } from '../nets/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Rng } from '../random/rng.js';
import { countCorrect, firstNonFinite } from '../ops/reduce.js';
import { lineChartSvg } from '../plot/line-chart.js';
import { TensorSource, isBatchSource, checkSourceBackend } from './batch-source.js';
import type { BatchSource } from './batch-source.js';
import type { SparseInput } from '../ops/sparse.js';
import { evaluateAccuracy, evaluateLossAndAccuracy, usesSparseInput } from './evaluate.js';
import { BatchBuffers } from './batch-buffers.js';
import { EvaluationBuffers } from './evaluation-buffers.js';
import { SubsetSource, splitSource } from './subset-source.js';
import type { Callback, HookResult } from './callback.js';
import { yieldToEventLoop, runsInBrowser } from './yield-to-event-loop.js';

/** What one epoch of `fit` / `fitAsync` measured (the record `onEpoch` and the returned history hold). */
export interface EpochInfo {
  /** 1-based epoch number. */
  epoch: number;
  /** Iterations done so far. */
  iteration: number;
  /** Mean training loss over this epoch's batches. */
  loss: number;
  trainAccuracy?: number;
  testAccuracy?: number;
  /** Mean loss and accuracy on the validation data (validationData or validationSplit), when given. */
  valLoss?: number;
  valAccuracy?: number;
  /** Seconds since fit started. */
  seconds: number;
}

/** What `onBatch` and `onBatchEnd` hooks get after each step. */
export interface BatchInfo {
  epoch: number;
  iteration: number;
  /** Batches per epoch, and this batch's position in the epoch (1-based). */
  batchesPerEpoch: number;
  batch: number;
  loss: number;
  samples: number;
}

/** How `trainAccuracy` is measured (see FitOptions.trainAccuracy). */
export type TrainAccuracyMode = 'full' | 'running';

/** Options of `Trainer.fit`. */
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
  /**
   * How `trainAccuracy` is measured: 'full' classifies the whole training set (or `evalSample` of
   * it) after each epoch with the epoch's final weights, as the book's Trainer does; 'running' is
   * the share of the epoch's batches classified right as they were trained (what Keras reports),
   * free, where 'full' costs a forward pass over the training set every epoch. Default 'full'.
   */
  trainAccuracy?: TrainAccuracyMode;
  /** Evaluate on only the first N samples of each set (the book's evaluate_sample_num_per_epoch). */
  evalSample?: number;
  /** Rows per forward pass when evaluating. Default 1000. */
  evalBatchSize?: number;
  /**
   * Feed the first layer dense batches even when the data is sparse enough (MNIST) for the path
   * that skips its zeros; for comparison. Default false.
   */
  dense?: boolean;
  /**
   * Held-out data for per-epoch valLoss and valAccuracy, all of it each epoch (also with
   * `evaluate: false`): tensors or a BatchSource. Or `validationSplit`, not both.
   */
  validationData?: { x: Tensor; t: Tensor } | BatchSource;
  /** This fraction of the training set, drawn with `seed`, is held out as validation data. */
  validationSplit?: number;
  /** Hooks called after each batch and epoch and at the end; a hook returning false stops training. */
  callbacks?: Callback[];
  /** Stops training before the next batch once aborted; fit resolves with the epochs completed. */
  signal?: AbortSignal;
  /** Returning false stops training after this batch. */
  onBatch?: (info: BatchInfo) => HookResult;
  /** Returning false stops training after this epoch. */
  onEpoch?: (info: EpochInfo) => HookResult;
}

/** Options of `Trainer.fitAsync`: those of `fit`, and how often to yield. */
export interface FitAsyncOptions extends FitOptions {
  /**
   * Give the event loop a turn between batches once this many milliseconds have passed since the
   * last turn (0: never). Default 16 in browsers (a frame), 0 in Node.
   */
  yieldEveryMs?: number;
}

/** One fit's data, sizes and buffers, checked before the first step. */
interface FitPlan {
  train: BatchSource;
  test: BatchSource | null;
  validation: BatchSource | null;
  /** Subsets made for validationSplit, freed when the fit ends. */
  subsets: SubsetSource[];
  options: FitOptions;
  batchSize: number;
  batchesPerEpoch: number;
  totalIterations: number;
  hooks: Callback[];
}

/**
 * Thrown when the loss or a gradient becomes NaN or infinite: training stops before that step's
 * update, so params (and the optimizer's state) keep the last finite step's values. A gradient
 * can go bad under a finite loss: ReLU turns a NaN input into 0 on the way forward, but the
 * weight gradient x^T dout carries it into a whole row of W.
 */
export class DivergenceError extends Error {
  constructor(
    readonly epoch: number,
    readonly iteration: number,
    lr: number,
    /** What went non-finite first. */
    readonly what: 'loss' | 'gradients' = 'loss',
  ) {
    super(
      what === 'loss'
        ? `loss became NaN or infinite at epoch ${epoch} (iteration ${iteration}); try a lower learning rate than ${lr}`
        : `gradients became NaN or infinite at epoch ${epoch} (iteration ${iteration}) while the loss was finite; ` +
          `check the training data for NaN or infinite values, or try a lower learning rate than ${lr}`,
    );
    this.name = 'DivergenceError';
  }
}

/**
 * Trains a net with an optimizer on mini-batches, as book 2's Trainer does: `fit` draws shuffled
 * batches, runs `step` (`net.gradient` and `optimizer.update`) on each, and records the loss of
 * every step and the accuracy after every epoch; `plot()` draws the loss curve as SVG.
 *
 * `fitAsync` runs the same steps in the same order (the same bits), giving the event loop a turn
 * between batches, so a page stays responsive and an AbortSignal can stop it.
 *
 * Buffers for one batch size are made once: a training step allocates nothing.
 */
export class Trainer {
  /** Loss of every step. */
  readonly lossHistory: number[] = [];
  /** Per epoch. */
  readonly trainAccuracy: number[] = [];
  readonly testAccuracy: number[] = [];
  readonly valLoss: number[] = [];
  readonly valAccuracy: number[] = [];
  readonly epochs: EpochInfo[] = [];
  /** Whether the last fit was stopped (by a signal or a hook) before its planned end. */
  stopped = false;

  constructor(
    readonly net: Sequential,
    readonly optimizer: Optimizer,
  ) {}

  /**
   * Trains on `x` (a tensor, with targets `t`) or on a batch source (MNIST, `dataset.fromArrays`, a
   * subset) for `options.epochs`, in shuffled batches of `options.batchSize`; returns one record per
   * epoch (loss, train and test accuracy, validation loss and accuracy). Throws a DivergenceError when
   * the loss or a gradient stops being finite.
   *
   * @example
   * ```ts
   * import { createBackend, dataset, TwoLayerNet, SGD, Trainer } from 'scratchnet';
   *
   * await createBackend({ threads: 1 });
   * // XOR: two inputs, two classes; a data set (x and labels together) or x and t tensors both work.
   * const xor = dataset.fromArrays([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]);
   * const net = new TwoLayerNet(2, 8, 2, 1, { activation: 'tanh', seed: 3 });
   * const trainer = new Trainer(net, new SGD(0.5));
   * const epochs = trainer.fit(xor, { epochs: 500, batchSize: 4, shuffle: false, evalSample: 4 });
   * console.log(epochs.length, epochs.at(-1)!.trainAccuracy); // prints: 500 1
   * console.log(net.predictClasses([[0, 0], [0, 1], [1, 0], [1, 1]])); // prints: [ 0, 1, 1, 0 ]
   * ```
   */
  fit(x: Tensor | BatchSource, options?: FitOptions): EpochInfo[];
  fit(x: Tensor, t: Tensor, options?: FitOptions): EpochInfo[];
  fit(x: Tensor | BatchSource, tOrOptions?: Tensor | FitOptions, maybeOptions?: FitOptions): EpochInfo[] {
    const plan = this.plan('fit', x, tOrOptions, maybeOptions);
    const history: EpochInfo[] = [];
    const run = this.run(plan, history);
    try {
      for (let r = run.next(); !r.done; r = run.next()) {
        if (r.value !== undefined) {
          r.value.catch(() => {}); // its outcome is moot: this error stops the fit
          throw new Error('Trainer.fit: a callback returned a promise (ModelCheckpoint does), which fit cannot wait for; use fitAsync');
        }
      }
    } finally {
      run.return();
    }
    return history;
  }

  /**
   * `fit`, giving the event loop a turn between batches (see `yieldEveryMs`) and awaiting hooks
   * that return promises. Resolves with the epochs completed, also when stopped by `signal` or a
   * hook; the same seed gives the same params, bit for bit, as `fit`.
   *
   * @example
   * ```ts
   * import { createBackend, dataset, MultiLayerNet, Adam, Trainer, EarlyStopping } from 'scratchnet';
   *
   * await createBackend({ threads: 1 });
   * const rows = Array.from({ length: 200 }, (_, i) => [(i % 20) / 20, Math.floor(i / 20) / 10]);
   * const data = dataset.fromArrays(rows, rows.map(([a, b]) => (a > b ? 1 : 0)));
   * const net = new MultiLayerNet({ inputSize: 2, hiddenSizes: [16], outputSize: 2 }, { seed: 0 });
   * const stop = new AbortController(); // stop.abort() (say, from a button) ends training between batches
   * const valLosses: number[] = [];
   * const epochs = await new Trainer(net, new Adam(0.01)).fitAsync(data, {
   *   epochs: 50, batchSize: 20, seed: 1, validationSplit: 0.2, signal: stop.signal,
   *   callbacks: [new EarlyStopping({ patience: 5, restoreBest: true })],
   *   onEpoch: (e) => {
   *     valLosses.push(e.valLoss!); // a page would draw a chart here; returning false stops training
   *   },
   * });
   * console.log(epochs.length, epochs.at(-1)!.valAccuracy, valLosses[49] < valLosses[0] / 5); // prints: 50 1 true
   * ```
   */
  fitAsync(x: Tensor | BatchSource, options?: FitAsyncOptions): Promise<EpochInfo[]>;
  fitAsync(x: Tensor, t: Tensor, options?: FitAsyncOptions): Promise<EpochInfo[]>;
  async fitAsync(x: Tensor | BatchSource, tOrOptions?: Tensor | FitAsyncOptions, maybeOptions?: FitAsyncOptions): Promise<EpochInfo[]> {
    const plan = this.plan('fitAsync', x, tOrOptions, maybeOptions);
    const every = (plan.options as FitAsyncOptions).yieldEveryMs ?? (runsInBrowser() ? 16 : 0);
    if (!(every >= 0 && Number.isFinite(every))) throw new Error(`Trainer.fitAsync: yieldEveryMs must be a number >= 0, got ${every}`);
    const history: EpochInfo[] = [];
    const run = this.run(plan, history);
    try {
      let lastTurn = now();
      let answer: unknown;
      for (let r = run.next(); !r.done; r = run.next(answer)) {
        answer = r.value === undefined ? undefined : await r.value;
        if (every > 0 && now() - lastTurn >= every) {
          await yieldToEventLoop();
          lastTurn = now();
        }
      }
    } finally {
      run.return();
    }
    return history;
  }

  /** Checks a fit's arguments and options (every error before any step) and sizes its batches. */
  private plan(caller: string, x: Tensor | BatchSource, tOrOptions?: Tensor | FitOptions, maybeOptions?: FitOptions): FitPlan {
    const isTensor = (v: unknown): v is Tensor => typeof v === 'object' && v !== null && 'ptr' in v && 'shape' in v;
    const options = (isTensor(tOrOptions) ? maybeOptions : tOrOptions) ?? {};
    let train: BatchSource;
    if (isBatchSource(x)) train = x;
    else if (isTensor(tOrOptions)) train = new TensorSource(x, tOrOptions);
    else throw new Error(`Trainer.${caller}: give (x, t) tensors or a data set with fill()`);
    const asSource = (d: { x: Tensor; t: Tensor } | BatchSource) => (isBatchSource(d) ? d : new TensorSource(d.x, d.t));
    const test = options.test === undefined ? null : asSource(options.test);
    let validation = options.validationData === undefined ? null : asSource(options.validationData);
    const subsets: SubsetSource[] = [];
    if (options.validationSplit !== undefined) {
      if (validation) throw new Error(`Trainer.${caller}: give validationData or validationSplit, not both`);
      const { kept, held } = splitSource(train, options.validationSplit, options.seed ?? 0, `Trainer.${caller}: validationSplit`);
      subsets.push(kept, held);
      train = kept;
      validation = held;
    }
    checkSourceBackend(`Trainer.${caller}`, train, this.net.backend);
    if (test !== null) checkSourceBackend(`Trainer.${caller} (test set)`, test, this.net.backend);
    if (validation !== null) checkSourceBackend(`Trainer.${caller} (validation set)`, validation, this.net.backend);

    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`Trainer.${caller}: batchSize must be a positive integer, got ${batchSize}`);
    if (batchSize > train.count) throw new Error(`Trainer.${caller}: batchSize ${batchSize} is larger than the ${train.count} training samples`);
    const batchesPerEpoch = Math.ceil(train.count / batchSize);
    const totalIterations = options.iterations ?? (options.epochs ?? 10) * batchesPerEpoch;
    if (!Number.isInteger(totalIterations) || totalIterations <= 0) {
      throw new Error(`Trainer.${caller}: epochs and iterations must be positive integers`);
    }
    // Checked here, not at the first evaluation an epoch later, and named as the caller wrote them.
    for (const key of ['evalSample', 'evalBatchSize'] as const) {
      const value = options[key];
      if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
        throw new Error(`Trainer.${caller}: ${key} must be a positive integer, got ${value}`);
      }
    }
    if (options.trainAccuracy !== undefined && options.trainAccuracy !== 'full' && options.trainAccuracy !== 'running') {
      throw new Error(`Trainer.${caller}: trainAccuracy must be 'full' or 'running', got ${String(options.trainAccuracy)}`);
    }
    const hooks = [...(options.callbacks ?? [])];
    for (const [i, c] of hooks.entries()) {
      if (typeof c !== 'object' || c === null) throw new Error(`Trainer.${caller}: callbacks[${i}] must be an object with onBatchEnd / onEpochEnd / onTrainEnd hooks`);
    }
    if (options.onBatch || options.onEpoch) {
      const { onBatch, onEpoch } = options;
      hooks.unshift({ onBatchEnd: onBatch && ((info) => onBatch(info)), onEpochEnd: onEpoch && ((info) => onEpoch(info)) });
    }
    return { train, test, validation, subsets, options, batchSize, batchesPerEpoch, totalIterations, hooks };
  }

  /**
   * The training itself, as a generator: it yields after each batch (undefined) and wherever a
   * hook returned a promise (the promise; whoever drives it passes the settled value back), so
   * `fit` and `fitAsync` run exactly the same steps. Completed epochs are pushed onto `history`.
   */
  private *run(plan: FitPlan, history: EpochInfo[]): Generator<Promise<unknown> | undefined, void, unknown> {
    const { train, options, batchSize, batchesPerEpoch, totalIterations, hooks } = plan;
    const net = this.net;
    const evaluate = options.evaluate ?? true;
    const running = evaluate && options.trainAccuracy === 'running';
    const rng = new Rng(options.seed ?? 0);
    const shuffle = options.shuffle ?? true;
    const signal = options.signal;

    const backend = train.backend;
    const order = backend.arange(0, train.count, 1, 'int32');
    const sparse = usesSparseInput(train, net, options.dense);
    const full = new BatchBuffers(train, batchSize, net, sparse);
    const lastSize = train.count - (batchesPerEpoch - 1) * batchSize;
    const last = lastSize === batchSize ? full : new BatchBuffers(train, lastSize, net, sparse);
    // Every epoch's evaluation draws into the same buffers; freed when the fit ends.
    const evaluation = new EvaluationBuffers();
    const started = now();
    this.stopped = false;
    net.train();
    try {
      for (const h of hooks) h.onTrainBegin?.(this);
      let iteration = 0;
      let epoch = 0;
      let stop = false;
      while (iteration < totalIterations && !stop) {
        epoch++;
        if (shuffle) order.set(rng.permutation(train.count));
        let lossSum = 0;
        let batches = 0;
        const correct = running ? { count: 0, samples: 0 } : null;
        for (let b = 0; b < batchesPerEpoch && iteration < totalIterations; b++) {
          if (signal?.aborted) {
            stop = true;
            break;
          }
          const buffers = b === batchesPerEpoch - 1 ? last : full;
          const n = buffers.x.shape[0];
          buffers.fill(order.subview(b * batchSize, [n]));
          const loss = this.trainStep(buffers.x, buffers.t, epoch, ++iteration, correct);
          lossSum += loss;
          batches++;
          const info: BatchInfo = { epoch, iteration, batchesPerEpoch, batch: b + 1, loss, samples: n };
          for (const h of hooks) {
            if (h.onBatchEnd && (yield* settle(h.onBatchEnd(info, this))) === false) stop = true;
          }
          if (stop) break;
          yield;
        }
        // An epoch cut short by a stop is not reported: its loss and accuracy would not compare.
        if (stop && batches < batchesPerEpoch && iteration < totalIterations) break;
        const runningAccuracy = correct ? correct.count / correct.samples : undefined;
        const info = this.endEpoch(plan, epoch, iteration, lossSum / batches, evaluate, evaluation, runningAccuracy, started);
        history.push(info);
        for (const h of hooks) {
          if (h.onEpochEnd && (yield* settle(h.onEpochEnd(info, this))) === false) stop = true;
        }
      }
      this.stopped = stop;
      for (const h of hooks) yield* settle(h.onTrainEnd?.(history, this));
    } finally {
      order.dispose();
      full.dispose();
      if (last !== full) last.dispose();
      evaluation.dispose();
      for (const s of plan.subsets) s.dispose();
    }
  }

  /** Evaluates after an epoch and records the figures; `runningAccuracy` stands for the train pass when given. */
  private endEpoch(
    plan: FitPlan,
    epoch: number,
    iteration: number,
    loss: number,
    evaluate: boolean,
    buffers: EvaluationBuffers,
    runningAccuracy: number | undefined,
    started: number,
  ): EpochInfo {
    const { train, test, validation, options } = plan;
    const net = this.net;
    const info: EpochInfo = { epoch, iteration, loss, seconds: 0 };
    const evalBatchSize = options.evalBatchSize ?? 1000;
    if (evaluate) {
      const evalOptions = { batchSize: evalBatchSize, limit: options.evalSample, dense: options.dense, buffers };
      info.trainAccuracy = runningAccuracy ?? evaluateAccuracy(net, train, evalOptions);
      this.trainAccuracy.push(info.trainAccuracy);
      if (test) {
        info.testAccuracy = evaluateAccuracy(net, test, evalOptions);
        this.testAccuracy.push(info.testAccuracy);
      }
    }
    if (validation) {
      const { loss: valLoss, accuracy } = evaluateLossAndAccuracy(net, validation, { batchSize: evalBatchSize, dense: options.dense, buffers });
      info.valLoss = valLoss;
      info.valAccuracy = accuracy;
      this.valLoss.push(valLoss);
      this.valAccuracy.push(accuracy);
    }
    info.seconds = (now() - started) / 1000;
    this.epochs.push(info);
    return info;
  }

  /**
   * The book's train_step: loss and gradients of one batch, x (N, ...) with targets t (int32
   * labels (N,) or one-hot (N, C)), then one optimizer update. Returns the batch's mean loss (also
   * appended to lossHistory). Throws DivergenceError, before the update, if the loss or a gradient
   * is NaN or infinite.
   */
  step(x: Tensor, t: Tensor): number {
    return this.trainStep(x, t, this.epochs.length + 1, this.lossHistory.length + 1);
  }

  /**
   * `step`, with the epoch and iteration a DivergenceError names; `correct`, when given, adds the
   * batch's rightly classified samples (from the scores the loss was computed on) and its size.
   */
  private trainStep(x: Tensor | SparseInput, t: Tensor, epoch: number, iteration: number, correct: { count: number; samples: number } | null = null): number {
    const net = this.net;
    const loss = net.loss(x, t);
    if (!Number.isFinite(loss)) throw new DivergenceError(epoch, iteration, this.optimizer.lr);
    if (correct) {
      correct.count += countCorrect(net.lastScores!, t);
      correct.samples += t.shape[0];
    }
    net.backward();
    // One read of the grad block, so that a NaN never reaches the params.
    if (firstNonFinite(net.gradBlock) >= 0) throw new DivergenceError(epoch, iteration, this.optimizer.lr, 'gradients');
    this.optimizer.update(net);
    this.lossHistory.push(loss);
    return loss;
  }

  /**
   * The loss of every step as a standalone SVG document; when accuracy was measured, a second
   * chart below it holds the train, validation and test accuracy of every epoch.
   */
  plot(options: { title?: string; width?: number; height?: number } = {}): string {
    const { width = 640, height = 400 } = options;
    const loss = lineChartSvg([{ name: 'training loss', values: this.lossHistory }], {
      title: options.title ?? 'Training loss',
      xLabel: 'iteration',
      yLabel: 'loss',
      width,
      height,
      yMin: 0,
    });
    const accuracies = [
      { name: 'train accuracy', values: this.trainAccuracy },
      { name: 'validation accuracy', values: this.valAccuracy },
      { name: 'test accuracy', values: this.testAccuracy },
    ].filter((series) => series.values.length > 0);
    if (accuracies.length === 0) return loss;
    const accuracy = lineChartSvg(accuracies, { title: 'Accuracy', xLabel: 'epoch (from 0)', yLabel: 'accuracy', width, height, yMin: 0, yMax: 1 });
    // Two charts, one above the other, as nested <svg> elements of one document.
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${2 * height}" viewBox="0 0 ${width} ${2 * height}">\n` +
      `${loss.replace('<svg ', '<svg y="0" ')}\n${accuracy.replace('<svg ', `<svg y="${height}" `)}\n</svg>\n`
    );
  }
}

/** A hook's result, waited for through the generator's driver when it is a promise. */
function* settle(result: HookResult | void | Promise<void>): Generator<Promise<unknown>, unknown, unknown> {
  if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') return yield result as Promise<unknown>;
  return result;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
