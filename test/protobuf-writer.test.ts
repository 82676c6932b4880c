// The protobuf writer against encodings written out in the protobuf documentation (Encoding guide).
import { describe, test, expect } from 'vitest';
import { ProtoWriter } from '../src/io/protobuf-writer.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

describe('ProtoWriter', () => {
  test("the guide's examples: int32 a = 150 is 08 96 01; string b = \"testing\" is 12 07 74 65 73 74 69 6e 67", () => {
    expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe('08 96 01');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('12 07 74 65 73 74 69 6e 67');
  });

  test('an embedded message is a length-delimited field: c = { a = 150 } is 1a 03 08 96 01', () => {
    expect(hex(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).finish())).toBe('1a 03 08 96 01');
  });

  test('varints at the 7-bit edges and past 2^32; field numbers past 15 take a two-byte key', () => {
    const one = (v: number) => hex(new ProtoWriter().varint(1, v).finish()).slice(3);
    expect(one(0)).toBe('00');
    expect(one(127)).toBe('7f');
    expect(one(128)).toBe('80 01');
    expect(one(300)).toBe('ac 02');
    expect(one(2 ** 35)).toBe('80 80 80 80 80 01');
    expect(hex(new ProtoWriter().varint(20, 1).finish())).toBe('a0 01 01');
  });

  test('a float is fixed32, little-endian: 1.0 is 3f800000, 0.01 rounds to float', () => {
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('15 00 00 80 3f');
    expect(hex(new ProtoWriter().float(2, 0.01).finish())).toBe('15 0a d7 23 3c');
  });

  test('large byte fields and small fields around them keep their order', () => {
    const big = new Uint8Array(300).map((_, i) => i % 251);
    const bytes = new ProtoWriter().varint(1, 5).bytes(9, big).varint(2, 7).finish();
    expect(hex(bytes.subarray(0, 5))).toBe('08 05 4a ac 02');
    expect(bytes.subarray(5, 305)).toEqual(big);
    expect(hex(bytes.subarray(305))).toBe('10 07');
  });

  test('rejects a negative or fractional varint and a bad field number, naming them', () => {
    expect(() => new ProtoWriter().varint(1, -1)).toThrow('ProtoWriter: a varint must be a non-negative safe integer, got -1');
    expect(() => new ProtoWriter().varint(1, 1.5)).toThrow('got 1.5');
    expect(() => new ProtoWriter().varint(0, 1)).toThrow('ProtoWriter: field number must be in [1, 2^29 - 1], got 0');
  });
});
