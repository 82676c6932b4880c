/**
 * `scratchnet eval --model FILE`: rebuilds a saved net and measures its test accuracy twice, in
 * batches and one image at a time (book chapter 3's comparison: the same predictions either
 * way), then prints the confusion matrix.
 */
import { parseArgs } from 'node:util';
import { createBackend } from '../backend/load-node.js';
import { loadMnist } from '../data/mnist.js';
import { loadNet } from '../io/net-file-node.js';
import { Convolution } from '../layers/convolution.js';
import { confusionMatrix } from '../train/metrics.js';
import { percent } from './progress.js';
import type { CommandOutput } from './train-command.js';
import { UsageError, asUsageError } from './usage-error.js';

export interface EvalSettings {
  model: string;
  data: string | undefined;
  batchSize: number;
  /** Threads the kernels run on; undefined = every core. */
  threads: number | undefined;
  json: boolean;
}

export const EVAL_HELP = `Usage: scratchnet eval --model FILE [options]

Rebuilds a net saved by \`scratchnet train --save FILE\` and reports its test accuracy,
computed in batches and one image at a time, and the confusion matrix.

Options:
  --model FILE        the saved net (safetensors)
  --data DIR          folder with the four MNIST-format files (default: as for train)
  --batch-size N      rows per forward pass in the batched run (default: 1000)
  --threads N         threads the kernels run on (default: every core)
  --json              print one JSON line instead of the table
  -h, --help          show this help
`;

/** Settings from `scratchnet eval`'s arguments, or null when --help was asked for. */
export function parseEvalArgs(args: string[]): EvalSettings | null {
  const { values } = asUsageError(() =>
    parseArgs({
      args,
      options: {
        model: { type: 'string' },
        data: { type: 'string' },
        'batch-size': { type: 'string' },
        threads: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }),
  );
  if (values.help) return null;
  if (!values.model) throw new UsageError('eval needs --model FILE (a net saved by scratchnet train --save FILE)');
  const text = values['batch-size'];
  const batchSize = text === undefined ? 1000 : Number(text);
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new UsageError(`--batch-size must be a positive integer, got '${text}'`);
  const threadsText = values.threads;
  const threads = threadsText === undefined ? undefined : Number(threadsText);
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) {
    throw new UsageError(`--threads must be a positive integer, got '${threadsText}'`);
  }
  return { model: values.model, data: values.data, batchSize, threads, json: values.json ?? false };
}

export interface EvalReport {
  testAccuracy: number;
  /** The same, predicting one image per forward pass. */
  singleImageAccuracy: number;
  samples: number;
  /** confusion[true][predicted]. */
  confusion: number[][];
  seconds: number;
}

export async function runEval(s: EvalSettings, out: CommandOutput): Promise<EvalReport> {
  const started = performance.now();
  await createBackend({ threads: s.threads });
  // The model first: a bad file fails before the data is loaded.
  const net = await loadNet(s.model);
  // A net that starts with a convolution takes (C, H, W) images; others take flat rows.
  const first = net.layers[0];
  const images = first instanceof Convolution;
  const { test } = await loadMnist({ dir: s.data, flatten: !images });
  const sampleSize = test.sampleShape.reduce((a, b) => a * b, 1);
  if (images) {
    if (first.W.shape[1] !== test.sampleShape[0]) {
      throw new Error(`eval: ${s.model} takes images of ${first.W.shape[1]} channels but the data's samples are ${test.sampleShape.join('x')}`);
    }
  } else if (net.params[0].shape[0] !== sampleSize) {
    throw new Error(`eval: ${s.model} takes ${net.params[0].shape[0]} inputs but the data's samples are ${test.sampleShape.join('x')} (${sampleSize})`);
  }
  const batched = confusionMatrix(net, test, { batchSize: s.batchSize, classes: 10 });
  const single = confusionMatrix(net, test, { batchSize: 1, classes: 10 });

  const report: EvalReport = {
    testAccuracy: batched.accuracy,
    singleImageAccuracy: single.accuracy,
    samples: batched.total,
    confusion: batched.counts,
    seconds: Math.round(performance.now() - started) / 1000,
  };
  if (s.json) {
    out.stdout.write(JSON.stringify(report) + '\n');
  } else {
    out.stdout.write(
      `${s.model}: test accuracy ${percent(report.testAccuracy)} on ${report.samples} samples ` +
        `(batches of ${s.batchSize}); one image at a time: ${percent(report.singleImageAccuracy)}\n\n` +
        `${batched.format()}\n`,
    );
  }
  return report;
}
