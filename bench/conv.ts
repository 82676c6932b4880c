/**
 * The conv cases of the suite: every conv layer of SimpleConvNet and DeepConvNet at batch 100,
 * forward and backward (dW, db and dx) in one call, as GFLOP/s and a percentage of the ceiling;
 * and the SimpleConvNet training step. Each case can hand back what it computed.
 */
import { Convolution, DeepConvNet, SGD, SimpleConvNet, Rng } from 'scratchnet';
import type { Sequential } from 'scratchnet';
import type { Backend, Tensor } from 'scratchnet';
import type { BenchCase, Dtype } from './harness.js';
import { concatFloat64 } from './harness.js';
import { DTYPES, ceilingCaseName, scratchnetImpl } from './scratchnet.js';
import type { Backends, ScratchnetCase } from './scratchnet.js';
import { TRAIN_BATCH, TRAIN_LEARNING_RATE } from './problems.js';

/** One conv layer: input (N, C, H, W), filters (FN, C, FH, FW), padding; stride 1. */
export interface ConvShape {
  net: 'simple-conv' | 'deep-conv';
  /** 1-based position among the net's conv layers. */
  layer: number;
  x: readonly [number, number, number, number];
  w: readonly [number, number, number, number];
  pad: number;
}

const N = TRAIN_BATCH;
export const CONV_SHAPES: readonly ConvShape[] = [
  { net: 'simple-conv', layer: 1, x: [N, 1, 28, 28], w: [30, 1, 5, 5], pad: 0 },
  { net: 'deep-conv', layer: 1, x: [N, 1, 28, 28], w: [16, 1, 3, 3], pad: 1 },
  { net: 'deep-conv', layer: 2, x: [N, 16, 28, 28], w: [16, 16, 3, 3], pad: 1 },
  { net: 'deep-conv', layer: 3, x: [N, 16, 14, 14], w: [32, 16, 3, 3], pad: 1 },
  { net: 'deep-conv', layer: 4, x: [N, 32, 14, 14], w: [32, 32, 3, 3], pad: 2 },
  { net: 'deep-conv', layer: 5, x: [N, 32, 8, 8], w: [64, 32, 3, 3], pad: 1 },
  { net: 'deep-conv', layer: 6, x: [N, 64, 8, 8], w: [64, 64, 3, 3], pad: 1 },
];

/** "conv simple-conv 1 (100,1,28,28)*(30,1,5,5) pad 0". */
export function convCaseName(s: ConvShape): string {
  return `conv ${s.net} ${s.layer} (${s.x.join(',')})*(${s.w.join(',')}) pad ${s.pad}`;
}

/** Output (N, FN, OH, OW) of a stride-1 conv. */
export function convOutputShape(s: ConvShape): [number, number, number, number] {
  return [s.x[0], s.w[0], s.x[2] + 2 * s.pad - s.w[2] + 1, s.x[3] + 2 * s.pad - s.w[3] + 1];
}

/** The three GEMMs (forward, dW, dx), each 2 * (N * OH * OW) * FN * (C * FH * FW) flops. */
export function convFlops(s: ConvShape): number {
  const [n, fn, oh, ow] = convOutputShape(s);
  return 3 * 2 * n * oh * ow * fn * (s.w[1] * s.w[2] * s.w[3]);
}

/** Seeded input in [0, 1), He-scaled filters and a dout in [-1, 1): the same for every dtype. */
export function makeConvProblem(s: ConvShape, seed = 3): { x: Float64Array; w: Float64Array; dout: Float64Array } {
  const rng = new Rng(seed);
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / (s.w[1] * s.w[2] * s.w[3]));
  return {
    x: Float64Array.from({ length: size(s.x) }, () => rng.uniform()),
    w: Float64Array.from({ length: size(s.w) }, () => std * rng.normal()),
    dout: Float64Array.from({ length: size(convOutputShape(s)) }, () => 2 * rng.uniform() - 1),
  };
}

/** A Convolution layer's forward and backward on one batch. output(): y, then dx, then dW. */
export function convLayerCase(backend: Backend, threads: number, shape: ConvShape, dtype: Dtype): ScratchnetCase {
  let layer: Convolution | null = null;
  let x: Tensor | null = null;
  let dout: Tensor | null = null;
  let y: Tensor | null = null;
  let dx: Tensor | null = null;
  return {
    section: 'conv layer',
    name: convCaseName(shape),
    impl: scratchnetImpl(threads),
    dtype,
    flops: convFlops(shape),
    percentOf: ceilingCaseName(threads),
    setup() {
      const p = makeConvProblem(shape);
      layer = new Convolution(backend.tensor(p.w, [...shape.w], dtype), backend.zeros([shape.w[0]], dtype), 1, shape.pad);
      x = backend.tensor(p.x, [...shape.x], dtype);
      dout = backend.tensor(p.dout, convOutputShape(shape), dtype);
    },
    fn() {
      y = layer!.forward(x!);
      dx = layer!.backward(dout!);
    },
    teardown() {
      for (const t of [...(layer?.params ?? []), ...(layer?.grads ?? []), x, dout]) t?.dispose();
      layer?.dispose();
      layer = x = dout = y = dx = null;
    },
    output() {
      const parts = [y!, dx!, layer!.grads[0]].map((t) => Float64Array.from(t.data as ArrayLike<number>));
      return concatFloat64(parts);
    },
  };
}

