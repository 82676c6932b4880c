/**
 * What the benchmark suite computes, shared by every implementation: the GEMM shapes and
 * variants, the MLP training-step shapes, the case names that group implementations in the
 * tables, and the seeded data each of them starts from (so all impls multiply the same
 * matrices and train the same net on the same batch).
 */
import { Rng } from 'scratchnet';

/** C (m, n) = op(A) (m, k) * op(B) (k, n). */
export interface GemmShape {
  m: number;
  k: number;
  n: number;
}

/** The matrix sizes of an MLP on MNIST with batch 100 (forward shapes), plus square GEMMs. */
export const GEMM_SHAPES: readonly GemmShape[] = [
  { m: 100, k: 784, n: 100 },
  { m: 100, k: 784, n: 1024 },
  { m: 100, k: 1024, n: 1024 },
  { m: 256, k: 256, n: 256 },
  { m: 512, k: 512, n: 512 },
  { m: 1024, k: 1024, n: 1024 },
];

/**
 * How the operands are stored: 'A*B' has A (m, k) and B (k, n); 'A^T*B' stores A as (k, m)
 * (the weight gradient X^T * dY of backprop); 'A*B^T' stores B as (n, k) (the input gradient
 * dY * W^T). All three compute the same (m, n) result with the same flop count.
 */
export type GemmVariant = 'A*B' | 'A^T*B' | 'A*B^T';

export const GEMM_VARIANTS: readonly GemmVariant[] = ['A*B', 'A^T*B', 'A*B^T'];

/**
 * The variants benchmarked at a shape: all three, except at 1024^3 where only A*B runs (the
 * slower impls take seconds per call there, and 512^3 shows the transposed ones).
 */
export function gemmVariantsFor(shape: GemmShape): readonly GemmVariant[] {
  return shape.m * shape.k * shape.n >= 1024 ** 3 ? ['A*B'] : GEMM_VARIANTS;
}

/** "gemm 512x512x512" for A*B, "gemm A^T*B 512x512x512" for the transposed variants. */
export function gemmCaseName(shape: GemmShape, variant: GemmVariant): string {
  const dims = `${shape.m}x${shape.k}x${shape.n}`;
  return variant === 'A*B' ? `gemm ${dims}` : `gemm ${variant} ${dims}`;
}

/** Multiply-adds count twice. */
export function gemmFlops(shape: GemmShape): number {
  return 2 * shape.m * shape.k * shape.n;
}

/**
 * Quick mode keeps, for the impls that run near 1 GFLOP/s or below (plain-TS, tfjs-cpu, and
 * tfjs-wasm's transposed products), only the GEMMs up to this many flops: the larger ones take
 * a second or more per call.
 */
export const QUICK_SLOW_GEMM_MAX_FLOPS = 1e8;

/** The operands of one GEMM case, laid out as the variant stores them, row-major. */
export interface GemmOperands {
  /** (m, k), or (k, m) for A^T*B. */
  a: Float64Array;
  /** (k, n), or (n, k) for A*B^T. */
  b: Float64Array;
}

/** Seeded uniform operands in [-1, 1); the same numbers for every impl. */
export function makeGemmOperands(shape: GemmShape, seed = 1): GemmOperands {
  const rng = new Rng(seed);
  const a = Float64Array.from({ length: shape.m * shape.k }, () => 2 * rng.uniform() - 1);
  const b = Float64Array.from({ length: shape.k * shape.n }, () => 2 * rng.uniform() - 1);
  return { a, b };
}

export type HiddenActivation = 'sigmoid' | 'relu';

/** An MLP: layer widths from input to output, one activation for every hidden layer. */
export interface MlpShape {
  sizes: readonly number[];
  activation: HiddenActivation;
}

export const MLP_SHAPES: readonly MlpShape[] = [
  { sizes: [784, 50, 10], activation: 'sigmoid' },
  { sizes: [784, 100, 10], activation: 'sigmoid' },
  { sizes: [784, 1024, 1024, 10], activation: 'relu' },
];

