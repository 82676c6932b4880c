/**
 * The browser's net storage helpers in real Chromium: a net saved to IndexedDB comes back after a
 * reload, a net file is fetched by URL, and downloadNet offers a file Node reads back. Every net is
 * compared with the same net built in Node (same seed, so the same bits: see determinism.spec.ts).
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build, preview } from 'vite';
import type { PreviewServer } from 'vite';
import { createBackend, MultiLayerNet, netFromSafetensors, netSpec, netToSafetensors, paramsHash } from 'scratchnet';
import type { Backend } from 'scratchnet';
import { CHROMIUM_LAUNCH } from './chromium.js';

const here = dirname(fileURLToPath(import.meta.url));
const configFile = join(here, 'net-storage/vite.config.ts');
const outDir = resolve(here, '../../test-output/net-storage-dist');

/** The net both sides build: MultiLayerNet 4-5-3, tanh, seed `seed`. */
const CONFIG = { inputSize: 4, hiddenSizes: [5], outputSize: 3, activation: 'tanh' } as const;

let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let backend: Backend;

/** The page's `window.scratchnet`, typed loosely: page.evaluate bodies run in Chromium. */
type Api = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function openPage(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.resolvedUrls!.local[0]);
  await page.waitForSelector('body[data-state="ready"]', { state: 'attached' });
  return page;
}

function nodeNet(seed: number): MultiLayerNet {
  return new MultiLayerNet({ ...CONFIG, hiddenSizes: [...CONFIG.hiddenSizes] }, { backend, seed });
}

beforeAll(async () => {
  await build({ configFile, logLevel: 'warn' });
  server = await preview({ configFile, preview: { strictPort: false }, logLevel: 'warn' });
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  context = await browser.newContext({ acceptDownloads: true });
  backend = await createBackend({ threads: 1 });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  backend?.dispose();
});

describe('IndexedDB', () => {
  test('a net saved in one page load is there after a reload, with the bits Node builds; delete and list', async () => {
    const reference = nodeNet(11);
    const page = await openPage();
    const saved = await page.evaluate(async (config) => {
      const s = (globalThis as unknown as { scratchnet: Api }).scratchnet;
      await s.createBackend({ threads: 1 });
      const net = new s.MultiLayerNet(config, { seed: 11 });
      await s.saveNetToIndexedDB(net, 'spiral-net');
      return { hash: s.paramsHash(net), keys: await s.listNetsInIndexedDB() };
    }, CONFIG);
    expect(saved).toEqual({ hash: paramsHash(reference), keys: ['spiral-net'] });

    await page.reload();
    await page.waitForSelector('body[data-state="ready"]', { state: 'attached' });
    const loaded = await page.evaluate(async () => {
      const s = (globalThis as unknown as { scratchnet: Api }).scratchnet;
      await s.createBackend({ threads: 1 });
      const net = await s.loadNetFromIndexedDB('spiral-net');
      const result = { hash: s.paramsHash(net), spec: s.netSpec(net) };
      const deleted = [await s.deleteNetFromIndexedDB('spiral-net'), await s.deleteNetFromIndexedDB('spiral-net')];
      return { ...result, deleted, keys: await s.listNetsInIndexedDB() };
    });
    expect(loaded).toEqual({ hash: paramsHash(reference), spec: netSpec(reference), deleted: [true, false], keys: [] });
    reference.dispose();
    await page.close();
  });

  test('a missing key, an empty key, and another database name each give a clear error', async () => {
    const page = await openPage();
    const errors = await page.evaluate(async () => {
      const s = (globalThis as unknown as { scratchnet: Api }).scratchnet;
      await s.createBackend({ threads: 1 });
      const net = new s.MultiLayerNet({ inputSize: 2, hiddenSizes: [2], outputSize: 2 }, { seed: 1 });
      await s.saveNetToIndexedDB(net, 'kept', { database: 'other' });
      const message = (p: Promise<unknown>) => p.then(() => 'resolved', (e: Error) => e.message);
      return [
        await message(s.loadNetFromIndexedDB('absent')),
        await message(s.loadNetFromIndexedDB('kept')),
        await message(s.saveNetToIndexedDB(net, '')),
        (await s.listNetsInIndexedDB({ database: 'other' })).join(','),
      ];
    });
    expect(errors).toEqual([
      "loadNetFromIndexedDB: no net is saved under 'absent' in IndexedDB 'scratchnet'",
      "loadNetFromIndexedDB: no net is saved under 'kept' in IndexedDB 'scratchnet'",
      'saveNetToIndexedDB: key must be a non-empty string, got ""',
      'kept',
    ]);
    await page.close();
  });
});

describe('loadNetFromUrl', () => {
  test('fetches a net file Node wrote and rebuilds the same net; a 404 names the URL and status', async () => {
    const reference = nodeNet(12);
    writeFileSync(join(outDir, 'served.safetensors'), netToSafetensors(reference));
    const page = await openPage();
    const result = await page.evaluate(async () => {
      const s = (globalThis as unknown as { scratchnet: Api }).scratchnet;
      await s.createBackend({ threads: 1 });
      const net = await s.loadNetFromUrl('/served.safetensors');
      const missing = await s.loadNetFromUrl('/missing.safetensors').then(() => 'resolved', (e: Error) => e.message);
      return { hash: s.paramsHash(net), missing };
    });
    expect(result).toEqual({ hash: paramsHash(reference), missing: 'loadNetFromUrl: cannot fetch /missing.safetensors: HTTP 404 Not Found' });
    reference.dispose();
    await page.close();
  });
});

describe('downloads', () => {
  test('downloadNet offers a safetensors file that Node loads as the same net', async () => {
    const reference = nodeNet(13);
    const page = await openPage();
    const [download, hash] = await Promise.all([
      page.waitForEvent('download'),
      page.evaluate(async (config) => {
        const s = (globalThis as unknown as { scratchnet: Api }).scratchnet;
        await s.createBackend({ threads: 1 });
        const net = new s.MultiLayerNet(config, { seed: 13 });
        s.downloadNet(net, 'trained.safetensors');
        return s.paramsHash(net) as string;
      }, CONFIG),
    ]);
    expect(download.suggestedFilename()).toBe('trained.safetensors');
    const net = netFromSafetensors(readFileSync(await download.path()), { backend });
    expect(paramsHash(net)).toBe(hash);
    expect(hash).toBe(paramsHash(reference));
    const badName = await page.evaluate(() => {
      const s = (globalThis as unknown as { scratchnet: Api }).scratchnet;
      try {
        s.downloadBytes(new Uint8Array(1), '');
        return 'returned';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(badName).toBe('downloadBytes: fileName must be a non-empty string, got ""');
    for (const n of [net, reference]) n.dispose();
    await page.close();
  });
});
