/**
 * The benchmark harness: runs a list of cases through benchmark.js and reports, per case, the
 * median time per call, its relative margin of error, throughput, and the ratio to its group's
 * baseline. Cases with the same name form a group (one problem, several impls); groups run their
 * impls back to back, optionally in interleaved rounds (A B C A B C) whose medians are combined,
 * because the machine is shared and its speed drifts.
 */
import Benchmark from 'benchmark';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { formatReport } from './table.js';

export type Dtype = 'float32' | 'float64';

/** One implementation of one problem. */
export interface BenchCase {
  /** The problem, e.g. "gemm 512x512x512"; cases with the same name are compared. */
  name: string;
  /** Who computes it: "scratchnet", "plain-ts", "tfjs-wasm", "tfjs-cpu", "ceiling". */
  impl: string;
  dtype: Dtype;
  /** The table the case appears in, e.g. "gemm"; "results" when absent. */
  section?: string;
  /** Floating-point operations per call, for GFLOP/s. */
  flops?: number;
  /** Bytes moved per call, for GB/s. */
  bytes?: number;
  /** Training samples per call, for samples/s. */
  samples?: number;
  /** Runs before the timing of every round (allocate, load, pick a backend). */
  setup?: () => Promise<void> | void;
  /** The timed call; must finish its work before it returns. */
  fn: () => void;
  /** Runs after the timing of every round (free what setup made). */
  teardown?: () => void;
  /** Marks the case the other impls in its group are compared with. */
  baseline?: boolean;
  /**
   * The name of another case, of the same dtype and in the same run, whose throughput counts
   * as 100% (e.g. a "ceiling" case for a GEMM): adds "percent of" to this case's result.
   */
  percentOf?: string;
}

/** What is reported for a case; the field names are those of the JSON output. */
export interface CaseResult {
  section: string;
  name: string;
  impl: string;
  dtype: Dtype;
  /** Median over samples (and over rounds) of the time per call. */
  median_ms: number;
  /** Relative margin of error of the mean, percent (benchmark.js's rme; median over rounds). */
  rme: number;
  gflops?: number;
  gbps?: number;
  samples_per_s?: number;
  /** median_ms / the group baseline's median_ms: 1 for the baseline, 3 means three times slower. */
  ratio?: number;
  /** True on the case its group's ratios are relative to. */
  baseline?: boolean;
  /** This case's throughput as a percentage of the case named by percentOf. */
  percent_of?: { name: string; percent: number };
  /** End-to-end runs (the CLI's --json): test accuracy, seconds loading, seconds training. */
  test_accuracy?: number;
  load_s?: number;
  train_s?: number;
  /** Peak resident memory of an end-to-end run's process, MiB. */
  max_rss_mb?: number;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  arch: string;
  date: string;
}

export interface Report {
  machine: MachineInfo;
  cases: CaseResult[];
}

export interface RunOptions {
  /** Minimal sampling, so a full run stays under a minute. */
  quick: boolean;
  /** How many interleaved rounds each group runs; at least 1. */
  rounds: number;
  /** The impl each group is compared with unless a case says baseline: true. */
  baselineImpl: string;
  /** Progress lines (stderr by default). */
  log: (line: string) => void;
}

/** Sampling limits handed to benchmark.js. */
interface Sampling {
  maxTime: number;
  /** Seconds each sample lasts at least (benchmark.js repeats short calls to fill it). */
  minTime: number;
  minSamples: number;
  /** Seconds of untimed calls before sampling, so the JIT has compiled the code. */
  warmUp: number;
}

const QUICK_SAMPLING: Sampling = { maxTime: 0.1, minTime: 0.02, minSamples: 3, warmUp: 0.02 };
const FULL_SAMPLING: Sampling = { maxTime: 1, minTime: 0.05, minSamples: 5, warmUp: 0.2 };

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
    date: new Date().toISOString(),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: no values');
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The parts one after another as one Float64Array: what a case's output() returns to be compared. */
export function concatFloat64(parts: readonly ArrayLike<number>[]): Float64Array {
  const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return all;
}

function caseLabel(c: Pick<BenchCase, 'name' | 'impl' | 'dtype'>): string {
  return `"${c.name}" ${c.impl} ${c.dtype}`;
}

