/**
 * IDX files, the format of MNIST and Fashion-MNIST (unsigned bytes only).
 *
 * Layout: a big-endian header, then the body.
 *   bytes 0-1  zero
 *   byte  2    element type (0x08 = unsigned byte)
 *   byte  3    number of dimensions d
 *   then d big-endian u32 sizes, then prod(sizes) bytes, row-major.
 * Labels are 0x00000801 (one dimension: count), images 0x00000803 (count, rows, cols).
 *
 * Platform-neutral: no Node built-ins, so browsers can use it too.
 */

/** A parsed unsigned-byte IDX file: `data` holds prod(dims) bytes, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Names of the other IDX element types, for a clearer error. */
const OTHER_TYPES: Record<number, string> = {
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function hex32(bytes: Uint8Array): string {
  return '0x' + Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Where an IDX file's body starts and how many bytes it must hold. */
export interface IdxHeader {
  dims: number[];
  /** Bytes before the body: 4 + 4 · dims.length. */
  headerLength: number;
  /** prod(dims). */
  bodyLength: number;
}

/**
 * Parses an unsigned-byte IDX file. `name` (usually the file name) starts every error message.
 * If `expectedDims` is given, the file must have exactly that many dimensions
 * (1 for labels, 3 for images). `data` is a view into `bytes`, not a copy.
 */
export function parseIdx(bytes: Uint8Array, name: string, expectedDims?: number): IdxArray {
  const { dims, headerLength, bodyLength } = parseIdxHeader(bytes, name, expectedDims);
  checkIdxBodyLength(name, dims, bodyLength, bytes.length - headerLength);
  return { dims, data: bytes.subarray(headerLength) };
}

/**
 * Parses and checks the header at the start of `bytes` (which may hold only part of the body,
 * for a file read in chunks); errors as parseIdx's.
 */
export function parseIdxHeader(bytes: Uint8Array, name: string, expectedDims?: number): IdxHeader {
  if (bytes.length < 4) {
    throw new Error(`${name}: only ${bytes.length} bytes, too short for an IDX header (truncated or empty file?)`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new Error(`${name}: the bytes are gzip-compressed; decompress them before parseIdx`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`${name}: not an IDX file (magic ${hex32(bytes)}, expected 0x000008NN)`);
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    const known = OTHER_TYPES[type];
    throw new Error(
      `${name}: IDX element type 0x${type.toString(16).padStart(2, '0')}` +
        (known ? ` (${known})` : ' (unknown)') +
        ' is not supported; only unsigned-byte (0x08) files are read',
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new Error(`${name}: IDX header declares 0 dimensions (magic ${hex32(bytes)})`);
  if (expectedDims !== undefined && ndims !== expectedDims) {
    const want = `0x000008${expectedDims.toString(16).padStart(2, '0')}`;
    throw new Error(
      `${name}: expected ${expectedDims} dimension${expectedDims === 1 ? '' : 's'} (magic ${want}), ` +
        `found ${ndims} (magic ${hex32(bytes)})`,
    );
  }
  const headerLength = idxHeaderLength(ndims);
  if (bytes.length < headerLength) {
    throw new Error(
      `${name}: header needs ${headerLength} bytes for ${ndims} dimensions, file has ${bytes.length} (truncated file?)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let bodyLength = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    bodyLength *= d;
  }
  return { dims, headerLength, bodyLength };
}

/** Header bytes of an IDX file with `ndims` dimensions (its byte 3). */
export function idxHeaderLength(ndims: number): number {
  return 4 + 4 * ndims;
}

/** Throws unless the body after the header holds exactly `expected` bytes (`found`). */
export function checkIdxBodyLength(name: string, dims: number[], expected: number, found: number): void {
  if (found === expected) return;
  const what = dims.length === 1 ? 'labels' : dims.length === 3 ? 'pixels' : 'data';
  const hint = found < expected ? 'truncated file?' : 'trailing bytes: wrong or concatenated file?';
  throw new Error(
    `${name}: expected ${expected} bytes of ${what} after the header (dims [${dims.join(', ')}]), ` +
      `found ${found} (${hint})`,
  );
}

/**
 * Checks that an image file (count, rows, cols) and a label file (count) belong together:
 * right number of dimensions and the same count. Only the headers' dims are read.
 */
export function checkPair(images: Pick<IdxArray, 'dims'>, labels: Pick<IdxArray, 'dims'>, names: { images: string; labels: string }): void {
  if (images.dims.length !== 3) {
    throw new Error(`${names.images}: images must have 3 dimensions (count, rows, cols), found [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) {
    throw new Error(`${names.labels}: labels must have 1 dimension (count), found [${labels.dims.join(', ')}]`);
  }
  if (images.dims[0] !== labels.dims[0]) {
    throw new Error(
      `${names.images} holds ${images.dims[0]} images but ${names.labels} holds ${labels.dims[0]} labels; ` +
        'the two files must come from the same set',
    );
  }
}

/** Checks that every label is a class index below `classCount` (10 for MNIST and Fashion-MNIST). */
export function checkLabels(labels: IdxArray, name: string, classCount = 10): void {
  if (!Number.isInteger(classCount) || classCount < 1 || classCount > 256) {
    throw new Error(`checkLabels: classCount must be an integer in [1, 256], got ${classCount}`);
  }
  const data = labels.data;
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= classCount) {
      throw new Error(`${name}: label ${data[i]} at index ${i} is out of range (expected < ${classCount} classes)`);
    }
  }
}
