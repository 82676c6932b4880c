import { describe, test, expect, beforeAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, dataset, readCsv, MultiLayerNet, SGD, Trainer } from '../src/index.js';
import type { Backend } from '../src/index.js';

let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float64' });
});

describe('fromArrays', () => {
  test('rows and labels, or rows and target rows, become a data set that trains like the same tensors', () => {
    const x = [[0, 1], [1, 0], [1, 1], [0, 0], [0.5, 0.2]];
    const labels = [1, 1, 0, 0, 1];
    const set = dataset.fromArrays(x, labels);
    expect(set.count).toBe(5);
    expect(set.sampleShape).toEqual([2]);
    expect(Array.from(set.x.data)).toEqual(x.flat());
    expect(set.t.dtype).toBe('int32');
    expect(Array.from(set.t.data)).toEqual(labels);
    const hot = dataset.fromArrays(x, dataset.oneHot(labels));
    expect(hot.t.shape).toEqual([5, 2]);

    const run = (train: Parameters<Trainer['fit']>[0]) => {
      const net = new MultiLayerNet({ inputSize: 2, hiddenSizes: [4], outputSize: 2 }, { backend, dtype: 'float64', seed: 1 });
      new Trainer(net, new SGD(0.1)).fit(train, { epochs: 3, batchSize: 2, evaluate: false });
      const params = Array.from(net.paramBlock.data);
      net.dispose();
      return params;
    };
    const xs = backend.tensor(x, undefined, 'float64');
    const ts = backend.tensor(labels, [5], 'int32');
    const byTensors = (() => {
      const net = new MultiLayerNet({ inputSize: 2, hiddenSizes: [4], outputSize: 2 }, { backend, dtype: 'float64', seed: 1 });
      new Trainer(net, new SGD(0.1)).fit(xs, ts, { epochs: 3, batchSize: 2, evaluate: false });
      const params = Array.from(net.paramBlock.data);
      net.dispose();
      return params;
    })();
    expect(run(set)).toEqual(byTensors);
    set.dispose();
    hot.dispose();
    xs.dispose();
    ts.dispose();
  });

  test('bad arrays are refused naming the row, column or count', () => {
    expect(() => dataset.fromArrays([[1, 2], [3]], [0, 1])).toThrow(/fromArrays: x\[1\] has 1 values, x\[0\] has 2/);
    expect(() => dataset.fromArrays([[1, 2], [3, 'a' as never]], [0, 1])).toThrow(/fromArrays: x\[1\]\[1\] is "a", not a finite number/);
    expect(() => dataset.fromArrays([[1, 2]], [0, 1])).toThrow(/fromArrays: 1 samples in x but 2 targets in y/);
    expect(() => dataset.fromArrays([[1, 2], [3, 4]], [0, 1.5])).toThrow(/fromArrays: y\[1\] must be a class label \(an integer >= 0\), got 1.5/);
    expect(() => dataset.fromArrays([], [])).toThrow(/fromArrays: x must be a non-empty array of rows/);
  });
});

describe('oneHot, scalers and the train/test split', () => {
  test('oneHot', () => {
    expect(dataset.oneHot([0, 2, 1])).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(dataset.oneHot([1], 4)).toEqual([[0, 1, 0, 0]]);
    expect(() => dataset.oneHot([3], 3)).toThrow(/oneHot: label 3 does not fit 3 classes/);
    expect(() => dataset.oneHot([-1])).toThrow(/oneHot: labels\[0\] must be an integer >= 0, got -1/);
  });

  test('standardize and minMaxScale are fitted on the training rows and applied unchanged to others', () => {
    const train = [[1, 10, 5], [2, 20, 5], [3, 60, 5]];
    const s = dataset.standardize(train);
    const mean = [2, 30, 5];
    const std = [Math.sqrt(2 / 3), Math.sqrt((400 + 100 + 900) / 3), 1];
    s.offset.forEach((v, c) => expect(v).toBeCloseTo(mean[c], 14));
    s.scale.forEach((v, c) => expect(v).toBeCloseTo(std[c], 12));
    const scaled = s.apply(train);
    for (let c = 0; c < 3; c++) expect(scaled.reduce((a, r) => a + r[c], 0)).toBeCloseTo(0, 12);
    expect(scaled.map((r) => r[2])).toEqual([0, 0, 0]); // a constant column is only centered
    expect(s.apply([[4, 30, 7]])[0].map((v) => Number(v.toFixed(12)))).toEqual([Number((2 / std[0]).toFixed(12)), 0, 2]);
    const m = dataset.minMaxScale(train);
    expect(m.apply(train)).toEqual([[0, 0, 0], [0.5, 0.2, 0], [1, 1, 0]]);
    expect(m.apply([[5, 110, 6]])).toEqual([[2, 2, 1]]);
    expect(() => m.apply([[1, 2]])).toThrow(/minMaxScale: row 0 has 2 values; the scaler was fitted on 3 columns/);
    expect(() => dataset.standardize([[1, 2], [NaN, 1]])).toThrow(/standardize: row 1 column 0 is NaN, not a finite number/);
  });

  test('trainTestSplit: seeded, disjoint, covering, pairs kept together', () => {
    const x = Array.from({ length: 50 }, (_, i) => [i, -i]);
    const y = Array.from({ length: 50 }, (_, i) => i);
    const a = dataset.trainTestSplit(x, y, { testFraction: 0.2, seed: 5 });
    expect(a.xTest).toHaveLength(10);
    expect(a.xTrain).toHaveLength(40);
    expect([...a.yTrain, ...a.yTest].sort((p, q) => p - q)).toEqual(y);
    a.xTrain.forEach((row, i) => expect(row[0]).toBe(a.yTrain[i]));
    expect(dataset.trainTestSplit(x, y, { testFraction: 0.2, seed: 5 }).yTest).toEqual(a.yTest);
    expect(dataset.trainTestSplit(x, y, { testFraction: 0.2, seed: 6 }).yTest).not.toEqual(a.yTest);
    expect(() => dataset.trainTestSplit(x, y.slice(1))).toThrow(/trainTestSplit: x and y must be arrays of one length, got 50 and 49/);
  });
});