/** Throws on a case list the harness cannot report honestly. */
export function validateCases(cases: readonly BenchCase[]): void {
  const seen = new Set<string>();
  for (const c of cases) {
    const label = caseLabel(c);
    if (!c.name || !c.impl) throw new Error(`bench: every case needs a name and an impl, got ${label}`);
    if (c.dtype !== 'float32' && c.dtype !== 'float64') throw new Error(`bench: case ${label} has dtype ${String(c.dtype)}, expected float32 or float64`);
    if (typeof c.fn !== 'function') throw new Error(`bench: case ${label} has no fn`);
    const key = `${c.name}\u0000${c.impl}\u0000${c.dtype}`;
    if (seen.has(key)) throw new Error(`bench: case ${label} appears twice`);
    seen.add(key);
    for (const field of ['flops', 'bytes', 'samples'] as const) {
      const value = c[field];
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
        throw new Error(`bench: case ${label} has ${field} = ${value}, expected a positive number`);
      }
    }
  }
  const groups = groupByName(cases);
  for (const [name, group] of groups) {
    const marked = group.filter((c) => c.baseline);
    if (marked.length > 1) throw new Error(`bench: group "${name}" has ${marked.length} baselines (${marked.map((c) => `${c.impl} ${c.dtype}`).join(', ')}), expected at most one`);
  }
  for (const c of cases) {
    if (c.percentOf === undefined) continue;
    const reference = groups.get(c.percentOf)?.find((r) => r.dtype === c.dtype);
    if (!reference) throw new Error(`bench: case ${caseLabel(c)} is a percentage of "${c.percentOf}", but no ${c.dtype} case has that name`);
    if (!sharedMeasure(c, reference)) throw new Error(`bench: case ${caseLabel(c)} and its reference ${caseLabel(reference)} share no throughput measure (flops, bytes or samples)`);
  }
}

/** Groups in order of first appearance. */
function groupByName<T extends { name: string }>(cases: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const c of cases) {
    const group = groups.get(c.name);
    if (group) group.push(c);
    else groups.set(c.name, [c]);
  }
  return groups;
}

type Measure = 'gflops' | 'gbps' | 'samples_per_s';

function sharedMeasure(a: Pick<BenchCase, 'flops' | 'bytes' | 'samples'>, b: Pick<BenchCase, 'flops' | 'bytes' | 'samples'>): Measure | null {
  if (a.flops !== undefined && b.flops !== undefined) return 'gflops';
  if (a.bytes !== undefined && b.bytes !== undefined) return 'gbps';
  if (a.samples !== undefined && b.samples !== undefined) return 'samples_per_s';
  return null;
}

/** Calls fn for about `seconds` (at least once); returns the seconds per call. */
function warmUp(fn: () => void, seconds: number): number {
  const start = performance.now();
  let calls = 0;
  do {
    fn();
    calls++;
  } while (performance.now() - start < seconds * 1e3);
  return (performance.now() - start) / 1e3 / calls;
}

/** Samples taken of a case slower than maxTime per call: each costs seconds, and the median settles fast. */
const SLOW_CASE_MIN_SAMPLES = 3;

/** One round of one case: its median seconds per call and rme. */
async function measureOnce(c: BenchCase, sampling: Sampling): Promise<{ median: number; rme: number }> {
  await c.setup?.();
  let result;
  try {
    const secondsPerCall = warmUp(c.fn, sampling.warmUp);
    const minSamples = secondsPerCall > sampling.maxTime ? Math.min(SLOW_CASE_MIN_SAMPLES, sampling.minSamples) : sampling.minSamples;
    const bench = new Benchmark(caseLabel(c), c.fn, { maxTime: sampling.maxTime, minTime: sampling.minTime, minSamples });
    bench.run({ async: false });
    if (bench.error) throw bench.error;
    result = { median: median(bench.stats.sample), rme: bench.stats.rme };
  } catch (error) {
    // Report the failure of the case itself, not a follow-up error of its teardown.
    try {
      c.teardown?.();
    } catch {
      // the first error is the one to see
    }
    throw new Error(`bench: case ${caseLabel(c)} failed: ${(error as Error).message}`, { cause: error });
  }
  c.teardown?.();
  return result;
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toPrecision(3);
}

/**
 * Measures every case, group by group, and derives throughput, ratios and percentages.
 * Returns the results in run order (groups in order of first appearance).
 */