export const TRAIN_BATCH = 100;
export const TRAIN_LEARNING_RATE = 0.1;

/** Weights in the net: the 784-1024-1024-10 net has 1.9 million, the sigmoid nets under 0.1 million. */
export function mlpWeightCount(shape: MlpShape): number {
  let count = 0;
  for (let l = 0; l + 1 < shape.sizes.length; l++) count += shape.sizes[l] * shape.sizes[l + 1];
  return count;
}

/** Quick mode keeps, for the impls near 1 GFLOP/s, only the nets up to this many weights. */
export const QUICK_SLOW_MLP_MAX_WEIGHTS = 1e6;

/** "train step 784-100-10 sigmoid". */
export function trainStepCaseName(shape: MlpShape): string {
  return `train step ${shape.sizes.join('-')} ${shape.activation}`;
}

/** The starting point of a training-step case. */
export interface TrainProblem {
  /** weights[l] is (sizes[l], sizes[l + 1]), row-major. */
  weights: Float64Array[];
  /** biases[l] is (sizes[l + 1]), zeros. */
  biases: Float64Array[];
  /** x is (batch, sizes[0]), pixel-like values in [0, 1). */
  x: Float64Array;
  /** labels is (batch), integers in [0, classes). */
  labels: Int32Array;
}

/**
 * Seeded weights initialised as the book does (0.01 * randn for sigmoid nets, He
 * sqrt(2 / fan_in) * randn for ReLU nets), zero biases, and a random batch.
 */
export function makeTrainProblem(shape: MlpShape, batch = TRAIN_BATCH, seed = 2): TrainProblem {
  const { sizes } = shape;
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`makeTrainProblem: sizes must be at least two positive integers, got [${sizes.join(', ')}]`);
  }
  const rng = new Rng(seed);
  const weights: Float64Array[] = [];
  const biases: Float64Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const std = shape.activation === 'relu' ? Math.sqrt(2 / sizes[l]) : 0.01;
    weights.push(Float64Array.from({ length: sizes[l] * sizes[l + 1] }, () => std * rng.normal()));
    biases.push(new Float64Array(sizes[l + 1]));
  }
  const x = Float64Array.from({ length: batch * sizes[0] }, () => rng.uniform());
  const classes = sizes[sizes.length - 1];
  const labels = new Int32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = rng.int(classes);
  return { weights, biases, x, labels };
}

// ------------------------------------------------------------------ SimpleConvNet

/** SimpleConvNet's params in scratchnet's layouts: W1 (30, 1, 5, 5), b1, W2 (4320, 100), b2, W3 (100, 10), b3. */
export interface SimpleConvParams {
  W1: Float32Array; b1: Float32Array; W2: Float32Array; b2: Float32Array; W3: Float32Array; b3: Float32Array;
}

/** He-initialised params (zero biases), x (batch, 784) in [0, 1) and labels, from one seed. */
export function makeSimpleConvProblem(batch = TRAIN_BATCH, seed = 4): { params: SimpleConvParams; x: Float32Array; labels: Int32Array } {
  const FN = 30, K = 5, POOLED = 12, HIDDEN = 100, CLASSES = 10;
  const rng = new Rng(seed);
  const normal = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => Math.sqrt(2 / fanIn) * rng.normal());
  const params = {
    W1: normal(FN * K * K, K * K), b1: new Float32Array(FN),
    W2: normal(FN * POOLED * POOLED * HIDDEN, FN * POOLED * POOLED), b2: new Float32Array(HIDDEN),
    W3: normal(HIDDEN * CLASSES, HIDDEN), b3: new Float32Array(CLASSES),
  };
  const x = Float32Array.from({ length: batch * 784 }, () => rng.uniform());
  const labels = Int32Array.from({ length: batch }, () => rng.int(CLASSES));
  return { params, x, labels };
}

