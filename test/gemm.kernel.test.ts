// The raw GEMM kernels (assembly/gemm.ts) against a float64 reference GEMM written here:
// every transpose pair, sizes around and across the 4 x 8 (f32) and 4 x 4 (f64) tiles and
// the k-blocks, all three paths (narrow C: n <= NARROW_N in f32; few rows: m <= FEW_ROWS with
// k >= LONG_K and B not transposed, B read in place; and wide C), leading dimensions wider
// than the rows, alpha/beta edge values, NaN in C with beta = 0, guard values around C and
// in its row gaps, and bit-identical results when one GEMM is split into blocks of rows or
// columns, including splits whose pieces take different paths.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';

type DType = 'f32' | 'f64';

// SCRATCHNET_WASM points the tests at another build.
const wasmFile = process.env.SCRATCHNET_WASM ?? new URL('../build/scratchnet.wasm', import.meta.url);
const memory = new WebAssembly.Memory({ initial: 64, maximum: 32768 });
const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile)), { env: { memory } })
  .exports as Record<string, (...args: number[]) => number>;

const DTYPES: readonly DType[] = ['f32', 'f64'];
const BYTES: Record<DType, number> = { f32: 4, f64: 8 };
const TRANSPOSES: readonly [number, number][] = [[0, 0], [1, 0], [0, 1], [1, 1]];
const SIZES = [1, 3, 5, 17, 31, 33, 100, 127, 785];
/** The widest C that gemm.ts sends down its narrow path in f32 (its NARROW_N); wider C, and f64, go wide. */
const NARROW_N = 256;
/** gemm.ts's FEW_ROWS and LONG_K: C of at most FEW_ROWS rows over k >= LONG_K, B not transposed, reads B in place. */
const FEW_ROWS = 64;
const LONG_K = 2048;
/** Elements of guard before and after each matrix, and the value they hold. */
const GUARD = 24;
const GUARD_VALUE = -31415.5;

/**
 * Error allowed for one element of C, relative to scale = |alpha| * sum_p |a_ip b_pj| + |beta c_ij|:
 * a sum of k rounded products has an error of about sqrt(k) roundings of the scale when
 * the signs are random (k of them at worst). f32: 1e-6 * sqrt(k + 2) is 17 * sqrt(k + 2)
 * units of f32 rounding (6e-8); f64: 1e-14 * sqrt(k + 2) is 90 * sqrt(k + 2) units.
 */
const TOLERANCE: Record<DType, number> = { f32: 1e-6, f64: 1e-14 };

const round = (dtype: DType, v: number) => (dtype === 'f32' ? Math.fround(v) : v);

interface Call {
  tA: number; tB: number; m: number; n: number; k: number;
  alpha: number; beta: number;
  /** Extra elements per row beyond the stored row length. */
  padA?: number; padB?: number; padC?: number;
  /** C's starting contents: random values, or NaN (only meaningful with beta = 0). */
  cInit?: 'random' | 'nan';
}

interface Placed {
  dtype: DType;
  a: number; b: number; c: number; work: number;
  lda: number; ldb: number; ldc: number;
  rowsA: number; rowsB: number;
}

const typed = (dtype: DType, ptr: number, length: number) =>
  dtype === 'f32' ? new Float32Array(memory.buffer, ptr, length) : new Float64Array(memory.buffer, ptr, length);

