/**
 * The book's load_mnist for Node: finds the four files (dir > SCRATCHNET_DATA > cache, which the
 * downloader fills; mnist-files.ts), then reads them from disk, decompressed with zlib, through
 * the reader every platform shares, chunk by chunk (mnist-reader.ts). Node-only.
 */
import { readFile } from 'node:fs/promises';
import type { Backend } from '../backend/backend.js';
import { defaultBackend } from '../backend/default-backend.js';
import { gunzipChunks } from './decompress-node.js';
import type { DatasetName, ProgressCallback } from './download.js';
import { resolveMnistFiles } from './mnist-files.js';
import { readMnist } from './mnist-reader.js';
import type { Mnist, MnistFormat } from './mnist-set.js';

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
 *
 * @example
 * ```ts
 * import { createBackend, loadMnist, batches } from 'scratchnet';
 *
 * await createBackend({ threads: 1 });
 * // From { dir }, else $SCRATCHNET_DATA, else ~/.cache/scratchnet/mnist (downloaded and checked once).
 * const { train, test } = await loadMnist({ normalize: true, flatten: true, oneHotLabel: false });
 * console.log(train.count, test.count); // prints: 60000 10000
 * for (const { x, t } of batches(train, 100, { shuffle: true, seed: 1 })) {
 *   console.log(x.shape, t.shape, t.dtype); // prints: [ 100, 784 ] [ 100 ] int32
 *   break;
 * }
 * ```
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
  return readMnist(
    async (key) => {
      const path = files[key];
      const raw = await readFile(path);
      return { chunks: gunzipChunks(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), path), name: path };
    },
    backend,
    options,
    'loadMnist',
  );
}
