/**
 * The one reader of an MNIST-format set, for every platform: given a way to get each of the four
 * files' decompressed bytes (Node: from a folder, mnist.ts; browsers: by URL, mnist-fetch.ts), it
 * parses and checks them and copies each split into wasm memory. A split's labels are read, then
 * its images, and each image file is dropped once copied, so at most one decompressed image file
 * is held in JS at a time. Platform-neutral.
 */
import type { Backend } from '../backend/backend.js';
import type { MnistFileKey } from './mnist-file-names.js';
import { checkLabels, checkPair, parseIdx } from './idx.js';
import { mnistPair, mnistSetFromIdx } from './mnist-set.js';
import type { Mnist, MnistFormat, MnistSet } from './mnist-set.js';

/** One file's decompressed bytes; `name` (its path or URL) starts every error about it. */
export interface MnistFileBytes {
  bytes: Uint8Array;
  name: string;
}

/** Gets one of the four files. */
export type MnistFileSource = (key: MnistFileKey) => Promise<MnistFileBytes>;

/**
 * Both splits of the set `source` gives, checked: each image file holds (count, rows, cols) bytes,
 * its label file as many labels, each below 10, and train and test images are the same size.
 * `op` (loadMnist, fetchMnist) starts the error for sizes that differ.
 */
export async function readMnist(source: MnistFileSource, backend: Backend, format: MnistFormat, op: string): Promise<Mnist> {
  const train = await readSplit(source, 'trainImages', 'trainLabels', backend, format);
  try {
    const test = await readSplit(source, 'testImages', 'testLabels', backend, format);
    const [a, b] = [train.imageSize, test.imageSize];
    if (a !== b) {
      test.set.dispose();
      throw new Error(`${op}: train images are ${a} (${train.imagesName}) but test images are ${b} (${test.imagesName})`);
    }
    return mnistPair(train.set, test.set);
  } catch (err) {
    train.set.dispose();
    throw err;
  }
}

async function readSplit(
  source: MnistFileSource,
  imagesKey: MnistFileKey,
  labelsKey: MnistFileKey,
  backend: Backend,
  format: MnistFormat,
): Promise<{ set: MnistSet; imageSize: string; imagesName: string }> {
  const labelFile = await source(labelsKey);
  const labels = parseIdx(labelFile.bytes, labelFile.name, 1);
  checkLabels(labels, labelFile.name);
  const imageFile = await source(imagesKey);
  const images = parseIdx(imageFile.bytes, imageFile.name, 3);
  checkPair(images, labels, { images: imageFile.name, labels: labelFile.name });
  const [, rows, cols] = images.dims;
  return { set: mnistSetFromIdx(backend, images, labels, format), imageSize: `${rows}x${cols}`, imagesName: imageFile.name };
}
