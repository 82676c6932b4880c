import { describe, test, expect, beforeAll } from 'vitest';
import { createBackend, fnv1a64, tensorHash, paramsHash, MultiLayerNet, SGD, Rng } from '../src/index.js';
import type { Backend } from '../src/index.js';

/** The definition, in BigInt: h = (h ^ byte) * 0x100000001b3 mod 2^64, from 0xcbf29ce484222325. */
function fnv1a64Reference(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

const ascii = (s: string) => new TextEncoder().encode(s);

let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float32' });
});

describe('fnv1a64', () => {
  test('published test vectors', () => {
    expect(fnv1a64(ascii(''))).toBe('cbf29ce484222325');
    expect(fnv1a64(ascii('a'))).toBe('af63dc4c8601ec8c');
    expect(fnv1a64(ascii('foobar'))).toBe('85944171f73967e8');
  });

  test('matches the BigInt definition on random bytes of many lengths', () => {
    const rng = new Rng(7);
    for (const n of [1, 2, 3, 7, 64, 255, 1000, 4099]) {
      const bytes = new Uint8Array(n).map(() => rng.int(256));
      expect(fnv1a64(bytes)).toBe(fnv1a64Reference(bytes));
    }
    expect(fnv1a64(new Uint8Array(300).fill(255))).toBe(fnv1a64Reference(new Uint8Array(300).fill(255)));
  });
});

describe('paramsHash', () => {
  const make = (seed: number) => new MultiLayerNet({ inputSize: 5, hiddenSizes: [4], outputSize: 3 }, { backend, seed });

  test('hashes the bytes of the param block', () => {
    const net = make(1);
    const view = net.paramBlock.data;
    expect(paramsHash(net)).toBe(fnv1a64Reference(new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength))));
    expect(tensorHash(net.paramBlock)).toBe(paramsHash(net));
    net.dispose();
  });

  test('same seed and steps give the same hash; one flipped bit or one more step changes it', () => {
    const train = (steps: number) => {
      const net = make(3);
      const x = backend.randn([8, 5], { seed: 11 });
      const t = backend.tensor([0, 1, 2, 0, 1, 2, 0, 1], [8], 'int32');
      const sgd = new SGD(0.1);
      for (let i = 0; i < steps; i++) {
        net.gradient(x, t);
        sgd.update(net);
      }
      x.dispose();
      t.dispose();
      return net;
    };
    const a = train(5);
    const b = train(5);
    const c = train(6);
    expect(paramsHash(a)).toBe(paramsHash(b));
    expect(paramsHash(c)).not.toBe(paramsHash(a));
    const bits = new Uint32Array(b.paramBlock.data.buffer, b.paramBlock.ptr, 1);
    bits[0] ^= 1;
    expect(paramsHash(b)).not.toBe(paramsHash(a));
    for (const n of [a, b, c]) n.dispose();
  });

  test('a disposed net is named in the error', () => {
    const net = make(2);
    net.dispose();
    expect(() => paramsHash(net)).toThrow(/tensorHash/);
  });
});
