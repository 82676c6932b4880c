/**
 * A saved net fetched from a URL (a safetensors file written by saveNet, netToSafetensors or
 * `scratchnet train --save`), rebuilt with its architecture. Browser entry only; Node reads paths
 * with loadNet.
 */
import type { Sequential } from '../nets/sequential.js';
import type { NetBuildOptions } from '../nets/spec.js';
import { netFromSafetensors } from './net-file.js';

/** Options of `loadNetFromUrl`: where the net lives, and what to pass to fetch. */
export interface LoadNetFromUrlOptions extends NetBuildOptions {
  /** Passed to fetch (headers, credentials, an AbortSignal ...). */
  init?: RequestInit;
}

/**
 * The net saved at `url`, rebuilt on `options.backend` (default: the default backend).
 *
 * @example
 * ```ts
 * import { createBackend, loadNetFromUrl } from 'scratchnet';
 *
 * await createBackend();
 * const net = await loadNetFromUrl(new URL('./models/mnist.safetensors', location.href));
 * console.log(net.predictClasses(new Float32Array(784))); // one sample in, one class out
 * ```
 */
export async function loadNetFromUrl(url: string | URL, options: LoadNetFromUrlOptions = {}): Promise<Sequential> {
  const name = String(url);
  let response: Response;
  try {
    response = await fetch(url, options.init);
  } catch (err) {
    throw new Error(`loadNetFromUrl: cannot fetch ${name}: ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) throw new Error(`loadNetFromUrl: cannot fetch ${name}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  const bytes = new Uint8Array(await response.arrayBuffer());
  const { init: _init, ...build } = options;
  return netFromSafetensors(bytes, build, name);
}
