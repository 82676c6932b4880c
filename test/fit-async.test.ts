import { describe, test, expect, beforeAll } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createBackend, MultiLayerNet, Adam, SGD, Trainer, spiral, EarlyStopping, ModelCheckpoint, loadNet, splitSource, TensorSource, schedules,
} from '../src/index.js';
import type { Backend, Callback, EpochInfo, Trainer as TrainerType } from '../src/index.js';

let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float64' });
});

function spiralSet() {
  const data = spiral({ pointsPerClass: 100, classes: 3, seed: 1984 });
  return { x: backend.tensor(data.x, [data.count, 2], 'float64'), t: backend.tensor(data.labels, [data.count], 'int32'), data };
}

const makeNet = (seed = 5) => new MultiLayerNet({ inputSize: 2, hiddenSizes: [16], outputSize: 3 }, { backend, dtype: 'float64', seed });
const withoutTime = (history: EpochInfo[]) => history.map(({ seconds: _, ...rest }) => rest);

/** A callback that keeps a copy of the params after every epoch. */
function paramsPerEpoch(): Callback & { copies: Float64Array[] } {
  const copies: Float64Array[] = [];
  return { copies, onEpochEnd: (_info, trainer) => void copies.push(Float64Array.from(trainer.net.paramBlock.data)) };
}

describe('fitAsync', () => {
  test('gives fit\'s params and history bit for bit, yielding at every batch or never, with a schedule and a validation split', async () => {
    const { x, t } = spiralSet();
    const options = { epochs: 4, batchSize: 32, seed: 9, validationSplit: 0.2 };
    const run = async (how: 'fit' | 'async' | 'async-yielding') => {
      const net = makeNet();
      const trainer = new Trainer(net, new Adam(schedules.cosine(0.05, 40)));
      const history =
        how === 'fit' ? trainer.fit(x, t, options) : await trainer.fitAsync(x, t, { ...options, yieldEveryMs: how === 'async' ? 0 : 1e-9 });
      const result = { params: Array.from(net.paramBlock.data), history: withoutTime(history), losses: trainer.lossHistory };
      net.dispose();
      return result;
    };
    const reference = await run('fit');
    expect(reference.history).toHaveLength(4);
    expect(reference.history[3].valLoss).toBeGreaterThan(0);
    expect(await run('async')).toEqual(reference);
    expect(await run('async-yielding')).toEqual(reference);
  });

  test('an AbortSignal stops it before the next batch; the epochs completed are resolved', async () => {
    const { x, t } = spiralSet();
    const net = makeNet();
    const trainer = new Trainer(net, new SGD(0.5));
    const controller = new AbortController();
    // 300 samples in batches of 30: 10 a batch; abort during batch 13, i.e. in epoch 2.
    const history = await trainer.fitAsync(x, t, {
      epochs: 5, batchSize: 30, signal: controller.signal,
      onBatch: (info) => void (info.iteration === 13 && controller.abort()),
    });
    expect(trainer.lossHistory).toHaveLength(13);
    expect(history.map((e) => e.epoch)).toEqual([1]);
    expect(trainer.stopped).toBe(true);
    net.dispose();
  });

  test('an abort from outside lands between batches when it yields: the page (here a timer) gets its turn', async () => {
    const { x, t } = spiralSet();
    const net = makeNet();
    const trainer = new Trainer(net, new SGD(0.1));
    const controller = new AbortController();
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
      controller.abort();
    }, 5);
    await trainer.fitAsync(x, t, { epochs: 100_000, batchSize: 30, evaluate: false, signal: controller.signal, yieldEveryMs: 1 });
    expect(timerRan).toBe(true);
    expect(trainer.stopped).toBe(true);
    expect(trainer.lossHistory.length).toBeLessThan(1_000_000);
    net.dispose();
  });

  test('a hook returning false stops after that batch or that epoch, in fit and fitAsync alike', async () => {
    const { x, t } = spiralSet();
    for (const how of ['fit', 'async'] as const) {
      const atBatch = new Trainer(makeNet(), new SGD(0.5));
      const stopAt7: Callback = { onBatchEnd: (info) => info.iteration !== 7 };
      const options = { epochs: 5, batchSize: 100, callbacks: [stopAt7] };
      const h1 = how === 'fit' ? atBatch.fit(x, t, options) : await atBatch.fitAsync(x, t, options);
      // 3 batches an epoch: iteration 7 is the first of epoch 3, which is not reported.
      expect(atBatch.lossHistory).toHaveLength(7);
      expect(h1.map((e) => e.epoch)).toEqual([1, 2]);

      const atEpoch = new Trainer(makeNet(), new SGD(0.5));
      const epochOptions = { epochs: 5, batchSize: 100, onEpoch: (e: EpochInfo) => e.epoch < 2 };
      const h2 = how === 'fit' ? atEpoch.fit(x, t, epochOptions) : await atEpoch.fitAsync(x, t, epochOptions);
      expect(h2.map((e) => e.epoch)).toEqual([1, 2]);
      expect(atEpoch.lossHistory).toHaveLength(6);
      atBatch.net.dispose();
      atEpoch.net.dispose();
    }
  });
});

