/**
 * The TensorFlow.js peer, on its wasm backend (XNNPACK, SIMD, one thread in Node) and its
 * plain-JS cpu backend: tf.matMul at the suite's GEMM shapes, and the training step written
 * the way a tfjs user writes it (variables, optimizer.minimize, softmaxCrossEntropy), through
 * the package a tfjs user installs (@tensorflow/tfjs, which registers every gradient) plus
 * @tensorflow/tfjs-backend-wasm. TensorFlow.js computes in float32 only.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BenchCase } from '../harness.js';
import {
  GEMM_SHAPES, MLP_SHAPES, TRAIN_BATCH, TRAIN_LEARNING_RATE,
  QUICK_SLOW_GEMM_MAX_FLOPS, QUICK_SLOW_MLP_MAX_WEIGHTS,
  gemmCaseName, gemmFlops, gemmVariantsFor, makeGemmOperands, makeTrainProblem, mlpWeightCount, trainStepCaseName,
} from '../problems.js';
import type { GemmShape, GemmVariant, MlpShape } from '../problems.js';

export type TfjsBackend = 'wasm' | 'cpu';

let wasmPathsSet = false;

/** Makes `backend` the active tfjs backend, and checks that it is, with SIMD for wasm. */
export async function useTfjsBackend(backend: TfjsBackend): Promise<void> {
  if (backend === 'wasm' && !wasmPathsSet) {
    // In Node the wasm backend reads its .wasm binaries from this folder (the package's dist/).
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(`${path.dirname(entry)}${path.sep}`);
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(backend);
  if (!ok || tf.getBackend() !== backend) {
    throw new Error(`tfjs: setBackend('${backend}') failed, the active backend is '${tf.getBackend()}'`);
  }
  if (backend === 'wasm' && !tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) {
    throw new Error('tfjs: the wasm backend started without SIMD (WASM_HAS_SIMD_SUPPORT is false)');
  }
}

/** The tfjs version and how its wasm backend runs, for the record of a benchmark run. */
export async function tfjsInfo(): Promise<{ version: string; wasmSimd: boolean; wasmThreads: boolean }> {
  await useTfjsBackend('wasm');
  return {
    version: tf.version_core,
    wasmSimd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    wasmThreads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
  };
}

/** Throws if the case left tensors behind (a leak would grow memory across cycles). */
function checkNoLeak(label: string, tensorsBefore: number): void {
  const now = tf.memory().numTensors;
  if (now !== tensorsBefore) {
    throw new Error(`tfjs ${label}: ${now - tensorsBefore} tensors leaked (${tensorsBefore} before setup, ${now} after teardown)`);
  }
}

/** A (rows, cols) float32 tensor from float64 data. */
function tensor2d(values: Float64Array, rows: number, cols: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(values), [rows, cols], 'float32');
}

/** tf.matMul at one GEMM shape; A and B are stored as the variant says (see problems.ts). */
function tfjsGemmCase(backend: TfjsBackend, shape: GemmShape, variant: GemmVariant): BenchCase {
  const name = gemmCaseName(shape, variant);
  const transposeA = variant === 'A^T*B';
  const transposeB = variant === 'A*B^T';
  let a: tf.Tensor2D | null = null;
  let b: tf.Tensor2D | null = null;
  let tensorsBefore = 0;
  return {
    section: 'gemm',
    name,
    impl: `tfjs-${backend}`,
    dtype: 'float32',
    flops: gemmFlops(shape),
    async setup() {
      await useTfjsBackend(backend);
      tensorsBefore = tf.memory().numTensors;
      const { m, k, n } = shape;
      const operands = makeGemmOperands(shape);
      a = transposeA ? tensor2d(operands.a, k, m) : tensor2d(operands.a, m, k);
      b = transposeB ? tensor2d(operands.b, n, k) : tensor2d(operands.b, k, n);
    },
    fn() {
      const c = tf.matMul(a!, b!, transposeA, transposeB);
      // Reading the result proves the product is complete when the call returns.
      c.dataSync();
      c.dispose();
    },
    teardown() {
      a?.dispose();
      b?.dispose();
      a = b = null;
      checkNoLeak(`${backend} ${name}`, tensorsBefore);
    },
  };
}

/**
 * The MLP as a tfjs user writes it: variables for the weights, the loss as a function of them,
 * optimizer.minimize for backward and the SGD update. Built on the active backend.
 */
