/**
 * The speed and accuracy targets of issues 5 (MNIST end to end), 6 (benchmarks), 8 (threads) and
 * 13 (conv nets), each checked against the results of one suite run: the measured figure, and met or missed.
 * A target whose cases did not run (filtered out, no threads, quick mode) says so instead.
 */
import type { CaseResult, Dtype } from './harness.js';
import { formatNumber } from './table.js';
import { gemmCaseName, GEMM_SHAPES, gemmVariantsFor, MLP_SHAPES, trainStepCaseName } from './problems.js';
import type { GemmShape } from './problems.js';
import { scratchnetImpl, trainStepGemmFlops, TRAINER_STEP_IMPL } from './scratchnet.js';
import { BOOK_RUN_NAME, DEFAULT_RUN_NAME, LOAD_CASE_NAME } from './mnist-runs.js';
import { autogradImpl } from './autograd.js';
import { CONV_SHAPES, convCaseName, SIMPLE_CONV_STEP, DEEP_CONV_STEP } from './conv.js';
import type { ConvShape } from './conv.js';

export type TargetStatus = 'met' | 'missed' | 'not measured' | 'n/a (quick)';

export interface TargetResult {
  /** The issue's number, or its name when it has none here ('autograd'). */
  issue: number | string;
  target: string;
  /** The measured figure, as text ("93.1%", "1.95x", "4.2 s"). */
  measured: string;
  status: TargetStatus;
}

/** What the suite ran with. */
export interface TargetContext {
  quick: boolean;
  /** The thread count of the multi-threaded cases, or null if there were none. */
  threads: number | null;
}

const SHAPE_512: GemmShape = { m: 512, k: 512, n: 512 };
const SHAPE_100_1024: GemmShape = { m: 100, k: 1024, n: 1024 };
const SHAPE_100_784_100: GemmShape = { m: 100, k: 784, n: 100 };
const SHAPE_1024: GemmShape = { m: 1024, k: 1024, n: 1024 };
const MLP_100 = MLP_SHAPES.find((s) => s.sizes.join('-') === '784-100-10')!;
const MLP_WIDE = MLP_SHAPES.find((s) => s.sizes.join('-') === '784-1024-1024-10')!;

/** The GEMM whose rate the wide net's step is compared with: its widest layer's forward product. */
export const WIDE_NET_GEMM = SHAPE_100_1024;
/** The wide net's step may take at most this multiple of its GEMM flops at that rate (75% in GEMM). */
export const WIDE_NET_MAX_MULTIPLE = 1.33;

function pct(x: number): string {
  return `${x.toFixed(1)}%`;
}

function times(x: number): string {
  return `${formatNumber(x)}x`;
}

class Results {
  constructor(private readonly all: readonly CaseResult[]) {}

  find(name: string, impl: string, dtype: Dtype = 'float32'): CaseResult | undefined {
    return this.all.find((r) => r.name === name && r.impl === impl && r.dtype === dtype);
  }

  /** The MNIST run rows start with the run's name (quick runs add the iteration count). */
  findRun(name: string, impl: string): CaseResult | undefined {
    return this.all.find((r) => r.name.startsWith(name) && r.impl === impl);
  }
}

/** The multiple of its GEMM-rate time that the wide net's f32 step takes, with the figures behind it. */
export interface WideNetModel {
  impl: string;
  gemmFlops: number;
  gemmGflops: number;
  /** gemmFlops / the GEMM rate, ms. */
  gemmMs: number;
  stepMs: number;
  multiple: number;
}

/** The wide net's step against its GEMM flops at the rate of WIDE_NET_GEMM, for each thread count measured. */
export function wideNetModels(all: readonly CaseResult[], threadCounts: readonly number[]): WideNetModel[] {
  const results = new Results(all);
  const models: WideNetModel[] = [];
  for (const threads of threadCounts) {
    const impl = scratchnetImpl(threads);
    const gemm = results.find(gemmCaseName(WIDE_NET_GEMM, 'A*B'), impl);
    const step = results.find(trainStepCaseName(MLP_WIDE), impl);
    if (!gemm?.gflops || !step) continue;
    const gemmFlops = trainStepGemmFlops(MLP_WIDE);
    const gemmMs = (gemmFlops / (gemm.gflops * 1e9)) * 1e3;
    models.push({ impl, gemmFlops, gemmGflops: gemm.gflops, gemmMs, stepMs: step.median_ms, multiple: step.median_ms / gemmMs });
  }
  return models;
}

