/**
 * loadMnist for browsers (and any platform with fetch): the four files by URL, gunzipped with
 * DecompressionStream, checked, and copied into wasm memory one at a time. Platform-neutral.
 */
import type { Backend } from '../backend/backend.js';
import { defaultBackend } from '../backend/default-backend.js';
import { gunzip } from './decompress.js';
import { checkLabels, checkPair, parseIdx } from './idx.js';
import { mnistPair, mnistSetFromIdx } from './mnist-set.js';
import type { Mnist, MnistFormat, MnistSet } from './mnist-set.js';

export interface FetchMnistOptions extends MnistFormat {
  /** Folder URL holding train-images-idx3-ubyte.gz and the other three files. */
  baseUrl: string | URL;
  /** Default: the default backend. */
  backend?: Backend;
}

/** `await fetchMnist({ baseUrl: '/data/mnist/' })`: both splits, as loadMnist gives them in Node. */
export async function fetchMnist(options: FetchMnistOptions): Promise<Mnist> {
  const backend = options.backend ?? defaultBackend();
  const base = new URL(String(options.baseUrl), typeof location === 'undefined' ? undefined : location.href);
  const split = async (images: string, labels: string): Promise<MnistSet> => {
    const l = parseIdx(await fetchBytes(new URL(labels, base)), labels, 1);
    checkLabels(l, labels);
    const i = parseIdx(await fetchBytes(new URL(images, base)), images, 3);
    checkPair(i, l, { images, labels });
    return mnistSetFromIdx(backend, i, l, options);
  };
  const train = await split('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
  try {
    return mnistPair(train, await split('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'));
  } catch (err) {
    train.dispose();
    throw err;
  }
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetchMnist: GET ${url.href} answered HTTP ${response.status}`);
  return gunzip(new Uint8Array(await response.arrayBuffer()), url.href);
}