describe('validation', () => {
  test('validationSplit is seeded and disjoint: held and kept cover the set once, the same for one seed, not for another', () => {
    const { x, t } = spiralSet();
    const source = new TensorSource(x, t);
    const a = splitSource(source, 0.1, 3);
    const b = splitSource(source, 0.1, 3);
    const c = splitSource(source, 0.1, 4);
    expect(a.held.count).toBe(30);
    expect(a.kept.count).toBe(270);
    const all = [...a.kept.indices, ...a.held.indices].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(Array.from(b.held.indices)).toEqual(Array.from(a.held.indices));
    expect(Array.from(c.held.indices)).not.toEqual(Array.from(a.held.indices));
    expect(() => splitSource(source, 1, 0)).toThrow(/the split fraction must be in \(0, 1\), got 1/);
    for (const s of [a, b, c]) {
      s.kept.dispose();
      s.held.dispose();
    }
  });

  test('valLoss and valAccuracy are the cross-entropy and accuracy of the held-out samples, by a float64 reference', () => {
    const { x, t, data } = spiralSet();
    const net = makeNet();
    net.weightDecay = 0.01;
    const trainer = new Trainer(net, new Adam(0.02));
    const history = trainer.fit(x, t, { epochs: 2, batchSize: 50, seed: 2, validationSplit: 0.25, evalBatchSize: 40 });
    // The same split fit made (seed 2), and a plain TS softmax cross-entropy of the net's scores.
    const { held, kept } = splitSource(new TensorSource(x, t), 0.25, 2);
    const scores = net.predict(x);
    let loss = 0;
    let correct = 0;
    for (const i of held.indices) {
      const row = Array.from(scores.data.subarray(i * 3, i * 3 + 3));
      const max = Math.max(...row);
      const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
      loss += logSum - row[data.labels[i]];
      if (row.indexOf(max) === data.labels[i]) correct++;
    }
    let squares = 0;
    for (const p of net.params) if (p.rank === 2) for (const v of p.data) squares += v * v;
    const last = history[1];
    expect(last.valLoss).toBeCloseTo(loss / 75 + 0.5 * 0.01 * squares, 12);
    expect(last.valAccuracy).toBe(correct / 75);
    // Train accuracy is measured on the kept 225 only.
    expect(Number.isInteger(last.trainAccuracy! * 225)).toBe(true);
    expect(trainer.valLoss).toEqual([history[0].valLoss, history[1].valLoss]);
    scores.dispose();
    held.dispose();
    kept.dispose();
    net.dispose();
  });

  test('validationData as tensors; wrong options are refused by name before any step', () => {
    const { x, t } = spiralSet();
    const net = makeNet();
    const trainer = new Trainer(net, new SGD(0.1));
    const history = trainer.fit(x, t, { epochs: 1, batchSize: 100, validationData: { x, t } });
    expect(history[0].valAccuracy).toBe(history[0].trainAccuracy);
    expect(() => trainer.fit(x, t, { validationSplit: 0.1, validationData: { x, t } })).toThrow(/Trainer.fit: give validationData or validationSplit, not both/);
    expect(() => trainer.fit(x, t, { validationSplit: 0 })).toThrow(/Trainer.fit: validationSplit: the split fraction must be in \(0, 1\), got 0/);
    expect(() => trainer.fit(x, t, { epochs: 1, callbacks: [new EarlyStopping()] })).toThrow(/EarlyStopping: epoch 1 has no valLoss; give fit validationData or validationSplit/);
    expect(trainer.lossHistory).toHaveLength(3 + 3);
    net.dispose();
  });
});

