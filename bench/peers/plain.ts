/**
 * The "just write it in JS" peer: GEMM and an MLP training step in plain TypeScript on
 * Float32Array / Float64Array, with the loops a careful JS programmer writes (i-k-j order,
 * buffers made once), no SIMD and no wasm.
 */
import type { BenchCase, Dtype } from '../harness.js';
import {
  GEMM_SHAPES, MLP_SHAPES, TRAIN_BATCH, TRAIN_LEARNING_RATE,
  QUICK_SLOW_GEMM_MAX_FLOPS, QUICK_SLOW_MLP_MAX_WEIGHTS,
  gemmCaseName, gemmFlops, gemmVariantsFor, makeGemmOperands, makeTrainProblem, mlpWeightCount, trainStepCaseName,
} from '../problems.js';
import type { GemmShape, GemmVariant, HiddenActivation, MlpShape, TrainProblem } from '../problems.js';

export type FloatArray = Float32Array | Float64Array;

/** Float32Array or Float64Array, as a value: makes arrays of its own type. */
export interface FloatArrayType<A extends FloatArray> {
  new (length: number): A;
  from(values: ArrayLike<number>): A;
}

export function arrayTypeOf(dtype: Dtype): FloatArrayType<FloatArray> {
  return dtype === 'float32' ? Float32Array : Float64Array;
}

function checkLength(op: string, label: string, array: FloatArray, rows: number, cols: number): void {
  if (array.length !== rows * cols) {
    throw new Error(`${op}: ${label} must hold (${rows}, ${cols}) = ${rows * cols} numbers, got ${array.length}`);
  }
}

/** c = a * b; c is (m, n), a is (m, k), b is (k, n), all row-major. */
export function matmul(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void {
  checkLength('matmul', 'c', c, m, n);
  checkLength('matmul', 'a', a, m, k);
  checkLength('matmul', 'b', b, k, n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    c.fill(0, ci, ci + n);
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
    }
  }
}

/** c = a^T * b; c is (m, n), a is stored (k, m), b is (k, n). */
export function matmulTransA(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void {
  checkLength('matmulTransA', 'c', c, m, n);
  checkLength('matmulTransA', 'a', a, k, m);
  checkLength('matmulTransA', 'b', b, k, n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    c.fill(0, ci, ci + n);
    for (let p = 0; p < k; p++) {
      const api = a[p * m + i];
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += api * b[bp + j];
    }
  }
}

/** c = a * b^T; c is (m, n), a is (m, k), b is stored (n, k): each entry a dot product of two rows. */
export function matmulTransB(c: FloatArray, a: FloatArray, b: FloatArray, m: number, k: number, n: number): void {
  checkLength('matmulTransB', 'c', c, m, n);
  checkLength('matmulTransB', 'a', a, m, k);
  checkLength('matmulTransB', 'b', b, n, k);
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[ai + p] * b[bj + p];
      c[i * n + j] = sum;
    }
  }
}

const GEMM_BY_VARIANT = {
  'A*B': matmul,
  'A^T*B': matmulTransA,
  'A*B^T': matmulTransB,
} as const satisfies Record<GemmVariant, typeof matmul>;

/** The GEMM function for a variant, with the operand layouts described in problems.ts. */
export function plainGemm(variant: GemmVariant): typeof matmul {
  return GEMM_BY_VARIANT[variant];
}

/**
 * An MLP as in the book's MultiLayerNet: Affine -> activation -> ... -> Affine ->
 * softmax-with-loss, trained by plain SGD. Every buffer is made once for a fixed batch size.
 */
export class PlainMlp<A extends FloatArray> {
  /** weights[l] is (sizes[l], sizes[l + 1]). */
  readonly weights: A[];
  /** biases[l] is (sizes[l + 1]). */
  readonly biases: A[];
  private readonly weightGrads: A[];
  private readonly biasGrads: A[];
  /** outputs[l] is (batch, sizes[l + 1]): activations of layer l, softmax probabilities for the last. */
  private readonly outputs: A[];
  /** deltas[l] is (batch, sizes[l + 1]): d loss / d (pre-activation of layer l). */
  private readonly deltas: A[];

