/**
 * A fingerprint of a net's params: FNV-1a (64-bit) over the bytes of its param block. Two nets
 * with the same hash hold bit-identical params, so a run in a browser can be checked against
 * the same run in Node. Platform-neutral: plain 32-bit integer arithmetic, no crypto API.
 */
import type { Tensor } from '../backend/tensor.js';
import type { Sequential } from './sequential.js';

const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
/** The FNV-64 prime is 2^40 + 0x1b3. */
const PRIME_LOW_PART = 0x1b3;
const TWO_32 = 4294967296;

/** FNV-1a 64 of `bytes`, as 16 lowercase hex digits (the empty input gives cbf29ce484222325). */
export function fnv1a64(bytes: Uint8Array): string {
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    // h * (2^40 + 0x1b3) mod 2^64, with h = hi * 2^32 + lo: lo * 0x1b3 < 2^41 is exact in a double.
    const loProduct = lo * PRIME_LOW_PART;
    const carry = Math.floor(loProduct / TWO_32);
    hi = (Math.imul(hi, PRIME_LOW_PART) + carry + (lo << 8)) >>> 0;
    lo = loProduct >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** FNV-1a 64 of a tensor's bytes as they lie in wasm memory (little-endian). */
export function tensorHash(tensor: Tensor): string {
  tensor.assertLive('tensorHash');
  const view = tensor.data;
  return fnv1a64(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}

/** FNV-1a 64 of `net.paramBlock`: the same seed and the same steps give the same hash in Node and in browsers. */
export function paramsHash(net: Sequential): string {
  return tensorHash(net.paramBlock);
}
