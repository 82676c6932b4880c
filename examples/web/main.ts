/**
 * The demo page: controls, live charts and the drawing pad on this thread; the wasm backend,
 * MNIST and all training in a Web Worker (training-worker.ts), so the page stays responsive.
 */
import { OPTIMIZERS, defaultLearningRate, downloadBytes, lineChartSvg, optimizerLabel } from 'scratchnet';
import { DrawingPad } from './drawing-pad.js';
import type { OptimizerName, RunConfig } from './training-run.js';
import { LOSS_WINDOW, TEST_SLICE } from './worker-messages.js';
import type { FromWorker, ToWorker } from './worker-messages.js';

/** Steps between two points of the test-accuracy curve. */
const EVAL_EVERY = 100;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`demo page: no element #${id}`);
  return found as T;
}

const ui = {
  message: element('message'),
  controls: element<HTMLFormElement>('controls'),
  hidden: element<HTMLInputElement>('hidden'),
  optimizer: element<HTMLSelectElement>('optimizer'),
  netKind: element<HTMLSelectElement>('net-kind'),
  learningRate: element<HTMLInputElement>('learning-rate'),
  dtype: element<HTMLSelectElement>('dtype'),
  batchSize: element<HTMLInputElement>('batch-size'),
  steps: element<HTMLInputElement>('steps'),
  seed: element<HTMLInputElement>('seed'),
  threads: element<HTMLSelectElement>('threads'),
  start: element<HTMLButtonElement>('start'),
  stop: element<HTMLButtonElement>('stop'),
  net: element('net'),
  step: element('step'),
  epoch: element('epoch'),
  loss: element('loss'),
  testAccuracy: element('test-accuracy'),
  samplesPerSecond: element('samples-per-second'),
  paramsHash: element('params-hash'),
  lossChart: element('loss-chart'),
  accuracyChart: element('accuracy-chart'),
  save: element<HTMLButtonElement>('save'),
  load: element<HTMLInputElement>('load'),
  pad: element<HTMLCanvasElement>('pad'),
  preview: element<HTMLCanvasElement>('preview'),
  clear: element<HTMLButtonElement>('clear'),
  prediction: element('prediction'),
  probabilities: element<HTMLOListElement>('probabilities'),
};

// The optimizer menu is the library's table, Adam first chosen; picking one sets its book default rate.
for (const name of OPTIMIZERS) ui.optimizer.add(new Option(optimizerLabel(name), name, name === 'adam', name === 'adam'));
ui.optimizer.addEventListener('change', () => {
  ui.learningRate.value = String(defaultLearningRate(ui.optimizer.value as OptimizerName));
});

/** loading -> ready <-> training; error when something failed (the message says what). */
type PageState = 'loading' | 'ready' | 'training' | 'error';

function setState(state: PageState, message?: string): void {
  document.body.dataset.state = state;
  if (message !== undefined) ui.message.textContent = message;
  ui.start.disabled = state === 'loading';
  ui.stop.disabled = state !== 'training';
}