/** The nets whose training step the suite times. */
export type StepNet = 'SimpleConvNet' | 'DeepConvNet';

export const SIMPLE_CONV_STEP = 'train step SimpleConvNet';
export const DEEP_CONV_STEP = 'train step DeepConvNet';

/**
 * GEMM flops of one SimpleConvNet step at batch 100: the conv layer's forward and dW (the input
 * needs no gradient), and forward, dW and dx of Affine 4320 -> 100 and 100 -> 10.
 */
export function simpleConvStepGemmFlops(): number {
  const conv = CONV_SHAPES.find((s) => s.net === 'simple-conv')!;
  const [n, fn, oh, ow] = convOutputShape(conv);
  const pooled = fn * (oh / 2) * (ow / 2);
  return (2 / 3) * convFlops(conv) + 3 * 2 * n * (pooled * 100 + 100 * 10);
}

/** The book's SimpleConvNet (or DeepConvNet), one SGD step (loss, backward, update) on a seeded batch of 100 images. */
export function simpleConvStepCase(backend: Backend, threads: number, dtype: Dtype, netName: StepNet = 'SimpleConvNet'): ScratchnetCase {
  let net: Sequential | null = null;
  let sgd: SGD | null = null;
  let x: Tensor | null = null;
  let t: Tensor | null = null;
  return {
    section: 'train step',
    name: netName === 'SimpleConvNet' ? SIMPLE_CONV_STEP : DEEP_CONV_STEP,
    impl: scratchnetImpl(threads),
    dtype,
    samples: N,
    // SimpleConvNet's step is also judged as GEMM flops per second against the ceiling.
    ...(netName === 'SimpleConvNet' ? { flops: simpleConvStepGemmFlops(), percentOf: ceilingCaseName(threads) } : {}),
    setup() {
      const rng = new Rng(4);
      net = netName === 'SimpleConvNet' ? new SimpleConvNet({}, { backend, dtype, seed: 0 }) : new DeepConvNet({}, { backend, dtype, seed: 0 });
      x = backend.tensor(Float64Array.from({ length: N * 784 }, () => rng.uniform()), [N, 1, 28, 28], dtype);
      t = backend.tensor(Int32Array.from({ length: N }, () => rng.int(10)), [N], 'int32');
      sgd = new SGD(TRAIN_LEARNING_RATE);
    },
    fn() {
      const loss = net!.loss(x!, t!);
      net!.backward();
      sgd!.update(net!);
      if (!Number.isFinite(loss)) throw new Error(`scratchnet train step ${netName}: loss became ${loss}`);
    },
    teardown() {
      sgd?.dispose();
      net?.dispose();
      x?.dispose();
      t?.dispose();
      net = sgd = x = t = null;
    },
    output: () => Float64Array.from(net!.paramBlock.data as ArrayLike<number>),
  };
}

/** SimpleConvNet's forward pass (inference mode) on a seeded batch of 100 images: the part tfjs-wasm can run. */
export function simpleConvForwardCase(backend: Backend, threads: number, dtype: Dtype): ScratchnetCase {
  let net: SimpleConvNet | null = null;
  let x: Tensor | null = null;
  let scores: Tensor | null = null;
  return {
    section: 'train step',
    name: 'forward SimpleConvNet',
    impl: scratchnetImpl(threads),
    dtype,
    samples: N,
    setup() {
      const rng = new Rng(4);
      net = new SimpleConvNet({}, { backend, dtype, seed: 0 });
      x = backend.tensor(Float64Array.from({ length: N * 784 }, () => rng.uniform()), [N, 1, 28, 28], dtype);
    },
    fn() {
      scores = net!.inEvalMode(() => net!.forward(x!));
    },
    teardown() {
      net?.dispose();
      x?.dispose();
      net = x = scores = null;
    },
    output: () => Float64Array.from(scores!.data as ArrayLike<number>),
  };
}

/**
 * Every conv layer, the SimpleConvNet step and forward pass and the DeepConvNet step, each dtype on
 * each backend; quick mode runs several threads in float32 only.
 */
export function convCases(backends: Backends, options: { quick: boolean }): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const shape of CONV_SHAPES) {
    for (const [threads, backend] of backends) {
      for (const dtype of DTYPES) {
        if (options.quick && threads > 1 && dtype !== 'float32') continue;
        cases.push(convLayerCase(backend, threads, shape, dtype));
      }
    }
  }
  for (const [threads, backend] of backends) {
    for (const dtype of DTYPES) {
      if (options.quick && threads > 1 && dtype !== 'float32') continue;
      cases.push(simpleConvStepCase(backend, threads, dtype));
      cases.push(simpleConvForwardCase(backend, threads, dtype));
      cases.push(simpleConvStepCase(backend, threads, dtype, 'DeepConvNet'));
    }
  }
  return cases;
}
