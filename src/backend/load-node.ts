import { readFile } from 'node:fs/promises';
import { Backend } from './backend.js';
import type { BackendOptions } from './backend.js';
import { setDefaultBackend } from './default-backend.js';

let compiled: Promise<WebAssembly.Module> | null = null;

/** The wasm core, compiled once per process from the .wasm built next to the package. */
export function loadCoreModule(): Promise<WebAssembly.Module> {
  compiled ??= readFile(new URL('../../build/scratchnet.wasm', import.meta.url)).then(
    (bytes) => WebAssembly.compile(bytes),
    (err: NodeJS.ErrnoException) => {
      compiled = null;
      throw new Error(
        err.code === 'ENOENT'
          ? 'scratchnet: build/scratchnet.wasm is missing; run `npm run build` first'
          : `scratchnet: cannot read build/scratchnet.wasm: ${err.message}`,
      );
    },
  );
  return compiled;
}

/** Make a backend in Node (it becomes the default backend): `const backend = await createBackend({ dtype: 'float64' })`. */
export async function createBackend(options: BackendOptions = {}): Promise<Backend> {
  const backend = new Backend(await loadCoreModule(), options);
  setDefaultBackend(backend);
  return backend;
}