describe('CSV', () => {
  test('numeric columns and a label column by name, numeric or class names; quoted cells; blank lines skipped', () => {
    const numeric = dataset.parseCsv('a,b,label\n1,2,0\n3.5,-4e-1,2\n\n', { label: 'label' });
    expect(numeric).toEqual({ columns: ['a', 'b'], x: [[1, 2], [3.5, -0.4]], y: [0, 2] });
    const named = dataset.parseCsv('species;"len, cm";width\nsetosa;1;2\r\nvirginica;3;4\nsetosa;5;"6"\n', { label: 'species', delimiter: ';' });
    expect(named.columns).toEqual(['len, cm', 'width']);
    expect(named.x).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(named.classes).toEqual(['setosa', 'virginica']);
    expect(named.y).toEqual([0, 1, 0]);
    expect(dataset.parseCsv('x,y\n1,2\n').y).toBeUndefined();
  });

  test('errors name the line and column: ragged rows, a non-numeric cell, an empty cell, a missing label column', () => {
    const text = 'a,b,label\n1,2,0\n3,4\n';
    expect(() => dataset.parseCsv(text, { label: 'label' })).toThrow(/parseCsv: line 3 has 2 cells, the header has 3/);
    expect(() => dataset.parseCsv('a,b,label\n1,2,0\n3,x4,1\n', { label: 'label' })).toThrow(/parseCsv: line 3, column 'b': 'x4' is not a number/);
    expect(() => dataset.parseCsv('a,b\n1,\n')).toThrow(/parseCsv: line 2, column 'b': the cell is empty/);
    expect(() => dataset.parseCsv('a,b\n1,2\n', { label: 'class' })).toThrow(/parseCsv: no label column 'class' in the header \(columns: a, b\)/);
    expect(() => dataset.parseCsv('a,b,c\n1,2,1.5\n', { label: 'c' })).toThrow(/parseCsv: line 2, column 'c': label '1.5' is not a class index/);
    expect(() => dataset.parseCsv('a,a\n1,2\n')).toThrow(/parseCsv: line 1 \(the header\) names column 'a' twice/);
    expect(() => dataset.parseCsv('a,b\n"1,2\n')).toThrow(/parseCsv: line 2 ends inside a quoted cell/);
    expect(() => dataset.parseCsv('a,b\n')).toThrow(/parseCsv: there are no rows after the header/);
  });

  test('readCsv reads a file and names it in its errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratchnet-csv-'));
    try {
      const path = join(dir, 'points.csv');
      writeFileSync(path, 'x1,x2,class\n0.5,1,a\n2,3,b\n');
      expect(await readCsv(path, { label: 'class' })).toEqual({ columns: ['x1', 'x2'], x: [[0.5, 1], [2, 3]], y: [0, 1], classes: ['a', 'b'] });
      writeFileSync(path, 'x1,x2,class\n0.5,1,a\n2,oops,b\n');
      await expect(readCsv(path, { label: 'class' })).rejects.toThrow(/points\.csv: parseCsv: line 3, column 'x2': 'oops' is not a number/);
      await expect(readCsv(join(dir, 'none.csv'))).rejects.toThrow(/readCsv: cannot read .*none\.csv: no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
