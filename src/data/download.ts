/**
 * Downloading the MNIST-family gzip files from public mirrors into a cache folder.
 *
 * Each file is streamed to a temporary `<dest>.….tmp` (io/atomic-write.ts) while its
 * SHA-256 is computed, checked against the value kept here, and only then renamed over
 * `<dest>`: the cache never holds a partial or wrong file. Mirrors are tried in order.
 * Node-only (fetch from Node 20, node:crypto, node:fs).
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openAtomicFile } from '../io/atomic-write.js';
import { MNIST_FILE_NAMES } from './mnist-file-names.js';
import type { MnistFileKey } from './mnist-file-names.js';

/** The MNIST-format sets the downloader knows (their mirrors and SHA-256 sums). */
export type DatasetName = 'mnist' | 'fashion-mnist';

export interface DatasetSource {
  /** Base URLs ending in '/', tried in order. */
  mirrors: string[];
  /** SHA-256 (hex) of each original gzip file, `${MNIST_FILE_NAMES[key]}.gz`. */
  sha256: Record<MnistFileKey, string>;
}

/**
 * Mirrors are the ones torchvision (datasets/mnist.py) and TensorFlow/Keras use; the hashes are
 * those of the original files published by LeCun et al. and by Zalando Research.
 */
export const DATASET_SOURCES: Record<DatasetName, DatasetSource> = {
  mnist: {
    mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/'],
    sha256: {
      trainImages: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      trainLabels: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      testImages: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      testLabels: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
    },
  },
  'fashion-mnist': {
    mirrors: [
      'https://storage.googleapis.com/tensorflow/tf-keras-datasets/',
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    ],
    sha256: {
      trainImages: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      trainLabels: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      testImages: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      testLabels: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
    },
  },
};

/** One report on a download in progress. */
export interface DownloadProgress {
  file: string;
  url: string;
  /** Bytes received so far from this mirror. */
  received: number;
  /** Content-Length, when the server sent one. */
  total: number | null;
  state: 'downloading' | 'done' | 'failed';
  /** Why this mirror failed (state 'failed'); the next mirror is tried. */
  error?: string;
}

/** Called as a download advances (`loadMnist`'s `onProgress`). */
export type ProgressCallback = (progress: DownloadProgress) => void;

/** Minimal writable stream interface: enough for process.stderr or a test double. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * The default progress reporter: one line per file on `stream` (stderr unless given),
 * rewritten in place with percent and MB on a terminal, or a start and an end line otherwise.
 */
export function progressToStream(stream: ProgressStream = process.stderr): ProgressCallback {
  let lastLine = '';
  return (p) => {
    const mb = (n: number): string => (n / 1e6).toFixed(1);
    const size = p.total !== null ? `${mb(p.received)}/${mb(p.total)} MB` : `${mb(p.received)} MB`;
    const percent = p.total ? `${Math.floor((100 * p.received) / p.total)}% ` : '';
    if (p.state === 'failed') {
      stream.write(`${stream.isTTY ? '\n' : ''}${p.file}: ${p.url} failed (${p.error}); trying the next mirror\n`);
      lastLine = '';
    } else if (stream.isTTY) {
      const line = `downloading ${p.file}: ${percent}${size}`;
      if (line !== lastLine || p.state === 'done') stream.write(`\r${line}${p.state === 'done' ? '\n' : ''}`);
      lastLine = p.state === 'done' ? '' : line;
    } else if (p.received === 0 && p.state === 'downloading') {
      stream.write(`downloading ${p.file} from ${p.url}${p.total !== null ? ` (${mb(p.total)} MB)` : ''}\n`);
    } else if (p.state === 'done') {
      stream.write(`downloaded ${p.file}: ${size}, SHA-256 verified\n`);
    }
  };
}

/**
 * The mirrors to use for `dataset`: the SCRATCHNET_MIRROR environment variable (a
 * comma-separated list of base URLs) when set, else the built-in list.
 */
