import { describe, expect, it } from 'vitest';
import { gradientDescent, numericalDiff, numericalGradient } from '../src/gradient/numerical.js';

const sumOfSquares = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
};

describe('numericalDiff', () => {
  it("gives the book's slopes of 0.01x^2 + 0.1x: 0.2 at 5, 0.3 at 10", () => {
    const f = (x: number) => 0.01 * x * x + 0.1 * x;
    expect(numericalDiff(f, 5)).toBeCloseTo(0.2, 10);
    expect(numericalDiff(f, 10)).toBeCloseTo(0.3, 10);
  });

  it('is second-order accurate: far closer than the forward difference', () => {
    const h = 1e-4;
    const central = Math.abs(numericalDiff(Math.exp, 1, h) - Math.E);
    const forward = Math.abs((Math.exp(1 + h) - Math.exp(1)) / h - Math.E);
    expect(forward).toBeGreaterThan(1e-4); // about e * h / 2
    expect(central).toBeLessThan(1e-8); // about e * h^2 / 6
    expect(numericalDiff(Math.sin, 0.3, 1e-3)).toBeCloseTo(Math.cos(0.3), 6);
  });

  it('rejects a bad step or a function that returns no number', () => {
    expect(() => numericalDiff(Math.exp, 1, 0)).toThrow(/numericalDiff: h must be a positive finite number, got 0/);
    expect(() => numericalDiff(Math.exp, 1, -1e-4)).toThrow(/numericalDiff: h/);
    expect(() => numericalDiff(() => 'a' as unknown as number, 1)).toThrow(/numericalDiff: f returned string/);
  });
});

describe('numericalGradient', () => {
  it("gives the book's gradients of x0^2 + x1^2", () => {
    const cases: [number[], number[]][] = [
      [[3, 4], [6, 8]],
      [[0, 2], [0, 4]],
      [[3, 0], [6, 0]],
    ];
    for (const [x, g] of cases) {
      const grad = numericalGradient(sumOfSquares, Float64Array.from(x));
      expect(grad).toBeInstanceOf(Float64Array);
      expect(grad[0]).toBeCloseTo(g[0], 7);
      expect(grad[1]).toBeCloseTo(g[1], 7);
      const fromArray = numericalGradient(sumOfSquares, x.slice());
      expect(Array.from(fromArray)).toEqual(Array.from(grad));
    }
  });

  it('matches the analytic gradient of a coupled function', () => {
    // f = sum_i sin(x_i) * x_{i+1} + exp(x_0 / 2); df/dx_i = cos(x_i) x_{i+1} + sin(x_{i-1}) (+ exp(x_0/2)/2 for i = 0).
    const f = (x: Float64Array) => {
      let s = Math.exp(x[0] / 2);
      for (let i = 0; i + 1 < x.length; i++) s += Math.sin(x[i]) * x[i + 1];
      return s;
    };
    const x = Float64Array.of(0.3, -1.2, 2.0, 0.7, -0.4);
    const grad = numericalGradient(f, x);
    for (let i = 0; i < x.length; i++) {
      let g = i + 1 < x.length ? Math.cos(x[i]) * x[i + 1] : 0;
      if (i > 0) g += Math.sin(x[i - 1]);
      if (i === 0) g += Math.exp(x[0] / 2) / 2;
      expect(grad[i]).toBeCloseTo(g, 7);
    }
  });

  it('perturbs in place, so f may read the array it closes over, and restores it exactly', () => {
    const weights = Float64Array.of(0.1, 0.7, -0.3);
    const before = Array.from(weights);
    const loss = () => sumOfSquares(weights); // ignores its argument, like the book's lambda W: net.loss(x, t)
    const grad = numericalGradient(loss, weights);
    for (let i = 0; i < 3; i++) expect(grad[i]).toBeCloseTo(2 * before[i], 7);
    expect(Array.from(weights)).toEqual(before);
  });

  it('restores x even when f throws', () => {
    const x = [1, 2, 3];
    let calls = 0;
    const f = (v: number[]) => {
      if (++calls === 4) throw new Error('boom');
      return v[0];
    };
    expect(() => numericalGradient(f, x)).toThrow('boom');
    expect(x).toEqual([1, 2, 3]);
  });

  it('rejects bad input', () => {
    expect(() => numericalGradient(sumOfSquares, [1, 'a'] as unknown as number[])).toThrow(/numericalGradient: x must be/);
    expect(() => numericalGradient(sumOfSquares, [1], Number.NaN)).toThrow(/numericalGradient: h/);
  });
});

describe('gradientDescent', () => {
  it('minimises x0^2 + x1^2 from (-3, 4) with lr 0.1 in 100 steps to about (0, 0)', () => {
    const init = Float64Array.of(-3, 4);
    const { x, history } = gradientDescent(sumOfSquares, init, 0.1, 100);
    // Each step is x <- x - 0.1 * 2x = 0.8 x, so x = 0.8^100 * init (the book prints -6.1e-10, 8.1e-10).
    const shrink = 0.8 ** 100;
    expect(Math.abs(x[0])).toBeLessThan(1e-8);
    expect(Math.abs(x[1])).toBeLessThan(1e-8);
    expect(x[0] / (-3 * shrink)).toBeCloseTo(1, 4);
    expect(x[1] / (4 * shrink)).toBeCloseTo(1, 4);
    expect(history).toHaveLength(100);
    expect(Array.from(history[0])).toEqual([-3, 4]);
    expect(history[1][0]).toBeCloseTo(-2.4, 8);
    expect(history[1][1]).toBeCloseTo(3.2, 8);
    expect(Array.from(init)).toEqual([-3, 4]);
  });

  it("diverges with lr 10 and barely moves with lr 1e-10, as the book shows", () => {
    const big = gradientDescent(sumOfSquares, [-3, 4], 10, 100).x;
    expect(Math.abs(big[0]) + Math.abs(big[1])).toBeGreaterThan(1e10);
    const tiny = gradientDescent(sumOfSquares, [-3, 4], 1e-10, 100).x;
    expect(tiny[0]).toBeCloseTo(-3, 6);
    expect(tiny[0]).not.toBe(-3);
    expect(tiny[1]).toBeCloseTo(4, 6);
  });

  it('uses lr 0.01 and 100 steps by default', () => {
    const { x, history } = gradientDescent(sumOfSquares, [1, -2]);
    expect(history).toHaveLength(100);
    expect(x[0]).toBeCloseTo(0.98 ** 100, 6);
    expect(x[1]).toBeCloseTo(-2 * 0.98 ** 100, 6);
  });

  it('rejects bad settings', () => {
    expect(() => gradientDescent(sumOfSquares, [1], 0.1, -1)).toThrow(/gradientDescent: steps must be an integer >= 0, got -1/);
    expect(() => gradientDescent(sumOfSquares, [1], Number.NaN)).toThrow(/gradientDescent: lr/);
    expect(() => gradientDescent(sumOfSquares, 3 as unknown as number[])).toThrow(/gradientDescent: init/);
  });
});
