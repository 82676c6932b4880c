import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectChunks, gunzipChunks as webGunzipChunks, isGzip } from '../src/data/decompress.js';
import { gunzipChunks } from '../src/data/decompress-node.js';
import { checkLabels, checkPair, parseIdx } from '../src/data/idx.js';
import { readIdxChunks } from '../src/data/idx-stream.js';
import { mnistCacheDir, resolveMnistFiles } from '../src/data/mnist-files.js';
import { createBackend, loadMnist } from '../src/index.js';
import type { Backend } from '../src/index.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(repoRoot, '../shared/datasets/mnist');
const fashionDir = resolve(mnistDir, '../fashion-mnist');

/** An unsigned-byte IDX file written from the format description: 00 00 08 ndims, big-endian dims, body. */
function idx(dims: number[], body: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  out.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  out.set(Array.from(body), 4 + 4 * dims.length);
  return out;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('parseIdx', () => {
  it('reads a label file written byte by byte, as a view into the input', () => {
    const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 2, 7, 9]);
    const { dims, data } = parseIdx(bytes, 'labels');
    expect(dims).toEqual([3]);
    expect(Array.from(data)).toEqual([2, 7, 9]);
    expect(data.buffer).toBe(bytes.buffer);
    expect(data.byteOffset).toBe(8);
  });

  it('reads big-endian dimensions and keeps the body row-major', () => {
    // dims (2, 256, 1): the middle size is bytes 00 00 01 00, which only big-endian reads as 256.
    const body = Array.from({ length: 512 }, (_, i) => (i * 37) % 256);
    const { dims, data } = parseIdx(idx([2, 256, 1], body), 'images', 3);
    expect(dims).toEqual([2, 256, 1]);
    for (const [img, row] of [[0, 0], [1, 255], [1, 3]] as const) expect(data[img * 256 + row]).toBe(body[img * 256 + row]);
  });

  it('rejects a truncated body with the counts and the file name', () => {
    const bytes = new Uint8Array(16 + 7839990);
    bytes.set(idx([10000, 28, 28], []));
    expect(() => parseIdx(bytes, 't10k-images-idx3-ubyte.gz')).toThrow(
      't10k-images-idx3-ubyte.gz: expected 7840000 bytes of pixels after the header (dims [10000, 28, 28]), found 7839990 (truncated file?)',
    );
  });

  it('rejects trailing bytes', () => {
    expect(() => parseIdx(idx([3], [1, 2, 3, 4]), 'l.idx')).toThrow(/l\.idx: expected 3 bytes of labels after the header \(dims \[3\]\), found 4 \(trailing bytes/);
  });

  it('rejects wrong magic numbers, types and dimension counts', () => {
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]), 'f')).toThrow('f: not an IDX file (magic 0x01000801, expected 0x000008NN)');
    expect(() => parseIdx(idx([1], [0]).map((b, i) => (i === 2 ? 0x0d : b)), 'f')).toThrow(/f: IDX element type 0x0d \(float32\) is not supported/);
    expect(() => parseIdx(idx([1], [0]).map((b, i) => (i === 2 ? 0x42 : b)), 'f')).toThrow(/type 0x42 \(unknown\)/);
    expect(() => parseIdx(idx([2], [0, 1]), 'f', 3)).toThrow('f: expected 3 dimensions (magic 0x00000803), found 1 (magic 0x00000801)');
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'f')).toThrow(/declares 0 dimensions/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), 'f')).toThrow('f: header needs 16 bytes for 3 dimensions, file has 8 (truncated file?)');
    expect(() => parseIdx(new Uint8Array([0, 0]), 'f')).toThrow(/f: only 2 bytes, too short/);
    expect(() => parseIdx(gzipSync(idx([1], [0])), 'f.gz')).toThrow(/f\.gz: the bytes are gzip-compressed/);
  });
});

