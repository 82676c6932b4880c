/**
 * The demo's dev server (`npm run demo`) and build (`vite build -c examples/web/vite.config.ts`,
 * served by `vite preview` with the same config): the page imports 'scratchnet' as any app would,
 * the MNIST IDX files are served under /data/mnist/ from SCRATCHNET_DATA or ../shared/datasets/mnist,
 * and every response carries COOP/COEP so the page is cross-origin isolated (SharedArrayBuffer).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vite';
import { MNIST_FILE_NAMES } from '../../src/data/mnist-file-names.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const dataDir = resolve(process.env.SCRATCHNET_DATA ?? join(repoRoot, '../shared/datasets/mnist'));
const DATA_ROUTE = '/data/mnist/';
const DATA_FILES = new Set(Object.values(MNIST_FILE_NAMES).map((name) => `${name}.gz`));

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** GET /data/mnist/<file>.gz: the gzip bytes as they are (no Content-Encoding: the page gunzips them). */
const serveMnist: Connect.NextHandleFunction = (req, res, next) => {
  const path = (req.url ?? '').split('?')[0];
  if (!path.startsWith(DATA_ROUTE)) return next();
  const name = path.slice(DATA_ROUTE.length);
  const file = join(dataDir, name);
  if (!DATA_FILES.has(name) || !existsSync(file)) {
    res.statusCode = 404;
    res.end(`${name} is not in ${dataDir} (set SCRATCHNET_DATA to the folder holding the MNIST .gz files)`);
    return;
  }
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Length', String(statSync(file).size));
  res.setHeader('Cache-Control', 'no-cache');
  for (const [key, value] of Object.entries(isolation)) res.setHeader(key, value);
  createReadStream(file).pipe(res);
};

function mnistData(): Plugin {
  return {
    name: 'scratchnet-mnist-data',
    configureServer: (server) => void server.middlewares.use(serveMnist),
    configurePreviewServer: (server) => void server.middlewares.use(serveMnist),
  };
}

export default defineConfig({
  root: here,
  plugins: [mnistData()],
  server: { headers: isolation, host: '127.0.0.1', port: 5173 },
  preview: { headers: isolation, host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  build: { outDir: resolve(here, 'dist'), emptyOutDir: true, target: 'es2022' },
});
