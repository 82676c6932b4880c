/**
 * gzip decompression that works in every modern browser and in Node, through the
 * standard `DecompressionStream`. Node code should prefer `gunzipChunks` from
 * `decompress-node.ts` (zlib, faster); this file imports no Node built-ins
 * so a browser bundle never reaches them.
 */

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The decompressed bytes of a gzip file, chunk by chunk as they inflate, so a caller can copy
 * them where they belong without holding the whole file; input that is not gzip (no 1f 8b magic)
 * comes back as one chunk. `name` (usually the file name) starts the error thrown for a corrupt
 * or truncated stream.
 */
export async function* gunzipChunks(bytes: Uint8Array, name: string): AsyncGenerator<Uint8Array> {
  if (!isGzip(bytes)) {
    yield bytes;
    return;
  }
  if (typeof DecompressionStream === 'undefined') {
    throw new Error(`${name}: this platform has no DecompressionStream to gunzip with; pass the decompressed bytes`);
  }
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (err) {
        throw new Error(`${name}: corrupt gzip stream (${(err as Error).message})`, { cause: err });
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** All the chunks in one array (for small files, and tests). */
export async function collectChunks(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
