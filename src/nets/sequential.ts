import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { formatShape } from '../backend/shape.js';
import type { Layer, LossLayer } from '../layers/layer.js';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss.js';
import { Affine } from '../layers/affine.js';
import { ActivationLayer } from '../layers/activation-layer.js';
import { SparseRows } from '../backend/sparse-rows.js';
import { ByteRowsBatch } from '../backend/byte-rows-batch.js';
import type { SparseInput } from '../ops/sparse.js';
import { axpy } from '../ops/elementwise.js';
import { countCorrect, sumSquares } from '../ops/reduce.js';
import { checkInBackend, describe } from '../ops/check.js';
import type { Shape } from '../backend/shape.js';
import { predictClasses, predictProba } from './predict.js';
import type { PredictBatch, PredictSample } from './predict.js';
import { netSummary } from './summary.js';

/** Options of `new Sequential(layers, lossLayer, options)`. */
export interface SequentialOptions {
  /** L2 weight decay λ: adds 0.5 λ Σ W² to the loss and λ W to dW (weights, not biases). */
  weightDecay?: number;
  /**
   * One input sample's shape, for nets whose first layer does not fix it (a conv layer's weights
   * say nothing of the image size): summary(), predictions from plain data and exports read it.
   */
  inputShape?: Shape;
}

/**
 * A stack of layers ending in a loss layer. All params live in one block (`paramBlock`), all
 * grads in another (`gradBlock`), in the same order: weights first, then biases. Each layer's
 * `params[i]` / `grads[i]` are views into them, so an optimizer updates the whole net in one
 * kernel call, and weight decay is one call over the weights' part.
 *
 * Sequential adopts its layers' params: it copies their values into its block and disposes the
 * tensors the layers were made with.
 *
 * @example
 * ```ts
 * import { createBackend, Sequential, Affine, ReLU, SoftmaxWithLoss, spiral, Trainer, Adam } from 'scratchnet';
 *
 * const backend = await createBackend({ dtype: 'float64', threads: 1 });
 * const affine = (inputs: number, outputs: number, seed: number) =>
 *   new Affine(backend.randn([inputs, outputs], { seed, std: Math.sqrt(2 / inputs) }), backend.zeros([outputs])); // He init
 * const net = new Sequential([affine(2, 32, 1), new ReLU(), affine(32, 3, 2)], new SoftmaxWithLoss());
 * const data = spiral({ pointsPerClass: 100, classes: 3 }); // the three arms of CS231n's spiral
 * const x = backend.tensor(data.x, [data.count, 2]);
 * const t = backend.tensor(data.labels, [data.count], 'int32');
 * new Trainer(net, new Adam(0.03)).fit(x, t, { epochs: 300, batchSize: 300 });
 * console.log(net.accuracy(x, t) > 0.9); // prints: true
 * ```
 */
export class Sequential {
  readonly layers: Layer[];
  readonly lossLayer: LossLayer;
  readonly backend: Backend;
  readonly dtype: FloatDType;
  /** All params, one after another: weights then biases. */
  readonly paramBlock: Tensor;
  /** All grads, laid out like paramBlock. */
  readonly gradBlock: Tensor;
  /** Views, in layer order: [W1, b1, W2, b2, ...] for affine stacks. */
  readonly params: Tensor[] = [];
  readonly grads: Tensor[] = [];
  /** Names of params in the same order: W1, b1, W2, b2 ... */
  readonly paramNames: string[] = [];
  /** The layers' untrained state (batchnorm running averages), saved with the net; owned by the layers. */
  readonly state: Tensor[] = [];
  /** Names of state in the same order, numbered like the params: running_mean2, running_var2 ... */
  readonly stateNames: string[] = [];
  weightDecay: number;
  /** The part of the blocks that holds weights (rank >= 2 params): weight decay applies there. */
  private readonly decayParams: Tensor | null;
  private readonly decayGrads: Tensor | null;
  /** One input sample's shape, when the net was told it (the conv nets: (C, H, W)); else null. */
  readonly inputShape: Shape | null;
  /** Loss from the last `loss` or `gradient` call. */
  lastLoss = NaN;
  /** The scores (N, classes) the last `loss` was computed on: the last layer's output, valid until the next forward. */
  lastScores: Tensor | null = null;

  constructor(layers: Layer[], lossLayer: LossLayer = new SoftmaxWithLoss(), options: SequentialOptions = {}) {
    if (layers.length === 0) throw new Error('Sequential: needs at least one layer');
    this.layers = layers;
    this.lossLayer = lossLayer;
    this.weightDecay = options.weightDecay ?? 0;
    this.inputShape = options.inputShape === undefined ? null : checkInputShape(options.inputShape);
    const owned = layers.flatMap((l) => l.params);
    if (owned.length === 0) throw new Error('Sequential: no layer has params to train');
    this.backend = owned[0].backend;
    const dtype = owned[0].dtype;
    if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`Sequential: params must be float, got ${dtype}`);
    this.dtype = dtype;
    checkInBackend('Sequential', this.backend, "the first layer's params are in", ...owned);
    for (const p of owned) {
      if (p.dtype !== dtype) throw new Error(`Sequential: all params must share one dtype; found ${describe(p)} next to ${dtype}`);
    }

