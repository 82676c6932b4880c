// The package's public names take tensors, never raw addresses: bad input must be stopped in
// TypeScript, and a function that took byte pointers would hand whatever it got to wasm.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as api from '../src/index.js';
import { createBackend, ops } from '../src/index.js';
import type { Backend, Kernels } from '../src/index.js';

let b: Backend;
beforeAll(async () => {
  b = await createBackend({ threads: 1 });
});
afterAll(() => b.dispose());

/** Runs fn with every wasm export of b counting its calls; returns how many there were. */
function kernelCalls(fn: () => void): number {
  let calls = 0;
  const real = b.kernels;
  const counting: Kernels = {};
  for (const [name, f] of Object.entries(real)) {
    counting[name] = typeof f !== 'function' ? f : (...args: number[]) => (calls++, f(...args));
  }
  Object.defineProperty(b, 'kernels', { value: counting, configurable: true });
  try {
    fn();
  } finally {
    Object.defineProperty(b, 'kernels', { value: real, configurable: true });
  }
  return calls;
}

describe('the public api', () => {
  test('has no raw GEMM entry', () => {
    expect('gemmKernel' in api).toBe(false);
    expect('gemmKernel' in ops).toBe(false);
    expect(typeof ops.gemm).toBe('function');
  });

  test('no op given numbers where tensors go reaches a kernel', () => {
    // Small addresses and sizes a raw entry would happily pass on: 64 is inside the memory.
    const numbers = new Array<number>(16).fill(64);
    const forms: Array<[string, unknown[]]> = [
      ['numbers', numbers],
      ['(backend, dtype, numbers)', [b, 'float32', ...numbers]],
      ['(backend, numbers)', [b, ...numbers]],
    ];
    const reached: string[] = [];
    let tried = 0;
    for (const [name, value] of Object.entries(ops)) {
      if (typeof value !== 'function') continue;
      for (const [form, args] of forms) {
        tried++;
        const calls = kernelCalls(() => {
          try {
            (value as (...a: unknown[]) => unknown)(...args);
          } catch {
            // Thrown before or after a kernel: only the count matters here.
          }
        });
        if (calls > 0) reached.push(`ops.${name} ${form}: ${calls} kernel calls`);
      }
    }
    expect(reached).toEqual([]);
    expect(tried).toBeGreaterThan(3 * 40);
  });

  test('the same check sees a kernel reached through numbers (the test can fail)', () => {
    const raw = (m: number) => b.kernel('gemm', 'float32')(0, 0, m, m, m, 1, 64, m, 64, m, 0, 128, m);
    expect(kernelCalls(() => raw(1))).toBeGreaterThan(0);
  });
});
