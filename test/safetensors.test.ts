import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import type { SafetensorsTensor } from '../src/io/safetensors.js';

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** u64 little-endian header length, then the header text as given, then the body bytes. */
function file(header: string, body: number[] | Uint8Array = []): Uint8Array {
  const text = ascii(header);
  const out = new Uint8Array(8 + text.length + body.length);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  out.set(body, 8 + text.length);
  return out;
}

/** A file with one tensor entry per given JSON, and a body of `bodyLength` zero bytes. */
function withEntries(entries: Record<string, unknown>, bodyLength: number): Uint8Array {
  return file(JSON.stringify(entries), new Uint8Array(bodyLength));
}

describe('safetensors: bytes written by hand from the format description', () => {
  it('decodes a file with padding, metadata, unsorted entries and all four dtypes', () => {
    // Header: 247 characters + 9 spaces of padding = 256 bytes. Body: 8 + 8 + 4 + 3 = 23 bytes.
    const header =
      '{"z":{"dtype":"U8","shape":[3],"data_offsets":[20,23]},' +
      '"__metadata__":{"format":"pt"},' +
      '"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"n":{"dtype":"I32","shape":[],"data_offsets":[16,20]}}';
    const body = [
      0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // F64 1.5
      0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, // F32 1, -2
      0xfe, 0xff, 0xff, 0xff, // I32 -2
      7, 8, 255, // U8
    ];
    const bytes = file(header + ' '.repeat(9), body);
    expect(header.length).toBe(247);
    const { tensors, metadata } = decodeSafetensors(bytes, 'hand.safetensors');
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors).sort()).toEqual(['b', 'n', 'w', 'z']);
    expect(tensors.w).toEqual({ dtype: 'F64', shape: [1], data: new Float64Array([1.5]) });
    expect(tensors.b).toEqual({ dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) });
    expect(tensors.n).toEqual({ dtype: 'I32', shape: [], data: new Int32Array([-2]) });
    expect(tensors.z).toEqual({ dtype: 'U8', shape: [3], data: new Uint8Array([7, 8, 255]) });
  });

  it('encodes exactly the bytes of the reference implementation for one F32 tensor', () => {
    // {"attn.0": F32 (1, 2, 3) = 0..5}: a 64-character header (no padding needed), then 24 bytes.
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    const expected = file(header, [
      0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40,
    ]);
    expect(expected[0]).toBe(64);
    const encoded = encodeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    expect(Array.from(encoded)).toEqual(Array.from(expected));
  });

  it('pads a 65-character header with 7 spaces so the F32 data starts 8-byte aligned', () => {
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(65);
    const floats = [0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40];
    const expected = file(header + ' '.repeat(7), floats);
    const encoded = encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    expect(Array.from(encoded)).toEqual(Array.from(expected));
  });

  it('encodes no tensors as "{}" padded to 8 bytes, and metadata first', () => {
    expect(Array.from(encodeSafetensors({}))).toEqual(Array.from(file('{}      ')));
    const withMeta = encodeSafetensors({}, { framework: 'pt' });
    expect(Array.from(withMeta)).toEqual(Array.from(file('{"__metadata__":{"framework":"pt"}}     ')));
  });
});

