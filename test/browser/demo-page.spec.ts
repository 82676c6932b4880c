/**
 * The demo page in real Chromium (Debian's /usr/bin/chromium through playwright-core): the built
 * page trains MNIST in its worker, classifies a real test digit drawn with the mouse, ends with the
 * same params hash as Node for the same seed and steps, and saves and loads its weights.
 * Needs `npm run build` and `vite build -c examples/web/vite.config.ts` first (npm run test:browser does both).
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { preview } from 'vite';
import type { PreviewServer } from 'vite';
import { OPTIMIZERS, createBackend, defaultLearningRate, loadMnist, netFromSafetensors, optimizerLabel, paramsHash, readNetFile } from 'scratchnet';
import type { Backend, Mnist } from 'scratchnet';
import { TrainingRun } from '../../examples/web/training-run.js';
import type { RunConfig } from '../../examples/web/training-run.js';
import { mnistDir, readTestDigits } from './mnist-test-digits.js';
import type { TestDigits } from './mnist-test-digits.js';
import { CHROMIUM_LAUNCH } from './chromium.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const webDir = join(repoRoot, 'examples/web');
const outputDir = join(repoRoot, 'test-output');

/** The run the page and Node both do: one epoch of 784-100-10 with Adam. */
const RUN: RunConfig = { hiddenSizes: [100], optimizer: 'adam', learningRate: 0.002, dtype: 'float32', batchSize: 100, seed: 7 };
const STEPS = 600;
/** Stated bar for one epoch of this net: it reaches about 96% on the 10,000 test images. */
const ACCURACY_BAR = 0.94;

let server: PreviewServer;
let context: BrowserContext;
let userDataDir: string;
let page: Page;
let digits: TestDigits;
let backend: Backend;
let mnist: Mnist;
const pageErrors: string[] = [];

