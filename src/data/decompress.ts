/**
 * gzip decompression that works in every modern browser and in Node, through the
 * standard `DecompressionStream`. Node code should prefer `gunzipSync` from
 * `decompress-node.ts` (zlib, several times faster); this file imports no Node built-ins
 * so a browser bundle never reaches them.
 */

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a gzip file; input that is not gzip (no 1f 8b magic) is returned as is.
 * `name` (usually the file name) starts the error thrown for a corrupt or truncated stream.
 */
export async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (typeof DecompressionStream === 'undefined') {
    throw new Error(`${name}: this platform has no DecompressionStream to gunzip with; pass the decompressed bytes`);
  }
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new Error(`${name}: corrupt gzip stream (${(err as Error).message})`, { cause: err });
  }
}