describe('safetensors: encode then decode', () => {
  const tensors: Record<string, SafetensorsTensor> = {
    'layer1.W': { dtype: 'F32', shape: [3, 5], data: Float32Array.from({ length: 15 }, (_, i) => Math.sin(i) * 1e3) },
    'layer1.b': { dtype: 'F32', shape: [5], data: new Float32Array([0.1, -0.2, 3e-38, -Infinity, NaN]) },
    precise: { dtype: 'F64', shape: [2, 1], data: new Float64Array([Math.PI, -1e-300]) },
    steps: { dtype: 'I32', shape: [], data: new Int32Array([-2147483648]) },
    mask: { dtype: 'U8', shape: [7], data: new Uint8Array([0, 1, 2, 3, 254, 255, 9]) },
    empty: { dtype: 'F64', shape: [0, 4], data: new Float64Array(0) },
    'ünïcode ✓': { dtype: 'I32', shape: [1, 1, 1], data: new Int32Array([42]) },
  };

  it('gives back every tensor, dtype, shape and value, and the metadata', () => {
    const bytes = encodeSafetensors(tensors, { epoch: '3', note: 'ok' });
    const decoded = decodeSafetensors(bytes);
    expect(decoded.metadata).toEqual({ epoch: '3', note: 'ok' });
    expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const d = decoded.tensors[name]!;
      expect(d.dtype, name).toBe(t.dtype);
      expect(d.shape, name).toEqual(t.shape);
      expect(d.data.constructor, name).toBe(t.data.constructor);
      expect(Array.from(d.data), name).toEqual(Array.from(t.data));
    }
  });

  it('pads the header to 8 bytes, orders by dtype then name and aligns every tensor', () => {
    const bytes = encodeSafetensors(tensors);
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
      string,
      { dtype: string; data_offsets: [number, number] }
    >;
    const order = Object.entries(header).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
    expect(order.map(([name]) => name)).toEqual(['empty', 'precise', 'layer1.W', 'layer1.b', 'steps', 'ünïcode ✓', 'mask']);
    const sizes: Record<string, number> = { F64: 8, F32: 4, I32: 4, U8: 1 };
    for (const [name, info] of order) expect((8 + n + info.data_offsets[0]) % sizes[info.dtype]!, name).toBe(0);
    // The JSON text is followed by spaces only.
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('encodes a subarray view by its own elements and decodes into fresh, independent arrays', () => {
    const big = new Float32Array([9, 1, 2, 3, 9]);
    const bytes = encodeSafetensors({ v: { dtype: 'F32', shape: [3], data: big.subarray(1, 4) } });
    const decoded = decodeSafetensors(bytes).tensors.v!;
    expect(Array.from(decoded.data)).toEqual([1, 2, 3]);
    expect(decoded.data.buffer).not.toBe(bytes.buffer);
    bytes.fill(0);
    expect(Array.from(decoded.data)).toEqual([1, 2, 3]);
  });

  it('decodes from an unaligned view into a larger buffer', () => {
    const bytes = encodeSafetensors({ v: { dtype: 'F64', shape: [2], data: new Float64Array([1.25, -7]) } });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const decoded = decodeSafetensors(shifted.subarray(3)).tensors.v!;
    expect(Array.from(decoded.data)).toEqual([1.25, -7]);
  });

  it('keeps a tensor named "__proto__" as an ordinary tensor', () => {
    const bytes = file('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', [5]);
    const decoded = decodeSafetensors(bytes);
    expect(Object.keys(decoded.tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(decoded.tensors)).toBe(Object.prototype);
  });
});

describe('safetensors: encode rejects bad tensors', () => {
  it('names the tensor whose shape does not match its data', () => {
    expect(() => encodeSafetensors({ 'fc.W': { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) } })).toThrow(
      /encodeSafetensors: tensor 'fc.W' has shape \[2, 3\] \(6 elements\) but 5 data elements/,
    );
  });
  it('rejects data of the wrong typed array, bad shapes, unknown dtypes, the reserved name and non-string metadata', () => {
    expect(() => encodeSafetensors({ a: { dtype: 'F64', shape: [2], data: new Float32Array(2) } })).toThrow(/tensor 'a' is F64 but its data is a Float32Array/);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [-1], data: new Float32Array(1) } })).toThrow(/tensor 'a' has shape \[-1\]/);
    expect(() => encodeSafetensors({ a: { dtype: 'F16' as 'F32', shape: [1], data: new Float32Array(1) } })).toThrow(/tensor 'a' has dtype "F16"/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'U8', shape: [1], data: new Uint8Array(1) } })).toThrow(/reserved/);
    expect(() => encodeSafetensors({}, { epoch: 3 as unknown as string })).toThrow(/metadata 'epoch' is a number/);
  });
});

