/**
 * loadMnist for browsers (and any platform with fetch): the four `.gz` files by URL, gunzipped
 * with DecompressionStream, through the reader every platform shares (mnist-reader.ts).
 * Platform-neutral.
 */
import type { Backend } from '../backend/backend.js';
import { defaultBackend } from '../backend/default-backend.js';
import { gunzipChunks } from './decompress.js';
import { MNIST_FILE_NAMES } from './mnist-file-names.js';
import { readMnist } from './mnist-reader.js';
import type { Mnist, MnistFormat } from './mnist-set.js';

export interface FetchMnistOptions extends MnistFormat {
  /** Folder URL holding train-images-idx3-ubyte.gz and the other three files (MNIST_FILE_NAMES). */
  baseUrl: string | URL;
  /** Default: the default backend. */
  backend?: Backend;
}

/** `await fetchMnist({ baseUrl: '/data/mnist/' })`: both splits, as loadMnist gives them in Node. */
export async function fetchMnist(options: FetchMnistOptions): Promise<Mnist> {
  const backend = options.backend ?? defaultBackend();
  const base = new URL(String(options.baseUrl), typeof location === 'undefined' ? undefined : location.href);
  return readMnist(
    async (key) => {
      const url = new URL(`${MNIST_FILE_NAMES[key]}.gz`, base);
      const response = await fetch(url);
      if (!response.ok) throw new Error(`fetchMnist: GET ${url.href} answered HTTP ${response.status}`);
      return { chunks: gunzipChunks(new Uint8Array(await response.arrayBuffer()), url.href), name: url.href };
    },
    backend,
    options,
    'fetchMnist',
  );
}