describe('checkPair and checkLabels', () => {
  const images = parseIdx(idx([2, 1, 2], [1, 2, 3, 4]), 'img');
  it('accept a matching pair and labels in range', () => {
    const labels = parseIdx(idx([2], [0, 9]), 'lab');
    expect(() => checkPair(images, labels, { images: 'img', labels: 'lab' })).not.toThrow();
    expect(() => checkLabels(labels, 'lab')).not.toThrow();
  });
  it('reject different counts, swapped files and out-of-range labels', () => {
    expect(() => checkPair(images, parseIdx(idx([3], [0, 1, 2]), 'lab'), { images: 'img', labels: 'lab' })).toThrow(
      'img holds 2 images but lab holds 3 labels; the two files must come from the same set',
    );
    expect(() => checkPair(parseIdx(idx([2], [0, 1]), 'x'), images, { images: 'x', labels: 'img' })).toThrow(/x: images must have 3 dimensions/);
    expect(() => checkLabels(parseIdx(idx([4], [0, 3, 10, 1]), 'lab'), 'lab')).toThrow('lab: label 10 at index 2 is out of range (expected < 10 classes)');
    expect(() => checkLabels(parseIdx(idx([2], [0, 3]), 'lab'), 'lab', 3)).toThrow(/label 3 at index 1 .*< 3 classes/);
    expect(() => checkLabels(parseIdx(idx([2], [0, 3]), 'lab'), 'lab', 0)).toThrow(/classCount must be an integer/);
  });
});

describe('gunzipChunks: DecompressionStream (browsers) and zlib (Node)', () => {
  const raw = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * i) % 251);
  const gz = new Uint8Array(gzipSync(raw));
  const web = (bytes: Uint8Array, name: string) => collectChunks(webGunzipChunks(bytes, name));
  const node = (bytes: Uint8Array, name: string) => collectChunks(gunzipChunks(bytes, name));

  it('both give back the original bytes, and pass raw input through', async () => {
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
    expect(sha256(await web(gz, 'x.gz'))).toBe(sha256(raw));
    expect(sha256(await node(gz, 'x.gz'))).toBe(sha256(raw));
    expect(await web(raw, 'x')).toBe(raw);
    expect(await node(raw, 'x')).toBe(raw);
  });

  it('zlib gives 1 MiB chunks, so a large file is never held whole', async () => {
    const sizes: number[] = [];
    for await (const chunk of gunzipChunks(gz, 'x.gz')) sizes.push(chunk.length);
    expect(sizes.length).toBe(3);
    expect(sizes.slice(0, 2)).toEqual([2 ** 20, 2 ** 20]);
    expect(sizes.reduce((a, b) => a + b)).toBe(raw.length);
  });

  it('both agree on a real MNIST file', async () => {
    const bytes = new Uint8Array(await readFile(join(mnistDir, 't10k-labels-idx1-ubyte.gz')));
    const viaStream = await web(bytes, 'labels');
    expect(sha256(viaStream)).toBe('ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2');
    expect(sha256(await node(bytes, 'labels'))).toBe(sha256(viaStream));
  });

  it('both reject a corrupt or truncated stream naming the file', async () => {
    const corrupt = Uint8Array.from(gz);
    corrupt[corrupt.length - 6] ^= 0x01; // the CRC-32 of the trailer
    const truncated = gz.subarray(0, gz.length - 100);
    for (const bad of [corrupt, truncated]) {
      await expect(node(bad, 'bad.gz')).rejects.toThrow(/^bad\.gz: corrupt gzip stream \(/);
      await expect(web(bad, 'bad.gz')).rejects.toThrow(/^bad\.gz: corrupt gzip stream \(/);
    }
  });
});

describe('readIdxChunks', () => {
  const file = idx([3, 2, 2], Array.from({ length: 12 }, (_, i) => i + 1));
  /** `bytes` cut into chunks of `size` (the last one shorter). */
  async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const read = async (bytes: Uint8Array, size: number, expectedDims = 3) => {
    const body = new Uint8Array(12);
    const writes: number[] = [];
    const header = await readIdxChunks(chunked(bytes, size), 'f', expectedDims, (h) => {
      expect(h.bodyLength).toBe(12);
      return { write: (chunk, offset) => (writes.push(offset), body.set(chunk, offset)) };
    });
    return { header, body, writes };
  };

  it('gives the body parseIdx gives, for any cut of the file (inside the header too)', async () => {
    const whole = parseIdx(file, 'f', 3);
    for (const size of [1, 3, 5, 16, 17, 100]) {
      const { header, body, writes } = await read(file, size);
      expect(header).toEqual({ dims: [3, 2, 2], headerLength: 16, bodyLength: 12 });
      expect(Array.from(body)).toEqual(Array.from(whole.data));
      expect(writes[0]).toBe(0);
    }
  });

  it('rejects what parseIdx rejects, with the same words', async () => {
    for (const size of [1, 7, 100]) {
      await expect(read(file.subarray(0, file.length - 1), size)).rejects.toThrow(
        'f: expected 12 bytes of pixels after the header (dims [3, 2, 2]), found 11 (truncated file?)',
      );
      const longer = new Uint8Array(file.length + 5);
      longer.set(file);
      await expect(read(longer, size)).rejects.toThrow(/f: expected 12 bytes of pixels after the header \(dims \[3, 2, 2\]\), found 17 \(trailing bytes/);
      await expect(read(file.subarray(0, 10), size)).rejects.toThrow('f: header needs 16 bytes for 3 dimensions, file has 10 (truncated file?)');
      await expect(read(file.subarray(0, 2), size)).rejects.toThrow(/f: only 2 bytes, too short/);
      await expect(read(file, size, 1)).rejects.toThrow('f: expected 1 dimension (magic 0x00000801), found 3 (magic 0x00000803)');
    }
  });

  it('stops reading when the sink cannot be opened', async () => {
    let pulled = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunked(file, 4)) {
        pulled++;
        yield chunk;
      }
    }
    const open = () => {
      throw new Error('no room');
    };
    await expect(readIdxChunks(counted(), 'f', 3, open)).rejects.toThrow('no room');
    expect(pulled).toBe(4);
  });
});

