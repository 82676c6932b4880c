/**
 * The benchmark suite (`npm run bench`): scratchnet against float64, its peers (plain TypeScript,
 * TensorFlow.js wasm and cpu) and itself on one thread and on several, in one process:
 *   1. the SIMD ceiling, 2. GEMM, 3. element-wise kernels, 4. the training step (the book's layers
 *   and autograd modules side by side), 5. the first layer on sparse vs dense input, 6. MNIST end
 *   to end (the CLI, spawned);
 * then the figures derived from them and the targets of issues 5, 6 and 8, met or missed.
 *
 *   node build/bench/run.js [--quick] [--json] [--rounds N] [--filter TEXT] [--threads N]
 */
import { availableParallelism } from 'node:os';
import type { BenchCase, CaseResult } from './harness.js';
import { USAGE, filterCases, filterParts, machineInfo, parseBenchArgs, runCases, validateCases } from './harness.js';
import { formatReport } from './table.js';
import { plainCases } from './peers/plain.js';
import { tfjsCases, tfjsInfo } from './peers/tfjs.js';
import { tfjsConvCases } from './peers/tfjs-conv.js';
import { plainConvCases } from './peers/plain-conv.js';
import {
  ceilingCaseName, ceilingCases, disposeBackends, elementwiseCases, gemmCases, openBackends, startPeakThreads, trainStepCases,
} from './scratchnet.js';
import { convCases } from './conv.js';
import { MNIST_SECTION, mnistResults } from './mnist-runs.js';
import { firstLayerCases } from './first-layer.js';
import { autogradStepCases } from './autograd.js';
import { MLP_SHAPES, trainStepCaseName } from './problems.js';
import { evaluateTargets, formatTargets, formatWideNetModels, wideNetModels } from './targets.js';

/** The net whose peers' steps take over a second (tfjs-wasm's transposed products are scalar loops). */
const WIDE_NET = MLP_SHAPES[MLP_SHAPES.length - 1];

const args = parseBenchArgs(process.argv.slice(2));
if (args.help) {
  process.stdout.write(`${USAGE}\nThe MNIST runs take part unless --filter leaves out "${MNIST_SECTION}".\n`);
  process.exit(0);
}
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const multiThreads = args.threads ?? availableParallelism();
const backends = await openBackends(multiThreads > 1 ? [multiThreads] : [], log);
const threadCounts = [...backends.keys()].sort((x, y) => x - y);
const peaks = await startPeakThreads(backends);
const info = await tfjsInfo();
log(`tfjs ${info.version}: wasm SIMD ${info.wasmSimd}, wasm threads ${info.wasmThreads}; scratchnet on ${threadCounts.join(' and ')} thread(s)`);

const mode = { quick: args.quick };
const ours = [
  ...ceilingCases(peaks),
  ...gemmCases(backends, mode),
  ...elementwiseCases(backends, mode),
  ...trainStepCases(backends, mode),
  ...autogradStepCases(backends, mode),
  ...convCases(backends, mode),
  ...(await firstLayerCases(backends, mode, log)),
];
const ourNames = new Set(ours.map((c) => c.name));
const peers = [...plainCases(mode), ...plainConvCases(), ...tfjsCases(mode), ...tfjsConvCases()]
  // Peers join scratchnet's groups; quick mode also leaves out the steps that take a second or more.
  .filter((c) => ourNames.has(c.name) && !(args.quick && c.section === 'train step' && c.name === trainStepCaseName(WIDE_NET)))
  // Their GEMMs are also shown as a percentage of the one-thread ceiling of their dtype.
  .map((c): BenchCase => (c.section === 'gemm' ? { ...c, percentOf: ceilingCaseName(1) } : c));
// Groups run in order of first appearance: scratchnet's cases set the order.
const all: BenchCase[] = [...ours, ...peers];
validateCases(all);
const filter = args.filter;
const runMnist = filter === undefined || filterParts(filter).some((part) => [MNIST_SECTION, 'scratchnet'].some((text) => text.includes(part)));
// A filter may pick only the MNIST runs.
const matchesAny = (c: BenchCase) => filterParts(filter!).some((part) => c.name.includes(part) || c.impl.includes(part));
const cases = filter === undefined ? all : runMnist && !all.some(matchesAny) ? [] : filterCases(all, filter);

// V8 first runs wasm through its baseline compiler and swaps in optimized code in the background
// once a function is hot: without a warm-up the first group is timed partly on baseline code
// (measured: gemm 100x784x100 at 60% of the ceiling as the first case, 90% later in the run).
await warmUp(cases);

const machine = machineInfo();
const started = performance.now();
let results: CaseResult[];
try {
  results = await runCases(cases, { quick: args.quick, rounds: args.rounds, baselineImpl: 'scratchnet', log });
} finally {
  for (const peak of peaks) peak.dispose();
  disposeBackends(backends);
}
if (runMnist) results.push(...(await mnistResults({ quick: args.quick, rounds: args.rounds, threads: threadCounts, log })));

const multi = threadCounts.length > 1 ? threadCounts[threadCounts.length - 1] : null;
const targets = evaluateTargets(results, { quick: args.quick, threads: multi });
const models = wideNetModels(results, threadCounts);
const seconds = (performance.now() - started) / 1e3;
log(`bench: ${results.length} cases in ${seconds.toFixed(1)} s`);

if (args.json) {
  process.stdout.write(`${JSON.stringify({ machine, tfjs: info, threads: threadCounts, seconds, cases: results, derived: models, targets })}\n`);
} else {
  const derived = formatWideNetModels(models);
  process.stdout.write(`${formatReport({ machine, cases: results })}\n${derived ? `${derived}\n` : ''}${formatTargets(targets)}`);
}

/** Runs every case's function for a moment (setup included) so the wasm core is optimized before timing. */
async function warmUp(list: BenchCase[]): Promise<void> {
  const until = performance.now() + (args.quick ? 300 : 1500);
  for (const c of list.filter((x) => x.impl.startsWith('scratchnet') && x.section !== 'ceiling')) {
    await c.setup?.();
    const stop = performance.now() + 20;
    do c.fn();
    while (performance.now() < stop && performance.now() < until);
    c.teardown?.();
    if (performance.now() >= until) break;
  }
}
