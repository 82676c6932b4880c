/**
 * The page of test/browser/net-storage.spec.ts: the package's browser entry on `window.scratchnet`,
 * for the spec to drive. appType 'mpa': a missing file is a 404, not the index page.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  appType: 'mpa',
  preview: { host: '127.0.0.1', port: 4191 },
  build: { outDir: resolve(here, '../../../test-output/net-storage-dist'), emptyOutDir: true, target: 'es2022' },
  logLevel: 'warn',
});