  constructor(
    readonly sizes: readonly number[],
    readonly activation: HiddenActivation,
    readonly batch: number,
    arrayType: FloatArrayType<A>,
    init: Pick<TrainProblem, 'weights' | 'biases'>,
  ) {
    const layers = sizes.length - 1;
    if (layers < 1 || init.weights.length !== layers || init.biases.length !== layers) {
      throw new Error(`PlainMlp: sizes [${sizes.join(', ')}] need ${layers} weight and bias arrays, got ${init.weights.length} and ${init.biases.length}`);
    }
    this.weights = [];
    this.biases = [];
    this.weightGrads = [];
    this.biasGrads = [];
    this.outputs = [];
    this.deltas = [];
    for (let l = 0; l < layers; l++) {
      const fanIn = sizes[l];
      const fanOut = sizes[l + 1];
      if (init.weights[l].length !== fanIn * fanOut || init.biases[l].length !== fanOut) {
        throw new Error(`PlainMlp: layer ${l} needs weights (${fanIn}, ${fanOut}) and biases (${fanOut}), got ${init.weights[l].length} and ${init.biases[l].length} numbers`);
      }
      this.weights.push(arrayType.from(init.weights[l]));
      this.biases.push(arrayType.from(init.biases[l]));
      this.weightGrads.push(new arrayType(fanIn * fanOut));
      this.biasGrads.push(new arrayType(fanOut));
      this.outputs.push(new arrayType(batch * fanOut));
      this.deltas.push(new arrayType(batch * fanOut));
    }
  }

  /** Mean cross-entropy of the net on x (batch, sizes[0]) with integer labels (batch); changes no weight. */
  loss(x: A, labels: Int32Array): number {
    this.checkBatch('PlainMlp.loss', x, labels);
    this.forward(x);
    return this.crossEntropy(labels);
  }

  /** One SGD step on the batch; returns the loss before the update. */
  trainStep(x: A, labels: Int32Array, learningRate: number): number {
    this.checkBatch('PlainMlp.trainStep', x, labels);
    this.forward(x);
    const loss = this.crossEntropy(labels);
    this.backward(x, labels);
    for (let l = 0; l < this.weights.length; l++) {
      sgdUpdate(this.weights[l], this.weightGrads[l], learningRate);
      sgdUpdate(this.biases[l], this.biasGrads[l], learningRate);
    }
    return loss;
  }

  private checkBatch(op: string, x: A, labels: Int32Array): void {
    const classes = this.sizes[this.sizes.length - 1];
    if (x.length !== this.batch * this.sizes[0] || labels.length !== this.batch) {
      throw new Error(`${op}: x must be (${this.batch}, ${this.sizes[0]}) and labels (${this.batch}), got ${x.length} and ${labels.length} numbers`);
    }
    for (let i = 0; i < labels.length; i++) {
      if (!(labels[i] >= 0 && labels[i] < classes)) {
        throw new Error(`${op}: label ${labels[i]} at row ${i} is outside [0, ${classes})`);
      }
    }
  }

  private forward(x: A): void {
    const last = this.weights.length - 1;
    let input: FloatArray = x;
    for (let l = 0; l <= last; l++) {
      const out = this.outputs[l];
      const fanIn = this.sizes[l];
      const fanOut = this.sizes[l + 1];
      matmul(out, input, this.weights[l], this.batch, fanIn, fanOut);
      addBias(out, this.biases[l], this.batch, fanOut);
      if (l < last) {
        if (this.activation === 'sigmoid') sigmoidInPlace(out);
        else reluInPlace(out);
      } else {
        softmaxRowsInPlace(out, this.batch, fanOut);
      }
      input = out;
    }
  }

  /** Mean of -log(p[label]) over the batch, guarded against log(0) as the book does. */
  private crossEntropy(labels: Int32Array): number {
    const probs = this.outputs[this.outputs.length - 1];
    const classes = this.sizes[this.sizes.length - 1];
    let sum = 0;
    for (let i = 0; i < this.batch; i++) sum -= Math.log(probs[i * classes + labels[i]] + 1e-7);
    return sum / this.batch;
  }

  private backward(x: A, labels: Int32Array): void {
    const last = this.weights.length - 1;
    const classes = this.sizes[last + 1];
    // softmax-with-loss backward: (p - onehot) / batch
    const top = this.deltas[last];
    const probs = this.outputs[last];
    for (let i = 0; i < top.length; i++) top[i] = probs[i] / this.batch;
    for (let i = 0; i < this.batch; i++) top[i * classes + labels[i]] -= 1 / this.batch;

    for (let l = last; l >= 0; l--) {
      const fanIn = this.sizes[l];
      const fanOut = this.sizes[l + 1];
      const delta = this.deltas[l];
      const input = l === 0 ? x : this.outputs[l - 1];
      matmulTransA(this.weightGrads[l], input, delta, fanIn, this.batch, fanOut);
      columnSums(this.biasGrads[l], delta, this.batch, fanOut);
      // The input gradient of the first layer feeds no weight: training never needs it.
      if (l > 0) {
        const below = this.deltas[l - 1];
        matmulTransB(below, delta, this.weights[l], this.batch, fanOut, fanIn);
        if (this.activation === 'sigmoid') sigmoidBackwardInPlace(below, input);
        else reluBackwardInPlace(below, input);
      }
    }
  }
}