/** Lays out work, A, B, C (each with guards) from heapBase upward; fills A, B, C and guards and gaps. */
function place(dtype: DType, call: Call, rng: Rng): Placed {
  const { tA, tB, m, n, k } = call;
  const size = BYTES[dtype];
  // Stored shapes: A is (m, k), or (k, m) when transposed; B is (k, n), or (n, k).
  const [rowsA, colsA] = tA ? [k, m] : [m, k];
  const [rowsB, colsB] = tB ? [n, k] : [k, n];
  const lda = colsA + (call.padA ?? 0), ldb = colsB + (call.padB ?? 0), ldc = n + (call.padC ?? 0);
  const align = (x: number, to: number) => Math.ceil(x / to) * to;
  const work = align(Number(wasm.heapBase()), 16);
  // Matrices start GUARD elements into their regions: 8-byte but not always 16-byte aligned.
  let end = work + wasm[`gemmWorkBytes_${dtype}`]();
  const region = (elements: number) => {
    const start = align(end, 16) + size; // deliberately off 16-byte alignment
    end = start + (elements + 2 * GUARD) * size;
    return start + GUARD * size;
  };
  const a = region(Math.max(rowsA * lda, 1));
  const b = region(Math.max(rowsB * ldb, 1));
  const c = region(Math.max(m * ldc, 1));
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
  const fill = (ptr: number, rows: number, cols: number, ld: number, init: () => number) => {
    const view = typed(dtype, ptr - GUARD * size, rows * ld + 2 * GUARD);
    // Guards and row gaps of A and B hold NaN: reading one would poison C.
    view.fill(ptr === c ? GUARD_VALUE : NaN);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) view[GUARD + i * ld + j] = init();
  };
  fill(a, rowsA, colsA, lda, () => rng.uniform() * 2 - 1);
  fill(b, rowsB, colsB, ldb, () => rng.uniform() * 2 - 1);
  fill(c, m, n, ldc, () => (call.cInit === 'nan' ? NaN : rng.uniform() * 2 - 1));
  return { dtype, a, b, c, work, lda, ldb, ldc, rowsA, rowsB };
}

/** Reads matrix element (i, j) of a row-major matrix with leading dimension ld. */
const at = (view: ArrayLike<number>, ld: number, i: number, j: number) => view[GUARD + i * ld + j];

/** The float64 reference: alpha * op(A) op(B) + beta * C (beta = 0 ignores C), with its error scale. */
function reference(p: Placed, call: Call, cBefore: Float64Array) {
  const { tA, tB, m, n, k } = call;
  const size = BYTES[p.dtype];
  const viewA = typed(p.dtype, p.a - GUARD * size, p.rowsA * p.lda + 2 * GUARD);
  const viewB = typed(p.dtype, p.b - GUARD * size, p.rowsB * p.ldb + 2 * GUARD);
  // op(A) as (m, k) and op(B) transposed as (n, k), both contiguous, for fast dot products.
  const opA = new Float64Array(m * k), opBt = new Float64Array(n * k);
  for (let i = 0; i < m; i++) for (let q = 0; q < k; q++) opA[i * k + q] = tA ? at(viewA, p.lda, q, i) : at(viewA, p.lda, i, q);
  for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) opBt[j * k + q] = tB ? at(viewB, p.ldb, j, q) : at(viewB, p.ldb, q, j);
  const alpha = round(p.dtype, call.alpha), beta = round(p.dtype, call.beta);
  const value = new Float64Array(m * n), scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0, abs = 0;
      for (let q = 0; q < k; q++) {
        const prod = opA[i * k + q] * opBt[j * k + q];
        sum += prod;
        abs += Math.abs(prod);
      }
      const old = cBefore[i * n + j];
      value[i * n + j] = alpha * sum + (beta === 0 ? 0 : beta * old);
      scale[i * n + j] = Math.abs(alpha) * abs + (beta === 0 ? 0 : Math.abs(beta * old));
    }
  }
  return { value, scale };
}

/** Copies C's window (m, n) out of memory as float64. */
function readC(p: Placed, m: number, n: number): Float64Array {
  const view = typed(p.dtype, p.c - GUARD * BYTES[p.dtype], m * p.ldc + 2 * GUARD);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = at(view, p.ldc, i, j);
  return out;
}

function gemm(p: Placed, call: Call, offsets = { i0: 0, j0: 0, m: call.m, n: call.n }) {
  // A sub-block of C, rows i0.. and columns j0.., through pointer offsets alone.
  const size = BYTES[p.dtype];
  const { i0, j0 } = offsets;
  const a = p.a + (call.tA ? i0 : i0 * p.lda) * size;
  const b = p.b + (call.tB ? j0 * p.ldb : j0) * size;
  const c = p.c + (i0 * p.ldc + j0) * size;
  wasm[`gemm_${p.dtype}`](call.tA, call.tB, offsets.m, offsets.n, call.k, call.alpha, a, p.lda,
    b, p.ldb, call.beta, c, p.ldc, p.work);
}

