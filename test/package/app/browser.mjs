// A Vite production build of page/, served by `vite preview` and loaded in Chromium through playwright-core.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('page/', import.meta.url));
await build({ root, configFile: `${root}vite.config.mjs` });
const assets = readdirSync(`${root}dist/assets`);
const wasmAssets = assets.filter((f) => f.endsWith('.wasm'));
assert.ok(wasmAssets.length > 0, `the build emits the .wasm (assets: ${assets.join(', ')})`);

const server = await preview({ root, configFile: `${root}vite.config.mjs`, preview: { host: '127.0.0.1', port: 4190, strictPort: false } });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  const errors = [];
  const wasmLoaded = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (r) => {
    if (r.url().endsWith('.wasm')) wasmLoaded.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(server.resolvedUrls.local[0]);
  await page.waitForSelector('body[data-state="ok"], body[data-state="error"]', { timeout: 60_000 });
  const state = await page.getAttribute('body', 'data-state');
  const text = await page.textContent('#result');
  assert.equal(state, 'ok', `the page trained: ${text}`);
  assert.deepEqual(errors, []);
  assert.ok(wasmLoaded.length > 0 && wasmLoaded.every((r) => r.startsWith('200 ')), `the page fetched the .wasm: ${wasmLoaded.join(', ')}`);
  console.log(`browser: Vite build emitted ${wasmAssets.join(', ')}; Chromium fetched it and trained (${text})`);
} finally {
  await browser.close();
  await server.close();
}
