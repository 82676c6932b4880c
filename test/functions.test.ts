import { describe, expect, it } from 'vitest';
import {
  elu, identity, leakyRelu, relu, reluGrad, sigmoid, sigmoidGrad, softmax, step, tanh,
} from '../src/functions/activations.js';
import { crossEntropyError, sumSquaresError } from '../src/functions/losses.js';

/** Plain float64 references, written the naive way (fine for moderate x). */
const ref = {
  step: (v: number) => (v > 0 ? 1 : 0),
  sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
  relu: (v: number) => Math.max(0, v),
  tanh: (v: number) => (Math.exp(v) - Math.exp(-v)) / (Math.exp(v) + Math.exp(-v)),
  leakyRelu: (v: number, a: number) => (v > 0 ? v : a * v),
  elu: (v: number, a: number) => (v > 0 ? v : a * (Math.exp(v) - 1)),
};

const xs = [-3.5, -1, -0.25, 0, 1e-9, 0.5, 1, 2.75, 6];

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

describe('elementwise activations', () => {
  const cases: [string, (x: number[]) => number[], (v: number) => number][] = [
    ['step', (x) => step(x), ref.step],
    ['identity', (x) => identity(x), (v) => v],
    ['sigmoid', (x) => sigmoid(x), ref.sigmoid],
    ['relu', (x) => relu(x), ref.relu],
    ['tanh', (x) => tanh(x), ref.tanh],
    ['leakyRelu', (x) => leakyRelu(x), (v) => ref.leakyRelu(v, 0.01)],
    ['leakyRelu(0.2)', (x) => leakyRelu(x, 0.2), (v) => ref.leakyRelu(v, 0.2)],
    ['elu', (x) => elu(x), (v) => ref.elu(v, 1)],
    ['elu(0.5)', (x) => elu(x, 0.5), (v) => ref.elu(v, 0.5)],
  ];
  for (const [name, f, reference] of cases) {
    it(`${name} matches its float64 reference`, () => expectClose(f(xs), xs.map(reference)));
  }

  it('keeps the kind of its argument and leaves the input alone', () => {
    const arr = [-1, 0, 2];
    const typed = Float64Array.from(arr);
    const a = relu(arr);
    const b = relu(typed);
    expect(Array.isArray(a)).toBe(true);
    expect(a).not.toBe(arr);
    expect(b).toBeInstanceOf(Float64Array);
    expect(b).not.toBe(typed);
    expect(a).toEqual([0, 0, 2]);
    expect(Array.from(b)).toEqual([0, 0, 2]);
    expect(arr).toEqual([-1, 0, 2]);
    expect(Array.from(typed)).toEqual([-1, 0, 2]);
    expect(relu(-4)).toBe(0);
    expect(typeof sigmoid(0)).toBe('number');
    expect(sigmoid(0)).toBe(0.5);
    expect(step(0)).toBe(0);
  });

  it('sigmoid neither overflows nor loses tiny outputs at large |x|', () => {
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(Array.from(sigmoid(Float64Array.of(-1000, 1000)))).toEqual([0, 1]);
    // e^-40 / (1 + e^-40), relative precision kept where 1 - sigmoid(40) would be noise.
    expect(sigmoid(-40) / Math.exp(-40)).toBeCloseTo(1, 14);
    expect(sigmoid(-745)).toBeGreaterThan(0);
    expect(sigmoidGrad(1000)).toBe(0);
    expect(sigmoidGrad(-1000)).toBe(0);
    expect(tanh(1000)).toBe(1);
    expect(elu(-1000)).toBe(-1);
  });

  it('elu keeps precision near 0 (expm1)', () => {
    expect(elu(-1e-12) / -1e-12).toBeCloseTo(1, 10);
  });

  it('sigmoidGrad and reluGrad match a central difference', () => {
    const h = 1e-5;
    for (const v of [-4, -0.7, 0.3, 2.5]) {
      expect(sigmoidGrad(v)).toBeCloseTo((ref.sigmoid(v + h) - ref.sigmoid(v - h)) / (2 * h), 9);
      expect(reluGrad(v)).toBeCloseTo((ref.relu(v + h) - ref.relu(v - h)) / (2 * h), 9);
    }
    expect(sigmoidGrad(0)).toBe(0.25);
    expect(reluGrad(0)).toBe(0);
    expect(reluGrad([-1, 0, 3])).toEqual([0, 0, 1]);
  });

  it('throws a clear error on bad input', () => {
    expect(() => sigmoid('1' as unknown as number)).toThrow(/sigmoid: expected a number.*got string/);
    expect(() => relu([1, 'x'] as unknown as number[])).toThrow(/relu: .*entry 1 is string/);
    expect(() => tanh(Float32Array.of(1) as unknown as Float64Array)).toThrow(/tanh: .*Float32Array/);
    expect(() => leakyRelu(1, Number.NaN)).toThrow(/leakyRelu: alpha/);
    expect(() => elu([1], Infinity)).toThrow(/elu: alpha/);
  });
});