/** Runs one call and checks every element of C against the reference, and every guard and gap. */
function check(dtype: DType, call: Call, rng: Rng) {
  const p = place(dtype, call, rng);
  const { m, n, k } = call;
  const before = readC(p, m, n);
  const expected = reference(p, call, before);
  gemm(p, call);
  const got = readC(p, m, n);
  const tolerance = TOLERANCE[dtype] * Math.sqrt(k + 2);
  let worst = 0;
  let worstAt = -1;
  for (let x = 0; x < m * n; x++) {
    const error = Math.abs(got[x] - expected.value[x]) / (expected.scale[x] + Number.MIN_VALUE);
    // NaN compares false both ways: count it as the worst error there is.
    if (!(error <= worst)) { worst = Number.isNaN(error) ? Infinity : error; worstAt = x; }
  }
  const label = `${dtype} tA=${call.tA} tB=${call.tB} m=${m} n=${n} k=${k} alpha=${call.alpha} beta=${call.beta}`;
  expect(worst, `${label}: worst relative error at element ${worstAt} (got ${got[worstAt]}, ` +
    `expected ${expected.value[worstAt]})`).toBeLessThanOrEqual(tolerance);
  // Nothing written outside the window: the guards and every row's gap still hold GUARD_VALUE.
  const view = typed(dtype, p.c - GUARD * BYTES[dtype], m * p.ldc + 2 * GUARD);
  for (let x = 0; x < view.length; x++) {
    const row = Math.floor((x - GUARD) / p.ldc), col = (x - GUARD) % p.ldc;
    const inside = x >= GUARD && row < m && col < n;
    if (!inside && view[x] !== GUARD_VALUE) {
      throw new Error(`${label}: wrote outside C at guard/gap element ${x - GUARD} (value ${view[x]})`);
    }
  }
}

/** A spread of (m, n, k): every size in every position, every size next to every other. */
function shapes(): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < SIZES.length; i++) {
    for (const step of [1, 2, 4]) {
      const triple: [number, number, number] = [SIZES[i], SIZES[(i + step) % 9], SIZES[(i + 2 * step) % 9]];
      // Keep the float64 reference fast: at most one 785 per triple except where k is small.
      if (triple[0] * triple[1] * triple[2] <= 2_500_000) out.push(triple);
    }
  }
  out.push([100, 100, 784]); // the training forward shape X(100, 784) W(784, 100)
  out.push([784, 50, 100]); // a 784-50 layer's dW = X^T dY (2 columns past the last whole tile)
  // Either side of the narrow/wide boundary, with whole and partial tiles of rows, one and two k-blocks.
  out.push([33, NARROW_N, 40], [33, NARROW_N + 1, 40], [8, NARROW_N - 3, 300], [9, NARROW_N + 7, 300]);
  // Narrow, with more k-blocks than the packed B region holds at once (two groups of them).
  out.push([5, NARROW_N - 6, 785]);
  // More columns than one packed B panel, with one and with several blocks of rows and of k.
  out.push([785, 785, 3], [5, 785, 300]);
  return out;
}

