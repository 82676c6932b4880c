/**
 * The few protobuf encodings an ONNX model needs, written by hand (no runtime dependency):
 * varint fields (int32/int64/enum, non-negative only), fixed32 floats, and length-delimited
 * fields (bytes, strings, nested messages). Each call appends one field; `finish()` joins them.
 *
 * Wire format: a field is a key varint (field number << 3 | wire type) followed by its value.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  /** Small values collect here and become one chunk when a large one (bytes) arrives. */
  private pending: number[] = [];
  private length = 0;

  /** An int32, int64 or enum field. Negative values would need ten-byte two's complement; nothing here writes them. */
  varint(field: number, value: number): this {
    this.key(field, WIRE_VARINT);
    this.rawVarint(value);
    return this;
  }

  /** A float field: 4 bytes, little-endian IEEE 754 single. */
  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.pending.push(...bytes);
    this.length += 4;
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE_LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.flushPending();
    this.chunks.push(value);
    this.length += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** An embedded message field. */
  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** The encoded message. */
  finish(): Uint8Array {
    this.flushPending();
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    this.chunks.splice(0, this.chunks.length, out);
    return out;
  }

  private key(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 536_870_911) throw new Error(`ProtoWriter: field number must be in [1, 2^29 - 1], got ${field}`);
    this.rawVarint(field * 8 + wireType);
  }

  /** Seven bits per byte, low bits first; the high bit says another byte follows. */
  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`ProtoWriter: a varint must be a non-negative safe integer, got ${value}`);
    let v = value;
    while (v >= 128) {
      this.pending.push((v % 128) + 128);
      v = Math.floor(v / 128);
      this.length++;
    }
    this.pending.push(v);
    this.length++;
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.pending = [];
  }
}
