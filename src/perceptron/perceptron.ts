import { Rng } from '../random/rng.js';

/** Options of a Perceptron. */
export interface PerceptronOptions {
  /** Number of inputs D. */
  inputs: number;
  /** Step size of each correction (default 0.1). */
  learningRate?: number;
  /** With a seed, weights start small and random (normal, sd 0.01); without one, at zero. */
  seed?: number;
}

/** Options of Perceptron.fit. */
export interface PerceptronFitOptions {
  /** Passes over the data (default 10). */
  epochs?: number;
}

/**
 * Rosenblatt's perceptron: y = 1 if w . x + b > 0, else 0, learned by the
 * perceptron rule. For each sample in turn, with prediction p and target t,
 *   w <- w + lr * (t - p) * x,   b <- b + lr * (t - p),
 * so only a misclassified sample moves the weights. On linearly separable
 * data this reaches zero errors in finitely many updates (the perceptron
 * convergence theorem); on data such as XOR it never does.
 */
export class Perceptron {
  readonly inputs: number;
  readonly learningRate: number;
  /** w (D). */
  readonly weights: Float64Array;
  bias = 0;

  constructor({ inputs, learningRate = 0.1, seed }: PerceptronOptions) {
    if (!Number.isInteger(inputs) || inputs < 1) {
      throw new Error(`Perceptron: inputs must be an integer >= 1, got ${String(inputs)}`);
    }
    if (typeof learningRate !== 'number' || !(learningRate > 0) || !Number.isFinite(learningRate)) {
      throw new Error(`Perceptron: learningRate must be a positive finite number, got ${String(learningRate)}`);
    }
    this.inputs = inputs;
    this.learningRate = learningRate;
    this.weights = new Float64Array(inputs);
    if (seed !== undefined) {
      const rng = new Rng(seed);
      for (let i = 0; i < inputs; i++) this.weights[i] = 0.01 * rng.normal();
    }
  }

  /** 1 if w . x + b > 0, else 0. x is (D). */
  predict(x: ArrayLike<number>): 0 | 1 {
    this.checkSample('predict', x, 'x');
    let z = this.bias;
    for (let i = 0; i < this.inputs; i++) z += this.weights[i] * x[i];
    return z > 0 ? 1 : 0;
  }

  /**
   * Runs the perceptron rule over x (N, D) with targets y (N) of 0 or 1, the
   * samples in the given order, for `epochs` passes. errors[e] is the number
   * of samples misclassified (and so corrected) during pass e; once a pass
   * has no errors the weights no longer change.
   */
  fit(x: ArrayLike<number>[], y: ArrayLike<number>, { epochs = 10 }: PerceptronFitOptions = {}): { errors: number[] } {
    if (!Array.isArray(x)) throw new Error('Perceptron.fit: x must be an array of samples (N, D)');
    if (y === null || typeof y !== 'object' || y.length !== x.length) {
      throw new Error(`Perceptron.fit: y must have one target per sample, x is (${x.length}, ${this.inputs}), y has ${y?.length}`);
    }
    if (!Number.isInteger(epochs) || epochs < 0) {
      throw new Error(`Perceptron.fit: epochs must be an integer >= 0, got ${String(epochs)}`);
    }
    x.forEach((sample, n) => this.checkSample('fit', sample, `x[${n}]`));
    for (let n = 0; n < y.length; n++) {
      if (y[n] !== 0 && y[n] !== 1) throw new Error(`Perceptron.fit: y[${n}] is ${y[n]}, targets must be 0 or 1`);
    }

    const errors: number[] = [];
    for (let e = 0; e < epochs; e++) {
      let wrong = 0;
      for (let n = 0; n < x.length; n++) {
        const update = this.learningRate * (y[n] - this.predict(x[n]));
        if (update === 0) continue;
        const sample = x[n];
        for (let i = 0; i < this.inputs; i++) this.weights[i] += update * sample[i];
        this.bias += update;
        wrong++;
      }
      errors.push(wrong);
    }
    return { errors };
  }

  private checkSample(op: string, x: ArrayLike<number>, name: string): void {
    if (x === null || typeof x !== 'object' || x.length !== this.inputs) {
      throw new Error(`Perceptron.${op}: ${name} must have ${this.inputs} inputs, got ${x?.length ?? typeof x}`);
    }
    for (let i = 0; i < x.length; i++) {
      if (typeof x[i] !== 'number' || !Number.isFinite(x[i])) {
        throw new Error(`Perceptron.${op}: ${name}[${i}] is ${String(x[i])}, expected a finite number`);
      }
    }
  }
}
