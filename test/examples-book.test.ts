// Runs every script of examples/book/ with small iteration counts and checks the figures it
// prints against expectations found independently: truth tables written out here, a loaded net's
// accuracy recomputed here, the book's bars for loss, accuracy and gradient agreement.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createBackend, loadMnist, loadNet } from '../src/index.js';

const root = resolve(import.meta.dirname, '..');
const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(root, '../shared/datasets/mnist');
let out = '';
// Under the two-core machine's other load a script can take several times its CPU time.
const SLOW = 120_000;

/** The script's stdout; its outputs go to a temp folder, MNIST comes from mnistDir, one thread. */
function run(script: string, args: string[] = []): string {
  return execFileSync(process.execPath, [join(root, 'examples/book', script), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: SLOW,
    stdio: ['ignore', 'pipe', 'pipe'], // stderr goes into the error of a failed run
    env: { ...process.env, SCRATCHNET_DATA: mnistDir, SCRATCHNET_THREADS: '1' },
  });
}

/** The numbers captured by `pattern` in `text`, which must match. */
function figures(text: string, pattern: RegExp): number[] {
  const match = pattern.exec(text);
  expect(match, `${pattern} in:\n${text}`).not.toBeNull();
  return match!.slice(1).map(Number);
}

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'scratchnet-book-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('examples/book', { timeout: SLOW }, () => {
  test('ch02: the gates print their truth tables; the perceptron rule learns AND, NAND, OR but not XOR', () => {
    const text = run('ch02-perceptron.mjs', ['--epochs', '20']);
    const truth: Record<string, (a: number, b: number) => number> = {
      AND: (a, b) => a & b,
      NAND: (a, b) => 1 - (a & b),
      OR: (a, b) => a | b,
      XOR: (a, b) => a ^ b,
    };
    for (const [gate, f] of Object.entries(truth)) {
      for (const [a, b] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        expect(text).toMatch(new RegExp(`^${gate} +${a} +${b} +${f(a, b)}$`, 'm'));
      }
      const [wrong] = figures(text, new RegExp(`learned ${gate}: outputs [01 ]+, (\\d) of 4 wrong`));
      // A line separates AND, NAND and OR; no line separates XOR, so one of its four is always wrong.
      if (gate === 'XOR') expect(wrong).toBeGreaterThanOrEqual(1);
      else expect(wrong).toBe(0);
    }
  });

  test('ch03: a saved and reloaded net predicts the same in batches and one by one, and its accuracy is what it prints', async () => {
    const text = run('ch03-inference.mjs', ['--iterations', '300', '--out', out]);
    expect(figures(text, /batch and one-by-one predictions agree on (\d+) of (\d+)/)).toEqual([10000, 10000]);
    expect(figures(text, /the loaded net and the net before saving agree on (\d+) of (\d+)/)).toEqual([10000, 10000]);
    const [printed] = figures(text, /Accuracy: ([\d.]+)/);
    expect(printed).toBeGreaterThan(0.8);

    // The saved file, read here, with the argmax and the count done in plain TypeScript.
    const backend = await createBackend({ dtype: 'float32', threads: 1 });
    try {
      const net = await loadNet(join(out, 'ch03-net.safetensors'), { backend });
      const { test: images } = await loadMnist({ dir: mnistDir, backend });
      const { x, t } = images.toTensors();
      const scores = net.predict(x).toArray() as number[][];
      const labels = Array.from(t.data as Int32Array);
      const correct = scores.filter((row, i) => row.indexOf(Math.max(...row)) === labels[i]).length;
      expect(printed).toBeCloseTo(correct / labels.length, 4);
    } finally {
      backend.dispose();
    }
  });

  test('ch04: numerical-gradient and backprop training take the same steps; backprop then lowers the loss', () => {
    const text = run('ch04-two-layer-net.mjs', ['--numerical-steps', '2', '--iterations', '500']);
    const [diff] = figures(text, /weights differ by at most ([\d.e+-]+)/);
    expect(diff).toBeLessThan(1e-6);
    const [first, last] = figures(text, /mean loss of the first 50 ([\d.]+), of the last 50 ([\d.]+)/);
    expect(first).toBeGreaterThan(2); // ln 10 = 2.30 before the net knows anything
    expect(last).toBeLessThan(first / 2);
    expect(figures(text, /test accuracy ([\d.]+)/)[0]).toBeGreaterThan(0.8);
  });

  test('ch05: backprop and numerical gradients agree to 1e-6 in float64 for every param', () => {
    const text = run('ch05-gradient-check.mjs', ['--hidden', '10']);
    const errors = [...text.matchAll(/max \|backprop - numerical\| ([\d.e+-]+)/g)].map((m) => Number(m[1]));
    expect(errors).toHaveLength(4 + 10); // W1 b1 W2 b2; W b gamma beta twice, then W b
    for (const e of errors) expect(e).toBeLessThan(1e-6);
  });
  /** Each `name  first F  last L` line of an optimizer or weight-init run, by name. */
  function firstAndLast(text: string, names: string[]): Record<string, { first: number; last: number }> {
    return Object.fromEntries(
      names.map((name) => {
        const [first, last] = figures(text, new RegExp(`^${name} .*first ([\\d.]+) +last ([\\d.]+)$`, 'm'));
        return [name, { first, last }];
      }),
    );
  }

  /** The SVG the script wrote: one polyline per curve, each titled with its name. */
  function expectChart(file: string, names: string[]): void {
    const svg = readFileSync(join(out, file), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(names.length);
    for (const name of names) expect(svg).toContain(`<title>${name}</title>`);
  }

  test('ch06 optimizers: every optimizer lowers the loss, and plain SGD is the slowest (figure 6-9)', () => {
    const names = ['SGD', 'Momentum', 'AdaGrad', 'RMSprop', 'Adam'];
    const loss = firstAndLast(run('ch06-optimizers.mjs', ['--iterations', '150', '--out', out]), names);
    for (const name of names) {
      expect(loss[name].first).toBeGreaterThan(1.5);
      expect(loss[name].last).toBeLessThan(loss[name].first);
      if (name !== 'SGD') expect(loss[name].last).toBeLessThan(loss.SGD.last);
    }
    expectChart('optimizers.svg', names);
  });

  test('ch06 weight init: with std 0.01 the loss stays at ln 10; Xavier learns, He learns fastest (figure 6-15)', () => {
    const names = ['std 0.01', 'Xavier', 'He'];
    const loss = firstAndLast(run('ch06-weight-init.mjs', ['--iterations', '200', '--out', out]), names);
    expect(loss['std 0.01'].last).toBeCloseTo(Math.log(10), 2);
    expect(loss.Xavier.last).toBeLessThan(loss['std 0.01'].last - 0.05);
    expect(loss.He.last).toBeLessThan(loss.Xavier.last);
    expectChart('weight-init.svg', names);
  });

  test('ch06 batchnorm: with batchnorm the net learns faster from either weight scale; without it, std 0.01 stays at chance', () => {
    const text = run('ch06-batchnorm.mjs', ['--epochs', '8', '--out', out]);
    const last = (name: string): number => figures(text, new RegExp(`^${name} +first [\\d.]+ +last ([\\d.]+)$`, 'm'))[0];
    expect(last('std 0.01, no batchnorm')).toBeLessThan(0.2); // 10 classes: chance is 0.1
    expect(last('std 0.01, batchnorm')).toBeGreaterThan(0.9);
    expect(last('He, batchnorm')).toBeGreaterThan(last('He, no batchnorm') + 0.1);
    expectChart('batchnorm.svg', ['std 0.01, batchnorm', 'std 0.01, no batchnorm', 'He, batchnorm', 'He, no batchnorm']);
  });

  test('ch06 overfitting: 300 images are learned by heart; weight decay and dropout narrow the train-test gap', () => {
    const text = run('ch06-overfitting.mjs', ['--epochs', '60', '--out', out]);
    const row = (name: string) => figures(text, new RegExp(`^${name} +train ([\\d.]+) +test ([\\d.]+) +gap (-?[\\d.]+)$`, 'm'));
    const [train, test, gap] = row('no remedy');
    expect(train).toBeGreaterThan(0.85);
    expect(gap).toBeCloseTo(train - test, 2);
    expect(gap).toBeGreaterThan(0.2);
    for (const remedy of ['weight decay 0.1', 'dropout 0.2']) expect(row(remedy)[2]).toBeLessThan(gap - 0.05);
    expectChart('overfitting.svg', ['no remedy', 'weight decay 0.1', 'dropout 0.2'].flatMap((n) => [`${n}, train`, `${n}, test`]));
  });

  test('ch07: the SimpleConvNet learns a MNIST subset within 80 iterations', () => {
    const text = run('ch07-conv-net.mjs', ['--iterations', '80', '--train', '5000', '--out', out]);
    expect(text).toContain('Convolution(1 -> 30, 5x5, stride 1, pad 0)');
    const [first, last] = figures(text, /mean loss of the first 10 ([\d.]+), of the last 10 ([\d.]+)/);
    expect(last).toBeLessThan(first / 4);
    expect(figures(text, /test accuracy \(first 1,000 test images\) ([\d.]+)/)[0]).toBeGreaterThan(0.88);
    expectChart('conv-net-loss.svg', ['training loss']);
  });

  test('book 2, ch01: the two-layer net separates the spiral; the SVG holds its regions and all 300 points', () => {
    const text = run('book2-ch01-spiral.mjs', ['--epochs', '300', '--out', out]);
    const epochs = [...text.matchAll(/\| epoch +(\d+) \| loss ([\d.]+) \| accuracy ([\d.]+)/g)].map((m) => m.slice(1).map(Number));
    const [, firstLoss] = epochs[0];
    const [lastEpoch, lastLoss, lastAccuracy] = epochs[epochs.length - 1];
    expect(firstLoss).toBeCloseTo(Math.log(3), 1); // 3 classes, nothing learned yet
    expect(lastEpoch).toBe(300);
    expect(lastLoss).toBeLessThan(0.2);
    expect(lastAccuracy).toBeGreaterThan(0.9);
    const svg = readFileSync(join(out, 'spiral.svg'), 'utf8');
    expect(svg.match(/<circle /g)).toHaveLength(300);
    expect(svg).toContain('<g class="regions"');
  });
  test('a bad count option is refused with an error naming the script and the option', () => {
    for (const [script, option] of [['ch02-perceptron.mjs', '--epochs'], ['ch04-two-layer-net.mjs', '--numerical-steps'], ['ch07-conv-net.mjs', '--train']]) {
      for (const value of ['0', '2.5', 'many']) {
        expect(() => run(script, [option, value]), `${script} ${option} ${value}`).toThrow(
          `${script.replace('.mjs', '')}: ${option} must be an integer >= 1, got ${value}`,
        );
      }
    }
  });
});
