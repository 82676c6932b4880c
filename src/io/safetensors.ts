/**
 * The safetensors format (Hugging Face), readable by PyTorch, JAX and others.
 *
 *   8 bytes    N, the header length, unsigned 64-bit little-endian
 *   N bytes    UTF-8 JSON object: { name: { dtype, shape, data_offsets: [begin, end] }, ...,
 *              "__metadata__"?: { string: string } }, padded with spaces (0x20)
 *   rest       the byte buffer: tensors little-endian, row-major; offsets are relative to it
 *
 * Writing follows the reference implementation: tensors sorted by dtype (F64, F32, I32, U8),
 * then by name, so each starts at a multiple of its element size; the header is padded to a
 * multiple of 8 bytes; "__metadata__" comes first. Reading checks every rule of the format:
 * the offsets must tile the buffer exactly (no holes, no overlaps, nothing left over).
 * Platform-neutral.
 */

/** The safetensors element types this reader and writer handle. */
export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'U8';

/** A tensor's values, as the typed array of its dtype. */
export type SafetensorsData = Float32Array | Float64Array | Int32Array | Uint8Array;

/** One named tensor of a safetensors file. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  /** Row-major dimensions; [] is a scalar (one element). */
  shape: number[];
  data: SafetensorsData;
}

/** A safetensors file's tensors by name and its `__metadata__` strings. */
export interface DecodedSafetensors {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

interface DtypeInfo {
  size: number;
  /** Position in the reference implementation's dtype order (increasing alignment); writing sorts by it. */
  rank: number;
  array: new (length: number) => SafetensorsData;
}

const DTYPES: Record<SafetensorsDtype, DtypeInfo> = {
  F64: { size: 8, rank: 3, array: Float64Array },
  F32: { size: 4, rank: 2, array: Float32Array },
  I32: { size: 4, rank: 1, array: Int32Array },
  U8: { size: 1, rank: 0, array: Uint8Array },
};

/** Valid safetensors dtypes that scratchnet has no typed array for (named in the error). */
const OTHER_DTYPES = new Set(['BOOL', 'I8', 'I16', 'U16', 'F16', 'BF16', 'U32', 'I64', 'U64', 'F8_E5M2', 'F8_E4M3']);

/** The reference reader refuses larger headers. */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, value);
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function dataMatchesDtype(data: unknown, dtype: SafetensorsDtype): boolean {
  switch (dtype) {
    case 'F32':
      return data instanceof Float32Array;
    case 'F64':
      return data instanceof Float64Array;
    case 'I32':
      return data instanceof Int32Array;
    case 'U8':
      return data instanceof Uint8Array;
  }
}

/** The tensor's bytes in little-endian order. */
function littleEndianBytes(data: SafetensorsData, size: number): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN || size === 1) return bytes;
  const swapped = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let j = 0; j < size; j++) swapped[i + j] = bytes[i + size - 1 - j]!;
  }
  return swapped;
}