/** out (rows, cols) += bias (cols) on every row. */
function addBias(out: FloatArray, bias: FloatArray, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) out[row + j] += bias[j];
  }
}

/** sums (cols) = column sums of m (rows, cols). */
function columnSums(sums: FloatArray, m: FloatArray, rows: number, cols: number): void {
  sums.fill(0);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) sums[j] += m[row + j];
  }
}

function sigmoidInPlace(x: FloatArray): void {
  for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
}

function reluInPlace(x: FloatArray): void {
  for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
}

/** d *= y (1 - y), where y is the sigmoid's output. */
function sigmoidBackwardInPlace(d: FloatArray, y: FloatArray): void {
  for (let i = 0; i < d.length; i++) d[i] *= y[i] * (1 - y[i]);
}

/** d = 0 where the ReLU's output y was 0. */
function reluBackwardInPlace(d: FloatArray, y: FloatArray): void {
  for (let i = 0; i < d.length; i++) if (y[i] <= 0) d[i] = 0;
}

/** Row softmax of x (rows, cols), max-subtracted so exp never overflows. */
function softmaxRowsInPlace(x: FloatArray, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, x[row + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[row + j] - max);
      x[row + j] = e;
      sum += e;
    }
    for (let j = 0; j < cols; j++) x[row + j] /= sum;
  }
}

function sgdUpdate(param: FloatArray, grad: FloatArray, learningRate: number): void {
  for (let i = 0; i < param.length; i++) param[i] -= learningRate * grad[i];
}

const DTYPES: readonly Dtype[] = ['float32', 'float64'];

function plainGemmCase(shape: GemmShape, variant: GemmVariant, dtype: Dtype): BenchCase {
  const gemm = plainGemm(variant);
  let a: FloatArray | null = null;
  let b: FloatArray | null = null;
  let c: FloatArray | null = null;
  return {
    section: 'gemm',
    name: gemmCaseName(shape, variant),
    impl: 'plain-ts',
    dtype,
    flops: gemmFlops(shape),
    setup() {
      const arrayType = arrayTypeOf(dtype);
      const operands = makeGemmOperands(shape);
      a = arrayType.from(operands.a);
      b = arrayType.from(operands.b);
      c = new arrayType(shape.m * shape.n);
    },
    fn() {
      gemm(c!, a!, b!, shape.m, shape.k, shape.n);
    },
    teardown() {
      a = b = c = null;
    },
  };
}

function plainTrainStepCase(shape: MlpShape, dtype: Dtype): BenchCase {
  let net: PlainMlp<FloatArray> | null = null;
  let x: FloatArray | null = null;
  let labels: Int32Array | null = null;
  return {
    section: 'train step',
    name: trainStepCaseName(shape),
    impl: 'plain-ts',
    dtype,
    samples: TRAIN_BATCH,
    setup() {
      const arrayType = arrayTypeOf(dtype);
      const problem = makeTrainProblem(shape);
      net = new PlainMlp(shape.sizes, shape.activation, TRAIN_BATCH, arrayType, problem);
      x = arrayType.from(problem.x);
      labels = problem.labels;
    },
    fn() {
      const loss = net!.trainStep(x!, labels!, TRAIN_LEARNING_RATE);
      if (!Number.isFinite(loss)) throw new Error(`plain-ts ${trainStepCaseName(shape)}: loss became ${loss}`);
    },
    teardown() {
      net = x = labels = null;
    },
  };
}

/**
 * Every plain-TS case, f32 and f64. Quick mode leaves out the GEMMs above
 * QUICK_SLOW_GEMM_MAX_FLOPS and the 784-1024-1024-10 net: a second or more per call each.
 */
export function plainCases(options: { quick: boolean }): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const shape of GEMM_SHAPES) {
    if (options.quick && gemmFlops(shape) > QUICK_SLOW_GEMM_MAX_FLOPS) continue;
    for (const variant of gemmVariantsFor(shape)) {
      for (const dtype of DTYPES) cases.push(plainGemmCase(shape, variant, dtype));
    }
  }
  for (const shape of MLP_SHAPES) {
    if (options.quick && mlpWeightCount(shape) > QUICK_SLOW_MLP_MAX_WEIGHTS) continue;
    for (const dtype of DTYPES) cases.push(plainTrainStepCase(shape, dtype));
  }
  return cases;
}
