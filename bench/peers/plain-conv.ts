/**
 * The book's SimpleConvNet in plain TypeScript, as the book's NumPy code does it: im2col, the
 * plain-TS GEMMs, ReLU, 2x2 max pooling with its argmax, two Affines, softmax-with-loss, SGD.
 * x is (batch, 1, 28, 28); params in scratchnet's layouts (problems.ts, SimpleConvParams).
 *   col (batch * 576, 25) -> conv (batch * 576, 30) rows (image, oy, ox) -> pooled (batch, 30, 12, 12)
 *   -> hidden (batch, 100) -> probs (batch, 10).
 */
import type { BenchCase, Dtype } from '../harness.js';
import { TRAIN_BATCH, TRAIN_LEARNING_RATE, makeSimpleConvProblem } from '../problems.js';
import type { SimpleConvParams } from '../problems.js';
import { arrayTypeOf, matmul, matmulTransA, matmulTransB } from './plain.js';
import type { FloatArray } from './plain.js';

const FN = 30;
const K = 5;
const CONV = 24;
const POOLED = 12;
const FEATURES = FN * POOLED * POOLED;
const HIDDEN = 100;
const CLASSES = 10;

export class PlainSimpleConvNet {
  /** W1 (30, 25), b1, W2 (4320, 100), b2, W3 (100, 10), b3. */
  readonly params: FloatArray[];
  private readonly grads: FloatArray[];
  private readonly col: FloatArray;
  private readonly conv: FloatArray;
  private readonly dconv: FloatArray;
  private readonly pooled: FloatArray;
  private readonly dpooled: FloatArray;
  /** Index into conv of each pooled value's max. */
  private readonly argmax: Int32Array;
  private readonly hidden: FloatArray;
  private readonly dhidden: FloatArray;
  private readonly probs: FloatArray;

  constructor(readonly batch: number, dtype: Dtype, init: SimpleConvParams) {
    const A = arrayTypeOf(dtype);
    this.params = [init.W1, init.b1, init.W2, init.b2, init.W3, init.b3].map((p) => A.from(p));
    this.grads = this.params.map((p) => new A(p.length));
    const rows = batch * CONV * CONV;
    this.col = new A(rows * K * K);
    this.conv = new A(rows * FN);
    this.dconv = new A(rows * FN);
    this.pooled = new A(batch * FEATURES);
    this.dpooled = new A(batch * FEATURES);
    this.argmax = new Int32Array(batch * FEATURES);
    this.hidden = new A(batch * HIDDEN);
    this.dhidden = new A(batch * HIDDEN);
    this.probs = new A(batch * CLASSES);
  }

  /** One SGD step on x (batch, 784) with integer labels; returns the loss before the update. */
  trainStep(x: FloatArray, labels: Int32Array, learningRate: number): number {
    if (x.length !== this.batch * 784 || labels.length !== this.batch) {
      throw new Error(`PlainSimpleConvNet.trainStep: x must be (${this.batch}, 1, 28, 28) and labels (${this.batch}), got ${x.length} and ${labels.length} numbers`);
    }
    const [W1, b1, W2, b2, W3, b3] = this.params;
    const [dW1, db1, dW2, db2, dW3, db3] = this.grads;
    const n = this.batch;
    const rows = n * CONV * CONV;

    im2col5x5(this.col, x, n);
    matmulTransB(this.conv, this.col, W1, rows, K * K, FN);
    addBiasRelu(this.conv, b1, rows, FN);
    this.maxPool();
    matmul(this.hidden, this.pooled, W2, n, FEATURES, HIDDEN);
    addBiasRelu(this.hidden, b2, n, HIDDEN);
    matmul(this.probs, this.hidden, W3, n, HIDDEN, CLASSES);
    const loss = softmaxCrossEntropy(this.probs, b3, labels, n);

    // probs now holds d loss / d scores.
    matmulTransA(dW3, this.hidden, this.probs, HIDDEN, n, CLASSES);
    columnSums(db3, this.probs, n, CLASSES);
    matmulTransB(this.dhidden, this.probs, W3, n, CLASSES, HIDDEN);
    reluBackward(this.dhidden, this.hidden);
    matmulTransA(dW2, this.pooled, this.dhidden, FEATURES, n, HIDDEN);
    columnSums(db2, this.dhidden, n, HIDDEN);
    matmulTransB(this.dpooled, this.dhidden, W2, n, HIDDEN, FEATURES);
    this.dconv.fill(0);
    for (let i = 0; i < this.argmax.length; i++) this.dconv[this.argmax[i]] = this.dpooled[i];
    reluBackward(this.dconv, this.conv);
    matmulTransA(dW1, this.dconv, this.col, FN, rows, K * K);
    columnSums(db1, this.dconv, rows, FN);

    this.params.forEach((p, i) => {
      const g = this.grads[i];
      for (let j = 0; j < p.length; j++) p[j] -= learningRate * g[j];
    });
    return loss;
  }

