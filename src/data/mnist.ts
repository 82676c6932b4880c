/**
 * The book's load_mnist for Node: finds the four files (dir > SCRATCHNET_DATA > cache, which the
 * downloader fills), decompresses and checks each, and copies it into wasm memory at once, so at
 * most one decompressed file is held in JS at a time. Node-only.
 */
import { readFile } from 'node:fs/promises';
import type { Backend } from '../backend/backend.js';
import { defaultBackend } from '../backend/default-backend.js';
import { gunzipSync } from './decompress-node.js';
import type { DatasetName, ProgressCallback } from './download.js';
import { checkLabels, checkPair, parseIdx } from './idx.js';
import { resolveMnistFiles } from './mnist-files.js';
import { mnistPair, mnistSetFromIdx } from './mnist-set.js';
import type { Mnist, MnistFormat, MnistSet } from './mnist-set.js';

export interface LoadMnistOptions extends MnistFormat {
  /** Folder holding the four files (gzipped or not). Default: SCRATCHNET_DATA, then the cache. */
  dir?: string;
  /** Which set the cache and the downloader are for. Default 'mnist'. */
  dataset?: DatasetName;
  /** Default: the default backend. */
  backend?: Backend;
  /** Fill the cache from the mirrors when files are missing. Default true. */
  download?: boolean;
  /** Download progress; default a line on stderr. */
  onProgress?: ProgressCallback;
  /** Environment for SCRATCHNET_DATA, SCRATCHNET_MIRROR, XDG_CACHE_HOME. Default process.env. */
  env?: Record<string, string | undefined>;
}

/**
 * `const { train, test } = await loadMnist()`: train has 60,000 samples, test 10,000, kept as
 * bytes in wasm memory (see MnistSet). Options as the book's load_mnist(normalize, flatten, one_hot_label).
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const backend = options.backend ?? defaultBackend();
  const { files } = await resolveMnistFiles({
    dir: options.dir,
    dataset: options.dataset,
    download: options.download,
    onProgress: options.onProgress,
    env: options.env,
  });
  const train = await loadSplit(backend, files.trainImages, files.trainLabels, options);
  let test: MnistSet;
  try {
    test = await loadSplit(backend, files.testImages, files.testLabels, options);
    const [a, b] = [train.sampleShape, test.sampleShape];
    if (a.join('x') !== b.join('x')) {
      test.dispose();
      throw new Error(`loadMnist: train samples are ${a.join('x')} (${files.trainImages}) but test samples are ${b.join('x')} (${files.testImages})`);
    }
  } catch (err) {
    train.dispose();
    throw err;
  }
  return mnistPair(train, test);
}

async function readIdx(path: string, dims: number) {
  const raw = await readFile(path);
  return parseIdx(gunzipSync(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), path), path, dims);
}

async function loadSplit(backend: Backend, imagesPath: string, labelsPath: string, format: MnistFormat): Promise<MnistSet> {
  const labels = await readIdx(labelsPath, 1);
  checkLabels(labels, labelsPath);
  const images = await readIdx(imagesPath, 3);
  checkPair(images, labels, { images: imagesPath, labels: labelsPath });
  return mnistSetFromIdx(backend, images, labels, format);
}
