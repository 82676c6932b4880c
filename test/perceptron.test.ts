import { describe, expect, it } from 'vitest';
import { AND, NAND, OR, XOR } from '../src/perceptron/gates.js';
import { Perceptron } from '../src/perceptron/perceptron.js';
import { Rng } from '../src/random/rng.js';

const inputs: [number, number][] = [[0, 0], [1, 0], [0, 1], [1, 1]];

describe('logic gates', () => {
  const truth: [string, (a: number, b: number) => 0 | 1, number[]][] = [
    ['AND', AND, [0, 0, 0, 1]],
    ['NAND', NAND, [1, 1, 1, 0]],
    ['OR', OR, [0, 1, 1, 1]],
    ['XOR', XOR, [0, 1, 1, 0]],
  ];
  for (const [name, gate, expected] of truth) {
    it(`${name} follows its truth table`, () => {
      expect(inputs.map(([a, b]) => gate(a, b))).toEqual(expected);
    });
  }

  it("uses the book's weights: AND fires only once 0.5 x1 + 0.5 x2 passes 0.7", () => {
    expect(AND(0.7, 0.7)).toBe(0); // 0.7 - 0.7 = 0 does not pass
    expect(AND(0.71, 0.71)).toBe(1);
    expect(OR(0.4, 0)).toBe(0); // 0.2 - 0.2 = 0
    expect(OR(0.41, 0)).toBe(1);
    expect(NAND(0.71, 0.71)).toBe(0);
  });

  it('rejects non-finite inputs, naming the gate', () => {
    expect(() => AND(Number.NaN, 1)).toThrow(/AND: inputs must be finite numbers, got \(NaN, 1\)/);
    expect(() => XOR(1, '1' as unknown as number)).toThrow(/NAND: inputs/);
  });
});

describe('Perceptron', () => {
  const x = inputs.map((p) => [...p]);

  function trainedOn(y: number[], epochs = 20, seed?: number) {
    const p = new Perceptron({ inputs: 2, learningRate: 0.1, seed });
    const { errors } = p.fit(x, y, { epochs });
    return { p, errors };
  }

  it('learns AND and OR: the last epochs make no errors and predictions match', () => {
    for (const y of [[0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 1, 0]]) {
      for (const seed of [undefined, 7]) {
        const { p, errors } = trainedOn(y, 20, seed);
        expect(errors).toHaveLength(20);
        expect(errors[0]).toBeGreaterThan(0);
        expect(errors.at(-1)).toBe(0);
        expect(x.map((s) => p.predict(s))).toEqual(y);
      }
    }
  });

  it('follows the Rosenblatt rule step by step (hand-worked first epoch on AND)', () => {
    const p = new Perceptron({ inputs: 2, learningRate: 0.1 });
    const { errors } = p.fit(x, [0, 0, 0, 1], { epochs: 1 });
    // From w = 0, b = 0: (0,0)->0 ok, (1,0)->0 ok, (0,1)->0 ok, (1,1)->0 wrong: w += 0.1*(1,1), b += 0.1.
    expect(errors).toEqual([1]);
    expect(Array.from(p.weights)).toEqual([0.1, 0.1]);
    expect(p.bias).toBeCloseTo(0.1, 15);
    const second = p.fit(x, [0, 0, 0, 1], { epochs: 1 });
    // (0,0): 0.1 > 0 -> 1, wrong: b = 0; (1,0): 0.1 -> 1 wrong: w = (0, 0.1), b = -0.1; (0,1): 0 -> 0 ok; (1,1): 0 -> 0 wrong: w = (0.1, 0.2), b = 0.
    expect(second.errors).toEqual([3]);
    expect(p.weights[0]).toBeCloseTo(0.1, 15);
    expect(p.weights[1]).toBeCloseTo(0.2, 15);
    expect(p.bias).toBeCloseTo(0, 15);
  });

  it('converges on a random linearly separable 2-D set', () => {
    const rng = new Rng(42);
    const samples: number[][] = [];
    const labels: number[] = [];
    // The hidden rule: 1.5 a - b + 0.3 > 0; points too close to the line (margin 0.05) are dropped.
    while (samples.length < 200) {
      const a = rng.uniform() * 2 - 1;
      const b = rng.uniform() * 2 - 1;
      const z = (1.5 * a - b + 0.3) / Math.hypot(1.5, 1);
      if (Math.abs(z) < 0.05) continue;
      samples.push([a, b]);
      labels.push(z > 0 ? 1 : 0);
    }
    const p = new Perceptron({ inputs: 2, seed: 3 });
    const { errors } = p.fit(samples, labels, { epochs: 200 });
    expect(errors.at(-1)).toBe(0);
    expect(samples.every((s, n) => p.predict(s) === labels[n])).toBe(true);
    // The learned line points the same way as the hidden one.
    const cos = (p.weights[0] * 1.5 - p.weights[1]) / (Math.hypot(p.weights[0], p.weights[1]) * Math.hypot(1.5, 1));
    expect(cos).toBeGreaterThan(0.9);
  });

  it('never converges on XOR: every epoch has errors', () => {
    const { p, errors } = trainedOn([0, 1, 1, 0], 200, 1);
    expect(errors).toHaveLength(200);
    expect(Math.min(...errors)).toBeGreaterThan(0);
    expect(x.map((s) => p.predict(s))).not.toEqual([0, 1, 1, 0]);
  });

  it('is deterministic by seed and starts at zero without one', () => {
    const a = new Perceptron({ inputs: 3, seed: 5 });
    const b = new Perceptron({ inputs: 3, seed: 5 });
    const c = new Perceptron({ inputs: 3, seed: 6 });
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    expect(Array.from(a.weights)).not.toEqual(Array.from(c.weights));
    expect(Array.from(a.weights).every((w) => w !== 0 && Math.abs(w) < 0.05)).toBe(true);
    expect(Array.from(new Perceptron({ inputs: 3 }).weights)).toEqual([0, 0, 0]);
    expect(new Perceptron({ inputs: 3 }).learningRate).toBe(0.1);
  });

  it('rejects bad settings and data with clear errors', () => {
    expect(() => new Perceptron({ inputs: 0 })).toThrow(/Perceptron: inputs must be an integer >= 1, got 0/);
    expect(() => new Perceptron({ inputs: 2, learningRate: -1 })).toThrow(/Perceptron: learningRate/);
    const p = new Perceptron({ inputs: 2 });
    expect(() => p.predict([1, 2, 3])).toThrow(/Perceptron.predict: x must have 2 inputs, got 3/);
    expect(() => p.fit(x, [0, 1])).toThrow(/Perceptron.fit: y must have one target per sample, x is \(4, 2\), y has 2/);
    expect(() => p.fit(x, [0, 1, 2, 0])).toThrow(/Perceptron.fit: y\[2\] is 2/);
    expect(() => p.fit([[0, 0], [1]], [0, 1])).toThrow(/Perceptron.fit: x\[1\] must have 2 inputs/);
    expect(() => p.fit(x, [0, 0, 0, 1], { epochs: 1.5 })).toThrow(/Perceptron.fit: epochs/);
  });
});