const worker = new Worker(new URL('./training-worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);

// --- training -----------------------------------------------------------------

let losses: number[] = [];
let accuracies: number[] = [];
let hasNet = false;
/** Runs ended so far (shown as body[data-finished-runs], for scripts waiting on a run). */
let finishedRuns = 0;

function readConfig(): { config: RunConfig; steps: number } {
  const hiddenSizes = ui.hidden.value.split(',').map((s) => Number(s.trim()));
  if (hiddenSizes.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error(`hidden sizes must be positive integers separated by commas, got "${ui.hidden.value}"`);
  }
  const config: RunConfig = {
    net: ui.netKind.value === 'conv' ? 'conv' : 'mlp',
    hiddenSizes,
    optimizer: ui.optimizer.value as OptimizerName,
    learningRate: Number(ui.learningRate.value),
    dtype: ui.dtype.value === 'float64' ? 'float64' : 'float32',
    batchSize: Number(ui.batchSize.value),
    seed: Number(ui.seed.value),
  };
  return { config, steps: Number(ui.steps.value) };
}

ui.controls.addEventListener('submit', (event) => {
  event.preventDefault();
  try {
    const { config, steps } = readConfig();
    losses = [];
    accuracies = [];
    drawCharts();
    for (const id of ['step', 'epoch', 'loss', 'testAccuracy', 'samplesPerSecond', 'paramsHash'] as const) ui[id].textContent = '–';
    send({ type: 'start', config, steps, evalEvery: EVAL_EVERY, threads: Number(ui.threads.value) });
    setState('training', 'Training…');
  } catch (err) {
    ui.message.textContent = `Cannot start: ${(err as Error).message}`;
  }
});

ui.stop.addEventListener('click', () => send({ type: 'stop' }));

/** Thread counts from 1 to what the worker's backend got by default (every core, if the page is cross-origin isolated). */
function offerThreads(available: number): void {
  ui.threads.replaceChildren();
  for (let n = 1; n <= available; n++) ui.threads.append(new Option(String(n), String(n), n === available, n === available));
}

function drawCharts(): void {
  const chart = (values: number[], name: string, options: Parameters<typeof lineChartSvg>[1]) =>
    values.length < 2 ? '' : lineChartSvg([{ name, values }], { width: 420, height: 260, ...options });
  // The numbers behind each chart ride along as data-values (JSON), for scripts and tests.
  ui.lossChart.dataset.values = JSON.stringify(losses);
  ui.accuracyChart.dataset.values = JSON.stringify(accuracies);
  ui.lossChart.innerHTML = chart(losses, 'loss', { title: 'Training loss', xLabel: `steps / ${LOSS_WINDOW}`, yLabel: 'loss', yMin: 0 });
  ui.accuracyChart.innerHTML = chart(accuracies, 'test accuracy', {
    title: `Test accuracy (first ${TEST_SLICE} images)`,
    xLabel: `steps / ${EVAL_EVERY} (0: untrained)`,
    yLabel: '%',
  });
}

const percent = (v: number) => `${(100 * v).toFixed(2)}%`;
const rate = (v: number) => Math.round(v).toLocaleString('en-US');

// --- the worker's reports -------------------------------------------------------

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready':
      if (document.body.dataset.state === 'loading') {
        offerThreads(m.threads);
        setState('ready', `MNIST loaded in the worker (${m.trainCount.toLocaleString('en-US')} training and ${m.testCount.toLocaleString('en-US')} test images, ${m.seconds.toFixed(1)} s). Set the controls and press Start.`);
        ui.load.disabled = false;
      }
      break;
    case 'started':
      ui.net.textContent = m.description;
      accuracies.push(100 * m.testAccuracy);
      hasNet = true;
      ui.save.disabled = false;
      break;
    case 'progress':
      ui.step.textContent = String(m.step);
      ui.epoch.textContent = m.epochs.toFixed(2);
      if (m.losses.length > 0) ui.loss.textContent = m.losses[m.losses.length - 1].toFixed(4);
      ui.samplesPerSecond.textContent = rate(m.samplesPerSecond);
      losses.push(...m.losses);
      if (m.testAccuracy !== undefined) {
        accuracies.push(100 * m.testAccuracy);
        ui.testAccuracy.textContent = `${percent(m.testAccuracy)} (first ${TEST_SLICE})`;
      }
      drawCharts();
      break;
    case 'finished':
      document.body.dataset.finishedRuns = String(++finishedRuns);
      ui.step.textContent = String(m.step);
      ui.testAccuracy.textContent = `${percent(m.testAccuracy)} (all 10,000)`;
      ui.samplesPerSecond.textContent = rate(m.samplesPerSecond);
      ui.paramsHash.textContent = m.paramsHash;
      setState(m.error ? 'error' : 'ready', m.error ? `Training stopped: ${m.error}` : `Done: ${m.step} steps, test accuracy ${percent(m.testAccuracy)}. Draw a digit!`);
      requestPrediction();
      break;
    case 'prediction':
      showPrediction(m.id, m.probabilities);
      break;
    case 'saved':
      downloadBytes(m.bytes, 'scratchnet-mnist.safetensors');
      break;
    case 'loaded':
      hasNet = true;
      ui.save.disabled = false;
      ui.net.textContent = m.description;
      ui.testAccuracy.textContent = `${percent(m.testAccuracy)} (all 10,000)`;
      ui.paramsHash.textContent = m.paramsHash;
      setState('ready', `Loaded ${m.name}: test accuracy ${percent(m.testAccuracy)}.`);
      requestPrediction();
      break;
    case 'error':
      if (m.request === 'loading') setState('error', `The training worker could not start: ${m.message}`);
      else if (m.request === 'start') setState('ready', `Cannot start: ${m.message}`);
      else ui.message.textContent = `${m.request}: ${m.message}`;
      break;
  }
});

worker.addEventListener('error', (event) => setState('error', `The training worker failed: ${event.message}`));

// --- saving and loading -----------------------------------------------------------

ui.save.addEventListener('click', () => send({ type: 'save' }));

ui.load.addEventListener('change', async () => {
  const file = ui.load.files?.[0];
  if (!file) return;
  send({ type: 'load', bytes: new Uint8Array(await file.arrayBuffer()), name: file.name });
  ui.load.value = '';
});

// --- drawing and predicting ---------------------------------------------------------

/** One prediction in flight at a time; the newest drawing waits for it. */
let asked = 0;
let answered = 0;
let waiting: Float32Array | null = null;

const pad = new DrawingPad(ui.pad, ui.preview, (pixels) => {
  waiting = pixels;
  if (asked === answered) requestPrediction();
});

function requestPrediction(): void {
  const pixels = waiting ?? pad.pixels();
  waiting = null;
  if (!hasNet || pixels.every((v) => v === 0)) {
    showPrediction(asked, []);
    return;
  }
  send({ type: 'predict', id: ++asked, pixels });
  ui.prediction.dataset.asked = String(asked);
}

function showPrediction(id: number, probabilities: number[]): void {
  answered = id;
  ui.probabilities.replaceChildren();
  if (probabilities.length === 0) {
    ui.prediction.textContent = '–';
    delete ui.prediction.dataset.digit;
  } else {
    const best = probabilities.indexOf(Math.max(...probabilities));
    ui.prediction.textContent = String(best);
    ui.prediction.dataset.digit = String(best);
    probabilities.forEach((p, digit) => {
      const row = document.createElement('li');
      row.dataset.digit = String(digit);
      row.dataset.probability = String(p);
      row.className = digit === best ? 'top' : '';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      const label = document.createElement('span');
      label.textContent = String(digit);
      const value = document.createElement('span');
      value.textContent = `${(100 * p).toFixed(1)}%`;
      row.append(label, bar, value);
      ui.probabilities.append(row);
    });
  }
  ui.prediction.dataset.id = String(id);
  if (waiting) requestPrediction();
}

ui.clear.addEventListener('click', () => {
  pad.clear();
  waiting = null;
  showPrediction(asked, []);
});
