// Where a conv layer's time goes: each op of the Convolution layer's forward and backward timed
// alone, one thread, float32, for checkouts side by side in one process.
//
//   node bench/conv-parts.mjs [--rounds N] [checkout ...]
//
// A checkout is a folder with this project built in it (`npm run build`; default: this one), so an
// older commit can be compared through `git worktree add`. For the 1-channel layers of SimpleConvNet
// and DeepConvNet and DeepConvNet's 3x3 layers at batch 100, prints medians over rounds (CPU time of
// the process, the checkouts interleaved within every round) of conv2d, the dout transpose, db,
// convFilterGrad and convInputGrad in ms, and the three products' flops per second of the parts'
// total as a % of the ceiling measured in the same rounds.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timePerCall } from './cpu-time.mjs';

const argv = process.argv.slice(2);
const roundsAt = argv.indexOf('--rounds');
const rounds = roundsAt < 0 ? 5 : Number(argv.splice(roundsAt, 2)[1]);
const roots = argv.length ? argv.map((p) => resolve(p)) : [fileURLToPath(new URL('..', import.meta.url))];

/** Layers: input (N, C, H, W), filters (FN, C, FH, FW), padding; stride 1. */
const LAYERS = [
  { name: 'simple-conv 1', x: [100, 1, 28, 28], w: [30, 1, 5, 5], pad: 0 },
  { name: 'deep-conv 1', x: [100, 1, 28, 28], w: [16, 1, 3, 3], pad: 1 },
  { name: 'deep-conv 2', x: [100, 16, 28, 28], w: [16, 16, 3, 3], pad: 1 },
  { name: 'deep-conv 3', x: [100, 16, 14, 14], w: [32, 16, 3, 3], pad: 1 },
  { name: 'deep-conv 4', x: [100, 32, 14, 14], w: [32, 32, 3, 3], pad: 2 },
  { name: 'deep-conv 5', x: [100, 32, 8, 8], w: [64, 32, 3, 3], pad: 1 },
  { name: 'deep-conv 6', x: [100, 64, 8, 8], w: [64, 64, 3, 3], pad: 1 },
];
const PARTS = ['forward', 'transpose', 'db', 'dW', 'dx'];

const size = (shape) => shape.reduce((a, b) => a * b, 1);
const values = (length, seed) => Float64Array.from({ length }, (_, i) => (((i * 2654435761 + seed) >>> 0) % 2001) / 1000 - 1);
const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];

/** One checkout's backend, its ceiling loop and the parts of every layer. */
async function load(root) {
  const { Backend } = await import(`${root}/dist/backend/backend.js`);
  const conv = await import(`${root}/dist/ops/conv.js`);
  const { sumRows } = await import(`${root}/dist/ops/reduce.js`);
  const backend = new Backend(new WebAssembly.Module(readFileSync(`${root}/build/scratchnet.wasm`)), { threads: 1, maximumMemoryMB: 4096 });
  const peak = backend.kernels.peak_f32;
  const peakIterations = 200_000;
  const peakFlops = peakIterations * backend.kernels.peakFlopsPerIteration_f32();
  const layers = LAYERS.map((s) => {
    const [n, c, h, w] = s.x;
    const [fn, , fh, fw] = s.w;
    const oh = h + 2 * s.pad - fh + 1;
    const ow = w + 2 * s.pad - fw + 1;
    const t = (shape, seed) => backend.tensor(values(size(shape), seed), shape, 'float32');
    const x = t(s.x, 2);
    const W = t(s.w, 1);
    const b = backend.zeros([fn], 'float32');
    const dout = t([n, fn, oh, ow], 3);
    const y = backend.zeros([n, fn, oh, ow], 'float32');
    const rows = backend.zeros([n * oh * ow, fn], 'float32');
    const db = backend.zeros([fn], 'float32');
    const dW = backend.zeros(s.w, 'float32');
    const dx = backend.zeros(s.x, 'float32');
    const options = { pad: s.pad };
    return {
      flops: 3 * 2 * n * oh * ow * fn * c * fh * fw,
      parts: {
        forward: () => conv.conv2d(x, W, b, options, y),
        transpose: () => conv.transposeBatch(dout.reshape(n, fn, oh * ow), rows.reshape(n, oh * ow, fn)),
        db: () => sumRows(rows, db),
        dW: () => conv.convFilterGrad(x, rows, s.w, options, dW),
        dx: () => conv.convInputGrad(dout, W, s.x, options, dx),
      },
    };
  });
  return { root, ceiling: () => peak(peakIterations), peakFlops, layers };
}

const builds = [];
for (const root of roots) builds.push(await load(root));
const times = builds.map((b) => ({ ceiling: [], layers: b.layers.map(() => Object.fromEntries(PARTS.map((p) => [p, []]))) }));
for (let round = 0; round < rounds; round++) {
  for (let l = 0; l < LAYERS.length; l++) {
    for (const part of PARTS) {
      builds.forEach((b, i) => times[i].layers[l][part].push(timePerCall(b.layers[l].parts[part], 0.15)));
    }
    builds.forEach((b, i) => times[i].ceiling.push(timePerCall(b.ceiling, 0.15)));
  }
}

const header = ['layer (batch 100, f32)', ...(builds.length > 1 ? ['checkout'] : []), ...PARTS.map((p) => `${p} ms`), 'total ms', '% of ceiling'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map((_, i) => (i === 0 || (builds.length > 1 && i === 1) ? '---' : '--:')).join('|')}|`);
LAYERS.forEach((layer, l) => {
  builds.forEach((b, i) => {
    const ms = PARTS.map((p) => median(times[i].layers[l][p]) * 1e3);
    const total = ms.reduce((a, v) => a + v, 0);
    const ceiling = b.peakFlops / median(times[i].ceiling);
    const percent = (b.layers[l].flops / (total / 1e3) / ceiling) * 100;
    const cells = [layer.name, ...(builds.length > 1 ? [b.root] : []), ...ms.map((v) => v.toFixed(2)), total.toFixed(2), `${percent.toFixed(1)}%`];
    console.log(`| ${cells.join(' | ')} |`);
  });
});
console.log(`\nceiling (f32, 1 thread): ${builds.map((b, i) => `${(b.peakFlops / median(times[i].ceiling) / 1e9).toFixed(1)} GFLOP/s`).join(', ')}`);
