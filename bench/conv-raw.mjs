// Conv layer speed against the SIMD ceiling, one thread, builds side by side in one process.
//
//   node bench/conv-raw.mjs [a.wasm [b.wasm ...]] [--rounds N] [--only f32|f64]
//
// For DeepConvNet's 3x3 layers 2-6 at batch 100, times one forward + backward of the
// Convolution layer (dist/, so run `npm run build` first) on a backend made from each build,
// each window right after a window of that build's ceiling loop, round after round, so slow
// phases of the shared machine hit both alike. CPU time of the process, not wall time. Shows
// medians over rounds of the three GEMMs' flops per second as a % of the ceiling, the f32/f64
// time ratio, and the milliseconds per call. Given two builds (e.g. one from an older commit),
// each window is timed on each in turn inside every round.
import { readFileSync } from 'node:fs';
import { rawArgs } from './raw-args.mjs';
import { timePerCall } from './cpu-time.mjs';
import { Backend } from '../dist/backend/backend.js';
import { Convolution } from '../dist/layers/convolution.js';

const { option, builds: wasmBuilds } = rawArgs();
const rounds = Number(option('--rounds', '5'));
const only = option('--only', '');
const builds = wasmBuilds().map(({ path, name }) => ({
  path,
  name,
  backend: new Backend(new WebAssembly.Module(readFileSync(path)), { threads: 1, maximumMemoryMB: 4096 }),
}));

/** DeepConvNet's 3x3 layers with 16-64 channels: input (N, C, H, W), filters (FN, C, 3, 3), padding. */
const LAYERS = [
  { layer: 2, x: [100, 16, 28, 28], w: [16, 16, 3, 3], pad: 1 },
  { layer: 3, x: [100, 16, 14, 14], w: [32, 16, 3, 3], pad: 1 },
  { layer: 4, x: [100, 32, 14, 14], w: [32, 32, 3, 3], pad: 2 },
  { layer: 5, x: [100, 32, 8, 8], w: [64, 32, 3, 3], pad: 1 },
  { layer: 6, x: [100, 64, 8, 8], w: [64, 64, 3, 3], pad: 1 },
];
const DTYPES = ['f32', 'f64'].filter((d) => !only || d === only);
const dtypeName = { f32: 'float32', f64: 'float64' };

const outputShape = (s) => [s.x[0], s.w[0], s.x[2] + 2 * s.pad - 2, s.x[3] + 2 * s.pad - 2];
const size = (shape) => shape.reduce((a, b) => a * b, 1);
/** The three GEMMs: forward, dW and dcol, each 2 * (N * OH * OW) * FN * (C * 9) flops. */
const flops = (s) => {
  const [n, fn, oh, ow] = outputShape(s);
  return 3 * 2 * n * oh * ow * fn * s.w[1] * 9;
};

/** A layer on `backend` with seeded input, filters and dout; call() runs forward + backward. */
function makeLayer(backend, s, dtype) {
  const values = (length, seed) => Float64Array.from({ length }, (_, i) => (((i * 2654435761 + seed) >>> 0) % 2001) / 1000 - 1);
  const t = (shape, seed, scale = 1) => backend.tensor(values(size(shape), seed).map((v) => v * scale), shape, dtypeName[dtype]);
  const layer = new Convolution(t(s.w, 1, 0.1), backend.zeros([s.w[0]], dtypeName[dtype]), 1, s.pad);
  const x = t(s.x, 2);
  const dout = t(outputShape(s), 3);
  return {
    call: () => {
      layer.forward(x);
      layer.backward(dout);
    },
    dispose: () => {
      for (const tensor of [...layer.params, ...layer.grads, x, dout]) tensor.dispose();
      layer.dispose();
    },
  };
}

function measurePeak(build, dtype) {
  const iterations = 100_000;
  const { kernels } = build.backend;
  const flopsPerCall = kernels[`peakFlopsPerIteration_${dtype}`]() * iterations;
  return flopsPerCall / timePerCall(() => kernels[`peak_${dtype}`](iterations), 0.02) / 1e9;
}

const median = (xs) => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const layers = builds.map((b) => new Map(DTYPES.flatMap((d) => LAYERS.map((s) => [`${d} ${s.layer}`, makeLayer(b.backend, s, d)]))));
// Warm-up: V8 tiers the kernels up, and every buffer of every layer is made.
for (const m of layers) for (const l of m.values()) for (let i = 0; i < 2; i++) l.call();

const seconds = builds.map(() => new Map());
const ratios = builds.map(() => new Map());
for (let round = 0; round < rounds; round++) {
  for (const dtype of DTYPES) {
    for (const s of LAYERS) {
      const key = `${dtype} ${s.layer}`;
      builds.forEach((build, bi) => {
        const peak = measurePeak(build, dtype);
        const t = timePerCall(layers[bi].get(key).call, 0.15);
        (seconds[bi].get(key) ?? seconds[bi].set(key, []).get(key)).push(t);
        (ratios[bi].get(key) ?? ratios[bi].set(key, []).get(key)).push(flops(s) / t / 1e9 / peak);
      });
    }
  }
}

console.log(`Conv layers forward + backward, batch 100, one thread, process CPU time, ${rounds} interleaved rounds`);
builds.forEach((b) => console.log(`  ${b.name || 'build'}: ${b.path}`));
console.log('% ceiling = median over rounds of (three GEMMs\' flops / layer time) / ceiling window next to it');
const header = builds.map((b) => `${`ms${b.name}`.padStart(8)} ${`%ceil${b.name}`.padStart(8)}`).join(' ');
console.log(`layer  dtype ${header}${DTYPES.length === 2 ? builds.map((b) => `  f64/f32${b.name}`).join('') : ''}`);
for (const s of LAYERS) {
  for (const dtype of DTYPES) {
    const key = `${dtype} ${s.layer}`;
    const columns = builds.map((_, bi) =>
      `${(1000 * median(seconds[bi].get(key))).toFixed(1).padStart(8)} ${(100 * median(ratios[bi].get(key))).toFixed(1).padStart(7)}%`).join(' ');
    const ratio = dtype === 'f64' && DTYPES.length === 2
      ? builds.map((_, bi) => `${(median(seconds[bi].get(key)) / median(seconds[bi].get(`f32 ${s.layer}`))).toFixed(2).padStart(10)}x`).join('')
      : '';
    console.log(`${String(s.layer).padEnd(6)} ${dtype.padEnd(5)} ${columns}${ratio}`);
  }
}
for (const m of layers) for (const l of m.values()) l.dispose();
for (const b of builds) b.backend.dispose();