  /** pooled (batch, 30, 12, 12) = max of each 2x2 window of conv, the first max kept. */
  private maxPool(): void {
    for (let img = 0; img < this.batch; img++) {
      for (let f = 0; f < FN; f++) {
        for (let py = 0; py < POOLED; py++) {
          for (let px = 0; px < POOLED; px++) {
            let best = -Infinity;
            let at = 0;
            for (let dy = 0; dy < 2; dy++) {
              for (let dx = 0; dx < 2; dx++) {
                const i = ((img * CONV + 2 * py + dy) * CONV + 2 * px + dx) * FN + f;
                if (this.conv[i] > best) {
                  best = this.conv[i];
                  at = i;
                }
              }
            }
            const o = ((img * FN + f) * POOLED + py) * POOLED + px;
            this.pooled[o] = best;
            this.argmax[o] = at;
          }
        }
      }
    }
  }
}

/** col (n * 576, 25): row (img, oy, ox) holds the 5x5 window of image img at (oy, ox). */
function im2col5x5(col: FloatArray, x: FloatArray, n: number): void {
  let o = 0;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < CONV; oy++) {
      for (let ox = 0; ox < CONV; ox++) {
        for (let ky = 0; ky < K; ky++) {
          for (let kx = 0; kx < K; kx++) col[o++] = x[img * 784 + (oy + ky) * 28 + ox + kx];
        }
      }
    }
  }
}

/** out (rows, cols) = max(out + bias, 0). */
function addBiasRelu(out: FloatArray, bias: FloatArray, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = out[i * cols + j] + bias[j];
      out[i * cols + j] = v > 0 ? v : 0;
    }
  }
}

/** d = 0 where the ReLU's output y was 0. */
function reluBackward(d: FloatArray, y: FloatArray): void {
  for (let i = 0; i < d.length; i++) if (y[i] <= 0) d[i] = 0;
}

function columnSums(sums: FloatArray, m: FloatArray, rows: number, cols: number): void {
  sums.fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) sums[j] += m[i * cols + j];
}

/**
 * scores (n, 10) + bias -> mean -log softmax at the labels, returned; scores is overwritten with
 * the loss's gradient (softmax - one-hot) / n.
 */
function softmaxCrossEntropy(scores: FloatArray, bias: FloatArray, labels: Int32Array, n: number): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = i * CLASSES;
    let max = -Infinity;
    for (let j = 0; j < CLASSES; j++) {
      scores[row + j] += bias[j];
      max = Math.max(max, scores[row + j]);
    }
    let sum = 0;
    for (let j = 0; j < CLASSES; j++) sum += Math.exp(scores[row + j] - max);
    loss += Math.log(sum) - (scores[row + labels[i]] - max);
    for (let j = 0; j < CLASSES; j++) scores[row + j] = Math.exp(scores[row + j] - max) / sum / n;
    scores[row + labels[i]] -= 1 / n;
  }
  return loss / n;
}

/** The plain-TS SimpleConvNet step at batch 100, float32 and float64, under scratchnet's case name. */
export function plainConvCases(): BenchCase[] {
  return (['float32', 'float64'] as const).map((dtype): BenchCase => {
    let net: PlainSimpleConvNet | null = null;
    let x: FloatArray | null = null;
    let labels: Int32Array | null = null;
    return {
      section: 'train step',
      name: 'train step SimpleConvNet',
      impl: 'plain-ts',
      dtype,
      samples: TRAIN_BATCH,
      setup() {
        const p = makeSimpleConvProblem();
        net = new PlainSimpleConvNet(TRAIN_BATCH, dtype, p.params);
        x = arrayTypeOf(dtype).from(p.x);
        labels = p.labels;
      },
      fn() {
        if (!Number.isFinite(net!.trainStep(x!, labels!, TRAIN_LEARNING_RATE))) throw new Error(`plain-ts SimpleConvNet ${dtype}: the loss is not finite`);
      },
      teardown() {
        net = x = labels = null;
      },
    };
  });
}
