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

/** The script's stdout; its outputs go to a temp folder, MNIST comes from mnistDir, one thread. */
function run(script: string, args: string[] = []): string {
  return execFileSync(process.execPath, [join(root, 'examples/book', script), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
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

describe('examples/book', () => {
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
});
