// assembly/batchnorm.ts against the book's BatchNormalization written in plain float64
// (mean, xc, var, std, xn; backward through dxn, dstd, dvar, dmu), through the raw wasm exports.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, call, expectClose, inout, input, output, round, uniform, values } from './raw-kernel.js';
import type { DType } from './raw-kernel.js';

/** (n, channels, hw): hw = 1 is the (N, D) case. */
const SHAPES: ReadonlyArray<readonly [number, number, number]> = [
  [1, 1, 1],
  [1, 3, 5],
  [2, 1, 1],
  [7, 5, 1],
  [3, 2, 9],
  [4, 3, 17],
  [2, 4, 36],
];
const EPS = 1e-5;
const MOMENTUM = 0.9;
const TOL = { f32: { rel: 2e-5, abs: 2e-5 }, f64: { rel: 1e-12, abs: 1e-12 } };

const data = (dtype: DType, count: number, seed: number, lo = -2, hi = 2) => values(uniform(lo, hi, seed), count).map((v) => round(dtype, v));
const index = (channels: number, hw: number, i: number, ch: number, j: number) => (i * channels + ch) * hw + j;

/** One channel's values at their positions in x. */
function positions(n: number, channels: number, hw: number, ch: number): number[] {
  const all: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) all.push(index(channels, hw, i, ch, j));
  return all;
}

interface Forward {
  y: number[];
  xn: number[];
  std: number[];
  mean: number[];
  variance: number[];
}

function forwardReference(x: number[], gamma: number[], beta: number[], [n, channels, hw]: readonly number[]): Forward {
  const r: Forward = { y: [...x], xn: [...x], std: [], mean: [], variance: [] };
  for (let ch = 0; ch < channels; ch++) {
    const at = positions(n, channels, hw, ch);
    const mu = at.reduce((s, k) => s + x[k], 0) / at.length;
    const variance = at.reduce((s, k) => s + (x[k] - mu) ** 2, 0) / at.length;
    const std = Math.sqrt(variance + EPS);
    for (const k of at) {
      r.xn[k] = (x[k] - mu) / std;
      r.y[k] = gamma[ch] * r.xn[k] + beta[ch];
    }
    r.std.push(std);
    r.mean.push(mu);
    r.variance.push(variance);
  }
  return r;
}

/** The book's backward, step by step: dbeta, dgamma, dxn, dxc, dstd, dvar, dmu, dx. */
function backwardReference(dout: number[], x: number[], gamma: number[], [n, channels, hw]: readonly number[]) {
  const dx = [...x];
  const dgamma: number[] = [];
  const dbeta: number[] = [];
  for (let ch = 0; ch < channels; ch++) {
    const at = positions(n, channels, hw, ch);
    const m = at.length;
    const mu = at.reduce((s, k) => s + x[k], 0) / m;
    const xc = at.map((k) => x[k] - mu);
    const std = Math.sqrt(xc.reduce((s, v) => s + v * v, 0) / m + EPS);
    const xn = xc.map((v) => v / std);
    const d = at.map((k) => dout[k]);
    dbeta.push(d.reduce((s, v) => s + v, 0));
    dgamma.push(d.reduce((s, v, i) => s + v * xn[i], 0));
    const dxn = d.map((v) => gamma[ch] * v);
    const dxc = dxn.map((v) => v / std);
    const dstd = -dxn.reduce((s, v, i) => s + (v * xc[i]) / (std * std), 0);
    const dvar = (0.5 * dstd) / std;
    const dxc2 = dxc.map((v, i) => v + (2 / m) * xc[i] * dvar);
    const dmu = dxc2.reduce((s, v) => s + v, 0);
    at.forEach((k, i) => (dx[k] = dxc2[i] - dmu / m));
  }
  return { dx, dgamma, dbeta };
}

