import { Backend } from './backend.js';
import type { BackendOptions } from './backend.js';
import { setDefaultBackend } from './default-backend.js';

let compiled: Promise<WebAssembly.Module> | null = null;

/** The wasm core, compiled once per page with streaming compilation where the server allows it. */
export function loadCoreModule(url: URL | string = new URL('../../build/scratchnet.wasm', import.meta.url)): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(SIMD_PROBE)) {
      throw new Error('scratchnet needs WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+); this browser lacks it');
    }
    const response = fetch(url);
    try {
      return await WebAssembly.compileStreaming(response);
    } catch {
      // Servers that send the .wasm without `application/wasm` defeat streaming; compile the bytes instead.
      const r = await fetch(url);
      if (!r.ok) throw new Error(`scratchnet: cannot fetch ${String(url)}: HTTP ${r.status}`);
      return WebAssembly.compile(await r.arrayBuffer());
    }
  })();
  compiled.catch(() => (compiled = null));
  return compiled;
}

/** Make a backend in a browser or worker (it becomes the default backend): `const backend = await createBackend()`. */
export async function createBackend(options: BackendOptions & { wasmUrl?: URL | string } = {}): Promise<Backend> {
  const backend = new Backend(await loadCoreModule(options.wasmUrl), options);
  setDefaultBackend(backend);
  return backend;
}

/** The smallest module using a v128 instruction: (func (result v128) i32.const 0 i32x4.splat). */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b,
]);
