import { describe, test, expect, beforeAll } from 'vitest';
import { createBackend, schedules, SGD, Adam, optimizerByName, optimizerLabel, OPTIMIZERS, defaultLearningRate, ACTIVATIONS, activationLayer } from '../src/index.js';
import type { Backend, LearningRateSchedule } from '../src/index.js';

/**
 * Each schedule against its formula written out again with Math.cos / ** (fine in a test: the
 * reference only has to be right to ~1e-15, not the same bits in every engine), and against
 * figures known from PyTorch's schedulers at the steps where they are exact.
 */
const close = (schedule: LearningRateSchedule, reference: (k: number) => number, steps: number[]) => {
  for (const k of steps) expect(schedule(k), `step ${k}`).toBeCloseTo(reference(k), 14);
};
const steps = [0, 1, 2, 7, 29, 30, 50, 99, 100, 150];

describe('learning-rate schedules', () => {
  test('constant', () => {
    close(schedules.constant(0.1), () => 0.1, steps);
  });

  test('linear: lr at 0, the end at `steps` and after; lr (1 - k/T) bit for bit when the end is 0 (the CLI\'s old decay)', () => {
    close(schedules.linear(0.1, 100, 0.01), (k) => 0.1 + (0.01 - 0.1) * Math.min(k, 100) / 100, steps);
    const decay = schedules.linear(0.003, 2400);
    for (const k of [0, 1, 599, 1200, 2399]) expect(decay(k)).toBe(0.003 * (1 - k / 2400));
    expect(decay(2400)).toBe(0);
    expect(decay(5000)).toBe(0);
  });

  test('step: lr gamma^floor(k / stepSize)', () => {
    const s = schedules.step(0.1, 30, 0.5);
    close(s, (k) => 0.1 * 0.5 ** Math.floor(k / 30), steps);
    expect([s(0), s(29), s(30), s(59), s(60), s(90)]).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
  });

  test('cosine: lr at 0, the midpoint at T/2, min at T and after', () => {
    const s = schedules.cosine(0.1, 100, 0.001);
    close(s, (k) => 0.001 + (0.1 - 0.001) * (1 + Math.cos((Math.PI * Math.min(k, 100)) / 100)) / 2, steps);
    expect(s(0)).toBe(0.1);
    expect(s(50)).toBe(0.0505);
    expect(s(100)).toBe(0.001);
    expect(s(1000)).toBe(0.001);
  });

  test('warmup: (k + 1)/W of the first rate for W steps, then the schedule from its step 0', () => {
    const after = schedules.cosine(0.1, 100);
    const s = schedules.warmup(10, after);
    close(s, (k) => (k < 10 ? (0.1 * (k + 1)) / 10 : after(k - 10)), steps);
    expect(s(9)).toBe(0.1);
    expect(s(10)).toBe(0.1);
    expect(s(60)).toBe(after(50));
    expect(schedules.warmup(4, 0.2)(1)).toBe(0.1);
  });

  test("oneCycle: PyTorch OneCycleLR's figures (max 0.1, 100 steps: 0.004 at 0, 0.1 at 29, 4e-7 at 99)", () => {
    const s = schedules.oneCycle(0.1, 100);
    expect(s(0)).toBeCloseTo(0.004, 17);
    expect(s(29)).toBe(0.1);
    expect(s(99)).toBeCloseTo(4e-7, 20);
    expect(s(500)).toBeCloseTo(4e-7, 20);
    const cos = (from: number, to: number, f: number) => to + ((from - to) * (1 + Math.cos(Math.PI * f))) / 2;
    close(s, (k) => (k <= 29 ? cos(0.004, 0.1, k / 29) : cos(0.1, 4e-7, Math.min(k - 29, 70) / 70)), steps);
    // pctStart, divFactor and finalDivFactor as PyTorch names them.
    const t = schedules.oneCycle(1, 20, { pctStart: 0.5, divFactor: 10, finalDivFactor: 100 });
    expect([t(0), t(9), t(19)].map((v) => Number(v.toPrecision(12)))).toEqual([0.1, 1, 0.001]);
  });

  test('bad parameters are refused, naming the schedule and the parameter', () => {
    expect(() => schedules.constant(0)).toThrow(/constant: lr must be a positive number, got 0/);
    expect(() => schedules.linear(0.1, 0)).toThrow(/linear: steps must be a positive integer, got 0/);
    expect(() => schedules.linear(0.1, 10, -1)).toThrow(/linear: end must be a number >= 0, got -1/);
    expect(() => schedules.step(0.1, 2.5)).toThrow(/step: stepSize must be a positive integer, got 2.5/);
    expect(() => schedules.cosine(NaN, 10)).toThrow(/cosine: lr must be a positive number, got NaN/);
    expect(() => schedules.warmup(-1, 0.1)).toThrow(/warmup: steps must be a positive integer, got -1/);
    expect(() => schedules.oneCycle(0.1, 100, { pctStart: 1 })).toThrow(/oneCycle: pctStart must be in \(0, 1\), got 1/);
    expect(() => schedules.oneCycle(0.1, 2)).toThrow(/oneCycle: 2 steps with pctStart 0.3 leave no room/);
  });
});