describe('batch normalization kernels', () => {
  for (const dtype of DTYPES) {
    it(`training forward: batch statistics per channel, running averages updated (${dtype})`, () => {
      for (const shape of SHAPES) {
        const [n, channels, hw] = shape;
        const x = data(dtype, n * channels * hw, 81, -3, 5);
        const gamma = data(dtype, channels, 82, 0.5, 2);
        const beta = data(dtype, channels, 83);
        const runMean = data(dtype, channels, 84);
        const runVar = data(dtype, channels, 85, 0.5, 2);
        const want = forwardReference(x, gamma, beta, shape);
        for (const misalign of MISALIGNMENTS) {
          const got = call(`batchNormForwardTrain_${dtype}`, [
            channels, n, hw, channels * hw, input(dtype, x), input(dtype, gamma), input(dtype, beta),
            inout(dtype, runMean), inout(dtype, runVar), MOMENTUM, EPS,
            output(dtype, x.length), output(dtype, x.length), output(dtype, channels),
          ], misalign).arrays;
          const what = `batchNormForwardTrain_${dtype} ${shape}`;
          expectClose(`${what} y`, got[11], want.y, TOL[dtype]);
          expectClose(`${what} xn`, got[12], want.xn, TOL[dtype]);
          expectClose(`${what} invStd`, got[13], want.std.map((s) => 1 / s), { rel: TOL[dtype].rel * 10, abs: 0 });
          expectClose(`${what} runMean`, got[7], runMean.map((r, c) => MOMENTUM * r + (1 - MOMENTUM) * want.mean[c]), TOL[dtype]);
          expectClose(`${what} runVar`, got[8], runVar.map((r, c) => MOMENTUM * r + (1 - MOMENTUM) * want.variance[c]), TOL[dtype]);
        }
      }
    });

    it(`inference forward uses the running statistics and leaves them alone (${dtype})`, () => {
      for (const shape of SHAPES) {
        const [n, channels, hw] = shape;
        const x = data(dtype, n * channels * hw, 86);
        const gamma = data(dtype, channels, 87);
        const beta = data(dtype, channels, 88);
        const runMean = data(dtype, channels, 89);
        const runVar = data(dtype, channels, 90, 0, 2);
        const xn = x.map((v, k) => {
          const ch = Math.floor(k / hw) % channels;
          return (v - runMean[ch]) / Math.sqrt(runVar[ch] + EPS);
        });
        const y = xn.map((v, k) => gamma[Math.floor(k / hw) % channels] * v + beta[Math.floor(k / hw) % channels]);
        for (const misalign of MISALIGNMENTS) {
          const got = call(`batchNormForwardInfer_${dtype}`, [
            channels, n, hw, channels * hw, input(dtype, x), input(dtype, gamma), input(dtype, beta),
            input(dtype, runMean), input(dtype, runVar), EPS, output(dtype, x.length), output(dtype, x.length), output(dtype, channels),
          ], misalign).arrays;
          expectClose(`batchNormForwardInfer_${dtype} ${shape} y`, got[10], y, TOL[dtype]);
          expectClose(`batchNormForwardInfer_${dtype} ${shape} xn`, got[11], xn, TOL[dtype]);
        }
      }
    });

    it(`backward equals the book's step-by-step chain; inference mode is gamma / std * dout (${dtype})`, () => {
      for (const shape of SHAPES) {
        const [n, channels, hw] = shape;
        const x = data(dtype, n * channels * hw, 91, -3, 5);
        const gamma = data(dtype, channels, 92, 0.5, 2);
        const dout = data(dtype, x.length, 93);
        const fwd = forwardReference(x, gamma, new Array<number>(channels).fill(0), shape);
        const xn = fwd.xn.map((v) => round(dtype, v));
        const invStd = fwd.std.map((s) => round(dtype, 1 / s));
        const want = backwardReference(dout, x, gamma, shape);
        for (const misalign of MISALIGNMENTS) {
          const args = (training: number) => [
            channels, n, hw, channels * hw, training, input(dtype, dout), input(dtype, xn), input(dtype, gamma), input(dtype, invStd),
            output(dtype, x.length), output(dtype, channels), output(dtype, channels),
          ];
          const got = call(`batchNormBackward_${dtype}`, args(1), misalign).arrays;
          const what = `batchNormBackward_${dtype} ${shape}`;
          // dx is a difference of near-equal terms: compared against the size of the terms.
          const scale = Math.max(...want.dx.map(Math.abs), ...dout.map(Math.abs)) * Math.max(...gamma) * Math.max(...invStd);
          expectClose(`${what} dx`, got[9], want.dx, { rel: TOL[dtype].rel, abs: TOL[dtype].abs * scale });
          expectClose(`${what} dgamma`, got[10], want.dgamma, { rel: TOL[dtype].rel, abs: TOL[dtype].abs * n * hw });
          expectClose(`${what} dbeta`, got[11], want.dbeta, { rel: TOL[dtype].rel, abs: TOL[dtype].abs * n * hw });
          const fixed = call(`batchNormBackward_${dtype}`, args(0), misalign).arrays;
          const wantFixed = dout.map((d, k) => gamma[Math.floor(k / hw) % channels] * invStd[Math.floor(k / hw) % channels] * d);
          expectClose(`${what} inference dx`, fixed[9], wantFixed, TOL[dtype]);
          expect(Array.from(fixed[10])).toEqual(Array.from(got[10]));
        }
      }
    });
  }
});
