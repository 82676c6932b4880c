/**
 * scratchnet in Node: deep learning from scratch over a SIMD WebAssembly core. Everything here
 * except `createBackend`'s loader, `loadMnist`, `saveNet`/`loadNet`/`loadNetWeights`, `ModelCheckpoint`
 * and `readCsv` is the same in browsers.
 *
 * @module scratchnet
 */
// The package's face in Node: everything platform-neutral, plus Node's backend loader and files.
export * from './api.js';
export { createBackend } from './backend/load-node.js';
export { loadMnist } from './data/mnist.js';
export type { LoadMnistOptions } from './data/mnist.js';
export type { DatasetName, DownloadProgress, ProgressCallback } from './data/download.js';
export { saveNet, loadNet, loadNetWeights } from './io/net-file-node.js';
export { ModelCheckpoint } from './train/model-checkpoint.js';
export { readCsv } from './data/csv-file-node.js';
export type { ModelCheckpointOptions } from './train/model-checkpoint.js';
// The shape of `scratchnet train --json`'s final line, for programs that read it.
export type { TrainReport } from './cli/train-command.js';