    // Block layout: every weight (rank >= 2), then every bias, each in layer order.
    const isWeight = (p: Tensor) => p.rank >= 2;
    const ordered = [...owned.filter(isWeight), ...owned.filter((p) => !isWeight(p))];
    const offsets = new Map<Tensor, number>();
    let total = 0;
    for (const p of ordered) {
      offsets.set(p, total);
      total += p.size;
    }
    const weightCount = owned.filter(isWeight).reduce((n, p) => n + p.size, 0);
    this.paramBlock = this.backend.empty([total], dtype);
    this.gradBlock = this.backend.zeros([total], dtype);

    let counter = 0;
    for (const layer of layers) {
      if (layer.params.length === 0) continue;
      counter++;
      const params: Tensor[] = [];
      const grads: Tensor[] = [];
      layer.params.forEach((p, i) => {
        const offset = offsets.get(p)!;
        const view = this.paramBlock.subview(offset, p.shape).set(p);
        params.push(view);
        grads.push(this.gradBlock.subview(offset, p.shape));
        p.dispose();
        layer.grads[i]?.dispose();
        this.paramNames.push(`${layer.paramNames[i] ?? `p${i}_`}${counter}`);
      });
      layer.params = params;
      layer.grads = grads;
      layer.state.forEach((t, i) => {
        this.state.push(t);
        this.stateNames.push(`${layer.stateNames[i]}${counter}`);
      });
      this.params.push(...params);
      this.grads.push(...grads);
    }
    this.decayParams = weightCount > 0 ? this.paramBlock.subview(0, [weightCount]) : null;
    this.decayGrads = weightCount > 0 ? this.gradBlock.subview(0, [weightCount]) : null;
  }

  /** Number of trainable values. */
  get paramCount(): number {
    return this.paramBlock.size;
  }

  /** Train mode: dropout active. */
  train(): this {
    for (const l of this.layers) l.training = true;
    return this;
  }

  /** Eval mode: dropout off. */
  eval(): this {
    for (const l of this.layers) l.training = false;
    return this;
  }

  /**
   * Scores (N, C) for a batch, in the last layer's buffer (valid until the next forward). The batch
   * may be sparse rows when the first layer is an Affine (see `takesSparseInput`).
   */
  forward(x: Tensor | SparseInput): Tensor {
    const layers = this.layers;
    let h: Tensor;
    let i = 0;
    if (x instanceof SparseRows || x instanceof ByteRowsBatch) {
      if (x.backend !== this.backend) throw new Error(`Sequential.forward: sparse rows are in ${x.backend}, but the net computes in ${this.backend}`);
      const first = layers[0];
      if (!(first instanceof Affine)) throw new Error(`Sequential: sparse input needs an Affine first layer, got ${first.label}`);
      // The sparse product adds the bias as it stores each sum: nothing left to fuse.
      h = first.forwardSparse(x);
      i = 1;
    } else {
      checkInBackend('Sequential.forward', this.backend, 'the net computes in', x);
      h = x;
    }
    for (; i < layers.length; i++) {
      const layer = layers[i];
      const next = layers[i + 1];
      // An Affine followed by an activation that adds a bias in its own pass (sigmoid): the
      // activation adds the Affine's bias, one pass over the product instead of two, same bits.
      if (layer instanceof Affine && next instanceof ActivationLayer && next.takesBias) {
        h = next.forwardWithBias(layer.forwardWithoutBias(h), layer.b);
        i++;
      } else {
        h = layer.forward(h);
      }
    }
    return h;
  }

  /** Whether `forward` and `loss` take sparse rows: the first layer is an Affine. */
  get takesSparseInput(): boolean {
    return this.layers[0] instanceof Affine;
  }

  /** Scores (N, C) for a batch in eval mode, as a new tensor the caller owns (dispose it). */
  predict(x: Tensor): Tensor {
    return this.inEvalMode(() => this.forward(x).clone());
  }

  /**
   * Each sample's class (argmax of its scores), in eval mode, from a tensor (N, ...), rows
   * (number[][]), a flat array with its shape, or one sample (then one number). Plain numbers out;
   * nothing to dispose.
   */
  predictClasses(x: PredictBatch): number[];
  predictClasses(x: PredictSample): number;
  predictClasses(x: PredictBatch | PredictSample): number[] | number {
    return predictClasses(this, x as PredictBatch);
  }

  /** Each sample's class probabilities (softmax, or sigmoid for SigmoidWithLoss); inputs as predictClasses. */
  predictProba(x: PredictBatch): number[][];
  predictProba(x: PredictSample): number[];
  predictProba(x: PredictBatch | PredictSample): number[][] | number[] {
    return predictProba(this, x as PredictBatch);
  }

  /**
   * A table of layers, output shapes and param counts, with the total and its bytes (as Keras's
   * model.summary()). `sampleShape`: one input's shape, when the first layer does not fix it.
   */
  summary(sampleShape?: Shape): string {
    return netSummary(this, sampleShape);
  }

  /** Run `fn` with dropout off, then restore each layer's mode. */
  inEvalMode<T>(fn: () => T): T {
    const modes = this.layers.map((l) => l.training);
    this.eval();
    try {
      return fn();
    } finally {
      this.layers.forEach((l, i) => (l.training = modes[i]));
    }
  }

  /** Mean loss of a batch (plus the weight-decay term). */
  loss(x: Tensor | SparseInput, t: Tensor): number {
    // x is checked by forward.
    checkInBackend('Sequential.loss', this.backend, 'the net computes in', t);
    const scores = this.forward(x);
    const loss = this.lossLayer.forward(scores, t) + this.weightDecayLoss();
    this.lastLoss = loss;
    this.lastScores = scores;
    return loss;
  }

  /** The weight-decay term of the loss, 0.5 λ Σ W² over the weights (0 without decay). */
  weightDecayLoss(): number {
    return this.weightDecay > 0 && this.decayParams ? 0.5 * this.weightDecay * sumSquares(this.decayParams) : 0;
  }

  /** Backprop after `loss`: fills every grad (overwriting), returns `grads`. */
  backward(): Tensor[] {
    const layers = this.layers;
    let d = this.lossLayer.backward(1);
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i];
      const below = layers[i - 1];
      if (below instanceof Affine && layer instanceof ActivationLayer && layer.takesBias) {
        // A sigmoid over an Affine (as forward fused them) sums the Affine's db while it makes dx.
        d = layer.backwardWithBiasGrad(d, below.grads[1]);
        i--;
        if (i === 0) below.backwardParams(d, true);
        else d = below.backward(d, true);
      } else if (i === 0) {
        // The first layer's dx is nobody's: backwardParams skips it.
        layer.backwardParams(d);
      } else {
        d = layer.backward(d);
      }
    }
    if (this.weightDecay > 0 && this.decayParams) axpy(this.weightDecay, this.decayParams, this.decayGrads!);
    return this.grads;
  }

  /** The book's gradient(x, t): loss forward, then backprop; returns the grads (views into gradBlock). */
  gradient(x: Tensor, t: Tensor): Tensor[] {
    this.loss(x, t);
    return this.backward();
  }

  /**
   * The book's numerical_gradient: central differences of the loss for every param element
   * (slow: two forward passes per element; for checks on small nets).
   */
  numericalGradient(x: Tensor, t: Tensor, h = 1e-4): Float64Array[] {
    return this.params.map((p) => {
      const grad = new Float64Array(p.size);
      for (let i = 0; i < p.size; i++) {
        const old = p.data[i];
        p.data[i] = old + h;
        const plus = this.loss(x, t);
        p.data[i] = old - h;
        const minus = this.loss(x, t);
        p.data[i] = old;
        grad[i] = (plus - minus) / (2 * h);
      }
      return grad;
    });
  }

  /** Fraction of rows whose top score is the target class (eval mode, batches of `batchSize` rows). */
  accuracy(x: Tensor, t: Tensor, batchSize = 1000): number {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`accuracy: batchSize must be a positive integer, got ${batchSize}`);
    return this.inEvalMode(() => this.countCorrect(x, t, batchSize)) / x.shape[0];
  }

  private countCorrect(x: Tensor, t: Tensor, batchSize: number): number {
    checkInBackend('accuracy', this.backend, 'the net computes in', x, t);
    const n = x.shape[0];
    if (t.shape[0] !== n) {
      throw new Error(`accuracy: ${n} inputs ${formatShape(x.shape)} but ${t.shape[0]} targets ${formatShape(t.shape)}`);
    }
    let correct = 0;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const whole = start === 0 && end === n;
      correct += countCorrect(this.forward(whole ? x : x.rows(start, end)), whole ? t : t.rows(start, end));
    }
    return correct;
  }

  /** Free params, grads and every layer's buffers. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.lossLayer.dispose();
    this.paramBlock.dispose();
    this.gradBlock.dispose();
  }
}

function checkInputShape(shape: Shape): Shape {
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`Sequential: inputShape must be one sample's sizes, positive integers (no batch axis), got ${JSON.stringify(shape)}`);
  }
  return [...shape];
}
