/** The MNIST test split read straight from its IDX files, as the reference the browser tests compare against. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIdx } from '../../src/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the demo's server and these tests find the IDX files: SCRATCHNET_DATA, else ../shared/datasets/mnist. */
export const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(repoRoot, '../shared/datasets/mnist');

export interface TestDigits {
  /** (count, 784) bytes, 0 = paper. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export function readTestDigits(): TestDigits {
  const read = (name: string, dims: number) => parseIdx(gunzipSync(readFileSync(resolve(mnistDir, name))), name, dims);
  const images = read('t10k-images-idx3-ubyte.gz', 3);
  const labels = read('t10k-labels-idx1-ubyte.gz', 1);
  return { images: images.data, labels: labels.data, count: labels.dims[0] };
}

/** Digit `index` as 784 values in [0, 1]. */
export function digitPixels(digits: TestDigits, index: number): Float64Array {
  return Float64Array.from(digits.images.subarray(index * 784, (index + 1) * 784), (v) => v / 255);
}
