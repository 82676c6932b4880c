/**
 * Bit-identity that does not depend on the JavaScript engine: the determinism probe (normal
 * deviates, the elementary functions, the book's functions, spiral data, float64 Adam on 1 and 2
 * threads) gives the same hashes in Chromium as in Node, and the normals' hash is the constant
 * pinned in test/determinism.test.ts.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { build, preview } from 'vite';
import type { PreviewServer } from 'vite';
import { PINNED, runProbe } from '../determinism-probe.js';
import type { ProbeResult } from '../determinism-probe.js';
import { CHROMIUM_LAUNCH } from './chromium.js';

const configFile = join(dirname(fileURLToPath(import.meta.url)), 'probe/vite.config.ts');

let server: PreviewServer;
let browser: Browser;

beforeAll(async () => {
  await build({ configFile, logLevel: 'warn' });
  server = await preview({ configFile, preview: { strictPort: false }, logLevel: 'warn' });
  browser = await chromium.launch(CHROMIUM_LAUNCH);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('determinism across engines', () => {
  test('Chromium computes the very bits Node does, on 1 and 2 threads', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.resolvedUrls!.local[0]);
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 110_000 });
    const text = (await page.textContent('#result'))!;
    expect(await page.getAttribute('body', 'data-state'), text).toBe('done');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const chromiumResult: ProbeResult = JSON.parse(text);
    const nodeResult = await runProbe();
    console.log(`Chromium ${browser.version()}, Node ${process.versions.node} (V8 ${process.versions.v8}): normals ${chromiumResult.normals}, Adam float64 ${chromiumResult.adamTwoThreads}`);
    expect(chromiumResult).toEqual(nodeResult);
    expect(chromiumResult.normals).toBe(PINNED.normals);
    expect(chromiumResult.adamTwoThreads).toBe(chromiumResult.adamOneThread);
    expect(errors).toEqual([]);
    await page.close();
  });
});
