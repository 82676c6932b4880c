/**
 * gzip decompression for Node through zlib: synchronous and several times faster than
 * `DecompressionStream`. Node-only; browsers use `gunzip` from `decompress.ts`.
 */
import { gunzipSync as zlibGunzipSync } from 'node:zlib';
import { isGzip } from './decompress.js';

/**
 * Decompresses a gzip file; input that is not gzip (no 1f 8b magic) is returned as is.
 * `name` (usually the file name) starts the error thrown for a corrupt or truncated stream.
 */
export function gunzipSync(bytes: Uint8Array, name: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  let out: Buffer;
  try {
    out = zlibGunzipSync(bytes);
  } catch (err) {
    throw new Error(`${name}: corrupt gzip stream (${(err as Error).message})`, { cause: err });
  }
  // A plain Uint8Array over the same memory, so Buffer's own slice semantics never leak out.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