/**
 * Serializes tensors and optional string metadata to safetensors bytes.
 * Each tensor's `data` must be the typed array of its dtype with prod(shape) elements.
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === METADATA_KEY) throw new Error(`encodeSafetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    if (!t || !isDtype(t.dtype)) {
      throw new Error(`encodeSafetensors: tensor '${name}' has dtype ${JSON.stringify(t?.dtype)}; expected F32, F64, I32 or U8`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`encodeSafetensors: tensor '${name}' has shape ${JSON.stringify(t.shape)}; expected a list of non-negative integers`);
    }
    if (!dataMatchesDtype(t.data, t.dtype)) {
      const got = (t.data as object | undefined)?.constructor?.name ?? String(t.data);
      throw new Error(`encodeSafetensors: tensor '${name}' is ${t.dtype} but its data is a ${got}`);
    }
    if (elementCount(t.shape) !== t.data.length) {
      throw new Error(
        `encodeSafetensors: tensor '${name}' has shape [${t.shape.join(', ')}] (${elementCount(t.shape)} elements) ` +
          `but ${t.data.length} data elements`,
      );
    }
  }
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new Error(`encodeSafetensors: metadata '${key}' is a ${typeof value}; safetensors metadata values must be strings`);
      }
    }
  }

  // The reference order: dtype descending (F64, F32, I32, U8), then name. Element sizes never
  // grow along it, so every tensor starts at a multiple of its size and the files are byte-identical.
  entries.sort(([nameA, a], [nameB, b]) => {
    const byDtype = DTYPES[b.dtype].rank - DTYPES[a.dtype].rank;
    return byDtype !== 0 ? byDtype : nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
  });

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const length = t.data.length * DTYPES[t.dtype].size;
    setOwn(header, name, { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + length] });
    offset += length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of entries) {
    const bytes = littleEndianBytes(t.data, DTYPES[t.dtype].size);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function checkEntry(name: string, info: unknown, where: string): HeaderEntry {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new Error(`${where}: tensor '${name}' must be an object {dtype, shape, data_offsets}`);
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (!isDtype(dtype)) {
    const why = typeof dtype === 'string' && OTHER_DTYPES.has(dtype) ? 'is not supported' : 'is unknown';
    throw new Error(`${where}: tensor '${name}' has dtype ${JSON.stringify(dtype)}, which ${why} (expected F32, F64, I32 or U8)`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`${where}: tensor '${name}' has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new Error(`${where}: tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = elementCount(shape) * DTYPES[dtype].size;
  if (end - begin !== expected) {
    throw new Error(
      `${where}: tensor '${name}' is ${dtype} [${shape.join(', ')}], which needs ${expected} bytes, ` +
        `but its data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype, shape: [...shape], begin, end };
}

/** Plain assignment would treat a key named "__proto__" as the prototype: define it instead. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function checkMetadata(value: unknown, where: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: "${METADATA_KEY}" must be an object of strings`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new Error(`${where}: metadata '${key}' is ${JSON.stringify(v)}; safetensors metadata values must be strings`);
    }
    setOwn(metadata, key, v);
  }
  return metadata;
}

/** Copies `bytes` (little-endian) into a fresh, aligned typed array of `dtype`. */
function toTypedArray(bytes: Uint8Array, dtype: SafetensorsDtype): SafetensorsData {
  const { size, array } = DTYPES[dtype];
  const out = new array(bytes.length / size);
  const outBytes = new Uint8Array(out.buffer);
  if (HOST_IS_LITTLE_ENDIAN || size === 1) {
    outBytes.set(bytes);
  } else {
    for (let i = 0; i < bytes.length; i += size) {
      for (let j = 0; j < size; j++) outBytes[i + j] = bytes[i + size - 1 - j]!;
    }
  }
  return out;
}

/**
 * Parses safetensors bytes. `name` (usually the file name) starts every error message.
 * Tensor data is copied into fresh typed arrays (aligned, independent of `bytes`).
 */
export function decodeSafetensors(bytes: Uint8Array, name = 'safetensors file'): DecodedSafetensors {
  if (bytes.length < 8) {
    throw new Error(`${name}: ${bytes.length} bytes is too short for the 8-byte header length (truncated file?)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new Error(`${name}: header length ${headerLength} is larger than the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  }
  if (8 + headerLength > bytes.length) {
    throw new Error(`${name}: header length ${headerLength} runs past the end of the ${bytes.length}-byte file (truncated file?)`);
  }
  const headerBytes = bytes.subarray(8, 8 + headerLength);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new Error(`${name}: header is not valid UTF-8`);
  }
  if (!text.startsWith('{')) {
    throw new Error(`${name}: header must be a JSON object starting with '{', found ${JSON.stringify(text.slice(0, 20))}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new Error(`${name}: header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new Error(`${name}: header must be a JSON object`);
  }

  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === METADATA_KEY) metadata = checkMetadata(value, name);
    else entries.push(checkEntry(key, value, name));
  }

  // The offsets must tile [0, buffer length) exactly: sorted by begin, each starts where the last ended.
  const bufferLength = bytes.length - 8 - headerLength;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: HeaderEntry | null = null;
  for (const e of entries) {
    if (e.end > bufferLength) {
      throw new Error(
        `${name}: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] run past the ${bufferLength}-byte data buffer (truncated file?)`,
      );
    }
    if (e.begin < covered) {
      throw new Error(
        `${name}: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] overlap tensor '${previous!.name}' [${previous!.begin}, ${previous!.end}]`,
      );
    }
    if (e.begin > covered) {
      throw new Error(`${name}: bytes [${covered}, ${e.begin}) of the data buffer belong to no tensor (hole before '${e.name}')`);
    }
    covered = e.end;
    previous = e;
  }
  if (covered !== bufferLength) {
    throw new Error(
      `${name}: tensors cover ${covered} bytes but the data buffer holds ${bufferLength} (trailing bytes: wrong or corrupted file?)`,
    );
  }

  const tensors: Record<string, SafetensorsTensor> = {};
  const dataStart = 8 + headerLength;
  for (const e of entries) {
    const data = toTypedArray(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype);
    setOwn(tensors, e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}
