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
    out = zlibGunzipSync(bytes, { chunkSize: outputChunkSize(bytes) });
  } catch (err) {
    throw new Error(`${name}: corrupt gzip stream (${(err as Error).message})`, { cause: err });
  }
  // A plain Uint8Array over the same memory, so Buffer's own slice semantics never leak out.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * zlib's sync API fills chunks of `chunkSize` (16 KiB by default) and concatenates them: for a
 * 47 MB file that is 2900 calls and a second 47 MB copy. gzip's last 4 bytes (ISIZE) give the
 * decompressed size mod 2^32, so one chunk of that size usually holds everything; bounded so a
 * corrupt trailer cannot make it allocate gigabytes.
 */
function outputChunkSize(bytes: Uint8Array): number {
  const n = bytes.length;
  const isize = (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0;
  return Math.min(Math.max(isize, 64 * 1024), 256 * 2 ** 20);
}
