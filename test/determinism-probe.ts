/**
 * Every number that JavaScript computes and feeds into tensors, hashed, so one run in Node and one
 * in Chromium can be compared bit for bit (test/determinism.test.ts pins the hashes in Node;
 * test/browser/determinism.spec.ts runs this same module in Chromium). Float64 throughout: float32
 * rounding would hide a last-bit difference.
 */
import { Adam, MultiLayerNet, Rng, createBackend, crossEntropyError, elu, fnv1a64, math, paramsHash, sigmoid, softmax, spiral, tanh } from 'scratchnet';

/** The first this-many normal deviates of NORMALS_SEED are hashed. */
export const NORMAL_COUNT = 100_000;
export const NORMALS_SEED = 20261130;

const hashOf = (values: Float64Array): string => fnv1a64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));

function normals(): string {
  const rng = new Rng(NORMALS_SEED);
  const values = new Float64Array(NORMAL_COUNT);
  for (let i = 0; i < NORMAL_COUNT; i++) values[i] = rng.normal();
  return hashOf(values);
}

/** Each elementary function on 20,000 arguments spread over its useful range. */
function elementary(): string {
  const rng = new Rng(7);
  const n = 20_000;
  const out = new Float64Array(n * 10);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    const x = 40 * u - 20;
    out[10 * i] = math.exp(x);
    out[10 * i + 1] = math.expm1(x / 8);
    out[10 * i + 2] = math.log(1e-6 + 1e3 * u);
    out[10 * i + 3] = math.sin(x);
    out[10 * i + 4] = math.cos(1e3 * x);
    out[10 * i + 5] = math.sinPi(x);
    out[10 * i + 6] = math.cosPi(x / 3);
    out[10 * i + 7] = math.tanh(x / 4);
    out[10 * i + 8] = math.pow(1e-3 + 10 * u, x / 7);
    out[10 * i + 9] = math.powInt(0.999, i + 1);
  }
  return hashOf(out);
}

/** The book's plain-TypeScript activations and losses, and the spiral data set. */
function plainFunctions(): string {
  const data = spiral({ pointsPerClass: 300, classes: 3 });
  const xs = Float64Array.from(data.x, (v) => 6 * v);
  const rows = Array.from({ length: 100 }, (_, i) => Array.from(xs.subarray(6 * i, 6 * i + 6)));
  const probabilities = softmax(rows) as number[][];
  const parts = [
    data.x,
    sigmoid(xs) as Float64Array,
    tanh(xs) as Float64Array,
    elu(xs, 0.7) as Float64Array,
    Float64Array.from(probabilities.flat()),
    Float64Array.of(crossEntropyError(probabilities, Array.from({ length: 100 }, (_, i) => i % 6))),
  ];
  const all = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return hashOf(all);
}

/** Weight init, then Adam steps on spiral data, float64; large enough that 2 threads split every GEMM. */
async function adamRun(threads: number): Promise<{ init: string; trained: string }> {
  const backend = await createBackend({ dtype: 'float64', threads, seed: 5 });
  try {
    const data = spiral({ pointsPerClass: 200, classes: 3, seed: 11 });
    const x = backend.tensor(data.x, [data.count, 2], 'float64');
    const t = backend.tensor(data.t, [data.count, data.classes], 'float64');
    const net = new MultiLayerNet({ inputSize: 2, hiddenSizes: [256, 256], outputSize: 3 }, { backend, dtype: 'float64', seed: 3 });
    const init = paramsHash(net);
    const adam = new Adam(0.01);
    for (let step = 0; step < 40; step++) {
      net.gradient(x, t);
      adam.update(net);
    }
    return { init, trained: paramsHash(net) };
  } finally {
    backend.dispose();
  }
}

/**
 * The bits of everything JavaScript computes for tensors, pinned. These constants are the same in
 * every engine (test/browser/determinism.spec.ts checks Chromium against this very run); a change
 * here means a seed no longer gives the nets it gave before.
 */
export const PINNED = {
  normals: '012c49f4655f322e',
  elementary: '1a7bd2107b2af4cf',
  plainFunctions: 'd9e2639dcf0b5535',
  adamInit: '229d22036df4ccae',
  adamOneThread: 'a39c23f54d4cec83',
};

export interface ProbeResult {
  normals: string;
  elementary: string;
  plainFunctions: string;
  adamInit: string;
  adamOneThread: string;
  adamTwoThreads: string;
}

export async function runProbe(): Promise<ProbeResult> {
  const one = await adamRun(1);
  const two = await adamRun(2);
  if (one.init !== two.init) throw new Error(`determinism probe: init differs between 1 and 2 threads (${one.init}, ${two.init})`);
  return {
    normals: normals(),
    elementary: elementary(),
    plainFunctions: plainFunctions(),
    adamInit: one.init,
    adamOneThread: one.trained,
    adamTwoThreads: two.trained,
  };
}