beforeAll(async () => {
  digits = readTestDigits();
  server = await preview({ configFile: join(webDir, 'vite.config.ts'), preview: { port: 4180, strictPort: false }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('demo-page: the preview server gave no URL');
  userDataDir = mkdtempSync(join(tmpdir(), 'scratchnet-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    ...CHROMIUM_LAUNCH,
    acceptDownloads: true,
    viewport: { width: 1200, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(90_000); // CI machines can be busy
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  await page.goto(url);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
  expect(await page.textContent('#message')).toMatch(/MNIST loaded/);
  backend = await createBackend({ dtype: 'float32', threads: 1 });
  mnist = await loadMnist({ dir: mnistDir, backend, download: false });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  mnist?.dispose();
});

/** Fills the controls with `config`, `steps` and `threads` (default: all the page offers), presses Start and waits for the run to finish. */
async function trainOnPage(config: RunConfig, steps: number, threads?: number): Promise<void> {
  const offered = await page.$$eval('#threads option', (options) => options.map((o) => Number((o as HTMLOptionElement).value)));
  await page.selectOption('#threads', String(threads ?? Math.max(...offered)));
  await page.selectOption('#net-kind', config.net ?? 'mlp');
  await page.fill('#hidden', config.hiddenSizes.join(','));
  await page.selectOption('#optimizer', config.optimizer);
  await page.fill('#learning-rate', String(config.learningRate));
  await page.selectOption('#dtype', config.dtype);
  await page.fill('#batch-size', String(config.batchSize));
  await page.fill('#steps', String(steps));
  await page.fill('#seed', String(config.seed));
  const finished = Number(await page.getAttribute('body', 'data-finished-runs'));
  await page.click('#start');
  await page.waitForFunction((before) => Number(document.body.dataset.finishedRuns) > before, finished);
  expect(await page.textContent('#message')).toMatch(/^Done/);
  expect(await page.textContent('#step')).toBe(String(steps));
}

/**
 * Pixels at least this dark are traced. The pad's brush is about two MNIST pixels wide, so tracing
 * only the core of each stroke (not its grey rim) keeps the drawn strokes as thin as the original's.
 */
const INK = 192;

/** Draws test digit `index` on the pad by tracing each row's inked runs as mouse strokes, 10 canvas px per MNIST pixel. */
async function drawDigit(index: number): Promise<void> {
  await page.click('#clear');
  const box = (await page.locator('#pad').boundingBox())!;
  const cell = box.width / 28;
  const image = digits.images.subarray(index * 784, (index + 1) * 784);
  for (let y = 0; y < 28; y++) {
    let x = 0;
    while (x < 28) {
      if (image[y * 28 + x] < INK) {
        x++;
        continue;
      }
      const start = x;
      while (x < 28 && image[y * 28 + x] >= INK) x++;
      const at = (col: number) => [box.x + (col + 0.5) * cell, box.y + (y + 0.5) * cell] as const;
      await page.mouse.move(...at(start));
      await page.mouse.down();
      await page.mouse.move(...at(x - 1));
      await page.mouse.up();
    }
  }
  // Let the pad's animation-frame update run, then wait for the worker's answer to the last request.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await page.waitForFunction(() => {
    const p = document.getElementById('prediction')!;
    return p.dataset.asked !== undefined && p.dataset.id === p.dataset.asked;
  });
}

async function probabilities(): Promise<number[]> {
  return page.$$eval('#probabilities li', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.probability)));
}

describe('the demo page in Chromium', () => {
  test("offers the library's optimizers, each with its book rate when picked", async () => {
    const offered = await page.$$eval('#optimizer option', (options) => options.map((o) => [(o as HTMLOptionElement).value, o.textContent]));
    expect(offered).toEqual(OPTIMIZERS.map((name) => [name, optimizerLabel(name)]));
    expect(await page.inputValue('#optimizer')).toBe('adam');
    for (const name of ['sgd', 'adam'] as const) {
      await page.selectOption('#optimizer', name);
      expect(Number(await page.inputValue('#learning-rate'))).toBe(defaultLearningRate(name));
    }
  });

  test('is cross-origin isolated and its bundle reaches no Node built-ins', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const assets = join(webDir, 'dist/assets');
    const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThanOrEqual(2); // page and worker
    // No static import of a Node module (the threads code carries a Node worker's source as text,
    // which a browser never runs; a dynamic import reached at run time would show up in pageErrors).
    for (const f of scripts) {
      const staticImports = readFileSync(join(assets, f), 'utf8').match(/(?:^|[;\n}])\s*import\b[^;()]*?\bfrom\s*["'][^"']+["']/g) ?? [];
      expect(staticImports.filter((i) => /["']node:/.test(i)), f).toEqual([]);
    }
  });

  test(`trains ${STEPS} steps in its worker: loss falls, test accuracy passes ${ACCURACY_BAR * 100}%, params equal Node's bit for bit`, async () => {
    await trainOnPage(RUN, STEPS);
    const pageThreads = Number((await page.textContent('#net'))!.match(/(\d+) threads?$/)![1]);
    const losses: number[] = JSON.parse((await page.getAttribute('#loss-chart', 'data-values'))!);
    const accuracies: number[] = JSON.parse((await page.getAttribute('#accuracy-chart', 'data-values'))!);
    expect(losses.length).toBe(STEPS / 10);
    expect(losses[0]).toBeGreaterThan(1.5); // ~ln 10 at the start
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(0.35);
    expect(accuracies.length).toBe(STEPS / 100 + 1); // the untrained net, then every 100 steps
    expect(accuracies[0]).toBeLessThan(30);
    expect(accuracies[accuracies.length - 1]).toBeGreaterThan(100 * ACCURACY_BAR);
    expect(await page.textContent('#epoch')).toBe('1.00');
    const testAccuracy = Number((await page.textContent('#test-accuracy'))!.match(/([\d.]+)%/)![1]) / 100;
    expect(testAccuracy).toBeGreaterThan(ACCURACY_BAR);
    expect(await page.locator('#loss-chart svg').count()).toBe(1);

    // The same run in Node, through the same TrainingRun, but on one thread (the page uses every core
    // it has) and with no evaluations or predictions in between.
    const run = new TrainingRun(mnist.train, RUN);
    const started = performance.now();
    const nodeLosses = run.run(STEPS);
    const nodeSeconds = (performance.now() - started) / 1000;
    expect(await page.textContent('#params-hash')).toBe(run.paramsHash());
    for (let w = 0; w < losses.length; w++) {
      const mean = nodeLosses.subarray(10 * w, 10 * w + 10).reduce((a, b) => a + b) / 10;
      expect(losses[w]).toBe(mean);
    }
    const browserRate = Number((await page.textContent('#samples-per-second'))!.replace(/,/g, ''));
    const nodeRate = Math.round((STEPS * RUN.batchSize) / nodeSeconds);
    console.log(`samples/s, 784-100-10 float32 Adam, batch 100, ${STEPS} steps: Chromium ${browserRate} (${pageThreads} threads), Node ${nodeRate} (1 thread)`);
    run.dispose();
  });

  test('classifies real test digits drawn with the mouse', async () => {
    // The first five test images (7, 2, 1, 0, 4); each costs a few hundred mouse events.
    const indices = [0, 1, 2, 3, 4];
    const predicted: number[] = [];
    for (const i of indices) {
      await drawDigit(i);
      predicted.push(Number(await page.getAttribute('#prediction', 'data-digit')));
      const p = await probabilities();
      expect(p).toHaveLength(10);
      expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
      expect(Math.max(...p)).toBe(p[predicted[predicted.length - 1]]);
    }
    expect(predicted).toEqual(indices.map((i) => digits.labels[i]));
    mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: join(outputDir, 'browser-demo.png'), fullPage: true });
  });

  test('saves the weights as safetensors and loads them back', async () => {
    const hash = await page.textContent('#params-hash');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    expect(download.suggestedFilename()).toBe('scratchnet-mnist.safetensors');
    const path = join(outputDir, 'browser-demo.safetensors');
    await download.saveAs(path);
    const bytes = new Uint8Array(readFileSync(path));
    // Node reads the file the page wrote: the architecture, and the very params.
    const file = readNetFile(bytes, 'downloaded file');
    expect(file.spec?.layers.filter((l) => l.type === 'affine').map((l) => ('outputSize' in l ? l.outputSize : 0))).toEqual([100, 10]);
    const net = netFromSafetensors(bytes, { backend, dtype: 'float32' });
    expect(paramsHash(net)).toBe(hash);
    net.dispose();

    // Train something else, then load the file: the page's net is the saved one again.
    await trainOnPage({ ...RUN, hiddenSizes: [20], seed: 9 }, 50);
    expect(await page.textContent('#params-hash')).not.toBe(hash);
    await page.setInputFiles('#load', path);
    await page.waitForFunction(() => document.getElementById('message')!.textContent!.startsWith('Loaded'));
    expect(await page.textContent('#params-hash')).toBe(hash);
    expect(await page.textContent('#net')).toBe('784-100-10 float32, 79,510 params');
    await drawDigit(0);
    expect(await page.getAttribute('#prediction', 'data-digit')).toBe(String(digits.labels[0]));
  });

  test('Stop ends a long run early, and the page answers while the worker trains', async () => {
    await page.fill('#hidden', '20');
    await page.fill('#steps', '1000000');
    const finished = Number(await page.getAttribute('body', 'data-finished-runs'));
    await page.click('#start');
    await page.waitForFunction(() => Number(document.getElementById('step')!.textContent) >= 200);
    // A stroke drawn now is classified between two training slices, while the run goes on.
    await page.click('#clear');
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + 140, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + 140, box.y + 240);
    await page.mouse.up();
    await page.waitForFunction(() => {
      const p = document.getElementById('prediction')!;
      return p.dataset.asked !== undefined && p.dataset.id === p.dataset.asked && p.dataset.digit !== undefined;
    });
    expect(await page.getAttribute('body', 'data-state')).toBe('training');
    await page.click('#stop');
    await page.waitForFunction((before) => Number(document.body.dataset.finishedRuns) > before, finished);
    const steps = Number(await page.textContent('#step'));
    expect(steps).toBeGreaterThanOrEqual(200);
    expect(steps).toBeLessThan(1_000_000);
    expect(await page.textContent('#message')).toBe(`Done: ${steps} steps, test accuracy ${(await page.textContent('#test-accuracy'))!.split(' ')[0]}. Draw a digit!`);
  });

  test('float64 on one thread: the same hash in Chromium and Node', async () => {
    const config: RunConfig = { hiddenSizes: [30, 20], optimizer: 'momentum', learningRate: 0.05, dtype: 'float64', batchSize: 64, seed: 3 };
    await trainOnPage(config, 120, 1);
    expect(await page.textContent('#net')).toBe('784-30-20-10 float64, 24,380 params, 1 thread');
    const run = new TrainingRun(mnist.train, config);
    run.run(120);
    expect(await page.textContent('#params-hash')).toBe(run.paramsHash());
    run.dispose();
  });

  test('trains the CNN (--net conv) in its worker to the very params Node gets, and the pad asks it', async () => {
    const config: RunConfig = { net: 'conv', hiddenSizes: [100], optimizer: 'adam', learningRate: 0.006, dtype: 'float32', batchSize: 50, seed: 5 };
    const steps = 40;
    await trainOnPage(config, steps);
    expect(await page.textContent('#net')).toMatch(/^conv16x5x5-conv32x5x5-512-100-10 float32, 65,654 params, \d+ threads?$/);
    const images = await loadMnist({ dir: mnistDir, backend, download: false, flatten: false });
    try {
      const run = new TrainingRun(images.train, config);
      run.run(steps);
      expect(await page.textContent('#params-hash')).toBe(run.paramsHash());
      run.dispose();
    } finally {
      images.dispose();
    }
    await drawDigit(1);
    const p = await probabilities();
    expect(p).toHaveLength(10);
    expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
  });

  test('a file that is not a net is refused with a clear message', async () => {
    const path = join(outputDir, 'not-a-net.safetensors');
    writeFileSync(path, 'hello');
    await page.setInputFiles('#load', path);
    await page.waitForFunction(() => document.getElementById('message')!.textContent!.startsWith('load:'));
    expect(await page.textContent('#message')).toMatch(/not-a-net\.safetensors/);
    expect(pageErrors).toEqual([]);
  });
});