export function mirrorsFor(dataset: DatasetName, env: Record<string, string | undefined> = process.env): string[] {
  const override = env.SCRATCHNET_MIRROR?.trim();
  if (!override) return [...DATASET_SOURCES[dataset].mirrors];
  return override
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((base) => {
      let url: URL;
      try {
        url = new URL(base);
      } catch {
        throw new Error(`SCRATCHNET_MIRROR: '${base}' is not a valid base URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new Error(`SCRATCHNET_MIRROR: '${base}' must be an http or https URL`);
      }
      return base.endsWith('/') ? base : `${base}/`;
    });
}

export interface DownloadFileOptions {
  /** Base URLs (ending in '/'), tried in order; the file's URL is base + fileName. */
  mirrors: string[];
  /** Expected SHA-256 of the file, lowercase hex. */
  sha256: string;
  onProgress?: ProgressCallback;
  /** Give up on a mirror that sends nothing for this long (ms). Default 30 000. */
  stallTimeoutMs?: number;
}

/**
 * Downloads `fileName` to `dest`, trying each mirror until one serves bytes with the right
 * SHA-256. Returns the URL that worked. Throws an Error listing every mirror and why it failed.
 */
export async function downloadFile(fileName: string, dest: string, options: DownloadFileOptions): Promise<string> {
  const { mirrors, sha256, onProgress = progressToStream(), stallTimeoutMs = 30_000 } = options;
  if (mirrors.length === 0) throw new Error(`downloadFile: no mirrors given for ${fileName}`);
  const failures: string[] = [];
  for (const base of mirrors) {
    const url = base + fileName;
    try {
      await fetchVerified(url, fileName, dest, sha256, onProgress, stallTimeoutMs);
      return url;
    } catch (err) {
      const reason = describeError(err);
      failures.push(`  ${url}: ${reason}`);
      onProgress({ file: fileName, url, received: 0, total: null, state: 'failed', error: reason });
    }
  }
  throw new Error(`downloadFile: could not download ${fileName} from any mirror:\n${failures.join('\n')}`);
}

/** One attempt: stream `url` into a temporary file, verify length and hash, rename to `dest`. */
async function fetchVerified(
  url: string,
  fileName: string,
  dest: string,
  sha256: string,
  onProgress: ProgressCallback,
  stallTimeoutMs: number,
): Promise<void> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const armStallTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new Error(`no data for ${stallTimeoutMs / 1000} s`)),
      stallTimeoutMs,
    );
  };
  armStallTimer();
  const file = await openAtomicFile(dest);
  let body: ReadableStreamDefaultReader<Uint8Array> | null = null;
  try {
    // identity: a server must not re-encode the .gz bytes, or the hash could not match.
    const response = await fetch(url, { signal: controller.signal, headers: { 'accept-encoding': 'identity' } });
    if (!response.body) throw new Error(`HTTP ${response.status}: no body`);
    body = response.body.getReader();
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    const lengthHeader = response.headers.get('content-length');
    const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
    const hash = createHash('sha256');
    let received = 0;
    onProgress({ file: fileName, url, received, total, state: 'downloading' });
    for (;;) {
      armStallTimer();
      const { done, value } = await body.read();
      if (done) break;
      hash.update(value);
      await file.write(value);
      received += value.length;
      onProgress({ file: fileName, url, received, total, state: 'downloading' });
    }
    clearTimeout(timer);
    if (total !== null && received !== total) {
      throw new Error(`truncated body: received ${received} of ${total} bytes`);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) {
      throw new Error(`SHA-256 mismatch: expected ${sha256}, got ${actual} (${received} bytes)`);
    }
    await file.commit();
    onProgress({ file: fileName, url, received, total, state: 'done' });
  } catch (err) {
    clearTimeout(timer);
    // Release the connection of a response we stop reading (an error page, a wrong file).
    await body?.cancel().catch(() => undefined);
    await file.abort();
    // An abort from the stall timer surfaces as an AbortError: report the timer's reason instead.
    throw controller.signal.aborted ? controller.signal.reason : err;
  }
}

/** "fetch failed" alone says little: add the underlying cause (ECONNREFUSED, socket closed...). */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error && cause.message && cause.message !== err.message) {
    return `${err.message} (${cause.message})`;
  }
  return err.message;
}

export interface DownloadDatasetOptions {
  /** Environment to read SCRATCHNET_MIRROR from. Default: process.env. */
  env?: Record<string, string | undefined>;
  onProgress?: ProgressCallback;
  stallTimeoutMs?: number;
}

/**
 * Downloads the given files of `dataset` (their `.gz`, as published) into `dir`, creating it if
 * needed. Files are fetched one after the other.
 */
export async function downloadDatasetFiles(
  dataset: DatasetName,
  dir: string,
  keys: MnistFileKey[],
  options: DownloadDatasetOptions = {},
): Promise<void> {
  const source = DATASET_SOURCES[dataset];
  if (!source) throw new Error(`downloadDatasetFiles: unknown dataset '${dataset}' (known: ${Object.keys(DATASET_SOURCES).join(', ')})`);
  const mirrors = mirrorsFor(dataset, options.env);
  await mkdir(dir, { recursive: true });
  for (const key of keys) {
    const sha256 = source.sha256[key];
    if (!sha256) throw new Error(`downloadDatasetFiles: '${key}' is not one of the files of ${dataset} (${Object.keys(MNIST_FILE_NAMES).join(', ')})`);
    const fileName = `${MNIST_FILE_NAMES[key]}.gz`;
    await downloadFile(fileName, join(dir, fileName), {
      mirrors,
      sha256,
      onProgress: options.onProgress,
      stallTimeoutMs: options.stallTimeoutMs,
    });
  }
}
