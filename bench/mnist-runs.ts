/**
 * MNIST end to end, as a user runs it: the `scratchnet train` command spawned with --json, timed
 * from spawn to exit (Node start, wasm compile, loading the four files, training, the per-epoch
 * evaluation), for the book's chapter-4 run and the default run, on one thread and on more where
 * the command takes --threads. Plus loadMnist of the four files alone, in this process.
 *
 * These take seconds per call, so they are timed once per round (rounds interleaved, median over
 * rounds), not through benchmark.js's repeated cycles.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, loadMnist, MNIST_FILE_NAMES } from 'scratchnet';
import type { TrainReport } from 'scratchnet';
import type { CaseResult } from './harness.js';
import { median } from './harness.js';
import { scratchnetImpl } from './scratchnet.js';

export const MNIST_SECTION = 'mnist end to end';

/**
 * The book's chapter-4 run (TwoLayerNet 784-50-10, sigmoid, SGD 0.1, batch 100) for `iterations`
 * steps. The book's Trainer measures train accuracy on the whole training set after each epoch:
 * `fullTrainAccuracy` asks a CLI that defaults to running accuracy for that pass (older CLIs
 * always make it and do not know the option).
 */
export function bookRunArgs(iterations: number, fullTrainAccuracy = true): string[] {
  const args = ['train', '--net', 'two-layer', '--hidden', '50', '--activation', 'sigmoid', '--optimizer', 'sgd', '--lr', '0.1', '--batch-size', '100', '--iterations', String(iterations)];
  return fullTrainAccuracy ? [...args, '--train-accuracy', 'full'] : args;
}

/** The default `scratchnet train`, or only its first `iterations` steps. */
export function defaultRunArgs(iterations?: number): string[] {
  return iterations === undefined ? ['train'] : ['train', '--iterations', String(iterations)];
}

export const BOOK_ITERATIONS = 10_000;
/** Steps of each run in quick mode: half an epoch, one evaluation at the end. */
export const QUICK_ITERATIONS = 300;

export const BOOK_RUN_NAME = 'mnist book run (ch. 4)';
export const DEFAULT_RUN_NAME = 'mnist default run';
export const LOAD_CASE_NAME = 'load mnist (4 files)';


export interface CliRun {
  /** Wall seconds from spawn to exit. */
  wallSeconds: number;
  report: TrainReport;
  /** Peak resident memory of the process, when /usr/bin/time is there to tell. */
  maxRssMB?: number;
}

const TIME_COMMAND = '/usr/bin/time';

/** The built CLI as installed: the package's bin, dist/cli/scratchnet.js. */
export function defaultCliPath(): string {
  return fileURLToPath(new URL('../../dist/cli/scratchnet.js', import.meta.url));
}

/** SCRATCHNET_DATA, else ../shared/datasets/mnist beside the repo, else undefined (the CLI's own cache). */
export function defaultMnistDir(): string | undefined {
  const fromEnv = process.env.SCRATCHNET_DATA;
  if (fromEnv) return fromEnv;
  const beside = fileURLToPath(new URL('../../../shared/datasets/mnist', import.meta.url));
  return existsSync(path.join(beside, `${MNIST_FILE_NAMES.trainImages}.gz`)) ? beside : undefined;
}

function collect(command: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1e3 }));
  });
}

/** The CLI's `train --help`: what options this build (or an older one) takes. */
async function trainHelp(cliPath = defaultCliPath()): Promise<string> {
  const { stdout, stderr } = await collect(process.execPath, [cliPath, 'train', '--help']);
  return `${stdout}${stderr}`;
}

/** Spawns the CLI once with `args` + --json; throws with its stderr if it fails. */
export async function runCli(args: readonly string[], cliPath = defaultCliPath()): Promise<CliRun> {
  const full = [cliPath, ...args, '--json'];
  const timed = existsSync(TIME_COMMAND);
  const { code, stdout, stderr, seconds } = timed ? await collect(TIME_COMMAND, ['-v', process.execPath, ...full]) : await collect(process.execPath, full);
  const command = `scratchnet ${args.join(' ')} --json`;
  if (code !== 0) throw new Error(`bench: \`${command}\` exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const lastLine = stdout.trim().split('\n').pop() ?? '';
  let report: TrainReport;
  try {
    report = JSON.parse(lastLine) as TrainReport;
  } catch {
    throw new Error(`bench: \`${command}\` printed no JSON line, last stdout line: ${JSON.stringify(lastLine)}`);
  }
  for (const field of ['testAccuracy', 'seconds', 'loadSeconds', 'samplesPerSecond'] as const) {
    if (typeof report[field] !== 'number') throw new Error(`bench: \`${command}\`'s JSON has no number ${field}: ${lastLine}`);
  }
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return { wallSeconds: seconds, report, maxRssMB: rss ? Number(rss[1]) / 1024 : undefined };
}

/** Student's t at 95% for n - 1 degrees of freedom (n up to 6), else the normal 1.96. */
const T95 = [Number.NaN, Number.NaN, 12.706, 4.303, 3.182, 2.776, 2.571];

