// assembly/sparse.ts against plain float64 TypeScript references, through the raw wasm exports:
// odd sizes, all-zero, all-nonzero and one-nonzero rows, misaligned arrays, guards untouched.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, call, expectClose, input, output, round, uniform, values } from './raw-kernel.js';
import type { DType } from './raw-kernel.js';

/** Column counts of X (D) and of W (H): below, at and across the vector widths and 8-vector blocks. */
const D_SIZES = [1, 3, 17, 33, 100, 785];
const H_SIZES = [1, 3, 5, 17, 31, 33, 50, 100];
const ROW_COUNTS = [1, 6];
const UNIT: Record<DType, number> = { f32: 2 ** -24, f64: 2 ** -53 };

/**
 * Byte images (rows, cols): row 0 all zero, row 1 all nonzero, row 2 one nonzero in its last
 * column, the rest about 20% nonzero (255 included), as MNIST's are.
 */
function images(rows: number, cols: number, seed: number): number[] {
  const u = uniform(0, 1, seed);
  return Array.from({ length: rows * cols }, (_, k) => {
    const [r, c] = [Math.floor(k / cols), k % cols];
    if (r === 0) return 0;
    if (r === 1) return 1 + Math.floor(u(k) * 255);
    if (r === 2) return c === cols - 1 ? 7 : 0;
    return u(k) < 0.8 ? 0 : u(k) < 0.85 ? 255 : Math.floor(((u(k) - 0.85) / 0.15) * 255) + 1;
  });
}

interface Csr {
  rowStart: number[];
  colIdx: number[];
  vals: number[];
}

/** The reference compression: row r of the result is bytes[idx[r], :] * scale without its zeros. */
function compress(dtype: DType, bytes: number[], cols: number, idx: number[], scale: number): Csr {
  const csr: Csr = { rowStart: [0], colIdx: [], vals: [] };
  for (const r of idx) {
    for (let c = 0; c < cols; c++) {
      const b = bytes[r * cols + c];
      if (b !== 0) {
        csr.colIdx.push(c);
        csr.vals.push(round(dtype, b * scale));
      }
    }
    csr.rowStart.push(csr.colIdx.length);
  }
  return csr;
}

/** The reference byte set: every row's nonzero bytes, raw, with their columns. */
function byteSet(bytes: number[], cols: number): { rowStart: number[]; colIdx: number[]; bytes: number[] } {
  const set = { rowStart: [0], colIdx: [] as number[], bytes: [] as number[] };
  for (let r = 0; r < bytes.length / cols; r++) {
    for (let c = 0; c < cols; c++) {
      if (bytes[r * cols + c] !== 0) {
        set.colIdx.push(c);
        set.bytes.push(bytes[r * cols + c]);
      }
    }
    set.rowStart.push(set.bytes.length);
  }
  return set;
}

/** X as a dense float64 (rows, d) matrix. */
function dense(csr: Csr, d: number): number[] {
  const rows = csr.rowStart.length - 1;
  const x = new Array<number>(rows * d).fill(0);
  for (let i = 0; i < rows; i++) {
    for (let p = csr.rowStart[i]; p < csr.rowStart[i + 1]; p++) x[i * d + csr.colIdx[p]] = csr.vals[p];
  }
  return x;
}

/**
 * Expects got to be sum + extra, element by element, within the rounding a sum of `terms`
 * T products may collect: (terms + 2) units of roundoff times the sum of the terms' magnitudes.
 */
function expectSums(what: string, dtype: DType, got: ArrayLike<number>, sum: number[], magnitude: number[], terms: number[]): void {
  expect(got.length, `${what}: length`).toBe(sum.length);
  for (let e = 0; e < sum.length; e++) {
    const bound = (terms[e] + 2) * UNIT[dtype] * magnitude[e];
    if (!(Math.abs(got[e] - sum[e]) <= bound)) {
      expect.fail(`${what}: element ${e} is ${got[e]}, want ${sum[e]} (error ${Math.abs(got[e] - sum[e])}, bound ${bound})`);
    }
  }
}

