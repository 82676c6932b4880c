import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, loadMnist, fetchMnist, MnistSet, MultiLayerNet, Adam, Trainer, evaluateAccuracy } from '../src/index.js';
import type { Backend, Mnist } from '../src/index.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(repoRoot, '../shared/datasets/mnist');
const fashionDir = resolve(mnistDir, '../fashion-mnist');

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The body of an IDX gzip file, decompressed here with zlib and cut after its header by hand. */
async function idxBody(dir: string, name: string): Promise<Uint8Array> {
  const raw = gunzipSync(await readFile(join(dir, `${name}.gz`)));
  const dims = raw[3];
  return new Uint8Array(raw.buffer, raw.byteOffset + 4 + 4 * dims, raw.byteLength - 4 - 4 * dims);
}

/** An unsigned-byte IDX file from the format description. */
function idx(dims: number[], body: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  out.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  out.set(Array.from(body), 4 + 4 * dims.length);
  return out;
}

/** Four tiny files in a folder: `counts` images of rows x cols, pixel (n, i) = (7n + i) % 256, labels n % 10. */
async function tinySet(dir: string, counts: { train: number; test: number }, size = { rows: 28, cols: 28 }, gzip = true): Promise<void> {
  await mkdir(dir, { recursive: true });
  const write = (name: string, bytes: Uint8Array) => writeFile(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  for (const [split, prefix] of [['train', 'train'], ['test', 't10k']] as const) {
    const n = counts[split];
    const pixels = Array.from({ length: n * size.rows * size.cols }, (_, k) => (7 * Math.floor(k / (size.rows * size.cols)) + (k % (size.rows * size.cols))) % 256);
    await write(`${prefix}-images-idx3-ubyte`, idx([n, size.rows, size.cols], pixels));
    await write(`${prefix}-labels-idx1-ubyte`, idx([n], Array.from({ length: n }, (_, i) => i % 10)));
  }
}

let backend: Backend;
let mnist: Mnist;
let tmp: string;

beforeAll(async () => {
  backend = await createBackend({ dtype: 'float32', seed: 1 });
  mnist = await loadMnist({ dir: mnistDir, backend });
  tmp = await mkdtemp(join(tmpdir(), 'scratchnet-mnist-'));
});
afterAll(async () => {
  mnist.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('loadMnist on the real files', () => {
  it('holds both splits as bytes in wasm memory, identical to the files', async () => {
    const { train, test } = mnist;
    expect([train.count, test.count]).toEqual([60000, 10000]);
    expect(train.images.shape).toEqual([60000, 784]);
    expect(train.images.dtype).toBe('uint8');
    expect(train.labels.shape).toEqual([60000]);
    expect(Array.from(train.labels.data.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(test.labels.data.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(sha256(test.images.data)).toBe(sha256(await idxBody(mnistDir, 't10k-images-idx3-ubyte')));
    expect(sha256(train.labels.data)).toBe(sha256(await idxBody(mnistDir, 'train-labels-idx1-ubyte')));
    // Header written from the dims, then the bytes in wasm memory: the hash of each whole decompressed file.
    const whole = (dims: number[], body: Uint8Array) => createHash('sha256').update(idx(dims, [])).update(body).digest('hex');
    expect(whole([60000, 28, 28], train.images.data)).toBe('ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db');
    expect(whole([10000, 28, 28], test.images.data)).toBe('0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7');
    expect(whole([60000], train.labels.data)).toBe('65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5');
    // The first training image (a 5): its pixel sum, known from the original file.
    expect(train.images.data.subarray(0, 784).reduce((a, b) => a + b, 0)).toBe(27525);
  });

  it('gathers a batch scaled to [0, 1] (or 0-255) in the net dtype, with labels or one-hot targets', () => {
    const { train } = mnist;
    const index = backend.tensor([59999, 0, 17], [3], 'int32');
    const x = backend.empty([3, 784], 'float64');
    const t = backend.empty([3], 'int32');
    train.fill(index, x, t);
    const bytes = train.images.data;
    for (const [r, n] of [[0, 59999], [1, 0], [2, 17]]) {
      for (const c of [0, 150, 300, 783]) expect(x.data[r * 784 + c]).toBeCloseTo(bytes[n * 784 + c] / 255, 15);
      expect(t.data[r]).toBe(train.labels.data[n]);
    }
    const raw = train.slice(100);
    const rawSet = new MnistSet(raw.images, raw.labels, { normalize: false, oneHotLabel: true });
    const oneHot = backend.empty([3, 10], 'float32');
    const x32 = backend.empty([3, 784], 'float32');
    const near = backend.tensor([5, 99, 0], [3], 'int32');
    rawSet.fill(near, x32, oneHot);
    expect(Array.from(x32.data.subarray(0, 784))).toEqual(Array.from(bytes.subarray(5 * 784, 6 * 784)));
    const labels = train.labels.data;
    [5, 99, 0].forEach((n, r) => expect(Array.from(oneHot.data.subarray(r * 10, r * 10 + 10))).toEqual(Array.from({ length: 10 }, (_, k) => (k === labels[n] ? 1 : 0))));
    expect(() => raw.slice(101)).toThrow('MnistSet.slice: count must be an integer in [1, 100], got 101');
    for (const tensor of [index, x, t, oneHot, x32, near]) tensor.dispose();
  });

  it('trains a MultiLayerNet on a 10,000-sample slice to >= 90% test accuracy in one epoch', () => {
    const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [64], outputSize: 10 }, { backend, seed: 2 });
    const trainer = new Trainer(net, new Adam(0.002));
    const epochs = trainer.fit(mnist.train.slice(10000), { epochs: 1, batchSize: 100, seed: 3, test: mnist.test });
    expect(epochs[0].testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(evaluateAccuracy(net, mnist.test)).toBe(epochs[0].testAccuracy);
    net.dispose();
  });
});

describe('loadMnist options and other sets', () => {
  it('gives the book arrays with toTensors: float x in the chosen dtype, labels or one-hot t', async () => {
    const dir = join(tmp, 'tiny');
    await tinySet(dir, { train: 12, test: 5 });
    const plain = await loadMnist({ dir, backend, dtype: 'float64' });
    const { x, t } = plain.train.toTensors();
    expect(x.shape).toEqual([12, 784]);
    expect(x.dtype).toBe('float64');
    expect(x.at(3, 10)).toBeCloseTo(((7 * 3 + 10) % 256) / 255, 15);
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);

    const book = await loadMnist({ dir, backend, normalize: false, flatten: false, oneHotLabel: true });
    expect(book.test.images.shape).toEqual([5, 1, 28, 28]);
    const arrays = book.test.toTensors();
    expect(arrays.x.shape).toEqual([5, 1, 28, 28]);
    expect(arrays.x.dtype).toBe('float32');
    expect(arrays.x.at(4, 0, 1, 2)).toBe((7 * 4 + 30) % 256);
    expect(arrays.t.toArray()[2]).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    for (const tensor of [x, t, arrays.x, arrays.t]) tensor.dispose();
    plain.dispose();
    book.dispose();
  });

  it('reads raw (not gzipped) files, and fetches the same set over HTTP', async () => {
    const dir = join(tmp, 'raw');
    await tinySet(dir, { train: 3, test: 2 }, { rows: 4, cols: 5 }, false);
    const local = await loadMnist({ dir, backend });
    expect(local.train.images.shape).toEqual([3, 20]);

    const gzDir = join(tmp, 'served');
    await tinySet(gzDir, { train: 3, test: 2 }, { rows: 4, cols: 5 });
    const server: Server = createServer(async (req, res) => {
      try {
        res.end(await readFile(join(gzDir, req.url!.slice('/mnist/'.length))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mnist/`;
      const fetched = await fetchMnist({ baseUrl: base, backend });
      expect(Array.from(fetched.train.images.data)).toEqual(Array.from(local.train.images.data));
      expect(Array.from(fetched.test.labels.data)).toEqual([0, 1]);
      fetched.dispose();
      await expect(fetchMnist({ baseUrl: base.replace('/mnist/', '/none/'), backend })).rejects.toThrow(
        /^fetchMnist: GET http:\/\/127\.0\.0\.1:\d+\/none\/train-labels-idx1-ubyte\.gz answered HTTP 404$/,
      );
      // The same checks as loadMnist: the one reader serves both.
      await writeFile(join(gzDir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([2, 20, 20], new Uint8Array(800))));
      await expect(fetchMnist({ baseUrl: base, backend })).rejects.toThrow(
        `fetchMnist: train images are 4x5 (${base}train-images-idx3-ubyte.gz) but test images are 20x20 (${base}t10k-images-idx3-ubyte.gz)`,
      );
    } finally {
      server.close();
    }
    local.dispose();
  });

  it('rejects a missing folder, mismatched files and bad labels, naming the file', async () => {
    await expect(loadMnist({ dir: join(tmp, 'absent'), backend })).rejects.toThrow(/does not exist/);
    const dir = join(tmp, 'mismatch');
    await tinySet(dir, { train: 4, test: 2 });
    await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([3], [1, 2, 3])));
    await expect(loadMnist({ dir, backend })).rejects.toThrow(/t10k-images-idx3-ubyte\.gz holds 2 images but .*t10k-labels-idx1-ubyte\.gz holds 3 labels/);
    await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], [1, 12])));
    await expect(loadMnist({ dir, backend })).rejects.toThrow(/t10k-labels-idx1-ubyte\.gz: label 12 at index 1 is out of range/);
    const shapes = join(tmp, 'shapes');
    await tinySet(shapes, { train: 2, test: 2 });
    await writeFile(join(shapes, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([2, 20, 20], new Uint8Array(800))));
    const live = backend.arena.liveRegions;
    await expect(loadMnist({ dir: shapes, backend })).rejects.toThrow(/^loadMnist: train images are 28x28 .* but test images are 20x20/);
    expect(backend.arena.liveRegions).toBe(live); // both splits freed
  });

  it('rejects truncated and corrupt image files, freeing what it had copied', async () => {
    const dir = join(tmp, 'cut');
    await tinySet(dir, { train: 3000, test: 5 });
    const path = join(dir, 'train-images-idx3-ubyte.gz');
    const gz = new Uint8Array(await readFile(path));
    const live = backend.arena.liveRegions;
    // The test images are read after the train split is in wasm memory: a bad test file frees both.
    const testPath = join(dir, 't10k-images-idx3-ubyte.gz');
    await writeFile(testPath, gzipSync(idx([5, 28, 28], new Uint8Array(5 * 784 - 1))));
    await expect(loadMnist({ dir, backend })).rejects.toThrow(/t10k-images-idx3-ubyte\.gz: expected 3920 bytes of pixels .* found 3919 \(truncated file\?\)/);
    expect(backend.arena.liveRegions).toBe(live);
    await tinySet(dir, { train: 3000, test: 5 });
    await writeFile(path, gz.subarray(0, gz.length >> 1));
    await expect(loadMnist({ dir, backend })).rejects.toThrow(/train-images-idx3-ubyte\.gz: corrupt gzip stream/);
    expect(backend.arena.liveRegions).toBe(live);
    const corrupt = Uint8Array.from(gz);
    corrupt[corrupt.length - 6] ^= 1; // the CRC-32: every pixel was copied before the check fails
    await writeFile(path, corrupt);
    await expect(loadMnist({ dir, backend })).rejects.toThrow(/train-images-idx3-ubyte\.gz: corrupt gzip stream/);
    expect(backend.arena.liveRegions).toBe(live);
    await writeFile(path, gz);
    const whole = await loadMnist({ dir, backend });
    expect(Array.from(whole.train.images.data.subarray(2999 * 784, 2999 * 784 + 3))).toEqual([(7 * 2999) % 256, (7 * 2999 + 1) % 256, (7 * 2999 + 2) % 256]);
    whole.dispose();
  });

  it('loads Fashion-MNIST through the same path and learns it', async () => {
    const fashion = await loadMnist({ dir: fashionDir, backend });
    expect([fashion.train.count, fashion.test.count]).toEqual([60000, 10000]);
    // Fashion-MNIST's first labels: ankle boot, t-shirt, t-shirt, dress, t-shirt / ankle boot, pullover, trouser, trouser, shirt.
    expect(Array.from(fashion.train.labels.data.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
    expect(Array.from(fashion.test.labels.data.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
    const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [64], outputSize: 10 }, { backend, seed: 4 });
    const [epoch] = new Trainer(net, new Adam(0.002)).fit(fashion.train.slice(10000), { epochs: 1, seed: 5, test: fashion.test });
    expect(epoch.testAccuracy).toBeGreaterThanOrEqual(0.75);
    net.dispose();
    fashion.dispose();
  });
});
