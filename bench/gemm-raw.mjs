// Raw GEMM speed against the SIMD ceiling, one thread, straight on the wasm exports.
//
//   node bench/gemm-raw.mjs [a.wasm [b.wasm ...]] [--rounds N] [--only f32|f64] [--shapes small|conv|all]
//                           [--filter TEXT]
//
// Every GEMM window is measured right after a window of the ceiling loop (peak_*) of the
// same build, round after round, so slow phases of a shared, noisy machine hit both alike;
// the table shows medians over rounds, and the best windows as a second, less noise-prone
// view. Given several builds (e.g. one made from the previous commit), each shape is timed
// on each build in turn inside every round, so the columns compare like with like.
// --shapes small keeps only the shapes of the book's 784-50-10 net and its 100-wide cousin;
// --shapes conv only the three GEMMs of DeepConvNet's 3x3 layers 2-6 at batch 100.
import { readFileSync } from 'node:fs';
import { rawArgs } from './raw-args.mjs';
import { timePerCall } from './cpu-time.mjs';

const { option, builds: wasmBuilds } = rawArgs();
const rounds = Number(option('--rounds', '5'));
const only = option('--only', '');
const shapeSet = option('--shapes', 'all');
/** Only the shapes whose use contains this text ("forward", "dW", "deep-conv 2 "). */
const filter = option('--filter', '');

const PAGE = 65536;
/** One instance per build, each with its own memory. */
const builds = await Promise.all(wasmBuilds().map(async ({ path, name }) => {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 32768 });
  const { instance } = await WebAssembly.instantiate(readFileSync(path), { env: { memory } });
  return { path, name, memory, wasm: instance.exports };
}));

const align64 = (x) => Math.ceil(x / 64) * 64;

/**
 * Shapes (m, k, n) with transposes; `why` names the use in a batch-100 training step.
 * `small` marks the book's 784-50-10 net (and its 784-100 cousin): there n is small, so
 * each value of A meets few columns of B.
 */
const GENERAL_SHAPES = [
  { m: 100, k: 784, n: 50, tA: 0, tB: 0, small: true, why: '784-50 forward X W' },
  { m: 100, k: 784, n: 50, tA: 1, tB: 0, small: true, why: 'same, A^T' },
  { m: 100, k: 784, n: 50, tA: 0, tB: 1, small: true, why: 'same, B^T' },
  { m: 784, k: 100, n: 50, tA: 1, tB: 0, small: true, why: '784-50 dW = X^T dY' },
  { m: 100, k: 50, n: 784, tA: 0, tB: 1, small: true, why: '784-50 dX = dY W^T' },
  { m: 1000, k: 784, n: 50, tA: 0, tB: 0, small: true, why: '784-50 forward, eval batch 1000' },
  { m: 100, k: 50, n: 10, tA: 0, tB: 0, small: true, why: '50-10 forward' },
  { m: 50, k: 100, n: 10, tA: 1, tB: 0, small: true, why: '50-10 dW' },
  { m: 100, k: 10, n: 50, tA: 0, tB: 1, small: true, why: '50-10 dX' },
  { m: 512, k: 512, n: 512, tA: 0, tB: 0, why: 'square' },
  { m: 512, k: 512, n: 512, tA: 1, tB: 0, why: 'square, A^T' },
  { m: 512, k: 512, n: 512, tA: 0, tB: 1, why: 'square, B^T' },
  { m: 100, k: 1024, n: 1024, tA: 0, tB: 0, why: 'wide layer forward' },
  { m: 100, k: 1024, n: 1024, tA: 1, tB: 0, why: 'same, A^T' },
  { m: 100, k: 1024, n: 1024, tA: 0, tB: 1, why: 'wide layer dX = dY W^T' },
  { m: 1024, k: 100, n: 1024, tA: 1, tB: 0, why: 'wide layer dW = X^T dY' },
  { m: 100, k: 784, n: 256, tA: 0, tB: 0, why: '784-256 forward' },
  { m: 784, k: 100, n: 256, tA: 1, tB: 0, why: '784-256 dW = X^T dY' },
  { m: 100, k: 784, n: 100, tA: 0, tB: 0, small: true, why: '784-100 forward X W' },
  { m: 100, k: 784, n: 100, tA: 1, tB: 0, small: true, why: 'same, A^T' },
  { m: 100, k: 784, n: 100, tA: 0, tB: 1, small: true, why: 'same, B^T' },
  { m: 784, k: 100, n: 100, tA: 1, tB: 0, small: true, why: '784-100 dW = X^T dY' },
  { m: 100, k: 100, n: 784, tA: 0, tB: 1, small: true, why: '784-100 dX = dY W^T' },
];

/**
 * The three GEMMs of a conv layer with R = N * OH * OW output positions, CK = C * FH * FW and
 * FN filters: forward rows (R, FN) = col (R, CK) Wᵀ, dW (FN, CK) = dYᵀ col (dY stored (R, FN)),
 * dcol (R, CK) = dY W.
 */
