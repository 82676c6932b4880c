/**
 * `scratchnet train`: load MNIST into wasm memory, build the net and optimizer the options name,
 * train with per-epoch evaluation on the full sets, then report (and optionally save and plot).
 */
import { writeFileAtomic } from '../io/atomic-write.js';
import { saveNet } from '../io/net-file-node.js';
import { createBackend } from '../backend/load-node.js';
import { loadMnist } from '../data/mnist.js';
import type { Sequential } from '../nets/sequential.js';
import { TwoLayerNet } from '../nets/two-layer-net.js';
import { MultiLayerNet } from '../nets/multi-layer-net.js';
import { ConvNet } from '../nets/conv-net.js';
import { SimpleConvNet } from '../nets/simple-conv-net.js';
import { DeepConvNet } from '../nets/deep-conv-net.js';
import { optimizerByName } from '../optim/optimizer-by-name.js';
import { constant, cosine, linear, oneCycle, step, warmup } from '../optim/lr-schedule.js';
import type { LearningRateSchedule } from '../optim/lr-schedule.js';
import { Trainer } from '../train/trainer.js';
import type { TrainAccuracyMode } from '../train/trainer.js';
import { TrainProgress, percent, trainAccuracyText } from './progress.js';
import { isConvNet } from './train-options.js';
import type { TrainSettings } from './train-options.js';
import { UsageError } from './usage-error.js';

/** The final `--json` line. */
export interface TrainReport {
  testAccuracy: number;
  trainAccuracy: number;
  /** How trainAccuracy was measured: over the last epoch's batches as they trained, or a full pass. */
  trainAccuracyMode: TrainAccuracyMode;
  /** Wall seconds of training, per-epoch evaluation included, loading excluded. */
  seconds: number;
  /** Wall seconds to find, decompress and load the four files. */
  loadSeconds: number;
  /** Training samples per second, evaluation excluded. */
  samplesPerSecond: number;
  epochs: number;
  iterations: number;
  dtype: string;
}

