// assembly/pool.ts (max and average pooling, forward and backward) against plain float64
// references, through the raw wasm exports, at odd sizes and misaligned.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, call, expectClose, input, output, round, uniform, values } from './raw-kernel.js';
import type { DType } from './raw-kernel.js';

/** (planes, h, w, ph, pw, stride, pad) */
const WINDOWS: ReadonlyArray<readonly [number, number, number, number, number, number, number]> = [
  [1, 1, 1, 1, 1, 1, 0], // 1x1 plane
  [2, 1, 1, 2, 2, 1, 1], // 1x1 plane, padding around it
  [3, 4, 4, 2, 2, 2, 0], // the book's 2x2 stride 2
  [2, 5, 7, 3, 2, 1, 0], // windows larger than the stride overlap
  [1, 4, 3, 2, 2, 1, 3], // padding larger than the window: some windows are all padding
  [4, 7, 6, 3, 3, 2, 1], // odd sizes, last row not covered
  [30, 24, 24, 2, 2, 2, 0], // SimpleConvNet's pool (f32: four outputs at a time)
  [2, 9, 19, 2, 2, 2, 0], // the same with odd rows: two groups of four, then one output on its own
];

const outSize = (size: number, window: number, stride: number, pad: number) => Math.floor((size + 2 * pad - window) / stride) + 1;

/** Each output window's inputs as [index in the plane or -1 for padding, value], in window order. */
function windows(x: number[], [planes, h, w, ph, pw, stride, pad]: readonly number[]): Array<Array<[number, number]>> {
  const oh = outSize(h, ph, stride, pad);
  const ow = outSize(w, pw, stride, pad);
  const all: Array<Array<[number, number]>> = [];
  for (let p = 0; p < planes; p++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const win: Array<[number, number]> = [];
        for (let ky = 0; ky < ph; ky++)
          for (let kx = 0; kx < pw; kx++) {
            const iy = oy * stride - pad + ky;
            const ix = ox * stride - pad + kx;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            win.push(inside ? [iy * w + ix, x[p * h * w + iy * w + ix]] : [-1, 0]);
          }
        all.push(win);
      }
  return all;
}

/** Few distinct values, negatives included, so ties and padding zeros that win are common. */
const ties = (dtype: DType, count: number, seed: number) => values(uniform(-3, 3, seed), count).map((v) => round(dtype, Math.floor(v) / 2));
const data = (dtype: DType, count: number, seed: number) => values(uniform(-2, 2, seed), count).map((v) => round(dtype, v));

describe('max and average pooling', () => {
  for (const dtype of DTYPES) {
    it(`maxPoolForward gives each window's max and where it came from: the first of equal inputs, -1 for a padding 0 (${dtype})`, () => {
      for (const shape of WINDOWS) {
        const [planes, h, w] = shape;
        for (const x of [ties(dtype, planes * h * w, 71), data(dtype, planes * h * w, 72)]) {
          const wins = windows(x, shape);
          // The first largest input in window order; a padding 0 only when every input is below 0.
          const best = wins.map((win): [number, number] => {
            const inside = win.filter((e) => e[0] >= 0);
            if (inside.length === 0) return [-1, 0];
            const top = inside.reduce((b, e) => (e[1] > b[1] ? e : b));
            return inside.length < win.length && top[1] < 0 ? [-1, 0] : top;
          });
          for (const misalign of MISALIGNMENTS) {
            const got = call(`maxPoolForward_${dtype}`, [...shape, input(dtype, x), output(dtype, wins.length), output('i32', wins.length)], misalign);
            expectClose(`maxPoolForward_${dtype} ${shape} y`, got.arrays[8], best.map((e) => e[1]), { rel: 0, abs: 0 });
            expect(Array.from(got.arrays[9]), `maxPoolForward_${dtype} ${shape} argmax`).toEqual(best.map((e) => e[0]));
          }
        }
      }
    });

    it(`maxPoolBackward routes each dy to its argmax, adding where windows overlap (${dtype})`, () => {
      for (const shape of WINDOWS) {
        const [planes, h, w] = shape;
        const x = ties(dtype, planes * h * w, 73);
        const wins = windows(x, shape);
        const argmax = call(`maxPoolForward_${dtype}`, [...shape, input(dtype, x), output(dtype, wins.length), output('i32', wins.length)]).arrays[9];
        const dy = data(dtype, wins.length, 74);
        const perPlane = wins.length / planes;
        const want = new Array<number>(planes * h * w).fill(0);
        argmax.forEach((i, o) => {
          if (i >= 0) want[Math.floor(o / perPlane) * h * w + i] += dy[o];
        });
        for (const misalign of MISALIGNMENTS) {
          const got = call(`maxPoolBackward_${dtype}`, [...shape, input(dtype, dy), input('i32', argmax), { kind: dtype, role: 'inout', values: data(dtype, want.length, 75) }], misalign).arrays[9];
          // At most ph * pw / stride^2 terms meet in one input: a few roundings in f32.
          expectClose(`maxPoolBackward_${dtype} ${shape}`, got, want, { rel: 8 * (dtype === 'f32' ? 2 ** -24 : 2 ** -53), abs: 1e-30 });
        }
      }
    });

    it(`avgPoolForward divides each window's sum, padding included, by ph * pw (${dtype})`, () => {
      for (const shape of WINDOWS) {
        const [planes, h, w, ph, pw] = shape;
        const x = data(dtype, planes * h * w, 76);
        const wins = windows(x, shape);
        const want = wins.map((win) => win.reduce((s, e) => s + e[1], 0) / (ph * pw));
        const magnitude = wins.map((win) => win.reduce((s, e) => s + Math.abs(e[1]), 0) / (ph * pw));
        const u = dtype === 'f32' ? 2 ** -24 : 2 ** -53;
        for (const misalign of MISALIGNMENTS) {
          const got = call(`avgPoolForward_${dtype}`, [...shape, input(dtype, x), output(dtype, wins.length)], misalign).arrays[8];
          got.forEach((v, i) => expect(Math.abs(v - want[i]) <= (ph * pw + 1) * u * magnitude[i], `avgPoolForward_${dtype} ${shape} [${i}]`).toBe(true));
        }
      }
    });

    it(`avgPoolBackward spreads dy / (ph * pw) over each window (${dtype})`, () => {
      for (const shape of WINDOWS) {
        const [planes, h, w, ph, pw] = shape;
        const wins = windows(new Array<number>(planes * h * w).fill(0), shape);
        const dy = data(dtype, wins.length, 77);
        const perPlane = wins.length / planes;
        const want = new Array<number>(planes * h * w).fill(0);
        const magnitude = new Array<number>(planes * h * w).fill(0);
        wins.forEach((win, o) => {
          for (const [i] of win) {
            if (i < 0) continue;
            const k = Math.floor(o / perPlane) * h * w + i;
            want[k] += dy[o] / (ph * pw);
            magnitude[k] += Math.abs(dy[o]) / (ph * pw);
          }
        });
        const u = dtype === 'f32' ? 2 ** -24 : 2 ** -53;
        for (const misalign of MISALIGNMENTS) {
          const got = call(`avgPoolBackward_${dtype}`, [...shape, input(dtype, dy), { kind: dtype, role: 'inout', values: data(dtype, want.length, 78) }], misalign).arrays[8];
          got.forEach((v, i) => expect(Math.abs(v - want[i]) <= (ph * pw + 1) * u * magnitude[i] + 1e-300, `avgPoolBackward_${dtype} ${shape} [${i}]`).toBe(true));
        }
      }
    });
  }
});
