/**
 * Saved nets on disk (Node): `saveNet` writes atomically (temporary file, fsync, rename), so a
 * crash or a failed write never leaves a half-written model; `loadNet` rebuilds a net from a file;
 * `loadNetWeights` fills an existing one. Node-only (browsers use the byte functions of net-file.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Sequential } from '../nets/sequential.js';
import type { NetBuildOptions } from '../nets/spec.js';
import { writeFileAtomic } from './atomic-write.js';
import { loadNetWeightsFromSafetensors, netFromSafetensors, netToSafetensors } from './net-file.js';

/**
 * Writes the net's params and architecture to `path` (conventionally *.safetensors).
 *
 * @example
 * ```ts
 * import { createBackend, MultiLayerNet, saveNet } from 'scratchnet';
 * import { mkdtempSync, statSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 *
 * await createBackend({ threads: 1 });
 * const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [100], outputSize: 10 }, { seed: 0 });
 * const dir = mkdtempSync(join(tmpdir(), 'nets-'));
 * await saveNet(net, join(dir, 'mnist.safetensors')); // W1, b1, W2, b2 as float32, the architecture in __metadata__
 * console.log(statSync(join(dir, 'mnist.safetensors')).size > 4 * (784 * 100 + 100 + 100 * 10 + 10)); // prints: true
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function saveNet(net: Sequential, path: string): Promise<void> {
  const bytes = netToSafetensors(net);
  try {
    await writeFileAtomic(path, bytes);
  } catch (err) {
    throw new Error(`saveNet: cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The bytes of the file at `path`; a missing file or a folder gets a one-line error, led by `op` when given. */
export async function readFileBytes(path: string, op?: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a folder' : e.message;
    throw new Error(`${op ? `${op}: ` : ''}cannot read ${path}: ${why}`, { cause: err });
  }
}

/**
 * The net saved at `path`, rebuilt on `options.backend` (default: the default backend).
 *
 * @example
 * ```ts
 * import { createBackend, TwoLayerNet, saveNet, loadNet } from 'scratchnet';
 * import { mkdtempSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 *
 * const backend = await createBackend({ threads: 1 });
 * const net = new TwoLayerNet(4, 8, 3, 0.5, { seed: 1 });
 * const path = join(mkdtempSync(join(tmpdir(), 'nets-')), 'net.safetensors');
 * await saveNet(net, path);
 * const copy = await loadNet(path); // a TwoLayerNet again, with the same params
 * const x = backend.rand([5, 4], { seed: 2 });
 * console.log(copy.constructor.name, copy.predict(x).toArray().join() === net.predict(x).toArray().join()); // prints: TwoLayerNet true
 * rmSync(path, { force: true });
 * ```
 */
export async function loadNet(path: string, options: NetBuildOptions = {}): Promise<Sequential> {
  return netFromSafetensors(await readFileBytes(path, 'loadNet'), options, path);
}

/** Loads the params saved at `path` into an existing net of the same architecture. */
export async function loadNetWeights(net: Sequential, path: string): Promise<void> {
  loadNetWeightsFromSafetensors(net, await readFileBytes(path, 'loadNetWeights'), path);
}