export interface CommandOutput {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** --lr-schedule and --warmup as a library schedule over a run of `iterations` steps. */
function makeSchedule(s: TrainSettings, iterations: number, batchesPerEpoch: number): LearningRateSchedule {
  if (s.warmup >= iterations) throw new UsageError(`--warmup ${s.warmup} leaves none of the run's ${iterations} steps to the schedule`);
  const steps = iterations - s.warmup;
  const schedules = {
    constant: () => constant(s.lr),
    linear: () => linear(s.lr, steps),
    step: () => step(s.lr, batchesPerEpoch, 0.5),
    cosine: () => cosine(s.lr, steps),
    'one-cycle': () => oneCycle(s.lr, steps),
  } satisfies Record<TrainSettings['schedule'], () => LearningRateSchedule>;
  const schedule = schedules[s.schedule]();
  return s.warmup > 0 ? warmup(s.warmup, schedule) : schedule;
}

/** The net the settings name, for samples of `sampleShape` ((784,) rows, or (1, 28, 28) images for the conv nets). */
function makeNet(s: TrainSettings, sampleShape: readonly number[]): Sequential {
  const options = { dtype: s.dtype, seed: s.seed };
  const inputSize = sampleShape.reduce((a, b) => a * b, 1);
  if (isConvNet(s.net)) {
    const [c, h, w] = sampleShape;
    const config = { inputDim: [c, h, w] as [number, number, number], hiddenSize: s.hidden[0] };
    const net =
      s.net === 'conv' ? new ConvNet(config, options) : s.net === 'simple-conv' ? new SimpleConvNet(config, options) : new DeepConvNet(config, options);
    net.weightDecay = s.weightDecay;
    return net;
  }
  if (s.net === 'two-layer') {
    // The book's TwoLayerNet draws weights as 0.01 * randn, whatever the activation.
    const net = new TwoLayerNet(inputSize, s.hidden[0], 10, 0.01, { ...options, activation: s.activation });
    net.weightDecay = s.weightDecay;
    return net;
  }
  return new MultiLayerNet(
    {
      inputSize, hiddenSizes: s.hidden, outputSize: 10, activation: s.activation, weightDecay: s.weightDecay, dropout: s.dropout,
      useBatchnorm: s.batchnorm,
    },
    options,
  );
}

export async function runTrain(s: TrainSettings, out: CommandOutput): Promise<TrainReport> {
  const log = s.json ? out.stderr : out.stdout;
  const started = performance.now();
  await createBackend({ dtype: s.dtype, seed: s.seed, threads: s.threads });
  const { train, test } = await loadMnist({ dir: s.data, flatten: !isConvNet(s.net) });
  const loadSeconds = (performance.now() - started) / 1000;
  const net = makeNet(s, train.sampleShape);
  const batchesPerEpoch = Math.ceil(train.count / s.batchSize);
  const iterations = s.iterations ?? s.epochs! * batchesPerEpoch;
  const optimizer = optimizerByName(s.optimizer, makeSchedule(s, iterations, batchesPerEpoch));
  const totalEpochs = Math.ceil(iterations / batchesPerEpoch);

  const convLayers: Record<string, string[]> = {
    conv: ['conv16x5x5', 'bn', 'pool2x2', 'conv32x5x5', 'bn', 'pool2x2'],
    'simple-conv': ['conv30x5x5', 'pool2x2'],
    'deep-conv': ['conv16x3x3', 'conv16x3x3', 'pool2x2', 'conv32x3x3', 'conv32x3x3', 'pool2x2', 'conv64x3x3', 'conv64x3x3', 'pool2x2'],
  };
  const layers = [...(convLayers[s.net] ?? []), ...s.hidden];
  const architecture = [train.sampleShape.join('x'), ...layers, 10].join('-');
  log.write(
    `${train.count} train / ${test.count} test samples loaded in ${loadSeconds.toFixed(2)}s; ` +
      `${s.net} ${architecture} ${isConvNet(s.net) ? 'relu' : s.activation}, ${s.optimizer} lr ${s.lr}${s.schedule === 'constant' ? '' : ` (${s.schedule} schedule)`}${s.warmup > 0 ? `, ${s.warmup} warmup steps` : ''}, ` +
      `batch ${s.batchSize}, ${s.iterations !== null ? `${iterations} iterations` : `${totalEpochs} epochs`}, ${s.dtype}\n`,
  );

  const progress = new TrainProgress({ bar: out.stderr.isTTY ? out.stderr : null, lines: log }, totalEpochs, iterations, s.trainAccuracy);
  const trainer = new Trainer(net, optimizer);
  const fitStarted = performance.now();
  progress.start();
  const epochs = trainer.fit(train, {
    batchSize: s.batchSize,
    ...(s.iterations !== null ? { iterations: s.iterations } : { epochs: s.epochs! }),
    seed: s.seed,
    test,
    // A conv net's activations grow with the batch (DeepConvNet's second layer: 50 MB out and 50 MB dx at 1000 images in f32).
    ...(isConvNet(s.net) ? { evalBatchSize: 200 } : {}),
    dense: s.dense,
    trainAccuracy: s.trainAccuracy,
    onBatch: (info) => progress.onBatch(info),
    onEpoch: (info) => progress.onEpoch(info),
  });
  const seconds = (performance.now() - fitStarted) / 1000;
  const last = epochs[epochs.length - 1];

  if (s.save) await saveNet(net, s.save);
  if (s.plot) await writeFileAtomic(s.plot, new TextEncoder().encode(trainer.plot({ title: `Training loss (${s.net} ${architecture}, ${s.optimizer})` })));
  const report: TrainReport = {
    testAccuracy: last.testAccuracy!,
    trainAccuracy: last.trainAccuracy!,
    trainAccuracyMode: s.trainAccuracy,
    seconds: round(seconds, 3),
    loadSeconds: round(loadSeconds, 3),
    samplesPerSecond: Math.round(progress.samplesPerSecond),
    epochs: epochs.length,
    iterations: last.iteration,
    dtype: s.dtype,
  };
  log.write(
    `test accuracy ${percent(report.testAccuracy)}, train ${trainAccuracyText(report.trainAccuracy, s.trainAccuracy)} in ${seconds.toFixed(1)}s ` +
      `(+${loadSeconds.toFixed(2)}s loading)${s.save ? `; saved ${s.save}` : ''}${s.plot ? `; plot ${s.plot}` : ''}\n`,
  );
  if (s.json) out.stdout.write(JSON.stringify(report) + '\n');
  return report;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