const convGemms = (layer, r, ck, fn) => [
  { m: r, k: ck, n: fn, tA: 0, tB: 1, why: `deep-conv ${layer} forward col W^T` },
  { m: fn, k: r, n: ck, tA: 1, tB: 0, why: `deep-conv ${layer} dW = dY^T col` },
  { m: r, k: fn, n: ck, tA: 0, tB: 0, why: `deep-conv ${layer} dcol = dY W` },
];
/** DeepConvNet's 3x3 layers 2-6 (16-64 channels) at batch 100. */
const CONV_SHAPES = [
  ...convGemms(2, 100 * 28 * 28, 16 * 9, 16),
  ...convGemms(3, 100 * 14 * 14, 16 * 9, 32),
  ...convGemms(4, 100 * 16 * 16, 32 * 9, 32),
  ...convGemms(5, 100 * 8 * 8, 32 * 9, 64),
  ...convGemms(6, 100 * 8 * 8, 64 * 9, 64),
];
const SHAPES = (shapeSet === 'conv' ? CONV_SHAPES : GENERAL_SHAPES.filter((s) => shapeSet === 'all' || s.small))
  .filter((s) => s.why.includes(filter));
const DTYPES = [
  { name: 'f32', bytes: 4, Array: Float32Array },
  { name: 'f64', bytes: 8, Array: Float64Array },
].filter((d) => !only || d.name === only);

/** Lays out work, A, B, C above heapBase, 64-byte aligned, and fills them with random values. */
function place(build, dtype, s) {
  const { wasm, memory } = build;
  const base = align64(Number(wasm.heapBase()));
  const work = base;
  const a = align64(work + wasm[`gemmWorkBytes_${dtype.name}`]());
  const b = align64(a + s.m * s.k * dtype.bytes);
  const c = align64(b + s.k * s.n * dtype.bytes);
  const end = c + s.m * s.n * dtype.bytes;
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
  const view = new dtype.Array(memory.buffer, a, (end - a) / dtype.bytes);
  for (let i = 0; i < view.length; i++) view[i] = Math.random() - 0.5;
  return { work, a, b, c };
}

function measurePeak(build, dtype) {
  // ~0.2-0.5 ms per call.
  const iterations = 100_000;
  const flops = build.wasm[`peakFlopsPerIteration_${dtype.name}`]() * iterations;
  const peak = build.wasm[`peak_${dtype.name}`];
  return flops / timePerCall(() => peak(iterations), 0.01) / 1e9;
}

function measureGemm(build, dtype, s) {
  const { work, a, b, c } = place(build, dtype, s);
  const lda = s.tA ? s.m : s.k;
  const ldb = s.tB ? s.k : s.n;
  const gemm = build.wasm[`gemm_${dtype.name}`];
  const call = () => gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n, work);
  call(); // first touch of the pages
  return (2 * s.m * s.n * s.k) / timePerCall(call, 0.02) / 1e9;
}

const median = (xs) => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// Warm-up: let V8 tier every function up to optimized code before anything is timed.
for (const build of builds) {
  for (const dtype of DTYPES) {
    for (let i = 0; i < 3; i++) measurePeak(build, dtype);
    for (const s of SHAPES) measureGemm(build, dtype, s);
  }
}

// Each GEMM window sits next to a ceiling window of its build, round after round.
const emptyResults = () => ({ peak: [], ratio: SHAPES.map(() => []), gemm: SHAPES.map(() => []) });
const results = builds.map(() => new Map(DTYPES.map((d) => [d.name, emptyResults()])));
for (let round = 0; round < rounds; round++) {
  for (const dtype of DTYPES) {
    SHAPES.forEach((s, i) => {
      builds.forEach((build, bi) => {
        const r = results[bi].get(dtype.name);
        const peak = measurePeak(build, dtype);
        const gemm = measureGemm(build, dtype, s);
        r.peak.push(peak);
        r.gemm[i].push(gemm);
        r.ratio[i].push(gemm / peak);
      });
    });
  }
}

console.log(`GEMM, one thread, process CPU time, ${rounds} interleaved rounds`);
builds.forEach((b) => console.log(`  ${b.name || 'build'}: ${b.path}`));
console.log('% ceiling = median over rounds of GEMM / ceiling (each GEMM window next to a ceiling window);');
console.log('best = fastest GEMM window / fastest ceiling window');
for (const dtype of DTYPES) {
  console.log('');
  builds.forEach((build, bi) => {
    const peak = results[bi].get(dtype.name).peak;
    console.log(`${dtype.name} ceiling ${build.name} (peak_${dtype.name}): ` +
      `median ${median(peak).toFixed(1)} GFLOP/s, ` +
      `best ${Math.max(...peak).toFixed(1)}, worst ${Math.min(...peak).toFixed(1)}`);
  });
  const header = builds
    .map((b) => `${`GFLOP/s${b.name}`.padStart(9)} ${`%ceil${b.name}`.padStart(8)} ${`best${b.name}`.padStart(7)}`)
    .join(' ');
  console.log(`  M     K     N     op      dtype ${header}  use`);
  SHAPES.forEach((s, i) => {
    const op = `${s.tA ? 'A^T' : 'A'}${s.tB ? 'B^T' : 'B'}`;
    const columns = builds.map((_, bi) => {
      const r = results[bi].get(dtype.name);
      const best = Math.max(...r.gemm[i]) / Math.max(...r.peak);
      return `${median(r.gemm[i]).toFixed(1).padStart(9)} ${(100 * median(r.ratio[i])).toFixed(1).padStart(7)}% ` +
        `${(100 * best).toFixed(1).padStart(6)}%`;
    }).join(' ');
    console.log(`  ${String(s.m).padEnd(5)} ${String(s.k).padEnd(5)} ${String(s.n).padEnd(5)} ${op.padEnd(7)} ` +
      `${dtype.name.padEnd(5)} ${columns}  ${s.why}`);
  });
}