describe('safetensors: decode rejects every malformed file with a clear error', () => {
  const ok = (): Uint8Array => encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['fewer than 8 bytes', () => new Uint8Array(5), /m\.st: 5 bytes is too short for the 8-byte header length/],
    ['header length past the end', () => { const b = ok(); b[0] = 200; return b; }, /header length 200 runs past the end of the \d+-byte file/],
    ['absurd header length', () => { const b = ok(); b[5] = 1; return b; }, /header length 1099511627\d+ is larger than the 100000000-byte limit/],
    ['header not UTF-8', () => { const b = file('{"a":1} '); b[10] = 0xff; return b; }, /m\.st: header is not valid UTF-8/],
    ['invalid JSON', () => file('{"a":{"dtype":"F32",'), /header is not valid JSON/],
    ['header an array', () => file('[1, 2]  '), /header must be a JSON object starting with '\{'/],
    ['header null', () => file('null    '), /header must be a JSON object starting with '\{'/],
    ['tensor entry not an object', () => file('{"a":[1,2]}'), /tensor 'a' must be an object/],
    ['unknown dtype', () => withEntries({ a: { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } }, 1), /tensor 'a' has dtype "Q7", which is unknown/],
    ['valid but unsupported dtype', () => withEntries({ a: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, 2), /tensor 'a' has dtype "BF16", which is not supported/],
    ['missing dtype', () => withEntries({ a: { shape: [1], data_offsets: [0, 1] } }, 1), /tensor 'a' has dtype undefined/],
    ['shape not a list', () => withEntries({ a: { dtype: 'U8', shape: 3, data_offsets: [0, 3] } }, 3), /tensor 'a' has shape 3; expected a list of non-negative integers/],
    ['negative dimension', () => withEntries({ a: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }, 0), /tensor 'a' has shape \[-1\]/],
    ['fractional dimension', () => withEntries({ a: { dtype: 'U8', shape: [1.5], data_offsets: [0, 1] } }, 1), /tensor 'a' has shape \[1\.5\]/],
    ['string dimension', () => withEntries({ a: { dtype: 'U8', shape: ['2'], data_offsets: [0, 2] } }, 2), /tensor 'a' has shape \["2"\]/],
    ['offsets of one number', () => withEntries({ a: { dtype: 'U8', shape: [1], data_offsets: [1] } }, 1), /tensor 'a' has data_offsets \[1\]; expected \[begin, end\]/],
    ['offsets reversed', () => withEntries({ a: { dtype: 'U8', shape: [1], data_offsets: [2, 1] } }, 2), /tensor 'a' has data_offsets \[2,1\]/],
    ['negative offset', () => withEntries({ a: { dtype: 'U8', shape: [1], data_offsets: [-1, 0] } }, 1), /tensor 'a' has data_offsets \[-1,0\]/],
    ['offsets missing', () => withEntries({ a: { dtype: 'U8', shape: [1] } }, 1), /tensor 'a' has data_offsets undefined/],
    ['byte length not shape times itemsize', () => withEntries({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 6] } }, 6), /tensor 'a' is F32 \[2\], which needs 8 bytes, but its data_offsets \[0, 6\] span 6/],
    ['offsets out of range', () => withEntries({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } }, 3), /tensor 'a' data_offsets \[0, 4\] run past the 3-byte data buffer/],
    ['overlapping tensors', () => withEntries({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, b: { dtype: 'U8', shape: [2], data_offsets: [3, 5] } }, 5), /tensor 'b' data_offsets \[3, 5\] overlap tensor 'a' \[0, 4\]/],
    ['a hole between tensors', () => withEntries({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [3, 5] } }, 5), /bytes \[2, 3\) of the data buffer belong to no tensor \(hole before 'b'\)/],
    ['a hole at the start', () => withEntries({ a: { dtype: 'U8', shape: [2], data_offsets: [1, 3] } }, 3), /bytes \[0, 1\) of the data buffer belong to no tensor/],
    ['trailing bytes after the last tensor', () => withEntries({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, 4), /tensors cover 2 bytes but the data buffer holds 4/],
    ['bytes but no tensors', () => file('{}', [1, 2]), /tensors cover 0 bytes but the data buffer holds 2/],
    ['truncated body', () => ok().subarray(0, ok().length - 1), /tensor 'a' data_offsets \[0, 8\] run past the 7-byte data buffer \(truncated file\?\)/],
    ['non-string metadata', () => file('{"__metadata__":{"epoch":3}}'), /metadata 'epoch' is 3; safetensors metadata values must be strings/],
    ['metadata not an object', () => file('{"__metadata__":"x"}'), /"__metadata__" must be an object of strings/],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      expect(() => decodeSafetensors(make(), 'm.st')).toThrow(message);
    });
  }

  it('the valid file the cases start from decodes', () => {
    expect(Array.from(decodeSafetensors(ok()).tensors.a!.data)).toEqual([1, 2]);
  });
});
