import { describe, test, expect, beforeAll } from 'vitest';
import { centerLikeMnist, FIELD } from '../../examples/web/mnist-centering.js';
import { readTestDigits, digitPixels } from './mnist-test-digits.js';
import type { TestDigits } from './mnist-test-digits.js';

/**
 * MNIST digits were made by this very recipe (20x20 box, centre of mass at the centre), so a digit
 * blown up 10x with nearest-neighbour and drawn anywhere on a larger canvas must come back as itself.
 */
let digits: TestDigits;
beforeAll(() => {
  digits = readTestDigits();
});

/** `image` (28, 28) enlarged `factor` times onto a (height, width) canvas at (left, top). */
function drawEnlarged(image: ArrayLike<number>, factor: number, width: number, height: number, left: number, top: number): Float64Array {
  const canvas = new Float64Array(width * height);
  for (let y = 0; y < FIELD * factor; y++) {
    for (let x = 0; x < FIELD * factor; x++) {
      canvas[(top + y) * width + left + x] = image[Math.floor(y / factor) * FIELD + Math.floor(x / factor)];
    }
  }
  return canvas;
}

function centreOfMass(image: ArrayLike<number>): [number, number] {
  let m = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < FIELD * FIELD; i++) {
    m += image[i];
    cx += image[i] * (i % FIELD);
    cy += image[i] * Math.floor(i / FIELD);
  }
  return [cx / m, cy / m];
}

describe('centerLikeMnist', () => {
  test('100 enlarged test digits, drawn off-centre, come back as themselves', () => {
    for (let i = 0; i < 100; i++) {
      const digit = digitPixels(digits, i);
      const canvas = drawEnlarged(digit, 10, 330, 300, 37 + (i % 13), 11 + (i % 7));
      const out = centerLikeMnist(canvas, 330, 300);
      const worst = out.reduce((m, v, p) => Math.max(m, Math.abs(v - digit[p])), 0);
      expect(worst, `digit ${i}`).toBeLessThan(1e-6);
    }
  });

  test('area-averages when shrinking: a 3x enlargement of a 20x20 box of blocks', () => {
    // A 40x60 canvas whose ink is a 30x30 square of 3x3 blocks: it shrinks by 2/3, so every
    // output pixel averages a 1.5x1.5 area; its values follow from the blocks' overlaps.
    const block = (bx: number, by: number) => ((bx * 7 + by * 3) % 10) / 10 + 0.05;
    const width = 40;
    const height = 60;
    const canvas = new Float64Array(width * height);
    for (let y = 0; y < 30; y++) for (let x = 0; x < 30; x++) canvas[(20 + y) * width + 5 + x] = block(Math.floor(x / 3), Math.floor(y / 3));
    const out = centerLikeMnist(canvas, width, height);
    const [cx, cy] = centreOfMass(out);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
    // Find the box's corner, then check every pixel against the area integral of the source.
    let first = 0;
    while (out[first] === 0) first++;
    const left = first % FIELD;
    const top = Math.floor(first / FIELD);
    const cover = (j: number, i: number) => Math.max(0, Math.min((j + 1) * 1.5, i + 1) - Math.max(j * 1.5, i)) / 1.5;
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 20; x++) {
        let want = 0;
        for (let sy = 0; sy < 30; sy++) for (let sx = 0; sx < 30; sx++) want += cover(y, sy) * cover(x, sx) * block(Math.floor(sx / 3), Math.floor(sy / 3));
        expect(out[(top + y) * FIELD + left + x]).toBeCloseTo(want, 5);
      }
    }
  });

  test('keeps the aspect ratio: a tall bar stays 20 high and thin', () => {
    const width = 100;
    const height = 100;
    const canvas = new Float64Array(width * height);
    for (let y = 10; y < 90; y++) for (let x = 60; x < 68; x++) canvas[y * width + x] = 1;
    const out = centerLikeMnist(canvas, width, height);
    const rows = new Set<number>();
    const cols = new Set<number>();
    out.forEach((v, i) => {
      if (v > 0) {
        rows.add(Math.floor(i / FIELD));
        cols.add(i % FIELD);
      }
    });
    expect(rows.size).toBe(20);
    expect(cols.size).toBe(2); // 8 px wide * 20/80
    expect(out.reduce((s, v) => s + v, 0)).toBeCloseTo(40, 5);
  });

  test('a blank drawing gives zeros; a wrong size is named in the error', () => {
    expect(centerLikeMnist(new Float64Array(50 * 40), 50, 40).every((v) => v === 0)).toBe(true);
    expect(() => centerLikeMnist(new Float64Array(10), 5, 3)).toThrow(/centerLikeMnist: 10 values for a 5x3 drawing/);
  });
});
