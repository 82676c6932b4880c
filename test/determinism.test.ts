import { describe, test, expect } from 'vitest';
import { runProbe, NORMAL_COUNT, PINNED } from './determinism-probe.js';

describe('determinism: the numbers JavaScript feeds into tensors', () => {
  test(`the first ${NORMAL_COUNT.toLocaleString('en')} normals of a seed, the elementary functions, the book's functions, spiral data and float64 Adam steps hash to pinned constants`, async () => {
    const result = await runProbe();
    expect(result.adamTwoThreads).toBe(result.adamOneThread);
    expect({ ...result, adamTwoThreads: undefined }).toEqual({ ...PINNED, adamTwoThreads: undefined });
  });
});
