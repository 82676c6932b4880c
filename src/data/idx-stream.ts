/**
 * Reading an IDX file that arrives in chunks (as a gzip stream inflates) straight into the
 * memory that will keep it, so the whole decompressed file is never held a second time: for
 * MNIST's 47 MB of training images that second copy was what pushed a run's peak memory up.
 * Platform-neutral.
 */
import { checkIdxBodyLength, idxHeaderLength, parseIdxHeader } from './idx.js';
import type { IdxHeader } from './idx.js';

/** Where the body goes: `write(chunk, offset)` copies bytes at `offset` of the body. */
export interface IdxBodySink {
  write(chunk: Uint8Array, offset: number): void;
}

/**
 * Reads one IDX file from `chunks`: parses its header (errors as parseIdx's), asks `open` for a
 * sink for the body (open may throw, e.g. when the dims do not fit another file), copies the body
 * into it and checks that exactly prod(dims) bytes came. Bytes past the end are counted, not
 * written, so the error names the true length. Returns the header.
 */
export async function readIdxChunks(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  expectedDims: number,
  open: (header: IdxHeader) => IdxBodySink,
): Promise<IdxHeader> {
  let head: Uint8Array = new Uint8Array(0);
  let header: IdxHeader | null = null;
  let sink: IdxBodySink | null = null;
  let received = 0;
  const take = (body: Uint8Array): void => {
    const room = header!.bodyLength - received;
    if (room > 0) sink!.write(body.length <= room ? body : body.subarray(0, room), received);
    received += body.length;
  };
  for await (const chunk of chunks) {
    if (header !== null) {
      take(chunk);
      continue;
    }
    head = concat(head, chunk);
    if (head.length < 4 || head.length < idxHeaderLength(head[3]!)) continue;
    header = parseIdxHeader(head, name, expectedDims);
    sink = open(header);
    take(head.subarray(header.headerLength));
    head = new Uint8Array(0);
  }
  if (header === null) parseIdxHeader(head, name, expectedDims); // throws: the file ends inside its header
  checkIdxBodyLength(name, header!.dims, header!.bodyLength, received);
  return header!;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