describe('gemm_f32 / gemm_f64 (raw wasm)', () => {
  const SCALARS = [0, 1, -0.5, 2];

  it('reports 16-byte multiples of scratch', () => {
    for (const dtype of DTYPES) {
      const bytes = wasm[`gemmWorkBytes_${dtype}`]();
      expect(bytes).toBeGreaterThan(0);
      expect(bytes % 16).toBe(0);
    }
  });

  it('matches the float64 reference for every transpose, size spread, leading dimension and alpha/beta', () => {
    const rng = new Rng(1);
    const all = shapes();
    expect(all.length).toBeGreaterThanOrEqual(20);
    let index = 0;
    for (const dtype of DTYPES) {
      for (const [m, n, k] of all) {
        for (const [tA, tB] of TRANSPOSES) {
          // Walk through alpha/beta pairs and row paddings so each transpose meets many of them.
          const alpha = SCALARS[index % 4] === 0 ? 1.5 : SCALARS[index % 4];
          const beta = SCALARS[Math.floor(index / 4) % 4];
          check(dtype, { tA, tB, m, n, k, alpha, beta, padA: index % 3, padB: (index * 7) % 5, padC: index % 4 }, rng);
          index++;
        }
      }
    }
  });

  it('reads A stored transposed with a leading dimension of a multiple of 256 bytes (packed, not read in place)', () => {
    const rng = new Rng(6);
    for (const dtype of DTYPES) {
      for (const tB of [0, 1]) {
        // lda = 64 (f32: 256 bytes) and 128 (f32: 512 bytes; f64: 1 KiB), with whole and partial row panels.
        check(dtype, { tA: 1, tB, m: 64, n: 50, k: 300, alpha: 1, beta: 0.5 }, rng);
        check(dtype, { tA: 1, tB, m: 122, n: 17, k: 40, alpha: -2, beta: 0, padA: 6 }, rng);
      }
    }
  });

  it('few rows over a long k (a conv layer\'s dW): B read in place, partial tiles, several k-blocks', () => {
    const rng = new Rng(7);
    let index = 0;
    for (const dtype of DTYPES) {
      for (const tA of [0, 1]) {
        // m: one row, a partial row panel, whole panels, FEW_ROWS; n: one partial vector, a
        // partial two-vector tile, whole tiles (144 = 16 * 9), whole tiles and a partial one.
        for (const [m, n] of [[1, 13], [3, 5], [16, 144], [17, 150], [FEW_ROWS, 37]]) {
          const k = index % 2 ? LONG_K : LONG_K + 391; // one k-block size, then uneven ones
          const beta = [0, 1, -0.5][index % 3];
          check(dtype, { tA, tB: 0, m, n, k, alpha: index % 2 ? 1 : -2, beta, padA: index % 3, padB: index % 2, padC: 1 }, rng);
          index++;
        }
        // B's rows 1 KiB apart (f32 n = 256, f64 n = 128): packed as before; 2304 bytes apart: in place.
        check(dtype, { tA, tB: 0, m: 9, n: dtype === 'f32' ? 256 : 128, k: LONG_K, alpha: 1, beta: 0 }, rng);
        check(dtype, { tA, tB: 0, m: 5, n: dtype === 'f32' ? 576 : 288, k: LONG_K, alpha: 1, beta: 0.5 }, rng);
        // NaN in C with beta = 0 must not leak.
        check(dtype, { tA, tB: 0, m: 6, n: 21, k: LONG_K + 1, alpha: 1, beta: 0, cInit: 'nan' }, rng);
      }
    }
  });

  it('ignores NaN in C when beta = 0, for every transpose', () => {
    const rng = new Rng(2);
    for (const dtype of DTYPES) {
      for (const [tA, tB] of TRANSPOSES) {
        for (const [m, n, k] of [[5, 17, 31], [33, 9, 300], [1, 1, 1], [6, NARROW_N + 5, 31]] as const) {
          check(dtype, { tA, tB, m, n, k, alpha: -0.5, beta: 0, padC: 3, cInit: 'nan' }, rng);
        }
      }
    }
  });

  it('k = 0 and alpha = 0 give C = beta * C; beta = 0 then zeroes C even over NaN', () => {
    const rng = new Rng(3);
    for (const dtype of DTYPES) {
      for (const beta of SCALARS) {
        check(dtype, { tA: 0, tB: 0, m: 17, n: 33, k: 0, alpha: 2, beta, padC: 2 }, rng);
        check(dtype, { tA: 1, tB: 1, m: 31, n: 5, k: 100, alpha: 0, beta, padC: 1 }, rng);
      }
      check(dtype, { tA: 0, tB: 1, m: 3, n: 17, k: 0, alpha: 1, beta: 0, cInit: 'nan' }, rng);
    }
  });

  it('m = 0 or n = 0 writes nothing', () => {
    const rng = new Rng(4);
    for (const dtype of DTYPES) {
      check(dtype, { tA: 0, tB: 0, m: 0, n: 17, k: 5, alpha: 1, beta: 0, padC: 2 }, rng);
      check(dtype, { tA: 1, tB: 0, m: 5, n: 0, k: 5, alpha: 1, beta: 0, padC: 2 }, rng);
    }
  });

  it('gives bit-identical C when one GEMM is split into blocks of columns or rows, whichever path each takes', () => {
    // k = 785 and 300 span several k-blocks; splits fall inside tiles and off SIMD alignment.
    // In f32, n = 45 keeps every piece on the narrow path; n = NARROW_N + 30 is wide as a
    // whole, and its column pieces are narrow, wide, or some of each; at k = 600 the widest
    // narrow pieces pack their B in two groups of k-blocks. (f64 is all wide.)
    splitCase(37, 45, 785, [[0, 45], [0, 1, 8, 13, 40, 45], [0, 3, 4, 5, 44, 45]],
      [[0, 37], [0, 1, 6, 17, 33, 37], [0, 2, 35, 37]]);
    const n = NARROW_N + 30;
    splitCase(13, n, 600, [[0, 1, n], [0, 13, 30, n], [0, n - NARROW_N, n], [0, 7, n - 2, n]], [[0, 2, 11, 13]]);
    // m = FEW_ROWS + 6 over a long k is narrow (f32) or wide (f64) as a whole; its row pieces of
    // at most FEW_ROWS take the few-rows path (with B not transposed), and so do its column pieces
    // of 16 or 6 rows, with partial tiles.
    splitCase(FEW_ROWS + 6, 45, LONG_K + 100, [[0, 8, 13, 45], [0, 44, 45]], [[0, FEW_ROWS, FEW_ROWS + 6], [0, 3, 40, FEW_ROWS + 6]]);
    splitCase(16, 45, LONG_K + 100, [[0, 8, 13, 45]], [[0, 4, 7, 16]]);
  });

  /** Computes C (m, n) whole, then again piece by piece for each list of column cuts and of row cuts. */
  function splitCase(m: number, n: number, k: number, columnSplits: number[][], rowSplits: number[][]) {
    const rng = new Rng(5 + n);
    const splits = [
      ...columnSplits.map((cuts) => cuts.slice(1).map((end, x) => ({ i0: 0, m, j0: cuts[x], n: end - cuts[x] }))),
      ...rowSplits.map((cuts) => cuts.slice(1).map((end, x) => ({ i0: cuts[x], m: end - cuts[x], j0: 0, n }))),
    ];
    for (const dtype of DTYPES) {
      for (const [tA, tB] of TRANSPOSES) {
        const p = place(dtype, { tA, tB, m, n, k, alpha: 2, beta: 0, padA: 1, padB: 2, padC: 3 }, rng);
        const size = BYTES[dtype];
        const cBytes = () => new Uint8Array(memory.buffer, p.c - GUARD * size, (m * p.ldc + 2 * GUARD) * size);
        const initial = cBytes().slice();
        for (const beta of [0, -0.5]) {
          const call: Call = { tA, tB, m, n, k, alpha: 2, beta };
          cBytes().set(initial);
          gemm(p, call);
          const whole = cBytes().slice();
          for (const blocks of splits) {
            cBytes().set(initial);
            for (const block of blocks) gemm(p, call, block);
            const pieces = cBytes();
            // Compare whole words first (fast); find the first differing byte only to report it.
            let firstDifference = Buffer.compare(pieces, whole) === 0 ? -1 : 0;
            while (firstDifference >= 0 && pieces[firstDifference] === whole[firstDifference]) firstDifference++;
            const label = `${dtype} (${m}, ${n}, ${k}) tA=${tA} tB=${tB} beta=${beta} blocks ${JSON.stringify(blocks)}`;
            expect(firstDifference, label).toBe(-1);
          }
        }
      }
    }
  }
});