describe('sparse kernels', () => {
  it('countNonzeroU8 counts the nonzero bytes, at every length across the 16-byte blocks', () => {
    const bytes = images(7, 101, 5);
    for (const n of [1, 15, 16, 17, 101, 202, 303, 700, 707]) {
      const want = bytes.slice(0, n).filter((v) => v !== 0).length;
      for (const misalign of MISALIGNMENTS) {
        expect(call('countNonzeroU8', [n, input('u8', bytes.slice(0, n))], misalign).result, `countNonzeroU8 of ${n} bytes`).toBe(want);
      }
    }
  });

  it('compressSetU8 keeps every nonzero byte of a set with its u16 column, at widths across the 16-byte blocks and up to 65,536', () => {
    for (const [rows, cols] of [[9, 1], [9, 3], [9, 17], [9, 100], [9, 785], [4, 65536]]) {
      const bytes = images(rows, cols, 71);
      const want = byteSet(bytes, cols);
      for (const misalign of MISALIGNMENTS) {
        const got = call('compressSetU8', [rows, cols, input('u8', bytes), output('i32', rows + 1), output('u16', want.bytes.length), output('u8', want.bytes.length)], misalign);
        const what = `compressSetU8 ${rows} x ${cols}`;
        expect(got.result, `${what}: nnz`).toBe(want.bytes.length);
        expect(Array.from(got.arrays[3]), `${what}: rowStart`).toEqual(want.rowStart);
        expect(Array.from(got.arrays[4]), `${what}: columns`).toEqual(want.colIdx);
        expect(Array.from(got.arrays[5]), `${what}: bytes`).toEqual(want.bytes);
      }
    }
  });

  for (const dtype of DTYPES) {
    it(`compressRowsU8 keeps the nonzero bytes of the indexed rows, scaled (${dtype})`, () => {
      const setRows = 9;
      for (const cols of [...D_SIZES, 16, 784]) {
        const bytes = images(setRows, cols, 61);
        // Repeats, the all-zero, all-nonzero and one-nonzero rows, and the last row.
        for (const idx of [[1], [0], [2], [setRows - 1, 0, 1, 2, 1, 5, 3]]) {
          const scale = round(dtype, 1 / 255);
          const want = compress(dtype, bytes, cols, idx, scale);
          const cap = idx.length * cols;
          for (const misalign of MISALIGNMENTS) {
            const got = call(
              `compressRowsU8_${dtype}`,
              [idx.length, cols, input('u8', bytes), input('i32', idx), scale, output('i32', idx.length + 1), output('i32', cap), output(dtype, cap)],
              misalign,
            );
            const nnz = want.colIdx.length;
            const what = `compressRowsU8_${dtype} rows ${idx} x ${cols}`;
            expect(got.result, `${what}: nnz`).toBe(nnz);
            expect(Array.from(got.arrays[5]), `${what}: rowStart`).toEqual(want.rowStart);
            expect(Array.from(got.arrays[6].subarray(0, nnz)), `${what}: colIdx`).toEqual(want.colIdx);
            expectClose(`${what}: vals`, got.arrays[7].subarray(0, nnz), want.vals, { rel: 0, abs: 0 });
          }
        }
      }
    });

    it(`gatherByteRows copies the indexed rows of a compressSetU8 set out as compressRowsU8 makes them from the bytes (${dtype})`, () => {
      const setRows = 9;
      for (const cols of [...D_SIZES, 16, 784]) {
        const bytes = images(setRows, cols, 67);
        const set = byteSet(bytes, cols);
        for (const scale of [round(dtype, 1 / 255), round(dtype, 0.7)]) {
          for (const idx of [[1], [0], [2], [setRows - 1, 0, 1, 2, 1, 5, 3]]) {
            const want = compress(dtype, bytes, cols, idx, scale);
            const nnz = want.colIdx.length;
            for (const misalign of MISALIGNMENTS) {
              const got = call(
                `gatherByteRows_${dtype}`,
                [idx.length, input('i32', set.rowStart), input('u16', set.colIdx), input('u8', set.bytes), input('i32', idx), scale, output('i32', idx.length + 1), output('i32', nnz), output(dtype, nnz)],
                misalign,
              );
              const what = `gatherByteRows_${dtype} rows ${idx} x ${cols}, scale ${scale}`;
              expect(got.result, `${what}: nnz`).toBe(nnz);
              expect(Array.from(got.arrays[6]), `${what}: rowStart`).toEqual(want.rowStart);
              expect(Array.from(got.arrays[7]), `${what}: colIdx`).toEqual(want.colIdx);
              expectClose(`${what}: vals`, got.arrays[8], want.vals, { rel: 0, abs: 0 });
            }
          }
        }
      }
    });

    it(`csrMatmul: Y = X W (+ b) from CSR X equals the dense float64 product (${dtype})`, () => {
      for (const d of D_SIZES) {
        for (const h of H_SIZES) {
          for (const rows of ROW_COUNTS) {
            const csr = compress(dtype, images(rows, d, 62 + d), d, Array.from({ length: rows }, (_, i) => i), round(dtype, 1 / 255));
            const x = dense(csr, d);
            const w = values(uniform(-1, 1, 63), d * h).map((v) => round(dtype, v));
            const b = values(uniform(-1, 1, 64), h).map((v) => round(dtype, v));
            const sum: number[] = [];
            const magnitude: number[] = [];
            const terms: number[] = [];
            for (let i = 0; i < rows; i++) {
              for (let c = 0; c < h; c++) {
                let [s, m] = [0, 0];
                for (let j = 0; j < d; j++) {
                  s += x[i * d + j] * w[j * h + c];
                  m += Math.abs(x[i * d + j] * w[j * h + c]);
                }
                sum.push(s);
                magnitude.push(m + Math.abs(b[c]));
                terms.push(csr.rowStart[i + 1] - csr.rowStart[i]);
              }
            }
            const withBias = sum.map((s, e) => s + b[e % h]);
            for (const misalign of MISALIGNMENTS) {
              const what = `csrMatmul_${dtype} (${rows}, ${d}) x (${d}, ${h}) misalign ${misalign}`;
              const csrArgs = [input('i32', csr.rowStart), input('i32', csr.colIdx), input(dtype, csr.vals), input(dtype, w)];
              const plain = call(`csrMatmul_${dtype}`, [rows, h, ...csrArgs, 0, output(dtype, rows * h)], misalign);
              expectSums(what, dtype, plain.arrays[7], sum, magnitude, terms);
              const biased = call(`csrMatmul_${dtype}`, [rows, h, ...csrArgs, input(dtype, b), output(dtype, rows * h)], misalign);
              expectSums(`${what} + b`, dtype, biased.arrays[7], withBias, magnitude, terms);
            }
            // The all-zero row is exactly the bias; the one-nonzero row is exactly one product (+ bias).
            if (rows >= 3) {
              const got = call(`csrMatmul_${dtype}`, [rows, h, input('i32', csr.rowStart), input('i32', csr.colIdx), input(dtype, csr.vals), input(dtype, w), input(dtype, b), output(dtype, rows * h)]).arrays[7];
              for (let c = 0; c < h; c++) {
                expect(got[c], `all-zero row, column ${c}`).toBe(b[c]);
                expect(got[2 * h + c], `one-nonzero row, column ${c}`).toBe(round(dtype, round(dtype, x[2 * d + d - 1] * w[(d - 1) * h + c]) + b[c]));
              }
            }
          }
        }
      }
    });

    it(`csrTransposeMatmul: dW = Xᵀ dY from CSR X equals the dense float64 product, on column windows (${dtype})`, () => {
      for (const d of D_SIZES) {
        for (const h of H_SIZES) {
          for (const rows of ROW_COUNTS) {
            const csr = compress(dtype, images(rows, d, 65 + h), d, Array.from({ length: rows }, (_, i) => i), round(dtype, 1 / 255));
            const x = dense(csr, d);
            const dy = values(uniform(-1, 1, 66), rows * h).map((v) => round(dtype, v));
            const sum: number[] = [];
            const magnitude: number[] = [];
            const terms: number[] = [];
            for (let j = 0; j < d; j++) {
              let count = 0;
              for (let i = 0; i < rows; i++) count += x[i * d + j] !== 0 ? 1 : 0;
              for (let c = 0; c < h; c++) {
                let [s, m] = [0, 0];
                for (let i = 0; i < rows; i++) {
                  s += x[i * d + j] * dy[i * h + c];
                  m += Math.abs(x[i * d + j] * dy[i * h + c]);
                }
                sum.push(s);
                magnitude.push(m);
                terms.push(count);
              }
            }
            const csrArgs = [input('i32', csr.rowStart), input('i32', csr.colIdx), input(dtype, csr.vals)];
            for (const misalign of MISALIGNMENTS) {
              const what = `csrTransposeMatmul_${dtype} (${rows}, ${d})ᵀ x (${rows}, ${h}) misalign ${misalign}`;
              // dW starts as garbage: the kernel must zero it, rows no nonzero names included.
              const got = call(`csrTransposeMatmul_${dtype}`, [rows, d, h, ...csrArgs, input(dtype, dy), h, { kind: dtype, role: 'inout', values: new Array(d * h).fill(3) }], misalign);
              expectSums(what, dtype, got.arrays[8], sum, magnitude, terms);
            }
            // A window of columns [c0, c0 + cols) writes only those columns and gives the same bits.
            if (h >= 5) {
              const whole = call(`csrTransposeMatmul_${dtype}`, [rows, d, h, ...csrArgs, input(dtype, dy), h, output(dtype, d * h)]).arrays[8];
              const c0 = 2;
              const cols = h - 3;
              // The window starts c0 columns in: dY's row i read from column c0 on (a flat shift by c0
              // keeps every row's columns c0 .. h - 1 in its first h - c0 places).
              const dyShifted = [...dy.slice(c0), ...new Array<number>(c0).fill(0)];
              const before = new Array(d * h).fill(-5);
              const win = call(`csrTransposeMatmul_${dtype}`, [rows, d, cols, ...csrArgs, input(dtype, dyShifted), h, { kind: dtype, role: 'inout', values: before }]).arrays[8];
              const wrong: string[] = [];
              for (let j = 0; j < d; j++) {
                for (let c = 0; c < h; c++) {
                  const e = j * h + c;
                  const ok = c < cols ? Object.is(win[e], whole[e + c0]) : win[e] === -5;
                  if (!ok) wrong.push(`(${j}, ${c}) is ${win[e]}`);
                }
              }
              expect(wrong.slice(0, 5), `csrTransposeMatmul_${dtype} window of (${d}, ${h})`).toEqual([]);
            }
          }
        }
      }
    });
  }
});