export async function runCases(cases: readonly BenchCase[], options: RunOptions): Promise<CaseResult[]> {
  validateCases(cases);
  if (!Number.isInteger(options.rounds) || options.rounds < 1) {
    throw new Error(`bench: rounds must be a positive integer, got ${options.rounds}`);
  }
  const sampling = options.quick ? QUICK_SAMPLING : FULL_SAMPLING;
  const timings = new Map<BenchCase, { medians: number[]; rmes: number[] }>();
  for (const c of cases) timings.set(c, { medians: [], rmes: [] });

  let done = 0;
  const total = cases.length * options.rounds;
  for (const group of groupByName(cases).values()) {
    for (let round = 0; round < options.rounds; round++) {
      for (const c of group) {
        const { median: seconds, rme } = await measureOnce(c, sampling);
        const timing = timings.get(c)!;
        timing.medians.push(seconds);
        timing.rmes.push(rme);
        done++;
        options.log(`[${done}/${total}] ${caseLabel(c)}${options.rounds > 1 ? ` round ${round + 1}` : ''}: ${formatMs(seconds * 1e3)} ms ±${rme.toFixed(1)}%`);
      }
    }
  }

  const results = new Map<BenchCase, CaseResult>();
  for (const c of cases) {
    const timing = timings.get(c)!;
    const seconds = median(timing.medians);
    const result: CaseResult = {
      section: c.section ?? 'results',
      name: c.name,
      impl: c.impl,
      dtype: c.dtype,
      median_ms: seconds * 1e3,
      rme: median(timing.rmes),
    };
    if (c.flops !== undefined) result.gflops = c.flops / seconds / 1e9;
    if (c.bytes !== undefined) result.gbps = c.bytes / seconds / 1e9;
    if (c.samples !== undefined) result.samples_per_s = c.samples / seconds;
    results.set(c, result);
  }

  for (const group of groupByName(cases).values()) {
    const baseline = group.find((c) => c.baseline) ?? group.find((c) => c.impl === options.baselineImpl) ?? group[0];
    const baselineMs = results.get(baseline)!.median_ms;
    for (const c of group) results.get(c)!.ratio = results.get(c)!.median_ms / baselineMs;
    results.get(baseline)!.baseline = true;
  }

  for (const c of cases) {
    if (c.percentOf === undefined) continue;
    const reference = cases.find((r) => r.name === c.percentOf && r.dtype === c.dtype)!;
    const measure = sharedMeasure(c, reference)!;
    const result = results.get(c)!;
    result.percent_of = { name: reference.name, percent: (100 * result[measure]!) / results.get(reference)![measure]! };
  }
  // Results in run order: group by group.
  return [...groupByName(cases).values()].flat().map((c) => results.get(c)!);
}

export interface CliOptions {
  quick: boolean;
  json: boolean;
  rounds: number;
  /** Keep only cases whose name or impl contains this text. */
  filter?: string;
  /** Threads of the multi-threaded cases (suites that have them); undefined: every core. */
  threads?: number;
}

export const USAGE = `options:
  --quick          minimal sampling (a full run in under a minute)
  --json           print one JSON object { machine, cases } instead of tables
  --rounds N       run each group N times interleaved (A B C A B C) and take the median (default 1)
  --filter TEXT    only cases whose name or impl contains TEXT (a|b: either)
  --threads N      threads of the multi-threaded cases, compared with 1 (default: every core)
  --help           this text`;

export function parseBenchArgs(argv: readonly string[]): CliOptions & { help: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        rounds: { type: 'string', default: '1' },
        filter: { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Error(`bench: ${(error as Error).message}\n${USAGE}`);
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench: --rounds must be a positive integer, got "${values.rounds}"`);
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`bench: --threads must be a positive integer, got "${values.threads}"`);
  }
  return { quick: values.quick, json: values.json, rounds, filter: values.filter, threads, help: values.help };
}

/** The parts of a filter: `a|b` picks what contains a or b (e.g. "ceiling|conv " for percentages of conv layers). */
export function filterParts(filter: string): string[] {
  return filter.split('|').filter((part) => part !== '');
}

/**
 * The cases whose name or impl contains `filter` (or one of its `|` parts); a percentage whose
 * reference is filtered out is dropped (with a note on stderr), since this run cannot compute it.
 */
export function filterCases(all: readonly BenchCase[], filter: string): BenchCase[] {
  const parts = filterParts(filter);
  let cases = all.filter((c) => parts.some((part) => c.name.includes(part) || c.impl.includes(part)));
  cases = cases.map((c) => {
    if (c.percentOf === undefined || cases.some((r) => r.name === c.percentOf && r.dtype === c.dtype)) return c;
    process.stderr.write(`bench: ${caseLabel(c)}: its reference "${c.percentOf}" is filtered out, no percentage\n`);
    return { ...c, percentOf: undefined };
  });
  if (cases.length === 0) throw new Error(`bench: --filter "${filter}" matches none of the ${all.length} cases`);
  return cases;
}

/**
 * The command line of a benchmark runner: parses argv, builds the cases for the chosen mode,
 * runs them and prints markdown tables (or, with --json, one JSON object and nothing else) on
 * stdout; progress goes to stderr.
 */
export async function runBenchmarkCli(
  makeCases: (mode: { quick: boolean }) => BenchCase[] | Promise<BenchCase[]>,
  { baselineImpl = 'scratchnet', argv = process.argv.slice(2) }: { baselineImpl?: string; argv?: readonly string[] } = {},
): Promise<Report | null> {
  const args = parseBenchArgs(argv);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return null;
  }
  const all = await makeCases({ quick: args.quick });
  validateCases(all);
  const cases = args.filter === undefined ? all : filterCases(all, args.filter);
  const machine = machineInfo();
  const results = await runCases(cases, {
    quick: args.quick,
    rounds: args.rounds,
    baselineImpl,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const report: Report = { machine, cases: results };
  process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return report;
}