/** Relative margin of error of the mean, percent, as benchmark.js reports it; 0 for one sample. */
export function relativeMarginOfError(samples: readonly number[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mean = samples.reduce((s, v) => s + v, 0) / n;
  const variance = samples.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return (100 * (T95[n] ?? 1.96) * Math.sqrt(variance / n)) / mean;
}

export interface MnistRunOptions {
  quick: boolean;
  rounds: number;
  /** Thread counts to run the CLI with; counts above 1 only if the CLI takes --threads. */
  threads: readonly number[];
  log: (line: string) => void;
  cliPath?: string;
  /** The MNIST folder; default defaultMnistDir(). */
  dataDir?: string;
}

/** One configuration of the CLI: a row of the table. */
interface RunConfig {
  name: string;
  threads: number | null;
  args: string[];
}

/**
 * Runs the book's and the default run on each thread count (interleaved over rounds) and times
 * loadMnist; returns one result per configuration, as harness results with the run's figures:
 * median_ms is the wall time, test_accuracy, load_s and train_s come from the CLI's JSON.
 */
export async function mnistResults(options: MnistRunOptions): Promise<CaseResult[]> {
  const cliPath = options.cliPath ?? defaultCliPath();
  const dataDir = options.dataDir ?? defaultMnistDir();
  const dataArgs = dataDir ? ['--data', dataDir] : [];
  const help = await trainHelp(cliPath);
  const takesThreads = help.includes('--threads');
  const takesTrainAccuracy = help.includes('--train-accuracy');
  const threadCounts: (number | null)[] = takesThreads ? [...options.threads] : [null];
  if (!takesThreads) options.log('bench: the CLI takes no --threads: each MNIST run uses its default');
  const iterations = options.quick ? QUICK_ITERATIONS : undefined;
  const groups: RunConfig[][] = [
    threadCounts.map((threads) => ({ name: BOOK_RUN_NAME, threads, args: bookRunArgs(iterations ?? BOOK_ITERATIONS, takesTrainAccuracy) })),
    // Quick mode runs the default net on one thread count only: its final evaluation dominates a short run.
    threadCounts.slice(0, options.quick ? 1 : undefined).map((threads) => ({ name: DEFAULT_RUN_NAME, threads, args: defaultRunArgs(iterations) })),
  ];
  const results: CaseResult[] = [];
  for (const group of groups) {
    const runs = new Map<RunConfig, CliRun[]>(group.map((config) => [config, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (const config of group) {
        const args = [...config.args, ...(config.threads === null ? [] : ['--threads', String(config.threads)]), ...dataArgs];
        const run = await runCli(args, cliPath);
        runs.get(config)!.push(run);
        options.log(
          `[mnist] ${config.name} ${config.threads ?? 'default'} thread(s)${options.rounds > 1 ? ` round ${round + 1}` : ''}: ` +
            `${run.wallSeconds.toFixed(2)} s wall, test accuracy ${run.report.testAccuracy}`,
        );
      }
    }
    const rows = group.map((config) => {
      const done = runs.get(config)!;
      const wall = done.map((r) => r.wallSeconds);
      const rss = done.map((r) => r.maxRssMB).filter((v): v is number => v !== undefined);
      const result: CaseResult = {
        section: MNIST_SECTION,
        name: `${config.name}${iterations === undefined ? '' : ` (${iterations} iterations)`}`,
        impl: config.threads === null ? 'scratchnet' : scratchnetImpl(config.threads),
        dtype: 'float32',
        median_ms: median(wall) * 1e3,
        rme: relativeMarginOfError(wall),
        samples_per_s: median(done.map((r) => r.report.samplesPerSecond)),
        test_accuracy: median(done.map((r) => r.report.testAccuracy)),
        load_s: median(done.map((r) => r.report.loadSeconds)),
        train_s: median(done.map((r) => r.report.seconds)),
      };
      if (rss.length > 0) result.max_rss_mb = Math.max(...rss);
      return result;
    });
    const baseline = rows.find((r) => r.impl === 'scratchnet') ?? rows[0];
    for (const r of rows) r.ratio = r.median_ms / baseline.median_ms;
    baseline.baseline = true;
    results.push(...rows);
  }
  results.push(await loadResult(options, dataDir));
  return results;
}

/** loadMnist of the four files (find, gunzip, check, copy into wasm memory), timed in this process. */
async function loadResult(options: MnistRunOptions, dir: string | undefined): Promise<CaseResult> {
  const backend = await createBackend({ threads: 1 });
  const calls = options.quick ? 2 : 5;
  const medians: number[] = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      const seconds: number[] = [];
      for (let i = 0; i < calls; i++) {
        const started = performance.now();
        const mnist = await loadMnist({ dir, backend });
        seconds.push((performance.now() - started) / 1e3);
        mnist.train.dispose();
        mnist.test.dispose();
      }
      medians.push(median(seconds));
      options.log(`[mnist] ${LOAD_CASE_NAME}${options.rounds > 1 ? ` round ${round + 1}` : ''}: ${(medians[round] * 1e3).toFixed(0)} ms`);
    }
  } finally {
    backend.dispose();
  }
  return {
    section: MNIST_SECTION,
    name: LOAD_CASE_NAME,
    impl: 'scratchnet',
    dtype: 'float32',
    median_ms: median(medians) * 1e3,
    rme: relativeMarginOfError(medians),
    samples_per_s: 70_000 / median(medians),
    ratio: 1,
    baseline: true,
  };
}
