import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Backend } from './backend.js';
import type { BackendOptions } from './backend.js';
import { setDefaultBackend } from './default-backend.js';
import { spawnNodeWorker } from './threads/spawn-node.js';

/** The two builds of the wasm core: plain memory (threads: 1), and shared memory for workers. */
export type CoreBuild = 'plain' | 'threads';

const FILES: Record<CoreBuild, string> = { plain: 'scratchnet.wasm', threads: 'scratchnet-threads.wasm' };
const compiled: Record<CoreBuild, Promise<WebAssembly.Module> | null> = { plain: null, threads: null };

/** The wasm core, compiled once per process from the .wasm built next to the package. */
export function loadCoreModule(build: CoreBuild = 'plain'): Promise<WebAssembly.Module> {
  const file = FILES[build];
  compiled[build] ??= readFile(new URL(`../../build/${file}`, import.meta.url)).then(
    (bytes) => WebAssembly.compile(bytes),
    (err: NodeJS.ErrnoException) => {
      compiled[build] = null;
      throw new Error(
        err.code === 'ENOENT'
          ? `scratchnet: build/${file} is missing; run \`npm run build\` first`
          : `scratchnet: cannot read build/${file}: ${err.message}`,
      );
    },
  );
  return compiled[build];
}

/** Threads when none are asked for: SCRATCHNET_THREADS if set (as OMP_NUM_THREADS for OpenMP), else every core. */
function defaultThreads(): number {
  const fromEnv = process.env.SCRATCHNET_THREADS;
  if (fromEnv === undefined || fromEnv === '') return availableParallelism();
  const n = Number(fromEnv);
  if (!Number.isInteger(n) || n < 1) throw new Error(`createBackend: SCRATCHNET_THREADS must be a positive integer, got "${fromEnv}"`);
  return n;
}

/**
 * Make a backend in Node (it becomes the default backend): `const backend = await createBackend({ dtype: 'float64' })`.
 * It runs its kernels on `threads` threads: SCRATCHNET_THREADS or every core by default (`threads: 1`: no workers).
 *
 * @example
 * ```ts
 * import { createBackend } from 'scratchnet';
 *
 * const backend = await createBackend({ dtype: 'float64', threads: 1 });
 * const x = backend.tensor([[1, 2, 3], [4, 5, 6]]);
 * console.log(x.shape, x.dtype); // prints: [ 2, 3 ] float64
 * backend.dispose(); // frees its memory and ends its workers
 * ```
 */
export async function createBackend(options: BackendOptions = {}): Promise<Backend> {
  const threads = options.threads ?? defaultThreads();
  const backend = new Backend(await loadCoreModule(threads > 1 ? 'threads' : 'plain'), { ...options, threads });
  // The Node main thread, like a worker, may block in Atomics.wait.
  if (threads > 1) await backend.startThreads(threads, spawnNodeWorker, true);
  setDefaultBackend(backend);
  return backend;
}
