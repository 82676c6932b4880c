import { Backend } from './backend.js';
import type { BackendOptions } from './backend.js';
import { setDefaultBackend } from './default-backend.js';
import { spawnBrowserWorker } from './threads/spawn-browser.js';

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The wasm core (plain build unless given another URL), compiled once per URL with streaming compilation where the server allows it. */
export function loadCoreModule(url: URL | string = new URL('../../build/scratchnet.wasm', import.meta.url)): Promise<WebAssembly.Module> {
  const key = String(url);
  let module = compiled.get(key);
  if (module === undefined) {
    module = (async () => {
      if (typeof WebAssembly !== 'object' || !WebAssembly.validate(SIMD_PROBE)) {
        throw new Error('scratchnet needs WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+); this browser lacks it');
      }
      const response = fetch(url);
      try {
        return await WebAssembly.compileStreaming(response);
      } catch {
        // Servers that send the .wasm without `application/wasm` defeat streaming; compile the bytes instead.
        const r = await fetch(url);
        if (!r.ok) throw new Error(`scratchnet: cannot fetch ${key}: HTTP ${r.status}`);
        return WebAssembly.compile(await r.arrayBuffer());
      }
    })();
    compiled.set(key, module);
    module.catch(() => compiled.delete(key));
  }
  return module;
}

/** Options of the browser's `createBackend`: those of every backend, and where the `.wasm` files are served. */
export interface BrowserBackendOptions extends BackendOptions {
  /** Where the plain build is served (threads: 1). */
  wasmUrl?: URL | string;
  /** Where the threads build is served (threads > 1). */
  threadsWasmUrl?: URL | string;
}

let warnedNotIsolated = false;

/**
 * Threads for a page or worker: shared memory needs cross-origin isolation, so without it there
 * is one thread, and one warning that says which headers the server must send.
 */
function browserThreads(requested: number | undefined): number {
  const cores = requested ?? (typeof navigator === 'object' ? navigator.hardwareConcurrency || 1 : 1);
  if (cores <= 1) return 1;
  if (globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function') return cores;
  if (!warnedNotIsolated) {
    warnedNotIsolated = true;
    console.warn(
      `scratchnet: running on 1 thread instead of ${cores}: this page is not cross-origin isolated, so it has no ` +
        'shared memory. Serve it with the headers `Cross-Origin-Opener-Policy: same-origin` and ' +
        '`Cross-Origin-Embedder-Policy: require-corp` to use every core.',
    );
  }
  return 1;
}

/**
 * Make a backend in a browser or worker (it becomes the default backend): `const backend = await createBackend()`.
 * It uses every core in a cross-origin isolated page; the page's main thread cannot block, so it
 * spins while the workers finish: run training in a worker of your own to keep the page responsive.
 *
 * @example
 * ```ts
 * import { createBackend } from 'scratchnet';
 *
 * // Every core of a cross-origin isolated page; one thread (and one warning) otherwise.
 * const backend = await createBackend({ dtype: 'float32' });
 * console.log(backend.toString());
 * ```
 */
export async function createBackend(options: BrowserBackendOptions = {}): Promise<Backend> {
  const threads = browserThreads(options.threads);
  const url = threads > 1
    ? (options.threadsWasmUrl ?? new URL('../../build/scratchnet-threads.wasm', import.meta.url))
    : options.wasmUrl;
  const backend = new Backend(await loadCoreModule(url), { ...options, threads });
  // Atomics.wait is allowed in workers only; a page's main thread spins instead.
  if (threads > 1) await backend.startThreads(threads, spawnBrowserWorker, typeof window === 'undefined');
  setDefaultBackend(backend);
  return backend;
}

/** The smallest module using a v128 instruction: (func (result v128) i32.const 0 i32x4.splat). */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b,
]);
