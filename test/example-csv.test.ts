import { test, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { spiral } from '../src/index.js';

const root = resolve(import.meta.dirname, '..');

test('the CSV example trains a classifier on spiral points written as a CSV file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-csv-example-'));
  try {
    const data = spiral({ pointsPerClass: 100, classes: 3, seed: 1984 });
    const names = ['inner', 'middle', 'outer'];
    const lines = ['x,y,arm'];
    for (let i = 0; i < data.count; i++) lines.push(`${data.x[2 * i]},${data.x[2 * i + 1]},${names[data.labels[i]]}`);
    const file = join(dir, 'spiral.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const out = execFileSync(process.execPath, [join(root, 'examples/csv/train-csv.mjs'), file, 'arm'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(out).toContain('Affine(2 -> 32)');
    const match = /(\d+) epochs; test accuracy ([\d.]+) at the last epoch, ([\d.]+) with the best epoch's params/.exec(out);
    expect(match, out).not.toBeNull();
    expect(Number(match![3])).toBeGreaterThan(0.9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
