// An ES module of the installed package: it resolves inside this project, trains a few steps, exports ONNX.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBackend, spiral, TwoLayerNet, SGD, Trainer, exportOnnx } from 'scratchnet';

const entry = fileURLToPath(import.meta.resolve('scratchnet'));
assert.equal(entry, fileURLToPath(new URL('node_modules/scratchnet/dist/index.js', import.meta.url)));
assert.ok(existsSync(fileURLToPath(import.meta.resolve('scratchnet/scratchnet.wasm'))), 'scratchnet/scratchnet.wasm resolves to a file');
assert.ok(existsSync(fileURLToPath(import.meta.resolve('scratchnet/scratchnet-threads.wasm'))), 'scratchnet/scratchnet-threads.wasm resolves to a file');

const backend = await createBackend({ threads: 1 });
const data = spiral();
const x = backend.empty([data.count, 2], 'float32').set(data.x);
const t = backend.empty([data.count, data.classes], 'float32').set(data.t);
const net = new TwoLayerNet(2, 10, 3, 1, { activation: 'sigmoid', seed: 1984, backend });
const epochs = new Trainer(net, new SGD(1.0)).fit(x, t, { epochs: 30, batchSize: 30, seed: 1984 });
const first = epochs[0].loss;
const last = epochs[epochs.length - 1].loss;
assert.ok(last < first, `the loss falls over 30 epochs (${first} -> ${last})`);
const onnx = exportOnnx(net);
assert.ok(onnx.length > 100);
console.log(`esm: ${entry}: 300 SGD steps on the spiral, loss ${first.toFixed(4)} -> ${last.toFixed(4)}; ONNX ${onnx.length} bytes`);