export function formatWideNetModels(models: readonly WideNetModel[]): string {
  if (models.length === 0) return '';
  const lines = models.map(
    (m) =>
      `- ${trainStepCaseName(MLP_WIDE)} float32, ${m.impl}: ${(m.gemmFlops / 1e9).toFixed(3)} GFLOP of GEMM per step ` +
      `/ ${formatNumber(m.gemmGflops)} GFLOP/s (${gemmCaseName(WIDE_NET_GEMM, 'A*B')} in this run) = ${formatNumber(m.gemmMs)} ms; ` +
      `the step takes ${formatNumber(m.stepMs)} ms = ${m.multiple.toFixed(2)}x that (target <= ${WIDE_NET_MAX_MULTIPLE}x), ` +
      `${pct((100 * m.gemmMs) / m.stepMs)} of the step at GEMM speed`,
  );
  return `## derived\n\n${lines.join('\n')}\n`;
}

/** DeepConvNet's 3x3 layers with 16-64 channels in and out (its first layer has one input channel). */
export const DEEP_CONV_3X3_LAYERS: readonly ConvShape[] = CONV_SHAPES.filter((s) => s.net === 'deep-conv' && s.w[1] >= 16);
/** Conv layers (forward + backward) must reach this percentage of the one-thread f32 ceiling. */
export const CONV_LAYER_MIN_PERCENT = 60;
/** The SimpleConvNet step's GEMM flops per second must reach this percentage of the ceiling. */
export const SIMPLE_CONV_STEP_MIN_PERCENT = 50;
/** f32 conv layers run this many times as fast as f64: lower means f32 wastes lanes, higher a scalar f64 path. */
export const CONV_F32_OVER_F64: readonly [number, number] = [1.8, 2.3];
/** The DeepConvNet step on two threads, as a multiple of one thread's speed. */
export const DEEP_CONV_MIN_THREAD_SPEEDUP = 1.7;

