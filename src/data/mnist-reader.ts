/**
 * The one reader of an MNIST-format set, for every platform: given a way to get each of the four
 * files' decompressed bytes in chunks (Node: from a folder, mnist.ts; browsers: by URL,
 * mnist-fetch.ts), it parses and checks them and puts each split in wasm memory. A split's labels
 * are read whole (10–60 kB), then its images are copied into wasm memory chunk by chunk as they
 * inflate, so no decompressed image file is ever held in JS. Platform-neutral.
 */
import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../backend/tensor.js';
import { collectChunks } from './decompress.js';
import { checkLabels, checkPair, parseIdx } from './idx.js';
import { readIdxChunks } from './idx-stream.js';
import type { MnistFileKey } from './mnist-file-names.js';
import { mnistImageShape, mnistPair, MnistSet } from './mnist-set.js';
import type { Mnist, MnistFormat } from './mnist-set.js';

/** One file's decompressed bytes, in chunks; `name` (its path or URL) starts every error about it. */
export interface MnistFile {
  chunks: AsyncIterable<Uint8Array>;
  name: string;
}

/** Gets one of the four files. */
export type MnistFileSource = (key: MnistFileKey) => Promise<MnistFile>;

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
  const labels = parseIdx(await collectChunks(labelFile.chunks), labelFile.name, 1);
  checkLabels(labels, labelFile.name);
  const imageFile = await source(imagesKey);
  let images: Tensor | null = null;
  try {
    const { dims } = await readIdxChunks(imageFile.chunks, imageFile.name, 3, (header) => {
      checkPair(header, labels, { images: imageFile.name, labels: labelFile.name });
      const target = backend.empty(mnistImageShape(header.dims, format), 'uint8');
      images = target;
      // A fresh view per chunk: wasm memory may grow (and detach old views) between chunks.
      return { write: (chunk, offset) => target.data.set(chunk, offset) };
    });
    const labelTensor = backend.empty([labels.dims[0]!], 'uint8').set(labels.data);
    const set = new MnistSet(images!, labelTensor, format);
    return { set, imageSize: `${dims[1]}x${dims[2]}`, imagesName: imageFile.name };
  } catch (err) {
    (images as Tensor | null)?.dispose();
    throw err;
  }
}
