/**
 * The book's SimpleConvNet in TensorFlow.js, written the way a tfjs user writes it (variables,
 * optimizer.minimize): conv 30 5x5 -> ReLU -> max pool 2x2 -> Affine 100 -> ReLU -> Affine 10.
 * tfjs-cpu trains it; tfjs-wasm only runs its forward pass, since that backend has no
 * Conv2DBackpropFilter kernel (tfjs#8474), so minimize fails there.
 *
 * Layouts: tfjs images are NHWC and filters (FH, FW, C, FN). With C = 1, NCHW and NHWC images
 * are the same bytes; the pooled (12, 12, 30) features flatten in HWC order, not scratchnet's CHW,
 * so `fromScratchnet` permutes the rows of the first Affine weight to match.
 */
import * as tf from '@tensorflow/tfjs';
import type { BenchCase } from '../harness.js';
import { TRAIN_BATCH, TRAIN_LEARNING_RATE, makeSimpleConvProblem } from '../problems.js';
import type { SimpleConvParams } from '../problems.js';
import { useTfjsBackend } from './tfjs.js';
import type { TfjsBackend } from './tfjs.js';

const FN = 30;
const K = 5;
const POOLED = 12;
const HIDDEN = 100;
const CLASSES = 10;

export class TfjsSimpleConvNet {
  private readonly vars: tf.Variable[];
  private readonly x: tf.Tensor4D;
  private readonly oneHotLabels: tf.Tensor;
  private readonly optimizer: tf.SGDOptimizer;

  /** Built on the active backend from params in scratchnet's layouts; x is (batch, 784). */
  constructor(params: SimpleConvParams, x: Float32Array, labels: Int32Array) {
    const batch = labels.length;
    // W1 (FN, 1, K, K) -> (K, K, 1, FN).
    const w1 = new Float32Array(params.W1.length);
    for (let f = 0; f < FN; f++) for (let i = 0; i < K * K; i++) w1[i * FN + f] = params.W1[f * K * K + i];
    // W2 rows in CHW order (c * 144 + p) -> HWC order (p * 30 + c).
    const w2 = new Float32Array(params.W2.length);
    for (let c = 0; c < FN; c++) {
      for (let p = 0; p < POOLED * POOLED; p++) {
        w2.set(params.W2.subarray((c * POOLED * POOLED + p) * HIDDEN, (c * POOLED * POOLED + p + 1) * HIDDEN), (p * FN + c) * HIDDEN);
      }
    }
    const inits: tf.Tensor[] = [
      tf.tensor4d(w1, [K, K, 1, FN]), tf.tensor1d(params.b1),
      tf.tensor2d(w2, [FN * POOLED * POOLED, HIDDEN]), tf.tensor1d(params.b2),
      tf.tensor2d(params.W3, [HIDDEN, CLASSES]), tf.tensor1d(params.b3),
    ];
    this.vars = inits.map((t) => tf.variable(t));
    tf.dispose(inits);
    this.x = tf.tensor4d(x, [batch, 28, 28, 1]);
    this.oneHotLabels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES), 'float32'));
    this.optimizer = tf.train.sgd(TRAIN_LEARNING_RATE);
  }

  /** Scores (batch, 10). */
  forward(): tf.Tensor2D {
    const [w1, b1, w2, b2, w3, b3] = this.vars;
    const conv = tf.relu(tf.add(tf.conv2d(this.x, w1 as tf.Tensor4D, 1, 'valid'), b1));
    const pooled = tf.maxPool(conv as tf.Tensor4D, 2, 2, 'valid');
    const flat = tf.reshape(pooled, [this.x.shape[0], -1]) as tf.Tensor2D;
    const hidden = tf.relu(tf.add(tf.matMul(flat, w2 as tf.Tensor2D), b2)) as tf.Tensor2D;
    return tf.add(tf.matMul(hidden, w3 as tf.Tensor2D), b3) as tf.Tensor2D;
  }

  /** One SGD step; returns the loss before the update. */
  trainStep(): number {
    const loss = this.optimizer.minimize(() => tf.losses.softmaxCrossEntropy(this.oneHotLabels, this.forward()) as tf.Scalar, true, this.vars);
    if (!loss) throw new Error('TfjsSimpleConvNet.trainStep: minimize returned no loss');
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  }

  dispose(): void {
    tf.dispose([...this.vars, this.x, this.oneHotLabels]);
    this.optimizer.dispose();
  }
}

/**
 * tfjs-cpu's SimpleConvNet training step (tfjs-wasm cannot train it: no Conv2DBackpropFilter)
 * and tfjs-wasm's forward pass, under the scratchnet cases' names. `batch`: the suite's 100 unless
 * a test asks for fewer (tfjs-cpu's step at 100 takes 12-25 s here).
 */
export function tfjsConvCases(batch = TRAIN_BATCH): BenchCase[] {
  const make = (backend: TfjsBackend, train: boolean): BenchCase => {
    let net: TfjsSimpleConvNet | null = null;
    return {
      section: 'train step',
      name: train ? 'train step SimpleConvNet' : 'forward SimpleConvNet',
      impl: `tfjs-${backend}`,
      dtype: 'float32',
      samples: batch,
      async setup() {
        await useTfjsBackend(backend);
        const p = makeSimpleConvProblem(batch);
        net = new TfjsSimpleConvNet(p.params, p.x, p.labels);
      },
      fn() {
        if (train) {
          if (!Number.isFinite(net!.trainStep())) throw new Error(`tfjs-${backend} SimpleConvNet: the loss is not finite`);
        } else {
          const scores = tf.tidy(() => net!.forward());
          scores.dataSync();
          scores.dispose();
        }
      },
      teardown() {
        net?.dispose();
        net = null;
      },
    };
  };
  return [make('cpu', true), make('wasm', false)];
}
