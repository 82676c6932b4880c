import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_SOURCES, downloadDatasetFiles, downloadFile, mirrorsFor, progressToStream } from '../src/data/download.js';
import type { DownloadProgress } from '../src/data/download.js';
import { gunzipSync } from 'node:zlib';
import { parseIdx } from '../src/data/idx.js';
import { MNIST_FILE_NAMES } from '../src/data/mnist-file-names.js';
import { resolveMnistFiles } from '../src/data/mnist-files.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(repoRoot, '../shared/datasets/mnist');
const NAMES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The sums published next to the data, read independently of the ones kept in the source. */
async function publishedSums(): Promise<Record<string, string>> {
  const text = await readFile(join(mnistDir, 'SHA256SUMS'), 'utf8');
  return Object.fromEntries(text.trim().split('\n').map((line) => line.trim().split(/\s+/).reverse()));
}

/**
 * A local mirror on 127.0.0.1. Routes by the first path segment:
 *   /good/<file>     the real file
 *   /flip/<file>     the real file with one byte flipped
 *   /cut/<file>      Content-Length of the real file, half the body, then the socket closes
 *   /missing/<file>  404
 *   /stall/<file>    headers and a few bytes, then nothing
 */
let server: Server;
let base: string;
const hits: string[] = [];
const sockets = new Set<Socket>();
const files = new Map<string, Buffer>();

function serve(kind: string, name: string, res: ServerResponse): void {
  const body = files.get(name);
  if (!body || kind === 'missing') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
  if (kind === 'good') res.end(body);
  else if (kind === 'flip') {
    const copy = Buffer.from(body);
    copy[copy.length >> 1]! ^= 0x40;
    res.end(copy);
  } else if (kind === 'cut') {
    res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
  } else if (kind === 'stall') {
    res.write(body.subarray(0, 100));
  }
}