describe('callbacks', () => {
  test('EarlyStopping stops after `patience` epochs without improvement and restores the best epoch\'s params (a saved copy)', () => {
    const { x, t } = spiralSet();
    const net = makeNet(8);
    // A rate high enough that the validation loss wanders up and down.
    const trainer = new Trainer(net, new SGD(3));
    const saved = paramsPerEpoch();
    const stopping = new EarlyStopping({ monitor: 'valLoss', patience: 2, restoreBest: true });
    const history = trainer.fit(x, t, { epochs: 60, batchSize: 30, seed: 1, validationSplit: 0.3, callbacks: [saved, stopping] });
    // The expected run, recomputed from the reported losses.
    const losses = history.map((e) => e.valLoss!);
    let best = 0;
    let wait = 0;
    let stopEpoch = 0;
    for (let i = 1; i < losses.length && stopEpoch === 0; i++) {
      if (losses[i] < losses[best]) {
        best = i;
        wait = 0;
      } else if (++wait >= 2) stopEpoch = i + 1;
    }
    expect(stopEpoch).toBeGreaterThan(0);
    expect(stopEpoch).toBeLessThan(60);
    expect(history).toHaveLength(stopEpoch);
    expect(stopping.stoppedEpoch).toBe(stopEpoch);
    expect(stopping.bestEpoch).toBe(best + 1);
    expect(Array.from(net.paramBlock.data)).toEqual(Array.from(saved.copies[best]));
    expect(Array.from(net.paramBlock.data)).not.toEqual(Array.from(saved.copies[stopEpoch - 1]));
    net.dispose();
  });

  test('EarlyStopping on an accuracy waits for a rise; bad options are refused by name', () => {
    const stopping = new EarlyStopping({ monitor: 'valAccuracy', patience: 1, minDelta: 0.05 });
    const info = (epoch: number, valAccuracy: number) => ({ epoch, iteration: epoch, loss: 1, valAccuracy, seconds: 0 });
    stopping.onTrainBegin();
    const trainer = {} as TrainerType;
    expect(stopping.onEpochEnd(info(1, 0.5), trainer)).toBe(true);
    expect(stopping.onEpochEnd(info(2, 0.54), trainer)).toBe(false); // not more than minDelta better
    expect(stopping.best).toBe(0.5);
    expect(() => new EarlyStopping({ monitor: 'accuracy' as never })).toThrow(/EarlyStopping: monitor must be one of loss, valLoss, valAccuracy, trainAccuracy, testAccuracy, got "accuracy"/);
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/EarlyStopping: patience must be an integer >= 0, got -1/);
  });

  test('ModelCheckpoint writes each epoch\'s net atomically under fitAsync, or only the best; fit refuses it by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratchnet-checkpoint-'));
    try {
      const { x, t } = spiralSet();
      const net = makeNet();
      const trainer = new Trainer(net, new Adam(0.02));
      const saved = paramsPerEpoch();
      const every = new ModelCheckpoint(join(dir, 'net-{epoch}.safetensors'));
      const best = new ModelCheckpoint(join(dir, 'best.safetensors'), { saveBestOnly: true, monitor: 'valLoss' });
      const history = await trainer.fitAsync(x, t, { epochs: 3, batchSize: 50, validationSplit: 0.2, callbacks: [saved, every, best] });
      expect(readdirSync(dir).sort()).toEqual(['best.safetensors', 'net-1.safetensors', 'net-2.safetensors', 'net-3.safetensors']);
      for (let e = 1; e <= 3; e++) {
        const loaded = await loadNet(join(dir, `net-${e}.safetensors`), { backend });
        expect(Array.from(loaded.paramBlock.data)).toEqual(Array.from(saved.copies[e - 1]));
        loaded.dispose();
      }
      const losses = history.map((h) => h.valLoss!);
      const bestEpoch = losses.indexOf(Math.min(...losses)) + 1;
      const loadedBest = await loadNet(join(dir, 'best.safetensors'), { backend });
      expect(Array.from(loadedBest.paramBlock.data)).toEqual(Array.from(saved.copies[bestEpoch - 1]));
      loadedBest.dispose();
      expect(() => trainer.fit(x, t, { epochs: 1, callbacks: [new ModelCheckpoint(join(dir, 'sync.safetensors'))] })).toThrow(
        /Trainer.fit: a callback returned a promise \(ModelCheckpoint does\), which fit cannot wait for; use fitAsync/,
      );
      net.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('hooks run in order with the trainer, and onTrainEnd gets the history', async () => {
    const { x, t } = spiralSet();
    const trainer = new Trainer(makeNet(), new SGD(0.1));
    const calls: string[] = [];
    const log: Callback = {
      onTrainBegin: (tr) => void calls.push(`begin ${tr === trainer}`),
      onBatchEnd: (info) => void calls.push(`batch ${info.iteration}`),
      onEpochEnd: (info) => void calls.push(`epoch ${info.epoch}`),
      onTrainEnd: (history) => void calls.push(`end ${history.length}`),
    };
    await trainer.fitAsync(x, t, { epochs: 2, batchSize: 150, callbacks: [log], evaluate: false });
    expect(calls).toEqual(['begin true', 'batch 1', 'batch 2', 'epoch 1', 'batch 3', 'batch 4', 'epoch 2', 'end 2']);
    trainer.net.dispose();
  });
});

