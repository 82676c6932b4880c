/**
 * The demo's Web Worker: it owns the wasm backend, MNIST in wasm memory and the net. Training
 * runs through Trainer.fitAsync, which gives the event loop a turn every ~40 ms, so stop, predict,
 * save and load messages are answered between batches while the page's thread only draws.
 */
import { createBackend, evaluateAccuracy, fetchMnist, netFromSafetensors, netToSafetensors, paramsHash, softmax } from 'scratchnet';
import type { Backend, Mnist, MnistSet, Sequential } from 'scratchnet';
import { TrainingRun } from './training-run.js';
import { LOSS_WINDOW, TEST_SLICE } from './worker-messages.js';
import type { FromWorker, ToWorker } from './worker-messages.js';

/** Served by the demo's dev server from SCRATCHNET_DATA or ../shared/datasets/mnist. */
const DATA_URL = '/data/mnist/';
const SLICE_MS = 40;

interface Job {
  run: TrainingRun;
  targetStep: number;
  evalEvery: number;
  /** Milliseconds spent in training steps only (evaluation excluded), for samples/s. */
  trainingMs: number;
  windowSum: number;
  windowCount: number;
  /** Aborted by stop, or by a new run or a loaded net replacing this one. */
  controller: AbortController;
  /** Settles once the run has finished and reported. */
  done: Promise<void>;
}

let backend: Backend;
let mnist: Mnist;
let testSlice: MnistSet;
/** The net that predicts and is saved: the last run's, or a loaded one. */
let net: Sequential | null = null;
let job: Job | null = null;

function post(message: FromWorker): void {
  postMessage(message);
}

/**
 * A backend on `threads` threads (default: every core, where the page is cross-origin isolated)
 * with MNIST copied into its memory. A backend's thread count is fixed, so a new count means a
 * new backend and a second copy of the data, fetched again (from the HTTP cache).
 */
async function openBackend(threads?: number): Promise<void> {
  const started = performance.now();
  net?.dispose();
  net = null;
  mnist?.dispose();
  backend?.dispose();
  backend = await createBackend({ dtype: 'float32', threads });
  // (N, 1, 28, 28) images: the conv net needs them, and an MLP's first Affine flattens them.
  mnist = await fetchMnist({ baseUrl: new URL(DATA_URL, location.origin), backend, flatten: false });
  testSlice = mnist.test.slice(TEST_SLICE);
  const seconds = (performance.now() - started) / 1000;
  post({ type: 'ready', trainCount: mnist.train.count, testCount: mnist.test.count, seconds, threads: backend.threads });
}

const ready = openBackend().then(
  () => true,
  (err: unknown) => {
    post({ type: 'error', request: 'loading', message: (err as Error).message });
    return false;
  },
);

onmessage = async (event: MessageEvent<ToWorker>) => {
  if (!(await ready)) return;
  const message = event.data;
  try {
    switch (message.type) {
      case 'start':
        await stopJob();
        if (message.threads !== backend.threads) await openBackend(message.threads);
        start(message.config, message.steps, message.evalEvery);
        break;
      case 'stop':
        job?.controller.abort();
        break;
      case 'predict':
        post({ type: 'prediction', id: message.id, probabilities: net ? predict(net, message.pixels) : [] });
        break;
      case 'save':
        if (!net) throw new Error('save: there is no net yet; train or load one first');
        post({ type: 'saved', bytes: netToSafetensors(net) });
        break;
      case 'load':
        await load(message.bytes, message.name);
        break;
    }
  } catch (err) {
    post({ type: 'error', request: message.type, message: (err as Error).message });
  }
};

/** Stops the current run, if any, and waits until it has reported. */
async function stopJob(): Promise<void> {
  if (!job) return;
  job.controller.abort();
  await job.done;
}

