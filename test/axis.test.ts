import { describe, test, expect, beforeAll } from 'vitest';
import { createBackend, ops, Rng } from '../src/index.js';
import type { Backend, Tensor, FloatDType } from '../src/index.js';

/** sumAxis, repeatAxis, transpose and scatterAddRows against plain float64 loops, in both dtypes. */
const backends: Partial<Record<FloatDType, Backend>> = {};
beforeAll(async () => {
  backends.float32 = await createBackend({ dtype: 'float32' });
  backends.float64 = await createBackend({ dtype: 'float64' });
});

function random(b: Backend, shape: number[], seed: number): Tensor {
  return b.rand(shape, { seed }).reshape(shape);
}

/** (outer, len, inner) around axis a. */
function around(shape: number[], a: number): [number, number, number] {
  const p = (s: number[]) => s.reduce((x, y) => x * y, 1);
  return [p(shape.slice(0, a)), shape[a], p(shape.slice(a + 1))];
}

for (const dtype of ['float32', 'float64'] as const) {
  describe(`axis ops (${dtype})`, () => {
    const shapes = [[7], [5, 3], [2, 9, 5], [3, 1, 4, 6]];

    test('sumAxis sums along every axis in index order', () => {
      const b = backends[dtype]!;
      shapes.forEach((shape, s) => {
        for (let a = 0; a < shape.length; a++) {
          const x = random(b, shape, s * 10 + a);
          const [outer, len, inner] = around(shape, a);
          const xs = Array.from(x.data as ArrayLike<number>);
          const ref = new Float64Array(outer * inner);
          for (let o = 0; o < outer; o++) {
            for (let i = 0; i < inner; i++) {
              let acc = dtype === 'float32' ? Math.fround(xs[o * len * inner + i]) : xs[o * len * inner + i];
              for (let l = 1; l < len; l++) {
                acc = acc + xs[(o * len + l) * inner + i];
                if (dtype === 'float32') acc = Math.fround(acc);
              }
              ref[o * inner + i] = acc;
            }
          }
          const y = ops.sumAxis(x, a);
          expect(Array.from(y.data as ArrayLike<number>)).toEqual(Array.from(ref));
          x.dispose();
          y.dispose();
        }
      });
    });

    test('repeatAxis copies along the axis; it is the adjoint of sumAxis', () => {
      const b = backends[dtype]!;
      const shape = [2, 4, 3];
      for (let a = 0; a < 3; a++) {
        const [outer, len, inner] = around(shape, a);
        const x = random(b, [outer, inner], a);
        const y = ops.repeatAxis(x, a, shape);
        const xs = x.data as ArrayLike<number>;
        const ys = y.data as ArrayLike<number>;
        for (let o = 0; o < outer; o++) for (let l = 0; l < len; l++) for (let i = 0; i < inner; i++) {
          expect(ys[(o * len + l) * inner + i]).toBe(xs[o * inner + i]);
        }
        x.dispose();
        y.dispose();
      }
    });

    test('transpose swaps the last two axes, batched', () => {
      const b = backends[dtype]!;
      for (const shape of [[1, 1], [5, 3], [3, 5], [2, 4, 7]]) {
        const x = random(b, shape, shape[0]);
        const y = ops.transpose(x);
        const [r, c] = shape.slice(-2);
        const batch = x.size / (r * c);
        expect(y.shape).toEqual([...shape.slice(0, -2), c, r]);
        const xs = x.data as ArrayLike<number>;
        const ys = y.data as ArrayLike<number>;
        for (let k = 0; k < batch; k++) for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) {
          expect(ys[k * r * c + j * r + i]).toBe(xs[k * r * c + i * c + j]);
        }
        x.dispose();
        y.dispose();
      }
    });

    test('scatterAddRows adds each row where the index says, repeated rows both', () => {
      const b = backends[dtype]!;
      const src = random(b, [5, 3], 9);
      const dst = random(b, [4, 3], 10);
      const before = Array.from(dst.data as ArrayLike<number>);
      const idx = [3, 0, 3, 1, 3];
      const index = b.tensor(idx, [5], 'int32');
      ops.scatterAddRows(src, index, dst);
      const s = src.data as ArrayLike<number>;
      const ref = [...before];
      idx.forEach((row, r) => {
        for (let c = 0; c < 3; c++) {
          ref[row * 3 + c] += s[r * 3 + c];
          if (dtype === 'float32') ref[row * 3 + c] = Math.fround(ref[row * 3 + c]);
        }
      });
      expect(Array.from(dst.data as ArrayLike<number>)).toEqual(ref);
      for (const t of [src, dst, index]) t.dispose();
    });
  });
}

test('axis ops reject bad input before any kernel runs, naming the op and shapes', () => {
  const b = backends.float64!;
  const x = b.zeros([2, 3]);
  expect(() => ops.sumAxis(x, 2)).toThrow(/sumAxis: axis 2 is out of range for \(2, 3\)/);
  expect(() => ops.repeatAxis(x, 0, [4, 2])).toThrow(/repeatAxis: x \(2, 3\) does not give \(4, 2\)/);
  expect(() => ops.transpose(b.zeros([3]))).toThrow(/transpose: needs a tensor of rank 2/);
  const idx = b.tensor([0, 5], [2], 'int32');
  expect(() => ops.scatterAddRows(x, idx, b.zeros([4, 3]))).toThrow(/scatterAddRows: index 5 at position 1 is out of range for 4 rows/);
  expect(() => ops.scatterAddRows(x, idx, b.zeros([4, 2]))).toThrow(/scatterAddRows: rows of src/);
});
