/**
 * Saving to the user's disk from a page: the bytes become a Blob behind a temporary object URL,
 * and a hidden <a download> is clicked. Browser entry only.
 */
import type { Sequential } from '../nets/sequential.js';
import { netToSafetensors } from './net-file.js';

/** Revoking the URL right after the click cancels the download in some browsers; a minute is ample. */
const REVOKE_AFTER_MS = 60_000;

/** Offers `bytes` to the user as a download named `fileName`. */
export function downloadBytes(bytes: Uint8Array, fileName: string, type = 'application/octet-stream'): void {
  if (typeof document === 'undefined') throw new Error('downloadBytes: needs a page (document); in a worker, post the bytes to the page');
  if (!(bytes instanceof Uint8Array)) throw new Error(`downloadBytes: bytes must be a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  if (typeof fileName !== 'string' || fileName.length === 0) throw new Error(`downloadBytes: fileName must be a non-empty string, got ${JSON.stringify(fileName)}`);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/**
 * Offers the net's params and architecture as a safetensors download (default name "net.safetensors").
 *
 * @example
 * ```ts
 * import { createBackend, MultiLayerNet, downloadNet } from 'scratchnet';
 *
 * await createBackend();
 * const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [100], outputSize: 10 });
 * document.querySelector('#save')!.addEventListener('click', () => downloadNet(net, 'mnist.safetensors'));
 * ```
 */
export function downloadNet(net: Sequential, fileName = 'net.safetensors'): void {
  downloadBytes(netToSafetensors(net), fileName);
}