function start(config: TrainingRun['config'], steps: number, evalEvery: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`start: steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(evalEvery) || evalEvery < 1) throw new Error(`start: evalEvery must be a positive integer, got ${evalEvery}`);
  const run = new TrainingRun(mnist.train, config);
  net?.dispose();
  net = run.net;
  const current: Job = { run, targetStep: steps, evalEvery, trainingMs: 0, windowSum: 0, windowCount: 0, controller: new AbortController(), done: Promise.resolve() };
  job = current;
  const description = `${describeNet(run.net)}, ${backend.threads} thread${backend.threads > 1 ? 's' : ''}`;
  const testAccuracy = evaluateAccuracy(run.net, testSlice, { batchSize: 500 });
  post({ type: 'started', paramCount: run.net.paramCount, description, testAccuracy });
  current.done = train(current);
}

/**
 * Trains the whole run with fitAsync, reporting the loss windows (and any test accuracy measured)
 * at most every SLICE_MS, then finishes it.
 */
async function train(current: Job): Promise<void> {
  const { run } = current;
  let losses: number[] = [];
  let testAccuracy: number | undefined;
  let lastPost = performance.now();
  let mark = performance.now();
  const report = () => {
    post({ type: 'progress', step: run.step, epochs: run.epochs, losses, samplesPerSecond: samplesPerSecond(current), testAccuracy });
    losses = [];
    testAccuracy = undefined;
    lastPost = performance.now();
  };
  let error: string | undefined;
  try {
    await run.trainAsync(current.targetStep, {
      signal: current.controller.signal,
      yieldEveryMs: SLICE_MS,
      onBatch: (info) => {
        current.trainingMs += performance.now() - mark;
        current.windowSum += info.loss;
        if (++current.windowCount === LOSS_WINDOW) {
          losses.push(current.windowSum / LOSS_WINDOW);
          current.windowSum = 0;
          current.windowCount = 0;
        }
        const evaluate = info.iteration % current.evalEvery === 0;
        if (evaluate) testAccuracy = evaluateAccuracy(run.net, testSlice, { batchSize: 500 });
        // Each accuracy is a point of the page's curve: sent at once, never overwritten by the next.
        if (evaluate || performance.now() - lastPost >= SLICE_MS) report();
        mark = performance.now();
      },
    });
  } catch (err) {
    error = (err as Error).message;
  }
  report();
  finish(current, error);
}

function finish(done: Job, error?: string): void {
  if (job === done) job = null;
  done.run.dispose(true);
  const testAccuracy = evaluateAccuracy(done.run.net, mnist.test, { batchSize: 1000 });
  post({ type: 'finished', step: done.run.step, testAccuracy, paramsHash: paramsHash(done.run.net), samplesPerSecond: samplesPerSecond(done), error });
}

function samplesPerSecond(j: Job): number {
  return j.trainingMs > 0 ? (j.run.step * j.run.config.batchSize * 1000) / j.trainingMs : 0;
}

/** Softmax of the net's scores for one 28x28 image. */
function predict(model: Sequential, pixels: Float32Array): number[] {
  const x = backend.empty([1, 1, 28, 28], model.dtype).set(pixels);
  try {
    const scores = model.predict(x);
    const row = Array.from(scores.data as Float32Array | Float64Array);
    scores.dispose();
    return softmax(row);
  } finally {
    x.dispose();
  }
}

async function load(bytes: Uint8Array, name: string): Promise<void> {
  // The net comes back in the file's dtype; a file without our architecture metadata is refused.
  const loaded = netFromSafetensors(bytes, { backend }, name);
  let testAccuracy: number;
  try {
    testAccuracy = evaluateAccuracy(loaded, mnist.test, { batchSize: 1000 });
  } catch (err) {
    loaded.dispose();
    throw new Error(`${name}: this net does not take MNIST digits (${(err as Error).message})`);
  }
  await stopJob();
  net?.dispose();
  net = loaded;
  post({ type: 'loaded', name, description: describeNet(loaded), testAccuracy, paramsHash: paramsHash(loaded) });
}

/**
 * "784-256-128-10 float32, 235,146 params" from the Affine weight shapes (in, out); a conv net
 * starts with its filters (FN, C, FH, FW): "conv16x5x5-conv32x5x5-512-100-10 float32, ...".
 */
function describeNet(model: Sequential): string {
  const filters = model.params.filter((p) => p.rank === 4).map((w) => `conv${w.shape[0]}x${w.shape[2]}x${w.shape[3]}`);
  const weights = model.params.filter((p) => p.rank === 2);
  const sizes = [weights[0].shape[0], ...weights.map((w) => w.shape[1])];
  return `${[...filters, ...sizes].join('-')} ${model.dtype}, ${model.paramCount.toLocaleString('en-US')} params`;
}