beforeAll(async () => {
  for (const name of NAMES) files.set(name, await readFile(join(mnistDir, name)));
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const [, kind = '', name = ''] = (req.url ?? '').split('/');
    serve(kind, name, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((done) => server.close(() => done()));
});

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'scratchnet-download-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh, empty cache root per test. */
let caseNumber = 0;
async function freshFolder(): Promise<string> {
  const dir = join(tmp, `case-${++caseNumber}`);
  await mkdir(dir);
  return dir;
}

describe('the hashes and mirrors kept in the source', () => {
  it('equal the published SHA256SUMS', async () => {
    const byFileName = Object.entries(DATASET_SOURCES.mnist.sha256).map(([key, sum]) => [`${MNIST_FILE_NAMES[key as keyof typeof MNIST_FILE_NAMES]}.gz`, sum]);
    expect(Object.fromEntries(byFileName)).toEqual(await publishedSums());
  });

  it('are the torchvision and TensorFlow mirrors, replaced by SCRATCHNET_MIRROR when set', () => {
    expect(mirrorsFor('mnist', {})).toEqual(['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/']);
    expect(mirrorsFor('mnist', { SCRATCHNET_MIRROR: ' http://a.test/x , https://b.test/y/ ' })).toEqual(['http://a.test/x/', 'https://b.test/y/']);
    expect(() => mirrorsFor('mnist', { SCRATCHNET_MIRROR: 'not a url' })).toThrow("SCRATCHNET_MIRROR: 'not a url' is not a valid base URL");
    expect(() => mirrorsFor('mnist', { SCRATCHNET_MIRROR: 'ftp://x/' })).toThrow(/must be an http or https URL/);
  });
});

describe('filling the cache from a mirror', () => {
  it('downloads the four files into an empty cache, verified, with no temporary file left', async () => {
    const cache = await freshFolder();
    const events: DownloadProgress[] = [];
    const env = { XDG_CACHE_HOME: cache, SCRATCHNET_MIRROR: `${base}/good/` };
    const found = await resolveMnistFiles({ env, onProgress: (p) => events.push(p) });
    const dir = join(cache, 'scratchnet', 'mnist');
    expect(found.source).toBe('cache');
    expect((await readdir(dir)).sort()).toEqual([...NAMES].sort());
    const sums = await publishedSums();
    for (const name of NAMES) expect(sha256(await readFile(join(dir, name))), name).toBe(sums[name]);
    const done = events.filter((e) => e.state === 'done');
    expect(done.map((e) => e.file).sort()).toEqual([...NAMES].sort());
    for (const e of done) expect(e.received).toBe(files.get(e.file)!.length);
    expect(events.some((e) => e.state === 'downloading' && e.received > 0 && e.received < (e.total ?? 0))).toBe(true);

    // A second look finds the files and fetches nothing.
    const before = hits.length;
    const again = await resolveMnistFiles({ env, download: false });
    expect(again.files.testLabels).toBe(join(dir, 't10k-labels-idx1-ubyte.gz'));
    expect(hits.length).toBe(before);
  });

  it('fetches only the missing files, and what it fetched reads back', async () => {
    const cache = await freshFolder();
    const dir = join(cache, 'scratchnet', 'mnist');
    await mkdir(dir, { recursive: true });
    for (const name of NAMES.filter((n) => n !== 't10k-labels-idx1-ubyte.gz')) await writeFile(join(dir, name), files.get(name)!);
    const before = hits.length;
    const { files: found } = await resolveMnistFiles({ env: { XDG_CACHE_HOME: cache, SCRATCHNET_MIRROR: `${base}/good` }, onProgress: () => {} });
    expect(hits.slice(before)).toEqual(['/good/t10k-labels-idx1-ubyte.gz']);
    const labels = parseIdx(gunzipSync(await readFile(found.testLabels)), found.testLabels, 1);
    expect(Array.from(labels.data.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('moves on from a mirror that 404s to one that works, and says so', async () => {
    const dir = await freshFolder();
    const events: DownloadProgress[] = [];
    await downloadDatasetFiles('mnist', dir, ['testLabels'], {
      env: { SCRATCHNET_MIRROR: `${base}/missing/,${base}/good/` },
      onProgress: (p) => events.push(p),
    });
    expect(await readdir(dir)).toEqual(['t10k-labels-idx1-ubyte.gz']);
    expect(sha256(await readFile(join(dir, 't10k-labels-idx1-ubyte.gz')))).toBe(DATASET_SOURCES.mnist.sha256.testLabels);
    const failed = events.find((e) => e.state === 'failed');
    expect(failed).toMatchObject({ url: `${base}/missing/t10k-labels-idx1-ubyte.gz`, error: 'HTTP 404 Not Found' });
    expect(events.at(-1)).toMatchObject({ state: 'done', url: `${base}/good/t10k-labels-idx1-ubyte.gz` });
  });
});

describe('bad mirrors leave nothing behind', () => {
  const fail = async (kinds: string[], file: string, stallTimeoutMs?: number): Promise<{ error: Error; left: string[] }> => {
    const dir = await freshFolder();
    const error = await downloadFile(file, join(dir, file), {
      mirrors: kinds.map((k) => `${base}/${k}/`),
      sha256: (await publishedSums())[file]!,
      onProgress: () => {},
      stallTimeoutMs,
    }).then(
      () => {
        throw new Error('the download should have failed');
      },
      (err: Error) => err,
    );
    return { error, left: await readdir(dir) };
  };

  it('rejects a file with one byte flipped', async () => {
    const { error, left } = await fail(['flip'], 't10k-images-idx3-ubyte.gz');
    expect(error.message).toMatch(/SHA-256 mismatch: expected 8d422c7b[0-9a-f]+, got [0-9a-f]{64} \(1648877 bytes\)/);
    expect(left).toEqual([]);
  });

  it('rejects a body cut short after its Content-Length was sent', async () => {
    const { error, left } = await fail(['cut'], 't10k-images-idx3-ubyte.gz');
    expect(error.message).toMatch(new RegExp(`${base}/cut/t10k-images-idx3-ubyte.gz: (terminated|truncated body)`));
    expect(left).toEqual([]);
  });

  it('gives up on a mirror that stops sending', async () => {
    const { error, left } = await fail(['stall'], 't10k-labels-idx1-ubyte.gz', 300);
    expect(error.message).toContain(`${base}/stall/t10k-labels-idx1-ubyte.gz: no data for 0.3 s`);
    expect(left).toEqual([]);
  });

  it('lists every mirror and why it failed when none works', async () => {
    const { error, left } = await fail(['missing', 'flip', 'cut'], 't10k-labels-idx1-ubyte.gz');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('downloadFile: could not download t10k-labels-idx1-ubyte.gz from any mirror:');
    expect(lines[1]).toBe(`  ${base}/missing/t10k-labels-idx1-ubyte.gz: HTTP 404 Not Found`);
    expect(lines[2]).toMatch(/flip\/t10k-labels-idx1-ubyte\.gz: SHA-256 mismatch/);
    expect(lines[3]).toMatch(/cut\/t10k-labels-idx1-ubyte\.gz: (terminated|truncated body)/);
    expect(left).toEqual([]);
  });

  it('reports a refused connection with its cause', async () => {
    const dir = await freshFolder();
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((done) => closed.close(() => done()));
    await expect(
      downloadDatasetFiles('mnist', dir, ['testLabels'], { env: { SCRATCHNET_MIRROR: `http://127.0.0.1:${port}/` }, onProgress: () => {} }),
    ).rejects.toThrow(/fetch failed \(.*ECONNREFUSED/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('progress lines', () => {
  const event = (received: number, state: DownloadProgress['state'] = 'downloading'): DownloadProgress => ({
    file: 'f.gz', url: 'http://m/f.gz', received, total: 2_000_000, state,
  });

  it('rewrite one line with percent and MB on a terminal', () => {
    const out: string[] = [];
    const report = progressToStream({ isTTY: true, write: (s: string) => out.push(s) });
    report(event(0));
    report(event(500_000));
    report(event(500_000));
    report(event(2_000_000, 'done'));
    expect(out).toEqual([
      '\rdownloading f.gz: 0% 0.0/2.0 MB',
      '\rdownloading f.gz: 25% 0.5/2.0 MB',
      '\rdownloading f.gz: 100% 2.0/2.0 MB\n',
    ]);
  });

  it('print a start and an end line elsewhere', () => {
    const out: string[] = [];
    const report = progressToStream({ write: (s: string) => out.push(s) });
    report(event(0));
    report(event(1_000_000));
    report(event(2_000_000, 'done'));
    expect(out).toEqual(['downloading f.gz from http://m/f.gz (2.0 MB)\n', 'downloaded f.gz: 2.0/2.0 MB, SHA-256 verified\n']);
  });
});