describe('softmax', () => {
  it("gives the book's figures for [0.3, 2.9, 4.0]", () => {
    expectClose(softmax([0.3, 2.9, 4.0]), [0.01821127, 0.24519181, 0.73659691], 8);
  });

  it('equals exp(x) / sum exp(x) and sums to 1', () => {
    const x = [-1.5, 0.2, 3, 0.7, -0.1];
    const e = x.map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    const y = softmax(x);
    expectClose(y, e.map((v) => v / s), 14);
    expect(y.reduce((a, b) => a + b)).toBeCloseTo(1, 14);
  });

  it('does not overflow at [1010, 1000, 990] (the book: naive gives nan)', () => {
    const y = softmax([1010, 1000, 990]);
    expectClose(y, softmax([20, 10, 0]), 15);
    expectClose(y, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], 9);
  });

  it('normalises each row of a matrix, and keeps Float64Array', () => {
    const y = softmax([[0.3, 2.9, 4.0], [1010, 1000, 990], [5]]);
    expect(y).toHaveLength(3);
    expectClose(y[0], softmax([0.3, 2.9, 4.0]), 15);
    expectClose(y[1], softmax([1010, 1000, 990]), 15);
    expect(y[2]).toEqual([1]);
    const typed = softmax(Float64Array.of(0.3, 2.9, 4.0));
    expect(typed).toBeInstanceOf(Float64Array);
    expectClose(typed, softmax([0.3, 2.9, 4.0]), 15);
    expect(softmax(7)).toBe(1);
  });

  it('throws on anything else', () => {
    expect(() => softmax([[1, 2], 3] as unknown as number[][])).toThrow(/softmax: .*entry 0 is an array/);
    expect(() => softmax([[1, 'a']] as unknown as number[][])).toThrow(/softmax: row 0 holds string at column 1/);
  });
});

describe('losses', () => {
  // The book's example (chapter 4): the answer is class 2.
  const t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
  const good = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0];
  const bad = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0];

  it("sumSquaresError gives the book's 0.0975 and 0.5975", () => {
    expect(sumSquaresError(good, t)).toBeCloseTo(0.0975, 14);
    expect(sumSquaresError(bad, t)).toBeCloseTo(0.5975, 14);
    expect(sumSquaresError(Float64Array.from(good), Float64Array.from(t))).toBeCloseTo(0.0975, 14);
    expect(sumSquaresError([good, bad], [t, t])).toBeCloseTo(0.0975 + 0.5975, 14);
  });

  it("crossEntropyError gives the book's 0.510825457 and 2.302584093", () => {
    expect(crossEntropyError(good, t)).toBeCloseTo(0.510825457, 9);
    expect(crossEntropyError(good, t)).toBeCloseTo(-Math.log(0.6 + 1e-7), 15);
    expect(crossEntropyError(bad, t)).toBeCloseTo(2.302584092994546, 12);
  });

  it('crossEntropyError accepts labels as well as one-hot, and averages over the batch', () => {
    const mean = (-Math.log(0.6 + 1e-7) - Math.log(0.1 + 1e-7)) / 2;
    expect(crossEntropyError(good, 2)).toBeCloseTo(0.510825457, 9);
    expect(crossEntropyError(good, [2])).toBeCloseTo(0.510825457, 9);
    expect(crossEntropyError([good, bad], [t, t])).toBeCloseTo(mean, 14);
    expect(crossEntropyError([good, bad], [2, 2])).toBeCloseTo(mean, 14);
    expect(crossEntropyError([good, bad], Int32Array.of(2, 2))).toBeCloseTo(mean, 14);
    expect(crossEntropyError([good, bad], Float64Array.from([...t, ...t]))).toBeCloseTo(mean, 14);
    expect(crossEntropyError([good, bad], [7, 7])).toBeCloseTo((-Math.log(0.1 + 1e-7) - Math.log(0.6 + 1e-7)) / 2, 14);
  });

  it('crossEntropyError stays finite when the answer gets probability 0, and handles soft targets', () => {
    expect(crossEntropyError([0.5, 0.5, 0], 2)).toBeCloseTo(-Math.log(1e-7), 12);
    const soft = [0.25, 0.75];
    expect(crossEntropyError([0.4, 0.6], soft)).toBeCloseTo(-(0.25 * Math.log(0.4 + 1e-7) + 0.75 * Math.log(0.6 + 1e-7)), 14);
    expect(crossEntropyError([1, 0], [1, 0])).toBeCloseTo(0, 6);
  });

  it('throws on shapes and labels that do not fit, naming the function', () => {
    expect(() => sumSquaresError(good, t.slice(1))).toThrow(/sumSquaresError: y \(10\) and t \(9\)/);
    expect(() => sumSquaresError([good, bad], [t])).toThrow(/sumSquaresError: y \(2, 10\) and t \(1, 10\)/);
    expect(() => sumSquaresError([good, [1]], [t, t])).toThrow(/sumSquaresError: y's rows differ/);
    expect(() => crossEntropyError(good, 10)).toThrow(/crossEntropyError: label 10 at row 0 is not an integer in 0\.\.9/);
    expect(() => crossEntropyError([good, bad], [1.5, 2])).toThrow(/label 1.5 at row 0/);
    expect(() => crossEntropyError([good, bad], [1, 2, 3])).toThrow(/t \(3\) fits y \(2, 10\) neither/);
    expect(() => crossEntropyError([good, bad], [t.slice(1), [...t, 0]])).toThrow(/crossEntropyError: t's rows/);
    expect(() => crossEntropyError('y' as unknown as number[], 1)).toThrow(/crossEntropyError: y must be/);
  });
});