export class TfjsMlp {
  /** weights[l] is (sizes[l], sizes[l + 1]); biases[l] is (sizes[l + 1]). */
  private readonly weights: tf.Variable[];
  private readonly biases: tf.Variable[];
  /** x is (batch, sizes[0]); oneHotLabels is (batch, classes). */
  private readonly x: tf.Tensor2D;
  private readonly oneHotLabels: tf.Tensor;
  private readonly optimizer: tf.SGDOptimizer;

  constructor(readonly shape: MlpShape, batch = TRAIN_BATCH) {
    const { sizes } = shape;
    const problem = makeTrainProblem(shape, batch);
    const classes = sizes[sizes.length - 1];
    // tf.variable shares its initial tensor's data; disposing the initial tensor leaves the variable's.
    this.weights = problem.weights.map((w, l) => {
      const init = tensor2d(w, sizes[l], sizes[l + 1]);
      const variable = tf.variable(init);
      init.dispose();
      return variable;
    });
    this.biases = problem.biases.map((b) => {
      const init = tf.tensor1d(Float32Array.from(b), 'float32');
      const variable = tf.variable(init);
      init.dispose();
      return variable;
    });
    this.x = tensor2d(problem.x, batch, sizes[0]);
    this.oneHotLabels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(problem.labels, 'int32'), classes), 'float32'));
    this.optimizer = tf.train.sgd(TRAIN_LEARNING_RATE);
  }

  /** Mean softmax cross-entropy of the net on the batch. */
  private loss(): tf.Scalar {
    let h: tf.Tensor2D = this.x;
    const last = this.weights.length - 1;
    for (let l = 0; l <= last; l++) {
      h = tf.add(tf.matMul(h, this.weights[l]), this.biases[l]);
      if (l < last) h = this.shape.activation === 'sigmoid' ? tf.sigmoid(h) : tf.relu(h);
    }
    return tf.losses.softmaxCrossEntropy(this.oneHotLabels, h) as tf.Scalar;
  }

  /** One SGD step; returns the loss before the update, read back, so the step is complete. */
  trainStep(): number {
    const loss = this.optimizer.minimize(() => this.loss(), true, [...this.weights, ...this.biases]);
    if (!loss) throw new Error('TfjsMlp.trainStep: minimize returned no loss');
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  }

  dispose(): void {
    tf.dispose([...this.weights, ...this.biases, this.x, this.oneHotLabels]);
    this.optimizer.dispose();
  }
}

function tfjsTrainStepCase(backend: TfjsBackend, shape: MlpShape): BenchCase {
  const name = trainStepCaseName(shape);
  let net: TfjsMlp | null = null;
  let tensorsBefore = 0;
  return {
    section: 'train step',
    name,
    impl: `tfjs-${backend}`,
    dtype: 'float32',
    samples: TRAIN_BATCH,
    async setup() {
      await useTfjsBackend(backend);
      tensorsBefore = tf.memory().numTensors;
      net = new TfjsMlp(shape);
    },
    fn() {
      const loss = net!.trainStep();
      if (!Number.isFinite(loss)) throw new Error(`tfjs-${backend} ${name}: loss became ${loss}`);
    },
    teardown() {
      net?.dispose();
      net = null;
      checkNoLeak(`${backend} ${name}`, tensorsBefore);
    },
  };
}

const BACKENDS: readonly TfjsBackend[] = ['wasm', 'cpu'];

/**
 * Every tfjs case on both backends. Quick mode leaves out, as slow (a second or more per call),
 * the GEMMs above QUICK_SLOW_GEMM_MAX_FLOPS on the cpu backend and in the transposed variants on
 * wasm (which run at about 1 GFLOP/s against tens for A*B), and the 784-1024-1024-10 net on cpu.
 */
export function tfjsCases(options: { quick: boolean }): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const shape of GEMM_SHAPES) {
    for (const variant of gemmVariantsFor(shape)) {
      for (const backend of BACKENDS) {
        const slow = backend === 'cpu' || variant !== 'A*B';
        if (options.quick && slow && gemmFlops(shape) > QUICK_SLOW_GEMM_MAX_FLOPS) continue;
        cases.push(tfjsGemmCase(backend, shape, variant));
      }
    }
  }
  for (const shape of MLP_SHAPES) {
    for (const backend of BACKENDS) {
      if (options.quick && backend === 'cpu' && mlpWeightCount(shape) > QUICK_SLOW_MLP_MAX_WEIGHTS) continue;
      cases.push(tfjsTrainStepCase(backend, shape));
    }
  }
  return cases;
}
