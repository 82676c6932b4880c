/**
 * The determinism probe's page (test/browser/determinism.spec.ts builds and serves it): the same
 * module Node runs, bundled against the package's browser entry, served cross-origin isolated so
 * the backend can start its threads.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: here,
  preview: { headers: isolation, host: '127.0.0.1', port: 4190 },
  worker: { format: 'es' },
  build: { outDir: resolve(here, '../../../test-output/probe-dist'), emptyOutDir: true, target: 'es2022' },
  logLevel: 'warn',
});