describe('resolveMnistFiles on the real data sets', () => {
  it('finds and parses Fashion-MNIST under the same names', async () => {
    // The train images (26 MB of gzip) are left out to keep the test fast; the path is the same as MNIST's.
    const { files } = await resolveMnistFiles({ dir: fashionDir, dataset: 'fashion-mnist', download: false });
    const read = async (path: string, dims: number) => parseIdx(await collectChunks(gunzipChunks(new Uint8Array(await readFile(path)), path)), path, dims);
    const [trainLabels, testImages, testLabels] = await Promise.all([read(files.trainLabels, 1), read(files.testImages, 3), read(files.testLabels, 1)]);
    checkPair(testImages, testLabels, { images: files.testImages, labels: files.testLabels });
    expect(testImages.dims).toEqual([10000, 28, 28]);
    expect(Array.from(trainLabels.data.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(Array.from(testLabels.data.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    const whole = new Uint8Array(testImages.data.buffer, testImages.data.byteOffset - 16, testImages.data.length + 16);
    expect(sha256(whole)).toBe('5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b');
  });
});

describe('resolveMnistFiles: where the files are found', () => {
  let tmp: string;
  let backend: Backend;
  /** A tiny MNIST-format set: 3 train and 2 test images of 2x3 pixels. */
  async function writeSet(dir: string, options: { gzip?: boolean; skip?: string; trainLabels?: number[]; testCols?: number } = {}): Promise<void> {
    await mkdir(dir, { recursive: true });
    const testCols = options.testCols ?? 3;
    const files: Record<string, Uint8Array> = {
      'train-images-idx3-ubyte': idx([3, 2, 3], Array.from({ length: 18 }, (_, i) => i * 10)),
      'train-labels-idx1-ubyte': idx([options.trainLabels?.length ?? 3], options.trainLabels ?? [4, 0, 9]),
      't10k-images-idx3-ubyte': idx([2, 2, testCols], Array.from({ length: 4 * testCols }, (_, i) => 255 - i)),
      't10k-labels-idx1-ubyte': idx([2], [1, 2]),
    };
    for (const [name, bytes] of Object.entries(files)) {
      if (name === options.skip) continue;
      if (options.gzip) await writeFile(join(dir, `${name}.gz`), gzipSync(bytes));
      else await writeFile(join(dir, name), bytes);
    }
  }
  const noDownload = { download: false, onProgress: () => {} };

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'scratchnet-idx-'));
    backend = await createBackend({ dtype: 'float32' });
    await writeSet(join(tmp, 'raw'));
    await writeSet(join(tmp, 'gz'), { gzip: true });
    await writeSet(join(tmp, 'partial'), { skip: 't10k-labels-idx1-ubyte' });
    await writeSet(join(tmp, 'unpaired'), { trainLabels: [1, 2] });
    await writeSet(join(tmp, 'badlabel'), { trainLabels: [1, 12, 3] });
    await writeSet(join(tmp, 'sizes'), { testCols: 4 });
    await writeSet(join(tmp, 'xdg', 'scratchnet', 'mnist'), { gzip: true });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('reads raw and gzipped files alike, values intact', async () => {
    for (const folder of ['raw', 'gz']) {
      const set = await loadMnist({ dir: join(tmp, folder), env: {}, backend, flatten: false });
      expect(set.train.images.shape).toEqual([3, 1, 2, 3]);
      expect(Array.from(set.train.images.data)).toEqual(Array.from({ length: 18 }, (_, i) => i * 10));
      expect(Array.from(set.train.labels.data)).toEqual([4, 0, 9]);
      expect(Array.from(set.test.images.data)).toEqual(Array.from({ length: 12 }, (_, i) => 255 - i));
      expect(Array.from(set.test.labels.data)).toEqual([1, 2]);
      set.dispose();
    }
  });

  it('prefers the dir option, then SCRATCHNET_DATA, then the cache folder', async () => {
    const env = { SCRATCHNET_DATA: join(tmp, 'gz'), XDG_CACHE_HOME: join(tmp, 'xdg') };
    const byDir = await resolveMnistFiles({ dir: join(tmp, 'raw'), env, ...noDownload });
    expect(byDir).toMatchObject({ dir: join(tmp, 'raw'), source: 'dir' });
    expect(byDir.files.testLabels).toBe(join(tmp, 'raw', 't10k-labels-idx1-ubyte'));
    const byEnv = await resolveMnistFiles({ env, ...noDownload });
    expect(byEnv).toMatchObject({ dir: join(tmp, 'gz'), source: 'SCRATCHNET_DATA' });
    expect(byEnv.files.trainImages).toBe(join(tmp, 'gz', 'train-images-idx3-ubyte.gz'));
    const byCache = await resolveMnistFiles({ env: { XDG_CACHE_HOME: join(tmp, 'xdg') }, ...noDownload });
    expect(byCache).toMatchObject({ dir: join(tmp, 'xdg', 'scratchnet', 'mnist'), source: 'cache' });
  });

  it('never lets SCRATCHNET_DATA (the MNIST folder) stand in for Fashion-MNIST', async () => {
    const env = { SCRATCHNET_DATA: join(tmp, 'gz'), XDG_CACHE_HOME: join(tmp, 'xdg') };
    await expect(resolveMnistFiles({ dataset: 'fashion-mnist', env, ...noDownload })).rejects.toThrow(
      `cache folder ${join(tmp, 'xdg', 'scratchnet', 'fashion-mnist')} lacks train-images-idx3-ubyte.gz`,
    );
  });

  it('names the folder and the missing file when a named folder lacks one, without downloading', async () => {
    const partial = join(tmp, 'partial');
    await expect(resolveMnistFiles({ dir: partial, env: {} })).rejects.toThrow(
      `resolveMnistFiles: folder ${partial} (from the dir option) lacks t10k-labels-idx1-ubyte.gz (or t10k-labels-idx1-ubyte)`,
    );
    await expect(resolveMnistFiles({ env: { SCRATCHNET_DATA: partial } })).rejects.toThrow(`folder ${partial} (from SCRATCHNET_DATA) lacks t10k-labels`);
    await expect(resolveMnistFiles({ dir: join(tmp, 'nowhere'), env: {} })).rejects.toThrow(`folder ${join(tmp, 'nowhere')} (from the dir option) does not exist`);
    await expect(resolveMnistFiles({ env: { XDG_CACHE_HOME: join(tmp, 'empty-cache') }, ...noDownload })).rejects.toThrow(
      /cache folder .*empty-cache.scratchnet.mnist lacks train-images-idx3-ubyte\.gz \(or train-images-idx3-ubyte\), train-labels/,
    );
    expect(existsSync(join(tmp, 'empty-cache'))).toBe(false);
  });

  it('rejects a set whose files do not belong together', async () => {
    const u = join(tmp, 'unpaired');
    await expect(loadMnist({ dir: u, env: {}, backend })).rejects.toThrow(
      `${join(u, 'train-images-idx3-ubyte')} holds 3 images but ${join(u, 'train-labels-idx1-ubyte')} holds 2 labels`,
    );
    await expect(loadMnist({ dir: join(tmp, 'badlabel'), env: {}, backend })).rejects.toThrow(/train-labels-idx1-ubyte: label 12 at index 1 is out of range/);
    const sizes = join(tmp, 'sizes');
    await expect(loadMnist({ dir: sizes, env: {}, backend })).rejects.toThrow(
      `loadMnist: train images are 2x3 (${join(sizes, 'train-images-idx3-ubyte')}) but test images are 2x4 (${join(sizes, 't10k-images-idx3-ubyte')})`,
    );
  });

  it('puts the cache under XDG_CACHE_HOME when absolute, else under HOME/.cache', () => {
    expect(mnistCacheDir('mnist', { XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe(join('/c', 'scratchnet', 'mnist'));
    expect(mnistCacheDir('fashion-mnist', { HOME: '/h' })).toBe(join('/h', '.cache', 'scratchnet', 'fashion-mnist'));
    expect(mnistCacheDir('mnist', { XDG_CACHE_HOME: 'relative', HOME: '/h' })).toBe(join('/h', '.cache', 'scratchnet', 'mnist'));
  });
});