let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float64' });
});

describe('an optimizer with a schedule', () => {
  test('SGD takes the scheduled rate at each update: p -= schedule(k) g, against a float64 reference', () => {
    const schedule = schedules.warmup(2, schedules.step(0.5, 2, 0.1));
    const sgd = new SGD(schedule);
    expect(sgd.lr).toBe(0.25);
    const p = backend.tensor([1, -2, 3], [3], 'float64');
    const g = backend.tensor([0.5, 0.25, -1], [3], 'float64');
    const reference = [1, -2, 3];
    for (let k = 0; k < 6; k++) {
      sgd.update([p], [g]);
      const rate = k < 2 ? (0.5 * (k + 1)) / 2 : 0.5 * 0.1 ** Math.floor((k - 2) / 2);
      for (let i = 0; i < 3; i++) reference[i] -= rate * [0.5, 0.25, -1][i];
      expect(sgd.lr).toBe(schedule(k));
      reference.forEach((v, i) => expect(p.data[i]).toBeCloseTo(v, 14));
    }
    p.dispose();
    g.dispose();
  });

  test('Adam with a constant schedule gives the same bits as Adam with the number', () => {
    const run = (adam: Adam) => {
      const p = backend.tensor([0.3, -0.7, 1.1, 2], [4], 'float64');
      const g = backend.tensor([0.1, -0.2, 0.3, -0.4], [4], 'float64');
      for (let k = 0; k < 5; k++) adam.update([p], [g]);
      const out = Array.from(p.data);
      p.dispose();
      g.dispose();
      return out;
    };
    expect(run(new Adam(schedules.constant(0.01)))).toEqual(run(new Adam(0.01)));
  });

  test("a schedule's bad value stops the update, naming the optimizer and step, before the params change", () => {
    const sgd = new SGD((k) => (k < 2 ? 0.1 : NaN));
    const p = backend.tensor([1], [1], 'float64');
    const g = backend.tensor([1], [1], 'float64');
    sgd.update([p], [g]);
    sgd.update([p], [g]);
    expect(() => sgd.update([p], [g])).toThrow(/SGD: the learning-rate schedule gave NaN for step 2/);
    expect(p.data[0]).toBeCloseTo(0.8, 15);
    expect(() => new SGD(() => -1)).toThrow(/SGD: the learning-rate schedule gave -1 for step 0/);
    p.dispose();
    g.dispose();
  });
});

describe('optimizers and activations by name', () => {
  test("optimizerByName makes each optimizer with the book's default rate, or the rate or schedule given", () => {
    const book = { sgd: 0.01, momentum: 0.01, nesterov: 0.01, adagrad: 0.01, rmsprop: 0.01, adam: 0.001 };
    expect(OPTIMIZERS).toEqual(Object.keys(book));
    for (const name of OPTIMIZERS) {
      const o = optimizerByName(name);
      expect(o.constructor.name.toLowerCase()).toBe(name);
      expect(o.lr).toBe(book[name]);
      expect(defaultLearningRate(name)).toBe(book[name]);
      expect(optimizerLabel(name)).toBe(o.constructor.name);
      expect(optimizerByName(name, 0.5).lr).toBe(0.5);
      expect(optimizerByName(name, schedules.linear(0.2, 10)).schedule).not.toBeNull();
    }
    expect(() => optimizerByName('lion' as never)).toThrow(/optimizerByName: unknown optimizer "lion"; expected one of sgd, momentum, nesterov, adagrad, rmsprop, adam/);
  });

  test('activationLayer makes each activation by name and refuses an unknown one', () => {
    expect(ACTIVATIONS).toEqual(['relu', 'sigmoid', 'tanh', 'leaky-relu', 'elu', 'identity']);
    const x = backend.tensor([-2, 0.5], [1, 2], 'float64');
    const expected: Record<string, number[]> = {
      relu: [0, 0.5],
      sigmoid: [1 / (1 + Math.exp(2)), 1 / (1 + Math.exp(-0.5))],
      tanh: [Math.tanh(-2), Math.tanh(0.5)],
      'leaky-relu': [-0.2, 0.5],
      elu: [Math.exp(-2) - 1, 0.5],
      identity: [-2, 0.5],
    };
    for (const name of ACTIVATIONS) {
      const layer = activationLayer(name, name === 'leaky-relu' ? 0.1 : undefined);
      const y = Array.from(layer.forward(x).data);
      y.forEach((v, i) => expect(v, name).toBeCloseTo(expected[name][i], 12));
      layer.dispose();
    }
    x.dispose();
    expect(() => activationLayer('gelu' as never)).toThrow(/unknown activation "gelu"; expected one of relu, sigmoid/);
  });
});
