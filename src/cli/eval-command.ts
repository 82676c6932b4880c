/**
 * `scratchnet eval --model FILE`: rebuilds a saved net and measures its test accuracy twice, in
 * batches and one image at a time (book chapter 3's comparison: the same predictions either
 * way), then prints the confusion matrix.
 */
import { parseArgs } from 'node:util';
import { createBackend } from '../backend/load-node.js';
import { loadMnist } from '../data/mnist.js';
import type { Tensor } from '../backend/tensor.js';
import type { MnistSet } from '../data/mnist-set.js';
import { loadNet } from '../io/net-file-node.js';
import type { Sequential } from '../nets/sequential.js';
import { argmaxRows } from '../ops/reduce.js';
import { BatchBuffers, usesSparseInput } from '../train/evaluate.js';
import { ConfusionMatrix } from './confusion-matrix.js';
import { percent } from './progress.js';
import type { CommandOutput } from './train-command.js';
import { UsageError } from './usage-error.js';

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
  let values;
  try {
    ({ values } = parseArgs({
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
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
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

/**
 * Predicted classes for the whole set, `batchSize` rows per forward pass, into `matrix`; batches
 * go in as the Trainer's evaluation sends them (sparse rows for MNIST), so the counts agree with it.
 */
function predictAll(net: Sequential, set: MnistSet, batchSize: number, matrix: ConfusionMatrix): void {
  const backend = set.backend;
  const size = Math.min(batchSize, set.count);
  const order = backend.arange(0, set.count, 1, 'int32');
  const sparse = usesSparseInput(set, net);
  const buffers = new Map<number, { batch: BatchBuffers; pred: Tensor }>();
  const buffersFor = (n: number) => {
    let b = buffers.get(n);
    if (!b) {
      b = { batch: new BatchBuffers(set, n, net, sparse), pred: backend.empty([n], 'int32') };
      buffers.set(n, b);
    }
    return b;
  };
  try {
    net.inEvalMode(() => {
      for (let start = 0; start < set.count; start += size) {
        const n = Math.min(size, set.count - start);
        const { batch, pred } = buffersFor(n);
        batch.fill(order.subview(start, [n]));
        argmaxRows(net.forward(batch.x), pred);
        matrix.add(batch.t, pred);
      }
    });
  } finally {
    order.dispose();
    for (const b of buffers.values()) {
      b.batch.dispose();
      b.pred.dispose();
    }
  }
}

export async function runEval(s: EvalSettings, out: CommandOutput): Promise<EvalReport> {
  const started = performance.now();
  await createBackend({ threads: s.threads });
  // The model first: a bad file fails before the data is loaded.
  const net = await loadNet(s.model);
  const { test } = await loadMnist({ dir: s.data });
  const inputSize = net.params[0].shape[0];
  const sampleSize = test.sampleShape.reduce((a, b) => a * b, 1);
  if (inputSize !== sampleSize) {
    throw new Error(`eval: ${s.model} takes ${inputSize} inputs but the data's samples are ${test.sampleShape.join('x')} (${sampleSize})`);
  }
  const batched = new ConfusionMatrix(10);
  predictAll(net, test, s.batchSize, batched);
  const single = new ConfusionMatrix(10);
  predictAll(net, test, 1, single);

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