/** Every target of issues 5, 6, 8, 12, 13 and 14 and of autograd against `all`. */
export function evaluateTargets(all: readonly CaseResult[], context: TargetContext): TargetResult[] {
  const results = new Results(all);
  const out: TargetResult[] = [];
  const one = scratchnetImpl(1);
  const multi = context.threads === null ? null : scratchnetImpl(context.threads);

  /** Adds a target: `value` undefined means not measured; `met` decides the status. */
  const add = (issue: number | string, target: string, value: number | undefined, show: (v: number) => string, met: (v: number) => boolean, quickOnly = false): void => {
    if (value === undefined || !Number.isFinite(value)) {
      out.push({ issue, target, measured: '', status: 'not measured' });
      return;
    }
    const status: TargetStatus = quickOnly && context.quick ? 'n/a (quick)' : met(value) ? 'met' : 'missed';
    out.push({ issue, target, measured: show(value), status });
  };
  const percentOfCeiling = (shape: GemmShape, dtype: Dtype, impl = one) => results.find(gemmCaseName(shape, 'A*B'), impl, dtype)?.percent_of?.percent;
  /** How many times faster `fast` is than `slow` (ratio of median times). */
  const speedup = (slow: CaseResult | undefined, fast: CaseResult | undefined) => (slow && fast ? slow.median_ms / fast.median_ms : undefined);
  const dims = (s: GemmShape) => `(${s.m},${s.k},${s.n})`;

  // Issue 6: GEMM against the ceiling.
  for (const [shape, floor] of [[SHAPE_512, 90], [SHAPE_100_1024, 90], [SHAPE_100_784_100, 85]] as const) {
    add(6, `f32 GEMM ${dims(shape)} >= ${floor}% of the f32 ceiling`, percentOfCeiling(shape, 'float32'), pct, (v) => v >= floor);
  }
  for (const shape of [SHAPE_512, SHAPE_100_1024, SHAPE_1024]) {
    add(6, `f64 GEMM ${dims(shape)} >= 85% of the f64 ceiling`, percentOfCeiling(shape, 'float64'), pct, (v) => v >= 85);
  }
  for (const shape of [SHAPE_512, SHAPE_100_1024, SHAPE_1024]) {
    const name = gemmCaseName(shape, 'A*B');
    add(6, `f32 over f64 >= 1.9x, GEMM ${dims(shape)}`, speedup(results.find(name, one, 'float64'), results.find(name, one)), times, (v) => v >= 1.9);
  }
  const wideStep = trainStepCaseName(MLP_WIDE);
  add(6, `f32 over f64 >= 1.9x, train step ${MLP_WIDE.sizes.join('-')}`, speedup(results.find(wideStep, one, 'float64'), results.find(wideStep, one)), times, (v) => v >= 1.9);
  for (const shape of GEMM_SHAPES) {
    for (const variant of gemmVariantsFor(shape).filter((v) => v !== 'A*B')) {
      for (const dtype of ['float32', 'float64'] as const) {
        const plain = results.find(gemmCaseName(shape, 'A*B'), one, dtype);
        const transposed = results.find(gemmCaseName(shape, variant), one, dtype);
        // Time of the transposed product over the plain one: 1.10 is 10% slower.
        const slowdown = plain && transposed ? transposed.median_ms / plain.median_ms : undefined;
        add(6, `${dtype === 'float32' ? 'f32' : 'f64'} GEMM ${variant} ${dims(shape)} within 10% of A*B`, slowdown, (v) => `${v >= 1 ? '+' : ''}${pct(100 * (v - 1))} time`, (v) => v <= 1.1);
      }
    }
  }
  const step100 = trainStepCaseName(MLP_100);
  add(6, 'train step 784-100-10 f32 >= 8x faster than tfjs-wasm (1 thread)', speedup(results.find(step100, 'tfjs-wasm'), results.find(step100, one)), times, (v) => v >= 8);
  add(6, 'train step 784-100-10 f32 >= 25x faster than plain-ts', speedup(results.find(step100, 'plain-ts'), results.find(step100, one)), times, (v) => v >= 25);
  const wide = wideNetModels(all, [1]).at(0);
  add(6, `train step 784-1024-1024-10 f32 <= ${WIDE_NET_MAX_MULTIPLE}x its GEMM flops / GEMM rate`, wide?.multiple, times, (v) => v <= WIDE_NET_MAX_MULTIPLE);
  add(6, 'train step 784-1024-1024-10 f32 faster than tfjs-wasm', speedup(results.find(wideStep, 'tfjs-wasm'), results.find(wideStep, one)), times, (v) => v > 1);

  // Autograd: the same step written with modules, against the book's layers (time over time: 1.15 is 15% slower).
  for (const [shape, limit] of [[MLP_100, 1.15], [MLP_WIDE, 1.05]] as const) {
    const name = trainStepCaseName(shape);
    const layers = results.find(name, one);
    const modules = results.find(name, autogradImpl(1));
    const slowdown = layers && modules ? modules.median_ms / layers.median_ms : undefined;
    const within = Math.round(100 * (limit - 1));
    add('autograd', `autograd train step ${shape.sizes.join('-')} f32 within ${within}% of the layers' step`, slowdown, (v) => `${v >= 1 ? '+' : ''}${pct(100 * (v - 1))} time`, (v) => v <= limit);
  }

  // Issue 14: Trainer.step adds nothing measurable to the step a user writes by hand (1.05: 5% slower).
  const trainerStep = results.find(step100, TRAINER_STEP_IMPL);
  const bareStep = results.find(step100, one);
  add(14, 'Trainer.step 784-100-10 f32 within 5% of loss + backward + update', trainerStep && bareStep ? trainerStep.median_ms / bareStep.median_ms : undefined, (v) => `${v >= 1 ? '+' : ''}${pct(100 * (v - 1))} time`, (v) => v <= 1.05);

  // Issue 8: two threads.
  if (multi === null) {
    out.push({ issue: 8, target: 'every multi-thread target', measured: 'createBackend({ threads }) gave no multi-thread backend', status: 'not measured' });
  } else {
    for (const shape of [SHAPE_512, SHAPE_100_1024]) {
      const name = gemmCaseName(shape, 'A*B');
      add(8, `f32 GEMM ${dims(shape)}: ${context.threads} threads >= 1.8x one`, speedup(results.find(name, one), results.find(name, multi)), times, (v) => v >= 1.8);
    }
    add(8, `train step 784-100-10 f32: ${context.threads} threads >= 1.6x one`, speedup(results.find(step100, one), results.find(step100, multi)), times, (v) => v >= 1.6);
    add(8, `train step 784-100-10 f32, ${context.threads} threads >= 12x faster than tfjs-wasm`, speedup(results.find(step100, 'tfjs-wasm'), results.find(step100, multi)), times, (v) => v >= 12);
    add(8, `default MNIST run: ${context.threads} threads >= 1.5x faster than --threads 1`, speedup(results.findRun(DEFAULT_RUN_NAME, one), results.findRun(DEFAULT_RUN_NAME, multi)), times, (v) => v >= 1.5, true);
    add(8, `book MNIST run (10,000 iterations), ${context.threads} threads < 4 s wall`, seconds(results.findRun(BOOK_RUN_NAME, multi)), secondsText, (v) => v < 4, true);
    add(8, `default MNIST run, ${context.threads} threads < 6 s wall`, seconds(results.findRun(DEFAULT_RUN_NAME, multi)), secondsText, (v) => v < 6, true);
  }

  // Issue 13: conv nets, one layer (forward + backward) or one training step at batch 100.
  const convLayer = (s: ConvShape) => `${s.net} conv ${s.layer} (${s.x.slice(1).join(',')})*(${s.w.join(',')})`;
  for (const shape of DEEP_CONV_3X3_LAYERS) {
    const percent = results.find(convCaseName(shape), one)?.percent_of?.percent;
    add(13, `f32 ${convLayer(shape)} fwd+bwd >= ${CONV_LAYER_MIN_PERCENT}% of the f32 ceiling`, percent, pct, (v) => v >= CONV_LAYER_MIN_PERCENT);
  }
  const simpleStep = results.find(SIMPLE_CONV_STEP, one)?.percent_of?.percent;
  add(13, `f32 ${SIMPLE_CONV_STEP} (GEMM flops) >= ${SIMPLE_CONV_STEP_MIN_PERCENT}% of the f32 ceiling`, simpleStep, pct, (v) => v >= SIMPLE_CONV_STEP_MIN_PERCENT);
  const [lowest, highest] = CONV_F32_OVER_F64;
  for (const shape of CONV_SHAPES) {
    const name = convCaseName(shape);
    const ratio = speedup(results.find(name, one, 'float64'), results.find(name, one));
    add(13, `f32 over f64 ${lowest}-${highest}x, ${convLayer(shape)}`, ratio, times, (v) => v >= lowest && v <= highest);
  }
  if (multi !== null) {
    const deep = speedup(results.find(DEEP_CONV_STEP, one), results.find(DEEP_CONV_STEP, multi));
    add(13, `f32 ${DEEP_CONV_STEP}: ${context.threads} threads >= ${DEEP_CONV_MIN_THREAD_SPEEDUP}x one`, deep, times, (v) => v >= DEEP_CONV_MIN_THREAD_SPEEDUP);
  }

  // Issue 5: MNIST end to end, one thread.
  add(5, 'book MNIST run (10,000 iterations), 1 thread < 6 s wall incl. loading', seconds(results.findRun(BOOK_RUN_NAME, one)), secondsText, (v) => v < 6, true);
  add(5, 'book MNIST run test accuracy >= 0.94', results.findRun(BOOK_RUN_NAME, one)?.test_accuracy, (v) => v.toFixed(4), (v) => v >= 0.94, true);
  add(5, 'default MNIST run, 1 thread < 10 s wall incl. loading', seconds(results.findRun(DEFAULT_RUN_NAME, one)), secondsText, (v) => v < 10, true);
  add(5, 'default MNIST run test accuracy >= 0.98', results.findRun(DEFAULT_RUN_NAME, one)?.test_accuracy, (v) => v.toFixed(4), (v) => v >= 0.98, true);
  add(5, 'loading the four MNIST files < 0.5 s', seconds(results.find(LOAD_CASE_NAME, one)), secondsText, (v) => v < 0.5);
  // Issue 12: MNIST in a third of the time (wall seconds incl. Node start and loading, as a user runs it).
  add(12, 'book MNIST run (10,000 iterations), 1 thread <= 3.5 s wall', seconds(results.findRun(BOOK_RUN_NAME, one)), secondsText, (v) => v <= 3.5, true);
  add(12, 'default MNIST run, 1 thread <= 4 s wall', seconds(results.findRun(DEFAULT_RUN_NAME, one)), secondsText, (v) => v <= 4, true);
  if (multi !== null) {
    add(12, `book MNIST run (10,000 iterations), ${context.threads} threads <= 2.5 s wall`, seconds(results.findRun(BOOK_RUN_NAME, multi)), secondsText, (v) => v <= 2.5, true);
    add(12, `default MNIST run, ${context.threads} threads <= 3 s wall`, seconds(results.findRun(DEFAULT_RUN_NAME, multi)), secondsText, (v) => v <= 3, true);
  }
  const mnistStep = results.find(`train step 784-100-10 sigmoid, batch 100, MNIST`, `${one} sparse`);
  add(12, 'train step 784-100-10 sigmoid f32 on real MNIST batches, 1 thread <= 0.4 ms', mnistStep?.median_ms, (v) => `${v.toFixed(3)} ms`, (v) => v <= 0.4);
  add(5, 'default MNIST run peak resident memory < 200 MB', results.findRun(DEFAULT_RUN_NAME, one)?.max_rss_mb, (v) => `${v.toFixed(0)} MB`, (v) => v < 200, true);
  return out;
}

function seconds(r: CaseResult | undefined): number | undefined {
  return r === undefined ? undefined : r.median_ms / 1e3;
}

function secondsText(v: number): string {
  return `${v.toFixed(2)} s`;
}

/** The targets as a markdown table. */
export function formatTargets(targets: readonly TargetResult[]): string {
  const header = ['issue', 'target', 'measured', 'status'];
  const rows = targets.map((t) => [typeof t.issue === 'number' ? `#${t.issue}` : t.issue, t.target, t.measured, t.status]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const met = targets.filter((t) => t.status === 'met').length;
  const judged = targets.filter((t) => t.status === 'met' || t.status === 'missed').length;
  return `## targets (${met} of ${judged} met)\n\n${[line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')}\n`;
}
